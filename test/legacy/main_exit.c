/* main calls pthread_exit: the process lives until the last thread ends,
 * and exits 0. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *late(void *arg)
{
    usleep(100000);
    printf("late thread %ld done\n", (long)arg);
    fflush(stdout);
    return NULL;
}

int main(void)
{
    pthread_t t;
    for (long i = 0; i < 3; i++) pthread_create(&t, NULL, late, (void *)i);
    printf("main exits first\n");
    fflush(stdout);
    pthread_exit(NULL);
}
