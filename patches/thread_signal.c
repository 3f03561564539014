/* thread: signals sent to one greenlet (pthread_kill), per-greenlet signal
 * masks (pthread_sigmask), and fork handlers registered in the right order.
 *
 * A signal sent to another greenlet is kept pending in its record; if it is
 * parked, its wait is interrupted with EINTR. When it runs again (the hub
 * hands the interrupted wait back, or on entry to its next patched call),
 * the signal is raised on the OS thread: the handler runs on that
 * greenlet's stack, and the interrupted call goes on or fails with EINTR
 * according to SA_RESTART, as it would natively. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "signal_int.h"
#include "thread.h"

/* glibc's internal signals: SIGCANCEL and SIGSETXID */
#define SIG_INTERNAL_LO 32
#define SIG_INTERNAL_HI 33

struct gth *gth_target(pthread_t t, int *other)
{
    struct gth *th = gth_find(t);
    if (!th) th = gth_find_main(t); /* main, before it made its own record */
    *other = th && th->gl && th->gl->hub != hub_tls.cur->hub;
    return th;
}

/* ---- signals sent to a greenlet ------------------------------------------- */

/* Raises th's pending signals on the OS thread while th runs: each handler
 * runs now, on th's stack, as it would have in th's own thread. 1 if every
 * handler that ran asked for SA_RESTART. */
int gth_deliver(struct gth *th)
{
    gl_t *g = th->gl;
    int op = g->op;
    void *ra = g->op_ra;
    int restart = 1;
    uint64_t ready;
    /* Signals th blocks stay pending with th until it unblocks them
     * (pthread_sigmask delivers them then), as a thread's own would. */
    while ((ready = th->sigpending & ~g->sigmask)) {
        int sig = __builtin_ctzll(ready) + 1;
        th->sigpending &= ~(1ull << (sig - 1));
        struct sigaction sa;
        if (REAL(sigaction)(sig, NULL, &sa) == 0 && !(sa.sa_flags & SA_RESTART)) restart = 0;
        REAL(pthread_kill)(REAL(pthread_self)(), sig);
    }
    g->op = op; /* a handler's own calls do not change what we are in */
    g->op_ra = ra;
    gth_update_pending(th);
    return restart;
}

/* ---- pthread_kill ------------------------------------------------------------ */

/* A signal the kernel would discard on arrival: ignored, or by default. */
static int ignored(int sig)
{
    struct sigaction sa;
    if (REAL(sigaction)(sig, NULL, &sa) != 0) return 0;
    if (sa.sa_handler == SIG_IGN) return 1;
    return sa.sa_handler == SIG_DFL &&
           (sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH);
}

static int gkill(pthread_t t, int sig)
{
    int other;
    struct gth *self = gth_self(), *th = self ? gth_target(t, &other) : NULL;
    if (!self) return ENOMEM;
    if (!th) return ESRCH; /* already joined: as pthread_join says */
    if (other) return REAL(pthread_kill)(t, sig);
    if (sig < 0 || sig >= NSIG || sig == SIG_INTERNAL_LO || sig == SIG_INTERNAL_HI) return EINVAL;
    /* To itself: at once, unless it blocks sig; then pending for this
     * greenlet alone (the OS thread's pending set is every greenlet's: a
     * thread created meanwhile must not see it) */
    if (th == self && (sig == 0 || !(th->gl->sigmask & (1ull << (sig - 1)))))
        return REAL(pthread_kill)(REAL(pthread_self)(), sig);
    if (sig == 0 || th->exited || th->exiting) return 0; /* glibc 2.34+: 0 once exited */
    uint64_t bit = 1ull << (sig - 1);
    if (!(th->gl->sigmask & bit) && ignored(sig)) return 0; /* discarded, interrupts nothing */
    th->sigpending |= bit;
    gth_update_pending(th);
    if (th->gl->sigmask & bit) return 0; /* blocked: it waits */
    /* Parked: the wait is interrupted, the handler runs in th as it wakes,
     * and the call goes on or fails with EINTR as natively (SA_RESTART). */
    if (th->gl->state == GL_PARKED) gl_unpark(th->gl, EINTR);
    return 0;
}

