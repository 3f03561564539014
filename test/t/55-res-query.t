#!/usr/bin/env bash
# Issue 15, item 4: res_query, res_search, res_querydomain, res_nquery and
# res_send follow the program's own _res (pointed at the test server) and
# are asked by c-ares on the hub: 200 threads asking a server that answers
# after 300 ms finish far sooner than 200 x 300 ms on one OS thread, with
# every answer right, and the answers (byte for byte but the random id,
# a TCP answer longer than the buffer, the error answer left in the buffer),
# NXDOMAIN's h_errno, another class and the search list are glibc's.
# GEVENT_RESOLVER=thread (glibc's functions on workers) answers the same.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../dns.sh"
plan 7
dns_zone "$T/zone" 300
dns_start "$T/dnsd.out" -d 300 "$T/zone"
dns_env
native=$("$L/res_many" 20 2>&1)
shim_out=$(shim "$L/res_many" 20 2>&1)
is "$shim_out" "$native" "20 threads: the same answers natively and under the shim (res_query, res_search, h_errno, res_querydomain, res_nquery, res_send)"
sampled "$T/out" shim "$L/res_many" 200
like "$(head -1 "$T/out")" "^ok 200/200 res_query answers right" "shim: 200 threads' res_query answers all right"
less_than "$ELAPSED" 30; ok $? "shim: 200 x res_query of 300 ms each overlap: ${ELAPSED} s (60 s one at a time)"
is "$RC" 0 "shim: exit status 0"
[ "$MAXTHREADS" -le 1 ]; ok $? "shim: the program's threads and their queries on one OS thread ($MAXTHREADS threads)"
thr_out=$(GEVENT_RESOLVER=thread shim "$L/res_many" 20 2>&1)
is "$thr_out" "$native" "GEVENT_RESOLVER=thread: the same answers (glibc's functions on workers)"
blk_out=$(GEVENT_RESOLVER=block shim "$L/res_many" 3 2>&1)
is "$blk_out" "$("$L/res_many" 3 2>&1)" "GEVENT_RESOLVER=block: the same answers (glibc's functions on the caller)"
dns_stop
