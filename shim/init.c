/* The library constructor: configuration, originals, then each subsystem's
 * own set-up. Until it has run, every hook passes straight through. */
#include <pthread.h>
#include <stdlib.h>

#include "shim.h"

#include "gevent_patch.h"

static void default_stack(void)
{
    pthread_attr_t a;
    size_t size = 8 << 20;
    if (gp_config.stack_size) {
        size = gp_config.stack_size;
    } else if (pthread_getattr_default_np(&a) == 0) {
        /* The size a native thread would get (RLIMIT_STACK, as glibc) */
        pthread_attr_getstacksize(&a, &size);
        pthread_attr_destroy(&a);
    }
    hub_default_stack = size;
}

static void gp_atexit(void)
{
    if (gp_stats) gp_stats_exit();
}

/* Bootstrap: what the constructor calls (allocation, dlsym, the hub's
 * creation) may re-enter any hook; in a no-wait section those pass straight
 * to the originals. */
__attribute__((constructor(101))) static void gp_init(void)
{
    hub_tls.nowait++;
    gp_config_load();
    default_stack();
    gp_symtab_init();
    gp_mem_init();
#define GP_RUN_INIT(s)                                                                             \
    if (gp_sub_on[GP_SUB_##s] && gp_init_##s) gp_init_##s();
    GP_SUBSYSTEMS(GP_RUN_INIT)
#undef GP_RUN_INIT
    gp_stats_init();
    if (gp_config.report) {
        gp_report(2);
        gp_report_tls(2);
    }
    if (gp_stats) atexit(gp_atexit);
    if (gp_config.dump_signal) hub_dump_on_signal(gp_config.dump_signal);
    /* preemption switches greenlets: only where the thread patch made them */
    unsigned slice = gp_sub_on[GP_SUB_thread] ? gp_config.preempt_ms : 0;
    if (gp_config.monitor_ms || slice)
        hub_monitor_start(gp_config.monitor_ms, slice,
                          (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                   void *))gp_real(GP_SYM_pthread_create));
    hub_tls.nowait--;
}
