//! Real-world samples: every control reply of a read-only FTPS session (banner, FEAT, AUTH TLS,
//! PBSZ/PROT, login, PWD, SIZE, MDTM, MLST, STAT listings, HELP, PASV, EPSV, QUIT) captured
//! byte for byte from vsftpd 3.0.3, Pure-FTPd 1.0.50, ProFTPD 1.3.8 and pyftpdlib 1.5.7 (the
//! interop servers of `tests/interop/`, on 127.0.0.1, TLS decrypted by the capturing client).
//!
//! Each reply is decoded (slice and streaming, whole session at once and byte by byte),
//! re-encoded to the same bytes, and read by the payload parser its command calls for. The
//! expected values are the ones visible in the captured text.
//!
//! LIST and MLSD listings from the same servers (over a TLS data connection) are read line by
//! line with `parse_list_line` and `parse_facts`.
//!
//! Quirks these servers show: Pure-FTPd's banner repeats `220-` on every line (and starts with
//! `220----------`); vsftpd's STAT listing lines start with `-` or `d` in column 0; ProFTPD's
//! start with a space; pyftpdlib ends its 229 text with `).`; HELP texts hold padded columns.

use std::net::SocketAddrV4;

use ftps_proto::codec::{
    decode_reply, parse_epsv_reply, parse_feat_reply, parse_list_line, parse_mdtm_reply,
    parse_mlst_reply, parse_pasv_reply, parse_pathname_reply, parse_size_reply, Limits, Reply,
    ReplyDecoder,
};
use ftps_proto::types::{FactName, FileType, Mechanism, ReplyCode, Timestamp};

/// One command sent and the raw reply bytes received.
type Exchange = (&'static str, &'static [u8]);

