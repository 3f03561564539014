/* stdio on descriptors that can block: sockets, pipes, FIFOs, ttys.
 *
 * glibc's streams read and write through private calls (__read, __write)
 * that never reach our hooks: fgets on a socket would hold the OS thread,
 * every greenlet with it. So a stream over such a descriptor (fdopen,
 * fopen of a FIFO or tty, popen, and stdin/stdout/stderr when they are
 * such descriptors) is a cookie stream (fopencookie) whose read and write
 * are the hooked read and write: they wait on the hub. The rest of stdio
 * (buffering, ungetc, scanf, printf, seeking) is glibc's own code on that
 * FILE, so it behaves as natively. Regular files keep glibc's streams.
 *
 * Making such a stream look native:
 *   - _fileno holds the descriptor, so glibc's fileno, freopen's dup3 and
 *     fclose see the real fd (cookie streams normally carry -2);
 *   - a tty's stream is line buffered, stderr's unbuffered, as glibc would
 *     make them (its own check needs fstat, which cookie streams lack).
 *
 * FILE locks. glibc's lock has an OS thread as owner: every greenlet looks
 * like the owner (no exclusion: two greenlets' fgets on one FILE would mix
 * their buffers when one waits mid-call), or, with per-greenlet thread
 * pointers, a second greenlet would block the OS thread on the futex while
 * the owner cannot run (deadlock). So our streams carry _IO_USER_LOCK (glibc
 * then never takes their lock) and the hooks below take a greenlet lock
 * around each stdio call on them; flockfile, funlockfile and ftrylockfile
 * take the same lock. fp->_lock points at our record (which starts with a
 * zeroed object of the size of glibc's lock, should anything lock it):
 * that is how a FILE is known to be ours. Every other stream goes straight
 * to libc after one pointer check.
 *
 * With the thread subsystem off, threads are real: our streams keep
 * glibc's own locking (no _IO_USER_LOCK) and the hooks only pass through. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <wchar.h>

#include "block.h"
#include "fdt.h"
#include "patch.h"

#ifndef _IO_USER_LOCK
#define _IO_USER_LOCK 0x8000
#endif
#define HS_MAGIC 0x6770737464696f21ULL

struct hs {
    struct {
        int lock, cnt;
        void *owner;
    } glibc_lock; /* first: fp->_lock points here */
    uint64_t magic;
    FILE *fp;
    int fd;
    int used;           /* byte I/O went through a hook: the stream is byte-oriented */
    int orient;         /* fwide's answer: 0 none yet, 1 wide, -1 bytes */
    int wide_call;      /* a wide call is under way (hs_take leaves orient) */
    mbstate_t rst, wst; /* wide I/O's conversion states */
    gl_t *owner;        /* greenlet lock */
    unsigned cnt;
    hub_wq q;
    gp_link link; /* on hs_all: every stream of ours (fflush(NULL), fork) */
};

static gp_link *hs_all GP_FORK_DATA;
#define HS_OF(l) gp_owner(l, struct hs, link)
static int hs_lk GP_FORK_DATA; /* the list, for native threads (thread subsystem off) */

static void list_lock(void)
{
    gp_spin_lock(&hs_lk);
}
static void list_unlock(void)
{
    gp_spin_unlock(&hs_lk);
}

/* Ours, or NULL: one load for the streams of the program. */
static inline struct hs *hs_of(FILE *fp)
{
    struct hs *h;
    if (!fp || !(h = (struct hs *)(void *)fp->_lock)) return NULL;
    return h->magic == HS_MAGIC && h->fp == fp ? h : NULL;
}

/* ---- the greenlet lock ------------------------------------------------------ */

/* Recursive, owned by a greenlet. Where waiting is impossible (the hub, a
 * signal handler) the call goes on without it, as glibc's own lock is
 * recursive for the only OS thread there is. */
static int hs_take(struct hs *h, int try)
{
    h->used = 1;
    if (!h->orient && !h->wide_call) h->orient = -1;
    if (!(h->fp->_flags & _IO_USER_LOCK) || !hub_may_wait()) return 0;
    gl_t *me = gl_self();
    if (!me) return 0;
    if (h->owner == me) {
        h->cnt++;
        return 1;
    }
    while (h->owner) {
        if (try) return -1;
        hub_wq_wait(&h->q, NULL, hub_never()); /* not interruptible, as glibc's */
    }
    h->owner = me;
    h->cnt = 1;
    return 1;
}

static void hs_drop(struct hs *h)
{
    if (h->owner != hub_tls.cur || h->cnt == 0) return;
    if (--h->cnt == 0) {
        h->owner = NULL;
        hub_wq_wake_one(&h->q);
    }
}

