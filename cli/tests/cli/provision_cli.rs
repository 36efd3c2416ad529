//! `pos provision`: two data directories provisioned differently work side by side on one
//! simulator, and nothing secret of theirs is readable without the vault.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;

use crate::common::{json, start_admin_sim, temp_dir, AdminSim};
use pos_core::card::{fingerprint, DeviceSecret, Pan};
use pos_core::crypto::{check_value, FileVault, KeyVault, SealedFile, SecretKey};
use pos_core::provision::{DEMO_MID, DEMO_TMK_HEX};

/// The second terminal's own master key (not a published one).
const OTHER_TMK: &str = "0F1E2D3C4B5A69788796A5B4C3D2E1F0";
const OTHER_TID: &str = "10000002";

fn start_sim(work: &Path) -> AdminSim {
    let config = work.join("sim.json");
    let terminals = serde_json::json!({
        "terminals": [
            {"tid": "10000001", "mid": DEMO_MID, "tmk": DEMO_TMK_HEX, "mac": "x919"},
            {"tid": OTHER_TID, "mid": DEMO_MID, "tmk": OTHER_TMK, "mac": "x919"}
        ]
    });
    std::fs::write(&config, terminals.to_string()).unwrap();
    start_admin_sim(&work.join("tls"), &["--config".as_ref(), config.as_os_str()])
}

