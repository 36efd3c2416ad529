//! Status bytes a printer answers to `DLE EOT n` and `GS r 1`.
//!
//! Every `DLE EOT` answer has the fixed pattern `0xx1 0x10` (bits 1 and 4 set, 0 and 7
//! clear), which is how a status byte is told apart from noise on the notify characteristic.

/// What the printer reports about paper and cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    /// No paper at the print head: nothing prints.
    pub paper_out: bool,
    /// The roll is nearly used up: printing works, the operator should change it soon.
    pub paper_near_end: bool,
    /// The paper cover is open: nothing prints.
    pub cover_open: bool,
    /// Some other error (cutter jam, head overheated): nothing prints.
    pub fault: bool,
}

impl PrinterStatus {
    /// True when a receipt would print.
    pub fn ready(&self) -> bool {
        !(self.paper_out || self.cover_open || self.fault)
    }
}

const FIXED_MASK: u8 = 0b1001_0011;
const FIXED_BITS: u8 = 0b0001_0010;

/// True when `b` has the fixed bits of a `DLE EOT` answer.
pub(crate) fn is_realtime_status(b: u8) -> bool {
    b & FIXED_MASK == FIXED_BITS
}

/// Reads the `DLE EOT 2` (offline cause) answer into `s`; false if `b` is not a status byte.
pub(crate) fn apply_offline_cause(b: u8, s: &mut PrinterStatus) -> bool {
    if !is_realtime_status(b) {
        return false;
    }
    s.cover_open = b & 0x04 != 0;
    // Bit 5 "stopped at paper end" is the same paper-out seen from the offline side.
    s.paper_out |= b & 0x20 != 0;
    s.fault = b & 0x40 != 0;
    true
}

/// Reads the `DLE EOT 4` (roll paper sensor) answer into `s`; false if `b` is not a status byte.
pub(crate) fn apply_paper_sensor(b: u8, s: &mut PrinterStatus) -> bool {
    if !is_realtime_status(b) {
        return false;
    }
    s.paper_near_end = b & 0x0C != 0;
    s.paper_out |= b & 0x60 != 0;
    true
}

/// Reads the `GS r 1` answer (bits 0-1 near end, 2-3 paper end; bits 4 and 7 clear):
/// `Some(paper_out)`, or `None` if `b` cannot be one.
pub(crate) fn paper_out_after_printing(b: u8) -> Option<bool> {
    (b & 0b1001_0000 == 0).then_some(b & 0x0C != 0)
}

/// The `DLE EOT 2` byte for a state (what the simulated printer answers).
pub(crate) fn offline_cause_byte(s: &PrinterStatus) -> u8 {
    FIXED_BITS
        | if s.cover_open { 0x04 } else { 0 }
        | if s.paper_out { 0x20 } else { 0 }
        | if s.fault { 0x40 } else { 0 }
}

/// The `DLE EOT 4` byte for a state.
pub(crate) fn paper_sensor_byte(s: &PrinterStatus) -> u8 {
    FIXED_BITS | if s.paper_near_end { 0x0C } else { 0 } | if s.paper_out { 0x60 } else { 0 }
}

/// The `DLE EOT 1` byte for a state: bit 3 set while offline.
pub(crate) fn printer_byte(s: &PrinterStatus) -> u8 {
    FIXED_BITS | if s.ready() { 0 } else { 0x08 }
}

/// The `GS r 1` byte for a state.
pub(crate) fn paper_after_printing_byte(s: &PrinterStatus) -> u8 {
    (if s.paper_near_end { 0x03 } else { 0 }) | if s.paper_out { 0x0C } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_every_state() {
        for bits in 0u8..16 {
            let s = PrinterStatus {
                paper_out: bits & 1 != 0,
                paper_near_end: bits & 2 != 0,
                cover_open: bits & 4 != 0,
                fault: bits & 8 != 0,
            };
            let mut back = PrinterStatus::default();
            assert!(apply_offline_cause(offline_cause_byte(&s), &mut back));
            assert!(apply_paper_sensor(paper_sensor_byte(&s), &mut back));
            assert_eq!(back, s);
            assert_eq!(paper_out_after_printing(paper_after_printing_byte(&s)), Some(s.paper_out));
            assert_eq!(printer_byte(&s) & 0x08 != 0, !s.ready());
        }
    }

    #[test]
    fn noise_is_not_a_status() {
        let mut s = PrinterStatus::default();
        for b in [0x00, 0xFF, 0x13, 0x92, b'A'] {
            assert!(!apply_offline_cause(b, &mut s), "{b:#x}");
        }
        assert_eq!(s, PrinterStatus::default());
        assert_eq!(paper_out_after_printing(0x90), None);
    }
}
