/* The public gevent_* API (gevent_patch.h). */
#include <stddef.h>

#include "gevent_patch.h"
#include "shim.h"

#ifndef GP_VERSION
#define GP_VERSION "0.1.0"
#endif

int gevent_is_patched(const char *symbol)
{
    int id = symbol ? gp_sym_find(symbol) : -1;
    return id >= 0 && gp_syms[id].on;
}

/* Never NULL for a symbol in the table that libc defines, patched or not. */
void *gevent_get_original(const char *symbol)
{
    int id = symbol ? gp_sym_find(symbol) : -1;
    return id >= 0 ? gp_real(id) : NULL;
}

/* Switched on and at least one of its symbols really interposed: a
 * subsystem whose hooks are all unwritten patches nothing. */
int gevent_subsystem_patched(const char *subsystem)
{
    int s = subsystem ? gp_sub_find(subsystem) : -1;
    if (s < 0 || !gp_sub_on[s]) return 0;
    for (int i = 0; i < GP_NSYMS; i++)
        if (gp_sym_sub(i) == s && gp_syms[i].on) return 1;
    return 0;
}

const char *gevent_version(void)
{
    return "libgevent_patch " GP_VERSION;
}
