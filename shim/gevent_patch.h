/* gevent_patch.h - ask libgevent_patch what it patched, from a program that
 * must also run without it.
 *
 * Every function here is exported by libgevent_patch.so. Look them up with
 * dlsym(RTLD_DEFAULT, "gevent_is_patched") so the program links and runs
 * whether or not the shim is preloaded; a NULL answer means "not loaded". */
#ifndef GEVENT_PATCH_H
#define GEVENT_PATCH_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(GEVENT_API)
#define GEVENT_API __attribute__((visibility("default")))
#else
#define GEVENT_API
#endif

/* 1 if libc's SYMBOL is interposed in this process now, else 0. */
GEVENT_API int gevent_is_patched(const char *symbol);
/* The original libc function behind SYMBOL (for calls that must block the OS
 * thread), or NULL if SYMBOL is not in the shim's table. */
GEVENT_API void *gevent_get_original(const char *symbol);
/* 1 if the subsystem ("socket", "io", "select", "time", "dns", "os",
 * "signal", "thread") is switched on, else 0. */
GEVENT_API int gevent_subsystem_patched(const char *subsystem);
/* "libgevent_patch X.Y.Z" */
GEVENT_API const char *gevent_version(void);
/* Prints the patch table (one line per symbol) to the file descriptor. */
GEVENT_API void gevent_report(int fd);

#ifdef __cplusplus
}
#endif
#endif
