#!/usr/bin/env bash
# Loopback benchmark of the tokio adapters against vsftpd, pure-ftpd and curl (run by hand,
# as root, never a CI timing gate). Everything listens on 127.0.0.1 only and stops by itself:
# every server this script starts runs in its own process group under `timeout`, and the
# exit trap ends exactly those groups.
#
# Usage:
#   benches/e2e.sh [--quick] [--runs N] [--size MIB] [--sessions N] [--clients N] [--seconds S]
#
#   default : 256 MiB file, 3 runs (medians), 1000 scale sessions, 16 load clients x 10 s
#   --quick : correctness only (1 MiB, 1 run, 20 scale sessions, 4 clients x 2 s), < 2 min
#   --data-only : stop after the data plane (for tuning)
#   --scale-only : only the scale test (for tuning memory)
#   --tmpfs : our server's and vsftpd's roots on /dev/shm (pure-ftpd's home stays on disk):
#             uploads are otherwise bounded by writing a fresh file on the disk, for every
#             server alike (dd of 256 MiB to /var/tmp: 0.3-0.9 s here, reads: 0.12 s)
#
# What it measures (PROT P, explicit FTPS, TLS as negotiated by default: TLS 1.3 AES-GCM):
#   1. data plane: RETR and STOR of one file; wall time per process (connect + login +
#      transfer + QUIT), median of N runs, MB/s and ratios:
#        curl <- our server  vs  curl <- max(vsftpd, pure-ftpd)          (target >= 1.5x)
#        our client <- pure-ftpd  vs  curl <- pure-ftpd                  (target >= 1.0x)
#        our client <- our server  vs  curl <- pure-ftpd in plain FTP     (target >= 0.5x)
#        curl <- our blocking example server (examples/ftps-server.rs, thread per session,
#        same disk)  vs  the same best                                   (target >= 1.5x)
#      every path's bytes are SHA-256 checked once (outside the timed runs).
#   2. control plane: sessions/s (connect, AUTH TLS, login, PBSZ/PROT, FEAT, TYPE, PWD, QUIT)
#      from N concurrent clients (ftps-bench load), our server vs vsftpd    (target >= 2x)
#   3. scale: N concurrent logged-in sessions on a fresh server, each storing and retrieving
#      its own 64 KiB file, SHA-256 verified; peak RSS (VmHWM) per session.
#   4. `openssl speed -evp aes-128-gcm` for context.
# vsftpd and pure-ftpd are started here from the interop environment's configuration
# (tests/interop: run setup-servers.sh once), with protocol logging off so they are not
# slowed by their logs; the interop instances themselves are not touched.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
# shellcheck source=../tests/interop/env.sh
. "$REPO/tests/interop/env.sh"

