/* SPDX-License-Identifier: MIT */
/* libhv loader — the RISC-V Linux "Image" header (Documentation/riscv/boot-image-header.rst):
 * recognise a kernel Image by its magic and read where it wants to be loaded and how much
 * memory it spans (image_size includes the BSS the file does not contain). */
#include <string.h>
#include "core/err.h"
#include "loader/loader.h"

#define HDR_SIZE 64u
#define OFF_TEXT_OFFSET 0x08u
#define OFF_IMAGE_SIZE 0x10u
#define OFF_MAGIC2 0x38u
static const char MAGIC2[4] = { 'R', 'S', 'C', 0x05 };

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int hv__image_parse(const void *data, size_t len, struct hv_image_info *info,
                    char *err, size_t errlen)
{
    const uint8_t *p = data;
    memset(info, 0, sizeof(*info));
    if (!data || len < HDR_SIZE || memcmp(p + OFF_MAGIC2, MAGIC2, sizeof MAGIC2) != 0)
        return HV_ENOENT;
    info->text_offset = le64(p + OFF_TEXT_OFFSET);
    info->image_size = le64(p + OFF_IMAGE_SIZE);
    /* A zero image_size is what very old kernels wrote: the file's length is all we know. */
    if (info->image_size == 0)
        info->image_size = len;
    if (info->image_size < len || info->image_size > (1ull << 40) ||
        info->text_offset > (1ull << 40) || (info->text_offset & 0xfff))
        return hv__errf(err, errlen, HV_EFORMAT, "kernel Image header: text_offset %#llx, "
                        "image_size %#llx for a %zu-byte file",
                        (unsigned long long)info->text_offset,
                        (unsigned long long)info->image_size, len);
    return 0;
}
