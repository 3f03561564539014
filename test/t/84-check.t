#!/usr/bin/env bash
# gevent-run --check PROGRAM: the blocking calls a binary and its libraries
# import, compared with what binutils (nm -D) and ldd say independently.
. "$(dirname "$0")/../lib.sh"
plan 24
# Known blocking calls the shim does not cover (a subset of gevent-run's list).
BLOCKING="epoll_pwait2 tcdrain
thrd_join mtx_lock cnd_wait"
# (the res_* family is in the patch table now: --check lists it as covered.)

# imports PROG: every symbol PROG and its libraries (ldd) import, one per
# line, version and fortification stripped.
imports() {
    { echo "$1"; ldd "$1" | awk '$2=="=>" && $3 ~ /^\// {print $3}' | grep -v -e '/libc\.so' -e '/ld-linux'; } |
        while read -r o; do nm -D --undefined-only "$o" 2>/dev/null; done |
        awk '{print $2}' | sed -e 's/@.*//' -e 's/^__isoc99_//' -e 's/^__\(.*\)_chk$/\1/' | sort -u
}

# check_prog PROG: runs --check, then compares its BLOCKING lines and its
# covered/off lines with nm's view.
check_prog() {
    local p=$1 name=$2 out want got
    out=$("$RUN" --check "$p"); CHECK_RC=$?
    CHECK_OUT=$out
    imports "$p" >"$T/imp"
    want=$(for s in $BLOCKING; do grep -qx "$s" "$T/imp" && echo "$s"; done | sort | tr '\n' ' ')
    got=$(awk '$1=="BLOCKING" {print $2}' <<<"$out" | sort | tr '\n' ' ')
    is "$got" "$want" "$name: the blocking calls not covered are exactly those nm -D finds imported ($want)"
    # Every symbol of the patch table the binary imports is listed with its state.
    local bad=0
    while read -r _ sym state _; do
        grep -qx "$sym" "$T/imp" || continue
        if [ "$state" = patched ]; then grep -qE "^  covered +$sym " <<<"$out" || { bad=1; diag "missing covered $sym"; }
        else grep -qE "^  off +$sym " <<<"$out" || { bad=1; diag "missing off $sym"; }; fi
    done < <("$RUN" --list)
    # ... and nothing is listed that the binary does not import.
    # (a 64 form, fstatat64, is listed under its base name when only that is in the table)
    while read -r _ sym _; do grep -qx -e "$sym" -e "${sym}64" "$T/imp" || { bad=1; diag "not imported: $sym"; }; done \
        < <(grep -E '^  (covered|off|BLOCKING|maybe) ' <<<"$out" | grep -v '(raw system calls)')
    is "$bad" 0 "$name: every table symbol it imports is listed as covered or off, and only those"
}

check_prog /usr/bin/curl curl
like "$CHECK_OUT" "^/usr/bin/curl: [0-9]+ object\(s\) scanned: curl libcurl\.so\.4 " "curl: names the objects scanned, libcurl first"
libs_ldd=$(ldd /usr/bin/curl | awk '$2=="=>" && $3 ~ /^\// {print $1}' | sort | tr '\n' ' ')
libs_chk=$(head -1 <<<"$CHECK_OUT" | cut -d: -f3 | tr ' ' '\n' | sed 1,2d | sort | tr '\n' ' ')
is "$libs_chk" "$libs_ldd" "curl: finds the same libraries as ldd, without running it"
like "$CHECK_OUT" $'\n''  (covered|off) +connect +socket +.*by [^\n]*libcurl\.so\.4' "curl: connect, imported by libcurl"

check_prog /usr/bin/socat socat
like "$CHECK_OUT" $'\n''  (covered|off) +poll +select ' "socat: poll"
is "$CHECK_RC" 0 "socat: status 0 (pause, its one uncovered blocking import before, waits on the hub now)"

# A test program with known imports: fortified read, flock, sigwait, msgrcv,
# fgets (stdio), nanosleep, pthread_create.
cat >"$T/p.c" <<'C'
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>
static void *fn(void *a) { return a; }
int main(int argc, char **argv) {
    char buf[64]; pthread_t t; sigset_t s; int sig; struct timespec ts = {0, 1};
    if (argc > 5) { flock(0, LOCK_EX); sigwait(&s, &sig); msgrcv(0, buf, 8, 0, 0); fgets(buf, 8, stdin); }
    pthread_create(&t, NULL, fn, NULL); pthread_join(t, NULL); nanosleep(&ts, NULL);
    return (int)read(argc, buf, argc > 10 ? 1000 : sizeof buf) + (argv[0] == NULL);
}
C
cc -O2 -D_FORTIFY_SOURCE=2 -pthread -o "$T/prog" "$T/p.c" 2>"$T/cc.err"
nm -D --undefined-only "$T/prog" | grep -q __read_chk; ok $? "the test program imports the fortified __read_chk"
check_prog "$T/prog" "test program"
want_read=$("$RUN" --why read >/dev/null && echo covered || echo off)
like "$CHECK_OUT" $'\n'"  $want_read +read +io " "test program: __read_chk is listed as read ($want_read)"
like "$CHECK_OUT" $'\n''  covered +fgets +io ' "test program: fgets covered (stdio streams wait on the hub)"
like "$CHECK_OUT" $'\n''  covered +flock +io ' "test program: flock covered"

# Issue 15, item 7: nothing BLOCKING for ssh and python3 either, nor for any
# test program; each "may block" line says why.
check_prog /usr/bin/ssh ssh
check_prog /usr/bin/python3 python3
like "$CHECK_OUT" $'\n''  maybe +splice +blocks on a pipe or socket without SPLICE_F_NONBLOCK' \
    "python3: what may still block says why (splice)"
why_less=""
for p in /usr/bin/curl /usr/bin/socat /usr/bin/ssh /usr/bin/python3 "$L"/*; do
    [ -f "$p" ] && [ -x "$p" ] || continue
    out=$("$RUN" --check "$p" 2>/dev/null)
    grep -q '^  BLOCKING ' <<<"$out" && why_less="$why_less $(basename "$p"):BLOCKING"
    while read -r line; do
        [[ "$line" =~ ^maybe\ +[^\ ].*\ [a-z].*(by|in)\  ]] || why_less="$why_less $(basename "$p"):$line"
    done < <(grep '^  maybe ' <<<"$out" | sed 's/^ *//')
done
is "$why_less" "" "curl, socat, ssh, python3 and every test program: no BLOCKING line, each maybe line with its reason and who"
like "$("$RUN" --check "$L/raw_syscalls")" $'\n''  maybe +\(raw system calls\) +read, io_uring_enter' \
    "a program making raw system calls: listed as may block, by name"
# Issue 11: how thread-local storage will be handled, and why (the same
# decision GEVENT_REPORT=1 shows at run time).
like "$("$RUN" --check "$L/tls_threads")" $'\n''thread-local storage: per greenlet \(tls_threads has thread-local storage\)' \
    "--check: a program with TLS of its own: per greenlet, and why"
like "$("$RUN" --check "$L/sleepers")" $'\n''thread-local storage: one block per OS thread \(no module but libc' \
    "--check: a plain C program: one block per OS thread, and why"
