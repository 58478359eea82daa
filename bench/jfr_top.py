#!/usr/bin/env python3
"""Aggregate `jfr print --stack-depth N --events ...` text into the figures bench/results/ pages name.

Reads the printed samples (jdk.ExecutionSample: threads running Java code; jdk.NativeMethodSample:
threads inside a native method, idle ones included; jdk.CPUTimeSample: threads burning CPU,
native or not, when the JDK has it) and prints JSON:
  - per event type: sample count, the top 15 methods by self samples (top frame), the top 15 by
    inclusive samples (anywhere on the stack, counted once per sample), self samples by area;
  - areas are coarse buckets by package (our code, Helidon, Jackson, ONNX Runtime, JDK I/O...).
"""
import collections
import json
import re
import sys

AREAS = [
    ("hotserve core", ("dev.hotserve.core.",)),
    ("hotserve server", ("dev.hotserve.server.",)),
    ("hotserve engines", ("dev.hotserve.engine.",)),
    ("ONNX Runtime (Java side)", ("ai.onnxruntime.",)),
    ("DJL / libtorch", ("ai.djl.",)),
    ("Jackson", ("com.fasterxml.jackson.",)),
    ("Helidon", ("io.helidon.",)),
    ("gRPC / Netty / protobuf", ("io.grpc.", "com.google.protobuf.")),
    ("metrics", ("io.micrometer.", "io.prometheus.")),
    ("JDK I/O and net", ("sun.nio.", "java.nio.", "java.net.", "sun.net.", "jdk.internal.net.")),
    ("JDK concurrency / virtual threads", ("java.util.concurrent.", "jdk.internal.vm.", "java.lang.VirtualThread", "jdk.internal.misc.")),
    ("JDK other", ("java.", "jdk.", "sun.")),
]

# Named hot spots, counted over whole stacks (a sample counts once if its stack matches). Each is
# (label, test over the frames top first); bench/findings.md says what to do about each.
SIGNATURES = [
    ("the model: ONNX Runtime `OrtSession.run`", lambda fr: any("OrtSession.run" in f for f in fr)),
    ("socket writes (`write0`, top frame)", lambda fr: bool(fr) and "write0" in fr[0]),
    ("socket reads (`read0`, top frame)", lambda fr: bool(fr) and "read0" in fr[0]),
    # Core v2 (issue 8) names first, the round-1 names after them, so old recordings still match.
    ("freshness check: `Reloader.onRequest` (its `stat` calls; `HotModel.freshen` before core v2)",
     lambda fr: any("Reloader.onRequest" in f or "HotModel.freshen" in f for f in fr)),
    ("JSON numbers through the JDK's `FloatingDecimal` (`Double.parseDouble`: Jackson's default path)",
     lambda fr: any("FloatingDecimal" in f for f in fr)),
    ("JSON numbers through FastDoubleParser (Jackson's `USE_FAST_DOUBLE_PARSER` path)",
     lambda fr: any(".fdp." in f for f in fr)),
    ("all Jackson (parse + write)", lambda fr: any(f.startswith("com.fasterxml.jackson") for f in fr)),
    ("Helidon typed-header lookup (mapper / service registry) under `RequestBody.read`",
     lambda fr: any("RequestBody.read" in f for f in fr) and any("common.mapper" in f or "service.registry" in f for f in fr)),
    ("Helidon typed-header lookup anywhere (ours and Helidon's own)",
     lambda fr: any("common.mapper" in f or "service.registry" in f for f in fr)),
    ("`model_mtime_utc` formatting (`java.time` under `JsonCodec.servedBy`)",
     lambda fr: any("JsonCodec.servedBy" in f for f in fr) and any(f.startswith("java.time") for f in fr)),
    ("metrics (`ServerMetrics`)", lambda fr: any("ServerMetrics" in f for f in fr)),
    ("directory re-listing on request threads (`Resolver.relist` under `HotModel.acquire`)",
     lambda fr: any("Resolver.relist" in f for f in fr) and any("HotModel.acquire" in f for f in fr)),
    ("checkpoint loads (`Reloader.loadLocked`: format check, hash, engine load, smoke run)",
     lambda fr: any("Reloader.loadLocked" in f or "HotModel.loadLocked" in f for f in fr)),
    ("format checks of a checkpoint (`CheckpointFormat.check`: ONNX fields, ZIP end record)",
     lambda fr: any("OnnxFormat.check" in f or "ZipFormat.check" in f for f in fr)),
    ("dynamic batching (`Batcher.run`: queueing, leading, waking the batch's callers)",
     lambda fr: any("dev.hotserve.batch.Batcher." in f for f in fr)),
    ("the batcher's own work outside the engine call", lambda fr: any("dev.hotserve.batch.Batcher." in f for f in fr)
     and not any("OrtSession.run" in f for f in fr)),
    ("virtual threads parking and waking (`VirtualThread.park`/`unpark`, their continuations)",
     lambda fr: any("VirtualThread.park" in f or "VirtualThread.unpark" in f or "VirtualThread.submitRunContinuation" in f for f in fr)),
]

