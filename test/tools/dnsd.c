/* A small authoritative DNS server for the tests, on loopback only.
 *
 *   dnsd [-p PORT] [-d DELAY_MS] [-n] [-6] [-l LOGFILE] ZONEFILE
 *
 * Prints "listening PORT" on stdout once ready (PORT 0 picks one), then
 * answers UDP and TCP queries from ZONEFILE, each after DELAY_MS (all
 * answers are scheduled, none waits for another). -n never answers. -6
 * also listens on [::1]. -l writes "QNAME QTYPE" per query received.
 *
 * Zone lines:  NAME TYPE [VALUE]   ('#' comments)
 *   A addr | AAAA addr | CNAME target | PTR target
 *   NXDOMAIN | SERVFAIL | REFUSED | DROP (never answered) | DELAY ms
 *   MANY n (n A records 10.9.x.y: more than fits in 512 bytes, so TC)
 * A name with records but none of the type asked is NODATA; a name not in
 * the zone is NXDOMAIN. CNAMEs are followed inside the zone. Answers are
 * authoritative (aa, ra set), echo the question, no authority section. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { T_A = 1, T_CNAME = 5, T_PTR = 12, T_AAAA = 28 };
enum { R_REC, R_NX, R_SERVFAIL, R_REFUSED, R_DROP, R_DELAY, R_MANY };

struct rec {
    char name[256];
    int kind, type, n;
    unsigned char addr[16];
    char target[256];
};
static struct rec *zone;
static int nzone, capzone;
static int delay_ms, never;
static FILE *logf;

static void lower(char *s)
{
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    if (!f) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof line, f)) {
        char *h = strchr(line, '#'), name[256], type[16], val[256] = "";
        if (h) *h = 0;
        int n = sscanf(line, "%255s %15s %255s", name, type, val);
        if (n < 2) continue;
        if (nzone == capzone) {
            capzone = capzone ? capzone * 2 : 256;
            zone = realloc(zone, (size_t)capzone * sizeof *zone);
        }
        struct rec *r = &zone[nzone];
        memset(r, 0, sizeof *r);
        size_t l = strlen(name);
        if (l && name[l - 1] == '.') name[l - 1] = 0;
        lower(name);
        snprintf(r->name, sizeof r->name, "%s", name);
        r->kind = R_REC;
        if (!strcmp(type, "A") && inet_pton(AF_INET, val, r->addr) == 1)
            r->type = T_A;
        else if (!strcmp(type, "AAAA") && inet_pton(AF_INET6, val, r->addr) == 1)
            r->type = T_AAAA;
        else if (!strcmp(type, "CNAME") || !strcmp(type, "PTR")) {
            r->type = type[0] == 'C' ? T_CNAME : T_PTR;
            l = strlen(val);
            if (l && val[l - 1] == '.') val[l - 1] = 0;
            snprintf(r->target, sizeof r->target, "%s", val);
        } else if (!strcmp(type, "NXDOMAIN"))
            r->kind = R_NX;
        else if (!strcmp(type, "SERVFAIL"))
            r->kind = R_SERVFAIL;
        else if (!strcmp(type, "REFUSED"))
            r->kind = R_REFUSED;
        else if (!strcmp(type, "DROP"))
            r->kind = R_DROP;
        else if (!strcmp(type, "DELAY"))
            r->kind = R_DELAY, r->n = atoi(val);
        else if (!strcmp(type, "MANY"))
            r->kind = R_MANY, r->n = atoi(val);
        else {
            fprintf(stderr, "dnsd: bad zone line: %s", line);
            exit(2);
        }
        nzone++;
    }
    fclose(f);
}

static struct rec *find(const char *name, int kind)
{
    for (int i = 0; i < nzone; i++)
        if (zone[i].kind == kind && !strcmp(zone[i].name, name)) return &zone[i];
    return NULL;
}
static int known(const char *name)
{
    for (int i = 0; i < nzone; i++)
        if (!strcmp(zone[i].name, name)) return 1;
    return 0;
}

/* ---- packets ---------------------------------------------------------------- */

