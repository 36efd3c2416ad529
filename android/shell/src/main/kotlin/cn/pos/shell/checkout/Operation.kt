package cn.pos.shell.checkout

import cn.pos.core.OriginalRef
import cn.pos.core.TxnKind

/**
 * What the checkout runs with the card: a sale, or another transaction of the same flow
 * (card, PIN, host, result, slip). [needsAmount]: the keypad comes first; otherwise the reader
 * asks for the card at once.
 */
sealed class Operation {
    /** The transaction type it makes. */
    abstract val kind: TxnKind

    /** The amount is typed on the keypad first. */
    open val needsAmount: Boolean get() = true

    /** The original it refers to, if any. */
    open val original: OriginalRef? get() = null

    /** 消费. */
    data object Sale : Operation() {
        override val kind: TxnKind get() = TxnKind.SALE
    }

    /** 预授权: a hold of the amount. */
    data object PreAuth : Operation() {
        override val kind: TxnKind get() = TxnKind.PRE_AUTH
    }

    /** 余额查询: no amount. */
    data object Balance : Operation() {
        override val kind: TxnKind get() = TxnKind.BALANCE_INQUIRY
        override val needsAmount: Boolean get() = false
    }

    /** 退货 of all or part of [original]. */
    data class Refund(override val original: OriginalRef) : Operation() {
        override val kind: TxnKind get() = TxnKind.REFUND
    }

    /** 预授权完成 of the pre-auth [original], for up to its hold. */
    data class PreAuthComplete(override val original: OriginalRef) : Operation() {
        override val kind: TxnKind get() = TxnKind.PRE_AUTH_COMPLETION
    }

    /** 预授权撤销 of the pre-auth [original] (the amount of the hold). */
    data class PreAuthCancel(override val original: OriginalRef) : Operation() {
        override val kind: TxnKind get() = TxnKind.PRE_AUTH_CANCEL
    }

    /** 完成撤销 of the completion [original], for its full amount: no amount typed. */
    data class CompletionCancel(override val original: OriginalRef) : Operation() {
        override val kind: TxnKind get() = TxnKind.COMPLETION_CANCEL
        override val needsAmount: Boolean get() = false
    }

    /** 转账 from the card to the account [payee] (6 to 28 digits, checked by the core), online only, with the PIN. */
    data class Transfer(val payee: String) : Operation() {
        override val kind: TxnKind get() = TxnKind.TRANSFER
    }
}
