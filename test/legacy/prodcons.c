/* A bounded producer/consumer queue with a mutex and two condition
 * variables; every item is consumed exactly once, in order per producer. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PRODUCERS 8
#define CONSUMERS 8
#define ITEMS     5000 /* per producer */
#define CAP       16

static int queue[CAP], head, count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long sum, consumed, out_of_order;
static int last_seen[PRODUCERS];

static void *producer(void *arg)
{
    int id = (int)(long)arg;
    for (int i = 1; i <= ITEMS; i++) {
        pthread_mutex_lock(&lock);
        while (count == CAP) pthread_cond_wait(&not_full, &lock);
        queue[(head + count++) % CAP] = id * 1000000 + i;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
        if (i % 1000 == 0) usleep(200);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (count == 0) pthread_cond_wait(&not_empty, &lock);
        int v = queue[head];
        head = (head + 1) % CAP;
        count--;
        pthread_cond_signal(&not_full);
        if (v < 0) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        int p = v / 1000000, i = v % 1000000;
        if (i <= last_seen[p]) out_of_order++;
        last_seen[p] = i;
        sum += i;
        consumed++;
        pthread_mutex_unlock(&lock);
    }
}

int main(void)
{
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) pthread_create(&c[i], NULL, consumer, NULL);
    for (int i = 0; i < PRODUCERS; i++) pthread_create(&p[i], NULL, producer, (void *)(long)i);
    for (int i = 0; i < PRODUCERS; i++) pthread_join(p[i], NULL);
    for (int i = 0; i < CONSUMERS; i++) { /* one poison pill each */
        pthread_mutex_lock(&lock);
        while (count == CAP) pthread_cond_wait(&not_full, &lock);
        queue[(head + count++) % CAP] = -1;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    for (int i = 0; i < CONSUMERS; i++) pthread_join(c[i], NULL);
    long want = (long)PRODUCERS * ITEMS * (ITEMS + 1) / 2;
    printf("consumed %ld items, sum %ld (expected %ld), out of order %ld\n", consumed, sum, want,
           out_of_order);
    return sum == want && out_of_order == 0 ? 0 : 1;
}
