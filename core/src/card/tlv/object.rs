//! A BER-TLV data object and its value.

use std::fmt;

use zeroize::Zeroize;

use crate::card::tlv::tag::Tag;

/// One data object: a tag and its value.
///
/// Debug prints values in hex except for sensitive tags (PAN, tracks, name),
/// which show only their length.
#[derive(Clone, PartialEq, Eq)]
pub struct Tlv {
    /// The tag.
    pub tag: Tag,
    /// The value; should be `Constructed` exactly when the tag says so.
    pub value: TlvValue,
}

/// The value of a data object. Primitive bytes are wiped on drop, because
/// field 55 can carry the PAN (5A) and track 2 equivalent data (57).
#[derive(Clone, PartialEq, Eq)]
pub enum TlvValue {
    /// Raw bytes.
    Primitive(Vec<u8>),
    /// Nested data objects (templates such as 70, 71, 77).
    Constructed(Vec<Tlv>),
}

impl Tlv {
    /// A primitive data object.
    pub fn primitive(tag: Tag, bytes: impl Into<Vec<u8>>) -> Tlv {
        Tlv { tag, value: TlvValue::Primitive(bytes.into()) }
    }

    /// A constructed data object (a template).
    pub fn constructed(tag: Tag, children: Vec<Tlv>) -> Tlv {
        Tlv { tag, value: TlvValue::Constructed(children) }
    }

    /// The bytes of a primitive object; `None` for a template.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            TlvValue::Primitive(b) => Some(b),
            TlvValue::Constructed(_) => None,
        }
    }

    /// The objects inside a template; empty for a primitive object.
    pub fn children(&self) -> &[Tlv] {
        match &self.value {
            TlvValue::Primitive(_) => &[],
            TlvValue::Constructed(c) => c,
        }
    }
}

impl Drop for TlvValue {
    fn drop(&mut self) {
        // Children wipe themselves when the Vec drops them.
        if let TlvValue::Primitive(bytes) = self {
            bytes.zeroize();
        }
    }
}

impl fmt::Debug for Tlv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            TlvValue::Primitive(b) if self.tag.is_sensitive() => {
                write!(f, "{}: <{} bytes redacted>", self.tag, b.len())
            }
            TlvValue::Primitive(b) => write!(f, "{}: {}", self.tag, hex::encode_upper(b)),
            TlvValue::Constructed(children) => {
                write!(f, "{}: ", self.tag)?;
                f.debug_list().entries(children).finish()
            }
        }
    }
}

/// Shows lengths only: a bare value does not know whether its tag is sensitive.
impl fmt::Debug for TlvValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlvValue::Primitive(b) => write!(f, "Primitive(<{} bytes>)", b.len()),
            TlvValue::Constructed(children) => {
                f.write_str("Constructed")?;
                f.debug_list().entries(children).finish()
            }
        }
    }
}
