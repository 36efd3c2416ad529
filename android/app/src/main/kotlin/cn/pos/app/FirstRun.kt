package cn.pos.app

import android.content.Context
import cn.pos.app.ui.Words
import cn.pos.shell.i18n.Text
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.json.JSONObject

/** The fields of the first-run form (the one a problem is about is marked). */
enum class FormField { TID, MID, MERCHANT, HOST, TMK, UNLOCK_KEY }

/** The MAC algorithm the acquirer requires, as the provisioning file names it. */
enum class MacChoice(val json: String) { X919("x919"), ECB("ecb") }

/** What the operator typed on the first-run screen (the keys only until they are sealed). */
data class ProvisioningForm(
    val tid: String = "",
    val mid: String = "",
    val merchantName: String = "",
    val host: String = "",
    val tmk: String = "",
    val unlockKey: String = "",
    val mac: MacChoice = MacChoice.X919,
) {
    /** The value of [f]. */
    fun get(f: FormField): String = when (f) {
        FormField.TID -> tid
        FormField.MID -> mid
        FormField.MERCHANT -> merchantName
        FormField.HOST -> host
        FormField.TMK -> tmk
        FormField.UNLOCK_KEY -> unlockKey
    }

    /** A copy with [f] set to [v]. */
    fun with(f: FormField, v: String): ProvisioningForm = when (f) {
        FormField.TID -> copy(tid = v)
        FormField.MID -> copy(mid = v)
        FormField.MERCHANT -> copy(merchantName = v)
        FormField.HOST -> copy(host = v)
        FormField.TMK -> copy(tmk = v)
        FormField.UNLOCK_KEY -> copy(unlockKey = v)
    }

    /**
     * Every problem at once, each on its field (the core checks again and its words are shown
     * when it refuses). The same limits as the core's: TID 8, MID 15, keys in hex.
     */
    fun problems(): Map<FormField, Text> {
        val p = linkedMapOf<FormField, Text>()
        if (!tid.trim().matches(Regex("^[0-9A-Za-z]{8}$"))) p[FormField.TID] = Words.errTid
        if (!mid.trim().matches(Regex("^[0-9A-Za-z]{15}$"))) p[FormField.MID] = Words.errMid
        // A long digit run in the name would print like a card number on every slip.
        if (merchantName.isBlank() || Regex("\\d{12,}").containsMatchIn(merchantName)) p[FormField.MERCHANT] = Words.errMerchant
        val port = Regex("^[A-Za-z0-9.-]+:(\\d{1,5})$").find(host.trim())?.groupValues?.get(1)?.toIntOrNull()
        if (port == null || port !in 1..65535) p[FormField.HOST] = Words.errHost
        if (!hex(tmk, 16, 32, 48)) p[FormField.TMK] = Words.errTmk
        if (unlockKey.isNotBlank() && !hex(unlockKey, 32, 64)) p[FormField.UNLOCK_KEY] = Words.errUnlockKey
        return p
    }

    private fun hex(s: String, vararg lengths: Int) = s.trim().length in lengths && s.trim().all { it in '0'..'9' || it.uppercaseChar() in 'A'..'F' }

    /** The provisioning file the core imports (the same JSON as `pos provision --export`). */
    fun toJson(): ByteArray = JSONObject().apply {
        put("tid", tid.trim())
        put("mid", mid.trim())
        put("merchant_name", merchantName.trim())
        put("mac", mac.json)
        put("tmk_hex", tmk.trim().uppercase())
        if (unlockKey.isNotBlank()) put("unlock_key_hex", unlockKey.trim().uppercase())
        put("host", host.trim())
        put("plain_tcp", false)
        put("demo", false)
    }.toString().toByteArray()
}

/** Where the first-run screen stands. */
sealed interface FirstRunState {
    /** The form; [problems] on their fields, [refused]: the core's reason the last try failed. */
    data class Editing(val problems: Map<FormField, Text> = emptyMap(), val refused: Text? = null) : FirstRunState

    /** The core validates and seals the keys. */
    data object Installing : FirstRunState
}

/**
 * The first run (开通): the service's state while the terminal is not provisioned. The form
 * lives here, not in the activity, so a rotation or a language switch keeps what was typed.
 * [install] imports the form (the core validates and seals it); null when done, else why not.
 */
class FirstRun(
    defaults: ProvisioningForm,
    /** Where a provisioning file may be put instead (the shell's words, with the folder). */
    val fileHint: Text,
    private val scope: CoroutineScope,
    private val install: (ProvisioningForm) -> Text?,
    /** Looks for a provisioning file again (the operator put one in the folder). */
    val recheck: () -> Unit,
) {
    /** What is typed so far. */
    @Volatile
    var form: ProvisioningForm = defaults
        private set

    private val _state = MutableStateFlow<FirstRunState>(FirstRunState.Editing())

    /** The screen's state. */
    val state: StateFlow<FirstRunState> = _state.asStateFlow()

    /** The operator typed [v] in [f]. */
    fun set(f: FormField, v: String) {
        form = form.with(f, v)
    }

    /** Switches the MAC algorithm. */
    fun toggleMac() {
        form = form.copy(mac = if (form.mac == MacChoice.X919) MacChoice.ECB else MacChoice.X919)
    }

    /** Checks the form and, if it holds, provisions the terminal. */
    fun submit() {
        if (_state.value is FirstRunState.Installing) return
        val problems = form.problems()
        if (problems.isNotEmpty()) {
            _state.value = FirstRunState.Editing(problems)
            return
        }
        _state.value = FirstRunState.Installing
        val f = form
        scope.launch {
            val refused = try {
                install(f)
            } catch (e: RuntimeException) {
                Words.startFailed(e.toString())
            }
            if (refused != null) _state.value = FirstRunState.Editing(refused = refused)
        }
    }
}

/** Whether the devices are still to be paired after a first run (SharedPreferences `setup`). */
object Setup {
    private fun prefs(context: Context) = context.applicationContext.getSharedPreferences("setup", Context.MODE_PRIVATE)

    /** True from a first-run provisioning until the operator is done with the pairing screen. */
    fun pairingDue(context: Context): Boolean = prefs(context).getBoolean("pairing_due", false)

    /** Sets [pairingDue]. */
    fun setPairingDue(context: Context, due: Boolean) = prefs(context).edit().putBoolean("pairing_due", due).apply()
}
