package cn.pos.app

import android.graphics.Bitmap
import android.graphics.Color
import android.widget.LinearLayout
import android.widget.TextView
import org.junit.Assert.assertThrows
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode

/** The checks every screenshot goes through can fail: a card number on screen, a blank bitmap. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [35], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class ScreenChecksTest {
    @Test
    fun `a whole card number on screen fails, the masked one passes`() {
        val context = RuntimeEnvironment.getApplication()
        val root = LinearLayout(context).apply { addView(TextView(context).apply { text = "卡号：622848*********0018  参考号 000000000002" }) }
        AppRig.assertNoCardNumber(root, "masked")
        root.addView(TextView(context).apply { text = "Card: 6228480402564890018" })
        assertThrows(AssertionError::class.java) { AppRig.assertNoCardNumber(root, "clear") }
    }

    @Test
    fun `a blank bitmap fails`() {
        val blank = Bitmap.createBitmap(100, 100, Bitmap.Config.ARGB_8888).apply { eraseColor(Color.WHITE) }
        assertThrows(AssertionError::class.java) { AppRig.assertNotBlank(blank, "blank") }
    }
}
