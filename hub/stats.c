/* GEVENT_STATS counters kept by the hub: greenlets created and alive,
 * switches, stack reserved and used. Only called when hub_stats_on, so the
 * hot paths pay one predictable branch when stats are off. */
#include "hub_int.h"

int hub_stats_on;
struct hub_stats hub_stats;
void (*hub_wait_hook)(gl_t *g, int64_t parked_ns);
void (*hub_origin_hook)(gl_t *g, char *buf, size_t n);

void hub_stats_link(gl_t *g, int delta)
{
    if (delta > 0) {
        if (!g->is_main) hub_stats.created++;
        if (++hub_stats.alive > hub_stats.peak_alive) hub_stats.peak_alive = hub_stats.alive;
        hub_stats.stack_bytes += g->stack_size;
        if (hub_stats.stack_bytes > hub_stats.peak_stack_bytes)
            hub_stats.peak_stack_bytes = hub_stats.stack_bytes;
    } else {
        /* counted only if linked after stats were switched on */
        if (hub_stats.alive) hub_stats.alive--;
        if (hub_stats.stack_bytes >= g->stack_size) hub_stats.stack_bytes -= g->stack_size;
    }
}

void hub_stats_park(gl_t *self)
{
    /* How deep the parking greenlet's stack is right now: a lower bound of
     * its peak, enough to tell whether GEVENT_STACK_SIZE is sane. */
    if (self->stack_size && !self->is_hub) {
        char *sp = __builtin_frame_address(0);
        char *top = self->stack_lo + self->stack_size;
        if (sp >= self->stack_lo && sp < top && (size_t)(top - sp) > hub_stats.deepest)
            hub_stats.deepest = (size_t)(top - sp);
    }
    if (hub_wait_hook) hub_wait_hook(self, -1);
}
