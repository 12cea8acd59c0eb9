/* SPDX-License-Identifier: MIT */
/* libhv snapshot — the section writer (memory or zlib deflate to an fd) and the
 * bounds-checked section reader. Layout and error conventions: stream.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "core/err.h"
#include "snapshot/stream.h"

/* Deflate the buffer once it holds this much (and no back-patch is pending). */
#define FLUSH_AT (1u << 20)
#define OUT_CHUNK (256u << 10)
#define SECT_HDR_MAX (1 + HV_SNAP_NAME_MAX + 4 + 8)

void hv__snap_w_fail(struct hv_snap_w *w, int code, const char *fmt, ...)
{
    if (w->err)
        return;
    w->err = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
    va_end(ap);
}

void hv__snap_w_init_mem(struct hv_snap_w *w)
{
    memset(w, 0, sizeof(*w));
    w->fd = -1;
}

static int write_raw(struct hv_snap_w *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = write(w->fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            hv__snap_w_fail(w, HV_EIO, "writing the snapshot: %s",
                            k < 0 ? strerror(errno) : "short write");
            return w->err;
        }
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Everything up to the trailer's CRC field is covered by the CRC. */
static int write_all(struct hv_snap_w *w, const void *p, size_t n)
{
    w->crc = (uint32_t)crc32_z(w->crc, p, n);
    return write_raw(w, p, n);
}

int hv__snap_w_init_fd(struct hv_snap_w *w, int fd, int level, const void *prefix,
                       size_t prefix_len)
{
    hv__snap_w_init_mem(w);
    w->fd = fd;
    w->crc = (uint32_t)crc32_z(0, NULL, 0);
    z_stream *z = calloc(1, sizeof(*z));
    if (!z) {
        hv__snap_w_fail(w, HV_ENOMEM, "out of memory for the deflate stream");
        return w->err;
    }
    w->level = w->cur_level = level;
    if (deflateInit(z, level) != Z_OK) {
        free(z);
        hv__snap_w_fail(w, HV_ENOMEM, "deflateInit failed");
        return w->err;
    }
    w->z = z;
    return prefix_len ? write_all(w, prefix, prefix_len) : 0;
}

/* Bits of entropy per byte of a sample of buf (64 slices of 256 bytes). */
static double sample_entropy(const uint8_t *buf, size_t len)
{
    uint32_t hist[256] = { 0 };
    size_t slice = 256, step = len / 64, n = 0;
    if (step < slice)
        step = slice;
    for (size_t off = 0; off + slice <= len; off += step)
        for (size_t i = 0; i < slice; i++, n++)
            hist[buf[off + i]]++;
    double h = 0;
    for (unsigned i = 0; i < 256 && n; i++)
        if (hist[i]) {
            double p = (double)hist[i] / (double)n;
            h -= p * log2(p);
        }
    return h;
}

/* Data that does not compress (random or already compressed guest pages) costs deflate
 * ten times more than storing it: such chunks are stored (level 0) in the same stream. */
static void emit(struct hv_snap_w *w, const uint8_t *out, size_t have)
{
    w->out_len += have;
    if (have)
        write_all(w, out, have);
}

static void pick_level(struct hv_snap_w *w, uint8_t *out, size_t outlen)
{
    if (w->level <= 0 || w->len < (64u << 10))
        return;
    int want = sample_entropy(w->buf, w->len) > 7.5 ? 0 : w->level;
    if (want == w->cur_level)
        return;
    /* deflateParams finishes the block in progress with the old level: give it room. */
    z_stream *z = w->z;
    for (int i = 0; i < 64 && !w->err; i++) {
        z->avail_in = 0;
        z->next_out = out;
        z->avail_out = (uInt)outlen;
        int rc = deflateParams(z, want, Z_DEFAULT_STRATEGY);
        emit(w, out, outlen - z->avail_out);
        if (rc != Z_BUF_ERROR) {
            if (rc == Z_OK)
                w->cur_level = want;
            return;
        }
    }
}

/* Push buf[0..len) through deflate (flush = Z_FINISH at the end) to the fd. */
static void deflate_out(struct hv_snap_w *w, int flush)
{
    z_stream *z = w->z;
    uint8_t out[OUT_CHUNK];
    pick_level(w, out, sizeof(out));
    z->next_in = w->buf;
    z->avail_in = (uInt)w->len;
    w->raw_len += w->len;
    for (;;) {
        z->next_out = out;
        z->avail_out = sizeof(out);
        int rc = deflate(z, flush);
        if (rc == Z_STREAM_ERROR) {
            hv__snap_w_fail(w, HV_EINTERNAL, "deflate failed");
            return;
        }
        emit(w, out, sizeof(out) - z->avail_out);
        if (w->err)
            return;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : (z->avail_in == 0 && z->avail_out != 0))
            break;
    }
    w->len = 0;
}

