#define _GNU_SOURCE
/* Two threads lock two mutexes in opposite order: a deadlock. Natively it
 * hangs; under the shim the hub reports it and the process exits. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void *one(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&a);
    usleep(100000);
    pthread_mutex_lock(&b);
    return NULL;
}

static void *two(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&b);
    usleep(100000);
    pthread_mutex_lock(&a);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, one, NULL);
    pthread_create(&t2, NULL, two, NULL);
    pthread_setname_np(t1, "locker-ab");
    pthread_setname_np(t2, "locker-ba");
    printf("both threads started\n");
    fflush(stdout);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("not reached\n");
    return 0;
}
