/* thread: barriers as a wait queue on the hub, and spin locks that yield
 * instead of spinning.
 *
 * A barrier keeps glibc's count and shared fields where glibc keeps them;
 * the arrivals of the current round and the round number share one 64-bit
 * word, so the last arrival starts the next round with one atomic step and
 * exactly one waiter per round is PTHREAD_BARRIER_SERIAL_THREAD. Waiting
 * greenlets queue in the rest of the object (process-private) or poll on the
 * hub (process-shared).
 *
 * A spin lock held by a greenlet can only be released once that greenlet
 * runs again: spinning on one OS thread would spin forever. A busy lock
 * makes the caller yield to the others, then sleep briefly on the hub if
 * the holder is itself waiting for something. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "thread.h"

struct gbar {
    uint64_t word;  /* round << 32 | arrived: glibc's in and current_round */
    unsigned count; /* glibc's count */
    int shared;     /* glibc's shared */
    hub_wq q;       /* glibc's out and the unused tail */
};
_Static_assert(sizeof(struct gbar) == sizeof(pthread_barrier_t), "glibc barrier layout");

#define BARRIER_MAX (UINT_MAX / 2) /* glibc's BARRIER_IN_THRESHOLD */

int pthread_barrier_init(pthread_barrier_t *restrict barrier,
                         const pthread_barrierattr_t *restrict attr, unsigned count)
{
    if (!gp_enter(GP_SYM_pthread_barrier_init))
        return REAL(pthread_barrier_init)(barrier, attr, count);
    int pshared = PTHREAD_PROCESS_PRIVATE;
    if (count == 0 || count >= BARRIER_MAX) return EINVAL;
    if (attr) pthread_barrierattr_getpshared(attr, &pshared);
    if (pshared != PTHREAD_PROCESS_PRIVATE && pshared != PTHREAD_PROCESS_SHARED) return EINVAL;
    struct gbar *b = (struct gbar *)barrier;
    *b = (struct gbar){0};
    b->count = count;
    b->shared = pshared == PTHREAD_PROCESS_SHARED;
    return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *barrier)
{
    if (!gp_enter(GP_SYM_pthread_barrier_destroy)) return REAL(pthread_barrier_destroy)(barrier);
    return 0; /* waiters of the last round left as it completed */
}

int pthread_barrier_wait(pthread_barrier_t *barrier)
{
    if (!gp_enter(GP_SYM_pthread_barrier_wait)) return REAL(pthread_barrier_wait)(barrier);
    struct gbar *b = (struct gbar *)barrier;
    uint64_t w = __atomic_load_n(&b->word, __ATOMIC_RELAXED), next;
    unsigned round;
    do {
        round = (unsigned)(w >> 32);
        unsigned in = (unsigned)w + 1;
        next = in >= b->count ? (uint64_t)(round + 1) << 32 : (w & ~0xffffffffull) | in;
    } while (
        !__atomic_compare_exchange_n(&b->word, &w, next, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    if ((unsigned)(next >> 32) != round) { /* the last one in: the round is over */
        if (!b->shared) hub_wq_wake_all(&b->q);
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    /* Not a cancellation point: interrupts only make us look again. */
    gp_backoff backoff = GTH_POLL;
    while ((unsigned)(__atomic_load_n(&b->word, __ATOMIC_ACQUIRE) >> 32) == round) {
        if (b->shared)
            gth_poll_wait(&backoff, hub_never());
        else
            hub_wq_wait(&b->q, NULL, hub_never());
    }
    return 0;
}

/* ---- spin locks ----------------------------------------------------------- */

#define SPIN_YIELDS 64 /* yields before the holder is taken to be waiting */

int pthread_spin_init(pthread_spinlock_t *lock, int pshared)
{
    if (!gp_enter(GP_SYM_pthread_spin_init)) return REAL(pthread_spin_init)(lock, pshared);
    __atomic_store_n(lock, 0, __ATOMIC_RELAXED); /* glibc ignores pshared too */
    return 0;
}

int pthread_spin_destroy(pthread_spinlock_t *lock)
{
    if (!gp_enter(GP_SYM_pthread_spin_destroy)) return REAL(pthread_spin_destroy)(lock);
    return 0;
}

int pthread_spin_trylock(pthread_spinlock_t *lock)
{
    if (!gp_enter(GP_SYM_pthread_spin_trylock)) return REAL(pthread_spin_trylock)(lock);
    return gp_none_rc(__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE) ? EBUSY : 0);
}

int pthread_spin_lock(pthread_spinlock_t *lock)
{
    if (!gp_enter(GP_SYM_pthread_spin_lock)) return REAL(pthread_spin_lock)(lock);
    gp_backoff backoff = GTH_POLL;
    for (unsigned n = 0; __atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE); n++) {
        /* Most likely another greenlet holds it: let it run. Then it must
         * be waiting itself, or be another OS thread or process: spin a
         * little, reading only, and sleep briefly on the hub. */
        if (n < SPIN_YIELDS) {
            hub_yield();
            continue;
        }
        for (int i = 0; i < 16 && __atomic_load_n(lock, __ATOMIC_RELAXED); i++) gp_cpu_relax();
        if (__atomic_load_n(lock, __ATOMIC_RELAXED)) gth_poll_wait(&backoff, hub_never());
    }
    return 0;
}

int pthread_spin_unlock(pthread_spinlock_t *lock)
{
    if (!gp_enter(GP_SYM_pthread_spin_unlock)) return REAL(pthread_spin_unlock)(lock);
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
    return 0;
}