SCALE_ONLY=0 WORK_BASE=/var/tmp DATA_ONLY=0 QUICK=0 RUNS=3 SIZE_MIB=256 SESSIONS=1000 CLIENTS=16 SECONDS_LOAD=10
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 RUNS=1 SIZE_MIB=1 SESSIONS=20 CLIENTS=4 SECONDS_LOAD=2; shift ;;
        --runs) RUNS="$2"; shift 2 ;;
        --data-only) DATA_ONLY=1; shift ;;
        --scale-only) SCALE_ONLY=1; shift ;;
        --tmpfs) WORK_BASE=/dev/shm; shift ;;
        --size) SIZE_MIB="$2"; shift 2 ;;
        --sessions) SESSIONS="$2"; shift 2 ;;
        --clients) CLIENTS="$2"; shift 2 ;;
        --seconds) SECONDS_LOAD="$2"; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { printf '[e2e] error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (vsftpd and pure-ftpd need it)"
[ -d "$INTEROP_CONF" ] || die "run tests/interop/setup-servers.sh first"
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

LIFETIME=$((QUICK ? 300 : 1800))
P_VSFTPD=2421 P_PURE=2422 P_PLAIN=2423 P_OURS=2424 P_SCALE=2425 P_BLOCKING=2426
FUSER="$FTPS_INTEROP_USER" PASS="$FTPS_INTEROP_PASS" CA="$FTPS_INTEROP_CA"
WORK="$(mktemp -d "$WORK_BASE/ftps-e2e.XXXXXX")"
chmod 755 "$WORK"
PURE_HOME="$INTEROP_DATA/pure-ftpd-tls13"
SUB="e2e-bench-$$"
GROUPS_STARTED=()

cleanup() {
    local g
    for g in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
    sleep 0.3
    for g in "${GROUPS_STARTED[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
    rm -rf "$WORK" "${PURE_HOME:?}/$SUB"
}
trap cleanup EXIT

listening() { ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q .; }
start_bg() { # port name cmd... : own process group, hard lifetime, waits until listening
    local port="$1" name="$2"; shift 2
    listening "$port" && die "port $port busy; not starting $name"
    setsid timeout -k 5 "$LIFETIME" "$@" >"$WORK/$name.out" 2>&1 </dev/null &
    GROUPS_STARTED+=("$!")
    local i
    for i in $(seq 1 100); do listening "$port" && return 0; sleep 0.1; done
    cat "$WORK/$name.out" >&2
    die "$name did not come up on $port"
}

# --- build --------------------------------------------------------------------------------
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
log "building ftps-bench (release)"
(cd "$REPO" && cargo build --quiet --release --features tokio --example ftps-bench --example ftps-server)
BIN="$TARGET/release/examples/ftps-bench"
BLOCKING_BIN="$TARGET/release/examples/ftps-server"

# --- files and servers --------------------------------------------------------------------
SIZE=$((SIZE_MIB * 1024 * 1024))
head -c "$SIZE" /dev/urandom >"$WORK/src.bin"
SUM="$(sha256sum <"$WORK/src.bin" | cut -d' ' -f1)"
for d in vsftpd ours blocking scale; do mkdir -p "$WORK/$d/$SUB"; done
mkdir -p "$PURE_HOME/$SUB"
cp "$WORK/src.bin" "$WORK/vsftpd/$SUB/big.bin"
cp "$WORK/src.bin" "$WORK/ours/$SUB/big.bin"
cp "$WORK/src.bin" "$WORK/blocking/$SUB/big.bin"
cp "$WORK/src.bin" "$PURE_HOME/$SUB/big.bin"
chown -R "$FUSER:" "$WORK/vsftpd" "$WORK/ours" "$WORK/blocking" "$WORK/scale" "$PURE_HOME/$SUB"

sed -e "s/^listen_port=.*/listen_port=$P_VSFTPD/" \
    -e "s/^pasv_min_port=.*/pasv_min_port=40500/" -e "s/^pasv_max_port=.*/pasv_max_port=40549/" \
    -e "s|^local_root=.*|local_root=$WORK/vsftpd|" \
    -e "s/^log_ftp_protocol=.*/log_ftp_protocol=NO/" -e "s/^debug_ssl=.*/debug_ssl=NO/" \
    -e "s/^xferlog_enable=.*/xferlog_enable=NO/" -e "s|^vsftpd_log_file=.*|vsftpd_log_file=$WORK/vsftpd.log|" \
    "$INTEROP_CONF/vsftpd-tls13-explicit.conf" >"$WORK/vsftpd.conf"
echo "max_per_ip=0" >>"$WORK/vsftpd.conf"
echo "max_clients=0" >>"$WORK/vsftpd.conf"
start_bg "$P_VSFTPD" vsftpd /usr/sbin/vsftpd "$WORK/vsftpd.conf"

mkdir -p /run/pure-ftpd
pure_args() { # port pasv-range tls-level
    grep -v -e '^--bind=' -e '^--passiveportrange=' -e '^--tls=' -e '^--verboselog' \
        -e '^--pidfile' -e '^--maxclientsnumber' "$INTEROP_CONF/pure-ftpd-tls13.args"
    echo "--bind=127.0.0.1,$1"; echo "--passiveportrange=$2"; echo "--tls=$3"
    echo "--maxclientsnumber=200"
}
mapfile -t PA < <(pure_args "$P_PURE" 40550:40599 3)
start_bg "$P_PURE" pure-ftpd "$INTEROP_ROOT/usr/sbin/pure-ftpd" "${PA[@]}"
mapfile -t PA < <(pure_args "$P_PLAIN" 40600:40649 0)
start_bg "$P_PLAIN" pure-ftpd-plain "$INTEROP_ROOT/usr/sbin/pure-ftpd" "${PA[@]}"

serve() { # port root name
    start_bg "$1" "$3" "$BIN" serve --root "$2" --port "$1" --cert "$INTEROP_PKI/server.pem" \
        --key "$INTEROP_PKI/server.key" --user "$FUSER" --pass "$PASS" --lifetime "$LIFETIME"
}
serve "$P_OURS" "$WORK/ours" ours
# The blocking example server (a thread per session), same root disk, same identity.
start_bg "$P_BLOCKING" blocking "$BLOCKING_BIN" --listen "127.0.0.1:$P_BLOCKING" --no-implicit \
    --root "$WORK/blocking" --user "$FUSER:$PASS" --cert "$INTEROP_PKI/server.pem" \
    --key "$INTEROP_PKI/server.key" --max-sessions 64 --max-per-address 64

# --- helpers --------------------------------------------------------------------------------
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mbps() { awk -v b="$SIZE" -v t="$1" 'BEGIN {printf "%.1f", b/1048576/t}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b/a}'; } # time b / time a = speed a / speed b
curl_tls() { curl -sS --fail --ssl-reqd --cacert "$CA" -u "$FUSER:$PASS" "$@"; }
curl_get() { curl_tls "ftp://localhost:$1/$SUB/big.bin" -o "$2"; }
curl_put() { curl_tls -T "$WORK/src.bin" "ftp://localhost:$1/$SUB/$2"; }
curl_plain_get() { curl -sS --fail -u "$FUSER:$PASS" "ftp://127.0.0.1:$1/$SUB/big.bin" -o "$2"; }
curl_plain_put() { curl -sS --fail -u "$FUSER:$PASS" -T "$WORK/src.bin" "ftp://127.0.0.1:$1/$SUB/$2"; }
ours_get() { "$BIN" get --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --path "$SUB/big.bin" ${2:+--out "$2"} >/dev/null; }
ours_put() { "$BIN" put --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --path "$SUB/$2" --in "$WORK/src.bin" >/dev/null; }
timed() { # name cmd... : runs RUNS times, prints the median wall time
    local name="$1" t0 t1 i; shift
    for i in $(seq 1 "$RUNS"); do
        t0=$(now); "$@"; t1=$(now)
        awk -v a="$t0" -v b="$t1" 'BEGIN {print b-a}'
    done | median
}
check_file() { # label file
    local s; s="$(sha256sum <"$2" | cut -d' ' -f1)"
    [ "$s" = "$SUM" ] || die "$1: SHA-256 mismatch"
    rm -f "$2"
    log "$1: SHA-256 ok"
}

if [ "$SCALE_ONLY" -eq 0 ]; then
# --- correctness (untimed) -------------------------------------------------------------------
log "checking every path once (SHA-256)"
curl_get "$P_OURS" "$WORK/c1"; check_file "curl <- ours" "$WORK/c1"
ours_get "$P_PURE" "$WORK/c2"; check_file "ours <- pure-ftpd" "$WORK/c2"
ours_get "$P_OURS" "$WORK/c3"; check_file "ours <- ours" "$WORK/c3"
ours_get "$P_VSFTPD" "$WORK/c4"; check_file "ours <- vsftpd" "$WORK/c4"
curl_put "$P_OURS" up-curl.bin; check_file "curl -> ours" "$WORK/ours/$SUB/up-curl.bin"
curl_get "$P_BLOCKING" "$WORK/c5"; check_file "curl <- blocking" "$WORK/c5"
curl_put "$P_BLOCKING" up-curl.bin; check_file "curl -> blocking" "$WORK/blocking/$SUB/up-curl.bin"
ours_put "$P_OURS" up-ours.bin; check_file "ours -> ours" "$WORK/ours/$SUB/up-ours.bin"
ours_put "$P_PURE" up-ours.bin; check_file "ours -> pure-ftpd" "$PURE_HOME/$SUB/up-ours.bin"
ours_put "$P_VSFTPD" up-ours.bin; check_file "ours -> vsftpd" "$WORK/vsftpd/$SUB/up-ours.bin"

# --- 1. data plane ----------------------------------------------------------------------------
log "data plane: ${SIZE_MIB} MiB, median of $RUNS"
declare -A T
T[dl_curl_ours]=$(timed x curl_get "$P_OURS" /dev/null)
T[dl_curl_blocking]=$(timed x curl_get "$P_BLOCKING" /dev/null)
T[dl_curl_vsftpd]=$(timed x curl_get "$P_VSFTPD" /dev/null)
T[dl_curl_pure]=$(timed x curl_get "$P_PURE" /dev/null)
T[dl_ours_pure]=$(timed x ours_get "$P_PURE")
T[dl_ours_ours]=$(timed x ours_get "$P_OURS")
T[dl_plain_pure]=$(timed x curl_plain_get "$P_PLAIN" /dev/null)
T[ul_curl_ours]=$(timed x curl_put "$P_OURS" up.bin)
T[ul_curl_blocking]=$(timed x curl_put "$P_BLOCKING" up.bin)
T[ul_curl_vsftpd]=$(timed x curl_put "$P_VSFTPD" up.bin)
T[ul_curl_pure]=$(timed x curl_put "$P_PURE" up.bin)
T[ul_ours_pure]=$(timed x ours_put "$P_PURE" up.bin)
T[ul_ours_ours]=$(timed x ours_put "$P_OURS" up.bin)
T[ul_plain_pure]=$(timed x curl_plain_put "$P_PLAIN" up-plain.bin)

echo
echo "== data plane: ${SIZE_MIB} MiB over 127.0.0.1, PROT P, median of $RUNS (wall time incl. login) =="
for k in dl_curl_ours dl_curl_blocking dl_curl_vsftpd dl_curl_pure dl_ours_pure dl_ours_ours \
         dl_plain_pure ul_curl_ours ul_curl_blocking ul_curl_vsftpd ul_curl_pure ul_ours_pure ul_ours_ours ul_plain_pure; do
    printf '  %-16s %8.3f s  %8s MB/s\n' "$k" "${T[$k]}" "$(mbps "${T[$k]}")"
done
best() { awk -v a="$1" -v b="$2" 'BEGIN {print (a<b ? a : b)}'; }
echo "  ratios (speed):"
DL_BEST="$(best "${T[dl_curl_vsftpd]}" "${T[dl_curl_pure]}")"
UL_BEST="$(best "${T[ul_curl_vsftpd]}" "${T[ul_curl_pure]}")"
echo "    download: curl<-ours (tokio) / curl<-best(vsftpd,pure)    = $(ratio "${T[dl_curl_ours]}" "$DL_BEST")  (target >= 1.5)"
echo "    download: curl<-ours (blocking) / curl<-best(vsftpd,pure) = $(ratio "${T[dl_curl_blocking]}" "$DL_BEST")  (target >= 1.5)"
echo "    upload:   curl->ours (tokio) / curl->best(vsftpd,pure)    = $(ratio "${T[ul_curl_ours]}" "$UL_BEST")  (target >= 1.5)"
echo "    upload:   curl->ours (blocking) / curl->best(vsftpd,pure) = $(ratio "${T[ul_curl_blocking]}" "$UL_BEST")  (target >= 1.5)"
echo "    download: ours<-pure / curl<-pure               = $(ratio "${T[dl_ours_pure]}" "${T[dl_curl_pure]}")  (target >= 1.0)"
echo "    upload:   ours->pure / curl->pure               = $(ratio "${T[ul_ours_pure]}" "${T[ul_curl_pure]}")  (target >= 1.0)"
echo "    download: ours<-ours / plain FTP ceiling        = $(ratio "${T[dl_ours_ours]}" "${T[dl_plain_pure]}")  (target >= 0.5)"
echo "    upload:   ours->ours / plain FTP ceiling        = $(ratio "${T[ul_ours_ours]}" "${T[ul_plain_pure]}")  (target >= 0.5)"
[ "$DATA_ONLY" -eq 1 ] && exit 0

# --- 2. control plane -----------------------------------------------------------------------
echo
echo "== control plane: $CLIENTS clients x ${SECONDS_LOAD} s (connect, AUTH TLS, login, PWD, QUIT) =="
load() { "$BIN" load --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --clients "$CLIENTS" --seconds "$SECONDS_LOAD"; }
L_OURS="$(load "$P_OURS")"; echo "  ours:   $L_OURS"
L_VS="$(load "$P_VSFTPD")"; echo "  vsftpd: $L_VS"
echo "  ratio ours / vsftpd = $(awk -v a="${L_OURS%% *}" -v b="${L_VS%% *}" 'BEGIN {printf "%.2f", a/b}')  (target >= 2)"
case "$L_OURS$L_VS" in *" 0 failed"*" 0 failed"*) ;; *) log "warning: some load sessions failed" ;; esac

