/* SPDX-License-Identifier: MIT */
/* libhv internal — boot-image loading into guest memory: ELF64 RISC-V executables and raw
 * images. Every offset and size read from a file is bounds-checked against the file and
 * against guest memory before anything is copied. */
#ifndef HV_LOADER_LOADER_H
#define HV_LOADER_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "mem/mem.h"

struct hv_elf_info {
    uint64_t entry;
    uint64_t lowest, highest;   /* [lowest, highest) spanned by PT_LOAD segments (gpa) */
    uint64_t tohost, fromhost;  /* addresses of the HTIF symbols, 0 if absent */
};

/* Load an ELF64 little-endian EM_RISCV ET_EXEC image from memory into guest memory (each
 * PT_LOAD at p_paddr; bytes past p_filesz zeroed). Segments must lie in RAM/ROM. */
int hv__elf_load(struct hv_mem *mem, const void *image, size_t len, struct hv_elf_info *info,
                 char *err, size_t errlen);

/* Look up a symbol's value in an ELF image's .symtab. Returns 0 and sets *value, or
 * HV_ENOENT, or HV_EFORMAT for a malformed symbol table. */
int hv__elf_symbol(const void *image, size_t len, const char *name, uint64_t *value,
                   char *err, size_t errlen);

/* A copy of an image's defined symbols (the VM keeps the kernel's for hv_vm_symbol). */
struct hv_elf_syms;
/* Copy the .symtab of an ELF image. HV_ENOENT without one (stripped), HV_EFORMAT for a
 * malformed one, HV_ENOMEM. *out is freed with hv__elf_syms_free. */
int hv__elf_syms_copy(const void *image, size_t len, struct hv_elf_syms **out,
                      char *err, size_t errlen);
/* Value and size of the symbol `name` (a global definition before a local one), or
 * HV_ENOENT. `s` may be NULL (no table: HV_ENOENT). */
int hv__elf_syms_find(const struct hv_elf_syms *s, const char *name, uint64_t *value,
                      uint64_t *size);
void hv__elf_syms_free(struct hv_elf_syms *s);

/* True if the buffer starts with the ELF magic. */
int hv__elf_is_elf(const void *image, size_t len);

/* The RISC-V Linux Image header. */
struct hv_image_info {
    uint64_t text_offset;       /* load offset from the start of RAM (0x200000 on RV64) */
    uint64_t image_size;        /* bytes the loaded kernel spans, BSS included (>= file) */
};
/* 0 and *info if `data` is a kernel Image (magic "RSC\x05" at 0x38); HV_ENOENT if it is
 * not one; HV_EFORMAT (message in err) for an Image with impossible header fields. */
int hv__image_parse(const void *data, size_t len, struct hv_image_info *info,
                    char *err, size_t errlen);

/* Copy a raw image to gpa; it must fit in RAM/ROM. */
int hv__raw_load(struct hv_mem *mem, uint64_t gpa, const void *image, size_t len,
                 char *err, size_t errlen);

/* Read a whole host file into malloc'd memory (*data, *len). Refuses files over max_len. */
int hv__file_read(const char *path, size_t max_len, void **data, size_t *len,
                  char *err, size_t errlen);

#endif
