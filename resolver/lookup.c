/* What glibc's DNS module (nss_dns) and getaddrinfo make of the answers.
 *
 * Each function below follows the glibc 2.36 function it is named after,
 * step for step, because callers can tell: which records become addresses
 * and aliases, which name is canonical, how a CNAME without addresses or a
 * NODATA answer turns into EAI_NODATA or EAI_NONAME, where results go in the
 * caller's buffer (so ERANGE comes at the same size), and what h_errno and
 * errno are left behind. Only the DNS module is emulated: by the time a
 * question gets here /etc/hosts has been asked and had nothing, and the
 * hosts database ends with the DNS module, so its result is the result. */
#include <arpa/inet.h>
#include <errno.h>
#include <nss.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rsv_int.h"

#ifndef AI_IDN
#define AI_IDN 0x0040
#endif

/* ---- glibc's alloc_buffer, for identical layouts in callers' buffers ------ */

struct abuf {
    uintptr_t cur, end;
    int failed;
};

static struct abuf ab_create(void *buf, size_t len)
{
    return (struct abuf){(uintptr_t)buf, (uintptr_t)buf + len, 0};
}

static void *ab_alloc(struct abuf *b, size_t size, size_t align)
{
    if (b->failed) return NULL;
    uintptr_t a = (b->cur + align - 1) & ~(uintptr_t)(align - 1);
    if (a < b->cur || a + size < size || a + size > b->end) {
        b->failed = 1;
        return NULL;
    }
    b->cur = a + size;
    return (void *)a;
}

static void *ab_next(struct abuf *b, size_t align)
{
    if (b->failed) return NULL;
    uintptr_t a = (b->cur + align - 1) & ~(uintptr_t)(align - 1);
    if (a < b->cur || a > b->end) {
        b->failed = 1;
        return NULL;
    }
    b->cur = a;
    return (void *)a;
}

static void *ab_copy(struct abuf *b, const void *src, size_t n)
{
    void *p = ab_alloc(b, n, 1);
    if (p) memcpy(p, src, n);
    return p;
}

static char *ab_string(struct abuf *b, const char *s)
{
    return ab_copy(b, s, strlen(s) + 1);
}

/* A growable list of pointers (glibc's ptrlist); NULL entries allowed. */
struct plist {
    void **v;
    size_t n, cap;
    int failed;
};
static void pl_add(struct plist *l, void *p)
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
static void pl_free(struct plist *l)
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

static enum nss_status getanswer_r(const unsigned char *pkt, size_t len, int qtype, struct abuf *b,
                                   struct plist *addrs, struct plist *aliases, int *errnop,
                                   int *h_errnop)
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

static enum nss_status getanswer_ptr(const unsigned char *pkt, size_t len, struct abuf *b,
                                     char **hnamep, int *errnop, int *h_errnop)
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

/* glibc's struct gaih_addrtuple, malloc'd one by one here. */
struct at {
    struct at *next;
    char *name; /* the canonical name, on the first tuple of gethostbyname4_r */
    int family;
    uint32_t addr[4];
    uint32_t scopeid;
};

static void at_free(struct at *a)
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

