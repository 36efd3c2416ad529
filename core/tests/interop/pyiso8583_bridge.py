#!/usr/bin/env python3
"""Bridge between the Rust interop test (tests/interop_pyiso8583.rs) and pyiso8583.

pyiso8583 (PyPI `pyiso8583`, import name `iso8583`) is an ISO 8583 codec written
independently of ours. SPEC below describes the China UnionPay POS profile as
tests/vectors/unionpay-profile.md gives it, in pyiso8583's own terms, so that both
codecs can be compared on the same messages. `max_len` is the largest length the
profile *accepts* (core/profiles/unionpay.json "accept"): deployed hosts and later
editions send longer private fields than the older edition, and pyiso8583 only uses
the value as a bound.

The frame length, TPDU and application header are handled outside: every message
passed in or out is the body, starting at the MTI.

Protocol: one JSON object per line on stdin, one JSON object per line on stdout.
  {"op": "decode", "hex": "0200..."} -> {"ok": true, "fields": {"t": "0200", "p": "...", "2": "...", ...}}
  {"op": "decode", "hex": "...", "pads": {"2": {"right_pad": "F"}}} decodes with those fields'
      pad conventions replaced (a host that pads odd-length BCD with F, say)
  {"op": "encode", "fields": {"t": "0200", "2": "...", ...}} -> {"ok": true, "hex": "0200..."}
  {"op": "spec"} -> {"ok": true, "spec": SPEC}
  {"op": "version"} -> {"ok": true, "version": "4.0.1"}
A request that fails answers {"ok": false, "error": "..."}; the bridge keeps running.

Field values are strings: BCD numeric and track fields as their digits (`D` for the
track separator, A-F for encrypted track nibbles), ASCII fields as text, binary fields
as uppercase hex.
"""

import json
import sys

import iso8583


def bcd(max_len, len_type=0, align="left", desc=""):
    """A BCD numeric field of `max_len` digits, padded with a 0 nibble when odd.

    `align` "left" pads at the end (UnionPay's default), "right" pads in front.
    `len_type` is the number of BCD length bytes: 0 fixed, 1 LLVAR, 2 LLLVAR.
    """
    spec = {
        "data_enc": "b",
        "len_enc": "bcd",
        "len_type": len_type,
        "max_len": max_len,
        "len_count": "nibbles",
        "desc": desc,
    }
    if align == "left":
        spec["right_pad"] = "0"
    else:
        spec["left_pad"] = "0"
    return spec


def track(max_len, len_type, desc=""):
    """Track data (`z`): nibbles 0-9, D separator, A-F when encrypted; left-aligned."""
    return bcd(max_len, len_type, "left", desc)


def ascii_field(max_len, len_type=0, desc=""):
    """One ASCII byte per character (`an`, `ans`), BCD length prefix when variable."""
    return {
        "data_enc": "ascii",
        "len_enc": "bcd",
        "len_type": len_type,
        "max_len": max_len,
        "len_count": "bytes",
        "desc": desc,
    }


def binary(max_len, len_type=0, desc=""):
    """Raw bytes (`b`), BCD length prefix when variable."""
    return {
        "data_enc": "b",
        "len_enc": "bcd",
        "len_type": len_type,
        "max_len": max_len,
        "len_count": "bytes",
        "desc": desc,
    }


LL = 1  # LLVAR: one BCD length byte
LLL = 2  # LLLVAR: two BCD length bytes, right-aligned

SPEC = {
    # The header is outside the body: the caller strips TPDU and application header.
    "h": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": 0, "desc": "Message Header"},
    "t": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": 2, "desc": "Message Type"},
    "p": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": 8, "desc": "Primary Bitmap"},
    "1": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": 8, "desc": "Secondary Bitmap"},
    "2": bcd(19, LL, desc="Primary account number"),
    "3": bcd(6, desc="Processing code"),
    "4": bcd(12, desc="Amount, transaction"),
    "11": bcd(6, desc="System trace audit number"),
    "12": bcd(6, desc="Time, local transaction"),
    "13": bcd(4, desc="Date, local transaction"),
    "14": bcd(4, desc="Date, expiration"),
    "15": bcd(4, desc="Date, settlement"),
    "22": bcd(3, align="left", desc="Point of service entry mode"),
    "23": bcd(3, align="right", desc="Card sequence number"),
    "25": bcd(2, desc="Point of service condition code"),
    "26": bcd(2, desc="Point of service PIN capture code"),
    "32": bcd(11, LL, desc="Acquiring institution ID"),
    "35": track(48, LL, desc="Track 2 data"),
    "36": track(112, LLL, desc="Track 3 data"),
    "37": ascii_field(12, desc="Retrieval reference number"),
    "38": ascii_field(6, desc="Authorization code"),
    "39": ascii_field(2, desc="Response code"),
    "41": ascii_field(8, desc="Terminal ID"),
    "42": ascii_field(15, desc="Merchant ID"),
    "44": ascii_field(99, LL, desc="Additional response data"),
    "48": bcd(999, LLL, desc="Additional data (settlement totals)"),
    "49": ascii_field(3, desc="Currency code"),
    "52": binary(8, desc="PIN data"),
    "53": bcd(16, desc="Security related control information"),
    "54": ascii_field(999, LLL, desc="Additional amounts (balance)"),
    "55": binary(999, LLL, desc="IC card data"),
    "60": bcd(999, LLL, desc="Reserved private (message type, batch, network code)"),
    "61": bcd(999, LLL, desc="Original message data"),
    "62": binary(999, LLL, desc="Reserved private (working keys; terminal information in requests)"),
    "63": ascii_field(999, LLL, desc="Reserved private (operator / card organisation)"),
    "64": binary(8, desc="Message authentication code"),
    "102": ascii_field(28, LL, desc="Account identification 1"),
    "103": ascii_field(28, LL, desc="Account identification 2"),
}


def spec_with(pads):
    """SPEC with some fields' pad convention replaced: {"2": {"right_pad": "F"}}."""
    spec = dict(SPEC)
    for key, pad in (pads or {}).items():
        field = {k: v for k, v in spec[key].items() if k not in ("left_pad", "right_pad")}
        field.update(pad)
        spec[key] = field
    return spec


def handle(req):
    op = req.get("op")
    if op == "decode":
        doc_dec, _ = iso8583.decode(bytes.fromhex(req["hex"]), spec_with(req.get("pads")))
        return {"ok": True, "fields": doc_dec}
    if op == "encode":
        # encode() adds "p" (and pops "1"/"65") in the dict it is given: pass a copy.
        raw, _ = iso8583.encode(dict(req["fields"]), SPEC)
        return {"ok": True, "hex": bytes(raw).hex().upper()}
    if op == "spec":
        return {"ok": True, "spec": SPEC}
    if op == "version":
        return {"ok": True, "version": iso8583.__version__}
    return {"ok": False, "error": f"unknown op {op!r}"}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            answer = handle(json.loads(line))
        except Exception as e:  # report every failure to the caller, keep serving
            answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
