//! The demo terminal's provisioning, shared by the simulator's defaults, `pos` and the tests.
//!
//! A real deployment provisions TID, MID and TMK per terminal from the acquirer; these values
//! make `pos sim` and `pos sign-in` work together with no configuration.

use crate::iso8583::Tpdu;

/// Terminal ID of the demo terminal.
pub const DEMO_TID: &str = "10000001";
/// Merchant ID of the demo merchant.
pub const DEMO_MID: &str = "898310048990001";
/// Merchant name printed on receipts.
pub const DEMO_MERCHANT_NAME: &str = "演示商户 DEMO MERCHANT";
/// The demo terminal master key (the published vector TMK), loaded into the reader at provisioning.
pub const DEMO_TMK_HEX: &str = "CA5D92598DCA48CE8A4C76361A9269E9";
/// The demo terminal's unlock key: in the reader's secure memory and at the acquirer's help desk.
pub const DEMO_UNLOCK_KEY_HEX: &str = "2B7E151628AED2A6ABF7158809CF4F3C";
/// Sign-in mode: double-length keys plus a track key.
pub(crate) const DEMO_KEY_MODE: &str = "004";
/// Default acquirer address of the simulator.
pub const DEMO_HOST: &str = "127.0.0.1:8583";
/// Default TPDU.
pub const DEMO_TPDU: Tpdu = Tpdu::DEFAULT;

/// Terminal ID of the `n`th extra demo terminal (for load tests): `2000nnnn`.
pub fn demo_tid(n: u32) -> String {
    format!("2{:07}", n % 10_000_000)
}
