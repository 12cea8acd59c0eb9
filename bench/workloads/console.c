/* SPDX-License-Identifier: MIT */
/* console — console output throughput: CONSOLE_KB KiB of 64-byte text lines through the
 * SDK's console (full: one UART LSR poll and one THR store per byte; para: one DBCN
 * console_write hypercall per line). The harness counts the lines it received. */
#include "bench.h"
#include "benchline.h"

#ifndef CONSOLE_KB
#define CONSOLE_KB 64u
#endif
#define LINE 64u
#define LINES (CONSOLE_KB * 1024u / LINE)

int main(void)
{
    char line[LINE + 1];
    uint64_t sum = 0;
    uint64_t t0 = hv_guest_time_ns();
    for (unsigned n = 0; n < LINES; n++) {
        /* "con NNNNNN " then letters, 63 characters and a newline. */
        unsigned v = n;
        line[0] = 'c'; line[1] = 'o'; line[2] = 'n'; line[3] = ' ';
        for (int d = 9; d >= 4; d--, v /= 10)
            line[d] = (char)('0' + v % 10);
        line[10] = ' ';
        for (unsigned i = 11; i < LINE - 1; i++)
            line[i] = (char)('a' + (n + i) % 26);
        line[LINE - 1] = '\n';
        line[LINE] = 0;
        hv_guest_puts(line);
        sum += (uint64_t)(n + 1) * (unsigned char)line[11];
    }
    uint64_t ns = hv_guest_time_ns() - t0;
    bench_line("console", LINES, (uint64_t)LINES * LINE, ns);
    uint64_t expect = 0;
    for (unsigned n = 0; n < LINES; n++)
        expect += (uint64_t)(n + 1) * (unsigned)('a' + (n + 11) % 26);
    return bench_report("console", sum, expect);
}
