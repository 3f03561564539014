#!/usr/bin/env bash
# Issue 12, acceptance 3: GNU make -j4 under the shim. A generated C project
# (50 files and a main) builds to the same objects and program as natively
# (make, gcc, cc1, as and ld all run under the shim: LD_PRELOAD is
# inherited), in comparable time. ^C, SIGINT to make's process group while
# four jobs run, stops it as natively: the same exit status, no process of
# the group left, no object of an interrupted job left behind.
. "$(dirname "$0")/../lib.sh"
plan 7
gen() { # gen DIR DELAY: the project; each compile first sleeps DELAY s
    local d=$1 i
    mkdir -p "$d"
    for i in $(seq 1 50); do
        printf 'int f%d(int x)\n{\n    return x * %d + %d;\n}\n' "$i" "$i" $((i % 7)) >"$d/f$i.c"
    done
    {
        echo '#include <stdio.h>'
        for i in $(seq 1 50); do echo "int f$i(int);"; done
        echo 'int main(void)'
        echo '{'
        echo '    long s = 0;'
        for i in $(seq 1 50); do echo "    s += f$i($i);"; done
        echo '    printf("%ld\n", s);'
        echo '    return 0;'
        echo '}'
    } >"$d/main.c"
    {
        echo 'OBJS := main.o $(patsubst %.c,%.o,$(wildcard f*.c))'
        echo 'prog: $(OBJS)'
        printf '\t$(CC) -o $@ $(OBJS)\n'
        echo '%.o: %.c'
        [ "$2" != 0 ] && printf '\tsleep %s\n' "$2"
        printf '\t$(CC) -O2 -c $< -o $@\n'
    } >"$d/Makefile"
}
gen "$T/native" 0
gen "$T/shim" 0
t0=$(date +%s.%N)
timeout 300 make -s -j4 -C "$T/native" >"$T/native.out" 2>&1
nrc=$?
t1=$(date +%s.%N)
timeout 300 env LD_PRELOAD="$LIB" make -s -j4 -C "$T/shim" >"$T/shim.out" 2>&1
src=$?
t2=$(date +%s.%N)
# Under make test SANITIZE=1, libasan comes in as the shim's dependency,
# after ld.so, which cc1 names as a dependency of its own (lib.sh,
# asan_dep_fails): if cc1 fails so without the shim too, the build cases are
# expected failures.
asan_cc1_fails() {
    [ "$src" != 0 ] || return 1
    printf 'int main(void)\n{\n    return 0;\n}\n' >"$T/probe_main.c"
    asan_dep_fails cc -c "$T/probe_main.c" -o "$T/probe_main.o"
}
if asan_cc1_fails; then
    why="sanitizer build: libasan, loaded after ld.so (a dependency cc1 names), fails in cc1 without the shim too"
    todo "make -j4: status 0 natively and under the shim" "$why"
    todo "the same 51 objects as natively" "$why"
    todo "the program linked under the shim prints what the native one does" "$why"
else
    is "$src:$nrc" "0:0" "make -j4: status 0 natively and under the shim"
    same=1
    for o in "$T"/native/*.o; do cmp -s "$o" "$T/shim/$(basename "$o")" || { same=0; diag "differs: $(basename "$o")"; }; done
    n=$(ls "$T"/shim/*.o 2>/dev/null | wc -l)
    [ "$same" = 1 ] && [ "$n" = 51 ]
    ok $? "the same 51 objects as natively (byte for byte; $n built under the shim)"
    is "$("$T/shim/prog")" "$("$T/native/prog")" "the program linked under the shim prints what the native one does"
fi
ne=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
se=$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')
lim=$(awk -v n="$ne" 'BEGIN{print 3 * n + 10}')
less_than "$se" "$lim"; ok $? "under the shim in ${se} s (limit ${lim} s: 3 x native ${ne} s + 10 s)"

# ^C: SIGINT to the process group of a make -j4 whose jobs each sleep 30 s
# before compiling (make leads its own process group, as under a terminal).
interrupt() { # interrupt DIR [LD_PRELOAD value]: sets IRC, LEFT, OBJS
    local d=$1 pid i n
    rm -f "$d"/*.o "$d/prog"
    # a job of a shell without job control starts with SIGINT ignored, and
    # make then keeps it ignored: the launcher sets it back, as a terminal's
    # shell would, and makes make a group leader
    env ${2:+LD_PRELOAD="$2"} python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' make -j4 -C "$d" >"$d.int.out" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    for i in $(seq 1 200); do # until four jobs sleep (at most 20 s)
        n=$(pgrep -g "$pid" -x sleep | wc -l)
        [ "$n" -ge 4 ] && break
        sleep 0.1
    done
    kill -INT -- -"$pid"
    wait "$pid"
    IRC=$?
    LEFT=""
    for i in $(seq 1 50); do # the group's processes end (at most 5 s)
        LEFT=$(pgrep -g "$pid" | tr '\n' ' ')
        [ -z "$LEFT" ] && break
        sleep 0.1
    done
    [ -n "$LEFT" ] && kill -KILL -- -"$pid" 2>/dev/null
    OBJS=$(ls "$d"/*.o 2>/dev/null | wc -l)
}
gen "$T/nint" 30
gen "$T/sint" 30
interrupt "$T/nint"
nirc=$IRC nleft=$LEFT nobjs=$OBJS
interrupt "$T/sint" "$LIB"
is "$IRC" "$nirc" "^C stops make -j4 under the shim with the native exit status ($nirc)"
is "$LEFT" "$nleft" "no process of make's group left after it exits (native: '${nleft}')"
is "$OBJS:$nobjs" "0:0" "no object of the interrupted jobs left behind"
