"""Memory, traffic and peak activation memory (engine.activations and ``network --memory``).

Expected values are hand computations written as arithmetic: element counts of each tensor,
which tensors are live while a row runs (the model of docs/design-tools.md), and ShuffleNet
V2's memory access cost (Ma et al., arXiv:1807.11164, section 2, guideline G1).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from liteconv_cli.engine.activations import memory
from liteconv_cli.engine.network import walk
from liteconv_cli.spec import load_spec, parse_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
V2 = str(CONFIGS / "mobilenet_v2.yaml")

# a few layers, one residual block, one branches-concat (with an identity branch)
SMALL = """
input: [4, 8, 8]
defaults: {bias: false}
layers:
  - {kind: conv, out: 8, kernel: 3, name: stem}
  - kind: block
    name: res
    shortcut: identity
    layers:
      - {kind: conv, out: 16, kernel: 1, name: a}
      - {kind: conv, out: 8, kernel: 3, name: b}
  - kind: branches
    name: br
    branches:
      - [{kind: conv, out: 8, kernel: 1, name: p}]
      - [{kind: conv, out: 4, kernel: 1, name: q}, {kind: conv, out: 4, kernel: 3, name: r}]
      - []
  - {kind: pool, mode: avg, global: true, name: gap}
  - {kind: fc, out: 10, name: fc}
"""
HW = 8 * 8
# elements of each tensor
X, S, A, B, R = 4 * HW, 8 * HW, 16 * HW, 8 * HW, 8 * HW
P, Q, RR, C = 8 * HW, 4 * HW, 4 * HW, (8 + 4 + 8) * HW
G, F = 20, 10


def mem(text: str, dtype: str = "int8"):
    result = walk(parse_spec(text))
    return result, memory(result, dtype)


def test_small_network_by_hand():
    result, m = mem(SMALL)  # int8: one byte per value, so bytes = elements
    assert [r.name for r in result.rows] == [
        "stem", "res.a", "res.b", "res.add", "br.1.p", "br.2.q", "br.2.r", "br.concat", "gap", "fc"]
    params = [8 * 4 * 3 * 3, 16 * 8, 8 * 16 * 3 * 3, 0, 8 * 8, 4 * 8, 4 * 4 * 3 * 3, 0, 0, 20 * 10 + 10]
    reads = [X, S, A, 2 * R, R, R, Q, C, C, G]  # the concat reads its three inputs: P + RR + R = C
    outs = [S, A, B, R, P, Q, RR, C, G, F]
    assert [r.param_bytes for r in m.rows] == params
    assert [r.activation_bytes for r in m.rows] == outs
    assert [r.read_bytes for r in m.rows] == reads
    assert [r.moved_bytes for r in m.rows] == [i + p + o for i, p, o in zip(reads, params, outs, strict=True)]
    # live while each row runs: the block input S waits for res.add; R waits for the concat
    # (branch 2 and the identity branch 3 read it); finished branches wait for the concat
    assert [r.live_bytes for r in m.rows] == [
        X + S,              # stem: the input, then freed
        S + A,              # res.a
        S + A + B,          # res.b: A is freed after it
        S + B + R,          # res.add
        R + P,              # br.1.p
        R + P + Q,          # br.2.q
        R + P + Q + RR,     # br.2.r: Q freed after it
        R + P + RR + C,     # br.concat: the peak
        C + G,              # gap
        G + F,              # fc; F, the output, stays
    ]
    assert m.peak_bytes == (8 + 8 + 4 + 20) * 8 * 8 and result.rows[m.peak_row].name == "br.concat"
    assert m.param_bytes == sum(params) and m.moved_bytes == sum(r.moved_bytes for r in m.rows)
    assert (m.input_bytes, m.output_bytes, m.largest_tensor_bytes) == (X, F, max(A, C))
    assert m.intensity == pytest.approx(result.total.macs / m.moved_bytes)


@pytest.mark.parametrize(("dtype", "nbytes"), [("fp32", 4), ("fp16", 2), ("bf16", 2), ("int8", 1)])
def test_bytes_scale_with_the_dtype(dtype, nbytes):
    _, m8 = mem(SMALL, "int8")
    _, m = mem(SMALL, dtype)
    assert m.bytes_per_value == nbytes
    assert (m.peak_bytes, m.param_bytes, m.moved_bytes) == (
        nbytes * m8.peak_bytes, nbytes * m8.param_bytes, nbytes * m8.moved_bytes)
    assert m.intensity == pytest.approx(m8.intensity / nbytes)


@pytest.mark.parametrize(
    ("c1", "c2", "h", "w"),
    [
        (58, 58, 28, 28),  # ShuffleNet V2 1x, stage 2's 1x1 convolutions
        (116, 116, 14, 14),
        (24, 144, 56, 56),  # MobileNetV2's expand 1x1 (c1 != c2: MAC above its bound)
        (1, 1, 1, 1),
    ],
)
def test_shufflenet_v2_memory_access_cost_of_a_1x1_conv(c1, c2, h, w):
    # arXiv:1807.11164 eq. (1): MAC = hw(c1 + c2) + c1 c2 for a bias-free 1x1 conv, in values
    _, m = mem(f"input: [{c1}, {h}, {w}]\nlayers:\n  - {{kind: pointwise, out: {c2}, bias: false}}\n")
    (row,) = m.rows
    assert row.moved_bytes == h * w * (c1 + c2) + c1 * c2
    assert row.intensity == pytest.approx(h * w * c1 * c2 / (h * w * (c1 + c2) + c1 * c2))


def test_mobilenet_v2_inverted_residual_block_peak_by_hand():
    # torchvision mobilenet_v2 features.3: 24 -> 144 (expand) -> 144 (depthwise) -> 24, stride 1, shortcut
    text = ("input: [24, 56, 56]\ndefaults: {bias: false, batchnorm: true, activation: relu6}\n"
            "layers:\n  - {kind: inverted_residual, out: 24, expansion: 6}\n")
    result, m = mem(text, "fp32")
    hw = 56 * 56
    assert [r.live_bytes for r in m.rows] == [
        (24 + 144) * hw * 4,          # expand: the block input stays for the add
        (24 + 144 + 144) * hw * 4,    # depthwise: input, expanded, depthwise output
        (24 + 144 + 24) * hw * 4,     # project
        (24 + 24 + 24) * hw * 4,      # add: input, projection, sum
    ]
    assert m.peak_bytes == (24 + 144 + 144) * 56 * 56 * 4 == 3_913_728
    assert result.rows[m.peak_row].name.endswith(".depthwise")
    assert m.rows[3].read_bytes == 2 * 24 * hw * 4


def test_mobilenet_v2_peak_by_hand():
    # the first stride-2 block (bneck2.1, 16 -> 96 at 112x112, depthwise to 56x56, no shortcut):
    # while its depthwise runs, the 96x112x112 expansion and the 96x56x56 result are live
    result = walk(load_spec(V2))
    m = memory(result, "fp32")
    assert m.peak_bytes == (96 * 112 * 112 + 96 * 56 * 56) * 4 == 6_021_120
    assert result.rows[m.peak_row].name == "bneck2.1.depthwise"
    assert m.largest_tensor_bytes == 96 * 112 * 112 * 4
    assert m.param_bytes == 3_504_872 * 4  # peer-counts.json models.mobilenet_v2.params.total


def test_in_place_batchnorm_and_activation():
    text = """
