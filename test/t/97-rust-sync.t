#!/usr/bin/env bash
# Issue 11, item 6: Rust programs (rustc -O, std only). rust_futex: std's
# Mutex, Condvar, RwLock and Once (raw futexes through libc's syscall())
# shared by threads made with pthread_create. rust_sync: std::thread with
# every std primitive (Mutex, Condvar, RwLock, Once/OnceLock, park/unpark,
# mpsc, scoped threads, Barrier), a mutex held across thread::sleep and a
# socket read, 200 threads, thread_local! with Drop.
. "$(dirname "$0")/../lib.sh"
plan 6

if asan_dep_fails "$L/rust_futex"; then # lib.sh: libasan after ld.so, without the shim too
    # libasan, loaded as the sanitizer build's dependency, dies in its own
    # start-up (InitTlsSize calls a NULL pointer) in a Rust binary, before
    # the shim runs; the release build is checked in the plain suite.
    why="sanitizer build: libasan, loaded after ld.so (a dependency the Rust binary names), fails without the shim too"
    todo "Rust std locks between pthread_create threads (test/legacy/rust_futex.rs)" "$why"
    todo "rust_futex under the shim: status 0 on at most 2 OS threads" "$why"
    todo "Rust std's futex waits went through the hub" "$why"
else
    parity rust_futex "Rust std locks between pthread_create threads (test/legacy/rust_futex.rs)"
    out=$(GEVENT_STATS=1 shim "$L/rust_futex" 2>&1)
    like "$out" "thread +syscall +[0-9]+ +[1-9]" "Rust std's futex waits went through the hub"
fi

native=$("$L/rust_sync" 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [ "$(grep -c . <<<"$native")" -eq 17 ] &&
    grep -q "^200 threads x 100 increments under a Mutex: 20000$" <<<"$native"
ok $? "rust_sync natively: 17 lines, status 0"
[ "$rc" -eq 0 ] || diag "$native"

if asan_dep_fails "$L/rust_sync"; then # lib.sh: libasan after ld.so, without the shim too
    why="sanitizer build: libasan, loaded after ld.so (a dependency the Rust binary names), fails without the shim too"
    todo "rust_sync: the same output under the shim" "$why"
    todo "rust_sync under the shim: status 0 on at most 2 OS threads" "$why"
else
    same_native_and_shim "rust_sync: the same output under the shim" "$L/rust_sync"
    sampled "$T/rust.out" shim "$L/rust_sync"
    [ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]
    ok $? "rust_sync under the shim: status 0 on at most 2 OS threads (saw $MAXTHREADS)"
fi
