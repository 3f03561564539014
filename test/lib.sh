# Sourced by every test/t/*.t: TAP output and helpers to run the same
# program natively and under the shim.
set -u
cd "$(dirname "$0")/../.." || exit 2
B=${GP_BUILD:-build}
LIB=$PWD/$B/libgevent_patch.so
L=$PWD/$B/legacy
RUN=$PWD/$B/gevent-run
T=$(mktemp -d /tmp/gp-test.XXXXXX)
trap 'kill_started; rm -rf "$T"' EXIT
_n=0
STARTED=()

# The sanitizer runtime comes in as the shim's own dependency, after it.
# Sanitizer reports go to files test/run reads after each script (and
# fails on), not to the programs' stderr, which tests compare with native.
if [ "${GP_SANITIZE:-}" = 1 ]; then
    _sl=${GP_SAN_LOGS:-$T}
    # handle_segv=0: the shim's own SIGSEGV handler names a greenlet whose
    # stack overflowed; ASan's would replace it. use_sigaltstack=0: ASan
    # would give every thread an alternate signal stack, which a program
    # asking sigaltstack sees (natively it has none: test 39's altstack).
    export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0:abort_on_error=0:handle_segv=0:use_sigaltstack=0:log_path=$_sl/asan
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$_sl/ubsan
fi

plan() { echo "1..$1"; }
ok() { # ok CONDITION-STATUS DESCRIPTION  (use: ok $? "desc", or cond && ok 0 ..)
    _n=$((_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; fi
}
pass() { ok 0 "$1"; }
fail() { ok 1 "$1"; }
todo() { _n=$((_n + 1)); echo "not ok $_n - $1 # TODO $2"; }
diag() { sed 's/^/# /' <<<"$*"; }
is() { # is GOT EXPECTED DESCRIPTION
    if [ "$1" == "$2" ]; then pass "$3"; else fail "$3"; diag "got:      $1"; diag "expected: $2"; fi
}
like() { # like GOT REGEX DESCRIPTION
    if [[ "$1" =~ $2 ]]; then pass "$3"; else fail "$3"; diag "got: $1"; diag "wanted match: $2"; fi
}

shim() { LD_PRELOAD=$LIB "$@"; }

# release_lib: for tests of the product's footprint (its link map, RSS, fds)
# and under valgrind, which cannot run ASan code: under make test SANITIZE=1
# they use the release build of the library, built here if needed.
# make test SANITIZE=1 hands SANITIZE=1 down to every make below it (in
# MAKEFLAGS): the release build is asked for without it, every time (a
# library left from older sources would be tested otherwise; up to date,
# make does nothing), and a script whose release library cannot be made
# stops (counted as failed) instead of preloading a missing file, which
# ld.so ignores: the run would then test the program without the shim.
release_lib() {
    [ "${GP_SANITIZE:-}" = 1 ] || return 0
    MAKEFLAGS= make -s SANITIZE= all >/dev/null 2>&1
    LIB=$PWD/build/libgevent_patch.so
    if [ ! -e "$LIB" ]; then
        echo "release_lib: $LIB could not be built (make all)" >&2
        exit 1
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS
}

# Processes started in the background are stopped by PID at exit.
start() { "$@" & STARTED+=($!); }
kill_started() { for p in "${STARTED[@]}"; do kill "$p" 2>/dev/null; done; }

# sampled, proc_status, listening_port: shared with the benches
. "$PWD/test/proc.sh"

# echo_serve N R [WRAPPER...]: runs WRAPPER... test/legacy/echo_server
# (stdout to $T/srv, stderr to $T/srv.err; it exits after N connections),
# drives it with the load client (N connections x R round trips), and sets
# CLIENT (the client's output) and SRC (the server's exit status).
echo_serve() {
    local n=$1 r=$2; shift 2
    rm -f "$T/srv" "$T/srv.err"
    "$@" "$L/echo_server" 0 "$n" >"$T/srv" 2>"$T/srv.err" &
    local sp=$!
    STARTED+=("$sp")
    CLIENT=$(timeout 120 "$L/echo_client" "$(listening_port "$T/srv")" "$n" "$r" 2>&1)
    wait "$sp"
    SRC=$?
}

# less_than A B: numeric A < B (floats)
less_than() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a < b)}'; }

