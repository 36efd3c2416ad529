package cn.pos.app.ui

import cn.pos.shell.i18n.Text

/**
 * Every word the app itself shows, in Chinese and English, in one table. What the core or the
 * shell words (a response's reason and next step, an error, the card prompt) comes with their
 * [Text] and is shown as it is, never translated again here.
 *
 * Why a Kotlin table and not Android string resources: the test command has no aapt2 (no
 * Android SDK on the build machines), so resources could not be compiled for Robolectric; the
 * app builds its views in code ([Ui]) and picks from this table by the operator's language.
 */
object Words {
    val appName = Text("收款 POS", "POS")
    val switchLanguage = Text("English", "中文")
    val testPanel = Text("测试面板", "Test panel")

    // Permissions
    val permissionsTitle = Text("需要权限", "Permissions needed")
    val permissionsWhy = Text(
        "收款服务要连接蓝牙读卡器和打印机：请允许「附近的设备」（Android 8–11 为位置信息，系统据此允许蓝牙扫描）。通知权限用于显示收款服务正在运行，可不授予。",
        "The payment service connects to the Bluetooth card reader and printer: allow \"Nearby devices\" (on Android 8–11 the location permission, which Bluetooth scanning needs). Notifications show that the service is running; they are optional.",
    )
    val grant = Text("授予权限", "Grant permissions")
    val permissionsDenied = Text(
        "未授予蓝牙权限，无法收款。请点「打开设置」，在「权限」中允许「附近的设备」（或位置信息），然后返回本应用。",
        "Bluetooth permission was not granted, so no payment can be taken. Tap \"Open settings\", allow \"Nearby devices\" (or location) under Permissions, then come back.",
    )
    val openSettings = Text("打开设置", "Open settings")

    // Service start and problems
    val starting = Text("正在启动收款服务…", "Starting the payment service…")
    val problemTitle = Text("无法开始收款", "Cannot take payments")
    val retry = Text("重试", "Try again")
    fun coreMissing(detail: String) = Text(
        "收款核心库无法加载：安装包不完整或不适用于本机处理器，重试无用。请卸载本应用，再从测试渠道安装适用于本机的完整版本；仍不行请联系技术支持，并告知：$detail",
        "The payment core library could not be loaded: the package is incomplete or not built for this phone's processor, so trying again will not help. Uninstall the app, then install the complete build for this phone from the testers' channel; if it still fails, call support and quote: $detail",
    )
    fun startFailed(detail: String) = Text("收款服务启动失败（$detail），请点「重试」；仍失败请重启应用。", "The payment service failed to start ($detail): tap \"Try again\"; if it still fails, restart the app.")

    // Sign-in
    val signInTitle = Text("签到", "Sign-in")
    val signingIn = Text("正在签到，获取工作密钥…", "Signing in: getting the working keys…")
    val signInFailed = Text("签到失败", "Sign-in failed")
    val signInWhatToDo = Text(
        "请检查网络后点「重新签到」；仍失败请联系收单机构。签到成功前不能收款。",
        "Check the network and tap \"Sign in again\"; if it still fails, call the acquirer. No payment can be taken until sign-in succeeds.",
    )
    val signInAgain = Text("重新签到", "Sign in again")
    val signIn = Text("签到", "Sign in")
    fun signedIn(batch: Long) = Text("已签到，批次号 ${batch.toString().padStart(6, '0')}", "Signed in, batch ${batch.toString().padStart(6, '0')}")

