/* A program that says its C library is glibc 2.99: it defines
 * gnu_get_libc_version itself (exported, -rdynamic), as a process whose
 * libc were another version would answer. Its threads each keep their
 * index in a __thread variable across a 10 ms sleep and count the values
 * they find changed. Natively: 0 of 20. */
#include <gnu/libc-version.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

const char *gnu_get_libc_version(void)
{
    return "2.99";
}

static __thread long mine = -1;
static int wrong;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *run(void *arg)
{
    mine = (long)arg;
    nanosleep(&(struct timespec){0, 10000000}, NULL);
    if (mine != (long)arg) {
        pthread_mutex_lock(&lock);
        wrong++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[20];
    for (long i = 0; i < 20; i++) pthread_create(&t[i], NULL, run, (void *)i);
    for (int i = 0; i < 20; i++) pthread_join(t[i], NULL);
    printf("glibc %s: %d of 20 threads saw another thread's value\n", gnu_get_libc_version(),
           wrong);
    return 0;
}
