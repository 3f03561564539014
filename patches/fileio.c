/* GEVENT_FILEIO=thread: disk I/O off the hub, as gevent's FileObjectThread.
 *
 * A read of a regular file or block device whose pages are not cached
 * holds the OS thread until the disk answers, and every greenlet with it.
 * With GEVENT_FILEIO=thread those calls are made on the resolver's native
 * worker threads (resolver/pool.c) while the greenlet waits on its hub:
 * read, write, readv, writev on regular files and block devices (the io
 * patch hands them over), pread, pwrite, preadv, pwritev, fsync,
 * fdatasync, open and openat of anything but a FIFO, and stat, lstat,
 * fstatat and statx (fstat of an open fd does not wait for the disk).
 * The default, GEVENT_FILEIO=direct, calls them on the caller: a worker
 * round trip costs tens of microseconds, more than a cached read. Results
 * and errno are the kernel's either way. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../resolver/resolver.h"
#include "block.h"
#include "fdt.h"
#include "patch.h"

int fio_on;

long fio_call(void *fn, long a0, long a1, long a2, long a3, long a4, long a5)
{
    if (!hub_may_wait())
        return ((long (*)(long, long, long, long, long, long))fn)(a0, a1, a2, a3, a4, a5);
    return rsv_pool_call(fn, a0, a1, a2, a3, a4, a5); /* errno comes back with it */
}

#define L(x) ((long)(x))
/* A hook: the original on the caller, or on a worker in thread mode. */
#define FIO(sym, type, ...)                                                                        \
    do {                                                                                           \
        if (!fio_on || !gp_enter(GP_SYM_##sym)) return (type)REAL(sym)(__VA_ARGS__);               \
        return (type)fio_call(gp_real(GP_SYM_##sym), FIO_ARGS(__VA_ARGS__));                       \
    } while (0)
#define FIO_ARGS(...)                    FIO_ARGS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define FIO_ARGS_(a, b, c, d, e, f, ...) L(a), L(b), L(c), L(d), L(e), L(f)

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    FIO(pread, ssize_t, fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
    FIO(pread64, ssize_t, fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    FIO(pwrite, ssize_t, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    FIO(pwrite64, ssize_t, fd, buf, n, off);
}

ssize_t preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
    FIO(preadv, ssize_t, fd, iov, cnt, off);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    FIO(pwritev, ssize_t, fd, iov, cnt, off);
}

int fsync(int fd)
{
    FIO(fsync, int, fd);
}

int fdatasync(int fd)
{
    FIO(fdatasync, int, fd);
}

int stat(const char *path, struct stat *st)
{
    FIO(stat, int, path, st);
}
GP_HOOK_ALIAS(stat)

int stat64(const char *path, struct stat64 *st)
{
    FIO(stat64, int, path, st);
}

int lstat(const char *path, struct stat *st)
{
    FIO(lstat, int, path, st);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    FIO(fstatat, int, dirfd, path, st, flags);
}
GP_HOOK_ALIAS(fstatat)

int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *st)
{
    FIO(statx, int, dirfd, path, flags, mask, st);
}

/* read, write, readv, writev of a regular file or block device: called by
 * the io patch for descriptors it does not wait on. */
ssize_t fio_rw(int id, int fd, long a1, long a2)
{
    void *fn = gp_real(id);
    struct fdt *e;
    if (fio_on && hub_may_wait() && (e = fdt_get(fd)) && e->kind == FDT_FILE)
        return fio_call(fn, fd, a1, a2, 0, 0, 0);
    return ((ssize_t(*)(int, long, long))fn)(fd, a1, a2);
}

/* GEVENT_FILEIO, read once the shim's configuration is in. */
__attribute__((constructor(102))) static void fio_config(void)
{
    const char *v = secure_getenv("GEVENT_FILEIO");
    if (!v || !strcmp(v, "direct")) return;
    if (strcmp(v, "thread")) gp_config_bad("GEVENT_FILEIO", v, "allowed: direct, thread");
    fio_on = 1;
}
