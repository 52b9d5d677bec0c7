"""Every shipped spec in configs/, through the library and the CLI, against independent figures.

The network figures are exact counts measured on the real PyTorch models:
tests/data/peer-counts.json (torch 2.13, torchvision 0.28 with ``weights=None``,
input 1x3x224x224; MobileNetV1 written from arXiv:1704.04861 Table 1). They are copied here
as literals; tests/test_reference_data.py checks these tables against that file. ``params``
is ``params.total``, which is torchvision's ``num_params``. ``macs`` is ``macs_analytic.conv_plus_linear``: conv + FC
multiply-accumulates with bias excluded, which is torchvision's "GFLOPS". The seed examples
are the seed's own arithmetic. docs/networks.md explains each spec and each figure.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from liteconv_cli.engine.network import NetworkCost, walk
from liteconv_cli.spec import load_spec, parse_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

# file -> (params, MACs at the spec's own input size)
EXPECTED: dict[str, tuple[int, int]] = {
    # peer-counts.json mobilenet_v1.alpha_1.0_res_224: params.total, macs_analytic.conv_plus_linear
    "mobilenet_v1.yaml": (4_231_976, 568_740_352),
    # arXiv:1704.04861 Table 4 "Conv MobileNet", by hand (tests/test_convert.py spells it out):
    # weights 864 + 9 * 3,139,584 (the 13 full 3x3 convs) + 1,024,000 FC = 29,281,120;
    # + 1,000 FC bias + 11,968 BatchNorm (64 + 2 * 5,952 output channels). MACs 4,866,269,184
    # convolutions (10,838,016 + 9 * 539,492,352) + 1,024,000 FC (the paper prints 4866M, the
    # convolutions only: docs/errata.md item 11).
    "conv_mobilenet.yaml": (864 + 9 * 3_139_584 + 1_024_000 + 1_000 + 11_968, 10_838_016 + 9 * 539_492_352 + 1_024_000),
    # peer-counts.json models.mobilenet_v2 (torchvision num_params 3,504,872, 0.301 GFLOPS)
    "mobilenet_v2.yaml": (3_504_872, 300_774_272),
    # peer-counts.json models.resnet50 (torchvision num_params 25,557,032, 4.089 GFLOPS)
    "resnet50.yaml": (25_557_032, 4_089_184_256),
    # peer-counts.json models.vgg16 (torchvision num_params 138,357,544, 15.47 GFLOPS)
    "vgg16.yaml": (138_357_544, 15_470_264_320),
    # peer-counts.json models.efficientnet_b0 (torchvision num_params 5,288,548, 0.386 GFLOPS)
    "efficientnet_b0.yaml": (5_288_548, 385_814_752),
    # seed 003 (003_d82c6a728b273adc.txt), no padding, no bias, stride 1. The seed prints
    # 580,800,000 for the 5x5 (a factor-10 slip) and 42,199,488 for the pair (3 input
    # channels given to the second conv); see test_seed003_errata.
    "seed003_5x5.yaml": (3 * 5 * 5 * 16, 220 * 220 * 3 * 5 * 5 * 16),  # 58,080,000
    "seed003_two_3x3.yaml": (
        3 * 3 * 3 * 16 + 3 * 3 * 16 * 16,
        222 * 222 * 3 * 3 * 3 * 16 + 220 * 220 * 3 * 3 * 16 * 16,  # 21,290,688 + 111,513,600
    ),
    "seed003_28x28x8_standard.yaml": (3 * 3 * 8 * 16, 26 * 26 * 3 * 3 * 8 * 16),  # 778,752
    "seed003_28x28x8_separable.yaml": (3 * 3 * 8 + 8 * 16, 26 * 26 * 3 * 3 * 8 + 26 * 26 * 8 * 16),  # 135,200
}
# illustrations with no published figure; each has its own structural test below
ILLUSTRATIONS = {"osnet_lite_example.yaml"}
#: specs checked against PyTorch at several sizes by tests/test_graph_specs.py (tests/data/oracle-counts.json)
GRAPH_SPECS = {"unet.yaml", "fpn_resnet18.yaml", "m5.yaml"}

# peer-counts.json per-category figures. MACs by kind are macs_analytic.conv_by_kind plus
# macs_analytic.linear. Weights + bias by kind are params_conv_by_kind (conv weights and
# bias, BatchNorm excluded) plus params.linear. bn is params.bn, conv_bias is params.conv_bias.
# layers counts conv and linear modules (layer_counts).
BY_CATEGORY: dict[str, dict[str, dict[str, int]]] = {
    "resnet50.yaml": {
        "macs": {"standard": 1_967_702_016, "pointwise": 2_119_434_240, "depthwise": 0, "grouped": 0,
                 "fc": 2_048_000},
        "weights_bias": {"standard": 11_326_656, "pointwise": 12_128_256, "depthwise": 0, "grouped": 0,
                         "fc": 2_049_000},
        "layers": {"standard": 17, "pointwise": 36, "depthwise": 0, "grouped": 0, "fc": 1},
        "bn": {"total": 53_120},
        "conv_bias": {"total": 0},
    },
    "vgg16.yaml": {
        "macs": {"standard": 15_346_630_656, "pointwise": 0, "depthwise": 0, "grouped": 0, "fc": 123_633_664},
        "weights_bias": {"standard": 14_714_688, "pointwise": 0, "depthwise": 0, "grouped": 0,
                         "fc": 123_642_856},
        "layers": {"standard": 13, "pointwise": 0, "depthwise": 0, "grouped": 0, "fc": 3},
        "bn": {"total": 0},
        "conv_bias": {"total": 4_224},
    },
    "efficientnet_b0.yaml": {
        "macs": {"standard": 10_838_016, "pointwise": 339_164_672, "depthwise": 34_532_064, "grouped": 0,
                 "fc": 1_280_000},
        "weights_bias": {"standard": 864, "pointwise": 3_782_652, "depthwise": 182_016, "grouped": 0,
                         "fc": 1_281_000},
        "layers": {"standard": 1, "pointwise": 64, "depthwise": 16, "grouped": 0, "fc": 1},
        "bn": {"total": 42_016},
        # the squeeze-and-excitation 1x1 convolutions are the only convolutions with bias
        "conv_bias": {"total": 9_340},
    },
    "mobilenet_v1.yaml": {
        "macs": {"standard": 10_838_016, "pointwise": 539_492_352, "depthwise": 17_385_984, "grouped": 0,
                 "fc": 1_024_000},
        "weights_bias": {"standard": 864, "pointwise": 3_139_584, "depthwise": 44_640, "grouped": 0,
                         "fc": 1_025_000},
        "layers": {"standard": 1, "pointwise": 13, "depthwise": 13, "grouped": 0, "fc": 1},
        "bn": {"total": 21_888},
        "conv_bias": {"total": 0},
    },
    "mobilenet_v2.yaml": {
        "macs": {"standard": 10_838_016, "pointwise": 267_939_840, "depthwise": 20_716_416, "grouped": 0,
                 "fc": 1_280_000},
        "weights_bias": {"standard": 864, "pointwise": 2_124_672, "depthwise": 64_224, "grouped": 0,
                         "fc": 1_281_000},
        "layers": {"standard": 1, "pointwise": 34, "depthwise": 17, "grouped": 0, "fc": 1},
        "bn": {"total": 34_112},
        "conv_bias": {"total": 0},
    },
}
CATEGORY_KEYS = ("standard", "pointwise", "depthwise", "grouped", "fc")


def shipped() -> list[str]:
    return sorted(p.name for p in CONFIGS.glob("*.yaml"))


def zoo_checked() -> set[str]:
    """Spec files whose every network is a record of tests/data/zoo-counts.json, which
    tests/test_zoo.py (every catalogue entry) and tests/test_zoo_specs.py check them against."""
    import json

    from liteconv_cli import zoo

    truth = json.loads((Path(__file__).resolve().parent / "data" / "zoo-counts.json").read_text())["models"]
    files: dict[str, bool] = {}
    for e in zoo.catalogue():
        files[e["file"]] = files.get(e["file"], True) and e["name"] in truth
    return {f for f, ok in files.items() if ok}


def evaluate(name: str) -> NetworkCost:
    return walk(load_spec(str(CONFIGS / name)))


# Specs written from docs/spec.md alone (a check that the docs suffice), against torchvision's
# published figures: num_params exactly, and "GFLOPS" (conv + FC MACs) to the digits printed in
# the torchvision model docs' tables.
PUBLISHED: dict[str, tuple[int, float]] = {
    "resnet18.yaml": (11_689_512, 1.81),
    "squeezenet1_1.yaml": (1_235_496, 0.35),
    "shufflenet_v2_x1_0.yaml": (2_278_604, 0.14),
}


def test_every_shipped_config_has_figures():
    names = set(shipped())
    assert names, f"no specs found in {CONFIGS}"
    known = set(EXPECTED) | set(PUBLISHED) | ILLUSTRATIONS | GRAPH_SPECS | zoo_checked()
    assert names - known == set(), "a new config needs figures in EXPECTED or PUBLISHED"
    assert known <= names, "a config listed here is missing from configs/"


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_specs_written_from_the_docs_match_torchvision(name):
    params, gflops = PUBLISHED[name]
    result = evaluate(name)
    assert result.total.params == params
    assert round(result.total.macs / 1e9, 2) == gflops
    assert str(result.output) == "1000x1x1"


def test_resnet18_macs_by_hand():
    # conv + FC by hand: stem 7x7/2 3->64 at 112x112; layer1: four 3x3 64->64 at 56x56; layers 2-4
    # each: 3x3/2 + 3x3 + 1x1/2 projection + two 3x3 (the same count at every stage); FC 512 -> 1000
    stem = 64 * 112 * 112 * 3 * 7 * 7
    layer1 = 4 * 64 * 64 * 9 * 56 * 56
    stage = 64 * 128 * 9 * 28 * 28 + 3 * 128 * 128 * 9 * 28 * 28 + 64 * 128 * 28 * 28
    assert evaluate("resnet18.yaml").total.macs == stem + layer1 + 3 * stage + 512 * 1000 == 1_814_073_344


# ---------------------------------------------------------------- totals, through the library


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_totals_through_the_library(name):
    params, macs = EXPECTED[name]
    result = evaluate(name)
    assert (result.total.params, result.total.macs) == (params, macs)


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if not n.startswith("seed")])
def test_imagenet_networks_end_in_1000_classes(name):
    result = evaluate(name)
    assert (result.input.c, result.input.h, result.input.w) == (3, 224, 224)
    assert (result.output.c, result.output.h, result.output.w) == (1000, 1, 1)


# ---------------------------------------------------------------- totals, through the CLI


@pytest.fixture(scope="module")
def summary_rows() -> dict[str, dict[str, str]]:
    """`liteconv network configs/*.yaml --summary --format csv`, parsed, by file name."""
    from click.testing import CliRunner

    from liteconv_cli.cli import cli

    paths = [str(CONFIGS / n) for n in shipped()]
    r = CliRunner().invoke(cli, ["network", *paths, "--summary", "--format", "csv"], catch_exceptions=False)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == len(paths)
    return {Path(row["file"]).name: row for row in rows}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_totals_through_the_cli_summary_csv(name, summary_rows):
    params, macs = EXPECTED[name]
    row = summary_rows[name]
    assert (int(row["params"]), int(row["macs"])) == (params, macs)
    assert int(row["weights"]) + int(row["bias"]) + int(row["bn"]) == params


@pytest.mark.parametrize("name", sorted(ILLUSTRATIONS))
def test_illustrations_run_through_the_cli(name, summary_rows):
    row = summary_rows[name]
    assert int(row["params"]) > 0 and int(row["macs"]) > 0


# ---------------------------------------------------------------- per category


def _category_sums(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """MACs, weights + bias and row count per category; BatchNorm and conv bias totals."""
    out: dict[str, dict[str, int]] = {"macs": {}, "weights_bias": {}, "layers": {}, "bn": {}, "conv_bias": {}}
    for k in CATEGORY_KEYS:
        out["macs"][k] = out["weights_bias"][k] = out["layers"][k] = 0
    out["bn"]["total"] = out["conv_bias"]["total"] = 0
    for r in rows:
        cat = str(r["category"])
        weights, bias, bn, macs = (int(r[k]) for k in ("weights", "bias", "bn", "macs"))
        out["bn"]["total"] += bn
        if cat not in CATEGORY_KEYS:
            assert weights == bias == macs == 0, r
            continue
        out["macs"][cat] += macs
        out["weights_bias"][cat] += weights + bias
        out["layers"][cat] += 1
        if cat != "fc":
            out["conv_bias"]["total"] += bias
    return out


@pytest.mark.parametrize("name", sorted(BY_CATEGORY))
def test_by_category_through_the_library(name):
    result = evaluate(name)
    rows = [{"category": r.category, **r.cost.as_dict()} for r in result.rows]
    assert _category_sums(rows) == BY_CATEGORY[name]
    # the engine's own breakdown agrees with the rows
    breakdown = {b.category: b for b in result.breakdown()}
    for cat, macs in BY_CATEGORY[name]["macs"].items():
        assert (breakdown[cat].cost.macs if cat in breakdown else 0) == macs, cat


@pytest.mark.parametrize("name", sorted(BY_CATEGORY))
def test_by_category_through_the_cli_layer_csv(name, run):
    r = run("network", str(CONFIGS / name), "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert _category_sums(rows) == BY_CATEGORY[name]


def test_efficientnet_squeeze_uses_block_input_channels():
    # torchvision MBConv: squeeze_channels = max(1, input_channels // 4), input_channels being
    # the block's input (16 for the first block of stage 2, expanded to 96), and SE convs have bias
    result = evaluate("efficientnet_b0.yaml")
    reduce = next(r for r in result.rows if r.name == "stage2.1.se.reduce")
    assert (reduce.input.c, reduce.output.c) == (96, 16 // 4)
    assert (reduce.cost.weights, reduce.cost.bias) == (96 * 4, 4)


def test_resnet50_projection_shortcuts():
    # torchvision's downsample: one per stage, in the first block (layer1.0 changes 64 -> 256 at stride 1)
    result = evaluate("resnet50.yaml")
    shortcuts = [(r.name, r.input.c, r.output.c, r.stride) for r in result.rows if r.name.endswith(".shortcut")]
    assert shortcuts == [
        ("layer1.1.shortcut", 64, 256, (1, 1)),
        ("layer2.1.shortcut", 256, 512, (2, 2)),
        ("layer3.1.shortcut", 512, 1024, (2, 2)),
        ("layer4.1.shortcut", 1024, 2048, (2, 2)),
    ]


# ---------------------------------------------------------------- seed 003


def _conv_macs(name: str) -> list[int]:
    return [r.cost.macs for r in evaluate(name).rows if r.op == "conv"]


def test_seed003_rows():
    assert _conv_macs("seed003_5x5.yaml") == [220 * 220 * 3 * 5 * 5 * 16]
    assert _conv_macs("seed003_two_3x3.yaml") == [222 * 222 * 3 * 3 * 3 * 16, 220 * 220 * 3 * 3 * 16 * 16]
    assert _conv_macs("seed003_28x28x8_standard.yaml") == [26 * 26 * 3 * 3 * 8 * 16]
    sep = [(r.category, r.cost.macs) for r in evaluate("seed003_28x28x8_separable.yaml").rows]
    assert sep == [("depthwise", 26 * 26 * 3 * 3 * 8), ("pointwise", 26 * 26 * 8 * 16)]  # 48,672 + 86,528


def test_seed003_errata():
    five = evaluate("seed003_5x5.yaml").total.macs
    pair = _conv_macs("seed003_two_3x3.yaml")
    # the seed prints 580,800,000 for 220*220*3*5*5*16: ten times the product it writes
    assert five == 58_080_000 and 10 * five == 580_800_000
    # the seed's 42,199,488 costs the second 3x3 with 3 input channels; the map it reads has 16
    assert pair[0] + 220 * 220 * 3 * 3 * 3 * 16 == 42_199_488
    assert sum(pair) == 132_804_288
    # so on an RGB image the 3x3 pair costs more than the 5x5, not less
    assert sum(pair) > five


def test_seed003_rule_holds_with_equal_channels():
    # the "two 3x3 are cheaper than one 5x5" rule needs C_in = C_out: 18 C^2 vs 25 C^2 per position
    spec = """
