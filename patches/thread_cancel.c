/* thread: cancellation, cleanup handlers and the unwinding that runs them
 * (pthread_cancel, pthread_exit), and what the hub calls when a wait is
 * interrupted.
 *
 * Cancellation is deferred, as glibc's default: pthread_cancel marks the
 * target and, if it is parked in a cancellation point, interrupts its wait
 * with ECANCELED. The target acts on it in its own context, either on entry
 * to a patched cancellation point (gp_pending, from gp_enter), or where the
 * hub hands the interrupted wait back (hub_intr_hook: after the wait
 * primitive has cleaned up after itself). Our own cancellation points that
 * hold state across their wait (pthread_cond_wait relocks the mutex first,
 * pthread_join leaves the thread joinable) act themselves (gth_testcancel).
 *
 * Acting means unwinding, as glibc does it: a forced unwind through the
 * greenlet's frames with libgcc's unwinder (so C++ destructors and
 * __attribute__((cleanup)) run), stopping at each pthread_cleanup_push
 * buffer to longjmp into it; the macro runs the handler and comes back
 * through __pthread_unwind_next for the next one. At the start routine's
 * frame the greenlet ends (key destructors, robust mutexes, joiners) with
 * PTHREAD_CANCELED. Without libgcc, the C handlers still run. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fdt.h"
#include "signal_int.h"
#include "thread.h"

/* ---- cancellation points -------------------------------------------------- */

/* Where a pending cancellation is acted on: the cancellation column of
 * symbols.def. CP_HUB: wherever the call waits (nothing to put right above
 * the hub's primitive). CP_OWN: our own, which act through gth_testcancel
 * once their state is right. */
enum { CP_NONE = GP_CANCEL_NOCP, CP_HUB = GP_CANCEL_CP, CP_OWN = GP_CANCEL_CPOWN };

/* The table id of the call g is in, or -1. */
static int op_id(const gl_t *g)
{
    return g->op - 1;
}

static inline int cancel_on(const struct gth *th)
{
    return th->cancel_req && !th->cancel_off && !th->exiting;
}

/* How a pending cancellation is acted on inside call id. */
static int cp_class(const struct gth *th, int id)
{
    int c = id >= 0 ? gp_sym_cancel(id) : CP_NONE;
    if (c == CP_NONE && th->cancel_async) c = CP_HUB; /* anywhere */
    return c;
}

void gth_update_pending(struct gth *th)
{
    if (th->gl)
        th->gl->pending = (th->sigpending & ~th->gl->sigmask) != 0 || cancel_on(th) || th->gl->sigq;
}

/* ---- unwinding ------------------------------------------------------------ */

/* libgcc's unwinder, loaded on first need as glibc loads it. */
typedef int (*stop_fn)(int, int, uint64_t, void *, void *, void *);
static int (*p_forced_unwind)(void *exc, stop_fn stop, void *arg);
static uintptr_t (*p_get_cfa)(void *ctx);
static int unwinder_state; /* 0 not tried, 1 there, -1 missing */

static int unwinder(void)
{
    if (unwinder_state == 0) {
        void *h = dlopen("libgcc_s.so.1", RTLD_NOW);
        if (h) {
            p_forced_unwind = (int (*)(void *, stop_fn, void *))dlsym(h, "_Unwind_ForcedUnwind");
            p_get_cfa = (uintptr_t(*)(void *))dlsym(h, "_Unwind_GetCFA");
        }
        unwinder_state = p_forced_unwind && p_get_cfa ? 1 : -1;
    }
    return unwinder_state > 0;
}

/* Our use of glibc's __pthread_unwind_buf_t: the jmp_buf the macro filled
 * with __sigsetjmp, then __pad[0] the enclosing buffer, __pad[1] the stack
 * pointer of the frame that pushed it, __pad[2] the saved cancel type
 * (pthread_cleanup_push_defer_np). */
#define UB_PREV(b) ((__pthread_unwind_buf_t *)(b)->__pad[0])
#define UB_SP(b)   ((uintptr_t)(b)->__pad[1])

/* Runs the old-ABI handlers (_pthread_cleanup_push) of frames below sp. */
static void run_old_handlers(struct gth *th, uintptr_t sp)
{
    struct _pthread_cleanup_buffer *c;
    while ((c = th->old_cleanup) && (uintptr_t)c < sp) {
        th->old_cleanup = c->__prev;
        c->__routine(c->__arg);
    }
}

