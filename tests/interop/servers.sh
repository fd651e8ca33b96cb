#!/usr/bin/env bash
# Starts / stops the interop FTPS servers configured by setup-servers.sh, each on its fixed
# 127.0.0.1 port(s) (port plan in env.sh). Every server runs in its own process group under
# `timeout` ($INTEROP_SERVER_TIMEOUT s, default 3600), so nothing outlives CI even if `stop`
# is never called; `stop` ends exactly the process groups this script recorded.
#
# Usage (as root):
#   servers.sh start  [SERVER...] [--variant tls13|tls12|all]   (default: all servers, all variants)
#   servers.sh stop   [SERVER...] [--variant ...]
#   servers.sh status [SERVER...] [--variant ...]
# SERVER: vsftpd pure-ftpd proftpd pyftpdlib. Logs and pid files: $INTEROP_RUN.
#
# Owns: the processes it starts and $INTEROP_RUN/*.pid. Must not touch any other process.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"

die() { printf '[servers] error: %s\n' "$*" >&2; exit 1; }
log() { printf '[servers] %s\n' "$*" >&2; }

action="${1:-}"; shift || true
servers=() variants="$INTEROP_VARIANTS"
while [ $# -gt 0 ]; do
    case "$1" in
        --variant) variants="$2"; [ "$variants" = all ] && variants="$INTEROP_VARIANTS"; shift 2 ;;
        vsftpd|pure-ftpd|proftpd|pyftpdlib) servers+=("$1"); shift ;;
        *) die "unknown argument: $1" ;;
    esac
done
[ "${#servers[@]}" -gt 0 ] || read -r -a servers <<<"$INTEROP_SERVERS"
[ -d "$INTEROP_CONF" ] || die "run setup-servers.sh first ($INTEROP_CONF missing)"
mkdir -p "$INTEROP_RUN"

# instances SERVER VARIANT -> "name:port[,port]" for each process of that server variant
instances() {
    local s="$1" v="$2"
    case "$s" in
        vsftpd) echo "vsftpd-$v-explicit:$(interop_port vsftpd "$v" explicit)"
                echo "vsftpd-$v-implicit:$(interop_port vsftpd "$v" implicit)" ;;
        proftpd) echo "proftpd-$v:$(interop_port proftpd "$v" explicit),$(interop_port proftpd "$v" implicit)" ;;
        *) echo "$s-$v:$(interop_port "$s" "$v" explicit)" ;;
    esac
}

listening() { # port -> true when something listens on 127.0.0.1:port
    ss -Hltn "( sport = :$1 )" 2>/dev/null | grep -q .
}

pid_alive() { # name -> true when the recorded process group leader still runs and is ours
    local f="$INTEROP_RUN/$1.pid" pid
    [ -s "$f" ] || return 1
    pid="$(cat "$f")"
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "^timeout "
}

command_for() { # name variant -> prints the command line (one word per line)
    local name="$1" v="$2"
    local tls12_env=()
    [ "$v" = tls12 ] && tls12_env=("OPENSSL_CONF=$INTEROP_CONF/openssl-tls12.cnf")
    case "$name" in
        vsftpd-*-explicit) printf '%s\n' env "${tls12_env[@]}" /usr/sbin/vsftpd "$INTEROP_CONF/vsftpd-$v-explicit.conf" ;;
        vsftpd-*-implicit) printf '%s\n' env "${tls12_env[@]}" /usr/sbin/vsftpd "$INTEROP_CONF/vsftpd-$v-implicit.conf" ;;
        pure-ftpd-*)
            # pure-ftpd needs its privsep/state dirs under /run (tmpfs: recreated each boot).
            mkdir -p /run/pure-ftpd
            printf '%s\n' env "${tls12_env[@]}" "$INTEROP_ROOT/usr/sbin/pure-ftpd"
            cat "$INTEROP_CONF/pure-ftpd-$v.args"
            echo "--pidfile=$INTEROP_RUN/pure-ftpd-$v.server.pid" ;;
        proftpd-*) printf '%s\n' "$INTEROP_ROOT/usr/sbin/proftpd" -n -c "$INTEROP_CONF/proftpd-$v.conf" ;;
        pyftpdlib-*)
            local tls=1.3
            [ "$v" = tls12 ] && tls=1.2
            printf '%s\n' runuser -u "$FTPS_INTEROP_USER" -- "$INTEROP_PYTHON" "$HERE/pyftpd-server.py" \
                --port "$(interop_port pyftpdlib "$v" explicit)" \
                --passive "$(interop_port pyftpdlib "$v" pasv_min)-$(interop_port pyftpdlib "$v" pasv_max)" \
                --root "$INTEROP_DATA/pyftpdlib-$v" --user "$FTPS_INTEROP_USER" \
                --password "$FTPS_INTEROP_PASS" --cert "$INTEROP_PKI/server.pem" \
                --key "$INTEROP_PKI/server.key" --tls-max "$tls" --lifetime "$INTEROP_SERVER_TIMEOUT" ;;
        *) die "no command for $name" ;;
    esac
}

start_one() { # name ports variant
    local name="$1" ports="$2" v="$3" p
    if pid_alive "$name"; then log "$name already running (pid $(cat "$INTEROP_RUN/$name.pid"))"; return 0; fi
    for p in ${ports//,/ }; do
        listening "$p" && die "port $p is already in use by another process; not starting $name"
    done
    local cmd=()
    mapfile -t cmd < <(command_for "$name" "$v")
    if [ "${name%%-*}" = proftpd ]; then
        "${cmd[0]}" -t -c "$INTEROP_CONF/proftpd-$v.conf" >"$INTEROP_RUN/$name.configtest" 2>&1 \
            || { cat "$INTEROP_RUN/$name.configtest" >&2; die "proftpd config test failed"; }
    fi
    # setsid: own process group (stop kills the group); timeout: hard lifetime limit.
    setsid timeout -k 5 "$INTEROP_SERVER_TIMEOUT" "${cmd[@]}" >>"$INTEROP_RUN/$name.out" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$INTEROP_RUN/$name.pid"
    local deadline=$((SECONDS + 15)) ok
    while :; do
        ok=1
        for p in ${ports//,/ }; do listening "$p" || ok=0; done
        [ "$ok" -eq 1 ] && break
        # kill -0, not pid_alive: right after the fork the child may not have exec'd yet.
        if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
            tail -20 "$INTEROP_RUN/$name.out" >&2 || true
            stop_one "$name"
            die "$name did not come up on port(s) $ports"
        fi
        sleep 0.2
    done
    log "$name up on 127.0.0.1:$ports (pid $(cat "$INTEROP_RUN/$name.pid"))"
}

stop_one() { # name
    local name="$1" f="$INTEROP_RUN/$1.pid" pid
    if ! pid_alive "$name"; then rm -f "$f"; return 0; fi
    pid="$(cat "$f")"
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 25); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$f"
    log "$name stopped"
}

rc=0
for s in "${servers[@]}"; do
    for v in $variants; do
        while IFS=: read -r name ports; do
            case "$action" in
                start) start_one "$name" "$ports" "$v" ;;
                stop) stop_one "$name" ;;
                status)
                    if pid_alive "$name"; then echo "$name running pid $(cat "$INTEROP_RUN/$name.pid") ports $ports"
                    else echo "$name stopped ports $ports"; rc=3; fi ;;
                *) die "usage: servers.sh start|stop|status [SERVER...] [--variant tls13|tls12|all]" ;;
            esac
        done < <(instances "$s" "$v")
    done
done
exit "$rc"
