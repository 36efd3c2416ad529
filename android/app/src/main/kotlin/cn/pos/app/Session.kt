package cn.pos.app

import cn.pos.app.ui.Words
import cn.pos.core.OriginalRef
import cn.pos.core.PosException
import cn.pos.core.TxnOutcome
import cn.pos.shell.history.HistoryPresenter
import cn.pos.shell.history.ReprintOutcome
import cn.pos.core.ReceiptPrinter
import cn.pos.core.Terminal
import cn.pos.core.DayEndOperation
import cn.pos.shell.checkout.CheckoutMachine
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.checkout.FailureKind
import cn.pos.shell.dayend.DayEndFlow
import cn.pos.shell.dayend.DayEndState
import cn.pos.shell.settlement.SettlementFlow
import cn.pos.shell.settlement.SettlementState
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

    /** Not provisioned (a fresh install): the first-run screen, its form in [firstRun]. */
    data class Unprovisioned(val firstRun: FirstRun) : Phase

    /** The devices are to be paired first ([text]: why); [proceed] opens the terminal once they are. */
    data class NeedDevices(val text: Text, val proceed: () -> Unit) : Phase
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

    /** Signed off at the day's end (or to move to another phone): sign in before the next payment. */
    data class SignedOff(val message: Text) : SignInState
}

/** A back-office operation on an earlier transaction (void, reprint), as the history screen shows it. */
sealed interface OpState {
    /** Nothing running. */
    data object Idle : OpState

    /** Running: what. */
    data class Running(val what: Text) : OpState

    /** A void approved: its slip is printed or declined next ([error]: the last print failed). */
    data class Approved(val outcome: TxnOutcome, val error: Text? = null) : OpState

