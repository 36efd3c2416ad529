package cn.pos.app

import android.app.Activity
import android.app.Application
import android.content.res.Configuration
import android.graphics.Bitmap
import android.graphics.Canvas
import android.os.Looper
import android.view.View
import android.view.ViewGroup
import android.widget.TextView
import cn.pos.core.KeyVault
import cn.pos.core.PosException
import cn.pos.core.installDemoProvisioning
import cn.pos.core.provisioningInfo
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text
import cn.pos.app.ui.Language
import org.junit.Assert.assertTrue
import org.robolectric.Robolectric
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.android.controller.ActivityController
import org.robolectric.android.controller.ServiceController
import java.io.File
import java.io.FileOutputStream
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** A test failure (JUnit's fail is not typed Nothing). */
fun die(message: String): Nothing = throw AssertionError(message)

/** Phone and tablet sizes of the screenshots. */
const val PHONE = "w360dp-h640dp-port-xhdpi"
const val TABLET = "w800dp-h1280dp-port-mdpi"

/** A software AES-GCM vault (Robolectric has no AndroidKeyStore provider): what the Keystore vault does, the key in memory. */
class SoftwareKeyVault : KeyVault {
    private val key: SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    private val random = SecureRandom()

    override fun wrap(plain: ByteArray): ByteArray {
        val iv = ByteArray(12).also(random::nextBytes)
        val c = Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, key, GCMParameterSpec(128, iv)) }
        return iv + c.doFinal(plain)
    }

    override fun unwrap(wrapped: ByteArray): ByteArray {
        if (wrapped.size < 28) throw PosException.Security("密钥数据损坏", "wrapped key too short")
        val c = Cipher.getInstance("AES/GCM/NoPadding")
        c.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, wrapped, 0, 12))
        return c.doFinal(wrapped, 12, wrapped.size - 12)
    }
}

/**
 * The app as a test drives it: MainActivity and PosService under Robolectric, the real core
 * underneath (the emulator flavor: in-process acquirer simulator, simulated reader and printer).
 */
