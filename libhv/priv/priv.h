/* SPDX-License-Identifier: MIT */
/* libhv priv — the S/U privileged machinery both backends share (privileged spec 1.12):
 * the supervisor CSR file with its WARL rules, S-mode trap entry and SRET, the S-level
 * interrupt selection (this header, smode.c), and the Sv39/Sv48 page walker with the
 * soft-TLB install (sv.h). The full backend puts M-mode, PMP and a board on top; the para
 * backend puts SBI and PV devices on top. State lives in struct hv_priv_s, which each backend embeds in its per-hart state:
 * `status` is in mstatus layout (full keeps its M bits there too), `ie`/`ip_sw` in mie/mip
 * layout. Nothing here sleeps, prints or allocates. */
#ifndef HV_PRIV_PRIV_H
#define HV_PRIV_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "core/engine.h"
#include "core/vm.h"

/* ---- CSR numbers (unprivileged and supervisor) --------------------------------------- */
enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02, CSR_HPMCOUNTER3 = 0xc03,
    CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105, CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a, CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143, CSR_SIP = 0x144, CSR_STIMECMP = 0x14d, CSR_SATP = 0x180
};

/* ---- status fields (mstatus layout; sstatus is a view of it) ------------------------- */
#define MSTATUS_SIE   (1ull << 1)
#define MSTATUS_MIE   (1ull << 3)
#define MSTATUS_SPIE  (1ull << 5)
#define MSTATUS_MPIE  (1ull << 7)
#define MSTATUS_SPP   (1ull << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP   (3ull << 11)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS    (3ull << 13)
#define MSTATUS_MPRV  (1ull << 17)
#define MSTATUS_SUM   (1ull << 18)
#define MSTATUS_MXR   (1ull << 19)
#define MSTATUS_TVM   (1ull << 20)
#define MSTATUS_TW    (1ull << 21)
#define MSTATUS_TSR   (1ull << 22)
#define MSTATUS_UXL   (3ull << 32)
#define MSTATUS_SXL   (3ull << 34)
#define MSTATUS_SD    (1ull << 63)
#define MSTATUS_XL64  ((2ull << 32) | (2ull << 34))    /* UXL = SXL = 64, read-only */
#define SSTATUS_WMASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | \
                       MSTATUS_MXR)
#define SSTATUS_RMASK (SSTATUS_WMASK | MSTATUS_UXL | MSTATUS_SD)

/* ---- interrupts ----------------------------------------------------------------------- */
enum { IRQ_SSI = 1, IRQ_MSI = 3, IRQ_STI = 5, IRQ_MTI = 7, IRQ_SEI = 9, IRQ_MEI = 11 };
#define MIP_SSIP (1ull << IRQ_SSI)
#define MIP_MSIP (1ull << IRQ_MSI)
#define MIP_STIP (1ull << IRQ_STI)
#define MIP_MTIP (1ull << IRQ_MTI)
#define MIP_SEIP (1ull << IRQ_SEI)
#define MIP_MEIP (1ull << IRQ_MEI)
#define MIP_S_BITS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define CAUSE_INTERRUPT (1ull << 63)

/* ---- envcfg --------------------------------------------------------------------------- */
#define MENVCFG_FIOM  (1ull << 0)
#define MENVCFG_CBIE  (3ull << 4)      /* Zicbom cbo.inval: 00 illegal, 01 flush, 11 inval */
#define MENVCFG_CBCFE (1ull << 6)      /* Zicbom cbo.clean / cbo.flush enabled */
#define MENVCFG_CBZE  (1ull << 7)      /* Zicboz cbo.zero enabled */
#define MENVCFG_PBMTE (1ull << 62)     /* Svpbmt: PBMT bits in PTEs honoured (else reserved) */
#define MENVCFG_STCE  (1ull << 63)
/* Bits senvcfg has (FIOM and the cache-block enables for U-mode). */
#define SENVCFG_WMASK (MENVCFG_FIOM | MENVCFG_CBIE | MENVCFG_CBCFE | MENVCFG_CBZE)

/* ---- satp ----------------------------------------------------------------------------- */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_ASID_MASK (0xffffull << 44)
#define SATP_PPN_MASK ((1ull << 44) - 1)

/* ---- state ------------------------------------------------------------------------------ */
struct hv_priv_s {
    uint64_t status;        /* mstatus layout, without SD/UXL/SXL (computed on read) */
    uint64_t ie;            /* mie layout: sie is ie & delegated */
    uint64_t ip_sw;         /* software-writable pending bits, mip layout */
    uint64_t stvec, sepc, scause, stval, sscratch, satp, scounteren, senvcfg;
};

static inline bool hv__priv_paging(const struct hv_priv_s *s)
{
    return (s->satp >> SATP_MODE_SHIFT) != SATP_MODE_BARE;
}

