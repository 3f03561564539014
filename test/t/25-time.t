#!/usr/bin/env bash
# The time subsystem: same results and errno natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 2
same_native_and_shim "sleep, usleep, nanosleep, clock_nanosleep, sched_yield: good, edge and bad arguments" "$L/time_parity"
out=$(GEVENT_PATCH=none LD_PRELOAD="$LIB" "$L/time_parity" | grep -c "long enough\|woke after")
is "$out" 6 "with nothing patched everything passes through"
