#define _GNU_SOURCE
/* Thread-local storage, as a threaded C program expects it: each thread has
 * its own __thread/_Thread_local variables (starting from their initial
 * values), its own copy of a dlopen'ed library's TLS (loaded before and
 * after the threads exist), its own errno, h_errno, locale, _res, strerror
 * and dlerror state, and its thread_local destructors run when it ends,
 * before its pthread key destructors. A thread's variable handed to another
 * thread by address is the owner's, while the owner sleeps. Output is the
 * same whatever the scheduling. */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N 100

__thread int t_idx;
__thread char t_name[32];
__thread int t_init = 42;
_Thread_local long t_counter;
static __thread int t_static_init = 5;

static void nap(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int check_idx(int i)
{
    char want[32];
    snprintf(want, sizeof want, "thread-%d", i);
    return t_idx == i && strcmp(t_name, want) == 0 && t_init == 1000 + i && t_static_init == 5 + i;
}

/* ---- 1: static TLS of the executable ---------------------------------- */

static int bad1;
static void *static_tls(void *arg)
{
    int i = (int)(long)arg;
    if (t_idx != 0 || t_name[0] != 0 || t_init != 42 || t_static_init != 5 || t_counter != 0)
        bad1++;
    t_idx = i;
    snprintf(t_name, sizeof t_name, "thread-%d", i);
    t_init = 1000 + i;
    t_static_init = 5 + i;
    nap(10);
    if (!check_idx(i)) bad1++;
    nap(1 + i % 3);
    if (!check_idx(i)) bad1++;
    return NULL;
}

/* ---- 1: a dlopen'ed library's TLS ---------------------------------------- */

struct mod {
    int *(*addr)(void);
    int (*check_and_set)(int);
    int (*get)(void);
};

static int load(const char *dir, const char *name, struct mod *m)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("dlopen %s: %s\n", name, dlerror());
        return -1;
    }
    m->addr = (int *(*)(void))dlsym(h, "mod_addr");
    m->check_and_set = (int (*)(int))dlsym(h, "mod_check_and_set");
    m->get = (int (*)(void))dlsym(h, "mod_get");
    return m->addr && m->check_and_set && m->get ? 0 : -1;
}

static struct mod early, late;
static int late_loaded, bad_mod, addr_clash;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int *mod_addrs[N];

static void *mod_user(void *arg)
{
    int i = (int)(long)arg;
    if (!early.check_and_set(100 + i)) bad_mod++;
    mod_addrs[i] = early.addr();
    nap(5);
    if (early.get() != 100 + i) bad_mod++;
    pthread_mutex_lock(&mu);
    while (!late_loaded) pthread_cond_wait(&cv, &mu); /* loaded while we exist */
    pthread_mutex_unlock(&mu);
    if (!late.check_and_set(200 + i)) bad_mod++;
    nap(5);
    if (late.get() != 200 + i || early.get() != 100 + i) bad_mod++;
    return NULL;
}

/* ---- 2: address identity: a registry summed by a reporter ------------------ */

static long *registry[N];
static int nregistered, phase;
static pthread_mutex_t rmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rcv = PTHREAD_COND_INITIALIZER;

static void *counter_owner(void *arg)
{
    int i = (int)(long)arg;
    for (int k = 0; k <= i; k++) t_counter++;
    pthread_mutex_lock(&rmu);
    registry[i] = &t_counter;
    nregistered++;
    pthread_cond_broadcast(&rcv);
    while (phase == 0) pthread_cond_wait(&rcv, &rmu); /* parked while summed */
    pthread_mutex_unlock(&rmu);
    /* the reporter added 1000 to ours through the pointer */
    long mine = t_counter;
    return (void *)(mine == i + 1 + 1000 ? 1L : 0L);
}

static void *reporter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&rmu);
    while (nregistered < N) pthread_cond_wait(&rcv, &rmu);
    long sum = 0;
    int distinct = 1;
    for (int i = 0; i < N; i++) {
        sum += *registry[i];
        *registry[i] += 1000;
        for (int j = 0; j < i; j++) distinct &= registry[i] != registry[j];
    }
    distinct &= registry[0] != &t_counter;
    phase = 1;
    pthread_cond_broadcast(&rcv);
    pthread_mutex_unlock(&rmu);
    printf("registry: sum %ld, addresses distinct %s\n", sum, distinct ? "yes" : "no");
    return NULL;
}

/* ---- 3: destructors ---------------------------------------------------------- */

extern void *__dso_handle;
int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso);

static char order[N][8];
static pthread_key_t key;

static void tls_dtor(void *arg)
{
    int i = (int)(long)arg;
    strncat(order[i], t_idx == i ? "T" : "t", 2); /* ran in its own thread */
}
static void key_dtor(void *arg)
{
    int i = (int)(long)arg - 1;
    strncat(order[i], t_idx == i ? "K" : "k", 2);
}

