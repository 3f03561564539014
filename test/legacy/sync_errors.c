#define _GNU_SOURCE
/* Return codes of the pthread synchronisation API beyond mutexes and
 * condition variables (rwlocks, barriers, spin locks, semaphores, clock
 * variants, robust and priority mutexes, cancellation state, pthread_kill,
 * signal masks, thread attributes), as the POSIX and glibc manual pages list
 * them; printed for comparison, natively and under the shim. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *e(int r)
{
    if (r == PTHREAD_BARRIER_SERIAL_THREAD) return "PTHREAD_BARRIER_SERIAL_THREAD";
    return r ? strerrorname_np(r) : "0";
}
/* pthread_* return the error; sem_* and sigprocmask return -1 and set errno */
#define SHOW(call) printf("%-64s -> %s\n", #call, e(call))
#define SHOWX(call)                                                                                \
    do {                                                                                           \
        errno = 0;                                                                                 \
        int r_ = (call);                                                                           \
        printf("%-64s -> %d %s\n", #call, r_, r_ ? e(errno) : "");                                 \
    } while (0)

static struct timespec past = {0, 0}, badns = {0, 2000000000}, negative = {-1, 0};

static struct timespec soon_on(clockid_t c, long ms)
{
    struct timespec t;
    clock_gettime(c, &t);
    t.tv_nsec += ms * 1000000;
    t.tv_sec += t.tv_nsec / 1000000000;
    t.tv_nsec %= 1000000000;
    return t;
}

/* ---- rwlocks ------------------------------------------------------------- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t rwpref = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static int other;

static void *rw_try_rd(void *a)
{
    other = pthread_rwlock_tryrdlock(a);
    if (other == 0) pthread_rwlock_unlock(a);
    return NULL;
}
static void *rw_try_wr(void *a)
{
    other = pthread_rwlock_trywrlock(a);
    if (other == 0) pthread_rwlock_unlock(a);
    return NULL;
}
static void *rw_timed_wr(void *a)
{
    struct timespec t = soon_on(CLOCK_REALTIME, 30);
    other = pthread_rwlock_timedwrlock(a, &t);
    if (other == 0) pthread_rwlock_unlock(a);
    return NULL;
}
static void *rw_clock_rd(void *a)
{
    struct timespec t = soon_on(CLOCK_MONOTONIC, 30);
    other = pthread_rwlock_clockrdlock(a, CLOCK_MONOTONIC, &t);
    if (other == 0) pthread_rwlock_unlock(a);
    return NULL;
}
static void *rw_writer(void *a)
{
    other = pthread_rwlock_wrlock(a); /* waits for the readers */
    pthread_rwlock_unlock(a);
    return NULL;
}
static void other_thread(void *(*fn)(void *), void *a, const char *what)
{
    pthread_t t;
    pthread_create(&t, NULL, fn, a);
    pthread_join(t, NULL);
    printf("%-64s -> %s\n", what, e(other));
}

