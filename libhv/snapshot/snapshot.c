/* SPDX-License-Identifier: MIT */
/* libhv snapshot — the public snapshot, checkpoint/rollback and state-hash API: the file
 * format (header, zlib section stream, CRC trailer), guest RAM as per-region page bitmaps
 * with zero pages skipped, all-or-nothing loading, and rollback driven by the dirty log.
 *
 * File layout (little-endian):
 *   header (64 bytes, not compressed): "HVSNAP\r\n", u32 format version, u32 libhv version,
 *     u32 backend, u32 nr_vcpus, u64 RAM size, u64 config hash, u32 flags (bit 0:
 *     deterministic), u32 header size, 16 reserved bytes (0);
 *   a zlib stream of sections (stream.h): "vm", "clock", "cpu.N"/"vcpu.N" per created
 *     vCPU, the backend's sections, then "ram.K" per RAM/ROM region (u64 gpa, u64 size,
 *     a bitmap with one bit per 4 KiB page, then the pages whose bit is set in order);
 *   trailer (24 bytes): u64 raw stream length, u64 compressed length, u32 CRC32 of every
 *     byte before it, "HVND".
 * Loading reads the whole file, checks the framing, the CRC, the machine and the RAM
 * sections before touching the VM; the device state is then applied with a backup of the
 * current state that is re-applied if any component refuses its section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <zlib.h>
#include "core/engine.h"
#include "core/vm.h"
#include "hv/snapshot.h"
#include "snapshot/stream.h"

#define FORMAT_VERSION 1u
#define HDR_SIZE 64u
#define TRAILER_SIZE 24u
#define PAGE HV_PAGE_SIZE
static const char MAGIC[8] = { 'H', 'V', 'S', 'N', 'A', 'P', '\r', '\n' };
#define FLAG_DETERMINISTIC 1u

#define VM_SNAP_VERSION 1
#define VCPU_SNAP_VERSION 1
#define RAM_SNAP_VERSION 1

struct hv_checkpoint {
    const struct hv_vm *vm;           /* identity only: never dereferenced after creation */
    uint64_t gen;
    struct hv_snap_w state;           /* raw sections: vm, clock, cpus, backend */
    struct hv_snap_index idx;
    unsigned nr;
    struct cp_region {
        uint64_t gpa, size;
        uint8_t *copy;                /* anonymous mapping: zero pages never touched */
    } reg[HV_MEM_MAX_REGIONS];
};

/* ---- helpers ----------------------------------------------------------------------------- */

static int check_stopped(struct hv_vm *vm, const char *what)
{
    if (atomic_load(&vm->running) > 0)
        return hv__vm_error(vm, HV_EBUSY, "%s: not allowed while a vCPU runs", what);
    return 0;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t fnv(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    return h;
}

/* The config fields that define the machine (not file paths, names or the engine). */
static uint64_t config_hash(const struct hv_config *c)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, (uint64_t)c->backend);
    h = fnv(h, c->mem_size);
    h = fnv(h, c->nr_vcpus);
    h = fnv(h, c->nr_disks);
    h = fnv(h, c->nr_nics);
    h = fnv(h, c->rng != 0);
    h = fnv(h, c->deterministic != 0);
    h = fnv(h, c->deterministic ? c->insns_per_tick : 0);
    return h;
}

static const char *backend_name(uint32_t b)
{
    return b == HV_BACKEND_FULL ? "full" : b == HV_BACKEND_PARA ? "para" : "unknown";
}

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)(const void *)p;
    for (unsigned i = 0; i < PAGE / 8; i += 8) {
        uint64_t acc = w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] |
                       w[i + 6] | w[i + 7];
        if (acc)
            return false;
    }
    return true;
}

/* Pages of [host, host+size) the host kernel has never backed (neither present nor
 * swapped: /proc/self/pagemap bits 63/62) are zero without reading them; reading them would
 * fault in the shared zero page, page by page (a sparse 1 GiB guest: seconds). Returns a
 * malloc'd array with one byte per page, 1 = may hold data, or NULL when pagemap is not
 * readable (then every page is checked). */
