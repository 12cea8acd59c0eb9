/* SPDX-License-Identifier: MIT */
/* libhv config — reads a libvirt-style domain XML document (docs/XML.md) into a
 * struct hv_config. Strict: unknown elements and attributes of the core and hv: namespaces
 * are errors naming the line, so a typo never silently does nothing. Parsing is per call
 * (own libxml2 parser context, own error hook): no process-global libxml2 settings. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include "hv/hv.h"
#include "core/err.h"
#include "config/config.h"

#define HV_XMLNS "https://libhv.dev/xmlns/domain/1"
#define MAX_DOC_BYTES (16u << 20) /* a domain is a few KiB; refuse anything absurd */

enum ns_kind { NS_CORE, NS_HV, NS_OTHER };

/* Reader state for one hv_config_from_xml call. */
struct xr {
    struct hv_config *cfg;
    char *err;
    size_t errlen;
    const xmlNode *root;
    int have_name, have_memory, have_os, have_os_type;
    uint64_t cur_mem;           /* <currentMemory>, checked against <memory> at the end */
    const xmlNode *cur_mem_node;
    int have_serial, have_console;
    struct hv_chardev_config console;
    /* The device being filled while its children are walked. */
    struct hv_chardev_config *chr;
    const char *chr_elem;       /* "serial" or "console", for messages */
    int chr_has_source;
    struct hv_disk_config *disk;
    int disk_memory, disk_has_source, disk_has_size;
    struct hv_net_config *nic;
    struct hv_net_hostfwd fwd;  /* <portForward> being read: protocol and host address */
};

/* Collected by the libxml2 hooks of one parser context (ctxt->_private). */
struct parse_diag {
    int have_error;
    int line;
    char msg[256];
    int doctype_line;           /* >0: a DOCTYPE was seen and parsing stopped there */
};

typedef int (*elem_fn)(struct xr *x, xmlNode *n);

struct rule {
    enum ns_kind ns;
    const char *name;
    elem_fn fn;
};

/* ---- small helpers ------------------------------------------------------------------- */

static enum ns_kind ns_kind_of(const xmlNs *ns)
{
    if (!ns)
        return NS_CORE;
    if (ns->href && strcmp((const char *)ns->href, HV_XMLNS) == 0)
        return NS_HV;
    return NS_OTHER;
}

static const char *nm(const xmlNode *n)
{
    return (const char *)n->name;
}

/* "disk" or "hv:engine", for messages. */
static const char *disp(const xmlNode *n, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", ns_kind_of(n->ns) == NS_HV ? "hv:" : "", nm(n));
    return buf;
}

static long line_of(const xmlNode *n)
{
    long l = xmlGetLineNo((xmlNode *)n);
    if (l <= 0 && n->parent && n->parent->type == XML_ELEMENT_NODE)
        l = xmlGetLineNo(n->parent);
    return l;
}

__attribute__((format(printf, 4, 5)))
static int fail(struct xr *x, const xmlNode *n, int code, const char *fmt, ...)
{
    char msg[HV__ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return hv__errf(x->err, x->errlen, code, "line %ld: %s", line_of(n), msg);
}

static int is_blank(const char *s)
{
    for (; *s; s++) {
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    }
    return 1;
}

/* Copy `s` without surrounding whitespace into buf; NULL if it does not fit. Keywords and
 * numbers are short, so a small fixed buffer is enough and anything longer is invalid. */
static const char *trimmed(const char *s, char *buf, size_t len)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n >= len)
        return NULL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* Decimal, surrounding whitespace allowed. 0, HV_EINVAL or HV_ERANGE. */
static int parse_u64(const char *s, uint64_t *out)
{
    char buf[40];
    const char *t = trimmed(s, buf, sizeof(buf));
    if (!t || !*t)
        return HV_EINVAL;
    uint64_t v = 0;
    for (; *t; t++) {
        if (*t < '0' || *t > '9')
            return HV_EINVAL;
        unsigned d = (unsigned)(*t - '0');
        if (v > (UINT64_MAX - d) / 10)
            return HV_ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* 32 hex digits; like libvirt, a '-' may separate any two bytes. */
static int parse_uuid(const char *s, uint8_t uuid[16])
{
    char buf[64];
    const char *t = trimmed(s, buf, sizeof(buf));
    if (!t)
        return -1;
    for (int i = 0; i < 16; i++) {
        if (i > 0 && *t == '-')
            t++;
        int hi = hexval(t[0]), lo = hi < 0 ? -1 : hexval(t[1]);
        if (hi < 0 || lo < 0)
            return -1;
        uuid[i] = (uint8_t)(hi << 4 | lo);
        t += 2;
    }
    return *t ? -1 : 0;
}

/* "52:54:00:12:34:56"; multicast addresses cannot belong to a NIC. */
static int parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
        if (hi < 0 || lo < 0)
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (i < 5 && *s++ != ':')
            return -1;
    }
    if (*s || (mac[0] & 1))
        return -1;
    return 0;
}

static int keep(struct xr *x, const xmlNode *n, const char *s, const char **dst)
{
    char *copy = hv__cfg_strndup(x->cfg, s, strlen(s));
    if (!copy)
        return fail(x, n, HV_ENOMEM, "out of memory");
    *dst = copy;
    return 0;
}

