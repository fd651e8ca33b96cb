#!/usr/bin/env bash
# Memory bound of the example client under a huge listing (issue 10): `ftps-client ls`
# (release build) against a purpose-built FTPS server that streams a 1 GiB MLSD listing
# quickly; the client's peak RSS (getrusage of the child, i.e. VmHWM) must stay under
# 64 MiB, and every entry must reach stdout (counted).
#
#   bash tests/interop/listing-memory.sh            # 1 GiB, limit 64 MiB
#   LISTING_MIB=256 RSS_LIMIT_MIB=64 bash tests/interop/listing-memory.sh
#
# The server (Python 3 + ssl, below) speaks just enough FTPS: AUTH TLS, USER/PASS, PBSZ,
# PROT P, FEAT, TYPE, EPSV, MLSD, QUIT, on 127.0.0.1 ports 24100 (control) and 24101-24199
# (data). It writes a pre-built 1 MiB block of MLSD entries LISTING_MIB times, then ends
# the data connection with close_notify and answers 226. Needs python3, openssl; bounded:
# the client runs under `timeout`, the server gives up after 150 s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
LISTING_MIB=${LISTING_MIB:-1024}
RSS_LIMIT_MIB=${RSS_LIMIT_MIB:-64}
PORT=${LISTING_PORT:-24100}

# The release build is shared with tests/interop/run-client-matrix.sh (a no-op after it).
timeout 1200 cargo build --release --quiet --example ftps-client --features tokio
CLIENT=${CARGO_TARGET_DIR:-$PWD/target}/release/examples/ftps-client

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A CA and a leaf for localhost (webpki refuses a CA certificate as the server's own).
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${EC[@]}" -days 2 -subj /CN=listing-memory-ca \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req "${EC[@]}" -subj /CN=localhost -keyout "$WORK/key.pem" -out "$WORK/leaf.csr" \
    2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$WORK/leaf.ext"
openssl x509 -req -in "$WORK/leaf.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
    -CAcreateserial -days 2 -extfile "$WORK/leaf.ext" -out "$WORK/cert.pem" 2>/dev/null

python3 - "$CLIENT" "$WORK" "$PORT" "$LISTING_MIB" "$RSS_LIMIT_MIB" <<'PY'
import resource, socket, ssl, subprocess, sys, threading, time

client, work, port, mib, limit_mib = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])

# One 1 MiB block of MLSD entries, whole lines only (padded with a last entry to size).
entries, block = 0, bytearray()
while True:
    line = b"type=file;size=%d;modify=20240102030405;perm=r; entry-%08d-%s.bin\r\n" % (
        entries * 7919, entries, b"x" * 120)
    if len(block) + len(line) > (1 << 20):
        break
    block += line
    entries += 1
block = bytes(block)
expected = entries * mib

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(f"{work}/cert.pem", f"{work}/key.pem")
result = {}

def serve():
    ls = socket.create_server(("127.0.0.1", port))
    ls.settimeout(150)
    conn, _ = ls.accept()
    conn.settimeout(150)
    f = conn.makefile("rb")
    def send(s):
        c.sendall(s.encode() + b"\r\n")
    c = conn
    send("220 listing-memory server")
    data_listener = None
    while True:
        line = (c.recv(4096) if isinstance(c, ssl.SSLSocket) else f.readline()).decode()
        if not line:
            break
        verb = line.split()[0].upper()
        if verb == "AUTH":
            send("234 Proceed")
            c = ctx.wrap_socket(conn, server_side=True)
        elif verb == "USER":
            send("331 Password")
        elif verb == "PASS":
            send("230 Logged in")
        elif verb == "FEAT":
            send("211-Features:\r\n EPSV\r\n MLST type*;size*;modify*;perm*;\r\n211 End")
        elif verb == "EPSV":
            for p in range(port + 1, port + 100):
                try:
                    data_listener = socket.create_server(("127.0.0.1", p))
                    break
                except OSError:
                    continue
            data_listener.settimeout(30)
            send(f"229 Entering Extended Passive Mode (|||{p}|)")
        elif verb in ("MLSD", "LIST"):
            send("150 Here comes the listing")
            d, _ = data_listener.accept()
            d = ctx.wrap_socket(d, server_side=True)
            started = time.monotonic()
            for _ in range(mib):
                d.sendall(block)
            d = d.unwrap()
            d.close()
            result["seconds"] = time.monotonic() - started
            send("226 Listing sent")
        elif verb == "QUIT":
            send("221 Bye")
            break
        else:
            send("200 OK")
    c.close()

server = threading.Thread(target=serve, daemon=True)
server.start()
time.sleep(0.2)
proc = subprocess.Popen(
    ["timeout", "110", client, "--ca-file", f"{work}/ca.pem",
     f"ftp://u:p@localhost:{port}/", "ls"],
    stdout=subprocess.PIPE)
lines = 0
while True:
    chunk = proc.stdout.read(1 << 20)
    if not chunk:
        break
    lines += chunk.count(b"\n")
status = proc.wait()
server.join(10)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"listing: {mib} MiB, {expected} entries; client printed {lines} lines, exit {status}; "
      f"server sent it in {result.get('seconds', float('nan')):.1f} s; "
      f"client peak RSS {peak_kib / 1024:.1f} MiB (limit {limit_mib} MiB)")
ok = status == 0 and lines == expected and peak_kib < limit_mib * 1024
print("listing-memory:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
