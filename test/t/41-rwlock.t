#!/usr/bin/env bash
# Issue 4, acceptance 1: readers and writers with counts checked, with each
# of glibc's three preferences.
. "$(dirname "$0")/../lib.sh"
plan 4
parity sync_rwlock "readers overlap, writers alone, counts right (three preferences)"
out=$(shim "$L/sync_rwlock")
is "$(grep -c 'writes 400 (expected 400), table\[0\] 400' <<<"$out")" 3 "every write counted, under all three preferences"
is "$(grep -c 'readers held it together: yes' <<<"$out")" 3 "readers held the lock together"
