#!/usr/bin/env bash
# Client interop matrix: the `ftps-client` example against the real FTPS servers of this
# directory (vsftpd with require_ssl_reuse=YES and strict_ssl_read_eof=YES, pure-ftpd, ProFTPD
# with session reuse required, pyftpdlib), TLS required on control and data (PROT P), explicit
# and implicit (where the server has it), over TLS 1.3 and TLS 1.2.
#
# For each server x mode x TLS version: login + list, upload and download of a 1 MiB and a
# 64 MiB file (uploads verified by SHA-256 of the file on the server's disk, downloads by
# SHA-256 of the local copy), a resumed partial download (REST), and the negotiated TLS
# version. "tls12" instances (capped at TLS 1.2) must refuse a TLS-1.3-only client. Per server,
# a STOU upload over TLS 1.3 whose bytes must be on disk under the name the client reports
# (parsed from the server's 125/150 `FILE:` reply, RFC 1123 §4.1.2.9). Then 20 uploads in a row
# to vsftpd over TLS 1.3, each verified. And per server x mode x TLS version, MATRIX_MANY_ROUNDS
# x 3 (default 24) transfers in ONE control session (the client's batch mode; uploads and
# downloads alternating, 1 B to 2 MiB, each SHA-256 verified: the plan of many.sh).
#
# Output: one line per check, `PASS name` / `FAIL name: reason` / `SKIP name: why`, then
# `N passed, M failed, K skipped` (skipped counts SKIP and XFAIL lines: XFAIL is a recorded
# server incompatibility verified to still fail that way; it is a FAIL if it passes). Exit
# status 1 on any FAIL. The result table is written to
# tests/interop/CLIENT-MATRIX.md (server x mode x TLS version -> pass / why not).
#
# Usage (as root, the servers need it): tests/interop/run-client-matrix.sh [SERVER...]
#   env: FTPS_CLIENT=path   use this binary instead of building the example
#        MATRIX_BIG_MIB=64  size of the big file; MATRIX_TIMEOUT=120 seconds per client run
#        MATRIX_BUDGET=900  seconds for all checks (counted after setup and build); checks left
#                           when it runs out FAIL as such
#        MATRIX_NO_MD=1     do not rewrite CLIENT-MATRIX.md
#        MATRIX_MANY_ROUNDS=8  rounds of the one-session check (3 transfers each)
#        MATRIX_KEEP_SERVERS=1  leave the servers this run started running (they still stop
#                           by themselves after $INTEROP_SERVER_TIMEOUT s)
# Owns: a scratch directory, the matrix-* files it puts in the servers' roots, the servers it
# started itself (stopped again at the end). Uses setup-servers.sh and servers.sh; never
# touches servers someone else started.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"

BIG_MIB="${MATRIX_BIG_MIB:-64}"
TIMEOUT="${MATRIX_TIMEOUT:-120}"
BUDGET="${MATRIX_BUDGET:-900}"
REPEAT_UPLOADS="${MATRIX_REPEAT_UPLOADS:-20}"
servers=("$@")
[ "${#servers[@]}" -gt 0 ] || read -r -a servers <<<"$INTEROP_SERVERS"
START_SECONDS=$SECONDS

say() { printf '[matrix] %s\n' "$*" >&2; }

