package cn.pos.app

import cn.pos.core.CardReaderHandle
import cn.pos.core.ReceiptPrinter
import cn.pos.core.TerminalSettings

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

/**
 * An acquirer host that comes with the build: the emulator flavor's in-process acquirer
 * simulator ([Flavor.localAcquirer]). The device flavor has none.
 */
interface LocalAcquirer {
    /** The provisioned settings pointed at this host (its address and certificate of this run). */
    fun adjust(settings: TerminalSettings): TerminalSettings

    /** Stops the host. */
    fun close()
}
