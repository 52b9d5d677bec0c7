"""The start-up design the speed budgets rely on (bench/bench.py measures the times).

No timing here: these check what each command imports, so a change that would make start-up
slow (an eager import of rich, yaml or fractions, a command module loaded by --help) fails
at once, on any machine.
"""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from liteconv_cli.cli import COMMANDS, SUMMARIES, cli

ROOT = Path(__file__).resolve().parent.parent


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(out.stdout.splitlines()[-1]))


def run_cli(*args: str) -> str:
    return f"from liteconv_cli.cli import cli\ncli.main({list(args)!r}, standalone_mode=False)"


def test_the_engine_imports_no_cli_library_and_no_dataclasses():
    loaded = modules_after("import liteconv_cli\nfrom liteconv_cli import Conv, evaluate\nevaluate(Conv(8, 16, 3))")
    assert not loaded & {"click", "rich", "yaml", "dataclasses", "fractions", "csv"}  # (json: the probe)


def test_help_imports_no_command_and_no_engine():
    loaded = modules_after(run_cli("--help"))
    assert not {m for m in loaded if m.startswith(("liteconv_cli.engine", "liteconv_cli.cli.", "rich", "yaml"))}


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_compare_machine_formats_import_no_rich_yaml_or_fractions(fmt):
    loaded = modules_after(run_cli("compare", "--cin", "64", "--cout", "128", "-k", "3", "--format", fmt))
    assert not {m for m in loaded if m.split(".")[0] in ("rich", "yaml", "fractions", "dataclasses", "tempfile")}


def test_network_csv_imports_no_rich():
    loaded = modules_after(run_cli("network", "configs/mobilenet_v1.yaml", "--format", "csv"))
    assert "yaml" in loaded and not {m for m in loaded if m.startswith("rich")}


def test_yaml_uses_libyaml_when_present():
    yaml = pytest.importorskip("yaml")
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    loaded = modules_after(run_cli("network", "configs/mobilenet_v1.yaml", "--format", "csv"))
    assert "yaml._yaml" in loaded or "_yaml" in loaded


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_summary_is_its_help(name):
    """--help lists SUMMARIES without importing the commands: they must say what the commands say."""
    module, attr = COMMANDS[name].split(":")
    command = getattr(importlib.import_module(module), attr)
    stand_in = click.Command(name, help=SUMMARIES[name])
    for limit in (20, 45, 60, 94, 200):
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_as_click_would():
    listed = click.testing.CliRunner().invoke(cli, ["--help"]).stdout
    assert set(SUMMARIES) == set(COMMANDS)
    for name in COMMANDS:
        assert f"\n  {name} " in listed


# ------------------------------------------------------------------ the bench itself (bench/bench.py)


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("bench")
    finally:
        sys.path.pop(0)


def test_bench_knows_what_it_measures(bench):
    kind = bench.install_kind(sys.executable)
    assert kind.startswith(("editable install", "regular install", "source tree"))
    assert bench.liteconv_cmd(sys.executable)[-1] in ("liteconv", "liteconv_cli") or "liteconv" in bench.liteconv_cmd(
        sys.executable)[0]


def test_a_floor_imports_what_its_command_imports(bench):
    """The bench reads what a command imports from the run itself (PYTHONPROFILEIMPORTTIME)."""
    lc = bench.liteconv_cmd(sys.executable)
    csv_net = bench.imported_modules([*lc, "network", "configs/mobilenet_v1.yaml", "--format", "csv"])
    assert {"click", "yaml"} <= set(csv_net) and not {m for m in csv_net if m.startswith(("rich", "liteconv"))}
    assert not {m.split(".")[0] for m in csv_net} & set(sys.stdlib_module_names)
    assert bench.packages(csv_net).split(", ")[:2] == ["click", "yaml"]
    # what --help loads on a terminal is what the bench gives its floor there
    help_tty = bench.imported_modules([*lc, "--help"], tty=True)
    assert "click" in help_tty and "yaml" not in help_tty


@pytest.mark.parametrize("size", [False, True], ids=["per-position", "size-56"])
def test_the_sweep_floor_writes_the_commands_rows(bench, tmp_path, size):
    lc = bench.liteconv_cmd(sys.executable)
    floor = tmp_path / "floor.py"
    floor.write_text(bench.sweep_floor(bench.run(bench.sweep_cmd(lc, 5, size)).out.decode()), encoding="utf-8")
    assert bench.floor_matches(lc, sys.executable, floor, size, rows=300) is None
    script = floor.read_text(encoding="utf-8")
    assert "csv.writer" in script and "liteconv" not in script  # a plain loop, not the command