/// Control-connection replies captured from real servers, one entry per command sent.
const TRANSCRIPTS: &[(&str, &[Exchange])] = &[
    (
        "vsftpd",
        &[
            ("(connect)", b"220 (vsFTPd 3.0.3)\r\n"),
            ("FEAT", b"211-Features:\r\n AUTH TLS\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n"),
            ("AUTH TLS", b"234 Proceed with negotiation.\r\n"),
            ("PBSZ 0", b"200 PBSZ set to 0.\r\n"),
            ("PROT P", b"200 PROT now Private.\r\n"),
            ("USER ftpsuser", b"331 Please specify the password.\r\n"),
            ("PASS <password>", b"230 Login successful.\r\n"),
            ("SYST", b"215 UNIX Type: L8\r\n"),
            ("PWD", b"257 \"/\" is the current directory\r\n"),
            ("TYPE I", b"200 Switching to Binary mode.\r\n"),
            ("FEAT", b"211-Features:\r\n AUTH TLS\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n"),
            ("SIZE hello.txt", b"213 26\r\n"),
            ("MDTM hello.txt", b"213 20261121082748\r\n"),
            ("MLST hello.txt", b"500 Unknown command.\r\n"),
            ("MLST", b"500 Unknown command.\r\n"),
            ("STAT hello.txt", b"213-Status follows:\r\n-rw-r--r--    1 999      995            26 Nov 21 08:27 hello.txt\r\n213 End of status\r\n"),
            ("STAT .", b"213-Status follows:\r\ndrwxr-xr-x    2 999      995          4096 Nov 21 08:30 .\r\ndrwxr-xr-x    2 999      995          4096 Nov 21 08:30 ..\r\n-rw-r--r--    1 999      995        114688 Nov 21 08:29 curl-explicit-15797-small.bin\r\n-rw-r--r--    1 999      995            26 Nov 21 08:27 hello.txt\r\n-rw-r--r--    1 999      995        114688 Nov 21 08:29 lftp-implicit-15797-small.bin\r\n213 End of status\r\n"),
            ("SIZE missing.txt", b"550 Could not get file size.\r\n"),
            ("HELP", b"214-The following commands are recognized.\r\n ABOR ACCT ALLO APPE CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD\r\n MODE NLST NOOP OPTS PASS PASV PORT PWD  QUIT REIN REST RETR RMD  RNFR\r\n RNTO SITE SIZE SMNT STAT STOR STOU STRU SYST TYPE USER XCUP XCWD XMKD\r\n XPWD XRMD\r\n214 Help OK.\r\n"),
            ("STAT", b"211-FTP server status:\r\n     Connected to 127.0.0.1\r\n     Logged in as ftpsuser\r\n     TYPE: BINARY\r\n     No session bandwidth limit\r\n     Session timeout in seconds is 300\r\n     Control connection is encrypted\r\n     Data connections will be encrypted\r\n     At session startup, client count was 1\r\n     vsFTPd 3.0.3 - secure, fast, stable\r\n211 End of status\r\n"),
            ("NOOP", b"200 NOOP ok.\r\n"),
            ("PASV", b"227 Entering Passive Mode (127,0,0,1,156,65).\r\n"),
            ("EPSV", b"229 Entering Extended Passive Mode (|||40003|)\r\n"),
            ("QUIT", b"221 Goodbye.\r\n"),
        ],
    ),
    (
        "pure-ftpd",
        &[
            ("(connect)", b"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 25 allowed.\r\n220-Local time is now 08:31. Server port: 2122.\r\n220-This is a private system - No anonymous login\r\n220 You will be disconnected after 5 minutes of inactivity.\r\n"),
            ("FEAT", b"211-Extensions supported:\r\n UTF8\r\n EPRT\r\n IDLE\r\n MDTM\r\n SIZE\r\n MFMT\r\n REST STREAM\r\n MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\r\n MLSD\r\n PRET\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n TVFS\r\n ESTA\r\n PASV\r\n EPSV\r\n ESTP\r\n211 End.\r\n"),
            ("AUTH TLS", b"234 AUTH TLS OK.\r\n"),
            ("PBSZ 0", b"200 PBSZ=0\r\n"),
            ("PROT P", b"200 Data protection level set to \"private\"\r\n"),
            ("USER ftpsuser", b"331 User ftpsuser OK. Password required\r\n"),
            ("PASS <password>", b"230 OK. Current directory is /\r\n"),
            ("SYST", b"215 UNIX Type: L8\r\n"),
            ("PWD", b"257 \"/\" is your current location\r\n"),
            ("TYPE I", b"200 TYPE is now 8-bit binary\r\n"),
            ("FEAT", b"211-Extensions supported:\r\n UTF8\r\n EPRT\r\n IDLE\r\n MDTM\r\n SIZE\r\n MFMT\r\n REST STREAM\r\n MLST type*;size*;sizd*;modify*;UNIX.mode*;UNIX.uid*;UNIX.gid*;unique*;\r\n MLSD\r\n PRET\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n TVFS\r\n ESTA\r\n PASV\r\n EPSV\r\n ESTP\r\n211 End.\r\n"),
            ("SIZE hello.txt", b"213 29\r\n"),
            ("MDTM hello.txt", b"213 20261121082748\r\n"),
            ("MLST hello.txt", b"250-Begin\r\n type=file;size=29;modify=20261121082748;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g21030a; hello.txt\r\n250 End.\r\n"),
            ("MLST", b"250-Begin\r\n type=cdir;sizd=4096;modify=20261121083049;UNIX.mode=0755;UNIX.uid=999;UNIX.gid=995;unique=fe00g210309; .\r\n250 End.\r\n"),
            ("STAT hello.txt", b"213-STAT\r\n-rw-r--r--    1 999        ftpsuser           29 Nov 21 08:27 hello.txt\r\n213 End.\r\n"),
            ("STAT .", b"213-STAT\r\n-rw-r--r--    1 999        ftpsuser           29 Nov 21 08:27 hello.txt\r\n213 End.\r\n"),
            ("SIZE missing.txt", b"550 Can't check for file existence\r\n"),
            ("HELP", b"214-The following SITE commands are recognized\r\n ALIAS\r\n CHMOD\r\n IDLE\r\n UTIME\r\n214 Pure-FTPd - http://pureftpd.org/\r\n"),
            ("STAT", b"211 https://www.pureftpd.org/\r\n"),
            ("NOOP", b"200 Zzz...\r\n"),
            ("PASV", b"227 Entering Passive Mode (127,0,0,1,156,193)\r\n"),
            ("EPSV", b"229 Extended Passive mode OK (|||40118|)\r\n"),
            ("QUIT", b"221-Goodbye. You uploaded 0 and downloaded 0 kbytes.\r\n221 Logout.\r\n"),
        ],
    ),
    (
        "proftpd",
        &[
            ("(connect)", b"220 ProFTPD Server (ftps-proto interop proftpd tls13) [127.0.0.1]\r\n"),
            ("FEAT", b"211-Features:\r\n AUTH TLS\r\n CCC\r\n CLNT\r\n CSID\r\n EPRT\r\n EPSV\r\n HOST\r\n LANG C.UTF-8*\r\n MDTM\r\n MFF modify;UNIX.group;UNIX.mode;\r\n MFMT\r\n MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;\r\n PBSZ\r\n PROT\r\n RANG STREAM\r\n REST STREAM\r\n SIZE\r\n SSCN\r\n TVFS\r\n UTF8\r\n211 End\r\n"),
            ("AUTH TLS", b"234 AUTH TLS successful\r\n"),
            ("PBSZ 0", b"200 PBSZ 0 successful\r\n"),
            ("PROT P", b"200 Protection set to Private\r\n"),
            ("USER ftpsuser", b"331 Password required for ftpsuser\r\n"),
            ("PASS <password>", b"230 User ftpsuser logged in\r\n"),
            ("SYST", b"215 UNIX Type: L8\r\n"),
            ("PWD", b"257 \"/\" is the current directory\r\n"),
            ("TYPE I", b"200 Type set to I\r\n"),
            ("FEAT", b"211-Features:\r\n AUTH TLS\r\n CCC\r\n CLNT\r\n CSID\r\n EPRT\r\n EPSV\r\n HOST\r\n LANG C.UTF-8*\r\n MDTM\r\n MFF modify;UNIX.group;UNIX.mode;\r\n MFMT\r\n MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;\r\n PBSZ\r\n PROT\r\n RANG STREAM\r\n REST STREAM\r\n SIZE\r\n SSCN\r\n TVFS\r\n UTF8\r\n211 End\r\n"),
            ("SIZE hello.txt", b"213 27\r\n"),
            ("MDTM hello.txt", b"213 20261121082748\r\n"),
            ("MLST hello.txt", b"250-Start of list for hello.txt\r\n modify=20261121082748;perm=adfrw;size=27;type=file;unique=FE00U21030E;UNIX.group=995;UNIX.groupname=995;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpsuser; /hello.txt\r\n250 End of list\r\n"),
            ("MLST", b"250-Start of list for /\r\n modify=20261121083118;perm=flcdmpe;type=dir;unique=FE00U21030D;UNIX.group=995;UNIX.groupname=995;UNIX.mode=0755;UNIX.owner=999;UNIX.ownername=ftpsuser; /\r\n250 End of list\r\n"),
            ("STAT hello.txt", b"213-Status of hello.txt:\r\n -rw-r--r--   1 ftpsuser 995            27 Nov 21 08:27 hello.txt\r\n213 End of status\r\n"),
            ("STAT .", b"212-Status of .:\r\n drwxr-xr-x   2 ftpsuser 995          4096 Nov 21 08:31 .\r\n drwxr-xr-x   2 ftpsuser 995          4096 Nov 21 08:31 ..\r\n -rw-r--r--   1 ftpsuser 995            27 Nov 21 08:27 hello.txt\r\n212 End of status\r\n"),
            ("SIZE missing.txt", b"550 missing.txt: No such file or directory\r\n"),
            ("HELP", b"214-The following commands are recognized (* =>'s unimplemented):\r\n CWD     XCWD    CDUP    XCUP    SMNT*   QUIT    PORT    PASV    \r\n EPRT    EPSV    ALLO    RNFR    RNTO    DELE    MDTM    RMD     \r\n XRMD    MKD     XMKD    PWD     XPWD    SIZE    SYST    HELP    \r\n NOOP    FEAT    OPTS    HOST    CLNT    AUTH    CCC*    CONF*   \r\n ENC*    MIC*    PBSZ    PROT    TYPE    STRU    MODE    RETR    \r\n STOR    STOU    APPE    REST    ABOR    RANG    USER    PASS    \r\n ACCT*   REIN*   LIST    NLST    STAT    SITE    MLSD    MLST    \r\n214 Direct comments to root@127.0.0.1\r\n"),
            ("STAT", b"211-Status of 'ftps-proto interop proftpd tls13'\r\n Connected from 127.0.0.1 (127.0.0.1)\r\n Logged in as ftpsuser\r\n TYPE: BINARY, STRUcture: File, Mode: Stream\r\n No data connection\r\n211 End of status\r\n"),
            ("NOOP", b"200 NOOP command successful\r\n"),
            ("PASV", b"227 Entering Passive Mode (127,0,0,1,157,17).\r\n"),
            ("EPSV", b"229 Entering Extended Passive Mode (|||40219|)\r\n"),
            ("QUIT", b"221 Goodbye.\r\n"),
        ],
    ),
    (
        "pyftpdlib",
        &[
            ("(connect)", b"220 ftps-proto interop pyftpdlib ready.\r\n"),
            ("FEAT", b"211-Features supported:\r\n AUTH SSL\r\n AUTH TLS\r\n EPRT\r\n EPSV\r\n MDTM\r\n MFMT\r\n MLST type*;perm*;size*;modify*;unique*;unix.mode;unix.uid;unix.gid;\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End FEAT.\r\n"),
            ("AUTH TLS", b"234 AUTH TLS successful.\r\n"),
            ("PBSZ 0", b"200 PBSZ=0 successful.\r\n"),
            ("PROT P", b"200 Protection set to Private\r\n"),
            ("USER ftpsuser", b"331 Username ok, send password.\r\n"),
            ("PASS <password>", b"230 Login successful.\r\n"),
            ("SYST", b"215 UNIX Type: L8\r\n"),
            ("PWD", b"257 \"/\" is the current directory.\r\n"),
            ("TYPE I", b"200 Type set to: Binary.\r\n"),
            ("FEAT", b"211-Features supported:\r\n AUTH SSL\r\n AUTH TLS\r\n EPRT\r\n EPSV\r\n MDTM\r\n MFMT\r\n MLST type*;perm*;size*;modify*;unique*;unix.mode;unix.uid;unix.gid;\r\n PBSZ\r\n PROT\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n UTF8\r\n211 End FEAT.\r\n"),
            ("SIZE hello.txt", b"213 29\r\n"),
            ("MDTM hello.txt", b"213 20261121082748\r\n"),
            ("MLST hello.txt", b"250-Listing \"/hello.txt\":\r\n modify=20261121082748;perm=radfwMT;size=29;type=file;unique=fe00g210312; /hello.txt\r\n250 End MLST.\r\n"),
            ("MLST", b"250-Listing \"/\":\r\n modify=20261121083121;perm=eldfmMTcp;size=4096;type=dir;unique=fe00g210311; /\r\n250 End MLST.\r\n"),
            ("STAT hello.txt", b"213-Status of \"/hello.txt\":\r\n-rw-r--r--   1 ftpsuser ftpsuser       29 Nov 21 08:27 hello.txt\r\n213 End of status.\r\n"),
            ("STAT .", b"213-Status of \"/\":\r\n-rw-r--r--   1 ftpsuser ftpsuser       29 Nov 21 08:27 hello.txt\r\n-rw-r--r--   1 ftpsuser ftpsuser 67108864 Nov 21 08:31 matrix-22498-big-up.bin\r\n213 End of status.\r\n"),
            ("SIZE missing.txt", b"550 /missing.txt is not retrievable.\r\n"),
            ("HELP", b"214-The following commands are recognized:\r\n ABOR   ALLO   APPE   AUTH   CDUP   CWD    DELE   EPRT  \r\n EPSV   FEAT   HELP   LIST   MDTM   MFMT   MKD    MLSD  \r\n MLST   MODE   NLST   NOOP   OPTS   PASS   PASV   PBSZ  \r\n PORT   PROT   PWD    QUIT   REIN   REST   RETR   RMD   \r\n RNFR   RNTO   SITE   SIZE   STAT   STOR   STOU   STRU  \r\n SYST   TYPE   USER   XCUP   XCWD   XMKD   XPWD   XRMD  \r\n214 Help command successful.\r\n"),
            ("STAT", b"211-FTP server status:\r\n Connected to: 127.0.0.1:2124\r\n Logged in as: ftpsuser\r\n TYPE: Binary; STRUcture: File; MODE: Stream\r\n Data connection closed.\r\n211 End of status.\r\n"),
            ("NOOP", b"200 I successfully did nothing'.\r\n"),
            ("PASV", b"227 Entering passive mode (127,0,0,1,157,134).\r\n"),
            ("EPSV", b"229 Entering extended passive mode (|||40344|).\r\n"),
            ("QUIT", b"221 Goodbye.\r\n"),
        ],
    ),
];

