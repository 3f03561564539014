#!/usr/bin/env bash
# gevent-run --why SYMBOL: why a call is or is not patched.
. "$(dirname "$0")/../lib.sh"
plan 11
out=$("$RUN" --why nanosleep); rc=$?
is "$rc" 0 "--why nanosleep: status 0 (patched)"
like "$out" "^nanosleep: patched \(subsystem time\).*GEVENT_PATCH_TIME=0" "--why nanosleep: patched, and how to switch it off"
out=$(GEVENT_PATCH_TIME=0 "$RUN" --why nanosleep); rc=$?
like "$rc:$out" "^1:nanosleep: in the shim's table \(subsystem time\) but off \(switched off by GEVENT_PATCH_TIME=0\)" \
    "--why follows the environment: switched off by GEVENT_PATCH_TIME=0 (status 1)"
out=$("$RUN" --no-thread --why pthread_mutex_lock)
like "$out" "but off \(switched off by GEVENT_PATCH_THREAD=0\)" "--no-thread --why pthread_mutex_lock: off, and why"
out=$("$RUN" --why tcdrain); rc=$?
like "$rc:$out" "^1:tcdrain: not interposed by the shim, and blocking: waits for tty output to drain" "--why tcdrain: a blocking call not covered"
like "$out" "every greenlet" "--why tcdrain: says it stalls every greenlet"
out=$("$RUN" --why strlen); rc=$?
like "$rc:$out" "^1:strlen: not interposed: not a call the shim knows to block" "--why strlen: not a blocking call"
out=$("$RUN" --why __read_chk)
like "$out" "^__read_chk: a variant of read, which decides"$'\n'"read: " "--why __read_chk: explained through read"
out=$("$RUN" --why __isoc99_fscanf)
like "$out" "^__isoc99_fscanf: a variant of fscanf.*"$'\n'"fscanf: patched \(subsystem io\)" "--why __isoc99_fscanf: stdio, patched (issue 15)"
out=$("$RUN" --why 2>&1); rc=$?
like "$rc:$out" "^2:gevent-run: --why needs an argument" "--why without a symbol: status 2"
# Every symbol of the table gets an answer consistent with --list.
bad=0
while read -r sub sym state _; do
    "$RUN" --why "$sym" >"$T/w"; rc=$?
    if [ "$state" = patched ]; then [ $rc = 0 ] || bad=1; else [ $rc = 1 ] && grep -q "but off" "$T/w" || bad=1; fi
done < <("$RUN" --list)
is "$bad" 0 "--why agrees with --list for every symbol of the table"
