#define _GNU_SOURCE
/* Name resolution parity: asks the getaddrinfo family a fixed table of
 * questions and prints every answer in full (each entry's family, socket
 * type, protocol, flags, address, port, canonical name; the EAI_* code;
 * h_errno; hostent contents; _r return values). Run natively and under
 * the shim, the output must be identical.
 *
 *   dns_parity [NAME...]     NAMEs: more host names to ask (from /etc/hosts)
 *
 * DNS_TEST_NS=ip:port points the program's own resolver (_res, after
 * res_init) at a test server and adds the questions that need DNS (names
 * of the test zone under .test); without it only questions glibc answers
 * from /etc/hosts or without any lookup are asked. DNS_TEST_ONLY=N asks
 * question N only (for debugging). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "dns_test.h"

#ifndef AI_IDN
#define AI_IDN 0x0040
#endif

static int qno, only = -1;

static const char *eai(int r)
{
    switch (r) {
    case 0:
        return "0";
    case EAI_BADFLAGS:
        return "EAI_BADFLAGS";
    case EAI_NONAME:
        return "EAI_NONAME";
    case EAI_AGAIN:
        return "EAI_AGAIN";
    case EAI_FAIL:
        return "EAI_FAIL";
    case EAI_FAMILY:
        return "EAI_FAMILY";
    case EAI_SOCKTYPE:
        return "EAI_SOCKTYPE";
    case EAI_SERVICE:
        return "EAI_SERVICE";
    case EAI_MEMORY:
        return "EAI_MEMORY";
    case EAI_SYSTEM:
        return "EAI_SYSTEM";
    case EAI_OVERFLOW:
        return "EAI_OVERFLOW";
    case EAI_NODATA:
        return "EAI_NODATA";
    case EAI_ADDRFAMILY:
        return "EAI_ADDRFAMILY";
    default:
        return "EAI_other";
    }
}

static const char *fam(int f)
{
    return f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" : f == AF_UNSPEC ? "unspec" : "other";
}
static const char *stype(int t)
{
    switch (t) {
    case 0:
        return "0";
    case SOCK_STREAM:
        return "stream";
    case SOCK_DGRAM:
        return "dgram";
    case SOCK_RAW:
        return "raw";
    case SOCK_SEQPACKET:
        return "seqpacket";
    default:
        return "other";
    }
}

static int ask(void)
{
    qno++;
    return only < 0 || only == qno;
}

static void print_ai(const struct addrinfo *ai)
{
    for (; ai; ai = ai->ai_next) {
        char a[INET6_ADDRSTRLEN] = "?";
        int port = -1;
        unsigned scope = 0;
        if (ai->ai_family == AF_INET) {
            const struct sockaddr_in *s = (const void *)ai->ai_addr;
            inet_ntop(AF_INET, &s->sin_addr, a, sizeof a);
            port = ntohs(s->sin_port);
        } else if (ai->ai_family == AF_INET6) {
            const struct sockaddr_in6 *s = (const void *)ai->ai_addr;
            inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof a);
            port = ntohs(s->sin6_port);
            scope = s->sin6_scope_id;
        }
        printf("    %s %s proto=%d flags=%#x len=%u %s port=%d scope=%u canon=%s\n",
               fam(ai->ai_family), stype(ai->ai_socktype), ai->ai_protocol, (unsigned)ai->ai_flags,
               (unsigned)ai->ai_addrlen, a, port, scope, ai->ai_canonname ? ai->ai_canonname : "-");
    }
}

/* family < 0: hints NULL */
static void gai(const char *name, const char *serv, int family, int socktype, int proto, int flags)
{
    if (!ask()) return;
    struct addrinfo h, *res = NULL;
    memset(&h, 0, sizeof h);
    h.ai_family = family;
    h.ai_socktype = socktype;
    h.ai_protocol = proto;
    h.ai_flags = flags;
    h_errno = 0;
    int r = getaddrinfo(name, serv, family < 0 ? NULL : &h, &res);
    int he = h_errno;
    if (family < 0)
        printf("%d getaddrinfo(%s, %s, NULL) = %s", qno, name ? name : "NULL", serv ? serv : "NULL",
               eai(r));
    else
        printf("%d getaddrinfo(%s, %s, %s/%s/%d/%#x) = %s", qno, name ? name : "NULL",
               serv ? serv : "NULL", fam(family), stype(socktype), proto, (unsigned)flags, eai(r));
    printf(" \"%s\" h_errno=%d\n", gai_strerror(r), he);
    if (r == 0) {
        print_ai(res);
        freeaddrinfo(res);
    }
}

