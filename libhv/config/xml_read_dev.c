/* SPDX-License-Identifier: MIT */
/* libhv config — the <devices> part of the domain XML reader: <disk>, <serial>/<console>,
 * <interface> (with <portForward>), <rng>. Same strictness as xml_read.c: unknown elements
 * and attributes are errors naming the line. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "config/config.h"
#include "config/xml_read.h"

/* ---- <disk> -------------------------------------------------------------------------- */

static int el_disk_driver(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"name", "type", NULL};
    int rc = hv__xr_empty_elem(x, n, attrs);
    if (rc)
        return rc;
    const char *name = hv__xr_attr(n, "name"), *type = hv__xr_attr(n, "type");
    if (name && strcmp(name, "hv") != 0)
        return hv__xr_fail(x, n, HV_EINVAL, "invalid driver name '%.32s' (use 'hv')", name);
    if (type && strcmp(type, "raw") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "disk format '%.32s' is not supported (only raw)", type);
    x->disk->format = HV_DISK_RAW;
    return 0;
}

static int el_disk_source(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"file", NULL};
    int rc = hv__xr_empty_elem(x, n, attrs);
    if (rc)
        return rc;
    if (x->disk_memory)
        return hv__xr_fail(x, n, HV_EFORMAT, "a disk of type 'memory' has no <source>");
    const char *file;
    rc = hv__xr_need_attr(x, n, "file", &file);
    if (rc)
        return rc;
    if (!*file)
        return hv__xr_fail(x, n, HV_EINVAL, "empty disk source file");
    x->disk_has_source = 1;
    return hv__xr_keep(x, n, file, &x->disk->path);
}

static int el_disk_target(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"dev", "bus", NULL};
    int rc = hv__xr_empty_elem(x, n, attrs);
    if (rc)
        return rc;
    const char *dev, *bus = hv__xr_attr(n, "bus");
    rc = hv__xr_need_attr(x, n, "dev", &dev);
    if (rc)
        return rc;
    if (!*dev)
        return hv__xr_fail(x, n, HV_EINVAL, "empty disk target dev");
    if (bus && strcmp(bus, "virtio") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "disk bus '%.32s' is not supported (only virtio)", bus);
    return hv__xr_keep(x, n, dev, &x->disk->target);
}

static int el_disk_readonly(struct xr *x, xmlNode *n)
{
    x->disk->readonly = 1;
    return hv__xr_empty_elem(x, n, NULL);
}

static int el_disk_transient(struct xr *x, xmlNode *n)
{
    x->disk->transient = 1;
    return hv__xr_empty_elem(x, n, NULL);
}

static int el_disk_serial(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    return rc ? rc : hv__xr_keep(x, n, text, &x->disk->serial);
}

static int el_disk_size(struct xr *x, xmlNode *n)
{
    if (!x->disk_memory)
        return hv__xr_fail(x, n, HV_EFORMAT, "<hv:size> applies only to disks of type 'memory'");
    x->disk_has_size = 1;
    return hv__xr_mem_value(x, n, &x->disk->mem_size);
}

static const struct rule disk_rules[] = {
    {NS_CORE, "driver", el_disk_driver},
    {NS_CORE, "source", el_disk_source},
    {NS_CORE, "target", el_disk_target},
    {NS_CORE, "readonly", el_disk_readonly},
    {NS_CORE, "transient", el_disk_transient},
    {NS_CORE, "serial", el_disk_serial},
    {NS_HV, "size", el_disk_size},
    {0, NULL, NULL},
};

static int el_disk(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"type", "device", NULL};
    int rc = hv__xr_check_attrs(x, n, attrs);
    if (rc)
        return rc;
    const char *type = hv__xr_attr(n, "type"), *device = hv__xr_attr(n, "device");
    if (!type)
        type = "file";
    if (strcmp(type, "file") != 0 && strcmp(type, "memory") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "disk type '%.32s' is not supported (file or memory)",
                    type);
    if (device && strcmp(device, "disk") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "disk device '%.32s' is not supported (only disk)",
                    device);
    if (x->cfg->nr_disks >= HV_MAX_DISKS)
        return hv__xr_fail(x, n, HV_ELIMIT, "too many disks (at most %d)", HV_MAX_DISKS);
    x->disk = &x->cfg->disks[x->cfg->nr_disks++];
    x->disk_memory = strcmp(type, "memory") == 0;
    x->disk_has_source = x->disk_has_size = 0;
    rc = hv__xr_walk(x, n, disk_rules, NULL);
    if (rc)
        return rc;
    if (x->disk_memory && !x->disk_has_size)
        return hv__xr_fail(x, n, HV_EFORMAT, "a disk of type 'memory' needs <hv:size>");
    if (!x->disk_memory && !x->disk_has_source)
        return hv__xr_fail(x, n, HV_EFORMAT, "a disk of type 'file' needs <source file='...'/>");
    return 0;
}

