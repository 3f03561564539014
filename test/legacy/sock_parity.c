/* Every hooked socket, io and select call with bad and edge-case arguments:
 * bad fds, fds of the wrong kind, bad pointers, bad flags, non-blocking fds
 * with nothing to do, timeouts, peers that went away. Each line prints the
 * call, its result and errno, never an fd number or a time (the shim owns a
 * few fds of its own), so the output is the same natively and under the
 * shim. Built with -D_FORTIFY_SOURCE=2 like the rest of test/legacy: a call
 * with a variable length into a buffer of known size is the __*_chk form.
 *   sock_parity           prints the whole report */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *en(int e)
{
    return e ? strerrorname_np(e) : "0";
}
/* the call as written, its result, errno (0 when the call succeeded) */
#define ERRNO(call)                                                                                \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(call);                                                                    \
        printf("%-72s -> %ld %s\n", #call, r_, r_ < 0 ? en(errno) : "");                           \
    } while (0)
/* a call that returns a new fd: "fd" rather than its number */
#define NEWFD(var, call)                                                                           \
    do {                                                                                           \
        errno = 0;                                                                                 \
        var = (call);                                                                              \
        printf("%-72s -> %s %s\n", #call, var >= 0 ? "fd" : "-1", var < 0 ? en(errno) : "");       \
    } while (0)
#define SAY(...) printf(__VA_ARGS__), putchar('\n')

/* Pointers the compiler cannot see through (no warnings, and no fortified
 * form chosen at compile time), and an address that is never mapped. */
static void *volatile nullp;
static void *volatile badp = (void *)16;
static volatile size_t vn;                      /* a length only known at run time */
static volatile int neg1 = -1, iov_max1 = 1025; /* hidden from the compiler too */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
/* a blocking call that should have waited about ms: lower bound only */
static void waited(const char *what, double t0, int ms)
{
    double d = now() - t0;
    SAY("%-72s -> %s", what, d >= ms * 0.9 / 1000 ? "waited the timeout" : "RETURNED EARLY");
}

static int tcp_listener(int backlog, struct sockaddr_in *a)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    *a = (struct sockaddr_in){.sin_family = AF_INET};
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof *a;
    if (bind(ls, (struct sockaddr *)a, l) < 0 || listen(ls, backlog) < 0) return perror("tcp"), -1;
    getsockname(ls, (struct sockaddr *)a, &l);
    return ls;
}
/* a connected TCP pair: *c the client side, *s the accepted side */
static void tcp_pair(int ls, const struct sockaddr_in *a, int *c, int *s)
{
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*c, (const struct sockaddr *)a, sizeof *a) < 0) perror("connect");
    *s = accept(ls, NULL, NULL);
    int one = 1;
    setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}
static void set_timeo(int fd, int name, int ms)
{
    struct timeval tv = {ms / 1000, ms % 1000 * 1000};
    setsockopt(fd, SOL_SOCKET, name, &tv, sizeof tv);
}
static const char *flags_of(int fd)
{
    static char buf[64];
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return en(errno);
    snprintf(buf, sizeof buf, "%s%s",
             (fl & O_ACCMODE) == O_RDWR     ? "O_RDWR"
             : (fl & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                                            : "O_RDONLY",
             fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
    return buf;
}
#define FLAGS(what, fd) SAY("%-72s -> %s", what, flags_of(fd))

/* fills a non-blocking-in-the-kernel's-view socket or pipe; bytes written */
static long fill(int fd)
{
    static char junk[65536];
    long total = 0;
    for (;;) {
        ssize_t w = send(fd, junk, sizeof junk, MSG_DONTWAIT);
        if (w < 0 && errno == ENOTSOCK) {
            int fl = fcntl(fd, F_GETFL);
            fcntl(fd, F_SETFL, fl | O_NONBLOCK);
            w = write(fd, junk, sizeof junk);
            fcntl(fd, F_SETFL, fl);
        }
        if (w <= 0) return total;
        total += w;
    }
}

/* reads the one byte a helper thread wrote */
static void drain1(int fd)
{
    char b;
    if (read(fd, &b, 1) != 1) puts("drain1: nothing");
}

/* runs fn in a child process; prints how it ended (a fortify abort) */
static void in_child(const char *what, void (*fn)(void))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2); /* glibc's "buffer overflow detected" goes to stderr */
        fn();
        _exit(0);
    }
    int st;
    waitpid(p, &st, 0);
    SAY("%-72s -> %s", what, WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "exited");
}

static int chk_fd;
static void read_chk_overflow(void)
{
    char small[8];
    vn = 64;
    if (read(chk_fd, small, vn) > 0) puts("read");
}
static void recv_chk_overflow(void)
{
    char small[8];
    vn = 64;
    if (recv(chk_fd, small, vn, 0) > 0) puts("recv");
}
static void recvfrom_chk_overflow(void)
{
    char small[8];
    vn = 64;
    if (recvfrom(chk_fd, small, vn, 0, NULL, NULL) > 0) puts("recvfrom");
}
static void poll_chk_overflow(void)
{
    struct pollfd p[1] = {{chk_fd, POLLIN, 0}};
    vn = 4;
    if (poll(p, vn, 0) >= 0) puts("poll");
}
static void ppoll_chk_overflow(void)
{
    struct pollfd p[1] = {{chk_fd, POLLIN, 0}};
    struct timespec z = {0, 0};
    vn = 4;
    if (ppoll(p, vn, &z, NULL) >= 0) puts("ppoll");
}

/* a thread that writes one byte to fd after ms */
struct later {
    int fd, ms;
};
static void *write_later(void *arg)
{
    struct later *l = arg;
    usleep((useconds_t)l->ms * 1000);
    if (write(l->fd, "L", 1) != 1) perror("write_later");
    return NULL;
}

