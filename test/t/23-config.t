#!/usr/bin/env bash
# Acceptance 3: configuration, the patch table, the launcher's switches.
. "$(dirname "$0")/../lib.sh"
plan 16
sampled "$T/off" env GEVENT_PATCH_THREAD=0 LD_PRELOAD="$LIB" "$L/sleepers" 200 500
[ "$RC" -eq 0 ] && [ "$MAXTHREADS" -gt 2 ]; ok $? "GEVENT_PATCH_THREAD=0: pthread_create makes real threads again (saw $MAXTHREADS, status $RC)"
line=$(GEVENT_PATCH_THREAD=0 "$RUN" --list | grep ' pthread_create ')
like "$line" "^thread +pthread_create +off \(switched off by GEVENT_PATCH_THREAD=0\)" "the table shows it off, naming the variable"
line=$("$RUN" --list | grep ' pthread_create ')
like "$line" "^thread +pthread_create +patched$" "by default pthread_create is patched"
err=$(GEVENT_PATCH=socket,bogus LD_PRELOAD="$LIB" "$L/sleepers" 1 1 2>&1); rc=$?
is "$rc" 2 "GEVENT_PATCH=socket,bogus exits 2"
like "$err" "^gevent_patch: bad GEVENT_PATCH=\"socket,bogus\": unknown subsystem \"bogus\"; allowed:" "... with one line naming the variable, the value and what is allowed"
is "$(wc -l <<<"$err")" 1 "... and only that line"
for bad in "GEVENT_STACK_SIZE=12x" "GEVENT_STACK_SIZE=1k" "GEVENT_REPORT=yes" "GEVENT_PATCH_IO=2" "GEVENT_RESOLVER=dns" "GEVENT_DUMP_SIGNAL=SIGNOPE" "GEVENT_PATCH="; do
    err=$(env "$bad" LD_PRELOAD="$LIB" "$L/sleepers" 1 1 2>&1); rc=$?
    [ "$rc" -eq 2 ] && [[ "$err" == "gevent_patch: bad ${bad%%=*}="* ]]; ok $? "$bad exits 2 naming the variable"
done
line=$(GEVENT_PATCH=time,socket "$RUN" --list | grep ' nanosleep ')
like "$line" "patched" "GEVENT_PATCH=time,socket keeps time patched"
out=$(GEVENT_REPORT=1 LD_PRELOAD="$LIB" "$L/sleepers" 1 1 2>&1 >/dev/null)
like "$out" "thread +pthread_mutex_lock +patched" "GEVENT_REPORT=1 prints the table to stderr at start-up"
line=$("$RUN" --only time --list | grep ' pthread_create ')
like "$line" "off \(switched off: not in GEVENT_PATCH\)" "gevent-run --only time switches the rest off"
