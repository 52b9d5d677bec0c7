"""The start-up design the speed budgets rely on (bench/bench.py measures the times).

No timing here: these check what each command imports, so a change that would make start-up
slow (an eager import of rich, yaml or fractions, a command module loaded by --help) fails
at once, on any machine.
"""

from __future__ import annotations

import importlib
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


def test_bench_knows_what_it_measures():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        bench = importlib.import_module("bench")
    finally:
        sys.path.pop(0)
    kind = bench.install_kind(sys.executable)
    assert kind.startswith(("editable install", "regular install", "source tree"))
    assert bench.liteconv_cmd(sys.executable)[-1] in ("liteconv", "liteconv_cli") or "liteconv" in bench.liteconv_cmd(
        sys.executable)[0]
