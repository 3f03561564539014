#!/usr/bin/env bash
# Issue 11: multi-threaded Debian programs that keep per-thread state, as
# shipped (C, C++ and Rust), behave under the shim exactly as natively, on
# at most 2 OS threads: memcached -t 4 (one libevent base and epoll fd per
# worker thread) serving a bounded client on loopback and stopping on
# SIGTERM; haproxy nbthread 4 (an epoll fd, pools and its thread number
# per thread, in __thread variables); unbound num-threads 4 (an event base
# and a UDP socket per thread); pigz, xz, zstd and pbzip2 (C++) compressing with 4 threads to
# the same bytes; sort --parallel=4; ripgrep and fd (Rust: std threads,
# crossbeam queues, per-thread searchers) walking a generated tree, fd also
# running a command per file from its threads. Each program is run
# natively and under the shim with the same arguments; Threads: is sampled
# from /proc while it runs (the native figure is shown for comparison).
. "$(dirname "$0")/../lib.sh"
plan 38
PY=/usr/bin/python3
LIMIT=120 # seconds: the bound of every single run (SAMPLE_LIMIT or timeout)

# missing N PROG: PROG is not installed: its N checks fail, naming it
missing() {
    local i
    for i in $(seq 1 "$1"); do fail "$2 is installed (make deps)"; done
}
have() { command -v "$1" >/dev/null; }

# Under make test SANITIZE=1, a Rust binary names ld.so as a dependency of
# its own, and libasan (the shim's dependency) loaded after it fails without
# the shim too (lib.sh, asan_dep_fails): that control makes its checks
# expected failures there, never passes.
rust_todo() { # rust_todo N PROG: 0 (and N todos) when the control fails
    local i
    asan_dep_fails "$2" --version || return 1
    for i in $(seq 1 "$1"); do
        todo "$2 under the shim" "sanitizer build: libasan after ld.so, a dependency $2 names, fails without the shim too"
    done
}

# run2 NAME CMD...: CMD natively, then under the shim, each sampled (stdout
# and stderr to $T/NAME.native, $T/NAME.shim); sets NRC NTH NEL, SRC STH SEL
run2() {
    local name=$1; shift
    SAMPLE_S=0.01 SAMPLE_LIMIT=$LIMIT sampled "$T/$name.native" "$@"
    NRC=$RC NTH=$MAXTHREADS NEL=$ELAPSED
    SAMPLE_S=0.01 SAMPLE_LIMIT=$LIMIT sampled "$T/$name.shim" shim "$@"
    SRC=$RC STH=$MAXTHREADS SEL=$ELAPSED
    diag "$name: native ${NEL} s on up to $NTH OS threads (status $NRC), shim ${SEL} s on $STH (status $SRC)"
}
# few_threads DESC: the shim's run (the last run2) had at most 2 OS threads
few_threads() {
    [ "$SRC" -eq 0 ] && [ "$STH" -le 2 ]
    ok $? "$1 under the shim: status 0 on at most 2 OS threads (saw $STH; natively $NTH)"
}

# ---- compressors: 4 MB of text, 4 threads each ---------------------------
awk 'BEGIN {
    srand(11)
    for (i = 0; i < 3000; i++) {
        w = ""; n = 2 + int(rand() * 8)
        for (j = 0; j < n; j++) w = w sprintf("%c", 97 + int(rand() * 26))
        word[i] = w
    }
    for (i = 0; i < 150000; i++)
        printf "%s %s %s %d\n", word[int(rand() * 3000)], word[int(rand() * 3000)],
            word[int(rand() * 3000)], int(rand() * 1000000)
}' >"$T/data"
size=$(stat -c %s "$T/data")
# compressor NAME 'COMPRESS ARGS' 'DECOMPRESS ARGS': same bytes natively and
# under the shim, the shim's output decompressed under the shim is the input
compressor() {
    local p=$1 c=$2 d=$3
    if ! have "$p"; then missing 3 "$p"; return; fi
    # shellcheck disable=SC2086
    run2 "$p" $p $c "$T/data"
    cmp -s "$T/$p.native" "$T/$p.shim" && [ "$NRC:$SRC" = 0:0 ]
    ok $? "$p $c: the same $(stat -c %s "$T/$p.native") bytes natively and under the shim (of $size), status 0"
    # shellcheck disable=SC2086
    shim timeout $LIMIT $p $d <"$T/$p.shim" | cmp -s - "$T/data"
    ok $? "$p $d under the shim restores the input byte for byte"
    few_threads "$p $c"
}
compressor pigz "-p 4 -c" "-d -c"
# xz's threaded mode cuts the input into blocks: 256 KiB blocks give every
# thread several
compressor xz "-T4 -1 --block-size=262144 -c" "-d -T4 -c"
compressor zstd "-T4 -q -c" "-d -q -c"
compressor pbzip2 "-p4 -c" "-d -p4 -c" # C++

