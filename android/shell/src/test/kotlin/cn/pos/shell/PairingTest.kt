package cn.pos.shell

import cn.pos.core.BleLink
import cn.pos.core.LinkInbox
import cn.pos.core.LinkSecurity
import cn.pos.core.PosException
import cn.pos.core.PrinterPeripheral
import cn.pos.core.ReaderPeripheral
import cn.pos.core.Terminal
import cn.pos.core.connectReader
import cn.pos.core.startAcquirerSimulator
import cn.pos.core.startPrinterPeripheral
import cn.pos.core.startReaderPeripheral
import cn.pos.shell.devices.BleDevice
import cn.pos.shell.devices.BluetoothGateway
import cn.pos.shell.devices.DeviceKind
import cn.pos.shell.devices.DeviceState
import cn.pos.shell.devices.GattConnection
import cn.pos.shell.devices.PairingManager
import cn.pos.shell.devices.PairingStore
import cn.pos.shell.devices.reconnectDelayMs
import cn.pos.shell.checkout.CheckoutMachine
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import cn.pos.core.SlipCopy
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.File

/** A GATT connection to a simulated peripheral: the shell's own BleLink, as the app's GATT link would be. */
class FakeGatt(
    private val inbox: LinkInbox,
    private val mtu: UInt,
    private val powered: () -> Boolean,
    private val deliver: (ByteArray) -> Boolean,
) : GattConnection, BleLink {
    @Volatile
    private var up = true
    /** False for a reader that is not bonded yet. */
    @Volatile
    var bonded = true
    private var listener: ((Boolean) -> Unit)? = null

    override val link: BleLink get() = this

    override suspend fun write(chunk: ByteArray) {
        if (!up || !deliver(chunk)) {
            throw PosException.Device("link_disconnected", "蓝牙设备已断开", "Bluetooth device disconnected")
        }
    }

    override fun mtu(): UInt = mtu

    override fun isConnected(): Boolean = up

    /** A bonded, encrypted link, as the app's GATT link reports once the reader is bonded. */
    override fun linkSecurity(): LinkSecurity = if (up && bonded) LinkSecurity.ENCRYPTED else LinkSecurity.UNENCRYPTED

    override fun onConnectionChange(listener: (connected: Boolean) -> Unit) {
        this.listener = listener
    }

    override suspend fun reconnect(): Boolean {
        if (!powered()) return false
        up = true
        inbox.connected(mtu)
        return true
    }

    override fun close() {
        up = false
    }

    /** The platform reports the link down (the device was switched off). */
    fun drop() {
        up = false
        inbox.disconnected()
        listener?.invoke(false)
    }
}

/** Bluetooth with one simulated reader and one simulated printer in range. */
class FakeGateway(private val dir: File) : BluetoothGateway {
    var peripheral: ReaderPeripheral? = null
    var printer: PrinterPeripheral? = null
    var gatt: FakeGatt? = null
    val device = BleDevice("AA:BB:CC:00:00:01", "POS-READER-01", -48, DeviceKind.READER)
    val printerDevice = BleDevice("AA:BB:CC:00:00:09", "PT-210", -60, DeviceKind.PRINTER)

    override fun isEnabled() = true

    override suspend fun scan(kind: DeviceKind, timeoutMs: Long): List<BleDevice> = when (kind) {
        DeviceKind.READER -> listOf(device.copy(name = "far", address = "AA:BB:CC:00:00:02", rssi = -90), device)
        DeviceKind.PRINTER -> listOf(printerDevice)
    }

    override suspend fun connect(device: BleDevice, inbox: LinkInbox): GattConnection = when (device.kind) {
        DeviceKind.READER -> {
            val p = peripheral ?: startReaderPeripheral(File(dir, "reader").path, inbox, SoftwareKeyVault()).also { peripheral = it }
            FakeGatt(inbox, p.mtu(), p::isPowered, p::deliver).also { gatt = it }
        }
        DeviceKind.PRINTER -> {
            val p = startPrinterPeripheral(inbox).also { printer = it }
            FakeGatt(inbox, p.mtu(), p::isPowered, p::deliver)
        }
    }
}

class MemoryPairingStore : PairingStore {
    val saved = mutableMapOf<DeviceKind, BleDevice>()
    override fun load(kind: DeviceKind) = saved[kind]
    override fun save(kind: DeviceKind, device: BleDevice?) {
        if (device == null) saved.remove(kind) else saved[kind] = device
    }
}

