package cn.pos.shell.provisioning

import cn.pos.core.KeyVault
import cn.pos.core.PosException
import cn.pos.core.ProvisioningInfo
import cn.pos.core.TerminalSettings
import cn.pos.core.installProvisioning
import cn.pos.core.provisionedSettings
import cn.pos.core.provisioningInfo
import cn.pos.shell.i18n.Text
import cn.pos.shell.i18n.text
import java.io.File
import java.io.RandomAccessFile

/**
 * The terminal's provisioning before it opens: imports the acquirer's provisioning file when
 * one was put in [inbox] (the core validates it and seals it through [vault] in [dataDir]; the
 * plain file, which holds the master key, is then overwritten and deleted), and gives the
 * settings the terminal opens with. The terminal must not be open on [dataDir] meanwhile.
 *
 * [allowDemo]: the emulator build accepts the published demo terminal's file; the device build
 * refuses it.
 */
class TerminalProvisioning(
    private val dataDir: File,
    private val inbox: File,
    private val vault: KeyVault,
    private val allowDemo: Boolean,
) {
    /** What opening can do. */
    sealed interface Prepared {
        /** Open with [settings]; [notice]: a new file that could not be imported (the old provisioning stays). */
        data class Ready(val settings: TerminalSettings, val info: ProvisioningInfo, val imported: Boolean, val notice: Text?) : Prepared

        /** Not provisioned (or unusable): what the operator must do. */
        data class Needed(val text: Text) : Prepared
    }

    /** The file the app looks for in [inbox]. */
    val file: File get() = File(inbox, FILE_NAME)

    /** Imports a waiting file, then reads the provisioning in force. */
    fun prepare(): Prepared {
        var notice: Text? = null
        var imported = false
        val f = file
        if (f.isFile) {
            if (f.length() > MAX_FILE_BYTES) {
                notice = Text("开通文件过大，未导入", "the provisioning file is too large and was not imported")
            } else {
                val bytes = f.readBytes()
                try {
                    installProvisioning(dataDir.path, bytes, allowDemo, vault)
                    imported = true
                    wipe(f)
                } catch (e: PosException) {
                    // Kept for another try (e.g. after settling); the operator is told why.
                    notice = e.text
                } finally {
                    bytes.fill(0)
                }
            }
        }
        return try {
            val info = provisioningInfo(dataDir.path, vault)
                ?: return Prepared.Needed(notice ?: notProvisioned())
            Prepared.Ready(provisionedSettings(dataDir.path, vault), info, imported, notice)
        } catch (e: PosException) {
            Prepared.Needed(e.text)
        }
    }

    private fun notProvisioned() = Text(
        "终端尚未开通：请将收单机构提供的开通文件 $FILE_NAME 放入 ${inbox.path}",
        "the terminal is not provisioned: put the acquirer's provisioning file $FILE_NAME in ${inbox.path}",
    )

    companion object {
        /** The provisioning file's name. */
        const val FILE_NAME = "provisioning.json"

        /** The largest file read (the core refuses larger ones too). */
        const val MAX_FILE_BYTES = 64L * 1024

        /** Overwrites [f] with zeros before deleting it: it held the master key in clear. */
        fun wipe(f: File) {
            runCatching {
                RandomAccessFile(f, "rw").use { raf ->
                    raf.seek(0)
                    raf.write(ByteArray(raf.length().toInt()))
                    raf.fd.sync()
                }
            }
            f.delete()
        }
    }
}
