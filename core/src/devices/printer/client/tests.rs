use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex as StdMutex;

use super::*;
use crate::devices::ble::{memory_pair, LinkError, MemoryEndpoint, MemoryFaults};
use crate::devices::printer::escpos::{Align, EscPos, GS};
use crate::devices::printer::parser::line_ends;
use crate::devices::printer::preview::render;
use crate::devices::printer::sim::{SimPrinter, SimPrinterConfig};
use crate::i18n::Bilingual;

/// Called with the job bytes written so far, after each data write.
type Hook = Box<dyn FnMut(usize) + Send>;

/// Wraps the phone's end to record every write and to run a hook after each.
struct Tap {
    inner: MemoryEndpoint,
    writes: StdMutex<Vec<Vec<u8>>>,
    data_bytes: AtomicUsize,
    hook: StdMutex<Option<Hook>>,
}

#[async_trait]
impl BleLink for Tap {
    async fn write(&self, chunk: Vec<u8>) -> Result<(), LinkError> {
        let is_query = is_query(&chunk);
        self.inner.write(chunk.clone()).await?;
        if let Ok(mut w) = self.writes.lock() {
            w.push(chunk.clone());
        }
        if !is_query {
            let n = self.data_bytes.fetch_add(chunk.len(), Ordering::SeqCst) + chunk.len();
            if let Some(h) = self.hook.lock().ok().as_mut().and_then(|h| h.as_mut()) {
                h(n);
            }
        }
        Ok(())
    }
    fn mtu(&self) -> usize {
        self.inner.mtu()
    }
    fn is_connected(&self) -> bool {
        self.inner.is_connected()
    }
    fn link_security(&self) -> crate::devices::ble::LinkSecurity {
        self.inner.link_security()
    }
}

fn is_query(chunk: &[u8]) -> bool {
    [StatusQuery::OfflineCause, StatusQuery::PaperSensor, StatusQuery::PaperAfterPrinting, StatusQuery::Printer]
        .iter()
        .any(|q| chunk == q.bytes())
}

struct Rig {
    printer: BlePrinter,
    sim: Arc<SimPrinter>,
    tap: Arc<Tap>,
}

fn fast(window: Option<usize>) -> PrinterConfig {
    PrinterConfig {
        window,
        status_timeout: Duration::from_millis(60),
        print_timeout: Duration::from_millis(150),
        ..PrinterConfig::default()
    }
}

fn rig(mtu: usize, faults: MemoryFaults, config: PrinterConfig) -> Rig {
    let ((phone, phone_rx), (dev, dev_rx)) = memory_pair(mtu, faults);
    let sim = Arc::new(SimPrinter::start(Arc::new(dev), dev_rx, SimPrinterConfig::default()));
    let tap = Arc::new(Tap {
        inner: phone,
        writes: StdMutex::default(),
        data_bytes: AtomicUsize::new(0),
        hook: StdMutex::new(None),
    });
    let printer = BlePrinter::new(tap.clone(), phone_rx, config);
    Rig { printer, sim, tap }
}

/// A slip-sized job: Chinese and ASCII, sizes, feeds and a cut; about 2.5 KiB.
fn job() -> Vec<u8> {
    job_of(60)
}

/// A slip with `lines` body lines.
fn job_of(lines: usize) -> Vec<u8> {
    let mut e = EscPos::new();
    e.init().align(Align::Center).size(2, 2).line("POS签购单").size(1, 1).align(Align::Left);
    for i in 0..lines {
        e.line(&format!("第{i:02}行 LINE {i:02} 商户存根 MERCHANT"));
    }
    e.feed(3).cut();
    e.into_bytes()
}

#[tokio::test]
async fn prints_at_every_mtu_in_chunks_that_fit() {
    let job = job();
    let expected = render(&job, 32).to_text();
    for mtu in [23, 24, 27, 50, 100, 185, 247, 251, 400, 512, 517] {
        let r = rig(mtu, MemoryFaults::default(), fast(Some(1024)));
        let report = r.printer.print(&job).await.unwrap_or_else(|e| panic!("mtu {mtu}: {e}"));
        let chunk = (mtu - 3).min(512);
        // Each window-sized piece of the job ends in a chunk of its own.
        let fewest = job.len().div_ceil(chunk);
        assert!((fewest..fewest + report.barriers).contains(&report.chunks), "mtu {mtu}: {report:?}");
        assert_eq!(report.bytes, job.len());
        assert!(report.status_after.ready());
        let writes = r.tap.writes.lock().map(|w| w.clone()).unwrap_or_default();
        assert!(writes.iter().all(|w| w.len() <= mtu - 3), "mtu {mtu}");
        let data: Vec<u8> = writes.iter().filter(|w| !is_query(w)).flatten().copied().collect();
        assert_eq!(data, job, "mtu {mtu}: the job arrives whole and in order");
        assert_eq!(r.sim.text(), expected, "mtu {mtu}");
    }
}