/* Held for the rest of the scope; released on return and also when the
 * greenlet is cancelled inside the call (this file is built with
 * -fexceptions, so the unwinder runs the cleanup). */
struct hs_hold {
    struct hs *h;
    int taken;
};
static inline void hs_release(struct hs_hold *k)
{
    if (k->taken > 0) hs_drop(k->h);
}
#define HS_HOLD(h)                                                                                 \
    struct hs_hold hold_ __attribute__((cleanup(hs_release))) = {(h), hs_take((h), 0)}

/* The hook's body: other streams (or a call that may not wait) go to the
 * original, ours run it under the greenlet lock. */
#define HS_CALL(fp, sym, call)                                                                     \
    do {                                                                                           \
        struct hs *h_ = hs_of(fp);                                                                 \
        if (!h_ || !gp_enter(GP_SYM_##sym)) return call;                                           \
        HS_HOLD(h_);                                                                               \
        return call;                                                                               \
    } while (0)

/* The original of a symbol, as a pointer of the given type (for names the
 * headers redirect or do not declare). */
#define ORIG(sym, type) ((type)gp_real(GP_SYM_##sym))

/* ---- the streams -------------------------------------------------------------- */

static ssize_t hs_read(void *c, char *buf, size_t n)
{
    return GP_HOOK(read)(((struct hs *)c)->fd, buf, n); /* the io patch's: waits on the hub */
}

static ssize_t hs_write(void *c, const char *buf, size_t n)
{
    return GP_HOOK(write)(((struct hs *)c)->fd, buf, n);
}

static int hs_seek(void *c, off64_t *off, int whence)
{
    off64_t r = lseek64(((struct hs *)c)->fd, *off, whence); /* ESPIPE on pipes, as natively */
    if (r < 0) return -1;
    *off = r;
    return 0;
}

static void hs_unlink(struct hs *h)
{
    list_lock();
    if (gp_list_has(&hs_all, &h->link)) gp_list_del(&hs_all, &h->link);
    list_unlock();
}

/* fclose: glibc calls this once it has flushed. The record outlives it
 * (our fclose frees it): glibc still unlocks fp->_lock afterwards. */
static int hs_close(void *c)
{
    struct hs *h = c;
    hs_unlink(h);
    h->magic = 0;
    return GP_HOOK(close)(h->fd); /* the hooked close: wakes anyone else waiting on fd */
}

/* Before glibc closes or reopens the FILE: _IO_file_close_it resets the
 * flags, _IO_USER_LOCK with them, so glibc then releases a lock it never
 * took: make that release balance. */
static void hs_glibc_unlock_next(struct hs *h)
{
    if (h->fp->_flags & _IO_USER_LOCK) h->glibc_lock.cnt = 1;
}

int hs_wants_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return 0;
    switch (st.st_mode & S_IFMT) {
    case S_IFSOCK:
    case S_IFIFO:
        return 1;
    case S_IFCHR:
        return major(st.st_rdev) != 1; /* /dev/null, zero, full, urandom never wait */
    default:
        return 0;
    }
}

FILE *hs_open(int fd, const char *mode)
{
    struct hs *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->fd = fd;
    cookie_io_functions_t io = {hs_read, hs_write, hs_seek, hs_close};
    FILE *fp = fopencookie(h, mode, io);
    if (!fp) {
        free(h);
        return NULL;
    }
    h->fp = fp;
    h->magic = HS_MAGIC;
    fp->_fileno = fd;
    fp->_lock = (void *)h;
    if (gp_sub_on[GP_SUB_thread]) fp->_flags |= _IO_USER_LOCK;
    int e = errno;
    if (isatty(fd)) REAL(setvbuf)(fp, NULL, _IOLBF, 0);
    errno = e;
    list_lock();
    gp_list_push(&hs_all, &h->link);
    list_unlock();
    return fp;
}

/* fdopen's and fopen's mode, as glibc reads it: the access, '+' among the
 * next four characters, 'x' and 'e' for fopen. NULL for a bad mode. */
struct hs_mode {
    char cookie[3]; /* "r", "w+", ... for fopencookie */
    int acc;        /* _O_ flags for open */
    int append;
};
static int parse_mode(const char *m, struct hs_mode *o, int for_open)
{
    int acc;
    switch (*m) {
    case 'r':
        acc = O_RDONLY;
        break;
    case 'w':
        acc = O_WRONLY | O_CREAT | O_TRUNC;
        break;
    case 'a':
        acc = O_WRONLY | O_CREAT | O_APPEND;
        break;
    default:
        return -1;
    }
    o->cookie[0] = *m;
    o->cookie[1] = o->cookie[2] = 0;
    o->append = *m == 'a';
    for (int i = 1; i < (for_open ? 7 : 5) && m[i]; i++) {
        if (m[i] == '+') {
            acc = (acc & ~O_ACCMODE) | O_RDWR;
            o->cookie[1] = '+';
            if (!for_open) break;
        } else if (for_open && m[i] == 'x') {
            acc |= O_EXCL;
        } else if (for_open && m[i] == 'e') {
            acc |= O_CLOEXEC;
        } else if (for_open && m[i] == ',') {
            break;
        }
    }
    o->acc = acc;
    return 0;
}

/* fdopen: glibc's checks (EINVAL for a mode the descriptor's access mode
 * does not allow, O_APPEND set for "a"), then our stream. */
FILE *fdopen(int fd, const char *mode)
{
    if (!gp_enter(GP_SYM_fdopen)) return REAL(fdopen)(fd, mode);
    if (!gp_sub_on[GP_SUB_thread] || !hs_wants_fd(fd)) {
        fdt_disown(fd); /* glibc's stream: it cannot wait on the hub */
        return REAL(fdopen)(fd, mode);
    }
    struct hs_mode m;
    if (parse_mode(mode, &m, 0) < 0) {
        errno = EINVAL;
        return NULL;
    }
    int fl = GP_HOOK(fcntl)(fd, F_GETFL); /* the program's view */
    if (fl < 0) return NULL;
    int want = m.acc & O_ACCMODE;
    if (((fl & O_ACCMODE) == O_RDONLY && want != O_RDONLY) ||
        ((fl & O_ACCMODE) == O_WRONLY && want == O_RDONLY) ||
        ((fl & O_ACCMODE) == O_WRONLY && want == O_RDWR)) {
        errno = EINVAL;
        return NULL;
    }
    if (m.append && !(fl & O_APPEND) && GP_HOOK(fcntl)(fd, F_SETFL, fl | O_APPEND) < 0) return NULL;
    /* glibc's "a" stream starts at the end; only ESPIPE is forgiven */
    if (m.append && m.cookie[1] != '+' && lseek64(fd, 0, SEEK_END) < 0 && errno != ESPIPE)
        return NULL;
    return hs_open(fd, m.cookie);
}

/* fopen of a FIFO or a tty: opened with the hooked open (a FIFO waits on
 * the hub for its other end), then our stream. Anything else is glibc's. */
static FILE *do_fopen(int id, const char *path, const char *mode)
{
    FILE *(*real)(const char *, const char *) =
        (FILE * (*)(const char *, const char *)) gp_real(id);
    struct hs_mode m;
    struct stat st;
    if (!gp_enter(id) || !gp_sub_on[GP_SUB_thread] || !path || !mode ||
        parse_mode(mode, &m, 1) < 0 || GP_HOOK(stat)(path, &st) < 0 ||
        !(S_ISFIFO(st.st_mode) || (S_ISCHR(st.st_mode) && major(st.st_rdev) != 1)))
        return real(path, mode);
    int fd = GP_HOOK(open)(path, m.acc, 0666);
    if (fd < 0) return NULL;
    FILE *fp = hs_open(fd, m.cookie);
    if (!fp) {
        int e = errno;
        GP_HOOK(close)(fd);
        errno = e;
    }
    return fp;
}

FILE *fopen(const char *path, const char *mode)
{
    return do_fopen(GP_SYM_fopen, path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    return do_fopen(GP_SYM_fopen64, path, mode);
}

/* freopen makes our FILE a plain glibc stream on the new file (dup'ed onto
 * the old fd, as natively): forget ours first, and the old descriptor. */
FILE *freopen(const char *path, const char *mode, FILE *fp)
{
    struct hs *h = hs_of(fp);
    if (!h || !gp_enter(GP_SYM_freopen)) return REAL(freopen)(path, mode, fp);
    {
        HS_HOLD(h);
        REAL(fflush)(fp);
    }
    hs_unlink(h);
    h->magic = 0;
    hs_glibc_unlock_next(h); /* glibc locks h->glibc_lock from now on */
    hub_fd_closed(h->fd);
    fdt_forget(h->fd);
    /* h stays allocated: the FILE's lock pointer still refers to it */
    return REAL(freopen)(path, mode, fp);
}

/* fclose: flushed under the lock while the fd is still ours; glibc then
 * calls hs_close. Other streams: the descriptor is forgotten here, since
 * glibc closes it behind close's back. */
int fclose(FILE *fp)
{
    struct hs *h = hs_of(fp);
    if (h) {
        if (gp_enter(GP_SYM_fclose)) {
            HS_HOLD(h);
            REAL(fflush)(fp);
        }
        hs_glibc_unlock_next(h);
        int r = REAL(fclose)(fp);
        free(h);
        return r;
    }
    if (gp_syms[GP_SYM_fclose].on && fp) {
        int fd = REAL(fileno)(fp);
        if (fd >= 0) {
            if (hub_tls.nowait == 0) hub_fd_closed(fd);
            fdt_forget(fd);
        }
    }
    return REAL(fclose)(fp);
}
GP_HOOK_ALIAS(fclose)

/* fflush(NULL): ours one by one under their locks, then the rest. */
int fflush(FILE *fp)
{
    if (fp) HS_CALL(fp, fflush, REAL(fflush)(fp));
    if (!gp_enter(GP_SYM_fflush) || !hs_all) return REAL(fflush)(NULL);
    int r = 0;
    /* one pass, however long others keep writing (each flush may yield:
     * the list is walked afresh after it) */
    for (unsigned n = 0; n < 1u << 16; n++) {
        struct hs *h = NULL;
        list_lock();
        for (gp_link *l = hs_all; l && !h; l = l->next)
            if (HS_OF(l)->fp->_IO_write_ptr > HS_OF(l)->fp->_IO_write_base) h = HS_OF(l);
        list_unlock();
        if (!h) break;
        HS_HOLD(h);
        if (REAL(fflush)(h->fp) != 0) {
            r = EOF;
            break;
        }
    }
    return REAL(fflush)(NULL) ? EOF : r;
}

/* ---- FILE locks ------------------------------------------------------------------ */

void flockfile(FILE *fp)
{
    struct hs *h = hs_of(fp);
    if (!h || !gp_enter(GP_SYM_flockfile)) {
        REAL(flockfile)(fp);
        return;
    }
    hs_take(h, 0);
}

void funlockfile(FILE *fp)
{
    struct hs *h = hs_of(fp);
    if (!h || !gp_enter(GP_SYM_funlockfile)) {
        REAL(funlockfile)(fp);
        return;
    }
    hs_drop(h);
}

int ftrylockfile(FILE *fp)
{
    struct hs *h = hs_of(fp);
    if (!h || !gp_enter(GP_SYM_ftrylockfile)) return REAL(ftrylockfile)(fp);
    return hs_take(h, 1) < 0 ? -1 : 0;
}

/* ---- reading ----------------------------------------------------------------------- */

int fgetc(FILE *fp)
{
    HS_CALL(fp, fgetc, REAL(fgetc)(fp));
}

int getc(FILE *fp)
{
    HS_CALL(fp, getc, REAL(getc)(fp));
}

int _IO_getc(FILE *fp);
int _IO_getc(FILE *fp)
{
    HS_CALL(fp, _IO_getc, REAL(_IO_getc)(fp));
}

int getchar(void)
{
    HS_CALL(stdin, getchar, REAL(getchar)());
}

char *fgets(char *s, int n, FILE *fp)
{
    HS_CALL(fp, fgets, REAL(fgets)(s, n, fp));
}

char *__fgets_chk(char *s, size_t size, int n, FILE *fp);
char *__fgets_chk(char *s, size_t size, int n, FILE *fp)
{
    HS_CALL(fp, __fgets_chk, REAL(__fgets_chk)(s, size, n, fp));
}

ssize_t getline(char **line, size_t *n, FILE *fp)
{
    HS_CALL(fp, getline, REAL(getline)(line, n, fp));
}

ssize_t getdelim(char **line, size_t *n, int delim, FILE *fp)
{
    HS_CALL(fp, getdelim, REAL(getdelim)(line, n, delim, fp));
}

ssize_t __getdelim(char **line, size_t *n, int delim, FILE *fp)
{
    HS_CALL(fp, __getdelim, REAL(__getdelim)(line, n, delim, fp));
}

size_t fread(void *p, size_t size, size_t n, FILE *fp)
{
    HS_CALL(fp, fread, REAL(fread)(p, size, n, fp));
}

size_t __fread_chk(void *p, size_t plen, size_t size, size_t n, FILE *fp);
size_t __fread_chk(void *p, size_t plen, size_t size, size_t n, FILE *fp)
{
    HS_CALL(fp, __fread_chk, REAL(__fread_chk)(p, plen, size, n, fp));
}

int ungetc(int c, FILE *fp)
{
    HS_CALL(fp, ungetc, REAL(ungetc)(c, fp));
}

/* scanf: the plain names (glibc's GNU semantics) and the C99 ones that
 * programs compiled today import each forward to their own v-form. The
 * headers redirect the plain names to the C99 ones: ours are defined under
 * their symbol names. */
int hs_vfscanf(FILE *fp, const char *fmt, va_list ap) __asm__("vfscanf");
int hs_vscanf(const char *fmt, va_list ap) __asm__("vscanf");
int hs_fscanf(FILE *fp, const char *fmt, ...) __asm__("fscanf");
int hs_scanf(const char *fmt, ...) __asm__("scanf");
typedef int (*vscan_fn)(FILE *, const char *, va_list);
typedef int (*vscan0_fn)(const char *, va_list);

int hs_vfscanf(FILE *fp, const char *fmt, va_list ap)
{
    HS_CALL(fp, vfscanf, ORIG(vfscanf, vscan_fn)(fp, fmt, ap));
}

int __isoc99_vfscanf(FILE *fp, const char *fmt, va_list ap);
int __isoc99_vfscanf(FILE *fp, const char *fmt, va_list ap)
{
    HS_CALL(fp, __isoc99_vfscanf, ORIG(__isoc99_vfscanf, vscan_fn)(fp, fmt, ap));
}

int hs_vscanf(const char *fmt, va_list ap)
{
    HS_CALL(stdin, vscanf, ORIG(vscanf, vscan0_fn)(fmt, ap));
}

int __isoc99_vscanf(const char *fmt, va_list ap);
int __isoc99_vscanf(const char *fmt, va_list ap)
{
    HS_CALL(stdin, __isoc99_vscanf, ORIG(__isoc99_vscanf, vscan0_fn)(fmt, ap));
}

static int scan_v(int id, int vid, FILE *fp, const char *fmt, va_list ap)
{
    struct hs *h = hs_of(fp);
    vscan_fn f = (vscan_fn)gp_real(vid);
    if (!h || !gp_enter(id)) return f(fp, fmt, ap);
    HS_HOLD(h);
    return f(fp, fmt, ap);
}

int hs_fscanf(FILE *fp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = scan_v(GP_SYM_fscanf, GP_SYM_vfscanf, fp, fmt, ap);
    va_end(ap);
    return r;
}

int __isoc99_fscanf(FILE *fp, const char *fmt, ...);
int __isoc99_fscanf(FILE *fp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = scan_v(GP_SYM___isoc99_fscanf, GP_SYM___isoc99_vfscanf, fp, fmt, ap);
    va_end(ap);
    return r;
}

int hs_scanf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = scan_v(GP_SYM_scanf, GP_SYM_vfscanf, stdin, fmt, ap);
    va_end(ap);
    return r;
}

int __isoc99_scanf(const char *fmt, ...);
int __isoc99_scanf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = scan_v(GP_SYM___isoc99_scanf, GP_SYM___isoc99_vfscanf, stdin, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- writing ----------------------------------------------------------------------- */

int fputc(int c, FILE *fp)
{
    HS_CALL(fp, fputc, REAL(fputc)(c, fp));
}

int putc(int c, FILE *fp)
{
    HS_CALL(fp, putc, REAL(putc)(c, fp));
}

int _IO_putc(int c, FILE *fp);
int _IO_putc(int c, FILE *fp)
{
    HS_CALL(fp, _IO_putc, REAL(_IO_putc)(c, fp));
}

int putchar(int c)
{
    HS_CALL(stdout, putchar, REAL(putchar)(c));
}

int fputs(const char *s, FILE *fp)
{
    HS_CALL(fp, fputs, REAL(fputs)(s, fp));
}

int puts(const char *s)
{
    HS_CALL(stdout, puts, REAL(puts)(s));
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
    HS_CALL(fp, fwrite, REAL(fwrite)(p, size, n, fp));
}

int setvbuf(FILE *fp, char *buf, int mode, size_t size)
{
    HS_CALL(fp, setvbuf, REAL(setvbuf)(fp, buf, mode, size));
}

/* printf: flag < 0 for the plain forms, else the fortified ones' flag. */
int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap);
static int print_v(int id, FILE *fp, int flag, const char *fmt, va_list ap)
{
    struct hs *h = hs_of(fp);
    if (h && gp_enter(id)) {
        HS_HOLD(h);
        return flag < 0 ? REAL(vfprintf)(fp, fmt, ap) : REAL(__vfprintf_chk)(fp, flag, fmt, ap);
    }
    return flag < 0 ? REAL(vfprintf)(fp, fmt, ap) : REAL(__vfprintf_chk)(fp, flag, fmt, ap);
}

int vfprintf(FILE *fp, const char *fmt, va_list ap)
{
    return print_v(GP_SYM_vfprintf, fp, -1, fmt, ap);
}

int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
    return print_v(GP_SYM___vfprintf_chk, fp, flag, fmt, ap);
}

