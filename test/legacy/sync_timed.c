#define _GNU_SOURCE
/* Timed waits of every family time out when they should: never early, and
 * not later than a scheduling slack, with ETIMEDOUT; and return 0 when the
 * object is released before the deadline. Each wait is made by a second
 * thread while the main thread holds the object. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS  100
#define SLACK_MS 400 /* generous: the machine may be loaded; never early is the strict part */

static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cvm;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t sem, psem;      /* psem: process-shared, waited for by polling */
static pthread_rwlock_t prw; /* process-shared */
static pthread_t sleeper;

static int64_t now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}
static struct timespec at(clockid_t c, int64_t ms)
{
    int64_t ns = now(c) + ms * 1000000;
    return (struct timespec){ns / 1000000000, ns % 1000000000};
}

enum op {
    RW_TIMEDRD,
    RW_TIMEDWR,
    RW_CLOCKRD,
    RW_CLOCKWR,
    MX_TIMED,
    MX_CLOCK,
    CV_TIMED,
    CV_CLOCK,
    CV_MONO,
    SEM_TIMED,
    SEM_CLOCK,
    SEM_SHARED,
    RW_SHARED,
    JOIN_TIMED,
    JOIN_CLOCK,
    NOPS
};
static const char *names[NOPS] = {
    "pthread_rwlock_timedrdlock",
    "pthread_rwlock_timedwrlock",
    "pthread_rwlock_clockrdlock",
    "pthread_rwlock_clockwrlock",
    "pthread_mutex_timedlock",
    "pthread_mutex_clocklock",
    "pthread_cond_timedwait",
    "pthread_cond_clockwait",
    "pthread_cond_timedwait (monotonic)",
    "sem_timedwait",
    "sem_clockwait",
    "sem_timedwait (pshared)",
    "pthread_rwlock_timedwrlock (pshared)",
    "pthread_timedjoin_np",
    "pthread_clockjoin_np",
};

struct job {
    enum op op;
    int ms;
    int r;
    int64_t took_ms;
};

static int doit(enum op op, int ms, clockid_t *clk)
{
    clockid_t c = (op == RW_CLOCKRD || op == RW_CLOCKWR || op == MX_CLOCK || op == CV_CLOCK ||
                   op == CV_MONO || op == SEM_CLOCK || op == JOIN_CLOCK)
                      ? CLOCK_MONOTONIC
                      : CLOCK_REALTIME;
    struct timespec t = at(c, ms);
    int r;
    *clk = c;
    switch (op) {
    case RW_TIMEDRD:
        r = pthread_rwlock_timedrdlock(&rw, &t);
        break;
    case RW_TIMEDWR:
        r = pthread_rwlock_timedwrlock(&rw, &t);
        break;
    case RW_CLOCKRD:
        r = pthread_rwlock_clockrdlock(&rw, c, &t);
        break;
    case RW_CLOCKWR:
        r = pthread_rwlock_clockwrlock(&rw, c, &t);
        break;
    case MX_TIMED:
        r = pthread_mutex_timedlock(&mx, &t);
        break;
    case MX_CLOCK:
        r = pthread_mutex_clocklock(&mx, c, &t);
        break;
    case CV_TIMED:
    case CV_CLOCK:
    case CV_MONO:
        pthread_mutex_lock(&mx);
        r = op == CV_TIMED  ? pthread_cond_timedwait(&cv, &mx, &t)
            : op == CV_MONO ? pthread_cond_timedwait(&cvm, &mx, &t)
                            : pthread_cond_clockwait(&cv, &mx, c, &t);
        pthread_mutex_unlock(&mx);
        return r;
    case SEM_TIMED:
        r = sem_timedwait(&sem, &t) ? errno : 0;
        break;
    case SEM_CLOCK:
        r = sem_clockwait(&sem, c, &t) ? errno : 0;
        break;
    case SEM_SHARED:
        r = sem_timedwait(&psem, &t) ? errno : 0;
        break;
    case RW_SHARED:
        r = pthread_rwlock_timedwrlock(&prw, &t);
        if (r == 0) pthread_rwlock_unlock(&prw);
        break;
    case JOIN_TIMED:
        r = pthread_timedjoin_np(sleeper, NULL, &t);
        break;
    case JOIN_CLOCK:
        r = pthread_clockjoin_np(sleeper, NULL, c, &t);
        break;
    default:
        r = -1;
    }
    if (r == 0 && op <= RW_CLOCKWR) pthread_rwlock_unlock(&rw);
    if (r == 0 && (op == MX_TIMED || op == MX_CLOCK)) pthread_mutex_unlock(&mx);
    return r;
}

