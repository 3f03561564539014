/* gevent-run: run a program with libgevent_patch preloaded, the C counterpart
 * of `python -m gevent.monkey script.py`.
 *
 *   gevent-run [options] [--] PROGRAM [ARGS...]
 *
 * It finds the library next to itself (a build tree) or where `make install`
 * put it, sets LD_PRELOAD and the GEVENT_* variables, and execs PROGRAM. */
#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_elf.h"

#ifndef GP_LIBDIR
#define GP_LIBDIR "/usr/local/lib"
#endif
#define LIBNAME "libgevent_patch.so"

static const char *const subs[] = {"socket", "io", "select", "time",
                                   "dns",    "os", "signal", "thread"};
#define NSUBS (sizeof subs / sizeof subs[0])

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gevent-run [options] [--] PROGRAM [ARGS...]\n"
            "Run PROGRAM with libgevent_patch preloaded: its threads become greenlets and its\n"
            "blocking calls cooperative waits on one event loop.\n\n"
            "  --list            print the patch table (subsystem, symbol, state) and exit\n"
            "  --why SYMBOL      say why SYMBOL is or is not patched and exit (0: patched)\n"
            "  --check PROGRAM   list the blocking calls PROGRAM and its libraries import,\n"
            "                    which the shim covers and which it does not, and exit\n"
            "                    (0: every imported blocking call is covered, 1: not)\n"
            "  --report          print the patch table to stderr when PROGRAM starts\n"
            "  --stats           print per-symbol call counters to stderr at exit\n"
            "  --dump-signal SIG print every greenlet to stderr when SIG arrives\n"
            "  --monitor MS      report a thread that holds the OS thread MS ms (GEVENT_MONITOR)\n"
            "  --preempt MS      preempt a thread after a time slice of MS ms (GEVENT_PREEMPT)\n"
            "  --syscall-dispatch  system calls made without libc wait on the hub\n"
            "                    (GEVENT_SYSCALL_DISPATCH=on)\n"
            "  --no-SUBSYSTEM    do not patch SUBSYSTEM (e.g. --no-thread)\n"
            "  --only LIST       patch only these subsystems (comma list)\n"
            "  --help            this text\n\n"
            "subsystems: socket, io, select, time, dns, os, signal, thread\n"
            "Every GEVENT_* variable already set in the environment is kept.\n");
}

static int sub_index(const char *name)
{
    for (size_t i = 0; i < NSUBS; i++)
        if (strcmp(name, subs[i]) == 0) return (int)i;
    return -1;
}

/* The library next to our own executable (a build tree), in ../lib from it
 * (an installed prefix, wherever it was moved), else where it was installed. */
static const char *find_lib(void)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX - 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(path, sizeof path, "%s/%s", exe, LIBNAME);
            if (access(path, R_OK) == 0) return path;
            snprintf(path, sizeof path, "%s/../lib/%s", exe, LIBNAME);
            if (access(path, R_OK) == 0) return path;
        }
    }
    snprintf(path, sizeof path, "%s/%s", GP_LIBDIR, LIBNAME);
    if (access(path, R_OK) == 0) return path;
    return NULL;
}

static void set_sub(const char *name, const char *val, const char *opt)
{
    if (sub_index(name) < 0) {
        fprintf(stderr,
                "gevent-run: %s: unknown subsystem \"%s\" (allowed: socket, io, select, time, dns, "
                "os, signal, thread)\n",
                opt, name);
        exit(2);
    }
    char var[40];
    size_t i;
    snprintf(var, sizeof var, "GEVENT_PATCH_");
    for (i = 0; i < 20 && name[i]; i++) var[13 + i] = (char)toupper((unsigned char)name[i]);
    var[13 + i] = 0;
    setenv(var, val, 1);
}

/* ---- what the shim covers: its own patch table ---------------------------- */

/* One line per symbol from gevent_report: "SUBSYSTEM SYMBOL patched" or
 * "SUBSYSTEM SYMBOL off (REASON)". Read through a memfd, so the library
 * answers for the configuration in this environment. */
