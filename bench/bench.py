#!/usr/bin/env python3
"""liteconv's speed budgets, each a ratio to a floor measured in the same run.

Every figure is a ratio, never an absolute time, so a loaded machine does not fail a budget
that an idle one passes. A floor is a plain Python program that does the work the command
cannot avoid and no more: it starts the same interpreter, imports the libraries the command
imports (click; yaml to read a spec; rich only where the command draws with rich, on a
terminal), reads the same files with PyYAML's C loader, writes the very bytes the command
wrote to the same kind of output (a pipe or a terminal), and ends as the command ends, with
``gc.freeze()`` so neither side pays the interpreter's last garbage collection. Run from the
repository root:

    python bench/bench.py                      # this interpreter's liteconv, every budget
    python bench/bench.py --runs 21            # steadier medians
    python bench/bench.py --python /tmp/lc/bin/python   # another install of liteconv
    python bench/bench.py --quick              # a smoke run: few runs, small batches, exit 0

Times are CPU time (user + system) of the measured process, read with ``os.wait4``: on a
shared machine another job's load stretches the wall clock of both sides unevenly, while the
CPU a process spends is its own. Wall-clock medians are printed beside them.

- Cold figures: the median of ``--runs`` fresh processes, command and floor alternating.
  On a terminal (a pseudo-terminal, 200 columns), every timed run's output is checked to hold
  every row of the table (the rows of the same command's CSV): a run that drew no rows fails.
- Streamed sweeps: 1,000,000 layer configurations to CSV against a plain Python loop writing
  the same rows with ``csv.writer`` (the bench checks first that the two write identical
  bytes), the best of ``--sweep-runs`` a side. The peak memory of each sweep is read in a
  fresh wrapper process (``resource.getrusage(RUSAGE_CHILDREN)`` there, with the sweep its only
  child), never from a child of this grown process (Linux keeps a forked child's high-water
  mark across exec).
- The engine (issue 9): walking MobileNetV2 from a loaded spec and walking a 100,000-layer
  spec, in process, against the previous release (git commit ``--baseline``, 291ef2d, 0.1)
  installed into a temporary virtualenv in the same run: best CPU time of many walks, in
  fresh processes, old and new alternating.

``PYTHONUNBUFFERED`` is removed from the measured processes' environment (it makes a plain
``csv.writer`` loop issue one system call per row). An editable install (``pip install -e .``)
adds its import hook to every start-up of the command but not of the floors;
``pip install .`` into a fresh virtualenv measures what users run:

    python -m venv /tmp/lc && /tmp/lc/bin/pip install . && python bench/bench.py --python /tmp/lc/bin/python

Exit status 0 when every figure is within budget, 1 otherwise. docs/performance.md has the
figures of the release.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the previous release, measured beside the engine of the working tree (issue 9)
BASELINE = "291ef2d"
#: terminal width of the pseudo-terminal the table figures draw on
TTY_COLUMNS = 200

# ------------------------------------------------------------------ budgets (docs/performance.md)

#: cold start, command / floor
BUDGET_COMPARE = 1.3
BUDGET_HELP = 1.3
BUDGET_NETWORK = 1.4
BUDGET_SPEC_BATCH = 1.5
#: streamed sweep, CPU time / the csv.writer loop's. The previous release's budget was 100,000
#: rows/s; it measured 145,893 rows/s per position and 106,402 with --size on its reference
#: machine, and its ratios to this floor are 3.3x and 2.5x (docs/performance.md, "Budgets"): the
#: ratio at which it would have written exactly 100,000 rows/s is 3.3 x 1.46 and 2.5 x 1.06
BUDGET_SWEEP = {"per position": 4.8, "--size 56": 2.7}
BUDGET_SWEEP_MB = 100
#: the engine, this tree's walk / the previous release's
BUDGET_ENGINE = 1.05


# ------------------------------------------------------------------ what is measured


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


def bench_env(**extra: str) -> dict[str, str]:
    """The measured processes' environment: this one without PYTHONUNBUFFERED or NO_COLOR."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "NO_COLOR")}
    env.update(extra)
    return env


class Run:
    """One finished process: CPU seconds, wall seconds, exit status, what it wrote (and to stderr)."""

    __slots__ = ("cpu", "wall", "status", "out", "err")

    def __init__(self, cpu: float, wall: float, status: int, out: bytes, err: bytes = b"") -> None:
        self.cpu, self.wall, self.status, self.out, self.err = cpu, wall, status, out, err


