/* signal: the program's view of its alternate signal stack.
 *
 * Where the program has none, the hub puts one of its own in place on each
 * OS thread it runs (hub/stack.c: its stack-overflow report must run
 * somewhere else than the overflowed stack). The program sees none, as
 * natively: sigaltstack reports SS_DISABLE while ours is there (a handler
 * that compares the view with what it read before, or checks that no
 * stack was set, sees what it would natively); a stack the program sets
 * replaces ours, and from then on the calls pass straight through. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "patch.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* linux/signal.h; not in glibc 2.36's headers */
#endif

int sigaltstack(const stack_t *ss, stack_t *old)
{
    void *own;
    stack_t cur, in;
    if (!gp_syms[GP_SYM_sigaltstack].on || !(own = hub_own_altstack()) ||
        REAL(sigaltstack)(NULL, &cur) != 0 || cur.ss_sp != own)
        return REAL(sigaltstack)(ss, old);
    if (ss) {
        if (gp_copy_in(&in, ss, sizeof in)) {
            errno = EFAULT;
            return -1;
        }
        if ((unsigned)in.ss_flags & ~(unsigned)(SS_DISABLE | SS_AUTODISARM)) {
            errno = EINVAL;
            return -1;
        }
        /* disabling none is nothing to do; a stack of the program's own
         * replaces ours (the kernel checks it) */
        if (!(in.ss_flags & SS_DISABLE) && REAL(sigaltstack)(&in, NULL) != 0) return -1;
    }
    stack_t none;
    memset(&none, 0, sizeof none);
    none.ss_flags = SS_DISABLE;
    if (old && gp_copy_out(old, &none, sizeof none)) {
        errno = EFAULT;
        return -1;
    }
    return 0;
}
