#!/usr/bin/env bash
# Issue 3, acceptance 5: real programs from Debian under the shim, loopback
# only, every run bounded: curl fetching from python3 -m http.server, the
# server itself under the shim, socat relaying between two local ports, nc
# (netcat-openbsd) receiving and sending, a python3 HTTP client.
. "$(dirname "$0")/../lib.sh"
plan 11
PY=/usr/bin/python3
for p in curl socat nc "$PY"; do
    command -v "$p" >/dev/null || { for i in $(seq 1 11); do fail "$p missing (make deps)"; done; exit 0; }
done

mkdir -p "$T/www"
head -c 1000000 /dev/urandom >"$T/www/blob"
sum=$(md5sum <"$T/www/blob" | cut -d' ' -f1)

# serve PRE...: python3 -m http.server on a free port (PRE: "" or "shim");
# sets PORT and SP
serve() {
    local try
    for try in 1 2 3; do
        PORT=$((10000 + RANDOM % 22000))
        if [ "${1:-}" = shim ]; then
            LD_PRELOAD=$LIB "$PY" -m http.server -b 127.0.0.1 -d "$T/www" "$PORT" >"$T/http.log" 2>&1 &
        elif [ "${1:-}" = shim-nothread ]; then
            GEVENT_PATCH_THREAD=0 LD_PRELOAD=$LIB "$PY" -m http.server -b 127.0.0.1 -d "$T/www" \
                "$PORT" >"$T/http.log" 2>&1 &
        else
            "$PY" -m http.server -b 127.0.0.1 -d "$T/www" "$PORT" >"$T/http.log" 2>&1 &
        fi
        SP=$!
        STARTED+=("$SP")
        for _ in $(seq 1 20); do # up to ~20 s when it starts but does not answer
            curl -s -m 1 -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && return 0
            kill -0 "$SP" 2>/dev/null || break # the port was taken: another one
            sleep 0.05
        done
        kill -0 "$SP" 2>/dev/null && return 1
    done
    return 1
}
# Ports below the ephemeral range (32768-60999): after the 19,000-connection
# test, thousands of those are in TIME_WAIT and refuse a listener's bind.
free_port() { # a port nobody listens on now
    local p
    while :; do
        p=$((10000 + RANDOM % 22000))
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
}

# asan_wrap_fails CMD...: under make test SANITIZE=1, true when CMD fails
# with, instead of the shim, a library built with -fsanitize=address that
# only wraps pthread_rwlock_rdlock (one stack array, then the original),
# preloaded. gnutls's constructor (curl links it) takes that lock; libasan,
# a dependency of the preloaded library, is initialised after the
# program's own libraries' constructors, so any instrumented code they
# reach runs before its shadow memory exists and faults. The control that
# makes the sanitizer build's curl runs expected failures, never passes.
asan_wrap_fails() {
    [ "${GP_SANITIZE:-}" = 1 ] || return 1
    cat >"$T/wrap.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    static int (*real)(pthread_rwlock_t *);
    volatile char frame[16];
    frame[(unsigned long)l & 15] = 1;
    if (!real) real = (int (*)(pthread_rwlock_t *))dlsym(RTLD_NEXT, "pthread_rwlock_rdlock");
    return real(l);
}
EOF
    cc -shared -fPIC -fsanitize=address -o "$T/libwrap.so" "$T/wrap.c" || return 1
    ! LD_PRELOAD="$T/libwrap.so" ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
        timeout 60 "$@" >/dev/null 2>&1
}

serve || fail "python3 -m http.server did not start"
if asan_wrap_fails curl -s -m 15 -o /dev/null "http://127.0.0.1:$PORT/blob"; then
    # Known gap of the sanitizer build only (make test runs these with the
    # release build): gnutls's constructor calls the hooked
    # pthread_rwlock_rdlock before libasan is initialised.
    for d in "curl under the shim fetches 1 MB from python3 -m http.server, byte for byte" \
        "curl under the shim: a missing page is a 404" \
        "curl under the shim: a closed port is 'connection refused' (exit 7), as natively"; do
        todo "$d" "sanitizer build: gnutls's constructor reaches the shim's instrumented hooks before libasan is initialised; an ASan-built library wrapping only pthread_rwlock_rdlock fails without the shim too"
    done
