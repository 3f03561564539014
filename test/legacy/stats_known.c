/* A program with a known number of calls, for GEVENT_STATS:
 *   5 nanosleep (1 in each of 3 threads, 2 in main), 3 pthread_create,
 *   3 pthread_join, 6 pthread_mutex_lock and 6 pthread_mutex_unlock
 *   (2 pairs per thread), 2 usleep in main.
 * Prints what it did, identically with or without the shim.
 *
 *   stats_known pingpong N
 * is the hot path for measuring what GEVENT_STATS costs: two threads hand a
 * turn back and forth N times through a mutex and a condition variable, so
 * every round is a lock, a wait and a wake on each side. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *worker(void *arg)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&lock);
        counter += (int)(long)arg;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static pthread_cond_t turn_cv = PTHREAD_COND_INITIALIZER;
static long turn, rounds;

static void *player(void *arg)
{
    long me = (long)arg;
    pthread_mutex_lock(&lock);
    for (long i = 0; i < rounds; i++) {
        while (turn != me) pthread_cond_wait(&turn_cv, &lock);
        turn = !me;
        counter++;
        pthread_cond_signal(&turn_cv);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

static int pingpong(long n)
{
    pthread_t a, b;
    rounds = n;
    if (pthread_create(&a, NULL, player, (void *)0L) ||
        pthread_create(&b, NULL, player, (void *)1L))
        return 1;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("pingpong %ld rounds, %d turns\n", n, counter);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "pingpong") == 0) return pingpong(atol(argv[2]));
    pthread_t t[3];
    struct timespec ts = {0, 10 * 1000 * 1000};
    for (long i = 0; i < 3; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(i + 1)) != 0) return 1;
    nanosleep(&ts, NULL);
    nanosleep(&ts, NULL);
    usleep(1000);
    usleep(1000);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("counter %d\n", counter);
    return 0;
}
