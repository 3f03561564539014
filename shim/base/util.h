/* The small helpers the layers share, written once: an intrusive list and
 * FIFO queue, a pointer hash set, a backoff, a spin lock and the "where is
 * this address" formatter the dump and GEVENT_STATS print. */
#ifndef GP_BASE_UTIL_H
#define GP_BASE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* One intrusive doubly linked list: the node lives inside its owner (often
 * a waiter on the waiting greenlet's own stack, so no allocation), the list
 * is one pointer, empty when zeroed. Unordered: push at the front; for a
 * FIFO, gp_queue below. */
typedef struct gp_link {
    struct gp_link *next, *prev;
} gp_link;
static inline void gp_list_push(gp_link **list, gp_link *n)
{
    n->prev = NULL;
    n->next = *list;
    if (*list) (*list)->prev = n;
    *list = n;
}
static inline void gp_list_del(gp_link **list, gp_link *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        *list = n->next;
    if (n->next) n->next->prev = n->prev;
    n->next = n->prev = NULL;
}
/* Is n on list? (A node off every list has both links NULL.) */
static inline int gp_list_has(gp_link *const *list, const gp_link *n)
{
    return n->prev || *list == n;
}
/* Every node from first on, n the current one, which the body may remove
 * (nx holds the next). */
#define gp_list_foreach(n, nx, first) for ((n) = (first); (n) && ((nx) = (n)->next, 1); (n) = (nx))
/* The same node in a FIFO queue: a head and a tail, waiters served in the
 * order they came (futex buckets, wait queues). Empty when zeroed. */
typedef struct gp_queue {
    gp_link *head, *tail;
} gp_queue;
static inline void gp_queue_init(gp_queue *q)
{
    q->head = q->tail = NULL;
}
static inline int gp_queue_empty(const gp_queue *q)
{
    return !q->head;
}
static inline void gp_queue_push(gp_queue *q, gp_link *n)
{
    n->next = NULL;
    n->prev = q->tail;
    if (q->tail)
        q->tail->next = n;
    else
        q->head = n;
    q->tail = n;
}
static inline void gp_queue_remove(gp_queue *q, gp_link *n)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        q->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        q->tail = n->prev;
    n->next = n->prev = NULL;
}
static inline gp_link *gp_queue_pop(gp_queue *q)
{
    gp_link *n = q->head;
    if (n) gp_queue_remove(q, n);
    return n;
}
/* Every node of q in order (as gp_list_foreach). */
#define gp_queue_foreach(n, nx, q) gp_list_foreach (n, nx, (q)->head)

/* One backoff, for polling what nothing announces (a lock another process
 * holds, a FIFO's missing reader, a futex in shared memory): each pause
 * twice the last, from the first up to max. */
typedef struct gp_backoff {
    long long ns, max; /* the next pause; the longest */
} gp_backoff;
#define GP_BACKOFF(first_ns, max_ns) ((gp_backoff){(first_ns), (max_ns)})
static inline long long gp_backoff_next(gp_backoff *b)
{
    long long ns = b->ns;
    b->ns = ns > b->max / 2 ? b->max : ns * 2;
    return ns;
}

/* One pointer hash set (pset.c): non-NULL pointers, each found by a key,
 * the pointer itself (key_off -1) or a uintptr_t-sized member of what it
 * points to (key_off = its offsetof). Empty when zeroed but for key_off;
 * not locked (the owner's lock, if several threads use it). */
typedef struct gp_pset {
    void **v;
    size_t cap, n;
    long key_off;
} gp_pset;
#define GP_PSET_SELF -1L
static inline uintptr_t gp_pset_key(long off, const void *p)
{
    return off < 0 ? (uintptr_t)p : *(const uintptr_t *)(const void *)((const char *)p + off);
}
int gp_pset_add(gp_pset *s, void *p);                /* 0, or ENOMEM */
void *gp_pset_find(const gp_pset *s, uintptr_t key); /* the element with key, or NULL */
int gp_pset_del(gp_pset *s, const void *p);          /* 1 if p was there */

/* The structure of type T whose member m is at p. */
#define gp_owner(p, T, m) ((T *)(void *)((char *)(p)-offsetof(T, m)))

/* The pause of a spin-wait loop: tells the CPU it spins (the other
 * hyperthread gets the core, no memory-order flush when the word changes). */
#if defined(__x86_64__) || defined(__i386__)
#define gp_cpu_relax() __builtin_ia32_pause()
#else
#define gp_cpu_relax() __asm__ volatile("" ::: "memory")
#endif

/* For the few words several OS threads may touch, held for a few
 * instructions and never across a wait: greenlets of one hub never run at
 * once, so only native threads (resolver workers, foreign threads) contend. */
static inline void gp_spin_lock(int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED)) gp_cpu_relax();
}
static inline void gp_spin_unlock(int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* For fork child handlers: stores v only when it changes x. In a fork
 * child every page written is copied first (a copy-on-write fault: on this
 * project's paravirtualised machines 70-250 us each, more than the fork's
 * own system call), and most of what a handler resets is reset already;
 * the parent's pages stay shared with a child that only reads them. */
#define GP_SET(x, v)                                                                               \
    do {                                                                                           \
        if ((x) != (v)) (x) = (v);                                                                 \
    } while (0)

/* Fork child handlers (GP_FORK_CODE) and the few words they read
 * (GP_FORK_DATA) live in two sections of their own, so a fork child that
 * runs them all touches one page of code and one of data, both present
 * since the parent used them: a page not present in the child costs a
 * fault (tens of us on a paravirtualised machine) even to read or run. */
#define GP_FORK_CODE __attribute__((section("gp_fork_text"), noinline))
#define GP_FORK_DATA __attribute__((section("gp_fork_data")))

/* "name+0xoff (module+0xoff)": the symbol when the module exports one, and
 * always the module offset, which `addr2line -e MODULE OFF` resolves; the
 * bare address when no module maps it. */
void gp_where(const void *addr, char *buf, size_t n);

#endif
