/* Threads that hold the CPU or the OS thread without a cooperative call:
 *
 *   hog compute MS    a thread "cruncher" computes for MS ms without any
 *                     library call (after one usleep)
 *   hog futex MS      a thread "sleeper" waits MS ms in a futex system call
 *                     made with an inline syscall instruction (no libc)
 *   hog spin MS       a thread "spinner" loops on a volatile flag (no calls)
 *                     while a "ticker" ticks every 10 ms; after MS ms the
 *                     ticker stops the spinner; prints the worst lateness
 *                     of a tick, in ms of wall clock, on stderr ("lateness
 *                     N"), and the worst once the time its OS thread waited
 *                     for a CPU meanwhile is taken off ("beyond_runq N": on
 *                     a loaded machine a busy OS thread waits for a CPU,
 *                     which no scheduling inside the process can change)
 *   hog mainspin MS   the same with the main thread as the spinner
 *
 * stdout is the same natively and under the shim. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long ms_arg;
static volatile int stop;
static volatile unsigned long sink;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Pure computation: the clock is read through the vDSO, no library call
 * that could wait; the inner loop is what the monitor's backtrace shows. */
static void *cruncher(void *a)
{
    (void)a;
    usleep(1000); /* its last patched call */
    double end = now_ms() + (double)ms_arg;
    unsigned long x = 1;
    while (now_ms() < end)
        for (int i = 0; i < 100000; i++) x = x * 6364136223846793005ul + 1442695040888963407ul;
    sink = x;
    return NULL;
}

static int fword;

static void *sleeper(void *a)
{
    (void)a;
    usleep(1000);
    struct timespec ts = {ms_arg / 1000, (ms_arg % 1000) * 1000000};
    long r;
    /* futex(&fword, FUTEX_WAIT_PRIVATE, 0, &ts): times out after ms_arg */
    register long r10 __asm__("r10") = (long)&ts;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "0"((long)SYS_futex), "D"(&fword), "S"((long)FUTEX_WAIT_PRIVATE), "d"(0L),
                       "r"(r10)
                     : "rcx", "r11", "memory");
    return (void *)r;
}

static void *spinner(void *a)
{
    (void)a;
    for (;;)
        if (stop) break;
    return NULL;
}

static double worst, worst_beyond;

/* ms the calling OS thread has waited on a run queue for a CPU */
static double runq_ms(void)
{
    char buf[128];
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    if (!f) return 0;
    unsigned long long on = 0, wait = 0;
    if (!fgets(buf, sizeof buf, f) || sscanf(buf, "%llu %llu", &on, &wait) != 2) wait = 0;
    fclose(f);
    return (double)wait / 1e6;
}

static void *ticker(void *a)
{
    (void)a;
    double t0 = now_ms(), next = t0;
    while (now_ms() - t0 < (double)ms_arg) {
        next += 10;
        double q0 = runq_ms();
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
        double late = now_ms() - next, beyond = late - (runq_ms() - q0);
        if (late > worst) worst = late;
        if (beyond > worst_beyond) worst_beyond = beyond;
        next = now_ms();
    }
    stop = 1;
    return NULL;
}

static pthread_t start(void *(*fn)(void *), const char *name)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL)) exit(1);
    pthread_setname_np(t, name);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: hog compute|futex|spin|mainspin MS\n");
        return 2;
    }
    ms_arg = atol(argv[2]);
    if (!strcmp(argv[1], "compute")) {
        pthread_join(start(cruncher, "cruncher"), NULL);
    } else if (!strcmp(argv[1], "futex")) {
        pthread_join(start(sleeper, "sleeper"), NULL);
    } else if (!strcmp(argv[1], "mainspin")) {
        pthread_t t = start(ticker, "ticker");
        spinner(NULL);
        pthread_join(t, NULL);
        fprintf(stderr, "lateness %.1f\nbeyond_runq %.1f\n", worst, worst_beyond);
    } else if (!strcmp(argv[1], "spin")) {
        pthread_t s = start(spinner, "spinner");
        pthread_t t = start(ticker, "ticker");
        pthread_join(t, NULL);
        pthread_join(s, NULL);
        fprintf(stderr, "lateness %.1f\nbeyond_runq %.1f\n", worst, worst_beyond);
    } else {
        return 2;
    }
    printf("done\n");
    return 0;
}