#[tokio::test]
async fn max_chunk_caps_writes_below_the_mtu() {
    let config = PrinterConfig { max_chunk: 20, ..fast(None) };
    let r = rig(247, MemoryFaults::default(), config);
    let job = job();
    let report = r.printer.print(&job).await.expect("printed");
    assert_eq!(report.chunks, job.len().div_ceil(20));
    assert_eq!(report.barriers, 0, "no window: no GS r");
    assert_eq!(r.sim.text(), render(&job, 32).to_text());
}

#[tokio::test]
async fn window_bounds_the_bytes_the_printer_holds() {
    let window = 300;
    let r = rig(185, MemoryFaults::default(), fast(Some(window)));
    let job = job();
    let report = r.printer.print(&job).await.expect("printed");
    let writes = r.tap.writes.lock().map(|w| w.clone()).unwrap_or_default();
    let mut unconfirmed = 0;
    let mut barriers = 0;
    for w in &writes {
        if w.as_slice() == [GS, b'r', 1] {
            barriers += 1;
            unconfirmed = 0;
        } else if !is_query(w) {
            unconfirmed += w.len();
            assert!(unconfirmed <= window, "{unconfirmed} bytes sent without the printer catching up");
        }
    }
    assert_eq!(barriers, report.barriers);
    assert!(report.barriers >= job.len() / window, "{} barriers", report.barriers);
    // The last barrier comes after the last data: the job is printed before the final status.
    let last_data = writes.iter().rposition(|w| !is_query(w));
    let last_barrier = writes.iter().rposition(|w| w.as_slice() == [GS, b'r', 1]);
    assert!(last_barrier > last_data);
}

#[tokio::test]
async fn chunk_delay_paces_the_writes() {
    let config = PrinterConfig { max_chunk: 200, chunk_delay: Duration::from_millis(10), ..fast(None) };
    let r = rig(247, MemoryFaults::default(), config);
    let job = job();
    let started = Instant::now();
    let report = r.printer.print(&job).await.expect("printed");
    // A lower bound only: the pauses happened (no upper bound, that would be a timing test).
    assert!(started.elapsed() >= Duration::from_millis(10) * (report.chunks as u32 - 1));
}

#[tokio::test]
async fn paper_out_before_printing_prints_nothing() {
    let r = rig(185, MemoryFaults::default(), fast(Some(1024)));
    r.sim.set_paper_out(true);
    assert_eq!(r.printer.print(&job()).await, Err(PrinterError::PaperOut));
    assert_eq!(r.tap.data_bytes.load(Ordering::SeqCst), 0, "no job data was sent");
    assert!(r.sim.paper().is_blank());
    r.sim.set_paper_out(false);
    assert!(r.printer.print(&job()).await.is_ok(), "prints once paper is loaded");
}

#[tokio::test]
async fn cover_open_before_printing_prints_nothing() {
    let r = rig(185, MemoryFaults::default(), fast(Some(1024)));
    r.sim.set_cover_open(true);
    assert_eq!(r.printer.print(&job()).await, Err(PrinterError::CoverOpen));
    assert_eq!(r.tap.data_bytes.load(Ordering::SeqCst), 0);
    let s = r.printer.status().await.expect("status");
    assert!(s.cover_open && !s.ready());
}

#[tokio::test]
async fn paper_running_out_mid_job_is_reported() {
    for window in [Some(512), None] {
        let r = rig(185, MemoryFaults::default(), fast(window));
        r.sim.load_short_roll(20);
        assert_eq!(r.printer.print(&job()).await, Err(PrinterError::PaperOut), "window {window:?}");
        assert_eq!(r.sim.paper().lines().len(), 20);
        assert!(r.sim.lost_lines() > 0);
    }
}

