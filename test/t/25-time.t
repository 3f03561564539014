#!/usr/bin/env bash
# The time subsystem: same results and errno natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 3
same_native_and_shim "sleep, usleep, nanosleep, clock_nanosleep, sched_yield: good, edge and bad arguments" "$L/time_parity"
same_native_and_shim "bad and good timeout/set pointers (nanosleep, clock_nanosleep, sigtimedwait, select...) in main and in a thread: EFAULT where the kernel says it, errno untouched where glibc returns the error" "$L/copyin_faults"
out=$(GEVENT_PATCH=none LD_PRELOAD="$LIB" "$L/time_parity" | grep -c "long enough\|woke after")
is "$out" 6 "with nothing patched everything passes through"
