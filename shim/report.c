/* The patch table (GEVENT_REPORT=1, gevent-run --list) and the exit stats. */
#include <stdio.h>

#include "gevent_patch.h"
#include "shim.h"

/* The constructor calls it by this name: a call to the exported one would
 * bind through a relocation to whatever the program calls gevent_report. */
void gp_report(int fd)
{
    char buf[96];
    for (int i = 0; i < GP_NSYMS; i++) {
        const char *why = gp_sym_off_reason(i, buf, sizeof buf);
        gp_dprintf(fd, "%-7s %-24s %s%s%s\n", gp_sub_names[gp_sym_sub(i)], gp_sym_names[i],
                   why ? "off (" : "patched", why ? why : "", why ? ")" : "");
    }
}

/* GEVENT_REPORT=1: how the program's thread-local storage is handled. */
void gp_report_tls(int fd)
{
    if (!gp_sub_on[GP_SUB_thread]) return;
    gp_dprintf(fd, "gevent_patch: thread-local storage: %s (%s)\n",
               hub_tcb_mode == HUB_TLS_GREENLET ? "per greenlet"
                                                : "shared by the greenlets of a thread",
               hub_tcb_describe());
}

void gevent_report(int fd)
{
    gp_report(fd);
}
