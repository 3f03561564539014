/* glibc's res_query and res_search over the channel: the same order of
 * names tried (HOSTALIASES, ndots, the search list, the name as is), the
 * same reading of the answers' response codes, the same h_errno.
 *
 * Like glibc's RES_SET_H_ERRNO, every step leaves its h_errno in the
 * caller's h_errno too (the greenlet's own: the hub keeps it per greenlet). */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsv_int.h"

static void set_herr(struct rsv_ans *a, int e)
{
    a->herr = e;
    h_errno = e;
}

void rsv_ans_free(struct rsv_ans *a)
{
    rsv_reply_free(&a->rep[0]);
    rsv_reply_free(&a->rep[1]);
    a->pkt[0] = a->pkt[1] = NULL;
}

static int rcode(const unsigned char *p)
{
    return p[3] & 0xf;
}
static int ancount(const unsigned char *p)
{
    return p[6] << 8 | p[7];
}

/* __res_context_query: one name, one type or the A and AAAA pair. */
static void query(struct rsv_conf *conf, const char *name, int class, int type, struct rsv_ans *a,
                  int *rc_seen)
{
    int types[2], n = 1;
    rsv_ans_free(a);
    a->n = -1;
    a->err = 0;
    *rc_seen = ns_r_noerror;
    if (type == RSV_T_A_AAAA) {
        types[0] = ns_t_a;
        types[1] = ns_t_aaaa;
        n = 2;
    } else {
        types[0] = type;
    }
    if (type == ns_t_aaaa && (conf->options & RES_NOAAAA)) {
        set_herr(a, NO_DATA); /* glibc answers NODATA itself */
        return;
    }
    if (conf->nservers == 0) {
        a->err = ESRCH;
        set_herr(a, TRY_AGAIN);
        return;
    }
    rsv_send(conf, name, class, types, n, a->rep);
    for (int i = 0; i < n; i++)
        if (a->rep[i].status == ARES_EBADNAME || a->rep[i].status == ARES_EBADSTR) {
            set_herr(a, NO_RECOVERY); /* res_mkquery refused the name */
            return;
        }
    /* The answers in the order they came in. */
    struct rsv_reply *good[2];
    int ngood = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        if (a->rep[i].pkt)
            good[ngood++] = &a->rep[i];
        else if (a->rep[i].status == ARES_ECONNREFUSED)
            refused++;
        if (a->rep[i].rcode == ns_r_servfail) *rc_seen = ns_r_servfail;
    }
    /* Over TCP (use-vc, or an answer too large for UDP: glibc then asks
     * both again on one connection) they come in the order asked. */
    int udpmax = (conf->options & RES_USE_EDNS0) ? 1200 : NS_PACKETSZ, tcp = 0;
    for (int i = 0; i < ngood; i++) tcp |= good[i]->len > udpmax;
    if (conf->options & RES_USEVC) tcp = 1;
    if (ngood == 2 && !tcp && good[1]->seq < good[0]->seq) {
        struct rsv_reply *t = good[0];
        good[0] = good[1];
        good[1] = t;
    }
    if (ngood == 0) { /* res_send gave up */
        a->err = refused == n ? ECONNREFUSED : ETIMEDOUT;
        set_herr(a, TRY_AGAIN);
        return;
    }
    /* c-ares hands over answers of a header's size at least */
    const unsigned char *hp = good[0]->pkt, *hp2 = ngood > 1 ? good[1]->pkt : hp;
    *rc_seen = rcode(hp);
    int ok1 = rcode(hp) == ns_r_noerror && ancount(hp) != 0;
    int ok2 = rcode(hp2) == ns_r_noerror && ancount(hp2) != 0;
    if (!ok1 && !ok2) {
        switch (rcode(hp) == ns_r_noerror ? rcode(hp2) : rcode(hp)) {
        case ns_r_nxdomain:
            set_herr(a, HOST_NOT_FOUND);
            break;
        case ns_r_servfail:
            set_herr(a, TRY_AGAIN);
            break;
        case ns_r_noerror:
            set_herr(a, NO_DATA);
            break;
        default:
            set_herr(a, NO_RECOVERY);
            break;
        }
        return;
    }
    a->n = ngood;
    for (int i = 0; i < ngood; i++) {
        a->pkt[i] = good[i]->pkt;
        a->len[i] = good[i]->len;
    }
}

void rsv_query(struct rsv_conf *conf, const char *name, int class, int type, struct rsv_ans *a)
{
    int rc;
    memset(a, 0, sizeof *a);
    query(conf, name, class, type, a, &rc);
}

