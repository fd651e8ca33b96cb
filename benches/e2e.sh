#!/usr/bin/env bash
# Loopback benchmark of the adapters against vsftpd, pure-ftpd, curl and the Rust peers of
# benches/peers (libunftp 0.24 server, suppaftp 12 client), run by hand as root, never a CI
# timing gate. Everything listens on 127.0.0.1 only and stops by itself:
# every server this script starts runs in its own process group under `timeout`, and the
# exit trap ends exactly those groups.
#
# Usage:
#   benches/e2e.sh [--quick] [--runs N] [--size MIB] [--sessions N] [--clients N] [--seconds S]
#
#   default : 256 MiB file, 3 runs (medians), 1000 scale sessions, 16 load clients x 10 s
#   --quick : correctness only (1 MiB, 1 run, 20 scale sessions, 4 clients x 2 s), < 2 min;
#             the peers (benches/peers) are used only if already built: building libunftp
#             takes ~10 min on 2 busy cores. Without --quick they are built (--locked).
#   --no-peers : leave libunftp and suppaftp out
#   --data-only : stop after the data plane (for tuning)
#   --scale-only : only the scale test (for tuning memory)
#   --tmpfs : our server's and vsftpd's roots on /dev/shm (pure-ftpd's home stays on disk):
#             uploads are otherwise bounded by writing a fresh file on the disk, for every
#             server alike (dd of 256 MiB to /var/tmp: 0.3-0.9 s here, reads: 0.12 s)
#
# What it measures (PROT P, explicit FTPS, TLS as negotiated by default: TLS 1.3 AES-GCM):
#   1. data plane: RETR and STOR of one file; wall time per process (connect + login +
#      transfer + QUIT), median of N interleaved rounds (every path once per round), MB/s
#      and ratios:
#        curl <- our server  vs  curl <- max(vsftpd, pure-ftpd)          (target >= 1.5x)
#        our client <- pure-ftpd  vs  curl <- pure-ftpd                  (target >= 1.0x)
#        our client <- our server  vs  curl <- pure-ftpd in plain FTP     (target >= 0.5x)
#        curl <- our blocking example server (examples/ftps-server.rs, thread per session,
#        same disk)  vs  the same best                                   (target >= 1.5x)
#      every path's bytes are SHA-256 checked once (outside the timed runs).
#        our client -> our server / curl -> our server                   (target >= 1.3x)
#        our client -> our server PROT P / the same two programs in plain (target >= 0.85)
#   2. control plane: sessions/s (connect, AUTH TLS, login, PWD, QUIT) from N concurrent
#      clients of EVERY load generator (ftps-bench load, suppaftp-peer load, N loops of curl
#      processes) against EVERY server (our tokio server, our blocking example server,
#      libunftp, vsftpd), interleaved rounds, medians; ratios ours / libunftp (target >= 2)
#      and ours / vsftpd (target >= 20); beside it the full-handshake limit of rustls alone
#      with the same certificate (benches/peers tls-handshakes).
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

PEERS=1 SCALE_ONLY=0 WORK_BASE=/var/tmp DATA_ONLY=0 QUICK=0 RUNS=3 SIZE_MIB=256 SESSIONS=1000 CLIENTS=16 SECONDS_LOAD=10
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1 RUNS=1 SIZE_MIB=1 SESSIONS=20 CLIENTS=4 SECONDS_LOAD=2; shift ;;
        --runs) RUNS="$2"; shift 2 ;;
        --no-peers) PEERS=0; shift ;;
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
P_VSFTPD=27021 P_PURE=27022 P_PLAIN=27023 P_OURS=27024 P_SCALE=27025 P_BLOCKING=27026
P_UNFTP=27027 P_OURS_PLAIN=27028
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
PEERS_DIR="$REPO/benches/peers"
PEERS_BIN="$PEERS_DIR/target/release"
if [ "$PEERS" -eq 1 ]; then
    if [ "$QUICK" -eq 1 ]; then
        if [ ! -x "$PEERS_BIN/unftp-peer" ] || [ ! -x "$PEERS_BIN/suppaftp-peer" ]; then
            log "quick: benches/peers not built, leaving libunftp and suppaftp out"
            PEERS=0
        fi
    else
        log "building benches/peers (release; libunftp takes minutes the first time)"
        cargo build --quiet --release --locked --manifest-path "$PEERS_DIR/Cargo.toml"
    fi
