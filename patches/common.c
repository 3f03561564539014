/* Helpers shared by all patches. */
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "patch.h"

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h> /* optional: only informs memcheck */
#else
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

/* process_vm_{readv,writev} on ourselves: the kernel checks the program's
 * pointer and answers EFAULT, as the real system call would have. */
int gp_copy_in(void *dst, const void *user_src, size_t n)
{
    struct iovec l = {dst, n}, r = {(void *)user_src, n};
    if (n == 0) return 0;
    return process_vm_readv(getpid(), &l, 1, &r, 1, 0) == (ssize_t)n ? 0 : EFAULT;
}

int gp_copy_out(void *user_dst, const void *src, size_t n)
{
    struct iovec l = {(void *)src, n}, r = {user_dst, n};
    if (n == 0) return 0;
    if (process_vm_writev(getpid(), &l, 1, &r, 1, 0) != (ssize_t)n) return EFAULT;
    /* memcheck takes the remote side of process_vm_writev for another
     * process's memory and leaves it undefined: a program reading what
     * signal() returned (ripgrep does) would be reported */
    VALGRIND_MAKE_MEM_DEFINED(user_dst, n);
    return 0;
}
