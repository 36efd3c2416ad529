#!/usr/bin/env python3
"""Writes the real-world frame corpus (core/tests/frames/*.hex) and its fuzz seeds.

The frames are in the shapes that later editions of the UnionPay POS specification and
deployed hosts send (docs/wire-profile.md lists the shapes and the public sources): field 60
of 17 to 30 digits, field 62 in 0200 and 0800 requests, 63 with card-organisation codes,
48 subfields, secondary bitmaps, long 55, balances in 54, odd-length BCD padded with 0 or F,
other TPDUs and application headers.

They are built byte by byte here, from the layouts in tests/vectors/unionpay-profile.md,
without the project's codec, so that the Rust tests (core/tests/frames_corpus.rs) check the
codec against frames it did not shape. MACs are computed with PyCryptodome's DES through
tests/vectors/ecb_mac_reference.py (UnionPay ECB MAC and X9.19), not with the Rust crypto.

Each .hex file: `#` lines with the frame's description and metadata, then the frame in hex
(2-byte length, TPDU, header, body).
  # mac: ecb|x919 KEYHEX     field 64 is the MAC of the MAB under that algorithm and key
  # pyiso: 35=right_pad:F    pad conventions pyiso8583 must decode the body with

Re-run (the files are committed; tests only read them):
    python3 -m venv /tmp/corpus-venv && /tmp/corpus-venv/bin/pip install pycryptodome
    /tmp/corpus-venv/bin/python core/tests/frames/make_corpus.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "vectors"))
from ecb_mac_reference import unionpay_ecb_mac, x919_retail_mac  # noqa: E402

FUZZ = os.path.join(HERE, "..", "..", "..", "fuzz", "corpus", "frame_decode")

ECB_KEY = bytes.fromhex("C24A8FB57AA20123")
X919_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")

TPDU = bytes.fromhex("6000030000")
TPDU_REPLY = bytes.fromhex("6000000003")
HDR_MAG = bytes.fromhex("603100000000")
HDR_IC = bytes.fromhex("613100000000")

TID = "10290001"
MID = "898310048990001"
PAN = "6228480402564890018"  # 19 digits: odd, so it is padded
TRACK2 = "6228480402564890018D29122201234567890"  # 37: odd


# ---------------------------------------------------------------------------
# Field encoders (UnionPay: BCD length prefixes, BCD numerics, ASCII an/ans, raw b)
# ---------------------------------------------------------------------------


def bcd_len(n, width):
    """A BCD length prefix: 1 byte (LLVAR) or 2 bytes right-aligned (LLLVAR)."""
    digits = f"{n:0{width * 2}d}"
    assert len(digits) == width * 2, (n, width)
    return bytes.fromhex(digits)


def nibbles(chars, align="left", pad="0"):
    """Digits (or track nibbles, D as separator) packed two a byte, odd ones padded."""
    s = chars
    if len(s) % 2:
        s = s + pad if align == "left" else pad + s
    return bytes.fromhex(s)


def n_fix(digits, align="left", pad="0"):
    return nibbles(digits, align, pad)


def n_var(digits, width, pad="0", align="left"):
    return bcd_len(len(digits), width) + nibbles(digits, align, pad)


def a_fix(text):
    return text.encode("ascii")


def a_var(text, width):
    data = text.encode("ascii")
    return bcd_len(len(data), width) + data


def b_fix(data):
    return bytes(data)


def b_var(data, width):
    return bcd_len(len(data), width) + bytes(data)


LL, LLL = 1, 2


def tlv(tag, value):
    """BER-TLV: tag bytes, definite length (short or long form), value."""
    t = bytes.fromhex(tag)
    n = len(value)
    if n < 0x80:
        ln = bytes([n])
    elif n < 0x100:
        ln = bytes([0x81, n])
    else:
        ln = bytes([0x82, n >> 8, n & 0xFF])
    return t + ln + bytes(value)


def icc_request(extra=b""):
    """Field 55 of a chip sale: the tags UnionPay asks for (9F26, 9F27, 9F10, 9F37, 9F36, 95, ...)."""
    return (
        tlv("9F26", bytes.fromhex("A1B2C3D4E5F60718"))
        + tlv("9F27", b"\x80")
        + tlv("9F10", bytes.fromhex("07010103A0A802010A010000000000A1B2C3D4"))
        + tlv("9F37", bytes.fromhex("AABBCCDD"))
        + tlv("9F36", bytes.fromhex("0021"))
        + tlv("95", bytes.fromhex("0000000800"))
        + tlv("9A", bytes.fromhex("250615"))
        + tlv("9C", b"\x00")
        + tlv("9F02", bytes.fromhex("000000012345"))
        + tlv("5F2A", bytes.fromhex("0156"))
        + tlv("82", bytes.fromhex("7C00"))
        + tlv("9F1A", bytes.fromhex("0156"))
        + tlv("9F03", bytes.fromhex("000000000000"))
        + tlv("9F33", bytes.fromhex("E0E1C8"))
        + tlv("9F34", bytes.fromhex("420300"))
        + tlv("9F35", b"\x22")
        + tlv("9F1E", b"SN000001")
        + tlv("84", bytes.fromhex("A000000333010101"))
        + tlv("9F09", bytes.fromhex("0030"))
        + tlv("9F41", bytes.fromhex("00000123"))
        + extra
    )


# ---------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------


def bitmap(numbers):
    words = [0, 0]
    for n in numbers:
        i = n - 1
        words[i // 64] |= 1 << (63 - i % 64)
    secondary = words[1] != 0
    if secondary:
        words[0] |= 1 << 63
    out = words[0].to_bytes(8, "big")
    if secondary:
        out += words[1].to_bytes(8, "big")
    return out


def body(mti, fields, empty_secondary=False):
    """MTI (2 BCD bytes), bitmap(s), then the already encoded fields in order."""
    numbers = sorted(fields)
    bm = bitmap(numbers)
    if empty_secondary:
        assert len(bm) == 8
        bm = bytes([bm[0] | 0x80]) + bm[1:] + bytes(8)
    return bytes.fromhex(mti) + bm + b"".join(fields[n] for n in numbers)


FRAMES = []


def frame(name, description, mti, fields, *, tpdu=TPDU, header=HDR_MAG, mac=None, pyiso=None, empty_secondary=False):
    fields = dict(fields)
    if mac:
        fields[64] = bytes(8)
    b = body(mti, fields, empty_secondary)
    if mac:
        assert max(fields) == 64, "field 64 must be the last field for the MAB to end before it"
        mab = b[:-8]
        algo, key = mac
        value = unionpay_ecb_mac(key, mab) if algo == "ecb" else x919_retail_mac(key, mab)
        b = mab + value
    content = bytes(tpdu) + bytes(header) + b
    whole = len(content).to_bytes(2, "big") + content
    FRAMES.append((name, description, whole, mac, pyiso or {}))


def f60(code, batch="000001", net="000", *optional):
    return code + batch + net + "".join(optional)


def sale_fields(f60_digits, extra=None):
    f = {
        2: n_var(PAN, LL),
        3: n_fix("000000"),
        4: n_fix("000000012345"),
        11: n_fix("000123"),
        14: n_fix("2912"),
        22: n_fix("051"),
        23: n_fix("001", "right"),
        25: n_fix("00"),
        26: n_fix("12"),
        35: n_var(TRACK2, LL),
        41: a_fix(TID),
        42: a_fix(MID),
        49: a_fix("156"),
        52: b_fix(bytes.fromhex("1234567890ABCDEF")),
        53: n_fix("2600000000000000"),
        55: b_var(icc_request(), LLL),
        60: n_var(f60_digits, LLL),
    }
    f.update(extra or {})
    return f


def response_fields(f60_digits, extra=None, proc="000000", rc="00"):
    f = {
        2: n_var(PAN, LL),
        3: n_fix(proc),
        4: n_fix("000000012345"),
        11: n_fix("000123"),
        12: n_fix("153012"),
        13: n_fix("0615"),
        14: n_fix("2912"),
        15: n_fix("0616"),
        25: n_fix("00"),
        32: n_var("48021000", LL),
        37: a_fix("251660012345"),
        38: a_fix("A1B2C3"),
        39: a_fix(rc),
        41: a_fix(TID),
        42: a_fix(MID),
        44: a_var("01020000   03050000   ", LL),
        49: a_fix("156"),
        60: n_var(f60_digits, LLL),
    }
    f.update(extra or {})
    return f


ECB = ("ecb", ECB_KEY)
X919 = ("x919", X919_KEY)

# --- Field 60 of 17 to 30 digits -------------------------------------------------------

frame(
    "01-sale-f60-19-captured-shape",
    "0200 chip sale as a deployed terminal sends it: field 60 of 19 digits (60.1-60.7 and two "
    "more digits), the shape of the publicly posted capture that the older n...017 refused",
    "0200",
    sale_fields(f60("22", "000001", "000", "5", "0", "1", "000", "00")),
    header=HDR_IC,
    mac=ECB,
)
frame(
    "02-sale-f60-17-later-edition",
    "0200 sale with 60.1-60.7 exactly (17 digits): 60.6 partial approval supported, 60.7 account type 000",
    "0200",
    sale_fields(f60("22", "000002", "000", "6", "0", "1", "000")),
    header=HDR_IC,
    mac=X919,
)
frame(
    "03-sale-f60-18",
    "0200 sale, field 60 of 18 digits (one digit after 60.7)",
    "0200",
    sale_fields(f60("22", "000002", "000", "6", "0", "1", "000", "1")),
    mac=ECB,
)
frame(
    "04-sale-f60-20",
    "0200 swiped sale without 23/55, field 60 of 20 digits",
    "0200",
    {
        k: v
        for k, v in sale_fields(f60("22", "000003", "000", "2", "0", "0", "000", "001")).items()
        if k not in (23, 55)
    }
    | {22: n_fix("021")},
    mac=X919,
)
frame(
    "05-sale-f60-21-ic-header",
    "0200 contactless sale, IC application header, field 60 of 21 digits",
    "0200",
    sale_fields(f60("22", "000003", "000", "6", "0", "1", "048", "0012"), {22: n_fix("072")}),
    header=HDR_IC,
    mac=ECB,
)
frame(
    "06-balance-inquiry-f60-22",
    "0200 balance inquiry (310000), field 60 of 22 digits",
    "0200",
    {
        k: v
        for k, v in sale_fields(f60("01", "000004", "000", "6", "0", "0", "000", "00000")).items()
        if k not in (4, 49)
    }
    | {3: n_fix("310000")},
    mac=X919,
)
frame(
    "07-preauth-f60-24",
    "0100 pre-authorisation, condition code 06, field 60 of 24 digits",
    "0100",
    sale_fields(f60("10", "000004", "000", "6", "0", "1", "000", "0000000"), {3: n_fix("030000"), 25: n_fix("06")}),
    mac=ECB,
)
frame(
    "08-void-f60-25-f61",
    "0200 void (200000) with 37/38 and 61, field 60 of 25 digits",
    "0200",
    sale_fields(
        f60("23", "000005", "000", "6", "0", "1", "000", "12345678"),
        {3: n_fix("200000"), 37: a_fix("251660012345"), 38: a_fix("A1B2C3"), 61: n_var("000005000122", LLL)},
    ),
    mac=X919,
)
frame(
    "09-refund-f60-26-f61-31",
    "0220 refund with field 61 of 31 digits (batch, STAN, date and 15 more) and 60 of 26 digits",
    "0220",
    sale_fields(
        f60("25", "000005", "000", "6", "0", "1", "000", "123456789"),
        {
            3: n_fix("200000"),
            37: a_fix("251660012345"),
            61: n_var("0000050001220615" + "000000000000000", LLL),
        },
    ),
    mac=ECB,
)
frame(
    "10-reversal-f60-28",
    "0400 reversal (reason 98 in 39) of a sale whose field 60 is 28 digits",
    "0400",
    {
        k: v
        for k, v in sale_fields(f60("22", "000006", "000", "6", "0", "1", "000", "12345678901")).items()
        if k not in (26, 52)
    }
    | {39: a_fix("98")},
    mac=X919,
)
frame(
    "11-sale-response-f60-30-cup",
    "0210 approval from a host that answers with field 60 of 30 digits and 63 = CUP",
    "0210",
    response_fields(f60("22", "000006", "000", "6", "0", "1", "000", "1234567890123"), {63: a_var("CUP", LLL)}),
    tpdu=TPDU_REPLY,
    mac=ECB,
)

# --- Field 62 in requests ------------------------------------------------------------------

TERMINAL_INFO = (
    tlv("5F01", b"NEW9220XB0123456")  # terminal serial number
    + tlv("5F02", b"V2.1.07 ")  # application version
    + tlv("5F03", b"N910")  # model
)

frame(
    "12-sale-f62-terminal-info",
    "0200 sale carrying terminal information TLVs in 62 (serial number under 5F01), 60 of 19 digits",
    "0200",
    sale_fields(f60("22", "000007", "000", "6", "0", "1", "000", "00"), {62: b_var(TERMINAL_INFO, LLL)}),
    header=HDR_IC,
    mac=ECB,
)
frame(
    "13-signin-0800-f62-terminal-info",
    "0800 sign-in (60.3 = 003) with terminal information TLVs in 62 and operator 63",
    "0800",
    {
        11: n_fix("000124"),
        41: a_fix(TID),
        42: a_fix(MID),
        60: n_var(f60("00", "000007", "003"), LLL),
        62: b_var(TERMINAL_INFO + tlv("5F04", b"\x01\x02"), LLL),
        63: a_var("01 ", LLL),
    },
)
TUSN = b"A2" + b"01002" + b"02" + b"02016" + b"NEW9220XB0123456" + b"05008" + b"V2.1.07 "
frame(
    "14-signin-0800-f62-tusn-ascii",
    "0800 sign-in (60.3 = 004) with the terminal's hardware serial number as ASCII tag-length-value "
    "(A2, 01 device type, 02 serial, 05 version) in 62, as some acquirers place it",
    "0800",
    {
        11: n_fix("000125"),
        41: a_fix(TID),
        42: a_fix(MID),
        60: n_var(f60("00", "000007", "004"), LLL),
        62: b_var(TUSN, LLL),
        63: a_var("001", LLL),
    },
)
frame(
    "15-signin-response-0810-f62-84",
    "0810 sign-in answer: 62 of 84 bytes (PIK, MAK, TDK with check values), 60 of 17 digits, 44 longer than 25",
    "0810",
    {
        11: n_fix("000125"),
        12: n_fix("090102"),
        13: n_fix("0615"),
        32: n_var("48021000001", LL),
        37: a_fix("251660000001"),
        39: a_fix("00"),
        41: a_fix(TID),
        42: a_fix(MID),
        44: a_var("SIGN-IN OK  ACQUIRER 4802100000", LL),
        60: n_var(f60("00", "000008", "004", "000000"), LLL),
        62: b_var(bytes(range(0x10, 0x10 + 84)), LLL),
    },
    tpdu=TPDU_REPLY,
    header=HDR_IC,
)

# --- Field 63: card organisation codes and operators --------------------------------------

for i, (org, issuer) in enumerate(
    [("VIS", "VISA INTERNATIONAL  "), ("MCC", "MASTERCARD WORLDWIDE"), ("JCB", "JCB INTERNATIONAL   ")]
):
    frame(
        f"{16 + i}-sale-response-f63-{org.lower()}",
        f"0210 approval of a foreign card: 63 = {org} (card organisation) then issuer text"
        + (", 63 longer than 163" if org == "JCB" else ""),
        "0210",
        response_fields(
            f60("22", "000008", "000", "6", "0", "1", "000"),
            {
                63: a_var(org + issuer + ("REMARK " * 30 if org == "JCB" else ""), LLL),
                55: b_var(tlv("91", bytes.fromhex("1122334455667788990A")), LLL),
            },
        ),
        tpdu=TPDU_REPLY,
        header=HDR_IC,
        mac=X919 if i % 2 else ECB,
    )
frame(
    "19-sale-f63-operator",
    "0200 sale with the operator number in 63 (request use) and 60 of 17 digits",
    "0200",
    sale_fields(f60("22", "000009", "000", "6", "0", "1", "000"), {63: a_var("001", LLL)}),
    mac=X919,
)

# --- Field 48 subfields ---------------------------------------------------------------------

TOTALS = "000001234560070000000005000010" + "0" + "000000000000000000000000000000" + "0"
frame(
    "20-settlement-0500-f48-totals",
    "0500 settlement: 48 = domestic and foreign totals (2 x 31 digits), 60.3 = 201, 63 operator",
    "0500",
    {
        11: n_fix("000126"),
        41: a_fix(TID),
        42: a_fix(MID),
        48: n_var(TOTALS, LLL),
        49: a_fix("156"),
        60: n_var(f60("00", "000009", "201"), LLL),
        63: a_var("01 ", LLL),
    },
    mac=ECB,
)
frame(
    "21-settlement-response-0510-f48-unbalanced",
    "0510: totals with reconciliation code 2 (not balanced) and 60 of 19 digits",
    "0510",
    {
        11: n_fix("000126"),
        12: n_fix("230101"),
        13: n_fix("0615"),
        15: n_fix("0616"),
        37: a_fix("251660000002"),
        39: a_fix("00"),
        41: a_fix(TID),
        42: a_fix(MID),
        48: n_var(TOTALS[:30] + "2" + TOTALS[31:61] + "1", LLL),
        49: a_fix("156"),
        60: n_var(f60("00", "000009", "201", "00000000"), LLL),
    },
    tpdu=TPDU_REPLY,
    mac=X919,
)


def batch_records(n):
    out = f"{n:02d}"
    for i in range(n):
        out += "00" + f"{100 + i:06d}" + "62284800000000001234" + f"{(i + 1) * 100:012d}"
    return out


frame(
    "22-batch-upload-0320-f48-records",
    "0320 magstripe batch upload (60.3 = 201): 48 = count and three 40-digit records",
    "0320",
    {
        11: n_fix("000127"),
        41: a_fix(TID),
        42: a_fix(MID),
        48: n_var(batch_records(3), LLL),
        60: n_var(f60("00", "000009", "201"), LLL),
    },
    mac=ECB,
)
frame(
    "23-batch-upload-0320-f48-nine-records",
    "0320 batch upload from a host profile allowing nine records: 48 of 362 digits (more than n...322)",
    "0320",
    {
        11: n_fix("000128"),
        41: a_fix(TID),
        42: a_fix(MID),
        48: n_var(batch_records(9), LLL),
        60: n_var(f60("00", "000009", "201"), LLL),
    },
    mac=X919,
)
frame(
    "24-batch-end-0320-f48-count",
    "0320 end of batch upload (60.3 = 207): 48 = count n4, 60 of 13 digits",
    "0320",
    {
        11: n_fix("000129"),
        41: a_fix(TID),
        42: a_fix(MID),
        48: n_var("0012", LLL),
        60: n_var(f60("00", "000009", "207", "6", "0"), LLL),
    },
    mac=ECB,
)

# --- Secondary bitmaps ------------------------------------------------------------------------

frame(
    "25-echo-0820-empty-secondary-bitmap",
    "0820 echo test (60.3 = 301) from a host that always sends a secondary bitmap, empty here",
    "0820",
    {11: n_fix("000130"), 41: a_fix(TID), 42: a_fix(MID), 60: n_var(f60("00", "000009", "301"), LLL)},
    empty_secondary=True,
)
frame(
    "26-transfer-0200-f102-f103-secondary",
    "0200 account transfer with 102/103 (account identification) behind a secondary bitmap",
    "0200",
    {
        2: n_var(PAN, LL),
        3: n_fix("400000"),
        4: n_fix("000000100000"),
        11: n_fix("000131"),
        22: n_fix("021"),
        25: n_fix("00"),
        35: n_var(TRACK2, LL),
        41: a_fix(TID),
        42: a_fix(MID),
        49: a_fix("156"),
        60: n_var(f60("22", "000009", "000", "2", "0", "0", "000", "0"), LLL),
        102: a_var("6228480402564890018", LL),
        103: a_var("6217000010001234567", LL),
    },
)

# --- Long field 55 ----------------------------------------------------------------------------

frame(
    "27-sale-f55-long",
    "0200 chip sale whose 55 is 326 bytes (9F63, DF31, a long 9F10 and issuer discretionary data)",
    "0200",
    sale_fields(
        f60("22", "000010", "000", "5", "0", "1", "000", "00"),
        {55: b_var(icc_request(tlv("9F63", bytes(16)) + tlv("DF31", bytes(5)) + tlv("9F7C", bytes(range(150)))), LLL)},
    ),
    header=HDR_IC,
    mac=X919,
)
frame(
    "28-sale-response-f55-scripts",
    "0210 approval with 55 of 287 bytes: 91 issuer authentication data and 71/72 issuer scripts",
    "0210",
    response_fields(
        f60("22", "000010", "000", "5", "0", "1", "000"),
        {
            55: b_var(
                tlv("91", bytes.fromhex("1122334455667788990A"))
                + tlv("71", tlv("9F18", b"\x00\x00\x00\x01") + tlv("86", bytes(range(120))))
                + tlv("72", tlv("9F18", b"\x00\x00\x00\x02") + tlv("86", bytes(range(120, 250)))),
                LLL,
            ),
            63: a_var("CUP", LLL),
        },
    ),
    tpdu=TPDU_REPLY,
    header=HDR_IC,
    mac=ECB,
)

# --- Balances in 54 -------------------------------------------------------------------------------

for i, blocks in enumerate(
    [
        ["1002156C000000123456"],
        ["1001156C000000123456", "1002156C000000100000"],
        ["1001156D000000005000", "1002156C000000000000", "3002840C000000001999"],
    ]
):
    frame(
        f"{29 + i}-balance-response-f54-{len(blocks)}-block{'s' if len(blocks) > 1 else ''}",
        f"0210 balance inquiry answer: 54 with {len(blocks)} amount block(s) of 20 "
        "(account type, amount type, currency, C/D, n12)",
        "0210",
        {k: v for k, v in response_fields(f60("01", "000010", "000", "6", "0", "1", "000")).items() if k not in (4, 38, 49)}
        | {3: n_fix("310000"), 54: a_var("".join(blocks), LLL)},
        tpdu=TPDU_REPLY,
        mac=X919 if i % 2 else ECB,
    )

# --- Odd-length BCD with each pad convention ----------------------------------------------------

frame(
    "32-sale-pad-f-pan-track",
    "0200 sale from a terminal that pads odd-length BCD with F: 2 (19 digits), 35 (37) and 60 (19)",
    "0200",
    sale_fields(
        f60("22", "000011", "000", "6", "0", "1", "000", "00"),
        {2: n_var(PAN, LL, pad="F"), 35: n_var(TRACK2, LL, pad="F"), 60: n_var(f60("22", "000011", "000", "6", "0", "1", "000", "00"), LLL, pad="F")},
    ),
    mac=ECB,
    pyiso={"2": {"right_pad": "F"}, "35": {"right_pad": "F"}, "60": {"right_pad": "F"}},
)
frame(
    "33-sale-response-pad-f-f32-f60",
    "0210 from a host padding with F: 32 of 11 digits and 60 of 21 digits",
    "0210",
    response_fields(
        f60("22", "000011", "000"),
        {
            32: n_var("48021000001", LL, pad="F"),
            60: n_var(f60("22", "000011", "000", "6", "0", "1", "000", "0000"), LLL, pad="F"),
            63: a_var("CUP", LLL),
        },
    ),
    tpdu=TPDU_REPLY,
    mac=X919,
    pyiso={"32": {"right_pad": "F"}, "60": {"right_pad": "F"}},
)
frame(
    "34-sale-pad-f-right-aligned-f23",
    "0200 chip sale with 23 (right-aligned n3) padded in front with F, 60 of 13 digits padded 0",
    "0200",
    sale_fields(f60("22", "000012", "000", "5", "0"), {23: n_fix("001", "right", "F")}),
    header=HDR_IC,
    mac=ECB,
    pyiso={"23": {"left_pad": "F"}},
)
frame(
    "35-sale-pad-0-odd-fields",
    "0200 sale with every odd-length BCD padded 0: 2 (19), 22 (3), 23 (3, right-aligned), 35 (37), 60 (21)",
    "0200",
    sale_fields(f60("22", "000012", "000", "5", "0", "1", "000", "0000")),
    header=HDR_IC,
    mac=X919,
)

# --- Other TPDUs and application headers --------------------------------------------------------

frame(
    "36-sale-other-tpdu-and-header-status",
    "0200 sale through TPDU 60 0001 8000 with header 60 31 01 (processing requirement 1: the host "
    "asks for a parameter download) and sub-version 000001",
    "0200",
    sale_fields(f60("22", "000013", "000", "6", "0", "1", "000", "00")),
    tpdu=bytes.fromhex("6000018000"),
    header=bytes.fromhex("603101000001"),
    mac=ECB,
)
frame(
    "37-response-unusual-tpdu-and-header",
    "0210 through a TPDU with protocol id 68 and header 62 22 03 31 17 01 (another application type "
    "and version)",
    "0210",
    response_fields(f60("22", "000013", "000", "6", "0", "1", "000", "00"), {63: a_var("CUP", LLL)}),
    tpdu=bytes.fromhex("6880000001"),
    header=bytes.fromhex("622203311701"),
    mac=X919,
)
frame(
    "38-echo-response-0830-f60-20",
    "0830 echo answer with 60 of 20 digits and a header asking the terminal to sign in again "
    "(processing requirement 3)",
    "0830",
    {
        11: n_fix("000130"),
        12: n_fix("230102"),
        13: n_fix("0615"),
        37: a_fix("251660000003"),
        39: a_fix("00"),
        41: a_fix(TID),
        42: a_fix(MID),
        60: n_var(f60("00", "000013", "301", "000000000"), LLL),
    },
    tpdu=TPDU_REPLY,
    header=bytes.fromhex("603103000000"),
)


def main():
    os.makedirs(FUZZ, exist_ok=True)
    for old in os.listdir(HERE):
        if old.endswith(".hex"):
            os.remove(os.path.join(HERE, old))
    for name, description, whole, mac, pyiso in FRAMES:
        lines = [f"# {description}"]
        if mac:
            lines.append(f"# mac: {mac[0]} {mac[1].hex().upper()}")
        if pyiso:
            pads = " ".join(f"{k}={kk}:{vv}" for k, p in pyiso.items() for kk, vv in p.items())
            lines.append(f"# pyiso: {pads}")
        h = whole.hex().upper()
        lines += [h[i : i + 96] for i in range(0, len(h), 96)]
        with open(os.path.join(HERE, f"{name}.hex"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(FUZZ, f"corpus-{name}.bin"), "wb") as f:
            f.write(whole)
    print(f"{len(FRAMES)} frames")


if __name__ == "__main__":
    main()
