#!/usr/bin/env python3
"""Times pyiso8583 (PyPI `pyiso8583`, import `iso8583`) encoding and decoding the body (MTI
onwards) of the UnionPay sale request that core/benches/codec.rs times for our codec.

The spec is the interop test's (core/tests/interop/pyiso8583_bridge.py, imported by path); the
field values are those of codec.rs `sale_request()`. Before timing, the encoded body must equal
ours byte for byte (bench/peers/sale_request.hex, printed by that bench as "sale_request: body
hex ...") and decoding ours must give back every value. Prints one JSON line:
{"encode_us", "decode_us", "bytes", "matches", "version", "loops"}.

  target/tmp/pyiso-venv/bin/python bench/peers/pyiso8583_bench.py   (scripts/bench.sh runs it)
POS_BENCH_QUICK=1 times fewer rounds.
"""

import importlib.util
import json
import os
import sys
import timeit
from pathlib import Path

import iso8583

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def load_spec():
    path = ROOT / "core/tests/interop/pyiso8583_bridge.py"
    module_spec = importlib.util.spec_from_file_location("pyiso8583_bridge", path)
    bridge = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(bridge)
    return bridge.SPEC


def icc():
    b = bytes([0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8])
    while len(b) < 100:
        b += bytes([0x9F, 0x10, 0x05, 1, 2, 3, 4, 5])
    return b[:100]


# codec.rs sale_request(), as FinancialRequest::to_message(true) sets its fields.
FIELDS = {
    "t": "0200",
    "2": "6228480402564890018",
    "3": "000000",
    "4": "000000012345",
    "11": "001834",
    "14": "4912",
    "22": "051",
    "23": "001",
    "25": "00",
    "26": "12",
    "35": "6228480402564890018D49121200000000",
    "41": "16688014",
    "42": "898310048990001",
    "49": "156",
    "52": "11" * 8,
    "53": "2620000000000000",
    "55": icc().hex().upper(),
    "60": "22000001000" + "50",
    "64": "00" * 8,
}


def main():
    spec = load_spec()
    ours = bytes.fromhex((HERE / "sale_request.hex").read_text().strip())
    # pyiso8583 takes every value as a str: digits, text, or binary data as hex.
    doc = FIELDS
    raw, _ = iso8583.encode(dict(doc), spec)
    theirs = bytes(raw)
    if theirs != ours:
        first = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
        sys.exit(f"pyiso8583 encodes {len(theirs)} bytes, ours {len(ours)}; first difference at body byte {first}: "
                 f"ours {ours[first:first + 8].hex()}, pyiso8583 {theirs[first:first + 8].hex()}")
    decoded, _ = iso8583.decode(ours, spec)
    for k, v in doc.items():
        if decoded.get(k) != v:
            sys.exit(f"pyiso8583 decodes field {k} of our bytes as {decoded.get(k)!r}, want {v!r}")

    repeat = 3 if os.environ.get("POS_BENCH_QUICK") == "1" else 7
    results, loops = {}, {}
    for op, stmt in (("encode", lambda: iso8583.encode(dict(doc), spec)), ("decode", lambda: iso8583.decode(ours, spec))):
        timer = timeit.Timer(stmt)
        n, _ = timer.autorange()  # at least 0.2 s a round
        best = min(timer.repeat(repeat=repeat, number=n))
        results[op], loops[op] = best / n * 1e6, n * repeat
    print(json.dumps({"encode_us": results["encode"], "decode_us": results["decode"], "bytes": len(theirs),
                      "matches": True, "version": f"pyiso8583 {iso8583.__version__}", "loops": loops}))


if __name__ == "__main__":
    main()