/// A listing over the data connection: server, command, preliminary reply, data bytes, final
/// reply (captured with TLS on the data connection, PROT P, from the TLS 1.2 instances).
type Listing = (
    &'static str,
    &'static str,
    &'static [u8],
    &'static [u8],
    &'static [u8],
);

/// LIST and MLSD listings captured from the same servers.
const LISTINGS: &[Listing] = &[
    (
        "vsftpd",
        "LIST",
        b"150 Here comes the directory listing.\r\n",
        b"-rw-r--r--    1 999      995            26 Nov 21 08:27 hello.txt\r\n",
        b"226 Directory send OK.\r\n",
    ),
    (
        "vsftpd",
        "LIST -a",
        b"150 Here comes the directory listing.\r\n",
        b"drwxr-xr-x    2 999      995          4096 Nov 21 08:30 .\r\ndrwxr-xr-x    2 999      995          4096 Nov 21 08:30 ..\r\n-rw-r--r--    1 999      995            26 Nov 21 08:27 hello.txt\r\n",
        b"226 Directory send OK.\r\n",
    ),
    (
        "pure-ftpd",
        "LIST",
        b"150 Accepted data connection\r\n",
        b"-rw-r--r--    1 999        ftpsuser           29 Nov 21 08:27 hello.txt\r\n",
        b"226-Options: -l \r\n226 1 matches total\r\n",
    ),
    (
        "pure-ftpd",
        "LIST -a",
        b"150 Accepted data connection\r\n",
        b"drwxr-xr-x    2 999        ftpsuser         4096 Nov 21 08:30 .\r\ndrwxr-xr-x    2 999        ftpsuser         4096 Nov 21 08:30 ..\r\n-rw-r--r--    1 999        ftpsuser           29 Nov 21 08:27 hello.txt\r\n",
        b"226-Options: -a -l \r\n226 3 matches total\r\n",
    ),
    (
        "pure-ftpd",
        "MLSD",
        b"150 Accepted data connection\r\n",
        b"type=cdir;sizd=4096;modify=20261121083048;UNIX.mode=0755;UNIX.uid=999;UNIX.gid=995;unique=fe00g21030b; .\r\ntype=file;size=29;modify=20261121082748;UNIX.mode=0644;UNIX.uid=999;UNIX.gid=995;unique=fe00g21030c; hello.txt\r\ntype=pdir;sizd=4096;modify=20261121083048;UNIX.mode=0755;UNIX.uid=999;UNIX.gid=995;unique=fe00g21030b; ..\r\n",
        b"226 3 matches total\r\n",
    ),
    (
        "proftpd",
        "LIST",
        b"150 Opening BINARY mode data connection for file list\r\n",
        b"-rw-r--r--   1 ftpsuser 995            27 Nov 21 08:27 hello.txt\r\n",
        b"226 Transfer complete\r\n",
    ),
    (
        "proftpd",
        "LIST -a",
        b"150 Opening BINARY mode data connection for file list\r\n",
        b"drwxr-xr-x   2 ftpsuser 995          4096 Nov 21 08:31 .\r\ndrwxr-xr-x   2 ftpsuser 995          4096 Nov 21 08:31 ..\r\n-rw-r--r--   1 ftpsuser 995            27 Nov 21 08:27 hello.txt\r\n",
        b"226 Transfer complete\r\n",
    ),
    (
        "proftpd",
        "MLSD",
        b"150 Opening BINARY mode data connection for MLSD\r\n",
        b"modify=20261121083117;perm=flcdmpe;type=cdir;unique=FE00U21030F;UNIX.group=995;UNIX.groupname=995;UNIX.mode=0755;UNIX.owner=999;UNIX.ownername=ftpsuser; .\r\nmodify=20261121082748;perm=adfrw;size=27;type=file;unique=FE00U210310;UNIX.group=995;UNIX.groupname=995;UNIX.mode=0644;UNIX.owner=999;UNIX.ownername=ftpsuser; hello.txt\r\nmodify=20261121083117;perm=flcdmpe;type=pdir;unique=FE00U21030F;UNIX.group=995;UNIX.groupname=995;UNIX.mode=0755;UNIX.owner=999;UNIX.ownername=ftpsuser; ..\r\n",
        b"226 Transfer complete\r\n",
    ),
    (
        "pyftpdlib",
        "LIST",
        b"125 Data connection already open. Transfer starting.\r\n",
        b"-rw-r--r--   1 ftpsuser ftpsuser       29 Nov 21 08:27 hello.txt\r\n",
        b"226 Transfer complete.\r\n",
    ),
    (
        "pyftpdlib",
        "LIST -a",
        b"125 Data connection already open. Transfer starting.\r\n",
        b"-rw-r--r--   1 ftpsuser ftpsuser       29 Nov 21 08:27 hello.txt\r\n",
        b"226 Transfer complete.\r\n",
    ),
    (
        "pyftpdlib",
        "MLSD",
        b"125 Data connection already open. Transfer starting.\r\n",
        b"modify=20261121082748;perm=radfwMT;size=29;type=file;unique=fe00g210314; hello.txt\r\n",
        b"226 Transfer complete.\r\n",
    ),
];

