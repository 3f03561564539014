/* N threads that each sleep, then are joined: a plain pthread program.
 *   sleepers N MILLISECONDS [STACK_KIB]
 * Prints how many were created, joined and slept long enough; exits 1 if
 * pthread_create fails (and says with which error). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long ms;
static int slept_enough;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *sleeper(void *arg)
{
    (void)arg;
    double t0 = now();
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    int ok = now() - t0 >= ms / 1000.0;
    pthread_mutex_lock(&lock);
    slept_enough += ok;
    pthread_mutex_unlock(&lock);
    return arg;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sleepers N MILLISECONDS [STACK_KIB]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    ms = atol(argv[2]);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (argc > 3) pthread_attr_setstacksize(&attr, (size_t)atol(argv[3]) * 1024);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    int created = 0, joined = 0;
    for (; created < n; created++) {
        int r = pthread_create(&t[created], &attr, sleeper, (void *)(long)created);
        if (r) {
            printf("pthread_create failed after %d threads: %s\n", created, strerror(r));
            break;
        }
    }
    for (int i = 0; i < created; i++) {
        void *ret;
        if (pthread_join(t[i], &ret) == 0 && ret == (void *)(long)i) joined++;
    }
    printf("created %d, joined %d, slept enough %d\n", created, joined, slept_enough);
    free(t);
    pthread_attr_destroy(&attr);
    return created == n ? 0 : 1;
}
