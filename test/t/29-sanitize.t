#!/usr/bin/env bash
# Acceptance 5: the shim built with AddressSanitizer + UBSan runs the core
# programs cleanly: threads, locks, time, and the socket, poll, process and
# synchronisation programs of the later issues.
. "$(dirname "$0")/../lib.sh"
plan 14
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
check "pollers (poll, select, epoll_wait) under ASan+UBSan" 0 "$L/pollers" wake 300
check "process parity (fork, waitpid, SIGCHLD, system, popen) under ASan+UBSan" 0 "$L/proc_parity"
# The echo server with 500 clients: served, and no sanitizer report.
echo_serve 500 20 env LD_PRELOAD="$ASAN_LIB"
like "$CLIENT" "^ok 500 conns 20 rounds 10000 msgs" "echo server under ASan+UBSan: 500 clients served, every byte checked"
rc=$SRC
if [ "$rc" -eq 0 ] && ! grep -q "ERROR: AddressSanitizer\|runtime error:" "$T/srv.err"; then pass "echo server under ASan+UBSan: exit 0, no report"
else fail "echo server under ASan+UBSan: exit 0, no report"; diag "status $rc"; diag "$(tail -15 "$T/srv.err")"; fi
check "sync return codes under ASan+UBSan" 0 "$L/sync_errors"
check "cancellation and cleanup handlers under ASan+UBSan" 0 "$L/sync_cancel"
check "cancellation unwinding through cleanup attributes under ASan+UBSan" 0 "$L/sync_unwind"
check "pthread_kill and signal masks under ASan+UBSan" 0 "$L/sync_signals"
