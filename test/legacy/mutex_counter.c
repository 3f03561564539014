/* Threads increment shared counters inside a mutex, sleeping and yielding
 * inside the critical section; a wrong lock shows as a wrong total. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 50
#define ROUNDS  200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, inside, overlap;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        if (inside++) overlap++;
        long c = counter;
        if (i % 50 == 0)
            usleep(100);
        else if (i % 7 == 0)
            sched_yield();
        counter = c + 1;
        inside--;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    printf("counter %ld (expected %d), overlapping critical sections %ld\n", counter,
           THREADS * ROUNDS, overlap);
    return counter == THREADS * ROUNDS && overlap == 0 ? 0 : 1;
}
