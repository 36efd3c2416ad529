//! BER-TLV as EMV uses it in field 55 (IC card data).

mod encode;
mod find;
mod object;
mod parse;
mod tag;
mod tag_name;

#[cfg(test)]
mod tests;

pub use encode::encode_tlv;
pub use find::find;
pub use object::{Tlv, TlvValue};
pub use parse::parse_tlv;
pub use parse::MAX_TLV_DEPTH;
pub use tag::Tag;
