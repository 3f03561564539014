/* Fault signals (SIGSEGV, SIGFPE, SIGBUS, SIGILL) with the program's
 * handlers, as a plain threaded program (same output natively and under
 * the shim): faults the kernel raises run their handler in the faulting
 * thread, which leaves it with siglongjmp; the same signals sent with kill
 * are signals like any other: one that arrives while main waits in select
 * interrupts it (EINTR, posix sigaction/17-*); raise runs the handler at
 * once. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile sig_atomic_t got_sig, got_code, got_null;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_null = si->si_addr == NULL;
    siglongjmp(jb, 1);
}

static void on_sent(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
}

static void catch (int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

static void *faulter(void *arg)
{
    (void)arg;
    volatile int zero = 0, hundred = 100, *volatile null = NULL;
    catch (SIGSEGV, on_fault);
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) {
        *null = 1;
        printf("segv: no fault\n");
    } else {
        printf("segv: handler ran in the thread: %s, code %s, address NULL: %s\n",
               got_sig == SIGSEGV ? "SIGSEGV" : "other",
               got_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", got_null ? "yes" : "no");
    }
    catch (SIGFPE, on_fault);
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) {
        volatile int x = hundred / zero;
        (void)x;
        printf("fpe: no fault\n");
    } else {
        printf("fpe: handler ran in the thread: %s, code %s\n",
               got_sig == SIGFPE ? "SIGFPE" : "other",
               got_code == FPE_INTDIV ? "FPE_INTDIV" : "other");
    }
    return NULL;
}

static void *sender(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGBUS);
    pthread_sigmask(SIG_BLOCK, &s, NULL); /* main takes it */
    usleep(200000);
    kill(getpid(), SIGBUS);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, faulter, NULL);
    pthread_join(t, NULL);
    fflush(stdout);

    catch (SIGBUS, on_sent);
    got_sig = 0;
    pthread_create(&t, NULL, sender, NULL);
    struct timeval tv = {5, 0};
    int r = select(0, NULL, NULL, NULL, &tv), e = errno;
    printf("bus by kill: select %s; handler: %s, code %s\n",
           r == -1 && e == EINTR ? "EINTR" : "not interrupted",
           got_sig == SIGBUS ? "SIGBUS" : "none", got_code == SI_USER ? "SI_USER" : "other");
    pthread_join(t, NULL);

    catch (SIGILL, on_sent);
    got_sig = 0;
    raise(SIGILL);
    printf("ill by raise: handler ran before raise returned: %s\n",
           got_sig == SIGILL ? "yes" : "no");
    return 0;
}