    // Checkout
    val enterAmount = Text("请输入金额", "Enter the amount")
    val charge = Text("收款", "Charge")
    val clear = Text("清除", "Clear")
    val cancel = Text("取消", "Cancel")
    val pinEntry = Text("请持卡人在读卡器上输入密码", "Cardholder: enter the PIN on the reader")
    val processing = Text("处理中，请稍候…", "Processing, please wait…")
    val approved = Text("交易成功", "Approved")
    val approvedOffline = Text("离线批准，联网后自动上送", "Approved offline: uploaded when the network is back")
    val declined = Text("交易失败", "Declined")
    val card = Text("卡号", "Card")
    val voucher = Text("凭证号", "Voucher")
    val authCode = Text("授权码", "Auth code")
    val reference = Text("参考号", "Reference")
    val print = Text("打印签购单", "Print slip")
    val printAgain = Text("重新打印", "Print again")
    val noSlip = Text("不打印", "No slip")
    val cancelAndReverse = Text("取消交易并冲正", "Cancel and reverse")
    val printing = Text("正在打印签购单…", "Printing the slip…")
    val slipFailed = Text("签购单未打印", "The slip did not print")
    val slipFailedWhatToDo = Text(
        "装好纸或合上打印机盖后点「重新打印」；顾客不要签购单可点「不打印」；否则「取消交易并冲正」，持卡人不会被扣款。",
        "Load paper or close the cover, then \"Print again\"; if the customer needs no slip, \"No slip\"; otherwise \"Cancel and reverse\" and the cardholder is not charged.",
    )
    val done = Text("交易完成", "Done")
    val printed = Text("签购单已打印", "Slip printed")
    val notPrinted = Text("未打印签购单", "No slip printed")
    val nextSale = Text("下一笔", "Next sale")
    val retryPin = Text("重新输入密码", "Enter the PIN again")
    val confirmRisk = Text("已核实，继续收款", "Checked: continue")
    val riskWarning = Text("风险提示", "Risk warning")
    val riskWhatToDo = Text(
        "尚未扣款。请核实持卡人及卡片后点「已核实，继续收款」；有疑问请点「下一笔」，不会扣款。",
        "Nothing charged yet. Check the cardholder and the card, then \"Checked: continue\"; in doubt, \"Next sale\" and nothing is charged.",
    )
    val locked = Text("读卡器已锁定", "Reader locked")
    val lockedWhatToDo = Text("请联系收单机构客服解锁，解锁后需重新签到。", "Call the acquirer's help desk to unlock it; sign in again afterwards.")
    val requestChallenge = Text("获取挑战码", "Get a challenge")
    fun challenge(c: String) = Text("挑战码：$c", "Challenge: $c")
    val unlockHint = Text("请将挑战码读给收单机构客服，输入其提供的解锁码（每个挑战码只能试一次）。", "Read the challenge to the acquirer's help desk and type the unlock code they give (one try per challenge).")
    val unlockCode = Text("解锁码", "Unlock code")
    val unlock = Text("解锁", "Unlock")
    val notCharged = Text("未扣款", "Nothing was charged")
    val reversalDue = Text("若已扣款，系统会自动冲正", "If the card was charged, it is reversed automatically")

    // History
    val history = Text("交易查询", "History")
    val all = Text("全部", "All")
    val approvedOnly = Text("成功", "Approved")
    val problems = Text("异常", "Problems")
    val previous = Text("上一页", "Previous")
    val next = Text("下一页", "Next")
    val reprint = Text("重打印", "Reprint")
    val void = Text("撤销", "Void")
    val noTransactions = Text("没有交易记录", "No transactions")
    fun voiding(voucher: String) = Text("正在撤销凭证号 $voucher 的消费…", "Voiding voucher $voucher…")
    val voidApproved = Text("撤销成功：请打印撤销签购单", "Void approved: print its slip")
    val noPrinter = Text("未连接打印机，请连接后重打印", "No printer connected: connect one and print again")
    val ok = Text("知道了", "OK")

    // Offline queue
    val queue = Text("离线队列", "Offline queue")
    val syncNow = Text("立即上送", "Sync now")
    val syncing = Text("正在上送…", "Uploading…")
    fun waiting(count: Int, amount: String) = Text("待上送 $count 笔，共 $amount", "$count waiting, $amount in all")
    fun reversalsDue(count: Int) = Text("待冲正 $count 笔（自动重发）", "$count reversal(s) due (resent automatically)")
    val nothingWaiting = Text("没有待上送的离线交易", "No offline payment waiting")
    val attention = Text("需要处理", "Needs attention")
    val acknowledge = Text("已告知顾客", "Customer told")
    fun attempts(n: Long) = Text("已尝试 $n 次", "$n attempt(s)")
    val lastSync = Text("上次上送", "Last sync")

