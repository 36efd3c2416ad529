package cn.pos.app

/** The device flavor: the paired Bluetooth reader and printer, the acquirer from provisioning. */
object Flavor {
    /** Real devices over Bluetooth LE; only a merchant's own provisioning file is accepted. */
    const val SIMULATED_DEVICES = false
}
