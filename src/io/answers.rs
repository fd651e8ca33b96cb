//! The application side of a server session (shared by the blocking and tokio adapters): answers the session machine's questions
//! ([`Event`]) from the user list and the rooted file system, and prepares the source or sink
//! of each accepted transfer.
//!
//! Owns the session's virtual working directory, who is logged in, the pending transfer's
//! file or listing (an upload is only checked when accepted and opened when its data
//! connection is ready: a refused STOR touches nothing), the running upload until it is
//! settled by its [`PartialUploads`] policy, and the SITE commands (`HELP`, `CHMOD`). Must
//! not format replies or sequence commands (the machine does) and must not touch sockets.

mod ascii;

use std::boxed::Box;
use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::string::String;
use std::vec::Vec;

use rustls::pki_types::CertificateDer;

use self::ascii::{FromNetwork, ToNetwork};
use crate::io::admission::Ticket;
use crate::io::fs::{
    facts_line, list_line, mlsd_listing, name_line, unix_now, EntryKind, FsError, PartialUploads,
    PlannedUpload, Root, Upload, UploadSink, VirtualPath, WriteMode,
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

/// What an accepted transfer will use once its data connection is ready.
enum Pending {
    /// A download's file or listing.
    Source(Box<dyn Read + Send>),
    /// An upload, checked but not opened (TYPE A: `ascii`).
    Upload { plan: PlannedUpload, ascii: bool },
    /// STOU's file, created when accepted (its name is in the `150`).
    Reserved {
        sink: UploadSink,
        upload: Upload,
        ascii: bool,
    },
}

/// One session's application state.
pub(super) struct Answers<'a> {
    root: Root,
    users: &'a [User],
    anonymous_allowed: bool,
    partial_uploads: PartialUploads,
    cwd: VirtualPath,
    logged_in: Option<Login>,
    pending_user: Option<String>,
    /// The session's admission: told who logged in, and every failed `PASS`.
    ticket: Option<Ticket>,
    prepared: Option<(Decision, Pending)>,
    /// The running upload, settled when its transfer ends (or when the session does).
    upload: Option<(Decision, Upload)>,
}