static uint8_t *backed_pages(const uint8_t *host, uint64_t size)
{
    uint64_t pages = size / PAGE;
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    uint8_t *backed = malloc(pages ? pages : 1);
    uint64_t ent[512];
    uint64_t first = (uint64_t)(uintptr_t)host / PAGE;
    for (uint64_t p = 0; backed && p < pages;) {
        uint64_t n = pages - p < 512 ? pages - p : 512;
        ssize_t k = pread(fd, ent, n * 8, (off_t)((first + p) * 8));
        if (k != (ssize_t)(n * 8)) {
            free(backed);
            backed = NULL;
            break;
        }
        for (uint64_t i = 0; i < n; i++)
            backed[p + i] = (ent[i] >> 62) != 0;
        p += n;
    }
    close(fd);
    return backed;
}

static bool maybe_data(const uint8_t *backed, const uint8_t *host, uint64_t page)
{
    return (!backed || backed[page]) && !page_is_zero(host + page * PAGE);
}

static uint32_t vcpu_mask(const struct hv_vm *vm)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (vm->vcpus[i])
            m |= 1u << i;
    return m;
}

/* Engines cache decoded/translated code and translations: drop them all. */
static void flush_engines(struct hv_vm *vm)
{
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hv_vcpu *v = vm->vcpus[i];
        if (!v)
            continue;
        hv__engine_code_written(&v->cpu, 0, ~0ull);
        hv__cpu_tlb_flush(&v->cpu);
        v->cpu.exit_request = 1;
    }
}

/* A restored state never completes an exit with whatever the embedder passes to the next
 * hv_vcpu_run: an MMIO access or hypercall that was waiting for an answer when the state
 * was saved is made again (the instruction re-executes and exits again). */
static void cancel_exits(struct hv_vm *vm)
{
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        struct hv_vcpu *v = vm->vcpus[i];
        if (!v || (v->last_exit.reason != HV_EXIT_MMIO &&
                   v->last_exit.reason != HV_EXIT_HYPERCALL))
            continue;
        if (vm->ops->vcpu_cancel_exit)
            vm->ops->vcpu_cancel_exit(v);
        v->last_exit.reason = HV_EXIT_NONE;
    }
}

/* ---- CPU and device state (everything but RAM) ------------------------------------------- */

static void save_vcpu(const struct hv_vcpu *v, struct hv_snap_w *w)
{
    hv__cpu_snapshot_save(&v->cpu, v->id, w);
    /* An exit the embedder still has to answer (MMIO read data, hypercall result). */
    hv__snap_begin_idx(w, "vcpu", v->id, VCPU_SNAP_VERSION);
    hv__snap_put_u32(w, (uint32_t)v->last_exit.reason);
    hv__snap_put_u64(w, v->last_exit.pc);
    hv__snap_put_u32(w, (uint32_t)sizeof(v->last_exit.u));
    hv__snap_put_bytes(w, &v->last_exit.u, sizeof(v->last_exit.u));
    hv__snap_end(w);
}

static int load_vcpu(struct hv_vcpu *v, const struct hv_snap_index *idx, char *err,
                     size_t errlen)
{
    struct hv_snap_r r;
    struct hv_exit e;
    memset(&e, 0, sizeof(e));
    hv__snap_r_open_idx(&r, idx, "vcpu", v->id, VCPU_SNAP_VERSION);
    uint32_t reason = hv__snap_get_u32(&r);
    e.pc = hv__snap_get_u64(&r);
    if (hv__snap_get_u32(&r) != sizeof(e.u))
        hv__snap_r_fail(&r, "exit record size differs (another build of libhv)");
    hv__snap_get_bytes(&r, &e.u, sizeof(e.u));
    if (reason > HV_EXIT_INTERNAL)
        hv__snap_r_fail(&r, "exit reason %u", reason);
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc < 0)
        return rc;
    rc = hv__cpu_snapshot_load(&v->cpu, v->id, idx, err, errlen);
    if (rc < 0)
        return rc;
    e.reason = (enum hv_exit_reason)reason;
    v->last_exit = e;
    return 0;
}

static int save_state(struct hv_vm *vm, struct hv_snap_w *w)
{
    hv__snap_begin(w, "vm", VM_SNAP_VERSION);
    hv__snap_put_u32(w, vcpu_mask(vm));
    hv__snap_end(w);
    hv__clock_snapshot_save(&vm->clock, w);
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (vm->vcpus[i])
            save_vcpu(vm->vcpus[i], w);
    if (!vm->ops->snapshot_save)
        hv__snap_w_fail(w, HV_ENOTSUP, "backend %s cannot save snapshots", vm->ops->name);
    else if (!w->err)
        vm->ops->snapshot_save(vm, w);
    if (w->err)
        return hv__vm_error(vm, w->err, "snapshot: %s", w->msg);
    return 0;
}

