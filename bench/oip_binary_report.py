#!/usr/bin/env python3
"""bench/oip-binary's report: binary tensor data against JSON, from one run's results directory.

    oip_binary_report.py RESULTS_DIR [--publish]

Prints the block; with --publish it also becomes the block "binary" of bench/results/oip.md
(summary.replace_block) and its own row of ./BENCHMARKS.md. Figures are medians over the run's
interleaved rounds. Goals are ratios within the run (issue 25): FP32 [64, 28] at c16, rows/s with
binary data ≥ 2× JSON's; binary batch 1 at c64 ≥ 0.9× the native /sac/predict. A run with any
answer that was not a 200 is refused: its figures would not be of inferences.
"""
import glob
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402

if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--publish"):
    sys.exit(__doc__)
R, PUBLISH = sys.argv[1], len(sys.argv) == 3
meta = dict(l.split("=", 1) for l in open(os.path.join(R, "meta.txt"), encoding="utf-8").read().splitlines() if "=" in l)

RUNS = ["b64-c16-json", "b64-c16-binary", "b1-c64-native", "b1-c64-json", "b1-c64-binary"]
rates, p50s = {}, {}
for run in RUNS:
    files = sorted(glob.glob(os.path.join(R, f"wrk-{run}-r[0-9]*.txt")))
    rs, ps = [], []
    for path in files:
        text = open(path, encoding="utf-8", errors="replace").read()
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        if bad:
            sys.exit(f"{path}: {bad.group(1)} answers were not 200; the run is refused")
        m = re.search(r"Requests/sec:\s+([\d.]+)", text)
        if not m:
            sys.exit(f"{path}: no Requests/sec line")
        rs.append(float(m.group(1)))
        p = re.search(r"^\s+50%\s+(\S+)", text, re.M)
        ps.append(p.group(1) if p else "n/a")
    if not rs:
        sys.exit(f"{R}: no rounds of {run}")
    rates[run], p50s[run] = rs, ps


def med(run):
    return statistics.median(rates[run])


rows64 = {f: med(f"b64-c16-{f}") * 64 for f in ("json", "binary")}
ratio64 = rows64["binary"] / rows64["json"]
ratio1 = med("b1-c64-binary") / med("b1-c64-native")
ratio1_json = med("b1-c64-json") / med("b1-c64-native")


def ok(x):
    return " **met**" if x else " **missed**"


def each(run):
    return ", ".join(f"{x:,.0f}" for x in rates[run])


text = [
    "## Binary tensor data against JSON (`bench/oip-binary`)",
    "",
    f"{meta.get('date')} UTC, commit {meta.get('commit')}, {meta.get('cores')} cores, {meta.get('java')}; "
    f"load average {meta.get('load_before')} at the start, {meta.get('load_after')} at the end. One server on the SAC "
    f"fixture `actor_seed0.onnx` (every setting at its default), `wrk -t1`, {meta.get('rounds')} interleaved rounds of "
    f"{meta.get('duration_s')} s after {meta.get('warmup_s')} s warm-ups, medians. The binary requests are Triton's binary "
    "tensor data (a JSON header, then the raw little-endian FP32 values) and ask for the answer in binary, as Triton's "
    "client does by default; the JSON ones send and receive JSON. Every answer was a 200.",
    "",
    "| FP32 `[64, 28]`, c16 | req/s (rounds) | rows/s | p50 (rounds) |",
    "|---|---|---|---|",
    f"| JSON | {med('b64-c16-json'):,.0f} ({each('b64-c16-json')}) | {rows64['json']:,.0f} | {', '.join(p50s['b64-c16-json'])} |",
    f"| binary | {med('b64-c16-binary'):,.0f} ({each('b64-c16-binary')}) | {rows64['binary']:,.0f} | {', '.join(p50s['b64-c16-binary'])} |",
    f"| **binary / JSON** | | **{ratio64:.3f}×**{ok(ratio64 >= 2)} (goal ≥ 2×) | |",
    "",
    "| batch 1, c64 | req/s (rounds) | vs native | p50 (rounds) |",
    "|---|---|---|---|",
    f"| native `POST /sac/predict` | {med('b1-c64-native'):,.0f} ({each('b1-c64-native')}) | 1.00× | {', '.join(p50s['b1-c64-native'])} |",
    f"| OIP JSON | {med('b1-c64-json'):,.0f} ({each('b1-c64-json')}) | {ratio1_json:.2f}× | {', '.join(p50s['b1-c64-json'])} |",
    f"| OIP binary | {med('b1-c64-binary'):,.0f} ({each('b1-c64-binary')}) | **{ratio1:.3f}×**{ok(ratio1 >= 0.9)} (goal ≥ 0.9×) | {', '.join(p50s['b1-c64-binary'])} |",
]
analysis = summary.findings("oip-binary")
if analysis:
    text += ["", analysis]
out = "\n".join(text)
print(out)
if PUBLISH:
    summary.replace_block("oip", "binary", out)
    summary.set_row("oip", "OIP binary tensor data",
                    f"FP32 [64, 28] c16: binary {ratio64:.3f}× JSON's rows/s ({rows64['binary']:,.0f} vs {rows64['json']:,.0f}); "
                    f"binary batch 1 at c64 {ratio1:.3f}× native ({med('b1-c64-binary'):,.0f} vs {med('b1-c64-native'):,.0f} req/s)",
                    "≥ 2× JSON; ≥ 0.9× native", ("met" if ratio64 >= 2 else "**missed**") + "; " + ("met" if ratio1 >= 0.9 else "**missed**"),
                    f"{meta.get('date', '?')[:10]}, {meta.get('commit')}, `bench/oip-binary --publish`",
                    anchor="binary-tensor-data-against-json-benchoip-binary")
