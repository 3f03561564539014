#!/usr/bin/env bash
# Acceptance 5: the shim built with AddressSanitizer + UBSan runs the core programs cleanly.
. "$(dirname "$0")/../lib.sh"
plan 6
make -s SANITIZE=1 all >"$T/build" 2>&1; ok $? "the sanitizer build compiles (make SANITIZE=1)"
ASAN_LIB=$PWD/build/asan/libgevent_patch.so
export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
asan() { LD_PRELOAD=$ASAN_LIB "$@"; }
check() { # check DESC EXPECTED-STATUS CMD...: status matches and no sanitizer report
    local desc=$1 want=$2; shift 2
    out=$(asan "$@" 2>&1); rc=$?
    if [ "$rc" -eq "$want" ] && ! grep -q "ERROR: AddressSanitizer\|runtime error:" <<<"$out"; then pass "$desc"
    else fail "$desc"; diag "status $rc"; diag "$(tail -15 <<<"$out")"; fi
}
check "sleepers under ASan+UBSan" 0 "$L/sleepers" 2000 200
check "mutex counter under ASan+UBSan" 0 "$L/mutex_counter"
check "producer/consumer under ASan+UBSan" 0 "$L/prodcons"
check "lifecycle under ASan+UBSan" 0 "$L/lifecycle"
check "time parity under ASan+UBSan" 0 "$L/time_parity"
