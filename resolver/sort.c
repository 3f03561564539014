/* The order glibc's getaddrinfo gives its answers: RFC 3484 destination
 * address selection, with glibc's default tables or /etc/gai.conf, the
 * source address the kernel would pick for each destination (a connected
 * UDP socket, nothing sent), and the interface data glibc reads over
 * netlink (AI_ADDRCONFIG uses the same). Rules and their quirks follow
 * glibc 2.36's rfc3484_sort. System calls are made raw: nothing here goes
 * through the interposed socket functions. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rsv_int.h"

/* ---- netlink ----------------------------------------------------------------- */

struct in6ai {
    uint32_t addr[4];
    uint8_t flags; /* IN6AI_* */
    uint8_t prefixlen;
    uint32_t index;
};
#define IN6AI_DEPRECATED  1
#define IN6AI_HOMEADDRESS 2

/* One RTM_GET* dump; calls fn for every message of type want. */
static int nl_dump(int type, int want, void (*fn)(struct nlmsghdr *, void *), void *arg)
{
    int fd = (int)gp_syscall(SYS_socket, PF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -1;
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    socklen_t alen = sizeof nl;
    int ok = -1;
    if (gp_syscall(SYS_bind, fd, &nl, sizeof nl) != 0 ||
        gp_syscall(SYS_getsockname, fd, &nl, &alen) != 0)
        goto out;
    uint32_t pid = nl.nl_pid;
    struct {
        struct nlmsghdr nlh;
        struct rtgenmsg g;
        char pad[3];
    } req;
    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = (unsigned short)type;
    req.nlh.nlmsg_flags = NLM_F_ROOT | NLM_F_MATCH | NLM_F_REQUEST;
    req.nlh.nlmsg_seq = (uint32_t)time(NULL);
    req.g.rtgen_family = AF_UNSPEC;
    memset(&nl, 0, sizeof nl);
    nl.nl_family = AF_NETLINK;
    if (gp_syscall(SYS_sendto, fd, &req, sizeof req, 0, &nl, sizeof nl) < 0) goto out;
    char buf[8192] __attribute__((aligned(8)));
    for (int done = 0; !done;) {
        struct iovec iov = {buf, sizeof buf};
        struct msghdr msg = {
            .msg_name = &nl, .msg_namelen = sizeof nl, .msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = gp_syscall(SYS_recvmsg, fd, &msg, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || (msg.msg_flags & MSG_TRUNC)) goto out;
        for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (nl.nl_pid != 0 || h->nlmsg_pid != pid || h->nlmsg_seq != req.nlh.nlmsg_seq)
                continue;
            if (h->nlmsg_type == want)
                fn(h, arg);
            else if (h->nlmsg_type == NLMSG_DONE)
                done = 1;
            else if (h->nlmsg_type == NLMSG_ERROR)
                goto out;
        }
    }
    ok = 0;
out:
    gp_syscall(SYS_close, fd);
    return ok;
}

struct pf {
    bool seen4, seen6;
    struct in6ai *ai;
    size_t n, cap;
};

static void on_addr(struct nlmsghdr *h, void *arg)
{
    struct pf *pf = arg;
    struct ifaddrmsg *ifa = NLMSG_DATA(h);
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return;
    struct rtattr *rta = IFA_RTA(ifa);
    size_t len = h->nlmsg_len - NLMSG_LENGTH(sizeof *ifa);
    const void *local = NULL, *address = NULL;
    for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == IFA_LOCAL) local = RTA_DATA(rta);
        if (rta->rta_type == IFA_ADDRESS) {
            address = RTA_DATA(rta);
            break;
        }
    }
    if (!address) address = local;
    if (address) {
        if (ifa->ifa_family == AF_INET) {
            uint32_t a;
            memcpy(&a, address, 4);
            if (a != htonl(INADDR_LOOPBACK)) pf->seen4 = true;
        } else if (!IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)address)) {
            pf->seen6 = true;
        }
    }
    if (pf->n == pf->cap) {
        size_t cap = pf->cap ? pf->cap * 2 : 32;
        struct in6ai *p = realloc(pf->ai, cap * sizeof *p);
        if (!p) return;
        pf->ai = p;
        pf->cap = cap;
    }
    struct in6ai *i = &pf->ai[pf->n++];
    memset(i, 0, sizeof *i);
    i->flags = ((ifa->ifa_flags & (IFA_F_DEPRECATED | IFA_F_OPTIMISTIC)) ? IN6AI_DEPRECATED : 0) |
               ((ifa->ifa_flags & IFA_F_HOMEADDRESS) ? IN6AI_HOMEADDRESS : 0);
    i->prefixlen = ifa->ifa_prefixlen;
    i->index = ifa->ifa_index;
    if (!address) return; /* glibc copies through a NULL here; keep zeros */
    if (ifa->ifa_family == AF_INET) {
        i->addr[2] = htonl(0xffff);
        memcpy(&i->addr[3], address, 4);
    } else {
        memcpy(i->addr, address, 16);
    }
}

