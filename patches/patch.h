/* What every patch file includes: the symbol ids, the originals, and the
 * entry check each hook starts with.
 *
 *     ssize_t read(int fd, void *buf, size_t n)
 *     {
 *         if (!gp_enter(GP_SYM_read)) return REAL(read)(fd, buf, n);
 *         ... wait on the hub, then call REAL(read) ...
 *     }
 *
 * gp_enter is false (pass straight through) when the symbol is off, before
 * the library is initialised, on the hub greenlet itself, and in no-wait
 * sections (signal handlers, native helper threads). */
#ifndef GP_PATCH_H
#define GP_PATCH_H

#include "../hub/hub.h"

enum gp_sym_id {
#define GP_SYM(sub, name, ver, state) GP_SYM_##name,
#include "symbols.def"
#undef GP_SYM
    GP_NSYMS
};

#define GP_SUBSYSTEMS(X) X(socket) X(io) X(select) X(time) X(dns) X(os) X(signal) X(thread)
enum gp_sub_id {
#define GP_SUB_ENUM(s) GP_SUB_##s,
    GP_SUBSYSTEMS(GP_SUB_ENUM)
#undef GP_SUB_ENUM
        GP_NSUBS
};

struct gp_sym {
    void *real;          /* the original, resolved once */
    unsigned char on;    /* interposing now */
    unsigned long calls; /* GEVENT_STATS: calls that entered the hook */
    unsigned long waits; /* calls that parked at least once */
    int64_t wait_ns;     /* total time parked in this call */
};
extern struct gp_sym gp_syms[GP_NSYMS];
extern const char *const gp_sym_names[GP_NSYMS];
extern int gp_stats;                      /* GEVENT_STATS=1 */
extern unsigned char gp_sub_on[GP_NSUBS]; /* subsystem switched on */

enum gp_why { GP_WHY_DEFAULT, GP_WHY_LIST, GP_WHY_VAR };
enum gp_resolver { GP_RESOLVER_ARES, GP_RESOLVER_THREAD, GP_RESOLVER_BLOCK };

/* Configuration, filled from the environment by the shim before any
 * gp_init_<subsystem> runs. */
struct gp_config {
    unsigned char sub_why[GP_NSUBS]; /* what decided gp_sub_on[i] */
    int report;
    size_t stack_size;       /* 0: glibc's default */
    int resolver;            /* enum gp_resolver */
    const char *nameservers; /* GEVENT_RESOLVER_NAMESERVERS, raw */
    int dump_signal;         /* 0: none */
};
extern struct gp_config gp_config;
/* Stops the program for a variable a patch validates itself: one line on
 * stderr naming the variable, the value and what is allowed; exit 2. */
void gp_config_bad(const char *var, const char *val, const char *allowed) __attribute__((noreturn));

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

/* Something is pending for the running greenlet (g->pending: a signal sent
 * with pthread_kill, a cancellation): delivered on entry to a patched call;
 * a cancellation is acted on here if call id is a cancellation point.
 * Defined by the thread patch (thread_cancel.c). */
void gp_pending(int id);

/* Always inlined: __builtin_return_address(0) is then the hook's caller,
 * the program's call site the dump shows. */
static inline __attribute__((always_inline)) int gp_enter(int id)
{
    if (!gp_syms[id].on || !hub_may_wait()) return 0;
    gl_t *g = hub_tls.cur;
    if (__builtin_expect(gp_stats, 0)) {
        gp_syms[id].calls++;
        if (g) g->stat_sym = id + 1; /* the hub counts this call's waits */
    }
    if (g) {
        g->op = gp_sym_names[id];
        g->op_ra = __builtin_return_address(0);
        if (__builtin_expect(g->pending, 0)) gp_pending(id);
    }
    return 1;
}

/* Copies between the program's memory and ours, failing with EFAULT where
 * the kernel would, instead of crashing inside the shim. */
int gp_copy_in(void *dst, const void *user_src, size_t n);
int gp_copy_out(void *user_dst, const void *src, size_t n);

/* Optional per-subsystem set-up, run by the constructor when the subsystem
 * is on: define `void gp_init_<subsystem>(void)` in the patch file. */
#define GP_INIT_DECL(s) void gp_init_##s(void) __attribute__((weak));
GP_SUBSYSTEMS(GP_INIT_DECL)
#undef GP_INIT_DECL

#endif
