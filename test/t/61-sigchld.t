#!/usr/bin/env bash
# Issue 6, acceptance 2: a program reaping its children in its own SIGCHLD
# handler with waitpid(-1, WNOHANG) reaps all 20 under the shim while
# another thread sleeps; with and without SA_RESTART.
. "$(dirname "$0")/../lib.sh"
plan 6
want="reaped 20/20, exit codes right, siginfo right, sleeper napped: yes, children left: none"
for mode in restart norestart; do
    out=$(shim "$L/sigchld_reaper" 20 $mode 2>&1); rc=$?
    is "$out" "$want" "shim ($mode): the program's handler reaped all 20, with siginfo"
    is "$rc" 0 "shim ($mode): exit status 0"
done
same_native_and_shim "same output natively and under the shim" "$L/sigchld_reaper" 20
out=$(GEVENT_PATCH_SIGNAL=0 shim "$L/sigchld_reaper" 20 2>&1)
is "$out" "$want" "signal switched off: the handler is the program's own, still reaps all"
