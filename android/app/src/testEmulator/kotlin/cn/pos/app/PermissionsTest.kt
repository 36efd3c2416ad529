package cn.pos.app

import android.Manifest
import cn.pos.app.ui.Words
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import org.w3c.dom.Element
import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

/** The payment service starts only once its permissions are granted; the manifest declares them for each Android version. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class PermissionsTest {
    @Test
    fun `without the Bluetooth permissions the app explains them and starts no service, granted it starts the service`() {
        AppRig().use { rig ->
            rig.launch()
            assertNull("no service before the permissions", shadowOf(rig.app).nextStartedService)
            assertEquals(Words.permissionsTitle.zh, rig.text("permissions_title"))
            rig.shoot("permissions", Words.permissionsTitle, Words.grant)

            rig.click("grant")
            val asked = shadowOf(rig.activity).lastRequestedPermission
            assertEquals(
                listOf(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT, Manifest.permission.POST_NOTIFICATIONS),
                asked.requestedPermissions.toList(),
            )
            // Denied: what to do, and still no service.
            rig.activity.onRequestPermissionsResult(asked.requestCode, asked.requestedPermissions, IntArray(3) { -1 })
            rig.idle()
            assertEquals(Words.permissionsDenied.zh, rig.text("permissions_text"))
            assertTrue(rig.view("open_settings") != null)
            assertNull(shadowOf(rig.app).nextStartedService)
            rig.shoot("permissions-denied", Words.permissionsDenied, Words.openSettings)

            // Granted (notifications refused: optional): the service starts and the terminal opens.
            shadowOf(rig.app).grantPermissions(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT)
            rig.activity.onRequestPermissionsResult(asked.requestCode, asked.requestedPermissions, intArrayOf(0, 0, -1))
            rig.runStartedService()
            rig.waitForTag("key_1")
        }
    }

    @Test
    fun `a service started without its permissions (revoked meanwhile) shows what to do instead of crashing`() {
        AppRig().use { rig ->
            rig.grantPermissions()
            rig.launch()
            shadowOf(rig.app).denyPermissions(Manifest.permission.BLUETOOTH_CONNECT)
            rig.runStartedService()
            rig.waitForTag("problem_title")
            assertEquals(Words.permissionsDenied.zh, rig.text("problem_text"))
            assertNull("no terminal opened", PosHub.session)
            assertTrue(shadowOf(rig.service!!.get()).isStoppedBySelf)
        }
    }

    @Test
    fun `the permissions asked for follow the Android version`() {
        assertEquals(listOf(Manifest.permission.ACCESS_FINE_LOCATION), Permissions.required(26))
        assertEquals(listOf(Manifest.permission.ACCESS_FINE_LOCATION), Permissions.required(30))
        assertEquals(listOf(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT), Permissions.required(31))
        assertEquals(emptyList<String>(), Permissions.optional(32))
        assertEquals(listOf(Manifest.permission.POST_NOTIFICATIONS), Permissions.optional(33))
    }

    @Test
    fun `the manifest declares every permission asked for, the legacy ones only up to Android 11`() {
        val manifest = File(System.getProperty("pos.app.manifest") ?: "android/app/src/main/AndroidManifest.xml")
        val doc = DocumentBuilderFactory.newInstance().apply { isNamespaceAware = true }.newDocumentBuilder().parse(manifest)
        val ns = "http://schemas.android.com/apk/res/android"
        val uses = doc.getElementsByTagName("uses-permission")
        val declared = (0 until uses.length).map { uses.item(it) as Element }.associate {
            it.getAttributeNS(ns, "name") to it.getAttributeNS(ns, "maxSdkVersion")
        }
        for (sdk in 26..35) {
            for (p in Permissions.required(sdk) + Permissions.optional(sdk)) {
                assertTrue("$p (API $sdk) not in the manifest", p in declared)
                val max = declared[p]!!.ifEmpty { "99" }.toInt()
                assertTrue("$p is needed on API $sdk but declared up to $max", sdk <= max)
            }
        }
        for (legacy in listOf(Manifest.permission.BLUETOOTH, Manifest.permission.BLUETOOTH_ADMIN, Manifest.permission.ACCESS_FINE_LOCATION)) {
            assertEquals("$legacy maxSdkVersion", "30", declared[legacy])
        }
        assertTrue(Manifest.permission.FOREGROUND_SERVICE_CONNECTED_DEVICE in declared)
        val service = doc.getElementsByTagName("service").item(0) as Element
        assertEquals("connectedDevice", service.getAttributeNS(ns, "foregroundServiceType"))
    }
}
