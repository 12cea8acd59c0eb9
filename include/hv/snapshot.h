/* SPDX-License-Identifier: MIT */
/* libhv — VM snapshots (to a file descriptor) and in-memory checkpoints with fast rollback.
 *
 * A snapshot holds the whole machine state: every created vCPU's registers (including the
 * privileged CSRs on the full backend), the devices (interrupt controller, timers, UART
 * with its FIFOs, RTC, virtio transports and queues, para event channels, timers and ring
 * indices), the virtual clock and guest RAM (zero pages skipped). It does NOT hold:
 *  - disk contents: disks are host files the harness owns (as with QEMU without snapshot
 *    mode disks); restore a VM with disks in the state they had when it was saved;
 *  - host back-end state: console input not yet read by the guest, network frames queued
 *    in the host fabric (dropped: to the guest this is packet loss);
 *  - embedder settings: breakpoints, deadlines, hypercall handlers, MMIO callbacks.
 * All calls here are allowed only while no vCPU of the VM runs (HV_EBUSY otherwise), and
 * the VM must have the vCPUs the snapshot has created (create them before loading). After
 * a load or a rollback each vCPU's instruction count (and so hv_vcpu_get_stats()'s
 * `instructions`) is the saved one; the other statistics keep counting. */
#ifndef HV_SNAPSHOT_H
#define HV_SNAPSHOT_H

#include <stdint.h>
#include "hv/export.h"
#include "hv/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write a snapshot of `vm` to `fd` from its current position: a header (magic, format
 * version, libhv version, backend, vCPUs, RAM size, a hash of the config fields that define
 * the machine: backend, RAM size, vCPUs, disk/NIC counts, rng, determinism), the state
 * deflated with zlib, and a trailer with a CRC32 over the whole file. fd may be a pipe. */
HV_API int hv_vm_snapshot_save(hv_vm *vm, int fd);

/* Load a snapshot from `fd` (read to EOF) into `vm`, which must be created from the same
 * config (same hash; paths may differ). A wrong, truncated or corrupt file is refused with
 * HV_EFORMAT (or HV_ENOTSUP for another backend / format version, HV_ESTATE for a machine
 * mismatch) and a message naming the cause in hv_vm_last_error(); the VM is then left
 * unchanged. After a load the engines' cached code and translations are dropped and the
 * clock continues from the snapshot's time (exactly, in deterministic mode). */
HV_API int hv_vm_snapshot_load(hv_vm *vm, int fd);

/* ---- in-memory checkpoints ------------------------------------------------------------
 * hv_vm_checkpoint saves the vCPU and device state in memory plus a copy of guest RAM (zero
 * pages cost nothing) and starts tracking written pages; hv_vm_rollback returns the VM to
 * that state, copying back only the pages written since (guest stores, device DMA, host
 * writes through hv_vm_mem_write; NOT writes through a pointer from hv_vm_mem_ptr), so it is
 * cheap for guests that write little. A checkpoint can be rolled back to any number of
 * times; rolling back to an older checkpoint than the latest one restores all of RAM
 * (slower, still correct). Checkpoints belong to the VM that made them; free them before or
 * after destroying the VM. */
/*
 * Exits waiting for an answer: a snapshot or checkpoint taken right after HV_EXIT_MMIO or
 * HV_EXIT_HYPERCALL holds the vCPU *before* that access or call. After a load or a
 * rollback the instruction executes again and exits again, so the embedder answers it
 * afresh; nothing from the exit struct passed to the next hv_vcpu_run is used before then.
 * The live VM is unaffected by taking the checkpoint: its pending exit is answered as
 * usual. (A harness can checkpoint at an MMIO read of its input register and answer it
 * differently after each rollback.) */
typedef struct hv_checkpoint hv_checkpoint;
HV_API int hv_vm_checkpoint(hv_vm *vm, hv_checkpoint **out);
HV_API int hv_vm_rollback(hv_vm *vm, const hv_checkpoint *cp);
HV_API void hv_checkpoint_free(hv_checkpoint *cp);

/* A 64-bit hash of the guest-visible state: every created vCPU's registers (x, pc, f, fcsr,
 * privilege) and instret, and the contents of guest RAM. Two deterministic runs of the same
 * inputs give the same hash. */
HV_API int hv_vm_state_hash(hv_vm *vm, uint64_t *hash);

#ifdef __cplusplus
}
#endif
#endif