# --- environment: setup (idempotent) and the servers we need ------------------------------
# Always (re)run the setup: it is idempotent (about 10 s when everything is installed) and
# rewrites the servers' configurations from env.sh, so a state directory left by an older port
# plan on this machine cannot leave the servers listening where the checks do not look.
say "running setup-servers.sh (idempotent)"
timeout 900 bash "$HERE/setup-servers.sh" >&2 || { echo "FAIL setup: setup-servers.sh failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
started=()
# ensure_running SERVER: start it (every instance) unless all its instances run. Called again
# right before the server's checks, since other users of the environment may stop servers.
ensure_running() {
    local s="$1" x st
    # `servers.sh status` exits non-zero when an instance is stopped: read its output apart
    # from its status (under pipefail a pipeline would take that exit code).
    st=$(bash "$HERE/servers.sh" status "$s" 2>/dev/null || true)
    if grep -qv ' running ' <<<"$st"; then
        say "starting $s"
        if timeout 120 bash "$HERE/servers.sh" start "$s" >&2; then
            for x in "${started[@]}"; do [ "$x" = "$s" ] && return 0; done
            started+=("$s")
        fi
    fi
}
for s in "${servers[@]}"; do ensure_running "$s"; done
cleanup() {
    [ -n "${WORK:-}" ] && rm -rf "$WORK"
    [ -n "${MATRIX_KEEP_SERVERS:-}" ] && return
    for s in "${started[@]}"; do
        timeout 60 bash "$HERE/servers.sh" stop "$s" >&2 || true
    done
}
trap cleanup EXIT

# --- the client binary ----------------------------------------------------------------------
if [ -z "${FTPS_CLIENT:-}" ]; then
    say "building the ftps-client example (release)"
    # The same features as run-server-matrix.sh builds with: one build of the library for both.
    if ! (cd "$REPO" && timeout 1200 cargo build --release --example ftps-client --example ftps-server --features tokio >&2); then
        echo "FAIL build: cargo build --release --example ftps-client failed"
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
    FTPS_CLIENT="${CARGO_TARGET_DIR:-$REPO/target}/release/examples/ftps-client"
fi
[ -x "$FTPS_CLIENT" ] || { echo "FAIL build: no executable at $FTPS_CLIENT"; exit 1; }

CHECKS_START=$SECONDS    # the budget counts from here (after setup and build)
WORK="$(mktemp -d /tmp/ftps-client-matrix.XXXXXX)"
head -c $((1024 * 1024)) /dev/urandom >"$WORK/small.bin"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
SMALL_SHA="$(sha "$WORK/small.bin")"
BIG_SHA="$(sha "$WORK/big.bin")"
FTP_UID="$(id -u "$FTPS_INTEROP_USER")"
FTP_GID="$(id -g "$FTPS_INTEROP_USER")"

passed=0 failed=0 skipped=0
declare -A CELL_FAIL=() CELL_SKIP=() CELL_SEEN=() CELL_NOTE=() CELL_INFO=()
cell_of() { printf '%s' "${1%/*}"; }   # server/variant/mode/tlsX -> the matrix cell
report() { # PASS|FAIL|SKIP name [reason]
    local verdict="$1" name="$2" reason="${3:-}" cell
    cell="$(cell_of "$name")"
    CELL_SEEN[$cell]=1
    case "$verdict" in
        PASS) echo "PASS $name"; passed=$((passed + 1))
              case "${name##*/}" in
                  refused) CELL_NOTE[$cell]=" (TLS 1.3 handshake refused, as it must be)" ;;
                  uploads-x*) CELL_NOTE[$cell]="${CELL_NOTE[$cell]:-} (+ ${name##*-x} uploads in a row, each verified)" ;;
                  many-x*) CELL_NOTE[$cell]="${CELL_NOTE[$cell]:-} (+ ${name##*-x} transfers in one session)" ;;
              esac ;;
        FAIL) echo "FAIL $name: $reason"; failed=$((failed + 1))
              CELL_FAIL[$cell]="${CELL_FAIL[$cell]:-}${CELL_FAIL[$cell]:+; }${name##*/}: $reason" ;;
        SKIP) echo "SKIP $name: $reason"; skipped=$((skipped + 1))
              CELL_SKIP[$cell]="$reason" ;;
        XFAIL) echo "XFAIL $name: $reason"; skipped=$((skipped + 1))
              CELL_FAIL[$cell]="${CELL_FAIL[$cell]:-}${CELL_FAIL[$cell]:+; }${name##*/} (known, issue 10 open): $reason" ;;
    esac
}

