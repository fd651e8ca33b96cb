#!/usr/bin/env bash
# Interop matrix of OUR server (examples/ftps-server.rs) against real clients. It reuses the
# interop environment's client checks, tests/interop/clients.sh (curl, lftp, Python ftplib
# stock and session-reusing; explicit and implicit; PROT P: list, upload 1 MiB and 64 MiB,
# download + SHA-256, resumed download, mkdir, rename, delete; refusals of plain login, PROT C
# transfers, PORT/EPRT to a foreign address), against two instances:
#   A  the example's strict defaults: control Required, data Required, data connections must
#      resume the control connection's TLS session. Stock ftplib never resumes, so there its
#      data transfers must be refused with 522: that refusal is one check (A/ftplib-stock).
#   B  the same with --resume-required off: everything must pass, stock ftplib included.
# and adds what clients.sh does not cover: curl with TLS 1.2 forced (TLS 1.3 is its default),
# curl's resumed upload (-C - -T: SIZE + APPE), and the exact refusal codes (530, 534).
#
# Output: one line per check `PASS name` / `FAIL name: reason` / `SKIP name: why`, then
# `N passed, M failed, K skipped`; exit status 1 on any FAIL. The results also go to
# tests/interop/SERVER-MATRIX.md. Every client call has a timeout; the servers run under
# `timeout` and are stopped by their pid at the end.
#
# Usage: tests/interop/run-server-matrix.sh [--no-build]
# Environment: MATRIX_PORT_BASE (default 2125: A explicit 2125 / implicit 2994, B explicit
#   2126 / implicit 2995; passive 40400-40499, outside the interop environment's port plan in
#   env.sh), INTEROP_CLIENTS_DIR (where clients.sh, ftplib_client.py and env.sh live; default
#   this directory).
# Owns: a scratch directory under /tmp and the server processes it starts.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CLIENTS_DIR="${INTEROP_CLIENTS_DIR:-$HERE}"
BASE="${MATRIX_PORT_BASE:-2125}"
EXPLICIT_PORT="$BASE"
IMPLICIT_PORT=$((BASE + 869))
LAX_PORT=$((BASE + 1))              # server B: resumption not required
LAX_IMPLICIT_PORT=$((BASE + 870))
PASV_A="40400-40449" PASV_B="40450-40499"
USER_NAME="matrix" USER_PASS="Matrix-Pass-$$"
T=60                                # seconds per client call (64 MiB over loopback TLS: ~1 s)
PY="${INTEROP_PYTHON:-/usr/bin/python3}"
[ -x "$PY" ] || PY="$(command -v python3)"

WORK="$(mktemp -d /tmp/ftps-server-matrix.XXXXXX)"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