# ---- xz -T4 stopped by SIGTERM while it compresses --------------------------
# xz's handler sets a flag its main thread reads between two waits for its
# worker (pthread_cond_timedwait, 300 ms), then removes the partial output
# and dies of the signal. Under the shim the main thread's handler and
# timed wait need the worker greenlet, computing its whole 24 MiB block
# without a call that waits, to let the OS thread go: preemption.
# xz_term [ENV...]: compress a copy of the data (-6: one block, one worker),
# SIGTERM after 0.5 s; waits up to XZLIM s (then SIGKILL); sets XRC XSTOP
# XLEFT (the partial output left behind: "left" or "removed")
xz_term() {
    local d pid i t0
    d=$(mktemp -d "$T/xz.XXXX")
    cp "$T/data" "$d/in"
    env "$@" xz -k -T4 -6 "$d/in" >"$d/log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    sleep 0.5
    t0=$(date +%s.%N)
    kill -TERM "$pid"
    for i in $(seq 1 $((${XZLIM%.*} * 20 + 20))); do
        kill -0 "$pid" 2>/dev/null || break
        less_than "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')" "$XZLIM" || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    XRC=$?
    XSTOP=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')
    if [ -e "$d/in.xz" ]; then XLEFT=left; else XLEFT=removed; fi
}
if ! have xz; then
    missing 2 xz
else
    XZLIM=60
    xz_term LC_ALL=C
    nrc=$XRC nstop=$XSTOP nleft=$XLEFT
    # the flag is read at the next 300 ms timeout of the main thread's wait
    XZLIM=$(time_bound "$nstop" 0.3)
    xz_term LD_PRELOAD="$LIB" GEVENT_PREEMPT=10
    diag "xz -T4, SIGTERM: native $nstop s (status $nrc, output $nleft); shim, GEVENT_PREEMPT=10: $XSTOP s (status $XRC, output $XLEFT)"
    d="xz -T4 under the shim with GEVENT_PREEMPT=10 stops on SIGTERM as natively (status $nrc, partial output $nleft) within $XZLIM s"
    [ "$XRC:$XLEFT" = "$nrc:$nleft" ] && less_than "$XSTOP" "$XZLIM"
    ok $? "$d"
    xz_term LD_PRELOAD="$LIB"
    diag "xz -T4, SIGTERM: shim, default configuration: $XSTOP s (status $XRC, output $XLEFT; 137: killed at the limit)"
    d="xz -T4 under the shim (default configuration) stops on SIGTERM as natively within $XZLIM s"
    if [ "$XRC:$XLEFT" = "$nrc:$nleft" ] && less_than "$XSTOP" "$XZLIM"; then
        pass "$d"
    else
        todo "$d" "preemption is off by default: xz's worker greenlet computes its block without a call that waits, so the main thread's handler and its 300 ms timed wait run only when the block is done, seconds of CPU later (killed at the limit: status $XRC after ${XSTOP} s; natively $nstop s)"
    fi
fi

# ---- sort: threads only for a buffer of more than 128 Ki lines ------------
awk 'BEGIN { srand(7); for (i = 0; i < 600000; i++) printf "%x\n", int(rand() * 2^31) }' >"$T/nums"
run2 sort env LC_ALL=C sort --parallel=4 -S 64M "$T/nums"
cmp -s "$T/sort.native" "$T/sort.shim" && [ "$NRC:$SRC" = 0:0 ]
ok $? "sort --parallel=4 -S 64M: the same 600,000 sorted lines natively and under the shim, status 0"
few_threads "sort --parallel=4"

