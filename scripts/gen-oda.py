#!/usr/bin/env python3
"""Personalises the test deck's chip cards for static data authentication (EMV SDA), in Python,
independently of the Rust code that verifies them.

Writes:
  core/tests/vectors/oda-test-ca.txt   the test CA public key as a 370 answer's TLV (what the
                                       simulator serves), and a wrong key under the same index
  core/src/reader/sda_cards.rs         each chip card's CA index (8F), issuer public key
                                       certificate (90), issuer exponent (9F32) and signed static
                                       application data (93)

The keys are made here from a fixed seed: they are test keys of this project (RID A000000333,
index F9, which no UnionPay key uses), never a scheme's. Their private halves are not kept.

EMV Book 2, sections 5.1-5.4 (SDA):
  issuer certificate, N_CA bytes, recovered: 6A 02 | issuer id (4, PAN digits padded F) |
    expiry MMYY | serial (3) | 01 hash | 01 RSA | N_I | exponent length | issuer modulus padded
    BB to N_CA-36 | SHA-1 over the fields from 02 on plus remainder and exponent | BC
  signed static data, N_I bytes, recovered: 6A 03 | 01 | data authentication code (2) |
    BB padding | SHA-1 over 03 .. padding, the static data and the AIP | BC
The static data of a simulated card (our choice of records): 5A PAN (BCD, padded F) and 5F24
expiry YYMMDD (the month's last day), as BER-TLV; then the AIP (tag list 9F4A = 82).

Run `python3 scripts/gen-oda.py` from the repository root; the output is committed.
"""
import calendar
import hashlib
import random

RID = bytes.fromhex("A000000333")
INDEX = 0xF9
CA_BITS = 1024
ISSUER_BITS = 704  # N_I = 88 <= N_CA - 36 = 92: the whole issuer key fits in its certificate
E = 3
CERT_EXPIRY = bytes.fromhex("1230")  # MMYY: December 2030
KEY_EXPIRY = b"20301231"

# (id, PAN, card expiry YYMM, AIP) of each chip card in core/src/deck.rs (chip, chip offline,
# contactless); the swipe-only cards and the fallback card have no chip data to authenticate.
CHIP = bytes.fromhex("7C00")
CONTACTLESS = bytes.fromhex("0080")
CARDS = [
    ("debit", "6228480402564890018", "3012", CHIP),
    ("credit", "6258070001234565", "3012", CHIP),
    ("contactless", "6235010000123456786", "3012", CONTACTLESS),
    ("offline", "6222020000111122222", "3012", CHIP),
    ("hotlisted", "6222029999888877770", "3012", CHIP),
    ("expired", "6228481111222233334", "2401", CHIP),
    ("lost", "6228482222333344446", "3012", CHIP),
    ("stolen", "6228483333444455556", "3012", CHIP),
    ("restricted", "6228484444555566666", "3012", CHIP),
    ("lowbal", "6228485555666677776", "3012", CHIP),
    ("pinlocked", "6228486666777788888", "3012", CHIP),
    ("wrongpin", "6228487777888899990", "3012", CHIP),
    ("visa", "4012345678901239", "3012", CHIP),
]


def is_probable_prime(n, rng):
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(40):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def prime(bits, rng):
    while True:
        n = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if (n - 1) % E != 0 and is_probable_prime(n, rng):
            return n


