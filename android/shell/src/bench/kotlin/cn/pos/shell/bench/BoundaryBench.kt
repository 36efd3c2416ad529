package cn.pos.shell.bench

import cn.pos.core.noop
import cn.pos.shell.Rig
import cn.pos.shell.noRiskSettings
import kotlinx.coroutines.runBlocking

/** Nanoseconds per call of [f], best of [rounds] rounds of [n] calls (after a warm-up). */
private inline fun perCall(n: Int, rounds: Int = 5, f: () -> Unit): Double {
    repeat(n) { f() }
    var best = Double.MAX_VALUE
    repeat(rounds) {
        val t0 = System.nanoTime()
        repeat(n) { f() }
        best = minOf(best, (System.nanoTime() - t0).toDouble() / n)
    }
    return best
}

/**
 * The cost of a call across the uniffi boundary from Kotlin (JNA direct mapping): a no-op
 * export, and a history page of 50 rows (SQLite read + 50 records lowered into a buffer and
 * lifted into Kotlin data classes). Run by scripts/test-kotlin.sh with POS_BENCH=1 against
 * the release library. Target: under 20 µs for the no-op.
 */
fun main() {
    val noopNs = perCall(1_000_000) { noop() }
    println("boundary: no-op export            %8.3f µs/call".format(noopNs / 1_000))
    // 50 sales on one card within seconds: no risk policy (the card rules would warn).
    Rig(settings = ::noRiskSettings).use { rig ->
        // 50 journal rows: contactless sales (no PIN) against the simulated host.
        rig.devices.presentCard("contactless")
        runBlocking { repeat(50) { rig.terminal.sale(100L + it, null) } }
        check(rig.terminal.history(50u).size == 50)
        val pageNs = perCall(2_000) { rig.terminal.history(50u) }
        println("boundary: history page (50 rows)  %8.3f µs/call".format(pageNs / 1_000))
        val summaryNs = perCall(20_000) { rig.terminal.queueSummary() }
        println("boundary: queue summary           %8.3f µs/call".format(summaryNs / 1_000))
    }
}