static void rwlocks(void)
{
    pthread_rwlock_t l;
    pthread_rwlockattr_t a;
    struct timespec t;
    puts("== rwlock");
    SHOW(pthread_rwlock_rdlock(&rw));
    SHOW(pthread_rwlock_rdlock(&rw));
    SHOW(pthread_rwlock_tryrdlock(&rw));
    SHOW(pthread_rwlock_trywrlock(&rw));
    SHOW(pthread_rwlock_timedwrlock(&rw, &past));
    SHOW(pthread_rwlock_timedwrlock(&rw, &negative));
    SHOW(pthread_rwlock_timedwrlock(&rw, &badns));
    SHOW(pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &past));
    SHOW(pthread_rwlock_clockwrlock(&rw, CLOCK_PROCESS_CPUTIME_ID, &past));
    SHOW(pthread_rwlock_timedrdlock(&rw, &badns));
    SHOW(pthread_rwlock_clockrdlock(&rw, CLOCK_TAI, &past));
    other_thread(rw_try_rd, &rw, "tryrdlock from another thread (read-held)");
    other_thread(rw_try_wr, &rw, "trywrlock from another thread (read-held)");
    other_thread(rw_timed_wr, &rw, "timedwrlock 30 ms from another thread (read-held)");
    SHOW(pthread_rwlock_unlock(&rw));
    SHOW(pthread_rwlock_unlock(&rw));
    SHOW(pthread_rwlock_unlock(&rw));
    SHOW(pthread_rwlock_wrlock(&rw));
    SHOW(pthread_rwlock_wrlock(&rw));
    SHOW(pthread_rwlock_rdlock(&rw));
    SHOW(pthread_rwlock_timedrdlock(&rw, &past));
    SHOW(pthread_rwlock_clockwrlock(&rw, CLOCK_REALTIME, &past));
    SHOW(pthread_rwlock_tryrdlock(&rw));
    SHOW(pthread_rwlock_trywrlock(&rw));
    other_thread(rw_try_rd, &rw, "tryrdlock from another thread (write-held)");
    other_thread(rw_clock_rd, &rw, "clockrdlock 30 ms from another thread (write-held)");
    SHOW(pthread_rwlock_unlock(&rw));
    SHOW(pthread_rwlock_trywrlock(&rw));
    SHOW(pthread_rwlock_unlock(&rw));
    t = soon_on(CLOCK_REALTIME, 10);
    SHOW(pthread_rwlock_timedrdlock(&rw, &t));
    SHOW(pthread_rwlock_unlock(&rw));
    t = soon_on(CLOCK_MONOTONIC, 10);
    SHOW(pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &t));
    SHOW(pthread_rwlock_unlock(&rw));
    SHOW(pthread_rwlock_destroy(&rw));

    puts("== rwlock preferences");
    pthread_rwlockattr_init(&a);
    SHOW(pthread_rwlockattr_setkind_np(&a, 7));
    SHOW(pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NP));
    SHOW(pthread_rwlockattr_setpshared(&a, 5));
    SHOW(pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED));
    SHOW(pthread_rwlock_init(&l, &a));
    SHOW(pthread_rwlock_rdlock(&l));
    SHOW(pthread_rwlock_trywrlock(&l));
    SHOW(pthread_rwlock_unlock(&l));
    SHOW(pthread_rwlock_wrlock(&l));
    SHOW(pthread_rwlock_rdlock(&l));
    SHOW(pthread_rwlock_unlock(&l));
    SHOW(pthread_rwlock_destroy(&l));
    pthread_rwlockattr_destroy(&a);

    /* A writer waits for a reader: a new reader gets in with the default
     * preference, not with the writer-nonrecursive one. */
    pthread_t t1;
    pthread_rwlock_t def = PTHREAD_RWLOCK_INITIALIZER;
    SHOW(pthread_rwlock_rdlock(&def));
    pthread_create(&t1, NULL, rw_writer, &def);
    usleep(50000);
    SHOW(pthread_rwlock_tryrdlock(&def));
    SHOW(pthread_rwlock_unlock(&def));
    SHOW(pthread_rwlock_unlock(&def));
    pthread_join(t1, NULL);
    printf("%-64s -> %s\n", "the waiting writer got it (default)", e(other));

    SHOW(pthread_rwlock_rdlock(&rwpref));
    pthread_create(&t1, NULL, rw_writer, &rwpref);
    usleep(50000);
    SHOW(pthread_rwlock_tryrdlock(&rwpref));
    SHOW(pthread_rwlock_unlock(&rwpref));
    pthread_join(t1, NULL);
    printf("%-64s -> %s\n", "the waiting writer got it (writer preferred)", e(other));
    SHOW(pthread_rwlock_tryrdlock(&rwpref));
    SHOW(pthread_rwlock_unlock(&rwpref));
}

/* ---- barriers and spin locks --------------------------------------------- */

static pthread_barrier_t bar;
static int serial_count;

