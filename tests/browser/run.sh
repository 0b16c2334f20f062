#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The demo driven in headless Chromium: installs Debian's chromium (as root)
# and the pinned npm packages when missing, builds the module if needed,
# then runs the test with node's test runner. Usage: tests/browser/run.sh
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# apt-get, waiting while another apt or dpkg holds the lock (never killing it)
apt_get() {
    tries=0
    while :; do
        if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
                -q -y "$@" >"$here/.apt.log" 2>&1; then
            rm -f "$here/.apt.log"
            return 0
        fi
        if grep -qiE 'could not get lock|unable to acquire|is another process using it' \
                "$here/.apt.log" && [ "$tries" -lt 30 ]; then
            tries=$((tries + 1))
            echo "tests/browser: apt is busy, waiting ($tries)" >&2
            sleep 10
            continue
        fi
        cat "$here/.apt.log" >&2
        rm -f "$here/.apt.log"
        return 1
    done
}

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "tests/browser: /usr/bin/chromium is missing (apt-get install chromium as root)" >&2
        exit 1
    fi
    echo "tests/browser: installing chromium"
    apt_get install chromium || { apt_get update && apt_get install chromium; }
fi
for tool in node npm; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "tests/browser: $tool is missing (apt-get install nodejs npm)" >&2
        exit 1
    }
done

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
[ -f "$root/.libs/mod_auth_workos.so" ] || make -C "$root" -f Makefile.apxs all

cd "$here"
exec node --test demo.test.mjs
