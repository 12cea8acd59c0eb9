/* SPDX-License-Identifier: MIT */
/* libhv dev — the per-VM virtual clock. Host mode follows CLOCK_MONOTONIC from VM creation;
 * deterministic mode derives time only from the retired-instruction count, with a fixed
 * wall-clock epoch, so two runs of the same guest see identical time. */
#include <time.h>
#include "dev/dev.h"
#include "snapshot/stream.h"

#define NS_PER_SEC 1000000000ull
#define NS_PER_TICK (NS_PER_SEC / HV_TIMEBASE_HZ)    /* 100 ns */
#define DEFAULT_INSNS_PER_TICK 10ull
/* 2025-01-01T00:00:00Z: the deterministic wall clock's origin. */
#define DETERMINISTIC_EPOCH_S 1735689600ull

static uint64_t read_clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t hv__host_monotonic_ns(void)
{
    return read_clock_ns(CLOCK_MONOTONIC);
}

void hv__clock_init(struct hv_clock *clk, bool deterministic, uint64_t insns_per_tick)
{
    /* The insns hook is left NULL: the VM sets clk->insns / insns_opaque once its vCPUs
     * exist. Until then deterministic time reads as 0. */
    *clk = (struct hv_clock){
        .deterministic = deterministic,
        .start_ns = hv__host_monotonic_ns(),
        .insns_per_tick = insns_per_tick ? insns_per_tick : DEFAULT_INSNS_PER_TICK,
        .wall_base_ns = deterministic ? DETERMINISTIC_EPOCH_S * NS_PER_SEC
                                      : read_clock_ns(CLOCK_REALTIME),
    };
}

uint64_t hv__clock_ticks(const struct hv_clock *clk)
{
    if (!clk->deterministic)
        return (hv__host_monotonic_ns() - clk->start_ns) / NS_PER_TICK;
    if (!clk->insns)
        return 0;
    /* Guard a caller that zeroed the field after init: never divide by zero. */
    uint64_t ipt = clk->insns_per_tick ? clk->insns_per_tick : DEFAULT_INSNS_PER_TICK;
    return clk->insns(clk->insns_opaque) / ipt;
}

#define SKIP_MAX (1ull << 62)

uint64_t hv__clock_skip_insns(const struct hv_clock *clk, uint64_t deadline, uint64_t instret)
{
    if (deadline == UINT64_MAX)
        return UINT64_MAX;
    uint64_t ipt = clk->insns_per_tick ? clk->insns_per_tick : DEFAULT_INSNS_PER_TICK;
    uint64_t total = clk->insns ? clk->insns(clk->insns_opaque) : 0;
    if (deadline > (SKIP_MAX + total) / ipt || instret > SKIP_MAX)
        return UINT64_MAX;
    /* To the first instruction count at which the clock reads `deadline`: a skip that
     * stops there, and not a whole number of ticks from a rounded-down "now", lands on
     * the same count however the sleep was cut into runs. */
    uint64_t target = deadline * ipt;
    return target > total ? target - total : 0;
}

uint64_t hv__clock_ns(const struct hv_clock *clk)
{
    if (!clk->deterministic)
        return hv__host_monotonic_ns() - clk->start_ns;
    /* Whole ticks only, so ns, ticks and wall time always agree with each other. */
    return hv__clock_ticks(clk) * NS_PER_TICK;
}

uint64_t hv__clock_wall_ns(const struct hv_clock *clk)
{
    return clk->wall_base_ns + hv__clock_ns(clk);
}

#define CLOCK_SNAP_VERSION 1

void hv__clock_snapshot_save(const struct hv_clock *clk, struct hv_snap_w *w)
{
    hv__snap_begin(w, "clock", CLOCK_SNAP_VERSION);
    hv__snap_put_bool(w, clk->deterministic);
    hv__snap_put_u64(w, hv__clock_ns(clk));
    hv__snap_put_u64(w, clk->wall_base_ns);
    hv__snap_end(w);
}

int hv__clock_snapshot_load(struct hv_clock *clk, const struct hv_snap_index *idx,
                            char *err, size_t errlen)
{
    struct hv_snap_r r;
    hv__snap_r_open(&r, idx, "clock", CLOCK_SNAP_VERSION);
    bool det = hv__snap_get_bool(&r);
    uint64_t ns = hv__snap_get_u64(&r), wall = hv__snap_get_u64(&r);
    if (hv__snap_r_ok(&r) && det != clk->deterministic)
        hv__snap_r_fail(&r, "snapshot clock is %s, this VM's is %s",
                        det ? "deterministic" : "host time",
                        clk->deterministic ? "deterministic" : "host time");
    int rc = hv__snap_r_close(&r, err, errlen);
    if (rc < 0)
        return rc;
    clk->wall_base_ns = wall;
    /* Host mode: shift the origin so that hv__clock_ns() reads `ns` now and runs on. */
    if (!clk->deterministic)
        clk->start_ns = hv__host_monotonic_ns() - ns;
    return 0;
}
