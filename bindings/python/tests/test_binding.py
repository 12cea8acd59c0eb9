# SPDX-License-Identifier: MIT
"""Tests of the Python binding against real guests: hand-encoded RV64 code written into RAM
(as tests/unit/test_vm.c does) and the SDK's hello example ELF. Run with
`python3 -m unittest discover -s bindings/python/tests` (CTest sets HV_LIBRARY and
HV_GUEST_DIR)."""
import os
import struct
import threading
import time
import unittest

import libhv

RAM = 0x80000000
ADDI_A0 = 0x00150513                    # addi a0, a0, 1
ECALL = 0x00000073


def jal(rd, off):
    i = off & 0x1FFFFF
    return (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3FF) << 21) | (((i >> 11) & 1) << 20) | \
        (((i >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F


def code(*words):
    return struct.pack("<%dI" % len(words), *words)


LOOP4 = code(ADDI_A0, ADDI_A0, ADDI_A0, ADDI_A0, jal(0, -16))


def small(backend="full", **kw):
    kw.setdefault("mem_size", "1M")
    kw.setdefault("serial", "null")
    if backend == "full":
        kw.setdefault("bios", "none")
    return libhv.VM(backend=backend, **kw)


class ConfigTests(unittest.TestCase):
    def test_kwargs_and_xml(self):
        cfg = libhv.Config(backend="para", mem_size="2M", nr_vcpus=2, name="py")
        self.assertEqual(cfg.backend, libhv.BACKEND_PARA)
        self.assertEqual(cfg.mem_size, 2 << 20)
        self.assertEqual(cfg.name, "py")
        xml = cfg.to_xml()
        self.assertIn("<name>py</name>", xml)
        back = libhv.Config.from_xml(xml)
        self.assertEqual(back.mem_size, 2 << 20)
        self.assertEqual(back.nr_vcpus, 2)
        self.assertEqual(back.backend, libhv.BACKEND_PARA)

    def test_errors_carry_name_and_detail(self):
        with self.assertRaises(libhv.HvError) as cm:
            libhv.Config.from_xml("<domain><frobnicator/></domain>")
        self.assertTrue(cm.exception.name.startswith("HV_E"))
        self.assertTrue(cm.exception.detail)
        with self.assertRaises(libhv.HvError) as cm:
            libhv.VM(libhv.Config(nr_vcpus=0))
        self.assertEqual(cm.exception.name, "HV_EINVAL")
        self.assertIn("nr_vcpus", cm.exception.detail)
        with self.assertRaises(AttributeError):
            libhv.Config(colour="blue")


class RunTests(unittest.TestCase):
    def test_budget_registers_stats(self):
        with small() as vm:
            vm.mem_write(RAM, LOOP4)
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            ex = cpu.run(10)
            self.assertEqual(ex.reason, "budget")
            self.assertEqual(ex.pc, RAM)
            self.assertEqual(cpu.x[10], 8)
            ex = cpu.step()
            self.assertEqual(ex.pc, RAM + 4)
            cpu.x[5] = -1
            self.assertEqual(cpu.x[5], 2**64 - 1)
            cpu.f[3] = 0x4000000000000000
            self.assertEqual(cpu.f[3], 0x4000000000000000)
            self.assertEqual(cpu.csr["mhartid"], 0)
            cpu.csr["mscratch"] = 0x1234
            self.assertEqual(cpu.csr[0x340], 0x1234)
            self.assertEqual(cpu.priv, 3)
            regs = cpu.get_regs()
            regs["x"][7] = 77
            cpu.set_regs(regs)
            self.assertEqual(cpu.x[7], 77)
            st = cpu.stats
            self.assertEqual(st["instructions"], 11)
            self.assertEqual(st["exits_by_reason"]["budget"], 2)
            with self.assertRaises(libhv.HvError) as cm:
                cpu.get_reg(9999)
            self.assertEqual(cm.exception.name, "HV_ENOENT")

    def test_memory(self):
        with small() as vm:
            vm.mem_write(RAM + 0x100, b"hello")
            self.assertEqual(vm.mem_read(RAM + 0x100, 5), b"hello")
            self.assertEqual(vm.vcpu(0).mem_read(RAM + 0x100, 5), b"hello")
            self.assertEqual(vm.vcpu(0).translate(RAM + 0x100), RAM + 0x100)
            with self.assertRaises(libhv.HvError) as cm:
                vm.mem_read(0x1000, 4)
            self.assertEqual(cm.exception.name, "HV_EFAULT")
            self.assertIn("not guest memory", cm.exception.detail)
            vm.mem_map(0x40000000, 0x10000)
            vm.mem_write(0x40000000, b"\x01\x02")
            self.assertEqual(vm.mem_read(0x40000000, 2), b"\x01\x02")

    def test_kick_from_another_thread(self):
        with small() as vm:
            vm.mem_write(RAM, LOOP4)
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            t = threading.Timer(0.05, cpu.kick)
            t.start()
            ex = cpu.run()
            t.join()
            self.assertEqual(ex.reason, "kick")
            # how far the guest got depends on host load; it must resume exactly
            self.assertEqual(cpu.run(100).reason, "budget")

    def test_deadline(self):
        with small(backend="para") as vm:
            vm.mem_write(RAM, LOOP4)
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            cpu.set_deadline(vm.clock_ns + 2_000_000)
            ex = cpu.run()
            self.assertEqual(ex.reason, "deadline")
            cpu.set_deadline(None)
            self.assertEqual(cpu.run(100).reason, "budget")


class HookTests(unittest.TestCase):
    def test_breakpoints_both_backends(self):
        for backend in ("full", "para"):
            with small(backend=backend) as vm:
                vm.mem_write(RAM, LOOP4)
                cpu = vm.vcpu(0)
                cpu.pc = RAM
                cpu.set_breakpoint(RAM + 8)
                ex = cpu.run()
                self.assertEqual((ex.reason, ex.pc, cpu.x[10]), ("breakpoint", RAM + 8, 2))
                ex = cpu.run()
                self.assertEqual((ex.reason, cpu.x[10]), ("breakpoint", 6))
                cpu.clear_breakpoint(RAM + 8)
                self.assertEqual(cpu.run(1000).reason, "budget")
                with self.assertRaises(libhv.HvError) as cm:
                    cpu.clear_breakpoint(RAM + 8)
                self.assertEqual(cm.exception.name, "HV_ENOENT")

    def test_mmio_callbacks_and_exits(self):
        # lui t0, 0x40000 (t0 = 0x40000000); lw a0, 4(t0); sw a0, 8(t0); lw a1, 0x100(t0)
        prog = code(0x400002B7, 0x0042A503, 0x00A2A423, 0x1002A583, jal(0, 0))
        with small() as vm:
            seen = []
            vm.mmio_add(0x40000000, 0x100, read=lambda off, size: 0x1000 + off,
                        write=lambda off, size, val: seen.append((off, size, val)))
            vm.mmio_add(0x40000100, 0x100)          # no callbacks: exits
            vm.mem_write(RAM, prog)
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            ex = cpu.run()
            self.assertEqual(ex.reason, "mmio")
            self.assertEqual((ex.gpa, ex.size, ex.is_write), (0x40000100, 4, False))
            self.assertEqual(cpu.x[10], 0x1004)
            self.assertEqual(seen, [(8, 4, 0x1004)])
            ex.complete(0x55)
            self.assertEqual(cpu.run(1).reason, "budget")
            self.assertEqual(cpu.x[11], 0x55)

    def test_mmio_on_para(self):
        # The same device program on the para backend: callbacks, then an exit.
        prog = code(0x400002B7, 0x0042A503, 0x00A2A423, 0x1002A583, jal(0, 0))
        with small(backend="para") as vm:
            seen = []
            vm.mmio_add(0x40000000, 0x100, read=lambda off, size: 0x1000 + off,
                        write=lambda off, size, val: seen.append((off, size, val)))
            vm.mmio_add(0x40000100, 0x100)
            vm.mem_write(RAM, prog)
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            ex = cpu.run()
            self.assertEqual((ex.reason, ex.gpa, ex.is_write), ("mmio", 0x40000100, False))
            self.assertEqual(seen, [(8, 4, 0x1004)])
            ex.complete(0x66)
            self.assertEqual(cpu.run(1).reason, "budget")
            self.assertEqual(cpu.x[11], 0x66)

    def test_exit_code_is_a_shutdown(self):
        # para SRST with libhv's exit-code reason: reason "shutdown", code 3 (not "crash")
        srst = code(0x535258B7, 0x35488893,      # lui a7, 0x53525; addi a7, a7, 0x354
                    0x00000813, 0x00000513,      # li a6, 0; li a0, 0 (shutdown)
                    0xF00005B7, 0x00358593,      # lui a1, 0xf0000; addi a1, a1, 3
                    ECALL, jal(0, 0))
        with small(backend="para") as vm:
            vm.mem_write(RAM, srst)
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            ex = cpu.run(100)
            self.assertEqual((ex.reason, ex.code), ("shutdown", 3))

    def test_chardev_name_and_hugepages(self):
        with small(serial="pty", hugepages="off") as vm:
            self.assertTrue(vm.chardev_name.startswith("/dev/pts/"), vm.chardev_name)
            self.assertEqual(vm.config.hugepages, libhv.HUGEPAGES["off"])
        with small() as vm:
            self.assertEqual(vm.chardev_name, "null")
        cfg = libhv.Config(hugepages="on", mem_size="16M")
        self.assertIn("<hv:hugepages>on</hv:hugepages>", cfg.to_xml())

    def test_mmio_callback_exception_is_reraised(self):
        prog = code(0x400002B7, 0x0042A503, jal(0, 0))
        with small() as vm:
            def boom(off, size):
                raise ValueError("device on fire")
            vm.mmio_add(0x40000000, 0x100, read=boom)
            vm.mem_write(RAM, prog)
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            with self.assertRaises(ValueError):
                cpu.run(10)

    def test_hypercall_handlers(self):
        with small(backend="para") as vm:
            calls = []

            def handler(call):
                calls.append((call.eid, call.fid, call.args[0]))
                return (0, call.args[0] * 2) if call.fid == 1 else None
            vm.set_hypercall_handler(0x0A000001, handler)
            vm.mem_write(RAM, code(ECALL, ECALL, jal(0, 0)))
            cpu = vm.vcpu(0)
            cpu.pc = RAM
            cpu.x[17], cpu.x[16], cpu.x[10] = 0x0A000001, 1, 21
            self.assertEqual(cpu.run(1).reason, "budget")
            self.assertEqual((cpu.x[10], cpu.x[11]), (0, 42))
            cpu.x[16] = 2                           # declined: exits to the caller
            ex = cpu.run()
            self.assertEqual((ex.reason, ex.eid, ex.fid), ("hypercall", 0x0A000001, 2))
            ex.answer(0, 7)
            cpu.run(1)
            self.assertEqual(cpu.x[11], 7)
            self.assertEqual(len(calls), 2)
            vm.set_hypercall_handler(0x0A000001, None)
            with self.assertRaises(libhv.HvError):
                vm.set_hypercall_handler(0x0A000001, None)


class GuestTests(unittest.TestCase):
    def guest(self, name):
        d = os.environ.get("HV_GUEST_DIR", "")
        path = os.path.join(d, "examples", name)
        if not os.path.exists(path):
            self.skipTest("guest %s not built (set HV_GUEST_DIR)" % path)
        return path

    def test_sdk_hello_on_both_backends(self):
        outputs = {}
        for backend in ("full", "para"):
            elf = self.guest("hello-%s.elf" % backend)
            kw = {"bios": "none"} if backend == "full" else {}
            with libhv.VM(backend=backend, kernel=elf, serial="buffer", **kw) as vm:
                cpu = vm.vcpu(0)
                while True:
                    ex = cpu.run()
                    if ex.reason != "kick":
                        break
                self.assertEqual((ex.reason, ex.code), ("shutdown", 0))
                outputs[backend] = vm.output
        self.assertIn(b"Hello from a libhv guest!", outputs["para"])
        self.assertEqual(outputs["full"], outputs["para"])

    def test_symbol_lookup_and_breakpoint_by_name(self):
        elf = self.guest("hello-para.elf")
        with libhv.VM(backend="para", kernel=elf, serial="buffer") as vm:
            addr, size = vm.symbol("main")
            self.assertGreaterEqual(addr, RAM)
            self.assertGreater(size, 0)
            cpu = vm.vcpu(0)
            cpu.set_breakpoint(addr)
            ex = cpu.run()
            self.assertEqual((ex.reason, ex.pc), ("breakpoint", addr))
            with self.assertRaises(libhv.HvError) as cm:
                vm.symbol("no_such_symbol")
            self.assertEqual(cm.exception.name, "HV_ENOENT")
            self.assertIn("no_such_symbol", str(cm.exception))

    def test_breakpoint_on_elf_entry(self):
        elf = self.guest("hello-para.elf")
        with libhv.VM(backend="para", kernel=elf, serial="buffer") as vm:
            cpu = vm.vcpu(0)
            entry = cpu.pc
            cpu.run(100)
            cpu.pc = entry                      # re-enter: the breakpoint stops it
            cpu.set_breakpoint(entry)
            ex = cpu.run()
            self.assertEqual((ex.reason, ex.pc), ("breakpoint", entry))


if __name__ == "__main__":
    unittest.main()
