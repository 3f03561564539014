/* gevent-run --check's ELF reader: the function symbols an object imports,
 * its DT_NEEDED libraries, and where the dynamic loader would find them. */
#include <elf.h>
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

/* Where the dynamic loader would look, roughly: RUNPATH/RPATH, then
 * LD_LIBRARY_PATH, /etc/ld.so.conf.d, the standard directories. */
char **elf_libdirs;
int elf_nlibdirs;

static void add_dir(const char *d)
{
    if (!*d) return;
    for (int i = 0; i < elf_nlibdirs; i++)
        if (strcmp(elf_libdirs[i], d) == 0) return;
    char **t = realloc(elf_libdirs, (size_t)(elf_nlibdirs + 1) * sizeof *t);
    if (!t) return;
    elf_libdirs = t;
    elf_libdirs[elf_nlibdirs++] = strdup(d);
}

static void add_path_list(const char *list, const char *origin)
{
    char *copy = strdup(list), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char buf[PATH_MAX];
        if (strncmp(d, "$ORIGIN", 7) == 0)
            snprintf(buf, sizeof buf, "%s%s", origin, d + 7);
        else if (strncmp(d, "${ORIGIN}", 9) == 0)
            snprintf(buf, sizeof buf, "%s%s", origin, d + 9);
        else
            snprintf(buf, sizeof buf, "%s", d);
        add_dir(buf);
    }
    free(copy);
}

void elf_add_system_dirs(void)
{
    const char *llp = getenv("LD_LIBRARY_PATH");
    if (llp) add_path_list(llp, ".");
    glob_t g;
    if (glob("/etc/ld.so.conf.d/*.conf", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            FILE *f = fopen(g.gl_pathv[i], "r");
            char line[PATH_MAX];
            while (f && fgets(line, sizeof line, f)) {
                line[strcspn(line, " \t\r\n#")] = 0;
                if (line[0] == '/') add_dir(line);
            }
            if (f) fclose(f);
        }
        globfree(&g);
    }
    const char *std[] = {
        "/lib/x86_64-linux-gnu",  "/usr/lib/x86_64-linux-gnu",  "/lib64", "/usr/lib64",
        "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib",   "/usr/lib"};
    for (size_t i = 0; i < sizeof std / sizeof std[0]; i++) add_dir(std[i]);
}

/* The whole file mapped read-only if it is a 64-bit ELF object (at least a
 * header long), NULL otherwise; the caller unmaps *sz bytes. */
static unsigned char *elf_map(const char *path, size_t *sz)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    unsigned char *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(Elf64_Ehdr))
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return NULL;
    *sz = (size_t)st.st_size;
    if (memcmp(m, ELFMAG, SELFMAG) != 0 || m[EI_CLASS] != ELFCLASS64) {
        munmap(m, *sz);
        return NULL;
    }
    return m;
}

/* Reads one ELF object's dynamic section and symbol table: its undefined
 * (imported) function symbols and its DT_NEEDED names. */
int elf_scan(const char *path, const char *objname, int machine_want, int *machine_out,
             char ***needed, int *nneeded, void (*import)(const char *sym, const char *objname))
{
    size_t sz;
    unsigned char *m = elf_map(path, &sz);
    if (!m) return -1;
    int rc = -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    if (machine_want && eh->e_machine != machine_want) goto out;
    if (machine_out) *machine_out = eh->e_machine;
    if (eh->e_shoff == 0 || eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > sz) goto out;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    char origin[PATH_MAX];
    snprintf(origin, sizeof origin, "%s", path);
    char *sl = strrchr(origin, '/');
    if (sl)
        *sl = 0;
    else
        snprintf(origin, sizeof origin, ".");
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_link >= eh->e_shnum) continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (strs->sh_offset + strs->sh_size > sz || sh[i].sh_offset + sh[i].sh_size > sz) continue;
        const char *str = (const char *)m + strs->sh_offset;
        if (sh[i].sh_type == SHT_DYNSYM && sh[i].sh_entsize == sizeof(Elf64_Sym)) {
            const Elf64_Sym *sy = (const Elf64_Sym *)(m + sh[i].sh_offset);
            size_t n = sh[i].sh_size / sizeof *sy;
            for (size_t k = 1; k < n; k++) {
                int bind = ELF64_ST_BIND(sy[k].st_info), type = ELF64_ST_TYPE(sy[k].st_info);
                if (sy[k].st_shndx != SHN_UNDEF || sy[k].st_name >= strs->sh_size) continue;
                if (bind != STB_GLOBAL && bind != STB_WEAK) continue;
                if (type != STT_FUNC && type != STT_NOTYPE) continue;
                import(str + sy[k].st_name, objname);
            }
        } else if (sh[i].sh_type == SHT_DYNAMIC && needed) {
            const Elf64_Dyn *d = (const Elf64_Dyn *)(m + sh[i].sh_offset);
            size_t n = sh[i].sh_size / sizeof *d;
            for (size_t k = 0; k < n && d[k].d_tag != DT_NULL; k++) {
                if (d[k].d_un.d_val >= strs->sh_size) continue;
                const char *v = str + d[k].d_un.d_val;
                if (d[k].d_tag == DT_NEEDED) {
                    char **t = realloc(*needed, (size_t)(*nneeded + 1) * sizeof *t);
                    if (!t) continue;
                    *needed = t;
                    (*needed)[(*nneeded)++] = strdup(v);
                } else if (d[k].d_tag == DT_RUNPATH || d[k].d_tag == DT_RPATH) {
                    add_path_list(v, origin);
                }
            }
        }
    }
    rc = 0;
