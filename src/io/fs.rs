//! A rooted local file system for the server adapters: FTP path names in, files and
//! directory listings out, and nothing outside the root ever reachable.
//!
//! Owns: resolving an FTP path name against a virtual working directory ([`VirtualPath`]),
//! mapping it below a canonical root directory ([`Root`]) with a containment check after
//! every symbolic link is resolved, the file operations a server performs (open for RETR,
//! STOR/APPE/REST+STOR/STOU, DELE, MKD, RMD, RNFR/RNTO, SIZE, MDTM, MFMT) and the formats of
//! listings: `ls -l` lines for LIST, names for NLST and the facts of MLSD/MLST (RFC 3659 §7),
//! and what becomes of an upload that does not complete ([`PartialUploads`]).
//!
//! Must not: decide replies or any other protocol matter (a [`FsError`] says what went wrong;
//! the session machine chooses the reply), or touch the network.
//!
//! # The jail
//! Names are bytes (Unix `OsStrExt`): a name is never forced through UTF-8. A path name is
//! resolved lexically first (`.` and empty components dropped, `..` stops at the virtual
//! root, like `chroot`), so `..` and absolute names never leave the root by construction.
//! Symbolic links are then resolved by the operating system (`canonicalize`) and the result
//! must still lie inside the canonical root, otherwise the operation fails with
//! [`FsError::OutsideRoot`]. Operations that act on a name itself rather than on what it
//! points to (DELE, RMD, RNFR/RNTO) resolve only the parent directory, so a link is removed
//! or renamed, never its target. A file being created must not be a dangling link.
//!
//! Limits: the checks run before the operation, so a local user who can rename directories
//! inside the root while the server runs could race them (as with most FTP servers without
//! `openat2(RESOLVE_BENEATH)`); the root is meant to be writable only through the server.

use std::borrow::ToOwned;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use std::vec::Vec;

use crate::types::Timestamp;

/// Why a file-system operation failed. The session machine maps these to replies (for
/// example 550 for [`FsError::NotFound`], 553 for [`FsError::OutsideRoot`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// No such file or directory.
    #[error("no such file or directory")]
    NotFound,
    /// The operating system refused access.
    #[error("permission denied")]
    PermissionDenied,
    /// The name (after following symbolic links) lies outside the root.
    #[error("outside the served directory")]
    OutsideRoot,
    /// A directory was needed.
    #[error("not a directory")]
    NotADirectory,
    /// A plain file was needed.
    #[error("not a plain file")]
    NotAFile,
    /// The name is taken.
    #[error("already exists")]
    AlreadyExists,
    /// The directory to remove is not empty.
    #[error("directory not empty")]
    DirectoryNotEmpty,
    /// The name is empty, is the root itself where a name is needed, or holds a byte the
    /// listing formats cannot carry (CR, LF).
    #[error("invalid name")]
    InvalidName,
    /// No space left on the device or quota exceeded.
    #[error("no space left")]
    NoSpace,
    /// A restart offset (REST, RFC 3659 §5) lies past the end of the file as it would be
    /// transferred: the transfer command is refused (RFC 3659 §5.3: "restart marker out of
    /// range ... should be reported when the following transfer command is issued").
    #[error("restart offset {offset} past the end ({size} octets)")]
    RestartPastEnd {
        /// The offset asked for.
        offset: u64,
        /// The size as it would be transferred.
        size: u64,
    },
    /// Any other I/O error.
    #[error("I/O error: {0}")]
    Io(io::Error),
}

impl From<io::Error> for FsError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => FsError::NotFound,
            io::ErrorKind::PermissionDenied => FsError::PermissionDenied,
            io::ErrorKind::AlreadyExists => FsError::AlreadyExists,
            io::ErrorKind::NotADirectory => FsError::NotADirectory,
            io::ErrorKind::IsADirectory => FsError::NotAFile,
            io::ErrorKind::DirectoryNotEmpty => FsError::DirectoryNotEmpty,
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => FsError::NoSpace,
            // ENAMETOOLONG: a component or the whole name is longer than the system allows.
            io::ErrorKind::InvalidFilename => FsError::InvalidName,
            // EROFS: permanent, like a permission refusal (not a 451 local error).
            io::ErrorKind::ReadOnlyFilesystem => FsError::PermissionDenied,
            _ => FsError::Io(e),
        }
    }
}

/// An absolute, normalised path name in the server's virtual tree: starts with `/`, no empty,
/// `.` or `..` component, no NUL, no trailing `/` (except the root `/` itself).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VirtualPath(Vec<u8>);

impl Default for VirtualPath {
    fn default() -> Self {
        VirtualPath::root()
    }
}

impl VirtualPath {
    /// The virtual root `/`.
    pub fn root() -> VirtualPath {
        VirtualPath(b"/".to_vec())
    }

    /// Resolves an FTP path name (RFC 959 §4.1: absolute, or relative to the working
    /// directory `self`). `..` never climbs above `/`. A NUL byte ends nothing: it makes
    /// the name invalid.
    pub fn join(&self, name: &[u8]) -> Result<VirtualPath, FsError> {
        if name.contains(&0) {
            return Err(FsError::InvalidName);
        }
        let mut parts: Vec<&[u8]> = Vec::new();
        if !name.starts_with(b"/") {
            parts.extend(self.components());
        }
        for c in name.split(|&b| b == b'/') {
            match c {
                b"" | b"." => {}
                b".." => {
                    parts.pop();
                }
                c => parts.push(c),
            }
        }
        let mut out = Vec::with_capacity(name.len() + self.0.len() + 1);
        for p in &parts {
            out.push(b'/');
            out.extend_from_slice(p);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        Ok(VirtualPath(out))
    }

    /// The components between the slashes (none for `/`).
    pub fn components(&self) -> impl Iterator<Item = &[u8]> {
        self.0.split(|&b| b == b'/').filter(|c| !c.is_empty())
    }

    /// The path as bytes, for a 257 reply or a listing heading.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether this is `/`.
    pub fn is_root(&self) -> bool {
        self.0 == b"/"
    }

    /// The last component (`None` for `/`).
    pub fn file_name(&self) -> Option<&[u8]> {
        self.components().last()
    }

    /// The parent directory (`/` for `/`).
    pub fn parent(&self) -> VirtualPath {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(0) | None => VirtualPath::root(),
            Some(i) => VirtualPath(self.0[..i].to_vec()),
        }
    }
}