struct tab_ent {
    char sub[16], sym[48], state[128];
};
static struct tab_ent *tab;
static int ntab;

static int load_table(const char *lib)
{
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    void (*report)(int) = h ? (void (*)(int))dlsym(h, "gevent_report") : NULL;
    if (!report) {
        fprintf(stderr, "gevent-run: cannot load %s: %s\n", lib, dlerror());
        return -1;
    }
    int fd = memfd_create("gevent-table", 0);
    if (fd < 0) return -1;
    report(fd);
    lseek(fd, 0, SEEK_SET);
    FILE *f = fdopen(fd, "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        struct tab_ent e = {0};
        int off = 0;
        if (sscanf(line, "%15s %47s %n", e.sub, e.sym, &off) != 2) continue;
        snprintf(e.state, sizeof e.state, "%s", line + off);
        e.state[strcspn(e.state, "\n")] = 0;
        struct tab_ent *t = realloc(tab, (size_t)(ntab + 1) * sizeof *t);
        if (!t) break;
        tab = t;
        tab[ntab++] = e;
    }
    if (f) fclose(f);
    return 0;
}

static struct tab_ent *tab_find(const char *sym)
{
    for (int i = 0; i < ntab; i++)
        if (strcmp(tab[i].sym, sym) == 0) return &tab[i];
    return NULL;
}

/* Blocking libc calls the shim does not interpose. While one of these
 * waits, the whole OS thread waits: every greenlet of the hub with it.
 * "maybe": blocks only on some kinds of file or configuration. */
static const struct {
    const char *sym, *how;
} uncovered[] = {
    {"epoll_pwait2", "blocking: epoll wait"},
    {"tcdrain", "blocking: waits for tty output to drain"},
    {"splice", "maybe: blocks on a pipe or socket without SPLICE_F_NONBLOCK"},
    {"tee", "maybe: blocks on a pipe"},
    {"vmsplice", "maybe: blocks on a pipe"},
    {"pread", "maybe: blocks on a tty/pipe-like device (fine on regular files)"},
    {"preadv", "maybe: blocks on a tty/pipe-like device (fine on regular files)"},
    {"pthread_cond_timedwait@GLIBC_2.2.5", NULL},
    {"thrd_create", "blocking: C11 threads are real threads, not greenlets"},
    {"thrd_join", "blocking: C11 thread join"},
    {"thrd_sleep", "blocking: C11 sleep"},
    {"mtx_lock", "blocking: C11 mutex"},
    {"mtx_timedlock", "blocking: C11 mutex"},
    {"cnd_wait", "blocking: C11 condition variable"},
    {"cnd_timedwait", "blocking: C11 condition variable"},
    {"io_uring_enter",
     "blocking: liburing's raw io_uring_enter waits in the kernel (min_complete)"},
    {"io_uring_enter2",
     "blocking: liburing's raw io_uring_enter waits in the kernel (min_complete)"},
    {"io_uring_submit_and_wait_timeout", "blocking: waits in io_uring_enter, a raw system call"},
    {"__io_uring_sqring_wait", "maybe: waits in io_uring_enter for SQ ring space (SQPOLL)"},
    {"getaddrinfo_a", "blocking: glibc's resolver on native threads"},
    {"syscall", "maybe: only futex waits are cooperative; other blocking numbers block"},
};
#define NUNCOVERED (sizeof uncovered / sizeof uncovered[0])

static const char *uncovered_how(const char *sym)
{
    for (size_t i = 0; i < NUNCOVERED; i++)
        if (uncovered[i].how && strcmp(uncovered[i].sym, sym) == 0) return uncovered[i].how;
    return NULL;
}

/* The name a call is known by: fortified (__read_chk), C99 scanf
 * (__isoc99_fscanf), large-file (fcntl64, open64) and _unlocked variants
 * reach the same kernel wait as the plain call. */
