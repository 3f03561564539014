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
#include <sys/syscall.h>
#include <unistd.h>

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
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = sig;
        si.si_code = gth_take_pending(th, sig);
        si.si_pid = getpid();
        si.si_uid = getuid();
        struct sigaction sa;
        if (REAL(sigaction)(sig, NULL, &sa) == 0 && !(sa.sa_flags & SA_RESTART)) restart = 0;
        gp_sig_raise(&si);
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

int gth_take_pending(struct gth *th, int sig)
{
    uint64_t bit = 1ull << (sig - 1);
    int code = th->sigraised & bit ? SI_USER : SI_TKILL;
    if (th->sigmore[sig - 1]) {
        th->sigmore[sig - 1]--;
    } else {
        th->sigpending &= ~bit;
        th->sigraised &= ~bit;
    }
    gth_update_pending(th);
    return code;
}

/* One more instance of sig pending for th: a standard signal merges with
 * one already pending, a real-time one queues (up to 255 behind the first;
 * the kernel's limit is RLIMIT_SIGPENDING, far above). */
static void add_pending(struct gth *th, int sig, int raised)
{
    uint64_t bit = 1ull << (sig - 1);
    if (!(th->sigpending & bit)) {
        th->sigpending |= bit;
        if (raised) th->sigraised |= bit;
    } else if (sig >= SIGRTMIN && th->sigmore[sig - 1] < 255) {
        th->sigmore[sig - 1]++;
    }
    gth_update_pending(th);
}

static int gkill(pthread_t t, int sig, int raised)
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
    add_pending(th, sig, raised);
    /* Blocked and waited for in sigwait & co.: the wait looks again and
     * takes it (posix sigwait/6-2) */
    if (th->gl->sigmask & bit && th->gl->sigwait & bit && th->gl->state == GL_PARKED) {
        gl_unpark(th->gl, 0);
        return 0;
    }
    if (th->gl->sigmask & bit) return 0; /* blocked: it waits */
    /* Parked: the wait is interrupted, the handler runs in th as it wakes,
     * and the call goes on or fails with EINTR as natively (SA_RESTART). */
    if (th->gl->state == GL_PARKED) gl_unpark(th->gl, EINTR);
    return 0;
}

/* pthread_kill from a signal handler (a no-wait section, where gp_enter
 * says no) to another greenlet of this hub: glibc would read the
 * greenlet's pthread_t as its own (ESRCH, or worse). The signal is made
 * pending for it at once (a bit and a flag); a parked target is interrupted
 * by the hub (gth_kill_soon, after hub_soon), not from the handler, which
 * may have stopped the hub's own bookkeeping half way. */
#define KILL_SOON 64
static pthread_t kill_soon[KILL_SOON];
static unsigned kill_soon_n;

void gth_kill_soon(void)
{
    unsigned n = __atomic_exchange_n(&kill_soon_n, 0, __ATOMIC_ACQ_REL);
    for (unsigned i = 0; i < n && i < KILL_SOON; i++) {
        /* still there, parked, with the signal pending and let in (it may
         * have been delivered meanwhile, or the thread joined) */
        struct gth *th = gth_find(kill_soon[i]);
        gl_t *g = th ? th->gl : NULL;
        if (!g || g->hub != hub_tls.hub || g->state != GL_PARKED) continue;
        if (g->sigwait & th->sigpending)
            gl_unpark(g, 0); /* sigwait & co. look again and take it */
        else if (g->pending)
            gl_unpark(g, EINTR);
    }
}

static int gkill_in_handler(struct gth *th, int sig)
{
    if (sig < 0 || sig >= NSIG || sig == SIG_INTERNAL_LO || sig == SIG_INTERNAL_HI) return EINVAL;
    if (sig == 0 || th->exited || th->exiting) return 0;
    uint64_t bit = 1ull << (sig - 1);
    if (!(th->gl->sigmask & bit) && ignored(sig)) return 0;
    add_pending(th, sig, 0);
    if ((th->gl->sigmask & bit && !(th->gl->sigwait & bit)) || th->gl->state != GL_PARKED)
        return 0; /* at its next call */
    unsigned i = __atomic_fetch_add(&kill_soon_n, 1, __ATOMIC_ACQ_REL);
    if (i < KILL_SOON) kill_soon[i] = th->self;
    hub_soon();
    return 0;
}

int pthread_kill(pthread_t t, int sig)
{
    if (!gp_enter(GP_SYM_pthread_kill)) {
        struct gth *th;
        if (gp_syms[GP_SYM_pthread_kill].on && hub_tls.cur && hub_tls.nowait &&
            (th = gth_find(t)) && !th->is_main && th->gl && th->gl->hub == hub_tls.cur->hub &&
            th->gl != hub_tls.cur)
            return gkill_in_handler(th, sig);
        return REAL(pthread_kill)(t, sig);
    }
    return gkill(t, sig, 0);
}

/* raise() is pthread_kill(pthread_self()) inside glibc, out of our reach. */
int raise(int sig)
{
    if (!gp_enter(GP_SYM_raise)) return REAL(raise)(sig);
    struct gth *self = gth_self();
    int r = self ? gkill(self->self, sig, 1) : ENOMEM;
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

/* System V's sighold and sigrelse change the thread's mask with glibc's
 * inner sigprocmask, which our hook does not see: the greenlet's mask as
 * sigprocmask would change it. */
static int sv_mask(int how, int sig)
{
    sigset_t set;
    sigemptyset(&set);
    if (sigaddset(&set, sig) != 0) return -1; /* EINVAL, as glibc */
    int r = mask_call(how, &set, NULL);
    if (r) {
        errno = r;
        return -1;
    }
    unblocked();
    return 0;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* the originals' types */
int sighold(int sig)
{
    if (!on(GP_SYM_sighold)) return REAL(sighold)(sig);
    return sv_mask(SIG_BLOCK, sig);
}

int sigrelse(int sig)
{
    if (!on(GP_SYM_sigrelse)) return REAL(sigrelse)(sig);
    return sv_mask(SIG_UNBLOCK, sig);
}
#pragma GCC diagnostic pop

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
