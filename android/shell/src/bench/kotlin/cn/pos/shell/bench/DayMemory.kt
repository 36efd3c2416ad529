package cn.pos.shell.bench

import cn.pos.core.OfflinePreference
import cn.pos.core.Terminal
import cn.pos.core.startAcquirerSimulatorIn
import cn.pos.core.startSimulatedDevices
import cn.pos.shell.SoftwareKeyVault
import cn.pos.shell.noRiskSettings
import cn.pos.shell.tempDir
import java.io.File
import kotlinx.coroutines.runBlocking

/** `VmHWM` (peak) and `VmRSS` (now) of this JVM process in MiB, from /proc/self/status. */
private fun residentMib(): Pair<Double, Double> {
    val status = runCatching { File("/proc/self/status").readLines() }.getOrDefault(emptyList())
    fun field(name: String) =
        status.firstOrNull { it.startsWith(name) }?.removePrefix(name)?.trim()?.removeSuffix("kB")?.trim()
            ?.toDoubleOrNull()?.div(1024.0) ?: 0.0
    return field("VmHWM:") to field("VmRSS:")
}

private fun heapMib(): Double = Runtime.getRuntime().let { (it.totalMemory() - it.freeMemory()) / 1048576.0 }

/**
 * Resident memory of the JVM over a long day through the bindings: the simulator (its ledger
 * a file), the simulated reader and a terminal in this process, [payments] payments (95 %
 * online sales, 5 % offline as in dead spots), a sync every 1,000, then the day end (sync,
 * settlement).
 * Prints one `jvm day:` line per tenth and a last line with the peak. Run by
 * scripts/test-kotlin.sh with POS_BENCH=1 (POS_DAY_PAYMENTS, default 100,000).
 */
fun main() {
    val payments = System.getenv("POS_DAY_PAYMENTS")?.toIntOrNull()?.takeIf { it > 0 } ?: 100_000
    val dir = tempDir("day-memory")
    val sim = runBlocking { startAcquirerSimulatorIn(File(dir, "sim").path) }
    val vault = SoftwareKeyVault()
    val devices = runBlocking { startSimulatedDevices(File(dir, "terminal").path, vault) }
    val base = noRiskSettings(sim.address())
    val settings = base.copy(
        acquirerCaPem = sim.caPem(),
        offline = base.offline.copy(maxCount = UInt.MAX_VALUE, perCardPerDay = UInt.MAX_VALUE, totalMinor = 999_999_999_999L),
    )
    val terminal = Terminal.open(File(dir, "terminal").path, settings, vault, devices.reader(), null)
    val started = System.nanoTime()
    var declined = 0
    try {
        check(runBlocking { terminal.signIn() }.approved) { "sign-in declined" }
        runBlocking {
            for (i in 0 until payments) {
                // 0.11 to 0.99: the deck cards' funds last the whole day.
                val fen = 11L + i % 89
                val outcome = if (i % 20 != 19) {
                    devices.presentCard("contactless")
                    terminal.sale(fen, OfflinePreference.REQUIRE_ONLINE)
                } else {
                    devices.presentCard("offline")
                    terminal.sale(fen, OfflinePreference.FORCE_OFFLINE)
                }
                if (!outcome.approved) declined++
                if (i % 1_000 == 999) check(terminal.syncNow().left == 0u) { "sync at payment $i left payments" }
                if ((i + 1) % maxOf(payments / 10, 1) == 0) {
                    val (peak, now) = residentMib()
                    println("jvm day: %d payments in %.0f s: peak %.1f MiB, resident %.1f MiB, heap in use %.1f MiB"
                        .format(i + 1, (System.nanoTime() - started) / 1e9, peak, now, heapMib()))
                }
            }
            check(terminal.syncNow().left == 0u) { "the last sync left payments" }
            terminal.settle(null)
        }
        check(terminal.history(50u).size == 50)
        val (peak, now) = residentMib()
        println("jvm day: done: %d payments (%d declined) in %.0f s; peak %.1f MiB, resident %.1f MiB, heap in use %.1f MiB"
            .format(payments, declined, (System.nanoTime() - started) / 1e9, peak, now, heapMib()))
    } finally {
        terminal.close()
        runBlocking { sim.shutdown() }
        devices.close()
        sim.close()
        dir.deleteRecursively()
    }
}