fn pos(sim: &AdminSim, dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = sim.pos(dir);
    c.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_file() {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn two_terminals_provisioned_differently_work_side_by_side_and_keep_their_secrets_sealed() {
    let work = temp_dir("provision");
    std::fs::create_dir_all(&work).unwrap();
    let sim = start_sim(&work);
    let (a, b) = (work.join("a"), work.join("b"));

    let out = pos(&sim, &a, &["--json", "provision", "--demo"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["demo"], true, "the demo terminal is named as such");
    // The key comes on standard input, never on the command line.
    let out = pos(
        &sim,
        &b,
        &["--json", "provision", "--tid", OTHER_TID, "--mid", DEMO_MID, "--tmk-file", "-"],
        Some(&format!("{OTHER_TMK}\n")),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown = json(&out);
    let kcv = hex::encode_upper(check_value(&SecretKey::from_hex(OTHER_TMK).unwrap()));
    assert_eq!((shown["tid"].as_str(), shown["demo"].as_bool()), (Some(OTHER_TID), Some(false)));
    assert_eq!(shown["tmk_check_value"].as_str(), Some(kcv.as_str()));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(OTHER_TMK), "the key is never shown");

    for (dir, tid) in [(&a, "10000001"), (&b, OTHER_TID)] {
        let s = pos(&sim, dir, &["--json", "sign-in"], None);
        assert!(s.status.success(), "{tid}: {}", String::from_utf8_lossy(&s.stdout));
        let sale = json(&pos(&sim, dir, &["--json", "sale", "3.21", "--card", "debit", "--confirm-risk"], None));
        assert_eq!(sale["approved"], true, "{tid}: {sale}");
        let rows = sim.admin(serde_json::json!({"cmd": "txns", "tid": tid}));
        let n = rows["txns"].as_array().map(|r| r.iter().filter(|t| t["amount"] == 321).count());
        assert_eq!(n, Some(1), "{tid}: the acquirer booked it under this terminal: {rows}");
    }

    // Without the vault nothing secret of b is readable: no file holds the TMK or the
    // fingerprint key in clear, and the fingerprints in the journal need that key.
    let vault: Arc<dyn KeyVault> = Arc::new(FileVault::open(b.join("vault.key")).unwrap());
    let secret = SealedFile::new(b.join("reader-secret.sealed"), vault.as_ref()).read().unwrap().expect("sealed");
    let tmk = hex::decode(OTHER_TMK).unwrap();
    for (path, bytes) in files(&b).iter().filter(|(p, _)| !p.ends_with("vault.key")) {
        assert!(!contains(bytes, OTHER_TMK.as_bytes()) && !contains(bytes, &tmk), "TMK in {}", path.display());
        assert!(!contains(bytes, OTHER_TMK.to_lowercase().as_bytes()), "TMK in {}", path.display());
        assert!(!contains(bytes, &secret), "fingerprint key in clear in {}", path.display());
    }
    assert!(!b.join("reader-secret.bin").exists());
    let store = pos_core::store::Store::open_read_only(b.join("pos.db"), vault.clone()).unwrap();
    let rows = store.recent_txns(10).unwrap();
    let stored = rows.iter().find_map(|t| t.fingerprint).expect("a fingerprint in the journal");
    let debit = Pan::parse(pos_core::deck::find("debit").unwrap().pan).unwrap();
    assert_eq!(stored, fingerprint(&DeviceSecret::from_slice(&secret).unwrap(), &debit), "it is the sealed key's");
    let other = FileVault::open_or_create(work.join("other-vault.key")).unwrap();
    assert!(SealedFile::new(b.join("reader-secret.sealed"), &other).read().is_err(), "another vault cannot");
    drop(store);

    // Re-provisioning is refused while the batch is unsettled.
    let again = pos(&sim, &b, &["--json", "provision", "--demo"], None);
    assert_eq!(again.status.code(), Some(2));
    assert!(json(&again)["message_en"].as_str().unwrap_or("").contains("not settled"), "{}", json(&again));
}

#[test]
fn provisioning_refuses_a_key_on_the_command_line_and_bad_fields_without_echoing_them() {
    let work = temp_dir("provision-bad");
    std::fs::create_dir_all(&work).unwrap();
    let sim = start_sim(&work);
    let dir = work.join("t");
    let out = pos(&sim, &dir, &["--json", "provision", "--tid", "1", "--mid", DEMO_MID, "--tmk-file", "-"], Some("ZZ"));
    assert_eq!(out.status.code(), Some(2));
    let e = json(&out);
    assert!(e["message_en"].as_str().unwrap_or("").contains("tid"), "{e}");
    let out = pos(
        &sim,
        &dir,
        &["--json", "provision", "--tid", OTHER_TID, "--mid", DEMO_MID, "--tmk-file", "-"],
        Some("XYZ"),
    );
    let e = json(&out);
    assert!(e["message_en"].as_str().unwrap_or("").contains("tmk") && !e.to_string().contains("XYZ"), "{e}");
    assert!(!dir.join("provision.sealed").exists(), "nothing provisioned");
}

/// `--export` writes the app's provisioning file (0600, never over an existing file) and
/// installs nothing; the app's import reads it back as written.
#[test]
fn export_writes_the_apps_provisioning_file_and_installs_nothing() {
    let work = temp_dir("provision-export");
    std::fs::create_dir_all(&work).unwrap();
    let sim = start_sim(&work);
    let dir = work.join("t");
    let file = work.join("provisioning.json");
    let ca = work.join("tls").join("ca.pem");
    let args = ["--json", "provision", "--demo", "--acquirer", "10.0.2.2:8583", "--acquirer-ca"];
    let mut all: Vec<&str> = args.to_vec();
    all.extend([ca.to_str().unwrap(), "--export", file.to_str().unwrap()]);
    let out = pos(&sim, &dir, &all, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["demo"], true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let p = pos_core::Provisioning::from_json(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!((p.host.as_deref(), p.demo, p.plain_tcp), (Some("10.0.2.2:8583"), true, false));
    assert!(p.acquirer_ca_pem.as_deref().is_some_and(|pem| pem.contains("BEGIN CERTIFICATE")));
    assert!(!dir.exists(), "exporting installs nothing, creates no terminal");
    // An existing file is never overwritten.
    let again = pos(&sim, &dir, &all, None);
    assert_eq!(again.status.code(), Some(2));
    assert!(json(&again)["message_en"].as_str().unwrap_or("").contains("never overwritten"), "{}", json(&again));
    // A plain link and a pinned certificate exclude each other.
    let both = pos(&sim, &dir, &["provision", "--demo", "--plain-link", "--acquirer-ca", ca.to_str().unwrap()], None);
    assert_eq!(both.status.code(), Some(2));
}
