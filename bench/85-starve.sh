#!/usr/bin/env bash
# Starvation (issue 14): what "nothing ready" answers, the monitor and
# preemption cost, and what preemption buys, measured side by side in this
# run. Nothing here asserts a time.
cd "$(dirname "$0")/.." || exit 2
. test/proc.sh # listening_port
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; L=$PWD/$B/legacy
P=$PWD/$B/bench/nready_bench; S=$PWD/$B/bench/sync_bench
[ -x "$P" ] || { echo "85-starve: $P missing (make bench builds it)"; exit 1; }
best() { local b="" v; for _ in 1 2 3; do v=$("$@") || return 1
    b=$(awk -v a="$b" -v v="$v" 'BEGIN{print (a=="" || v<a) ? v : a}'); done; echo "$b"; }

echo "== \"nothing ready\" answers, nothing else runnable (ns per call, best of 3) =="
printf '%-14s %10s %10s %10s\n' call native shim "shim-native"
for c in poll epoll_wait read recv trylock sem_trywait waitpid; do
    n=2000000; case $c in poll|epoll_wait|read|recv|waitpid) n=300000 ;; esac
    a=$(best "$P" "$c" "$n"); b=$(best env LD_PRELOAD="$LIB" "$P" "$c" "$n")
    printf '%-14s %10s %10s %10s\n' "$c" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%+.1f", b-a}')"
done

echo
echo "== monitor and preemption on, cost: the echo server's CPU time per message (user+sys), and msgs/s; best of 3, interleaved =="
# CPU time per message, not msgs/s, is what to compare on a shared machine.
echo_cost() { # prints "CPU_NS_PER_MSG MSGS_PER_S" for test/legacy/echo_server under the shim with env "$@"
    local out tf port srv rate cpu
    out=$(mktemp); tf=$(mktemp)
    ( TIMEFORMAT='%U %S'; { time env "$@" LD_PRELOAD="$LIB" "$L/echo_server" 0 200 >"$out" 2>/dev/null; } 2>"$tf" ) &
    srv=$!
    port=$(listening_port "$out")
    rate=$("$L/echo_client" "$port" 200 500 2>&1 | grep -o '[0-9.]* msgs/s' | awk '{print $1}')
    wait "$srv"
    cpu=$(awk '{printf "%.0f", ($1 + $2) * 1e9 / 100000}' "$tf")
    rm -f "$out" "$tf"; echo "${cpu:-0} ${rate:-0}"
}
declare -A ec er
for _ in 1 2 3; do
    for k in off mon pre; do
        case $k in off) v=$(echo_cost X=1) ;; mon) v=$(echo_cost GEVENT_MONITOR=100) ;; pre) v=$(echo_cost GEVENT_PREEMPT=10) ;; esac
        c=${v% *} r=${v#* }
        if [ -z "${ec[$k]:-}" ] || [ "$c" -lt "${ec[$k]}" ]; then ec[$k]=$c; fi
        if [ -z "${er[$k]:-}" ] || awk -v a="$r" -v b="${er[$k]}" 'BEGIN{exit !(a > b)}'; then er[$k]=$r; fi
    done
done
printf '%-44s %8s ns/msg %10s msgs/s\n' "echo, 200 conns x 500 round trips, off" "${ec[off]}" "${er[off]}"
printf '%-44s %8s ns/msg %10s msgs/s  (CPU %.3fx)\n' "  GEVENT_MONITOR=100" "${ec[mon]}" "${er[mon]}" "$(awk -v a="${ec[off]}" -v b="${ec[mon]}" 'BEGIN{print b/a}')"
printf '%-44s %8s ns/msg %10s msgs/s  (CPU %.3fx)\n' "  GEVENT_PREEMPT=10" "${ec[pre]}" "${er[pre]}" "$(awk -v a="${ec[off]}" -v b="${ec[pre]}" 'BEGIN{print b/a}')"
a=$(best env LD_PRELOAD="$LIB" "$S" condvar 200000); b=$(best env GEVENT_PREEMPT=10 LD_PRELOAD="$LIB" "$S" condvar 200000)
printf '%-44s %9.1f ns  %9.1f ns with GEVENT_PREEMPT=10 (%.3fx)\n' "condvar ping-pong round trip, off" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{print b/a}')"

echo
echo "== 4 threads hashing + 1 answering pings every 5 ms (ms; wait = until read, wall clock; beyond_runq = less the time the OS thread waited for a CPU) =="
row() { local label=$1; shift
    local e; e=$(timeout 120 "$@" 2>&1 >/dev/null | tr '\n' ' ')
    printf '%-34s %s\n' "$label" "${e:-no answer within 120 s}"; }
row "native threads" "$L/zecho" 4 200 5 hash 3000
row "shim, no preemption" env LD_PRELOAD="$LIB" "$L/zecho" 4 200 5 hash 3000
for s in 20 10 5 2; do row "shim, GEVENT_PREEMPT=$s" env GEVENT_PREEMPT=$s LD_PRELOAD="$LIB" "$L/zecho" 4 200 5 hash 3000; done

echo
echo "== stress: 100 threads malloc/stdio/qsort/C++ exceptions, 1 ms slice, about 30 s =="
t0=$(date +%s.%N); n=$("$L/preempt_stress" 100 20000 | md5sum); t1=$(date +%s.%N)
s=$(GEVENT_STATS=1 GEVENT_PREEMPT=1 LD_PRELOAD="$LIB" "$L/preempt_stress" 100 20000 2>"$B/stress.err" | md5sum); rc=$?; t2=$(date +%s.%N)
printf 'native %.1f s, shim %.1f s, status %d, output %s; %s\n' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
    "$(awk -v a="$t1" -v b="$t2" 'BEGIN{print b-a}')" "$rc" "$([ "$n" = "$s" ] && echo same || echo DIFFERENT)" \
    "$(grep -o 'preemptions.*' "$B/stress.err")"
