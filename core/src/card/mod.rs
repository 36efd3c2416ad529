//! Card data: PAN, magnetic tracks, BER-TLV, card fingerprint.