static int load_state(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                      size_t errlen)
{
    struct hv_snap_r r;
    hv__snap_r_open(&r, idx, "vm", VM_SNAP_VERSION);
    uint32_t mask = hv__snap_get_u32(&r);
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc < 0)
        return rc;
    if (mask != vcpu_mask(vm))
        return hv__errf(err, errlen, HV_ESTATE, "the snapshot has vCPUs %#x created, this "
                        "VM %#x: create the same vCPUs before loading", mask, vcpu_mask(vm));
    if (!vm->ops->snapshot_load)
        return hv__errf(err, errlen, HV_ENOTSUP, "backend %s cannot load snapshots",
                        vm->ops->name);
    if ((rc = hv__clock_snapshot_load(&vm->clock, idx, err, errlen)) < 0)
        return rc;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (vm->vcpus[i] && (rc = load_vcpu(vm->vcpus[i], idx, err, errlen)) < 0)
            return rc;
    return vm->ops->snapshot_load(vm, idx, err, errlen);
}

/* Apply state from `idx`; if any component refuses, re-apply the state the VM had. */
static int apply_state_atomic(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                              size_t errlen)
{
    struct hv_snap_w backup;
    hv__snap_w_init_mem(&backup);
    int rc = save_state(vm, &backup);
    if (rc < 0) {
        hv__snap_w_free(&backup);
        return hv__errf(err, errlen, rc, "cannot back up the current state: %s",
                        vm->last_error);
    }
    rc = load_state(vm, idx, err, errlen);
    if (rc < 0) {
        struct hv_snap_index bidx;
        char e2[HV__ERRLEN];
        if (hv__snap_index_build(&bidx, backup.buf, backup.len, e2, sizeof(e2)) == 0) {
            load_state(vm, &bidx, e2, sizeof(e2));
            hv__snap_index_free(&bidx);
        }
    }
    hv__snap_w_free(&backup);
    return rc;
}

/* ---- RAM ------------------------------------------------------------------------------ */

static bool is_mem(const struct hv_region *r) { return r->host != NULL; }

static void save_ram(struct hv_vm *vm, struct hv_snap_w *w)
{
    unsigned k = 0;
    for (unsigned i = 0; i < vm->mem.nr_regions && !w->err; i++) {
        const struct hv_region *r = &vm->mem.regions[i];
        if (!is_mem(r))
            continue;
        uint64_t pages = r->size / PAGE, bm_len = (pages + 7) / 8, nz = 0;
        uint8_t *bm = calloc(1, bm_len ? bm_len : 1);
        if (!bm) {
            hv__snap_w_fail(w, HV_ENOMEM, "out of memory for the page bitmap");
            return;
        }
        uint8_t *backed = backed_pages(r->host, r->size);
        for (uint64_t p = 0; p < pages; p++)
            if (maybe_data(backed, r->host, p)) {
                bm[p / 8] |= (uint8_t)(1u << (p % 8));
                nz++;
            }
        free(backed);
        char name[24];
        snprintf(name, sizeof(name), "ram.%u", k++);
        hv__snap_begin_sized(w, name, RAM_SNAP_VERSION, 16 + bm_len + nz * PAGE);
        hv__snap_put_u64(w, r->gpa);
        hv__snap_put_u64(w, r->size);
        hv__snap_put_bytes(w, bm, bm_len);
        for (uint64_t p = 0; p < pages && !w->err; p++)
            if (bm[p / 8] & (1u << (p % 8)))
                hv__snap_put_bytes(w, r->host + p * PAGE, PAGE);
        hv__snap_end(w);
        free(bm);
    }
}

struct ram_plan {
    struct hv_region *r;
    const uint8_t *bm;
    const uint8_t *pages;
};

