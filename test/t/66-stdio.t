#!/usr/bin/env bash
# Issue 15, item 1: stdio on sockets, pipes, FIFOs and ttys waits on the hub.
# A thread-per-connection line server written with fdopen/fgets/fprintf/
# fflush serves 50 concurrent clients (10 lines each, 50 ms apart) as fast as
# natively; 20 threads printf to a pipe the test reads late while two others
# play socket ping-pong: every line whole, and the ping-pong goes on.
. "$(dirname "$0")/../lib.sh"
plan 10

sampled "$T/n.out" "$L/stdio_lines" 50 10
native_t=$ELAPSED
is "$(head -1 "$T/n.out")" "answered 500/500 lines, bad 0" "native: the stdio line server answers every line"
sampled "$T/s.out" shim "$L/stdio_lines" 50 10
is "$(head -1 "$T/s.out")" "answered 500/500 lines, bad 0" "shim: the stdio line server answers every line"
# each client's 10 lines are 50 ms apart: 0.5 s of sleeping in every run
lim=$(time_bound "$native_t" 0.5)
less_than "$ELAPSED" "$lim"
ok $? "shim: as fast as natively, give or take (shim ${ELAPSED} s, limit ${lim} s: ${TB_MULT} x native ${native_t} s + 2 x the 0.5 s of sleeps)"
[ "$MAXTHREADS" -le 2 ]; ok $? "shim: on at most 2 OS threads (saw $MAXTHREADS)"
same_native_and_shim "fdopen checks, fileno, ftell, ungetc, mixing write(2) and stdio: same as native" \
    "$L/stdio_lines" 3 2

# printf to a pipe that stays full for a second
whole() { # whole FILE: lines not of the expected form, and lines out of order per thread
    awk '!/^T[0-9][0-9] L[0-9][0-9][0-9][0-9][0-9] 0123456789abcdefghijklmnopqrstuvwxyz0123$/ {bad++; next}
         { t = substr($1, 2) + 0; l = substr($2, 2) + 0; if (l != next_[t]) bad++; next_[t] = l + 1; n++ }
         END { print n + 0, bad + 0 }' "$1"
}
(timeout 60 "$L/stdio_printf" 20 2000 2>"$T/pn.err" | (sleep 1; cat >"$T/pn.out"))
(timeout 60 env LD_PRELOAD="$LIB" "$L/stdio_printf" 20 2000 2>"$T/ps.err" | (sleep 1; cat >"$T/ps.out"))
is "$(whole "$T/pn.out")" "40000 0" "native: 20 printers, 40,000 lines, all whole and in order"
is "$(whole "$T/ps.out")" "40000 0" "shim: 20 printers, 40,000 lines, all whole and in order"
is "$(cat "$T/ps.err")" "$(cat "$T/pn.err")" "shim: the socket ping-pong went on while stdout was full, as natively ($(cat "$T/ps.err"))"

# stdin on a pipe: scanf and getline through the shim's stream
out=$(printf '5 6\n7 8\n' | shim awk '{print $1+$2}' | shim sort -n | shim tr '\n' ' ')
is "$out" "11 15 " "awk, sort and tr read and write pipes as stdin and stdout under the shim"
same_native_and_shim "wide-character output on stdout (a pipe) and on a byte-oriented stderr: as native" \
    "$L/stdio_wide"
