//! The batch upload of a terminal process that dies part way: aborted at a crash point after
//! each acknowledged item and after an answer not yet recorded, and killed with SIGKILL
//! while uploading; a new process resumes after the last acknowledged item, and the
//! simulator's record holds every item exactly once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{open, Lane};
use pos_core::provision::DEMO_TID;
use pos_e2e::{cny, TempDir};

const CHILD: &str = env!("CARGO_BIN_EXE_crash_child");
/// 13 swipes (2 record messages), 3 chip items, the end message: 6 messages.
const SALES: &str = "16";
const MESSAGES: u32 = 6;

/// A host-only sale under the demo TID (another device, STANs far above the child's), so
/// the child's settlement finds the totals unequal and uploads.
async fn host_only_sale(lane: &Lane) {
    let dir = TempDir::new("settle-crash-other");
    let other = open(&dir, lane.config.clone(), lane.reader.clone(), lane.clock.clone()).unwrap();
    for _ in 0..500 {
        other.store().next_stan().unwrap();
    }
    assert!(other.sign_in().await.unwrap().approved);
    lane.present("swipe12");
    assert!(other.sale(cny(12_345)).await.unwrap().approved);
}

/// Upload messages one at a time, each answer its own commit: a crash can land after any item.
const ONE_BY_ONE: &str = "1,1";
/// Two in flight, four to a commit: the 5 messages before the end go as 4 (two windows) and 1.
const GROUPED: &str = "2,4";

fn run_child(dir: &str, lane: &Lane, upload: &str, crash_at: Option<String>) -> (Option<i32>, Vec<String>) {
    let host = lane.sim.addr().to_string();
    let mut cmd = Command::new(CHILD);
    cmd.env("CRASH_CHILD_UPLOAD", upload);
    cmd.args(["day-end", dir, &host, SALES]).stdout(Stdio::piped()).stderr(Stdio::null()).env("RUST_LOG", "off");
    cmd.env("CRASH_CHILD_CA_PEM", lane.sim.ca_pem().expect("TLS"));
    if let Some(p) = crash_at {
        cmd.env("POS_CRASH_AT", p);
    }
    let out = cmd.output().expect("child runs");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect())
}

/// Every upload item exactly once at the host, and the end message once.
fn assert_exactly_once(lane: &Lane, batch: u32) {
    let got = lane.sim.ledger().uploads(DEMO_TID, batch).unwrap();
    let mut seen: HashMap<(String, u32), u32> = HashMap::new();
    for u in &got {
        *seen.entry((u.item.clone(), u.stan)).or_default() += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "an item twice: {got:?}");
    let items = got.iter().filter(|u| u.item != "end").count();
    assert_eq!(items, 16, "every sale uploaded: {got:?}");
    assert_eq!(got.iter().filter(|u| u.item == "end").map(|u| u.stan).collect::<Vec<_>>(), vec![16]);
}

/// Dies at the `n`-th pass of crash point `point` while uploading as `upload` says
/// (`window,group`); a new process resumes with the progress at `resumed_at`.
async fn crash_then_resume(upload: &str, point: &str, n: u32, resumed_at: u32) {
    let lane = Lane::start(|_| {}).await;
    host_only_sale(&lane).await;
    let batch = lane.sim.current_batch(DEMO_TID).unwrap().unwrap();
    let dir = TempDir::new("settle-crash");
    let d = dir.to_string_lossy().into_owned();
    let (code, lines) = run_child(&d, &lane, upload, Some(format!("{point}:{n}")));
    assert_ne!(code, Some(0), "{point}:{n} should have died: {lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("acked")), "died in the upload: {lines:?}");
    let (code, lines) = run_child(&d, &lane, upload, None);
    assert_eq!(code, Some(0), "{lines:?}");
    let first = lines.iter().find(|l| l.starts_with("acked")).expect("progress");
    assert_eq!(first, &format!("acked {resumed_at}/{MESSAGES} resumed true"), "{upload} {point}:{n}: {lines:?}");
    assert!(lines.iter().any(|l| l.starts_with(&format!("closed {batch:06}")) && l.contains("resumed true")));
    assert_exactly_once(&lane, batch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_each_acknowledged_item_resumes_after_it() {
    for n in 1..MESSAGES {
        crash_then_resume(ONE_BY_ONE, "upload_acked", n, n).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_answer_and_record_resends_that_item_once() {
    for n in 1..=MESSAGES {
        crash_then_resume(ONE_BY_ONE, "upload_answered", n, n - 1).await;
    }
}

/// Grouped: answers of a whole group are recorded in one commit. Dying before that commit
/// resends the group (the host answers each message again from its record, no second
/// upload); dying after it resumes after the group.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_upload_resumes_after_the_last_recorded_group() {
    for (point, n, resumed_at) in [
        ("upload_answered", 1, 0),
        ("upload_acked", 1, 4),
        ("upload_answered", 2, 4),
        ("upload_acked", 2, 5),
        ("upload_answered", 3, 5),
    ] {
        crash_then_resume(GROUPED, point, n, resumed_at).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_upload_resumes() {
    let lane = Lane::start(|_| {}).await;
    host_only_sale(&lane).await;
    let batch = lane.sim.current_batch(DEMO_TID).unwrap().unwrap();
    let dir = TempDir::new("settle-kill");
    let (d, host) = (dir.to_string_lossy().into_owned(), lane.sim.addr().to_string());
    // Slow answers to upload messages, so the kill lands mid-upload.
    lane.sim.faults().set(
        DEMO_TID,
        pos_acquirer_sim::FaultPlan::sometimes(pos_acquirer_sim::FaultMode::Delay { ms: 150 }, 100)
            .on(pos_acquirer_sim::RequestClass::Settlement),
    );
    let mut child = Command::new(CHILD)
        .args(["day-end", &d, &host, SALES])
        .env("CRASH_CHILD_UPLOAD", ONE_BY_ONE)
        .env("CRASH_CHILD_CA_PEM", lane.sim.ca_pem().expect("TLS"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("RUST_LOG", "off")
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("piped");
    let mut acked_seen = 0;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if line.starts_with("acked 2/") {
            acked_seen = 2;
            child.kill().expect("SIGKILL");
            break;
        }
    }
    let _ = child.wait();
    assert_eq!(acked_seen, 2);
    lane.clear_faults();
    let (code, lines) = run_child(&d, &lane, ONE_BY_ONE, None);
    assert_eq!(code, Some(0), "{lines:?}");
    let first = lines.iter().find(|l| l.starts_with("acked")).expect("progress");
    assert!(first.ends_with("resumed true") && !first.starts_with("acked 0/"), "{lines:?}");
    assert_exactly_once(&lane, batch);
}