#[tokio::test]
async fn paper_ending_with_the_last_line_is_reported_after_the_job() {
    // The status after printing says no paper: the slip may be whole, but nothing proves it,
    // so the job fails and the operator checks the slip and reprints.
    let job = job();
    let lines = render(&job, 32).lines().len();
    for window in [Some(1024), None] {
        let r = rig(185, MemoryFaults::default(), fast(window));
        r.sim.load_short_roll(lines);
        assert_eq!(r.printer.print(&job).await, Err(PrinterError::PaperOut), "window {window:?}");
        assert_eq!(r.sim.paper().lines().len(), lines);
    }
}

#[tokio::test]
async fn cover_opened_during_the_job_is_reported_after_it() {
    let r = rig(185, MemoryFaults::default(), fast(Some(4096)));
    let job = job();
    let (sim, len) = (r.sim.clone(), job.len());
    if let Ok(mut h) = r.tap.hook.lock() {
        *h = Some(Box::new(move |sent| {
            if sent == len {
                sim.set_cover_open(true);
            }
        }));
    }
    assert_eq!(r.printer.print(&job).await, Err(PrinterError::CoverOpen));
}

#[tokio::test]
async fn paper_near_end_prints_and_is_reported() {
    let r = rig(185, MemoryFaults::default(), fast(Some(1024)));
    r.sim.set_status(PrinterStatus { paper_near_end: true, ..PrinterStatus::default() });
    let report = r.printer.print(&job()).await.expect("printed");
    assert!(report.status_after.paper_near_end && report.status_after.ready());
    r.sim.set_status(PrinterStatus { fault: true, ..PrinterStatus::default() });
    assert_eq!(r.printer.print(&job()).await, Err(PrinterError::Fault));
}

#[tokio::test]
async fn a_silent_printer_is_no_answer() {
    let r = rig(185, MemoryFaults::default(), fast(Some(1024)));
    r.sim.set_answering(false);
    assert_eq!(r.printer.status().await, Err(PrinterError::NoAnswer));
    assert_eq!(r.printer.print(&job()).await, Err(PrinterError::NoAnswer));
    assert!(r.sim.paper().is_blank());
}

