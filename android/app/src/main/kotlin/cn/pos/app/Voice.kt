package cn.pos.app

import android.content.Context
import android.speech.tts.TextToSpeech
import cn.pos.app.ui.Words
import cn.pos.core.TxnKind
import cn.pos.core.TxnOutcome
import cn.pos.shell.history.label
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text
import cn.pos.shell.money.formatMinor
import java.util.Locale

/** Something that says a sentence aloud (Android's TextToSpeech; a recording fake in tests). */
interface Speaker {
    fun speak(text: String, lang: Lang)

    fun shutdown()
}

/** Android's [TextToSpeech]; what is asked before the engine is ready is spoken once it is. */
class TtsSpeaker(context: Context) : Speaker {
    private val lock = Any()
    private var ready = false
    private var pending: Pair<String, Lang>? = null
    private val tts: TextToSpeech = TextToSpeech(context.applicationContext) { status ->
        val next = synchronized(lock) {
            ready = status == TextToSpeech.SUCCESS
            pending.also { pending = null }
        }
        if (ready) next?.let { (t, l) -> say(t, l) }
    }

    override fun speak(text: String, lang: Lang) {
        synchronized(lock) {
            if (!ready) {
                pending = text to lang
                return
            }
        }
        say(text, lang)
    }

    private fun say(text: String, lang: Lang) {
        tts.setLanguage(if (lang == Lang.ZH) Locale.SIMPLIFIED_CHINESE else Locale.US)
        tts.speak(text, TextToSpeech.QUEUE_FLUSH, null, UTTERANCE)
    }

    override fun shutdown() = tts.shutdown()

    private companion object {
        const val UTTERANCE = "pos-result"
    }
}

/**
 * The talking customer display (可说话客显): the result of each payment is spoken in the
 * operator's language — "收款成功 12.34 元", or the decline with the core's reason and next
 * step — while [enabled] (the settings' switch, on by default).
 */
class Voice(private val speaker: Speaker, private val enabled: () -> Boolean, private val lang: () -> Lang) {
    /** Speaks [o] if the voice is on. */
    fun announce(o: TxnOutcome) {
        if (!enabled()) return
        val l = lang()
        speaker.speak(words(o).pick(l), l)
    }

    /** Speaks a payment that failed without an answer ([error]: the core's words), if the voice is on. */
    fun announceFailure(error: Text) {
        if (!enabled()) return
        val l = lang()
        speaker.speak(Words.spokenDeclined(error).pick(l), l)
    }

    fun shutdown() = speaker.shutdown()

    companion object {
        /** What is said for [o]. */
        fun words(o: TxnOutcome): Text {
            if (!o.approved) return Words.spokenDeclined(Text(o.summaryZh, o.summaryEn))
            val amount = formatMinor(o.amount?.minor ?: 0)
            return when (o.kind) {
                TxnKind.BALANCE_INQUIRY -> Words.spokenBalance(formatMinor(o.balance?.minor ?: 0))
                TxnKind.SALE, TxnKind.OFFLINE_SALE -> Text("${Words.spokenReceived.zh} $amount 元", "${Words.spokenReceived.en} $amount yuan")
                else -> Words.spokenApproved(o.kind.label(), amount)
            }
        }
    }
}
