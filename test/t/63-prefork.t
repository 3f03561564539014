#!/usr/bin/env bash
# Issue 6, acceptance 4: a forked child under the shim creates threads, uses
# sockets, sleeps and forks again (the parent accepts, children serve).
. "$(dirname "$0")/../lib.sh"
plan 3
same_native_and_shim "pre-fork server: same output natively and under the shim" \
    "$L/prefork_server" 10
out=$(shim "$L/prefork_server" 20 2>&1 | tail -1)
is "$out" "served 20, workers ok 20, client ok" "shim: 20 connections, each served by a forked worker"
# The same with sockets and pipes left to libc (threads still greenlets):
# a forked child's blocking calls then block only that child.
out=$(GEVENT_PATCH_SOCKET=0 GEVENT_PATCH_IO=0 shim "$L/prefork_server" 20 2>&1 | tail -1)
is "$out" "served 20, workers ok 20, client ok" "shim with socket and io off: the same 20 connections served"