static void gni4(const char *ip, int port, int flags, socklen_t hostlen, socklen_t servlen,
                 int salen_adj)
{
    if (!ask()) return;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t salen;
    if (strchr(ip, ':')) {
        struct sockaddr_in6 *s = (void *)&ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((unsigned short)port);
        inet_pton(AF_INET6, ip, &s->sin6_addr);
        salen = sizeof *s;
    } else {
        struct sockaddr_in *s = (void *)&ss;
        s->sin_family = AF_INET;
        s->sin_port = htons((unsigned short)port);
        inet_pton(AF_INET, ip, &s->sin_addr);
        salen = sizeof *s;
    }
    char host[1025] = "", serv[64] = "";
    h_errno = 0;
    int r = getnameinfo((struct sockaddr *)&ss, salen + (socklen_t)salen_adj, hostlen ? host : NULL,
                        hostlen, servlen ? serv : NULL, servlen, flags);
    printf("%d getnameinfo(%s, %d, flags=%#x, hostlen=%u, servlen=%u, salen%+d) = %s h_errno=%d "
           "host=%s serv=%s\n",
           qno, ip, port, (unsigned)flags, (unsigned)hostlen, (unsigned)servlen, salen_adj, eai(r),
           h_errno, r == 0 ? host : "-", r == 0 ? serv : "-");
}

static void print_he(const struct hostent *h)
{
    printf("    name=%s type=%s len=%d aliases:", h->h_name, fam(h->h_addrtype), h->h_length);
    for (char **a = h->h_aliases; *a; a++) printf(" %s", *a);
    printf(" addrs:");
    for (char **a = h->h_addr_list; *a; a++) {
        char s[INET6_ADDRSTRLEN];
        inet_ntop(h->h_addrtype, *a, s, sizeof s);
        printf(" %s", s);
    }
    printf("\n");
}

static void ghbn(const char *name, int af)
{
    if (!ask()) return;
    h_errno = 0;
    struct hostent *h = af < 0 ? gethostbyname(name) : gethostbyname2(name, af);
    printf("%d gethostbyname%s(%s%s) = %s h_errno=%d\n", qno, af < 0 ? "" : "2", name,
           af < 0          ? ""
           : af == AF_INET ? ", inet"
                           : ", inet6",
           h ? "hostent" : "NULL", h_errno);
    if (h) print_he(h);
}

static void ghbn_r(const char *name, int af, size_t buflen)
{
    if (!ask()) return;
    char *buf = malloc(buflen ? buflen : 1);
    struct hostent he, *res = (void *)1;
    int herr = -1;
    errno = 0;
    int r = af < 0 ? gethostbyname_r(name, &he, buf, buflen, &res, &herr)
                   : gethostbyname2_r(name, af, &he, buf, buflen, &res, &herr);
    printf("%d gethostbyname%s_r(%s%s, buflen=%zu) = %d (%s) result=%s h_errno=%d\n", qno,
           af < 0 ? "" : "2", name,
           af < 0          ? ""
           : af == AF_INET ? ", inet"
                           : ", inet6",
           buflen, r, r ? strerror(r) : "ok",
           res == &he ? "hostent"
           : res      ? "??"
                      : "NULL",
           herr);
    if (r == 0 && res == &he) print_he(res);
    free(buf);
}

