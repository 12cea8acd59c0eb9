#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A snapshot-fuzzing harness in Python through the libhv binding (docs/FUZZING.md): boot
the fuzzme example guest to fuzz_start, checkpoint, then per input roll back, write it into
fuzz_input / fuzz_input_len, run to fuzz_end under a budget and classify it, with the edge
map and a block hook counting blocks. A tiny random mutator stands in for a real fuzzer.

usage: fuzz_harness.py GUEST.elf [ITERATIONS]   (PYTHONPATH=bindings/python, HV_LIBRARY=...)
"""
import ctypes
import random
import struct
import sys

import libhv


def elf_symbols(path):
    """name -> value from an ELF64 little-endian .symtab (enough for SDK guests)."""
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    syms = {}
    for sh in secs:
        if sh[1] != 2:                       # SHT_SYMTAB
            continue
        strtab = secs[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 24):
            name, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, off)
            end = data.index(b"\0", strtab[4] + name)
            syms[data[strtab[4] + name:end].decode()] = value
    return syms


class Harness:
    def __init__(self, elf, backend="full", budget=1_000_000):
        kw = dict(backend=backend, mem_size="16M", serial="null", deterministic=1, kernel=elf)
        if backend == "full":
            kw["bios"] = "none"
        self.vm = libhv.VM(**kw)
        self.cpu = self.vm.vcpu(0)
        self.sym = elf_symbols(elf)
        self.budget = budget
        self.cpu.set_breakpoint(self.sym["fuzz_start"])
        ex = self.cpu.run(100_000_000)
        assert ex.reason == "breakpoint", ex
        self.cpu.clear_breakpoint(self.sym["fuzz_start"])
        self.cpu.set_breakpoint(self.sym["fuzz_end"])
        self.cp = self.vm.checkpoint()
        self.cov = self.vm.set_coverage(65536)
        self.blocks = 0
        self.vm.hook_block(self._on_block)

    def _on_block(self, vcpu, pc):
        self.blocks += 1              # a true return value would stop the run

    def run(self, data):
        """'ok', 'crash' or 'hang' for one input; the edge map is left in self.cov."""
        self.vm.rollback(self.cp)
        ctypes.memset(self.cov, 0, len(self.cov))
        data = data[:4096]
        self.vm.mem_write(self.sym["fuzz_input"], data)
        self.vm.mem_write(self.sym["fuzz_input_len"], struct.pack("<I", len(data)))
        ex = self.cpu.run(self.budget)
        if ex.reason == "breakpoint" and ex.pc == self.sym["fuzz_end"]:
            return "ok"
        if ex.reason == "budget":
            return "hang"
        return "crash"

    def edges(self):
        return bytes(self.cov)


def main():
    elf = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    h = Harness(elf)
    rnd = random.Random(1)
    corpus, seen = [b"HVS12"], set()
    for i in range(n):
        d = bytearray(rnd.choice(corpus))
        for _ in range(rnd.randrange(1, 4)):
            op = rnd.randrange(4)
            if op == 0 and d:
                d[rnd.randrange(len(d))] = rnd.randrange(256)
            elif op == 1:
                d.insert(rnd.randrange(len(d) + 1), rnd.choice(b"HVCS\x20\x10A"))
            elif op == 2:
                d += bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 16)))
            elif d:
                del d[rnd.randrange(len(d))]
        res = h.run(bytes(d))
        e = h.edges()
        key = bytes(1 if b else 0 for b in e) if res == "ok" else None
        if key is not None and key not in seen:
            seen.add(key)
            corpus.append(bytes(d))
        if res == "crash":
            print("crash after %d inputs: %r (%d blocks run in total)" % (i + 1, bytes(d), h.blocks))
            return 0
    print("no crash in %d inputs (corpus %d)" % (n, len(corpus)))
    return 1


if __name__ == "__main__":
    sys.exit(main())
