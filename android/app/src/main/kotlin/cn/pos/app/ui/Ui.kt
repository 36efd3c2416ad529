package cn.pos.app.ui

import android.content.Context
import android.content.SharedPreferences
import android.graphics.Color
import android.graphics.Typeface
import android.graphics.drawable.GradientDrawable
import android.view.Gravity
import android.view.View
import android.view.ViewGroup
import android.text.InputType
import android.widget.Button
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text

/** The operator's language, kept across screens and restarts (SharedPreferences `ui`). */
object Language {
    private fun prefs(context: Context): SharedPreferences =
        context.applicationContext.getSharedPreferences("ui", Context.MODE_PRIVATE)

    /** The language in force (Chinese until switched). */
    fun get(context: Context): Lang =
        if (prefs(context).getString("lang", "zh") == "en") Lang.EN else Lang.ZH

    /** Switches between Chinese and English; returns the new language. */
    fun toggle(context: Context): Lang {
        val next = if (get(context) == Lang.ZH) Lang.EN else Lang.ZH
        prefs(context).edit().putString("lang", if (next == Lang.EN) "en" else "zh").apply()
        return next
    }
}

/** The operator's switches, kept across screens and restarts (SharedPreferences `ui`). */
object Switches {
    private fun prefs(context: Context): SharedPreferences =
        context.applicationContext.getSharedPreferences("ui", Context.MODE_PRIVATE)

    /** The voice speaks each result (on until switched off). */
    fun voice(context: Context): Boolean = prefs(context).getBoolean("voice", true)

    fun setVoice(context: Context, on: Boolean) = prefs(context).edit().putBoolean("voice", on).apply()

    /** Payments are approved offline even where the host could be reached (off until switched on). */
    fun forceOffline(context: Context): Boolean = prefs(context).getBoolean("force_offline", false)

    fun setForceOffline(context: Context, on: Boolean) = prefs(context).edit().putBoolean("force_offline", on).apply()
}

/**
 * The one small view helper: framework views built in code, every label picked from a [Text]
 * in the operator's [lang]. Views that tests and the activities find again carry a tag.
 */
class Ui(val context: Context, val lang: Lang) {
    private val density = context.resources.displayMetrics.density

    /** Density-independent pixels to pixels. */
    fun dp(v: Int): Int = (v * density + 0.5f).toInt()

    /** [t] in the operator's language. */
    fun pick(t: Text): String = t.pick(lang)

