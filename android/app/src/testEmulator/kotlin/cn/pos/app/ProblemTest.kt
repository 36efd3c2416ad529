package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.Terminal
import cn.pos.core.demoSettings
import cn.pos.core.startSimulatedDevices
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
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

    @Test
    fun `a missing core library is the problem screen with what to do, never a crash`() {
        // One key vault for both launches: the files the first one provisioned are sealed with it.
        val keys = SoftwareKeyVault()
        AppRig(keys).use { rig ->
            // The first call into the core loads libpos_ffi.so, in the service's opening (the
            // vault is made first there). A phone without the library (or with another ABI's)
            // fails that load with an UnsatisfiedLinkError, an Error, not an exception: this
            // opening loads a library that is not installed, for real.
            val vault = rig.vault
            PosService.vaultFactory = { System.loadLibrary("pos_ffi_not_installed"); vault }
            rig.grantPermissions()
            rig.launch()
            rig.runStartedService()
            rig.waitForTag("problem_title")
            val problem = PosHub.phase.value as Phase.Problem
            // What to do (the vocabulary's words), then the loader's own message for support.
            val words = Words.coreMissing("")
            assertTrue(problem.text.zh, problem.text.zh.startsWith(words.zh) && problem.text.zh.contains("UnsatisfiedLinkError") && problem.text.zh.contains("pos_ffi_not_installed"))
            assertTrue(problem.text.en, problem.text.en.startsWith(words.en) && problem.text.en.contains("pos_ffi_not_installed"))
            assertEquals(problem.text.zh, rig.text("problem_text"))
            // Trying again cannot bring the library: no "try again", the service stops itself.
            assertNull(problem.retry)
            assertNull(rig.view("retry"))
            assertTrue("the service stopped itself", shadowOf(rig.service!!.get()).isStoppedBySelf)
            // Screenshots in both languages and sizes. Each resize recreates the activity, which
            // starts the service again (the stopped one is gone, as on a phone): it tries once
            // more and says the same, never "starting" for ever.
            fun recreated(qualifiers: String) {
                rig.resize(qualifiers) // the same size again recreates nothing, and starts nothing
                if (shadowOf(rig.app).peekNextStartedService() != null) {
                    rig.service?.destroy()
                    rig.runStartedService()
                }
                rig.waitForTag("problem_title")
            }
            for (lang in listOf(Lang.ZH, Lang.EN)) {
                rig.language(lang)
                for ((size, q) in listOf("phone" to PHONE, "tablet" to TABLET)) {
                    recreated(q)
                    val again = (PosHub.phase.value as Phase.Problem).text
                    assertEquals(again.pick(lang), rig.text("problem_text"))
                    assertEquals(Words.problemTitle.pick(lang), rig.text("problem_title"))
                    rig.save(rig.activity.window.decorView, "problem-core-missing-${lang.name.lowercase()}-$size")
                }
            }
            recreated(PHONE)
            rig.language(Lang.ZH)
        }
        // Installed properly, the next launch opens the terminal as usual.
        AppRig(keys).use { it.ready() }
    }
}
