#!/usr/bin/env bash
# Interop matrix of OUR server (examples/ftps-server.rs) against real clients, on both of the
# crate's server adapters. Instances (all TLS 1.2 + 1.3, control and data TLS required, PROT P):
#   A  blocking adapter, the example's strict defaults: data connections must resume the
#      control connection's TLS session. Stock ftplib never resumes, so there its data
#      transfers must be refused with 522: that refusal is one check (A/ftplib-stock).
#   B  blocking adapter, --resume-required off: everything must pass, stock ftplib included.
#   C  tokio adapter (--async), strict defaults like A.
#   D  tokio adapter (--async), --resume-required off like B.
# Checks:
#   - tests/interop/clients.sh (curl, lftp, Python ftplib stock and session-reusing; explicit
#     and implicit; list, upload 1 MiB and 64 MiB, download + SHA-256, resumed download,
#     mkdir, rename, delete; refusals) against A, B and C;
#   - curl extras on A: TLS 1.2 forced, resumed upload (SIZE + APPE), exact refusal codes;
#   - many/: every client (curl, lftp, ftplib with session reuse, the ftps-client example,
#     suppaftp 12 + rustls, Node's basic-ftp) runs MATRIX_MANY_ROUNDS x 3 (default 24)
#     transfers in ONE control session, uploads and downloads alternating, each SHA-256
#     verified (plan: many.sh), x TLS 1.3 / TLS 1.2 (forced by the client) x explicit /
#     implicit x adapter (A blocking, C tokio), resumption required;
#   - wget (GnuTLS): one file, and a recursive download of 20 files in one session, SHA-256,
#     on A and C, TLS 1.3 and 1.2, explicit and implicit;
#   - rclone (Debian's): lsf -R, copy up, copy down, check, delete, explicit and implicit, on
#     the lax instances B and D (rclone before 1.64 shares one TLS session cache across its
#     control connections: see README.md), and `rclone-strict` on the strict A and C with
#     --ftp-concurrency 1 (one control connection at a time: resumption then works).
#
# Output: one line per check `PASS name` / `FAIL name: reason` / `SKIP name: why`, then
# `N passed, M failed, K skipped`; exit status 1 on any FAIL. The results also go to
# tests/interop/SERVER-MATRIX.md. Every client call has a timeout; the servers run under
# `timeout` and are stopped by their pid at the end.
#
# Usage: tests/interop/run-server-matrix.sh [--no-build]
# Environment: MATRIX_PORT_BASE (default 2125: explicit ports BASE..BASE+3 for A..D, implicit
#   BASE+869..BASE+872, i.e. 2125-2128 / 2994-2997, outside env.sh's port plan),
#   MATRIX_PASV_BASE (default 40400: A..D get 50 passive ports each, 40400-40599),
#   MATRIX_MANY_ROUNDS (default 8: 24 transfers per session), MATRIX_MANY_CLIENTS (default
#   "curl lftp ftplib ftps-client suppaftp basic-ftp"), MATRIX_ONLY (space-separated sections
#   to run: clients extras many wget rclone refusals; default all), MATRIX_NO_MD=1 (do not
#   rewrite SERVER-MATRIX.md), MATRIX_BUDGET (default 900 s for the run: many/, wget/ and
#   rclone checks not started by then FAIL as not run), MANY_TIMEOUT (default 90 s per many/
#   client run), MATRIX_SERVER_ARGS (extra ftps-server flags for every instance, word-split;
#   for experiments: the matrix files then say so), INTEROP_CLIENTS_DIR (where clients.sh, ftplib_client.py and
#   env.sh live; default this directory), INTEROP_DIR (cache for npm's basic-ftp and the
#   suppaftp build; default /var/tmp/ftps-proto-interop), MATRIX_LOG_DIR (keep the client log
#   of every failed many/ check there).
# Installs, only when missing (apt-get as root): curl, lftp, wget, rclone, nodejs + npm;
#   basic-ftp (npm, pinned) into $INTEROP_DIR/node; builds tests/interop/suppaftp (own
#   Cargo.lock, --locked) into $INTEROP_DIR/suppaftp-target.
# Owns: a scratch directory under /tmp, the server processes it starts, the caches above.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CLIENTS_DIR="${INTEROP_CLIENTS_DIR:-$HERE}"
BASE="${MATRIX_PORT_BASE:-2125}"
PASV_BASE="${MATRIX_PASV_BASE:-40400}"
CACHE="${INTEROP_DIR:-/var/tmp/ftps-proto-interop}"
BASIC_FTP_VERSION="6.2.6"
MANY_CLIENTS="${MATRIX_MANY_CLIENTS:-curl lftp ftplib ftps-client suppaftp basic-ftp}"
ONLY="${MATRIX_ONLY:-clients extras many wget rclone refusals}"
# explicit port, implicit port, passive range, adapter of each instance
declare -A PORT=() IPORT=() PASV=() ADAPTER=()
i=0
for inst in A B C D; do
    PORT[$inst]=$((BASE + i))
    IPORT[$inst]=$((BASE + 869 + i))
    PASV[$inst]="$((PASV_BASE + 50 * i))-$((PASV_BASE + 50 * i + 49))"
    i=$((i + 1))
