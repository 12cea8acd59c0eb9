/* SPDX-License-Identifier: MIT */
/* libhv config — writes a struct hv_config as domain XML (docs/XML.md). Only parts that
 * differ from the defaults are emitted, and reading the result back gives the same config.
 * Things XML cannot carry (a BUFFER chardev's callback) make the call fail with HV_ENOTSUP. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hv/hv.h"
#include "config/config.h"

#define HV_XMLNS "https://libhv.dev/xmlns/domain/1"

/* Growable output string; `oom` latches the first allocation failure. */
struct sb {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_grow(struct sb *b, size_t need)
{
    if (b->oom || b->len + need + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + need + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    sb_grow(b, (size_t)n);
    if (b->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Text or attribute value, escaped for use between single quotes or in content. */
static void sb_esc(struct sb *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': sb_printf(b, "&amp;"); break;
        case '<': sb_printf(b, "&lt;"); break;
        case '>': sb_printf(b, "&gt;"); break;
        case '\'': sb_printf(b, "&apos;"); break;
        case '"': sb_printf(b, "&quot;"); break;
        /* Parsers normalise raw tabs and newlines in attributes (and CR everywhere):
         * character references survive that. */
        case '\t': sb_printf(b, "&#9;"); break;
        case '\n': sb_printf(b, "&#10;"); break;
        case '\r': sb_printf(b, "&#13;"); break;
        default: sb_printf(b, "%c", *s); break;
        }
    }
}

/* <tag>escaped text</tag> on its own line. */
static void sb_elem(struct sb *b, const char *indent, const char *tag, const char *text)
{
    sb_printf(b, "%s<%s>", indent, tag);
    sb_esc(b, text);
    sb_printf(b, "</%s>\n", tag);
}

/* A memory element in the largest unit that represents `bytes` exactly. */
static void sb_size(struct sb *b, const char *indent, const char *tag, uint64_t bytes)
{
    static const struct { const char *unit; unsigned shift; } units[] = {
        {"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"b", 0},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        uint64_t mask = (1ull << units[i].shift) - 1;
        if ((bytes & mask) == 0) {
            sb_printf(b, "%s<%s unit='%s'>%llu</%s>\n", indent, tag, units[i].unit,
                      (unsigned long long)(bytes >> units[i].shift), tag);
            return;
        }
    }
}

/* XML 1.0 cannot carry most control characters, so such strings cannot round-trip. */
static int xml_safe(const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return 0;
    }
    return 1;
}

static int nonempty_or_null(const char *s)
{
    return !s || (*s && xml_safe(s));
}

static int is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i])
            return 0;
    }
    return 1;
}

/* Everything the writer cannot express is rejected before any output is produced. */
static int check_config(const struct hv_config *cfg)
{
    if (cfg->serial.type == HV_CHARDEV_BUFFER)
        return HV_ENOTSUP; /* needs a C callback: no XML spelling */
    if (!cfg->name || !*cfg->name || !xml_safe(cfg->name) || cfg->mem_size == 0 ||
        cfg->nr_vcpus == 0 || cfg->nr_vcpus > HV_MAX_VCPUS || cfg->nr_disks > HV_MAX_DISKS ||
        cfg->nr_nics > HV_MAX_NICS || cfg->insns_per_tick == 0)
        return HV_EINVAL;
    if (!hv__kw_name(hv__kw_backend, cfg->backend) || !hv__kw_name(hv__kw_engine, cfg->engine) ||
        !hv__kw_name(hv__kw_action, cfg->on_poweroff) ||
        !hv__kw_name(hv__kw_action, cfg->on_reboot) ||
        !hv__kw_name(hv__kw_action, cfg->on_crash) ||
        !hv__kw_name(hv__kw_loglevel, cfg->log_level) ||
        !hv__kw_name(hv__kw_hugepages, cfg->hugepages) ||
        !hv__kw_name(hv__kw_kernel_boot, cfg->kernel_boot) ||
        !hv__kw_name(hv__kw_chardev, cfg->serial.type))
        return HV_EINVAL;
    if (!nonempty_or_null(cfg->bios) || !nonempty_or_null(cfg->kernel) ||
        !nonempty_or_null(cfg->initrd) || !nonempty_or_null(cfg->dtb) || !xml_safe(cfg->cmdline))
        return HV_EINVAL;
    int needs_path = cfg->serial.type == HV_CHARDEV_FILE || cfg->serial.type == HV_CHARDEV_SOCKET;
    if (needs_path && (!cfg->serial.path || !nonempty_or_null(cfg->serial.path)))
        return HV_EINVAL;
    for (unsigned i = 0; i < cfg->nr_disks; i++) {
        const struct hv_disk_config *d = &cfg->disks[i];
        if ((!d->path && d->mem_size == 0) || !nonempty_or_null(d->path) ||
            !nonempty_or_null(d->target) || !xml_safe(d->serial) || d->format != HV_DISK_RAW)
            return HV_EINVAL;
    }
    for (unsigned i = 0; i < cfg->nr_nics; i++) {
        const struct hv_net_config *n = &cfg->nics[i];
        if (!hv__kw_name(hv__kw_net, n->type) || (n->mac[0] & 1))
            return HV_EINVAL;
        /* User-network settings exist only in <interface type='user'>; forwards as the
         * reader accepts them (loopback host address, ports 1..65535). */
        if (n->type != HV_NET_USER && (n->host_only || n->nr_fwd))
            return HV_EINVAL;
        if (n->nr_fwd > HV_MAX_HOSTFWD)
            return HV_EINVAL;
        for (unsigned k = 0; k < n->nr_fwd; k++) {
            const struct hv_net_hostfwd *f = &n->fwd[k];
            if ((f->host_addr && (f->host_addr >> 24) != 127) || !f->host_port ||
                !f->guest_port)
                return HV_EINVAL;
        }
    }
    return 0;
}

