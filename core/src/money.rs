//! Amounts in integer minor units.
pub struct Amount;
pub struct Currency;