fi

# --- files and servers --------------------------------------------------------------------
SIZE=$((SIZE_MIB * 1024 * 1024))
head -c "$SIZE" /dev/urandom >"$WORK/src.bin"
SUM="$(sha256sum <"$WORK/src.bin" | cut -d' ' -f1)"
for d in vsftpd ours blocking scale unftp; do mkdir -p "$WORK/$d/$SUB"; done
mkdir -p "$PURE_HOME/$SUB"
cp "$WORK/src.bin" "$WORK/vsftpd/$SUB/big.bin"
cp "$WORK/src.bin" "$WORK/ours/$SUB/big.bin"
cp "$WORK/src.bin" "$WORK/blocking/$SUB/big.bin"
cp "$WORK/src.bin" "$WORK/unftp/$SUB/big.bin"
cp "$WORK/src.bin" "$PURE_HOME/$SUB/big.bin"
chown -R "$FUSER:" "$WORK/vsftpd" "$WORK/ours" "$WORK/blocking" "$WORK/scale" "$WORK/unftp" "$PURE_HOME/$SUB"

sed -e "s/^listen_port=.*/listen_port=$P_VSFTPD/" \
    -e "s/^pasv_min_port=.*/pasv_min_port=47500/" -e "s/^pasv_max_port=.*/pasv_max_port=47549/" \
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
mapfile -t PA < <(pure_args "$P_PURE" 47550:47599 3)
start_bg "$P_PURE" pure-ftpd "$INTEROP_ROOT/usr/sbin/pure-ftpd" "${PA[@]}"
mapfile -t PA < <(pure_args "$P_PLAIN" 47600:47649 0)
start_bg "$P_PLAIN" pure-ftpd-plain "$INTEROP_ROOT/usr/sbin/pure-ftpd" "${PA[@]}"

serve() { # port root name [--plain]
    start_bg "$1" "$3" "$BIN" serve --root "$2" --port "$1" --cert "$INTEROP_PKI/server.pem" \
        --key "$INTEROP_PKI/server.key" --user "$FUSER" --pass "$PASS" --lifetime "$LIFETIME" ${4:+"$4"}
}
serve "$P_OURS" "$WORK/ours" ours
# The same program with TLS optional: plain FTP between our own client and server.
serve "$P_OURS_PLAIN" "$WORK/ours" ours-plain --plain
# The blocking example server (a thread per session), same root disk, same identity.
start_bg "$P_BLOCKING" blocking "$BLOCKING_BIN" --listen "127.0.0.1:$P_BLOCKING" --no-implicit \
    --root "$WORK/blocking" --user "$FUSER:$PASS" --cert "$INTEROP_PKI/server.pem" \
    --key "$INTEROP_PKI/server.key" --max-sessions 64 --max-per-address 64 --passive-ports 47650-47699
# libunftp 0.24 (FTPS required on control and data), same identity, same user.
if [ "$PEERS" -eq 1 ]; then
    start_bg "$P_UNFTP" unftp "$PEERS_BIN/unftp-peer" --listen "127.0.0.1:$P_UNFTP" \
        --root "$WORK/unftp" --user "$FUSER" --pass "$PASS" --cert "$INTEROP_PKI/server.pem" \
        --key "$INTEROP_PKI/server.key" --passive 47700-47799 --lifetime "$LIFETIME"
