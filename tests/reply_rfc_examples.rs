//! Known-answer tests: every example reply in RFC 959, 2228, 2389, 2428, 3659, 4217 and 7151
//! is decoded, checked line by line against the transcript, re-encoded to the same bytes and
//! streamed through `ReplyDecoder`; every MLSD data line of RFC 3659 is parsed into facts.
//!
//! The tables were extracted from the RFC texts (`S>` transcripts grouped into replies by the
//! RFC 959 §4.2 rule, the reply-code lists of RFC 959 §4.2.1/§4.2.2 and RFC 2228 §5.1, the
//! examples of RFC 959 Appendix II, RFC 2389 §3.2, RFC 2428 §3, the bare codes of the RFC 4217
//! §12 timing diagrams and RFC 7151 §3.3 `host-ok`) so that the expected values are the RFCs'
//! own, not this crate's.

use ftps_proto::codec::{
    decode_reply, parse_epsv_reply, parse_facts, parse_feat_reply, parse_mdtm_reply,
    parse_mlst_reply, parse_pasv_reply, parse_pathname_reply, parse_size_reply, Limits, Reply,
    ReplyDecoder,
};
use ftps_proto::types::{FactName, FileType, Timestamp};

// Generated from /work/shared/rfc by grouping the RFCs' reply transcripts per RFC 959 §4.2.
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "RFC 959 §4.2",
        &[
            "123-First line",
            "Second line",
            "  234 A line beginning with numbers",
            "123 The last line",
        ],
    ),
    ("RFC 959 §4.2.1", &["200 Command okay."]),
    (
        "RFC 959 §4.2.1",
        &["500 Syntax error, command unrecognized."],
    ),
    (
        "RFC 959 §4.2.1",
        &["501 Syntax error in parameters or arguments."],
    ),
    (
        "RFC 959 §4.2.1",
        &["202 Command not implemented, superfluous at this site."],
    ),
    ("RFC 959 §4.2.1", &["502 Command not implemented."]),
    ("RFC 959 §4.2.1", &["503 Bad sequence of commands."]),
    (
        "RFC 959 §4.2.1",
        &["504 Command not implemented for that parameter."],
    ),
    ("RFC 959 §4.2.1", &["110 Restart marker reply."]),
    (
        "RFC 959 §4.2.1",
        &["211 System status, or system help reply."],
    ),
    ("RFC 959 §4.2.1", &["212 Directory status."]),
    ("RFC 959 §4.2.1", &["213 File status."]),
    ("RFC 959 §4.2.1", &["214 Help message."]),
    ("RFC 959 §4.2.1", &["215 NAME system type."]),
    ("RFC 959 §4.2.1", &["120 Service ready in nnn minutes."]),
    ("RFC 959 §4.2.1", &["220 Service ready for new user."]),
    (
        "RFC 959 §4.2.1",
        &["221 Service closing control connection."],
    ),
    (
        "RFC 959 §4.2.1",
        &["421 Service not available, closing control connection."],
    ),
    (
        "RFC 959 §4.2.1",
        &["125 Data connection already open; transfer starting."],
    ),
    (
        "RFC 959 §4.2.1",
        &["225 Data connection open; no transfer in progress."],
    ),
    ("RFC 959 §4.2.1", &["425 Can't open data connection."]),
    ("RFC 959 §4.2.1", &["226 Closing data connection."]),
    (
        "RFC 959 §4.2.1",
        &["426 Connection closed; transfer aborted."],
    ),
    (
        "RFC 959 §4.2.1",
        &["227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)."],
    ),
    ("RFC 959 §4.2.1", &["230 User logged in, proceed."]),
    ("RFC 959 §4.2.1", &["530 Not logged in."]),
    ("RFC 959 §4.2.1", &["331 User name okay, need password."]),
    ("RFC 959 §4.2.1", &["332 Need account for login."]),
    ("RFC 959 §4.2.1", &["532 Need account for storing files."]),
    (
        "RFC 959 §4.2.1",
        &["150 File status okay; about to open data connection."],
    ),
    (
        "RFC 959 §4.2.1",
        &["250 Requested file action okay, completed."],
    ),
    ("RFC 959 §4.2.1", &["257 \"PATHNAME\" created."]),
    (
        "RFC 959 §4.2.1",
        &["350 Requested file action pending further information."],
    ),
    ("RFC 959 §4.2.1", &["450 Requested file action not taken."]),
    ("RFC 959 §4.2.1", &["550 Requested action not taken."]),
    (
        "RFC 959 §4.2.1",
        &["451 Requested action aborted. Local error in processing."],
    ),
    (
        "RFC 959 §4.2.1",
        &["551 Requested action aborted. Page type unknown."],
    ),
    ("RFC 959 §4.2.1", &["452 Requested action not taken."]),
    ("RFC 959 §4.2.1", &["552 Requested file action aborted."]),
    ("RFC 959 §4.2.1", &["553 Requested action not taken."]),
    ("RFC 959 §4.2.2", &["200 Command okay."]),
    (
        "RFC 959 §4.2.2",
        &["202 Command not implemented, superfluous at this site."],
    ),
    (
        "RFC 959 §4.2.2",
        &["211 System status, or system help reply."],
    ),
    ("RFC 959 §4.2.2", &["212 Directory status."]),
    ("RFC 959 §4.2.2", &["213 File status."]),
    ("RFC 959 §4.2.2", &["214 Help message."]),
    ("RFC 959 §4.2.2", &["215 NAME system type."]),
    ("RFC 959 §4.2.2", &["220 Service ready for new user."]),
    (
        "RFC 959 §4.2.2",
        &["221 Service closing control connection."],
    ),
    (
        "RFC 959 §4.2.2",
        &["225 Data connection open; no transfer in progress."],
    ),
    ("RFC 959 §4.2.2", &["226 Closing data connection."]),
    (
        "RFC 959 §4.2.2",
        &["227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)."],
    ),
    ("RFC 959 §4.2.2", &["230 User logged in, proceed."]),
    (
        "RFC 959 §4.2.2",
        &["250 Requested file action okay, completed."],
    ),
    ("RFC 959 §4.2.2", &["257 \"PATHNAME\" created."]),
    ("RFC 959 §4.2.2", &["331 User name okay, need password."]),
    ("RFC 959 §4.2.2", &["332 Need account for login."]),
    (
        "RFC 959 §4.2.2",
        &["350 Requested file action pending further information."],
    ),
    (
        "RFC 959 §4.2.2",
        &["421 Service not available, closing control connection."],
    ),
    ("RFC 959 §4.2.2", &["425 Can't open data connection."]),
    (
        "RFC 959 §4.2.2",
        &["426 Connection closed; transfer aborted."],
    ),
    ("RFC 959 §4.2.2", &["450 Requested file action not taken."]),
    (
        "RFC 959 §4.2.2",
        &["451 Requested action aborted: local error in processing."],
    ),
    ("RFC 959 §4.2.2", &["452 Requested action not taken."]),
    (
        "RFC 959 §4.2.2",
        &["500 Syntax error, command unrecognized."],
    ),
    (
        "RFC 959 §4.2.2",
        &["501 Syntax error in parameters or arguments."],
    ),
    ("RFC 959 §4.2.2", &["502 Command not implemented."]),
    ("RFC 959 §4.2.2", &["503 Bad sequence of commands."]),
    (
        "RFC 959 §4.2.2",
        &["504 Command not implemented for that parameter."],
    ),
    ("RFC 959 §4.2.2", &["530 Not logged in."]),
    ("RFC 959 §4.2.2", &["532 Need account for storing files."]),
    ("RFC 959 §4.2.2", &["550 Requested action not taken."]),
    (
        "RFC 959 §4.2.2",
        &["551 Requested action aborted: page type unknown."],
    ),
    ("RFC 959 §4.2.2", &["552 Requested file action aborted."]),
    ("RFC 959 §4.2.2", &["553 Requested action not taken."]),
    ("RFC 959 Appendix II", &["200 directory changed to /usr/dm"]),
    (
        "RFC 959 Appendix II",
        &["257 \"/usr/dm/pathname\" directory created"],
    ),
    (
        "RFC 959 Appendix II",
        &["257 \"/usr/dm/foo\"\"bar\" directory created"],
    ),
    (
        "RFC 959 Appendix II",
        &["200 directory changed to /usr/dm/foo\"bar"],
    ),
    ("RFC 959 Appendix II", &["200 Working directory changed"]),
    (
        "RFC 959 Appendix II",
        &["257 \"<some.where.overrainbow>\" directory created"],
    ),
    ("RFC 959 Appendix II", &["431 No such directory"]),
    (
        "RFC 959 Appendix II",
        &["200 Working directory changed to <some.where>"],
    ),
    (
        "RFC 959 Appendix II",
        &["257 \"<unambiguous>\" directory created"],
    ),
    (
        "RFC 959 Appendix II",
        &[
            "521-\"/usr/dm/pathname\" directory already exists;",
            "521 taking no action.",
        ],
    ),
    (
        "RFC 2228 §5.1",
        &["232 User logged in, authorized by security data exchange."],
    ),
    ("RFC 2228 §5.1", &["234 Security data exchange complete."]),
    ("RFC 2228 §5.1", &["235 [ADAT=base64data]"]),
    ("RFC 2228 §5.1", &["334 [ADAT=base64data]"]),
    ("RFC 2228 §5.1", &["335 [ADAT=base64data]"]),
    (
        "RFC 2228 §5.1",
        &["336 Username okay, need password.  Challenge is \"....\""],
    ),
    (
        "RFC 2228 §5.1",
        &["431 Need some unavailable resource to process security."],
    ),
    (
        "RFC 2228 §5.1",
        &["533 Command protection level denied for policy reasons."],
    ),
    ("RFC 2228 §5.1", &["534 Request denied for policy reasons."]),
    (
        "RFC 2228 §5.1",
        &["535 Failed security check (hash, sequence, etc)."],
    ),
    (
        "RFC 2228 §5.1",
        &["536 Requested PROT level not supported by mechanism."],
    ),
    (
        "RFC 2228 §5.1",
        &["537 Command protection level not supported by security mechanism."],
    ),
    ("RFC 2228 §3 (PBSZ)", &["200 PBSZ=0"]),
    (
        "RFC 2228 §5.2 (plaintext of the 631 example)",
        &[
            "123-First line",
            "Second line",
            "  234 A line beginning with numbers",
            "123 The last line",
        ],
    ),
    (
        "RFC 2389 §3.2",
        &[
            "211-Extensions supported:",
            " MLST size*;create;modify*;perm;media-type",
            " SIZE",
            " COMPRESSION",
            " MDTM",
            "211 END",
        ],
    ),
    (
        "RFC 3659 §3.3",
        &[
            "211- <any descriptive text>",
            " ...",
            " MDTM",
            " ...",
            "211 End",
        ],
    ),
    ("RFC 3659 §3.4", &["213 19980615100045.014"]),
    ("RFC 3659 §3.4", &["213 19980705132316"]),
    ("RFC 3659 §3.4", &["550 D is not retrievable"]),
    ("RFC 3659 §3.4", &["550 No file named \"E\""]),
    ("RFC 3659 §3.4", &["213 19990929003355"]),
    ("RFC 3659 §3.4", &["213 19991005213102"]),
    (
        "RFC 3659 §3.4",
        &["550 19990929043300 file6: No such file or directory."],
    ),
    (
        "RFC 3659 §4.3",
        &[
            "211- <any descriptive text>",
            " ...",
            " SIZE",
            " ...",
            "211 END",
        ],
    ),
    ("RFC 3659 §4.4", &["200 Type set to I."]),
    ("RFC 3659 §4.4", &["213 1830"]),
    ("RFC 3659 §4.4", &["200 Type set to A."]),
    ("RFC 3659 §4.4", &["213 1942"]),
    (
        "RFC 3659 §5.4",
        &[
            "211- <any descriptive text>",
            " ...",
            " REST STREAM",
            " ...",
            "211 end",
        ],
    ),
    ("RFC 3659 §5.5", &["200 Type set to I."]),
    ("RFC 3659 §5.5", &["200 PORT command successful."]),
    (
        "RFC 3659 §5.5",
        &["350 Restarting at 802816. Send STORE or RETRIEVE"],
    ),
    (
        "RFC 3659 §5.5",
        &["150 Opening BINARY mode data connection"],
    ),
    ("RFC 3659 §5.5", &["226 Transfer complete."]),
    (
        "RFC 3659 §6.3",
        &[
            "211- <any descriptive text>",
            " ...",
            " TVFS",
            " ...",
            "211 end",
        ],
    ),
    ("RFC 3659 §7.7.1", &["257 \"/tmp\" is current directory."]),
    (
        "RFC 3659 §7.7.1",
        &[
            "250- Listing cap60.pl198.tar.gz",
            " Type=file;Size=1024990;Perm=r; /tmp/cap60.pl198.tar.gz",
            "250 End",
        ],
    ),
    ("RFC 3659 §7.7.2", &["257 \"/\" is current directory."]),
    (
        "RFC 3659 §7.7.2",
        &[
            "250- Listing tmp",
            " Type=dir;Modify=19981107085215;Perm=el; /tmp",
            "250 End",
        ],
    ),
    (
        "RFC 3659 §7.7.3",
        &["150 BINARY connection open for MLSD tmp"],
    ),
    ("RFC 3659 §7.7.3", &["226 MLSD completed"]),
    (
        "RFC 3659 §7.7.4",
        &[
            "250- Listing test",
            " Type=dir;Perm=el;Unique=keVO1+ZF4 test",
            "250 End",
        ],
    ),
    (
        "RFC 3659 §7.7.4",
        &["150 BINARY connection open for MLSD test"],
    ),
    ("RFC 3659 §7.7.4", &["226 MLSD completed"]),
    (
        "RFC 3659 §7.7.4",
        &["150 BINARY connection open for MLSD test/incoming"],
    ),
    (
        "RFC 3659 §7.7.5",
        &[
            "250- Listing file1",
            " Type=file;Modify=19990929003355.237; file1",
            "250 End",
        ],
    ),
    (
        "RFC 3659 §7.7.6",
        &[
            "250-Begin",
            " type=dir;unique=AQkAAAAAAAABCAAA; /",
            "250 End.",
        ],
    ),
    (
        "RFC 3659 §7.7.6",
        &["150 Opening ASCII mode data connection for MLS."],
    ),
    ("RFC 3659 §7.7.6", &["226 Listing completed."]),
    (
        "RFC 3659 §7.7.7",
        &["150 BINARY connection open for MLSD ."],
    ),
    ("RFC 3659 §7.7.7", &["226 MLSD completed"]),
    (
        "RFC 3659 §7.7.7",
        &["150 BINARY connection open for MLSD media-types"],
    ),
    (
        "RFC 3659 §7.7.7",
        &["150 BINARY connection open for MLSD character-set-info"],
    ),
    (
        "RFC 3659 §7.7.7",
        &["150 BINARY connection open for MLSD languages"],
    ),
    (
        "RFC 3659 §7.7.7",
        &["257 \"/iana/assignments\" is current directory."],
    ),
    (
        "RFC 3659 §7.7.8",
        &["150 BINARY connection open for MLSD ."],
    ),
    ("RFC 3659 §7.7.8", &["226 MLSD completed"]),
    (
        "RFC 3659 §7.7.9",
        &["150 File Listing Follows in IMAGE / Binary mode."],
    ),
    ("RFC 3659 §7.7.9", &["226 Transfer finished successfully."]),
    (
        "RFC 3659 §7.7.9",
        &[
            "250-Listing src/install/windows.c",
            " type=file;perm=r;size=993; /misc/src/install/windows.c",
            "250 End",
        ],
    ),
    (
        "RFC 3659 §7.7.9",
        &[
            "250-Listing SRC/INSTALL/WINDOWS.C",
            " type=file;perm=r;size=993; /misc/SRC/INSTALL/WINDOWS.C",
            "250 End",
        ],
    ),
    (
        "RFC 3659 §7.7.10",
        &[
            "250-MLST f",
            " Type=dir;Modify=20000710052229;Unique=AAD/AAAABIA; f",
            "250 End",
        ],
    ),
    ("RFC 3659 §7.7.10", &["250 CWD command successful."]),
    (
        "RFC 3659 §7.7.10",
        &["150 Opening ASCII mode data connection for 'MLSD'."],
    ),
    ("RFC 3659 §7.7.10", &["226 MLSD complete."]),
    (
        "RFC 3659 §7.7.11",
        &["227 Entering Passive Mode (127,0,0,1,255,46)"],
    ),
    ("RFC 3659 §7.7.11", &["150 I tink I tee a trisector tree"]),
    ("RFC 3659 §7.7.11", &["226 That's all folks..."]),
    ("RFC 3659 §7.7.11", &["250 CWD command successful."]),
    ("RFC 3659 §7.7.11", &["257 \"/sub\" is current directory."]),
    (
        "RFC 3659 §7.7.11",
        &["227 Entering Passive Mode (127,0,0,1,255,44)"],
    ),
    (
        "RFC 3659 §7.7.11",
        &["227 Entering Passive Mode (127,0,0,1,255,42)"],
    ),
    (
        "RFC 3659 §7.7.11",
        &["257 \"/sub/dir/ect\" is current directory."],
    ),
    (
        "RFC 3659 §7.7.11",
        &["227 Entering Passive Mode (127,0,0,1,255,40)"],
    ),
    (
        "RFC 3659 §7.7.11",
        &["227 Entering Passive Mode (127,0,0,1,255,36)"],
    ),
    (
        "RFC 3659 §7.7.11",
        &["350 File exists, ready for destination name"],
    ),
    ("RFC 3659 §7.7.11", &["250 RNTO command successful."]),
    (
        "RFC 3659 §7.7.11",
        &["227 Entering Passive Mode (127,0,0,1,255,34)"],
    ),
    (
        "RFC 3659 §7.8.1",
        &[
            "211- Features supported",
            " REST STREAM",
            " MDTM",
            " SIZE",
            " TVFS",
            " UTF8",
            " MLST Type*;Size*;Modify*;Perm*;Unique*;UNIX.mode;UNIX.chgd;X.hidden;",
            "211 End",
        ],
    ),
    (
        "RFC 3659 §7.8.1",
        &[
            "211-Extensions supported:",
            " CLNT",
            " MDTM",
            " MLST type*;size*;modify*;UNIX.mode*;UNIX.owner;UNIX.group;unique;",
            " PASV",
            " REST STREAM",
            " SIZE",
            " TVFS",
            " Compliance Level: 19981201 (IETF mlst-05)",
            "211 End.",
        ],
    ),
    (
        "RFC 3659 §7.8.1",
        &[
            "211-Features supported",
            " MDTM",
            " MLST Type*;Size*;Modify*;Perm;Unique*;",
            " REST STREAM",
            " SIZE",
            " TVFS",
            "211 End",
        ],
    ),
    (
        "RFC 3659 §7.9.2",
        &[
            "211- Features supported",
            " MLST Type*;Size;Modify*;Perm;Unique;UNIX.mode;UNIX.chgd;X.hidden;",
            "211 End",
        ],
    ),
    ("RFC 3659 §7.9.2", &["200 MLST OPTS Type;Perm;UNIX.mode;"]),
    (
        "RFC 3659 §7.9.2",
        &[
            "211- Features supported",
            " MLST Type*;Size;Modify;Perm*;Unique;UNIX.mode*;UNIX.chgd;X.hidden;",
            "211 End",
        ],
    ),
    ("RFC 3659 §7.9.2", &["200 MLST OPTS Type;"]),
    (
        "RFC 3659 §7.9.2",
        &[
            "211- Features supported",
            " MLST Type*;Size;Modify;Perm;Unique;UNIX.mode;UNIX.chgd;X.hidden;",
            "211 End",
        ],
    ),
    ("RFC 3659 §7.9.2", &["200 MLST OPTS Size;"]),
    (
        "RFC 3659 §7.9.2",
        &[
            "211- Features supported",
            " MLST Type;Size*;Modify;Perm;Unique;UNIX.mode;UNIX.chgd;X.hidden;",
            "211 End",
        ],
    ),
    ("RFC 3659 §7.9.2", &["501 Invalid MLST options"]),
    (
        "RFC 3659 §7.9.2",
        &[
            "211- Features supported",
            " MLST Type*;Size*;Modify*;Perm*;Unique*;UNIX.mode;UNIX.chgd;X.hidden;",
            "211 End",
        ],
    ),
    ("RFC 3659 §7.9.2", &["200 MLST OPTS"]),
    (
        "RFC 3659 §7.9.2",
        &[
            "211- Features supported",
            " MLST Type;Size;Modify;Perm;Unique;UNIX.mode;UNIX.chgd;X.hidden;",
            "211 End",
        ],
    ),
    ("RFC 3659 §7.9.2", &["250 End"]),
    ("RFC 3659 §7.9.2", &["200 MLST OPTS Size;Unique;"]),
    (
        "RFC 3659 §7.9.2",
        &["250- Listing tmp", " Unique=keVO1+YZ5; /tmp", "250 End"],
    ),
    ("RFC 3659 §7.9.2", &["200 MLST OPTS Type;Modify;Unique;"]),
    (
        "RFC 3659 §7.9.2",
        &[
            "250- Listing tmp",
            " Type=dir;Modify=19990930152225;Unique=keVO1+YZ5; /tmp",
            "250 End",
        ],
    ),
    (
        "RFC 3659 §7.9.2",
        &["250- Listing tmp", "  /tmp", "250 End"],
    ),
    ("RFC 3659 §7.9.2", &["200 MLST OPTS Modify;Unique;"]),
    (
        "RFC 3659 §7.9.2",
        &[
            "250- Listing tmp",
            " Modify=19990930152225;Unique=keVO1+YZ5; /tmp",
            "250 End",
        ],
    ),
    ("RFC 7151 §3.2.2", &["220 Host accepted"]),
    ("RFC 7151 §3.2.2", &["331 Password required"]),
    ("RFC 7151 §3.2.2", &["230 User logged in"]),
    (
        "RFC 7151 §3.4",
        &[
            "211- <any descriptive text>",
            " ...",
            " HOST",
            " ...",
            "211 End",
        ],
    ),
    ("RFC 7151 §6.2", &["331 Password required"]),
    ("RFC 7151 §6.2", &["230 User logged in"]),
    ("RFC 2389 §3.2 (no-features)", &["211 no-features"]),
    (
        "RFC 2428 §3",
        &["229 Entering Extended Passive Mode (|||6446|)"],
    ),
    ("RFC 4217 §12.1 (timing diagram: bare code)", &["220"]),
    ("RFC 4217 §12.1 (timing diagram: bare code)", &["234"]),
    ("RFC 4217 §12.1 (timing diagram: bare code)", &["200"]),
    ("RFC 4217 §12.1 (timing diagram: bare code)", &["331"]),
    ("RFC 4217 §12.1 (timing diagram: bare code)", &["230"]),
    ("RFC 7151 §3.3 (host-ok without text)", &["220"]),
];

