/* Thread control blocks per greenlet: every greenlet a thread to its program.
 *
 * On x86_64 a thread's %fs base points at its thread control block: glibc's
 * struct pthread, with the static TLS block of every module loaded at start
 * right below it (TLS_TCB_AT_TP), and a DTV for the modules dlopen'ed later
 * (__tls_get_addr allocates their blocks lazily, per thread). A greenlet that
 * is to be a thread gets a block of its own laid out as glibc lays out a new
 * thread's (nptl/allocatestack.c): the memory is ours, the DTV and the copies
 * of each module's TLS image (.tdata copied, .tbss zeroed) are made by the
 * loader's own _dl_allocate_tls, and _dl_deallocate_tls frees the DTV and the
 * dynamic blocks again. The switch sets %fs with WRFSBASE when the CPU and
 * kernel allow it (AT_HWCAP2 has HWCAP2_FSGSBASE), else with
 * arch_prctl(ARCH_SET_FS), a system call.
 *
 * The struct pthread of a greenlet is the OS thread's header (stack guard,
 * pointer guard, the multiple_threads flag, CET state) with its own tcb/self
 * and DTV, the OS thread's tid (gettid(), raise() and glibc's lock owner ids
 * stay the OS thread's), an empty robust list and key table, the greenlet's
 * stack as its stack block (glibc sizes alloca against it), rseq's cpu_id
 * "not registered" (sched_getcpu then asks the kernel), and its own _res.
 * It is never linked into glibc's thread lists. libc's own TLS block is
 * fresh (errno, h_errno, the locale, dlerror state, the thread_local
 * destructor list, inet_ntoa's buffer...) except malloc's tcache and arena
 * pointers, which are the OS thread's: the greenlets of a thread never run
 * inside malloc at the same time, and a greenlet that ends then has no
 * malloc state to give back (glibc's __libc_thread_freeres is internal).
 *
 * The hub greenlet has no block: it runs on whichever block is current, so
 * a switch from greenlet A to greenlet B (A -> hub -> B) changes %fs once,
 * not twice, and not at all when B runs on A's block. The shim's own TLS
 * (hub_tls: the running greenlet, the hub; per-OS-thread caches) and a
 * sanitizer runtime's are per OS thread: they are copied into the block
 * that becomes current at every change. Because the hub borrows blocks,
 * errno and h_errno are still saved and restored around every switch.
 *
 * The offsets below were read from glibc 2.36's debugging information
 * (Debian 2.36-9+deb12u14, x86_64: sysdeps/nptl/descr.h, the TLS symbols of
 * libc.so.6) and are checked against the running process at start-up: a
 * glibc of another version, or a layout that does not match, keeps TLS
 * shared with one line on stderr, never a crash. */
#include <asm/prctl.h>
#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hub_int.h"

#include <link.h> /* after ev.h: elf.h defines EV_NONE */
#include <sys/auxv.h>

/* struct pthread, glibc 2.36 x86_64 */
#define PD_HEADER_SIZE 704     /* tcbhead_t */
#define PD_GSCOPE      28      /* header.gscope_flag */
#define PD_LIST        704     /* list: glibc's thread lists (never linked) */
#define PD_TID         720     /* tid */
#define PD_ROBUST      736     /* robust_head: list, futex_offset, list_op_pending */
#define PD_SPECIFIC1   784     /* specific_1stblock */
#define PD_SPECIFIC    1296    /* specific[0] == &specific_1stblock */
#define PD_USER_STACK  1554    /* user_stack */
#define PD_SCHED       1584    /* schedparam, schedpolicy */
#define PD_STACKBLOCK  1680    /* stackblock, stackblock_size, guardsize, reported_guardsize */
#define PD_RES         1720    /* struct __res_state res */
#define PD_RES_NSCOUNT 1736    /* res.nscount */
#define PD_TLS_STATE   2304    /* strsignal_buf, strerror_l_buf */
#define PD_RSEQ        2336    /* rseq_area: cpu_id_start, cpu_id */
#define PD_SIZE        2368    /* TLS_TCB_SIZE */
#define PD_OWNER       PD_SIZE /* ours, after struct pthread: the greenlet owning the block */
/* libc.so.6's TLS block (PT_TLS, 0x90 bytes), 2.36 x86_64 */
#define LT_SIZE   0x90
#define LT_RESP   0x08 /* __resp: &_res, or the thread's own struct pthread.res */
#define LT_ERRNO  0x10
#define LT_DLERR  0x40 /* __libc_dlerror_result */
#define LT_TCACHE 0x48 /* malloc's tcache */
#define LT_ARENA  0x58 /* malloc's thread_arena */
#define LT_HERRNO 0x74

