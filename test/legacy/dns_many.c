/* N threads resolve N different names at once: hI.SUFFIX must resolve to
 * 198.18.(I>>8).(I&255) (the test zone says so). Prints
 *   ok N/N lookups in S s (slowest S s)
 * or what went wrong, then exits 0 only if every answer was right.
 *
 *   dns_many N [SUFFIX] [ROUNDS]     (default bulk.test, 1 round)
 *
 * DNS_TEST_NS=ip:port points each thread's own resolver (_res) at a test
 * server. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_test.h"

static int n, rounds = 1, started, go;
static const char *suffix = "bulk.test";
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int bad;
static double slowest;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *one(void *arg)
{
    long i = (long)arg;
    char name[128];
    dns_test_resolver();
    pthread_mutex_lock(&mu);
    started++;
    pthread_cond_broadcast(&cv);
    while (!go) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    for (int r = 0; r < rounds; r++) {
        snprintf(name, sizeof name, "h%ld.%s", i, suffix);
        struct addrinfo h = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
        double t0 = now();
        int e = getaddrinfo(name, "80", &h, &res);
        double dt = now() - t0;
        int ok = 0;
        if (e == 0) {
            struct sockaddr_in *s = (struct sockaddr_in *)res->ai_addr;
            unsigned char *a = (unsigned char *)&s->sin_addr;
            ok = a[0] == 198 && a[1] == 18 && a[2] == (i >> 8) && a[3] == (i & 255) &&
                 !res->ai_next && ntohs(s->sin_port) == 80;
            freeaddrinfo(res);
        }
        pthread_mutex_lock(&mu);
        if (!ok) {
            if (bad++ < 5) fprintf(stderr, "%s: %s\n", name, e ? gai_strerror(e) : "wrong address");
        }
        if (dt > slowest) slowest = dt;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atoi(argv[1]) : 100;
    if (argc > 2) suffix = argv[2];
    if (argc > 3) rounds = atoi(argv[3]);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, one, (void *)i)) {
            fprintf(stderr, "pthread_create failed at %ld\n", i);
            return 1;
        }
    pthread_mutex_lock(&mu);
    while (started < n) pthread_cond_wait(&cv, &mu);
    double t0 = now();
    go = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    double dt = now() - t0;
    printf("%s %d/%d lookups in %.3f s (slowest %.3f s) %.0f lookups/s\n", bad ? "FAILED" : "ok",
           n * rounds - bad, n * rounds, dt, slowest, n * rounds / dt);
    free(t);
    return bad != 0;
}
