package cn.pos.app

import android.content.Intent
import android.os.Looper
import android.view.View
import android.widget.TextView
import cn.pos.app.ui.Words
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import org.robolectric.RobolectricTestRunner

/** The emulator flavor's test panel presents a deck card to the simulated reader and removes it. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class TestPanelTest {
    @Test
    fun `a card presented from the panel pays the waiting sale, and removed the next read waits`() {
        AppRig().use { rig ->
            rig.ready()
            rig.click("test_panel")
            val intent = shadowOf(rig.activity).nextStartedActivity
            assertEquals(TestPanelActivity::class.java.name, intent.component?.className)
            val panel = Robolectric.buildActivity(TestPanelActivity::class.java, intent).setup()
            val root = panel.get().window.decorView
            fun text(tag: String) = (root.findViewWithTag<View>(tag) as TextView).text.toString()
            fun click(tag: String) {
                assertTrue(tag, root.findViewWithTag<View>(tag).performClick())
                shadowOf(Looper.getMainLooper()).idle()
            }
            // Every deck card, masked, with the core's description in the operator's language.
            val cards = rig.devices.sim.testCards()
            assertTrue(cards.size >= 10)
            assertEquals("debit  622848*********0018", text("card_debit"))
            assertEquals(Words.noCardPresented.zh, text("on_reader"))
            assertTrue(rig.texts(root).contains(cards.first { it.id == "debit" }.descriptionZh))
            for ((lang, words) in listOf(Lang.ZH to "zh", Lang.EN to "en")) {
                rig.language(lang)
                panel.pause().resume()
                val expected = if (lang == Lang.ZH) cards.first { it.id == "credit" }.descriptionZh else cards.first { it.id == "credit" }.description
                assertTrue("$words: ${rig.texts(panel.get().window.decorView)}", rig.texts(panel.get().window.decorView).contains(expected))
                rig.save(panel.get().window.decorView, "test-panel-$words-phone")
            }
            rig.language(Lang.ZH)
            panel.pause().resume()

            click("present_debit")
            assertEquals(Words.presented("debit", "622848*********0018").zh, text("on_reader"))
            rig.save(root, "test-panel-presented-zh-phone")
            click("remove_card")
            assertEquals(Words.noCardPresented.zh, text("on_reader"))

            // A sale waits for the card until the panel presents one.
            rig.click("key_8")
            rig.click("key_00")
            rig.expectText("amount", "¥8.00")
            rig.click("charge")
            rig.waitForTag("card_prompt")
            Thread.sleep(300)
            assertTrue(rig.session.checkout.state.value is CheckoutState.WaitingForCard)
            click("present_debit")
            rig.waitForTag("approved")
            assertEquals(800L, (rig.session.checkout.state.value as CheckoutState.Result).outcome.amount?.minor)
            click("back")
            assertTrue(panel.get().isFinishing)
            panel.pause().stop().destroy()
        }
    }
}