/* Check every ram.K section against the VM's memory map before anything is changed. */
static int plan_ram(struct hv_vm *vm, const struct hv_snap_index *idx, struct ram_plan *plan,
                    unsigned *nr, char *err, size_t errlen)
{
    unsigned k = 0;
    for (unsigned i = 0; i < vm->mem.nr_regions; i++) {
        struct hv_region *reg = &vm->mem.regions[i];
        if (!is_mem(reg))
            continue;
        struct hv_snap_r r;
        hv__snap_r_open_idx(&r, idx, "ram", k, RAM_SNAP_VERSION);
        uint64_t gpa = hv__snap_get_u64(&r), size = hv__snap_get_u64(&r);
        if (hv__snap_r_ok(&r) && (gpa != reg->gpa || size != reg->size))
            hv__snap_r_fail(&r, "memory map differs: snapshot region %#llx+%#llx, VM region "
                            "%#llx+%#llx", (unsigned long long)gpa, (unsigned long long)size,
                            (unsigned long long)reg->gpa, (unsigned long long)reg->size);
        uint64_t pages = reg->size / PAGE, bm_len = (pages + 7) / 8, nz = 0;
        const uint8_t *bm = hv__snap_get_ptr(&r, bm_len);
        for (uint64_t b = 0; bm && b < bm_len; b++)
            nz += (uint64_t)__builtin_popcount(bm[b]);
        if (bm && (pages % 8) && (bm[bm_len - 1] >> (pages % 8)))
            hv__snap_r_fail(&r, "page bitmap has bits past the region's end");
        const uint8_t *data = hv__snap_get_ptr(&r, nz * PAGE);
        int rc = hv__snap_r_close(&r, err, errlen);
        if (rc < 0)
            return rc;
        plan[k++] = (struct ram_plan){ .r = reg, .bm = bm, .pages = data };
    }
    char extra[24];
    snprintf(extra, sizeof(extra), "ram.%u", k);
    if (hv__snap_find(idx, extra))
        return hv__errf(err, errlen, HV_ESTATE, "memory map differs: the snapshot has more "
                        "RAM/ROM regions than this VM (%u)", k);
    *nr = k;
    return 0;
}

static void apply_ram(const struct ram_plan *plan, unsigned nr)
{
    for (unsigned k = 0; k < nr; k++) {
        struct hv_region *r = plan[k].r;
        /* Private anonymous memory reads back as zeros after MADV_DONTNEED: that clears the
         * pages the snapshot leaves out and gives their memory back to the host. */
        if (madvise(r->host, r->size, MADV_DONTNEED) != 0)
            memset(r->host, 0, r->size);
        const uint8_t *src = plan[k].pages;
        uint64_t pages = r->size / PAGE;
        for (uint64_t p = 0; p < pages; p++)
            if (plan[k].bm[p / 8] & (1u << (p % 8))) {
                memcpy(r->host + p * PAGE, src, PAGE);
                src += PAGE;
            }
    }
}

/* ---- snapshot files ------------------------------------------------------------------- */

static uint64_t mem_bytes(const struct hv_vm *vm)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < vm->mem.nr_regions; i++)
        if (is_mem(&vm->mem.regions[i]))
            n += vm->mem.regions[i].size;
    return n;
}

HV_API int hv_vm_snapshot_save(hv_vm *vm, int fd)
{
    if (!vm || fd < 0)
        return HV_EINVAL;
    int rc = check_stopped(vm, "hv_vm_snapshot_save");
    if (rc < 0)
        return rc;
    uint8_t hdr[HDR_SIZE];
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, MAGIC, 8);
    put_le(hdr + 8, FORMAT_VERSION, 4);
    put_le(hdr + 12, HV_VERSION, 4);
    put_le(hdr + 16, (uint32_t)vm->cfg.backend, 4);
    put_le(hdr + 20, vm->cfg.nr_vcpus, 4);
    put_le(hdr + 24, vm->cfg.mem_size, 8);
    put_le(hdr + 32, config_hash(&vm->cfg), 8);
    put_le(hdr + 40, vm->cfg.deterministic ? FLAG_DETERMINISTIC : 0, 4);
    put_le(hdr + 44, HDR_SIZE, 4);
    struct hv_snap_w w;
    rc = hv__snap_w_init_fd(&w, fd, 1, hdr, sizeof(hdr));
    if (rc == 0)
        rc = save_state(vm, &w);
    if (rc == 0) {
        save_ram(vm, &w);
        rc = hv__snap_w_finish(&w);
        if (rc < 0)
            hv__vm_error(vm, rc, "snapshot: %s", w.msg);
    } else if (w.err) {
        hv__vm_error(vm, rc, "snapshot: %s", w.msg);
    }
    hv__snap_w_free(&w);
    return rc;
}

