/* The practical limit for make bench: a hand-written single-threaded libev
 * echo server, the way one writes it when every syscall counts. One ev_io
 * per connection, kept started for reading; read what is there, write it
 * straight back, and only when the socket will not take it all watch for
 * writability until the rest is gone.
 *   libev_echo PORT [MAXCONN]   same interface as test/legacy/echo_server:
 *   prints "listening on PORT"; exits after MAXCONN connections closed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
    ev_io io;
    size_t off, len; /* pending output: buf[off, len) */
    char buf[4096];
};

static long maxconn, closed;

static void conn_close(struct ev_loop *loop, struct conn *c)
{
    ev_io_stop(loop, &c->io);
    close(c->io.fd);
    free(c);
    if (maxconn && ++closed >= maxconn) exit(0);
}

/* Writes the pending output; 1 when all of it went, 0 when the socket is
 * full, -1 on error. */
static int flush(struct conn *c)
{
    while (c->off < c->len) {
        ssize_t w = write(c->io.fd, c->buf + c->off, c->len - c->off);
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        c->off += (size_t)w;
    }
    c->off = c->len = 0;
    return 1;
}

static void on_conn(struct ev_loop *loop, ev_io *w, int revents)
{
    struct conn *c = (struct conn *)w;
    int r;
    if (revents & EV_WRITE) { /* only while output is pending */
        if ((r = flush(c)) < 0) return conn_close(loop, c);
        if (r == 0) return;
        ev_io_stop(loop, w);
        ev_io_set(w, w->fd, EV_READ);
        ev_io_start(loop, w);
        return;
    }
    ssize_t n = read(w->fd, c->buf, sizeof c->buf);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return conn_close(loop, c);
    if (n < 0) return;
    c->off = 0;
    c->len = (size_t)n;
    if ((r = flush(c)) < 0) return conn_close(loop, c);
    if (r == 0) { /* stop reading until the peer has taken what it sent */
        ev_io_stop(loop, w);
        ev_io_set(w, w->fd, EV_WRITE);
        ev_io_start(loop, w);
    }
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    for (;;) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR) perror("accept");
            return;
        }
        struct conn *c = malloc(sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->off = c->len = 0;
        ev_io_init(&c->io, on_conn, fd, EV_READ);
        ev_io_start(loop, &c->io);
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    maxconn = argc > 2 ? atol(argv[2]) : 0;
    if (maxconn) alarm(300);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) {
        perror("bind/listen");
        return 1;
    }
    socklen_t l = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &l);
    printf("listening on %d\n", ntohs(a.sin_port));
    fflush(stdout);
    struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
    ev_io acc;
    ev_io_init(&acc, on_accept, ls, EV_READ);
    ev_io_start(loop, &acc);
    ev_run(loop, 0);
    return 0;
}
