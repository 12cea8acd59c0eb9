#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Zfh cross-check against QEMU: random half-precision operations (every Zfh arithmetic,
fused, min/max, sign-injection, compare, class and conversion instruction, all rounding
modes and dyn, special and subnormal operands, halves that are not NaN-boxed) run as one
bare-metal program on hv and on qemu-system-riscv64 -M spike -cpu rv64,Zfh=true; each
result and its fflags are printed through the HTIF console and the two outputs must be
identical. Not part of CTest (it needs QEMU); usage:
    tests/fuzz/zfh_vs_qemu.py BUILD_DIR [--seeds N] [--ops N] [--engine interp|jit|lockstep]
"""
import argparse, os, random, subprocess, sys, tempfile

def program(seed, n):
    R = random.Random(seed)
    out = []
    spec = [0,0x8000,0x7c00,0xfc00,0x7e00,0x7d00,0x7c01,0xfe01,1,0x8001,0x03ff,0x0400,0x3c00,0xbc00,0x7bff,0xfbff,0x3555,0x3c01,0x0200,0x1000,0x4000,0x5bff,0x2e66]
    def half():
        r = R.random()
        if r < 0.35: h = R.choice(spec)
        elif r < 0.5: h = (R.getrandbits(1)<<15) | (R.randint(12,18)<<10) | R.getrandbits(10)
        elif r < 0.6: h = (R.getrandbits(1)<<15) | R.getrandbits(10)  # subnormal
        else: h = R.getrandbits(16)
        return h
    def freg():
        r = R.random()
        if r < 0.9: return 0xffffffffffff0000 | half()
        if r < 0.95: return 0xffffffff00000000 | R.getrandbits(32)   # a single: not a valid half
        return R.getrandbits(64)
    def xval():
        return R.choice([0,1,-1,2**31-1,-2**31,2**32-1,2**63-1,-2**63,65504,65520,65519,4097,-70000,2**64-1, R.getrandbits(64), R.getrandbits(20), -R.getrandbits(17)]) & (2**64-1)
    rms = ['rne','rtz','rdn','rup','rmm','dyn']
    ops3 = ['fadd.h','fsub.h','fmul.h','fdiv.h']
    ops4 = ['fmadd.h','fmsub.h','fnmadd.h','fnmsub.h']
    opsr = ['fmin.h','fmax.h','fsgnj.h','fsgnjn.h','fsgnjx.h']
    cmp_ = ['feq.h','flt.h','fle.h']
    toi = ['fcvt.w.h','fcvt.wu.h','fcvt.l.h','fcvt.lu.h']
    fromi = ['fcvt.h.w','fcvt.h.wu','fcvt.h.l','fcvt.h.lu']
    out.append('#include "test.h"\n    .option arch, +zfh\n    .text\n    .globl test_main\ntest_main:\n    la s0, results')
    for i in range(n):
        a,b,c = freg(), freg(), freg()
        out.append(f'    li t0, {a:#x}\n    fmv.d.x f1, t0\n    li t0, {b:#x}\n    fmv.d.x f2, t0\n    li t0, {c:#x}\n    fmv.d.x f4, t0')
        frm = R.randint(0,4)
        out.append(f'    csrwi frm, {frm}\n    csrwi fflags, 0')
        k = R.random(); rm = R.choice(rms); fres = True
        if k < 0.3: out.append(f'    {R.choice(ops3)} f3, f1, f2, {rm}')
        elif k < 0.4: out.append(f'    fsqrt.h f3, f1, {rm}')
        elif k < 0.55: out.append(f'    {R.choice(ops4)} f3, f1, f2, f4, {rm}')
        elif k < 0.62: out.append(f'    {R.choice(opsr)} f3, f1, f2')
        elif k < 0.68: out.append(f'    {R.choice(cmp_)} a1, f1, f2'); fres=False
        elif k < 0.71: out.append(f'    fclass.h a1, f1'); fres=False
        elif k < 0.78: out.append(f'    {R.choice(toi)} a1, f1, {rm}'); fres=False
        elif k < 0.85: out.append(f'    li a2, {xval():#x}\n    {R.choice(fromi)} f3, a2, {rm}')
        elif k < 0.89:
            out.append(f'    li t0, {R.getrandbits(64) if R.random()<0.5 else (R.getrandbits(1)<<63)|(R.randint(990,1060)<<52)|R.getrandbits(52):#x}\n    fmv.d.x f5, t0\n    fcvt.h.d f3, f5, {rm}')
        elif k < 0.93:
            out.append(f'    li t0, {0xffffffff00000000 | ((R.getrandbits(1)<<31)|(R.randint(90,150)<<23)|R.getrandbits(23)) if R.random()<0.8 else R.getrandbits(64):#x}\n    fmv.d.x f5, t0\n    fcvt.h.s f3, f5, {rm}')
        elif k < 0.965: out.append(f'    fcvt.s.h f3, f1')
        else: out.append(f'    fcvt.d.h f3, f1')
        out.append('    fmv.x.d t1, f3' if fres else '    mv t1, a1')
        out.append('    csrr t2, fflags\n    sd t1, 0(s0)\n    sd t2, 8(s0)\n    addi s0, s0, 16')
    out.append(f'''    la s3, results
        li s4, {2*n}
    1:  ld a0, 0(s3)
        call puthex
        addi s3, s3, 8
        addi s4, s4, -1
        bnez s4, 1b
        PASS
    puthex:
        mv s5, ra
        li s6, 60
    2:  srl a1, a0, s6
        andi a1, a1, 15
        li t0, 10
        blt a1, t0, 3f
        addi a1, a1, 'a' - 10 - '0'
    3:  addi a1, a1, '0'
        call putc
        addi s6, s6, -4
        bgez s6, 2b
        li a1, 10
        call putc
        mv ra, s5
        ret
    putc:
        la t3, tohost
        la t4, fromhost
        li t0, (1 << 56) | (1 << 48)
        or t0, t0, a1
        sd t0, 0(t3)
    4:  ld t0, 0(t4)
        beqz t0, 4b
        sd zero, 0(t4)
        ret
        .bss
        .align 3
    results: .fill {2*n}, 8, 0
    ''')

    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--ops', type=int, default=3000)
    ap.add_argument('--engine', default='jit')
    a = ap.parse_args()
    isa = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'guest', 'isa')
    hv = os.path.join(a.build, 'bin', 'hv')
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for seed in range(1, a.seeds + 1):
            src, elf = os.path.join(d, 't.S'), os.path.join(d, 't.elf')
            with open(src, 'w') as f:
                f.write(program(seed, a.ops))
            subprocess.run(['riscv64-unknown-elf-gcc', '-march=rv64gc', '-mabi=lp64d',
                            '-mcmodel=medany', '-ffreestanding', '-nostdlib', '-nostartfiles',
                            '-static', '-I' + isa, '-T', os.path.join(isa, 'link.ld'), '-o',
                            elf, os.path.join(isa, 'common.S'), src], check=True)
            mine = subprocess.run([hv, 'run', '--engine', a.engine, '--bios', 'none',
                                   '--kernel', elf], capture_output=True, text=True,
                                  timeout=600).stdout
            ref = subprocess.run(['qemu-system-riscv64', '-M', 'spike', '-cpu', 'rv64,Zfh=true',
                                  '-bios', 'none', '-kernel', elf, '-nographic'],
                                 capture_output=True, text=True, timeout=600).stdout
            same = mine == ref and len(mine.split()) == 2 * a.ops
            print(f'seed {seed}: {a.ops} ops, {"same" if same else "DIFFER"}')
            bad += not same
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
