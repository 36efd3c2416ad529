package cn.pos.app

import cn.pos.core.CardReaderHandle
import cn.pos.core.ReceiptPrinter

/**
 * A reader and printer that come with the build instead of from Bluetooth pairing: the
 * emulator flavor's simulated devices ([Flavor.localDevices]). The device flavor has none, and
 * its library (pos-ffi without feature `simulators`) has no simulator to start.
 */
interface LocalDevices {
    /** The connected reader, for `Terminal.open`. */
    val reader: CardReaderHandle

    /** The connected printer. */
    val printer: ReceiptPrinter

    /** Stops the devices. */
    fun close()
}
