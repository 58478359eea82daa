#!/usr/bin/env python3
"""Writes the pages of one bench/run results directory: one page per benchmark the run measured.

    report.py [--publish] DIR            a full (or quick) run: inprocess, engines, http, swaps,
                                         freshness, pickup, memory, profile (those whose figures
                                         are in DIR)
    report.py --round2 [--publish] DIR   a `bench/run --round2` run: pickup, swaps, inprocess, http

Each page goes to DIR/pages/<name>.md, beside the raw outputs it was made from. With --publish it
also replaces bench/results/<name>.md and that benchmark's row in ./BENCHMARKS.md (bench/summary.py);
nothing else in BENCHMARKS.md is touched.

Everything here is read from the files bench/run left in that directory; a figure that is missing
is shown as "n/a" with the reason, never invented. Goals are ratios of figures from the same run.
Hand-written analysis comes from bench/findings.md, between <!-- findings:<mode>-<page> --> and
<!-- /findings:<mode>-<page> -->, and goes into that page of every run of that mode.
"""
import json
import math
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402  (bench/summary.py: the pages' folder and BENCHMARKS.md's rows)

args = sys.argv[1:]
MODE = "round2" if "--round2" in args else "all"
PUBLISH = "--publish" in args
rest = [a for a in args if a not in ("--round2", "--publish")]
if len(rest) != 1:
    sys.exit(__doc__)
R = rest[0]
HERE = os.path.dirname(os.path.abspath(__file__))
NA = "n/a"


def path(name):
    return os.path.join(R, name)


def read(name):
    try:
        with open(path(name), encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def read_json(name):
    text = read(name)
    if not text or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        # A driver prints one JSON line after any log lines: take the last line that parses.
        for line in reversed(text.strip().splitlines()):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def kv(name):
    out = {}
    for line in (read(name) or "").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def fmt(x, digits=None, unit=""):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return NA
    if digits is None:
        ax = abs(x)
        digits = 0 if ax >= 1000 else 1 if ax >= 100 else 2 if ax >= 1 else 3
    s = f"{x:,.{digits}f}"
    return s + unit


def ratio(a, b):
    if a is None or b is None or b == 0 or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
        return None
    return a / b


def verdict(ok):
    return NA if ok is None else ("**met**" if ok else "**missed**")



# ---------------------------------------------------------------------------------------- pages
# Each benchmark's page: its title, the one-line name of its row in BENCHMARKS.md, its body (written
# by the item's code below through w()), its goal rows, and its row (figure, goal, verdict).
TITLES = {
    "pickup": ("Pickup: rename → first answer naming the file", "Pickup"),
    "swaps": ("Swaps under load", "Swaps under c64 load"),
    "inprocess": ("In-process: `acquire` + predict + `close` vs a bare engine call (JMH)", "In-process, batch 1"),
    "engines": ("Engines: latency by batch size, load time and the JIT switch (JMH)", "Engines and the JIT switch"),
    "http": ("HTTP: `/sac/predict` against the bare Helidon ceiling (`wrk -t1`)", "`/sac/predict` c64 vs the ceiling"),
    "freshness": ("Freshness at scale", "Freshness at scale"),
    "memory": ("Memory: servers' RSS and `EngineSoak`", "Memory"),
    "profile": ("Where the time goes: JDK Flight Recorder, c64 `/sac/predict`", "Profile (JFR)"),
}
BODY, GOALS, ROWS = {}, {}, {}
DATE = COMMIT = "?"
MEASURED = set()  # pages whose figures are in this results directory: only those are written
CUR = [None]


def page(name):
    CUR[0] = name
    BODY.setdefault(name, [])
    GOALS.setdefault(name, [])


def w(line):
    BODY[CUR[0]].append(line)


def goal(*cells):
    GOALS[CUR[0]].append(cells)


def row(figure, target, v):
    ROWS[CUR[0]] = (figure, target, v)


findings = summary.findings


def write_pages(header, goal_header, run_label):
    """Every measured page to R/pages/, and with --publish to bench/results/ and its row."""
    out = os.path.join(R, "pages")
    os.makedirs(out, exist_ok=True)
    rows = {}
    for name in [n for n in BODY if n in MEASURED]:
        title, short = TITLES[name]
        text = [f"# {title}", ""] + header + [""]
        if GOALS[name]:
            text += [goal_header, "|" + "---|" * (goal_header.count("|") - 1)]
            text += ["| " + " | ".join(str(c) for c in g) + " |" for g in GOALS[name]]
            text.append("")
        text += BODY[name]
        text += ["", f"Raw outputs: `bench/results/{os.path.basename(os.path.normpath(R))}/` (git-ignored). "
                 f"Reproduce with `{run_label}`. The summary row: [BENCHMARKS.md](../../BENCHMARKS.md)."]
        body = "\n".join(text)
        summary.write_page(name, body, out)
        figure, target, v = ROWS.get(name, (NA, NA, NA))
        rows[name] = [short, figure, target, v]
        if PUBLISH:
            summary.write_page(name, body)
            summary.set_row(name, short, figure, target, v, f"{DATE}, {COMMIT}, `{run_label}`")
    with open(os.path.join(out, "rows.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False, indent=1)
    print(f"report.py: wrote {', '.join(sorted(rows)) or 'no pages'} to {out}"
          + (" and bench/results/ (rows in BENCHMARKS.md)" if PUBLISH else ""), file=sys.stderr)


# ------------------------------------------------------------------------------------------ wrk
UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text.strip())
    return float(m.group(1)) * UNITS_MS[m.group(2)] if m else None


def wrk(name):
    text = read(f"wrk-{name}.txt")
    if text is None:
        return None
    r = {"raw": text}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    r["rps"] = float(m.group(1)) if m else None
    for p in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", text, re.M)
        r[f"p{p}"] = to_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", text)
    r["requests"] = int(m.group(1)) if m else None
    r["secs"] = float(m.group(2)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(3)] if m else None
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    r["sock"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()))) if m else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    r["sock_total"] = sum(r["sock"].values())
    m = re.search(r"HOTSERVE_GENERATIONS distinct=(\d+) min=(\S+) max=(\S+) responses=(\d+) statuses=(\S*)", text)
    if m:
        r["gens"] = {"distinct": int(m.group(1)), "min": m.group(2), "max": m.group(3), "responses": int(m.group(4)),
                     "statuses": m.group(5)}
    if r["rps"] is None:
        r["error"] = text.strip().splitlines()[-1] if text.strip() else "empty output"
    return r


def wrk_max(r):
    m = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", r["raw"]) if r else None
    return to_ms(m.group(1)) if m else None


def wrk_rounds(name):
    """NAME-r1, NAME-r2... (interleaved rounds) combined; NAME alone when there are no rounds.

    req/s = all requests / all seconds; p50 = median of the rounds' p50; p99 = mean of the rounds'
    p99 (wrk prints percentiles, not histograms, so they cannot be merged exactly)."""
    rounds = []
    i = 1
    while True:
        r = wrk(f"{name}-r{i}")
        if r is None:
            break
        rounds.append(r)
        i += 1
    if not rounds:
        return wrk(name)
    ok = [r for r in rounds if r.get("rps")]
    if not ok:
        return rounds[0]
    reqs = sum(r["requests"] or 0 for r in ok)
    secs = sum(r["secs"] or 0 for r in ok)
    out = {
        "raw": "\n".join(r["raw"] for r in rounds),
        "rps": reqs / secs if secs else statistics.mean(r["rps"] for r in ok),
        "p50": statistics.median(r["p50"] for r in ok if r["p50"] is not None),
        "p99": statistics.mean(r["p99"] for r in ok if r["p99"] is not None),
        "requests": reqs,
        "secs": secs,
        "non2xx": sum(r["non2xx"] for r in rounds),
        "sock": {k: sum(r["sock"][k] for r in rounds) for k in ("connect", "read", "write", "timeout")},
        "rounds_rps": [r["rps"] for r in ok],
        "rounds_p99": [r["p99"] for r in ok],
        "max": max((wrk_max(r) or 0 for r in rounds), default=None),
    }
    out["sock_total"] = sum(out["sock"].values())
    gens = [r["gens"] for r in rounds if r.get("gens")]
    if gens:
        # Rounds of one server follow each other with no swap between, so consecutive rounds share
        # exactly one generation (the last of one is the first of the next).
        statuses = {}
        for g in gens:
            for part in filter(None, g["statuses"].split(",")):
                k, v = part.split("=")
                statuses[k] = statuses.get(k, 0) + int(v)
        out["gens"] = {"distinct": sum(g["distinct"] for g in gens) - (len(gens) - 1),
                       "min": min((g["min"] for g in gens), key=lambda x: float(x) if x != "nil" else 0),
                       "max": max((g["max"] for g in gens), key=lambda x: float(x) if x != "nil" else 0),
                       "responses": sum(g["responses"] for g in gens),
                       "statuses": ",".join(f"{k}={v}" for k, v in sorted(statuses.items()))}
    return out


