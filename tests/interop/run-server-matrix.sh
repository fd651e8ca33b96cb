#!/usr/bin/env bash
# Interop matrix of OUR server (examples/ftps-server.rs) against real clients: curl (explicit
# and implicit, TLS 1.2 and 1.3), lftp (explicit and implicit) and Python ftplib (the interop
# environment's ftplib_client.py: session-reusing and stock FTP_TLS), always PROT P: list,
# upload 1 MiB and 64 MiB, download and SHA-256 compare, resumed download and upload
# (curl -C -), mkdir, rename, delete; then the refusals a TLS-requiring server must make
# (plain login, PROT C transfer, PORT/EPRT to a foreign address) and stock ftplib refused
# under "resume required" (522), accepted when resumption is not required.
#
# Output: one line per check `PASS name` / `FAIL name: reason` / `SKIP name: why`, then
# `N passed, M failed, K skipped`; exit status 1 on any FAIL. The results are also written to
# tests/interop/SERVER-MATRIX.md (with the tool versions). Every client call has a timeout;
# the servers run under `timeout` and are stopped (by their pid) at the end.
#
# Usage: tests/interop/run-server-matrix.sh [--no-build]
# Environment: MATRIX_LARGE_MB (default 64), MATRIX_PORT_BASE (default 2125: explicit
#   PORT_BASE, implicit PORT_BASE+869 = 2994, second server PORT_BASE+1; passive 40400-40499,
#   outside the interop environment's port plan in env.sh), INTEROP_CLIENTS_DIR (where
#   ftplib_client.py and env.sh live; default: this directory).
# Owns: a scratch directory under /tmp and the server processes it starts.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CLIENTS_DIR="${INTEROP_CLIENTS_DIR:-$HERE}"
LARGE_MB="${MATRIX_LARGE_MB:-64}"
BASE="${MATRIX_PORT_BASE:-2125}"
EXPLICIT_PORT="$BASE"
IMPLICIT_PORT=$((BASE + 869))
LAX_PORT=$((BASE + 1))              # second server: resumption not required
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
    --no-implicit --passive-ports "$PASV_B" --resume-required off
for p in "$EXPLICIT_PORT" "$IMPLICIT_PORT" "$LAX_PORT"; do
    wait_port "$p" || { echo "[matrix] server did not start on $p" >&2; cat "$WORK"/server-*.log >&2; exit 1; }
done

SMALL="$WORK/small.bin" LARGE="$WORK/large.bin"
head -c $((1024 * 1024)) /dev/urandom >"$SMALL"
head -c $((LARGE_MB * 1024 * 1024)) /dev/urandom >"$LARGE"
AUTH="$USER_NAME:$USER_PASS"

