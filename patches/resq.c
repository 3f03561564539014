/* glibc's raw DNS interface: res_query, res_search, res_querydomain,
 * res_send and their res_n* forms (the __res_* names older programs
 * import are the same functions).
 *
 * GEVENT_RESOLVER=ares (the default): the resolver room asks them over the
 * hub's c-ares channel with the program's res_state settings
 * (resolver/resq.c). GEVENT_RESOLVER=block: glibc's, on the caller.
 * GEVENT_RESOLVER=thread: they follow the program's resolver state (_res or the res_state it
 * passes: servers, timeouts, options, search list it may have changed),
 * so the answer stays glibc's: the very same call is made on one of the
 * resolver's native worker threads (resolver/pool.c) with a state of its
 * own (res_ninit, then the program's settings copied over it: servers,
 * options, timeout, attempts, ndots, search list, sort list), while the
 * greenlet waits on its hub. Nothing of the program's state is shared
 * with the worker (sockets, glibc's configuration references), so many
 * greenlets sharing one OS thread's _res can query at once. h_errno and errno come back with the
 * job; the answer is written straight into the program's buffer. The result of _res's first use
 * (res_init) happens on the caller, as glibc's would. */
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "../resolver/resolver.h"
#include "patch.h"

enum { RQ_QUERY, RQ_SEARCH, RQ_QUERYDOMAIN, RQ_SEND };

struct rq_job {
    struct rsv_job job;
    int kind, id;
    struct __res_state st;
    const char *name, *domain;
    const unsigned char *msg;
    int msglen, class, type, anslen;
    unsigned char *ans;
    int r;
};

typedef int (*q_fn)(res_state, const char *, int, int, unsigned char *, int);
typedef int (*qd_fn)(res_state, const char *, const char *, int, int, unsigned char *, int);
typedef int (*s_fn)(res_state, const unsigned char *, int, unsigned char *, int);

static void rq_run(struct rsv_job *j)
{
    struct rq_job *x = (struct rq_job *)j;
    void *f = gp_real(x->id);
    switch (x->kind) {
    case RQ_QUERY:
    case RQ_SEARCH:
        x->r = ((q_fn)f)(&x->st, x->name, x->class, x->type, x->ans, x->anslen);
        break;
    case RQ_QUERYDOMAIN:
        x->r = ((qd_fn)f)(&x->st, x->name, x->domain, x->class, x->type, x->ans, x->anslen);
        break;
    default:
        x->r = ((s_fn)f)(&x->st, x->msg, x->msglen, x->ans, x->anslen);
    }
}

/* x->st becomes a resolver state of its own with from's settings: what the
 * program may have changed in its res_state. It holds no reference into
 * glibc's table of configurations (its extension index is 0), so glibc
 * takes every setting from the fields themselves, as for a program that
 * edits _res by hand. Returns -1 if from is not initialised. */
static int rq_state(struct rq_job *x, res_state from)
{
    struct __res_state *st = &x->st;
    memset(st, 0, sizeof *st);
    if (!(from->options & RES_INIT)) return -1;
    st->options = from->options;
    st->retrans = from->retrans;
    st->retry = from->retry;
    st->ndots = from->ndots;
    st->pfcode = from->pfcode;
    st->nscount = from->nscount < 0 ? 0 : from->nscount > MAXNS ? MAXNS : from->nscount;
    memcpy(st->nsaddr_list, from->nsaddr_list, sizeof st->nsaddr_list);
    st->_vcsock = -1;
    for (int i = 0; i < MAXNS; i++) {
        const struct sockaddr_in6 *a = i < st->nscount ? from->_u._ext.nsaddrs[i] : NULL;
        st->_u._ext.nssocks[i] = -1;
        if (a && (st->_u._ext.nsaddrs[i] = malloc(sizeof *a)))
            memcpy(st->_u._ext.nsaddrs[i], a, sizeof *a);
    }
    memcpy(st->defdname, from->defdname, sizeof st->defdname);
    for (int i = 0; i < MAXDNSRCH + 1; i++) {
        char *d = from->dnsrch[i];
        if (d >= from->defdname && d < from->defdname + sizeof from->defdname)
            d = st->defdname + (d - from->defdname); /* glibc keeps the list in defdname */
        st->dnsrch[i] = d;
    }
    st->nsort = from->nsort;
    memcpy(st->sort_list, from->sort_list, sizeof st->sort_list);
    return 0;
}

/* After the call: its sockets closed, the addresses glibc or we copied
 * freed. */
static void rq_state_free(struct rq_job *x)
{
    res_nclose(&x->st);
    for (int i = 0; i < MAXNS; i++) free(x->st._u._ext.nsaddrs[i]);
}

