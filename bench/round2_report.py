#!/usr/bin/env python3
"""bench/round2's report: the page of one run, from the table and meta.txt it left in its directory.

    round2_report.py batching|rollout RESULTS_DIR

Writes RESULTS_DIR/<page>.md, replaces bench/results/<page>.md (batching.md or rollout.md) and that
benchmark's row in ./BENCHMARKS.md (bench/summary.py). The goals are ratios of rows of the same run:
batching on / off at c64 (req/s ≥ 1.3×) and at c1 (p50 ≤ 1.05×); shadow at fraction 1.0 / immediate
(req/s ≥ 0.75×, p99 ≤ 1.5×). A figure that is missing is "n/a", never invented.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402

if len(sys.argv) != 3 or sys.argv[1] not in ("batching", "rollout"):
    sys.exit(__doc__)
WHAT, R = sys.argv[1], sys.argv[2]
NA = "n/a"


def kv(name):
    out = {}
    try:
        with open(os.path.join(R, name), encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    except OSError:
        pass
    return out


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def ratio(a, b):
    return a / b if a is not None and b else None


def x(q):
    return NA if q is None else f"{q:.2f}×"


def verdict(ok):
    return NA if ok is None else ("**met**" if ok else "**missed**")


meta = kv("meta.txt")
with open(os.path.join(R, "table.md"), encoding="utf-8") as f:
    table = f.read().strip()
# The table's data rows, by their first columns (the header and the rule have no numbers in them).
rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines()
        if line.startswith("|") and not line.startswith("|---") and num(line.strip("|").split("|")[3 if WHAT == "batching" else 2])]
settings = (f"`D={meta.get('D', '?')} WARM={meta.get('WARM', '?')}`"
            + (f", `QUEUE_DELAYS=\"{meta['QUEUE_DELAYS']}\"`" if meta.get("QUEUE_DELAYS") else "")
            + (f", `ENGINES=\"{meta['ENGINES']}\"`" if WHAT == "batching" and meta.get("ENGINES") else ""))
run = f"`bench/round2 {WHAT}`"
out = []
w = out.append

if WHAT == "batching":
    w("# Dynamic batching, off vs on (issue 10)")
    w("")
    w(f"{run} ({settings}) of {meta.get('date', '?')}, commit {meta.get('commit', '?')}, {meta.get('cpu', '?')} × {meta.get('nproc', '?')} "
      "(`nproc`). For each engine and connection count, a fresh server per variant, warmed on the route it is measured on, then "
      "`wrk -t1` on `/sac/predict` batch 1 (and OIP infer at c64). Variants: `on` = `HOTSERVE_MAX_BATCH_SIZE=64` (queue delay 0); "
      "`on+<d>` adds `HOTSERVE_MAX_QUEUE_DELAY=<d>`; `on+<d>:adaptive` adds `HOTSERVE_ADAPTIVE_QUEUE_DELAY=true`. Mean rows per "
      "engine call from the `hotserve_batch_rows` histogram over the measured run.")
    w("")
    by = {(r[0], r[1], r[2]): r for r in rows}  # (engine, variant, conns)
    engines = list(dict.fromkeys(r[0] for r in rows))
    variants = [v for v in dict.fromkeys(r[1] for r in rows) if v != "off"]
    w("Same-run ratios, batching on / off (req/s; at c1, p50):")
    w("")
    w("| variant | " + " | ".join(f"{e} c1 p50 | {e} c64" if (e, "off", "1") in by else f"{e} c64" for e in engines) + " |")
    w("|---|" + "".join("---|---|" if (e, "off", "1") in by else "---|" for e in engines))
    q64, q1 = {}, {}
    for v in variants:
        cells = []
        for e in engines:
            off1, on1 = by.get((e, "off", "1")), by.get((e, v, "1"))
            off64, on64 = by.get((e, "off", "64")), by.get((e, v, "64"))
            q1[(e, v)] = ratio(num(on1[4]) if on1 else None, num(off1[4]) if off1 else None)
            q64[(e, v)] = ratio(num(on64[3]) if on64 else None, num(off64[3]) if off64 else None)
            if (e, "off", "1") in by:
                cells.append(x(q1[(e, v)]))
            cells.append(x(q64[(e, v)]))
        w(f"| `{v}` | " + " | ".join(cells) + " |")
    w("")
    hot = [e for e in engines if (e, "off", "1") in by]  # the /sac/predict engines (not OIP infer)
    c64 = {e: q64.get((e, "on")) for e in hot}
    c1 = {e: q1.get((e, "on")) for e in hot}
    best = {e: max((q for (ee, v), q in q64.items() if ee == e and q is not None), default=None) for e in hot}
    figure = ("c64 on / off (delay 0): " + ", ".join(f"{e} {x(c64[e])}" for e in hot)
              + "; best variant: " + ", ".join(f"{e} {x(best[e])}" for e in hot)
              + "; c1 p50 on / off: " + ", ".join(f"{e} {x(c1[e])}" for e in hot))
    target = "c64 ≥ 1.3× req/s; c1 p50 ≤ 1.05×"
    ok1 = [q <= 1.05 for q in c1.values() if q is not None]
    v = ("c64 (delay 0): " + ", ".join(f"{e} {verdict(None if c64[e] is None else c64[e] >= 1.3)}" for e in hot)
         + f"; c1 {verdict(all(ok1) if ok1 else None)}")
    title = "Dynamic batching"
else:
    w("# Safe rollout: shadow vs immediate (issue 12)")
    w("")
    w(f"{run} ({settings}) of {meta.get('date', '?')}, commit {meta.get('commit', '?')}, {meta.get('cpu', '?')} × {meta.get('nproc', '?')} "
      "(`nproc`). `wrk -t1 -c64` on `/sac/predict` (deterministic), a server serving `actor_seed0.onnx` with no rollout, then in "
      "shadow mode with `actor_seed1.onnx` as the candidate (shadow_samples 10,000,000, so the shadow phase lasts the whole run), "
      "at shadow fractions 1.0 and 0.1. Comparisons and skips per second from the info route's counters over the measured run.")
    w("")
    by = {r[0]: r for r in rows}
    imm, sh = by.get("immediate"), by.get("shadow-1.0")
    qr = ratio(num(sh[2]) if sh else None, num(imm[2]) if imm else None)
    qp = ratio(num(sh[4]) if sh else None, num(imm[4]) if imm else None)
    figure = (f"shadow at fraction 1.0 against immediate: {x(qr)} req/s, p99 {x(qp)}; "
              f"{sh[6] if sh else NA} comparisons/s, {sh[7] if sh else NA} skipped/s")
    target = "≥ 0.75× req/s, p99 ≤ 1.5×"
    v = verdict(None if qr is None or qp is None else qr >= 0.75 and qp <= 1.5)
    title = "Safe rollout"
    w("| goal | figure | | |")
    w("|---|---|---|---|")
    w(f"| shadow 1.0 / immediate, req/s | {x(qr)} | ≥ 0.75× | {verdict(None if qr is None else qr >= 0.75)} |")
    w(f"| shadow 1.0 / immediate, p99 | {x(qp)} | ≤ 1.5× | {verdict(None if qp is None else qp <= 1.5)} |")
    w("")

w(table)
text = summary.findings(f"round2-{WHAT}")
if text:
    w("")
    w(text)
w("")
w(f"Raw outputs: `bench/results/{os.path.basename(os.path.normpath(R))}/` (git-ignored). Reproduce with {run}. "
  "The summary row: [BENCHMARKS.md](../../BENCHMARKS.md).")
page = "\n".join(out)
summary.write_page(WHAT, page, R)
summary.write_page(WHAT, page)
summary.set_row(WHAT, title, figure, target, v, f"{meta.get('date', '?')}, {meta.get('commit', '?')}, {run}")
print(f"round2_report.py: wrote {os.path.join(R, WHAT + '.md')}, bench/results/{WHAT}.md and its row in BENCHMARKS.md", file=sys.stderr)
