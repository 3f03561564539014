#define _GNU_SOURCE
/* A thread recursing without bound overflows its stack. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static long limit = 1L << 40; /* far deeper than any stack */

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
    return (void *)(long)depth(0);
}

int main(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 256 * 1024);
    pthread_create(&t, &a, deep, NULL);
    pthread_setname_np(t, "deep-recursion");
    pthread_join(t, NULL);
    printf("not reached\n");
    return 0;
}
