#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The whole integration suite with every httpd under valgrind memcheck;
# fails if a test fails, or if valgrind reports a definite leak or an
# invalid access in a stack that passes through mod_auth_workos.
#   tests/memcheck/run.sh [pytest -k expression]
# About 11 minutes on 2 cores.
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/wos-memcheck-XXXXXX)
chmod 777 "$out"
export WOS_HTTPD_PREFIX="valgrind --tool=memcheck --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--num-callers=30 --keep-debuginfo=yes --log-file=$out/vg.%p.log"
tests_rc=0
cd tests
/usr/bin/python3 -m pytest -q -p no:cacheprovider integration \
    ${1:+-k "$1"} || tests_rc=$?
cd ..
# A report counts when one of its stacks mentions our code.
bad=0
for f in "$out"/vg.*.log; do
    [ -e "$f" ] || continue
    if awk '/^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param)|definitely lost in/ {inrec=1; rec=$0; next}
            inrec && /^==[0-9]+== *$/ {if (rec ~ /auth_workos|src\//) {print rec; found=1}; inrec=0; next}
            inrec {rec=rec "\n" $0}
            END {exit !found}' "$f"; then
        echo "memcheck: report in $f"
        bad=1
    fi
done
# Processes httpd forked (mod_cgid's daemon) die by SIGKILL with their
# process group and write no summary; every other one must have one.
runs=0 summaries=0 crashed=0
for f in "$out"/vg.*.log; do
    [ -e "$f" ] || continue
    parent=$(sed -n 's/^==[0-9]*== Parent PID: //p' "$f" | head -n 1)
    [ -e "$out/vg.$parent.log" ] && continue
    runs=$((runs + 1))
    if grep -q "ERROR SUMMARY" "$f"; then
        summaries=$((summaries + 1))
    fi
    if grep -q "Process terminating with default action" "$f"; then
        crashed=$((crashed + 1))
        echo "memcheck: crashed: $f (stack above is checked for our code)"
    fi
done
echo "memcheck: $runs httpd runs, $summaries with a leak summary," \
     "$crashed crashed; logs in $out"
grep -h "definitely lost:" "$out"/vg.*.log | sed 's/^==[0-9]*== *//' \
    | sort | uniq -c
if [ "$tests_rc" != 0 ]; then
    echo "memcheck: FAIL, tests failed under valgrind (pytest rc $tests_rc)"
    exit 1
fi
if [ "$bad" = 0 ]; then
    echo "memcheck: PASS, no definite leak or invalid access from mod_auth_workos"
else
    echo "memcheck: FAIL"
    exit 1
fi
