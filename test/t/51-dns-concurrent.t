#!/usr/bin/env bash
# Issue 5, acceptance 1 and 4: against a DNS server on loopback that answers
# after 300 ms, 500 threads resolving 500 different names all get the right
# address concurrently (a bounded multiple of one answer) on one OS thread; GEVENT_RESOLVER=thread keeps
# the lookups concurrent on a few native workers; =block answers too.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../dns.sh"
plan 9

dns_zone "$T/zone" 1000
dns_start "$T/dnsd.out" -d 300 "$T/zone"
dns_env
result() { grep -E '^(ok|FAILED) ' "$T/out"; } # the program's line, without sanitizer notes

sampled "$T/out" env LD_PRELOAD="$LIB" "$L/dns_many" 500
like "$(result)" "^ok 500/500 lookups" "ares: 500 threads, 500 names, every address right"
ok $(less_than "$ELAPSED" 6; echo $?) "ares: the lookups overlap: all done in $ELAPSED s (< 20 x one answer's 300 ms; 150 s one at a time)"
ok $([ "$MAXTHREADS" -le 2 ]; echo $?) "ares: on $MAXTHREADS OS thread(s) (<= 2)"
diag "ares: $(result)"

sampled "$T/out" "$L/dns_many" 500
like "$(result)" "^ok 500/500 lookups" "natively: the same 500 answers (glibc, $MAXTHREADS threads)"
diag "native: $(result)"

sampled "$T/out" env GEVENT_RESOLVER=thread LD_PRELOAD="$LIB" "$L/dns_many" 40
like "$(result)" "^ok 40/40 lookups" "thread: 40 names, every address right"
ok $(less_than "$ELAPSED" 8; echo $?) "thread: lookups overlap: $ELAPSED s for 40 answers of 300 ms each (< 8 s; 12 s one at a time)"
ok $([ "$MAXTHREADS" -ge 2 ] && [ "$MAXTHREADS" -le 12 ]; echo $?) \
    "thread: glibc's resolver on a few native workers ($MAXTHREADS threads, <= 12)"
diag "thread: $(result)"

sampled "$T/out" env GEVENT_RESOLVER=block LD_PRELOAD="$LIB" "$L/dns_many" 3
like "$(result)" "^ok 3/3 lookups" "block: glibc's resolver on the caller, right answers"
ok $([ "$MAXTHREADS" -le 2 ]; echo $?) "block: no worker threads ($MAXTHREADS)"
dns_stop
