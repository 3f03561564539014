/* A program that uses SIGRTMAX itself (issue 14: the shim's preemption
 * signal is 64, SIGRTMAX; the program must see it as natively). A thread
 * computes without calls meanwhile (under GEVENT_PREEMPT its OS thread gets
 * the shim's timer signal all along). The main thread: its disposition read
 * back, a handler, kill, sigqueue and a timer's SIGRTMAX, blocked and
 * pending then delivered on unblock, sigwait in another thread, SIG_IGN,
 * and a child killed by the default action. stdout is the same natively
 * and under the shim. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static volatile unsigned long sink;
static volatile sig_atomic_t count, code, value;

static void *computer(void *a)
{
    (void)a;
    unsigned long x = 1;
    while (!stop)
        for (int i = 0; i < 10000; i++) x = x * 6364136223846793005ul + 1442695040888963407ul;
    sink = x;
    return NULL;
}

static void on_rtmax(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (sig != SIGRTMAX) return;
    count++;
    code = si->si_code;
    value = si->si_value.sival_int;
}

static const char *code_name(int c)
{
    return c == SI_USER    ? "SI_USER"
           : c == SI_QUEUE ? "SI_QUEUE"
           : c == SI_TIMER ? "SI_TIMER"
                           : "other";
}

static void wait_count(int n)
{
    for (int i = 0; i < 5000 && count < n; i++) usleep(1000);
}

static sigset_t rtmax_set(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGRTMAX);
    return s;
}

static void *waiter(void *a)
{
    (void)a;
    sigset_t s = rtmax_set();
    int got = 0;
    int r = sigwait(&s, &got);
    printf("sigwait: %d, signal %s\n", r, got == SIGRTMAX ? "SIGRTMAX" : "other");
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t s = rtmax_set(), cur;
    /* only the main thread takes it: the others inherit it blocked */
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_t c;
    pthread_create(&c, NULL, computer, NULL);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);

    struct sigaction sa, old;
    sigaction(SIGRTMAX, NULL, &old);
    printf("SIGRTMAX is %d; disposition at start: %s\n", SIGRTMAX,
           old.sa_handler == SIG_DFL   ? "SIG_DFL"
           : old.sa_handler == SIG_IGN ? "SIG_IGN"
                                       : "a handler");
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_rtmax;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaddset(&sa.sa_mask, SIGUSR1);
    if (sigaction(SIGRTMAX, &sa, NULL)) perror("sigaction");
    sigaction(SIGRTMAX, NULL, &old);
    printf("read back: %s, SA_SIGINFO %d, SA_RESTART %d, SIGUSR1 in mask %d\n",
           old.sa_sigaction == on_rtmax ? "our handler" : "something else",
           !!(old.sa_flags & SA_SIGINFO), !!(old.sa_flags & SA_RESTART),
           sigismember(&old.sa_mask, SIGUSR1));

    kill(getpid(), SIGRTMAX);
    wait_count(1);
    printf("kill: handled %d time(s), %s\n", (int)count, code_name(code));

    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    printf("blocked: in the mask read back %d\n", sigismember(&cur, SIGRTMAX));
    kill(getpid(), SIGRTMAX);
    usleep(20000);
    sigpending(&cur);
    printf("while blocked: handled %d time(s), pending %d\n", (int)count,
           sigismember(&cur, SIGRTMAX));
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("unblocked: handled %d time(s) before pthread_sigmask returned\n", (int)count);
    sigpending(&cur);
    printf("pending now %d\n", sigismember(&cur, SIGRTMAX));

    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGRTMAX, v);
    wait_count(3);
    printf("sigqueue: handled %d time(s), %s, value %d\n", (int)count, code_name(code), (int)value);

    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMAX;
    ev.sigev_value.sival_int = 7;
    timer_t t;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t)) perror("timer_create");
    struct itimerspec it = {{0, 0}, {0, 2000000}};
    timer_settime(t, 0, &it, NULL);
    wait_count(4);
    printf("timer: handled %d time(s), %s, value %d\n", (int)count, code_name(code), (int)value);
    timer_delete(t);

    /* every thread blocks it: sigwait in one takes it */
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_t w;
    pthread_create(&w, NULL, waiter, NULL);
    usleep(20000);
    kill(getpid(), SIGRTMAX);
    pthread_join(w, NULL);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("after sigwait: handled %d time(s)\n", (int)count);

    signal(SIGRTMAX, SIG_IGN);
    kill(getpid(), SIGRTMAX);
    usleep(20000);
    printf("SIG_IGN: handled %d time(s)\n", (int)count);

    pid_t kid = fork();
    if (kid == 0) {
        signal(SIGRTMAX, SIG_DFL);
        kill(getpid(), SIGRTMAX);
        usleep(500000);
        _exit(0);
    }
    int st = 0;
    waitpid(kid, &st, 0);
    printf("child: %s\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGRTMAX ? "killed by SIGRTMAX"
                          : WIFSIGNALED(st)                           ? "killed by another signal"
                                                                      : "exited");
    stop = 1;
    pthread_join(c, NULL);
    printf("done\n");
    return 0;
}
