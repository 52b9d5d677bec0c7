"""``liteconv convert``, the conversion engine (engine/convert.py) and the spec writer (spec_dump.py).

Expected figures are arithmetic written out in the test, the MobileNet paper's printed digits
(arXiv:1704.04861 Table 4) or the PyTorch measurements of tests/data/peer-counts.json,
copied here as literals; none is copied from liteconv's own output.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from liteconv_cli.engine.convert import TARGETS, convert, expand_residual, parse_target
from liteconv_cli.engine.network import NetworkCost, walk
from liteconv_cli.errors import InvalidValue
from liteconv_cli.spec import load_spec, parse_spec
from liteconv_cli.spec_dump import dump

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
CONV_MOBILENET = str(CONFIGS / "conv_mobilenet.yaml")
V1 = str(CONFIGS / "mobilenet_v1.yaml")
R50 = str(CONFIGS / "resnet50.yaml")

# peer-counts.json mobilenet_v1.alpha_1.0_res_224: params.total, macs_analytic.conv_plus_linear
V1_PARAMS, V1_MACS = 4_231_976, 568_740_352
# peer-counts.json models.resnet50
R50_PARAMS, R50_MACS = 25_557_032, 4_089_184_256

# Conv MobileNet (arXiv:1704.04861 Table 4) by hand: MobileNetV1 with each separable layer a
# full 3x3 conv. (C_in, C_out, output side) of the 13 full convs after the stem:
_CONVS = [(32, 64, 112), (64, 128, 56), (128, 128, 56), (128, 256, 28), (256, 256, 28), (256, 512, 14)] + \
    [(512, 512, 14)] * 5 + [(512, 1024, 7), (1024, 1024, 7)]
STEM_WEIGHTS, STEM_MACS = 3 * 3 * 3 * 32, 3 * 3 * 3 * 32 * 112 * 112  # 864; 10,838,016
CONV_WEIGHTS = STEM_WEIGHTS + sum(9 * i * o for i, o, _ in _CONVS)  # 28,257,120
CONV_MACS = STEM_MACS + sum(9 * i * o * s * s for i, o, s in _CONVS)  # 4,866,269,184
FC_WEIGHTS = FC_MACS = 1024 * 1000
BN = 2 * (32 + sum(o for _, o, _ in _CONVS))  # 11,968
CONV_MOBILENET_PARAMS = CONV_WEIGHTS + FC_WEIGHTS + 1000 + BN  # 29,294,088
CONV_MOBILENET_MACS = CONV_MACS + FC_MACS  # 4,867,293,184


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def costs_by_name(result: NetworkCost) -> list[tuple[str, object]]:
    return [(r.name, r.cost) for r in result.rows]


def one_error_line(r, *words: str) -> None:
    """stderr is exactly one 'Error: ...' line (no traceback) containing ``words``; stdout is empty."""
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert "Traceback" not in r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


# ---------------------------------------------------------------- Table 4: Conv MobileNet vs MobileNet


def test_hand_arithmetic_matches_errata_item_11():
    # docs/errata.md item 11: convolutions 4,866,269,184, with the FC 4,867,293,184, weights 29,281,120
    assert CONV_MACS == 4_866_269_184 and CONV_MOBILENET_MACS == 4_867_293_184
    assert CONV_WEIGHTS + FC_WEIGHTS == 29_281_120


def test_conv_mobilenet_config():
    result = walk(load_spec(CONV_MOBILENET))
    t = result.total
    assert (t.params, t.macs) == (CONV_MOBILENET_PARAMS, CONV_MOBILENET_MACS)
    assert (t.weights, t.bias, t.bn) == (CONV_WEIGHTS + FC_WEIGHTS, 1000, BN)
    fc = [r for r in result.rows if r.category == "fc"]
    assert [r.cost.macs for r in fc] == [FC_MACS]


def test_conv_mobilenet_rounds_to_the_papers_digits():
    t = walk(load_spec(CONV_MOBILENET)).total
    # Table 4 prints Conv MobileNet "4866" million Mult-Adds: the convolutions without the FC
    # (errata item 11), and "29.3" million parameters
    assert round((t.macs - FC_MACS) / 1e6) == 4866
    assert round(t.macs / 1e6) == 4867
    assert round((t.params - t.bn) / 1e5) / 10 == 29.3 and round(t.params / 1e5) / 10 == 29.3


def test_convert_conv_mobilenet_to_separable_is_mobilenet_v1():
    conversion = convert(load_spec(CONV_MOBILENET), "separable")
    converted, v1 = walk(conversion.network), walk(load_spec(V1))
    assert (converted.total.params, converted.total.macs) == (V1_PARAMS, V1_MACS)
    # row for row: same names (sep7.3.depthwise ...), same cost
    assert costs_by_name(converted) == costs_by_name(v1)
    assert conversion.kept_stem == "conv1"
    assert [c.name for c in conversion.changes] == [f"sep{i}" for i in range(1, 10)]
    # Table 4's MobileNet row: 569 million Mult-Adds, 4.2 million parameters
    assert round(converted.total.macs / 1e6) == 569 and round(converted.total.params / 1e5) / 10 == 4.2


def test_cli_convert_conv_mobilenet(run):
    r = run("convert", CONV_MOBILENET, "--to", "separable", "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    data = json.loads(r.stdout)
    meta = data["meta"]
    assert (meta["before"]["params"], meta["before"]["macs"]) == (CONV_MOBILENET_PARAMS, CONV_MOBILENET_MACS)
    assert (meta["after"]["params"], meta["after"]["macs"]) == (V1_PARAMS, V1_MACS)
    assert meta["kept_stem"] == "conv1" and meta["to"] == "separable"
    network = data["tables"]["network"]["rows"]
    assert network[1]["macs_saved"] == CONV_MOBILENET_MACS - V1_MACS
    assert network[1]["params_saved"] == CONV_MOBILENET_PARAMS - V1_PARAMS
    assert network[1]["macs_ratio"] == pytest.approx(V1_MACS / CONV_MOBILENET_MACS)
    layers = {row["name"]: row for row in data["tables"]["layers"]["rows"]}
    # sep7, repeated 5 times at 14x14, 512 -> 512, no bias, BatchNorm:
    # before 5 x (9*512*512 + 2*512); after 5 x (9*512 + 2*512 + 512*512 + 2*512)
    assert layers["sep7"]["params_before"] == 5 * (9 * 512 * 512 + 2 * 512)
    assert layers["sep7"]["params_after"] == 5 * (9 * 512 + 2 * 512 + 512 * 512 + 2 * 512)
    assert layers["sep7"]["macs_before"] == 5 * 9 * 512 * 512 * 14 * 14
    assert layers["sep7"]["macs_after"] == 5 * (9 * 512 + 512 * 512) * 14 * 14
    assert data["tables"]["layers"]["totals"]["macs_saved"] == CONV_MOBILENET_MACS - V1_MACS


def test_cli_table_shows_before_after_and_the_stem_note(run):
    r = run("convert", CONV_MOBILENET, "--to", "separable")
    assert r.exit_code == 0 and r.stderr == ""
    for text in ("4,867,293,184", "568,740,352", "29,294,088", "4,231,976", "sep7", "separable 3x3",
                 "'conv1'", "8.56x fewer MACs"):
        assert text in r.stdout, text


# ---------------------------------------------------------------- each variant, by hand

# input 16 channels (after a 1x1 from 8), 10x10; the converted conv: 3x3, 16 -> 32, stride 2 -> 5x5
TINY = """\
name: tiny
input: [8, 10, 10]
defaults: {bias: false}
layers:
  - {kind: pointwise, out: 16, name: pw}
  - {kind: conv, out: 32, stride: 2, name: c}
