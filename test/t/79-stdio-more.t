#!/usr/bin/env bash
# Issue 15, item 1, the rest of stdio on a socket stream (fdopen): fseek and
# ftell fail with ESPIPE, wide I/O (fputws, fgetwc, fgetws, fwide) reads and
# writes the locale's multibyte bytes (the shim's streams have no wide side
# of their own: it converts), getc_unlocked / fputs_unlocked /
# fflush_unlocked work, and perror writes to a socket stderr: the same
# output natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 2
native=$("$L/stdio_more" 2>&1)
like "$native" "fgetws: ok éllo" "native: the wide line read back"
is "$(shim "$L/stdio_more" 2>&1)" "$native" "same output natively and under the shim"
