#!/usr/bin/env python3
"""liteconv's speed budgets, each measured as a ratio to a floor taken in the same run.

The machines are shared and noisy, so no absolute time is a budget: each figure is the
median of several cold runs divided by the median of its floor, the two run alternately so
that noise hits both alike. Run from the repository root:

    python bench/bench.py                      # this interpreter's liteconv, every budget
    python bench/bench.py --runs 21            # steadier medians
    python bench/bench.py --python /tmp/lc/bin/python   # another install of liteconv
    python bench/bench.py --quick              # a smoke run: few runs, small batches, exit 0

An editable install (``pip install -e .``) adds its import hook to every start-up, floors
included; ``pip install .`` into a fresh virtualenv measures what users run:

    python -m venv /tmp/lc && /tmp/lc/bin/pip install . && python bench/bench.py --python /tmp/lc/bin/python

The table says which kind of install it measured. Exit status 0 when every figure is within
budget, 1 otherwise. docs/performance.md has the figures measured for the release.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def install_kind(python: str) -> str:
    """'editable', 'regular' or 'source tree' for the liteconv that ``python`` imports."""
    probe = (
        "import json, liteconv_cli, importlib.metadata as m\n"
        "try:\n    d = m.distribution('liteconv').read_text('direct_url.json') or '{}'\n"
        "except m.PackageNotFoundError:\n    d = None\n"
        "print(json.dumps([d, liteconv_cli.__file__]))"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True, cwd="/").stdout
    direct_url, where = json.loads(out)
    if direct_url is None:
        return f"source tree ({where})"
    editable = json.loads(direct_url).get("dir_info", {}).get("editable", False)
    return f"{'editable' if editable else 'regular'} install ({Path(where).parent})"


def liteconv_cmd(python: str) -> list[str]:
    """The console script beside ``python``, else ``python -m liteconv_cli``."""
    script = Path(python).with_name("liteconv")
    return [str(script)] if script.exists() else [python, "-m", "liteconv_cli"]


def cold(cmd: list[str], tty: bool = False) -> float:
    """Wall time of one fresh process, its output thrown away (written to a terminal if ``tty``)."""
    if not tty:
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
        return time.perf_counter() - t
    import pty
    import threading

    master, slave = pty.openpty()
    drain = threading.Thread(target=_drain, args=(master,), daemon=True)
    drain.start()
    t = time.perf_counter()
    subprocess.run(cmd, stdout=slave, stderr=subprocess.DEVNULL, check=True, cwd=ROOT,
                   env={**os.environ, "COLUMNS": "200", "TERM": "xterm-256color"})
    elapsed = time.perf_counter() - t
    os.close(slave)
    drain.join()
    os.close(master)
    return elapsed


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 1 << 16):
            pass
    except OSError:  # the terminal closed
        pass


def median_pair(cmd: list[str], floor: list[str], runs: int, tty: bool = False) -> tuple[float, float]:
    """Medians of ``runs`` cold runs of cmd and floor, interleaved so noise hits both alike."""
    cold(cmd, tty), cold(floor)  # warm the page cache
    a, b = [], []
    for _ in range(runs):
        a.append(cold(cmd, tty))
        b.append(cold(floor))
    return statistics.median(a), statistics.median(b)


def make_specs(folder: Path, n: int) -> list[str]:
    """n copies of configs/mobilenet_v1.yaml, each with its own name (MobileNetV1's size)."""
    text = (ROOT / "configs" / "mobilenet_v1.yaml").read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        p = folder / f"net{i:04d}.yaml"
        p.write_text(text.replace("name: MobileNetV1", f"name: MobileNetV1-copy{i}", 1), encoding="utf-8")
        paths.append(str(p))
    return paths


def sweep(lc: list[str], rows: int, extra: list[str]) -> tuple[float, float]:
    """Peak RSS (MB) and rows per second of one streamed sweep of ``rows`` configurations to CSV.

    The rows go through a pipe to this process, which counts them, as a consumer would.
    """
    cmd = [*lc, "compare", "--cin", "64", "--cout", f"1:{rows}", "-k", "3", *extra, "-v", "standard",
           "--format", "csv"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    lines = 0
    while chunk := proc.stdout.read(1 << 20):
        lines += chunk.count(b"\n")
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or lines != rows + 1:
        raise SystemExit(f"the sweep exited {proc.returncode} with {lines} lines, expected {rows + 1}")
    return usage.ru_maxrss / 1024, rows / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose liteconv to measure")
    parser.add_argument("--runs", type=int, default=11, help="cold runs per figure (default 11)")
    parser.add_argument("--specs", type=int, default=1000, help="spec files for the batch figure (default 1000)")
    parser.add_argument("--sweep-rows", type=int, default=1_000_000, help="rows of the streamed sweep")
    parser.add_argument("--sweep-runs", type=int, default=3, help="streamed sweeps (default 3; the median counts)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 runs, 50 specs, 20,000 rows")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.specs, args.sweep_rows, args.sweep_runs = 3, 50, 20_000, 1
    py = args.python
    lc = liteconv_cmd(py)
    kind = install_kind(py)
    # as pip install does: with PYTHONDONTWRITEBYTECODE set, an editable tree would otherwise be
    # compiled again by every cold start (__pycache__ is ignored by git)
    subprocess.run([py, "-c", "import compileall, liteconv_cli, os; compileall.compile_dir("
                    "os.path.dirname(liteconv_cli.__file__), quiet=1)"], check=True, cwd="/")
    results: list[tuple[str, str, str, str, bool]] = []

    def ratio(label: str, cmd: list[str], floor_label: str, floor: list[str], budget: float, tty: bool = False
              ) -> None:
        t, f = median_pair(cmd, floor, args.runs, tty)
        r = t / f
        results.append((label, f"{t * 1000:.1f} ms", f"{floor_label} {f * 1000:.1f} ms", f"{r:.2f}x <= {budget}x",
                        r <= budget))
        print(f"  {label}: {t * 1000:.1f} ms, floor {f * 1000:.1f} ms, {r:.2f}x", file=sys.stderr)

    def imports(mods: str) -> list[str]:
        return [py, "-c", f"import {mods}"]

    compare = [*lc, "compare", "--cin", "64", "--cout", "128", "-k", "3"]
    ratio("compare --format csv", [*compare, "--format", "csv"], "import click", imports("click"), 1.3)
    # a table to a pipe or a file is written as the characters rich would draw; on a terminal
    # rich draws it, in colour: both are measured
    ratio("compare (table, to a pipe)", compare, "import click, rich", imports("click, rich.console, rich.table"), 1.3)
    ratio("compare (table, on a terminal)", compare, "import click, rich", imports("click, rich.console, rich.table"),
          1.3, tty=True)
    ratio("liteconv --help", [*lc, "--help"], "import click", imports("click"), 1.3)
    net = [*lc, "network", "configs/mobilenet_v2.yaml"]
    ratio("network mobilenet_v2 (table, to a pipe)", net, "import click, yaml, rich",
          imports("click, yaml, rich.console, rich.table"), 1.4)
    ratio("network mobilenet_v2 (table, on a terminal)", net, "import click, yaml, rich",
          imports("click, yaml, rich.console, rich.table"), 1.4, tty=True)

    with tempfile.TemporaryDirectory() as tmp:
        paths = make_specs(Path(tmp), args.specs)
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(paths), encoding="utf-8")
        parse = (
            "import yaml\nL = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
            f"for p in open({str(listing)!r}).read().split():\n"
            "    with open(p, 'rb') as f:\n        yaml.load(f, Loader=L)"
        )
        ratio(f"network {args.specs} specs --summary --format csv",
              [*lc, "network", *paths, "--summary", "--format", "csv"],
              f"PyYAML C loader, {args.specs} files", [py, "-c", parse], 1.5)

    for extra, label in (([], "per position"), (["--size", "56"], "--size 56")):
        runs = [sweep(lc, args.sweep_rows, extra) for _ in range(args.sweep_runs)]
        peak = max(r[0] for r in runs)
        rate = statistics.median(r[1] for r in runs)
        what = f"sweep of {args.sweep_rows:,} layers to CSV ({label})"
        results.append((f"{what}: peak memory", f"{peak:.0f} MB", "", "< 100 MB", peak < 100))
        results.append((f"{what}: rate", f"{rate:,.0f} rows/s", "", ">= 100,000 rows/s", rate >= 100_000))
        print(f"  {what}: {peak:.0f} MB, {rate:,.0f} rows/s", file=sys.stderr)

    version = subprocess.run([py, "-c", "import platform; print(platform.python_version())"], capture_output=True,
                             text=True, check=True).stdout.strip()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    print(f"\nliteconv bench, {time.strftime('%Y-%m-%d')}: {cpu}, {os.cpu_count()} cores, {platform.system()}, "
          f"Python {version}; {kind}")
    print(f"cold figures: medians of {args.runs} runs, alternating with their floor; sweeps: median of "
          f"{args.sweep_runs}\n")
    header = ("figure", "measured", "floor", "ratio / budget", "ok")
    rows = [header] + [(a, b, c, d, "yes" if ok else "NO") for a, b, c, d, ok in results]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for i, r in enumerate(rows):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if args.quick:
        print("\n--quick: 3 runs and small batches, a smoke test of the bench; the budgets are for a full run")
        return 0
    return 0 if all(r[4] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
