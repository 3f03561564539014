#!/usr/bin/env bash
# Issue 7: memcheck on the thread test programs under the shim: no invalid
# access, no definite leak. (No suppressions are needed.)
. "$(dirname "$0")/../lib.sh"
progs=("mutex_counter" "prodcons" "lifecycle" "sleepers 500 100" "time_parity" "mutex_errors"
    "sync_errors" "sync_cancel" "sync_unwind" "sync_sempool")
plan ${#progs[@]}
release_lib
for p in "${progs[@]}"; do
    # shellcheck disable=SC2086
    LD_PRELOAD=$LIB timeout 300 valgrind -q --error-exitcode=9 --leak-check=full \
        --errors-for-leak-kinds=definite $L/$p >/dev/null 2>"$T/vg"
    rc=$?
    if [ "$rc" -eq 0 ]; then pass "valgrind: $p under the shim is clean"
    else fail "valgrind: $p under the shim is clean (status $rc)"; diag "$(head -30 "$T/vg")"; fi
done