fi # SCALE_ONLY

# --- 3. scale ---------------------------------------------------------------------------------
echo
echo "== scale: $SESSIONS concurrent logged-in TLS sessions, 64 KiB each way, SHA-256 verified =="
serve "$P_SCALE" "$WORK/scale" scale
SPID="$(pgrep -P "${GROUPS_STARTED[-1]}")" || die "scale server pid"
base="$(awk '/VmRSS/ {print $2}' "/proc/$SPID/status")"
"$BIN" scale --port "$P_SCALE" --ca "$CA" --user "$FUSER" --pass "$PASS" --sessions "$SESSIONS" \
    --size 65536 --hold 1000 >"$WORK/scale.txt" &
SCALE_PID=$!
for _ in $(seq 1 1200); do grep -q '^logged-in' "$WORK/scale.txt" && break; sleep 0.05; done
idle="$(awk '/VmRSS/ {print $2}' "/proc/$SPID/status")"
wait "$SCALE_PID" || true
grep -q "^ok $SESSIONS\$" "$WORK/scale.txt" || { cat "$WORK/scale.txt"; die "scale test failed"; }
n_files=$(find "$WORK/scale" -name 'scale-*.bin' -size 64k | wc -l)
[ "$n_files" -eq "$SESSIONS" ] || die "scale: $n_files files on the server, expected $SESSIONS"
hwm="$(awk '/VmHWM/ {print $2}' "/proc/$SPID/status")"
echo "  ok: $SESSIONS sessions, $n_files files of 64 KiB on the server"
echo "  server RSS: baseline ${base} KiB; all $SESSIONS logged in and idle ${idle} KiB = $(( (idle - base) / SESSIONS )) KiB per session"
echo "  peak (VmHWM) with every session transferring at once ${hwm} KiB = $(( (hwm - base) / SESSIONS )) KiB per session"

# --- 4. context -------------------------------------------------------------------------------
echo
echo "== openssl speed -evp aes-128-gcm (1 s per size) =="
openssl speed -seconds 1 -evp aes-128-gcm 2>/dev/null | tail -2
[ "$QUICK" -eq 1 ] && echo && echo "quick mode: correctness only (timings above are not meaningful)"
exit 0
