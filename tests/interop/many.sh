# shellcheck shell=bash
# "Many transfers in one control session": the plan shared by both interop matrices.
# Sourced by run-server-matrix.sh and run-client-matrix.sh; defines functions, runs nothing.
#
# A plan is ROUNDS rounds of three transfers, in this order, all on ONE control connection:
#   put up-I.bin  -> REMOTE/NAME-up-I.bin     (upload; verified on the server's disk)
#   get NAME-dn-I.bin -> local dn-I.bin       (download of a file placed on the server's disk)
#   get NAME-up-I.bin -> local back-I.bin     (the file just uploaded, read back)
# so uploads and downloads alternate and each data connection follows another one at once.
# Every file is random data; the sizes cycle through MANY_SIZES (1 byte to 2 MiB + 3, odd
# sizes included). Every transfer is verified by SHA-256 against its source.
#
# Plan file: one transfer per line, `put LOCAL REMOTE` or `get REMOTE LOCAL`, remote names
# relative to the login directory, no spaces in any name. Each client driver reads it:
#   curl (one invocation, --next per transfer), lftp (one script, one `open`), ftplib
#   (ftplib_client.py many), basic-ftp (basic-ftp/many.js), suppaftp (suppaftp/), and the
#   ftps-client example (its batch mode).
#
# Functions:
#   many_init DIR [ROUNDS]          make the source files (once per matrix run)
#   many_plan NAME ROOT [OWNER]     place the download sources as ROOT/NAME-dn-I.bin (chown
#                                   OWNER uid:gid when given) and write $MANY_DIR/NAME/plan;
#                                   sets MANY_PLAN and MANY_OUT (the local outputs)
#   many_verify NAME ROOT           0 when every transfer's copy matches its source; prints
#                                   "N/M transfers verified" and the first mismatches
#   many_cleanup NAME ROOT          remove the plan's remote files and local outputs
# Owns: $MANY_DIR and the NAME-* files it puts in ROOT.

MANY_SIZES=(1 1023 16384 65537 262144 1000000 1048576 2097155)

many_init() { # dir [rounds]
    MANY_DIR="$1"
    MANY_ROUNDS="${2:-${MATRIX_MANY_ROUNDS:-8}}"
    mkdir -p "$MANY_DIR/src"
    local i size
    for i in $(seq 1 "$MANY_ROUNDS"); do
        size="${MANY_SIZES[$(((i - 1) % ${#MANY_SIZES[@]}))]}"
        head -c "$size" /dev/urandom >"$MANY_DIR/src/up-$i.bin"
        head -c "$size" /dev/urandom >"$MANY_DIR/src/dn-$i.bin"
    done
}

many_plan() { # name root [owner uid:gid]
    local name="$1" root="$2" owner="${3:-}" i
    MANY_OUT="$MANY_DIR/$name"
    MANY_PLAN="$MANY_OUT/plan"
    rm -rf "$MANY_OUT"
    mkdir -p "$MANY_OUT"
    : >"$MANY_PLAN"
    for i in $(seq 1 "$MANY_ROUNDS"); do
        if [ -n "$owner" ]; then
            install -m 644 -o "${owner%%:*}" -g "${owner##*:}" "$MANY_DIR/src/dn-$i.bin" "$root/$name-dn-$i.bin"
        else
            install -m 644 "$MANY_DIR/src/dn-$i.bin" "$root/$name-dn-$i.bin"
        fi
        rm -f "$root/$name-up-$i.bin"
        {
            echo "put $MANY_DIR/src/up-$i.bin $name-up-$i.bin"
            echo "get $name-dn-$i.bin $MANY_OUT/dn-$i.bin"
            echo "get $name-up-$i.bin $MANY_OUT/back-$i.bin"
        } >>"$MANY_PLAN"
    done
}

many_sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

many_verify() { # name root
    local name="$1" root="$2" i ok=0 bad=()
    local out="$MANY_DIR/$name"
    for i in $(seq 1 "$MANY_ROUNDS"); do
        local up dn
        up="$(many_sha "$MANY_DIR/src/up-$i.bin")"
        dn="$(many_sha "$MANY_DIR/src/dn-$i.bin")"
        if [ "$(many_sha "$root/$name-up-$i.bin")" = "$up" ]; then ok=$((ok + 1))
        else bad+=("put #$i ($(stat -c %s "$root/$name-up-$i.bin" 2>/dev/null || echo missing) of $(stat -c %s "$MANY_DIR/src/up-$i.bin") bytes on the server)"); fi
        if [ "$(many_sha "$out/dn-$i.bin")" = "$dn" ]; then ok=$((ok + 1))
        else bad+=("get dn #$i ($(stat -c %s "$out/dn-$i.bin" 2>/dev/null || echo missing) of $(stat -c %s "$MANY_DIR/src/dn-$i.bin") bytes)"); fi
        if [ "$(many_sha "$out/back-$i.bin")" = "$up" ]; then ok=$((ok + 1))
        else bad+=("get back #$i ($(stat -c %s "$out/back-$i.bin" 2>/dev/null || echo missing) bytes)"); fi
    done
    if [ "$ok" -eq $((MANY_ROUNDS * 3)) ]; then
        echo "$ok/$((MANY_ROUNDS * 3)) transfers verified"
        return 0
    fi
    echo "$ok/$((MANY_ROUNDS * 3)) transfers verified; first failures: ${bad[*]:0:3}"
    return 1
}

