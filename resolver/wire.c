/* The DNS wire format as glibc's nss_dns reads it: a cursor over a packet
 * and the parsers that turn answers into hostents and address tuples
 * (getanswer_r, getanswer_ptr, gaih_getanswer), following glibc 2.36 step
 * for step (see nss_dns.c for why). */
#include <arpa/inet.h>
#include <errno.h>
#include <nss.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

void pl_add(struct plist *l, void *p)
{
    if (l->failed) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->failed = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = p;
}
void pl_free(struct plist *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* ---- DNS wire format -------------------------------------------------------- */

struct cursor {
    const unsigned char *begin, *end, *cur;
};
struct rr {
    unsigned char rname[NS_MAXCDNAME];
    int rtype, rclass, rdlength;
    const unsigned char *rdata;
};

static int cur_init(struct cursor *c, const unsigned char *buf, size_t len)
{
    c->begin = buf;
    c->end = buf + len;
    c->cur = c->end;
    if (len < 12 || buf[4] != 0 || buf[5] != 1) return 0;
    const unsigned char *p = buf + 12;
    /* an uncompressed question name */
    while (p < c->end && *p) {
        if (*p > 63) return 0;
        p += *p + 1;
    }
    if (p >= c->end || c->end - (p + 1) < 4) return 0;
    c->cur = p + 1 + 4;
    return 1;
}
static const unsigned char *cur_qname(const struct cursor *c)
{
    return c->begin + 12;
}
static int cur_qtype(const struct cursor *c)
{
    const unsigned char *p = c->cur - 4;
    return p[0] << 8 | p[1];
}
static int cur_rcode(const struct cursor *c)
{
    return c->begin[3] & 0xf;
}
static int cur_ancount(const struct cursor *c)
{
    return c->begin[6] << 8 | c->begin[7];
}

static int cur_next(struct cursor *c, struct rr *rr)
{
    int n = ns_name_unpack(c->begin, c->end, c->cur, rr->rname, sizeof rr->rname);
    if (n < 0 || c->end - (c->cur + n) < 10) return 0;
    const unsigned char *p = c->cur + n;
    rr->rtype = p[0] << 8 | p[1];
    rr->rclass = p[2] << 8 | p[3];
    rr->rdlength = p[8] << 8 | p[9];
    p += 10;
    if (c->end - p < rr->rdlength) return 0;
    rr->rdata = p;
    c->cur = p + rr->rdlength;
    return 1;
}

/* __res_binary_hnok: [0-9A-Za-z_-] labels, no leading '-'. */
static int hnok(const unsigned char *dn)
{
    if (dn[0] > 0 && dn[1] == '-') return 0;
    while (*dn) {
        int len = *dn++;
        for (int i = 0; i < len; i++, dn++) {
            unsigned char ch = *dn;
            if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= 'a' && ch <= 'z') || ch == '-' || ch == '_'))
                return 0;
        }
    }
    return 1;
}

/* __ns_samebinaryname */
static int samebin(const unsigned char *a, const unsigned char *b)
{
    while (*a && *b) {
        if (*a != *b) return 0;
        int len = *a;
        a++, b++;
        for (int i = 0; i < len; i++, a++, b++) {
            unsigned char x = *a, y = *b;
            if (x >= 'a' && x <= 'z') x -= 32;
            if (y >= 'a' && y <= 'z') y -= 32;
            if (x != y) return 0;
        }
    }
    return *a == 0 && *b == 0;
}

static int rdata_len(int type)
{
    return type == ns_t_a ? 4 : type == ns_t_aaaa ? 16 : -1;
}

/* ---- nss_dns: getanswer_r, getanswer_ptr, gaih_getanswer ------------------- */

static int store_alias(const unsigned char *cdname, struct abuf *b, struct plist *aliases)
{
    char dname[MAXHOSTNAMELEN + 1];
    if (!hnok(cdname)) return 0;
    if (ns_name_ntop(cdname, dname, sizeof dname) < 0) return 0;
    pl_add(aliases, ab_string(b, dname));
    return 1;
}

enum nss_status getanswer_r(const unsigned char *pkt, size_t len, int qtype, struct abuf *b,
                            struct plist *addrs, struct plist *aliases, int *errnop, int *h_errnop)
{
    struct cursor c;
    if (!cur_init(&c, pkt, len)) {
        *h_errnop = NO_RECOVERY;
        return NSS_STATUS_UNAVAIL;
    }
    if (cur_rcode(&c) == ns_r_nxdomain || !store_alias(cur_qname(&c), b, aliases)) {
        *h_errnop = HOST_NOT_FOUND;
        *errnop = ENOENT;
        return NSS_STATUS_NOTFOUND;
    }
    int ancount = cur_ancount(&c);
    unsigned char namebuf[NS_MAXCDNAME];
    const unsigned char *expected = cur_qname(&c);
    struct rr rr;
    for (; ancount > 0; --ancount) {
        if (!cur_next(&c, &rr)) {
            *h_errnop = NO_RECOVERY;
            return NSS_STATUS_UNAVAIL;
        }
        if (rr.rclass != ns_c_in) continue;
        if (rr.rtype == ns_t_cname) {
            if (ns_name_unpack(c.begin, c.end, rr.rdata, namebuf, sizeof namebuf) < 0) {
                *h_errnop = NO_RECOVERY;
                return NSS_STATUS_UNAVAIL;
            }
            store_alias(namebuf, b, aliases);
            expected = namebuf;
        } else if (rr.rtype == qtype && samebin(rr.rname, expected) &&
                   rr.rdlength == rdata_len(qtype)) {
            pl_add(addrs, ab_next(b, 4));
            ab_copy(b, rr.rdata, (size_t)rr.rdlength);
        }
    }
    if (addrs->n == 0) {
        *h_errnop = NO_RECOVERY;
        *errnop = ENOENT;
        return NSS_STATUS_TRYAGAIN;
    }
    *h_errnop = NETDB_SUCCESS;
    return NSS_STATUS_SUCCESS;
}

