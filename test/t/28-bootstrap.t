#!/usr/bin/env bash
# Bootstrap: what the shim calls while it starts (allocation, dlsym, the
# hub's creation) may re-enter any hook and must reach the originals.
# Threaded programs under jemalloc, tcmalloc and mimalloc preloaded before
# and after the shim; a library constructor that starts threads, opens a
# socket and resolves a name before main; Debian's redis-server (linked with
# jemalloc) answering redis-cli and redis-benchmark.
. "$(dirname "$0")/../lib.sh"
plan 13
A=/usr/lib/x86_64-linux-gnu
native=$(timeout 60 "$L/alloc_threads" 2>&1)
# Under make test SANITIZE=1 the sanitizer runtime comes in as the shim's
# own dependency, so it is loaded after a preloaded allocator (and after
# one the program links). libasan after another allocator crashes without
# the shim too: that control, run here natively, makes a mismatch an
# expected failure of the sanitizer build (naming the control's status),
# never a pass; a control that works makes it a plain failure.
ASANRT=
if [ "${GP_SANITIZE:-}" = 1 ]; then
    ASANRT=$(ldd "$LIB" | awk '/libasan\.so/{print $3}')
fi
# alloc_check DESC ALLOCATOR CMD...: the shim's run matches native
alloc_check() {
    local desc=$1 a=$2 out c; shift 2
    out=$("$@" 2>&1)
    if [ "$out" == "$native" ]; then pass "$desc"; return; fi
    if [ -n "$ASANRT" ]; then
        LD_PRELOAD="$A/$a $ASANRT" ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
            timeout 60 "$L/alloc_threads" >/dev/null 2>&1; c=$?
        if [ "$c" -ne 0 ]; then
            todo "$desc" "sanitizer build: libasan loads after $a (the shim's dependency); libasan after $a fails without the shim too (status $c)"
            return
        fi
    fi
    fail "$desc"; diag "got: $out"
}
for a in libjemalloc.so.2 libtcmalloc.so.4 libmimalloc.so.2; do
    if [ ! -e "$A/$a" ]; then
        fail "$a is installed (make deps)"; fail "$a after the shim"; continue
    fi
    alloc_check "alloc_threads with $a preloaded before the shim: same output as natively" "$a" \
        env LD_PRELOAD="$A/$a $LIB" timeout 60 "$L/alloc_threads"
    alloc_check "alloc_threads with $a preloaded after the shim: same output as natively" "$a" \
        env LD_PRELOAD="$LIB $A/$a" timeout 60 "$L/alloc_threads"
done
same_native_and_shim "a library constructor starts threads, listens and resolves before main" \
    timeout 60 "$L/ctor_main"

