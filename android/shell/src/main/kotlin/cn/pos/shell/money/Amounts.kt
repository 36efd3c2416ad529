package cn.pos.shell.money

import cn.pos.core.Money

/** Largest amount field 4 can carry, in minor units (12 digits). */
const val MAX_MINOR: Long = 999_999_999_999L

/** "12.34" for 1234 minor units of a two-decimal currency; integer arithmetic only. */
fun formatMinor(minor: Long, exponent: Int = 2): String {
    val negative = minor < 0
    val abs = if (negative) -minor else minor
    var scale = 1L
    repeat(exponent) { scale *= 10 }
    val whole = abs / scale
    val frac = abs % scale
    val fracText = if (exponent == 0) "" else "." + frac.toString().padStart(exponent, '0')
    return (if (negative) "-" else "") + whole.toString() + fracText
}

/** "¥12.34" / "CNY 12.34" style display of [Money]. */
fun Money.display(): String = when (currency) {
    "CNY" -> "¥" + formatMinor(minor)
    else -> currency + " " + formatMinor(minor)
}

/**
 * The amount keypad (amount entry on a POS): digits shift in from the right as fen, so
 * "1", "2", "3", "4" reads 12.34. Never a float; at most 12 digits.
 */
class AmountKeypad(private var minor: Long = 0) {
    /** The amount entered so far, in minor units. */
    val amountMinor: Long get() = minor

    /** Appends a digit; false (unchanged) when the amount would pass field 4's limit. */
    fun digit(d: Int): Boolean {
        require(d in 0..9) { "not a digit: $d" }
        if (minor > (MAX_MINOR - d) / 10) return false
        minor = minor * 10 + d
        return true
    }

    /** Appends "00" (the keypad's double-zero key). */
    fun doubleZero(): Boolean = digit(0) && digit(0)

    /** Removes the last digit. */
    fun backspace() {
        minor /= 10
    }

    /** Clears the entry. */
    fun clear() {
        minor = 0
    }
}
