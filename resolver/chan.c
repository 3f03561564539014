/* The c-ares channel of each hub and the greenlet that drives it.
 *
 * A lookup sends its queries from the calling greenlet and parks. While any
 * query is in flight a driver greenlet waits on the channel's sockets and
 * on c-ares' next timeout with the hub's own primitives (hub_wait_fds with
 * a deadline), feeds what is ready to ares_process_fd, and leaves once
 * nothing is pending, so an idle program has no resolver greenlet at all.
 * c-ares is given raw system calls for its sockets: it never re-enters the
 * interposed socket functions, and every call into it runs in a no-wait
 * section for whatever else it may call.
 *
 * Attempts are ours, timeouts c-ares': each attempt is one round over the
 * servers with the configured timeout per server (c-ares "tries" = 1), and
 * a query that timed out, was refused or got SERVFAIL/NOTIMP/REFUSED from
 * every server is sent again until the attempts of resolv.conf are used,
 * as glibc's res_send does. c-ares alone would double the timeout on each
 * round. */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rsv_int.h"

#define DRIVER_STACK (256 * 1024)
#define RESCAN       ECANCELED /* the driver's wake code: sockets or timeout changed */

struct sockw {
    int fd, events;
};

struct rsv_chan {
    ares_channel ch;
    struct rsv_conf *conf; /* what the channel was built from */
    gl_t *driver;          /* while queries are pending */
    int driver_parked;
    int pending; /* ares_send calls whose callback has not run */
    int destroying;
    unsigned seq;
    struct sockw *socks;
    int nsocks, capsocks;
    struct rsv_chan *next; /* the hub's other channels */
};

/* A hub's channels, one per configuration in use: the system's, and the
 * one a program's own res_state makes (resq.c). */
static __thread struct rsv_chan *tls_chans;

/* One query in flight. */
struct waiter {
    gl_t *gl;
    int left; /* queries without an outcome yet */
};
struct req {
    struct rsv_chan *c;
    struct waiter *w;
    struct rsv_reply *out;
    unsigned char *q; /* ares_free_string'd, or free'd when raw */
    int qlen, raw;
    int attempts_left;
};

/* ---- sockets: raw system calls -------------------------------------------- */

/* The sockets are the shim's own, like the hub's descriptors (hub/privfd.c):
 * made at a high close-on-exec number, out of the way of a program that
 * closes 0-2 and opens again, and moved elsewhere when the program closes
 * or dup2s onto that number. c-ares keeps the number it was given; every
 * call on it goes through here and finds where the socket is now. */
static ares_socket_t s_socket(int af, int type, int proto, void *d)
{
    (void)d;
    int fd = (int)gp_syscall(SYS_socket, af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd >= 0 && type == SOCK_DGRAM) {
        int sz = 1 << 20; /* a burst of answers to hundreds of lookups */
        gp_syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    } else if (fd >= 0 && type == SOCK_STREAM) {
        int one = 1;
        gp_syscall(SYS_setsockopt, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return hub_priv_adopt(fd);
}

static int s_close(ares_socket_t fd, void *d)
{
    (void)d;
    int cur = hub_priv_xlate(fd);
    hub_priv_forget(fd);
    hub_fd_closed(cur); /* the driver may be parked on it */
    return (int)gp_syscall(SYS_close, cur);
}

static int s_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *d)
{
    (void)d;
    return (int)gp_syscall(SYS_connect, hub_priv_xlate(fd), sa, len);
}

static ares_ssize_t s_recvfrom(ares_socket_t fd, void *buf, size_t n, int flags,
                               struct sockaddr *from, ares_socklen_t *fromlen, void *d)
{
    (void)d;
    return gp_syscall(SYS_recvfrom, hub_priv_xlate(fd), buf, n, flags, from, fromlen);
}

static ares_ssize_t s_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *d)
{
    (void)d;
    return gp_syscall(SYS_writev, hub_priv_xlate(fd), iov, n);
}

static const struct ares_socket_functions sockfuncs = {s_socket, s_close, s_connect, s_recvfrom,
                                                       s_sendv};