struct pkt {
    unsigned char b[65536];
    int n;
};
static void put16(struct pkt *p, int v)
{
    p->b[p->n++] = (unsigned char)(v >> 8);
    p->b[p->n++] = (unsigned char)v;
}
static void put32(struct pkt *p, unsigned v)
{
    put16(p, (int)(v >> 16));
    put16(p, (int)(v & 0xffff));
}
static void putname(struct pkt *p, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        p->b[p->n++] = (unsigned char)l;
        memcpy(p->b + p->n, name, l);
        p->n += (int)l;
        name += l;
        if (*name == '.') name++;
    }
    p->b[p->n++] = 0;
}
static void rrhead(struct pkt *p, const char *owner, int type, int rdlen)
{
    putname(p, owner);
    put16(p, type);
    put16(p, 1);
    put32(p, 60);
    put16(p, rdlen);
}

/* Parses the question; returns its end offset or -1. */
static int question(const unsigned char *q, int n, char *name, int *qtype)
{
    int i = 12, o = 0;
    if (n < 17 || q[4] != 0 || q[5] != 1) return -1;
    while (i < n && q[i]) {
        int l = q[i++];
        if (l > 63 || i + l > n || o + l + 2 > 255) return -1;
        if (o) name[o++] = '.';
        for (int k = 0; k < l; k++) name[o++] = (char)tolower(q[i + k]);
        i += l;
    }
    name[o] = 0;
    if (i + 5 > n) return -1;
    *qtype = q[i + 1] << 8 | q[i + 2];
    return i + 5;
}

/* Builds the answer; returns 0 to drop the query, else its delay in ms. */
static int answer(const unsigned char *q, int qn, struct pkt *p, int udp)
{
    char name[256], cur[256];
    int qtype, end = question(q, qn, name, &qtype);
    if (end < 0) return -1;
    if (logf) {
        fprintf(logf, "%s %d\n", name, qtype);
        fflush(logf);
    }
    if (never || find(name, R_DROP)) return -1;
    struct rec *dl = find(name, R_DELAY);
    int delay = dl ? dl->n : delay_ms;
    int rcode = 0, an = 0;
    p->n = 0;
    memcpy(p->b, q, (size_t)end); /* header and question */
    p->n = end;
    snprintf(cur, sizeof cur, "%s", name);
    if (find(name, R_SERVFAIL))
        rcode = 2;
    else if (find(name, R_REFUSED))
        rcode = 5;
    else if (find(name, R_NX) || !known(name))
        rcode = 3;
    else {
        for (int hops = 0; hops < 8; hops++) { /* follow CNAMEs in the zone */
            struct rec *c = NULL;
            for (int i = 0; i < nzone; i++)
                if (zone[i].kind == R_REC && zone[i].type == T_CNAME && !strcmp(zone[i].name, cur))
                    c = &zone[i];
            if (!c || qtype == T_CNAME) break;
            struct pkt t = {.n = 0};
            putname(&t, c->target);
            rrhead(p, cur, T_CNAME, t.n);
            memcpy(p->b + p->n, t.b, (size_t)t.n);
            p->n += t.n;
            an++;
            snprintf(cur, sizeof cur, "%s", c->target);
            if (!known(cur)) {
                rcode = 3;
                break;
            }
        }
        struct rec *many = find(cur, R_MANY);
        if (many && qtype == T_A) {
            for (int k = 0; k < many->n; k++) {
                rrhead(p, cur, T_A, 4);
                p->b[p->n++] = 10, p->b[p->n++] = 9, p->b[p->n++] = (unsigned char)(k >> 8),
                p->b[p->n++] = (unsigned char)k;
                an++;
            }
        }
        for (int i = 0; i < nzone; i++) {
            struct rec *r = &zone[i];
            if (r->kind != R_REC || r->type != qtype || strcmp(r->name, cur)) continue;
            if (r->type == T_A || r->type == T_AAAA) {
                int l = r->type == T_A ? 4 : 16;
                rrhead(p, cur, r->type, l);
                memcpy(p->b + p->n, r->addr, (size_t)l);
                p->n += l;
            } else if (r->type == T_PTR || r->type == T_CNAME) {
                struct pkt t = {.n = 0};
                putname(&t, r->target);
                rrhead(p, cur, r->type, t.n);
                memcpy(p->b + p->n, t.b, (size_t)t.n);
                p->n += t.n;
            }
            an++;
        }
    }
    int tc = 0;
    if (udp && p->n > 512) { /* truncated: the question only */
        p->n = end;
        an = 0;
        tc = 1;
    }
    p->b[2] = (unsigned char)(0x84 | (tc ? 2 : 0) | (q[2] & 1)); /* QR, AA, TC, RD */
    p->b[3] = (unsigned char)(0x80 | rcode);                     /* RA */
    p->b[6] = (unsigned char)(an >> 8), p->b[7] = (unsigned char)an;
    p->b[8] = p->b[9] = p->b[10] = p->b[11] = 0;
    return delay;
}

