#!/usr/bin/env bash
# Installs and configures, idempotently, the real FTPS servers the interop tests run against:
# vsftpd (installed with apt-get), pure-ftpd and proftpd + mod_tls (unpacked with dpkg -x into
# $INTEROP_ROOT, because the three packages conflict), and pyftpdlib (apt-get, Debian python3).
# Also creates the test CA + server certificate, the test user and one FTP root per instance,
# and writes every server config under $INTEROP_CONF. Starts nothing: see servers.sh.
#
# Owns: $INTEROP_DIR, the system user $FTPS_INTEROP_USER, /etc/pam.d/ftps-interop.
# Must not touch: any system FTP service (none is left running or enabled).
#
# Usage (as root): bash tests/interop/setup-servers.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, creates a user)"

export DEBIAN_FRONTEND=noninteractive
mkdir -p "$INTEROP_DIR"
chmod 755 "$INTEROP_DIR"

# ---------------------------------------------------------------------------------------------
# 1. Packages. policy-rc.d (exit 101) stops maintainer scripts from starting vsftpd; we remove
#    it again only if we created it.
# ---------------------------------------------------------------------------------------------
APT_PKGS=(
    vsftpd openssl ca-certificates curl lftp iproute2 coreutils
    python3 python3-pyftpdlib python3-openssl
    # runtime libraries of the unpacked pure-ftpd and proftpd binaries (ldd-checked below)
    libsodium23 libcap2 libcrypt1 libpam0g libpam-modules libssl3 libacl1 libidn2-0
    libpcre2-8-0 libpcre2-posix3 libhiredis0.14 libmemcached11 libmemcachedutil2 zlib1g
    libncursesw6 libtinfo6
)
UNPACK_PKGS=(pure-ftpd pure-ftpd-common proftpd-core proftpd-mod-crypto)

missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    created_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        created_policy=1
    fi
    log "apt-get install ${missing[*]}"
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$INTEROP_DIR/apt.log" 2>&1; then
        log "install failed; running apt-get update once and retrying"
        apt-get update -q >>"$INTEROP_DIR/apt.log" 2>&1
        apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$INTEROP_DIR/apt.log" 2>&1 \
            || { tail -20 "$INTEROP_DIR/apt.log" >&2; die "apt-get install failed"; }
    fi
    [ "$created_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi
# vsftpd's package may still have been started (e.g. a policy-rc.d that allowed it): stop it,
# and keep it from starting at boot. Only the packaged service, by its init script.
if [ -x /etc/init.d/vsftpd ]; then
    /etc/init.d/vsftpd stop >/dev/null 2>&1 || true
    if command -v update-rc.d >/dev/null; then update-rc.d vsftpd disable >/dev/null 2>&1 || true; fi
    if command -v systemctl >/dev/null; then systemctl disable --now vsftpd >/dev/null 2>&1 || true; fi
fi

mkdir -p "$INTEROP_DIR" "$INTEROP_ROOT" "$INTEROP_PKI" "$INTEROP_CONF" "$INTEROP_RUN" \
    "$INTEROP_DATA" "$INTEROP_DIR/debs" "$INTEROP_DIR/empty"
chmod 755 "$INTEROP_DIR" "$INTEROP_DATA"
chmod 555 "$INTEROP_DIR/empty"    # vsftpd's secure_chroot_dir: root-owned, not writable

# ---------------------------------------------------------------------------------------------
# 2. Unpack pure-ftpd and proftpd (same version as the archive offers; re-done on change).
# ---------------------------------------------------------------------------------------------
candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }
v="$(candidate "${UNPACK_PKGS[0]}")"
if [ -z "$v" ] || [ "$v" = "(none)" ]; then
    log "no package lists yet: apt-get update"
    apt-get update -q >>"$INTEROP_DIR/apt.log" 2>&1 || die "apt-get update failed"
fi
want_versions=""
for p in "${UNPACK_PKGS[@]}"; do
    v="$(candidate "$p")"
    if [ -z "$v" ] || [ "$v" = "(none)" ]; then die "no candidate for $p"; fi
    want_versions+="$p=$v "