else
    got=$(shim timeout 20 curl -s -m 15 "http://127.0.0.1:$PORT/blob" | md5sum | cut -d' ' -f1)
    is "$got" "$sum" "curl under the shim fetches 1 MB from python3 -m http.server, byte for byte"
    code=$(shim timeout 20 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nothing-here")
    is "$code" "404" "curl under the shim: a missing page is a 404"
    code=$(shim timeout 20 curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(free_port)/"; echo " $?")
    is "$code" "000 7" "curl under the shim: a closed port is 'connection refused' (exit 7), as natively"
fi
out=$(shim timeout 20 "$PY" -c "
import urllib.request, hashlib
d = urllib.request.urlopen('http://127.0.0.1:$PORT/blob', timeout=10).read()
print(hashlib.md5(d).hexdigest())" 2>&1)
is "$out" "$sum" "a python3 HTTP client (urllib) under the shim fetches the same bytes"

# socat under the shim relays a local port to the server: curl goes through it
listening() { # listening PORT: someone listens on 127.0.0.1:PORT (without connecting)
    local hex
    hex=$(printf '0100007F:%04X' "$1")
    awk -v a="$hex" '$2 == a && $4 == "0A" {f = 1} END {exit !f}' /proc/net/tcp
}
RP=$(free_port)
LD_PRELOAD=$LIB timeout 30 socat TCP-LISTEN:$RP,bind=127.0.0.1,reuseaddr TCP:127.0.0.1:$PORT \
    >"$T/socat.log" 2>&1 &
rp=$!
STARTED+=("$rp")
for _ in $(seq 1 100); do listening "$RP" && break; sleep 0.05; done
got=$(timeout 20 curl -s -m 15 "http://127.0.0.1:$RP/blob" 2>/dev/null | md5sum | cut -d' ' -f1)
is "$got" "$sum" "socat under the shim relays TCP-LISTEN -> TCP between two local ports, 1 MB intact"
wait "$rp"
rc=$?
is "$rc" 0 "socat under the shim exits 0 after the relayed connection closed"
diag "socat log: $(head -3 "$T/socat.log")"
kill "$SP" 2>/dev/null
wait "$SP" 2>/dev/null

# the server under the shim (request threads real: thread patch off)
fetch8() { # 8 concurrent fetches of the blob; 1 when all came back intact
    local i n
    rm -f "$T"/c[1-8]
    for i in 1 2 3 4 5 6 7 8; do
        (timeout 20 curl -s -m 15 "http://127.0.0.1:$PORT/blob" | md5sum | cut -d' ' -f1 >"$T/c$i") &
    done
    for _ in $(seq 1 200); do
        n=$(cat "$T"/c[1-8] 2>/dev/null | grep -c "$sum")
        [ "$n" -eq 8 ] && { echo 1; return; }
        sleep 0.1
    done
    echo 0
}
if serve shim-nothread; then
    is "$(fetch8)" 1 "python3 -m http.server under the shim (threads real) serves 8 concurrent 1 MB fetches"
else
    fail "python3 -m http.server under the shim (threads real) did not start"
fi
kill "$SP" 2>/dev/null
wait "$SP" 2>/dev/null
# all patched: its request threads are greenlets (Python's locks wait in
# sem_clockwait, a hooked call)
if serve shim && [ "$(fetch8)" = 1 ]; then
    th=$(proc_status "$SP" Threads)
    ok $([ -n "$th" ] && [ "$th" -le 2 ]; echo $?) \
        "python3 -m http.server fully under the shim serves 8 concurrent fetches on ${th:-?} OS thread(s)"
else
    fail "python3 -m http.server fully under the shim serves 8 concurrent fetches"
fi
kill "$SP" 2>/dev/null
wait "$SP" 2>/dev/null

# nc: a listener under the shim receives, a sender under the shim sends
NP=$(free_port)
LD_PRELOAD=$LIB timeout 20 nc -l 127.0.0.1 "$NP" >"$T/nc.out" 2>"$T/nc.err" &
np=$!
STARTED+=("$np")
for _ in $(seq 1 100); do listening "$NP" && break; sleep 0.05; done
timeout 20 nc -N 127.0.0.1 "$NP" <"$T/www/blob" 2>/dev/null
sent=$?
wait "$np"
rc=$?
is "$(md5sum <"$T/nc.out" | cut -d' ' -f1) $rc $sent" "$sum 0 0" "nc -l under the shim receives 1 MB intact and exits 0"
NP=$(free_port)
timeout 20 nc -l 127.0.0.1 "$NP" >"$T/nc2.out" 2>/dev/null &
np=$!
STARTED+=("$np")
for _ in $(seq 1 100); do listening "$NP" && break; sleep 0.05; done
# -v: a failed connect is silent otherwise (exit 1, nothing said)
LD_PRELOAD=$LIB GEVENT_STATS=1 timeout 20 nc -v -N 127.0.0.1 "$NP" <"$T/www/blob" 2>"$T/nc2.err"
sent=$?
wait "$np"
got="$(md5sum <"$T/nc2.out" | cut -d' ' -f1) $sent"
is "$got" "$sum 0" "nc under the shim sends 1 MB from a shell redirect intact (nc -N)"
[ "$got" = "$sum 0" ] || diag "$(head -30 "$T/nc2.err")"
# nc under the shim as a client of the shimmed http server's protocol: a raw request
serve || fail "python3 -m http.server did not start"
out=$(printf 'GET /blob HTTP/1.0\r\nHost: x\r\n\r\n' | shim timeout 20 nc 127.0.0.1 "$PORT" | head -1 | tr -d '\r')
is "$out" "HTTP/1.0 200 OK" "nc under the shim speaks HTTP to python3 -m http.server"
kill "$SP" 2>/dev/null
wait "$SP" 2>/dev/null
exit 0 # the last wait returns the killed server's status (143)