static void ghba(const char *ip, size_t buflen)
{
    if (!ask()) return;
    unsigned char a[16];
    int af = strchr(ip, ':') ? AF_INET6 : AF_INET;
    socklen_t len = af == AF_INET ? 4 : 16;
    inet_pton(af, ip, a);
    if (buflen == 0) {
        h_errno = 0;
        struct hostent *h = gethostbyaddr(a, len, af);
        printf("%d gethostbyaddr(%s) = %s h_errno=%d\n", qno, ip, h ? "hostent" : "NULL", h_errno);
        if (h) print_he(h);
        return;
    }
    char *buf = malloc(buflen);
    struct hostent he, *res = (void *)1;
    int herr = -1;
    int r = gethostbyaddr_r(a, len, af, &he, buf, buflen, &res, &herr);
    printf("%d gethostbyaddr_r(%s, buflen=%zu) = %d result=%s h_errno=%d\n", qno, ip, buflen, r,
           res == &he ? "hostent"
           : res      ? "??"
                      : "NULL",
           herr);
    if (r == 0 && res == &he) print_he(res);
    free(buf);
}

/* Which families /etc/hosts has for name, as glibc's files module reads
 * it: an AF_INET lookup also finds ::1 and v4-mapped lines. Without a test
 * server, questions /etc/hosts cannot answer would go to the machine's DNS
 * servers: they are not asked. */
static int dns;
static void hosts_has(const char *name, int *h4, int *h6)
{
    FILE *f = fopen("/etc/hosts", "r");
    char line[1024];
    *h4 = *h6 = 0;
    if (!f) return;
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, '#'), *save, *tok;
        unsigned char a[16];
        if (c) *c = 0;
        char *addr = strtok_r(line, " \t\r\n", &save);
        if (!addr) continue;
        int is4 = inet_pton(AF_INET, addr, a) == 1, is6 = !is4 && inet_pton(AF_INET6, addr, a) == 1;
        int as4 = is4 || (is6 && (IN6_IS_ADDR_LOOPBACK((struct in6_addr *)a) ||
                                  IN6_IS_ADDR_V4MAPPED((struct in6_addr *)a)));
        while ((tok = strtok_r(NULL, " \t\r\n", &save)))
            if (strcasecmp(tok, name) == 0) {
                *h4 |= as4;
                *h6 |= is6;
            }
    }
    fclose(f);
}

/* Questions about one name: every family and flag that changes the answer. */
static void about(const char *n)
{
    int h4, h6;
    hosts_has(n, &h4, &h6);
    int any = dns || h4 || h6, v4 = dns || h4, v6 = dns || h6, mapped = dns || h4 || h6;
    if (any) {
        gai(n, NULL, -1, 0, 0, 0);
        gai(n, NULL, AF_UNSPEC, 0, 0, 0);
        gai(n, "80", AF_UNSPEC, 0, 0, 0);
        gai(n, "http", AF_UNSPEC, SOCK_STREAM, 0, 0);
        gai(n, "domain", AF_UNSPEC, 0, 0, AI_CANONNAME);
        gai(n, NULL, AF_UNSPEC, 0, 0, AI_ADDRCONFIG);
        gai(n, "53", AF_UNSPEC, SOCK_DGRAM, 0, AI_ADDRCONFIG | AI_CANONNAME);
        gai(n, NULL, AF_UNSPEC, 0, 0, AI_PASSIVE);
    }
    if (v4) {
        gai(n, NULL, AF_INET, 0, 0, 0);
        gai(n, NULL, AF_INET, 0, 0, AI_CANONNAME);
        gai(n, "ssh", AF_INET, 0, IPPROTO_TCP, AI_NUMERICSERV);
        ghbn(n, -1);
        ghbn(n, AF_INET);
        ghbn_r(n, -1, 1024);
        ghbn_r(n, AF_INET, 100);
    }
    if (v6) {
        gai(n, NULL, AF_INET6, 0, 0, 0);
        ghbn(n, AF_INET6);
        ghbn_r(n, AF_INET6, 1024);
    }
    if (mapped) {
        gai(n, NULL, AF_INET6, 0, 0, AI_V4MAPPED);
        gai(n, NULL, AF_INET6, 0, 0, AI_V4MAPPED | AI_ALL);
        gai(n, NULL, AF_INET6, 0, 0, AI_V4MAPPED | AI_CANONNAME);
    }
    gai(n, NULL, AF_UNSPEC, 0, 0, AI_NUMERICHOST);
    ghbn_r(n, -1, 16);
}

