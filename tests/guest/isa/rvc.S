/* SPDX-License-Identifier: MIT */
/* RV64C: every compressed instruction class written with its c. mnemonic (so gas emits the
 * 16-bit encoding), immediates at their extremes, sign extension of C.LW / C.ADDIW, the
 * link value of C.JALR (pc + 2), stack-pointer forms, and compressed FP loads/stores. */
#include "test.h"
    .text
    .globl test_main
test_main:
    li gp, 1
    c.li a0, -32
    EXPECT(a0, -32)
    c.li a0, 31
    EXPECT(a0, 31)
    li gp, 2
    c.lui a0, 1
    EXPECT(a0, 0x1000)
    c.lui a0, 0xfffff
    EXPECT(a0, 0xfffffffffffff000)
    c.lui a0, 31
    EXPECT(a0, 0x1f000)
    c.lui a0, 0xfffe0
    EXPECT(a0, 0xfffffffffffe0000)
    li gp, 3
    li a0, 100
    c.addi a0, -32
    EXPECT(a0, 68)
    c.addi a0, 31
    EXPECT(a0, 99)
    li gp, 4
    li a0, 0x7fffffff
    c.addiw a0, 1
    EXPECT(a0, 0xffffffff80000000)
    li a0, 0x100000005
    c.addiw a0, 0                       /* sext.w */
    EXPECT(a0, 5)
    li gp, 5
    mv s1, sp
    c.addi16sp sp, -512
    sub a0, s1, sp
    EXPECT(a0, 512)
    c.addi16sp sp, 496
    sub a0, s1, sp
    EXPECT(a0, 16)
    c.addi4spn a0, sp, 1020
    sub a0, a0, sp
    EXPECT(a0, 1020)
    c.addi4spn a0, sp, 4
    sub a0, a0, sp
    EXPECT(a0, 4)
    mv sp, s1
    li gp, 6
    li a0, 1
    c.slli a0, 63
    EXPECT(a0, 0x8000000000000000)
    c.srai a0, 63
    EXPECT(a0, -1)
    c.srli a0, 63
    EXPECT(a0, 1)
    li a0, 0x80000000
    c.srli a0, 31
    EXPECT(a0, 1)
    li a0, 0xf0f0
    c.andi a0, -32
    EXPECT(a0, 0xf0e0)
    c.andi a0, 15
    EXPECT(a0, 0)
    li gp, 7
    li a0, 5
    li a1, 7
    c.mv a2, a1
    EXPECT(a2, 7)
    c.add a2, a0
    EXPECT(a2, 12)
    li a0, 0xff00
    li a1, 0x0ff0
    mv a2, a0
    c.and a2, a1
    EXPECT(a2, 0x0f00)
    mv a2, a0
    c.or a2, a1
    EXPECT(a2, 0xfff0)
    mv a2, a0
    c.xor a2, a1
    EXPECT(a2, 0xf0f0)
    mv a2, a0
    c.sub a2, a1
    EXPECT(a2, 0xef10)
    li a2, 0x7fffffff
    li a1, 1
    c.addw a2, a1
    EXPECT(a2, 0xffffffff80000000)
    li a2, 0
    c.subw a2, a1
    EXPECT(a2, -1)
    /* loads and stores */
    li gp, 8
    la s0, buf
    li a0, 0x80000001
    c.sw a0, 124(s0)
    c.lw a1, 124(s0)
    EXPECT(a1, 0xffffffff80000001)
    li a0, 0x1122334455667788
    c.sd a0, 248(s0)
    c.ld a1, 248(s0)
    EXPECT(a1, 0x1122334455667788)
    lw a1, 248(s0)
    EXPECT(a1, 0x55667788)
    li gp, 9
    mv s1, sp
    mv sp, s0
    li a0, 0xfedcba9876543210
    c.sdsp a0, 504(sp)
    c.ldsp a1, 504(sp)
    c.swsp a0, 252(sp)
    c.lwsp a2, 252(sp)
    mv sp, s1
    EXPECT(a1, 0xfedcba9876543210)
    EXPECT(a2, 0x76543210)
    li gp, 10
    li a0, 0x3ff8000000000000             /* 1.5 */
    fmv.d.x f8, a0
    c.fsd f8, 8(s0)
    c.fld f9, 8(s0)
    fmv.x.d a1, f9
    bne a0, a1, fail
    mv s1, sp
    mv sp, s0
    c.fsdsp f8, 504(sp)
    c.fldsp f10, 504(sp)
    mv sp, s1
    fmv.x.d a1, f10
    bne a0, a1, fail
    /* control transfer */
    li gp, 11
    c.j 1f
    j fail
1:  li a0, 0
    c.beqz a0, 2f
    j fail
2:  c.bnez a0, fail
    li a0, 1
    c.bnez a0, 3f
    j fail
3:  c.beqz a0, fail
    li gp, 12
    la a1, 4f
    c.jr a1
    j fail
4:  la a1, 5f
    c.jalr a1
6:  j fail
5:  la a2, 6b
    bne ra, a2, fail                     /* link = pc + 2 */
    li gp, 13
    c.nop
    PASS

    .bss
    .align 4
buf: .fill 1024, 1, 0