// Every MLSD data line (`D>`) of RFC 3659 §7.7.
const MLSD_LINES: &[(&str, &str)] = &[
    (
        "RFC 3659 §7.7.3",
        "Type=cdir;Modify=19981107085215;Perm=el; tmp",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=cdir;Modify=19981107085215;Perm=el; /tmp",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=pdir;Modify=19990112030508;Perm=el; ..",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=1830;Modify=19940916055648;Perm=r; hatch.c",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=25624;Modify=19951003165342;Perm=r; MacIP-02.txt",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=2154;Modify=19950501105033;Perm=r; uar.netbsd.patch",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=54757;Modify=19951105101754;Perm=r; iptnnladev.1.0.sit.hqx",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=226546;Modify=19970515023901;Perm=r; melbcs.tif",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=12927;Modify=19961025135602;Perm=r; tardis.1.6.sit.hqx",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=17867;Modify=19961025135602;Perm=r; timelord.1.4.sit.hqx",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=224907;Modify=19980615100045;Perm=r; uar.1.2.3.sit.hqx",
    ),
    (
        "RFC 3659 §7.7.3",
        "Type=file;Size=1024990;Modify=19980130010322;Perm=r; cap60.pl198.tar.gz",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=cdir;Perm=el;Unique=keVO1+ZF4; test",
    ),
    ("RFC 3659 §7.7.4", "Type=pdir;Perm=e;Unique=keVO1+d?3; .."),
    (
        "RFC 3659 §7.7.4",
        "Type=OS.unix=slink:/foobar;Perm=;Unique=keVO1+4G4; foobar",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=OS.unix=chr-13/29;Perm=;Unique=keVO1+5G4; device",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=OS.unix=blk-11/108;Perm=;Unique=keVO1+6G4; block",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=awr;Unique=keVO1+8G4; writable",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=dir;Perm=cpmel;Unique=keVO1+7G4; promiscuous",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=dir;Perm=;Unique=keVO1+1t2; no-exec",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=r;Unique=keVO1+EG4; two words",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=r;Unique=keVO1+IH4;  leading space",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=r;Unique=keVO1+1G4; file1",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=dir;Perm=cpmel;Unique=keVO1+7G4; incoming",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=r;Unique=keVO1+1G4; file2",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=r;Unique=keVO1+1G4; file3",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=r;Unique=keVO1+1G4; file4",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=cdir;Perm=cpmel;Unique=keVO1+7G4; test/incoming",
    ),
    ("RFC 3659 §7.7.4", "Type=pdir;Perm=el;Unique=keVO1+ZF4; .."),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=awdrf;Unique=keVO1+EH4; bar",
    ),
    // The RFC's text cannot show it (§7.7.4 says so): this file's name is three spaces.
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=awdrf;Unique=keVO1+LH4;    ",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=rf;Unique=keVO1+1G4; file5",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=file;Perm=rf;Unique=keVO1+1G4; file6",
    ),
    (
        "RFC 3659 §7.7.4",
        "Type=dir;Perm=cpmdelf;Unique=keVO1+!s2; empty",
    ),
    ("RFC 3659 §7.7.6", "type=cdir;unique=AQkAAAAAAAABCAAA; /"),
    ("RFC 3659 §7.7.6", "type=dir;unique=AQkAAAAAAAABEAAA; bin"),
    ("RFC 3659 §7.7.6", "type=dir;unique=AQkAAAAAAAABGAAA; etc"),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAAB8AwA; halflife",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABoAAA; incoming",
    ),
    ("RFC 3659 §7.7.6", "type=dir;unique=AQkAAAAAAAABIAAA; lib"),
    ("RFC 3659 §7.7.6", "type=dir;unique=AQkAAAAAAAABWAEA; linux"),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABKAEA; ncftpd",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABGAEA; outbox",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABuAAA; quake2",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABQAEA; winstuff",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=cdir;unique=AQkAAAAAAAABWAEA; /linux",
    ),
    ("RFC 3659 §7.7.6", "type=pdir;unique=AQkAAAAAAAABCAAA; /"),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABeAEA; firewall",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=file;size=12;unique=AQkAAAAAAAACWAEA; helo_world",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABYAEA; kernel",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABmAEA; scripts",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=dir;unique=AQkAAAAAAAABkAEA; security",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=cdir;unique=AQkAAAAAAAABYAEA; /linux/kernel",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=pdir;unique=AQkAAAAAAAABWAEA; /linux",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=file;size=6704;unique=AQkAAAAAAAADYAEA; k.config",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=file;size=7269221;unique=AQkAAAAAAAACYAEA; linux-2.0.36.tar.gz",
    ),
    (
        "RFC 3659 §7.7.6",
        "type=file;size=12514594;unique=AQkAAAAAAAAEYAEA; linux-2.1.130.tar.gz",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=cdir;Modify=19990219183438; /iana/assignments",
    ),
    ("RFC 3659 §7.7.7", "Type=pdir;Modify=19990112030453; .."),
    (
        "RFC 3659 §7.7.7",
        "Type=dir;Modify=19990219073522; media-types",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=dir;Modify=19990112033515; character-set-info",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=dir;Modify=19990112033529; languages",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=44242;Modify=19990217230400; character-sets",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=1947;Modify=19990209215600; operating-system-names",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=cdir;Modify=19990219073522; media-types",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=cdir;Modify=19990219073522; /iana/assignments/media-types",
    ),
    ("RFC 3659 §7.7.7", "Type=pdir;Modify=19990219183438; .."),
    ("RFC 3659 §7.7.7", "Type=dir;Modify=19990112033045; text"),
    ("RFC 3659 §7.7.7", "Type=dir;Modify=19990219183442; image"),
    (
        "RFC 3659 §7.7.7",
        "Type=dir;Modify=19990112033216; multipart",
    ),
    ("RFC 3659 §7.7.7", "Type=dir;Modify=19990112033254; video"),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=30249;Modify=19990218032700; media-types",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=cdir;Modify=19990112033515; character-set-info",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=cdir;Modify=19990112033515; /iana/assignments/character-set-info",
    ),
    ("RFC 3659 §7.7.7", "Type=pdir;Modify=19990219183438; .."),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=1234;Modify=19980903020400; windows-1251",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=4557;Modify=19980922001400; tis-620",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=801;Modify=19970324130000; ibm775",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=552;Modify=19970320130000; ibm866",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=922;Modify=19960505140000; windows-1258",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=cdir;Modify=19990112033529; languages",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=cdir;Modify=19990112033529; /iana/assignments/languages",
    ),
    ("RFC 3659 §7.7.7", "Type=pdir;Modify=19990219183438; .."),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=2391;Modify=19980309130000; default",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=943;Modify=19980309130000; tags",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=870;Modify=19971026130000; navajo",
    ),
    (
        "RFC 3659 §7.7.7",
        "Type=file;Size=699;Modify=19950911140000; no-bok",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=pdir;Modify=19990929011228;Perm=el;Unique=keVO1+ZF4; ..",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+Bd8; FILE2",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+aG8; file3",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+ag8; FILE3",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+bD8; file1",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+bD8; file2",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+Ag8; File3",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+bD8; File1",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+Bd8; File2",
    ),
    (
        "RFC 3659 §7.7.8",
        "Type=file;Size=4096;Modify=19990929011440;Perm=r;Unique=keVO1+bd8; FILE1",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=cdir;modify=19990426150227;perm=el; /MISC",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=pdir;modify=19791231130000;perm=el; /",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=dir;modify=19990426150227;perm=el; CVS",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=dir;modify=19990426150228;perm=el; SRC",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=cdir;modify=19990426150228;perm=el; /MISC/src",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=pdir;modify=19990426150227;perm=el; /MISC",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=dir;modify=19990426150228;perm=el; CVS",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=dir;modify=19990426150228;perm=el; INSTALL",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=dir;modify=19990426150230;perm=el; INSTALLI",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=dir;modify=19990426150230;perm=el; TREES",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=cdir;modify=19990426150228;perm=el; /MISC/src/install",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=pdir;modify=19990426150228;perm=el; /MISC/src",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990406234304;perm=r;size=20059; BOOTPC.C",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19980401170153;perm=r;size=278; BOOTPC.H",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990413153736;perm=r;size=54220; BOOTPC.O",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990223044003;perm=r;size=3389; CDROM.C",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990413153739;perm=r;size=30192; CDROM.O",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19981119155324;perm=r;size=1055; CHANGELO",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19981204171040;perm=r;size=8297; COMMANDS.C",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19980508041749;perm=r;size=580; COMMANDS.H",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990419052351;perm=r;size=54264; URLMETHO.O",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19980218161629;perm=r;size=993; WINDOWS.C",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19970912154859;perm=r;size=146; WINDOWS.H",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990413153731;perm=r;size=16812; WINDOWS.O",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990322174959;perm=r;size=129; _CVSIGNO",
    ),
    (
        "RFC 3659 §7.7.9",
        "type=file;modify=19990413153640;perm=r;size=82536; _DEPEND",
    ),
    ("RFC 3659 §7.7.10", "Type=cdir;Unique=AAD/AAAABIA; ."),
    ("RFC 3659 §7.7.10", "Type=pdir;Unique=AAD/AAAAAAI; .."),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=987;Unique=AAD/AAAABIE; Makefile",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=20148;Unique=AAD/AAAABII; conf.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=11111;Unique=AAD/AAAABIM; extern.h",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=38721;Unique=AAD/AAAABIQ; ftpcmd.y",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=17922;Unique=AAD/AAAABIU; ftpd.8",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=60732;Unique=AAD/AAAABIY; ftpd.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=3127;Unique=AAD/AAAABIc; logwtmp.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=2294;Unique=AAD/AAAABIg; pathnames.h",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=7605;Unique=AAD/AAAABIk; popen.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=9951;Unique=AAD/AAAABIo; ftpd.conf.5",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=5023;Unique=AAD/AAAABIs; ftpusers.5",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=3547;Unique=AAD/AAAABIw; logutmp.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=2064;Unique=AAD/AAAABI0; version.h",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=20420;Unique=AAD/AAAAAAM; cmds.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=15864;Unique=AAD/AAAAAAg; ls.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=2898;Unique=AAD/AAAAAAk; ls.h",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=2769;Unique=AAD/AAAAAAo; lsextern.h",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=2042;Unique=AAD/AAAAAAs; stat_flags.h",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=5708;Unique=AAD/AAAAAAw; cmp.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=9280;Unique=AAD/AAAAAA0; print.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=4657;Unique=AAD/AAAAAA4; stat_flags.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=2664;Unique=AAD/AAAAAA8; util.c",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=10383;Unique=AAD/AAAABJ0; ftpd.conf.cat5",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=3631;Unique=AAD/AAAABJ4; ftpusers.cat5",
    ),
    (
        "RFC 3659 §7.7.10",
        "Type=file;Size=17729;Unique=AAD/AAAABJ8; ftpd.cat8",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaaaafUYqaaa;Perm=rf;Size=15741; x",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=cdir;Unique=aaaaacUYqaaa;Perm=cpmel; /",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaaaajUYqaaa;Perm=rf;Size=5760; x4",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=dir;Unique=aaabcaUYqaaa;Perm=elf; sub",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaaaagUYqaaa;Perm=rf;Size=8043; x1",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=dir;Unique=aaab8aUYqaaa;Perm=cpmelf; files",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaaaahUYqaaa;Perm=rf;Size=4983; x2",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaaaaiUYqaaa;Perm=rf;Size=6854; x3",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=dir;Unique=aaabceUYqaaa;Perm=elf; dir",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaabcbUYqaaa;Perm=rf;Size=0; y1",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaabccUYqaaa;Perm=rf;Size=0; y2",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaabcdUYqaaa;Perm=rf;Size=0; y3",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaaaacUYqaaa;Perm=cpmel; /",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaaaacUYqaaa;Perm=cpmel; ..",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=cdir;Unique=aaabcaUYqaaa;Perm=el; /sub",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaabcaUYqaaa;Perm=el; /sub",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaabcaUYqaaa;Perm=el; ..",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaab8cUYqaaa;Perm=r;Size=15039; mlst.c",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=dir;Unique=aaabcfUYqaaa;Perm=el; ect",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=cdir;Unique=aaabceUYqaaa;Perm=el; dir",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=cdir;Unique=aaabceUYqaaa;Perm=el; /sub/dir",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=dir;Unique=aaabchUYqaaa;Perm=el; misc",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaab8bUYqaaa;Perm=r;Size=34589; ftpd.c",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=dir;Unique=aaabcgUYqaaa;Perm=el; ory",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaabceUYqaaa;Perm=el; /sub/dir",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaabceUYqaaa;Perm=el; ..",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=cdir;Unique=aaabcfUYqaaa;Perm=el; /sub/dir/ect",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=cdir;Unique=aaab8aUYqaaa;Perm=cpmel; /files",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaaaacUYqaaa;Perm=cpmel; /",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaaaacUYqaaa;Perm=cpmel; ..",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaab8cUYqaaa;Perm=rf;Size=15039; mlst.c",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaab8bUYqaaa;Perm=rf;Size=34589; ftpd.c",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaab8cUYqaaa;Perm=rf;Size=15039; list.c",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaaaacUYqaaa;Perm=cpmel; /",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=pdir;Unique=aaaaacUYqaaa;Perm=cpmel; ..",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=file;Unique=aaab8bUYqaaa;Perm=rf;Size=34589; ftpd.c",
    ),
    (
        "RFC 3659 §7.7.11",
        "Type=cdir;Unique=aaab8aUYqaaa;Perm=cpmel; /files",
    ),
];

