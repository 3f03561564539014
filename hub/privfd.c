/* The shim's own descriptors (libev's epoll and eventfd, and any other fd
 * libev creates) kept out of the program's way.
 *
 * Created: libev's creation calls reach the hooks (epoll_create1, eventfd,
 * ...), which hand the new fd here: it moves to a high slot under
 * RLIMIT_NOFILE or 1024, whichever is lower (nofile_limit), close-on-exec,
 * so a program that closes 0-2 and opens again gets its low numbers back.
 *
 * Closed by the program (a loop over /proc/self/fd or up to _SC_OPEN_MAX,
 * closefrom, close_range, dup2/dup3 onto it): the hooks call hub_priv_evict
 * first, which moves the shim's descriptor to another slot (a dup of the
 * same open file: epoll registrations and the eventfd's counter carry
 * over); the program's call then really closes or replaces the old number,
 * so fcntl(F_GETFD) and fstat on it answer EBADF as natively. libev keeps
 * the number it was given: its own calls on it (read, write, epoll_wait,
 * epoll_ctl, fcntl, close, dup2), recognised by their return address inside
 * libev, are translated to the current number. New slots are taken below the
 * old one, so an ascending close-everything loop never meets them again.
 *
 * The table is a few words read lock-free (libev writes its wake-up from
 * signal handlers and other threads); entries change under a spin lock. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* elf.h (through link.h) names ELF versions EV_*, as libev names events */
#undef EV_NONE
#undef EV_CURRENT
#undef EV_NUM
#include "hub_int.h"

#define PRIV_MAX HUB_PRIV_MAX

/* Numbers are stored plus one: a zero entry is free (usable before any
 * constructor has run). */
static struct {
    int orig1; /* 1 + the number libev knows */
    int cur1;  /* 1 + where the descriptor is now */
} priv[PRIV_MAX];
static int priv_lock;
int hub_priv_moved; /* some entry moved: libev's calls are translated */

static uintptr_t ev_lo, ev_hi; /* libev's mapped segments */

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    if ((void *)info->dlpi_addr != data) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type != PT_LOAD) continue;
        uintptr_t lo = info->dlpi_addr + p->p_vaddr, hi = lo + p->p_memsz;
        if (!ev_lo || lo < ev_lo) ev_lo = lo;
        if (hi > ev_hi) ev_hi = hi;
    }
    return 1;
}

static void find_libev(void)
{
    static int done;
    if (__atomic_load_n(&done, __ATOMIC_ACQUIRE)) return;
    Dl_info di;
    if (dladdr((void *)ev_run, &di) && di.dli_fbase) dl_iterate_phdr(phdr_cb, di.dli_fbase);
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
}

int hub_priv_from_libev(const void *ra)
{
    find_libev();
    return (uintptr_t)ra >= ev_lo && (uintptr_t)ra < ev_hi;
}

static void lock(void)
{
    gp_spin_lock(&priv_lock);
}
static void unlock(void)
{
    gp_spin_unlock(&priv_lock);
}

/* Numbers ours have ever held: a moved descriptor never lands on one, so a
 * program checking the numbers it closed finds every one closed. */
static int burned[64], nburned;

static void burn(int fd)
{
    for (int i = 0; i < nburned; i++)
        if (burned[i] == fd) return;
    if (nburned < 64) burned[nburned++] = fd;
}

static int is_burned(int fd)
{
    for (int i = 0; i < nburned; i++)
        if (burned[i] == fd) return 1;
    return 0;
}

/* The range ours are placed in: up to RLIMIT_NOFILE, but never above 1024
 * (the usual soft limit), so a raised limit does not push them up. A fork
 * copies the kernel's descriptor table up to the highest open number, and
 * libev sizes its per-descriptor array by the highest one it watches: with
 * ours just under a limit of 20,000, every fork of the process copied a
 * 160 KiB table and 80 more pages of page table entries, and fork + exit +
 * waitpid cost a quarter more than natively (make bench, 60-fork). */
