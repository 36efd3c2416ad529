#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that take outside bytes (fuzz/fuzz_targets), on stable Rust.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target (default 20); every target by default
#   POS_FUZZ_JOBS   targets fuzzed at once (default: the number of cores)
#   POS_FUZZ_PHASE  build (only build the targets), run (only run them, already built) or all (default)
#   POS_FUZZ_FLAGS  more libFuzzer flags (e.g. -max_len=512 for escpos_print's long run)
#   POS_FUZZ_RUNS   executions per target instead of a time (the long run: POS_FUZZ_RUNS=10000000;
#                   each target's log line "Done N runs in S second(s)" is printed at the end)
#
# What `cargo fuzz build --release --sanitizer none` does, without installing cargo-fuzz: the
# libFuzzer runtime comes with libfuzzer-sys, and the coverage instrumentation is plain rustc
# codegen flags (only the sanitizers would need nightly). No AddressSanitizer: the targets parse
# in safe Rust, so what they find is a panic, an overflow (debug assertions are on) or an
# allocation past -rss_limit_mb; ASan would instrument all of pos-core's C dependencies too.
# opt-level 1 builds in about half the time of 3 and runs more than a million cases in 10 s.
# New inputs go to a temporary directory; the seed corpus in fuzz/corpus/<target> is read only.
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the script; replay it with
# `fuzz/target/<host>/release/<target> fuzz/artifacts/<target>/crash-…` (or `cargo fuzz run`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  # Every parser that takes outside bytes: host frames, TLV, tracks, the printer's stream and
  # its answers, the reader protocol, BLE chunks, the risk policy, configuration and TMS lists.
  targets=(frame_decode tlv_parse track_parse escpos_print printer_status reader_message ble_frames risk_policy
    config_files tms_lists)
fi
jobs="${POS_FUZZ_JOBS:-$(nproc)}"
phase="${POS_FUZZ_PHASE:-all}"

host=$(rustc -vV | sed -n 's/^host: //p')
flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth"
flags+=" --cfg fuzzing -Cdebug-assertions"
# --target: the flags reach the targets' code only, not build scripts and proc macros.
if [ "$phase" != run ]; then
  (cd fuzz && RUSTFLAGS="$flags" CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo build --release --locked --target "$host" --bins 2>&1 | tail -n 2)
fi
[ "$phase" = build ] && exit 0
bin="$(pwd)/fuzz/target/$host/release"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
run() {
  local target=$1 work
  work=$(mktemp -d)
  mkdir -p "fuzz/artifacts/$target"
  local budget=(-max_total_time="$seconds")
  [ -n "${POS_FUZZ_RUNS:-}" ] && budget=(-runs="$POS_FUZZ_RUNS")
  # shellcheck disable=SC2086 # POS_FUZZ_FLAGS is a list of flags
  "$bin/$target" "$work" "fuzz/corpus/$target" "${budget[@]}" ${POS_FUZZ_FLAGS:-} -rss_limit_mb=2048 \
    -artifact_prefix="fuzz/artifacts/$target/" >"$logs/$target" 2>&1
  local rc=$?
  rm -rf "$work"
  return $rc
}
failed=()
pending=("${targets[@]}")
while [ ${#pending[@]} -gt 0 ]; do
  batch=("${pending[@]:0:$jobs}")
  pending=("${pending[@]:$jobs}")
  pids=()
  for target in "${batch[@]}"; do
    if [ -n "${POS_FUZZ_RUNS:-}" ]; then echo "fuzz $target for $POS_FUZZ_RUNS runs"; else echo "fuzz $target for ${seconds}s"; fi
    run "$target" &
    pids+=($!)
  done
  for i in "${!batch[@]}"; do
    target=${batch[$i]}
    if wait "${pids[$i]}"; then
      echo "$target: $(grep -E '^Done [0-9]+ runs' "$logs/$target" || tail -n 1 "$logs/$target")"
    else
      failed+=("$target")
      echo "$target: FAILED" >&2
      tail -n 40 "$logs/$target" >&2
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a crash in: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
