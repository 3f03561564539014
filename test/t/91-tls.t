#!/usr/bin/env bash
# Issue 11, items 1-3 and 5: every greenlet is a thread to a C program's
# thread-local storage. tls_threads checks __thread/_Thread_local values and
# their initial images in 100 threads, a library's TLS dlopen'ed before and
# after the threads exist (__tls_get_addr), a registry of per-thread counters
# summed through pointers by a reporter thread while their owners are
# parked, thread_local destructors (__cxa_thread_atexit_impl) before pthread
# key destructors when a thread returns, calls pthread_exit or is cancelled, and errno, h_errno, uselocale, _res, strerror and dlerror
# per thread, pthread_self/pthread_equal and pthread_getattr_np.
. "$(dirname "$0")/../lib.sh"
plan 19
parity tls_threads "C thread-local storage: same output natively and under the shim"
out=$(shim "$L/tls_threads")
like "$out" "static TLS: 100 threads, 0 wrong values, main's still -1" "static TLS per thread, from the image"
like "$out" "dlopen'ed TLS: 0 wrong values, 0 shared addresses" "dlopen'ed TLS per thread, before and after the threads exist"
like "$out" "registry: sum 5050, addresses distinct yes" "address identity: the reporter reads each owner's counter"
like "$out" "registry: 100 owners saw the reporter's write" "address identity: writes through the pointer reach the parked owner"
like "$(grep -c ': TK$' <<<"$out")" "^10$" "thread_local destructors run in their thread, before key destructors (return, pthread_exit, cancel)"

# Each mode says so, and why; a bad value stops the program.
rep=$(GEVENT_REPORT=1 shim "$L/tls_threads" 2>&1 >/dev/null | grep 'thread-local storage')
like "$rep" "thread-local storage: per greenlet \(tls_threads has thread-local storage\)" "GEVENT_REPORT: per greenlet, and why"
rep=$(GEVENT_REPORT=1 shim "$L/sleepers" 10 10 2>&1 >/dev/null | grep 'thread-local storage')
like "$rep" "thread-local storage: shared by the greenlets of a thread \(no module but" "GEVENT_REPORT: a plain C program keeps one block per OS thread"
out=$(GEVENT_TLS=shared shim "$L/tls_threads" 2>&1)
like "$out" "registry: 0 owners saw" "GEVENT_TLS=shared: greenlets share the OS thread's TLS, as in gevent"
out=$(GEVENT_TLS=bogus shim /bin/true 2>&1); rc=$?
is "$rc: $out" '2: gevent_patch: bad GEVENT_TLS="bogus": allowed: auto, greenlet, shared' "a bad GEVENT_TLS value stops with status 2"

# GEVENT_STATS counts the %fs changes when greenlets have blocks.
st=$(GEVENT_STATS=1 shim "$L/tls_threads" 2>&1 >/dev/null)
like "$st" "thread control blocks: %fs changed [1-9][0-9]* times \((arch_prctl|wrfsbase)\)" "GEVENT_STATS: %fs changes counted, and how they are made"
st=$(GEVENT_STATS=1 GEVENT_TLS=shared shim "$L/tls_threads" 2>&1 >/dev/null)
is "$(grep -c "%fs changed" <<<"$st")" "0" "GEVENT_STATS with TLS shared: no %fs changes"

# The shim's own TLS is found by address, not by file name: a copy
# preloaded under another name still gives every greenlet its block.
cp "$LIB" "$T/other-name.so"
n=$("$L/tls_threads" 2>&1); rn=$?
s=$(LD_PRELOAD=$T/other-name.so "$L/tls_threads" 2>&1); rs=$?
is "$rs" "$rn" "the library under another file name: same status as natively (no crash in a new greenlet)"
is "$s" "$n" "the library under another file name: same output as natively"

# A glibc the shim was not checked against: tls_glibc_other answers 2.99
# to gnu_get_libc_version. TLS stays shared, with one line, never a crash.
out=$(shim "$L/tls_glibc_other" 2>"$T/glibc.err"); rc=$?
like "$rc: $out" "^0: glibc 2.99: [1-9][0-9]* of 20 threads saw another thread's value$" "unknown glibc: the program runs to the end, its threads sharing TLS"
is "$(cat "$T/glibc.err")" "gevent_patch: thread-local storage stays shared by greenlets: glibc 2.99 is not a version this was checked against (2.36)" "unknown glibc: one line on stderr says so"
rep=$(GEVENT_REPORT=1 shim "$L/tls_glibc_other" 2>&1 >/dev/null | grep 'thread-local storage:')
like "$rep" "shared by the greenlets of a thread \(refused: glibc 2.99 is not" "unknown glibc: GEVENT_REPORT says shared, and why"

# No valgrind report with blocks switched under it.
release_lib
vg=$(LD_PRELOAD=$LIB valgrind -q --error-exitcode=9 "$L/tls_threads" 2>&1 >/dev/null); rc=$?
is "$rc$vg" "0" "valgrind: no report"
