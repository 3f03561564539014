#!/usr/bin/env bash
# Issue 7, acceptance 5: memcheck on the socket programs under the shim: the
# thread-per-connection echo server serving 200 clients, and the pollers
# (poll, select, epoll_wait on pipes): no invalid access, no definite leak.
. "$(dirname "$0")/../lib.sh"
plan 6
release_lib
vg() { LD_PRELOAD=$LIB timeout 300 valgrind -q --error-exitcode=9 --leak-check=full \
    --errors-for-leak-kinds=definite "$@"; }
echo_serve 200 10 env LD_PRELOAD="$LIB" timeout 300 valgrind -q --error-exitcode=9 \
    --leak-check=full --errors-for-leak-kinds=definite
like "$CLIENT" "^ok 200 conns 10 rounds 2000 msgs" "echo server under valgrind and the shim: 200 clients served"
is "$SRC" 0 "valgrind: echo_server under the shim is clean"
[ "$SRC" -eq 0 ] || diag "$(head -30 "$T/srv.err")"
for mode in "wake 100" "closed"; do
    # shellcheck disable=SC2086
    out=$(vg "$L/pollers" $mode 2>"$T/vg2")
    rc=$?
    like "$out" "^(woke 100/100 exact|read returned -1 errno Bad file descriptor)" "pollers $mode under valgrind: right answer"
    is "$rc" 0 "valgrind: pollers $mode under the shim is clean"
    [ "$rc" -eq 0 ] || diag "$(head -30 "$T/vg2")"
done
