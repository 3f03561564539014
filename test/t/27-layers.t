#!/usr/bin/env bash
# The layering rules, checked mechanically on the built objects and the
# sources: base (shim/base) <- hub <- resolver <- patches <- front door
# (shim/*.c); below patches/ only originals are called; the library never
# binds one of its own calls to a symbol it exports; it exports exactly the
# HOOK entries of patches/symbols.def (and gevent_*), each one defined.
. "$(dirname "$0")/../lib.sh"
plan 7
O=$B/obj
[ -d "$O" ] && [ -e "$LIB" ] || { echo "Bail out! no library or objects in $B (build first)"; exit 1; }
def=$(awk -F'[(, ]+' '/^GP_SYM\(/{print $3}' patches/symbols.def | sort -u)
hook=$(awk -F'[(, ]+' '/^GP_SYM\(/ && $6 == "HOOK" {print $3}' patches/symbols.def | sort -u)
exported=$(nm -D --defined-only "$LIB" | awk '{sub(/@.*/, "", $3); print $3}' | sort -u)

# 1. No dynamic relocation of the library refers to a symbol it exports:
# each would be an internal call (or address) going through the hook.
rel=$(objdump -R "$LIB" | awk 'NR > 5 && NF >= 3 {sub(/@.*/, "", $3); print $3}' | sort -u)
both=$(comm -12 <(echo "$rel") <(echo "$exported") | tr '\n' ' ')
is "$both" "" "no dynamic relocation of the library refers to a symbol it exports"

# 2. Objects below patches/ import no name of the symbol table.
bad=""
for o in "$O"/shim/base/*.o "$O"/hub/*.o "$O"/resolver/*.o; do
    x=$(nm -u "$o" | awk '{sub(/@.*/, "", $2); print $2}' | sort -u | comm -12 - <(echo "$def") |
        tr '\n' ' ')
    [ -n "$x" ] && bad="$bad ${o#"$O"/}: $x;"
done
is "$bad" "" "objects of shim/base, hub/ and resolver/ call no symbol of symbols.def by name (REAL or raw syscalls only)"

# 3-4. Exports: exactly the HOOK entries plus the gevent_* API.
extra=$(comm -23 <(echo "$exported" | grep -v '^gevent_') <(echo "$hook") | tr '\n' ' ')
is "$extra" "" "only HOOK entries of symbols.def (and gevent_*) are exported"
undef=$(comm -23 <(echo "$hook") <(echo "$exported") | tr '\n' ' ')
is "$undef" "" "every HOOK entry is defined and exported"

# 5. An entry left to libc is not exported (res_query/res_search were
# exported undefined: ld.lld refuses such a version script).
off=$(awk -F'[(, ]+' '/^GP_SYM\(/ && $6 != "HOOK" {print $3}' patches/symbols.def | sort -u)
leak=$(comm -12 <(echo "$off") <(nm -D "$LIB" | awk '{sub(/@.*/, "", $NF); print $NF}' | sort -u) |
    tr '\n' ' ')
is "$leak" "" "symbols left to libc (OFF/TODO) are not in the dynamic symbol table"

# 6. Includes never reach up: rank of a file's layer >= rank of each
# header it includes. symbols.def is the table's data (an X-macro list the
# base expands), not a header of the patch layer.
rank() {
    case "$1" in
    shim/base/*) echo 0 ;; hub/*) echo 1 ;; resolver/*) echo 2 ;; patches/*) echo 3 ;;
    shim/*) echo 4 ;; *) echo 9 ;;
    esac
}
up=""
for f in shim/base/*.[ch] hub/*.[ch] resolver/*.[ch] patches/*.[ch] shim/*.[ch]; do
    [ "$f" = shim/gevent-run.c ] || [ "$f" = shim/run_elf.c ] && continue
    r=$(rank "$f")
    while read -r inc; do
        p=$(realpath -m --relative-to=. "$(dirname "$f")/$inc")
        [ "$p" = patches/symbols.def ] && continue
        [ "$(rank "$p")" -gt "$r" ] && up="$up $f->$p"
    done < <(sed -n 's/^#include "\(.*\)"/\1/p' "$f")
done
is "$up" "" "no file includes a header from a layer above its own"

# 7. The launcher is a program of its own: it includes nothing of the library.
inc=$(sed -n 's/^#include "\(.*\)"/\1/p' shim/gevent-run.c shim/run_elf.c | grep -v '^run_elf.h$' | tr '\n' ' ')
is "$inc" "" "gevent-run includes none of the library's headers"
