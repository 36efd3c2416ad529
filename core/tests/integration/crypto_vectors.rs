//! Every vector of `vectors/crypto-vectors.md`, plus property tests of MAC and sealing.

use pos_core::crypto::{
    build_working_keys, check_value, compute_mac, derive_ipek, derive_transaction_key, parse_working_keys,
    pin_block_format0, pin_from_format0, pin_variant, tdes, verify_mac, CryptoError, FileVault, KeyKind, KeyMode, Ksn,
    MacAlgorithm, Sealer, SecretKey, WorkingKeys,
};
use pos_core::Bilingual;
use pos_testkit::TempDir;
use proptest::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn upper(bytes: impl AsRef<[u8]>) -> String {
    hex::encode_upper(bytes)
}

// ---- Working keys under a TMK, with check values (UnionPay sign-in) ----

const TMK: &str = "CA5D92598DCA48CE8A4C76361A9269E9";
const PIK_CIPHER: &str = "6701EAD6A9AD51E51AA406E2C27FCFA9";
const PIK_CLEAR: &str = "807A23AD32B36D457AE91FDF927570EA";
const PIK_CV: &str = "8D0A74B8";
const MAK_CIPHER: &str = "B651F9E9BACE9AE1";
const MAK_CLEAR: &str = "5BB5C72CD00B7338";
const MAK_CV: &str = "AB7153CA";

/// Field 62 in key mode 003 assembled by hand from the vector: 40 bytes.
fn field62_003() -> Result<Vec<u8>, hex::FromHexError> {
    let mut f = hex::decode(PIK_CIPHER)?;
    f.extend(hex::decode(PIK_CV)?);
    f.extend(hex::decode(MAK_CIPHER)?);
    f.extend([0u8; 8]);
    f.extend(hex::decode(MAK_CV)?);
    Ok(f)
}

#[test]
fn working_keys_decrypt_under_tmk() -> TestResult {
    let tmk = SecretKey::from_hex(TMK)?;
    let mut pik = hex::decode(PIK_CIPHER)?;
    tdes::decrypt_in_place(&tmk, &mut pik)?;
    assert_eq!(upper(&pik), PIK_CLEAR);
    let mut mak = hex::decode(MAK_CIPHER)?;
    tdes::decrypt_in_place(&tmk, &mut mak)?;
    assert_eq!(upper(&mak), MAK_CLEAR);
    Ok(())
}

#[test]
fn working_key_check_values() -> TestResult {
    assert_eq!(upper(check_value(&SecretKey::from_hex(PIK_CLEAR)?)), PIK_CV);
    assert_eq!(upper(check_value(&SecretKey::from_hex(MAK_CLEAR)?)), MAK_CV);
    Ok(())
}

#[test]
fn field62_mode_003_parses_to_the_clear_keys() -> TestResult {
    let tmk = SecretKey::from_hex(TMK)?;
    let f = field62_003()?;
    assert_eq!(f.len(), 40);
    let keys = parse_working_keys(KeyMode::from_code("003")?, &f, &tmk)?;
    assert_eq!(upper(keys.pik.as_bytes()), PIK_CLEAR);
    assert_eq!(upper(keys.mak.as_bytes()), MAK_CLEAR);
    assert_eq!(keys.tdk, None);
    assert_eq!(upper(keys.pik_check_value()), PIK_CV);
    assert_eq!(upper(keys.mak_check_value()), MAK_CV);
    Ok(())
}

#[test]
fn field62_is_rebuilt_byte_for_byte() -> TestResult {
    let tmk = SecretKey::from_hex(TMK)?;
    let keys = WorkingKeys { pik: SecretKey::from_hex(PIK_CLEAR)?, mak: SecretKey::from_hex(MAK_CLEAR)?, tdk: None };
    assert_eq!(build_working_keys(KeyMode::Double003, &keys, &tmk)?, field62_003()?);
    Ok(())
}

#[test]
fn field62_flipped_check_value_names_the_key() -> TestResult {
    let tmk = SecretKey::from_hex(TMK)?;
    for (offset, key) in [(16, KeyKind::Pik), (39, KeyKind::Mak)] {
        let mut f = field62_003()?;
        f[offset] ^= 0x01;
        let err = parse_working_keys(KeyMode::Double003, &f, &tmk).err();
        assert_eq!(err, Some(CryptoError::CheckValueMismatch { key }));
        // The operator text names the key and never shows key material.
        let err = CryptoError::CheckValueMismatch { key };
        for text in [err.zh(), err.en()] {
            assert!(text.contains(key.name()));
            assert!(!text.contains(PIK_CLEAR) && !text.contains(MAK_CLEAR));
        }
    }
    Ok(())
}

#[test]
fn field62_length_must_fit_the_mode() -> TestResult {
    let tmk = SecretKey::from_hex(TMK)?;
    let f = field62_003()?;
    assert_eq!(
        parse_working_keys(KeyMode::DoubleWithTrack004, &f, &tmk).err(),
        Some(CryptoError::BadField62Length { mode: "004", len: 40 })
    );
    assert_eq!(
        parse_working_keys(KeyMode::Double003, &f[..39], &tmk).err(),
        Some(CryptoError::BadField62Length { mode: "003", len: 39 })
    );
    Ok(())
}

// ---- ISO/IEC 9797-1 MAC algorithm 3 (ANSI X9.19 retail MAC), padding method 1 ----

#[test]
fn retail_mac_vectors() -> TestResult {
    let key = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210")?;
    let cases: [(&[u8], &str); 2] =
        [(b"Now is the time for all ", "A1C72E74EA3FA9B6"), (b"Now is the time for it", "2E2B1428CC78254F")];
    for (data, expected) in cases {
        assert_eq!(upper(compute_mac(MacAlgorithm::X919, &key, data)), expected);
    }
    let key = SecretKey::from_hex("7CA110454A1A6E570131D9619DC1376E")?;
    assert_eq!(upper(compute_mac(MacAlgorithm::X919, &key, b"Hello World !!!!")), "F09B856213BAB83B");
    Ok(())
}

