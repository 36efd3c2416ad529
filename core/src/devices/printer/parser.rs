//! A streaming ESC/POS parser: bytes in any chunking to [`Op`]s, never panicking, with bounded state.
//!
//! Commands the simulated printer models become ops; other known commands are consumed
//! with their arguments (and image or barcode data skipped by count, not buffered); unknown
//! `ESC`/`GS`/`FS` commands are dropped with their first byte, as real printers do.
//! The client uses it too, to find the line ends where a query may be slipped into a job.

use encoding_rs::{CoderResult, Decoder, GB18030};

use super::escpos::{Align, DLE, EOT, ESC, FS, GS, LF};

/// Longest text run turned into one [`Op::Text`]; longer runs are split (the decoder keeps
/// a character cut in half).
const MAX_TEXT_RUN: usize = 1024;
/// Most argument bytes any modelled command header has (`GS v 0 m xL xH yL yH`).
const MAX_ARGS: usize = 6;
/// Longest NUL-terminated argument list skipped (`ESC D` tab stops, `GS k` barcodes).
const MAX_NUL_TERMINATED: u16 = 256;

/// One effect of the stream on the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `ESC @`.
    Init,
    /// `ESC a n`.
    Align(Align),
    /// `ESC E n`.
    Bold(bool),
    /// `ESC ! n`: the print mode byte sets emphasis and double width/height at once.
    PrintMode {
        /// Bit 3.
        bold: bool,
        /// Bit 5.
        double_width: bool,
        /// Bit 4.
        double_height: bool,
    },
    /// `GS ! n`: multipliers 1..=8.
    Size {
        /// Horizontal multiplier.
        width: u8,
        /// Vertical multiplier.
        height: u8,
    },
    /// Printable text, decoded.
    Text(String),
    /// `LF`.
    LineFeed,
    /// `ESC d n`: print and feed n lines.
    FeedLines(u8),
    /// `ESC J n`: print and feed n dots.
    FeedDots(u8),
    /// `GS V`.
    Cut,
    /// `FS &` (true) or `FS .` (false).
    Chinese(bool),
    /// `DLE EOT n`: answer a status byte now.
    RealtimeStatus(u8),
    /// `GS r n`: answer a status byte once what came before is printed.
    Status(u8),
}

/// Where the parser is within a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    /// Saw `ESC`, `GS`, `FS` or `DLE`.
    Prefix(u8),
    /// Collecting `need` argument bytes of `prefix code`.
    Args {
        prefix: u8,
        code: u8,
        need: u8,
        got: u8,
        args: [u8; MAX_ARGS],
    },
    /// Skipping a counted data block (raster image, QR code).
    Skip(u64),
    /// Skipping up to a NUL, at most the given bytes more.
    SkipToNul(u16),
}

/// What follows a `prefix code` pair.
enum Shape {
    Fixed(u8),
    Unknown,
}

/// Argument counts of the commands we recognise (variable-length ones: the header; the rest is skipped by count).
fn shape(prefix: u8, code: u8) -> Shape {
    let n = match (prefix, code) {
        (ESC, b'@' | b'2' | b'L' | b'S' | b'i' | b'm' | b'<' | b'W' | b'D') => 0,
        (ESC, b'a' | b'E' | b'!' | b'd' | b'J' | b'-' | b'3' | b'M' | b't' | b'R' | b' ' | b'G' | b'V' | b'{')
        | (ESC, b'e' | b'%' | b'=' | b'U' | b'T' | b'r') => 1,
        (ESC, b'c' | b'$' | b'\\' | b'B') => 2,
        (ESC, b'p' | b'*' | b'&') => 3,
        (GS, b'V' | b'!' | b'r' | b'a' | b'B' | b'H' | b'f' | b'h' | b'w' | b'b' | b'I' | b'/' | b'k') => 1,
        (GS, b'L' | b'W' | b'$' | b'\\' | b'P' | b'*') => 2,
        (GS, b'(') => 3,
        (GS, b'v') => 6,
        (FS, b'&' | b'.') => 0,
        (FS, b'!' | b'-' | b'W' | b'C') => 1,
        (FS, b'S' | b'p') => 2,
        (DLE, EOT | 0x05) => 1,
        (DLE, 0x14) => 3,
        _ => return Shape::Unknown,
    };
    Shape::Fixed(n)
}

