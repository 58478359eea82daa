#!/usr/bin/env python3
"""bench/profile-c64's report: /sac/predict at c64, hotserve beside the bare Helidon server, owner by owner.

    profile_c64_report.py RESULTS_DIR [--publish]

Each owner's share of the CPU-time samples (bench/jfr_top.py's "owners": one owner a sample) times
the server's CPU per request measured without JFR gives its microseconds per request. With
--publish the block becomes "c64-owners" of bench/results/http.md (summary.replace_block), with
bench/findings.md's analysis (key c64-owners).
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import summary  # noqa: E402

if len(sys.argv) not in (2, 3):
    sys.exit(__doc__)
R, PUBLISH = sys.argv[1], sys.argv[2:] == ["--publish"]
meta = dict(l.split("=", 1) for l in open(os.path.join(R, "meta.txt"), encoding="utf-8").read().splitlines() if "=" in l)
rows = {l.split()[0]: dict(kv.split("=") for kv in l.split()[1:]) for l in open(os.path.join(R, "summary.txt"), encoding="utf-8")}
profiles = {name: json.load(open(os.path.join(R, f"{key}-profile.json"), encoding="utf-8"))["jdk.CPUTimeSample"]
            for name, key in (("hotserve", "c64"), ("ceiling", "ceiling"))}
us = {name: float(rows[name]["server_cpu_us_per_req"]) for name in profiles}
rate = {name: float(rows[name]["req_s"]) for name in profiles}
owners = []
for name in ("hotserve", "ceiling"):
    for owner, _, _ in profiles[name]["owners"]:
        if owner not in owners:
            owners.append(owner)


def owner_us(name, owner):
    pc = next((pc for o, _, pc in profiles[name]["owners"] if o == owner), 0.0)
    return us[name] * pc / 100


text = [
    "## /sac/predict at c64, owner by owner (`bench/profile-c64`)",
    "",
    f"{meta.get('date')} UTC, commit {meta.get('commit')}; load average {meta.get('load_before')} at the start, "
    f"{meta.get('load_after')} at the end. The bare Helidon server (`CeilingServer`) and hotserve (ONNX SAC actor, every "
    "setting at its default) in turn, same JVM options, `wrk -t1 -c64 bench/wrk/predict.lua` after a warm-up; the server's "
    "CPU per request from /proc without JFR, then the same run under JFR's CPU-time sampler. Each sample goes to one owner "
    "(the first that its stack matches: `bench/jfr_top.py` OWNERS), so share × CPU per request = the owner's µs.",
    "",
    f"c64: hotserve {rate['hotserve']:,.0f} req/s, the ceiling {rate['ceiling']:,.0f}: **{rate['hotserve'] / rate['ceiling']:.2f}×**; "
    f"server CPU per request {us['hotserve']:.1f} µs against {us['ceiling']:.1f} µs.",
    "",
    "| owner | hotserve µs / request | the ceiling µs / request | hotserve's top frames |",
    "|---|---|---|---|",
]
for owner in owners:
    top = "; ".join(f"`{m.split('(')[0]}` {pc} %" for m, _, pc in profiles["hotserve"]["owners_top_self"].get(owner, [])[:2])
    text.append(f"| {owner} | {owner_us('hotserve', owner):.2f} | {owner_us('ceiling', owner):.2f} | {top} |")
text.append(f"| **all** | **{us['hotserve']:.2f}** | **{us['ceiling']:.2f}** | {profiles['hotserve']['samples']} and "
            f"{profiles['ceiling']['samples']} samples |")
client = {name: float(rows[name].get("client_cpu_us_per_req", "nan")) for name in profiles}
if client["ceiling"] == client["ceiling"]:
    # Server and client share the two cores, so req/s goes as 1 / (server + client CPU per request).
    base = us["ceiling"] + client["ceiling"]
    model = owner_us("hotserve", owners[0]) if owners[0].startswith("the model") else 0.0
    text += ["", f"The client (wrk) spent {client['ceiling']:.1f} µs of CPU per request against the ceiling, {client['hotserve']:.1f} against "
             f"hotserve. Both share the two cores, so req/s goes as 1 / (server + client CPU per request): with nothing of ours but "
             f"the model's {model:.1f} µs, hotserve would reach at most {base / (base + model):.2f}× the ceiling; 0.7× allows "
             f"{base / 0.7 - base:.1f} µs above the ceiling per request, model included."]
analysis = summary.findings("c64-owners")
if analysis:
    text += ["", analysis]
out = "\n".join(text)
print(out)
if PUBLISH:
    summary.replace_block("http", "c64-owners", out)