# ---- ripgrep and fd over a generated tree of 600 files --------------------
for d in $(seq 1 20); do
    mkdir -p "$T/tree/d$d/sub$((d % 3))"
    for f in $(seq 1 15); do
        printf 'line one %d %d\nneedle %d here\nother\n' "$d" "$f" $((d * f)) >"$T/tree/d$d/f$f.txt"
        seq 1 $((d * f * 3)) >"$T/tree/d$d/sub$((d % 3))/n$f.dat"
    done
done
cd "$T" || exit 2
# searches PROG NAME ARGS...: sorted output and status the same natively
# and under the shim (the order of a parallel walk is not fixed)
search_same() {
    local name=$1; shift
    run2 "$name" "$@"
    local n s
    n=$(sort "$T/$name.native"); s=$(sort "$T/$name.shim")
    if [ "$n" == "$s" ] && [ "$NRC" == "$SRC" ]; then return 0; fi
    diag "$* differs: native status $NRC, shim $SRC"
    diag "$(diff <(echo "$n") <(echo "$s") | head -10)"
    return 1
}
if ! have rg; then
    missing 3 rg
elif ! rust_todo 3 rg; then
    all=0
    search_same rg1 rg -j4 -n needle tree || all=1
    search_same rg2 rg -j4 -c '7$' tree || all=1
    search_same rg3 rg -j4 -l 'needle 1[0-9]+ ' tree || all=1
    ok $all "rg -j4 (Rust): three searches over 600 files print the same lines natively and under the shim"
    few_threads "rg -j4 -l"
    search_same rg4 rg -j4 nothing-matches-this tree
    ok $? "rg -j4 with no match: status $SRC and no output, as natively ($NRC)"
fi
if ! have fdfind; then
    missing 3 fdfind
elif ! rust_todo 3 fdfind; then
    search_same fd1 fdfind -j4 -t f . tree
    ok $? "fdfind -j4 (Rust) lists the same 600 files natively and under the shim"
    few_threads "fdfind -j4 -t f"
    # one child process per file, started and waited for by fd's threads
    search_same fd2 fdfind -j4 -e dat -x wc -l \; . tree/d1 tree/d2 tree/d3
    ok $? "fdfind -j4 -x wc -l: 45 children run from fd's threads, the same lines as natively (status $SRC)"
fi
cd - >/dev/null || exit 2

# ---- memcached -t 4 on loopback --------------------------------------------
# The client: 8 connections, 200 keys stored pipelined across them (so the
# four worker threads each serve several connections at once), then every
# key read back one by one and in multi-gets, every value and flag checked,
# a counter incremented, half the keys deleted; a connection watching
# fetches (memcached's logger thread), an LRU crawler dump (its crawler
# thread writes to the connection), 40 concurrent client threads. It prints
# what it checked.
cat >"$T/mc.py" <<'EOF'
import socket, sys, threading, time
port, n = int(sys.argv[1]), 200
def conn():
    return socket.create_connection(('127.0.0.1', port), timeout=20).makefile('rwb')
files = [conn() for _ in range(8)]
val = lambda i: (('value-%d-' % i) * (1 + i % 37)).encode()
bad = []
def expect(f, want, what):
    got = f.readline()
    if got != want: bad.append('%s: %r' % (what, got))
for k, f in enumerate(files):  # pipelined: every set of a connection, then the replies
    for i in range(k, n, 8):
        v = val(i)
        f.write(b'set key%d %d 0 %d\r\n%s\r\n' % (i, i, len(v), v))
    f.flush()
for k, f in enumerate(files):
    for i in range(k, n, 8): expect(f, b'STORED\r\n', 'set %d' % i)
def read_values(f):
    seen = {}
    while True:
        h = f.readline().split()
        if not h or h[0] != b'VALUE': return seen, h
        seen[h[1].decode()] = (int(h[2]), f.read(int(h[3]) + 2)[:-2])
got = 0
for i in range(n):  # one by one, each on another connection than its set
    f = files[(i + 3) % 8]
    f.write(b'get key%d\r\n' % i); f.flush()
    seen, end = read_values(f)
    if seen.get('key%d' % i) == (i, val(i)) and end == [b'END']: got += 1
    else: bad.append('get %d' % i)