static void *bar_wait(void *a)
{
    (void)a;
    if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
        __atomic_fetch_add(&serial_count, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void barriers(void)
{
    pthread_barrierattr_t a;
    pthread_t t[3];
    puts("== barrier");
    SHOW(pthread_barrier_init(&bar, NULL, 0));
    SHOW(pthread_barrier_init(&bar, NULL, UINT_MAX));
    SHOW(pthread_barrier_init(&bar, NULL, 1));
    SHOW(pthread_barrier_wait(&bar));
    SHOW(pthread_barrier_wait(&bar));
    SHOW(pthread_barrier_destroy(&bar));
    pthread_barrierattr_init(&a);
    SHOW(pthread_barrierattr_setpshared(&a, 3));
    SHOW(pthread_barrierattr_setpshared(&a, PTHREAD_PROCESS_SHARED));
    SHOW(pthread_barrier_init(&bar, &a, 4));
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, bar_wait, NULL);
    bar_wait(NULL);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("%-64s -> %d\n", "serial threads among 4 waiters", serial_count);
    SHOW(pthread_barrier_destroy(&bar));
    pthread_barrierattr_destroy(&a);

    puts("== spin");
    pthread_spinlock_t s;
    SHOW(pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE));
    SHOW(pthread_spin_lock(&s));
    SHOW(pthread_spin_trylock(&s));
    SHOW(pthread_spin_unlock(&s));
    SHOW(pthread_spin_trylock(&s));
    SHOW(pthread_spin_unlock(&s));
    SHOW(pthread_spin_destroy(&s));
    SHOW(pthread_spin_init(&s, PTHREAD_PROCESS_SHARED));
    SHOW(pthread_spin_lock(&s));
    SHOW(pthread_spin_unlock(&s));
    SHOW(pthread_spin_destroy(&s));
}

/* ---- semaphores ------------------------------------------------------------ */

static void semaphores(void)
{
    sem_t s;
    int v = -1;
    struct timespec t;
    char name[64];
    puts("== sem");
    SHOWX(sem_init(&s, 0, (unsigned)SEM_VALUE_MAX + 1));
    SHOWX(sem_init(&s, 0, 1));
    SHOWX(sem_trywait(&s));
    SHOWX(sem_trywait(&s));
    SHOWX(sem_timedwait(&s, &past));
    SHOWX(sem_timedwait(&s, &negative));
    SHOWX(sem_timedwait(&s, &badns));
    SHOWX(sem_clockwait(&s, CLOCK_MONOTONIC, &past));
    SHOWX(sem_clockwait(&s, CLOCK_PROCESS_CPUTIME_ID, &past));
    SHOWX(sem_clockwait(&s, CLOCK_MONOTONIC, &badns));
    t = soon_on(CLOCK_REALTIME, 10);
    SHOWX(sem_timedwait(&s, &t));
    SHOWX(sem_post(&s));
    SHOWX(sem_timedwait(&s, &badns));
    SHOWX(sem_post(&s));
    SHOWX(sem_clockwait(&s, CLOCK_PROCESS_CPUTIME_ID, &past));
    SHOWX(sem_clockwait(&s, CLOCK_REALTIME, &past));
    SHOWX(sem_wait(&s));
    SHOWX(sem_getvalue(&s, &v));
    printf("%-64s -> %d\n", "value", v);
    SHOWX(sem_destroy(&s));
    SHOWX(sem_init(&s, 1, SEM_VALUE_MAX));
    SHOWX(sem_post(&s));
    SHOWX(sem_getvalue(&s, &v));
    printf("%-64s -> %d\n", "value", v);
    SHOWX(sem_wait(&s));
    SHOWX(sem_post(&s));
    SHOWX(sem_destroy(&s));

    puts("== named sem");
    snprintf(name, sizeof name, "/gp-sync-errors-%d", (int)getpid());
    sem_t *n;
    errno = 0;
    n = sem_open(name, 0);
    printf("%-64s -> %s %s\n", "sem_open(missing, 0)", n == SEM_FAILED ? "SEM_FAILED" : "ok",
           e(errno));
    errno = 0;
    n = sem_open(name, O_CREAT, 0600, (unsigned)SEM_VALUE_MAX + 1);
    printf("%-64s -> %s %s\n", "sem_open(O_CREAT, value too big)",
           n == SEM_FAILED ? "SEM_FAILED" : "ok", e(errno));
    errno = 0;
    n = sem_open(name, O_CREAT | O_EXCL, 0600, 2);
    printf("%-64s -> %s\n", "sem_open(O_CREAT|O_EXCL, 2)", n == SEM_FAILED ? "SEM_FAILED" : "ok");
    errno = 0;
    sem_t *n2 = sem_open(name, O_CREAT | O_EXCL, 0600, 2);
    printf("%-64s -> %s %s\n", "sem_open(O_CREAT|O_EXCL) again",
           n2 == SEM_FAILED ? "SEM_FAILED" : "ok", e(errno));
    n2 = sem_open(name, 0);
    printf("%-64s -> %s\n", "sem_open(existing, 0)", n2 == SEM_FAILED ? "SEM_FAILED" : "ok");
    SHOWX(sem_wait(n));
    SHOWX(sem_trywait(n2));
    SHOWX(sem_trywait(n));
    SHOWX(sem_timedwait(n, &past));
    SHOWX(sem_post(n2));
    SHOWX(sem_getvalue(n, &v));
    printf("%-64s -> %d\n", "value", v);
    SHOWX(sem_close(n2));
    SHOWX(sem_close(n));
    SHOWX(sem_unlink(name));
    SHOWX(sem_unlink(name));
}