static void write_os(struct sb *b, const struct hv_config *cfg)
{
    sb_printf(b, "  <os>\n    <type arch='riscv64' machine='virt'>%s</type>\n",
              hv__kw_name(hv__kw_backend, cfg->backend));
    if (cfg->bios)
        sb_elem(b, "    ", "loader", cfg->bios);
    if (cfg->kernel)
        sb_elem(b, "    ", "kernel", cfg->kernel);
    if (cfg->initrd)
        sb_elem(b, "    ", "initrd", cfg->initrd);
    if (cfg->cmdline)
        sb_elem(b, "    ", "cmdline", cfg->cmdline);
    if (cfg->dtb)
        sb_elem(b, "    ", "dtb", cfg->dtb);
    sb_printf(b, "  </os>\n");
}

static void write_lifecycle(struct sb *b, const char *tag, enum hv_lifecycle_action a)
{
    if (a != HV_ACTION_DESTROY)
        sb_elem(b, "  ", tag, hv__kw_name(hv__kw_action, a));
}

static void write_disk(struct sb *b, const struct hv_disk_config *d)
{
    sb_printf(b, "    <disk type='%s' device='disk'>\n", d->path ? "file" : "memory");
    sb_printf(b, "      <driver name='hv' type='raw'/>\n");
    if (d->path) {
        sb_printf(b, "      <source file='");
        sb_esc(b, d->path);
        sb_printf(b, "'/>\n");
    } else {
        sb_size(b, "      ", "hv:size", d->mem_size);
    }
    if (d->target) {
        sb_printf(b, "      <target dev='");
        sb_esc(b, d->target);
        sb_printf(b, "' bus='virtio'/>\n");
    }
    if (d->readonly)
        sb_printf(b, "      <readonly/>\n");
    if (d->transient)
        sb_printf(b, "      <transient/>\n");
    if (d->serial)
        sb_elem(b, "      ", "serial", d->serial);
    sb_printf(b, "    </disk>\n");
}

static void write_serial(struct sb *b, const struct hv_chardev_config *c)
{
    sb_printf(b, "    <serial type='%s'", hv__kw_name(hv__kw_chardev, c->type));
    if (c->type != HV_CHARDEV_FILE && c->type != HV_CHARDEV_SOCKET) {
        sb_printf(b, "/>\n");
        return;
    }
    sb_printf(b, ">\n      <source %spath='", c->type == HV_CHARDEV_SOCKET ? "mode='bind' " : "");
    sb_esc(b, c->path);
    sb_printf(b, "'/>\n    </serial>\n");
}

