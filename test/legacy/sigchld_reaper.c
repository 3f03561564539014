/* A program that reaps its children in its own SIGCHLD handler with
 * waitpid(-1, WNOHANG), while another thread sleeps in short naps.
 * Usage: sigchld_reaper [children] [restart|norestart] */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t reaped, code_sum, bad_info, calls;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int e = errno, st;
    pid_t p;
    calls++;
    if (sig != SIGCHLD || si->si_signo != SIGCHLD || si->si_pid <= 0) bad_info++;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        reaped++;
        code_sum += WIFEXITED(st) ? WEXITSTATUS(st) : 1000;
    }
    errno = e;
}

static volatile int done;
static int naps;

static void *sleeper(void *arg)
{
    (void)arg;
    while (!done) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL); /* EINTR from the handler natively: fine */
        naps++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20;
    int restart = !(argc > 2 && strcmp(argv[2], "norestart") == 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) != 0) {
        perror("sigaction");
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    int expect = 0;
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            usleep((useconds_t)(20 + 30 * (i % 5)) * 1000);
            _exit(i + 1);
        }
        if (p < 0) {
            perror("fork");
            return 1;
        }
        expect += i + 1;
    }
    /* wait for the handler to have reaped everything, 10 s at most */
    for (int i = 0; i < 1000 && reaped < n; i++) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    done = 1;
    pthread_join(t, NULL);
    errno = 0;
    pid_t left = waitpid(-1, NULL, WNOHANG);
    printf("reaped %d/%d, exit codes %s, siginfo %s, sleeper napped: %s, children left: %s\n",
           (int)reaped, n, code_sum == expect ? "right" : "wrong", bad_info ? "wrong" : "right",
           naps > 0 ? "yes" : "no", left < 0 && errno == ECHILD ? "none" : "some");
    return reaped == n ? 0 : 1;
}