/* ---- <serial> / <console> ------------------------------------------------------------ */

/* libvirt chardev types that exist but that libhv does not implement. */
static const char *const chardev_unsupported[] = {
    "vc", "dev", "pipe", "tcp", "udp", "spicevmc", "spiceport", "nmdm", "qemu-vdagent",
    "dbus", NULL,
};

static int el_chr_source(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"path", "mode", NULL};
    int rc = hv__xr_empty_elem(x, n, attrs);
    if (rc)
        return rc;
    enum hv_chardev_type t = x->chr->type;
    const char *path = hv__xr_attr(n, "path"), *mode = hv__xr_attr(n, "mode");
    if (t != HV_CHARDEV_FILE && t != HV_CHARDEV_SOCKET && t != HV_CHARDEV_PTY)
        return hv__xr_fail(x, n, HV_EFORMAT, "<source> is not used by %s type '%s'", x->chr_elem,
                    hv__kw_name(hv__kw_chardev, (int)t));
    if (mode && t != HV_CHARDEV_SOCKET)
        return hv__xr_fail(x, n, HV_EFORMAT, "unknown attribute 'mode' on <source>");
    if (mode && strcmp(mode, "bind") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "unix socket mode '%.32s' is not supported (only bind)",
                    mode);
    /* libvirt reports the allocated pty as <source path=...>: accept it, nothing to set. */
    if (t == HV_CHARDEV_PTY)
        return 0;
    rc = hv__xr_need_attr(x, n, "path", &path);
    if (rc)
        return rc;
    if (!*path)
        return hv__xr_fail(x, n, HV_EINVAL, "empty %s source path", x->chr_elem);
    x->chr_has_source = 1;
    return hv__xr_keep(x, n, path, &x->chr->path);
}

static int el_chr_target(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"port", "type", NULL};
    int rc = hv__xr_empty_elem(x, n, attrs);
    if (rc)
        return rc;
    const char *port = hv__xr_attr(n, "port"), *type = hv__xr_attr(n, "type");
    if (port && strcmp(port, "0") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "%s port '%.32s' is not supported (only port 0)",
                    x->chr_elem, port);
    if (type && strcmp(type, "serial") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "%s target type '%.32s' is not supported (only serial)",
                    x->chr_elem, type);
    return 0;
}

static const struct rule chr_rules[] = {
    {NS_CORE, "source", el_chr_source},
    {NS_CORE, "target", el_chr_target},
    {0, NULL, NULL},
};

static int chardev(struct xr *x, xmlNode *n, struct hv_chardev_config *chr)
{
    static const char *const attrs[] = {"type", NULL};
    int rc = hv__xr_check_attrs(x, n, attrs);
    const char *type;
    if (!rc)
        rc = hv__xr_need_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (hv__xr_in_list(chardev_unsupported, type))
        return hv__xr_fail(x, n, HV_ENOTSUP, "%s type '%.32s' is not supported", hv__xr_nm(n), type);
    int v;
    if (hv__kw_lookup(hv__kw_chardev, type, &v))
        return hv__xr_fail(x, n, HV_EINVAL, "invalid %s type '%.32s'", hv__xr_nm(n), type);
    memset(chr, 0, sizeof(*chr));
    chr->type = (enum hv_chardev_type)v;
    x->chr = chr;
    x->chr_elem = hv__xr_nm(n);
    x->chr_has_source = 0;
    rc = hv__xr_walk(x, n, chr_rules, NULL);
    if (rc)
        return rc;
    if ((chr->type == HV_CHARDEV_FILE || chr->type == HV_CHARDEV_SOCKET) && !x->chr_has_source)
        return hv__xr_fail(x, n, HV_EFORMAT, "%s type '%s' needs <source path='...'/>", hv__xr_nm(n), type);
    return 0;
}

static int el_serial(struct xr *x, xmlNode *n)
{
    if (x->have_serial)
        return hv__xr_fail(x, n, HV_ELIMIT, "only one <serial> is supported");
    x->have_serial = 1;
    return chardev(x, n, &x->cfg->serial);
}