static void write_nic(struct sb *b, const struct hv_net_config *n)
{
    const char *type = hv__kw_name(hv__kw_net, n->type);
    int has_mac = !is_zero(n->mac, sizeof(n->mac));
    int user_opts = n->type == HV_NET_USER && (n->host_only || n->nr_fwd);
    if (!has_mac && n->type != HV_NET_HUB && !user_opts) {
        sb_printf(b, "    <interface type='%s'/>\n", type);
        return;
    }
    sb_printf(b, "    <interface type='%s'>\n", type);
    if (has_mac)
        sb_printf(b, "      <mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n", n->mac[0],
                  n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
    if (n->type == HV_NET_HUB)
        sb_printf(b, "      <hv:hub id='%u'/>\n", n->hub);
    if (n->type == HV_NET_USER && n->host_only)
        sb_printf(b, "      <hv:hostonly/>\n");
    for (unsigned i = 0; n->type == HV_NET_USER && i < n->nr_fwd && i < HV_MAX_HOSTFWD; i++) {
        const struct hv_net_hostfwd *f = &n->fwd[i];
        uint32_t a = f->host_addr ? f->host_addr : 0x7f000001u;
        sb_printf(b, "      <portForward proto='%s' address='%u.%u.%u.%u'>\n"
                  "        <range start='%u' to='%u'/>\n      </portForward>\n",
                  f->udp ? "udp" : "tcp", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
                  f->host_port, f->guest_port);
    }
    sb_printf(b, "    </interface>\n");
}

static void write_devices(struct sb *b, const struct hv_config *cfg)
{
    int serial = cfg->serial.type != HV_CHARDEV_STDIO;
    if (!serial && !cfg->nr_disks && !cfg->nr_nics && !cfg->rng)
        return;
    sb_printf(b, "  <devices>\n");
    for (unsigned i = 0; i < cfg->nr_disks; i++)
        write_disk(b, &cfg->disks[i]);
    if (serial)
        write_serial(b, &cfg->serial);
    for (unsigned i = 0; i < cfg->nr_nics; i++)
        write_nic(b, &cfg->nics[i]);
    if (cfg->rng)
        sb_printf(b, "    <rng model='virtio'/>\n");
    sb_printf(b, "  </devices>\n");
}

static void write_options(struct sb *b, const struct hv_config *cfg)
{
    int det = cfg->deterministic || cfg->rng_seed || cfg->insns_per_tick != 10;
    if (cfg->engine == HV_ENGINE_DEFAULT && !det && cfg->log_level == HV_LOG_WARN &&
        cfg->hugepages == HV_HUGEPAGES_AUTO && cfg->kernel_boot == HV_KERNEL_BOOT_AUTO)
        return;
    sb_printf(b, "  <hv:options>\n");
    if (cfg->engine != HV_ENGINE_DEFAULT)
        sb_elem(b, "    ", "hv:engine", hv__kw_name(hv__kw_engine, cfg->engine));
    /* enabled='no' keeps a seed or tick rate that was set without turning the mode on. */
    if (det)
        sb_printf(b, "    <hv:deterministic%s seed='%llu' insns-per-tick='%llu'/>\n",
                  cfg->deterministic ? "" : " enabled='no'", (unsigned long long)cfg->rng_seed,
                  (unsigned long long)cfg->insns_per_tick);
    if (cfg->log_level != HV_LOG_WARN)
        sb_printf(b, "    <hv:log level='%s'/>\n", hv__kw_name(hv__kw_loglevel, cfg->log_level));
    if (cfg->hugepages != HV_HUGEPAGES_AUTO)
        sb_elem(b, "    ", "hv:hugepages", hv__kw_name(hv__kw_hugepages, cfg->hugepages));
    if (cfg->kernel_boot != HV_KERNEL_BOOT_AUTO)
        sb_elem(b, "    ", "hv:kernel-boot", hv__kw_name(hv__kw_kernel_boot, cfg->kernel_boot));
    sb_printf(b, "  </hv:options>\n");
}

HV_API int hv_config_to_xml(const struct hv_config *cfg, char **out)
{
    if (!cfg || !out)
        return HV_EINVAL;
    *out = NULL;
    int rc = check_config(cfg);
    if (rc)
        return rc;
    struct sb b = {0};
    sb_printf(&b, "<domain type='hv' xmlns:hv='%s'>\n", HV_XMLNS);
    sb_elem(&b, "  ", "name", cfg->name);
    if (!is_zero(cfg->uuid, sizeof(cfg->uuid))) {
        const uint8_t *u = cfg->uuid;
        sb_printf(&b, "  <uuid>%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                      "%02x%02x%02x%02x%02x%02x</uuid>\n",
                  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
                  u[12], u[13], u[14], u[15]);
    }
    sb_size(&b, "  ", "memory", cfg->mem_size);
    if (cfg->nr_vcpus != 1)
        sb_printf(&b, "  <vcpu>%u</vcpu>\n", cfg->nr_vcpus);
    write_os(&b, cfg);
    write_lifecycle(&b, "on_poweroff", cfg->on_poweroff);
    write_lifecycle(&b, "on_reboot", cfg->on_reboot);
    write_lifecycle(&b, "on_crash", cfg->on_crash);
    write_devices(&b, cfg);
    write_options(&b, cfg);
    sb_printf(&b, "</domain>\n");
    if (b.oom) {
        free(b.p);
        return HV_ENOMEM;
    }
    *out = b.p;
    return 0;
}
