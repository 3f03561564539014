#!/usr/bin/env bash
# Issue 11, item 6: a C++20 program (g++ -std=c++20 -pthread, nothing else)
# using std::thread, std::async and futures, std::mutex, timed_mutex,
# shared_mutex, condition_variable, condition_variable_any with a
# stop_token, std::jthread, std::latch, std::barrier, std::atomic wait and
# notify, std::counting_semaphore and std::call_once. libstdc++ makes the
# C++20 waits raw futex system calls through syscall(): the same output
# natively and under the shim, on one OS thread.
. "$(dirname "$0")/../lib.sh"
plan 3
parity cxx_sync "C++20 threads and synchronisation (test/legacy/cxx_sync.cc)"
out=$(GEVENT_STATS=1 shim "$L/cxx_sync" 2>&1)
like "$out" "thread +syscall +[0-9]+ +[1-9]" "libstdc++'s futex waits went through the hub"