fi

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
ours_put() { "$BIN" put --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --path "$SUB/$2" --in "$WORK/src.bin" ${3:+"$3"} >/dev/null; }
ours_plain_get() { "$BIN" get --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --path "$SUB/big.bin" --plain >/dev/null; }
supp_get() { "$PEERS_BIN/suppaftp-peer" get --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --path "$SUB/big.bin" ${2:+--out "$2"} >/dev/null; }
supp_put() { "$PEERS_BIN/suppaftp-peer" put --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --path "$SUB/$2" --in "$WORK/src.bin" >/dev/null; }
once() { # key cmd... : runs cmd once, appends its wall time to the key's samples
    local key="$1" t0 t1; shift
    t0=$(now); "$@"; t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b-a}' >>"$WORK/t.$key"
}
med() { median <"$WORK/t.$1"; }
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
ours_put "$P_OURS_PLAIN" up-ours.bin --plain; check_file "ours -> ours (plain)" "$WORK/ours/$SUB/up-ours.bin"
ours_put "$P_PURE" up-ours.bin; check_file "ours -> pure-ftpd" "$PURE_HOME/$SUB/up-ours.bin"
ours_put "$P_VSFTPD" up-ours.bin; check_file "ours -> vsftpd" "$WORK/vsftpd/$SUB/up-ours.bin"
if [ "$PEERS" -eq 1 ]; then
    curl_get "$P_UNFTP" "$WORK/c6"; check_file "curl <- libunftp" "$WORK/c6"
    curl_put "$P_UNFTP" up-curl.bin; check_file "curl -> libunftp" "$WORK/unftp/$SUB/up-curl.bin"
    ours_get "$P_UNFTP" "$WORK/c7"; check_file "ours <- libunftp" "$WORK/c7"
    ours_put "$P_UNFTP" up-ours.bin; check_file "ours -> libunftp" "$WORK/unftp/$SUB/up-ours.bin"
    supp_get "$P_OURS" "$WORK/c8"; check_file "suppaftp <- ours" "$WORK/c8"
    supp_put "$P_OURS" up-supp.bin; check_file "suppaftp -> ours" "$WORK/ours/$SUB/up-supp.bin"
fi

# --- 1. data plane ----------------------------------------------------------------------------
log "data plane: ${SIZE_MIB} MiB, median of $RUNS interleaved rounds"
declare -A T
DATA_KEYS=(dl_curl_ours dl_curl_blocking dl_curl_vsftpd dl_curl_pure dl_ours_pure dl_ours_ours
    dl_ours_ours_plain dl_plain_pure ul_curl_ours ul_curl_blocking ul_curl_vsftpd ul_curl_pure
    ul_ours_pure ul_ours_ours ul_ours_ours_plain ul_plain_pure)
[ "$PEERS" -eq 1 ] && DATA_KEYS+=(dl_curl_unftp ul_curl_unftp dl_supp_ours ul_supp_ours)
data_run() { # key: one run of that path
    case "$1" in
        dl_curl_ours) curl_get "$P_OURS" /dev/null ;;
        dl_curl_blocking) curl_get "$P_BLOCKING" /dev/null ;;
        dl_curl_vsftpd) curl_get "$P_VSFTPD" /dev/null ;;
        dl_curl_pure) curl_get "$P_PURE" /dev/null ;;
        dl_curl_unftp) curl_get "$P_UNFTP" /dev/null ;;
        dl_ours_pure) ours_get "$P_PURE" ;;
        dl_ours_ours) ours_get "$P_OURS" ;;
        dl_ours_ours_plain) ours_plain_get "$P_OURS_PLAIN" ;;
        dl_supp_ours) supp_get "$P_OURS" ;;
        dl_plain_pure) curl_plain_get "$P_PLAIN" /dev/null ;;
        ul_curl_ours) curl_put "$P_OURS" up.bin ;;
        ul_curl_blocking) curl_put "$P_BLOCKING" up.bin ;;
        ul_curl_vsftpd) curl_put "$P_VSFTPD" up.bin ;;
        ul_curl_pure) curl_put "$P_PURE" up.bin ;;
        ul_curl_unftp) curl_put "$P_UNFTP" up.bin ;;
        ul_ours_pure) ours_put "$P_PURE" up.bin ;;
        ul_ours_ours) ours_put "$P_OURS" up.bin ;;
        ul_ours_ours_plain) ours_put "$P_OURS_PLAIN" up.bin --plain ;;
        ul_supp_ours) supp_put "$P_OURS" up.bin ;;
        ul_plain_pure) curl_plain_put "$P_PLAIN" up-plain.bin ;;
        *) die "unknown path $1" ;;
    esac
}
for _round in $(seq 1 "$RUNS"); do
    for k in "${DATA_KEYS[@]}"; do once "$k" data_run "$k"; done