impl Drop for Answers<'_> {
    fn drop(&mut self) {
        // A STOU accepted whose transfer never started: its empty file goes. A running
        // upload settles as failed when dropped.
        if let Some((_, Pending::Reserved { upload, .. })) = self.prepared.take() {
            upload.abandon();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Login {
    User,
    Anonymous,
}

/// The reply to a failed file-system operation (RFC 959 §4.2, §5.4). `creating`: the command
/// names a file to create (STOR, STOU, APPE, RNTO), whose §5.4 replies include `553` for a
/// name not allowed; other commands answer `550` for a name that cannot exist.
fn reply_for(e: &FsError, creating: bool) -> (ReplyCode, &'static str) {
    match e {
        FsError::InvalidName if !creating => (ReplyCode::FILE_UNAVAILABLE, "File name not allowed"),
        // RFC 1123 §4.1.3.4: "554 Requested action not taken: invalid REST parameter",
        // reported at the transfer command (RFC 3659 §5.3).
        FsError::RestartPastEnd { .. } => (
            ReplyCode::new(554).unwrap_or(ReplyCode::FILE_UNAVAILABLE),
            "Invalid REST parameter: past the end of the file",
        ),
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
fn sink_for(sink: UploadSink, ascii: bool) -> Box<dyn Write + Send> {
    if ascii {
        Box::new(FromNetwork::new(sink))
    } else {
        Box::new(sink)
    }
}

/// `SITE CHMOD` mode: 1 to 4 octal digits, at most `0777` (RFC 959 §5.4 answers bad
/// parameters of SITE with 501).
fn parse_mode(word: &[u8]) -> Option<u32> {
    if word.is_empty() || word.len() > 4 || !word.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    let mode = word.iter().fold(0u32, |m, &b| m * 8 + u32::from(b - b'0'));
    (mode <= 0o777).then_some(mode)
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
            partial_uploads: PartialUploads::default(),
            cwd: VirtualPath::root(),
            logged_in: None,
            pending_user: None,
            prepared: None,
            ticket: None,
            upload: None,
        }
    }

    /// Reports logins and failed logins to this admission ticket (kept for the session's
    /// life), and refuses `PASS` while its address is over its failed-login budget.
    pub fn with_ticket(mut self, ticket: Ticket) -> Self {
        self.ticket = Some(ticket);
        self
    }

    fn set_logged_in(&mut self, login: Option<Login>) {
        self.logged_in = login;
        if let Some(t) = &self.ticket {
            t.set_logged_in(login.is_some());
        }
    }

    /// What becomes of uploads that do not complete.
    pub fn with_partial_uploads(mut self, policy: PartialUploads) -> Self {
        self.partial_uploads = policy;
        self
    }

    /// The upload of `decision` was stored whole and its data connection ended cleanly, the
    /// two facts the machine answers `226` on (the adapter reports this just before it hands
    /// the machine the same notice): the file is settled as complete now, so it is in place
    /// (renamed from its temporary name) before the client reads the `226`.
    pub fn upload_complete(&mut self, decision: Decision) {
        if self.upload.as_ref().is_some_and(|(d, _)| *d == decision) {
            if let Some((_, upload)) = self.upload.take() {
                // A failed rename keeps the previous version and removes the temporary file.
                let _ = upload.finish(true);
            }
        }
    }

    /// Whether a transfer was accepted and waits for its data connection.
    pub fn transfer_prepared(&self) -> bool {
        self.prepared.is_some()
    }

    /// Whether the accepted transfer waiting for its data connection is a download.
    pub fn download_prepared(&self) -> bool {
        matches!(self.prepared, Some((_, Pending::Source(_))))
    }

    /// The source/sink of `decision`, when the machine starts its transfer (the data
    /// connection is ready): only now is an upload's file opened (truncated, or created under
    /// a temporary name). An error is the reply to fail the transfer with.
    pub fn take_prepared(
        &mut self,
        decision: Decision,
    ) -> Result<Prepared, (ReplyCode, Text<'static>)> {
        let not_prepared = (
            ReplyCode::LOCAL_ERROR,
            Text::from_static("Transfer not prepared"),
        );
        let (sink, upload, ascii) = match self.prepared.take() {
            Some((d, p)) if d == decision => match p {
                Pending::Source(src) => return Ok(Prepared::Source(src)),
                Pending::Upload { plan, ascii } => match plan.open() {
                    Ok((sink, upload)) => (sink, upload, ascii),
                    Err(e) => {
                        let (code, text) = reply_for(&e, true);
                        return Err((code, Text::from_static(text)));
                    }
                },
                Pending::Reserved {
                    sink,
                    upload,
                    ascii,
                } => (sink, upload, ascii),
            },
            other => {
                self.prepared = other;
                return Err(not_prepared);
            }
        };
        self.upload = Some((decision, upload));
        Ok(Prepared::Sink(sink_for(sink, ascii)))
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
            let (code, text) = reply_for(&e, false);
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
                    self.set_logged_in(Some(Login::User));
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
                if self.ticket.as_ref().is_some_and(Ticket::logins_blocked) {
                    // RFC 2577 §4: the address spent its budget; the password is not even
                    // looked at (no oracle for a guesser), and this is no new failure.
                    let _ = session.reject(
                        decision,
                        ReplyCode::NOT_LOGGED_IN,
                        Text::from_static("Too many failed logins from your address"),
                    );
                    self.pending_user = None;
                    return;
                }
                let ok_user = self.users.iter().any(|u| {
                    u.name == name
                        && u.password
                            .as_ref()
                            .is_some_and(|p| same_secret(p.as_bytes(), password.as_bytes()))
                });
                if ok_user {
                    self.set_logged_in(Some(Login::User));
                    let _ = session.accept(decision);
                } else if anonymous && self.anonymous_allowed {
                    self.set_logged_in(Some(Login::Anonymous));
                    let _ = session.accept(decision);
                } else {
                    if let Some(t) = &self.ticket {
                        t.login_failed();
                    }
                    let _ = session.reject(
                        decision,
                        ReplyCode::NOT_LOGGED_IN,
                        Text::from_static("Login incorrect"),
                    );
                }
                self.pending_user = None;
            }
            Event::LoggedOut => {
                self.set_logged_in(None);
                self.cwd = VirtualPath::root();
                if let Some((_, Pending::Reserved { upload, .. })) = self.prepared.take() {
                    upload.abandon();
                }
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
                    Err(e) => {
                        // RNTO names a file to create: 553 for a name not allowed.
                        let (code, text) = reply_for(&e, true);
                        let _ = session.reject(decision, code, Text::from_static(text));
                    }
                }
            }
            Event::Size { decision, path } => {
                let binary = session.is_binary();
                match self
                    .path(&path)
                    .and_then(|p| self.transfer_size(&p, binary))
                {
                    Ok(size) => {
                        let _ = session.accept_size(decision, size);
                    }
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
            Event::Site { decision, command } => self.site(session, decision, command.as_bytes()),
            Event::Status { decision, path } => {
                let r = self.path(&path).and_then(|p| {
                    let directory = self.root.stat(&p)?.kind == EntryKind::Dir;
                    Ok((directory, self.root.list(&p)?))
                });
                match r {
                    Ok((directory, entries)) => {
                        let now = unix_now();
                        let lines: Vec<Text<'static>> = entries
                            .iter()
                            .filter_map(|e| {
                                let mut l = list_line(e, now);
                                l.truncate(l.len().saturating_sub(2));
                                Text::new(l).ok()
                            })
                            .collect();
                        // RFC 959 §4.2: 212 Directory status, 213 File status.
                        let _ = if directory {
                            session.accept_directory_status(decision, &lines)
                        } else {
                            session.accept_lines(decision, &lines)
                        };
                    }
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::MachineList { decision, path } => {
                let facts = session.mlst_facts().as_bytes().to_vec();
                let r = self.opt_path(path.as_ref()).and_then(|p| {
                    let e = self.root.stat(&p)?;
                    Ok(facts_line(&e, p.as_bytes(), false, &facts))
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
            } => {
                let binary = session.is_binary();
                match self
                    .path(&path)
                    .and_then(|p| self.open_source(&p, offset, binary))
                {
                    Ok(source) => self.prepare(session, decision, Pending::Source(source)),
                    Err(e) => fail(session, decision, e),
                }
            }
            Event::Store {
                decision,
                path,
                offset,
            } => {
                self.store(session, decision, &path, Some(offset));
            }
            Event::Append { decision, path } => {
                self.store(session, decision, &path, None);
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
                let policy = self.partial_uploads;
                let r = self.root.unique_name(&self.cwd, &hint).and_then(|p| {
                    let name = Pathname::new(p.file_name().unwrap_or(b"file").to_vec())
                        .map_err(|_| FsError::InvalidName)?;
                    let opened = self
                        .root
                        .plan_write(&p, WriteMode::CreateNew, policy)?
                        .open()?;
                    Ok((name, opened))
                });
                match r {
                    Ok((name, (sink, upload))) => {
                        let ascii = !session.is_binary();
                        self.prepared = Some((
                            decision,
                            Pending::Reserved {
                                sink,
                                upload,
                                ascii,
                            },
                        ));
                        let _ = session.accept_unique(decision, name);
                    }
                    Err(e) => {
                        let (code, text) = reply_for(&e, true);
                        let _ = session.reject(decision, code, Text::from_static(text));
                    }
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
                let facts = session.mlst_facts().as_bytes().to_vec();
                self.listing(session, decision, path.as_ref(), |root, p| {
                    mlsd_listing(root, p, &facts)
                });
            }
            Event::TransferEnded {
                decision, success, ..
            } => {
                if self.prepared.as_ref().is_some_and(|(d, _)| *d == decision) {
                    // Never started: nothing was opened, except STOU's reserved name.
                    if let Some((_, Pending::Reserved { upload, .. })) = self.prepared.take() {
                        upload.abandon();
                    }
                }
                if self.upload.as_ref().is_some_and(|(d, _)| *d == decision) {
                    if let Some((_, upload)) = self.upload.take() {
                        // Renamed into place (complete, temporary name) or settled by the
                        // policy (failed). The reply is already sent; a failed rename
                        // leaves the previous version and removes the temporary file.
                        let _ = upload.finish(success);
                    }
                }
            }
            // PeerError and notices added later need no answer.
            _ => {}
        }
    }

    fn prepare(&mut self, session: &mut Session, decision: Decision, p: Pending) {
        self.prepared = Some((decision, p));
        let _ = session.accept(decision);
    }

    /// The size of a file as RETR would send it now (RFC 3659 §4): the stored size under
    /// TYPE I, the CRLF-expanded size under TYPE A (the file is read to count line ends).
    fn transfer_size(&self, p: &VirtualPath, binary: bool) -> Result<u64, FsError> {
        let e = self.root.stat(p)?;
        if e.kind != EntryKind::File {
            return Err(FsError::NotAFile);
        }
        if binary {
            return Ok(e.size);
        }
        Ok(ascii::network_size(self.root.open_read(p, 0)?)?)
    }

    /// A download's source from `offset` (REST, RFC 3659 §5): under TYPE A the offset counts
    /// transferred (CRLF) octets (§5.2). An offset past the end is refused (554).
    fn open_source(
        &self,
        p: &VirtualPath,
        offset: u64,
        binary: bool,
    ) -> Result<Box<dyn Read + Send>, FsError> {
        if binary {
            let mut f = self.root.open_read(p, 0)?;
            let size = f.metadata()?.len();
            if offset > size {
                return Err(FsError::RestartPastEnd { offset, size });
            }
            f.seek(SeekFrom::Start(offset))?;
            return Ok(Box::new(f));
        }
        // TYPE A: LF goes out as CRLF (RFC 959 §3.1.1.1).
        let at = self.ascii_point(p, offset)?;
        let f = self.root.open_read(p, at.file_offset)?;
        Ok(Box::new(ToNetwork::resumed(f, at)))
    }

    /// Where transferred offset `offset` falls in the stored file `p` under TYPE A.
    fn ascii_point(&self, p: &VirtualPath, offset: u64) -> Result<ascii::Located, FsError> {
        match ascii::locate(self.root.open_read(p, 0)?, offset)? {
            Some(at) => Ok(at),
            None => Err(FsError::RestartPastEnd {
                offset,
                size: ascii::network_size(self.root.open_read(p, 0)?)?,
            }),
        }
    }

    /// STOR (`offset`: its REST, 0 for none) or APPE (`None`): checked now, opened when the
    /// transfer starts ([`Answers::take_prepared`]).
    fn store(
        &mut self,
        session: &mut Session,
        decision: Decision,
        path: &Pathname<'_>,
        offset: Option<u64>,
    ) {
        if !self.may_write() {
            let _ = session.reject(
                decision,
                ReplyCode::FILE_UNAVAILABLE,
                Text::from_static("Permission denied"),
            );
            return;
        }
        let ascii = !session.is_binary();
        let policy = self.partial_uploads;
        let planned = self.path(path).and_then(|p| {
            let mode = match offset {
                None => WriteMode::Append,
                Some(0) => WriteMode::Truncate,
                Some(n) if !ascii => WriteMode::At(n),
                // TYPE A: the offset counts transferred octets (RFC 3659 §5.2). A missing
                // file has size 0.
                Some(n) => match self.ascii_point(&p, n) {
                    Ok(at) => WriteMode::At(at.file_offset),
                    Err(FsError::NotFound) => {
                        return Err(FsError::RestartPastEnd { offset: n, size: 0 })
                    }
                    Err(e) => return Err(e),
                },
            };
            self.root.plan_write(&p, mode, policy)
        });
        match planned {
            Ok(plan) => self.prepare(session, decision, Pending::Upload { plan, ascii }),
            Err(e) => {
                let (code, text) = reply_for(&e, true);
                let _ = session.reject(decision, code, Text::from_static(text));
            }
        }
    }

    /// `SITE HELP` and `SITE CHMOD <mode> <path>` (RFC 959 §4.1.3 leaves SITE's commands to
    /// the server; §5.4 lists 200 and 500/501/530 for it). CHMOD changes only permission
    /// bits inside the root and needs a user who may write (550 otherwise); a bad mode or a
    /// missing argument is 501; an unknown SITE command 500.
    fn site(&mut self, session: &mut Session, decision: Decision, command: &[u8]) {
        let mut words = command.splitn(2, |&b| b == b' ');
        let verb = words.next().unwrap_or(b"");
        let rest = words.next().unwrap_or(b"");
        let reject = |s: &mut Session, code, text| {
            let _ = s.reject(decision, code, Text::from_static(text));
        };
        if verb.eq_ignore_ascii_case(b"HELP") {
            let lines = [
                Text::from_static("SITE commands recognized:"),
                Text::from_static("CHMOD <octal mode, at most 777> <path>"),
                Text::from_static("HELP"),
            ];
            let _ = session.accept_lines(decision, &lines);
        } else if verb.eq_ignore_ascii_case(b"CHMOD") {
            let mut args = rest.splitn(2, |&b| b == b' ');
            let mode = args.next().and_then(parse_mode);
            let target = args.next().filter(|p| !p.is_empty());
            let (Some(mode), Some(target)) = (mode, target) else {
                return reject(
                    session,
                    ReplyCode::SYNTAX_ERROR_ARGUMENTS,
                    "Use SITE CHMOD <octal mode, at most 777> <path>",
                );
            };
            if !self.may_write() {
                return reject(session, ReplyCode::FILE_UNAVAILABLE, "Permission denied");
            }
            match self
                .cwd
                .join(target)
                .and_then(|p| self.root.set_mode(&p, mode))
            {
                Ok(()) => {
                    let _ = session
                        .accept_lines(decision, &[Text::from_static("CHMOD command successful")]);
                }
                Err(e) => {
                    let (code, text) = reply_for(&e, false);
                    reject(session, code, text);
                }
            }
        } else {
            reject(
                session,
                ReplyCode::SYNTAX_ERROR,
                "Unknown SITE command (see SITE HELP)",
            );
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
                Pending::Source(Box::new(Cursor::new(bytes))),
            ),
            Err(FsError::NotADirectory) => {
                let _ = session.reject(
                    decision,
                    ReplyCode::SYNTAX_ERROR_ARGUMENTS,
                    Text::from_static("Not a directory"),
                );
            }
            Err(e) => {
                let (code, text) = reply_for(&e, false);
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
    fn chmod_modes_are_octal_permission_bits() {
        assert_eq!(parse_mode(b"755"), Some(0o755));
        assert_eq!(parse_mode(b"0644"), Some(0o644));
        assert_eq!(parse_mode(b"0"), Some(0));
        for bad in [
            &b""[..],
            b"8",
            b"rwx",
            b"4755",
            b"07777",
            b"1000",
            b"-1",
            b"75 5",
        ] {
            assert_eq!(parse_mode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn invalid_names_are_553_only_where_a_file_is_created() {
        // RFC 959 §5.4: STOR/STOU/APPE/RNTO list 553; RETR, DELE, CWD... list 550.
        assert_eq!(reply_for(&FsError::InvalidName, true).0.value(), 553);
        assert_eq!(reply_for(&FsError::InvalidName, false).0.value(), 550);
        // RFC 1123 §4.1.3.4: 554 for a REST the file cannot be repositioned to.
        let past = FsError::RestartPastEnd { offset: 9, size: 3 };
        assert_eq!(reply_for(&past, true).0.value(), 554);
        assert_eq!(reply_for(&past, false).0.value(), 554);
    }

    #[test]
    fn list_options_are_not_paths() {
        assert_eq!(strip_list_options(b"-la"), b"");
        assert_eq!(strip_list_options(b"-l -a pub"), b"pub");
        assert_eq!(strip_list_options(b"pub"), b"pub");
        assert_eq!(strip_list_options(b""), b"");
    }
}
