package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.Terminal
import cn.pos.core.demoSettings
import cn.pos.core.startSimulatedDevices
import cn.pos.shell.i18n.Text
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** A terminal that cannot open is a screen with the core's reason and "try again", never a crash. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class ProblemTest {
    @Test
    fun `a terminal directory held by another owner shows why, and try again opens it once released`() {
        AppRig().use { rig ->
            rig.dataDir.mkdirs()
            // Another owner holds the terminal's directory (its exclusive lock).
            val devices = runBlocking { startSimulatedDevices(rig.dataDir.path, rig.vault) }
            val other = Terminal.open(rig.dataDir.path, demoSettings("127.0.0.1:1").copy(plainTcp = true), rig.vault, devices.reader(), null)
            try {
                rig.grantPermissions()
                rig.launch()
                rig.runStartedService()
                rig.waitForTag("problem_title")
                val reason = (PosHub.phase.value as Phase.Problem).text
                assertTrue(reason.zh, rig.text("problem_text") == reason.zh && reason.zh.isNotBlank())
                rig.shoot("problem", Words.problemTitle, Words.retry, reason)
            } finally {
                other.close()
                devices.close()
            }
            rig.click("retry")
            rig.waitForTag("key_1")
        }
    }
}
