/* Threads wait on condition variables that only a helper thread signals,
 * the helper made with libc's own pthread_create (looked up in libc.so.6
 * itself, as jemalloc's RTLD_NEXT from its library finds it) after the
 * waiters are already
 * waiting: first a broadcast, then one signal per token on a second
 * condition variable. Same output however the threads interleave. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define WAITERS 3

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cv = PTHREAD_COND_INITIALIZER, tok_cv = PTHREAD_COND_INITIALIZER;
static int go, tokens, woken_go, took;

static void nap_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!go) pthread_cond_wait(&go_cv, &mu);
    woken_go++;
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *taker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!tokens) pthread_cond_wait(&tok_cv, &mu);
    tokens--;
    took++;
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *helper(void *arg)
{
    (void)arg;
    nap_ms(50); /* the waiters are waiting by now */
    pthread_mutex_lock(&mu);
    go = 1;
    pthread_cond_broadcast(&go_cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < WAITERS; i++) {
        nap_ms(10);
        pthread_mutex_lock(&mu);
        tokens++;
        pthread_cond_signal(&tok_cv);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

int main(void)
{
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    if (!libc) return 1;
    int (*native_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
        (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(
            libc, "pthread_create");
    int (*native_join)(pthread_t, void **) =
        (int (*)(pthread_t, void **))dlsym(libc, "pthread_join");
    pthread_t w[2 * WAITERS], h;
    for (int i = 0; i < WAITERS; i++) {
        pthread_create(&w[i], NULL, waiter, NULL);
        pthread_create(&w[WAITERS + i], NULL, taker, NULL);
    }
    nap_ms(20);
    if (native_create(&h, NULL, helper, NULL) != 0) return 1;
    /* Looks every 5 ms, for at most 5 s: the waiters are either woken by the
     * helper or reported not woken (they are then released here). */
    int all = 0;
    for (int i = 0; i < 1000 && !all; i++) {
        nap_ms(5);
        pthread_mutex_lock(&mu);
        all = woken_go == WAITERS && took == WAITERS;
        pthread_mutex_unlock(&mu);
    }
    native_join(h, NULL);
    printf("woken by the helper's broadcast: %d of %d\n", woken_go, WAITERS);
    printf("tokens taken one signal each: %d of %d\n", took, WAITERS);
    pthread_mutex_lock(&mu);
    tokens += WAITERS;
    pthread_cond_broadcast(&go_cv);
    pthread_cond_broadcast(&tok_cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 2 * WAITERS; i++) pthread_join(w[i], NULL);
    return 0;
}
