"""What a person sees on a terminal: every command's table drawn through a pseudo-terminal.

A table on a terminal is drawn by rich at the terminal's width, a different code path from the
same table in a pipe (issue 8: on a terminal the rows were missing, exit 0). Each command runs
in a child whose stdout is a pty of 80 or 200 columns (TIOCSWINSZ), with and without NO_COLOR,
and every row of its CSV output (a separate code path) must be drawn with its numbers: a table
wider than the terminal is split into groups of columns, each repeating the row's labels, so
each row appears once in every group.
"""

from __future__ import annotations

import csv
import fcntl
import functools
import io
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections import Counter
from pathlib import Path

import pytest

from liteconv_cli.formats import Column, Report, Table, write_table

ROOT = Path(__file__).resolve().parent.parent
V1 = "configs/mobilenet_v1.yaml"
V2 = "configs/mobilenet_v2.yaml"
TIMEOUT_S = 60
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Screen:
    """What a command wrote to the terminal (colour codes kept in ``raw``), and its stderr."""

    def __init__(self, status: int, raw: str, err: str) -> None:
        self.status, self.raw, self.err = status, raw, err
        self.text = ANSI.sub("", raw)

    def rows(self, bar: str = "│") -> list[list[str]]:
        """The body and footer rows of the first table drawn (all its groups of columns): cells."""
        rows: list[list[str]] = []
        lines = [line for line in self.text.splitlines() if line.strip()]
        bottom = "└" if bar == "│" else "+"
        for i, line in enumerate(lines):
            if line.startswith(bar):
                rows.append([cell.strip() for cell in line.strip()[1:-1].split(bar)])
            elif line.startswith(bottom) and rows and not (i + 1 < len(lines) and lines[i + 1].startswith(("┏", "+"))):
                break  # the first table, and the groups of columns that continue it, are over
        return rows


