//! The pyiso8583 bridge shared by the interop tests: the pinned pyiso8583 in a venv under
//! the cargo target directory, one Python process serving JSON-lines decode/encode requests
//! (see pyiso8583_bridge.py), and the field maps both codecs are compared as.
//!
//! Included with `mod bridge;` by core/tests/integration/main.rs (the interop and frame corpus tests) and
//! with `#[path = ...] mod bridge;` by tests/tests/e2e/traffic_interop.rs (pos-e2e); each uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

use pos_core::iso8583::{unionpay, Encoding, Message};
use serde_json::{json, Value};

/// The pyiso8583 release the bridge's spec was written against.
pub const PYISO8583_VERSION: &str = "4.0.1";

/// Field name -> value, as both codecs are compared: "t" is the MTI, "2".."64" fields.
pub type Fields = BTreeMap<String, String>;

// ---------------------------------------------------------------------------
// pyiso8583 setup and bridge process
// ---------------------------------------------------------------------------

pub fn venv_dir() -> PathBuf {
    let base = option_env!("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp"));
    base.join("pyiso-venv")
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn bridge_script() -> PathBuf {
    // Both including crates (core/, tests/) sit directly under the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/interop/pyiso8583_bridge.py")
}

/// The pyiso8583 version importable by `python`, if any.
fn installed_version(python: &Path) -> Option<String> {
    let out = Command::new(python)
        .args(["-c", "import importlib.metadata as m, iso8583; print(m.version('pyiso8583'))"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs a setup command, turning a failure into a message with the end of its output.
fn run_step(what: &str, cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: cannot run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let tail: Vec<&str> = text.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect();
    Err(format!("{what} failed ({}):\n{}", out.status, tail.join("\n")))
}

/// A venv with the pinned pyiso8583; built in a staging directory and renamed into
/// place, so that a concurrent test run never sees a half-installed one.
pub fn ensure_pyiso8583() -> Result<PathBuf, String> {
    let venv = venv_dir();
    let python = venv_python(&venv);
    if installed_version(&python).as_deref() == Some(PYISO8583_VERSION) {
        return Ok(python);
    }
    let parent = venv.parent().ok_or("venv path has no parent")?;
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = parent.join(format!("pyiso-venv.staging-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    let python3 = if cfg!(windows) { "python" } else { "python3" };
    let requirement = format!("pyiso8583=={PYISO8583_VERSION}");
    let installed =
        run_step("creating a venv with `python3 -m venv`", Command::new(python3).args(["-m", "venv"]).arg(&staging))
            .and_then(|()| {
                run_step(
                    &format!("`pip install {requirement}` (needs PyPI)"),
                    Command::new(venv_python(&staging)).args([
                        "-m",
                        "pip",
                        "install",
                        "--disable-pip-version-check",
                        "--no-input",
                        "--timeout",
                        "30",
                        "--retries",
                        "2",
                        &requirement,
                    ]),
                )
            });
    if let Err(e) = installed {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if installed_version(&python).as_deref() != Some(PYISO8583_VERSION) {
        let _ = fs::remove_dir_all(&venv);
        if fs::rename(&staging, &venv).is_err() && installed_version(&python).as_deref() != Some(PYISO8583_VERSION) {
            return Err(format!("cannot move the venv into {}", venv.display()));
        }
    }
    let _ = fs::remove_dir_all(&staging);
    match installed_version(&python) {
        Some(v) if v == PYISO8583_VERSION => Ok(python),
        other => Err(format!("after installing, {} reports pyiso8583 {other:?}", python.display())),
    }
}

/// The Python process serving decode/encode requests, one JSON line each way.
pub struct Bridge {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Bridge {
    pub fn start(python: PathBuf) -> Result<Bridge, String> {
        let mut child = Command::new(&python)
            .arg("-u")
            .arg(bridge_script())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
        let stdin = child.stdin.take().ok_or("bridge has no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("bridge has no stdout")?);
        let mut bridge = Bridge { _child: child, stdin, stdout };
        let answer = bridge.call(&json!({"op": "version"}))?;
        match answer["version"].as_str() {
            Some(PYISO8583_VERSION) => Ok(bridge),
            other => Err(format!("bridge runs pyiso8583 {other:?}, expected {PYISO8583_VERSION}")),
        }
    }

    /// One request and its answer; `{"ok": false}` answers become errors.
    pub fn call(&mut self, request: &Value) -> Result<Value, String> {
        writeln!(self.stdin, "{request}").and_then(|_| self.stdin.flush()).map_err(|e| format!("bridge stdin: {e}"))?;
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).map_err(|e| format!("bridge stdout: {e}"))?;
        if n == 0 {
            return Err("the bridge exited (see its traceback above)".into());
        }
        let answer: Value = serde_json::from_str(&line).map_err(|e| format!("bridge answered {line:?}: {e}"))?;
        if answer["ok"] == json!(true) {
            Ok(answer)
        } else {
            Err(answer["error"].as_str().unwrap_or("no error text").to_string())
        }
    }

    /// pyiso8583's reading of a body (MTI onwards), bitmap included as "p".
    pub fn decode(&mut self, body: &[u8]) -> Result<Fields, String> {
        let answer = self.call(&json!({"op": "decode", "hex": hex::encode_upper(body)}))?;
        serde_json::from_value(answer["fields"].clone()).map_err(|e| format!("decoded fields: {e}"))
    }

    /// As [`Bridge::decode`], with some fields' pad conventions replaced, e.g.
    /// `{"2": {"right_pad": "F"}}` for a host that pads odd-length BCD with F.
    pub fn decode_with_pads(&mut self, body: &[u8], pads: &Value) -> Result<Fields, String> {
        let answer = self.call(&json!({"op": "decode", "hex": hex::encode_upper(body), "pads": pads}))?;
        serde_json::from_value(answer["fields"].clone()).map_err(|e| format!("decoded fields: {e}"))
    }

    /// pyiso8583's encoding of a field set.
    pub fn encode(&mut self, fields: &Fields) -> Result<Vec<u8>, String> {
        let answer = self.call(&json!({"op": "encode", "fields": fields}))?;
        hex::decode(answer["hex"].as_str().unwrap_or_default()).map_err(|e| format!("encoded hex: {e}"))
    }

    pub fn spec(&mut self) -> Result<Value, String> {
        Ok(self.call(&json!({"op": "spec"}))?["spec"].clone())
    }
}

pub fn skip_requested() -> bool {
    std::env::var("POS_SKIP_INTEROP").is_ok_and(|v| v == "1")
}

/// The shared bridge, or `None` when it cannot run and POS_SKIP_INTEROP=1 says to skip.
pub fn bridge(test: &str) -> Option<MutexGuard<'static, Bridge>> {
    static BRIDGE: OnceLock<Result<Mutex<Bridge>, String>> = OnceLock::new();
    match BRIDGE.get_or_init(|| ensure_pyiso8583().and_then(Bridge::start).map(Mutex::new)) {
        // A test that failed while holding the lock left the bridge between requests.
        Ok(m) => Some(m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
        Err(e) if skip_requested() => {
            // Straight to stderr: the harness captures println!, and a skip should show.
            let _ =
                writeln!(std::io::stderr(), "SKIPPED {test}: pyiso8583 interop unavailable (POS_SKIP_INTEROP=1): {e}");
            None
        }
        Err(e) => panic!(
            "pyiso8583 interop cannot run: {e}\n\
             It needs python3 with the venv module and access to PyPI to install pyiso8583=={PYISO8583_VERSION} \
             into {}. Set POS_SKIP_INTEROP=1 to skip these tests.",
            venv_dir().display()
        ),
    }
}

// ---------------------------------------------------------------------------
// Field maps
// ---------------------------------------------------------------------------

pub fn is_binary(n: u8) -> bool {
    unionpay().field(n).is_some_and(|s| s.encoding == Encoding::Binary)
}

/// A message as compared with pyiso8583: binary fields in uppercase hex, others as text.
pub fn field_map(msg: &Message) -> Fields {
    let mut map = Fields::new();
    map.insert("t".into(), msg.mti().to_string());
    for (n, v) in msg.fields() {
        let s = if is_binary(n) { hex::encode_upper(v) } else { String::from_utf8_lossy(v).into_owned() };
        map.insert(n.to_string(), s);
    }
    map
}

/// Lines naming each field whose value differs (or is present on one side only).
pub fn differences(ours: &Fields, theirs: &Fields) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    keys.into_iter()
        .filter(|k| ours.get(*k) != theirs.get(*k))
        .map(|k| format!("  field {k}: ours {:?}, pyiso8583 {:?}", ours.get(k), theirs.get(k)))
        .collect()
}
