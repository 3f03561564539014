#!/usr/bin/env bash
# Issue 7, acceptance 3 (short version; `make soak` runs 200,000): 20,000
# connections opened, echoed and closed in waves of 2,000 against the
# thread-per-connection server under the shim: every byte verified, the
# server's fd count back to its start after every wave, RSS flat.
. "$(dirname "$0")/../lib.sh"
plan 4
release_lib
out=$(GP_SOAK_LIB=$LIB test/soak 10 2000 4 2>&1)
diag "$(tail -3 <<<"$out")"
v=$(tail -1 <<<"$out")
like "$v" "^soak: 20000 connections in 10 waves of 2000: failed waves 0," "every wave: every byte echoed"
like "$v" "fds leaked 0," "no fd leaked: /proc/PID/fd back to the start after each wave"
growth=$(sed -n 's/.*(growth \(-*[0-9]*\) KiB).*/\1/p' <<<"$v")
[ -n "$growth" ] && [ "$growth" -lt 2048 ]; ok $? "RSS flat after the first wave (growth ${growth:-?} KiB < 2 MiB)"
like "$v" "server exit 0$" "the server exits cleanly after the last connection"
