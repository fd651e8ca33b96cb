#!/usr/bin/env bash
# Proves every interop server x mode x TLS version with curl: list, upload (-T), download,
# SHA-256 compare, delete; over TLS 1.2 (--tlsv1.2 --tls-max 1.2) and TLS 1.3 (--tlsv1.3).
# The "tls12" instances are capped at TLS 1.2, so there a TLS 1.3 client must be refused: that
# refusal is what is checked. Servers must be running (servers.sh start).
#
# Output: one line per check, `PASS name` / `FAIL name: reason` / `XFAIL name: reason` (a known
# incompatibility, listed in KNOWN below with its cause; it is verified to still fail, and
# reported as FAIL if it starts to pass), then `N passed, M failed, K skipped` where skipped
# counts the XFAIL lines. Exit status 1 on any FAIL.
#
# Usage: check-servers-with-curl.sh [SERVER...]   (default: all four servers)
# Owns: nothing but a scratch directory; does not start or stop servers.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"

CA="$FTPS_INTEROP_CA"
AUTH="$FTPS_INTEROP_USER:$FTPS_INTEROP_PASS"
TIMEOUT="${CURL_CHECK_TIMEOUT:-60}"
servers=("$@")
[ "${#servers[@]}" -gt 0 ] || read -r -a servers <<<"$INTEROP_SERVERS"

# Known incompatibilities (verified on Debian 12: curl 7.88.1, OpenSSL 3.0), as glob patterns
# over check names -> "fail|cause" (must still fail) or "flaky|cause" (fails some of the time).
declare -A KNOWN=(
    # curl does the TLS handshake on the passive data connection as soon as it connects, then
    # sends TYPE before LIST/RETR/STOR; pyftpdlib 1.5.7 drops the not-yet-used TLS data
    # connection when it processes TYPE, curl gets a reset, falls back to PASV and then reads
    # the 200 reply to TYPE as the PASV reply: "curl: (13) Bad PASV/EPSV response: 200".
    # Upstream: giampaolo/pyftpdlib issue 604. ftplib and lftp work against pyftpdlib.
    ["pyftpdlib/*/explicit/tls1.[23]/list"]="fail|pyftpdlib 1.5.7 resets curl's early TLS data handshake (pyftpdlib issue 604)"
    ["pyftpdlib/*/explicit/tls1.[23]/upload"]="fail|pyftpdlib 1.5.7 resets curl's early TLS data handshake (pyftpdlib issue 604)"
    ["pyftpdlib/*/explicit/tls1.[23]/download-sha256"]="fail|pyftpdlib 1.5.7 resets curl's early TLS data handshake (pyftpdlib issue 604)"
    ["pyftpdlib/*/explicit/tls1.[23]/delete"]="fail|pyftpdlib 1.5.7 resets curl's early TLS data handshake (pyftpdlib issue 604)"
    # vsftpd with strict_ssl_read_eof=YES answers "426 Failure reading network stream" when an
    # upload's data connection ends without a TLS close_notify. With TLS 1.3 that happens in
    # about a third of curl 7.88.1 uploads (vsftpd logs "SSL shutdown state is: NONE"); with
    # TLS 1.2 never (0 of 80 tried). The downloaded copy then differs (partial upload).
    ["vsftpd/tls13/*/tls1.3/upload"]="flaky|vsftpd strict_ssl_read_eof: curl's TLS 1.3 upload sometimes ends without close_notify (426)"
)

WORK="$(mktemp -d /tmp/ftps-curl-check.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
head -c $((1024 * 1024)) /dev/urandom >"$WORK/payload"
PAYLOAD_SHA="$(sha256sum "$WORK/payload" | cut -d' ' -f1)"

passed=0 failed=0 xfailed=0
last_kind=""   # PASS, FAIL or XFAIL: the outcome of the last report
known() { # check name -> "kind|cause" of the first matching KNOWN pattern
    local k
    for k in "${!KNOWN[@]}"; do
        # shellcheck disable=SC2053
        if [[ "$1" == $k ]]; then printf '%s' "${KNOWN[$k]}"; return 0; fi
    done
    return 1
}
report() { # name ok(0|1) reason
    local name="$1" ok="$2" reason="${3:-}" entry kind cause
    if entry="$(known "$name")"; then
        kind="${entry%%|*}" cause="${entry#*|}"
        if [ "$ok" -ne 0 ]; then
            echo "XFAIL $name: $cause [$reason]"; xfailed=$((xfailed + 1)); last_kind=XFAIL
            return
        fi
        if [ "$kind" = fail ]; then
            echo "FAIL $name: unexpectedly passed; update KNOWN ($cause)"; failed=$((failed + 1))
            last_kind=FAIL
            return
        fi
    fi
    if [ "$ok" -eq 0 ]; then echo "PASS $name"; passed=$((passed + 1)); last_kind=PASS
    else echo "FAIL $name: $reason"; failed=$((failed + 1)); last_kind=FAIL; fi
}
last_error() { # log file -> last curl error line, one line
    grep -E '^curl: \(' "$1" | tail -1 | tr -d '\r' || true
}