def writer_totals(prefix):
    """The checkpoint writer's summaries of PREFIX-writer(-rN).json, added up."""
    parts = [read_json(f"{prefix}-writer.json")] + [read_json(f"{prefix}-writer-r{i}.json") for i in range(1, 20)]
    parts = [p for p in parts if p]
    if not parts:
        return None
    out = {k: sum(p.get(k) or 0 for p in parts) for k in ("published", "renamed", "in_place", "elapsed_ms")}
    out["rounds"] = len(parts)
    return out


# ------------------------------------------------------------------------------------------ JMH
def jmh():
    data = read_json("jmh.json")
    out = []
    for b in data or []:
        pm = b["primaryMetric"]
        pct = pm.get("scorePercentiles", {})
        out.append({
            "class": b["benchmark"].rsplit(".", 2)[-2],
            "method": b["benchmark"].rsplit(".", 1)[-1],
            "params": b.get("params", {}),
            "mode": b["mode"],
            "score": pm["score"],
            "error": pm.get("scoreError"),
            "unit": pm["scoreUnit"],
            "p50": pct.get("50.0"),
            "p99": pct.get("99.0"),
        })
    return out


def pick(results, cls, method=None, **params):
    for r in results:
        if r["class"] != cls or (method and r["method"] != method):
            continue
        if all(str(r["params"].get(k)) == str(v) for k, v in params.items()):
            return r
    return None


# ------------------------------------------------------------------------------------- pickup
def instant(text):
    """Seconds since the epoch from a Java Instant's text (nanosecond digits cut to micro)."""
    import datetime
    t = text.rstrip("Z")
    if "." in t:
        a, b = t.split(".", 1)
        t = a + "." + (b + "000000")[:6]
    return datetime.datetime.fromisoformat(t).replace(tzinfo=datetime.timezone.utc).timestamp()


def pickup():
    """Per server: the probe's figures, plus the load durations of the trial files (hotserve: the
    reload log's `loaded` events; the seed: its log's `loaded ... in X ms` lines)."""
    data = read_json("pickup.json")
    out = {}
    if data and isinstance(data.get("targets"), dict):
        out = dict(data["targets"])
    else:  # a run from before the interleaved probe: one file per mode
        for rmode in ("blocking", "background"):
            r = read_json(f"reload-{rmode}.json")
            if r:
                out[rmode] = r
    for name, r in out.items():
        files = set(r.get("files") or [])
        loads = []
        before, after = [], []
        if name != "seed":
            ev = read_json(f"events-reload-{name}.json")
            ev = ev.get("events") if isinstance(ev, dict) else ev
            by_file = {}
            for e in ev or []:
                if isinstance(e, dict) and e.get("kind") == "loaded" and e.get("path") \
                        and os.path.basename(e["path"]) in files:
                    loads.append(float(e["duration_ms"]))
                    by_file[os.path.basename(e["path"])] = e
            # Split each trial at the load: rename -> load start, load end -> the answer (one clock).
            for f, at, lat in zip(r.get("files") or [], r.get("renamed_at") or [], r.get("latencies_ms") or []):
                e = by_file.get(f)
                if e:
                    end = instant(e["at"])
                    start = end - float(e["duration_ms"]) / 1000
                    before.append((start - instant(at)) * 1000)
                    after.append((instant(at) + float(lat) / 1000 - end) * 1000)
        elif name == "seed":
            for m in re.finditer(r"loaded (\S+) \(state_dim=\d+, jit=\w+\) in ([\d.]+) ms", read("server-seed.log") or ""):
                if os.path.basename(m.group(1)) in files:
                    loads.append(float(m.group(2)))
        r["before_load_ms"] = statistics.median(before) if before else None
        r["after_load_ms"] = statistics.median(after) if after else None
        r["loads_ms"] = sorted(loads)
        r["load_p50_ms"] = statistics.median(loads) if loads else None
    return out


def phase_load(meta, phase):
    return meta.get(f"phase_{phase}_loadavg", "?")


