/* signal: SIGCHLD is shared between the program and the hub.
 *
 * The real SIGCHLD disposition is our handler. It tells the hub a child
 * changed state (hub_child_notify: greenlets in waitpid retry the real call
 * with WNOHANG) and then runs the program's own handler, with the siginfo
 * it asked for, exactly when the program's disposition says it would run.
 * While the program's disposition is SIG_DFL and no greenlet has waited
 * for a child through the hub yet (sig_chld_reliable arms it), the real
 * one stays SIG_DFL: the kernel then drops SIGCHLD at once, as natively,
 * and a fork's parent reaping with the kernel's own wait pays no signal
 * delivery (a frame on its stack, a handler, sigreturn) per child.
 * signal()/sigaction() for SIGCHLD read and write the program's view;
 * SIG_IGN keeps its auto-reaping meaning (SA_NOCLDWAIT on our handler).
 * libev's own SIGCHLD reaper is never installed, with or without this
 * patch: it would reap children the program waits for. Other signals pass
 * straight through (SIGSEGV belongs to the hub's overflow reporter). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <ev.h>

#include "os.h"
#include "patch.h"
#include "signal_int.h"

static struct sigaction prog;          /* the program's view of SIGCHLD */
static int managed;                    /* we keep the program's view (prog) */
static int armed;                      /* our handler stays even for SIG_DFL */
static int glibc_flags;                /* flags glibc adds (SA_RESTORER) */
static volatile int intr GP_FORK_DATA; /* EINTRs owed to child waiters */
static unsigned hold;                  /* system() calls in progress */
static volatile int held;              /* a SIGCHLD arrived while held */
static siginfo_t held_info;

static int is_fn(const struct sigaction *a)
{
    return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}

/* Runs the program's handler as the kernel would have: hooks it calls pass
 * through (no greenlet may switch inside a handler). */
static void run_prog(int sig, siginfo_t *si, void *uc)
{
    struct sigaction p = prog;
    if (!is_fn(&p)) return;
    if ((p.sa_flags & SA_NOCLDSTOP) && si &&
        (si->si_code == CLD_STOPPED || si->si_code == CLD_CONTINUED || si->si_code == CLD_TRAPPED))
        return;
    if (p.sa_flags & SA_RESETHAND) {
        prog.sa_handler = SIG_DFL;
        prog.sa_flags &= ~(SA_SIGINFO | SA_RESETHAND);
    }
    gp_sig_call(&p, sig, si, uc);
    /* a native thread ran it: the hub's child waiters owe an EINTR (in a
     * greenlet, the interrupted wait is the greenlet's own: gp_intr_hook) */
    if (!hub_tls.cur && !(p.sa_flags & SA_RESTART) && hub_child_waiters())
        __atomic_add_fetch(&intr, 1, __ATOMIC_RELAXED);
}

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
    int e = errno;
    hub_child_notify();
    GP_SET(errno, e); /* GP_SET: in a fork's parent nothing else writes its page */
    /* landed on the hub: the program's handler runs in a program thread */
    if (!hold && is_fn(&prog) && gp_sig_elsewhere(sig, si)) return;
    if (hold) {
        if (si) held_info = *si;
        held = 1;
    } else {
        run_prog(sig, si, uc);
    }
    GP_SET(errno, e);
}

/* Makes the real disposition match prog: our handler, with the program's
 * mask and the flags that change what the kernel does; or SIG_DFL when
 * there is nothing to run and nobody to tell. */
static int apply(void)
{
    struct sigaction real;
    memset(&real, 0, sizeof real);
    if (prog.sa_handler == SIG_DFL && !(prog.sa_flags & SA_NOCLDWAIT) &&
        !__atomic_load_n(&armed, __ATOMIC_ACQUIRE)) {
        real.sa_handler = SIG_DFL;
        return REAL(sigaction)(SIGCHLD, &real, NULL);
    }
    real.sa_sigaction = on_sigchld;
    real.sa_mask = prog.sa_mask;
    if (hub_sig_shared(64)) sigaddset(&real.sa_mask, 64); /* as signal_deliver.c */
    real.sa_flags = SA_SIGINFO | (prog.sa_flags & (SA_NODEFER | SA_ONSTACK | SA_RESTART));
    if (!is_fn(&prog)) real.sa_flags |= SA_RESTART;
    if (prog.sa_handler == SIG_IGN || (prog.sa_flags & SA_NOCLDWAIT))
        real.sa_flags |= SA_NOCLDWAIT; /* children reap themselves, as natively */
    return REAL(sigaction)(SIGCHLD, &real, NULL);
}

/* libev installs a SIGCHLD handler for its child watchers when the default
 * loop is made; that reaper must not run. */
static int is_libev(const struct sigaction *a)
{
    static void *libev_base;
    Dl_info mine, ev;
    if (!is_fn(a)) return 0;
    if (!libev_base && dladdr((void *)ev_default_loop, &ev)) libev_base = ev.dli_fbase;
    return libev_base && dladdr((void *)a->sa_handler, &mine) && mine.dli_fbase == libev_base;
}