def on_terminal(*args: str, columns: int, no_color: bool = False, encoding: str | None = None) -> Screen:
    """Run ``liteconv ARGS`` with stdin and stdout on a pty of ``columns`` columns; stderr a pipe."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM", "PYTHONIOENCODING")}
    env["TERM"] = "xterm-256color"
    if no_color:
        env["NO_COLOR"] = "1"
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    proc = subprocess.Popen([sys.executable, "-m", "liteconv_cli", *args], cwd=ROOT, env=env, stdin=slave,
                            stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        else:
            proc.kill()
            pytest.fail(f"liteconv {' '.join(args)} ran over {TIMEOUT_S} s")
    finally:
        os.close(master)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    status = proc.wait(TIMEOUT_S)
    raw = b"".join(chunks).decode(encoding or "utf-8", "replace").replace("\r\n", "\n")
    return Screen(status, raw, err)


def colours(raw: str) -> set[str]:
    """The colour parameters of the SGR sequences in ``raw`` (30-49, 90-107: no bold, no dim)."""
    found = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", raw):
        for p in params.split(";"):
            if p.isdigit() and (30 <= int(p) <= 49 or 90 <= int(p) <= 107):
                found.add(p)
    return found


@functools.cache
def machine(*args: str) -> list[dict[str, str]]:
    """The command's rows as CSV (no terminal, no rich): what the table must show."""
    done = subprocess.run([sys.executable, "-m", "liteconv_cli", *args, "--format", "csv"], cwd=ROOT,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


def assert_every_row_drawn(screen: Screen, rows: list[dict[str, str]], labels: tuple[str, ...],
                           numbers: tuple[str, ...], bar: str = "│") -> None:
    """Each CSV row is drawn: a drawn row holds its labels and each of its numbers (with thousands
    separators), and every row is drawn as often as the others (once per group of columns)."""
    assert rows, "the command gave no rows to check"
    drawn = screen.rows(bar)
    seen: Counter[tuple[str, ...]] = Counter()
    for line in drawn:
        for row in rows:
            key = tuple(row[k] for k in labels)
            if all(v in line for v in key):
                seen[key] += 1
    for row in rows:
        key = tuple(row[k] for k in labels)
        mine = [line for line in drawn if all(v in line for v in key)]
        assert mine, f"row {key} not drawn:\n{screen.text}"
        for n in numbers:
            cell = f"{int(row[n]):,}"
            assert any(cell in line for line in mine), f"{n} = {cell} of row {key} not drawn:\n{screen.text}"
    groups = set(seen.values())
    assert len(groups) == 1, f"rows drawn unevenly: {seen}"


COMMANDS = {
    "compare": (["compare", "--cin", "64", "--cout", "128", "-k", "3"], ("variant",), ("params", "macs", "flops")),
    "network": (["network", V1], ("name",), ("params", "macs")),
    "memory": (["network", V1, "--memory"], ("name",), ("params", "macs", "activation_bytes", "live_bytes")),
    "several specs": (["network", V1, V2], ("network", "name"), ("params", "macs")),
    "sweep": (["sweep", V1, "--resolution", "224,192,160,128"], ("network", "resolution"), ("params", "macs")),
    "convert": (["convert", "configs/conv_mobilenet.yaml", "--to", "separable"], ("name",),
                ("params_before", "params_after", "macs_before", "macs_after")),
    "chart": (["network", V1, "--chart"], ("name",), ("params", "macs")),
}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_row_is_drawn_on_a_terminal(command, columns, no_color):
    args, labels, numbers = COMMANDS[command]
    screen = on_terminal(*args, columns=columns, no_color=no_color)
    assert (screen.status, screen.err) == (0, "")
    assert "\x1b[" in screen.raw  # styled for a terminal (bold headers, the chart's coloured bars) ...
    if no_color:
        assert colours(screen.raw) == set()  # ... but no colour with NO_COLOR
    elif command == "chart":
        assert colours(screen.raw)
    csv_args = [a for a in args if a != "--chart"]
    assert_every_row_drawn(screen, machine(*csv_args), labels, numbers)
    for line in screen.text.splitlines():
        if line.startswith(("┏", "│", "└")):  # tables are cut to the terminal, never wider
            assert len(line) <= columns, line


def test_the_chart_draws_a_bar_for_every_layer_with_a_share():
    screen = on_terminal("network", V1, "--chart", columns=80)
    assert screen.status == 0
    layers = [r for r in machine("network", V1) if int(r["macs"]) or int(r["params"])]
    chart = screen.text[screen.text.index("each layer's share"):]
    for r in layers:
        share = f"{float(r['macs_share']) * 100:.2f}%"
        assert re.search(rf"(?m)^\s*\d+\s+{re.escape(r['name'])}\s+{re.escape(share)}\s", chart), r["name"]


def test_several_specs_draw_every_layer_of_each():
    """The multi-spec table counts: as many layer rows as the two specs have (from their own CSV)."""
    screen = on_terminal("network", V1, V2, columns=200)
    rows = machine("network", V1, V2)
    assert len(rows) == len(machine("network", V1)) + len(machine("network", V2))
    assert_every_row_drawn(screen, rows, ("network", "name"), ("params", "macs"))


def test_ascii_terminal_gets_ascii_boxes_and_every_row():
    screen = on_terminal("network", V1, columns=120, encoding="ascii")
    assert (screen.status, screen.err) == (0, "")
    assert not any(ch in screen.text for ch in "┏━│└")
    assert_every_row_drawn(screen, machine("network", V1), ("name",), ("params", "macs"), bar="|")


def test_a_table_that_cannot_fit_says_so_and_exits_non_zero():
    """At 12 columns no MACs figure fits: nothing is drawn, one Error line, exit 1."""
    screen = on_terminal("network", V1, columns=12)
    assert screen.status == 1
    assert screen.text.strip() == ""
    lines = screen.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "12 columns" in lines[0]


def test_a_long_text_column_is_folded_not_lost():
    """compare's 'closed form' (44 wide) at 30 columns: folded onto several lines, every row drawn."""
    screen = on_terminal("compare", "--cin", "64", "--cout", "128", "-k", "3", columns=30)
    assert (screen.status, screen.err) == (0, "")
    assert all(len(line) <= 30 for line in screen.text.splitlines() if line.startswith("│"))
    for r in machine("compare", "--cin", "64", "--cout", "128", "-k", "3"):
        assert any(r["variant"] in line for line in screen.text.splitlines()), r["variant"]


def test_liteconv_alone_shows_its_usage_not_an_error():
    screen = on_terminal(columns=80)
    assert screen.status in (0, 2)  # click 8.1 prints the help with 0, click >= 8.2 with 2
    shown = screen.text + screen.err
    assert shown.startswith("Usage: ") and "Commands:" in shown and "Error" not in shown


# ------------------------------------------------------------------ the same writers in a pipe


def _gen(rows):
    yield from rows


@pytest.mark.parametrize("cell", ["Café", "a\x1b[2Jb", "x" * 450, "中文"],
                         ids=["non-ascii", "control", "over-400-wide", "wide"])
@pytest.mark.parametrize("color", [False, True], ids=["pipe", "terminal"])
def test_rows_given_as_a_generator_are_all_drawn(cell, color):
    """Whatever makes rich draw (a non-ASCII or control character, a table over 400 columns, a
    terminal), the rows of a generator are drawn: they are read once, before drawing."""
    rows = [{"name": f"{cell}{i}", "macs": 1000 * i} for i in range(30)]
    report = Report([Table("t", "a title", [Column("name", "name", "text"), Column("macs", "MACs")], _gen(rows),
                           totals={"name": "total", "macs": 435_000})])
    out = io.StringIO()
    write_table(report, out, color)
    text = ANSI.sub("", out.getvalue())
    for i in range(30):
        assert re.search(rf"\b{i * 1000:,} │", text), i
    assert "\x1b[2J" not in out.getvalue()  # a control character is shown escaped, never sent


def test_a_network_with_a_non_ascii_name_draws_every_row_in_a_pipe(tmp_path):
    """A non-ASCII name sends the table to rich in a pipe too (HEAD 291ef2d drew no rows there)."""
    spec = tmp_path / "net.yaml"
    spec.write_text("name: Café net\ninput: [3, 32, 32]\nlayers:\n"
                    + "".join(f"  - {{kind: conv, out: {8 * (i + 1)}, kernel: 3, name: c{i}}}\n" for i in range(6)),
                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", str(spec)], cwd=ROOT,
                          capture_output=True, timeout=TIMEOUT_S)
    assert (done.returncode, done.stderr) == (0, b"")
    screen = Screen(0, done.stdout.decode("utf-8"), "")
    assert "Café net" in screen.text
    rows = machine("network", str(spec))
    assert len(rows) == 6
    assert_every_row_drawn(screen, rows, ("name",), ("params", "macs"))


@pytest.mark.parametrize("columns", [50, 80, 200])
def test_drawing_on_a_terminal_without_rich_is_what_rich_draws(columns, monkeypatch):
    """An ASCII table that fits (or is cut into groups of columns) is drawn on a terminal without
    rich, with rich's characters and styles: the same bytes as rich given the same layout."""
    from liteconv_cli import formats
    from liteconv_cli.formats import _prepare, _rich_table

    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("TERM", "xterm-256color")
    cols = [Column("network", "network", "text"), Column("index", "#", "text"), Column("name", "name", "text")]
    cols += [Column(f"v{j}", f"value {j}") for j in range(9)]
    rows = [{"network": "Net", "index": str(i), "name": f"layer{i}.conv", **{f"v{j}": i * 10**j for j in range(9)},
             "_style": ("dim", None, "bold")[i % 3]} for i in range(12)]
    report = Report([Table("t", "a wide table", cols, rows, totals={"name": "total", "v0": 66}, notes=["a note"]),
                     Table("u", "a narrow one", cols[:3], rows[:3])])
    direct, by_rich = io.StringIO(), io.StringIO()
    with monkeypatch.context() as m:
        m.setattr(formats, "_rich_table", None)  # write_table must not need rich here
        write_table(report, direct, True)
    _rich_table([_prepare(t) for t in report.tables], by_rich, True)
    assert direct.getvalue() == by_rich.getvalue()
    assert "layer11.conv" in direct.getvalue() and "100,000,000" in direct.getvalue()


@pytest.mark.parametrize(("args", "label"), [(["models", "resnet"], "name"),
                                           (["network", "resnet18", "--explain", "conv1"], "figure")])
def test_a_wide_text_column_folds_beside_the_row_labels(args, label):
    # at 80 columns the source (models) and formula (explain) columns are too wide beside the
    # labels: they fold there, so every group of columns still names its rows
    screen = on_terminal(*args, columns=80)
    assert screen.status == 0, screen.err
    headers = [line for line in screen.text.splitlines() if line.startswith("┃")]
    assert len(headers) >= 2  # the table was cut into groups of columns
    assert all(line.split("┃")[1].strip() == label for line in headers)
