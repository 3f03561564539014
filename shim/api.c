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

void *gevent_get_original(const char *symbol)
{
    int id = symbol ? gp_sym_find(symbol) : -1;
    return id >= 0 ? gp_real(id) : NULL;
}

int gevent_subsystem_patched(const char *subsystem)
{
    int s = subsystem ? gp_sub_find(subsystem) : -1;
    return s >= 0 && gp_sub_on[s];
}

const char *gevent_version(void) { return "libgevent_patch " GP_VERSION; }
