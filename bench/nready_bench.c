/* The cost of a "nothing ready" answer when nothing else is runnable:
 * nready_bench CALL N prints ns per call (CALL: poll, epoll_wait, read,
 * recv, trylock, sem_trywait, waitpid). One thread, so under the shim the
 * answer is given at once and the loop is polled only every so often. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    const char *c = argv[1];
    long n = atol(argv[2]);
    int p[2], sv[2];
    if (pipe2(p, O_NONBLOCK) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv)) return 1;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    sem_t s;
    sem_init(&s, 0, 0);
    pid_t kid = 0;
    if (!strcmp(c, "waitpid") && (kid = fork()) == 0) {
        char x;
        while (read(p[0], &x, 1) < 0 && errno == EAGAIN) usleep(1000);
        _exit(0);
    }
    if (!strcmp(c, "trylock")) pthread_mutex_lock(&m);
    char buf[16];
    struct pollfd pf = {p[0], POLLIN, 0};
    struct epoll_event out;
    long hits = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (!strcmp(c, "poll"))
            hits += poll(&pf, 1, 0);
        else if (!strcmp(c, "epoll_wait"))
            hits += epoll_wait(ep, &out, 1, 0);
        else if (!strcmp(c, "read"))
            hits += read(p[0], buf, sizeof buf) > 0;
        else if (!strcmp(c, "recv"))
            hits += recv(sv[0], buf, sizeof buf, 0) > 0;
        else if (!strcmp(c, "trylock"))
            hits += pthread_mutex_trylock(&m) == 0;
        else if (!strcmp(c, "sem_trywait"))
            hits += sem_trywait(&s) == 0;
        else if (!strcmp(c, "waitpid"))
            hits += waitpid(kid, NULL, WNOHANG) > 0;
    }
    double dt = now_ns() - t0;
    if (kid > 0) {
        if (write(p[1], "x", 1) != 1) return 1;
        waitpid(kid, NULL, 0);
    }
    printf("%.1f\n", hits ? -1.0 : dt / (double)n);
    return 0;
}
