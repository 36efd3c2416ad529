package cn.pos.app

/**
 * Build switches. The Gradle build (android/app/build.gradle.kts) generates the real
 * BuildConfig per flavor; this default keeps the framework sources compilable on their own.
 */
object BuildConfig {
    /** Emulator/debug flavor: simulated reader and printer in-process. */
    const val SIMULATED_DEVICES = true

    /** The acquirer host (the demo simulator on the development machine, from the emulator). */
    const val ACQUIRER_HOST = "10.0.2.2:8583"
}
