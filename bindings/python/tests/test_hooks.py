# SPDX-License-Identifier: MIT
"""Hooks, coverage and watchpoints from Python, and the snapshot-fuzzing harness of
examples/python on the fuzzme guest (needs HV_GUEST_DIR with examples/fuzzme-full.elf)."""
import os
import struct
import sys
import unittest

import libhv

RAM = 0x80000000
DATA = RAM + 0x10000
# addi a0,a0,1 ; sd a0,0(t0) ; j -8
LOOP = struct.pack("<3I", 0x00150513, 0x00a2b023, 0xff9ff06f)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "examples", "python"))


def start(backend="full", engine=None):
    kw = dict(backend=backend, mem_size="1M", serial="null")
    if backend == "full":
        kw["bios"] = "none"
    if engine:
        kw["engine"] = engine
    vm = libhv.VM(**kw)
    cpu = vm.vcpu(0)
    vm.mem_write(RAM, LOOP)
    cpu.set_reg(libhv.REG_PC, RAM)
    cpu.set_reg(5, DATA)
    return vm, cpu


class Hooks(unittest.TestCase):
    def test_block_and_mem_hooks_and_stop(self):
        for backend in ("full", "para"):
            vm, cpu = start(backend)
            blocks, writes = [], []
            vm.hook_block(lambda v, pc: blocks.append(pc))
            vm.hook_mem(lambda v, w, a, n, val: writes.append((w, a, n, val)) or val == 10,
                        DATA, DATA + 7, read=False)
            ex = cpu.run(1000)
            self.assertEqual(ex.reason, "hook")
            self.assertEqual(writes[-1], (True, DATA, 8, 10))
            self.assertEqual(len(writes), 10)
            self.assertEqual(blocks[:2], [RAM, RAM])
            self.assertEqual(cpu.get_reg(libhv.REG_PC), RAM + 8, "stops after the store")
            vm.close()

    def test_hook_exception_stops_and_raises(self):
        vm, cpu = start()

        def boom(v, pc):
            raise ValueError("from a hook")
        vm.hook_block(boom)
        with self.assertRaises(ValueError):
            cpu.run(100)

    def test_hook_writes_registers(self):
        vm, cpu = start()
        vm.hook_insn(lambda v, pc, insn, n: v.set_reg(10, 100), RAM, RAM)
        cpu.run(3)
        self.assertEqual(cpu.get_reg(10), 101)

    def test_watchpoint_and_coverage(self):
        vm, cpu = start()
        cov = vm.set_coverage(4096)
        vm.watch(DATA, 8, libhv.WATCH_WRITE)
        ex = cpu.run(1000)
        self.assertEqual(ex.reason, "watchpoint")
        self.assertEqual((ex.addr, ex.size, ex.is_write), (DATA, 8, True))
        self.assertTrue(any(cov))
        with self.assertRaises(libhv.HvError):
            vm.set_coverage(1000)


class Harness(unittest.TestCase):
    def test_fuzz_harness_classifies(self):
        gdir = os.environ.get("HV_GUEST_DIR", "")
        elf = os.path.join(gdir, "examples", "fuzzme-full.elf")
        if not os.path.exists(elf):
            self.skipTest("fuzzme-full.elf not built")
        import fuzz_harness
        h = fuzz_harness.Harness(elf)
        self.assertEqual(h.run(b"HVC\x03abc"), "ok")
        a = h.edges()
        self.assertEqual(h.run(b"HVC\x20" + b"A" * 32), "crash")
        self.assertEqual(h.run(b"HVC\x03abc"), "ok", "rollback undid the corruption")
        self.assertEqual(h.edges(), a, "same input, same edges")
        self.assertNotEqual(h.run(b"HVS1234"), "crash")
        self.assertGreater(h.blocks, 0)


if __name__ == "__main__":
    unittest.main()
