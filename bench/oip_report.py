#!/usr/bin/env python3
"""bench/oip's report: the page of one run, from what it left in its results directory.

    oip_report.py RESULTS_DIR

Writes RESULTS_DIR/oip.md, replaces bench/results/oip.md and the OIP row of ./BENCHMARKS.md
(bench/summary.py). Figures are medians over the run's interleaved rounds; CPU per request is the
client's (GNU time) and the server's (/proc, every thread). Goals are ratios within the run: OIP REST
infer at c64 ≥ 0.9× native `/sac/predict`, gRPC `ModelInfer` batch 1 at c64 ≥ native. A figure that
is missing is "n/a", never invented.
"""
import glob
import json
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402

if len(sys.argv) != 2:
    sys.exit(__doc__)
R = sys.argv[1]
NA = "n/a"


def read(name):
    try:
        with open(os.path.join(R, name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def kv(name):
    return dict(l.split("=", 1) for l in (read(name) or "").splitlines() if "=" in l and not l.startswith("#"))


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def fmt(x, digits=0):
    return NA if x is None else f"{x:,.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def x(q):
    return NA if q is None else f"{q:.2f}×"


def verdict(ok):
    return NA if ok is None else ("**met**" if ok else "**missed**")


def cpu_per_request(pattern, requests_re):
    """Medians over the rounds: (client µs, server µs) of CPU per request."""
    client, server = [], []
    for f in sorted(glob.glob(os.path.join(R, pattern))):
        text = read(os.path.basename(f)) or ""
        m = re.search(requests_re, text, re.M)
        c, s = read(os.path.basename(f) + ".cpu"), read(os.path.basename(f) + ".scpu")
        n = int(m.group(1)) if m else 0
        if not n or not c or not s:
            continue
        try:
            u, sy = (float(v) for v in c.split()[:2])
            ticks, hz = (float(v) for v in s.split()[:2])
        except ValueError:
            continue
        client.append((u + sy) * 1e6 / n)
        server.append(ticks / hz * 1e6 / n)
    return (statistics.median(client) if client else None, statistics.median(server) if server else None)


WRK_N = r"(\d+) requests in"
H2_N = r"^requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded"
meta, med = kv("meta.txt"), {k: num(v) for k, v in kv("summary.txt").items()}
rounds = len(glob.glob(os.path.join(R, "wrk-native-c64-r*.txt")))
out = []
w = out.append
w("# Open Inference Protocol: REST and gRPC next to the native API (issue 9)")
w("")
w(f"`bench/oip` of {meta.get('date', '?')}, commit {meta.get('commit', '?')}, {meta.get('cores', '?')} cores, load average "
  f"{meta.get('load_before', '?')} before and {meta.get('load_after', '?')} after. One server (the SAC fixture `actor_seed0.onnx`, "
  f"JIT on, 512 MiB heap); `wrk -t1` for REST, `h2load -t1` for gRPC, {meta.get('duration_s', '?')} s per run after "
  f"{meta.get('warmup_s', '?')} s warm-ups, {rounds} interleaved round(s), medians. Client and server share the cores.")
w("")
native64, oip64 = med.get("rest_native_c64"), med.get("rest_oip_c64")
g1, g8 = med.get("grpc_b1_c64"), med.get("grpc_b1_c8m8")
q_oip, q_g1, q_g8 = ratio(oip64, native64), ratio(g1, native64), ratio(g8, native64)
w("| goal | figure | | |")
w("|---|---|---|---|")
w(f"| OIP REST infer / native `/sac/predict`, batch 1, c64 req/s | {x(q_oip)} ({fmt(oip64)} vs {fmt(native64)}) | ≥ 0.9× "
  f"| {verdict(None if q_oip is None else q_oip >= 0.9)} |")
w(f"| gRPC `ModelInfer` / native REST, batch 1, c64, one call per connection | {x(q_g1)} ({fmt(g1)}) | ≥ 1× "
  f"| {verdict(None if q_g1 is None else q_g1 >= 1)} |")
w(f"| the same, the 64 calls over 8 connections (`-c8 -m8`) | {x(q_g8)} ({fmt(g8)}) | ≥ 1× "
  f"| {verdict(None if q_g8 is None else q_g8 >= 1)} |")
w("")
w("| route, batch 1 unless said | c1 req/s | c16 req/s | c64 req/s | at c64: CPU per request, client / server |")
w("|---|---|---|---|---|")
for route, label in (("native", "native `POST /sac/predict` (`wrk -t1`)"), ("oip", "OIP REST `POST /v2/models/sac/infer` (`wrk -t1`)")):
    c, s = cpu_per_request(f"wrk-{route}-c64-r*.txt", WRK_N)
    w(f"| {label} | {fmt(med.get(f'rest_{route}_c1'))} | {fmt(med.get(f'rest_{route}_c16'))} | {fmt(med.get(f'rest_{route}_c64'))} "
      f"| {fmt(c)} / {fmt(s)} µs |")
for run, label in (("b1", "gRPC `ModelInfer` raw, one call per connection (`h2load -t1 -m1`)"),
                   ("b1_c8m8", "gRPC, the 64 calls over 8 connections (`h2load -t1 -c8 -m8`)"),
                   ("b64", "gRPC raw, batch 64 (`-m1`)")):
    if run == "b1_c8m8":
        c, s = cpu_per_request("h2load-b1-c8m8-r*.txt", H2_N)
        w(f"| {label} | | | {fmt(g8)} ({x(q_g8)}) | {fmt(c)} / {fmt(s)} µs |")
        continue
    c, s = cpu_per_request(f"h2load-{run}-c64-r*.txt", H2_N)
    c64 = med.get(f"grpc_{run}_c64")
    extra = f" ({fmt(c64 * 64 / 1000)} k rows/s)" if run == "b64" and c64 else f" ({x(q_g1)})"
    w(f"| {label} | {fmt(med.get(f'grpc_{run}_c1'))} | | {fmt(c64)}{extra} | {fmt(c)} / {fmt(s)} µs |")
w("")
statuses = re.findall(r'status="(\d+)"[^}]*}\s+([\d.eE+]+)', read("grpc-status.txt") or "")
if statuses:
    w("gRPC answers by status (the server's own metrics; h2load cannot read gRPC trailers): "
      + ", ".join(f"{k}: {fmt(num(v))}" for k, v in statuses) + ".")
    w("")
prof = json.loads(read("grpc-profile.json") or "null") or {}
ev = prof.get("jdk.CPUTimeSample") or prof.get("jdk.ExecutionSample")
if ev:
    kind = "CPU-time" if "jdk.CPUTimeSample" in prof else "Java execution"
    w(f"Where gRPC's time goes (JFR over a batch-1 c64 run, {ev['samples']} {kind} samples; `bench/jfr_top.py`), self samples by area:")
    w("")
    w("| area | self % |")
    w("|---|---|")
    for a, c, pc in ev["self_by_area"]:
        w(f"| {a} | {pc} |")
    w("")
    w("Top frames: " + "; ".join(f"`{m.split('(')[0]}` {pc} %" for m, c, pc in ev["top_self"][:5]) + ".")
    w("")
text = summary.findings("oip")
if text:
    w(text)
    w("")
w(f"Raw outputs: `bench/results/{os.path.basename(os.path.normpath(R))}/` (git-ignored). Reproduce with `bench/oip`. "
  "The summary row: [BENCHMARKS.md](../../BENCHMARKS.md).")
page = "\n".join(out)
summary.write_page("oip", page, R)
summary.write_page("oip", page)
summary.set_row("oip", "Open Inference Protocol",
                f"batch 1 at c64: OIP REST {x(q_oip)} native ({fmt(oip64)} vs {fmt(native64)} req/s); gRPC {x(q_g1)} native with one "
                f"call per connection, {x(q_g8)} with the 64 calls over 8 connections",
                "OIP REST ≥ 0.9× native; gRPC ≥ native",
                f"{verdict(None if q_oip is None else q_oip >= 0.9)}; {verdict(None if q_g1 is None else q_g1 >= 1)} one call per "
                f"connection, {verdict(None if q_g8 is None else q_g8 >= 1)} over 8 connections",
                f"{meta.get('date', '?')}, {meta.get('commit', '?')}, `bench/oip{f' --rounds {rounds}' if rounds > 1 else ''}`")
print(f"oip_report.py: wrote {os.path.join(R, 'oip.md')}, bench/results/oip.md and its row in BENCHMARKS.md", file=sys.stderr)
