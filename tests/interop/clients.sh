#!/usr/bin/env bash
# Runs real FTPS clients against an FTPS server (ours, later; vsftpd / pure-ftpd / proftpd /
# pyftpdlib from setup-servers.sh now): curl, lftp and Python's ftplib (stock FTP_TLS and a
# subclass that resumes the control connection's TLS session on data connections), each
# explicit (AUTH TLS) and implicit (when IMPLICIT_PORT is given), always PROT P:
#   list; upload 1 MiB and 64 MiB of random data; download both and compare SHA-256; resume a
#   download (REST); mkdir; rename (RNFR/RNTO); delete (DELE, RMD).
# and the refusals a TLS-requiring server must make (the script FAILS if the server accepts):
#   plain-text login; a PROT C (clear data) transfer; PORT/EPRT to a foreign address
#   (127.0.0.2: never followed by a transfer, and loopback anyway).
#
# Usage: clients.sh HOST PORT IMPLICIT_PORT USER PASS CAFILE
#   IMPLICIT_PORT: "-" (or 0) when the server has no implicit FTPS.
# Output: one line per check, `PASS name` or `FAIL name: reason`, then `N passed, M failed`.
# Exit status: 0 only when nothing failed. Every client call has a timeout
# (CLIENT_CALL_TIMEOUT, default 120 s; the curl/lftp refusal calls CLIENT_REFUSAL_TIMEOUT,
# default 15 s); against the servers here a run takes 10-60 s.
#
# Installs (as root, with apt-get, only when missing): curl, lftp, python3.
# Owns: a scratch directory, and remote names it creates (prefixed with the client and pid).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "$#" -ne 6 ]; then
    sed -n '2,20p' "$0" >&2
    exit 2
fi
HOST="$1" PORT="$2" IPORT="$3" USER_="$4" PASS_="$5" CA="$6"
[ "$IPORT" = 0 ] && IPORT="-"
[ -r "$CA" ] || { echo "CA file not readable: $CA" >&2; exit 2; }
T="${CLIENT_CALL_TIMEOUT:-120}"

# --- tools ------------------------------------------------------------------------------------
need=()
command -v curl >/dev/null || need+=(curl)
command -v lftp >/dev/null || need+=(lftp)
[ -x /usr/bin/python3 ] || need+=(python3)
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then echo "missing ${need[*]} and not root" >&2; exit 2; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1; } \
        || { echo "apt-get install ${need[*]} failed" >&2; exit 2; }
fi
PY=/usr/bin/python3

WORK="$(mktemp -d /tmp/ftps-clients.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
head -c $((1024 * 1024)) /dev/urandom >"$WORK/small.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$WORK/large.bin"
SMALL_SHA="$(sha256sum "$WORK/small.bin" | cut -d' ' -f1)"
LARGE_SHA="$(sha256sum "$WORK/large.bin" | cut -d' ' -f1)"
RESUME_AT=300000
head -c "$RESUME_AT" "$WORK/small.bin" >"$WORK/small.head"