/* ---- the driver ------------------------------------------------------------ */

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct rsv_chan *c = data;
    int ev = (readable ? HUB_IN : 0) | (writable ? HUB_OUT : 0), i;
    for (i = 0; i < c->nsocks && c->socks[i].fd != fd; i++) {
    }
    if (!ev) {
        if (i < c->nsocks) c->socks[i] = c->socks[--c->nsocks];
    } else if (i < c->nsocks) {
        c->socks[i].events = ev;
    } else {
        if (c->nsocks == c->capsocks) {
            int cap = c->capsocks ? c->capsocks * 2 : 8;
            struct sockw *s = realloc(c->socks, (size_t)cap * sizeof *s);
            if (!s) return; /* the query times out instead */
            c->socks = s;
            c->capsocks = cap;
        }
        c->socks[c->nsocks++] = (struct sockw){fd, ev};
    }
    if (c->driver_parked) gl_unpark(c->driver, RESCAN);
}

/* Waits for the channel once and lets c-ares process what happened. */
static void drive_once(struct rsv_chan *c)
{
    struct hub_pollfd stackset[8], *set = stackset;
    ares_socket_t stackfd[8], *fds = stackfd; /* c-ares' numbers */
    int n = c->nsocks;
    if (n > 8) {
        set = malloc((size_t)n * sizeof *set);
        fds = malloc((size_t)n * sizeof *fds);
        if (!set || !fds) {
            free(set);
            free(fds);
            set = stackset, fds = stackfd;
            n = 8;
        }
    }
    /* waited for where each socket is now (hub_priv_xlate) */
    for (int i = 0; i < n; i++) {
        fds[i] = c->socks[i].fd;
        set[i] = (struct hub_pollfd){hub_priv_xlate(fds[i]), c->socks[i].events, 0};
    }
    struct timeval tv, *tvp;
    RSV_NOWAIT_BEGIN();
    tvp = ares_timeout(c->ch, NULL, &tv);
    RSV_NOWAIT_END();
    hub_deadline dl =
        tvp ? hub_after_ns((int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000) : hub_never();
    c->driver_parked = 1;
    int r;
    if (n) {
        r = hub_wait_fds(set, n, dl);
    } else {
        r = hub_park_as(HUB_W_SLEEP, 0, dl);
    }
    c->driver_parked = 0;
    RSV_NOWAIT_BEGIN();
    if (r == 0 && n) {
        for (int i = 0; i < n; i++)
            if (set[i].revents)
                ares_process_fd(c->ch, set[i].revents & HUB_IN ? fds[i] : ARES_SOCKET_BAD,
                                set[i].revents & HUB_OUT ? fds[i] : ARES_SOCKET_BAD);
    } else if (r != RESCAN) {
        ares_process_fd(c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
    }
    RSV_NOWAIT_END();
    if (set != stackset) {
        free(set);
        free(fds);
    }
}

static void driver_main(void *arg)
{
    struct rsv_chan *c = arg;
    while (c->pending > 0) drive_once(c);
    c->driver = NULL;
}

/* Makes sure someone watches the channel now that a query went out: wakes
 * the driver to look again, or starts one. */
static void kick(struct rsv_chan *c)
{
    if (c->driver) {
        if (c->driver_parked) gl_unpark(c->driver, RESCAN);
        return;
    }
    int err;
    gl_t *g = gl_spawn(DRIVER_STACK, driver_main, c, &err);
    if (g) {
        snprintf(g->name, sizeof g->name, "resolver");
        c->driver = g;
    }
}

/* ---- channels ----------------------------------------------------------------- */

static void chan_free(struct rsv_chan *c)
{
    c->destroying = 1;
    RSV_NOWAIT_BEGIN();
    ares_destroy(c->ch); /* pending callbacks run with ARES_EDESTRUCTION */
    RSV_NOWAIT_END();
    rsv_conf_put(c->conf);
    free(c->socks);
    free(c);
}

static struct rsv_chan *chan_new(struct rsv_conf *conf)
{
    struct rsv_chan *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    struct ares_options o;
    memset(&o, 0, sizeof o);
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
    o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    if (conf->options & RES_USEVC) o.flags |= ARES_FLAG_USEVC;
    if (conf->options & RES_USE_EDNS0) {
        o.flags |= ARES_FLAG_EDNS;
        o.ednspsz = 1200; /* glibc's RESOLV_EDNS_BUFFER_SIZE */
        mask |= ARES_OPT_EDNSPSZ;
    }
    o.timeout = conf->timeout_s * 1000;
    o.tries = 1;
    o.sock_state_cb = on_sock_state;
    o.sock_state_cb_data = c;
    mask |= (conf->options & RES_ROTATE) ? ARES_OPT_ROTATE : ARES_OPT_NOROTATE;
    struct ares_addr_port_node nodes[RSV_MAXNS];
    for (int i = 0; i < conf->nservers; i++) {
        struct ares_addr_port_node *nd = &nodes[i];
        memset(nd, 0, sizeof *nd);
        nd->next = i + 1 < conf->nservers ? &nodes[i + 1] : NULL;
        if (conf->servers[i].sin6_family == AF_INET) {
            const struct sockaddr_in *s4 = (const void *)&conf->servers[i];
            nd->family = AF_INET;
            nd->addr.addr4 = s4->sin_addr;
            nd->udp_port = nd->tcp_port = ntohs(s4->sin_port);
        } else {
            nd->family = AF_INET6;
            memcpy(&nd->addr.addr6, &conf->servers[i].sin6_addr, 16);
            nd->udp_port = nd->tcp_port = ntohs(conf->servers[i].sin6_port);
        }
    }
    RSV_NOWAIT_BEGIN();
    int r = ares_init_options(&c->ch, &o, mask);
    if (r == ARES_SUCCESS) {
        ares_set_socket_functions(c->ch, &sockfuncs, c);
        r = ares_set_servers_ports(c->ch, conf->nservers ? nodes : NULL);
        if (r != ARES_SUCCESS) ares_destroy(c->ch);
    }
    RSV_NOWAIT_END();
    if (r != ARES_SUCCESS) {
        free(c);
        return NULL;
    }
    __atomic_add_fetch(&conf->refs, 1, __ATOMIC_ACQ_REL);
    c->conf = conf;
    return c;
}

/* A native thread's channel goes with it; the main thread's at exit, if no
 * lookup is still parked in it. */
extern int __cxa_thread_atexit_impl(void (*)(void *), void *, void *);
extern void *__dso_handle;
static int chan_idle(const struct rsv_chan *c)
{
    return c->pending == 0 && !c->driver;
}

static void chan_at_thread_exit(void *arg)
{
    (void)arg;
    for (struct rsv_chan **pc = &tls_chans; *pc;) {
        struct rsv_chan *c = *pc;
        if (chan_idle(c)) {
            *pc = c->next;
            chan_free(c);
        } else {
            pc = &c->next;
        }
    }
}

/* In a fork child only the forking greenlet is left, and the parent still
 * owns the sockets: the channel is dropped (its lookups with the greenlets
 * that were waiting) and the child starts afresh. */
static void chan_fork_child(void)
{
    struct rsv_chan *c = tls_chans, *next;
    tls_chans = NULL;
    for (; c; c = next) {
        next = c->next;
        c->driver = NULL;
        c->driver_parked = 0;
        c->nsocks = 0;
        chan_free(c);
    }
}

/* The channel built from conf. An idle channel whose configuration only
 * it still holds (resolv.conf changed, or the program's res_state did) is
 * dropped on the way. */
static struct rsv_chan *chan_get(struct rsv_conf *conf)
{
    static int atfork;
    static __thread int atexit_set;
    struct rsv_chan *found = NULL;
    for (struct rsv_chan **pc = &tls_chans; *pc;) {
        struct rsv_chan *c = *pc;
        if (c->conf == conf) {
            found = c;
        } else if (chan_idle(c) && __atomic_load_n(&c->conf->refs, __ATOMIC_ACQUIRE) == 1) {
            *pc = c->next;
            chan_free(c);
            continue;
        }
        pc = &c->next;
    }
    if (found) return found;
    if (!__atomic_exchange_n(&atfork, 1, __ATOMIC_ACQ_REL)) gp_atfork(NULL, NULL, chan_fork_child);
    struct rsv_chan *c = chan_new(conf);
    if (c) {
        if (!atexit_set) {
            atexit_set = 1;
            __cxa_thread_atexit_impl(chan_at_thread_exit, NULL, &__dso_handle);
        }
        c->next = tls_chans;
        tls_chans = c;
    }
    return c;
}

/* ---- queries ------------------------------------------------------------------ */

static int retryable(int status)
{
    return status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED || status == ARES_ESERVFAIL ||
           status == ARES_ENOTIMP || status == ARES_EREFUSED;
}

static void new_id(unsigned char *q)
{
    unsigned short id;
    arc4random_buf(&id, sizeof id);
    memcpy(q, &id, 2);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    struct req *r = arg;
    struct rsv_chan *c = r->c;
    c->pending--;
    if (status == ARES_ESERVFAIL) r->out->rcode = ns_r_servfail;
    if (status == ARES_ENOTIMP) r->out->rcode = ns_r_notimpl;
    if (status == ARES_EREFUSED) r->out->rcode = ns_r_refused;
    if (status == ARES_SUCCESS && abuf && alen > 0) {
        r->out->pkt = malloc((size_t)alen);
        if (r->out->pkt) {
            memcpy(r->out->pkt, abuf, (size_t)alen);
            r->out->len = alen;
        } else {
            status = ARES_ENOMEM;
        }
    } else if (status == ARES_SUCCESS) {
        status = ARES_EBADRESP;
    } else if (!c->destroying && retryable(status) && --r->attempts_left > 0) {
        new_id(r->q);
        c->pending++;
        ares_send(c->ch, r->q, r->qlen, on_answer, r);
        return;
    }
    r->out->status = status;
    r->out->seq = ++c->seq;
    if (r->raw)
        free(r->q);
    else
        ares_free_string(r->q);
    if (--r->w->left == 0) gl_unpark(r->w->gl, 0);
    free(r);
}

/* Sends r (its packet made) on c for the waiter w. */
static void submit(struct rsv_chan *c, struct waiter *w, struct req *r, struct rsv_reply *out,
                   int attempts)
{
    new_id(r->q);
    r->c = c;
    r->w = w;
    r->out = out;
    r->attempts_left = attempts;
    w->left++;
    c->pending++;
    RSV_NOWAIT_BEGIN();
    ares_send(c->ch, r->q, r->qlen, on_answer, r);
    RSV_NOWAIT_END();
}

/* Parks the caller until every query of w has its outcome. */
static void wait_all(struct rsv_chan *c, struct waiter *w)
{
    while (w->left > 0) {
        kick(c);
        if (!c->driver) { /* no greenlet to be had: drive it ourselves */
            c->driver = w->gl;
            while (c->pending > 0) drive_once(c);
            c->driver = NULL;
            continue;
        }
        hub_park_as(HUB_W_OTHER, 0, hub_never()); /* an interrupt just parks us again */
    }
}

void rsv_send(struct rsv_conf *conf, const char *name, int class, const int *types, int n,
              struct rsv_reply *out)
{
    struct waiter w = {gl_self(), 0};
    struct rsv_chan *c = w.gl ? chan_get(conf) : NULL;
    for (int i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].status = ARES_ENOMEM;
        if (!c) continue;
        struct req *r = calloc(1, sizeof *r);
        if (!r) continue;
        RSV_NOWAIT_BEGIN();
        int e = ares_create_query(name, class, types[i], 0, !!(conf->options & RES_RECURSE), &r->q,
                                  &r->qlen, (conf->options & RES_USE_EDNS0) ? 1200 : 0);
        RSV_NOWAIT_END();
        if (e != ARES_SUCCESS) { /* glibc's res_mkquery fails alike */
            out[i].status = e;
            free(r);
            continue;
        }
        submit(c, &w, r, &out[i], conf->attempts);
    }
    if (c) wait_all(c, &w);
}

void rsv_send_msg(struct rsv_conf *conf, const unsigned char *msg, int len, struct rsv_reply *out)
{
    struct waiter w = {gl_self(), 0};
    struct rsv_chan *c = w.gl ? chan_get(conf) : NULL;
    memset(out, 0, sizeof *out);
    out->status = ARES_ENOMEM;
    struct req *r = c ? calloc(1, sizeof *r) : NULL;
    if (!r) return;
    if (len < NS_HFIXEDSZ || len >= 65536) {
        out->status = ARES_EBADQUERY;
        free(r);
        return;
    }
    if (!(r->q = malloc((size_t)len))) {
        free(r);
        return;
    }
    memcpy(r->q, msg, (size_t)len);
    r->qlen = len;
    r->raw = 1;
    submit(c, &w, r, out, conf->attempts);
    wait_all(c, &w);
    if (out->pkt && out->len >= 2) memcpy(out->pkt, msg, 2); /* the program's query id */
}
void rsv_reply_free(struct rsv_reply *r)
{
    free(r->pkt);
    r->pkt = NULL;
}
