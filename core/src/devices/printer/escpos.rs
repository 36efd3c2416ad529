//! ESC/POS: the byte commands thermal printers understand, and an encoder for them.
//!
//! Only the subset receipts need: initialise, align, emphasis, character size, GB18030 text
//! with the Chinese mode switch, line and paper feeds, cut, and the status queries.

use encoding_rs::GB18030;

/// Escape.
pub const ESC: u8 = 0x1B;
/// Group separator: the `GS` command prefix.
pub(crate) const GS: u8 = 0x1D;
/// File separator: the `FS` (Chinese/Kanji) command prefix.
pub(crate) const FS: u8 = 0x1C;
/// Data link escape: the real-time command prefix.
pub(crate) const DLE: u8 = 0x10;
/// End of transmission: `DLE EOT n` asks for a status byte.
pub(crate) const EOT: u8 = 0x04;
/// Line feed: print the line buffer and advance one line.
pub(crate) const LF: u8 = 0x0A;

/// Largest character scale `GS !` allows.
pub(crate) const MAX_SCALE: u8 = 8;

/// Horizontal alignment of a printed line (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// `n = 0`.
    #[default]
    Left,
    /// `n = 1`.
    Center,
    /// `n = 2`.
    Right,
}

impl Align {
    /// The `ESC a` argument.
    pub fn code(self) -> u8 {
        match self {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        }
    }

    /// Reads an `ESC a` argument; printers accept both `0..=2` and ASCII `'0'..='2'`.
    pub fn from_code(n: u8) -> Option<Align> {
        match n {
            0 | b'0' => Some(Align::Left),
            1 | b'1' => Some(Align::Center),
            2 | b'2' => Some(Align::Right),
            _ => None,
        }
    }
}

/// What a status query asks; each is answered by one status byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusQuery {
    /// `DLE EOT 1`: printer status (online/offline), answered at once.
    Printer,
    /// `DLE EOT 2`: offline cause (cover open, stopped at paper end, error), answered at once.
    OfflineCause,
    /// `DLE EOT 4`: roll paper sensor (near end, end), answered at once.
    PaperSensor,
    /// `GS r 1`: paper sensor, answered only when everything sent before it is printed.
    PaperAfterPrinting,
}

impl StatusQuery {
    /// The command bytes.
    pub fn bytes(self) -> [u8; 3] {
        match self {
            StatusQuery::Printer => [DLE, EOT, 1],
            StatusQuery::OfflineCause => [DLE, EOT, 2],
            StatusQuery::PaperSensor => [DLE, EOT, 4],
            StatusQuery::PaperAfterPrinting => [GS, b'r', 1],
        }
    }
}

/// Builds an ESC/POS byte stream.
#[derive(Debug, Clone, Default)]
pub struct EscPos {
    buf: Vec<u8>,
    chinese: bool,
}

impl EscPos {
    /// An empty stream.
    pub fn new() -> EscPos {
        EscPos::default()
    }

    /// `ESC @`: clears the printer's modes. Chinese mode is sent again when text needs it,
    /// because printers disagree on whether `ESC @` keeps it.
    pub fn init(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&[ESC, b'@']);
        self.chinese = false;
        self
    }

    /// `ESC a n`.
    pub fn align(&mut self, a: Align) -> &mut Self {
        self.buf.extend_from_slice(&[ESC, b'a', a.code()]);
        self
    }

    /// `ESC E n`: emphasised (bold) on or off.
    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.buf.extend_from_slice(&[ESC, b'E', u8::from(on)]);
        self
    }

    /// `GS ! n`: character width and height multipliers, each clamped to 1..=8.
    pub fn size(&mut self, width: u8, height: u8) -> &mut Self {
        let w = width.clamp(1, MAX_SCALE) - 1;
        let h = height.clamp(1, MAX_SCALE) - 1;
        self.buf.extend_from_slice(&[GS, b'!', (w << 4) | h]);
        self
    }

    /// `FS &` (on) or `FS .` (off): two-byte GB codes print as one Chinese character.
    pub(crate) fn chinese(&mut self, on: bool) -> &mut Self {
        self.buf.extend_from_slice(&[FS, if on { b'&' } else { b'.' }]);
        self.chinese = on;
        self
    }

    /// Text in GB18030, switching Chinese mode on first if the text needs it.
    ///
    /// Control characters become spaces: a merchant name must never smuggle commands
    /// (a cut, a status query, a raster image header) into the stream.
    pub fn text(&mut self, s: &str) -> &mut Self {
        if !self.chinese && !s.is_ascii() {
            self.chinese(true);
        }
        let clean: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        // GB18030 encodes every Unicode scalar value, so nothing is replaced here.
        let (bytes, _, _) = GB18030.encode(&clean);
        self.buf.extend_from_slice(&bytes);
        self
    }

    /// `LF`: prints the line.
    pub(crate) fn newline(&mut self) -> &mut Self {
        self.buf.push(LF);
        self
    }

    /// Text then `LF`.
    pub fn line(&mut self, s: &str) -> &mut Self {
        self.text(s).newline()
    }

    /// `ESC d n`: prints the line and feeds `n` lines.
    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.buf.extend_from_slice(&[ESC, b'd', lines]);
        self
    }

    /// `GS V 66 0`: feeds to the cutter and cuts partially (printers without a cutter ignore it).
    pub fn cut(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&[GS, b'V', 66, 0]);
        self
    }

    /// Bytes so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True before anything was added.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The stream.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_commands_and_gb18030() {
        let mut e = EscPos::new();
        e.init().align(Align::Center).bold(true).size(2, 1).line("中A").feed(3).cut();
        assert_eq!(
            e.into_bytes(),
            [
                &[ESC, b'@', ESC, b'a', 1, ESC, b'E', 1, GS, b'!', 0x10][..],
                &[FS, b'&', 0xD6, 0xD0, b'A', LF],
                &[ESC, b'd', 3, GS, b'V', 66, 0],
            ]
            .concat()
        );
    }

    #[test]
    fn ascii_needs_no_chinese_mode_and_controls_are_blanked() {
        let mut e = EscPos::new();
        e.text("A\u{1b}d\u{10}\u{4}\u{2}");
        assert_eq!(e.into_bytes(), b"A d   ");
    }

    #[test]
    fn chinese_mode_sent_once_until_init() {
        let mut e = EscPos::new();
        e.text("一").text("二").init().text("三");
        let b = e.into_bytes();
        assert_eq!(b.windows(2).filter(|w| w == &[FS, b'&']).count(), 2);
    }

    #[test]
    fn four_byte_gb18030_and_size_clamp() {
        let mut e = EscPos::new();
        e.size(0, 9).text("€😀");
        let b = e.into_bytes();
        assert_eq!(&b[..3], &[GS, b'!', 0x07]);
        // € is two bytes (A2E3), the emoji four (9439FC38 range): nothing lost.
        let (back, _, bad) = GB18030.decode(&b[5..]);
        assert!(!bad);
        assert_eq!(back, "€😀");
    }
}
