//! The adapters' TLS configuration: verification on by default, and data connections that can
//! resume only the TLS session of their own control connection.
#![cfg(feature = "rustls")]

use std::io::{Read, Write};
use std::sync::Arc;

use ftps_proto::io::tls::{
    per_session_config, ClientTlsOptions, ServerIdentity, ServerTlsOptions, TlsVersions, TrustRoots,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConnection, HandshakeKind, ServerConnection};

fn identity() -> (CertificateDer<'static>, ServerIdentity) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = CertificateDer::from(ck.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    (
        cert.clone(),
        ServerIdentity::Loaded {
            chain: vec![cert],
            key: Arc::new(key),
        },
    )
}

/// Runs a handshake in memory, then has the server send one byte of application data so
/// that TLS 1.3 tickets reach the client (as an adapter must make sure they do before it opens
/// a data connection). Returns how the server saw the handshake.
fn handshake(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<rustls::ServerConfig>,
) -> Result<Option<HandshakeKind>, rustls::Error> {
    let mut c = ClientConnection::new(client.clone(), ServerName::try_from("localhost").unwrap())?;
    let mut s = ServerConnection::new(server.clone())?;
    for _ in 0..20 {
        let mut buf = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut buf).unwrap();
        }
        if !buf.is_empty() {
            s.read_tls(&mut &buf[..]).unwrap();
            s.process_new_packets()?;
        }
        let mut buf = Vec::new();
        while s.wants_write() {
            s.write_tls(&mut buf).unwrap();
        }
        if !buf.is_empty() {
            c.read_tls(&mut &buf[..]).unwrap();
            c.process_new_packets()?;
        }
        if !c.is_handshaking() && !s.is_handshaking() && !s.wants_write() && !c.wants_write() {
            break;
        }
    }
    s.writer().write_all(b"x").unwrap();
    let mut buf = Vec::new();
    while s.wants_write() {
        s.write_tls(&mut buf).unwrap();
    }
    c.read_tls(&mut &buf[..]).unwrap();
    c.process_new_packets()?;
    let mut got = [0u8; 1];
    c.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"x");
    Ok(s.handshake_kind())
}

fn configs(versions: TlsVersions) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let (cert, id) = identity();
    let mut s = ServerTlsOptions::new(id);
    s.versions = versions;
    let mut c = ClientTlsOptions::default();
    c.roots = TrustRoots::Certificates(vec![cert]);
    c.versions = versions;
    (c.build().unwrap(), s.build().unwrap())
}

#[test]
fn data_connection_resumes_only_its_own_control_session() {
    for versions in [TlsVersions::Tls12Only, TlsVersions::Tls13Only] {
        let (client, shared) = configs(versions);
        let session_a = per_session_config(&shared).unwrap();
        let session_b = per_session_config(&shared).unwrap();
        // control connection of session A: full handshake
        assert_eq!(
            handshake(&client, &session_a).unwrap(),
            Some(HandshakeKind::Full)
        );
        // its data connection resumes
        assert_eq!(
            handshake(&client, &session_a).unwrap(),
            Some(HandshakeKind::Resumed),
            "{versions:?}"
        );
        // the same client's session cannot be resumed on another control connection's config
        assert_eq!(
            handshake(&client, &session_b).unwrap(),
            Some(HandshakeKind::Full),
            "{versions:?}"
        );
    }
}

#[test]
fn unknown_certificate_is_refused_by_default_and_accepted_only_when_asked() {
    let (_, id) = identity();
    let server = ServerTlsOptions::new(id).build().unwrap();
    let (other_cert, _) = identity();
    let mut opts = ClientTlsOptions::default();
    opts.roots = TrustRoots::Certificates(vec![other_cert]);
    let err = handshake(&opts.build().unwrap(), &server).unwrap_err();
    assert!(
        matches!(err, rustls::Error::InvalidCertificate(_)),
        "{err:?}"
    );
    opts.danger_accept_invalid_certs = true;
    assert_eq!(
        handshake(&opts.build().unwrap(), &server).unwrap(),
        Some(HandshakeKind::Full)
    );
}

#[test]
fn pem_loading_reports_the_file() {
    let dir = std::env::temp_dir().join(format!("ftps-proto-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, b"").unwrap();
    let e = ftps_proto::io::tls::load_certificates(&empty).unwrap_err();
    assert!(e.to_string().contains("empty.pem"), "{e}");
    let e = ftps_proto::io::tls::load_private_key(&empty).unwrap_err();
    assert!(e.to_string().contains("no private key"), "{e}");
    let missing = dir.join("missing.pem");
    assert!(ftps_proto::io::tls::load_certificates(&missing).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
