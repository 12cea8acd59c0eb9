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
#include "config/xml_read.h"

#define HV_XMLNS "https://libhv.dev/xmlns/domain/1"
#define MAX_DOC_BYTES (16u << 20) /* a domain is a few KiB; refuse anything absurd */

/* Collected by the libxml2 hooks of one parser context (ctxt->_private). */
struct parse_diag {
    int have_error;
    int line;
    char msg[256];
    int doctype_line;           /* >0: a DOCTYPE was seen and parsing stopped there */
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

const char *hv__xr_nm(const xmlNode *n)
{
    return (const char *)n->name;
}

/* "disk" or "hv:engine", for messages. */
const char *hv__xr_disp(const xmlNode *n, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", ns_kind_of(n->ns) == NS_HV ? "hv:" : "", hv__xr_nm(n));
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
int hv__xr_fail(struct xr *x, const xmlNode *n, int code, const char *fmt, ...)
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
int hv__xr_parse_u64(const char *s, uint64_t *out)
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
int hv__xr_parse_mac(const char *s, uint8_t mac[6])
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

int hv__xr_keep(struct xr *x, const xmlNode *n, const char *s, const char **dst)
{
    char *copy = hv__cfg_strndup(x->cfg, s, strlen(s));
    if (!copy)
        return hv__xr_fail(x, n, HV_ENOMEM, "out of memory");
    *dst = copy;
    return 0;
}

/* ---- attributes and content ---------------------------------------------------------- */

int hv__xr_in_list(const char *const *list, const char *s)
{
    for (; list && *list; list++) {
        if (strcmp(*list, s) == 0)
            return 1;
    }
    return 0;
}

/* Every attribute of `n` in no namespace must be in `allowed` (NULL-terminated, or NULL for
 * none); attributes in foreign namespaces are ignored, hv: attributes are unknown. */
int hv__xr_check_attrs(struct xr *x, const xmlNode *n, const char *const *allowed)
{
    char d[64];
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        enum ns_kind k = ns_kind_of(a->ns);
        if (k == NS_OTHER)
            continue;
        if (k == NS_HV || !hv__xr_in_list(allowed, (const char *)a->name))
            return hv__xr_fail(x, n, HV_EFORMAT, "unknown attribute '%s%s' on <%s>",
                        k == NS_HV ? "hv:" : "", (const char *)a->name, hv__xr_disp(n, d, sizeof(d)));
        /* Without a DTD there are no entities, so a value is at most one text node. */
        if (a->children && (a->children->type != XML_TEXT_NODE || a->children->next))
            return hv__xr_fail(x, n, HV_EFORMAT, "attribute '%s' on <%s> is not plain text",
                        (const char *)a->name, hv__xr_disp(n, d, sizeof(d)));
    }
    return 0;
}

/* Value of attribute `name` (no namespace), or NULL if absent. Call check_attrs first. */
const char *hv__xr_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->ns && strcmp((const char *)a->name, name) == 0)
            return a->children ? (const char *)a->children->content : "";
    }
    return NULL;
}

int hv__xr_need_attr(struct xr *x, const xmlNode *n, const char *name, const char **out)
{
    char d[64];
    *out = hv__xr_attr(n, name);
    if (!*out)
        return hv__xr_fail(x, n, HV_EFORMAT, "<%s> needs a '%s' attribute", hv__xr_disp(n, d, sizeof(d)), name);
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
        return hv__xr_fail(x, c, HV_EFORMAT, "unexpected text '%.40s' in <%s>",
                    (const char *)c->content, hv__xr_disp(parent, d, sizeof(d)));
    default:
        return hv__xr_fail(x, c, HV_EFORMAT, "unsupported XML construct in <%s>",
                    hv__xr_disp(parent, d, sizeof(d)));
    }
}