/* ---- mutex and condvar extras ---------------------------------------------- */

static pthread_mutex_t rob;
static void *lock_and_exit(void *a)
{
    pthread_mutex_lock(a);
    return NULL; /* ends holding it */
}
static void *unlock_other(void *a)
{
    other = pthread_mutex_unlock(a);
    return NULL;
}

static void mutexes(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, pp;
    pthread_mutexattr_t a;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_t t;
    struct timespec ts;
    int ceiling = -1;
    puts("== mutex clocklock, consistent, priorities");
    SHOW(pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &past));
    SHOW(pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &past));
    SHOW(pthread_mutex_clocklock(&m, CLOCK_REALTIME, &negative));
    SHOW(pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &badns));
    SHOW(pthread_mutex_clocklock(&m, CLOCK_PROCESS_CPUTIME_ID, &past));
    ts = soon_on(CLOCK_MONOTONIC, 10);
    SHOW(pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts));
    SHOW(pthread_mutex_consistent(&m));
    SHOW(pthread_mutex_getprioceiling(&m, &ceiling));
    SHOW(pthread_mutex_unlock(&m));

    puts("== condvar clockwait");
    pthread_mutex_lock(&m);
    SHOW(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &past));
    SHOW(pthread_cond_clockwait(&c, &m, CLOCK_REALTIME, &past));
    SHOW(pthread_cond_clockwait(&c, &m, CLOCK_PROCESS_CPUTIME_ID, &past));
    SHOW(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &badns));
    ts = soon_on(CLOCK_MONOTONIC, 10);
    SHOW(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &ts));
    SHOW(pthread_mutex_trylock(&m));
    pthread_mutex_unlock(&m);

    pthread_mutexattr_init(&a);
    SHOW(pthread_mutexattr_setprotocol(&a, 9));
    SHOW(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_PROTECT));
    SHOW(pthread_mutexattr_setprioceiling(&a, 5));
    SHOW(pthread_mutex_init(&pp, &a));
    SHOW(pthread_mutex_getprioceiling(&pp, &ceiling));
    printf("%-64s -> %d\n", "ceiling", ceiling);
    SHOW(pthread_mutex_setprioceiling(&pp, 100000, &ceiling));
    SHOW(pthread_mutex_destroy(&pp));
    SHOW(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST));
    SHOW(pthread_mutex_init(&pp, &a));
    SHOW(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT));
    SHOW(pthread_mutex_init(&pp, &a));
    SHOW(pthread_mutex_lock(&pp));
    SHOW(pthread_mutex_trylock(&pp));
    SHOW(pthread_mutex_unlock(&pp));
    SHOW(pthread_mutex_destroy(&pp));
    SHOW(pthread_mutexattr_setrobust(&a, 5));
    pthread_mutexattr_destroy(&a);

    puts("== robust mutex");
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    SHOW(pthread_mutex_init(&rob, &a));
    SHOW(pthread_mutex_unlock(&rob));
    SHOW(pthread_mutex_lock(&rob));
    SHOW(pthread_mutex_lock(&rob));
    SHOW(pthread_mutex_trylock(&rob));
    other_thread(unlock_other, &rob, "unlock robust from another thread");
    SHOW(pthread_mutex_consistent(&rob));
    SHOW(pthread_mutex_unlock(&rob));
    pthread_create(&t, NULL, lock_and_exit, &rob);
    pthread_join(t, NULL);
    SHOW(pthread_mutex_lock(&rob));
    SHOW(pthread_mutex_unlock(&rob));
    SHOW(pthread_mutex_lock(&rob));
    SHOW(pthread_mutex_trylock(&rob));
    SHOW(pthread_mutex_consistent(&rob));
    SHOW(pthread_mutex_destroy(&rob));
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    SHOW(pthread_mutex_init(&rob, &a));
    pthread_create(&t, NULL, lock_and_exit, &rob);
    pthread_join(t, NULL);
    SHOW(pthread_mutex_trylock(&rob));
    SHOW(pthread_mutex_lock(&rob));
    SHOW(pthread_mutex_consistent(&rob));
    SHOW(pthread_mutex_unlock(&rob));
    SHOW(pthread_mutex_unlock(&rob));
    SHOW(pthread_mutex_unlock(&rob));
    SHOW(pthread_mutex_destroy(&rob));
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_NORMAL);
    SHOW(pthread_mutex_init(&rob, &a));
    ts = soon_on(CLOCK_REALTIME, 10);
    pthread_create(&t, NULL, lock_and_exit, &rob);
    pthread_join(t, NULL);
    SHOW(pthread_mutex_timedlock(&rob, &ts));
    SHOW(pthread_mutex_unlock(&rob));
    SHOW(pthread_mutex_timedlock(&rob, &ts));
    SHOW(pthread_mutex_destroy(&rob));
    pthread_mutexattr_destroy(&a);
}

