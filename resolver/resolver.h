/* Names: one c-ares channel per hub, and the getaddrinfo family's answers
 * built from what it receives, the way glibc builds them.
 *
 * patches/dns.c decides what needs the network. Numeric hosts, names found
 * in /etc/hosts and every error glibc reports before it would look anything
 * up go to glibc itself, so those answers are glibc's own; only questions
 * glibc would send to its DNS servers come here. This room then does what
 * glibc's DNS module and getaddrinfo do with the answers: the search list,
 * ndots, timeout and attempts of /etc/resolv.conf (read by glibc's own
 * res_ninit), the same packet parsing, the same address list and h_errno,
 * the same RFC 3484 sort. A lookup parks the calling greenlet; the channel's
 * sockets are watched by a driver greenlet through the hub's fd waits and
 * timers. Nothing here knows about interposed symbols: c-ares gets raw
 * system calls for its sockets, and the few libc originals needed are
 * handed in by the patch (rsv_setup). */
#ifndef GP_RESOLVER_H
#define GP_RESOLVER_H

#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../shim/base/base.h"

/* ---- set-up (conf.c) ------------------------------------------------------ */

/* Originals the resolver may call: glibc's getaddrinfo for the service
 * tuples, the real pthread_create for the worker pool. */
struct rsv_libc {
    int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    void (*freeaddrinfo)(struct addrinfo *);
    int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
};
void rsv_setup(const struct rsv_libc *libc);

/* GEVENT_RESOLVER_NAMESERVERS: "ip[:port],..." (IPv6 as [addr]:port or a
 * bare address). NULL when valid (the list is kept and replaces the
 * servers of /etc/resolv.conf), else what is wrong with it. */
const char *rsv_set_nameservers(const char *spec);

/* ---- /etc/hosts, as glibc's files module reads it (hosts.c) --------------- */

#define RSV_HOSTS_V4  1 /* an AF_INET lookup: IPv4 lines, ::1 and v4-mapped ones */
#define RSV_HOSTS_V6  2 /* an AF_INET6 lookup: IPv6 lines */
#define RSV_HOSTS_ANY 4 /* an AF_UNSPEC lookup (gethostbyname4_r): either */
/* 1 if a lookup of that kind would find name in /etc/hosts. */
int rsv_hosts_name(const char *name, int kind);
/* 1 if an entry has that address (gethostbyaddr's files lookup). */
int rsv_hosts_addr(const void *addr, socklen_t len, int af);
/* Smallest buffer glibc's files module can scan /etc/hosts with (a smaller
 * one makes gethostbyname_r fail with ERANGE before any DNS lookup). */
size_t rsv_hosts_bufneed(void);

/* ---- interfaces (sort.c) -------------------------------------------------- */

/* glibc's __check_pf: whether a non-loopback IPv4 / IPv6 address is
 * configured (AI_ADDRCONFIG). */
void rsv_check_pf(int *seen_ipv4, int *seen_ipv6);

/* ---- lookups (gai.c, nss_dns.c) ------------------------------------------ */

/* One service tuple, as glibc's get_servtuples makes them. */
struct rsv_st {
    int socktype, protocol, port; /* port in network order */
};

/* getaddrinfo for a name that needs DNS: req is the caller's hints after
 * AI_ADDRCONFIG narrowed the family, st the nst service tuples. Returns 0
 * or an EAI_* code (errno set for EAI_SYSTEM); the list is laid out as
 * glibc lays it out (one block per entry, the canonical name apart), so
 * glibc's freeaddrinfo could free it too. */
int rsv_getaddrinfo(const char *name, const struct addrinfo *req, const struct rsv_st *st, int nst,
                    struct addrinfo **pai);

/* gethostbyname2_r / gethostbyaddr_r for a question /etc/hosts did not
 * answer: the DNS module's answer in the caller's buffer, the return value,
 * *result and *h_errnop as glibc's wrappers set them. */
int rsv_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
                         struct hostent **result, int *h_errnop);
int rsv_gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *ret, char *buf,
                        size_t buflen, struct hostent **result, int *h_errnop);

/* ---- glibc's raw DNS interface (resq.c) ------------------------------------ */

/* res_nquery (RSV_RES_QUERY), res_nsearch, res_nquerydomain (domain used)
 * and res_nsend answered over the hub's channel with statp's settings:
 * the same return value, buffer contents, h_errno (also in
 * statp->res_h_errno) and errno as glibc's. statp is initialised. */
enum { RSV_RES_QUERY, RSV_RES_SEARCH, RSV_RES_QUERYDOMAIN };
int rsv_res_query(struct __res_state *statp, int kind, const char *name, const char *domain,
                  int class, int type, unsigned char *ans, int anslen);
int rsv_res_send(struct __res_state *statp, const unsigned char *msg, int msglen,
                 unsigned char *ans, int anslen);

/* ---- native worker threads (pool.c) ---------------------------------------- */

/* A job run on one of a few native threads while the calling greenlet
 * waits on its hub (GEVENT_RESOLVER=thread). The threads never wait on a
 * hub (every interposed call passes straight through in them), their
 * glibc resolver uses GEVENT_RESOLVER_NAMESERVERS when given, and h_errno
 * and errno travel with the job: fn starts with the caller's values, and
 * the caller gets fn's. */
struct rsv_job {
    void (*fn)(struct rsv_job *);
    gp_link link; /* on the pool's queue */
    void *done;   /* the hub's completion record while queued */
    int herr, err;
};
/* Runs j->fn(j) on a worker and returns when it is done; runs it inline
 * (blocking) if no worker thread can be had. */
void rsv_pool_run(struct rsv_job *j);
/* rsv_pool_run for a job that can be cut short: if the greenlet is
 * interrupted meanwhile, kick(j) is called on it (then every 10 ms until
 * the job is done); it must make j->fn end soon. Returns the interrupt
 * code (EINTR, ECANCELED) or 0. */
int rsv_pool_run_intr(struct rsv_job *j, void (*kick)(struct rsv_job *));
/* fn(a0..a5) on a worker, its result returned (errno travels with it):
 * any original taking up to six integer or pointer arguments, as the
 * x86-64 calling convention passes them (unused registers are ignored). */
long rsv_pool_call(void *fn, long a0, long a1, long a2, long a3, long a4, long a5);
/* glibc's own lookups run on a worker (pool_jobs.c): the same arguments and
 * results as the function each is named after. */
int rsv_pool_getaddrinfo(const char *name, const char *service, const struct addrinfo *hints,
                         struct addrinfo **res);
int rsv_pool_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                         char *serv, socklen_t servlen, int flags);
/* gethostbyname2_r when name is set, else gethostbyaddr_r */
int rsv_pool_hostent(const char *name, const void *addr, socklen_t len, int af, struct hostent *ret,
                     char *buf, size_t buflen, struct hostent **result, int *h_errnop);

/* A spin lock for the few words several hubs may share (the base's). */
static inline void rsv_lock(int *l)
{
    gp_spin_lock(l);
}
static inline void rsv_unlock(int *l)
{
    gp_spin_unlock(l);
}

#endif