# run_curl LOG ARGS... : curl with the CA, a hard timeout, verbose log to LOG
run_curl() {
    local log="$1"; shift
    timeout $((TIMEOUT + 10)) curl -sS -v --max-time "$TIMEOUT" --cacert "$CA" "$@" 2>"$log"
}

check_combo() { # server variant mode port tls(1.2|1.3)
    local s="$1" v="$2" mode="$3" port="$4" tls="$5"
    local name="$s/$v/$mode/tls$tls" scheme=ftp tlsargs=() log="$WORK/log"
    [ "$mode" = implicit ] && scheme=ftps
    if [ "$tls" = 1.2 ]; then tlsargs=(--tlsv1.2 --tls-max 1.2); else tlsargs=(--tlsv1.3); fi
    local base="$scheme://$AUTH@127.0.0.1:$port"
    local remote="curl-check-$$-$RANDOM.bin"

    if [ "$v" = tls12 ] && [ "$tls" = 1.3 ]; then
        # The capped instance must refuse a TLS-1.3-only client during the handshake.
        if run_curl "$log" --ssl-reqd "${tlsargs[@]}" "$base/" -o /dev/null; then
            report "$name/refused" 1 "TLS 1.3 accepted by a server capped at TLS 1.2"
        elif grep -qiE 'protocol version|unsupported protocol|wrong version' "$log"; then
            report "$name/refused" 0
        else
            report "$name/refused" 1 "failed, but not with a protocol-version alert: $(last_error "$log")"
        fi
        return
    fi

    # list (and the negotiated TLS version, from curl's log)
    if run_curl "$log" --ssl-reqd "${tlsargs[@]}" "$base/" >"$WORK/listing"; then
        if ! grep -q 'hello.txt' "$WORK/listing"; then
            report "$name/list" 1 "listing lacks hello.txt"
        elif ! grep -q "SSL connection using TLSv$tls" "$log"; then
            report "$name/list" 1 "negotiated $(grep -o 'SSL connection using TLSv[0-9.]*' "$log" | head -1), wanted TLSv$tls"
        else
            report "$name/list" 0
        fi
    else
        report "$name/list" 1 "$(last_error "$log")"
    fi
    # upload
    if run_curl "$log" --ssl-reqd "${tlsargs[@]}" -T "$WORK/payload" "$base/$remote"; then
        report "$name/upload" 0
    else
        report "$name/upload" 1 "$(last_error "$log")"
    fi
    # download + SHA-256 (only meaningful after a complete upload)
    rm -f "$WORK/download"
    if [ "$last_kind" = XFAIL ]; then
        echo "XFAIL $name/download-sha256: not compared, the upload before it failed (known)"
        xfailed=$((xfailed + 1))
    elif [ "$last_kind" = FAIL ]; then
        report "$name/download-sha256" 1 "not compared, the upload before it failed"
    elif run_curl "$log" --ssl-reqd "${tlsargs[@]}" -o "$WORK/download" "$base/$remote"; then
        local got
        got="$(sha256sum "$WORK/download" | cut -d' ' -f1)"
        if [ "$got" = "$PAYLOAD_SHA" ]; then report "$name/download-sha256" 0
        else report "$name/download-sha256" 1 "sha256 $got != uploaded $PAYLOAD_SHA"; fi
    else
        report "$name/download-sha256" 1 "$(last_error "$log")"
    fi
    # delete (DELE after a directory listing) and prove it is gone
    if run_curl "$log" --ssl-reqd "${tlsargs[@]}" -Q "-DELE $remote" "$base/" -o /dev/null \
        && run_curl "$log.2" --ssl-reqd "${tlsargs[@]}" "$base/" >"$WORK/listing2" \
        && ! grep -q "$remote" "$WORK/listing2"; then
        report "$name/delete" 0
    else
        report "$name/delete" 1 "$(last_error "$log") $(last_error "$log.2")"
    fi
}

for s in "${servers[@]}"; do
    for v in $INTEROP_VARIANTS; do
        for mode in explicit implicit; do
            port="$(interop_port "$s" "$v" "$mode")"
            if [ -z "$port" ]; then
                continue   # no implicit mode for this server (see README.md)
            fi
            for tls in 1.2 1.3; do
                check_combo "$s" "$v" "$mode" "$port" "$tls"
            done
        done
    done
done

echo "$passed passed, $failed failed, $xfailed skipped"
[ "$failed" -eq 0 ]
