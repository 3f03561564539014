#define _GNU_SOURCE
/* Threads with thread-local storage of their own handing work around, in
 * the patterns whose switch counts matter when a thread's TLS block is
 * switched by a system call: tls_switches WHAT N
 *   pingpong  two threads alternate over a mutex and a condvar, N round trips
 *   wakework  as pingpong, but the waker keeps running (unlocks, works,
 *             yields, relocks) before it waits
 *   exits     N threads wait on a condvar, are released at once and end
 *   yield     the main thread yields N times while the other sleeps
 * Each thread checks its own __thread values; the output is the same
 * whatever the scheduling. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static __thread long t_id = -1;
static __thread char t_tag[16];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER, cv_main = PTHREAD_COND_INITIALIZER;
static int turn, waiting, go, bad;
static long n;

static void mine(long id)
{
    t_id = id;
    snprintf(t_tag, sizeof t_tag, "t%ld", id);
}

static int still_mine(long id)
{
    char want[16];
    snprintf(want, sizeof want, "t%ld", id);
    return t_id == id && strcmp(t_tag, want) == 0;
}

static void *ponger(void *arg)
{
    mine(1);
    pthread_mutex_lock(&m);
    for (long i = 0; i < n; i++) {
        while (turn != 1) pthread_cond_wait(&cv, &m);
        turn = 0;
        bad += !still_mine(1);
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&m);
    return arg;
}

static void *sleeper(void *arg)
{
    mine(1);
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    bad += !still_mine(1);
    return arg;
}

static void *ender(void *arg)
{
    long id = (long)arg;
    mine(id);
    pthread_mutex_lock(&m);
    if (++waiting == n) pthread_cond_signal(&cv_main);
    while (!go) pthread_cond_wait(&cv, &m);
    pthread_mutex_unlock(&m);
    bad += !still_mine(id);
    return arg;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (n = atol(argv[2])) <= 0) {
        fprintf(stderr, "usage: %s pingpong|wakework|exits|yield N\n", argv[0]);
        return 2;
    }
    const char *what = argv[1];
    mine(0);
    if (!strcmp(what, "pingpong") || !strcmp(what, "wakework")) {
        int work = !strcmp(what, "wakework");
        pthread_t t;
        pthread_create(&t, NULL, ponger, NULL);
        pthread_mutex_lock(&m);
        for (long i = 0; i < n; i++) {
            turn = 1;
            pthread_cond_signal(&cv);
            if (work) {
                pthread_mutex_unlock(&m);
                for (volatile int k = 0; k < 1000; k++) continue;
                sched_yield();
                pthread_mutex_lock(&m);
            }
            while (turn != 0) pthread_cond_wait(&cv, &m);
            bad += !still_mine(0);
        }
        pthread_mutex_unlock(&m);
        pthread_join(t, NULL);
    } else if (!strcmp(what, "exits")) {
        pthread_t *t = calloc((size_t)n, sizeof *t);
        if (!t) return 1;
        for (long i = 0; i < n; i++) pthread_create(&t[i], NULL, ender, (void *)(i + 1));
        pthread_mutex_lock(&m);
        while (waiting < n) pthread_cond_wait(&cv_main, &m);
        go = 1;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&m);
        for (long i = 0; i < n; i++) pthread_join(t[i], NULL);
        free(t);
    } else if (!strcmp(what, "yield")) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        for (long i = 0; i < n; i++) sched_yield();
        pthread_join(t, NULL);
    } else {
        return 2;
    }
    bad += !still_mine(0);
    printf("%s %ld: %d wrong thread-local values\n", what, n, bad);
    return 0;
}
