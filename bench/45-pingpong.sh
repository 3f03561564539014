#!/usr/bin/env bash
# C++ and Rust ping-pong between two threads (issue 11): N round trips
# natively and under the shim, side by side in this run, with the ratio.
# C++: std::mutex + std::condition_variable (pthread calls) and
# std::atomic wait/notify (libstdc++'s raw futexes through syscall()).
# Rust: std's Mutex + Condvar (raw futexes), its second thread made by
# std::thread::spawn or by pthread_create.
cd "$(dirname "$0")/.." || exit 2
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so
CXX=$PWD/$B/bench/pingpong_cxx RS=$PWD/$B/bench/pingpong_rs
for p in "$CXX" "$RS"; do [ -x "$p" ] || { echo "45-pingpong: $p missing (make bench builds it)"; exit 1; }; done
# best of three: the machine is shared
best() { local b="" v; for _ in 1 2 3; do v=$("$@" 2>/dev/null) || return 1
    b=$(awk -v a="$b" -v v="$v" 'BEGIN{print (a=="" || v<a) ? v : a}'); done; echo "$b"; }
unit() { awk -v ns="$1" 'BEGIN{ if (ns >= 1000) printf "%.2f us", ns/1000; else printf "%.1f ns", ns }'; }
echo "== C++ and Rust ping-pong, one round trip: native threads vs greenlets (best of 3) =="
printf '%-48s %12s %12s   %s\n' "" "native" "shim" "shim vs native"
row() { # row LABEL PROG MODE N
    local label=$1 a b verdict
    a=$(best "$2" "$3" "$4")
    if b=$(best env LD_PRELOAD="$LIB" "$2" "$3" "$4"); then
        verdict=$(awk -v a="$a" -v b="$b" 'BEGIN{ if (b <= a) printf (a/b >= 10 ? "%.0fx faster" : "%.1fx faster"), a/b;
            else printf "%.1fx slower", b/a }')
        b=$(unit "$b")
    else
        b="failed" verdict="(the program fails under the shim)"
    fi
    printf '%-48s %12s %12s   %s\n' "$label" "$(unit "$a")" "$b" "$verdict"
}
row "C++ std::mutex + condition_variable" "$CXX" condvar 20000
row "C++ std::atomic wait/notify (futex)" "$CXX" atomic 20000
row "Rust Mutex + Condvar (futex), std::thread" "$RS" std 20000
row "Rust Mutex + Condvar (futex), pthread_create" "$RS" pthread 20000