/* __check_pf: the interface list is only kept when IPv6 was seen. */
static void check_pf(struct pf *pf)
{
    memset(pf, 0, sizeof *pf);
    if (nl_dump(RTM_GETADDR, RTM_NEWADDR, on_addr, pf) != 0) {
        free(pf->ai);
        memset(pf, 0, sizeof *pf);
        pf->seen4 = pf->seen6 = true;
        return;
    }
    if (!pf->seen6) {
        free(pf->ai);
        pf->ai = NULL;
        pf->n = 0;
    }
}

void rsv_check_pf(int *seen_ipv4, int *seen_ipv6)
{
    struct pf pf;
    check_pf(&pf);
    *seen_ipv4 = pf.seen4;
    *seen_ipv6 = pf.seen6;
    free(pf.ai);
}

struct native_q {
    uint32_t i1, i2;
    int *n1, *n2;
};
static void on_link(struct nlmsghdr *h, void *arg)
{
    struct native_q *q = arg;
    struct ifinfomsg *ifi = NLMSG_DATA(h);
    int native = ifi->ifi_type != ARPHRD_TUNNEL6 && ifi->ifi_type != ARPHRD_TUNNEL &&
                 ifi->ifi_type != ARPHRD_SIT;
    if (q->i1 == (uint32_t)ifi->ifi_index) {
        *q->n1 = native;
        q->i1 = 0xffffffffu;
    }
    if (q->i2 == (uint32_t)ifi->ifi_index) {
        *q->n2 = native;
        q->i2 = 0xffffffffu;
    }
}

/* ---- tables ------------------------------------------------------------------- */

struct prefixentry {
    struct in6_addr prefix;
    unsigned bits;
    int val;
};
struct scopeentry {
    uint32_t addr32, netmask; /* network order */
    int scope;
};

#define P6(...)                                                                                    \
    {                                                                                              \
        {                                                                                          \
            {                                                                                      \
                __VA_ARGS__                                                                        \
            }                                                                                      \
        }                                                                                          \
    }
static const struct prefixentry default_labels[] = {
    {P6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 128, 0},
    {P6(0x20, 0x02), 16, 2},
    {P6(0), 96, 3},
    {P6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff), 96, 4},
    {P6(0xfe, 0xc0), 10, 5},
    {P6(0xfc), 7, 6},
    {P6(0x20, 0x01), 32, 7},
    {P6(0), 0, 1},
};
static const struct prefixentry default_precedence[] = {
    {P6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 128, 50},
    {P6(0x20, 0x02), 16, 30},
    {P6(0), 96, 20},
    {P6(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff), 96, 10},
    {P6(0), 0, 40},
};
static struct scopeentry default_scopes[3];

static const struct prefixentry *labels = default_labels, *precedence = default_precedence;
static const struct scopeentry *scopes = default_scopes;

