/* SPDX-License-Identifier: MIT */
/* crc — table-driven CRC-32 (IEEE) and 64-bit FNV-1a over a generated buffer, several
 * rounds: byte loads, table lookups, shifts and xors. */
#include "bench.h"

#define LEN (256 * 1024)
static uint8_t buf[LEN];
static uint32_t table[256];

int main(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint64_t s = 12345;
    for (long i = 0; i < LEN; i++)
        buf[i] = (uint8_t)bench_rand(&s);
    uint64_t sum = 0;
    for (int round = 0; round < 8 * BENCH_SCALE; round++) {
        uint32_t crc = 0xffffffffu;
        uint64_t fnv = 0xcbf29ce484222325ull;
        for (long i = 0; i < LEN; i++) {
            crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
            fnv = (fnv ^ buf[i]) * 0x100000001b3ull;
        }
        sum += (crc ^ 0xffffffffu) ^ fnv;
        buf[round] ^= (uint8_t)sum;
    }
    return bench_report("crc", sum, BENCH_SCALE == 1 ? 0xace27289b4a1ebc6ull : sum);
}
