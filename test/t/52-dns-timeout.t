#!/usr/bin/env bash
# Issue 5, acceptance 3: a DNS server that never answers: getaddrinfo
# returns EAI_AGAIN after the configured timeout and attempts (resolv.conf
# options, here RES_OPTIONS="timeout:1 attempts:2", and the search list
# LOCALDOMAIN=test: two names tried, 4 s natively), never hangs, and the
# other greenlets keep running meanwhile (a thread ticking every 20 ms). A
# server that refuses (closed port) gives EAI_AGAIN at once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../dns.sh"
plan 11

dns_zone "$T/zone"
dns_start "$T/dnsd.out" -n "$T/zone"
dns_env
# "slow.test: EAI_AGAIN after 4.00 s, ticks 198"
secs() { sed -n 's/.* after \([0-9.]*\) s.*/\1/p' <<<"$1"; }
ticks() { sed -n 's/.*ticks \([0-9]*\).*/\1/p' <<<"$1"; }

native=$("$L/dns_timeout" slow.test)
tn=$(secs "$native")
like "$native" "^slow.test: EAI_AGAIN after" "natively: EAI_AGAIN ($native)"
sampled "$T/out" env LD_PRELOAD="$LIB" "$L/dns_timeout" slow.test
out=$(cat "$T/out")
ts=$(secs "$out")
like "$out" "^slow.test: EAI_AGAIN after" "ares: EAI_AGAIN ($out)"
ok $(awk -v a="$ts" -v b="$tn" 'BEGIN{exit !(a >= b - 0.5 && a <= b + 1.5)}'; echo $?) \
    "ares: after the configured timeouts, as glibc ($ts s vs $tn s natively)"
ok $(awk -v t="$(ticks "$out")" -v s="$ts" 'BEGIN{exit !(t >= s / 0.02 / 2)}'; echo $?) \
    "ares: the other thread kept running meanwhile ($(ticks "$out") ticks of 20 ms)"
ok $([ "$MAXTHREADS" -le 2 ]; echo $?) "ares: on $MAXTHREADS OS thread(s)"

out=$(env GEVENT_RESOLVER=thread LD_PRELOAD="$LIB" "$L/dns_timeout" slow.test inet)
native=$("$L/dns_timeout" slow.test inet)
like "$out" "^slow.test: EAI_AGAIN after" "thread: EAI_AGAIN ($out; natively $native)"
ok $(awk -v t="$(ticks "$out")" -v s="$(secs "$out")" 'BEGIN{exit !(t >= s / 0.02 / 2)}'; echo $?) \
    "thread: the other thread kept running meanwhile ($(ticks "$out") ticks)"
dns_stop

# A closed port: refused at once, by glibc and by the shim alike.
export DNS_TEST_NS=127.0.0.1:9 GEVENT_RESOLVER_NAMESERVERS=127.0.0.1:9
native=$("$L/dns_timeout" a.test)
like "$native" "^a.test: EAI_AGAIN after 0" "natively: a refusing server gives EAI_AGAIN at once ($native)"
for m in ares thread; do
    out=$(env GEVENT_RESOLVER=$m LD_PRELOAD="$LIB" "$L/dns_timeout" a.test)
    like "$out" "^a.test: EAI_AGAIN after 0" "$m: a refusing server gives EAI_AGAIN at once ($out)"
done
same_native_and_shim "a refusing server: the same EAI_AGAIN (also from the search list) natively and under the shim" \
    sh -c "'$L/dns_timeout' x inet6 | sed 's/ after.*//'"
