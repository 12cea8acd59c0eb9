/* SPDX-License-Identifier: MIT */
/* libhv internal — the snapshot serialization layer: named, versioned, length-prefixed
 * sections written to a growing buffer that is either kept in memory (checkpoints) or
 * deflated (zlib) to a file descriptor as it fills (snapshot files), and a bounds-checked
 * reader over an in-memory (already inflated) section stream.
 *
 * Raw stream: a sequence of sections, each
 *     u8 name_len, name bytes (1..HV_SNAP_NAME_MAX), u32 version, u64 payload_len, payload
 * all little-endian. Components write their state with hv__snap_put_* between
 * hv__snap_begin / hv__snap_end; the length is back-patched at end. A section whose length
 * is known up front (guest RAM) is begun with hv__snap_begin_sized and may be larger than
 * memory: the buffer is flushed through deflate while it is written.
 *
 * Errors are sticky on both sides so that save/load code reads straight through: every put
 * on a failed writer and every get on a failed reader is a no-op (gets return 0), and the
 * first failure's message names the section. Check hv__snap_w_failed / hv__snap_r_ok. */
#ifndef HV_SNAPSHOT_STREAM_H
#define HV_SNAPSHOT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_SNAP_NAME_MAX 31
#define HV_SNAP_ERRLEN 256

struct hv_snap_w {
    uint8_t *buf;
    size_t len, cap;
    size_t open_len_at;          /* offset of the open unsized section's length field */
    bool open;                   /* a section is open */
    bool open_sized;
    uint64_t sized_left;         /* bytes still owed to the open sized section */
    char name[HV_SNAP_NAME_MAX + 1];
    int fd;                      /* -1: in memory */
    void *z;                     /* z_stream (fd mode) */
    int level, cur_level;        /* requested deflate level, level in use */
    uint32_t crc;                /* over everything written to fd (header, compressed) */
    uint64_t raw_len, out_len;   /* raw bytes deflated, compressed bytes written */
    int err;                     /* 0 or the first HV_E* */
    char msg[HV_SNAP_ERRLEN];
};

/* In-memory writer (checkpoints): the raw stream stays in w->buf[0..len). */
void hv__snap_w_init_mem(struct hv_snap_w *w);
/* File writer: the raw stream is deflated at `level` (0..9, Z_DEFAULT_COMPRESSION = -1)
 * and written to fd after `prefix` (the file header, written uncompressed; covered by the
 * CRC). */
int hv__snap_w_init_fd(struct hv_snap_w *w, int fd, int level, const void *prefix,
                       size_t prefix_len);
/* File writer: finish the deflate stream and write the trailer. Returns 0 or w->err. */
int hv__snap_w_finish(struct hv_snap_w *w);
void hv__snap_w_free(struct hv_snap_w *w);

void hv__snap_begin(struct hv_snap_w *w, const char *name, uint32_t version);
void hv__snap_begin_sized(struct hv_snap_w *w, const char *name, uint32_t version,
                          uint64_t len);
void hv__snap_end(struct hv_snap_w *w);
/* Convenience: begin a section named "<prefix>.<index>". */
void hv__snap_begin_idx(struct hv_snap_w *w, const char *prefix, unsigned index,
                        uint32_t version);