/// The lines of a listing, line ends removed.
fn data_lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

#[test]
fn list_and_mlsd_listings_from_real_servers() {
    for (server, command, preliminary, data, last) in LISTINGS {
        // S: 150 Here comes the directory listing.  /  125 Data connection already open...
        let (rest, first) = decode_reply(preliminary).unwrap();
        assert!(
            rest.is_empty() && first.code().is_preliminary(),
            "{server} {command}"
        );
        // S: 226 Directory send OK.   (Pure-FTPd: 226-Options: -l / 226 1 matches total)
        let (rest, done) = decode_reply(last).unwrap();
        assert!(rest.is_empty(), "{server} {command}");
        assert_eq!(done.code(), ReplyCode::CLOSING_DATA, "{server} {command}");

        let lines = data_lines(data);
        let mut names = Vec::new();
        for line in &lines {
            if command.starts_with("MLSD") {
                let e = ftps_proto::codec::parse_facts(line)
                    .unwrap_or_else(|e| panic!("{server}: {line:?}: {e}"));
                assert!(
                    e.file_type().is_some() && e.modify().is_some(),
                    "{server}: {line:?}"
                );
                if e.file_type() == Some(FileType::File) {
                    assert_eq!(e.size(), Some(hello_size(server)), "{server}");
                }
                names.push(e.pathname.as_bytes().to_vec());
            } else {
                let e = parse_list_line(line).unwrap_or_else(|| panic!("{server}: {line:?}"));
                if &e.name[..] == b"hello.txt" {
                    assert_eq!(e.size, Some(hello_size(server)), "{server}");
                    assert!(!e.is_dir);
                } else {
                    assert!(e.is_dir, "{server}: {line:?}");
                }
                names.push(e.name.to_vec());
            }
        }
        assert!(
            names.iter().any(|n| n == b"hello.txt"),
            "{server} {command}: {names:?}"
        );
    }
}