/* Read fd to EOF, at most `limit` bytes. */
static int read_file(struct hv_vm *vm, int fd, uint64_t limit, uint8_t **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= limit)
        cap = (size_t)st.st_size + 1;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return hv__vm_error(vm, HV_ENOMEM, "snapshot: out of memory reading the file");
    for (;;) {
        if (n == cap) {
            if (cap >= limit) {
                free(buf);
                return hv__vm_error(vm, HV_EFORMAT, "snapshot: file larger than any "
                                    "snapshot of this VM (%llu bytes)",
                                    (unsigned long long)limit);
            }
            size_t nc = cap * 2 > limit ? (size_t)limit : cap * 2;
            uint8_t *nb = realloc(buf, nc);
            if (!nb) {
                free(buf);
                return hv__vm_error(vm, HV_ENOMEM, "snapshot: out of memory reading the file");
            }
            buf = nb;
            cap = nc;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            free(buf);
            return hv__vm_error(vm, HV_EIO, "snapshot: read failed: %s", strerror(e));
        }
        if (k == 0)
            break;
        n += (size_t)k;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Header, trailer and CRC; then the machine must match this VM. */
static int check_file(struct hv_vm *vm, const uint8_t *f, size_t len, uint64_t *raw_len)
{
    if (len < 8 || memcmp(f, MAGIC, 8))
        return hv__vm_error(vm, HV_EFORMAT, "not a libhv snapshot (bad magic)");
    if (len < HDR_SIZE + TRAILER_SIZE)
        return hv__vm_error(vm, HV_EFORMAT, "snapshot truncated: %zu bytes", len);
    uint32_t version = (uint32_t)get_le(f + 8, 4);
    if (version != FORMAT_VERSION)
        return hv__vm_error(vm, HV_ENOTSUP, "snapshot format version %u is not supported "
                            "(this libhv reads version %u)", version, FORMAT_VERSION);
    const uint8_t *t = f + len - TRAILER_SIZE;
    uint64_t clen = get_le(t + 8, 8);
    if (memcmp(t + 20, "HVND", 4) || clen != len - HDR_SIZE - TRAILER_SIZE)
        return hv__vm_error(vm, HV_EFORMAT, "snapshot truncated or corrupt: no valid trailer "
                            "at the end of the %zu-byte file", len);
    uint32_t crc = (uint32_t)crc32_z(0, f, len - 8), want = (uint32_t)get_le(t + 16, 4);
    if (crc != want)
        return hv__vm_error(vm, HV_EFORMAT, "snapshot corrupt: CRC32 mismatch (file says "
                            "%08x, contents give %08x)", want, crc);
    if (get_le(f + 44, 4) != HDR_SIZE)
        return hv__vm_error(vm, HV_EFORMAT, "snapshot header size %u unexpected",
                            (unsigned)get_le(f + 44, 4));
    uint32_t backend = (uint32_t)get_le(f + 16, 4);
    if (backend != (uint32_t)vm->cfg.backend)
        return hv__vm_error(vm, HV_ENOTSUP, "snapshot is for backend %s, this VM is %s",
                            backend_name(backend), backend_name((uint32_t)vm->cfg.backend));
    uint64_t ram = get_le(f + 24, 8);
    if (ram != vm->cfg.mem_size)
        return hv__vm_error(vm, HV_ESTATE, "RAM size differs: snapshot %llu bytes, VM %llu",
                            (unsigned long long)ram, (unsigned long long)vm->cfg.mem_size);
    uint32_t harts = (uint32_t)get_le(f + 20, 4);
    if (harts != vm->cfg.nr_vcpus)
        return hv__vm_error(vm, HV_ESTATE, "vCPU count differs: snapshot %u, VM %u", harts,
                            vm->cfg.nr_vcpus);
    if (get_le(f + 32, 8) != config_hash(&vm->cfg))
        return hv__vm_error(vm, HV_ESTATE, "config hash differs: the snapshot was made from "
                            "a machine with other devices, disks, NICs or determinism");
    *raw_len = get_le(t, 8);
    return 0;
}

static int inflate_all(struct hv_vm *vm, const uint8_t *src, size_t slen, uint8_t *dst,
                       uint64_t dlen)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK)
        return hv__vm_error(vm, HV_ENOMEM, "snapshot: inflateInit failed");
    /* zlib counts in uInt: feed input and output in windows of at most 1 GiB. */
    const uint64_t win = 1ull << 30;
    uint64_t in_pos = 0, out_pos = 0;
    int zr;
    do {
        if (z.avail_in == 0 && in_pos < slen) {
            z.next_in = (Bytef *)(uintptr_t)(src + in_pos);
            z.avail_in = (uInt)(slen - in_pos < win ? slen - in_pos : win);
            in_pos += z.avail_in;
        }
        if (z.avail_out == 0 && out_pos < dlen) {
            z.next_out = dst + out_pos;
            z.avail_out = (uInt)(dlen - out_pos < win ? dlen - out_pos : win);
            out_pos += z.avail_out;
        }
        zr = inflate(&z, Z_NO_FLUSH);
    } while (zr == Z_OK || (zr == Z_BUF_ERROR && ((z.avail_in == 0 && in_pos < slen) ||
                                                  (z.avail_out == 0 && out_pos < dlen))));
    uint64_t out = out_pos - z.avail_out;
    inflateEnd(&z);
    if (zr != Z_STREAM_END || out != dlen)
        return hv__vm_error(vm, HV_EFORMAT, "snapshot corrupt: compressed state does not "
                            "inflate to the %llu bytes the trailer announces",
                            (unsigned long long)dlen);
    return 0;
}

