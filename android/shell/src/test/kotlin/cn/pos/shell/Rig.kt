package cn.pos.shell

import cn.pos.core.AcquirerSimulator
import cn.pos.core.KeyVault
import cn.pos.core.PosException
import cn.pos.core.SimulatedDevices
import cn.pos.core.Terminal
import cn.pos.core.TerminalSettings
import cn.pos.core.demoSettings
import cn.pos.core.startAcquirerSimulator
import cn.pos.core.startSimulatedDevices
import cn.pos.shell.checkout.CheckoutMachine
import cn.pos.shell.checkout.CheckoutState
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** A software AES-GCM vault: what the Android Keystore vault does, with the key in memory. */
class SoftwareKeyVault : KeyVault {
    private val key: SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    private val random = SecureRandom()

    override fun wrap(plain: ByteArray): ByteArray {
        val iv = ByteArray(12).also(random::nextBytes)
        val c = Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, key, GCMParameterSpec(128, iv)) }
        return iv + c.doFinal(plain)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        if (wrapped.size < 12 + 16) throw PosException.Security("密钥数据损坏", "wrapped key too short")
        return try {
            val c = Cipher.getInstance("AES/GCM/NoPadding")
            c.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, wrapped, 0, 12))
            c.doFinal(wrapped, 12, wrapped.size - 12)
        } catch (e: javax.crypto.AEADBadTagException) {
            throw PosException.Security("密钥数据校验失败", "wrapped key does not authenticate")
        }
    }
}

/** A fresh directory under the test output directory. */
fun tempDir(tag: String): File {
    val base = File(System.getProperty("pos.test.tmp") ?: System.getProperty("java.io.tmpdir"))
    base.mkdirs()
    return Files.createTempDirectory(base.toPath(), "$tag-").toFile()
}

/**
 * Test settings against [host]: short timeouts so fault paths finish quickly. The default
 * risk policy stays provisioned, as on a real terminal: paying with one card again within
 * minutes is a risk warning the operator confirms.
 */
fun testSettings(host: String): TerminalSettings = demoSettings(host).copy(
    responseTimeoutMs = 3_000u,
    cardTimeoutMs = 3_000u,
    connectTimeoutMs = 1_000u,
)

/**
 * [testSettings] without a risk policy, for tests that pay with one test card again and again
 * for another purpose (the card-interval and card-daily rules would warn about it).
 */
fun noRiskSettings(host: String): TerminalSettings = testSettings(host).copy(riskPolicyJson = null)

/** The acquirer simulator, the simulated reader and printer, and a terminal on them. */
class Rig(signIn: Boolean = true, settings: (String) -> TerminalSettings = ::testSettings) : AutoCloseable {
    val dir = tempDir("rig")
    val sim: AcquirerSimulator = runBlocking { startAcquirerSimulator() }
    val vault = SoftwareKeyVault()
    // The simulated reader keeps its sealed secrets beside the terminal's journal, as the
    // emulator build does.
    val devices: SimulatedDevices = runBlocking { startSimulatedDevices(File(dir, "terminal").path, vault) }
    // TLS, pinned to the CA the simulator made for this run.
    val terminal: Terminal = Terminal.open(File(dir, "terminal").path, settings(sim.address()).copy(acquirerCaPem = sim.caPem()), vault, devices.reader(), null)
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    init {
        if (signIn) check(runBlocking { terminal.signIn() }.approved) { "sign-in declined" }
    }

    /** A checkout machine on this terminal and the simulated printer, attached to the reader. */
    fun checkout(): CheckoutMachine =
        CheckoutMachine(terminal, scope, printer = { devices.printer() }).also { it.attach(devices.reader()) }

    companion object {
        /** A reader handle for tests that never read a card (settings refused before use). */
        fun noReader(): cn.pos.core.CardReaderHandle = runBlocking {
            startSimulatedDevices(tempDir("noreader").path, SoftwareKeyVault()).reader()
        }
    }

    override fun close() {
        scope.cancel()
        runBlocking { sim.shutdown() }
        terminal.close()
        devices.close()
        sim.close()
        dir.deleteRecursively()
    }
}

/** Waits (at most [ms]) for the first value matching [p]; on timeout, says what the last value was. */
suspend fun <T> Flow<T>.await(ms: Long = 20_000, p: (T) -> Boolean): T {
    var last: T? = null
    return try {
        withTimeout(ms) { first { last = it; p(it) } }
    } catch (e: kotlinx.coroutines.TimeoutCancellationException) {
        throw AssertionError("timed out after $ms ms; last value: $last")
    }
}

/** Types [minor] on the machine's keypad, digit by digit. */
fun CheckoutMachine.type(minor: Long) {
    minor.toString().forEach { digit(it - '0') }
}

/** The states a machine passed through, by type name. */
fun List<CheckoutState>.names(): List<String> = map { it::class.simpleName ?: "?" }
