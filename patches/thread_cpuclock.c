/* thread: each thread's CPU-time clock is its greenlet's.
 *
 * pthread_getcpuclockid names a greenlet's clock as the kernel names a
 * thread's (MAKE_THREAD_CPUCLOCK of its id: a spawned greenlet's lies above
 * any real thread id, so the kernel itself answers EINVAL for it; a main
 * greenlet's is its OS thread's id), and
 * clock_gettime / clock_getres on such a clock or on
 * CLOCK_THREAD_CPUTIME_ID answer with the greenlet's own CPU time, which
 * the hub counts from the first such request on (hub/cpu.c). Every other
 * clock goes straight to the original (the vDSO). */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "thread.h"

#define CPUCLOCK_SCHED_THREAD 6          /* per thread (4) | scheduler time (2) */
#define GL_ID_MIN             (1u << 22) /* greenlet ids start above any pid (hub.c) */

GP_HOOK_DECL(pthread_self)

static clockid_t make_clock(unsigned id)
{
    return (clockid_t)((~(clockid_t)id) * 8) | CPUCLOCK_SCHED_THREAD;
}

/* The greenlet whose clock c names, or NULL with *ours = 0 if c is not a
 * greenlet's clock at all (*ours = 1, NULL: one that has exited). */
static gl_t *clock_gl(clockid_t c, int *ours)
{
    *ours = 0;
    if (c == CLOCK_THREAD_CPUTIME_ID) {
        /* no greenlet yet: the OS thread's clock is its main thread's */
        if (!hub_tls.cur) hub_cpu_start();
        *ours = hub_tls.cur != NULL && !hub_tls.cur->is_hub;
        return *ours ? hub_tls.cur : NULL;
    }
    if (c >= 0 || (c & 7) != CPUCLOCK_SCHED_THREAD) return NULL;
    unsigned id = (unsigned)~(c >> 3);
    gl_t *g = hub_gl_by_id(id);           /* a main greenlet's id is its OS thread's */
    *ours = g != NULL || id >= GL_ID_MIN; /* else another OS thread's: the kernel's */
    return g;
}

static int on(int id)
{
    return gp_syms[id].on && hub_tls.nowait == 0;
}

int pthread_getcpuclockid(pthread_t t, clockid_t *cid)
{
    if (!on(GP_SYM_pthread_getcpuclockid) || !gl_self()) return REAL(pthread_getcpuclockid)(t, cid);
    gl_t *g = NULL;
    if (pthread_equal(t, GP_HOOK(pthread_self)())) {
        g = hub_tls.cur;
    } else {
        struct gth *th = gth_find(t);
        if (th && th->gl && th->gl->hub == hub_tls.hub) g = th->gl;
    }
    if (!g || g->is_hub) return REAL(pthread_getcpuclockid)(t, cid);
    clockid_t c = make_clock(gl_id(g));
    if (gp_copy_out(cid, &c, sizeof c)) return EFAULT;
    hub_cpu_start();
    return 0;
}

int clock_gettime(clockid_t c, struct timespec *ts)
{
    int ours;
    gl_t *g;
    if (__builtin_expect(c >= 0 && c != CLOCK_THREAD_CPUTIME_ID, 1) || !on(GP_SYM_clock_gettime) ||
        !((g = clock_gl(c, &ours)) || ours))
        return REAL(clock_gettime)(c, ts);
    if (!g) {
        errno = EINVAL;
        return -1;
    }
    hub_cpu_start();
    int64_t ns = hub_cpu_ns(g);
    struct timespec v = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    if (gp_copy_out(ts, &v, sizeof v)) {
        errno = EFAULT;
        return -1;
    }
    return 0;
}

int clock_getres(clockid_t c, struct timespec *res)
{
    int ours;
    gl_t *g;
    if (__builtin_expect(c >= 0, 1) || !on(GP_SYM_clock_getres) ||
        !((g = clock_gl(c, &ours)) || ours))
        return REAL(clock_getres)(c, res);
    if (!g) {
        errno = EINVAL;
        return -1;
    }
    struct timespec v = {0, 1}; /* the kernel's for a scheduler-time CPU clock */
    if (res && gp_copy_out(res, &v, sizeof v)) {
        errno = EFAULT;
        return -1;
    }
    return 0;
}
