#!/usr/bin/env bash
# Issue 5, acceptance 5: 10,000 lookups of every kind (getaddrinfo with and
# without AI_CANONNAME, gethostbyname_r, getnameinfo; DNS names, CNAMEs,
# NXDOMAIN, /etc/hosts, numeric) from 20 threads under the shim and valgrind:
# no invalid access, no definite leak, right answers.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../dns.sh"
plan 3

dns_zone "$T/zone"
dns_start "$T/dnsd.out" "$T/zone"
dns_env
out=$(LD_PRELOAD="$LIB" "$L/dns_leak" 20 500 2>&1 | grep '^done')
like "$out" "^done 10000 lookups, 1250 failures as expected$" "10,000 lookups under the shim, right answers ($out)"
# valgrind cannot run ASan code: under make test SANITIZE=1 the valgrind
# runs use the release build of the library (release_lib), as tests 71
# and 74 do; the run above was the sanitizer build's.
release_lib
LD_PRELOAD="$LIB" timeout 500 valgrind -q --error-exitcode=9 --leak-check=full \
    --errors-for-leak-kinds=definite "$L/dns_leak" 20 500 >"$T/out" 2>"$T/vg"
rc=$?
is "$rc" 0 "valgrind: 10,000 lookups under the shim: no error, no definite leak"
[ "$rc" = 0 ] || diag "$(head -40 "$T/vg")"
like "$(cat "$T/out")" "^done 10000 lookups, 1250 failures as expected$" "valgrind: the same answers"
dns_stop