# CLIENT_LOG_DIR: when set, the client's verbose log of every failed check is kept there.
LOG_DIR="${CLIENT_LOG_DIR:-}"
[ -n "$LOG_DIR" ] && mkdir -p "$LOG_DIR"
CUR_LOG=/dev/null
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() {
    echo "FAIL $1: $2"; failed=$((failed + 1))
    if [ -n "$LOG_DIR" ] && [ -s "$CUR_LOG" ] && [ "${2#not run}" = "$2" ]; then cp "$CUR_LOG" "$LOG_DIR/${1//\//_}.log"; fi
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
oneline() { tr '\r\n' '  ' | cut -c1-300; }

# --- curl -------------------------------------------------------------------------------------
curl_suite() { # mode
    local mode="$1" base args=(-sS -v --max-time "$T" --cacert "$CA" --user "$USER_:$PASS_")
    local p="curl/$mode" tag="curl-$mode-$$" log="$WORK/curl.log"
    if [ "$mode" = explicit ]; then base="ftp://$HOST:$PORT"; args+=(--ssl-reqd)
    else base="ftps://$HOST:$IPORT"; fi
    c() { CUR_LOG="$log"; timeout $((T + 10)) curl "${args[@]}" "$@" 2>"$log"; }
    err() { { grep -E '^curl: \(' "$log" || tail -1 "$log"; } | tail -1 | oneline; }
    size_of() { # remote -> prints Content-Length from a SIZE-only request (no data connection)
        c -I "$base/$1" | tr -d '\r' | awk -F': ' '/^Content-Length/ {print $2}'
    }

    # list (and PROT P was really in force)
    if c "$base/" >"$WORK/list.out"; then
        if ! grep -q hello.txt "$WORK/list.out"; then fail "$p/list" "hello.txt not listed"
        elif ! grep -q '^> PROT P' "$log"; then fail "$p/list" "curl did not send PROT P"
        else pass "$p/list"; fi
    else fail "$p/list" "$(err)"; fi

    local up_small=0 up_large=0 n label want got
    for n in small large; do
        label=1mib; [ "$n" = large ] && label=64mib
        if c -T "$WORK/$n.bin" "$base/$tag-$n.bin" >/dev/null; then
            want="$(stat -c %s "$WORK/$n.bin")" got="$(size_of "$tag-$n.bin")"
            if [ "$got" = "$want" ]; then
                pass "$p/upload-$label"
                if [ "$n" = small ]; then up_small=1; else up_large=1; fi
            else fail "$p/upload-$label" "SIZE after upload: '$got', want $want"; fi
        else fail "$p/upload-$label" "$(err)"; fi
    done
    dl() { # n label expect_sha uploaded
        local n="$1" label="$2" want="$3" ok="$4"
        if [ "$ok" -ne 1 ]; then fail "$p/download-$label-sha256" "not run, upload failed"; return; fi
        rm -f "$WORK/dl.bin"
        if c -o "$WORK/dl.bin" "$base/$tag-$n.bin"; then
            if [ "$(sha "$WORK/dl.bin")" = "$want" ]; then pass "$p/download-$label-sha256"
            else fail "$p/download-$label-sha256" "sha256 $(sha "$WORK/dl.bin") != $want"; fi
        else fail "$p/download-$label-sha256" "$(err)"; fi
    }
    dl small 1mib "$SMALL_SHA" "$up_small"
    dl large 64mib "$LARGE_SHA" "$up_large"

    # resume: a partial local copy, then curl -C - (REST <offset> + RETR)
    if [ "$up_small" -eq 1 ]; then
        cp "$WORK/small.head" "$WORK/resume.bin"
        if c -C - -o "$WORK/resume.bin" "$base/$tag-small.bin"; then
            if ! grep -q "^> REST $RESUME_AT" "$log"; then fail "$p/resume-download" "no REST $RESUME_AT sent"
            elif [ "$(sha "$WORK/resume.bin")" != "$SMALL_SHA" ]; then fail "$p/resume-download" "sha256 mismatch after resume"
            else pass "$p/resume-download"; fi
        else fail "$p/resume-download" "$(err)"; fi
    else fail "$p/resume-download" "not run, upload failed"; fi

    # mkdir / rename / delete: quote commands before a SIZE-only request on hello.txt (no
    # data connection), verified with SIZE and CWD.
    local dir="$tag-dir" renamed=0
    if c -I -Q "MKD $dir" -Q "CWD $dir" -Q "CDUP" "$base/hello.txt" >/dev/null; then
        pass "$p/mkdir"
    else fail "$p/mkdir" "$(err)"; fi
    if [ "$up_small" -eq 1 ]; then
        if c -I -Q "RNFR $tag-small.bin" -Q "RNTO $dir/renamed.bin" "$base/hello.txt" >/dev/null; then
            if [ "$(size_of "$dir/renamed.bin")" != "$(stat -c %s "$WORK/small.bin")" ]; then
                fail "$p/rename" "renamed file missing or wrong size"
            elif c -I "$base/$tag-small.bin" >/dev/null; then fail "$p/rename" "old name still present"
            else pass "$p/rename"; renamed=1; fi
        else fail "$p/rename" "$(err)"; fi
    else fail "$p/rename" "not run, upload failed"; fi
    local q=()
    if [ "$renamed" -eq 1 ]; then q+=(-Q "DELE $dir/renamed.bin")
    elif [ "$up_small" -eq 1 ]; then q+=(-Q "DELE $tag-small.bin"); fi
    [ "$up_large" -eq 1 ] && q+=(-Q "DELE $tag-large.bin")
    q+=(-Q "RMD $dir")
    if c -I "${q[@]}" "$base/hello.txt" >/dev/null; then
        if c -I "$base/$tag-large.bin" >/dev/null; then fail "$p/delete" "$tag-large.bin still present"
        elif c -I -Q "CWD $dir" -Q "CDUP" "$base/hello.txt" >/dev/null; then fail "$p/delete" "$dir still present"
        else pass "$p/delete"; fi
    else fail "$p/delete" "$(err)"; fi
    # Best-effort removal of what failed checks left behind ('*' = failure ignored; not a check).
    c -I -Q "*DELE $tag-small.bin" -Q "*DELE $tag-large.bin" -Q "*DELE $dir/renamed.bin" \
        -Q "*RMD $dir" "$base/hello.txt" >/dev/null || true
}

# --- lftp -------------------------------------------------------------------------------------
lftp_suite() { # mode
    local mode="$1"
    local url p="lftp/$mode" tag="lftp-$mode-$$" log="$WORK/lftp.log"
    if [ "$mode" = explicit ]; then url="ftp://$HOST:$PORT"; else url="ftps://$HOST:$IPORT"; fi
    local settings="set cmd:fail-exit true; set net:max-retries 1; set net:timeout 20;
set net:reconnect-interval-base 1; set ftp:ssl-allow true; set ftp:ssl-force true;
set ftp:ssl-protect-data true; set ftp:ssl-protect-list true; set ftp:passive-mode true;
set ssl:ca-file $CA; set ssl:verify-certificate true; set xfer:clobber on;
set ftp:use-feat true"
    # Credentials go through a script file (not argv).
    l() { # lftp commands...
        {
            echo "$settings"
            echo "open -u \"$USER_\",\"$PASS_\" $url"
            printf '%s\n' "$@"
            echo "bye"
        } >"$WORK/lftp.cmds"
        CUR_LOG="$log"
        timeout $((T + 10)) lftp -d -f "$WORK/lftp.cmds" 2>"$log"
    }
    err() {
        { grep -E '^<--- [45][0-9][0-9]|Fatal error|Access failed|^(lftp|ls|get|put|mkdir|mv|rm|rmdir|cd|cls|quote): ' "$log" \
            || tail -1 "$log"; } | tail -2 | oneline
    }
    # size of a remote file from lftp's own listing (prints nothing when it does not exist)
    remote_size() { l "cls -s --block-size=1 -1 $1" 2>/dev/null | awk -v n="$1" '$2 == n || $2 == "/" n {print $1}'; }

    if l "cls -1" >"$WORK/list.out"; then
        if ! grep -qx 'hello.txt' "$WORK/list.out"; then fail "$p/list" "hello.txt not listed"
        elif ! grep -q -- '---> PROT P' "$log"; then fail "$p/list" "lftp did not send PROT P"
        else pass "$p/list"; fi
    else fail "$p/list" "$(err)"; fi

    local up_small=0 up_large=0
    if l "put $WORK/small.bin -o $tag-small.bin" >/dev/null \
        && [ "$(remote_size "$tag-small.bin")" = "$(stat -c %s "$WORK/small.bin")" ]; then
        pass "$p/upload-1mib"; up_small=1
    else fail "$p/upload-1mib" "$(err)"; fi
    if l "put $WORK/large.bin -o $tag-large.bin" >/dev/null \
        && [ "$(remote_size "$tag-large.bin")" = "$(stat -c %s "$WORK/large.bin")" ]; then
        pass "$p/upload-64mib"; up_large=1
    else fail "$p/upload-64mib" "$(err)"; fi
    dl() { # n label sha uploaded
        if [ "$4" -ne 1 ]; then fail "$p/download-$2-sha256" "not run, upload failed"; return; fi
        rm -f "$WORK/dl.bin"
        if l "get $tag-$1.bin -o $WORK/dl.bin" >/dev/null; then
            if [ "$(sha "$WORK/dl.bin")" = "$3" ]; then pass "$p/download-$2-sha256"
            else fail "$p/download-$2-sha256" "sha256 mismatch"; fi
        else fail "$p/download-$2-sha256" "$(err)"; fi
    }
    dl small 1mib "$SMALL_SHA" "$up_small"
    dl large 64mib "$LARGE_SHA" "$up_large"

    if [ "$up_small" -eq 1 ]; then
        cp "$WORK/small.head" "$WORK/resume.bin"
        if l "get -c $tag-small.bin -o $WORK/resume.bin" >/dev/null; then
            if ! grep -q -- "---> REST $RESUME_AT" "$log"; then fail "$p/resume-download" "no REST $RESUME_AT sent"
            elif [ "$(sha "$WORK/resume.bin")" != "$SMALL_SHA" ]; then fail "$p/resume-download" "sha256 mismatch after resume"
            else pass "$p/resume-download"; fi
        else fail "$p/resume-download" "$(err)"; fi
    else fail "$p/resume-download" "not run, upload failed"; fi

    local dir="$tag-dir" renamed=0
    if l "mkdir $dir" "cd $dir" "cd .." >/dev/null; then pass "$p/mkdir"; else fail "$p/mkdir" "$(err)"; fi
    if [ "$up_small" -eq 1 ]; then
        if l "mv $tag-small.bin $dir/renamed.bin" >/dev/null \
            && [ "$(remote_size "$dir/renamed.bin")" = "$(stat -c %s "$WORK/small.bin")" ] \
            && [ -z "$(remote_size "$tag-small.bin")" ]; then
            pass "$p/rename"; renamed=1
        else fail "$p/rename" "$(err)"; fi
    else fail "$p/rename" "not run, upload failed"; fi
    local cmds=()
    if [ "$renamed" -eq 1 ]; then cmds+=("rm $dir/renamed.bin")
    elif [ "$up_small" -eq 1 ]; then cmds+=("rm $tag-small.bin"); fi
    [ "$up_large" -eq 1 ] && cmds+=("rm $tag-large.bin")
    cmds+=("rmdir $dir")
    if l "${cmds[@]}" >/dev/null; then
        if [ -n "$(remote_size "$tag-large.bin")" ]; then fail "$p/delete" "$tag-large.bin still present"
        elif l "cd $dir" >/dev/null 2>&1; then fail "$p/delete" "$dir still present"
        else pass "$p/delete"; fi
    else fail "$p/delete" "$(err)"; fi
    # Best-effort removal of what failed checks left behind (not a check).
    l "set cmd:fail-exit false" "rm -f $tag-small.bin $tag-large.bin $dir/renamed.bin" \
        "rmdir $dir" >/dev/null 2>&1 || true
}

# --- ftplib (suite and refusals are in ftplib_client.py) -------------------------------------
run_py() { # args... : count its PASS/FAIL lines
    local line
    while IFS= read -r line; do
        case "$line" in
            "PASS "*) echo "$line"; passed=$((passed + 1)) ;;
            "FAIL "*) echo "$line"; failed=$((failed + 1)) ;;
        esac
    done < <(timeout $((T * 3)) "$PY" "$HERE/ftplib_client.py" "$@" 2>"$WORK/py.err"; \
             rc=$?; [ "$rc" -eq 124 ] && echo "FAIL ftplib $1 $2 $3: timed out after $((T * 3)) s")
}