    // Other transactions (更多交易)
    val moreTxns = Text("更多交易", "Transactions")
    val moreShort = Text("更多交易", "More")
    val settleShort = Text("结算", "Settle")
    val moreTxnsHint = Text("选择交易类型；需要原交易时输入其凭证号，或参考号/授权码和交易日期。", "Choose a transaction; for one that refers to an earlier one, give its voucher, or its reference or auth code and date.")
    val originalVoucher = Text("原凭证号", "Original voucher")
    val originalRrn = Text("原参考号（其他终端或日期的交易）", "Original reference (another terminal or day)")
    val originalAuth = Text("原授权码", "Original auth code")
    val originalDate = Text("原交易日期（月日 MMDD）", "Original date (MMDD)")
    val payeeAccount = Text("收款账号（6–28 位数字）", "Payee account (6–28 digits)")
    val continueOp = Text("继续", "Continue")
    val enterReference = Text("请输入原凭证号，或参考号/授权码和交易日期", "Enter the original voucher, or its reference or auth code and date")
    val enterPayee = Text("请输入收款账号", "Enter the payee account")
    val finishCurrent = Text("请先完成当前交易，再选择其他交易", "Finish the transaction in progress first")
    val confirmAmount = Text("确认", "Confirm")
    val backToSale = Text("返回消费", "Back to sale")
    fun original(voucher: String) = Text("原凭证号 $voucher", "original voucher $voucher")
    fun originalHost(rrn: String, date: String) = Text("原参考号 $rrn（$date）", "original reference $rrn ($date)")
    fun originalAuthOf(code: String, date: String) = Text("原授权码 $code（$date）", "original auth code $code ($date)")
    fun payee(account: String) = Text("收款账号 $account", "payee account $account")
    val balance = Text("余额", "Balance")
    val balanceDone = Text("完成", "Done")
    val refund = Text("退货", "Refund")
    val complete = Text("完成", "Complete")
    val cancelPreAuth = Text("撤销", "Cancel")
    val slipPreview = Text("预览签购单", "Preview the slip")
    val hidePreview = Text("收起签购单", "Hide the slip")

    // Settlement and day end
    val settlement = Text("结算", "Settlement")
    val settleNow = Text("开始结算", "Settle now")
    val settleResume = Text("继续上送批次（上次中断）", "Continue the batch upload (interrupted)")
    val settleHint = Text("结算前会先上送离线交易和待冲正交易，然后与主机对账；对账不平时上送本批次明细。", "Settling first sends stored offline payments and due reversals, then compares the totals with the host; when they differ, the batch is uploaded.")
    val settling = Text("正在结算…", "Settling…")
    fun uploading(acked: Int, total: Int) = Text("正在上送批次明细：$acked/$total", "Uploading the batch: $acked of $total")
    val settled = Text("结算完成", "Settled")
    val settleFailed = Text("结算未完成", "Not settled")
    val settleAgain = Text("重新结算", "Settle again")
    fun batches(batch: Long, next: Long) = Text("批次号 ${batch.toString().padStart(6, '0')} 已结算，新批次 ${next.toString().padStart(6, '0')}", "Batch ${batch.toString().padStart(6, '0')} settled, new batch ${next.toString().padStart(6, '0')}")
    fun debits(count: Int, amount: String) = Text("借记 $count 笔 $amount", "Debits: $count, $amount")
    fun credits(count: Int, amount: String) = Text("贷记 $count 笔 $amount", "Credits: $count, $amount")
    val printSettlementSlip = Text("打印结算单", "Print the settlement slip")
    val settlementSlipPrinted = Text("结算单已打印", "Settlement slip printed")
    val dayEnd = Text("签退", "Day end")
    val dayEndHint = Text("签退前须结算本批次并上送所有交易；更换设备会签退并允许在新手机上签到。", "Before sign-off the batch must be settled and everything sent; switching device signs off so the terminal can sign in on the new phone.")
    val nothingBlocks = Text("可以签退：本批次已结算，没有待上送的交易", "Ready to sign off: the batch is settled and nothing waits")
    val signOff = Text("签退", "Sign off")
    val switchDevice = Text("更换设备", "Switch device")
    val settleFirst = Text("先结算再继续", "Settle first, then continue")
    val signedOff = Text("已签退", "Signed off")
    val signedOffHint = Text("终端已签退，签到后才能再收款。", "The terminal is signed off: sign in before the next payment.")
    val working = Text("处理中…", "Working…")