/* Dispatch the element children of `parent` through `rules`. Each rule matches at most once
 * (every supported element but <disk>/<interface> is a singleton; those two use `multi`).
 * Elements in foreign namespaces are skipped: they belong to other tools. */
int hv__xr_walk(struct xr *x, const xmlNode *parent, const struct rule *rules,
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
        while (rules && rules[i].name && (rules[i].ns != k || strcmp(rules[i].name, hv__xr_nm(c)) != 0))
            i++;
        if (!rules || !rules[i].name)
            return hv__xr_fail(x, c, HV_EFORMAT, "unknown element <%s> in <%s>", hv__xr_disp(c, d1, sizeof(d1)),
                        hv__xr_disp(parent, d2, sizeof(d2)));
        if ((seen & (1u << i)) && !(k == NS_CORE && hv__xr_in_list(multi, hv__xr_nm(c))))
            return hv__xr_fail(x, c, HV_EFORMAT, "duplicate element <%s> in <%s>",
                        hv__xr_disp(c, d1, sizeof(d1)), hv__xr_disp(parent, d2, sizeof(d2)));
        seen |= 1u << i;
        int rc = rules[i].fn(x, c);
        if (rc)
            return rc;
    }
    return 0;
}

/* An element with only the given attributes and no content. */
int hv__xr_empty_elem(struct xr *x, const xmlNode *n, const char *const *allowed)
{
    int rc = hv__xr_check_attrs(x, n, allowed);
    return rc ? rc : hv__xr_walk(x, n, NULL, NULL);
}

/* An element holding one piece of text (possibly empty) and the given attributes. */
int hv__xr_one_attr(struct xr *x, const xmlNode *n, const char *name, const char **out)
{
    const char *const attrs[] = {name, NULL};
    int rc = hv__xr_empty_elem(x, n, attrs);
    return rc ? rc : hv__xr_need_attr(x, n, name, out);
}

int hv__xr_leaf_text(struct xr *x, const xmlNode *n, const char *const *allowed,
                     const char **out)
{
    char d1[64], d2[64];
    int rc = hv__xr_check_attrs(x, n, allowed);
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
            return hv__xr_fail(x, c, HV_EFORMAT, "unexpected element <%s> in <%s>",
                        hv__xr_disp(c, d1, sizeof(d1)), hv__xr_disp(n, d2, sizeof(d2)));
        default:
            return hv__xr_fail(x, c, HV_EFORMAT, "unsupported XML construct in <%s>",
                        hv__xr_disp(n, d2, sizeof(d2)));
        }
    }
    if (pieces > 1)
        return hv__xr_fail(x, n, HV_EFORMAT, "<%s> must hold plain text (no comment inside)",
                    hv__xr_disp(n, d2, sizeof(d2)));
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
    return hv__xr_fail(x, n, HV_EINVAL, "invalid %s '%.64s'", what, value);
}

static int path_text(struct xr *x, const xmlNode *n, const char **dst)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    if (!*text)
        return hv__xr_fail(x, n, HV_EINVAL, "<%s> is empty", hv__xr_nm(n));
    return hv__xr_keep(x, n, text, dst);
}

/* libvirt memory element: number in `unit` (default KiB), result in bytes, never 0. */
int hv__xr_mem_value(struct xr *x, const xmlNode *n, uint64_t *bytes)
{
    static const char *const attrs[] = {"unit", NULL};
    const char *text;
    int rc = hv__xr_leaf_text(x, n, attrs, &text);
    if (rc)
        return rc;
    const char *unit = hv__xr_attr(n, "unit");
    uint64_t scale = hv__unit_scale(unit ? unit : "KiB");
    if (!scale)
        return hv__xr_fail(x, n, HV_EINVAL, "invalid unit '%.32s' in <%s>", unit, hv__xr_nm(n));
    uint64_t v;
    rc = hv__xr_parse_u64(text, &v);
    if (rc == HV_ERANGE || (rc == 0 && v > UINT64_MAX / scale))
        return hv__xr_fail(x, n, HV_ERANGE, "size '%.64s %s' in <%s> is too large", text,
                    unit ? unit : "KiB", hv__xr_nm(n));
    if (rc)
        return hv__xr_fail(x, n, HV_EINVAL, "invalid size '%.64s' in <%s>", text, hv__xr_nm(n));
    if (v == 0)
        return hv__xr_fail(x, n, HV_EINVAL, "size '%.64s' in <%s> must not be 0", text, hv__xr_nm(n));
    *bytes = v * scale;
    return 0;
}

