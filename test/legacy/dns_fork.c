/* Lookups in flight while the program forks: 20 threads resolve slow
 * names (the test server answers after a delay); meanwhile main forks. The
 * child resolves a name of its own and exits; the parent's lookups all
 * finish. Prints one line per side. */
#define _GNU_SOURCE
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dns_test.h"

static int good;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int lookup(const char *name, const char *want)
{
    struct addrinfo h = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    char a[INET_ADDRSTRLEN] = "";
    int e = getaddrinfo(name, NULL, &h, &res);
    if (e) return 0;
    inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, a, sizeof a);
    freeaddrinfo(res);
    return strcmp(a, want) == 0;
}

static void *one(void *arg)
{
    long i = (long)arg;
    char name[64], want[32];
    dns_test_resolver();
    snprintf(name, sizeof name, "h%ld.bulk.test", i);
    snprintf(want, sizeof want, "198.18.0.%ld", i);
    int ok = lookup(name, want);
    pthread_mutex_lock(&mu);
    good += ok;
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(void)
{
    pthread_t t[20];
    dns_test_resolver();
    for (long i = 0; i < 20; i++) pthread_create(&t[i], NULL, one, (void *)i);
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL); /* the lookups are waiting for their answers */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = lookup("h99.bulk.test", "198.18.0.99") && lookup("a.test", "198.51.100.10");
        printf("child: own lookups %s\n", ok ? "ok" : "FAILED");
        fflush(stdout);
        _exit(ok ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    for (int i = 0; i < 20; i++) pthread_join(t[i], NULL);
    printf("parent: %d/20 lookups ok, child exit %d\n", good, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