# redis-server (Debian's, linked with jemalloc) on a loopback port.
port=17379
redis() { # redis NAME ARGS...: started under the shim; its PID in RPID
    local name=$1; shift
    mkdir -p "$T/$name"
    (cd "$T/$name" && exec env LD_PRELOAD="$LIB" redis-server --port "$port" --bind 127.0.0.1 \
        --save '' --appendonly no --daemonize no "$@") >"$T/$name.log" 2>&1 &
    RPID=$!
    STARTED+=("$RPID")
    for _ in $(seq 200); do
        [ "$(timeout 2 redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
        kill -0 "$RPID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
stop_redis() { kill "$RPID" 2>/dev/null; wait "$RPID" 2>/dev/null; }
# bench_ok: every request of redis-benchmark answered, and SET/GET round trip.
bench_ok() {
    local b v
    b=$(timeout 120 redis-benchmark -p "$port" -q -n 2000 -c 20 -t ping,set,get 2>&1 | tr '\r' '\n')
    diag "$(grep 'requests per second' <<<"$b")"
    [ "$(grep -c 'requests per second' <<<"$b")" -ge 4 ] || return 1 # PING_INLINE, PING_MBULK, SET, GET
    grep -qi 'error' <<<"$b" && return 1
    timeout 10 redis-cli -p "$port" set gp:key "value $$" >/dev/null || return 1
    v=$(timeout 10 redis-cli -p "$port" get gp:key)
    [ "$v" = "value $$" ]
}

# The sanitizer build's control for redis-server, which links jemalloc:
# libasan loaded after jemalloc fails without the shim too.
asan_after_jemalloc_fails() {
    [ -n "$ASANRT" ] && ! LD_PRELOAD="$A/libjemalloc.so.2 $ASANRT" \
        ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 timeout 60 "$L/alloc_threads" >/dev/null 2>&1
}
why_jemalloc="sanitizer build: redis-server links jemalloc, loaded before libasan (the shim's dependency), which fails without the shim too"
# Debian's redis-server is linked with jemalloc, whose background thread
# (redis' default jemalloc-bg-thread yes) is made with libc's own
# pthread_create: a native OS thread that waits on a condition variable
# the main thread's greenlet signals (it sleeps in futex on it, issue 11).
if redis bg --jemalloc-bg-thread no; then
    pass "redis-server (jemalloc-bg-thread no) starts under the shim and answers PING"
    bench_ok; ok $? "redis-benchmark -n 2000 ping,set,get: every request answered, SET/GET round trip"
elif asan_after_jemalloc_fails; then
    todo "redis-server (jemalloc-bg-thread no) starts under the shim and answers PING" "$why_jemalloc"
    todo "redis-benchmark under the shim" "$why_jemalloc"
else
    fail "redis-server (jemalloc-bg-thread no) starts under the shim and answers PING"
    fail "redis-benchmark under the shim"
    diag "$(tail -5 "$T/bg.log")"
fi
stop_redis
# bgsave_ok: BGSAVE forks a child that writes dump.rdb, the parent reaps it.
bgsave_ok() {
    local i st
    timeout 10 redis-cli -p "$port" bgsave | grep -q 'Background saving started' || return 1
    for i in $(seq 200); do
        st=$(timeout 5 redis-cli -p "$port" info persistence | tr -d '\r')
        grep -q '^rdb_bgsave_in_progress:0' <<<"$st" && break
        sleep 0.05
    done
    grep -q '^rdb_last_bgsave_status:ok' <<<"$st" && [ -s "$T/default/dump.rdb" ]
}
if redis default; then
    pass "redis-server with its default configuration (jemalloc's background thread) starts under the shim"
    bench_ok; ok $? "... redis-benchmark: every request answered, SET/GET round trip"
    bgsave_ok; ok $? "... BGSAVE: the forked child writes dump.rdb, status ok"
    th=$(awk '/^Threads:/{print $2}' /proc/$RPID/status 2>/dev/null)
    diag "redis-server default: Threads: $th (its main thread, jemalloc's background thread)"
elif asan_after_jemalloc_fails; then
    todo "redis-server with its default configuration (jemalloc's background thread) starts under the shim" "$why_jemalloc"
    todo "... redis-benchmark" "$why_jemalloc"
    todo "... BGSAVE" "$why_jemalloc"
else
    fail "redis-server with its default configuration (jemalloc's background thread) starts under the shim"
    fail "... redis-benchmark"; fail "... BGSAVE"
    diag "$(tail -4 "$T/default.log")"
fi
stop_redis
# A program started with jemalloc preloaded before the shim, and redis with
# jemalloc linked, both reach main: no recursion at start.
out=$(LD_PRELOAD="$A/libjemalloc.so.2 $LIB" GEVENT_REPORT=1 timeout 20 "$L/sleepers" 2 10 2>&1 | tail -1)
if [ "$out" != "created 2, joined 2, slept enough 2" ] && asan_after_jemalloc_fails; then
    todo "jemalloc then the shim, with GEVENT_REPORT (hub made in the constructor)" \
        "sanitizer build: libasan after jemalloc fails without the shim too"
else
    is "$out" "created 2, joined 2, slept enough 2" "jemalloc then the shim, with GEVENT_REPORT (hub made in the constructor)"
fi
