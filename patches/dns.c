/* dns: the getaddrinfo family, answered without blocking the hub.
 *
 * Every question glibc answers without asking the network (numeric hosts
 * and services, AI_NUMERICHOST, /etc/hosts names, every error it reports
 * before a lookup) goes to glibc itself, on the caller's greenlet: those
 * answers are glibc's by construction. The rest depends on GEVENT_RESOLVER:
 *
 *   ares (default)  the resolver room asks DNS through the hub's c-ares
 *                   channel and builds glibc's answer from the replies;
 *   thread          glibc's own function runs on a native worker thread
 *                   (full NSS) while the greenlet waits on the hub;
 *   block           glibc's own function, on the caller (it blocks).
 *
 * ares mode also hands the odd question it does not model to the workers
 * (internationalized names), so it never blocks either. Results we build
 * are tracked, so freeaddrinfo frees exactly those and passes glibc's
 * through. GEVENT_RESOLVER_NAMESERVERS replaces resolv.conf's servers in
 * both the ares and the thread mode. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../resolver/resolver.h"
#include "patch.h"

#ifndef AI_IDN
#define AI_IDN 0x0040
#endif
#ifndef AI_CANONIDN
#define AI_CANONIDN 0x0080
#endif
#ifndef NI_IDN
#define NI_IDN 32
#endif
#define GAI_KNOWN_FLAGS                                                                            \
    (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_ADDRCONFIG | AI_V4MAPPED | AI_IDN |           \
     AI_CANONIDN | 0x300 | AI_NUMERICSERV | AI_ALL)

static int mode(void)
{
    return gp_config.resolver;
}

/* ---- results we built ------------------------------------------------------ */

/* Heads of the lists rsv_getaddrinfo returned, so freeaddrinfo can tell
 * them from glibc's (several hubs may use it: a spin lock). */
static struct {
    int lock;
    gp_pset set;
} ours GP_FORK_DATA = {0, {.key_off = GP_PSET_SELF}};

#define ours_lock()   rsv_lock(&ours.lock)
#define ours_unlock() rsv_unlock(&ours.lock)

static int ours_add(struct addrinfo *p)
{
    ours_lock();
    int r = gp_pset_add(&ours.set, p);
    ours_unlock();
    return r ? -1 : 0;
}

static int ours_remove(struct addrinfo *p)
{
    ours_lock();
    int found = gp_pset_del(&ours.set, p);
    ours_unlock();
    return found;
}

/* ---- what glibc answers without a lookup -------------------------------------- */

/* text_to_binary_address: a numeric IPv4 (inet_aton's forms) or IPv6
 * host, with an optional %scope. */
static int numeric_host(const char *name)
{
    struct in_addr a4;
    struct in6_addr a6;
    char buf[INET6_ADDRSTRLEN + 1];
    if (inet_aton(name, &a4)) return 1;
    const char *pct = strchr(name, '%');
    size_t n = pct ? (size_t)(pct - name) : strlen(name);
    if (n >= sizeof buf) return 0;
    memcpy(buf, name, n);
    buf[n] = 0;
    return inet_pton(AF_INET6, buf, &a6) == 1;
}

/* __nss_hostname_digits_dots: does it settle the name (numeric forms,
 * IPv6 text for AF_INET, a buffer too small for them) before NSS? */
static int digits_dots(const char *name, int af, size_t buflen)
{
    const char *cp;
    unsigned char c0 = (unsigned char)name[0];
    if (!(isdigit(c0) || isxdigit(c0) || c0 == ':')) return 0;
    size_t need = 16 + 2 * sizeof(char *) + sizeof(char *) + strlen(name) + 1;
    if (buflen < need) return 1; /* ERANGE */
    if (isdigit(c0)) {
        for (cp = name;; ++cp) {
            if (!*cp) {
                if (cp[-1] != '.') return 1;
                break;
            }
            if (!isdigit((unsigned char)*cp) && *cp != '.') break;
        }
    }
    if ((isxdigit(c0) && strchr(name, ':')) || c0 == ':') {
        if (af != AF_INET6) return 1; /* not representable: HOST_NOT_FOUND */
        for (cp = name;; ++cp) {
            if (!*cp) return cp[-1] != '.';
            if (!isxdigit((unsigned char)*cp) && *cp != ':' && *cp != '.') return 0;
        }
    }
    return 0;
}