/// What kind of object an [`Entry`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryKind {
    /// A plain file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link that is dangling or leads outside the root: listed as a link, never
    /// followed.
    Symlink,
    /// A device, FIFO or socket.
    Other,
}

/// One directory entry or one `stat` result, with what the listing formats need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name (the last component; the virtual path for MLST and `cdir`).
    pub name: Vec<u8>,
    /// The kind, after following links that stay inside the root.
    pub kind: EntryKind,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, seconds since the Unix epoch.
    pub modified: i64,
    /// Unix mode bits (permissions only).
    pub mode: u32,
    /// Hard link count.
    pub nlink: u64,
    /// Device and inode, for the `unique` fact.
    pub dev_ino: (u64, u64),
    /// Whether the containing directory is writable by its owner (delete and rename rights).
    pub parent_writable: bool,
}

impl Entry {
    fn from_metadata(name: Vec<u8>, m: &fs::Metadata, parent_writable: bool) -> Entry {
        let ft = m.file_type();
        let kind = if ft.is_file() {
            EntryKind::File
        } else if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_symlink() {
            EntryKind::Symlink
        } else {
            EntryKind::Other
        };
        Entry {
            name,
            kind,
            size: if kind == EntryKind::Symlink {
                0
            } else {
                m.len()
            },
            modified: m.mtime(),
            mode: m.permissions().mode() & 0o7777,
            nlink: m.nlink(),
            dev_ino: (m.dev(), m.ino()),
            parent_writable,
        }
    }

    /// The modification time as an RFC 3659 §2.3 timestamp (MDTM, the `modify` fact);
    /// `None` only for times outside years 0 to 9999.
    pub fn modify_timestamp(&self) -> Option<Timestamp> {
        Timestamp::from_unix_seconds(self.modified).ok()
    }

    /// (year, month, day, hour, minute, second) of the modification time, clamped to the
    /// range a timestamp can show.
    fn modified_fields(&self) -> [u16; 6] {
        let t = Timestamp::from_unix_seconds(self.modified.clamp(0, 253_402_300_799)).ok();
        t.map_or([1970, 1, 1, 0, 0, 0], |t| {
            [
                t.year(),
                u16::from(t.month()),
                u16::from(t.day()),
                u16::from(t.hour()),
                u16::from(t.minute()),
                u16::from(t.second()),
            ]
        })
    }
}

/// How STOR, APPE, REST+STOR and STOU open the target file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteMode {
    /// STOR: create or truncate.
    Truncate,
    /// APPE: create or append.
    Append,
    /// REST n + STOR: keep the first `n` bytes, write from there (RFC 3659 §5).
    At(u64),
    /// STOU: the name must not exist yet.
    CreateNew,
}

/// A directory on the local file system, served as `/`.
#[derive(Clone, Debug)]
pub struct Root {
    real: PathBuf,
}

impl Root {
    /// Serves `dir` (which must exist and be a directory). The path is canonicalised once here.
    pub fn new(dir: impl AsRef<Path>) -> Result<Root, FsError> {
        let real = fs::canonicalize(dir.as_ref())?;
        if !fs::metadata(&real)?.is_dir() {
            return Err(FsError::NotADirectory);
        }
        Ok(Root { real })
    }

    /// The canonical local directory.
    pub fn path(&self) -> &Path {
        &self.real
    }

    fn lexical(&self, v: &VirtualPath) -> PathBuf {
        let mut p = self.real.clone();
        for c in v.components() {
            p.push(OsStr::from_bytes(c));
        }
        p
    }

    fn contain(&self, real: PathBuf) -> Result<PathBuf, FsError> {
        if real.starts_with(&self.real) {
            Ok(real)
        } else {
            Err(FsError::OutsideRoot)
        }
    }