"""
PW_WEIGHTS, PW_MACS = 8 * 16, 8 * 16 * 100
TINY_TARGETS = {
    # target: (weights, MACs) of the replacement of c
    "separable": (16 * 9 + 16 * 32, 16 * 9 * 25 + 16 * 32 * 25),
    # the lite 1x1 runs at 10x10, the stride is on the depthwise
    "lite": (16 * 32 + 32 * 9, 16 * 32 * 100 + 32 * 9 * 25),
    "grouped:4": (32 * (16 // 4) * 9, 32 * (16 // 4) * 9 * 25),
    # vertical 3x1, stride (2, 1): 32x5x10; horizontal 1x3, stride (1, 2): 32x5x5
    "spatial": (32 * 16 * 3 + 32 * 32 * 3, 32 * 16 * 3 * 50 + 32 * 32 * 3 * 25),
    # expand 16 -> 32 at 10x10, depthwise stride 2, project 32 -> 32 at 5x5; no shortcut (stride 2)
    "inverted_residual:2": (16 * 32 + 32 * 9 + 32 * 32, 16 * 32 * 100 + 32 * 9 * 25 + 32 * 32 * 25),
}


@pytest.mark.parametrize("target", sorted(TINY_TARGETS))
def test_each_variant_by_hand(target):
    net = parse_spec(TINY)
    before = walk(net).total
    assert (before.weights, before.macs) == (PW_WEIGHTS + 32 * 16 * 9, PW_MACS + 32 * 16 * 9 * 25)
    conversion = convert(net, target, only=["c"])
    after = walk(conversion.network)
    weights, macs = TINY_TARGETS[target]
    assert (after.total.weights, after.total.macs) == (PW_WEIGHTS + weights, PW_MACS + macs)
    assert after.output == walk(net).output  # 32x5x5: the rest of the network is unchanged


def test_every_target_is_covered_by_hand():
    assert {parse_target(t).name for t in TINY_TARGETS} == set(TARGETS)


def test_separable_puts_batchnorm_and_activation_on_both_stages():
    net = parse_spec(TINY.replace("defaults: {bias: false}", "defaults: {bias: false, batchnorm: true, "
                                  "activation: relu}"))
    after = walk(convert(net, "separable", only=["c"]).network)
    rows = {r.name: r for r in after.rows}
    dw, pw = rows["c.depthwise"], rows["c.pointwise"]
    assert (dw.cost.bn, pw.cost.bn) == (2 * 16, 2 * 32)
    assert (dw.activation, pw.activation) == ("relu", "relu")
    assert (dw.cost.elementwise, pw.cost.elementwise) == (16 * 25, 32 * 25)


def test_spatial_keeps_the_stride_on_the_first_repetition():
    net = parse_spec("input: [16, 8, 8]\ndefaults: {bias: false}\nlayers:\n"
                     "  - {kind: pointwise, out: 16}\n  - {kind: conv, out: 16, stride: 2, repeat: 3, name: c}\n")
    after = walk(convert(net, "spatial").network)
    names = [r.name for r in after.rows if r.name.startswith("c.")]
    assert names == [f"c.{i}.{axis}" for i in (1, 2, 3) for axis in ("vertical", "horizontal")]
    shapes = [(r.name, str(r.output)) for r in after.rows if r.name.startswith("c.")]
    assert shapes[:2] == [("c.1.vertical", "16x4x8"), ("c.1.horizontal", "16x4x4")]
    assert all(out == "16x4x4" for _, out in shapes[2:])
    # first: 3x1 at 4x8 then 1x3 at 4x4; the other two at 4x4 throughout
    per = 16 * 16 * 3
    assert after.total.macs == 16 * 16 * 64 + per * 32 + per * 16 + 2 * (2 * per * 16)


def test_grouped_that_does_not_divide_names_the_layer():
    net = parse_spec(TINY)
    conversion = convert(net, "grouped:3", only=["c"])
    with pytest.raises(Exception) as info:
        walk(conversion.network)
    assert "'c'" in str(info.value) and "groups=3" in str(info.value)


# ---------------------------------------------------------------- selection: nesting, patterns, the stem

NESTED = """\
input: [3, 16, 16]
defaults: {bias: false, batchnorm: true, activation: relu}
layers:
  - {kind: conv, out: 8, name: stem}
  - kind: block
    name: blk
    shortcut: identity
    layers:
      - {kind: conv, out: 8, name: a}
      - {kind: conv, out: 8, kernel: 1, name: one}
      - {kind: conv, out: 8, groups: 2, name: g}
  - kind: branches
    name: br
    branches:
      - [{kind: conv, out: 4, name: b}]
      - [{kind: conv, out: 4, kernel: 5, name: b}, {kind: separable, out: 4}]
  - {kind: basic, out: 8, name: res}
