package cn.pos.app

import cn.pos.app.AppRig.Companion.hasHan
import cn.pos.shell.i18n.Lang
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** The language switch changes every label, and the choice is kept. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class LanguageTest {
    /** The words on the screen (amounts, digits and card numbers aside). */
    private fun AppRig.words(): List<String> = texts().filter { t -> t.any { it.isLetter() } }

    private fun AppRig.assertEveryLabelSwitches(screen: String) {
        language(Lang.ZH)
        val zh = words()
        assertTrue("$screen in Chinese: $zh", zh.all { hasHan(it) || it == "English" || it.startsWith("622") })
        language(Lang.EN)
        val en = words()
        assertTrue("$screen in English: $en", en.none { hasHan(it) && it != "中文" })
        assertEquals("$screen: as many labels in both languages", zh.size, en.size)
        assertTrue("$screen: a label did not change: ${zh.intersect(en.toSet())}", zh.intersect(en.toSet()).isEmpty())
    }

    @Test
    fun `every label of the keypad, card prompt, decline, history, offline queue, other transactions, settlement, day end and failure changes with the switch`() {
        AppRig().use { rig ->
            rig.ready()
            rig.assertEveryLabelSwitches("keypad")
            "2000".forEach { rig.click("key_$it") } // above the card's 10.00
            rig.expectText("amount", "¥20.00")
            rig.click("charge")
            rig.waitForTag("card_prompt")
            rig.assertEveryLabelSwitches("card prompt")
            rig.devices.present("lowbal")
            rig.waitForTag("declined")
            rig.assertEveryLabelSwitches("decline")
            rig.click("next")
            rig.click("history")
            rig.openStarted()
            rig.waitForTag("page_title")
            rig.assertEveryLabelSwitches("history")
            rig.click("back")
            rig.closeTop()
            rig.click("queue")
            rig.openStarted()
            rig.waitForTag("queue_waiting")
            rig.assertEveryLabelSwitches("offline queue")
            rig.click("back")
            rig.closeTop()
            for (screen in listOf("more", "settlement", "day_end")) {
                rig.click(screen)
                rig.openStarted()
                rig.waitForTag("back")
                rig.assertEveryLabelSwitches(screen)
                rig.click("back")
                rig.closeTop()
            }
            rig.click("more")
            rig.openStarted()
            rig.click("op_refund")
            rig.waitForTag("ref_continue")
            rig.assertEveryLabelSwitches("refund form")
            rig.click("back")
            rig.closeTop()
            rig.devices.remove()
            rig.click("key_9")
            rig.click("charge")
            rig.waitForTag("card_prompt")
            Thread.sleep(200) // the reader has the request
            rig.click("cancel")
            rig.waitForTag("failed")
            rig.assertEveryLabelSwitches("cancelled")
            // Kept: a new activity (rotation, restart) comes up in the language chosen.
            rig.language(Lang.EN)
            rig.resize("w640dp-h360dp-land-xhdpi")
            rig.waitForTag("failed")
            assertFalse(rig.words().any { hasHan(it) && it != "中文" })
        }
    }
}