enum nss_status getanswer_ptr(const unsigned char *pkt, size_t len, struct abuf *b, char **hnamep,
                              int *errnop, int *h_errnop)
{
    struct cursor c;
    if (!cur_init(&c, pkt, len)) {
        *h_errnop = NO_RECOVERY;
        return NSS_STATUS_UNAVAIL;
    }
    int ancount = cur_ancount(&c);
    unsigned char namebuf[NS_MAXCDNAME];
    const unsigned char *expected = cur_qname(&c);
    struct rr rr;
    while (ancount > 0) {
        if (!cur_next(&c, &rr)) {
            *h_errnop = NO_RECOVERY;
            return NSS_STATUS_UNAVAIL;
        }
        if (rr.rclass != ns_c_in) continue; /* sic: glibc does not count these */
        if (rr.rtype == ns_t_cname) {
            if (ns_name_unpack(c.begin, c.end, rr.rdata, namebuf, sizeof namebuf) < 0) {
                *h_errnop = NO_RECOVERY;
                return NSS_STATUS_UNAVAIL;
            }
            expected = namebuf;
        } else if (rr.rtype == ns_t_ptr && samebin(rr.rname, expected)) {
            char hname[MAXHOSTNAMELEN + 1];
            if (ns_name_unpack(c.begin, c.end, rr.rdata, namebuf, sizeof namebuf) < 0 ||
                !hnok(expected) || ns_name_ntop(namebuf, hname, sizeof hname) < 0) {
                *h_errnop = NO_RECOVERY;
                return NSS_STATUS_UNAVAIL;
            }
            *hnamep = ab_string(b, hname);
            return NSS_STATUS_SUCCESS;
        }
    }
    *h_errnop = NO_RECOVERY;
    *errnop = ENOENT;
    return NSS_STATUS_TRYAGAIN;
}

void at_free(struct at *a)
{
    while (a) {
        struct at *n = a->next;
        free(a->name);
        free(a);
        a = n;
    }
}

static enum nss_status gaih_slice(const unsigned char *pkt, size_t len, struct at ***tailp,
                                  int *h_errnop, bool store_canon)
{
    struct cursor c;
    if (!cur_init(&c, pkt, len)) {
        *h_errnop = NO_RECOVERY;
        return NSS_STATUS_UNAVAIL;
    }
    bool have = false;
    int qtype = cur_qtype(&c), ancount = cur_ancount(&c);
    unsigned char namebuf[NS_MAXCDNAME];
    const unsigned char *expected = cur_qname(&c), *alias = expected;
    if (ancount == 0 || !hnok(alias)) {
        *h_errnop = HOST_NOT_FOUND;
        return NSS_STATUS_NOTFOUND;
    }
    struct rr rr;
    for (; ancount > 0; --ancount) {
        if (!cur_next(&c, &rr)) {
            *h_errnop = NO_RECOVERY;
            return NSS_STATUS_UNAVAIL;
        }
        if (rr.rtype == ns_t_cname) {
            if (ns_name_unpack(c.begin, c.end, rr.rdata, namebuf, sizeof namebuf) < 0) {
                *h_errnop = NO_RECOVERY;
                return NSS_STATUS_UNAVAIL;
            }
            expected = namebuf;
            if (store_canon && hnok(namebuf)) alias = rr.rdata;
        } else if (rr.rtype == qtype && samebin(rr.rname, expected) &&
                   rr.rdlength == rdata_len(qtype)) {
            struct at *t = calloc(1, sizeof *t);
            if (!t) continue; /* glibc: reported as a resize, never seen here */
            if (store_canon && alias) {
                unsigned char nbuf[NS_MAXCDNAME];
                char hname[MAXHOSTNAMELEN + 1];
                if (ns_name_unpack(c.begin, c.end, alias, nbuf, sizeof nbuf) >= 0 &&
                    ns_name_ntop(nbuf, hname, sizeof hname) >= 0)
                    t->name = strdup(hname);
                store_canon = false;
            }
            t->family = rr.rdlength == 4 ? AF_INET : AF_INET6;
            memcpy(t->addr, rr.rdata, (size_t)rr.rdlength);
            **tailp = t;
            *tailp = &t->next;
            have = true;
        }
    }
    if (have) {
        *h_errnop = NETDB_SUCCESS;
        return NSS_STATUS_SUCCESS;
    }
    *h_errnop = HOST_NOT_FOUND;
    return NSS_STATUS_NOTFOUND;
}

enum nss_status gaih_getanswer(const unsigned char *p1, size_t l1, const unsigned char *p2,
                               size_t l2, struct at **pat, int *h_errnop)
{
    enum nss_status status = NSS_STATUS_NOTFOUND;
    struct at **tail = pat;
    if (p1 && l1 > 0) status = gaih_slice(p1, l1, &tail, h_errnop, true);
    if ((status == NSS_STATUS_SUCCESS || status == NSS_STATUS_NOTFOUND) && p2 && l2 > 0) {
        enum nss_status s2 = gaih_slice(p2, l2, &tail, h_errnop, status != NSS_STATUS_SUCCESS);
        if (status != NSS_STATUS_SUCCESS && s2 != NSS_STATUS_NOTFOUND) status = s2;
    }
    return status;
}
