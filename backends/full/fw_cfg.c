/* SPDX-License-Identifier: MIT */
/* libhv full backend — QEMU's firmware configuration device (fw_cfg), MMIO flavour at
 * 0x10100000 as on QEMU's virt board: data register at +0 (reads of 1..8 bytes return the
 * selected item's next bytes in stream order), selector at +8 (16 bits, big-endian; writing
 * it rewinds), DMA address at +16 (not implemented: FW_CFG_ID says "traditional interface
 * only", reads return 0, writes are ignored). Read-only items, built from the VM's config at
 * create: signature "QEMU", ID, UUID, RAM size, number of CPUs, kernel command line, and an
 * empty file directory. Numbers are little-endian except the file directory (big-endian),
 * as in QEMU. Linux's qemu_fw_cfg driver and U-Boot's qfw read it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "backends/full/full.h"
#include "snapshot/stream.h"

enum {
    KEY_SIGNATURE = 0x00, KEY_ID = 0x01, KEY_UUID = 0x02, KEY_RAM_SIZE = 0x03,
    KEY_NB_CPUS = 0x05, KEY_MAX_CPUS = 0x0f, KEY_CMDLINE_SIZE = 0x14, KEY_CMDLINE_DATA = 0x15,
    KEY_FILE_DIR = 0x19,
};
#define NR_ITEMS 0x20u
#define REG_DATA 0x00u
#define REG_SELECTOR 0x08u
#define REG_DMA 0x10u

struct item {
    uint8_t *data;
    uint32_t len;
};

struct fw_cfg {
    pthread_mutex_t lock;
    struct item items[NR_ITEMS];
    uint16_t key;                 /* selected item (any 16-bit value; unknown ones read 0) */
    uint32_t offset;              /* next byte of the selected item */
};

static int put(struct fw_cfg *c, unsigned key, const void *data, size_t len)
{
    c->items[key].data = malloc(len ? len : 1);
    if (!c->items[key].data)
        return HV_ENOMEM;
    memcpy(c->items[key].data, data, len);
    c->items[key].len = (uint32_t)len;
    return 0;
}