    // Settings
    val settings = Text("设置", "Settings")
    val language = Text("语言", "Language")
    val languageNow = Text("当前：中文", "Now: English")
    val voice = Text("语音播报", "Voice")
    val voiceOn = Text("语音播报：开（点击关闭）", "Voice: on (tap to turn off)")
    val voiceOff = Text("语音播报：关（点击开启）", "Voice: off (tap to turn on)")
    val identity = Text("终端信息", "Terminal")
    val tid = Text("终端号", "Terminal ID")
    val mid = Text("商户号", "Merchant ID")
    val merchant = Text("商户名称", "Merchant")
    val host = Text("收单主机", "Acquirer host")
    val link = Text("链路", "Link")
    val parameters = Text("终端参数", "Terminal parameters")
    val noParameters = Text("尚未下载终端参数：使用开通时的设置", "No terminal parameters downloaded: the provisioned settings apply")
    fun paramVersion(v: Long, at: String) = Text("版本 $v，应用于 $at", "Version $v, applied $at")
    fun paramTimeout(s: Long) = Text("应答超时 $s 秒", "Answer timeout $s s")
    fun paramRetries(n: Long) = Text("冲正重发 $n 次", "Reversal tries: $n")
    fun paramOffline(on: Boolean, per: String, total: String, count: Long) =
        if (on) Text("离线：开，单笔 $per，合计 $total，最多 $count 笔", "Offline: on, $per each, $total in all, at most $count") else Text("离线：关", "Offline: off")
    fun paramHeader(lines: String) = Text("签购单抬头：$lines", "Slip header: $lines")
    val paramRisk = Text("含风控策略", "Includes a risk policy")
    val downloadManagement = Text("从收单机构下载参数、公钥与黑名单", "Download parameters, keys and blacklist from the acquirer")
    val downloading = Text("正在下载…", "Downloading…")
    fun downloaded(version: Long, keys: Long, aids: Long, listed: Long) =
        Text("已下载：参数版本 $version，IC卡公钥 $keys 项，IC卡参数 $aids 项，黑名单 $listed 项；参数下次启动时生效",
            "Downloaded: parameters version $version, $keys CA public keys, $aids IC applications, $listed blacklist entries; the parameters apply at the next start")

    // Offline queue: force offline
    val forceOfflineOn = Text("强制离线：开（收款不联机，点击关闭）", "Force offline: on (payments stay offline; tap to turn off)")
    val forceOfflineOff = Text("强制离线：关（点击开启）", "Force offline: off (tap to turn on)")
    val forceOfflineHint = Text("信号差时可强制离线收款（在离线限额内），联网后自动上送。", "Where the signal is poor, payments can be approved offline (within the offline limits) and are uploaded when the network is back.")

    // Voice (what is spoken)
    fun spokenApproved(kind: Text, amount: String) = Text("${kind.zh}成功 $amount 元", "${kind.en} approved, $amount yuan")
    val spokenReceived = Text("收款成功", "Payment received")
    fun spokenBalance(amount: String) = Text("余额 $amount 元", "Balance $amount yuan")
    fun spokenDeclined(reason: Text) = Text("交易失败，${reason.zh}", "Declined. ${reason.en}")

