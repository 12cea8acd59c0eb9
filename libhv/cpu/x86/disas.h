/* SPDX-License-Identifier: MIT */
/* libhv cpu/x86 — disassembly of emitted host code for tracing (`hv run --trace=out_asm`)
 * and debugging, using capstone in Intel syntax. */
#ifndef HV_CPU_X86_DISAS_H
#define HV_CPU_X86_DISAS_H

#include <stddef.h>
#include <stdint.h>

/* Disassemble len bytes at `code`, numbered as if they sat at address `addr`, calling
 * line(opaque, text) once per instruction with "0x<addr>:  <hex bytes>  <mnemonic> <ops>"
 * (the text is valid only during the call). Undecodable bytes are reported as ".byte 0x..".
 * Returns the number of lines produced, or HV_ENOTSUP if capstone cannot be opened. */
int hv__x86_disas(const void *code, size_t len, uint64_t addr,
                  void (*line)(void *opaque, const char *text), void *opaque);

#endif