/* ---- scheduling --------------------------------------------------------------- */

struct pending {
    long long due;
    int fd; /* UDP socket, or TCP connection */
    int tcp;
    struct sockaddr_in6 to;
    socklen_t tolen;
    unsigned char *data;
    int n;
};
static struct pending *pend;
static int npend, cappend;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void schedule(int fd, int tcp, const struct sockaddr_in6 *to, socklen_t tolen,
                     const struct pkt *p, int delay)
{
    if (npend == cappend) {
        cappend = cappend ? cappend * 2 : 1024;
        pend = realloc(pend, (size_t)cappend * sizeof *pend);
    }
    struct pending *e = &pend[npend++];
    e->due = now_ms() + delay;
    e->fd = fd;
    e->tcp = tcp;
    if (to) memcpy(&e->to, to, tolen);
    e->tolen = tolen;
    e->data = malloc((size_t)p->n + 2);
    e->data[0] = (unsigned char)(p->n >> 8);
    e->data[1] = (unsigned char)p->n;
    memcpy(e->data + 2, p->b, (size_t)p->n);
    e->n = p->n;
}

static void flush_due(void)
{
    long long t = now_ms();
    for (int i = 0; i < npend;) {
        struct pending *e = &pend[i];
        if (e->due > t) {
            i++;
            continue;
        }
        if (e->tcp) {
            if (write(e->fd, e->data, (size_t)e->n + 2) < 0) {
            }
        } else {
            sendto(e->fd, e->data + 2, (size_t)e->n, 0, (struct sockaddr *)&e->to, e->tolen);
        }
        free(e->data);
        pend[i] = pend[--npend];
    }
}

static int next_timeout(void)
{
    if (!npend) return 1000;
    long long t = now_ms(), m = pend[0].due;
    for (int i = 1; i < npend; i++)
        if (pend[i].due < m) m = pend[i].due;
    return m <= t ? 0 : (int)(m - t);
}

/* ---- sockets -------------------------------------------------------------------- */

#define MAXFD 512
struct conn {
    int fd, have;
    unsigned char buf[65538];
};
static struct conn *conns[MAXFD];

