#!/bin/sh
# The integration suite with every `httpd -X` under valgrind memcheck;
# fails if valgrind reports a definite leak or an invalid access in a
# stack that passes through mod_auth_workos.
#   tests/memcheck/run.sh [pytest -k expression]
set -eu
cd "$(dirname "$0")/../.."
out=$(mktemp -d /tmp/wos-memcheck-XXXXXX)
chmod 777 "$out"
export WOS_HTTPD_PREFIX="valgrind --tool=memcheck --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--num-callers=30 --keep-debuginfo=yes --log-file=$out/vg.%p.log"
expr=${1:-"not race and not processes and not fleet and not graceful"}
cd tests
/usr/bin/python3 -m pytest -q -p no:cacheprovider integration \
    -k "$expr" --deselect integration/test_faults.py || true
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
n=$(ls "$out"/vg.*.log 2>/dev/null | wc -l)
grep -h "definitely lost:" "$out"/vg.*.log | sort | uniq -c | head -5
echo "memcheck: $n httpd runs checked, logs in $out"
if [ "$bad" = 0 ]; then
    echo "memcheck: PASS, no definite leak or invalid access from mod_auth_workos"
else
    echo "memcheck: FAIL"
    exit 1
fi