    /** The screen: a scrolling column on a white page, centered and at most 560dp wide on a tablet. */
    fun page(vararg children: View?): View {
        val column = column(*children).apply { setPadding(dp(16), dp(12), dp(16), dp(16)) }
        val wide = context.resources.configuration.screenWidthDp > 600
        val centered = LinearLayout(context).apply {
            orientation = LinearLayout.VERTICAL
            gravity = Gravity.CENTER_HORIZONTAL
            addView(column, LinearLayout.LayoutParams(if (wide) dp(560) else ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT))
        }
        return ScrollView(context).apply {
            setBackgroundColor(Color.WHITE)
            isFillViewport = true
            addView(centered, ViewGroup.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT))
        }
    }

    /** Scrolls [page] (from [page]) so that the view tagged [tag] is at the top, once laid out. */
    fun scrollToTag(page: View, tag: String) {
        val scroll = page as? ScrollView ?: return
        scroll.post {
            var v: View? = scroll.findViewWithTag(tag) ?: return@post
            var y = 0
            while (v != null && v !== scroll) {
                y += v.top
                v = v.parent as? View
            }
            scroll.scrollTo(0, y)
        }
    }

    fun column(vararg children: View?): LinearLayout = LinearLayout(context).apply {
        orientation = LinearLayout.VERTICAL
        children.filterNotNull().forEach { addView(it, LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT).apply { topMargin = dp(6) }) }
    }

    /** Children side by side, sharing the width ([weights]: each child's share, equal by default). */
    fun row(vararg children: View?, weights: List<Float>? = null): LinearLayout = LinearLayout(context).apply {
        orientation = LinearLayout.HORIZONTAL
        isBaselineAligned = false
        gravity = Gravity.CENTER_VERTICAL
        children.forEachIndexed { i, child ->
            if (child == null) return@forEachIndexed
            val w = weights?.getOrNull(i) ?: 1f
            addView(child, LinearLayout.LayoutParams(0, ViewGroup.LayoutParams.WRAP_CONTENT, w).apply { marginStart = dp(3); marginEnd = dp(3) })
        }
    }

    /** A line of text as it is (an amount, a masked card number). */
    fun raw(s: String, size: Float = 16f, tag: String? = null, bold: Boolean = false, color: Int = INK, center: Boolean = false): TextView =
        TextView(context).apply {
            text = s
            textSize = size
            setTextColor(color)
            if (bold) typeface = Typeface.DEFAULT_BOLD
            if (center) gravity = Gravity.CENTER_HORIZONTAL
            this.tag = tag
        }

    fun label(t: Text, size: Float = 16f, tag: String? = null, bold: Boolean = false, color: Int = INK, center: Boolean = false): TextView =
        raw(pick(t), size, tag, bold, color, center)

    fun title(t: Text, tag: String? = null, color: Int = INK): TextView = label(t, 22f, tag, bold = true, color = color)

    /** A secondary screen's header: back, the language switch (then [redraw]), and its title. */
    fun subpageHeader(title: Text, titleTag: String, back: () -> Unit, redraw: () -> Unit): LinearLayout = column(
        row(
            button(Words.back, "back") { back() },
            button(Words.switchLanguage, "lang") {
                Language.toggle(context)
                redraw()
            },
        ),
        title(title, tag = titleTag),
    )

    /** A slip as it prints (monospaced text on a paper-colored strip). */
    fun slip(text: String, tag: String): TextView = TextView(context).apply {
        this.text = text.trimEnd()
        textSize = 11f
        typeface = Typeface.MONOSPACE
        setTextColor(INK)
        setBackgroundColor(PAPER)
        setPadding(dp(10), dp(10), dp(10), dp(10))
        this.tag = tag
    }

    /** "label: value" (voucher, auth code). */
    fun field(name: Text, value: String, tag: String): TextView = raw(pick(name) + (if (lang == Lang.ZH) "：" else ": ") + value, 16f, tag)

    /** A digits-only input field. */
    fun digitsInput(hint: Text, tag: String): EditText = EditText(context).apply {
        this.hint = pick(hint)
        inputType = InputType.TYPE_CLASS_NUMBER
        textSize = 20f
        setTextColor(INK)
        setHintTextColor(MUTED)
        this.tag = tag
    }

    /** A smaller button (the top bar's menu). */
    fun smallButton(t: Text, tag: String, onClick: () -> Unit): Button = button(t, tag, onClick = onClick).apply {
        textSize = 14f
        minHeight = dp(40)
        setPadding(dp(4), 0, dp(4), 0)
    }

    /** A text input field (a reference number, an auth code). */
    fun textInput(hint: Text, tag: String): EditText = digitsInput(hint, tag).apply {
        inputType = InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_CAP_CHARACTERS
        textSize = 18f
    }

    /** A button; [primary] is the colored one. */
    fun button(t: Text, tag: String, primary: Boolean = false, onClick: () -> Unit): Button = rawButton(pick(t), tag, primary, onClick)

    fun rawButton(s: String, tag: String, primary: Boolean = false, onClick: () -> Unit): Button = Button(context).apply {
        text = s
        setAllCaps(false)
        textSize = 18f
        this.tag = tag
        minHeight = dp(52)
        setTextColor(if (primary) Color.WHITE else INK)
        background = GradientDrawable().apply {
            cornerRadius = dp(8).toFloat()
            setColor(if (primary) BRAND else KEY)
        }
        setOnClickListener { onClick() }
    }

    companion object {
        val INK = Color.rgb(0x21, 0x21, 0x21)
        val MUTED = Color.rgb(0x61, 0x61, 0x61)
        val BRAND = Color.rgb(0xC6, 0x28, 0x28)
        val GOOD = Color.rgb(0x2E, 0x7D, 0x32)
        val BAD = Color.rgb(0xC6, 0x28, 0x28)
        /** A warning awaiting the operator (amber): not a failure. */
        val WARN = Color.rgb(0xB8, 0x6E, 0x00)
        val KEY = Color.rgb(0xEE, 0xEE, 0xEE)
        val BAR = Color.rgb(0xF5, 0xF5, 0xF5)
        val PAPER = Color.rgb(0xFF, 0xFB, 0xEE)
    }
}