static void *waiter(void *a)
{
    struct job *j = a;
    clockid_t c;
    int64_t t0 = now(CLOCK_MONOTONIC), r0 = now(CLOCK_REALTIME);
    j->r = doit(j->op, j->ms, &c);
    j->took_ms = (c == CLOCK_MONOTONIC ? now(c) - t0 : now(c) - r0) / 1000000;
    return NULL;
}

static void *sleeps(void *a)
{
    usleep(400000);
    return a;
}

/* The main thread holds what op waits for, and releases it after
 * release_ms (0: never). */
static void one(enum op op, int release_ms)
{
    struct job j = {op, WAIT_MS, -1, 0};
    pthread_t t;
    if (op == RW_TIMEDWR || op == RW_CLOCKWR) {
        pthread_rwlock_rdlock(&rw); /* a reader keeps writers out */
    } else if (op == RW_SHARED) {
        pthread_rwlock_rdlock(&prw);
    } else if (op <= RW_CLOCKWR) {
        pthread_rwlock_wrlock(&rw);
    } else if (op == MX_TIMED || op == MX_CLOCK) {
        pthread_mutex_lock(&mx);
    } else if (op == JOIN_TIMED || op == JOIN_CLOCK) {
        pthread_create(&sleeper, NULL, sleeps, NULL);
    }
    pthread_create(&t, NULL, waiter, &j);
    if (release_ms) {
        usleep((useconds_t)release_ms * 1000);
        if (op <= RW_CLOCKWR) pthread_rwlock_unlock(&rw);
        if (op == MX_TIMED || op == MX_CLOCK) pthread_mutex_unlock(&mx);
        if (op >= CV_TIMED && op <= CV_MONO) {
            pthread_mutex_lock(&mx);
            pthread_cond_broadcast(op == CV_MONO ? &cvm : &cv);
            pthread_mutex_unlock(&mx);
        }
        if (op == SEM_TIMED || op == SEM_CLOCK) sem_post(&sem);
        if (op == SEM_SHARED) sem_post(&psem);
        if (op == RW_SHARED) pthread_rwlock_unlock(&prw);
    }
    pthread_join(t, NULL);
    if (!release_ms) {
        if (op <= RW_CLOCKWR) pthread_rwlock_unlock(&rw);
        if (op == MX_TIMED || op == MX_CLOCK) pthread_mutex_unlock(&mx);
        if (op == RW_SHARED) pthread_rwlock_unlock(&prw);
    }
    if (op == JOIN_TIMED || op == JOIN_CLOCK) pthread_join(sleeper, NULL);
    const char *verdict;
    if (release_ms)
        verdict = j.r == 0 && j.took_ms < WAIT_MS ? "released in time" : "WRONG";
    else
        verdict = j.took_ms < WAIT_MS              ? "EARLY"
                  : j.took_ms > WAIT_MS + SLACK_MS ? "LATE"
                                                   : "on time";
    printf("%-38s %-9s %s -> %s\n", names[op], release_ms ? "released" : "held",
           j.r ? strerrorname_np(j.r) : "0", verdict);
    if (strcmp(verdict, "on time") && strcmp(verdict, "released in time"))
        fprintf(stderr, "%s: %s after %lld ms\n", names[op], verdict, (long long)j.took_ms);
}

int main(void)
{
    pthread_condattr_t ca;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cvm, &ca);
    pthread_rwlockattr_t ra;
    sem_init(&sem, 0, 0);
    sem_init(&psem, 1, 0);
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
    pthread_rwlock_init(&prw, &ra);
    for (int op = 0; op < NOPS; op++) one((enum op)op, 0);
    for (int op = 0; op < NOPS; op++)
        if (op != JOIN_TIMED && op != JOIN_CLOCK) one((enum op)op, 30);
    return 0;
}
