/* Many lookups of every kind, each result freed: THREADS threads x
 * LOOKUPS each (default 20 x 500 = 10,000), for leak checkers (with
 * DNS_TEST_NS, see dns_test.h). Names come
 * from the test zone (a.test, both.test, cname.test, nx.test), /etc/hosts
 * (localhost) and numbers. Prints "done N lookups, F failures as expected".
 *
 *   dns_leak [THREADS [LOOKUPS]] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_test.h"

static int per = 500, nfail, nunexpected;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *arg)
{
    long id = (long)arg;
    dns_test_resolver();
    static const char *names[] = {"a.test",    "both.test", "cname.test", "nx.test",
                                  "localhost", "127.0.0.1", "multi.test", "v6.test"};
    for (int i = 0; i < per; i++) {
        const char *n = names[(id + i) % 8];
        struct addrinfo h = {.ai_flags = i % 3 ? AI_CANONNAME : 0}, *res;
        int e;
        if (i % 10 == 9) {
            struct hostent he, *r;
            char buf[2048];
            int herr;
            e = gethostbyname_r(n, &he, buf, sizeof buf, &r, &herr);
            e = e || !r;
        } else if (i % 10 == 8) {
            struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(80)};
            inet_pton(AF_INET, "198.51.100.10", &s.sin_addr);
            char host[256], serv[32];
            e = getnameinfo((struct sockaddr *)&s, sizeof s, host, sizeof host, serv, sizeof serv,
                            0);
        } else {
            e = getaddrinfo(n, "80", &h, &res);
            if (!e) freeaddrinfo(res);
        }
        int expect_fail = !strcmp(n, "nx.test") || (i % 10 == 9 && !strcmp(n, "v6.test"));
        pthread_mutex_lock(&mu);
        if (e) nfail++;
        if (!!e != expect_fail && i % 10 != 8) {
            if (nunexpected++ < 5) fprintf(stderr, "%s (%d): unexpected %d\n", n, i % 10, e);
        }
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int nt = argc > 1 ? atoi(argv[1]) : 20;
    if (argc > 2) per = atoi(argv[2]);
    pthread_t *t = calloc((size_t)nt, sizeof *t);
    for (long i = 0; i < nt; i++) pthread_create(&t[i], NULL, run, (void *)i);
    for (int i = 0; i < nt; i++) pthread_join(t[i], NULL);
    free(t);
    printf("done %d lookups, %d failures as expected%s\n", nt * per, nfail,
           nunexpected ? ", UNEXPECTED results" : "");
    return nunexpected != 0;
}
