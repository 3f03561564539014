#define _GNU_SOURCE
/* A semaphore-bounded worker pool: 200 tasks, at most 8 at a time; then a
 * bounded buffer with two counting semaphores (producers, consumers). */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <unistd.h>

#define TASKS   200
#define PERMITS 8

static sem_t permits;
static int active, max_active, done;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void *task(void *a)
{
    (void)a;
    if (sem_wait(&permits)) return NULL;
    pthread_mutex_lock(&m);
    if (++active > max_active) max_active = active;
    pthread_mutex_unlock(&m);
    usleep(2000);
    pthread_mutex_lock(&m);
    active--;
    done++;
    pthread_mutex_unlock(&m);
    sem_post(&permits);
    return NULL;
}

#define SLOTS 16
#define ITEMS 5000
static sem_t empty, full;
static long ring[SLOTS], consumed_sum;
static int head, tail, consumed;
static pthread_mutex_t rm = PTHREAD_MUTEX_INITIALIZER;

static void *producer(void *a)
{
    long base = (long)a;
    for (long i = 1; i <= ITEMS; i++) {
        sem_wait(&empty);
        pthread_mutex_lock(&rm);
        ring[head] = base + i;
        head = (head + 1) % SLOTS;
        pthread_mutex_unlock(&rm);
        sem_post(&full);
    }
    return NULL;
}

static void *consumer(void *a)
{
    (void)a;
    for (;;) {
        sem_wait(&full);
        pthread_mutex_lock(&rm);
        long v = ring[tail];
        tail = (tail + 1) % SLOTS;
        if (v > 0) {
            consumed_sum += v;
            consumed++;
        }
        pthread_mutex_unlock(&rm);
        sem_post(&empty);
        if (v < 0) return NULL; /* poison */
    }
}

int main(void)
{
    pthread_t t[TASKS], p[4], c[4];
    int v;
    setvbuf(stdout, NULL, _IOLBF, 0);
    sem_init(&permits, 0, PERMITS);
    for (int i = 0; i < TASKS; i++) pthread_create(&t[i], NULL, task, NULL);
    for (int i = 0; i < TASKS; i++) pthread_join(t[i], NULL);
    sem_getvalue(&permits, &v);
    printf("pool: %d tasks done, at most %d at a time (limit %d), permits back: %d\n", done,
           max_active, PERMITS, v);

    sem_init(&empty, 0, SLOTS);
    sem_init(&full, 0, 0);
    for (long i = 0; i < 4; i++) pthread_create(&p[i], NULL, producer, (void *)(i * 1000000));
    for (int i = 0; i < 4; i++) pthread_create(&c[i], NULL, consumer, NULL);
    for (int i = 0; i < 4; i++) pthread_join(p[i], NULL);
    for (int i = 0; i < 4; i++) { /* one poison pill each */
        sem_wait(&empty);
        pthread_mutex_lock(&rm);
        ring[head] = -1;
        head = (head + 1) % SLOTS;
        pthread_mutex_unlock(&rm);
        sem_post(&full);
    }
    for (int i = 0; i < 4; i++) pthread_join(c[i], NULL);
    long want = 0;
    for (long i = 0; i < 4; i++) want += i * 1000000 * ITEMS + (long)ITEMS * (ITEMS + 1) / 2;
    printf("buffer: %d items consumed, sum %s\n", consumed,
           consumed_sum == want ? "right" : "WRONG");
    sem_getvalue(&empty, &v);
    printf("buffer: empty slots at the end %d of %d\n", v, SLOTS);
    return 0;
}
