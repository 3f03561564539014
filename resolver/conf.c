/* Configuration: glibc's own reading of /etc/resolv.conf, and the
 * GEVENT_RESOLVER_NAMESERVERS override.
 *
 * res_ninit on a private state gives exactly what glibc's stub resolver
 * would use (nameserver, search/domain, ndots, timeout, attempts, rotate,
 * use-vc, edns0, no-aaaa, sortlist; LOCALDOMAIN and RES_OPTIONS from the
 * environment). Like glibc, the file is re-read when it changes. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rsv_int.h"

struct rsv_libc rsv_libc;

void rsv_setup(const struct rsv_libc *libc)
{
    rsv_libc = *libc;
    ares_library_init(ARES_LIB_INIT_ALL);
}

/* ---- GEVENT_RESOLVER_NAMESERVERS ------------------------------------------ */

static struct sockaddr_in6 ovr[RSV_MAXNS];
static int novr;

static const char *parse_port(const char *p, const char *end, unsigned short *port)
{
    unsigned long v = 0;
    if (p == end) return "empty port";
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p)) return "port is not a number";
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 65535) return "port above 65535";
    }
    if (v == 0) return "port 0";
    *port = htons((unsigned short)v);
    return NULL;
}

static const char *parse_one(const char *p, const char *end, struct sockaddr_in6 *out)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *hend = end, *port = NULL;
    unsigned short nport = htons(53);
    int v6 = 0;
    if (p == end) return "empty entry";
    if (*p == '[') { /* [addr] or [addr]:port */
        const char *rb = memchr(p, ']', (size_t)(end - p));
        if (!rb) return "missing ']'";
        p++;
        hend = rb;
        v6 = 1;
        if (rb + 1 < end) {
            if (rb[1] != ':') return "junk after ']'";
            port = rb + 2;
        }
    } else {
        const char *c1 = memchr(p, ':', (size_t)(end - p));
        if (c1 && memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) {
            v6 = 1; /* a bare IPv6 address: no port */
        } else if (c1) {
            hend = c1;
            port = c1 + 1;
        }
    }
    if ((size_t)(hend - p) >= sizeof host) return "address too long";
    memcpy(host, p, (size_t)(hend - p));
    host[hend - p] = 0;
    if (port) {
        const char *why = parse_port(port, end, &nport);
        if (why) return why;
    }
    memset(out, 0, sizeof *out);
    if (v6) {
        if (strchr(host, '%')) return "scoped IPv6 addresses are not supported";
        if (inet_pton(AF_INET6, host, &out->sin6_addr) != 1) return "not an IPv6 address";
        out->sin6_family = AF_INET6;
        out->sin6_port = nport;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)out;
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) return "not an IPv4 address";
        s4->sin_family = AF_INET;
        s4->sin_port = nport;
    }
    return NULL;
}

const char *rsv_set_nameservers(const char *spec)
{
    static char why[192];
    int n = 0;
    const char *p = spec;
    if (!*spec) return "empty; allowed: ip[:port],... with IPv6 as [addr]:port";
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        if (n == RSV_MAXNS) {
            snprintf(why, sizeof why, "more than %d servers", RSV_MAXNS);
            return why;
        }
        const char *err = parse_one(p, end, &ovr[n]);
        if (err) {
            snprintf(why, sizeof why,
                     "entry %d: %s; allowed: ip[:port],... with IPv6 as [addr]:port", n + 1, err);
            return why;
        }
        n++;
        if (!*end) break;
        p = end + 1;
    }
    novr = n;
    return NULL;
}

static void override_res(struct __res_state *st)
{
    int n = novr < MAXNS ? novr : MAXNS;
    for (int i = 0; i < st->nscount && i < MAXNS; i++) {
        free(st->_u._ext.nsaddrs[i]);
        st->_u._ext.nsaddrs[i] = NULL;
    }
    for (int i = 0; i < n; i++) {
        if (ovr[i].sin6_family == AF_INET) {
            memcpy(&st->nsaddr_list[i], &ovr[i], sizeof st->nsaddr_list[i]);
        } else {
            struct sockaddr_in6 *sa = malloc(sizeof *sa);
            if (!sa) {
                n = i;
                break;
            }
            *sa = ovr[i];
            memset(&st->nsaddr_list[i], 0, sizeof st->nsaddr_list[i]);
            st->_u._ext.nsaddrs[i] = sa;
        }
        st->_u._ext.nssocks[i] = -1;
    }
    st->nscount = n;
}

void rsv_worker_res(void)
{
    if (!novr) return;
    if (_res.options & RES_INIT) res_nclose(&_res);
    res_init();
    override_res(&_res);
}

/* ---- glibc's configuration ------------------------------------------------ */

static struct rsv_conf *cur;
static int cur_lock; /* hubs of several OS threads may ask at once */
#define lock()   rsv_lock(&cur_lock)
#define unlock() rsv_unlock(&cur_lock)

static void stat_conf(struct stat *st)
{
    if (REAL(stat)(_PATH_RESCONF, st) != 0) memset(st, 0, sizeof *st);
}