static int ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

/* The service tuples glibc would use (get_servtuples), and every error it
 * reports before looking the name up, asked of glibc with a numeric host
 * of the right family. */
static int servtuples(const char *service, const struct addrinfo *req, struct rsv_st *st, int *nst)
{
    struct addrinfo h = {0}, *res, *p;
    h.ai_flags = AI_NUMERICHOST | (req->ai_flags & AI_NUMERICSERV);
    h.ai_family = req->ai_family == AF_INET6 ? AF_INET6 : AF_INET;
    h.ai_socktype = req->ai_socktype;
    h.ai_protocol = req->ai_protocol;
    int r = REAL(getaddrinfo)(h.ai_family == AF_INET6 ? "::1" : "127.0.0.1", service, &h, &res);
    if (r) return r;
    *nst = 0;
    for (p = res; p && *nst < 16; p = p->ai_next) {
        const struct sockaddr_in *s4 = (const void *)p->ai_addr;
        st[*nst].socktype = p->ai_socktype;
        st[*nst].protocol = p->ai_protocol;
        st[*nst].port = s4->sin_port; /* same place in sockaddr_in6 */
        ++*nst;
    }
    REAL(freeaddrinfo)(res);
    return 0;
}

/* ---- the hooks ----------------------------------------------------------------------- */

int getaddrinfo(const char *name, const char *service, const struct addrinfo *hints,
                struct addrinfo **pai)
{
    static const struct addrinfo dflt = {.ai_flags = AI_V4MAPPED | AI_ADDRCONFIG};
    if (!gp_enter(GP_SYM_getaddrinfo) || mode() == GP_RESOLVER_BLOCK)
        return REAL(getaddrinfo)(name, service, hints, pai);
    const char *n = name && !(name[0] == '*' && !name[1]) ? name : NULL;
    const struct addrinfo *h = hints ? hints : &dflt;
    /* Answered before any lookup (errors, no name, numeric, NUMERICHOST) */
    if (!n || (h->ai_flags & ~GAI_KNOWN_FLAGS) ||
        (h->ai_family != AF_UNSPEC && h->ai_family != AF_INET && h->ai_family != AF_INET6) ||
        (h->ai_flags & AI_NUMERICHOST) || numeric_host(n))
        return REAL(getaddrinfo)(name, service, hints, pai);
    if (mode() == GP_RESOLVER_THREAD || ((h->ai_flags & AI_IDN) && !ascii(n)) ||
        (h->ai_flags & AI_CANONIDN))
        return rsv_pool_getaddrinfo(name, service, hints, pai);

    struct addrinfo req = *h;
    if (req.ai_flags & AI_ADDRCONFIG) {
        int s4, s6;
        rsv_check_pf(&s4, &s6);
        if (req.ai_family == AF_UNSPEC && (s4 || s6)) {
            if (s4 != s6) req.ai_family = s4 ? AF_INET : AF_INET6;
        } else if ((req.ai_family == AF_INET && !s4) || (req.ai_family == AF_INET6 && !s6)) {
            return REAL(getaddrinfo)(name, service, hints, pai); /* EAI_NONAME */
        }
    }
    const char *serv =
        service && !(service[0] == '*' && !service[1]) && service[0] ? service : NULL;
    struct rsv_st st[16];
    int nst = 0, r = servtuples(serv, &req, st, &nst);
    if (r) return r;
    /* /etc/hosts, as the files module would read it for this question */
    int kind = req.ai_family == AF_UNSPEC ? RSV_HOSTS_ANY
               : req.ai_family == AF_INET
                   ? RSV_HOSTS_V4
                   : RSV_HOSTS_V6 | (req.ai_flags & AI_V4MAPPED ? RSV_HOSTS_V4 : 0);
    if (rsv_hosts_name(n, kind) || (req.ai_family == AF_INET && !(req.ai_flags & AI_CANONNAME) &&
                                    digits_dots(n, AF_INET, ~0ul)))
        return REAL(getaddrinfo)(name, service, hints, pai);
    struct addrinfo *res = NULL;
    r = rsv_getaddrinfo(n, &req, st, nst, &res);
    if (r == 0) {
        if (ours_add(res) != 0) { /* cannot track it: hand over glibc's own */
            struct addrinfo *p;
            while ((p = res)) {
                res = p->ai_next;
                free(p->ai_canonname);
                free(p);
            }
            return EAI_MEMORY;
        }
        *pai = res;
    }
    return r;
}

