/* Private to resolver/: what its wire-format parser (wire.c), nss_dns
 * emulation (nss_dns.c) and getaddrinfo assembly (gai.c) share. */
#ifndef GP_RSV_LOOKUP_H
#define GP_RSV_LOOKUP_H

#include <nss.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rsv_int.h"

/* ---- glibc's alloc_buffer, for identical layouts in callers' buffers ------ */

struct abuf {
    uintptr_t cur, end;
    int failed;
};

static inline struct abuf ab_create(void *buf, size_t len)
{
    return (struct abuf){(uintptr_t)buf, (uintptr_t)buf + len, 0};
}

static inline void *ab_alloc(struct abuf *b, size_t size, size_t align)
{
    if (b->failed) return NULL;
    uintptr_t a = (b->cur + align - 1) & ~(uintptr_t)(align - 1);
    if (a < b->cur || a + size < size || a + size > b->end) {
        b->failed = 1;
        return NULL;
    }
    b->cur = a + size;
    return (void *)a;
}

static inline void *ab_next(struct abuf *b, size_t align)
{
    if (b->failed) return NULL;
    uintptr_t a = (b->cur + align - 1) & ~(uintptr_t)(align - 1);
    if (a < b->cur || a > b->end) {
        b->failed = 1;
        return NULL;
    }
    b->cur = a;
    return (void *)a;
}

static inline void *ab_copy(struct abuf *b, const void *src, size_t n)
{
    void *p = ab_alloc(b, n, 1);
    if (p) memcpy(p, src, n);
    return p;
}

static inline char *ab_string(struct abuf *b, const char *s)
{
    return ab_copy(b, s, strlen(s) + 1);
}

/* A growable list of pointers (glibc's ptrlist); NULL entries allowed. */
struct plist {
    void **v;
    size_t n, cap;
    int failed;
};
void pl_add(struct plist *l, void *p);
void pl_free(struct plist *l);

/* glibc's struct gaih_addrtuple, malloc'd one by one here. */
struct at {
    struct at *next;
    char *name; /* the canonical name, on the first tuple of gethostbyname4_r */
    int family;
    uint32_t addr[4];
    uint32_t scopeid;
};
void at_free(struct at *a);

/* ---- wire.c: nss_dns getanswer_r, getanswer_ptr, gaih_getanswer ---------- */

enum nss_status getanswer_r(const unsigned char *pkt, size_t len, int qtype, struct abuf *b,
                            struct plist *addrs, struct plist *aliases, int *errnop, int *h_errnop);
enum nss_status getanswer_ptr(const unsigned char *pkt, size_t len, struct abuf *b, char **hnamep,
                              int *errnop, int *h_errnop);
enum nss_status gaih_getanswer(const unsigned char *p1, size_t l1, const unsigned char *p2,
                               size_t l2, struct at **pat, int *h_errnop);

/* ---- nss_dns.c: the DNS module's entry points ----------------------------- */

int check_name(const char *name, int *h_errnop);
enum nss_status dns_gethostbyname4(struct rsv_conf *conf, const char *name, struct at **pat,
                                   int *errnop, int *h_errnop);
enum nss_status dns_gethostbyname3(struct rsv_conf *conf, const char *name, int af,
                                   struct hostent *result, char *buf, size_t buflen, char **bufp,
                                   int *errnop, int *h_errnop, char **canonp);
int xx_r_return(enum nss_status status, struct hostent *ret, struct hostent **result,
                int *h_errnop);

#endif
