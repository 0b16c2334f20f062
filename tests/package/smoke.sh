#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Package smoke test (issue 7): build libapache2-mod-auth-workos, install it
# into this machine's Apache with apt, enable it with a2enmod, serve one
# protected and one open page from the system configuration on a free
# loopback port, then put everything back (stop Apache, disable, purge).
#
# Usage, as root:  tests/package/smoke.sh [PATH.deb]
# Without a .deb it builds one with tests/package/build-deb.sh into
# $DEB_OUT (default build-deb). Missing build/test tools are apt-installed.
# Prints "PASS: ..." or "FAIL: ..." last; exits non-zero on failure.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1

PKG=libapache2-mod-auth-workos
MOD=auth_workos
CONF=wos-smoke
ETC=/etc/apache2
STATE=/var/lib/apache2
APT="apt-get -y -q -o DPkg::Lock::Timeout=600"

T=""                 # scratch directory
HTTPD_PID=""         # the Apache this script starts
INSTALLED=""         # set once we have asked apt to install the package
SHMCB_WAS_ON=""      # socache_shmcb enabled before we started
FAILED=""

say()  { echo "smoke: $*"; }
fail() { FAILED=${FAILED:-$*}; exit 1; }
pkg_present() {     # installed, half-installed or config-files left
    local s
    s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$PKG" 2>/dev/null) || return 1
    case "$s" in ""|?n*) return 1 ;; *) return 0 ;; esac
}

# What "the machine as it was" means here: every path, type, mode and link
# target under /etc/apache2 and /var/lib/apache2, the content of every file
# under /etc/apache2, the module directory, and our package's dpkg status.
snapshot() {
    find "$ETC" "$STATE" -printf '%p %y %m %l\n' 2>/dev/null | sort
    find "$ETC" -type f -print0 | sort -z | xargs -0 md5sum
    ls -1A /usr/lib/apache2/modules/
    pkg_present && echo "$PKG present" || echo "$PKG absent"
}

# a2enmod/a2dismod keep "enabled/disabled by admin/maint" markers under
# /var/lib/apache2; remember ours so that they can be put back.
markers() {
    find "$STATE" -type f \( -name "$MOD" -o -name socache_shmcb \
         -o -name "$CONF" \) 2>/dev/null | sort
}

mod_on()  { [ -e "$ETC/mods-enabled/$1.load" ]; }
conf_on() { [ -e "$ETC/conf-enabled/$1.conf" ]; }

# A loopback port nothing answers on (bash's /dev/tcp connect fails).
free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"; return 0
        fi
    done
    return 1
}