out:
    munmap(m, sz);
    return rc;
}

/* System call instructions in the object's code, where the number is put
 * in eax shortly before (mov $N, %eax or xor %eax, %eax: known; mov %reg,
 * %eax: a wrapper taking it as an argument). A byte search: what looks like one inside another
 * instruction is counted too, which the mov before it makes rare. */
int elf_raw_syscalls(const char *path, long *nrs, int max, int *nnrs, int *wrappers)
{
    int total = 0;
    size_t sz;
    *nnrs = *wrappers = 0;
    unsigned char *m = elf_map(path, &sz);
    if (!m) return -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
    if (eh->e_machine != EM_X86_64 || eh->e_shoff == 0 ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > sz) {
        munmap(m, sz);
        return -1;
    }
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_PROGBITS || !(sh[i].sh_flags & SHF_EXECINSTR)) continue;
        if (sh[i].sh_offset + sh[i].sh_size > sz) continue;
        const unsigned char *c = m + sh[i].sh_offset;
        for (size_t k = 2; k + 1 < sh[i].sh_size; k++) {
            if (c[k] != 0x0f || c[k + 1] != 0x05) continue;
            /* the closest load of eax in the 24 bytes before (compilers
             * schedule it a few instructions ahead) */
            long nr = -1;
            for (size_t b = 2; b <= 24 && b <= k && nr == -1; b++) {
                const unsigned char *q = c + k - b;
                if (b >= 5 && q[0] == 0xb8) /* mov $imm32, %eax */
                    nr = (long)(q[1] | q[2] << 8 | q[3] << 16 | (unsigned)q[4] << 24);
                else if (q[0] == 0x31 && q[1] == 0xc0) /* xor %eax, %eax: read */
                    nr = 0;
                else if (q[0] == 0x89 && (q[1] & 0xc7) == 0xc0) /* mov %r32, %eax */
                    nr = -2;
            }
            if (nr == -1) continue;
            /* what follows must use the result (a cmp, test or mov of rax,
             * or ret), unless eax was loaded by the instruction just before:
             * bytes 0f 05 inside another instruction's operand rarely pass */
            const unsigned char *a = c + k + 2;
            size_t left = sh[i].sh_size - k - 2;
            int adjacent = c[k - 1] == 0xc0 || (k >= 5 && c[k - 5] == 0xb8) ||
                           (c[k - 2] == 0x89 && (c[k - 1] & 0xc7) == 0xc0);
            int uses =
                left >= 3 &&
                (a[0] == 0xc3 ||
                 (a[0] == 0x48 &&
                  (a[1] == 0x3d || a[1] == 0x85 || a[1] == 0x83 || a[1] == 0x89 || a[1] == 0x63)) ||
                 a[0] == 0x3d || (a[0] == 0x85 && a[1] == 0xc0) || (a[0] == 0x83 && a[1] == 0xf8) ||
                 ((a[0] == 0x89 || a[0] == 0x49) &&
                  (a[1] == 0xc0 || a[1] == 0x89 || (a[1] & 0xf8) == 0xc0)));
            if (!adjacent && !uses) continue;
            total++;
            if (nr == -2) {
                (*wrappers)++;
                continue;
            }
            int seen = 0;
            for (int j = 0; j < *nnrs; j++) seen |= nrs[j] == nr;
            if (!seen && *nnrs < max) nrs[(*nnrs)++] = nr;
        }
    }
    munmap(m, sz);
    return total;
}
