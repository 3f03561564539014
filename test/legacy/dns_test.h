/* For the dns test programs: DNS_TEST_NS=ip:port points the calling
 * thread's own resolver (_res, the legacy interface programs use) at a
 * test server, so that natively, too, no question leaves the machine. Each
 * thread has its own _res: call it in every thread that resolves. */
#ifndef DNS_TEST_H
#define DNS_TEST_H
#include <arpa/inet.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int dns_test_resolver(void)
{
    const char *ns = getenv("DNS_TEST_NS");
    char ip[64], *c;
    int port = 53;
    if (!ns) return 0;
    snprintf(ip, sizeof ip, "%s", ns);
    if ((c = strrchr(ip, ':'))) {
        *c = 0;
        port = atoi(c + 1);
    }
    res_init();
    _res.nscount = 1;
    _res.nsaddr_list[0].sin_family = AF_INET;
    _res.nsaddr_list[0].sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, ip, &_res.nsaddr_list[0].sin_addr);
    return 1;
}
#endif
