# Sourced by the dns tests (test/t/5x): the test zone and a DNS server for
# it on a loopback port (build/tools/dnsd), so no question ever leaves the
# machine. The machine's own resolv.conf servers are never asked: every
# program run gets GEVENT_RESOLVER_NAMESERVERS (the shim) and DNS_TEST_NS
# (the test program points its own _res there when run natively).
DNSD=$PWD/$B/tools/dnsd

# dns_zone FILE [BULK]: the names the tests ask; BULK hI.bulk.test names
# (I < BULK) resolve to 198.18.(I>>8).(I&255).
dns_zone() {
    cat >"$1" <<'Z'
a.test A 198.51.100.10
v6.test AAAA 2001:db8::10
both.test A 198.51.100.11
both.test AAAA 2001:db8::11
multi.test A 198.51.100.21
multi.test A 203.0.113.5
multi.test A 192.0.2.77
multi.test AAAA 2001:db8::21
multi.test AAAA fd00::21
cname.test CNAME a.test
chain.test CNAME cname.test
dangling.test CNAME nx.test
nx.test NXDOMAIN
sf.test SERVFAIL
ref.test REFUSED
big.test MANY 60
short.test A 198.51.100.30
under_score.test A 198.51.100.31
x.test A 198.51.100.32
slow.test DROP
10.100.51.198.in-addr.arpa PTR a.test
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR v6.test
Z
    local n=${2:-0}
    [ "$n" -gt 0 ] && awk -v n="$n" 'BEGIN{for(i=0;i<n;i++) printf "h%d.bulk.test A 198.18.%d.%d\n", i, int(i/256), i%256}' >>"$1"
}

# dns_start OUT ARGS...: starts dnsd ARGS (zone last) with its stdout in
# OUT, waits until it listens; sets DNS_PORT and DNS_PID.
dns_start() {
    local out=$1; shift
    start "$DNSD" "$@" >"$out" 2>&1
    DNS_PID=${STARTED[-1]}
    DNS_PORT=$(listening_port "$out" 2)
}

dns_stop() { kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null; return 0; }

# The environment of both runs: the server, short timeouts (timeout:1
# attempts:2), and .test as the search domain.
dns_env() {
    export DNS_TEST_NS=127.0.0.1:$DNS_PORT GEVENT_RESOLVER_NAMESERVERS=127.0.0.1:$DNS_PORT
    export LOCALDOMAIN=test RES_OPTIONS="timeout:1 attempts:2"
}
