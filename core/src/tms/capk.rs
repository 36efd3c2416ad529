//! CA public keys of chip cards (IC卡公钥): the answer to a 370 download, one key per message,
//! and the key list of a 372 query.
//!
//! A key is accepted only when its check sum (DF03) equals SHA-1(RID ‖ index ‖ modulus ‖
//! exponent), EMV Book 2 §11.2.2: a key damaged on the way, or altered by anyone without the
//! acquirer's data, never reaches the reader.

use ring::digest;

use super::TmsError;
use crate::card::tlv::{encode_tlv, parse_tlv, Tag, Tlv};

const WHAT: &str = "CA public key";

/// RID (registered application provider identifier), b5.
pub(crate) const TAG_RID: Tag = Tag(0x9F06);
/// CA public key index, b1.
pub(crate) const TAG_INDEX: Tag = Tag(0x9F22);
/// Expiry date: 8 ASCII digits `YYYYMMDD` (also accepted: 4 bytes BCD).
pub(crate) const TAG_EXPIRY: Tag = Tag(0xDF05);
/// Hash algorithm indicator (01: SHA-1).
pub(crate) const TAG_HASH_ALGORITHM: Tag = Tag(0xDF06);
/// Public key algorithm indicator (01: RSA).
pub(crate) const TAG_KEY_ALGORITHM: Tag = Tag(0xDF07);
/// Modulus.
pub(crate) const TAG_MODULUS: Tag = Tag(0xDF02);
/// Exponent (03 or 010001).
pub(crate) const TAG_EXPONENT: Tag = Tag(0xDF04);
/// Check sum, 20 bytes.
pub(crate) const TAG_CHECKSUM: Tag = Tag(0xDF03);

/// The largest modulus EMV allows: 1984 bits.
pub(crate) const MAX_MODULUS_BYTES: usize = 248;
/// The smallest modulus accepted: 512 bits (EMV's oldest keys were 768; test keys go lower).
pub(crate) const MIN_MODULUS_BYTES: usize = 64;
/// Keys one terminal keeps (several RIDs, a few indexes each, test and live).
pub const MAX_KEYS: usize = 64;

/// Which key: RID and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CapkId {
    /// RID, 5 bytes.
    pub rid: [u8; 5],
    /// Index.
    pub index: u8,
}

impl CapkId {
    /// `A000000333/08`.
    pub fn label(&self) -> String {
        format!("{}/{:02X}", hex::encode_upper(self.rid), self.index)
    }
}

/// An expiry date, `YYYYMMDD` as a number (validated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyExpiry(pub u32);

impl KeyExpiry {
    /// From 8 ASCII digits or 4 bytes BCD, a real calendar date.
    pub fn from_bytes(b: &[u8]) -> Result<KeyExpiry, TmsError> {
        let digits = match b.len() {
            8 if b.iter().all(u8::is_ascii_digit) => String::from_utf8_lossy(b).into_owned(),
            4 => hex::encode(b),
            _ => return Err(range(format!("expiry date of {} bytes", b.len()))),
        };
        let n: u32 = digits.parse().map_err(|_| range("expiry date is not digits".into()))?;
        let (y, m, d) = (n / 10_000, (n / 100) % 100, n % 100);
        let month = u8::try_from(m).ok().and_then(|m| time::Month::try_from(m).ok());
        let valid = month
            .is_some_and(|month| time::Date::from_calendar_date(y as i32, month, u8::try_from(d).unwrap_or(0)).is_ok());
        if !valid {
            return Err(range(format!("expiry date {digits} does not exist")));
        }
        Ok(KeyExpiry(n))
    }

    /// 8 ASCII digits, as the profile sends them.
    pub(crate) fn to_ascii(self) -> Vec<u8> {
        format!("{:08}", self.0).into_bytes()
    }
}

