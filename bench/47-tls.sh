#!/usr/bin/env bash
# Thread-local storage per greenlet (issue 11, item 8): what a greenlet
# switch costs in each TLS mode, beside native threads, in this one run.
# A greenlet with a thread control block of its own changes the %fs base
# when it is switched to (WRFSBASE where the CPU and kernel allow it, else
# arch_prctl(ARCH_SET_FS), a system call): the first table prices those,
# the second the ping-pongs natively, with GEVENT_TLS=shared (one block per
# OS thread) and GEVENT_TLS=greenlet (a block each), and the %fs changes
# per round trip (GEVENT_STATS).
#
# Wall clock and CPU time side by side: on a loaded machine the shim's one
# busy OS thread waits on the kernel's run queue for its share of a CPU,
# while two native threads that mostly sleep are run as soon as they are
# woken, so wall-clock ratios there move with the load; the CPU time of the
# process (every thread) per round trip is the work done, and moves far
# less. Runs alternate (native, shared, per greenlet, native, ...) so the
# three columns see the same load; each figure is the best of R runs.
cd "$(dirname "$0")/.." || exit 2
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; D=$PWD/$B/bench
for p in fsbase_bench sync_bench pingpong_cxx pingpong_rs; do
    [ -x "$D/$p" ] || { echo "47-tls: $D/$p missing (make bench builds it)"; exit 1; }
done
N=20000 R=${GP_BENCH_RUNS:-5}
load() { cut -d' ' -f1-3 /proc/loadavg; }
best() { local b="" v; for _ in 1 2 3; do v=$("$@" 2>/dev/null) || return 1
    b=$(awk -v a="$b" -v v="$v" 'BEGIN{print (a=="" || v<a) ? v : a}'); done; echo "$b"; }
min() { awk -v a="$1" -v v="$2" 'BEGIN{ if (v == "") print a; else print (a == "" || v < a) ? v : a }'; }
unit() { awk -v ns="$1" 'BEGIN{ if (ns == "-" || ns == "") print "-"; else if (ns >= 1000) printf "%.2f us", ns/1000; else printf "%.1f ns", ns }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == "" || b == "-") print "-"; else if (b <= a) printf (a/b >= 10 ? "%.0fx faster" : "%.1fx faster"), a/b;
    else printf "%.1fx slower", b/a }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b == "" || b == "-") print "-"; else if (b <= a) printf "%.1fx less", a/b;
    else printf "%.1fx more", b/a }'; }

echo "== changing the %fs base: one call, natively (best of 3; load $(load)) =="
printf '%-44s %12s\n' "" "per call"
printf '%-44s %12s\n' "getppid (a bare system call)" "$(unit "$(best "$D/fsbase_bench" getppid $N)")"
printf '%-44s %12s\n' "arch_prctl(ARCH_SET_FS)" "$(unit "$(best "$D/fsbase_bench" arch_prctl $N)")"
printf '%-44s %12s\n' "WRFSBASE (- : no FSGSBASE on this CPU/kernel)" "$(unit "$(best "$D/fsbase_bench" wrfsbase $N)")"

echo
echo "== ping-pong, one round trip: native threads vs greenlets per TLS mode (best of $R, alternated; load $(load)) =="
printf '%-36s %-38s %-27s   %-26s %s\n' "" "---------- wall clock ----------" "------- ratio to native -------" "-- CPU time, all threads --" ""
printf '%-36s %10s %11s %11s   %-13s %-13s   %9s %9s %-10s %s\n' "" "native" "TLS shared" "per greenl." "shared" "per greenlet" \
    "native" "per gr." "per gr." "%fs/trip"
row() { # row LABEL CMD...
    local label=$1 a="" s="" g="" ac="" gc="" sfail="" v fs
    shift
    for _ in $(seq "$R"); do
        v=$("$@" $N cpu 2>/dev/null) && { a=$(min "$a" "${v% *}"); ac=$(min "$ac" "${v#* }"); }
        if [ -z "$sfail" ]; then
            v=$(GEVENT_TLS=shared LD_PRELOAD="$LIB" "$@" $N cpu 2>/dev/null) && s=$(min "$s" "${v% *}") || sfail=1
        fi
        v=$(GEVENT_TLS=greenlet LD_PRELOAD="$LIB" "$@" $N cpu 2>/dev/null) && { g=$(min "$g" "${v% *}"); gc=$(min "$gc" "${v#* }"); }
    done
    [ -n "$sfail" ] && s=""
    fs=$(GEVENT_TLS=greenlet GEVENT_STATS=1 LD_PRELOAD="$LIB" "$@" $N 2>&1 >/dev/null |
        awk -v n=$N '/%fs changed/ { for (i = 1; i <= NF; i++) if ($i == "changed") c = $(i+1) } END { printf "%.2f", c / n }')
    printf '%-36s %10s %11s %11s   %-13s %-13s   %9s %9s %-10s %s\n' "$label" "$(unit "$a")" "$(unit "${s:--}")" \
        "$(unit "${g:--}")" "$(ratio "$a" "${s:--}")" "$(ratio "$a" "${g:--}")" "$(unit "$ac")" "$(unit "${gc:--}")" \
        "$(less "$ac" "${gc:--}")" "$fs"
}
row "C mutex + condvar (sync_bench)" "$D/sync_bench" condvar
row "C++ std::mutex + condition_variable" "$D/pingpong_cxx" condvar
row "C++ std::atomic wait/notify" "$D/pingpong_cxx" atomic
row "Rust Mutex + Condvar, pthread_create" "$D/pingpong_rs" pthread
row "Rust Mutex + Condvar, std::thread" "$D/pingpong_rs" std
echo "(- : fails in that mode: Rust's std::thread needs thread-locals per thread; load at the end $(load))"
echo "GEVENT_TLS=auto picks shared for the C and C++ programs (no TLS of their own; libstdc++'s is saved at each switch), per greenlet for the Rust ones."
