/* The thread resolver's jobs (GEVENT_RESOLVER=thread): glibc's own
 * getaddrinfo, getnameinfo, gethostbyname2_r and gethostbyaddr_r run on a
 * pool worker (pool.c) while the calling greenlet waits. They call the
 * originals (REAL), never the library's own hooks. */
#include <netdb.h>

#include "../shim/base/base.h"
#include "rsv_int.h"

/* ---- glibc's resolver on a worker thread ------------------------------------- */

/* The job runs with the caller's h_errno and errno, and hands back its own
 * (rsv_pool_run carries them). */
struct gai_job {
    struct rsv_job j;
    const char *name, *service;
    const struct addrinfo *hints;
    struct addrinfo **res;
    int ret;
};
static void gai_job_run(struct rsv_job *j)
{
    struct gai_job *g = (struct gai_job *)j;
    g->ret = REAL(getaddrinfo)(g->name, g->service, g->hints, g->res);
}

struct gni_job {
    struct rsv_job j;
    const struct sockaddr *sa;
    socklen_t salen, hostlen, servlen;
    char *host, *serv;
    int flags, ret;
};
static void gni_job_run(struct rsv_job *j)
{
    struct gni_job *g = (struct gni_job *)j;
    g->ret = REAL(getnameinfo)(g->sa, g->salen, g->host, g->hostlen, g->serv, g->servlen, g->flags);
}

struct hbn_job { /* gethostbyname2_r (name set) and gethostbyaddr_r */
    struct rsv_job j;
    const char *name;
    const void *addr;
    socklen_t len;
    int af;
    struct hostent *ret;
    char *buf;
    size_t buflen;
    struct hostent **result;
    int *h_errnop;
    int rc;
};
static void hbn_job_run(struct rsv_job *j)
{
    struct hbn_job *g = (struct hbn_job *)j;
    if (g->name)
        g->rc = REAL(gethostbyname2_r)(g->name, g->af, g->ret, g->buf, g->buflen, g->result,
                                       g->h_errnop);
    else
        g->rc = REAL(gethostbyaddr_r)(g->addr, g->len, g->af, g->ret, g->buf, g->buflen, g->result,
                                      g->h_errnop);
}

int rsv_pool_getaddrinfo(const char *name, const char *service, const struct addrinfo *hints,
                         struct addrinfo **res)
{
    struct gai_job g = {{.fn = gai_job_run}, name, service, hints, res, 0};
    rsv_pool_run(&g.j);
    return g.ret;
}

int rsv_pool_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                         char *serv, socklen_t servlen, int flags)
{
    struct gni_job g = {{.fn = gni_job_run}, sa, salen, hostlen, servlen, host, serv, flags, 0};
    rsv_pool_run(&g.j);
    return g.ret;
}

int rsv_pool_hostent(const char *name, const void *addr, socklen_t len, int af, struct hostent *ret,
                     char *buf, size_t buflen, struct hostent **result, int *h_errnop)
{
    struct hbn_job g = {
        {.fn = hbn_job_run}, name, addr, len, af, ret, buf, buflen, result, h_errnop, 0};
    rsv_pool_run(&g.j);
    return g.rc;
}

typedef long (*rsv_fn6)(long, long, long, long, long, long);
struct call_job {
    struct rsv_job j;
    rsv_fn6 fn;
    long a[6];
    long r;
};

static void call_run(struct rsv_job *j)
{
    struct call_job *x = (struct call_job *)j;
    x->r = x->fn(x->a[0], x->a[1], x->a[2], x->a[3], x->a[4], x->a[5]);
}

long rsv_pool_call(void *fn, long a0, long a1, long a2, long a3, long a4, long a5)
{
    struct call_job x = {.j.fn = call_run, .fn = (rsv_fn6)fn, .a = {a0, a1, a2, a3, a4, a5}};
    rsv_pool_run(&x.j);
    return x.r;
}
