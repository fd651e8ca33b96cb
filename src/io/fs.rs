//! A rooted local file system for the server adapters: FTP path names in, files and
//! directory listings out, and nothing outside the root ever reachable.
//!
//! Owns: resolving an FTP path name against a virtual working directory ([`VirtualPath`]),
//! mapping it below a canonical root directory ([`Root`]) with a containment check after
//! every symbolic link is resolved, the file operations a server performs (open for RETR,
//! STOR/APPE/REST+STOR/STOU, DELE, MKD, RMD, RNFR/RNTO, SIZE, MDTM, MFMT) and the formats of
//! listings: `ls -l` lines for LIST, names for NLST and the facts of MLSD/MLST (RFC 3659 §7).
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

    /// Opens (creating if needed) a plain file for STOR, APPE, REST+STOR or STOU.
    pub fn open_write(&self, v: &VirtualPath, mode: WriteMode) -> Result<File, FsError> {
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
            _ => full,
        };
        let mut opts = OpenOptions::new();
        opts.write(true);
        match mode {
            WriteMode::Truncate => opts.create(true).truncate(true),
            WriteMode::Append => opts.create(true).append(true),
            WriteMode::At(_) => opts.create(true).truncate(false),
            WriteMode::CreateNew => opts.create_new(true),
        };
        let mut f = opts.open(&target)?;
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

    /// The entries of a directory (LIST, NLST, MLSD), sorted by name, `.` and `..` left
    /// out, and names with CR or LF left out (no listing format can carry them). Links that
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
            if has_line_break(&name) {
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

/// The facts of an entry, as MLSD lines and MLST's second line carry them (RFC 3659 §7.2,
/// §7.5): `type=file;size=1234;modify=20261121083000;perm=adfrw;unique=803U1a2b;` followed
/// by a space and `name`, without line end. `cdir` marks MLSD's heading entry (§7.5.1.2).
pub fn facts_line(e: &Entry, name: &[u8], cdir: bool) -> Vec<u8> {
    let [year, mon, day, hour, minute, second] = e.modified_fields();
    let ty = match (cdir, e.kind) {
        (true, _) => "cdir",
        (false, EntryKind::File) => "file",
        (false, EntryKind::Dir) => "dir",
        (false, EntryKind::Symlink) => "OS.unix=symlink",
        (false, EntryKind::Other) => "OS.unix=special",
    };
    let mut s = std::format!("type={ty};");
    if e.kind == EntryKind::File {
        s.push_str(&std::format!("size={};", e.size));
    }
    s.push_str(&std::format!(
        "modify={:04}{:02}{:02}{:02}{:02}{:02};perm={};unique={:x}U{:x}; ",
        year,
        mon,
        day,
        hour,
        minute,
        second,
        perm_fact(e),
        e.dev_ino.0,
        e.dev_ino.1
    ));
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

/// MLSD's data: a `cdir` heading named `.` (as ProFTPD and pure-ftpd write it: rclone and
/// aioftp take an absolute name there for one more entry), then one facts line per entry,
/// each CRLF-terminated (RFC 3659 §7.2).
pub fn mlsd_listing(root: &Root, dir: &VirtualPath) -> Result<Vec<u8>, FsError> {
    let here = root.stat(dir)?;
    if here.kind != EntryKind::Dir {
        // MLSD of a file is an error (RFC 3659 §7.1); MLST serves files.
        return Err(FsError::NotADirectory);
    }
    let mut out = facts_line(&here, b".", true);
    out.extend_from_slice(b"\r\n");
    for e in root.list(dir)? {
        out.extend_from_slice(&facts_line(&e, &e.name, false));
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
}
