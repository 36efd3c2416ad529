#!/usr/bin/env bash
# The main job until the end-to-end demo lands: a short merchant session against the built-in
# acquirer simulator (software reader, test cards), then a frame decoded and its MAC checked.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p pos-cli --locked --quiet
pos=target/release/pos
work=$(mktemp -d)
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

$pos sim --listen 127.0.0.1:0 --admin off > "$work/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 1 50); do grep -q "listening on" "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
export POS_HOST=$(sed -nE 's/.*listening on ([0-9.:]+).*/\1/p' "$work/sim.out" | head -n 1)
export POS_DATA_DIR="$work/terminal"
[ -n "$POS_HOST" ] || { echo "the simulator did not start:"; cat "$work/sim.out"; exit 1; }
echo "== 收单模拟器 / acquirer simulator on $POS_HOST =="

step() { echo; echo "== pos $* =="; }
step sign-in;                           $pos sign-in
step sale 88.00 --card debit;           $pos sale 88.00 --card debit
step sale 25.50 --card wrongpin;        $pos sale 25.50 --card wrongpin
step sale 120.00 --card lowbal;         $pos sale 120.00 --card lowbal || true
step void --voucher 1;                  $pos void --voucher 1 --card debit
step preauth open 500.00 --card credit; $pos preauth open 500.00 --card credit
step balance --card debit;              $pos balance --card debit
step offline on;                        $pos offline on
step sale 30.00 --card contactless;     $pos sale 30.00 --card contactless
step queue;                             $pos queue
step offline off;                       $pos offline off
step sync;                              $pos sync
step sign-off;                          $pos sign-off

# A UnionPay sale request (the ECB MAC worked example of vectors/crypto-vectors.md), MAC filled in below.
body=0200302004C020C0981100000000000000005100183402100006324392260009942820D1312101120084393136363838303134303030303030303030303030303031313536ACF46E73838A82F92600000000000000000822000001
key=C24A8FB57AA20123
# Exit status 1 here only says the placeholder MAC differs.
mac=$({ $pos frame mac --algo ecb --key "$key" --body --json "${body}0000000000000000" || true; } | sed -E 's/.*"mac":"([0-9A-F]+)".*/\1/')
step frame decode "(sale request, ECB MAC key $key)"
$pos frame decode --body "${body}${mac}"
step frame mac --algo ecb
$pos frame mac --algo ecb --key "$key" --body "${body}${mac}"