/* ---- attributes and content ---------------------------------------------------------- */

static int in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++) {
        if (strcmp(*list, s) == 0)
            return 1;
    }
    return 0;
}

/* Every attribute of `n` in no namespace must be in `allowed` (NULL-terminated, or NULL for
 * none); attributes in foreign namespaces are ignored, hv: attributes are unknown. */
static int check_attrs(struct xr *x, const xmlNode *n, const char *const *allowed)
{
    char d[64];
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        enum ns_kind k = ns_kind_of(a->ns);
        if (k == NS_OTHER)
            continue;
        if (k == NS_HV || !in_list(allowed, (const char *)a->name))
            return fail(x, n, HV_EFORMAT, "unknown attribute '%s%s' on <%s>",
                        k == NS_HV ? "hv:" : "", (const char *)a->name, disp(n, d, sizeof(d)));
        /* Without a DTD there are no entities, so a value is at most one text node. */
        if (a->children && (a->children->type != XML_TEXT_NODE || a->children->next))
            return fail(x, n, HV_EFORMAT, "attribute '%s' on <%s> is not plain text",
                        (const char *)a->name, disp(n, d, sizeof(d)));
    }
    return 0;
}

/* Value of attribute `name` (no namespace), or NULL if absent. Call check_attrs first. */
static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->ns && strcmp((const char *)a->name, name) == 0)
            return a->children ? (const char *)a->children->content : "";
    }
    return NULL;
}

static int need_attr(struct xr *x, const xmlNode *n, const char *name, const char **out)
{
    char d[64];
    *out = attr(n, name);
    if (!*out)
        return fail(x, n, HV_EFORMAT, "<%s> needs a '%s' attribute", disp(n, d, sizeof(d)), name);
    return 0;
}

/* Non-element children allowed in element-only content: comments, PIs, whitespace. */
static int check_other_child(struct xr *x, const xmlNode *parent, const xmlNode *c)
{
    char d[64];
    switch (c->type) {
    case XML_COMMENT_NODE:
    case XML_PI_NODE:
        return 0;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        if (is_blank((const char *)c->content))
            return 0;
        return fail(x, c, HV_EFORMAT, "unexpected text '%.40s' in <%s>",
                    (const char *)c->content, disp(parent, d, sizeof(d)));
    default:
        return fail(x, c, HV_EFORMAT, "unsupported XML construct in <%s>",
                    disp(parent, d, sizeof(d)));
    }
}

/* Dispatch the element children of `parent` through `rules`. Each rule matches at most once
 * (every supported element but <disk>/<interface> is a singleton; those two use `multi`).
 * Elements in foreign namespaces are skipped: they belong to other tools. */
static int walk(struct xr *x, const xmlNode *parent, const struct rule *rules,
                const char *const *multi)
{
    char d1[64], d2[64];
    unsigned seen = 0;
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) {
            int rc = check_other_child(x, parent, c);
            if (rc)
                return rc;
            continue;
        }
        enum ns_kind k = ns_kind_of(c->ns);
        if (k == NS_OTHER)
            continue;
        int i = 0;
        while (rules && rules[i].name && (rules[i].ns != k || strcmp(rules[i].name, nm(c)) != 0))
            i++;
        if (!rules || !rules[i].name)
            return fail(x, c, HV_EFORMAT, "unknown element <%s> in <%s>", disp(c, d1, sizeof(d1)),
                        disp(parent, d2, sizeof(d2)));
        if ((seen & (1u << i)) && !(k == NS_CORE && in_list(multi, nm(c))))
            return fail(x, c, HV_EFORMAT, "duplicate element <%s> in <%s>",
                        disp(c, d1, sizeof(d1)), disp(parent, d2, sizeof(d2)));
        seen |= 1u << i;
        int rc = rules[i].fn(x, c);
        if (rc)
            return rc;
    }
    return 0;
}

/* An element with only the given attributes and no content. */
static int empty_elem(struct xr *x, const xmlNode *n, const char *const *allowed)
{
    int rc = check_attrs(x, n, allowed);
    return rc ? rc : walk(x, n, NULL, NULL);
}

/* An element holding one piece of text (possibly empty) and the given attributes. */
static int leaf_text(struct xr *x, const xmlNode *n, const char *const *allowed,
                     const char **out)
{
    char d1[64], d2[64];
    int rc = check_attrs(x, n, allowed);
    if (rc)
        return rc;
    const char *text = "";
    int pieces = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            text = (const char *)c->content;
            pieces++;
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        case XML_ELEMENT_NODE:
            return fail(x, c, HV_EFORMAT, "unexpected element <%s> in <%s>",
                        disp(c, d1, sizeof(d1)), disp(n, d2, sizeof(d2)));
        default:
            return fail(x, c, HV_EFORMAT, "unsupported XML construct in <%s>",
                        disp(n, d2, sizeof(d2)));
        }
    }
    if (pieces > 1)
        return fail(x, n, HV_EFORMAT, "<%s> must hold plain text (no comment inside)",
                    disp(n, d2, sizeof(d2)));
    *out = text;
    return 0;
}

