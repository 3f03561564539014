/* glibc's raw DNS interface (res_nquery, res_nsearch, res_nquerydomain,
 * res_nsend) over the hub's c-ares channel, with the settings of the
 * res_state the program passes: its servers, timeout, attempts, ndots,
 * options and search list, read afresh at each call (a program may edit
 * _res between calls), so the questions asked and the answers returned
 * are glibc's. The answer goes into the program's buffer (give); h_errno goes to the greenlet and to
 * statp->res_h_errno, errno as glibc's res_send leaves it. */
#include <errno.h>
#include <string.h>

#include "rsv_int.h"

/* The answer (or the error answer glibc's buffer would hold) into ans,
 * as glibc's res_send leaves it: a datagram too long for the buffer is
 * cut and its cut length returned; an answer that came over TCP (use-vc,
 * or longer than a datagram may be) is cut with its TC bit set and its
 * whole length returned. */
static int give(const struct rsv_conf *conf, const unsigned char *pkt, int len, unsigned char *ans,
                int anslen)
{
    if (!pkt || anslen <= 0) return len;
    int udpmax = (conf->options & RES_USE_EDNS0) ? 1200 : NS_PACKETSZ;
    int tcp = (conf->options & RES_USEVC) || len > udpmax;
    int n = len < anslen ? len : anslen;
    memcpy(ans, pkt, (size_t)n);
    if (n == len) return n;
    if (!tcp) return n;
    if (n > 2) ans[2] |= 2; /* TC */
    return len;
}

int rsv_res_query(struct __res_state *statp, int kind, const char *name, const char *domain,
                  int class, int type, unsigned char *ans, int anslen)
{
    struct rsv_conf *conf = rsv_conf_of_res(statp);
    struct rsv_ans a;
    if (!conf) {
        statp->res_h_errno = h_errno = NETDB_INTERNAL;
        errno = ENOMEM;
        return -1;
    }
    if (kind == RSV_RES_SEARCH)
        rsv_search(conf, name, class, type, &a);
    else if (kind == RSV_RES_QUERYDOMAIN)
        rsv_querydomain(conf, name, domain, class, type, &a);
    else
        rsv_query(conf, name, class, type, &a);
    int r = -1;
    if (a.n > 0)
        r = give(conf, a.pkt[0], a.len[0], ans, anslen);
    else if (a.rep[0].pkt) /* an error answer: glibc leaves it in the buffer too */
        give(conf, a.rep[0].pkt, a.rep[0].len, ans, anslen);
    int herr = a.herr, err = a.err;
    rsv_ans_free(&a);
    rsv_conf_put(conf);
    if (r < 0) {
        statp->res_h_errno = h_errno = herr;
        if (err) errno = err;
    }
    return r;
}

int rsv_res_send(struct __res_state *statp, const unsigned char *msg, int msglen,
                 unsigned char *ans, int anslen)
{
    if (msglen < NS_HFIXEDSZ || anslen < NS_HFIXEDSZ) {
        errno = EINVAL; /* glibc's res_nsend refuses them alike */
        return -1;
    }
    struct rsv_conf *conf = rsv_conf_of_res(statp);
    if (!conf) {
        errno = ENOMEM;
        return -1;
    }
    if (conf->nservers == 0) {
        rsv_conf_put(conf);
        errno = ESRCH;
        return -1;
    }
    struct rsv_reply rep;
    rsv_send_msg(conf, msg, msglen, &rep);
    int r = -1;
    if (rep.pkt)
        r = give(conf, rep.pkt, rep.len, ans, anslen);
    else
        errno = rep.status == ARES_ECONNREFUSED ? ECONNREFUSED
                : rep.status == ARES_ENOMEM     ? ENOMEM
                                                : ETIMEDOUT;
    rsv_reply_free(&rep);
    rsv_conf_put(conf);
    return r;
}
