#!/usr/bin/env bash
# Issue 3, acceptance 3 and the fd rules: every hooked socket, io and select
# call with bad and edge-case arguments prints the same natively and under
# the shim; dup2 over a waited fd wakes the waiter with EBADF; inherited fds
# (a pipe from the shell, a tty) are never switched to non-blocking; a child
# (fork+exec, posix_spawn, popen, system) never inherits a description the
# shim made non-blocking.
. "$(dirname "$0")/../lib.sh"
plan 12

same_native_and_shim "sock_parity: every socket/io/select hook with bad and edge-case arguments" \
    "$L/sock_parity"
out=$(shim "$L/sock_parity" 2>&1)
like "$out" "== done" "sock_parity ran to its end under the shim"
# the symbols it calls are the whole socket, io and select tables
# (stdio, file locks, FIFOs and IPC hooks are io's too: tests 66-68 call those; the
# hooks guarding the shim's own descriptors, socket_priv.c: test 34)
elsewhere=$(for o in stdio flock fifo ipc fileio uring socket_priv; do nm --defined-only "$B/obj/patches/$o.o"; done 2>/dev/null |
    awk '$2 == "T" {print $3}' | sort)
want=$(awk -F', *' '/^GP_SYM\(/ && $4 ~ /^(socket|io|select)$/ {print $2}' patches/symbols.def |
    grep -v "^posix_spawn" | sort | comm -23 - <(echo "$elsewhere"))
have=$(nm -D "$L/sock_parity" | awk '$1 == "U" {sub(/@.*/, "", $2); print $2}' | sort)
missing=$(comm -23 <(echo "$want") <(echo "$have") | tr '\n' ' ')
is "$missing" "" "sock_parity calls every hooked socket/io/select symbol (fortified and 64 forms included)"
# the same with only the fd subsystems patched (real threads)
n=$("$L/sock_parity" 2>&1)
s=$(GEVENT_PATCH=socket,io,select,time shim "$L/sock_parity" 2>&1)
is "$s" "$n" "sock_parity with GEVENT_PATCH=socket,io,select,time: same output"

is "$(shim "$L/pollers" dup2 2>&1)" "read returned -1 errno Bad file descriptor" \
    "shim: a reader blocked on a socket that another thread dup2()s over returns -1/EBADF"

for how in exec spawn popen system; do
    same_native_and_shim "a child made by $how sees the blocking descriptions the program made" \
        "$L/inherit" "$how"
done

# A pipe from the shell: the description is the shell's too. While the
# program waits on it, and after, it stays blocking.
{ sleep 0.6; echo hello; sleep 0.2; echo world; } | LD_PRELOAD=$LIB "$L/inherit" stdin >"$T/in" 2>&1 &
pid=$!
sleep 0.3
flags=$(awk '/^flags:/{print $2}' /proc/$pid/fdinfo/0 2>/dev/null)
wait $pid
ok $([ -n "$flags" ] && [ $((8#$flags & 8#4000)) -eq 0 ]; echo $?) \
    "a shell pipe read under the shim stays blocking while the program waits on it (flags ${flags:-?})"
like "$(cat "$T/in")" "read 6 bytes: hello.*read 6 bytes: world.*read returned 0 after 12 bytes; stdin: blocking" \
    "the program read both lines from the pipe as they came, then EOF"

# A tty (a pty from script(1)): read under the shim, never made non-blocking.
if command -v script >/dev/null; then
    out=$({ sleep 0.4; printf 'from the tty\n'; sleep 0.3; printf '\004'; } |
        timeout 10 script -qec "LD_PRELOAD=$LIB $L/inherit stdin" /dev/null 2>&1 | tr -d '\r')
    like "$out" "stdin before reading: blocking.*read 13 bytes: from the tty.*stdin: blocking" \
        "a tty read under the shim: the line came through and the tty stayed blocking"
else
    todo "a tty read under the shim" "script(1) missing (util-linux)"
fi
