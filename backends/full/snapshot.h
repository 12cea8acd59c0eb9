/* SPDX-License-Identifier: MIT */
/* libhv full backend — snapshot entry points of the board's components. Each function lives
 * next to the state it serializes (most as a field list, snapshot/stream.h) and is reached
 * through its device's row in the device table; snapshot.c walks the table for the backend
 * ops (core/vm.h). A load function validates its whole section before changing
 * anything and returns 0 or a negative HV_E* with a message naming the section. */
#ifndef HV_FULL_SNAPSHOT_H
#define HV_FULL_SNAPSHOT_H

#include <stddef.h>
#include "backends/full/devices.h"
#include "backends/full/full.h"
#include "snapshot/stream.h"

/* csr.c: a hart's privileged state ("hart.<id>"). */
void hvf_hart_save(struct hvf_hart *h, struct hv_snap_w *w);
int hvf_hart_load(struct hvf_hart *h, const struct hv_snap_index *idx, char *err,
                  size_t errlen);
/* snapshot.c: the backend ops' hooks. */
int hvf_snapshot_save(struct hv_vm *vm, struct hv_snap_w *w);
int hvf_snapshot_load(struct hv_vm *vm, const struct hv_snap_index *idx, char *err,
                      size_t errlen);

#endif
