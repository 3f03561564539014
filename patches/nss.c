/* Name services beyond DNS: users, groups, services and protocols.
 *
 * glibc answers them through the NSS modules /etc/nsswitch.conf lists for
 * each database. "files" (and "db") read local files: those answers are
 * glibc's own, on the caller, at once. Any other module (systemd, sss,
 * ldap, nis, winbind...) may ask a daemon or the network and take its
 * time: then the very same glibc call is made on one of the resolver's
 * native worker threads (resolver/pool.c) while the greenlet waits on its
 * hub, so nothing else stops. Results, errno and the static buffers of
 * the non-reentrant forms are glibc's, since glibc computes them. The
 * configuration is read again when /etc/nsswitch.conf changes, as glibc
 * does. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../resolver/resolver.h"
#include "patch.h"

enum { DB_PASSWD, DB_GROUP, DB_INITGROUPS, DB_SERVICES, DB_PROTOCOLS, NDB };
static const char *const db_names[NDB] = {"passwd", "group", "initgroups", "services", "protocols"};

static struct {
    int lock;
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    int read;
    unsigned char remote[NDB]; /* 1: a module other than files/db is listed */
} conf;

/* One "db: sources" line: whether a source other than files/db is named
 * ([actions] skipped). */
static int line_remote(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (p >= end || *p == '#') break;
        if (*p == '[') {
            while (p < end && *p != ']') p++;
            p++;
            continue;
        }
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '[' && *p != '#') p++;
        size_t n = (size_t)(p - w);
        if (!((n == 5 && !memcmp(w, "files", 5)) || (n == 2 && !memcmp(w, "db", 2)))) return 1;
    }
    return 0;
}

static void parse(const char *s, size_t len)
{
    int seen[NDB] = {0};
    memset(conf.remote, 0, sizeof conf.remote);
    for (const char *p = s, *e; p < s + len; p = e + 1) {
        if (!(e = memchr(p, '\n', (size_t)(s + len - p)))) e = s + len;
        const char *c = memchr(p, ':', (size_t)(e - p));
        if (!c) continue;
        while (p < c && (*p == ' ' || *p == '\t')) p++;
        for (int d = 0; d < NDB; d++)
            if ((size_t)(c - p) == strlen(db_names[d]) &&
                !memcmp(p, db_names[d], (size_t)(c - p))) {
                conf.remote[d] = (unsigned char)line_remote(c + 1, e);
                seen[d] = 1;
            }
    }
    /* glibc: initgroups falls back to the group database */
    if (!seen[DB_INITGROUPS]) conf.remote[DB_INITGROUPS] = conf.remote[DB_GROUP];
}

/* Whether a lookup in database db may wait for something outside this
 * machine's files. */
static int nss_remote(int db)
{
    struct stat st;
    int e = errno;
    int have = REAL(stat)("/etc/nsswitch.conf", &st) == 0;
    rsv_lock(&conf.lock);
    if (!conf.read || !have || st.st_ino != conf.ino || st.st_dev != conf.dev ||
        st.st_mtim.tv_sec != conf.mtime.tv_sec || st.st_mtim.tv_nsec != conf.mtime.tv_nsec) {
        char buf[16384];
        ssize_t n = 0;
        int fd = have ? REAL(open)("/etc/nsswitch.conf", O_RDONLY | O_CLOEXEC) : -1;
        if (fd >= 0) {
            n = REAL(read)(fd, buf, sizeof buf);
            REAL(close)(fd);
        }
        parse(buf, n > 0 ? (size_t)n : 0); /* absent: glibc's default is files */
        conf.read = 1;
        if (have) {
            conf.dev = st.st_dev;
            conf.ino = st.st_ino;
            conf.mtime = st.st_mtim;
        }
    }
    int r = conf.remote[db];
    rsv_unlock(&conf.lock);
    errno = e;
    return r;
}

/* ---- the call on a worker ------------------------------------------------------ */

typedef long (*nss_fn)(long, long, long, long, long, long);

/* Runs the original of id with these arguments: on a worker when database
 * db may wait, else here. */
static long nss_call(int id, int db, long a0, long a1, long a2, long a3, long a4, long a5)
{
    nss_fn fn = (nss_fn)gp_real(id);
    if (!gp_enter(id) || !nss_remote(db)) return fn(a0, a1, a2, a3, a4, a5);
    return rsv_pool_call((void *)fn, a0, a1, a2, a3, a4, a5); /* errno comes back with it */
}

#define L(x) ((long)(x))

struct passwd *getpwnam(const char *name)
{
    return (struct passwd *)nss_call(GP_SYM_getpwnam, DB_PASSWD, L(name), 0, 0, 0, 0, 0);
}

struct passwd *getpwuid(uid_t uid)
{
    return (struct passwd *)nss_call(GP_SYM_getpwuid, DB_PASSWD, L(uid), 0, 0, 0, 0, 0);
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t n, struct passwd **res)
{
    return (int)nss_call(GP_SYM_getpwnam_r, DB_PASSWD, L(name), L(pw), L(buf), L(n), L(res), 0);
}

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t n, struct passwd **res)
{
    return (int)nss_call(GP_SYM_getpwuid_r, DB_PASSWD, L(uid), L(pw), L(buf), L(n), L(res), 0);
}

struct group *getgrnam(const char *name)
{
    return (struct group *)nss_call(GP_SYM_getgrnam, DB_GROUP, L(name), 0, 0, 0, 0, 0);
}

struct group *getgrgid(gid_t gid)
{
    return (struct group *)nss_call(GP_SYM_getgrgid, DB_GROUP, L(gid), 0, 0, 0, 0, 0);
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t n, struct group **res)
{
    return (int)nss_call(GP_SYM_getgrnam_r, DB_GROUP, L(name), L(gr), L(buf), L(n), L(res), 0);
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t n, struct group **res)
{
    return (int)nss_call(GP_SYM_getgrgid_r, DB_GROUP, L(gid), L(gr), L(buf), L(n), L(res), 0);
}

int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
    return (int)nss_call(GP_SYM_getgrouplist, DB_INITGROUPS, L(user), L(group), L(groups),
                         L(ngroups), 0, 0);
}

int initgroups(const char *user, gid_t group)
{
    /* setgroups on a worker would change only that thread's credentials
     * in the kernel; glibc's setxid broadcast makes them the process's */
    return (int)nss_call(GP_SYM_initgroups, DB_INITGROUPS, L(user), L(group), 0, 0, 0, 0);
}

struct servent *getservbyname(const char *name, const char *proto)
{
    return (struct servent *)nss_call(GP_SYM_getservbyname, DB_SERVICES, L(name), L(proto), 0, 0, 0,
                                      0);
}

int getservbyname_r(const char *name, const char *proto, struct servent *se, char *buf, size_t n,
                    struct servent **res)
{
    return (int)nss_call(GP_SYM_getservbyname_r, DB_SERVICES, L(name), L(proto), L(se), L(buf),
                         L(n), L(res));
}

struct protoent *getprotobyname(const char *name)
{
    return (struct protoent *)nss_call(GP_SYM_getprotobyname, DB_PROTOCOLS, L(name), 0, 0, 0, 0, 0);
}

int getprotobyname_r(const char *name, struct protoent *pe, char *buf, size_t n,
                     struct protoent **res)
{
    return (int)nss_call(GP_SYM_getprotobyname_r, DB_PROTOCOLS, L(name), L(pe), L(buf), L(n),
                         L(res), 0);
}
