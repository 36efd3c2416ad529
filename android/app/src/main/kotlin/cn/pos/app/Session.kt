package cn.pos.app

import cn.pos.core.PosException
import cn.pos.core.ReceiptPrinter
import cn.pos.core.Terminal
import cn.pos.shell.checkout.CheckoutMachine
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.sync.SyncStatusPresenter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/** Where the payment service stands; activities observe it through [PosHub]. */
sealed interface Phase {
    /** Not running (before the permissions are granted, or after it stopped). */
    data object Stopped : Phase

    /** Opening the terminal. */
    data object Opening : Phase

    /** The terminal did not open: why and what to do ([retry] opens it again). */
    data class Problem(val text: Text, val retry: (() -> Unit)?) : Phase

    /** Open: the checkout and the rest live in [session]. */
    data class Open(val session: Session) : Phase
}

/** The terminal's sign-in, as the sign-in screen shows it. */
sealed interface SignInState {
    /** Not known yet. */
    data object Unknown : SignInState

    /** Signing in (fresh working keys). */
    data object Running : SignInState

    /** Signed in, on [batch]. */
    data class SignedIn(val batch: Long) : SignInState

    /** Refused or failed: the core's reason. */
    data class Failed(val reason: Text) : SignInState
}

/**
 * What the service keeps while the terminal is open: the terminal, the checkout (so a sale
 * survives the activity's rotation or death), the sync status and the sign-in. The activities
 * only draw it and forward taps.
 */
class Session(
    val terminal: Terminal,
    val checkout: CheckoutMachine,
    val syncStatus: SyncStatusPresenter,
    /** The emulator flavor's simulated reader and printer, null on a phone with Bluetooth devices. */
    val local: LocalDevices?,
    val printer: () -> ReceiptPrinter?,
    private val scope: CoroutineScope,
) {
    private val _signIn = MutableStateFlow<SignInState>(SignInState.Unknown)
    private var job: Job? = null

    /** The sign-in screen's state. */
    val signIn: StateFlow<SignInState> = _signIn.asStateFlow()

    /** Signs in unless the terminal already is: the first sale must not fail for lack of it. */
    fun ensureSignedIn(): Job? {
        val signed = try {
            terminal.isSignedIn()
        } catch (e: PosException) {
            _signIn.value = SignInState.Failed(e.text)
            return null
        }
        return if (signed) {
            _signIn.value = SignInState.SignedIn(terminal.batch().toLong())
            null
        } else {
            signInNow()
        }
    }

    /** Signs in now (the operator's button, or after a `not signed in` refusal). */
    fun signInNow(): Job {
        job?.takeIf { it.isActive }?.let { return it }
        _signIn.value = SignInState.Running
        return scope.launch {
            _signIn.value = try {
                val o = terminal.signIn()
                if (o.approved) SignInState.SignedIn(o.batch.toLong()) else SignInState.Failed(Text(o.messageZh, o.messageEn))
            } catch (e: PosException) {
                SignInState.Failed(e.text)
            }
            // A checkout refused for lack of sign-in goes back to the keypad once signed in.
            if (_signIn.value is SignInState.SignedIn) checkout.next()
        }.also { job = it }
    }

    /** Stops the checkout's and the sync status's subscriptions. */
    fun close() {
        checkout.close()
        syncStatus.close()
    }
}

/**
 * The service's state for the activities of this process: the service publishes, activities
 * collect. A process-wide holder rather than a bound service's binder, so an activity that is
 * recreated (rotation) finds the running checkout at once.
 */
object PosHub {
    private val _phase = MutableStateFlow<Phase>(Phase.Stopped)

    /** The service's phase. */
    val phase: StateFlow<Phase> = _phase.asStateFlow()

    internal fun publish(p: Phase) {
        _phase.value = p
    }

    /** The open session, if any. */
    val session: Session? get() = (phase.value as? Phase.Open)?.session
}
