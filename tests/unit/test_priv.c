/* SPDX-License-Identifier: MIT */
/* Unit tests for the shared S/U privileged layer (libhv/priv/smode.c) on a bare hart state:
 * the S interrupt priority and enablement, xtvec targets and WARL, senvcfg WARL, the sstatus
 * view, satp WARL, sie/sip through a delegation mask, and S trap entry / SRET. The page
 * walker is exercised through both backends (test_para_smode, the full ISA guests). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include "priv/priv.h"

static struct hv_cpu *new_cpu(void)
{
    struct hv_cpu *cpu = calloc(1, sizeof(*cpu));
    cr_assert_not_null(cpu);
    return cpu;
}

Test(priv, s_interrupt_priority_and_enable)
{
    const uint64_t all = MIP_SSIP | MIP_STIP | MIP_SEIP;
    cr_assert_eq(hv__priv_s_irq(all, HV_PRIV_U, 0), IRQ_SEI, "U: always enabled");
    cr_assert_eq(hv__priv_s_irq(MIP_SSIP | MIP_STIP, HV_PRIV_U, 0), IRQ_SSI);
    cr_assert_eq(hv__priv_s_irq(MIP_STIP, HV_PRIV_U, 0), IRQ_STI);
    cr_assert_eq(hv__priv_s_irq(all, HV_PRIV_S, 0), -1, "S: needs SIE");
    cr_assert_eq(hv__priv_s_irq(all, HV_PRIV_S, MSTATUS_SIE), IRQ_SEI);
    cr_assert_eq(hv__priv_s_irq(all, HV_PRIV_M, MSTATUS_SIE | MSTATUS_MIE), -1, "never in M");
    cr_assert_eq(hv__priv_s_irq(0, HV_PRIV_U, 0), -1);
}

Test(priv, tvec_and_envcfg)
{
    cr_assert_eq(hv__priv_tvec_target(0x80001001, HV_EXC_ILLEGAL), 0x80001000,
                 "exceptions enter at base");
    cr_assert_eq(hv__priv_tvec_target(0x80001001, CAUSE_INTERRUPT | IRQ_SEI), 0x80001024);
    cr_assert_eq(hv__priv_tvec_target(0x80001000, CAUSE_INTERRUPT | IRQ_SEI), 0x80001000);
    cr_assert_eq(hv__priv_legal_tvec(0x1001, 0x2002), 0x2001, "reserved mode keeps the old");
    cr_assert_eq(hv__priv_legal_tvec(0x1001, 0x2000), 0x2000);
    cr_assert_eq(hv__priv_legal_envcfg(~0ull, SENVCFG_WMASK), SENVCFG_WMASK);
    cr_assert_eq(hv__priv_legal_envcfg(2ull << 4, SENVCFG_WMASK), 0, "CBIE 10 reads 00");
    cr_assert_eq(hv__priv_status_read(MSTATUS_FS), MSTATUS_FS | MSTATUS_XL64 | MSTATUS_SD);
    cr_assert_eq(hv__priv_status_read(1ull << 13), (1ull << 13) | MSTATUS_XL64);
}

Test(priv, s_csrs)
{
    struct hv_cpu *cpu = new_cpu();
    struct hv_priv_s s = { 0 };
    uint64_t v;
    /* satp: Sv57 and reserved modes leave it unchanged; Sv39 keeps ASID and PPN. */
    cr_assert_not(hv__priv_satp_write(cpu, &s, 10ull << 60));
    cr_assert_not(hv__priv_satp_write(cpu, &s, 1ull << 60));
    cr_assert_eq(s.satp, 0);
    cr_assert(hv__priv_satp_write(cpu, &s, ~0ull & ~(7ull << 60)));  /* mode 8 = Sv39 */
    cr_assert_eq(s.satp, (8ull << 60) | SATP_ASID_MASK | SATP_PPN_MASK);
    cr_assert(hv__priv_paging(&s));
    /* sie/sip through the delegation mask; sip writes only SSIP. */
    cpu->exit_request = 0;
    cr_assert_eq(hv__priv_s_set(cpu, &s, CSR_SIE, MIP_SSIP | MIP_SEIP, ~0ull), 0);
    cr_assert_eq(s.ie, MIP_SSIP | MIP_SEIP);
    cr_assert_eq(cpu->exit_request, 1);
    cr_assert_eq(hv__priv_s_set(cpu, &s, CSR_SIP, MIP_S_BITS, ~0ull), 0);
    cr_assert_eq(s.ip_sw, MIP_SSIP);
    cr_assert_eq(hv__priv_s_get(&s, CSR_SIP, MIP_SSIP, MIP_S_BITS | MIP_MTIP, &v), 0);
    cr_assert_eq(v, MIP_SSIP);
    /* sstatus: only its bits, SD computed. */
    cr_assert_eq(hv__priv_s_set(cpu, &s, CSR_SSTATUS, 0, ~0ull), 0);
    cr_assert_eq(s.status, SSTATUS_WMASK);
    cr_assert_eq(hv__priv_s_get(&s, CSR_SSTATUS, 0, 0, &v), 0);
    cr_assert_eq(v, SSTATUS_WMASK | MSTATUS_SD | (2ull << 32));
    cr_assert_eq(hv__priv_s_set(cpu, &s, CSR_SEPC, 0, 0x1003), 0);
    cr_assert_eq(s.sepc, 0x1002);
    cr_assert_eq(hv__priv_s_set(cpu, &s, CSR_SCOUNTEREN, 0, ~0ull), 0);
    cr_assert_eq(s.scounteren, 0xffffffffull);
    cr_assert_eq(hv__priv_s_get(&s, 0x300, 0, 0, &v), -1, "mstatus is not an S CSR");
    cr_assert_eq(hv__priv_s_set(cpu, &s, CSR_STIMECMP, 0, 0), -1, "stimecmp is the caller's");
    free(cpu);
}

Test(priv, trap_entry_and_sret)
{
    struct hv_cpu *cpu = new_cpu();
    struct hv_priv_s s = { .status = MSTATUS_SIE, .stvec = 0x80002001 };
    cpu->priv = HV_PRIV_S;
    cpu->pc = 0x80000100;
    cpu->reservation = 0x80000000;
    hv__priv_enter_s(cpu, &s, CAUSE_INTERRUPT | IRQ_SSI, 0);
    cr_assert_eq(cpu->pc, 0x80002004);
    cr_assert_eq(s.sepc, 0x80000100);
    cr_assert_eq(s.scause, CAUSE_INTERRUPT | IRQ_SSI);
    cr_assert_eq(s.status & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP),
                 MSTATUS_SPIE | MSTATUS_SPP);
    cr_assert_eq(cpu->reservation, HV_TLB_INVALID);
    hv__priv_sret(cpu, &s);
    cr_assert_eq(cpu->pc, 0x80000100);
    cr_assert_eq(cpu->priv, HV_PRIV_S);
    cr_assert_eq(s.status & (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP),
                 MSTATUS_SIE | MSTATUS_SPIE);
    /* From U: SPP = U, SRET goes back to U. */
    cpu->priv = HV_PRIV_U;
    hv__priv_enter_s(cpu, &s, HV_EXC_ECALL_U, 0);
    cr_assert_eq(cpu->priv, HV_PRIV_S);
    cr_assert_eq(s.status & MSTATUS_SPP, 0);
    cr_assert_eq(cpu->pc, 0x80002000);
    hv__priv_sret(cpu, &s);
    cr_assert_eq(cpu->priv, HV_PRIV_U);
    free(cpu);
}
