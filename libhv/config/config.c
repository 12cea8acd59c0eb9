/* SPDX-License-Identifier: MIT */
/* libhv config — defaults, disposal of the strings a parsed config owns, the keyword
 * tables shared by the XML reader and writer, and size parsing ("128M", "1 GiB").
 * The XML itself lives in xml_read.c and xml_write.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hv/hv.h"
#include "config/config.h"

/* One allocation in a config's arena: a singly linked list, freed in one walk. */
struct owned_blk {
    struct owned_blk *next;
    char data[];
};

HV_API void hv_config_init(struct hv_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->size = sizeof(*cfg);
    cfg->backend = HV_BACKEND_FULL;
    cfg->engine = HV_ENGINE_DEFAULT;
    cfg->name = "hv";
    cfg->mem_size = 128ull << 20;
    cfg->nr_vcpus = 1;
    cfg->serial.type = HV_CHARDEV_STDIO;
    cfg->on_poweroff = HV_ACTION_DESTROY;
    cfg->on_reboot = HV_ACTION_DESTROY;
    cfg->on_crash = HV_ACTION_DESTROY;
    cfg->log_level = HV_LOG_WARN;
    cfg->insns_per_tick = 10;
}

HV_API void hv_config_dispose(struct hv_config *cfg)
{
    if (!cfg)
        return;
    hv__cfg_free_owned(cfg);
    hv_config_init(cfg);
}

char *hv__cfg_strndup(struct hv_config *cfg, const char *s, size_t n)
{
    struct owned_blk *b = malloc(sizeof(*b) + n + 1);
    if (!b)
        return NULL;
    memcpy(b->data, s, n);
    b->data[n] = '\0';
    b->next = cfg->owned_;
    cfg->owned_ = b;
    return b->data;
}

void hv__cfg_free_owned(struct hv_config *cfg)
{
    struct owned_blk *b = cfg->owned_;
    while (b) {
        struct owned_blk *next = b->next;
        free(b);
        b = next;
    }
    cfg->owned_ = NULL;
}

/* ---- keyword tables ------------------------------------------------------------------ */

/* The first entry for a value is the one the writer emits. */
const struct hv__kw hv__kw_backend[] = {
    {"hvm", HV_BACKEND_FULL},
    {"linux", HV_BACKEND_PARA},
    {"xen", HV_BACKEND_PARA},
    {NULL, 0},
};

const struct hv__kw hv__kw_engine[] = {
    {"default", HV_ENGINE_DEFAULT},
    {"interp", HV_ENGINE_INTERP},
    {"jit", HV_ENGINE_JIT},
    {"lockstep", HV_ENGINE_LOCKSTEP},
    {NULL, 0},
};

const struct hv__kw hv__kw_hugepages[] = {
    {"auto", HV_HUGEPAGES_AUTO},
    {"off", HV_HUGEPAGES_OFF},
    {"on", HV_HUGEPAGES_ON},
    {NULL, 0},
};

const struct hv__kw hv__kw_kernel_boot[] = {
    {"auto", HV_KERNEL_BOOT_AUTO},
    {"linux", HV_KERNEL_BOOT_LINUX},
    {"entry", HV_KERNEL_BOOT_ENTRY},
    {NULL, 0},
};

const struct hv__kw hv__kw_action[] = {
    {"destroy", HV_ACTION_DESTROY},
    {"restart", HV_ACTION_RESTART},
    {"preserve", HV_ACTION_PRESERVE},
    {NULL, 0},
};

/* BUFFER has no XML spelling on purpose: it needs a C callback. */
const struct hv__kw hv__kw_chardev[] = {
    {"null", HV_CHARDEV_NULL},
    {"stdio", HV_CHARDEV_STDIO},
    {"file", HV_CHARDEV_FILE},
    {"pty", HV_CHARDEV_PTY},
    {"unix", HV_CHARDEV_SOCKET},
    {NULL, 0},
};

const struct hv__kw hv__kw_net[] = {
    {"user", HV_NET_USER},
    {"loopback", HV_NET_LOOPBACK},
    {"hub", HV_NET_HUB},
    {NULL, 0},
};

const struct hv__kw hv__kw_loglevel[] = {
    {"error", HV_LOG_ERROR},
    {"warn", HV_LOG_WARN},
    {"info", HV_LOG_INFO},
    {"debug", HV_LOG_DEBUG},
    {NULL, 0},
};

int hv__kw_lookup(const struct hv__kw *table, const char *name, int *out)
{
    for (; table->name; table++) {
        if (strcmp(table->name, name) == 0) {
            *out = table->value;
            return 0;
        }
    }
    return -1;
}

const char *hv__kw_name(const struct hv__kw *table, int value)
{
    for (; table->name; table++) {
        if (table->value == value)
            return table->name;
    }
    return NULL;
}

/* ---- sizes --------------------------------------------------------------------------- */

/* Index of the prefix letter in "kmgtpe" (1-based power), or 0. */
static unsigned prefix_power(char c)
{
    static const char prefixes[] = "kmgtpe";
    const char *p = c ? strchr(prefixes, c | 0x20) : NULL;
    return p ? (unsigned)(p - prefixes) + 1 : 0;
}

static uint64_t ipow(uint64_t base, unsigned exp)
{
    uint64_t r = 1;
    while (exp--)
        r *= base;
    return r;
}

uint64_t hv__unit_scale(const char *unit)
{
    if (strcasecmp(unit, "b") == 0 || strcasecmp(unit, "byte") == 0 ||
        strcasecmp(unit, "bytes") == 0)
        return 1;
    unsigned power = prefix_power(unit[0]);
    if (!power)
        return 0;
    const char *rest = unit + 1;
    /* libvirt: a bare prefix and the "iB" form are binary, "B" alone is decimal. */
    if (*rest == '\0' || strcasecmp(rest, "ib") == 0)
        return ipow(1024, power);
    if (strcasecmp(rest, "b") == 0)
        return ipow(1000, power);
    return 0;
}

/* Command-line sizes are always binary: "128K" == "128KB" == "128KiB" == 131072. */
HV_API int hv_parse_size(const char *text, uint64_t *out)
{
    if (!text || !out)
        return HV_EINVAL;
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p < '0' || *p > '9')
        return HV_EINVAL;
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return HV_ERANGE;
        v = v * 10 + d;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    unsigned power = prefix_power(*p);
    if (power)
        p++;
    if (power && (*p == 'i' || *p == 'I')) {
        p++;
        if (*p != 'b' && *p != 'B')
            return HV_EINVAL;
    }
    if (*p == 'b' || *p == 'B')
        p++;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '\0')
        return HV_EINVAL;
    uint64_t scale = ipow(1024, power);
    if (v > UINT64_MAX / scale)
        return HV_ERANGE;
    *out = v * scale;
    return 0;
}