#define RSEQ_CPU_ID_REGISTRATION_FAILED (-2)
#define HWCAP2_FSGSBASE_BIT             (1u << 1)

int hub_tcb_mode;         /* HUB_TLS_SHARED or HUB_TLS_GREENLET, for new greenlets */
static int tcb_cfg;       /* what was configured (HUB_TLS_AUTO, ...) */
static int tcb_ok;        /* the layout checks passed */
static char tcb_why[200]; /* why the mode is what it is, for the report */
static size_t st_size, st_align;
static ptrdiff_t libc_off; /* libc's TLS block from tp */
static unsigned long long seen_adds;
static int use_wrfsbase;
unsigned long hub_tcb_changes; /* %fs changes, for make bench and GEVENT_STATS */
ptrdiff_t hub_cxx_off;
size_t hub_cxx_size;

/* TLS carried from block to block: the shim's own, a sanitizer runtime's */
#define MAX_CARRY 4
static struct {
    ptrdiff_t off;
    size_t size;
} carry[MAX_CARRY];
static int ncarry;

static void *(*dl_allocate_tls)(void *);
static void (*dl_deallocate_tls)(void *, _Bool);
static void (*dl_get_tls_static_info)(size_t *, size_t *);
static void (*call_tls_dtors)(void);
static void (*ctype_init)(void);
static void (*res_iclose)(void *, _Bool);

static inline char *tp_now(void)
{
    char *p;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(p));
    return p;
}

static void fs_set(char *tp)
{
    if (use_wrfsbase) {
        __asm__ volatile("wrfsbase %0" ::"r"(tp) : "memory");
        return;
    }
    long r;
    if (gp_syscall_via) { /* raw system calls trap: libc's (touches no TLS when it succeeds) */
        gp_syscall_via(SYS_arch_prctl, (long)ARCH_SET_FS, (long)tp, 0L, 0L, 0L, 0L);
        return;
    }
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "0"((long)SYS_arch_prctl), "D"((long)ARCH_SET_FS), "S"(tp)
                     : "rcx", "r11", "memory");
    (void)r;
}

/* Makes tp current. Called last before a stack switch; touches no TLS by
 * name after %fs changed (the compiler may keep TLS addresses in registers). */
__attribute__((noinline)) void hub_tcb_switch(void *tp)
{
    char *cur = tp_now(), *to = tp;
    for (int i = 0; i < ncarry; i++) memcpy(to + carry[i].off, cur + carry[i].off, carry[i].size);
    fs_set(to);
    hub_tcb_changes++;
}

void *hub_tcb_current(void)
{
    return tp_now();
}

/* ---- start-up: which glibc, which modules --------------------------------- */

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Modules whose thread-local storage does not make the program need a block
 * per greenlet: libc's (errno, h_errno, the locale pointer: the switch keeps
 * errno and h_errno per greenlet in the shared mode), the loader's, the shim's
 * and its libraries', and those of sanitizer runtimes (carried per OS thread). */
static const char *const neutral[] = {
    "libc.so",  "ld-linux",      "libgevent_patch", "libev.so",   "libcares.so", "libm.so",
    "libdl.so", "libpthread.so", "librt.so",        "libasan.so", "libubsan.so", "liblsan.so"};

static int is_neutral(const char *name)
{
    for (size_t i = 0; i < sizeof neutral / sizeof *neutral; i++)
        if (strncmp(name, neutral[i], strlen(neutral[i])) == 0) return 1;
    return 0;
}

static int is_carried(const char *name)
{
    return strncmp(name, "libasan.so", 10) == 0 || strncmp(name, "libubsan.so", 11) == 0 ||
           strncmp(name, "liblsan.so", 10) == 0;
}

