#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Validate an `hv bench --backends full --engines interp,jit` run of one CPU workload: the
translation-cost counters (real values on the translator, zero on the interpreter) in JSON
and CSV, the jit-vs-interp ratio, and the summary (JSON and text: geometric mean line,
translation cost block). Usage: check_bench_engines.py JSON CSV TEXT WORKLOAD"""
import csv
import json
import sys


def fail(msg):
    print("check_bench_engines: " + msg)
    sys.exit(1)


def check_cells(w):
    by = {r["config"]: r for r in w["results"]}
    interp, jit = by["full/interp"], by["full/jit"]
    for r in (interp, jit):
        if r["status"] != "ok" or not r["checksum_ok"]:
            fail("%s: status %s (%s)" % (r["config"], r["status"], r.get("error", "")))
    if interp["instructions"] != jit["instructions"]:
        fail("the engines retired different instruction counts")
    if jit["blocks_translated"] <= 0:
        fail("jit: no blocks translated")
    if jit["insns_translated"] < jit["blocks_translated"]:
        fail("jit: insns_translated %d < blocks %d"
             % (jit["insns_translated"], jit["blocks_translated"]))
    if jit["translate_ns"] <= 0:
        fail("jit: translate_ns %r" % jit["translate_ns"])
    per = jit["translate_ns"] / jit["insns_translated"]
    if abs(jit["translate_ns_per_insn"] - per) > 1e-3 * per:
        fail("jit: translate_ns_per_insn %r, expected %r" % (jit["translate_ns_per_insn"], per))
    if (interp["blocks_translated"], interp["insns_translated"], interp["translate_ns"]) \
            != (0, 0, 0) or interp["translate_ns_per_insn"] is not None:
        fail("interp: translation counters are not zero")
    ratios = [x for x in w["ratios"] if x["what"] == "jit vs interp"]
    if len(ratios) != 1 or ratios[0]["config"] != "full/jit" \
            or ratios[0]["baseline"] != "full/interp":
        fail("per-workload jit vs interp ratio missing: %r" % w["ratios"])
    want = interp["wall_ms"]["median"] / jit["wall_ms"]["median"]
    if abs(ratios[0]["speedup"] - want) > 1e-3 * want:
        fail("jit vs interp speedup %r, expected %r" % (ratios[0]["speedup"], want))
    return jit, ratios[0]["speedup"]


def check_summary(doc, name, jit, speedup):
    s = doc.get("summary")
    if not s:
        fail("no summary")
    if len(s["ratios"]) != 1:
        fail("summary ratios %r" % s["ratios"])
    r = s["ratios"][0]
    if (r["what"], r["config"], r["baseline"], r["workloads"]) \
            != ("jit vs interp", "full/jit", "full/interp", 1):
        fail("summary ratio %r" % r)
    # One workload: the geometric mean is that workload's ratio.
    if abs(r["geomean_speedup"] - speedup) > 1e-3 * speedup or \
            abs(r["speedup"][name] - speedup) > 1e-3 * speedup:
        fail("summary geomean %r, expected %r" % (r["geomean_speedup"], speedup))
    t = s["translation"]
    if len(t) != 1 or t[0]["config"] != "full/jit":
        fail("summary translation %r" % t)
    for key in ("blocks_translated", "insns_translated", "translate_ns"):
        if t[0][key] != jit[key]:
            fail("summary translation %s %r, cell %r" % (key, t[0][key], jit[key]))
    if not 0 < t[0]["translate_share_of_run"] < 1:
        fail("translate_share_of_run %r" % t[0]["translate_share_of_run"])


def check_csv(path, name):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    head = list(rows[0].keys())
    if head[25:28] != ["insns_translated", "translate_ns", "translate_ns_per_insn"] or \
            head[28:] != ["guest_total_ms", "checksum", "speedup_vs_qemu", "fraction_of_native"]:
        fail("CSV columns %r" % head)
    if head[:2] != ["workload", "kind"] or head[24] != "exits_per_op":
        fail("CSV: the old columns moved")
    by = {r["config"]: r for r in rows if r["workload"] == name}
    if int(by["full/jit"]["translate_ns"]) <= 0 or float(
            by["full/jit"]["translate_ns_per_insn"]) <= 0:
        fail("CSV: jit translation cost missing")
    if by["full/interp"]["translate_ns"] != "0" or by["full/interp"]["translate_ns_per_insn"]:
        fail("CSV: interp translation cost not zero/empty")


def check_text(path):
    with open(path) as f:
        text = f.read()
    lines = text.splitlines()
    if not any(l.startswith("summary: speedup") for l in lines):
        fail("text: no summary")
    if not any("full/jit vs full/interp" in l for l in lines):
        fail("text: no jit vs interp column")
    geo = [l for l in lines if l.startswith("geomean ")]
    if len(geo) != 1 or "x (1)" not in geo[0]:
        fail("text: geomean line %r" % geo)
    cost = [l for l in lines if l.startswith("full/jit ")]
    if "translation cost" not in text or len(cost) != 1:
        fail("text: no translation cost line")


def main():
    path, csv_path, text_path, name = sys.argv[1:5]
    with open(path) as f:
        doc = json.load(f)
    if doc["configs"] != ["full/interp", "full/jit"]:
        fail("configs %r" % doc["configs"])
    if [w["name"] for w in doc["workloads"]] != [name]:
        fail("workloads %r" % [w["name"] for w in doc["workloads"]])
    jit, speedup = check_cells(doc["workloads"][0])
    check_summary(doc, name, jit, speedup)
    check_csv(csv_path, name)
    check_text(text_path)
    print("check_bench_engines: ok (jit %.2fx the interpreter, %.0f ns per guest insn "
          "translated)" % (speedup, jit["translate_ns_per_insn"]))


main()
