/* System calls made by the library itself.
 *
 * The shim exports syscall() (patches/futex.c turns raw futex waits into
 * greenlet waits), so a call to syscall() from inside the library would
 * land in that hook. The library is linked with -Wl,--wrap=syscall: every
 * syscall() it calls itself reaches __wrap_syscall below instead, which
 * traps into the kernel directly, without libc, the hook, or a symbol
 * lookup (it runs in signal handlers and before the originals are
 * resolved). Returns -1 with errno set, as libc's syscall() does. */
#include <errno.h>
#include <stdarg.h>

#include "hub.h"

long hub_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
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
#error "hub/sys.c: no raw system call for this architecture"
#endif
    if ((unsigned long)ret > -4096UL) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
}

/* Six longs, as libc's syscall() reads them whatever the call. */
__attribute__((visibility("hidden"))) long __wrap_syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    return hub_raw_syscall(nr, a1, a2, a3, a4, a5, a6);
}
