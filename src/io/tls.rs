//! rustls 0.23 configuration for the adapters: certificate loading, server verification,
//! client certificates, protocol versions, cipher suites and session resumption.
//!
//! Owns the translation of user-facing options into `rustls::{ClientConfig, ServerConfig}`.
//! It must not make protocol decisions (it never sees an FTP command or reply).
//!
//! Security defaults: certificates and host names are verified (webpki roots, or a CA file);
//! verification is disabled only by [`ClientTlsOptions::danger_accept_invalid_certs`], which
//! still checks handshake signatures. Session resumption is on for both sides because FTPS
//! servers such as vsftpd (`require_ssl_reuse`) and ProFTPD require the data connection to
//! resume the control connection's TLS session (RFC 4217 §10.2 discusses the binding).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::vec::Vec;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::{ServerSessionMemoryCache, WebPkiClientVerifier};
use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme,
    SupportedProtocolVersion,
};

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// A PEM file could not be read or parsed.
    #[error("{path}: {reason}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: std::string::String,
    },
    /// A PEM file held no certificate (or no key).
    #[error("{path}: no {what} found")]
    Empty {
        /// The file.
        path: PathBuf,
        /// "certificate" or "private key".
        what: &'static str,
    },
    /// rustls refused the configuration (bad key, incompatible versions and suites...).
    #[error("TLS configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
    /// The client-certificate verifier could not be built.
    #[error("client certificate verifier: {0}")]
    Verifier(std::string::String),
}

/// Which TLS protocol versions to offer or accept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsVersions {
    /// TLS 1.2 and 1.3 (the default).
    #[default]
    Both,
    /// TLS 1.2 only.
    Tls12Only,
    /// TLS 1.3 only.
    Tls13Only,
}

impl TlsVersions {
    fn list(self) -> &'static [&'static SupportedProtocolVersion] {
        static BOTH: [&SupportedProtocolVersion; 2] =
            [&rustls::version::TLS13, &rustls::version::TLS12];
        static V12: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
        static V13: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            TlsVersions::Both => &BOTH,
            TlsVersions::Tls12Only => &V12,
            TlsVersions::Tls13Only => &V13,
        }
    }
}

/// Reads every certificate of a PEM file.
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsConfigError::Pem {
            path: path.to_path_buf(),
            reason: std::format!("{e:?}"),
        })?;
    if certs.is_empty() {
        return Err(TlsConfigError::Empty {
            path: path.to_path_buf(),
            what: "certificate",
        });
    }
    Ok(certs)
}

/// Reads the first private key (PKCS#8, PKCS#1 or SEC1) of a PEM file.
pub fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsConfigError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => TlsConfigError::Empty {
            path: path.to_path_buf(),
            what: "private key",
        },
        e => TlsConfigError::Pem {
            path: path.to_path_buf(),
            reason: std::format!("{e:?}"),
        },
    })
}

fn provider_with_suites(suites: Option<&[rustls::CipherSuite]>) -> Arc<CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    if let Some(wanted) = suites {
        provider
            .cipher_suites
            .retain(|s| wanted.contains(&s.suite()));
    }
    Arc::new(provider)
}

/// Where the client's trusted roots come from.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum TrustRoots {
    /// The Mozilla roots shipped in `webpki-roots` (the default).
    #[default]
    WebPki,
    /// The certificates of a PEM file (a private CA).
    CaFile(PathBuf),
    /// These certificates.
    Certificates(Vec<CertificateDer<'static>>),
}

/// Options for the client side of TLS (control and data connections share one config, so the
/// data connection can resume the control connection's session).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ClientTlsOptions {
    /// Trusted roots.
    pub roots: TrustRoots,
    /// Accept any server certificate (signatures of the handshake are still checked). Only for
    /// testing; never the default.
    pub danger_accept_invalid_certs: bool,
    /// A client certificate chain and key (PEM files), for servers that authenticate clients.
    pub client_certificate: Option<(PathBuf, PathBuf)>,
    /// Protocol versions.
    pub versions: TlsVersions,
    /// Restrict cipher suites to these (default: rustls's safe defaults).
    pub cipher_suites: Option<Vec<rustls::CipherSuite>>,
}

