#!/usr/bin/python3
"""pyftpdlib FTPS server for the interop tests (explicit FTPS only: pyftpdlib has no implicit
mode). TLS is required on the control connection and on data connections (PROT P); foreign
PORT addresses are refused. Started and stopped by servers.sh; stops by itself after
--lifetime seconds.

Owns: one listening socket on 127.0.0.1 and the FTP root it is given. Nothing else.
"""
import argparse
import logging
import signal
import sys

from OpenSSL import SSL
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.servers import FTPServer


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--passive", required=True, help="MIN-MAX")
    p.add_argument("--root", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--tls-max", choices=("1.2", "1.3"), default="1.3")
    p.add_argument("--lifetime", type=float, default=3600.0)
    args = p.parse_args()

    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_max_proto_version(
        SSL.TLS1_2_VERSION if args.tls_max == "1.2" else SSL.TLS1_3_VERSION)
    ctx.set_options(SSL.OP_NO_COMPRESSION)
    ctx.use_certificate_chain_file(args.cert)
    ctx.use_privatekey_file(args.key)
    ctx.check_privatekey()
    # A session id context lets clients resume the control connection's TLS session on data
    # connections (RFC 4217 section 10.2); without it OpenSSL aborts such handshakes.
    ctx.set_session_id(b"ftps-proto-interop")

    authorizer = DummyAuthorizer()
    authorizer.add_user(args.user, args.password, args.root, perm="elradfmwMT")

    lo, hi = (int(x) for x in args.passive.split("-"))

    class Handler(TLS_FTPHandler):
        pass

    Handler.authorizer = authorizer
    Handler.ssl_context = ctx
    Handler.tls_control_required = True
    Handler.tls_data_required = True
    Handler.passive_ports = list(range(lo, hi + 1))
    Handler.permit_foreign_addresses = False
    Handler.banner = "ftps-proto interop pyftpdlib ready."

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    server = FTPServer(("127.0.0.1", args.port), Handler)
    server.max_cons = 30
    # Hard lifetime: SIGALRM ends serve_forever (it treats SystemExit as a clean shutdown).
    def expire(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(max(1, int(args.lifetime)))
    server.serve_forever(timeout=1.0, blocking=True, handle_exit=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
