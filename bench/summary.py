#!/usr/bin/env python3
"""Replaces one benchmark's row in ./BENCHMARKS.md, the one-screen summary; nothing else there.

    summary.py PAGE TITLE FIGURE GOAL VERDICT RUN

PAGE is the page's name under bench/results/ (pickup for bench/results/pickup.md): the row whose
first cell links to that page is replaced, or the row is added at the end of the table. Each
script that measures a benchmark writes its own page and calls this (or set_row) for its row, so
no script ever edits another benchmark's row or the text around the table.
BENCH_PAGES_DIR and BENCH_SUMMARY_FILE, when set, put the pages and the summary elsewhere.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Elsewhere only to try a report out on saved results without touching the committed files.
BENCHMARKS = os.environ.get("BENCH_SUMMARY_FILE") or os.path.join(HERE, "..", "BENCHMARKS.md")
RESULTS = os.environ.get("BENCH_PAGES_DIR") or os.path.join(HERE, "results")
HEADER = "| benchmark | headline figure | goal | | figures from (date UTC, commit, command) |"
RULE = "|---|---|---|---|---|"


def cell(text):
    # A cell may not hold a line break or a bare pipe: either would break the table.
    return " ".join(str(text).split()).replace("|", "\\|")


def set_row(page, title, figure, goal, verdict, run, benchmarks=BENCHMARKS, anchor=""):
    """ANCHOR (a heading's id on the page) gives a block of a page (summary.replace_block) a row of its own."""
    link = f"](bench/results/{page}.md{'#' + anchor if anchor else ''})"
    row = "| " + " | ".join(cell(x) for x in (f"[{title}" + link, figure, goal, verdict, run)) + " |"
    try:
        with open(benchmarks, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError:
        lines = ["# hotserve benchmarks", ""]
    if HEADER not in lines:
        lines += ["", HEADER, RULE]
    start = lines.index(HEADER) + 2
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    for i in range(start, end):
        if link in lines[i]:
            lines[i] = row
            break
    else:
        lines.insert(end, row)
    with open(benchmarks, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def findings(key):
    """bench/findings.md between <!-- findings:KEY --> and <!-- /findings:KEY -->, or None: the
    hand-written analysis a script puts into its page on every run (a run replaces the page)."""
    try:
        with open(os.path.join(HERE, "findings.md"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    a, b = f"<!-- findings:{key} -->", f"<!-- /findings:{key} -->"
    return text[text.index(a) + len(a):text.index(b)].strip() if a in text and b in text else None


KEPT = re.compile(r"<!-- kept: ([\w-]+) -->\n.*?<!-- /kept: \1 -->\n", re.S)


def write_page(page, text, results=RESULTS):
    """Writes (replaces) bench/results/PAGE.md, keeping the blocks other scripts own in it.

    A block between "<!-- kept: NAME -->" and "<!-- /kept: NAME -->" lines belongs to another
    script (bench/pickup writes one into pickup.md): a page written without it keeps the old one,
    right after its title; replace_block() is how its owner rewrites it.
    """
    os.makedirs(results, exist_ok=True)
    path = os.path.join(results, f"{page}.md")
    text = text.rstrip("\n") + "\n"
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except OSError:
        old = ""
    for block in KEPT.finditer(old):
        if f"<!-- kept: {block.group(1)} -->" not in text:
            title, _, rest = text.partition("\n\n")
            text = title + "\n\n" + block.group(0) + "\n" + rest
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def replace_block(page, name, body, results=RESULTS):
    """Puts BODY as the block NAME of bench/results/PAGE.md (after the title when it has none yet)."""
    path = os.path.join(results, f"{page}.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    block = f"<!-- kept: {name} -->\n" + body.rstrip("\n") + f"\n<!-- /kept: {name} -->\n"
    found = [b for b in KEPT.finditer(text) if b.group(1) == name]
    if found:
        text = text[:found[0].start()] + block + text[found[0].end():]
    else:
        title, _, rest = text.partition("\n\n")
        text = title + "\n\n" + block + "\n" + rest
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit("usage: summary.py PAGE TITLE FIGURE GOAL VERDICT RUN")
    set_row(*sys.argv[1:])
