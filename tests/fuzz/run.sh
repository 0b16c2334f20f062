#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs each fuzz target for a bounded time:  run.sh SECONDS BINARY...
#
# Seeds come from tests/fuzz/corpus/<name>/ and are only read. Inputs the
# fuzzer finds go to $FUZZ_WORK/<name>/corpus, crash inputs to
# $FUZZ_WORK/<name>/crashes, its output to $FUZZ_WORK/<name>/log. Every
# target runs even after one fails; the exit status is 1 if any crashed.
# A crash input copied into corpus/<name>/ becomes a regression test:
# each run executes every seed first.
set -u
cd "$(dirname "$0")/../.."

secs=$1
shift
work=${FUZZ_WORK:-tests/fuzz/work}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

# Longest input per target: a little past the parser's own size cap, so
# the refusal of an oversized input is exercised too.
max_len() {
    case $1 in
    b64url)  echo 2048 ;;
    cookie)  echo 4096 ;;
    require) echo 4200 ;;  # REQUIRE_MAX_LINE 4096
    jwt)     echo 8300 ;;  # JWT_MAX_LEN 8192
    seal)    echo 8192 ;;
    session) echo 8192 ;;
    jwks)    echo 16384 ;;
    webhook_sig) echo 2048 ;;  # WEBHOOK_SIG_MAX_HEADER 512, then a body
    api_answer)  echo 16384 ;;
    credentry)   echo 33000 ;;  # CREDENTRY_MAX 32827
    events)  echo 32768 ;;
    claims)  echo 17000 ;;  # IDENTITY_MAX_CLAIMS_JSON 16384, a path
    envelope) echo 4096 ;;  # fuzz_envelope.c reads values up to 2048
    access)  echo 16384 ;;  # list pages; ids ACCESS_MAX_ID 128
    *)       echo 4096 ;;
    esac
}

status=0
for bin in "$@"; do
    name=${bin##*/fuzz_}
    dir=$work/$name
    mkdir -p "$dir/corpus" "$dir/crashes"
    "$bin" -max_total_time="$secs" -timeout=10 -max_len="$(max_len "$name")" \
        -print_final_stats=1 -artifact_prefix="$dir/crashes/" \
        "$dir/corpus" "tests/fuzz/corpus/$name" >"$dir/log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -n 1)
    echo "fuzz_$name: ${execs:-?} execs in ${secs}s, $cov, exit $rc"
    if [ "$rc" -ne 0 ]; then
        status=1
        tail -n 60 "$dir/log"
        ls -l "$dir/crashes"
    fi
done
exit $status
