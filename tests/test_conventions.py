"""Counting conventions (engine.conventions and ``network --convention``).

Every expected total is the number the tool printed for the real PyTorch model, copied from
tests/data/peer-counts.json (its JSON path in a comment); the element counts are
that file's ``elementwise_counts``. Nothing here is read from our own output.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from liteconv_cli.cli.network import CONVENTIONS
from liteconv_cli.engine.conventions import PROFILES, quantities
from liteconv_cli.engine.network import walk
from liteconv_cli.spec import load_spec, parse_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

# network -> profile -> what the tool printed (peer-counts.json, path in the comment)
PRINTED: dict[str, dict[str, int]] = {
    "mobilenet_v1": {  # mobilenet_v1.alpha_1.0_res_224
        "paper": 568_740_352,  # .macs_analytic.conv_plus_linear
        "fvcore": 578_875_904,  # .fvcore.total
        "ptflops": 589_012_456,  # .ptflops.default.macs
        "ptflops-aten": 568_741_352,  # .ptflops.aten.macs
        "thop": 588_962_304,  # .thop.macs
        "torchinfo": 568_763_240,  # .torchinfo.total_mult_adds
    },
    "mobilenet_v2": {  # models.mobilenet_v2
        "paper": 300_774_272,  # .macs_analytic.conv_plus_linear
        "fvcore": 314_193_216,  # .fvcore.total
        "ptflops": 320_300_008,  # .ptflops.default.macs
        "ptflops-aten": 300_775_272,  # .ptflops.aten.macs
        "thop": 327_486_720,  # .thop.macs
        "torchinfo": 300_809_384,  # .torchinfo.total_mult_adds
    },
    "resnet50": {  # models.resnet50
        "paper": 4_089_184_256,  # .macs_analytic.conv_plus_linear
        "fvcore": 4_111_512_576,  # .fvcore.total
        "ptflops": 4_132_436_968,  # .ptflops.default.macs
        "ptflops-aten": 4_089_185_256,  # .ptflops.aten.macs
        "thop": 4_133_742_592,  # .thop.macs
        "torchinfo": 4_089_238_376,  # .torchinfo.total_mult_adds
    },
    "vgg16": {  # models.vgg16
        "paper": 15_470_264_320,  # .macs_analytic.conv_plus_linear
        "fvcore": 15_470_289_408,  # .fvcore.total
        "ptflops": 15_523_225_576,  # .ptflops.default.macs
        "ptflops-aten": 15_483_821_032,  # .ptflops.aten.macs
        "thop": 15_470_314_496,  # .thop.macs
        "torchinfo": 15_483_821_032,  # .torchinfo.total_mult_adds
    },
    "efficientnet_b0": {  # models.efficientnet_b0
        "paper": 385_814_752,  # .macs_analytic.conv_plus_linear
        "fvcore": 401_659_392,  # .fvcore.total
        "ptflops": 410_196_896,  # .ptflops.default.macs
        "ptflops-aten": 385_825_092,  # .ptflops.aten.macs
        "thop": 415_145_024,  # .thop.macs
        "torchinfo": 385_867_108,  # .torchinfo.total_mult_adds
    },
}

# torchvision's MobileNetV2 pools with the function F.adaptive_avg_pool2d(x, (1, 1)), not an
# nn.AdaptiveAvgPool2d module (peer-counts.json models.mobilenet_v2.elementwise_counts
# .pool_input_elements is {}): its spec marks the pool `functional: true`, so ptflops counts it
# once (its patched F.adaptive_avg_pool2d) instead of twice, and thop not at all. With the mark
# every profile equals what the tool printed, with nothing left over.
POOL_IN, POOL_OUT = 1280 * 7 * 7, 1280
RESIDUAL: dict[tuple[str, str], int] = {}

_WALKS: dict[str, object] = {}


def walked(name: str):
    if name not in _WALKS:
        _WALKS[name] = walk(load_spec(str(CONFIGS / f"{name}.yaml")))
    return _WALKS[name]


@pytest.mark.parametrize(
    ("network", "convention"),
    [(n, p) for n, tools in PRINTED.items() for p in tools],
    ids=lambda v: v,
)
def test_each_profile_reproduces_what_the_tool_printed(network, convention):
    total = PROFILES[convention].total(walked(network).rows)
    assert total == PRINTED[network][convention] + RESIDUAL.get((network, convention), 0)


# elementwise_counts of peer-counts.json: the quantities the tools weigh
ELEMENTWISE = {
    "mobilenet_v1": {"bn_elements": 5_042_688, "act:relu": 5_042_688,
                     "pool_in:adaptive_avg_pool": 50_176, "pool_out:adaptive_avg_pool": 1_024},
    "mobilenet_v2": {"bn_elements": 6_678_112, "act:relu6": 6_105_792,  # the pool is functional: no module
                     "fn:pool_in:adaptive_avg_pool": POOL_IN, "fn:pool_out:adaptive_avg_pool": POOL_OUT},
    "resnet50": {"bn_elements": 11_113_984, "act:relu": 9_608_704,
                 "pool_in:adaptive_avg_pool": 100_352, "pool_in:max_pool": 802_816,
                 "pool_out:adaptive_avg_pool": 2_048, "pool_out:max_pool": 200_704},
    "vgg16": {"act:relu": 13_555_712, "pool_in:adaptive_avg_pool": 25_088, "pool_in:max_pool": 6_121_472,
              "pool_out:adaptive_avg_pool": 25_088, "pool_out:max_pool": 1_530_368},
    "efficientnet_b0": {"bn_elements": 6_737_696, "act:silu": 6_157_916, "act:sigmoid": 8_960,
                        "pool_in:adaptive_avg_pool": 2_369_248, "pool_out:adaptive_avg_pool": 10_240},
}


@pytest.mark.parametrize("network", list(ELEMENTWISE))
def test_quantities_equal_the_reference_element_counts(network):
    acc: dict[str, int] = {}
    for row in walked(network).rows:
        for k, v in quantities(row).items():
            acc[k] = acc.get(k, 0) + v
    for key, expected in ELEMENTWISE[network].items():
        assert acc.get(key, 0) == expected, key
    assert not {k for k in acc if k.startswith(("act:", "pool_in:", "fn:pool_in:", "fn:act:"))} - set(ELEMENTWISE[network])


def test_mobilenet_v1_terms_by_hand():
    # docs/conventions.md: every printed figure decomposes into these (peer-counts.json mobilenet_v1)
    rows = walked("mobilenet_v1").rows
    macs, bn, relu, pool_in, pool_out, fc_bias = 568_740_352, 5_042_688, 5_042_688, 50_176, 1_024, 1_000
    assert PROFILES["fvcore"].total(rows) == macs + 2 * bn + pool_in
    assert PROFILES["ptflops"].total(rows) == macs + fc_bias + 2 * bn + 2 * relu + 2 * pool_in
    assert PROFILES["thop"].total(rows) == macs + 4 * bn + pool_in + pool_out
    # torchinfo: conv MACs + FC params + BatchNorm params (.macs_analytic.conv, .params.linear, .params.bn)
    assert PROFILES["torchinfo"].total(rows) == 567_716_352 + 1_025_000 + 21_888
    assert PROFILES["flops"].total(rows) == 2 * macs + fc_bias + 2 * bn + relu + pool_in


def test_liteconv_flops_by_hand():
    # VGG-16 has no BatchNorm and no adds: 2 MACs + conv and FC bias adds + ReLU + pooling inputs
    # (peer-counts.json models.vgg16: macs_analytic, elementwise_counts)
    assert PROFILES["flops"].total(walked("vgg16").rows) == (
        2 * 15_470_264_320 + 13_547_520 + 9_192 + 13_555_712 + 6_121_472 + 25_088)
    # ResNet-50 adds one element per block output: 3 x 256x56x56 + 4 x 512x28x28 + 6 x 1024x14x14 + 3 x 2048x7x7
    adds = 3 * 256 * 56 * 56 + 4 * 512 * 28 * 28 + 6 * 1024 * 14 * 14 + 3 * 2048 * 7 * 7
    assert PROFILES["flops"].total(walked("resnet50").rows) == (
        2 * 4_089_184_256 + 1_000 + 2 * 11_113_984 + 9_608_704 + 802_816 + 100_352 + adds)


@pytest.mark.parametrize("config", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_invariants_on_every_config(config):
    result = walk(load_spec(str(config)))
    assert PROFILES["flops"].total(result.rows) == result.total.flops
    assert PROFILES["paper"].total(result.rows) == result.total.macs
    assert PROFILES["ptflops-aten"].total(result.rows) == result.total.macs + result.total.bias_adds
    for p in PROFILES.values():
        terms = p.terms(result.rows)
        assert sum(t.value for t in terms) == p.total(result.rows) == sum(p.row_total(r) for r in result.rows)
        assert all(t.amount > 0 and t.factor >= 0 for t in terms)
        assert len({t.key for t in terms}) == len(terms)


def test_the_table_has_every_profile_with_help():
    assert tuple(PROFILES) == CONVENTIONS  # the CLI spells the names out to start fast
    for name, p in PROFILES.items():
        assert p.name == name and p.tool and p.summary


def test_thop_adaptive_pooling_is_float64_arithmetic():
    def thop(text: str) -> int:
        (row,) = walk(parse_spec(text)).rows
        return quantities(row)["thop_adaptive_avg_pool"]

    # sizes that divide: (kernel + 1) per output = input + output elements
    assert thop("input: [3, 10, 10]\nlayers:\n  - {kind: pool, mode: avg, output: 5}\n") == 3 * 10 * 10 + 3 * 5 * 5
    # 8x8 -> 7x7: exactly (64/49 + 1) x 49 = 113 = 64 + 49, but in float64 (8/7 * 8/7 + 1) x 49 is
    # 112.99999999999999, which thop's int() truncates to 112
    assert thop("input: [1, 8, 8]\nlayers:\n  - {kind: pool, mode: avg, output: 7}\n") == 112


def test_activations_ptflops_counts_twice_once_or_never():
    def ptflops(act: str) -> int:
        text = f"input: [1, 2, 2]\nlayers:\n  - {{kind: activation, function: {act}}}\n"
        return PROFILES["ptflops"].total(walk(parse_spec(text)).rows)

    # module hook + patched F.relu / F.gelu; the hook only (ReLU6 calls F.hardtanh, LeakyReLU
    # F.leaky_relu); the patched F.silu only (no SiLU hook); neither
    assert [ptflops(a) for a in ("relu", "gelu", "relu6", "leaky_relu", "silu", "sigmoid", "hardswish", "tanh")] == [
        8, 8, 4, 4, 4, 0, 0, 0]


# ------------------------------------------------------------------ the CLI


def test_cli_convention_table(run):
    r = run("network", str(CONFIGS / "resnet50.yaml"), "--convention", "fvcore")
    assert r.exit_code == 0 and r.stderr == ""
    assert "fvcore convention" in r.stdout and "4,111,512,576" in r.stdout  # models.resnet50.fvcore.total
    assert "BatchNorm elements" in r.stdout and "11,113,984" in r.stdout  # .elementwise_counts.bn_input_elements


def test_cli_convention_csv_column_sums_to_the_tool(run):
    r = run("network", str(CONFIGS / "efficientnet_b0.yaml"), "--convention", "thop", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert sum(int(row["convention_thop"]) for row in rows) == 415_145_024  # models.efficientnet_b0.thop.macs


def test_cli_convention_json_terms(run):
    r = run("network", str(CONFIGS / "mobilenet_v1.yaml"), "--convention", "torchinfo", "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    data = json.loads(r.stdout)
    conv = data["meta"]["networks"][0]["conventions"]["torchinfo"]
    assert conv["total"] == 568_763_240  # mobilenet_v1.alpha_1.0_res_224.torchinfo.total_mult_adds
    values = {t["key"]: t["value"] for t in conv["terms"]}
    assert values["fc_params"] == 1_025_000 and values["bn_params"] == 21_888  # .params.linear, .params.bn
    totals = [row for row in data["tables"]["conventions"]["rows"] if row["term"] == "total"]
    assert [row["value"] for row in totals] == [568_763_240]


def test_cli_summary_convention_all(run):
    specs = [str(CONFIGS / f"{n}.yaml") for n in PRINTED]
    r = run("network", *specs, "--summary", "--convention", "all", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    for name, row in zip(PRINTED, rows, strict=True):
        for convention, printed in PRINTED[name].items():
            key = "convention_" + convention.replace("-", "_")
            assert int(row[key]) == printed + RESIDUAL.get((name, convention), 0), (name, convention)


def test_cli_several_conventions_one_terms_table(run):
    r = run("network", str(CONFIGS / "vgg16.yaml"), "--convention", "thop", "--convention", "ptflops",
            "--format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)["tables"]["conventions"]["rows"]
    totals = {row["convention"]: row["value"] for row in rows if row["term"] == "total"}
    assert totals == {"thop": 15_470_314_496, "ptflops": 15_523_225_576}  # models.vgg16.thop, .ptflops.default


def test_cli_unknown_convention_is_a_usage_error(run):
    r = run("network", str(CONFIGS / "vgg16.yaml"), "--convention", "deepspeed")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("Error: ")
