# SPDX-License-Identifier: MIT
"""libhv for Python: run RISC-V RV64GC virtual machines from Python (ctypes over the public C
API in include/hv; no third-party packages).

    import libhv
    with libhv.VM(libhv.Config(backend="para", kernel="hello-para.elf")) as vm:
        cpu = vm.vcpu(0)
        ex = cpu.run()
        print(ex.reason, ex.code)

The shared library is found, in this order, through the HV_LIBRARY environment variable (a
path to libhv.so), the path recorded when the package was installed (cmake --install, or pip
from <prefix>/share/libhv/python or from a repository with a build), the build trees of the
repository this file is in (build*/lib), then the system's library path. If none works,
library() raises LibraryNotFoundError saying what was tried and how to fix it.
Every failing call raises HvError carrying the HV_E* name and the VM's last-error text.
"""
import ctypes
import ctypes.util
import glob
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, Union, byref, c_char, c_char_p, c_int,
                    c_int64, c_size_t, c_uint, c_uint8, c_uint16, c_uint32, c_uint64,
                    c_void_p)

__all__ = ["HvError", "LibraryNotFoundError", "Config", "VM", "VCPU", "Exit", "Hypercall", "Checkpoint", "library",
           "BACKEND_FULL", "BACKEND_PARA", "EXIT_NAMES", "MEM_RAM", "MEM_ROM",
           "WATCH_WRITE", "WATCH_READ", "WATCH_ACCESS"]

# ---- the shared library ---------------------------------------------------------------------

class LibraryNotFoundError(OSError):
    """libhv.so could not be loaded; the message lists every place tried and why."""


def _recorded_library():
    """The absolute path written into _libpath.py at install time, or None."""
    try:
        from . import _libpath
    except ImportError:
        return None
    return getattr(_libpath, "LIBRARY", None)


def _candidates():
    """(description, path or name) in the order they are tried; HV_LIBRARY alone if set."""
    env = os.environ.get("HV_LIBRARY")
    if env:
        return [("HV_LIBRARY", env)]
    cands = []
    rec = _recorded_library()
    if rec:
        cands.append(("recorded at install time", rec))
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    for cand in sorted(glob.glob(os.path.join(root, "build*", "lib", "libhv.so"))):
        if "asan" not in cand:
            cands.append(("repository build tree", cand))
    found = ctypes.util.find_library("hv")
    if found:
        cands.append(("ctypes.util.find_library('hv')", found))
    cands.append(("system library path", "libhv.so.0"))
    return cands


def _load():
    tried = []
    for what, path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append("  %s: %s (%s)" % (what, path, e))
    raise LibraryNotFoundError(
        "cannot load libhv.so, the libhv shared library. Tried:\n%s\nFix: build and install "
        "libhv (cmake --install build --prefix PREFIX), then install this package from "
        "PREFIX/share/libhv/python with pip, which records the library's path; or set "
        "HV_LIBRARY=/path/to/libhv.so; or add the library's directory to LD_LIBRARY_PATH."
        % "\n".join(tried))


_lib = None


def library():
    """The loaded ctypes.CDLL (loaded on first use). Raises LibraryNotFoundError."""
    global _lib
    if _lib is None:
        lib = _load()
        _declare(lib)
        _lib = lib
    return _lib

# ---- C types (mirror include/hv/*.h) ----------------------------------------------------------

BACKEND_FULL, BACKEND_PARA = 1, 2
ENGINES = {"default": 0, "interp": 1, "jit": 2, "lockstep": 3}
HUGEPAGES = {"auto": 0, "off": 1, "on": 2}
CHARDEV = {"null": 0, "stdio": 1, "file": 2, "buffer": 3, "pty": 4, "socket": 5}
MEM_READ, MEM_WRITE, MEM_EXEC = 1, 2, 4
MEM_RAM, MEM_ROM = 7, 5
REG_PC, REG_F0, REG_PRIV, REG_CSR_BASE = 32, 33, 65, 0x1000
DEADLINE_NONE = (1 << 64) - 1
HYPERCALL_ANY = (1 << 64) - 1
HYPERCALL_OVERRIDE = 1

EXIT_NAMES = ["none", "shutdown", "reboot", "crash", "mmio", "hypercall", "budget", "deadline",
              "breakpoint", "kick", "fault", "halt", "internal", "hook", "watchpoint"]

# hooks (include/hv/hooks.h)
HOOK_BLOCK, HOOK_INSN, HOOK_MEM_READ, HOOK_MEM_WRITE, HOOK_MEM_INVALID = 1, 2, 3, 4, 5
HOOK_PHYS = 1
WATCH_WRITE, WATCH_READ, WATCH_ACCESS = 1, 2, 3

