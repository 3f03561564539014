/* A thread on a stack the program gives with pthread_attr_setstack (and
 * the older pthread_attr_setstackaddr + setstacksize): its locals lie inside
 * it, pthread_getattr_np reports exactly that stack, and the same memory
 * serves a new thread after the first is joined. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SIZE (64 << 10)

static char *lo;
static size_t size;

static void *run(void *arg)
{
    volatile char local[256];
    memset((char *)local, 1, sizeof local);
    uintptr_t a = (uintptr_t)local;
    printf("%s: local inside the stack: %s\n", (char *)arg,
           a >= (uintptr_t)lo && a < (uintptr_t)lo + size ? "yes" : "no");
    pthread_attr_t at;
    void *glo;
    size_t gsize, guard;
    if (pthread_getattr_np(pthread_self(), &at) != 0) {
        printf("%s: pthread_getattr_np failed\n", (char *)arg);
        return NULL;
    }
    pthread_attr_getstack(&at, &glo, &gsize);
    pthread_attr_getguardsize(&at, &guard);
    printf("%s: getattr_np address %s, size %zu, guard %zu\n", (char *)arg,
           glo == lo ? "as given" : "differs", gsize, guard);
    pthread_attr_destroy(&at);
    return arg;
}

static void *plain(void *arg)
{
    return arg;
}

static void one(const char *name, int old_api)
{
    pthread_attr_t at;
    pthread_t t;
    void *ret;
    pthread_attr_init(&at);
    int r;
    if (old_api) {
        /* looked up: a direct call draws glibc's link-time deprecation warning */
        int (*setaddr)(pthread_attr_t *, void *) =
            (int (*)(pthread_attr_t *, void *))dlsym(RTLD_DEFAULT, "pthread_attr_setstackaddr");
        r = setaddr(&at, lo + size) | pthread_attr_setstacksize(&at, size);
    } else {
        r = pthread_attr_setstack(&at, lo, size);
    }
    printf("%s: setstack %d\n", name, r);
    r = pthread_create(&t, &at, run, (void *)name);
    /* said after the join: the thread's lines may come before or after
     * pthread_create returns, natively as under the shim */
    if (r == 0) pthread_join(t, &ret);
    printf("%s: create %d, joined %s\n", name, r, r == 0 && ret == name ? "ok" : "bad");
    pthread_attr_destroy(&at);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_attr_t at;
    pthread_attr_init(&at);
    /* too small a stack: refused as glibc does */
    static char tiny[1024];
    printf("tiny: setstack EINVAL %d\n", pthread_attr_setstack(&at, tiny, sizeof tiny) == EINVAL);
    pthread_attr_destroy(&at);

    size = SIZE;
    lo = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (lo == MAP_FAILED) return 1;
    one("mmap", 0);
    one("mmap-again", 0); /* the same memory for a new thread after the join */
    one("setstackaddr", 1);
    munmap(lo, size);

    if (posix_memalign((void **)&lo, 4096, size)) return 1;
    one("malloc", 0);
    one("malloc-again", 0);
    free(lo);

    /* nothing of the given stacks is kept: a thread of the default kind still runs */
    pthread_t t;
    void *ret = NULL;
    int r = pthread_create(&t, NULL, plain, (void *)"default");
    if (r == 0) pthread_join(t, &ret);
    printf("default: create %d, joined %s\n", r, ret ? "ok" : "bad");
    return 0;
}