    /// The local path of an existing object, every link followed, checked to be inside.
    fn existing(&self, v: &VirtualPath) -> Result<PathBuf, FsError> {
        let lexical = self.lexical(v);
        match fs::canonicalize(&lexical) {
            Ok(real) => self.contain(real),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A dangling link is "not found" unless it would lead outside.
                match fs::symlink_metadata(&lexical) {
                    Ok(m) if m.file_type().is_symlink() => Err(FsError::OutsideRoot),
                    _ => Err(FsError::NotFound),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The canonical parent directory (inside the root) and the final name, links in the
    /// final name not followed. Fails for `/`.
    fn parent_and_name(&self, v: &VirtualPath) -> Result<(PathBuf, PathBuf), FsError> {
        let name = v.file_name().ok_or(FsError::InvalidName)?;
        let parent = self.existing(&v.parent())?;
        if !fs::metadata(&parent)?.is_dir() {
            return Err(FsError::NotADirectory);
        }
        let full = parent.join(OsStr::from_bytes(name));
        Ok((parent, full))
    }

    /// Information about one object (SIZE, MDTM, MLST, STAT, LIST of a file). The entry's
    /// name is the last component (`/` for the root).
    pub fn stat(&self, v: &VirtualPath) -> Result<Entry, FsError> {
        let real = self.existing(v)?;
        let m = fs::metadata(&real)?;
        let parent_writable = real
            .parent()
            .filter(|p| p.starts_with(&self.real))
            .and_then(|p| fs::metadata(p).ok())
            .is_some_and(|pm| pm.permissions().mode() & 0o200 != 0);
        let name = v.file_name().unwrap_or(b"/").to_vec();
        Ok(Entry::from_metadata(name, &m, parent_writable))
    }

    /// Checks that `v` is a directory one may enter (CWD, CDUP).
    pub fn check_dir(&self, v: &VirtualPath) -> Result<(), FsError> {
        let real = self.existing(v)?;
        if fs::metadata(&real)?.is_dir() {
            fs::read_dir(&real)?;
            Ok(())
        } else {
            Err(FsError::NotADirectory)
        }
    }

    /// Opens a plain file for RETR, positioned at `offset` (REST, RFC 3659 §5). An offset
    /// past the end is allowed and yields nothing.
    pub fn open_read(&self, v: &VirtualPath, offset: u64) -> Result<File, FsError> {
        let real = self.existing(v)?;
        let mut f = File::open(&real)?;
        if !f.metadata()?.is_file() {
            return Err(FsError::NotAFile);
        }
        if offset > 0 {
            f.seek(SeekFrom::Start(offset))?;
        }
        Ok(f)
    }

    /// The local file an upload to `v` writes, after every check that needs no change on
    /// disk: the parent is a directory inside the root, the name is not a directory, a link
    /// leads to a file inside, STOU's name is free, and a restart offset is not past the end
    /// of the file (RFC 3659 §5.3; a missing file has size 0).
    fn write_target(&self, v: &VirtualPath, mode: WriteMode) -> Result<PathBuf, FsError> {
        let (_, full) = self.parent_and_name(v)?;
        let target = match fs::symlink_metadata(&full) {
            Ok(m) if m.file_type().is_symlink() => {
                if mode == WriteMode::CreateNew {
                    return Err(FsError::AlreadyExists);
                }
                // Writing through a link is allowed only when it leads to a file inside.
                self.contain(fs::canonicalize(&full).map_err(|_| FsError::OutsideRoot)?)?
            }
            Ok(m) if m.is_dir() => return Err(FsError::NotAFile),
            Ok(_) if mode == WriteMode::CreateNew => return Err(FsError::AlreadyExists),
            Ok(_) => full,
            Err(e) if e.kind() == io::ErrorKind::NotFound => full,
            // A name too long (ENAMETOOLONG) and the like: known now, not at the transfer.
            Err(e) => return Err(e.into()),
        };
        if v.file_name().is_some_and(has_line_break) {
            return Err(FsError::InvalidName);
        }
        if let WriteMode::At(offset) = mode {
            let size = match fs::metadata(&target) {
                Ok(m) if !m.is_file() => return Err(FsError::NotAFile),
                Ok(m) => m.len(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
                Err(e) => return Err(e.into()),
            };
            if offset > size {
                return Err(FsError::RestartPastEnd { offset, size });
            }
        }
        Ok(target)
    }

    /// Opens (creating if needed) a plain file for STOR, APPE, REST+STOR or STOU, at once.
    /// A REST offset past the end of the file is refused ([`FsError::RestartPastEnd`]), so
    /// `REST 1099511627776` + `STOR` cannot make a sparse terabyte.
    pub fn open_write(&self, v: &VirtualPath, mode: WriteMode) -> Result<File, FsError> {
        let target = self.write_target(v, mode)?;
        open_target(&target, mode)
    }

    /// Checks an upload to `v` without touching the file system (RFC 959 §4.1.3: nothing is
    /// stored before the transfer is accepted); [`PlannedUpload::open`] opens it once the data
    /// connection is ready. So a STOR refused later (the data connection fails, or is refused
    /// with `522` for not resuming TLS) leaves an existing file as it was.
    pub fn plan_write(
        &self,
        v: &VirtualPath,
        mode: WriteMode,
        policy: PartialUploads,
    ) -> Result<PlannedUpload, FsError> {
        self.write_target(v, mode)?;
        Ok(PlannedUpload {
            root: self.clone(),
            path: v.clone(),
            mode,
            policy,
        })
    }

    /// A name for STOU in directory `dir`, based on `hint`, that does not exist yet.
    pub fn unique_name(&self, dir: &VirtualPath, hint: &[u8]) -> Result<VirtualPath, FsError> {
        let base: &[u8] = if hint.is_empty() { b"file" } else { hint };
        for i in 0u32..10_000 {
            let mut name = base.to_vec();
            if i > 0 {
                name.extend_from_slice(std::format!(".{i}").as_bytes());
            }
            let candidate = dir.join(&name)?;
            let (_, full) = self.parent_and_name(&candidate)?;
            if fs::symlink_metadata(&full).is_err() {
                return Ok(candidate);
            }
        }
        Err(FsError::AlreadyExists)
    }

    /// DELE: removes a file (or a link itself, never its target).
    pub fn remove_file(&self, v: &VirtualPath) -> Result<(), FsError> {
        let (_, full) = self.parent_and_name(v)?;
        if fs::symlink_metadata(&full)?.is_dir() {
            return Err(FsError::NotAFile);
        }
        Ok(fs::remove_file(full)?)
    }

    /// MKD: creates one directory.
    pub fn make_dir(&self, v: &VirtualPath) -> Result<(), FsError> {
        let (_, full) = self.parent_and_name(v)?;
        if v.file_name().is_some_and(has_line_break) {
            return Err(FsError::InvalidName);
        }
        Ok(fs::create_dir(full)?)
    }

    /// RMD: removes an empty directory (not the root).
    pub fn remove_dir(&self, v: &VirtualPath) -> Result<(), FsError> {
        let (_, full) = self.parent_and_name(v)?;
        if !fs::symlink_metadata(&full)?.is_dir() {
            return Err(FsError::NotADirectory);
        }
        Ok(fs::remove_dir(full)?)
    }

    /// RNFR: checks that the name exists (without following a final link).
    pub fn check_exists(&self, v: &VirtualPath) -> Result<(), FsError> {
        let (_, full) = self.parent_and_name(v)?;
        fs::symlink_metadata(full)?;
        Ok(())
    }

    /// RNFR + RNTO: renames (moves) within the root. Neither the root nor a directory into
    /// itself can be moved (the operating system refuses the latter).
    pub fn rename(&self, from: &VirtualPath, to: &VirtualPath) -> Result<(), FsError> {
        let (_, src) = self.parent_and_name(from)?;
        let (_, dst) = self.parent_and_name(to)?;
        if to.file_name().is_some_and(has_line_break) {
            return Err(FsError::InvalidName);
        }
        fs::symlink_metadata(&src)?;
        Ok(fs::rename(src, dst)?)
    }

    /// MFMT (draft-somers-ftp-mfxx): sets the modification time of a plain file.
    pub fn set_modified(&self, v: &VirtualPath, t: &Timestamp) -> Result<(), FsError> {
        let real = self.existing(v)?;
        let f = OpenOptions::new().write(true).open(&real)?;
        let secs = u64::try_from(t.unix_seconds()).map_err(|_| FsError::InvalidName)?;
        f.set_modified(UNIX_EPOCH + core::time::Duration::from_secs(secs))?;
        Ok(())
    }

    /// `SITE CHMOD` (a Unix extension, not in RFC 959): sets the permission bits of an
    /// object inside the root (links followed inside it). Only the permission bits
    /// (`0o777`) can be set: set-id and sticky bits are refused as [`FsError::PermissionDenied`],
    /// and so is the root itself (a served directory made unreadable locks everyone out).
    pub fn set_mode(&self, v: &VirtualPath, mode: u32) -> Result<(), FsError> {
        if v.is_root() || mode & !0o777 != 0 {
            return Err(FsError::PermissionDenied);
        }
        let real = self.existing(v)?;
        Ok(fs::set_permissions(real, fs::Permissions::from_mode(mode))?)
    }

    /// The entries of a directory (LIST, NLST, MLSD), sorted by name, `.` and `..` left
    /// out, names with CR or LF left out (no listing format can carry them), and uploads in
    /// progress under a temporary name ([`PartialUploads::Temporary`]) left out. Links that
    /// lead inside the root are described by their target; others as [`EntryKind::Symlink`].
    /// A plain file lists as itself (LIST of a file name, RFC 959 §4.1.3).
    pub fn list(&self, v: &VirtualPath) -> Result<Vec<Entry>, FsError> {
        let real = self.existing(v)?;
        let m = fs::metadata(&real)?;
        if !m.is_dir() {
            return Ok(std::vec![self.stat(v)?]);
        }
        let dir_writable = m.permissions().mode() & 0o200 != 0;
        let mut out = Vec::new();
        for e in fs::read_dir(&real)? {
            let e = e?;
            let name = e.file_name().as_bytes().to_owned();
            if has_line_break(&name) || name.starts_with(TEMPORARY_PREFIX) {
                continue;
            }
            let lm = match fs::symlink_metadata(e.path()) {
                Ok(m) => m,
                Err(_) => continue, // removed meanwhile
            };
            let meta = if lm.file_type().is_symlink() {
                match fs::canonicalize(e.path()) {
                    Ok(t) if t.starts_with(&self.real) => fs::metadata(&t).unwrap_or(lm),
                    _ => lm,
                }
            } else {
                lm
            };
            out.push(Entry::from_metadata(name, &meta, dir_writable));
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

fn open_target(target: &Path, mode: WriteMode) -> Result<File, FsError> {
    let mut opts = OpenOptions::new();
    opts.write(true);
    match mode {
        WriteMode::Truncate => opts.create(true).truncate(true),
        WriteMode::Append => opts.create(true).append(true),
        WriteMode::At(_) => opts.create(true).truncate(false),
        WriteMode::CreateNew => opts.create_new(true),
    };
    let mut f = opts.open(target)?;
    if !f.metadata()?.is_file() {
        return Err(FsError::NotAFile);
    }
    if let WriteMode::At(offset) = mode {
        // Bytes after the restart point belong to the old upload: drop them.
        f.set_len(offset)?;
        f.seek(SeekFrom::Start(offset))?;
    }
    Ok(f)
}

/// What becomes of an upload (STOR, APPE, REST+STOR, STOU) that does not complete: its data
/// connection was cut or ended without TLS close_notify, ABOR, a write failed, the session
/// ended. RFC 959 leaves this to the server; a partial file is otherwise indistinguishable
/// from a complete one (SIZE reports it like any other).
///
/// Resumed uploads (`REST n` + `STOR` with n > 0, and `APPE`) extend the file named, in
/// place, under every policy: that is what a client resuming a cut upload from `SIZE` asks
/// for (lftp `put -c`, curl `-C -`), and only the file in place can be resumed again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartialUploads {
    /// Leave the file as the cut left it (vsftpd's behaviour): a plain STOR can be resumed
    /// with `SIZE` + `REST`/`APPE`, but meanwhile `SIZE`, `RETR` and listings show the
    /// partial file, and a previous version of the file is already gone.
    Keep,
    /// Remove what the failed upload wrote: a STOR or STOU file is deleted; a resumed upload
    /// is cut back to where it restarted (the `REST` offset, or the size before `APPE`).
    Delete,
    /// The default. A STOR without REST writes to a temporary name in the same directory
    /// (`.ftps-part-*`, left out of listings), renamed over the target when the upload
    /// arrived whole with a clean end, before the `226` is sent: until
    /// then the previous version stays whole and readable, and a failed upload removes the
    /// temporary file, so the server is as if the upload never happened. A failed STOU's
    /// file is removed. A cut plain STOR is retransmitted from the start (a client that asks
    /// `SIZE` finds the previous version, or none, never a partial one); resumed uploads
    /// are kept as they are, in place. A server process killed during an upload leaves its
    /// temporary file behind (hidden from listings; nothing sweeps it at start).
    #[default]
    Temporary,
}

/// An upload checked by [`Root::plan_write`] and not opened yet.
#[derive(Debug)]
pub struct PlannedUpload {
    root: Root,
    path: VirtualPath,
    mode: WriteMode,
    policy: PartialUploads,
}

/// What [`Upload::finish`] does with a failed upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnFailure {
    Nothing,
    Remove,
    CutBackTo(u64),
}

impl PlannedUpload {
    /// Opens the file (checks repeated: the tree may have changed since the plan) and returns
    /// the sink the data connection writes into, and the [`Upload`] that settles the file
    /// when the transfer has ended.
    pub fn open(self) -> Result<(UploadSink, Upload), FsError> {
        let target = self.root.write_target(&self.path, self.mode)?;
        let (file, written, rename_to) =
            if self.policy == PartialUploads::Temporary && self.mode == WriteMode::Truncate {
                let (file, temp) = create_temporary(&target)?;
                (file, temp, Some(target))
            } else {
                (open_target(&target, self.mode)?, target, None)
            };
        let on_failure = match (self.policy, self.mode) {
            (PartialUploads::Keep, _) => OnFailure::Nothing,
            (_, WriteMode::CreateNew) => OnFailure::Remove,
            (PartialUploads::Temporary, WriteMode::Truncate) => OnFailure::Remove,
            (PartialUploads::Temporary, _) => OnFailure::Nothing,
            (_, WriteMode::Truncate) => OnFailure::Remove,
            (_, WriteMode::At(offset)) => OnFailure::CutBackTo(offset),
            // Nothing written yet: the size before the append.
            (_, WriteMode::Append) => OnFailure::CutBackTo(file.metadata()?.len()),
        };
        let sealed = std::sync::Arc::new(std::sync::Mutex::new(false));
        Ok((
            UploadSink {
                file,
                sealed: sealed.clone(),
            },
            Upload {
                created: rename_to.is_some() || self.mode == WriteMode::CreateNew,
                written,
                rename_to,
                on_failure,
                sealed,
                settled: false,
            },
        ))
    }
}

/// How the temporary names of [`PartialUploads::Temporary`] begin (`.ftps-part-<pid>-<n>`).
const TEMPORARY_PREFIX: &[u8] = b".ftps-part-";

/// A temporary file next to `target`, with `target`'s permissions when it exists.
fn create_temporary(target: &Path) -> Result<(File, PathBuf), FsError> {
    let dir = target.parent().ok_or(FsError::InvalidName)?;
    let perms = fs::metadata(target).ok().map(|m| m.permissions());
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    for _ in 0..100 {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut name = TEMPORARY_PREFIX.to_vec();
        name.extend_from_slice(std::format!("{}-{n}", std::process::id()).as_bytes());
        let temp = dir.join(OsStr::from_bytes(&name));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(f) => {
                if let Some(p) = perms.clone() {
                    let _ = f.set_permissions(p);
                }
                return Ok((f, temp));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(FsError::AlreadyExists)
}

/// Where an upload's bytes go. Once its [`Upload`] is settled, writes fail: a data
/// connection still running cannot change the file after that.
#[derive(Debug)]
pub struct UploadSink {
    file: File,
    sealed: std::sync::Arc<std::sync::Mutex<bool>>,
}

impl io::Write for UploadSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let sealed = self
            .sealed
            .lock()
            .map_err(|_| io::Error::other("upload state poisoned"))?;
        if *sealed {
            return Err(io::Error::other("the upload has ended"));
        }
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// An upload in progress: settles the file when the transfer has ended
/// ([`Upload::finish`]); dropped unsettled (the session ended first), it settles as failed.
#[derive(Debug)]
pub struct Upload {
    written: PathBuf,
    rename_to: Option<PathBuf>,
    on_failure: OnFailure,
    sealed: std::sync::Arc<std::sync::Mutex<bool>>,
    /// Whether `open` created `written` (a temporary file, or STOU's new file).
    created: bool,
    settled: bool,
}

impl Upload {
    /// The transfer never started (its data connection was refused or failed): a file the
    /// upload created (STOU reserves its name when accepted) is removed under every policy;
    /// anything else was not touched.
    pub fn abandon(mut self) {
        self.settled = true;
        *self.sealed.lock().unwrap_or_else(|p| p.into_inner()) = true;
        if self.created {
            let _ = fs::remove_file(&self.written);
        }
    }

    /// The transfer ended: `complete` only for a `226` (every byte stored, clean data end).
    /// A complete upload to a temporary name is renamed over its target; a failed one is
    /// treated as its [`PartialUploads`] policy says.
    pub fn finish(mut self, complete: bool) -> Result<(), FsError> {
        self.settle(complete)
    }

    fn settle(&mut self, complete: bool) -> Result<(), FsError> {
        if self.settled {
            return Ok(());
        }
        self.settled = true;
        // Later writes of the data connection fail from here on.
        let mut sealed = self.sealed.lock().unwrap_or_else(|p| p.into_inner());
        *sealed = true;
        if complete {
            if let Some(target) = &self.rename_to {
                if let Err(e) = fs::rename(&self.written, target) {
                    let _ = fs::remove_file(&self.written);
                    return Err(e.into());
                }
            }
            return Ok(());
        }
        match self.on_failure {
            OnFailure::Nothing => Ok(()),
            OnFailure::Remove => Ok(fs::remove_file(&self.written)?),
            OnFailure::CutBackTo(len) => {
                let f = OpenOptions::new().write(true).open(&self.written)?;
                Ok(f.set_len(len)?)
            }
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = self.settle(false);
    }
}

fn has_line_break(name: &[u8]) -> bool {
    name.iter().any(|&b| b == b'\r' || b == b'\n')
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Seconds since the Unix epoch, now (for [`list_line`]'s recent/old date choice).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// One LIST line in the `ls -l` format most clients parse (RFC 959 leaves LIST's format to
/// the server; this is the de-facto Unix one), CRLF-terminated:
/// `-rw-r--r--    1 ftp      ftp          1234 Nov 21 08:30 name`. Times within six months
/// of `now` (Unix seconds) show hour and minute, older ones the year. Owner and group are
/// always `ftp`: local account names are not disclosed.
pub fn list_line(e: &Entry, now: i64) -> Vec<u8> {
    let mut perms = [b'-'; 10];
    perms[0] = match e.kind {
        EntryKind::File => b'-',
        EntryKind::Dir => b'd',
        EntryKind::Symlink => b'l',
        EntryKind::Other => b'?',
    };
    let bits = b"rwxrwxrwx";
    for (i, ch) in bits.iter().enumerate() {
        if e.mode & (0o400 >> i) != 0 {
            perms[1 + i] = *ch;
        }
    }
    let [year, mon, day, hour, minute, _] = e.modified_fields();
    let month = MONTHS
        .get(usize::from(mon).saturating_sub(1))
        .unwrap_or(&"Jan");
    const HALF_YEAR: i64 = 183 * 86_400;
    let when = if (now - e.modified).abs() < HALF_YEAR {
        std::format!("{hour:02}:{minute:02}")
    } else {
        std::format!(" {year:04}")
    };
    let mut line = std::format!(
        "{} {:>4} ftp      ftp      {:>12} {} {:>2} {} ",
        core::str::from_utf8(&perms).unwrap_or("----------"),
        e.nlink,
        e.size,
        month,
        day,
        when
    )
    .into_bytes();
    line.extend_from_slice(&e.name);
    line.extend_from_slice(b"\r\n");
    line
}

/// One NLST line: the name and CRLF (RFC 959 §4.1.3).
pub fn name_line(e: &Entry) -> Vec<u8> {
    let mut line = e.name.clone();
    line.extend_from_slice(b"\r\n");
    line
}

/// The MLSx facts [`facts_line`] can produce (RFC 3659 §7.5), in the `Config::mlst_facts`
/// form, all sent by default: `type*;size*;modify*;perm*;unique*;`.
pub const MLST_FACTS: &str = "type*;size*;modify*;perm*;unique*;";

/// The facts of a configured `fact*;fact;` list (RFC 3659 §7.8) that [`facts_line`] can
/// produce, in the configured order and with their `*` marks: the server adapters offer
/// (FEAT) only these, so FEAT's MLST line lists exactly the facts that can be sent.
pub fn offered_facts(configured: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in configured.split(|&b| b == b';').filter(|f| !f.is_empty()) {
        let name = f.strip_suffix(b"*").unwrap_or(f);
        let known = MLST_FACTS
            .as_bytes()
            .split(|&b| b == b';')
            .any(|k| k.strip_suffix(b"*").unwrap_or(k).eq_ignore_ascii_case(name));
        if known {
            out.extend_from_slice(f);
            out.push(b';');
        }
    }
    out
}

/// Whether `fact` is in the `fact;fact;` list `selected` (case-insensitive, RFC 3659 §7.4).
fn selected(selected: &[u8], fact: &str) -> bool {
    selected
        .split(|&b| b == b';')
        .any(|f| f.eq_ignore_ascii_case(fact.as_bytes()))
}

/// The facts of an entry, as MLSD lines and MLST's second line carry them (RFC 3659 §7.2,
/// §7.5): `type=file;size=1234;modify=20261121083000;perm=adfrw;unique=803U1a2b;` followed
/// by a space and `name`, without line end. Only the facts named in `facts` (a `fact;fact;`
/// list, as `Session::mlst_facts` gives after `OPTS MLST`, §7.9) are written, in this
/// order. `cdir` marks MLSD's heading entry (§7.5.1.2).
pub fn facts_line(e: &Entry, name: &[u8], cdir: bool, facts: &[u8]) -> Vec<u8> {
    let [year, mon, day, hour, minute, second] = e.modified_fields();
    let ty = match (cdir, e.kind) {
        (true, _) => "cdir",
        (false, EntryKind::File) => "file",
        (false, EntryKind::Dir) => "dir",
        (false, EntryKind::Symlink) => "OS.unix=symlink",
        (false, EntryKind::Other) => "OS.unix=special",
    };
    let mut s = std::string::String::new();
    if selected(facts, "type") {
        s.push_str(&std::format!("type={ty};"));
    }
    if e.kind == EntryKind::File && selected(facts, "size") {
        s.push_str(&std::format!("size={};", e.size));
    }
    if selected(facts, "modify") {
        s.push_str(&std::format!(
            "modify={year:04}{mon:02}{day:02}{hour:02}{minute:02}{second:02};"
        ));
    }
    if selected(facts, "perm") {
        s.push_str(&std::format!("perm={};", perm_fact(e)));
    }
    if selected(facts, "unique") {
        s.push_str(&std::format!("unique={:x}U{:x};", e.dev_ino.0, e.dev_ino.1));
    }
    s.push(' ');
    let mut line = s.into_bytes();
    line.extend_from_slice(name);
    line
}

/// The `perm` fact (RFC 3659 §7.5.5), from the owner's permission bits (the server runs as
/// the owner of what it serves) and the writability of the containing directory.
fn perm_fact(e: &Entry) -> std::string::String {
    let r = e.mode & 0o400 != 0;
    let w = e.mode & 0o200 != 0;
    let x = e.mode & 0o100 != 0;
    let mut p = std::string::String::new();
    match e.kind {
        EntryKind::File => {
            if w {
                p.push('a');
            }
            if e.parent_writable {
                p.push_str("df");
            }
            if r {
                p.push('r');
            }
            if w {
                p.push('w');
            }
        }
        EntryKind::Dir => {
            if w && x {
                p.push('c');
            }
            if e.parent_writable {
                p.push_str("df");
            }
            if x {
                p.push('e');
            }
            if r && x {
                p.push('l');
            }
            if w && x {
                p.push_str("mp");
            }
        }
        EntryKind::Symlink | EntryKind::Other => {
            if e.parent_writable {
                p.push_str("df");
            }
        }
    }
    p
}

/// MLSD's data: a `cdir` heading for `dir`, then one facts line per entry, each
/// CRLF-terminated (RFC 3659 §7.2), with the facts of `facts` only (see [`facts_line`]).
///
/// The heading's name is `.`: RFC 3659 §7.2 lets it be any name valid from the working
/// directory, and real clients that ignore the type fact skip `.` by name (rclone through
/// its FTP library, aioftp's `list`), while an absolute path there was taken for an entry
/// (rclone listed `tree//tree`, aioftp showed an extra entry); clients that read the type
/// (FileZilla, lftp) skip `cdir` whatever its name. Without the type fact there is no
/// heading (§7.5.1.2: cdir "MUST NOT be included if the type fact is not included").
pub fn mlsd_listing(root: &Root, dir: &VirtualPath, facts: &[u8]) -> Result<Vec<u8>, FsError> {
    let here = root.stat(dir)?;
    if here.kind != EntryKind::Dir {
        // MLSD of a file is an error (RFC 3659 §7.1); MLST serves files.
        return Err(FsError::NotADirectory);
    }
    let mut out = Vec::new();
    if selected(facts, "type") {
        out = facts_line(&here, b".", true, facts);
        out.extend_from_slice(b"\r\n");
    }
    for e in root.list(dir)? {
        out.extend_from_slice(&facts_line(&e, &e.name, false, facts));
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn sandbox(tag: &str) -> (PathBuf, Root) {
        let dir = std::env::temp_dir().join(std::format!(
            "ftps-proto-fs-unit-{tag}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let root = Root::new(&dir).unwrap();
        (dir, root)
    }

    fn vp(name: &str) -> VirtualPath {
        VirtualPath::root().join(name.as_bytes()).unwrap()
    }

    fn names(dir: &Path) -> Vec<std::string::String> {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn permanent_os_errors_are_not_local_errors() {
        let kind = |k| FsError::from(io::Error::from(k));
        // ENAMETOOLONG (an overlong name) was a 451 "local error"; it is a name not allowed.
        assert!(matches!(
            kind(io::ErrorKind::InvalidFilename),
            FsError::InvalidName
        ));
        assert!(matches!(
            FsError::from(io::Error::from_raw_os_error(36)),
            FsError::InvalidName
        ));
        assert!(matches!(
            kind(io::ErrorKind::ReadOnlyFilesystem),
            FsError::PermissionDenied
        ));
        assert!(matches!(kind(io::ErrorKind::Interrupted), FsError::Io(_)));
    }

    #[test]
    fn offered_facts_keep_only_what_facts_line_produces() {
        // RFC 3659 §7.8: FEAT lists the facts the server can send.
        assert_eq!(
            offered_facts(b"type*;lang*;Size;modify*;media-type;unique;"),
            b"type*;Size;modify*;unique;"
        );
        assert_eq!(offered_facts(MLST_FACTS.as_bytes()), MLST_FACTS.as_bytes());
        assert_eq!(offered_facts(b""), b"");
    }

    #[test]
    fn facts_line_writes_only_the_selected_facts() {
        let (dir, root) = sandbox("facts");
        fs::write(dir.join("f"), b"12345").unwrap();
        let e = root.stat(&vp("f")).unwrap();
        let line =
            std::string::String::from_utf8(facts_line(&e, b"f", false, b"SIZE;type;")).unwrap();
        assert_eq!(line, "type=file;size=5; f");
        let none = facts_line(&e, b"f", false, b"");
        assert_eq!(none, b" f");
        let all = std::string::String::from_utf8(facts_line(
            &e,
            b"f",
            false,
            b"type;size;modify;perm;unique;",
        ))
        .unwrap();
        assert!(all.contains(";perm=") && all.contains(";unique="), "{all}");
        let _ = fs::remove_dir_all(&dir);
    }

    /// Writes `data` through a planned upload of `name` and settles it.
    fn store(
        root: &Root,
        name: &str,
        mode: WriteMode,
        policy: PartialUploads,
        data: &[u8],
        complete: bool,
    ) {
        let (mut sink, upload) = root
            .plan_write(&vp(name), mode, policy)
            .unwrap()
            .open()
            .unwrap();
        sink.write_all(data).unwrap();
        upload.finish(complete).unwrap();
        // Once settled, the data connection can no longer write.
        assert!(sink.write(b"late").is_err());
    }

    #[test]
    fn planning_an_upload_touches_nothing() {
        let (dir, root) = sandbox("plan");
        fs::write(dir.join("old"), b"previous").unwrap();
        for policy in [
            PartialUploads::Keep,
            PartialUploads::Delete,
            PartialUploads::Temporary,
        ] {
            let plan = root
                .plan_write(&vp("old"), WriteMode::Truncate, policy)
                .unwrap();
            drop(plan);
            assert_eq!(fs::read(dir.join("old")).unwrap(), b"previous");
        }
        assert_eq!(names(&dir), ["old"]);
        // Refusals are known at plan time: REST past the end, a directory, a long name.
        assert!(matches!(
            root.plan_write(&vp("old"), WriteMode::At(9), PartialUploads::Keep),
            Err(FsError::RestartPastEnd { offset: 9, size: 8 })
        ));
        assert!(matches!(
            root.plan_write(&vp("missing"), WriteMode::At(1), PartialUploads::Keep),
            Err(FsError::RestartPastEnd { offset: 1, size: 0 })
        ));
        assert!(matches!(
            root.plan_write(
                &vp(&"x".repeat(300)),
                WriteMode::Truncate,
                PartialUploads::Keep
            ),
            Err(FsError::InvalidName)
        ));
        assert!(root
            .plan_write(&vp("old"), WriteMode::At(8), PartialUploads::Keep)
            .is_ok());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn temporary_uploads_are_renamed_on_success_and_removed_on_failure() {
        let (dir, root) = sandbox("temporary");
        fs::write(dir.join("t"), b"previous").unwrap();
        fs::set_permissions(dir.join("t"), fs::Permissions::from_mode(0o640)).unwrap();
        let t = PartialUploads::Temporary;
        // Failed: the previous version stays, no temporary file.
        store(&root, "t", WriteMode::Truncate, t, b"new, cut", false);
        assert_eq!(fs::read(dir.join("t")).unwrap(), b"previous");
        assert_eq!(names(&dir), ["t"]);
        // While an upload runs, the target is the previous version.
        let (mut sink, upload) = root
            .plan_write(&vp("t"), WriteMode::Truncate, t)
            .unwrap()
            .open()
            .unwrap();
        sink.write_all(b"new version").unwrap();
        assert_eq!(fs::read(dir.join("t")).unwrap(), b"previous");
        // The temporary file exists, and no listing shows it.
        assert_eq!(names(&dir).len(), 2);
        let listed: Vec<_> = root
            .list(&VirtualPath::root())
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(listed, [b"t".to_vec()]);
        upload.finish(true).unwrap();
        assert_eq!(fs::read(dir.join("t")).unwrap(), b"new version");
        assert_eq!(
            fs::metadata(dir.join("t")).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(names(&dir), ["t"]);
        // Resumed uploads go in place and are kept when cut.
        store(&root, "t", WriteMode::At(3), t, b"-resumed", false);
        assert_eq!(fs::read(dir.join("t")).unwrap(), b"new-resumed");
        store(&root, "t", WriteMode::Append, t, b"+more", false);
        assert_eq!(fs::read(dir.join("t")).unwrap(), b"new-resumed+more");
        // An upload dropped unsettled (the session ended) counts as failed.
        let (mut sink, upload) = root
            .plan_write(&vp("t"), WriteMode::Truncate, t)
            .unwrap()
            .open()
            .unwrap();
        sink.write_all(b"x").unwrap();
        drop(upload);
        assert_eq!(fs::read(dir.join("t")).unwrap(), b"new-resumed+more");
        assert_eq!(names(&dir), ["t"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn delete_removes_what_a_failed_upload_wrote_and_keep_keeps_it() {
        let (dir, root) = sandbox("delete");
        let d = PartialUploads::Delete;
        fs::write(dir.join("d"), b"0123456789").unwrap();
        store(&root, "d", WriteMode::At(4), d, b"abcdefgh", false);
        assert_eq!(fs::read(dir.join("d")).unwrap(), b"0123");
        store(&root, "d", WriteMode::Append, d, b"xyz", false);
        assert_eq!(fs::read(dir.join("d")).unwrap(), b"0123");
        store(&root, "d", WriteMode::Truncate, d, b"cut", false);
        assert!(!dir.join("d").exists());
        store(&root, "d", WriteMode::CreateNew, d, b"stou", false);
        assert!(!dir.join("d").exists());
        store(&root, "d", WriteMode::Truncate, d, b"whole", true);
        assert_eq!(fs::read(dir.join("d")).unwrap(), b"whole");

        let k = PartialUploads::Keep;
        store(&root, "k", WriteMode::Truncate, k, b"partial", false);
        assert_eq!(fs::read(dir.join("k")).unwrap(), b"partial");
        store(&root, "k", WriteMode::At(4), k, b"IAL!", false);
        assert_eq!(fs::read(dir.join("k")).unwrap(), b"partIAL!");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_abandoned_stou_leaves_no_file() {
        let (dir, root) = sandbox("abandon");
        for policy in [
            PartialUploads::Keep,
            PartialUploads::Delete,
            PartialUploads::Temporary,
        ] {
            let (_, upload) = root
                .plan_write(&vp("u"), WriteMode::CreateNew, policy)
                .unwrap()
                .open()
                .unwrap();
            assert!(dir.join("u").exists());
            upload.abandon();
            assert!(!dir.join("u").exists(), "{policy:?}");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn chmod_sets_permission_bits_only_and_never_on_the_root() {
        let (dir, root) = sandbox("chmod");
        fs::write(dir.join("f"), b"").unwrap();
        root.set_mode(&vp("f"), 0o600).unwrap();
        assert_eq!(
            fs::metadata(dir.join("f")).unwrap().permissions().mode() & 0o7777,
            0o600
        );
        assert!(matches!(
            root.set_mode(&vp("f"), 0o4755),
            Err(FsError::PermissionDenied)
        ));
        assert!(matches!(
            root.set_mode(&VirtualPath::root(), 0o755),
            Err(FsError::PermissionDenied)
        ));
        assert!(matches!(
            root.set_mode(&vp("missing"), 0o644),
            Err(FsError::NotFound)
        ));
        let _ = fs::remove_dir_all(&dir);
    }
}
