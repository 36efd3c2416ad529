package cn.pos.app

import cn.pos.core.KeyVault
import cn.pos.core.startSimulatedDevices

/**
 * The emulator/debug flavor: simulated reader and printer in-process, holding the keys of the
 * terminal's provisioning; the demo terminal's file is accepted (`pos provision --demo
 * --acquirer 10.0.2.2:8583 --acquirer-ca pos-sim-data/ca.pem --export provisioning.json`, then
 * `adb push` it to the app's external files folder). Its library is built with pos-ffi's
 * feature `simulators` (android/app/build.gradle.kts).
 */
object Flavor {
    /** Simulated reader and printer (emulators have no Bluetooth). */
    const val SIMULATED_DEVICES = true

    /** The simulated reader and printer of the terminal in [dataDir], its keys sealed through [vault]. */
    suspend fun localDevices(dataDir: String, vault: KeyVault): LocalDevices {
        val sim = startSimulatedDevices(dataDir, vault)
        return object : LocalDevices {
            override val reader = sim.reader()
            override val printer = sim.printer()
            override fun close() = sim.close()
        }
    }
}
