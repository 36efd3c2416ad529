package cn.pos.shell.i18n

import cn.pos.core.PosException

/** The operator's language. */
enum class Lang { ZH, EN }

/** A message the operator sees, in Chinese and English. */
data class Text(val zh: String, val en: String) {
    /** The text in [lang]. */
    fun pick(lang: Lang): String = if (lang == Lang.ZH) zh else en

    /** Both, as shown on the terminal: "中文 / English". */
    fun both(): String = "$zh / $en"
}

/** The operator's text of any core error (every variant carries both languages). */
val PosException.text: Text
    get() = when (this) {
        is PosException.InvalidInput -> Text(zh, en)
        is PosException.NotSignedIn -> Text(zh, en)
        is PosException.Network -> Text(zh, en)
        is PosException.ReversalPending -> Text(zh, en)
        is PosException.OfflineRefused -> Text(zh, en)
        is PosException.RiskRefused -> Text(zh, en)
        is PosException.Settlement -> Text(zh, en)
        is PosException.Cancelled -> Text(zh, en)
        is PosException.Tampered -> Text(zh, en)
        is PosException.Device -> Text(zh, en)
        is PosException.NotPrinted -> Text(zh, en)
        is PosException.NoReceipt -> Text(zh, en)
        is PosException.DayEndRefused -> Text(zh, en)
        is PosException.Protocol -> Text(zh, en)
        is PosException.Security -> Text(zh, en)
        is PosException.Storage -> Text(zh, en)
        is PosException.InUse -> Text(zh, en)
        is PosException.Platform -> Text(zh, en)
        is PosException.Internal -> Text(zh, en)
    }