static long nofile_limit(void)
{
    struct rlimit rl;
    if (gp_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 && rl.rlim_cur < 1024)
        return (long)rl.rlim_cur;
    return 1024;
}

/* A duplicate of fd at the lowest number from start up that ours never
 * held (burned, below); -1 if none. */
static int dup_unburned(int fd, long start)
{
    for (int tries = 0; tries < 128; tries++) {
        int n = (int)gp_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, start);
        if (n < 0 || !is_burned(n)) return n;
        gp_syscall(SYS_close, n);
        start = n + 1;
    }
    return -1;
}

/* A duplicate in the high region: from nofile_limit() - 64 up. */
static int high_dup(int fd)
{
    long lim = nofile_limit(), base = lim > 256 ? lim - 64 : lim / 2;
    return dup_unburned(fd, base < 3 ? 3 : base);
}

static int find_cur(int fd)
{
    for (int i = 0; i < PRIV_MAX; i++)
        if (__atomic_load_n(&priv[i].cur1, __ATOMIC_ACQUIRE) == fd + 1) return i;
    return -1;
}

int hub_priv_adopt(int fd)
{
    if (fd < 0) return fd;
    int e = errno;
    int hi = high_dup(fd);
    if (hi > fd) {
        gp_syscall(SYS_close, fd);
    } else { /* no room up there: it stays where it is */
        if (hi >= 0) gp_syscall(SYS_close, hi);
        hi = fd;
    }
    lock();
    burn(hi);
    for (int i = 0; i < PRIV_MAX; i++)
        if (priv[i].orig1 == 0) {
            priv[i].cur1 = hi + 1;
            __atomic_store_n(&priv[i].orig1, hi + 1, __ATOMIC_RELEASE);
            break;
        }
    unlock();
    errno = e;
    return hi;
}

int hub_priv_is(int fd)
{
    return fd >= 0 && find_cur(fd) >= 0;
}

/* Where an evicted descriptor goes: from the middle of the range up. Below
 * the high region where ours start, so a close-everything loop, which walks
 * up, has passed it already; far above the low numbers a program expects
 * back from open. */
static int fresh_dup(int fd)
{
    long lim = nofile_limit();
    return dup_unburned(fd, lim / 2 > 3 ? lim / 2 : 3);
}

int hub_priv_evict(int fd)
{
    int moved = 0, e = errno;
    lock();
    int i = find_cur(fd);
    if (i >= 0) {
        burn(fd);
        int n = fresh_dup(fd);
        if (n < 0) n = (int)gp_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 3);
        if (n >= 0) {
            burn(n);
            __atomic_store_n(&priv[i].cur1, n + 1, __ATOMIC_RELEASE);
            __atomic_store_n(&hub_priv_moved, 1, __ATOMIC_RELEASE);
            moved = 1;
        }
    }
    unlock();
    errno = e;
    return moved;
}

int hub_priv_xlate(int fd)
{
    for (int i = 0; i < PRIV_MAX; i++)
        if (__atomic_load_n(&priv[i].orig1, __ATOMIC_ACQUIRE) == fd + 1)
            return __atomic_load_n(&priv[i].cur1, __ATOMIC_ACQUIRE) - 1;
    return fd;
}

void hub_priv_forget(int orig)
{
    lock();
    for (int i = 0; i < PRIV_MAX; i++)
        if (priv[i].orig1 == orig + 1) {
            __atomic_store_n(&priv[i].orig1, 0, __ATOMIC_RELEASE);
            priv[i].cur1 = 0;
        }
    unlock();
}

int hub_priv_list(int *out, int max)
{
    int n = 0;
    for (int i = 0; i < PRIV_MAX && n < max; i++) {
        int c = __atomic_load_n(&priv[i].cur1, __ATOMIC_ACQUIRE);
        if (c) out[n++] = c - 1;
    }
    return n;
}
