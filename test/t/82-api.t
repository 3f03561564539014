#!/usr/bin/env bash
# gevent_patch.h: a program that looks the API up with dlsym(RTLD_DEFAULT)
# runs with and without the shim and gets the right answers in both cases.
. "$(dirname "$0")/../lib.sh"
plan 14
out=$("$L/api_probe" nanosleep); rc=$?
is "$rc" 0 "without LD_PRELOAD: runs (status 0)"
is "$out" "shim: not loaded" "without LD_PRELOAD: dlsym finds no API, the program says so"
out=$(shim "$L/api_probe" nanosleep read nosuch pthread_cond_wait +time +thread +bogus); rc=$?
is "$rc" 0 "with LD_PRELOAD: runs (status 0)"
like "$out" "^shim: libgevent_patch [0-9]+\.[0-9]+\.[0-9]+"$'\n' "gevent_version() names the library and its version"
like "$out" "symbol nanosleep: patched 1, original found, original is libc's yes, default is the hook" \
    "gevent_is_patched(\"nanosleep\") is 1; gevent_get_original gives libc's nanosleep"
patched=$("$RUN" --why read >/dev/null && echo 1 || echo 0)
like "$out" "symbol read: patched $patched, original found, original is libc's yes" \
    "read: patched $patched as the table says; the original is libc's either way"
like "$out" "symbol pthread_cond_wait: patched 1, original found" "a versioned symbol (pthread_cond_wait)"
like "$out" "symbol nosuch: patched 0, original NULL" "a symbol not in the table: 0 and NULL"
like "$out" "subsystem time: 1"$'\n'"subsystem thread: 1"$'\n'"subsystem bogus: 0" \
    "gevent_subsystem_patched: time and thread 1, an unknown name 0"
like "$out" "original nanosleep returns 0" "the original returned by gevent_get_original is callable"
out=$(GEVENT_PATCH_TIME=0 shim "$L/api_probe" nanosleep +time)
like "$out" "symbol nanosleep: patched 0, original found, original is libc's yes" \
    "GEVENT_PATCH_TIME=0: nanosleep reported unpatched, original still available"
like "$out" "subsystem time: 0" "GEVENT_PATCH_TIME=0: subsystem time reported off"
# The header is usable from strict C and declares exactly what is exported.
printf '#include "gevent_patch.h"\nint main(void){return gevent_is_patched("x")+!gevent_version();}\n' >"$T/h.c"
cc -std=c99 -Wall -Wextra -Werror -pedantic -Ishim -c "$T/h.c" -o "$T/h.o" 2>"$T/cc.err"
ok $? "gevent_patch.h compiles as strict C99"
exp=$(nm -D --defined-only "$LIB" | awk '$3 ~ /^gevent_/ {print $3}' | sort | tr '\n' ' ')
decl=$(grep -o 'gevent_[a-z_]*(' shim/gevent_patch.h | tr -d '(' | sort -u | tr '\n' ' ')
is "$exp" "$decl" "the library exports exactly the functions the header declares"