static void base_name(const char *sym, char *out, size_t n)
{
    const char *p = sym;
    if (strncmp(p, "__isoc99_", 9) == 0 || strncmp(p, "__isoc23_", 9) == 0) p += 9;
    snprintf(out, n, "%s", p);
    size_t l = strlen(out);
    if (l > 6 && strncmp(out, "__", 2) == 0 && strcmp(out + l - 4, "_chk") == 0) {
        memmove(out, out + 2, l - 2);
        out[l - 6] = 0;
    }
    l = strlen(out);
    if (l > 9 && strcmp(out + l - 9, "_unlocked") == 0) out[l - 9] = 0;
    l = strlen(out);
    /* fcntl64 and sendfile64 are hooked in their own right: keep them. */
    if (l > 2 && strcmp(out + l - 2, "64") == 0 && !tab_find(out)) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(l - 2), out);
        if (tab_find(tmp) || uncovered_how(tmp)) snprintf(out, n, "%s", tmp);
    }
    if (strcmp(out, "_IO_getc") == 0) snprintf(out, n, "getc");
}

/* ---- --why SYMBOL ------------------------------------------------------ */

static int why(const char *lib, const char *sym)
{
    if (load_table(lib) != 0) return 127;
    char b[64];
    base_name(sym, b, sizeof b);
    if (strcmp(b, sym) != 0) printf("%s: a variant of %s, which decides\n", sym, b);
    struct tab_ent *e = tab_find(b);
    const char *how = uncovered_how(b);
    if (e && strcmp(e->state, "patched") == 0) {
        char up[16];
        size_t i;
        for (i = 0; e->sub[i] && i + 1 < sizeof up; i++)
            up[i] = (char)toupper((unsigned char)e->sub[i]);
        up[i] = 0;
        printf("%s: patched (subsystem %s): a call that would block waits on the hub while the\n"
               "  other greenlets run; GEVENT_PATCH_%s=0 or gevent-run --no-%s switches it off\n",
               b, e->sub, up, e->sub);
        if (how) printf("  but note: %s (passed to libc as is)\n", how);
        return 0;
    }
    if (e) {
        printf("%s: in the shim's table (subsystem %s) but %s:\n"
               "  calls go straight to libc: if one waits, the whole OS thread waits,\n"
               "  every greenlet of the program with it\n",
               b, e->sub, e->state);
        if (how) printf("  %s\n", how);
        return 1;
    }
    if (how) {
        printf("%s: not interposed by the shim, and %s.\n"
               "  While it waits, the OS thread waits: every greenlet of the program with it.\n",
               b, how);
        return 1;
    }
    printf("%s: not interposed: not a call the shim knows to block; it runs as usual\n", b);
    return 1;
}

/* ---- --check PROGRAM: the dynamic symbols it imports --------------------- */

struct obj {
    char path[PATH_MAX];
    char name[128];
};
static struct obj *objs;
static int nobjs;

struct imp {
    char name[64]; /* base name */
    char raw[64];
    char by[256]; /* which objects import it */
};
static struct imp *imps;
static int nimps;

static void add_import(const char *raw, const char *objname)
{
    char b[64];
    base_name(raw, b, sizeof b);
    if (!tab_find(b) && !uncovered_how(b)) return;
    for (int i = 0; i < nimps; i++)
        if (strcmp(imps[i].name, b) == 0) {
            if (!strstr(imps[i].by, objname) &&
                strlen(imps[i].by) + strlen(objname) + 3 < sizeof imps[i].by) {
                strcat(imps[i].by, ", ");
                strcat(imps[i].by, objname);
            }
            return;
        }
    struct imp *t = realloc(imps, (size_t)(nimps + 1) * sizeof *t);
    if (!t) return;
    imps = t;
    snprintf(imps[nimps].name, sizeof imps[nimps].name, "%s", b);
    snprintf(imps[nimps].raw, sizeof imps[nimps].raw, "%s", raw);
    snprintf(imps[nimps].by, sizeof imps[nimps].by, "%s", objname);
    nimps++;
}

