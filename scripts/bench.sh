#!/usr/bin/env bash
# Every performance figure in one table: runs the criterion benchmarks (core/benches: codec,
# journal, risk, blacklist; tests/benches: baseline, online, sync, day_end) and the codec peers,
# then prints one markdown table (scripts/bench_table.py) with, per figure, its value, the
# project's target where it states one, and its ratio to the two yardsticks measured in the same
# run (tests/benches/baseline.rs): a bare durable SQLite commit and a loopback TCP round trip.
#   scripts/bench.sh
#   POS_BENCH_ONLY=<regex>  only the benches whose name matches (extended regex, e.g.
#                           'codec|journal'); the baseline bench always runs (the ratios need it)
#   POS_BENCH_QUICK=1       short criterion times (1 s warm-up, 2 s measurement; the benches'
#                           own printed passes keep their sizes): smoke runs on a busy machine
#   POS_BENCH_PEERS=0       skip the codec peers (pyiso8583 in Python, moov-io/iso8583 in Go);
#                           they need PyPI and the Go module proxy the first time
#   POS_BENCH_ARGS          more criterion arguments (e.g. '--sample-size 20')
#   POS_BENCH_DAY=<n>       payments of the memory day (default 100,000; `memory` in POS_BENCH_ONLY's
#                           names): day_memory (one process, terminal and simulator, release build),
#                           then the `pos` CLI's read-only commands on that journal, peak RSS each
# Besides the criterion benches: `fsyncs` (the power-loss shim counts the terminal's fsyncs per
# online sale and per offline payment) and `memory` (above).
# Output: the table on stdout and in target/bench/table.md; every raw number in
# target/bench/figures.json; each bench's whole output in target/bench/logs/<bench>.log.
# The peers encode and decode the same 233-byte sale request body as core/benches/codec.rs
# (bench/peers/sale_request.hex) and fail if their bytes differ from ours.
# A full run takes about half an hour (journal, risk and blacklist build large tables first).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/bench"
only="${POS_BENCH_ONLY:-.}"
mkdir -p "$out/logs" "$out/peers"
rm -f "$out"/logs/*.log "$out"/peers/*.json
started=$(date +%s)
# No __pycache__ beside the peer and the interop bridge it imports.
export PYTHONDONTWRITEBYTECODE=1

criterion_args=()
if [ "${POS_BENCH_QUICK:-0}" = 1 ]; then criterion_args+=(--warm-up-time 1 --measurement-time 2); fi
# shellcheck disable=SC2206 # POS_BENCH_ARGS is a list of arguments
criterion_args+=(${POS_BENCH_ARGS:-})

# name package features (as core/Cargo.toml's required-features say); the yardsticks first.
benches=(
  "baseline pos-e2e -"
  "codec pos-core -"
  "journal pos-core sim,testkit"
  "risk pos-core testkit"
  "blacklist pos-core -"
  "online pos-e2e -"
  "sync pos-e2e -"
  "day_end pos-e2e -"
)
logs=()
for entry in "${benches[@]}"; do
  read -r name package features <<<"$entry"
  if [ "$name" != baseline ] && ! [[ $name =~ $only ]]; then continue; fi
  flags=(--locked -p "$package" --bench "$name")
  if [ "$features" != - ]; then flags+=(--features "$features"); fi
  echo "bench: $name ($package)" >&2
  t0=$(date +%s)
  # stdout and stderr both: criterion reports on stdout, the benches print figures on either.
  if ! nice -n 5 cargo bench "${flags[@]}" -- "${criterion_args[@]}" >"$out/logs/$name.log" 2>&1; then
    echo "bench: $name failed; the end of its output:" >&2
    tail -n 20 "$out/logs/$name.log" >&2
    exit 1
  fi
  echo "bench: $name done in $(($(date +%s) - t0)) s" >&2
  logs+=(--log "$name=$out/logs/$name.log")
done

if [[ fsyncs =~ $only ]]; then
  echo "bench: fsyncs (counted under the power-loss shim)" >&2
  nice -n 5 cargo test --release --locked -p pos-e2e --test power_loss an_online_sale -- --nocapture \
    >"$out/logs/fsyncs.log" 2>&1 || { tail -n 20 "$out/logs/fsyncs.log" >&2; exit 1; }
  logs+=(--log "fsyncs=$out/logs/fsyncs.log")
fi

if [[ memory =~ $only ]]; then
  day="${POS_BENCH_DAY:-100000}"
  echo "bench: memory over a day of $day payments (release build)" >&2
  nice -n 5 cargo build --release --locked -p pos-e2e --bin day_memory -p pos-cli --bin pos >&2
  rm -rf "$out/day"
  nice -n 5 "$target/release/day_memory" "$out/day" "$day" >"$out/logs/memory.log" 2>&1 ||
    { tail -n 20 "$out/logs/memory.log" >&2; exit 1; }
  # The CLI's read-only commands on that journal (a demo-configured terminal), peak RSS each.
  for cmd in history queue "report --day $(TZ=Asia/Shanghai date +%F)"; do
    # shellcheck disable=SC2086 # cmd is a command and its arguments
    /usr/bin/time -f "cli: $cmd on a $day-payment journal: peak %M kB" \
      "$target/release/pos" --data-dir "$out/day/terminal" --json $cmd >/dev/null 2>>"$out/logs/memory.log" ||
      echo "cli: $cmd failed" >>"$out/logs/memory.log"
  done
  logs+=(--log "memory=$out/logs/memory.log")
fi

peers=()
if [ "${POS_BENCH_PEERS:-1}" != 0 ]; then
  # pyiso8583 pinned as the interop test pins it (core/tests/interop/bridge.rs), in the same venv,
  # built in a staging directory and renamed into place as the test does.
  pyiso_version=4.0.1
  venv="$target/tmp/pyiso-venv"
  has_pyiso() { "$venv/bin/python" -c "import importlib.metadata as m; assert m.version('pyiso8583') == '$pyiso_version'" 2>/dev/null; }
  if ! has_pyiso; then
    echo "peers: installing pyiso8583==$pyiso_version into $venv" >&2
    staging="$venv.staging-$$"
    rm -rf "$staging"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$staging"
    "$staging/bin/python" -m pip install --disable-pip-version-check --no-input --timeout 30 --retries 2 -q \
      "pyiso8583==$pyiso_version" >&2
    if ! has_pyiso; then rm -rf "$venv" && mv "$staging" "$venv"; fi
    rm -rf "$staging"
  fi
  echo "peers: pyiso8583" >&2
  nice -n 5 "$venv/bin/python" bench/peers/pyiso8583_bench.py >"$out/peers/pyiso8583.json"
  peers+=(--peer "pyiso8583=$out/peers/pyiso8583.json")
  echo "peers: moov-io/iso8583" >&2
  (cd bench/peers/moov && nice -n 5 go build -mod=readonly -buildvcs=false -o "$out/moov-peer" .)
  nice -n 5 "$out/moov-peer" bench/peers/sale_request.hex >"$out/peers/moov-io.json"
  peers+=(--peer "moov-io=$out/peers/moov-io.json")
fi

notes=(--note "$(date -u +%FT%TZ), $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty'), \
$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)${POS_BENCH_QUICK:+, POS_BENCH_QUICK=$POS_BENCH_QUICK}")
python3 scripts/bench_table.py --criterion "$target/criterion" --since "$started" "${logs[@]}" "${peers[@]}" \
  --expect-hex bench/peers/sale_request.hex --md "$out/table.md" --json "$out/figures.json" "${notes[@]}"
echo "bench: table in $out/table.md, raw figures in $out/figures.json" >&2