/* ---- <domain> children ----------------------------------------------------------------- */

static int el_name(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    if (!*text)
        return hv__xr_fail(x, n, HV_EINVAL, "<name> is empty");
    x->have_name = 1;
    return hv__xr_keep(x, n, text, &x->cfg->name);
}

static int el_uuid(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    if (parse_uuid(text, x->cfg->uuid))
        return hv__xr_fail(x, n, HV_EINVAL, "invalid uuid '%.64s'", text);
    return 0;
}

static int el_memory(struct xr *x, xmlNode *n)
{
    x->have_memory = 1;
    return hv__xr_mem_value(x, n, &x->cfg->mem_size);
}

static int el_current_memory(struct xr *x, xmlNode *n)
{
    x->cur_mem_node = n;
    return hv__xr_mem_value(x, n, &x->cur_mem);
}

static int el_vcpu(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    uint64_t v;
    rc = hv__xr_parse_u64(text, &v);
    if (rc == HV_EINVAL || (rc == 0 && v == 0))
        return hv__xr_fail(x, n, HV_EINVAL, "invalid vcpu count '%.64s'", text);
    if (rc || v > HV_MAX_VCPUS)
        return hv__xr_fail(x, n, HV_ERANGE, "vcpu count '%.64s' exceeds the maximum of %d", text,
                    HV_MAX_VCPUS);
    x->cfg->nr_vcpus = (unsigned)v;
    return 0;
}

static int lifecycle(struct xr *x, xmlNode *n, enum hv_lifecycle_action *dst)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    int v;
    rc = keyword(x, n, hv__xr_nm(n), text, hv__kw_action, &v);
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
    return hv__xr_leaf_text(x, n, NULL, &text);
}

/* <metadata> holds other applications' elements by design: its content is not ours. */
static int el_metadata(struct xr *x, xmlNode *n)
{
    return hv__xr_check_attrs(x, n, NULL);
}

/* ---- <os> ---------------------------------------------------------------------------- */

static int el_os_type(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"arch", "machine", NULL};
    const char *text;
    int rc = hv__xr_leaf_text(x, n, attrs, &text);
    if (rc)
        return rc;
    const char *arch = hv__xr_attr(n, "arch"), *machine = hv__xr_attr(n, "machine");
    if (arch && strcmp(arch, "riscv64") != 0)
        return hv__xr_fail(x, n, HV_EINVAL, "unsupported arch '%.32s' (only riscv64)", arch);
    if (machine && strcmp(machine, "virt") != 0)
        return hv__xr_fail(x, n, HV_EINVAL, "unsupported machine '%.32s' (only virt)", machine);
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
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    return rc ? rc : hv__xr_keep(x, n, text, &x->cfg->cmdline);
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
    int rc = hv__xr_check_attrs(x, n, NULL);
    if (!rc)
        rc = hv__xr_walk(x, n, os_rules, NULL);
    if (rc)
        return rc;
    if (!x->have_os_type)
        return hv__xr_fail(x, n, HV_EFORMAT, "<os> has no <type>");
    x->have_os = 1;
    return 0;
}

/* ---- <hv:options> -------------------------------------------------------------------- */

static int el_hv_engine(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
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
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    int v;
    rc = keyword(x, n, "hugepages", text, hv__kw_hugepages, &v);
    if (!rc)
        x->cfg->hugepages = (enum hv_hugepages)v;
    return rc;
}

