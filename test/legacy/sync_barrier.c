#define _GNU_SOURCE
/* 100 threads meet at a barrier 100 times: in every round all 100 have
 * arrived before any leaves, and exactly one of them is told
 * PTHREAD_BARRIER_SERIAL_THREAD. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 100
#define ROUNDS  100

static pthread_barrier_t bar;
static int arrived[ROUNDS], serial[ROUNDS], early;

static void *run(void *a)
{
    long me = (long)a;
    for (int r = 0; r < ROUNDS; r++) {
        __atomic_fetch_add(&arrived[r], 1, __ATOMIC_RELAXED);
        if ((me + r) % 17 == 0) usleep(100); /* stragglers */
        int s = pthread_barrier_wait(&bar);
        if (s == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&serial[r], 1, __ATOMIC_RELAXED);
        else if (s != 0)
            abort();
        if (__atomic_load_n(&arrived[r], __ATOMIC_RELAXED) != THREADS)
            __atomic_fetch_add(&early, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    if (pthread_barrier_init(&bar, NULL, THREADS)) return 1;
    for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, run, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    int one = 0, full = 0;
    for (int r = 0; r < ROUNDS; r++) {
        one += serial[r] == 1;
        full += arrived[r] == THREADS;
    }
    printf("%d threads x %d rounds\n", THREADS, ROUNDS);
    printf("rounds with exactly one serial thread: %d\n", one);
    printf("rounds every thread arrived in: %d\n", full);
    printf("threads that left before the round was complete: %d\n", early);
    printf("destroy -> %d\n", pthread_barrier_destroy(&bar));
    return one == ROUNDS && full == ROUNDS && !early ? 0 : 1;
}
