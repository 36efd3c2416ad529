//! Chip parameters of one application (IC卡参数): the answer to a 380 download, one AID per
//! message, and the AID list of a 382 query.
//!
//! Encodings (the profile's hosts differ; EMV decides): the floor limit 9F1B and the biased
//! selection threshold DF15 are binary, 4 bytes; the electronic-cash and contactless limits
//! (9F7B, DF19, DF20, DF21) are n12, 6 bytes BCD. Amounts are fen.

use super::TmsError;
use crate::card::tlv::{encode_tlv, parse_tlv, Tag, Tlv};

const WHAT: &str = "IC parameters";

/// AID, b5..16.
pub(crate) const TAG_AID: Tag = Tag(0x9F06);
/// Application selection indicator: 00 partial-name match allowed, 01 exact match.
pub(crate) const TAG_SELECTION: Tag = Tag(0xDF01);
/// Application version number, b2.
pub(crate) const TAG_VERSION: Tag = Tag(0x9F08);
/// Terminal action code, default, b5.
pub(crate) const TAG_TAC_DEFAULT: Tag = Tag(0xDF11);
/// Terminal action code, online, b5.
pub(crate) const TAG_TAC_ONLINE: Tag = Tag(0xDF12);
/// Terminal action code, denial, b5.
pub(crate) const TAG_TAC_DENIAL: Tag = Tag(0xDF13);
/// Terminal floor limit, b4.
pub(crate) const TAG_FLOOR_LIMIT: Tag = Tag(0x9F1B);
/// Threshold value for biased random selection, b4.
pub(crate) const TAG_THRESHOLD: Tag = Tag(0xDF15);
/// Maximum target percentage for biased random selection, b1.
pub(crate) const TAG_MAX_TARGET: Tag = Tag(0xDF16);
/// Target percentage for random selection, b1.
pub(crate) const TAG_TARGET: Tag = Tag(0xDF17);
/// Default DDOL.
pub(crate) const TAG_DEFAULT_DDOL: Tag = Tag(0xDF14);
/// Terminal online PIN capability: 01 yes, 00 no.
pub(crate) const TAG_ONLINE_PIN: Tag = Tag(0xDF18);
/// Electronic-cash terminal transaction limit, n12.
pub(crate) const TAG_EC_LIMIT: Tag = Tag(0x9F7B);
/// Contactless offline floor limit, n12.
pub(crate) const TAG_CL_FLOOR_LIMIT: Tag = Tag(0xDF19);
/// Contactless transaction limit, n12.
pub(crate) const TAG_CL_LIMIT: Tag = Tag(0xDF20);
/// Contactless CVM required limit, n12.
pub(crate) const TAG_CL_CVM_LIMIT: Tag = Tag(0xDF21);

/// Longest default DDOL accepted.
pub(crate) const MAX_DDOL_BYTES: usize = 64;
/// Applications one terminal keeps.
pub const MAX_AIDS: usize = 32;

/// The chip parameters of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcParams {
    /// The AID (5 to 16 bytes).
    pub aid: Vec<u8>,
    /// Exact-match selection (01) rather than partial-name (00).
    pub exact_match: bool,
    /// Application version number.
    pub version: [u8; 2],
    /// Terminal action codes: default, online, denial.
    pub tac: [[u8; 5]; 3],
    /// Terminal floor limit, fen.
    pub floor_limit: u64,
    /// Threshold for biased random selection, fen.
    pub threshold: u64,
    /// Maximum target percentage for biased random selection (0-99).
    pub max_target_percent: u8,
    /// Target percentage for random selection (0-99).
    pub target_percent: u8,
    /// Default DDOL.
    pub default_ddol: Vec<u8>,
    /// The terminal can verify a PIN online for this application.
    pub online_pin: bool,
    /// Electronic-cash transaction limit, fen (absent: none).
    pub ec_limit: Option<u64>,
    /// Contactless offline floor limit, fen.
    pub cl_floor_limit: Option<u64>,
    /// Contactless transaction limit, fen.
    pub cl_limit: Option<u64>,
    /// Contactless CVM required limit, fen.
    pub cl_cvm_limit: Option<u64>,
}

