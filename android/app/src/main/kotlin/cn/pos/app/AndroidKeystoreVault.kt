package cn.pos.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import cn.pos.core.KeyVault
import cn.pos.core.PosException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The core's [KeyVault] over the Android Keystore: an AES-256-GCM key that never leaves the
 * keystore (hardware-backed where the phone has it) wraps the core's data key. Wrapped form:
 * 12-byte IV then ciphertext and tag.
 */
class AndroidKeystoreVault(private val alias: String = "pos-core-vault") : KeyVault {
    private fun key(): SecretKey {
        val ks = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
        (ks.getKey(alias, null) as? SecretKey)?.let { return it }
        val spec = KeyGenParameterSpec.Builder(alias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore").run {
            init(spec)
            generateKey()
        }
    }

    override fun wrap(plain: ByteArray): ByteArray = try {
        val c = Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, key()) }
        c.iv + c.doFinal(plain)
    } catch (e: Exception) {
        throw PosException.Security("密钥库加密失败", "Keystore wrap failed: ${e.javaClass.simpleName}")
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        if (wrapped.size < IV + TAG) throw PosException.Security("密钥数据损坏", "Wrapped key too short")
        return try {
            val c = Cipher.getInstance("AES/GCM/NoPadding")
            c.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(TAG * 8, wrapped, 0, IV))
            c.doFinal(wrapped, IV, wrapped.size - IV)
        } catch (e: Exception) {
            throw PosException.Security("密钥库解密失败，数据可能已损坏", "Keystore unwrap failed: ${e.javaClass.simpleName}")
        }
    }

    private companion object {
        const val IV = 12
        const val TAG = 16
    }
}
