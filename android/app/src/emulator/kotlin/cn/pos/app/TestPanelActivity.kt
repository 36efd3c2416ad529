package cn.pos.app

import android.app.Activity
import android.os.Bundle
import cn.pos.app.ui.Language
import cn.pos.app.ui.Ui
import cn.pos.app.ui.Words
import cn.pos.core.PosException
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text

/**
 * The emulator flavor's test panel: the deck's test cards (the simulator's issuer knows them),
 * each presented to the simulated reader with one tap, and the card taken away again. A card
 * stays on the reader until removed, as on the CLI.
 */
class TestPanelActivity : Activity() {
    private var error: Text? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        requestWindowFeature(android.view.Window.FEATURE_NO_TITLE)
        draw()
    }

    override fun onResume() {
        super.onResume()
        draw()
    }

    private fun devices(): SimulatedLocalDevices? = PosHub.session?.local as? SimulatedLocalDevices

    private fun draw() {
        val ui = Ui(this, Language.get(this))
        val d = devices()
        val header = ui.subpageHeader(Words.testPanelTitle, "panel_title", back = { finish() }, redraw = { draw() })
        if (d == null) {
            setContentView(ui.page(header, ui.label(Words.devicesUnavailable, tag = "panel_unavailable")))
            return
        }
        val cards = d.sim.testCards()
        val onReader = d.presented?.let { id -> cards.firstOrNull { it.id == id } }
        val rows = cards.map { c ->
            ui.row(
                ui.column(
                    ui.raw("${c.id}  ${c.maskedPan}", 15f, tag = "card_${c.id}", bold = true),
                    // The core's description of the card, in both languages.
                    ui.label(Text(c.descriptionZh, c.description), 13f, color = Ui.MUTED),
                ),
                ui.button(Words.present, "present_${c.id}", primary = c.id == onReader?.id) { present(d, c.id) },
                weights = listOf(2f, 1f),
            )
        }
        setContentView(
            ui.page(
                header,
                ui.label(onReader?.let { Words.presented(it.id, it.maskedPan) } ?: Words.noCardPresented, 16f, tag = "on_reader", bold = true),
                error?.let { ui.label(it, tag = "panel_error", color = Ui.BAD) },
                ui.button(Words.removeCard, "remove_card") { d.remove(); error = null; draw() },
                if (d.paperOut) ui.label(Words.paperIsOut, tag = "paper_state", color = Ui.BAD) else null,
                ui.row(
                    ui.button(if (d.paperOut) Words.paperIn else Words.paperOut, "paper") { d.setPaperOut(!d.paperOut); draw() },
                    ui.button(Words.tamper, "tamper") { d.tamper(); draw() },
                ),
                *rows.toTypedArray(),
            ),
        )
    }

    private fun present(d: SimulatedLocalDevices, id: String) {
        error = try {
            d.present(id)
            null
        } catch (e: PosException) {
            e.text
        }
        draw()
    }
}