# time_bound NATIVE FLOOR: a machine-independent limit for the shim's run of
# work that took NATIVE seconds natively and contains FLOOR seconds of
# sleeping: twice the native time plus twice the floor. Absolute figures
# depend on the machine (fork alone costs 1 ms on some); speed belongs in
# make bench, a test only asks "no slower than natively, give or take".
# Under make test SANITIZE=1 the shim is the sanitizer build, in every
# process the test starts (sh, sleep... of system() and popen too), while
# the native run is not instrumented: a process start costs about twice the
# release shim's (libasan's own start-up, its shadow memory), and the
# shim's code runs 2-3x slower, so the multiple of native is 4 (TB_MULT).
TB_MULT=2
[ "${GP_SANITIZE:-}" = 1 ] && TB_MULT=4
# time_bound NATIVE FLOOR [PROCS]: PROCS, the processes the work starts
# under the shim (sh, sleep... of system() and popen), adds what the shim's
# start-up costs each of them, measured here and now (proc_start): on a
# loaded machine a process start is tens of milliseconds, and the shim's
# constructor (libasan's too in the sanitizer build) adds to each.
time_bound() {
    local extra=0
    [ -n "${3:-}" ] && extra=$(proc_start "$3")
    awk -v n="$1" -v f="$2" -v m=$TB_MULT -v x="$extra" 'BEGIN{print m * n + 2 * f + x}'
}
# proc_start N: N times the wall seconds by which one process start under
# the shim ($LIB, the sanitizer build under make test SANITIZE=1) exceeds one
# without it (10 of each, here, now).
proc_start() {
    local t0 t1 t2 i
    t0=$(date +%s.%N)
    for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done
    t1=$(date +%s.%N)
    for i in 1 2 3 4 5 6 7 8 9 10; do LD_PRELOAD=$LIB /bin/true; done
    t2=$(date +%s.%N)
    awk -v n="$1" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN{d=((c-b)-(b-a))/10; print (d > 0 ? n * d : 0)}'
}

# asan_dep_fails CMD...: under make test SANITIZE=1, true when CMD fails with
# libasan loaded as the sanitizer build loads it - as a preloaded library's
# dependency - but without the shim: an empty library built with
# -fsanitize=address, preloaded. A program that names ld.so as a dependency
# of its own (cc1, Rust binaries) then has ld.so before libasan, and
# libasan's start-up calls a null pointer (_dl_get_tls_static_info not
# found). The control that makes a sanitizer-build mismatch an expected
# failure, never a pass; false in the release build.
asan_dep_fails() {
    [ "${GP_SANITIZE:-}" = 1 ] || return 1
    if [ ! -e "$T/libasanprobe.so" ]; then
        echo 'int gp_asan_probe;' >"$T/asanprobe.c"
        cc -shared -fPIC -fsanitize=address -o "$T/libasanprobe.so" "$T/asanprobe.c" || return 1
    fi
    ! LD_PRELOAD="$T/libasanprobe.so" ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
        timeout 60 "$@" >/dev/null 2>&1
}

# parity PROG DESC: same output and status natively and under the shim,
# and at most 2 OS threads under the shim.
parity() {
    local p=$1 d=$2
    same_native_and_shim "$d" "$L/$p"
    sampled "$T/$p.out" shim "$L/$p"
    [ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]
    ok $? "$p under the shim: status 0 on at most 2 OS threads (saw $MAXTHREADS)"
}

# same_native_and_shim DESCRIPTION CMD...: same stdout and exit status.
same_native_and_shim() {
    local desc=$1; shift
    local n s rn rs
    n=$("$@" 2>&1); rn=$?
    s=$(shim "$@" 2>&1); rs=$?
    if [ "$n" == "$s" ] && [ "$rn" == "$rs" ]; then
        pass "$desc"
    else
        fail "$desc"
        diag "native (exit $rn):"; diag "$n"
        diag "shim (exit $rs):"; diag "$s"
    fi
}