/* The shim itself, whatever its file is called (a copy preloaded under
 * another name must still carry hub_tls, or a new greenlet's block starts
 * with no running greenlet): the module one of our functions lies in. */
static int is_self(const struct dl_phdr_info *i)
{
    ElfW(Addr) a = (ElfW(Addr)) & hub_tcb_init - i->dlpi_addr;
    for (int k = 0; k < i->dlpi_phnum; k++) {
        const ElfW(Phdr) *p = &i->dlpi_phdr[k];
        if (p->p_type == PT_LOAD && a >= p->p_vaddr && a - p->p_vaddr < p->p_memsz) return 1;
    }
    return 0;
}

/* Which modules count: those the program uses. The roots are the
 * executable and every module nobody lists in DT_NEEDED (a preloaded
 * allocator, a dlopen'ed library); a module counts if a root needs it,
 * directly or through others, not through a neutral module (libstdc++
 * loaded only for a sanitizer runtime does not make a C program need
 * blocks of its own). */
struct mod {
    const char *name, *soname; /* base name of the file; DT_SONAME or the same */
    const ElfW(Dyn) * dyn;
    const char *strtab;
    unsigned char tls, neutral, exe, needed, counts;
};

struct scan {
    char *tp;
    int init;          /* the start-up scan: find libc and the carried blocks */
    char trigger[120]; /* first module that makes blocks per greenlet useful */
    int libc_ok;
    struct mod *m;
    int n, cap;
};

static int scan_cb(struct dl_phdr_info *i, size_t n, void *arg)
{
    struct scan *s = arg;
    (void)n;
    const ElfW(Phdr) *tls = NULL, *dynp = NULL;
    for (int k = 0; k < i->dlpi_phnum; k++) {
        if (i->dlpi_phdr[k].p_type == PT_TLS && i->dlpi_phdr[k].p_memsz) tls = &i->dlpi_phdr[k];
        if (i->dlpi_phdr[k].p_type == PT_DYNAMIC) dynp = &i->dlpi_phdr[k];
    }
    int exe = !i->dlpi_name || !*i->dlpi_name, self = !exe && is_self(i);
    const char *name = exe ? program_invocation_short_name : base_name(i->dlpi_name);
    if (!exe && strncmp(name, "linux-vdso", 10) == 0)
        return 0; /* its dynamic section is not relocated */
    if (tls && s->init && !exe && strncmp(name, "libc.so", 7) == 0 && i->dlpi_tls_data) {
        libc_off = (char *)i->dlpi_tls_data - s->tp;
        s->libc_ok = tls->p_memsz == LT_SIZE;
    } else if (tls && s->init && !exe && strncmp(name, "libstdc++.so", 12) == 0 &&
               i->dlpi_tls_data && tls->p_memsz <= HUB_CXX_TLS) {
        hub_cxx_off = (char *)i->dlpi_tls_data - s->tp;
        hub_cxx_size = tls->p_memsz;
    } else if (tls && s->init && !exe && (self || is_carried(name)) && i->dlpi_tls_data &&
               ncarry < MAX_CARRY) {
        carry[ncarry].off = (char *)i->dlpi_tls_data - s->tp;
        carry[ncarry].size = tls->p_memsz;
        ncarry++;
    }
    if (s->n == s->cap) {
        struct mod *m = realloc(s->m, (size_t)(s->cap = s->cap ? 2 * s->cap : 64) * sizeof *m);
        if (!m) return 1;
        s->m = m;
    }
    struct mod *m = &s->m[s->n++];
    memset(m, 0, sizeof *m);
    m->name = m->soname = name;
    m->tls = tls != NULL;
    m->exe = (unsigned char)exe;
    m->neutral = self || (!exe && is_neutral(name)) ||
                 (hub_cxx_size && strncmp(name, "libstdc++.so", 12) == 0);
    if (dynp) { /* ld.so relocated DT_STRTAB in place (x86_64) */
        m->dyn = (const ElfW(Dyn) *)(i->dlpi_addr + dynp->p_vaddr);
        for (const ElfW(Dyn) *d = m->dyn; d->d_tag != DT_NULL; d++)
            if (d->d_tag == DT_STRTAB) m->strtab = (const char *)d->d_un.d_ptr;
        for (const ElfW(Dyn) *d = m->dyn; m->strtab && d->d_tag != DT_NULL; d++)
            if (d->d_tag == DT_SONAME) m->soname = m->strtab + d->d_un.d_val;
    }
    return 0;
}

