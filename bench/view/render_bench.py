#!/usr/bin/env python3
"""Render benchmark of `gosim view --html`: a trace of about a million events
must show its first timeline in under 3 s in headless Chromium.

The trace is synthesised (gosim_synth_trace, exactly --events events, a toy
scheduler that moves Gs the way the vocabulary says) or, with --scenario,
made by `gosim run` (bench/view/million-events.json gives about 560,000
events). Either way the page is written by `gosim view --html`. Each run
starts a fresh Chromium (empty profile, so nothing is cached), opens the page
from file:// and reads the page's own marks: performance.now() is measured
from navigation start, and the page records `firstPaint` in the animation
frame after it first drew the timeline (also `parsed`: JSON decoded,
`indexed`: lanes and checkpoints built). The median of the runs is reported.

    python3 bench/view/render_bench.py --gosim build/gosim \
        --synth build/bench/view/gosim_synth_trace [--events 1000000] [--runs 5]
    python3 bench/view/render_bench.py --gosim build/gosim --scenario bench/view/million-events.json
or  cmake --build build --target bench_view_render
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "browser"))
import cdp  # noqa: E402

BUDGET_MS = 3000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gosim", required=True)
    ap.add_argument("--synth", help="gosim_synth_trace binary (default input)")
    ap.add_argument("--events", type=int, default=1000000)
    ap.add_argument("--scenario", help="make the trace with gosim run instead")
    ap.add_argument("--out", default="bench-view")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    trace = os.path.join(args.out, "million.trace.json")
    page = os.path.join(args.out, "million.html")

    t = time.time()
    if args.scenario:
        subprocess.run([args.gosim, "run", args.scenario, "--trace", trace], check=True, stdout=subprocess.DEVNULL)
    elif args.synth:
        subprocess.run([args.synth, trace, str(args.events), "8"], check=True, stdout=subprocess.DEVNULL)
    else:
        ap.error("give --synth or --scenario")
    run_s = time.time() - t
    with open(trace) as f:
        events = sum(1 for line in f if line.startswith('{"t":'))
    t = time.time()
    subprocess.run([args.gosim, "view", "--html", page, trace], check=True)
    html_s = time.time() - t
    size_mb = os.path.getsize(page) / 1e6
    print("trace: %d events (made in %.1fs); page: %.1f MB (gosim view --html %.1fs)" % (events, run_s, size_mb, html_s))

    marks = []
    for i in range(args.runs):
        with cdp.Browser() as b:
            b.navigate(page, timeout=300)
            b.wait_for("window.gosim && window.gosim.ready === true", timeout=300)
            perf = b.evaluate("window.gosim.perf")
            if b.errors:
                print("errors in the page: %s" % b.errors)
                return 1
            if i == 0:
                b.screenshot(os.path.join(args.out, "million.png"))
        marks.append(perf)
        print("run %d: first paint %.0f ms (JSON parsed %.0f, decoded %.0f, indexed %.0f)" % (
            i + 1, perf["firstPaint"], perf["parsed"], perf["decoded"], perf["indexed"]))
    med = statistics.median(m["firstPaint"] for m in marks)
    verdict = "within" if med < BUDGET_MS else "OVER"
    print("median first paint: %.0f ms over %d runs for %d events (%s the %d ms budget)" % (
        med, len(marks), events, verdict, BUDGET_MS))
    print(json.dumps({"events": events, "page_mb": round(size_mb, 1), "runs": len(marks),
                      "median_first_paint_ms": round(med), "budget_ms": BUDGET_MS}))
    return 0 if med < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