impl IcParams {
    /// Reads the TLV of a 380 answer (after its flag byte).
    pub fn from_tlv(data: &[u8]) -> Result<IcParams, TmsError> {
        let o = parse_tlv(data).map_err(|e| malformed(e.to_string()))?;
        let aid = required(&o, TAG_AID)?.to_vec();
        if !(5..=16).contains(&aid.len()) {
            return Err(range(format!("AID of {} bytes", aid.len())));
        }
        let exact_match = match required(&o, TAG_SELECTION)? {
            [0x00] => false,
            [0x01] => true,
            v => return Err(range(format!("selection indicator {}", hex::encode_upper(v)))),
        };
        let tac = |tag| fixed::<5>(required(&o, tag)?, "terminal action code");
        let percent = |tag, what| -> Result<u8, TmsError> {
            match required(&o, tag)? {
                [p] if *p <= 99 => Ok(*p),
                v => Err(range(format!("{what} {}", hex::encode_upper(v)))),
            }
        };
        let default_ddol = required(&o, TAG_DEFAULT_DDOL)?.to_vec();
        if default_ddol.len() > MAX_DDOL_BYTES {
            return Err(range(format!("default DDOL of {} bytes", default_ddol.len())));
        }
        let n12 = |tag| bytes(&o, tag).map(bcd_amount).transpose();
        Ok(IcParams {
            version: fixed::<2>(required(&o, TAG_VERSION)?, "application version")?,
            tac: [tac(TAG_TAC_DEFAULT)?, tac(TAG_TAC_ONLINE)?, tac(TAG_TAC_DENIAL)?],
            floor_limit: binary_amount(required(&o, TAG_FLOOR_LIMIT)?)?,
            threshold: binary_amount(required(&o, TAG_THRESHOLD)?)?,
            max_target_percent: percent(TAG_MAX_TARGET, "maximum target percentage")?,
            target_percent: percent(TAG_TARGET, "target percentage")?,
            online_pin: match bytes(&o, TAG_ONLINE_PIN) {
                None | Some([0x01]) => true,
                Some([0x00]) => false,
                Some(v) => return Err(range(format!("online PIN capability {}", hex::encode_upper(v)))),
            },
            ec_limit: n12(TAG_EC_LIMIT)?,
            cl_floor_limit: n12(TAG_CL_FLOOR_LIMIT)?,
            cl_limit: n12(TAG_CL_LIMIT)?,
            cl_cvm_limit: n12(TAG_CL_CVM_LIMIT)?,
            aid,
            exact_match,
            default_ddol,
        })
    }

    /// The TLV a host sends for this application.
    pub fn to_tlv(&self) -> Vec<u8> {
        let mut objects = vec![
            Tlv::primitive(TAG_AID, self.aid.clone()),
            Tlv::primitive(TAG_SELECTION, vec![u8::from(self.exact_match)]),
            Tlv::primitive(TAG_VERSION, self.version.to_vec()),
            Tlv::primitive(TAG_TAC_DEFAULT, self.tac[0].to_vec()),
            Tlv::primitive(TAG_TAC_ONLINE, self.tac[1].to_vec()),
            Tlv::primitive(TAG_TAC_DENIAL, self.tac[2].to_vec()),
            Tlv::primitive(TAG_FLOOR_LIMIT, binary4(self.floor_limit)),
            Tlv::primitive(TAG_THRESHOLD, binary4(self.threshold)),
            Tlv::primitive(TAG_MAX_TARGET, vec![self.max_target_percent]),
            Tlv::primitive(TAG_TARGET, vec![self.target_percent]),
            Tlv::primitive(TAG_DEFAULT_DDOL, self.default_ddol.clone()),
            Tlv::primitive(TAG_ONLINE_PIN, vec![u8::from(self.online_pin)]),
        ];
        for (tag, v) in [
            (TAG_EC_LIMIT, self.ec_limit),
            (TAG_CL_FLOOR_LIMIT, self.cl_floor_limit),
            (TAG_CL_LIMIT, self.cl_limit),
            (TAG_CL_CVM_LIMIT, self.cl_cvm_limit),
        ] {
            if let Some(v) = v {
                objects.push(Tlv::primitive(tag, bcd12(v)));
            }
        }
        encode_tlv(&objects)
    }
}