input: [2, 4, 4]
layers:
  - {kind: conv, out: 4, kernel: 1, bias: false, name: c}
  - {kind: activation, function: relu, name: act}
  - kind: block
    name: blk
    shortcut: identity
    layers:
      - {kind: batchnorm, name: bn}
      - {kind: conv, out: 4, kernel: 1, bias: false, name: d}
  - {kind: flatten, name: flat}
  - {kind: fc, out: 3, bias: false, name: fc}
"""
    result, m = mem(text)
    t = 4 * 4 * 4  # every 4x4x4 tensor
    assert [r.name for r in result.rows] == ["c", "act", "blk.bn", "blk.d", "blk.add", "flat", "fc"]
    # act runs in place; blk.bn cannot (the add still reads its input); flatten is a view
    assert [r.allocates for r in m.rows] == [True, False, True, True, True, False, True]
    assert [r.live_bytes for r in m.rows] == [2 * 16 + t, t, 2 * t, 3 * t, 3 * t, t, t + 3]
    assert m.peak_bytes == 3 * t and result.rows[m.peak_row].name == "blk.d"


def test_split_branches_read_a_view_of_the_input():
    # ShuffleNet V2's unit: half the channels pass, half go through a 1x1; concat; shuffle
    text = """
input: [8, 4, 4]
layers:
  - kind: branches
    name: unit
    split: 2
    branches:
      - []
      - [{kind: pointwise, out: 4, bias: false, name: pw}]
  - {kind: shuffle, groups: 2, name: shuffle}
