package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.SimFault
import cn.pos.core.SimRequestClass
import cn.pos.core.installDemoProvisioning
import cn.pos.core.startAcquirerSimulator
import cn.pos.shell.i18n.Text
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/**
 * Sign-in: automatic when the terminal opens; a failure shows the core's reason, what to do and
 * a retry. Here the terminal is provisioned for an acquirer simulator the test runs (a pushed
 * provisioning file's path: the emulator flavor then starts none of its own).
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class SignInTest {
    @Test
    fun `a failed sign-in says why and what to do, and signing in again reaches the keypad`() {
        val sim = runBlocking { startAcquirerSimulator() }
        try {
            AppRig().use { rig ->
                rig.dataDir.mkdirs()
                installDemoProvisioning(rig.dataDir.path, sim.address(), sim.caPem(), false, rig.vault)
                // The host closes the connection on the first sign-in.
                sim.injectFault("10000001", SimFault.Close, 1u, SimRequestClass.NETWORK)
                rig.grantPermissions()
                rig.launch()
                rig.runStartedService()
                rig.waitForTag("sign_in_failed")
                assertFalse(sim.isSignedIn("10000001"))
                val reason = rig.text("sign_in_reason")
                assertTrue(reason, reason.isNotBlank())
                assertTrue(rig.view("key_1") == null)
                rig.shoot("sign-in-failed", Words.signInFailed, Words.signInWhatToDo, Words.signInAgain)

                rig.click("sign_in_again")
                rig.waitForTag("key_1")
                assertTrue(sim.isSignedIn("10000001"))
                assertTrue(rig.text("signed_in"), rig.text("signed_in").startsWith("已签到，批次号"))
            }
        } finally {
            runBlocking { sim.shutdown() }
            sim.close()
        }
    }

    @Test
    fun `the terminal signs in by itself when it opens`() {
        AppRig().use { rig ->
            rig.grantPermissions()
            rig.launch()
            rig.runStartedService()
            rig.waitForTag("key_1")
            assertTrue(rig.session.terminal.isSignedIn())
            val batch = rig.session.terminal.batch().toString().padStart(6, '0')
            assertEquals("已签到，批次号 $batch", rig.text("signed_in"))
        }
    }

    @Test
    fun `an unreachable host makes the sign-in screen shows the core's reason, never a crash`() {
        AppRig().use { rig ->
            rig.dataDir.mkdirs()
            // Provisioned for a host that refuses connections, over a plain link.
            installDemoProvisioning(rig.dataDir.path, "127.0.0.1:1", null, true, rig.vault)
            rig.grantPermissions()
            rig.launch()
            rig.runStartedService()
            rig.waitForTag("sign_in_failed")
            rig.shoot("sign-in-unreachable", Words.signInFailed, Text(rig.text("sign_in_reason"), rig.session.signIn.value.let { (it as SignInState.Failed).reason.en }))
        }
    }
}
