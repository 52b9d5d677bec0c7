"""--explain (engine.explain): every figure of a row as its formula with numbers substituted.

The formulas are recomputed from the row's shapes, kernel and groups, apart from the code
that fills the tables; the test that matters is that they reproduce every figure of every
row of every shipped network, batch included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liteconv_cli.engine.activations import memory
from liteconv_cli.engine.explain import explain, find_row
from liteconv_cli.engine.network import walk
from liteconv_cli.engine.receptive import receptive_fields
from liteconv_cli.engine.roofline import Device, roofline
from liteconv_cli.engine.training import training
from liteconv_cli.errors import InvalidValue
from liteconv_cli.spec import load_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
SPECS = sorted(p for p in CONFIGS.glob("*.yaml"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_formula_reproduces_every_figure(spec):
    try:
        result = walk(load_spec(str(spec)))
    except Exception as e:  # a family file that needs a variant name is not a network on its own
        pytest.skip(f"{spec.name}: {e}")
    mem, fields, step = memory(result), receptive_fields(result), training(result, batch=3)
    for i in range(len(result.rows)):
        e = explain(result, i, batch=3, memory=mem.rows[i], field=fields[i], step=step.rows[i])
        bad = [line for line in e.lines if not line.checked]
        assert not bad, (result.rows[i].name, bad)
        figures = {line.figure for line in e.lines}
        if result.rows[i].cost.macs:
            assert {"MACs", "FLOPs"} <= figures


def test_resnet18_first_conv_by_hand():
    result = walk(load_spec(str(CONFIGS / "resnet18.yaml")))
    dev = Device("toy", {"fp32": 10**9}, 10**9)  # ridge 1 MAC/byte; conv1 does about 30
    mem = memory(result)
    e = explain(result, find_row(result.rows, "conv1"), memory=mem.rows[0], field=receptive_fields(result)[0],
                bound=roofline(result, mem, dev).rows[0], device=dev)
    lines = {line.figure: line for line in e.lines}
    assert lines["MACs"].numbers == "64 x 112 x 112 x (3 / 1) x 7 x 7"
    assert lines["MACs"].value == 64 * 112 * 112 * 3 * 7 * 7
    assert lines["weights"].value == 64 * 3 * 7 * 7 and lines["bn"].value == 2 * 64
    assert lines["H_out"].value == (224 + 6 - 1 * (7 - 1) - 1) // 2 + 1 == 112
    assert lines["field size (H)"].value == 1 + (7 - 1) * 1 and lines["jump (W)"].value == 2
    assert lines["moved bytes"].value == (3 * 224 * 224 + 64 * 112 * 112 + 9536) * 4
    assert lines["bound"].value.endswith("(compute-bound)")


def test_batch_is_substituted():
    result = walk(load_spec(str(CONFIGS / "mobilenet_v1.yaml")))
    e = explain(result, 0, batch=8)
    macs = next(line for line in e.lines if line.figure == "MACs")
    assert macs.formula.startswith("N x ") and macs.numbers.startswith("8 x ")
    assert macs.value == 8 * result.rows[0].cost.macs
    params = next(line for line in e.lines if line.figure == "params")
    assert params.value == result.rows[0].cost.params  # params do not scale


def test_find_row_by_name_number_and_position_or_a_hint():
    rows = walk(load_spec(str(CONFIGS / "mobilenet_v1.yaml"))).rows
    assert find_row(rows, "sep1.pointwise") == 2
    assert find_row(rows, "1") == 0 and find_row(rows, str(len(rows))) == len(rows) - 1
    assert find_row(rows, "1") == find_row(rows, "conv1")
    with pytest.raises(InvalidValue, match="sep1.pointwise"):
        find_row(rows, "sep1.pointwse")
    with pytest.raises(InvalidValue):
        find_row(rows, str(len(rows) + 1))


def test_cli_explain(run):
    r = run("network", str(CONFIGS / "resnet18.yaml"), "--explain", "conv1", "--device", "rpi4", "--training")
    assert r.exit_code == 0, r.stderr
    assert "64 x 112 x 112 x (3 / 1) x 7 x 7" in r.stdout and "118,013,952" in r.stdout
    assert "compute time" in r.stdout and "weight-gradient MACs" in r.stdout
    csv = run("network", str(CONFIGS / "resnet18.yaml"), "--explain", "2", "--format", "csv")
    assert csv.exit_code == 0 and "NO" not in csv.stdout.split("\n", 1)[1]


@pytest.mark.parametrize(("args", "code", "word"), [
    (("--explain", "conv"), 2, "conv1"),  # no such row: a usage error, with a did-you-mean
    (("--explain", "conv1", "--summary"), 2, "--explain"),
])
def test_cli_explain_errors(run, args, code, word):
    r = run("network", str(CONFIGS / "resnet18.yaml"), *args)
    assert r.exit_code == code and r.stdout == "" and r.stderr.startswith("Error:") and word in r.stderr
