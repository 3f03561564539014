/* signal: the program's handlers run in the program's threads.
 *
 * For every signal the program catches (sigaction/signal with a function)
 * the real disposition is our trampoline, and the program's disposition is
 * kept in a table that sigaction reads back, as the kernel would show it.
 * The trampoline runs on whatever the OS thread runs when the signal comes:
 *   - a program greenlet that does not block the signal (a signal sent to
 *     the process while it ran, raise(), a SIGPIPE of its own write, or the
 *     hub raising a signal again for it): the program's handler runs at
 *     once on its stack, as natively;
 *   - the hub greenlet (waiting in epoll_wait while every greenlet waits),
 *     or a greenlet that blocks it (in the middle of a switch to the hub):
 *     it is handed to the hub (hub_sig_defer), which picks a greenlet as
 *     the kernel picks a thread and interrupts its wait; that greenlet
 *     raises it again on the OS thread with the original siginfo once it
 *     runs (gp_sig_run), and its call fails with EINTR or goes on as
 *     signal(7) says for that call under SA_RESTART (gp_intr_hook).
 * SA_RESETHAND is done here (the kernel would reset the trampoline when the
 * signal merely passes through the hub); sa_mask, SA_NODEFER, SA_ONSTACK
 * and SA_RESTART go to the kernel with the trampoline, so the kernel
 * applies them as for the program's own handler.
 * Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS) the kernel
 * raises (si_code > 0) belong to the instruction that faulted: their
 * handler runs at once in whatever runs, as natively in the faulting
 * thread; sent by kill or raise they are signals like the others (posix
 * sigaction/17-*: a SIGBUS sent by kill interrupts a greenlet's select).
 * Left to the kernel: SIGKILL, SIGSTOP, glibc's internal signals, and
 * SIGCHLD, which signal.c shares with the hub's child reaper through the
 * same deferral. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "patch.h"
#include "signal_int.h"

static struct sigaction prog[65]; /* the program's dispositions, where managed */
static uint64_t managed;          /* bit sig-1: our trampoline is installed */
static int glibc_flags;           /* flags glibc adds (SA_RESTORER) */

/* Per OS thread: handlers run (pselect & co. tell a wait that must end),
 * and whether one of them lacked SA_RESTART. */
static __thread unsigned ran __attribute__((tls_model("initial-exec")));
static __thread int ran_norestart __attribute__((tls_model("initial-exec")));
/* Per OS thread: the shim raises a signal again where the greenlet stands
 * at a point of its choosing (gp_sig_raise), not in arbitrary code. */
static __thread int raising __attribute__((tls_model("initial-exec")));

/* Handler frames entered on this thread, to notice one left by longjmp:
 * the program's handler runs in a no-wait section, which must end even when
 * the handler jumps out of it (siglongjmp to the program's loop). */
#define DEPTH 16
static __thread struct {
    gl_t *g;
    char *sp;
} frames[DEPTH] __attribute__((tls_model("initial-exec")));
static __thread int nframes __attribute__((tls_model("initial-exec")));

#define BIT(s)   (1ull << ((s)-1))
#define FAULTS   (BIT(SIGSEGV) | BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGFPE) | BIT(SIGTRAP) | BIT(SIGSYS))
#define NOT_OURS (BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGCHLD))

int gp_sig_handles(int sig)
{
    return sig >= 1 && sig < 65 && !(NOT_OURS & BIT(sig)) && (sig < 32 || sig > 33) &&
           gp_syms[GP_SYM_sigaction].on;
}

unsigned gp_sig_ran(void)
{
    return ran;
}

unsigned gp_sig_ran_eintr(void)
{
    return hub_tls.cur ? hub_tls.cur->sig_eintr : 0;
}

int gp_sig_elsewhere(int sig, const siginfo_t *si)
{
    gl_t *g = hub_tls.cur;
    if (!g || !(g->is_hub || (g->sigmask & BIT(sig)))) return 0;
    return si && hub_sig_defer(si);
}

void gp_sig_unwound(void)
{
    char here;
    while (nframes > 0 && frames[nframes - 1].g == hub_tls.cur && frames[nframes - 1].sp < &here) {
        nframes--;
        hub_tls.nowait--;
    }
}

int gp_may_wait_slow(void)
{
    if (hub_tls.nowait && nframes) gp_sig_unwound();
    return hub_may_wait();
}

void gp_sig_raise(const siginfo_t *si)
{
    raising = 1;
    gp_syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), si->si_signo, si);
    raising = 0;
}

/* A handler entered through gp_sig_raise interrupted no code of its
 * greenlet but the shim's own, at a wait or a mask change: it may wait as
 * any code of the greenlet (a handler that sleeps lets the other threads
 * run, as natively only its own thread sleeps: posix
 * pthread_rwlock_timedrdlock/6-2, pthread_barrier_wait/3-2). The mask the
 * kernel set for the handler (sa_mask, the signal) becomes the greenlet's
 * until it returns, so it stays in force across the handler's waits. */
