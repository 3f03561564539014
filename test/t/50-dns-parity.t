#!/usr/bin/env bash
# Issue 5, acceptance 2 and 4: the parity program (test/legacy/dns_parity.c)
# prints the same answers natively and under the shim, with every resolver
# (ares, thread, block): first the questions glibc answers without DNS
# (localhost and the other names of /etc/hosts, numeric hosts, NULL host with
# AI_PASSIVE, service names and numbers, each flag, each early failure,
# getnameinfo flags, gethostbyname_r with a too small buffer), then the same
# and more against a test DNS server on loopback (CNAME chains, NXDOMAIN,
# NODATA, SERVFAIL, REFUSED, a truncated answer retried over TCP, the search
# list, reverse lookups), which the program points its own _res at natively.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../dns.sh"
plan 12

# Names of /etc/hosts (the program asks only what the file can answer).
mapfile -t hostnames < <(awk '!/^[[:space:]]*#/ && NF > 1 {for (i = 2; i <= NF; i++) if ($i !~ /^#/) print $i; else break}' /etc/hosts | sort -u | head -20)
diag "names from /etc/hosts: ${hostnames[*]}"

# Safety net: the shim never asks the machine's own servers here.
export GEVENT_RESOLVER_NAMESERVERS=127.0.0.1:9
n=$("$L/dns_parity" "${hostnames[@]}" | grep -c '^[0-9]')
ok $([ "$n" -gt 100 ]; echo $?) "without DNS: $n questions asked"
for m in ares thread block; do
    same_native_and_shim "without DNS, GEVENT_RESOLVER=$m: same answers natively and under the shim" \
        env GEVENT_RESOLVER=$m "$L/dns_parity" "${hostnames[@]}"
done

dns_zone "$T/zone"
dns_start "$T/dnsd.out" -l "$T/queries" "$T/zone"
dns_env
"$L/dns_parity" >"$T/native" 2>&1
like "$(grep -A1 '^[0-9]* getaddrinfo(chain.test, NULL, inet/0/0/0x2) = 0 ' "$T/native")" \
    "inet stream proto=6 flags=0x2 len=16 198.51.100.10 port=0 scope=0 canon=a.test" \
    "with DNS: natively the test server answers (a CNAME chain to a.test)"
like "$(cat "$T/native")" "getaddrinfo\\(big.test, NULL, NULL\\) = 0 " "with DNS: natively a truncated answer is retried over TCP"
for m in ares thread block; do
    : >"$T/queries"
    same_native_and_shim "with DNS, GEVENT_RESOLVER=$m: same answers natively and under the shim" \
        env GEVENT_RESOLVER=$m "$L/dns_parity"
done
# The shim's part of the last comparison went to the test server too.
ok $([ -s "$T/queries" ] && grep -q '^a.test 1$' "$T/queries"; echo $?) \
    "with DNS, the shim's questions reached the test server ($(wc -l <"$T/queries") queries)"
# h_errno, canonical names and EAI codes are part of the output compared.
like "$(cat "$T/native")" "getaddrinfo\\(nx.test, NULL, NULL\\) = EAI_NONAME \"Name or service not known\" h_errno=1" \
    "the comparison covers EAI codes and h_errno (nx.test: EAI_NONAME, HOST_NOT_FOUND)"
like "$(cat "$T/native")" "gethostbyname_r\(a.test, buflen=16\) = 34 \(Numerical result out of range\)" \
    "the comparison covers gethostbyname_r with a too small buffer (ERANGE)"
dns_stop
