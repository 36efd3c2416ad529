package cn.pos.shell.checkout

import cn.pos.core.CardReaderHandleInterface
import cn.pos.core.OfflinePreference
import cn.pos.core.PaymentProgressObserver
import cn.pos.core.PaymentStage
import cn.pos.core.PosException
import cn.pos.core.ReaderEvent
import cn.pos.core.ReaderEventObserver
import cn.pos.core.ReceiptPrinter
import cn.pos.core.TamperObserver
import cn.pos.core.TaskHandle
import cn.pos.core.TerminalInterface
import cn.pos.core.TxnOutcome
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import cn.pos.shell.money.AmountKeypad
import cn.pos.shell.money.MAX_MINOR
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch

/**
 * The checkout flow as a state machine: amount entry -> waiting for card -> PIN ->
 * processing -> result -> receipt, with cancel and every error path.
 *
 * It talks only to the generated bindings. Operator actions are methods; the reader's
 * events, the payment stages and tamper alerts arrive through the observers it subscribes
 * in [attach]. Transitions that do not apply to the current state are ignored, so a late
 * event (a PIN digit after a cancel) can never move the screen backwards.
 */
class CheckoutMachine(
    private val terminal: TerminalInterface,
    private val scope: CoroutineScope,
    private val printer: () -> ReceiptPrinter?,
    private val preference: () -> OfflinePreference? = { null },
) {
    private var keypad = AmountKeypad()
    private val _operation = MutableStateFlow<Operation>(Operation.Sale)
    private val _state = MutableStateFlow<CheckoutState>(CheckoutState.AmountEntry(0))
    private val _transitions = MutableSharedFlow<CheckoutState>(replay = 64, extraBufferCapacity = 256)
    private val guard = Any()
    private val handles = mutableListOf<TaskHandle>()
    private var job: Job? = null

    /** The current screen. */
    val state: StateFlow<CheckoutState> = _state.asStateFlow()

    /** What the checkout runs: a sale unless the operator chose another transaction ([begin]). */
    val operation: StateFlow<Operation> = _operation.asStateFlow()

    /** Every state change in order (the state flow may skip fast ones, e.g. PIN digits); replays the last 64. */
    val transitions: SharedFlow<CheckoutState> = _transitions.asSharedFlow()

    /** The one way the state changes: under a lock, because observers call in from the core's threads. */
    private fun move(f: (CheckoutState) -> CheckoutState) {
        synchronized(guard) {
            val old = _state.value
            val new = f(old)
            if (new != old) {
                // The transition first: whoever sees the new state also finds it in the trail.
                _transitions.tryEmit(new)
                _state.value = new
            }
        }
    }

    /** Subscribes to the reader's events, the payment stages and tamper alerts. */
    fun attach(reader: CardReaderHandleInterface) {
        // The lock survives restarts: a terminal opened locked starts on the lock screen.
        if (terminal.isTamperLocked()) lock(TAMPERED)
        handles += reader.subscribe(object : ReaderEventObserver {
            override fun onReaderEvent(event: ReaderEvent) = onReader(event)
        })
        handles += terminal.subscribePaymentProgress(object : PaymentProgressObserver {
            override fun onPaymentStage(stage: PaymentStage) = onStage(stage)
        })
        handles += reader.subscribeTamper(object : TamperObserver {
            override fun onTamper(zh: String, en: String) = lock(Text(zh, en))
        })
    }

    /** Stops the subscriptions. */
    fun close() {
        handles.forEach { it.cancel(); it.close() }
        handles.clear()
    }

    // Amount entry -------------------------------------------------------------------

    /** A keypad digit. */
    fun digit(d: Int) = editAmount { keypad.digit(d) }

    /** The "00" key. */
    fun doubleZero() = editAmount { keypad.doubleZero() }

    /** Deletes the last digit. */
    fun backspace() = editAmount { keypad.backspace(); true }

    private fun editAmount(edit: () -> Boolean) {
        val s = _state.value
        if (s !is CheckoutState.AmountEntry) return
        if (!edit()) {
            move { s.copy(error = Text("金额超出上限", "The amount is too large")) }
            return
        }
        move { CheckoutState.AmountEntry(keypad.amountMinor) }
    }

    /**
     * On the keypad: the next transaction is [op] instead of a sale, the keypad holding
     * [amountMinor] (e.g. a refund's original amount); an operation without an amount
     * (balance, completion cancel) asks for the card at once. False when a transaction is
     * in progress (finish it first).
     */
    fun begin(op: Operation, amountMinor: Long = 0): Boolean {
        val s = _state.value
        if (s !is CheckoutState.AmountEntry) return false
        _operation.value = op
        keypad = AmountKeypad(if (op.needsAmount) amountMinor.coerceIn(0, MAX_MINOR) else 0)
        if (op.needsAmount) move { CheckoutState.AmountEntry(keypad.amountMinor) } else startSale(0)
        return true
    }

    /** On the keypad of another transaction: back to a sale. */
    fun endOperation() {
        if (_state.value !is CheckoutState.AmountEntry) return
        _operation.value = Operation.Sale
        keypad.clear()
        move { CheckoutState.AmountEntry(0) }
    }

    /** Confirms the amount and starts the sale: the reader asks for the card. */
    fun confirm() {
        val s = _state.value
        if (s !is CheckoutState.AmountEntry) return
        val amount = keypad.amountMinor
        if (amount <= 0 || amount > MAX_MINOR) {
            move { s.copy(error = Text("请输入金额", "Enter an amount")) }
            return
        }
        startSale(amount)
    }

    private fun startSale(amount: Long) {
        move { CheckoutState.WaitingForCard(amount, CARD_PROMPT) }
        val op = _operation.value
        job = scope.launch {
            val next = try {
                val o = execute(op, amount)
                CheckoutState.Result(o, Text(o.summaryZh, o.summaryEn))
            } catch (e: PosException) {
                failure(e, amount)
            }
            // A tamper alert that came meanwhile wins: the lock screen stays.
            move { if (it is CheckoutState.Locked) it else next }
        }
    }

    /** The bindings' call for [op] of [amount] minor units. */
    private suspend fun execute(op: Operation, amount: Long): TxnOutcome = when (op) {
        Operation.Sale -> terminal.sale(amount, preference())
        Operation.PreAuth -> terminal.preAuth(amount)
        Operation.Balance -> terminal.balance()
        is Operation.Refund -> terminal.refund(amount, op.original)
        is Operation.PreAuthComplete -> terminal.preAuthComplete(amount, op.original)
        is Operation.PreAuthCancel -> terminal.preAuthCancel(amount, op.original)
        is Operation.CompletionCancel -> terminal.completionCancel(op.original)
        is Operation.Transfer -> terminal.transfer(amount, op.payee)
    }

    private fun failure(e: PosException, amount: Long): CheckoutState {
        val kind = when (e) {
            is PosException.Cancelled -> FailureKind.CANCELLED
            is PosException.Tampered -> return CheckoutState.Locked(e.text)
            is PosException.Network -> FailureKind.NETWORK
            is PosException.ReversalPending -> FailureKind.REVERSAL_PENDING
            is PosException.OfflineRefused -> FailureKind.OFFLINE_REFUSED
            is PosException.RiskRefused ->
                if (e.confirmToken != null) FailureKind.RISK_CONFIRM else FailureKind.RISK_BLOCKED
            is PosException.NotSignedIn -> FailureKind.SIGN_IN_REQUIRED
            is PosException.Device -> FailureKind.DEVICE
            else -> FailureKind.OTHER
        }
        val reversalDue = e is PosException.Network && e.reversalDue
        val token = (e as? PosException.RiskRefused)?.confirmToken
        return CheckoutState.Failed(kind, e.text, amount, reversalDue, token)
    }

    /**
     * Cancel: clears the amount on the keypad; while the reader waits for the card or PIN,
     * abandons the read (nothing is charged). Once processing, the payment cannot be
     * cancelled here (it may already be at the host): void it afterwards.
     */
    fun cancel() {
        when (_state.value) {
            is CheckoutState.AmountEntry -> {
                keypad.clear()
                move { CheckoutState.AmountEntry(0) }
            }
            is CheckoutState.WaitingForCard, is CheckoutState.PinEntry -> scope.launch {
                try {
                    terminal.cancelCardRead()
                } catch (e: PosException) {
                    // The reader is gone: the read fails on its own (disconnected), which the sale reports.
                }
            }
            else -> Unit
        }
    }

    // Reader events and payment stages (called from the core's threads) --------------

    private fun onReader(event: ReaderEvent) {
        // Card and PIN steps come with the payment stages (one ordered stream); the reader's
        // own events matter here only when they are not about the payment in progress.
        if (event is ReaderEvent.Tampered) lock(TAMPERED)
    }

    private fun onStage(stage: PaymentStage) {
        move { s ->
            val amount = when (s) {
                is CheckoutState.WaitingForCard -> s.amountMinor
                is CheckoutState.PinEntry -> s.amountMinor
                else -> return@move s
            }
            when (stage) {
                is PaymentStage.WaitingForCard -> CheckoutState.WaitingForCard(amount, CARD_PROMPT)
                is PaymentStage.CardDetected ->
                    CheckoutState.WaitingForCard(amount, Text("读卡中，请勿移开卡片", "Reading the card: keep it there"), stage.method)
                is PaymentStage.FallbackToSwipe ->
                    CheckoutState.WaitingForCard(amount, Text("芯片读取失败，请刷卡", "Chip failed: swipe the card"))
                is PaymentStage.PinEntry -> CheckoutState.PinEntry(amount, stage.digits.toInt())
                is PaymentStage.Processing -> CheckoutState.Processing(amount, stage.maskedPan)
                is PaymentStage.CardNotRead -> s // the sale's own error follows with the details
            }
        }
    }

    private fun lock(reason: Text) {
        move { if (it is CheckoutState.Locked) it else CheckoutState.Locked(reason) }
    }

    // Tamper unlock ---------------------------------------------------------------------

    /** On the lock screen: asks the reader for a challenge to read to the acquirer's help desk. */
    fun requestUnlock() {
        val s = _state.value
        if (s !is CheckoutState.Locked) return
        job = scope.launch {
            val next = try {
                s.copy(challenge = terminal.unlockChallenge(), error = null)
            } catch (e: PosException) {
                s.copy(challenge = null, error = e.text)
            }
            move { if (it is CheckoutState.Locked) next else it }
        }
    }

    /**
     * The help desk's code for the challenge shown. Unlocked, the reader has no keys: the
     * next step is a sign-in. A refused code needs a new challenge (one attempt each).
     */
    fun unlock(code: String) {
        val s = _state.value
        if (s !is CheckoutState.Locked || s.challenge == null) return
        job = scope.launch {
            val next = try {
                terminal.unlock(code.trim())
                CheckoutState.Failed(FailureKind.SIGN_IN_REQUIRED, UNLOCKED, 0, reversalDue = false)
            } catch (e: PosException) {
                s.copy(challenge = null, error = e.text)
            }
            move { if (it is CheckoutState.Locked) next else it }
        }
    }

    // Result and receipt ---------------------------------------------------------------

    /** The operator confirms a risk warning (journaled with [operator]); the sale runs again. */
    fun confirmRisk(operator: String) {
        val s = _state.value
        if (s !is CheckoutState.Failed || s.kind != FailureKind.RISK_CONFIRM) return
        val token = s.confirmToken ?: return
        try {
            terminal.confirmRisk(token, operator)
        } catch (e: PosException) {
            move { s.copy(error = e.text) }
            return
        }
        startSale(s.amountMinor)
    }

    /** After a `55` decline: the same sale again for another PIN try. */
    fun retryPin() {
        val s = _state.value
        if (s is CheckoutState.Result && s.outcome.canRetryPin) {
            startSale(s.outcome.amount?.minor ?: if (_operation.value.needsAmount) return else 0)
        }
    }

    /** Prints both copies of an approved payment's slip; a failed copy leads to [CheckoutState.ReceiptFailed]. */
    fun printReceipt() {
        val outcome = when (val s = _state.value) {
            is CheckoutState.Result -> s.outcome.takeIf { it.approved }
            is CheckoutState.ReceiptFailed -> s.outcome
            else -> null
        } ?: return
        val p = printer()
        if (p == null) {
            move { CheckoutState.ReceiptFailed(outcome, null, NO_PRINTER) }
            return
        }
        move { CheckoutState.Printing(outcome) }
        job = scope.launch {
            val next = try {
                val r = terminal.printReceipt(p, outcome.txnId)
                val note = if (r.paperNearEnd) Text("打印纸将用完，请及时更换", "Paper is running out: change the roll soon") else null
                CheckoutState.Done(outcome, printed = true, reversed = false, note = note)
            } catch (e: PosException.NotPrinted) {
                CheckoutState.ReceiptFailed(outcome, e.copy, e.text)
            } catch (e: PosException) {
                CheckoutState.ReceiptFailed(outcome, null, e.text)
            }
            move { next }
        }
    }

    /** The customer does not want a slip: the payment is complete without one. */
    fun skipReceipt() {
        val outcome = when (val s = _state.value) {
            is CheckoutState.Result -> s.outcome.takeIf { it.approved }
            is CheckoutState.ReceiptFailed -> s.outcome
            else -> null
        } ?: return
        val next = try {
            terminal.complete(outcome.txnId)
            CheckoutState.Done(outcome, printed = false, reversed = false, note = null)
        } catch (e: PosException) {
            CheckoutState.ReceiptFailed(outcome, null, e.text)
        }
        move { next }
    }

    /**
     * The slip cannot be printed and the customer will not go without: the payment is
     * cancelled and reversed, so nobody is charged without a slip.
     */
    fun cancelPayment() {
        val s = _state.value
        if (s !is CheckoutState.ReceiptFailed) return
        move { CheckoutState.Printing(s.outcome) }
        job = scope.launch {
            val next = try {
                val acknowledged = terminal.cancelUnprinted(s.outcome.txnId)
                val note = if (acknowledged) {
                    Text("交易已取消并冲正，持卡人未被扣款", "Payment cancelled and reversed: the cardholder is not charged")
                } else {
                    Text("交易已取消，冲正将自动重发直至主机确认", "Payment cancelled: the reversal is resent until the host confirms it")
                }
                CheckoutState.Done(s.outcome, printed = false, reversed = true, note = note)
            } catch (e: PosException) {
                CheckoutState.ReceiptFailed(s.outcome, s.copy, e.text)
            }
            move { next }
        }
    }

    /** Back to amount entry for the next customer (from a result, done or failure screen). */
    fun next() {
        when (val s = _state.value) {
            is CheckoutState.Result -> if (s.outcome.approved) return // the slip decision comes first
            is CheckoutState.Done, is CheckoutState.Failed -> Unit
            else -> return
        }
        keypad.clear()
        _operation.value = Operation.Sale
        move { CheckoutState.AmountEntry(0) }
    }

    /** Suspends until the running sale or print (if any) has finished; for tests and shutdown. */
    suspend fun settle() {
        job?.join()
    }

    private companion object {
        val CARD_PROMPT = Text("请刷卡、插卡或挥卡", "Swipe, insert or tap the card")
        val TAMPERED = Text("系统安全已触发，请联系收单机构", "Security triggered: call the acquirer")
        val UNLOCKED = Text("读卡器已解锁，请重新签到后再交易", "Reader unlocked: sign in again before the next payment")
        val NO_PRINTER = Text("未连接打印机，请连接后重打印", "No printer connected: connect one and print again")
    }
}