static void maybe_flush(struct hv_snap_w *w)
{
    if (w->fd >= 0 && !w->err && w->len >= FLUSH_AT && !(w->open && !w->open_sized))
        deflate_out(w, Z_NO_FLUSH);
}

static bool reserve(struct hv_snap_w *w, size_t n)
{
    if (w->err)
        return false;
    if (w->cap - w->len >= n)
        return true;
    size_t cap = w->cap ? w->cap : 4096;
    while (cap - w->len < n) {
        if (cap > SIZE_MAX / 2) {
            hv__snap_w_fail(w, HV_ENOMEM, "snapshot buffer too large");
            return false;
        }
        cap *= 2;
    }
    uint8_t *b = realloc(w->buf, cap);
    if (!b) {
        hv__snap_w_fail(w, HV_ENOMEM, "out of memory writing section '%s'", w->name);
        return false;
    }
    w->buf = b;
    w->cap = cap;
    return true;
}

static void raw_put(struct hv_snap_w *w, const void *p, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void hv__snap_put_bytes(struct hv_snap_w *w, const void *p, size_t n)
{
    if (w->err)
        return;
    if (!w->open) {
        hv__snap_w_fail(w, HV_EINTERNAL, "snapshot: data written outside a section");
        return;
    }
    if (w->open_sized) {
        /* Large sections stream through the buffer in bounded pieces. */
        if (n > w->sized_left) {
            hv__snap_w_fail(w, HV_EINTERNAL, "section '%s': more data than announced",
                            w->name);
            return;
        }
        w->sized_left -= n;
        const uint8_t *b = p;
        while (n && !w->err) {
            size_t k = n < FLUSH_AT ? n : FLUSH_AT;
            raw_put(w, b, k);
            maybe_flush(w);
            b += k;
            n -= k;
        }
        return;
    }
    raw_put(w, p, n);
}

void hv__snap_put_u8(struct hv_snap_w *w, uint8_t v) { hv__snap_put_bytes(w, &v, 1); }

void hv__snap_put_u16(struct hv_snap_w *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    hv__snap_put_bytes(w, b, 2);
}

void hv__snap_put_u32(struct hv_snap_w *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    hv__snap_put_bytes(w, b, 4);
}

void hv__snap_put_u64(struct hv_snap_w *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    hv__snap_put_bytes(w, b, 8);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void begin(struct hv_snap_w *w, const char *name, uint32_t version, bool sized,
                  uint64_t len)
{
    if (w->err)
        return;
    size_t nl = strlen(name);
    if (w->open || nl == 0 || nl > HV_SNAP_NAME_MAX) {
        hv__snap_w_fail(w, HV_EINTERNAL, "snapshot: bad section '%s'", name);
        return;
    }
    uint8_t hdr[SECT_HDR_MAX];
    hdr[0] = (uint8_t)nl;
    memcpy(hdr + 1, name, nl);
    put_le(hdr + 1 + nl, version, 4);
    put_le(hdr + 5 + nl, len, 8);
    raw_put(w, hdr, 13 + nl);
    if (w->err)
        return;
    memcpy(w->name, name, nl + 1);
    w->open = true;
    w->open_sized = sized;
    w->sized_left = len;
    w->open_len_at = w->len - 8;
}

void hv__snap_begin(struct hv_snap_w *w, const char *name, uint32_t version)
{
    begin(w, name, version, false, 0);
}

void hv__snap_begin_sized(struct hv_snap_w *w, const char *name, uint32_t version,
                          uint64_t len)
{
    begin(w, name, version, true, len);
}

void hv__snap_begin_idx(struct hv_snap_w *w, const char *prefix, unsigned index,
                        uint32_t version)
{
    char name[HV_SNAP_NAME_MAX + 8];
    snprintf(name, sizeof(name), "%s.%u", prefix, index);
    hv__snap_begin(w, name, version);
}

void hv__snap_end(struct hv_snap_w *w)
{
    if (w->err)
        return;
    if (!w->open) {
        hv__snap_w_fail(w, HV_EINTERNAL, "snapshot: end without a section");
        return;
    }
    if (w->open_sized) {
        if (w->sized_left)
            hv__snap_w_fail(w, HV_EINTERNAL, "section '%s': %llu bytes short", w->name,
                            (unsigned long long)w->sized_left);
    } else {
        put_le(w->buf + w->open_len_at, w->len - (w->open_len_at + 8), 8);
    }
    w->open = false;
    maybe_flush(w);
}

int hv__snap_w_finish(struct hv_snap_w *w)
{
    if (w->fd < 0 || w->err)
        return w->err;
    if (w->open)
        hv__snap_w_fail(w, HV_EINTERNAL, "snapshot: section '%s' left open", w->name);
    else
        deflate_out(w, Z_FINISH);
    if (w->err)
        return w->err;
    /* Trailer: raw length, compressed length, CRC32 of everything before the CRC, magic. */
    uint8_t t[24];
    put_le(t, w->raw_len, 8);
    put_le(t + 8, w->out_len, 8);
    w->crc = (uint32_t)crc32_z(w->crc, t, 16);
    put_le(t + 16, w->crc, 4);
    memcpy(t + 20, "HVND", 4);
    return write_raw(w, t, sizeof(t));
}

void hv__snap_w_free(struct hv_snap_w *w)
{
    if (w->z) {
        deflateEnd(w->z);
        free(w->z);
    }
    free(w->buf);
    w->z = NULL;
    w->buf = NULL;
    w->len = w->cap = 0;
}

/* ---- reading ----------------------------------------------------------------------------- */

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int hv__snap_index_build(struct hv_snap_index *idx, const uint8_t *data, size_t len,
                         char *err, size_t errlen)
{
    idx->s = NULL;
    idx->n = 0;
    size_t cap = 0, pos = 0;
    while (pos < len) {
        size_t nl = data[pos];
        if (nl == 0 || nl > HV_SNAP_NAME_MAX || len - pos < 13 + nl) {
            hv__snap_index_free(idx);
            return hv__errf(err, errlen, HV_EFORMAT, "snapshot stream: malformed section "
                            "header at byte %zu (after section '%s')", pos,
                            idx->n ? "?" : "(start)");
        }
        struct hv_snap_sect s;
        memcpy(s.name, data + pos + 1, nl);
        s.name[nl] = 0;
        s.version = (uint32_t)get_le(data + pos + 1 + nl, 4);
        s.len = get_le(data + pos + 5 + nl, 8);
        pos += 13 + nl;
        if (s.len > len - pos || memchr(s.name, 0, nl)) {
            hv__snap_index_free(idx);
            return hv__errf(err, errlen, HV_EFORMAT, "snapshot section '%s': payload of "
                            "%llu bytes truncated (%zu left)", s.name,
                            (unsigned long long)s.len, len - pos);
        }
        s.data = data + pos;
        pos += s.len;
        if (idx->n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct hv_snap_sect *ns = realloc(idx->s, nc * sizeof(*ns));
            if (!ns) {
                hv__snap_index_free(idx);
                return hv__errf(err, errlen, HV_ENOMEM, "out of memory indexing a snapshot");
            }
            idx->s = ns;
            cap = nc;
        }
        idx->s[idx->n++] = s;
    }
    return 0;
}

void hv__snap_index_free(struct hv_snap_index *idx)
{
    free(idx->s);
    idx->s = NULL;
    idx->n = 0;
}

const struct hv_snap_sect *hv__snap_find(const struct hv_snap_index *idx, const char *name)
{
    for (size_t i = 0; i < idx->n; i++)
        if (!strcmp(idx->s[i].name, name))
            return &idx->s[i];
    return NULL;
}

static void r_fail(struct hv_snap_r *r, const char *name, const char *fmt, va_list ap)
{
    if (r->err)
        return;
    r->err = HV_EFORMAT;
    int n = snprintf(r->msg, sizeof(r->msg), "snapshot section '%s': ", name);
    if (n < 0 || (size_t)n >= sizeof(r->msg))
        return;
    vsnprintf(r->msg + n, sizeof(r->msg) - (size_t)n, fmt, ap);
}

void hv__snap_r_fail(struct hv_snap_r *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r_fail(r, r->sect ? r->sect->name : "?", fmt, ap);
    va_end(ap);
}

static void fail_named(struct hv_snap_r *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r_fail(r, name, fmt, ap);
    va_end(ap);
}

void hv__snap_r_open(struct hv_snap_r *r, const struct hv_snap_index *idx, const char *name,
                     uint32_t max_version)
{
    memset(r, 0, sizeof(*r));
    r->sect = hv__snap_find(idx, name);
    if (!r->sect)
        fail_named(r, name, "missing");
    else if (r->sect->version > max_version || r->sect->version == 0)
        fail_named(r, name, "version %u is not supported (this libhv reads up to %u)",
                   r->sect->version, max_version);
}

void hv__snap_r_open_idx(struct hv_snap_r *r, const struct hv_snap_index *idx,
                         const char *prefix, unsigned index, uint32_t max_version)
{
    char name[HV_SNAP_NAME_MAX + 8];
    snprintf(name, sizeof(name), "%s.%u", prefix, index);
    hv__snap_r_open(r, idx, name, max_version);
}

const uint8_t *hv__snap_get_ptr(struct hv_snap_r *r, uint64_t n)
{
    if (r->err)
        return NULL;
    if (n > r->sect->len - r->pos) {
        hv__snap_r_fail(r, "truncated: %llu bytes wanted at offset %llu of %llu",
                        (unsigned long long)n, (unsigned long long)r->pos,
                        (unsigned long long)r->sect->len);
        return NULL;
    }
    const uint8_t *p = r->sect->data + r->pos;
    r->pos += n;
    return p;
}

void hv__snap_get_bytes(struct hv_snap_r *r, void *p, size_t n)
{
    const uint8_t *s = hv__snap_get_ptr(r, n);
    if (s)
        memcpy(p, s, n);
    else
        memset(p, 0, n);
}

static uint64_t get_n(struct hv_snap_r *r, unsigned n)
{
    const uint8_t *p = hv__snap_get_ptr(r, n);
    return p ? get_le(p, n) : 0;
}

uint8_t hv__snap_get_u8(struct hv_snap_r *r) { return (uint8_t)get_n(r, 1); }
uint16_t hv__snap_get_u16(struct hv_snap_r *r) { return (uint16_t)get_n(r, 2); }
uint32_t hv__snap_get_u32(struct hv_snap_r *r) { return (uint32_t)get_n(r, 4); }
uint64_t hv__snap_get_u64(struct hv_snap_r *r) { return get_n(r, 8); }

bool hv__snap_get_bool(struct hv_snap_r *r)
{
    uint8_t v = hv__snap_get_u8(r);
    if (v > 1)
        hv__snap_r_fail(r, "boolean field at offset %llu holds %u",
                        (unsigned long long)(r->pos - 1), v);
    return v == 1;
}

bool hv__snap_r_done(struct hv_snap_r *r)
{
    if (!r->err && r->pos != r->sect->len)
        hv__snap_r_fail(r, "%llu unexpected trailing bytes",
                        (unsigned long long)(r->sect->len - r->pos));
    return r->err == 0;
}

int hv__snap_r_close(struct hv_snap_r *r, char *err, size_t errlen)
{
    if (hv__snap_r_done(r))
        return 0;
    return hv__errf(err, errlen, r->err, "%s", r->msg);
}

/* ---- declarative state ---------------------------------------------------------------- */

static uint64_t load_int(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void store_int(uint8_t *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static void put_int(struct hv_snap_w *w, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: hv__snap_put_u8(w, (uint8_t)v); break;
    case 2: hv__snap_put_u16(w, (uint16_t)v); break;
    case 4: hv__snap_put_u32(w, (uint32_t)v); break;
    default: hv__snap_put_u64(w, v); break;
    }
}

static uint64_t get_int(struct hv_snap_r *r, unsigned size)
{
    switch (size) {
    case 1: return hv__snap_get_u8(r);
    case 2: return hv__snap_get_u16(r);
    case 4: return hv__snap_get_u32(r);
    default: return hv__snap_get_u64(r);
    }
}

static unsigned elems(const struct hv_snap_field *f)
{
    return f->kind == HV_SNAP_INT && f->count ? f->count : 1;
}

static void begin_state(struct hv_snap_w *w, const struct hv_snap_desc *d, int index)
{
    if (index < 0)
        hv__snap_begin(w, d->name, d->version);
    else
        hv__snap_begin_idx(w, d->name, (unsigned)index, d->version);
}

void hv__snap_put_fields(struct hv_snap_w *w, const struct hv_snap_field *fields, size_t n,
                         const void *state)
{
    const uint8_t *base = state;
    for (size_t i = 0; i < n; i++) {
        const struct hv_snap_field *f = &fields[i];
        if (f->kind == HV_SNAP_CONST)
            put_int(w, f->size, f->mask);
        else if (f->kind == HV_SNAP_BYTES)
            hv__snap_put_bytes(w, base + f->offset, f->size);
        else
            for (unsigned e = 0; e < elems(f); e++)
                put_int(w, f->size, load_int(base + f->offset + e * f->size, f->size));
    }
}

void hv__snap_put_state(struct hv_snap_w *w, const struct hv_snap_desc *d, int index,
                        const void *state)
{
    begin_state(w, d, index);
    hv__snap_put_fields(w, d->fields, d->nr_fields, state);
    hv__snap_end(w);
}

static void get_field(struct hv_snap_r *r, const struct hv_snap_field *f, uint8_t *copy)
{
    if (f->kind == HV_SNAP_BYTES) {
        hv__snap_get_bytes(r, copy + f->offset, f->size);
        return;
    }
    if (f->kind == HV_SNAP_CONST) {
        uint64_t v = get_int(r, f->size);
        if (hv__snap_r_ok(r) && v != f->mask)
            hv__snap_r_fail(r, "%s is %llu, this libhv has %llu", f->name,
                            (unsigned long long)v, (unsigned long long)f->mask);
        return;
    }
    for (unsigned e = 0; e < elems(f) && hv__snap_r_ok(r); e++) {
        uint64_t v = get_int(r, f->size);
        if (f->mask && (v & ~f->mask)) {
            hv__snap_r_fail(r, "%s %#llx has invalid bits set", f->name, (unsigned long long)v);
            return;
        }
        store_int(copy + f->offset + e * f->size, f->size, v);
    }
}

void hv__snap_get_fields(struct hv_snap_r *r, const struct hv_snap_field *fields, size_t n,
                         void *copy)
{
    uint32_t version = hv__snap_r_ok(r) ? r->sect->version : 0;
    for (size_t i = 0; i < n && hv__snap_r_ok(r); i++)
        if (version >= (fields[i].since ? fields[i].since : 1))
            get_field(r, &fields[i], copy);
}

void hv__snap_copy_fields(void *dst, const void *src, const struct hv_snap_field *fields,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct hv_snap_field *f = &fields[i];
        if (f->kind != HV_SNAP_CONST)
            memcpy((uint8_t *)dst + f->offset, (const uint8_t *)src + f->offset,
                   (size_t)f->size * elems(f));
    }
}

int hv__snap_get_state(const struct hv_snap_index *idx, const struct hv_snap_desc *d,
                       int index, void *state, char *err, size_t errlen)
{
    struct hv_snap_r r;
    if (index < 0)
        hv__snap_r_open(&r, idx, d->name, d->version);
    else
        hv__snap_r_open_idx(&r, idx, d->name, (unsigned)index, d->version);
    void *copy = malloc(d->size);
    if (!copy)
        return hv__errf(err, errlen, HV_ENOMEM, "snapshot: out of memory");
    memcpy(copy, state, d->size);
    hv__snap_get_fields(&r, d->fields, d->nr_fields, copy);
    if (d->check && hv__snap_r_ok(&r))
        d->check(&r, copy, state);
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc == 0)
        hv__snap_copy_fields(state, copy, d->fields, d->nr_fields);
    free(copy);
    return rc;
}
