//! The storage side of the server adapters, run against each adapter like the transcripts
//! of the parent module: uploads touch nothing before the transfer starts, what a cut upload
//! leaves under each [`PartialUploads`] policy, REST bounds (RFC 3659 §5.3, RFC 1123
//! §4.1.3.4: 554), reply codes for names (RFC 959 §5.4: 553 where a file is created), the
//! MLSD heading, SIZE and REST under TYPE A (RFC 3659 §4, §5.2), OPTS MLST and FEAT (RFC 3659
//! §7.8, §7.9), STAT 212/213 (RFC 959 §4.2) and SITE HELP/CHMOD.
//!
//! Owns these test bodies and their fixture ([`start_storage`]); the client is the parent's.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use ftps_proto::io::blocking::server::{PartialUploads, ServerOptions, User};
use ftps_proto::io::fs::MLST_FACTS;
use ftps_proto::server::Config;
use ftps_proto::types::Text;

use ftps_proto::io::tls::{ClientTlsOptions, TrustRoots};

use super::{identity, strict, Adapter, Client, Conn, Running};

/// Each storage test as a `#[test]` against one adapter: `server_io_storage_tests!(Blocking);`.
macro_rules! server_io_storage_tests {
    ($adapter:ty) => {
        server_io_storage_tests!(@each $adapter;
            refused_stor_leaves_the_existing_file_untouched,
            cut_upload_under_each_partial_upload_policy,
            resumed_uploads_after_a_cut_under_each_policy,
            rest_past_the_end_is_554_and_makes_no_sparse_file,
            overlong_names_are_553_where_created_and_550_elsewhere,
            mlsd_heading_is_cdir_dot,
            size_and_rest_in_type_a_count_transferred_octets,
            opts_mlst_selects_the_facts_of_mlsd_and_mlst_and_feat_lists_them,
            stat_of_a_directory_is_212_and_of_a_file_213,
            site_help_and_site_chmod,
        );
    };
    (@each $adapter:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::server_io_support::storage::$name::<$adapter>()
            }
        )*
    };
}

