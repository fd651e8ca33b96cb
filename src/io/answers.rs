//! The application side of a server session (shared by the blocking and tokio adapters): answers the session machine's questions
//! ([`Event`]) from the user list and the rooted file system, and prepares the source or sink
//! of each accepted transfer.
//!
//! Owns the session's virtual working directory, who is logged in, and the pending
//! transfer's file or listing. Must not format replies or sequence commands (the machine
//! does) and must not touch sockets.

mod ascii;

use std::boxed::Box;
use std::io::{Cursor, Read, Write};
use std::string::String;
use std::vec::Vec;

use rustls::pki_types::CertificateDer;

use self::ascii::{FromNetwork, ToNetwork};
use crate::io::fs::{
    facts_line, list_line, mlsd_listing, name_line, unix_now, EntryKind, FsError, Root,
    VirtualPath, WriteMode,
};
use crate::io::user::User;
use crate::server::{Decision, Event, Session};
use crate::types::{Pathname, ReplyCode, Text};

/// The source or sink of an accepted transfer, until the machine says `StartTransfer`.
pub(super) enum Prepared {
    /// What a download sends (a file or a listing).
    Source(Box<dyn Read + Send>),
    /// Where an upload goes.
    Sink(Box<dyn Write + Send>),
}

/// One session's application state.
pub(super) struct Answers<'a> {
    root: Root,
    users: &'a [User],
    anonymous_allowed: bool,
    cwd: VirtualPath,
    logged_in: Option<Login>,
    pending_user: Option<String>,
    prepared: Option<(Decision, Prepared)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Login {
    User,
    Anonymous,
}

fn reply_for(e: &FsError) -> (ReplyCode, &'static str) {
    match e {
        FsError::NotFound => (ReplyCode::FILE_UNAVAILABLE, "No such file or directory"),
        FsError::PermissionDenied | FsError::OutsideRoot => {
            (ReplyCode::FILE_UNAVAILABLE, "Permission denied")
        }
        FsError::NotADirectory => (ReplyCode::FILE_UNAVAILABLE, "Not a directory"),
        FsError::NotAFile => (ReplyCode::FILE_UNAVAILABLE, "Not a plain file"),
        FsError::AlreadyExists => (ReplyCode::FILE_UNAVAILABLE, "File exists"),
        FsError::DirectoryNotEmpty => (ReplyCode::FILE_UNAVAILABLE, "Directory not empty"),
        FsError::InvalidName => (ReplyCode::FILE_NAME_NOT_ALLOWED, "File name not allowed"),
        FsError::NoSpace => (
            ReplyCode::INSUFFICIENT_STORAGE,
            "Insufficient storage space",
        ),
        _ => (ReplyCode::LOCAL_ERROR, "Local error in processing"),
    }
}

/// Where an upload's bytes go: the file, through CRLF → LF under TYPE A (RFC 959 §3.1.1.1).
fn sink_for(session: &Session, f: std::fs::File) -> Box<dyn Write + Send> {
    if session.is_binary() {
        Box::new(f)
    } else {
        Box::new(FromNetwork::new(f))
    }
}