/// The size of `hello.txt` on each server, from its SIZE reply.
fn hello_size(server: &str) -> u64 {
    parse_size_reply(&reply_to(server, "SIZE hello.txt", 0)).unwrap()
}

fn session(server: &str) -> &'static [Exchange] {
    TRANSCRIPTS.iter().find(|(s, _)| *s == server).unwrap().1
}

/// The reply to the `n`th (0-based) occurrence of `command` in a server's session.
fn reply_to(server: &str, command: &str, n: usize) -> Reply<'static> {
    let wire = session(server)
        .iter()
        .filter(|(c, _)| *c == command)
        .nth(n)
        .unwrap_or_else(|| panic!("{server}: no reply to {command}"))
        .1;
    let (rest, reply) = decode_reply(wire).unwrap();
    assert!(rest.is_empty(), "{server} {command}: one reply expected");
    reply
}

#[test]
fn every_captured_reply_decodes_re_encodes_and_streams() {
    for (server, session) in TRANSCRIPTS {
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for (command, wire) in *session {
            let (rest, reply) =
                decode_reply(wire).unwrap_or_else(|e| panic!("{server} {command}: {e}"));
            assert!(rest.is_empty(), "{server} {command}");
            let mut again = Vec::new();
            reply.encode(&mut again);
            assert_eq!(again, *wire, "{server} {command}: re-encoding");
            stream.extend_from_slice(wire);
            expected.push(reply.into_owned());
        }
        for chunk_size in [1, 7, stream.len()] {
            let mut decoder = ReplyDecoder::new(Limits::default());
            let mut got = Vec::new();
            for chunk in stream.chunks(chunk_size) {
                decoder.feed(chunk);
                while let Some(r) = decoder.next_reply() {
                    got.push(r.unwrap().into_owned());
                }
            }
            assert_eq!(got, expected, "{server}, chunks of {chunk_size}");
            assert_eq!(decoder.buffered(), 0);
        }
    }
}