static int have_obj(const char *name)
{
    for (int i = 0; i < nobjs; i++)
        if (strcmp(objs[i].name, name) == 0) return 1;
    return 0;
}

static int add_obj(const char *path, const char *name)
{
    struct obj *t = realloc(objs, (size_t)(nobjs + 1) * sizeof *t);
    if (!t) return -1;
    objs = t;
    snprintf(objs[nobjs].path, sizeof objs[nobjs].path, "%s", path);
    snprintf(objs[nobjs].name, sizeof objs[nobjs].name, "%s", name);
    nobjs++;
    return 0;
}

static const char *base_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Compares by base name, so the report is sorted and stable. */
static int imp_cmp(const void *a, const void *b)
{
    return strcmp(((const struct imp *)a)->name, ((const struct imp *)b)->name);
}

/* x86-64 system calls that can wait: made with a raw instruction, outside
 * libc, no hook sees them. */
static const struct {
    long nr;
    const char *name;
} raw_blocking[] = {
    {0, "read"},         {1, "write"},         {7, "poll"},
    {19, "readv"},       {20, "writev"},       {23, "select"},
    {34, "pause"},       {35, "nanosleep"},    {42, "connect"},
    {43, "accept"},      {44, "sendto"},       {45, "recvfrom"},
    {46, "sendmsg"},     {47, "recvmsg"},      {61, "wait4"},
    {64, "semop"},       {69, "msgsnd"},       {70, "msgrcv"},
    {72, "fcntl"},       {73, "flock"},        {128, "rt_sigtimedwait"},
    {202, "futex"},      {220, "semtimedop"},  {230, "clock_nanosleep"},
    {232, "epoll_wait"}, {247, "waitid"},      {270, "pselect6"},
    {271, "ppoll"},      {281, "epoll_pwait"}, {288, "accept4"},
    {299, "recvmmsg"},   {307, "sendmmsg"},    {426, "io_uring_enter"},
};

/* Raw system call instructions that may wait, object by object (libc's are
 * its own, behind the hooks). The number of "maybe" lines printed. */
static int check_raw(void)
{
    int n = 0;
    for (int i = 0; i < nobjs; i++) {
        if (strncmp(objs[i].name, "libc.so", 7) == 0) continue;
        long nrs[64];
        int nnrs, wrappers;
        if (elf_raw_syscalls(objs[i].path, nrs, 64, &nnrs, &wrappers) <= 0) continue;
        char names[300] = "";
        int nb = 0;
        for (int k = 0; k < nnrs; k++)
            for (size_t j = 0; j < sizeof raw_blocking / sizeof raw_blocking[0]; j++)
                if (raw_blocking[j].nr == nrs[k] && strlen(names) + 24 < sizeof names) {
                    strcat(names, nb++ ? ", " : "");
                    strcat(names, raw_blocking[j].name);
                }
        if (!nb && !wrappers) continue;
        printf("  maybe      %-24s %s%s%s%s: system calls made without libc (a syscall "
               "instruction), unseen by the hooks: they hold the OS thread unless "
               "GEVENT_SYSCALL_DISPATCH=on, in %s\n",
               "(raw system calls)", nb ? names : "", nb && wrappers ? ", " : "",
               wrappers ? "any number" : "", wrappers ? " (a wrapper)" : "", objs[i].name);
        n++;
    }
    return n;
}

/* Does the ELF file at path have thread-local storage (a PT_TLS segment)? */
static int has_tls(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), tls = 0;
    Elf64_Ehdr eh;
    if (fd < 0) return 0;
    if (pread(fd, &eh, sizeof eh, 0) == (ssize_t)sizeof eh && eh.e_ident[EI_CLASS] == ELFCLASS64)
        for (int i = 0; i < eh.e_phnum && !tls; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize)) !=
                (ssize_t)sizeof ph)
                break;
            tls = ph.p_type == PT_TLS && ph.p_memsz > 0;
        }
    close(fd);
    return tls;
}