/// A server like the parent's [`super::start`], with `policy` for partial uploads.
pub fn start_storage<A: Adapter>(tag: &str, config: Config, policy: PartialUploads) -> Running {
    let (cert, tls) = identity::localhost();
    let tls = tls.build().unwrap();
    let root = std::env::temp_dir().join(format!(
        "ftps-proto-{}-storage-{tag}-{}",
        A::NAME,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("pub")).unwrap();
    std::fs::write(root.join("pub/hello.txt"), b"hello\r\n").unwrap();
    let mut o = ServerOptions::new(tls, root.clone());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.implicit = Some("127.0.0.1:0".parse().unwrap());
    o.users.push(User::with_password("alice", "secret"));
    o.session = config;
    o.partial_uploads = policy;
    let server = A::launch(o);
    let mut c = ClientTlsOptions::default();
    c.roots = TrustRoots::Certificates(vec![cert.clone()]);
    Running {
        explicit: server.explicit.unwrap(),
        implicit: server.implicit.unwrap(),
        root,
        client: c.build().unwrap(),
        cert,
        server: Some(server),
    }
}

/// Logged in as alice over TLS, PROT P, TYPE I.
fn logged_in(srv: &Running) -> Client {
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    c
}

/// C: `cmd` (a transfer command) on a fresh EPSV data connection; `data` is written and the
/// upload ended with close_notify (`clean`) or cut (TCP closed without it). Returns the
/// final reply code, or the refusal's.
fn upload(c: &mut Client, srv: &Running, cmd: &str, data: &[u8], clean: bool) -> u16 {
    let mut conn = c.epsv(&srv.client);
    let r = c.ctl.as_mut().unwrap().get_mut();
    r.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
    r.flush().unwrap();
    let (code, _) = c.reply();
    if code != 150 && code != 125 {
        return code;
    }
    conn.write_all(data).unwrap();
    conn.flush().unwrap();
    if let Conn::Tls(s) = &mut conn {
        if clean {
            s.conn.send_close_notify();
            s.flush().unwrap();
            s.sock.shutdown(std::net::Shutdown::Write).unwrap();
        } else {
            // Give the server the bytes before the cut, so the cut is all it sees.
            std::thread::sleep(Duration::from_millis(100));
            s.sock.shutdown(std::net::Shutdown::Both).unwrap();
        }
    }
    let code = c.reply().0;
    drop(conn);
    code
}

/// C: `cmd` (a download) on a fresh EPSV data connection; the bytes and the final code.
fn download(c: &mut Client, srv: &Running, cmd: &str) -> (u16, Vec<u8>) {
    let mut conn = c.epsv(&srv.client);
    let r = c.ctl.as_mut().unwrap().get_mut();
    r.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
    r.flush().unwrap();
    let (code, _) = c.reply();
    if code != 150 && code != 125 {
        return (code, Vec::new());
    }
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    (c.reply().0, got)
}

/// The names in the root directory that are not the fixture's or the test's own.
fn leftovers(srv: &Running, expected: &[&str]) -> Vec<String> {
    std::fs::read_dir(&srv.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "pub" && !expected.contains(&n.as_str()))
        .collect()
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

/// Run per adapter by `server_io_storage_tests!`: a STOR whose data connection is refused
/// (522, not resuming TLS) or never comes (425) leaves the existing file byte for byte, even
/// under [`PartialUploads::Keep`] (nothing is opened before the transfer starts).
pub fn refused_stor_leaves_the_existing_file_untouched<A: Adapter>() {
    let config = strict().with_data_connection_timeout(Duration::from_millis(500));
    let srv = start_storage::<A>("refused", config, PartialUploads::Keep);
    let old = payload(10_000);
    std::fs::write(srv.root.join("keep.bin"), &old).unwrap();
    let mut c = logged_in(&srv);

    // C: EPSV, a data connection that does not resume the control session, C: STOR: 522.
    let mut fresh = rustls::ClientConfig::clone(&srv.client);
    fresh.resumption = rustls::client::Resumption::in_memory_sessions(4);
    let fresh = std::sync::Arc::new(fresh);
    // The handshake after the 150 (lftp's order): the STOR was accepted first.
    let port = c.epsv_port();
    let mut data = super::data_connection(port, &fresh);
    c.start("STOR keep.bin");
    if let Conn::Tls(s) = &mut data {
        while s.conn.is_handshaking() {
            if s.conn.complete_io(&mut s.sock).is_err() {
                break;
            }
        }
    }
    assert_eq!(c.reply().0, 522);
    drop(data);
    c.cmd("NOOP", 200);
    assert_eq!(std::fs::read(srv.root.join("keep.bin")).unwrap(), old);

    // C: EPSV, C: STOR, and no data connection ever: 425 after the data timeout.
    c.epsv_port();
    c.start("STOR keep.bin");
    assert_eq!(c.reply().0, 425);
    c.cmd("NOOP", 200);
    assert_eq!(std::fs::read(srv.root.join("keep.bin")).unwrap(), old);
    assert_eq!(leftovers(&srv, &["keep.bin"]), Vec::<String>::new());

    // A STOU refused the same way leaves no file behind either.
    c.epsv_port();
    c.start("STOU");
    assert_eq!(c.reply().0, 425);
    c.cmd("NOOP", 200);
    assert_eq!(leftovers(&srv, &["keep.bin"]), Vec::<String>::new());
}

/// Run per adapter by `server_io_storage_tests!`: a plain STOR over an existing file, cut
/// (426), under each policy; then a complete one.
pub fn cut_upload_under_each_partial_upload_policy<A: Adapter>() {
    let old = payload(5_000);
    let new = payload(200_000).into_iter().rev().collect::<Vec<u8>>();
    for policy in [
        PartialUploads::Temporary,
        PartialUploads::Keep,
        PartialUploads::Delete,
    ] {
        let srv = start_storage::<A>(&format!("cut-{policy:?}"), strict(), policy);
        std::fs::write(srv.root.join("f.bin"), &old).unwrap();
        let mut c = logged_in(&srv);
        assert_eq!(upload(&mut c, &srv, "STOR f.bin", &new, false), 426);
        let size = c.cmd(
            "SIZE f.bin",
            match policy {
                PartialUploads::Delete => 550,
                _ => 213,
            },
        );
        let on_disk = std::fs::read(srv.root.join("f.bin")).ok();
        match policy {
            // The previous version, whole; no temporary file left.
            PartialUploads::Temporary => {
                assert_eq!(on_disk.as_deref(), Some(&old[..]));
                assert!(size.starts_with("213 5000"), "{size}");
            }
            // The partial file, reported by SIZE like any other.
            PartialUploads::Keep => {
                let got = on_disk.unwrap();
                assert!(!got.is_empty() && got.len() <= new.len());
                assert_eq!(got, new[..got.len()]);
                assert!(size.starts_with(&format!("213 {}", got.len())), "{size}");
            }
            PartialUploads::Delete => assert_eq!(on_disk, None),
            _ => unreachable!(),
        }
        assert_eq!(
            leftovers(&srv, &["f.bin"]),
            Vec::<String>::new(),
            "{policy:?}"
        );
        // A complete upload replaces the file (renamed into place under Temporary).
        assert_eq!(upload(&mut c, &srv, "STOR f.bin", &new, true), 226);
        c.cmd("NOOP", 200);
        assert_eq!(std::fs::read(srv.root.join("f.bin")).unwrap(), new);
        assert_eq!(
            leftovers(&srv, &["f.bin"]),
            Vec::<String>::new(),
            "{policy:?}"
        );
    }
}

/// Run per adapter by `server_io_storage_tests!`: a resumed upload (REST n + STOR, APPE),
/// cut: kept in place under Temporary and Keep (so it can be resumed again from SIZE, as
/// lftp `put -c` and curl `-C -` do), cut back to where it restarted under Delete.
pub fn resumed_uploads_after_a_cut_under_each_policy<A: Adapter>() {
    let whole = payload(300_000);
    for policy in [
        PartialUploads::Temporary,
        PartialUploads::Keep,
        PartialUploads::Delete,
    ] {
        let srv = start_storage::<A>(&format!("resume-{policy:?}"), strict(), policy);
        std::fs::write(srv.root.join("r.bin"), &whole[..1000]).unwrap();
        let mut c = logged_in(&srv);
        // C: SIZE r.bin  S: 213 1000  C: REST 1000  C: STOR r.bin, cut.
        assert!(c.cmd("SIZE r.bin", 213).starts_with("213 1000"));
        c.cmd("REST 1000", 350);
        assert_eq!(
            upload(&mut c, &srv, "STOR r.bin", &whole[1000..], false),
            426
        );
        c.cmd("NOOP", 200);
        let got = std::fs::read(srv.root.join("r.bin")).unwrap();
        match policy {
            PartialUploads::Delete => assert_eq!(got, &whole[..1000], "{policy:?}"),
            _ => {
                assert!(got.len() > 1000, "{policy:?}: {}", got.len());
                assert_eq!(got, &whole[..got.len()], "{policy:?}");
            }
        }
        // Resumed again from SIZE with APPE (curl -C -): cut, then complete.
        let at = std::fs::metadata(srv.root.join("r.bin")).unwrap().len() as usize;
        assert_eq!(upload(&mut c, &srv, "APPE r.bin", &whole[at..], false), 426);
        c.cmd("NOOP", 200);
        let got = std::fs::read(srv.root.join("r.bin")).unwrap();
        if policy == PartialUploads::Delete {
            assert_eq!(got.len(), at, "APPE cut back to its start");
        }
        assert_eq!(got, &whole[..got.len()], "{policy:?}");
        let size = c.cmd("SIZE r.bin", 213);
        let at: usize = size[4..].trim().parse().unwrap();
        c.cmd(&format!("REST {at}"), 350);
        assert_eq!(upload(&mut c, &srv, "STOR r.bin", &whole[at..], true), 226);
        c.cmd("NOOP", 200);
        assert_eq!(std::fs::read(srv.root.join("r.bin")).unwrap(), whole);
        assert_eq!(leftovers(&srv, &["r.bin"]), Vec::<String>::new());
    }
}

/// Run per adapter by `server_io_storage_tests!`: RFC 3659 §5.3 (a restart marker out of
/// range is reported at the transfer command), RFC 1123 §4.1.3.4 (554).
pub fn rest_past_the_end_is_554_and_makes_no_sparse_file<A: Adapter>() {
    let srv = start_storage::<A>("rest", strict(), PartialUploads::default());
    std::fs::write(srv.root.join("ten.bin"), b"0123456789").unwrap();
    let mut c = logged_in(&srv);
    // C: REST 1099511627776  C: STOR ten.bin  S: 554 (no 1 TiB sparse file)
    c.cmd("REST 1099511627776", 350);
    assert_eq!(upload(&mut c, &srv, "STOR ten.bin", b"x", true), 554);
    c.cmd("REST 11", 350);
    assert_eq!(upload(&mut c, &srv, "STOR ten.bin", b"x", true), 554);
    assert_eq!(
        std::fs::read(srv.root.join("ten.bin")).unwrap(),
        b"0123456789"
    );
    // A missing file has size 0.
    c.cmd("REST 5", 350);
    assert_eq!(upload(&mut c, &srv, "STOR none.bin", b"x", true), 554);
    assert!(!srv.root.join("none.bin").exists());
    // RETR: past the end 554, at the end an empty transfer.
    c.cmd("REST 11", 350);
    assert_eq!(download(&mut c, &srv, "RETR ten.bin").0, 554);
    c.cmd("REST 18446744073709551615", 350);
    assert_eq!(download(&mut c, &srv, "RETR ten.bin").0, 554);
    c.cmd("REST 10", 350);
    assert_eq!(download(&mut c, &srv, "RETR ten.bin"), (226, Vec::new()));
    // At the end: an append.
    c.cmd("REST 10", 350);
    assert_eq!(upload(&mut c, &srv, "STOR ten.bin", b"AB", true), 226);
    c.cmd("NOOP", 200);
    assert_eq!(
        std::fs::read(srv.root.join("ten.bin")).unwrap(),
        b"0123456789AB"
    );
}

/// Run per adapter by `server_io_storage_tests!`: a name longer than the system allows
/// (ENAMETOOLONG) is a permanent error, never 451: 553 where RFC 959 §5.4 lists it (STOR,
/// APPE, RNTO: "553 Requested action not taken. File name not allowed"), 550 elsewhere.
pub fn overlong_names_are_553_where_created_and_550_elsewhere<A: Adapter>() {
    let srv = start_storage::<A>("longname", strict(), PartialUploads::default());
    let long = "n".repeat(300);
    let mut c = logged_in(&srv);
    assert_eq!(
        upload(&mut c, &srv, &format!("STOR {long}"), b"x", true),
        553
    );
    assert_eq!(
        upload(&mut c, &srv, &format!("APPE {long}"), b"x", true),
        553
    );
    assert_eq!(download(&mut c, &srv, &format!("RETR {long}")).0, 550);
    c.cmd(&format!("SIZE {long}"), 550);
    c.cmd(&format!("DELE {long}"), 550);
    c.cmd(&format!("MKD {long}"), 550);
    c.cmd(&format!("CWD {long}"), 550);
    c.cmd("RNFR pub/hello.txt", 350);
    c.cmd(&format!("RNTO {long}"), 553);
    assert!(srv.root.join("pub/hello.txt").exists());
}

/// Run per adapter by `server_io_storage_tests!`: the MLSD heading is `type=cdir;... .`
/// (RFC 3659 §7.2 allows any name for it; `.` is what clients that ignore the type fact
/// skip), never the absolute path.
pub fn mlsd_heading_is_cdir_dot<A: Adapter>() {
    let srv = start_storage::<A>("cdir", strict(), PartialUploads::default());
    std::fs::create_dir_all(srv.root.join("tree/sub")).unwrap();
    let mut c = logged_in(&srv);
    for cmd in ["MLSD tree", "MLSD /tree", "MLSD"] {
        let (code, listing) = download(&mut c, &srv, cmd);
        assert_eq!(code, 226);
        let listing = String::from_utf8(listing).unwrap();
        let first = listing.lines().next().unwrap();
        assert!(first.starts_with("type=cdir;"), "{cmd}: {first}");
        assert!(first.ends_with("; ."), "{cmd}: {first}");
        assert_eq!(listing.matches("type=cdir;").count(), 1);
        assert!(!listing.contains("/tree"), "{listing}");
    }
}

/// Run per adapter by `server_io_storage_tests!`: RFC 3659 §4 (SIZE is the size as
/// transferred: each of the N stored line ends is 2 octets under TYPE A) and §5.2 (REST
/// offsets in ASCII mode count transferred octets, for RETR and for STOR).
pub fn size_and_rest_in_type_a_count_transferred_octets<A: Adapter>() {
    let srv = start_storage::<A>("ascii-size", strict(), PartialUploads::default());
    let stored = b"line one\nline two\n\nfour\nlast line\n".to_vec();
    let n = stored.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(n, 5);
    std::fs::write(srv.root.join("t.txt"), &stored).unwrap();
    let wire: Vec<u8> = stored
        .iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect();
    let mut c = logged_in(&srv);
    assert!(c
        .cmd("SIZE t.txt", 213)
        .starts_with(&format!("213 {}\r\n", stored.len())));
    c.cmd("TYPE A", 200);
    assert!(c
        .cmd("SIZE t.txt", 213)
        .starts_with(&format!("213 {}\r\n", stored.len() + n)));
    let (code, got) = download(&mut c, &srv, "RETR t.txt");
    assert_eq!((code, got.len()), (226, stored.len() + n));
    assert_eq!(got, wire);
    // C: REST k  C: RETR: the transferred form from octet k, for every k, including the
    // points between a CR and its LF. A fresh session every few transfers: a rustls client
    // spends a TLS 1.3 ticket per data connection, and how many a session gets is not what
    // this test is about (issue 10).
    for k in 0..=wire.len() {
        if k % 6 == 5 {
            c = logged_in(&srv);
            c.cmd("TYPE A", 200);
        }
        c.cmd(&format!("REST {k}"), 350);
        let (code, got) = download(&mut c, &srv, "RETR t.txt");
        assert_eq!(code, 226);
        assert_eq!(got, &wire[k..], "REST {k}");
    }
    c.cmd(&format!("REST {}", wire.len() + 1), 350);
    assert_eq!(download(&mut c, &srv, "RETR t.txt").0, 554);
    // C: REST k  C: STOR (a resumed ASCII upload): the stored file is whole again, also when
    // k falls between a CR and its LF ("line one\r" | "\n...").
    let mut c = logged_in(&srv);
    c.cmd("TYPE A", 200);
    for k in [9usize, 10, 21, wire.len()] {
        std::fs::write(srv.root.join("u.txt"), &stored).unwrap();
        c.cmd(&format!("REST {k}"), 350);
        assert_eq!(upload(&mut c, &srv, "STOR u.txt", &wire[k..], true), 226);
        c.cmd("NOOP", 200);
        assert_eq!(
            std::fs::read(srv.root.join("u.txt")).unwrap(),
            stored,
            "REST {k}"
        );
    }
    c.cmd(&format!("REST {}", wire.len() + 1), 350);
    assert_eq!(upload(&mut c, &srv, "STOR u.txt", b"x", true), 554);
}

/// The facts (names, lower case) of an MLSx entry line.
fn fact_names(line: &str) -> Vec<String> {
    let (facts, _) = line.trim_start().split_once(' ').unwrap();
    facts
        .split_terminator(';')
        .map(|f| f.split('=').next().unwrap().to_ascii_lowercase())
        .collect()
}

/// FEAT's MLST line.
fn feat_mlst(c: &mut Client) -> String {
    let feat = c.cmd("FEAT", 211);
    feat.lines()
        .find(|l| l.starts_with(" MLST "))
        .unwrap()
        .trim()
        .to_string()
}

/// Run per adapter by `server_io_storage_tests!`: RFC 3659 §7.8 (FEAT lists the facts the
/// server can send, `*` on those it sends) and §7.9 (OPTS MLST selects the facts of both
/// MLST and MLSD).
pub fn opts_mlst_selects_the_facts_of_mlsd_and_mlst_and_feat_lists_them<A: Adapter>() {
    // The adapters' default: all five facts the file system produces, all sent; a fact
    // the file system cannot produce (lang) is not offered.
    let facts = format!("{MLST_FACTS}lang*;");
    let config = strict().with_mlst_facts(Text::new(facts.into_bytes()).unwrap());
    let srv = start_storage::<A>("mlst", config, PartialUploads::default());
    let mut c = logged_in(&srv);
    assert_eq!(feat_mlst(&mut c), "MLST type*;size*;modify*;perm*;unique*;");
    let (_, listing) = download(&mut c, &srv, "MLSD pub");
    let listing = String::from_utf8(listing).unwrap();
    for l in listing.lines() {
        if l.starts_with("type=file") {
            assert_eq!(fact_names(l), ["type", "size", "modify", "perm", "unique"]);
        }
    }
    // C: OPTS MLST size;type;  S: 200 MLST OPTS size;type;
    c.cmd("OPTS MLST size;type;", 200);
    assert_eq!(feat_mlst(&mut c), "MLST type*;size*;modify;perm;unique;");
    let (_, listing) = download(&mut c, &srv, "MLSD pub");
    let listing = String::from_utf8(listing).unwrap();
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert_eq!(fact_names(lines[0]), ["type"]); // the cdir heading has no size
    assert_eq!(lines[1], "type=file;size=7; hello.txt");
    let mlst = c.cmd("MLST pub/hello.txt", 250);
    let entry = mlst.lines().nth(1).unwrap();
    assert_eq!(entry, " type=file;size=7; /pub/hello.txt");
    // Without the type fact, no cdir heading (RFC 3659 §7.5.1.2).
    c.cmd("OPTS MLST modify;", 200);
    let (_, listing) = download(&mut c, &srv, "MLSD pub");
    let listing = String::from_utf8(listing).unwrap();
    assert_eq!(listing.lines().count(), 1, "{listing}");
    assert_eq!(fact_names(listing.lines().next().unwrap()), ["modify"]);
    let mlst = c.cmd("MLST pub/hello.txt", 250);
    assert_eq!(fact_names(mlst.lines().nth(1).unwrap()), ["modify"]);
    c.cmd("QUIT", 221);

    // A session policy that offers fewer facts (the machine's default): FEAT lists exactly
    // those, and perm and unique are not sent.
    let srv = start_storage::<A>("mlst-default", strict(), PartialUploads::default());
    let mut c = logged_in(&srv);
    assert_eq!(feat_mlst(&mut c), "MLST type*;size*;modify*;");
    let (_, listing) = download(&mut c, &srv, "MLSD pub");
    let listing = String::from_utf8(listing).unwrap();
    for l in listing.lines() {
        let names = fact_names(l);
        assert!(!names.contains(&"perm".to_string()), "{l}");
        assert!(!names.contains(&"unique".to_string()), "{l}");
    }
    let mlst = c.cmd("MLST pub", 250);
    assert_eq!(fact_names(mlst.lines().nth(1).unwrap()), ["type", "modify"]);
}

/// Run per adapter by `server_io_storage_tests!`: RFC 959 §4.2 ("212 Directory status",
/// "213 File status") for STAT with a path name.
pub fn stat_of_a_directory_is_212_and_of_a_file_213<A: Adapter>() {
    let srv = start_storage::<A>("stat", strict(), PartialUploads::default());
    std::fs::write(srv.root.join("pub/second.txt"), b"2").unwrap();
    let mut c = logged_in(&srv);
    let dir = c.cmd("STAT pub", 212);
    assert!(
        dir.contains("hello.txt") && dir.contains("second.txt"),
        "{dir}"
    );
    let file = c.cmd("STAT pub/hello.txt", 213);
    assert!(file.contains("hello.txt"), "{file}");
    c.cmd("STAT /", 212);
    c.cmd("STAT missing", 550);
}

/// Run per adapter by `server_io_storage_tests!`: SITE HELP (200) and SITE CHMOD through the
/// rooted file system (200; 501 for a bad mode or a missing argument; 550 for a missing
/// file, the root, or a read-only user); an unknown SITE command is 500.
pub fn site_help_and_site_chmod<A: Adapter>() {
    let srv = start_storage::<A>(
        "site",
        strict().with_anonymous(true),
        PartialUploads::default(),
    );
    let file = srv.root.join("pub/hello.txt");
    let mode = || std::fs::metadata(&file).unwrap().permissions().mode() & 0o7777;
    let mut c = logged_in(&srv);
    let help = c.cmd("SITE HELP", 200);
    assert!(help.contains("CHMOD") && help.contains("HELP"), "{help}");
    c.cmd("SITE CHMOD 600 pub/hello.txt", 200);
    assert_eq!(mode(), 0o600);
    c.cmd("CWD pub", 250);
    c.cmd("site chmod 0644 hello.txt", 200);
    assert_eq!(mode(), 0o644);
    for bad in [
        "SITE CHMOD 9x9 hello.txt",
        "SITE CHMOD 4755 hello.txt",
        "SITE CHMOD 644",
    ] {
        c.cmd(bad, 501);
    }
    assert_eq!(mode(), 0o644);
    c.cmd("SITE CHMOD 644 missing.txt", 550);
    c.cmd("SITE CHMOD 700 /", 550);
    c.cmd("SITE CHMOD 644 ../../../etc/passwd", 550); // resolved inside the root: missing
    c.cmd("SITE EXEC rm -rf /", 500);
    c.cmd("QUIT", 221);

    // Anonymous is read-only: 550, the mode unchanged.
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.cmd("USER anonymous", 331);
    c.cmd("PASS guest@example.org", 230);
    c.cmd("SITE HELP", 200);
    c.cmd("SITE CHMOD 777 pub/hello.txt", 550);
    assert_eq!(mode(), 0o644);
}
