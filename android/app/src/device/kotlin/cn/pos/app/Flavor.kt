package cn.pos.app

import android.app.Activity
import android.content.Context
import cn.pos.shell.devices.BluetoothGateway
import cn.pos.core.KeyVault
import java.io.File

/**
 * The device flavor: the paired Bluetooth reader and printer, the acquirer from provisioning.
 * Its library is pos-ffi's device build (no feature `simulators`): no simulator is linked.
 */
object Flavor {
    /** Real devices over Bluetooth LE; only a merchant's own provisioning file is accepted. */
    const val SIMULATED_DEVICES = false

    /** No test panel on a merchant's phone. */
    val testPanel: Class<out Activity>? = null

    /** None: the reader and printer are paired over Bluetooth. */
    @Suppress("UNUSED_PARAMETER", "RedundantSuspendModifier")
    suspend fun localDevices(dataDir: String, vault: KeyVault): LocalDevices? = null

    /** None: the acquirer is the provisioned host. */
    @Suppress("UNUSED_PARAMETER", "RedundantSuspendModifier")
    suspend fun localAcquirer(dataDir: File, vault: KeyVault): LocalAcquirer? = null

    /** An empty form: the merchant types what the acquirer's set-up sheet says. */
    @Suppress("UNUSED_PARAMETER")
    fun provisioningDefaults(acquirer: LocalAcquirer?): ProvisioningForm = ProvisioningForm()

    /** Nothing to remember: the provisioned host is the acquirer. */
    @Suppress("UNUSED_PARAMETER")
    fun provisioned(dataDir: File, form: ProvisioningForm, acquirer: LocalAcquirer?) = Unit

    /** The phone's Bluetooth. */
    @Suppress("UNUSED_PARAMETER")
    fun gateway(context: Context, dataDir: File, vault: KeyVault): BluetoothGateway = AndroidBluetoothGateway(context)
}