/// The wire form of a transcript: each line CRLF-terminated.
fn wire(lines: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A line's text after its `ddd-` / `ddd SP` prefix (empty for a bare code).
fn after_prefix(line: &str) -> &[u8] {
    line.as_bytes().get(4..).unwrap_or(b"")
}

#[test]
fn every_rfc_example_decodes_line_by_line_and_re_encodes() {
    assert!(EXAMPLES.len() > 100, "table too small: {}", EXAMPLES.len());
    for (source, lines) in EXAMPLES {
        let wire = wire(lines);
        let (rest, reply) =
            decode_reply(&wire).unwrap_or_else(|e| panic!("{source}: {lines:?}: {e}"));
        assert!(rest.is_empty(), "{source}: {lines:?} left {rest:?}");
        assert_eq!(reply.code().value().to_string(), lines[0][..3], "{source}");
        assert_eq!(reply.line_count(), lines.len(), "{source}: {lines:?}");
        assert_eq!(reply.is_multiline(), lines.len() > 1, "{source}");
        let got: Vec<&[u8]> = reply.lines().collect();
        let n = lines.len();
        for (i, (got, want)) in got.iter().zip(lines.iter()).enumerate() {
            let want = if i == 0 || i == n - 1 {
                after_prefix(want)
            } else {
                want.as_bytes()
            };
            assert_eq!(*got, want, "{source}: line {i} of {lines:?}");
        }
        assert_eq!(reply.text(), after_prefix(lines[0]), "{source}");

        // Re-encoding gives the same bytes; a bare code (RFC 4217 §12 timing diagrams, RFC 7151
        // host-ok) is written in its canonical `ddd SP` form.
        let mut again = Vec::new();
        reply.encode(&mut again);
        if lines.len() == 1 && lines[0].len() == 3 {
            assert_eq!(again, format!("{} \r\n", lines[0]).into_bytes(), "{source}");
        } else {
            assert_eq!(again, wire, "{source}: {lines:?}");
        }
        assert_eq!(decode_reply(&again).unwrap().1, reply, "{source}");
    }
}

#[test]
fn all_rfc_examples_stream_byte_by_byte() {
    let mut stream = Vec::new();
    let mut expected: Vec<Reply<'static>> = Vec::new();
    for (_, lines) in EXAMPLES {
        let w = wire(lines);
        expected.push(decode_reply(&w).unwrap().1.into_owned());
        stream.extend_from_slice(&w);
    }
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut got = Vec::new();
    for b in &stream {
        decoder.feed(std::slice::from_ref(b));
        while let Some(r) = decoder.next_reply() {
            got.push(r.expect("every RFC example is valid").into_owned());
        }
    }
    assert_eq!(got, expected);
    assert_eq!(decoder.buffered(), 0);
}

#[test]
fn every_rfc3659_mlsd_line_parses() {
    assert!(MLSD_LINES.len() > 80);
    for (source, line) in MLSD_LINES {
        let facts =
            parse_facts(line.as_bytes()).unwrap_or_else(|e| panic!("{source}: {line}: {e}"));
        let sp = line.find(' ').unwrap();
        assert_eq!(
            facts.pathname.as_bytes(),
            &line.as_bytes()[sp + 1..],
            "{source}: {line}"
        );
        assert_eq!(
            facts.facts.len(),
            line[..sp].matches(';').count(),
            "{source}: {line}"
        );
        assert!(
            facts.file_type().is_some(),
            "{source}: every example has a type fact"
        );
    }
}

fn reply(lines: &[&str]) -> Reply<'static> {
    decode_reply(&wire(lines)).unwrap().1.into_owned()
}

