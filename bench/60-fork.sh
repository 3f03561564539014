#!/usr/bin/env bash
# fork + _exit + waitpid (bench/fork_bench.c), natively and under the shim,
# rounds interleaved; the best round of each (the one the machine's load
# disturbed least) and the median, per fork: wall clock and CPU time of
# parent plus child. "bare": the program never waited on anything else (no
# hub yet); "hub": it did once (the hub exists, the child resets it).
cd "$(dirname "$0")/.." || exit 2
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; X=$PWD/$B/bench/fork_bench
N=${GP_FORK_N:-200} R=${GP_FORK_ROUNDS:-7}
T=$(mktemp -d /tmp/gp-fork.XXXXXX); trap 'rm -rf "$T"' EXIT
echo "== fork+exit+waitpid: $N forks a run, $R runs each, interleaved (us per fork) =="
for r in $(seq 1 "$R"); do
    for mode in bare hub; do
        "$X" "$N" "$mode" >>"$T/native.$mode"
        LD_PRELOAD="$LIB" "$X" "$N" "$mode" >>"$T/shim.$mode"
    done
done
stat() { sort -n -k"$2" "$1" | awk -v k="$2" '{v[NR]=$k} END {printf "%.0f %.0f", v[1], v[int((NR+1)/2)]}'; }
printf '%-6s %-8s %10s %10s %10s %10s\n' "" "" "wall best" "wall med" "cpu best" "cpu med"
for mode in bare hub; do
    for m in native shim; do
        read -r wb wm <<<"$(stat "$T/$m.$mode" 1)"
        read -r cb cm <<<"$(stat "$T/$m.$mode" 2)"
        printf '%-6s %-8s %10s %10s %10s %10s\n' "$mode" "$m" "$wb" "$wm" "$cb" "$cm"
        eval "${m}_wb=$wb ${m}_cb=$cb ${m}_cm=$cm"
    done
    awk -v a="$shim_wb" -v b="$native_wb" -v c="$shim_cb" -v d="$native_cb" -v e="$shim_cm" -v f="$native_cm" -v m="$mode" \
        'BEGIN {printf "%-6s shim/native: wall %.2fx, cpu %.2fx (median %.2fx)\n", m, a/b, c/d, e/f}'
done
