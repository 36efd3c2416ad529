package cn.pos.core

import android.content.Context

/**
 * The platform trust store for the acquirer's TLS link: a terminal provisioned without a
 * pinned certificate checks the host against Android's trusted CAs (rustls-platform-verifier,
 * initialised here through JNI: `Java_cn_pos_core_PlatformTrust_init` in pos-ffi's
 * `android_trust.rs`). Called once, before the terminal opens.
 */
object PlatformTrust {
    init {
        // uniffi loads the library through JNA; JNI needs it loaded by this class loader too.
        System.loadLibrary("pos_ffi")
    }

    /** Hands the application context (and its class loader) to the verifier. */
    @JvmStatic
    external fun init(context: Context)
}
