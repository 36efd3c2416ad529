package cn.pos.app

/** The emulator/debug flavor: simulated reader and printer in-process, the demo acquirer on the host machine. */
object Flavor {
    /** Simulated reader and printer (emulators have no Bluetooth). */
    const val SIMULATED_DEVICES = true

    /** The acquirer: the demo simulator on the development machine, as the emulator sees it. */
    const val ACQUIRER_HOST = "10.0.2.2:8583"
}
