package cn.pos.app

import android.view.View
import cn.pos.app.ui.Language
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.shell.devices.BleDevice
import cn.pos.shell.devices.DeviceKind
import cn.pos.shell.devices.DeviceState
import cn.pos.shell.devices.PairingManager
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.launch

/**
 * Pairing (配对): the card reader and the printer, each with its scan (live results: name and
 * signal), connect and bond, reconnect, unpair, the reader's battery, and every failure in the
 * operator's language with what to do. It draws the service's [PairingManager] ([PosHub.pairing]);
 * after a first run its "done" lets the terminal open and sign in.
 */
class PairingActivity : ObservingActivity<Pair<DeviceState, DeviceState>>() {
    /** The reader's and the printer's states (their scan results, links and failures). */
    override fun source(): Flow<Pair<DeviceState, DeviceState>>? =
        PosHub.pairing?.let { pm -> combine(pm.reader, pm.printer) { r, p -> r to p } }

    override fun draw() {
        val ui = Ui(this, Language.get(this))
        val header = ui.subpageHeader(Words.pairingTitle, "pairing_title", back = { finish() }, redraw = { draw() })
        val pm = PosHub.pairing
        if (pm == null) {
            setContentView(ui.page(header, ui.label(Words.pairingUnavailable, tag = "pairing_unavailable")))
            return
        }
        val needed = PosHub.phase.value as? Phase.NeedDevices
        setContentView(
            ui.page(
                header,
                ui.label(Words.pairingHint, 15f, tag = "pairing_hint", color = Ui.MUTED),
                section(ui, pm, DeviceKind.READER, pm.reader.value),
                section(ui, pm, DeviceKind.PRINTER, pm.printer.value),
                needed?.let {
                    ui.button(Words.continueToSignIn, "pairing_done", primary = true) {
                        it.proceed()
                        finish()
                    }
                },
            ),
        )
    }

    /** One device's block: its state, its results and its buttons. */
    private fun section(ui: Ui, pm: PairingManager, kind: DeviceKind, state: DeviceState): View {
        val k = if (kind == DeviceKind.READER) "reader" else "printer"
        val scan = { label: cn.pos.shell.i18n.Text -> ui.button(label, "${k}_scan") { work.launch { pm.scan(kind) } } }
        val connect = { d: BleDevice, label: cn.pos.shell.i18n.Text, tag: String -> ui.button(label, tag, primary = true) { work.launch { pm.pair(d) } } }
        val body: List<View?> = when (state) {
            DeviceState.Unpaired -> listOf(ui.label(Words.notPaired, tag = "${k}_state", color = Ui.MUTED), scan(Words.scan))
            DeviceState.Scanning -> listOf(ui.label(Words.scanning, tag = "${k}_scanning"))
            is DeviceState.Found -> if (state.devices.isEmpty()) {
                listOf(ui.label(Words.noneFound, tag = "${k}_none_found", color = Ui.BAD), scan(Words.scanAgain))
            } else {
                state.devices.map { d ->
                    ui.row(
                        ui.column(
                            ui.raw(d.name, 16f, tag = "found_${d.name}", bold = true),
                            ui.label(Words.signal(d.rssi), 13f, tag = "signal_${d.name}", color = if (d.rssi < -80) Ui.BAD else Ui.MUTED),
                        ),
                        connect(d, Words.connectDevice, "connect_${d.name}"),
                        weights = listOf(2f, 1f),
                    )
                } + scan(Words.scanAgain)
            }
            is DeviceState.Connecting -> listOf(ui.label(Words.connectingTo(state.device.name), tag = "${k}_connecting"))
            is DeviceState.Connected -> listOfNotNull(
                ui.label(Words.connectedTo(state.device.name), tag = "${k}_connected", color = Ui.GOOD, bold = true),
                state.device.rssi.takeIf { it != 0 }?.let { ui.label(Words.signal(it), 13f, tag = "${k}_signal", color = Ui.MUTED) },
                if (kind == DeviceKind.READER) battery(ui, pm) else null,
                ui.row(
                    ui.button(Words.reconnectDevice, "${k}_reconnect") { work.launch { pm.pair(state.device) } },
                    ui.button(Words.unpair, "${k}_unpair") { pm.unpair(kind) },
                ),
            )
            is DeviceState.Reconnecting -> listOf(
                ui.label(Words.reconnecting(state.device.name, state.attempt), tag = "${k}_reconnecting", color = Ui.BAD),
                ui.label(Words.errOutOfRange, 14f, tag = "${k}_reconnect_hint", color = Ui.MUTED),
                connect(state.device, Words.reconnectDevice, "${k}_reconnect"),
            )
            is DeviceState.Failed -> listOfNotNull(
                ui.label(Words.pairingFailed, 18f, tag = "${k}_failed", bold = true, color = Ui.BAD),
                // The gateway's or the manager's words: what happened and what to do.
                ui.label(state.error, tag = "${k}_error"),
                state.device?.let { connect(it, Words.connectDevice, "${k}_retry") },
                scan(Words.scanAgain),
            )
        }
        return ui.column(ui.title(if (kind == DeviceKind.READER) Words.readerDevice else Words.printerDevice, tag = "${k}_title"), *body.toTypedArray())
    }

    /** The reader's battery, as it last said. */
    private fun battery(ui: Ui, pm: PairingManager): View? {
        val info = runCatching { pm.readerHandle?.deviceInfo() }.getOrNull() ?: return null
        val pct = info.batteryPercent.toInt()
        return ui.label(Words.battery(pct), tag = "reader_battery", color = if (pct < 20) Ui.BAD else Ui.INK)
    }

    private companion object {
        /** Scans and connections outlive the activity (a rotation must not cut a bond in half). */
        val work = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    }
}