static void call_waiting(const struct sigaction *p, int sig, siginfo_t *si, void *uc)
{
    gl_t *g = hub_tls.cur;
    uint64_t saved = g->sigmask, now = 0;
    gp_syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &now, sizeof now);
    hub_sigmask_set(g, now);
    if (p->sa_flags & SA_SIGINFO)
        p->sa_sigaction(sig, si, uc);
    else
        p->sa_handler(sig);
    hub_sigmask_set(g, saved); /* as sigreturn will */
    /* others' gp_sig_run may have reset it while the handler waited */
    if (!(p->sa_flags & SA_RESTART)) ran_norestart = 1;
}

void gp_sig_call(const struct sigaction *p, int sig, siginfo_t *si, void *uc)
{
    char here;
    int safe = raising && hub_tls.cur && !hub_tls.cur->is_hub && hub_tls.nowait == 0;
    raising = 0; /* a signal landing in this handler's code is not at our point */
    if (safe) {
        ran++;
        if (!(p->sa_flags & SA_RESTART)) {
            ran_norestart = 1;
            hub_tls.cur->sig_eintr++;
        }
        call_waiting(p, sig, si, uc);
        return;
    }
    int f = nframes;
    if (f < DEPTH) {
        frames[f].g = hub_tls.cur;
        frames[f].sp = &here;
        nframes = f + 1;
    }
    hub_tls.nowait++; /* hooks the handler calls pass through */
    ran++;
    if (!(p->sa_flags & SA_RESTART)) {
        ran_norestart = 1;
        if (hub_tls.cur) hub_tls.cur->sig_eintr++;
    }
    if (p->sa_flags & SA_SIGINFO)
        p->sa_sigaction(sig, si, uc);
    else
        p->sa_handler(sig);
    hub_tls.nowait--;
    if (f < DEPTH) nframes = f;
}

/* Signal 64 while the hub owns its kernel disposition (hub_sig_shared,
 * GEVENT_PREEMPT or GEVENT_MONITOR): the table is the program's view, seeded
 * from what was there before the shim took it; the kernel's disposition
 * stays the hub's handler, which passes the program's instances here. */
static int shared_seeded;
static void shared_seed(int sig)
{
    if (shared_seeded) return;
    prog[sig] = hub_sig_shared_prev;
    if (prog[sig].sa_handler != SIG_DFL && prog[sig].sa_handler != SIG_IGN)
        __atomic_or_fetch(&managed, BIT(sig), __ATOMIC_RELAXED);
    shared_seeded = 1;
}

static void trampoline(int sig, siginfo_t *si, void *uc);

/* A program's instance of the shared signal: handled as its disposition
 * says. The default (terminate) is taken where a program thread would take
 * it: held while the running greenlet blocks it or the hub runs. */
static void shared_foreign(int sig, siginfo_t *si, void *uc)
{
    shared_seed(sig);
    __sighandler_t h = prog[sig].sa_handler;
    if (h == SIG_IGN) return;
    if (h != SIG_DFL) {
        trampoline(sig, si, uc);
        return;
    }
    if (gp_sig_elsewhere(sig, si)) return;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    REAL(sigaction)(sig, &dfl, NULL); /* blocked until the hub's handler returns */
    gp_syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, si);
}

static void trampoline(int sig, siginfo_t *si, void *uc)
{
    int e = errno;
    int fault = (FAULTS & BIT(sig)) && si && si->si_code > 0; /* the kernel's, not kill's */
    if (!fault && gp_sig_elsewhere(sig, si)) {
        errno = e;
        return;
    }
    struct sigaction p = prog[sig];
    if (p.sa_handler == SIG_DFL || p.sa_handler == SIG_IGN) { /* changed meanwhile */
        errno = e;
        return;
    }
    if (p.sa_flags & SA_RESETHAND) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        prog[sig].sa_handler = SIG_DFL;
        prog[sig].sa_flags &= ~(SA_SIGINFO | SA_RESETHAND);
        __atomic_and_fetch(&managed, ~BIT(sig), __ATOMIC_RELAXED);
        if (!hub_sig_shared(sig)) REAL(sigaction)(sig, &dfl, NULL);
    }
    errno = e;
    gp_sig_call(&p, sig, si, uc);
}

int gp_sig_view(int sig, struct sigaction *out)
{
    /* glibc copies its whole sigset_t (128 bytes) from a kernel_sigaction
     * of which the kernel wrote the first 8 (its sigset): the rest is its
     * stack's garbage, which a copy-out would hand to the program; and
     * it sets the fields one by one (the padding after sa_flags) */
    memset(out, 0, sizeof *out);
    if (REAL(sigaction)(sig, NULL, out) != 0) return -1;
    memset((char *)&out->sa_mask + sizeof(uint64_t), 0, sizeof out->sa_mask - sizeof(uint64_t));
    return 0;
}

