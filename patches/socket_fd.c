/* Descriptor hooks: close, dup*, fcntl and ioctl. They belong to the socket
 * subsystem (GEVENT_PATCH=socket) but serve every fd the shim may wait on:
 * closing or replacing an fd wakes its waiters, and the program's view of
 * O_NONBLOCK (FIONBIO, F_GETFL/F_SETFL) is kept apart from the shim's own
 * (see fdt.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "block.h"
#include "fdt.h"
#include "patch.h"

/* ---- closing and duplicating ------------------------------------------------ */

static int raw_close(int fd)
{
    void *p = gp_real(GP_SYM_close);
    return p ? ((int (*)(int))p)(fd) : (int)gp_syscall(SYS_close, fd);
}

/* close and dup2 must wake waiters whenever any fd subsystem may wait on
 * fds, even with socket itself switched off. */
static int fd_waits_on(int id)
{
    return gp_syms[id].on || gp_sub_on[GP_SUB_io] || gp_sub_on[GP_SUB_select];
}

int close(int fd)
{
    if (hub_priv_from_libev(__builtin_return_address(0))) { /* libev drops one of its own */
        int cur = hub_priv_xlate(fd);
        hub_priv_forget(fd);
        return raw_close(cur);
    }
    /* the program closes the number of one of ours: ours moves away first */
    if (__builtin_expect(hub_priv_is(fd), 0)) hub_priv_evict(fd);
    if (!fd_waits_on(GP_SYM_close)) return raw_close(fd);
    /* even from the hub: nobody may wait on a dead fd (a signal handler
     * cannot touch the run queue safely; its close goes straight through) */
    if (hub_tls.nowait == 0) hub_fd_closed(fd);
    fdt_forget(fd);
    return raw_close(fd);
}
GP_HOOK_ALIAS(close)

int dup(int fd)
{
    if (!gp_enter(GP_SYM_dup)) return REAL(dup)(fd);
    int r = REAL(dup)(fd);
    if (r >= 0) fdt_copy(fd, r);
    return r;
}

/* dup2/dup3 over an open fd close it: wake its waiters first. */
static void replacing(int oldfd, int newfd)
{
    if (oldfd != newfd && fdt_get(oldfd)) hub_fd_closed(newfd);
}

/* libev re-creating its wake-up fd keeps the number (dup2 onto it); the
 * program replacing one of ours moves ours away first. */
static int dup_target(int newfd, const void *ra)
{
    if (hub_priv_from_libev(ra)) return hub_priv_xlate(newfd);
    if (__builtin_expect(hub_priv_is(newfd), 0)) hub_priv_evict(newfd);
    return newfd;
}

int dup2(int oldfd, int newfd)
{
    newfd = dup_target(newfd, __builtin_return_address(0));
    if (!fd_waits_on(GP_SYM_dup2)) return REAL(dup2)(oldfd, newfd);
    replacing(oldfd, newfd);
    int r = REAL(dup2)(oldfd, newfd);
    if (r >= 0 && oldfd != newfd) fdt_copy(oldfd, r);
    return r;
}

int dup3(int oldfd, int newfd, int flags)
{
    newfd = dup_target(newfd, __builtin_return_address(0));
    if (!fd_waits_on(GP_SYM_dup3)) return REAL(dup3)(oldfd, newfd, flags);
    if (flags == 0 || flags == O_CLOEXEC) replacing(oldfd, newfd);
    int r = REAL(dup3)(oldfd, newfd, flags);
    if (r >= 0) fdt_copy(oldfd, r);
    return r;
}

/* ---- modes ----------------------------------------------------------------- */

static int fcntl_call(int id, int fd, int cmd, unsigned long arg)
{
    int (*real)(int, int, ...) = (int (*)(int, int, ...))gp_real(id);
    if (!real) return (int)gp_syscall(SYS_fcntl, fd, cmd, arg);
    if (!gp_syms[id].on) return real(fd, cmd, arg);
    switch (cmd) {
    case F_GETFL: {
        int r = real(fd, cmd, arg);
        struct fdt *e = r >= 0 ? fdt_get(fd) : NULL;
        if (e && e->owned) { /* the user's view, not ours */
            r = (r & ~O_NONBLOCK) | (e->user_nb ? O_NONBLOCK : 0);
        } else if (e && e->user_nb != ((r & O_NONBLOCK) != 0)) {
            e->user_nb = (r & O_NONBLOCK) != 0; /* changed behind our back */
            fdt_share(e);
        }
        return r;
    }
    case F_SETFL: {
        struct fdt *e = fdt_get(fd);
        int want_nb = (arg & O_NONBLOCK) != 0;
        int ours = e && e->owned;
        int r = real(fd, cmd, ours ? arg | O_NONBLOCK : arg);
        if (r >= 0 && e) { /* every fd of the description sees it */
            e->user_nb = (unsigned char)want_nb;
            e->shim_nb = ours && !want_nb;
            fdt_share(e);
        }
        return r;
    }
    case F_SETLKW:
    case F_OFD_SETLKW: /* a lock another process holds: patches/flock.c */
        return lk_fcntl_wait(real, fd, cmd, (void *)arg);
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        int r = real(fd, cmd, arg);
        if (r >= 0) fdt_copy(fd, r);
        return r;
    }
    default:
        return real(fd, cmd, arg);
    }
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    unsigned long arg = va_arg(ap, unsigned long); /* every argument fits a long */
    va_end(ap);
    return fcntl_call(GP_SYM_fcntl, hub_priv_fd(fd, __builtin_return_address(0)), cmd, arg);
}
GP_HOOK_ALIAS(fcntl)

int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    unsigned long arg = va_arg(ap, unsigned long);
    va_end(ap);
    return fcntl_call(GP_SYM_fcntl64, hub_priv_fd(fd, __builtin_return_address(0)), cmd, arg);
}

int ioctl(int fd, unsigned long req, ...)
{
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!gp_syms[GP_SYM_ioctl].on || req != FIONBIO) return REAL(ioctl)(fd, req, arg);
    int r = REAL(ioctl)(fd, req, arg);
    int on;
    struct fdt *e;
    if (r == 0 && (e = fdt_get(fd)) && gp_copy_in(&on, arg, sizeof on) == 0) {
        if (on) {
            e->user_nb = 1;
            e->shim_nb = 0;
        } else {
            e->user_nb = 0;
            if (e->owned) { /* keep our own description non-blocking */
                int one = 1;
                if (REAL(ioctl)(fd, FIONBIO, &one) == 0) e->shim_nb = 1;
            }
        }
        fdt_share(e);
    }
    return r;
}
