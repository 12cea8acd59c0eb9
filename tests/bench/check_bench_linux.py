#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate an `hv bench --linux --json` report: every Linux row, full/jit measured (time,
exits per operation, per-op split, checksum matched); para/jit measured the same way (n/a
only when the para Image is not built)."""
import json
import sys

ROWS = ["linux-boot", "linux-syscall", "linux-pipe", "linux-fork", "linux-pgfault",
        "linux-blk-seq-4k-qd1", "linux-blk-rand-4k-qd1", "linux-blk-seq-1m-qd1",
        "linux-blk-rand-1m-qd1", "linux-blk-seq-4k-qd32", "linux-blk-rand-4k-qd32",
        "linux-blk-seq-1m-qd32", "linux-blk-rand-1m-qd32", "linux-timer", "linux-net"]


def fail(msg):
    print("check_bench_linux: " + msg)
    sys.exit(1)


def check_measured(where, r):
    if not r.get("checksum_ok") and not where.startswith("linux-boot"):
        fail(where + ": checksum not matched")
    if not (r["wall_ms"]["median"] > 0):
        fail(where + ": no time")
    if "exits_per_op" not in r or r["exits_per_op"] is None or r["exits_per_op"] < 0:
        fail(where + ": no exits per operation")
    lx = r.get("linux")
    if not lx:
        fail(where + ": no per-operation section")
    if not (lx["host_us_per_op"] > 0):
        fail(where + ": no host time per op")
    t = lx["time_pct"]
    if abs(t["guest"] + t["exits"] + t["idle"] - 100) > 0.5:
        fail(where + ": time split does not add up: %r" % t)
    if r["ops"] < 1:
        fail(where + ": no operations")


def main():
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    if doc["configs"] != ["full/jit", "para/jit"]:
        fail("configs %r" % doc["configs"])
    got = [w["name"] for w in doc["workloads"]]
    if got != ROWS:
        fail("workloads %r" % got)
    for w in doc["workloads"]:
        for r in w["results"]:
            where = "%s/%s" % (w["name"], r["config"])
            if r["status"] == "ok":
                check_measured(where, r)
            elif (r["config"] == "para/jit" and r["status"] == "unsupported" and
                  r.get("error", "").startswith("no para kernel Image")):
                pass                # a host without the para Image: not this test's fault
            else:
                fail("%s: %s %s" % (where, r["status"], r.get("error", "")))
    print("check_bench_linux: %d rows ok" % len(got))


main()
