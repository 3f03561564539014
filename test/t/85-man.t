#!/usr/bin/env bash
# The man pages render without warnings, document every variable and
# subsystem, and are installed and removed by make install / uninstall.
. "$(dirname "$0")/../lib.sh"
plan 10
for f in man/gevent-run.1 man/libgevent_patch.7; do
    err=$(man -l -Tutf8 "$f" 2>&1 >/dev/null)
    is "$err" "" "$f renders without warnings (man -l -Tutf8)"
done
err=$(groff -ww -man -Tutf8 -z man/gevent-run.1 man/libgevent_patch.7 2>&1)
is "$err" "" "groff -ww: no warnings either"
txt=$(MANWIDTH=200 man -l -Tutf8 man/libgevent_patch.7 2>/dev/null | sed 's/.\x08//g')
missing=""
for v in GEVENT_PATCH GEVENT_PATCH_SUBSYSTEM GEVENT_REPORT GEVENT_STATS GEVENT_RESOLVER \
    GEVENT_RESOLVER_NAMESERVERS GEVENT_STACK_SIZE GEVENT_DUMP_SIGNAL GEVENT_FILEIO GEVENT_SYSCALL_DISPATCH; do
    grep -q "^ *$v" <<<"$txt" || missing="$missing $v"
done
is "$missing" "" "libgevent_patch(7) documents every variable"
missing=""
for s in socket io select time dns os signal thread; do grep -qE "^ {7}$s( |$)" <<<"$txt" || missing="$missing $s"; done
is "$missing" "" "libgevent_patch(7) documents every subsystem"
like "$txt" "No preemption.*__thread.*stdio locks" "libgevent_patch(7) states the limits"
txt=$(MANWIDTH=200 man -l -Tutf8 man/gevent-run.1 2>/dev/null | sed 's/.\x08//g')
missing=""
for o in $("$RUN" --help | grep -o '^  --[a-z-]*' | sort -u); do grep -q -- "$o" <<<"$txt" || missing="$missing $o"; done
is "$missing" "" "gevent-run(1) documents every option of gevent-run --help"
P=$T/prefix
make -s install BUILD="$B" PREFIX="$P" >"$T/log" 2>&1
[ -f "$P/share/man/man1/gevent-run.1" ] && [ -f "$P/share/man/man7/libgevent_patch.7" ]; ok $? "make install puts both pages under MANDIR"
MANPATH=$P/share/man man -w gevent-run >/dev/null 2>&1 && MANPATH=$P/share/man man -w 7 libgevent_patch >/dev/null 2>&1
ok $? "man finds the installed pages by name"
make -s uninstall BUILD="$B" PREFIX="$P" >"$T/log" 2>&1
[ ! -e "$P/share/man/man1/gevent-run.1" ] && [ ! -e "$P/share/man/man7/libgevent_patch.7" ]; ok $? "make uninstall removes them"