CSR_NAMES = {"fflags": 0x001, "frm": 0x002, "fcsr": 0x003, "sstatus": 0x100, "sie": 0x104,
             "stvec": 0x105, "sscratch": 0x140, "sepc": 0x141, "scause": 0x142, "stval": 0x143,
             "sip": 0x144, "satp": 0x180, "mstatus": 0x300, "misa": 0x301, "medeleg": 0x302,
             "mideleg": 0x303, "mie": 0x304, "mtvec": 0x305, "mscratch": 0x340, "mepc": 0x341,
             "mcause": 0x342, "mtval": 0x343, "mip": 0x344, "cycle": 0xc00, "time": 0xc01,
             "instret": 0xc02, "mhartid": 0xf14}

_OUTPUT_FN = CFUNCTYPE(None, c_void_p, POINTER(c_uint8), c_size_t)
_LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)
_MMIO_READ = CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint, POINTER(c_uint64))
_MMIO_WRITE = CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint, c_uint64)


class _Chardev(Structure):
    _fields_ = [("type", c_int), ("path", c_char_p), ("on_output", _OUTPUT_FN),
                ("opaque", c_void_p)]


class _Disk(Structure):
    _fields_ = [("path", c_char_p), ("mem_size", c_uint64), ("readonly", c_int),
                ("transient", c_int), ("format", c_int), ("target", c_char_p),
                ("serial", c_char_p)]


class _HostFwd(Structure):
    _fields_ = [("udp", c_int), ("host_addr", c_uint32), ("host_port", c_uint16),
                ("guest_port", c_uint16)]


class _Nic(Structure):
    _fields_ = [("type", c_int), ("mac", c_uint8 * 6), ("hub", c_uint), ("host_only", c_int),
                ("fwd", _HostFwd * 8), ("nr_fwd", c_uint)]


class _Config(Structure):
    _fields_ = [("size", c_uint32), ("backend", c_int), ("engine", c_int), ("name", c_char_p),
                ("uuid", c_uint8 * 16), ("mem_size", c_uint64), ("nr_vcpus", c_uint),
                ("bios", c_char_p), ("kernel", c_char_p), ("initrd", c_char_p),
                ("cmdline", c_char_p), ("dtb", c_char_p), ("serial", _Chardev),
                ("disks", _Disk * 8), ("nr_disks", c_uint), ("nics", _Nic * 4),
                ("nr_nics", c_uint), ("rng", c_int), ("on_poweroff", c_int),
                ("on_reboot", c_int), ("on_crash", c_int), ("deterministic", c_int),
                ("rng_seed", c_uint64), ("insns_per_tick", c_uint64), ("log", _LOG_FN),
                ("log_opaque", c_void_p), ("log_level", c_int), ("trace", c_uint),
                ("hugepages", c_int), ("kernel_boot", c_int), ("time_exits", c_int),
                ("net_fabric", c_void_p),
                ("owned_", c_void_p)]


class _ConfigBuf(Structure):
    # Padding: should the library's struct have grown, hv_config_init still writes in bounds
    # (and Config() then reports the mismatch instead of corrupting memory).
    _fields_ = [("cfg", _Config), ("_pad", c_char * 4096)]


class _Mmio(Structure):
    _fields_ = [("gpa", c_uint64), ("data", c_uint64), ("size", c_uint), ("is_write", c_int)]


class _HcallExit(Structure):
    _fields_ = [("eid", c_uint64), ("fid", c_uint64), ("args", c_uint64 * 6),
                ("ret_error", c_int64), ("ret_value", c_uint64)]


class _Fault(Structure):
    _fields_ = [("cause", c_uint64), ("tval", c_uint64)]


class _Watch(Structure):
    _fields_ = [("addr", c_uint64), ("size", c_uint), ("is_write", c_int)]


class _ExitU(Union):
    _fields_ = [("code", c_int), ("mmio", _Mmio), ("hypercall", _HcallExit), ("fault", _Fault),
                ("watch", _Watch)]


class _Exit(Structure):
    _fields_ = [("reason", c_int), ("pc", c_uint64), ("u", _ExitU)]


class _Stats(Structure):
    _fields_ = [("instructions", c_uint64), ("exits", c_uint64),
                ("exits_by_reason", c_uint64 * 16), ("mmio_traps", c_uint64),
                ("hypercalls", c_uint64), ("interrupts", c_uint64), ("exceptions", c_uint64),
                ("tlb_misses", c_uint64), ("blocks_translated", c_uint64),
                ("insns_translated", c_uint64), ("translate_ns", c_uint64),
                ("code_flushes", c_uint64), ("interp_steps", c_uint64),
                ("idle_ns", c_uint64), ("exit_ns", c_uint64)]


class _Regs(Structure):
    _fields_ = [("x", c_uint64 * 32), ("pc", c_uint64), ("f", c_uint64 * 32),
                ("fcsr", c_uint64), ("priv", c_uint64)]


class _Hypercall(Structure):
    _fields_ = [("eid", c_uint64), ("fid", c_uint64), ("args", c_uint64 * 6),
                ("ret_error", c_int64), ("ret_value", c_uint64)]


class _MmioOps(Structure):
    _fields_ = [("read", _MMIO_READ), ("write", _MMIO_WRITE)]