# client LOG ARGS... : one run of the client, bounded in time; stderr (with -v) to LOG
client() {
    local log="$1"; shift
    if [ $((SECONDS - CHECKS_START)) -ge "$BUDGET" ]; then
        echo "error: not run, the matrix time budget (${BUDGET}s) is exhausted" >"$log"
        return 1
    fi
    timeout -k 5 "$TIMEOUT" "$FTPS_CLIENT" --verbose --ca-file "$FTPS_INTEROP_CA" "$@" 2>"$log"
}
why() { # LOG -> the client's last error line (it names the server's reply)
    local line
    line="$(grep -E '^(error|ftps-client:)' "$1" | tail -1 | tr -d '\r')"
    [ -n "$line" ] || line="$(tail -1 "$1" | tr -d '\r')"
    [ -n "$line" ] || line="no output (timed out after ${TIMEOUT}s?)"
    printf '%s' "$line"
}

# place FILE NAME ROOT : put a download source straight on the server's disk
place() {
    install -m 644 -o "$FTP_UID" -g "$FTP_GID" "$1" "$3/$2"
}

# check_transfer name url root tlsflag size(small|big) : put + verify on disk, get + verify
check_transfer() {
    local name="$1" url="$2" root="$3" tlsflag="$4" which="$5" extra=("${@:6}")
    local src="$WORK/$which.bin" want remote local_copy log="$WORK/log"
    want="$([ "$which" = small ] && echo "$SMALL_SHA" || echo "$BIG_SHA")"
    remote="matrix-$$-$which-up.bin"
    rm -f "$root/$remote"
    if client "$log" "$tlsflag" "${extra[@]}" "$url" put "$src" "$remote"; then
        local got; got="$(sha "$root/$remote")"
        if [ "$got" = "$want" ]; then report PASS "$name/put-$which"
        else report FAIL "$name/put-$which" "client reported success but the server's copy has sha256 ${got:-<missing>} ($(stat -c %s "$root/$remote" 2>/dev/null || echo 0) bytes)"; fi
    else
        report FAIL "$name/put-$which" "$(why "$log")"
    fi
    rm -f "$root/$remote"
    remote="matrix-$$-$which-down.bin"
    place "$src" "$remote" "$root"
    local_copy="$WORK/got-$which.bin"
    rm -f "$local_copy"
    if client "$log" "$tlsflag" "${extra[@]}" "$url" get "$remote" "$local_copy"; then
        local got; got="$(sha "$local_copy")"
        if [ "$got" = "$want" ]; then report PASS "$name/get-$which"
        else report FAIL "$name/get-$which" "client reported success but the copy has sha256 ${got:-<missing>}"; fi
    else
        report FAIL "$name/get-$which" "$(why "$log")"
    fi
    rm -f "$root/$remote" "$local_copy"
}