/* Runs x (with the res_n* original nid) on a worker over a copy of
 * *statp's settings. */
static int rq_call(struct rq_job *x, res_state statp, int nid)
{
    if (gp_config.resolver == GP_RESOLVER_ARES && (statp->options & RES_INIT)) {
        if (x->kind == RQ_SEND) return rsv_res_send(statp, x->msg, x->msglen, x->ans, x->anslen);
        return rsv_res_query(statp,
                             x->kind == RQ_SEARCH        ? RSV_RES_SEARCH
                             : x->kind == RQ_QUERYDOMAIN ? RSV_RES_QUERYDOMAIN
                                                         : RSV_RES_QUERY,
                             x->name, x->domain, x->class, x->type, x->ans, x->anslen);
    }
    if (rq_state(x, statp) < 0) {
        h_errno = NETDB_INTERNAL;
        return -1;
    }
    x->id = nid;
    x->job.fn = rq_run;
    rsv_pool_run(&x->job); /* h_errno and errno come back with it */
    statp->res_h_errno = x->st.res_h_errno;
    rq_state_free(x);
    return x->r;
}

/* The program's _res, initialised on first use as glibc's res_query does
 * (-1 if it cannot be). */
static res_state own_res(void)
{
    res_state s = &_res;
    if (!(s->options & RES_INIT) && res_init() < 0) return NULL;
    return s;
}

/* Hooks: id of the call, id of its res_n* form. */
#define RQ_ENTER(id, passthrough)                                                                  \
    if (!gp_enter(id) || gp_config.resolver == GP_RESOLVER_BLOCK) return passthrough

#define Q_BODY(ID, NID, KIND, STATP, ...)                                                          \
    struct rq_job x = {.kind = KIND,                                                               \
                       .name = dname,                                                              \
                       .class = class,                                                             \
                       .type = type,                                                               \
                       .ans = answer,                                                              \
                       .anslen = anslen};                                                          \
    res_state st_ = STATP;                                                                         \
    if (!st_) {                                                                                    \
        h_errno = NETDB_INTERNAL;                                                                  \
        return -1;                                                                                 \
    }                                                                                              \
    return rq_call(&x, st_, NID)

int res_nquery(res_state statp, const char *dname, int class, int type, unsigned char *answer,
               int anslen)
{
    RQ_ENTER(GP_SYM_res_nquery, REAL(res_nquery)(statp, dname, class, type, answer, anslen));
    Q_BODY(GP_SYM_res_nquery, GP_SYM_res_nquery, RQ_QUERY, statp);
}

int res_nsearch(res_state statp, const char *dname, int class, int type, unsigned char *answer,
                int anslen)
{
    RQ_ENTER(GP_SYM_res_nsearch, REAL(res_nsearch)(statp, dname, class, type, answer, anslen));
    Q_BODY(GP_SYM_res_nsearch, GP_SYM_res_nsearch, RQ_SEARCH, statp);
}

int __res_nquery(res_state statp, const char *dname, int class, int type, unsigned char *answer,
                 int anslen);
int __res_nquery(res_state statp, const char *dname, int class, int type, unsigned char *answer,
                 int anslen)
{
    RQ_ENTER(GP_SYM___res_nquery, REAL(__res_nquery)(statp, dname, class, type, answer, anslen));
    Q_BODY(GP_SYM___res_nquery, GP_SYM_res_nquery, RQ_QUERY, statp);
}

int __res_nsearch(res_state statp, const char *dname, int class, int type, unsigned char *answer,
                  int anslen);
int __res_nsearch(res_state statp, const char *dname, int class, int type, unsigned char *answer,
                  int anslen)
{
    RQ_ENTER(GP_SYM___res_nsearch, REAL(__res_nsearch)(statp, dname, class, type, answer, anslen));
    Q_BODY(GP_SYM___res_nsearch, GP_SYM_res_nsearch, RQ_SEARCH, statp);
}

int res_query(const char *dname, int class, int type, unsigned char *answer, int anslen)
{
    RQ_ENTER(GP_SYM_res_query, REAL(res_query)(dname, class, type, answer, anslen));
    Q_BODY(GP_SYM_res_query, GP_SYM_res_nquery, RQ_QUERY, own_res());
}

int res_search(const char *dname, int class, int type, unsigned char *answer, int anslen)
{
    RQ_ENTER(GP_SYM_res_search, REAL(res_search)(dname, class, type, answer, anslen));
    Q_BODY(GP_SYM_res_search, GP_SYM_res_nsearch, RQ_SEARCH, own_res());
}

