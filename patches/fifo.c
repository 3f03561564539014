/* Opening a FIFO waits on the hub for its other end.
 *
 * Natively open(O_RDONLY) of a FIFO blocks until a writer opens it, and
 * open(O_WRONLY) until a reader does. Here the FIFO is opened with
 * O_NONBLOCK added, which never waits: for a writer it fails with ENXIO
 * while nobody reads, so the greenlet retries with pauses on the hub (1 ms
 * doubling to 10 ms). A reader's open cannot be watched that way (nothing
 * tells a reader that a writer opened before it writes), so it is made as
 * asked on a resolver worker while the greenlet waits on the hub
 * (lk_worker_call: it returns when a writer opens, and a signal for the
 * greenlet ends it with EINTR, as natively). The description then belongs
 * to the shim, non-blocking
 * (the program still sees the mode it asked for, fdt.h), so its reads and
 * writes wait on the hub too. O_RDWR and O_NONBLOCK opens never wait and
 * pass straight through, as does anything that is not a FIFO (one stat
 * tells). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block.h"
#include "fdt.h"
#include "patch.h"

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

typedef int (*openat_fn)(int, const char *, int, ...);

/* Whether this open may wait for a FIFO's other end. */
static int fifo_candidate(int dirfd, const char *path, int flags)
{
    struct stat st;
    if (flags & (O_NONBLOCK | O_PATH | O_DIRECTORY) || (flags & O_ACCMODE) == O_RDWR) return 0;
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return 0;
    int e = errno;
    int r = GP_HOOK(fstatat)(dirfd, path, &st, 0) == 0 && S_ISFIFO(st.st_mode);
    errno = e;
    return r;
}

/* A reader's open, as the program asked for it, on a worker: it returns
 * when a writer opens the FIFO, as natively. */
struct fifo_rd {
    int dirfd;
    const char *path;
    int flags;
    mode_t mode;
};
static long open_rd(void *c)
{
    struct fifo_rd *x = c;
    return ((openat_fn)gp_real(GP_SYM_openat))(x->dirfd, x->path, x->flags, x->mode);
}

static int fifo_open(int dirfd, const char *path, int flags, mode_t mode)
{
    openat_fn real = (openat_fn)gp_real(GP_SYM_openat);
    int fd;
    if ((flags & O_ACCMODE) == O_WRONLY) {
        gp_backoff b = GP_BACKOFF(1000000, 10000000);
        while ((fd = real(dirfd, path, flags | O_NONBLOCK, mode)) < 0 && errno == ENXIO) {
            int w = hub_pause(&b, hub_never());
            if (w) {
                errno = w;
                return -1;
            }
        }
        if (fd < 0) return -1;
    } else {
        struct fifo_rd x = {dirfd, path, flags, mode};
        if ((fd = (int)lk_worker_call(open_rd, &x)) < 0) return -1;
        int fl = REAL(fcntl)(fd, F_GETFL);
        if (fl >= 0) REAL(fcntl)(fd, F_SETFL, fl | O_NONBLOCK);
    }
    fdt_created_nb(fd, FDT_FIFO, 0, 1);
    return fd;
}

/* Not a FIFO to wait for: the original, on a worker with GEVENT_FILEIO=thread
 * (a path lookup on a slow disk). */
static int plain_open(int id, int dirfd, const char *path, int flags, mode_t mode, int at)
{
    void *fn = gp_real(id);
    if (fio_on)
        return at ? (int)fio_call(fn, dirfd, (long)path, flags, mode, 0, 0)
                  : (int)fio_call(fn, (long)path, flags, mode, 0, 0, 0);
    return at ? ((openat_fn)fn)(dirfd, path, flags, mode)
              : ((int (*)(const char *, int, ...))fn)(path, flags, mode);
}

/* mode is read only when the flags say it was passed, as glibc does. */
#define OPEN_MODE(flags, last)                                                                     \
    mode_t mode = 0;                                                                               \
    if ((flags) & (O_CREAT | __O_TMPFILE)) {                                                       \
        va_list ap;                                                                                \
        va_start(ap, last);                                                                        \
        mode = va_arg(ap, mode_t);                                                                 \
        va_end(ap);                                                                                \
    }

int open(const char *path, int flags, ...)
{
    OPEN_MODE(flags, flags);
    if (!gp_enter(GP_SYM_open)) return REAL(open)(path, flags, mode);
    if (!fifo_candidate(AT_FDCWD, path, flags))
        return plain_open(GP_SYM_open, AT_FDCWD, path, flags, mode, 0);
    return fifo_open(AT_FDCWD, path, flags, mode);
}
GP_HOOK_ALIAS(open)

int open64(const char *path, int flags, ...)
{
    OPEN_MODE(flags, flags);
    if (!gp_enter(GP_SYM_open64)) return REAL(open64)(path, flags, mode);
    if (!fifo_candidate(AT_FDCWD, path, flags))
        return plain_open(GP_SYM_open64, AT_FDCWD, path, flags, mode, 0);
    return fifo_open(AT_FDCWD, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    OPEN_MODE(flags, flags);
    if (!gp_enter(GP_SYM_openat)) return REAL(openat)(dirfd, path, flags, mode);
    if (!fifo_candidate(dirfd, path, flags))
        return plain_open(GP_SYM_openat, dirfd, path, flags, mode, 1);
    return fifo_open(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    OPEN_MODE(flags, flags);
    if (!gp_enter(GP_SYM_openat64)) return REAL(openat64)(dirfd, path, flags, mode);
    if (!fifo_candidate(dirfd, path, flags))
        return plain_open(GP_SYM_openat64, dirfd, path, flags, mode, 1);
    return fifo_open(dirfd, path, flags, mode);
}

/* The fortified forms (no mode: glibc aborts if O_CREAT is among flags). */
int __open_2(const char *path, int flags)
{
    if ((flags & O_CREAT) || !gp_enter(GP_SYM___open_2) || !fifo_candidate(AT_FDCWD, path, flags))
        return REAL(__open_2)(path, flags);
    return fifo_open(AT_FDCWD, path, flags, 0);
}

int __open64_2(const char *path, int flags)
{
    if ((flags & O_CREAT) || !gp_enter(GP_SYM___open64_2) || !fifo_candidate(AT_FDCWD, path, flags))
        return REAL(__open64_2)(path, flags);
    return fifo_open(AT_FDCWD, path, flags, 0);
}

int __openat_2(int dirfd, const char *path, int flags)
{
    if ((flags & O_CREAT) || !gp_enter(GP_SYM___openat_2) || !fifo_candidate(dirfd, path, flags))
        return REAL(__openat_2)(dirfd, path, flags);
    return fifo_open(dirfd, path, flags, 0);
}

int __openat64_2(int dirfd, const char *path, int flags)
{
    if ((flags & O_CREAT) || !gp_enter(GP_SYM___openat64_2) || !fifo_candidate(dirfd, path, flags))
        return REAL(__openat64_2)(dirfd, path, flags);
    return fifo_open(dirfd, path, flags, 0);
}
