package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.provisioningInfo
import cn.pos.core.startAcquirerSimulator
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** A fresh install: the first-run screen provisions the terminal (bad input refused in both languages), then pairing and sign-in. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class FirstRunTest {
    @Test
    fun `first run - the form refuses bad input field by field, the core refuses what it must, then provisions, pairs and signs in`() {
        AppRig(provisioned = false).use { rig ->
            rig.grantPermissions()
            rig.launch()
            rig.runStartedService()
            rig.waitForTag("first_run_title")
            assertNull("a fresh install is not provisioned", provisioningInfo(rig.dataDir.path, rig.vault))
            assertTrue("no checkout before the first run", rig.view("key_1") == null && PosHub.session == null)
            val defaults = (PosHub.phase.value as Phase.Unprovisioned).firstRun.form
            // The emulator flavor prefills the demo terminal on its in-process simulator.
            assertEquals("10000001", (rig.view("form_tid") as android.widget.EditText).text.toString())
            assertTrue(defaults.host, defaults.host.startsWith("127.0.0.1:"))
            rig.shoot("first-run", Words.firstRunTitle, Words.firstRunHint, Words.provision, Words.checkFileAgain)

            // Every field wrong: each problem under its field, nothing provisioned.
            rig.typeInto("form_tid", "1234")
            rig.typeInto("form_mid", "89831")
            rig.typeInto("form_merchant", " ")
            rig.typeInto("form_host", "acquirer.cn")
            rig.typeInto("form_tmk", "XYZ")
            rig.typeInto("form_unlock_key", "12")
            rig.click("provision")
            rig.waitForTag("form_tid_error")
            for ((tag, words) in listOf(
                "form_tid_error" to Words.errTid, "form_mid_error" to Words.errMid, "form_merchant_error" to Words.errMerchant,
                "form_host_error" to Words.errHost, "form_tmk_error" to Words.errTmk, "form_unlock_key_error" to Words.errUnlockKey,
            )) assertEquals(tag, words.zh, rig.text(tag))
            assertFalse("the key typed is never echoed", rig.texts().any { it.contains("XYZ") && it != "XYZ" })
            rig.shoot("first-run-invalid", Words.errTid, Words.errMid, Words.errMerchant, Words.errHost, Words.errTmk, Words.errUnlockKey, Words.fixFields)
            assertNull(provisioningInfo(rig.dataDir.path, rig.vault))

            // The form holds, the core refuses (a host name longer than 255): its words, what to fix.
            for ((tag, v) in listOf("form_tid" to defaults.tid, "form_mid" to defaults.mid, "form_merchant" to defaults.merchantName, "form_tmk" to defaults.tmk, "form_unlock_key" to defaults.unlockKey)) rig.typeInto(tag, v)
            rig.typeInto("form_host", "a".repeat(260) + ".cn:8583")
            rig.click("provision")
            rig.waitForTag("provision_refused")
            assertTrue(rig.text("provision_refused"), rig.text("provision_refused").contains("host"))
            assertTrue("no field problem left", rig.view("form_tid_error") == null)
            val refused = (rig.text("provision_refused"))
            rig.shoot("first-run-refused", Words.provisionRefused)
            assertTrue(refused.isNotBlank())
            assertNull(provisioningInfo(rig.dataDir.path, rig.vault))

            // Fixed: provisioned (sealed, not the demo file), then the pairing prompt.
            rig.typeInto("form_host", defaults.host)
            rig.click("provision")
            rig.waitForTag("need_devices_title")
            val info = provisioningInfo(rig.dataDir.path, rig.vault) ?: die("not provisioned")
            assertEquals("10000001", info.tid)
            assertEquals("898310048990001", info.mid)
            assertTrue("the unlock key was provisioned", info.hasUnlockKey)
            assertFalse(info.demo)
            assertTrue(Setup.pairingDue(rig.app))
            assertEquals(Words.pairAfterSetup.zh, rig.text("need_devices_text"))
            rig.shoot("first-run-done", Words.pairDevicesTitle, Words.pairAfterSetup, Words.pairDevices, Words.continueToSignIn)

            // Pairing, then the terminal opens and signs in by itself on the provisioned identity.
            rig.pairThroughScreen()
            rig.waitForTag("key_1")
            assertFalse(Setup.pairingDue(rig.app))
            assertTrue(rig.session.terminal.isSignedIn())
            assertEquals("10000001", rig.session.terminal.settings().tid)
            assertTrue(rig.text("signed_in"), rig.text("signed_in").startsWith("已签到"))
            val o = rig.sale("debit", "500")
            assertTrue(o.summaryEn, o.approved)
        }
    }

    @Test
    fun `the acquirer's provisioning file instead of the form - a bad one is named, a good one is imported on check again`() {
        val sim = runBlocking { startAcquirerSimulator() }
        try {
            AppRig(provisioned = false).use { rig ->
                rig.grantPermissions()
                rig.launch()
                rig.runStartedService()
                rig.waitForTag("first_run_title")
                // Where the file goes, as a file manager shows the folder.
                assertTrue(rig.text("provision_file_hint"), rig.text("provision_file_hint").contains("provisioning.json"))
                val file = java.io.File(rig.app.getExternalFilesDir(null), "provisioning.json")
                fun json(tmk: String): String {
                    val ca = sim.caPem().replace("\n", "\\n")
                    return """{"tid":"10000001","mid":"898310048990001","merchant_name":"测试商户","mac":"x919",""" +
                        """"tmk_hex":"$tmk","acquirer_ca_pem":"$ca","host":"${sim.address()}","plain_tcp":false,"demo":false}"""
                }
                // A malformed key: the core names the field (never the value), the file is kept, still the first run.
                file.writeText(json("XYZ"))
                rig.click("provision_recheck")
                rig.waitFor("the core's reason for the file") { rig.view("provision_file_hint")?.let { rig.text("provision_file_hint").contains("tmk") } == true }
                assertFalse(rig.text("provision_file_hint"), rig.text("provision_file_hint").contains("XYZ"))
                assertTrue(file.exists())
                assertNull(provisioningInfo(rig.dataDir.path, rig.vault))

                // A good file: imported, sealed, deleted; the terminal opens on its host and signs in.
                file.writeText(json("CA5D92598DCA48CE8A4C76361A9269E9"))
                rig.click("provision_recheck")
                rig.waitForTag("key_1")
                assertFalse("the plain file is gone", file.exists())
                assertEquals("10000001", provisioningInfo(rig.dataDir.path, rig.vault)?.tid)
                assertTrue(sim.isSignedIn("10000001"))
            }
        } finally {
            runBlocking { sim.shutdown() }
            sim.close()
        }
    }

    @Test
    fun `a provisioned terminal never shows the first-run screen again`() {
        AppRig().use { rig ->
            rig.ready()
            assertTrue(rig.view("first_run_title") == null)
            assertFalse(Setup.pairingDue(rig.app))
        }
    }
}
