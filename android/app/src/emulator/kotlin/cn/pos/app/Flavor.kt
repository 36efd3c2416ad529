package cn.pos.app

/**
 * The emulator/debug flavor: simulated reader and printer in-process, holding the keys of the
 * terminal's provisioning; the demo terminal's file is accepted (`pos provision --demo
 * --acquirer 10.0.2.2:8583 --acquirer-ca pos-sim-data/ca.pem --export provisioning.json`, then
 * `adb push` it to the app's external files folder).
 */
object Flavor {
    /** Simulated reader and printer (emulators have no Bluetooth). */
    const val SIMULATED_DEVICES = true
}
