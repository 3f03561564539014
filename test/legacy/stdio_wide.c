/* Wide-character output on stdout: first as the only output (it works),
 * then on stderr after byte output (a byte-oriented stream refuses it).
 * Usage: stdio_wide */
#include <locale.h>
#include <stdio.h>
#include <wchar.h>

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    int r = wprintf(L"wide %d\n", 42);
    int o = fwide(stdout, 0);
    fflush(stdout);
    fprintf(stderr, "byte first\n");
    int r2 = fwprintf(stderr, L"wide after bytes\n");
    fprintf(stderr, "wprintf: %d, stdout orientation %s; fwprintf on stderr after bytes: %d\n", r,
            o > 0   ? "wide"
            : o < 0 ? "byte"
                    : "none",
            r2);
    return 0;
}
