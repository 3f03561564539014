/* One pointer hash set (util.h): open addressing, linear probing, at most
 * half full, so a lookup is a probe or two. A removal re-places the rest of
 * its cluster, so lookups never stop early. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

static size_t slot(uintptr_t key, size_t cap)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static void place(void **v, size_t cap, long off, void *p)
{
    size_t i = slot(gp_pset_key(off, p), cap);
    while (v[i]) i = (i + 1) & (cap - 1);
    v[i] = p;
}

int gp_pset_add(gp_pset *s, void *p)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        void **v = calloc(cap, sizeof *v);
        if (!v) return ENOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i]) place(v, cap, s->key_off, s->v[i]);
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    place(s->v, s->cap, s->key_off, p);
    s->n++;
    return 0;
}

void *gp_pset_find(const gp_pset *s, uintptr_t key)
{
    if (!s->cap) return NULL;
    for (size_t i = slot(key, s->cap);; i = (i + 1) & (s->cap - 1))
        if (!s->v[i] || gp_pset_key(s->key_off, s->v[i]) == key) return s->v[i];
}

int gp_pset_del(gp_pset *s, const void *p)
{
    if (!s->cap) return 0;
    size_t i = slot(gp_pset_key(s->key_off, p), s->cap);
    for (; s->v[i] != p; i = (i + 1) & (s->cap - 1))
        if (!s->v[i]) return 0;
    s->v[i] = NULL;
    s->n--;
    for (size_t j = (i + 1) & (s->cap - 1); s->v[j]; j = (j + 1) & (s->cap - 1)) {
        void *e = s->v[j];
        s->v[j] = NULL;
        place(s->v, s->cap, s->key_off, e);
    }
    return 1;
}
