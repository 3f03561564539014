#!/usr/bin/env bash
# The thread subsystem covers what a program built with gcc -pthread on this
# system really imports for synchronisation (nm -D), including what
# pthread_cleanup_push/pop expand to; nothing left "not implemented".
. "$(dirname "$0")/../lib.sh"
plan 5
list=$("$RUN" --list)
is "$(awk '$1=="thread" && $3!="patched"' <<<"$list" | wc -l)" 0 "every thread symbol in the table is patched"
cat >"$T/p.c" <<'C'
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <time.h>
static void h(void *a) { (void)a; }
static void *f(void *a)
{
    pthread_cleanup_push(h, a);
    pthread_testcancel();
    pthread_cleanup_pop(1);
    pthread_cleanup_push_defer_np(h, a);
    pthread_cleanup_pop_restore_np(0);
    return a;
}
int main(void)
{
    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    pthread_barrier_t b;
    pthread_spinlock_t s;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    struct timespec ts = {0, 0};
    sem_t sem;
    sigset_t set;
    pthread_t t;
    int old;
    pthread_rwlock_rdlock(&rw); pthread_rwlock_tryrdlock(&rw); pthread_rwlock_timedrdlock(&rw, &ts);
    pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &ts); pthread_rwlock_unlock(&rw);
    pthread_rwlock_wrlock(&rw); pthread_rwlock_trywrlock(&rw); pthread_rwlock_timedwrlock(&rw, &ts);
    pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &ts); pthread_rwlock_destroy(&rw);
    pthread_rwlock_init(&rw, NULL);
    pthread_barrier_init(&b, NULL, 1); pthread_barrier_wait(&b); pthread_barrier_destroy(&b);
    pthread_spin_init(&s, 0); pthread_spin_lock(&s); pthread_spin_trylock(&s); pthread_spin_unlock(&s);
    pthread_spin_destroy(&s);
    sem_init(&sem, 0, 1); sem_wait(&sem); sem_trywait(&sem); sem_timedwait(&sem, &ts);
    sem_clockwait(&sem, CLOCK_MONOTONIC, &ts); sem_post(&sem); sem_getvalue(&sem, &old);
    sem_destroy(&sem); sem_close(sem_open("/x", 0)); sem_unlink("/x");
    pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts); pthread_mutex_consistent(&m);
    pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &ts);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old); pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old);
    pthread_create(&t, NULL, f, NULL); pthread_cancel(t); pthread_kill(t, 0); pthread_join(t, NULL);
    sigemptyset(&set); pthread_sigmask(SIG_BLOCK, &set, NULL); sigprocmask(SIG_BLOCK, &set, NULL);
    sigpending(&set);
    return 0;
}
C
cc -O2 -pthread -o "$T/p" "$T/p.c"; ok $? "a program using the whole synchronisation API builds with gcc -pthread"
nm -D --undefined-only "$T/p" | awk '{print $2}' | sed 's/@.*//' |
    grep -E '^(pthread_|sem_|__pthread_|_pthread_|sig(procmask|pending))' | grep -v -E 'attr_|^pthread_create$' | sort -u >"$T/imp"
like "$(tr '\n' ' ' <"$T/imp")" "__pthread_register_cancel .*__pthread_unregister_cancel .*__pthread_unwind_next" \
    "it imports glibc's cleanup machinery (register/unregister_cancel, unwind_next)"
missing=$(while read -r sym; do grep -qE "^thread +$sym +patched" <<<"$list" || echo "$sym"; done <"$T/imp" | tr '\n' ' ')
is "$missing" "" "every synchronisation call it imports is patched ($(wc -l <"$T/imp") calls)"
out=$("$RUN" --why sem_timedwait); rc=$?
like "$rc:$out" "^0:sem_timedwait: patched \(subsystem thread\)" "--why sem_timedwait: patched"
