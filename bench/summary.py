#!/usr/bin/env python3
"""Summarises a bench/run.sh CSV: per scenario and tool the median, min and max wall time and what
the registry served, then PullCluster / containerd and c20 / single ratios of the medians."""
import csv
import statistics
import sys

NOTES = {"skopeo": "skopeo*"}
SCENARIO_TEXT = {
    "base-gz": "1 pull of bench/base:1 (3 layers, gzip)",
    "base-zst": "1 pull of bench/base:1-zstd (3 layers, zstd)",
    "c20-base-gz": "20 client processes pulling bench/base:1 at once",
    "app1+app2": "bench/app1:1 and bench/app2:1 at once (3 shared base layers)",
    "many-gz": "1 pull of bench/many:1 (40 layers, gzip)",
}


def main(path):
    rows = list(csv.DictReader(open(path)))
    scenarios, tools = [], []
    for r in rows:
        if r["scenario"] not in scenarios:
            scenarios.append(r["scenario"])
        if r["tool"] not in tools:
            tools.append(r["tool"])
    medians = {}
    for sc in scenarios:
        print(f"\n== {sc}: {SCENARIO_TEXT.get(sc, '')}")
        print(f"{'tool':<13}{'n':>2} {'median_s':>9} {'min_s':>7} {'max_s':>7} {'MB_served':>10} {'blob_GETs':>10} {'failed':>7}")
        for tool in tools:
            rs = [r for r in rows if r["scenario"] == sc and r["tool"] == tool]
            if not rs:
                continue
            walls = [float(r["wall_s"]) for r in rs]
            mb = statistics.median(int(r["blob_bytes"]) for r in rs) / 1e6
            gets = statistics.median(int(r["blob_gets"]) for r in rs)
            failed = sum(int(r["failed"]) for r in rs)
            medians[(sc, tool)] = statistics.median(walls) if failed == 0 else None
            print(f"{NOTES.get(tool, tool):<13}{len(rs):>2} {statistics.median(walls):>9.2f} {min(walls):>7.2f} "
                  f"{max(walls):>7.2f} {mb:>10.1f} {gets:>10.0f} {failed:>7}")
        pc, ctd, before = (medians.get((sc, t)) for t in ("pullcluster", "containerd", "baseline"))
        if pc and ctd:
            print(f"PullCluster / containerd: {pc / ctd:.2f}")
        if pc and before:
            print(f"PullCluster / baseline: {pc / before:.2f}")
    if "c20-base-gz" in scenarios and "base-gz" in scenarios:
        print("\n== c20 / single (median of c20-base-gz / median of base-gz)")
        for tool in tools:
            c20, one = medians.get(("c20-base-gz", tool)), medians.get(("base-gz", tool))
            if c20 and one:
                print(f"{NOTES.get(tool, tool):<13} {c20 / one:.2f}")
    if "skopeo" in tools:
        print("\n* skopeo copies to an oci: directory: download and verify only, no unpack.")
    print("MB_served and blob_GETs: blob GET responses (200/206) in the registry's access log"
          " during the run, all clients together; medians over the repetitions."
          " A run with a failed client gets no ratio.")


main(sys.argv[1])
