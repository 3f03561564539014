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

void gevent_report(int fd)
{
    gp_report(fd);
}
