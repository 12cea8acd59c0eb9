/* SPDX-License-Identifier: MIT */
/* hv tool — small helpers for the subcommands: strict parsing of numeric command-line values
 * (decimal digits or 0x + hex digits only: no sign, no blanks, no trailing junk, no silent
 * wrap-around, an upper bound) and explaining a guest fault to the user. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "hv_tool.h"

int hv_tool_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    int base = 10;
    const char *digits = s;
    if (!s)
        return -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        digits = s + 2;
    }
    /* strtoull itself accepts blanks, '+' and '-' (negating the result): refuse them. */
    if (!(base == 16 ? isxdigit((unsigned char)digits[0]) : isdigit((unsigned char)digits[0])))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(digits, &end, base);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* ---- explaining a guest fault (hv run) ------------------------------------------------ */

const char *hv_tool_cause_name(uint64_t cause)
{
    static const char *const names[] = {
        "instruction address misaligned", "instruction access fault", "illegal instruction",
        "breakpoint", "load address misaligned", "load access fault",
        "store address misaligned", "store access fault", "ecall from U-mode",
        "ecall from S-mode", "reserved", "ecall from M-mode", "instruction page fault",
        "load page fault", "reserved", "store page fault" };
    return cause < sizeof(names) / sizeof(names[0]) ? names[cause] : "unknown cause";
}

void hv_tool_kernel_hint(const char *kernel)
{
    if (!kernel)
        return;
    FILE *f = fopen(kernel, "rb");
    unsigned char magic[4] = { 0 };
    size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f)
        fclose(f);
    if (n == sizeof magic && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' &&
        magic[3] == 'F')
        return;
    fprintf(stderr, "hv run: note: %s is not an ELF file: it was loaded as a raw image at the "
            "start of RAM (0x80000000) and started there; give an ELF executable, or check "
            "that the raw image is RISC-V code linked for 0x80000000\n", kernel);
}
