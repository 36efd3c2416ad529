//! TLS to the acquirer: rustls on ring, the host's certificate checked against the trust
//! anchor provisioning gave (its CA, or its certificate itself), or on Android the
//! platform trust store.

use std::io;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::config::TlsTrust;
use super::error::TlsFailure;

/// The ring provider: every TLS object of the client uses it (never the process default).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client configuration for `trust`.
pub(crate) fn client_config(trust: &TlsTrust) -> Result<Arc<ClientConfig>, TlsFailure> {
    let provider = provider();
    let verifier: Arc<dyn ServerCertVerifier> = match trust {
        TlsTrust::Pinned(pem) => Arc::new(PinnedVerifier::new(pem, provider.clone())?),
        TlsTrust::Platform => platform_verifier(provider.clone())?,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| TlsFailure::Handshake)?
        // Not "dangerous" in effect: the verifier below checks the chain (webpki) against the
        // pinned anchors only, and accepts an exact pinned certificate.
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name the certificate must be valid for: `server_name`, else the host part of `host:port`.
pub(crate) fn server_name(host: &str, server_name: Option<&str>) -> Result<ServerName<'static>, TlsFailure> {
    let name = match server_name {
        Some(n) => n.trim().to_owned(),
        None => host_part(host).to_owned(),
    };
    ServerName::try_from(name).map_err(|_| TlsFailure::BadServerName)
}

/// `example.com` of `example.com:8583`, `::1` of `[::1]:8583`.
fn host_part(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Runs the handshake on a connected socket.
pub(crate) async fn handshake<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    stream: S,
) -> Result<TlsStream<S>, TlsFailure> {
    TlsConnector::from(config).connect(name, stream).await.map_err(|e| classify(&e))
}

/// What a failed handshake means for the operator.
fn classify(e: &io::Error) -> TlsFailure {
    let tls = e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let failure = match tls {
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::WrongName
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => TlsFailure::Expired,
            _ => TlsFailure::NotProvisioned,
        },
        Some(rustls::Error::InvalidMessage(_))
        | Some(rustls::Error::InappropriateMessage { .. })
        | Some(rustls::Error::InappropriateHandshakeMessage { .. }) => TlsFailure::NotTls,
        Some(_) => TlsFailure::Handshake,
        None => match e.kind() {
            // A plain-TCP host drops (or resets) a connection that starts with a ClientHello.
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => {
                TlsFailure::NotTls
            }
            _ => TlsFailure::Handshake,
        },
    };
    tracing::warn!(error = %e, ?failure, "TLS handshake with the acquirer failed; nothing sent");
    failure
}

/// Trusts the provisioned certificates only: a chain to one of them (webpki, name and dates
/// checked), or the host presenting exactly one of them.
#[derive(Debug)]
struct PinnedVerifier {
    pinned: Vec<CertificateDer<'static>>,
    chain: Arc<WebPkiServerVerifier>,
}

impl PinnedVerifier {
    fn new(pem: &str, provider: Arc<CryptoProvider>) -> Result<PinnedVerifier, TlsFailure> {
        if pem.trim().is_empty() {
            return Err(TlsFailure::NoPin);
        }
        let pinned = CertificateDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TlsFailure::BadPin)?;
        if pinned.is_empty() {
            return Err(TlsFailure::BadPin);
        }
        let mut roots = RootCertStore::empty();
        for c in &pinned {
            roots.add(c.clone()).map_err(|_| TlsFailure::BadPin)?;
        }
        let chain = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|_| TlsFailure::BadPin)?;
        Ok(PinnedVerifier { pinned, chain })
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The pinned certificate itself: the host still proves it holds its key in the handshake.
        if self.pinned.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        self.chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
}

/// Android's trust store through rustls-platform-verifier (initialised by the app through
/// `pos_ffi`'s JNI export before the first connection).
#[cfg(target_os = "android")]
fn platform_verifier(provider: Arc<CryptoProvider>) -> Result<Arc<dyn ServerCertVerifier>, TlsFailure> {
    match rustls_platform_verifier::Verifier::new(provider) {
        Ok(v) => Ok(Arc::new(v)),
        Err(e) => {
            tracing::warn!(error = %e, "platform certificate verifier unavailable");
            Err(TlsFailure::BadPin)
        }
    }
}

/// Elsewhere there is no platform store to use: provision a pin.
#[cfg(not(target_os = "android"))]
fn platform_verifier(_provider: Arc<CryptoProvider>) -> Result<Arc<dyn ServerCertVerifier>, TlsFailure> {
    tracing::warn!("the platform trust store is only available on Android: provision the acquirer's CA");
    Err(TlsFailure::BadPin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_name_defaults_to_the_host_part() {
        let n = |h: &str| server_name(h, None).map(|n| n.to_str().into_owned());
        assert_eq!(n("127.0.0.1:8583").unwrap(), "127.0.0.1");
        assert_eq!(n("acq.example.com:8583").unwrap(), "acq.example.com");
        assert_eq!(n("[::1]:8583").unwrap(), "::1");
        assert_eq!(server_name("127.0.0.1:1", Some("localhost")).unwrap().to_str(), "localhost");
        assert_eq!(server_name("x:1", Some("not a name!")).unwrap_err(), TlsFailure::BadServerName);
    }

    #[test]
    fn an_unreadable_pin_is_refused() {
        assert_eq!(client_config(&TlsTrust::Pinned(" \n".into())).unwrap_err(), TlsFailure::NoPin);
        for pem in ["not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"] {
            assert_eq!(client_config(&TlsTrust::Pinned(pem.into())).unwrap_err(), TlsFailure::BadPin, "{pem:?}");
        }
    }
}
