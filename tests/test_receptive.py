"""Receptive fields (engine.receptive), per spatial dimension.

Expected values: the table of Araujo, Norris and Sim (Distill 2019; tests/data/
receptive-fields.json) for the networks it lists, written here as specs of the TF-Slim
layouts it measured; everything else is hand arithmetic with the article's recurrences
``r = r_in + (k' - 1) j_in``, ``j = j_in s``, ``P = sum p_l prod_{i<l} s_i``.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from liteconv_cli.engine.cost import Cost
from liteconv_cli.engine.network import walk
from liteconv_cli.engine.receptive import Field, field_text, receptive_fields
from liteconv_cli.spec import load_spec, parse_spec

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parent / "configs"
DISTILL = json.loads((HERE / "data" / "receptive-fields.json").read_text())["networks"]


def fields_by_name(result):
    return {r.name: f for r, f in zip(result.rows, receptive_fields(result), strict=True)}


def square(rf, attr):
    """The value along H, after checking W agrees (square kernels, square inputs)."""
    h, w = (getattr(f, attr) for f in rf.fields)
    assert h == w
    return h


# TF-Slim's alexnet_v2 (VALID conv1 and pools, SAME elsewhere) as Distill measured it at pool5
ALEXNET_V2 = """
input: [3, 224, 224]
defaults: {activation: relu}
layers:
  - {kind: conv, out: 64, kernel: 11, stride: 4, padding: valid, name: conv1}
  - {kind: pool, mode: max, kernel: 3, stride: 2, name: pool1}
  - {kind: conv, out: 192, kernel: 5, name: conv2}
  - {kind: pool, mode: max, kernel: 3, stride: 2, name: pool2}
  - {kind: conv, out: 384, kernel: 3, name: conv3}
  - {kind: conv, out: 384, kernel: 3, name: conv4}
  - {kind: conv, out: 256, kernel: 3, name: conv5}
  - {kind: pool, mode: max, kernel: 3, stride: 2, name: pool5}
"""

# TF-Slim's resnet_v1_50: the stride on the 3x3 of each block's *last* unit, conv1 padded 3
# (conv2d_same), the max pool SAME on an even map (no padding before)
RESNET_V1_50 = """
input: [3, 224, 224]
defaults: {bias: false, batchnorm: true, activation: relu}
layers:
  - {kind: conv, out: 64, kernel: 7, stride: 2, padding: 3, name: conv1}
  - {kind: pool, mode: max, kernel: 3, stride: 2, name: pool1}
  - {kind: bottleneck, mid: 64, out: 256, repeat: 2, name: block1a}
  - {kind: bottleneck, mid: 64, out: 256, stride: 2, name: block1b}
  - {kind: bottleneck, mid: 128, out: 512, repeat: 3, name: block2a}
  - {kind: bottleneck, mid: 128, out: 512, stride: 2, name: block2b}
  - {kind: bottleneck, mid: 256, out: 1024, repeat: 5, name: block3a}
  - {kind: bottleneck, mid: 256, out: 1024, stride: 2, name: block3b}
  - {kind: bottleneck, mid: 512, out: 2048, repeat: 3, name: block4}