many_cleanup() { # name root
    local name="$1" root="$2" i
    for i in $(seq 1 "$MANY_ROUNDS"); do
        rm -f "$root/$name-up-$i.bin" "$root/$name-dn-$i.bin"
    done
    rm -rf "${MANY_DIR:?}/$name"
}

# --- drivers for clients without a program of their own -------------------------------------

# many_curl LOG BASE_URL CURL_OPTS... : the whole plan in ONE curl invocation (one --next
# block per transfer; curl keeps the control connection between them). Fails when curl
# fails or when it logged in more than once (a second control connection).
many_curl() {
    local log="$1" base="$2"; shift 2
    local opts=("$@") args=() first=1 verb a b
    while read -r verb a b; do
        [ "$first" -eq 1 ] || args+=(--next)
        first=0
        args+=("${opts[@]}")
        if [ "$verb" = put ]; then args+=(-T "$a" "$base/$b")
        else args+=(-o "$b" "$base/$a"); fi
    done <"$MANY_PLAN"
    timeout "${MANY_TIMEOUT:-180}" curl "${args[@]}" 2>"$log"
    local rc=$? logins
    logins="$(grep -c '^> USER ' "$log")"
    if [ "$rc" -ne 0 ]; then
        echo "curl exit $rc after $(grep -c '^< 226' "$log") x 226: $({ grep -E '^< [45][0-9][0-9]' "$log" | head -1; grep -E '^curl: \(' "$log" | head -1; } | tr -d '\r' | tr '\n' ' ')"
        return 1
    fi
    [ "$logins" -eq 1 ] || { echo "curl logged in $logins times (wanted one control session)"; return 1; }
}

# many_lftp LOG URL USER PASS CA PRIORITY : the plan in one lftp script (one `open`, so one
# control session; lftp would reconnect on an error: the login count catches that).
many_lftp() {
    local log="$1" url="$2" user="$3" pass="$4" ca="$5" prio="$6" verb a b
    local cmds="$MANY_OUT/lftp.cmds"
    {
        echo "set cmd:fail-exit true; set net:max-retries 1; set net:timeout 20;"
        echo "set net:reconnect-interval-base 1; set ftp:ssl-allow true; set ftp:ssl-force true;"
        echo "set ftp:ssl-protect-data true; set ftp:ssl-protect-list true; set ftp:passive-mode true;"
        echo "set ssl:ca-file $ca; set ssl:verify-certificate true; set xfer:clobber on;"
        echo "set ssl:priority \"$prio\""
        echo "open -u \"$user\",\"$pass\" $url"
        while read -r verb a b; do
            if [ "$verb" = put ]; then echo "put $a -o $b"; else echo "get $a -o $b"; fi
        done <"$MANY_PLAN"
        echo "bye"
    } >"$cmds"
    timeout "${MANY_TIMEOUT:-180}" lftp -d -f "$cmds" 2>"$log"
    local rc=$? logins
    logins="$(grep -c -- '---> USER ' "$log")"
    if [ "$rc" -ne 0 ]; then
        echo "lftp exit $rc after $(grep -c -- '<--- 226' "$log") x 226: $(grep -E '^<--- [45][0-9][0-9]|Fatal error|Access failed' "$log" | head -2 | tr -d '\r' | tr '\n' ' ')"
        return 1
    fi
    [ "$logins" -eq 1 ] || { echo "lftp logged in $logins times (wanted one control session)"; return 1; }
}

# many_ftps_client LOG BIN OPTIONS... URL : the plan in one run of the ftps-client example's
# batch mode (one login, every line of the plan in order, exit 1 at the first failure).
many_ftps_client() {
    local log="$1" bin="$2"; shift 2
    timeout "${MANY_TIMEOUT:-180}" "$bin" --verbose "$@" batch "$MANY_PLAN" 2>"$log"
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "ftps-client exit $rc: $({ grep -m1 '^batch: line [0-9]*: FAILED' "$log" || grep -E '^(error|ftps-client:)' "$log" || tail -1 "$log"; } | tail -1 | tr -d '\r')"
        return 1
    fi
    echo "$(grep -c '^batch: line [0-9]*: ok: ' "$log") batch lines ok in one session"
}