void freeaddrinfo(struct addrinfo *ai)
{
    if (ai && ours_remove(ai)) {
        while (ai) {
            struct addrinfo *p = ai;
            ai = ai->ai_next;
            free(p->ai_canonname);
            free(p);
        }
        return;
    }
    REAL(freeaddrinfo)(ai);
}

/* Our EAI_* codes are glibc's: its messages are the right ones. */
const char *gai_strerror(int code)
{
    return REAL(gai_strerror)(code);
}

/* ---- hostent lookups -------------------------------------------------------------------- */

/* Questions glibc answers without a lookup: another family, a numeric
 * name, the unspecified IPv6 address, a buffer too small for glibc's files
 * module. In ares mode also what /etc/hosts answers (thread mode asks every
 * NSS module in the workers). */
static int hostent_by_glibc(const char *name, const void *addr, socklen_t len, int af,
                            size_t buflen)
{
    if (af != AF_INET && af != AF_INET6) return 1;
    if (name && digits_dots(name, af, buflen)) return 1;
    if (!name && len == sizeof(struct in6_addr) &&
        memcmp(addr, &in6addr_any, sizeof in6addr_any) == 0)
        return 1; /* HOST_NOT_FOUND */
    if (mode() != GP_RESOLVER_ARES) return 0;
    if (buflen < rsv_hosts_bufneed()) return 1; /* ERANGE from the files module */
    if (name) return rsv_hosts_name(name, af == AF_INET ? RSV_HOSTS_V4 : RSV_HOSTS_V6);
    return rsv_hosts_addr(addr, len, af);
}

static int hostbyname_r(int id, const char *name, int af, struct hostent *ret, char *buf,
                        size_t buflen, struct hostent **result, int *h_errnop)
{
    if (hostent_by_glibc(name, NULL, 0, af, buflen)) {
        if (id == GP_SYM_gethostbyname_r)
            return REAL(gethostbyname_r)(name, ret, buf, buflen, result, h_errnop);
        return REAL(gethostbyname2_r)(name, af, ret, buf, buflen, result, h_errnop);
    }
    if (mode() == GP_RESOLVER_THREAD)
        return rsv_pool_hostent(name, NULL, 0, af, ret, buf, buflen, result, h_errnop);
    return rsv_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
}

int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
                     struct hostent **result, int *h_errnop)
{
    if (!gp_enter(GP_SYM_gethostbyname2_r) || mode() == GP_RESOLVER_BLOCK || !name)
        return REAL(gethostbyname2_r)(name, af, ret, buf, buflen, result, h_errnop);
    return hostbyname_r(GP_SYM_gethostbyname2_r, name, af, ret, buf, buflen, result, h_errnop);
}

int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
                    struct hostent **result, int *h_errnop)
{
    if (!gp_enter(GP_SYM_gethostbyname_r) || mode() == GP_RESOLVER_BLOCK || !name)
        return REAL(gethostbyname_r)(name, ret, buf, buflen, result, h_errnop);
    return hostbyname_r(GP_SYM_gethostbyname_r, name, AF_INET, ret, buf, buflen, result, h_errnop);
}

static int hostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *ret, char *buf,
                        size_t buflen, struct hostent **result, int *h_errnop)
{
    if (hostent_by_glibc(NULL, addr, len, af, buflen))
        return REAL(gethostbyaddr_r)(addr, len, af, ret, buf, buflen, result, h_errnop);
    if (mode() == GP_RESOLVER_THREAD)
        return rsv_pool_hostent(NULL, addr, len, af, ret, buf, buflen, result, h_errnop);
    return rsv_gethostbyaddr_r(addr, len, af, ret, buf, buflen, result, h_errnop);
}

int gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *ret, char *buf,
                    size_t buflen, struct hostent **result, int *h_errnop)
{
    if (!gp_enter(GP_SYM_gethostbyaddr_r) || mode() == GP_RESOLVER_BLOCK || !addr)
        return REAL(gethostbyaddr_r)(addr, len, af, ret, buf, buflen, result, h_errnop);
    return hostbyaddr_r(addr, len, af, ret, buf, buflen, result, h_errnop);
}

/* The non-reentrant ones: one result per OS thread, as glibc keeps one per
 * process behind a lock. The lookup fills a private buffer (another
 * greenlet may call meanwhile); the answer is then copied into the static
 * one, which only ever grows. */