int vprintf(const char *fmt, va_list ap)
{
    return print_v(GP_SYM_vprintf, stdout, -1, fmt, ap);
}

int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
    return print_v(GP_SYM___vprintf_chk, stdout, flag, fmt, ap);
}

int fprintf(FILE *fp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = print_v(GP_SYM_fprintf, fp, -1, fmt, ap);
    va_end(ap);
    return r;
}

int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = print_v(GP_SYM___fprintf_chk, fp, flag, fmt, ap);
    va_end(ap);
    return r;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = print_v(GP_SYM_printf, stdout, -1, fmt, ap);
    va_end(ap);
    return r;
}

int __printf_chk(int flag, const char *fmt, ...);
int __printf_chk(int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = print_v(GP_SYM___printf_chk, stdout, flag, fmt, ap);
    va_end(ap);
    return r;
}

/* dprintf formats into glibc's private stream on the fd and writes with the
 * private write: format here, then the hooked write. */
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
static int dprint_v(int id, int fd, int flag, const char *fmt, va_list ap)
{
    struct fdt *e;
    if (!gp_enter(id) || !(e = fdt_get(fd)) || !fdt_waitable(e))
        return flag < 0 ? REAL(vdprintf)(fd, fmt, ap) : REAL(__vdprintf_chk)(fd, flag, fmt, ap);
    char *s = NULL;
    FILE *m;
    size_t len = 0;
    /* a memory stream, so the fortified flag and %n checks are glibc's */
    if (!(m = open_memstream(&s, &len))) return -1;
    int r = flag < 0 ? REAL(vfprintf)(m, fmt, ap) : REAL(__vfprintf_chk)(m, flag, fmt, ap);
    if (REAL(fclose)(m) != 0) r = -1;
    if (r >= 0 && len && GP_HOOK(write)(fd, s, len) < 0) r = -1;
    free(s);
    return r;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
    return dprint_v(GP_SYM_vdprintf, fd, -1, fmt, ap);
}

