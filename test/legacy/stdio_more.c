/* stdio leftovers on streams over sockets (issue 15, item 1): fseek and
 * ftell (ESPIPE), wide I/O (fputws, fgetwc, fgetws, fwide, in a UTF-8
 * locale), the *_unlocked calls, and perror with stderr on a socket.
 * Prints what each returned. Usage: stdio_more */
#define _GNU_SOURCE
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wchar.h>
int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    FILE *a = fdopen(sv[0], "r+"), *b = fdopen(sv[1], "r+");
    errno = 0;
    int r = fseek(a, 0, SEEK_SET);
    printf("fseek: %d %s\n", r, strerror(errno));
    errno = 0;
    long t = ftell(a);
    printf("ftell: %ld %s\n", t, strerror(errno));
    errno = 0;
    r = fputws(L"h\u00e9llo\n", b);
    int e = errno;
    fflush(b);
    printf("fputws: %d %s fwide(b)=%d\n", r, strerror(e), fwide(b, 0));
    errno = 0;
    wint_t c = fgetwc(a);
    e = errno;
    printf("fgetwc: %#x %s fwide(a)=%d\n", (unsigned)c, strerror(e), fwide(a, 0));
    wchar_t ws[16];
    wchar_t *p = fgetws(ws, 16, a);
    printf("fgetws: %s %ls", p ? "ok" : "NULL", p ? ws : L"\n");
    FILE *c2 = fdopen(dup(sv[1]), "w");
    fputs_unlocked("unlocked\n", c2);
    fflush_unlocked(c2);
    FILE *d = fdopen(dup(sv[0]), "r");
    char buf[32];
    int i = 0, ch;
    while ((ch = getc_unlocked(d)) != '\n' && ch != EOF && i < 30) buf[i++] = ch;
    buf[i] = 0;
    printf("getc_unlocked: %s\n", buf);
    int s2[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, s2);
    fflush(stdout);
    int saved = dup(2);
    dup2(s2[1], 2);
    errno = ENOENT;
    perror("perror on a socket");
    dup2(saved, 2);
    char pb[128] = {0};
    ssize_t n = read(s2[0], pb, sizeof pb - 1);
    printf("perror wrote: %zd %s", n, pb);
    return 0;
}
