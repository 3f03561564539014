/* The base layer's symbol table: every libc symbol the shim interposes,
 * generated once from patches/symbols.def (an X-macro list: data, not a
 * header of the patch layer), and the originals the whole library calls.
 *
 * Everything below patches/ (this base, hub/, resolver/) calls libc through
 * REAL(name) or raw system calls only, never through a name the library
 * exports: that would re-enter a hook from inside the shim. */
#ifndef GP_BASE_SYM_H
#define GP_BASE_SYM_H

#include <stddef.h>
#include <stdint.h>

/* Subsystems, in the order GEVENT_PATCH and the reports name them. */
#define GP_SUBSYSTEMS(X) X(socket) X(io) X(select) X(time) X(dns) X(os) X(signal) X(thread)
enum gp_sub_id {
#define GP_SUB_ENUM(s) GP_SUB_##s,
    GP_SUBSYSTEMS(GP_SUB_ENUM)
#undef GP_SUB_ENUM
        GP_NSUBS
};

enum gp_sym_id {
#define GP_SYM(id, name, ver, sub, state, cancel, restart) GP_SYM_##id,
#include "../../patches/symbols.def"
#undef GP_SYM
    GP_NSYMS
};

/* The state column: HOOK (patches/ defines it; the only ones exported),
 * TODO (planned), OFF (left to libc on purpose, GP_OFF_WHY says why). */
enum gp_state { GP_STATE_HOOK, GP_STATE_TODO, GP_STATE_OFF };

/* The cancellation column (pthreads(7), glibc 2.36):
 *   CP     a cancellation point; acted on wherever the call waits on the hub
 *   CPOWN  a cancellation point the thread patch acts on itself, once its
 *          own state is right (join, condition variables, semaphores)
 *   NOCP   not a cancellation point */
enum gp_cancel { GP_CANCEL_NOCP, GP_CANCEL_CP, GP_CANCEL_CPOWN };

/* The restart column: what a call interrupted by a signal handler does,
 * natively (signal(7), "Interruption of system calls and library
 * functions by signal handlers"):
 *   NOEINTR    never fails with EINTR: it does not wait, or libc goes on
 *              waiting after the handler (mutexes, joins, getaddrinfo)
 *   RESTART    restarted if the handler has SA_RESTART, else EINTR
 *   RCVTIMEO   as RESTART, but EINTR whatever SA_RESTART says on a socket
 *              with a receive timeout (SO_RCVTIMEO) set
 *   SNDTIMEO   the same with a send timeout (SO_SNDTIMEO)
 *   NORESTART  EINTR whatever SA_RESTART says (poll, sleeps, close) */
enum gp_restart {
    GP_RESTART_NOEINTR,
    GP_RESTART_RESTART,
    GP_RESTART_RCVTIMEO,
    GP_RESTART_SNDTIMEO,
    GP_RESTART_NORESTART
};

struct gp_sym_info {
    const char *version; /* "" for the default version */
    unsigned char sub, state, cancel, restart;
};
extern const struct gp_sym_info gp_sym_info[GP_NSYMS];
extern const char *const gp_sym_names[GP_NSYMS];

struct gp_sym {
    void *real;          /* the original, resolved once */
    unsigned char on;    /* interposing now */
    unsigned long calls; /* GEVENT_STATS: calls that entered the hook */
    unsigned long waits; /* calls that parked at least once */
    int64_t wait_ns;     /* total time parked in this call */
};
extern struct gp_sym gp_syms[GP_NSYMS];

/* Resolves an original on first use (dlsym/dlvsym RTLD_NEXT). NULL while a
 * resolution is already under way on this thread (dlsym re-entering us):
 * the caller must then fall back to the raw syscall. */
void *gp_resolve(int id);
static inline void *gp_real(int id)
{
    void *p = gp_syms[id].real;
    return p ? p : gp_resolve(id);
}
#define REAL(name) ((__typeof__(&name))gp_real(GP_SYM_##name))

int gp_sym_find(const char *name); /* -1 if not in the table */
static inline int gp_sym_sub(int id)
{
    return gp_sym_info[id].sub;
}
static inline int gp_sym_implemented(int id)
{
    return gp_sym_info[id].state == GP_STATE_HOOK;
}
static inline int gp_sym_cancel(int id)
{
    return gp_sym_info[id].cancel;
}
static inline int gp_sym_restart(int id)
{
    return gp_sym_info[id].restart;
}
/* Why a symbol is off, or NULL when it is patched. */
const char *gp_sym_off_reason(int id, char *buf, size_t n);
void gp_symtab_init(void); /* resolve originals, decide on/off */

#endif