done
ADAPTER=([A]=blocking [B]=blocking [C]=tokio [D]=tokio)
USER_NAME="matrix" USER_PASS="Matrix-Pass-$$"
T=60                                # seconds per client call (64 MiB over loopback TLS: ~1 s)
PY="${INTEROP_PYTHON:-/usr/bin/python3}"
[ -x "$PY" ] || PY="$(command -v python3)"
START_SECONDS=$SECONDS
wants() { [[ " $ONLY " == *" $1 "* ]]; }
# Seconds for the checks (counted from after the builds); many/wget/rclone checks not started by then FAIL
# as "not run". Each client call has its own timeout besides (MANY_TIMEOUT for many/).
BUDGET="${MATRIX_BUDGET:-900}"
export MANY_TIMEOUT="${MANY_TIMEOUT:-90}"
over_budget() { [ $((SECONDS - CHECKS_START)) -ge "$BUDGET" ]; }
say() { printf '[matrix] %s\n' "$*" >&2; }

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
declare -A SECTION_TIME=()
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
# MATRIX_LOG_DIR=dir: the client log of every failed many/ check is kept there.
keep_log() { # log tag
    [ -n "${MATRIX_LOG_DIR:-}" ] || return 0
    mkdir -p "$MATRIX_LOG_DIR" && cp "$1" "$MATRIX_LOG_DIR/$2.log" 2>/dev/null
    [ -f "$1.server" ] && cp "$1.server" "$MATRIX_LOG_DIR/$2.server.log" 2>/dev/null
    return 0
}
section_start() { SECTION_T0=$SECONDS; say "section $1"; }
section_end() { SECTION_TIME[$1]=$((SECONDS - SECTION_T0)); }

# --------------------------------------------------------------------------------------------
# Tools (idempotent installs) and builds
# --------------------------------------------------------------------------------------------
apt_install() { # package... : install those whose command is missing (as root)
    [ "$#" -gt 0 ] || return 0
    [ "$(id -u)" -eq 0 ] || { say "missing $* and not root"; return 1; }
    say "apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$@" >"$WORK/apt.log" 2>&1 \
        || { apt-get update -q >>"$WORK/apt.log" 2>&1 \
             && apt-get install -y -q --no-install-recommends "$@" >>"$WORK/apt.log" 2>&1; } \
        || { tail -5 "$WORK/apt.log" >&2; return 1; }
}
need=()
command -v curl >/dev/null || need+=(curl)
command -v lftp >/dev/null || need+=(lftp)
command -v wget >/dev/null || need+=(wget)
command -v rclone >/dev/null || need+=(rclone)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
apt_install "${need[@]}" || say "some installs failed; their checks will FAIL"

if [ "${1:-}" != "--no-build" ]; then
    # One feature set for both examples (and for run-client-matrix.sh): one build of the lib.
    say "cargo build --release --example ftps-server --example ftps-client --features tokio"
    (cd "$REPO" && timeout 1200 cargo build -q --release --example ftps-server --example ftps-client --features tokio) \
        || { echo "[matrix] build failed" >&2; exit 1; }