int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
    return dprint_v(GP_SYM___vdprintf_chk, fd, flag, fmt, ap);
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = dprint_v(GP_SYM_dprintf, fd, -1, fmt, ap);
    va_end(ap);
    return r;
}

int __dprintf_chk(int fd, int flag, const char *fmt, ...);
int __dprintf_chk(int fd, int flag, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = dprint_v(GP_SYM___dprintf_chk, fd, flag, fmt, ap);
    va_end(ap);
    return r;
}

/* glibc's own standard streams we replaced (std_stream, below). */
static FILE *std_orig[3];

/* ---- wide characters ------------------------------------------------------------ */

/* Our streams are byte streams: fopencookie gives a FILE no wide side
 * (glibc's wide functions would dereference its missing wide data). A wide
 * call on a standard stream we replaced, before any byte I/O, gives the
 * program glibc's own stream back for good (whatever we buffered is
 * written first): wide I/O then works as natively, and blocks the OS
 * thread as before. On any other of our streams the wide calls are made
 * here over the byte stream, converting with the locale's multibyte
 * encoding (mbrtowc, wcrtomb) with a conversion state per stream and
 * direction, under the stream's greenlet lock: the bytes read and written
 * are those glibc's wide streams would read and write, and they wait on
 * the hub. fwide reports the orientation the first call gave the stream.
 * Wide calls on a byte-oriented one fail as glibc's do. Limit: byte calls
 * on a wide-oriented stream are not refused as glibc refuses them. */