# --- refusals with curl and lftp (ftplib's are in ftplib_client.py) ---------------------------
refusals() {
    # A refusal may take the form of a data connection that never carries clear text (ProFTPD
    # answers PROT C with 534, curl carries on, and both wait on the data connection): a short
    # limit keeps that from costing the full call timeout.
    local log="$WORK/refuse.log" rt="${CLIENT_REFUSAL_TIMEOUT:-15}"
    # plain-text login: no AUTH TLS at all.
    CUR_LOG="$log"
    timeout $((rt + 10)) curl -sS -v --max-time "$rt" --user "$USER_:$PASS_" "ftp://$HOST:$PORT/" \
        >/dev/null 2>"$log"
    if grep -q '^< 230' "$log"; then fail "refusal/plain-login/curl" "server accepted a plain-text login (230)"
    elif grep -qE '^< (530|5[0-9][0-9]|421)' "$log"; then pass "refusal/plain-login/curl"
    else fail "refusal/plain-login/curl" "no refusal reply seen: $(tail -1 "$log" | oneline)"; fi

    # PROT C: TLS on the control connection only (curl --ftp-ssl-control sends PROT C).
    timeout $((rt + 10)) curl -sS -v --max-time "$rt" --ftp-ssl-control --cacert "$CA" \
        --user "$USER_:$PASS_" "ftp://$HOST:$PORT/" >"$WORK/protc.out" 2>"$log"
    local rc=$?
    if ! grep -q '^< 230' "$log"; then
        # a server may also refuse PROT C at login-time policy; then no data can flow either
        if [ "$rc" -ne 0 ] && [ ! -s "$WORK/protc.out" ]; then pass "refusal/prot-c-transfer/curl"
        else fail "refusal/prot-c-transfer/curl" "unexpected: $(tail -1 "$log" | oneline)"; fi
    elif [ "$rc" -eq 0 ] || [ -s "$WORK/protc.out" ]; then
        fail "refusal/prot-c-transfer/curl" "clear-text (PROT C) listing accepted"
    else pass "refusal/prot-c-transfer/curl"; fi

    # lftp with TLS disabled must not get in either.
    printf '%s\n' "set cmd:fail-exit true; set net:max-retries 1; set net:timeout 20; set ftp:ssl-allow false" \
        "open -u \"$USER_\",\"$PASS_\" ftp://$HOST:$PORT" "cls -1" "bye" >"$WORK/lftp-plain.cmds"
    if timeout $((rt + 30)) lftp -d -f "$WORK/lftp-plain.cmds" >/dev/null 2>"$log"; then
        fail "refusal/plain-login/lftp" "listing succeeded without TLS"
    elif grep -q '^<--- 230' "$log"; then fail "refusal/plain-login/lftp" "server accepted a plain-text login (230)"
    else pass "refusal/plain-login/lftp"; fi
}

# --- run --------------------------------------------------------------------------------------
modes=(explicit)
[ "$IPORT" != "-" ] && modes+=(implicit)
for mode in "${modes[@]}"; do
    iport="$PORT"; [ "$mode" = implicit ] && iport="$IPORT"
    curl_suite "$mode"
    lftp_suite "$mode"
    for variant in reuse stock; do
        run_py suite "$variant" "$mode" "$HOST" "$iport" "$USER_" "$PASS_" "$CA" \
            "$WORK/small.bin" "$WORK/large.bin" "$WORK"
    done
done
refusals
run_py refuse "$HOST" "$PORT" "$USER_" "$PASS_" "$CA"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
