/* N threads each ask res_query for the A record of a different name, with
 * the thread's own _res pointed at the test server (DNS_TEST_NS): every
 * answer is parsed and checked. Then res_search (the search list), a
 * name that does not exist (h_errno), res_querydomain, res_nquery on a
 * private res_state, and res_send of a packet made with res_mkquery; the
 * answers' bytes are printed as a hash, so native and shim runs compare
 * them whole.
 * Usage: res_many N   (names hI.bulk.test -> 198.18.I/256.I%256) */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_test.h"

static int good, bad;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* The first A record of an answer, as dotted quad, or "-" (parsed by
 * hand: the ns_* parser lives in libresolv). */
static void first_a(const unsigned char *ans, int len, char *out, size_t n)
{
    snprintf(out, n, "-");
    if (len < 12) return;
    const unsigned char *p = ans + 12, *end = ans + len;
    int qd = ans[4] << 8 | ans[5], an = ans[6] << 8 | ans[7];
    for (int i = 0; i < qd; i++) {
        int l = dn_skipname(p, end);
        if (l < 0) return;
        p += l + 4;
    }
    for (int i = 0; i < an && p < end; i++) {
        int l = dn_skipname(p, end);
        if (l < 0 || p + l + 10 > end) return;
        p += l;
        int type = p[0] << 8 | p[1], rdlen = p[8] << 8 | p[9];
        p += 10;
        if (type == ns_t_a && rdlen == 4 && p + 4 <= end) {
            inet_ntop(AF_INET, p, out, (socklen_t)n);
            return;
        }
        p += rdlen;
    }
}

/* The answer's bytes after its id (which is random): length and a hash,
 * so the native and the shim's answers can be compared whole. */
static void print_bytes(const char *what, const unsigned char *ans, int len)
{
    unsigned h = 2166136261u;
    for (int i = 2; i < len && i < 512; i++) h = (h ^ ans[i]) * 16777619u;
    printf("  %s: %d bytes, fnv %08x\n", what, len, len > 2 ? h : 0);
}

static void *worker(void *arg)
{
    int i = (int)(long)arg;
    char name[64], want[32], got[32];
    unsigned char ans[512];
    dns_test_resolver();
    snprintf(name, sizeof name, "h%d.bulk.test", i);
    snprintf(want, sizeof want, "198.18.%d.%d", i / 256, i % 256);
    int n = res_query(name, ns_c_in, ns_t_a, ans, sizeof ans);
    first_a(ans, n, got, sizeof got);
    pthread_mutex_lock(&mu);
    if (n > 0 && strcmp(got, want) == 0)
        good++;
    else
        bad++;
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    pthread_t *t = calloc((size_t)n, sizeof *t);
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    printf("%s %d/%d res_query answers right\n", bad ? "FAILED" : "ok", good, n);

    dns_test_resolver();
    unsigned char ans[512];
    char got[32];
    int r = res_search("a", ns_c_in, ns_t_a, ans, sizeof ans);
    first_a(ans, r, got, sizeof got);
    printf("res_search(a): %s %s\n", r > 0 ? "answer" : "none", got);
    print_bytes("res_search(a)", ans, r);
    h_errno = 0;
    r = res_query("nx.test", ns_c_in, ns_t_a, ans, sizeof ans);
    printf("res_query(nx.test): %d h_errno %d (%s)\n", r, h_errno, hstrerror(h_errno));
    print_bytes("res_query(nx.test) buffer", ans, 12); /* the NXDOMAIN answer's header */
    r = res_querydomain("a", "test", ns_c_in, ns_t_a, ans, sizeof ans);
    first_a(ans, r, got, sizeof got);
    printf("res_querydomain(a, test): %s %s\n", r > 0 ? "answer" : "none", got);
    print_bytes("res_querydomain(a, test)", ans, r);

    struct __res_state st;
    memset(&st, 0, sizeof st);
    res_ninit(&st);
    st.nscount = 1;
    st.nsaddr_list[0] = _res.nsaddr_list[0];
    r = res_nquery(&st, "short.test", ns_c_in, ns_t_a, ans, sizeof ans);
    first_a(ans, r, got, sizeof got);
    printf("res_nquery(short.test): %s %s\n", r > 0 ? "answer" : "none", got);
    print_bytes("res_nquery(short.test)", ans, r);
    r = res_nquery(&st, "big.test", ns_c_in, ns_t_a, ans, sizeof ans);
    printf("res_nquery(big.test) into 512 bytes: %d\n", r);
    print_bytes("res_nquery(big.test)", ans, r);
    r = res_nsearch(&st, "multi", ns_c_in, ns_t_aaaa, ans, sizeof ans);
    print_bytes("res_nsearch(multi, AAAA)", ans, r);
    r = res_nquery(&st, "a.test", ns_c_chaos, ns_t_txt, ans, sizeof ans);
    printf("res_nquery(a.test, CHAOS TXT): %d h_errno %d\n", r, st.res_h_errno);
    unsigned char q[512];
    int ql = res_mkquery(ns_o_query, "x.test", ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof q);
    r = res_send(q, ql, ans, sizeof ans);
    first_a(ans, r, got, sizeof got);
    printf("res_send(x.test): %s %s, id %s\n", r > 0 ? "answer" : "none", got,
           r > 2 && !memcmp(ans, q, 2) ? "the query's" : "other");
    print_bytes("res_send(x.test)", ans, r);
    res_nclose(&st);
    return bad != 0;
}