int main(int argc, char **argv)
{
    const char *ns = getenv("DNS_TEST_NS"), *o = getenv("DNS_TEST_ONLY");
    if (o) only = atoi(o);
    dns = ns != NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    dns_test_resolver(); /* the program's own resolver, at the test server */

    /* Answered without any lookup */
    gai(NULL, NULL, AF_UNSPEC, 0, 0, 0);
    gai("*", "*", AF_UNSPEC, 0, 0, 0);
    gai(NULL, "8080", AF_UNSPEC, 0, 0, AI_PASSIVE);
    gai(NULL, "8080", AF_UNSPEC, SOCK_STREAM, 0, AI_PASSIVE);
    gai(NULL, "8080", AF_INET6, SOCK_DGRAM, 0, AI_PASSIVE);
    gai(NULL, "http", AF_UNSPEC, 0, 0, 0);
    gai(NULL, "8080", AF_INET, 0, 0, 0);
    gai(NULL, "domain", -1, 0, 0, 0);
    gai("127.0.0.1", "80", AF_UNSPEC, 0, 0, 0);
    gai("127.1", NULL, AF_UNSPEC, 0, 0, 0);
    gai("0x7f.1", "ssh", AF_INET, 0, 0, AI_CANONNAME);
    gai("::1", "80", AF_UNSPEC, 0, 0, AI_CANONNAME);
    gai("::1", NULL, AF_INET, 0, 0, 0);
    gai("::ffff:198.51.100.7", NULL, AF_INET, 0, 0, 0);
    gai("198.51.100.7", NULL, AF_INET6, 0, 0, 0);
    gai("198.51.100.7", NULL, AF_INET6, 0, 0, AI_V4MAPPED);
    gai("fe80::1%1", "80", AF_INET6, SOCK_STREAM, 0, 0);
    gai("fe80::1%lo", "80", AF_INET6, SOCK_STREAM, 0, 0);
    gai("fe80::1%nosuchif", "80", AF_INET6, SOCK_STREAM, 0, 0);
    gai("2001:db8::1", "65535", AF_UNSPEC, SOCK_RAW, 0, 0);
    gai("2001:db8::1", NULL, AF_UNSPEC, SOCK_RAW, 17, 0);
    gai("198.51.100.7", NULL, AF_UNSPEC, 0, IPPROTO_UDP, 0);
    gai("198.51.100.7", NULL, AF_UNSPEC, SOCK_STREAM, IPPROTO_UDP, 0);
    gai("localhost", NULL, AF_UNSPEC, 0, 0, 0x10000);
    gai(NULL, "80", AF_UNSPEC, 0, 0, AI_CANONNAME);
    gai("localhost", NULL, AF_UNIX, 0, 0, 0);
    gai("localhost", "80", AF_UNSPEC, 99, 0, 0);
    gai("localhost", "nosuchservice", AF_UNSPEC, 0, 0, 0);
    gai("localhost", "http", AF_UNSPEC, 0, 0, AI_NUMERICSERV);
    gai("localhost", "http", AF_UNSPEC, SOCK_RAW, 0, 0);
    gai("localhost", NULL, AF_UNSPEC, 0, 0, AI_NUMERICHOST);
    gai("not.numeric.test", NULL, AF_UNSPEC, 0, 0, AI_NUMERICHOST);
    gai("localhost", "", AF_UNSPEC, 0, 0, 0);
    gai("198.51.100.7", "http", AF_UNSPEC, SOCK_SEQPACKET, 0, 0);
    gai("198.51.100.7", "sctp-tunneling", AF_UNSPEC, SOCK_STREAM, 132, 0);
    gai("198.51.100.7", "nfs", AF_UNSPEC, 0, 0, AI_IDN);

    /* /etc/hosts */
    about("localhost");
    about("LOCALHOST");
    for (int i = 1; i < argc; i++) about(argv[i]);
    ghbn("198.51.100.7", -1);
    ghbn("1.2.3.4.5", -1);
    ghbn("::1", -1);
    ghbn("::1", AF_INET6);
    ghbn_r("deadbeef.test", -1, 40);
    ghbn_r("::1", AF_INET6, 20);
    ghba("127.0.0.1", 0);
    ghba("127.0.0.1", 1024);
    ghba("127.0.0.1", 8);
    ghba("::", 1024);
    gni4("127.0.0.1", 80, 0, 1025, 64, 0);
    gni4("127.0.0.1", 80, NI_NUMERICHOST, 1025, 64, 0);
    gni4("127.0.0.1", 53, NI_DGRAM, 1025, 64, 0);
    gni4("127.0.0.1", 80, NI_NUMERICSERV, 1025, 64, 0);
    gni4("127.0.0.1", 80, NI_NAMEREQD, 1025, 0, 0);
    gni4("127.0.0.1", 80, NI_NOFQDN, 1025, 64, 0);
    gni4("127.0.0.1", 80, 0, 4, 64, 0);
    gni4("127.0.0.1", 80, 0, 1025, 2, 0);
    gni4("127.0.0.1", 80, 0, 1025, 64, -1);
    gni4("127.0.0.1", 80, 0x1000, 1025, 64, 0);
    gni4("198.51.100.7", 8080, NI_NUMERICHOST | NI_NUMERICSERV, 1025, 64, 0);
    gni4("2001:db8::7", 443, NI_NUMERICHOST, 1025, 64, 0);
    gni4("::", 443, 0, 1025, 64, 0);
    gni4("::", 443, NI_NAMEREQD, 1025, 64, 0);

    if (!ns) return 0;
    /* DNS: the test zone (test/t/5x) */
    const char *names[] = {
        "a.test",        "v6.test", "both.test",        "multi.test",    "cname.test", "chain.test",
        "dangling.test", "nx.test", "sf.test",          "ref.test",      "big.test",   "short",
        "a.test.",       "A.TEST",  "under_score.test", "bad!name.test", "x",          NULL};
    for (int i = 0; names[i]; i++) about(names[i]);
    gai("nosuchname.test", "http", AF_UNSPEC, 0, 0, AI_CANONNAME);
    ghbn("198.51.100.7.", -1);
    ghba("198.51.100.10", 0);
    ghba("198.51.100.10", 1024);
    ghba("198.51.100.10", 20);
    ghba("2001:db8::10", 1024);
    ghba("198.51.100.99", 1024);
    ghba("::ffff:198.51.100.10", 1024);
    gni4("198.51.100.10", 80, 0, 1025, 64, 0);
    gni4("198.51.100.10", 80, NI_NAMEREQD, 1025, 64, 0);
    gni4("198.51.100.10", 80, NI_NOFQDN, 1025, 64, 0);
    gni4("198.51.100.10", 80, 0, 3, 64, 0);
    gni4("198.51.100.99", 80, 0, 1025, 64, 0);
    gni4("198.51.100.99", 80, NI_NAMEREQD, 1025, 64, 0);
    gni4("2001:db8::10", 53, NI_DGRAM, 1025, 64, 0);
    gni4("::ffff:198.51.100.10", 53, 0, 1025, 64, 0);
    return 0;
}
