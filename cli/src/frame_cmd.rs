//! `pos frame decode` and `pos frame mac`: a whole frame as a table or JSON, and its MAC.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pos_core::card::tlv::{parse_tlv, Tlv, TlvValue};
use pos_core::crypto::{compute_mac, MacAlgorithm, SecretKey};
use pos_core::iso8583::{unionpay, Encoding, Field60, Frame, FrameLayout, Header, OriginalData, Tpdu};
use pos_core::{mask_pan_digits, mask_track};
use serde_json::{json, Map, Value};
use zeroize::{Zeroize, Zeroizing};

use crate::hex_input::parse_hex;
use crate::terminal_cmd::ArgProblem;
use crate::{say_pair, CliError, Global};

/// Frame tools.
#[derive(Subcommand)]
pub enum FrameCmd {
    /// Print every part of a frame: length, TPDU, header, MTI, fields, subfields of 54, 60, 61,
    /// 62 (requests) and 63, 55 TLV.
    ///
    /// Frames from later editions and other hosts decode too (field 60 past 17 digits, 62 in
    /// requests, any TPDU and header): subfields this profile does not know are shown raw with
    /// their position and length. Card data is masked (field 2, tracks, PIN block, sensitive
    /// field 55 tags). With --json: field numbers as keys, binary fields as uppercase hex, each
    /// subfield with its position and length, unknown ones marked raw.
    #[command(
        after_help = "Examples:\n  pos frame decode 0043600003000060310000000002003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733\n  pos frame decode --json --body 02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733   # hex starting at the MTI"
    )]
    Decode(DecodeArgs),
    /// Compute the MAC over a frame's MAB (MTI to the end of the last field before 64) and compare with field 64.
    ///
    /// The MAK is never taken from the command line (it would show in the process list and the
    /// shell history): it is read from the file given with --key-file, from standard input with
    /// --key-file -, or from standard input when that is a pipe or a file and no --key-file is
    /// given. The key is hex (whitespace ignored), is never printed and is wiped after use.
    #[command(
        after_help = "Examples:\n  pos frame mac --algo ecb --key-file mak.hex 0043600003000060310000000002003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733\n  pos frame mac --algo x919 --key-file - --json --body 02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733   # key typed or piped on stdin; not this MAC: exit 1\n  cat mak.hex | pos frame mac --body 02003020000000C0800100000000000000123400012331303030303030313839383331303034383939303030313135363235314635463733   # stdin is a pipe: the key is read from it\n\nExit status: 0 when field 64 matches, 1 when it differs or is absent, 2 bad input (no key included)."
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
    /// A file holding the MAK in hex (8 or 16 bytes; keep it mode 0600); `-` reads it from
    /// standard input. Without it, the key is read from standard input when that is not a terminal.
    #[arg(long, value_name = "PATH")]
    key_file: Option<PathBuf>,
    /// Refused: a key on the command line shows in the process list and the shell history.
    #[arg(long, hide = true, value_name = "HEX")]
    key: Option<String>,
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

/// A frame that does not decode: the codec's words and how to paste a frame (`--json` code `protocol`).
fn bad_frame(e: pos_core::iso8583::CodecError) -> CliError {
    use pos_core::Bilingual;
    let e = pos_core::Error::from(e);
    let (zh, en) = crate::advice::frame_step();
    CliError::Cli {
        zh: crate::advice::join_zh(&e.zh(), &zh),
        en: crate::advice::join_en(&e.en(), &en),
        code: e.code().as_str(),
        fields: None,
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
            .map_err(|_| pos_core::iso8583::CodecError::FrameTooLarge { len: bytes.len(), max: 65535 })
            .map_err(bad_frame)?;
        let mut with = len.to_be_bytes().to_vec();
        with.extend_from_slice(&bytes);
        bytes = with;
    }
    Ok((bytes, prefixed))
}

fn decode(g: &Global, a: DecodeArgs) -> Result<ExitCode, CliError> {
    let (bytes, _) = normalise(&a.hex, a.body)?;
    let (frame, _) = Frame::decode_with_layout(unionpay(), &bytes).map_err(bad_frame)?;
    let view = FrameView::of(&frame, bytes.len() - 2);
    if g.json {
        println!("{}", serde_json::to_string_pretty(&view.to_json(a.body)).unwrap_or_default());
    } else {
        print!("{}", view.to_table(a.body));
    }
    Ok(ExitCode::SUCCESS)
}

