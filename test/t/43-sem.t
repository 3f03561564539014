#!/usr/bin/env bash
# Issue 4, acceptance 1: a semaphore-bounded worker pool, and a bounded
# buffer on two counting semaphores.
. "$(dirname "$0")/../lib.sh"
plan 3
parity sync_sempool "200 tasks through 8 permits; producers and consumers"
out=$(shim "$L/sync_sempool")
like "$out" "200 tasks done, at most 8 at a time \(limit 8\), permits back: 8" "the pool never ran more than 8 at once, and used all 8"