static __thread struct hostent st_ent;
static __thread char *st_buf;
static __thread size_t st_len;

static struct hostent *keep(struct hostent *h, char *buf, size_t len)
{
    if (len > st_len) {
        char *nb = realloc(st_buf, len);
        if (!nb) {
            errno = ENOMEM;
            return NULL;
        }
        st_buf = nb;
        st_len = len;
    }
    memcpy(st_buf, buf, len);
    ptrdiff_t d = st_buf - buf;
#define MOVE(p) ((p) = (void *)((char *)(p) + d))
    st_ent = *h;
    MOVE(st_ent.h_name);
    MOVE(st_ent.h_aliases);
    for (char **a = st_ent.h_aliases; *a; a++) MOVE(*a);
    MOVE(st_ent.h_addr_list);
    for (char **a = st_ent.h_addr_list; *a; a++) MOVE(*a);
#undef MOVE
    return &st_ent;
}

static struct hostent *nonreentrant(const char *name, const void *addr, socklen_t len, int af)
{
    size_t n = 1024; /* glibc's first size */
    struct hostent h, *res = NULL;
    int herr = 0, rc;
    char *buf = NULL;
    for (;;) {
        char *nb = realloc(buf, n);
        if (!nb) {
            free(buf);
            errno = ENOMEM;
            return NULL;
        }
        buf = nb;
        rc = name ? hostbyname_r(GP_SYM_gethostbyname2_r, name, af, &h, buf, n, &res, &herr)
                  : hostbyaddr_r(addr, len, af, &h, buf, n, &res, &herr);
        if (rc != ERANGE || herr != NETDB_INTERNAL) break;
        n *= 2;
    }
    struct hostent *out = res ? keep(res, buf, n) : NULL;
    free(buf);
    if (herr != 0) h_errno = herr;
    return out;
}

struct hostent *gethostbyname2(const char *name, int af)
{
    if (!gp_enter(GP_SYM_gethostbyname2) || mode() == GP_RESOLVER_BLOCK || !name ||
        hostent_by_glibc(name, NULL, 0, af, ~0ul))
        return REAL(gethostbyname2)(name, af);
    return nonreentrant(name, NULL, 0, af);
}

struct hostent *gethostbyname(const char *name)
{
    if (!gp_enter(GP_SYM_gethostbyname) || mode() == GP_RESOLVER_BLOCK || !name ||
        hostent_by_glibc(name, NULL, 0, AF_INET, ~0ul))
        return REAL(gethostbyname)(name);
    return nonreentrant(name, NULL, 0, AF_INET);
}

struct hostent *gethostbyaddr(const void *addr, socklen_t len, int af)
{
    if (!gp_enter(GP_SYM_gethostbyaddr) || mode() == GP_RESOLVER_BLOCK || !addr ||
        hostent_by_glibc(NULL, addr, len, af, ~0ul))
        return REAL(gethostbyaddr)(addr, len, af);
    return nonreentrant(NULL, addr, len, af);
}

/* ---- getnameinfo ------------------------------------------------------------------------ */

/* nrl_domainname: once per process, from the same lookups glibc makes. */
static char *domain;
static int domain_done;