done
for k in "${DATA_KEYS[@]}"; do T[$k]="$(med "$k")"; done

echo
echo "== data plane: ${SIZE_MIB} MiB over 127.0.0.1, PROT P, median of $RUNS interleaved rounds (wall time incl. login) =="
for k in "${DATA_KEYS[@]}"; do
    printf '  %-18s %8.3f s  %8s MB/s\n' "$k" "${T[$k]}" "$(mbps "${T[$k]}")"
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
echo "    upload:   ours->ours / curl->ours               = $(ratio "${T[ul_ours_ours]}" "${T[ul_curl_ours]}")  (target >= 1.3)"
echo "    download: ours<-ours PROT P / ours<-ours plain  = $(ratio "${T[dl_ours_ours]}" "${T[dl_ours_ours_plain]}")"
echo "    upload:   ours->ours PROT P / ours->ours plain  = $(ratio "${T[ul_ours_ours]}" "${T[ul_ours_ours_plain]}")  (target >= 0.85)"
echo "    download: ours<-ours / plain FTP ceiling        = $(ratio "${T[dl_ours_ours]}" "${T[dl_plain_pure]}")  (target >= 0.5)"
echo "    upload:   ours->ours / plain FTP ceiling        = $(ratio "${T[ul_ours_ours]}" "${T[ul_plain_pure]}")  (target >= 0.5)"
if [ "$PEERS" -eq 1 ]; then
    echo "    download: curl<-ours (tokio) / curl<-libunftp   = $(ratio "${T[dl_curl_ours]}" "${T[dl_curl_unftp]}")"
    echo "    upload:   curl->ours (tokio) / curl->libunftp   = $(ratio "${T[ul_curl_ours]}" "${T[ul_curl_unftp]}")"
    echo "    download: ours<-ours / suppaftp<-ours           = $(ratio "${T[dl_ours_ours]}" "${T[dl_supp_ours]}")"
    echo "    upload:   ours->ours / suppaftp->ours           = $(ratio "${T[ul_ours_ours]}" "${T[ul_supp_ours]}")"
fi
[ "$DATA_ONLY" -eq 1 ] && exit 0

