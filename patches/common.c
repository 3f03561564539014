/* Helpers shared by all patches. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include "patch.h"

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h> /* optional: only informs memcheck */
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

uintptr_t gp_main_stack_top, gp_main_stack_lim, gp_brk_lo;

/* The main stack's top and the brk heap's start, from /proc/self/stat
 * (fields 28 and 47); the main stack may grow down to its RLIMIT_STACK
 * (taken as at most 1 GiB), and the kernel keeps mmap below that. */
void gp_mem_init(void)
{
    char buf[1024];
    if (gp_read_file("/proc/self/stat", buf, sizeof buf) <= 0) return;
    char *s = strrchr(buf, ')');
    if (!s) return;
    unsigned long start_stack = 0, start_brk = 0;
    int field = 2;
    for (; *s; s++) {
        if (*s != ' ') continue;
        field++;
        unsigned long v = strtoul(s + 1, NULL, 10);
        if (field == 28) start_stack = v;
        if (field == 47) start_brk = v;
    }
    struct rlimit rl;
    if (start_stack && getrlimit(RLIMIT_STACK, &rl) == 0) {
        size_t lim =
            rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1UL << 30) ? 1UL << 30 : rl.rlim_cur;
        gp_main_stack_top = start_stack;
        gp_main_stack_lim = start_stack - lim;
    }
    if (start_brk) gp_brk_lo = start_brk;
}

/* Is [p, p+n) on the live part of the stack we run on: between our own
 * frame and the top of the running greenlet's stack, or of the main stack
 * when we run on it? That memory is mapped and cannot be unmapped under us.
 * The stack pointer must itself lie on that stack: on a signal stack
 * (sigaltstack) or a native thread's stack, [sp, top) would span other
 * mappings. */
int gp_on_live_stack(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, e = a + n, sp = (uintptr_t)__builtin_frame_address(0);
    gl_t *g = hub_tls.cur;
    if (e < a || a < sp) return 0;
    if (g && g->stack_size) {
        uintptr_t lo = (uintptr_t)g->stack_lo, hi = lo + g->stack_size;
        if (sp >= lo && sp < hi) return e <= hi;
    }
    return sp >= gp_main_stack_lim && sp < gp_main_stack_top && e <= gp_main_stack_top;
}

/* process_vm_{readv,writev} on ourselves: the kernel checks the program's
 * pointer and answers EFAULT, as the real system call would have. Two
 * system calls (getpid is not cached by glibc), so the common case of a
 * timeout or a sigset in the caller's frame is read directly: nothing else
 * (heap, a library's data) is, since it may have been unmapped. */
int gp_copy_in(void *dst, const void *user_src, size_t n)
{
    struct iovec l = {dst, n}, r = {(void *)user_src, n};
    if (n == 0) return 0;
    if (gp_on_live_stack(user_src, n)) {
        memcpy(dst, user_src, n);
        return 0;
    }
    int e = errno; /* the answer is the return value: errno stays the caller's */
    ssize_t got = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
    errno = e;
    return got == (ssize_t)n ? 0 : EFAULT;
}

int gp_copy_out(void *user_dst, const void *src, size_t n)
{
    struct iovec l = {(void *)src, n}, r = {user_dst, n};
    if (n == 0) return 0;
    int e = errno;
    ssize_t put = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
    errno = e;
    if (put != (ssize_t)n) return EFAULT;
    /* memcheck takes the remote side of process_vm_writev for another
     * process's memory and leaves it undefined: a program reading what
     * signal() returned (ripgrep does) would be reported */
    VALGRIND_MAKE_MEM_DEFINED(user_dst, n);
    return 0;
}