# Owners (issue 26: "who owns each part"): each sample goes to the first owner whose test matches
# its stack, so the shares add up to 100 % and, times the server's CPU per request, give each
# owner's microseconds. Order matters: the model's native call under our code is the model's.
OWNERS = [
    ("the model (ONNX Runtime, DJL)", lambda fr: any(f.startswith(("ai.onnxruntime.", "ai.djl.")) for f in fr)),
    ("socket writes", lambda fr: "write0" in fr[0] or "writev0" in fr[0]),
    ("socket reads", lambda fr: "read0" in fr[0] or "readv0" in fr[0]),
    ("freshness check (`Reloader.onRequest`: its stat calls)", lambda fr: any("Reloader.onRequest" in f for f in fr)),
    ("request JSON (`NativeJson.parse*`, `OipJsonReader`)", lambda fr: any("NativeJson.parse" in f or "OipJsonReader" in f or "OipTensorReader" in f for f in fr)),
    ("answer JSON (`NativeJson.predict*`, `OipJsonWriter`)", lambda fr: any("NativeJson.predict" in f or "OipJsonWriter" in f for f in fr)),
    ("metrics (`ServerMetrics`, Micrometer)", lambda fr: any("ServerMetrics" in f or f.startswith("io.micrometer.") for f in fr)),
    ("the lease and the rest of core", lambda fr: any(f.startswith("dev.hotserve.core.") for f in fr)),
    ("the rest of the server (routes, headers, replies)", lambda fr: any(f.startswith("dev.hotserve.server.") for f in fr)),
    ("Helidon (HTTP parsing, routing, writing)", lambda fr: any(f.startswith("io.helidon.") for f in fr)),
    ("virtual threads and the JDK's scheduler", lambda fr: any(f.startswith(("java.util.concurrent.", "jdk.internal.vm.", "java.lang.VirtualThread")) for f in fr)),
    ("GC and other JVM work (no Java frames)", lambda fr: not fr),
]


def owner_of(frames):
    if not frames:
        return OWNERS[-1][0]
    for label, test in OWNERS:
        if test(frames):
            return label
    return "other"


FRAME = re.compile(r"^\s+(?P<method>[\w$.<>/+-]+\(.*?\))(?:\s+line:\s*\d+)?(?:\s+bci:\s*\d+)?\s*$")


def area_of(method):
    for name, prefixes in AREAS:
        if method.startswith(prefixes):
            return name
    return "other"


def short(method):
    # Drop parameter lists past 60 characters: the table cell must stay readable.
    return method if len(method) <= 110 else method[:107] + "..."


def parse(lines):
    """Yields (event_type, [frames top first])."""
    event = None
    frames = None
    for line in lines:
        s = line.rstrip("\n")
        m = re.match(r"^(jdk\.\w+) \{$", s)
        if m:
            event, frames = m.group(1), []
            continue
        if event is None:
            continue
        if s.strip().startswith("stackTrace = ["):
            frames = []
            in_stack = True
            continue
        if s.strip() == "]":
            continue
        if s == "}":
            yield event, frames
            event, frames = None, None
            continue
        fm = FRAME.match(s)
        if fm and frames is not None and not s.strip().startswith(("startTime", "sampledThread", "state", "duration", "eventThread")):
            frames.append(fm.group("method"))


def main():
    path = sys.argv[1]
    per = collections.defaultdict(lambda: {"samples": 0, "self": collections.Counter(), "incl": collections.Counter(),
                                           "areas": collections.Counter(), "incl_areas": collections.Counter(),
                                           "sig": collections.Counter(), "owners": collections.Counter(),
                                           "owner_self": collections.defaultdict(collections.Counter)})
    with open(path, encoding="utf-8", errors="replace") as f:
        for event, frames in parse(f):
            d = per[event]
            d["samples"] += 1
            owner = owner_of(frames or [])
            d["owners"][owner] += 1
            d["owner_self"][owner][frames[0] if frames else "(no Java frames)"] += 1
            if not frames:
                d["self"]["(no Java frames)"] += 1
                continue
            for label, test in SIGNATURES:
                if test(frames):
                    d["sig"][label] += 1
            d["self"][frames[0]] += 1
            d["areas"][area_of(frames[0])] += 1
            for m in set(frames):
                d["incl"][m] += 1
            for a in {area_of(m) for m in frames}:
                d["incl_areas"][a] += 1
    out = {}
    for event, d in per.items():
        n = max(1, d["samples"])
        out[event] = {
            "samples": d["samples"],
            "top_self": [[short(m), c, round(100.0 * c / n, 1)] for m, c in d["self"].most_common(15)],
            "top_inclusive": [[short(m), c, round(100.0 * c / n, 1)] for m, c in d["incl"].most_common(15)],
            "self_by_area": [[a, c, round(100.0 * c / n, 1)] for a, c in d["areas"].most_common()],
            "inclusive_by_area": [[a, c, round(100.0 * c / n, 1)] for a, c in d["incl_areas"].most_common()],
            "owners": [[a, c, round(100.0 * c / n, 1)] for a, c in d["owners"].most_common()],
            "owners_top_self": {a: [[short(m), c, round(100.0 * c / n, 1)] for m, c in d["owner_self"][a].most_common(6)]
                                for a in d["owners"]},
            "signatures": [[label, d["sig"][label], round(100.0 * d["sig"][label] / n, 1)] for label, _ in SIGNATURES],
        }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