def run(cmd: Sequence[str], tty: bool = False, cwd: Path = ROOT, env: dict[str, str] | None = None,
        stderr: bool = False) -> Run:
    """Run ``cmd`` once, its stdout read by this process (through a pseudo-terminal if ``tty``).

    ``env``: added to the bench's environment; ``stderr``: keep what it wrote there.
    """
    import threading

    if tty:
        import pty

        read_end, write_end = pty.openpty()
        _set_size(write_end, TTY_COLUMNS)
        environ = bench_env(COLUMNS=str(TTY_COLUMNS), TERM="xterm-256color", **(env or {}))
    else:
        read_end, write_end = os.pipe()
        environ = bench_env(**(env or {}))
    chunks: list[bytes] = []
    readers = [threading.Thread(target=_drain, args=(read_end, chunks), daemon=True)]
    err_chunks: list[bytes] = []
    if stderr:
        err_read, err_write = os.pipe()
        readers.append(threading.Thread(target=_drain, args=(err_read, err_chunks), daemon=True))
    for reader in readers:
        reader.start()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=write_end,
                            stderr=err_write if stderr else subprocess.DEVNULL, cwd=cwd, env=environ)
    os.close(write_end)
    if stderr:
        os.close(err_write)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    os.close(read_end)
    if stderr:
        os.close(err_read)
    return Run(usage.ru_utime + usage.ru_stime, wall, proc.returncode, b"".join(chunks), b"".join(err_chunks))


def imported_modules(cmd: Sequence[str], tty: bool = False) -> list[str]:
    """The modules of other distributions (not the standard library, not liteconv) ``cmd`` imports.

    Read from ``PYTHONPROFILEIMPORTTIME``, run as measured (to a pipe or a terminal: a command
    may import rich on a terminal only), in the order they were imported.
    """
    r = run(cmd, tty, env={"PYTHONPROFILEIMPORTTIME": "1"}, stderr=True)
    names: list[str] = []
    for line in r.err.decode("utf-8", "replace").splitlines():
        fields = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # not a line of the log, or its header
        name = fields[2].strip()
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or top.startswith(("liteconv", "_")) or top in ("site", "sitecustomize"):
            continue
        if name not in names:
            names.append(name)
    return names


def packages(modules: Iterable[str]) -> str:
    """'click, yaml': the top-level packages of ``modules``, in order."""
    tops: list[str] = []
    for m in modules:
        if m.split(".")[0] not in tops:
            tops.append(m.split(".")[0])
    return ", ".join(tops) if tops else "nothing"


def _set_size(fd: int, columns: int) -> None:
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))


def _drain(fd: int, chunks: list[bytes]) -> None:
    try:
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError:  # a pseudo-terminal whose other end closed
        pass


# ------------------------------------------------------------------ tables drawn on a terminal

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_BARS = "│┃|"


def table_cells(screen: str) -> list[list[str]]:
    """The cells of every table body or header line in ``screen`` (colour codes removed)."""
    rows = []
    for line in _ANSI.sub("", screen).replace("\r", "").splitlines():
        line = line.strip()
        if len(line) > 1 and line[0] in _BARS and line[-1] in _BARS:
            rows.append([cell.strip() for cell in re.split("[│┃|]", line[1:-1])])
    return rows


def rows_drawn(screen: str, names: Iterable[str]) -> tuple[int, int]:
    """(how many of ``names`` are drawn as a cell of a table line, how many there are)."""
    wanted = list(names)
    cells = {cell for row in table_cells(screen) for cell in row}
    return sum(name in cells for name in wanted), len(wanted)


def csv_names(text: str, column: str) -> list[str]:
    """The values of ``column`` in CSV ``text`` (the rows a table of the same command holds)."""
    import csv
    import io

    return [row[column] for row in csv.DictReader(io.StringIO(text))]


# ------------------------------------------------------------------ floors


def floor_script(folder: Path, name: str, imports: Sequence[str], work: str = "", output: bytes = b"") -> list[str]:
    """A floor: import ``imports`` (each as the command did: tried), do ``work``, write ``output``
    in one write, freeze, exit.

    Returns the command that runs it with the measured interpreter (set by ``main``).
    """
    out = folder / f"{name}.out"
    out.write_bytes(output)
    # a module the command tried and did not find (the standard library's copy tries Jython's
    # org.python.core) is tried here too
    tries = [f"try:\n    import {m}\nexcept ImportError:\n    pass" for m in imports]
    lines = ["import gc", "import sys", *tries, work,
             f"with open({str(out)!r}, 'rb') as f:", "    sys.stdout.buffer.write(f.read())",
             "sys.stdout.flush()", "gc.freeze()"]
    path = folder / f"{name}.py"
    path.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return [str(path)]


