//! The terminal parameters (终端参数, 60.3 360) and the status list (362): the document the host
//! sends in pages of field 62, read and checked here before anything of it is kept.
//!
//! The profile's part is ASCII `code (2 digits) + fixed-length value` (codes 11-25, of which this
//! terminal uses 12 communication timeout, 13 retry count, 22 merchant name, 23 resend count;
//! `docs/terminal-management.md` has the table and its sources). What the profile does not
//! carry comes in our entries `9x`, each with a 5-digit length: 90 version, 91 a receipt header
//! line (UTF-8, up to four), 92 offline limits, 93 the risk policy (JSON), 94 the acquirer's
//! address, 95 the next TLS CA (PEM, trusted beside the current one: the pin's rotation).

use super::TmsError;

const WHAT: &str = "terminal parameters";

/// The largest document (all pages) this terminal takes.
pub const MAX_DOCUMENT: usize = 64 * 1024;
/// Receipt header lines at most.
pub const MAX_HEADER_LINES: usize = 4;
/// The largest value of one of our `9x` entries (5-digit length; the document's limit first).
const MAX_ENTRY: usize = MAX_DOCUMENT;

/// Offline limits as the host sets them (minor units of CNY, hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineParams {
    /// Offline approval on.
    pub enabled: bool,
    /// Largest offline payment.
    pub per_payment_minor: u64,
    /// Largest stored total.
    pub total_minor: u64,
    /// Most stored payments.
    pub count: u32,
    /// Oldest a stored payment may get, hours.
    pub max_age_hours: u32,
    /// Offline payments per card a day.
    pub per_card_per_day: u32,
}

/// The terminal parameters of one version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TerminalParams {
    /// The document's version (90); a terminal never goes back to an older one.
    pub version: u64,
    /// 12: the wait for an answer, seconds.
    pub response_timeout_secs: Option<u32>,
    /// 13: tries per reversal (dial/retry count).
    pub retries: Option<u32>,
    /// 22: the merchant's name for slips.
    pub merchant_name: Option<String>,
    /// 91: lines printed under the title of every slip.
    pub header_lines: Vec<String>,
    /// 92: offline limits.
    pub offline: Option<OfflineParams>,
    /// 93: the risk policy, JSON (validated by the risk engine before it is kept).
    pub risk_policy: Option<String>,
    /// 94: the acquirer's `host:port`.
    pub host: Option<String>,
    /// 95: the next TLS CA certificate (PEM), trusted beside the one provisioned.
    pub next_ca_pem: Option<String>,
}

/// The value length of each profile code (S2, S3: `docs/terminal-management.md`); 26 is left
/// out because the sources give it two lengths.
fn profile_len(code: u8) -> Option<usize> {
    Some(match code {
        11 => 2,
        12 => 2,
        13 => 1,
        14..=17 => 14,
        18 => 1,
        19 => 2,
        20 | 21 => 1,
        22 => 40,
        23..=25 => 1,
        _ => return None,
    })
}

fn malformed(detail: impl Into<String>) -> TmsError {
    TmsError::Malformed { what: WHAT, detail: detail.into() }
}

fn range(detail: impl Into<String>) -> TmsError {
    TmsError::OutOfRange { what: WHAT, detail: detail.into() }
}

