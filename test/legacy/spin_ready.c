/* One thread spins on a call that answers "nothing ready" at once (a
 * zero-timeout poll, EAGAIN on a non-blocking fd, a trylock, WNOHANG, a
 * zero-timeout sigtimedwait) until another thread, which first sleeps
 * 10 ms and then does some I/O, makes it ready. Natively the two run side
 * by side; on one OS thread the spinner must let the helper run.
 *
 * stdout: one line per case, "CASE ok" (or "CASE gave up" after 3 s);
 * stderr: "time CASE MS" for each, for the test to compare with native.
 * Usage: spin_ready [CASE]   (all cases without an argument) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* shared state of one case */
static int pfd[2], sv[2], lfd, epfd, iofd[2];
static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static sem_t sem, ready;
static pthread_t main_th;
static struct sockaddr_in sin_addr;
static struct sockaddr_un sun_addr;
static pid_t child;

static void pause10(void)
{
    usleep(10000);
}

/* "some patched I/O": a round trip on a socket pair */
static void some_io(void)
{
    char c = 'x';
    if (write(iofd[0], &c, 1) != 1 || read(iofd[1], &c, 1) != 1) die("io");
}

/* ---- helpers (the other thread) -------------------------------------------- */

static void *h_write_pipe(void *a)
{
    (void)a;
    pause10();
    if (write(pfd[1], "x", 1) != 1) die("write");
    return NULL;
}
static void *h_write_sock(void *a)
{
    (void)a;
    pause10();
    if (send(sv[1], "x", 1, 0) != 1) die("send");
    return NULL;
}
static void *h_connect(void *a)
{
    (void)a;
    pause10();
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&sin_addr, sizeof sin_addr) != 0) die("connect");
    some_io();
    close(s);
    return NULL;
}
static void *h_drain(void *a)
{
    (void)a;
    pause10();
    char buf[65536];
    int fl = fcntl(sv[1], F_GETFL);
    fcntl(sv[1], F_SETFL, fl | O_NONBLOCK);
    while (read(sv[1], buf, sizeof buf) > 0) {
    }
    fcntl(sv[1], F_SETFL, fl);
    return NULL;
}
static void *h_accept(void *a)
{
    (void)a;
    pause10();
    int c = accept(lfd, NULL, NULL);
    if (c < 0) die("accept");
    some_io();
    return NULL; /* c stays open until the case ends */
}
static void *h_mutex(void *a)
{
    (void)a;
    pthread_mutex_lock(&mx);
    sem_post(&ready);
    pause10();
    some_io();
    pthread_mutex_unlock(&mx);
    return NULL;
}
static void *h_wrlock(void *a)
{
    (void)a;
    pthread_rwlock_wrlock(&rw);
    sem_post(&ready);
    pause10();
    some_io();
    pthread_rwlock_unlock(&rw);
    return NULL;
}
static void *h_rdlock(void *a)
{
    (void)a;
    pthread_rwlock_rdlock(&rw);
    sem_post(&ready);
    pause10();
    some_io();
    pthread_rwlock_unlock(&rw);
    return NULL;
}
static void *h_spin(void *a)
{
    (void)a;
    pthread_spin_lock(&spin);
    sem_post(&ready);
    pause10();
    some_io();
    pthread_spin_unlock(&spin);
    return NULL;
}
static void *h_sem(void *a)
{
    (void)a;
    pause10();
    some_io();
    sem_post(&sem);
    return NULL;
}
static void *h_exit(void *a)
{
    (void)a;
    pause10();
    some_io();
    return NULL;
}
static void *h_child(void *a)
{
    (void)a;
    pause10();
    if (write(pfd[1], "x", 1) != 1) die("write"); /* the child exits on it */
    return NULL;
}
static void *h_kill(void *a)
{
    (void)a;
    pause10();
    some_io();
    pthread_kill(main_th, SIGUSR1);
    return NULL;
}

/* ---- spinners: 1 when the thing came, 0 "nothing ready", -1 error ---------- */

