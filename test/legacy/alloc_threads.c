/* Threads that allocate, lock and wait, for runs under other allocators
 * (jemalloc, tcmalloc, mimalloc preloaded before or after the shim): each
 * thread allocates, fills, checks and frees blocks of many sizes, hands
 * work to the next thread through a mutex and condition variable, and
 * sleeps a little. The output is the same however the threads interleave. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NTHREADS 8
#define ROUNDS   2000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long tokens, handed;
static unsigned long bad;

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;
    void *keep[16] = {0};
    for (int r = 0; r < ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 8) % (r % 100 == 0 ? 300000 : 4000);
        int slot = (int)(seed >> 4) % 16;
        if (keep[slot]) {
            unsigned char *p = keep[slot];
            size_t len;
            memcpy(&len, p, sizeof len);
            for (size_t i = sizeof len; i < len; i += 61)
                if (p[i] != (unsigned char)(len + i)) bad++;
            free(p);
        }
        unsigned char *p = r & 1 ? malloc(n + sizeof n) : calloc(1, n + sizeof n);
        if (r % 7 == 0) p = realloc(p, n + sizeof n);
        if (!p) abort();
        size_t len = n + sizeof n;
        memcpy(p, &len, sizeof len);
        for (size_t i = sizeof len; i < len; i += 61) p[i] = (unsigned char)(len + i);
        keep[slot] = p;
        pthread_mutex_lock(&mu);
        tokens++;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
        if (r % 500 == 0) nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    for (int i = 0; i < 16; i++) free(keep[i]);
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1))) abort();
    /* consume every token as it comes */
    pthread_mutex_lock(&mu);
    while (handed < (long)NTHREADS * ROUNDS) {
        while (tokens == 0) pthread_cond_wait(&cv, &mu);
        handed += tokens;
        tokens = 0;
    }
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    printf("threads %d, rounds %d, tokens %ld, corrupted %lu\n", NTHREADS, ROUNDS, handed, bad);
    return 0;
}
