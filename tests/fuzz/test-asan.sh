#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The integration suite against the module built with ASan + UBSan:
#     test-asan.sh BUILD_DIR MODULE_SO        (make -f Makefile.apxs test-asan)
#
# The sanitizer runtime must be the first library in the process, so it is
# preloaded into apache2 through a wrapper put first on PATH (the harness
# finds apache2 on PATH). pytest, node and the compilers the suite starts
# run without it, so every report comes from httpd and the module.
# Reports go to files under BUILD_DIR/reports; the run fails if pytest
# fails or any report was written.
set -u
cd "$(dirname "$0")/../.."

build=$(realpath "$1")
module=$(realpath "$2")
cc=${FUZZ_ASAN_CC:-gcc}
python=${PYTHON:-/usr/bin/python3}
reports=$build/reports
apache=$(command -v apache2 || echo /usr/sbin/apache2)
libasan=$($cc -print-file-name=libasan.so)

if [ ! -e "$libasan" ] || [ "$libasan" = libasan.so ]; then
    echo "test-asan: no libasan.so from $cc" >&2
    exit 2
fi

mkdir -p "$build/bin"
cat >"$build/bin/apache2" <<EOF
#!/bin/sh
LD_PRELOAD=$libasan exec $apache "\$@"
EOF
chmod 755 "$build/bin/apache2"

rm -rf "$reports"
mkdir -p "$reports"
# httpd's children run as www-data and must be able to write reports.
chmod 1777 "$reports"

# Leak checking is off: httpd exits without destroying its pools. The
# module's UBSan checks trap (fuzz.mk says why); handle_sigill makes ASan
# report the trap, with its stack, in a file like any other finding.
export ASAN_OPTIONS="detect_leaks=0:handle_sigill=1:log_path=$reports/asan"
export WOS_MODULE="$module"
export PATH="$build/bin:$PATH"

(cd tests && "$python" -m pytest -q -p no:cacheprovider integration)
rc=$?

# httpd 2.4's event MPM in one-process mode (-X, as the harness runs it)
# sometimes crashes while stopping on SIGTERM, with or without this module
# loaded and with or without ASan (about one stop in ten): the listener
# reads a socket whose pool is gone, or exit() runs the worker queue's
# cleanup after its memory was freed. Those two stacks, with no frame of
# ours in them, are listed and not counted; any other report fails.
root=$(pwd)
known_httpd_crash() {
    grep -q "ERROR: AddressSanitizer: SEGV" "$1" || return 1
    grep -q -e "$root/src/" -e "$root/mod_auth_workos" -e "mod_auth_workos.so" \
        "$1" && return 1
    if grep -q "#0 .* in apr_os_sock_get " "$1" \
        && grep -q "#1 .*/mod_mpm_event.so+" "$1"; then
        return 0
    fi
    grep -q "#0 .*(/usr/sbin/apache2+" "$1" \
        && grep -q "#1 .* in apr_pool_destroy " "$1" \
        && grep -q " in __run_exit_handlers " "$1"
}

found=0
for f in "$reports"/*; do
    [ -e "$f" ] || continue
    if known_httpd_crash "$f"; then
        echo "test-asan: ignored $f: httpd event MPM -X shutdown crash" \
            "($(grep -m1 '#0 ' "$f" | sed 's/^ *//'))"
        continue
    fi
    found=1
    echo "==== sanitizer report $f"
    cat "$f"
done
if [ "$found" -ne 0 ]; then
    echo "test-asan: sanitizer reports found" >&2
    exit 1
fi
if [ "$rc" -ne 0 ]; then
    echo "test-asan: integration suite failed (exit $rc)" >&2
    exit "$rc"
fi
echo "test-asan: integration suite passed, no sanitizer reports"