    // Emulator test panel
    val testPanelTitle = Text("测试面板（模拟读卡器）", "Test panel (simulated reader)")
    val present = Text("出示", "Present")
    val removeCard = Text("移走卡片", "Remove the card")
    val noCardPresented = Text("读卡器上没有卡", "No card on the reader")
    fun presented(id: String, masked: String) = Text("读卡器上的卡：$id $masked", "Card on the reader: $id $masked")
    val back = Text("返回", "Back")
    val tamper = Text("触发防拆开关", "Trigger the tamper switch")
    val paperOut = Text("打印机缺纸", "Printer out of paper")
    val paperIn = Text("装入打印纸", "Load paper")
    val paperIsOut = Text("打印机：缺纸", "Printer: out of paper")
    val devicesUnavailable = Text("模拟设备尚未启动，请先回到收款页面。", "The simulated devices are not running yet: go back to the checkout first.")

    // First run (开通) and pairing (配对)
    val firstRunTitle = Text("开通终端", "Set up this terminal")
    val firstRunHint = Text(
        "首次使用：请输入收单机构提供的终端号、商户号、收单主机和终端主密钥（TMK），开通后配对读卡器和打印机并签到。",
        "First use: enter the terminal ID, merchant ID, acquirer host and terminal master key (TMK) from the acquirer; then pair the reader and printer and sign in.",
    )
    val firstRunDemo = Text("模拟版：已预填演示终端，连接内置的收单模拟器。", "Emulator build: the demo terminal is filled in, on the built-in acquirer simulator.")
    val tmk = Text("终端主密钥 TMK（16/32/48 位十六进制）", "Terminal master key, TMK (16, 32 or 48 hex digits)")
    val unlockKey = Text("读卡器解锁密钥（可不填，32/64 位十六进制）", "Reader unlock key (optional, 32 or 64 hex digits)")
    val macAlgorithm = Text("MAC 算法", "MAC algorithm")
    val macX919 = Text("MAC：ANSI X9.19（点击切换）", "MAC: ANSI X9.19 (tap to switch)")
    val macEcb = Text("MAC：银联 ECB（点击切换）", "MAC: UnionPay ECB (tap to switch)")
    val provision = Text("开通", "Set up")
    val provisioning = Text("正在开通，密钥加密保存中…", "Setting up: sealing the keys…")
    val checkFileAgain = Text("已放入开通文件，重新检查", "I put the file there: check again")
    val orFile = Text("或使用收单机构的开通文件：", "Or use the acquirer's provisioning file:")
    val fixFields = Text("请改正标红的项目后再点「开通」。", "Correct the fields marked in red, then tap \"Set up\".")
    val provisionRefused = Text("开通未完成", "Not set up")
    val errTid = Text("终端号应为 8 位字母或数字（见收单机构的开通单）", "The terminal ID must be 8 letters or digits (see the acquirer's set-up sheet)")
    val errMid = Text("商户号应为 15 位字母或数字（见收单机构的开通单）", "The merchant ID must be 15 letters or digits (see the acquirer's set-up sheet)")
    val errMerchant = Text("请输入商户名称（不能含长串数字）", "Enter the merchant name (no long run of digits)")
    val errHost = Text("收单主机应为 主机:端口，例如 pos.acquirer.cn:8583", "The acquirer host must be host:port, e.g. pos.acquirer.cn:8583")
    val errTmk = Text("主密钥应为 16、32 或 48 位十六进制数字（0-9、A-F），请核对密钥单", "The master key must be 16, 32 or 48 hex digits (0-9, A-F): check the key sheet")
    val errUnlockKey = Text("解锁密钥应为 32 或 64 位十六进制数字，或不填", "The unlock key must be 32 or 64 hex digits, or left empty")

