/* The table of interposed symbols: their originals and whether each is
 * patched now. Originals are resolved once, in the constructor; a hook that
 * runs earlier (another library's constructor) resolves its own lazily. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "base.h"

const struct gp_sym_info gp_sym_info[GP_NSYMS] = {
#define GP_SYM(id, name, ver, sub, state, cancel, restart)                                         \
    {ver, GP_SUB_##sub, GP_STATE_##state, GP_CANCEL_##cancel, GP_RESTART_##restart},
#include "../../patches/symbols.def"
#undef GP_SYM
};

const char *const gp_sym_names[GP_NSYMS] = {
#define GP_SYM(id, name, ver, sub, state, cancel, restart) #name,
#include "../../patches/symbols.def"
#undef GP_SYM
};

/* Symbols left to libc on purpose, and why. */
static const struct {
    int id;
    const char *why;
} off_why[] = {
#undef GP_OFF_WHY
#define GP_SYM(id, name, ver, sub, state, cancel, restart)
#define GP_OFF_WHY(id, why) {GP_SYM_##id, why},
#include "../../patches/symbols.def"
#undef GP_SYM
    {-1, NULL}};

struct gp_sym gp_syms[GP_NSYMS];

static __thread int resolving;

void *gp_resolve(int id)
{
    if (resolving) return NULL; /* dlsym came back to us: use the raw path */
    resolving = 1;
    void *p = gp_sym_info[id].version[0]
                  ? dlvsym(RTLD_NEXT, gp_sym_names[id], gp_sym_info[id].version)
                  : dlsym(RTLD_NEXT, gp_sym_names[id]);
    resolving = 0;
    __atomic_store_n(&gp_syms[id].real, p, __ATOMIC_RELEASE);
    return p;
}

int gp_sym_find(const char *name)
{
    for (int i = 0; i < GP_NSYMS; i++)
        if (strcmp(name, gp_sym_names[i]) == 0) return i;
    return -1;
}

void gp_symtab_init(void)
{
    for (int i = 0; i < GP_NSYMS; i++) {
        /* Originals outside glibc (liburing's, version LIBURING_*) are
         * looked up at their first call: the program may not load that
         * library at all, and a failed dlsym here would malloc its error
         * message while a preloaded allocator may not be ready for it. */
        const char *v = gp_sym_info[i].version;
        int lazy = v[0] && strncmp(v, "GLIBC_", 6) != 0;
        if (!gp_syms[i].real && !lazy) gp_resolve(i);
        gp_syms[i].on =
            gp_sym_implemented(i) && gp_sub_on[gp_sym_sub(i)] && (gp_syms[i].real || lazy);
    }
}

const char *gp_sym_off_reason(int id, char *buf, size_t n)
{
    int s = gp_sym_sub(id);
    if (!gp_sym_implemented(id)) {
        for (int i = 0; off_why[i].why; i++)
            if (off_why[i].id == id) return off_why[i].why;
        return "not implemented";
    }
    if (!gp_sub_on[s]) {
        if (gp_config.sub_why[s] == GP_WHY_VAR) {
            char up[16];
            size_t j;
            for (j = 0; gp_sub_names[s][j] && j + 1 < sizeof up; j++)
                up[j] = (char)(gp_sub_names[s][j] - 'a' + 'A');
            up[j] = 0;
            snprintf(buf, n, "switched off by GEVENT_PATCH_%s=0", up);
        } else {
            snprintf(buf, n, "switched off: not in GEVENT_PATCH");
        }
        return buf;
    }
    if (!gp_syms[id].real && !gp_syms[id].on) return "not found in libc";
    return NULL;
}