# --- 2. control plane -----------------------------------------------------------------------
echo
echo "== control plane: $CLIENTS clients x ${SECONDS_LOAD} s (connect, AUTH TLS, login, PWD, QUIT), median of $RUNS interleaved rounds =="
# Each generator prints "RATE sessions/s (N sessions, F failed, ...)".
load_ours() { "$BIN" load --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --clients "$CLIENTS" --seconds "$SECONDS_LOAD"; }
load_suppaftp() { "$PEERS_BIN/suppaftp-peer" load --port "$1" --ca "$CA" --user "$FUSER" --pass "$PASS" --clients "$CLIENTS" --seconds "$SECONDS_LOAD" 2>>"$WORK/load-errors.txt"; }
load_curl() { # N shell loops, each one curl process per session (curl -I on / : login, PBSZ/PROT, PWD, QUIT)
    local port="$1" i t0 t1 ok bad
    t0=$(now)
    local end; end=$(awk -v t="$t0" -v s="$SECONDS_LOAD" 'BEGIN {printf "%.3f", t+s}')
    for i in $(seq 1 "$CLIENTS"); do
        ( o=0 f=0
          while awk -v e="$end" -v n="$(now)" 'BEGIN {exit !(n < e)}'; do
              if curl -s --fail --ssl-reqd --cacert "$CA" -u "$FUSER:$PASS" -I --max-time 5 \
                  "ftp://localhost:$port/" >/dev/null 2>&1; then o=$((o+1)); else f=$((f+1)); fi
          done
          echo "$o $f" ) >"$WORK/curl-load.$i" &
    done
    wait
    t1=$(now)
    cat "$WORK"/curl-load.* | awk -v t="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b-a}')" -v c="$CLIENTS" \
        '{o+=$1; f+=$2} END {printf "%.1f sessions/s (%d sessions, %d failed, %d clients, %.2f s)\n", o/t, o, f, c, t}'
    rm -f "$WORK"/curl-load.*
}
GENS=(ours curl)
[ "$PEERS" -eq 1 ] && GENS=(ours suppaftp curl)
declare -A SRV=([tokio]="$P_OURS" [blocking]="$P_BLOCKING" [vsftpd]="$P_VSFTPD")
SERVERS=(tokio blocking vsftpd)
[ "$PEERS" -eq 1 ] && SRV[libunftp]="$P_UNFTP" && SERVERS=(tokio blocking libunftp vsftpd)
for _round in $(seq 1 "$RUNS"); do
    for g in "${GENS[@]}"; do
        for s in "${SERVERS[@]}"; do
            line="$("load_$g" "${SRV[$s]}")"
            echo "$line" >>"$WORK/load-lines.$g.$s"
            echo "${line%% *}" >>"$WORK/t.load_${g}_$s"
        done
    done
done
declare -A L
printf '  %-10s' "sessions/s"; for s in "${SERVERS[@]}"; do printf ' %10s' "$s"; done; echo
for g in "${GENS[@]}"; do
    printf '  %-10s' "$g"
    for s in "${SERVERS[@]}"; do L[$g.$s]="$(med "load_${g}_$s")"; printf ' %10.1f' "${L[$g.$s]}"; done
    echo
done
div() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a/b : 0)}'; }
echo "  ratios (medians):"
for g in "${GENS[@]}"; do
    line="    $g:"
    if [ "$PEERS" -eq 1 ]; then
        line+=" tokio/libunftp $(div "${L[$g.tokio]}" "${L[$g.libunftp]}"), blocking/libunftp $(div "${L[$g.blocking]}" "${L[$g.libunftp]}") (target >= 2);"
    fi
    line+=" tokio/vsftpd $(div "${L[$g.tokio]}" "${L[$g.vsftpd]}"), blocking/vsftpd $(div "${L[$g.blocking]}" "${L[$g.vsftpd]}") (target >= 20)"
    echo "$line"
done
echo "  failures (sum over rounds):"
for g in "${GENS[@]}"; do
    for s in "${SERVERS[@]}"; do
        f="$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' "$WORK/load-lines.$g.$s" | awk '{t+=$1} END {print t+0}')"
        if [ "$f" -gt 0 ]; then echo "    $g -> $s: $f failed sessions"; fi
    done
done
[ -s "$WORK/load-errors.txt" ] && sort "$WORK/load-errors.txt" | uniq -c | sed 's/^/    /'
if [ "$PEERS" -eq 1 ]; then
    echo "  limit: rustls alone, same certificate, in memory: $("$PEERS_BIN/tls-handshakes" --cert "$INTEROP_PKI/server.pem" \
        --key "$INTEROP_PKI/server.key" --ca "$CA" --seconds "$((QUICK ? 1 : 3))")"
    echo "  cores: $(nproc) (shared by the load generator and the server)"
fi

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