check_combo() { # server variant mode port tls(1.2|1.3)
    local s="$1" v="$2" mode="$3" port="$4" tls="$5"
    local name="$s/$v/$mode/tls$tls" scheme=ftp tlsflag log="$WORK/log"
    local root="$INTEROP_DATA/$s-$v"
    [ "$mode" = implicit ] && scheme=ftps
    [ "$tls" = 1.2 ] && tlsflag=--tls12 || tlsflag=--tls13
    local url="$scheme://$FTPS_INTEROP_USER:$FTPS_INTEROP_PASS@127.0.0.1:$port/"

    if [ "$v" = tls12 ] && [ "$tls" = 1.3 ]; then
        if client "$log" "$tlsflag" "$url" ls; then
            report FAIL "$name/refused" "a TLS-1.3-only client was accepted by a server capped at TLS 1.2"
        elif grep -qiE 'protocol ?version|no.*version|handshake' "$log"; then
            report PASS "$name/refused"
        else
            report FAIL "$name/refused" "failed, but not in the TLS handshake: $(why "$log")"
        fi
        return
    fi

    # login + list, and the TLS version actually negotiated on control and data
    if client "$log" "$tlsflag" "$url" ls >"$WORK/listing"; then
        if ! grep -q 'hello.txt' "$WORK/listing"; then
            report FAIL "$name/list" "listing lacks hello.txt"
        elif ! grep -q "control TLS: TLSv${tls/./_}" "$log"; then
            report FAIL "$name/list" "negotiated $(grep -o 'control TLS: [A-Za-z0-9_]*' "$log" | head -1), wanted TLSv$tls"
        else
            report PASS "$name/list"
            # How the data connection's TLS went (vsftpd and ProFTPD refuse it unresumed).
            if grep -q 'data TLS: .*NOT resumed' "$log"; then
                CELL_INFO[$name]="; data TLS not resumed (the server offered no session to resume; it does not require it)"
            fi
        fi
    else
        report FAIL "$name/list" "$(why "$log")"
    fi

    check_transfer "$name" "$url" "$root" "$tlsflag" small
    check_transfer "$name" "$url" "$root" "$tlsflag" big

    # resume: a local third of the big file, `get --continue` fetches the rest with REST
    local remote="matrix-$$-resume.bin" part="$WORK/resume.bin"
    place "$WORK/big.bin" "$remote" "$root"
    head -c $((BIG_MIB * 1024 * 1024 / 3)) "$WORK/big.bin" >"$part"
    if client "$log" "$tlsflag" --continue "$url" get "$remote" "$part"; then
        if [ "$(sha "$part")" = "$BIG_SHA" ]; then
            if grep -q 'REST ' "$log"; then report PASS "$name/resume"
            else report FAIL "$name/resume" "complete, but no REST was sent (downloaded again from 0?)"; fi
        else
            report FAIL "$name/resume" "resumed file has sha256 $(sha "$part")"
        fi
    else
        report FAIL "$name/resume" "$(why "$log")"
    fi
    rm -f "$root/$remote" "$part"
}

# Active mode (the server connects back; TLS client role stays ours): 1 MiB each way, on the
# server's full-TLS-1.3 instance.
check_active() { # server
    local s="$1" port name="$1/tls13/explicit-active/tls1.3"
    port="$(interop_port "$s" tls13 explicit)"
    check_transfer "$name" "ftp://$FTPS_INTEROP_USER:$FTPS_INTEROP_PASS@127.0.0.1:$port/" \
        "$INTEROP_DATA/$s-tls13" --tls13 small --active
}

