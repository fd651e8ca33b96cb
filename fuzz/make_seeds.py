#!/usr/bin/env python3
"""Regenerates fuzz/seeds/ from the RFC texts and a few hand-written FTPS transcripts.

Usage: python3 fuzz/make_seeds.py [RFC_DIR]   (default: ../shared/rfc beside the repository)

Every example exchange in the RFCs (lines starting `C>`, `S>` or `D>`) becomes a seed:
client lines for the command targets, server and data lines for the reply targets. The
hand-written seeds below cover what the RFCs show only in prose (RFC 4217 session, Telnet
IAC around ABOR, PASV/EPSV replies, LIST formats). Seeds are small by design.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RFC_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "rfc")
SEEDS = os.path.join(HERE, "seeds")
CRLF = b"\r\n"

COMMAND_TARGETS = ["decode_command", "command_roundtrip", "arbitrary_command"]
REPLY_TARGETS = ["decode_reply", "reply_roundtrip", "arbitrary_reply"]

HAND_COMMANDS = {
    # RFC 4217 §4-§9: explicit FTPS login and a protected transfer.
    "ftps-session": ["AUTH TLS", "PBSZ 0", "PROT P", "USER anonymous", "PASS guest@",
                     "SYST", "FEAT", "OPTS UTF8 ON", "PWD", "TYPE I", "EPSV", "RETR pub/file.bin",
                     "PASV", "STOR upload/new file.txt", "CCC", "QUIT"],
    # A busy server's view (the bench mix).
    "busy-session": ["USER alice", "PASS s3cret", "CWD /pub/releases", "TYPE I", "EPSV",
                     "MLSD", "SIZE linux-6.1.tar.xz", "MDTM linux-6.1.tar.xz", "REST 1048576",
                     "RETR linux-6.1.tar.xz", "NOOP", "LIST -la", "CDUP", "MKD new dir",
                     "RNFR old", "RNTO new", "DELE tmp.bin", "RMD new dir", "QUIT"],
    # Every verb with an argument shape the grammar knows.
    "every-verb": ["ACCT project1", "SMNT /mnt", "REIN", "PORT 127,0,0,1,15,107",
                   "TYPE A N", "TYPE E T", "TYPE L 8", "STRU F", "STRU R", "MODE S", "MODE B",
                   "STOU", "APPE log.txt", "ALLO 1024 R 512", "ALLO 99", "ABOR", "NLST",
                   "SITE CHMOD 644 x", "STAT", "STAT /etc", "HELP", "HELP SITE", "XCWD a",
                   "XCUP", "XMKD b", "XRMD b", "XPWD", "ADAT YWJj", "MIC ZGVm", "CONF Z2hp",
                   "ENC amts", "PROT C", "PROT S", "PROT E", "EPRT |1|132.235.1.2|6275|",
                   "EPRT |2|1080::8:800:200C:417A|5282|", "EPSV ALL", "EPSV 2", "MLST",
                   "MLST file1", "MFMT 20020717210715 file.txt", "HOST ftp.example.com",
                   "LANG", "LANG fr", "XYZZY plugh", "noop", "RetR MiXeD"],
}

# RFC 959 §4.1.3 ABOR: Telnet IP and Synch (IAC IP, IAC DM) before the command; IAC IAC is
# a data 0xFF; option negotiation to be ignored; a lone LF; CR NUL.
HAND_COMMAND_BYTES = {
    "telnet-abor": b"\xff\xf4\xff\xf2ABOR\r\n",
    "telnet-iac-iac": b"RETR caf\xff\xffe\r\nSTOR a\xff\xff\r\n",
    "telnet-negotiation": b"\xff\xfb\x01\xff\xfd\x03NOOP\r\n\xff\xf1QUIT\r\n",
    "lone-lf": b"USER bob\nPASS x\nQUIT\r\n",
    "cr-nul": b"SITE a\r\x00b\r\nNOOP\r\n",
    "empty-and-space": b"\r\n \r\nUSER\r\nCWD\r\nPORT 1,2,3\r\nREST -1\r\n",
    "utf8-path": "CWD /données/日本\r\nRETR naïve.txt\r\n".encode(),
}

HAND_REPLIES = {
    "ftps-session": [
        "220 ProFTPD Server (Debian) [::ffff:192.0.2.1]", "234 AUTH TLS successful",
        "200 PBSZ 0 successful", "200 Protection set to Private", "331 Password required for alice",
        "230 User alice logged in", "215 UNIX Type: L8",
        "211-Features:", " AUTH TLS", " PBSZ", " PROT", " EPSV", " EPRT", " MDTM", " SIZE",
        " REST STREAM", " MLST type*;size*;modify*;perm;unique;", " UTF8", " TVFS", " CCC",
        " HOST", " LANG EN*;FR", " MFMT", "211 End",
        "257 \"/home/alice\" is the current directory",
        "229 Entering Extended Passive Mode (|||50123|)",
        "227 Entering Passive Mode (192,0,2,1,195,80).",
        "150 Opening BINARY mode data connection for linux.tar.xz (134217728 bytes)",
        "226 Transfer complete", "213 134217728", "213 20240229235959.123", "250 CWD command successful",
        "221 Goodbye.",
    ],
    "quirks": [
        "227 Entering Passive Mode 10,0,0,7,4,1", "227 =10,0,0,7,4,1",
        "229 Entering Extended Passive Mode (!!!6446!)",
        "257 \"/usr/dm/foo\"\"bar\" directory created", "257 \"<unambiguous>\" directory created",
        "230-Welcome", "230-", "230 logged in", "220-multi", "220 not the end yet? yes it is",
        "500-a", "501 x", "500 done", "421 Service not available, closing control connection.",
        "631 c29tZSBiYXNlNjQ=", "120-wait", "120 ready in 5 minutes",
    ],
    "list-lines": [
        "drwxr-xr-x    2 ftp      ftp          4096 Jan 01  2024 pub",
        "-rw-r--r--    1 ftp      ftp      134217728 Feb 29 23:59 linux.tar.xz",
        "lrwxrwxrwx    1 ftp      ftp             7 Mar  3 12:00 latest -> pub/6.1",
        "total 12",
        "01-16-24  02:30PM       <DIR>          Documents",
        "12-31-99  11:59AM              1234567 report final.doc",
        "type=file;size=1830;modify=19940916055648;perm=r; hatch.c",
        "Type=dir;Perm=el;Unique=keVO1+ZF4; test",
        "size=0;; empty",
    ],
}


# Inputs that once exposed a disagreement, kept so the smoke run checks them first.
HAND_REPLY_BYTES = {
    # parse_facts accepted a fact name with 8-bit bytes that encode_facts refuses (RFC 3659
    # §7.2: fact names are visible ASCII), found by decode_reply's parse-build-parse check.
    "regress-fact-name-8bit": b"type=file;\xffname=x; f\r\n",
}


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def lines(ls):
    return b"".join(l.encode() + CRLF for l in ls)


def main():
    exchange = re.compile(r"^\s*([CSD])> ?(.*)$")
    for fname in sorted(os.listdir(RFC_DIR)):
        if not fname.endswith(".txt"):
            continue
        client, server = [], []
        with open(os.path.join(RFC_DIR, fname), encoding="latin-1") as f:
            for raw in f:
                m = exchange.match(raw.rstrip("\r\n"))
                if not m:
                    continue
                who, text = m.group(1), m.group(2).rstrip()
                if "<" in text and who == "C":
                    continue  # grammar placeholders such as `AUTH <mechanism-name>`
                (client if who == "C" else server).append(text)
        stem = fname[:-4]
        if client:
            for t in COMMAND_TARGETS:
                write(t, stem + "-examples", lines(client))
        if server:
            for t in REPLY_TARGETS:
                write(t, stem + "-examples", lines(server))
    for name, ls in HAND_COMMANDS.items():
        for t in COMMAND_TARGETS:
            write(t, name, lines(ls))
    for name, data in HAND_COMMAND_BYTES.items():
        for t in COMMAND_TARGETS:
            write(t, name, data)
    for name, ls in HAND_REPLIES.items():
        for t in REPLY_TARGETS:
            write(t, name, lines(ls))
    for name, data in HAND_REPLY_BYTES.items():
        for t in REPLY_TARGETS:
            write(t, name, data)


if __name__ == "__main__":
    main()