/// One CA public key, its check sum verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaPublicKey {
    /// RID and index.
    pub id: CapkId,
    /// Expiry date.
    pub expiry: KeyExpiry,
    /// RSA modulus.
    pub modulus: Vec<u8>,
    /// RSA exponent (03 or 010001).
    pub exponent: Vec<u8>,
    /// SHA-1(RID ‖ index ‖ modulus ‖ exponent).
    pub checksum: [u8; 20],
}

/// SHA-1(RID ‖ index ‖ modulus ‖ exponent), the key's check sum.
pub(crate) fn checksum(id: &CapkId, modulus: &[u8], exponent: &[u8]) -> [u8; 20] {
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(&id.rid);
    ctx.update(&[id.index]);
    ctx.update(modulus);
    ctx.update(exponent);
    let mut out = [0u8; 20];
    out.iter_mut().zip(ctx.finish().as_ref()).for_each(|(o, d)| *o = *d);
    out
}

impl CaPublicKey {
    /// Reads the TLV of a 370 answer (after its flag byte) and verifies the check sum.
    pub fn from_tlv(data: &[u8]) -> Result<CaPublicKey, TmsError> {
        let objects = parse_tlv(data).map_err(|e| malformed(e.to_string()))?;
        let id = id_of(&objects)?;
        for (tag, what) in [(TAG_HASH_ALGORITHM, "hash algorithm"), (TAG_KEY_ALGORITHM, "key algorithm")] {
            if let Some(v) = bytes(&objects, tag) {
                match v {
                    [0x01] => {}
                    [other] => return Err(TmsError::Unsupported { what, algorithm: *other }),
                    _ => return Err(range(format!("{what} indicator of {} bytes", v.len()))),
                }
            }
        }
        let expiry = KeyExpiry::from_bytes(required(&objects, TAG_EXPIRY)?)?;
        let modulus = required(&objects, TAG_MODULUS)?.to_vec();
        if !(MIN_MODULUS_BYTES..=MAX_MODULUS_BYTES).contains(&modulus.len()) {
            return Err(range(format!("modulus of {} bytes", modulus.len())));
        }
        let exponent = required(&objects, TAG_EXPONENT)?.to_vec();
        if !matches!(exponent.as_slice(), [0x03] | [0x01, 0x00, 0x01] | [0x00, 0x00, 0x03]) {
            return Err(range(format!("exponent {}", hex::encode_upper(&exponent))));
        }
        // Some hosts send the exponent left-padded to 3 bytes; the check sum covers its value.
        let exponent = if exponent == [0x00, 0x00, 0x03] { vec![0x03] } else { exponent };
        let sent = required(&objects, TAG_CHECKSUM)?;
        let sent: [u8; 20] = sent.try_into().map_err(|_| range(format!("check sum of {} bytes", sent.len())))?;
        let key = CaPublicKey { id, expiry, checksum: checksum(&id, &modulus, &exponent), modulus, exponent };
        if key.checksum != sent {
            return Err(TmsError::ChecksumMismatch { rid: hex::encode_upper(id.rid), index: id.index });
        }
        Ok(key)
    }

    /// The TLV a host sends for this key (the order of the profile's hosts).
    pub fn to_tlv(&self) -> Vec<u8> {
        encode_tlv(&[
            Tlv::primitive(TAG_RID, self.id.rid.to_vec()),
            Tlv::primitive(TAG_INDEX, vec![self.id.index]),
            Tlv::primitive(TAG_EXPIRY, self.expiry.to_ascii()),
            Tlv::primitive(TAG_HASH_ALGORITHM, vec![0x01]),
            Tlv::primitive(TAG_KEY_ALGORITHM, vec![0x01]),
            Tlv::primitive(TAG_MODULUS, self.modulus.clone()),
            Tlv::primitive(TAG_EXPONENT, self.exponent.clone()),
            Tlv::primitive(TAG_CHECKSUM, self.checksum.to_vec()),
        ])
    }