static int el_console(struct xr *x, xmlNode *n)
{
    if (x->have_console)
        return hv__xr_fail(x, n, HV_ELIMIT, "only one <console> is supported");
    x->have_console = 1;
    return chardev(x, n, &x->console);
}

/* ---- <interface> --------------------------------------------------------------------- */

static const char *const net_unsupported[] = {
    "network", "bridge", "direct", "ethernet", "vhostuser", "server", "client", "mcast",
    "udp", "hostdev", "vdpa", "null", "vds", NULL,
};

static int el_nic_mac(struct xr *x, xmlNode *n)
{
    const char *addr;
    int rc = hv__xr_one_attr(x, n, "address", &addr);
    if (rc)
        return rc;
    if (hv__xr_parse_mac(addr, x->nic->mac))
        return hv__xr_fail(x, n, HV_EINVAL, "invalid mac address '%.32s'", addr);
    return 0;
}

static int el_nic_model(struct xr *x, xmlNode *n)
{
    const char *type;
    int rc = hv__xr_one_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (strcmp(type, "virtio") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "nic model '%.32s' is not supported (only virtio)", type);
    return 0;
}

static int el_nic_hub(struct xr *x, xmlNode *n)
{
    const char *id;
    int rc = hv__xr_one_attr(x, n, "id", &id);
    if (rc)
        return rc;
    if (x->nic->type != HV_NET_HUB)
        return hv__xr_fail(x, n, HV_EFORMAT, "<hv:hub> applies only to interfaces of type 'hub'");
    uint64_t v;
    rc = hv__xr_parse_u64(id, &v);
    if (rc || v > UINT32_MAX)
        return hv__xr_fail(x, n, rc == HV_EINVAL ? HV_EINVAL : HV_ERANGE, "invalid hub id '%.32s'",
                    id);
    x->nic->hub = (unsigned)v;
    return 0;
}

static int user_only(struct xr *x, xmlNode *n)
{
    char d[64];
    if (x->nic->type != HV_NET_USER)
        return hv__xr_fail(x, n, HV_EFORMAT, "<%s> applies only to interfaces of type 'user'",
                    hv__xr_disp(n, d, sizeof(d)));
    return 0;
}

/* <hv:hostonly/>: the guest reaches only the host's loopback (config.h host_only). */
static int el_nic_hostonly(struct xr *x, xmlNode *n)
{
    int rc = hv__xr_empty_elem(x, n, NULL);
    if (!rc)
        rc = user_only(x, n);
    if (!rc)
        x->nic->host_only = 1;
    return rc;
}

static int port_attr(struct xr *x, xmlNode *n, const char *name, uint16_t *out)
{
    const char *v;
    uint64_t p;
    int rc = hv__xr_need_attr(x, n, name, &v);
    if (rc)
        return rc;
    if (hv__xr_parse_u64(v, &p) || p == 0 || p > 65535)
        return hv__xr_fail(x, n, HV_EINVAL, "invalid port '%.32s' (1..65535)", v);
    *out = (uint16_t)p;
    return 0;
}

/* <range start='HOSTPORT' to='GUESTPORT'/>: one forward (libvirt's meaning of the two). */
static int el_fwd_range(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"start", "to", NULL};
    struct hv_net_hostfwd f = x->fwd;
    int rc = hv__xr_empty_elem(x, n, attrs);
    if (!rc)
        rc = port_attr(x, n, "start", &f.host_port);
    if (!rc)
        rc = port_attr(x, n, "to", &f.guest_port);
    if (rc)
        return rc;
    if (x->nic->nr_fwd >= HV_MAX_HOSTFWD)
        return hv__xr_fail(x, n, HV_ELIMIT, "too many port forwards (at most %d)", HV_MAX_HOSTFWD);
    x->nic->fwd[x->nic->nr_fwd++] = f;
    return 0;
}

static const struct rule fwd_rules[] = {
    {NS_CORE, "range", el_fwd_range},
    {0, NULL, NULL},
};
static const char *const fwd_multi[] = {"range", NULL};

