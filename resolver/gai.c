/* getaddrinfo's assembly of the DNS module's answers, following glibc 2.36's
 * gaih_inet step for step (see nss_dns.c for why). */
#include <arpa/inet.h>
#include <errno.h>
#include <nss.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"

#ifndef AI_IDN
#define AI_IDN 0x0040
#endif
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