multi = 0
for s in range(0, n, 25):  # multi-gets of 25 keys
    f = files[s % 8]
    f.write(b'get ' + b' '.join(b'key%d' % i for i in range(s, s + 25)) + b'\r\n'); f.flush()
    seen, end = read_values(f)
    multi += sum(1 for i in range(s, s + 25) if seen.get('key%d' % i) == (i, val(i)))
f = files[0]
f.write(b'set ctr 0 0 1\r\n0\r\n'); f.flush(); expect(f, b'STORED\r\n', 'set ctr')
for g in files * 5:
    g.write(b'incr ctr 1\r\n'); g.flush(); g.readline()
f.write(b'get ctr\r\n'); f.flush()
ctr, end = read_values(f)
for i in range(0, n, 2):
    g = files[i % 8]; g.write(b'delete key%d\r\n' % i); g.flush(); expect(g, b'DELETED\r\n', 'delete %d' % i)
print('stored and read back %d of %d, %d of %d by multi-get' % (got, n, multi, n))
print('counter after 40 increments from 8 connections: %s' % ctr.get('ctr', (0, b'?'))[1].decode())
# memcached's logger thread feeds a watching connection
w = conn()
w.write(b'watch fetchers\r\n'); w.flush(); expect(w, b'OK\r\n', 'watch')
time.sleep(0.2)
f.write(b'get key1\r\n'); f.flush(); read_values(f)
print('the watcher saw the fetch of key1: %s' % (b'key=key1 ' in w.readline()))
# its LRU crawler thread writes the dump to the asking connection
f.write(b'lru_crawler metadump all\r\n'); f.flush()
keys = set()
while True:
    l = f.readline()
    if l == b'END\r\n' or not l: break
    if l.startswith(b'key=key'): keys.add(l.split()[0])
print('lru_crawler metadump lists 95 or more of the 100 keys left: %s' % (len(keys) >= 95)); sys.stderr.write('metadump: %d keys\n' % len(keys))
# 40 client threads at once, 50 set+get each on a connection of their own
res = []
def client(t):
    c, ok = conn(), 0
    for i in range(50):
        c.write(b'set t%d_%d 0 0 3\r\nabc\r\nget t%d_%d\r\n' % (t, i, t, i)); c.flush()
        if [c.readline() for _ in range(4)] == [b'STORED\r\n', b'VALUE t%d_%d 0 3\r\n' % (t, i), b'abc\r\n', b'END\r\n']: ok += 1
    res.append(ok)
ts = [threading.Thread(target=client, args=(t,)) for t in range(40)]
for t in ts: t.start()
for t in ts: t.join()
print('40 concurrent clients: %d of 2000 set+get answered right' % sum(res))
f.write(b'stats\r\n'); f.flush()
stats = {}
while True:
    l = f.readline().split()
    if not l or l[0] != b'STAT': break
    stats[l[1].decode()] = l[2].decode()