/* `value` (element text or attribute value) must be a keyword of `table`. */
static int keyword(struct xr *x, const xmlNode *n, const char *what, const char *value,
                   const struct hv__kw *table, int *out)
{
    char buf[32];
    const char *t = trimmed(value, buf, sizeof(buf));
    if (t && hv__kw_lookup(table, t, out) == 0)
        return 0;
    return fail(x, n, HV_EINVAL, "invalid %s '%.64s'", what, value);
}

static int path_text(struct xr *x, const xmlNode *n, const char **dst)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    if (!*text)
        return fail(x, n, HV_EINVAL, "<%s> is empty", nm(n));
    return keep(x, n, text, dst);
}

/* libvirt memory element: number in `unit` (default KiB), result in bytes, never 0. */
static int mem_value(struct xr *x, const xmlNode *n, uint64_t *bytes)
{
    static const char *const attrs[] = {"unit", NULL};
    const char *text;
    int rc = leaf_text(x, n, attrs, &text);
    if (rc)
        return rc;
    const char *unit = attr(n, "unit");
    uint64_t scale = hv__unit_scale(unit ? unit : "KiB");
    if (!scale)
        return fail(x, n, HV_EINVAL, "invalid unit '%.32s' in <%s>", unit, nm(n));
    uint64_t v;
    rc = parse_u64(text, &v);
    if (rc == HV_ERANGE || (rc == 0 && v > UINT64_MAX / scale))
        return fail(x, n, HV_ERANGE, "size '%.64s %s' in <%s> is too large", text,
                    unit ? unit : "KiB", nm(n));
    if (rc)
        return fail(x, n, HV_EINVAL, "invalid size '%.64s' in <%s>", text, nm(n));
    if (v == 0)
        return fail(x, n, HV_EINVAL, "size '%.64s' in <%s> must not be 0", text, nm(n));
    *bytes = v * scale;
    return 0;
}

/* ---- <domain> children ----------------------------------------------------------------- */

static int el_name(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    if (!*text)
        return fail(x, n, HV_EINVAL, "<name> is empty");
    x->have_name = 1;
    return keep(x, n, text, &x->cfg->name);
}

static int el_uuid(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    if (parse_uuid(text, x->cfg->uuid))
        return fail(x, n, HV_EINVAL, "invalid uuid '%.64s'", text);
    return 0;
}

static int el_memory(struct xr *x, xmlNode *n)
{
    x->have_memory = 1;
    return mem_value(x, n, &x->cfg->mem_size);
}

static int el_current_memory(struct xr *x, xmlNode *n)
{
    x->cur_mem_node = n;
    return mem_value(x, n, &x->cur_mem);
}

static int el_vcpu(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    uint64_t v;
    rc = parse_u64(text, &v);
    if (rc == HV_EINVAL || (rc == 0 && v == 0))
        return fail(x, n, HV_EINVAL, "invalid vcpu count '%.64s'", text);
    if (rc || v > HV_MAX_VCPUS)
        return fail(x, n, HV_ERANGE, "vcpu count '%.64s' exceeds the maximum of %d", text,
                    HV_MAX_VCPUS);
    x->cfg->nr_vcpus = (unsigned)v;
    return 0;
}

static int lifecycle(struct xr *x, xmlNode *n, enum hv_lifecycle_action *dst)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    int v;
    rc = keyword(x, n, nm(n), text, hv__kw_action, &v);
    if (rc)
        return rc;
    *dst = (enum hv_lifecycle_action)v;
    return 0;
}

static int el_on_poweroff(struct xr *x, xmlNode *n)
{
    return lifecycle(x, n, &x->cfg->on_poweroff);
}

static int el_on_reboot(struct xr *x, xmlNode *n)
{
    return lifecycle(x, n, &x->cfg->on_reboot);
}

static int el_on_crash(struct xr *x, xmlNode *n)
{
    return lifecycle(x, n, &x->cfg->on_crash);
}

/* <title> and <description> are human notes: accepted, checked for shape, not stored. */
static int el_note(struct xr *x, xmlNode *n)
{
    const char *text;
    return leaf_text(x, n, NULL, &text);
}

/* <metadata> holds other applications' elements by design: its content is not ours. */
static int el_metadata(struct xr *x, xmlNode *n)
{
    return check_attrs(x, n, NULL);
}

/* ---- <os> ---------------------------------------------------------------------------- */

static int el_os_type(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"arch", "machine", NULL};
    const char *text;
    int rc = leaf_text(x, n, attrs, &text);
    if (rc)
        return rc;
    const char *arch = attr(n, "arch"), *machine = attr(n, "machine");
    if (arch && strcmp(arch, "riscv64") != 0)
        return fail(x, n, HV_EINVAL, "unsupported arch '%.32s' (only riscv64)", arch);
    if (machine && strcmp(machine, "virt") != 0)
        return fail(x, n, HV_EINVAL, "unsupported machine '%.32s' (only virt)", machine);
    int v;
    rc = keyword(x, n, "os type", text, hv__kw_backend, &v);
    if (rc)
        return rc;
    x->cfg->backend = (enum hv_backend)v;
    x->have_os_type = 1;
    return 0;
}

