#define _GNU_SOURCE
/* Return codes of the mutex and condvar API, printed for comparison. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *e(int r)
{
    return r ? strerrorname_np(r) : "0";
}
#define SHOW(call) printf("%-58s -> %s\n", #call, e(call))

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static int other_result = -1;

static void *unlock_foreign(void *arg)
{
    other_result = pthread_mutex_unlock(arg);
    return NULL;
}

static void *trylock_foreign(void *arg)
{
    other_result = pthread_mutex_trylock(arg);
    return NULL;
}

int main(void)
{
    pthread_mutex_t n = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_t r = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
    pthread_mutex_t ec = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
    pthread_mutexattr_t a;
    pthread_mutex_t ec2;
    pthread_t t;
    struct timespec past = {0, 0}, bad = {0, 2000000000};

    SHOW(pthread_mutex_lock(&n));
    SHOW(pthread_mutex_trylock(&n));
    SHOW(pthread_mutex_timedlock(&n, &past));
    SHOW(pthread_mutex_timedlock(&n, &bad));
    SHOW(pthread_mutex_destroy(&n));
    SHOW(pthread_mutex_unlock(&n));
    SHOW(pthread_mutex_destroy(&n));

    SHOW(pthread_mutex_lock(&r));
    SHOW(pthread_mutex_lock(&r));
    SHOW(pthread_mutex_trylock(&r));
    pthread_create(&t, NULL, unlock_foreign, &r);
    pthread_join(t, NULL);
    printf("%-58s -> %s\n", "unlock recursive from another thread", e(other_result));
    pthread_create(&t, NULL, trylock_foreign, &r);
    pthread_join(t, NULL);
    printf("%-58s -> %s\n", "trylock recursive from another thread", e(other_result));
    SHOW(pthread_mutex_unlock(&r));
    SHOW(pthread_mutex_unlock(&r));
    SHOW(pthread_mutex_unlock(&r));
    SHOW(pthread_mutex_unlock(&r));

    SHOW(pthread_mutex_unlock(&ec));
    SHOW(pthread_mutex_lock(&ec));
    SHOW(pthread_mutex_lock(&ec));
    SHOW(pthread_mutex_trylock(&ec));
    pthread_create(&t, NULL, unlock_foreign, &ec);
    pthread_join(t, NULL);
    printf("%-58s -> %s\n", "unlock errorcheck from another thread", e(other_result));
    SHOW(pthread_mutex_unlock(&ec));
    SHOW(pthread_mutex_unlock(&ec));

    pthread_mutexattr_init(&a);
    SHOW(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK));
    SHOW(pthread_mutex_init(&ec2, &a));
    SHOW(pthread_mutex_lock(&ec2));
    SHOW(pthread_mutex_lock(&ec2));
    SHOW(pthread_mutex_unlock(&ec2));
    SHOW(pthread_mutex_destroy(&ec2));
    SHOW(pthread_mutex_lock(&ec2));
    pthread_mutexattr_destroy(&a);

    pthread_mutex_lock(&shared);
    pthread_create(&t, NULL, trylock_foreign, &shared);
    pthread_join(t, NULL);
    printf("%-58s -> %s\n", "trylock of a held mutex from another thread", e(other_result));
    pthread_mutex_unlock(&shared);

    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    SHOW(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC));
    SHOW(pthread_condattr_setclock(&ca, CLOCK_PROCESS_CPUTIME_ID));
    SHOW(pthread_cond_init(&c, &ca));
    pthread_mutex_lock(&shared);
    SHOW(pthread_cond_timedwait(&c, &shared, &past));
    SHOW(pthread_cond_timedwait(&c, &shared, &bad));
    pthread_mutex_unlock(&shared);
    pthread_mutex_t ec3 = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
    SHOW(pthread_cond_wait(&c, &ec3));
    SHOW(pthread_cond_signal(&c));
    SHOW(pthread_cond_broadcast(&c));
    SHOW(pthread_cond_destroy(&c));
    return 0;
}
