#!/usr/bin/env python3
"""bench/profile-pickup's report: what ran in the first pickup after warm serving, over several runs.

    pickup_cold.py RESULTS_DIR [--publish]

Reads each run's probe-N.json (ReloadProbe: the pickup's latency) and jfr-N.json (`jfr print
--json`). A run's window starts 2 ms before its first sample on the pickup's own path (a core
frame that only a pickup runs, not under the Reoptimiser's follow-up or the warm loads) and lasts the pickup's latency.
Samples of threads that only wait (epoll, the watch service, accept, parking) are left out. Prints
the compilations, class loads and deoptimisations in the windows, and the samples by owner (the
first matching frame, top first) and by top frame. With --publish the report, with bench/findings.md's
analysis (key first-pickup-profile), becomes the block "first-pickup-profile" of bench/results/pickup.md.
"""
import collections
import datetime
import glob
import json
import os
import re
import statistics
import sys

R = sys.argv[1]
PUBLISH = sys.argv[2:] == ["--publish"]
LINES = []


def say(line):
    """Prints a line of the report and keeps it for the published block."""
    LINES.append(line)
    print(line)


IDLE = ("EPoll.wait", "LinuxWatchService.poll", "Net.accept", "Unsafe.park", "Object.wait", "Thread.sleep", "Net.poll")
OWNERS = [
    ("ONNX Runtime: session creation", ("OrtSession.createSession", "OrtSession.<init>")),
    ("ONNX Runtime: the first run (warm-up / checks)", ("OrtSession.run",)),
    ("ONNX Runtime: other (tensors, close)", ("ai.onnxruntime.",)),
    ("sha256 and the digest", ("MessageDigest", "Digests.", "sun.security.provider")),
    ("reading the checkpoint", ("FileChannel", "Files.read", "FileInputStream", "UnixFileSystem", "sun.nio.fs")),
    ("the swap, events, the log", ("core.Swap", "core.StateCell", "Events", "ReloadLog", "System$Logger", "java.util.logging")),
    ("the rest of the reload path (core)", ("dev.hotserve.core.", "dev.hotserve.source.")),
    ("the request path (server)", ("dev.hotserve.server.", "io.helidon.")),
    ("the JIT / JVM (no Java frames)", ()),
]


def when(e):
    return datetime.datetime.fromisoformat(e["values"]["startTime"].replace("Z", "+00:00")).timestamp() * 1000


def method(m):
    return f"{m['type']['name'].replace('/', '.')}.{m['name']}" if m else "?"


def stack(e, depth=48):
    st = e["values"].get("stackTrace") or {}
    return [method(f.get("method")) for f in (st.get("frames") or [])[:depth]]


def owner(frames):
    if not frames:
        return OWNERS[-1][0]
    for label, keys in OWNERS:
        for f in frames:
            if any(k in f for k in keys):
                return label
    return "other"


SAMPLES = ("jdk.ExecutionSample", "jdk.NativeMethodSample")
# Frames only a pickup runs (the request path's Reloader.onRequest runs on every request).
PICKUP = ("Reloader.loadLatest", "core.Pickup.", "core.Swap.", "CheckpointLoading.load", "Digests.")
latencies, comps, loads, deopts, owners, tops, windows = [], collections.Counter(), collections.Counter(), [], collections.Counter(), collections.Counter(), []
for path in sorted(glob.glob(os.path.join(R, "jfr-*.json")), key=lambda p: int(re.findall(r"\d+", os.path.basename(p))[0])):
    n = re.findall(r"\d+", os.path.basename(path))[0]
    latency = json.load(open(os.path.join(R, f"probe-{n}.json"), encoding="utf-8"))["targets"]["hotserve"]["latencies_ms"][0]
    events = json.load(open(path, encoding="utf-8"))["recording"]["events"]
    marks = [when(e) for e in events if e["type"] in SAMPLES
             and any(k in f for f in stack(e) for k in PICKUP) and not any("Reoptimiser" in f or "WarmLoads" in f for f in stack(e))]
    if not marks:
        say(f"run {n}: first pickup {latency:.2f} ms; no sample on the pickup's path, left out")
        continue
    start = min(marks) - 2
    end = start + latency
    latencies.append(latency)
    inside = [e for e in events if start <= when(e) <= end]
    windows.append(end - start)
    for e in inside:
        if e["type"] == "jdk.Compilation":
            comps[method(e["values"].get("method"))] += 1
        elif e["type"] == "jdk.ClassLoad":
            loads[e["values"]["loadedClass"]["name"].replace("/", ".")] += 1
        elif e["type"] == "jdk.Deoptimization":
            deopts.append(f"{method(e['values'].get('method'))} ({e['values'].get('reason')})")
        elif e["type"] in SAMPLES:
            fr = stack(e)
            if fr and any(k in fr[0] for k in IDLE):
                continue
            owners[owner(fr)] += 1
            tops[fr[0] if fr else "(no Java frames)"] += 1

say(f"{len(latencies)} runs; first pickup (ms): " + ", ".join(f"{x:.2f}" for x in latencies)
      + (f"; median {statistics.median(latencies):.2f}" if latencies else ""))
say(f"in the windows: {sum(comps.values())} JIT compilations, {sum(loads.values())} class loads, {len(deopts)} deoptimisations, "
      f"{sum(owners.values())} samples of working threads (1 ms period, Java and native)")
total = max(1, sum(owners.values()))
say("samples by owner:")
for o, c in owners.most_common():
    say(f"  {c:4d}  {100 * c / total:5.1f} %  {o}")
say("samples by top frame: " + "; ".join(f"{m} {c}" for m, c in tops.most_common(10)))
say("compiled in the windows: " + "; ".join(f"{m} ×{c}" for m, c in comps.most_common(15)))
say("classes loaded in the windows: " + ("; ".join(f"{m}" for m, c in loads.most_common(15)) or "none"))
say("deoptimised in the windows: " + ("; ".join(deopts[:10]) or "none"))
if PUBLISH:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import summary  # noqa: E402
    body = ["## What runs in the first pickup (`bench/profile-pickup`)", "", "```"] + LINES + ["```"]
    analysis = summary.findings("first-pickup-profile")
    if analysis:
        body += ["", analysis]
    summary.replace_block("pickup", "first-pickup-profile", "\n".join(body))