static int el_loader(struct xr *x, xmlNode *n)
{
    return path_text(x, n, &x->cfg->bios);
}

static int el_kernel(struct xr *x, xmlNode *n)
{
    return path_text(x, n, &x->cfg->kernel);
}

static int el_initrd(struct xr *x, xmlNode *n)
{
    return path_text(x, n, &x->cfg->initrd);
}

static int el_dtb(struct xr *x, xmlNode *n)
{
    return path_text(x, n, &x->cfg->dtb);
}

/* The command line may legitimately be empty. */
static int el_cmdline(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    return rc ? rc : keep(x, n, text, &x->cfg->cmdline);
}

static const struct rule os_rules[] = {
    {NS_CORE, "type", el_os_type},
    {NS_CORE, "loader", el_loader},
    {NS_CORE, "kernel", el_kernel},
    {NS_CORE, "initrd", el_initrd},
    {NS_CORE, "cmdline", el_cmdline},
    {NS_CORE, "dtb", el_dtb},
    {0, NULL, NULL},
};

static int el_os(struct xr *x, xmlNode *n)
{
    int rc = check_attrs(x, n, NULL);
    if (!rc)
        rc = walk(x, n, os_rules, NULL);
    if (rc)
        return rc;
    if (!x->have_os_type)
        return fail(x, n, HV_EFORMAT, "<os> has no <type>");
    x->have_os = 1;
    return 0;
}

/* ---- <disk> -------------------------------------------------------------------------- */

static int el_disk_driver(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"name", "type", NULL};
    int rc = empty_elem(x, n, attrs);
    if (rc)
        return rc;
    const char *name = attr(n, "name"), *type = attr(n, "type");
    if (name && strcmp(name, "hv") != 0)
        return fail(x, n, HV_EINVAL, "invalid driver name '%.32s' (use 'hv')", name);
    if (type && strcmp(type, "raw") != 0)
        return fail(x, n, HV_ENOTSUP, "disk format '%.32s' is not supported (only raw)", type);
    x->disk->format = HV_DISK_RAW;
    return 0;
}

static int el_disk_source(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"file", NULL};
    int rc = empty_elem(x, n, attrs);
    if (rc)
        return rc;
    if (x->disk_memory)
        return fail(x, n, HV_EFORMAT, "a disk of type 'memory' has no <source>");
    const char *file;
    rc = need_attr(x, n, "file", &file);
    if (rc)
        return rc;
    if (!*file)
        return fail(x, n, HV_EINVAL, "empty disk source file");
    x->disk_has_source = 1;
    return keep(x, n, file, &x->disk->path);
}

static int el_disk_target(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"dev", "bus", NULL};
    int rc = empty_elem(x, n, attrs);
    if (rc)
        return rc;
    const char *dev, *bus = attr(n, "bus");
    rc = need_attr(x, n, "dev", &dev);
    if (rc)
        return rc;
    if (!*dev)
        return fail(x, n, HV_EINVAL, "empty disk target dev");
    if (bus && strcmp(bus, "virtio") != 0)
        return fail(x, n, HV_ENOTSUP, "disk bus '%.32s' is not supported (only virtio)", bus);
    return keep(x, n, dev, &x->disk->target);
}

static int el_disk_readonly(struct xr *x, xmlNode *n)
{
    x->disk->readonly = 1;
    return empty_elem(x, n, NULL);
}

static int el_disk_transient(struct xr *x, xmlNode *n)
{
    x->disk->transient = 1;
    return empty_elem(x, n, NULL);
}

static int el_disk_serial(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    return rc ? rc : keep(x, n, text, &x->disk->serial);
}