/* ---- cancellation state, pthread_kill, masks, attributes --------------------- */

static void *sleeper(void *a)
{
    (void)a;
    for (;;) sleep(10); /* a cancellation point */
    return NULL;
}
static void *quick(void *a)
{
    return a;
}
static volatile sig_atomic_t got_usr1;
static int usr2_blocked = -1;
static void *mask_of(void *a)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    usr2_blocked = sigismember(&cur, SIGUSR2);
    return a;
}
static void on_usr1(int s)
{
    (void)s;
    got_usr1++;
}

static void misc(void)
{
    int old = -1;
    sigset_t set, cur;
    pthread_t t;
    pthread_attr_t a, g;
    size_t sz = 0;
    int v = -1;
    puts("== cancel state");
    SHOW(pthread_setcancelstate(7, &old));
    SHOW(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old));
    printf("%-64s -> %d\n", "old state", old);
    SHOW(pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old));
    printf("%-64s -> %d\n", "old state", old);
    SHOW(pthread_setcanceltype(7, &old));
    SHOW(pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old));
    printf("%-64s -> %d\n", "old type", old);
    SHOW(pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &old));
    printf("%-64s -> %d\n", "old type", old);
    pthread_create(&t, NULL, quick, NULL);
    usleep(20000); /* it has ended, not yet joined */
    SHOW(pthread_cancel(t));
    SHOW(pthread_kill(t, 0));
    SHOW(pthread_kill(t, SIGUSR1));
    pthread_join(t, NULL);

    puts("== pthread_kill, masks");
    signal(SIGUSR1, on_usr1);
    pthread_create(&t, NULL, sleeper, NULL);
    SHOW(pthread_kill(t, 0));
    SHOW(pthread_kill(t, -1));
    SHOW(pthread_kill(t, 65));
    SHOW(pthread_kill(t, 32));
    SHOW(pthread_kill(pthread_self(), SIGUSR1));
    printf("%-64s -> %d\n", "handler ran (self)", (int)got_usr1);
    SHOW(pthread_kill(t, SIGUSR1));
    usleep(50000);
    printf("%-64s -> %d\n", "handler ran (sleeping thread)", (int)got_usr1);
    SHOW(pthread_cancel(t));
    pthread_join(t, NULL);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    SHOW(pthread_sigmask(99, &set, NULL));
    SHOW(pthread_sigmask(99, NULL, &cur));
    SHOW(pthread_sigmask(SIG_BLOCK, &set, NULL));
    SHOW(pthread_sigmask(SIG_BLOCK, NULL, &cur));
    printf("%-64s -> %d\n", "SIGUSR2 blocked", sigismember(&cur, SIGUSR2));
    SHOW(pthread_sigmask(SIG_UNBLOCK, &set, &cur));
    printf("%-64s -> %d\n", "SIGUSR2 was blocked", sigismember(&cur, SIGUSR2));
    SHOWX(sigprocmask(77, &set, NULL));
    SHOWX(sigprocmask(SIG_SETMASK, &set, &cur));
    SHOWX(sigprocmask(SIG_SETMASK, NULL, &cur));
    printf("%-64s -> %d\n", "SIGUSR2 blocked", sigismember(&cur, SIGUSR2));
    sigemptyset(&set);
    SHOWX(sigprocmask(SIG_SETMASK, &set, NULL));

    puts("== attributes");
    pthread_attr_init(&a);
    SHOW(pthread_attr_setguardsize(&a, 3 * 4096));
    SHOW(pthread_attr_setstacksize(&a, 1 << 20));
    SHOW(pthread_attr_setdetachstate(&a, 5));
    SHOW(pthread_attr_setinheritsched(&a, 9));
    SHOW(pthread_attr_setscope(&a, PTHREAD_SCOPE_PROCESS));
    SHOW(pthread_create(&t, &a, sleeper, NULL));
    SHOW(pthread_getattr_np(t, &g));
    pthread_attr_getguardsize(&g, &sz);
    printf("%-64s -> %zu\n", "guard size", sz);
    pthread_attr_getstacksize(&g, &sz);
    printf("%-64s -> %s\n", "stack size at least 1 MiB", sz >= (1 << 20) ? "yes" : "no");
    pthread_attr_getdetachstate(&g, &v);
    printf("%-64s -> %d\n", "detach state", v);
    pthread_attr_getinheritsched(&g, &v);
    printf("%-64s -> %d\n", "inherit sched", v);
    pthread_attr_getscope(&g, &v);
    printf("%-64s -> %d\n", "scope", v);
    pthread_attr_getschedpolicy(&g, &v);
    printf("%-64s -> %d\n", "policy", v);
    pthread_attr_destroy(&g);
    pthread_cancel(t);
    pthread_join(t, NULL);
    pthread_attr_destroy(&a);
    pthread_attr_init(&a);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    SHOW(pthread_attr_setsigmask_np(&a, &set));
    SHOW(pthread_create(&t, &a, mask_of, NULL));
    pthread_join(t, NULL);
    printf("%-64s -> %d\n", "SIGUSR2 blocked in a thread made with that mask", usr2_blocked);
    SHOW(pthread_create(&t, NULL, mask_of, NULL));
    pthread_join(t, NULL);
    printf("%-64s -> %d\n", "SIGUSR2 blocked in a thread made without", usr2_blocked);
    pthread_attr_destroy(&a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    rwlocks();
    barriers();
    semaphores();
    mutexes();
    misc();
    return 0;
}