"""
    result, m = mem(text)
    assert [r.name for r in result.rows] == ["unit.2.pw", "unit.concat", "shuffle"]
    assert [r.read_bytes for r in m.rows] == [4 * 16, 8 * 16, 8 * 16]
    assert [r.live_bytes for r in m.rows] == [8 * 16 + 4 * 16, 8 * 16 + 4 * 16 + 8 * 16, 2 * 8 * 16]
    assert m.peak_bytes == (8 + 4 + 8) * 16


def test_squeeze_excitation_keeps_its_input_until_the_multiply():
    text = "input: [8, 4, 4]\nlayers:\n  - {kind: se, squeeze: 2, name: se}\n"
    result, m = mem(text)
    assert [r.name for r in result.rows] == ["se.pool", "se.reduce", "se.expand", "se.scale"]
    x = 8 * 16
    assert [r.live_bytes for r in m.rows] == [x + 8, x + 8 + 2, x + 2 + 8, x + 8 + x]
    assert m.rows[3].read_bytes == x + 8  # the input and the 8x1x1 gate, not twice the input


@pytest.mark.parametrize("config", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_config_invariants(config):
    result = walk(load_spec(str(config)))
    m = memory(result, "fp32")
    assert len(m.rows) == len(result.rows)
    assert m.peak_bytes == max(m.input_bytes, *(r.live_bytes for r in m.rows))
    assert m.peak_bytes >= m.largest_tensor_bytes >= max(r.activation_bytes for r in m.rows)
    assert m.param_bytes == 4 * result.total.params == sum(r.param_bytes for r in m.rows)
    for row, r in zip(result.rows, m.rows, strict=True):
        assert r.activation_bytes == 4 * row.output.elements
        if row.op in ("flatten", "dropout", "identity"):  # a view or a no-op: no allocation, no traffic
            assert (r.allocates, r.moved_bytes, r.read_bytes) == (False, 0, 0)
            continue
        assert r.moved_bytes == r.read_bytes + r.param_bytes + r.activation_bytes
        if r.allocates and row.op not in ("add", "concat", "mul"):  # its input and its output are live
            assert r.live_bytes >= r.activation_bytes + r.read_bytes


# ------------------------------------------------------------------ the CLI


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_memory_columns_and_totals(run):
    r = run("network", V2, "--memory", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = rows_of(r.stdout)
    assert max(int(row["live_bytes"]) for row in rows) == (96 * 112 * 112 + 96 * 56 * 56) * 4
    assert sum(int(row["param_bytes"]) for row in rows) == 3_504_872 * 4  # peer-counts.json
    first = rows[0]  # features.0: 3x224x224 -> 32x112x112, 864 weights + 64 BatchNorm
    assert int(first["moved_bytes"]) == (3 * 224 * 224 + 864 + 64 + 32 * 112 * 112) * 4


def test_cli_dtype_alone_turns_memory_on(run):
    r = run("network", V2, "--dtype", "int8", "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    data = json.loads(r.stdout)
    (meta,) = data["meta"]["networks"]
    assert meta["memory"]["dtype"] == "int8" and meta["memory"]["bytes_per_value"] == 1
    assert meta["memory"]["peak_bytes"] == 96 * 112 * 112 + 96 * 56 * 56
    assert meta["memory"]["peak_at"] == "bneck2.1.depthwise"
    assert set(data["tables"]) == {"layers", "breakdown", "memory"}


def test_cli_summary_memory(run):
    r = run("network", V2, V2, "--summary", "--memory", "--dtype", "fp16", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = rows_of(r.stdout)
    assert [int(row["peak_bytes"]) for row in rows] == [(96 * 112 * 112 + 96 * 56 * 56) * 2] * 2
    assert rows[0]["dtype"] == "fp16" and int(rows[0]["param_bytes"]) == 3_504_872 * 2


def test_cli_memory_table_for_people(run):
    r = run("network", V2, "--memory")
    assert r.exit_code == 0 and r.stderr == ""
    assert "peak activations" in r.stdout and "6,021,120" in r.stdout and "bneck2.1.depthwise" in r.stdout
    assert "live bytes" in r.stdout and "MACs/byte" in r.stdout


def test_cli_bad_dtype_is_a_usage_error(run):
    r = run("network", V2, "--dtype", "fp64")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("Error: ")


def test_memory_engine_imports_without_click_or_rich():
    code = ("import sys, liteconv_cli.engine.activations, liteconv_cli.engine.conventions; "
            "assert not {'click', 'rich', 'yaml'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_layer_named_like_a_shortcut_is_an_ordinary_layer():
    text = ("input: [2, 4, 4]\nlayers:\n  - kind: block\n    layers:\n"
            "      - {kind: conv, out: 4, kernel: 1, bias: false, name: x.shortcut}\n"
            "      - {kind: conv, out: 2, kernel: 1, bias: false, name: y}\n")
    result, m = mem(text)
    assert [r.read_bytes for r in m.rows] == [2 * 16, 4 * 16]
    assert [r.live_bytes for r in m.rows] == [2 * 16 + 4 * 16, 4 * 16 + 2 * 16]


def test_cli_new_columns_come_after_the_usual_ones(run):
    plain = run("network", V2, "--format", "csv").stdout.splitlines()[0]
    both = run("network", V2, "--memory", "--convention", "fvcore", "--format", "csv").stdout.splitlines()[0]
    added = "dtype,param_bytes,read_bytes,activation_bytes,moved_bytes,intensity,live_bytes,convention_fvcore"
    assert both == plain + "," + added
