/* SPDX-License-Identifier: MIT */
/* libhv internal — helpers shared by the config layer: the string arena a config owns
 * (cfg->owned_), the keyword tables used by both the XML reader and writer, and libvirt's
 * memory-unit scaling. */
#ifndef HV_CONFIG_INTERNAL_H
#define HV_CONFIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "hv/config.h"

/* Copy `n` bytes of `s` plus a NUL into storage owned by `cfg` (freed by
 * hv_config_dispose). Returns NULL when out of memory. */
char *hv__cfg_strndup(struct hv_config *cfg, const char *s, size_t n);

/* Free everything hanging off cfg->owned_ and set it to NULL. */
void hv__cfg_free_owned(struct hv_config *cfg);

/* One keyword <-> enum value pair; tables end with a NULL name. */
struct hv__kw {
    const char *name;
    int value;
};

extern const struct hv__kw hv__kw_backend[];   /* <os><type>: hvm, xen, linux */
extern const struct hv__kw hv__kw_engine[];    /* <hv:engine> */
extern const struct hv__kw hv__kw_action[];    /* <on_poweroff> and friends */
extern const struct hv__kw hv__kw_chardev[];   /* <serial type=...> */
extern const struct hv__kw hv__kw_net[];       /* <interface type=...> */
extern const struct hv__kw hv__kw_loglevel[];  /* <hv:log level=...> */
extern const struct hv__kw hv__kw_hugepages[]; /* <hv:hugepages> */
extern const struct hv__kw hv__kw_kernel_boot[]; /* <hv:kernel-boot> */

/* Value of `name` in `table`; returns 0 and sets *out, or -1 if not found. */
int hv__kw_lookup(const struct hv__kw *table, const char *name, int *out);

/* First name for `value` in `table`, or NULL. */
const char *hv__kw_name(const struct hv__kw *table, int value);

/* Bytes per unit for a libvirt memory unit ("KiB", "k", "MB", "bytes", ...): power-of-1024
 * for k/KiB, power-of-1000 for KB. Case-insensitive like libvirt. 0 if unknown. */
uint64_t hv__unit_scale(const char *unit);

#endif