static FILE *hs_wide(FILE *fp)
{
    FILE **slots[3] = {&stdin, &stdout, &stderr};
    struct hs *h = hs_of(fp);
    if (!h || h->used) return fp; /* byte-oriented already: glibc's answer */
    for (int i = 0; i < 3; i++)
        if (std_orig[i] && *slots[i] == fp) {
            REAL(fflush)(fp);
            *slots[i] = std_orig[i];
            std_orig[i] = NULL;
            return *slots[i];
        }
    return fp;
}

#ifndef _IO_ERR_SEEN
#define _IO_ERR_SEEN 0x20
#endif

/* One wide character read from our stream h (locked): WEOF at end of file,
 * or with errno EILSEQ (the error flag set) on an invalid sequence. */
static wint_t hs_getwc(struct hs *h, FILE *fp)
{
    for (;;) {
        int c = REAL(getc)(fp);
        if (c == EOF) {
            if (!mbsinit(&h->rst) && !ferror(fp)) {
                memset(&h->rst, 0, sizeof h->rst);
                errno = EILSEQ;
                fp->_flags |= _IO_ERR_SEEN;
            }
            return WEOF;
        }
        char b = (char)c;
        wchar_t wc;
        size_t n = mbrtowc(&wc, &b, 1, &h->rst);
        if (n == (size_t)-2) continue;
        if (n == (size_t)-1) {
            memset(&h->rst, 0, sizeof h->rst);
            errno = EILSEQ;
            fp->_flags |= _IO_ERR_SEEN;
            return WEOF;
        }
        return n == 0 ? L'\0' : (wint_t)wc;
    }
}