def yaml_reads(paths: Sequence[str]) -> str:
    """Floor work: read every spec with PyYAML's C loader, as liteconv reads them."""
    return (
        "import yaml\n"
        "L = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
        f"for p in {list(paths)!r}:\n"
        "    with open(p, 'rb') as f:\n"
        "        yaml.load(f, Loader=L)"
    )


def sweep_floor(sample: str) -> str:
    """The streamed sweep's floor: a plain loop writing the command's rows with ``csv.writer``.

    ``sample`` is the command's CSV for ``--cout 1:N`` (N >= 3). Each column is planned from it:
    a constant, an integer linear in the swept ``cout`` (``a + b * c``, one multiply-add per
    cell, as the formulas of docs/formulas.md are for the standard convolution), or the ratio of
    two such columns written with ``%g`` (MACs per byte). The bench then checks that the floor
    writes exactly the command's bytes for 2,000 rows before timing it. Raises ValueError if a
    column fits no plan.
    """
    import csv
    import io

    header, *rows = list(csv.reader(io.StringIO(sample)))
    if len(rows) < 3:
        raise ValueError("the sample needs at least 3 rows")
    linear: dict[int, tuple[int, int]] = {}
    plan: list[str | None] = []
    for j, _ in enumerate(header):
        col = [r[j] for r in rows]
        if len(set(col)) == 1:  # a constant: an int literal where csv.writer would write the same digits
            plan.append(repr(int(col[0])) if re.fullmatch(r"-?(0|[1-9][0-9]*)", col[0]) else repr(col[0]))
            continue
        try:
            ints = [int(v) for v in col]
        except ValueError:
            plan.append(None)
            continue
        b = ints[1] - ints[0]
        a = ints[0] - b
        if any(a + b * (i + 1) != v for i, v in enumerate(ints)):
            raise ValueError(f"column {header[j]!r} is not linear in the swept value")
        linear[j] = (a, b)
        plan.append(("c" if b == 1 else f"{b} * c") if a == 0 else f"{a} + {b} * c")
    for j, cell in enumerate(plan):
        if cell is not None:
            continue
        col = [r[j] for r in rows]
        fits = [(p, q) for p in linear for q in linear
                if all("%g" % ((linear[p][0] + linear[p][1] * c) / (linear[q][0] + linear[q][1] * c)) == v
                       for c, v in enumerate(col, 1))]
        if not fits:
            raise ValueError(f"column {header[j]!r} fits no plan")
        p, q = fits[0]
        plan[j] = f"'%g' % (({plan[p]}) / ({plan[q]}))"
    return "\n".join([
        "import csv",
        "import gc",
        "import sys",
        "",
        "w = csv.writer(sys.stdout, lineterminator='\\n')",
        f"w.writerow({header!r})",
        "for c in range(1, int(sys.argv[1]) + 1):",
        f"    w.writerow(({', '.join(str(cell) for cell in plan)},))",
        "gc.freeze()",
        "",
    ])


#: runs a command as its only child and writes that child's CPU seconds and peak RSS (KiB) to
#: argv[1]: a fresh process, so RUSAGE_CHILDREN is the command's own
PEAK_WRAPPER = '''\
import json, resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    json.dump({"cpu": u.ru_utime + u.ru_stime, "maxrss_kib": u.ru_maxrss}, f)
sys.exit(status)
'''


def peak_run(python: str, cmd: Sequence[str], folder: Path) -> tuple[Run, float, int]:
    """Run ``cmd`` under the fresh wrapper: (the run, its CPU seconds, its peak RSS in KiB)."""
    report = folder / "peak.json"
    r = run([python, "-c", PEAK_WRAPPER, str(report), *cmd])
    got = json.loads(report.read_text(encoding="utf-8"))
    return r, got["cpu"], got["maxrss_kib"]


# ------------------------------------------------------------------ the previous release