impl ClientTlsOptions {
    /// Builds the rustls client configuration. Resumption (session IDs and TLS 1.3 tickets) is
    /// kept in memory and shared by every connection made with this configuration.
    pub fn build(&self) -> Result<Arc<ClientConfig>, TlsConfigError> {
        let provider = provider_with_suites(self.cipher_suites.as_deref());
        let mut roots = RootCertStore::empty();
        match &self.roots {
            TrustRoots::WebPki => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            TrustRoots::CaFile(path) => {
                for c in load_certificates(path)? {
                    roots.add(c)?;
                }
            }
            TrustRoots::Certificates(certs) => {
                for c in certs {
                    roots.add(c.clone())?;
                }
            }
        }
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(self.versions.list())?
            .with_root_certificates(roots);
        let mut config = match &self.client_certificate {
            Some((chain, key)) => {
                builder.with_client_auth_cert(load_certificates(chain)?, load_private_key(key)?)?
            }
            None => builder.with_no_client_auth(),
        };
        if self.danger_accept_invalid_certs {
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(AcceptAnyCertificate {
                    algorithms: provider.signature_verification_algorithms,
                }));
        }
        config.resumption = rustls::client::Resumption::in_memory_sessions(64);
        Ok(Arc::new(config))
    }
}

/// The verifier behind [`ClientTlsOptions::danger_accept_invalid_certs`]: any certificate,
/// but real signature checks on the handshake.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Where the server's certificate comes from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ServerIdentity {
    /// A certificate chain and its private key, PEM files.
    PemFiles {
        /// Chain, leaf first.
        chain: PathBuf,
        /// Private key.
        key: PathBuf,
    },
    /// A chain and key already loaded (for example made with rcgen at start).
    Loaded {
        /// Chain, leaf first.
        chain: Vec<CertificateDer<'static>>,
        /// Private key.
        key: Arc<PrivateKeyDer<'static>>,
    },
}

/// Options for the server side of TLS.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerTlsOptions {
    /// The server's certificate.
    pub identity: ServerIdentity,
    /// Verify client certificates against the CAs of this PEM file. Clients without a
    /// certificate are still accepted at the TLS layer (the FTP policy decides whether a
    /// certificate login is needed).
    pub client_ca: Option<PathBuf>,
    /// Protocol versions.
    pub versions: TlsVersions,
    /// Restrict cipher suites to these (default: rustls's safe defaults).
    pub cipher_suites: Option<Vec<rustls::CipherSuite>>,
}

impl ServerTlsOptions {
    /// Options for this identity with the defaults (TLS 1.2 and 1.3, no client certificates).
    pub fn new(identity: ServerIdentity) -> Self {
        ServerTlsOptions {
            identity,
            client_ca: None,
            versions: TlsVersions::Both,
            cipher_suites: None,
        }
    }

    /// Builds the shared server configuration. Use [`per_session_config`] to derive the
    /// configuration of one control connection.
    pub fn build(&self) -> Result<Arc<ServerConfig>, TlsConfigError> {
        let provider = provider_with_suites(self.cipher_suites.as_deref());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(self.versions.list())?;
        let builder = match &self.client_ca {
            Some(path) => {
                let mut roots = RootCertStore::empty();
                for c in load_certificates(path)? {
                    roots.add(c)?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .allow_unauthenticated()
                        .build()
                        .map_err(|e| TlsConfigError::Verifier(std::format!("{e}")))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let (chain, key) = match &self.identity {
            ServerIdentity::PemFiles { chain, key } => {
                (load_certificates(chain)?, load_private_key(key)?)
            }
            ServerIdentity::Loaded { chain, key } => (chain.clone(), key.clone_key()),
        };
        let config = builder.with_single_cert(chain, key)?;
        Ok(Arc::new(config))
    }
}

/// The configuration for one control connection and its data connections: a session cache
/// and a ticket key of its own, so a data connection can only resume a TLS session that was
/// established on this control connection (or on one of its earlier data connections). This is
/// what lets the adapter enforce "the data connection must resume the control session"
/// exactly, as vsftpd's `require_ssl_reuse` does, rather than "resumed some session".
pub fn per_session_config(shared: &Arc<ServerConfig>) -> Result<Arc<ServerConfig>, TlsConfigError> {
    let mut config = ServerConfig::clone(shared);
    config.session_storage = ServerSessionMemoryCache::new(32);
    config.ticketer = rustls::crypto::ring::Ticketer::new()?;
    config.send_tls13_tickets = 4;
    Ok(Arc::new(config))
}
