#!/usr/bin/env bash
# Issue 7, acceptance 5: memcheck on the socket programs under the shim: the
# thread-per-connection echo server serving 200 clients, and the pollers
# (poll, select, epoll_wait on pipes): no invalid access, no definite leak.
. "$(dirname "$0")/../lib.sh"
plan 6
release_lib
vg() { LD_PRELOAD=$LIB timeout 300 valgrind -q --error-exitcode=9 --leak-check=full \
    --errors-for-leak-kinds=definite "$@"; }
vg "$L/echo_server" 0 200 >"$T/srv" 2>"$T/vg" &
sp=$!
STARTED+=("$sp")
for i in $(seq 1 400); do grep -q listening "$T/srv" 2>/dev/null && break; sleep 0.05; done
out=$(timeout 120 "$L/echo_client" "$(awk '/listening/{print $3}' "$T/srv")" 200 10 2>&1)
like "$out" "^ok 200 conns 10 rounds 2000 msgs" "echo server under valgrind and the shim: 200 clients served"
wait "$sp"
rc=$?
is "$rc" 0 "valgrind: echo_server under the shim is clean"
[ "$rc" -eq 0 ] || diag "$(head -30 "$T/vg")"
for mode in "wake 100" "closed"; do
    # shellcheck disable=SC2086
    out=$(vg "$L/pollers" $mode 2>"$T/vg2")
    rc=$?
    like "$out" "^(woke 100/100 exact|read returned -1 errno Bad file descriptor)" "pollers $mode under valgrind: right answer"
    is "$rc" 0 "valgrind: pollers $mode under the shim is clean"
    [ "$rc" -eq 0 ] || diag "$(head -30 "$T/vg2")"
done