/// One subfield row: where it sits in its field, and whether this profile knows it.
struct SubView {
    id: String,
    name: String,
    value: String,
    /// 1-based position in the field (digits for numeric fields, characters or bytes
    /// otherwise) and length in the same unit; `None` for TLV rows.
    at: Option<(usize, usize)>,
    /// Not a subfield this profile knows: shown raw as received.
    raw: bool,
}

impl SubView {
    fn known(id: &str, name: &str, value: impl Into<String>, start: usize, len: usize) -> SubView {
        SubView { id: id.into(), name: name.into(), value: value.into(), at: Some((start + 1, len)), raw: false }
    }

    /// What follows the known subfields of field `n`, from 0-based `start`, in `unit`s.
    fn unknown(n: u8, next: usize, value: &str, start: usize, unit: &str) -> SubView {
        let len = value.chars().count();
        SubView {
            id: format!("{n}.{next}+"),
            name: format!("unknown subfields: {unit} {}-{}, {len} {unit}s", start + 1, start + len),
            value: value.into(),
            at: Some((start + 1, len)),
            raw: true,
        }
    }

    fn tlv(id: String, name: String, value: String) -> SubView {
        SubView { id, name, value, at: None, raw: false }
    }
}

/// One field as shown: value masked where it is card data.
struct FieldView {
    number: u8,
    name: String,
    value: String,
    sub: Vec<SubView>,
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
        let request = frame.message.mti().is_request();
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
                    54 => (text(), field54_view(v)),
                    55 => tlv_view(v),
                    60 => (text(), field60_view(v)),
                    61 => (text(), field61_view(v)),
                    62 if request => (hex::encode_upper(v), field62_view(v)),
                    63 => (text(), field63_view(v, request)),
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
            for sub in &f.sub {
                s += &format!("  {:<8} {:<50} {}\n", sub.id, sub.name, sub.value);
            }
        }
        s
    }

    /// As JSON; `body_only`: the input began at the MTI, so there was no length, TPDU or header
    /// to report (the decoder fills placeholders in; they are not shown).
    fn to_json(&self, body_only: bool) -> Value {
        let mut fields = Map::new();
        let mut subfields = Map::new();
        for f in &self.fields {
            fields.insert(f.number.to_string(), Value::String(f.value.clone()));
            if !f.sub.is_empty() {
                let items: Vec<Value> = f
                    .sub
                    .iter()
                    .map(|sub| {
                        let mut item = json!({"id": sub.id, "name": sub.name, "value": sub.value});
                        if let Some((position, length)) = sub.at {
                            item["position"] = json!(position);
                            item["length"] = json!(length);
                        }
                        if sub.raw {
                            item["raw"] = json!(true);
                        }
                        item
                    })
                    .collect();
                subfields.insert(f.number.to_string(), Value::Array(items));
            }
        }
        let mut v = json!({
            "mti": self.mti,
            "fields": fields,
            "subfields": subfields,
        });
        if !body_only {
            v["length"] = json!(self.length);
            v["tpdu"] = json!(self.tpdu);
            v["header"] = json!(self.header);
        }
        v
    }
}

/// Field 60: 60.1-60.7 as far as present, then whatever follows raw with its position.
fn field60_view(v: &[u8]) -> Vec<SubView> {
    let Ok(f) = Field60::parse(v) else {
        return vec![SubView::unknown(60, 1, &String::from_utf8_lossy(v), 0, "digit")];
    };
    let mut out = vec![
        SubView::known("60.1", "message type code", format!("{:02}", f.msg_type), 0, 2),
        SubView::known("60.2", "batch number", f.batch.to_string(), 2, 6),
    ];
    if v.len() >= 11 {
        out.push(SubView::known("60.3", "network management code", format!("{:03}", f.net.code()), 8, 3));
    }
    let singles = [
        ("60.4", "terminal read capability", f.read_capability),
        ("60.5", "IC condition code", f.ic_condition),
        ("60.6", "partial approval / balance return supported", f.partial_approval),
    ];
    for (i, (id, name, d)) in singles.into_iter().enumerate() {
        if let Some(d) = d {
            out.push(SubView::known(id, name, d.to_string(), 11 + i, 1));
        }
    }
    if let Some(a) = f.account_type {
        out.push(SubView::known("60.7", "account type", format!("{a:03}"), 14, 3));
    }
    if !f.rest.is_empty() {
        let start = f.rest_offset();
        let next = match start {
            0..=11 => 4,
            12 => 5,
            13 => 6,
            14 => 7,
            _ => 8,
        };
        out.push(SubView::unknown(60, next, &f.rest, start, "digit"));
    }
    out
}

