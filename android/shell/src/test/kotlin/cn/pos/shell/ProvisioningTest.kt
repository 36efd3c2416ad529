package cn.pos.shell

import cn.pos.core.MacAlgorithmSetting
import cn.pos.core.PosException
import cn.pos.core.Terminal
import cn.pos.core.startAcquirerSimulator
import cn.pos.core.startSimulatedDevices
import cn.pos.shell.provisioning.TerminalProvisioning
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

/** The app's provisioning: a file imported, sealed and deleted; the terminal opens on it over TLS. */
class ProvisioningTest {
    private val demoTmk = "CA5D92598DCA48CE8A4C76361A9269E9" // the demo terminal's (the simulator knows it)

    private fun json(tid: String, host: String, caPem: String?, demo: Boolean = false, tmk: String = demoTmk): String {
        val ca = caPem?.let { "\"" + it.replace("\n", "\\n") + "\"" } ?: "null"
        return """{"tid":"$tid","mid":"898310048990001","merchant_name":"测试商户","mac":"x919",""" +
            """"tmk_hex":"$tmk","acquirer_ca_pem":$ca,"host":"$host","plain_tcp":false,"demo":$demo}"""
    }

    @Test
    fun `a provisioning file is imported sealed, deleted, and the terminal pays on it`(): Unit = runBlocking {
        val dir = tempDir("provision")
        val inbox = File(dir, "inbox").also { it.mkdirs() }
        val data = File(dir, "pos")
        val vault = SoftwareKeyVault()
        val sim = startAcquirerSimulator()
        try {
            val p = TerminalProvisioning(data, inbox, vault, allowDemo = false)
            // Nothing yet: the operator is told where the file goes, in both languages.
            val needed = p.prepare() as TerminalProvisioning.Prepared.Needed
            assertTrue(needed.text.zh.contains("尚未开通") && needed.text.en.contains("provisioning.json"), needed.text.both())

            // A file with a malformed key: named, the key not echoed, the file kept.
            p.file.writeText(json("10000001", sim.address(), sim.caPem(), tmk = "XYZ"))
            val bad = p.prepare() as TerminalProvisioning.Prepared.Needed
            assertTrue(bad.text.en.contains("tmk") && !bad.text.both().contains("XYZ"), bad.text.both())
            assertTrue(p.file.exists())

            // The demo terminal's file is refused by the device build.
            p.file.writeText(json("10000001", sim.address(), sim.caPem(), demo = true))
            val demo = p.prepare() as TerminalProvisioning.Prepared.Needed
            assertTrue(demo.text.en.contains("demo terminal"), demo.text.both())

            p.file.writeText(json("10000001", sim.address(), sim.caPem()))
            val ready = p.prepare() as TerminalProvisioning.Prepared.Ready
            assertTrue(ready.imported)
            assertNull(ready.notice)
            assertFalse(p.file.exists(), "the plain file is gone")
            assertEquals("10000001", ready.info.tid)
            assertEquals(MacAlgorithmSetting.X919, ready.info.macAlgorithm)
            assertTrue(ready.info.acquirerCaPinned && !ready.info.demo && !ready.info.plainTcp)
            assertEquals(sim.address(), ready.settings.host)
            assertEquals("测试商户", ready.settings.merchantName)
            // No file in the data directory holds the TMK in clear.
            for (f in data.walk().filter { it.isFile }) {
                assertFalse(String(f.readBytes(), Charsets.ISO_8859_1).contains(demoTmk), "TMK in clear in $f")
            }

            // The terminal opens on the provisioning, the simulated reader on its keys, over TLS.
            val devices = startSimulatedDevices(data.path, vault)
            val terminal = Terminal.open(data.path, ready.settings.copy(riskPolicyJson = null), vault, devices.reader(), null)
            try {
                assertTrue(terminal.signIn().approved)
                devices.presentCard("debit")
                val sale = terminal.sale(321, null)
                assertTrue(sale.approved, sale.summaryEn)
                terminal.complete(sale.txnId)
                // A new file while the terminal is open: refused (in use), the old provisioning stays.
                p.file.writeText(json("10000001", sim.address(), sim.caPem()))
                val busy = p.prepare() as TerminalProvisioning.Prepared.Ready
                assertFalse(busy.imported)
                assertTrue(busy.notice != null && busy.notice!!.en.contains("in use"), busy.notice?.both())
            } finally {
                terminal.close()
                devices.close()
            }
            // Closed, but the batch holds the sale: refused until it is settled.
            val owed = p.prepare() as TerminalProvisioning.Prepared.Ready
            assertTrue(owed.notice != null && owed.notice!!.zh.contains("更改终端参数"), owed.notice?.both())
            assertTrue(p.file.exists(), "kept for after settlement")
        } finally {
            sim.shutdown()
            sim.close()
            dir.deleteRecursively()
        }
    }
}
