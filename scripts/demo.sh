#!/usr/bin/env bash
# The main job until the end-to-end demo lands: decode a UnionPay sale request and check its MAC.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p pos-cli --locked --quiet
pos=target/release/pos
# A UnionPay sale request (the ECB MAC worked example of vectors/crypto-vectors.md), MAC filled in below.
body=0200302004C020C0981100000000000000005100183402100006324392260009942820D1312101120084393136363838303134303030303030303030303030303031313536ACF46E73838A82F92600000000000000000822000001
key=C24A8FB57AA20123
# Exit status 1 here only says the placeholder MAC differs.
mac=$({ $pos frame mac --algo ecb --key "$key" --body --json "${body}0000000000000000" || true; } | sed -E 's/.*"mac":"([0-9A-F]+)".*/\1/')
echo "== pos frame decode (sale request, ECB MAC key $key) =="
$pos frame decode --body "${body}${mac}"
echo
echo "== pos frame mac --algo ecb =="
$pos frame mac --algo ecb --key "$key" --body "${body}${mac}"