def keypair(bits, rng):
    while True:
        p, q = prime(bits // 2, rng), prime(bits // 2, rng)
        n = p * q
        if p != q and n.bit_length() == bits:
            d = pow(E, -1, (p - 1) * (q - 1))
            return n, d


def i2b(n, length):
    return n.to_bytes(length, "big")


def tlv(tag, value):
    t = bytes.fromhex(tag)
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return t + length + value


def capk_tlv(modulus, exponent):
    checksum = hashlib.sha1(RID + bytes([INDEX]) + modulus + exponent).digest()
    return (
        tlv("9F06", RID) + tlv("9F22", bytes([INDEX])) + tlv("DF05", KEY_EXPIRY) + tlv("DF06", b"\x01")
        + tlv("DF07", b"\x01") + tlv("DF02", modulus) + tlv("DF04", exponent) + tlv("DF03", checksum)
    )


def pan_bcd(pan):
    digits = pan + ("F" if len(pan) % 2 else "")
    return bytes.fromhex(digits)


def static_data(pan, expiry):
    yy, mm = int(expiry[:2]), int(expiry[2:])
    last = calendar.monthrange(2000 + yy, mm)[1]
    return tlv("5A", pan_bcd(pan)) + tlv("5F24", bytes.fromhex(f"{yy:02d}{mm:02d}{last:02d}"))


def main():
    rng = random.Random(0x5DA_0F9)
    ca_n, ca_d = keypair(CA_BITS, rng)
    n_ca = CA_BITS // 8
    iss_n, iss_d = keypair(ISSUER_BITS, rng)
    n_i = ISSUER_BITS // 8
    wrong_n, _ = keypair(CA_BITS, rng)
    exponent = bytes([E])

    with open("core/tests/vectors/oda-test-ca.txt", "w") as f:
        f.write("# This project's test CA public key for offline data authentication (scripts/gen-oda.py):\n")
        f.write("# RID A000000333, index F9, 1024 bits, exponent 3; the test deck's chip cards carry issuer\n")
        f.write("# certificates signed by it. Not a UnionPay key. 'pos-test-f9-wrong' is another key under the\n")
        f.write("# same RID and index with a valid check sum: what a terminal given the wrong key holds.\n")
        f.write(f"pos-test-f9 {capk_tlv(i2b(ca_n, n_ca), exponent).hex().upper()}\n")
        f.write(f"pos-test-f9-wrong {capk_tlv(i2b(wrong_n, n_ca), exponent).hex().upper()}\n")

    rows = []
    for serial, (card_id, pan, expiry, aip) in enumerate(CARDS, start=1):
        issuer_id = bytes.fromhex(pan[:6] + "FF")
        issuer_modulus = i2b(iss_n, n_i)
        padded = issuer_modulus + b"\xBB" * (n_ca - 36 - n_i)
        head = (
            b"\x02" + issuer_id + CERT_EXPIRY + serial.to_bytes(3, "big") + b"\x01\x01"
            + bytes([n_i, len(exponent)]) + padded
        )
        digest = hashlib.sha1(head + exponent).digest()
        recovered = b"\x6A" + head + digest + b"\xBC"
        assert len(recovered) == n_ca
        cert = i2b(pow(int.from_bytes(recovered, "big"), ca_d, ca_n), n_ca)
        assert i2b(pow(int.from_bytes(cert, "big"), E, ca_n), n_ca) == recovered

        dac = hashlib.sha1(pan.encode()).digest()[:2]
        ssad_head = b"\x03\x01" + dac + b"\xBB" * (n_i - 26)
        ssad_digest = hashlib.sha1(ssad_head + static_data(pan, expiry) + aip).digest()
        ssad_recovered = b"\x6A" + ssad_head + ssad_digest + b"\xBC"
        assert len(ssad_recovered) == n_i
        ssad = i2b(pow(int.from_bytes(ssad_recovered, "big"), iss_d, iss_n), n_i)
        rows.append((card_id, cert.hex().upper(), ssad.hex().upper()))

    out = [
        "//! Generated by `scripts/gen-oda.py` (do not edit): the static data authentication data of",
        "//! the test deck's chip cards, signed in Python by this project's test CA (RID A000000333,",
        "//! index F9: `core/tests/vectors/oda-test-ca.txt`) and its test issuer. The Rust side only",
        "//! verifies it (`reader::oda`).",
        "",
        "/// The CA public key index (tag 8F) of every test card.",
        f"pub(crate) const CA_INDEX: u8 = 0x{INDEX:02X};",
        "/// The issuer public key exponent (tag 9F32).",
        f"pub(crate) const ISSUER_EXPONENT: &[u8] = &[0x{E:02X}];",
        "",
        "/// (card id, issuer public key certificate (90), signed static application data (93)), hex.",
        "pub(crate) const CARDS: &[(&str, &str, &str)] = &[",
    ]
    for card_id, cert, ssad in rows:
        out.append(f'    ("{card_id}", "{cert}", "{ssad}"),')
    out.append("];")
    with open("core/src/reader/sda_cards.rs", "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
