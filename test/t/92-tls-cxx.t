#!/usr/bin/env bash
# Issue 11, items 1-4, in C++: thread_local objects with constructors and
# destructors (std::thread, std::async), a thread_local across
# std::mutex/std::condition_variable waits, and libstdc++'s exception state
# per thread: an exception handled across a blocking call and rethrown with
# throw; while 49 other threads throw and catch, std::current_exception and
# std::uncaught_exceptions (in a destructor that sleeps while unwinding).
. "$(dirname "$0")/../lib.sh"
plan 10
parity tls_cxx "C++ thread_local and exceptions: same output natively and under the shim"
out=$(shim "$L/tls_cxx")
like "$out" "condvar waits: 50 threads, 0 wrong, constructed 51, destroyed 50" "thread_local objects: constructed on first use, destroyed in their thread"
like "$out" "exceptions across blocking calls: 50 threads, 0 wrong" "exception state per thread across blocking calls"
# The program has TLS of its own (and libstdc++ has): blocks per greenlet
# without being asked; shared blocks are what broke it.
rep=$(GEVENT_REPORT=1 shim "$L/tls_cxx" 2>&1 >/dev/null | grep 'thread-local storage')
like "$rep" "thread-local storage: per greenlet" "GEVENT_REPORT: per greenlet without configuration"
out=$(GEVENT_TLS=shared shim "$L/tls_cxx" 2>&1); rc=$?
like "$rc $out" "^1 .*50 threads, [1-9][0-9]* wrong" "GEVENT_TLS=shared: the same program sees other threads' values"
# A C++ program with no TLS of its own runs on the OS thread's block
# (no %fs change per switch); libstdc++'s exception state and call_once's
# callable are saved and restored at every switch, as errno is.
parity cxx_except "C++ exceptions handled across blocking calls without thread_local: same output natively and under the shim"
rep=$(GEVENT_REPORT=1 shim "$L/cxx_except" 2>&1 >/dev/null | grep 'thread-local storage')
like "$rep" "shared by the greenlets of a thread \(no module but libc's, libstdc\+\+'s \(saved at each switch\)" "GEVENT_REPORT: libstdc++ alone keeps the OS thread's block"
release_lib
vg=$(LD_PRELOAD=$LIB valgrind -q --error-exitcode=9 "$L/tls_cxx" 2>&1 >/dev/null); rc=$?
is "$rc$vg" "0" "valgrind: no report"
