/* SPDX-License-Identifier: MIT */
/* matmul — integer (int32 accumulate in int64) and double-precision matrix multiply.
 * Plain hosted C: the matrices come from malloc and the report goes through printf
 * (picolibc in the guests, the host's libc natively). */
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"

#define N 64

int main(void)
{
    int32_t(*ia)[N] = malloc(sizeof(int32_t[N][N])), (*ib)[N] = malloc(sizeof(int32_t[N][N]));
    int64_t(*ic)[N] = malloc(sizeof(int64_t[N][N]));
    double(*da)[N] = malloc(sizeof(double[N][N])), (*db)[N] = malloc(sizeof(double[N][N]));
    double(*dc)[N] = malloc(sizeof(double[N][N]));
    if (!ia || !ib || !ic || !da || !db || !dc) {
        printf("matmul: out of memory\n");
        return 1;
    }
    uint64_t s = 7;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            ia[i][j] = (int32_t)(bench_rand(&s) % 2001) - 1000;
            ib[i][j] = (int32_t)(bench_rand(&s) % 2001) - 1000;
            da[i][j] = (double)ia[i][j] / 7.0;
            db[i][j] = (double)ib[i][j] / 3.0;
        }
    uint64_t sum = 0;
    for (int rep = 0; rep < 4 * BENCH_SCALE; rep++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                int64_t acc = 0;
                double dacc = 0;
                for (int k = 0; k < N; k++) {
                    acc += (int64_t)ia[i][k] * ib[k][j];
                    dacc += da[i][k] * db[k][j];
                }
                ic[i][j] = acc;
                dc[i][j] = dacc;
            }
        for (int i = 0; i < N; i++) {
            sum += (uint64_t)ic[i][(i * 5 + rep) % N];
            sum += (uint64_t)(int64_t)(dc[(i * 3) % N][i] * 1000.0);
        }
        ia[rep % N][rep % N] += 1;
        da[rep % N][rep % N] += 0.5;
    }
    free(dc);
    free(db);
    free(da);
    free(ic);
    free(ib);
    free(ia);
    return bench_report("matmul", sum, BENCH_SCALE == 1 ? 0xffffffff044f3336ull : sum);
}
