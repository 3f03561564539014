/* gevent-run: run a program with libgevent_patch preloaded, the C counterpart
 * of `python -m gevent.monkey script.py`.
 *
 *   gevent-run [options] [--] PROGRAM [ARGS...]
 *
 * It finds the library next to itself (a build tree) or where `make install`
 * put it, sets LD_PRELOAD and the GEVENT_* variables, and execs PROGRAM. */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GP_LIBDIR
#define GP_LIBDIR "/usr/local/lib"
#endif
#define LIBNAME "libgevent_patch.so"

static const char *const subs[] = {"socket", "io", "select", "time", "dns", "os", "signal", "thread"};
#define NSUBS (sizeof subs / sizeof subs[0])

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gevent-run [options] [--] PROGRAM [ARGS...]\n"
            "Run PROGRAM with libgevent_patch preloaded: its threads become greenlets and its\n"
            "blocking calls cooperative waits on one event loop.\n\n"
            "  --list            print the patch table (subsystem, symbol, state) and exit\n"
            "  --report          print the patch table to stderr when PROGRAM starts\n"
            "  --stats           print per-symbol call counters to stderr at exit\n"
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
        fprintf(stderr, "gevent-run: %s: unknown subsystem \"%s\" (allowed: socket, io, select, time, dns, os, signal, thread)\n",
                opt, name);
        exit(2);
    }
    char var[40];
    size_t i;
    snprintf(var, sizeof var, "GEVENT_PATCH_");
    for (i = 0; name[i] && i < 20; i++) var[13 + i] = (char)toupper((unsigned char)name[i]);
    var[13 + i] = 0;
    setenv(var, val, 1);
}

int main(int argc, char **argv)
{
    int list = 0, i;
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
        fprintf(stderr, "gevent-run: cannot find %s next to gevent-run or in %s\n", LIBNAME, GP_LIBDIR);
        return 127;
    }
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
    if (asprintf(&preload, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "") < 0) return 127;
    setenv("LD_PRELOAD", preload, 1);
    execvp(argv[i], argv + i);
    fprintf(stderr, "gevent-run: %s: %s\n", argv[i], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