print('worker threads %s, items %s' % (stats.get('threads'), stats.get('curr_items')))
sys.stderr.write('connections: %s\n' % stats.get('total_connections'))
print('errors: %d %s' % (len(bad), bad[:3]))
EOF
mc_port() { # a free loopback port
    local p
    while :; do
        p=$((10000 + RANDOM % 22000))
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
}
# until_up PID CHECK...: until CHECK succeeds (up to 20 s) or PID has ended
until_up() {
    local pid=$1 i
    shift
    for i in $(seq 1 400); do
        "$@" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
# drive PID OUT ERR CMD...: the client CMD (60 s at most; ERR "-": with its
# output) while PID's OS threads are sampled; sets DRTH, the most seen
drive() {
    local pid=$1 out=$2 err=$3 cp
    shift 3
    if [ "$err" = - ]; then timeout 60 "$@" >"$out" 2>&1 & else timeout 60 "$@" >"$out" 2>"$err" & fi
    cp=$!
    STARTED+=("$cp")
    DRTH=0
    while kill -0 "$cp" 2>/dev/null; do
        proc_sample "$pid"
        [ -n "$P_THREADS" ] && [ "$P_THREADS" -gt "$DRTH" ] && DRTH=$P_THREADS
        sleep 0.01
    done
    wait "$cp"
}
# stop_by SIG PID: sends SIG and waits up to 30 s for the exit (SIGKILL
# after); sets STRC, its status, and STSEC, seconds from SIG to the exit
stop_by() {
    local t0 i
    t0=$(date +%s.%N)
    kill -"$1" "$2"
    for i in $(seq 1 600); do kill -0 "$2" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$2" 2>/dev/null
    wait "$2"
    STRC=$?
    STSEC=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')
}
# mc MODE: memcached -t 4 natively (MODE "") or under the shim ("shim"),
# driven by the client; sets MCOUT (the client's report), MCTH (the most
# OS threads seen while the client ran), MCRC (status after SIGTERM),
# MCSTOP (seconds from SIGTERM to its exit), MCLOG (its stdout+stderr)
mc() {
    local port pid i
    port=$(mc_port)
    # -u root: memcached refuses to run as root without it (ignored otherwise)
    env ${1:+LD_PRELOAD="$LIB"} memcached -u root -l 127.0.0.1 -p "$port" -U 0 -t 4 -m 16 \
        >"$T/mc$1.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    until_up "$pid" port_open "$port"
    drive "$pid" "$T/mc$1.out" "$T/mc$1.err" "$PY" "$T/mc.py" "$port"
    MCTH=$DRTH
    MCOUT=$(cat "$T/mc$1.out")
    diag "memcached ${1:-native}, client: $(tail -3 "$T/mc$1.err")"
    stop_by TERM "$pid" # memcached checks for a stop at its once-a-second clock tick
    MCRC=$STRC MCSTOP=$STSEC
    MCLOG=$(cat "$T/mc$1.log")
}
if ! have memcached; then
    missing 5 memcached
else
    mc ""
    nout=$MCOUT nth=$MCTH nrc=$MCRC nstop=$MCSTOP nlog=$MCLOG
    mc shim
    diag "memcached: native Threads: $nth, stopped in $nstop s (status $nrc); shim Threads: $MCTH, $MCSTOP s (status $MCRC)"
    want="stored and read back 200 of 200, 200 of 200 by multi-get
counter after 40 increments from 8 connections: 40
the watcher saw the fetch of key1: True
lru_crawler metadump lists 95 or more of the 100 keys left: True
40 concurrent clients: 2000 of 2000 set+get answered right
worker threads 4, items 2101
errors: 0 []"
    if [ "$MCOUT" == "$nout" ] && [ "$MCOUT" == "$want" ]; then
        pass "memcached -t 4 under the shim: every value, flag and counter, the watcher, the crawler's dump and 40 concurrent clients as natively"
    else
        fail "memcached -t 4 under the shim: every value, flag and counter as natively"
        diag "native: $nout"; diag "shim: $MCOUT"
    fi
    ok $([ "$MCTH" -ge 1 ] && [ "$MCTH" -le 2 ]; echo $?) \
        "memcached -t 4 under the shim while loaded: $MCTH OS thread(s), at most 2 (natively $nth)"
    is "$MCRC" "$nrc" "memcached under the shim exits on SIGTERM with the native status ($nrc)"
    # memcached looks at the stop flag at its clock tick: once a second
    lim=$(time_bound "$nstop" 1)
    less_than "$MCSTOP" "$lim"
    ok $? "memcached under the shim stops ${MCSTOP} s after SIGTERM (limit $lim s: native ${nstop} s, a 1 s tick)"
    is "$MCLOG" "$nlog" "memcached under the shim says what it says natively (${nlog:-nothing})"
fi

# ---- haproxy nbthread 4 on loopback -----------------------------------------
# haproxy keeps its thread's number, pools and epoll fd in __thread
# variables (TLS per greenlet under the shim): 20 client threads x 25
# requests, each answered by haproxy itself with the path and the number of
# the thread that served it; then SIGUSR1, its soft stop.
cat >"$T/hap.py" <<'EOF'
import socket, sys, threading, collections
port = int(sys.argv[1]); by = collections.Counter(); bad = []
def client(t):
    for i in range(25):
        s = socket.create_connection(('127.0.0.1', port), timeout=20)
        s.sendall(b'GET /t%d_%d HTTP/1.0\r\n\r\n' % (t, i))
        d = b''
        while True:
            x = s.recv(4096)
            if not x: break
            d += x
        s.close()
        head, _, body = d.partition(b'\r\n\r\n')
        w = body.split()
        if head.startswith(b'HTTP/1.1 200 OK') and w[:2] == [b'hello', b'/t%d_%d' % (t, i)] and w[-1] in (b'0', b'1', b'2', b'3'):
            by[w[-1].decode()] += 1
        else: bad.append(d[:60])
ts = [threading.Thread(target=client, args=(t,)) for t in range(20)]
for t in ts: t.start()
for t in ts: t.join()
print('%d of 500 requests answered right, by %s of haproxy\'s threads' % (sum(by.values()), 'more than one' if len(by) > 1 else 'one'))
print('errors: %d %s' % (len(bad), bad[:2]))
sys.stderr.write('answers per haproxy thread: %s\n' % sorted(by.items()))
EOF
# hap MODE: as mc, for haproxy; sets HPOUT HPTH HPRC HPSTOP HPLOG
hap() {
    local port pid i
    port=$(mc_port)
    cat >"$T/hap$1.cfg" <<EOF
global
    nbthread 4
defaults
    mode http
    timeout client 20s
    timeout server 20s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:$port
    http-request return status 200 content-type text/plain lf-string "hello %[path] from thread %[thread]\n"
EOF
    env ${1:+LD_PRELOAD="$LIB"} haproxy -db -f "$T/hap$1.cfg" >"$T/hap$1.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    until_up "$pid" port_open "$port"
    drive "$pid" "$T/hap$1.out" "$T/hap$1.err" "$PY" "$T/hap.py" "$port"
    HPTH=$DRTH
    HPOUT=$(cat "$T/hap$1.out")
    diag "haproxy ${1:-native}: $(tail -3 "$T/hap$1.err")"
    stop_by USR1 "$pid"
    HPRC=$STRC HPSTOP=$STSEC
    HPLOG=$(sed 's/([0-9]*)/(PID)/' "$T/hap$1.log") # its lines name its PID
}
if ! have haproxy; then
    missing 4 haproxy
else
    hap ""
    nout=$HPOUT nth=$HPTH nrc=$HPRC nstop=$HPSTOP nlog=$HPLOG
    hap shim
    diag "haproxy: native Threads: $nth, stopped in $nstop s (status $nrc); shim Threads: $HPTH, $HPSTOP s (status $HPRC)"
    want="500 of 500 requests answered right, by more than one of haproxy's threads
errors: 0 []"
    if [ "$HPOUT" == "$nout" ] && [ "$HPOUT" == "$want" ]; then
        pass "haproxy nbthread 4 under the shim: 500 requests from 20 client threads answered right, by several of its threads, as natively"
    else
        fail "haproxy nbthread 4 under the shim: 500 requests answered right, as natively"
        diag "native: $nout"; diag "shim: $HPOUT"
    fi
    ok $([ "$HPTH" -ge 1 ] && [ "$HPTH" -le 2 ]; echo $?) \
        "haproxy nbthread 4 under the shim while loaded: $HPTH OS thread(s), at most 2 (natively $nth)"
    is "$HPRC" "$nrc" "haproxy under the shim stops on SIGUSR1 (soft stop) with the native status ($nrc)"
    is "$HPLOG" "$nlog" "haproxy under the shim logs what it logs natively"
fi

# ---- unbound num-threads 4 on loopback --------------------------------------
# Each unbound thread has its own event base, worker state and UDP socket
# (so-reuseport): 10 client threads x 50 queries for local data, each
# answer's id and address checked; then SIGTERM.
cat >"$T/dnsq.py" <<'EOF'
import socket, struct, threading, sys
port = int(sys.argv[1]); ok = []; bad = []
def query(name, qid):
    return (struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0)
            + b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\0' + struct.pack('>HH', 1, 1))
def client(t):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10)
    for i in range(1, 51):
        qid = t * 100 + i
        s.sendto(query('h%d.gp.test' % i, qid), ('127.0.0.1', port))
        d = s.recv(4096)
        rid, flags, qd, an = struct.unpack('>HHHH', d[:8])
        if rid == qid and an == 1 and d[-4:] == bytes([10, 0, 0, i]): ok.append(1)
        else: bad.append((t, i, d[-4:]))