/* Stores act as the program's view, as the kernel would keep it. */
static void set_prog(const struct sigaction *a)
{
    prog = *a;
    prog.sa_flags |= glibc_flags;
    sigdelset(&prog.sa_mask, SIGKILL);
    sigdelset(&prog.sa_mask, SIGSTOP);
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig != SIGCHLD)
        return gp_sig_handles(sig) ? gp_sig_action(sig, act, old) : REAL(sigaction)(sig, act, old);
    struct sigaction a;
    if (act && gp_copy_in(&a, act, sizeof a) == 0 && is_libev(&a)) {
        if (old) memset(old, 0, sizeof *old);
        return 0;
    }
    if (!managed || !gp_syms[GP_SYM_sigaction].on) return REAL(sigaction)(sig, act, old);
    if (act && gp_copy_in(&a, act, sizeof a)) {
        errno = EFAULT;
        return -1;
    }
    if (old && gp_copy_out(old, &prog, sizeof prog)) {
        errno = EFAULT;
        return -1;
    }
    if (act) {
        if (is_fn(&a) && hub_may_wait()) hub_sig_arm(); /* before the block below */
        /* no SIGCHLD of this thread may see half a view */
        sigset_t chld, saved;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        REAL(pthread_sigmask)(SIG_BLOCK, &chld, &saved);
        set_prog(&a);
        int r = apply();
        REAL(pthread_sigmask)(SIG_SETMASK, &saved, NULL);
        if (r) return r;
        hub_child_notify(); /* SIG_IGN may have made a waited child unwaitable */
    }
    return 0;
}
GP_HOOK_ALIAS(sigaction)

sighandler_t signal(int sig, sighandler_t h)
{
    int mine = sig == SIGCHLD ? managed : gp_sig_handles(sig);
    if (!mine || !gp_syms[GP_SYM_signal].on) return REAL(signal)(sig, h);
    /* glibc's signal() is BSD's: restarting, the signal blocked in its handler */
    struct sigaction a, old;
    memset(&a, 0, sizeof a);
    a.sa_handler = h;
    sigaddset(&a.sa_mask, sig);
    a.sa_flags = SA_RESTART;
    if (h == SIG_ERR) {
        errno = EINVAL;
        return SIG_ERR;
    }
    if (GP_HOOK(sigaction)(sig, &a, &old) < 0) return SIG_ERR;
    return old.sa_handler;
}

void gp_init_signal(void)
{
    gp_sig_init();
    gp_intr_init();
    struct sigaction cur, probe;
    if (gp_sig_view(SIGCHLD, &cur) != 0) return;
    prog = cur; /* SIG_DFL, or SIG_IGN inherited across exec */
    armed = 1;  /* our handler, once: */
    if (apply() != 0) return;
    /* learn what glibc adds to sa_flags, so the view reads back as natively */
    if (REAL(sigaction)(SIGCHLD, NULL, &probe) == 0) {
        int asked = SA_SIGINFO | SA_RESTART | (prog.sa_handler == SIG_IGN ? SA_NOCLDWAIT : 0);
        glibc_flags = probe.sa_flags & ~asked & ~(SA_NODEFER | SA_ONSTACK | SA_NOCLDWAIT);
    }
    armed = 0; /* SIG_DFL again until a greenlet waits for a child */
    apply();
    managed = 1;
}

/* Our handler becomes the real disposition for good: a greenlet is about
 * to wait for a child through the hub, which a SIGCHLD must wake. Called
 * before that greenlet's first WNOHANG try, so a child that changed state
 * while the kernel still dropped SIGCHLD is found by that try. */
static void arm(void)
{
    if (__atomic_load_n(&armed, __ATOMIC_ACQUIRE)) return;
    sigset_t chld, saved; /* as the sigaction hook: no half view */
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    REAL(pthread_sigmask)(SIG_BLOCK, &chld, &saved);
    if (!__atomic_exchange_n(&armed, 1, __ATOMIC_ACQ_REL)) apply();
    REAL(pthread_sigmask)(SIG_SETMASK, &saved, NULL);
}

/* ---- for the os patch ------------------------------------------------------ */

int sig_chld_reliable(void)
{
    if (!managed || !gp_syms[GP_SYM_sigaction].on) return 0;
    arm();
    sigset_t cur;
    if (REAL(pthread_sigmask)(SIG_BLOCK, NULL, &cur) != 0) return 0;
    return !sigismember(&cur, SIGCHLD); /* blocked: the program takes it otherwise */
}

int sig_chld_take_intr(void)
{
    int n = __atomic_load_n(&intr, __ATOMIC_RELAXED);
    while (n > 0)
        if (__atomic_compare_exchange_n(&intr, &n, n - 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return 1;
    return 0;
}

void sig_chld_forget_intr(void)
{
    if (__atomic_load_n(&intr, __ATOMIC_RELAXED)) /* no write: a page of a fork's parent */
        __atomic_store_n(&intr, 0, __ATOMIC_RELAXED);
}

void sig_chld_hold(void)
{
    hold++;
}

void sig_chld_release(void)
{
    if (--hold || !held) return;
    /* the SIGCHLD glibc would have kept pending is delivered now */
    sigset_t chld, saved;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    REAL(pthread_sigmask)(SIG_BLOCK, &chld, &saved);
    held = 0;
    siginfo_t si = held_info;
    run_prog(SIGCHLD, &si, NULL);
    REAL(pthread_sigmask)(SIG_SETMASK, &saved, NULL);
}

void sig_chld_exec_begin(void)
{
    if (!managed || prog.sa_handler != SIG_IGN) return;
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    REAL(sigaction)(SIGCHLD, &ign, NULL);
}

void sig_chld_exec_end(void)
{
    if (!managed || prog.sa_handler != SIG_IGN) return;
    apply();
    hub_child_notify();
}