#[test]
fn pure_ftpd_banner_repeats_the_code_prefix() {
    // S: 220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------
    // S: 220-You are user number 1 of 25 allowed.
    // ...
    // S: 220 You will be disconnected after 5 minutes of inactivity.
    let r = reply_to("pure-ftpd", "(connect)", 0);
    assert_eq!(r.code(), ReplyCode::SERVICE_READY);
    assert_eq!(r.line_count(), 5);
    assert_eq!(
        r.text(),
        b"--------- Welcome to Pure-FTPd [privsep] [TLS] ----------"
    );
    let lines: Vec<&[u8]> = r.text_lines().collect();
    assert_eq!(lines[1], b"You are user number 1 of 25 allowed.");
    assert_eq!(
        lines[4],
        b"You will be disconnected after 5 minutes of inactivity."
    );
}

#[test]
fn feat_replies() {
    for server in ["vsftpd", "pure-ftpd", "proftpd", "pyftpdlib"] {
        for n in 0..2 {
            let f = parse_feat_reply(&reply_to(server, "FEAT", n)).unwrap();
            assert!(f.auth_mechanisms().contains(&Mechanism::TLS), "{server}");
            assert!(
                f.pbsz() && f.prot() && f.epsv() && f.size() && f.mdtm(),
                "{server}"
            );
            assert!(f.rest_stream() && f.tvfs(), "{server}");
        }
    }
    let vsftpd = parse_feat_reply(&reply_to("vsftpd", "FEAT", 0)).unwrap();
    assert_eq!(vsftpd.len(), 10);
    assert!(vsftpd.mlst_facts().is_none() && !vsftpd.utf8());
    let pure = parse_feat_reply(&reply_to("pure-ftpd", "FEAT", 0)).unwrap();
    assert!(pure.utf8() && pure.mfmt() && pure.contains("ESTP"));
    let facts = pure.mlst_facts().unwrap();
    assert_eq!(facts.len(), 8);
    assert_eq!(facts[2], (FactName::Other("SIZD".into()), true));
    let proftpd = parse_feat_reply(&reply_to("proftpd", "FEAT", 0)).unwrap();
    assert!(proftpd.ccc() && proftpd.host() && proftpd.lang());
    assert_eq!(
        proftpd.get("LANG").unwrap().parameters().as_bytes(),
        b"C.UTF-8*"
    );
    assert_eq!(
        proftpd.get("MFF").unwrap().parameters().as_bytes(),
        b"modify;UNIX.group;UNIX.mode;"
    );
    let py = parse_feat_reply(&reply_to("pyftpdlib", "FEAT", 0)).unwrap();
    assert_eq!(py.auth_mechanisms(), vec![Mechanism::SSL, Mechanism::TLS]);
    let facts = py.mlst_facts().unwrap();
    assert_eq!(facts[5], (FactName::Other("UNIX.MODE".into()), false));
}

