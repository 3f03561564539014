/* The bundled load client: N connections x R round trips of 64 bytes,
 * closed loop, every byte checked. Single-threaded epoll, so it needs no
 * thread per connection and runs the same natively or not.
 *   echo_client PORT N R    prints "ok N conns R rounds MSGS msgs/s" */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64

struct conn {
    int fd, round, got, sent;
    int out_armed; /* EPOLLOUT is in the interest set */
    unsigned char out[MSG], in[MSG];
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void fill(struct conn *c, int idx)
{
    for (int i = 0; i < MSG; i++) c->out[i] = (unsigned char)(idx * 31 + c->round * 7 + i);
    c->sent = c->got = 0;
}

/* Writes what is left of c's message; when the socket does not take it all,
 * waits for EPOLLOUT too until it does. 0, or -1 on error. */
static int send_rest(int ep, struct conn *c, int i)
{
    ssize_t w = write(c->fd, c->out + c->sent, (size_t)(MSG - c->sent));
    if (w < 0 && errno != EAGAIN) {
        fprintf(stderr, "conn %d: write: %s\n", i, strerror(errno));
        return -1;
    }
    if (w > 0) c->sent += (int)w;
    int want_out = c->sent < MSG;
    if (want_out != c->out_armed) {
        struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0),
                                 .data.u32 = (unsigned)i};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->out_armed = want_out;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: echo_client PORT N R\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]), rounds = atoi(argv[3]);
    struct conn *cs = calloc((size_t)n, sizeof *cs);
    int ep = epoll_create1(0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* connect them all first, so the server really holds n at once */
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
            return 1;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(fd, F_SETFL, O_NONBLOCK);
        cs[i].fd = fd;
        fill(&cs[i], i);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    /* Each connection sends its message as soon as the previous answer is
     * checked; only a message the socket did not take whole waits for
     * EPOLLOUT. The client costs the same per message as the fastest
     * server (one read, one write), so it is not what is measured. */
    double t0 = now();
    long msgs = 0;
    int live = n;
    for (int i = 0; i < n; i++)
        if (send_rest(ep, &cs[i], i) < 0) return 1;
    struct epoll_event evs[256];
    while (live > 0) {
        /* No answer at all for a minute is a stall; the callers' own
         * timeouts bound the run (a loaded machine or a sanitizer build
         * can pause the server for seconds while it starts 19,000 threads). */
        int k = epoll_wait(ep, evs, 256, 60000);
        if (k <= 0) {
            fprintf(stderr, "stalled: %d connections unfinished\n", live);
            return 1;
        }
        for (int j = 0; j < k; j++) {
            int i = (int)evs[j].data.u32;
            struct conn *c = &cs[i];
            if (c->fd < 0) continue;
            if (c->sent < MSG) {
                if (evs[j].events & EPOLLOUT && send_rest(ep, c, i) < 0) return 1;
                if (!(evs[j].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            }
            ssize_t r = read(c->fd, c->in + c->got, (size_t)(MSG - c->got));
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                fprintf(stderr, "conn %d: early EOF or error\n", i);
                return 1;
            }
            if (r < 0) continue;
            c->got += (int)r;
            if (c->got < MSG) continue;
            if (c->sent < MSG || memcmp(c->in, c->out, MSG) != 0) {
                fprintf(stderr, "conn %d round %d: wrong bytes\n", i, c->round);
                return 1;
            }
            msgs++;
            if (++c->round == rounds) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                live--;
                continue;
            }
            fill(c, i);
            if (send_rest(ep, c, i) < 0) return 1;
        }
    }
    double dt = now() - t0;
    printf("ok %d conns %d rounds %ld msgs %.0f msgs/s\n", n, rounds, msgs, msgs / dt);
    return 0;
}