#[tokio::test]
async fn a_mute_printer_prints_without_queries() {
    let config = PrinterConfig { chunk_delay: Duration::from_millis(1), ..PrinterConfig::mute_printer() };
    let r = rig(185, MemoryFaults::default(), config);
    r.sim.set_answering(false);
    let job = job();
    r.printer.print(&job).await.expect("printed");
    let writes = r.tap.writes.lock().map(|w| w.clone()).unwrap_or_default();
    assert!(writes.iter().all(|w| !is_query(w)), "no status query was sent");
    // Nothing tells the phone when a mute printer is done: wait for the simulator to catch up.
    for _ in 0..100 {
        if r.sim.received() == job.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(r.sim.text(), render(&job, 32).to_text());
}

#[tokio::test]
async fn a_disconnect_at_any_write_fails_the_job_as_not_printed() {
    let job = job();
    let mtu = 185;
    // Writes on both ends of a clean run: the bound for the loop below.
    let clean = {
        let r = rig(mtu, MemoryFaults::default(), fast(Some(1024)));
        r.printer.print(&job).await.expect("clean run");
        r.tap.writes.lock().map(|w| w.len()).unwrap_or(0) * 2 + 2
    };
    let mut partial = 0;
    for n in 1..=clean {
        let faults = MemoryFaults { disconnect_after_writes: n, ..MemoryFaults::default() };
        let r = rig(mtu, faults, fast(Some(1024)));
        match r.printer.print(&job).await {
            Ok(_) => assert!(n > clean / 2, "a print succeeded although the link dropped at write {n}"),
            Err(PrinterError::Disconnected { sent, total }) => {
                assert_eq!(total, job.len());
                assert_eq!(sent, r.tap.data_bytes.load(Ordering::SeqCst), "write {n}");
                if sent > 0 && sent < total {
                    partial += 1;
                }
            }
            Err(e) => panic!("write {n}: {e:?}"),
        }
    }
    assert!(partial > 0, "some drops happened mid-job");
    // And the text the operator sees says the slip is incomplete.
    let e = PrinterError::Disconnected { sent: 10, total: 100 };
    assert!(e.zh().contains("未打印完整") && e.en().contains("incomplete"));
}

#[tokio::test]
async fn prints_again_after_the_link_comes_back() {
    let ((phone, phone_rx), (dev, dev_rx)) = memory_pair(185, MemoryFaults::default());
    let phone = Arc::new(phone);
    let sim = SimPrinter::start(Arc::new(dev), dev_rx, SimPrinterConfig::default());
    let printer = BlePrinter::new(phone.clone(), phone_rx, fast(Some(1024)));
    phone.disconnect().await;
    assert_eq!(printer.print(&job()).await, Err(PrinterError::Disconnected { sent: 0, total: job().len() }));
    phone.reconnect().await;
    printer.print(&job()).await.expect("printed after reconnect");
    assert_eq!(sim.text(), render(&job(), 32).to_text());
}

#[tokio::test]
async fn status_queries_survive_lost_and_duplicated_chunks() {
    // Status queries are idempotent: a lost query or answer is asked again, and stale
    // duplicate answers are drained before the next query. (Job data has no such
    // protection: a lost data chunk is lost; see docs/printer.md.)
    let faults = MemoryFaults { seed: 7, drop_per_mille: 150, duplicate_per_mille: 300, ..MemoryFaults::default() };
    let config = PrinterConfig { query_attempts: 6, ..fast(None) };
    let r = rig(185, faults, config);
    let mut answered = 0;
    for i in 0..40 {
        let want = PrinterStatus { paper_out: i % 3 == 0, cover_open: i % 4 == 0, ..PrinterStatus::default() };
        r.sim.set_status(want);
        // Lets a duplicate query of the previous round be answered (and so drained) first.
        tokio::time::sleep(Duration::from_millis(5)).await;
        match r.printer.status().await {
            Ok(s) => {
                assert_eq!(s, want, "round {i}");
                answered += 1;
            }
            Err(e) => assert_eq!(e, PrinterError::NoAnswer),
        }
    }
    assert!(answered >= 36, "{answered} of 40 answered");
}

#[test]
fn segments_end_at_line_ends_within_the_window() {
    let job = job();
    let ends = line_ends(&job);
    for window in [1, 40, 41, 100, 1024, 100_000] {
        let segs = segments(&job, Some(window));
        assert_eq!(segs.first().map(|r| r.start), Some(0));
        assert_eq!(segs.last().map(|r| r.end), Some(job.len()));
        for pair in segs.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
            assert!(ends.contains(&pair[0].end), "cut at {} is not a line end", pair[0].end);
        }
        for s in &segs {
            // Longer than the window only when it is a single line.
            let inner_ends = ends.iter().filter(|&&e| e > s.start && e < s.end).count();
            assert!(s.len() <= window || inner_ends == 0, "window {window}: {s:?}");
        }
    }
    let whole = 0..job.len();
    assert_eq!(segments(&job, None), vec![whole]);
    assert_eq!(segments(&[], Some(10)), Vec::<Range<usize>>::new());
}

#[tokio::test]
async fn oversized_jobs_are_refused() {
    let r = rig(185, MemoryFaults::default(), PrinterConfig { max_job: 100, ..fast(None) });
    assert_eq!(r.printer.print(&[b'x'; 101]).await, Err(PrinterError::JobTooLarge(101)));
}

// --- Polling the real-time status while a barrier waits ---------------------------------------

/// A config that asks the real-time status often and would wait `print_timeout` for a printing printer.
fn polling(window: Option<usize>, print_timeout: Duration) -> PrinterConfig {
    PrinterConfig {
        window,
        status_poll: Duration::from_millis(10),
        status_timeout: Duration::from_millis(300),
        print_timeout,
        ..PrinterConfig::default()
    }
}

/// Bounds a print that must fail (or succeed) long before the configured `print_timeout`.
async fn within<T>(limit: Duration, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(limit, f).await {
        Ok(v) => v,
        Err(_) => panic!("still waiting after {limit:?}"),
    }
}

fn count(r: &Rig, q: StatusQuery) -> usize {
    r.tap.writes.lock().map(|w| w.iter().filter(|w| w.as_slice() == q.bytes()).count()).unwrap_or(0)
}