#[test]
fn passive_replies() {
    let pasv = |server: &str| parse_pasv_reply(&reply_to(server, "PASV", 0)).unwrap();
    let epsv = |server: &str| parse_epsv_reply(&reply_to(server, "EPSV", 0)).unwrap();
    // S: 227 Entering Passive Mode (127,0,0,1,156,65).
    assert_eq!(
        pasv("vsftpd"),
        SocketAddrV4::new([127, 0, 0, 1].into(), 156 * 256 + 65)
    );
    // S: 227 Entering Passive Mode (127,0,0,1,156,193)
    assert_eq!(
        pasv("pure-ftpd"),
        SocketAddrV4::new([127, 0, 0, 1].into(), 156 * 256 + 193)
    );
    assert_eq!(
        pasv("proftpd"),
        SocketAddrV4::new([127, 0, 0, 1].into(), 157 * 256 + 17)
    );
    // S: 227 Entering passive mode (127,0,0,1,157,134).
    assert_eq!(
        pasv("pyftpdlib"),
        SocketAddrV4::new([127, 0, 0, 1].into(), 157 * 256 + 134)
    );
    assert_eq!(epsv("vsftpd"), 40003);
    // S: 229 Extended Passive mode OK (|||40118|)
    assert_eq!(epsv("pure-ftpd"), 40118);
    assert_eq!(epsv("proftpd"), 40219);
    // S: 229 Entering extended passive mode (|||40344|).
    assert_eq!(epsv("pyftpdlib"), 40344);
}

