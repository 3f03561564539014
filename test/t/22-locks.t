#!/usr/bin/env bash
# Acceptance 2: mutexes and condition variables, identical natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 8
same_native_and_shim "exact counts with sleeps and sched_yield inside critical sections" "$L/mutex_counter"
same_native_and_shim "bounded producer/consumer queue" "$L/prodcons"
same_native_and_shim "mutex and condvar return codes (normal, recursive, errorcheck, timed)" "$L/mutex_errors"
same_native_and_shim "thread lifecycle: join/detach codes, keys, once, names, attrs, errno" "$L/lifecycle"
out=$(shim "$L/mutex_counter"); ok $? "shim: counter program succeeds ($out)"
sampled "$T/pc" shim "$L/prodcons"
[ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]; ok $? "shim: producer/consumer on at most 2 OS threads (saw $MAXTHREADS)"
n=$("$L/main_exit" | sort); s=$(shim "$L/main_exit" | sort)
is "$s" "$n" "pthread_exit in main: the other threads finish, same output"
shim "$L/main_exit" >/dev/null; is $? 0 "pthread_exit in main: exit status 0"