input: [16, 224, 224]
defaults: {bias: false}
layers:
  - {kind: conv, out: 16, kernel: %s, padding: valid}
"""
    five = walk(parse_spec(spec % 5)).total.macs
    pair = walk(parse_spec(spec % 3 + "  - {kind: conv, out: 16, kernel: 3, padding: valid}\n")).total.macs
    assert five == 220 * 220 * 5 * 5 * 16 * 16  # 309,760,000
    assert pair == 222 * 222 * 3 * 3 * 16 * 16 + 220 * 220 * 3 * 3 * 16 * 16  # 225,063,936
    assert pair < five


def test_seed003_separable_ratio():
    # seed 003: the separable arm needs 1/C_out + 1/K^2 of the standard MACs (an 82.6% reduction)
    standard = evaluate("seed003_28x28x8_standard.yaml").total.macs
    separable = evaluate("seed003_28x28x8_separable.yaml").total.macs
    assert separable * 16 * 9 == standard * (9 + 16)


# ---------------------------------------------------------------- the OSNet illustration


def _lite_pairs(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(pointwise, depthwise) row pairs of every `lite` layer, in order."""
    lite = [r for r in rows if r["kind"] == "lite"]
    assert len(lite) % 2 == 0
    pairs = list(zip(lite[::2], lite[1::2], strict=True))
    for pw, dw in pairs:
        assert str(pw["name"]).endswith(".pointwise") and str(dw["name"]).endswith(".depthwise")
    return pairs