#[test]
fn pathname_size_and_mdtm_replies() {
    let modified = Timestamp::new(2026, 11, 21, 8, 27, 48).unwrap();
    for (server, size) in [
        ("vsftpd", 26),
        ("pure-ftpd", 29),
        ("proftpd", 27),
        ("pyftpdlib", 29),
    ] {
        let pwd = reply_to(server, "PWD", 0);
        assert_eq!(
            parse_pathname_reply(&pwd).unwrap().as_bytes(),
            b"/",
            "{server}"
        );
        assert_eq!(
            parse_size_reply(&reply_to(server, "SIZE hello.txt", 0)),
            Ok(size),
            "{server}"
        );
        assert_eq!(
            parse_mdtm_reply(&reply_to(server, "MDTM hello.txt", 0)),
            Ok(modified)
        );
        let missing = reply_to(server, "SIZE missing.txt", 0);
        assert_eq!(missing.code(), ReplyCode::FILE_UNAVAILABLE, "{server}");
        assert!(parse_size_reply(&missing).is_err());
    }
}

#[test]
fn mlst_replies() {
    // vsftpd does not implement MLST.
    assert_eq!(reply_to("vsftpd", "MLST hello.txt", 0).code().value(), 500);
    for (server, path, size) in [
        ("pure-ftpd", &b"hello.txt"[..], 29),
        ("proftpd", b"/hello.txt", 27),
        ("pyftpdlib", b"/hello.txt", 29),
    ] {
        let r = reply_to(server, "MLST hello.txt", 0);
        let e = parse_mlst_reply(&r).unwrap_or_else(|e| panic!("{server}: {e}"));
        assert_eq!(e.pathname.as_bytes(), path, "{server}");
        assert_eq!(
            (e.size(), e.file_type()),
            (Some(size), Some(FileType::File)),
            "{server}"
        );
        assert_eq!(
            e.modify(),
            Some(Timestamp::new(2026, 11, 21, 8, 27, 48).unwrap())
        );
        let r = reply_to(server, "MLST", 0);
        let e = parse_mlst_reply(&r).unwrap();
        assert!(
            matches!(e.file_type(), Some(FileType::Dir | FileType::CurrentDir)),
            "{server}"
        );
    }
}

#[test]
fn stat_listings_read_as_unix_list_lines() {
    for (server, command, names) in [
        ("vsftpd", "STAT hello.txt", &["hello.txt"][..]),
        (
            "vsftpd",
            "STAT .",
            &[
                ".",
                "..",
                "curl-explicit-15797-small.bin",
                "hello.txt",
                "lftp-implicit-15797-small.bin",
            ],
        ),
        ("pure-ftpd", "STAT .", &["hello.txt"]),
        ("proftpd", "STAT .", &[".", "..", "hello.txt"]),
        (
            "pyftpdlib",
            "STAT .",
            &["hello.txt", "matrix-22498-big-up.bin"],
        ),
    ] {
        let r = reply_to(server, command, 0);
        let count = r.line_count();
        let entries: Vec<_> = r
            .lines()
            .skip(1)
            .take(count - 2)
            .map(|l| parse_list_line(l).unwrap_or_else(|| panic!("{server}: {l:?}")))
            .collect();
        let got: Vec<&[u8]> = entries.iter().map(|e| &e.name[..]).collect();
        let want: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
        assert_eq!(got, want, "{server} {command}");
        let hello = entries
            .iter()
            .find(|e| &e.name[..] == b"hello.txt")
            .unwrap();
        assert_eq!(
            hello.size,
            Some(parse_size_reply(&reply_to(server, "SIZE hello.txt", 0)).unwrap())
        );
        assert!(!hello.is_dir);
        assert_eq!(&hello.modified[..], b"Nov 21 08:27");
    }
}
