/* time: sleeps become timers on the hub, sched_yield a cooperative yield. */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "patch.h"

/* Sleeps until dl; on interruption stores the time left in *left. */
static int sleep_until(hub_deadline dl, struct timespec *left)
{
    int r = hub_sleep(dl);
    if (r && left) {
        int64_t ns = hub_left_ns(dl);
        left->tv_sec = ns / 1000000000;
        left->tv_nsec = ns % 1000000000;
    }
    return r;
}

unsigned int sleep(unsigned int seconds)
{
    if (!gp_enter(GP_SYM_sleep)) return REAL(sleep)(seconds);
    struct timespec left;
    if (sleep_until(hub_after_ns((int64_t)seconds * 1000000000), &left) == 0) return 0;
    errno = EINTR;
    return (unsigned int)left.tv_sec + (left.tv_nsec >= 500000000); /* as glibc rounds */
}

int usleep(useconds_t usec)
{
    if (!gp_enter(GP_SYM_usleep)) return REAL(usleep)(usec);
    if (sleep_until(hub_after_ns((int64_t)usec * 1000), NULL) == 0) return 0;
    errno = EINTR;
    return -1;
}

/* The common part of nanosleep and clock_nanosleep: an error number. */
static int do_nanosleep(clockid_t clock, int flags, const struct timespec *ureq,
                        struct timespec *urem)
{
    struct timespec req, left;
    hub_deadline dl;
    int r;
    if ((r = gp_copy_in(&req, ureq, sizeof req))) return r;
    if (req.tv_sec < 0) return EINVAL;
    if (flags & TIMER_ABSTIME)
        r = hub_at_ts(clock, &req, &dl);
    else if ((r = hub_after_ts(&req, &dl)) == 0 && clock == CLOCK_REALTIME)
        dl.clock = CLOCK_MONOTONIC; /* a relative realtime sleep ignores clock jumps */
    if (r) return r;
    if ((r = sleep_until(dl, &left)) == 0) return 0;
    if (urem && !(flags & TIMER_ABSTIME) && gp_copy_out(urem, &left, sizeof left)) return EFAULT;
    return r;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!gp_enter(GP_SYM_nanosleep)) return REAL(nanosleep)(req, rem);
    int r = do_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
    if (r == 0) return 0;
    errno = r;
    return -1;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
    /* CPU-time clocks cannot be waited for on the hub, and an unknown clock
     * gets the kernel's own answer: both go to the original. */
    int ours = clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME ||
               clock == CLOCK_TAI;
    if (!ours || !gp_enter(GP_SYM_clock_nanosleep))
        return REAL(clock_nanosleep)(clock, flags, req, rem);
    return do_nanosleep(clock, flags, req, rem);
}

int sched_yield(void)
{
    if (!gp_enter(GP_SYM_sched_yield)) return REAL(sched_yield)();
    hub_yield();
    return 0;
}
