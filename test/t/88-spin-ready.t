#!/usr/bin/env bash
# "Nothing ready" answers yield first (issue 14, item 1): a thread spinning
# on a zero-timeout poll, EAGAIN, a trylock, WNOHANG or a zero-timeout
# sigtimedwait lets the thread that makes it ready run. Each case finishes
# under the shim, with the same output as natively, within 100x of the
# native time and under 2 s, on at most 2 OS threads.
. "$(dirname "$0")/../lib.sh"
cases=(poll ppoll select pselect epoll_wait epoll_pwait read recv accept send connect
    mutex_trylock rwlock_tryrdlock rwlock_trywrlock spin_trylock sem_trywait tryjoin waitpid
    sigtimedwait)
plan $((${#cases[@]} + 1))
"$L/spin_ready" >"$T/n.out" 2>"$T/n.err"
sampled "$T/s.all" shim "$L/spin_ready"
maxth=$MAXTHREADS
LD_PRELOAD=$LIB "$L/spin_ready" >"$T/s.out" 2>"$T/s.err"
for c in "${cases[@]}"; do
    n=$(grep "^$c " "$T/n.out")
    s=$(grep "^$c " "$T/s.out")
    nt=$(awk -v c="$c" '$1 == "time" && $2 == c {print $3}' "$T/n.err")
    st=$(awk -v c="$c" '$1 == "time" && $2 == c {print $3}' "$T/s.err")
    [ -n "$n" ] && [ "$n" == "$s" ] && less_than "$st" 2000 && less_than "$st" "$(awk -v n="$nt" 'BEGIN{print n * 100}')"
    ok $? "$c: \"$s\" as natively (\"$n\"), in $st ms (native $nt ms)"
done
[ "$maxth" -le 2 ]; ok $? "at most 2 OS threads under the shim (saw $maxth)"
