/* The thread lifecycle contract: join/detach codes, return values, keys and
 * their destructors, once, names, attributes, per-thread errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *e(int r)
{
    return r ? strerrorname_np(r) : "0";
}
#define SHOW(call) printf("%-52s -> %s\n", #call, e(call))

static pthread_key_t key;
static int destructed, once_runs;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void dtor(void *v)
{
    __atomic_fetch_add(&destructed, (int)(long)v, __ATOMIC_SEQ_CST);
}

static void init_once(void)
{
    usleep(20000); /* others arrive while this runs */
    once_runs++;
}

static void *worker(void *arg)
{
    pthread_setspecific(key, arg);
    pthread_once(&once, init_once);
    if (pthread_getspecific(key) != arg) return (void *)-1;
    return (void *)((long)arg * 2);
}

static void *self_join(void *arg)
{
    (void)arg;
    return (void *)(long)pthread_join(pthread_self(), NULL);
}

static void *naps(void *arg)
{
    usleep((useconds_t)(long)arg);
    return NULL;
}

/* errno is per thread: a sleep in between must not clobber it */
static int errno_kept;
static void *errno_a(void *arg)
{
    (void)arg;
    errno = EINVAL;
    usleep(20000);
    __atomic_fetch_add(&errno_kept, errno == EINVAL, __ATOMIC_SEQ_CST);
    return NULL;
}
static void *errno_b(void *arg)
{
    (void)arg;
    errno = ENOENT;
    usleep(10000);
    __atomic_fetch_add(&errno_kept, errno == ENOENT, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *exits(void *arg)
{
    pthread_setspecific(key, (void *)100L);
    pthread_exit(arg);
}

int main(void)
{
    pthread_t t[8], d;
    void *ret;
    SHOW(pthread_key_create(&key, dtor));
    for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    long sum = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("sum of results %ld, destructors saw %d, once ran %d time(s)\n", sum, destructed,
           once_runs);

    pthread_create(&d, NULL, exits, (void *)7L);
    pthread_join(d, &ret);
    printf("pthread_exit value %ld, destructors now %d\n", (long)ret, destructed);

    SHOW(pthread_join(pthread_self(), NULL));
    pthread_create(&d, NULL, self_join, NULL);
    pthread_join(d, &ret);
    printf("%-52s -> %s\n", "pthread_join(self) from a thread", e((int)(long)ret));

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_create(&d, &a, naps, (void *)30000L);
    SHOW(pthread_join(d, NULL));
    SHOW(pthread_detach(d));
    pthread_attr_destroy(&a);

    pthread_create(&d, NULL, naps, (void *)1000L);
    SHOW(pthread_detach(d));
    SHOW(pthread_detach(d));
    usleep(50000);

    pthread_create(&d, NULL, naps, (void *)50000L);
    SHOW(pthread_tryjoin_np(d, NULL));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 10000000;
    if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
    SHOW(pthread_timedjoin_np(d, NULL, &ts));
    SHOW(pthread_join(d, NULL));

    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 1 << 20);
    pthread_create(&d, &a, naps, (void *)20000L);
    pthread_attr_t got;
    size_t size = 0;
    void *addr;
    SHOW(pthread_getattr_np(d, &got));
    pthread_attr_getstack(&got, &addr, &size);
    printf("stack size reported >= requested: %s\n", size >= (1 << 20) ? "yes" : "no");
    pthread_attr_destroy(&got);
    char name[32];
    SHOW(pthread_setname_np(d, "worker-one"));
    SHOW(pthread_setname_np(d, "a-name-that-is-far-too-long"));
    SHOW(pthread_getname_np(d, name, sizeof name));
    printf("name: %s\n", name);
    SHOW(pthread_getname_np(d, name, 4));
    pthread_join(d, NULL);
    pthread_attr_destroy(&a);

    pthread_t x, y;
    pthread_create(&x, NULL, errno_a, NULL);
    pthread_create(&y, NULL, errno_b, NULL);
    pthread_join(x, NULL);
    pthread_join(y, NULL);
    printf("errno kept across sleeps by %d of 2 threads\n", errno_kept);
    printf("pthread_equal(self, self) = %d\n", pthread_equal(pthread_self(), pthread_self()));
    SHOW(pthread_key_delete(key));
    SHOW(pthread_setspecific(key, (void *)1));
    return 0;
}
