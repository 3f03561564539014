#!/usr/bin/env bash
# Issue 12 (posix pthread_create/1-5, pthread_attr_setstack/2-1): a stack the
# program gives with pthread_attr_setstack (or setstackaddr + setstacksize)
# is the one its thread runs on: a local's address lies inside it,
# pthread_getattr_np reports exactly its address and size (no guard), and
# after the join the same memory (mmap'ed, then malloc'ed) serves a new
# thread. A stack below PTHREAD_STACK_MIN is refused with EINVAL.
. "$(dirname "$0")/../lib.sh"
plan 6
out=$("$L/stack_given" 2>&1)
is "$(grep -c 'local inside the stack: yes' <<<"$out")" 5 "natively: 5 threads' locals on the stack given"
is "$(grep -c 'getattr_np address as given, size 65536, guard 0' <<<"$out")" 5 \
    "natively: pthread_getattr_np reports the stack given"
same_native_and_shim "stack_given: same output and status natively and under the shim" "$L/stack_given"
same_native_and_shim "stack_given with GEVENT_TLS=greenlet (a block of its own per thread)" \
    env GEVENT_TLS=greenlet "$L/stack_given"
# the shim keeps nothing of a given stack: the program frees it after the
# join, and a later thread of the default kind still runs
out=$(shim "$L/stack_given" 2>&1; echo "rc=$?")
like "$(tail -2 <<<"$out" | tr '\n' ' ')" "^default: create 0, joined ok rc=0 $" \
    "under the shim: a default thread after the stacks are freed, exit 0"
# valgrind is told the stack's bounds (VALGRIND_STACK_REGISTER): the
# switches onto the program's memory and its reuse are no errors. valgrind
# cannot run ASan code: under make test SANITIZE=1 this run uses the
# release build of the library (release_lib), as tests 54, 71 and 74 do.
n=$("$L/stack_given" 2>&1)
release_lib
v=$(LD_PRELOAD=$LIB timeout 300 valgrind -q --error-exitcode=9 "$L/stack_given" 2>&1; echo "rc=$?")
is "$v" "$n
rc=0" "under valgrind and the shim: same output, no error"