static int el_disk_size(struct xr *x, xmlNode *n)
{
    if (!x->disk_memory)
        return fail(x, n, HV_EFORMAT, "<hv:size> applies only to disks of type 'memory'");
    x->disk_has_size = 1;
    return mem_value(x, n, &x->disk->mem_size);
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
    int rc = check_attrs(x, n, attrs);
    if (rc)
        return rc;
    const char *type = attr(n, "type"), *device = attr(n, "device");
    if (!type)
        type = "file";
    if (strcmp(type, "file") != 0 && strcmp(type, "memory") != 0)
        return fail(x, n, HV_ENOTSUP, "disk type '%.32s' is not supported (file or memory)",
                    type);
    if (device && strcmp(device, "disk") != 0)
        return fail(x, n, HV_ENOTSUP, "disk device '%.32s' is not supported (only disk)",
                    device);
    if (x->cfg->nr_disks >= HV_MAX_DISKS)
        return fail(x, n, HV_ELIMIT, "too many disks (at most %d)", HV_MAX_DISKS);
    x->disk = &x->cfg->disks[x->cfg->nr_disks++];
    x->disk_memory = strcmp(type, "memory") == 0;
    x->disk_has_source = x->disk_has_size = 0;
    rc = walk(x, n, disk_rules, NULL);
    if (rc)
        return rc;
    if (x->disk_memory && !x->disk_has_size)
        return fail(x, n, HV_EFORMAT, "a disk of type 'memory' needs <hv:size>");
    if (!x->disk_memory && !x->disk_has_source)
        return fail(x, n, HV_EFORMAT, "a disk of type 'file' needs <source file='...'/>");
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
    int rc = empty_elem(x, n, attrs);
    if (rc)
        return rc;
    enum hv_chardev_type t = x->chr->type;
    const char *path = attr(n, "path"), *mode = attr(n, "mode");
    if (t != HV_CHARDEV_FILE && t != HV_CHARDEV_SOCKET && t != HV_CHARDEV_PTY)
        return fail(x, n, HV_EFORMAT, "<source> is not used by %s type '%s'", x->chr_elem,
                    hv__kw_name(hv__kw_chardev, (int)t));
    if (mode && t != HV_CHARDEV_SOCKET)
        return fail(x, n, HV_EFORMAT, "unknown attribute 'mode' on <source>");
    if (mode && strcmp(mode, "bind") != 0)
        return fail(x, n, HV_ENOTSUP, "unix socket mode '%.32s' is not supported (only bind)",
                    mode);
    /* libvirt reports the allocated pty as <source path=...>: accept it, nothing to set. */
    if (t == HV_CHARDEV_PTY)
        return 0;
    rc = need_attr(x, n, "path", &path);
    if (rc)
        return rc;
    if (!*path)
        return fail(x, n, HV_EINVAL, "empty %s source path", x->chr_elem);
    x->chr_has_source = 1;
    return keep(x, n, path, &x->chr->path);
}

static int el_chr_target(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"port", "type", NULL};
    int rc = empty_elem(x, n, attrs);
    if (rc)
        return rc;
    const char *port = attr(n, "port"), *type = attr(n, "type");
    if (port && strcmp(port, "0") != 0)
        return fail(x, n, HV_ENOTSUP, "%s port '%.32s' is not supported (only port 0)",
                    x->chr_elem, port);
    if (type && strcmp(type, "serial") != 0)
        return fail(x, n, HV_ENOTSUP, "%s target type '%.32s' is not supported (only serial)",
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
    int rc = check_attrs(x, n, attrs);
    const char *type;
    if (!rc)
        rc = need_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (in_list(chardev_unsupported, type))
        return fail(x, n, HV_ENOTSUP, "%s type '%.32s' is not supported", nm(n), type);
    int v;
    if (hv__kw_lookup(hv__kw_chardev, type, &v))
        return fail(x, n, HV_EINVAL, "invalid %s type '%.32s'", nm(n), type);
    memset(chr, 0, sizeof(*chr));
    chr->type = (enum hv_chardev_type)v;
    x->chr = chr;
    x->chr_elem = nm(n);
    x->chr_has_source = 0;
    rc = walk(x, n, chr_rules, NULL);
    if (rc)
        return rc;
    if ((chr->type == HV_CHARDEV_FILE || chr->type == HV_CHARDEV_SOCKET) && !x->chr_has_source)
        return fail(x, n, HV_EFORMAT, "%s type '%s' needs <source path='...'/>", nm(n), type);
    return 0;
}

static int el_serial(struct xr *x, xmlNode *n)
{
    if (x->have_serial)
        return fail(x, n, HV_ELIMIT, "only one <serial> is supported");
    x->have_serial = 1;
    return chardev(x, n, &x->cfg->serial);
}

static int el_console(struct xr *x, xmlNode *n)
{
    if (x->have_console)
        return fail(x, n, HV_ELIMIT, "only one <console> is supported");
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
    static const char *const attrs[] = {"address", NULL};
    const char *addr;
    int rc = empty_elem(x, n, attrs);
    if (!rc)
        rc = need_attr(x, n, "address", &addr);
    if (rc)
        return rc;
    if (parse_mac(addr, x->nic->mac))
        return fail(x, n, HV_EINVAL, "invalid mac address '%.32s'", addr);
    return 0;
}

static int el_nic_model(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"type", NULL};
    const char *type;
    int rc = empty_elem(x, n, attrs);
    if (!rc)
        rc = need_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (strcmp(type, "virtio") != 0)
        return fail(x, n, HV_ENOTSUP, "nic model '%.32s' is not supported (only virtio)", type);
    return 0;
}

static int el_nic_hub(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"id", NULL};
    const char *id;
    int rc = empty_elem(x, n, attrs);
    if (!rc)
        rc = need_attr(x, n, "id", &id);
    if (rc)
        return rc;
    if (x->nic->type != HV_NET_HUB)
        return fail(x, n, HV_EFORMAT, "<hv:hub> applies only to interfaces of type 'hub'");
    uint64_t v;
    rc = parse_u64(id, &v);
    if (rc || v > UINT32_MAX)
        return fail(x, n, rc == HV_EINVAL ? HV_EINVAL : HV_ERANGE, "invalid hub id '%.32s'",
                    id);
    x->nic->hub = (unsigned)v;
    return 0;
}

static int user_only(struct xr *x, xmlNode *n)
{
    char d[64];
    if (x->nic->type != HV_NET_USER)
        return fail(x, n, HV_EFORMAT, "<%s> applies only to interfaces of type 'user'",
                    disp(n, d, sizeof(d)));
    return 0;
}

