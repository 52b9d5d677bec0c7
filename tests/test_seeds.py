"""Every worked example in the seeds, recomputed through the public API.

The seeds are the project's five design documents (000 to 004; articles kept beside the
repository, not in it: tests/data/README.md). Each row names its seed in a comment and its
expected value is the seed's own formula written as arithmetic, so a reader can check it by eye
without the seed. Where a seed prints a number its formula does not give, the row
asserts the corrected value and the comment says what was printed; docs/errata.md lists them.

The MobileNet paper (arXiv:1704.04861, cited by seeds 000, 002 and 004) and PyTorch's own counts
(tests/data/peer-counts.json: torchvision models and the paper's MobileNetV1 in plain
PyTorch) are the independent oracles for the network-level figures.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from liteconv_cli import Conv, Cost, InvalidValue, evaluate

# ---------------------------------------------------------------- parameters

PARAMS = [
    # seed 000 (000_59f89034f07cddf2.txt): bias on every convolution, as torch.nn.Conv2d defaults
    pytest.param(Conv(64, 128, 3), "standard", (64 * 3 * 3 + 1) * 128, id="000-standard-64-128"),  # 73,856
    pytest.param(Conv(64, 64, 3), "depthwise", (3 * 3 + 1) * 64, id="000-depthwise-64"),  # 640
    pytest.param(Conv(64, 128, 1), "pointwise", (64 + 1) * 128, id="000-pointwise-64-128"),  # 8,320
    pytest.param(Conv(64, 128, 3), "separable", (3 * 3 + 1) * 64 + (64 + 1) * 128, id="000-mobilenet-64-128"),  # 8,960
    pytest.param(Conv(64, 128, 3), "lite", (64 + 1) * 128 + (3 * 3 + 1) * 128, id="000-osnet-64-128"),  # 9,600
    # erratum: seed 000 prints 37,056 for the 64 -> 64 standard 3x3; its formula gives 36,928
    pytest.param(Conv(64, 64, 3), "standard", (64 * 3 * 3 + 1) * 64, id="000-standard-64-64-erratum"),
    pytest.param(Conv(64, 64, 3), "separable", (3 * 3 + 1) * 64 + (64 + 1) * 64, id="000-mobilenet-64-64"),  # 4,800
    pytest.param(Conv(64, 64, 3), "lite", (64 + 1) * 64 + (3 * 3 + 1) * 64, id="000-osnet-64-64"),  # 4,800
    # seed 001 (001_257d24f7a6ca1209.txt): no bias (its code uses bias=False)
    pytest.param(Conv(256, 64, 1, bias=False), "pointwise", 256 * 64, id="001-1x1-256-64"),  # 16,384
    pytest.param(Conv(256, 256, 3, bias=False), "standard", 9 * 256 * 256, id="001-standard-256"),  # 589,824
    pytest.param(Conv(256, 256, 3, bias=False), "depthwise", 9 * 256, id="001-depthwise-256"),  # 2,304
    pytest.param(Conv(256, 256, 1, bias=False), "pointwise", 256 * 256, id="001-pointwise-256"),  # 65,536
    pytest.param(Conv(256, 256, 3, bias=False), "separable", 256 * (3 * 3 + 256), id="001-dsc-256"),  # C_in(k^2+C_out)
    pytest.param(Conv(64, 64, 3, bias=False), "standard", 9 * 64 * 64, id="001-table-standard-64"),  # 36,864
    pytest.param(Conv(64, 64, 3, bias=False), "depthwise", 9 * 64, id="001-table-depthwise-64"),  # 576
    pytest.param(Conv(64, 64, 3, bias=False), "pointwise", 64 * 64, id="001-table-pointwise-64"),  # 4,096
    pytest.param(Conv(64, 64, 3, bias=False), "separable", 9 * 64 + 64 * 64, id="001-table-dsc-64"),  # 4,672
    # seed 003 (003_d82c6a728b273adc.txt): 28x28x8 -> 16, no bias
    pytest.param(Conv(8, 16, 3, bias=False), "standard", 3 * 3 * 8 * 16, id="003-standard-8-16"),
    pytest.param(Conv(8, 16, 3, bias=False), "separable", 3 * 3 * 8 + 8 * 16, id="003-dsc-8-16"),
    # seed 004 (004_388334cadb406866.txt): m x dk x dk + n x m x 1 x 1, bias=False, e.g. m=32, n=64
    pytest.param(Conv(32, 64, 3, bias=False), "separable", 32 * 3 * 3 + 64 * 32 * 1 * 1, id="004-dsc-dk3"),
    pytest.param(Conv(32, 64, 5, bias=False), "separable", 32 * 5 * 5 + 64 * 32 * 1 * 1, id="004-dsc-dk5"),
]


@pytest.mark.parametrize(("layer", "variant", "params"), PARAMS)
def test_params(layer, variant, params):
    cost = evaluate(layer, variant).cost
    assert cost.params == params
    assert cost.bn == 0


# the seeds' stage-by-stage breakdowns
STAGE_PARAMS = [
    # seed 000: "Depthwise: (3 x 3 + 1) x 64 = 640, Pointwise: (64 + 1) x 128 = 8,320"
    pytest.param(Conv(64, 128, 3), "separable", [(3 * 3 + 1) * 64, (64 + 1) * 128], id="000-mobilenet"),
    # seed 000: "Conv: (64 + 1) x 128 = 8,320, Depthwise: (3 x 3 + 1) x 128 = 1,280"
    pytest.param(Conv(64, 128, 3), "lite", [(64 + 1) * 128, (3 * 3 + 1) * 128], id="000-osnet"),
    # seed 001: depthwise 9 x 256 = 2,304 then pointwise 256 x 256 = 65,536
    pytest.param(Conv(256, 256, 3, bias=False), "separable", [9 * 256, 256 * 256], id="001-dsc-256"),
    # seed 004: m x dk x dk, then n x m x 1 x 1
    pytest.param(Conv(32, 64, 3, bias=False), "separable", [32 * 3 * 3, 64 * 32 * 1 * 1], id="004-dsc"),
]


@pytest.mark.parametrize(("layer", "variant", "params"), STAGE_PARAMS)
def test_stage_params(layer, variant, params):
    assert [s.cost.params for s in evaluate(layer, variant).stages] == params


def test_seed_000_printed_37056_is_weights_plus_bias_plus_batchnorm():
    # seed 000 prints 37,056 for the 64 -> 64 standard 3x3. Its formula gives 36,928; 37,056 is
    # 64*3*3*64 weights + 64 bias + 2*64 BatchNorm, the count with a BatchNorm after the conv.
    cost = evaluate(Conv(64, 64, 3, batchnorm=True), "standard").cost
    assert cost.params == 64 * 3 * 3 * 64 + 64 + 2 * 64 == 37_056
    assert cost.params - cost.bn == (64 * 3 * 3 + 1) * 64 == 36_928


# ---------------------------------------------------------------- ratios


def macs_ratio(layer: Conv, variant: str) -> Fraction:
    return Fraction(evaluate(layer, variant).cost.macs, evaluate(layer, "standard").cost.macs)


def params_ratio(layer: Conv, variant: str) -> Fraction:
    return Fraction(evaluate(layer, variant).cost.params, evaluate(layer, "standard").cost.params)


def test_seed_001_dsc_256_is_one_over_cout_plus_one_over_k2():
    # seed 001: Params_DSC / Params_std = 1/C_out + 1/k^2 = 1/256 + 1/9 ~ 0.115, "roughly 8.7x fewer"
    layer = Conv(256, 256, 3, bias=False)
    ratio = params_ratio(layer, "separable")
    assert ratio == Fraction(1, 256) + Fraction(1, 9) == Fraction(3 * 3 * 256 + 256 * 256, 3 * 3 * 256 * 256)
    assert round(float(ratio), 3) == 0.115
    assert round(float(1 / ratio), 1) == 8.7
    assert macs_ratio(layer, "separable") == ratio  # per position, MACs = weights without bias


@pytest.mark.parametrize(
    ("variant", "exact", "printed"),
    [
        # seed 001's "Relative cost" column for 64 -> 64, bias-free
        pytest.param("depthwise", Fraction(9 * 64, 9 * 64 * 64), 0.016, id="depthwise"),
        pytest.param("pointwise", Fraction(64 * 64, 9 * 64 * 64), 0.111, id="pointwise"),
        pytest.param("separable", Fraction(9 * 64 + 64 * 64, 9 * 64 * 64), 0.127, id="dsc"),
    ],
)
def test_seed_001_relative_cost_table(variant, exact, printed):
    layer = Conv(64, 64, 3, bias=False)
    assert params_ratio(layer, variant) == exact
    assert round(float(exact), 3) == printed


def test_seed_003_82_percent_reduction():
    # seed 003: 135,200 vs 778,752 multiplications, "an 82% reduction"; 1/N + 1/D_K^2 = 1/16 + 1/9
    layer = Conv(8, 16, 3, size=28, padding="valid", bias=False)
    ratio = macs_ratio(layer, "separable")
    assert ratio == Fraction(26 * 26 * 3 * 3 * 8 + 26 * 26 * 8 * 16, 26 * 26 * 3 * 3 * 8 * 16)
    assert ratio == Fraction(1, 16) + Fraction(1, 9)
    # 82.6%: "82%" truncates; rounded it is 83%
    assert int(100 * (1 - ratio)) == 82 and round(100 * float(1 - ratio)) == 83


@pytest.mark.parametrize("n", [64, 256, 1024, 4096])
def test_seed_003_reduction_approaches_89_percent(n):
    # seed 003: "as you increase the number of output channels you approach 89% reduction":
    # 1 - (1/N + 1/9) rises towards 1 - 1/9 = 88.9%
    reduction = 1 - macs_ratio(Conv(32, n, 3, bias=False), "separable")
    assert reduction == 1 - Fraction(1, n) - Fraction(1, 9) < Fraction(8, 9)
    if n >= 1024:
        assert round(100 * float(reduction)) == 89


# ---------------------------------------------------------------- MACs with a feature map

MACS = [
    # seed 003: 28x28x8 input, 3x3, 16 outputs, no padding, stride 1
    pytest.param(Conv(8, 16, 3, size=28, padding="valid"), "standard", 26 * 26 * 3 * 3 * 8 * 16, id="003-std-778752"),
    pytest.param(
        Conv(8, 16, 3, size=28, padding="valid"),
        "separable",
        26 * 26 * 3 * 3 * 8 + 26 * 26 * 8 * 16,
        id="003-dsc-135200",
    ),
    pytest.param(Conv(8, 16, 3, size=28, padding="valid"), "depthwise", 26 * 26 * 3 * 3 * 8, id="003-dw-48672"),
    pytest.param(Conv(8, 16, 1, size=26), "pointwise", 26 * 26 * 8 * 16, id="003-pw-86528"),
    # erratum: seed 003 prints 220*220*3*5*5*16 = 580,800,000; the product is 58,080,000
    pytest.param(
        Conv(3, 16, 5, size=224, padding="valid"), "standard", 220 * 220 * 3 * 5 * 5 * 16, id="003-5x5-erratum"
    ),
    # seed 002 (002_093258ddc23902af.txt): D_K D_K M N D_F D_F, D_K D_K M D_F D_F, M N D_F D_F;
    # a 14x14x512 MobileNet body layer, D_K = 3, stride 1
    pytest.param(Conv(512, 512, 3, size=14), "standard", 3 * 3 * 512 * 512 * 14 * 14, id="002-standard"),
    pytest.param(Conv(512, 512, 3, size=14), "depthwise", 3 * 3 * 512 * 14 * 14, id="002-depthwise"),  # 903,168
    pytest.param(Conv(512, 512, 1, size=14), "pointwise", 512 * 512 * 14 * 14, id="002-pointwise"),  # 51,380,224
    # erratum-in-waiting: seed 002 calls D_F the *input* size; at stride 2 it is the output's.
    # MobileNetV1's 64-channel dw, 112 -> 56 (reference features.9: 1,806,336, not 3*3*64*112*112)
    pytest.param(Conv(64, 64, 3, size=112, stride=2), "depthwise", 3 * 3 * 64 * 56 * 56, id="002-dw-stride2-output-DF"),
]


@pytest.mark.parametrize(("layer", "variant", "macs"), MACS)
def test_macs(layer, variant, macs):
    assert evaluate(layer, variant).cost.macs == macs


def test_seed_002_ratio_is_one_over_n_plus_one_over_dk2():
    # seed 002: dividing the depthwise separable cost by the standard one gives 1/N + 1/D_K^2
    layer = Conv(512, 512, 3, size=14)
    assert macs_ratio(layer, "separable") == Fraction(1, 512) + Fraction(1, 3 * 3)


def test_seed_003_first_example_shape():
    # seed 003: a 224x224x3 image convolved with 8 3x3 kernels, no padding: 222x222x8
    out = evaluate(Conv(3, 8, 3, size=224, padding="valid"), "standard").output
    assert (out.c, out.h, out.w) == (8, 224 - 3 + 1, 224 - 3 + 1)


def test_seed_003_shapes_of_the_separable_example():
    # seed 003: depthwise gives 26x26x8, pointwise 26x26x16, "exactly the same shape" as the 3x3
    dw, pw = evaluate(Conv(8, 16, 3, size=28, padding="valid", bias=False), "separable").stages
    assert (dw.output.c, dw.output.h, dw.output.w) == (8, 26, 26)
    assert (pw.output.c, pw.output.h, pw.output.w) == (16, 26, 26)
    assert pw.output == evaluate(Conv(8, 16, 3, size=28, padding="valid"), "standard").output


def test_seed_003_two_3x3_cost_more_than_one_5x5_on_an_rgb_image():
    # seed 003 prints (222*222*3*3*3*16)+(220*220*3*3*3*16) = 42,199,488: right arithmetic, but the
    # second conv sees the first one's 16 channels, not 3. Corrected: 21,290,688 + 111,513,600.
    first = evaluate(Conv(3, 16, 3, size=224, padding="valid"), "standard")
    second = evaluate(Conv(16, 16, 3, size=first.output.hw, padding="valid"), "standard")
    assert first.cost.macs == 222 * 222 * 3 * 3 * 3 * 16
    assert second.cost.macs == 220 * 220 * 3 * 3 * 16 * 16
    pair = first.cost.macs + second.cost.macs
    assert pair == 222 * 222 * 3 * 3 * 3 * 16 + 220 * 220 * 3 * 3 * 16 * 16 == 132_804_288
    five = evaluate(Conv(3, 16, 5, size=224, padding="valid"), "standard")
    assert five.cost.macs == 220 * 220 * 3 * 5 * 5 * 16 == 58_080_000
    assert pair > five.cost.macs  # the seed's conclusion is reversed for a 3-channel input
    # same receptive field: both end at 220x220
    assert second.output == five.output


@pytest.mark.parametrize("c", [16, 64, 256])
def test_seed_003_two_3x3_beat_one_5x5_at_equal_channels(c):
    # with C channels in and out, per output position: 2 * 9 C^2 = 18 C^2 against 25 C^2
    three = evaluate(Conv(c, c, 3), "standard").cost.macs
    five = evaluate(Conv(c, c, 5), "standard").cost.macs
    assert 2 * three == 18 * c * c < five == 25 * c * c


@pytest.mark.parametrize(
    ("dk", "size"),
    [
        # seed 004's code: nn.Conv2d(chin, chin, kernel_size=dk, stride=1, padding=dk-2, groups=chin)
        # output = H + 2(dk - 2) - dk + 1 = H + dk - 3: the size is kept only for dk = 3
        pytest.param(3, 56 + 2 * (3 - 2) - 3 + 1, id="dk3-keeps-56"),
        pytest.param(5, 56 + 2 * (5 - 2) - 5 + 1, id="dk5-grows-to-58"),
        pytest.param(7, 56 + 2 * (7 - 2) - 7 + 1, id="dk7-grows-to-60"),
    ],
)
def test_seed_004_padding_dk_minus_2(dk, size):
    e = evaluate(Conv(32, 64, dk, size=56, padding=dk - 2, bias=False), "separable")
    assert e.output.hw == (size, size)
    assert e.cost.macs == (32 * dk * dk + 64 * 32) * size * size
    # (dk - 1) // 2, torchvision's choice for odd kernels, keeps the size for every odd dk
    assert evaluate(Conv(32, 64, dk, size=56, padding=(dk - 1) // 2), "separable").output.hw == (56, 56)


def test_seed_004_padding_dk_minus_2_is_negative_for_a_1x1():
    with pytest.raises(InvalidValue) as info:
        Conv(32, 64, 1, size=56, padding=1 - 2)
    assert info.value.field == "padding"


# ---------------------------------------------------------------- MobileNetV1, the paper's network

# arXiv:1704.04861 Table 1: a 3x3 stride-2 conv 3 -> 32, then 13 depthwise separable blocks
# (C_in, C_out, stride); no bias, BatchNorm after every conv; then avg pool and FC 1024 -> 1000.
# The paper prints s2 for the 13th depthwise (7x7x1024 in and out); every implementation and the
# paper's own 569M use s1 (see test_mobilenet_table_1_last_depthwise_is_stride_1).
MOBILENET_V1 = [
    (32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2),
    *[(512, 512, 1)] * 5,
    (512, 1024, 2), (1024, 1024, 1),
]
FC_MACS = 1024 * 1000
FC_WEIGHTS, FC_BIAS = 1024 * 1000, 1000


def mobilenet_v1(variant: str = "separable", last_stride: int = 1) -> tuple[dict[str, Cost], tuple[int, int]]:
    """Costs of MobileNetV1's convolutions by stage kind, and the final feature-map size."""
    stem = evaluate(Conv(3, 32, 3, size=224, stride=2, bias=False, batchnorm=True), "standard")
    by_kind = {"standard": stem.cost}
    hw = stem.output.hw
    for i, (cin, cout, s) in enumerate(MOBILENET_V1):
        if i == len(MOBILENET_V1) - 1:
            s = last_stride
        e = evaluate(Conv(cin, cout, 3, size=hw, stride=s, bias=False, batchnorm=True), variant)
        for stage in e.stages:
            by_kind[stage.kind] = by_kind.get(stage.kind, Cost()) + stage.cost
        hw = e.output.hw
    return by_kind, hw


