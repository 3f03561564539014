/* Waits about signals, natively and under the shim alike: make's jobserver
 * loop (SIGCHLD blocked, let in only by pselect's mask), a mask that blocks
 * inside pselect, sigsuspend, pause, a sigwait thread while other threads
 * run, sigtimedwait's timeout and siginfo, alarm interrupting a blocking
 * read, and setitimer ticks. One line per case. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t chld, usr1, usr2, alrm;

static void on_sig(int sig)
{
    if (sig == SIGCHLD) chld++;
    if (sig == SIGUSR1) usr1++;
    if (sig == SIGUSR2) usr2++;
    if (sig == SIGALRM) alrm++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void catch (int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

/* a child that sends sig to us after ms (0: sends nothing), then exits */
static pid_t sender(int sig, int ms)
{
    pid_t p = fork();
    if (p == 0) {
        usleep(ms * 1000);
        if (sig) kill(getppid(), sig);
        _exit(0);
    }
    return p;
}

static void jobserver(void)
{
    sigset_t chldset, outside;
    sigemptyset(&chldset);
    sigaddset(&chldset, SIGCHLD);
    catch (SIGCHLD, SA_RESTART);
    sigprocmask(SIG_BLOCK, &chldset, &outside); /* make: blocked but inside pselect */
    int fds[2];
    if (pipe(fds)) exit(1);
    int running = 0, reaped = 0, eintr = 0, timeouts = 0;
    for (int i = 0; i < 5; i++, running++) sender(0, 30 * (i + 1));
    while (running > 0) {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(fds[0], &r);
        struct timespec t = {5, 0};
        int n = pselect(fds[0] + 1, &r, NULL, NULL, &t, &outside);
        if (n < 0 && errno == EINTR) eintr++;
        if (n == 0) timeouts++;
        pid_t p;
        while ((p = waitpid(-1, NULL, WNOHANG)) > 0) running--, reaped++;
        if (timeouts > 1) break;
    }
    printf("jobserver: reaped %d/5, pselect ended by EINTR: %s, timeouts %d, handler ran: %s\n",
           reaped, eintr > 0 ? "yes" : "no", timeouts, chld > 0 ? "yes" : "no");
    sigprocmask(SIG_SETMASK, &outside, NULL);
    close(fds[0]);
    close(fds[1]);
}

static void blocked_inside(void)
{
    sigset_t inside;
    sigemptyset(&inside);
    sigaddset(&inside, SIGUSR1);
    sigaddset(&inside, SIGCHLD); /* the sender's exit */
    catch (SIGUSR1, 0);
    usr1 = 0;
    pid_t k = sender(SIGUSR1, 50);
    struct timespec t = {0, 400000000};
    double t0 = now();
    int n = pselect(0, NULL, NULL, NULL, &t, &inside);
    double took = now() - t0;
    waitpid(k, NULL, 0);
    printf("pselect blocking SIGUSR1 inside: returned %d after the whole timeout: %s, handler ran "
           "once the mask was back: %s\n",
           n, took > 0.35 ? "yes" : "no", usr1 ? "yes" : "no");
}