static int mksock(int af, int type, int port)
{
    int fd = socket(af, type, 0), one = 1;
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (type == SOCK_DGRAM) {
        int sz = 8 << 20;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    }
    int r;
    if (af == AF_INET) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r = bind(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((unsigned short)port)};
        a.sin6_addr = in6addr_loopback;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        r = bind(fd, (struct sockaddr *)&a, sizeof a);
    }
    if (r != 0 || (type == SOCK_STREAM && listen(fd, 128) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int portof(int fd)
{
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    return ntohs(a.sin_port);
}

int main(int argc, char **argv)
{
    int port = 0, v6 = 0, c;
    const char *logpath = NULL;
    while ((c = getopt(argc, argv, "p:d:n6l:")) != -1) {
        switch (c) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'd':
            delay_ms = atoi(optarg);
            break;
        case 'n':
            never = 1;
            break;
        case '6':
            v6 = 1;
            break;
        case 'l':
            logpath = optarg;
            break;
        default:
            fprintf(stderr, "usage: dnsd [-p PORT] [-d DELAY_MS] [-n] [-6] [-l LOG] ZONEFILE\n");
            return 2;
        }
    }
    if (optind < argc) load(argv[optind]);
    if (logpath && !(logf = fopen(logpath, "a"))) {
        perror(logpath);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int fds[4], nfds = 0, udp4 = -1, tcp4 = -1;
    for (int tries = 0; tries < 50; tries++) { /* the same port for UDP and TCP */
        udp4 = mksock(AF_INET, SOCK_DGRAM, port);
        if (udp4 < 0) {
            perror("dnsd: bind");
            return 1;
        }
        tcp4 = mksock(AF_INET, SOCK_STREAM, portof(udp4));
        if (tcp4 >= 0) break;
        close(udp4);
        if (port) {
            perror("dnsd: bind tcp");
            return 1;
        }
    }
    if (tcp4 < 0) return 1;
    port = portof(udp4);
    fds[nfds++] = udp4;
    fds[nfds++] = tcp4;
    if (v6) {
        int u6 = mksock(AF_INET6, SOCK_DGRAM, port), t6 = mksock(AF_INET6, SOCK_STREAM, port);
        if (u6 >= 0) fds[nfds++] = u6;
        if (t6 >= 0) fds[nfds++] = t6;
    }
    printf("listening %d\n", port);
    fflush(stdout);
    struct pkt *p = malloc(sizeof *p);
    unsigned char q[65536];
    for (;;) {
        struct pollfd pf[MAXFD + 4];
        int n = 0;
        for (int i = 0; i < nfds; i++) pf[n++] = (struct pollfd){fds[i], POLLIN, 0};
        for (int i = 0; i < MAXFD; i++)
            if (conns[i]) pf[n++] = (struct pollfd){i, POLLIN, 0};
        int r = poll(pf, (nfds_t)n, next_timeout());
        if (r < 0 && errno != EINTR) return 1;
        for (int i = 0; i < n && r > 0; i++) {
            if (!pf[i].revents) continue;
            int fd = pf[i].fd, type;
            socklen_t tl = sizeof type;
            if (i < nfds) getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
            if (i < nfds && type == SOCK_DGRAM) {
                for (int k = 0; k < 256; k++) { /* drain */
                    struct sockaddr_in6 from;
                    socklen_t fl = sizeof from;
                    ssize_t m =
                        recvfrom(fd, q, sizeof q, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
                    if (m < 0) break;
                    int d = answer(q, (int)m, p, 1);
                    if (d >= 0) schedule(fd, 0, &from, fl, p, d);
                }
            } else if (i < nfds) {
                int cfd = accept(fd, NULL, NULL);
                if (cfd >= 0 && cfd < MAXFD) {
                    conns[cfd] = calloc(1, sizeof(struct conn));
                    conns[cfd]->fd = cfd;
                } else if (cfd >= 0) {
                    close(cfd);
                }
            } else {
                struct conn *cn = conns[fd];
                ssize_t m = read(fd, cn->buf + cn->have, sizeof cn->buf - (size_t)cn->have);
                if (m <= 0) { /* the client is done: drop what it did not get */
                    for (int k = 0; k < npend;)
                        if (pend[k].tcp && pend[k].fd == fd) {
                            free(pend[k].data);
                            pend[k] = pend[--npend];
                        } else {
                            k++;
                        }
                    close(fd);
                    free(cn);
                    conns[fd] = NULL;
                    continue;
                }
                cn->have += (int)m;
                while (cn->have >= 2) { /* queries may come several on one connection */
                    int len = cn->buf[0] << 8 | cn->buf[1];
                    if (cn->have < len + 2) break;
                    int d = answer(cn->buf + 2, len, p, 0);
                    if (d >= 0) schedule(fd, 1, NULL, 0, p, d);
                    memmove(cn->buf, cn->buf + len + 2, (size_t)(cn->have - len - 2));
                    cn->have -= len + 2;
                }
            }
        }
        flush_due();
    }
}