def test_mobilenet_v1_matches_pytorch():
    # tests/data/peer-counts.json, mobilenet_v1.alpha_1.0_res_224 (PyTorch, fvcore agrees):
    # conv_by_kind standard 10,838,016, depthwise 17,385,984, pointwise 539,492,352;
    # conv_plus_linear 568,740,352 (the paper's "569 million Mult-Adds"); params.total 4,231,976
    by_kind, hw = mobilenet_v1()
    assert hw == (7, 7)
    assert by_kind["standard"].macs == 3 * 3 * 3 * 32 * 112 * 112 == 10_838_016
    assert by_kind["depthwise"].macs == 17_385_984
    assert by_kind["pointwise"].macs == 539_492_352
    total_macs = sum(c.macs for c in by_kind.values()) + FC_MACS
    assert total_macs == 568_740_352
    params = sum(c.params for c in by_kind.values()) + FC_WEIGHTS + FC_BIAS
    assert params == 4_231_976  # "4.2 million"; BatchNorm's gamma and beta included
    assert sum(c.bn for c in by_kind.values()) == 21_888  # reference params.bn


@pytest.mark.parametrize(
    ("kind", "macs_percent", "params_percent"),
    [
        # the paper's Table 2 ("Resource per layer type"), Mult-Adds and parameters in percent
        pytest.param("pointwise", 94.86, 74.59, id="conv-1x1"),
        pytest.param("depthwise", 3.06, 1.06, id="conv-dw-3x3"),
        # erratum: the paper prints 1.19% for Conv 3x3 Mult-Adds; 10,838,016 / 568,740,352 = 1.91%
        pytest.param("standard", 1.91, 0.02, id="conv-3x3-erratum"),
        pytest.param("fc", 0.18, 24.33, id="fully-connected"),
    ],
)
def test_mobilenet_table_2(kind, macs_percent, params_percent):
    by_kind, _ = mobilenet_v1()
    by_kind["fc"] = Cost(weights=FC_WEIGHTS, macs=FC_MACS)
    total_macs = sum(c.macs for c in by_kind.values())
    total_weights = sum(c.weights for c in by_kind.values())  # Table 2 counts weights only
    assert round(100 * by_kind[kind].macs / total_macs, 2) == macs_percent
    assert round(100 * by_kind[kind].weights / total_weights, 2) == params_percent


