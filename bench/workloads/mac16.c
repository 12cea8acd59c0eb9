/* SPDX-License-Identifier: MIT */
/* mac16 — 16-bit fixed-point signal code, as on a microcontroller without a DSP unit:
 * Q15 matrix multiply-accumulate (int16 operands, int32 accumulators, rounding shift and
 * saturation back to int16) chained matrix after matrix, and a 16-tap Q15 FIR filter
 * over a block of samples with the same saturating arithmetic. */
#include "bench.h"

#define N 20
#define TAPS 16
#define BLOCK 512

static int16_t ma[N][N], mb[N][N], mc[N][N];
static int16_t coef[TAPS], samples[BLOCK + TAPS], out[BLOCK];

static int16_t sat16(int32_t v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v;
}

static void matmul_q15(int16_t c[N][N], const int16_t a[N][N], const int16_t b[N][N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            int32_t acc = 0;
            for (int k = 0; k < N; k++)
                acc += (int32_t)a[i][k] * b[k][j];
            c[i][j] = sat16((acc + (1 << 14)) >> 15);
        }
}

static void fir_q15(int16_t *y, const int16_t *x, const int16_t *h, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        int32_t acc = 0;
        for (unsigned k = 0; k < TAPS; k++)
            acc += (int32_t)x[i + k] * h[k];
        y[i] = sat16((acc + (1 << 14)) >> 15);
    }
}

int main(void)
{
    uint64_t s = 16;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            ma[i][j] = (int16_t)bench_rand(&s);
            mb[i][j] = (int16_t)((int16_t)bench_rand(&s) >> 2);
        }
    for (int k = 0; k < TAPS; k++)
        coef[k] = (int16_t)(((int16_t)bench_rand(&s)) >> 3);
    for (int i = 0; i < BLOCK + TAPS; i++)
        samples[i] = (int16_t)bench_rand(&s);
    uint64_t sum = 0;
    for (int round = 0; round < 160 * BENCH_SCALE; round++) {
        matmul_q15(mc, ma, mb);
        for (int i = 0; i < N; i++) {
            sum = sum * 31 + (uint16_t)mc[i][(i + round) % N];
            ma[i][round % N] = (int16_t)(mc[i][i] ^ (int16_t)round);   /* feed back */
        }
        fir_q15(out, samples, coef, BLOCK);
        for (int i = 0; i < BLOCK; i += 16)
            sum += (uint16_t)out[i];
        samples[round % BLOCK] = out[(round * 7) % BLOCK];
    }
    return bench_report("mac16", sum, BENCH_SCALE == 1 ? 0xbdb9c784f9089c55ull : sum);
}
