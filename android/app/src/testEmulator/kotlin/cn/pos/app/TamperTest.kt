package cn.pos.app

import android.widget.EditText
import cn.pos.app.ui.Words
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** The tamper lock has a way out: the remote unlock (challenge, the help desk's code), then a sign-in. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class TamperTest {
    private fun AppRig.typeCode(code: String) {
        (view("unlock_code") as EditText).setText(code)
        click("unlock")
    }

    @Test
    fun `a tampered reader locks the checkout, a wrong code is refused, the help desk's code and a sign-in reopen it`() {
        AppRig().use { rig ->
            rig.ready()
            rig.click("test_panel")
            rig.openStarted()
            rig.click("tamper")
            rig.click("present_debit")
            rig.click("back")
            rig.closeTop()
            // The reader reports its switch on the next command: the sale attempt.
            "100".forEach { rig.click("key_$it") }
            rig.click("charge")
            rig.waitForTag("locked")
            assertTrue(rig.text("locked_reason"), rig.text("locked_reason").contains("系统安全已触发"))
            assertTrue(rig.session.terminal.isTamperLocked())
            rig.shoot("tamper-locked", Words.locked, Words.requestChallenge, Words.lockedWhatToDo)

            rig.click("request_challenge")
            rig.waitForTag("challenge")
            rig.shoot("tamper-challenge", Words.unlockHint, Words.unlock)
            rig.typeCode("000000000000")
            rig.waitForTag("locked_error")
            assertTrue(rig.text("locked_error"), rig.text("locked_error").contains("解锁码错误"))
            assertTrue("a refused code costs the challenge", rig.view("request_challenge") != null)

            rig.click("request_challenge")
            rig.waitForTag("challenge")
            val challenge = (rig.session.checkout.state.value as CheckoutState.Locked).challenge!!
            assertEquals(Words.challenge(challenge).zh, rig.text("challenge"))
            val sim = (rig.session.acquirer as SimulatedAcquirer).sim
            rig.typeCode(sim.unlockCode("10000001", challenge)!!)
            rig.waitForTag("sign_in")
            val f = rig.session.checkout.state.value as CheckoutState.Failed
            assertEquals(FailureKind.SIGN_IN_REQUIRED, f.kind)
            assertFalse(rig.session.terminal.isTamperLocked())
            rig.shoot("unlocked-sign-in", Words.signIn, f.error)

            // The unlock erased the reader's keys: sign in from the screen, then pay.
            rig.click("sign_in")
            rig.waitForTag("key_1")
            "100".forEach { rig.click("key_$it") }
            rig.click("charge")
            rig.waitForTag("approved")
            assertEquals("¥1.00", rig.text("amount"))
        }
    }
}
