/* Configuration from the environment: the contract with users.
 *
 * Read with secure_getenv, so a setuid program never obeys it. A value we do
 * not understand stops the program with one line naming the variable, the
 * value and what is allowed: a silent fallback would run the program
 * differently from what its user asked. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

struct gp_config gp_config;
int gp_stats;
unsigned char gp_sub_on[GP_NSUBS];

const char *const gp_sub_names[GP_NSUBS] = {
#define GP_SUB_NAME(s) #s,
    GP_SUBSYSTEMS(GP_SUB_NAME)
#undef GP_SUB_NAME
};

static const char all_subs[] = "socket, io, select, time, dns, os, signal, thread";

static void bad(const char *var, const char *val, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
static void bad(const char *var, const char *val, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    gp_dprintf(2, "gevent_patch: bad %s=\"%s\": %s\n", var, val, why);
    _exit(2);
}

int gp_sub_find(const char *name)
{
    for (int i = 0; i < GP_NSUBS; i++)
        if (strcmp(name, gp_sub_names[i]) == 0) return i;
    return -1;
}

static int parse_bool(const char *var, const char *val)
{
    if (strcmp(val, "1") == 0) return 1;
    if (strcmp(val, "0") == 0) return 0;
    bad(var, val, "allowed: 0 or 1");
}

/* GEVENT_PATCH: "all", "none", or a comma list of subsystems. */
static void parse_patch_list(const char *val)
{
    const char *var = "GEVENT_PATCH";
    if (strcmp(val, "all") == 0) {
        memset(gp_sub_on, 1, sizeof gp_sub_on);
        return;
    }
    memset(gp_sub_on, 0, sizeof gp_sub_on);
    if (strcmp(val, "none") == 0) return;
    if (!*val) bad(var, val, "empty; allowed: all, none, or a comma list of %s", all_subs);
    const char *p = val;
    while (*p) {
        size_t n = strcspn(p, ",");
        char name[32];
        if (n == 0 || n >= sizeof name)
            bad(var, val, "empty or overlong item; allowed: all, none, or a comma list of %s",
                all_subs);
        memcpy(name, p, n);
        name[n] = 0;
        int s = gp_sub_find(name);
        if (s < 0)
            bad(var, val, "unknown subsystem \"%s\"; allowed: all, none, or a comma list of %s",
                name, all_subs);
        gp_sub_on[s] = 1;
        p += n;
        if (*p == ',' && !*++p)
            bad(var, val, "trailing comma; allowed: a comma list of %s", all_subs);
    }
}

/* Bytes with an optional k/m/g suffix (powers of 1024). */
static size_t parse_size(const char *var, const char *val, size_t min, size_t max)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*val)) goto err;
    unsigned long long n = strtoull(val, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    }
    if (errno || *end || n > (max >> shift) || (n << shift) < min) goto err;
    return (size_t)(n << shift);
err:
    bad(var, val, "allowed: a size in bytes from %zu to %zu, with an optional k, m or g suffix",
        min, max);
}

/* A signal by name (SIGUSR2, USR2) or number. */
static int parse_signal(const char *var, const char *val)
{
    char *end;
    long n = strtol(val, &end, 10);
    if (*val && !*end) {
        if (n >= 1 && n < NSIG && n != SIGKILL && n != SIGSTOP) return (int)n;
    } else {
        const char *name = strncmp(val, "SIG", 3) == 0 ? val + 3 : val;
        for (int s = 1; s < NSIG; s++) {
            const char *abbrev = sigabbrev_np(s);
            if (abbrev && strcmp(abbrev, name) == 0 && s != SIGKILL && s != SIGSTOP) return s;
        }
    }
    bad(var, val, "allowed: a signal name (SIGUSR2) or number, not SIGKILL or SIGSTOP");
}

/* Milliseconds, 1 .. 3600000 (an hour), or 0 / off for "off". */
static unsigned parse_ms(const char *var, const char *val)
{
    char *end;
    if (strcmp(val, "off") == 0) return 0;
    errno = 0;
    unsigned long n = isdigit((unsigned char)*val) ? strtoul(val, &end, 10) : 0;
    if (!isdigit((unsigned char)*val) || errno || *end || n > 3600000)
        bad(var, val, "allowed: milliseconds from 1 to 3600000, or 0 or off (not watched)");
    return (unsigned)n;
}

/* The index of val in words (a NULL-ended list, in the order of the enum
 * it names), or a stop naming them all. */
static int parse_word(const char *var, const char *val, const char *const *words)
{
    char allowed[128] = "allowed:";
    for (int i = 0; words[i]; i++) {
        if (strcmp(val, words[i]) == 0) return i;
        size_t n = strlen(allowed);
        snprintf(allowed + n, sizeof allowed - n, "%s %s", i ? "," : "", words[i]);
    }
    bad(var, val, "%s", allowed);
}

void gp_config_load(void)
{
    const char *v;
    memset(gp_sub_on, 1, sizeof gp_sub_on);
    if ((v = secure_getenv("GEVENT_PATCH"))) {
        parse_patch_list(v);
        memset(gp_config.sub_why, GP_WHY_LIST, sizeof gp_config.sub_why);
    }
    for (int i = 0; i < GP_NSUBS; i++) {
        char var[48], up[16];
        size_t j;
        for (j = 0; gp_sub_names[i][j]; j++)
            up[j] = (char)toupper((unsigned char)gp_sub_names[i][j]);
        up[j] = 0;
        snprintf(var, sizeof var, "GEVENT_PATCH_%s", up);
        if ((v = secure_getenv(var))) {
            gp_sub_on[i] = (unsigned char)parse_bool(var, v);
            gp_config.sub_why[i] = GP_WHY_VAR;
        }
    }
    if ((v = secure_getenv("GEVENT_REPORT"))) gp_config.report = parse_bool("GEVENT_REPORT", v);
    if ((v = secure_getenv("GEVENT_STATS"))) gp_stats = parse_bool("GEVENT_STATS", v);
    if ((v = secure_getenv("GEVENT_STACK_SIZE")))
        gp_config.stack_size = parse_size("GEVENT_STACK_SIZE", v, 16384, (size_t)1 << 30);
    static const char *const resolvers[] = {"ares", "thread", "block", NULL};
    if ((v = secure_getenv("GEVENT_RESOLVER")))
        gp_config.resolver = (enum gp_resolver)parse_word("GEVENT_RESOLVER", v, resolvers);
    /* Checked by the resolver, which knows the address syntax. */
    gp_config.nameservers = secure_getenv("GEVENT_RESOLVER_NAMESERVERS");
    static const char *const tls_modes[] = {"auto", "greenlet", "shared", NULL};
    if ((v = secure_getenv("GEVENT_TLS")))
        gp_config.tls = (enum gp_tls)parse_word("GEVENT_TLS", v, tls_modes);
    if ((v = secure_getenv("GEVENT_DUMP_SIGNAL")))
        gp_config.dump_signal = parse_signal("GEVENT_DUMP_SIGNAL", v);
    if ((v = secure_getenv("GEVENT_MONITOR"))) gp_config.monitor_ms = parse_ms("GEVENT_MONITOR", v);
    if ((v = secure_getenv("GEVENT_PREEMPT"))) gp_config.preempt_ms = parse_ms("GEVENT_PREEMPT", v);
}

/* For the resolver and other rooms that validate their own variables. */
void gp_config_bad(const char *var, const char *val, const char *allowed)
{
    bad(var, val, "%s", allowed);
}
