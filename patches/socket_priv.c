/* The shim's own descriptors (hub/privfd.c), from the hooks' side: libev's
 * creation calls hand their new fd to the hub, which moves it to a high
 * close-on-exec slot; libev's epoll_ctl is translated like its other calls;
 * closefrom and close_range leave ours open at new numbers (the old ones
 * really closed). Calls of the program pass straight through otherwise. */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <linux/close_range.h>
#include <unistd.h>

#include "fdt.h"
#include "patch.h"

#define FROM_LIBEV hub_priv_from_libev(__builtin_return_address(0))

int epoll_create(int size)
{
    int fd = REAL(epoll_create)(size);
    return FROM_LIBEV ? hub_priv_adopt(fd) : fd;
}

int epoll_create1(int flags)
{
    int fd = REAL(epoll_create1)(flags);
    return FROM_LIBEV ? hub_priv_adopt(fd) : fd;
}

int eventfd(unsigned int count, int flags)
{
    int fd = REAL(eventfd)(count, flags);
    return FROM_LIBEV ? hub_priv_adopt(fd) : fd;
}

int signalfd(int fd, const sigset_t *mask, int flags)
{
    int from = FROM_LIBEV;
    if (from && fd >= 0) fd = hub_priv_xlate(fd);
    int r = REAL(signalfd)(fd, mask, flags);
    return from && fd < 0 ? hub_priv_adopt(r) : r;
}

int timerfd_create(int clock, int flags)
{
    int fd = REAL(timerfd_create)(clock, flags);
    return FROM_LIBEV ? hub_priv_adopt(fd) : fd;
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    if (__builtin_expect(hub_priv_moved, 0) && FROM_LIBEV) {
        epfd = hub_priv_xlate(epfd);
        fd = hub_priv_xlate(fd);
    }
    return REAL(epoll_ctl)(epfd, op, fd, ev);
}

/* Closes [first, last] but for our descriptors, which move to new numbers
 * first (so the old ones end closed as natively). */
static int close_around(unsigned first, unsigned last, int flags)
{
    int ours[HUB_PRIV_MAX], n = hub_priv_list(ours, HUB_PRIV_MAX);
    for (int i = 0; i < n; i++)
        if ((unsigned)ours[i] >= first && (unsigned)ours[i] <= last) hub_priv_evict(ours[i]);
    n = hub_priv_list(ours, HUB_PRIV_MAX);
    for (int i = 1; i < n; i++) /* ascending */
        for (int j = i; j > 0 && ours[j - 1] > ours[j]; j--) {
            int t = ours[j];
            ours[j] = ours[j - 1];
            ours[j - 1] = t;
        }
    /* nobody may wait on a closed fd, and the table forgets them, as close
     * does one by one (up to the descriptor limit: none lies above) */
    struct rlimit rl;
    unsigned top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 24)
                       ? (unsigned)rl.rlim_cur
                       : 1u << 24;
    for (unsigned fd = first; fd <= last && fd < top; fd++) {
        if (hub_priv_is((int)fd)) continue;
        if (hub_tls.nowait == 0) hub_fd_closed((int)fd);
        fdt_forget((int)fd);
    }
    unsigned lo = first;
    for (int i = 0; i < n; i++) {
        unsigned o = (unsigned)ours[i];
        if (o < lo || o > last) continue;
        if (o > lo && gp_syscall(SYS_close_range, lo, o - 1, flags) < 0) return -1;
        lo = o + 1;
    }
    if (lo <= last && gp_syscall(SYS_close_range, lo, last, flags) < 0) return -1;
    return 0;
}

int close_range(unsigned int first, unsigned int last, int flags)
{
    if (FROM_LIBEV || (flags & CLOSE_RANGE_CLOEXEC) || first > last)
        return REAL(close_range)(first, last, flags);
    return close_around(first, last, flags);
}

void closefrom(int lowfd)
{
    if (lowfd < 0) lowfd = 0; /* as glibc */
    close_around((unsigned)lowfd, ~0u, 0);
}
