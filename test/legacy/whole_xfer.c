/* Whole transfers (issue 13 item 7): what a blocking call on a stream
 * moves when the other end is slow, stops, or a signal or timeout comes in
 * the middle. Every byte is checked (a pattern the reader verifies), so a
 * part sent twice or skipped shows. One line per case; the same natively
 * and under the shim. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#define BIG   300000
#define NVEC  12 /* more than a small on-stack copy holds */
#define SMALL 4096

static unsigned char out[BIG], in[BIG];
static volatile sig_atomic_t alarms;

static unsigned char pat(long i)
{
    return (unsigned char)(i * 7 % 251);
}

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void alarm_in(int ms)
{
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void handler(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
}

/* NVEC pieces of unequal lengths covering buf[0..n), one of them empty. */
static void split(struct iovec *v, unsigned char *buf, long n)
{
    long at = 0;
    for (int i = 0; i < NVEC; i++) {
        long len = i == 3 ? 0 : i == NVEC - 1 ? n - at : (n / NVEC) + (i % 3) * 1000 - 1000;
        if (len < 0 || at + len > n) len = 0;
        v[i].iov_base = buf + at;
        v[i].iov_len = (size_t)len;
        at += len;
    }
}

/* a thread reading fd in small bites, with pauses, checking every byte,
 * until EOF or want bytes */
struct sink {
    int fd, delay_ms;
    long want, got, bad;
};
static void *sink_run(void *arg)
{
    struct sink *k = arg;
    unsigned char b[5000];
    usleep((useconds_t)k->delay_ms * 1000);
    while (k->got < k->want) {
        ssize_t r = read(k->fd, b, sizeof b);
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; i++)
            if (b[i] != pat(k->got + i)) k->bad++;
        k->got += r;
        if (k->got % 7 == 0) usleep(500);
    }
    return NULL;
}

/* a thread writing n bytes of the pattern in pieces, pausing between,
 * then shutting its end for writing if eof */
struct source {
    int fd;
    long n, piece;
    int eof;
};
static void *source_run(void *arg)
{
    struct source *o = arg;
    for (long done = 0; done < o->n;) {
        long k = o->n - done < o->piece ? o->n - done : o->piece;
        ssize_t w = write(o->fd, out + done, (size_t)k);
        if (w <= 0) break;
        done += w;
        usleep(2000);
    }
    if (o->eof) shutdown(o->fd, SHUT_WR);
    return NULL;
}

static void say(const char *what, long r, int e, long got, long bad)
{
    if (r < 0)
        printf("%-58s -1 %s\n", what, strerror(e));
    else if (got >= 0)
        printf("%-58s %ld, reader got %ld, %s\n", what, r, got,
               bad ? "BAD BYTES" : "every byte right");
    else
        printf("%-58s %ld\n", what, r);
}

/* a partial count, as one line: it depends on buffer sizes */
static void say_partial(const char *what, long r, long n, int e, int errno_kept)
{
    if (r < 0)
        printf("%-58s -1 %s\n", what, strerror(e));
    else
        printf("%-58s %s, errno %s, handler ran %d\n", what,
               r == 0  ? "0"
               : r < n ? "part of it"
                       : "all of it",
               errno_kept ? "kept" : "changed", (int)alarms);
    alarms = 0;
}

enum { W_WRITE, W_WRITEV, W_SEND, W_SENDTO, W_SENDMSG, W_SENDFILE };
static const char *wname[] = {"write", "writev", "send", "sendto", "sendmsg", "sendfile"};

static long do_write(int how, int fd, int file)
{
    struct iovec v[NVEC];
    struct msghdr m = {.msg_iov = v, .msg_iovlen = NVEC};
    split(v, out, BIG);
    switch (how) {
    case W_WRITE:
        return write(fd, out, BIG);
    case W_WRITEV:
        return writev(fd, v, NVEC);
    case W_SEND:
        return send(fd, out, BIG, 0);
    case W_SENDTO:
        return sendto(fd, out, BIG, 0, NULL, 0);
    case W_SENDMSG:
        return sendmsg(fd, &m, 0);
    default: {
        off_t off = 0;
        long r = sendfile(fd, file, &off, BIG);
        if (r >= 0 && off != r) printf("sendfile: offset %ld after %ld bytes\n", (long)off, r);
        return r;
    }
    }
}