_HCALL_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, POINTER(_Hypercall))
_HOOK_BLOCK_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_uint64)
_HOOK_INSN_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_uint64, c_uint32, c_uint)
_HOOK_MEM_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_int, c_uint64, c_uint, c_uint64)
_HOOK_INVALID_FN = CFUNCTYPE(c_int, c_void_p, c_void_p, c_int, c_uint64, c_uint,
                             POINTER(c_uint64))


class _Hook(Structure):
    _fields_ = [("type", c_int), ("flags", c_uint), ("begin", c_uint64), ("end", c_uint64),
                ("fn", c_void_p), ("opaque", c_void_p)]


def _declare(lib):
    p = c_void_p
    sigs = {
        "hv_strerror": (c_char_p, [c_int]),
        "hv_err_name": (c_char_p, [c_int]),
        "hv_version_string": (c_char_p, []),
        "hv_config_init": (None, [POINTER(_Config)]),
        "hv_config_dispose": (None, [POINTER(_Config)]),
        "hv_config_from_xml": (c_int, [POINTER(_Config), c_char_p, c_size_t, c_char_p, c_size_t]),
        "hv_config_to_xml": (c_int, [POINTER(_Config), POINTER(c_void_p)]),
        "hv_parse_size": (c_int, [c_char_p, POINTER(c_uint64)]),
        "hv_vm_create": (c_int, [POINTER(_Config), POINTER(p), c_char_p, c_size_t]),
        "hv_vm_destroy": (c_int, [p]),
        "hv_vm_last_error": (c_char_p, [p]),
        "hv_vm_mem_map": (c_int, [p, c_uint64, c_uint64, c_uint]),
        "hv_vm_mem_unmap": (c_int, [p, c_uint64]),
        "hv_vm_mem_read": (c_int, [p, c_uint64, c_void_p, c_size_t]),
        "hv_vm_mem_write": (c_int, [p, c_uint64, c_void_p, c_size_t]),
        "hv_vm_mmio_add": (c_int, [p, c_uint64, c_uint64, POINTER(_MmioOps), c_void_p]),
        "hv_vm_console_input": (c_int, [p, c_void_p, c_size_t]),
        "hv_vm_chardev_name": (c_char_p, [p]),
        "hv_vm_symbol": (c_int, [p, c_char_p, POINTER(c_uint64), POINTER(c_uint64)]),
        "hv_vm_console_break": (c_int, [p]),
        "hv_vm_clock_ns": (c_uint64, [p]),
        "hv_vm_set_hypercall_handler": (c_int, [p, c_uint64, _HCALL_FN, c_void_p, c_uint]),
        "hv_vcpu_create": (c_int, [p, c_uint, POINTER(p)]),
        "hv_vcpu_run": (c_int, [p, c_uint64, POINTER(_Exit)]),
        "hv_vcpu_kick": (c_int, [p]),
        "hv_vcpu_get_reg": (c_int, [p, c_uint, POINTER(c_uint64)]),
        "hv_vcpu_set_reg": (c_int, [p, c_uint, c_uint64]),
        "hv_vcpu_get_regs": (c_int, [p, POINTER(_Regs)]),
        "hv_vcpu_set_regs": (c_int, [p, POINTER(_Regs)]),
        "hv_vcpu_get_stats": (c_int, [p, POINTER(_Stats)]),
        "hv_vcpu_set_breakpoint": (c_int, [p, c_uint64]),
        "hv_vcpu_clear_breakpoint": (c_int, [p, c_uint64]),
        "hv_vcpu_set_deadline": (c_int, [p, c_uint64]),
        "hv_vcpu_translate": (c_int, [p, c_uint64, POINTER(c_uint64)]),
        "hv_vcpu_mem_read": (c_int, [p, c_uint64, c_void_p, c_size_t]),
        "hv_vcpu_mem_write": (c_int, [p, c_uint64, c_void_p, c_size_t]),
        # snapshots and checkpoints (include/hv/snapshot.h)
        "hv_vm_snapshot_save": (c_int, [p, c_int]),
        "hv_vm_snapshot_load": (c_int, [p, c_int]),
        "hv_vm_checkpoint": (c_int, [p, POINTER(p)]),
        "hv_vm_rollback": (c_int, [p, p]),
        "hv_checkpoint_free": (None, [p]),
        "hv_vm_state_hash": (c_int, [p, POINTER(c_uint64)]),
        # hooks, coverage, watchpoints (include/hv/hooks.h)
        "hv_vm_hook_add": (c_int, [p, POINTER(_Hook)]),
        "hv_vm_hook_del": (c_int, [p, c_int]),
        "hv_vm_set_coverage": (c_int, [p, c_void_p, c_size_t]),
        "hv_vm_coverage_reset": (c_int, [p]),
        "hv_vm_set_watchpoint": (c_int, [p, c_uint64, c_uint64, c_int]),
        "hv_vm_clear_watchpoint": (c_int, [p, c_uint64, c_uint64, c_int]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    lib.free = ctypes.CDLL(None).free
    lib.free.argtypes = [c_void_p]

# ---- errors -------------------------------------------------------------------------------------

class HvError(Exception):
    """A libhv call failed: .code (negative HV_E* value), .name ("HV_EINVAL"), .detail (the
    VM's last-error string or the create error buffer), .call (the C function)."""

    def __init__(self, code, call="", detail=""):
        lib = library()
        self.code = code
        self.name = lib.hv_err_name(code).decode()
        self.call = call
        self.detail = detail
        msg = "%s: %s (%s)" % (call, self.name, lib.hv_strerror(code).decode())
        if detail:
            msg += ": " + detail
        super().__init__(msg)


def _check(rc, call, vm=None):
    if rc < 0:
        detail = library().hv_vm_last_error(vm).decode(errors="replace") if vm else ""
        raise HvError(rc, call, detail)
    return rc


def _b(s):
    return s.encode() if isinstance(s, str) else s

# ---- configuration ---------------------------------------------------------------------------

class Config:
    """A VM configuration. Keyword arguments set fields: backend ("full"/"para"), engine,
    name, mem_size (bytes or "128M"), nr_vcpus, bios, kernel, initrd, cmdline, dtb,
    serial ("null", "stdio", "buffer", "file:PATH", "pty", "unix:PATH"), rng, deterministic,
    rng_seed, insns_per_tick, hugepages ("auto", "on", "off"). Config.from_xml(text) parses libvirt-style domain XML."""

    def __init__(self, **kw):
        lib = library()
        self._buf = _ConfigBuf()
        self._keep = []                     # Python strings the C struct points to
        lib.hv_config_init(byref(self._buf.cfg))
        if self._buf.cfg.size != ctypes.sizeof(_Config):
            raise RuntimeError("libhv's struct hv_config is %d bytes, this binding expects %d:"
                               " update bindings/python" % (self._buf.cfg.size,
                                                            ctypes.sizeof(_Config)))
        self._xml_owned = False
        for k, v in kw.items():
            setattr(self, k, v)

    @classmethod
    def from_xml(cls, text):
        cfg = cls()
        err = ctypes.create_string_buffer(512)
        data = _b(text)
        rc = library().hv_config_from_xml(byref(cfg._buf.cfg), data, len(data), err, 512)
        if rc < 0:
            raise HvError(rc, "hv_config_from_xml", err.value.decode(errors="replace"))
        cfg._xml_owned = True
        return cfg

    def to_xml(self):
        out = c_void_p()
        _check(library().hv_config_to_xml(byref(self._buf.cfg), byref(out)), "hv_config_to_xml")
        try:
            return ctypes.string_at(out).decode()
        finally:
            library().free(out)

    def __del__(self):
        if getattr(self, "_xml_owned", False) and _lib is not None:
            _lib.hv_config_dispose(byref(self._buf.cfg))

    @property
    def c(self):
        return self._buf.cfg

    def _str(self, field, value):
        v = None if value is None else _b(value)
        self._keep.append(v)
        setattr(self._buf.cfg, field, v)

    def __setattr__(self, key, value):
        if key.startswith("_"):
            return object.__setattr__(self, key, value)
        c = self._buf.cfg
        if key == "backend":
            c.backend = {"full": BACKEND_FULL, "para": BACKEND_PARA}.get(value, value)
        elif key == "engine":
            c.engine = ENGINES.get(value, value)
        elif key == "mem_size":
            if isinstance(value, str):
                n = c_uint64()
                _check(library().hv_parse_size(_b(value), byref(n)), "hv_parse_size")
                value = n.value
            c.mem_size = value
        elif key in ("name", "bios", "kernel", "initrd", "cmdline", "dtb"):
            self._str(key, value)
        elif key == "serial":
            kind, _, path = value.partition(":")
            kind = {"unix": "socket"}.get(kind, kind)
            c.serial.type = CHARDEV[kind]
            self._keep.append(_b(path) if path else None)
            c.serial.path = self._keep[-1]
        elif key in ("nr_vcpus", "rng", "deterministic", "rng_seed", "insns_per_tick"):
            setattr(c, key, int(value))
        elif key == "hugepages":
            c.hugepages = HUGEPAGES.get(value, value)
        else:
            raise AttributeError("unknown config field %r" % key)

    def __getattr__(self, key):
        c = object.__getattribute__(self, "_buf").cfg
        if key in ("name", "bios", "kernel", "initrd", "cmdline", "dtb"):
            v = getattr(c, key)
            return v.decode() if v else None
        if key in ("backend", "engine", "mem_size", "nr_vcpus", "rng", "deterministic",
                   "rng_seed", "insns_per_tick", "hugepages"):
            return getattr(c, key)
        raise AttributeError(key)

# ---- exits, hypercalls ---------------------------------------------------------------------

class Exit:
    """Why hv_vcpu_run returned: .reason ("budget", "breakpoint", ...), .reason_code, .pc,
    and per reason .code (shutdown: the guest's exit code, 0 or not; crash: a system failure
    reported without one, code 1), .gpa/.size/.is_write/.data (mmio), .eid/.fid/
    .args (hypercall), .cause/.tval (fault). For an MMIO read, complete(value); for an
    unclaimed hypercall, answer(error, value) — both apply on the vCPU's next run()."""

    def __init__(self, vcpu, raw):
        self._vcpu = vcpu
        self.reason_code = raw.reason
        self.reason = EXIT_NAMES[raw.reason] if 0 <= raw.reason < len(EXIT_NAMES) else "?"
        self.pc = raw.pc
        u = raw.u
        if self.reason in ("shutdown", "crash", "reboot"):
            self.code = u.code
        elif self.reason == "mmio":
            self.gpa, self.size, self.is_write, self.data = (u.mmio.gpa, u.mmio.size,
                                                             bool(u.mmio.is_write), u.mmio.data)
        elif self.reason == "hypercall":
            h = u.hypercall
            self.eid, self.fid, self.args = h.eid, h.fid, list(h.args)
        elif self.reason == "fault":
            self.cause, self.tval = u.fault.cause, u.fault.tval
        elif self.reason == "watchpoint":
            self.addr, self.size, self.is_write = (u.watch.addr, u.watch.size,
                                                   bool(u.watch.is_write))

    def complete(self, value):
        self._vcpu._exit.u.mmio.data = value

    def answer(self, error, value=0):
        self._vcpu._exit.u.hypercall.ret_error = error
        self._vcpu._exit.u.hypercall.ret_value = value

    def __repr__(self):
        return "Exit(%s, pc=%#x)" % (self.reason, self.pc)


class Hypercall:
    """A guest hypercall given to a handler: .eid, .fid, .args; set .error/.value (or
    return (error, value)) to claim it."""

    def __init__(self, raw):
        self.eid, self.fid, self.args = raw.eid, raw.fid, list(raw.args)
        self.error, self.value = 0, 0

# ---- VM and vCPUs ---------------------------------------------------------------------------

class _RegView:
    def __init__(self, vcpu, base, count):
        self._v, self._base, self._n = vcpu, base, count

    def _reg(self, i):
        if isinstance(i, str):
            i = CSR_NAMES[i]
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._base + i

    def __getitem__(self, i):
        return self._v.get_reg(self._reg(i))

    def __setitem__(self, i, value):
        self._v.set_reg(self._reg(i), value)

    def __len__(self):
        return self._n


class VCPU:
    """One vCPU; drive it from one thread at a time (kick() is fine from any thread)."""

    def __init__(self, vm, index):
        self.vm, self.index = vm, index
        self._h = c_void_p()
        _check(library().hv_vcpu_create(vm._h, index, byref(self._h)), "hv_vcpu_create", vm._h)
        self._exit = _Exit()                # persists: answers to exits travel in it
        self.x = _RegView(self, 0, 32)
        self.f = _RegView(self, REG_F0, 32)
        self.csr = _RegView(self, REG_CSR_BASE, 4096)

    def run(self, budget=0):
        """Run until an exit for the caller, or `budget` instructions (0: none)."""
        _check(library().hv_vcpu_run(self._h, budget, byref(self._exit)), "hv_vcpu_run",
               self.vm._h)
        if self.vm._pending:
            exc, self.vm._pending = self.vm._pending, None
            raise exc
        return Exit(self, self._exit)

    def step(self):
        return self.run(1)

    def kick(self):
        _check(library().hv_vcpu_kick(self._h), "hv_vcpu_kick")

    def get_reg(self, reg):
        v = c_uint64()
        _check(library().hv_vcpu_get_reg(self._h, reg, byref(v)), "hv_vcpu_get_reg", self.vm._h)
        return v.value

    def set_reg(self, reg, value):
        _check(library().hv_vcpu_set_reg(self._h, reg, value & (2**64 - 1)), "hv_vcpu_set_reg",
               self.vm._h)

    pc = property(lambda self: self.get_reg(REG_PC), lambda self, v: self.set_reg(REG_PC, v))
    priv = property(lambda self: self.get_reg(REG_PRIV),
                    lambda self, v: self.set_reg(REG_PRIV, v))

    def get_regs(self):
        r = _Regs()
        _check(library().hv_vcpu_get_regs(self._h, byref(r)), "hv_vcpu_get_regs", self.vm._h)
        return {"x": list(r.x), "pc": r.pc, "f": list(r.f), "fcsr": r.fcsr, "priv": r.priv}

    def set_regs(self, regs):
        r = _Regs()
        r.x[:] = [v & (2**64 - 1) for v in regs["x"]]
        r.f[:] = regs["f"]
        r.pc, r.fcsr, r.priv = regs["pc"], regs["fcsr"], regs["priv"]
        _check(library().hv_vcpu_set_regs(self._h, byref(r)), "hv_vcpu_set_regs", self.vm._h)

    def set_breakpoint(self, pc):
        _check(library().hv_vcpu_set_breakpoint(self._h, pc), "hv_vcpu_set_breakpoint",
               self.vm._h)

    def clear_breakpoint(self, pc):
        _check(library().hv_vcpu_clear_breakpoint(self._h, pc), "hv_vcpu_clear_breakpoint",
               self.vm._h)

    def set_deadline(self, virtual_ns):
        """Exit with reason "deadline" once vm.clock_ns >= virtual_ns (None disarms)."""
        v = DEADLINE_NONE if virtual_ns is None else virtual_ns
        _check(library().hv_vcpu_set_deadline(self._h, v), "hv_vcpu_set_deadline", self.vm._h)

    def translate(self, va):
        pa = c_uint64()
        _check(library().hv_vcpu_translate(self._h, va, byref(pa)), "hv_vcpu_translate",
               self.vm._h)
        return pa.value

    def mem_read(self, va, n):
        buf = ctypes.create_string_buffer(n)
        _check(library().hv_vcpu_mem_read(self._h, va, buf, n), "hv_vcpu_mem_read", self.vm._h)
        return buf.raw

    def mem_write(self, va, data):
        _check(library().hv_vcpu_mem_write(self._h, va, data, len(data)), "hv_vcpu_mem_write",
               self.vm._h)

    @property
    def stats(self):
        s = _Stats()
        _check(library().hv_vcpu_get_stats(self._h, byref(s)), "hv_vcpu_get_stats")
        d = {k: getattr(s, k) for k, _ in _Stats._fields_ if k != "exits_by_reason"}
        d["exits_by_reason"] = {EXIT_NAMES[i]: s.exits_by_reason[i]
                                for i in range(len(EXIT_NAMES)) if s.exits_by_reason[i]}
        return d


class VM:
    """A virtual machine: VM(config) or VM(**config_fields). With serial="buffer" guest
    console output is collected in .output (bytes) and passed to on_output if given. Use as
    a context manager (destroyed on exit) or call close()."""

    def __init__(self, config=None, on_output=None, **kw):
        lib = library()
        if config is None:
            config = Config(**kw)
        elif kw:
            raise TypeError("give a Config or keyword fields, not both")
        self.config = config
        self.output = b""
        self._user_output = on_output
        self._callbacks = []                # ctypes callbacks must outlive the VM
        self._pending = None                # exception raised inside a callback
        self._vcpus = {}
        cfg = config.c
        if cfg.serial.type == CHARDEV["buffer"]:
            cb = _OUTPUT_FN(self._on_output)
            self._callbacks.append(cb)
            cfg.serial.on_output = cb
        self._h = c_void_p()
        err = ctypes.create_string_buffer(512)
        rc = lib.hv_vm_create(byref(cfg), byref(self._h), err, 512)
        if rc < 0:
            raise HvError(rc, "hv_vm_create", err.value.decode(errors="replace"))

    def _on_output(self, opaque, data, n):
        chunk = ctypes.string_at(data, n)
        self.output += chunk
        if self._user_output:
            self._user_output(chunk)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self._h:
            _check(library().hv_vm_destroy(self._h), "hv_vm_destroy", self._h)
            self._h = c_void_p()

    def __del__(self):
        if getattr(self, "_h", None) and _lib is not None:
            _lib.hv_vm_destroy(self._h)

    @property
    def last_error(self):
        return library().hv_vm_last_error(self._h).decode(errors="replace")

    def vcpu(self, index=0):
        """The vCPU `index`, created on first use."""
        if index not in self._vcpus:
            self._vcpus[index] = VCPU(self, index)
        return self._vcpus[index]

    # memory
    def mem_map(self, gpa, size, flags=MEM_RAM):
        _check(library().hv_vm_mem_map(self._h, gpa, size, flags), "hv_vm_mem_map", self._h)

    def mem_unmap(self, gpa):
        _check(library().hv_vm_mem_unmap(self._h, gpa), "hv_vm_mem_unmap", self._h)

    def mem_read(self, gpa, n):
        buf = ctypes.create_string_buffer(n)
        _check(library().hv_vm_mem_read(self._h, gpa, buf, n), "hv_vm_mem_read", self._h)
        return buf.raw

    def mem_write(self, gpa, data):
        data = bytes(data)
        _check(library().hv_vm_mem_write(self._h, gpa, data, len(data)), "hv_vm_mem_write",
               self._h)

    def console_input(self, data):
        data = _b(data)
        _check(library().hv_vm_console_input(self._h, data, len(data)), "hv_vm_console_input",
               self._h)

    def console_break(self):
        """Send a break condition on the console line (full backend: 16550 LSR.BI)."""
        _check(library().hv_vm_console_break(self._h), "hv_vm_console_break", self._h)

    @property
    def clock_ns(self):
        return library().hv_vm_clock_ns(self._h)

    @property
    def chardev_name(self):
        """Host name of the serial chardev: the pty's path with serial="pty" (open it to
        talk to the guest), the path for file:/unix:, else "null"/"stdio"/"buffer"."""
        return library().hv_vm_chardev_name(self._h).decode()

    def symbol(self, name):
        """(address, size) of `name` in the loaded kernel ELF's symbol table, e.g. for
        vcpu.set_breakpoint(vm.symbol("main")[0]). HvError (HV_ENOENT) if it is not there."""
        addr, size = c_uint64(), c_uint64()
        _check(library().hv_vm_symbol(self._h, _b(name), byref(addr), byref(size)),
               "hv_vm_symbol", self._h)
        return addr.value, size.value

    # devices and hooks
    def mmio_add(self, gpa, size, read=None, write=None):
        """MMIO region: read(offset, size) -> int, write(offset, size, value). An exception
        in a callback faults the access in the guest and is re-raised by run(). Without
        callbacks every access exits to run() with reason "mmio"."""
        if read is None and write is None:
            _check(library().hv_vm_mmio_add(self._h, gpa, size, None, None), "hv_vm_mmio_add",
                   self._h)
            return

        def c_read(opaque, off, sz, out):
            try:
                out[0] = (read(off, sz) if read else 0) & (2**64 - 1)
                return 0
            except BaseException as e:    # noqa: BLE001 - reported from run()
                self._pending = e
                return -1

        def c_write(opaque, off, sz, val):
            try:
                if write:
                    write(off, sz, val)
                return 0
            except BaseException as e:    # noqa: BLE001
                self._pending = e
                return -1

        ops = _MmioOps(_MMIO_READ(c_read), _MMIO_WRITE(c_write))
        self._callbacks.append(ops)
        _check(library().hv_vm_mmio_add(self._h, gpa, size, byref(ops), None), "hv_vm_mmio_add",
               self._h)

    # ---- hooks, coverage, watchpoints (include/hv/hooks.h) ----------------------------
    # Callbacks get the VCPU object first; inside them vcpu.x / vcpu.pc / read / write work
    # (hv/hooks.h says which changes take effect). Returning a true value stops the run
    # (exit reason "hook"); an exception stops it too and is re-raised by VCPU.run().

    def _vcpu_of(self, handle):
        for v in self._vcpus.values():
            if v._h.value == handle:
                return v
        return None

    def _hook(self, type_, fn, cfn, begin, end, flags=0):
        h = _Hook(type_, flags, begin, end, ctypes.cast(cfn, c_void_p), None)
        self._callbacks.append(cfn)
        rc = library().hv_vm_hook_add(self._h, byref(h))
        _check(rc, "hv_vm_hook_add", self._h)
        return rc

    def _call(self, fn, *args):
        try:
            return 1 if fn(*args) else 0
        except BaseException as ex:   # noqa: BLE001
            self._pending = ex
            return 1

    def hook_block(self, fn, begin=0, end=2**64 - 1):
        """fn(vcpu, pc) at every block start in [begin, end]. Returns the hook id."""
        cfn = _HOOK_BLOCK_FN(lambda o, v, pc: self._call(fn, self._vcpu_of(v), pc))
        return self._hook(HOOK_BLOCK, fn, cfn, begin, end)

    def hook_insn(self, fn, begin, end):
        """fn(vcpu, pc, insn, length) before each instruction in [begin, end]."""
        cfn = _HOOK_INSN_FN(lambda o, v, pc, insn, n: self._call(fn, self._vcpu_of(v), pc,
                                                                   insn, n))
        return self._hook(HOOK_INSN, fn, cfn, begin, end)

    def hook_mem(self, fn, begin, end, read=True, write=True, phys=False):
        """fn(vcpu, is_write, addr, size, value) after each data access in [begin, end].
        Returns the list of hook ids (one per access type)."""
        cfn = _HOOK_MEM_FN(lambda o, v, t, a, n, val: self._call(
            fn, self._vcpu_of(v), t == HOOK_MEM_WRITE, a, n, val))
        ids = []
        for t, on in ((HOOK_MEM_READ, read), (HOOK_MEM_WRITE, write)):
            if on:
                ids.append(self._hook(t, fn, cfn, begin, end, HOOK_PHYS if phys else 0))
        return ids

    def hook_invalid(self, fn, begin=0, end=2**64 - 1):
        """fn(vcpu, is_write, addr, size) on an access fault: return an int to resolve it (a
        load reads that value), None to let the guest fault, "stop" to resolve and stop."""
        def c_fn(o, v, t, a, n, val):
            try:
                r = fn(self._vcpu_of(v), t == HOOK_MEM_WRITE, a, n)
            except BaseException as ex:   # noqa: BLE001
                self._pending = ex
                return 1
            if r is None:
                return 0
            if r == "stop":
                return 1
            val[0] = r & (2**64 - 1)
            return 2
        return self._hook(HOOK_MEM_INVALID, fn, _HOOK_INVALID_FN(c_fn), begin, end)

    def hook_del(self, hook_id):
        _check(library().hv_vm_hook_del(self._h, hook_id), "hv_vm_hook_del", self._h)

    def set_coverage(self, size=65536):
        """Turn on the AFL-style edge map (size: a power of two); returns it as a ctypes
        byte array the VM updates in place (clear it with ctypes.memset or slice
        assignment). size=0 turns coverage off."""
        if not size:
            _check(library().hv_vm_set_coverage(self._h, None, 0), "hv_vm_set_coverage",
                   self._h)
            self._cov = None
            return None
        buf = (c_uint8 * size)()
        _check(library().hv_vm_set_coverage(self._h, ctypes.cast(buf, c_void_p), size),
               "hv_vm_set_coverage", self._h)
        self._cov = buf                     # must outlive the VM's use of it
        return buf

    def coverage_reset(self):
        _check(library().hv_vm_coverage_reset(self._h), "hv_vm_coverage_reset", self._h)

    def watch(self, addr, length, kind=WATCH_WRITE, clear=False):
        """Watchpoint on [addr, addr+length): run() stops with reason "watchpoint"."""
        f = library().hv_vm_clear_watchpoint if clear else library().hv_vm_set_watchpoint
        _check(f(self._h, addr, length, kind), "hv_vm_set_watchpoint", self._h)

    def set_hypercall_handler(self, eid, fn, override=False):
        """Para backend: fn(call) gets a Hypercall (.eid, .fid, .args) and claims it by
        returning (error, value), or True after setting call.error / call.value; None or
        False declines it (the next handler, libhv's own implementation or an exit with
        reason "hypercall" decides). eid=None installs the catch-all; fn=None removes the
        handler. An eid with its own handler probes as present (SBI probe_extension)."""
        e = HYPERCALL_ANY if eid is None else eid
        if fn is None:
            _check(library().hv_vm_set_hypercall_handler(self._h, e, _HCALL_FN(), None, 0),
                   "hv_vm_set_hypercall_handler", self._h)
            return

        def c_fn(opaque, vcpu, raw):
            call = Hypercall(raw.contents)
            try:
                res = fn(call)
            except BaseException as ex:   # noqa: BLE001
                self._pending = ex
                return 0
            if isinstance(res, tuple):
                call.error, call.value = res
            elif not res:
                return 0
            raw.contents.ret_error = call.error
            raw.contents.ret_value = call.value & (2**64 - 1)
            return 1

        cb = _HCALL_FN(c_fn)
        self._callbacks.append(cb)
        _check(library().hv_vm_set_hypercall_handler(self._h, e, cb, None,
                                                     HYPERCALL_OVERRIDE if override else 0),
               "hv_vm_set_hypercall_handler", self._h)

    # snapshots and checkpoints (include/hv/snapshot.h): the vCPUs the state holds must
    # exist (vm.vcpu(i)) before load / rollback.
    def _with_fd(self, target, mode, call):
        if isinstance(target, (str, bytes, os.PathLike)):
            with open(target, mode) as f:
                return self._with_fd(f, mode, call)
        if hasattr(target, "flush"):
            target.flush()
        fd = target if isinstance(target, int) else target.fileno()
        _check(getattr(library(), call)(self._h, fd), call, self._h)

    def snapshot_save(self, target):
        """Write a snapshot to `target`: a path, a binary file object or an fd (from its
        current position). Disk contents are not included (see include/hv/snapshot.h)."""
        self._with_fd(target, "wb", "hv_vm_snapshot_save")

    def snapshot_load(self, source):
        """Load a snapshot (path, binary file object or fd, read to the end) into this VM,
        made from the same configuration. A bad file raises HvError and changes nothing."""
        self._with_fd(source, "rb", "hv_vm_snapshot_load")

    def checkpoint(self):
        """Save the VM's state in memory; returns a Checkpoint for rollback()."""
        h = c_void_p()
        _check(library().hv_vm_checkpoint(self._h, byref(h)), "hv_vm_checkpoint", self._h)
        return Checkpoint(self, h)

    def rollback(self, cp):
        """Return the VM to checkpoint `cp` (copies back only the pages written since)."""
        _check(library().hv_vm_rollback(self._h, cp._h), "hv_vm_rollback", self._h)

    def state_hash(self):
        """64-bit hash of registers, instret and guest RAM (equal for equal states)."""
        v = c_uint64()
        _check(library().hv_vm_state_hash(self._h, byref(v)), "hv_vm_state_hash", self._h)
        return v.value


class Checkpoint:
    """An in-memory checkpoint of a VM (VM.checkpoint()); freed with close() or when
    garbage-collected (it may outlive its VM)."""

    def __init__(self, vm, handle):
        self.vm = vm
        self._h = handle

    def close(self):
        if self._h:
            library().hv_checkpoint_free(self._h)
            self._h = c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        if getattr(self, "_h", None) and _lib is not None:
            _lib.hv_checkpoint_free(self._h)


def version():
    return library().hv_version_string().decode()