static wint_t hs_putwc(struct hs *h, wchar_t c, FILE *fp)
{
    char mb[MB_LEN_MAX];
    size_t n = wcrtomb(mb, c, &h->wst);
    if (n == (size_t)-1) {
        errno = EILSEQ;
        fp->_flags |= _IO_ERR_SEEN;
        return WEOF;
    }
    return REAL(fwrite)(mb, 1, n, fp) == n ? (wint_t)c : WEOF;
}

/* The body of a wide hook: glibc's call on other streams (and on a
 * standard stream given back), else `ours` under the greenlet lock. */
#define HS_WIDE(fp, theirs, ours, refused)                                                         \
    do {                                                                                           \
        FILE *wf_ = hs_wide(fp);                                                                   \
        struct hs *h_ = hs_of(wf_);                                                                \
        if (!h_) return theirs;                                                                    \
        if (h_->orient < 0) return refused; /* byte-oriented: as glibc */                          \
        h_->wide_call = 1;                                                                         \
        HS_HOLD(h_);                                                                               \
        h_->wide_call = 0;                                                                         \
        if (!h_->orient) h_->orient = 1;                                                           \
        return ours;                                                                               \
    } while (0)

static int hs_putws(struct hs *h, const wchar_t *s, FILE *fp)
{
    for (; *s; s++)
        if (hs_putwc(h, *s, fp) == WEOF) return -1;
    return 1;
}