fi
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
BIN="$TARGET/release/examples/ftps-server"
CLIENT_BIN="$TARGET/release/examples/ftps-client"
[ -x "$BIN" ] || { echo "[matrix] missing $BIN" >&2; exit 1; }

# suppaftp 12 + rustls: a package of its own (own Cargo.lock), built into the cache.
SUPPAFTP_BIN="$CACHE/suppaftp-target/release/suppaftp-interop"
if wants many && [[ " $MANY_CLIENTS " == *" suppaftp "* ]]; then
    say "cargo build --release --locked (tests/interop/suppaftp, suppaftp 12 + rustls)"
    mkdir -p "$CACHE/suppaftp-target"
    timeout 900 cargo build -q --release --locked --manifest-path "$HERE/suppaftp/Cargo.toml" \
        --target-dir "$CACHE/suppaftp-target" >"$WORK/suppaftp-build.log" 2>&1 \
        || { say "suppaftp build failed: $(tail -3 "$WORK/suppaftp-build.log")"; rm -f "$SUPPAFTP_BIN"; }
fi
# basic-ftp (npm, pinned version) into the cache; never into the repository.
NODE_MODULES="$CACHE/node/node_modules"
if { wants many && [[ " $MANY_CLIENTS " == *" basic-ftp "* ]]; } \
    && ! grep -qs "\"version\": \"$BASIC_FTP_VERSION\"" "$NODE_MODULES/basic-ftp/package.json"; then
    say "npm install basic-ftp@$BASIC_FTP_VERSION into $CACHE/node"
    mkdir -p "$CACHE/node"
    (cd "$CACHE/node" && timeout 300 npm install --no-audit --no-fund --no-save --prefix . \
        "basic-ftp@$BASIC_FTP_VERSION" >"$WORK/npm.log" 2>&1) \
        || say "npm install failed: $(tail -3 "$WORK/npm.log")"
fi

