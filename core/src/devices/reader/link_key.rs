//! The key the phone and the reader agree over BLE (docs/reader-protocol.md, "Link key"):
//! ephemeral ECDH P-256 on both sides, HKDF-SHA256 over the transcript, AES-256-GCM with a
//! counter nonce for what the reader hands the phone (the MAK of a sign-in).
//!
//! No key byte of it is ever held in a buffer of ours: the shared secret goes straight from
//! ring's agreement into HKDF, and the derived key straight into ring's AEAD key.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, ECDH_P256};
use ring::hkdf::{Salt, HKDF_SHA256};
use ring::rand::SystemRandom;
use zeroize::Zeroizing;

use crate::reader::ReaderError;

/// The protocol label bound into the key derivation (and the HKDF salt).
pub(crate) const LABEL: &[u8] = b"pos-core reader link key v1";
/// An uncompressed P-256 public key: `04 | X | Y`.
pub(crate) const PUBLIC_KEY_LEN: usize = 65;
/// The counter that leads a wrapped key.
const COUNTER_LEN: usize = 8;
const TAG_LEN: usize = 16;
/// Nonce prefix of what the reader wraps for the phone (direction reader to phone).
const READER_TO_PHONE: [u8; 4] = *b"R2P\0";

/// One side's ephemeral half of the agreement; used once.
pub struct Ephemeral {
    private: EphemeralPrivateKey,
    public: Vec<u8>,
}

impl std::fmt::Debug for Ephemeral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ephemeral(P-256)")
    }
}

fn crypto(why: &str) -> ReaderError {
    ReaderError::Protocol(format!("link key: {why}"))
}

/// Appends `bytes` with a two-byte length, so no field of the transcript can run into the next.
fn framed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// What both sides bind into the key: the label, both public keys and the reader's serial.
fn transcript(phone_public: &[u8], reader_public: &[u8], serial: &str) -> Vec<u8> {
    let mut t = Vec::with_capacity(LABEL.len() + 2 * PUBLIC_KEY_LEN + serial.len() + 8);
    framed(&mut t, LABEL);
    framed(&mut t, phone_public);
    framed(&mut t, reader_public);
    framed(&mut t, serial.as_bytes());
    t
}

impl Ephemeral {
    /// A fresh P-256 key pair.
    pub fn generate() -> Result<Ephemeral, ReaderError> {
        let private = EphemeralPrivateKey::generate(&ECDH_P256, &SystemRandom::new())
            .map_err(|_| crypto("no randomness for the ephemeral key"))?;
        let public = private.compute_public_key().map_err(|_| crypto("public key"))?.as_ref().to_vec();
        Ok(Ephemeral { private, public })
    }

    /// Our public key, to send to the other side.
    pub(crate) fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The phone's side: agrees with the reader's public key.
    pub(crate) fn agree_as_phone(self, reader_public: &[u8], serial: &str) -> Result<LinkKey, ReaderError> {
        let t = transcript(&self.public, reader_public, serial);
        self.agree(reader_public, &t)
    }

    /// The reader's side: agrees with the phone's public key.
    #[cfg(any(test, feature = "sim"))]
    pub(crate) fn agree_as_reader(self, phone_public: &[u8], serial: &str) -> Result<LinkKey, ReaderError> {
        let t = transcript(phone_public, &self.public, serial);
        self.agree(phone_public, &t)
    }

    fn agree(self, peer_public: &[u8], transcript: &[u8]) -> Result<LinkKey, ReaderError> {
        if peer_public.len() != PUBLIC_KEY_LEN || peer_public.first() != Some(&4) {
            return Err(crypto("the peer's public key is not an uncompressed P-256 point"));
        }
        let peer = UnparsedPublicKey::new(&ECDH_P256, peer_public);
        // ring checks the point is on the curve; the shared secret only ever lives in ring.
        let prk =
            agreement::agree_ephemeral(self.private, &peer, |shared| Salt::new(HKDF_SHA256, LABEL).extract(shared))
                .map_err(|_| crypto("the peer's public key is not a valid P-256 point"))?;
        let info = [transcript];
        let okm = prk.expand(&info, &AES_256_GCM).map_err(|_| crypto("derivation"))?;
        Ok(LinkKey { key: LessSafeKey::new(UnboundKey::from(okm)), sealed: 0, opened: 0 })
    }
}

/// The agreed AES-256-GCM key, with the counters of the nonces used under it.
pub(crate) struct LinkKey {
    key: LessSafeKey,
    /// The last counter this side sealed with.
    sealed: u64,
    /// The last counter this side accepted (only a higher one is accepted next).
    opened: u64,
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LinkKey(sealed={}, opened={})", self.sealed, self.opened)
    }
}

