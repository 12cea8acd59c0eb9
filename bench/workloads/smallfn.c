/* SPDX-License-Identifier: MIT */
/* smallfn — firmware-style code made of many small functions (each out of line, as when
 * they live in other translation units: every one a call and a return through ra) on 8-
 * and 16-bit data: a sensor pipeline that reads raw 12-bit samples from a register-like
 * struct, calibrates them (int16 offset and Q8 gain with saturation), filters them
 * (exponential moving average in int16), converts to int8 deltas, packs status bits into
 * a byte, updates 8-bit counters that wrap, and keeps a running 8-bit checksum; accessors
 * and predicates are functions too. Signed/unsigned 8/16-bit values are sign- or
 * zero-extended at every step, as C's integer promotions require. */
#include "bench.h"

#define CHANNELS 8
#define SAMPLES 512

struct channel {
    uint16_t raw;               /* 12-bit ADC value */
    int16_t offset;
    uint8_t gain_q8;            /* gain = gain_q8 / 128 */
    int16_t avg;
    int8_t last_delta;
    uint8_t over, under;        /* wrap-around event counters */
    uint8_t status;
};

static struct channel ch[CHANNELS];
static uint16_t adc_trace[SAMPLES];

BENCH_NOINLINE static uint16_t adc_read(const struct channel *c) { return c->raw & 0x0fff; }
BENCH_NOINLINE static void adc_latch(struct channel *c, uint16_t v) { c->raw = v; }
BENCH_NOINLINE static int16_t get_offset(const struct channel *c) { return c->offset; }
BENCH_NOINLINE static uint8_t get_gain(const struct channel *c) { return c->gain_q8; }

BENCH_NOINLINE static int16_t sat_i16(int32_t v)
{
    return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int16_t)v;
}

BENCH_NOINLINE static int8_t sat_i8(int16_t v)
{
    return v > INT8_MAX ? INT8_MAX : v < INT8_MIN ? INT8_MIN : (int8_t)v;
}

BENCH_NOINLINE static int16_t calibrate(const struct channel *c, uint16_t raw)
{
    int16_t centered = (int16_t)(raw - 2048);
    int16_t shifted = sat_i16((int32_t)centered + get_offset(c));
    return sat_i16(((int32_t)shifted * get_gain(c)) >> 7);
}

BENCH_NOINLINE static int16_t ema(int16_t avg, int16_t x)
{
    return (int16_t)(avg + ((x - avg) >> 3));
}

BENCH_NOINLINE static int is_over(int16_t v) { return v > 1500; }
BENCH_NOINLINE static int is_under(int16_t v) { return v < -1500; }

BENCH_NOINLINE static uint8_t pack_status(int over, int under, int8_t delta, uint8_t prev)
{
    uint8_t s = (uint8_t)((prev << 1) & 0xf0);
    s |= (uint8_t)(over ? 1 : 0) | (uint8_t)(under ? 2 : 0);
    s |= (uint8_t)((delta < 0) << 2) | (uint8_t)((delta == INT8_MAX || delta == INT8_MIN) << 3);
    return s;
}

BENCH_NOINLINE static uint8_t bump(uint8_t counter) { return (uint8_t)(counter + 37); }

BENCH_NOINLINE static uint8_t csum8(uint8_t sum, uint8_t b)
{
    sum = (uint8_t)(sum + b);
    return (uint8_t)((sum << 1) | (sum >> 7));
}

BENCH_NOINLINE static uint8_t process(struct channel *c, uint16_t sample, uint8_t sum)
{
    adc_latch(c, sample);
    int16_t v = calibrate(c, adc_read(c));
    int16_t prev = c->avg;
    c->avg = ema(prev, v);
    int8_t d = sat_i8((int16_t)(c->avg - prev));
    c->last_delta = d;
    int o = is_over(c->avg), u = is_under(c->avg);
    if (o)
        c->over = bump(c->over);
    if (u)
        c->under = bump(c->under);
    c->status = pack_status(o, u, d, c->status);
    sum = csum8(sum, (uint8_t)d);
    sum = csum8(sum, c->status);
    return csum8(sum, (uint8_t)(c->avg >> 8));
}

int main(void)
{
    uint64_t s = 8051;
    for (unsigned i = 0; i < SAMPLES; i++) {
        /* a slow ramp with noise and occasional spikes */
        uint64_t r = bench_rand(&s);
        int v = 2048 + (int)((i * 13) % 1600) - 800 + (int)(r % 200) - 100;
        if ((r >> 16) % 23 == 0)
            v = (r >> 24) & 1 ? 4095 : 0;
        adc_trace[i] = (uint16_t)v;
    }
    for (unsigned c = 0; c < CHANNELS; c++) {
        ch[c].offset = (int16_t)((int)c * 37 - 140);
        ch[c].gain_q8 = (uint8_t)(100 + c * 17);
    }
    uint64_t sum = 0;
    uint8_t cs = 0;
    for (int round = 0; round < 40 * BENCH_SCALE; round++) {
        for (unsigned i = 0; i < SAMPLES; i++)
            for (unsigned c = 0; c < CHANNELS; c++)
                cs = process(&ch[c], (uint16_t)(adc_trace[(i + c * 61) % SAMPLES] + round),
                             cs);
        for (unsigned c = 0; c < CHANNELS; c++)
            sum = sum * 257 + (uint16_t)ch[c].avg + ch[c].over + ((unsigned)ch[c].under << 8)
                  + ch[c].status + (uint8_t)ch[c].last_delta;
        sum += cs;
    }
    return bench_report("smallfn", sum, BENCH_SCALE == 1 ? 0xadfe1bea923473d6ull : sum);
}