CHECKS_START=$SECONDS
BUILD_SECONDS=$((SECONDS - START_SECONDS))

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
declare -A ROOT=()
start_server() { # instance args...
    local inst="$1"; shift
    ROOT[$inst]="$WORK/root-$inst"
    mkdir -p "${ROOT[$inst]}"
    printf 'hello from ftps-proto\n' >"${ROOT[$inst]}/hello.txt"
    local extra=()
    [ "${ADAPTER[$inst]}" = tokio ] && extra+=(--async)
    timeout 1800 "$BIN" --cert "$PKI/server.pem" --key "$PKI/server.key" \
        --user "$USER_NAME:$USER_PASS" --login-failure-delay 200 --root "${ROOT[$inst]}" \
        --listen "127.0.0.1:${PORT[$inst]}" --implicit-listen "127.0.0.1:${IPORT[$inst]}" \
        --passive-ports "${PASV[$inst]}" "${extra[@]}" ${MATRIX_SERVER_ARGS:-} "$@" >"$WORK/server-$inst.log" 2>&1 &
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
start_server A                            # strict defaults
start_server B --resume-required off      # stock ftplib must work there
start_server C                            # tokio, strict defaults
start_server D --resume-required off      # tokio, lax
for inst in A B C D; do
    for p in "${PORT[$inst]}" "${IPORT[$inst]}"; do
        wait_port "$p" || { echo "[matrix] server $inst did not start on $p" >&2; cat "$WORK/server-$inst.log" >&2; exit 1; }
    done
done
ROOT_A="${ROOT[A]}"
EXPLICIT_PORT="${PORT[A]}" IMPLICIT_PORT="${IPORT[A]}"

SMALL="$WORK/small.bin"
head -c $((1024 * 1024)) /dev/urandom >"$SMALL"
AUTH="$USER_NAME:$USER_PASS"

# --------------------------------------------------------------------------------------------
# clients.sh (curl, lftp, ftplib) against A, B and C
# --------------------------------------------------------------------------------------------
CLIENTS="$CLIENTS_DIR/clients.sh"
clients() { # instance (strict instances: stock ftplib's data transfers must get 522)
    local inst="$1" out="$WORK/clients.$1.out" l name reason strict=0
    local stock_refused=0 stock_522=0 stock_passed=0
    [ "$inst" = A ] || [ "$inst" = C ] && strict=1
    CLIENT_CALL_TIMEOUT=$T timeout 900 bash "$CLIENTS" 127.0.0.1 "${PORT[$inst]}" "${IPORT[$inst]}" \
        "$USER_NAME" "$USER_PASS" "$CA" >"$out" 2>&1
    while IFS= read -r l; do
        case "$l" in
            PASS\ *) name="${l#PASS }"
                if [ "$strict" = 1 ] && [[ "$name" == ftplib-stock/* ]]; then stock_passed=$((stock_passed + 1))
                else pass "$inst/$name"; fi ;;
            FAIL\ *) l="${l#FAIL }"; name="${l%%: *}"; reason="${l#*: }"
                if [ "$strict" = 1 ] && [[ "$name" == ftplib-stock/* ]]; then
                    stock_refused=$((stock_refused + 1))
                    [[ "$reason" == *522* ]] && stock_522=$((stock_522 + 1))
                else fail "$inst/$name" "$reason"; fi ;;
        esac
    done <"$out"
    grep -qE '^(PASS|FAIL) ' "$out" || fail "$inst/clients.sh" "no result: $(tail -1 "$out")"
    if [ "$strict" = 1 ]; then
        # Stock FTP_TLS starts a fresh TLS session on every data connection: under "resume
        # required" each of its data transfers must be refused (522, RFC 4217 §10.2); its
        # commands without a data connection (login, mkdir, delete) still work.
        if [ "$stock_522" -gt 0 ] && ! grep -qE '^PASS ftplib-stock/[a-z]+/(list|upload|download)' "$out"; then
            pass "$inst/ftplib-stock/data-refused-522 ($stock_refused data checks refused, $stock_522 with 522; $stock_passed control-only checks passed)"
        else
            fail "$inst/ftplib-stock/data-refused-522" "stock ftplib not refused as expected ($stock_refused failed, $stock_522 with 522, $stock_passed passed)"
        fi
    fi
}
if wants clients; then
    section_start clients
    if [ -f "$CLIENTS" ] && [ -f "$CLIENTS_DIR/ftplib_client.py" ]; then
        for inst in A B C; do clients "$inst"; done
    else
        skip "clients.sh" "not found in $CLIENTS_DIR (set INTEROP_CLIENTS_DIR)"
    fi
    section_end clients
fi

# --------------------------------------------------------------------------------------------
# curl extras on A: TLS 1.2 forced, and resumed uploads (SIZE + APPE) on both versions
# --------------------------------------------------------------------------------------------
curl_ftp() { curl -sS --max-time "$T" --cacert "$CA" "$@"; }
if wants extras; then
    section_start extras
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
    section_end extras
fi

# --------------------------------------------------------------------------------------------
# many/: MANY_TRANSFERS transfers in ONE control session per client x adapter x mode x TLS
# --------------------------------------------------------------------------------------------
# shellcheck source=many.sh
. "$HERE/many.sh"
many_init "$WORK/many"

# many_run CLIENT INSTANCE MODE TLS LOG : run the plan ($MANY_PLAN) with one client; prints
# the client's summary or its failure (step and reply) on stdout.
many_run() {
    local client="$1" inst="$2" mode="$3" tls="$4" log="$5"
    local port="${PORT[$inst]}" scheme=ftp
    [ "$mode" = implicit ] && { port="${IPORT[$inst]}"; scheme=ftps; }
    case "$client" in
        curl)
            local opts=(-sS -v --max-time 120 --cacert "$CA" --user "$AUTH" --tlsv"$tls" --tls-max "$tls")
            [ "$mode" = explicit ] && opts+=(--ssl-reqd)
            many_curl "$log" "$scheme://127.0.0.1:$port" "${opts[@]}" || return 1
            grep -q "SSL connection using TLSv$tls" "$log" \
                || { echo "curl did not report TLSv$tls"; return 1; }
            echo "$(grep -c '^< 226' "$log") x 226 on one control connection, TLSv$tls" ;;
        lftp)
            many_lftp "$log" "$scheme://127.0.0.1:$port" "$USER_NAME" "$USER_PASS" "$CA" \
                "NORMAL:-VERS-ALL:+VERS-TLS$tls" || return 1
            echo "$(grep -c -- '<--- 226' "$log") x 226 on one control connection (GnuTLS priority VERS-TLS$tls only)" ;;
        ftplib)
            timeout "$MANY_TIMEOUT" "$PY" "$CLIENTS_DIR/ftplib_client.py" many "$mode" "$tls" 127.0.0.1 "$port" \
                "$USER_NAME" "$USER_PASS" "$CA" "$MANY_PLAN" 2>"$log" ;;
        ftps-client)
            [ -x "$CLIENT_BIN" ] || { echo "no ftps-client binary at $CLIENT_BIN"; return 1; }
            local flag=--tls13; [ "$tls" = 1.2 ] && flag=--tls12
            many_ftps_client "$log" "$CLIENT_BIN" "$flag" --ca-file "$CA" \
                "$scheme://$USER_NAME:$USER_PASS@127.0.0.1:$port/" ;;
        suppaftp)
            [ -x "$SUPPAFTP_BIN" ] || { echo "suppaftp driver not built (see the build step)"; return 1; }
            timeout "$MANY_TIMEOUT" "$SUPPAFTP_BIN" "$mode" "$tls" 127.0.0.1 "$port" "$USER_NAME" "$USER_PASS" \
                "$CA" "$MANY_PLAN" 2>"$log" ;;
        basic-ftp)
            [ -f "$NODE_MODULES/basic-ftp/package.json" ] || { echo "basic-ftp not installed in $NODE_MODULES"; return 1; }
            timeout "$MANY_TIMEOUT" node "$HERE/basic-ftp/many.js" "$NODE_MODULES" "$mode" "$tls" 127.0.0.1 \
                "$port" "$USER_NAME" "$USER_PASS" "$CA" "$MANY_PLAN" 2>"$log" ;;
        *) echo "unknown client $client"; return 1 ;;
    esac
}
if wants many; then
    section_start many
    for inst in A C; do
        for tls in 1.3 1.2; do
            for mode in explicit implicit; do
                for client in $MANY_CLIENTS; do
                    name="many/${ADAPTER[$inst]}/$mode/tls$tls/$client"
                    if over_budget; then fail "$name" "not run, the matrix time budget (${BUDGET}s) is exhausted"; continue; fi
                    tag="m-${ADAPTER[$inst]:0:1}-${mode:0:1}-${tls/./}-$client"
                    many_plan "$tag" "${ROOT[$inst]}"
                    log="$WORK/$tag.log"
                    many_run "$client" "$inst" "$mode" "$tls" "$log" >"$log.out"
                    rc=$?
                    out="$(grep -v '^\s*$' "$log.out" | tail -1 | tr -d '\r' | cut -c1-400)"
                    if verdict="$(many_verify "$tag" "${ROOT[$inst]}")" && [ "$rc" -eq 0 ]; then
                        pass "$name ($verdict; $out)"
                    elif [ "$rc" -ne 0 ]; then
                        fail "$name" "$out [$verdict]"
                        keep_log "$log" "$tag"
                    else
                        fail "$name" "client reported success ($out) but $verdict"
                    fi
                    many_cleanup "$tag" "${ROOT[$inst]}"
                done
            done
        done
    done
    section_end many
fi

# --------------------------------------------------------------------------------------------
# wget (GnuTLS): one file, then a recursive download of 20 files in one session
# --------------------------------------------------------------------------------------------
if wants wget; then
    section_start wget
    for inst in A C; do
        src="${ROOT[$inst]}/wget-tree"
        mkdir -p "$src/sub"
        for k in $(seq 1 10); do
            head -c $((k * 10007)) /dev/urandom >"$src/f$k.bin"
            head -c $((k * 3001)) /dev/urandom >"$src/sub/g$k.bin"
        done
        for tls in 1.3 1.2; do
            for mode in explicit implicit; do
                name="wget/${ADAPTER[$inst]}/$mode/tls$tls"
                if over_budget; then fail "$name" "not run, the matrix time budget (${BUDGET}s) is exhausted"; continue; fi
                opts=(--ca-certificate="$CA" --secure-protocol="TLSv${tls/./_}" --user="$USER_NAME"
                      --password="$USER_PASS" -d --tries=1 --timeout=30)
                port="${PORT[$inst]}"
                if [ "$mode" = implicit ]; then opts+=(--ftps-implicit); port="${IPORT[$inst]}"; fi
                dst="$WORK/wget-$inst-$mode-$tls"
                rm -rf "$dst"; mkdir -p "$dst"
                log="$dst.log"
                # one file
                if timeout 120 wget "${opts[@]}" -O "$dst/one.bin" "ftps://127.0.0.1:$port/wget-tree/f7.bin" >"$log" 2>&1; then
                    if same "$dst/one.bin" "$src/f7.bin" >/dev/null; then pass "$name/get-one"
                    else fail "$name/get-one" "SHA-256 differs"; fi
                else
                    fail "$name/get-one" "$(grep -E '^[0-9]{3} |ERROR|error' "$log" | tail -1 | tr -d '\r' | cut -c1-200)"
                fi
                # recursive: LIST of two directories + 20 files, one login
                if timeout 180 wget "${opts[@]}" -r -np -nH -P "$dst/tree" "ftps://127.0.0.1:$port/wget-tree/" >"$log" 2>&1; then
                    nbad=0 n=0
                    for f in "$src"/f*.bin "$src"/sub/g*.bin; do
                        rel="${f#"${ROOT[$inst]}"/}"
                        n=$((n + 1))
                        same "$dst/tree/$rel" "$f" >/dev/null 2>&1 || nbad=$((nbad + 1))
                    done
                    logins="$(grep -c '^--> USER ' "$log")"
                    if [ "$nbad" -ne 0 ]; then fail "$name/recursive-20" "$nbad of $n files missing or differ"
                    elif [ "$logins" -ne 1 ]; then fail "$name/recursive-20" "$logins logins (wanted one control session)"
                    else pass "$name/recursive-20 ($n files, SHA-256, one login)"; fi
                else
                    fail "$name/recursive-20" "$(grep -E '^[0-9]{3} |ERROR|error' "$log" | tail -1 | tr -d '\r' | cut -c1-200)"
                fi
            done
        done
        rm -rf "$src"
    done
    section_end wget
fi

# --------------------------------------------------------------------------------------------
# rclone: lsf -R, copy both ways, check, delete (explicit and implicit)
# --------------------------------------------------------------------------------------------
# rclone_suite LABEL INSTANCE MODE [RCLONE_FLAGS...]
rclone_suite() {
    local label="$1" inst="$2" mode="$3" port flags src dst log="$WORK/rclone.log" remote
    shift 3
    if over_budget; then fail "rclone-$label/${ADAPTER[$inst]}/$mode" "not run, the matrix time budget (${BUDGET}s) is exhausted"; return; fi
    port="${PORT[$inst]}"
    : >"$WORK/rclone.conf"
    flags=(--config "$WORK/rclone.conf" --ftp-host 127.0.0.1 --ftp-user "$USER_NAME"
           --ftp-pass "$(rclone obscure "$USER_PASS")" --contimeout 20s --timeout 30s
           --retries 1 --low-level-retries 1 -vv)
    if [ "$mode" = implicit ]; then flags+=(--ftp-tls); port="${IPORT[$inst]}"
    else flags+=(--ftp-explicit-tls); fi
    flags+=(--ftp-port "$port" "$@")
    src="$WORK/rclone-src-$label-$mode" dst="$WORK/rclone-dst-$label-$mode"
    rm -rf "$src" "$dst"; mkdir -p "$src/a/b" "$dst"
    for k in $(seq 1 6); do head -c $((k * 40009)) /dev/urandom >"$src/f$k.bin"; done
    for k in 1 2 3; do head -c $((k * 777)) /dev/urandom >"$src/a/b/g$k.bin"; done
    remote=":ftp:rclone-$label-$mode"
    local name="rclone-$label/${ADAPTER[$inst]}/$mode" r=(env SSL_CERT_FILE="$CA" timeout 180 rclone "${flags[@]}")
    err() { grep -E 'ERROR|Failed|error' "$log" | tail -1 | tr -d '\r' | cut -c1-220; }
    if "${r[@]}" copy "$src" "$remote" >"$log" 2>&1; then pass "$name/copy-up"
    else fail "$name/copy-up" "$(err)"; fi
    # the server's copy, byte for byte
    local nbad=0 f
    for f in $(cd "$src" && find . -type f); do
        same "$src/$f" "${ROOT[$inst]}/rclone-$label-$mode/$f" >/dev/null 2>&1 || nbad=$((nbad + 1))
    done
    [ "$nbad" -eq 0 ] && pass "$name/uploaded-sha256" || fail "$name/uploaded-sha256" "$nbad files missing or differ on the server"
    if "${r[@]}" lsf -R "$remote" >"$WORK/rclone.lsf" 2>"$log"; then
        local want got
        want="$(cd "$src" && find . -mindepth 1 | sed 's|^\./||' | while read -r p; do [ -d "$src/$p" ] && echo "$p/" || echo "$p"; done | sort)"
        got="$(sort "$WORK/rclone.lsf")"
        if [ "$want" = "$got" ]; then pass "$name/lsf-R"
        else fail "$name/lsf-R" "listing differs: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -3 | tr '\n' ' ')"; fi
    else fail "$name/lsf-R" "$(err)"; fi
    if "${r[@]}" copy "$remote" "$dst" >"$log" 2>&1; then
        if diff -r "$src" "$dst" >/dev/null; then pass "$name/copy-down"
        else fail "$name/copy-down" "downloaded tree differs"; fi
    else fail "$name/copy-down" "$(err)"; fi
    if "${r[@]}" check --download "$src" "$remote" >"$log" 2>&1; then pass "$name/check-download"
    else fail "$name/check-download" "$(err)"; fi
    if "${r[@]}" delete "$remote" >"$log" 2>&1 \
        && [ -z "$(find "${ROOT[$inst]}/rclone-$label-$mode" -type f 2>/dev/null)" ]; then
        pass "$name/delete"
    else fail "$name/delete" "$(err)"; fi
    rm -rf "$src" "$dst" "${ROOT[$inst]:?}/rclone-$label-$mode"
}
if wants rclone; then
    section_start rclone
    if command -v rclone >/dev/null; then
        RCLONE_VERSION="$(rclone version 2>/dev/null | head -1)"
        for mode in explicit implicit; do
            # Default concurrency (several control connections at once) where resumption is
            # not required; one control connection at a time where it is (rclone < 1.64 keeps
            # one TLS session cache for all its connections, so with several at once a data
            # connection may resume another control connection's session: 522).
            rclone_suite lax B "$mode"
            rclone_suite lax D "$mode"
            rclone_suite strict A "$mode" --ftp-concurrency 1
            rclone_suite strict C "$mode" --ftp-concurrency 1
        done
    else
        fail "rclone" "rclone not installed"
    fi
    section_end rclone
fi

# --------------------------------------------------------------------------------------------
# curl's own view of the refusals (no ftplib needed): the reply codes themselves are checked.
# --------------------------------------------------------------------------------------------
if wants refusals; then
    check "A/refusal/plain-login-530/curl" bash -c 'curl -v -sS --max-time 20 "ftp://127.0.0.1:'"$EXPLICIT_PORT"'/" -u "'"$AUTH"'" -o /dev/null 2>&1 | grep -q "^< 530"'
    check "A/refusal/prot-c-534/curl" bash -c 'curl -v -sS --max-time 20 --cacert "'"$CA"'" --ftp-ssl-control "ftp://127.0.0.1:'"$EXPLICIT_PORT"'/" -u "'"$AUTH"'" -o /dev/null 2>&1 | grep -E "^[<>]" | grep -A1 "^> PROT C" | grep -q "^< 534"'
fi

# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
elapsed=$((SECONDS - START_SECONDS))
summary="$passed passed, $failed failed, $skipped skipped"
times="builds ${BUILD_SECONDS}s"
for s in clients extras many wget rclone; do
    [ -n "${SECTION_TIME[$s]:-}" ] && times="$times${times:+, }$s ${SECTION_TIME[$s]}s"
done
echo "$summary"
[ -n "${MATRIX_NO_MD:-}" ] && { [ "$failed" -eq 0 ]; exit; }
{
    echo "# Server interop matrix"
    echo
    echo "Our server (\`examples/ftps-server.rs\`, blocking and tokio adapters, rustls) against real clients."
    echo "Generated by \`tests/interop/run-server-matrix.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') in ${elapsed}s ($times)."
    echo
    echo "- curl: $(curl --version 2>/dev/null | head -1 | cut -d' ' -f1-2,5)"
    echo "- lftp: $(lftp --version 2>/dev/null | head -1 | sed 's/^LFTP | //; s/ |.*//') ($(lftp --version 2>/dev/null | grep -o 'GnuTLS [0-9.]*' | head -1))"
    echo "- Python: $("$PY" --version 2>&1) ($("$PY" -c 'import ssl; print(ssl.OPENSSL_VERSION)' 2>/dev/null))"
    echo "- wget: $(wget --version 2>/dev/null | head -1) ($(wget --version 2>/dev/null | grep -o '+ssl/[a-z]*' | head -1))"
    echo "- rclone: ${RCLONE_VERSION:-$(rclone version 2>/dev/null | head -1)}"
    echo "- suppaftp: 12.2.1 (rustls 0.23, ring), tests/interop/suppaftp; basic-ftp: $BASIC_FTP_VERSION on Node $(node --version 2>/dev/null)"
    [ -n "${MATRIX_SERVER_ARGS:-}" ] && echo "- **Every instance ran with the extra flags \`$MATRIX_SERVER_ARGS\`.**"
    echo "- Instances: A blocking, B blocking \`--resume-required off\`, C tokio (\`--async\`), D tokio"
    echo "  \`--resume-required off\`. A and C have the example's defaults: control and data TLS required,"
    echo "  data connections must resume the control connection's TLS session. Ports: explicit"
    echo "  ${PORT[A]}-${PORT[D]}, implicit ${IPORT[A]}-${IPORT[D]}."
    echo "- \`X/...\` checks: \`tests/interop/clients.sh\` on instance X (curl, lftp, ftplib; 1 MiB and 64 MiB);"
    echo "  \`A/curl-tls*\`: TLS version forced, resumed upload; \`many/ADAPTER/MODE/TLS/CLIENT\`: $((MANY_ROUNDS * 3)) transfers"
    echo "  (uploads and downloads alternating, 1 B to 2 MiB, SHA-256 each) in ONE control session, TLS version"
    echo "  forced by the client, on A (blocking) and C (tokio); \`wget/\`: one file + a recursive download of 20"
    echo "  files; \`rclone-lax/\` on B and D (default concurrency), \`rclone-strict/\` on A and C with"
    echo "  \`--ftp-concurrency 1\`."
    echo
    echo "**$summary**"
    echo
    if grep -q '^[A-Z]* many/' "$RESULTS"; then
        echo "Many transfers in one control session ($((MANY_ROUNDS * 3)) each; explicit / implicit):"
        echo
        echo "| client | blocking TLS 1.3 | blocking TLS 1.2 | tokio TLS 1.3 | tokio TLS 1.2 |"
        echo "|---|---|---|---|---|"
        for client in $MANY_CLIENTS; do
            row="| $client |"
            for a in blocking tokio; do
                for tls in 1.3 1.2; do
                    cell=""
                    for mode in explicit implicit; do
                        res="$(grep -E "^[A-Z]+ many/$a/$mode/tls$tls/$client( |:|$)" "$RESULTS" | head -1)"
                        case "$res" in
                            PASS*) v=pass ;;
                            FAIL*) v="**FAIL** ($(sed -E 's/^[^:]*: //; s/ \[[0-9]+\/[0-9]+ transfers.*//' <<<"$res" \
                                       | grep -oE '[0-9]{3} [A-Za-z][^[(]{0,60}|logged in [0-9]+ times|not run' | head -1 | sed 's/ curl:.*//; s/ *$//'))" ;;
                            *) v="-" ;;
                        esac
                        cell="$cell${cell:+ / }$v"
                    done
                    row="$row $cell |"
                done
            done
            echo "$row"
        done
        echo
    fi
    echo '```text'
    cat "$RESULTS"
    echo '```'
} >"$HERE/SERVER-MATRIX.md"
[ "$failed" -eq 0 ]
