#!/usr/bin/env bash
# Issue 7, acceptance 4: accept at the fd limit returns EMFILE, and the
# thread-per-connection server recovers when clients leave: with 40 fds it
# serves 100 concurrent clients, natively and under the shim (where its
# accept loop retrying at once must not starve the greenlets that close
# connections).
. "$(dirname "$0")/../lib.sh"
plan 6
emfile_run() { # emfile_run [shim]: the server with 40 fds, 100 clients
    local pre=()
    [ -n "${1:-}" ] && pre=(env LD_PRELOAD="$LIB")
    echo_serve 100 20 bash -c 'ulimit -n 40 && exec "$@"' limit timeout 60 "${pre[@]}"
    EMFILES=$(grep -c 'accept: Too many open files' "$T/srv.err")
}
emfile_run
like "$CLIENT" "^ok 100 conns 20 rounds 2000 msgs" "natively: 100 clients served with 40 fds"
[ "$EMFILES" -gt 0 ]; ok $? "natively: accept saw EMFILE ($EMFILES times)"
emfile_run shim
like "$CLIENT" "^ok 100 conns 20 rounds 2000 msgs" "shim: 100 clients served with 40 fds, every byte checked"
[ "$EMFILES" -gt 0 ]; ok $? "shim: accept returned EMFILE as natively ($EMFILES times)"
is "$SRC" 0 "shim: the server recovered and exited after its 100 connections"
diag "shim stderr: $(sort "$T/srv.err" | uniq -c | head -5)"
grep -v 'accept: Too many open files' "$T/srv.err" >"$T/other"
is "$(cat "$T/other")" "" "shim: no other error on the server's stderr"