void hv__snap_put_bytes(struct hv_snap_w *w, const void *p, size_t n);
void hv__snap_put_u8(struct hv_snap_w *w, uint8_t v);
void hv__snap_put_u16(struct hv_snap_w *w, uint16_t v);
void hv__snap_put_u32(struct hv_snap_w *w, uint32_t v);
void hv__snap_put_u64(struct hv_snap_w *w, uint64_t v);
static inline void hv__snap_put_bool(struct hv_snap_w *w, bool v) { hv__snap_put_u8(w, v); }
/* Record a failure (first one wins). */
void hv__snap_w_fail(struct hv_snap_w *w, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline bool hv__snap_w_failed(const struct hv_snap_w *w) { return w->err != 0; }

/* ---- reading ----------------------------------------------------------------------------- */

struct hv_snap_sect {
    char name[HV_SNAP_NAME_MAX + 1];
    uint32_t version;
    const uint8_t *data;
    uint64_t len;
};

/* All sections of a raw stream (validated framing only; pointers into the stream). */
struct hv_snap_index {
    struct hv_snap_sect *s;
    size_t n;
};

/* Split a raw stream into sections. Fails (HV_EFORMAT, message in err) on a truncated
 * section header or payload, an empty or over-long name. */
int hv__snap_index_build(struct hv_snap_index *idx, const uint8_t *data, size_t len,
                         char *err, size_t errlen);
void hv__snap_index_free(struct hv_snap_index *idx);
/* The section called `name`, or NULL. */
const struct hv_snap_sect *hv__snap_find(const struct hv_snap_index *idx, const char *name);

struct hv_snap_r {
    const struct hv_snap_sect *sect;
    uint64_t pos;
    int err;
    char msg[HV_SNAP_ERRLEN];
};

/* Open section `name` for reading, requiring a version <= max_version. Missing section or
 * newer version: the reader is failed (message names the section). */
void hv__snap_r_open(struct hv_snap_r *r, const struct hv_snap_index *idx, const char *name,
                     uint32_t max_version);
void hv__snap_r_open_idx(struct hv_snap_r *r, const struct hv_snap_index *idx,
                         const char *prefix, unsigned index, uint32_t max_version);
void hv__snap_get_bytes(struct hv_snap_r *r, void *p, size_t n);
/* Pointer to the next n payload bytes (NULL, reader failed, if fewer remain). */
const uint8_t *hv__snap_get_ptr(struct hv_snap_r *r, uint64_t n);
uint8_t hv__snap_get_u8(struct hv_snap_r *r);
uint16_t hv__snap_get_u16(struct hv_snap_r *r);
uint32_t hv__snap_get_u32(struct hv_snap_r *r);
uint64_t hv__snap_get_u64(struct hv_snap_r *r);
bool hv__snap_get_bool(struct hv_snap_r *r);
/* A value read from the section is invalid: fail the reader ("section 'x': <why>"). */
void hv__snap_r_fail(struct hv_snap_r *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* True if nothing failed and the whole payload was consumed (extra bytes are an error:
 * the section does not have the layout its version promises). Fills r->msg otherwise. */
bool hv__snap_r_done(struct hv_snap_r *r);
static inline bool hv__snap_r_ok(const struct hv_snap_r *r) { return r->err == 0; }
/* hv__snap_r_done, then: 0, or the reader's error code with its message copied to err. The
 * usual end of a component's load function (apply the state only when it returns 0). */
int hv__snap_r_close(struct hv_snap_r *r, char *err, size_t errlen);

/* ---- declarative state ---------------------------------------------------------------- */

/* A component's state described once: each saved field of its state struct with offset,
 * size, the section version that introduced it and its validation, and one generic writer
 * and reader walk the list (save, load, validate), instead of every field being written out
 * by hand in each. Integers are little-endian in the stream, arrays element by element; the
 * payload is the fields in list order, so a list reproduces a hand-written layout exactly. */
enum hv_snap_kind {
    HV_SNAP_INT,        /* unsigned integer of `size` bytes (1, 2, 4, 8); `count` elements */
    HV_SNAP_BYTES,      /* `size` raw bytes */
    HV_SNAP_CONST,      /* no storage: `value` written as a `size`-byte integer and required
                           back on load (a layout guard, e.g. an element count) */
};

struct hv_snap_field {
    const char *name;           /* for messages */
    enum hv_snap_kind kind;
    size_t offset;              /* in the state struct */
    uint32_t size, count;       /* element size in bytes; elements (0 = 1) */
    uint32_t since;             /* first section version with the field (0 = 1); a section
                                   of an older version leaves it unchanged */
    uint64_t mask;              /* HV_SNAP_INT: bits a valid value may have (0: any);
                                   HV_SNAP_CONST: the value */
};

#define HV_SNAP_MEMBER_SIZE_(type, m) sizeof(((type *)0)->m)
/* An integer member; an array of integers (every element); raw bytes (any type). */
#define HV_SNAP_INT_FIELD(type, m) \
    { #m, HV_SNAP_INT, offsetof(type, m), HV_SNAP_MEMBER_SIZE_(type, m), 1, 0, 0 }
#define HV_SNAP_INT_MASKED(type, m, valid_bits) \
    { #m, HV_SNAP_INT, offsetof(type, m), HV_SNAP_MEMBER_SIZE_(type, m), 1, 0, (valid_bits) }
#define HV_SNAP_BOOL_FIELD(type, m) HV_SNAP_INT_MASKED(type, m, 1)
#define HV_SNAP_INT_ARRAY(type, m) \
    { #m, HV_SNAP_INT, offsetof(type, m), HV_SNAP_MEMBER_SIZE_(type, m[0]), \
      (uint32_t)(HV_SNAP_MEMBER_SIZE_(type, m) / HV_SNAP_MEMBER_SIZE_(type, m[0])), 0, 0 }
#define HV_SNAP_BYTES_FIELD(type, m) \
    { #m, HV_SNAP_BYTES, offsetof(type, m), HV_SNAP_MEMBER_SIZE_(type, m), 1, 0, 0 }
#define HV_SNAP_CONST_FIELD(name, size, value) { (name), HV_SNAP_CONST, 0, (size), 1, 0, (value) }

struct hv_snap_desc {
    const char *name;           /* the section ("<name>.<index>" when saved with an index) */
    uint32_t version;           /* written, and the newest one read */
    size_t size;                /* sizeof the state struct */
    const struct hv_snap_field *fields;
    size_t nr_fields;
    /* Rules across fields, run on the decoded copy before anything is applied: fail the
     * reader (hv__snap_r_fail) to refuse the section. `live` is the current state. May be
     * NULL. */
    void (*check)(struct hv_snap_r *r, const void *decoded, const void *live);
};

/* The walkers inside a section the caller opened (a list describing one entry of a
 * table, say): write the fields of `state`; read them into `copy` (a copy of the live
 * state: fields older sections lack stay as they are), failing the reader on a mask or
 * constant mismatch; copy the listed fields from src to dst. */
void hv__snap_put_fields(struct hv_snap_w *w, const struct hv_snap_field *fields, size_t n,
                         const void *state);
void hv__snap_get_fields(struct hv_snap_r *r, const struct hv_snap_field *fields, size_t n,
                         void *copy);
void hv__snap_copy_fields(void *dst, const void *src, const struct hv_snap_field *fields,
                          size_t n);

/* Write `state` as the section d->name (index < 0) or "<d->name>.<index>". */
void hv__snap_put_state(struct hv_snap_w *w, const struct hv_snap_desc *d, int index,
                        const void *state);
/* Read that section into a copy of `state`, validate every field (masks, constants, the
 * check hook, the whole payload consumed), and only then copy the fields into `state`.
 * Returns 0, or a negative HV_E* with a message naming the section and the field (state
 * untouched). */
int hv__snap_get_state(const struct hv_snap_index *idx, const struct hv_snap_desc *d,
                       int index, void *state, char *err, size_t errlen);

#endif