/* __res_context_querydomain */
static void querydomain(struct rsv_conf *conf, const char *name, const char *domain, int class,
                        int type, struct rsv_ans *a, int *rc_seen)
{
    char nbuf[NS_MAXDNAME];
    const char *longname = name;
    *rc_seen = ns_r_noerror;
    if (!domain) {
        size_t n = strlen(name);
        if (n - 1 >= NS_MAXDNAME - 1) { /* also catches "" */
            rsv_ans_free(a);
            a->n = -1;
            set_herr(a, NO_RECOVERY);
            return;
        }
    } else {
        size_t n = strlen(name), d = strlen(domain);
        if (n + d + 1 >= NS_MAXDNAME) {
            rsv_ans_free(a);
            a->n = -1;
            set_herr(a, NO_RECOVERY);
            return;
        }
        memcpy(nbuf, name, n);
        nbuf[n] = '.';
        memcpy(nbuf + n + 1, domain, d + 1);
        longname = nbuf;
    }
    query(conf, longname, class, type, a, rc_seen);
}

static int samename(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.') la--;
    if (lb && b[lb - 1] == '.') lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

const char *rsv_hostalias(const struct rsv_conf *conf, const char *name, char *dst, size_t siz)
{
    char buf[BUFSIZ], *cp1, *cp2;
    if (conf->options & RES_NOALIASES) return NULL;
    const char *file = getenv("HOSTALIASES");
    FILE *fp;
    if (!file || !(fp = REAL(fopen)(file, "rce"))) return NULL;
    buf[sizeof buf - 1] = 0;
    while (REAL(fgets)(buf, sizeof buf, fp)) {
        for (cp1 = buf; *cp1 && !isspace((unsigned char)*cp1); ++cp1) {
        }
        if (!*cp1) break;
        *cp1 = 0;
        if (samename(buf, name)) {
            while (isspace((unsigned char)*++cp1)) {
            }
            if (!*cp1) break;
            for (cp2 = cp1 + 1; *cp2 && !isspace((unsigned char)*cp2); ++cp2) {
            }
            *cp2 = 0;
            strncpy(dst, cp1, siz - 1);
            dst[siz - 1] = 0;
            REAL(fclose)(fp);
            return dst;
        }
    }
    REAL(fclose)(fp);
    return NULL;
}

void rsv_querydomain(struct rsv_conf *conf, const char *name, const char *domain, int class,
                     int type, struct rsv_ans *a)
{
    int rc;
    memset(a, 0, sizeof *a);
    querydomain(conf, name, domain, class, type, a, &rc);
}

/* __res_context_search */
void rsv_search(struct rsv_conf *conf, const char *name, int class, int type, struct rsv_ans *a)
{
    char tmp[NS_MAXDNAME];
    const char *cp;
    unsigned dots = 0;
    int trailing_dot = 0, saved_herrno = -1, got_nodata = 0, got_servfail = 0;
    int root_on_list = 0, tried_as_is = 0, searched = 0, rc;

    memset(a, 0, sizeof *a);
    a->n = -1;
    set_herr(a, HOST_NOT_FOUND); /* if we never query */
    for (cp = name; *cp; cp++) dots += *cp == '.';
    if (cp > name && cp[-1] == '.') trailing_dot = 1;

    if (!dots && (cp = rsv_hostalias(conf, name, tmp, sizeof tmp))) {
        query(conf, cp, class, type, a, &rc);
        return;
    }
    if (dots >= (unsigned)conf->ndots || trailing_dot) {
        querydomain(conf, name, NULL, class, type, a, &rc);
        if (a->n > 0 || trailing_dot) return;
        saved_herrno = a->herr;
        tried_as_is++;
    }
    if ((!dots && (conf->options & RES_DEFNAMES)) ||
        (dots && !trailing_dot && (conf->options & RES_DNSRCH))) {
        int done = 0;
        for (int i = 0; !done && i < conf->nsearch; i++) {
            const char *dname = conf->search[i];
            searched = 1;
            if (dname[0] == '.') dname++;
            if (dname[0] == 0) root_on_list++;
            querydomain(conf, name, dname, class, type, a, &rc);
            if (a->n > 0) return;
            if (a->err == ECONNREFUSED) {
                set_herr(a, TRY_AGAIN);
                return;
            }
            switch (a->herr) {
            case NO_DATA:
                got_nodata++;
                /* fall through */
            case HOST_NOT_FOUND:
                break;
            case TRY_AGAIN:
                if (rc == ns_r_servfail) {
                    got_servfail++;
                    break;
                }
                /* fall through */
            default:
                done++;
            }
            if (!(conf->options & RES_DNSRCH)) done++;
        }
    }
    if ((dots || !searched || !(conf->options & RES_NOTLDQUERY)) &&
        !(tried_as_is || root_on_list)) {
        querydomain(conf, name, NULL, class, type, a, &rc);
        if (a->n > 0) return;
    }
    if (saved_herrno != -1)
        set_herr(a, saved_herrno);
    else if (got_nodata)
        set_herr(a, NO_DATA);
    else if (got_servfail)
        set_herr(a, TRY_AGAIN);
}