static int put_le(struct fw_cfg *c, unsigned key, uint64_t v, unsigned size)
{
    uint8_t b[8];
    for (unsigned i = 0; i < size; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return put(c, key, b, size);
}

static int fill(struct fw_cfg *c, const struct hv_config *cfg)
{
    static const uint8_t dir[4];          /* u32 BE count of files: none */
    const char *cmd = cfg->cmdline ? cfg->cmdline : "";
    size_t cmdlen = strlen(cmd) + 1;
    unsigned cpus = cfg->nr_vcpus ? cfg->nr_vcpus : 1;
    int rc = 0;
    if ((rc = put(c, KEY_SIGNATURE, "QEMU", 4)) < 0 ||
        (rc = put_le(c, KEY_ID, 1, 4)) < 0 ||                      /* traditional only */
        (rc = put(c, KEY_UUID, cfg->uuid, sizeof cfg->uuid)) < 0 ||
        (rc = put_le(c, KEY_RAM_SIZE, cfg->mem_size, 8)) < 0 ||
        (rc = put_le(c, KEY_NB_CPUS, cpus, 2)) < 0 ||
        (rc = put_le(c, KEY_MAX_CPUS, cpus, 2)) < 0 ||
        (rc = put_le(c, KEY_CMDLINE_SIZE, cmdlen, 4)) < 0 ||
        (rc = put(c, KEY_CMDLINE_DATA, cmd, cmdlen)) < 0 ||
        (rc = put(c, KEY_FILE_DIR, dir, sizeof dir)) < 0)
        return rc;
    return 0;
}

static const struct item *selected(const struct fw_cfg *c)
{
    return c->key < NR_ITEMS ? &c->items[c->key] : NULL;
}

static int fw_cfg_read(void *opaque, uint64_t off, unsigned size, uint64_t *val)
{
    struct fw_cfg *c = opaque;
    *val = 0;
    if (off != REG_DATA)
        return off == REG_SELECTOR ? (size == 2 ? 0 : HV_EINVAL) : 0;
    pthread_mutex_lock(&c->lock);
    const struct item *it = selected(c);
    for (unsigned i = 0; i < size; i++) {
        if (it && c->offset < it->len)
            *val |= (uint64_t)it->data[c->offset] << (8 * i);
        if (c->offset < UINT32_MAX)
            c->offset++;
    }
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static int fw_cfg_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
    struct fw_cfg *c = opaque;
    if (off != REG_SELECTOR)
        return 0;                         /* data writes and the DMA address: ignored */
    if (size != 2)
        return HV_EINVAL;
    pthread_mutex_lock(&c->lock);
    c->key = (uint16_t)(((val & 0xff) << 8) | ((val >> 8) & 0xff));      /* big-endian */
    c->offset = 0;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static const struct hv_mmio_ops fw_cfg_ops = { .read = fw_cfg_read, .write = fw_cfg_write };

static void destroy(struct hvf_board *b, void *state)
{
    struct fw_cfg *c = state;
    if (!c)
        return;
    for (unsigned k = 0; k < NR_ITEMS; k++)
        free(c->items[k].data);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int create(struct hvf_board *b, unsigned i, uint64_t base, void **state, char *err,
                  size_t errlen)
{
    struct fw_cfg *c = calloc(1, sizeof(*c));
    if (!c)
        return hv__errf(err, errlen, HV_ENOMEM, "fw_cfg: out of memory");
    pthread_mutex_init(&c->lock, NULL);
    int rc = fill(c, &b->vm->cfg);
    if (rc == 0)
        rc = hv__mem_add_mmio(&b->vm->mem, base, HVF_FW_CFG_SIZE, &fw_cfg_ops, c, err, errlen);
    else
        hv__errf(err, errlen, rc, "fw_cfg: out of memory");
    if (rc < 0) {
        destroy(b, c);
        return rc;
    }
    *state = c;
    return 0;
}

/* The items come from the config, so only the read position is state. A snapshot from
 * before the device existed has no section: the selector is left at its reset value. */
static const struct hv_snap_field fields[] = {
    HV_SNAP_INT_FIELD(struct fw_cfg, key),
    HV_SNAP_INT_FIELD(struct fw_cfg, offset),
};

static const struct hv_snap_desc snap = {
    .name = "fw_cfg", .version = 1, .size = sizeof(struct fw_cfg),
    .fields = fields, .nr_fields = sizeof fields / sizeof fields[0],
};

static void save(void *state, unsigned i, struct hv_snap_w *w)
{
    struct fw_cfg *c = state;
    pthread_mutex_lock(&c->lock);
    hv__snap_put_state(w, &snap, -1, c);
    pthread_mutex_unlock(&c->lock);
}

static int load(void *state, unsigned i, const struct hv_snap_index *idx, char *err,
                size_t errlen)
{
    struct fw_cfg *c = state;
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    if (hv__snap_find(idx, snap.name)) {
        rc = hv__snap_get_state(idx, &snap, -1, c, err, errlen);
    } else {
        c->key = 0;
        c->offset = 0;
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static void fdt(struct hvf_fdt *f, const struct hvf_fdt_params *p, uint64_t base, unsigned i)
{
    hvf_fdt_node_begin(f, "fw-cfg", base, HVF_FW_CFG_SIZE, 0);
    hvf_fdt_empty(f, "dma-coherent");
    hvf_fdt_str(f, "compatible", "qemu,fw-cfg-mmio");
    hvf_fdt_end(f);
}

const struct hvf_device hvf_fw_cfg_device = {
    .name = "fw_cfg", .base = HVF_FW_CFG_BASE, .size = HVF_FW_CFG_SIZE,
    .create = create, .destroy = destroy, .save = save, .load = load, .fdt = fdt,
};