fn same_secret(a: &[u8], b: &[u8]) -> bool {
    // Length is not secret; the content is compared in constant time.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `path` lies below `dir` (component-wise: `/ab` is not below `/a`).
fn is_inside(path: &VirtualPath, dir: &VirtualPath) -> bool {
    let mut p = path.components();
    dir.components().all(|d| p.next() == Some(d)) && p.next().is_some()
}

/// `LIST -la dir` → `dir`: options (words starting with `-`) are not path names.
fn strip_list_options(arg: &[u8]) -> &[u8] {
    let mut rest = arg;
    loop {
        let trimmed = rest.strip_prefix(b" ").unwrap_or(rest);
        if trimmed.first() == Some(&b'-') {
            match trimmed.iter().position(|&b| b == b' ') {
                Some(i) => rest = trimmed.get(i..).unwrap_or(&[]),
                None => return &[],
            }
        } else {
            return trimmed;
        }
    }
}

impl<'a> Answers<'a> {
    pub fn new(root: Root, users: &'a [User], anonymous_allowed: bool) -> Self {
        Answers {
            root,
            users,
            anonymous_allowed,
            cwd: VirtualPath::root(),
            logged_in: None,
            pending_user: None,
            prepared: None,
        }
    }

    /// Whether a transfer was accepted and waits for its data connection.
    pub fn transfer_prepared(&self) -> bool {
        self.prepared.is_some()
    }

    /// Whether the accepted transfer waiting for its data connection is a download.
    pub fn download_prepared(&self) -> bool {
        matches!(self.prepared, Some((_, Prepared::Source(_))))
    }

    /// The prepared source/sink of `decision`, taken.
    pub fn take_prepared(&mut self, decision: Decision) -> Option<Prepared> {
        match self.prepared.take() {
            Some((d, p)) if d == decision => Some(p),
            other => {
                self.prepared = other;
                None
            }
        }
    }

    fn path(&self, p: &Pathname<'_>) -> Result<VirtualPath, FsError> {
        self.cwd.join(p.as_bytes())
    }

    fn opt_path(&self, p: Option<&Pathname<'_>>) -> Result<VirtualPath, FsError> {
        match p {
            Some(p) => self.cwd.join(strip_list_options(p.as_bytes())),
            None => Ok(self.cwd.clone()),
        }
    }

    fn may_write(&self) -> bool {
        self.logged_in == Some(Login::User)
    }

    /// Answers one event. `certificate` is the verified client certificate of the control
    /// connection, if any. Misuse errors cannot happen here (each event is answered once,
    /// with an answer of its kind) and are ignored.
    #[allow(clippy::collapsible_match)] // one arm per event reads like the event list
    pub fn answer(
        &mut self,
        session: &mut Session,
        event: Event,
        certificate: Option<&CertificateDer<'static>>,
    ) {
        let denied = |s: &mut Session, d| {
            let _ = s.reject(
                d,
                ReplyCode::FILE_UNAVAILABLE,
                Text::from_static("Permission denied"),
            );
        };
        let fail = |s: &mut Session, d, e: FsError| {
            let (code, text) = reply_for(&e);
            let _ = s.reject(d, code, Text::from_static(text));
        };
        match event {
            Event::Host { decision, .. } => {
                let _ = session.accept(decision);
            }
            Event::User {
                decision,
                user,
                anonymous,
                client_certificate,
                ..
            } => {
                let name = String::from_utf8_lossy(user.as_bytes()).into_owned();
                let by_certificate = client_certificate
                    && certificate.is_some_and(|c| {
                        self.users
                            .iter()
                            .any(|u| u.name == name && u.certificate.as_ref() == Some(c))
                    });
                if by_certificate {
                    self.logged_in = Some(Login::User);
                    let _ = session.accept_certificate(decision);
                } else if anonymous && !self.anonymous_allowed {
                    let _ = session.reject(
                        decision,
                        ReplyCode::NOT_LOGGED_IN,
                        Text::from_static("Anonymous login not allowed"),
                    );
                } else {
                    // 331 even for unknown users (RFC 2577 §5).
                    self.pending_user = Some(name);
                    let _ = session.accept(decision);
                }
            }
            Event::Authenticate {
                decision,
                user,
                password,
            } => {
                let name = String::from_utf8_lossy(user.as_bytes()).into_owned();
                let anonymous =
                    name.eq_ignore_ascii_case("anonymous") || name.eq_ignore_ascii_case("ftp");
                let ok_user = self.users.iter().any(|u| {
                    u.name == name
                        && u.password
                            .as_ref()
                            .is_some_and(|p| same_secret(p.as_bytes(), password.as_bytes()))
                });
                if ok_user {
                    self.logged_in = Some(Login::User);
                    let _ = session.accept(decision);
                } else if anonymous && self.anonymous_allowed {
                    self.logged_in = Some(Login::Anonymous);
                    let _ = session.accept(decision);
                } else {
                    let _ = session.reject(
                        decision,
                        ReplyCode::NOT_LOGGED_IN,
                        Text::from_static("Login incorrect"),
                    );
                }
                self.pending_user = None;
            }
            Event::LoggedOut => {
                self.logged_in = None;
                self.cwd = VirtualPath::root();
                self.prepared = None;
            }
            Event::ChangeDirectory { decision, path } => {
                match self
                    .path(&path)
                    .and_then(|p| self.root.check_dir(&p).map(|()| p))
                {
                    Ok(p) => {
                        self.cwd = p;
                        let _ = session.accept(decision);
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::ChangeToParent { decision } => {
                self.cwd = self.cwd.parent();
                let _ = session.accept(decision);
            }
            Event::PrintDirectory { decision } => match Pathname::new(self.cwd.as_bytes()) {
                Ok(p) => {
                    let _ = session.accept_path(decision, p);
                }
                Err(_) => fail(session, decision, FsError::InvalidName),
            },
            Event::MakeDirectory { decision, path } => {
                if !self.may_write() {
                    return denied(session, decision);
                }
                match self
                    .path(&path)
                    .and_then(|p| self.root.make_dir(&p).map(|()| p))
                {
                    Ok(p) => match Pathname::new(p.as_bytes()) {
                        Ok(p) => {
                            let _ = session.accept_path(decision, p);
                        }
                        Err(_) => fail(session, decision, FsError::InvalidName),
                    },
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::RemoveDirectory { decision, path } => {
                if !self.may_write() {
                    return denied(session, decision);
                }
                match self.path(&path).and_then(|p| {
                    if p == self.cwd || is_inside(&self.cwd, &p) {
                        // Removing the working directory or one of its parents.
                        Err(FsError::PermissionDenied)
                    } else {
                        self.root.remove_dir(&p)
                    }
                }) {
                    Ok(()) => {
                        let _ = session.accept(decision);
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::Delete { decision, path } => {
                if !self.may_write() {
                    return denied(session, decision);
                }
                match self.path(&path).and_then(|p| self.root.remove_file(&p)) {
                    Ok(()) => {
                        let _ = session.accept(decision);
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::RenameFrom { decision, path } => {
                if !self.may_write() {
                    return denied(session, decision);
                }
                match self.path(&path).and_then(|p| self.root.check_exists(&p)) {
                    Ok(()) => {
                        let _ = session.accept(decision);
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::Rename { decision, from, to } => {
                if !self.may_write() {
                    return denied(session, decision);
                }
                let r = self
                    .path(&from)
                    .and_then(|f| Ok((f, self.path(&to)?)))
                    .and_then(|(f, t)| self.root.rename(&f, &t));
                match r {
                    Ok(()) => {
                        let _ = session.accept(decision);
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::Size { decision, path } => {
                match self.path(&path).and_then(|p| self.root.stat(&p)) {
                    Ok(e) if e.kind == EntryKind::File => {
                        let _ = session.accept_size(decision, e.size);
                    }
                    Ok(_) => fail(session, decision, FsError::NotAFile),
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::ModificationTime { decision, path } => {
                match self.path(&path).and_then(|p| self.root.stat(&p)) {
                    Ok(e) => match e.modify_timestamp() {
                        Some(t) => {
                            let _ = session.accept_time(decision, t);
                        }
                        None => fail(session, decision, FsError::NotFound),
                    },
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::SetModificationTime {
                decision,
                path,
                time,
            } => {
                if !self.may_write() {
                    return denied(session, decision);
                }
                match self
                    .path(&path)
                    .and_then(|p| self.root.set_modified(&p, &time))
                {
                    Ok(()) => {
                        let _ = session.accept(decision);
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::Site { decision, .. } => {
                let _ = session.reject(
                    decision,
                    ReplyCode::NOT_IMPLEMENTED,
                    Text::from_static("SITE commands are not implemented"),
                );
            }
            Event::Status { decision, path } => {
                match self.path(&path).and_then(|p| self.root.list(&p)) {
                    Ok(entries) => {
                        let now = unix_now();
                        let lines: Vec<Text<'static>> = entries
                            .iter()
                            .filter_map(|e| {
                                let mut l = list_line(e, now);
                                l.truncate(l.len().saturating_sub(2));
                                Text::new(l).ok()
                            })
                            .collect();
                        let _ = session.accept_lines(decision, &lines);
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::MachineList { decision, path } => {
                let r = self.opt_path(path.as_ref()).and_then(|p| {
                    let e = self.root.stat(&p)?;
                    Ok(facts_line(&e, p.as_bytes(), false))
                });
                match r.map(Text::new) {
                    Ok(Ok(t)) => {
                        let _ = session.accept_facts(decision, t);
                    }
                    Ok(Err(_)) => fail(session, decision, FsError::InvalidName),
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::Retrieve {
                decision,
                path,
                offset,
            } => match self
                .path(&path)
                .and_then(|p| self.root.open_read(&p, offset))
            {
                Ok(f) => {
                    // TYPE A: LF goes out as CRLF (RFC 959 §3.1.1.1).
                    let source: Box<dyn Read + Send> = if session.is_binary() {
                        Box::new(f)
                    } else {
                        Box::new(ToNetwork::new(f))
                    };
                    self.prepare(session, decision, Prepared::Source(source))
                }
                Err(e) => fail(session, decision, e),
            },
            Event::Store {
                decision,
                path,
                offset,
            } => {
                let mode = if offset > 0 {
                    WriteMode::At(offset)
                } else {
                    WriteMode::Truncate
                };
                self.store(session, decision, &path, mode);
            }
            Event::Append { decision, path } => {
                self.store(session, decision, &path, WriteMode::Append);
            }
            Event::StoreUnique { decision, hint } => {
                if !self.may_write() {
                    return denied(session, decision);
                }
                let hint = hint
                    .as_ref()
                    .and_then(|h| h.as_bytes().rsplit(|&b| b == b'/').next())
                    .unwrap_or(b"file")
                    .to_vec();
                let r = self.root.unique_name(&self.cwd, &hint).and_then(|p| {
                    let f = self.root.open_write(&p, WriteMode::CreateNew)?;
                    Ok((p, f))
                });
                match r {
                    Ok((p, f)) => {
                        let name = p.file_name().unwrap_or(b"file").to_vec();
                        let sink = sink_for(session, f);
                        self.prepared = Some((decision, Prepared::Sink(sink)));
                        match Pathname::new(name) {
                            Ok(n) => {
                                let _ = session.accept_unique(decision, n);
                            }
                            Err(_) => fail(session, decision, FsError::InvalidName),
                        }
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::List { decision, path } => {
                let now = unix_now();
                self.listing(session, decision, path.as_ref(), |root, p| {
                    Ok(root
                        .list(p)?
                        .iter()
                        .flat_map(|e| list_line(e, now))
                        .collect())
                });
            }
            Event::NameList { decision, path } => {
                self.listing(session, decision, path.as_ref(), |root, p| {
                    Ok(root.list(p)?.iter().flat_map(name_line).collect())
                });
            }
            Event::MachineListDirectory { decision, path } => {
                self.listing(session, decision, path.as_ref(), mlsd_listing);
            }
            Event::TransferEnded { decision, .. } => {
                if self.prepared.as_ref().is_some_and(|(d, _)| *d == decision) {
                    self.prepared = None;
                }
            }
            // PeerError and notices added later need no answer.
            _ => {}
        }
    }

    fn prepare(&mut self, session: &mut Session, decision: Decision, p: Prepared) {
        self.prepared = Some((decision, p));
        let _ = session.accept(decision);
    }

    fn store(
        &mut self,
        session: &mut Session,
        decision: Decision,
        path: &Pathname<'_>,
        mode: WriteMode,
    ) {
        if !self.may_write() {
            let _ = session.reject(
                decision,
                ReplyCode::FILE_UNAVAILABLE,
                Text::from_static("Permission denied"),
            );
            return;
        }
        match self.path(path).and_then(|p| self.root.open_write(&p, mode)) {
            Ok(f) => {
                let sink = sink_for(session, f);
                self.prepare(session, decision, Prepared::Sink(sink))
            }
            Err(e) => {
                let (code, text) = reply_for(&e);
                let _ = session.reject(decision, code, Text::from_static(text));
            }
        }
    }

    fn listing(
        &mut self,
        session: &mut Session,
        decision: Decision,
        path: Option<&Pathname<'static>>,
        make: impl FnOnce(&Root, &VirtualPath) -> Result<Vec<u8>, FsError>,
    ) {
        match self.opt_path(path).and_then(|p| make(&self.root, &p)) {
            Ok(bytes) => self.prepare(
                session,
                decision,
                Prepared::Source(Box::new(Cursor::new(bytes))),
            ),
            Err(FsError::NotADirectory) => {
                let _ = session.reject(
                    decision,
                    ReplyCode::SYNTAX_ERROR_ARGUMENTS,
                    Text::from_static("Not a directory"),
                );
            }
            Err(e) => {
                let (code, text) = reply_for(&e);
                let _ = session.reject(decision, code, Text::from_static(text));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vp(s: &str) -> VirtualPath {
        VirtualPath::root().join(s.as_bytes()).unwrap()
    }

    #[test]
    fn inside_is_by_component() {
        assert!(is_inside(&vp("/a/b"), &vp("/a")));
        assert!(!is_inside(&vp("/ab"), &vp("/a")));
        assert!(!is_inside(&vp("/a"), &vp("/a")));
        assert!(is_inside(&vp("/a"), &VirtualPath::root()));
    }

    #[test]
    fn list_options_are_not_paths() {
        assert_eq!(strip_list_options(b"-la"), b"");
        assert_eq!(strip_list_options(b"-l -a pub"), b"pub");
        assert_eq!(strip_list_options(b"pub"), b"pub");
        assert_eq!(strip_list_options(b""), b"");
    }
}
