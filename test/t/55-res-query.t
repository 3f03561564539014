#!/usr/bin/env bash
# Issue 15, item 4: res_query, res_search, res_querydomain, res_nquery and
# res_send follow the program's own _res (pointed at the test server) and
# wait on the hub: 200 threads asking a server that answers after 300 ms
# finish far sooner than 200 x 300 ms, with every answer right, and the
# answers, NXDOMAIN's h_errno and the search list are glibc's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../dns.sh"
plan 5
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
[ "$MAXTHREADS" -le 12 ]; ok $? "shim: the program's threads on one OS thread, glibc's calls on at most 10 workers ($MAXTHREADS threads)"
dns_stop
