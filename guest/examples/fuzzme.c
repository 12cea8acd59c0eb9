/* SPDX-License-Identifier: MIT */
/* SDK example: a fuzzing target with a planted bug (docs/FUZZING.md). `hv fuzz` checkpoints
 * at fuzz_start, writes each input into fuzz_input / fuzz_input_len, runs to fuzz_end and
 * rolls back. The parser copies a record into a fixed buffer without checking its length:
 * an input "HV" 'C' len>16 ... overwrites the handler pointer next to the buffer, and the
 * call through it faults. Run directly, it parses a built-in harmless record. */
#include "hvguest.h"

uint8_t fuzz_input[4096];
uint32_t fuzz_input_len;

/* Empty, never inlined: their addresses are the start and end points. */
__attribute__((noinline, noipa)) void fuzz_start(void)
{
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline, noipa)) void fuzz_end(int result)
{
    __asm__ volatile("" ::"r"(result) : "memory");
}

static int ok_handler(void)
{
    return 7;
}

static struct {
    uint8_t buf[16];
    int (*handler)(void);
} rec = { .handler = ok_handler };

static int checksum(const uint8_t *p, uint32_t n)
{
    int s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += p[i] * (int)(i + 1);
    return s;
}

static int parse(const uint8_t *p, uint32_t n)
{
    if (n < 4)
        return -1;
    if (p[0] != 'H')
        return -2;
    if (p[1] != 'V')
        return -3;
    switch (p[2]) {
    case 'S':                            /* sum record */
        return checksum(p + 3, n - 3);
    case 'C': {                          /* copy record: length byte, payload */
        uint32_t len = p[3];
        if (len > n - 4)
            return -4;
        for (uint32_t i = 0; i < len; i++)   /* BUG: len is not checked against buf */
            rec.buf[i] = p[4 + i];
        return rec.handler();
    }
    default:
        return -5;
    }
}

int main(void)
{
    static const uint8_t sample[] = { 'H', 'V', 'C', 3, 'a', 'b', 'c' };
    if (!fuzz_input_len) {
        for (uint32_t i = 0; i < sizeof sample; i++)
            fuzz_input[i] = sample[i];
        fuzz_input_len = sizeof sample;
    }
    fuzz_start();
    uint32_t n = *(volatile uint32_t *)&fuzz_input_len;
    if (n > sizeof fuzz_input)
        n = sizeof fuzz_input;
    int r = parse(fuzz_input, n);
    fuzz_end(r);
    hv_guest_printf("fuzzme: parse returned %d\n", r);
    return 0;
}