/* a thread that reads fd until it has want bytes (or EOF), in small bites */
struct sink {
    int fd;
    long want, got;
};
static void *drain_slowly(void *arg)
{
    struct sink *k = arg;
    char b[7000];
    while (k->got < k->want) {
        ssize_t r = read(k->fd, b, sizeof b);
        if (r <= 0) break;
        k->got += r;
        if (k->got % 3 == 0) usleep(1000);
    }
    return NULL;
}
/* a thread that writes n bytes to fd in pieces of piece, pausing between */
struct source {
    int fd;
    long n, piece;
};
static void *feed_slowly(void *arg)
{
    struct source *o = arg;
    static char b[65536];
    for (long done = 0; done < o->n;) {
        long k = o->n - done < o->piece ? o->n - done : o->piece;
        ssize_t w = write(o->fd, b, (size_t)k);
        if (w <= 0) break;
        done += w;
        usleep(2000);
    }
    return NULL;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(60);
    setvbuf(stdout, NULL, _IOLBF, 0);
    char buf[64];
    struct iovec iov = {buf, sizeof buf};
    struct sockaddr_in a, refused, peer;
    int fd, fd2;
    double t0;

    int ls = tcp_listener(16, &a);
    int c, s;
    tcp_pair(ls, &a, &c, &s);
    int up[2], dg[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, up);
    socketpair(AF_UNIX, SOCK_DGRAM, 0, dg);
    if (pipe(p) < 0) return 1;
    char tmpl[] = "/tmp/sock_parity.XXXXXX";
    int file = mkstemp(tmpl);
    unlink(tmpl);
    if (write(file, "0123456789abcdef", 16) != 16) return 1;
    lseek(file, 0, SEEK_SET);
    int devnull = open("/dev/null", O_RDWR);
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    int efd = eventfd(0, 0);
    const int BAD = 900; /* under RLIMIT_NOFILE, never open */
    /* a port nobody listens on: bind one, then close it */
    int tmp = tcp_listener(1, &refused);
    close(tmp);

    SAY("== socket, socketpair");
    NEWFD(fd, socket(AF_INET, SOCK_STREAM, 0));
    FLAGS("  F_GETFL of a new blocking socket", fd);
    close(fd);
    NEWFD(fd, socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    FLAGS("  F_GETFL of a SOCK_NONBLOCK socket", fd);
    close(fd);
    NEWFD(fd, socket(AF_INET, SOCK_STREAM | 0x100000, 0));
    NEWFD(fd, socket(12345, SOCK_STREAM, 0));
    NEWFD(fd, socket(AF_INET, 77, 0));
    NEWFD(fd, socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    int sv[2];
    ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 0, (int *)nullp));
    ERRNO(socketpair(AF_UNIX, SOCK_STREAM, 0, (int *)badp));
    ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv));
    ERRNO(socketpair(AF_UNIX, SOCK_STREAM | 0x100000, 0, sv));
    ERRNO(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv));
    FLAGS("  F_GETFL of a SOCK_NONBLOCK socketpair end", sv[1]);
    ERRNO(recv(sv[0], buf, sizeof buf, 0));
    close(sv[0]), close(sv[1]);

    SAY("== accept, accept4");
    socklen_t alen = sizeof a;
    NEWFD(fd, accept(BAD, NULL, NULL));
    NEWFD(fd, accept(p[0], NULL, NULL));
    NEWFD(fd, accept(c, NULL, NULL));
    NEWFD(fd, accept4(ls, NULL, NULL, 0x4));
    set_timeo(ls, SO_RCVTIMEO, 100);
    t0 = now();
    NEWFD(fd, accept(ls, NULL, NULL));
    waited("  accept with SO_RCVTIMEO 100 ms and nobody connecting", t0, 100);
    t0 = now();
    NEWFD(fd, accept4(ls, NULL, NULL, SOCK_CLOEXEC));
    waited("  accept4 with SO_RCVTIMEO 100 ms", t0, 100);
    set_timeo(ls, SO_RCVTIMEO, 0);
    fcntl(ls, F_SETFL, O_NONBLOCK);
    NEWFD(fd, accept(ls, NULL, NULL));
    fcntl(ls, F_SETFL, 0);
    fd2 = socket(AF_INET, SOCK_STREAM, 0);
    connect(fd2, (struct sockaddr *)&a, sizeof a);
    NEWFD(fd, accept4(ls, (struct sockaddr *)&peer, &alen, SOCK_NONBLOCK));
    FLAGS("  F_GETFL of accept4(SOCK_NONBLOCK)", fd);
    ERRNO(read(fd, buf, sizeof buf));
    close(fd);
    connect(fd2 = socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof a);
    NEWFD(fd, accept(ls, (struct sockaddr *)&peer, &alen));
    FLAGS("  F_GETFL of accept()", fd);
    close(fd), close(fd2);
    connect(fd2 = socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof a);
    NEWFD(fd, accept(ls, (struct sockaddr *)badp, &alen));
    close(fd2);

    SAY("== connect");
    ERRNO(connect(BAD, (struct sockaddr *)&a, sizeof a));
    ERRNO(connect(p[0], (struct sockaddr *)&a, sizeof a));
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ERRNO(connect(fd, (struct sockaddr *)nullp, sizeof a));
    ERRNO(connect(fd, (struct sockaddr *)&a, 3));
    ERRNO(connect(fd, (struct sockaddr *)&refused, sizeof refused));
    ERRNO(connect(fd, (struct sockaddr *)&refused, sizeof refused));
    close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ERRNO(connect(fd, (struct sockaddr *)&a, sizeof a));
    ERRNO(connect(fd, (struct sockaddr *)&a, sizeof a));
    close(fd);
    close(accept(ls, NULL, NULL));
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ERRNO(connect(fd, (struct sockaddr *)&a, sizeof a));
    struct pollfd pw = {fd, POLLOUT, 0};
    poll(&pw, 1, 5000);
    ERRNO(connect(fd, (struct sockaddr *)&a, sizeof a));
    ERRNO(connect(fd, (struct sockaddr *)&a, sizeof a));
    close(fd);
    close(accept(ls, NULL, NULL));
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ERRNO(connect(fd, (struct sockaddr *)&refused, sizeof refused));
    pw = (struct pollfd){fd, POLLOUT, 0};
    poll(&pw, 1, 5000);
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    SAY("%-72s -> %s", "  SO_ERROR after a non-blocking connect was refused", en(soerr));
    close(fd);
    struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/nonexistent/sock_parity"};
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ERRNO(connect(fd, (struct sockaddr *)&un, sizeof un));
    close(fd);
    {
        /* a full accept queue drops SYNs: a blocking connect waits, and
         * SO_SNDTIMEO ends it with EINPROGRESS; a second one, EALREADY */
        struct sockaddr_in fa;
        int full = tcp_listener(0, &fa), q[4], n = 0;
        for (; n < 4; n++) {
            q[n] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            connect(q[n], (struct sockaddr *)&fa, sizeof fa);
        }
        usleep(50000);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        set_timeo(fd, SO_SNDTIMEO, 150);
        t0 = now();
        ERRNO(connect(fd, (struct sockaddr *)&fa, sizeof fa));
        waited("  connect with SO_SNDTIMEO 150 ms to a full accept queue", t0, 150);
        t0 = now();
        ERRNO(connect(fd, (struct sockaddr *)&fa, sizeof fa));
        waited("  connect again while the first one is still in progress", t0, 150);
        close(fd);
        for (n = 0; n < 4; n++) close(q[n]);
        close(full);
    }
    {
        /* AF_UNIX: a full backlog makes a blocking connect wait; SO_SNDTIMEO
         * ends it with EAGAIN */
        struct sockaddr_un ua = {.sun_family = AF_UNIX};
        snprintf(ua.sun_path, sizeof ua.sun_path, "/tmp/sock_parity.%d", (int)getpid());
        unlink(ua.sun_path);
        int ul = socket(AF_UNIX, SOCK_STREAM, 0), q[4], n;
        bind(ul, (struct sockaddr *)&ua, sizeof ua);
        listen(ul, 0);
        for (n = 0; n < 4; n++) {
            q[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
            connect(q[n], (struct sockaddr *)&ua, sizeof ua);
        }
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        set_timeo(fd, SO_SNDTIMEO, 150);
        t0 = now();
        ERRNO(connect(fd, (struct sockaddr *)&ua, sizeof ua));
        waited("  AF_UNIX connect with SO_SNDTIMEO 150 ms to a full backlog", t0, 150);
        close(fd);
        for (n = 0; n < 4; n++) close(q[n]);
        close(ul);
        unlink(ua.sun_path);
    }

    SAY("== send, sendto, sendmsg, sendmmsg");
    ERRNO(send(BAD, "x", 1, 0));
    ERRNO(send(p[1], "x", 1, 0));
    ERRNO(send(c, nullp, 10, 0));
    ERRNO(send(c, badp, 10, 0));
    ERRNO(send(c, "x", 0, 0));
    ERRNO(send(c, "x", 1, 0x40000000));
    ERRNO(send(up[0], "x", 1, MSG_OOB));
    ERRNO(sendto(dg[0], "x", 1, 0, (struct sockaddr *)&a, sizeof a));
    ERRNO(sendto(c, "x", 1, 0, (struct sockaddr *)badp, sizeof a));
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ERRNO(send(fd, "x", 1, 0));
    close(fd);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    ERRNO(send(fd, "x", 1, 0));
    ERRNO(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, 3));
    ERRNO(sendto(fd, buf, 70000, 0, (struct sockaddr *)&refused, sizeof refused));
    close(fd);
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    iov.iov_len = 8;
    ERRNO(sendmsg(BAD, &mh, 0));
    ERRNO(sendmsg(p[1], &mh, 0));
    ERRNO(sendmsg(c, (struct msghdr *)nullp, 0));
    ERRNO(sendmsg(c, &mh, 0));
    mh.msg_iovlen = 2000;
    ERRNO(sendmsg(c, &mh, 0));
    mh.msg_iovlen = 1;
    ERRNO(recv(s, buf, 8, 0));
    struct mmsghdr mm[2] = {{.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}},
                            {.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}}};
    ERRNO(sendmmsg(BAD, mm, 2, 0));
    ERRNO(sendmmsg(p[1], mm, 2, 0));
    ERRNO(sendmmsg(dg[0], mm, 0, 0));
    ERRNO(sendmmsg(dg[0], (struct mmsghdr *)nullp, 1, 0));
    ERRNO(sendmmsg(dg[0], mm, 2, 0));
    SAY("%-72s -> %u %u", "  msg_len of the two datagrams", mm[0].msg_len, mm[1].msg_len);

    SAY("== recv, recvfrom, recvmsg, recvmmsg (and the fortified forms)");
    ERRNO(recv(BAD, buf, sizeof buf, 0));
    ERRNO(recv(p[0], buf, sizeof buf, 0));
    ERRNO(recv(ls, buf, sizeof buf, 0));
    ERRNO(recv(c, buf, sizeof buf, MSG_DONTWAIT));
    ERRNO(recv(c, buf, sizeof buf, MSG_OOB));
    ERRNO(recv(c, buf, sizeof buf, 0x40000000 | MSG_DONTWAIT));
    send(s, "hello", 5, 0);
    usleep(20000);
    ERRNO(recv(c, nullp, 5, 0));
    ERRNO(recv(c, badp, 5, 0));
    ERRNO(recv(c, buf, 2, MSG_PEEK));
    vn = 2;
    ERRNO(recv(c, buf, vn, 0));
    ERRNO(recvfrom(c, buf, vn, 0, NULL, NULL));
    ERRNO(recvfrom(c, buf, 1, 0, (struct sockaddr *)badp, &alen));
    ERRNO(recvfrom(BAD, buf, vn, 0, NULL, NULL));
    ERRNO(recvfrom(p[0], buf, vn, 0, NULL, NULL));
    set_timeo(c, SO_RCVTIMEO, 100);
    t0 = now();
    ERRNO(recv(c, buf, sizeof buf, 0));
    waited("  recv with SO_RCVTIMEO 100 ms", t0, 100);
    t0 = now();
    ERRNO(recv(c, buf, vn, 0));
    waited("  __recv_chk with SO_RCVTIMEO 100 ms", t0, 100);
    t0 = now();
    ERRNO(recvfrom(c, buf, vn, 0, NULL, NULL));
    waited("  __recvfrom_chk with SO_RCVTIMEO 100 ms", t0, 100);
    t0 = now();
    ERRNO(recvmsg(c, &mh, 0));
    waited("  recvmsg with SO_RCVTIMEO 100 ms", t0, 100);
    t0 = now();
    ERRNO(recvmmsg(c, mm, 2, 0, NULL));
    waited("  recvmmsg with SO_RCVTIMEO 100 ms", t0, 100);
    t0 = now();
    ERRNO(read(c, buf, sizeof buf));
    waited("  read with SO_RCVTIMEO 100 ms", t0, 100);
    t0 = now();
    ERRNO(readv(c, &iov, 1));
    waited("  readv with SO_RCVTIMEO 100 ms", t0, 100);
    {
        /* MSG_WAITALL: what came before the timeout */
        struct later l = {s, 30};
        pthread_t t;
        send(s, "abc", 3, 0);
        pthread_create(&t, NULL, write_later, &l);
        t0 = now();
        ERRNO(recv(c, buf, 10, MSG_WAITALL));
        waited("  recv MSG_WAITALL with SO_RCVTIMEO 100 ms", t0, 100);
        pthread_join(t, NULL);
    }
    set_timeo(c, SO_RCVTIMEO, 0);
    ERRNO(recvmsg(BAD, &mh, 0));
    ERRNO(recvmsg(p[0], &mh, 0));
    ERRNO(recvmsg(c, &mh, MSG_DONTWAIT));
    ERRNO(recvmsg(c, (struct msghdr *)nullp, 0));
    ERRNO(recvmsg(c, &mh, MSG_ERRQUEUE)); /* never waits: EAGAIN when empty */
    ERRNO(recvmmsg(BAD, mm, 2, 0, NULL));
    ERRNO(recvmmsg(p[0], mm, 2, 0, NULL));
    ERRNO(recvmmsg(dg[1], mm, 0, 0, NULL));
    ERRNO(recvmmsg(dg[1], mm, 2, 0, NULL));
    ERRNO(recvmmsg(dg[1], mm, 2, MSG_DONTWAIT, NULL));
    struct timespec bad_ts = {0, 2000000000};
    ERRNO(recvmmsg(dg[1], mm, 2, 0, &bad_ts));
    send(dg[0], "d", 1, 0);
    struct timespec ts50 = {0, 50000000};
    ERRNO(recvmmsg(dg[1], mm, 2, MSG_WAITFORONE, &ts50));
    ERRNO(recv(dg[1], buf, 0, MSG_DONTWAIT));
    iov.iov_len = sizeof buf;

    SAY("== read, write (sockets, pipes, files, others)");
    ERRNO(read(BAD, buf, sizeof buf));
    ERRNO(read(-1, buf, sizeof buf));
    ERRNO(read(p[1], buf, sizeof buf));
    ERRNO(write(p[0], "x", 1));
    ERRNO(read(dir, buf, sizeof buf));
    ERRNO(read(file, buf, 4));
    ERRNO(read(devnull, buf, sizeof buf));
    ERRNO(write(devnull, "x", 1));
    ERRNO(read(efd, buf, 4));
    ERRNO(write(efd, "x", 1));
    ERRNO(read(ls, buf, sizeof buf));
    ERRNO(read(c, buf, 0));
    ERRNO(write(c, buf, 0));
    ERRNO(read(p[0], buf, 0));
    ERRNO(write(p[1], buf, 0));
    ERRNO(write(c, nullp, 10));
    ERRNO(write(c, badp, 10));
    ERRNO(write(p[1], nullp, 10));
    ERRNO(write(p[1], "ab", 2));
    ERRNO(read(p[0], nullp, 2));
    ERRNO(read(p[0], badp, 2));
    vn = 2;
    ERRNO(read(p[0], buf, vn));
    ERRNO(write(s, "xy", 2));
    usleep(20000);
    ERRNO(read(c, nullp, 2));
    ERRNO(read(c, buf, vn));
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    ERRNO(read(p[0], buf, sizeof buf));
    ERRNO(read(p[0], buf, vn));
    fcntl(p[0], F_SETFL, 0);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    SAY("%-72s -> %ld", "  bytes a non-blocking pipe takes before EAGAIN", fill(p[1]));
    ERRNO(write(p[1], "x", 1));
    fcntl(p[1], F_SETFL, 0);
    {
        char big[70000];
        long got = 0;
        while (got < 65536) {
            ssize_t k = read(p[0], big, 65536 - got);
            if (k <= 0) break;
            got += k;
        }
        SAY("%-72s -> %ld", "  read the pipe empty again", got);
    }
    chk_fd = p[0];
    in_child("  __read_chk with n > the buffer", read_chk_overflow);
    chk_fd = c;
    in_child("  __recv_chk with n > the buffer", recv_chk_overflow);
    in_child("  __recvfrom_chk with n > the buffer", recvfrom_chk_overflow);
    in_child("  __poll_chk with nfds > the array", poll_chk_overflow);
    in_child("  __ppoll_chk with nfds > the array", ppoll_chk_overflow);

    SAY("== readv, writev");
    struct iovec badiov = {badp, 4}, two[2] = {{buf, 2}, {buf + 2, 2}};
    ERRNO(readv(BAD, &iov, 1));
    ERRNO(writev(BAD, &iov, 1));
    ERRNO(readv(c, &iov, neg1));
    ERRNO(writev(c, &iov, neg1));
    ERRNO(readv(c, &iov, 0));
    ERRNO(writev(c, &iov, 0));
    ERRNO(readv(c, &iov, iov_max1));
    ERRNO(writev(c, &iov, iov_max1));
    ERRNO(readv(p[0], &iov, iov_max1));
    ERRNO(writev(p[1], &iov, iov_max1));
    ERRNO(readv(p[0], &iov, 0));
    ERRNO(writev(p[1], &iov, 0));
    ERRNO(readv(c, (struct iovec *)nullp, 1));
    ERRNO(writev(c, (struct iovec *)nullp, 1));
    ERRNO(writev(c, &badiov, 1));
    ERRNO(writev(p[1], &badiov, 1));
    struct iovec huge[2] = {{buf, (size_t)-1 / 2}, {buf, (size_t)-1 / 2}};
    ERRNO(writev(c, huge, 2));
    ERRNO(readv(p[0], huge, 2));
    ERRNO(writev(s, two, 2));
    usleep(20000);
    ERRNO(readv(c, &badiov, 1));
    ERRNO(readv(c, two, 2));
    ERRNO(writev(p[1], two, 2));
    ERRNO(readv(p[0], two, 2));
    ERRNO(readv(file, two, 2));
    ERRNO(writev(devnull, two, 2));

    SAY("== peer closed, reset, EPIPE (SIGPIPE ignored)");
    {
        int c2, s2;
        tcp_pair(ls, &a, &c2, &s2);
        close(s2);
        ERRNO(read(c2, buf, sizeof buf));
        ERRNO(recv(c2, buf, sizeof buf, 0));
        ERRNO(readv(c2, &iov, 1));
        ERRNO(write(c2, "x", 1));
        usleep(50000);
        ERRNO(write(c2, "x", 1));
        ERRNO(write(c2, "x", 1));
        ERRNO(send(c2, "x", 1, MSG_NOSIGNAL));
        close(c2);
        tcp_pair(ls, &a, &c2, &s2);
        send(c2, "unread", 6, 0);
        usleep(20000);
        struct linger lg = {1, 0};
        setsockopt(s2, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(s2);
        usleep(20000);
        ERRNO(read(c2, buf, sizeof buf));
        ERRNO(read(c2, buf, sizeof buf));
        ERRNO(send(c2, "x", 1, 0));
        close(c2);
        tcp_pair(ls, &a, &c2, &s2);
        ERRNO(shutdown(c2, SHUT_WR));
        ERRNO(write(c2, "x", 1));
        ERRNO(read(s2, buf, sizeof buf));
        ERRNO(shutdown(c2, SHUT_RD));
        ERRNO(read(c2, buf, sizeof buf));
        close(c2), close(s2);
        int q[2];
        if (pipe(q) < 0) return 1;
        close(q[0]);
        ERRNO(write(q[1], "x", 1));
        ERRNO(writev(q[1], &iov, 1));
        close(q[1]);
        if (pipe(q) < 0) return 1;
        close(q[1]);
        ERRNO(read(q[0], buf, sizeof buf));
        close(q[0]);
        socketpair(AF_UNIX, SOCK_STREAM, 0, q);
        close(q[1]);
        ERRNO(write(q[0], "x", 1));
        ERRNO(sendmsg(q[0], &mh, 0));
        ERRNO(read(q[0], buf, sizeof buf));
        close(q[0]);
    }
    {
        /* SO_SNDTIMEO on a full socket: EAGAIN after the timeout (AF_UNIX:
         * its buffers do not grow behind our back as TCP's do) */
        int q[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, q);
        set_timeo(q[0], SO_SNDTIMEO, 100);
        fill(q[0]);
        t0 = now();
        ERRNO(send(q[0], "x", 1, 0));
        waited("  send with SO_SNDTIMEO 100 ms on a full socket", t0, 100);
        fill(q[0]);
        t0 = now();
        ERRNO(write(q[0], "x", 1));
        waited("  write with SO_SNDTIMEO 100 ms on a full socket", t0, 100);
        fill(q[0]);
        t0 = now();
        ERRNO(writev(q[0], &iov, 1));
        waited("  writev with SO_SNDTIMEO 100 ms on a full socket", t0, 100);
        fill(q[0]);
        t0 = now();
        ERRNO(sendmsg(q[0], &mh, 0));
        waited("  sendmsg with SO_SNDTIMEO 100 ms on a full socket", t0, 100);
        fill(q[0]);
        t0 = now();
        ERRNO(sendto(q[0], "x", 1, 0, NULL, 0));
        waited("  sendto with SO_SNDTIMEO 100 ms on a full socket", t0, 100);
        fill(q[0]);
        t0 = now();
        ERRNO(sendmmsg(q[0], mm, 1, 0));
        waited("  sendmmsg with SO_SNDTIMEO 100 ms on a full socket", t0, 100);
        fcntl(q[0], F_SETFL, O_NONBLOCK);
        fill(q[0]);
        ERRNO(send(q[0], "x", 1, 0));
        ERRNO(write(q[0], "x", 1));
        close(q[0]), close(q[1]);
    }

    SAY("== blocking calls on streams move everything (a thread at the other end)");
    {
        static char big[150000];
        struct iovec bigv[3] = {{big, 50000}, {big + 50000, 50000}, {big + 100000, 50000}};
        struct msghdr bm = {.msg_iov = bigv, .msg_iovlen = 3};
        int q[2];
        pthread_t t;
        struct sink k;
        if (pipe(q) < 0) return 1;
        k = (struct sink){q[0], 150000, 0};
        pthread_create(&t, NULL, drain_slowly, &k);
        ERRNO(write(q[1], big, 150000));
        pthread_join(t, NULL);
        SAY("%-72s -> %ld", "  bytes the reader got", k.got);
        k = (struct sink){q[0], 150000, 0};
        pthread_create(&t, NULL, drain_slowly, &k);
        ERRNO(writev(q[1], bigv, 3));
        pthread_join(t, NULL);
        SAY("%-72s -> %ld", "  bytes the reader got", k.got);
        close(q[0]), close(q[1]);
        socketpair(AF_UNIX, SOCK_STREAM, 0, q);
        k = (struct sink){q[1], 300000, 0};
        pthread_create(&t, NULL, drain_slowly, &k);
        ERRNO(sendmsg(q[0], &bm, 0));
        ERRNO(send(q[0], big, 150000, 0));
        pthread_join(t, NULL);
        SAY("%-72s -> %ld", "  bytes the reader got", k.got);
        struct mmsghdr bmm[2] = {{.msg_hdr = bm}, {.msg_hdr = bm}};
        k = (struct sink){q[1], 300000, 0};
        pthread_create(&t, NULL, drain_slowly, &k);
        ERRNO(sendmmsg(q[0], bmm, 2, 0));
        pthread_join(t, NULL);
        SAY("%-72s -> %u %u %ld", "  msg_len of each, bytes the reader got", bmm[0].msg_len,
            bmm[1].msg_len, k.got);
        struct source o = {q[1], 120000, 10000};
        pthread_create(&t, NULL, feed_slowly, &o);
        ERRNO(recv(q[0], big, 120000, MSG_WAITALL));
        pthread_join(t, NULL);
        o = (struct source){q[1], 150000, 10000};
        pthread_create(&t, NULL, feed_slowly, &o);
        ERRNO(recvmsg(q[0], &bm, MSG_WAITALL));
        pthread_join(t, NULL);
        close(q[0]), close(q[1]);
        /* recvmmsg waits for vlen messages unless MSG_WAITFORONE */
        socketpair(AF_UNIX, SOCK_DGRAM, 0, q);
        send(q[1], "one", 3, 0);
        set_timeo(q[0], SO_RCVTIMEO, 100);
        t0 = now();
        ERRNO(recvmmsg(q[0], mm, 2, 0, NULL));
        waited("  recvmmsg of 2 with 1 queued, SO_RCVTIMEO 100 ms", t0, 100);
        send(q[1], "one", 3, 0);
        /* the timeout is looked at only after a datagram came: the wait
         * for the second is SO_RCVTIMEO's, long enough for a writer that
         * a loaded machine starts late (100 ms made the native run 1) */
        set_timeo(q[0], SO_RCVTIMEO, 5000);
        struct timespec t30 = {0, 30000000};
        struct later l = {q[1], 60};
        pthread_create(&t, NULL, write_later, &l);
        ERRNO(recvmmsg(q[0], mm, 2, 0, &t30));
        pthread_join(t, NULL);
        close(q[0]), close(q[1]);
    }

    SAY("== sendfile, sendfile64");
    off_t off = 0;
    off64_t off64 = 0;
    ERRNO(sendfile(BAD, file, &off, 4));
    ERRNO(sendfile(c, BAD, &off, 4));
    ERRNO(sendfile(c, s, &off, 4));
    ERRNO(sendfile(c, file, (off_t *)badp, 4));
    ERRNO(sendfile(c, file, &off, 0));
    ERRNO(sendfile(c, file, &off, 4));
    SAY("%-72s -> %ld", "  offset after", (long)off);
    ERRNO(sendfile64(c, file, &off64, 6));
    SAY("%-72s -> %ld", "  offset64 after", (long)off64);
    ERRNO(sendfile64(p[0], file, &off64, 6));
    ERRNO(sendfile(p[1], file, &off, 2));
    usleep(20000);
    ERRNO(recv(s, buf, sizeof buf, 0));
    ERRNO(read(p[0], buf, 2));

    SAY("== shutdown, close");
    ERRNO(shutdown(BAD, SHUT_RDWR));
    ERRNO(shutdown(p[0], SHUT_RDWR));
    ERRNO(shutdown(c, 7));
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ERRNO(shutdown(fd, SHUT_RDWR));
    ERRNO(close(fd));
    ERRNO(close(fd));
    ERRNO(close(-1));
    ERRNO(close(BAD));

    SAY("== setsockopt, getsockopt");
    struct timeval tv = {0, 250000}, badtv = {0, 2000000}, negtv = {-1, 0};
    socklen_t tl = sizeof tv;
    int one = 1;
    ERRNO(setsockopt(BAD, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    ERRNO(setsockopt(p[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    ERRNO(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, nullp, sizeof tv));
    ERRNO(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, 4));
    ERRNO(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &badtv, sizeof tv));
    ERRNO(setsockopt(c, 9999, SO_RCVTIMEO, &tv, sizeof tv));
    ERRNO(setsockopt(c, SOL_SOCKET, 9999, &one, sizeof one));
    ERRNO(setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    ERRNO(getsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, &tl));
    SAY("%-72s -> %ld.%06ld", "  SO_SNDTIMEO read back", (long)tv.tv_sec, (long)tv.tv_usec);
    ERRNO(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &negtv, sizeof negtv));
    ERRNO(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl));
    SAY("%-72s -> %ld.%06ld", "  SO_RCVTIMEO read back after a negative one", (long)tv.tv_sec,
        (long)tv.tv_usec);
    ERRNO(getsockopt(BAD, SOL_SOCKET, SO_ERROR, &one, &tl));
    ERRNO(getsockopt(p[0], SOL_SOCKET, SO_ERROR, &one, &tl));
    ERRNO(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, badp, &tl));
    ERRNO(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, (socklen_t *)nullp));
    tv = (struct timeval){0, 0};
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    SAY("== fcntl, fcntl64, ioctl(FIONBIO): the program's view of O_NONBLOCK");
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ERRNO(fcntl(BAD, F_GETFL));
    ERRNO(fcntl64(BAD, F_GETFL));
    ERRNO(fcntl(fd, 99999));
    ERRNO(fcntl(fd, F_SETFL, O_NONBLOCK));
    FLAGS("  F_GETFL after F_SETFL O_NONBLOCK", fd);
    ERRNO(fcntl(fd, F_SETFL, 0));
    FLAGS("  F_GETFL after F_SETFL 0", fd);
    SAY("%-72s -> %s", "  fcntl64 F_GETFL", fcntl64(fd, F_GETFL) & O_NONBLOCK ? "O_NONBLOCK" : "-");
    ERRNO(fcntl64(fd, F_SETFL, O_NONBLOCK));
    FLAGS("  F_GETFL after fcntl64 F_SETFL O_NONBLOCK", fd);
    ERRNO(ioctl(fd, FIONBIO, &(int){0}));
    FLAGS("  F_GETFL after FIONBIO 0", fd);
    ERRNO(ioctl(fd, FIONBIO, &(int){1}));
    FLAGS("  F_GETFL after FIONBIO 1", fd);
    ERRNO(ioctl(fd, FIONBIO, nullp));
    ERRNO(ioctl(BAD, FIONBIO, &(int){1}));
    ERRNO(ioctl(fd, FIONBIO, &(int){0}));
    ERRNO(ioctl(p[0], FIONBIO, &(int){1}));
    FLAGS("  F_GETFL of a pipe after FIONBIO 1", p[0]);
    ERRNO(read(p[0], buf, sizeof buf));
    ERRNO(ioctl(p[0], FIONBIO, &(int){0}));
    FLAGS("  F_GETFL of a pipe after FIONBIO 0", p[0]);
    ERRNO(fcntl(fd, F_DUPFD, -1));
    ERRNO(fcntl(fd, F_DUPFD, 1 << 30));
    NEWFD(fd2, fcntl(fd, F_DUPFD, 100));
    ERRNO(fcntl(fd2, F_SETFL, O_NONBLOCK));
    FLAGS("  F_GETFL of the original after O_NONBLOCK on its F_DUPFD copy", fd);
    ERRNO(connect(fd, (struct sockaddr *)&refused, sizeof refused));
    close(fd2);
    FLAGS("  F_GETFL of the original after closing the copy", fd);
    NEWFD(fd2, fcntl64(fd, F_DUPFD_CLOEXEC, 0));
    ERRNO(fcntl(fd2, F_GETFD));
    ERRNO(fcntl(fd2, F_SETFL, 0));
    FLAGS("  F_GETFL of the original after clearing O_NONBLOCK on a copy", fd);
    ERRNO(ioctl(fd, FIONREAD, &one));
    close(fd), close(fd2);
    ERRNO(ioctl(c, FIONREAD, &one));
    SAY("%-72s -> %d", "  FIONREAD", one);
    ERRNO(ioctl(c, TCGETS, buf));

    SAY("== dup, dup2, dup3");
    ERRNO(dup(BAD));
    ERRNO(dup(-1));
    ERRNO(dup2(BAD, 800));
    ERRNO(dup2(c, -1));
    ERRNO(dup2(c, 1 << 30));
    ERRNO(dup2(BAD, BAD));
    ERRNO(dup2(c, c) == c);
    ERRNO(dup3(c, c, 0));
    ERRNO(dup3(c, 800, 0x4));
    ERRNO(dup3(BAD, 800, 0));
    ERRNO(dup3(c, 800, O_CLOEXEC));
    ERRNO(fcntl(800, F_GETFD));
    close(800);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    NEWFD(fd2, dup(fd));
    FLAGS("  F_GETFL of dup of a SOCK_NONBLOCK socket", fd2);
    ERRNO(fcntl(fd2, F_SETFL, 0));
    FLAGS("  F_GETFL of the original after clearing O_NONBLOCK on its dup", fd);
    ERRNO(dup2(p[0], fd2) >= 0);
    FLAGS("  F_GETFL of a socket's fd after dup2 of a pipe over it", fd2);
    ERRNO(dup2(fd, fd2) >= 0);
    ERRNO(fcntl(fd2, F_SETFL, O_NONBLOCK));
    FLAGS("  F_GETFL of the original after O_NONBLOCK on its dup2 copy", fd);
    ERRNO(dup3(p[1], fd2, 0) >= 0);
    FLAGS("  F_GETFL after dup3 of a pipe's write end", fd2);
    ERRNO(write(fd2, "dup3", 4));
    ERRNO(read(p[0], buf, 4));
    close(fd), close(fd2);
    set_timeo(c, SO_RCVTIMEO, 100);
    NEWFD(fd2, dup(c));
    t0 = now();
    ERRNO(read(fd2, buf, sizeof buf));
    waited("  read on a dup of a socket with SO_RCVTIMEO 100 ms", t0, 100);
    set_timeo(fd2, SO_RCVTIMEO, 0);
    close(fd2);
    fd2 = dup(c);
    fcntl(fd2, F_SETFL, O_NONBLOCK);
    ERRNO(read(c, buf, sizeof buf));
    fcntl(fd2, F_SETFL, 0);
    close(fd2);

    SAY("== pipe, pipe2, fdopen");
    int q[2];
    ERRNO(pipe((int *)nullp));
    ERRNO(pipe((int *)badp));
    ERRNO(pipe2((int *)nullp, 0));
    ERRNO(pipe2(q, 0x1));
    ERRNO(pipe2(q, O_NONBLOCK | 0x1000));
    ERRNO(pipe2(q, O_NONBLOCK | O_CLOEXEC));
    FLAGS("  F_GETFL of pipe2(O_NONBLOCK) read end", q[0]);
    ERRNO(read(q[0], buf, sizeof buf));
    close(q[0]), close(q[1]);
    ERRNO(pipe2(q, O_DIRECT));
    FLAGS("  F_GETFL of pipe2(O_DIRECT) write end", q[1]);
    ERRNO(write(q[1], "packet", 6));
    ERRNO(read(q[0], buf, 3));
    close(q[0]), close(q[1]);
    ERRNO(pipe(q));
    FLAGS("  F_GETFL of pipe() read end", q[0]);
    FLAGS("  F_GETFL of pipe() write end", q[1]);
    ERRNO(fdopen(BAD, "r") ? 0 : -1);
    ERRNO(fdopen(q[0], "w") ? 0 : -1);
    ERRNO(fdopen(q[0], "qq") ? 0 : -1);
    FILE *fw = fdopen(q[1], "w");
    FLAGS("  F_GETFL of a pipe end after fdopen", q[1]);
    fprintf(fw, "through stdio\n");
    fclose(fw);
    ERRNO(read(q[0], buf, sizeof buf));
    ERRNO(read(q[0], buf, sizeof buf));
    close(q[0]);

    SAY("== poll, ppoll (and __poll_chk, __ppoll_chk)");
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    struct pollfd pf[3] = {{-1, POLLIN, 0}, {BAD, POLLIN, 0}, {p[1], POLLOUT, 0}};
    struct pollfd *volatile pfv = pf; /* size unknown: the plain form */
    ERRNO(poll(pf, 3, 100));
    SAY("%-72s -> %#x %#x %#x", "  revents (negative fd, closed fd, pipe write end)", pf[0].revents,
        pf[1].revents, pf[2].revents);
    vn = 3;
    ERRNO(poll(pf, vn, 100));
    ERRNO(poll(pfv, rl.rlim_cur + 1, 100));
    ERRNO(poll((struct pollfd *)nullp, 1, 100));
    ERRNO(poll((struct pollfd *)badp, 1, 100));
    t0 = now();
    ERRNO(poll(NULL, 0, 100));
    waited("  poll(NULL, 0, 100)", t0, 100);
    pf[0] = (struct pollfd){-5, POLLIN, 0};
    pf[1] = (struct pollfd){p[0], POLLIN, 0};
    t0 = now();
    ERRNO(poll(pf, 2, 100));
    waited("  poll on a negative fd and an empty pipe, 100 ms", t0, 100);
    t0 = now();
    vn = 2;
    ERRNO(poll(pf, vn, 100));
    waited("  __poll_chk, the same", t0, 100);
    {
        struct later l = {p[1], 50};
        pthread_t t;
        pthread_create(&t, NULL, write_later, &l);
        ERRNO(poll(pf, 2, -7));
        SAY("%-72s -> %#x", "  revents of the pipe written after 50 ms (timeout -7)",
            pf[1].revents);
        pthread_join(t, NULL);
        drain1(p[0]);
    }
    int w2[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, w2);
    shutdown(w2[1], SHUT_WR);
    pf[0] = (struct pollfd){w2[0], POLLIN | POLLRDHUP, 0};
    ERRNO(poll(pf, 1, 1000));
    SAY("%-72s -> %#x", "  revents of a socket whose peer shut down writing", pf[0].revents);
    close(w2[1]);
    ERRNO(poll(pf, 1, 1000));
    SAY("%-72s -> %#x", "  revents after the peer closed", pf[0].revents);
    close(w2[0]);
    struct timespec t100 = {0, 100000000}, badns = {0, 1000000000}, negs = {-1, 0};
    sigset_t ss;
    sigemptyset(&ss);
    pf[0] = (struct pollfd){p[0], POLLIN, 0};
    ERRNO(ppoll(pf, 1, &badns, NULL));
    ERRNO(ppoll(pf, 1, &negs, NULL));
    ERRNO(ppoll(pf, 1, &t100, (sigset_t *)badp));
    ERRNO(ppoll(pfv, rl.rlim_cur + 1, &t100, NULL));
    ERRNO(ppoll((struct pollfd *)nullp, 1, &t100, NULL));
    t0 = now();
    ERRNO(ppoll(pf, 1, &t100, &ss));
    waited("  ppoll on an empty pipe, 100 ms", t0, 100);
    t0 = now();
    vn = 1;
    ERRNO(ppoll(pf, vn, &t100, NULL));
    waited("  __ppoll_chk, the same", t0, 100);
    ERRNO(ppoll(pf, vn, &(struct timespec){0, 0}, NULL));
    pf[0] = (struct pollfd){BAD, POLLIN, 0};
    ERRNO(ppoll(pf, 1, NULL, NULL));
    SAY("%-72s -> %#x", "  revents of a closed fd", pf[0].revents);

    SAY("== select, pselect");
    fd_set rs, ws;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    struct timeval tv100 = {0, 100000}, negus = {0, -1}, negsec = {-1, 0};
    ERRNO(select(-1, &rs, NULL, NULL, &tv100));
    ERRNO(select(p[0] + 1, &rs, NULL, NULL, &negus));
    ERRNO(select(p[0] + 1, &rs, NULL, NULL, &negsec));
    ERRNO(select(p[0] + 1, (fd_set *)badp, NULL, NULL, &tv100));
    FD_ZERO(&rs);
    FD_SET(BAD, &rs);
    ERRNO(select(BAD + 1, &rs, NULL, NULL, &tv100));
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    t0 = now();
    tv100 = (struct timeval){0, 100000};
    ERRNO(select(p[0] + 1, &rs, NULL, NULL, &tv100));
    waited("  select on an empty pipe, 100 ms", t0, 100);
    SAY("%-72s -> %ld.%06ld %d", "  timeout and set after", (long)tv100.tv_sec, (long)tv100.tv_usec,
        FD_ISSET(p[0], &rs));
    t0 = now();
    tv100 = (struct timeval){0, 100000};
    ERRNO(select(0, NULL, NULL, NULL, &tv100));
    waited("  select(0, NULL, NULL, NULL, 100 ms)", t0, 100);
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_SET(p[0], &rs);
    FD_SET(p[1], &ws);
    tv100 = (struct timeval){0, 1500000}; /* normalised to 1.5 s by glibc */
    ERRNO(select(p[1] + 1, &rs, &ws, NULL, &tv100));
    SAY("%-72s -> %d %d", "  read set, write set", FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws));
    {
        /* past FD_SETSIZE: raw bit arrays */
        unsigned long big[2048 / (8 * sizeof(unsigned long))] = {0};
        int hi = 1500;
        dup2(p[1], hi);
        big[hi / (8 * sizeof(unsigned long))] |= 1UL << (hi % (8 * sizeof(unsigned long)));
        ERRNO(select(hi + 1, NULL, (fd_set *)big, NULL, &(struct timeval){1, 0}));
        close(hi);
    }
    {
        struct later l = {p[1], 50};
        pthread_t t;
        pthread_create(&t, NULL, write_later, &l);
        FD_ZERO(&rs);
        FD_SET(p[0], &rs);
        ERRNO(select(p[0] + 1, &rs, NULL, NULL, NULL));
        pthread_join(t, NULL);
        drain1(p[0]);
    }
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    ERRNO(pselect(p[0] + 1, &rs, NULL, NULL, &badns, NULL));
    ERRNO(pselect(p[0] + 1, &rs, NULL, NULL, &negs, NULL));
    ERRNO(pselect(-1, &rs, NULL, NULL, &t100, NULL));
    ERRNO(pselect(p[0] + 1, &rs, NULL, NULL, &t100, (sigset_t *)badp));
    t0 = now();
    ERRNO(pselect(p[0] + 1, &rs, NULL, NULL, &t100, &ss));
    waited("  pselect on an empty pipe, 100 ms", t0, 100);
    FD_ZERO(&rs);
    FD_SET(BAD, &rs);
    ERRNO(pselect(BAD + 1, &rs, NULL, NULL, &t100, NULL));

    SAY("== epoll_wait, epoll_pwait");
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42}, evs[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    ERRNO(epoll_wait(ep, evs, 0, 100));
    ERRNO(epoll_wait(ep, evs, neg1, 100));
    ERRNO(epoll_wait(BAD, evs, 4, 100));
    ERRNO(epoll_wait(p[0], evs, 4, 100));
    ERRNO(epoll_wait(ep, (struct epoll_event *)-1L, 4, 100));
    ERRNO(epoll_pwait(ep, evs, 4, 100, (sigset_t *)badp));
    ERRNO(epoll_pwait(BAD, evs, 4, 100, &ss));
    t0 = now();
    ERRNO(epoll_wait(ep, evs, 4, 100));
    waited("  epoll_wait on an empty pipe, 100 ms", t0, 100);
    t0 = now();
    ERRNO(epoll_pwait(ep, evs, 4, 100, &ss));
    waited("  epoll_pwait on an empty pipe, 100 ms", t0, 100);
    {
        struct later l = {p[1], 50};
        pthread_t t;
        pthread_create(&t, NULL, write_later, &l);
        ERRNO(epoll_wait(ep, evs, 4, -3));
        SAY("%-72s -> %#x %u", "  events, data", evs[0].events, evs[0].data.u32);
        pthread_join(t, NULL);
    }
    ERRNO(epoll_pwait(ep, evs, 4, 0, NULL));
    ERRNO(epoll_wait(ep, (struct epoll_event *)badp, 4, 100));
    drain1(p[0]);
    close(ep);

    SAY("== done");
    return 0;
}