ts = [threading.Thread(target=client, args=(t,)) for t in range(10)]
for t in ts: t.start()
for t in ts: t.join()
print('%d of 500 queries answered right' % len(ok))
print('errors: %d %s' % (len(bad), bad[:2]))
EOF
# ub MODE: as mc, for unbound; sets UBOUT UBTH UBRC UBSTOP UBLOG
ub() {
    local port pid i
    port=$(mc_port)
    {
        echo 'server:'
        echo '    interface: 127.0.0.1'
        echo "    port: $port"
        echo '    num-threads: 4'
        echo '    do-daemonize: no'
        echo '    chroot: ""'
        echo '    username: ""'
        echo "    directory: \"$T\""
        echo '    pidfile: ""'
        echo '    use-syslog: no'
        echo '    do-ip6: no'
        echo '    local-zone: "gp.test." static'
        for i in $(seq 1 50); do echo "    local-data: \"h$i.gp.test. IN A 10.0.0.$i\""; done
    } >"$T/ub$1.conf"
    env ${1:+LD_PRELOAD="$LIB"} unbound -d -c "$T/ub$1.conf" >"$T/ub$1.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    until_up "$pid" grep -q 'start of service' "$T/ub$1.log" # until it says it serves
    drive "$pid" "$T/ub$1.out" - "$PY" "$T/dnsq.py" "$port"
    UBTH=$DRTH
    UBOUT=$(cat "$T/ub$1.out")
    stop_by TERM "$pid"
    UBRC=$STRC UBSTOP=$STSEC
    # which thread took a query is the kernel's choice (so-reuseport): the
    # log is compared without the per-thread counts, and their sum is checked
    UBLOG=$(grep -v 'server stats for thread' "$T/ub$1.log" |
        sed 's/^\[[0-9]*\] unbound\[[0-9]*:/[TIME] unbound[PID:/') # time and PID
    UBSUM=$(awk '/server stats for thread/{for (i = 1; i < NF; i++) if ($(i + 1) == "queries,") s += $i} END{print s + 0}' "$T/ub$1.log")
}
if ! have unbound; then
    missing 4 unbound