static void finish(struct gth *th) __attribute__((noreturn));
static void finish(struct gth *th)
{
    run_old_handlers(th, UINTPTR_MAX);
    th->cleanup = NULL;
    gth_exit(th, th->exit_value);
}

/* Into the frame that pushed b: the pthread_cleanup_push macro runs the
 * handler and calls __pthread_unwind_next, which carries on from there. */
static void jump_to(struct gth *th, __pthread_unwind_buf_t *b) __attribute__((noreturn));
static void jump_to(struct gth *th, __pthread_unwind_buf_t *b)
{
    run_old_handlers(th, UB_SP(b));
    th->cleanup = UB_PREV(b);
    /* The buffer is the common prefix of a jmp_buf: longjmp reads no
     * further, the saved-mask flag being 0 (as glibc notes too). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
    longjmp((struct __jmp_buf_tag *)(void *)b->__cancel_jmp_buf, 1);
#pragma GCC diagnostic pop
}

#define UA_END_OF_STACK 16

static int unwind_stop(int version, int actions, uint64_t cls, void *exc, void *ctx, void *arg)
{
    (void)version, (void)cls, (void)exc;
    struct gth *th = arg;
    /* The CFA here is the stack pointer of the frame being unwound (the
     * SP its callee returns to): the frame that pushed a buffer is reached
     * when the CFA comes up to the SP recorded with it. */
    uintptr_t cfa = p_get_cfa(ctx);
    int end = (actions & UA_END_OF_STACK) || (th->base_cfa && cfa >= th->base_cfa);
    run_old_handlers(th, end ? UINTPTR_MAX : cfa);
    if (th->cleanup && (end || cfa >= UB_SP(th->cleanup))) jump_to(th, th->cleanup);
    if (end) finish(th);
    return 0; /* _URC_NO_REASON: go on */
}

static void exc_cleanup(int reason, void *exc)
{
    (void)reason, (void)exc;
    /* A C++ catch (...) swallowed the unwinding, as glibc puts it: */
    static const char m[] = "FATAL: exception not rethrown\n";
    gp_write_all(2, m, sizeof m - 1);
    abort();
}

static void unwind(struct gth *th) __attribute__((noreturn));
static void unwind(struct gth *th)
{
    if (unwinder()) {
        th->exc = (struct gth_exc){0};
        th->exc.cleanup = exc_cleanup;
        p_forced_unwind(&th->exc, unwind_stop, th);
        /* only on failure (frames without unwind information): go on in C */
    }
    if (th->cleanup) jump_to(th, th->cleanup);
    finish(th);
}

void gth_unwind(struct gth *th, void *ret)
{
    gth_once_undo(th);
    th->exiting = 1;
    th->exit_value = ret;
    if (th->gl) th->gl->pending = 0;
    unwind(th);
}

static void act(struct gth *th) __attribute__((noreturn));
static void act(struct gth *th)
{
    gth_unwind(th, PTHREAD_CANCELED);
}

void gth_testcancel(void)
{
    gl_t *g = hub_tls.cur;
    struct gth *th = g ? g->local : NULL;
    if (th && cancel_on(th)) act(th);
}

/* ---- what the hub and gp_enter call --------------------------------------- */

/* The signals handed to the running greenlet: process-directed ones from
 * the hub, then its own (pthread_kill). Also hub_deliver_hook: at a point
 * that is no call (GEVENT_PREEMPT's signal), the signals only. */
static void deliver_signals(void)
{
    gl_t *g = hub_tls.cur;
    struct gth *th = g->local;
    if (g->sigq) gp_sig_run(g);
    if (th && th->sigpending) gth_deliver(th);
}

void gp_pending(int id)
{
    gl_t *g = hub_tls.cur;
    struct gth *th = g->local;
    deliver_signals();
    if (!th) {
        g->pending = 0;
        return;
    }
    /* Only at cancellation points, even for asynchronous cancellation: any
     * other call may come from a runtime (a sanitizer asks for the thread's
     * attributes) in a state where unwinding would be wrong. */
    if (cancel_on(th) && id >= 0 && gp_sym_cancel(id) != CP_NONE) act(th);
}

