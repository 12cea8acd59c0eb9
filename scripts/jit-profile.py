#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Where a translated guest spends its time: run `hv run` under `perf record` (software
clock, so it works in VMs without PMU access) with --trace=in_asm,out_asm, then attribute
every sample to the generated code of a guest block, to the translator's stubs (enter, exit,
the jump-cache probe that every JALR/indirect jump and return goes through), or to a named
function of hv (dispatcher, helpers, soft-TLB refills), and print the totals and the
hottest blocks with their guest code.

usage: scripts/jit-profile.py [--top N] [--freq HZ] -- HV_RUN_ARGS...
  e.g. scripts/jit-profile.py -- build/bin/hv run --bios none --kernel build/bench/bintree-x10-full.elf
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

# hv functions by role (prefix match on the symbol perf reports)
ROLES = [
    ("dispatch", ("hv__jit_run", "lookup", "run_block", "hash_find", "hv__jit_exec_block",
                  "bp_stop", "hv__engine_run", "hv_vcpu_run", "step_n")),
    ("soft-TLB refill / page walk", ("hv__cpu_translate", "hv__tlb_", "hv__mmu_",
                                     "tlb_fill", "walk", "sv39_walk", "page_walk")),
    ("translation", ("hv__jit_translate", "decode_block", "hv__decode", "emit_insn",
                     "emit_cold", "hv__x86_", "hv__cc_", "translate_counted",
                     "hv__jit_track_code", "hv__disas_", "trace_block", "alloc_regs",
                     "hv__log", "emit_line", "trace_line", "jit_log", "log_stderr",
                     "hv__rvc_expand")),
    ("poll / clock", ("__vdso_clock_gettime", "clock_gettime", "mono_ns", "poll",
                      "hvf_poll", "hvp_devices_poll", "console_poll", "hv__clock_",
                      "hv__host_monotonic_ns", "hvf_platform_poll", "hvp_timer_check")),
]


# translation includes the trace's own logging (--trace prints every block it translates)
EXCLUDED = ("kernel", "other (libc, loader...)", "translation")


def role_of(sym, dso):
    if dso.startswith("[kernel"):
        return "kernel"
    if dso == "[vdso]" or sym.startswith(("__poll", "clock_gettime")):
        return "poll / clock"
    if not re.search(r"(^|/)hv$|libhv", dso):
        return "other (libc, loader...)"
    base = sym.split(".")[0]                 # run_block.isra.0 -> run_block
    for role, names in ROLES:
        if any(base == n or (n.endswith("_") and base.startswith(n)) for n in names):
            return role
    if "/hv" in dso or dso.endswith("hv") or "libhv" in dso:
        return "helpers (other hv code)"
    return "other (libc, loader...)"


def host_class(text):
    """What one instruction of generated code is for (by its form; see translate.c)."""
    if re.search(r"\[rbx \+ r[a-z0-9]+ \+ 0x", text) or "0x1ffe0" in text or \
            "0xfffffffffffff000" in text or re.match(r"shr e[a-z0-9]+, 7$", text) or \
            re.match(r"test e[a-z0-9]+, [137]$", text):
        return "soft-TLB probe (index, tag/addend compare)"
    if re.search(r"\[rbx \+ 0x([0-9a-f]+)\]", text):
        off = int(re.search(r"\[rbx \+ 0x([0-9a-f]+)\]", text).group(1), 16)
        if off < 0x108:
            return "guest registers/pc to or from the cpu struct"
        return "other cpu-struct fields (budget limit, instret, jump cache)"
    if re.search(r"\br15\b", text):
        return "instret counting and budget checks"
    if text.startswith("call"):
        return "helper calls"
    return "the guest's own work (ALU, access, branches)"


