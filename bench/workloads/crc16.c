/* SPDX-License-Identifier: MIT */
/* crc16 — CRC-16 computed bit by bit, as firmware without room for a table does it: the
 * CCITT polynomial MSB-first (X.25/XMODEM framing) and the reflected 0xA001 polynomial
 * LSB-first (Modbus RTU), over many short frames, each checked by appending its CRC and
 * recomputing; 8- and 16-bit values throughout (zero extension after every shift). */
#include "bench.h"

#define FRAMES 64
#define FRAME_MAX 70

static uint8_t frames[FRAMES][FRAME_MAX + 2];
static uint8_t frame_len[FRAMES];

static uint16_t crc_ccitt(const uint8_t *p, unsigned n, uint16_t crc)
{
    while (n--) {
        crc ^= (uint16_t)(*p++ << 8);
        for (int k = 0; k < 8; k++)
            crc = crc & 0x8000 ? (uint16_t)(crc << 1) ^ 0x1021 : (uint16_t)(crc << 1);
    }
    return crc;
}

static uint16_t crc_modbus(const uint8_t *p, unsigned n)
{
    uint16_t crc = 0xffff;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            uint16_t lsb = crc & 1;
            crc >>= 1;
            if (lsb)
                crc ^= 0xA001;
        }
    }
    return crc;
}

int main(void)
{
    uint64_t s = 1021;
    for (unsigned f = 0; f < FRAMES; f++) {
        frame_len[f] = (uint8_t)(6 + bench_rand(&s) % (FRAME_MAX - 6));
        for (unsigned i = 0; i < frame_len[f]; i++)
            frames[f][i] = (uint8_t)bench_rand(&s);
    }
    uint64_t sum = 0;
    unsigned bad = 0;
    for (int round = 0; round < 40 * BENCH_SCALE; round++) {
        for (unsigned f = 0; f < FRAMES; f++) {
            uint8_t *fr = frames[f];
            unsigned n = frame_len[f];
            uint16_t c1 = crc_ccitt(fr, n, 0xffff);
            /* XMODEM-style check: the frame followed by its CRC, high byte first, gives 0 */
            fr[n] = (uint8_t)(c1 >> 8);
            fr[n + 1] = (uint8_t)c1;
            bad += crc_ccitt(fr, n + 2, 0xffff) != 0;
            uint16_t c2 = crc_modbus(fr, n);
            /* Modbus: low byte first, the CRC over frame + CRC is 0 */
            fr[n] = (uint8_t)c2;
            fr[n + 1] = (uint8_t)(c2 >> 8);
            bad += crc_modbus(fr, n + 2) != 0;
            sum = sum * 65599 + ((uint32_t)c1 << 16 | c2);
            fr[round % n] ^= (uint8_t)c2;      /* the next round sees other data */
        }
    }
    sum += bad;
    return bench_report("crc16", sum, BENCH_SCALE == 1 ? 0x3b7f6e51c11e7710ull : sum);
}
