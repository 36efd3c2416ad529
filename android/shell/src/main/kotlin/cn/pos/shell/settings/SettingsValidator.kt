package cn.pos.shell.settings

import cn.pos.core.TerminalSettings
import cn.pos.shell.i18n.Text

/** Which setting a problem is about (the form field to highlight). */
enum class SettingField {
    HOST, TID, MID, MERCHANT_NAME, OPERATOR, CONNECT_TIMEOUT, RESPONSE_TIMEOUT, CARD_TIMEOUT,
    OFFLINE_PER_PAYMENT, OFFLINE_TOTAL, OFFLINE_COUNT, OFFLINE_AGE, OFFLINE_PER_CARD, OFFLINE_DEADLINE, SYNC_INTERVAL,
}

/** One problem with the settings form. */
data class SettingProblem(val field: SettingField, val message: Text)

/**
 * Checks the settings form before it reaches the core (which checks again): every problem
 * at once, each on its field, in both languages. Limits follow UnionPay practice: a 60 s
 * answer wait by default, 5-120 s allowed.
 */
object SettingsValidator {
    private val HOST = Regex("^[A-Za-z0-9.-]+:(\\d{1,5})$")
    private val DIGITS_12 = Regex("\\d{12,}")

    /** Every problem with [s]; empty when it may be saved. */
    fun validate(s: TerminalSettings): List<SettingProblem> {
        val p = mutableListOf<SettingProblem>()
        fun bad(f: SettingField, zh: String, en: String) = p.add(SettingProblem(f, Text(zh, en)))

        val port = HOST.find(s.host.trim())?.groupValues?.get(1)?.toIntOrNull()
        if (port == null || port !in 1..65535) bad(SettingField.HOST, "主机地址应为 主机:端口", "The host must be host:port")
        if (!s.tid.matches(Regex("^[0-9A-Za-z]{8}$"))) bad(SettingField.TID, "终端号应为8位字母或数字", "The terminal ID must be 8 letters or digits")
        if (!s.mid.matches(Regex("^[0-9A-Za-z]{15}$"))) bad(SettingField.MID, "商户号应为15位字母或数字", "The merchant ID must be 15 letters or digits")
        if (s.merchantName.isBlank()) bad(SettingField.MERCHANT_NAME, "请输入商户名称", "Enter the merchant name")
        // A long digit run in the name would print like a card number on every slip.
        if (DIGITS_12.containsMatchIn(s.merchantName)) bad(SettingField.MERCHANT_NAME, "商户名称不能含长串数字", "The merchant name cannot contain a long run of digits")
        if (!s.operator.matches(Regex("^[0-9A-Za-z]{1,10}$"))) bad(SettingField.OPERATOR, "操作员号应为1-10位字母或数字", "The operator must be 1-10 letters or digits")
        if (s.connectTimeoutMs.toLong() !in 1_000L..60_000L) bad(SettingField.CONNECT_TIMEOUT, "连接超时应为1-60秒", "The connect timeout must be 1-60 s")
        if (s.responseTimeoutMs.toLong() !in 5_000L..120_000L) bad(SettingField.RESPONSE_TIMEOUT, "应答超时应为5-120秒", "The response timeout must be 5-120 s")
        if (s.cardTimeoutMs.toLong() !in 10_000L..120_000L) bad(SettingField.CARD_TIMEOUT, "读卡超时应为10-120秒", "The card timeout must be 10-120 s")
        val o = s.offline
        if (o.enabled) {
            if (o.perPaymentMinor <= 0) bad(SettingField.OFFLINE_PER_PAYMENT, "离线单笔限额应大于零", "The offline per-payment limit must be above zero")
            if (o.totalMinor < o.perPaymentMinor) bad(SettingField.OFFLINE_TOTAL, "离线累计限额不能小于单笔限额", "The offline total cannot be below the per-payment limit")
            if (o.maxCount == 0u) bad(SettingField.OFFLINE_COUNT, "离线笔数上限应大于零", "The offline count must be above zero")
            if (o.maxAgeHours == 0u || o.maxAgeHours > 168u) bad(SettingField.OFFLINE_AGE, "离线交易最长保留1-168小时", "Offline payments may wait 1-168 h")
            if (o.perCardPerDay == 0u) bad(SettingField.OFFLINE_PER_CARD, "每卡每日离线笔数应大于零", "The per-card daily count must be above zero")
            if (o.uploadDeadlineHours < o.maxAgeHours) bad(SettingField.OFFLINE_DEADLINE, "上送期限不能短于最长保留时间", "The upload deadline cannot be shorter than the maximum age")
        }
        if (o.perPaymentMinor < 0 || o.totalMinor < 0) bad(SettingField.OFFLINE_PER_PAYMENT, "金额不能为负", "Amounts cannot be negative")
        if (s.syncIntervalSecs.toLong() !in 10L..3_600L) bad(SettingField.SYNC_INTERVAL, "自动上送间隔应为10秒-1小时", "The sync interval must be 10 s to 1 h")
        return p
    }
}
