//! Commands answered by one final reply (RFC 959 §5.4): CWD, CDUP, PWD, MKD, RMD, DELE,
//! RNFR/RNTO, SITE, NOOP, TYPE, SIZE and MDTM (RFC 3659 §3, §4), MLST (RFC 3659 §7), FEAT
//! (RFC 2389), and raw commands.
//!
//! Owns the command each request sends and what its reply means. Must not handle login,
//! security or data connections.

use alloc::boxed::Box;

use super::error::ProtocolErrorKind;
use super::event::{CloseReason, Event, Failure, RequestId, Response};
use super::machine::{Client, Job};
use super::DataProtection;
use crate::codec::{
    parse_facts, parse_feat_reply, parse_mdtm_reply, parse_pathname_reply, parse_size_reply,
    Command, PayloadError, Reply,
};
use crate::types::{Instant, Pathname, Prot, ReplyCode, Text, TransferType};

/// A one-reply command and what it needs.
#[derive(Clone, Debug)]
pub(crate) enum CommandKind {
    Cwd(Pathname<'static>),
    Cdup,
    Pwd,
    Mkd(Pathname<'static>),
    Rmd(Pathname<'static>),
    Dele(Pathname<'static>),
    Size(Pathname<'static>),
    Mdtm(Pathname<'static>),
    Mlst(Option<Pathname<'static>>),
    Feat,
    Site(Text<'static>),
    Noop,
    Type(TransferType),
    /// `RNFR from`, then `RNTO to` on 350.
    Rnfr {
        from: Pathname<'static>,
        to: Pathname<'static>,
    },
    Rnto(Pathname<'static>),
    /// `PBSZ 0`, then `PROT` on 2xx (RFC 4217 §8: always in that order).
    Pbsz(DataProtection),
    Prot(DataProtection),
    Raw(Command<'static>),
    /// The experimental X form (`XCWD`, `XCUP`, `XPWD`, `XMKD`, `XRMD`) of a directory command
    /// whose RFC 959 form was refused with 500/502 (RFC 1123 §4.1.3.1).
    Experimental(Box<CommandKind>),
}

impl CommandKind {
    /// The command on the wire.
    pub(crate) fn command(&self) -> Command<'_> {
        match self {
            CommandKind::Cwd(p) => Command::Cwd(p.borrow()),
            CommandKind::Cdup => Command::Cdup,
            CommandKind::Pwd => Command::Pwd,
            CommandKind::Mkd(p) => Command::Mkd(p.borrow()),
            CommandKind::Rmd(p) => Command::Rmd(p.borrow()),
            CommandKind::Dele(p) => Command::Dele(p.borrow()),
            CommandKind::Size(p) => Command::Size(p.borrow()),
            CommandKind::Mdtm(p) => Command::Mdtm(p.borrow()),
            CommandKind::Mlst(p) => Command::Mlst(p.as_ref().map(Pathname::borrow)),
            CommandKind::Feat => Command::Feat,
            CommandKind::Site(t) => Command::Site(t.borrow()),
            CommandKind::Noop => Command::Noop,
            CommandKind::Type(t) => Command::Type(*t),
            CommandKind::Rnfr { from, .. } => Command::Rnfr(from.borrow()),
            CommandKind::Rnto(p) => Command::Rnto(p.borrow()),
            CommandKind::Pbsz(_) => Command::Pbsz(0),
            CommandKind::Prot(DataProtection::Private) => Command::Prot(Prot::Private),
            CommandKind::Prot(DataProtection::Clear) => Command::Prot(Prot::Clear),
            CommandKind::Raw(c) => c.clone(),
            CommandKind::Experimental(k) => match &**k {
                CommandKind::Cwd(p) => Command::Xcwd(p.borrow()),
                CommandKind::Cdup => Command::Xcup,
                CommandKind::Pwd => Command::Xpwd,
                CommandKind::Mkd(p) => Command::Xmkd(p.borrow()),
                CommandKind::Rmd(p) => Command::Xrmd(p.borrow()),
                other => other.command(),
            },
        }
    }

    /// True for the directory commands with an experimental X form (RFC 1123 §4.1.3.1).
    fn has_x_form(&self) -> bool {
        matches!(
            self,
            CommandKind::Cwd(_)
                | CommandKind::Cdup
                | CommandKind::Pwd
                | CommandKind::Mkd(_)
                | CommandKind::Rmd(_)
        )
    }
}

/// Verbs a raw command may not carry: each changes state the client tracks (security,
/// login, data connections, transfers), so it has a named request instead.
const RESERVED_VERBS: &[&[u8]] = &[
    b"USER", b"PASS", b"ACCT", b"REIN", b"QUIT", b"PORT", b"PASV", b"EPRT", b"EPSV", b"LPRT",
    b"LPSV", b"SPSV", b"RETR", b"STOR", b"STOU", b"APPE", b"REST", b"ABOR", b"LIST", b"NLST",
    b"MLSD", b"AUTH", b"ADAT", b"PROT", b"PBSZ", b"CCC", b"MIC", b"CONF", b"ENC", b"HOST", b"MODE",
    b"STRU", b"TYPE", b"RNFR", b"RNTO",
];

/// True when a raw command would desynchronise the client.
pub(crate) fn is_reserved(command: &Command<'_>) -> bool {
    let verb = command.verb().as_bytes();
    RESERVED_VERBS.iter().any(|v| v.eq_ignore_ascii_case(verb))
}

impl Client {
    /// Sends a one-reply command.
    pub(crate) fn start_command(&mut self, id: RequestId, kind: Box<CommandKind>, now: Instant) {
        let command = kind.command().into_owned();
        self.job = Some(Job::Command { id, kind });
        self.send(&command, now);
    }

    pub(crate) fn on_command_reply(
        &mut self,
        id: RequestId,
        kind: Box<CommandKind>,
        reply: Reply<'static>,
        now: Instant,
    ) {
        let code = reply.code();
        if code.is_preliminary() {
            // Not in RFC 959 §5.4 for these commands; be liberal and wait for the final one.
            // A raw command's caller sees it: it may be the 150 of a transfer it asked for.
            if matches!(*kind, CommandKind::Raw(_)) {
                self.push_event(Event::Preliminary {
                    request: id,
                    reply: reply.clone(),
                });
            }
            self.job = Some(Job::Command { id, kind });
            return;
        }
        if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.complete(id, Err(Failure::Refused(reply.clone())));
            self.close(CloseReason::ServiceNotAvailable(reply));
            return;
        }
        if (code == ReplyCode::SYNTAX_ERROR || code == ReplyCode::NOT_IMPLEMENTED)
            && kind.has_x_form()
        {
            // RFC 1123 §4.1.3.1: try the experimental form; any other reply goes to the user.
            self.start_command(id, Box::new(CommandKind::Experimental(kind)), now);
            return;
        }
        let kind = match *kind {
            CommandKind::Experimental(k) => k,
            k => Box::new(k),
        };
        let result = match *kind {
            CommandKind::Raw(_) => Ok(Response::Done(reply)),
            _ if code.is_negative() => Err(Failure::Refused(reply)),
            CommandKind::Rnfr { to, .. } if code == ReplyCode::PENDING_FURTHER_INFORMATION => {
                self.start_command(id, Box::new(CommandKind::Rnto(to)), now);
                return;
            }
            CommandKind::Pbsz(level) if code.is_completion() => {
                self.start_command(id, Box::new(CommandKind::Prot(level)), now);
                return;
            }
            CommandKind::Prot(level) if code.is_completion() => {
                self.prot = Some(level);
                Ok(Response::Done(reply))
            }
            _ if !code.is_completion() => {
                Err(self.protocol_error(ProtocolErrorKind::UnexpectedReply(code)))
            }
            CommandKind::Pwd | CommandKind::Mkd(_) => {
                let path = if code == ReplyCode::PATHNAME_CREATED {
                    parse_pathname_reply(&reply).ok().map(Pathname::into_owned)
                } else {
                    None
                };
                Ok(Response::Path(path))
            }
            CommandKind::Size(_) => self.payload(parse_size_reply(&reply).map(Response::Size)),
            CommandKind::Mdtm(_) => {
                self.payload(parse_mdtm_reply(&reply).map(Response::ModifyTime))
            }
            CommandKind::Mlst(_) => self.payload(mlst_facts(&reply)),
            CommandKind::Feat => match parse_feat_reply(&reply) {
                Ok(features) => {
                    self.features = features.clone();
                    Ok(Response::Features(features))
                }
                Err(e) => Err(self.protocol_error(ProtocolErrorKind::MalformedPayload(e))),
            },
            CommandKind::Type(_)
            | CommandKind::Cwd(_)
            | CommandKind::Cdup
            | CommandKind::Rmd(_)
            | CommandKind::Dele(_)
            | CommandKind::Site(_)
            | CommandKind::Noop
            | CommandKind::Rnfr { .. }
            | CommandKind::Rnto(_)
            | CommandKind::Pbsz(_)
            | CommandKind::Prot(_)
            | CommandKind::Experimental(_) => Ok(Response::Done(reply)),
        };
        self.complete(id, result);
        self.job_done(now, true);
    }

    fn payload(&self, r: Result<Response, PayloadError>) -> Result<Response, Failure> {
        r.map_err(|e| self.protocol_error(ProtocolErrorKind::MalformedPayload(e)))
    }
}

/// The entry of a `250` MLST reply: its second line, after the leading space (RFC 3659
/// §7.2: `250-Listing path`, ` facts; path`, `250 End`).
fn mlst_facts(reply: &Reply<'_>) -> Result<Response, PayloadError> {
    let malformed = PayloadError::Malformed {
        offset: 0,
        expected: crate::codec::Expected::Text,
    };
    let line = reply.lines().nth(1).ok_or(malformed)?;
    if reply.line_count() < 3 {
        return Err(malformed);
    }
    let entry = line.strip_prefix(b" ").unwrap_or(line);
    let facts = parse_facts(entry)?;
    Ok(Response::Facts(facts.into_owned()))
}
