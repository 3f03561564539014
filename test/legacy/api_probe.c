/* Asks libgevent_patch what it patched through gevent_patch.h's functions,
 * looked up with dlsym(RTLD_DEFAULT, ...) so the same binary runs with and
 * without the shim. Prints one line per question. */
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
    int (*is_patched)(const char *) =
        (int (*)(const char *))dlsym(RTLD_DEFAULT, "gevent_is_patched");
    void *(*get_original)(const char *) =
        (void *(*)(const char *))dlsym(RTLD_DEFAULT, "gevent_get_original");
    int (*sub_patched)(const char *) =
        (int (*)(const char *))dlsym(RTLD_DEFAULT, "gevent_subsystem_patched");
    const char *(*version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "gevent_version");

    if (!is_patched || !get_original || !sub_patched || !version) {
        printf("shim: not loaded\n");
        /* still works: the program's own calls are libc's */
        struct timespec ts = {0, 1000000};
        return nanosleep(&ts, NULL) == 0 ? 0 : 1;
    }
    printf("shim: %s\n", version());
    void *libc_h = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '+') { /* +SUBSYSTEM: ask about a subsystem */
            printf("subsystem %s: %d\n", argv[i] + 1, sub_patched(argv[i] + 1));
            continue;
        }
        void *orig = get_original(argv[i]);
        void *now = dlsym(RTLD_DEFAULT, argv[i]);
        void *libc = libc_h ? dlsym(libc_h, argv[i]) : NULL;
        printf("symbol %s: patched %d, original %s, original is libc's %s, default is %s\n",
               argv[i], is_patched(argv[i]), orig ? "found" : "NULL",
               orig && orig == libc ? "yes" : "no",
               now && now != orig ? "the hook" : "the original");
    }
    /* The original really is callable: sleep 1 ms on the OS thread. */
    int (*real_nanosleep)(const struct timespec *, struct timespec *) =
        (int (*)(const struct timespec *, struct timespec *))get_original("nanosleep");
    struct timespec ts = {0, 1000000};
    printf("original nanosleep returns %d\n", real_nanosleep ? real_nanosleep(&ts, NULL) : -1);
    return 0;
}