/* ---- smode.c: CSR semantics --------------------------------------------------------------- */

/* The supervisor CSRs without side effects on anything but `s`, given the delegated
 * interrupt mask `deleg` (sie/sip views) and the current pending bits `ip` (mip layout, the
 * backend's own composition). sstatus reads `status` through SSTATUS_RMASK with SD computed
 * from FS. Return 0, or -1 when csr is not one of the S CSRs handled here (sstatus, sie,
 * stvec, scounteren, senvcfg, sscratch, sepc, scause, stval, sip, satp). */
int hv__priv_s_get(const struct hv_priv_s *s, unsigned csr, uint64_t deleg, uint64_t ip,
                  uint64_t *val);
/* Write one of those CSRs with its WARL rules: sstatus through SSTATUS_WMASK (soft-TLB
 * flushed when SUM/MXR change), sie/sip within `deleg` (sip: SSIP only), stvec MODE over
 * {Direct, Vectored}, sepc bit 0 clear, scounteren 32 bits, senvcfg WMASK with the
 * reserved CBIE value reading 0, satp (an unsupported mode leaves satp unchanged). Sets
 * cpu->exit_request where an interrupt may have become enabled. -1: not an S CSR here. */
int hv__priv_s_set(struct hv_cpu *cpu, struct hv_priv_s *s, unsigned csr, uint64_t deleg,
                  uint64_t val);
/* Write status bits `mask` (mstatus layout). MPP's reserved value 2 leaves MPP unchanged;
 * the soft-TLB is flushed when a bit translation depends on (MPRV, MPP, SUM, MXR) changes;
 * exit_request is set (an enable bit may have changed). */
void hv__priv_status_write(struct hv_cpu *cpu, struct hv_priv_s *s, uint64_t val,
                          uint64_t mask);
/* satp WARL: Bare, Sv39, Sv48; any other mode leaves satp unchanged (false). On success the
 * soft-TLB is flushed and exit_request set. */
bool hv__priv_satp_write(struct hv_cpu *cpu, struct hv_priv_s *s, uint64_t val);
/* xtvec MODE is WARL over {Direct, Vectored}: reserved modes keep the old mode. */
uint64_t hv__priv_legal_tvec(uint64_t old, uint64_t val);
/* xenvcfg: bits in mask, the reserved CBIE value 10 reads as 00. */
uint64_t hv__priv_legal_envcfg(uint64_t val, uint64_t mask);
/* sstatus/mstatus read value: status with UXL = SXL = 64 and SD = (FS == Dirty). */
static inline uint64_t hv__priv_status_read(uint64_t status)
{
    uint64_t v = status | MSTATUS_XL64;
    if ((v & MSTATUS_FS) == MSTATUS_FS)
        v |= MSTATUS_SD;
    return v;
}

/* Raise an illegal-instruction exception with xtval = the instruction's bits, re-read at
 * cpu->pc (policy hooks run with pc at the instruction being executed; a compressed
 * instruction gives its 16 bits). Returns HV_STEP_TRAP. */
int hv__priv_illegal(struct hv_cpu *cpu);

/* ---- smode.c: traps and interrupts ------------------------------------------------------ */

/* Where a trap with `cause` enters through xtvec (vectored: interrupts at base + 4*code). */
static inline uint64_t hv__priv_tvec_target(uint64_t tvec, uint64_t cause)
{
    uint64_t target = tvec & ~3ull;
    if ((cause & CAUSE_INTERRUPT) && (tvec & 1))
        target += 4 * (cause & ~CAUSE_INTERRUPT);
    return target;
}
/* Enter S-mode for a trap from cpu->priv (U or S): scause, sepc = pc, stval, SPP = the old
 * privilege, SPIE = SIE, SIE = 0, priv = S, pc = the stvec target, LR/SC reservation lost.
 * Neither flushes the soft-TLB nor counts the trap: the caller knows its translation
 * regimes and its statistics. */
void hv__priv_enter_s(struct hv_cpu *cpu, struct hv_priv_s *s, uint64_t cause, uint64_t tval);
/* SRET's state change (the caller checks that it is legal and flushes the soft-TLB if its
 * regime changed): SIE = SPIE, SPIE = 1, priv = SPP, SPP = U, MPRV = 0 (a return below M),
 * pc = sepc, reservation lost, exit_request set (a pending interrupt may be enabled now). */
void hv__priv_sret(struct hv_cpu *cpu, struct hv_priv_s *s);
/* The highest-priority S-level interrupt (SEI > SSI > STI) in `pending` (pending & enabled
 * & delegated) that may be taken at privilege `priv` (below S always, in S with SIE, never
 * in M), or -1. */
int hv__priv_s_irq(uint64_t pending, unsigned priv, uint64_t status);

#endif
