#!/usr/bin/env bash
# Issue 6, acceptance 6: bad pids, bad options, no children, stops and
# continues, process groups, SIGCHLD views and EINTR, system/popen/spawn/
# exec errors, atfork order, fork from a thread, vfork and double fork:
# the same output natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 4
same_native_and_shim "proc_parity: same output natively and under the shim" "$L/proc_parity"
# With signal off the program's handler is installed natively and cannot
# interrupt a cooperative wait: the EINTR lines differ (documented), the rest
# must not ("if SIGCHLD is to be handled, patch both os and signal").
n=$("$L/proc_parity" 2>&1 | grep -v 'long child')
s=$(GEVENT_PATCH=os,time,thread shim "$L/proc_parity" 2>&1 | grep -v 'long child')
is "$s" "$n" "proc_parity with only os patched (signal off): same but for EINTR from the handler"
out=$(shim "$L/proc_parity" 2>&1)
like "$out" "no SA_RESTART -> -1 Interrupted system call" "a SIGCHLD handler without SA_RESTART interrupts waitpid (EINTR)"
like "$out" "atfork in the child: prepare2 prepare1 child1 child2" "atfork handlers run in the documented order in the child"
