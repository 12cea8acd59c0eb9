/* SPDX-License-Identifier: MIT */
/* libhv — snapshot fuzzing: run a guest to a start point once, checkpoint it there, then for
 * each input roll back, write the input into the guest, run under an instruction budget to
 * an end point and classify the run. In-process (libFuzzer style: call hv_fuzz_one from
 * LLVMFuzzerTestOneInput) or behind AFL++'s forkserver (`hv fuzz`, docs/FUZZING.md). */
#ifndef HV_FUZZ_H
#define HV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "hv/export.h"
#include "hv/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Locations are ELF symbol names of the VM's kernel (cfg.kernel, looked up with
 * hv_vm_symbol) or numbers ("0x8000..."), guest-virtual. */
struct hv_fuzz_config {
    const char *start;       /* required: the checkpoint is taken before this instruction */
    const char *end;         /* reaching it ends a clean run (NULL: only a guest exit does) */
    const char *crash;       /* reaching it is a crash (a panic function); NULL: none */
    const char *input;       /* where the input bytes go (NULL: not into memory) */
    const char *input_len;   /* where its length goes, as a little-endian uint32 (NULL: no) */
    uint64_t input_max;      /* longer inputs are truncated; default 4096, never more than
                                the input symbol's size when the ELF records one */
    int console;             /* non-zero: also feed the input to the guest console */
    uint64_t budget;         /* instructions per input before it counts as a hang;
                                default 10,000,000 */
    uint64_t boot_budget;    /* instructions to reach start; default 1,000,000,000 */
    uint8_t *cov;            /* edge map (hv_vm_set_coverage) or NULL; the caller clears it */
    size_t cov_size;
};

/* Defaults: everything 0/NULL except input_max, budget and boot_budget. */
HV_API void hv_fuzz_config_init(struct hv_fuzz_config *cfg);

enum hv_fuzz_status {
    HV_FUZZ_OK = 0,          /* reached end, or the guest exited with code 0 */
    HV_FUZZ_CRASH = 1,       /* guest fault, non-zero exit code, crash report, crash point */
    HV_FUZZ_HANG = 2         /* budget used up, or the vCPU halted for good */
};

struct hv_fuzz_result {
    int status;              /* enum hv_fuzz_status */
    struct hv_exit exit;     /* the exit that ended the run */
    uint64_t instructions;   /* instructions the input ran */
};

typedef struct hv_fuzz hv_fuzz;

/* Prepare `vm` (vCPU 0, created here if needed; a single-vCPU VM) for fuzzing: run it to
 * `start`, checkpoint, set the coverage map. Strings in cfg are copied. The VM must outlive
 * the context and not be run by anyone else meanwhile. Errors: HV_EINVAL (bad config),
 * HV_ENOENT (a symbol is missing), HV_ESTATE (the guest stopped before start: the reason
 * is in hv_vm_last_error). */
HV_API int hv_fuzz_create(hv_vm *vm, const struct hv_fuzz_config *cfg, hv_fuzz **out);

/* Run one input: roll back, write it, run, classify into *res. Returns 0, or a negative
 * code when the VM itself failed (an internal error: the input is not classified). A
 * crashing input leaves the guest however it left it; the next call rolls back exactly. */
HV_API int hv_fuzz_one(hv_fuzz *f, const void *data, size_t size, struct hv_fuzz_result *res);

/* Free the context (NULL accepted); the VM stays as the last input left it. */
HV_API void hv_fuzz_destroy(hv_fuzz *f);

#ifdef __cplusplus
}
#endif
#endif