int __res_query(const char *dname, int class, int type, unsigned char *answer, int anslen);
int __res_query(const char *dname, int class, int type, unsigned char *answer, int anslen)
{
    RQ_ENTER(GP_SYM___res_query, REAL(__res_query)(dname, class, type, answer, anslen));
    Q_BODY(GP_SYM___res_query, GP_SYM_res_nquery, RQ_QUERY, own_res());
}

int __res_search(const char *dname, int class, int type, unsigned char *answer, int anslen);
int __res_search(const char *dname, int class, int type, unsigned char *answer, int anslen)
{
    RQ_ENTER(GP_SYM___res_search, REAL(__res_search)(dname, class, type, answer, anslen));
    Q_BODY(GP_SYM___res_search, GP_SYM_res_nsearch, RQ_SEARCH, own_res());
}

static int querydomain(int nid, res_state statp, const char *name, const char *domain, int class,
                       int type, unsigned char *answer, int anslen)
{
    struct rq_job x = {.kind = RQ_QUERYDOMAIN,
                       .name = name,
                       .domain = domain,
                       .class = class,
                       .type = type,
                       .ans = answer,
                       .anslen = anslen};
    if (!statp) {
        h_errno = NETDB_INTERNAL;
        return -1;
    }
    return rq_call(&x, statp, nid);
}

int res_nquerydomain(res_state statp, const char *name, const char *domain, int class, int type,
                     unsigned char *answer, int anslen)
{
    if (!gp_enter(GP_SYM_res_nquerydomain) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(res_nquerydomain)(statp, name, domain, class, type, answer, anslen);
    return querydomain(GP_SYM_res_nquerydomain, statp, name, domain, class, type, answer, anslen);
}

int __res_nquerydomain(res_state statp, const char *name, const char *domain, int class, int type,
                       unsigned char *answer, int anslen);
int __res_nquerydomain(res_state statp, const char *name, const char *domain, int class, int type,
                       unsigned char *answer, int anslen)
{
    if (!gp_enter(GP_SYM___res_nquerydomain) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(__res_nquerydomain)(statp, name, domain, class, type, answer, anslen);
    return querydomain(GP_SYM_res_nquerydomain, statp, name, domain, class, type, answer, anslen);
}

int res_querydomain(const char *name, const char *domain, int class, int type,
                    unsigned char *answer, int anslen)
{
    if (!gp_enter(GP_SYM_res_querydomain) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(res_querydomain)(name, domain, class, type, answer, anslen);
    return querydomain(GP_SYM_res_nquerydomain, own_res(), name, domain, class, type, answer,
                       anslen);
}

int __res_querydomain(const char *name, const char *domain, int class, int type,
                      unsigned char *answer, int anslen);
int __res_querydomain(const char *name, const char *domain, int class, int type,
                      unsigned char *answer, int anslen)
{
    if (!gp_enter(GP_SYM___res_querydomain) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(__res_querydomain)(name, domain, class, type, answer, anslen);
    return querydomain(GP_SYM_res_nquerydomain, own_res(), name, domain, class, type, answer,
                       anslen);
}

static int do_send(int nid, res_state statp, const unsigned char *msg, int msglen,
                   unsigned char *answer, int anslen)
{
    struct rq_job x = {
        .kind = RQ_SEND, .msg = msg, .msglen = msglen, .ans = answer, .anslen = anslen};
    if (!statp) {
        h_errno = NETDB_INTERNAL;
        return -1;
    }
    return rq_call(&x, statp, nid);
}

int res_nsend(res_state statp, const unsigned char *msg, int msglen, unsigned char *answer,
              int anslen)
{
    if (!gp_enter(GP_SYM_res_nsend) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(res_nsend)(statp, msg, msglen, answer, anslen);
    return do_send(GP_SYM_res_nsend, statp, msg, msglen, answer, anslen);
}

int __res_nsend(res_state statp, const unsigned char *msg, int msglen, unsigned char *answer,
                int anslen);
int __res_nsend(res_state statp, const unsigned char *msg, int msglen, unsigned char *answer,
                int anslen)
{
    if (!gp_enter(GP_SYM___res_nsend) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(__res_nsend)(statp, msg, msglen, answer, anslen);
    return do_send(GP_SYM_res_nsend, statp, msg, msglen, answer, anslen);
}

int res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
    if (!gp_enter(GP_SYM_res_send) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(res_send)(msg, msglen, answer, anslen);
    return do_send(GP_SYM_res_nsend, own_res(), msg, msglen, answer, anslen);
}

int __res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen);
int __res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
    if (!gp_enter(GP_SYM___res_send) || gp_config.resolver == GP_RESOLVER_BLOCK)
        return REAL(__res_send)(msg, msglen, answer, anslen);
    return do_send(GP_SYM_res_nsend, own_res(), msg, msglen, answer, anslen);
}
