/* gevent-run --check's ELF reader (run_elf.c); part of the launcher only. */
#ifndef GP_RUN_ELF_H
#define GP_RUN_ELF_H

/* Directories to look for DT_NEEDED libraries in, in order: RUNPATH/RPATH
 * of the objects scanned so far, then what elf_add_system_dirs adds. */
extern char **elf_libdirs;
extern int elf_nlibdirs;
/* LD_LIBRARY_PATH, /etc/ld.so.conf.d, the standard directories. */
void elf_add_system_dirs(void);

/* Reads one 64-bit ELF object: calls import(sym, objname) for each
 * undefined function symbol of its dynamic symbol table, appends its
 * DT_NEEDED names to *needed (malloc'd) and its RUNPATH/RPATH to
 * elf_libdirs. machine_want 0 accepts any machine; *machine_out gets it.
 * 0, or -1 if path is not such an object. */
int elf_scan(const char *path, const char *objname, int machine_want, int *machine_out,
             char ***needed, int *nneeded, void (*import)(const char *sym, const char *objname));

/* System call instructions in path's code (x86-64): how many, the distinct
 * numbers seen loaded just before (up to max in nrs), and how many take it
 * from a register (wrappers). -1 if path is not such an object. */
int elf_raw_syscalls(const char *path, long *nrs, int max, int *nnrs, int *wrappers);

#endif
