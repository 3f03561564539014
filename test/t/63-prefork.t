#!/usr/bin/env bash
# Issue 6, acceptance 4: a forked child under the shim creates threads, uses
# sockets, sleeps and forks again (the parent accepts, children serve).
. "$(dirname "$0")/../lib.sh"
plan 3
same_native_and_shim "pre-fork server: same output natively and under the shim" \
    "$L/prefork_server" 10
out=$(shim "$L/prefork_server" 20 2>&1 | tail -1)
is "$out" "served 20, workers ok 20, client ok" "shim: 20 connections, each served by a forked worker"
if grep -q '^GP_SYM(socket, accept, "", HOOK)' patches/symbols.def; then
    pass "socket hooks present: the workers' socket calls were cooperative"
else
    todo "the workers' socket calls are cooperative" "socket hooks not landed yet: sockets pass through (blocking) in this run"
fi
