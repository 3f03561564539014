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

#include "lookup.h"

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

int check_name(const char *name, int *h_errnop)
{
    if (res_hnok(name)) return 1;
    *h_errnop = HOST_NOT_FOUND;
    return 0;
}

/* _nss_dns_gethostbyname4_r: the A and AAAA pair, tuples in *pat. */
enum nss_status dns_gethostbyname4(struct rsv_conf *conf, const char *name, struct at **pat,
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
    rsv_search(conf, name, ns_c_in, noaaaa ? ns_t_a : RSV_T_A_AAAA, &a);
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
enum nss_status dns_gethostbyname3(struct rsv_conf *conf, const char *name, int af,
                                   struct hostent *result, char *buf, size_t buflen, char **bufp,
                                   int *errnop, int *h_errnop, char **canonp)
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
    rsv_search(conf, name, ns_c_in, type, &a);
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
    rsv_query(conf, qbuf, ns_c_in, ns_t_ptr, &a);
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
int xx_r_return(enum nss_status status, struct hostent *ret, struct hostent **result, int *h_errnop)
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