# check_unique SERVER : STOU over TLS 1.3 (explicit): the client prints the name from the
# server's 125/150 `FILE: pppp` reply (RFC 1123 §4.1.2.9); that file must hold the bytes sent.
check_unique() {
    local s="$1" port root out remote log="$WORK/log" name="$1/tls13/explicit/tls1.3/put-unique"
    port="$(interop_port "$s" tls13 explicit)"
    root="$INTEROP_DATA/$s-tls13"
    if out="$(client "$log" --tls13 "ftp://$FTPS_INTEROP_USER:$FTPS_INTEROP_PASS@127.0.0.1:$port/" \
        put-unique "$WORK/small.bin")"; then
        remote="$(sed -n 's/^stored as //p' <<<"$out" | tail -1)"
        remote="${remote#/}"
        case "$remote" in
            "" | */* | .*) report FAIL "$name" "no usable file name in the client's output: $out" ;;
            *) if [ "$(sha "$root/$remote")" = "$SMALL_SHA" ]; then report PASS "$name"
               else report FAIL "$name" "the server's $remote has sha256 $(sha "$root/$remote")"; fi
               rm -f "$root/$remote" ;;
        esac
    else
        report FAIL "$name" "$(why "$log")"
    fi
}

# vsftpd over TLS 1.3: 20 uploads in a row, each verified on disk (curl and lftp lose about
# half of these to `426 Failure reading network stream`; see the adapter's shutdown docs).
check_repeat_uploads() {
    local port root ok=0 i remote log="$WORK/log" fails=""
    port="$(interop_port vsftpd tls13 explicit)"
    root="$INTEROP_DATA/vsftpd-tls13"
    for i in $(seq 1 "$REPEAT_UPLOADS"); do
        remote="matrix-$$-repeat-$i.bin"
        if client "$log" --tls13 "ftp://$FTPS_INTEROP_USER:$FTPS_INTEROP_PASS@127.0.0.1:$port/" \
            put "$WORK/small.bin" "$remote" && [ "$(sha "$root/$remote")" = "$SMALL_SHA" ]; then
            ok=$((ok + 1))
        else
            fails="$fails #$i: $(why "$log");"
        fi
        rm -f "$root/$remote"
    done
    if [ "$ok" -eq "$REPEAT_UPLOADS" ]; then report PASS "vsftpd/tls13/explicit/tls1.3/uploads-x$REPEAT_UPLOADS"
    else report FAIL "vsftpd/tls13/explicit/tls1.3/uploads-x$REPEAT_UPLOADS" "$ok/$REPEAT_UPLOADS verified;$fails"; fi
}

# check_many SERVER VARIANT MODE PORT TLS : the many.sh plan in one batch run of the client
# (one login), every upload verified on the server's disk, every download locally.
check_many() {
    local s="$1" v="$2" mode="$3" port="$4" tls="$5" scheme=ftp tlsflag=--tls13 out
    local name="$1/$2/$3/tls$5/many-x$((MANY_ROUNDS * 3))" root="$INTEROP_DATA/$1-$2"
    local tag="matrix-$$-many-$s-$v-$mode-$tls" log="$WORK/many.log"
    [ "$mode" = implicit ] && scheme=ftps
    [ "$tls" = 1.2 ] && tlsflag=--tls12
    if [ $((SECONDS - CHECKS_START)) -ge "$BUDGET" ]; then
        report FAIL "$name" "not run, the matrix time budget (${BUDGET}s) is exhausted"; return
    fi
    many_plan "$tag" "$root" "$FTP_UID:$FTP_GID"
    if out="$(MANY_TIMEOUT="$TIMEOUT" many_ftps_client "$log" "$FTPS_CLIENT" --ca-file "$FTPS_INTEROP_CA" \
        "$tlsflag" "$scheme://$FTPS_INTEROP_USER:$FTPS_INTEROP_PASS@127.0.0.1:$port/")"; then
        if verdict="$(many_verify "$tag" "$root")"; then
            if [[ "$name" == proftpd/tls13/*/tls1.3/many-x* ]]; then
                report FAIL "$name" "unexpectedly passed: remove the recorded ProFTPD TLS 1.3 incompatibility"
            elif grep -q "control TLS: TLSv${tls/./_}" "$log"; then report PASS "$name"
            else report FAIL "$name" "$verdict, but negotiated $(grep -o 'control TLS: [A-Za-z0-9_]*' "$log" | head -1), wanted TLSv$tls"; fi
        else
            report FAIL "$name" "the client reported success ($out) but $verdict"
        fi
    elif [[ "$name" == proftpd/tls13/*/tls1.3/many-x* ]] && grep -q '425' <<<"$out"; then
        # A recorded server incompatibility, verified to still fail (and only this way):
        # ProFTPD 1.3.8 (OpenSSL) sends 2 TLS 1.3 tickets after a full handshake, 1 after a
        # resumed download and none on an upload data connection, and requires resumption.
        # A client that spends one ticket per connection runs out after two uploads: rustls's
        # tickets are single-use and cannot be copied (ours: 425 at the 5th data connection),
        # and curl 7.88 (OpenSSL) gets the same 425 at its 2nd upload in one session. Open in
        # issue 10 (a client-side renewal, e.g. a new control session, is not built yet).
        report XFAIL "$name" "ProFTPD issues no TLS 1.3 ticket on upload data connections; the client ran out: $out"
    else
        report FAIL "$name" "$out [$(many_verify "$tag" "$root")]"
    fi
    many_cleanup "$tag" "$root"
}
# shellcheck source=many.sh
. "$HERE/many.sh"
many_init "$WORK/many"

for s in "${servers[@]}"; do
    ensure_running "$s"
    for v in $INTEROP_VARIANTS; do
        for mode in explicit implicit; do
            port="$(interop_port "$s" "$v" "$mode")"
            for tls in 1.3 1.2; do
                if [ -z "$port" ]; then
                    case "$s" in
                        pyftpdlib) why_not="pyftpdlib has no implicit FTPS mode" ;;
                        pure-ftpd) why_not="the Debian pure-ftpd binary is built without implicit TLS (compile-time --with-implicittls); explicit only" ;;
                        *) why_not="no implicit instance in the interop setup" ;;
                    esac
                    report SKIP "$s/$v/$mode/tls$tls/all" "$why_not"
                    continue
                fi
                check_combo "$s" "$v" "$mode" "$port" "$tls"
                # the one-session check where the instance speaks that TLS version
                [ "$v" = tls12 ] && [ "$tls" = 1.3 ] || check_many "$s" "$v" "$mode" "$port" "$tls"
            done
        done
    done
    check_active "$s"
    check_unique "$s"
    [ "$s" = vsftpd ] && check_repeat_uploads
done

elapsed=$((SECONDS - START_SECONDS))
echo "$passed passed, $failed failed, $skipped skipped"

# --- CLIENT-MATRIX.md -----------------------------------------------------------------------
if [ -z "${MATRIX_NO_MD:-}" ]; then
    md="$HERE/CLIENT-MATRIX.md"
    {
        echo "# Client interop matrix"
        echo
        echo "Generated by \`tests/interop/run-client-matrix.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "(${elapsed}s; $passed passed, $failed failed, $skipped skipped). Client: the \`ftps-client\`"
        echo "example, TLS required on control and data (PROT P), passive mode unless noted."
        echo "Each cell: login + list, put/get of 1 MiB and ${BIG_MIB} MiB (SHA-256 verified on both"
        echo "ends), resumed download (REST), and $((MANY_ROUNDS * 3)) transfers in ONE control session (batch mode;"
        echo "uploads and downloads alternating, 1 B to 2 MiB, SHA-256 each; \`many-x\` in the check names);"
        echo "in each server's tls13/explicit/1.3 cell also a STOU upload"
        echo "found on disk under the name from the server's 125/150 \`FILE:\` reply (RFC 1123 §4.1.2.9)."
        echo "\`tls12\` instances are capped at TLS 1.2: there the TLS 1.3"
        echo "cell checks that the handshake is refused. \`explicit-active\`: active mode (EPRT, the server"
        echo "connects back), put/get of 1 MiB. Every data connection's TLS handshake resumes the control"
        echo "connection's session when the server offers one (vsftpd and ProFTPD refuse it otherwise)."
        echo
        echo "| server | instance | mode | TLS | result |"
        echo "|---|---|---|---|---|"
        for cell in $(printf '%s\n' "${!CELL_SEEN[@]}" | sort); do
            IFS=/ read -r cs cv cm ct <<<"$cell"
            if [ -n "${CELL_FAIL[$cell]:-}" ]; then r="FAIL: ${CELL_FAIL[$cell]}"
            elif [ -n "${CELL_SKIP[$cell]:-}" ]; then r="not run: ${CELL_SKIP[$cell]}"
            else r="pass${CELL_NOTE[$cell]:-}${CELL_INFO[$cell]:-}"; fi
            echo "| $cs | $cv | $cm | ${ct#tls} | ${r//|/\\|} |"
        done
    } >"$md"
    say "wrote $md"
fi
[ "$failed" -eq 0 ]
