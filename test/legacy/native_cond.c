/* A helper thread made the way jemalloc makes its background thread: with
 * libc's own pthread_create (looked up in libc.so.6 itself: jemalloc's
 * dlsym(RTLD_NEXT) from its library finds that one, the program's own
 * RTLD_NEXT would find a preloaded library's). It waits on a
 * condition variable (timed and untimed) that the main thread and the
 * program's other threads signal, and reports through a mutex-protected
 * counter the signallers poll. The output is the same however the threads
 * interleave. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SIGNALS 200

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int work, done, stop, timeouts;

static void nap_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static void *helper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!work) pthread_cond_wait(&cv, &mu); /* the first signal */
    done = 1;
    /* nobody signals until this 50 ms wait has expired */
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 50000000L;
    if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    while (pthread_cond_timedwait(&cv, &mu, &dl) != ETIMEDOUT) {
    }
    timeouts++;
    while (!stop) {
        while (work > done) done++;
        if (stop) break;
        if (done % 2) {
            pthread_cond_wait(&cv, &mu);
        } else {
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_sec += 10;
            pthread_cond_timedwait(&cv, &mu, &dl);
        }
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

/* one signal, then wait (polling) until the helper has seen it */
static void hand_one(void)
{
    pthread_mutex_lock(&mu);
    int want = ++work;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    for (;;) {
        pthread_mutex_lock(&mu);
        int d = done;
        pthread_mutex_unlock(&mu);
        if (d >= want) return;
        nap_ms(1);
    }
}

static pthread_mutex_t order = PTHREAD_MUTEX_INITIALIZER;
static void *signaller(void *arg)
{
    for (int i = 0; i < (int)(long)arg; i++) {
        pthread_mutex_lock(&order);
        hand_one();
        pthread_mutex_unlock(&order);
    }
    return NULL;
}

int main(void)
{
    int (*native_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
        (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(
            dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD), "pthread_create");
    if (!native_create) {
        printf("no pthread_create in libc.so.6\n");
        return 1;
    }
    pthread_t h, s[4];
    if (native_create(&h, NULL, helper, NULL)) return 1;
    nap_ms(50); /* the helper waits, untimed */
    hand_one();
    for (;;) { /* until its timed wait has expired */
        pthread_mutex_lock(&mu);
        int t = timeouts;
        pthread_mutex_unlock(&mu);
        if (t) break;
        nap_ms(5);
    }
    for (int i = 1; i < SIGNALS / 2; i++) hand_one();
    for (int i = 0; i < 4; i++) pthread_create(&s[i], NULL, signaller, (void *)(long)(SIGNALS / 8));
    for (int i = 0; i < 4; i++) pthread_join(s[i], NULL);
    pthread_mutex_lock(&mu);
    stop = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    /* the helper is not joined: libc made it, it ends with the process */
    nap_ms(20);
    pthread_mutex_lock(&mu);
    printf("native helper: %d timed wait expired, handled %d of %d signals\n", timeouts, done,
           SIGNALS);
    pthread_mutex_unlock(&mu);
    return 0;
}
