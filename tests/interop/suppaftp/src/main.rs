//! suppaftp 12 (rustls, ring) as an FTPS client: ONE control session, then every transfer of a
//! plan file (lines `put LOCAL REMOTE` / `get REMOTE LOCAL`, see ../many.sh) in order, PROT P,
//! binary type, passive mode, the TLS version forced on control and data. suppaftp hands the
//! same rustls `ClientConfig` to every data connection, so each one resumes a session from
//! the config's in-memory store (TLS 1.3 tickets or TLS 1.2 session IDs) if it has one.
//!
//! Usage: suppaftp-interop explicit|implicit 1.2|1.3 HOST PORT USER PASS CAFILE PLAN
//! Output: one summary line on stdout; exit 1 at the first failure, naming the step and the
//! error (which carries the server's reply).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use suppaftp::rustls::pki_types::pem::PemObject;
use suppaftp::rustls::pki_types::CertificateDer;
use suppaftp::rustls::{self, ClientConfig, RootCertStore};
use suppaftp::types::FileType;
use suppaftp::{FtpError, RustlsConnector, RustlsFtpStream, Status};

fn config(tls: &str, cafile: &str) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cafile).map_err(|e| format!("{cafile}: {e}"))? {
        let cert = cert.map_err(|e| format!("{cafile}: {e}"))?;
        roots.add(cert).map_err(|e| format!("{cafile}: {e}"))?;
    }
    let versions: &[&'static rustls::SupportedProtocolVersion] = match tls {
        "1.2" => &[&rustls::version::TLS12],
        "1.3" => &[&rustls::version::TLS13],
        other => return Err(format!("TLS version {other:?}: want 1.2 or 1.3")),
    };
    Ok(ClientConfig::builder_with_protocol_versions(versions)
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn run(args: &[String]) -> Result<String, String> {
    let [mode, tls, host, port, user, pass, cafile, plan] = args else {
        return Err(
            "usage: suppaftp-interop explicit|implicit 1.2|1.3 HOST PORT USER PASS CAFILE PLAN"
                .into(),
        );
    };
    let mut text = String::new();
    File::open(plan)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| format!("{plan}: {e}"))?;
    let steps: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(' ').collect())
        .collect();
    let connector = RustlsConnector::from(Arc::new(config(tls, cafile)?));
    let addr = format!("{host}:{port}");
    let session = |e: FtpError| format!("session: {e}");
    let mut ftp = match mode.as_str() {
        "explicit" => RustlsFtpStream::connect(&addr)
            .map_err(session)?
            .into_secure(connector, host)
            .map_err(session)?,
        "implicit" => {
            let mut ftp = RustlsFtpStream::connect_secure_implicit(&addr, connector, host)
                .map_err(session)?;
            // suppaftp's implicit mode sends no PBSZ/PROT (into_secure does, for explicit).
            for command in ["PBSZ 0", "PROT P"] {
                ftp.custom_command(command, &[Status::CommandOk])
                    .map_err(session)?;
            }
            ftp
        }
        other => return Err(format!("mode {other:?}: want explicit or implicit")),
    };
    ftp.login(user.as_str(), pass.as_str()).map_err(session)?;
    ftp.transfer_type(FileType::Binary).map_err(session)?;
    let mut done = 0usize;
    for (i, step) in steps.iter().enumerate() {
        let n = i + 1;
        let fail = |what: String| {
            format!(
                "transfer {n}/{} ({}) failed after {done} done: {what}",
                steps.len(),
                step.join(" ")
            )
        };
        match step.as_slice() {
            ["put", local, remote] => {
                let mut src = File::open(local).map_err(|e| fail(format!("{local}: {e}")))?;
                ftp.put_file(*remote, &mut src)
                    .map_err(|e| fail(e.to_string()))?;
            }
            ["get", remote, local] => {
                let dst = File::create(local).map_err(|e| fail(format!("{local}: {e}")))?;
                let mut dst = BufWriter::new(dst);
                ftp.retr(remote, |r| {
                    std::io::copy(r, &mut dst).map_err(FtpError::ConnectionError)
                })
                .map_err(|e| fail(e.to_string()))?;
                dst.flush().map_err(|e| fail(format!("{local}: {e}")))?;
            }
            _ => return Err(fail("not a plan line".into())),
        }
        done += 1;
    }
    ftp.quit()
        .map_err(|e| format!("QUIT after {done} transfers: {e}"))?;
    Ok(format!(
        "{done} transfers in one session (suppaftp 12, rustls, TLS {tls} only)"
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}