def test_the_sweep_floor_refuses_rows_it_cannot_plan(bench):
    with pytest.raises(ValueError, match="not linear"):
        bench.sweep_floor("a,b\n1,1\n2,4\n3,9\n")
    with pytest.raises(ValueError, match="fits no plan"):
        bench.sweep_floor("a,b\n1,x\n2,y\n3,z\n")


def test_a_floor_writes_the_bytes_and_freezes_as_the_command_does(bench, tmp_path):
    cmd = bench.floor_script(tmp_path, "f", ["click"], "", b"a,b\n1,2\n")
    r = bench.run([sys.executable, *cmd])
    assert (r.status, r.out) == (0, b"a,b\n1,2\n")
    assert "gc.freeze()" in (tmp_path / "f.py").read_text(encoding="utf-8").splitlines()[-1]
    assert r.cpu > 0 and r.wall > 0


def test_peak_memory_is_the_commands_own_not_the_bench_process(bench, tmp_path):
    """A child forked from a grown process keeps its high-water mark: the wrapper is fresh."""
    probe = (
        "import os, sys, json\n"
        f"sys.path.insert(0, {str(ROOT / 'bench')!r})\n"
        "import bench\n"
        "grown = bytearray(300 * 2**20)\n"
        "grown[::4096] = b'x' * len(grown[::4096])\n"
        "small = [sys.executable, '-c', 'pass']\n"
        "big = [sys.executable, '-c', 'x = bytearray(150 * 2**20); x[::4096] = b\"y\" * len(x[::4096])']\n"
        f"folder = bench.Path({str(tmp_path)!r})\n"
        "print(json.dumps([bench.peak_run(sys.executable, c, folder)[2] // 1024 for c in (small, big)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    small, big = json.loads(out)
    assert small < 100  # an empty interpreter, not the 300 MB bench that started it
    assert big >= 150


def test_terminal_runs_are_on_a_terminal_and_their_rows_are_counted(bench):
    r = bench.run([sys.executable, "-c", "import os, sys; print(sys.stdout.isatty(), os.get_terminal_size().columns)"],
                  tty=True)
    assert r.out.split() == [b"True", str(bench.TTY_COLUMNS).encode()]
    rich_console = pytest.importorskip("rich.console")
    rich_table = pytest.importorskip("rich.table")
    table = rich_table.Table("variant", "MACs", title="a table")
    names = ["standard", "depthwise", "separable"]
    for i, name in enumerate(names):
        table.add_row(name, f"{i:,}", style="bold red")
    screen = io.StringIO()
    rich_console.Console(file=screen, force_terminal=True, color_system="truecolor", width=80).print(table)
    assert bench.rows_drawn(screen.getvalue(), names) == (3, 3)
    # what the terminals of issue 8 showed: the title, the header and the bottom border, no rows
    rowless = "\n".join(line for line in screen.getvalue().splitlines() if not any(n in line for n in names))
    assert bench.rows_drawn(rowless, names) == (0, 3)


def test_the_engine_figures_walk_what_they_say(bench, tmp_path):
    from liteconv_cli import load_spec, walk

    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load(bench.big_spec())
    assert sum(layer["repeat"] for layer in spec["layers"]) == 100_000
    small = tmp_path / "small.yaml"
    small.write_text(bench.big_spec(100), encoding="utf-8")
    assert len(walk(load_spec(str(small))).rows) >= 100
    timer = tmp_path / "walk_timer.py"
    timer.write_text(bench.WALK_TIMER, encoding="utf-8")
    out = subprocess.run([sys.executable, str(timer), str(ROOT / "configs" / "mobilenet_v2.yaml"), "1", "1"],
                         capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    # tests/data/peer-counts.json models.mobilenet_v2: params.total, macs_analytic.conv_plus_linear
    peer = json.loads((ROOT / "tests" / "data" / "peer-counts.json").read_text(encoding="utf-8"))
    v2 = peer["models"]["mobilenet_v2"]
    assert (got["params"], got["macs"]) == (v2["params"]["total"], v2["macs_analytic"]["conv_plus_linear"])
    assert got["seconds"] > 0