# --------------------------------------------------------------------------------------------
# curl: explicit (--ssl-reqd) and implicit (ftps://), TLS 1.2 and 1.3
# --------------------------------------------------------------------------------------------
curl_ftp() { curl -sS --max-time "$T" --cacert "$CA" "$@"; }
if command -v curl >/dev/null; then
    for mode in explicit implicit; do
        for v in 1.2 1.3; do
            if [ "$mode" = explicit ]; then URL="ftp://127.0.0.1:$EXPLICIT_PORT"; OPT=(--ssl-reqd)
            else URL="ftps://127.0.0.1:$IMPLICIT_PORT"; OPT=(); fi
            OPT+=(--tlsv"$v" --tls-max "$v")
            n="curl/$mode/tls$v"
            d="c-$mode-$v"
            check "$n/list" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" "${@}" | grep -q hello.txt' \
                "$CA" "${OPT[@]}" "$URL/" -u "$AUTH"
            check "$n/mkdir" curl_ftp "${OPT[@]}" -u "$AUTH" "$URL/" -Q "MKD $d" -o /dev/null
            check "$n/upload-1MiB" curl_ftp "${OPT[@]}" -u "$AUTH" -T "$SMALL" "$URL/$d/small.bin"
            check "$n/upload-${LARGE_MB}MiB" curl_ftp "${OPT[@]}" -u "$AUTH" -T "$LARGE" "$URL/$d/large.bin"
            rm -f "$WORK/got"
            check "$n/download-1MiB-sha256" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" "${@:3}" -o "$1" && cmp -s "$1" "$2"' \
                "$CA" "$WORK/got" "$SMALL" "${OPT[@]}" -u "$AUTH" "$URL/$d/small.bin"
            rm -f "$WORK/got"
            check "$n/download-${LARGE_MB}MiB-sha256" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" "${@:3}" -o "$1" && [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]' \
                "$CA" "$WORK/got" "$LARGE" "${OPT[@]}" -u "$AUTH" "$URL/$d/large.bin"
            # Resumed download: the first 300000 bytes are here, curl -C - sends REST 300000.
            head -c 300000 "$SMALL" >"$WORK/part"
            check "$n/resume-download" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" -C - "${@:3}" -o "$1" && cmp -s "$1" "$2"' \
                "$CA" "$WORK/part" "$SMALL" "${OPT[@]}" -u "$AUTH" "$URL/$d/small.bin"
            # Resumed upload: the server has the first 400000 bytes, curl -C - asks SIZE, APPE.
            head -c 400000 "$SMALL" >"$ROOT_A/$d/resumed.bin"
            check "$n/resume-upload" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" -C - -T "$2" "${@:3}" && cmp -s "$1" "$2"' \
                "$CA" "$ROOT_A/$d/resumed.bin" "$SMALL" "${OPT[@]}" -u "$AUTH" "$URL/$d/resumed.bin"
            check "$n/rename" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" "$@" -o /dev/null && [ -f "'"$ROOT_A/$d/renamed.bin"'" ]' \
                "$CA" "${OPT[@]}" -u "$AUTH" "$URL/" -Q "RNFR $d/small.bin" -Q "RNTO $d/renamed.bin"
            check "$n/delete" bash -c 'curl -sS --max-time '"$T"' --cacert "$0" "$@" -o /dev/null && [ ! -e "'"$ROOT_A/$d/renamed.bin"'" ]' \
                "$CA" "${OPT[@]}" -u "$AUTH" "$URL/" -Q "DELE $d/renamed.bin"
        done
    done
else
    skip "curl" "curl not installed"
fi

# --------------------------------------------------------------------------------------------
# lftp (GnuTLS): explicit (ftp:ssl-force) and implicit (ftps://)
# --------------------------------------------------------------------------------------------
if command -v lftp >/dev/null; then
    for mode in explicit implicit; do
        if [ "$mode" = explicit ]; then URL="ftp://127.0.0.1:$EXPLICIT_PORT"; else URL="ftps://127.0.0.1:$IMPLICIT_PORT"; fi
        n="lftp/$mode"
        d="l-$mode"
        lf() { # commands
            timeout "$T" lftp -c "set ssl:ca-file '$CA'; set ftp:ssl-force true; set ftp:ssl-protect-data true; \
                set ftp:ssl-protect-list true; set net:max-retries 1; set net:timeout 20; set xfer:clobber true; \
                set cmd:fail-exit true; open -u '$USER_NAME,$USER_PASS' '$URL'; $1"
        }
        check "$n/list" bash -c "$(declare -f lf); T=$T CA='$CA' USER_NAME='$USER_NAME' USER_PASS='$USER_PASS' URL='$URL'; lf 'cls -1' | grep -q hello.txt"
        check "$n/mkdir" lf "mkdir $d"
        check "$n/upload-1MiB" lf "put '$SMALL' -o $d/small.bin"
        check "$n/upload-${LARGE_MB}MiB" lf "put '$LARGE' -o $d/large.bin"
        rm -f "$WORK/got"
        check "$n/download-1MiB-sha256" bash -c "$(declare -f lf same sha); T=$T CA='$CA' USER_NAME='$USER_NAME' USER_PASS='$USER_PASS' URL='$URL'; lf 'get $d/small.bin -o $WORK/got' && same '$WORK/got' '$SMALL'"
        rm -f "$WORK/got"
        check "$n/download-${LARGE_MB}MiB-sha256" bash -c "$(declare -f lf same sha); T=$T CA='$CA' USER_NAME='$USER_NAME' USER_PASS='$USER_PASS' URL='$URL'; lf 'get $d/large.bin -o $WORK/got' && same '$WORK/got' '$LARGE'"
        check "$n/rename" bash -c "$(declare -f lf); T=$T CA='$CA' USER_NAME='$USER_NAME' USER_PASS='$USER_PASS' URL='$URL'; lf 'mv $d/small.bin $d/moved.bin' && [ -f '$ROOT_A/$d/moved.bin' ]"
        check "$n/delete" bash -c "$(declare -f lf); T=$T CA='$CA' USER_NAME='$USER_NAME' USER_PASS='$USER_PASS' URL='$URL'; lf 'rm $d/moved.bin' && [ ! -e '$ROOT_A/$d/moved.bin' ]"
        check "$n/rmdir" bash -c "$(declare -f lf); T=$T CA='$CA' USER_NAME='$USER_NAME' USER_PASS='$USER_PASS' URL='$URL'; lf 'rm $d/large.bin; rmdir $d' && [ ! -e '$ROOT_A/$d' ]"
    done
