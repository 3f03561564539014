/* The small helpers the layers share, written once: a spin lock and the
 * "where is this address" formatter the dump and GEVENT_STATS print. */
#ifndef GP_BASE_UTIL_H
#define GP_BASE_UTIL_H

#include <stddef.h>

/* For the few words several OS threads may touch, held for a few
 * instructions and never across a wait: greenlets of one hub never run at
 * once, so only native threads (resolver workers, foreign threads) contend. */
static inline void gp_spin_lock(int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) __builtin_ia32_pause();
}
static inline void gp_spin_unlock(int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* "name+0xoff (module+0xoff)": the symbol when the module exports one, and
 * always the module offset, which `addr2line -e MODULE OFF` resolves; the
 * bare address when no module maps it. */
void gp_where(const void *addr, char *buf, size_t n);

#endif
