#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux boot time: hv (full backend) against qemu-system-riscv64 -M virt, same guest.

Boots the same kernel Image (scripts/build-linux.sh), the same initramfs (/init is
tests/guest/linux/init.c, packed reproducibly as in tests/guest/linux/run.sh), the same
OpenSBI (Debian's generic fw_dynamic.bin, hv's default firmware), the same devices
(virtio blk with the test's disk, virtio rng, virtio net on a dead-end link, the virt
board's goldfish RTC and 8250 UART), one hart, the same RAM and command line on both.
Each configuration runs ROUNDS times, interleaved (A B C A B C ...), and the script
reports per configuration the medians of: wall time from process start to the console
line "init: reached /init", wall time to the process's exit (the guest powers off),
and the process's CPU time (user + system, all threads).

Usage: scripts/linux-boot-time.py [--rounds N] [--mem 256M] [--no-qemu]
                                  [--hv NAME=PATH[:ENGINE]]... [--show]
Default: --hv jit=build/bin/hv:jit. Each --hv adds a row (e.g. a "before" build).
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
APPEND = "console=ttyS0 earlycon=sbi"
MARK = b"init: reached /init"


def build_guest(work):
    image = subprocess.run([os.path.join(ROOT, "scripts/build-linux.sh"), "--print-path"],
                           check=True, capture_output=True, text=True).stdout.split()[-1]
    init = os.path.join(work, "init")
    subprocess.run(["riscv64-linux-gnu-gcc", "-static", "-O2", "-Wall", "-o", init,
                    os.path.join(ROOT, "tests/guest/linux/init.c")], check=True)
    subprocess.run(["touch", "-d", "@0", init], check=True)
    initrd = os.path.join(work, "initrd.gz")
    subprocess.run("echo init | cpio --quiet --reproducible -o -H newc | gzip -9n > "
                   + initrd, shell=True, cwd=work, check=True)
    disk = os.path.join(work, "disk.img")
    with open(disk, "wb") as f:
        f.write(b"LIBHV-LINUX-DISK")
        f.truncate(4 << 20)
    return image, initrd, disk


def hv_cmd(hv, engine, image, initrd, disk, mem):
    return [hv, "run", "--engine", engine, "--kernel", image, "--initrd", initrd,
            "--append", APPEND, "--mem", mem, "--smp", "1", "--disk", disk, "--rng",
            "--net", "loopback", "--serial", "stdio", "--no-raw"]


def qemu_cmd(image, initrd, disk, mem):
    return ["qemu-system-riscv64", "-M", "virt", "-smp", "1", "-m", mem, "-nographic",
            "-bios", FIRMWARE, "-kernel", image, "-initrd", initrd, "-append", APPEND,
            "-drive", f"file={disk},format=raw,if=none,id=d0",
            "-device", "virtio-blk-device,drive=d0",
            "-device", "virtio-rng-device",
            "-netdev", "hubport,id=n0,hubid=0", "-device", "virtio-net-device,netdev=n0"]


def run_once(cmd, show):
    """Returns (seconds to MARK, seconds to exit, cpu seconds, output)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = b""
    t_mark = None
    while True:
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
        if t_mark is None and MARK in out:
            t_mark = time.monotonic() - t0
    _, status, ru = os.wait4(p.pid, 0)
    t_end = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if show:
        sys.stdout.write(out.decode(errors="replace"))
    if t_mark is None or p.returncode != 0 or b"FAIL" in out:
        sys.stderr.write(out.decode(errors="replace"))
        raise SystemExit(f"boot failed (exit {p.returncode}): {' '.join(cmd)}")
    return t_mark, t_end, ru.ru_utime + ru.ru_stime, out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--hv", action="append", default=[],
                    help="NAME=PATH[:ENGINE] (default jit=build/bin/hv:jit)")
    ap.add_argument("--show", action="store_true", help="print each run's console")
    a = ap.parse_args()
    configs = []
    with tempfile.TemporaryDirectory() as work:
        image, initrd, disk = build_guest(work)
        for spec in a.hv or ["jit=" + os.path.join(ROOT, "build/bin/hv") + ":jit"]:
            name, _, rest = spec.partition("=")
            path, _, engine = rest.partition(":")
            configs.append((name, hv_cmd(os.path.abspath(path), engine or "jit",
                                         image, initrd, disk, a.mem)))
        if not a.no_qemu:
            configs.append(("qemu", qemu_cmd(image, initrd, disk, a.mem)))
        res = {n: [] for n, _ in configs}
        for r in range(a.rounds):
            for name, cmd in configs:
                m, e, c, _ = run_once(cmd, a.show)
                res[name].append((m, e, c))
                print(f"round {r + 1} {name:10s} /init {m:7.3f} s  exit {e:7.3f} s  "
                      f"cpu {c:7.3f} s", flush=True)
    med = {n: [statistics.median(x[i] for x in v) for i in range(3)] for n, v in res.items()}
    print(f"\nmedians of {a.rounds} interleaved rounds (kernel {image}, -m {a.mem}):")
    print(f"{'config':10s} {'/init s':>9s} {'exit s':>9s} {'cpu s':>9s}"
          + ("  /init vs qemu" if "qemu" in med else ""))
    for n, (m, e, c) in med.items():
        rel = f"  {m / med['qemu'][0]:.2f}x" if "qemu" in med else ""
        print(f"{n:10s} {m:9.3f} {e:9.3f} {c:9.3f}{rel}")


if __name__ == "__main__":
    main()