int pthread_kill(pthread_t t, int sig)
{
    if (!gp_enter(GP_SYM_pthread_kill)) return REAL(pthread_kill)(t, sig);
    return gkill(t, sig);
}

/* raise() is pthread_kill(pthread_self()) inside glibc, out of our reach. */
int raise(int sig)
{
    if (!gp_enter(GP_SYM_raise)) return REAL(raise)(sig);
    struct gth *self = gth_self();
    int r = self ? gkill(self->self, sig) : ENOMEM;
    if (r) {
        errno = r;
        return -1;
    }
    return 0;
}

/* ---- signal masks ------------------------------------------------------------ */

/* glibc's sigset_t is 1024 bits; the kernel (and we) use the first 64. */
static int mask_call(int how, const sigset_t *set, sigset_t *old)
{
    gl_t *g = gl_self();
    if (!g) return ENOMEM;
    uint64_t cur = g->sigmask;
    if (set) {
        uint64_t s;
        memcpy(&s, set, sizeof s);
        uint64_t m;
        switch (how) {
        case SIG_BLOCK:
            m = cur | s;
            break;
        case SIG_UNBLOCK:
            m = cur & ~s;
            break;
        case SIG_SETMASK:
            m = s;
            break;
        default:
            return EINVAL;
        }
        hub_sigmask_set(g, m);
    }
    if (old) memcpy(old, &cur, sizeof cur);
    return 0;
}

/* Not gp_enter: other hooks call these in the middle of their own work,
 * which must stay the call the greenlet is in. */
static inline int on(int id)
{
    return gp_syms[id].on && hub_may_wait();
}

/* After a mask change: signals sent with pthread_kill while blocked, and
 * those the hub handed over or held for the process, now perhaps not
 * blocked, are delivered before the call returns, as natively. */
static void unblocked(void)
{
    gl_t *g = hub_tls.cur;
    struct gth *th = g->local;
    if (g->sigq) gp_sig_run(g);
    if (th && th->sigpending) gth_deliver(th);
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    if (!on(GP_SYM_pthread_sigmask)) {
        int r = REAL(pthread_sigmask)(how, set, old);
        if (set) hub_sigmask_sync(); /* the hub's view of the OS thread */
        return r;
    }
    int r = mask_call(how, set, old);
    if (r == 0) unblocked();
    return r;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    if (!on(GP_SYM_sigprocmask)) {
        int r = REAL(sigprocmask)(how, set, old);
        if (set) hub_sigmask_sync();
        return r;
    }
    int r = mask_call(how, set, old);
    if (r) {
        errno = r;
        return -1;
    }
    unblocked();
    return 0;
}

/* Pending for the calling thread: the process's and the OS thread's, and
 * what was sent to this greenlet while it blocks it. */
int sigpending(sigset_t *set)
{
    int r = REAL(sigpending)(set);
    if (r == 0 && on(GP_SYM_sigpending)) {
        gl_t *g = hub_tls.cur;
        struct gth *th = g ? g->local : NULL;
        uint64_t more = hub_sig_held(); /* the process's, held by the hub */
        if (th) more |= th->sigpending;
        for (struct hub_signal *s = g ? g->sigq : NULL; s; s = s->next)
            more |= 1ull << (s->si.si_signo - 1); /* handed to it, not raised yet */
        if (more) {
            uint64_t w;
            memcpy(&w, set, sizeof w);
            w |= more;
            memcpy(set, &w, sizeof w);
        }
    }
    return r;
}

/* ---- fork handlers ------------------------------------------------------------ */

/* pthread_atfork is a static wrapper around this in every program: the
 * hub's own child handler is registered before the first one of anybody
 * else, even of a library whose constructor runs before ours. */
/* Library constructors call it before ours has run, and before ASan's in
 * the sanitizer build (whose instrumented code would then fault): no
 * instrumentation here, and the original looked up directly. */
__attribute__((no_sanitize_address)) int
__register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso)
{
    static int (*real)(void (*)(void), void (*)(void), void (*)(void), void *);
    if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "__register_atfork");
    hub_fork_register();
    return real(prepare, parent, child, dso);
}
