/* signal: waits that are about signals.
 *
 * pselect, ppoll, epoll_pwait, sigsuspend: the mask given replaces the
 * greenlet's for the wait (gp_sigmask_swap), so a signal blocked outside
 * and allowed inside ends the wait with EINTR, its handler having run in
 * this greenlet (make's jobserver: SIGCHLD blocked, pselect lets it in).
 * pause and sigsuspend wait only for a handler to run; sigwait,
 * sigwaitinfo and sigtimedwait take a signal of the set without running a
 * handler: one sent to this greenlet (pthread_kill), one the hub handed to
 * it or holds for the process, or one the kernel keeps pending, read from a
 * signalfd the greenlet waits on in the hub, so other threads run meanwhile
 * and each signal is consumed by exactly one waiter. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "signal_int.h"
#include "thread.h"

#define BIT(s)  (1ull << ((s)-1))
#define NEVERED (BIT(SIGKILL) | BIT(SIGSTOP) | BIT(32) | BIT(33))

/* Hands pending work to the running greenlet now that its mask changed:
 * signals sent to it with pthread_kill, handed over by the hub, or held. */
static void deliver_now(gl_t *g)
{
    if (g->pending && hub_intr_hook) hub_intr_hook(0);
}

int gp_sigmask_swap(const sigset_t *ss, uint64_t *old)
{
    gl_t *g = gl_self();
    uint64_t m;
    if (!g) return ENOMEM;
    *old = g->sigmask;
    if (gp_copy_in(&m, ss, sizeof m)) return EFAULT;
    unsigned before = gp_sig_ran();
    hub_sigmask_set(g, m); /* a pending signal it lets in runs its handler here */
    deliver_now(g);
    if (gp_sig_ran() != before) {
        hub_sigmask_set(g, *old);
        return EINTR;
    }
    return 0;
}

void gp_sigmask_restore(uint64_t old)
{
    hub_sigmask_set(gl_self(), old);
}

/* Waits until a handler runs in this greenlet: -1/EINTR. A signal can come
 * from outside at any time, so this is no deadlock (hub_ref). */
static int wait_handler(void)
{
    gl_t *g = hub_tls.cur;
    unsigned before = gp_sig_ran();
    hub_ref();
    for (;;) {
        int r = hub_sleep(hub_never());
        if (r == ECANCELED) continue; /* acted on by the hook if enabled */
        if (r || gp_sig_ran() != before) break;
    }
    hub_unref();
    (void)g;
    errno = EINTR;
    return -1;
}

int pause(void)
{
    if (!gp_enter(GP_SYM_pause)) return REAL(pause)();
    return wait_handler();
}

int sigsuspend(const sigset_t *mask)
{
    if (!gp_enter(GP_SYM_sigsuspend)) return REAL(sigsuspend)(mask);
    uint64_t old;
    int e = gp_sigmask_swap(mask, &old);
    if (e) {
        errno = e;
        return -1;
    }
    int r = wait_handler();
    gp_sigmask_restore(old);
    errno = EINTR;
    return r;
}

/* ---- sigwait & co. ------------------------------------------------------------ */

static void from_sfd(const struct signalfd_siginfo *f, siginfo_t *si)
{
    memset(si, 0, sizeof *si);
    si->si_signo = (int)f->ssi_signo;
    si->si_errno = f->ssi_errno;
    si->si_code = f->ssi_code;
    si->si_pid = (pid_t)f->ssi_pid;
    si->si_uid = f->ssi_uid;
    si->si_status = f->ssi_status;
    si->si_value.sival_ptr = (void *)(uintptr_t)f->ssi_ptr;
    if (si->si_code == SI_TIMER) { /* timer_create: the overrun, the value */
        si->si_overrun = (int)f->ssi_overrun;
        si->si_value.sival_ptr = (void *)(uintptr_t)f->ssi_ptr;
    }
}

/* The signal number taken, or -1 with errno (EAGAIN after dl, EINTR when a
 * handler of another signal ran). */
