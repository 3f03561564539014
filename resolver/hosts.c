/* /etc/hosts as glibc's files module reads it: which lookups would find a
 * name or an address there (those are answered by glibc itself), and how
 * large a buffer it needs to scan the file. Re-read when the file changes. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rsv_int.h"

struct hline {
    int is4, is6; /* the address parses as IPv4 / IPv6 */
    unsigned char a4[4], a6[16];
    int nnames;
    char **names; /* h_name and the aliases */
};

static struct {
    int lock;
    struct stat st;
    int loaded;
    struct hline *v;
    int n;
    size_t bufneed;
} H;

#define lock()   rsv_lock(&H.lock)
#define unlock() rsv_unlock(&H.lock)

static void clear(void)
{
    for (int i = 0; i < H.n; i++) {
        for (int j = 0; j < H.v[i].nnames; j++) free(H.v[i].names[j]);
        free(H.v[i].names);
    }
    free(H.v);
    H.v = NULL;
    H.n = 0;
    H.bufneed = 0;
}

static void load(void)
{
    clear();
    FILE *fp = REAL(fopen)(_PATH_HOSTS, "rce");
    if (!fp) return;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int vcap = 0;
    while ((len = REAL(getline)(&line, &cap, fp)) > 0) {
        /* the files module reads every line, comments too, into the
         * caller's buffer after its 32-byte record, then keeps a pointer
         * per field after the line */
        int tokens = 0;
        for (char *p = line; *p;) {
            while (*p && isspace((unsigned char)*p)) p++;
            if (*p) tokens++;
            while (*p && !isspace((unsigned char)*p)) p++;
        }
        size_t need = 64 + (size_t)len + 2 + 8 * ((size_t)tokens + 3);
        if (need > H.bufneed) H.bufneed = need;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *save, *addr = strtok_r(line, " \t\r\n\f\v", &save);
        if (!addr) continue;
        struct hline h;
        memset(&h, 0, sizeof h);
        h.is4 = inet_pton(AF_INET, addr, h.a4) == 1;
        h.is6 = inet_pton(AF_INET6, addr, h.a6) == 1;
        if (!h.is4 && !h.is6) continue;
        char *name;
        while ((name = strtok_r(NULL, " \t\r\n\f\v", &save))) {
            char **nv = realloc(h.names, (size_t)(h.nnames + 1) * sizeof *nv);
            if (!nv) break;
            h.names = nv;
            if ((h.names[h.nnames] = strdup(name))) h.nnames++;
        }
        if (!h.nnames) { /* no h_name: the line is no entry */
            free(h.names);
            continue;
        }
        if (H.n == vcap) {
            vcap = vcap ? vcap * 2 : 16;
            struct hline *v = realloc(H.v, (size_t)vcap * sizeof *v);
            if (!v) break;
            H.v = v;
        }
        H.v[H.n++] = h;
    }
    free(line);
    REAL(fclose)(fp);
}

static void refresh(void)
{
    struct stat st;
    if (REAL(stat)(_PATH_HOSTS, &st) != 0) memset(&st, 0, sizeof st);
    if (H.loaded && st.st_ino == H.st.st_ino && st.st_dev == H.st.st_dev &&
        st.st_size == H.st.st_size && st.st_mtim.tv_sec == H.st.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == H.st.st_mtim.tv_nsec)
        return;
    load();
    H.st = st;
    H.loaded = 1;
}

/* The address of line h as an AF_INET lookup sees it (::1 reads as
 * 127.0.0.1, ::ffff:a.b.c.d as a.b.c.d), or NULL if it skips the line. */
static const unsigned char *as_v4(const struct hline *h, unsigned char tmp[4])
{
    static const unsigned char lo[4] = {127, 0, 0, 1};
    if (h->is4) return h->a4;
    if (!h->is6) return NULL;
    if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)h->a6)) {
        memcpy(tmp, h->a6 + 12, 4);
        return tmp;
    }
    if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)h->a6)) return lo;
    return NULL;
}

int rsv_hosts_name(const char *name, int kind)
{
    int found = 0;
    lock();
    refresh();
    for (int i = 0; i < H.n && !found; i++) {
        const struct hline *h = &H.v[i];
        unsigned char tmp[4];
        int ok = (kind & RSV_HOSTS_V4 && as_v4(h, tmp)) || (kind & RSV_HOSTS_V6 && h->is6) ||
                 (kind & RSV_HOSTS_ANY && (h->is4 || h->is6));
        if (!ok) continue;
        for (int j = 0; j < h->nnames; j++)
            if (strcasecmp(h->names[j], name) == 0) {
                found = 1;
                break;
            }
    }
    unlock();
    return found;
}

int rsv_hosts_addr(const void *addr, socklen_t len, int af)
{
    int found = 0;
    if (af != AF_INET && af != AF_INET6) return 1; /* glibc answers at once */
    lock();
    refresh();
    for (int i = 0; i < H.n && !found; i++) {
        const struct hline *h = &H.v[i];
        unsigned char tmp[4];
        const unsigned char *a = af == AF_INET ? as_v4(h, tmp) : h->is6 ? h->a6 : NULL;
        socklen_t alen = af == AF_INET ? 4 : 16;
        if (a && len == alen && memcmp(a, addr, alen) == 0) found = 1;
    }
    unlock();
    return found;
}

size_t rsv_hosts_bufneed(void)
{
    lock();
    refresh();
    size_t n = H.bufneed ? H.bufneed : 64;
    unlock();
    return n;
}