fn nonce(counter: u64) -> Nonce {
    let mut n = [0u8; NONCE_LEN];
    n[..4].copy_from_slice(&READER_TO_PHONE);
    n[4..].copy_from_slice(&counter.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

impl LinkKey {
    /// The reader wraps `secret` for the phone: `counter(8) | ciphertext | tag(16)`, `aad` bound.
    #[cfg(any(test, feature = "sim"))]
    pub fn wrap(&mut self, aad: &[u8], secret: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let counter = self.sealed.checked_add(1).ok_or_else(|| crypto("counter exhausted"))?;
        let mut out = Vec::with_capacity(COUNTER_LEN + secret.len() + TAG_LEN);
        out.extend_from_slice(&counter.to_be_bytes());
        out.extend_from_slice(secret);
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce(counter), Aad::from(aad), &mut out[COUNTER_LEN..])
            .map_err(|_| crypto("seal"))?;
        out.extend_from_slice(tag.as_ref());
        self.sealed = counter;
        Ok(out)
    }

    /// The phone unwraps what the reader wrapped with the same `aad`. A changed bit, another
    /// key or another `aad` is [`ReaderError::WrappedKeyRefused`]; so is a counter already used
    /// (a replayed answer).
    pub fn unwrap(&mut self, aad: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, ReaderError> {
        if wrapped.len() < COUNTER_LEN + TAG_LEN {
            return Err(ReaderError::WrappedKeyRefused);
        }
        let (counter, body) = wrapped.split_at(COUNTER_LEN);
        let mut c = [0u8; COUNTER_LEN];
        c.copy_from_slice(counter);
        let counter = u64::from_be_bytes(c);
        if counter <= self.opened {
            return Err(ReaderError::WrappedKeyRefused);
        }
        let mut buf = Zeroizing::new(body.to_vec());
        let len = self
            .key
            .open_in_place(nonce(counter), Aad::from(aad), &mut buf[..])
            .map_err(|_| ReaderError::WrappedKeyRefused)?
            .len();
        buf.truncate(len);
        self.opened = counter;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(serial_phone: &str, serial_reader: &str) -> (LinkKey, LinkKey) {
        let phone = Ephemeral::generate().unwrap();
        let reader = Ephemeral::generate().unwrap();
        let (pp, rp) = (phone.public_key().to_vec(), reader.public_key().to_vec());
        assert_eq!((pp.len(), rp.len()), (PUBLIC_KEY_LEN, PUBLIC_KEY_LEN));
        (phone.agree_as_phone(&rp, serial_phone).unwrap(), reader.agree_as_reader(&pp, serial_reader).unwrap())
    }

    #[test]
    fn both_sides_agree_and_the_wrapped_secret_round_trips() {
        let (mut phone, mut reader) = pair("SW000001", "SW000001");
        let secret = [0x11u8; 16];
        let w = reader.wrap(b"\x02aad", &secret).unwrap();
        assert_eq!(w.len(), 8 + 16 + 16);
        assert!(!w.windows(16).any(|x| x == secret), "the secret is not in the wrapped bytes");
        assert_eq!(&phone.unwrap(b"\x02aad", &w).unwrap()[..], &secret);
        // The same answer again is a replay.
        assert_eq!(phone.unwrap(b"\x02aad", &w).unwrap_err(), ReaderError::WrappedKeyRefused);
        let w2 = reader.wrap(b"\x02aad", &secret).unwrap();
        assert_ne!(w, w2, "a new counter, a new nonce");
        assert_eq!(&phone.unwrap(b"\x02aad", &w2).unwrap()[..], &secret);
    }

    #[test]
    fn every_flipped_bit_another_aad_or_another_serial_is_refused() {
        let (mut phone, mut reader) = pair("SW000001", "SW000001");
        let w = reader.wrap(b"aad", &[7u8; 16]).unwrap();
        for bit in 0..w.len() * 8 {
            let mut t = w.clone();
            t[bit / 8] ^= 1 << (bit % 8);
            assert!(phone.unwrap(b"aad", &t).is_err(), "bit {bit}");
        }
        assert_eq!(phone.unwrap(b"aae", &w).unwrap_err(), ReaderError::WrappedKeyRefused);
        assert!(phone.unwrap(b"aad", &w).is_ok(), "the untouched answer still opens");
        // A serial changed in transit gives the two sides different keys.
        let (mut phone, mut reader) = pair("SW000001", "SW000002");
        let w = reader.wrap(b"aad", &[7u8; 16]).unwrap();
        assert_eq!(phone.unwrap(b"aad", &w).unwrap_err(), ReaderError::WrappedKeyRefused);
    }

    #[test]
    fn bad_public_keys_are_refused() {
        let mut not_on_curve = vec![4u8];
        not_on_curve.extend([1u8; 64]);
        for bad in [vec![], vec![4u8; 33], not_on_curve] {
            let e = Ephemeral::generate().unwrap();
            assert!(matches!(e.agree_as_phone(&bad, "S"), Err(ReaderError::Protocol(_))));
        }
    }
}
