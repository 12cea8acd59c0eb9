#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Interleaved A/B of two builds on the translator's CPU suite by CPU time.

On a loaded machine the wall time of a run mostly measures how long it waited for a core;
the CPU time (user + system, all threads, from wait4's rusage) of an `hv run` of the
workload does not. Each round runs every workload on every backend with build A and build
B back to back (the order alternates between rounds); per cell the median and the minimum
over the rounds and B/A (on a shared machine the minimum, the least disturbed run, is the
steadier figure), then geometric means. The checksum line of every run must say "ok".

usage: scripts/cpu-ab.py SRC_A SRC_B [ROUNDS] [--backends full,para] [--engine jit]
       [WORKLOAD...]   (SRC_x/build/bin/hv and SRC_x/build/bench/*.elf must exist)
"""
import math
import os
import statistics
import subprocess
import sys

SUITE = ["intmix-x10", "sort-x10", "crc-x10", "matmul-x10", "bytecode", "ptrchase", "paging",
         "stackvm-x10", "linklist-x10", "lexer-x10", "crc16-x10", "mac16-x10", "bintree-x10",
         "qsortcb-x10", "strops-x10", "smallfn-x10"]


def run(src, backend, engine, work):
    elf = os.path.join(src, "build", "bench", f"{work}-{backend}.elf")
    cmd = [os.path.join(src, "build", "bin", "hv"), "run", "--backend", backend, "--engine",
           engine, "--bios", "none", "--mem", "256M", "--kernel", elf]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=src)
    out = p.stdout.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if " ok" not in out:
        sys.exit(f"{src}: {work} on {backend}/{engine}: no checksum ok:\n{out}")
    return (ru.ru_utime + ru.ru_stime) * 1000.0


def main():
    args = sys.argv[1:]
    backends, engine, pos = ["full", "para"], "jit", []
    while args:
        a = args.pop(0)
        if a == "--backends":
            backends = args.pop(0).split(",")
        elif a == "--engine":
            engine = args.pop(0)
        else:
            pos.append(a)
    a, b = os.path.abspath(pos[0]), os.path.abspath(pos[1])
    rounds = int(pos[2]) if len(pos) > 2 else 5
    works = pos[3:] or SUITE
    t = {}
    for r in range(rounds):
        for w in works:
            for be in backends:
                order = [("a", a), ("b", b)] if r % 2 == 0 else [("b", b), ("a", a)]
                for tag, src in order:
                    t.setdefault((w, be, tag), []).append(run(src, be, engine, w))
    g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
    for be in backends:
        ratios, rmins = [], []
        for w in works:
            xa, xb = t[(w, be, "a")], t[(w, be, "b")]
            ma, mb = statistics.median(xa), statistics.median(xb)
            ratios.append(mb / ma)
            rmins.append(min(xb) / min(xa))
            print(f"{w:14s} {be}/{engine}  CPU ms median {ma:8.1f} -> {mb:8.1f}  B/A {mb / ma:.3f}"
                  f"   min {min(xa):6.1f} -> {min(xb):6.1f}  B/A {rmins[-1]:.3f}"
                  f"  (max A {max(xa):.0f}, B {max(xb):.0f})")
        print(f"geomean B/A {be}/{engine} over {len(works)} workloads: medians {g(ratios):.3f},"
              f" minima {g(rmins):.3f}")


if __name__ == "__main__":
    main()
