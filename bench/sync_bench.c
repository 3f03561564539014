#define _GNU_SOURCE
/* Synchronisation costs, one figure per run: sync_bench WHAT N prints the
 * nanoseconds per operation of WHAT repeated N times.
 *   mutex    uncontended pthread_mutex_lock + unlock
 *   rwlock   uncontended pthread_rwlock_rdlock + unlock
 *   spin     uncontended pthread_spin_lock + unlock
 *   sempost  uncontended sem_post + sem_wait
 *   condvar  ping-pong between two threads over a mutex and two condvars
 *            (one round trip per operation)
 *   sem      hand-off between two threads over two semaphores (one round
 *            trip per operation)
 *   create   pthread_create + pthread_join of a thread that returns at once
 * sync_bench WHAT N cpu prints a second figure: the CPU time of the whole
 * process (every thread) per operation, which a loaded machine changes far
 * less than the wall-clock time. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long n;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ping = PTHREAD_COND_INITIALIZER, pong = PTHREAD_COND_INITIALIZER;
static int turn;
static sem_t s1, s2;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *ponger(void *a)
{
    pthread_mutex_lock(&m);
    for (long i = 0; i < n; i++) {
        while (turn != 1) pthread_cond_wait(&ping, &m);
        turn = 0;
        pthread_cond_signal(&pong);
    }
    pthread_mutex_unlock(&m);
    return a;
}

static void *sem_ponger(void *a)
{
    for (long i = 0; i < n; i++) {
        sem_wait(&s1);
        sem_post(&s2);
    }
    return a;
}

static void *nothing(void *a)
{
    return a;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s mutex|rwlock|spin|sempost|condvar|sem|create N [cpu]\n",
                argv[0]);
        return 2;
    }
    const char *what = argv[1];
    n = atol(argv[2]);
    pthread_t t;
    double t0 = now(), c0 = cpu_now();
    if (!strcmp(what, "mutex")) {
        for (long i = 0; i < n; i++) {
            pthread_mutex_lock(&m);
            pthread_mutex_unlock(&m);
        }
    } else if (!strcmp(what, "rwlock")) {
        static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
        for (long i = 0; i < n; i++) {
            pthread_rwlock_rdlock(&rw);
            pthread_rwlock_unlock(&rw);
        }
    } else if (!strcmp(what, "spin")) {
        pthread_spinlock_t sp;
        pthread_spin_init(&sp, 0);
        for (long i = 0; i < n; i++) {
            pthread_spin_lock(&sp);
            pthread_spin_unlock(&sp);
        }
    } else if (!strcmp(what, "sempost")) {
        sem_init(&s1, 0, 0);
        for (long i = 0; i < n; i++) {
            sem_post(&s1);
            sem_wait(&s1);
        }
    } else if (!strcmp(what, "condvar")) {
        pthread_create(&t, NULL, ponger, NULL);
        t0 = now();
        c0 = cpu_now();
        pthread_mutex_lock(&m);
        for (long i = 0; i < n; i++) {
            turn = 1;
            pthread_cond_signal(&ping);
            while (turn != 0) pthread_cond_wait(&pong, &m);
        }
        pthread_mutex_unlock(&m);
        pthread_join(t, NULL);
    } else if (!strcmp(what, "sem")) {
        sem_init(&s1, 0, 0);
        sem_init(&s2, 0, 0);
        pthread_create(&t, NULL, sem_ponger, NULL);
        t0 = now();
        c0 = cpu_now();
        for (long i = 0; i < n; i++) {
            sem_post(&s1);
            sem_wait(&s2);
        }
        pthread_join(t, NULL);
    } else if (!strcmp(what, "create")) {
        for (long i = 0; i < n; i++) {
            if (pthread_create(&t, NULL, nothing, NULL)) return 1;
            pthread_join(t, NULL);
        }
    } else {
        fprintf(stderr, "unknown: %s\n", what);
        return 2;
    }
    double wall = (now() - t0) / n, cpu = (cpu_now() - c0) / n;
    if (argc > 3 && !strcmp(argv[3], "cpu"))
        printf("%.1f %.1f\n", wall, cpu);
    else
        printf("%.1f\n", wall);
    return 0;
}
