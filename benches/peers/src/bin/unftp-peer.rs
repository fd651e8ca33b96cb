//! libunftp 0.24 + unftp-sbe-fs as a peer FTPS server for benches/e2e.sh: explicit FTPS,
//! TLS required on control and data, one user with a password, a passive port range, a hard
//! lifetime. Listens where `--listen` says (use 127.0.0.1).
//!
//! Usage: unftp-peer --listen ADDR --root DIR --user NAME --pass PASSWORD
//!                   [--cert PEM --key PEM | --cert-out PEM] [--passive LOW-HIGH] [--lifetime SECS]
//! Without `--cert`/`--key` a self-signed certificate for `localhost` is made with rcgen and
//! written to `--cert-out` (default: `unftp-peer-cert.pem` in the temporary directory) so a
//! client can trust it. Prints `ready` when listening.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use libunftp::options::FtpsRequired;
use libunftp::ServerBuilder;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};
use unftp_sbe_fs::Filesystem;

#[derive(Debug)]
struct OneUser {
    name: String,
    password: String,
}

#[async_trait]
impl Authenticator for OneUser {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> Result<Principal, AuthenticationError> {
        if username != self.name {
            return Err(AuthenticationError::BadUser);
        }
        if creds.password.as_deref() != Some(self.password.as_str()) {
            return Err(AuthenticationError::BadPassword);
        }
        Ok(Principal {
            username: username.to_string(),
        })
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    let flag = format!("--{name}");
    args.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone())
}

fn need(args: &[String], name: &str) -> String {
    arg(args, name).unwrap_or_else(|| {
        eprintln!("unftp-peer: --{name} is required (see the source's top comment)");
        std::process::exit(2)
    })
}

/// The certificate and key files: given, or made here with rcgen.
fn identity(args: &[String]) -> (PathBuf, PathBuf) {
    if let (Some(c), Some(k)) = (arg(args, "cert"), arg(args, "key")) {
        return (c.into(), k.into());
    }
    let cert_out: PathBuf = arg(args, "cert-out")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("unftp-peer-cert.pem"));
    let key_out = cert_out.with_extension("key");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("rcgen: self-signed certificate");
    std::fs::write(&cert_out, made.cert.pem()).expect("write certificate");
    std::fs::write(&key_out, made.key_pair.serialize_pem()).expect("write key");
    (cert_out, key_out)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = need(&args, "listen");
    let root = PathBuf::from(need(&args, "root"));
    let user = OneUser {
        name: need(&args, "user"),
        password: need(&args, "pass"),
    };
    let (cert, key) = identity(&args);
    let passive = arg(&args, "passive").unwrap_or_else(|| "47900-47999".into());
    let (low, high) = passive
        .split_once('-')
        .and_then(|(l, h)| Some((l.parse::<u16>().ok()?, h.parse::<u16>().ok()?)))
        .expect("--passive LOW-HIGH");
    let lifetime: u64 = arg(&args, "lifetime")
        .map(|s| s.parse().expect("--lifetime SECS"))
        .unwrap_or(600);

    let server = ServerBuilder::with_authenticator(
        Box::new(move || Filesystem::new(root.clone()).expect("root directory")),
        Arc::new(user),
    )
    .ftps(cert, key)
    .ftps_required(FtpsRequired::All, FtpsRequired::All)
    .passive_ports(low..=high)
    .build()
    .expect("libunftp server");
    println!("ready");
    match tokio::time::timeout(Duration::from_secs(lifetime), server.listen(listen)).await {
        Ok(Err(e)) => {
            eprintln!("unftp-peer: {e}");
            std::process::exit(1)
        }
        Ok(Ok(())) | Err(_) => {}
    }
}
