package cn.pos.app

import cn.pos.app.ui.Switches
import cn.pos.app.ui.Words
import cn.pos.core.UploadState
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.i18n.Lang
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.util.concurrent.CopyOnWriteArrayList

/** What the voice said, instead of Android's TextToSpeech. */
class RecordingSpeaker : Speaker {
    val said = CopyOnWriteArrayList<Pair<String, Lang>>()

    override fun speak(text: String, lang: Lang) {
        said += text to lang
    }

    override fun shutdown() = Unit
}

/** The voice (可说话客显), the settings screen and the queue's force-offline switch. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class SettingsVoiceTest {
    private val speaker = RecordingSpeaker()
    private val before = PosService.speakerFactory

    @Before
    fun fake() {
        PosService.speakerFactory = { speaker }
    }

    @After
    fun restore() {
        PosService.speakerFactory = before
    }

    @Test
    fun `the result is spoken in the operator's language, a decline with the core's words, and not once the voice is off`() {
        AppRig().use { rig ->
            rig.ready()
            assertTrue("on by default", Switches.voice(rig.app))
            rig.sale("debit", "1234")
            rig.waitFor("the approval spoken") { speaker.said.isNotEmpty() }
            assertEquals("收款成功 12.34 元" to Lang.ZH, speaker.said.single())

            rig.language(Lang.EN)
            val declined = rig.sale("lowbal", "2000")
            assertFalse(declined.approved)
            rig.waitFor("the decline spoken") { speaker.said.size == 2 }
            assertEquals("Declined. ${declined.summaryEn}" to Lang.EN, speaker.said[1])
            assertTrue(declined.summaryEn, declined.summaryEn.contains("insufficient", ignoreCase = true))
            rig.language(Lang.ZH)

            // No host and a card that cannot be approved offline: not charged, said with the core's words.
            rig.session.terminal.setConnectivity(false)
            rig.devices.present("debit")
            rig.type("300")
            rig.click("charge")
            rig.waitForTag("failed")
            val failed = rig.session.checkout.state.value as CheckoutState.Failed
            rig.waitFor("the failure spoken") { speaker.said.size == 3 }
            assertEquals("交易失败，${failed.error.zh}" to Lang.ZH, speaker.said[2])
            rig.click("next")
            rig.waitForTag("key_1")
            rig.session.terminal.setConnectivity(true)

            // Settings: the voice off, the identity and parameters as the core gives them.
            rig.open("settings")
            rig.waitForTag("voice")
            val st = rig.session.terminal.settings()
            assertEquals("终端号：${st.tid}", rig.text("tid"))
            assertEquals("商户号：${st.mid}", rig.text("mid"))
            assertEquals(rig.session.terminal.parameters(), null)
            assertEquals(Words.noParameters.zh, rig.text("no_parameters"))
            assertEquals(Words.voiceOn.zh, rig.text("voice"))
            rig.shoot("settings", Words.settings, Words.voiceOn, Words.identity, Words.parameters, Words.noParameters)
            rig.click("voice")
            rig.expectText("voice", Words.voiceOff.zh)
            assertFalse(Switches.voice(rig.app))
            rig.click("back")
            rig.closeTop()
            rig.sale("credit", "500")
            Thread.sleep(300) // what would have been spoken by now
            rig.idle()
            assertEquals("nothing more said with the voice off", 3, speaker.said.size)
        }
    }

    @Test
    fun `force offline on the queue screen approves a sale offline with the host reachable, uploaded once switched off`() {
        AppRig().use { rig ->
            rig.ready()
            assertTrue(rig.session.terminal.isOnline())
            rig.open("queue")
            rig.waitForTag("force_offline")
            assertEquals(Words.forceOfflineOff.zh, rig.text("force_offline"))
            rig.click("force_offline")
            rig.expectText("force_offline", Words.forceOfflineOn.zh)
            assertTrue(Switches.forceOffline(rig.app))
            rig.shoot("queue-force-offline", Words.forceOfflineOn, Words.forceOfflineHint)
            rig.click("back")
            rig.closeTop()

            val o = rig.sale("offline", "2500")
            assertTrue(o.summaryEn, o.approved && o.offline)
            assertEquals(1u, rig.session.terminal.queueSummary().waiting)

            rig.open("queue")
            rig.click("force_offline")
            rig.expectText("force_offline", Words.forceOfflineOff.zh)
            rig.click("sync_now")
            rig.expectText("queue_waiting", Words.nothingWaiting.zh)
            assertEquals(UploadState.ACCEPTED, rig.session.terminal.queue(false).single { it.txnId == o.txnId }.state)
            rig.click("back")
            rig.closeTop()
        }
    }

    @Test
    fun `settings downloads the acquirer's parameters, keys and blacklist and shows the parameters`() {
        AppRig().use { rig ->
            rig.ready()
            rig.open("settings")
            rig.waitForTag("download_management")
            assertEquals(Words.noParameters.zh, rig.text("no_parameters"))
            rig.click("download_management")
            rig.waitForTag("param_version")
            // The simulator's defaults: parameters version 1, the published test keys and the
            // test CA's (5), three UnionPay applications, the deck's hotlisted card.
            val p = rig.session.terminal.parameters() ?: error("no parameters after the download")
            assertEquals(1uL, p.version)
            assertTrue(rig.text("param_version"), rig.text("param_version").startsWith("版本 1，"))
            assertEquals(Words.downloaded(1, 5, 3, 1).zh, rig.text("download_note"))
            assertTrue(rig.text("param_header"), rig.text("param_header").contains(p.headerLines.first()))
            // The shots recreate the screen (language, size): the parameters stay, the note does not.
            rig.shoot("settings-parameters", Words.parameters, Words.downloadManagement, Words.paramVersion(1, p.appliedAt))
            rig.click("back")
            rig.closeTop()
        }
    }
}