HV_API int hv_vm_snapshot_load(hv_vm *vm, int fd)
{
    if (!vm || fd < 0)
        return HV_EINVAL;
    int rc = check_stopped(vm, "hv_vm_snapshot_load");
    if (rc < 0)
        return rc;
    hv__lockstep_dirty(vm);
    /* No valid snapshot of this VM is larger than its memory plus bitmaps and device state
     * (deflate never grows data by more than a fraction of a percent). */
    uint64_t limit = mem_bytes(vm) + mem_bytes(vm) / 64 + (64ull << 20);
    uint8_t *file = NULL, *raw = NULL;
    size_t len = 0;
    uint64_t raw_len = 0;
    struct hv_snap_index idx = { 0 };
    struct ram_plan plan[HV_MEM_MAX_REGIONS];
    unsigned nr = 0;
    char err[HV__ERRLEN];
    if ((rc = read_file(vm, fd, limit, &file, &len)) < 0)
        return rc;
    if ((rc = check_file(vm, file, len, &raw_len)) < 0)
        goto out;
    if (raw_len > limit) {
        rc = hv__vm_error(vm, HV_EFORMAT, "snapshot corrupt: state of %llu bytes is larger "
                          "than this VM", (unsigned long long)raw_len);
        goto out;
    }
    raw = malloc(raw_len ? raw_len : 1);
    if (!raw) {
        rc = hv__vm_error(vm, HV_ENOMEM, "snapshot: out of memory for %llu bytes of state",
                          (unsigned long long)raw_len);
        goto out;
    }
    if ((rc = inflate_all(vm, file + HDR_SIZE, len - HDR_SIZE - TRAILER_SIZE, raw,
                          raw_len)) < 0)
        goto out;
    free(file);
    file = NULL;
    if ((rc = hv__snap_index_build(&idx, raw, raw_len, err, sizeof(err))) < 0 ||
        (rc = plan_ram(vm, &idx, plan, &nr, err, sizeof(err))) < 0 ||
        (rc = apply_state_atomic(vm, &idx, err, sizeof(err))) < 0) {
        hv__vm_error(vm, rc, "%s", err);
        goto out;
    }
    apply_ram(plan, nr);
    flush_engines(vm);
    cancel_exits(vm);
    vm->snap_base_gen = 0;             /* RAM changed wholesale: no checkpoint is the base */
out:
    hv__snap_index_free(&idx);
    free(raw);
    free(file);
    return rc;
}

/* ---- checkpoints ---------------------------------------------------------------------- */

static void drop_write_tags(struct hv_vm *vm)
{
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++)
        if (vm->vcpus[i])
            hv__cpu_tlb_drop_writes(&vm->vcpus[i]->cpu);
}

HV_API void hv_checkpoint_free(hv_checkpoint *cp)
{
    if (!cp)
        return;
    for (unsigned i = 0; i < cp->nr; i++)
        if (cp->reg[i].copy)
            munmap(cp->reg[i].copy, cp->reg[i].size);
    hv__snap_index_free(&cp->idx);
    hv__snap_w_free(&cp->state);
    free(cp);
}

