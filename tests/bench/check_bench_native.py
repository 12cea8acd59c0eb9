#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate an `hv bench --backends full,para --engines interp,jit --native` run: every cell
ok with its own checksum verdict, every column's checksum equal to the native build's, the
per-workload and summary fraction-of-native ratios (JSON), the CSV's new columns and the
text's fraction-of-native table. Usage: check_bench_native.py JSON CSV TEXT WORKLOAD..."""
import csv
import json
import math
import sys

CONFIGS = ["full/interp", "full/jit", "para/interp", "para/jit", "native"]


def fail(msg):
    print("check_bench_native: " + msg)
    sys.exit(1)


def close(a, b):
    return abs(a - b) <= 1e-3 * abs(b)


def main():
    path, csv_path, text_path, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    with open(path) as f:
        doc = json.load(f)
    if doc["configs"] != CONFIGS:
        fail("configs %r" % doc["configs"])
    if [w["name"] for w in doc["workloads"]] != names:
        fail("workloads %r" % [w["name"] for w in doc["workloads"]])
    for w in doc["workloads"]:
        by = {r["config"]: r for r in w["results"]}
        nat = by["native"]
        if not nat["native"] or nat["backend"] != "native" or "instructions" in nat:
            fail("%s: native cell %r" % (w["name"], nat))
        for c in CONFIGS:
            r = by[c]
            if r["status"] != "ok" or not r["checksum_ok"]:
                fail("%s/%s: %s %s" % (w["name"], c, r["status"], r.get("error", "")))
            if r["checksum"] != nat["checksum"] or not r["checksum"]:
                fail("%s/%s: checksum %r, native %r" % (w["name"], c, r["checksum"],
                                                        nat["checksum"]))
            if not r["guest_total_ms"] or r["guest_total_ms"] <= 0:
                fail("%s/%s: no guest clock at the result" % (w["name"], c))
        if by["full/interp"]["instructions"] != by["full/jit"]["instructions"]:
            fail("%s: the engines retired different instruction counts" % w["name"])
        ratios = {x["config"]: x for x in w["ratios"] if x["what"] == "vs native"}
        if sorted(ratios) != sorted(CONFIGS[:4]):
            fail("%s: vs native ratios %r" % (w["name"], sorted(ratios)))
        for c, x in ratios.items():
            want = nat["guest_total_ms"] / by[c]["guest_total_ms"]
            if x["baseline"] != "native" or not close(x["speedup"], want):
                fail("%s: %s vs native %r, expected %r" % (w["name"], c, x, want))
    s = doc["summary"]["ratios"]
    nat = [r for r in s if r["what"] == "vs native"]
    if [r["config"] for r in nat] != CONFIGS[:4]:
        fail("summary vs native %r" % [r["config"] for r in nat])
    for r in nat:
        vals = list(r["speedup"].values())
        geo = math.exp(sum(math.log(v) for v in vals) / len(vals))
        if r["workloads"] != len(names) or not close(r["geomean_speedup"], geo) \
                or not close(r["min_speedup"], min(vals)) \
                or r["speedup"][r["min_workload"]] != min(vals):
            fail("summary %r" % r)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != len(names) * len(CONFIGS):
        fail("CSV rows %d" % len(rows))
    for row in rows:
        if row["status"] != "ok" or not row["checksum"] or not float(row["guest_total_ms"]) > 0:
            fail("CSV row %r" % row)
        if (row["config"] == "native") != (row["fraction_of_native"] == ""):
            fail("CSV fraction_of_native %r" % row)
    with open(text_path) as f:
        text = f.read()
    if "\nfraction of native: " not in text or text.count("fraction of native: full/interp") \
            != len(names):
        fail("text: no fraction-of-native table or per-workload lines")
    print("check_bench_native: ok (%s)" % ", ".join(
        "%s %.3fx native" % (r["config"], r["geomean_speedup"]) for r in nat))


main()
