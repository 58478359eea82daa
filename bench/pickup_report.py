#!/usr/bin/env python3
"""bench/pickup's table: the nightly pickup beside the seed's, from one run's results folder.

    pickup_report.py RESULTS_DIR [--publish]

Prints the markdown; with --publish it becomes the "nightly" block of bench/results/pickup.md
(summary.replace_block) and its row in BENCHMARKS.md.
"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402

R = sys.argv[1]
PUBLISH = "--publish" in sys.argv[2:]
meta = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(R, "meta.txt")) if "=" in line)
probe = json.load(open(os.path.join(R, "pickup.json")))["targets"]
ready = {}
if os.path.exists(os.path.join(R, "ready.txt")):
    for line in open(os.path.join(R, "ready.txt")):
        name, value = line.split()
        ready[name] = int(value.split("=")[1])


def events(name, which):
    try:
        return json.load(open(os.path.join(R, f"events-{which}{name}.json")))
    except (OSError, ValueError):
        return []


def load_of(name, file_name):
    """The reload log's duration of the load that swapped FILE_NAME in (the unoptimised pickup load)."""
    for e in events(name, ""):
        if e.get("kind") == "loaded" and e.get("path", "").endswith("/" + file_name):
            return e.get("duration_ms")
    return None


seed = probe["seed"]
seed_first, seed_p50 = seed["latencies_ms"][0], seed["p50_ms"]
rows, notes = [], []
for name, t in probe.items():
    lat = t["latencies_ms"]
    first, p50, mx = lat[0], t["p50_ms"], t["max_ms"]
    if name == "seed":
        rows.append(f"| the seed's Python design | {first:.2f} ms | {p50:.2f} ms | {mx:.1f} ms | reference | reference | "
                    f"{mx / p50:.1f}× | {t['seen']}/{t['trials']} | — | — |")
        continue
    loads = [load_of(name, f) for f in t["files"]]
    first_load = loads[0] if loads else None
    later = [x for x in loads[1:] if x is not None]
    start = events(name, "start-")
    first_boot_load = next((e["duration_ms"] for e in start if e.get("kind") == "loaded"), None)
    ok = lambda c: "" if c else " **(missed)**"
    rows.append(f"| {name} | {first:.2f} ms | {p50:.2f} ms | {mx:.1f} ms | {first / seed_first:.2f}×{ok(first <= seed_first)} | "
                f"{p50 / seed_p50:.2f}×{ok(p50 <= 0.8 * seed_p50)} | {mx / p50:.1f}×{ok(mx <= 2 * p50)} | {t['seen']}/{t['trials']} | "
                f"{first_load:.2f} / {statistics.median(later):.2f} ms | " if first_load is not None and later else "| ? | ")
    rows[-1] += (f"{ready[name]} ms (first load {first_boot_load:.0f} ms) |" if name in ready and first_boot_load is not None else "? |")

text = [
    "## The nightly pickup (`bench/pickup`)",
    "",
    f"{meta.get('date')} UTC, commit {meta.get('commit')}, {meta.get('cpu')}, {meta.get('java')}; the seed: {meta.get('seed', '?')}. "
    f"Load average {meta.get('loadavg_start')} at the start, {meta.get('loadavg_end')} at the end.",
    "",
    f"Each server's request path warmed for {meta.get('warm_seconds')} s by a tight loop, then {meta.get('trials')} checkpoints "
    "published by tmp + rename, the servers taken in turn; the time from the rename to the first answer naming the new file. "
    "hotserve runs as `./hotserve serve` runs it (ONNX, every setting at its default). Goals: first pickup ≤ the seed's first; "
    "p50 ≤ 0.8× the seed's p50; max ≤ 2× hotserve's own p50.",
    "",
    "| server | first pickup (the nightly case) | p50 | max | first vs the seed's first | p50 vs the seed's p50 | max / own p50 | seen "
    "| load of the first pickup / median of the rest (reload log) | ready after start (its first load) |",
    "|---|---|---|---|---|---|---|---|---|---|",
] + rows + [
    "",
    "- latencies, in trial order (ms): " + "; ".join(f"{n}: " + ", ".join(f"{x:.2f}" for x in t["latencies_ms"]) for n, t in probe.items()),
]
analysis = summary.findings("nightly")
if analysis:
    text += ["", analysis]
out = "\n".join(text)
print(out)
if PUBLISH:
    summary.replace_block("pickup", "nightly", out)
    hot = probe["hotserve"]
    first, p50 = hot["latencies_ms"][0], hot["p50_ms"]
    met = first <= seed_first and p50 <= 0.8 * seed_p50 and hot["max_ms"] <= 2 * p50
    summary.set_row("pickup", "Nightly pickup", f"first {first:.2f} ms vs the seed's {seed_first:.2f} ms ({first / seed_first:.2f}×); "
                    f"p50 {p50:.2f} vs {seed_p50:.2f} ms ({p50 / seed_p50:.2f}×); max {hot['max_ms']:.1f} ms",
                    "first ≤ seed's first; p50 ≤ 0.8× seed's; max ≤ 2× own p50", "met" if met else "**missed**",
                    f"{meta.get('date', '?')[:10]}, {meta.get('commit')}, `bench/pickup --publish`", anchor="the-nightly-pickup-benchpickup")