WALK_TIMER = '''\
import gc, json, sys, time
from liteconv_cli import load_spec, walk
net = load_spec(sys.argv[1])
rounds, per_round = int(sys.argv[2]), int(sys.argv[3])
result = walk(net)
best = float("inf")
for _ in range(rounds):
    gc.collect()
    t = time.process_time()
    for _ in range(per_round):
        walk(net)
    best = min(best, (time.process_time() - t) / per_round)
print(json.dumps({"seconds": best, "rows": len(result.rows), "params": result.total.params,
                  "macs": result.total.macs}))
'''


def big_spec(layers: int = 100_000) -> str:
    """A spec of ``layers`` layers (10 kinds, each repeated), every one kept at 16x16x16."""
    kinds = [
        "{kind: conv, out: 16, kernel: 3}", "{kind: depthwise, kernel: 3}", "{kind: pointwise, out: 16}",
        "{kind: separable, out: 16}", "{kind: lite, out: 16}", "{kind: inverted_residual, out: 16, expansion: 4}",
        "{kind: basic, out: 16}", "{kind: se, ratio: 0.25}", "{kind: batchnorm}", "{kind: activation, function: relu6}",
    ]
    each = layers // len(kinds)
    lines = ["name: bench-100k", "input: [16, 16, 16]", "defaults: {bias: false, batchnorm: true, activation: relu}",
             "layers:"]
    lines += [f"  - {k[:-1]}, repeat: {each}}}" for k in kinds]
    return "\n".join(lines) + "\n"


def baseline_python(python: str, folder: Path, commit: str) -> str:
    """Install liteconv at ``commit`` (git archive of this repository) into a new virtualenv."""
    src, venv = folder / "src", folder / "venv"
    src.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True).stdout
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            tar.extractall(src, filter="data")
        else:
            tar.extractall(src)  # our own git archive
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    new = str(venv / "bin" / "python")
    subprocess.run([new, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(src)], check=True,
                   stdout=subprocess.DEVNULL)
    return new


def walk_ratio(new: str, old: str, spec: Path, procs: int, rounds: int, per_round: int, folder: Path
               ) -> tuple[float, float, dict, dict]:
    """(median best seconds per walk of ``new``, of ``old``, and each side's totals)."""
    script = folder / "walk_timer.py"
    script.write_text(WALK_TIMER, encoding="utf-8")
    a: list[float] = []
    b: list[float] = []
    got: dict[str, dict] = {}
    for i in range(procs):
        for side, py, acc in (("new", new, a), ("old", old, b))[:: 1 if i % 2 == 0 else -1]:
            out = subprocess.run([py, str(script), str(spec), str(rounds), str(per_round)], capture_output=True,
                                 text=True, check=True, cwd="/", env=bench_env()).stdout
            r = json.loads(out)
            acc.append(r.pop("seconds"))
            got[side] = r
    return statistics.median(a), statistics.median(b), got["new"], got["old"]


# ------------------------------------------------------------------ the run


