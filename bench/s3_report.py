#!/usr/bin/env python3
# bench/s3's report: the page bench/results/s3.md from one results directory, printed; with
# --publish also written there, and its row in BENCHMARKS.md replaced (bench/summary.py).
# usage: s3_report.py RESULTS_DIR MODE WRK_SECONDS ROUNDS FLIPS [--publish]
import glob, json, os, re, statistics, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402
R, mode, D, rounds, flips = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
publish = sys.argv[6:] == ["--publish"]
out = []


def w(line):
    out.append(line)


meta = dict(l.strip().split("=", 1) for l in open(os.path.join(R, "meta.txt")) if "=" in l)
def rps(kind):
    out = []
    for f in sorted(glob.glob(os.path.join(R, f"wrk-{kind}-*.txt"))):
        m = re.search(r"Requests/sec:\s+([\d.]+)", open(f).read())
        if m: out.append(float(m.group(1)))
    return out
def errors(kind):
    n = 0
    for f in glob.glob(os.path.join(R, f"wrk-{kind}-*.txt")):
        t = open(f).read()
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", t); n += int(m.group(1)) if m else 0
        m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t); n += sum(map(int, m.groups())) if m else 0
    return n
conv = {p: json.load(open(os.path.join(R, f"converge-{p}.json"))) for p in ("2s", "500ms")}
dl = json.load(open(os.path.join(R, "download.json")))
s3, d = rps("s3"), rps("dir")
ratio = statistics.median(s3) / statistics.median(d) if s3 and d else float("nan")
pairs = [a / b for a, b in zip(s3, d)]
w("# Object storage and fleets (issue 11)\n")
w(f"`bench/s3{' --quick' if mode == 'quick' else ''}` at {meta.get('commit')}{', ' + meta['date'] if 'date' in meta else ''}, {meta.get('cores')} cores, load average at start "
      f"{meta.get('load')}. **The machine was shared with other agents' builds and tests while this ran**: read the ratios, not the absolute figures. "
      f"The store is S3Proxy 2.7.0 (in-memory backend) on loopback, in the same JVM as the replicas for items 1 and 2.\n")
w("**1. Convergence of 3 replicas after a pointer flip** (time from the pointer's PUT returning to the last of the three serving the new "
      f"version; {flips} flips of a 296 KB ONNX SAC actor; goal: at most poll interval + download + load + 100 ms)\n")
w("| poll interval | p50 | max | stage + load per replica, p50 / max | goal (poll + max stage+load + 100 ms) | met |")
w("|---|---|---|---|---|---|")
for p, c in conv.items():
    poll_ms = 2000 if p == "2s" else 500
    goal = poll_ms + c["stage_load_max_ms"] + 100
    w(f"| {p} | {c['converge_p50_ms']:.0f} ms | {c['converge_max_ms']:.0f} ms | {c['stage_load_p50_ms']:.1f} / {c['stage_load_max_ms']:.1f} ms "
          f"| {goal:.0f} ms | {'yes' if c['converge_max_ms'] <= goal else 'NO'} |")
w("\nEach flip is made at a random point of the replicas' poll cycles (they poll on their own schedules), so the last of three "
      "notices it after most of an interval on average (the expected maximum of three uniform waits is 3/4 of one), then stages and loads it.\n")
w(f"**2. Download + verify** (a 100 MB object from S3Proxy into the cache: GET, sha256 while writing, size and digest check, rename): "
      f"{dl['p50_mb_per_s']:.0f} MB/s median of {dl['trials']} ({', '.join(f'{x:.0f}' for x in dl['mb_per_s'])}).\n")
w(f"**3. Request path, S3 source against a local directory** (wrk -t1 -c64, {D} s per run after a warm-up, {rounds} interleaved rounds, "
      "POST /sac/predict, the same checkpoint; goal ≥ 0.95×)\n")
w("| source | req/s per round | median | errors |")
w("|---|---|---|---|")
w(f"| S3 (`HOTSERVE_SOURCE`) | {', '.join(f'{x:.0f}' for x in s3)} | {statistics.median(s3):.0f} | {errors('s3')} |")
w(f"| local directory | {', '.join(f'{x:.0f}' for x in d)} | {statistics.median(d):.0f} | {errors('dir')} |")
w(f"| S3 / directory, same round | {', '.join(f'{x:.2f}' for x in pairs)} | {statistics.median(pairs):.2f} | |")
spread = max(s3 + d) / min(s3 + d)
w(f"\nRatio of the medians S3 / directory: **{ratio:.2f}×** ({'goal met' if ratio >= 0.95 else 'below the 0.95× goal'}); the rounds "
      f"spread {spread:.1f}× from slowest to fastest, so this run resolves differences of that size only. The expected difference is "
      "in the S3 source's favour: a request reads what the last poll found (one volatile read) and never touches the network, while the "
      "directory source stats the disk on each request.\n")
acq_path = os.path.join(R, "acquire.json")
if os.path.exists(acq_path):
    a = json.load(open(acq_path))
    pr = [x / y for x, y in zip(a["dir_ns"], a["s3_ns"])]
    w(f"The request path alone, without HTTP and the engine (`acquire()` + `close()`: the freshness check and the lease, "
          f"{a['calls']:,} calls per round on one thread, {a['rounds']} interleaved rounds): S3 {a['s3_p50_ns']:.0f} ns, directory "
          f"{a['dir_p50_ns']:.0f} ns per call (medians); calls per second S3 / directory by round: {', '.join(f'{x:.2f}' for x in pr)}, "
          f"median **{statistics.median(pr):.2f}×**.\n")
w(f"Raw outputs: `bench/results/{os.path.basename(os.path.normpath(R))}/` (git-ignored). Reproduce with "
      f"`bench/s3{' --quick' if mode == 'quick' else ''} --publish`. The summary row: [BENCHMARKS.md](../../BENCHMARKS.md).")
text = "\n".join(out)
sys.stdout.write(text + "\n")
if publish:
    worst = {p: c["converge_max_ms"] <= (2000 if p == "2s" else 500) + c["stage_load_max_ms"] + 100 for p, c in conv.items()}
    ok = all(worst.values()) and ratio >= 0.95
    summary.write_page("s3", text)
    summary.set_row("s3", "Object storage (S3)",
                    f"3 replicas serve a flipped pointer within {conv['2s']['converge_max_ms']:,.0f} ms (max) at poll 2 s, "
                    f"{conv['500ms']['converge_max_ms']:,.0f} ms at 500 ms; c64 req/s S3 / directory {ratio:.2f}×",
                    "≤ poll + stage + load + 100 ms; ≥ 0.95×", "**met**" if ok else "**missed**",
                    f"{meta.get('date', 'date not recorded')}, {meta.get('commit')}, `bench/s3{' --quick' if mode == 'quick' else ''} --publish`")