/* <hv:hostonly/>: the guest reaches only the host's loopback (config.h host_only). */
static int el_nic_hostonly(struct xr *x, xmlNode *n)
{
    int rc = empty_elem(x, n, NULL);
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
    int rc = need_attr(x, n, name, &v);
    if (rc)
        return rc;
    if (parse_u64(v, &p) || p == 0 || p > 65535)
        return fail(x, n, HV_EINVAL, "invalid port '%.32s' (1..65535)", v);
    *out = (uint16_t)p;
    return 0;
}

/* <range start='HOSTPORT' to='GUESTPORT'/>: one forward (libvirt's meaning of the two). */
static int el_fwd_range(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"start", "to", NULL};
    struct hv_net_hostfwd f = x->fwd;
    int rc = empty_elem(x, n, attrs);
    if (!rc)
        rc = port_attr(x, n, "start", &f.host_port);
    if (!rc)
        rc = port_attr(x, n, "to", &f.guest_port);
    if (rc)
        return rc;
    if (x->nic->nr_fwd >= HV_MAX_HOSTFWD)
        return fail(x, n, HV_ELIMIT, "too many port forwards (at most %d)", HV_MAX_HOSTFWD);
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
    int rc = check_attrs(x, n, attrs);
    if (!rc)
        rc = user_only(x, n);
    if (rc)
        return rc;
    const char *proto = attr(n, "proto"), *addr = attr(n, "address");
    memset(&x->fwd, 0, sizeof(x->fwd));
    if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp"))
        return fail(x, n, HV_EINVAL, "invalid portForward proto '%.16s' (tcp or udp)", proto);
    x->fwd.udp = proto && !strcmp(proto, "udp");
    x->fwd.host_addr = 0x7f000001u;
    if (addr) {
        struct in_addr a;
        if (inet_pton(AF_INET, addr, &a) != 1)
            return fail(x, n, HV_EINVAL, "invalid portForward address '%.40s'", addr);
        x->fwd.host_addr = ntohl(a.s_addr);
        if ((x->fwd.host_addr >> 24) != 127)
            return fail(x, n, HV_EINVAL, "portForward address '%.40s': only loopback "
                        "addresses (127.0.0.0/8) are allowed", addr);
    }
    return walk(x, n, fwd_rules, fwd_multi);
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
    int rc = check_attrs(x, n, attrs);
    if (!rc)
        rc = need_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (in_list(net_unsupported, type))
        return fail(x, n, HV_ENOTSUP,
                    "interface type '%.32s' is not supported (user, loopback or hub)", type);
    int v;
    if (hv__kw_lookup(hv__kw_net, type, &v))
        return fail(x, n, HV_EINVAL, "invalid interface type '%.32s'", type);
    if (x->cfg->nr_nics >= HV_MAX_NICS)
        return fail(x, n, HV_ELIMIT, "too many interfaces (at most %d)", HV_MAX_NICS);
    x->nic = &x->cfg->nics[x->cfg->nr_nics++];
    x->nic->type = (enum hv_net_type)v;
    return walk(x, n, nic_rules, nic_multi);
}

/* ---- <rng> --------------------------------------------------------------------------- */

/* libvirt spells the host entropy source out; libhv has its own, so only the usual
 * spellings are accepted (and mean the same thing). */
static int el_rng_backend(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"model", NULL};
    const char *model, *text;
    int rc = leaf_text(x, n, attrs, &text);
    if (!rc)
        rc = need_attr(x, n, "model", &model);
    if (rc)
        return rc;
    if (strcmp(model, "builtin") == 0 && !*text)
        return 0;
    if (strcmp(model, "random") == 0 &&
        (!*text || strcmp(text, "/dev/urandom") == 0 || strcmp(text, "/dev/random") == 0))
        return 0;
    return fail(x, n, HV_ENOTSUP, "rng backend '%.32s' '%.64s' is not supported", model, text);
}

static const struct rule rng_rules[] = {
    {NS_CORE, "backend", el_rng_backend},
    {0, NULL, NULL},
};

static int el_rng(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"model", NULL};
    const char *model;
    int rc = check_attrs(x, n, attrs);
    if (!rc)
        rc = need_attr(x, n, "model", &model);
    if (rc)
        return rc;
    if (strcmp(model, "virtio") != 0)
        return fail(x, n, HV_ENOTSUP, "rng model '%.32s' is not supported (only virtio)", model);
    x->cfg->rng = 1;
    return walk(x, n, rng_rules, NULL);
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

static int el_devices(struct xr *x, xmlNode *n)
{
    int rc = check_attrs(x, n, NULL);
    return rc ? rc : walk(x, n, dev_rules, dev_multi);
}

/* ---- <hv:options> -------------------------------------------------------------------- */

static int el_hv_engine(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    int v;
    rc = keyword(x, n, "engine", text, hv__kw_engine, &v);
    if (!rc)
        x->cfg->engine = (enum hv_engine)v;
    return rc;
}