else
    ub ""
    nout=$UBOUT nth=$UBTH nrc=$UBRC nstop=$UBSTOP nlog=$UBLOG
    ub shim
    diag "unbound: native Threads: $nth, stopped in $nstop s (status $nrc); shim Threads: $UBTH, $UBSTOP s (status $UBRC)"
    want="500 of 500 queries answered right
errors: 0 []"
    if [ "$UBOUT" == "$nout" ] && [ "$UBOUT" == "$want" ]; then
        pass "unbound num-threads 4 under the shim: 500 queries from 10 client threads answered right, as natively"
    else
        fail "unbound num-threads 4 under the shim: 500 queries answered right, as natively"
        diag "native: $nout"; diag "shim: $UBOUT"
    fi
    ok $([ "$UBTH" -ge 1 ] && [ "$UBTH" -le 2 ]; echo $?) \
        "unbound num-threads 4 under the shim while loaded: $UBTH OS thread(s), at most 2 (natively $nth)"
    is "$UBRC" "$nrc" "unbound under the shim stops on SIGTERM with the native status ($nrc)"
    is "$UBLOG:$UBSUM" "$nlog:500" "unbound under the shim logs what it logs natively, its threads' counts adding up to the 500 queries"
fi

# ---- valgrind: the Rust program and the signal() views it reads -----------
same_native_and_shim "sig_oldview: signal() and sigaction() return the previous disposition as natively" \
    "$L/sig_oldview"
release_lib
if ! have valgrind; then
    missing 2 valgrind
else
    for p in "$L/sig_oldview" "rg -j4 -n needle $T/tree"; do
        d="valgrind (memcheck): $(basename "${p%% *}")${p#"${p%% *}"} under the shim is clean"
        d=${d//$T\//}
        # shellcheck disable=SC2086
        LD_PRELOAD=$LIB timeout 300 valgrind -q --error-exitcode=9 --leak-check=full \
            --errors-for-leak-kinds=definite $p >/dev/null 2>"$T/vg"
        rc=$?
        if [ "$rc" -eq 0 ]; then pass "$d"
        else fail "$d (status $rc)"; diag "$(head -30 "$T/vg")"; fi
    done
fi