static struct mod *mod_find(struct scan *s, const char *soname)
{
    for (int k = 0; k < s->n; k++)
        if (strcmp(s->m[k].soname, soname) == 0 || strcmp(s->m[k].name, soname) == 0)
            return &s->m[k];
    return NULL;
}

static void mod_mark(struct scan *s, struct mod *m)
{
    if (m->counts) return;
    m->counts = 1;
    if (m->neutral || !m->strtab) return; /* what a neutral module needs is its business */
    for (const ElfW(Dyn) *d = m->dyn; d->d_tag != DT_NULL; d++) {
        struct mod *t = d->d_tag == DT_NEEDED ? mod_find(s, m->strtab + d->d_un.d_val) : NULL;
        if (t) mod_mark(s, t);
    }
}

/* Every module, and the first one the program uses that has TLS. */
static void scan_modules(struct scan *s)
{
    dl_iterate_phdr(scan_cb, s);
    for (int k = 0; k < s->n; k++) {
        struct mod *m = &s->m[k];
        for (const ElfW(Dyn) *d = m->dyn; m->strtab && d->d_tag != DT_NULL; d++) {
            struct mod *t = d->d_tag == DT_NEEDED ? mod_find(s, m->strtab + d->d_un.d_val) : NULL;
            if (t) t->needed = 1;
        }
    }
    for (int k = 0; k < s->n; k++)
        if (s->m[k].exe || (!s->m[k].needed && !s->m[k].neutral)) mod_mark(s, &s->m[k]);
    for (int k = 0; k < s->n && !s->trigger[0]; k++)
        if (s->m[k].tls && s->m[k].counts && !s->m[k].neutral)
            snprintf(s->trigger, sizeof s->trigger, "%s", s->m[k].name);
    free(s->m);
    s->m = NULL;
}

static int adds_cb(struct dl_phdr_info *i, size_t n, void *arg)
{
    (void)n;
    *(unsigned long long *)arg = i->dlpi_adds;
    return 1;
}

#define SYM(var, name, ver) (*(void **)&(var) = dlvsym(RTLD_DEFAULT, name, ver))

/* Checks every assumption about glibc the blocks rely on. NULL when all
 * hold, else what did not. */
static const char *tcb_verify(struct scan *s)
{
    const char *v = gnu_get_libc_version();
    static char why[96];
    if (strcmp(v, "2.36") != 0) {
        snprintf(why, sizeof why, "glibc %s is not a version this was checked against (2.36)", v);
        return why;
    }
    if (!SYM(dl_allocate_tls, "_dl_allocate_tls", "GLIBC_PRIVATE") ||
        !SYM(dl_deallocate_tls, "_dl_deallocate_tls", "GLIBC_PRIVATE") ||
        !SYM(dl_get_tls_static_info, "_dl_get_tls_static_info", "GLIBC_PRIVATE") ||
        !SYM(call_tls_dtors, "__call_tls_dtors", "GLIBC_PRIVATE") ||
        !SYM(ctype_init, "__ctype_init", "GLIBC_PRIVATE") ||
        !SYM(res_iclose, "__res_iclose", "GLIBC_PRIVATE"))
        return "a glibc-internal function is missing";
    char *tp = s->tp;
    if (*(char **)tp != tp || *(char **)(tp + 16) != tp) return "the TCB header does not match";
    if (*(int *)(tp + PD_TID) != (int)gp_syscall(SYS_gettid))
        return "struct pthread's tid is elsewhere";
    if (*(char **)(tp + PD_SPECIFIC) != tp + PD_SPECIFIC1)
        return "struct pthread's keys are elsewhere";
    ptrdiff_t *rseq_off = dlvsym(RTLD_DEFAULT, "__rseq_offset", "GLIBC_2.35");
    if (!rseq_off || *rseq_off != PD_RSEQ) return "struct pthread's rseq area is elsewhere";
    if (!s->libc_ok) return "libc's TLS block does not match";
    char *lt = tp + libc_off;
    void *resp = dlvsym(RTLD_DEFAULT, "__resp", "GLIBC_PRIVATE");
    void *dlerr = dlvsym(RTLD_DEFAULT, "__libc_dlerror_result", "GLIBC_PRIVATE");
    if ((char *)__errno_location() != lt + LT_ERRNO ||
        (char *)__h_errno_location() != lt + LT_HERRNO || (char *)resp != lt + LT_RESP ||
        (char *)dlerr != lt + LT_DLERR || *(void **)(lt + LT_RESP) != (void *)__res_state())
        return "libc's thread-local variables are elsewhere";
    dl_get_tls_static_info(&st_size, &st_align);
    if (st_size < PD_SIZE + LT_SIZE || st_align < 16 || (st_align & (st_align - 1)))
        return "the static TLS size is unexpected";
    return NULL;
}