/* every write-like call, to a pipe and to an AF_UNIX stream socket, whose
 * reader is slow: all of it arrives, once, in order */
static void writes(int file)
{
    for (int sock = 0; sock < 2; sock++)
        for (int how = 0; how <= W_SENDFILE; how++) {
            if (!sock && how != W_WRITE && how != W_WRITEV && how != W_SENDFILE) continue;
            int q[2];
            if (sock ? socketpair(AF_UNIX, SOCK_STREAM, 0, q) : pipe(q)) perror("pair"), exit(1);
            struct sink k = {q[sock ? 1 : 0], 20, BIG, 0, 0};
            pthread_t t;
            pthread_create(&t, NULL, sink_run, &k);
            long r = do_write(how, q[sock ? 0 : 1], file);
            int e = errno;
            if (sock)
                shutdown(q[0], SHUT_WR);
            else
                close(q[1]);
            pthread_join(t, NULL);
            char what[80];
            snprintf(what, sizeof what, "%s of %d bytes to a %s with a slow reader", wname[how],
                     BIG, sock ? "socket" : "pipe");
            say(what, r, e, k.got, k.bad);
            close(q[0]);
            if (sock) close(q[1]);
        }
}

/* q[0] and q[1]: the two ends of a TCP connection on loopback */
static void tcp_pair(int q[2])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &al))
        perror("listen"), exit(1);
    q[1] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(q[1], (struct sockaddr *)&a, al)) perror("connect"), exit(1);
    q[0] = accept(l, NULL, NULL);
    close(l);
}

/* One receive (recvmsg over NVEC pieces if msg, else recv) of want bytes
 * with flags on q[0] while a thread writes sent bytes to q[1] in pieces
 * (then shuts its end if eof); *bad counts the wrong bytes of it. */
static long receive(int q[2], long want, long sent, int eof, int msg, int flags, int *e, long *bad)
{
    struct source o = {q[1], sent, 7000, eof};
    pthread_t t;
    pthread_create(&t, NULL, source_run, &o);
    memset(in, 0, sizeof in);
    struct iovec v[NVEC];
    struct msghdr m = {.msg_iov = v, .msg_iovlen = NVEC};
    split(v, in, want);
    long r = msg ? recvmsg(q[0], &m, flags) : recv(q[0], in, (size_t)want, flags);
    *e = errno;
    pthread_join(t, NULL);
    for (long i = 0; i < r; i++)
        if (in[i] != pat(i)) ++*bad;
    return r;
}

/* recv and recvmsg with MSG_WAITALL while the writer sends in pieces: all
 * of it; then the writer stops early and shuts its end: what came */
