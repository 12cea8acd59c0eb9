/* SPDX-License-Identifier: MIT */
/* Example: instrumentation hooks (hv/hooks.h) on a hand-written program: a block hook counts
 * block starts, an instruction hook traces one instruction, a write hook sees every value
 * stored to a variable and stops the run at a chosen one, an invalid-access hook serves
 * reads of an address where nothing is mapped, and an edge-coverage map fills up.
 * Concept: hooks are set while the vCPU is stopped, run on the vCPU thread, and the same
 * program gives the same events on every engine. */
#include <stdio.h>
#include <string.h>
#include <hv/hv.h>

#define RAM 0x80000000ull
#define VAR (RAM + 0x1000)
#define HOLE 0x4000ull          /* nothing is mapped there on the full board */

/* loop: t0 = 0..9 stored to VAR; then a0 = *(u64 *)HOLE; then j . */
static const uint32_t prog[] = {
    0x00000293,   /* li t0, 0 */
    0x00a00313,   /* li t1, 10 */
    0x00001397,   /* auipc t2, 1        -> VAR (RAM + 8 + 0x1000 - 8: see below) */
    0xff838393,   /* addi t2, t2, -8    -> RAM + 0x1000 */
    0x0053b023,   /* loop: sd t0, 0(t2) */
    0x00128293,   /* addi t0, t0, 1 */
    0xfe62cce3,   /* blt t0, t1, loop */
    0x00004537,   /* lui a0, 4          -> HOLE */
    0x00053503,   /* ld a0, 0(a0) */
    0x0000006f,   /* j . */
};

static unsigned blocks;

static int on_block(void *opaque, hv_vcpu *vcpu, uint64_t pc)
{
    (void)opaque, (void)vcpu, (void)pc;
    blocks++;
    return HV_HOOK_CONTINUE;
}

static int on_insn(void *opaque, hv_vcpu *vcpu, uint64_t pc, uint32_t insn, unsigned len)
{
    (void)opaque;
    uint64_t t0 = 0;
    hv_vcpu_get_reg(vcpu, HV_REG_X(5), &t0);   /* registers are readable inside hooks */
    if (t0 == 0)
        printf("insn hook: pc %#llx insn %08x (%u bytes), t0 = %llu\n",
               (unsigned long long)pc, insn, len, (unsigned long long)t0);
    return HV_HOOK_CONTINUE;
}

static int on_write(void *opaque, hv_vcpu *vcpu, int type, uint64_t addr, unsigned size,
                    uint64_t value)
{
    (void)vcpu, (void)type;
    uint64_t stop_at = *(const uint64_t *)opaque;
    printf("write hook: %u bytes at %#llx = %llu\n", size, (unsigned long long)addr,
           (unsigned long long)value);
    return value == stop_at ? HV_HOOK_STOP : HV_HOOK_CONTINUE;
}

static int on_invalid(void *opaque, hv_vcpu *vcpu, int type, uint64_t addr, unsigned size,
                      uint64_t *value)
{
    (void)opaque, (void)vcpu;
    printf("invalid %s of %u bytes at %#llx: served 0x1234\n",
           type == HV_HOOK_MEM_WRITE ? "write" : "read", size, (unsigned long long)addr);
    *value = 0x1234;
    return HV_HOOK_RESOLVED;
}

int main(void)
{
    struct hv_config cfg;
    hv_config_init(&cfg);
    cfg.mem_size = 1 << 20;
    cfg.bios = "none";
    cfg.serial.type = HV_CHARDEV_NULL;
    hv_vm *vm;
    hv_vcpu *cpu;
    char err[256];
    if (hv_vm_create(&cfg, &vm, err, sizeof err) < 0 || hv_vcpu_create(vm, 0, &cpu) < 0) {
        fprintf(stderr, "create: %s\n", err);
        return 1;
    }
    hv_vm_mem_write(vm, RAM, prog, sizeof prog);
    hv_vcpu_set_reg(cpu, HV_REG_PC, RAM);

    static uint8_t map[1 << 16];
    uint64_t stop_at = 4;
    struct hv_hook hooks[] = {
        { .type = HV_HOOK_BLOCK, .end = UINT64_MAX, .fn.block = on_block },
        { .type = HV_HOOK_INSN, .begin = RAM + 16, .end = RAM + 16, .fn.insn = on_insn },
        { .type = HV_HOOK_MEM_WRITE, .begin = VAR, .end = VAR + 7, .fn.mem = on_write,
          .opaque = &stop_at },
        { .type = HV_HOOK_MEM_INVALID, .end = UINT64_MAX, .fn.invalid = on_invalid },
    };
    for (unsigned i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
        if (hv_vm_hook_add(vm, &hooks[i]) < 0) {
            fprintf(stderr, "hook: %s\n", hv_vm_last_error(vm));
            return 1;
        }
    if (hv_vm_set_coverage(vm, map, sizeof map) < 0)
        return 1;

    struct hv_exit ex;
    hv_vcpu_run(cpu, 1000, &ex);
    printf("run 1: exit %s at pc %#llx (the write hook stopped it after the store)\n",
           ex.reason == HV_EXIT_HOOK ? "HOOK" : "?", (unsigned long long)ex.pc);
    if (ex.reason != HV_EXIT_HOOK)
        return 1;
    hv_vcpu_run(cpu, 1000, &ex);
    uint64_t a0 = 0;
    hv_vcpu_get_reg(cpu, HV_REG_X(10), &a0);
    unsigned edges = 0;
    for (size_t i = 0; i < sizeof map; i++)
        edges += map[i] != 0;
    printf("run 2: exit %s; a0 = %#llx; %u block starts, %u distinct edges\n",
           ex.reason == HV_EXIT_BUDGET ? "BUDGET" : "?", (unsigned long long)a0, blocks, edges);
    hv_vm_destroy(vm);
    return a0 == 0x1234 && blocks > 10 && edges >= 3 ? 0 : 1;
}
