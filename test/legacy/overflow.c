/* A thread that recurses without bound, after N sleeping threads (so its
 * stack may sit anywhere among theirs).   overflow [N] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long limit = 1L << 40;

static int depth(long n)
{
    volatile char pad[512];
    memset((char *)pad, (int)n, sizeof pad);
    if (n >= limit) return pad[1];
    return (int)n + depth(n + 1) + pad[3];
}

static void *deep(void *arg)
{
    (void)arg;
    usleep(10000);
    return (void *)(long)depth(0);
}

static void *nap(void *arg)
{
    (void)arg;
    sleep(5);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    pthread_t t;
    for (int i = 0; i < n; i++)
        if (pthread_create(&t, &a, nap, NULL)) {
            printf("could only create %d threads\n", i);
            break;
        }
    pthread_create(&t, &a, deep, NULL);
    pthread_setname_np(t, "deep-recursion");
    pthread_join(t, NULL);
    printf("not reached\n");
    return 0;
}
