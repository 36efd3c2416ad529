package cn.pos.app

import android.widget.EditText

/** The emulator's simulated Bluetooth (faults to play, devices to switch off). */
val AppRig.bluetooth: SimulatedBluetoothGateway get() = PosHub.gateway as? SimulatedBluetoothGateway ?: die("no simulated Bluetooth: the service is not running")

/** Types [value] into the form field tagged [tag] (replacing what is there). */
fun AppRig.typeInto(tag: String, value: String) {
    (waitForTag(tag, 10_000) as EditText).setText(value)
    idle()
}

/** First run: sets up the prefilled demo terminal through the screen; the pairing prompt follows. */
fun AppRig.provisionThroughScreen() {
    waitForTag("first_run_title")
    click("provision")
    waitForTag("need_devices_title")
}

/** On the pairing screen: scans for the devices of [k] ("reader", "printer") and connects [name]. */
fun AppRig.pairOnScreen(k: String, name: String) {
    click("${k}_scan")
    click("connect_$name")
    waitForTag("${k}_connected")
}

/** From the pairing prompt: pairs the simulated reader and printer on the pairing screen, then "done". */
fun AppRig.pairThroughScreen() {
    click("pair_devices")
    openStarted()
    pairOnScreen("reader", SimulatedBluetoothGateway.READER.name)
    pairOnScreen("printer", SimulatedBluetoothGateway.PRINTER.name)
    click("pairing_done")
    closeTop()
}