HV_API int hv_vm_checkpoint(hv_vm *vm, hv_checkpoint **out)
{
    if (!vm || !out)
        return HV_EINVAL;
    *out = NULL;
    int rc = check_stopped(vm, "hv_vm_checkpoint");
    if (rc < 0)
        return rc;
    struct hv_checkpoint *cp = calloc(1, sizeof(*cp));
    if (!cp)
        return hv__vm_error(vm, HV_ENOMEM, "checkpoint: out of memory");
    cp->vm = vm;
    hv__snap_w_init_mem(&cp->state);
    if ((rc = save_state(vm, &cp->state)) < 0)
        goto fail;
    char err[HV__ERRLEN];
    if ((rc = hv__snap_index_build(&cp->idx, cp->state.buf, cp->state.len, err,
                                   sizeof(err))) < 0) {
        hv__vm_error(vm, rc, "checkpoint: %s", err);
        goto fail;
    }
    for (unsigned i = 0; i < vm->mem.nr_regions; i++) {
        const struct hv_region *r = &vm->mem.regions[i];
        if (!is_mem(r))
            continue;
        struct cp_region *c = &cp->reg[cp->nr++];
        c->gpa = r->gpa;
        c->size = r->size;
        void *p = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            rc = hv__vm_error(vm, HV_ENOMEM, "checkpoint: cannot map %llu bytes for the RAM "
                              "copy", (unsigned long long)r->size);
            goto fail;
        }
        c->copy = p;
        uint8_t *backed = backed_pages(r->host, r->size);
        for (uint64_t pg = 0; pg < r->size / PAGE; pg++)
            if (maybe_data(backed, r->host, pg))
                memcpy(c->copy + pg * PAGE, r->host + pg * PAGE, PAGE);
        free(backed);
    }
    /* From now on the dirty log lists exactly the pages written since this checkpoint. */
    hv__mem_dirty_scan(&vm->mem, NULL, NULL, true);
    drop_write_tags(vm);
    cp->gen = ++vm->snap_next_gen;
    vm->snap_base_gen = cp->gen;
    *out = cp;
    return 0;
fail:
    hv_checkpoint_free(cp);
    return rc;
}

struct restore_ctx {
    struct hv_vm *vm;
    const struct hv_checkpoint *cp;
    unsigned last;
};

static const struct cp_region *cp_region(struct restore_ctx *c, uint64_t gpa)
{
    const struct cp_region *r = &c->cp->reg[c->last];
    if (gpa - r->gpa < r->size)
        return r;
    for (unsigned i = 0; i < c->cp->nr; i++)
        if (gpa - c->cp->reg[i].gpa < c->cp->reg[i].size) {
            c->last = i;
            return &c->cp->reg[i];
        }
    return NULL;
}

/* Copy one page back; cached code made from it is dropped precisely (engine hooks). */
#define RESTORE_CHUNK 64u    /* the engines' code-tracking granularity (codepages.h) */

static void restore_page(struct restore_ctx *c, uint64_t gpa, const uint8_t *src)
{
    struct hv_vm *vm = c->vm;
    uint8_t *dst = hv__mem_hva(&vm->mem, gpa, PAGE);
    if (!dst)
        return;
    bool code = false;
    for (unsigned i = 0; i < HV_MAX_VCPUS && !code; i++) {
        struct hv_vcpu *v = vm->vcpus[i];
        const struct hv_engine_hooks *hk = v ? v->cpu.engine_hooks : NULL;
        code = hk && hk->is_code_page(&v->cpu, (uintptr_t)dst);
    }
    if (!code) {
        memcpy(dst, src, PAGE);
        return;
    }
    /* A page holding cached code (code and data often share the page of a small guest):
     * tell the engines only about the 64-byte chunks that change, so a rollback that only
     * undoes data writes keeps the translations (a fuzzer rolls back per input). */
    for (uint64_t off = 0; off < PAGE; off += RESTORE_CHUNK) {
        if (!memcmp(dst + off, src + off, RESTORE_CHUNK))
            continue;
        memcpy(dst + off, src + off, RESTORE_CHUNK);
        for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
            struct hv_vcpu *v = vm->vcpus[i];
            const struct hv_engine_hooks *hk = v ? v->cpu.engine_hooks : NULL;
            if (hk && hk->is_code_page(&v->cpu, (uintptr_t)dst))
                hk->code_write(&v->cpu, (uintptr_t)(dst + off), RESTORE_CHUNK);
        }
    }
}

static void restore_dirty(void *opaque, uint64_t gpa)
{
    struct restore_ctx *c = opaque;
    const struct cp_region *r = cp_region(c, gpa);
    if (r)
        restore_page(c, gpa, r->copy + (gpa - r->gpa));
}

