/* Private to resolver/: configuration, the channel, the search. */
#ifndef GP_RSV_INT_H
#define GP_RSV_INT_H

#include <arpa/nameser.h>
#include <ares.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/stat.h>

#include "../hub/hub.h"
#include "../shim/base/base.h"
#include "resolver.h"

extern struct rsv_libc rsv_libc;

/* Calls into c-ares and glibc's resolver internals happen with every
 * interposed call passing straight through. */
#define RSV_NOWAIT_BEGIN() (hub_tls.nowait++)
#define RSV_NOWAIT_END()   (hub_tls.nowait--)

/* ---- conf.c --------------------------------------------------------------- */

#define RSV_MAXNS     16
#define RSV_MAXSEARCH 6
#define RSV_MAXSORT   10

/* glibc's reading of /etc/resolv.conf (and LOCALDOMAIN, RES_OPTIONS), with
 * GEVENT_RESOLVER_NAMESERVERS in place of its servers when given. */
struct rsv_conf {
    int refs;
    int nservers;
    struct sockaddr_in6 servers[RSV_MAXNS]; /* AF_INET ones stored as sockaddr_in */
    int timeout_s, attempts, ndots;
    unsigned long options; /* RES_* */
    int nsearch;
    char *search[RSV_MAXSEARCH];
    int nsort;
    struct in_addr sort_addr[RSV_MAXSORT], sort_mask[RSV_MAXSORT];
    struct stat st; /* of /etc/resolv.conf when read (st_ino 0: absent) */
};
/* The current configuration, re-read when /etc/resolv.conf changed (as
 * glibc does before each lookup). Reference counted. */
struct rsv_conf *rsv_conf_get(void);
/* A worker thread's own glibc resolver (_res) at GEVENT_RESOLVER_NAMESERVERS,
 * if given. */
void rsv_worker_res(void);
void rsv_conf_put(struct rsv_conf *c);
/* A program's res_state's settings as a configuration (referenced; the
 * same one while they do not change on this OS thread). */
struct rsv_conf *rsv_conf_of_res(const struct __res_state *rs);
/* Whether /etc/resolv.conf still is what c was read from. */
int rsv_conf_fresh(const struct rsv_conf *c);

/* ---- chan.c --------------------------------------------------------------- */

/* The outcome of one query: the answer packet (malloc'd) or the c-ares
 * status of its last attempt. */
struct rsv_reply {
    unsigned char *pkt;
    int len;
    int status;   /* ARES_SUCCESS with pkt, else ARES_E* */
    int rcode;    /* of the last error answer (SERVFAIL...), else 0 */
    unsigned seq; /* completion order */
};
/* Sends the n (1 or 2) queries for name in parallel, each up to the
 * configured attempts over the servers (as glibc's res_send), and parks
 * the caller until all have an outcome. Fills out[0..n). */
void rsv_send(struct rsv_conf *conf, const char *name, int class, const int *types, int n,
              struct rsv_reply *out);
/* res_send's part: the program's own query packet msg, sent the same way;
 * the answer carries msg's id. */
void rsv_send_msg(struct rsv_conf *conf, const unsigned char *msg, int len, struct rsv_reply *out);
void rsv_reply_free(struct rsv_reply *r);

/* ---- search.c ------------------------------------------------------------- */

#define RSV_T_A_AAAA (-1) /* the A and AAAA pair of gethostbyname4_r */

/* What glibc's __res_context_search / __res_context_query return: n > 0
 * and the answers (first one received first), or -1 with h_errno and
 * errno (ETIMEDOUT, ECONNREFUSED, or 0). */
struct rsv_ans {
    int n;
    int herr, err;
    unsigned char *pkt[2];
    int len[2];
    struct rsv_reply rep[2]; /* owned; freed by rsv_ans_free */
};
void rsv_search(struct rsv_conf *conf, const char *name, int class, int type, struct rsv_ans *a);
void rsv_query(struct rsv_conf *conf, const char *name, int class, int type, struct rsv_ans *a);
/* __res_context_querydomain: name.domain (domain may be NULL). */
void rsv_querydomain(struct rsv_conf *conf, const char *name, const char *domain, int class,
                     int type, struct rsv_ans *a);
void rsv_ans_free(struct rsv_ans *a);
/* HOSTALIASES, as __res_context_hostalias: the alias target, or NULL. */
const char *rsv_hostalias(const struct rsv_conf *conf, const char *name, char *buf, size_t n);

/* ---- sort.c --------------------------------------------------------------- */

/* glibc's RFC 3484 sort of a getaddrinfo result with naddrs addresses. */
void rsv_sort(struct addrinfo **pai);

#endif
