#!/usr/bin/env bash
# Issue 4, acceptance 1: a barrier across 100 threads for 100 rounds, with
# exactly one PTHREAD_BARRIER_SERIAL_THREAD per round.
. "$(dirname "$0")/../lib.sh"
plan 3
parity sync_barrier "100 threads x 100 rounds: all arrive before any leaves"
out=$(shim "$L/sync_barrier")
like "$out" "rounds with exactly one serial thread: 100" "exactly one serial thread in each of the 100 rounds"
