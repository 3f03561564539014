#define _GNU_SOURCE
/* Built with -fexceptions (as C++ code is): pthread_cleanup_push becomes a
 * __attribute__((cleanup)) variable, and cancellation and pthread_exit run
 * cleanups by unwinding the stack, frame by frame, innermost first. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int pfd[2];

static void cleanup_int(int *p)
{
    printf("  cleanup of local %d\n", *p);
}
static void handler(void *a)
{
    printf("  handler %s\n", (const char *)a);
}

static void deeper(int depth)
{
    int here __attribute__((cleanup(cleanup_int))) = 100 + depth;
    if (depth == 0) {
        char b;
        printf("  reading\n");
        if (read(pfd[0], &b, 1) >= 0) printf("  read returned\n");
        return;
    }
    deeper(depth - 1);
    (void)here;
}

static void *cancelled(void *a)
{
    int outer __attribute__((cleanup(cleanup_int))) = 1;
    pthread_cleanup_push(handler, "around the reads");
    deeper(2);
    pthread_cleanup_pop(0);
    (void)outer;
    return a;
}

static void *exits(void *a)
{
    int outer __attribute__((cleanup(cleanup_int))) = 2;
    pthread_cleanup_push(handler, "before exit");
    {
        int inner __attribute__((cleanup(cleanup_int))) = 3;
        pthread_exit((void *)5);
        (void)inner;
    }
    pthread_cleanup_pop(0);
    (void)outer;
    return a;
}

int main(void)
{
    pthread_t t;
    void *r;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pfd)) return 1;
    printf("cancelled in read, three frames down\n");
    pthread_create(&t, NULL, cancelled, NULL);
    usleep(50000);
    pthread_cancel(t);
    pthread_join(t, &r);
    printf("  join: %s\n", r == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "?");
    printf("pthread_exit inside a block\n");
    pthread_create(&t, NULL, exits, NULL);
    pthread_join(t, &r);
    printf("  join: %ld\n", (long)r);
    return 0;
}
