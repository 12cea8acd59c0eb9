# SPDX-License-Identifier: MIT
"""Snapshots and checkpoints from Python: save to a file and resume in a fresh VM with the
same state, refusal of a corrupt file, checkpoint/rollback of guest stores (both
backends)."""
import struct
import tempfile
import unittest

import libhv

RAM = 0x80000000
DATA = RAM + 0x10000
# addi a0,a0,1 ; sd a0,0(t0) ; j -8
LOOP = struct.pack("<3I", 0x00150513, 0x00a2b023, 0xff9ff06f)


def start(backend):
    kw = dict(backend=backend, mem_size="1M", serial="null", deterministic=1)
    if backend == "full":
        kw["bios"] = "none"
    vm = libhv.VM(**kw)
    cpu = vm.vcpu(0)
    vm.mem_write(RAM, LOOP)
    cpu.set_reg(libhv.REG_PC, RAM)
    cpu.set_reg(5, DATA)
    return vm, cpu


def backends():
    """Both backends, or only para while the full board has no snapshot hooks yet."""
    vm, _ = start("full")
    try:
        with tempfile.TemporaryFile() as f:
            vm.snapshot_save(f)
        return ("full", "para")
    except libhv.HvError as e:
        if e.name != "HV_ENOTSUP":
            raise
        return ("para",)
    finally:
        vm.close()


class SnapshotTests(unittest.TestCase):
    def test_save_load_resume(self):
        for backend in backends():
            with self.subTest(backend=backend):
                vm, cpu = start(backend)
                cpu.run(1000)
                with tempfile.TemporaryFile() as f:
                    vm.snapshot_save(f)
                    cpu.run(5000)
                    f.seek(0)
                    vm2, cpu2 = start(backend)
                    vm2.snapshot_load(f)
                    cpu2.run(5000)
                self.assertEqual(vm2.state_hash(), vm.state_hash())
                self.assertEqual(cpu2.get_reg(10), cpu.get_reg(10))
                self.assertEqual(vm2.mem_read(DATA, 8), vm.mem_read(DATA, 8))
                vm.close()
                vm2.close()

    def test_corrupt_file_is_refused(self):
        vm, cpu = start("para")
        cpu.run(100)
        with tempfile.TemporaryFile() as f:
            vm.snapshot_save(f)
            f.seek(0)
            data = bytearray(f.read())
        data[len(data) // 2] ^= 0x10
        before = vm.state_hash()
        with tempfile.TemporaryFile() as f:
            f.write(bytes(data))
            f.seek(0)
            with self.assertRaises(libhv.HvError) as cm:
                vm.snapshot_load(f)
        self.assertEqual(cm.exception.name, "HV_EFORMAT")
        self.assertIn("CRC32", cm.exception.detail)
        self.assertEqual(vm.state_hash(), before)
        vm.close()

    def test_checkpoint_rollback(self):
        for backend in backends():
            with self.subTest(backend=backend):
                vm, cpu = start(backend)
                cpu.run(300)
                with vm.checkpoint() as cp:
                    h = vm.state_hash()
                    value = vm.mem_read(DATA, 8)
                    for _ in range(50):
                        cpu.run(700)
                        self.assertNotEqual(vm.mem_read(DATA, 8), value)
                        vm.rollback(cp)
                        self.assertEqual(vm.mem_read(DATA, 8), value)
                        self.assertEqual(vm.state_hash(), h)
                vm.close()


if __name__ == "__main__":
    unittest.main()
