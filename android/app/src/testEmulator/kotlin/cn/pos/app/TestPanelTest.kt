package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.i18n.Text
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
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
            // A sale waits for the card until the panel presents one.
            "800".forEach { rig.click("key_$it") }
            rig.expectText("amount", "¥8.00")
            rig.click("charge")
            rig.waitForTag("card_prompt")

            rig.click("test_panel")
            assertEquals(TestPanelActivity::class.java, rig.openStarted()::class.java)
            // Every deck card, masked, with the core's description in the operator's language.
            val cards = rig.devices.sim.testCards()
            assertTrue(cards.size >= 10)
            assertEquals("debit  622848*********0018", rig.text("card_debit"))
            assertEquals(Words.noCardPresented.zh, rig.text("on_reader"))
            assertTrue(rig.texts().contains(cards.first { it.id == "debit" }.descriptionZh))
            val credit = cards.first { it.id == "credit" }
            rig.shoot("test-panel", Words.testPanelTitle, Words.noCardPresented, Words.removeCard, Text(credit.descriptionZh, credit.description))
            assertTrue(rig.session.checkout.state.value is CheckoutState.WaitingForCard)

            rig.click("present_debit")
            assertEquals(Words.presented("debit", "622848*********0018").zh, rig.text("on_reader"))
            rig.click("back")
            rig.closeTop()
            rig.waitForTag("approved")
            assertEquals(800L, (rig.session.checkout.state.value as CheckoutState.Result).outcome.amount?.minor)
            assertEquals("卡号：622848*********0018", rig.text("masked_pan"))
            rig.click("no_slip")
            rig.waitForTag("done")

            // Removed: the next sale waits for a card again.
            rig.click("test_panel")
            rig.openStarted()
            assertEquals(Words.presented("debit", "622848*********0018").zh, rig.text("on_reader"))
            rig.shoot("test-panel-presented", Words.removeCard, Text(Words.presented("debit", "622848*********0018").zh, Words.presented("debit", "622848*********0018").en))
            rig.click("remove_card")
            assertEquals(Words.noCardPresented.zh, rig.text("on_reader"))
            // The panel's language switch: the checkout comes back in English too.
            rig.click("lang")
            rig.click("back")
            rig.closeTop()
            rig.expectText("next", Words.nextSale.en)
            rig.language(cn.pos.shell.i18n.Lang.ZH)
            rig.click("next")
            "100".forEach { rig.click("key_$it") }
            rig.expectText("amount", "¥1.00")
            rig.click("charge")
            rig.waitForTag("card_prompt")
            Thread.sleep(500)
            rig.idle()
            assertTrue("no card: still waiting", rig.session.checkout.state.value is CheckoutState.WaitingForCard)
            rig.click("cancel")
            rig.waitForTag("failed")
        }
    }
}
