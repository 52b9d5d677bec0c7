"""``liteconv network --chart``: bars of each layer's share of MACs and params.

Shares are checked against the MobileNet paper's and the PyTorch reference's figures
(arXiv:1704.04861; peer-counts.json), copied as literals.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from liteconv_cli.cli.network import CHART_WIDTH, bar, chart_rows, draw_chart
from liteconv_cli.engine.network import walk
from liteconv_cli.spec import load_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
V1 = str(CONFIGS / "mobilenet_v1.yaml")


@pytest.mark.parametrize(
    ("fraction", "width", "expected"),
    [
        (1.0, 10, "█" * 10),
        (0.5, 10, "█" * 5),
        (0.0, 10, ""),
        (1 / 2, 1, "▌"),  # half a cell: 4 eighths
        (1 / 80, 10, "▏"),  # one eighth of a cell
        (2.0, 4, "████"),  # clamped
        (-1.0, 4, ""),
    ],
)
def test_bar(fraction, width, expected):
    assert bar(fraction, width) == expected


def test_chart_rows_are_the_shares_of_rows_with_macs_or_params():
    result = walk(load_spec(V1))
    rows = chart_rows(result)
    assert len(rows) == 1 + 2 * 13 + 1  # conv1, 13 separable pairs, the FC; the pool has neither
    assert "avgpool" not in [name for _, name, _, _ in rows]
    fc = rows[-1]
    # peer-counts.json mobilenet_v1: FC 1,024,000 of 568,740,352 MACs, 1,025,000 of 4,231,976 params
    assert fc[1] == "fc" and fc[2] == pytest.approx(1_024_000 / 568_740_352)
    assert fc[3] == pytest.approx(1_025_000 / 4_231_976)
    assert sum(m for _, _, m, _ in rows) == pytest.approx(1.0)
    assert sum(p for _, _, _, p in rows) == pytest.approx(1.0)


def test_cli_chart(run):
    r = run("network", V1, "--chart")
    assert r.exit_code == 0 and r.stderr == ""
    out = r.stdout
    head, chart = out.split("MobileNetV1: each layer's share of the MACs and of the params\n")
    assert "by category" in head  # the tables come first
    lines = {line.split()[1]: line for line in chart.splitlines()[1:] if line[:1] == " " or line[:1].isdigit()}
    # the largest rows fill the bar: a 1x1 at 14x14x512 (51,380,224 MACs, 9.03%), sep9's 1x1 (1,049,600 params)
    assert "█" * CHART_WIDTH in lines["sep7.1.pointwise"] and "9.03%" in lines["sep7.1.pointwise"]
    assert lines["sep9.pointwise"].count("█") == 2 * CHART_WIDTH  # both columns full
    assert "24.22%" in lines["fc"]  # 1,025,000 / 4,231,976 of the params
    assert "avgpool" not in chart
    assert "\x1b[" not in out  # no colour when not a terminal


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown"])
def test_cli_chart_needs_the_table_format(run, fmt):
    r = run("network", V1, "--chart", "--format", fmt)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("Error: ") and "--format table" in r.stderr and r.stderr.count("\n") == 1


def test_cli_chart_and_summary_is_a_usage_error(run):
    r = run("network", V1, "--chart", "--summary")
    assert r.exit_code == 2 and r.stdout == "" and "--summary" in r.stderr


def test_cli_chart_to_a_file(run, tmp_path):
    out = tmp_path / "v1.txt"
    r = run("network", V1, "--chart", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""
    assert out.read_text() == run("network", V1, "--chart").stdout


def test_cli_chart_of_several_networks(run):
    r = run("network", V1, str(CONFIGS / "mobilenet_v2.yaml"), "--chart")
    assert r.exit_code == 0
    assert "MobileNetV1: each layer's share" in r.stdout and "MobileNetV2: each layer's share" in r.stdout


def test_rich_and_the_new_engine_modules_stay_unimported_without_their_options():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from liteconv_cli.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['network', {V1!r}, '--format', 'csv'])\n"
        "assert r.exit_code == 0, r.output\n"
        "loaded = {'rich', 'liteconv_cli.engine.activations', 'liteconv_cli.engine.conventions'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_colour_chart_is_never_cut_to_a_narrow_console():
    import io

    out = io.StringIO()
    draw_chart(walk(load_spec(str(CONFIGS / "resnet50.yaml"))), out, True)
    text = out.getvalue()
    assert "\x1b[" in text and "…" not in text  # colour, and no column cut short
    assert "layer4.1.conv2" in text