#[test]
fn realtime_and_gs_r_answers_cannot_be_confused() {
    use crate::devices::printer::status::{offline_cause_byte, paper_after_printing_byte, paper_sensor_byte};
    // Bit 4 is set in every `DLE EOT` answer and clear in every `GS r 1` answer.
    for b in 0..=u8::MAX {
        assert!(!(is_realtime_status(b) && paper_out_after_printing(b).is_some()), "{b:#04x} reads as both");
        match Answer::of(b) {
            Some(Answer::Realtime(x)) => assert!(x == b && is_realtime_status(b)),
            Some(Answer::Printed(x)) => assert!(x == b && paper_out_after_printing(b).is_some()),
            None => assert!(!is_realtime_status(b) && paper_out_after_printing(b).is_none()),
        }
    }
    for bits in 0u8..16 {
        let s = PrinterStatus {
            paper_out: bits & 1 != 0,
            paper_near_end: bits & 2 != 0,
            cover_open: bits & 4 != 0,
            fault: bits & 8 != 0,
        };
        assert!(matches!(Answer::of(offline_cause_byte(&s)), Some(Answer::Realtime(_))), "{s:?}");
        assert!(matches!(Answer::of(paper_sensor_byte(&s)), Some(Answer::Realtime(_))), "{s:?}");
        assert!(matches!(Answer::of(paper_after_printing_byte(&s)), Some(Answer::Printed(_))), "{s:?}");
    }
}

#[tokio::test]
async fn a_roll_running_out_mid_job_fails_within_a_status_poll() {
    // The default config (status_poll 1 s), but a print_timeout no test would sit through.
    let config = PrinterConfig { print_timeout: Duration::from_secs(30), ..PrinterConfig::default() };
    let r = rig(185, MemoryFaults::default(), config);
    r.sim.load_short_roll(14);
    let job = job_of(120);
    assert!(job.len() > 2048, "the job needs a barrier mid-job: {} bytes", job.len());
    let started = Instant::now();
    let result = within(Duration::from_secs(5), r.printer.print(&job)).await;
    eprintln!("paper out mid-job reported after {:?} (print_timeout 30s, status_poll 1s)", started.elapsed());
    assert_eq!(result, Err(PrinterError::PaperOut));
    assert_eq!(r.sim.paper().lines().len(), 14);
    // Nothing was sent past the first window: the printer was not fed a slip it could not print.
    assert!(r.tap.data_bytes.load(Ordering::SeqCst) <= 2048);
    assert_eq!(count(&r, StatusQuery::PaperAfterPrinting), 1, "GS r 1 sent once");
}

#[tokio::test]
async fn cover_opened_mid_job_fails_at_the_next_poll() {
    let r = rig(185, MemoryFaults::default(), polling(Some(512), Duration::from_secs(30)));
    let sim = r.sim.clone();
    if let Ok(mut h) = r.tap.hook.lock() {
        *h = Some(Box::new(move |_| sim.set_cover_open(true)));
    }
    let job = job();
    assert_eq!(within(Duration::from_secs(5), r.printer.print(&job)).await, Err(PrinterError::CoverOpen));
    assert!(r.tap.data_bytes.load(Ordering::SeqCst) <= 512, "stopped at the first barrier");
    assert_eq!(count(&r, StatusQuery::PaperAfterPrinting), 1, "GS r 1 sent once");
    assert!(r.sim.lost_lines() > 0);
}

#[tokio::test]
async fn a_printer_falling_silent_mid_job_is_no_answer() {
    let r = rig(
        185,
        MemoryFaults::default(),
        PrinterConfig { status_timeout: Duration::from_millis(60), ..polling(Some(512), Duration::from_secs(30)) },
    );
    let sim = r.sim.clone();
    if let Ok(mut h) = r.tap.hook.lock() {
        *h = Some(Box::new(move |_| sim.set_answering(false)));
    }
    assert_eq!(within(Duration::from_secs(5), r.printer.print(&job())).await, Err(PrinterError::NoAnswer));
    assert_eq!(count(&r, StatusQuery::PaperAfterPrinting), 1, "GS r 1 sent once");
    // Before the job, one DLE EOT 2; during the barrier, every attempt of one poll.
    assert_eq!(count(&r, StatusQuery::OfflineCause), 1 + usize::from(PrinterConfig::default().query_attempts));
}

#[tokio::test]
async fn a_printer_without_dle_eot_still_gets_gs_r_barriers() {
    let config = PrinterConfig { check_status: false, ..polling(Some(512), Duration::from_secs(30)) };
    let r = rig(185, MemoryFaults::default(), config);
    let job = job();
    let report = within(Duration::from_secs(5), r.printer.print(&job)).await.expect("printed");
    assert!(report.barriers >= 2);
    assert_eq!(count(&r, StatusQuery::PaperAfterPrinting), report.barriers);
    assert_eq!(count(&r, StatusQuery::OfflineCause) + count(&r, StatusQuery::PaperSensor), 0);
    assert_eq!(r.sim.text(), render(&job, 32).to_text());
}