    /// Whether the key has expired on local day `yyyymmdd`.
    pub fn expired_on(&self, yyyymmdd: u32) -> bool {
        self.expiry.0 < yyyymmdd
    }
}

/// One entry of a 372 answer's key list: which key, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapkListEntry {
    /// RID and index.
    pub id: CapkId,
    /// Expiry date.
    pub expiry: KeyExpiry,
}

/// Reads the key list of a 372 answer (after its flag byte): 9F06, 9F22, DF05 per key.
pub fn parse_key_list(data: &[u8]) -> Result<Vec<CapkListEntry>, TmsError> {
    let objects = parse_tlv(data).map_err(|e| malformed(e.to_string()))?;
    let mut out = Vec::new();
    let mut rid: Option<[u8; 5]> = None;
    let mut index: Option<u8> = None;
    for o in &objects {
        let v = o.bytes().ok_or_else(|| malformed("a template in the key list".into()))?;
        match o.tag {
            TAG_RID => rid = Some(v.try_into().map_err(|_| range(format!("RID of {} bytes", v.len())))?),
            TAG_INDEX => index = Some(one_byte(v, "index")?),
            TAG_EXPIRY => {
                let (Some(r), Some(i)) = (rid.take(), index.take()) else {
                    return Err(malformed("expiry before its RID and index".into()));
                };
                out.push(CapkListEntry { id: CapkId { rid: r, index: i }, expiry: KeyExpiry::from_bytes(v)? });
                if out.len() > MAX_KEYS {
                    return Err(range(format!("more than {MAX_KEYS} keys")));
                }
            }
            _ => {}
        }
    }
    if rid.is_some() || index.is_some() {
        return Err(malformed("a key without its expiry date".into()));
    }
    Ok(out)
}

/// The list a 372 answer carries (for the simulator).
pub fn encode_key_list(entries: &[CapkListEntry]) -> Vec<u8> {
    let objects: Vec<Tlv> = entries
        .iter()
        .flat_map(|e| {
            [
                Tlv::primitive(TAG_RID, e.id.rid.to_vec()),
                Tlv::primitive(TAG_INDEX, vec![e.id.index]),
                Tlv::primitive(TAG_EXPIRY, e.expiry.to_ascii()),
            ]
        })
        .collect();
    encode_tlv(&objects)
}

/// The 62 of a 370 request: which key.
pub fn key_request(id: &CapkId) -> Vec<u8> {
    encode_tlv(&[Tlv::primitive(TAG_RID, id.rid.to_vec()), Tlv::primitive(TAG_INDEX, vec![id.index])])
}

/// Reads the 62 of a 370 request (the simulator's side).
pub fn parse_key_request(data: &[u8]) -> Result<CapkId, TmsError> {
    let objects = parse_tlv(data).map_err(|e| malformed(e.to_string()))?;
    id_of(&objects)
}

fn id_of(objects: &[Tlv]) -> Result<CapkId, TmsError> {
    let rid = required(objects, TAG_RID)?;
    let rid: [u8; 5] = rid.try_into().map_err(|_| range(format!("RID of {} bytes", rid.len())))?;
    Ok(CapkId { rid, index: one_byte(required(objects, TAG_INDEX)?, "index")? })
}

fn one_byte(v: &[u8], what: &str) -> Result<u8, TmsError> {
    match v {
        [b] => Ok(*b),
        _ => Err(range(format!("{what} of {} bytes", v.len()))),
    }
}

fn bytes(objects: &[Tlv], tag: Tag) -> Option<&[u8]> {
    super::field(objects, tag)
}

fn required(objects: &[Tlv], tag: Tag) -> Result<&[u8], TmsError> {
    super::required(objects, tag, WHAT)
}

fn malformed(detail: String) -> TmsError {
    TmsError::Malformed { what: WHAT, detail }
}

fn range(detail: String) -> TmsError {
    TmsError::OutOfRange { what: WHAT, detail }
}
