/* SA_RESTART and socket timeouts (signal(7)): a handler installed with
 * SA_RESTART restarts a blocking recv, read, accept or send on a socket,
 * unless the socket has a receive (input calls) or send (output calls)
 * timeout set, which makes the call fail with EINTR instead; a pipe's read
 * restarts. SIGALRM comes after 100 ms (setitimer); a thread makes the
 * restarted call's wait end 300 ms later (writes a byte, drains the
 * buffer, connects). One line per case; the same natively and under the
 * shim. Timeouts are 3 s: a restart that should not happen shows as
 * EAGAIN (or a very late line), never as a hang. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void alarm_in_100ms(void)
{
    struct itimerval it = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void set_timeo(int fd, int opt, int sec)
{
    struct timeval tv = {sec, 0};
    if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv) != 0) perror("setsockopt"), exit(1);
}

struct later {
    int fd;
    int what; /* 0 write a byte, 1 drain, 2 connect to port */
    int port;
};

static void *act_later(void *arg)
{
    struct later *l = arg;
    usleep(400000);
    if (l->what == 0) {
        if (write(l->fd, "x", 1) != 1) perror("write");
    } else if (l->what == 1) {
        char buf[65536];
        struct timeval tv = {0, 200000};
        setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        while (recv(l->fd, buf, sizeof buf, 0) > 0) {
        }
    } else {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(l->port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) perror("connect");
        usleep(100000);
        close(c);
    }
    return NULL;
}

static void report(const char *what, long r, int e)
{
    if (r < 0)
        printf("%-34s -1 %s, handler ran %d\n", what,
               e == EINTR    ? "EINTR"
               : e == EAGAIN ? "EAGAIN"
                             : strerror(e),
               (int)alarms);
    else
        printf("%-34s %ld, handler ran %d\n", what, r, (int)alarms);
    alarms = 0;
}

/* kind: 0 recv, 1 read, 2 send (fills the buffer first) */
static void stream_case(const char *what, int kind, int timeo, int act)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) perror("socketpair"), exit(1);
    if (timeo) set_timeo(sv[0], kind == 2 ? SO_SNDTIMEO : SO_RCVTIMEO, 3);
    if (kind == 2) { /* fill sv[0]'s send buffer */
        int sz = 4096;
        setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        char buf[4096] = {0};
        while (send(sv[0], buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
    }
    struct later l = {sv[1], kind == 2 ? 1 : 0, 0};
    pthread_t t;
    if (act) pthread_create(&t, NULL, act_later, &l);
    alarm_in_100ms();
    char buf[4096] = {0};
    long r;
    if (kind == 0)
        r = recv(sv[0], buf, 1, 0);
    else if (kind == 1)
        r = read(sv[0], buf, 1);
    else
        r = send(sv[0], buf, sizeof buf, 0);
    report(what, r > 0 ? 1 : r, errno);
    if (act) pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
}

static void accept_case(const char *what, int timeo, int act)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 4) ||
        getsockname(s, (struct sockaddr *)&a, &al))
        perror("listen"), exit(1);
    if (timeo) set_timeo(s, SO_RCVTIMEO, 3);
    struct later l = {-1, 2, ntohs(a.sin_port)};
    pthread_t t;
    if (act) pthread_create(&t, NULL, act_later, &l);
    alarm_in_100ms();
    int c = accept(s, NULL, NULL);
    report(what, c >= 0 ? 1 : -1, errno);
    if (c >= 0) close(c);
    if (act) pthread_join(t, NULL);
    close(s);
}

static void pipe_case(void)
{
    int p[2];
    if (pipe(p) != 0) perror("pipe"), exit(1);
    struct later l = {p[1], 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, act_later, &l);
    alarm_in_100ms();
    char c;
    long r = read(p[0], &c, 1);
    report("pipe read", r, errno);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    stream_case("recv, SA_RESTART, no timeout", 0, 0, 1);
    stream_case("recv, SA_RESTART, SO_RCVTIMEO", 0, 1, 0);
    stream_case("read, SA_RESTART, no timeout", 1, 0, 1);
    stream_case("read, SA_RESTART, SO_RCVTIMEO", 1, 1, 0);
    stream_case("send, SA_RESTART, no timeout", 2, 0, 1);
    stream_case("send, SA_RESTART, SO_SNDTIMEO", 2, 1, 0);
    accept_case("accept, SA_RESTART, no timeout", 0, 1);
    accept_case("accept, SA_RESTART, SO_RCVTIMEO", 1, 0);
    pipe_case();
    /* without SA_RESTART every one of them fails with EINTR */
    sa.sa_flags = 0;
    sigaction(SIGALRM, &sa, NULL);
    stream_case("recv, no SA_RESTART, no timeout", 0, 0, 0);
    accept_case("accept, no SA_RESTART, no timeout", 0, 0);
    return 0;
}
