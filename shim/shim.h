/* The front door's own state: configuration and the patch table. */
#ifndef GP_SHIM_H
#define GP_SHIM_H

#include <stddef.h>

#include "../patches/patch.h"

void gp_report(int fd);     /* the patch table (gevent_report) */
void gp_stats_init(void);   /* GEVENT_STATS and dump hooks */
void gp_report_tls(int fd); /* GEVENT_REPORT: per greenlet or shared, and why */
void gp_stats_print(void);
void gp_stats_exit(void); /* at exit: the table, once */

#endif
