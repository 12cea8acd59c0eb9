#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate an `hv bench --json` report: top-level keys, one entry per workload named on
the command line, full and para results with consistent counters, checksums all matched."""
import json
import sys


def fail(msg):
    print("check_bench_json: " + msg)
    sys.exit(1)


def main():
    path, names = sys.argv[1], sys.argv[2:]
    with open(path) as f:
        doc = json.load(f)
    for key in ("tool", "libhv", "date", "command", "runs", "host", "configs", "workloads"):
        if key not in doc:
            fail("missing top-level key " + key)
    if doc["configs"] != ["full", "para"]:
        fail("configs %r" % doc["configs"])
    got = [w["name"] for w in doc["workloads"]]
    if got != names:
        fail("workloads %r, expected %r" % (got, names))
    for w in doc["workloads"]:
        if len(w["results"]) != 2:
            fail(w["name"] + ": expected 2 results")
        for r in w["results"]:
            where = "%s/%s" % (w["name"], r["config"])
            if r["status"] != "ok" or not r["checksum_ok"]:
                fail(where + ": status %s checksum_ok %s (%s)"
                     % (r["status"], r["checksum_ok"], r.get("error", "")))
            wall = r["wall_ms"]
            if not (0 < wall["min"] <= wall["median"] <= wall["max"]):
                fail(where + ": wall times out of order")
            if len(r["runs_ms"]) != doc["runs"]:
                fail(where + ": runs_ms has %d entries" % len(r["runs_ms"]))
            if r["instructions"] <= 0 or r["mips"] <= 0:
                fail(where + ": no instructions counted")
            if r["run_exits"] != sum(r["exits_by_reason"].values()):
                fail(where + ": exits_by_reason does not add up")
            if r["exits"] != r["mmio_traps"] + r["hypercalls"]:
                fail(where + ": exits is not MMIO traps + hypercalls")
            if r["exits_by_reason"].get("shutdown") != 1:
                fail(where + ": the run did not end with one shutdown exit")
            # Translation cost: real values whenever the translator ran.
            if r["blocks_translated"] > 0 and (
                    r["insns_translated"] < r["blocks_translated"] or r["translate_ns"] <= 0
                    or not r["translate_ns_per_insn"] > 0):
                fail(where + ": translation cost %r/%r ns" % (r["insns_translated"],
                                                              r["translate_ns"]))
            para = r["backend"] == "para"
            if para and r["mmio_traps"] != 0:
                fail(where + ": para counted MMIO traps")
            if not para and r["hypercalls"] != 0:
                fail(where + ": full counted hypercalls")
            if w["kind"] != "cpu":
                for key in ("ops", "bytes", "ops_per_s", "exits_per_op", "guest_ms"):
                    if key not in r:
                        fail(where + ": missing " + key)
                if r["exits_per_op"] <= 0:
                    fail(where + ": exits_per_op %r" % r["exits_per_op"])
        ratios = [x for x in w["ratios"] if x["what"] == "para vs full"]
        if len(ratios) != 1 or ratios[0]["speedup"] <= 0 or ratios[0]["config"] != "para":
            fail(w["name"] + ": para vs full ratio missing")
    if "ratios" not in doc.get("summary", {}) or "translation" not in doc["summary"]:
        fail("no summary")
    print("check_bench_json: %d workloads ok" % len(doc["workloads"]))


main()