class AppRig(
    /** The key vault; a rig after another on the same data directory (a restart) passes the first's. */
    val vault: SoftwareKeyVault = SoftwareKeyVault(),
    /**
     * Provisions the terminal before the app starts (the demo terminal on the in-process
     * simulator), as after a first run: the app opens straight to the sign-in. False: a fresh
     * install, the first-run screen ([provisionThroughScreen]).
     */
    provisioned: Boolean = true,
) : AutoCloseable {
    val app: Application = RuntimeEnvironment.getApplication()
    /** The terminal's directory, as the service opens it. */
    val dataDir: File get() = File(app.filesDir, "pos")
    /** The activities launched, the one on top last. */
    private val stack = ArrayDeque<ActivityController<out Activity>>()
    /** The service, once [runStartedService] ran it. */
    var service: ServiceController<PosService>? = null
        private set

    init {
        RuntimeEnvironment.setQualifiers(PHONE)
        PosService.vaultFactory = { vault }
        if (provisioned && provisioningInfo(dataDir.apply { mkdirs() }.path, vault) == null) {
            // The host is the in-process simulator's of each run (Flavor.localAcquirer adjusts it).
            installDemoProvisioning(dataDir.path, IN_PROCESS_HOST, null, false, vault)
            // A test that provisions its own host afterwards (SignInTest) is not the in-process one.
            Flavor.useInProcessAcquirer(dataDir, IN_PROCESS_HOST)
        }
    }

    /** The activity on top (the one taps and screenshots go to). */
    val activity: Activity get() = stack.lastOrNull()?.get() ?: error("no activity launched")

    /** Grants what [Permissions] requires (and the optional notifications). */
    fun grantPermissions() {
        shadowOf(app).grantPermissions(*(Permissions.required(35) + Permissions.optional(35)).toTypedArray())
    }

    /** Launches MainActivity (created, started, resumed, visible). */
    fun launch(): Activity {
        stack.addLast(Robolectric.buildActivity(MainActivity::class.java).setup())
        idle()
        return activity
    }

    /** Opens the activity the top one just started (it goes to the background meanwhile). */
    fun openStarted(): Activity {
        val intent = shadowOf(activity).nextStartedActivity ?: die("no activity was started")
        @Suppress("UNCHECKED_CAST")
        val cls = Class.forName(intent.component!!.className) as Class<Activity>
        val below = stack.last()
        below.pause()
        stack.addLast(Robolectric.buildActivity(cls, intent).setup())
        below.stop()
        idle()
        return activity
    }

    /** The top activity finished (its back button): the one below comes back. */
    fun closeTop() {
        assertTrue("the top activity did not finish", activity.isFinishing)
        val top = stack.removeLast()
        top.pause()
        stack.last().restart().start().resume()
        top.stop().destroy()
        idle()
    }

    /** Creates the service the activity asked to start (Robolectric records the start; this runs it). */
    fun runStartedService() {
        val intent = shadowOf(app).nextStartedService ?: die("the activity started no service")
        assertTrue(intent.component?.className == PosService::class.java.name)
        service = Robolectric.buildService(PosService::class.java, intent).create().startCommand(0, 1)
    }

    /** Launch with the permissions granted, run the service, wait for the keypad (signed in). */
    fun ready(): Activity {
        grantPermissions()
        launch()
        runStartedService()
        waitFor("the keypad (terminal open and signed in)") { view("key_1") != null }
        return activity
    }

    /** The open session. */
    val session: Session get() = PosHub.session ?: error("the terminal is not open")

    /** The emulator's simulated reader and printer. */
    val devices: SimulatedLocalDevices get() = session.local as SimulatedLocalDevices

    fun idle() = shadowOf(Looper.getMainLooper()).idle()

    /** Runs the main looper until [cond] holds (the core answers on its own threads), at most [ms]. */
    fun waitFor(what: String, ms: Long = 30_000, cond: () -> Boolean) {
        val end = System.currentTimeMillis() + ms
        while (System.currentTimeMillis() < end) {
            idle()
            if (cond()) return
            Thread.sleep(20)
        }
        die("timed out after $ms ms waiting for $what; the screen shows: ${texts()}")
    }

    /** Waits for the view tagged [tag]. */
    fun waitForTag(tag: String, ms: Long = 30_000): View {
        waitFor("the view tagged $tag", ms) { view(tag) != null }
        return view(tag)!!
    }

    fun view(tag: String): View? = activity.window.decorView.findViewWithTag(tag)

    fun text(tag: String): String = (view(tag) as? TextView)?.text?.toString() ?: die("no text tagged $tag in ${texts()}")

    /** Taps the view tagged [tag] (waiting for it to be drawn: screens follow the service's state). */
    fun click(tag: String) {
        val v = waitForTag(tag, 10_000)
        assertTrue("$tag is not clickable", v.performClick())
        idle()
    }

    /** Every text on the screen, in tree order. */
    fun texts(root: View = activity.window.decorView): List<String> {
        val out = mutableListOf<String>()
        fun walk(v: View) {
            if (v is TextView) out += v.text.toString()
            if (v is ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
        }
        walk(root)
        return out
    }

    /** Switches the language with the top bar's button until it is [lang]. */
    fun language(lang: Lang) {
        if (Language.get(app) != lang) click("lang")
        check(Language.get(app) == lang)
    }

    /** Resizes (or rotates) the screen: the activity is recreated, the sale stays in the service. */
    fun resize(qualifiers: String) {
        RuntimeEnvironment.setQualifiers(qualifiers)
        val c = stack.last()
        c.configurationChange(Configuration(app.resources.configuration))
        // The recreated activity's window is attached on the next layout pass.
        if (c.get().window.decorView.width == 0) c.visible()
        idle()
    }

    /**
     * Screenshots of the current screen in Chinese and English at phone and tablet size:
     * `target/screens/<name>-<zh|en>-<phone|tablet>.png`. Each is checked: not blank, and
     * every [expect] text present in the view tree in that language.
     */
    fun shoot(name: String, vararg expect: Text) {
        val before = Language.get(app)
        for (lang in listOf(Lang.ZH, Lang.EN)) {
            language(lang)
            for ((size, q) in listOf("phone" to PHONE, "tablet" to TABLET)) {
                resize(q)
                waitFor("$name in $lang at $size") { expect.all { e -> texts().any { it.contains(e.pick(lang)) } } }
                save(activity.window.decorView, "$name-${lang.name.lowercase()}-$size")
            }
        }
        resize(PHONE)
        language(before)
    }

    /** Waits until the view tagged [tag] shows [expected]. */
    fun expectText(tag: String, expected: String) {
        waitFor("$tag to show $expected") { (view(tag) as? TextView)?.text?.toString() == expected }
    }

    /** Draws [root] to a PNG under target/screens after checking it is not blank and shows no card number. */
    fun save(root: View, file: String) {
        idle() // lay out what was just set
        assertNoCardNumber(root, file)
        assertTrue("$file: the window is not laid out", root.width > 0 && root.height > 0)
        val bmp = Bitmap.createBitmap(root.width, root.height, Bitmap.Config.ARGB_8888)
        root.draw(Canvas(bmp))
        assertNotBlank(bmp, file)
        val dir = File(System.getProperty("pos.screens") ?: "target/screens").apply { mkdirs() }
        FileOutputStream(File(dir, "$file.png")).use { bmp.compress(Bitmap.CompressFormat.PNG, 100, it) }
    }

    override fun close() {
        while (stack.isNotEmpty()) stack.removeLast().let { runCatching { it.pause().stop().destroy() } }
        service?.destroy()
        idle()
        RuntimeEnvironment.setQualifiers(PHONE)
    }

    companion object {
        /** The host the pre-provisioned terminal names (the in-process simulator's address replaces it each run). */
        const val IN_PROCESS_HOST = "127.0.0.1:8583"

        /** Not blank: several colors, and a real share of the pixels off the background. */
        fun assertNotBlank(bmp: Bitmap, what: String) {
            val bg = bmp.getPixel(bmp.width - 1, bmp.height - 1)
            val colors = HashSet<Int>()
            var off = 0
            var n = 0
            for (y in 0 until bmp.height step 4) for (x in 0 until bmp.width step 4) {
                val p = bmp.getPixel(x, y)
                colors += p
                if (p != bg) off++
                n++
            }
            assertTrue("$what is blank: ${colors.size} colors", colors.size >= 8)
            assertTrue("$what is nearly blank: $off of $n pixels drawn", off * 100 >= n)
        }

        /** No text on the screen carries a whole card number (a Luhn-valid run of 13-19 digits). */
        fun assertNoCardNumber(root: View, what: String) {
            fun luhn(d: String): Boolean = d.reversed().mapIndexed { i, c ->
                val n = c - '0'
                if (i % 2 == 1) (n * 2).let { if (it > 9) it - 9 else it } else n
            }.sum() % 10 == 0
            fun walk(v: View) {
                // The unlock challenge is hex the help desk reads back, not card data.
                if (v is TextView && v.tag != "challenge") {
                    for (m in Regex("[0-9]{13,19}").findAll(v.text)) {
                        assertTrue("$what shows a card number: ${v.text}", !luhn(m.value))
                    }
                }
                if (v is ViewGroup) for (i in 0 until v.childCount) walk(v.getChildAt(i))
            }
            walk(root)
        }

        /** Chinese characters in [s]. */
        fun hasHan(s: String) = s.any { it in '\u4e00'..'\u9fff' }
    }
}
