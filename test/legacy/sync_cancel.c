#define _GNU_SOURCE
/* Deferred cancellation of threads blocked in read, sleep, nanosleep, poll,
 * pthread_cond_wait, sem_wait and pthread_join; cleanup handlers (nested,
 * popped with and without running them, the _defer_np variants), key
 * destructors, pthread_exit running the handlers, cancellation disabled and
 * re-enabled, pthread_testcancel, and the joiner seeing PTHREAD_CANCELED.
 * Every line it prints must be the same natively and under the shim. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_key_t key;
static pthread_mutex_t m;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int pfd[2];
static volatile int counter;

static void say(const char *what, const char *who)
{
    printf("  %s: %s\n", who, what);
}
static void handler(void *who)
{
    say("cleanup handler", who);
}
static void destructor(void *who)
{
    say("key destructor", who);
}
static void unlock_handler(void *who)
{
    /* POSIX: the mutex is held again when the handlers of a thread
     * cancelled in pthread_cond_wait run. An errorcheck mutex says so. */
    int r = pthread_mutex_unlock(&m);
    printf("  %s: cleanup handler unlocks the mutex -> %s\n", (char *)who,
           r ? strerrorname_np(r) : "0");
}

static void *in_read(void *a)
{
    char b;
    pthread_setspecific(key, a);
    pthread_cleanup_push(handler, a);
    say("reading", a);
    ssize_t n = read(pfd[0], &b, 1);
    say(n >= 0 ? "read returned" : "read failed", a);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *in_sleep(void *a)
{
    pthread_setspecific(key, a);
    pthread_cleanup_push(handler, "outer");
    pthread_cleanup_push(handler, a);
    say("sleeping", a);
    sleep(100);
    say("sleep returned", a);
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *in_nanosleep(void *a)
{
    struct timespec t = {100, 0};
    pthread_cleanup_push(handler, a);
    nanosleep(&t, NULL);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *in_poll(void *a)
{
    struct pollfd p = {pfd[0], POLLIN, 0};
    pthread_cleanup_push(handler, a);
    poll(&p, 1, -1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *in_cond(void *a)
{
    pthread_setspecific(key, a);
    pthread_mutex_lock(&m);
    pthread_cleanup_push(unlock_handler, a);
    say("waiting on the condition", a);
    for (;;) pthread_cond_wait(&c, &m);
    pthread_cleanup_pop(1);
    return NULL;
}

static void *in_sem(void *a)
{
    pthread_cleanup_push(handler, a);
    sem_wait(&sem);
    say("sem_wait returned", a);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *forever(void *a)
{
    for (;;) sleep(100);
    return a;
}
static void *in_join(void *a)
{
    pthread_t t = *(pthread_t *)a;
    pthread_cleanup_push(handler, "joiner");
    pthread_join(t, NULL);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *exits(void *a)
{
    pthread_setspecific(key, a);
    pthread_cleanup_push(handler, a);
    pthread_cleanup_push(handler, "inner");
    pthread_exit((void *)42);
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *disabled(void *a)
{
    int old;
    pthread_cleanup_push(handler, a);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    usleep(100000); /* cancelled meanwhile: not acted on */
    say("slept through the cancellation", a);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    say("enabled again", a);
    pthread_testcancel();
    say("not reached", a);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *computes(void *a)
{
    pthread_cleanup_push(handler, a);
    for (;;) {
        counter++;
        if (counter % 1000 == 0) pthread_testcancel();
        if (counter % 100000 == 0) sched_yield(); /* not a cancellation point */
    }
    pthread_cleanup_pop(0);
    return NULL;
}

static void *pops(void *a)
{
    pthread_cleanup_push(handler, "popped and run");
    pthread_cleanup_push(handler, "popped, not run");
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(1);
    pthread_cleanup_push_defer_np(handler, "defer_np, popped and run");
    pthread_cleanup_pop_restore_np(1);
    pthread_cancel(pthread_self()); /* deferred: acted on at the next point */
    pthread_cleanup_push(handler, a);
    usleep(1000);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *async_self(void *a)
{
    int old;
    pthread_cleanup_push(handler, a);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    pthread_cancel(pthread_self());
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
    say("cancel pending, disabled", a);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old); /* acted on here */
    say("not reached", a);
    pthread_cleanup_pop(0);
    return NULL;
}

static void run(const char *name, void *(*fn)(void *), void *arg, int cancel, int wait_ms)
{
    pthread_t t;
    void *ret = NULL;
    printf("%s\n", name);
    pthread_create(&t, NULL, fn, arg ? arg : (void *)name);
    usleep((useconds_t)wait_ms * 1000);
    int rc = cancel ? pthread_cancel(t) : 0;
    int r = pthread_join(t, &ret);
    if (cancel) printf("  cancel -> %d\n", rc);
    if (ret == PTHREAD_CANCELED)
        printf("  join -> %d, PTHREAD_CANCELED\n", r);
    else
        printf("  join -> %d, %ld\n", r, (long)ret);
}

int main(void)
{
    pthread_mutexattr_t a;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_key_create(&key, destructor);
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m, &a);
    sem_init(&sem, 0, 0);
    if (pipe(pfd)) return 1;

    run("reader", in_read, NULL, 1, 50);
    run("sleeper", in_sleep, NULL, 1, 50);
    run("nanosleeper", in_nanosleep, NULL, 1, 50);
    run("poller", in_poll, NULL, 1, 50);
    run("cond waiter", in_cond, NULL, 1, 50);
    printf("main: lock after the cancelled waiter -> %d\n", pthread_mutex_lock(&m));
    pthread_mutex_unlock(&m);
    run("sem waiter", in_sem, NULL, 1, 50);
    pthread_t f;
    pthread_create(&f, NULL, forever, NULL);
    run("joiner", in_join, &f, 1, 50);
    void *ret = NULL;
    int rc = pthread_cancel(f);
    int rj = pthread_join(f, &ret);
    printf("main: the thread joined is still joinable: cancel -> %d, join -> %d%s\n", rc, rj,
           ret == PTHREAD_CANCELED ? ", PTHREAD_CANCELED" : "");
    run("exiter", exits, NULL, 0, 0);
    run("disabled", disabled, NULL, 1, 20);
    run("computer", computes, NULL, 1, 20);
    run("popper", pops, NULL, 0, 0);
    run("async self", async_self, NULL, 0, 0);
    printf("main: writing to the pipe nobody reads any more -> %zd\n", write(pfd[1], "x", 1));
    return 0;
}