/// How the scripted printer answers (the simulator prints instantly, this one takes its time).
#[derive(Debug, Clone, Copy, Default)]
struct Script {
    /// `DLE EOT` queries answered while a `GS r 1` waits, before it is answered (still printing).
    busy_polls: usize,
    /// And at least this long.
    busy_for: Duration,
    /// On the query that ends the wait, the `GS r 1` answer goes out before the `DLE EOT` answer.
    printed_first: bool,
    /// With `printed_first`, the `DLE EOT` answer follows the `GS r 1` answer this much later.
    lag: Duration,
    /// `GS r 1` answers lost on the way.
    lose_printed: usize,
    /// The link drops at this `DLE EOT` query during a barrier.
    disconnect_at_poll: Option<usize>,
    /// What the sensors say.
    status: PrinterStatus,
}

/// What the scripted printer saw.
#[derive(Debug, Default, Clone, Copy)]
struct FakeLog {
    /// `GS r 1` queries.
    gs_r: usize,
    /// `DLE EOT` queries while a `GS r 1` waited.
    polls: usize,
    /// Data chunks that came while a `GS r 1` was unanswered: the client outran the printer.
    overruns: usize,
    /// Data bytes.
    data: usize,
}

struct Fake {
    printer: BlePrinter,
    log: Arc<StdMutex<FakeLog>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Fake {
    fn log(&self) -> FakeLog {
        self.log.lock().map(|l| *l).unwrap_or_default()
    }
}

fn fake(script: Script, config: PrinterConfig) -> Fake {
    let ((phone, phone_rx), (dev, dev_rx)) = memory_pair(185, MemoryFaults::default());
    let log = Arc::new(StdMutex::new(FakeLog::default()));
    let task = tokio::spawn(run_fake(dev, dev_rx, script, log.clone()));
    Fake { printer: BlePrinter::new(Arc::new(phone), phone_rx, config), log, task }
}

async fn run_fake(dev: MemoryEndpoint, mut rx: mpsc::Receiver<LinkEvent>, script: Script, log: Arc<StdMutex<FakeLog>>) {
    use crate::devices::printer::status::{
        offline_cause_byte, paper_after_printing_byte, paper_sensor_byte, printer_byte,
    };
    let s = script.status;
    let (mut pending, mut polls_left, mut until, mut lose, mut polls) = (0, 0, Instant::now(), script.lose_printed, 0);
    loop {
        let mut realtime = None;
        // Ticks too, so time-based answers go out without a query to wake the printer.
        match tokio::time::timeout(Duration::from_millis(5), rx.recv()).await {
            Ok(None) => return,
            Ok(Some(LinkEvent::Notification(chunk))) => {
                let Ok(mut l) = log.lock() else { return };
                if chunk == StatusQuery::PaperAfterPrinting.bytes() {
                    if pending == 0 {
                        polls_left = script.busy_polls;
                        until = Instant::now() + script.busy_for;
                    }
                    pending += 1;
                    l.gs_r += 1;
                } else if let [0x10, 0x04, n] = chunk.as_slice() {
                    realtime = match n {
                        1 => Some(printer_byte(&s)),
                        2 => Some(offline_cause_byte(&s)),
                        _ => Some(paper_sensor_byte(&s)),
                    };
                    if pending > 0 {
                        l.polls += 1;
                        polls += 1;
                        polls_left = polls_left.saturating_sub(1);
                    }
                } else {
                    l.data += chunk.len();
                    if pending > 0 {
                        l.overruns += 1;
                    }
                }
            }
            Ok(Some(_)) | Err(_) => {}
        }
        if script.disconnect_at_poll.is_some_and(|n| pending > 0 && polls >= n) {
            dev.disconnect().await;
            return;
        }
        let mut printed = Vec::new();
        if pending > 0 && polls_left == 0 && Instant::now() >= until {
            // Everything before is printed; queries queued back to back are answered together.
            for _ in 0..std::mem::take(&mut pending) {
                if lose > 0 {
                    lose -= 1;
                } else {
                    printed.push(paper_after_printing_byte(&s));
                }
            }
        }
        let realtime = Vec::from_iter(realtime);
        let (first, second) = if script.printed_first { (printed, realtime) } else { (realtime, printed) };
        let lag =
            if script.printed_first && !first.is_empty() && !second.is_empty() { script.lag } else { Duration::ZERO };
        for b in first {
            let _ = dev.write(vec![b]).await;
        }
        if !lag.is_zero() {
            tokio::time::sleep(lag).await;
        }
        for b in second {
            let _ = dev.write(vec![b]).await;
        }
    }
}

#[tokio::test]
async fn a_slow_printer_that_stays_ready_prints() {
    let scripts = [
        // Answers GS r only after three polls (six DLE EOT queries) ...
        Script { busy_polls: 6, ..Script::default() },
        // ... or after a while, however many polls that is.
        Script { busy_for: Duration::from_millis(150), ..Script::default() },
    ];
    let job = job();
    for script in scripts {
        let f = fake(script, polling(Some(512), Duration::from_secs(30)));
        let report =
            within(Duration::from_secs(10), f.printer.print(&job)).await.unwrap_or_else(|e| panic!("{script:?}: {e}"));
        let log = f.log();
        assert!(report.barriers >= 4, "{report:?}");
        assert_eq!(log.gs_r, report.barriers, "{script:?}: one GS r 1 per barrier");
        assert!(log.polls >= 6 * report.barriers, "{script:?}: {log:?}");
        assert_eq!((log.overruns, log.data), (0, job.len()), "{script:?}");
        assert!(report.status_after.ready());
    }
}

#[tokio::test]
async fn a_gs_r_answer_heard_while_polling_is_kept() {
    // Paper near end: a DLE EOT 4 answer (0x1E) taken for a DLE EOT 2 answer would read as cover open.
    let status = PrinterStatus { paper_near_end: true, ..PrinterStatus::default() };
    let job = job();
    // The GS r answer comes with the first or second query of a poll, before or after its answer.
    for busy_polls in 1..=4 {
        for printed_first in [false, true] {
            let lag = Duration::from_millis(30);
            let script = Script { busy_polls, printed_first, lag, status, ..Script::default() };
            let f = fake(script, polling(Some(1024), Duration::from_secs(30)));
            let report = within(Duration::from_secs(5), f.printer.print(&job))
                .await
                .unwrap_or_else(|e| panic!("{script:?}: {e}"));
            assert_eq!(report.status_after, status, "{script:?}");
            let log = f.log();
            assert_eq!((log.gs_r, log.overruns), (report.barriers, 0), "{script:?}");
        }
    }
}

#[tokio::test]
async fn a_lost_gs_r_answer_is_asked_again_once_the_printer_is_idle() {
    let config =
        PrinterConfig { status_timeout: Duration::from_millis(500), ..polling(Some(1024), Duration::from_millis(200)) };
    let f = fake(Script { lose_printed: 1, ..Script::default() }, config);
    let job = job();
    let report = within(Duration::from_secs(10), f.printer.print(&job)).await.expect("printed");
    let log = f.log();
    assert_eq!((log.gs_r, log.overruns, log.data), (report.barriers + 1, 0, job.len()), "{log:?}");
}

#[tokio::test]
async fn a_late_answer_after_asking_again_is_not_taken_for_the_next_barrier() {
    // Slower than print_timeout: the client asks again, then both answers come back to back.
    let config =
        PrinterConfig { status_timeout: Duration::from_millis(800), ..polling(Some(1024), Duration::from_millis(100)) };
    let f = fake(Script { busy_for: Duration::from_millis(300), ..Script::default() }, config);
    let job = job();
    let report = within(Duration::from_secs(10), f.printer.print(&job)).await.expect("printed");
    let log = f.log();
    assert!(report.barriers >= 2, "{report:?}");
    assert_eq!((log.gs_r, log.overruns, log.data), (2 * report.barriers, 0, job.len()), "{log:?}");
}

#[tokio::test]
async fn a_disconnect_while_polling_reports_the_bytes_sent() {
    let script = Script { busy_polls: 100, disconnect_at_poll: Some(3), ..Script::default() };
    let f = fake(script, polling(Some(1024), Duration::from_secs(30)));
    let job = job();
    let result = within(Duration::from_secs(5), f.printer.print(&job)).await;
    let sent = f.log().data;
    assert!(sent > 0 && sent < job.len());
    assert_eq!(result, Err(PrinterError::Disconnected { sent, total: job.len() }));
}