static void suspend_pause(void)
{
    sigset_t usr, old, none;
    sigemptyset(&usr);
    sigaddset(&usr, SIGUSR1);
    sigemptyset(&none);
    catch (SIGUSR1, SA_RESTART);
    usr1 = 0;
    sigprocmask(SIG_BLOCK, &usr, &old);
    pid_t k = sender(SIGUSR1, 100);
    int r = sigsuspend(&none);
    int e = errno;
    printf("sigsuspend: %d %s, handler ran: %s\n", r, e == EINTR ? "EINTR" : "?",
           usr1 ? "yes" : "no");
    waitpid(k, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    catch (SIGUSR2, SA_RESTART);
    k = sender(SIGUSR2, 100);
    r = pause();
    e = errno;
    printf("pause: %d %s, handler ran: %s\n", r, e == EINTR ? "EINTR" : "?", usr2 ? "yes" : "no");
    waitpid(k, NULL, 0);
}

static volatile int ticks, done;
static int got_usr1, got_term;

static void *ticker(void *a)
{
    (void)a;
    while (!done) {
        usleep(10000);
        ticks++;
    }
    return NULL;
}

static void *waiter(void *a)
{
    sigset_t *set = a;
    for (;;) {
        int sig;
        if (sigwait(set, &sig)) break;
        if (sig == SIGUSR1) got_usr1++;
        if (sig == SIGTERM) {
            got_term = 1;
            break;
        }
    }
    return NULL;
}

static void sigwait_thread(void)
{
    static sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old); /* the threads inherit it */
    pthread_t w, t;
    pthread_create(&w, NULL, waiter, &set);
    pthread_create(&t, NULL, ticker, NULL);
    for (int i = 0; i < 3; i++) {
        usleep(50000);
        kill(getpid(), SIGUSR1);
    }
    usleep(50000);
    kill(getpid(), SIGTERM);
    pthread_join(w, NULL);
    done = 1;
    pthread_join(t, NULL);
    printf("sigwait thread: SIGUSR1 taken %d times, then SIGTERM: %s, other threads ran meanwhile: "
           "%s\n",
           got_usr1, got_term ? "yes" : "no", ticks > 5 ? "yes" : "no");

    siginfo_t si;
    struct timespec t100 = {0, 100000000}, zero = {0, 0};
    double t0 = now();
    int r = sigtimedwait(&set, &si, &t100);
    int e = errno;
    printf("sigtimedwait, nothing sent: %d %s after the timeout: %s\n", r,
           e == EAGAIN ? "EAGAIN" : "?", now() - t0 >= 0.09 ? "yes" : "no");
    r = sigtimedwait(&set, &si, &zero);
    e = errno;
    printf("sigtimedwait, zero timeout: %d %s\n", r, e == EAGAIN ? "EAGAIN" : "?");
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGUSR1, v);
    r = sigtimedwait(&set, &si, &t100);
    printf("sigtimedwait after sigqueue: %s, code SI_QUEUE: %s, value %d, from us: %s\n",
           r == SIGUSR1 ? "SIGUSR1" : "?", si.si_code == SI_QUEUE ? "yes" : "no",
           si.si_value.sival_int, si.si_pid == getpid() ? "yes" : "no");
    kill(getpid(), SIGTERM);
    r = sigwaitinfo(&set, &si);
    printf("sigwaitinfo: %s, code SI_USER: %s\n", r == SIGTERM ? "SIGTERM" : "?",
           si.si_code == SI_USER ? "yes" : "no");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void alarm_read(void)
{
    int fds[2];
    if (pipe(fds)) exit(1);
    catch (SIGALRM, 0);
    alrm = 0;
    alarm(1);
    double t0 = now();
    char c;
    ssize_t r = read(fds[0], &c, 1);
    int e = errno;
    double took = now() - t0;
    printf("alarm(1) during a blocking read: %zd %s, handler ran: %s, after about 1 s: %s\n", r,
           e == EINTR ? "EINTR" : "?", alrm ? "yes" : "no", took > 0.9 && took < 3 ? "yes" : "no");
    close(fds[0]);
    close(fds[1]);
}

static void itimer(void)
{
    catch (SIGALRM, SA_RESTART);
    alrm = 0;
    struct itimerval it = {{0, 100000}, {0, 100000}};
    double t0 = now();
    setitimer(ITIMER_REAL, &it, NULL);
    int pauses = 0;
    while (alrm < 5) pauses += pause() == -1 && errno == EINTR;
    double took = now() - t0;
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    printf("setitimer 100 ms: 5 ticks, each ending a pause: %s, no sooner than 0.5 s: %s\n",
           pauses == 5 ? "yes" : "no", took >= 0.49 ? "yes" : "no");
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {{"jobserver", jobserver},   {"blocked", blocked_inside},
                 {"suspend", suspend_pause}, {"sigwait", sigwait_thread},
                 {"alarm", alarm_read},      {"itimer", itimer}};
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (argc < 2 || !strcmp(argv[1], cases[i].name)) cases[i].fn();
    return 0;
}