static enum nss_status gaih_getanswer(const unsigned char *p1, size_t l1, const unsigned char *p2,
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

/* ---- nss_dns entry points ---------------------------------------------------- */

/* The errno switch after a failed search in nss_dns. */
static enum nss_status search_failed(const struct rsv_ans *a, int olderr, int *errnop,
                                     int *h_errnop)
{
    enum nss_status status;
    switch (a->err) {
    case ESRCH:
        status = NSS_STATUS_TRYAGAIN;
        h_errno = TRY_AGAIN;
        break;
    case ECONNREFUSED:
    case ETIMEDOUT:
        status = NSS_STATUS_UNAVAIL;
        break;
    default:
        status = NSS_STATUS_NOTFOUND;
        break;
    }
    *h_errnop = h_errno;
    if (h_errno == TRY_AGAIN)
        *errnop = EAGAIN;
    else
        errno = olderr;
    return status;
}

static int check_name(const char *name, int *h_errnop)
{
    if (res_hnok(name)) return 1;
    *h_errnop = HOST_NOT_FOUND;
    return 0;
}

/* _nss_dns_gethostbyname4_r: the A and AAAA pair, tuples in *pat. */
static enum nss_status dns_gethostbyname4(struct rsv_conf *conf, const char *name, struct at **pat,
                                          int *errnop, int *h_errnop)
{
    char tmp[NS_MAXDNAME];
    const char *cp;
    *pat = NULL;
    if (!check_name(name, h_errnop)) return NSS_STATUS_NOTFOUND;
    if (!strchr(name, '.') && (cp = rsv_hostalias(conf, name, tmp, sizeof tmp))) name = cp;
    int olderr = errno;
    enum nss_status status;
    struct rsv_ans a;
    int noaaaa = (conf->options & RES_NOAAAA) != 0;
    rsv_search(conf, name, noaaaa ? ns_t_a : RSV_T_A_AAAA, &a);
    h_errno = a.herr;
    if (a.n >= 0)
        status = gaih_getanswer(a.pkt[0], (size_t)a.len[0], noaaaa ? NULL : a.pkt[1],
                                noaaaa ? 0 : (size_t)a.len[1], pat, h_errnop);
    else
        status = search_failed(&a, olderr, errnop, h_errnop);
    rsv_ans_free(&a);
    return status;
}

/* gethostbyname3_context: one family, the hostent in the abuf. The
 * answer's own size decides the buffer when buf is NULL (*bufp gets it). */
static enum nss_status dns_gethostbyname3(struct rsv_conf *conf, const char *name, int af,
                                          struct hostent *result, char *buf, size_t buflen,
                                          char **bufp, int *errnop, int *h_errnop, char **canonp)
{
    char tmp[NS_MAXDNAME];
    const char *cp;
    int size, type;
    switch (af) {
    case AF_INET:
        size = 4;
        type = ns_t_a;
        break;
    case AF_INET6:
        size = 16;
        type = ns_t_aaaa;
        break;
    default:
        *h_errnop = NO_DATA;
        *errnop = EAFNOSUPPORT;
        return NSS_STATUS_UNAVAIL;
    }
    result->h_addrtype = af;
    result->h_length = size;
    if (!strchr(name, '.') && (cp = rsv_hostalias(conf, name, tmp, sizeof tmp))) name = cp;
    int olderr = errno;
    enum nss_status status;
    struct rsv_ans a;
    rsv_search(conf, name, type, &a);
    h_errno = a.herr;
    if (a.n < 0) {
        status = search_failed(&a, olderr, errnop, h_errnop);
        rsv_ans_free(&a);
        return status;
    }
    if (!buf) {
        buflen = 4 * (size_t)a.len[0] + 1024;
        if (!(buf = *bufp = malloc(buflen))) {
            rsv_ans_free(&a);
            *errnop = ENOMEM;
            *h_errnop = NETDB_INTERNAL;
            return NSS_STATUS_UNAVAIL;
        }
    }
    struct abuf b = ab_create(buf, buflen);
    struct plist addrs = {0}, aliases = {0};
    status = getanswer_r(a.pkt[0], (size_t)a.len[0], type, &b, &addrs, &aliases, errnop, h_errnop);
    if (status == NSS_STATUS_SUCCESS) {
        if (addrs.failed || aliases.failed) {
            *errnop = ENOMEM;
            *h_errnop = NETDB_INTERNAL;
            status = NSS_STATUS_UNAVAIL;
        }
        char **al = ab_alloc(&b, (addrs.n + 1) * sizeof(char *), _Alignof(char *));
        char **ali = ab_alloc(&b, aliases.n * sizeof(char *), _Alignof(char *));
        if (b.failed) {
            *errnop = ERANGE;
            *h_errnop = NETDB_INTERNAL;
            status = NSS_STATUS_TRYAGAIN;
        } else {
            memcpy(al, addrs.v, addrs.n * sizeof(char *));
            al[addrs.n] = NULL;
            result->h_addr_list = al;
            /* resolv.conf's sortlist (addrsort) */
            if (type == ns_t_a && conf->nsort > 0) {
                int num = (int)addrs.n, aval[64], needsort = 0, i, j;
                if (num > 64) num = 64;
                for (i = 0; i < num; i++) {
                    for (j = 0; j < conf->nsort; j++)
                        if (conf->sort_addr[j].s_addr ==
                            (((struct in_addr *)al[i])->s_addr & conf->sort_mask[j].s_addr))
                            break;
                    aval[i] = j;
                    if (needsort == 0 && i > 0 && j < aval[i - 1]) needsort = i;
                }
                if (needsort) {
                    while (needsort++ < num) {
                        for (j = needsort - 2; j >= 0; j--) {
                            if (aval[j] <= aval[j + 1]) break;
                            int t = aval[j];
                            aval[j] = aval[j + 1];
                            aval[j + 1] = t;
                            char *hp = al[j];
                            al[j] = al[j + 1];
                            al[j + 1] = hp;
                        }
                    }
                }
            }
            memcpy(ali, aliases.v, (aliases.n - 1) * sizeof(char *));
            ali[aliases.n - 1] = NULL;
            result->h_aliases = ali;
            result->h_name = aliases.v[aliases.n - 1];
            if (canonp) *canonp = result->h_name;
        }
    }
    pl_free(&addrs);
    pl_free(&aliases);
    rsv_ans_free(&a);
    return status;
}

/* _nss_dns_gethostbyaddr2_r */
static enum nss_status dns_gethostbyaddr2(struct rsv_conf *conf, const void *addr, socklen_t len,
                                          int af, struct hostent *result, char *buf, size_t buflen,
                                          int *errnop, int *h_errnop)
{
    static const unsigned char mapped[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char tunnelled[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char v6local[] = {0, 0, 0, 1};
    const unsigned char *uaddr = addr;
    char qbuf[NS_MAXDNAME + 1], *qp;
    struct abuf b = ab_create(buf, buflen);
    char **address_array = ab_alloc(&b, 2 * sizeof(char *), _Alignof(char *));
    if (!address_array) {
        *errnop = ERANGE;
        *h_errnop = NETDB_INTERNAL;
        return NSS_STATUS_TRYAGAIN;
    }
    if (af == AF_INET6 && len == 16 &&
        (memcmp(uaddr, mapped, sizeof mapped) == 0 ||
         (memcmp(uaddr, tunnelled, sizeof tunnelled) == 0 &&
          memcmp(&uaddr[sizeof tunnelled], v6local, sizeof v6local)))) {
        uaddr += sizeof mapped;
        af = AF_INET;
        len = 4;
    }
    socklen_t size = af == AF_INET ? 4 : af == AF_INET6 ? 16 : 0;
    if (!size || size > len) {
        *errnop = EAFNOSUPPORT;
        *h_errnop = NETDB_INTERNAL;
        return NSS_STATUS_UNAVAIL;
    }
    if (af == AF_INET) {
        snprintf(qbuf, sizeof qbuf, "%u.%u.%u.%u.in-addr.arpa", uaddr[3], uaddr[2], uaddr[1],
                 uaddr[0]);
    } else {
        static const char nib[] = "0123456789abcdef";
        qp = qbuf;
        for (int n = 15; n >= 0; n--) {
            *qp++ = nib[uaddr[n] & 0xf];
            *qp++ = '.';
            *qp++ = nib[(uaddr[n] >> 4) & 0xf];
            *qp++ = '.';
        }
        strcpy(qp, "ip6.arpa");
    }
    int olderr = errno;
    struct rsv_ans a;
    rsv_query(conf, qbuf, ns_t_ptr, &a);
    h_errno = a.herr;
    if (a.n < 0) {
        *h_errnop = a.herr;
        errno = olderr;
        int refused = a.err == ECONNREFUSED;
        rsv_ans_free(&a);
        return refused ? NSS_STATUS_UNAVAIL : NSS_STATUS_NOTFOUND;
    }
    enum nss_status status =
        getanswer_ptr(a.pkt[0], (size_t)a.len[0], &b, &result->h_name, errnop, h_errnop);
    rsv_ans_free(&a);
    if (status != NSS_STATUS_SUCCESS) return status;
    result->h_addrtype = af;
    result->h_length = (int)len;
    address_array[0] = ab_next(&b, 4);
    ab_copy(&b, uaddr, len);
    address_array[1] = NULL;
    if (b.failed) {
        *errnop = ERANGE;
        *h_errnop = NETDB_INTERNAL;
        return NSS_STATUS_TRYAGAIN;
    }
    result->h_addr_list = address_array;
    result->h_aliases = &address_array[1];
    *h_errnop = NETDB_SUCCESS;
    return NSS_STATUS_SUCCESS;
}

/* ---- the getXXbyYY_r wrappers ------------------------------------------------- */

/* What __gethostbyname2_r / __gethostbyaddr_r return once the DNS module
 * (the last in the hosts database) answered with status. */
static int xx_r_return(enum nss_status status, struct hostent *ret, struct hostent **result,
                       int *h_errnop)
{
    *result = status == NSS_STATUS_SUCCESS ? ret : NULL;
    int res;
    if (status == NSS_STATUS_SUCCESS || status == NSS_STATUS_NOTFOUND)
        res = 0;
    else if (errno == ERANGE && status != NSS_STATUS_TRYAGAIN)
        res = EINVAL;
    else if (status == NSS_STATUS_TRYAGAIN && *h_errnop != NETDB_INTERNAL)
        res = EAGAIN;
    else
        return errno;
    errno = res;
    return res;
}

int rsv_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
                         struct hostent **result, int *h_errnop)
{
    struct rsv_conf *conf = rsv_conf_get();
    if (!conf) {
        *h_errnop = NETDB_INTERNAL;
        *result = NULL;
        return errno;
    }
    enum nss_status status;
    if (!check_name(name, h_errnop))
        status = NSS_STATUS_NOTFOUND;
    else
        status = dns_gethostbyname3(conf, name, af, ret, buf, buflen, NULL, &errno, h_errnop, NULL);
    /* The ERANGE protocol: the caller should try a larger buffer. */
    if (status == NSS_STATUS_TRYAGAIN && *h_errnop == NETDB_INTERNAL && errno == ERANGE) {
        rsv_conf_put(conf);
        *result = NULL;
        return ERANGE;
    }
    rsv_conf_put(conf);
    return xx_r_return(status, ret, result, h_errnop);
}

int rsv_gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *ret, char *buf,
                        size_t buflen, struct hostent **result, int *h_errnop)
{
    struct rsv_conf *conf = rsv_conf_get();
    if (!conf) {
        *h_errnop = NETDB_INTERNAL;
        *result = NULL;
        return errno;
    }
    enum nss_status status =
        dns_gethostbyaddr2(conf, addr, len, af, ret, buf, buflen, &errno, h_errnop);
    rsv_conf_put(conf);
    if (status == NSS_STATUS_TRYAGAIN && *h_errnop == NETDB_INTERNAL && errno == ERANGE) {
        *result = NULL;
        return ERANGE;
    }
    return xx_r_return(status, ret, result, h_errnop);
}

/* ---- getaddrinfo ------------------------------------------------------------------ */

struct gres {
    struct at *at;
    char *canon, *h_name;
    bool got_ipv6;
};

static void gres_reset(struct gres *r)
{
    at_free(r->at);
    free(r->canon);
    free(r->h_name);
    memset(r, 0, sizeof *r);
}

/* convert_hostent_to_gaih_addrtuple */
static int convert_hostent(const struct addrinfo *req, int family, struct hostent *h,
                           struct gres *res)
{
    size_t count = 0;
    for (char **p = h->h_addr_list; *p; ++p) ++count;
    if (count == 0 || h->h_length > 16) return 1;
    struct at **tail = &res->at;
    while (*tail) tail = &(*tail)->next;
    res->got_ipv6 = family == AF_INET6;
    if (!res->h_name && !(res->h_name = strdup(h->h_name))) return 0;
    for (size_t i = 0; i < count; i++) {
        struct at *t = calloc(1, sizeof *t);
        if (!t) return 0;
        if (family == AF_INET && req->ai_family == AF_INET6) {
            t->family = AF_INET6;
            memcpy(t->addr + 3, h->h_addr_list[i], 4);
            t->addr[2] = htonl(0xffff);
        } else {
            t->family = family;
            memcpy(t->addr, h->h_addr_list[i], (size_t)h->h_length);
        }
        *tail = t;
        tail = &t->next;
    }
    return 1;
}

/* gethosts */
static int gethosts(struct rsv_conf *conf, int family, const char *name, const struct addrinfo *req,
                    struct gres *res, enum nss_status *statusp, int *no_datap)
{
    struct hostent th;
    char *canon = NULL, *buf = NULL;
    enum nss_status status;
    *no_datap = 0;
    if (req->ai_flags & AI_CANONNAME) /* gethostbyname3_r */
        status =
            dns_gethostbyname3(conf, name, family, &th, NULL, 0, &buf, &errno, &h_errno, &canon);
    else if (!check_name(name, &h_errno)) /* gethostbyname2_r */
        status = NSS_STATUS_NOTFOUND;
    else
        status = dns_gethostbyname3(conf, name, family, &th, NULL, 0, &buf, &errno, &h_errno, NULL);
    *statusp = status;
    int r = 0;
    if (status == NSS_STATUS_NOTFOUND || status == NSS_STATUS_TRYAGAIN ||
        status == NSS_STATUS_UNAVAIL) {
        if (h_errno == NETDB_INTERNAL)
            r = -EAI_SYSTEM;
        else if (h_errno == TRY_AGAIN)
            *no_datap = EAI_AGAIN;
        else
            *no_datap = h_errno == NO_DATA;
    } else if (status == NSS_STATUS_SUCCESS) {
        if (!convert_hostent(req, family, &th, res))
            r = -EAI_MEMORY;
        else if (canon && !res->canon && !(res->canon = strdup(canon)))
            r = -EAI_MEMORY;
    }
    free(buf);
    return r;
}

/* get_nss_addresses, with the DNS module as the one that answers */
static int get_dns_addresses(struct rsv_conf *conf, const char *name, const struct addrinfo *req,
                             struct gres *res)
{
    int no_data = 0, no_inet6_data = 0, result = 0;
    enum nss_status inet6_status = NSS_STATUS_UNAVAIL, status = NSS_STATUS_UNAVAIL;
    if (req->ai_family == AF_UNSPEC) {
        status = dns_gethostbyname4(conf, name, &res->at, &errno, &h_errno);
        if (status == NSS_STATUS_SUCCESS) {
            no_data = 1;
            if ((req->ai_flags & AI_CANONNAME) && !res->canon) {
                res->canon = strdup(res->at->name ? res->at->name : name);
                if (!res->canon) {
                    result = -EAI_MEMORY;
                    goto out;
                }
            }
            if (res->at) no_data = 0; /* AF_UNSPEC keeps every tuple */
        } else {
            at_free(res->at);
            res->at = NULL;
            no_data = h_errno == TRY_AGAIN ? EAI_AGAIN : h_errno == NO_DATA;
        }
        no_inet6_data = no_data;
    } else {
        if (req->ai_family == AF_INET6) {
            if ((result = gethosts(conf, AF_INET6, name, req, res, &status, &no_data)) != 0)
                goto out;
            no_inet6_data = no_data;
            inet6_status = status;
        }
        if (req->ai_family == AF_INET ||
            (req->ai_family == AF_INET6 && (req->ai_flags & AI_V4MAPPED) &&
             ((req->ai_flags & AI_ALL) || !res->got_ipv6))) {
            if ((result = gethosts(conf, AF_INET, name, req, res, &status, &no_data)) != 0)
                goto out;
            if (req->ai_family == AF_INET) {
                no_inet6_data = no_data;
                inet6_status = status;
            }
        }
        if (inet6_status == NSS_STATUS_SUCCESS || status == NSS_STATUS_SUCCESS) {
            if ((req->ai_flags & AI_CANONNAME) && !res->canon) {
                /* getcanonname: a copy of the name asked for */
                if (!(res->canon = strdup(name))) {
                    result = -EAI_MEMORY;
                    goto out;
                }
            }
            status = NSS_STATUS_SUCCESS;
        } else if (inet6_status == NSS_STATUS_TRYAGAIN) {
            status = NSS_STATUS_TRYAGAIN;
        } else if (status == NSS_STATUS_UNAVAIL && inet6_status != NSS_STATUS_UNAVAIL) {
            status = inet6_status;
        }
    }
    if ((status == NSS_STATUS_TRYAGAIN || status == NSS_STATUS_UNAVAIL) &&
        h_errno == NETDB_INTERNAL) {
        result = -EAI_SYSTEM;
        goto out;
    }
    if (no_data != 0 && no_inet6_data != 0)
        result = no_data == EAI_AGAIN && no_inet6_data == EAI_AGAIN ? -EAI_AGAIN : -EAI_NODATA;
out:
    if (result != 0) gres_reset(res);
    return result;
}

/* try_simple_gethostbyname: AF_INET without AI_CANONNAME asks
 * gethostbyname2_r, whose conventions differ. */
static int try_simple(struct rsv_conf *conf, const char *name, const struct addrinfo *req,
                      struct gres *res)
{
    struct hostent th;
    char *buf = NULL;
    enum nss_status status;
    int herr;
    if (!check_name(name, &herr))
        status = NSS_STATUS_NOTFOUND;
    else
        status = dns_gethostbyname3(conf, name, AF_INET, &th, NULL, 0, &buf, &errno, &herr, NULL);
    h_errno = herr;
    struct hostent *h;
    int rc = xx_r_return(status, &th, &h, &herr);
    int r = 0;
    if (rc == 0) {
        if (h) {
            if (!convert_hostent(req, AF_INET, h, res)) r = -EAI_MEMORY;
        } else {
            r = herr == NO_DATA ? -EAI_NODATA : -EAI_NONAME;
        }
    } else if (herr == NETDB_INTERNAL) {
        r = -EAI_SYSTEM;
    } else if (herr == TRY_AGAIN) {
        r = -EAI_AGAIN;
    } else {
        r = -EAI_NODATA;
    }
    free(buf);
    return r;
}

/* generate_addrinfo */
static int generate(const struct addrinfo *req, struct gres *res, const struct rsv_st *st, int nst,
                    struct addrinfo **pai, unsigned *naddrs)
{
    for (struct at *at = res->at; at; at = at->next) {
        int family = at->family;
        size_t socklen;
        if (family == AF_INET6) {
            socklen = sizeof(struct sockaddr_in6);
            if (res->got_ipv6 && (req->ai_flags & (AI_V4MAPPED | AI_ALL)) == AI_V4MAPPED &&
                IN6_IS_ADDR_V4MAPPED((struct in6_addr *)at->addr))
                continue;
        } else {
            socklen = sizeof(struct sockaddr_in);
        }
        for (int i = 0; i < nst; i++) {
            struct addrinfo *ai = *pai = malloc(sizeof *ai + socklen);
            if (!ai) return -EAI_MEMORY;
            memset(ai, 0, sizeof *ai + socklen);
            ai->ai_flags = req->ai_flags;
            ai->ai_family = family;
            ai->ai_socktype = st[i].socktype;
            ai->ai_protocol = st[i].protocol;
            ai->ai_addrlen = (socklen_t)socklen;
            ai->ai_addr = (void *)(ai + 1);
            ai->ai_canonname = res->canon; /* only the first gets it */
            res->canon = NULL;
            ai->ai_addr->sa_family = (sa_family_t)family;
            ai->ai_next = NULL;
            if (family == AF_INET6) {
                struct sockaddr_in6 *s6 = (void *)ai->ai_addr;
                s6->sin6_port = (in_port_t)st[i].port;
                memcpy(&s6->sin6_addr, at->addr, 16);
                s6->sin6_scope_id = at->scopeid;
            } else {
                struct sockaddr_in *s4 = (void *)ai->ai_addr;
                s4->sin_port = (in_port_t)st[i].port;
                memcpy(&s4->sin_addr, at->addr, 4);
            }
            pai = &ai->ai_next;
        }
        ++*naddrs;
    }
    return 0;
}

static void free_list(struct addrinfo *ai)
{
    while (ai) {
        struct addrinfo *n = ai->ai_next;
        free(ai->ai_canonname);
        free(ai);
        ai = n;
    }
}

int rsv_getaddrinfo(const char *name, const struct addrinfo *req, const struct rsv_st *st, int nst,
                    struct addrinfo **pai)
{
    struct rsv_conf *conf = rsv_conf_get();
    if (!conf) return EAI_MEMORY;
    struct gres res = {0};
    int result;
    if (req->ai_family == AF_INET && !(req->ai_flags & AI_CANONNAME))
        result = try_simple(conf, name, req, &res);
    else
        result = get_dns_addresses(conf, name, req, &res);
    rsv_conf_put(conf);
    if (result == 0 && !res.at) result = -EAI_NONAME;
    struct addrinfo *p = NULL;
    unsigned naddrs = 0;
    if (result == 0) {
        /* process_canonname (an ASCII name is its own IDNA encoding) */
        if ((req->ai_flags & AI_CANONNAME) && !res.canon && !(res.canon = strdup(name)))
            result = -EAI_MEMORY;
        if (result == 0) result = generate(req, &res, st, nst, &p, &naddrs);
    }
    int saved = errno;
    gres_reset(&res);
    errno = saved;
    if (result != 0) {
        free_list(p);
        return -result;
    }
    if (naddrs > 1) rsv_sort(&p);
    if (!p) return EAI_NONAME;
    *pai = p;
    return 0;
}
