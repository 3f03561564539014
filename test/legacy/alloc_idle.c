/* Many threads that each allocate (small and medium blocks of several
 * sizes, kept and freed), then stay idle until every thread has done so:
 * what an allocator's per-thread cache costs per idle thread. The output
 * is the same however the threads interleave. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, go, bad;

static void *worker(void *arg)
{
    long id = (long)arg;
    static const size_t sizes[] = {8, 24, 48, 100, 256, 700, 2000, 5000};
    void *keep[8], *tmp[8];
    for (int i = 0; i < 8; i++) {
        tmp[i] = malloc(sizes[i]);
        keep[i] = malloc(sizes[(i + id) % 8]);
        if (!tmp[i] || !keep[i]) abort();
        memset(keep[i], (int)(id & 0xff), sizes[(i + id) % 8]);
    }
    for (int i = 0; i < 8; i++) free(tmp[i]); /* cached by the thread */
    pthread_mutex_lock(&mu);
    ready++;
    pthread_cond_broadcast(&cv);
    while (!go) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 8; i++) {
        unsigned char *p = keep[i];
        size_t n = sizes[(i + id) % 8];
        if (p[0] != (unsigned char)(id & 0xff) || p[n - 1] != (unsigned char)(id & 0xff)) bad++;
        free(p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    pthread_t *t = calloc((size_t)n, sizeof *t);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int made = 0;
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], &attr, worker, (void *)(long)i) == 0) made++;
    pthread_mutex_lock(&mu);
    while (ready < made) pthread_cond_wait(&cv, &mu);
    go = 1; /* every thread has allocated and is idle now */
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < made; i++) pthread_join(t[i], NULL);
    printf("%d threads allocated, waited idle together, %d blocks corrupted\n", made, bad);
    struct rusage ru; /* the kernel's own peak, for the test's comparison */
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "peak RSS %ld KiB\n", ru.ru_maxrss);
    return 0;
}