static int s_poll(void)
{
    struct pollfd p = {pfd[0], POLLIN, 0};
    return poll(&p, 1, 0);
}
static int s_ppoll(void)
{
    struct pollfd p = {pfd[0], POLLIN, 0};
    struct timespec z = {0, 0};
    return ppoll(&p, 1, &z, NULL);
}
static int s_select(void)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(pfd[0], &r);
    struct timeval z = {0, 0};
    return select(pfd[0] + 1, &r, NULL, NULL, &z);
}
static int s_pselect(void)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(pfd[0], &r);
    struct timespec z = {0, 0};
    return pselect(pfd[0] + 1, &r, NULL, NULL, &z, NULL);
}
static int s_epoll_wait(void)
{
    struct epoll_event ev;
    return epoll_wait(epfd, &ev, 1, 0);
}
static int s_epoll_pwait(void)
{
    struct epoll_event ev;
    sigset_t none;
    sigemptyset(&none);
    return epoll_pwait(epfd, &ev, 1, 0, &none);
}
static int eagain(ssize_t r)
{
    if (r >= 0) return 1;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS || errno == EALREADY
               ? 0
               : -1;
}
static int s_read(void)
{
    char c;
    return eagain(read(pfd[0], &c, 1));
}
static int s_recv(void)
{
    char c;
    return eagain(recv(sv[0], &c, 1, 0));
}
static int s_accept(void)
{
    int c = accept(lfd, NULL, NULL);
    if (c >= 0) close(c);
    return eagain(c);
}
static int s_send(void)
{
    static char buf[4096];
    return eagain(send(sv[0], buf, sizeof buf, 0));
}
static int s_connect(void)
{
    int r = connect(lfd, (struct sockaddr *)&sun_addr, sizeof sun_addr);
    return r == 0 || errno == EISCONN ? 1 : eagain(r);
}
static int s_mutex(void)
{
    int r = pthread_mutex_trylock(&mx);
    if (r == 0) pthread_mutex_unlock(&mx);
    return r == 0 ? 1 : r == EBUSY ? 0 : -1;
}
static int s_tryrd(void)
{
    int r = pthread_rwlock_tryrdlock(&rw);
    if (r == 0) pthread_rwlock_unlock(&rw);
    return r == 0 ? 1 : r == EBUSY ? 0 : -1;
}
static int s_trywr(void)
{
    int r = pthread_rwlock_trywrlock(&rw);
    if (r == 0) pthread_rwlock_unlock(&rw);
    return r == 0 ? 1 : r == EBUSY ? 0 : -1;
}
static int s_spin(void)
{
    int r = pthread_spin_trylock(&spin);
    if (r == 0) pthread_spin_unlock(&spin);
    return r == 0 ? 1 : r == EBUSY ? 0 : -1;
}
static int s_sem(void)
{
    return sem_trywait(&sem) == 0 ? 1 : errno == EAGAIN ? 0 : -1;
}
static pthread_t joinee;
static int s_tryjoin(void)
{
    int r = pthread_tryjoin_np(joinee, NULL);
    return r == 0 ? 1 : r == EBUSY ? 0 : -1;
}
static int s_waitpid(void)
{
    int st;
    pid_t r = waitpid(child, &st, WNOHANG);
    return r == child ? 1 : r == 0 ? 0 : -1;
}
static int s_sigtimedwait(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    struct timespec z = {0, 0};
    int r = sigtimedwait(&s, NULL, &z);
    return r == SIGUSR1 ? 1 : errno == EAGAIN ? 0 : -1;
}

/* ---- set-up per case -------------------------------------------------------- */

