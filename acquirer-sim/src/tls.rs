//! The simulator's TLS: a CA (ECDSA P-256, rcgen) made in memory or kept in a folder from the
//! first start, and a server certificate for `localhost`, `127.0.0.1` and the emulator's
//! `10.0.2.2` signed by it at every
//! start. Terminals pin the CA certificate (`ca.pem`, or [`crate::SimHandle::ca_pem`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::SimTls;
use crate::error::SimError;

/// File of the CA certificate terminals pin.
pub const CA_FILE: &str = "ca.pem";
/// File of the CA's private key (mode 0600): whoever has it can impersonate the simulator.
pub const CA_KEY_FILE: &str = "ca-key.pem";

/// The common name of the simulator's CA (also what rebuilds its issuer from the kept key).
const CA_NAME: &str = "pos-acquirer-sim demo CA (not for production)";

/// A ready TLS side of the server.
pub(crate) struct TlsSetup {
    pub acceptor: TlsAcceptor,
    pub ca_pem: String,
    pub ca_path: Option<PathBuf>,
}

/// The acceptor `mode` asks for; `None` for plain TCP.
pub(crate) fn setup(mode: &SimTls) -> Result<Option<TlsSetup>, SimError> {
    let (ca_key, ca_pem, ca_path) = match mode {
        SimTls::Plain => return Ok(None),
        SimTls::Ephemeral => {
            let key = KeyPair::generate().map_err(tls_error)?;
            let pem = ca_params().self_signed(&key).map_err(tls_error)?.pem();
            (key, pem, None)
        }
        SimTls::Dir(dir) => {
            let (key, pem) = kept_ca(dir)?;
            (key, pem, Some(dir.join(CA_FILE)))
        }
    };
    let issuer = Issuer::new(ca_params(), ca_key);
    let key = KeyPair::generate().map_err(tls_error)?;
    // 10.0.2.2: the development machine's loopback as the Android emulator reaches it.
    let names = ["localhost", "127.0.0.1", "::1", "10.0.2.2"].map(str::to_owned).to_vec();
    let mut params = CertificateParams::new(names).map_err(tls_error)?;
    params.distinguished_name.push(DnType::CommonName, "pos-acquirer-sim");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer).map_err(tls_error)?;
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], private)
        .map_err(tls_error)?;
    Ok(Some(TlsSetup { acceptor: TlsAcceptor::from(Arc::new(config)), ca_pem, ca_path }))
}

/// The CA's parameters: the same at every start, so a kept key signs for the kept `ca.pem`.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.distinguished_name.push(DnType::CommonName, CA_NAME);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// The CA kept in `dir`, made there at the first start. Simulators starting together agree:
/// the key is created with a hard link (fails if present), and `ca.pem` is derived from it.
fn kept_ca(dir: &Path) -> Result<(KeyPair, String), SimError> {
    let io = |what: &str, e: std::io::Error| SimError::Tls(format!("{what} in {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create the TLS folder", e))?;
    let key_path = dir.join(CA_KEY_FILE);
    if !key_path.exists() {
        let key = KeyPair::generate().map_err(tls_error)?;
        let tmp = write_private(dir, &key.serialize_pem()).map_err(|e| io("cannot write the CA key", e))?;
        // Another simulator may have won the race: its key stays, ours goes.
        let _ = std::fs::hard_link(&tmp, &key_path);
        let _ = std::fs::remove_file(&tmp);
    }
    let key_pem = std::fs::read_to_string(&key_path).map_err(|e| io("cannot read the CA key", e))?;
    let key = KeyPair::from_pem(&key_pem).map_err(|e| SimError::Tls(format!("{}: {e}", key_path.display())))?;
    let ca_path = dir.join(CA_FILE);
    let pem = match std::fs::read_to_string(&ca_path) {
        Ok(pem) if pem.contains("BEGIN CERTIFICATE") => pem,
        _ => {
            let pem = ca_params().self_signed(&key).map_err(tls_error)?.pem();
            let tmp = dir.join(format!(".{CA_FILE}.{}", std::process::id()));
            std::fs::write(&tmp, &pem).map_err(|e| io("cannot write the CA certificate", e))?;
            std::fs::rename(&tmp, &ca_path).map_err(|e| io("cannot write the CA certificate", e))?;
            pem
        }
    };
    Ok((key, pem))
}

/// Writes `text` to a fresh private temporary file of `dir` (0600 on Unix).
fn write_private(dir: &Path, text: &str) -> std::io::Result<PathBuf> {
    let tmp = dir.join(format!(".{CA_KEY_FILE}.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(tmp)
}

fn tls_error(e: impl std::fmt::Display) -> SimError {
    SimError::Tls(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_ca_is_made_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("pos-sim-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = setup(&SimTls::Dir(dir.clone())).unwrap().unwrap();
        let second = setup(&SimTls::Dir(dir.clone())).unwrap().unwrap();
        assert_eq!(first.ca_pem, second.ca_pem, "the CA of the first start stays");
        assert_eq!(first.ca_path.as_deref(), Some(dir.join(CA_FILE).as_path()));
        assert_eq!(std::fs::read_to_string(dir.join(CA_FILE)).unwrap(), first.ca_pem);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(CA_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the CA key is private");
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert!(setup(&SimTls::Plain).unwrap().is_none());
        let a = setup(&SimTls::Ephemeral).unwrap().unwrap();
        assert!(a.ca_pem.starts_with("-----BEGIN CERTIFICATE-----") && a.ca_path.is_none());
    }
}
