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

#endif
