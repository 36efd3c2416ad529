//! Card data of a request: the PAN from field 2 or track 2 (tracks 2 and 3 decrypted under
//! the TDK when field 53 says so), and the expiry from field 14 or the track.

use pos_core::card::{Expiry, Pan, Track2, Track3};
use pos_core::crypto::{decrypt_track, decrypt_whole_track};
use pos_core::iso8583::CardFields;
use tracing::warn;

use super::Session;

/// What the host learnt about the card.
pub(crate) struct CardData {
    /// Full card number (never logged).
    pub pan: String,
    /// Expiry from field 14, else from track 2.
    pub expiry: Option<Expiry>,
}

/// Reads the card; `Ok(None)` when the request carries no card number at all.
///
/// Failures are response codes: `30` for data the host cannot read (no TDK, a field 14
/// that is not YYMM), `14` for a card number that is not one.
pub(crate) fn read(card: &CardFields, session: &Session) -> Result<Option<CardData>, &'static str> {
    let encrypted = card.security.is_some_and(|s| s.track_encrypted);
    let whole = card.security.is_some_and(|s| s.whole_track);
    let clear = |t: &String| -> Result<String, &'static str> {
        if !encrypted {
            return Ok(t.clone());
        }
        let Some(tdk) = &session.keys.tdk else {
            warn!("track data marked encrypted but the session has no TDK");
            return Err("30");
        };
        let decrypt = |k| if whole { decrypt_whole_track(k, t) } else { decrypt_track(k, t) };
        // A clear track must read as one: under the wrong key it does not parse.
        let readable = |clear: &String| Track2::parse(clear).is_ok() || Track3::parse(clear).is_ok();
        match decrypt(tdk) {
            Ok(clear) if readable(&clear) => Ok(clear),
            current => match session.previous_tdk.as_ref().map(decrypt) {
                Some(Ok(clear)) if readable(&clear) => Ok(clear),
                _ => current.map_err(|_| "30"),
            },
        }
    };
    let track = match &card.track2 {
        Some(t) => Some(Track2::parse(&clear(t)?).map_err(|_| "14")?),
        None => None,
    };
    // Track 3's layout varies by issuer: the host only checks that it reads as a track.
    if let Some(t) = &card.track3 {
        Track3::parse(&clear(t)?).map_err(|_| "30")?;
    }
    let field2 = match &card.pan {
        Some(p) => Some(Pan::parse(p).map_err(|_| "14")?),
        None => None,
    };
    let pan = match (&track, &field2) {
        (Some(t), Some(p)) if t.pan() != p => return Err("14"),
        (Some(t), _) => t.pan().as_digits().to_owned(),
        (None, Some(p)) => p.as_digits().to_owned(),
        (None, None) => return Ok(None),
    };
    let expiry = match &card.expiry {
        Some(e) => Some(Expiry::parse_yymm(e).map_err(|_| "30")?),
        None => track.as_ref().map(Track2::expiry),
    };
    Ok(Some(CardData { pan, expiry }))
}