    val pairing = Text("蓝牙设备", "Bluetooth devices")
    val pairingUnavailable = Text("收款服务尚未运行：请先回到收款页面。", "The payment service is not running yet: go back to the checkout first.")
    val pairingTitle = Text("配对读卡器和打印机", "Pair the reader and printer")
    val pairingHint = Text("打开读卡器和打印机并放在手机旁，点「搜索」，再点要连接的设备。读卡器需要绑定（系统会请求配对确认）。", "Switch the reader and printer on, keep them near the phone, tap \"Scan\", then the device to connect. The reader must be bonded (the system asks to confirm the pairing).")
    val pairDevicesTitle = Text("配对设备", "Pair the devices")
    val pairAfterSetup = Text("终端已开通。下一步：配对蓝牙读卡器和打印机，然后签到。", "The terminal is set up. Next: pair the Bluetooth reader and printer, then sign in.")
    val pairDevices = Text("配对设备", "Pair devices")
    val continueToSignIn = Text("完成，去签到", "Done: sign in")
    val readerDevice = Text("读卡器", "Card reader")
    val printerDevice = Text("打印机", "Printer")
    val scan = Text("搜索", "Scan")
    val scanAgain = Text("重新搜索", "Scan again")
    val scanning = Text("正在搜索附近的设备…", "Scanning for nearby devices…")
    val noneFound = Text("没有找到设备：请确认设备已开机、在附近，然后重新搜索", "No device found: check it is on and nearby, then scan again")
    val connectDevice = Text("连接", "Connect")
    val reconnectDevice = Text("重新连接", "Reconnect")
    val unpair = Text("取消配对", "Unpair")
    val notPaired = Text("未配对", "Not paired")
    fun connectingTo(name: String) = Text("正在连接并绑定 $name…", "Connecting to and bonding $name…")
    fun connectedTo(name: String) = Text("已连接：$name（已绑定）", "Connected: $name (bonded)")
    fun reconnecting(name: String, attempt: Int) = Text("$name 连接断开，正在重连（第 $attempt 次）…", "$name dropped: reconnecting (attempt $attempt)…")
    fun signal(rssi: Int) = when {
        rssi >= -60 -> Text("信号强 $rssi dBm", "Strong signal $rssi dBm")
        rssi >= -80 -> Text("信号中 $rssi dBm", "Fair signal $rssi dBm")
        else -> Text("信号弱 $rssi dBm，请靠近", "Weak signal $rssi dBm: move closer")
    }
    fun battery(percent: Int) = if (percent < 20) Text("电量 $percent%，请尽快充电", "Battery $percent%: charge it soon") else Text("电量 $percent%", "Battery $percent%")
    val pairingFailed = Text("配对失败", "Pairing failed")
    val errScanFailed = Text(
        "蓝牙搜索失败：请关闭再打开手机蓝牙，稍等几秒后点「重新搜索」；仍失败请重启手机。",
        "The Bluetooth scan failed: switch the phone's Bluetooth off and on, wait a few seconds, then \"Scan again\"; if it still fails, restart the phone.",
    )
    val errGatt133 = Text(
        "连接失败（GATT 错误 133）：请把设备关机再开机，靠近手机后点「连接」；仍失败请关闭再打开手机蓝牙。",
        "The connection failed (GATT error 133): switch the device off and on, bring it near the phone and tap \"Connect\"; if it still fails, switch the phone's Bluetooth off and on.",
    )
    val errBondRefused = Text(
        "读卡器绑定被拒绝：密钥和密码不会发送到未绑定的读卡器。请再点「连接」，在系统弹窗中点「配对」并核对读卡器屏幕上的数字。",
        "The reader's bond was refused: no key or PIN goes to a reader that is not bonded. Tap \"Connect\" again, tap \"Pair\" in the system dialog and compare the number on the reader's screen.",
    )
    val errOutOfRange = Text(
        "设备没有响应：可能已关机或不在范围内。请打开设备、放在手机 1 米内，然后点「连接」。",
        "The device does not answer: it may be off or out of range. Switch it on, keep it within 1 m of the phone, then tap \"Connect\".",
    )
    /** The pairing manager's own errors in this vocabulary. */
    val pairingMessages get() = cn.pos.shell.devices.PairingMessages(errBluetoothOff, errOutOfRange, errScanFailed, errBondRefused)
    val errBluetoothOff = Text("蓝牙未开启或未授权：请在系统设置中打开蓝牙并允许「附近的设备」。", "Bluetooth is off or not permitted: switch it on and allow \"Nearby devices\" in the system settings.")
}