def _check_lite(pw: dict[str, Any], dw: dict[str, Any]) -> tuple[int, int, int]:
    c_in, c_out, k = int(pw["in_c"]), int(pw["out_c"]), int(dw["k"])
    assert (pw["category"], dw["category"]) == ("pointwise", "depthwise")
    assert int(dw["out_c"]) == c_out
    weights_bias = sum(int(r[f]) for r in (pw, dw) for f in ("weights", "bias"))
    if int(pw["bias"]):
        # seed 000's lite formula, bias on both convolutions
        assert weights_bias == (c_in + 1) * c_out + (k * k + 1) * c_out
    else:
        assert weights_bias == c_in * c_out + k * k * c_out
    # OSNet's LightConv3x3: one BatchNorm, after the depthwise convolution
    assert (int(pw["bn"]), int(dw["bn"])) == (0, 2 * c_out)
    return c_in, c_out, weights_bias


def _library_rows(name: str) -> list[dict[str, Any]]:
    return [
        {"name": r.name, "kind": r.kind, "category": r.category, "in_c": r.input.c, "out_c": r.output.c,
         "k": r.kernel[0] if r.kernel else 0, **r.cost.as_dict()}
        for r in evaluate(name).rows
    ]


def test_osnet_lite_rows_follow_the_seed_formula_through_the_library():
    pairs = _lite_pairs(_library_rows("osnet_lite_example.yaml"))
    checked = {(pw["name"], *_check_lite(pw, dw)) for pw, dw in pairs}
    # seed 000's two worked examples, 64 -> 64 and 64 -> 128 with bias
    assert ("lite_64_to_64.pointwise", 64, 64, 4_800) in checked
    assert ("lite_64_to_128.pointwise", 64, 128, 9_600) in checked  # 8,320 + 1,280
    assert any(not int(pw["bias"]) for pw, _ in pairs)  # bias-free ones too
    assert len(pairs) == 2 + 1 + 2 + 3 + 4


def test_osnet_lite_rows_follow_the_seed_formula_through_the_cli(run):
    r = run("network", str(CONFIGS / "osnet_lite_example.yaml"), "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    for row in rows:
        row["in_c"] = row["input"].split("x")[0]
        row["k"] = row["kernel"] or "0"
    pairs = _lite_pairs(rows)
    sums = {pw["name"]: _check_lite(pw, dw)[2] for pw, dw in pairs}
    assert sums["lite_64_to_64.pointwise"] == (64 + 1) * 64 + (3 * 3 + 1) * 64
    assert sums["lite_64_to_128.pointwise"] == (64 + 1) * 128 + (3 * 3 + 1) * 128
    assert rows[-1]["output"] == "751x1x1"
