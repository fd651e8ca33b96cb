#!/usr/bin/python3
"""Python ftplib as an FTPS client, for clients.sh.

Two variants of FTP_TLS are exercised:
  * "stock": ftplib.FTP_TLS as shipped; its data connections start a fresh TLS session, so a
    server that requires TLS session reuse on data connections (RFC 4217 section 10.2 allows
    it; vsftpd require_ssl_reuse=YES, ProFTPD by default) refuses them.
  * "reuse": a subclass that resumes the control connection's TLS session on every data
    connection (wrap_socket(..., session=self.sock.session)).
Both run explicit (AUTH TLS) or implicit (TLS from the first byte: a small connect() override,
as ftplib has no implicit mode of its own), always with PROT P.

Commands:
  suite  VARIANT MODE HOST PORT USER PASS CAFILE SMALL LARGE WORKDIR
         list, upload/download (SHA-256) of SMALL and LARGE, resumed download (REST), mkdir,
         rename, delete; one line per check: `PASS name` / `FAIL name: reason`.
  many   MODE TLS HOST PORT USER PASS CAFILE PLAN
         the "reuse" variant, ONE control session, every transfer of PLAN (lines `put LOCAL
         REMOTE` / `get REMOTE LOCAL`, see many.sh) in order, TLS version TLS (1.2 or 1.3)
         forced on control and data; prints the negotiated version and how many data
         connections resumed; exit 1 at the first failure (naming the step and the reply).
  refuse HOST PORT USER PASS CAFILE
         the refusals a TLS-requiring server must make: plain login, a PROT C transfer, PORT
         and EPRT to a foreign address (127.0.0.2: still loopback, so nothing leaves the host
         even if a server wrongly accepted; the check never asks for a transfer after it).

Owns: its connections and files under WORKDIR; remote names are prefixed per run.
"""
import ftplib
import hashlib
import os
import socket
import ssl
import sys

TIMEOUT = 60.0


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class ReuseFTP_TLS(ftplib.FTP_TLS):
    """FTP_TLS whose data connections resume the control connection's TLS session."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(
                conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


class ImplicitMixin:
    """Implicit FTPS: the control connection is TLS before the server's greeting."""

    def connect(self, host="", port=0, timeout=-999, source_address=None):
        if host:
            self.host = host
        if port > 0:
            self.port = port
        if timeout != -999:
            self.timeout = timeout
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.af = sock.family
        self.sock = self.context.wrap_socket(sock, server_hostname=self.host)
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


class ImplicitStock(ImplicitMixin, ftplib.FTP_TLS):
    pass


class ImplicitReuse(ImplicitMixin, ReuseFTP_TLS):
    pass


CLASSES = {
    ("stock", "explicit"): ftplib.FTP_TLS,
    ("reuse", "explicit"): ReuseFTP_TLS,
    ("stock", "implicit"): ImplicitStock,
    ("reuse", "implicit"): ImplicitReuse,
}


def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def connect(variant, mode, host, port, user, password, cafile):
    ftp = CLASSES[(variant, mode)](context=tls_context(cafile), timeout=TIMEOUT)
    ftp.connect(host, port)
    ftp.login(user, password)  # explicit: AUTH TLS first (FTP_TLS.login)
    ftp.prot_p()               # PBSZ 0 + PROT P
    return ftp


