#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the Debian package from the working tree, uncommitted changes
# included, without touching the tree: copy it (minus .git, node_modules
# and build outputs) to a temporary directory, run
# `dpkg-buildpackage -us -uc -b` there and copy the .deb to OUTDIR.
# Usage: tests/package/build-deb.sh [OUTDIR]     (default: build-deb)
# The last line printed is the path of the .deb.
set -eu
cd "$(dirname "$0")/../.."

out=${1:-build-deb}
pkg=libapache2-mod-auth-workos

for tool in dpkg-buildpackage dh dh_apache2 apxs; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-deb: $tool not found; as root:" \
             "apt-get install dpkg-dev debhelper apache2-dev" >&2
        exit 1
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wos-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

mkdir "$tmp/src"
tar -cf - --exclude=./.git --exclude="./${out#./}" --exclude=node_modules \
    --exclude=.libs --exclude='*.o' --exclude='*.lo' --exclude='*.slo' \
    --exclude='*.la' --exclude=./build --exclude=./build-asan \
    --exclude=__pycache__ . | tar -xf - -C "$tmp/src"

echo "build-deb: dpkg-buildpackage -us -uc -b in $tmp/src"
if ! (cd "$tmp/src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
then
    tail -n 60 "$tmp/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (log above)" >&2
    exit 1
fi

mkdir -p "$out"
rm -f "$out/${pkg}"_*.deb
cp "$tmp/${pkg}"_*.deb "$out/"
cp "$tmp/build.log" "$out/build.log"
grep -E '^dpkg-buildpackage: info:|^dpkg-deb: building' \
    "$tmp/build.log" | sed 's/^/  /'
deb=$(ls "$out/${pkg}"_*.deb)
echo "build-deb: Depends: $(dpkg-deb -f "$deb" Depends)"
echo "$deb"
