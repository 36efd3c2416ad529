#!/usr/bin/env python3
"""Independent reference for the UnionPay "ECB" MAC worked example in crypto-vectors.md.

The expected value in core/tests/crypto_vectors.rs was computed with this script,
using the DES of PyCryptodome (not the Rust `des` crate), so the Rust test checks
our implementation against a second one.

Re-run:
    python3 -m venv /tmp/ecbmac-venv
    /tmp/ecbmac-venv/bin/pip install pycryptodome
    /tmp/ecbmac-venv/bin/python core/tests/vectors/ecb_mac_reference.py
"""

from Crypto.Cipher import DES, DES3

KEY = bytes.fromhex("C24A8FB57AA20123")
MAB = bytes.fromhex(
    "0200302004C020C0981100000000000000005100183402100006324392260009942820D131"
    "2101120084393136363838303134303030303030303030303030303031313536ACF46E7383"
    "8A82F92600000000000000000822000001"
)


def encrypt(key: bytes, block: bytes) -> bytes:
    """Single DES for an 8-byte key, TDES (EDE) for 16 or 24 bytes, as the Rust code does."""
    if len(key) == 8:
        return DES.new(key, DES.MODE_ECB).encrypt(block)
    return DES3.new(key, DES3.MODE_ECB).encrypt(block)


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def unionpay_ecb_mac(key: bytes, mab: bytes) -> bytes:
    # 1. Split into 8-byte blocks, zero-pad the last (an empty MAB is one zero block).
    padded = mab + b"\x00" * ((-len(mab)) % 8)
    if not padded:
        padded = b"\x00" * 8
    # 2. XOR all blocks.
    acc = bytes(8)
    for i in range(0, len(padded), 8):
        acc = xor(acc, padded[i : i + 8])
    # 3. Write the result as 16 uppercase hex characters.
    hex_chars = acc.hex().upper().encode("ascii")
    # 4. Encrypt the first 8 characters, 5. XOR with the last 8 characters,
    # 6. encrypt again.
    step = encrypt(key, hex_chars[:8])
    step = encrypt(key, xor(step, hex_chars[8:]))
    # 7. First 8 hex characters of the result, as ASCII.
    return step.hex().upper().encode("ascii")[:8]


def x919_retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 algorithm 3, padding method 1: used here only to check this script's DES."""
    padded = data + b"\x00" * ((-len(data)) % 8)
    k1, k2 = key[:8], key[8:16]
    h = bytes(8)
    for i in range(0, len(padded), 8):
        h = DES.new(k1, DES.MODE_ECB).encrypt(xor(h, padded[i : i + 8]))
    h = DES.new(k2, DES.MODE_ECB).decrypt(h)
    return DES.new(k1, DES.MODE_ECB).encrypt(h)


if __name__ == "__main__":
    # Sanity: the published X9.19 vectors must come out of the same DES.
    k = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    assert x919_retail_mac(k, b"Now is the time for all ").hex().upper() == "A1C72E74EA3FA9B6"
    assert x919_retail_mac(k, b"Now is the time for it").hex().upper() == "2E2B1428CC78254F"
    mac = unionpay_ecb_mac(KEY, MAB)
    print("field 64 (ASCII):", mac.decode("ascii"))
    print("field 64 (hex)  :", mac.hex().upper())