static int prefixcmp(const void *p1, const void *p2)
{
    const struct prefixentry *a = p1, *b = p2;
    return a->bits < b->bits ? 1 : a->bits == b->bits ? 0 : -1;
}
static int scopecmp(const void *p1, const void *p2)
{
    const struct scopeentry *a = p1, *b = p2;
    return a->netmask > b->netmask ? -1 : a->netmask == b->netmask ? 0 : 1;
}

/* A prefix list from gai.conf's label/precedence lines: the entries given,
 * a catch-all unless one was given, most specific first. */
static struct prefixentry *finish_prefixes(struct prefixentry *v, size_t n, bool nullbits, int dflt)
{
    if (!n) return NULL;
    if (!nullbits) {
        v[n].prefix = in6addr_any;
        v[n].bits = 0;
        v[n].val = dflt;
        n++;
    }
    qsort(v, n, sizeof *v, prefixcmp);
    return v;
}

static int add_prefix(struct prefixentry *v, size_t *n, bool *nullbits, char *val1, char *val2)
{
    struct in6_addr prefix;
    unsigned long bits = 128, val;
    char *endp = val1, *cp = strchr(val1, '/');
    if (cp) *cp++ = 0;
    errno = 0;
    if (inet_pton(AF_INET6, val1, &prefix) &&
        (cp == NULL || (bits = strtoul(cp, &endp, 10)) != ULONG_MAX || errno != ERANGE) &&
        (cp == NULL || *endp == 0) && bits <= 128 &&
        ((val = strtoul(val2, &endp, 10)) != ULONG_MAX || errno != ERANGE) && *endp == 0 &&
        val <= INT_MAX) {
        v[*n].prefix = prefix;
        v[*n].bits = (unsigned)bits;
        v[*n].val = (int)val;
        ++*n;
        *nullbits |= bits == 0;
    }
    return 0;
}