static const char *local_domain(void)
{
    if (__atomic_load_n(&domain_done, __ATOMIC_ACQUIRE)) return domain;
    char buf[4096], host[256], *c;
    struct hostent th, *h = NULL;
    int herr;
    char *d = NULL;
    if (hostbyname_r(GP_SYM_gethostbyname_r, "localhost", AF_INET, &th, buf, sizeof buf, &h,
                     &herr) == 0 &&
        h && (c = strchr(h->h_name, '.')))
        d = strdup(c + 1);
    else if (gethostname(host, sizeof host) == 0 && (host[sizeof host - 1] = 0, 1) &&
             (c = strchr(host, '.')))
        d = strdup(c + 1);
    else if ((h = NULL, hostbyname_r(GP_SYM_gethostbyname_r, host, AF_INET, &th, buf, sizeof buf,
                                     &h, &herr) == 0) &&
             h && (c = strchr(h->h_name, '.')))
        d = strdup(c + 1);
    else {
        struct in_addr lo = {htonl(INADDR_LOOPBACK)};
        h = NULL;
        if (hostbyaddr_r(&lo, sizeof lo, AF_INET, &th, buf, sizeof buf, &h, &herr) == 0 && h &&
            (c = strchr(h->h_name, '.')))
            d = strdup(c + 1);
    }
    char *expect = NULL;
    if (__atomic_compare_exchange_n(&domain, &expect, d, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        d = NULL;
    free(d);
    __atomic_store_n(&domain_done, 1, __ATOMIC_RELEASE);
    return domain;
}

int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                char *serv, socklen_t servlen, int flags)
{
    if (!gp_enter(GP_SYM_getnameinfo) || mode() == GP_RESOLVER_BLOCK)
        return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
    /* Everything but a name for an address is answered without a lookup. */
    if (!host || !hostlen || (flags & NI_NUMERICHOST) || !sa || salen < sizeof(sa_family_t) ||
        (flags &
         ~(NI_NUMERICHOST | NI_NUMERICSERV | NI_NOFQDN | NI_NAMEREQD | NI_DGRAM | NI_IDN | 192)) ||
        (sa->sa_family == AF_INET && salen < sizeof(struct sockaddr_in)) ||
        (sa->sa_family == AF_INET6 && salen < sizeof(struct sockaddr_in6)) ||
        (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
    const void *addr;
    socklen_t len;
    if (sa->sa_family == AF_INET6) {
        addr = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        len = sizeof(struct in6_addr);
    } else {
        addr = &((const struct sockaddr_in *)sa)->sin_addr;
        len = sizeof(struct in_addr);
    }
    if (hostent_by_glibc(NULL, addr, len, sa->sa_family, ~0ul))
        return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
    if (mode() == GP_RESOLVER_THREAD || (flags & NI_IDN))
        return rsv_pool_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);

    /* gni_host_inet_name */
    char sbuf[1024], *buf = sbuf, *big = NULL;
    size_t n = sizeof sbuf;
    struct hostent th, *h = NULL;
    int herr = 0, rc;
    while ((rc = rsv_gethostbyaddr_r(addr, len, sa->sa_family, &th, buf, n, &h, &herr)) != 0 &&
           herr == NETDB_INTERNAL && errno == ERANGE) {
        char *nb = realloc(big, n *= 2);
        if (!nb) {
            free(big);
            h_errno = herr;
            return EAI_MEMORY;
        }
        buf = big = nb;
    }
    int r;
    if (!h) {
        free(big);
        if (herr == NETDB_INTERNAL) {
            h_errno = herr;
            return EAI_SYSTEM;
        }
        if (herr == TRY_AGAIN) {
            h_errno = herr;
            return EAI_AGAIN;
        }
        if (flags & NI_NAMEREQD) return EAI_NONAME;
        /* numeric host, and the service, as glibc prints them */
        return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags | NI_NUMERICHOST);
    }
    if (flags & NI_NOFQDN) {
        const char *dom = local_domain();
        char *c;
        if (dom && (c = strstr(h->h_name, dom)) && c != h->h_name && *(--c) == '.') *c = 0;
    }
    size_t l = strlen(h->h_name) + 1;
    if (l > hostlen) {
        r = EAI_OVERFLOW;
    } else {
        memcpy(host, h->h_name, l);
        r = serv && servlen ? REAL(getnameinfo)(sa, salen, NULL, 0, serv, servlen, flags) : 0;
    }
    free(big);
    return r;
}

/* ---- set-up -------------------------------------------------------------------------------- */

void gp_init_dns(void)
{
    struct rsv_libc l = {REAL(getaddrinfo), REAL(freeaddrinfo),
                         (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                  void *))gp_real(GP_SYM_pthread_create)};
    rsv_setup(&l);
}

GP_FORK_CODE static void ours_fork_child(void)
{
    GP_SET(ours.lock, 0);
}

/* GEVENT_RESOLVER_NAMESERVERS is checked whether or not dns is patched:
 * a value we cannot read is an error either way. Runs after the shim's
 * constructor has read the configuration. */
__attribute__((constructor(102))) static void dns_check_config(void)
{
    if (gp_config.nameservers) {
        const char *why = rsv_set_nameservers(gp_config.nameservers);
        if (why) gp_config_bad("GEVENT_RESOLVER_NAMESERVERS", gp_config.nameservers, why);
    }
    gp_atfork(NULL, NULL, ours_fork_child);
}
