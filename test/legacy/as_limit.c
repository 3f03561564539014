#define _GNU_SOURCE
/* With the address space limited, thread creation fails with EAGAIN and
 * the program goes on: it joins what it made and exits normally. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void *nap(void *arg)
{
    usleep(200000);
    return arg;
}

int main(void)
{
    struct rlimit rl = {512L << 20, 512L << 20}; /* 512 MiB: room for ~60 8-MiB stacks */
    setrlimit(RLIMIT_AS, &rl);
    static pthread_t t[1000];
    int n = 0, err = 0;
    for (; n < 1000; n++)
        if ((err = pthread_create(&t[n], NULL, nap, (void *)(long)n))) break;
    printf("pthread_create eventually failed: %s\n", err ? strerrorname_np(err) : "no");
    int joined = 0;
    for (int i = 0; i < n; i++) {
        void *r;
        joined += pthread_join(t[i], &r) == 0 && r == (void *)(long)i;
    }
    printf("the program went on: joined all %s threads it created\n", joined == n ? "the" : "NOT");
    return 0;
}
