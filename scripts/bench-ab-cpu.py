#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CPU-time A/B of two builds on the translator's CPU suite: each workload's ELF is run with
`hv run --engine jit` (full: --bios none) from SRC_A and SRC_B alternately (the order flips
every round), and the process CPU time (user + system, getrusage of the child) is taken.
On a loaded machine CPU time moves far less than wall time (a descheduled run does not count
the time it waits), so this separates small differences that `hv bench` rows (guest clock =
wall time) drown in. Prints per workload and backend the median before -> after and the
ratio, the ratio of the minima (the least disturbed runs: on a shared machine often the
steadier figure), then the geometric means of both. Every run must print its checksum line.

usage: scripts/bench-ab-cpu.py SRC_A SRC_B [ROUNDS [WORKLOAD,...]]
"""
import math
import resource
import statistics
import subprocess
import sys

SUITE = ("intmix-x10 sort-x10 crc-x10 matmul-x10 bytecode ptrchase paging stackvm-x10 "
         "linklist-x10 lexer-x10 crc16-x10 mac16-x10 bintree-x10 qsortcb-x10 strops-x10 "
         "smallfn-x10").split()


def cpu_ms(src, workload, backend):
    cmd = [f"{src}/build/bin/hv", "run", "--backend", backend, "--engine", "jit",
           "--kernel", f"{src}/build/bench/{workload}-{backend}.elf", "--mem", "256M"]
    if backend == "full":
        cmd += ["--bios", "none"]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0 or b"checksum" not in p.stdout:
        sys.exit(f"bench-ab-cpu: {' '.join(cmd)} failed:\n{p.stdout.decode(errors='replace')}")
    return (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    a, b = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    suite = sys.argv[4].split(",") if len(sys.argv) > 4 else SUITE
    res = {}
    for r in range(rounds):
        for w in suite:
            for be in ("full", "para"):
                order = (("a", a), ("b", b)) if r % 2 == 0 else (("b", b), ("a", a))
                for tag, src in order:
                    res.setdefault((w, be, tag), []).append(cpu_ms(src, w, be))
    ratios = {"full": [], "para": []}
    rmins = {"full": [], "para": []}
    for w in suite:
        line = f"{w:14s}"
        for be in ("full", "para"):
            xa, xb = res[(w, be, "a")], res[(w, be, "b")]
            ma, mb = statistics.median(xa), statistics.median(xb)
            ratios[be].append(mb / ma)
            rmins[be].append(min(xb) / min(xa))
            line += f"  {be}: {ma:7.1f} -> {mb:7.1f} ms ({mb / ma:.3f}, min {rmins[be][-1]:.3f})"
        print(line)
    g = lambda v: math.exp(sum(map(math.log, v)) / len(v))
    print(f"geomean after/before (medians): full {g(ratios['full']):.3f} para {g(ratios['para']):.3f}")
    print(f"geomean after/before (minima):  full {g(rmins['full']):.3f} para {g(rmins['para']):.3f}")

if __name__ == "__main__":
    main()
