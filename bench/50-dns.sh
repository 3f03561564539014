#!/usr/bin/env bash
# Names: 1,000 concurrent lookups of 1,000 different names (one thread
# each, test/legacy/dns_many.c) against a DNS server on loopback
# (test/tools/dnsd), lookups per second: the shim with c-ares on the hub,
# the shim with glibc's resolver on worker threads, native threads. The
# same binary throughout; each program points its own resolver at the
# server, the shim gets GEVENT_RESOLVER_NAMESERVERS.
cd "$(dirname "$0")/.." || exit 2
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; L=$PWD/$B/legacy
T=$(mktemp -d); trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
awk 'BEGIN{for(i=0;i<1000;i++) printf "h%d.bulk.test A 198.18.%d.%d\n", i, int(i/256), i%256}' >"$T/zone"
. test/proc.sh
threads() { # CMD...: prints "lookups/s peak-threads result"
    SAMPLE_S=0.01 sampled "$T/out" "$@"
    echo "$(sed -n 's/.* \([0-9]*\) lookups\/s$/\1/p' "$T/out") $MAXTHREADS $(cut -d' ' -f1-2 "$T/out")"
}
for delay in 0 50; do
    "$PWD/$B/tools/dnsd" -d $delay "$T/zone" >"$T/dnsd" 2>&1 & pid=$!
    port=$(listening_port "$T/dnsd" 2)
    export DNS_TEST_NS=127.0.0.1:$port GEVENT_RESOLVER_NAMESERVERS=127.0.0.1:$port
    echo "== dns: 1,000 threads each resolve a different name, server answers after $delay ms =="
    printf '%-22s %12s %10s   %s\n' "" "lookups/s" "threads" "result"
    read -r ra ta res < <(threads env LD_PRELOAD="$LIB" "$L/dns_many" 1000)
    printf '%-22s %12s %10s   %s\n' "shim (ares)" "$ra" "$ta" "$res"
    read -r rt tt res < <(threads env GEVENT_RESOLVER=thread LD_PRELOAD="$LIB" "$L/dns_many" 1000)
    printf '%-22s %12s %10s   %s\n' "shim (thread)" "$rt" "$tt" "$res"
    read -r rn tn res < <(threads "$L/dns_many" 1000)
    printf '%-22s %12s %10s   %s\n' "native threads" "$rn" "$tn" "$res"
    awk -v a="$ra" -v t="$rt" -v n="$rn" 'BEGIN{printf "shim (ares) is %.1fx native threads, %.1fx shim (thread)\n", a/n, a/t}'
    kill $pid; wait $pid 2>/dev/null
    echo
done