def test_mobilenet_table_2_printed_column_does_not_sum_to_100():
    # the printed Mult-Adds column, 94.86 + 3.06 + 1.19 + 0.18 = 99.29; with 1.91 it is 100.01
    assert round(94.86 + 3.06 + 1.19 + 0.18, 2) == 99.29
    assert round(94.86 + 3.06 + 1.91 + 0.18, 2) == 100.01


def test_mobilenet_table_1_last_depthwise_is_stride_1():
    # Table 1 prints "Conv dw / s2" for the 13th depthwise, input 7x7x1024, and the next layer's
    # input is 7x7x1024 again. With s2 the map would be ceil(7/2) = 4 and the total Mult-Adds
    # 533,833,216, not the paper's 569M; s1 gives 7x7 and 568,740,352.
    (_, hw2), (_, hw1) = mobilenet_v1(last_stride=2), mobilenet_v1(last_stride=1)
    assert hw2 == (-(-7 // 2),) * 2 == (4, 4) and hw1 == (7, 7)
    with_s2 = sum(c.macs for c in mobilenet_v1(last_stride=2)[0].values()) + FC_MACS
    assert round(with_s2 / 1e6) != 569
    assert with_s2 == 568_740_352 - 1024 * 3 * 3 * (49 - 16) - 1024 * 1024 * (49 - 16)


def test_mobilenet_table_4_conv_mobilenet():
    # the paper's Table 4, "Conv MobileNet" (every separable block a full 3x3 conv): 4866 million
    # Mult-Adds and 29.3 million parameters. 4866 is the convolutions alone; with the FC layer,
    # as the 569 of the MobileNet row counts it, the total is 4,867,293,184 (4867 million).
    by_kind, _ = mobilenet_v1("standard")
    conv_macs = by_kind["standard"].macs
    # the stem, then each block as a standard 3x3 conv on its output map
    hw, expected = 112, 3 * 3 * 3 * 32 * 112 * 112
    for cin, cout, s in MOBILENET_V1:
        hw = -(-hw // s)
        expected += 3 * 3 * cin * cout * hw * hw
    assert conv_macs == expected == 4_866_269_184
    assert round(conv_macs / 1e6) == 4866
    assert round((conv_macs + FC_MACS) / 1e6) == 4867
    weights = by_kind["standard"].weights + FC_WEIGHTS
    assert round(weights / 1e6, 1) == 29.3


def test_seed_001_mobilenet_vs_resnet50():
    # seed 001: MobileNetV1 has "6x fewer parameters" and "8x fewer operations" than ResNet-50.
    # ResNet-50 from tests/data/peer-counts.json (torchvision resnet50): params.total 25,557,032,
    # macs_analytic.conv_plus_linear 4,089,184,256 (torchvision publishes 4.089 "GFLOPS").
    by_kind, _ = mobilenet_v1()
    mobilenet_macs = sum(c.macs for c in by_kind.values()) + FC_MACS
    mobilenet_params = sum(c.params for c in by_kind.values()) + FC_WEIGHTS + FC_BIAS
    assert round(25_557_032 / mobilenet_params) == 6  # 6.04: right
    # erratum: 4,089,184,256 / 568,740,352 = 7.19, "about 7x", not 8x
    assert round(4_089_184_256 / mobilenet_macs, 2) == 7.19


# ---------------------------------------------------------------- MobileNetV2's inverted residual

# seed 001: "MobileNetV2 adds inverted residuals: expand channels with 1x1, do depthwise 3x3,
# compress with 1x1". Checked against torchvision's mobilenet_v2 layers in tests/data/peer-counts.json
# (bias-free, BatchNorm after each conv, t = 6 except the first block).
MOBILENET_V2 = [
    # features.1: t = 1, no expand; dw 32 at 112x112, project 32 -> 16
    pytest.param(
        Conv(32, 16, 3, size=112, expansion=1, bias=False, batchnorm=True),
        [3 * 3 * 32 * 112 * 112, 32 * 16 * 112 * 112],  # 3,612,672 + 6,422,528
        [3 * 3 * 32, 32 * 16],
        id="features.1-t1",
    ),
    # features.2: 16 -> 24, stride 2: expand at 112x112, dw and project at 56x56
    pytest.param(
        Conv(16, 24, 3, size=112, stride=2, expansion=6, bias=False, batchnorm=True),
        [16 * 96 * 112 * 112, 3 * 3 * 96 * 56 * 56, 96 * 24 * 56 * 56],  # 19,267,584 + 2,709,504 + 7,225,344
        [16 * 96, 3 * 3 * 96, 96 * 24],
        id="features.2-s2",
    ),
    # features.3: 24 -> 24 at 56x56, stride 1: with the identity shortcut
    pytest.param(
        Conv(24, 24, 3, size=56, expansion=6, bias=False, batchnorm=True),
        [24 * 144 * 56 * 56, 3 * 3 * 144 * 56 * 56, 144 * 24 * 56 * 56, 0],  # 10,838,016 + 4,064,256 + 10,838,016
        [24 * 144, 3 * 3 * 144, 144 * 24, 0],
        id="features.3-residual",
    ),
]


@pytest.mark.parametrize(("layer", "macs", "weights"), MOBILENET_V2)
def test_mobilenet_v2_blocks_match_torchvision(layer, macs, weights):
    stages = evaluate(layer, "inverted_residual").stages
    assert [s.cost.macs for s in stages] == macs
    assert [s.cost.weights for s in stages] == weights
    # BatchNorm after each conv: 2 per output channel
    assert [s.cost.bn for s in stages if s.kind != "add"] == [2 * s.output.c for s in stages if s.kind != "add"]
    if stages[-1].kind == "add":
        assert stages[-1].cost.elementwise == 24 * 56 * 56


def test_mobilenet_v2_per_position_mode_is_per_stage_position():
    # features.2 without a size: each stage per position of its own output (stride plays no part)
    layer = Conv(16, 24, 3, stride=2, bias=False)
    assert evaluate(layer, "inverted_residual").cost.macs == 16 * 96 + 3 * 3 * 96 + 96 * 24
    sized = evaluate(replace(layer, size=112), "inverted_residual").cost.macs
    assert sized == 16 * 96 * 112 * 112 + (3 * 3 * 96 + 96 * 24) * 56 * 56