// ---- ISO 9564 PIN block format 0 (ANSI X9.8) ----

#[test]
fn pin_block_format0_vector() -> TestResult {
    let block = pin_block_format0("1234", "4012345678909")?;
    assert_eq!(upper(block), "041274EDCBA9876F");
    assert_eq!(pin_from_format0(&block, "4012345678909")?.as_str(), "1234");
    Ok(())
}

// ---- TDES DUKPT (ANSI X9.24-1:2009, annex A.4) ----

const BDK: &str = "0123456789ABCDEFFEDCBA9876543210";

#[test]
fn dukpt_initial_key() -> TestResult {
    let ipek = derive_ipek(&SecretKey::from_hex(BDK)?, &Ksn::from_hex("FFFF9876543210E00000")?)?;
    assert_eq!(upper(ipek.as_bytes()), "6AC292FAA1315B4D858AB3A3D7D5933A");
    Ok(())
}

#[test]
fn dukpt_transaction_key_and_encrypted_pin_block() -> TestResult {
    let ksn = Ksn::from_hex("FFFF9876543210E00001")?;
    let ipek = derive_ipek(&SecretKey::from_hex(BDK)?, &ksn)?;
    let key = derive_transaction_key(&ipek, &ksn)?;
    assert_eq!(upper(key.as_bytes()), "042666B49184CFA368DE9628D0397BC9");
    let block = pin_block_format0("1234", "4012345678909")?;
    let encrypted = tdes::encrypt_block(&pin_variant(&key), &block);
    assert_eq!(upper(encrypted), "1B9C1845EB993A7A");
    Ok(())
}

// ---- UnionPay "ECB" MAC, worked example ----

/// The MAB of the worked example (91 bytes: the last block is zero-padded).
const ECB_MAB: &str = "0200302004C020C0981100000000000000005100183402100006324392260009942820D1312101120084393136363838303134303030303030303030303030303031313536ACF46E73838A82F92600000000000000000822000001";

/// Expected field 64, computed independently by `vectors/ecb_mac_reference.py`: the
/// same steps written in Python over PyCryptodome's DES (not the Rust `des` crate);
/// that script also reproduces the X9.19 vectors above as a check on itself.
/// Its output: `field 64 (ASCII): 8A9E91B8`, i.e. bytes 3841394539314238.
const ECB_MAC_EXPECTED: &[u8; 8] = b"8A9E91B8";

#[test]
fn unionpay_ecb_mac_worked_example() -> TestResult {
    let key = SecretKey::from_hex("C24A8FB57AA20123")?;
    let mab = hex::decode(ECB_MAB)?;
    let mac = compute_mac(MacAlgorithm::UnionPayEcb, &key, &mab);
    assert_eq!(&mac, ECB_MAC_EXPECTED);
    assert_eq!(upper(mac), "3841394539314238");
    assert!(verify_mac(MacAlgorithm::UnionPayEcb, &key, &mab, ECB_MAC_EXPECTED));
    Ok(())
}

// ---- Sealing at rest ----

#[test]
fn sealed_data_survives_a_vault_reopen() -> TestResult {
    let dir = TempDir::new("core-seal");
    let path = dir.join("vault.key");
    let (sealer, wrapped_dek) = Sealer::generate(&FileVault::open_or_create(&path)?)?;
    let sealed = sealer.seal(b"mak", MAK_CLEAR.as_bytes())?;
    drop(sealer);

    let reopened = FileVault::open_or_create(&path)?;
    let sealer = Sealer::from_wrapped(&reopened, &wrapped_dek)?;
    assert_eq!(sealer.open(b"mak", &sealed)?.as_slice(), MAK_CLEAR.as_bytes());
    assert_eq!(sealer.open(b"pik", &sealed).err(), Some(CryptoError::OpenFailed));
    Ok(())
}

// ---- Properties ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn verify_accepts_the_mac_and_rejects_every_flipped_bit(
        key in proptest::collection::vec(any::<u8>(), 16),
        mab in proptest::collection::vec(any::<u8>(), 0..64),
        x919 in any::<bool>(),
    ) {
        let algo = if x919 { MacAlgorithm::X919 } else { MacAlgorithm::UnionPayEcb };
        let key = SecretKey::from_slice(&key).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mac = compute_mac(algo, &key, &mab);
        prop_assert!(verify_mac(algo, &key, &mab, &mac));
        for bit in 0..64 {
            let mut bad = mac;
            bad[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(!verify_mac(algo, &key, &mab, &bad));
        }
    }

    #[test]
    fn seal_open_round_trips(
        data in proptest::collection::vec(any::<u8>(), 0..512),
        aad in proptest::collection::vec(any::<u8>(), 0..32),
    ) {
        let fail = |e: CryptoError| TestCaseError::fail(e.to_string());
        let sealer = sealer().map_err(fail)?;
        let sealed = sealer.seal(&aad, &data).map_err(fail)?;
        prop_assert_eq!(sealed.len(), 1 + 12 + data.len() + 16);
        let opened = sealer.open(&aad, &sealed).map_err(fail)?;
        prop_assert_eq!(opened.as_slice(), &data[..]);
    }
}

/// One sealer for the property test, its vault in a temp dir that is removed again.
fn sealer() -> Result<Sealer, CryptoError> {
    let dir = TempDir::new("core-prop");
    let vault = FileVault::open_or_create(dir.join("vault.key"))?;
    Sealer::generate(&vault).map(|(sealer, _)| sealer)
}
