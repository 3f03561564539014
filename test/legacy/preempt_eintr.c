/* Blocking calls beside threads that compute (issue 14: a preemption
 * signal must never make a call return EINTR):
 *
 *   preempt_eintr MS
 *
 * Two threads compute without calls (so that preemption has something to
 * do) while others loop on blocking calls that can return EINTR when a
 * signal lands on them: nanosleep, usleep, clock_nanosleep, poll, select,
 * epoll_wait, pselect, read on a pipe, sem_timedwait,
 * pthread_cond_timedwait, sigtimedwait, and nanosleep/poll made with
 * syscall(2), which the shim passes to the kernel. After MS ms it prints
 * how many of each failed with EINTR (stdout: the same natively and under
 * the shim, "name eintr 0"), and the call counts on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static volatile unsigned long sink;
static int pfd[2], qfd[2], epfd; /* pfd: fed by a writer; qfd: never written */
static sem_t sem;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

enum {
    NANOSLEEP,
    USLEEP,
    CLOCK_NANOSLEEP,
    POLL,
    SELECT,
    EPOLL_WAIT,
    PSELECT,
    READ,
    SEM_TIMEDWAIT,
    COND_TIMEDWAIT,
    SIGTIMEDWAIT,
    RAW_NANOSLEEP,
    RAW_POLL,
    NCALLS
};
static const char *names[NCALLS] = {"nanosleep",      "usleep",       "clock_nanosleep",
                                    "poll",           "select",       "epoll_wait",
                                    "pselect",        "read",         "sem_timedwait",
                                    "cond_timedwait", "sigtimedwait", "syscall(nanosleep)",
                                    "syscall(poll)"};
static unsigned long calls[NCALLS], eintr[NCALLS];

static void *computer(void *a)
{
    (void)a;
    unsigned long x = 1;
    while (!stop)
        for (int i = 0; i < 100000; i++) x = x * 6364136223846793005ul + 1442695040888963407ul;
    sink = x;
    return NULL;
}

static void deadline(struct timespec *ts, long us)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += us * 1000;
    if (ts->tv_nsec >= 1000000000) ts->tv_sec++, ts->tv_nsec -= 1000000000;
}

/* one call, 200 us-ish; -1/EINTR counted */
static int one(int c)
{
    struct timespec ts = {0, 200000}, abs;
    struct pollfd p = {qfd[0], POLLIN, 0};
    struct epoll_event ev;
    struct timeval tv = {0, 200};
    fd_set r;
    sigset_t set;
    char b;
    switch (c) {
    case NANOSLEEP:
        return nanosleep(&ts, NULL);
    case USLEEP:
        return usleep(200);
    case CLOCK_NANOSLEEP: {
        int e = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
        if (e) errno = e;
        return e ? -1 : 0;
    }
    case POLL:
        return poll(&p, 1, 1);
    case SELECT:
        FD_ZERO(&r);
        FD_SET(qfd[0], &r);
        return select(qfd[0] + 1, &r, NULL, NULL, &tv);
    case EPOLL_WAIT:
        return epoll_wait(epfd, &ev, 1, 1);
    case PSELECT:
        FD_ZERO(&r);
        FD_SET(qfd[0], &r);
        return pselect(qfd[0] + 1, &r, NULL, NULL, &ts, NULL);
    case READ:
        return read(pfd[0], &b, 1) < 0 ? -1 : 0; /* a writer thread feeds it */
    case SEM_TIMEDWAIT:
        deadline(&abs, 200);
        return sem_timedwait(&sem, &abs) < 0 && errno == ETIMEDOUT ? 0 : (errno == EINTR ? -1 : 0);
    case COND_TIMEDWAIT: {
        deadline(&abs, 200);
        pthread_mutex_lock(&mu);
        int e = pthread_cond_timedwait(&cv, &mu, &abs);
        pthread_mutex_unlock(&mu);
        if (e == EINTR) errno = EINTR;
        return e == EINTR ? -1 : 0;
    }
    case SIGTIMEDWAIT:
        sigemptyset(&set);
        sigaddset(&set, SIGUSR2);
        return sigtimedwait(&set, NULL, &ts) < 0 && errno == EAGAIN ? 0 : -1;
    /* the shim does not cover these: each holds the OS thread for its
     * 50 us, then the thread sleeps in a covered call, to let others run */
    case RAW_NANOSLEEP: {
        struct timespec s50 = {0, 50000};
        int rc = (int)syscall(SYS_nanosleep, &s50, NULL), e = errno;
        usleep(500);
        errno = e;
        return rc;
    }
    case RAW_POLL: {
        int rc = (int)syscall(SYS_ppoll, &p, 1, &(struct timespec){0, 50000}, NULL, 8), e = errno;
        usleep(500);
        errno = e;
        return rc;
    }
    }
    return 0;
}

static void *caller(void *a)
{
    int c = (int)(long)a;
    while (!stop) {
        errno = 0;
        if (one(c) < 0 && errno == EINTR) eintr[c]++;
        calls[c]++;
    }
    return NULL;
}

static void *writer(void *a)
{
    (void)a;
    while (!stop) {
        if (write(pfd[1], "x", 1) != 1) break;
        usleep(300);
    }
    close(pfd[1]); /* the reader's last read returns 0 */
    return NULL;
}

int main(int argc, char **argv)
{
    long ms = argc > 1 ? atol(argv[1]) : 2000;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* for sigtimedwait, inherited */
    if (pipe(pfd) || pipe(qfd) || (epfd = epoll_create1(0)) < 0) return 1;
    sem_init(&sem, 0, 0);
    pthread_t t[NCALLS + 3];
    int n = 0;
    pthread_create(&t[n++], NULL, computer, NULL);
    pthread_create(&t[n++], NULL, computer, NULL);
    pthread_create(&t[n++], NULL, writer, NULL);
    for (long c = 0; c < NCALLS; c++) pthread_create(&t[n++], NULL, caller, (void *)c);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    stop = 1;
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    for (int c = 0; c < NCALLS; c++) {
        printf("%s eintr %lu\n", names[c], eintr[c]);
        fprintf(stderr, "%s calls %lu\n", names[c], calls[c]);
    }
    return 0;
}