    /** Finished: the message, and whether it went through. */
    data class Finished(val message: Text, val ok: Boolean) : OpState
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
    /** The emulator flavor's in-process acquirer, null when the acquirer is the provisioned host. */
    val acquirer: LocalAcquirer?,
    val printer: () -> ReceiptPrinter?,
    private val scope: CoroutineScope,
    /** Speaks the result of each payment (可说话客显), null for silence. */
    voice: Voice? = null,
) {
    private val _signIn = MutableStateFlow<SignInState>(SignInState.Unknown)
    private var job: Job? = null

    /** Settlement (结算), kept here so it survives the activity. */
    val settlement = SettlementFlow(terminal, scope, printer)

    /** Sign-off and switching device behind the settle-first guard. */
    val dayEnd = DayEndFlow(terminal, scope)

    init {
        if (voice != null) {
            scope.launch {
                checkout.transitions.collect { s ->
                    when (s) {
                        is CheckoutState.Result -> voice.announce(s.outcome)
                        // Not charged for another reason than the operator's (no host, refused offline, a risk block, the reader).
                        is CheckoutState.Failed -> if (s.kind !in SILENT) voice.announceFailure(s.error)
                        else -> Unit
                    }
                }
            }
        }
        scope.launch {
            // An outcome changes the queue without a sync event (a payment stored offline, a
            // reversal owed): the status line follows it at once, not at the next sync.
            checkout.state.collect { s ->
                if (s is CheckoutState.Result || s is CheckoutState.Failed || s is CheckoutState.Done) {
                    try {
                        syncStatus.refresh()
                    } catch (e: PosException) {
                        // The journal unreadable now: the line keeps its last counts until the next event.
                    }
                }
            }
        }
        scope.launch {
            settlement.state.collect { s ->
                // A settlement opens the next batch: the keypad's line follows.
                if (s is SettlementState.Settled && _signIn.value is SignInState.SignedIn) {
                    _signIn.value = SignInState.SignedIn(s.result.nextBatch.toLong())
                }
            }
        }
        scope.launch {
            dayEnd.state.collect { s ->
                if (s is DayEndState.Done && (s.operation == DayEndOperation.SIGN_OFF || s.operation == DayEndOperation.SWITCH_DEVICE)) {
                    _signIn.value = SignInState.SignedOff(s.message)
                }
            }
        }
    }

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

    private val _op = MutableStateFlow<OpState>(OpState.Idle)

    /** The history screen's void or reprint, kept here so it survives the activity. */
    val op: StateFlow<OpState> = _op.asStateFlow()

    /** Voids the sale with slip number [voucher] (消费撤销), for its full amount. */
    fun void(voucher: UInt) {
        if (_op.value is OpState.Running) return
        _op.value = OpState.Running(Words.voiding(voucher.toString().padStart(6, '0')))
        scope.launch {
            _op.value = try {
                val o = terminal.void(OriginalRef.Voucher(voucher))
                if (o.approved) OpState.Approved(o) else OpState.Finished(Text(o.summaryZh, o.summaryEn), ok = false)
            } catch (e: PosException) {
                OpState.Finished(e.text, ok = false)
            }
        }
    }

    /** Prints the approved void's slip (both copies); a failure keeps print / no slip on offer. */
    fun printOpSlip() {
        val s = _op.value as? OpState.Approved ?: return
        val p = printer() ?: run {
            _op.value = s.copy(error = Words.noPrinter)
            return
        }
        _op.value = OpState.Running(Words.printing)
        scope.launch {
            _op.value = try {
                terminal.printReceipt(p, s.outcome.txnId)
                OpState.Finished(Text(s.outcome.summaryZh, s.outcome.summaryEn), ok = true)
            } catch (e: PosException) {
                s.copy(error = e.text)
            }
        }
    }

    /** The void is complete without a slip. */
    fun skipOpSlip() {
        val s = _op.value as? OpState.Approved ?: return
        _op.value = try {
            terminal.complete(s.outcome.txnId)
            OpState.Finished(Text(s.outcome.summaryZh, s.outcome.summaryEn), ok = true)
        } catch (e: PosException) {
            s.copy(error = e.text)
        }
    }

    /** Prints slip [voucher] again, marked 重打印 REPRINT. */
    fun reprint(voucher: UInt) {
        if (_op.value is OpState.Running) return
        val p = printer() ?: run {
            _op.value = OpState.Finished(Words.noPrinter, ok = false)
            return
        }
        _op.value = OpState.Running(Words.printing)
        scope.launch {
            _op.value = when (val r = HistoryPresenter(terminal).reprint(p, voucher)) {
                is ReprintOutcome.Printed -> OpState.Finished(r.message, ok = true)
                is ReprintOutcome.Refused -> OpState.Finished(r.error, ok = false)
                is ReprintOutcome.Preview -> OpState.Idle
            }
        }
    }

    /** Sends due reversals and the stored offline payments now; the report is the core's. */
    fun syncNow() {
        if (_op.value is OpState.Running) return
        _op.value = OpState.Running(Words.syncing)
        scope.launch {
            val report = syncStatus.syncNow()
            _op.value = OpState.Finished(report, ok = true)
        }
    }

    /** The operator has told the customer about attention item [txnId]. */
    fun acknowledge(txnId: Long) {
        try {
            terminal.acknowledgeAttention(txnId)
        } catch (e: PosException) {
            _op.value = OpState.Finished(e.text, ok = false)
        }
        syncStatus.refresh()
    }

    /** Dismisses a finished operation's message. */
    fun clearOp() {
        if (_op.value is OpState.Finished) _op.value = OpState.Idle
    }

    /** Stops the checkout's and the sync status's subscriptions. */
    fun close() {
        checkout.close()
        syncStatus.close()
    }
}

/** Failures the operator caused or handles on screen: nothing is spoken. */
private val SILENT = setOf(FailureKind.CANCELLED, FailureKind.RISK_CONFIRM, FailureKind.SIGN_IN_REQUIRED)

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

    /** The running service's pairing (the pairing screen's), null while no service runs. */
    @Volatile
    var pairing: cn.pos.shell.devices.PairingManager? = null
        internal set

    /** The gateway [pairing] scans and connects through (the emulator's simulated one in tests). */
    @Volatile
    var gateway: cn.pos.shell.devices.BluetoothGateway? = null
        internal set
}
