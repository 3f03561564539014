#!/usr/bin/env bash
# Scale: 100,000 concurrent threads with 64 KiB stacks that sleep 2 s, and
# 1,000,000 threads created and joined in batches, natively and under the shim.
cd "$(dirname "$0")/.." || exit 2
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; L=$PWD/$B/legacy
. test/proc.sh
measure() { # prints: threads peak_rss_mib seconds ; command output to $OUT
    SAMPLE_S=0.05 sampled "$OUT" "$@"
    awk -v a="$MAXTHREADS" -v k="$PEAKRSS_KB" -v t="$ELAPSED" 'BEGIN{printf "%d %.0f %.2f\n", a, k/1024, t}'
}
OUT=$(mktemp)
echo "== scale: 100,000 threads, 64 KiB stacks, each sleeps 2 s (test/legacy/sleepers.c) =="
printf '%-16s %-52s %10s %10s %8s\n' "" "result" "OS thr" "peak MiB" "wall s"
read -r th mb s < <(measure "$L/sleepers" 100000 2000 64)
printf '%-16s %-52s %10s %10s %8s\n' "native" "$(grep -m1 -o 'pthread_create failed after [0-9]* threads: .*\|created.*' "$OUT")" "$th" "$mb" "$s"
read -r th mb s < <(measure env LD_PRELOAD="$LIB" "$L/sleepers" 100000 2000 64)
printf '%-16s %-52s %10s %10s %8s\n' "shim" "$(head -1 "$OUT")" "$th" "$mb" "$s"
echo
echo "== churn: 1,000,000 threads created and joined in batches of 10,000 (test/legacy/churn.c) =="
read -r th mb sn < <(measure "$L/churn" 100 10000); n_out=$(tail -1 "$OUT")
read -r th mb ss < <(measure env LD_PRELOAD="$LIB" "$L/churn" 100 10000); s_out=$(tail -1 "$OUT")
printf '%-8s %8s s   %s\n' native "$sn" "$n_out" shim "$ss" "$s_out"
awk -v a="$sn" -v b="$ss" 'BEGIN{printf "create+join: shim is %.1fx faster than native threads\n", a/b}'
rm -f "$OUT"