/* Rolling back to a checkpoint the dirty log is not relative to: compare every page. */
static void restore_all(struct restore_ctx *c)
{
    for (unsigned i = 0; i < c->cp->nr; i++) {
        const struct cp_region *r = &c->cp->reg[i];
        const uint8_t *host = hv__mem_hva(&c->vm->mem, r->gpa, r->size);
        for (uint64_t off = 0; host && off < r->size; off += PAGE)
            if (memcmp(host + off, r->copy + off, PAGE))
                restore_page(c, r->gpa + off, r->copy + off);
    }
}

static bool same_map(const struct hv_vm *vm, const struct hv_checkpoint *cp)
{
    unsigned k = 0;
    for (unsigned i = 0; i < vm->mem.nr_regions; i++) {
        const struct hv_region *r = &vm->mem.regions[i];
        if (!is_mem(r))
            continue;
        if (k >= cp->nr || cp->reg[k].gpa != r->gpa || cp->reg[k].size != r->size)
            return false;
        k++;
    }
    return k == cp->nr;
}

HV_API int hv_vm_rollback(hv_vm *vm, const hv_checkpoint *cp)
{
    if (!vm || !cp)
        return HV_EINVAL;
    if (cp->vm != vm)
        return hv__vm_error(vm, HV_EINVAL, "hv_vm_rollback: checkpoint of another VM");
    int rc = check_stopped(vm, "hv_vm_rollback");
    if (rc < 0)
        return rc;
    hv__lockstep_dirty(vm);
    if (!same_map(vm, cp))
        return hv__vm_error(vm, HV_ESTATE, "hv_vm_rollback: the memory map changed since "
                            "the checkpoint");
    char err[HV__ERRLEN];
    if ((rc = load_state(vm, &cp->idx, err, sizeof(err))) < 0)
        return hv__vm_error(vm, rc, "hv_vm_rollback: %s", err);
    struct restore_ctx c = { .vm = vm, .cp = cp };
    if (cp->gen == vm->snap_base_gen) {
        if (vm->ops->snapshot_host_pages)
            vm->ops->snapshot_host_pages(vm);
        hv__mem_dirty_scan(&vm->mem, restore_dirty, &c, true);
    } else {
        restore_all(&c);
        hv__mem_dirty_scan(&vm->mem, NULL, NULL, true);
        vm->snap_base_gen = cp->gen;
    }
    /* load_state flushed every vCPU's soft-TLB, so no write tag survives the cleared log. */
    drop_write_tags(vm);
    cancel_exits(vm);
    return 0;
}

/* ---- state hash ----------------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 32);
}

HV_API int hv_vm_state_hash(hv_vm *vm, uint64_t *hash)
{
    if (!vm || !hash)
        return HV_EINVAL;
    int rc = check_stopped(vm, "hv_vm_state_hash");
    if (rc < 0)
        return rc;
    uint64_t h = 0x6876736e61707368ull;
    for (unsigned i = 0; i < HV_MAX_VCPUS; i++) {
        const struct hv_vcpu *v = vm->vcpus[i];
        if (!v)
            continue;
        const struct hv_cpu *c = &v->cpu;
        h = mix(h, i);
        for (unsigned k = 1; k < 32; k++)
            h = mix(h, c->x[k]);
        for (unsigned k = 0; k < 32; k++)
            h = mix(h, c->f[k]);
        h = mix(h, c->pc);
        h = mix(h, (uint64_t)c->fflags | (uint64_t)c->frm << 5);
        h = mix(h, c->priv);
        h = mix(h, c->instret);
    }
    for (unsigned i = 0; i < vm->mem.nr_regions; i++) {
        const struct hv_region *r = &vm->mem.regions[i];
        if (!is_mem(r))
            continue;
        uint8_t *backed = backed_pages(r->host, r->size);
        for (uint64_t off = 0; off < r->size; off += PAGE) {
            const uint8_t *p = r->host + off;
            if (!maybe_data(backed, r->host, off / PAGE))
                continue;
            h = mix(h, r->gpa + off);
            const uint64_t *w = (const uint64_t *)(const void *)p;
            for (unsigned k = 0; k < PAGE / 8; k++)
                h = mix(h, w[k]);
        }
        free(backed);
    }
    *hash = h;
    return 0;
}
