#!/usr/bin/env bash
# Issue 15, item 5: GEVENT_FILEIO=thread makes file I/O (read, write, readv,
# pread, pwrite, fsync, fdatasync, open, the stat family) on native workers;
# results and errors are the same as natively, in both modes; a bad value
# stops the program with one line and status 2. (Latency figures: make bench,
# section 45-fileio.)
. "$(dirname "$0")/../lib.sh"
plan 5
mkdir -p "$T/d"
native=$("$L/fileio_parity" "$T/d" 2>&1)
is "$(shim "$L/fileio_parity" "$T/d" 2>&1)" "$native" "GEVENT_FILEIO unset (direct): same results and errors as native"
thread=$(GEVENT_FILEIO=thread GEVENT_STATS=1 shim "$L/fileio_parity" "$T/d" 2>"$T/stats")
is "$thread" "$native" "GEVENT_FILEIO=thread: same results and errors as native"
waits=$(awk '$4 == "pread" {print $6}' "$T/stats")
ok $([ "${waits:-0}" -gt 0 ]; echo $?) "GEVENT_FILEIO=thread: pread waited on the hub (${waits:-0} waits: made on a worker)"
out=$(GEVENT_FILEIO=fast shim /bin/true 2>&1); rc=$?
is "$rc:$(wc -l <<<"$out")" "2:1" "GEVENT_FILEIO=fast: exit 2, one line"
like "$out" 'GEVENT_FILEIO="fast".*direct, thread' "the line names the variable, the value and what is allowed"
