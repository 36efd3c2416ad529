#!/usr/bin/env bash
# Long runs of the reliability harnesses, beyond what the test command runs (not part of it):
#   1. the deterministic simulation (tests/tests/e2e/dst.rs): POS_DST_SEEDS simulated days
#      (default 10,000; the test command runs 300), each with faults of every class, checked
#      against the acquirer's ledger; a failing seed prints itself (replay: POS_DST_SEED=n);
#   2. the SIGKILL crash harness (tests/tests/e2e/crash.rs): POS_CRASH_ITERATIONS kills and
#      restarts of a real terminal process (default 10,000; the test command runs 200).
# POS_SOAK=dst or POS_SOAK=crash runs one of them. Each prints its counts; see docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${POS_SOAK:-all}
seeds=${POS_DST_SEEDS:-10000}
kills=${POS_CRASH_ITERATIONS:-10000}
cargo build -p pos-e2e --tests --locked
if [[ $which == all || $which == dst ]]; then
  echo "deterministic simulation: $seeds seeds"
  POS_DST_SEEDS=$seeds cargo test -p pos-e2e --test e2e --locked dst::simulated_days -- --nocapture 2>&1 |
    grep -E '^dst:|panicked|test result'
fi
if [[ $which == all || $which == crash ]]; then
  echo "crash harness: $kills iterations"
  POS_CRASH_ITERATIONS=$kills cargo test -p pos-e2e --test e2e --locked crash::kill_restart -- --nocapture 2>&1 |
    grep -E '^crash harness|panicked|test result'
fi
