//! The China UnionPay POS profile (vectors/unionpay-profile.md) as field-spec data.

use std::sync::OnceLock;

use super::spec::{spec, Encoding::*, FieldSpec, LengthKind::*, PrefixEncoding, Profile};

/// Largest UnionPay frame we accept; real ones stay far below.
pub(crate) const UNIONPAY_MAX_FRAME: usize = 4096;

/// What a field accepts beyond what we send (docs/wire-profile.md): the private and
/// additional-data fields grow in later editions and on deployed hosts, so they accept what
/// their LLLVAR prefix can state; 44 grows to its LLVAR ceiling. Everything else accepts
/// exactly what it sends (a PAN or a track longer than ISO allows is not a newer edition).
const GROWS: [(u8, u16); 8] = [(44, 99), (48, 999), (54, 999), (55, 999), (60, 999), (61, 999), (62, 999), (63, 999)];

fn unionpay_fields() -> Vec<FieldSpec> {
    let mut fields = base_fields();
    for f in &mut fields {
        // Every length prefix is BCD (LL in 1 byte, LLL in 2), stated per field.
        if f.length.prefix_digits() > 0 {
            f.prefix = Some(PrefixEncoding::Bcd);
        }
        f.accept = Some(GROWS.iter().find(|(n, _)| *n == f.number).map_or(f.length.max() as u16, |&(_, m)| m));
    }
    fields
}

fn base_fields() -> Vec<FieldSpec> {
    vec![
        spec(2, "Primary account number", LlVar(19), BcdLeft),
        spec(3, "Processing code", Fixed(6), BcdLeft),
        spec(4, "Amount, transaction", Fixed(12), BcdLeft),
        spec(11, "System trace audit number", Fixed(6), BcdLeft),
        spec(12, "Time, local transaction", Fixed(6), BcdLeft),
        spec(13, "Date, local transaction", Fixed(4), BcdLeft),
        spec(14, "Date, expiration", Fixed(4), BcdLeft),
        spec(15, "Date, settlement", Fixed(4), BcdLeft),
        spec(22, "Point of service entry mode", Fixed(3), BcdLeft),
        spec(23, "Card sequence number", Fixed(3), BcdRight),
        spec(25, "Point of service condition code", Fixed(2), BcdLeft),
        spec(26, "Point of service PIN capture code", Fixed(2), BcdLeft),
        spec(32, "Acquiring institution ID", LlVar(11), BcdLeft),
        // UnionPay sets z..37 and z..104; whole-track encryption (field 53 third digit 2, see
        // crypto::track) pads to 16-digit blocks, so this profile allows 48 and 112.
        spec(35, "Track 2 data", LlVar(48), Track),
        spec(36, "Track 3 data", LllVar(112), Track),
        spec(37, "Retrieval reference number", Fixed(12), Ascii),
        spec(38, "Authorization code", Fixed(6), Ascii),
        spec(39, "Response code", Fixed(2), Ascii),
        spec(41, "Terminal ID", Fixed(8), Ascii),
        spec(42, "Merchant ID", Fixed(15), Ascii),
        spec(44, "Additional response data", LlVar(25), Ascii),
        spec(48, "Additional data (settlement totals)", LllVar(322), BcdLeft),
        spec(49, "Currency code", Fixed(3), Ascii),
        spec(52, "PIN data", Fixed(8), Binary),
        spec(53, "Security related control information", Fixed(16), BcdLeft),
        // Not in the summary table, but UnionPay hosts return balances here (附加金额).
        spec(54, "Additional amounts (balance)", LllVar(20), Ascii),
        spec(55, "IC card data", LllVar(255), Binary),
        spec(60, "Reserved private (message type, batch, network code)", LllVar(17), BcdLeft),
        spec(61, "Original message data", LllVar(29), BcdLeft),
        spec(62, "Reserved private (working keys; terminal information in requests)", LllVar(512), Binary),
        spec(63, "Reserved private (operator / card organisation)", LllVar(163), Ascii),
        spec(64, "Message authentication code", Fixed(8), Binary),
        // Behind a secondary bitmap: account identification, which some acquirers' transfer
        // transactions carry (ISO 8583:1987 ans..28).
        spec(102, "Account identification 1", LlVar(28), Ascii),
        spec(103, "Account identification 2", LlVar(28), Ascii),
    ]
}

/// The UnionPay POS profile, built once.
pub fn unionpay() -> &'static Profile {
    static P: OnceLock<Profile> = OnceLock::new();
    P.get_or_init(|| {
        // The table above is static data checked by tests; a failure here is a code defect.
        Profile::new("China UnionPay POS", PrefixEncoding::Bcd, UNIONPAY_MAX_FRAME, unionpay_fields())
            .unwrap_or_else(|e| unreachable!("UnionPay profile table is invalid: {e}"))
    })
}