/* gaiconf_init, once (glibc re-reads it only with "reload yes"). */
static void gaiconf_init(void)
{
    struct scopeentry *ds = default_scopes;
    ds[0] = (struct scopeentry){htonl(0xa9fe0000), htonl(0xffff0000), 2};
    ds[1] = (struct scopeentry){htonl(0x7f000000), htonl(0xff000000), 2};
    ds[2] = (struct scopeentry){0, 0, 14};
    FILE *fp = REAL(fopen)("/etc/gai.conf", "rce");
    if (!fp) return;
    size_t cap = 64, nl = 0, np = 0, ns = 0;
    bool nl0 = false, np0 = false, ns0 = false;
    struct prefixentry *lv = malloc((cap + 1) * sizeof *lv), *pv = malloc((cap + 1) * sizeof *pv);
    struct scopeentry *sv = malloc((cap + 1) * sizeof *sv);
    char *line = NULL;
    size_t linelen = 0;
    if (!lv || !pv || !sv) goto done;
    while (REAL(getline)(&line, &linelen, fp) > 0) {
        char *cp = strchr(line, '#');
        if (cp) *cp = 0;
        cp = line;
        while (isspace((unsigned char)*cp)) ++cp;
        char *cmd = cp;
        while (*cp && !isspace((unsigned char)*cp)) ++cp;
        size_t cmdlen = (size_t)(cp - cmd);
        if (*cp) *cp++ = 0;
        while (isspace((unsigned char)*cp)) ++cp;
        char *val1 = cp;
        while (*cp && !isspace((unsigned char)*cp)) ++cp;
        if (cp == cmd) continue; /* glibc's val1len counts from cmd */
        if (*cp) *cp++ = 0;
        while (isspace((unsigned char)*cp)) ++cp;
        char *val2 = cp;
        while (*cp && !isspace((unsigned char)*cp)) ++cp;
        *cp = 0;
        if (cmdlen == 5 && strcmp(cmd, "label") == 0 && nl < cap) {
            add_prefix(lv, &nl, &nl0, val1, val2);
        } else if (cmdlen == 10 && strcmp(cmd, "precedence") == 0 && np < cap) {
            add_prefix(pv, &np, &np0, val1, val2);
        } else if (cmdlen == 7 && strcmp(cmd, "scopev4") == 0 && ns < cap) {
            struct in6_addr prefix;
            unsigned long bits = 32, val;
            char *endp = val1, *slash = strchr(val1, '/');
            if (slash) *slash++ = 0;
            errno = 0;
            int is6 = inet_pton(AF_INET6, val1, &prefix);
            if (is6 && IN6_IS_ADDR_V4MAPPED(&prefix)) {
                bits = 128;
                if ((slash == NULL || (bits = strtoul(slash, &endp, 10)) != ULONG_MAX ||
                     errno != ERANGE) &&
                    (slash == NULL || *endp == 0) && bits >= 96 && bits <= 128 &&
                    ((val = strtoul(val2, &endp, 10)) != ULONG_MAX || errno != ERANGE) &&
                    *endp == 0 && val <= INT_MAX) {
                    sv[ns].netmask = htonl(bits != 96 ? (0xffffffffu << (128 - bits)) : 0);
                    sv[ns].addr32 = prefix.s6_addr32[3] & sv[ns].netmask;
                    sv[ns].scope = (int)val;
                    ns0 |= bits == 96;
                    ns++;
                }
            } else if (!is6 && inet_pton(AF_INET, val1, &prefix.s6_addr32[3]) &&
                       (slash == NULL || (bits = strtoul(slash, &endp, 10)) != ULONG_MAX ||
                        errno != ERANGE) &&
                       (slash == NULL || *endp == 0) && bits <= 32 &&
                       ((val = strtoul(val2, &endp, 10)) != ULONG_MAX || errno != ERANGE) &&
                       *endp == 0 && val <= INT_MAX) {
                bits += 96;
                sv[ns].netmask = htonl(bits != 96 ? (0xffffffffu << (128 - bits)) : 0);
                sv[ns].addr32 = prefix.s6_addr32[3] & sv[ns].netmask;
                sv[ns].scope = (int)val;
                ns0 |= bits == 96;
                ns++;
            }
        }
    }
    if (nl) labels = finish_prefixes(lv, nl, nl0, 1), lv = NULL;
    if (np) precedence = finish_prefixes(pv, np, np0, 40), pv = NULL;
    if (ns) {
        if (!ns0) sv[ns++] = (struct scopeentry){0, 0, 14};
        qsort(sv, ns, sizeof *sv, scopecmp);
        scopes = sv;
        sv = NULL;
    }
done:
    free(line);
    free(lv);
    free(pv);
    free(sv);
    REAL(fclose)(fp);
}

/* ---- the rules ------------------------------------------------------------------ */

static int get_scope(const struct sockaddr_in6 *in6)
{
    if (in6->sin6_family == AF_INET6) {
        if (!IN6_IS_ADDR_MULTICAST(&in6->sin6_addr)) {
            if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
                return 2;
            if (IN6_IS_ADDR_SITELOCAL(&in6->sin6_addr)) return 5;
            return 14;
        }
        return in6->sin6_addr.s6_addr[1] & 0xf;
    }
    if (in6->sin6_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)in6;
        for (size_t i = 0;; i++)
            if ((in->sin_addr.s_addr & scopes[i].netmask) == scopes[i].addr32)
                return scopes[i].scope;
    }
    return 15;
}

static int match_prefix(const struct sockaddr_in6 *in6, const struct prefixentry *list, int dflt)
{
    struct in6_addr a;
    if (in6->sin6_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)in6;
        memset(&a, 0, sizeof a);
        a.s6_addr16[5] = 0xffff;
        a.s6_addr32[3] = in->sin_addr.s_addr;
    } else if (in6->sin6_family == AF_INET6) {
        a = in6->sin6_addr;
    } else {
        return dflt;
    }
    for (size_t i = 0;; i++) {
        unsigned bits = list[i].bits;
        const uint8_t *mask = list[i].prefix.s6_addr, *val = a.s6_addr;
        while (bits >= 8) {
            if (*mask != *val) break;
            ++mask, ++val, bits -= 8;
        }
        if (bits < 8 && (*mask & (0xff00 >> bits)) == (*val & (0xff00 >> bits))) return list[i].val;
    }
}