systemd_apache() {
    [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

stop_httpd() {
    [ -n "$HTTPD_PID" ] || return 0
    if kill -0 "$HTTPD_PID" 2>/dev/null; then
        kill -TERM "$HTTPD_PID" 2>/dev/null
        for _ in $(seq 1 50); do
            kill -0 "$HTTPD_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$HTTPD_PID" 2>/dev/null || true
    fi
    wait "$HTTPD_PID" 2>/dev/null || true
    HTTPD_PID=""
}

cleanup() {
    local rc=$? m
    trap - EXIT INT TERM HUP
    stop_httpd
    if conf_on "$CONF"; then a2disconf -q "$CONF" >/dev/null; fi
    rm -f "$ETC/conf-available/$CONF.conf"
    if [ -n "$INSTALLED" ]; then
        if mod_on "$MOD"; then a2dismod -q "$MOD" >/dev/null; fi
        if [ -z "$SHMCB_WAS_ON" ] && mod_on socache_shmcb; then
            a2dismod -q socache_shmcb >/dev/null
        fi
        if pkg_present; then
            say "apt-get purge $PKG"
            $APT purge "$PKG" >"$T/purge.log" 2>&1 \
                || { cat "$T/purge.log" >&2; FAILED=${FAILED:-purge failed}; }
        fi
    fi
    if [ -n "$T" ] && [ -f "$T/markers.before" ]; then
        # Put a2enmod's state markers for our names back as they were,
        # and drop marker directories that did not exist before.
        markers | while read -r m; do rm -f "$m"; done
        while read -r m; do
            mkdir -p "$(dirname "$m")" && touch "$m"
        done <"$T/markers.before"
        find "$STATE" -mindepth 1 -type d -empty 2>/dev/null | sort -r \
            | while read -r m; do
                grep -qxF "$m d" "$T/dirs.before" || rmdir "$m"
            done
    fi
    if [ -n "$INSTALLED" ] && systemd_apache; then
        # The package's maintainer scripts restart a running system Apache
        # (invoke-rc.d). Leave it as found: stopped if it was stopped,
        # otherwise running the restored configuration.
        if [ "$(cat "$T/apache-active.before" 2>/dev/null)" = active ]; then
            systemctl reload-or-restart apache2 || true
        elif systemctl -q is-active apache2; then
            systemctl stop apache2 || true
        fi
    fi
    if [ -n "$T" ] && [ -f "$T/snapshot.before" ]; then
        snapshot >"$T/snapshot.after"
        if ! diff -u "$T/snapshot.before" "$T/snapshot.after" >"$T/snap.diff"
        then
            cat "$T/snap.diff" >&2
            FAILED=${FAILED:-the machine was not left as it was (diff above)}
        fi
    fi
    [ -n "$T" ] && rm -rf "$T"
    if [ -z "$FAILED" ] && [ "$rc" = 0 ]; then
        echo "PASS: $PKG builds, installs, a2enmod $MOD, 401 Bearer on" \
             "/wos-smoke, 200 elsewhere, purged cleanly"
        exit 0
    fi
    echo "FAIL: package smoke test: ${FAILED:-exit status $rc}"
    exit 1
}

[ "$(id -u)" = 0 ] || { echo "FAIL: package smoke test must run as root" >&2; exit 1; }

# --- tools -------------------------------------------------------------------
need="apache2 curl"
[ $# -ge 1 ] || need="$need dpkg-dev debhelper apache2-dev libjansson-dev
    libcurl4-openssl-dev libssl-dev pkg-config make gcc"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
if [ -n "$missing" ]; then
    say "installing$missing"
    $APT update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
        $APT install -qq $missing >/dev/null \
        || { echo "FAIL: cannot install$missing" >&2; exit 1; }
fi

# --- refuse to touch a machine we could not restore --------------------------
if pkg_present; then
    echo "FAIL: $PKG is already installed here; purge it first" >&2; exit 1
fi
for f in /usr/lib/apache2/modules/mod_auth_workos.so \
         "$ETC/mods-available/$MOD.load" "$ETC/mods-available/$MOD.conf" \
         "$ETC/mods-enabled/$MOD.load" "$ETC/conf-available/$CONF.conf"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
        echo "FAIL: $f exists (make install?); remove it first" >&2; exit 1
    fi
done

T=$(mktemp -d /tmp/wos-pkg-smoke.XXXXXX)
chmod 755 "$T"
trap cleanup EXIT
trap 'FAILED=${FAILED:-interrupted}; exit 130' INT TERM HUP
snapshot >"$T/snapshot.before"
markers >"$T/markers.before"
find "$STATE" -printf '%p %y\n' | sort >"$T/dirs.before"
mod_on socache_shmcb && SHMCB_WAS_ON=1
if systemd_apache; then
    systemctl is-active apache2 >"$T/apache-active.before" 2>/dev/null || true
fi

# --- build -------------------------------------------------------------------
if [ $# -ge 1 ]; then
    DEB=$1
else
    tests/package/build-deb.sh "${DEB_OUT:-build-deb}" | tee "$T/build.out" \
        || fail "package build failed"
    DEB=$(tail -n 1 "$T/build.out")
fi
[ -f "$DEB" ] || fail "no package file: $DEB"
DEB=$(readlink -f "$DEB")
say "package $DEB"
say "Depends: $(dpkg-deb -f "$DEB" Depends)"

# --- install and enable ------------------------------------------------------
say "apt-get install $DEB"
INSTALLED=1
DEBIAN_FRONTEND=noninteractive $APT install "$DEB" >"$T/install.log" 2>&1 \
    || { cat "$T/install.log" >&2; fail "apt-get install failed"; }
[ -f /usr/lib/apache2/modules/mod_auth_workos.so ] \
    || fail "module not installed to /usr/lib/apache2/modules"
for f in "$MOD.load" "$MOD.conf"; do
    [ -f "$ETC/mods-available/$f" ] || fail "$ETC/mods-available/$f missing"
done
mod_on "$MOD" || fail "postinst did not enable $MOD"

# Enable it again by hand, from scratch, to prove that a2enmod works and
# pulls in socache_shmcb through the .load's "# Depends:" line.
a2dismod -q "$MOD" >/dev/null || fail "a2dismod $MOD"
if [ -z "$SHMCB_WAS_ON" ]; then
    a2dismod -q socache_shmcb >/dev/null || fail "a2dismod socache_shmcb"
fi
say "a2enmod $MOD"
a2enmod "$MOD" >"$T/a2enmod.log" 2>&1 \
    || { cat "$T/a2enmod.log" >&2; fail "a2enmod $MOD failed"; }
sed 's/^/  /' "$T/a2enmod.log"
mod_on "$MOD" || fail "a2enmod did not enable $MOD"
mod_on socache_shmcb || fail "a2enmod $MOD did not enable socache_shmcb"

# --- a site that uses it -----------------------------------------------------
# Only an Apache started with -DWOS_SMOKE reads this, so the system's own
# Apache ignores it even if it is reloaded meanwhile.
cat >"$ETC/conf-available/$CONF.conf" <<'EOF'
# Written by mod_auth_workos tests/package/smoke.sh, removed when it ends.
<IfDefine WOS_SMOKE>
    WorkOSClientID client_wos_smoke
    WorkOSCookiePassword "wos-smoke-cookie-password-0123456789abcdef"
    WorkOSAPIBaseURL http://127.0.0.1:${WOS_SMOKE_DEAD_PORT}
    WorkOSRedirectURI http://127.0.0.1:${WOS_SMOKE_PORT}/wos-smoke/callback
    WorkOSHTTPTimeout 2

    <Location /wos-smoke>
        AuthType WorkOS
        WorkOSUnauthAction 401
        Require valid-user
    </Location>

    Alias /open-smoke ${WOS_SMOKE_DOCROOT}
    <Directory ${WOS_SMOKE_DOCROOT}>
        Require all granted
    </Directory>
</IfDefine>
EOF
a2enconf -q "$CONF" >/dev/null || fail "a2enconf $CONF"

say "apache2ctl -M"
apache2ctl -M >"$T/modules.txt" 2>&1 \
    || { cat "$T/modules.txt" >&2; fail "apache2ctl -M failed"; }
grep -q 'auth_workos_module' "$T/modules.txt" \
    || { cat "$T/modules.txt" >&2; fail "apache2ctl -M does not list auth_workos_module"; }
grep 'auth_workos_module\|socache_shmcb_module' "$T/modules.txt" | sed 's/^/ /'

# --- run the system configuration on a loopback port -------------------------
# A copy of /etc/apache2 as it is now, with ports.conf replaced by one
# loopback Listen, no sites, and pid/lock/log/run files in the scratch dir:
# nothing collides with an Apache already running on this machine.
PORT=$(free_port) || fail "no free port"
DEAD_PORT=$(free_port) || fail "no free port"
while [ "$DEAD_PORT" = "$PORT" ]; do DEAD_PORT=$(free_port); done
cp -a "$ETC" "$T/apache2"
printf 'Listen 127.0.0.1:%s\n' "$PORT" >"$T/apache2/ports.conf"
find "$T/apache2/sites-enabled" -mindepth 1 -delete
mkdir -p "$T/run" "$T/lock" "$T/log" "$T/htdocs"
cat >>"$T/apache2/envvars" <<EOF
export APACHE_PID_FILE=$T/run/apache2.pid
export APACHE_RUN_DIR=$T/run
export APACHE_LOCK_DIR=$T/lock
export APACHE_LOG_DIR=$T/log
EOF
echo "wos-smoke open page" >"$T/htdocs/index.html"
chmod -R a+rX "$T/htdocs"

(
    export APACHE_CONFDIR="$T/apache2"
    . "$T/apache2/envvars"
    chown "$APACHE_RUN_USER" "$APACHE_LOCK_DIR"
    export WOS_SMOKE_PORT=$PORT WOS_SMOKE_DEAD_PORT=$DEAD_PORT \
           WOS_SMOKE_DOCROOT="$T/htdocs"
    exec /usr/sbin/apache2 -d "$APACHE_CONFDIR" \
        -f "$APACHE_CONFDIR/apache2.conf" -DWOS_SMOKE -DFOREGROUND
) >"$T/log/stdout" 2>&1 &
HTTPD_PID=$!
say "apache2 (pid $HTTPD_PID) on 127.0.0.1:$PORT"

up=""
for _ in $(seq 1 100); do
    kill -0 "$HTTPD_PID" 2>/dev/null || break
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; then
        up=1; break
    fi
    sleep 0.1
done
if [ -z "$up" ]; then
    cat "$T/log/stdout" "$T/log/error.log" >&2 2>/dev/null
    fail "apache2 did not start"
fi

# --- the smoke requests ------------------------------------------------------
code=$(curl -s --max-time 10 -o /dev/null -D "$T/h401" -w '%{http_code}' \
       "http://127.0.0.1:$PORT/wos-smoke/")
say "GET /wos-smoke/ -> $code $(grep -i '^WWW-Authenticate:' "$T/h401" | tr -d '\r')"
[ "$code" = 401 ] || fail "/wos-smoke/ answered $code, not 401"
grep -qi '^WWW-Authenticate: Bearer' "$T/h401" \
    || fail "/wos-smoke/ has no WWW-Authenticate: Bearer header"

code=$(curl -s --max-time 10 -o "$T/body" -w '%{http_code}' \
       "http://127.0.0.1:$PORT/open-smoke/")
say "GET /open-smoke/ -> $code"
[ "$code" = 200 ] || fail "/open-smoke/ answered $code, not 200"
grep -q 'wos-smoke open page' "$T/body" || fail "/open-smoke/ body is wrong"

if grep -E '\[(auth_workos|core):(emerg|alert|crit)\]' "$T/log/error.log" >&2
then
    fail "apache2 logged errors (above)"
fi

stop_httpd
say "apache2 stopped"
exit 0
