/* One thread looks up a name nobody answers while another ticks every
 * 20 ms. Prints
 *   NAME: EAI_CODE after S s, ticks T
 * The ticks show whether the rest of the program kept running meanwhile.
 *
 *   dns_timeout NAME [FAMILY]      (FAMILY: unspec, inet, inet6)
 *
 * DNS_TEST_NS=ip:port points the resolver (_res) at a test server. */
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

static volatile int done, ticks;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *ticker(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 20000000};
    while (!done) {
        nanosleep(&ts, NULL);
        ticks++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "slow.test";
    int fam = AF_UNSPEC;
    if (argc > 2)
        fam = !strcmp(argv[2], "inet") ? AF_INET : !strcmp(argv[2], "inet6") ? AF_INET6 : AF_UNSPEC;
    dns_test_resolver();
    pthread_t t;
    pthread_create(&t, NULL, ticker, NULL);
    struct addrinfo h = {.ai_family = fam}, *res;
    double t0 = now();
    int e = getaddrinfo(name, NULL, &h, &res);
    double dt = now() - t0;
    int tk = ticks;
    done = 1;
    pthread_join(t, NULL);
    printf("%s: %s after %.2f s, ticks %d\n", name,
           e == EAI_AGAIN ? "EAI_AGAIN"
           : e == 0       ? "0"
                          : gai_strerror(e),
           dt, tk);
    if (e == 0) freeaddrinfo(res);
    return 0;
}
