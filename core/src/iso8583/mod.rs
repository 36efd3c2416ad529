//! ISO 8583: a spec-driven codec and the UnionPay POS profile.

pub mod bcd;
pub mod codec;
pub mod error;
pub mod frame;
pub mod mac;
pub mod message;
pub mod profile;
pub mod spec;

pub use bcd::bcd;
pub use codec::BodyLayout;
pub use codec::{decode_message, encode_message};
pub use error::CodecError;
pub use frame::{Frame, FrameLayout, Header, ProcessingRequirement, Tpdu};
pub use mac::encode_signed_into;
pub use mac::{check_mac, encode_signed, MacCheck};
pub use message::{Bitmap, Wire};
pub use message::{Message, Mti};
pub use profile::unionpay;
pub use spec::{Encoding, FieldSpec, LengthKind, PrefixEncoding, Profile};

pub mod entry;
pub(crate) mod field48;
pub(crate) mod field60;
pub(crate) mod field61;
pub mod financial;
pub mod ids;
pub mod netmgmt;
pub mod txn;

pub use entry::{EntryMethod, EntryMode, SecurityControl};
pub use field48::{BatchRecord, Reconciliation, SettlementTotals, Totals};
pub use field60::{Field60, NetCode};
pub use field61::OriginalData;
pub use financial::{reversal_of, CardFields, FinancialRequest, FinancialResponse};
pub use ids::{BatchNo, MerchantId, Stan, TerminalId};
pub use netmgmt::{AdminKind, AdminRequest, AdminResponse, IcUploadItem, Management};
pub use txn::{SettlementSide, TxnType};
pub use txn::{TxnSpec, TXN_TABLE};