def round2():
    """Issue 8's four benchmarks from one `bench/run --round2` run: pickup, swaps, inprocess, http."""
    global DATE, COMMIT
    meta = kv("meta.txt")
    DATE, COMMIT = meta.get("date_utc", "?").split(" ")[0], meta.get("git", "?")
    J = jmh()
    o = w
    header = [f"`bench/run --round2` (issue 8) of {meta.get('date_utc', '?')}, commit {meta.get('git', '?')}, {meta.get('cpu', '?')} × "
      f"{meta.get('nproc', '?')} (`nproc`), {meta.get('jdk', '?')}; the seed: {meta.get('seed', 'not run')}. "
      "Other work on the machine shows in the load average (1, 5, 15 min; the benchmark's own clients and servers account for "
      f"up to ~2.5 of it): {meta.get('loadavg_start', '?')} at the start and {meta.get('loadavg_end', '?')} at the end, given per phase "
      "beside each figure. Goals are ratios of figures "
      f"from this one run. Run time {meta.get('total_s', '?')} s."]

    # pickup
    page("pickup")
    P = pickup()
    if P:
        MEASURED.add("pickup")
    seed = P.get("seed")
    for name in ("blocking", "background"):
        r = P.get(name)
        if not r:
            continue
        p50, load = r.get("p50_ms"), r.get("load_p50_ms")
        ok_load = None if p50 is None or load is None else p50 <= load + 2
        goal(*(f"Pickup, {name}: p50 ≤ load + 2 ms", f"p50 {fmt(p50)} ms (max {fmt(r.get('max_ms'))}) vs load p50 {fmt(load)} ms",
                     "≤ load + 2 ms", verdict(ok_load), phase_load(meta, "reload")))
        if seed:
            ok_seed = None if p50 is None or seed.get("p50_ms") is None else p50 <= seed["p50_ms"]
            goal(*(f"Pickup, {name}: p50 ≤ the seed's p50", f"{fmt(p50)} vs {fmt(seed.get('p50_ms'))} ms "
                         f"({fmt(ratio(p50, seed.get('p50_ms')), 2, '×')})", "≤ seed", verdict(ok_seed), phase_load(meta, "reload")))
    if seed:
        goal(*("Pickup, the seed's Python server", f"p50 {fmt(seed.get('p50_ms'))} ms (max {fmt(seed.get('max_ms'))}), "
                     f"its load p50 {fmt(seed.get('load_p50_ms'))} ms", "reference", "—", phase_load(meta, "reload")))

    if P.get("blocking"):
        b, bg = P["blocking"], P.get("background") or {}
        sp = seed.get("p50_ms") if seed else None
        beyond = b["p50_ms"] - b["load_p50_ms"] if b.get("load_p50_ms") is not None else None
        ok_seed = None if sp is None else b["p50_ms"] <= sp
        ok_load = None if beyond is None else beyond <= 2
        row(f"blocking p50 {fmt(b['p50_ms'])} ms = {fmt(ratio(b['p50_ms'], sp), 2, '×')} the seed's {fmt(sp)} ms; "
            f"{fmt(beyond, None, ' ms')} beyond its load (background p50 {fmt(bg.get('p50_ms'))} ms)",
            "p50 ≤ the seed's; p50 ≤ load + 2 ms", f"{verdict(ok_seed)}; {verdict(ok_load)}")

    # swaps
    page("swaps")
    swap_rows = []
    for label, prefix, events_file, phase in (
            ("blocking", "swaps", "events-main.json", "swaps"),
            ("background", "swaps-bg", "events-bg.json", "reload")):
        steady, during = wrk_rounds(f"{prefix}-steady"), wrk_rounds(f"{prefix}-load")
        if not (steady and during):
            continue
        q = ratio(during["p99"], steady["p99"])
        errs = during["non2xx"] + during["sock_total"]
        wr = writer_totals(prefix) or {}
        swap_rows.append((label, steady, during, wr, events_of(events_file), phase))
        goal(*(f"Swaps c64, {label}: p99 during swaps / steady; errors",
                     f"{fmt(q, 2, '×')} ({fmt(during['p99'])} vs {fmt(steady['p99'])} ms); {errs} errors; "
                     f"{wr.get('renamed', '?')} renamed + {wr.get('in_place', '?')} written in place",
                     "≤ 1.5×, 0 errors" if label == "blocking" else "reference", verdict(None if q is None else q <= 1.5 and errs == 0)
                     if label == "blocking" else "—", phase_load(meta, phase)))

        if label == "blocking":
            row(f"blocking: p99 during swaps {fmt(q, 2, '×')} steady ({fmt(during['p99'])} vs {fmt(steady['p99'])} ms), {errs} errors, "
                f"{wr.get('published', '?')} checkpoints ({wr.get('in_place', '?')} written in place)",
                "p99 ≤ 1.5× steady, 0 errors", verdict(None if q is None else q <= 1.5 and errs == 0))
    if swap_rows:
        MEASURED.add("swaps")

    # in-process
    page("inprocess")
    bare = pick(J, "HotModelBenchmark", "bare", batch=1)
    inproc = {}
    for var in ("hotFile", "hotDir", "hotNoCheck"):
        r = pick(J, "HotModelBenchmark", var, batch=1)
        inproc[var] = (r, ratio(r["p50"] if r else None, bare["p50"] if bare else None))
    if bare:
        qf, qd = inproc["hotFile"][1], inproc["hotDir"][1]
        goal(*("In-process batch 1, explicit file: acquire + predict + close / bare (p50)",
                     f"{fmt(qf, 2, '×')} ({fmt(inproc['hotFile'][0]['p50'] if inproc['hotFile'][0] else None)} vs {fmt(bare['p50'])} µs)",
                     "≤ 1.2×", verdict(None if qf is None else qf <= 1.2), phase_load(meta, "jmh")))
        goal(*("In-process batch 1, directory", f"{fmt(qd, 2, '×')} ({fmt(inproc['hotDir'][0]['p50'] if inproc['hotDir'][0] else None)} µs)",
                     "reported", "—", phase_load(meta, "jmh")))
        MEASURED.add("inprocess")
        row(f"batch 1, explicit file: {fmt(qf, 2, '×')} a bare engine call ({fmt(inproc['hotFile'][0]['p50'] if inproc['hotFile'][0] else None)} "
            f"vs {fmt(bare['p50'])} µs p50); directory {fmt(qd, 2, '×')}", "≤ 1.2×", verdict(None if qf is None else qf <= 1.2))

    # c64
    page("http")
    ceil, pred, base = wrk_rounds("ceiling-c64"), wrk_rounds("predict-c64"), wrk_rounds("baseline-c64")
    q64 = ratio(pred["rps"] if pred else None, ceil["rps"] if ceil else None)
    if ceil and pred:
        goal(*("Native `/sac/predict` c64 req/s / ceiling", f"{fmt(q64, 2, '×')} ({fmt(pred['rps'], 0)} vs {fmt(ceil['rps'], 0)} req/s)",
                     "≥ 0.54×", verdict(None if q64 is None else q64 >= 0.54), phase_load(meta, "http")))
    if ceil and base:
        qb = ratio(base["rps"], ceil["rps"])
        goal(*(f"The same for the baseline build ({meta.get('baseline', '?')}), same rounds",
                     f"{fmt(qb, 2, '×')} ({fmt(base['rps'], 0)} req/s); this build / baseline {fmt(ratio(pred['rps'] if pred else None, base['rps']), 2, '×')}",
                     "reference", "—", phase_load(meta, "http")))
    if ceil and pred:
        MEASURED.add("http")
        row(f"`/sac/predict` batch 1 at c64: {fmt(q64, 2, '×')} the Helidon ceiling ({fmt(pred['rps'], 0)} vs {fmt(ceil['rps'], 0)} req/s)"
            + (f"; baseline {meta.get('baseline', '?')} {fmt(ratio(base['rps'], ceil['rps']), 2, '×')}" if base else ""),
            "≥ 0.54×", verdict(None if q64 is None else q64 >= 0.54))

    page("pickup")
    o("`ReloadProbe`, 20 trials per server, taken in turn (the order rotating each trial) so drifting load hits all alike: "
      "write the new checkpoint to a hidden `.tmp` file in the watched directory, rename it to `model_<n>.<ext>`, then POST "
      "`/sac/predict` back to back on one keep-alive connection until the body's `model_path` names the new file; the time runs "
      "from just before the rename to the end of that answer. Before the trials each server answers requests for 3 s on the probe's connection (a production server has served before a checkpoint arrives, so hotserve's request path is JIT-compiled as it would be there; Python has no JIT); before each trial: 300 ms pause, 20 warm requests. hotserve serves "
      "the SAC actor as ONNX (`fixtures/sac/actor_seed{0,1,2}.onnx`), the seed the same network as `torch.save` dicts made by its "
      "own `save_checkpoint`; background mode polls every 100 ms. A newer checkpoint is swapped in without ONNX Runtime's graph "
      "optimiser and loaded again with it 50 ms later, under the same generation (`optimizeAfterSwap`, on in the server); the "
      "`HOTSERVE_JIT=0` row (not a goal) has the optimiser off altogether. Load = the reload log's duration of the trial files' loads "
      "(stage + format check + engine load + checks), the seed's = its own log's `loaded … in X ms`.")
    o("")
    o("| server | seen | p50 ms | max ms | min ms | load p50 ms | load max ms | p50 − load p50 | rename → load start (median) "
      "| load end → answer (median) | answers by the old model before |")
    o("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in ("blocking", "background", "blocking-jit0", "seed"):
        r = P.get(name)
        if not r:
            continue
        loads = r.get("loads_ms") or []
        polls = r.get("requests_until_seen") or []
        old = [n - 1 for n in polls]
        label = {"seed": "seed (Python, FastAPI + torch)", "blocking-jit0": "hotserve, blocking, `HOTSERVE_JIT=0`"}.get(name, "hotserve, " + name)
        o(f"| {label} | {r['seen']}/{r['trials']} "
          f"| {fmt(r['p50_ms'])} | {fmt(r['max_ms'])} | {fmt(r['min_ms'])} | {fmt(r.get('load_p50_ms'))} "
          f"| {fmt(loads[-1] if loads else None)} | {fmt(r['p50_ms'] - r['load_p50_ms'] if r.get('load_p50_ms') is not None else None)} "
          f"| {fmt(r.get('before_load_ms'))} | {fmt(r.get('after_load_ms'))} "
          f"| median {fmt(statistics.median(old) if old else None, 0)}, max {max(old) if old else NA} |")
    o("")
    for name in ("blocking", "background", "blocking-jit0", "seed"):
        r = P.get(name)
        if r:
            o(f"- {name}: {', '.join(str(x) for x in r.get('latencies_ms', []))} ms")
    lb = [(opt, read_json(f"load-breakdown-optimize-{opt}.json")) for opt in ("true", "false")]
    if any(d for _, d in lb):
        o("")
        o("Where a load's time goes (`LoadBreakdown`: the steps of a swap timed one by one, in-process, 30 loads 300 ms apart, "
          "right after the trials; ms):")
        o("")
        o("| graph optimisation | format check | sha256 | engine load (session + its warm-up run) | smoke run | close previous | total p50 (p90) |")
        o("|---|---|---|---|---|---|---|")
        for opt, d in lb:
            if d:
                o(f"| {'on (a first load, and the load 50 ms after a pickup)' if opt == 'true' else 'off (a pickup; `HOTSERVE_JIT=0`)'} | "
                  + " | ".join(fmt(d[k]['p50_ms']) for k in ("format_check", "sha256", "engine_load", "smoke_run", "close_previous"))
                  + f" | {fmt(d['total']['p50_ms'])} ({fmt(d['total']['p90_ms'])}) |")
        o("")
    la = read("pickup-loadavg.txt")
    if la:
        o(f"- load average before and after the trials: {' → '.join(l.split(' ', 1)[1] for l in la.strip().splitlines())}")
    o("")

    page("swaps")
    o("`wrk -t1 -c64` on `/sac/predict` (the Lua hook records every generation and status), steady, then while "
      "`CheckpointWriter` publishes checkpoints into the watched directory, alternating: one renamed in from a finished hidden "
      "`.tmp` file, the next written in place under its final name in 64 KiB pieces with 3 ms pauses (a half-written file is "
      "visible for ~12 ms; it is pending and the old model answers meanwhile).")
    o("")
    o("Steady and swapping runs alternate in rounds (p99 = mean of the rounds' p99, shown per round).")
    o("")
    o("| mode | run | req/s | p50 ms | p99 ms | rounds' p99 ms | max ms | non-2xx | socket errors | generations seen | load average (phase) |")
    o("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, steady, during, wr, ev, phase in swap_rows:
        for run, r in (("steady", steady), ("during swaps", during)):
            g = r.get("gens", {})
            o(f"| {label} | {run} | {fmt(r['rps'], 0)} | {fmt(r['p50'])} | {fmt(r['p99'])} | {', '.join(fmt(x) for x in r.get('rounds_p99', [r['p99']]))} "
              f"| {fmt(wrk_max_of(r))} | {r['non2xx']} "
              f"| {r['sock_total']} | {g.get('distinct', NA)} ({g.get('min', '?')}…{g.get('max', '?')}) | {phase_load(meta, phase)} |")
    o("")
    for label, steady, during, wr, ev, phase in swap_rows:
        kinds = {}
        for e in ev or []:
            if isinstance(e, dict):
                kinds[e.get("kind", "?")] = kinds.get(e.get("kind", "?"), 0) + 1
        durs = sorted(float(e["duration_ms"]) for e in ev or [] if isinstance(e, dict) and e.get("kind") == "loaded"
                      and e.get("old_generation") != 0)
        o(f"- {label}: {wr.get('published', '?')} published ({wr.get('renamed', '?')} renamed, {wr.get('in_place', '?')} in place) "
          f"in {fmt((wr.get('elapsed_ms') or 0) / 1000, 1)} s; reload log: {', '.join(f'{v} {k}' for k, v in sorted(kinds.items())) or NA}"
          + (f"; load p50 {fmt(statistics.median(durs))} ms, max {fmt(durs[-1])} ms" if durs else ""))
    o("")

    page("inprocess")
    o("`HotModelBenchmark` (real ONNX engine, SAC actor, SampleTime): `bare` = `LoadedModel.run` on the engine; `hotFile` / "
      "`hotDir` = `acquire()` + `predictBatch` (engine + SAC head) + `close()`, freshness checked on every acquire (one stat for "
      "a file, two for a directory); `hotNoCheck` = the same with the check off. `LeaseBenchmark`: a trivial model, so only "
      f"the core's overhead remains (AverageTime, ns). JMH `{meta.get('durations', '').split('JMH ')[-1]}`.")
    o("")
    o("| benchmark | p50 µs | p99 µs | mean µs | p50 / bare |")
    o("|---|---|---|---|---|")
    if bare:
        o(f"| bare | {fmt(bare['p50'])} | {fmt(bare['p99'])} | {fmt(bare['score'])} | 1.00× |")
    for var, (r, q) in inproc.items():
        if r:
            o(f"| {var} | {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(r['score'])} | {fmt(q, 2, '×')} |")
    o("")
    lease = [r for r in J if r["class"] == "LeaseBenchmark"]
    if lease:
        o("| LeaseBenchmark | params | ns/op |")
        o("|---|---|---|")
        for r in lease:
            o(f"| {r['method']} | {', '.join(f'{k}={v}' for k, v in r['params'].items())} | {fmt(r['score'])} ± {fmt(r['error'])} |")
        o("")

    page("http")
    o("`wrk -t1 -c64`, interleaved rounds (ceiling, predict, the baseline build when given, the order rotating each round); the ceiling is a bare Helidon server answering a "
      "constant JSON of the same shape, same JVM options.")
    o("")
    o("| server | req/s | p50 ms | p99 ms | rounds req/s | non-2xx + socket errors |")
    o("|---|---|---|---|---|---|")
    for label, r in (("ceiling", ceil), ("hotserve /sac/predict", pred), (f"baseline {meta.get('baseline', '')} /sac/predict", base)):
        if r:
            o(f"| {label} | {fmt(r['rps'], 0)} | {fmt(r['p50'])} | {fmt(r['p99'])} | {', '.join(fmt(x, 0) for x in r.get('rounds_rps', [r['rps']]))} "
              f"| {r['non2xx'] + r['sock_total']} |")
    o("")
    # bench/findings.md's hand-written analysis of round 2: what missed and why, one part per page.
    for name in ("pickup", "swaps", "inprocess", "http"):
        text = findings(f"round2-{name}")
        if text:
            page(name)
            w("")
            w(text)
    goal_header = "| item | figure | goal | | load average (phase start → end) |"
    write_pages(header, goal_header, "bench/run --round2")


def wrk_max_of(r):
    """A combined run's max over its rounds, or one run's max."""
    return r.get("max") if r and "max" in r else wrk_max(r)


def events_of(name):
    events = read_json(name)
    if isinstance(events, dict):
        events = events.get("events")
    return events if isinstance(events, list) else None


if MODE == "round2":
    round2()
    sys.exit(0)

# ----------------------------------------------------------------------------------------- main
meta = kv("meta.txt")
DATE, COMMIT = meta.get("date_utc", "?").split(" ")[0], meta.get("git", "?")
J = jmh()
RUN_LABEL = "bench/run" + (" --quick" if meta.get("mode") == "quick" else "")

# Every page of a full run opens with the run: the figures of all of them come from it.
header = [f"Written by `{RUN_LABEL}` (mode **{meta.get('mode', '?')}**) — "
          "every figure below comes from that one run on this machine; goals are ratios of figures taken in the same run, "
          "because the machine is shared and noisy (other builds ran beside it, and the load generator shares the cores with the server).",
          "", "| | |", "|---|---|"]
for k, label in (("date_utc", "date"), ("cpu", "CPU"), ("nproc", "`nproc`"), ("mem_gib", "memory (GiB)"), ("jdk", "JDK"),
                 ("jdk_vm", "VM"), ("wrk", "load generator"), ("kernel", "kernel"), ("git", "commit"),
                 ("loadavg_start", "load average at start"), ("loadavg_end", "load average at end"),
                 ("server_java_opts", "server JVM options"), ("durations", "durations"), ("total_s", "run time (s)"),
                 ("phase_jmh_s", "JMH phase (s)"), ("phase_soak_s", "soak phase (s)"), ("phase_http_s", "HTTP + profile phase (s)"),
                 ("phase_swaps_s", "swaps phase (s)"), ("phase_fresh_s", "freshness phase (s)"), ("phase_reload_s", "reload phase (s)"),
                 ("jmh_lock", "JMH note")):
    if k in meta:
        header.append(f"| {label} | {meta[k]} |")
header += ["", "Placement: `wrk -t1`. At 1 connection the server is pinned to the last core and wrk to the first (`taskset`), "
           "because there placement, not the stack, decides (DESIGN); at 16 and 64 connections both float over all cores. "
           "JMH forks are not pinned. Every server runs with the same JVM options on 127.0.0.1 with its own temporary model directory."]


# ---------------------------------------------------------------------------------- item 1 ----
page("inprocess")
w("Real ONNX engine, `fixtures/sac/actor_seed0.onnx` (28→256→256→(mean, log_std)), 1 intra-op thread. "
  "`bare` = `LoadedModel.run` straight on the engine; `hotFile`/`hotDir` = `HotModel.acquire()` + `predictBatch` "
  "(engine call + SAC head) + `close()` with the per-acquire freshness check (1 stat for a file, 2 for a directory); "
  "`hotNoCheck` = the same with the check off. JMH SampleTime, µs per call.")
w("")
w("| batch | variant | p50 µs | p99 µs | mean µs | p50 ratio to bare |")
w("|---|---|---|---|---|---|")
item1 = {}
for batch in (1, 64):
    bare = pick(J, "HotModelBenchmark", "bare", batch=batch)
    for var in ("bare", "hotFile", "hotDir", "hotNoCheck"):
        r = pick(J, "HotModelBenchmark", var, batch=batch)
        if not r:
            continue
        q = ratio(r["p50"], bare["p50"] if bare else None)
        item1[(batch, var)] = q
        w(f"| {batch} | {var} | {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(r['score'])} | {fmt(q, 2, '×')} |")
if not item1:
    w("| n/a | HotModelBenchmark did not run | | | | |")
w("")
for batch in (1, 64):
    q = item1.get((batch, "hotDir")) or item1.get((batch, "hotFile"))
    qf = item1.get((batch, "hotFile"))
    goal(*(f"1. acquire+predict+close / bare, batch {batch} (p50)",
                    f"file {fmt(qf, 2, '×')}, dir {fmt(item1.get((batch, 'hotDir')), 2, '×')}", "≤ 1.2×",
                    verdict(None if q is None else max(x for x in (qf, item1.get((batch, 'hotDir'))) if x is not None) <= 1.2)))
lease = [r for r in J if r["class"] == "LeaseBenchmark"]
if lease:
    w("The core's `LeaseBenchmark` (fake model, isolates the lease machinery):")
    w("")
    w("| benchmark | params | mode | score | p50 | p99 | unit |")
    w("|---|---|---|---|---|---|---|")
    for r in lease:
        sampled = r["mode"] == "sample"
        w(f"| {r['method']} | {', '.join(f'{k}={v}' for k, v in r['params'].items()) or '—'} | {r['mode']} | {fmt(r['score'])} "
          f"| {fmt(r['p50']) if sampled else '—'} | {fmt(r['p99']) if sampled else '—'} | {r['unit']} |")
    w("")
if item1 or lease:
    MEASURED.add("inprocess")
    bare1, file1 = pick(J, "HotModelBenchmark", "bare", batch=1), pick(J, "HotModelBenchmark", "hotFile", batch=1)
    q1f = item1.get((1, "hotFile"))
    q1 = [q for q in (q1f, item1.get((1, "hotDir"))) if q is not None]
    row(f"batch 1, explicit file: {fmt(q1f, 2, '×')} a bare engine call ({fmt(file1['p50'] if file1 else None)} vs "
        f"{fmt(bare1['p50'] if bare1 else None)} µs p50); directory {fmt(item1.get((1, 'hotDir')), 2, '×')}; "
        f"batch 64 {fmt(item1.get((64, 'hotFile')), 2, '×')}", "≤ 1.2× (file and directory)", verdict(max(q1) <= 1.2 if q1 else None))

page("engines")
w("## Per engine: latency by batch size and optimisation switch, load time")
w("")
w("`EngineBenchmark`: one `LoadedModel.run` call, SampleTime; rows/s = batch / mean.")
w("")
w("| engine | batch | optimize | p50 µs | p99 µs | mean µs | rows/s |")
w("|---|---|---|---|---|---|---|")
any_engine = False
for eng in ("onnx", "torchscript"):
    for batch in (1, 64, 1024):
        for opt in ("false", "true"):
            r = pick(J, "EngineBenchmark", engine=eng, batch=batch, optimize=opt)
            if r:
                any_engine = True
                rows = batch / (r["score"] * 1e-6) if r["unit"] == "us/op" and r["score"] else None
                w(f"| {eng} | {batch} | {opt} | {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(r['score'])} | {fmt(rows, 0)} |")
if not any_engine:
    w("| n/a | | | | | | |")
w("")
w("`LoadBenchmark`: `Engine.load` (including the engine's warm-up call) + one batch-1 run + `close()`, warm, ms.")
w("")
w("| engine | optimize | p50 ms | p99 ms | mean ms |")
w("|---|---|---|---|---|")
for eng in ("onnx", "torchscript"):
    for opt in ("false", "true"):
        r = pick(J, "LoadBenchmark", engine=eng, optimize=opt)
        if r:
            w(f"| {eng} | {opt} | {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(r['score'])} |")
w("")

# ---------------------------------------------------------------------------------- item 2 ----
page("http")
w("`/sac/predict` (batch 1) and `/sac/predict/batch` (64 rows) on hotserve (ONNX, blocking mode, one checkpoint "
  "in a watched directory); the ceiling is `dev.hotserve.bench.CeilingServer`: a Helidon SE 4.2 WebServer with the "
  "same version, defaults and JVM options, whose `POST /sac/predict` reads the body and returns a constant JSON of the "
  "same shape. Each route was warmed up first.")
w("")
w("Each route and connection count ran in interleaved rounds (ceiling, predict, batch, the order rotating each round), so drifting load from "
  "other work on the machine hits all three alike: req/s = all requests / all seconds; p50 = median of the rounds', p99 = mean of "
  "the rounds' p99 (per-round req/s in the last column).")
w("")
w("| route | conns | req/s | rows/s | p50 ms | p99 ms | non-2xx | socket errors | vs ceiling (req/s) | rounds req/s |")
w("|---|---|---|---|---|---|---|---|---|---|")
http = {}
for c in (1, 16, 64):
    ceil = wrk_rounds(f"ceiling-c{c}")
    for route, label, rows in (("ceiling", "ceiling (constant JSON)", 1), ("predict", "/sac/predict", 1), ("batch", "/sac/predict/batch", 64)):
        r = wrk_rounds(f"{route}-c{c}")
        if not r:
            continue
        http[(route, c)] = r
        q = ratio(r["rps"], ceil["rps"] if ceil else None) if route != "ceiling" else None
        w(f"| {label} | {c} | {fmt(r['rps'], 0)} | {fmt(r['rps'] * rows if r['rps'] else None, 0)} | {fmt(r['p50'])} | {fmt(r['p99'])} "
          f"| {r['non2xx']} | {r['sock_total']} | {fmt(q, 2, '×') if route != 'ceiling' else '—'} "
          f"| {', '.join(fmt(x, 0) for x in r.get('rounds_rps', [r['rps']]))} |")
if not http:
    w("| n/a | the HTTP phase did not run | | | | | | | |")
w("")
eng64 = pick(J, "EngineBenchmark", engine="onnx", batch=64, optimize="false")
b64 = http.get(("batch", 64))
if eng64 and b64 and b64.get("rps"):
    inproc = 64 / (eng64["p50"] * 1e-6)
    w(f"`/sac/predict/batch` at 64 connections moves {fmt(b64['rps'] * 64, 0)} rows/s; the same ONNX model in-process at batch 64 "
      f"runs {fmt(inproc, 0)} rows/s on one thread (EngineBenchmark p50) — the rest of the batch route's cost is HTTP and "
      "JSON for 64×28 numbers in and 64 out (see the profile: [profile.md](profile.md)).")
    w("")
q64 = ratio(http.get(("predict", 64), {}).get("rps"), http.get(("ceiling", 64), {}).get("rps"))
goal(*("2. /sac/predict c64 req/s / ceiling c64", fmt(q64, 2, "×") + (
    f" ({fmt(http[('predict', 64)]['rps'], 0)} vs {fmt(http[('ceiling', 64)]['rps'], 0)} req/s)" if q64 else ""), "≥ 0.6×",
                verdict(None if q64 is None else q64 >= 0.6)))
if http:
    MEASURED.add("http")
    row(f"`/sac/predict` batch 1 at c64: {fmt(q64, 2, '×')} the Helidon ceiling" + (
        f" ({fmt(http[('predict', 64)]['rps'], 0)} vs {fmt(http[('ceiling', 64)]['rps'], 0)} req/s)" if q64 else ""),
        "≥ 0.6×", verdict(None if q64 is None else q64 >= 0.6))

# ---------------------------------------------------------------------------------- item 3 ----
page("swaps")
w("64 connections on `/sac/predict` (a wrk Lua `response` hook records every `X-Model-Generation` and status; the steady "
  "run uses the same script so both pay for it), first steady, then while `CheckpointWriter` publishes new checkpoints "
  "into the watched directory, spread over 90% of the run: half by rename of a finished hidden `.tmp` file, half written "
  "in place under the final name in 64 KiB pieces with 3 ms pauses (so half-written files are visible). Done twice: on the "
  "main server in blocking mode (the default), and on a background-mode server (`HOTSERVE_RELOAD_MODE=background`, "
  "`HOTSERVE_POLL_INTERVAL=100ms`). Settle window as shipped.")
w("")
w("| mode | run | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors (c/r/w/t) | generations seen (range) | statuses |")
w("|---|---|---|---|---|---|---|---|---|---|")


swap_notes = []
for mode_label, prefix, events_file in (("blocking", "swaps", "events-main.json"),
                                        ("background", "swaps-bg", "events-bg.json")):
    steady, swaps = wrk_rounds(f"{prefix}-steady"), wrk_rounds(f"{prefix}-load")
    wr = writer_totals(prefix)
    for label, r in (("steady", steady), ("during swaps", swaps)):
        if r:
            g = r.get("gens", {})
            sk = r["sock"]
            w(f"| {mode_label} | {label} | {fmt(r['rps'], 0)} | {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(wrk_max_of(r))} | {r['non2xx']} | "
              f"{sk['connect']}/{sk['read']}/{sk['write']}/{sk['timeout']} | {g.get('distinct', NA)} ({g.get('min', '?')}…{g.get('max', '?')}) "
              f"| {g.get('statuses', NA)} |")
    ev = events_of(events_file)
    note = f"{mode_label}: "
    if wr:
        note += (f"the writer published {wr.get('published')} checkpoints ({wr.get('renamed')} renamed, {wr.get('in_place')} in place) "
                 f"in {fmt(wr.get('elapsed_ms', 0) / 1000, 1)} s")
    if ev:
        kinds = {}
        for e in ev:
            k = str(e.get("kind", "?")) if isinstance(e, dict) else "?"
            kinds[k] = kinds.get(k, 0) + 1
        note += "; reload log afterwards (`/sac/model/events`): " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        # The first load (from generation 0) is the cold start, not a swap: left out.
        durs = sorted(float(e["duration_ms"]) for e in ev if isinstance(e, dict) and e.get("kind") == "loaded"
                      and e.get("old_generation") != 0 and isinstance(e.get("duration_ms"), (int, float)))
        if durs:
            note += (f"; swap load durations (verify + engine load + smoke run) p50 {fmt(statistics.median(durs))} ms, "
                     f"max {fmt(durs[-1])} ms, {fmt(sum(durs) / 1000, 2)} s in all")
        fails = [e for e in ev if isinstance(e, dict) and "fail" in str(e.get("kind", "")).lower()]
        if fails:
            note += f" (first failure: `{str(fails[0].get('error') or fails[0].get('reason'))[:140]}`)"
    if wr or ev:
        swap_notes.append(note + ".")
    if steady or swaps:
        MEASURED.add("swaps")
    if steady and swaps:
        q3 = ratio(swaps["p99"], steady["p99"])
        if mode_label == "blocking":
            errs = swaps["non2xx"] + swaps["sock_total"]
            row(f"blocking: p99 during swaps {fmt(q3, 2, '×')} steady ({fmt(swaps['p99'])} vs {fmt(steady['p99'])} ms), {errs} errors, "
                f"{wr.get('published') if wr else '?'} checkpoints", "p99 ≤ 1.5× steady, 0 errors",
                verdict(None if q3 is None else q3 <= 1.5 and errs == 0))
        g = swaps.get("gens", {})
        goal(*(f"3. swaps ({mode_label}): non-2xx + socket errors", f"{swaps['non2xx']} + {swaps['sock_total']}", "0",
                        verdict(swaps["non2xx"] + swaps["sock_total"] == 0)))
        goal(*(f"3. swaps ({mode_label}): p99 during swaps / steady", f"{fmt(q3, 2, '×')} ({fmt(swaps['p99'])} vs {fmt(steady['p99'])} ms)",
                        "≤ 1.5×", verdict(None if q3 is None else q3 <= 1.5)))
        goal(*(f"3. swaps ({mode_label}): generations seen by clients",
                        f"{g.get('distinct', NA)} distinct generations ({g.get('min', '?')}…{g.get('max', '?')}) for "
                        f"{wr.get('published') if wr else '?'} checkpoints published after the initial one",
                        "—", "—"))
    elif mode_label == "blocking":
        goal(*("3. swaps under load", "did not run", "0 errors; p99 ≤ 1.5×", NA))
w("")
for n in swap_notes:
    w(n)
    w("")

# ---------------------------------------------------------------------------------- item 4 ----
page("freshness")
fm = kv("fresh-meta.txt")
f1 = [wrk(f"fresh1-r{i}") for i in range(1, 10)]
fn = [wrk(f"freshN-r{i}") for i in range(1, 10)]
f1 = [r for r in f1 if r and r["rps"]]
fn = [r for r in fn if r and r["rps"]]
w(f"Two servers, same settings: one watching a directory with the single real checkpoint, one watching a directory with "
  f"{fm.get('files_freshN', '?')} files: old stand-ins named `model_old_*.onnx` with 2020 mtimes plus the same real checkpoint "
  f"(newest). `/sac/predict` at 16 connections, the two measured alternately, {len(f1)} rounds each; the ratio is of the means.")
w("")
w("| directory | rounds req/s | mean req/s | p99 ms (mean) |")
w("|---|---|---|---|")
m1 = statistics.mean(r["rps"] for r in f1) if f1 else None
mn = statistics.mean(r["rps"] for r in fn) if fn else None
for label, rs, m in (("1 checkpoint", f1, m1), (f"{fm.get('files_freshN', '?')} files", fn, mn)):
    if rs:
        w(f"| {label} | {', '.join(fmt(r['rps'], 0) for r in rs)} | {fmt(m, 0)} | {fmt(statistics.mean(r['p99'] for r in rs))} |")
arr = wrk("freshN-arrivals")
if arr and arr.get("rps"):
    w(f"| {fm.get('files_freshN', '?')} files, a new checkpoint every 0.5 s (not a goal) | {fmt(arr['rps'], 0)} | {fmt(arr['rps'], 0)} "
      f"| {fmt(arr['p99'])} |")
    w("")
    w(f"The last row is the same big directory while new checkpoints arrive: {fmt(ratio(arr['rps'], mn), 2, '×')} the req/s of the "
      f"quiet big directory, p99 {fmt(arr['p99'])} ms against {fmt(statistics.mean(r['p99'] for r in fn)) if fn else NA} ms — "
      "each arrival changes the directory, which is then listed again, and every listing stats every old file "
      "(see the findings on the re-listing window in [profile.md](profile.md)).")
w("")
q4 = ratio(mn, m1)
if f1 or fn:
    MEASURED.add("freshness")
    row(f"req/s with {fm.get('files_freshN', '?')} files in the watched directory: {fmt(q4, 2, '×')} with 1 "
        f"({fmt(mn, 0)} vs {fmt(m1, 0)} req/s, c16)", "≥ 0.90×", verdict(None if q4 is None else q4 >= 0.9))
goal(*(f"4. req/s with {fm.get('files_freshN', '?')} files / with 1", fmt(q4, 2, "×"), "within 10% (≥ 0.90×)",
                verdict(None if q4 is None else q4 >= 0.9)))
if arr and arr.get("rps"):
    goal(*(f"4. (extra) {fm.get('files_freshN', '?')} files with arrivals / quiet", f"{fmt(ratio(arr['rps'], mn), 2, '×')} req/s, "
                    f"p99 {fmt(arr['p99'])} ms", "—", "—"))

# ---------------------------------------------------------------------------------- item 5 ----
page("pickup")
w("`ReloadProbe`: stage a new checkpoint as a hidden `.tmp` file, rename it into the watched directory, then POST "
  "`/sac/predict` back to back on one keep-alive connection until the body's `model_path` names it; time from just before the "
  "rename to the end of that response. The servers are measured trial by trial in turn. Background mode runs with "
  "`HOTSERVE_POLL_INTERVAL=100ms`; the seed is the seed's Python server (when its packages are installed).")
w("")
w("| server | trials | seen | p50 ms | max ms | min ms | load p50 ms | non-2xx | requests until seen |")
w("|---|---|---|---|---|---|---|---|---|")
PU = pickup()
for rmode in ("blocking", "background", "blocking-jit0", "seed"):
    r = PU.get(rmode)
    if r:
        w(f"| {rmode} | {r['trials']} | {r['seen']} | {fmt(r['p50_ms'])} | {fmt(r['max_ms'])} | {fmt(r['min_ms'])} | {fmt(r.get('load_p50_ms'))} "
          f"| {r['non_2xx']} | {r['requests_until_seen'] if len(r['requests_until_seen']) <= 20 else str(r['requests_until_seen'][:20]) + '…'} |")
        goal(*(f"5. reload latency, {rmode}", f"p50 {fmt(r['p50_ms'])} ms, max {fmt(r['max_ms'])} ms "
                        f"({r['seen']}/{r['trials']} seen)", "reported", "—"))
if not PU:
    err = (read("pickup.err") or "").strip().splitlines()
    w(f"| n/a | | | | | | | | {err[-1][:120] if err else 'did not run'} |")
w("")
if PU:
    MEASURED.add("pickup")
    b, sd = PU.get("blocking") or {}, PU.get("seed") or {}
    row(f"blocking p50 {fmt(b.get('p50_ms'))} ms (max {fmt(b.get('max_ms'))})"
        + (f", {fmt(ratio(b.get('p50_ms'), sd.get('p50_ms')), 2, '×')} the seed's {fmt(sd.get('p50_ms'))} ms" if sd else "")
        + (f"; background {fmt(PU['background']['p50_ms'])} ms" if PU.get("background") else ""), "reported", "—")

# ---------------------------------------------------------------------------------- item 6 ----
page("engines")
w("## The JIT switch (`HOTSERVE_JIT`, the engines' optimisation step)")
w("")
w("`HOTSERVE_JIT` is handed to the engine as `LoadOptions.optimize` (the server passes `ModelConfig.jit` straight through), "
  "so the engine-level figures from `EngineBenchmark` above are the switch's effect: p50 with it off divided by p50 with it "
  "on (above 1: the switch helps). The seed's `torch.jit.script` gave ×2.13 at batch 1.")
w("")
w("| engine | batch | p50 off µs | p50 on µs | off/on |")
w("|---|---|---|---|---|")
for eng in ("onnx", "torchscript"):
    for batch in (1, 64, 1024):
        off = pick(J, "EngineBenchmark", engine=eng, batch=batch, optimize="false")
        on = pick(J, "EngineBenchmark", engine=eng, batch=batch, optimize="true")
        if off and on:
            q = ratio(off["p50"], on["p50"])
            w(f"| {eng} | {batch} | {fmt(off['p50'])} | {fmt(on['p50'])} | ×{fmt(q, 2)} |")
            if batch in (1, 64):
                goal(*(f"6. JIT off/on p50, {eng} batch {batch}", f"×{fmt(q, 2)}", "reported (seed ×2.13)", "—"))
w("")

for eng in ("onnx", "torchscript"):
    qs = []
    for batch in (1, 64, 1024):
        off = pick(J, "EngineBenchmark", engine=eng, batch=batch, optimize="false")
        on = pick(J, "EngineBenchmark", engine=eng, batch=batch, optimize="true")
        q = ratio(off["p50"], on["p50"]) if off and on else None
        if q:
            qs.append(q)
    if not qs:
        continue
    gm = math.exp(sum(math.log(q) for q in qs) / len(qs))
    lo = pick(J, "LoadBenchmark", engine=eng, optimize="false")
    lon = pick(J, "LoadBenchmark", engine=eng, optimize="true")
    load = f" Load + first call: {fmt(lo['p50'])} ms off, {fmt(lon['p50'])} ms on." if lo and lon else ""
    if gm > 1.05:
        says = f"on is faster at steady state (×{fmt(gm, 2)} geometric mean over the batch sizes)"
    elif gm < 0.95:
        says = f"off is faster at steady state (on is ×{fmt(1 / gm, 2)} slower, geometric mean over the batch sizes)"
    else:
        says = f"no steady-state difference beyond this machine's noise (×{fmt(gm, 2)} geometric mean over the batch sizes)"
    w(f"- **{eng}**: {says}.{load}")
w("")
w("The shipped default is on (`HOTSERVE_JIT=1`) for both engines: at batch 1, the RL case, both were faster with it "
  "in every full run so far; the README gives the figures of each run and the price in load time.")
w("")
if any(r["class"] in ("EngineBenchmark", "LoadBenchmark") for r in J):
    MEASURED.add("engines")
    jit = {}
    for eng in ("onnx", "torchscript"):
        off = pick(J, "EngineBenchmark", engine=eng, batch=1, optimize="false")
        on = pick(J, "EngineBenchmark", engine=eng, batch=1, optimize="true")
        jit[eng] = (off, on, ratio(off["p50"], on["p50"]) if off and on else None)
    off, on, q = jit["onnx"]
    row(f"ONNX batch 1 p50 {fmt(on['p50'] if on else None)} µs with the optimiser, {fmt(off['p50'] if off else None)} µs without "
        f"(off/on ×{fmt(q, 2)}); TorchScript ×{fmt(jit['torchscript'][2], 2)}", "reported (the seed's `torch.jit.script`: ×2.13)", "—")

# ---------------------------------------------------------------------------------- item 7 ----
page("memory")


def rss_series(name):
    pts = []
    for line in (read(name) or "").splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                pts.append((float(parts[0]), int(parts[1])))
            except ValueError:
                pass
    return pts


def marks(name):
    out = []
    for line in (read(name) or "").splitlines():
        parts = line.split(" ", 1)
        if len(parts) == 2:
            try:
                out.append((float(parts[0]), parts[1]))
            except ValueError:
                pass
    return out


def rss_at(pts, t):
    """The last sample at or before t (the sampler runs once a second)."""
    best = None
    for ts, kib in pts:
        if ts <= t + 0.5:
            best = kib
    return best / 1024 if best is not None else None


def slope_mib_per_min(pts):
    if len(pts) < 3:
        return None
    xs = [p[0] / 60 for p in pts]
    ys = [p[1] / 1024 for p in pts]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else None


w(f"Servers' RSS (`ps -o rss`, once a second). The heap is fixed and pre-touched (`{meta.get('server_java_opts', '?')}`), "
  "so what grows after start-up is native memory (engine sessions, buffers), metaspace, code cache, thread stacks and "
  "JFR's buffers, not the heap filling up.")
w("")
for label, rss_file, marks_file, what in (
        ("main server (blocking)", "rss-main.txt", "marks-main.txt",
         "warm-up, the HTTP matrix, the two profiled runs, the steady run and the swaps"),
        ("background-mode server", "rss-bg.txt", "marks-bg.txt", "warm-up, the steady run, the swaps, the reload trials")):
    pts = rss_series(rss_file)
    if not pts:
        continue
    mk = marks(marks_file)
    dur = pts[-1][0] - pts[0][0]
    w(f"**{label}** — {what}: {fmt(dur / 60, 1)} minutes, {len(pts)} samples.")
    w("")
    w("| moment | time (s) | RSS MiB |")
    w("|---|---|---|")
    for t, lab in mk:
        w(f"| {lab} | {fmt(max(0.0, t - pts[0][0]), 0)} | {fmt(rss_at(pts, t), 0)} |")
    w(f"| last sample | {fmt(dur, 0)} | {fmt(pts[-1][1] / 1024, 0)} |")
    w(f"| max | | {fmt(max(p[1] for p in pts) / 1024, 0)} |")
    w("")
    warmed = [t for t, lab in mk if lab == "warmed up"]
    after = [p for p in pts if not warmed or p[0] >= warmed[0]]
    sl = slope_mib_per_min(after)
    first = rss_at(pts, warmed[0]) if warmed else pts[0][1] / 1024
    goal(*(f"7. RSS, {label}", f"{fmt(first, 0)} MiB after warm-up → {fmt(pts[-1][1] / 1024, 0)} MiB at the end "
                    f"({fmt(dur / 60, 1)} min; slope after warm-up {fmt(sl, 2)} MiB/min)", "flat", "—"))
if not rss_series("rss-main.txt"):
    w("Server RSS: not sampled (the HTTP phases did not run).")
    w("")
w("The issue's 10-minute load is cut to what fits the ~30-minute budget of a full run: the main server is under "
  "load for the whole HTTP, profile and swaps phases (see its duration above), the background-mode server for its swaps.")
w("")
for eng in ("onnx", "torchscript"):
    text = read(f"soak-{eng}.txt")
    if text is None:
        continue
    # The start, every per-1,000-cycle line, the last per-100,000-calls line and the end: the curve, not the noise.
    ls = text.strip().splitlines()
    keep = [l for l in ls if l.startswith(("EngineSoak", "start", "cycle", "end"))]
    calls = [l for l in ls if l.startswith("prediction")]
    if calls:
        keep.insert(len(keep) - 1 if keep and keep[-1].startswith("end") else len(keep), calls[-1])
    tail = "\n".join(keep[:16] + (["..."] + keep[-4:] if len(keep) > 20 else keep[16:]))
    w(f"`EngineSoak` ({eng}): load → predict (batch 1 and 64) → close cycles, then calls on one model; RSS from `/proc/self/status`:")
    w("")
    w("```")
    w(tail)
    w("```")
    w("")
    soak = read_json(f"soak-{eng}.txt")
    if isinstance(soak, dict):
        parts = []
        for phase, n in (("cycles", soak.get("cycles")), ("predictions", soak.get("predictions"))):
            if f"{phase}_rss_mib_first" in soak:
                parts.append(f"{n:,} {'reloads' if phase == 'cycles' else 'calls'}: RSS {fmt(soak[phase + '_rss_mib_first'], 0)} → "
                             f"{fmt(soak[phase + '_rss_mib_last'], 0)} MiB, 2nd half {soak[phase + '_rss_mib_growth_2nd_half']:+.1f} MiB")
        if "cycle_ms_mean" in soak:
            parts.append(f"{fmt(soak['cycle_ms_mean'])} ms per load+predict+close")
        goal(*(f"7. EngineSoak {eng}", "; ".join(parts) or NA, "flat after warm-up", "—"))
if not any(read(f"soak-{e}.txt") for e in ("onnx", "torchscript")):
    w("`EngineSoak`: not run (not present in this build).")
    w("")
mem = {g[0]: g[1] for g in GOALS["memory"]}
if rss_series("rss-main.txt") or any(read(f"soak-{e}.txt") for e in ("onnx", "torchscript")):
    MEASURED.add("memory")
    parts = [f"EngineSoak {e}: {mem[f'7. EngineSoak {e}'].split('; ')[0]}" for e in ("onnx", "torchscript") if f"7. EngineSoak {e}" in mem]
    parts += [f"main server RSS {v}" for k, v in mem.items() if k.startswith("7. RSS, main")]
    row("; ".join(parts) or NA, "flat after warm-up", "—")

# ---------------------------------------------------------------------------------- item 8 ----
page("profile")
prof = wrk("profile-predict-c64") or wrk("profile-c64")
top = read_json("jfr-top-predict.json") or read_json("jfr-top.json")
w("A separate c64 run under JFR (`settings=profile`, plus `jdk.CPUTimeSample`, the JDK 25 CPU-time sampler, which also "
  "counts time inside native code such as ONNX Runtime against the Java frame that called it), started on the running "
  f"server with `jcmd JFR.start` so its cost stays out of the other pages' figures. That run: {fmt(prof['rps'] if prof else None, 0)} req/s. "
  "Aggregated by `bench/jfr_top.py`; the recordings stay in the results directory (`profile-predict.jfr`, `profile-batch.jfr`).")
w("")


def profile_tables(d, n_self, with_inclusive):
    w("| # | method (top frame) | samples | % |")
    w("|---|---|---|---|")
    for i, (m, c, pc) in enumerate(d["top_self"][:n_self], 1):
        w(f"| {i} | `{m}` | {c} | {pc} |")
    w("")
    w("By area — self (top frame) and inclusive (anywhere on the stack):")
    w("")
    incl = {a: pc for a, c, pc in d["inclusive_by_area"]}
    w("| area | self % | inclusive % |")
    w("|---|---|---|")
    for a, c, pc in d["self_by_area"]:
        w(f"| {a} | {pc} | {incl.get(a, '')} |")
    w("")
    if with_inclusive:
        w("Top 15 by inclusive samples:")
        w("")
        w("| # | method | % of samples |")
        w("|---|---|---|")
        for i, (m, c, pc) in enumerate(d["top_inclusive"], 1):
            w(f"| {i} | `{m}` | {pc} |")
        w("")


if top:
    for ev, title in (("jdk.CPUTimeSample", "CPU-time samples"), ("jdk.ExecutionSample", "Java execution samples")):
        d = top.get(ev)
        if not d:
            continue
        w(f"**{title}** ({d['samples']} samples) — top 15 methods by self samples:")
        w("")
        profile_tables(d, 15, ev == "jdk.CPUTimeSample")
else:
    w("No profile (the HTTP phase did not run, or JFR failed).")
    w("")
topb = read_json("jfr-top-batch.json")
profb = wrk("profile-batch-c64")
if topb and topb.get("jdk.CPUTimeSample"):
    d = topb["jdk.CPUTimeSample"]
    w(f"### The batch route (`/sac/predict/batch`, 64 rows, c64; {fmt(profb['rps'] if profb else None, 0)} req/s under the profiler)")
    w("")
    w(f"CPU-time samples ({d['samples']}), top 10 by self samples:")
    w("")
    profile_tables(d, 10, False)
if top and top.get("jdk.CPUTimeSample"):
    d = top["jdk.CPUTimeSample"]
    goal(*("8. JFR c64 predict: top CPU frames", "; ".join(f"`{m.split('(')[0]}` {pc}%" for m, c, pc in d["top_self"][:4]),
                    "named", "—"))
    row("c64 predict, CPU-time samples by top frame: " + "; ".join(f"`{m.split('(')[0].rsplit('.', 2)[-2]}.{m.split('(')[0].rsplit('.', 1)[-1]}` {pc} %"
                                                                  for m, c, pc in d["top_self"][:3]), "hot spots named", "—")
sig_p = (top or {}).get("jdk.CPUTimeSample", {}).get("signatures")
sig_b = (topb or {}).get("jdk.CPUTimeSample", {}).get("signatures")
tops = read_json("jfr-top-swaps.json")
sig_s = (tops or {}).get("jdk.CPUTimeSample", {}).get("signatures")
profs = wrk("profile-swaps-c64")
if sig_p or sig_b or sig_s:
    w("### Named hot spots (share of CPU-time samples whose stack matches; `bench/jfr_top.py` SIGNATURES)")
    w("")
    w("The third column is a separate profiled run on the background-mode server after its measured swaps: predict at c64 "
      f"while checkpoints keep arriving ({fmt(profs['rps'] if profs else None, 0)} req/s under the profiler).")
    w("")
    w("| hot spot | predict c64 % | batch c64 % | predict c64 with checkpoints arriving % |")
    w("|---|---|---|---|")
    maps = [{l: pc for l, c, pc in (x or [])} for x in (sig_p, sig_b, sig_s)]
    labels = [l for l, c, pc in (sig_p or sig_b or sig_s)]
    for l in labels:
        w(f"| {l} | {' | '.join(str(m.get(l, NA)) for m in maps)} |")
    w("")
jn = [r for r in J if r["class"] == "JsonNumbersBenchmark"]
if jn:
    w("### The proposed JSON change, measured (`JsonNumbersBenchmark`)")
    w("")
    w("Parsing a request body of batch × 28 numbers (six decimals, as wrk sends them) into a `float[]`: the way `JsonCodec` "
      "did when the profile was taken (default factory, `isNaN` + `getDoubleValue`) and the way it does since a708c21 "
      "(`StreamReadFeature.USE_FAST_DOUBLE_PARSER` + `getFloatValue`). µs per body, one thread.")
    w("")
    w("| batch | before µs | fast parser µs | speed-up |")
    w("|---|---|---|---|")
    for batch in (1, 64):
        slow = pick(J, "JsonNumbersBenchmark", batch=batch, fast="false")
        quick = pick(J, "JsonNumbersBenchmark", batch=batch, fast="true")
        if slow and quick:
            w(f"| {batch} | {fmt(slow['score'])} | {fmt(quick['score'])} | ×{fmt(ratio(slow['score'], quick['score']), 2)} |")
    e64 = pick(J, "EngineBenchmark", engine="onnx", batch=64, optimize="false")
    s64 = pick(J, "JsonNumbersBenchmark", batch=64, fast="false")
    if e64 and s64:
        w("")
        w(f"For scale: the ONNX model itself takes {fmt(e64['p50'])} µs (p50) for those 64 rows.")
    w("")
if top or topb or jn:
    MEASURED.add("profile")
# bench/findings.md's analysis of the profile (hand-written; kept in every full run's profile page).
text = findings("full-profile")
if text:
    w(text)
    w("")

write_pages(header, "| item | figure | goal | |", RUN_LABEL)