/// The parameters hosts of the profile commonly send for a UnionPay application `aid`:
/// action codes D84000A800 / D84004F800 / 0010000000, DDOL 9F3704, online PIN, 1,000.00 for
/// electronic cash and contactless, 300.00 before a contactless CVM (the simulator's default).
pub fn unionpay_application(aid: &[u8]) -> IcParams {
    IcParams {
        aid: aid.to_vec(),
        exact_match: false,
        version: [0x00, 0x30],
        tac: [[0xD8, 0x40, 0x00, 0xA8, 0x00], [0xD8, 0x40, 0x04, 0xF8, 0x00], [0x00, 0x10, 0x00, 0x00, 0x00]],
        floor_limit: 0,
        threshold: 0,
        max_target_percent: 99,
        target_percent: 99,
        default_ddol: vec![0x9F, 0x37, 0x04],
        online_pin: true,
        ec_limit: Some(100_000),
        cl_floor_limit: Some(0),
        cl_limit: Some(100_000),
        cl_cvm_limit: Some(30_000),
    }
}

/// Reads the AID list of a 382 answer (after its flag byte): 9F06 per application.
pub fn parse_aid_list(data: &[u8]) -> Result<Vec<Vec<u8>>, TmsError> {
    let objects = parse_tlv(data).map_err(|e| malformed(e.to_string()))?;
    let aids: Vec<Vec<u8>> =
        objects.iter().filter(|o| o.tag == TAG_AID).filter_map(|o| o.bytes()).map(<[u8]>::to_vec).collect();
    if aids.len() > MAX_AIDS {
        return Err(range(format!("more than {MAX_AIDS} applications")));
    }
    if let Some(bad) = aids.iter().find(|a| !(5..=16).contains(&a.len())) {
        return Err(range(format!("AID of {} bytes", bad.len())));
    }
    Ok(aids)
}

/// The AID list a 382 answer carries, and the 62 of a 380 request (one AID).
pub fn encode_aid_list(aids: &[Vec<u8>]) -> Vec<u8> {
    encode_tlv(&aids.iter().map(|a| Tlv::primitive(TAG_AID, a.clone())).collect::<Vec<_>>())
}

fn binary_amount(v: &[u8]) -> Result<u64, TmsError> {
    let b = fixed::<4>(v, "amount (b4)")?;
    Ok(u64::from(u32::from_be_bytes(b)))
}

fn binary4(v: u64) -> Vec<u8> {
    u32::try_from(v).unwrap_or(u32::MAX).to_be_bytes().to_vec()
}

fn bcd_amount(v: &[u8]) -> Result<u64, TmsError> {
    let b = fixed::<6>(v, "amount (n12)")?;
    let digits = hex::encode(b);
    digits.parse().map_err(|_| range(format!("amount (n12) {} is not BCD", hex::encode_upper(b))))
}

fn bcd12(v: u64) -> Vec<u8> {
    hex::decode(format!("{:012}", v.min(999_999_999_999))).unwrap_or_else(|_| vec![0; 6])
}

fn fixed<const N: usize>(v: &[u8], what: &str) -> Result<[u8; N], TmsError> {
    v.try_into().map_err(|_| range(format!("{what} of {} bytes, {N} expected", v.len())))
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