static wchar_t *hs_getws(struct hs *h, wchar_t *s, int n, FILE *fp)
{
    int i = 0;
    if (n <= 0) {
        errno = EINVAL;
        return NULL;
    }
    while (i < n - 1) {
        wint_t c = hs_getwc(h, fp);
        if (c == WEOF) {
            if (i == 0 || ferror(fp)) return NULL;
            break;
        }
        s[i++] = (wchar_t)c;
        if (c == L'\n') break;
    }
    s[i] = 0;
    return s;
}

static wint_t hs_ungetwc(struct hs *h, wint_t c, FILE *fp)
{
    char mb[MB_LEN_MAX];
    mbstate_t st;
    memset(&st, 0, sizeof st);
    (void)h;
    if (c == WEOF) return WEOF;
    size_t n = wcrtomb(mb, (wchar_t)c, &st);
    if (n == (size_t)-1) return WEOF;
    while (n > 0)
        if (REAL(ungetc)((unsigned char)mb[--n], fp) == EOF) return WEOF;
    return c;
}

/* fwprintf and the rest: formatted with vswprintf, written as fputws. */
static int hs_vfwprintf(struct hs *h, FILE *fp, const wchar_t *fmt, va_list ap)
{
    wchar_t stackbuf[256], *buf = stackbuf;
    size_t cap = 256;
    int n;
    for (;;) {
        va_list aq;
        va_copy(aq, ap);
        n = vswprintf(buf, cap, fmt, aq);
        va_end(aq);
        if (n >= 0 || cap >= ((size_t)1 << 24)) break;
        wchar_t *nb = realloc(buf == stackbuf ? NULL : buf, (cap *= 2) * sizeof *buf);
        if (!nb) break;
        buf = nb;
    }
    if (n >= 0 && hs_putws(h, buf, fp) < 0) n = -1;
    if (buf != stackbuf) free(buf);
    return n;
}

typedef int (*vwf_fn)(FILE *, const wchar_t *, va_list);
typedef int (*vwfc_fn)(FILE *, int, const wchar_t *, va_list);

int fwide(FILE *fp, int mode)
{
    FILE *wf = mode > 0 ? hs_wide(fp) : fp;
    struct hs *h = hs_of(wf);
    if (!h) return REAL(fwide)(wf, mode);
    if (mode && !h->orient) h->orient = mode > 0 ? 1 : -1;
    return h->orient;
}

/* (the hooks below call these, never each other: no call of the library
 * binds to a name it exports) */
static int w_vfwprintf(FILE *fp, const wchar_t *fmt, va_list ap)
{
    HS_WIDE(fp, ORIG(vfwprintf, vwf_fn)(wf_, fmt, ap), hs_vfwprintf(h_, wf_, fmt, ap), -1);
}

static int w_vfwprintf_chk(FILE *fp, int flag, const wchar_t *fmt, va_list ap)
{
    HS_WIDE(fp, ORIG(__vfwprintf_chk, vwfc_fn)(wf_, flag, fmt, ap), hs_vfwprintf(h_, wf_, fmt, ap),
            -1);
}

static wint_t w_fputwc(wchar_t c, FILE *fp)
{
    HS_WIDE(fp, REAL(fputwc)(c, wf_), hs_putwc(h_, c, wf_), WEOF);
}

static wint_t w_fgetwc(FILE *fp)
{
    HS_WIDE(fp, REAL(fgetwc)(wf_), hs_getwc(h_, wf_), WEOF);
}

