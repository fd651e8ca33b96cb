//! The server's TLS identity for loopback tests: a fresh self-signed certificate for
//! `localhost`. Owns only certificate generation; it starts no server.

use std::sync::Arc;

use ftps_proto::io::tls::{ServerIdentity, ServerTlsOptions};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A new self-signed `localhost` certificate and server TLS options holding it with its key
/// (unbuilt, so a test can still set e.g. `client_ca`).
pub fn localhost() -> (CertificateDer<'static>, ServerTlsOptions) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = CertificateDer::from(ck.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let tls = ServerTlsOptions::new(ServerIdentity::Loaded {
        chain: vec![cert.clone()],
        key: Arc::new(key),
    });
    (cert, tls)
}
