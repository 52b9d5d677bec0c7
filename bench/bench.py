#!/usr/bin/env python3
"""liteconv's speed budgets, measured as ratios against floors taken in the same run.

The machines are shared and noisy, so no absolute time is a budget: each figure is the
median of several cold runs divided by the median of its floor, measured alternately
in the same run. Run from the repository root, with liteconv installed:

    python bench/bench.py            # all budgets, 7 runs each
    python bench/bench.py --runs 15  # steadier medians

Exit status 0 when every ratio is within budget, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def liteconv_cmd() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m liteconv_cli``."""
    script = Path(PY).with_name("liteconv")
    return [str(script)] if script.exists() else [PY, "-m", "liteconv_cli"]


def cold(cmd: list[str], stdin: bytes | None = None) -> float:
    """Wall time of one fresh process, its output thrown away."""
    t = time.perf_counter()
    subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - t


def median_pair(cmd: list[str], floor: list[str], runs: int) -> tuple[float, float]:
    """Medians of ``runs`` cold runs of cmd and floor, interleaved so noise hits both alike."""
    cold(cmd), cold(floor)  # warm the page cache
    a, b = [], []
    for _ in range(runs):
        a.append(cold(cmd))
        b.append(cold(floor))
    return statistics.median(a), statistics.median(b)


def make_specs(folder: Path, n: int) -> list[str]:
    """n copies of mobilenet_v1.yaml with distinct names (MobileNetV1's size, as the budget says)."""
    text = (ROOT / "configs" / "mobilenet_v1.yaml").read_text()
    paths = []
    for i in range(n):
        p = folder / f"net{i:04d}.yaml"
        p.write_text(text.replace("name: MobileNetV1", f"name: MobileNetV1-copy{i}", 1))
        paths.append(str(p))
    return paths


def sweep_memory_and_rate(lc: list[str], rows: int) -> tuple[float, float]:
    """Peak RSS (MB) and rows per second of a streamed sweep of ``rows`` configurations to CSV."""
    cmd = [*lc, "compare", "--cin", "64", "--cout", f"1:{rows}", "-k", "3", "--size", "56", "-v", "standard",
           "--format", "csv"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT) as proc:
        assert proc.stdout is not None
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: proc.stdout.read(1 << 20), b""))  # type: ignore[union-attr]
    elapsed = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if lines != rows + 1:
        raise SystemExit(f"sweep wrote {lines} lines, expected {rows + 1}")
    # ru_maxrss of children is the largest child so far; the sweep is by far the largest
    return max(peak_kb, before) / 1024, rows / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="cold runs per figure (default 7)")
    parser.add_argument("--specs", type=int, default=1000, help="spec files for the batch figure (default 1000)")
    parser.add_argument("--sweep-rows", type=int, default=1_000_000, help="rows of the streamed sweep")
    args = parser.parse_args()
    lc = liteconv_cmd()
    results: list[tuple[str, str, float, str, bool]] = []

    def ratio(label: str, cmd: list[str], floor_label: str, floor: list[str], budget: float) -> None:
        t, f = median_pair(cmd, floor, args.runs)
        results.append((label, floor_label, t / f, f"<= {budget}x", t / f <= budget))
        print(f"  {label}: {t * 1000:.1f} ms vs floor {f * 1000:.1f} ms", file=sys.stderr)

    imp = lambda mods: [PY, "-c", f"import {mods}"]  # noqa: E731
    compare = [*lc, "compare", "--cin", "64", "--cout", "128", "-k", "3"]
    ratio("compare --format csv", [*compare, "--format", "csv"], "import click", imp("click"), 1.3)
    ratio("compare (rich table)", compare, "import click, rich", imp("click, rich.console, rich.table"), 1.3)
    ratio("liteconv --help", [*lc, "--help"], "import click", imp("click"), 1.3)
    ratio("network mobilenet_v2 (table)", [*lc, "network", "configs/mobilenet_v2.yaml"],
          "import click, yaml, rich", imp("click, yaml, rich.console, rich.table"), 1.4)

    with tempfile.TemporaryDirectory() as tmp:
        paths = make_specs(Path(tmp), args.specs)
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(paths))
        parse = (
            "import yaml, sys; L = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
            f"for p in open({str(listing)!r}).read().split():\n    yaml.load(open(p), Loader=L)"
        )
        ratio(f"network {args.specs} specs --summary --format csv", [*lc, "network", *paths, "--summary", "--format",
              "csv"], f"PyYAML C loader, {args.specs} files", [PY, "-c", parse], 1.5)

    peak_mb, rate = sweep_memory_and_rate(lc, args.sweep_rows)
    results.append((f"sweep {args.sweep_rows:,} rows to CSV: peak memory", "", peak_mb, "< 100 MB", peak_mb < 100))
    results.append((f"sweep {args.sweep_rows:,} rows to CSV: rows/s", "", rate, ">= 100,000", rate >= 100_000))

    print(f"\nliteconv bench on {platform.node()} ({platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}), medians of {args.runs} cold runs\n")
    width = max(len(r[0]) for r in results)
    print(f"{'figure':<{width}}  {'floor':<30} {'value':>12}  {'budget':<12} ok")
    for label, floor_label, value, budget, ok in results:
        shown = f"{value:.2f}x" if floor_label else (f"{value:,.0f}" if value > 1000 else f"{value:.1f}")
        print(f"{label:<{width}}  {floor_label:<30} {shown:>12}  {budget:<12} {'yes' if ok else 'NO'}")
    return 0 if all(r[4] for r in results) else 1


if __name__ == "__main__":
    if shutil.which("liteconv") is None and not Path(PY).with_name("liteconv").exists():
        print("note: liteconv is not installed beside this Python; using python -m liteconv_cli", file=sys.stderr)
    sys.exit(main())