/* <portForward proto='tcp|udp' address='127.0.0.1'> <range .../>... </portForward> */
static int el_nic_portforward(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"proto", "address", NULL};
    int rc = hv__xr_check_attrs(x, n, attrs);
    if (!rc)
        rc = user_only(x, n);
    if (rc)
        return rc;
    const char *proto = hv__xr_attr(n, "proto"), *addr = hv__xr_attr(n, "address");
    memset(&x->fwd, 0, sizeof(x->fwd));
    if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp"))
        return hv__xr_fail(x, n, HV_EINVAL, "invalid portForward proto '%.16s' (tcp or udp)", proto);
    x->fwd.udp = proto && !strcmp(proto, "udp");
    x->fwd.host_addr = 0x7f000001u;
    if (addr) {
        struct in_addr a;
        if (inet_pton(AF_INET, addr, &a) != 1)
            return hv__xr_fail(x, n, HV_EINVAL, "invalid portForward address '%.40s'", addr);
        x->fwd.host_addr = ntohl(a.s_addr);
        if ((x->fwd.host_addr >> 24) != 127)
            return hv__xr_fail(x, n, HV_EINVAL, "portForward address '%.40s': only loopback "
                        "addresses (127.0.0.0/8) are allowed", addr);
    }
    return hv__xr_walk(x, n, fwd_rules, fwd_multi);
}

static const struct rule nic_rules[] = {
    {NS_CORE, "mac", el_nic_mac},
    {NS_CORE, "model", el_nic_model},
    {NS_HV, "hub", el_nic_hub},
    {NS_HV, "hostonly", el_nic_hostonly},
    {NS_CORE, "portForward", el_nic_portforward},
    {0, NULL, NULL},
};
static const char *const nic_multi[] = {"portForward", NULL};

static int el_interface(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"type", NULL};
    const char *type;
    int rc = hv__xr_check_attrs(x, n, attrs);
    if (!rc)
        rc = hv__xr_need_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (hv__xr_in_list(net_unsupported, type))
        return hv__xr_fail(x, n, HV_ENOTSUP,
                    "interface type '%.32s' is not supported (user, loopback or hub)", type);
    int v;
    if (hv__kw_lookup(hv__kw_net, type, &v))
        return hv__xr_fail(x, n, HV_EINVAL, "invalid interface type '%.32s'", type);
    if (x->cfg->nr_nics >= HV_MAX_NICS)
        return hv__xr_fail(x, n, HV_ELIMIT, "too many interfaces (at most %d)", HV_MAX_NICS);
    x->nic = &x->cfg->nics[x->cfg->nr_nics++];
    x->nic->type = (enum hv_net_type)v;
    return hv__xr_walk(x, n, nic_rules, nic_multi);
}

/* ---- <rng> --------------------------------------------------------------------------- */

/* libvirt spells the host entropy source out; libhv has its own, so only the usual
 * spellings are accepted (and mean the same thing). */
static int el_rng_backend(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"model", NULL};
    const char *model, *text;
    int rc = hv__xr_leaf_text(x, n, attrs, &text);
    if (!rc)
        rc = hv__xr_need_attr(x, n, "model", &model);
    if (rc)
        return rc;
    if (strcmp(model, "builtin") == 0 && !*text)
        return 0;
    if (strcmp(model, "random") == 0 &&
        (!*text || strcmp(text, "/dev/urandom") == 0 || strcmp(text, "/dev/random") == 0))
        return 0;
    return hv__xr_fail(x, n, HV_ENOTSUP, "rng backend '%.32s' '%.64s' is not supported", model, text);
}

static const struct rule rng_rules[] = {
    {NS_CORE, "backend", el_rng_backend},
    {0, NULL, NULL},
};

static int el_rng(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"model", NULL};
    const char *model;
    int rc = hv__xr_check_attrs(x, n, attrs);
    if (!rc)
        rc = hv__xr_need_attr(x, n, "model", &model);
    if (rc)
        return rc;
    if (strcmp(model, "virtio") != 0)
        return hv__xr_fail(x, n, HV_ENOTSUP, "rng model '%.32s' is not supported (only virtio)", model);
    x->cfg->rng = 1;
    return hv__xr_walk(x, n, rng_rules, NULL);
}

static const struct rule dev_rules[] = {
    {NS_CORE, "disk", el_disk},
    {NS_CORE, "serial", el_serial},
    {NS_CORE, "console", el_console},
    {NS_CORE, "interface", el_interface},
    {NS_CORE, "rng", el_rng},
    {0, NULL, NULL},
};

/* serial/console count themselves so that the message says "only one". */
static const char *const dev_multi[] = {"disk", "interface", "serial", "console", NULL};

int hv__xr_devices(struct xr *x, xmlNode *n)
{
    int rc = hv__xr_check_attrs(x, n, NULL);
    return rc ? rc : hv__xr_walk(x, n, dev_rules, dev_multi);
}

