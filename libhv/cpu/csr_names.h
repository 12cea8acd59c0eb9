/* SPDX-License-Identifier: MIT */
/* libhv cpu — standard CSR names (as GNU objdump prints them), used by the disassembler and
 * available to debug output. */
#ifndef HV_CPU_CSR_NAMES_H
#define HV_CPU_CSR_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Name of CSR `csr` (0..4095), or NULL when it has no standard name. */
const char *hv__csr_name(unsigned csr);

#endif