def parse_trace(path):
    """Blocks from the trace: (host_start, host_end, guest_pc, guest_insns, text)."""
    blocks, cur_in, guest, host = [], [], None, []
    out_re = re.compile(r"OUT: block at (0x[0-9a-f]+) -> (\d+) bytes")
    in_re = re.compile(r"IN: block at (0x[0-9a-f]+) \((\d+) insns\)")
    line_re = re.compile(r"libhv info: (0x[0-9a-f]+):\s+(.*)")
    mode = None
    pending = None
    with open(path, errors="replace") as f:
        for line in f:
            m = in_re.search(line)
            if m:
                if pending:
                    blocks.append(pending)
                    pending = None
                mode, cur_in = "in", []
                guest = (int(m.group(1), 16), int(m.group(2)))
                continue
            m = out_re.search(line)
            if m:
                mode = "out"
                size = int(m.group(2))
                pending = [None, size, guest[0] if guest else 0, guest[1] if guest else 0,
                           list(cur_in), []]
                continue
            m = line_re.match(line)
            if not m:
                continue
            addr = int(m.group(1), 16)
            if mode == "in":
                cur_in.append(m.group(2).strip())
            elif mode == "out" and pending is not None:
                if pending[0] is None:
                    pending[0] = addr
                pending[5].append((addr, m.group(2).strip()))
    if pending:
        blocks.append(pending)
    out = []
    for start, size, pc, n, gtext, htext in blocks:
        if start is not None:
            out.append((start, start + size, pc, n, gtext, htext))
    out.sort()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--freq", type=int, default=10000)
    ap.add_argument("--keep", help="keep perf.data and the trace under this prefix")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = [c for c in a.cmd if c != "--"]
    if not cmd:
        ap.error("no hv command")
    tmp = tempfile.mkdtemp(prefix="jitprof-")
    data = a.keep + ".data" if a.keep else os.path.join(tmp, "perf.data")
    trace = a.keep + ".trace" if a.keep else os.path.join(tmp, "trace.txt")
    with open(trace, "w") as tf:
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(a.freq), "-o",
                        data, "--"] + cmd + ["--trace=in_asm,out_asm"],
                       stdout=subprocess.DEVNULL, stderr=tf, check=False)
    blocks = parse_trace(trace)
    starts = [b[0] for b in blocks]
    # The stubs sit at the start of the code cache, before the first block: the enter stub,
    # exit (nochain/chain) and the jump-cache probe (jc_lookup) at its end.
    first = starts[0] if starts else 0
    ps = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"],
                        capture_output=True, text=True, check=False).stdout
    roles = collections.Counter()
    per_block = collections.Counter()
    per_sym = collections.Counter()
    per_off = collections.Counter()
    total = 0
    for line in ps.splitlines():
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        try:
            ip = int(parts[0], 16)
        except ValueError:
            continue
        rest = parts[1]
        k = rest.find(" (")
        sym, dso = (rest[:k], rest[k + 2:-1]) if k >= 0 else (rest, "")
        total += 1
        if "hv-codecache" in dso or "memfd" in dso:
            i = bisect.bisect_right(starts, ip) - 1
            if i >= 0 and blocks[i][0] <= ip < blocks[i][1]:
                roles["generated code (blocks)"] += 1
                per_block[i] += 1
                per_off[(i, ip)] += 1
            elif ip < first and first - ip < 4096:
                off = ip - (first & ~0xfff)
                # enter 0x40.., exit ~0x6b.., jc_lookup from ~0xa7 (see hv__jit_emit_stubs)
                name = ("stub: jump-cache probe (JALR/returns)" if off >= 0xa7 else
                        "stub: exit to dispatcher" if off >= 0x6b else
                        "stub: enter from dispatcher")
                roles[name] += 1
            else:
                roles["code cache (unattributed)"] += 1
            continue
        r = role_of(sym, dso)
        roles[r] += 1
        per_sym[(r, sym)] += 1
    if not total:
        sys.exit("no samples")
    # Shares of the samples that ran the guest: generated code, stubs and hv itself; the
    # trace's own logging (libc printf, kernel writes) and the start-up are left out.
    run = sum(n for r, n in roles.items() if r not in EXCLUDED)
    print("samples: %d, %d running the guest (%s)" % (total, run, " ".join(cmd)))
    for r, n in roles.most_common():
        if r not in EXCLUDED:
            print("  %5.1f%%  %s" % (100.0 * n / run, r))
    print("  (left out: %s)" % ", ".join("%s %d" % (r, roles[r]) for r in EXCLUDED if roles[r]))
    print("top functions outside generated code:")
    shown = [(k, n) for k, n in per_sym.most_common() if k[0] not in EXCLUDED][:10]
    for (r, s), n in shown:
        print("  %5.1f%%  %-40s %s" % (100.0 * n / run, s, r))
    total = run
    kinds = collections.Counter()
    for (i, ip), n in per_off.items():
        htext = blocks[i][5]
        addrs = [h[0] for h in htext]
        j = bisect.bisect_right(addrs, ip) - 1
        # perf's sample ip is usually the instruction after the one that waited: charge
        # the previous one when the ip is the start of an instruction
        if j > 0 and addrs[j] == ip:
            j -= 1
        text = htext[j][1] if j >= 0 else ""
        text = re.sub(r"^([0-9a-f]{2} )+\s*", "", text)
        kinds[host_class(text)] += n
    gen = sum(kinds.values())
    if gen:
        print("inside generated code, by what the host instruction does (share of generated"
              " code; sample skid makes this approximate):")
        for k, n in kinds.most_common():
            print("  %5.1f%%  %s" % (100.0 * n / gen, k))
    print("hottest blocks (share of all samples; guest pc, insns, host bytes):")
    for i, n in per_block.most_common(a.top):
        start, end, pc, ni, gtext, htext = blocks[i]
        calls = sum(1 for _, t in htext if "call " in t)
        print("  %5.1f%%  block 0x%x  %d insns  %d host bytes  %d helper call sites (slow paths)"
              % (100.0 * n / total, pc, ni, end - start, calls))
        for g in gtext:
            print("            " + g)


if __name__ == "__main__":
    main()