"""


def test_alexnet_v2_as_distill():
    rf = fields_by_name(walk(parse_spec(ALEXNET_V2)))["pool5"]
    d = DISTILL["alexnet_v2"]
    assert square(rf, "size") == d["receptive_field"] == 11 + 2 * 4 + 4 * 8 + 2 * 8 + 3 * 2 * 16 + 2 * 16
    assert square(rf, "jump") == d["effective_stride"]
    assert square(rf, "padding") == d["effective_padding"]


def test_vgg16_pool5_as_distill():
    rf = fields_by_name(walk(load_spec(str(CONFIGS / "vgg16.yaml"))))["pool5"]
    d = DISTILL["vgg_16"]
    assert square(rf, "size") == d["receptive_field"]
    assert square(rf, "jump") == d["effective_stride"]
    assert square(rf, "padding") == d["effective_padding"] == 2 * 1 + 2 * 2 + 3 * 4 + 3 * 8 + 3 * 16


def test_resnet_v1_50_graph_as_distill():
    # a graph: every add takes the larger of its main path and its shortcut
    rows = fields_by_name(walk(parse_spec(RESNET_V1_50)))
    rf = rows["block4.3.add"]
    d = DISTILL["resnet_v1_50"]
    assert square(rf, "size") == d["receptive_field"]
    assert square(rf, "jump") == d["effective_stride"]
    assert square(rf, "padding") == d["effective_padding"]
    # the projection shortcut of block1b sees less than its main path; the add keeps the larger
    assert square(rows["block1b.shortcut"], "size") < square(rows["block1b.conv3"], "size")
    assert square(rows["block1b.add"], "size") == square(rows["block1b.conv3"], "size")


def test_mobilenet_v1_as_distill_and_its_padding_with_pytorch_same():
    rf = fields_by_name(walk(load_spec(str(CONFIGS / "mobilenet_v1.yaml"))))["sep9.pointwise"]
    d = DISTILL["mobilenet_v1"]
    assert square(rf, "size") == d["receptive_field"]
    assert square(rf, "jump") == d["effective_stride"]
    # PyTorch's same pads 1 before every 3x3; TF's SAME pads 0 before at the five stride-2
    # layers (conv1, sep2, sep4, sep6, sep8, entered with jumps 1, 2, 4, 8, 16)
    ours = 1 + 2 + 2 + 4 + 4 + 8 + 8 + 5 * 16 + 16 + 32
    assert square(rf, "padding") == ours == d["effective_padding"] + (1 + 2 + 4 + 8 + 16)


def test_torchvision_resnet18_layer4():
    rows = fields_by_name(walk(load_spec(str(CONFIGS / "resnet18.yaml"))))
    r = 7 + 2 * 2 + 4 * 2 * 4 + (2 * 4 + 3 * 2 * 8) + (2 * 8 + 3 * 2 * 16) + (2 * 16 + 3 * 2 * 32)
    assert square(rows["layer4.2.add"], "size") == r == 435
    assert square(rows["layer2.1.add"], "size") == 7 + 4 + 32 + 8 + 16 == square(rows["layer2.1.conv2"], "size")


def test_two_3x3_see_what_one_5x5_sees():
    five = receptive_fields(walk(load_spec(str(CONFIGS / "seed003_5x5.yaml"))))[-1]
    two = receptive_fields(walk(load_spec(str(CONFIGS / "seed003_two_3x3.yaml"))))[-1]
    assert five.fields == two.fields == (Field(5, 1, 2), Field(5, 1, 2))  # valid padding: centred on pixel 2


@pytest.mark.parametrize(("layer", "size", "jump", "centre"), [
    ("{kind: conv, out: 4, kernel: 3, padding: valid}", 3, 1, 1),
    ("{kind: conv, out: 4, kernel: 3}", 3, 1, 0),                                  # same: pad 1
    ("{kind: conv, out: 4, kernel: 3, dilation: 2}", 5, 1, 0),                      # span 5, pad 2
    ("{kind: conv, out: 4, kernel: 2, padding: valid}", 2, 1, Fraction(1, 2)),      # an even kernel: a half
    ("{kind: conv, out: 4, kernel: 3, stride: 2, padding: 1}", 3, 2, 0),
    ("{kind: pool, mode: max, kernel: 2}", 2, 2, Fraction(1, 2)),
    ("{kind: pool, mode: avg, global: true}", 16, 16, Fraction(15, 2)),             # every one of 16 positions
    ("{kind: pool, mode: avg, output: 4}", 4, 4, Fraction(3, 2)),                   # adaptive 16 -> 4: k = s = 4
])
def test_one_layer_by_hand(layer, size, jump, centre):
    (rf,) = receptive_fields(walk(parse_spec(f"input: [4, 16, 16]\nlayers:\n  - {layer}\n")))
    assert rf.fields == (Field(size, jump, centre),) * 2


def test_kernels_per_dimension():
    # a 1x7 then a 7x1 (Inception's factorised 7x7): 7 along each dimension
    result = walk(parse_spec("input: [4, 16, 16]\nlayers:\n  - {kind: conv, out: 4, kernel: [1, 7]}\n"
                             "  - {kind: conv, out: 4, kernel: [7, 1]}\n"))
    first, second = receptive_fields(result)
    assert first.size == (1, 7) and second.size == (7, 7)
    assert field_text(first, "size") == "1x7" and field_text(second, "size") == "7"


def test_uneven_adaptive_pooling_takes_the_largest_window_and_says_so():
    (rf,) = receptive_fields(walk(parse_spec("input: [4, 7, 7]\nlayers:\n  - {kind: pool, mode: avg, output: 3}\n")))
    # windows of 7 -> 3: [0,3), [2,5), [4,7): the largest holds 3 positions, the mean stride 7/3
    assert rf.size == (3, 3) and rf.jump == (Fraction(7, 3),) * 2 and rf.approximate


def test_a_squeeze_excite_gate_is_global_context_not_a_larger_local_field():
    rows = fields_by_name(walk(load_spec(str(CONFIGS / "efficientnet_b0.yaml"))))
    scale, dw = rows["stage1.se.scale"], rows["stage1.depthwise"]
    assert scale.fields == dw.fields and scale.global_context and not dw.global_context
    assert rows["stage7.project"].global_context


# ------------------------------------------------------------------ rank-generic rows with reads/writes
# Rows as the 0.2 engine will make them (contract: Shape(c, size), Row.padding/dilation/reads/writes),
# built by hand here so the fold is checked on 1-D and 3-D data and on a named graph.


class FakeShape(NamedTuple):
    c: int
    size: tuple[int, ...] | None

    @property
    def positions(self) -> int:
        p = 1
        for v in self.size or ():
            p *= v
        return p

    @property
    def elements(self) -> int:
        return self.c * self.positions


class FakeRow(NamedTuple):
    name: str
    op: str
    input: Any
    output: Any
    reads: tuple[str, ...]
    writes: str
    kernel: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[tuple[int, int], ...] | None = None
    dilation: tuple[int, ...] | None = None
    path: tuple[int, ...] = (1,)
    cost: Cost = Cost()
    activation: str = "none"
    groups: int | None = None
    inputs: int = 1


class FakeResult(NamedTuple):
    input: Any
    rows: tuple[Any, ...]


def test_one_dimensional_signal_m5_style():
    # M5 (Dai et al. 2017) front: conv1d k=80 s=4, max pool 4, conv1d k=3, pool 4 on 16,000 samples
    s = FakeShape
    rows = (
        FakeRow("conv1", "conv", s(1, (16000,)), s(128, (3981,)), ("input",), "conv1", (80,), (4,), ((0, 0),), (1,)),
        FakeRow("pool1", "max_pool", s(128, (3981,)), s(128, (995,)), ("conv1",), "pool1", (4,), (4,), ((0, 0),)),
        FakeRow("conv2", "conv", s(128, (995,)), s(128, (993,)), ("pool1",), "conv2", (3,), (1,), ((0, 0),), (1,)),
        FakeRow("pool2", "max_pool", s(128, (993,)), s(128, (248,)), ("conv2",), "pool2", (4,), (4,), ((0, 0),)),
    )
    fields = receptive_fields(FakeResult(s(1, (16000,)), rows))
    assert [f.size for f in fields] == [(80,), (80 + 3 * 4,), (92 + 2 * 16,), (124 + 3 * 16,)]
    assert [f.jump for f in fields] == [(4,), (16,), (16,), (64,)]


def test_three_dimensional_video_and_a_named_graph():
    # a (3, 7, 7) stem with stride (1, 2, 2) and padding (1, 3, 3); a skip from the stem added back
    s = FakeShape
    x, y = s(3, (16, 112, 112)), s(64, (16, 56, 56))
    rows = (
        FakeRow("stem", "conv", x, y, ("input",), "stem", (3, 7, 7), (1, 2, 2), ((1, 1), (3, 3), (3, 3)), (1, 1, 1)),
        FakeRow("a", "conv", y, y, ("stem",), "a", (3, 3, 3), (1, 1, 1), ((1, 1), (2, 2), (2, 2)), (1, 2, 2)),
        FakeRow("sum", "add", y, y, ("stem", "a"), "sum"),
    )
    stem, a, total = receptive_fields(FakeResult(x, rows))
    assert stem.fields == (Field(3, 1, 0), Field(7, 2, 0), Field(7, 2, 0))
    # dilation (1, 2, 2): spans 3, 5, 5 on jumps 1, 2, 2; padding 1, 2, 2 before
    assert a.size == (3 + 2 * 1, 7 + 4 * 2, 7 + 4 * 2)
    assert a.centre == (0 + (1 - 1) * 1, 0 + (2 - 2) * 2, 0 + (2 - 2) * 2)
    assert a.fields[1].start == -(2 * 2 + 3)  # 2 pads of jump 2 beyond the stem's own 3
    assert total.fields == a.fields  # the larger path into the add


def test_cli_receptive_field_column(run):
    import csv
    import io

    r = run("network", str(CONFIGS / "resnet18.yaml"), "--receptive-field", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(r.stdout))}
    assert (rows["layer4.2.add"]["rf"], rows["layer4.2.add"]["rf_jump"], rows["conv1"]["rf"]) == ("435", "32", "7")
    table = run("network", str(CONFIGS / "efficientnet_b0.yaml"), "--receptive-field")
    assert "*" in table.stdout  # SE rows are marked as reached by a global gate
