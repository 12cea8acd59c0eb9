/* SPDX-License-Identifier: MIT */
/* libhv full backend — virtio-rng (entropy device) on the virtio-mmio transport: fills the
 * writable part of each request. Entropy comes from the host's getrandom(), or, in
 * deterministic mode, from a xoshiro256** generator seeded from the VM's rng_seed so two
 * runs see the same bytes. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "backends/full/virtio_mmio.h"

#define VIRTIO_ID_RNG 4
#define QUEUE_MAX 64u
#define CHUNK 256u
#define MAX_PER_REQUEST 65536u     /* the device may fill less than offered */

struct vrng {
    bool deterministic;
    uint64_t s[4];                   /* xoshiro256** state (deterministic mode) */
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t xoshiro_next(uint64_t s[4])
{
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void fill(struct vrng *r, uint8_t *buf, size_t len)
{
    if (r->deterministic) {
        for (size_t i = 0; i < len; i += 8) {
            uint64_t x = xoshiro_next(r->s);
            memcpy(buf + i, &x, len - i < 8 ? len - i : 8);
        }
        return;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    /* getrandom cannot fail for these sizes once the pool is initialised; should it ever,
     * never hand the guest stale buffer contents as entropy. */
    if (done < len)
        memset(buf + done, 0, len - done);
}

static int config_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
    *val = 0;                        /* no config space */
    return 0;
}

static void notify(struct hvf_virtio *vio, void *dev, unsigned q)
{
    struct vrng *r = dev;
    struct hvf_vq_chain c;
    bool pushed = false;
    while (hvf_vq_pop(vio, q, &c) > 0) {
        uint8_t buf[CHUNK];
        uint64_t done = 0, want = c.wlen < MAX_PER_REQUEST ? c.wlen : MAX_PER_REQUEST;
        while (done < want) {
            uint64_t n = want - done < CHUNK ? want - done : CHUNK;
            fill(r, buf, n);
            if (hvf_vq_write(vio, &c, done, buf, n) < 0)
                break;
            done += n;
        }
        hvf_vq_push(vio, q, &c, (uint32_t)done);
        pushed = true;
    }
    if (pushed)
        hvf_vq_interrupt(vio, q);
}

static void destroy(void *dev)
{
    free(dev);
}

/* Snapshot: the PRNG state, so a restored deterministic VM draws the same bytes
 * as the original would have. Host entropy has no state. */
static void vrng_save(void *dev, struct hv_snap_w *w)
{
    const struct vrng *r = dev;
    hv__snap_put_bool(w, r->deterministic);
    for (unsigned i = 0; i < 4; i++)
        hv__snap_put_u64(w, r->s[i]);
}

static void vrng_load(void *dev, struct hv_snap_r *rd)
{
    struct vrng *r = dev;
    uint64_t s[4];
    bool det = hv__snap_get_bool(rd);
    for (unsigned i = 0; i < 4; i++)
        s[i] = hv__snap_get_u64(rd);
    if (hv__snap_r_ok(rd) && det != r->deterministic)
        hv__snap_r_fail(rd, "rng is %sdeterministic in the snapshot", det ? "" : "not ");
    if (hv__snap_r_done(rd))
        memcpy(r->s, s, sizeof(s));
}

static const struct hvf_virtio_ops vrng_ops = {
    .name = "rng",
    .device_id = VIRTIO_ID_RNG,
    .nr_queues = 1,
    .queue_max = QUEUE_MAX,
    .config_read = config_read,
    .notify = notify,
    .destroy = destroy,
    .save = vrng_save,
    .load = vrng_load,
};

int hvf_virtio_rng_attach(struct hvf_virtio *vio, bool deterministic, uint64_t seed,
                          char *err, size_t errlen)
{
    struct vrng *r = calloc(1, sizeof(*r));
    if (!r)
        return hv__errf(err, errlen, HV_ENOMEM, "virtio-rng: out of memory");
    r->deterministic = deterministic;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
    int rc = hvf_virtio_attach(vio, &vrng_ops, r, 0, err, errlen);
    if (rc < 0)
        free(r);
    return rc;
}
