/* What every patch file includes: the base layer (symbol ids, originals,
 * configuration), the hub, and the entry check each hook starts with.
 *
 *     ssize_t read(int fd, void *buf, size_t n)
 *     {
 *         if (!gp_enter(GP_SYM_read)) return REAL(read)(fd, buf, n);
 *         ... wait on the hub, then call REAL(read) ...
 *     }
 *
 * gp_enter is false (pass straight through) when the symbol is off, before
 * the library is initialised, on the hub greenlet itself, and in no-wait
 * sections (signal handlers, native helper threads). */
#ifndef GP_PATCH_H
#define GP_PATCH_H

#include <errno.h>
#include <sys/types.h>

#include "../hub/hub.h"
#include "../shim/base/base.h"

/* Something is pending for the running greenlet (g->pending: a signal sent
 * with pthread_kill, a cancellation): delivered on entry to a patched call;
 * a cancellation is acted on here if call id is a cancellation point.
 * Defined by the thread patch (thread_cancel.c). */
void gp_pending(int id);

/* hub_may_wait() said no: unless a signal handler was left by longjmp
 * (signal_deliver.c), which ends its no-wait section. */
int gp_may_wait_slow(void);

/* Always inlined: __builtin_return_address(0) is then the hook's caller,
 * the program's call site the dump shows. */
static inline __attribute__((always_inline)) int gp_enter(int id)
{
    if (!gp_syms[id].on || (!hub_may_wait() && !gp_may_wait_slow())) return 0;
    gl_t *g = hub_tls.cur;
    if (__builtin_expect(gp_stats, 0)) gp_syms[id].calls++;
    if (g) {
        /* GP_SET: a fork's parent calling waitpid where it did last time
         * writes nothing to its record, which the fork made copy-on-write */
        GP_SET(g->op, id + 1);
        if (__builtin_expect(gp_stats, 0)) g->op_waited = 0; /* the hub counts its waits */
        GP_SET(g->op_ra, __builtin_return_address(0));
        if (__builtin_expect(g->pending, 0)) gp_pending(id);
        hub_preempt_point(); /* GEVENT_PREEMPT: its time slice is over */
    }
    return 1;
}

/* A hook the library calls itself (popen's streams read and write as the
 * program's calls would, waiting on the hub): through its hidden alias,
 * bound at link time, never through the exported name (which another
 * preloaded library may take, and which test 27 finds as a relocation).
 * GP_HOOK_ALIAS(name) follows the hook's definition; GP_HOOK(name) calls. */
#define GP_HOOK(name) gp_hook_##name
#define GP_HOOK_ALIAS(name)                                                                        \
    extern __typeof__(name) gp_hook_##name                                                         \
        __attribute__((alias(#name), copy(name), visibility("hidden")));
#define GP_HOOK_DECL(name)                                                                         \
    extern __typeof__(name) gp_hook_##name __attribute__((visibility("hidden")));
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
GP_HOOK_DECL(read)
GP_HOOK_DECL(write)
GP_HOOK_DECL(close)
GP_HOOK_DECL(fcntl)
GP_HOOK_DECL(open)
GP_HOOK_DECL(fclose)
/* "Nothing ready" answers (issue 14): a call that returns at once because
 * nothing is ready lets the other greenlets run first (hub_nothing_ready),
 * so a thread spinning on it does not starve them. Each passes its result
 * through; errno is kept. Only after gp_enter said yes. */
/* Only where the program's signal handlers run inside the signal patch's
 * wrapper (a no-wait section): with sigaction left to libc a handler is
 * indistinguishable from a thread, and a handler's waitpid(WNOHANG) that
 * yielded would switch away from whatever it interrupted (a fork holding
 * malloc's locks, seen in test 61 with GEVENT_PATCH_SIGNAL=0). */
static inline void gp_none(void)
{
    if (gp_syms[GP_SYM_sigaction].on) hub_nothing_ready();
}
static inline int gp_none_rc(int r) /* a trylock's EBUSY / EAGAIN */
{
    if (r == EBUSY || r == EAGAIN) gp_none();
    return r;
}
static inline ssize_t gp_none_io(ssize_t r) /* -1 with EAGAIN or EINPROGRESS */
{
    if (r < 0 &&
        (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS || errno == EALREADY))
        gp_none();
    return r;
}
static inline int gp_none_zero(int r) /* a zero-timeout poll, WNOHANG: 0 */
{
    if (r == 0) gp_none();
    return r;
}

/* Copies between the program's memory and ours, failing with EFAULT where
 * the kernel would, instead of crashing inside the shim. */
int gp_copy_in(void *dst, const void *user_src, size_t n);
int gp_copy_out(void *user_dst, const void *src, size_t n);

/* Memory known to be mapped (patches/common.c): the main stack's region
 * [gp_main_stack_lim, gp_main_stack_top) and the brk heap's start, learnt
 * by gp_mem_init (the constructor); gp_on_live_stack(p, n): [p, p+n) lies
 * between the caller's frame and the top of the stack it runs on. */
extern uintptr_t gp_main_stack_top, gp_main_stack_lim, gp_brk_lo;
void gp_mem_init(void);
int gp_on_live_stack(const void *p, size_t n);

/* Optional per-subsystem set-up, run by the constructor when the subsystem
 * is on: define `void gp_init_<subsystem>(void)` in the patch file. */
#define GP_INIT_DECL(s) void gp_init_##s(void) __attribute__((weak));
GP_SUBSYSTEMS(GP_INIT_DECL)
#undef GP_INIT_DECL

#endif