else
    skip "lftp" "lftp not installed"
fi

# --------------------------------------------------------------------------------------------
# Python ftplib (the interop environment's client)
# --------------------------------------------------------------------------------------------
FTPLIB="$CLIENTS_DIR/ftplib_client.py"
ftplib_suite() { # name-prefix port variant mode
    local out="$WORK/ftplib.$1.out" l
    timeout 300 "$PY" "$FTPLIB" suite "$3" "$4" 127.0.0.1 "$2" "$USER_NAME" "$USER_PASS" "$CA" \
        "$SMALL" "$LARGE" "$WORK" >"$out" 2>&1
    while IFS= read -r l; do
        case "$l" in
            PASS\ *) pass "$1/${l#PASS }" ;;
            FAIL\ *) l="${l#FAIL }"; fail "$1/${l%%: *}" "${l#*: }" ;;
        esac
    done <"$out"
    grep -qE '^(PASS|FAIL) ' "$out" || fail "$1" "no result: $(tail -1 "$out")"
}
if [ -f "$FTPLIB" ] && [ -x "$PY" ]; then
    ftplib_suite "A" "$EXPLICIT_PORT" reuse explicit
    ftplib_suite "A" "$IMPLICIT_PORT" reuse implicit
    # Stock FTP_TLS never resumes the control session: refused (522) where it is required...
    check "A/ftplib-stock/explicit/refused-without-resumption" "$PY" -c '
import ftplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
f = ftplib.FTP_TLS(context=ctx, timeout=30)
f.connect("127.0.0.1", int(sys.argv[1])); f.login(sys.argv[2].split(":")[0], sys.argv[2].split(":", 1)[1]); f.prot_p()
try:
    f.nlst()
except ftplib.error_perm as e:
    assert str(e).startswith("522"), e
    print("refused:", e); sys.exit(0)
sys.exit("listing accepted without session resumption")' "$EXPLICIT_PORT" "$AUTH" "$CA"
    # ...and works where it is not.
    ftplib_suite "B" "$LAX_PORT" stock explicit
    # The refusals of a TLS-requiring server.
    out="$WORK/refuse.out"
    timeout 120 "$PY" "$FTPLIB" refuse 127.0.0.1 "$EXPLICIT_PORT" "$USER_NAME" "$USER_PASS" "$CA" >"$out" 2>&1
    while IFS= read -r l; do
        case "$l" in
            PASS\ *) pass "A/${l#PASS }" ;;
            FAIL\ *) l="${l#FAIL }"; fail "A/${l%%: *}" "${l#*: }" ;;
        esac
    done <"$out"
    grep -qE '^(PASS|FAIL) ' "$out" || fail "A/refusal" "no result: $(tail -1 "$out")"
else
    skip "ftplib" "ftplib_client.py not found in $CLIENTS_DIR (set INTEROP_CLIENTS_DIR)"
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
    echo "- Server B: the same with \`--resume-required off\` (stock ftplib), explicit :$LAX_PORT."
    echo "- Large file: $LARGE_MB MiB. PROT P everywhere."
    echo
    echo "**$summary**"
    echo
    echo '```text'
    cat "$RESULTS"
    echo '```'
} >"$HERE/SERVER-MATRIX.md"
[ "$failed" -eq 0 ]
