package cn.pos.app

import cn.pos.core.AcquirerSimulator
import cn.pos.core.TxnOutcome
import cn.pos.shell.checkout.CheckoutState

/** The in-process acquirer simulator of the emulator flavor (its ledger). */
val AppRig.acquirer: AcquirerSimulator get() = (session.acquirer as SimulatedAcquirer).sim

/** Types [digits] on the keypad. */
fun AppRig.type(digits: String) = digits.forEach { click("key_$it") }

/** The result on screen (after waiting for it): approved or declined. */
fun AppRig.result(): TxnOutcome {
    waitFor("the result") { view("approved") != null || view("declined") != null }
    return (session.checkout.state.value as CheckoutState.Result).outcome
}

/** Pays [digits] with [card] and finishes without a slip; returns the outcome. */
fun AppRig.sale(card: String, digits: String): TxnOutcome {
    devices.present(card)
    type(digits)
    click("charge")
    val o = result()
    if (o.approved) click("no_slip")
    click("next")
    waitForTag("key_1")
    return o
}

/** Opens the screen behind the top bar's button [tag]; returns it. */
fun AppRig.open(tag: String) = run {
    click(tag)
    openStarted()
}

/** A 6-digit voucher of [o]. */
fun TxnOutcome.voucherText(): String = voucher!!.toString().padStart(6, '0')