/* After a handler interrupted g's call id: wait again? signal(7) by the
 * restart column of symbols.def; sa_restart: every handler that ran had
 * SA_RESTART. A call waiting on a socket with a timeout for that direction
 * set is not restarted (the kernel's sock_intr_errno): accept, recv* and
 * read on SO_RCVTIMEO, connect, send* and write on SO_SNDTIMEO; nor a
 * write or MSG_WAITALL read that moved part of its bytes (fdt_no_restart). */
static int restarts(const gl_t *g, int id, int sa_restart)
{
    if (id < 0) return sa_restart;
    switch (gp_sym_restart(id)) {
    case GP_RESTART_NOEINTR:
        return 1; /* libc waits on (pthread_cond_wait, pthread_mutex_lock...) */
    case GP_RESTART_NORESTART:
        return 0;
    default:
        if (sa_restart && g->wkind == HUB_W_FD && fdt_no_restart((int)g->wobj, g->wevents, g))
            return 0;
        return sa_restart;
    }
}

static int intr_hook(int code)
{
    gl_t *g = hub_tls.cur;
    struct gth *th = g ? g->local : NULL;
    int id = g ? op_id(g) : -1, restart = 1;
    if (g && g->sigq) restart = gp_sig_run(g); /* process-directed signals */
    if (!th) {
        if (code == 0 || code == ECANCELED) return code;
        return restarts(g, id, restart) ? HUB_RESTART : EINTR;
    }
    if (th->sigpending) restart &= gth_deliver(th);
    if (cancel_on(th)) {
        int c = cp_class(th, id);
        if (c == CP_HUB) act(th);
        if (c == CP_OWN) return ECANCELED; /* the call acts itself */
    }
    if (code == 0) return 0;                   /* before waiting: wait */
    if (code == ECANCELED) return HUB_RESTART; /* nothing to act on (any more) */
    /* EINTR: a signal handler ran; the restart column of symbols.def */
    return restarts(g, id, restart) ? HUB_RESTART : EINTR;
}

/* Also the signal patch's, when the thread patch is off. */
void gp_intr_init(void)
{
    hub_intr_hook = intr_hook;
    hub_deliver_hook = deliver_signals;
}

void gp_init_thread(void)
{
    hub_intr_hook = intr_hook;
    hub_deliver_hook = deliver_signals;
    gth_futex_init();
    gth_timer_init();
    gth_thread_init();
    hub_tcb_init(gp_config.tls == GP_TLS_SHARED     ? HUB_TLS_SHARED
                 : gp_config.tls == GP_TLS_GREENLET ? HUB_TLS_GREENLET
                                                    : HUB_TLS_AUTO);
}

/* ---- the API ---------------------------------------------------------------- */

/* The caller's record, when the shim handles call id for it. */
static inline struct gth *mine(int id)
{
    return gp_syms[id].on && hub_may_wait() ? gth_self() : NULL;
}

int pthread_cancel(pthread_t t)
{
    if (!gp_enter(GP_SYM_pthread_cancel)) return REAL(pthread_cancel)(t);
    int other;
    struct gth *self = gth_self(), *th = self ? gth_target(t, &other) : NULL;
    if (!self) return ENOMEM;
    if (!th) return ESRCH; /* already joined: as pthread_join says */
    if (other) return REAL(pthread_cancel)(t);
    if (th->exited || th->exiting) return 0;
    unwinder(); /* loaded now, not in the middle of the unwinding */
    th->cancel_req = 1;
    gth_update_pending(th);
    if (!cancel_on(th)) return 0;
    if (th == self) {
        if (th->cancel_async) act(th);
        return 0;
    }
    gl_t *g = th->gl;
    if (g->state == GL_PARKED && cp_class(th, op_id(g)) != CP_NONE) gl_unpark(g, ECANCELED);
    return 0;
}

void pthread_testcancel(void)
{
    if (!gp_enter(GP_SYM_pthread_testcancel)) {
        REAL(pthread_testcancel)();
        return;
    }
    gth_testcancel();
}

