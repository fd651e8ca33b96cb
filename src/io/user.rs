//! Who may log in to a server adapter: a name with a password and/or a client certificate.
//!
//! Owns the [`User`] record shared by the blocking and tokio server adapters. Must not decide
//! anything about a login: the application answers in `answers.rs` compare against it.

use std::string::String;

use rustls::pki_types::CertificateDer;

/// A user who may log in.
#[derive(Clone)]
#[non_exhaustive]
pub struct User {
    /// The `USER` name (compared exactly).
    pub name: String,
    /// The password, if password login is allowed.
    pub password: Option<String>,
    /// A client certificate (DER) that logs this user in without a password, when the
    /// session's policy allows certificate login (`232`, RFC 4217 §10.1). The certificate
    /// must also be verified by the TLS layer ([`crate::io::tls::ServerTlsOptions::client_ca`]).
    pub certificate: Option<CertificateDer<'static>>,
}

impl core::fmt::Debug for User {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("certificate", &self.certificate.is_some())
            .finish()
    }
}

impl User {
    /// A user who logs in with a password.
    pub fn with_password(name: impl Into<String>, password: impl Into<String>) -> User {
        User {
            name: name.into(),
            password: Some(password.into()),
            certificate: None,
        }
    }

    /// A user who logs in with a client certificate.
    pub fn with_certificate(name: impl Into<String>, certificate: CertificateDer<'static>) -> User {
        User {
            name: name.into(),
            password: None,
            certificate: Some(certificate),
        }
    }
}