/** Pairing and reconnection over the shell's own BleLink, with real payments before and after. */
class PairingTest {
    @Test
    fun `pair a reader over the shell's link, pay, lose it, reconnect, pay again`(): Unit = runBlocking {
        val dir = tempDir("pairing")
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val sim = startAcquirerSimulator()
        val gateway = FakeGateway(dir)
        val store = MemoryPairingStore()
        val pm = PairingManager(gateway, store, scope, delayFor = { 100L })
        try {
            val found = pm.scan(DeviceKind.READER)
            assertEquals("POS-READER-01", found.first().name, "strongest signal first")
            assertTrue(pm.pair(found.first()))
            assertEquals(DeviceState.Connected(gateway.device), pm.reader.value)
            assertEquals(gateway.device, store.saved[DeviceKind.READER])
            val reader = pm.readerHandle!!
            assertEquals(false, reader.deviceInfo().tampered)

            // The same card before and after the reconnect, seconds apart: no risk policy (the
            // card-interval rule would warn; this is about the link, not risk).
            val terminal = Terminal.open(File(dir, "t").path, noRiskSettings(sim.address()).copy(acquirerCaPem = sim.caPem()), SoftwareKeyVault(), reader, null)
            assertTrue(terminal.signIn().approved)
            val peripheral = gateway.peripheral!!
            peripheral.presentCard("debit")
            assertTrue(terminal.sale(300, null).approved, "a sale over the shell's BleLink")

            peripheral.powerOff()
            gateway.gatt!!.drop()
            pm.reader.await { it is DeviceState.Reconnecting }
            val failed = assertThrows<PosException> { runBlocking { terminal.sale(300, null) } }
            assertTrue(failed is PosException.Device, failed.toString())
            peripheral.powerOn()
            pm.reader.await { it is DeviceState.Connected }
            val again = terminal.sale(400, null)
            assertTrue(again.approved, "the same reader handle works after the reconnect: ${again.summaryEn}")
            assertEquals(700L, terminal.history(10u).filter { it.approved() }.sumOf { it.amount?.minor ?: 0 })

            pm.unpair(DeviceKind.READER)
            assertEquals(DeviceState.Unpaired, pm.reader.value)
            assertNull(store.saved[DeviceKind.READER])
            terminal.close()
        } finally {
            scope.cancel()
            sim.shutdown()
            dir.deleteRecursively()
        }
    }

    @Test
    fun `pair a printer over the shell's link, print, and print again after a new roll`(): Unit = runBlocking {
        Rig().use { rig ->
            val gateway = FakeGateway(rig.dir)
            val pm = PairingManager(gateway, MemoryPairingStore(), rig.scope)
            val printers = pm.scan(DeviceKind.PRINTER)
            assertTrue(pm.pair(printers.single()))
            val printer = pm.printerHandle!!
            assertTrue(printer.status().ready)
            val m = CheckoutMachine(rig.terminal, rig.scope, printer = { pm.printerHandle }).also { it.attach(rig.devices.reader()) }
            rig.devices.presentCard("debit")
            m.type(2_500)
            m.confirm()
            assertTrue((m.state.await { it is CheckoutState.Result } as CheckoutState.Result).outcome.approved)
            m.printReceipt()
            assertTrue((m.state.await { it is CheckoutState.Done } as CheckoutState.Done).printed)
            val paper = gateway.printer!!.takePaperText()
            assertTrue(paper.contains("MERCHANT COPY") && paper.contains("CARDHOLDER COPY"), paper)

            m.next()
            gateway.printer!!.setPaperOut(true)
            m.type(700)
            m.confirm()
            // The same card again within minutes: the default risk policy warns, the operator confirms.
            val warned = m.state.await { it is CheckoutState.Failed } as CheckoutState.Failed
            assertEquals(FailureKind.RISK_CONFIRM, warned.kind, warned.toString())
            m.confirmRisk("01")
            assertTrue((m.state.await { it is CheckoutState.Result } as CheckoutState.Result).outcome.approved)
            m.printReceipt()
            val failed = m.state.await { it is CheckoutState.ReceiptFailed } as CheckoutState.ReceiptFailed
            assertEquals(SlipCopy.MERCHANT, failed.copy)
            assertTrue(printer.status().paperOut)
            gateway.printer!!.setPaperOut(false)
            m.printReceipt()
            assertTrue((m.state.await { it is CheckoutState.Done } as CheckoutState.Done).printed)
            assertTrue(gateway.printer!!.takePaperText().contains("CARDHOLDER COPY"))
            m.close()
        }
    }

    @Test
    fun `a reader that is not bonded gets no keys and the operator is told to pair it`(): Unit = runBlocking {
        val dir = tempDir("unbonded")
        val sim = startAcquirerSimulator()
        try {
            val gateway = FakeGateway(dir)
            val inbox = LinkInbox()
            val conn = gateway.connect(gateway.device, inbox) as FakeGatt
            conn.bonded = false
            val reader = connectReader(conn.link, inbox)
            assertEquals(false, reader.deviceInfo().tampered, "who the reader is can be asked unbonded")
            val terminal = Terminal.open(File(dir, "t").path, noRiskSettings(sim.address()).copy(acquirerCaPem = sim.caPem()), SoftwareKeyVault(), reader, null)
            val e = assertThrows<PosException.Device> { runBlocking { terminal.signIn() } }
            assertEquals("link_not_encrypted", e.code)
            assertTrue(e.zh.contains("读卡器蓝牙连接未加密") && e.en.contains("pair (bond) the reader"), e.en)
            conn.bonded = true
            assertTrue(terminal.signIn().approved, "bonded, the sign-in goes through")
            terminal.close()
        } finally {
            sim.shutdown()
            dir.deleteRecursively()
        }
    }

    @Test
    fun `an inbox serves one device only, and the backoff grows to 30 s`(): Unit = runBlocking {
        val dir = tempDir("inbox")
        val gateway = FakeGateway(dir)
        val inbox = LinkInbox()
        val conn = gateway.connect(gateway.device, inbox)
        connectReader(conn.link, inbox)
        val e = assertThrows<PosException.InvalidInput> { runBlocking { connectReader(conn.link, inbox) } }
        assertTrue(e.zh.isNotBlank() && e.en.contains("already in use"), e.en)
        assertEquals(listOf(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L), (1..7).map(::reconnectDelayMs))
        dir.deleteRecursively()
    }
}

private fun cn.pos.core.HistoryRow.approved() = status == cn.pos.core.TxnStatus.APPROVED