class Results:
    """The rows of the final table: figure, measured, floor, ratio / budget, ok."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, bool]] = []

    def add(self, figure: str, measured: str, floor: str, verdict: str, ok: bool) -> None:
        self.rows.append((figure, measured, floor, verdict, ok))
        print(f"  {figure}: {measured}; {floor}; {verdict}{'' if ok else '  <-- NOT MET'}", file=sys.stderr)

    def table(self) -> str:
        header = ("figure", "measured", "floor", "ratio / budget", "ok")
        rows = [header] + [(a, b, c, d, "yes" if ok else "NO") for a, b, c, d, ok in self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        lines = []
        for i, r in enumerate(rows):
            lines.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) + " |")
            if i == 0:
                lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)


def ms(seconds: float) -> str:
    """Milliseconds, or microseconds below one millisecond."""
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1e6:.0f} us"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the interpreter whose liteconv to measure")
    parser.add_argument("--runs", type=int, default=11, help="cold runs per figure (default 11)")
    parser.add_argument("--specs", type=int, default=1000, help="spec files for the batch figure (default 1000)")
    parser.add_argument("--sweep-rows", type=int, default=1_000_000, help="rows of the streamed sweep")
    parser.add_argument("--sweep-runs", type=int, default=3, help="streamed sweeps a side (default 3; the best counts)")
    parser.add_argument("--baseline", default=BASELINE, help=f"git commit of the previous release (default {BASELINE})")
    parser.add_argument("--baseline-python", help="an interpreter with the previous release (skips installing it)")
    parser.add_argument("--walk-procs", type=int, default=6, help="processes per side for the engine figures")
    parser.add_argument("--only", action="append", choices=("cold", "sweep", "engine"),
                        help="measure these groups only (repeatable)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 runs, 50 specs, 20,000 rows, exit 0")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.specs, args.sweep_rows, args.sweep_runs, args.walk_procs = 3, 50, 20_000, 1, 2
    groups = set(args.only or ("cold", "sweep", "engine"))
    py = args.python
    lc = liteconv_cmd(py)
    kind = install_kind(py)
    # as pip install does: with PYTHONDONTWRITEBYTECODE set, an editable tree would otherwise be
    # compiled again by every cold start (__pycache__ is ignored by git)
    subprocess.run([py, "-c", "import compileall, liteconv_cli, os; compileall.compile_dir("
                    "os.path.dirname(liteconv_cli.__file__), quiet=1)"], check=True, cwd="/")
    results = Results()
    with tempfile.TemporaryDirectory(prefix="liteconv-bench-") as tmp:
        folder = Path(tmp)
        if "cold" in groups:
            cold_figures(results, py, lc, folder, args.runs, args.specs)
        if "sweep" in groups:
            sweep_figures(results, py, lc, folder, args.sweep_rows, args.sweep_runs)
        if "engine" in groups:
            engine_figures(results, py, folder, args)
    print_report(results, py, kind, args)
    if args.quick:
        print("\n--quick: 3 runs and small batches, a smoke test of the bench; the budgets are for a full run")
        return 0
    return 0 if all(r[4] for r in results.rows) else 1


class Cold:
    """A start-up figure: ``liteconv ARGS`` against its floor.

    The floor imports exactly the modules of other distributions that the command imported
    (``imported_modules``, measured in the run), reads the spec files the command reads
    (``reads``; ``SPECS`` stands for the batch of generated specs) with PyYAML's C loader, writes
    the command's bytes and freezes. ``tty``: measured on a pseudo-terminal, where every timed
    run must draw every row: the values of ``rows_column`` in the CSV of the same command
    (``csv_args``).
    """

    def __init__(self, label: str, args: Sequence[str], budget: float, *, reads: Sequence[str] = (),
                 tty: bool = False, csv_args: Sequence[str] = (), rows_column: str = "") -> None:
        self.label, self.args, self.budget = label, list(args), budget
        self.reads, self.tty, self.csv_args, self.rows_column = list(reads), tty, list(csv_args), rows_column


SPECS = "<the generated specs>"
_COMPARE = ["compare", "--cin", "64", "--cout", "128", "-k", "3"]
_V2 = "configs/mobilenet_v2.yaml"
#: the start-up figures
COLD = [
    Cold("compare --cin 64 --cout 128 -k 3 --format csv", [*_COMPARE, "--format", "csv"], BUDGET_COMPARE),
    Cold("the same as a table, to a pipe", _COMPARE, BUDGET_COMPARE),
    Cold("the same as a table, on a terminal", _COMPARE, BUDGET_COMPARE, tty=True,
         csv_args=[*_COMPARE, "--format", "csv"], rows_column="variant"),
    Cold("liteconv --help", ["--help"], BUDGET_HELP),
    Cold(f"network {_V2}, table to a pipe", ["network", _V2], BUDGET_NETWORK, reads=[_V2]),
    Cold("the same on a terminal", ["network", _V2], BUDGET_NETWORK, reads=[_V2], tty=True,
         csv_args=["network", _V2, "--format", "csv"], rows_column="name"),
    Cold("network on {n} MobileNetV1-size specs --summary --format csv",
         ["network", SPECS, "--summary", "--format", "csv"], BUDGET_SPEC_BATCH, reads=[SPECS]),
]


def cold_figures(results: Results, py: str, lc: list[str], folder: Path, runs: int, specs: int) -> None:
    """Start-up figures: each command against its floor, alternating, medians of ``runs``."""
    specs_dir = folder / "specs"
    specs_dir.mkdir()
    paths = make_specs(specs_dir, specs)

    def expand(args: Sequence[str]) -> list[str]:
        return [x for a in args for x in (paths if a == SPECS else [a])]

    for i, fig in enumerate(COLD):
        label = fig.label.format(n=f"{specs:,}")
        cmd = [*lc, *expand(fig.args)]
        first = run(cmd, fig.tty)  # also warms the page cache
        if first.status != 0:
            results.add(label, f"exit status {first.status}", "", "the command failed", False)
            continue
        names = csv_names(run([*lc, *fig.csv_args]).out.decode("utf-8"), fig.rows_column) if fig.tty else []
        reads = [str(ROOT / p) if p != SPECS else p for p in expand(fig.reads)]
        # the floor writes what the command wrote; a terminal turned its newlines into CR LF,
        # which it will do again
        written = first.out.replace(b"\r\n", b"\n") if fig.tty else first.out
        imports = imported_modules(cmd, fig.tty)
        floor = [py, *floor_script(folder, f"floor{i}", imports, yaml_reads(reads) if reads else "", written)]
        what = ", ".join([f"import {packages(imports)} as it does"]
                         + ([f"read {'the spec' if len(reads) == 1 else f'the {len(reads):,} specs'} (C loader)"]
                            if reads else []) + ["write the output"])
        if run(floor, fig.tty).status != 0:
            results.add(label, "", f"{what}: failed", "the floor does not run", False)
            continue
        a: list[Run] = []
        b: list[Run] = []
        for _ in range(runs):
            a.append(run(cmd, fig.tty))
            b.append(run(floor, fig.tty))
        failed = next((r for r in a if r.status != 0), None)
        if failed is not None:
            results.add(label, f"exit status {failed.status}", "", "the command failed", False)
            continue
        if names:
            drawn = min(rows_drawn(r.out.decode("utf-8", "replace"), names) for r in a)
            if drawn[0] < drawn[1]:
                results.add(label, f"drew {drawn[0]} of {drawn[1]} rows", "", "the table was not drawn", False)
                continue
        t, f = statistics.median(r.cpu for r in a), statistics.median(r.cpu for r in b)
        tw, fw = statistics.median(r.wall for r in a), statistics.median(r.wall for r in b)
        rows = f", all {len(names)} rows drawn" if names else ""
        results.add(label, f"{ms(t)} CPU ({ms(tw)} wall){rows}", f"{what}: {ms(f)} CPU ({ms(fw)} wall)",
                    f"{t / f:.2f}x <= {fig.budget}x", t / f <= fig.budget)


def make_specs(folder: Path, n: int) -> list[str]:
    """n copies of configs/mobilenet_v1.yaml, each with its own name (MobileNetV1's size)."""
    text = (ROOT / "configs" / "mobilenet_v1.yaml").read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        p = folder / f"net{i:04d}.yaml"
        p.write_text(text.replace("name: MobileNetV1", f"name: MobileNetV1-copy{i}", 1), encoding="utf-8")
        paths.append(str(p))
    return paths


def sweep_cmd(lc: list[str], rows: int, size: bool) -> list[str]:
    return [*lc, "compare", "--cin", "64", "--cout", f"1:{rows}", "-k", "3", *(["--size", "56"] if size else []),
            "-v", "standard", "--format", "csv"]


def sweep_figures(results: Results, py: str, lc: list[str], folder: Path, rows: int, sweeps: int) -> None:
    """The streamed sweeps against the csv.writer loop: CPU ratio, rows/s, peak memory."""
    for size, label in ((False, "per position"), (True, "--size 56")):
        what = f"sweep of {rows:,} layers to CSV ({label})"
        floor_py = folder / f"sweep_floor_{'size' if size else 'position'}.py"
        try:
            floor_py.write_text(sweep_floor(run(sweep_cmd(lc, 5, size)).out.decode("utf-8")), encoding="utf-8")
            same = floor_matches(lc, py, floor_py, size)
        except ValueError as e:
            same = str(e)
        if same is not None:
            results.add(what, "", "", f"no floor writes the command's rows: {same}", False)
            continue
        floor = [py, str(floor_py), str(rows)]
        a: list[tuple[Run, float, int]] = []
        b: list[tuple[Run, float, int]] = []
        for _ in range(sweeps):
            a.append(peak_run(py, sweep_cmd(lc, rows, size), folder))
            b.append(peak_run(py, floor, folder))
        lines = {r.out.count(b"\n") for r, _, _ in a}
        if lines != {rows + 1} or any(r.status for r, _, _ in a):
            results.add(what, f"wrote {sorted(lines)} lines", "", f"expected {rows + 1:,}", False)
            continue
        # the least disturbed of the runs: a few long runs, where one slow run would move a median
        t, f = min(c for _, c, _ in a), min(c for _, c, _ in b)
        peak, floor_peak = max(k for _, _, k in a) / 1024, max(k for _, _, k in b) / 1024
        budget = BUDGET_SWEEP[label]
        results.add(f"{what}: time", f"{t:.2f} s CPU, {rows / t:,.0f} rows/s",
                    f"csv.writer loop: {f:.2f} s CPU, {rows / f:,.0f} rows/s", f"{t / f:.2f}x <= {budget}x",
                    t / f <= budget)
        results.add(f"{what}: peak memory", f"{peak:.0f} MB", f"csv.writer loop: {floor_peak:.0f} MB",
                    f"< {BUDGET_SWEEP_MB} MB", peak < BUDGET_SWEEP_MB)


def floor_matches(lc: list[str], py: str, floor_py: Path, size: bool, rows: int = 2000) -> str | None:
    """None if the sweep's floor writes exactly the command's bytes for ``rows`` rows, else why not."""
    mine = run(sweep_cmd(lc, rows, size)).out
    floor = run([py, str(floor_py), str(rows)]).out
    if mine == floor:
        return None
    a, b = mine.decode("utf-8", "replace").splitlines(), floor.decode("utf-8", "replace").splitlines()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"line {i + 1}: {x!r} != {y!r}"
    return f"{len(a)} lines != {len(b)} lines"


def engine_figures(results: Results, py: str, folder: Path, args: argparse.Namespace) -> None:
    """Walking MobileNetV2 and a 100,000-layer spec, this tree's engine against the previous release."""
    old = args.baseline_python
    if old is None:
        try:
            print(f"  installing the previous release ({args.baseline}) into a temporary virtualenv ...",
                  file=sys.stderr)
            base = folder / "baseline"
            base.mkdir()
            old = baseline_python(py, base, args.baseline)
        except (subprocess.CalledProcessError, OSError) as e:
            results.add(f"engine against {args.baseline}", "not measured", "", f"the release did not install: {e}",
                        False)
            return
    v2 = folder / "mobilenet_v2.yaml"
    # the previous release's own copy of the spec: both engines read the same text
    v2.write_bytes(subprocess.run(["git", "-C", str(ROOT), "show", f"{args.baseline}:configs/mobilenet_v2.yaml"],
                                  capture_output=True, check=True).stdout)
    big = folder / "big.yaml"
    big.write_text(big_spec(), encoding="utf-8")
    quick = args.quick
    for label, spec, rounds, per in (("walk MobileNetV2 from a loaded spec", v2, 5 if quick else 30, 20),
                                     ("walk a 100,000-layer spec", big, 1 if quick else 3, 1)):
        try:
            t, f, new_total, old_total = walk_ratio(py, old, spec, args.walk_procs, rounds, per, folder)
        except subprocess.CalledProcessError as e:
            last = (e.stderr or "").strip().splitlines()[-1:] or [str(e)]
            results.add(label, "failed", "", last[0], False)
            continue
        same = (new_total["params"], new_total["macs"]) == (old_total["params"], old_total["macs"])
        if not same:
            results.add(label, f"{new_total}", f"{args.baseline}: {old_total}", "the two engines disagree", False)
            continue
        results.add(label, f"{ms(t)} CPU per walk ({new_total['rows']:,} rows)",
                    f"{args.baseline}: {ms(f)} ({old_total['rows']:,} rows)", f"{t / f:.2f}x <= {BUDGET_ENGINE}x",
                    t / f <= BUDGET_ENGINE)


def print_report(results: Results, py: str, kind: str, args: argparse.Namespace) -> None:
    version = subprocess.run([py, "-c", "import platform; print(platform.python_version())"], capture_output=True,
                             text=True, check=True).stdout.strip()
    versions = subprocess.run(
        [py, "-c", "import importlib.metadata as m\nprint(', '.join(f'{d} {m.version(d)}' for d in "
                   "('click', 'rich', 'PyYAML')))"], capture_output=True, text=True, check=True).stdout.strip()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"\nliteconv bench, {time.strftime('%Y-%m-%d')}: {cpu}, {os.cpu_count()} cores{load}, {platform.system()}, "
          f"Python {version}, {versions}; {kind}")
    print(f"cold figures: medians of {args.runs} runs alternating with their floor; sweeps: best of "
          f"{args.sweep_runs} a side; engine: best CPU time per walk, median of {args.walk_procs} processes a side\n")
    print(results.table())


if __name__ == "__main__":
    sys.exit(main())