int pthread_setcancelstate(int state, int *old)
{
    struct gth *th = mine(GP_SYM_pthread_setcancelstate);
    if (!th) return REAL(pthread_setcancelstate)(state, old);
    if (state != PTHREAD_CANCEL_ENABLE && state != PTHREAD_CANCEL_DISABLE) return EINVAL;
    if (old) *old = th->cancel_off ? PTHREAD_CANCEL_DISABLE : PTHREAD_CANCEL_ENABLE;
    th->cancel_off = state == PTHREAD_CANCEL_DISABLE;
    gth_update_pending(th);
    if (th->cancel_async && cancel_on(th)) act(th);
    return 0;
}

int pthread_setcanceltype(int type, int *old)
{
    struct gth *th = mine(GP_SYM_pthread_setcanceltype);
    if (!th) return REAL(pthread_setcanceltype)(type, old);
    if (type != PTHREAD_CANCEL_DEFERRED && type != PTHREAD_CANCEL_ASYNCHRONOUS) return EINVAL;
    if (old) *old = th->cancel_async ? PTHREAD_CANCEL_ASYNCHRONOUS : PTHREAD_CANCEL_DEFERRED;
    th->cancel_async = type == PTHREAD_CANCEL_ASYNCHRONOUS;
    if (th->cancel_async && cancel_on(th)) act(th);
    return 0;
}

/* ---- cleanup handlers ------------------------------------------------------- */

void __pthread_register_cancel(__pthread_unwind_buf_t *buf)
{
    struct gth *th = mine(GP_SYM___pthread_register_cancel);
    if (!th) {
        REAL(__pthread_register_cancel)(buf);
        return;
    }
    buf->__pad[0] = th->cleanup;
    buf->__pad[1] = __builtin_dwarf_cfa(); /* the caller's stack pointer */
    th->cleanup = buf;
}

void __pthread_unregister_cancel(__pthread_unwind_buf_t *buf)
{
    struct gth *th = mine(GP_SYM___pthread_unregister_cancel);
    if (!th) {
        REAL(__pthread_unregister_cancel)(buf);
        return;
    }
    th->cleanup = UB_PREV(buf);
}

void __pthread_register_cancel_defer(__pthread_unwind_buf_t *buf)
{
    struct gth *th = mine(GP_SYM___pthread_register_cancel_defer);
    if (!th) {
        REAL(__pthread_register_cancel_defer)(buf);
        return;
    }
    buf->__pad[0] = th->cleanup;
    buf->__pad[1] = __builtin_dwarf_cfa();
    buf->__pad[2] = (void *)(uintptr_t)th->cancel_async;
    th->cancel_async = 0;
    th->cleanup = buf;
}

void __pthread_unregister_cancel_restore(__pthread_unwind_buf_t *buf)
{
    struct gth *th = mine(GP_SYM___pthread_unregister_cancel_restore);
    if (!th) {
        REAL(__pthread_unregister_cancel_restore)(buf);
        return;
    }
    th->cleanup = UB_PREV(buf);
    if (buf->__pad[2]) {
        th->cancel_async = 1;
        if (cancel_on(th)) act(th);
    }
}

void __pthread_unwind_next(__pthread_unwind_buf_t *buf)
{
    gl_t *g = hub_tls.cur;
    struct gth *th = g ? g->local : NULL;
    /* Only a greenlet we are unwinding comes back here through our jump. */
    if (!th || !th->exiting) REAL(__pthread_unwind_next)(buf);
    unwind(th);
}

/* The old ABI (binaries built before glibc 2.3.3), without unwinding. */
void _pthread_cleanup_push(struct _pthread_cleanup_buffer *buf, void (*fn)(void *), void *arg)
{
    struct gth *th = mine(GP_SYM__pthread_cleanup_push);
    if (!th) {
        REAL(_pthread_cleanup_push)(buf, fn, arg);
        return;
    }
    buf->__routine = fn;
    buf->__arg = arg;
    buf->__prev = th->old_cleanup;
    th->old_cleanup = buf;
}

void _pthread_cleanup_pop(struct _pthread_cleanup_buffer *buf, int execute)
{
    struct gth *th = mine(GP_SYM__pthread_cleanup_pop);
    if (!th) {
        REAL(_pthread_cleanup_pop)(buf, execute);
        return;
    }
    th->old_cleanup = buf->__prev;
    if (execute) buf->__routine(buf->__arg);
}