void hub_tcb_init(int cfg)
{
    tcb_cfg = cfg;
    hub_tcb_mode = HUB_TLS_SHARED;
    if (cfg == HUB_TLS_SHARED) {
        snprintf(tcb_why, sizeof tcb_why, "GEVENT_TLS=shared");
        return;
    }
    struct scan s = {.tp = tp_now(), .init = 1};
    scan_modules(&s);
    dl_iterate_phdr(adds_cb, &seen_adds);
    const char *bad = tcb_verify(&s);
    if (bad) {
        snprintf(tcb_why, sizeof tcb_why, "refused: %s", bad);
        if (cfg == HUB_TLS_GREENLET || s.trigger[0])
            gp_dprintf(2, "gevent_patch: thread-local storage stays shared by greenlets: %s\n",
                       bad);
        return;
    }
    tcb_ok = 1;
    use_wrfsbase = (getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE_BIT) != 0;
    if (cfg == HUB_TLS_GREENLET) {
        hub_tcb_mode = HUB_TLS_GREENLET;
        snprintf(tcb_why, sizeof tcb_why, "GEVENT_TLS=greenlet");
    } else if (s.trigger[0]) {
        hub_tcb_mode = HUB_TLS_GREENLET;
        snprintf(tcb_why, sizeof tcb_why, "%s has thread-local storage", s.trigger);
    } else {
        snprintf(tcb_why, sizeof tcb_why,
                 "no module but libc's, libstdc++'s (saved at each switch) and the shim's "
                 "has thread-local storage");
    }
}

/* Before a thread is created: in auto mode, a module with TLS dlopen'ed
 * since the last look turns blocks on for the greenlets created from now on. */
int hub_tcb_wanted(void)
{
    if (hub_tcb_mode == HUB_TLS_GREENLET || !tcb_ok || tcb_cfg != HUB_TLS_AUTO) return hub_tcb_mode;
    unsigned long long adds = 0;
    dl_iterate_phdr(adds_cb, &adds);
    if (adds == seen_adds) return hub_tcb_mode;
    seen_adds = adds;
    struct scan s = {.tp = tp_now()};
    scan_modules(&s);
    if (s.trigger[0]) {
        hub_tcb_mode = HUB_TLS_GREENLET;
        snprintf(tcb_why, sizeof tcb_why, "%s (dlopen'ed) has thread-local storage", s.trigger);
    }
    return hub_tcb_mode;
}

const char *hub_tcb_describe(void)
{
    return tcb_why[0] ? tcb_why : "thread subsystem off";
}

const char *hub_tcb_switcher(void)
{
    return use_wrfsbase ? "wrfsbase" : "arch_prctl";
}

/* ---- a greenlet's block ----------------------------------------------------- */