static int fls32(uint32_t a)
{
    int n = 0;
    for (uint32_t mask = 1u << 31; n < 32; mask >>= 1, ++n)
        if (a & mask) break;
    return n;
}

struct sres {
    struct addrinfo *dest;
    struct sockaddr_in6 src;
    uint8_t srclen;
    bool got_src;
    uint8_t flags, prefixlen;
    uint32_t index;
    int32_t native;
};
struct combo {
    struct sres *r;
    int n;
};

/* glibc shifts by (32 - prefixlen) on a 32-bit value: a prefix length of 0
 * gives a shift by 32, which the x86 instruction takes modulo 32. */
static uint32_t v4mask(unsigned prefixlen)
{
    unsigned s = (32 - prefixlen) & 31;
    return 0xffffffffu << s;
}

static int cmp(const void *p1, const void *p2, void *arg)
{
    const size_t i1 = *(const size_t *)p1, i2 = *(const size_t *)p2;
    struct combo *c = arg;
    struct sres *a1 = &c->r[i1], *a2 = &c->r[i2];
    const struct sockaddr_in6 *d1 = (void *)a1->dest->ai_addr, *d2 = (void *)a2->dest->ai_addr;

    if (a1->got_src && !a2->got_src) return -1; /* 1: usable */
    if (!a1->got_src && a2->got_src) return 1;

    int s1 = get_scope(d1), s2 = get_scope(d2);
    if (a1->got_src) { /* 2: matching scope */
        int ss1 = get_scope(&a1->src), ss2 = get_scope(&a2->src);
        if (s1 == ss1 && s2 != ss2) return -1;
        if (s1 != ss1 && s2 == ss2) return 1;
    }
    if (a1->got_src) { /* 3: not deprecated */
        if (!(a1->flags & IN6AI_DEPRECATED) && (a2->flags & IN6AI_DEPRECATED)) return -1;
        if ((a1->flags & IN6AI_DEPRECATED) && !(a2->flags & IN6AI_DEPRECATED)) return 1;
    }
    if (a1->got_src) { /* 4: home addresses */
        if (!(a1->flags & IN6AI_HOMEADDRESS) && (a2->flags & IN6AI_HOMEADDRESS)) return 1;
        if ((a1->flags & IN6AI_HOMEADDRESS) && !(a2->flags & IN6AI_HOMEADDRESS)) return -1;
    }
    if (a1->got_src) { /* 5: matching label */
        int dl1 = match_prefix(d1, labels, INT_MAX), sl1 = match_prefix(&a1->src, labels, INT_MAX);
        int dl2 = match_prefix(d2, labels, INT_MAX), sl2 = match_prefix(&a2->src, labels, INT_MAX);
        if (dl1 == sl1 && dl2 != sl2) return -1;
        if (dl1 != sl1 && dl2 == sl2) return 1;
    }
    int p1_ = match_prefix(d1, precedence, 0), p2_ = match_prefix(d2, precedence, 0);
    if (p1_ > p2_) return -1; /* 6: precedence */
    if (p1_ < p2_) return 1;
    if (a1->got_src && a1->index != a2->index) { /* 7: native transport */
        int n1 = a1->native, n2 = a2->native;
        if (n1 == -1 || n2 == -1) {
            uint32_t x1 = 0xffffffffu, x2 = 0xffffffffu;
            if (n1 == -1) {
                n1 = 0;
                x1 = a1->index;
            }
            if (n2 == -1) {
                n2 = 0;
                x2 = a2->index;
            }
            struct native_q q = {x1, x2, &n1, &n2};
            if (x1 != 0xffffffffu || x2 != 0xffffffffu)
                nl_dump(RTM_GETLINK, RTM_NEWLINK, on_link, &q);
            for (int i = 0; i < c->n; i++) {
                if (x1 != 0xffffffffu && c->r[i].index == x1)
                    c->r[i].native = n1;
                else if (x2 != 0xffffffffu && c->r[i].index == x2)
                    c->r[i].native = n2;
            }
        }
        if (n1 && !n2) return -1;
        if (!n1 && n2) return 1;
    }
    if (s1 < s2) return -1; /* 8: smaller scope */
    if (s1 > s2) return 1;
    if (a1->got_src && a1->dest->ai_family == a2->dest->ai_family) { /* 9: longest prefix */
        int b1 = 0, b2 = 0;
        if (a1->dest->ai_family == AF_INET) {
            const struct sockaddr_in *x = (void *)d1, *y = (void *)d2;
            const struct sockaddr_in *xs = (void *)&a1->src, *ys = (void *)&a2->src;
            uint32_t xd = ntohl(x->sin_addr.s_addr), xsrc = ntohl(xs->sin_addr.s_addr);
            uint32_t yd = ntohl(y->sin_addr.s_addr), ysrc = ntohl(ys->sin_addr.s_addr);
            uint32_t m1 = v4mask(a1->prefixlen), m2 = v4mask(a2->prefixlen);
            if ((xsrc & m1) == (xd & m1)) b1 = fls32(xd ^ xsrc);
            if ((ysrc & m2) == (yd & m2)) b2 = fls32(yd ^ ysrc);
        } else if (a1->dest->ai_family == AF_INET6) {
            int i;
            for (i = 0; i < 4; ++i)
                if (d1->sin6_addr.s6_addr32[i] != a1->src.sin6_addr.s6_addr32[i] ||
                    d2->sin6_addr.s6_addr32[i] != a2->src.sin6_addr.s6_addr32[i])
                    break;
            if (i < 4) {
                b1 = fls32(ntohl(d1->sin6_addr.s6_addr32[i] ^ a1->src.sin6_addr.s6_addr32[i]));
                b2 = fls32(ntohl(d2->sin6_addr.s6_addr32[i] ^ a2->src.sin6_addr.s6_addr32[i]));
            }
        }
        if (b1 > b2) return -1;
        if (b1 < b2) return 1;
    }
    return i1 < i2 ? -1 : 1; /* 10: as received */
}

