#!/usr/bin/env python3
"""One table of every performance figure of a scripts/bench.sh run (stdlib only).

Reads, from that run only:
  - criterion's results: <criterion>/**/new/benchmark.json and estimates.json written after
    --since (mean point estimate, ns per iteration; elements per second where a benchmark
    declares a throughput);
  - the benches' own printed figures (p50/p99 latency, payments/s, ratios...) from the logs
    given with --log NAME=FILE (stdout and stderr of `cargo bench --bench NAME`);
  - the codec peers' JSON (--peer NAME=FILE, {"encode_us", "decode_us", "bytes", ...}).
Writes the markdown table (--md) and every raw number (--json), and prints the table.

Each time figure is divided by the two yardsticks of the same run (tests/benches/baseline.rs):
a bare durable SQLite commit and a loopback TCP round trip. A rate (items/s) is compared as its
time per item. Targets are the project's stated ones; "met" or "MISSED" says how this run did.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

BARE = "baseline/bare_durable_commit"
LOOPBACK = "baseline/loopback_round_trip"

# Targets the project states, by criterion id or printed figure name: (text, check(value_ns or value)).
# A check receives the figure dict and returns True/False.
def _lt_ns(limit_ns):
    return lambda f, ctx: f["ns"] < limit_ns


def _ge_rate(limit):
    return lambda f, ctx: f["value"] >= limit


def _ratio_bare(limit):
    def check(f, ctx):
        bare = ctx.get(BARE)
        return None if not bare else f["ns"] / bare <= limit

    return check


TARGETS = [
    # (regex on the figure's name, target text, check)
    (r"^durable_commit/offline_payment$", "≤ 1.3× bare durable commit", _ratio_bare(1.3)),
    (r"^journal: offline payment / bare commit, median", "≤ 1.3", lambda f, c: f["value"] <= 1.3),
    (r"^settlement/batch_of_5000_with_upload$", "< 1 s (5,000 payments)", _lt_ns(1e9)),
    (r"^settlement: 5000 payments", "< 1 s", _lt_ns(1e9)),
    (r"^drain: window \d+, median", "≥ 5,000 payments/s", _ge_rate(5000)),
    (r"^drain_10k/window/", "≥ 5,000 payments/s", lambda f, c: f.get("rate", 0) >= 5000),
    (r"^online: sale p99", "< 3 ms", _lt_ns(3e6)),
    (r"^open_100k$", "< 30 ms (100k rows)", _lt_ns(30e6)),
    (r"^open_100k: median", "< 30 ms", _lt_ns(30e6)),
    (r"^memory: .*(pos |process)", "< 50 MB", lambda f, c: f["value"] * 1.048576 < 50),
    (r"^fsyncs: per online sale", "≤ 2", lambda f, c: f["value"] <= 2),
    (r"^fsyncs: per offline payment", "1", lambda f, c: f["value"] <= 1),
    # Stated in the benches' own headers.
    (r"^sale_re(quest|sponse)/(encode|decode)$", "< 1 µs", _lt_ns(1e3)),
    (r"^risk: p99", "< 100 µs", _lt_ns(100e3)),
    (r"^history/one_day_of_100k", "< 10 ms", _lt_ns(10e6)),
]

DURATION = re.compile(r"([0-9.]+)\s*(ns|µs|us|ms|s)\b")
SCALE = {"ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def duration_ns(text):
    """A Rust `Duration` debug print or "812 us" style text -> ns."""
    m = DURATION.search(text)
    return float(m.group(1)) * SCALE[m.group(2)] if m else None


def fmt_time(ns):
    if ns is None:
        return "–"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_num(x):
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def fmt_ratio(r):
    """3.1×, 0.42×, or 1/5,400 for a figure far below its yardstick."""
    if r is None:
        return "–"
    if r >= 1000:
        return f"{r:,.0f}×"
    return f"{r:.3g}×" if r >= 0.01 else f"1/{1 / r:,.0f}"


def criterion_figures(root, since):
    figures = []
    for bench_json in sorted(Path(root).glob("**/new/benchmark.json")):
        est = bench_json.with_name("estimates.json")
        if not est.exists() or est.stat().st_mtime < since:
            continue
        meta = json.loads(bench_json.read_text())
        ests = json.loads(est.read_text())
        ns = ests["mean"]["point_estimate"]
        fig = {
            "name": meta["full_id"],
            "kind": "time",
            "ns": ns,
            "median_ns": ests["median"]["point_estimate"],
            "source": "criterion mean",
        }
        thr = meta.get("throughput") or {}
        elements = thr.get("Elements") or thr.get("elements")
        if elements:
            fig["rate"] = elements / (ns * 1e-9)
            fig["per_item_ns"] = ns / elements
        figures.append(fig)
    return figures


def time_fig(name, ns, source):
    return {"name": name, "kind": "time", "ns": ns, "source": source}


def rate_fig(name, value, unit, source):
    return {"name": name, "kind": "rate", "value": value, "unit": unit, "ns": 1e9 / value if value else None,
            "source": source}


def count_fig(name, value, unit, source):
    return {"name": name, "kind": "count", "value": value, "unit": unit, "source": source}


def log_figures(bench, text):
    """The figures a bench prints besides criterion's (see each bench's header comment)."""
    out = []
    src = f"{bench} (printed)"
    for line in text.splitlines():
        if m := re.search(r"durable_commit: offline payment (\d+) µs, bare single-row commit (\d+) µs.*"
                          r"ratio of means ([0-9.]+), median ratio ([0-9.]+)", line):
            out.append(count_fig("journal: offline payment / bare commit, median of interleaved rounds",
                                 float(m.group(4)), "×", src))
            out.append(count_fig("journal: offline payment / bare commit, ratio of means", float(m.group(3)), "×", src))
        elif m := re.search(r"open_100k: median ([0-9.]+) ms, max ([0-9.]+) ms over (\d+) opens", line):
            out.append(time_fig(f"open_100k: median of {m.group(3)} opens", float(m.group(1)) * 1e6, src))
        elif m := re.search(r"open_100k: first open after upgrading from schema 1.* took ([0-9.]+) ms", line):
            out.append(time_fig("open_100k: first open after migrating from schema 1", float(m.group(1)) * 1e6, src))
        elif m := re.search(r"sale_latency over (\d+) sales.*p50 (\d+) us, p99 (\d+) us, mean (\d+) us", line):
            for label, g in (("p50", 2), ("p99", 3), ("mean", 4)):
                out.append(time_fig(f"online: sale {label} ({m.group(1)} sales)", float(m.group(g)) * 1e3, src))
        elif m := re.search(r"sale_throughput with (\d+) terminals: .* = (\d+) sales/s", line):
            out.append(rate_fig(f"online: {m.group(1)} terminals selling", float(m.group(2)), "sales/s", src))
        elif m := re.search(r"sale_throughput with (\d+) terminals: the host made (\d+) commits for (\d+) sales", line):
            if int(m.group(2)):
                out.append(count_fig(f"online: {m.group(1)} terminals, sales per host commit (group commit)",
                                     int(m.group(3)) / int(m.group(2)), "sales", src))
        elif m := re.search(r"drain: window (\d+): median (\d+) payments/s .* over (\d+) drains of (\d+)", line):
            out.append(rate_fig(f"drain: window {m.group(1)}, median of {m.group(3)} drains of {m.group(4)}",
                                float(m.group(2)), "payments/s", src))
        elif m := re.search(r"settlement: (\d+) payments, full batch upload on loopback: (\S+)", line):
            out.append(time_fig(f"settlement: {m.group(1)} payments, full batch upload", duration_ns(m.group(2)), src))
        elif m := re.search(r"history: one day \((\d+) rows\) of (\d+), .*: (\S+) per query", line):
            out.append(time_fig(f"history: one day of {m.group(2)} rows, first page", duration_ns(m.group(3)), src))
        elif m := re.search(r"risk evaluate, (\d+) payments .* p50 (\S+), p99 (\S+), max (\S+)", line):
            out.append(time_fig(f"risk: p50 ({m.group(1)} payments)", duration_ns(m.group(2).rstrip(",")), src))
            out.append(time_fig(f"risk: p99 ({m.group(1)} payments)", duration_ns(m.group(3).rstrip(",")), src))
        elif m := re.search(r"blacklist: (\d+) entries built in .*, ([0-9.]+) MB of fingerprints", line):
            out.append(count_fig(f"blacklist: memory of {m.group(1)} entries", float(m.group(2)), "MB", src))
        elif m := re.search(r"blacklist: (\d+) lookups/s", line):
            out.append(rate_fig("blacklist: lookups", float(m.group(1)), "lookups/s", src))
        elif m := re.search(r"^(sale_re\w+): (\d+) bytes; heap allocations per encode \(reused buffer\) = (\d+), "
                            r"per decode = (\d+)", line):
            out.append(count_fig(f"{m.group(1)}: heap allocations per encode", int(m.group(3)), "allocs", src))
            out.append(count_fig(f"{m.group(1)}: heap allocations per decode", int(m.group(4)), "allocs", src))
        elif m := re.search(r"day: done: (\d+) payments .* in (\d+) s; peak ([0-9.]+) MiB, resident ([0-9.]+) MiB", line):
            out.append(count_fig(f"memory: one process (terminal + simulator) over a {m.group(1)}-payment day, peak",
                                 float(m.group(3)), "MiB", src))
            out.append(time_fig(f"day: {m.group(1)} payments end to end (95 % online), wall time",
                                float(m.group(2)) * 1e9, src))
        elif m := re.search(r"^cli: (.+) on a (\d+)-payment journal: peak (\d+) kB", line):
            out.append(count_fig(f"memory: `pos {m.group(1)}` on a {m.group(2)}-payment journal, peak",
                                 int(m.group(3)) / 1024, "MiB", src))
        elif m := re.search(r"^fsyncs: ([0-9.]+) per online sale, ([0-9.]+) per offline payment", line):
            out.append(count_fig("fsyncs: per online sale (the terminal's)", float(m.group(1)), "fsyncs", src))
            out.append(count_fig("fsyncs: per offline payment", float(m.group(2)), "fsyncs", src))
        elif m := re.search(r"durable_commit: without the fsync: offline payment ([0-9.]+) µs, bare single-row commit ([0-9.]+) µs", line):
            out.append(time_fig("journal: offline payment without the fsync", float(m.group(1)) * 1e3, src))
            out.append(time_fig("journal: bare commit without the fsync", float(m.group(2)) * 1e3, src))
        elif m := re.search(r"durable_commit: pages written per commit: offline payment ([0-9.]+), bare single-row commit ([0-9.]+)", line):
            out.append(count_fig("journal: pages written per offline payment", float(m.group(1)), "pages", src))
            out.append(count_fig("journal: pages written per bare commit", float(m.group(2)), "pages", src))
        elif m := re.search(r"^sale_request: heap allocations per typed build .* = (\d+)", line):
            out.append(count_fig("sale_request: heap allocations per typed build", int(m.group(1)), "allocs", src))
    return out


def body_hex(text, name="sale_request"):
    m = re.search(rf"^{name}: body hex ([0-9A-F]+)$", text, re.M)
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--criterion", required=True, help="criterion's output directory (target/criterion)")
    ap.add_argument("--since", type=float, required=True, help="run start (unix seconds): older results are ignored")
    ap.add_argument("--log", action="append", default=[], metavar="BENCH=FILE")
    ap.add_argument("--peer", action="append", default=[], metavar="NAME=FILE")
    ap.add_argument("--expect-hex", help="file with the body hex the peers were checked against")
    ap.add_argument("--md", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--note", action="append", default=[], help="a line printed under the table")
    args = ap.parse_args()

    figures = criterion_figures(args.criterion, args.since - 1)
    notes = list(args.note)
    logs = {}
    for item in args.log:
        bench, path = item.split("=", 1)
        logs[bench] = Path(path).read_text(errors="replace")
        figures += log_figures(bench, logs[bench])

    by_name = {f["name"]: f for f in figures}
    ctx = {k: by_name[k]["ns"] for k in (BARE, LOOPBACK) if k in by_name}

    # The codec peers beside our own encode/decode of the same body.
    peers = {}
    for item in args.peer:
        name, path = item.split("=", 1)
        try:
            peers[name] = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as e:
            notes.append(f"peer {name}: no result ({e})")
    if args.expect_hex and "codec" in logs:
        ours = body_hex(logs["codec"])
        expected = Path(args.expect_hex).read_text().strip()
        if ours and ours != expected:
            notes.append(f"WARNING: codec.rs now encodes sale_request as {ours[:24]}…, the peers check "
                         f"{expected[:24]}… ({args.expect_hex} is stale)")
    codec_rows = []
    for op in ("encode", "decode"):
        if f"sale_request/{op}" in by_name:
            f = dict(by_name[f"sale_request/{op}"])
            f["name"] = f"codec {op} sale_request: ours (frame)"
            codec_rows.append(f)
        for name, p in peers.items():
            f = time_fig(f"codec {op} sale_request: {name}", p[f"{op}_us"] * 1e3, p.get("version") or name)
            f["bytes"] = p.get("bytes")
            ours = by_name.get(f"sale_request/{op}")
            if ours:
                f["ratio_ours"] = f["ns"] / ours["ns"]
                f["source"] += f", {f['ratio_ours']:.3g}× ours"
            f["matches_ours"] = p.get("matches")
            if not p.get("matches", True):
                notes.append(f"{name}: encoded bytes differ from ours: {p.get('mismatch', '?')}")
            codec_rows.append(f)
    figures += codec_rows

    rows = []
    for f in figures:
        ns = f.get("per_item_ns", f.get("ns")) if f["kind"] != "count" else None
        f["ratio_bare"] = ns / ctx[BARE] if ns and BARE in ctx else None
        f["ratio_loopback"] = ns / ctx[LOOPBACK] if ns and LOOPBACK in ctx else None
        f["target"], f["met"] = None, None
        for pattern, text, check in TARGETS:
            if re.search(pattern, f["name"]):
                f["target"] = text
                try:
                    f["met"] = check(f, ctx)
                except (KeyError, TypeError):
                    f["met"] = None
                break
        if f["kind"] == "time":
            value = fmt_time(f["ns"])
            if "rate" in f:
                value += f" ({fmt_num(f['rate'])}/s)"
        elif f["kind"] == "rate":
            value = f"{fmt_num(f['value'])} {f['unit']}"
        else:
            value = f"{fmt_num(f['value'])} {f['unit']}" if f["unit"] != "×" else f"{f['value']:.2f}×"
        target = "–"
        if f["target"]:
            target = f["target"] + {True: " · met", False: " · **MISSED**", None: ""}[f["met"]]
        rows.append((f["name"], value, target, fmt_ratio(f["ratio_bare"]), fmt_ratio(f["ratio_loopback"]),
                     f["source"]))

    # Baselines first, the codec rows together (ours, pyiso8583, moov-io), the rest in name order.
    def order(ir):
        i, r = ir
        name = r[0]
        if name.startswith("codec "):
            return (2, "", i)
        return (0 if name.startswith("baseline/") else 1, name, i)

    rows = [r for _, r in sorted(enumerate(rows), key=order)]
    head = ("figure", "value", "target", "× bare commit", "× loopback RTT", "source")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    if not ctx:
        notes.append("no baseline in this run: ratios left out")
    lines += [""] + [f"- {n}" for n in notes] if notes else []
    table = "\n".join(lines) + "\n"

    Path(args.md).parent.mkdir(parents=True, exist_ok=True)
    Path(args.md).write_text(table)
    doc = {"baselines_ns": ctx, "figures": figures, "peers": peers, "notes": notes,
           "quick": os.environ.get("POS_BENCH_QUICK") == "1", "only": os.environ.get("POS_BENCH_ONLY") or None}
    Path(args.json).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
