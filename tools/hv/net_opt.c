/* SPDX-License-Identifier: MIT */
/* hv tool — the --net option: loopback | hub:N | none | user[,hostonly=on|off]
 * [,hostfwd=[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]... (QEMU's spelling; the
 * host address defaults to 127.0.0.1 and must be a loopback address, the guest address can
 * only be slirp's 10.0.2.15). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv_tool.h"

static int fail(char *why, size_t len, const char *msg, const char *what)
{
    snprintf(why, len, "%s%s%s", msg, what ? ": " : "", what ? what : "");
    return -1;
}

static int parse_port(const char *s, size_t n, uint16_t *out)
{
    char buf[8];
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    uint64_t v;
    if (hv_tool_parse_u64(buf, 65535, &v) < 0 || v == 0)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static int parse_hostfwd(const char *s, struct hv_net_hostfwd *f, char *why, size_t len)
{
    memset(f, 0, sizeof(*f));
    if (!strncmp(s, "udp:", 4))
        f->udp = 1, s += 4;
    else if (!strncmp(s, "tcp:", 4))
        s += 4;
    else if (*s == ':')
        s++;
    const char *colon = strchr(s, ':'), *dash = colon ? strchr(colon, '-') : NULL;
    if (!colon || !dash)
        return fail(why, len, "hostfwd: expected [tcp|udp]:[HOSTADDR]:HOSTPORT-:GUESTPORT", s);
    f->host_addr = 0x7f000001u;
    if (colon > s) {
        char addr[INET_ADDRSTRLEN];
        struct in_addr a;
        size_t n = (size_t)(colon - s);
        if (n >= sizeof(addr))
            return fail(why, len, "hostfwd: bad host address", s);
        memcpy(addr, s, n);
        addr[n] = 0;
        if (inet_pton(AF_INET, addr, &a) != 1)
            return fail(why, len, "hostfwd: bad host address", addr);
        f->host_addr = ntohl(a.s_addr);
        if ((f->host_addr >> 24) != 127)
            return fail(why, len, "hostfwd: only loopback host addresses (127.0.0.0/8) are "
                        "allowed, not", addr);
    }
    if (parse_port(colon + 1, (size_t)(dash - colon - 1), &f->host_port))
        return fail(why, len, "hostfwd: bad host port", colon + 1);
    const char *g = dash + 1, *gcolon = strchr(g, ':');
    if (!gcolon)
        return fail(why, len, "hostfwd: expected -[GUESTADDR]:GUESTPORT", g);
    if (gcolon > g && strncmp(g, "10.0.2.15:", 10))
        return fail(why, len, "hostfwd: the guest address can only be 10.0.2.15", g);
    if (parse_port(gcolon + 1, strlen(gcolon + 1), &f->guest_port))
        return fail(why, len, "hostfwd: bad guest port", gcolon + 1);
    return 0;
}

static int parse_user(char *opts, struct hv_net_config *n, char *why, size_t len)
{
    for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (!strcmp(o, "hostonly=on") || !strcmp(o, "hostonly=off")) {
            n->host_only = !strcmp(o, "hostonly=on");
        } else if (!strncmp(o, "hostfwd=", 8)) {
            if (n->nr_fwd >= HV_MAX_HOSTFWD)
                return fail(why, len, "too many hostfwd (at most 8)", NULL);
            if (parse_hostfwd(o + 8, &n->fwd[n->nr_fwd], why, len) < 0)
                return -1;
            n->nr_fwd++;
        } else {
            return fail(why, len, "unknown user network option (hostonly=on|off, hostfwd=...)",
                        o);
        }
    }
    return 0;
}

int hv_tool_parse_net(const char *s, struct hv_config *cfg, char *why, size_t len)
{
    if (!strcmp(s, "none")) {
        cfg->nr_nics = 0;
        return 0;
    }
    if (cfg->nr_nics >= HV_MAX_NICS)
        return fail(why, len, "too many NICs", NULL);
    struct hv_net_config n;
    memset(&n, 0, sizeof(n));
    if (!strcmp(s, "loopback")) {
        n.type = HV_NET_LOOPBACK;
    } else if (!strcmp(s, "user") || !strncmp(s, "user,", 5)) {
        n.type = HV_NET_USER;
        char opts[512];
        if (strlen(s) >= sizeof(opts))
            return fail(why, len, "option too long", NULL);
        strcpy(opts, s[4] ? s + 5 : "");
        if (parse_user(opts, &n, why, len) < 0)
            return -1;
    } else if (!strncmp(s, "hub:", 4) && s[4]) {
        uint64_t hub;
        if (hv_tool_parse_u64(s + 4, 0xffff, &hub) < 0)
            return fail(why, len, "bad hub id", s + 4);
        n.type = HV_NET_HUB;
        n.hub = (unsigned)hub;
    } else {
        return fail(why, len, "expected loopback, hub:N, user[,...] or none", NULL);
    }
    cfg->nics[cfg->nr_nics++] = n;
    return 0;
}