static int in6aicmp(const void *p1, const void *p2)
{
    return memcmp(((const struct in6ai *)p1)->addr, ((const struct in6ai *)p2)->addr, 16);
}

static int try_connect(int *fdp, int *afp, struct sockaddr_in6 *src, const struct sockaddr *addr,
                       socklen_t alen, int family)
{
    socklen_t sl = sizeof *src;
    for (;;) {
        if (*fdp != -1 && gp_syscall(SYS_connect, *fdp, addr, alen) == 0 &&
            gp_syscall(SYS_getsockname, *fdp, src, &sl) == 0)
            return 1;
        if (errno == EAFNOSUPPORT && *afp == AF_INET6 && family == AF_INET) {
            if (*fdp != -1) gp_syscall(SYS_close, *fdp);
            *afp = AF_INET;
            *fdp = (int)gp_syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_IP);
            continue;
        }
        return 0;
    }
}

void rsv_sort(struct addrinfo **pai)
{
    static int once; /* 0, 1 while being read, 2 */
    int st = 0;
    if (__atomic_compare_exchange_n(&once, &st, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        gaiconf_init();
        __atomic_store_n(&once, 2, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&once, __ATOMIC_ACQUIRE) != 2) gp_cpu_relax();
    }
    int n = 0;
    for (struct addrinfo *q = *pai; q; q = q->ai_next) n++;
    struct sres *r = calloc((size_t)n, sizeof *r);
    size_t *order = calloc((size_t)n, sizeof *order);
    if (!r || !order) {
        free(r);
        free(order);
        return;
    }
    int saved = errno;
    struct pf pf;
    check_pf(&pf);
    if (pf.ai) qsort(pf.ai, pf.n, sizeof *pf.ai, in6aicmp);
    int fd = -1, af = AF_UNSPEC, i;
    char *canon = NULL;
    struct addrinfo *q, *last = NULL;
    for (i = 0, q = *pai; q; ++i, last = q, q = q->ai_next) {
        r[i].dest = q;
        r[i].native = -1;
        order[i] = (size_t)i;
        if (last && last->ai_addrlen == q->ai_addrlen &&
            memcmp(last->ai_addr, q->ai_addr, q->ai_addrlen) == 0) {
            memcpy(&r[i].src, &r[i - 1].src, r[i - 1].srclen);
            r[i].srclen = r[i - 1].srclen;
            r[i].got_src = r[i - 1].got_src;
            r[i].flags = r[i - 1].flags;
            r[i].prefixlen = r[i - 1].prefixlen;
            r[i].index = r[i - 1].index;
        } else {
            r[i].index = 0xffffffffu;
            if (fd == -1 || (af == AF_INET && q->ai_family == AF_INET6)) {
                if (fd != -1) gp_syscall(SYS_close, fd);
                af = q->ai_family;
                fd = (int)gp_syscall(SYS_socket, af, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_IP);
            } else {
                struct sockaddr sa = {.sa_family = AF_UNSPEC};
                gp_syscall(SYS_connect, fd, &sa, sizeof sa);
            }
            if (try_connect(&fd, &af, &r[i].src, q->ai_addr, q->ai_addrlen, q->ai_family)) {
                r[i].srclen = sizeof r[i].src;
                r[i].got_src = true;
                if (pf.ai) {
                    struct in6ai tmp;
                    memset(&tmp, 0, sizeof tmp);
                    if (q->ai_family == AF_INET && af == AF_INET) {
                        struct sockaddr_in *s = (void *)&r[i].src;
                        tmp.addr[2] = htonl(0xffff);
                        if ((ntohl(s->sin_addr.s_addr) & 0xff000000) == 0x7f000000)
                            tmp.addr[3] = htonl(0x7f000001);
                        else
                            tmp.addr[3] = s->sin_addr.s_addr;
                    } else {
                        memcpy(tmp.addr, &r[i].src.sin6_addr, 16);
                    }
                    struct in6ai *found = bsearch(&tmp, pf.ai, pf.n, sizeof *pf.ai, in6aicmp);
                    if (found) {
                        r[i].flags = found->flags;
                        r[i].prefixlen = found->prefixlen;
                        r[i].index = found->index;
                    }
                }
                if (q->ai_family == AF_INET && af == AF_INET6) {
                    struct sockaddr_in6 *s6 = &r[i].src;
                    struct sockaddr_in *s4 = (void *)&r[i].src;
                    uint32_t a = s6->sin6_addr.s6_addr32[3];
                    s4->sin_family = AF_INET;
                    memcpy(&s4->sin_addr, &a, 4);
                    r[i].srclen = sizeof(struct sockaddr_in);
                }
            } else {
                r[i].srclen = 0;
            }
        }
        if (q->ai_canonname) {
            canon = q->ai_canonname;
            q->ai_canonname = NULL;
        }
    }
    if (fd != -1) gp_syscall(SYS_close, fd);
    struct combo c = {r, n};
    qsort_r(order, (size_t)n, sizeof order[0], cmp, &c);
    q = *pai = r[order[0]].dest;
    for (i = 1; i < n; ++i) q = q->ai_next = r[order[i]].dest;
    q->ai_next = NULL;
    (*pai)->ai_canonname = canon;
    free(pf.ai);
    free(r);
    free(order);
    errno = saved;
}