int rsv_conf_fresh(const struct rsv_conf *c)
{
    struct stat st;
    stat_conf(&st);
    return st.st_ino == c->st.st_ino && st.st_dev == c->st.st_dev &&
           st.st_mtim.tv_sec == c->st.st_mtim.tv_sec &&
           st.st_mtim.tv_nsec == c->st.st_mtim.tv_nsec && st.st_size == c->st.st_size;
}

/* What glibc's resolver takes from a res_state: the servers (IPv4 ones in
 * nsaddr_list, IPv6 ones in the extension), timeout, attempts, ndots,
 * options, search list and sort list. */
static void from_res(struct rsv_conf *c, const struct __res_state *rs)
{
    c->timeout_s = rs->retrans;
    c->attempts = rs->retry;
    c->ndots = rs->ndots;
    c->options = rs->options;
    for (int i = 0; i < rs->nscount && i < MAXNS; i++) {
        if (rs->nsaddr_list[i].sin_family == AF_INET)
            memcpy(&c->servers[c->nservers++], &rs->nsaddr_list[i], sizeof rs->nsaddr_list[i]);
        else if (rs->_u._ext.nsaddrs[i])
            c->servers[c->nservers++] = *rs->_u._ext.nsaddrs[i];
    }
    for (int i = 0; i < MAXDNSRCH && rs->dnsrch[i]; i++)
        if ((c->search[c->nsearch] = strdup(rs->dnsrch[i]))) c->nsearch++;
    for (int i = 0; i < rs->nsort && i < RSV_MAXSORT; i++) {
        c->sort_addr[i] = rs->sort_list[i].addr;
        c->sort_mask[i].s_addr = rs->sort_list[i].mask;
        c->nsort++;
    }
}

static struct rsv_conf *load(void)
{
    struct rsv_conf *c = calloc(1, sizeof *c);
    struct __res_state *rs = calloc(1, sizeof *rs);
    if (!c || !rs) {
        free(c);
        free(rs);
        return NULL;
    }
    c->refs = 1;
    stat_conf(&c->st);
    RSV_NOWAIT_BEGIN();
    int r = res_ninit(rs);
    RSV_NOWAIT_END();
    if (r != 0) { /* glibc's own lookups would fail the same way */
        c->timeout_s = RES_TIMEOUT;
        c->attempts = RES_DFLRETRY;
        c->ndots = 1;
        c->options = RES_DEFAULT;
    } else {
        from_res(c, rs);
        res_nclose(rs);
    }
    free(rs);
    if (novr) {
        memcpy(c->servers, ovr, sizeof ovr[0] * (size_t)novr);
        c->nservers = novr;
    }
    if (c->attempts < 1) c->attempts = 1;
    if (c->timeout_s < 1) c->timeout_s = 1;
    return c;
}

struct rsv_conf *rsv_conf_get(void)
{
    lock();
    if (!cur || !rsv_conf_fresh(cur)) {
        unlock();
        struct rsv_conf *c = load(); /* outside the lock: it reads files */
        lock();
        if (c) {
            if (cur) rsv_conf_put(cur);
            cur = c;
        }
    }
    struct rsv_conf *c = cur;
    if (c) __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    unlock();
    return c;
}

void rsv_conf_put(struct rsv_conf *c)
{
    if (!c) return;
    if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL)) return;
    for (int i = 0; i < c->nsearch; i++) free(c->search[i]);
    free(c);
}

/* ---- a program's own res_state (res_query and friends) -------------------- */

static int same_conf(const struct rsv_conf *a, const struct rsv_conf *b)
{
    if (a->nservers != b->nservers || a->timeout_s != b->timeout_s || a->attempts != b->attempts ||
        a->ndots != b->ndots || a->options != b->options || a->nsearch != b->nsearch ||
        a->nsort != b->nsort)
        return 0;
    if (memcmp(a->servers, b->servers, sizeof a->servers[0] * (size_t)a->nservers)) return 0;
    for (int i = 0; i < a->nsearch; i++)
        if (strcmp(a->search[i], b->search[i])) return 0;
    return !memcmp(a->sort_addr, b->sort_addr, sizeof a->sort_addr) &&
           !memcmp(a->sort_mask, b->sort_mask, sizeof a->sort_mask);
}

/* The last one asked for on this OS thread, kept while the program's
 * settings stay the same, so its channel (and sockets) serve the next
 * call too. */
static __thread struct rsv_conf *res_last;

struct rsv_conf *rsv_conf_of_res(const struct __res_state *rs)
{
    struct rsv_conf *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->refs = 1;
    from_res(c, rs);
    /* glibc tries no server for retry 0; one attempt is the least we make */
    if (c->attempts < 1) c->attempts = 1;
    if (c->timeout_s < 1) c->timeout_s = 1;
    if (res_last && same_conf(res_last, c)) {
        rsv_conf_put(c);
        c = res_last;
    } else {
        if (res_last) rsv_conf_put(res_last);
        res_last = c;
    }
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
    return c;
}
