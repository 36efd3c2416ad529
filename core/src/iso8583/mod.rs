//! ISO 8583: a spec-driven codec and the UnionPay POS profile.