static void nb(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void setup(const char *name)
{
    if (pipe(pfd) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
        socketpair(AF_UNIX, SOCK_STREAM, 0, iofd))
        die("setup");
    if (!strcmp(name, "read")) nb(pfd[0]);
    if (!strcmp(name, "recv")) nb(sv[0]);
    if (!strncmp(name, "epoll", 5)) {
        epfd = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = pfd[0]};
        epoll_ctl(epfd, EPOLL_CTL_ADD, pfd[0], &ev);
    }
    if (!strcmp(name, "accept")) {
        lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        memset(&sin_addr, 0, sizeof sin_addr);
        sin_addr.sin_family = AF_INET;
        sin_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t l = sizeof sin_addr;
        if (bind(lfd, (struct sockaddr *)&sin_addr, sizeof sin_addr) || listen(lfd, 4) ||
            getsockname(lfd, (struct sockaddr *)&sin_addr, &l))
            die("listen");
    }
    if (!strcmp(name, "send")) { /* fill the pipe between the pair */
        int sz = 4096;
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        nb(sv[0]);
        static char buf[4096];
        while (send(sv[0], buf, sizeof buf, 0) > 0) {
        }
    }
    if (!strcmp(name, "connect")) {
        /* AF_UNIX: a non-blocking connect to a listener whose backlog is
         * full says EAGAIN until the listener accepts one */
        static int l;
        l = socket(AF_UNIX, SOCK_STREAM, 0);
        memset(&sun_addr, 0, sizeof sun_addr);
        sun_addr.sun_family = AF_UNIX;
        snprintf(sun_addr.sun_path + 1, sizeof sun_addr.sun_path - 1, "spin_ready.%d",
                 (int)getpid());
        if (bind(l, (struct sockaddr *)&sun_addr, sizeof sun_addr) || listen(l, 0)) die("ulisten");
        int first = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(first, (struct sockaddr *)&sun_addr, sizeof sun_addr)) die("uconnect");
        lfd = l; /* the helper accepts on it */
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sv[0] = s; /* the spinner's */
    }
    if (!strcmp(name, "spin_trylock")) pthread_spin_init(&spin, 0);
    sem_init(&sem, 0, 0);
    sem_init(&ready, 0, 0);
    if (!strcmp(name, "waitpid")) {
        child = fork();
        if (child == 0) {
            char c;
            _exit(read(pfd[0], &c, 1) == 1 ? 0 : 1);
        }
    }
}

struct kase {
    const char *name;
    int (*spin)(void);
    void *(*helper)(void *);
    int wait_ready; /* the helper takes a lock first */
};

static int s_connect_fd(void)
{
    int r = connect(sv[0], (struct sockaddr *)&sun_addr, sizeof sun_addr);
    return r == 0 || errno == EISCONN ? 1 : eagain(r);
}

static const struct kase kases[] = {
    {"poll", s_poll, h_write_pipe, 0},
    {"ppoll", s_ppoll, h_write_pipe, 0},
    {"select", s_select, h_write_pipe, 0},
    {"pselect", s_pselect, h_write_pipe, 0},
    {"epoll_wait", s_epoll_wait, h_write_pipe, 0},
    {"epoll_pwait", s_epoll_pwait, h_write_pipe, 0},
    {"read", s_read, h_write_pipe, 0},
    {"recv", s_recv, h_write_sock, 0},
    {"accept", s_accept, h_connect, 0},
    {"send", s_send, h_drain, 0},
    {"connect", s_connect_fd, h_accept, 0},
    {"mutex_trylock", s_mutex, h_mutex, 1},
    {"rwlock_tryrdlock", s_tryrd, h_wrlock, 1},
    {"rwlock_trywrlock", s_trywr, h_rdlock, 1},
    {"spin_trylock", s_spin, h_spin, 1},
    {"sem_trywait", s_sem, h_sem, 0},
    {"tryjoin", s_tryjoin, h_exit, 0},
    {"waitpid", s_waitpid, h_child, 0},
    {"sigtimedwait", s_sigtimedwait, h_kill, 0},
};

int main(int argc, char **argv)
{
    (void)s_connect;
    main_th = pthread_self();
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof kases / sizeof kases[0]; i++) {
        const struct kase *k = &kases[i];
        if (argc > 1 && strcmp(argv[1], k->name)) continue;
        setup(k->name);
        pthread_t h;
        double t0 = now_ms();
        if (pthread_create(&h, NULL, k->helper, NULL)) die("pthread_create");
        joinee = h;
        if (k->wait_ready) sem_wait(&ready);
        int r;
        while ((r = k->spin()) == 0 && now_ms() - t0 < 3000) {
        }
        double t1 = now_ms();
        printf("%s %s\n", k->name, r == 1 ? "ok" : r == 0 ? "gave up" : "error");
        fprintf(stderr, "time %s %.1f\n", k->name, t1 - t0);
        if (k->spin != s_tryjoin) pthread_join(h, NULL);
        if (child > 0) {
            waitpid(child, NULL, 0);
            child = 0;
        }
        close(pfd[0]), close(pfd[1]), close(sv[0]), close(sv[1]), close(iofd[0]), close(iofd[1]);
        if (!strncmp(k->name, "epoll", 5)) close(epfd);
        if (!strcmp(k->name, "accept") || !strcmp(k->name, "connect")) close(lfd);
    }
    return 0;
}