static int el_hv_hugepages(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    int v;
    rc = keyword(x, n, "hugepages", text, hv__kw_hugepages, &v);
    if (!rc)
        x->cfg->hugepages = (enum hv_hugepages)v;
    return rc;
}

static int u64_attr(struct xr *x, const xmlNode *n, const char *name, uint64_t *dst)
{
    const char *s = attr(n, name);
    if (!s)
        return 0;
    int rc = parse_u64(s, dst);
    if (rc)
        return fail(x, n, rc, "invalid %s '%.32s'", name, s);
    return 0;
}

static int el_hv_deterministic(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"enabled", "seed", "insns-per-tick", NULL};
    int rc = empty_elem(x, n, attrs);
    if (!rc)
        rc = u64_attr(x, n, "seed", &x->cfg->rng_seed);
    if (!rc)
        rc = u64_attr(x, n, "insns-per-tick", &x->cfg->insns_per_tick);
    if (rc)
        return rc;
    if (x->cfg->insns_per_tick == 0)
        return fail(x, n, HV_EINVAL, "insns-per-tick must not be 0");
    const char *enabled = attr(n, "enabled");
    if (!enabled || strcmp(enabled, "yes") == 0)
        x->cfg->deterministic = 1;
    else if (strcmp(enabled, "no") == 0)
        x->cfg->deterministic = 0;
    else
        return fail(x, n, HV_EINVAL, "invalid enabled '%.32s' (yes or no)", enabled);
    return 0;
}

static int el_hv_log(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"level", NULL};
    const char *level;
    int rc = empty_elem(x, n, attrs);
    if (!rc)
        rc = need_attr(x, n, "level", &level);
    if (rc)
        return rc;
    int v;
    rc = keyword(x, n, "log level", level, hv__kw_loglevel, &v);
    if (!rc)
        x->cfg->log_level = (enum hv_log_level)v;
    return rc;
}

static const struct rule hv_rules[] = {
    {NS_HV, "engine", el_hv_engine},
    {NS_HV, "deterministic", el_hv_deterministic},
    {NS_HV, "log", el_hv_log},
    {NS_HV, "hugepages", el_hv_hugepages},
    {0, NULL, NULL},
};

static int el_hv_options(struct xr *x, xmlNode *n)
{
    int rc = check_attrs(x, n, NULL);
    return rc ? rc : walk(x, n, hv_rules, NULL);
}

static const struct rule domain_rules[] = {
    {NS_CORE, "name", el_name},
    {NS_CORE, "uuid", el_uuid},
    {NS_CORE, "title", el_note},
    {NS_CORE, "description", el_note},
    {NS_CORE, "metadata", el_metadata},
    {NS_CORE, "memory", el_memory},
    {NS_CORE, "currentMemory", el_current_memory},
    {NS_CORE, "vcpu", el_vcpu},
    {NS_CORE, "os", el_os},
    {NS_CORE, "on_poweroff", el_on_poweroff},
    {NS_CORE, "on_reboot", el_on_reboot},
    {NS_CORE, "on_crash", el_on_crash},
    {NS_CORE, "devices", el_devices},
    {NS_HV, "options", el_hv_options},
    {0, NULL, NULL},
};

static int el_domain(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"type", NULL};
    if (ns_kind_of(n->ns) != NS_CORE || strcmp(nm(n), "domain") != 0)
        return fail(x, n, HV_EFORMAT, "root element is <%s>, expected <domain>", nm(n));
    const char *type;
    int rc = check_attrs(x, n, attrs);
    if (!rc)
        rc = need_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (strcmp(type, "hv") != 0)
        return fail(x, n, HV_EINVAL, "domain type '%.32s' is not supported (use type='hv')",
                    type);
    rc = walk(x, n, domain_rules, NULL);
    if (rc)
        return rc;
    if (!x->have_name)
        return fail(x, n, HV_EFORMAT, "<domain> has no <name>");
    if (!x->have_memory)
        return fail(x, n, HV_EFORMAT, "<domain> has no <memory>");
    if (!x->have_os)
        return fail(x, n, HV_EFORMAT, "<domain> has no <os>");
    if (x->cur_mem_node && x->cur_mem > x->cfg->mem_size)
        return fail(x, x->cur_mem_node, HV_EINVAL,
                    "<currentMemory> (%llu bytes) is larger than <memory> (%llu bytes)",
                    (unsigned long long)x->cur_mem, (unsigned long long)x->cfg->mem_size);
    /* libvirt: a lone <console> is the serial port. */
    if (x->have_console && !x->have_serial)
        x->cfg->serial = x->console;
    return 0;
}

/* ---- libxml2 glue -------------------------------------------------------------------- */

/* Structured error hook of our parser context: keep the first error, print nothing. */
static void on_xml_error(void *user, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = user;
    struct parse_diag *dg = ctxt ? ctxt->_private : NULL;
    if (!dg || !e || e->level < XML_ERR_ERROR || dg->have_error)
        return;
    dg->have_error = 1;
    dg->line = e->line;
    snprintf(dg->msg, sizeof(dg->msg), "%s", e->message ? e->message : "parse error");
    size_t n = strlen(dg->msg);
    while (n && (dg->msg[n - 1] == '\n' || dg->msg[n - 1] == ' '))
        dg->msg[--n] = '\0';
}

