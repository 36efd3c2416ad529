//! Android only: initialises rustls-platform-verifier, so that a terminal provisioned without a
//! pinned CA (`TerminalSettings.acquirer_ca_pem = null`, not plain) checks the acquirer's
//! certificate against the platform trust store (`TlsTrust::Platform` in the core).
//!
//! The app calls it once, before opening the terminal, from a Kotlin object whose native
//! method this is (uniffi loads the library through JNA, so the class loads it for JNI too):
//!
//! ```kotlin
//! package cn.pos.core
//! object PlatformTrust {
//!     init { System.loadLibrary("pos_ffi") }
//!     @JvmStatic external fun init(context: android.content.Context)
//! }
//! ```
//! rustls-platform-verifier also needs its small Kotlin component in the APK (the
//! `rustls-platform-verifier-android` Maven artifact shipped inside the crate; see the crate's
//! Android section). Not built on this workplace (no Android target): host builds do not
//! compile this module.

use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JClass, JObject};
use jni::EnvUnowned;

/// `cn.pos.core.PlatformTrust.init(context)`: keeps the JVM, the application context and its
/// class loader for the verifier. A failure is thrown as a `RuntimeException`.
#[no_mangle]
pub extern "system" fn Java_cn_pos_core_PlatformTrust_init<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    context: JObject<'caller>,
) {
    env.with_env(|env| -> jni::errors::Result<()> {
        rustls_platform_verifier::android::init_with_env(env, context)?;
        tracing::info!("platform trust store ready for the acquirer link");
        Ok(())
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}
