//! The rooted file system of the server adapters: nothing outside the root is reachable
//! (`..`, absolute names, symbolic links), names are bytes, and the listing formats (LIST
//! `ls -l`, NLST, MLSD facts of RFC 3659 §7) are what clients parse.
#![cfg(feature = "rustls")]

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::PathBuf;

use ftps_proto::io::fs::{
    facts_line, list_line, mlsd_listing, name_line, EntryKind, FsError, Root, VirtualPath,
    WriteMode,
};

/// A fresh directory with `served/` (the root) and `secret.txt` next to it.
struct Sandbox {
    dir: PathBuf,
    root: Root,
}

impl Sandbox {
    fn new(tag: &str) -> Sandbox {
        let dir = std::env::temp_dir().join(format!(
            "ftps-proto-fs-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("served/pub")).unwrap();
        std::fs::write(dir.join("secret.txt"), b"outside").unwrap();
        std::fs::write(dir.join("served/pub/readme.txt"), b"hello\n").unwrap();
        let root = Root::new(dir.join("served")).unwrap();
        Sandbox { dir, root }
    }
    fn served(&self) -> PathBuf {
        self.dir.join("served")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn vp(cwd: &str, name: &str) -> VirtualPath {
    VirtualPath::root()
        .join(cwd.as_bytes())
        .unwrap()
        .join(name.as_bytes())
        .unwrap()
}

#[test]
fn dot_dot_and_absolute_names_stay_below_the_virtual_root() {
    // C: CWD /pub   C: RETR ../../../secret.txt  -> /secret.txt inside the root
    assert_eq!(vp("/pub", "../../../secret.txt").as_bytes(), b"/secret.txt");
    assert_eq!(
        vp("/pub", "/../..//etc/./passwd").as_bytes(),
        b"/etc/passwd"
    );
    assert_eq!(vp("/pub", "..").as_bytes(), b"/");
    assert_eq!(vp("/", "a/b/../c/").as_bytes(), b"/a/c");
    assert_eq!(vp("/a", "").as_bytes(), b"/a");
    assert!(VirtualPath::root().join(b"a\0b").is_err());
    assert_eq!(vp("/a/b", "").parent().as_bytes(), b"/a");
    assert_eq!(VirtualPath::root().parent().as_bytes(), b"/");

    let s = Sandbox::new("dotdot");
    let mut f = s
        .root
        .open_read(&vp("/pub", "../../../pub/readme.txt"), 0)
        .unwrap();
    let mut got = String::new();
    f.read_to_string(&mut got).unwrap();
    assert_eq!(got, "hello\n");
    // The file next to the root is not reachable under any spelling.
    for name in ["../secret.txt", "/../secret.txt", "../../secret.txt"] {
        assert!(matches!(
            s.root.open_read(&vp("/pub", name), 0),
            Err(FsError::NotFound)
        ));
    }
}

#[test]
fn symlinks_leading_outside_are_refused_for_every_operation() {
    let s = Sandbox::new("symlink");
    symlink(s.dir.join("secret.txt"), s.served().join("escape.txt")).unwrap();
    symlink(&s.dir, s.served().join("updir")).unwrap();
    symlink(s.dir.join("not-yet"), s.served().join("dangling")).unwrap();
    let out = |n: &str| vp("/", n);

    assert!(matches!(
        s.root.open_read(&out("escape.txt"), 0),
        Err(FsError::OutsideRoot)
    ));
    assert!(matches!(
        s.root.open_read(&out("updir/secret.txt"), 0),
        Err(FsError::OutsideRoot)
    ));
    assert!(matches!(
        s.root.open_write(&out("escape.txt"), WriteMode::Truncate),
        Err(FsError::OutsideRoot)
    ));
    assert!(matches!(
        s.root
            .open_write(&out("updir/new.txt"), WriteMode::Truncate),
        Err(FsError::OutsideRoot)
    ));
    // Creating through a dangling link would create a file outside.
    assert!(matches!(
        s.root.open_write(&out("dangling"), WriteMode::Truncate),
        Err(FsError::OutsideRoot)
    ));
    assert!(!s.dir.join("not-yet").exists());
    assert!(matches!(
        s.root.check_dir(&out("updir")),
        Err(FsError::OutsideRoot)
    ));
    assert!(matches!(
        s.root.list(&out("updir")),
        Err(FsError::OutsideRoot)
    ));
    assert!(matches!(
        s.root.stat(&out("escape.txt")),
        Err(FsError::OutsideRoot)
    ));
    assert!(matches!(
        s.root.make_dir(&out("updir/x")),
        Err(FsError::OutsideRoot)
    ));
    assert!(matches!(
        s.root
            .rename(&out("pub/readme.txt"), &out("updir/stolen.txt")),
        Err(FsError::OutsideRoot)
    ));
    // DELE removes the link itself, never its target.
    s.root.remove_file(&out("escape.txt")).unwrap();
    assert_eq!(std::fs::read(s.dir.join("secret.txt")).unwrap(), b"outside");
    assert!(s.served().join("pub/readme.txt").exists());
    // The outside file was never changed.
    assert_eq!(std::fs::read(s.dir.join("secret.txt")).unwrap(), b"outside");
}

#[test]
fn symlinks_inside_the_root_are_followed_and_listed_as_their_target() {
    let s = Sandbox::new("inside");
    symlink("pub/readme.txt", s.served().join("link.txt")).unwrap();
    symlink(s.dir.join("secret.txt"), s.served().join("escape.txt")).unwrap();
    let mut got = Vec::new();
    s.root
        .open_read(&vp("/", "link.txt"), 0)
        .unwrap()
        .read_to_end(&mut got)
        .unwrap();
    assert_eq!(got, b"hello\n");
    let entries = s.root.list(&VirtualPath::root()).unwrap();
    let names: Vec<&[u8]> = entries.iter().map(|e| &e.name[..]).collect();
    assert_eq!(names, [&b"escape.txt"[..], b"link.txt", b"pub"]);
    assert_eq!(entries[0].kind, EntryKind::Symlink);
    assert_eq!(entries[0].size, 0, "the outside file's size must not leak");
    assert_eq!(entries[1].kind, EntryKind::File);
    assert_eq!(entries[1].size, 6);
    assert_eq!(entries[2].kind, EntryKind::Dir);
}

#[test]
fn root_given_through_a_symlink_is_canonicalised() {
    let s = Sandbox::new("rootlink");
    let alias = s.dir.join("alias");
    symlink(s.served(), &alias).unwrap();
    let root = Root::new(&alias).unwrap();
    assert_eq!(root.path(), std::fs::canonicalize(s.served()).unwrap());
    assert!(root.open_read(&vp("/pub", "readme.txt"), 0).is_ok());
}

#[test]
fn names_are_bytes_not_necessarily_utf8() {
    let s = Sandbox::new("bytes");
    let latin1 = b"caf\xe9.txt"; // ISO-8859-1, not UTF-8
    let utf8 = "r\u{e9}sum\u{e9}.txt";
    let p = VirtualPath::root().join(latin1).unwrap();
    s.root
        .open_write(&p, WriteMode::Truncate)
        .unwrap()
        .write_all(b"x")
        .unwrap();
    assert!(s.served().join(OsStr::from_bytes(latin1)).exists());
    s.root
        .open_write(&vp("/", utf8), WriteMode::Truncate)
        .unwrap();
    let names: Vec<Vec<u8>> = s
        .root
        .list(&VirtualPath::root())
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&latin1.to_vec()));
    assert!(names.contains(&utf8.as_bytes().to_vec()));
    // A name with a line break cannot be listed on a line, so it is left out, and cannot be
    // created through MKD.
    std::fs::write(s.served().join("evil\r\n226 done"), b"").unwrap();
    assert!(!s
        .root
        .list(&VirtualPath::root())
        .unwrap()
        .iter()
        .any(|e| e.name.contains(&b'\n')));
    assert!(matches!(
        s.root.make_dir(&vp("/", "a\nb")),
        Err(FsError::InvalidName)
    ));
}

#[test]
fn write_modes_stor_appe_rest_stou() {
    let s = Sandbox::new("write");
    let p = vp("/", "f.bin");
    s.root
        .open_write(&p, WriteMode::Truncate)
        .unwrap()
        .write_all(b"0123456789")
        .unwrap();
    // APPE
    s.root
        .open_write(&p, WriteMode::Append)
        .unwrap()
        .write_all(b"ab")
        .unwrap();
    assert_eq!(
        std::fs::read(s.served().join("f.bin")).unwrap(),
        b"0123456789ab"
    );
    // C: REST 4  C: STOR f.bin -> bytes after 4 replaced
    s.root
        .open_write(&p, WriteMode::At(4))
        .unwrap()
        .write_all(b"XY")
        .unwrap();
    assert_eq!(std::fs::read(s.served().join("f.bin")).unwrap(), b"0123XY");
    // C: REST 3  C: RETR f.bin
    let mut rest = String::new();
    s.root
        .open_read(&p, 3)
        .unwrap()
        .read_to_string(&mut rest)
        .unwrap();
    assert_eq!(rest, "3XY");
    // STOR truncates
    s.root.open_write(&p, WriteMode::Truncate).unwrap();
    assert_eq!(
        std::fs::metadata(s.served().join("f.bin")).unwrap().len(),
        0
    );
    // STOU
    assert!(matches!(
        s.root.open_write(&p, WriteMode::CreateNew),
        Err(FsError::AlreadyExists)
    ));
    let u = s.root.unique_name(&VirtualPath::root(), b"f.bin").unwrap();
    assert_eq!(u.as_bytes(), b"/f.bin.1");
    s.root.open_write(&u, WriteMode::CreateNew).unwrap();
    // A directory is not a file.
    assert!(matches!(
        s.root.open_write(&vp("/", "pub"), WriteMode::Truncate),
        Err(FsError::NotAFile)
    ));
    assert!(matches!(
        s.root.open_read(&vp("/", "pub"), 0),
        Err(FsError::NotAFile)
    ));
}

#[test]
fn mkd_rmd_dele_rename_and_the_root_itself() {
    let s = Sandbox::new("ops");
    s.root.make_dir(&vp("/", "new")).unwrap();
    assert!(matches!(
        s.root.make_dir(&vp("/", "new")),
        Err(FsError::AlreadyExists)
    ));
    s.root.check_dir(&vp("/", "new")).unwrap();
    assert!(matches!(
        s.root.check_dir(&vp("/pub", "readme.txt")),
        Err(FsError::NotADirectory)
    ));
    s.root.check_exists(&vp("/pub", "readme.txt")).unwrap();
    s.root
        .rename(&vp("/pub", "readme.txt"), &vp("/new", "moved.txt"))
        .unwrap();
    assert!(s.served().join("new/moved.txt").exists());
    assert!(matches!(
        s.root.remove_dir(&vp("/", "new")),
        Err(FsError::DirectoryNotEmpty)
    ));
    assert!(matches!(
        s.root.remove_file(&vp("/", "new")),
        Err(FsError::NotAFile)
    ));
    s.root.remove_file(&vp("/new", "moved.txt")).unwrap();
    s.root.remove_dir(&vp("/", "new")).unwrap();
    assert!(matches!(
        s.root.remove_file(&vp("/", "gone")),
        Err(FsError::NotFound)
    ));
    // The root has no name: it cannot be removed or renamed.
    assert!(matches!(
        s.root.remove_dir(&VirtualPath::root()),
        Err(FsError::InvalidName)
    ));
    assert!(matches!(
        s.root.rename(&VirtualPath::root(), &vp("/", "x")),
        Err(FsError::InvalidName)
    ));
    assert!(s.served().exists());
}

#[test]
fn mfmt_sets_the_time_that_mdtm_and_mlsd_show() {
    let s = Sandbox::new("mfmt");
    let p = vp("/pub", "readme.txt");
    let t = ftps_proto::types::Timestamp::new(1998, 8, 11, 13, 0, 5).unwrap();
    s.root.set_modified(&p, &t).unwrap();
    let e = s.root.stat(&p).unwrap();
    assert_eq!(e.modify_timestamp(), Some(t));
    let line = facts_line(&e, &e.name, false, b"type;size;modify;perm;unique;");
    let line = String::from_utf8(line).unwrap();
    assert!(
        line.starts_with("type=file;size=6;modify=19980811130005;perm="),
        "{line}"
    );
    assert!(line.ends_with("; readme.txt"), "{line}");
}

#[test]
fn list_line_is_ls_dash_l() {
    let s = Sandbox::new("list");
    let p = vp("/pub", "readme.txt");
    std::fs::set_permissions(
        s.served().join("pub/readme.txt"),
        std::os::unix::fs::PermissionsExt::from_mode(0o640),
    )
    .unwrap();
    let t = ftps_proto::types::Timestamp::new(2026, 11, 21, 8, 30, 0).unwrap();
    s.root.set_modified(&p, &t).unwrap();
    let e = s.root.stat(&p).unwrap();
    // Recent: hour and minute.
    let recent = list_line(&e, t.unix_seconds() + 3600);
    assert_eq!(
        String::from_utf8(recent).unwrap(),
        "-rw-r-----    1 ftp      ftp                 6 Nov 21 08:30 readme.txt\r\n"
    );
    // Older than six months: the year.
    let old = list_line(&e, t.unix_seconds() + 400 * 86_400);
    assert_eq!(
        String::from_utf8(old).unwrap(),
        "-rw-r-----    1 ftp      ftp                 6 Nov 21  2026 readme.txt\r\n"
    );
    let d = s.root.stat(&vp("/", "pub")).unwrap();
    assert!(list_line(&d, 0).starts_with(b"d"));
    assert_eq!(name_line(&e), b"readme.txt\r\n");
}

#[test]
fn mlsd_has_a_cdir_heading_and_one_line_per_entry() {
    let s = Sandbox::new("mlsd");
    std::fs::write(s.served().join("pub/b.bin"), vec![0u8; 1000]).unwrap();
    std::fs::create_dir(s.served().join("pub/sub")).unwrap();
    let listing = mlsd_listing(&s.root, &vp("/", "pub"), b"type;size;modify;perm;unique;").unwrap();
    let text = String::from_utf8(listing).unwrap();
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("type=cdir;modify="), "{}", lines[0]);
    // The heading is named `.` (RFC 3659 §7.2), not the listed path.
    assert!(lines[0].ends_with("; ."), "{}", lines[0]);
    assert!(lines[1].starts_with("type=file;size=1000;modify="));
    assert!(lines[1].ends_with("; b.bin"));
    assert!(lines[1].contains(";perm=adfrw;"), "{}", lines[1]);
    assert!(lines[2].ends_with("; readme.txt"));
    assert!(lines[3].starts_with("type=dir;modify="));
    assert!(lines[3].contains(";perm=cdfelmp;"), "{}", lines[3]);
    assert!(lines[3].ends_with("; sub"));
    // Every line parses as RFC 3659 §7.2 facts: name=value; pairs, one space, the name.
    for l in &lines {
        let (facts, name) = l.split_once("; ").unwrap();
        assert!(!name.is_empty());
        for f in facts.split(';') {
            let (k, v) = f.split_once('=').unwrap();
            assert!(!k.is_empty() && !v.is_empty(), "{l}");
        }
        assert!(facts.contains("unique="));
    }
    // MLSD of a file is an error (RFC 3659 §7.1: MLST serves files).
    assert!(matches!(
        mlsd_listing(&s.root, &vp("/pub", "readme.txt"), b"type;"),
        Err(FsError::NotADirectory)
    ));
    // LIST of a file lists that file.
    let one = s.root.list(&vp("/pub", "readme.txt")).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].name, b"readme.txt");
}