#[test]
fn rfc_payloads() {
    // RFC 2428 §3
    assert_eq!(
        parse_epsv_reply(&reply(&["229 Entering Extended Passive Mode (|||6446|)"])),
        Ok(6446)
    );
    // RFC 3659 §7.7.3 transcript: S> 227 Entering Passive Mode (127,0,0,1,255,46)
    let addr = parse_pasv_reply(&reply(&["227 Entering Passive Mode (127,0,0,1,255,46)"])).unwrap();
    assert_eq!(addr, "127.0.0.1:65326".parse().unwrap());
    // RFC 959 Appendix II
    let r = reply(&["257 \"/usr/dm/foo\"\"bar\" directory created"]);
    assert_eq!(
        parse_pathname_reply(&r).unwrap().as_bytes(),
        b"/usr/dm/foo\"bar"
    );
    // RFC 3659 §3.4
    let r = reply(&["213 19980615100045.014"]);
    let want = Timestamp::new(1998, 6, 15, 10, 0, 45)
        .unwrap()
        .with_fraction(14, 3)
        .unwrap();
    assert_eq!(parse_mdtm_reply(&r), Ok(want));
    // RFC 3659 §4.4
    assert_eq!(parse_size_reply(&reply(&["213 1830"])), Ok(1830));
    // RFC 2389 §3.2
    let f = parse_feat_reply(&reply(&[
        "211-Extensions supported:",
        " MLST size*;create;modify*;perm;media-type",
        " SIZE",
        " COMPRESSION",
        " MDTM",
        "211 END",
    ]))
    .unwrap();
    assert!(f.size() && f.mdtm() && f.contains("COMPRESSION") && !f.tvfs());
    assert_eq!(
        f.mlst_facts().unwrap(),
        vec![
            (FactName::Size, true),
            (FactName::Create, false),
            (FactName::Modify, true),
            (FactName::Perm, false),
            (FactName::MediaType, false),
        ]
    );
    // RFC 3659 §5.4: S> 211- <any descriptive text> ... S>  REST STREAM
    let f = parse_feat_reply(&reply(&[
        "211- <any descriptive text>",
        " ...",
        " REST STREAM",
        " ...",
        "211 end",
    ]))
    .unwrap();
    assert!(f.rest_stream());
    // RFC 3659 §7.7.1
    let r = reply(&[
        "250- Listing cap60.pl198.tar.gz",
        " Type=file;Size=1024990;Perm=r; /tmp/cap60.pl198.tar.gz",
        "250 End",
    ]);
    let e = parse_mlst_reply(&r).unwrap();
    assert_eq!(e.pathname.as_bytes(), b"/tmp/cap60.pl198.tar.gz");
    assert_eq!(
        (e.size(), e.file_type()),
        (Some(1_024_990), Some(FileType::File))
    );
    // RFC 3659 §7.7.5
    let r = reply(&[
        "250- Listing file1",
        " Type=file;Modify=19990929003355.237; file1",
        "250 End",
    ]);
    assert_eq!(
        parse_mlst_reply(&r).unwrap().modify().unwrap().nanos(),
        237_000_000
    );
    // RFC 3659 §7.7.4: the file whose name is three spaces.
    let e = parse_facts(b"Type=file;Perm=awdrf;Unique=keVO1+LH4;    ").unwrap();
    assert_eq!(e.pathname.as_bytes(), b"   ");
}