static int el_hv_kernel_boot(struct xr *x, xmlNode *n)
{
    const char *text;
    int rc = hv__xr_leaf_text(x, n, NULL, &text);
    if (rc)
        return rc;
    int v;
    rc = keyword(x, n, "kernel-boot", text, hv__kw_kernel_boot, &v);
    if (!rc)
        x->cfg->kernel_boot = (enum hv_kernel_boot)v;
    return rc;
}

static int u64_attr(struct xr *x, const xmlNode *n, const char *name, uint64_t *dst)
{
    const char *s = hv__xr_attr(n, name);
    if (!s)
        return 0;
    int rc = hv__xr_parse_u64(s, dst);
    if (rc)
        return hv__xr_fail(x, n, rc, "invalid %s '%.32s'", name, s);
    return 0;
}

static int el_hv_deterministic(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"enabled", "seed", "insns-per-tick", NULL};
    int rc = hv__xr_empty_elem(x, n, attrs);
    if (!rc)
        rc = u64_attr(x, n, "seed", &x->cfg->rng_seed);
    if (!rc)
        rc = u64_attr(x, n, "insns-per-tick", &x->cfg->insns_per_tick);
    if (rc)
        return rc;
    if (x->cfg->insns_per_tick == 0)
        return hv__xr_fail(x, n, HV_EINVAL, "insns-per-tick must not be 0");
    const char *enabled = hv__xr_attr(n, "enabled");
    if (!enabled || strcmp(enabled, "yes") == 0)
        x->cfg->deterministic = 1;
    else if (strcmp(enabled, "no") == 0)
        x->cfg->deterministic = 0;
    else
        return hv__xr_fail(x, n, HV_EINVAL, "invalid enabled '%.32s' (yes or no)", enabled);
    return 0;
}

static int el_hv_log(struct xr *x, xmlNode *n)
{
    const char *level;
    int rc = hv__xr_one_attr(x, n, "level", &level);
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
    {NS_HV, "kernel-boot", el_hv_kernel_boot},
    {0, NULL, NULL},
};

static int el_hv_options(struct xr *x, xmlNode *n)
{
    int rc = hv__xr_check_attrs(x, n, NULL);
    return rc ? rc : hv__xr_walk(x, n, hv_rules, NULL);
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
    {NS_CORE, "devices", hv__xr_devices},
    {NS_HV, "options", el_hv_options},
    {0, NULL, NULL},
};

static int el_domain(struct xr *x, xmlNode *n)
{
    static const char *const attrs[] = {"type", NULL};
    if (ns_kind_of(n->ns) != NS_CORE || strcmp(hv__xr_nm(n), "domain") != 0)
        return hv__xr_fail(x, n, HV_EFORMAT, "root element is <%s>, expected <domain>", hv__xr_nm(n));
    const char *type;
    int rc = hv__xr_check_attrs(x, n, attrs);
    if (!rc)
        rc = hv__xr_need_attr(x, n, "type", &type);
    if (rc)
        return rc;
    if (strcmp(type, "hv") != 0)
        return hv__xr_fail(x, n, HV_EINVAL, "domain type '%.32s' is not supported (use type='hv')",
                    type);
    rc = hv__xr_walk(x, n, domain_rules, NULL);
    if (rc)
        return rc;
    if (!x->have_name)
        return hv__xr_fail(x, n, HV_EFORMAT, "<domain> has no <name>");
    if (!x->have_memory)
        return hv__xr_fail(x, n, HV_EFORMAT, "<domain> has no <memory>");
    if (!x->have_os)
        return hv__xr_fail(x, n, HV_EFORMAT, "<domain> has no <os>");
    if (x->cur_mem_node && x->cur_mem > x->cfg->mem_size)
        return hv__xr_fail(x, x->cur_mem_node, HV_EINVAL,
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