int vfwprintf(FILE *fp, const wchar_t *fmt, va_list ap)
{
    return w_vfwprintf(fp, fmt, ap);
}

int __vfwprintf_chk(FILE *fp, int flag, const wchar_t *fmt, va_list ap);
int __vfwprintf_chk(FILE *fp, int flag, const wchar_t *fmt, va_list ap)
{
    return w_vfwprintf_chk(fp, flag, fmt, ap);
}

int vwprintf(const wchar_t *fmt, va_list ap)
{
    return w_vfwprintf(stdout, fmt, ap);
}

int __vwprintf_chk(int flag, const wchar_t *fmt, va_list ap);
int __vwprintf_chk(int flag, const wchar_t *fmt, va_list ap)
{
    return w_vfwprintf_chk(stdout, flag, fmt, ap);
}

int fwprintf(FILE *fp, const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = w_vfwprintf(fp, fmt, ap);
    va_end(ap);
    return r;
}

int __fwprintf_chk(FILE *fp, int flag, const wchar_t *fmt, ...);
int __fwprintf_chk(FILE *fp, int flag, const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = w_vfwprintf_chk(fp, flag, fmt, ap);
    va_end(ap);
    return r;
}

int wprintf(const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = w_vfwprintf(stdout, fmt, ap);
    va_end(ap);
    return r;
}

int __wprintf_chk(int flag, const wchar_t *fmt, ...);
int __wprintf_chk(int flag, const wchar_t *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = w_vfwprintf_chk(stdout, flag, fmt, ap);
    va_end(ap);
    return r;
}

wint_t fputwc(wchar_t c, FILE *fp)
{
    return w_fputwc(c, fp);
}

wint_t putwc(wchar_t c, FILE *fp)
{
    HS_WIDE(fp, REAL(putwc)(c, wf_), hs_putwc(h_, c, wf_), WEOF);
}

wint_t putwchar(wchar_t c)
{
    return w_fputwc(c, stdout);
}

int fputws(const wchar_t *s, FILE *fp)
{
    HS_WIDE(fp, REAL(fputws)(s, wf_), hs_putws(h_, s, wf_), -1);
}

wint_t fgetwc(FILE *fp)
{
    return w_fgetwc(fp);
}

wint_t getwc(FILE *fp)
{
    HS_WIDE(fp, REAL(getwc)(wf_), hs_getwc(h_, wf_), WEOF);
}

wint_t getwchar(void)
{
    return w_fgetwc(stdin);
}

wchar_t *fgetws(wchar_t *s, int n, FILE *fp)
{
    HS_WIDE(fp, REAL(fgetws)(s, n, wf_), hs_getws(h_, s, n, wf_), NULL);
}

wint_t ungetwc(wint_t c, FILE *fp)
{
    HS_WIDE(fp, REAL(ungetwc)(c, wf_), hs_ungetwc(h_, c, wf_), WEOF);
}

/* ---- stdin, stdout, stderr --------------------------------------------------------- */

/* At start-up, each standard stream over a descriptor that can block
 * becomes ours, with glibc's buffering for it: stdout line buffered on a
 * tty, else fully; stderr unbuffered. Whatever a constructor before us
 * left in glibc's stream is flushed first. */
static void std_stream(FILE **slot, int fd, const char *mode)
{
    if (!hs_wants_fd(fd)) return;
    FILE *old = *slot;
    int e = errno;
    if (!strcmp(mode, "w")) REAL(fflush)(old);
    if (old->_IO_read_ptr != old->_IO_read_end) return; /* input already buffered: keep glibc's */
    FILE *fp = hs_open(fd, mode);
    if (!fp) {
        errno = e;
        return;
    }
    if (fd == 2) REAL(setvbuf)(fp, NULL, _IONBF, 0);
    std_orig[fd] = old;
    *slot = fp;
    errno = e;
}

/* The fork child: only the calling greenlet survives, so a FILE lock held
 * by another one would never be released (glibc re-initialises its own
 * stream locks in the child for the same reason). */
GP_FORK_CODE static void hs_fork_child(void)
{
    for (gp_link *l = hs_all; l; l = l->next) {
        struct hs *h = HS_OF(l);
        if (h->owner && h->owner != hub_tls.cur) {
            h->owner = NULL;
            h->cnt = 0;
            h->q.head = h->q.tail = NULL;
        }
    }
    GP_SET(hs_lk, 0);
}

/* The io subsystem's set-up (the constructor runs it when io is on). */
void gp_init_io(void)
{
    gp_atfork(NULL, NULL, hs_fork_child);
    if (!gp_sub_on[GP_SUB_thread]) return;
    std_stream(&stdin, 0, "r");
    std_stream(&stdout, 1, "w");
    std_stream(&stderr, 2, "w");
}
