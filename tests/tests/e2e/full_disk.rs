//! A full disk: the terminal in a child process whose files may not grow past a limit
//! (`RLIMIT_FSIZE` through `prlimit`, with `SIGXFSZ` ignored so a write fails instead of
//! killing the process, as on a full filesystem). A payment that cannot be journaled is
//! refused before anything is sent, with the bilingual full-storage message; one whose answer
//! cannot be recorded is refused as not completed and reversed; what was stored before is
//! intact; once there is room again, payments go on and every stored one uploads.

use std::path::Path;
use std::process::Command;

use pos_acquirer_sim::{RowKind, Simulator, TxnStatus as HostStatus};
use pos_core::iso8583::TxnType;
use pos_core::provision::DEMO_TID;
use pos_e2e::TempDir;

const CHILD: &str = env!("CARGO_BIN_EXE_crash_child");

/// Runs `crash_child <args>` with the simulator's CA, under a file-size limit when given.
fn child(args: &[&str], ca: &str, fsize: Option<u64>) -> (bool, Vec<String>) {
    let mut cmd = match fsize {
        Some(limit) => {
            let mut c = Command::new("sh");
            // `trap '' XFSZ` is inherited through exec: the write fails with EFBIG instead.
            c.arg("-c").arg("trap '' XFSZ; exec prlimit --fsize=\"$0\" \"$@\"").arg(limit.to_string()).arg(CHILD);
            c
        }
        None => Command::new(CHILD),
    };
    let out = cmd.args(args).env("CRASH_CHILD_CA_PEM", ca).env("RUST_LOG", "off").output().expect("child runs");
    let lines = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    (out.status.success(), lines)
}

/// The size of the largest file in `dir`.
fn largest_file(dir: &Path) -> u64 {
    std::fs::read_dir(dir).expect("dir").filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).max().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_payments_sends_nothing_unjournaled_and_reverses_an_unrecorded_answer() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        panic!("prlimit (util-linux) is needed for the full-disk test");
    }
    let sim = Simulator::start(crate::support::sim_config().listening_on("127.0.0.1:0")).await.expect("simulator");
    let ca = sim.ca_pem().expect("TLS").to_owned();
    let host = sim.addr().to_string();
    let dir = TempDir::new("full-disk");
    let d = dir.display().to_string();
    let host_requests =
        || sim.ledger().transactions_for(DEMO_TID).unwrap().into_iter().filter(|r| !r.kind.is_reversal()).count();

    // Room: sign-in and four payments.
    let (ok, lines) = tokio::task::block_in_place(|| child(&["fill", &d, &host, "4"], &ca, None));
    assert!(ok && lines.iter().filter(|l| l.starts_with("ok ")).count() == 4, "{lines:?}");
    let before = host_requests();

    // No room to grow: the files may not get bigger than the largest is now.
    let limit = largest_file(&dir);
    let (ok, lines) = tokio::task::block_in_place(|| child(&["fill", &d, &host, "2000"], &ca, Some(limit)));
    assert!(ok, "the terminal started and ended cleanly under the limit: {lines:?}");
    let refused = lines.last().cloned().unwrap_or_default();
    assert!(refused.starts_with("refused DiskFull"), "refused as full storage: {lines:?}");
    // EFBIG is not ENOSPC: SQLite reports it as a failed write, told as full or failing storage.
    assert!(refused.contains("无法写入手机存储") && refused.contains("storage could not be written"), "{refused}");
    let online_ok = lines.iter().filter(|l| l.starts_with("ok online")).count();
    let offline_ok = lines.iter().filter(|l| l.starts_with("ok offline")).count();
    // Every request the host saw was an approved online payment: the refused one was never sent.
    // The host saw the approved online payments and at most the refused one: when the disk
    // filled between sending it and recording the answer, it stays unconfirmed, its reversal
    // due, and the operator is told it did not complete.
    let unrecorded = refused.contains("结果无法保存") && refused.contains("could not be saved");
    assert_eq!(host_requests(), before + online_ok + usize::from(unrecorded), "{lines:?}");

    // Room again: payments go on, then everything is uploaded and the journal is whole.
    let (ok, lines) = tokio::task::block_in_place(|| child(&["fill", &d, &host, "2"], &ca, None));
    assert!(ok && lines.iter().filter(|l| l.starts_with("ok ")).count() == 2, "{lines:?}");
    let (ok, out) = tokio::task::block_in_place(|| child(&["settle", &d, &host], &ca, None));
    assert!(ok, "settled: {out:?}");
    let offline_at_host = sim
        .ledger()
        .transactions_for(DEMO_TID)
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == RowKind::Txn(TxnType::OfflineSale) && r.response_code == "00")
        .count();
    // 2 offline payments before the limit, those under it, and 1 after.
    assert_eq!(offline_at_host, 2 + offline_ok + 1, "every stored payment reached the host");
    // Nothing approved at the host that the terminal did not confirm: the unrecorded one reversed.
    let in_force = sim
        .ledger()
        .transactions_for(DEMO_TID)
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == RowKind::Txn(TxnType::Sale) && r.status == HostStatus::Approved)
        .count();
    assert_eq!(in_force, 2 + online_ok + 1, "online sales in force: before, under the limit, after");
    sim.ledger().check_invariants().unwrap();
    eprintln!(
        "full disk: {online_ok} online and {offline_ok} offline payments under a {limit}-byte file limit, then refused"
    );
}
