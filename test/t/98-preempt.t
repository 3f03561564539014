#!/usr/bin/env bash
# GEVENT_PREEMPT (issue 14, item 3): a thread that computes without a
# patched call is switched out after its time slice, from a signal, at a
# safe point. Latencies are wall-clock, as the issue states them: at most 3
# slices, plus what the same program shows natively in this run (the
# machine's own wake-up latency; on a quiet machine a fraction of a
# millisecond). On a loaded machine the shim's one busy OS thread also waits
# on the kernel's run queue far longer than native threads that mostly
# sleep, which no scheduling inside the process can change: when the bound
# is missed but holds once the time that OS thread waited for a CPU is taken
# off (each program measures it from /proc schedstat), it is an expected
# failure naming that wait; otherwise a failure.
. "$(dirname "$0")/../lib.sh"
plan 14
S=10 # the slice, ms
judge() { # judge GOT_WALL GOT_BEYOND_RUNQ BOUND DESC
    if less_than "${1:-999}" "$3"; then pass "$4"
    elif less_than "${2:-999}" "$3"; then
        todo "$4" "loaded machine: less the time the shim's OS thread waited on the run queue for a CPU, the worst is ${2} ms"
    else fail "$4"; fi
}

# hog MODE (a volatile-flag loop with no calls, in a thread or in main)
# beside a thread ticking every 10 ms, natively then under the shim.
spin_case() { # mode what
    local nat nlate rc late bound
    nat=$("$L/hog" "$1" 300 2>"$T/$1.nerr")
    nlate=$(awk '/^lateness/{print $2}' "$T/$1.nerr")
    GEVENT_STATS=1 GEVENT_PREEMPT=$S LD_PRELOAD=$LIB timeout 60 "$L/hog" "$1" 300 >"$T/$1.out" 2>"$T/$1.err"; rc=$?
    is "$rc/$(cat "$T/$1.out")" "0/$nat" "$2 in for (;;) if (stop) break; beside a ticker: it ends, as natively (status $rc)"
    late=$(awk '/^lateness/{print $2}' "$T/$1.err")
    diag "native: $(tr '\n' ' ' <"$T/$1.nerr")"
    diag "shim:   $(grep -E '^(lateness|beyond_runq)|monitor:' "$T/$1.err" | tr '\n' ' ')"
    bound=$(awk -v s=$S -v n="${nlate:-0}" 'BEGIN{print 3 * s + n}')
    judge "$late" "$(awk '/^beyond_runq/{print $2}' "$T/$1.err")" "$bound" \
        "$2: the ticker is late by at most 3 slices, wall clock ($late ms; slice $S ms, native $nlate ms)"
}
spin_case spin "a thread"
like "$(cat "$T/spin.err")" "preemptions [1-9][0-9]* \(at a patched call [0-9]+, by signal [1-9]" "the loop was preempted by the signal (GEVENT_STATS)"
# main is preemptible too
spin_case mainspin "the main thread"

# Four threads compressing with zlib and one answering pings.
nat=$("$L/zecho" 4 100 5 2>"$T/zn.err")
sampled "$T/z.all" env GEVENT_PREEMPT=$S LD_PRELOAD="$LIB" timeout 120 "$L/zecho" 4 100 5
zth=$MAXTHREADS
GEVENT_PREEMPT=$S LD_PRELOAD=$LIB timeout 120 "$L/zecho" 4 100 5 >"$T/z.out" 2>"$T/z.err"; rc=$?
is "$rc/$(cat "$T/z.out")" "0/$nat" "4 zlib compressors and an echo thread: same output as natively"
p99=$(awk '/^wait/{print $5}' "$T/z.err")
np99=$(awk '/^wait/{print $5}' "$T/zn.err")
diag "native: $(tr '\n' ' ' <"$T/zn.err")"
diag "shim:   $(tr '\n' ' ' <"$T/z.err")"
bound=$(awk -v s=$S -v n="${np99:-0}" 'BEGIN{print 3 * s + n}')
judge "$p99" "$(awk '/^beyond_runq/{print $5}' "$T/z.err")" "$bound" \
    "a ping waits at most 3 slices, p99, wall clock ($p99 ms; slice $S ms, native $np99 ms)"
[ "$zth" -le 2 ]; ok $? "at most 2 OS threads (saw $zth: preemption adds none)"

# Stress: 100 threads doing malloc/free/printf/snprintf/qsort with a
# callback/C++ exceptions in a loop under a 1 ms slice (make bench runs it
# for about 30 s).
nat=$("$L/preempt_stress" 100 2000 2>&1)
GEVENT_STATS=1 GEVENT_PREEMPT=1 LD_PRELOAD=$LIB timeout 300 "$L/preempt_stress" 100 2000 >"$T/p.out" 2>"$T/p.err"; rc=$?
is "$rc" 0 "stress of 100 threads under a 1 ms slice: status 0 (no crash, no deadlock)"
is "$(cat "$T/p.out")" "$nat" "the same output as natively"
diag "$(grep 'monitor:' "$T/p.err")"
like "$(cat "$T/p.err")" "preemptions [1-9]" "threads were preempted"

# Off by default; bad values refused.
sampled "$T/off" env GEVENT_STATS=1 LD_PRELOAD="$LIB" "$L/hog" compute 300
! grep -q "monitor:" "$T/off" && [ "$MAXTHREADS" -eq 1 ]; ok $? "without GEVENT_PREEMPT nothing is preempted, no thread is added (saw $MAXTHREADS)"
for bad in GEVENT_PREEMPT=fast GEVENT_PREEMPT=5000000; do
    err=$(env "$bad" LD_PRELOAD="$LIB" "$L/sleepers" 1 1 2>&1); rc=$?
    [ "$rc" -eq 2 ] && [[ "$err" == "gevent_patch: bad ${bad%%=*}=\"${bad#*=}\": allowed: milliseconds"* ]]
    ok $? "$bad: exit 2 naming the variable, the value and what is allowed"
done
