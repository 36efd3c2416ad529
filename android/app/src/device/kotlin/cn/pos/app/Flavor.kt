package cn.pos.app

/** The device flavor: the paired Bluetooth reader and printer, the acquirer from provisioning. */
object Flavor {
    /** Real devices over Bluetooth LE. */
    const val SIMULATED_DEVICES = false

    /** The acquirer (replaced by the provisioning of each merchant's terminal). */
    const val ACQUIRER_HOST = "127.0.0.1:8583"
}
