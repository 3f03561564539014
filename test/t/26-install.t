#!/usr/bin/env bash
# make install / uninstall into a prefix; the installed launcher finds the
# installed library.
. "$(dirname "$0")/../lib.sh"
plan 5
P=$T/prefix
make -s install BUILD="$B" PREFIX="$P" >"$T/log" 2>&1; ok $? "make install PREFIX=... succeeds"
[ -f "$P/lib/libgevent_patch.so" ] && [ -x "$P/bin/gevent-run" ] && [ -f "$P/include/gevent_patch.h" ]
ok $? "library, launcher and header are installed"
out=$("$P/bin/gevent-run" -- "$L/sleepers" 2 10 2>&1)
is "$out" "created 2, joined 2, slept enough 2" "the installed gevent-run finds the installed library"
"$P/bin/gevent-run" --list | grep -q "^thread *pthread_create *patched"; ok $? "the installed gevent-run --list prints the table"
make -s uninstall BUILD="$B" PREFIX="$P" >"$T/log" 2>&1
[ ! -e "$P/lib/libgevent_patch.so" ] && [ ! -e "$P/bin/gevent-run" ] && [ ! -e "$P/include/gevent_patch.h" ]
ok $? "make uninstall removes them"
