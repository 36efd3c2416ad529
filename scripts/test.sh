#!/usr/bin/env bash
# Every test layer of the project, from a clean clone. Installs what it needs itself.
#   POS_FUZZ_SECONDS   seconds per fuzz target (default 10; 0 skips fuzzing)
#   POS_PROPTEST_CASES proptest cases per property (default: proptest's 256)
#   POS_BENCH=1        also run scripts/bench.sh (every benchmark in one table; long)
# Also honoured: POS_CRASH_ITERATIONS (crash harness), POS_SKIP_CHROMIUM, POS_KOTLIN_TESTS (test-kotlin.sh).
#
# pos-core is compiled in as few configurations as possible: the test, doc-test and Kotlin steps
# all build the workspace with the same features ($features), so cargo compiles pos-core once
# for them (crash-hooks unified from pos-e2e, `ble` from pos-cli) and reuses it; the demo runs on
# the `pos` that build made. Only fuzzing (release, coverage instrumentation) adds one, and the device-build check
# lints pos-core and pos-ffi without simulators (check only, no code).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tools="$root/.tools"
mkdir -p "$tools"
t0=$(date +%s)
# Each step prints the seconds since the start, so a slow layer shows in the CI log.
step() { printf '\n=== [%ss] %s ===\n' "$(( $(date +%s) - t0 ))" "$*"; }

step "format"
cargo fmt --all -- --check
python3 scripts/check-cycles.py  # pos-core modules stay acyclic (docs/architecture.md, "Layers")

step "headless Chromium and a Chinese font for the HTML report test (demo/tests/demo/report_renders.rs)"
if [ "${POS_SKIP_CHROMIUM:-0}" != "1" ] && [ -z "${POS_CHROMIUM:-}" ] \
  && { ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'WenQuanYi Zen Hei'; }; then
  sudo_cmd=""; [ "$(id -u)" = "0" ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null
fi
POS_CHROMIUM="${POS_CHROMIUM:-$(command -v chromium || true)}"; export POS_CHROMIUM

step "libdbus for the Bluetooth transport (cargo feature ble: btleplug over BlueZ D-Bus)"
if ! pkg-config --exists dbus-1 2>/dev/null; then
  sudo_cmd=""; [ "$(id -u)" = "0" ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libdbus-1-dev pkg-config >/dev/null
fi

# pos-ffi/cli: the uniffi-bindgen binary the Kotlin step needs, built here with everything else;
# pos-ffi/simulators: the bindings' simulator exports, which the JVM tests drive (pos-core has
# `sim` anyway in this build: the CLI, the demo and the e2e tests turn it on); pos-cli/ble: the
# Bluetooth transport (btleplug, libdbus), built, linted and unit-tested in the same build rather
# than in a configuration of its own (`cargo build` without features stays free of system libraries).
features=(--workspace --features pos-ffi/cli,pos-ffi/simulators,pos-cli/ble --locked)

step "the device build links no simulator (pos-ffi with its default features; docs/architecture.md)"
# Nothing of the acquirer simulator in the device library's dependencies ...
device_deps=$(cargo tree -p pos-ffi -e normal --prefix none --locked)
if grep -q '^pos-acquirer-sim ' <<<"$device_deps"; then
  cargo tree -p pos-ffi -e normal -i pos-acquirer-sim --locked
  echo "the device build of pos-ffi links pos-acquirer-sim: it must stay behind feature simulators" >&2
  exit 1
fi
# ... and pos-core without its simulators.
core_features=$(cargo tree -p pos-ffi -e normal,features -i pos-core --locked)
echo "$core_features"
if grep -q 'pos-core feature "sim"' <<<"$core_features"; then
  echo "the device build of pos-ffi turns on pos-core/sim: only feature simulators may" >&2
  exit 1
fi
# No front end opens the store: `Terminal::store()` and `pos_core::store` exist only with the
# test-only feature testkit, which no product build turns on (the front ends use the named reads).
grep -B1 'pub fn store(&self)' core/src/terminal.rs | grep -q 'feature = "testkit"' \
  || { echo "Terminal::store() must stay behind feature testkit (core/src/terminal.rs)" >&2; exit 1; }
for front in pos-ffi pos-cli pos-demo; do
  if cargo tree -p "$front" -e normal,features -i pos-core --locked | grep -q 'pos-core feature "testkit"'; then
    echo "$front turns on pos-core/testkit in its build: only tests and benches may" >&2
    exit 1
  fi
done
# Both build without the simulators, warning-free (a wrong gate shows as unused code). The
# libraries only: their tests turn on what `sim` gates (cfg(test)) and are linted with the
# workspace below.
cargo clippy -p pos-core -p pos-ffi --locked -- -D warnings

step "lints (cargo clippy, warnings are errors)"
cargo clippy "${features[@]}" --all-targets -- -D warnings

step "unit, integration, property and interop tests; benchmarks run once in test mode (cargo test --workspace --all-targets)"
# The interop test installs pyiso8583 from PyPI into target/tmp/pyiso-venv itself.
if [ -n "${POS_PROPTEST_CASES:-}" ]; then export PROPTEST_CASES="$POS_PROPTEST_CASES"; fi
cargo test "${features[@]}" --all-targets --no-run
# The fuzz targets' instrumented build (its own target directory) overlaps the test run, which
# mostly waits (child processes, fsyncs, loopback): about 90 s of a core it would add at the end.
fuzz_secs="${POS_FUZZ_SECONDS:-10}"
fuzz_build=""
if [ "$fuzz_secs" != "0" ]; then
  POS_FUZZ_PHASE=build ./scripts/fuzz.sh >"$root/target/fuzz-build.log" 2>&1 &
  fuzz_build=$!
fi
# Four test threads on two cores: most tests wait (child processes, fsyncs, loopback, the
# paused clock's timers), and a test binary's slowest tests set its time.
RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}" cargo test "${features[@]}" --all-targets

step "doc tests"
cargo test "${features[@]}" --doc

step "the main job as the README runs it: ./scripts/demo.sh (pos demo; exit 3 if an invariant broke)"
# On the `pos` the test step built (no second, release build of the whole tree just for this).
POS_DEMO_BIN="$root/target/debug/pos" POS_DEMO_OUT="$root/target/tmp/demo-out" ./scripts/demo.sh | tail -n 16

if [ "${POS_BENCH:-0}" = "1" ]; then
  step "benchmarks (POS_BENCH=1): scripts/bench.sh, one table (docs/performance.md)"
  ./scripts/bench.sh
fi
# Without POS_BENCH the benchmarks were compiled and run once in test mode by --all-targets above.

# Then the Android app's screens on Robolectric against the same library, with screenshots in
# target/screens/ (scripts/test-android.sh, called by test-kotlin.sh; docs/android.md).
step "Kotlin shell on the JVM, then the Android app on Robolectric (screens and screenshots)"; POS_KOTLIN_SAME_BUILD=1 ./scripts/test-kotlin.sh

step "fuzzing (libFuzzer on stable: scripts/fuzz.sh, two targets at a time; built during the Rust tests)"
if [ "$fuzz_secs" = "0" ]; then
  echo "fuzzing skipped: POS_FUZZ_SECONDS=0"
else
  if ! wait "$fuzz_build"; then
    cat "$root/target/fuzz-build.log" >&2
    echo "the fuzz targets did not build" >&2
    exit 1
  fi
  tail -n 2 "$root/target/fuzz-build.log"
  POS_FUZZ_PHASE=run ./scripts/fuzz.sh "$fuzz_secs"
fi

echo
echo "all test layers passed in $(( $(date +%s) - t0 ))s"