passed=0 failed=0 skipped=0
RESULTS="$WORK/results"
: >"$RESULTS"
line() { echo "$*"; echo "$*" >>"$RESULTS"; }
pass() { line "PASS $1"; passed=$((passed + 1)); }
fail() { line "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { line "SKIP $1: $2"; skipped=$((skipped + 1)); }
check() { # name command... : PASS if the command succeeds, else FAIL with its last error line
    local name="$1"; shift
    local log="$WORK/log.$((passed + failed + skipped))"
    if "$@" >"$log" 2>&1; then pass "$name"
    else fail "$name" "$(grep -v '^\s*$' "$log" | tail -1 | tr -d '\r' | cut -c1-200)"; fi
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
same() { # file file : compare SHA-256
    [ "$(sha "$1")" = "$(sha "$2")" ] || { echo "SHA-256 differs: $1 vs $2"; return 1; }
}

# --------------------------------------------------------------------------------------------
# Build and PKI
# --------------------------------------------------------------------------------------------
if [ "${1:-}" != "--no-build" ]; then
    echo "[matrix] cargo build --release --example ftps-server --features rustls" >&2
    (cd "$REPO" && cargo build -q --release --example ftps-server --features rustls) \
        || { echo "[matrix] build failed" >&2; exit 1; }
fi
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET/release/examples/ftps-server"
[ -x "$BIN" ] || { echo "[matrix] missing $BIN" >&2; exit 1; }

# The interop environment's CA and server certificate when present (setup-servers.sh), else a
# throw-away CA made here the same way (RSA 2048, SAN localhost + 127.0.0.1).
PKI=""
if [ -f "$CLIENTS_DIR/env.sh" ]; then
    # shellcheck source=/dev/null
    . "$CLIENTS_DIR/env.sh"
    if [ -s "${INTEROP_PKI:-/nonexistent}/server.pem" ] && [ -r "$INTEROP_PKI/server.key" ]; then
        PKI="$INTEROP_PKI"
    fi
fi
if [ -z "$PKI" ]; then
    PKI="$WORK/pki"; mkdir -p "$PKI"
    (
        cd "$PKI" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -keyout ca.key -out ca.pem \
            -subj "/CN=ftps-proto matrix CA" -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr \
            -subj "/CN=localhost" 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:localhost,IP:127.0.0.1" >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -sha256 -extfile server.ext -out server.pem 2>/dev/null
    ) || { echo "[matrix] certificate generation failed" >&2; exit 1; }
fi
CA="$PKI/ca.pem"

# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------
ROOT_A="$WORK/root-a" ROOT_B="$WORK/root-b"
mkdir -p "$ROOT_A" "$ROOT_B"
for r in "$ROOT_A" "$ROOT_B"; do printf 'hello from ftps-proto\n' >"$r/hello.txt"; done
start_server() { # log args...
    local log="$1"; shift
    timeout 1800 "$BIN" --cert "$PKI/server.pem" --key "$PKI/server.key" \
        --user "$USER_NAME:$USER_PASS" --login-failure-delay 200 "$@" >"$log" 2>&1 &
    PIDS+=($!)
}
wait_port() { # port
    local i
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# A: the strict defaults (control Required, data Required, resumption required).
start_server "$WORK/server-a.log" --root "$ROOT_A" --listen "127.0.0.1:$EXPLICIT_PORT" \
    --implicit-listen "127.0.0.1:$IMPLICIT_PORT" --passive-ports "$PASV_A"
# B: resumption not required (stock ftplib must work there).
start_server "$WORK/server-b.log" --root "$ROOT_B" --listen "127.0.0.1:$LAX_PORT" \
    --implicit-listen "127.0.0.1:$LAX_IMPLICIT_PORT" --passive-ports "$PASV_B" --resume-required off
for p in "$EXPLICIT_PORT" "$IMPLICIT_PORT" "$LAX_PORT" "$LAX_IMPLICIT_PORT"; do
    wait_port "$p" || { echo "[matrix] server did not start on $p" >&2; cat "$WORK"/server-*.log >&2; exit 1; }
done

SMALL="$WORK/small.bin"
head -c $((1024 * 1024)) /dev/urandom >"$SMALL"
AUTH="$USER_NAME:$USER_PASS"

# --------------------------------------------------------------------------------------------
# clients.sh (curl, lftp, ftplib) against A and B
# --------------------------------------------------------------------------------------------
CLIENTS="$CLIENTS_DIR/clients.sh"
clients() { # label port implicit-port
    local out="$WORK/clients.$1.out" l name reason
    local stock_refused=0 stock_522=0 stock_passed=0
    CLIENT_CALL_TIMEOUT=$T timeout 900 bash "$CLIENTS" 127.0.0.1 "$2" "$3" "$USER_NAME" "$USER_PASS" "$CA" \
        >"$out" 2>&1
    while IFS= read -r l; do
        case "$l" in
            PASS\ *) name="${l#PASS }"
                if [ "$1" = A ] && [[ "$name" == ftplib-stock/* ]]; then stock_passed=$((stock_passed + 1))
                else pass "$1/$name"; fi ;;
            FAIL\ *) l="${l#FAIL }"; name="${l%%: *}"; reason="${l#*: }"
                if [ "$1" = A ] && [[ "$name" == ftplib-stock/* ]]; then
                    stock_refused=$((stock_refused + 1))
                    [[ "$reason" == *522* ]] && stock_522=$((stock_522 + 1))
                else fail "$1/$name" "$reason"; fi ;;
        esac
    done <"$out"
    grep -qE '^(PASS|FAIL) ' "$out" || fail "$1/clients.sh" "no result: $(tail -1 "$out")"
    if [ "$1" = A ]; then
        # Stock FTP_TLS starts a fresh TLS session on every data connection: under "resume
        # required" each of its data transfers must be refused (522, RFC 4217 §10.2); its
        # commands without a data connection (login, mkdir, delete) still work.
        if [ "$stock_522" -gt 0 ] && ! grep -qE '^PASS ftplib-stock/[a-z]+/(list|upload|download)' "$out"; then
            pass "A/ftplib-stock/data-refused-522 ($stock_refused data checks refused, $stock_522 with 522; $stock_passed control-only checks passed)"
        else
            fail "A/ftplib-stock/data-refused-522" "stock ftplib not refused as expected ($stock_refused failed, $stock_522 with 522, $stock_passed passed)"
        fi
    fi
}
if [ -f "$CLIENTS" ] && [ -f "$CLIENTS_DIR/ftplib_client.py" ]; then
    clients A "$EXPLICIT_PORT" "$IMPLICIT_PORT"
    clients B "$LAX_PORT" "$LAX_IMPLICIT_PORT"
else
    skip "clients.sh" "not found in $CLIENTS_DIR (set INTEROP_CLIENTS_DIR)"
fi

# --------------------------------------------------------------------------------------------
# curl extras on A: TLS 1.2 forced, and resumed uploads (SIZE + APPE) on both versions
# --------------------------------------------------------------------------------------------
curl_ftp() { curl -sS --max-time "$T" --cacert "$CA" "$@"; }
if command -v curl >/dev/null; then
    for mode in explicit implicit; do
        for v in 1.2 1.3; do
            if [ "$mode" = explicit ]; then URL="ftp://127.0.0.1:$EXPLICIT_PORT"; OPT=(--ssl-reqd)
            else URL="ftps://127.0.0.1:$IMPLICIT_PORT"; OPT=(); fi
            OPT+=(--tlsv"$v" --tls-max "$v")
            n="A/curl-tls$v/$mode"
            d="c-$mode-$v"
            mkdir -p "$ROOT_A/$d"
            if [ "$v" = 1.2 ]; then
                check "$n/list" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" "${@}" | grep -q hello.txt' \
                    "$CA" "${OPT[@]}" "$URL/" -u "$AUTH"
                check "$n/upload-1MiB" curl_ftp "${OPT[@]}" -u "$AUTH" -T "$SMALL" "$URL/$d/small.bin"
                rm -f "$WORK/got"
                check "$n/download-1MiB-sha256" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" "${@:3}" -o "$1" && cmp -s "$1" "$2"' \
                    "$CA" "$WORK/got" "$SMALL" "${OPT[@]}" -u "$AUTH" "$URL/$d/small.bin"
            fi
            # Resumed upload: the server has the first 400000 bytes; curl -C - asks SIZE, APPE.
            head -c 400000 "$SMALL" >"$ROOT_A/$d/resumed.bin"
            check "$n/resume-upload" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" -C - -T "$2" "${@:3}" && cmp -s "$1" "$2"' \
                "$CA" "$ROOT_A/$d/resumed.bin" "$SMALL" "${OPT[@]}" -u "$AUTH" "$URL/$d/resumed.bin"
        done
    done
else
    skip "curl" "curl not installed"
fi

# curl's own view of the refusals (no ftplib needed): the reply codes themselves are checked.
check "A/refusal/plain-login-530/curl" bash -c 'curl -v -sS --max-time 20 "ftp://127.0.0.1:'"$EXPLICIT_PORT"'/" -u "'"$AUTH"'" -o /dev/null 2>&1 | grep -q "^< 530"'
check "A/refusal/prot-c-534/curl" bash -c 'curl -v -sS --max-time 20 --cacert "'"$CA"'" --ftp-ssl-control "ftp://127.0.0.1:'"$EXPLICIT_PORT"'/" -u "'"$AUTH"'" -o /dev/null 2>&1 | grep -E "^[<>]" | grep -A1 "^> PROT C" | grep -q "^< 534"'

# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
summary="$passed passed, $failed failed, $skipped skipped"
echo "$summary"
{
    echo "# Server interop matrix"
    echo
    echo "Our server (\`examples/ftps-server.rs\`, blocking adapter + rustls) against real clients."
    echo "Generated by \`tests/interop/run-server-matrix.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo "- curl: $(curl --version 2>/dev/null | head -1 | cut -d' ' -f1-2,5)"
    echo "- lftp: $(lftp --version 2>/dev/null | head -1 | sed 's/^LFTP | //')"
    echo "- Python: $("$PY" --version 2>&1) ($("$PY" -c 'import ssl; print(ssl.OPENSSL_VERSION)' 2>/dev/null))"
    echo "- Server A: control Required, data Required, TLS session resumption required on data"
    echo "  connections (the example's defaults); explicit :$EXPLICIT_PORT, implicit :$IMPLICIT_PORT."
    echo "- Server B: the same with \`--resume-required off\`; explicit :$LAX_PORT, implicit :$LAX_IMPLICIT_PORT."
    echo "- Client checks: \`tests/interop/clients.sh\` (interop environment) on A and B, plus curl"
    echo "  extras on A (TLS 1.2 forced, resumed upload). PROT P everywhere; 1 MiB and 64 MiB files."
    echo
    echo "**$summary**"
    echo
    echo '```text'
    cat "$RESULTS"
    echo '```'
} >"$HERE/SERVER-MATRIX.md"
[ "$failed" -eq 0 ]