/// Field 61: original batch, STAN and date, then whatever follows raw.
fn field61_view(v: &[u8]) -> Vec<SubView> {
    let text = String::from_utf8_lossy(v).into_owned();
    let Ok(o) = OriginalData::parse(v) else {
        return vec![SubView::unknown(61, 1, &text, 0, "digit")];
    };
    let mut out = vec![
        SubView::known("61.1", "original batch number", o.batch.to_string(), 0, 6),
        SubView::known("61.2", "original STAN", text.get(6..12).unwrap_or_default(), 6, 6),
    ];
    if let Some(d) = &o.date {
        out.push(SubView::known("61.3", "original date (MMDD)", d.clone(), 12, 4));
    }
    if !o.rest.is_empty() {
        out.push(SubView::unknown(61, 4, &o.rest, 16, "digit"));
    }
    out
}

/// Field 62 of a request (terminal information): one row per BER-TLV object when it is
/// BER-TLV (a serial number under 5F01, say), otherwise the bytes raw with their length.
fn field62_view(v: &[u8]) -> Vec<SubView> {
    match parse_tlv(v) {
        Ok(objects) if !objects.is_empty() => {
            let mut rows = Vec::new();
            for o in &objects {
                tlv_hex(o, 0, &mut rows);
            }
            rows.into_iter()
                .map(|sub| {
                    let text = hex::decode(&sub.value)
                        .ok()
                        .filter(|b| !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' '))
                        .map(|b| format!("{} (\"{}\")", sub.value, String::from_utf8_lossy(&b)));
                    // The TLV dictionary is EMV's; 5F01 carries the terminal's serial number here.
                    let name = match (sub.name.is_empty(), sub.id.trim()) {
                        (true, "5F01") => "terminal serial number".to_string(),
                        _ => sub.name.clone(),
                    };
                    SubView { value: text.unwrap_or(sub.value), name, ..sub }
                })
                .collect()
        }
        _ => vec![SubView::unknown(62, 1, &hex::encode_upper(v), 0, "hex digit")],
    }
}

/// Field 63: the card organisation code (answers) or operator (requests), then the rest raw.
fn field63_view(v: &[u8], request: bool) -> Vec<SubView> {
    let text = String::from_utf8_lossy(v).into_owned();
    let head: String = text.chars().take(3).collect();
    let name = if request { "operator code" } else { "card organisation code (CUP, VIS, MCC, JCB, ...)" };
    let mut out = vec![SubView::known("63.1", name, head.clone(), 0, head.chars().count())];
    let rest: String = text.chars().skip(3).collect();
    if !rest.is_empty() {
        out.push(SubView::unknown(63, 2, &rest, 3, "character"));
    }
    out
}

/// Field 54: amount blocks of 20 (account type n2, amount type n2, currency n3, C/D, n12 in
/// minor units), a trailing partial block raw.
fn field54_view(v: &[u8]) -> Vec<SubView> {
    let text = String::from_utf8_lossy(v).into_owned();
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, block) in chars.chunks(20).enumerate() {
        let b: String = block.iter().collect();
        let well_formed = block.len() == 20
            && matches!(block[7], 'C' | 'D')
            && block.iter().enumerate().all(|(j, c)| j == 7 || c.is_ascii_digit());
        if !well_formed {
            out.push(SubView::unknown(54, i + 1, &b, i * 20, "character"));
            break;
        }
        let minor = b[8..].trim_start_matches('0');
        let value = format!(
            "account type {}, amount type {}, currency {}, {} {} (minor units)",
            &b[..2],
            &b[2..4],
            &b[4..7],
            if block[7] == 'C' { "credit" } else { "debit" },
            if minor.is_empty() { "0" } else { minor }
        );
        out.push(SubView::known(&format!("54.{}", i + 1), "amount block", value, i * 20, 20));
    }
    out
}

/// Field 55 as hex plus one row per TLV object; cardholder data tags are masked in both.
fn tlv_view(v: &[u8]) -> (String, Vec<SubView>) {
    match parse_tlv(v) {
        Ok(objects) => {
            let mut rows = Vec::new();
            let hex = objects.iter().map(|o| tlv_hex(o, 0, &mut rows)).collect();
            (hex, rows)
        }
        Err(_) => (hex::encode_upper(v), vec![SubView::tlv("55".into(), "not BER-TLV".into(), String::new())]),
    }
}

