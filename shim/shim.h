/* The front door's own state: configuration and the patch table. */
#ifndef GP_SHIM_H
#define GP_SHIM_H

#include <stddef.h>

#include "../patches/patch.h"

extern const char *const gp_sub_names[GP_NSUBS];
int gp_sub_find(const char *name); /* -1 if unknown */
int gp_sym_find(const char *name); /* -1 if not in the table */
int gp_sym_sub(int id);
int gp_sym_implemented(int id);
/* Why a symbol is off, or NULL when it is patched. */
const char *gp_sym_off_reason(int id, char *buf, size_t n);

void gp_config_load(void); /* exits 2 on a bad value */
void gp_symtab_init(void); /* resolve originals, decide on/off */
void gp_stats_init(void);  /* GEVENT_STATS and dump hooks */
void gp_stats_print(void);
void gp_stats_exit(void); /* at exit: the table, once */

#endif
