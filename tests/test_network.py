"""The network walk (liteconv_cli.engine.network): every layer kind as arithmetic, the width and
resolution multipliers, and whole networks against PyTorch's own counts and the papers' tables.

Expected values are arithmetic, or figures copied from an independent source named in a
comment: tests/data/peer-counts.json (measured on PyTorch, torch 2.13 / torchvision
0.28), the MobileNet paper (arXiv:1704.04861), or TensorFlow-slim's published table.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from liteconv_cli.engine.network import (
    CATEGORIES,
    CONV_KINDS,
    FC,
    KINDS,
    MAX_DEPTH,
    MAX_LAYERS,
    MAX_REPEAT,
    SE,
    Activation,
    Basic,
    BatchNorm,
    Block,
    Bottleneck,
    Branches,
    ConvLayer,
    Depthwise,
    Dropout,
    Flatten,
    Identity,
    InvertedResidual,
    Lite,
    Network,
    Origin,
    Pointwise,
    Pool,
    Separable,
    Shuffle,
    sum_costs,
    walk,
)
from liteconv_cli.engine.shapes import Shape
from liteconv_cli.errors import SpecError
from liteconv_cli.spec import load_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

# (module, in, out, kernel, stride, groups, input H (= W), output H, params, MACs), in order.
# tests/data/peer-counts.json mobilenet_v1.alpha_1.0_res_224.layers (27 conv2d + the FC,
# whose in/out are in_features/out_features on a 1x1 "map")
V1_LAYERS = [
    ('features.0', 3, 32, 3, 2, 1, 224, 112, 864, 10838016),
    ('features.3', 32, 32, 3, 1, 32, 112, 112, 288, 3612672),
    ('features.6', 32, 64, 1, 1, 1, 112, 112, 2048, 25690112),
    ('features.9', 64, 64, 3, 2, 64, 112, 56, 576, 1806336),
    ('features.12', 64, 128, 1, 1, 1, 56, 56, 8192, 25690112),
    ('features.15', 128, 128, 3, 1, 128, 56, 56, 1152, 3612672),
    ('features.18', 128, 128, 1, 1, 1, 56, 56, 16384, 51380224),
    ('features.21', 128, 128, 3, 2, 128, 56, 28, 1152, 903168),
    ('features.24', 128, 256, 1, 1, 1, 28, 28, 32768, 25690112),
    ('features.27', 256, 256, 3, 1, 256, 28, 28, 2304, 1806336),
    ('features.30', 256, 256, 1, 1, 1, 28, 28, 65536, 51380224),
    ('features.33', 256, 256, 3, 2, 256, 28, 14, 2304, 451584),
    ('features.36', 256, 512, 1, 1, 1, 14, 14, 131072, 25690112),
    ('features.39', 512, 512, 3, 1, 512, 14, 14, 4608, 903168),
    ('features.42', 512, 512, 1, 1, 1, 14, 14, 262144, 51380224),
    ('features.45', 512, 512, 3, 1, 512, 14, 14, 4608, 903168),
    ('features.48', 512, 512, 1, 1, 1, 14, 14, 262144, 51380224),
    ('features.51', 512, 512, 3, 1, 512, 14, 14, 4608, 903168),
    ('features.54', 512, 512, 1, 1, 1, 14, 14, 262144, 51380224),
    ('features.57', 512, 512, 3, 1, 512, 14, 14, 4608, 903168),
    ('features.60', 512, 512, 1, 1, 1, 14, 14, 262144, 51380224),
    ('features.63', 512, 512, 3, 1, 512, 14, 14, 4608, 903168),
    ('features.66', 512, 512, 1, 1, 1, 14, 14, 262144, 51380224),
    ('features.69', 512, 512, 3, 2, 512, 14, 7, 4608, 225792),
    ('features.72', 512, 1024, 1, 1, 1, 7, 7, 524288, 25690112),
    ('features.75', 1024, 1024, 3, 1, 1024, 7, 7, 9216, 451584),
    ('features.78', 1024, 1024, 1, 1, 1, 7, 7, 1048576, 51380224),
    ('fc', 1024, 1000, 1, 1, 1, 1, 1, 1025000, 1024000),
]

# tests/data/peer-counts.json models.mobilenet_v2.layers (torchvision.models.mobilenet_v2)
V2_LAYERS = [
    ('features.0.0', 3, 32, 3, 2, 1, 224, 112, 864, 10838016),
    ('features.1.conv.0.0', 32, 32, 3, 1, 32, 112, 112, 288, 3612672),
    ('features.1.conv.1', 32, 16, 1, 1, 1, 112, 112, 512, 6422528),
    ('features.2.conv.0.0', 16, 96, 1, 1, 1, 112, 112, 1536, 19267584),
    ('features.2.conv.1.0', 96, 96, 3, 2, 96, 112, 56, 864, 2709504),
    ('features.2.conv.2', 96, 24, 1, 1, 1, 56, 56, 2304, 7225344),
    ('features.3.conv.0.0', 24, 144, 1, 1, 1, 56, 56, 3456, 10838016),
    ('features.3.conv.1.0', 144, 144, 3, 1, 144, 56, 56, 1296, 4064256),
    ('features.3.conv.2', 144, 24, 1, 1, 1, 56, 56, 3456, 10838016),
    ('features.4.conv.0.0', 24, 144, 1, 1, 1, 56, 56, 3456, 10838016),
    ('features.4.conv.1.0', 144, 144, 3, 2, 144, 56, 28, 1296, 1016064),
    ('features.4.conv.2', 144, 32, 1, 1, 1, 28, 28, 4608, 3612672),
    ('features.5.conv.0.0', 32, 192, 1, 1, 1, 28, 28, 6144, 4816896),
    ('features.5.conv.1.0', 192, 192, 3, 1, 192, 28, 28, 1728, 1354752),
    ('features.5.conv.2', 192, 32, 1, 1, 1, 28, 28, 6144, 4816896),
    ('features.6.conv.0.0', 32, 192, 1, 1, 1, 28, 28, 6144, 4816896),
    ('features.6.conv.1.0', 192, 192, 3, 1, 192, 28, 28, 1728, 1354752),
    ('features.6.conv.2', 192, 32, 1, 1, 1, 28, 28, 6144, 4816896),
    ('features.7.conv.0.0', 32, 192, 1, 1, 1, 28, 28, 6144, 4816896),
    ('features.7.conv.1.0', 192, 192, 3, 2, 192, 28, 14, 1728, 338688),
    ('features.7.conv.2', 192, 64, 1, 1, 1, 14, 14, 12288, 2408448),
    ('features.8.conv.0.0', 64, 384, 1, 1, 1, 14, 14, 24576, 4816896),
    ('features.8.conv.1.0', 384, 384, 3, 1, 384, 14, 14, 3456, 677376),
    ('features.8.conv.2', 384, 64, 1, 1, 1, 14, 14, 24576, 4816896),
    ('features.9.conv.0.0', 64, 384, 1, 1, 1, 14, 14, 24576, 4816896),
    ('features.9.conv.1.0', 384, 384, 3, 1, 384, 14, 14, 3456, 677376),
    ('features.9.conv.2', 384, 64, 1, 1, 1, 14, 14, 24576, 4816896),
    ('features.10.conv.0.0', 64, 384, 1, 1, 1, 14, 14, 24576, 4816896),
    ('features.10.conv.1.0', 384, 384, 3, 1, 384, 14, 14, 3456, 677376),
    ('features.10.conv.2', 384, 64, 1, 1, 1, 14, 14, 24576, 4816896),
    ('features.11.conv.0.0', 64, 384, 1, 1, 1, 14, 14, 24576, 4816896),
    ('features.11.conv.1.0', 384, 384, 3, 1, 384, 14, 14, 3456, 677376),
    ('features.11.conv.2', 384, 96, 1, 1, 1, 14, 14, 36864, 7225344),
    ('features.12.conv.0.0', 96, 576, 1, 1, 1, 14, 14, 55296, 10838016),
    ('features.12.conv.1.0', 576, 576, 3, 1, 576, 14, 14, 5184, 1016064),
    ('features.12.conv.2', 576, 96, 1, 1, 1, 14, 14, 55296, 10838016),
    ('features.13.conv.0.0', 96, 576, 1, 1, 1, 14, 14, 55296, 10838016),
    ('features.13.conv.1.0', 576, 576, 3, 1, 576, 14, 14, 5184, 1016064),
    ('features.13.conv.2', 576, 96, 1, 1, 1, 14, 14, 55296, 10838016),
    ('features.14.conv.0.0', 96, 576, 1, 1, 1, 14, 14, 55296, 10838016),
    ('features.14.conv.1.0', 576, 576, 3, 2, 576, 14, 7, 5184, 254016),
    ('features.14.conv.2', 576, 160, 1, 1, 1, 7, 7, 92160, 4515840),
    ('features.15.conv.0.0', 160, 960, 1, 1, 1, 7, 7, 153600, 7526400),
    ('features.15.conv.1.0', 960, 960, 3, 1, 960, 7, 7, 8640, 423360),
    ('features.15.conv.2', 960, 160, 1, 1, 1, 7, 7, 153600, 7526400),
    ('features.16.conv.0.0', 160, 960, 1, 1, 1, 7, 7, 153600, 7526400),
    ('features.16.conv.1.0', 960, 960, 3, 1, 960, 7, 7, 8640, 423360),
    ('features.16.conv.2', 960, 160, 1, 1, 1, 7, 7, 153600, 7526400),
    ('features.17.conv.0.0', 160, 960, 1, 1, 1, 7, 7, 153600, 7526400),
    ('features.17.conv.1.0', 960, 960, 3, 1, 960, 7, 7, 8640, 423360),
    ('features.17.conv.2', 960, 320, 1, 1, 1, 7, 7, 307200, 15052800),
    ('features.18.0', 320, 1280, 1, 1, 1, 7, 7, 409600, 20070400),
    ('classifier.1', 1280, 1000, 1, 1, 1, 1, 1, 1281000, 1280000),
]


def net(*layers, input=(3, 32, 32), **kw) -> Network:
    """A network from layer records (the engine needs no YAML)."""
    return Network("t", Shape(*input), tuple(layers), **kw)


def rows(*layers, **kw):
    return walk(net(*layers, **kw)).rows


def weighted(rows):
    """The convolution and FC rows (what the per-layer references list)."""
    return [r for r in rows if r.category != "other"]


@pytest.fixture(scope="module")
def v1():
    return load_spec(str(CONFIGS / "mobilenet_v1.yaml"))


@pytest.fixture(scope="module")
def v2():
    return load_spec(str(CONFIGS / "mobilenet_v2.yaml"))


def by_category(result, term):
    return {b.category: getattr(b.cost, term) for b in result.breakdown()}


# ------------------------------------------------------------------ MobileNetV1 (arXiv:1704.04861)


def test_mobilenet_v1_totals_match_pytorch(v1):
    r = walk(v1)
    t = r.total
    # tests/data/peer-counts.json mobilenet_v1.alpha_1.0_res_224.params
    assert t.params == 4_231_976
    assert t.bn == 21_888
    assert t.weights + t.bias - 1_025_000 == 3_185_088  # params.conv (conv has no bias; linear = 1,025,000)
    assert t.params - t.bn == 4_210_088  # params.total_without_bn
    # ... .macs_analytic.conv_plus_linear, and the split by kind
    assert t.macs == 568_740_352
    macs = by_category(r, "macs")
    assert macs == {"standard": 10_838_016, "depthwise": 17_385_984, "pointwise": 539_492_352, "fc": 1_024_000,
                    "other": 0}
    # ... .params_conv_by_kind (conv weights; BatchNorm apart)
    weights = by_category(r, "weights")
    assert (weights["depthwise"], weights["pointwise"], weights["standard"]) == (44_640, 3_139_584, 864)
    # ... .elementwise_counts: BatchNorm inputs = ReLU outputs = 5,042,688; avg pool input 50,176
    assert t.bn_elements == 5_042_688
    assert t.elementwise == 5_042_688 + 50_176
    assert r.output == Shape(1000, 1, 1)
    assert r.weighted_layers == 28


def test_mobilenet_v1_layers_match_pytorch_one_by_one(v1):
    got = weighted(walk(v1).rows)
    assert len(got) == len(V1_LAYERS) == 28
    for row, (name, cin, cout, k, s, g, hin, hout, params, macs) in zip(got, V1_LAYERS, strict=True):
        assert (row.input.c, row.output.c, row.kernel, row.stride, row.groups) == (cin, cout, (k, k), (s, s), g), name
        assert (row.input.h, row.output.h) == (hin, hout) or row.category == "fc", name
        assert (row.cost.weights + row.cost.bias, row.cost.macs) == (params, macs), name


def test_mobilenet_v1_breakdown_rounds_to_the_papers_table_2(v1):
    # arXiv:1704.04861 Table 2 "Resource per layer type": Mult-Adds and parameters, in %.
    # Conv 3x3 is printed 1.19% for Mult-Adds: a transposed-digit erratum, the four shares sum
    # to 100% only with 1.91 (94.86 + 3.06 + 1.91 + 0.18 = 100.01). Parameters leave BatchNorm
    # and bias out: the weights term.
    r = walk(v1)
    macs, weights = by_category(r, "macs"), by_category(r, "weights")
    share = {k: round(100 * macs[k] / r.total.macs, 2) for k in ("pointwise", "depthwise", "standard", "fc")}
    assert share == {"pointwise": 94.86, "depthwise": 3.06, "standard": 1.91, "fc": 0.18}
    share = {k: round(100 * weights[k] / r.total.weights, 2) for k in ("pointwise", "depthwise", "standard", "fc")}
    assert share == {"pointwise": 74.59, "depthwise": 1.06, "standard": 0.02, "fc": 24.33}


@pytest.mark.parametrize(
    ("width", "mult_adds_m", "params_m"),
    [
        # arXiv:1704.04861 Table 6, as printed (millions). The paper's parameters leave BatchNorm
        # out. Exact values here: 568,740,352 / 4,210,088; 325,400,448 / 2,569,144;
        # 149,497,088 / 1,320,648; 41,030,272 / 464,600.
        (1.0, 569, 4.2),
        (0.75, 325, 2.6),
        (0.5, 149, 1.3),
        (0.25, 41, 0.5),
    ],
)
def test_mobilenet_v1_width_multiplier_matches_table_6(v1, width, mult_adds_m, params_m):
    t = walk(v1._replace(width=width)).total
    assert round(t.macs / 1e6) == mult_adds_m
    assert round((t.params - t.bn) / 1e6, 1) == params_m


@pytest.mark.parametrize(
    ("resolution", "mult_adds_m"),
    # arXiv:1704.04861 Table 7, as printed (millions); params stay 4.2M. Exact values here:
    # 418,121,728 (192), 186,400,768 (128).
    [(224, 569), (192, 418), (128, 186)],
)
def test_mobilenet_v1_resolution_multiplier_matches_table_7(v1, resolution, mult_adds_m):
    t = walk(v1._replace(resolution=resolution)).total
    assert round(t.macs / 1e6) == mult_adds_m
    assert round((t.params - t.bn) / 1e6, 1) == 4.2


def test_mobilenet_v1_at_160_is_290_7_million_not_the_papers_290():
    # Table 7 prints 290M for MobileNet-160. Every layer's map shrinks by (160/224)^2 exactly
    # (224 and 160 are both multiples of 32), so the convolutions cost
    # 567,716,352 * 25,600 / 50,176 = 289,651,200 and the FC still costs 1024 * 1000: 290,675,200,
    # which rounds to 291. The paper scaled the whole 224 count, FC included, by rho^2:
    # 568,740,352 * (160/224)^2 = 290.2M -> 290 (that rule also gives its 418 and 186).
    t = walk(load_spec(str(CONFIGS / "mobilenet_v1.yaml"))._replace(resolution=160)).total
    conv_macs_224 = 568_740_352 - 1024 * 1000  # peer-counts.json macs_analytic.conv
    assert t.macs == conv_macs_224 * 160 * 160 // (224 * 224) + 1024 * 1000 == 290_675_200
    assert round(568_740_352 * (160 / 224) ** 2 / 1e6) == 290


# ------------------------------------------------------------------ MobileNetV2 (torchvision)


def test_mobilenet_v2_totals_match_pytorch(v2):
    r = walk(v2)
    t = r.total
    # tests/data/peer-counts.json models.mobilenet_v2
    assert t.params == 3_504_872
    assert t.bn == 34_112
    assert t.macs == 300_774_272
    macs = by_category(r, "macs")
    assert (macs["depthwise"], macs["pointwise"], macs["standard"], macs["fc"]) == (
        20_716_416, 267_939_840, 10_838_016, 1_280_000)
    weights = by_category(r, "weights")
    assert (weights["depthwise"], weights["pointwise"], weights["standard"]) == (64_224, 2_124_672, 864)
    # ... .elementwise_counts: BatchNorm inputs 6,678,112; ReLU6 outputs 6,105,792
    assert t.bn_elements == 6_678_112
    activations = sum(r.cost.elementwise for r in r.rows if r.activation == "relu6")
    assert activations == 6_105_792
    assert r.weighted_layers == 53


def test_mobilenet_v2_layers_match_pytorch_one_by_one(v2):
    got = weighted(walk(v2).rows)
    assert len(got) == len(V2_LAYERS) == 53
    for row, (name, cin, cout, k, s, g, hin, hout, params, macs) in zip(got, V2_LAYERS, strict=True):
        assert (row.input.c, row.output.c, row.kernel, row.stride, row.groups) == (cin, cout, (k, k), (s, s), g), name
        assert (row.input.h, row.output.h) == (hin, hout) or row.category == "fc", name
        assert (row.cost.weights + row.cost.bias, row.cost.macs) == (params, macs), name


@pytest.mark.parametrize(
    ("width", "resolution", "macs_m", "params_m"),
    [
        # TensorFlow-slim's MobileNetV2 checkpoints table (tensorflow/models,
        # research/slim/nets/mobilenet/README.md): MACs (M) and Parameters (M) as printed. Its
        # MACs are truncated, not rounded (300.77M prints 300, 153.94M prints 153), and its
        # parameters leave BatchNorm out. Widths above 1 check `scale: up` (1280 -> 1792 at
        # 1.4), the others `channel_rounding: 8` (torchvision's _make_divisible).
        (1.4, 224, 582, 6.06),
        (1.3, 224, 509, 5.34),
        (1.0, 224, 300, 3.47),
        (1.0, 192, 221, 3.47),
        (1.0, 160, 154, 3.47),
        (1.0, 128, 99, 3.47),
        (1.0, 96, 56, 3.47),
        (0.75, 224, 209, 2.61),
        (0.75, 192, 153, 2.61),
        (0.75, 96, 39, 2.61),
        (0.5, 224, 97, 1.95),
        (0.5, 128, 32, 1.95),
        (0.35, 224, 59, 1.66),
        (0.35, 160, 30, 1.66),
        (0.35, 96, 11, 1.66),
    ],
)
def test_mobilenet_v2_width_and_resolution_match_tf_slim(v2, width, resolution, macs_m, params_m):
    t = walk(v2._replace(width=width, resolution=resolution)).total
    assert math.floor(t.macs / 1e6) == macs_m
    assert round((t.params - t.bn) / 1e6, 2) == params_m


# ------------------------------------------------------------------ one kind at a time


def test_conv_counts_weights_bias_batchnorm_and_activation():
    (r,) = rows(ConvLayer(out=16, stride=2, batchnorm=True, activation="relu"))
    assert r.output == Shape(16, 16, 16)
    assert (r.cost.weights, r.cost.bias, r.cost.bn) == (16 * 3 * 3 * 3, 16, 2 * 16)
    assert r.cost.macs == 16 * 16 * 16 * 3 * 3 * 3
    assert (r.cost.bias_adds, r.cost.bn_elements, r.cost.elementwise) == ((16 * 16 * 16,) * 3)
    assert (r.kind, r.op, r.category, r.activation, r.path, r.name) == ("conv", "conv", "standard", "relu", (1,),
                                                                       "conv1")


@pytest.mark.parametrize(
    ("layer", "category", "out", "weights"),
    [
        (ConvLayer(out=8, kernel=1), "pointwise", 8, 8 * 4),
        (ConvLayer(out=8, groups=2), "grouped", 8, 8 * 2 * 3 * 3),
        (ConvLayer(out=8, groups=4), "depthwise", 8, 8 * 1 * 3 * 3),
        (ConvLayer(out=8, kernel=(1, 7), bias=False), "standard", 8, 8 * 4 * 1 * 7),
        (Depthwise(multiplier=2, bias=False), "depthwise", 8, 8 * 3 * 3),
        (Pointwise(out=6, bias=False, stride=2), "pointwise", 6, 6 * 4),
    ],
    ids=["1x1", "grouped", "groups=C_in", "1x7", "depthwise-x2", "pointwise-s2"],
)
def test_convolution_categories(layer, category, out, weights):
    (r,) = rows(layer, input=(4, 8, 8))
    assert (r.category, r.output.c, r.cost.weights) == (category, out, weights)


def test_separable_is_depthwise_then_pointwise_each_with_bn_and_activation():
    dw, pw = rows(Separable(out=64, stride=2, bias=False, batchnorm=True, activation="relu6"), input=(32, 112, 112))
    assert (dw.name, dw.category, dw.output) == ("separable1.depthwise", "depthwise", Shape(32, 56, 56))
    assert (pw.name, pw.category, pw.output) == ("separable1.pointwise", "pointwise", Shape(64, 56, 56))
    assert (dw.cost.weights, dw.cost.bn, dw.cost.macs) == (32 * 9, 2 * 32, 32 * 9 * 56 * 56)
    assert (pw.cost.weights, pw.cost.bn, pw.cost.macs) == (32 * 64, 2 * 64, 32 * 64 * 56 * 56)
    assert dw.activation == pw.activation == "relu6"


def test_lite_is_osnet_lightconv3x3():
    # OSNet's LightConv3x3: conv1x1 (no BN, no act), depthwise 3x3, BN, ReLU. With bias the two
    # convolutions give seed 000's (C_in + 1) * C_out + (K * K + 1) * C_out.
    pw, dw = rows(Lite(out=128, bias=True, batchnorm=True, activation="relu"), input=(64, 16, 8))
    assert (pw.category, pw.cost.bn, pw.cost.elementwise, pw.activation) == ("pointwise", 0, 0, "none")
    assert (dw.category, dw.cost.bn, dw.activation) == ("depthwise", 2 * 128, "relu")
    assert pw.cost.weights + pw.cost.bias + dw.cost.weights + dw.cost.bias == (64 + 1) * 128 + (3 * 3 + 1) * 128


def test_inverted_residual_expands_projects_and_adds_when_shapes_match():
    rs = rows(InvertedResidual(out=24, expansion=6, bias=False, batchnorm=True, activation="relu6"),
              input=(24, 56, 56))
    assert [r.name.split(".")[-1] for r in rs] == ["expand", "depthwise", "project", "add"]
    expand, dw, project, add = rs
    assert (expand.output.c, dw.groups, project.activation, add.op) == (144, 144, "none", "add")
    assert (expand.cost.weights, dw.cost.weights, project.cost.weights) == (24 * 144, 144 * 9, 144 * 24)
    assert add.cost.elementwise == 24 * 56 * 56 and add.inputs == 2


@pytest.mark.parametrize(("cin", "stride", "out", "adds"), [(24, 1, 24, 1), (24, 2, 24, 0), (16, 1, 24, 0)])
def test_inverted_residual_shortcut_rule(cin, stride, out, adds):
    rs = rows(InvertedResidual(out=out, stride=stride), input=(cin, 8, 8))
    assert sum(r.op == "add" for r in rs) == adds


def test_inverted_residual_without_expansion_has_no_expand_row():
    rs = rows(InvertedResidual(out=16, expansion=1), input=(32, 8, 8))
    assert [r.name.split(".")[-1] for r in rs] == ["depthwise", "project"]


def test_inverted_residual_se_squeezes_the_block_input_as_torchvision_efficientnet():
    # EfficientNet-B0 stage 2 first block: 16 -> 96 expanded; SE squeezes to max(1, 16 // 4) = 4
    rs = rows(InvertedResidual(out=24, expansion=6, stride=2, se=0.25, bias=False, batchnorm=True,
                               activation="silu"), input=(16, 112, 112))
    names = [r.name.split(".", 1)[1] for r in rs]
    assert names == ["expand", "depthwise", "se.pool", "se.reduce", "se.expand", "se.scale", "project"]
    reduce, expand = rs[3], rs[4]
    assert (reduce.cost.weights, reduce.cost.bias, reduce.output) == (96 * 4, 4, Shape(4, 1, 1))
    assert (expand.cost.weights, expand.cost.bias, expand.activation) == (4 * 96, 96, "sigmoid")
    assert reduce.category == expand.category == "pointwise" and reduce.activation == "silu"
    assert rs[2].cost.elementwise == rs[5].cost.elementwise == 96 * 56 * 56


def test_resnet50_first_bottleneck_matches_torchvision_layer1_0():
    # torchvision resnet50 layer1[0]: conv1x1 64->64, conv3x3 64->64, conv1x1 64->256, each with
    # BN, and the downsample conv1x1 64->256 + BN (the channels change at stride 1)
    rs = rows(Bottleneck(mid=64, out=256, bias=False, batchnorm=True, activation="relu"), input=(64, 56, 56))
    assert [r.name.split(".")[-1] for r in rs] == ["conv1", "conv2", "conv3", "shortcut", "add"]
    t = sum_costs(r.cost for r in rs)
    assert t.weights == 64 * 64 + 9 * 64 * 64 + 64 * 256 + 64 * 256
    assert t.bn == 2 * (64 + 64 + 256 + 256)
    assert t.macs == (64 * 64 + 9 * 64 * 64 + 64 * 256 + 64 * 256) * 56 * 56
    assert rs[-1].activation == "relu" and rs[-1].cost.elementwise == 2 * 256 * 56 * 56  # add + ReLU


def test_bottleneck_stride_sits_on_the_3x3_and_the_projection():
    rs = rows(Bottleneck(mid=128, out=512, stride=2), input=(256, 56, 56))
    conv1, conv2, conv3, shortcut, add = rs
    assert (conv1.stride, conv2.stride, shortcut.stride) == ((1, 1), (2, 2), (2, 2))
    assert conv1.output.h == 56 and conv2.output.h == shortcut.output.h == add.output.h == 28


@pytest.mark.parametrize(("shortcut", "cin", "names"), [
    ("projection", 32, ["conv1", "conv2", "shortcut", "add"]),
    ("projection", 64, ["conv1", "conv2", "add"]),
    ("identity", 32, ["conv1", "conv2", "activation"]),
    ("none", 64, ["conv1", "conv2", "activation"]),
])
def test_basic_block_shortcuts(shortcut, cin, names):
    rs = rows(Basic(out=64, shortcut=shortcut, activation="relu"), input=(cin, 8, 8))
    assert [r.name.split(".")[-1] for r in rs] == names
    assert rs[0].cost.weights == 64 * cin * 9 and rs[1].cost.weights == 64 * 64 * 9


def test_fc_flattens_its_input():
    (r,) = rows(FC(out=10), input=(4, 5, 5))
    assert (r.category, r.op, r.input, r.output) == ("fc", "fc", Shape(4, 5, 5), Shape(10, 1, 1))
    assert (r.cost.weights, r.cost.bias, r.cost.macs, r.cost.bias_adds) == (100 * 10, 10, 100 * 10, 10)


@pytest.mark.parametrize(
    ("pool", "hw", "op"),
    [
        (Pool(mode="max", kernel=3, stride=2, padding=1), (56, 56), "max_pool"),  # ResNet: (112 + 2 - 3) // 2 + 1
        (Pool(mode="max", kernel=2), (56, 56), "max_pool"),  # VGG: stride = kernel
        (Pool(mode="avg", kernel=(2, 4), padding=(1, 2)), (57, 29), "avg_pool"),
        (Pool(mode="avg", output=(1, 1)), (1, 1), "adaptive_avg_pool"),
        (Pool(mode="max", output=(7, 5)), (7, 5), "adaptive_max_pool"),
    ],
)
def test_pool_output_and_cost(pool, hw, op):
    (r,) = rows(pool, input=(8, 112, 112))
    assert (r.output.hw, r.op, r.category) == (hw, op, "other")
    assert (r.cost.params, r.cost.macs, r.cost.elementwise) == (0, 0, 8 * 112 * 112)


def test_standalone_se_batchnorm_activation_and_free_layers():
    rs = rows(SE(ratio=0.25), BatchNorm(), Activation(function="hardswish"), Shuffle(groups=2), Dropout(p=0.2),
              Identity(), Flatten(), input=(16, 4, 4))
    pool, reduce, expand, scale, bn, act, shuffle, dropout, identity, flatten = rs
    assert (reduce.cost.weights, reduce.cost.bias, reduce.activation) == (16 * 4, 4, "relu")
    assert (bn.cost.bn, bn.cost.bn_elements) == (2 * 16, 16 * 16)
    assert (act.cost.elementwise, act.activation) == (16 * 16, "hardswish")
    assert all(r.cost.params == r.cost.flops == 0 for r in (shuffle, dropout, identity, flatten))
    assert flatten.output == Shape(256, 1, 1)
    assert [r.op for r in (shuffle, dropout, identity)] == ["shuffle", "dropout", "identity"]


def test_block_with_projection_infers_its_stride():
    block = Block(layers=(ConvLayer(out=16, stride=2), ConvLayer(out=16)), shortcut="projection", activation="relu",
                  bias=False, batchnorm=True)
    rs = rows(block, input=(8, 9, 9))
    assert [r.name for r in rs] == ["block1.conv1", "block1.conv2", "block1.shortcut", "block1.add"]
    assert [r.path for r in rs] == [(1, 1), (1, 2), (1,), (1,)]
    assert (rs[2].stride, rs[2].output, rs[2].cost.weights, rs[2].cost.bn) == ((2, 2), Shape(16, 5, 5), 8 * 16, 32)


def test_branches_concat_add_and_split():
    three = Branches(branches=((Pointwise(out=4),), (), (ConvLayer(out=2, kernel=5),)), merge="concat")
    *_, concat = rows(three, input=(6, 8, 8))
    assert (concat.op, concat.output, concat.inputs) == ("concat", Shape(4 + 6 + 2, 8, 8), 3)
    added = Branches(branches=((Pointwise(out=6),), ()), merge="add")
    *_, add = rows(added, input=(6, 8, 8))
    assert (add.op, add.output, add.cost.elementwise) == ("add", Shape(6, 8, 8), 6 * 64)
    halves = Branches(branches=((), (Pointwise(out=3, bias=False),)), split=2)  # ShuffleNet V2 unit
    pw, concat = rows(halves, input=(6, 8, 8))
    assert (pw.input.c, pw.cost.weights, pw.name, pw.path, concat.output.c) == (3, 9, "branches1.2.pointwise1",
                                                                               (1, 2, 1), 6)
    listed = Branches(branches=((Pointwise(out=1),), (Pointwise(out=1),)), split=(2, 4))
    a, b, _ = rows(listed, input=(6, 8, 8))
    assert (a.input.c, b.input.c) == (2, 4)


def test_repeat_applies_the_stride_to_the_first_repetition_only():
    rs = rows(ConvLayer(out=8, stride=2, repeat=3, name="c"), input=(3, 32, 32))
    assert [(r.name, r.output.h, r.stride) for r in rs] == [("c.1", 16, (2, 2)), ("c.2", 16, (1, 1)),
                                                           ("c.3", 16, (1, 1))]


@pytest.mark.parametrize(
    ("width", "rounding", "scale", "out"),
    [
        (0.75, "floor", True, int(32 * 0.75)),
        (0.35, "floor", True, int(32 * 0.35)),  # 11
        (0.35, 8, True, 16),  # _make_divisible(11.2, 8): max(8, int(15.2) // 8 * 8) = 8 < 0.9 * 11.2, so 16
        (0.75, 8, True, 24),  # 24.0 -> 24
        (1.0, 8, True, 32),
        (1.0, 8, False, 32),
        (0.5, "floor", False, 32),
        (0.5, "floor", "up", 32),  # max(1, alpha) never shrinks
        (1.4, 8, "up", 48),  # _make_divisible(44.8, 8) = int(48.8) // 8 * 8 = 48
        (1.4, "floor", "up", int(32 * 1.4)),
    ],
)
def test_width_multiplier_and_channel_rounding(width, rounding, scale, out):
    (r,) = rows(ConvLayer(out=32, scale=scale), width=width, channel_rounding=rounding)
    assert r.output.c == out


def test_fc_is_not_scaled_by_default_and_input_channels_never_are():
    conv, fc = rows(ConvLayer(out=64), FC(out=1000), width=0.5)
    assert (conv.input.c, conv.output.c, fc.output.c) == (3, 32, 1000)
    assert fc.cost.weights == (32 * 32 * 32) * 1000  # in_features = the flattened 32x32x32 map


def test_resolution_overrides_the_input_size():
    r = walk(net(ConvLayer(out=8), input=(3, 224, 200), resolution=96))
    assert r.input == Shape(3, 96, 96) and r.output == Shape(8, 96, 96)


# ------------------------------------------------------------------ invariants


def test_totals_and_breakdown_are_sums_of_the_rows(v2):
    r = walk(v2)
    assert r.total == sum_costs(row.cost for row in r.rows)
    assert sum_costs(b.cost for b in r.breakdown()) == r.total
    assert sum(b.layers for b in r.breakdown()) == len(r.rows)
    assert {row.category for row in r.rows} <= set(CATEGORIES)
    assert len({row.name for row in r.rows}) == len(r.rows)


def test_the_convolution_kinds_share_their_common_keys_and_defaults():
    # the records are NamedTuples (no field inheritance): the shared keys are written out in
    # each class, so check that the copies agree with torch.nn.Conv2d's defaults
    shared = {"kernel": 3, "stride": 1, "padding": "same", "dilation": 1, "bias": True, "batchnorm": False,
              "activation": "none", "scale": True, "name": None, "repeat": 1, "origin": None}
    for cls in CONV_KINDS:
        assert {k: cls._field_defaults.get(k, "missing") for k in shared} == shared, cls.__name__
    for cls in KINDS.values():
        assert cls._fields[-7:] == ("name", "repeat", "from_", "share", "functional", "frozen", "origin"), cls.__name__


def test_walk_is_repeatable_and_context_dependent():
    # the same layer record on different inputs, and two kinds with identical fields
    a = rows(Separable(out=8), Separable(out=8), input=(4, 8, 8))
    b = rows(Lite(out=8), input=(4, 8, 8))
    again = rows(Separable(out=8), Separable(out=8), input=(4, 8, 8))
    assert a == again
    assert a[0].cost.weights == 4 * 9 and a[2].cost.weights == 8 * 9
    assert b[0].cost.weights == 4 * 8 and b[1].cost.weights == 8 * 9


# ------------------------------------------------------------------ errors


def test_errors_name_the_file_line_layer_and_field():
    layers = (ConvLayer(out=64), ConvLayer(out=64, groups=3, name="conv3", origin=Origin("net.yaml", 12)))
    with pytest.raises(SpecError) as e:
        walk(net(*layers))
    assert str(e.value) == "net.yaml:12: layer 2 'conv3': groups=3 does not divide in_channels=64"


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ((ConvLayer(out=8, kernel=7, padding="valid"),), "layer 1 'conv1': kernel=7 is larger than the padded input"),
        ((Pool(mode="max", kernel=2, padding=2),), "padding=2 is more than half the kernel"),
        ((Pool(mode="avg"),), "give exactly one of kernel, global: true or output"),
        ((Shuffle(groups=2),), "groups=2 does not divide the 3 input channels"),
        ((Branches(branches=((), ()), split=(1, 1)),), "split=[1, 1] is not 2 channel counts summing to the input's 3"),
        ((Branches(branches=((Pointwise(out=2),), ()), merge="add"),), "merge=add needs equal branch outputs"),
        ((Block(layers=(Block(layers=(ConvLayer(out=6, groups=4, name="deep"),)),)),),
         "layer 1.1.1 'deep': groups=4 does not divide in_channels=3"),
        ((ConvLayer(out=1, activation="swoosh"),), "activation=swoosh is not one of"),
        ((SE(),), "squeeze=(missing) or ratio is needed"),
    ],
)
def test_invalid_layers(layers, message):
    with pytest.raises(SpecError) as e:
        walk(net(*layers, input=(3, 4, 4)))
    assert message in str(e.value)


def test_width_that_rounds_a_layer_to_nothing():
    with pytest.raises(SpecError, match="out=8 times width 0.01 rounds to 0 channels"):
        walk(net(ConvLayer(out=8), width=0.01))


@pytest.mark.parametrize(
    "layers",
    [
        (ConvLayer(out=1, repeat=MAX_REPEAT + 1),),
        (Block(layers=(ConvLayer(out=1, repeat=MAX_REPEAT),), repeat=MAX_REPEAT),),  # 10^8 layers
        (Block(layers=(Identity(),) * 11, repeat=MAX_LAYERS // 11),),
    ],
    ids=["repeat", "nested-repeat", "many"],
)
def test_runaway_specs_fail_fast(layers):
    start = time.perf_counter()
    with pytest.raises(SpecError, match="repeat=10001 is not an integer from 1 to 10,000|over 100,000 layers"):
        walk(net(*layers))
    assert time.perf_counter() - start < 1.0


def test_nesting_limit():
    layer = ConvLayer(out=1)
    for _ in range(MAX_DEPTH + 1):
        layer = Block(layers=(layer,))
    with pytest.raises(SpecError, match="nested more than"):
        walk(net(layer))