/// The parser; feed it chunks with [`Parser::push`].
pub struct Parser {
    state: State,
    chinese: bool,
    chinese_at_init: bool,
    decoder: Decoder,
    decoding: bool,
    text: Vec<u8>,
}

impl std::fmt::Debug for Parser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parser").field("state", &self.state).field("chinese", &self.chinese).finish()
    }
}

impl Parser {
    /// A parser for a printer that starts (and returns on `ESC @`) in Chinese mode or not.
    pub fn new(chinese_at_init: bool) -> Parser {
        Parser {
            state: State::Ground,
            chinese: chinese_at_init,
            chinese_at_init,
            decoder: GB18030.new_decoder_without_bom_handling(),
            decoding: false,
            text: Vec::new(),
        }
    }

    /// True between commands and outside image or barcode data.
    fn is_ground(&self) -> bool {
        self.state == State::Ground
    }

    /// Parses a chunk, appending what it does to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Op>) {
        for &b in bytes {
            self.byte(b, out);
        }
        // A run may go on in the next chunk: hand it over, keeping any half character.
        self.flush_text(false, out);
    }

    fn byte(&mut self, b: u8, out: &mut Vec<Op>) {
        match self.state {
            State::Ground => match b {
                ESC | GS | FS | DLE => {
                    self.flush_text(true, out);
                    self.state = State::Prefix(b);
                }
                LF => {
                    self.flush_text(true, out);
                    out.push(Op::LineFeed);
                }
                0x20..=0x7E | 0x80..=0xFF => {
                    self.text.push(b);
                    if self.text.len() >= MAX_TEXT_RUN {
                        self.flush_text(false, out);
                    }
                }
                // CR, HT, FF, CAN, DEL and other controls: nothing on paper.
                _ => self.flush_text(true, out),
            },
            State::Prefix(prefix) => match shape(prefix, b) {
                Shape::Fixed(0) => {
                    self.state = State::Ground;
                    self.command(prefix, b, &[], out);
                }
                Shape::Fixed(need) => {
                    let need = need.min(MAX_ARGS as u8);
                    self.state = State::Args { prefix, code: b, need, got: 0, args: [0; MAX_ARGS] };
                }
                Shape::Unknown => {
                    // Not a command: the prefix is dropped and this byte read afresh (once: the state is Ground now).
                    self.state = State::Ground;
                    self.byte(b, out);
                }
            },
            State::Args { prefix, code, need, got, mut args } => {
                if let Some(slot) = args.get_mut(usize::from(got)) {
                    *slot = b;
                }
                let got = got + 1;
                if got < need {
                    self.state = State::Args { prefix, code, need, got, args };
                } else {
                    self.state = State::Ground;
                    self.command(prefix, code, args.get(..usize::from(need)).unwrap_or(&args), out);
                }
            }
            State::Skip(n) => self.state = if n <= 1 { State::Ground } else { State::Skip(n - 1) },
            State::SkipToNul(n) => self.state = if b == 0 || n <= 1 { State::Ground } else { State::SkipToNul(n - 1) },
        }
    }

    /// Acts on a complete command header.
    fn command(&mut self, prefix: u8, code: u8, a: &[u8], out: &mut Vec<Op>) {
        let arg = |i: usize| a.get(i).copied().unwrap_or(0);
        let word = |i: usize| u64::from(arg(i)) | u64::from(arg(i + 1)) << 8;
        match (prefix, code) {
            (ESC, b'@') => {
                self.chinese = self.chinese_at_init;
                out.push(Op::Init);
            }
            (ESC, b'a') => {
                if let Some(al) = Align::from_code(arg(0)) {
                    out.push(Op::Align(al));
                }
            }
            (ESC, b'E') => out.push(Op::Bold(arg(0) & 1 == 1)),
            (ESC, b'!') => out.push(Op::PrintMode {
                bold: arg(0) & 0x08 != 0,
                double_height: arg(0) & 0x10 != 0,
                double_width: arg(0) & 0x20 != 0,
            }),
            (ESC, b'd') => out.push(Op::FeedLines(arg(0))),
            (ESC, b'J') => out.push(Op::FeedDots(arg(0))),
            (ESC, b'D') => self.state = State::SkipToNul(MAX_NUL_TERMINATED),
            // `ESC W` (print area in page mode) has 8 argument bytes, more than a header holds.
            (ESC, b'W') => self.skip(8),
            (ESC, b'*') => {
                let dots = word(1);
                let bytes_per_column = if arg(0) >= 32 { 3 } else { 1 };
                self.skip(dots * bytes_per_column);
            }
            (GS, b'!') => out.push(Op::Size { width: (arg(0) >> 4 & 0x07) + 1, height: (arg(0) & 0x07) + 1 }),
            (GS, b'V') => {
                // `GS V 65/66 n` has a feed argument after the mode.
                if matches!(arg(0), 65 | 66) {
                    self.skip(1);
                }
                out.push(Op::Cut);
            }
            (GS, b'r') => out.push(Op::Status(arg(0))),
            (GS, b'k') => {
                if arg(0) >= 65 {
                    // `GS k m n d1..dn`: n is the next byte; skip it and then n more below.
                    self.state = State::Args { prefix: GS, code: 0xFF, need: 1, got: 0, args: [0; MAX_ARGS] };
                } else {
                    self.state = State::SkipToNul(MAX_NUL_TERMINATED);
                }
            }
            (GS, 0xFF) => self.skip(u64::from(arg(0))),
            (GS, b'(') => self.skip(word(1)),
            (GS, b'v') => self.skip(word(2).saturating_mul(word(4))),
            (GS, b'*') => self.skip(u64::from(arg(0)) * u64::from(arg(1)) * 8),
            (FS, b'&') => {
                self.chinese = true;
                out.push(Op::Chinese(true));
            }
            (FS, b'.') => {
                self.chinese = false;
                out.push(Op::Chinese(false));
            }
            (DLE, EOT) => out.push(Op::RealtimeStatus(arg(0))),
            _ => {}
        }
    }

    fn skip(&mut self, n: u64) {
        if n > 0 {
            self.state = State::Skip(n);
        }
    }

    /// Decodes the pending text run; `end` when a control byte ends it (a half character is then an error).
    fn flush_text(&mut self, end: bool, out: &mut Vec<Op>) {
        if self.text.is_empty() && !(end && self.decoding) {
            return;
        }
        let mut s = String::new();
        if self.chinese {
            let src = std::mem::take(&mut self.text);
            self.decode(&src, end, &mut s);
            self.decoding = !end;
        } else {
            if self.decoding {
                // Chinese mode went off inside a character: its half is garbage.
                self.decode(&[], true, &mut s);
                self.decoding = false;
            }
            // Without Chinese mode a real printer shows code-page symbols for high bytes;
            // '?' makes a forgotten `FS &` obvious in the preview.
            s.extend(self.text.drain(..).map(|b| if b.is_ascii() { char::from(b) } else { '?' }));
        }
        if end {
            self.decoder = GB18030.new_decoder_without_bom_handling();
        }
        if !s.is_empty() {
            out.push(Op::Text(s));
        }
    }

    fn decode(&mut self, src: &[u8], last: bool, s: &mut String) {
        let mut src = src;
        // Each round consumes input or grows the output; 8 rounds is far more than reserve needs.
        for _ in 0..8 {
            s.reserve(self.decoder.max_utf8_buffer_length(src.len()).unwrap_or(src.len() * 3 + 16));
            let (result, read, _) = self.decoder.decode_to_string(src, s, last);
            src = src.get(read..).unwrap_or_default();
            if result == CoderResult::InputEmpty {
                return;
            }
        }
    }
}

/// Offsets just after each line feed of `job` that is a real `LF` (not an argument or image
/// data): the only places another command can go without splitting a command or a character.
pub fn line_ends(job: &[u8]) -> Vec<usize> {
    let mut p = Parser::new(true);
    let mut sink = Vec::new();
    let mut ends = Vec::new();
    for (i, &b) in job.iter().enumerate() {
        let ground = p.is_ground();
        p.byte(b, &mut sink);
        sink.clear();
        if ground && b == LF {
            ends.push(i + 1);
        }
    }
    ends
}

#[cfg(test)]
mod tests;