class Checks:
    def __init__(self, prefix, on_fail=None):
        self.prefix = prefix
        self.failed = 0
        self.on_fail = on_fail

    def run(self, name, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported, none escapes
            msg = f"{type(e).__name__}: {e}".replace("\n", " ")
            print(f"FAIL {self.prefix}/{name}: {msg}", flush=True)
            self.failed += 1
            if self.on_fail is not None:
                self.on_fail()
            return False
        print(f"PASS {self.prefix}/{name}", flush=True)
        return True


def suite(variant, mode, host, port, user, password, cafile, small, large, workdir):
    tag = f"ftplib-{variant}-{mode}-{os.getpid()}"
    state = {}

    def session():
        if "ftp" not in state:
            state["ftp"] = connect(variant, mode, host, port, user, password, cafile)
        return state["ftp"]

    def drop_session():
        ftp = state.pop("ftp", None)
        if ftp is not None:
            try:
                ftp.quit()
            except Exception:  # noqa: BLE001
                ftp.close()

    def forget_session():
        # After a failure the server may have closed the session (vsftpd does on a refused
        # data connection): the next check starts a fresh one, so each check stands alone.
        ftp = state.pop("ftp", None)
        if ftp is not None:
            ftp.close()

    checks = Checks(f"ftplib-{variant}/{mode}", on_fail=forget_session)

    def must(cond, what):
        if not cond:
            raise AssertionError(what)

    def login():
        ftp = session()
        must(isinstance(ftp.sock, ssl.SSLSocket), "control connection is not TLS")
        must(ftp.sock.version() in ("TLSv1.2", "TLSv1.3"), f"TLS version {ftp.sock.version()}")

    def listing():
        names = session().nlst()
        must(any(n.rsplit("/", 1)[-1] == "hello.txt" for n in names),
             f"hello.txt not in NLST: {names[:10]}")

    def upload(local, remote):
        def go():
            with open(local, "rb") as f:
                resp = session().storbinary(f"STOR {remote}", f, blocksize=1 << 16)
            must(resp.startswith("226") or resp.startswith("250"), f"STOR reply {resp!r}")
            size = session().size(remote)
            must(size == os.path.getsize(local), f"SIZE {size} != {os.path.getsize(local)}")
        return go

    def download(remote, local, expect_sha):
        def go():
            with open(local, "wb") as f:
                session().retrbinary(f"RETR {remote}", f.write, blocksize=1 << 16)
            got = sha256_file(local)
            must(got == expect_sha, f"sha256 {got} != {expect_sha}")
        return go

    small_remote, large_remote = f"{tag}-1mib.bin", f"{tag}-64mib.bin"
    small_sha, large_sha = sha256_file(small), sha256_file(large)

    if not checks.run("login", login):
        # Nothing else can work; report every dependent check truthfully as not run.
        for name in ("list", "upload-1mib", "upload-64mib", "download-1mib-sha256",
                     "download-64mib-sha256", "resume-download", "mkdir", "rename", "delete"):
            print(f"FAIL {checks.prefix}/{name}: not run, login failed", flush=True)
        return 1
    checks.run("list", listing)
    up_small = checks.run("upload-1mib", upload(small, small_remote))
    up_large = checks.run("upload-64mib", upload(large, large_remote))
    for ok, remote, sha, label in ((up_small, small_remote, small_sha, "1mib"),
                                   (up_large, large_remote, large_sha, "64mib")):
        name = f"download-{label}-sha256"
        if ok:
            checks.run(name, download(remote, os.path.join(workdir, f"{tag}-{label}.out"), sha))
        else:
            print(f"FAIL {checks.prefix}/{name}: not run, upload failed", flush=True)

    def resume():
        must(up_small, "upload of the 1 MiB file failed")
        local = os.path.join(workdir, f"{tag}-resume.out")
        offset = 300_000
        with open(small, "rb") as src, open(local, "wb") as dst:
            dst.write(src.read(offset))
        with open(local, "ab") as f:
            # REST <offset> then RETR (RFC 3659 section 5): only the tail is transferred.
            session().retrbinary(f"RETR {small_remote}", f.write, rest=offset)
        got = sha256_file(local)
        must(got == small_sha, f"sha256 after resume {got} != {small_sha}")

    checks.run("resume-download", resume)

    dirname = f"{tag}-dir"

    # mkdir / rename / delete are verified on the control connection only (CWD, SIZE), so
    # they stand alone even where data connections fail.
    def gone(remote):
        try:
            session().size(remote)
        except ftplib.error_perm:
            return True  # 550: no such file
        return False

    def mkdir():
        ftp = session()
        ftp.mkd(dirname)
        ftp.cwd(dirname)
        must(ftp.pwd().rstrip("/").endswith(dirname), f"PWD after CWD {dirname}: {ftp.pwd()}")
        ftp.cwd("..")

    def rename():
        ftp = session()
        src = f"{tag}-torename.txt"
        if up_small:
            src = small_remote
        else:  # upload failed: make a small file over the same data path, or fail honestly
            with open(small, "rb") as f:
                ftp.storbinary(f"STOR {src}", f, blocksize=1 << 16)
        size = ftp.size(src)
        new = f"{dirname}/{tag}-renamed.bin"
        ftp.rename(src, new)  # RNFR + RNTO
        must(gone(src), "old name still present after RNFR/RNTO")
        must(ftp.size(new) == size, "renamed file has the wrong size")
        state["renamed"] = new

    def delete():
        ftp = session()
        for remote in (state.get("renamed"), large_remote if up_large else None):
            if remote:
                ftp.delete(remote)
                must(gone(remote), f"{remote} still present after DELE")
        ftp.rmd(dirname)
        try:
            ftp.cwd(dirname)
        except ftplib.error_perm:
            return
        raise AssertionError(f"{dirname} still present after RMD")

    checks.run("mkdir", mkdir)
    checks.run("rename", rename)
    checks.run("delete", delete)
    # Best-effort removal of whatever a failed check left behind (not a check).
    try:
        ftp = session()
        for remote in (small_remote, large_remote, f"{tag}-torename.txt"):
            try:
                ftp.delete(remote)
            except ftplib.all_errors:
                pass
    except Exception:  # noqa: BLE001
        pass
    drop_session()
    return 1 if checks.failed else 0


def refuse(host, port, user, password, cafile):
    checks = Checks("refusal")

    def plain_login():
        ftp = ftplib.FTP(timeout=TIMEOUT)
        try:
            try:
                ftp.connect(host, port)
                ftp.login(user, password)
            except (ftplib.error_perm, ftplib.error_temp):
                # 4xx/5xx on the greeting (pure-ftpd: 421), on USER or on PASS: refused
                return
            raise AssertionError("plain-text login accepted (230) while TLS is required")
        finally:
            ftp.close()

    def prot_c_transfer():
        ftp = ftplib.FTP_TLS(context=tls_context(cafile), timeout=TIMEOUT)
        ftp.connect(host, port)
        try:
            ftp.login(user, password)
            ftp.voidcmd("PBSZ 0")
            try:
                ftp.voidcmd("PROT C")
            except ftplib.error_perm:
                return  # PROT C itself refused (RFC 4217 section 9: 534/536)
            try:
                names = ftp.nlst()  # passive, clear data connection
            except (ftplib.error_perm, ftplib.error_temp, ftplib.error_reply,
                    EOFError, OSError):
                return  # the clear-text transfer was refused
            raise AssertionError(f"clear-text (PROT C) listing accepted: {names[:5]}")
        finally:
            ftp.close()

    def foreign(cmd):
        def go():
            ftp = connect("reuse", "explicit", host, port, user, password, cafile)
            try:
                try:
                    resp = ftp.sendcmd(cmd)
                except (ftplib.error_perm, ftplib.error_temp):
                    return  # refused, as required
                raise AssertionError(f"{cmd.split()[0]} to a foreign address accepted: {resp!r}")
            finally:
                ftp.close()  # never start a transfer to that address
        return go

    checks.run("plain-login/ftplib", plain_login)
    checks.run("prot-c-transfer/ftplib", prot_c_transfer)
    # 127.0.0.2 port 40960 (160*256): not the client's address (127.0.0.1).
    checks.run("port-foreign-address/ftplib", foreign("PORT 127,0,0,2,160,0"))
    checks.run("eprt-foreign-address/ftplib", foreign("EPRT |1|127.0.0.2|40960|"))
    return 1 if checks.failed else 0


def many(mode, tls, host, port, user, password, cafile, plan):
    versions = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
    ctx = tls_context(cafile)
    ctx.minimum_version = ctx.maximum_version = versions[tls]
    with open(plan, encoding="utf-8") as f:
        steps = [line.split() for line in f if line.strip()]
    resumed = []

    class Counting(CLASSES[("reuse", mode)]):
        def ntransfercmd(self, cmd, rest=None):
            conn, size = super().ntransfercmd(cmd, rest)
            resumed.append(getattr(conn, "session_reused", False))
            return conn, size

    ftp = Counting(context=ctx, timeout=TIMEOUT)
    done = 0
    try:
        ftp.connect(host, port)
        ftp.login(user, password)
        ftp.prot_p()
        version = ftp.sock.version()
        for i, (verb, a, b) in enumerate(steps, 1):
            try:
                if verb == "put":
                    with open(a, "rb") as src:
                        ftp.storbinary(f"STOR {b}", src)
                elif verb == "get":
                    with open(b, "wb") as dst:
                        ftp.retrbinary(f"RETR {a}", dst.write)
                else:
                    raise ValueError(f"unknown plan verb {verb!r}")
            except Exception as e:  # noqa: BLE001 - reported with the step, then exit 1
                msg = f"{type(e).__name__}: {e}".replace("\n", " ")
                print(f"transfer {i}/{len(steps)} ({verb} {a}) failed after {done} done: {msg}",
                      flush=True)
                return 1
            done += 1
        ftp.quit()
    except Exception as e:  # noqa: BLE001
        msg = f"{type(e).__name__}: {e}".replace("\n", " ")
        print(f"session failed after {done} transfers: {msg}", flush=True)
        return 1
    print(f"{done} transfers in one session, control {version}, "
          f"{sum(1 for r in resumed if r)}/{len(resumed)} data connections resumed", flush=True)
    return 0


def main(argv):
    if len(argv) == 11 and argv[0] == "suite":
        _, variant, mode, host, port, user, pw, ca, small, large, work = argv
        return suite(variant, mode, host, int(port), user, pw, ca, small, large, work)
    if len(argv) == 9 and argv[0] == "many":
        _, mode, tls, host, port, user, pw, ca, plan = argv
        return many(mode, tls, host, int(port), user, pw, ca, plan)
    if len(argv) == 6 and argv[0] == "refuse":
        _, host, port, user, pw, ca = argv
        return refuse(host, int(port), user, pw, ca)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
