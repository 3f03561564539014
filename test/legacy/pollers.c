/* Many threads blocked in poll, select and epoll_wait, each on its own pipe.
 *   pollers wake N     N threads (a third each in poll, select, epoll_wait)
 *                      each wait on their own pipe; main writes the pipes in
 *                      reverse order; every thread checks that it woke with
 *                      exactly its fd. Prints "woke N/N exact".
 *   pollers sleep N MS N threads call poll(NULL, 0, MS) at once; prints the
 *                      wall time in ms.
 *   pollers closed     a thread blocks reading a socket, another closes it;
 *                      prints what the read returned.
 *   pollers dup2       the same, but another fd is dup2'ed over the socket. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int n;
static int (*pipes)[2];
static int exact;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *waiter(void *arg)
{
    int i = (int)(long)arg, fd = pipes[i][0], got = -1;
    switch (i % 3) {
    case 0: {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 20000) == 1 && p.revents == POLLIN) got = p.fd;
        break;
    }
    case 1: {
        fd_set r;
        FD_ZERO(&r);
        FD_SET(fd, &r);
        struct timeval tv = {20, 0};
        if (select(fd + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &r)) got = fd;
        break;
    }
    case 2: {
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd}, out[4];
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        if (epoll_wait(ep, out, 4, 20000) == 1) got = out[0].data.fd;
        close(ep);
        break;
    }
    }
    char c;
    if (got == fd && read(fd, &c, 1) == 1 && c == (char)i) {
        pthread_mutex_lock(&mu);
        exact++;
        pthread_mutex_unlock(&mu);
    } else {
        fprintf(stderr, "thread %d (fd %d) woke with %d\n", i, fd, got);
    }
    return NULL;
}

static double ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void *sleeper(void *arg)
{
    poll(NULL, 0, (int)(long)arg);
    return NULL;
}

static int sv[2];
static void *blocked_reader(void *arg)
{
    char buf[16];
    (void)arg;
    ssize_t r = read(sv[0], buf, sizeof buf);
    printf("read returned %zd errno %s\n", r, r < 0 ? strerror(errno) : "-");
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    if (strcmp(argv[1], "wake") == 0) {
        n = argc > 2 ? atoi(argv[2]) : 300;
        pipes = calloc((size_t)n, sizeof *pipes);
        pthread_t *t = calloc((size_t)n, sizeof *t);
        for (int i = 0; i < n; i++)
            if (pipe(pipes[i]) < 0) return perror("pipe"), 1;
        for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, waiter, (void *)(long)i);
        usleep(200000); /* let them all block */
        for (int i = n - 1; i >= 0; i--) {
            char c = (char)i;
            if (write(pipes[i][1], &c, 1) != 1) return perror("write"), 1;
            if (i % 50 == 0) usleep(1000);
        }
        for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
        free(t);
        printf("woke %d/%d exact\n", exact, n);
        return exact == n ? 0 : 1;
    }
    if (strcmp(argv[1], "sleep") == 0) {
        int k = argc > 2 ? atoi(argv[2]) : 100, ms = argc > 3 ? atoi(argv[3]) : 300;
        pthread_t *t = calloc((size_t)k, sizeof *t);
        double t0 = ms_now();
        for (int i = 0; i < k; i++) pthread_create(&t[i], NULL, sleeper, (void *)(long)ms);
        for (int i = 0; i < k; i++) pthread_join(t[i], NULL);
        free(t);
        printf("%d threads slept %d ms in %.0f ms\n", k, ms, ms_now() - t0);
        return 0;
    }
    if (strcmp(argv[1], "closed") == 0 || strcmp(argv[1], "dup2") == 0) {
        alarm(5); /* natively, Linux leaves the reader blocked: do not hang */
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        pthread_t t;
        pthread_create(&t, NULL, blocked_reader, NULL);
        usleep(100000);
        if (argv[1][0] == 'c') {
            close(sv[0]);
        } else {
            int p[2];
            if (pipe(p) < 0 || dup2(p[0], sv[0]) < 0) return perror("dup2"), 1;
        }
        pthread_join(t, NULL);
        return 0;
    }
    return 2;
}
