#!/usr/bin/env bash
# Issue 5: GEVENT_RESOLVER and GEVENT_RESOLVER_NAMESERVERS: a bad value is
# one line on stderr naming the variable and exit status 2; good ones are
# taken (IPv6 as [addr]:port); the patch table lists the dns symbols,
# res_query/res_search among them (issue 15); GEVENT_PATCH_DNS=0 passes
# every call straight to glibc; a fork during lookups leaks nothing into
# the child, which resolves afresh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../dns.sh"
bad=("1.2.3" "127.0.0.1:99999" "[::1" "::1]:53" "" "example.com" "127.0.0.1:0" "127.0.0.1," "[fe80::1%lo]:53" "127.0.0.1:53x")
plan $((${#bad[@]} + 9))

for v in "${bad[@]}"; do
    out=$(GEVENT_RESOLVER_NAMESERVERS=$v LD_PRELOAD="$LIB" /bin/true 2>&1); rc=$?
    ok $([ "$rc" = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && [[ "$out" == *"GEVENT_RESOLVER_NAMESERVERS=\"$v\""* ]]; echo $?) \
        "GEVENT_RESOLVER_NAMESERVERS=\"$v\": exit 2, one line naming it ($out)"
done
out=$(GEVENT_RESOLVER_NAMESERVERS='127.0.0.1:5353,[::1]:53,::1,10.0.0.1' LD_PRELOAD="$LIB" /bin/echo fine 2>&1)
is "$out" "fine" "good GEVENT_RESOLVER_NAMESERVERS values are taken"
out=$(GEVENT_RESOLVER=thr LD_PRELOAD="$LIB" /bin/true 2>&1); rc=$?
ok $([ "$rc" = 2 ] && [[ "$out" == *GEVENT_RESOLVER=* ]]; echo $?) "GEVENT_RESOLVER=thr: exit 2 ($out)"

report=$(GEVENT_REPORT=1 LD_PRELOAD="$LIB" /bin/true 2>&1)
n=$(grep -cE '^dns +(getaddrinfo|freeaddrinfo|gai_strerror|getnameinfo|gethostbyname|gethostbyname2|gethostbyname_r|gethostbyname2_r|gethostbyaddr|gethostbyaddr_r) +patched$' <<<"$report")
is "$n" 10 "the patch table: the ten getaddrinfo-family symbols patched"
like "$report" $'\n''dns +res_query +patched' "the patch table: res_query patched (glibc's call on a worker, issue 15)"
like "$(GEVENT_PATCH_DNS=0 GEVENT_REPORT=1 LD_PRELOAD="$LIB" /bin/true 2>&1)" \
    $'\n''dns +getaddrinfo +off \(switched off by GEVENT_PATCH_DNS=0\)' "GEVENT_PATCH_DNS=0 switches them off"

dns_zone "$T/zone" 100
dns_start "$T/dnsd.out" "$T/zone"
dns_env
same_native_and_shim "GEVENT_PATCH_DNS=0: glibc's own answers" env GEVENT_PATCH_DNS=0 "$L/dns_parity"
dns_stop
dns_start "$T/dnsd.out" -d 300 "$T/zone" # lookups still waiting when the program forks
dns_env
for m in ares thread; do
    out=$(env GEVENT_RESOLVER=$m LD_PRELOAD="$LIB" "$L/dns_fork" 2>&1 | grep -E '^(child|parent):')
    is "$out" $'child: own lookups ok\nparent: 20/20 lookups ok, child exit 0' \
        "$m: a fork while 20 lookups wait: the child resolves afresh, the parent's lookups finish"
done
same_native_and_shim "fork during lookups: the same natively" sh -c "'$L/dns_fork' 2>&1 | grep -E '^(child|parent):'"
dns_stop