int hub_tcb_new(gl_t *g)
{
    char *cur = tp_now(), *mem = NULL;
    if (posix_memalign((void **)&mem, st_align, st_size + sizeof(gl_t *))) return ENOMEM;
    char *tp = mem + st_size - PD_SIZE;
    memset(tp, 0, PD_SIZE);
    memcpy(tp, cur, PD_HEADER_SIZE);
    *(char **)tp = tp;        /* header.tcb */
    *(char **)(tp + 16) = tp; /* header.self */
    *(int *)(tp + PD_GSCOPE) = 0;
    if (!dl_allocate_tls(tp)) { /* installs the DTV, copies each TLS image */
        free(mem);
        return ENOMEM;
    }
    /* A fork child takes the forking thread off glibc's lists and puts it
     * on the user-stack list (nptl/fork.h): an empty list unlinks harmlessly,
     * and a stack glibc did not allocate is never cached or freed by it. */
    ((char **)(tp + PD_LIST))[0] = ((char **)(tp + PD_LIST))[1] = tp + PD_LIST;
    *(unsigned char *)(tp + PD_USER_STACK) = 1;
    *(int *)(tp + PD_TID) = *(int *)(cur + PD_TID);
    *(char **)(tp + PD_ROBUST) = tp + PD_ROBUST; /* an empty list */
    *(long *)(tp + PD_ROBUST + 8) = *(long *)(cur + PD_ROBUST + 8);
    *(char **)(tp + PD_SPECIFIC) = tp + PD_SPECIFIC1;
    memcpy(tp + PD_SCHED, cur + PD_SCHED, 8);
    void **sb = (void **)(tp + PD_STACKBLOCK);
    sb[0] = g->stack_lo;
    sb[1] = (void *)g->stack_size;
    *(int *)(tp + PD_RSEQ + 4) = RSEQ_CPU_ID_REGISTRATION_FAILED;
    char *lt = tp + libc_off;
    *(char **)(lt + LT_RESP) = tp + PD_RES;
    *(void **)(lt + LT_TCACHE) = *(void **)(cur + libc_off + LT_TCACHE);
    *(void **)(lt + LT_ARENA) = *(void **)(cur + libc_off + LT_ARENA);
    *(gl_t **)(tp + PD_OWNER) = g;
    g->tcb = tp;
    g->tcb_mem = mem;
    return 0;
}

/* The greenlet whose block the caller runs on: the running greenlet, or
 * for the hub (which borrows blocks) the block's owner, or the OS thread's
 * main greenlet on the OS thread's own block. */
gl_t *hub_tcb_owner(void)
{
    gl_t *g = hub_tls.cur;
    if (!g || !g->is_hub) return g;
    char *tp = tp_now();
    gl_t *m = g->hub->main_gl;
    if (!m || tp == (char *)m->tcb) return m;
    return *(gl_t **)(tp + PD_OWNER);
}

/* First thing a greenlet with its own block does, on that block: what
 * glibc's start_thread does for a new thread's locale. */
void hub_tcb_started(void)
{
    ctype_init();
}

/* In the ending greenlet, on its own block, before its pthread key
 * destructors (glibc's order): C++ thread_local destructors and whatever
 * else __cxa_thread_atexit_impl registered. */
void hub_tcb_dtors(gl_t *g)
{
    if (g->tcb_mem) call_tls_dtors();
}

/* Last, in the ending greenlet: what __libc_thread_freeres would free that
 * needs the greenlet's own block (a dlerror message not fetched). */
void hub_tcb_freeres(gl_t *g)
{
    if (!g->tcb_mem) return;
    call_tls_dtors(); /* registered by a key destructor */
    if (*(void **)((char *)g->tcb + libc_off + LT_DLERR)) {
        dlerror(); /* hands the message out ... */
        dlerror(); /* ... and frees it */
    }
}

/* From the hub, once the greenlet is switched away from for good. */
void hub_tcb_free(gl_t *g)
{
    char *tp = g->tcb;
    if (!g->tcb_mem) return;
    char **bufs = (char **)(tp + PD_TLS_STATE); /* strsignal, strerror_l */
    free(bufs[0]);
    free(bufs[1]);
    if (*(int *)(tp + PD_RES_NSCOUNT) != 0) res_iclose(tp + PD_RES, 1);
    dl_deallocate_tls(tp, 0);
    free(g->tcb_mem);
    g->tcb_mem = NULL;
    g->tcb = NULL;
}

/* In a fork child the forking greenlet's block is the new task's: glibc
 * wrote the new tid there. The OS thread's own block gets it too. */
void hub_tcb_forked(struct hub *h)
{
    char *cur = tp_now(), *os = h->main_gl->tcb;
    if (os && os != cur) *(int *)(os + PD_TID) = *(int *)(cur + PD_TID);
}
