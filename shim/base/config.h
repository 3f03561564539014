/* The base layer's configuration values: read from the environment once, by
 * the constructor, before any subsystem starts (config.c). */
#ifndef GP_BASE_CONFIG_H
#define GP_BASE_CONFIG_H

#include <stddef.h>

#include "sym.h"

extern int gp_stats;                      /* GEVENT_STATS=1 */
extern unsigned char gp_sub_on[GP_NSUBS]; /* subsystem switched on */
extern const char *const gp_sub_names[GP_NSUBS];
int gp_sub_find(const char *name); /* -1 if unknown */

enum gp_why { GP_WHY_DEFAULT, GP_WHY_LIST, GP_WHY_VAR };
enum gp_resolver { GP_RESOLVER_ARES, GP_RESOLVER_THREAD, GP_RESOLVER_BLOCK };

struct gp_config {
    unsigned char sub_why[GP_NSUBS]; /* what decided gp_sub_on[i] */
    int report;
    size_t stack_size;       /* 0: glibc's default */
    int resolver;            /* enum gp_resolver */
    const char *nameservers; /* GEVENT_RESOLVER_NAMESERVERS, raw */
    int dump_signal;         /* 0: none */
    int tls;                 /* GEVENT_TLS: enum gp_tls */
    unsigned monitor_ms;     /* GEVENT_MONITOR: 0 off */
    unsigned preempt_ms;     /* GEVENT_PREEMPT: 0 off */
};
enum gp_tls { GP_TLS_AUTO, GP_TLS_GREENLET, GP_TLS_SHARED };
extern struct gp_config gp_config;

void gp_config_load(void); /* exits 2 on a bad value */
/* Stops the program for a variable a room validates itself: one line on
 * stderr naming the variable, the value and what is allowed; exit 2. */
void gp_config_bad(const char *var, const char *val, const char *allowed) __attribute__((noreturn));

#endif