static void waitall(void)
{
    char what[80];
    int e;
    for (int eof = 0; eof < 2; eof++)
        for (int msg = 0; msg < 2; msg++) {
            int q[2];
            long bad = 0;
            socketpair(AF_UNIX, SOCK_STREAM, 0, q);
            long r = receive(q, 120000, eof ? 50000 : 120000, eof, msg, MSG_WAITALL, &e, &bad);
            snprintf(what, sizeof what, "%s MSG_WAITALL of 120000, %s", msg ? "recvmsg" : "recv",
                     eof ? "the writer stops at 50000" : "written in pieces");
            say(what, r, e, r, bad);
            close(q[0]), close(q[1]);
        }
    /* MSG_PEEK with MSG_WAITALL: TCP waits until all of it is there (or
     * what came before the writer stopped), AF_UNIX returns what is queued;
     * either way it is still there for the next read */
    for (int tcp = 0; tcp < 2; tcp++)
        for (int eof = 0; eof < 2; eof++)
            for (int msg = 0; msg < 2; msg++) {
                int q[2];
                long bad = 0, sent = eof ? 20000 : 50000;
                if (tcp)
                    tcp_pair(q);
                else
                    socketpair(AF_UNIX, SOCK_STREAM, 0, q);
                long r = receive(q, 50000, sent, eof, msg, MSG_PEEK | MSG_WAITALL, &e, &bad);
                memset(in, 0, sizeof in);
                long again = recv(q[0], in, 50000, MSG_WAITALL);
                for (long i = 0; i < again; i++)
                    if (in[i] != pat(i)) bad++;
                snprintf(what, sizeof what, "%s %s PEEK|WAITALL of 50000, %s, then recv",
                         tcp ? "TCP" : "AF_UNIX", msg ? "recvmsg" : "recv",
                         eof ? "writer stops at 20000" : "in pieces");
                if (tcp || r < 0) /* AF_UNIX: what was queued, as it came */
                    say(what, r, e, again, bad);
                else
                    printf("%-58s %s, reader got %ld, %s\n", what,
                           r < sent ? "part of it" : "all of it", again,
                           bad ? "BAD BYTES" : "every byte right");
                close(q[0]), close(q[1]);
            }
    /* a datagram socket: the kernel ignores MSG_WAITALL, one datagram */
    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    send(d[1], "hello", 5, 0);
    send(d[1], "world", 5, 0);
    char b[100];
    long r = recv(d[0], b, sizeof b, MSG_WAITALL);
    say("recv MSG_WAITALL of 100 on a datagram socket (two of 5)", r, errno, -1, 0);
    close(d[0]), close(d[1]);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    bind(u, (struct sockaddr *)&a, sizeof a);
    getsockname(u, (struct sockaddr *)&a, &al);
    sendto(u, "hello", 5, 0, (struct sockaddr *)&a, al);
    sendto(u, "world", 5, 0, (struct sockaddr *)&a, al);
    struct iovec v = {b, sizeof b};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
    r = recvmsg(u, &m, MSG_WAITALL);
    say("recvmsg MSG_WAITALL of 100 on UDP (two of 5)", r, errno, -1, 0);
    close(u);
}

/* nobody reads: the send buffer fills and the call stops part way. Its
 * count is the result, errno left as it was. */
static void stopped(void)
{
    static const char *why[] = {"SO_SNDTIMEO 200 ms", "a signal (no SA_RESTART)", "O_NONBLOCK"};
    for (int c = 0; c < 3; c++)
        for (int how = 0; how <= W_SENDMSG; how++) {
            if (how == W_SENDTO) continue;
            int q[2];
            socketpair(AF_UNIX, SOCK_STREAM, 0, q);
            if (c == 0) {
                struct timeval tv = {0, 200000};
                setsockopt(q[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            } else if (c == 1) {
                handler(0);
                alarm_in(150);
            } else {
                fcntl(q[0], F_SETFL, O_NONBLOCK);
            }
            errno = 1234;
            long r = do_write(how, q[0], -1);
            int e = errno;
            char what[80];
            snprintf(what, sizeof what, "%s of %d, nobody reads, %s", wname[how], BIG, why[c]);
            say_partial(what, r, BIG, e, e == 1234);
            if (c == 2) {
                r = send(q[0], "x", 1, 0);
                say("  then send of 1", r, errno, -1, 0);
            }
            close(q[0]), close(q[1]);
        }
}

/* SA_RESTART and a send that moved part of its bytes when the signal came:
 * the kernel returns the count (a restart is only for a call that moved
 * nothing); the reader starts 600 ms later and reads it all. */
static void restart_case(void)
{
    handler(SA_RESTART);
    int q[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, q);
    struct sink k = {q[1], 600, BIG, 0, 0};
    pthread_t t;
    pthread_create(&t, NULL, sink_run, &k);
    alarm_in(150);
    errno = 1234;
    long r = send(q[0], out, BIG, 0);
    int e = errno;
    shutdown(q[0], SHUT_WR);
    pthread_join(t, NULL);
    say_partial("send of 300000, a signal with SA_RESTART, reader late", r, BIG, e, e == 1234);
    close(q[0]), close(q[1]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    for (long i = 0; i < BIG; i++) out[i] = pat(i);
    char path[] = "/tmp/whole_xfer.XXXXXX";
    int file = mkstemp(path);
    if (file < 0 || write(file, out, BIG) != BIG) perror("tmp"), exit(1);
    unlink(path);
    writes(file);
    waitall();
    stopped();
    restart_case();
    close(file);
    printf("== done\n");
    return 0;
}
