//! What the CLI tests share: `pos sim` on a free loopback port and `pos` run against it.

#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// A running `pos sim` child, killed on drop.
pub struct Sim {
    child: Child,
    /// Its `host:port`.
    pub addr: String,
    /// Its CA certificate (TLS), which `pos` pins through POS_ACQUIRER_CA.
    pub ca: std::path::PathBuf,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The TLS folder the test simulators share (their CA is made once, by the first to start).
pub fn sim_tls_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pos-cli-sim-tls-{}", std::process::id()))
}

/// Starts `pos sim` on 127.0.0.1:0 (TLS) with a throwaway in-memory ledger and reads its address from the banner.
pub fn start_sim() -> Sim {
    start_sim_with(&["--memory", "--admin", "off"])
}

/// Starts `pos sim --listen 127.0.0.1:0 --tls-dir <shared> <args>` and reads its address from the banner.
pub fn start_sim_with(args: &[&str]) -> Sim {
    let tls = sim_tls_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["sim", "--listen", "127.0.0.1:0", "--tls-dir", tls.to_str().expect("utf-8 path")])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("pos sim starts");
    let line = banner_line(&mut child);
    let addr = line.trim().rsplit(' ').next().expect("address").to_string();
    assert!(addr.starts_with("127.0.0.1:"), "banner: {line}");
    let ca = tls.join("ca.pem");
    assert!(ca.is_file(), "the CA is written before the banner");
    Sim { child, addr, ca }
}

/// The first line a started `pos sim` prints (its banner).
fn banner_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("banner");
    line
}

/// Starts `pos sim --json <args>` in `cwd` and reads its JSON banner.
pub fn start_sim_json(args: &[&str], cwd: &std::path::Path) -> (Sim, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["sim", "--json"])
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .spawn()
        .expect("pos sim starts");
    let line = banner_line(&mut child);
    let banner: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let addr = banner["listening"].as_str().unwrap_or_else(|| panic!("banner: {line}")).to_string();
    let ca = banner["ca"].as_str().map(|p| cwd.join(p)).unwrap_or_default();
    (Sim { child, addr, ca }, banner)
}

impl Sim {
    /// The simulator's process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// Runs `pos <args>` that is expected to end by itself; killed (and the test failed) after 30 s.
pub fn pos_ends(args: &[&str]) -> Output {
    // In a folder of its own: `pos sim` keeps its ledger and CA in ./pos-sim-data by default.
    let cwd = pos_testkit::TempDir::new("cli-cwd");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(args)
        .current_dir(&cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pos runs");
    let ended =
        pos_testkit::wait_until(std::time::Duration::from_secs(30), std::time::Duration::from_millis(20), || {
            !matches!(child.try_wait(), Ok(None))
        });
    if !ended {
        let _ = child.kill();
        let out = child.wait_with_output().expect("output");
        panic!("pos {args:?} did not end: {}", String::from_utf8_lossy(&out.stdout));
    }
    child.wait_with_output().expect("output")
}

/// Runs `pos` with no acquirer at all (nothing listens on port 1) and `dir` as its data directory.
pub fn pos_no_host(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(args)
        .env("POS_HOST", "127.0.0.1:1")
        .env("POS_DATA_DIR", dir)
        .output()
        .expect("pos runs")
}

/// Runs `pos` against `sim` with `dir` as its data directory.
pub fn pos(sim: &Sim, dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(args)
        .env("POS_HOST", &sim.addr)
        .env("POS_ACQUIRER_CA", &sim.ca)
        .env("POS_DATA_DIR", dir)
        .output()
        .expect("pos runs")
}

/// The command's JSON output.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A fresh path under the temp dir that does not exist yet (so `pos` creates it, as it would
/// a new data directory); it and everything under it are removed on drop.
pub fn temp_dir(name: &str) -> FreshDir {
    let root = pos_testkit::TempDir::new(&format!("cli-{name}"));
    let path = root.child(name);
    FreshDir { path, _root: root }
}

/// A path that did not exist when it was handed out, removed on drop (see [`temp_dir`]).
pub struct FreshDir {
    path: std::path::PathBuf,
    _root: pos_testkit::TempDir,
}

impl std::ops::Deref for FreshDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::path::Path> for FreshDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::ffi::OsStr> for FreshDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

/// `pos sim --json` with an in-memory ledger, its admin port and TLS, on free loopback ports.
pub struct AdminSim {
    /// The simulator (killed on drop).
    pub sim: Sim,
    /// The admin port's `host:port`.
    pub admin: String,
}

/// Starts `pos sim --json --memory --listen 127.0.0.1:0 --admin 127.0.0.1:0 <args>`, TLS in `tls`.
pub fn start_admin_sim(tls: &std::path::Path, args: &[&std::ffi::OsStr]) -> AdminSim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["--json", "sim", "--memory", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--tls-dir"])
        .arg(tls)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("pos sim starts");
    let line = banner_line(&mut child);
    let banner: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let addr = banner["listening"].as_str().expect("listening").to_string();
    let admin = banner["admin"].as_str().expect("admin").to_string();
    let ca = std::path::PathBuf::from(banner["ca"].as_str().expect("ca: the simulator serves TLS"));
    AdminSim { sim: Sim { child, addr, ca }, admin }
}

impl AdminSim {
    /// One admin command, one answer (which must be `ok`).
    pub fn admin(&self, cmd: serde_json::Value) -> serde_json::Value {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(&self.admin).expect("admin port");
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
        writeln!(s, "{cmd}").expect("admin write");
        let mut line = String::new();
        BufReader::new(s).read_line(&mut line).expect("admin read");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["ok"], true, "admin {cmd}: {v}");
        v
    }

    /// The available balance of the one account of deck card `card` at the acquirer.
    pub fn balance(&self, card: &str) -> i64 {
        let v = self.admin(serde_json::json!({"cmd": "balance", "card": card}));
        v["accounts"][0]["available"].as_i64().unwrap_or_else(|| panic!("balance answer: {v}"))
    }

    /// `pos` against this simulator (its CA pinned) with `dir` as the data directory.
    pub fn pos(&self, dir: &std::path::Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pos"));
        c.env("POS_HOST", &self.sim.addr)
            .env("POS_ACQUIRER_CA", &self.sim.ca)
            .env("POS_DATA_DIR", dir)
            .env("POS_LOG", "off");
        c
    }

    /// Runs `pos <args>` to its end.
    pub fn run(&self, dir: &std::path::Path, args: &[&str]) -> Output {
        self.pos(dir).args(args).output().expect("pos runs")
    }
}
