//! `pos frame decode` and `pos frame mac`: a whole frame as a table or JSON, and its MAC.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use pos_core::card::tlv::{parse_tlv, Tlv, TlvValue};
use pos_core::crypto::{compute_mac, MacAlgorithm, SecretKey};
use pos_core::iso8583::{unionpay, Encoding, Field60, Frame, FrameLayout, Header, Tpdu};
use pos_core::redact::{mask_pan_digits, mask_track};
use serde_json::{json, Map, Value};

use crate::hex_input::parse_hex;
use crate::{say_pair, CliError, Global};

/// Frame tools.
#[derive(Subcommand)]
pub enum FrameCmd {
    /// Print every part of a frame: length, TPDU, header, MTI, fields, 60 subfields, 55 TLV.
    ///
    /// Card data is masked (field 2, tracks, PIN block, sensitive field 55 tags). With --json:
    /// field numbers as keys, binary fields as uppercase hex.
    #[command(
        after_help = "Examples:\n  pos frame decode 0043600003000060310000000002003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733\n  pos frame decode --json --body 02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733   # hex starting at the MTI"
    )]
    Decode(DecodeArgs),
    /// Compute the MAC over a frame's MAB (MTI to the end of the last field before 64) and compare with field 64.
    #[command(
        after_help = "Examples:\n  pos frame mac --algo ecb --key C24A8FB57AA20123 0043600003000060310000000002003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733\n  pos frame mac --algo x919 --key C24A8FB57AA20123 --json --body 02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733   # not this MAC: exit 1\n\nExit status: 0 when field 64 matches, 1 when it differs or is absent, 2 bad input."
    )]
    Mac(MacArgs),
}

/// Arguments of `pos frame decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// The frame as hex (spaces and colons allowed), with or without its 2-byte length.
    hex: String,
    /// The hex starts at the MTI (no length, TPDU or header).
    #[arg(long)]
    body: bool,
}

/// Arguments of `pos frame mac`.
#[derive(Args)]
pub struct MacArgs {
    /// ecb (UnionPay) or x919 (ANSI X9.19 retail MAC).
    #[arg(long, default_value = "ecb")]
    algo: MacAlgorithm,
    /// The MAK in hex (8 or 16 bytes); it is never printed.
    #[arg(long)]
    key: String,
    /// The frame as hex.
    hex: String,
    /// The hex starts at the MTI.
    #[arg(long)]
    body: bool,
}

/// Runs a frame subcommand.
pub fn run(g: &Global, cmd: FrameCmd) -> Result<ExitCode, CliError> {
    match cmd {
        FrameCmd::Decode(a) => decode(g, a),
        FrameCmd::Mac(a) => mac(g, a),
    }
}

/// The frame with its length prefix, however it was pasted.
fn normalise(hex: &str, body_only: bool) -> Result<(Vec<u8>, bool), CliError> {
    let mut bytes = parse_hex(hex)?;
    if body_only {
        let mut pre = Tpdu::DEFAULT.bytes().to_vec();
        pre.extend_from_slice(&Header::MAGSTRIPE.0);
        pre.extend_from_slice(&bytes);
        bytes = pre;
    }
    let prefixed = bytes.len() >= 2 && usize::from(u16::from_be_bytes([bytes[0], bytes[1]])) == bytes.len() - 2;
    if !prefixed {
        let len = u16::try_from(bytes.len())
            .map_err(|_| pos_core::iso8583::CodecError::FrameTooLarge { len: bytes.len(), max: 65535 })?;
        let mut with = len.to_be_bytes().to_vec();
        with.extend_from_slice(&bytes);
        bytes = with;
    }
    Ok((bytes, prefixed))
}

fn decode(g: &Global, a: DecodeArgs) -> Result<ExitCode, CliError> {
    let (bytes, _) = normalise(&a.hex, a.body)?;
    let (frame, _) = Frame::decode_with_layout(unionpay(), &bytes)?;
    let view = FrameView::of(&frame, bytes.len() - 2);
    if g.json {
        println!("{}", serde_json::to_string_pretty(&view.to_json()).unwrap_or_default());
    } else {
        print!("{}", view.to_table(a.body));
    }
    Ok(ExitCode::SUCCESS)
}

/// One field as shown: value masked where it is card data.
struct FieldView {
    number: u8,
    name: String,
    value: String,
    sub: Vec<(String, String, String)>,
}

struct FrameView {
    length: usize,
    tpdu: String,
    header: String,
    mti: String,
    fields: Vec<FieldView>,
}

impl FrameView {
    fn of(frame: &Frame, length: usize) -> FrameView {
        let p = unionpay();
        let fields = frame
            .message
            .fields()
            .map(|(n, v)| {
                let spec = p.field(n);
                let binary = spec.is_some_and(|s| s.encoding == Encoding::Binary);
                let text = || String::from_utf8_lossy(v).into_owned();
                let (value, sub) = match n {
                    2 => (mask_pan_digits(&text()), vec![]),
                    35 | 36 => (mask_track(&text()), vec![]),
                    52 => ("*".repeat(16), vec![]),
                    55 => tlv_view(v),
                    60 => (text(), field60_view(v)),
                    _ if binary => (hex::encode_upper(v), vec![]),
                    _ => (text(), vec![]),
                };
                FieldView { number: n, name: spec.map(|s| s.name.to_string()).unwrap_or_default(), value, sub }
            })
            .collect();
        FrameView {
            length,
            tpdu: hex::encode_upper(frame.tpdu.bytes()),
            header: hex::encode_upper(frame.header.0),
            mti: frame.message.mti().to_string(),
            fields,
        }
    }

