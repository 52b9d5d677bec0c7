"""Kinds for model files and channel splits: slice (a view of some channels) and unknown (kept, not counted)."""

from __future__ import annotations

import pytest

from liteconv_cli import parse_spec, walk
from liteconv_cli.engine.activations import memory
from liteconv_cli.errors import SpecError

SPLIT = """
input: [116, 28, 28]
layers:
  - {kind: slice, stop: 58, name: left}
  - {kind: slice, start: 58, from: input, name: right}
  - {kind: pointwise, out: 58, bias: false, name: pw}
  - {kind: unknown, op: GridSample, output: [58, 28, 28], name: weird}
  - {kind: concat, from: [left, weird], name: cat}
"""


def test_slices_are_free_views_that_split_the_channels():
    r = walk(parse_spec(SPLIT))
    rows = {x.name: x for x in r.rows}
    assert rows["left"].output.c == rows["right"].output.c == 58
    assert rows["pw"].reads == ("right",) and rows["pw"].cost.macs == 58 * 58 * 28 * 28
    assert r.total.params == 58 * 58 and r.total.macs == 58 * 58 * 28 * 28
    assert rows["cat"].output.c == 116
    # a slice is a view: it allocates nothing, so the peak is the input, pw's output and the
    # unknown op's output (the concat's output is live with its inputs)
    m = memory(r, "fp32")
    views = [mem.allocates for x, mem in zip(r.rows, m.rows, strict=True) if x.op == "slice"]
    assert views == [False, False]


def test_unknown_keeps_its_shape_and_counts_nothing():
    r = walk(parse_spec(SPLIT))
    (row,) = [x for x in r.rows if x.op == "unknown"]
    assert row.cost.params == row.cost.macs == row.cost.flops == 0
    default = walk(parse_spec("input: [8, 4, 4]\nlayers:\n  - {kind: unknown, op: Erf}\n"))
    assert default.output == default.input


@pytest.mark.parametrize(("layer", "message"), [
    ("{kind: slice, start: 8}", "stop=8 with start=8 is not a channel range of the 8 input channels"),
    ("{kind: slice, start: 2, stop: 9}", "stop=9 with start=2 is not a channel range"),
])
def test_bad_slices_are_one_clear_error(layer, message):
    with pytest.raises(SpecError, match=message):
        walk(parse_spec(f"input: [8, 4, 4]\nlayers:\n  - {layer}\n"))


def test_unknown_may_read_several_tensors():
    r = walk(parse_spec("input: [8, 4, 4]\nlayers:\n  - {kind: conv, out: 8, name: a}\n"
                        "  - {kind: unknown, op: MatMul, from: [input, a], output: [8, 16], name: mm}\n"))
    (row,) = [x for x in r.rows if x.op == "unknown"]
    assert row.reads == ("input", "a") and str(row.output) == "8x16"
