# shellcheck shell=bash
# Shared settings of the interop environment: sourced by every script in tests/interop/.
# Owns: the state directory, the test user, the port plan. Touches nothing by itself.
#
# Port plan (all on 127.0.0.1; passive ranges never overlap):
#   server     variant  explicit  implicit  passive range
#   vsftpd     tls13    2131      2992      40000-40049
#   vsftpd     tls12    2231      3092      40050-40099
#   pure-ftpd  tls13    2132      -         40100-40149
#   pure-ftpd  tls12    2232      -         40150-40199
#   proftpd    tls13    2133      2993      40200-40249
#   proftpd    tls12    2233      3093      40250-40299
#   pyftpdlib  tls13    2134      -         40300-40349
#   pyftpdlib  tls12    2234      -         40350-40399
# (2121/2990 are left free for `cargo run --example ftps-server`'s defaults.)
# "tls13" instances offer TLS 1.2 and 1.3 (a client picks with --tls-max); "tls12" instances
# are capped at TLS 1.2 (a TLS-1.3-only client must be refused there).

export INTEROP_DIR="${INTEROP_DIR:-/var/tmp/ftps-proto-interop}"
export INTEROP_ROOT="$INTEROP_DIR/root"          # dpkg -x tree of pure-ftpd and proftpd
export INTEROP_PKI="$INTEROP_DIR/pki"
export INTEROP_CONF="$INTEROP_DIR/conf"
export INTEROP_RUN="$INTEROP_DIR/run"            # pid files and logs
export INTEROP_DATA="$INTEROP_DIR/data"          # one FTP root per server instance
export FTPS_INTEROP_CA="$INTEROP_PKI/ca.pem"
export FTPS_INTEROP_USER="${FTPS_INTEROP_USER:-ftpsuser}"
export FTPS_INTEROP_PASS="${FTPS_INTEROP_PASS:-Interop-Pass-42}"
# Hard limit for any server process (seconds): nothing outlives CI even if stop is never run.
export INTEROP_SERVER_TIMEOUT="${INTEROP_SERVER_TIMEOUT:-3600}"
# Debian's interpreter: python3-pyftpdlib and python3-openssl are installed for it.
export INTEROP_PYTHON="${INTEROP_PYTHON:-/usr/bin/python3}"

export INTEROP_SERVERS="vsftpd pure-ftpd proftpd pyftpdlib"
export INTEROP_VARIANTS="tls13 tls12"

# interop_port SERVER VARIANT explicit|implicit|pasv_min|pasv_max -> prints the port, or
# nothing when that server has no such mode.
interop_port() {
    local base off
    case "$1" in
        vsftpd) base=0 ;; pure-ftpd) base=1 ;; proftpd) base=2 ;; pyftpdlib) base=3 ;;
        *) return 1 ;;
    esac
    case "$2" in tls13) off=0 ;; tls12) off=100 ;; *) return 1 ;; esac
    case "$3" in
        explicit) echo $((2131 + base + off)) ;;
        implicit)
            case "$1" in
                vsftpd) echo $((2992 + off)) ;;
                proftpd) echo $((2993 + off)) ;;
                *) : ;;
            esac ;;
        pasv_min) echo $((40000 + base * 100 + off / 2)) ;;
        pasv_max) echo $((40000 + base * 100 + off / 2 + 49)) ;;
        *) return 1 ;;
    esac
}