    fn to_table(&self, body_only: bool) -> String {
        let mut s = String::new();
        if !body_only {
            s += &format!("{:<6} {:<52} {}\n", "", "length", self.length);
            s += &format!("{:<6} {:<52} {}\n", "", "TPDU", self.tpdu);
            s += &format!("{:<6} {:<52} {}\n", "", "header", self.header);
        }
        s += &format!("{:<6} {:<52} {}\n", "", "MTI", self.mti);
        for f in &self.fields {
            s += &format!("{:<6} {:<52} {}\n", format!("{:03}", f.number), f.name, f.value);
            for (id, name, value) in &f.sub {
                s += &format!("  {:<8} {:<50} {}\n", id, name, value);
            }
        }
        s
    }

    fn to_json(&self) -> Value {
        let mut fields = Map::new();
        let mut subfields = Map::new();
        for f in &self.fields {
            fields.insert(f.number.to_string(), Value::String(f.value.clone()));
            if !f.sub.is_empty() {
                let items: Vec<Value> =
                    f.sub.iter().map(|(id, name, value)| json!({"id": id, "name": name, "value": value})).collect();
                subfields.insert(f.number.to_string(), Value::Array(items));
            }
        }
        json!({
            "length": self.length,
            "tpdu": self.tpdu,
            "header": self.header,
            "mti": self.mti,
            "fields": fields,
            "subfields": subfields,
        })
    }
}

fn field60_view(v: &[u8]) -> Vec<(String, String, String)> {
    let Ok(f) = Field60::parse(v) else { return vec![] };
    let mut out = vec![
        ("60.1".into(), "message type code".into(), format!("{:02}", f.msg_type)),
        ("60.2".into(), "batch number".into(), f.batch.to_string()),
        ("60.3".into(), "network management code".into(), format!("{:03}", f.net.code())),
    ];
    if let Some(c) = f.read_capability {
        out.push(("60.4".into(), "terminal read capability".into(), c.to_string()));
    }
    if let Some(c) = f.ic_condition {
        out.push(("60.5".into(), "IC condition code".into(), c.to_string()));
    }
    if !f.rest.is_empty() {
        out.push(("60.6+".into(), "further subfields".into(), f.rest.clone()));
    }
    out
}

/// Field 55 as hex plus one row per TLV object; cardholder data tags are masked in both.
fn tlv_view(v: &[u8]) -> (String, Vec<(String, String, String)>) {
    match parse_tlv(v) {
        Ok(objects) => {
            let mut rows = Vec::new();
            let hex = objects.iter().map(|o| tlv_hex(o, 0, &mut rows)).collect();
            (hex, rows)
        }
        Err(_) => (hex::encode_upper(v), vec![("55".into(), "not BER-TLV".into(), String::new())]),
    }
}

fn tlv_hex(o: &Tlv, depth: usize, rows: &mut Vec<(String, String, String)>) -> String {
    let tag = o.tag.to_string();
    let name = o.tag.name().unwrap_or("").to_string();
    let indent = "  ".repeat(depth);
    match &o.value {
        TlvValue::Primitive(b) => {
            let value = if o.tag.is_sensitive() { "*".repeat(b.len() * 2) } else { hex::encode_upper(b) };
            rows.push((format!("{indent}{tag}"), name, value.clone()));
            format!("{tag}{}{value}", len_hex(b.len()))
        }
        TlvValue::Constructed(children) => {
            rows.push((format!("{indent}{tag}"), name, String::new()));
            let inner: String = children.iter().map(|c| tlv_hex(c, depth + 1, rows)).collect();
            format!("{tag}{}{inner}", len_hex(inner.len() / 2))
        }
    }
}

fn len_hex(n: usize) -> String {
    match n {
        0..=0x7F => format!("{n:02X}"),
        0x80..=0xFF => format!("81{n:02X}"),
        _ => format!("82{n:04X}"),
    }
}

fn mac(g: &Global, a: MacArgs) -> Result<ExitCode, CliError> {
    let key = SecretKey::from_hex(&a.key)?;
    let (bytes, _) = normalise(&a.hex, a.body)?;
    let (_, layout): (Frame, FrameLayout) = Frame::decode_with_layout(unionpay(), &bytes)?;
    let (mab, field64) = match (layout.mab(&bytes), layout.mac(&bytes)) {
        (Some(mab), Some(mac)) => (mab, Some(mac)),
        _ => (&bytes[layout.body_start..], None),
    };
    let computed = compute_mac(a.algo, &key, mab);
    let matches = field64 == Some(&computed[..]);
    let ascii = |m: &[u8]| m.iter().all(u8::is_ascii_alphanumeric).then(|| String::from_utf8_lossy(m).into_owned());
    if g.json {
        println!(
            "{}",
            json!({
                "algo": a.algo.name(),
                "mab_len": mab.len(),
                "mac": hex::encode_upper(computed),
                "mac_ascii": ascii(&computed),
                "field64": field64.map(hex::encode_upper),
                "matches": matches,
            })
        );
    } else {
        println!("algorithm:  {}", a.algo.name());
        println!("MAB bytes:  {}", mab.len());
        println!(
            "computed:   {}{}",
            hex::encode_upper(computed),
            ascii(&computed).map(|s| format!("  (\"{s}\")")).unwrap_or_default()
        );
        match field64 {
            Some(f) => println!("field 64:   {}", hex::encode_upper(f)),
            None => println!("field 64:   {}", say_pair(g, "无", "absent")),
        }
        println!(
            "{}",
            if matches {
                say_pair(g, "MAC 正确", "MAC matches")
            } else {
                say_pair(g, "MAC 不符", "MAC does not match")
            }
        );
    }
    Ok(if matches { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
