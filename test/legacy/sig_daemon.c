/* A daemon's main loop and SIGTERM: the handler sets a flag, and the call
 * the main thread is blocked in returns -1/EINTR at once (or goes on under
 * SA_RESTART, or for the pthread waits, which never fail with EINTR), so
 * the loop ends promptly. Another thread waits too, as in a real daemon:
 * the process-directed signal goes to the main thread first. A child sends
 * SIGTERM to the process after 200 ms. One line per blocking call. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static pthread_t main_thread;
static volatile int in_main;
static double t_handler;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
    in_main = pthread_equal(pthread_self(), main_thread);
    t_handler = now();
}

static void *idle(void *arg)
{
    (void)arg;
    for (;;) sleep(30);
    return NULL;
}

/* after ms, SIGTERM to the process; then, if asked, one byte into wfd */
static pid_t killer(int ms, int wfd)
{
    pid_t p = fork();
    if (p == 0) {
        usleep(ms * 1000);
        kill(getppid(), SIGTERM);
        if (wfd >= 0) {
            usleep(200000);
            if (write(wfd, "x", 1) != 1) _exit(1);
        }
        _exit(0);
    }
    return p;
}

static void report(const char *what, long r, int e, double t0)
{
    double took = now() - t0;
    printf("%-16s handler ran: %s, in main: %s, returned %ld%s%s, prompt: %s\n", what,
           stop ? "yes" : "no", in_main ? "yes" : "no", r, r < 0 ? " " : "",
           r < 0 ? (e == EINTR ? "EINTR" : strerror(e)) : "", took < 3 && stop ? "yes" : "no");
    fflush(stdout);
}

static void install(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGTERM, &sa, NULL);
}

int main(void)
{
    main_thread = pthread_self();
    pthread_t t;
    pthread_create(&t, NULL, idle, NULL);
    int fds[2];
    long r;
    double t0;
    pid_t k;

    static const char *modes[] = {"sleep",           "nanosleep", "poll",     "read",
                                  "read+SA_RESTART", "accept",    "sem_wait", "cond_timedwait"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *m = modes[i];
        stop = 0;
        in_main = 0;
        install(strstr(m, "RESTART") != NULL);
        if (pipe(fds) != 0) return 1;
        k = killer(200, strstr(m, "RESTART") ? fds[1] : -1);
        t0 = now();
        errno = 0;
        if (!strcmp(m, "sleep")) {
            r = (long)sleep(10);
            report(m, r > 5 ? -1 : r, r > 5 ? EINTR : 0, t0); /* unslept seconds left */
        } else if (!strcmp(m, "nanosleep")) {
            struct timespec ts = {10, 0};
            r = nanosleep(&ts, &ts);
            report(m, r, errno, t0);
        } else if (!strcmp(m, "poll")) {
            struct pollfd p = {fds[0], POLLIN, 0};
            r = poll(&p, 1, 10000);
            report(m, r, errno, t0);
        } else if (!strncmp(m, "read", 4)) {
            char c;
            r = read(fds[0], &c, 1);
            report(m, r, errno, t0);
        } else if (!strcmp(m, "accept")) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET,
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            bind(s, (struct sockaddr *)&a, sizeof a);
            listen(s, 1);
            r = accept(s, NULL, NULL);
            report(m, r, errno, t0);
            close(s);
        } else if (!strcmp(m, "sem_wait")) {
            sem_t sem;
            sem_init(&sem, 0, 0);
            r = sem_wait(&sem);
            report(m, r, errno, t0);
        } else {
            /* never EINTR: the handler runs, the wait goes on to its timeout */
            pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
            pthread_cond_t c = PTHREAD_COND_INITIALIZER;
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_sec += 1;
            pthread_mutex_lock(&mu);
            r = pthread_cond_timedwait(&c, &mu, &dl);
            pthread_mutex_unlock(&mu);
            printf("%-16s handler ran: %s, in main: %s, during the wait: %s, returned %s\n", m,
                   stop ? "yes" : "no", in_main ? "yes" : "no",
                   stop && t_handler - t0 < 0.9 ? "yes" : "no", r == ETIMEDOUT ? "ETIMEDOUT" : "?");
        }
        waitpid(k, NULL, 0);
        close(fds[0]);
        close(fds[1]);
    }
    return 0;
}