"""


def test_nested_convs_are_found_and_named():
    conversion = convert(parse_spec(NESTED), "separable")
    assert [c.name for c in conversion.candidates] == ["stem", "blk.a", "br.1.b", "br.2.b", "res.conv1", "res.conv2"]
    assert [c.name for c in conversion.changes] == ["blk.a", "br.1.b", "br.2.b", "res"]
    assert conversion.changes[-1].converted == ("res.conv1", "res.conv2")
    rows = [r.name for r in walk(conversion.network).rows]
    for name in ("blk.a.depthwise", "br.1.b.pointwise", "br.2.b.depthwise", "res.conv1.depthwise",
                 "res.conv2.pointwise", "res.add"):
        assert name in rows, name
    assert "blk.one" in rows and "blk.g" in rows  # a 1x1 and a grouped conv are not standard KxK


@pytest.mark.parametrize(("patterns", "changed"), [
    (["blk.*"], ["blk.a"]),
    (["b"], ["br.1.b", "br.2.b"]),  # own name
    (["br.2.*"], ["br.2.b"]),
    (["*.conv2"], ["res"]),
    (["stem"], ["stem"]),  # a pattern that names the stem converts it
    (["*"], ["stem", "blk.a", "br.1.b", "br.2.b", "res"]),
    (["blk.a", "res.conv1"], ["blk.a", "res"]),
])
def test_only_patterns(patterns, changed):
    conversion = convert(parse_spec(NESTED), "lite", only=patterns)
    assert [c.name for c in conversion.changes] == changed
    assert conversion.kept_stem is None


def test_spatial_needs_a_kernel_larger_than_1_on_both_axes():
    net = parse_spec("input: [8, 8, 8]\nlayers:\n  - {kind: pointwise, out: 8}\n"
                     "  - {kind: conv, out: 8, kernel: [1, 7], name: row}\n"
                     "  - {kind: conv, out: 8, kernel: 5, name: sq}\n")
    assert [c.name for c in convert(net, "spatial").changes] == ["sq"]
    assert [c.name for c in convert(net, "separable").changes] == ["row", "sq"]
    with pytest.raises(InvalidValue):
        convert(net, "spatial", only=["row"])


def test_a_pattern_matching_nothing_is_an_error():
    with pytest.raises(InvalidValue) as info:
        convert(parse_spec(NESTED), "lite", only=["blk.*", "nope*"])
    assert info.value.field == "only" and info.value.value == "nope*"
    assert "stem, blk.a" in info.value.reason


def test_converting_twice_changes_nothing_more():
    for target in TARGETS:
        t = f"{target}:2" if TARGETS[target].required else target
        once = convert(load_spec(CONV_MOBILENET), t).network
        twice = convert(once, t)
        assert twice.changes == () and twice.network.layers == once.layers


# ---------------------------------------------------------------- basic and bottleneck as blocks


def test_expanding_resnet50_changes_no_cost():
    net = load_spec(R50)
    plain, expanded = walk(net), walk(expand_residual(net))
    assert (expanded.total.params, expanded.total.macs) == (R50_PARAMS, R50_MACS)
    assert costs_by_name(expanded) == costs_by_name(plain)


BASIC = """\
input: [16, 9, 9]
defaults: {bias: false, batchnorm: true, activation: relu}
layers:
  - {kind: basic, out: 16, repeat: 2, name: s1}
  - {kind: basic, out: 32, stride: 2, repeat: 3, name: s2}
  - {kind: basic, out: 32, stride: 2, shortcut: identity, name: s3}
  - {kind: bottleneck, mid: 8, out: 64, groups: 2, stride: 2, name: s4}
  - {kind: basic, out: 64, kernel: [3, 5], shortcut: none, activation: relu6, name: s5}
