/* Shared by the thread patch files: the record behind a greenlet's
 * pthread_t, and the identity helpers the lock implementations use. */
#ifndef GP_THREAD_H
#define GP_THREAD_H

#include <pthread.h>

#include "patch.h"

struct gth_keys;

/* One per greenlet created by pthread_create (its pthread_t is the record's
 * address) and one per OS thread's main greenlet, created on first need
 * (its pthread_t is the real one, so glibc functions we do not interpose
 * keep working there). Lives until joined, or until exit when detached. */
struct gth {
    pthread_t self;
    gl_t *gl; /* NULL once exited */
    void *(*start)(void *);
    void *arg;
    void *ret;
    unsigned char detached, exited, joining, is_main;
    struct gth *joins; /* the thread this one is joining, for EDEADLK */
    hub_wq joinq;
    struct gth_keys *keys;
};

/* The calling greenlet's record (created for a main greenlet on demand);
 * NULL only on ENOMEM. */
struct gth *gth_self(void);
/* The record of a pthread_t created under the shim, or of a main greenlet
 * seen before; NULL if unknown (a native thread, or already joined). */
struct gth *gth_find(pthread_t t);

/* Owner ids written into lock words: greenlet ids (>= 1<<22) for greenlets,
 * the kernel tid for main greenlets (as glibc writes), so a native thread
 * using glibc's own code on the same mutex sees a consistent owner. */
static inline int gth_owner_id(void)
{
    return (int)gl_self()->id;
}

/* Does the owner id belong to a greenlet of this OS thread's hub, i.e. one
 * that will wake our wait queue when it unlocks? Anything else (a native
 * thread, another process) is polled for. */
int gth_owner_is_local(int owner);

/* Brief cooperative polling sleep, for waits on objects another OS thread or
 * process may release: doubles from 50 us to 5 ms, never past dl.
 * Returns ETIMEDOUT once dl has passed. */
int gth_poll_wait(int *backoff_us, hub_deadline dl);

#endif
