# Sourced by test/lib.sh and by bench/*.sh: watching a program from /proc
# and waiting for a server to come up, written once. No TAP, no traps, no
# cd: the caller's own (tests and benches differ there).

# proc_sample PID: sets P_THREADS, P_HWM, P_RSS (KiB) from /proc/PID/status,
# empty once the process is gone. Shell builtins only: a sampler forking
# awk 50 times a second would take its share of a shared machine's cores
# from the run it measures.
proc_sample() {
    local k v rest
    P_THREADS='' P_HWM='' P_RSS=''
    {
        while IFS=$':\t ' read -r k v rest; do
            case $k in
            Threads) P_THREADS=$v ;;
            VmHWM) P_HWM=$v ;;
            VmRSS) P_RSS=$v ;;
            esac
        done </proc/"$1"/status
    } 2>/dev/null
}
# proc_status PID Threads|VmHWM|VmRSS: that one figure
proc_status() {
    proc_sample "$1"
    case $2 in Threads) echo "$P_THREADS" ;; VmHWM) echo "$P_HWM" ;; VmRSS) echo "$P_RSS" ;; esac
}

# sampled OUT CMD...: runs CMD with stdout+stderr to OUT, sampling its
# /proc status every SAMPLE_S seconds (default 0.02); sets RC, MAXTHREADS,
# PEAKRSS_KB (VmHWM), ELAPSED (seconds) and RQWAIT: the seconds its main
# thread spent runnable but waiting for a CPU (/proc/PID/schedstat, as of
# the last sample; 0 where the kernel has no schedstat), the machine's load
# rather than the program's doing. SAMPLE_LIMIT=S (whole seconds): the program is killed
# (SIGKILL, by PID) after S seconds, as `timeout -s KILL` would, and RC is
# then 137; a `timeout` wrapper instead would be the process sampled.
sampled() {
    local out=$1; shift
    local t0 t1 pid w rq=0 lim=${SAMPLE_LIMIT:-}
    # `shim` is a function: in the background it would be a bash subshell,
    # and /proc would show the subshell, not the program.
    if [ "$1" = shim ]; then shift; set -- env LD_PRELOAD="$LIB" "$@"; fi
    t0=$(date +%s.%N)
    "$@" >"$out" 2>&1 &
    pid=$!
    [ -n "$lim" ] && lim=$((${EPOCHREALTIME/./} + lim * 1000000)) # deadline in us
    MAXTHREADS=0 PEAKRSS_KB=0
    while kill -0 "$pid" 2>/dev/null; do
        proc_sample "$pid"
        [ -n "$P_THREADS" ] && [ "$P_THREADS" -gt "$MAXTHREADS" ] && MAXTHREADS=$P_THREADS
        [ -n "$P_HWM" ] && [ "$P_HWM" -gt "$PEAKRSS_KB" ] && PEAKRSS_KB=$P_HWM
        read -r _ w _ 2>/dev/null <"/proc/$pid/schedstat" && [ -n "$w" ] && rq=$w
        if [ -n "$lim" ] && ((${EPOCHREALTIME/./} > lim)); then
            kill -KILL "$pid" 2>/dev/null
            break
        fi
        sleep "${SAMPLE_S:-0.02}"
    done
    wait "$pid"
    RC=$?
    t1=$(date +%s.%N)
    ELAPSED=$(awk "BEGIN{print $t1-$t0}")
    RQWAIT=$(awk "BEGIN{print $rq / 1e9}")
}

# listening_port FILE [FIELD]: waits (up to 20 s) for the line a server
# prints once it listens ("listening on PORT", FIELD 3 by default; dnsd's
# "listening PORT" is FIELD 2) and prints the port; empty if none came.
listening_port() {
    local f=$1 field=${2:-3}
    for _ in $(seq 1 400); do grep -q listening "$f" 2>/dev/null && break; sleep 0.05; done
    awk -v n="$field" '/listening/{print $n; exit}' "$f" 2>/dev/null
}