"""


def test_expanding_basic_and_bottleneck_changes_no_cost():
    net = parse_spec(BASIC)
    plain, expanded = walk(net), walk(expand_residual(net))
    assert costs_by_name(expanded) == costs_by_name(plain)
    assert expanded.total == plain.total and expanded.output == plain.output
    # by hand, s1.1: two 3x3 16 -> 16 at 9x9 with BatchNorm, identity shortcut
    s1 = [r for r in plain.rows if r.name.startswith("s1.1.")]
    assert sum(r.cost.params for r in s1) == 2 * (9 * 16 * 16 + 2 * 16)
    assert sum(r.cost.macs for r in s1) == 2 * 9 * 16 * 16 * 81


def test_converted_resnet50_round_trips(tmp_path, run):
    out = tmp_path / "r50.yaml"
    r = run("convert", R50, "--to", "separable", "--only", "layer3.*", "--format", "csv", "-o", str(out))
    assert r.exit_code == 0 and r.stderr == ""
    (row,) = csv_rows(r.stdout)
    assert row["name"] == "layer3" and row["after"] == "block (conv2 -> separable)"
    # layer3: six 3x3 256 -> 256 convs at 14x14 (the first strided from 28x28), bias-free, BatchNorm
    assert int(row["macs_before"]) - int(row["macs_after"]) == 6 * (9 * 256 * 256 - 9 * 256 - 256 * 256) * 14 * 14
    assert int(row["params_before"]) - int(row["params_after"]) == 6 * (9 * 256 * 256 - 9 * 256 - 256 * 256 - 2 * 256)
    back = run("network", str(out), "--summary", "--format", "csv")
    assert back.exit_code == 0 and back.stderr == ""
    (summary,) = csv_rows(back.stdout)
    saved_macs = int(row["macs_before"]) - int(row["macs_after"])
    saved_params = int(row["params_before"]) - int(row["params_after"])
    assert (int(summary["params"]), int(summary["macs"])) == (R50_PARAMS - saved_params, R50_MACS - saved_macs)


# ---------------------------------------------------------------- -o FILE: the YAML round trip


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_dump_reads_back_to_the_same_network(name):
    net = load_spec(str(CONFIGS / name))
    again = parse_spec(dump(net), source_name="dumped")
    assert _strip(again.layers) == _strip(net.layers)
    assert again._replace(layers=(), origin=None) == net._replace(layers=(), origin=None)
    assert costs_by_name(walk(again)) == costs_by_name(walk(net))


def _strip(x):
    """Layer records with their origin (file and line) left out."""
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[None if f == "origin" else _strip(v) for f, v in zip(x._fields, x, strict=True)])
    if isinstance(x, tuple):
        return tuple(_strip(v) for v in x)
    return x


@pytest.mark.parametrize("target", ["separable", "lite", "grouped:2", "spatial", "inverted_residual:3"])
@pytest.mark.parametrize("spec", [CONV_MOBILENET, R50, NESTED, BASIC])
def test_converted_spec_reads_back_to_the_same_numbers(spec, target):
    net = load_spec(spec) if spec.endswith(".yaml") else parse_spec(spec)
    # everything, the stem included; but two groups cannot split a 3-channel stem, so grouped keeps it
    conversion = convert(net, target, only=[] if target.startswith("grouped") else ["*"])
    assert conversion.changes
    converted = walk(conversion.network)
    assert converted.total != walk(net).total
    again = walk(parse_spec(dump(conversion.network), source_name="converted"))
    assert costs_by_name(again) == costs_by_name(converted)


def test_cli_output_file_round_trips(tmp_path, run):
    out = tmp_path / "mobilenet.yaml"
    r = run("convert", CONV_MOBILENET, "--to", "separable", "-o", str(out))
    assert r.exit_code == 0 and r.stderr == "" and "568,740,352" in r.stdout
    text = out.read_text()
    assert text.startswith("# Converted by `liteconv convert")
    back = run("network", str(out), "--summary", "--format", "csv")
    assert back.exit_code == 0 and back.stderr == ""
    (row,) = csv_rows(back.stdout)
    assert (int(row["params"]), int(row["macs"]), int(row["layers"])) == (V1_PARAMS, V1_MACS, 28)


def test_cli_output_dash_writes_the_yaml_to_stdout(run):
    r = run("convert", CONV_MOBILENET, "--to", "separable", "-o", "-")
    assert r.exit_code == 0 and r.stderr == ""
    back = run("network", "-", "--summary", "--format", "csv", input=r.stdout)
    assert back.exit_code == 0, back.stderr
    (row,) = csv_rows(back.stdout)
    assert (int(row["params"]), int(row["macs"])) == (V1_PARAMS, V1_MACS)


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_every_format(run, fmt):
    r = run("convert", CONV_MOBILENET, "--to", "grouped:2", "--format", fmt)
    assert r.exit_code == 0 and r.stderr == ""
    if fmt == "csv":
        rows = csv_rows(r.stdout)
        assert len(rows) == 9 and rows[0]["name"] == "sep1"
        # sep1: 32 -> 64 at 112x112, two groups halve the weights and the MACs
        assert (int(rows[0]["macs_before"]), int(rows[0]["macs_after"])) == (9 * 32 * 64 * 112 * 112,
                                                                             9 * 16 * 64 * 112 * 112)
    elif fmt == "json":
        assert set(json.loads(r.stdout)["tables"]) == {"layers", "network"}
    else:
        assert "sep9" in r.stdout


def test_nothing_to_convert_is_not_an_error(run):
    r = run("convert", V1, "--to", "separable")
    assert r.exit_code == 0 and r.stderr == ""
    assert "Nothing to convert" in r.stdout and "568,740,352" in r.stdout


# ---------------------------------------------------------------- errors: one line, no file left


def test_grouped_that_does_not_divide_is_one_line_and_leaves_no_file(tmp_path, run):
    out = tmp_path / "out.yaml"
    r = run("convert", CONV_MOBILENET, "--to", "grouped:3", "-o", str(out))
    assert r.exit_code == 1
    # sep1 is the first converted layer: its input has 32 channels
    one_error_line(r, "grouped:3", "'sep1'", "groups=3", "32")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_keeps_an_existing_file(tmp_path, run):
    out = tmp_path / "out.yaml"
    out.write_text("keep me\n")
    r = run("convert", CONV_MOBILENET, "--to", "grouped:3", "-o", str(out))
    assert r.exit_code == 1 and out.read_text() == "keep me\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


@pytest.mark.parametrize(("args", "words"), [
    (["--to", "separable", "--only", "nope*"], ["'--only'", "nope*", "conv1"]),
    (["--to", "separable", "--only", "sep*", "--only", "typo"], ["'--only'", "typo"]),
    (["--to", "depthwise"], ["'--to'", "separable"]),
    (["--to", "grouped"], ["'--to'", "grouped:G"]),
    (["--to", "grouped:1"], ["'--to'", "at least 2"]),
    (["--to", "grouped:x"], ["'--to'"]),
    (["--to", "lite:2"], ["'--to'", "no parameter"]),
    ([], ["--to"]),
])
def test_usage_errors_exit_2(tmp_path, run, args, words):
    out = tmp_path / "out.yaml"
    r = run("convert", CONV_MOBILENET, *args, "-o", str(out))
    assert r.exit_code == 2
    one_error_line(r, *words)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_spec_is_one_line_exit_1(tmp_path, run):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [3, 8, 8]\nlayers:\n  - {kind: conv, out: 4, strde: 2}\n")
    r = run("convert", str(bad), "--to", "separable")
    assert r.exit_code == 1
    one_error_line(r, "bad.yaml:3", "strde")


def test_help_has_examples_and_every_target(run):
    r = run("convert", "--help")
    assert r.exit_code == 0 and "Examples:" in r.stdout
    for name, kind in TARGETS.items():
        assert kind.usage(name) in r.stdout and kind.help in r.stdout


def test_the_engine_imports_neither_click_nor_yaml_nor_rich():
    code = ("import sys, liteconv_cli.engine.convert; "
            "print(sorted(m for m in ('click', 'yaml', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
