/* A program with a known number of calls, for GEVENT_STATS:
 *   5 nanosleep (1 in each of 3 threads, 2 in main), 3 pthread_create,
 *   3 pthread_join, 6 pthread_mutex_lock and 6 pthread_mutex_unlock
 *   (2 pairs per thread), 2 usleep in main.
 * Prints what it did, identically with or without the shim. */
#include <pthread.h>
#include <stdio.h>
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

int main(void)
{
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
