/* Sleep calls with good, edge and bad arguments: results and errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *en(int r)
{
    return r ? strerrorname_np(r) : "0";
}
#define ERRNO(call)                                                                                \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(call);                                                                    \
        printf("%-66s -> %ld errno %s\n", #call, r_, en(errno));                                   \
    } while (0)
#define RET(call) printf("%-66s -> %s\n", #call, en(call))

static double now(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* elapsed time is printed as "at least the request" so outputs compare */
static void took(const char *what, double t0, double want)
{
    double d = now(CLOCK_MONOTONIC) - t0;
    printf("%-66s -> slept %s\n", what, d >= want ? "long enough" : "TOO SHORT");
}

int main(void)
{
    struct timespec ok = {0, 50000000}, badns = {0, 1000000000}, negns = {0, -1}, negs = {-1, 0};
    struct timespec rem, abs;

    ERRNO(nanosleep(&badns, NULL));
    ERRNO(nanosleep(&negns, NULL));
    ERRNO(nanosleep(&negs, NULL));
    ERRNO(nanosleep(NULL, NULL));
    ERRNO(nanosleep((struct timespec *)1, NULL));
    double t0 = now(CLOCK_MONOTONIC);
    ERRNO(nanosleep(&ok, &rem));
    took("nanosleep 50 ms", t0, 0.05);

    RET(clock_nanosleep(CLOCK_MONOTONIC, 0, &badns, NULL));
    RET(clock_nanosleep(CLOCK_MONOTONIC, 0, NULL, NULL));
    RET(clock_nanosleep(12345, 0, &ok, NULL));
    RET(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &ok, NULL));
    RET(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &negs, NULL));
    t0 = now(CLOCK_MONOTONIC);
    RET(clock_nanosleep(CLOCK_REALTIME, 0, &ok, (struct timespec *)1));
    took("clock_nanosleep realtime relative 50 ms", t0, 0.05);
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 50000000;
    if (abs.tv_nsec >= 1000000000) abs.tv_sec++, abs.tv_nsec -= 1000000000;
    t0 = now(CLOCK_MONOTONIC);
    RET(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    took("clock_nanosleep monotonic absolute +50 ms", t0, 0.049);
    clock_gettime(CLOCK_REALTIME, &abs);
    abs.tv_nsec += 50000000;
    if (abs.tv_nsec >= 1000000000) abs.tv_sec++, abs.tv_nsec -= 1000000000;
    double r0 = now(CLOCK_REALTIME);
    RET(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL));
    printf("%-66s -> %s\n", "clock_nanosleep realtime absolute +50 ms",
           now(CLOCK_REALTIME) >= abs.tv_sec + abs.tv_nsec / 1e9 && now(CLOCK_REALTIME) > r0
               ? "woke after the instant"
               : "EARLY");
    RET(clock_nanosleep(CLOCK_BOOTTIME, 0, &ok, NULL));

    ERRNO(usleep(0));
    t0 = now(CLOCK_MONOTONIC);
    ERRNO(usleep(30000));
    took("usleep 30 ms", t0, 0.03);
    ERRNO(sleep(0));
    t0 = now(CLOCK_MONOTONIC);
    ERRNO(sleep(1));
    took("sleep 1 s", t0, 1.0);
    ERRNO(sched_yield());
    return 0;
}
