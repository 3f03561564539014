/* Raw system calls and libc services for the whole library (raw.h). */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base.h"

ssize_t gp_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t left = n;
    while (left > 0) {
        long r = gp_syscall(SYS_write, fd, p, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        left -= (size_t)r;
    }
    return (ssize_t)n;
}

ssize_t gp_read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        long r = gp_syscall(SYS_read, fd, p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int gp_dprintf(int fd, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return n;
    if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
    return gp_write_all(fd, buf, (size_t)n) < 0 ? -1 : n;
}

ssize_t gp_read_file(const char *path, char *buf, size_t n)
{
    if (n == 0) return -1;
    int fd = (int)gp_syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t r = gp_read_all(fd, buf, n - 1);
    gp_syscall(SYS_close, fd);
    buf[r > 0 ? r : 0] = 0;
    return r;
}

void gp_where(const void *addr, char *buf, size_t n)
{
    Dl_info di;
    if (!addr || !dladdr(addr, &di) || !di.dli_fbase) {
        snprintf(buf, n, "%p", addr);
        return;
    }
    const char *mod = di.dli_fname && *di.dli_fname ? di.dli_fname : "?";
    const char *base = mod;
    for (const char *p = mod; *p; p++)
        if (*p == '/') base = p + 1;
    unsigned long off = (unsigned long)((const char *)addr - (char *)di.dli_fbase);
    if (di.dli_sname && di.dli_saddr)
        snprintf(buf, n, "%s+0x%lx (%s+0x%lx)", di.dli_sname,
                 (unsigned long)((const char *)addr - (char *)di.dli_saddr), base, off);
    else
        snprintf(buf, n, "%s+0x%lx", base, off);
}

/* What pthread_atfork passes (libc_nonshared.a): this object's handle. */
extern void *__dso_handle __attribute__((weak, visibility("hidden")));

/* Library constructors register handlers before ours, and before ASan's
 * in the sanitizer build (instrumented code would fault there): looked up
 * directly, not instrumented. */
__attribute__((no_sanitize_address)) int gp_atfork(void (*prepare)(void), void (*parent)(void),
                                                   void (*child)(void))
{
    static int (*real)(void (*)(void), void (*)(void), void (*)(void), void *);
    if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "__register_atfork");
    return real ? real(prepare, parent, child, __dso_handle) : ENOMEM;
}

int gp_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int (*real)(int, const struct sigaction *, struct sigaction *) = gp_real(GP_SYM_sigaction);
    if (real) return real(sig, act, old);
    errno = ENOSYS;
    return -1;
}

/* ---- system calls --------------------------------------------------------- */

/* Traps into the kernel itself: libc's syscall() is interposed by the
 * shim's own hook, and this runs in signal handlers and before the
 * originals are resolved. */
static long raw6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
    long ret;
#if defined(__x86_64__)
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a1;
    register long x1 __asm__("x1") = a2;
    register long x2 __asm__("x2") = a3;
    register long x3 __asm__("x3") = a4;
    register long x4 __asm__("x4") = a5;
    register long x5 __asm__("x5") = a6;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    ret = x0;
#else
#error "shim/base/raw.c: no raw system call for this architecture"
#endif
    if ((unsigned long)ret > -4096UL) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

long (*gp_syscall_via)(long, ...);

long gp_syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    long (*via)(long, ...) = gp_syscall_via;
    if (via) return via(nr, a1, a2, a3, a4, a5, a6);
    return raw6(nr, a1, a2, a3, a4, a5, a6);
}

/* The object holding addr: its executable PT_LOAD segment. */
struct text_q {
    uintptr_t addr, lo, len;
};
static int text_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct text_q *q = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (q->addr >= lo && q->addr < lo + ph->p_memsz) {
            q->lo = lo;
            q->len = ph->p_memsz;
            return 1;
        }
    }
    return 0;
}

int gp_text_of(const void *addr, uintptr_t *lo, uintptr_t *len)
{
    struct text_q q = {(uintptr_t)addr, 0, 0};
    if (!addr || !dl_iterate_phdr(text_cb, &q)) return -1;
    *lo = q.lo;
    *len = q.len;
    return 0;
}
