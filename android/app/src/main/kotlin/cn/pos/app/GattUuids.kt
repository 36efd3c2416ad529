package cn.pos.app

import java.util.UUID

/** The GATT services and characteristics the app talks to (docs/reader-protocol.md, docs/printer.md). */
object GattUuids {
    /** The card reader's service. */
    val READER_SERVICE: UUID = UUID.fromString("8E3D0001-6C1B-4D8A-9F1E-2A5B7C0D1E2F")
    /** Phone -> reader (write with response). */
    val READER_WRITE: UUID = UUID.fromString("8E3D0002-6C1B-4D8A-9F1E-2A5B7C0D1E2F")
    /** Reader -> phone (notify). */
    val READER_NOTIFY: UUID = UUID.fromString("8E3D0003-6C1B-4D8A-9F1E-2A5B7C0D1E2F")

    /** A printer service: its write and notify characteristics. */
    data class PrinterService(val service: UUID, val write: UUID, val notify: UUID)

    /** The printer services the core knows, preferred first (18F0 over an ISSC bridge). */
    val PRINTER_SERVICES = listOf(
        PrinterService(
            UUID.fromString("000018F0-0000-1000-8000-00805F9B34FB"),
            UUID.fromString("00002AF1-0000-1000-8000-00805F9B34FB"),
            UUID.fromString("00002AF0-0000-1000-8000-00805F9B34FB"),
        ),
        PrinterService(
            UUID.fromString("49535343-FE7D-4AE5-8FA9-9FAFD205E455"),
            UUID.fromString("49535343-8841-43F4-A8D4-ECBE34729BB3"),
            UUID.fromString("49535343-1E4D-4BD9-BA61-23C647249616"),
        ),
    )

    /** The client characteristic configuration descriptor (enables notifications). */
    val CCCD: UUID = UUID.fromString("00002902-0000-1000-8000-00805F9B34FB")

    /** The MTU the app asks for after connecting. */
    const val REQUESTED_MTU = 247
}
