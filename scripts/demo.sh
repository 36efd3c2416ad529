#!/usr/bin/env bash
# The main job: `pos demo`, a delivery merchant's day end to end on embedded defaults (the
# acquirer simulator in-process on a free loopback port, the simulated Bluetooth reader and
# printer). Receipts, summary.json and report.html go to demo-out/ (or $POS_DEMO_OUT).
# Extra arguments go to `pos demo`, e.g. `./scripts/demo.sh --seed 7 --faults many --lang en`.
# POS_DEMO_BIN=<path to pos> runs an already built `pos` instead (scripts/test.sh passes its test build's).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${POS_DEMO_BIN:-}" ]; then
  pos="$POS_DEMO_BIN"
else
  cargo build --release -p pos-cli --locked --quiet
  pos=target/release/pos
fi
exec "$pos" demo --out "${POS_DEMO_OUT:-demo-out}" "$@"