/* How thread-local storage will be handled (hub/tcb.c decides the same at
 * start-up, GEVENT_TLS=auto): per greenlet when a module the program uses,
 * other than libc's, the loader's and the shim's own, has TLS. */
static void check_tls(void)
{
    static const char *const neutral[] = {
        "libc.so",  "ld-linux",        "libm.so",  "libdl.so",    "libpthread.so",
        "librt.so", "libgevent_patch", "libev.so", "libcares.so", "libstdc++.so"};
    const char *tls = NULL;
    for (int i = 0; i < nobjs && !tls; i++) {
        int skip = 0;
        for (size_t k = 0; k < sizeof neutral / sizeof *neutral; k++)
            skip |= strncmp(objs[i].name, neutral[k], strlen(neutral[k])) == 0;
        if (!skip && has_tls(objs[i].path)) tls = objs[i].name;
    }
    if (tls)
        printf("thread-local storage: per greenlet (%s has thread-local storage)\n", tls);
    else
        printf("thread-local storage: one block per OS thread (no module but libc's and "
               "libstdc++'s, saved at each switch, has thread-local storage; a preloaded or "
               "dlopen'ed one with TLS turns it per greenlet)\n");
}

static int check(const char *lib, const char *prog)
{
    char path[PATH_MAX];
    if (!strchr(prog, '/')) { /* as execvp would find it */
        const char *pathenv = getenv("PATH");
        char *copy = strdup(pathenv ? pathenv : "/usr/bin:/bin"), *save = NULL;
        path[0] = 0;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            snprintf(path, sizeof path, "%s/%s", d, prog);
            if (access(path, X_OK) == 0) break;
            path[0] = 0;
        }
        free(copy);
        if (!path[0]) {
            fprintf(stderr, "gevent-run: --check: %s: not found in PATH\n", prog);
            return 2;
        }
    } else {
        snprintf(path, sizeof path, "%s", prog);
    }
    if (load_table(lib) != 0) return 127;
    int machine = 0;
    char **needed = NULL;
    int nneeded = 0;
    add_obj(path, base_of(path));
    if (elf_scan(path, base_of(path), 0, &machine, &needed, &nneeded, add_import) != 0) {
        fprintf(stderr, "gevent-run: --check: %s: not a 64-bit ELF program with section headers\n",
                path);
        return 2;
    }
    elf_add_system_dirs();
    /* Breadth first over DT_NEEDED, each library once. libc and the loader
     * define the calls rather than import them; the shim is not the program. */
    int missing = 0;
    for (int i = 0; i < nneeded; i++) {
        const char *n = needed[i];
        if (have_obj(n) || strncmp(n, "ld-linux", 8) == 0 || strcmp(n, "libgevent_patch.so") == 0)
            continue;
        int found = 0;
        for (int k = 0; k < elf_nlibdirs && !found; k++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s", elf_libdirs[k], n);
            if (access(p, R_OK) != 0) continue;
            if (strncmp(n, "libc.so", 7) == 0) { /* its imports are its own business */
                found = 1;
                add_obj(p, n);
                break;
            }
            if (elf_scan(p, n, machine, NULL, &needed, &nneeded, add_import) == 0) {
                found = 1;
                add_obj(p, n);
            }
        }
        if (!found) {
            printf("warning: %s: library not found; its imports are not checked\n", n);
            missing++;
        }
    }
    qsort(imps, (size_t)nimps, sizeof *imps, imp_cmp);
    int ncov = 0, noff = 0, nblock = 0, nmaybe = 0;
    printf("%s: %d object(s) scanned:", path, nobjs);
    for (int i = 0; i < nobjs; i++) printf(" %s", objs[i].name);
    printf("\n");
    for (int pass = 0; pass < 4; pass++) {
        for (int i = 0; i < nimps; i++) {
            struct tab_ent *e = tab_find(imps[i].name);
            const char *how = uncovered_how(imps[i].name);
            /* "not found" by the listing process: the program's own library
             * (liburing) provides it, and the hook is on when it is loaded */
            int found_later = e && strstr(e->state, "not found") != NULL;
            int cls = e && (strcmp(e->state, "patched") == 0 || found_later) ? 0
                      : e                                                    ? 1
                      : how && strncmp(how, "maybe", 5) == 0                 ? 3
                                                                             : 2;
            if (cls != pass) continue;
            switch (cls) {
            case 0:
                printf("  covered    %-24s %-7s by %s\n", imps[i].name, e->sub, imps[i].by);
                ncov++;
                break;
            case 1:
                printf("  off        %-24s %-7s %s, by %s\n", imps[i].name, e->sub, e->state,
                       imps[i].by);
                noff++;
                break;
            case 2:
                printf("  BLOCKING   %-24s %s, by %s\n", imps[i].name, how, imps[i].by);
                nblock++;
                break;
            default:
                printf("  maybe      %-24s %s, by %s\n", imps[i].name, how + 7, imps[i].by);
                nmaybe++;
            }
        }
    }
    nmaybe += check_raw();
    check_tls();
    printf("summary: %d covered, %d in the table but off, %d blocking call(s) not covered, "
           "%d that may block\n",
           ncov, noff, nblock, nmaybe);
    return noff + nblock > 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    int list = 0, i;
    const char *why_sym = NULL, *check_prog = NULL;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-') break;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--list") == 0) {
            list = 1;
        } else if (strcmp(a, "--why") == 0 || strcmp(a, "--check") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "gevent-run: %s needs an argument\n", a);
                return 2;
            }
            *(a[2] == 'w' ? &why_sym : &check_prog) = argv[i];
        } else if (strcmp(a, "--dump-signal") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "gevent-run: --dump-signal needs a signal name or number\n");
                return 2;
            }
            setenv("GEVENT_DUMP_SIGNAL", argv[i], 1); /* the library validates it */
        } else if (strcmp(a, "--monitor") == 0 || strcmp(a, "--preempt") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "gevent-run: %s needs a number of milliseconds\n", a);
                return 2;
            }
            /* the library validates it */
            setenv(a[2] == 'm' ? "GEVENT_MONITOR" : "GEVENT_PREEMPT", argv[i], 1);
        } else if (strcmp(a, "--syscall-dispatch") == 0) {
            setenv("GEVENT_SYSCALL_DISPATCH", "on", 1);
        } else if (strcmp(a, "--report") == 0) {
            setenv("GEVENT_REPORT", "1", 1);
        } else if (strcmp(a, "--stats") == 0) {
            setenv("GEVENT_STATS", "1", 1);
        } else if (strcmp(a, "--only") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "gevent-run: --only needs a comma list of subsystems\n");
                return 2;
            }
            setenv("GEVENT_PATCH", argv[i], 1); /* the library validates it */
        } else if (strncmp(a, "--no-", 5) == 0) {
            set_sub(a + 5, "0", a);
        } else {
            fprintf(stderr, "gevent-run: unknown option %s (try --help)\n", a);
            return 2;
        }
    }
    const char *lib = find_lib();
    if (!lib) {
        fprintf(stderr, "gevent-run: cannot find %s next to gevent-run or in %s\n", LIBNAME,
                GP_LIBDIR);
        return 127;
    }
    if (why_sym) {
        fflush(stdout);
        return why(lib, why_sym);
    }
    if (check_prog) return check(lib, check_prog);
    if (list) {
        /* Loading the library runs its constructor, which checks the
         * variables exactly as it would for the program. */
        void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        void (*report)(int) = h ? (void (*)(int))dlsym(h, "gevent_report") : NULL;
        if (!report) {
            fprintf(stderr, "gevent-run: cannot load %s: %s\n", lib, dlerror());
            return 127;
        }
        fflush(stdout);
        report(1);
        return 0;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const char *old = getenv("LD_PRELOAD");
    char *preload;
    if (asprintf(&preload, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "") < 0)
        return 127;
    setenv("LD_PRELOAD", preload, 1);
    execvp(argv[i], argv + i);
    fprintf(stderr, "gevent-run: %s: %s\n", argv[i], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