fn number(v: &[u8], what: &str) -> Result<u64, TmsError> {
    if v.is_empty() || v.len() > 18 || !v.iter().all(u8::is_ascii_digit) {
        return Err(malformed(format!("{what} is not a number")));
    }
    Ok(v.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

fn text(v: &[u8], what: &str) -> Result<String, TmsError> {
    let s = std::str::from_utf8(v).map_err(|_| malformed(format!("{what} is not UTF-8")))?;
    if s.chars().any(char::is_control) {
        return Err(malformed(format!("{what} holds control characters")));
    }
    Ok(s.trim_end().to_owned())
}

impl TerminalParams {
    /// Reads a whole document (the pages' contents, concatenated). Every value is checked:
    /// ranges, digits, lengths; an unknown code ends the read (its length is unknown).
    pub fn parse(doc: &[u8]) -> Result<TerminalParams, TmsError> {
        if doc.len() > MAX_DOCUMENT {
            return Err(range(format!("{} bytes", doc.len())));
        }
        let mut p = TerminalParams::default();
        let mut version = None;
        let mut rest = doc;
        while !rest.is_empty() {
            let code = rest.get(..2).ok_or_else(|| malformed("a code cut off"))?;
            let code = number(code, "a code")? as u8;
            let (value, tail) = match code {
                90..=99 => {
                    let len =
                        number(rest.get(2..7).ok_or_else(|| malformed("a length cut off"))?, "a length")? as usize;
                    let v = rest.get(7..7 + len).ok_or_else(|| malformed(format!("entry {code} cut off")))?;
                    (v, &rest[7 + len..])
                }
                c => {
                    let len = profile_len(c).ok_or_else(|| malformed(format!("unknown code {c:02}")))?;
                    let v = rest.get(2..2 + len).ok_or_else(|| malformed(format!("entry {c:02} cut off")))?;
                    (v, &rest[2 + len..])
                }
            };
            rest = tail;
            match code {
                12 => {
                    let secs = number(value, "the timeout")? as u32;
                    if !(5..=99).contains(&secs) {
                        return Err(range(format!("timeout of {secs} s")));
                    }
                    p.response_timeout_secs = Some(secs);
                }
                13 => p.retries = Some(number(value, "the retry count")? as u32).filter(|n| *n > 0),
                // GBK, as the profile's terminals print it (S2, S3).
                22 => {
                    let (name, _, bad) = encoding_rs::GBK.decode(value);
                    if bad || name.chars().any(char::is_control) {
                        return Err(malformed("the merchant name is not GBK text"));
                    }
                    p.merchant_name = Some(name.trim().to_owned()).filter(|n| !n.is_empty());
                }
                90 => version = Some(number(value, "the version")?),
                91 => {
                    if p.header_lines.len() >= MAX_HEADER_LINES {
                        return Err(range(format!("more than {MAX_HEADER_LINES} header lines")));
                    }
                    let line = text(value, "a header line")?;
                    if line.chars().count() > 32 {
                        return Err(range("a header line longer than 32 characters"));
                    }
                    p.header_lines.push(line);
                }
                92 => p.offline = Some(offline(value)?),
                93 => p.risk_policy = Some(text(value, "the risk policy")?),
                94 => {
                    let host = text(value, "the host")?;
                    let port_ok = host
                        .rsplit_once(':')
                        .is_some_and(|(h, port)| !h.is_empty() && port.parse::<u16>().is_ok_and(|n| n > 0));
                    if !port_ok {
                        return Err(malformed("the host is not host:port"));
                    }
                    p.host = Some(host);
                }
                95 => {
                    let pem = std::str::from_utf8(value).map_err(|_| malformed("the CA is not text"))?;
                    if !pem.contains("-----BEGIN CERTIFICATE-----") {
                        return Err(malformed("the CA is not a PEM certificate"));
                    }
                    p.next_ca_pem = Some(pem.to_owned());
                }
                // Profile codes this terminal does not use (phone numbers, tips, ...).
                _ => {}
            }
        }
        p.version = version.ok_or(TmsError::Missing { what: WHAT, tag: 0x90 })?;
        Ok(p)
    }

    /// The document as a host sends it (the simulator's side).
    pub fn encode(&self) -> Result<Vec<u8>, TmsError> {
        let mut out = Vec::new();
        let mut ours = |code: u8, v: &[u8]| -> Result<(), TmsError> {
            if v.len() > MAX_ENTRY {
                return Err(range(format!("entry {code} of {} bytes", v.len())));
            }
            out.extend_from_slice(format!("{code:02}{:05}", v.len()).as_bytes());
            out.extend_from_slice(v);
            Ok(())
        };
        ours(90, self.version.to_string().as_bytes())?;
        for l in &self.header_lines {
            ours(91, l.as_bytes())?;
        }
        if let Some(o) = &self.offline {
            let v = format!(
                "{}{:012}{:012}{:04}{:03}{:03}",
                u8::from(o.enabled),
                o.per_payment_minor,
                o.total_minor,
                o.count,
                o.max_age_hours,
                o.per_card_per_day
            );
            ours(92, v.as_bytes())?;
        }
        if let Some(r) = &self.risk_policy {
            ours(93, r.as_bytes())?;
        }
        if let Some(h) = &self.host {
            ours(94, h.as_bytes())?;
        }
        if let Some(c) = &self.next_ca_pem {
            ours(95, c.as_bytes())?;
        }
        if let Some(t) = self.response_timeout_secs {
            out.extend_from_slice(format!("12{:02}", t.min(99)).as_bytes());
        }
        if let Some(r) = self.retries {
            out.extend_from_slice(format!("13{}", r.min(9)).as_bytes());
        }
        if let Some(name) = &self.merchant_name {
            // 40 bytes of GBK, space padded, cut on a character boundary.
            let mut gbk = Vec::new();
            for c in name.chars() {
                let mut buf = [0; 4];
                let (bytes, _, _) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
                if gbk.len() + bytes.len() > 40 {
                    break;
                }
                gbk.extend_from_slice(&bytes);
            }
            gbk.resize(40, b' ');
            out.extend_from_slice(b"22");
            out.extend_from_slice(&gbk);
        }
        Ok(out)
    }
}

fn offline(v: &[u8]) -> Result<OfflineParams, TmsError> {
    if v.len() != 1 + 12 + 12 + 4 + 3 + 3 {
        return Err(malformed(format!("offline limits of {} bytes", v.len())));
    }
    let n = |a: usize, b: usize, what: &str| number(&v[a..b], what);
    let o = OfflineParams {
        enabled: match v[0] {
            b'0' => false,
            b'1' => true,
            _ => return Err(malformed("the offline switch is not 0 or 1")),
        },
        per_payment_minor: n(1, 13, "the offline limit")?,
        total_minor: n(13, 25, "the offline total")?,
        count: n(25, 29, "the offline count")? as u32,
        max_age_hours: n(29, 32, "the offline age")? as u32,
        per_card_per_day: n(32, 35, "the per-card count")? as u32,
    };
    if o.per_payment_minor > o.total_minor || o.total_minor > crate::money::MAX_MINOR || o.max_age_hours == 0 {
        return Err(range("offline limits that do not hold together"));
    }
    Ok(o)
}

/// The host's document in pages of at most `page` bytes of content each (the simulator's side):
/// each page is the flag (`1` last, `2` more) and its part.
pub fn pages(doc: &[u8], page: usize) -> Vec<Vec<u8>> {
    let page = page.max(1);
    let parts: Vec<&[u8]> = if doc.is_empty() { vec![&[][..]] } else { doc.chunks(page).collect() };
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| [if i + 1 == n { b"1".as_slice() } else { b"2".as_slice() }, part].concat())
        .collect()
}

/// The 362 status list: the five devices (01 keyboard, 02 PIN pad, 03 card reader, 04 printer,
/// 05 screen; `1` working, `0` not) and our entry 90 with the parameter version in force.
pub fn status_list(reader_ok: bool, printer_ok: bool, version: u64) -> Vec<u8> {
    let d = |ok: bool| if ok { '1' } else { '0' };
    let v = version.to_string();
    let mut s = String::from("011");
    s.push_str(&format!("02{}03{}04{}", d(reader_ok), d(reader_ok), d(printer_ok)));
    s.push_str("051");
    s.push_str(&format!("90{:05}{v}", v.len()));
    s.into_bytes()
}