static int take(uint64_t want, siginfo_t *si, hub_deadline dl)
{
    gl_t *g = gl_self();
    if (!g) {
        errno = ENOMEM;
        return -1;
    }
    struct gth *th = g->local;
    int sfd = -1, ret = -1, err = 0;
    unsigned before = gp_sig_ran();
    for (;;) {
        if (th && (th->sigpending & want)) { /* pthread_kill'ed to us */
            int sig = __builtin_ctzll(th->sigpending & want) + 1;
            memset(si, 0, sizeof *si);
            si->si_signo = sig;
            si->si_code = gth_take_pending(th, sig);
            si->si_pid = getpid();
            si->si_uid = getuid();
            ret = sig;
            break;
        }
        if (hub_sig_take(g, want, si) || hub_sig_take_held(want, si)) {
            ret = si->si_signo;
            break;
        }
        if (sfd < 0) {
            sfd =
                (int)gp_syscall(SYS_signalfd4, -1, &want, sizeof want, SFD_NONBLOCK | SFD_CLOEXEC);
            if (sfd < 0) {
                err = errno;
                break;
            }
        }
        struct signalfd_siginfo f;
        if (gp_syscall(SYS_read, sfd, &f, sizeof f) == (long)sizeof f) {
            from_sfd(&f, si);
            ret = si->si_signo;
            break;
        }
        if (gp_sig_ran() != before) { /* a handler ran for another signal */
            err = EINTR;
            break;
        }
        if (hub_left_ns(dl) == 0) {
            err = EAGAIN;
            break;
        }
        g->sigwait = want;
        hub_ref(); /* sent from outside at any time: no deadlock */
        int r = hub_wait_fd(sfd, HUB_IN, dl);
        hub_unref();
        g->sigwait = 0;
        if (r == ETIMEDOUT)
            dl.ns = 0; /* one last look, then EAGAIN */
        else if (r == EINTR && gp_sig_ran() != before) {
            err = EINTR;
            break;
        } else if (r && r != EINTR) {
            err = r;
            break;
        }
    }
    if (sfd >= 0) {
        hub_fd_closed(sfd); /* the number is reused: the hub must forget it */
        gp_syscall(SYS_close, sfd);
    }
    if (ret < 0) errno = err;
    return ret;
}

static int want_of(const sigset_t *set, uint64_t *want)
{
    if (gp_copy_in(want, set, sizeof *want)) return EFAULT;
    *want &= ~NEVERED; /* as the kernel: never waited for */
    return 0;
}

int sigwait(const sigset_t *set, int *sig)
{
    if (!gp_enter(GP_SYM_sigwait)) return REAL(sigwait)(set, sig);
    uint64_t want;
    int e = want_of(set, &want);
    if (e) return e;
    siginfo_t si;
    int r;
    do /* glibc's sigwait goes on through handlers of other signals */
        r = take(want, &si, hub_never());
    while (r < 0 && errno == EINTR);
    if (r < 0) return errno;
    *sig = r;
    return 0;
}

int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
    if (!gp_enter(GP_SYM_sigwaitinfo)) return REAL(sigwaitinfo)(set, info);
    uint64_t want;
    int e = want_of(set, &want);
    if (e) {
        errno = e;
        return -1;
    }
    siginfo_t si;
    int r = take(want, &si, hub_never());
    if (r > 0 && info && gp_copy_out(info, &si, sizeof si)) {
        errno = EFAULT;
        return -1;
    }
    return r;
}

int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo)
{
    if (!gp_enter(GP_SYM_sigtimedwait)) return REAL(sigtimedwait)(set, info, tmo);
    uint64_t want;
    int e = want_of(set, &want);
    hub_deadline dl = hub_never();
    struct timespec t;
    if (!e && tmo) {
        if (gp_copy_in(&t, tmo, sizeof t))
            e = EFAULT;
        else
            e = hub_after_ts(&t, &dl);
        if (!e && t.tv_sec < 0) e = EINVAL;
    }
    if (e) {
        errno = e;
        return -1;
    }
    siginfo_t si;
    int r = take(want, &si, dl);
    if (r > 0 && info && gp_copy_out(info, &si, sizeof si)) {
        errno = EFAULT;
        return -1;
    }
    /* a zero timeout and nothing pending: "nothing ready" (issue 14) */
    if (r < 0 && tmo && t.tv_sec == 0 && t.tv_nsec == 0) return (int)gp_none_io(r);
    return r;
}