/* DOCTYPE hook: libhv documents never need a DTD, and refusing it up front means no entity
 * is ever declared — nothing to expand, so entity bombs cannot start. */
static void on_doctype(void *user, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    xmlParserCtxtPtr ctxt = user;
    struct parse_diag *dg = ctxt->_private;
    dg->doctype_line = ctxt->input ? ctxt->input->line : 1;
    if (dg->doctype_line <= 0)
        dg->doctype_line = 1;
    xmlStopParser(ctxt);
}

static int parse_doc(const char *xml, size_t len, xmlDocPtr *out, char *err, size_t errlen)
{
    struct parse_diag dg;
    memset(&dg, 0, sizeof(dg));
    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt || !ctxt->sax) {
        xmlFreeParserCtxt(ctxt);
        return hv__errf(err, errlen, HV_ENOMEM, "out of memory");
    }
    ctxt->_private = &dg;
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    ctxt->sax->serror = on_xml_error;
    ctxt->sax->internalSubset = on_doctype;
    /* No NOENT (entities stay unexpanded), no DTDLOAD, no HUGE (keeps libxml2's limits),
     * NONET (never fetch). Blank text is skipped by the walker instead of NOBLANKS, whose
     * heuristics could eat meaningful whitespace in <cmdline>. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_BIG_LINES;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL, opts);
    int rc = 0;
    if (dg.doctype_line) {
        rc = hv__errf(err, errlen, HV_EFORMAT,
                      "line %d: DOCTYPE declarations are not supported", dg.doctype_line);
    } else if (!doc || !ctxt->wellFormed || !ctxt->nsWellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (!dg.have_error && e && e->message) {
            dg.line = e->line;
            snprintf(dg.msg, sizeof(dg.msg), "%s", e->message);
            size_t n = strlen(dg.msg);
            while (n && dg.msg[n - 1] == '\n')
                dg.msg[--n] = '\0';
        }
        rc = hv__errf(err, errlen, HV_EFORMAT, "line %d: malformed XML: %s",
                      dg.line > 0 ? dg.line : 1, dg.msg[0] ? dg.msg : "parse error");
    } else if (doc->intSubset || doc->extSubset) {
        rc = hv__errf(err, errlen, HV_EFORMAT, "line 1: DOCTYPE declarations are not supported");
    }
    if (rc) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    *out = doc;
    return rc;
}

HV_API int hv_config_from_xml(struct hv_config *cfg, const char *xml, size_t len,
                              char *errbuf, size_t errlen)
{
    if (!cfg)
        return hv__errf(errbuf, errlen, HV_EINVAL, "no config given");
    hv_config_init(cfg);
    if (!xml)
        return hv__errf(errbuf, errlen, HV_EINVAL, "no XML document given");
    if (len > MAX_DOC_BYTES)
        return hv__errf(errbuf, errlen, HV_ELIMIT, "XML document too large (%zu bytes, at most %u)",
                        len, MAX_DOC_BYTES);
    xmlDocPtr doc = NULL;
    int rc = parse_doc(xml, len, &doc, errbuf, errlen);
    if (rc)
        return rc;
    struct xr x;
    memset(&x, 0, sizeof(x));
    x.cfg = cfg;
    x.err = errbuf;
    x.errlen = errlen;
    x.root = xmlDocGetRootElement(doc);
    rc = x.root ? el_domain(&x, (xmlNode *)x.root)
                : hv__errf(errbuf, errlen, HV_EFORMAT, "line 1: empty document");
    xmlFreeDoc(doc);
    if (rc)
        hv_config_dispose(cfg); /* frees what was kept so far and restores the defaults */
    return rc;
}

/* Whole file into a malloc'd buffer. */
static int read_file(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hv__errf(err, errlen, errno == ENOENT ? HV_ENOENT : HV_EIO, "cannot open %s: %s",
                        path, strerror(errno));
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? 0 : hv__errf(err, errlen, HV_ENOMEM, "out of memory");
    while (!rc) {
        if (n == cap) {
            char *nb = cap > MAX_DOC_BYTES ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                rc = cap > MAX_DOC_BYTES
                         ? hv__errf(err, errlen, HV_ELIMIT, "%s: XML document too large", path)
                         : hv__errf(err, errlen, HV_ENOMEM, "out of memory");
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = hv__errf(err, errlen, HV_EIO, "cannot read %s", path);
            break;
        }
    }
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

HV_API int hv_config_from_xml_file(struct hv_config *cfg, const char *path, char *errbuf,
                                   size_t errlen)
{
    if (!cfg || !path)
        return hv__errf(errbuf, errlen, HV_EINVAL, "no config or path given");
    hv_config_init(cfg);
    char *data = NULL;
    size_t len = 0;
    int rc = read_file(path, &data, &len, errbuf, errlen);
    if (rc)
        return rc;
    char msg[HV__ERRLEN];
    rc = hv_config_from_xml(cfg, data, len, msg, sizeof(msg));
    free(data);
    if (rc)
        hv__errf(errbuf, errlen, rc, "%s: %s", path, msg);
    return rc;
}
