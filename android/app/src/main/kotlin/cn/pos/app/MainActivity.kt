package cn.pos.app

import android.app.Activity
import android.content.ComponentName
import android.content.Context
import android.content.Intent
import android.content.ServiceConnection
import android.os.Bundle
import android.os.IBinder
import android.view.Gravity
import android.widget.Button
import android.widget.GridLayout
import android.widget.LinearLayout
import android.widget.TextView
import cn.pos.shell.checkout.CheckoutMachine
import cn.pos.shell.checkout.CheckoutState
import cn.pos.shell.i18n.Lang
import cn.pos.shell.i18n.Text
import cn.pos.shell.money.formatMinor
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

/**
 * The checkout screen: a keypad and one status area that renders [CheckoutState]. All the
 * logic is in the plain-Kotlin [CheckoutMachine]; this class only draws it and forwards taps.
 */
class MainActivity : Activity() {
    private val ui = CoroutineScope(SupervisorJob() + Dispatchers.Main)
    private var machine: CheckoutMachine? = null
    private var render: Job? = null
    private var lang = Lang.ZH
    private lateinit var status: TextView
    private lateinit var amount: TextView
    private lateinit var syncLine: TextView

    private val connection = object : ServiceConnection {
        override fun onServiceConnected(name: ComponentName?, binder: IBinder?) {
            val service = (binder as PosService.Local).service
            ui.launch { attach(service) }
        }

        override fun onServiceDisconnected(name: ComponentName?) {
            machine?.close()
            machine = null
        }
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContentView(layout())
        startForegroundService(Intent(this, PosService::class.java))
        bindService(Intent(this, PosService::class.java), connection, Context.BIND_AUTO_CREATE)
    }

    private suspend fun attach(service: PosService) {
        // The service opens the terminal in the background; wait for it (or for why not).
        while (service.terminal == null && service.problem == null) delay(100)
        service.problem?.let { status.text = it.pick(lang) }
        val t = service.terminal ?: return
        service.notice?.let { status.text = it.pick(lang) }
        val m = CheckoutMachine(t, service.scope, printer = { service.printer })
        m.attach(t.reader())
        machine = m
        render = ui.launch { m.state.collect { show(it) } }
        service.syncStatus?.let { s -> ui.launch { s.state.collect { syncLine.text = it.line.pick(lang) } } }
    }

    private fun show(s: CheckoutState) {
        val (a, text) = when (s) {
            is CheckoutState.AmountEntry -> s.amountMinor to (s.error ?: Text("请输入金额", "Enter the amount"))
            is CheckoutState.WaitingForCard -> s.amountMinor to s.prompt
            is CheckoutState.PinEntry -> s.amountMinor to Text("请持卡人输入密码 " + "*".repeat(s.digits), "Cardholder: enter PIN " + "*".repeat(s.digits))
            is CheckoutState.Processing -> s.amountMinor to Text("处理中，请稍候…", "Processing, please wait…")
            is CheckoutState.Result -> (s.outcome.amount?.minor ?: 0L) to s.message
            is CheckoutState.Printing -> (s.outcome.amount?.minor ?: 0L) to Text("正在打印签购单…", "Printing the slip…")
            is CheckoutState.ReceiptFailed -> (s.outcome.amount?.minor ?: 0L) to s.error
            is CheckoutState.Done -> (s.outcome.amount?.minor ?: 0L) to (s.note ?: Text("交易完成", "Done"))
            is CheckoutState.Failed -> s.amountMinor to s.error
            is CheckoutState.Locked -> 0L to s.reason
        }
        amount.text = "¥" + formatMinor(a)
        status.text = text.pick(lang)
    }

    private fun layout(): LinearLayout {
        val root = LinearLayout(this).apply { orientation = LinearLayout.VERTICAL; setPadding(32, 32, 32, 32) }
        syncLine = TextView(this)
        amount = TextView(this).apply { textSize = 40f; gravity = Gravity.END }
        status = TextView(this).apply { textSize = 18f }
        root.addView(syncLine)
        root.addView(amount)
        root.addView(status)
        val keys = GridLayout(this).apply { columnCount = 3 }
        for (label in listOf("1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "0", "⌫")) {
            keys.addView(Button(this).apply {
                text = label
                setOnClickListener {
                    val m = machine ?: return@setOnClickListener
                    when (label) {
                        "00" -> m.doubleZero()
                        "⌫" -> m.backspace()
                        else -> m.digit(label.toInt())
                    }
                }
            })
        }
        root.addView(keys)
        val actions = LinearLayout(this).apply { orientation = LinearLayout.HORIZONTAL }
        fun action(zh: String, en: String, f: (CheckoutMachine) -> Unit) = actions.addView(Button(this).apply {
            text = if (lang == Lang.ZH) zh else en
            setOnClickListener { machine?.let(f) }
        })
        action("确认", "OK") { it.confirm() }
        action("取消", "Cancel") { it.cancel() }
        action("打印", "Print") { it.printReceipt() }
        action("不打印", "No slip") { it.skipReceipt() }
        action("撤销交易", "Cancel payment") { it.cancelPayment() }
        action("下一笔", "Next") { it.next() }
        action("中/EN", "中/EN") { lang = if (lang == Lang.ZH) Lang.EN else Lang.ZH; it.state.value.let(::show) }
        root.addView(actions)
        return root
    }

    override fun onDestroy() {
        render?.cancel()
        machine?.close()
        unbindService(connection)
        ui.cancel()
        super.onDestroy()
    }
}