fn tlv_hex(o: &Tlv, depth: usize, rows: &mut Vec<SubView>) -> String {
    let tag = o.tag.to_string();
    let name = o.tag.name().unwrap_or("").to_string();
    let indent = "  ".repeat(depth);
    match &o.value {
        TlvValue::Primitive(b) => {
            let value = if o.tag.is_sensitive() { "*".repeat(b.len() * 2) } else { hex::encode_upper(b) };
            rows.push(SubView::tlv(format!("{indent}{tag}"), name, value.clone()));
            format!("{tag}{}{value}", len_hex(b.len()))
        }
        TlvValue::Constructed(children) => {
            rows.push(SubView::tlv(format!("{indent}{tag}"), name, String::new()));
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

/// Longest key file or standard input read (a hex key is at most 48 digits plus whitespace).
const MAX_KEY_TEXT: usize = 4096;

fn no_key() -> CliError {
    ArgProblem::new(
        "没有 MAC 密钥：请用 --key-file <文件> 指定密钥文件（十六进制），或经标准输入传入（--key-file - 或管道）",
        "no MAC key: give --key-file <PATH> (a file holding the key in hex), or pass it on standard input \
         (--key-file -, or a pipe)",
    )
    .into()
}

/// Where the key comes from, named in Chinese and English.
type Source<'a> = (&'a str, &'a str);

const STDIN: Source<'static> = ("标准输入", "standard input");

fn unreadable((zh, en): Source<'_>, e: &std::io::Error) -> CliError {
    ArgProblem::new(
        &format!("无法从{zh}读取密钥：{}", crate::advice::io_zh(e)),
        &format!("cannot read the key from {en}: {e}"),
    )
    .into()
}

/// Reads at most [`MAX_KEY_TEXT`] bytes into a buffer that never reallocates and is wiped on drop.
fn read_key_text(mut from: impl Read, what: Source<'_>) -> Result<Zeroizing<String>, CliError> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_KEY_TEXT + 1));
    from.by_ref().take(MAX_KEY_TEXT as u64 + 1).read_to_end(&mut bytes).map_err(|e| unreadable(what, &e))?;
    if bytes.len() > MAX_KEY_TEXT {
        return Err(ArgProblem::new(
            &format!("{}的内容过长，不是一个十六进制密钥", what.0),
            &format!("{} holds too much to be a hex key", what.1),
        )
        .into());
    }
    let mut text = Zeroizing::new(String::with_capacity(bytes.len()));
    text.extend(bytes.iter().map(|&b| char::from(b)).filter(|c| !c.is_ascii_whitespace()));
    if text.is_empty() {
        return Err(no_key());
    }
    Ok(text)
}

/// Warns when a key file can be read by others than its owner.
fn warn_if_shared(g: &Global, path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "{}",
                    say_pair(
                        g,
                        &format!("警告：密钥文件 {} 其他用户可读，请执行 chmod 600", path.display()),
                        &format!("warning: the key file {} is readable by other users: chmod 600 it", path.display()),
                    )
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (g, path);
}

/// The MAK from `--key-file`, or from standard input (see `pos frame mac --help`).
fn read_key(g: &Global, a: &mut MacArgs) -> Result<SecretKey, CliError> {
    if let Some(mut exposed) = a.key.take() {
        exposed.zeroize();
        return Err(ArgProblem::new(
            "不再接受 --key：命令行上的密钥会出现在进程列表和 shell 历史中（本次未使用该密钥，请从历史记录中删除）。\
             请改用 --key-file <文件>，或经标准输入传入（--key-file - 或管道）",
            "--key is refused: a key on the command line shows in the process list and the shell history \
             (it was not used; remove it from your history). Use --key-file <PATH>, or standard input \
             (--key-file -, or a pipe)",
        )
        .into());
    }
    let stdin = std::io::stdin();
    let text = match a.key_file.as_deref() {
        Some(p) if p == Path::new("-") => read_key_text(stdin.lock(), STDIN)?,
        Some(p) => {
            let zh = format!("密钥文件 {} ", p.display());
            let en = format!("the key file {}", p.display());
            let file = std::fs::File::open(p).map_err(|e| unreadable((&zh, &en), &e))?;
            warn_if_shared(g, p);
            read_key_text(file, (&zh, &en))?
        }
        None if !stdin.is_terminal() => read_key_text(stdin.lock(), STDIN)?,
        None => return Err(no_key()),
    };
    Ok(SecretKey::from_hex(&text).map_err(pos_core::Error::from)?)
}

fn mac(g: &Global, mut a: MacArgs) -> Result<ExitCode, CliError> {
    let key = read_key(g, &mut a)?;
    let (bytes, _) = normalise(&a.hex, a.body)?;
    let (_, layout): (Frame, FrameLayout) = Frame::decode_with_layout(unionpay(), &bytes).map_err(bad_frame)?;
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