done
if [ "$(cat "$INTEROP_ROOT/.versions" 2>/dev/null)" != "$want_versions" ]; then
    log "unpacking $want_versions into $INTEROP_ROOT"
    rm -rf "$INTEROP_DIR/debs"/*.deb
    # apt's download sandbox user must be able to write there.
    chown _apt "$INTEROP_DIR/debs" 2>/dev/null || true
    (cd "$INTEROP_DIR/debs" && apt-get download -q "${UNPACK_PKGS[@]}" >/dev/null 2>&1) \
        || (cd "$INTEROP_DIR/debs" && apt-get update -q >/dev/null 2>&1 && apt-get download -q "${UNPACK_PKGS[@]}") \
        || die "apt-get download failed"
    rm -rf "$INTEROP_ROOT"
    mkdir -p "$INTEROP_ROOT"
    for deb in "$INTEROP_DIR/debs"/*.deb; do dpkg -x "$deb" "$INTEROP_ROOT"; done
    printf '%s' "$want_versions" >"$INTEROP_ROOT/.versions"
fi
for bin in "$INTEROP_ROOT/usr/sbin/pure-ftpd" "$INTEROP_ROOT/usr/sbin/proftpd" \
    "$INTEROP_ROOT/usr/lib/proftpd/mod_tls.so" "$INTEROP_ROOT/usr/bin/pure-pw"; do
    [ -e "$bin" ] || die "missing after unpack: $bin"
    if ldd "$bin" | grep -q 'not found'; then
        ldd "$bin" | grep 'not found' >&2
        die "unresolved libraries for $bin"
    fi
done

# ---------------------------------------------------------------------------------------------
# 3. PKI: a test CA and a server certificate for localhost / 127.0.0.1 (RSA 2048, SHA-256).
# ---------------------------------------------------------------------------------------------
pki_ok() {
    [ -s "$INTEROP_PKI/ca.pem" ] && [ -s "$INTEROP_PKI/server.pem" ] && [ -s "$INTEROP_PKI/server.key" ] \
        && openssl verify -CAfile "$INTEROP_PKI/ca.pem" "$INTEROP_PKI/server.pem" >/dev/null 2>&1 \
        && openssl x509 -in "$INTEROP_PKI/server.pem" -noout -checkend 86400 >/dev/null 2>&1
}
if ! pki_ok; then
    log "creating CA and server certificate in $INTEROP_PKI"
    (
        cd "$INTEROP_PKI"
        umask 077
        openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
            -keyout ca.key -out ca.pem -subj "/CN=ftps-proto interop test CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr \
            -subj "/CN=localhost" 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:localhost,IP:127.0.0.1" >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
            -days 825 -sha256 -extfile server.ext -out server.pem 2>/dev/null
        cat server.pem server.key >server-combined.pem   # pure-ftpd's single-file form
        rm -f server.csr
        chmod 644 ca.pem server.pem
        chmod 600 ca.key server.key server-combined.pem
    )
    pki_ok || die "certificate generation failed"
fi

# ---------------------------------------------------------------------------------------------
# 4. The test user (a system user: vsftpd authenticates it through PAM, the others map their
#    virtual user onto its uid/gid) and one FTP root per server instance.
# ---------------------------------------------------------------------------------------------
if ! getent passwd "$FTPS_INTEROP_USER" >/dev/null; then
    log "creating user $FTPS_INTEROP_USER"
    useradd --system --user-group --no-create-home --home-dir "$INTEROP_DATA" \
        --shell /usr/sbin/nologin "$FTPS_INTEROP_USER"
fi
printf '%s:%s\n' "$FTPS_INTEROP_USER" "$FTPS_INTEROP_PASS" | chpasswd
FTP_UID="$(id -u "$FTPS_INTEROP_USER")"
FTP_GID="$(id -g "$FTPS_INTEROP_USER")"
# pyftpdlib runs as the test user and must read the server key.
chgrp "$FTP_GID" "$INTEROP_PKI/server.key" "$INTEROP_PKI/server-combined.pem"
chmod 640 "$INTEROP_PKI/server.key" "$INTEROP_PKI/server-combined.pem"
for s in $INTEROP_SERVERS; do
    for v in $INTEROP_VARIANTS; do
        d="$INTEROP_DATA/$s-$v"
        mkdir -p "$d"
        [ -f "$d/hello.txt" ] || printf 'hello from %s (%s)\n' "$s" "$v" >"$d/hello.txt"
        chown -R "$FTP_UID:$FTP_GID" "$d"
        chmod 755 "$d"
    done
done

# A PAM service of our own for vsftpd: password check against /etc/shadow only (the stock
# /etc/pam.d/vsftpd also requires a login shell and honours /etc/ftpusers).
cat >/etc/pam.d/ftps-interop <<'EOF'
# ftps-proto interop tests (tests/interop/setup-servers.sh): vsftpd test user only.
auth     required pam_unix.so
account  required pam_unix.so
session  required pam_permit.so
EOF

# OpenSSL config that caps TLS at 1.2 for the "tls12" instances of vsftpd and pure-ftpd (they
# have no protocol-version directive; OpenSSL reads this through OPENSSL_CONF at start-up).
cat >"$INTEROP_CONF/openssl-tls12.cnf" <<'EOF'
openssl_conf = interop_conf
[interop_conf]
ssl_conf = interop_ssl
[interop_ssl]
system_default = interop_tls12
[interop_tls12]
MinProtocol = TLSv1.2
MaxProtocol = TLSv1.2
CipherString = DEFAULT:@SECLEVEL=2
EOF

# ---------------------------------------------------------------------------------------------
# 5. Server configs.
# ---------------------------------------------------------------------------------------------
write_vsftpd_conf() { # variant mode(explicit|implicit) port
    local v="$1" mode="$2" port="$3" implicit=NO
    [ "$mode" = implicit ] && implicit=YES
    # vsftpd refuses a config file not owned by the user running it (root).
    cat >"$INTEROP_CONF/vsftpd-$v-$mode.conf" <<EOF
# generated by tests/interop/setup-servers.sh: vsftpd $v $mode on 127.0.0.1:$port
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
allow_writeable_chroot=YES
local_root=$INTEROP_DATA/vsftpd-$v
pam_service_name=ftps-interop
userlist_enable=NO
tcp_wrappers=NO
seccomp_sandbox=NO
secure_chroot_dir=$INTEROP_DIR/empty
pasv_enable=YES
pasv_min_port=$(interop_port vsftpd "$v" pasv_min)
pasv_max_port=$(interop_port vsftpd "$v" pasv_max)
port_enable=YES
port_promiscuous=NO
connect_from_port_20=NO
ssl_enable=YES
implicit_ssl=$implicit
allow_anon_ssl=NO
force_local_logins_ssl=YES
force_local_data_ssl=YES
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=YES
require_ssl_reuse=YES
strict_ssl_read_eof=YES
ssl_ciphers=HIGH
rsa_cert_file=$INTEROP_PKI/server.pem
rsa_private_key_file=$INTEROP_PKI/server.key
xferlog_enable=YES
log_ftp_protocol=YES
debug_ssl=YES
vsftpd_log_file=$INTEROP_RUN/vsftpd-$v-$mode.log
dual_log_enable=NO
syslog_enable=NO
EOF
    chown root:root "$INTEROP_CONF/vsftpd-$v-$mode.conf"
    chmod 600 "$INTEROP_CONF/vsftpd-$v-$mode.conf"
}

# proftpd: one file per variant; the server on the explicit port, a <VirtualHost> on the
# implicit port (TLSOptions UseImplicitSSL). Virtual user from an AuthUserFile.
PROFTPD_HASH="$(openssl passwd -6 "$FTPS_INTEROP_PASS")"
write_proftpd_conf() { # variant
    local v="$1" protocols="TLSv1.2 TLSv1.3"
    [ "$v" = tls12 ] && protocols="TLSv1.2"
    local root="$INTEROP_DATA/proftpd-$v"
    printf '%s:%s:%s:%s::%s:/bin/false\n' "$FTPS_INTEROP_USER" "$PROFTPD_HASH" \
        "$FTP_UID" "$FTP_GID" "$root" >"$INTEROP_CONF/proftpd-$v.passwd"
    chmod 600 "$INTEROP_CONF/proftpd-$v.passwd"
    local tls_block
    tls_block="$(cat <<EOF
  TLSEngine on
  TLSRequired on
  TLSProtocol $protocols
  TLSCipherSuite HIGH:!aNULL:!MD5
  TLSRSACertificateFile $INTEROP_PKI/server.pem
  TLSRSACertificateKeyFile $INTEROP_PKI/server.key
  TLSCACertificateFile $INTEROP_PKI/ca.pem
  TLSVerifyClient off
  TLSRenegotiate none
  TLSLog $INTEROP_RUN/proftpd-$v-tls.log
EOF
)"
    cat >"$INTEROP_CONF/proftpd-$v.conf" <<EOF
# generated by tests/interop/setup-servers.sh: proftpd $v
# explicit FTPS on 127.0.0.1:$(interop_port proftpd "$v" explicit), implicit on 127.0.0.1:$(interop_port proftpd "$v" implicit)
ModulePath $INTEROP_ROOT/usr/lib/proftpd
LoadModule mod_tls.c
ServerName "ftps-proto interop proftpd $v"
ServerType standalone
DefaultServer off
DefaultAddress 127.0.0.1
SocketBindTight on
Port $(interop_port proftpd "$v" explicit)
UseIPv6 off
User $FTPS_INTEROP_USER
Group $FTPS_INTEROP_USER
PidFile $INTEROP_RUN/proftpd-$v.server.pid
ScoreboardFile $INTEROP_RUN/proftpd-$v.scoreboard
DelayTable none
WtmpLog off
UseReverseDNS off
UseLastlog off
ControlsEngine off
MaxInstances 30
SystemLog $INTEROP_RUN/proftpd-$v-system.log
TransferLog $INTEROP_RUN/proftpd-$v-xfer.log
AuthOrder mod_auth_file.c
AuthUserFile $INTEROP_CONF/proftpd-$v.passwd
RequireValidShell off
DefaultRoot ~
Umask 022
AllowOverwrite on
AllowStoreRestart on
AllowRetrieveRestart on
AllowForeignAddress off
PassivePorts $(interop_port proftpd "$v" pasv_min) $(interop_port proftpd "$v" pasv_max)
<IfModule mod_tls.c>
$tls_block
  # Session reuse on data connections is required by default (no NoSessionReuseRequired).
  TLSOptions EnableDiags
</IfModule>
<VirtualHost 127.0.0.1>
  ServerName "ftps-proto interop proftpd $v implicit"
  Port $(interop_port proftpd "$v" implicit)
  AuthOrder mod_auth_file.c
  AuthUserFile $INTEROP_CONF/proftpd-$v.passwd
  RequireValidShell off
  DefaultRoot ~
  Umask 022
  AllowOverwrite on
  AllowStoreRestart on
  AllowRetrieveRestart on
  AllowForeignAddress off
  PassivePorts $(interop_port proftpd "$v" pasv_min) $(interop_port proftpd "$v" pasv_max)
$tls_block
  TLSOptions EnableDiags UseImplicitSSL
</VirtualHost>
EOF
}

# pure-ftpd: command-line arguments (no config file) plus a pure-pw virtual-user database.
PURE_PW="$INTEROP_ROOT/usr/bin/pure-pw"
write_pure_ftpd_conf() { # variant
    local v="$1"
    local root="$INTEROP_DATA/pure-ftpd-$v"
    local pw="$INTEROP_CONF/pure-ftpd-$v.passwd" db="$INTEROP_CONF/pure-ftpd-$v.pdb"
    rm -f "$pw" "$db"
    printf '%s\n%s\n' "$FTPS_INTEROP_PASS" "$FTPS_INTEROP_PASS" \
        | "$PURE_PW" useradd "$FTPS_INTEROP_USER" -u "$FTP_UID" -g "$FTP_GID" -d "$root" \
            -f "$pw" >/dev/null
    # pure-pw hashes with argon2id at a cost that makes each login take ~4 s on this 2-core
    # machine; swap in a SHA-512 crypt(3) hash (pure-ftpd verifies non-argon/scrypt hashes
    # with crypt()), then build the database.
    local hash
    hash="$(openssl passwd -6 "$FTPS_INTEROP_PASS")"
    awk -F: -v OFS=: -v h="$hash" -v u="$FTPS_INTEROP_USER" '$1 == u { $2 = h } { print }' \
        "$pw" >"$pw.tmp" && mv "$pw.tmp" "$pw"
    chmod 600 "$pw"
    "$PURE_PW" mkdb "$db" -f "$pw"
    cat >"$INTEROP_CONF/pure-ftpd-$v.args" <<EOF
--bind=127.0.0.1,$(interop_port pure-ftpd "$v" explicit)
--ipv4only
--login=puredb:$db
--noanonymous
--chrooteveryone
--dontresolve
--passiveportrange=$(interop_port pure-ftpd "$v" pasv_min):$(interop_port pure-ftpd "$v" pasv_max)
--tls=3
--certfile=$INTEROP_PKI/server.pem,$INTEROP_PKI/server.key
--tlsciphersuite=HIGH
--maxclientsnumber=30
--maxidletime=5
--verboselog
EOF
}

for v in $INTEROP_VARIANTS; do
    write_vsftpd_conf "$v" explicit "$(interop_port vsftpd "$v" explicit)"
    write_vsftpd_conf "$v" implicit "$(interop_port vsftpd "$v" implicit)"
    write_proftpd_conf "$v"
    write_pure_ftpd_conf "$v"
done

cat >"$INTEROP_DIR/env" <<EOF
# written by tests/interop/setup-servers.sh; source it to reach the interop servers
export INTEROP_DIR="$INTEROP_DIR"
export FTPS_INTEROP_CA="$FTPS_INTEROP_CA"
export FTPS_INTEROP_USER="$FTPS_INTEROP_USER"
export FTPS_INTEROP_PASS="$FTPS_INTEROP_PASS"
EOF
log "ready: CA $FTPS_INTEROP_CA, user $FTPS_INTEROP_USER, configs in $INTEROP_CONF"
echo "FTPS_INTEROP_CA=$FTPS_INTEROP_CA"