int gp_sig_action(int sig, const struct sigaction *act, struct sigaction *old)
{
    struct sigaction a;
    if (act && gp_copy_in(&a, act, sizeof a)) {
        errno = EFAULT;
        return -1;
    }
    int shared = hub_sig_shared(sig);
    if (shared) shared_seed(sig);
    if (!act && !shared && !(managed & BIT(sig))) return REAL(sigaction)(sig, NULL, old);
    struct sigaction was;
    int had = shared || (managed & BIT(sig)) != 0;
    if (had)
        was = prog[sig];
    else if (gp_sig_view(sig, &was) != 0)
        return -1;
    if (old && gp_copy_out(old, &was, sizeof was)) {
        errno = EFAULT;
        return -1;
    }
    if (!act) return 0;
    /* the hub (created here, perhaps: it takes the thread's mask as the main
     * greenlet's, so before the block below) is ready for the handler */
    if (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN && hub_may_wait()) hub_sig_arm();
    /* no instance of sig on this thread may see half a view */
    uint64_t block = BIT(sig), saved;
    gp_syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, &saved, sizeof block);
    int r;
    if (shared) { /* the kernel's disposition stays the hub's */
        prog[sig] = a;
        if (a.sa_handler != SIG_DFL && a.sa_handler != SIG_IGN) {
            prog[sig].sa_flags |= glibc_flags;
            __atomic_or_fetch(&managed, BIT(sig), __ATOMIC_RELAXED);
        } else {
            __atomic_and_fetch(&managed, ~BIT(sig), __ATOMIC_RELAXED);
        }
        sigdelset(&prog[sig].sa_mask, SIGKILL);
        sigdelset(&prog[sig].sa_mask, SIGSTOP);
        r = 0;
    } else if (a.sa_handler == SIG_DFL || a.sa_handler == SIG_IGN) {
        r = REAL(sigaction)(sig, &a, NULL);
        if (r == 0) __atomic_and_fetch(&managed, ~BIT(sig), __ATOMIC_RELAXED);
    } else {
        struct sigaction real;
        memset(&real, 0, sizeof real);
        real.sa_sigaction = trampoline;
        real.sa_mask = a.sa_mask;
        /* the preemption tick must not interrupt a call the handler makes
         * (it passes straight to the kernel: EINTR) */
        if (hub_sig_shared(64)) sigaddset(&real.sa_mask, 64);
        real.sa_flags = SA_SIGINFO | (a.sa_flags & (SA_NODEFER | SA_ONSTACK | SA_RESTART));
        if (a.sa_flags & SA_RESETHAND) real.sa_flags |= SA_NODEFER; /* as the kernel's SA_ONESHOT */
        r = REAL(sigaction)(sig, &real, NULL);
        if (r == 0) {
            prog[sig] = a;
            prog[sig].sa_flags |= glibc_flags;
            sigdelset(&prog[sig].sa_mask, SIGKILL);
            sigdelset(&prog[sig].sa_mask, SIGSTOP);
            __atomic_or_fetch(&managed, BIT(sig), __ATOMIC_RELAXED);
        }
    }
    gp_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, NULL, sizeof saved);
    return r;
}

/* Raises again, on the OS thread while g runs, each signal the hub handed
 * to g that g does not block: the kernel runs the trampoline, which runs
 * the program's handler here. 1 if every handler that ran has SA_RESTART. */
int gp_sig_run(gl_t *g)
{
    siginfo_t si;
    int restart = 1;
    while (hub_sig_take(g, ~g->sigmask, &si)) {
        ran_norestart = 0;
        gp_sig_raise(&si);
        if (ran_norestart) restart = 0;
    }
    ran_norestart = 0;
    return restart;
}

/* Program threads run handlers; the shim's own greenlets (the resolver's)
 * never do. */
static int eligible(gl_t *g)
{
    return g->is_main || g->local != NULL;
}

void gp_sig_init(void)
{
    hub_sig_eligible = eligible;
    hub_sig_foreign = shared_foreign;
    struct sigaction probe, cur;
    memset(&probe, 0, sizeof probe);
    probe.sa_handler = SIG_IGN;
    /* learn what glibc adds to sa_flags, on a signal nobody catches yet */
    if (REAL(sigaction)(SIGURG, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL &&
        REAL(sigaction)(SIGURG, &probe, NULL) == 0) {
        struct sigaction back;
        if (REAL(sigaction)(SIGURG, NULL, &back) == 0) glibc_flags = back.sa_flags & ~SA_SIGINFO;
        REAL(sigaction)(SIGURG, &cur, NULL);
    }
}