static void *with_dtors(void *arg)
{
    int i = (int)(long)arg;
    t_idx = i;
    pthread_setspecific(key, (void *)(long)(i + 1));
    __cxa_thread_atexit_impl(tls_dtor, (void *)(long)i, &__dso_handle);
    nap(2);
    if (i % 3 == 1) pthread_exit(NULL); /* every way of ending */
    if (i % 3 == 2) sleep(100);         /* cancelled there */
    return NULL;
}

/* ---- 5: libc's per-thread state ------------------------------------------- */

static int bad5;
static pthread_t selves[N];

static void *libc_state(void *arg)
{
    int i = (int)(long)arg;
    char want[64];
    /* locale: half the threads switch to C.UTF-8 */
    locale_t loc = (locale_t)0;
    if (i % 2) {
        loc = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
        if (loc) uselocale(loc);
    }
    size_t want_mb = (i % 2 && loc) ? MB_CUR_MAX : 1;
    /* _res */
    res_ninit(&_res);
    _res.retry = 10 + i;
    struct __res_state *resp = &_res;
    /* strerror's buffer for unknown errors, dlerror */
    const char *se = strerror(100000 + i);
    char se_copy[64];
    snprintf(se_copy, sizeof se_copy, "%s", se);
    snprintf(want, sizeof want, "/nonexistent/lib-%d.so", i);
    dlopen(want, RTLD_NOW);
    selves[i] = pthread_self();
    errno = 1000 + i; /* after the calls above, which may set it */
    h_errno = 2000 + i;
    nap(10);
    if (errno != 1000 + i || h_errno != 2000 + i) bad5 |= 1;
    if (MB_CUR_MAX != want_mb || (i % 2 == 0 && MB_CUR_MAX != 1)) bad5 |= 2;
    if (&_res != resp || _res.retry != 10 + i) bad5 |= 4;
    if (strcmp(se, se_copy) != 0) bad5 |= 8;
    const char *de = dlerror();
    if (!de || !strstr(de, want)) bad5 |= 16;
    if (dlerror() != NULL) bad5 |= 16;
    if (!pthread_equal(selves[i], pthread_self())) bad5 |= 32;
    for (int j = 0; j < N; j++)
        if (j != i && selves[j] && pthread_equal(selves[j], pthread_self())) bad5 |= 32;
    /* pthread_getattr_np describes the stack this thread runs on */
    pthread_attr_t a;
    void *lo;
    size_t sz;
    if (pthread_getattr_np(pthread_self(), &a) != 0) {
        bad5 |= 64;
    } else {
        pthread_attr_getstack(&a, &lo, &sz);
        char *here = (char *)&a;
        if (here < (char *)lo || here >= (char *)lo + sz) bad5 |= 64;
        pthread_attr_destroy(&a);
    }
    res_nclose(&_res);
    if (loc) {
        uselocale(LC_GLOBAL_LOCALE);
        freelocale(loc);
    }
    return NULL;
}

static void run(void *(*fn)(void *), int n, long *rets)
{
    pthread_t t[N];
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, fn, (void *)(long)i)) {
            printf("pthread_create failed\n");
            exit(1);
        }
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        if (rets) rets[i] = (long)r;
    }
}

int main(int argc, char **argv)
{
    char self[PATH_MAX];
    (void)argc;
    snprintf(self, sizeof self, "%s", argv[0]);
    const char *dir = dirname(self);
    setvbuf(stdout, NULL, _IOLBF, 0);

    t_idx = -1;
    run(static_tls, N, NULL);
    printf("static TLS: %d threads, %d wrong values, main's still %d\n", N, bad1, t_idx);

    if (load(dir, "mod/libtlsmod.so", &early)) return 1;
    early.check_and_set(-5);
    pthread_t t[N];
    for (int i = 0; i < N; i++) pthread_create(&t[i], NULL, mod_user, (void *)(long)i);
    nap(20);
    if (load(dir, "mod/libtlsmod2.so", &late)) return 1;
    pthread_mutex_lock(&mu);
    late_loaded = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++) addr_clash += mod_addrs[i] == mod_addrs[j];
    printf("dlopen'ed TLS: %d wrong values, %d shared addresses, main's %d\n", bad_mod, addr_clash,
           early.get());

    pthread_t rep;
    pthread_create(&rep, NULL, reporter, NULL);
    long rets[N], okc = 0;
    run(counter_owner, N, rets);
    pthread_join(rep, NULL);
    for (int i = 0; i < N; i++) okc += rets[i];
    printf("registry: %ld owners saw the reporter's write\n", okc);

    pthread_key_create(&key, key_dtor);
    pthread_t d[10];
    for (int i = 0; i < 10; i++) pthread_create(&d[i], NULL, with_dtors, (void *)(long)i);
    nap(50);
    for (int i = 2; i < 10; i += 3) pthread_cancel(d[i]);
    for (int i = 0; i < 10; i++) pthread_join(d[i], NULL);
    for (int i = 0; i < 10; i++) printf("destructors of thread %d: %s\n", i, order[i]);

    run(libc_state, N, NULL);
    printf("libc state: errors 0x%x\n", bad5);
    return 0;
}
