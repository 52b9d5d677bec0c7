"""ONNX files read as specs: the fixtures' truth exactly, graphs built with onnx.helper, bad files.

Truth: ``tests/data/onnx/truth.json`` (see tests/data/README.md): each file's params (as the
file holds them: BatchNorm folded or not), MACs by op type and each MAC node's MACs, measured
on the PyTorch source models. Graphs built here get their expected figures from arithmetic
written in the test (PyTorch's formulas) and their shapes from onnx's own shape inference.
"""

from __future__ import annotations

import json
import math
import os
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

from liteconv_cli.engine.network import walk  # noqa: E402
from liteconv_cli.errors import SpecError  # noqa: E402
from liteconv_cli.importers import read_model  # noqa: E402
from liteconv_cli.spec import load_spec  # noqa: E402

DATA = Path(__file__).parent / "data" / "onnx"
TRUTH = json.loads((DATA / "truth.json").read_text())["files"]
FILES = sorted(TRUTH)
CONV_KINDS = ("conv", "depthwise", "conv_transpose")
FC_KINDS = ("fc", "linear")


def _prod(v: object, rank: int) -> int:
    return math.prod(v) if isinstance(v, list) else int(v) ** rank  # type: ignore[call-overload]


def reader_macs(imported) -> dict[str, int]:
    """Each layer's MACs from the reader's own output (its keys and shapes), by fvcore's formulas."""
    out = {}
    for layer in imported.data["layers"]:
        info = imported.layers[layer["name"]]
        x, y = info.inputs[0], info.output
        kind = layer["kind"]
        if kind == "conv":
            macs = y.c * y.positions * (x.c // layer.get("groups", 1)) * _prod(layer["kernel"], len(y.size))
        elif kind == "depthwise":  # groups = C_in: each output channel sees one input channel
            macs = y.c * y.positions * _prod(layer["kernel"], len(y.size))
        elif kind == "conv_transpose":
            macs = x.c * x.positions * (y.c // layer.get("groups", 1)) * _prod(layer["kernel"], len(x.size))
        elif kind == "fc":
            macs = x.elements * layer["out"]
        elif kind == "linear":
            macs = x.positions * x.c * layer["out"]
        else:
            continue
        out[layer["name"]] = macs
    return out


# ------------------------------------------------------------------ the fixtures


@pytest.mark.parametrize("name", FILES)
def test_reader_reproduces_every_mac_node_and_the_params(name):
    t = TRUTH[name]
    imported = read_model(str(DATA / name))
    assert reader_macs(imported) == {n.lstrip("/"): m for n, _, m in t["mac_nodes"]}
    assert imported.file_params == t["params"]


@pytest.mark.parametrize("name", FILES)
def test_counted_as_a_spec_the_file_gives_its_truth(name):
    t = TRUTH[name]
    cost = walk(load_spec(str(DATA / name)))
    assert cost.total.params == t["params"]
    assert cost.total.macs == t["macs"]
    by_kind = {"Conv": 0, "Gemm": 0}
    for r in cost.rows:
        if r.kind in CONV_KINDS:
            by_kind["Conv"] += r.cost.macs
        elif r.kind in FC_KINDS:
            by_kind["Gemm"] += r.cost.macs
    assert {k: v for k, v in by_kind.items() if v} == t["macs_by_op"]
    # params by role: a folded conv's bias is a bias; a kept BatchNorm is gamma and beta
    roles = t["params_by_role"]
    assert cost.total.bn == roles.get("bn_scale", 0) + roles.get("bn_bias", 0)
    assert cost.total.bias == roles.get("conv_bias", 0) + roles.get("gemm_bias", 0)
    assert str(cost.output) == "x".join(map(str, t["outputs"][0]["shape"][1:] + [1, 1]))


def test_weights_inline_external_or_graph_inputs_count_the_same():
    counts = {n: walk(load_spec(str(DATA / n))).total for n in ("tiny_cnn.onnx", "tiny_cnn.params_as_inputs.onnx")}
    assert counts["tiny_cnn.onnx"] == counts["tiny_cnn.params_as_inputs.onnx"]
    assert TRUTH["tiny_cnn.onnx"]["weights_storage"] == "inline"
    assert TRUTH["tiny_cnn.params_as_inputs.onnx"]["weights_storage"] == "graph_inputs_no_values"
    assert TRUTH["mobilenet_v2.onnx"]["weights_storage"] == "external_data_file_deleted"


@pytest.mark.parametrize("name", FILES)
def test_batchnorm_folded_by_the_exporter_is_reported(name, run):
    t = TRUTH[name]
    model = read_model(str(DATA / name))
    torch_had_bn = json.loads((DATA / "truth.json").read_text())["models"][t["model"]]["torch"]["bn_modules"] > 0
    folded = [n for n in model.notes if n.startswith("BatchNorm folded by the exporter")]
    assert bool(folded) == (torch_had_bn and not t["bn_kept_in_file"])
    if folded:
        result = run("network", str(DATA / name), "--summary")
        assert result.exit_code == 0
        assert "BatchNorm folded by the exporter" in result.stdout


def test_the_nofold_export_counts_as_the_shipped_spec_of_the_same_network():
    """resnet18.nofold.onnx (BatchNorm kept) and configs/resnet18.yaml are the same torchvision model."""
    from_file = walk(load_spec(str(DATA / "resnet18.nofold.onnx")))
    from_spec = walk(load_spec(str(Path(__file__).parents[1] / "configs" / "resnet18.yaml")))
    assert from_file.total == from_spec.total
    # the same cost in every category; the file has more free rows (a ReLU after each add is its own node)
    assert [(b.category, b.cost) for b in from_file.breakdown()] == [(b.category, b.cost) for b in
                                                                      from_spec.breakdown()]
    assert [(b.category, b.layers) for b in from_file.breakdown() if b.category != "other"] == [
        (b.category, b.layers) for b in from_spec.breakdown() if b.category != "other"]


@pytest.mark.parametrize("name", FILES)
def test_import_round_trips(name, run, tmp_path):
    out = tmp_path / "spec.yaml"
    result = run("import", str(DATA / name), "-o", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    text = out.read_text()
    assert text.startswith(f"# Read from {DATA / name} by liteconv import")
    direct, written = walk(load_spec(str(DATA / name))), walk(load_spec(str(out)))
    assert written.total == direct.total
    assert [(r.name, r.kind, r.output, r.cost) for r in written.rows] == [
        (r.name, r.kind, r.output, r.cost) for r in direct.rows]


def test_every_format_and_analysis_reads_a_model_file(run):
    path = str(DATA / "mobilenet_v2.onnx")
    for args in (["--format", "csv"], ["--format", "json"], ["--format", "markdown"], ["--memory"],
                 ["--convention", "all"], ["--summary"]):
        result = run("network", path, *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr == ""
    data = json.loads(run("network", path, "--format", "json").stdout)
    assert data["meta"]["networks"][0]["total"]["params"] == TRUTH["mobilenet_v2.onnx"]["params"]


# ------------------------------------------------------------------ graphs built with onnx.helper


def _model(nodes, inputs, outputs, inits=(), opset=17, value_info=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits), value_info=list(value_info))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _w(name, dims, values=None):
    """A float initializer with raw bytes (as exporters write them; onnx moves only those to external data)."""
    n = math.prod(dims)
    vals = values if values is not None else [0.01 * (i % 7) for i in range(n)]
    return helper.make_tensor(name, TensorProto.FLOAT, dims, struct.pack(f"<{n}f", *vals), raw=True)


def _i64(name, values):
    return helper.make_tensor(name, TensorProto.INT64, [len(values)], values)


def _in(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def _save(tmp_path, model, name="m.onnx"):
    path = tmp_path / name
    onnx.save_model(model, str(path))
    return str(path)


def _inferred_dims(model, tensor):
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    for vi in [*inferred.graph.value_info, *inferred.graph.output]:
        if vi.name == tensor:
            return [d.dim_value for d in vi.type.tensor_type.shape.dim]
    raise KeyError(tensor)


def _rows(path, **options):
    cost = walk(load_spec(path, **options))
    return cost, {r.name: r for r in cost.rows}


def test_conv_transpose_counts_on_the_input_grid_and_takes_its_shape(tmp_path):
    # ConvTranspose 8 -> 4, k3 s2 p1 output_padding 1 on 8x10: out = (in-1)*2 - 2 + 3 + 1 = 2*in
    nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="up", strides=[2, 2], pads=[1, 1, 1, 1],
                              output_padding=[1, 1])]
    model = _model(nodes, [_in("x", [1, 8, 8, 10])], [_in("y", None)], [_w("w", [8, 4, 3, 3]), _w("b", [4])])
    cost, rows = _rows(_save(tmp_path, model))
    assert str(rows["up"].output) == "x".join(map(str, _inferred_dims(model, "y")[1:]))  # 4x16x20
    assert rows["up"].cost.macs == 8 * 8 * 10 * 4 * 3 * 3
    assert cost.total.params == 8 * 4 * 9 + 4


def test_matmul_per_position_with_its_bias_layernorm_and_transposes(tmp_path):
    # ConvNeXt's MLP: NCHW -> NHWC, LayerNorm(C), Linear(C -> 4C) (MatMul + Add), GELU, Linear back, NCHW
    c, h, w = 16, 7, 7
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
        helper.make_node("LayerNormalization", ["t", "g", "be"], ["n"], axis=-1, name="norm"),
        helper.make_node("MatMul", ["n", "w1"], ["m1"], name="fc1"),
        helper.make_node("Add", ["m1", "b1"], ["a1"]),
        helper.make_node("Gelu", ["a1"], ["g1"], name="act"),
        helper.make_node("MatMul", ["g1", "w2"], ["m2"], name="fc2"),
        helper.make_node("Add", ["b2", "m2"], ["a2"]),
        helper.make_node("Transpose", ["a2"], ["y"], perm=[0, 3, 1, 2]),
    ]
    inits = [_w("g", [c]), _w("be", [c]), _w("w1", [c, 4 * c]), _w("b1", [4 * c]), _w("w2", [4 * c, c]),
             _w("b2", [c])]
    model = _model(nodes, [_in("x", [1, c, h, w])], [_in("y", None)], inits, opset=20)
    cost, rows = _rows(_save(tmp_path, model))
    assert [r.kind for r in cost.rows] == ["layernorm", "linear", "linear"]
    assert rows["fc1"].activation == "gelu"  # the GELU folded into the layer before it
    assert rows["fc1"].cost.macs == h * w * c * 4 * c
    assert cost.total.macs == 2 * h * w * c * 4 * c
    assert cost.total.params == 2 * c + (c * 4 * c + 4 * c) + (4 * c * c + c)
    assert str(cost.output) == "x".join(map(str, _inferred_dims(model, "y")[1:]))


def test_pooling_ceil_mode_and_count_include_pad(tmp_path):
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p1"], name="maxpool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
        helper.make_node("AveragePool", ["p1"], ["y"], name="avgpool", kernel_shape=[3, 3], strides=[1, 1],
                         pads=[1, 1, 1, 1], count_include_pad=0),
    ]
    model = _model(nodes, [_in("x", [1, 8, 56, 56])], [_in("y", None)])
    path = _save(tmp_path, model)
    data = read_model(path).data["layers"]
    assert data[0]["ceil_mode"] is True and data[1]["count_include_pad"] is False
    cost, rows = _rows(path)
    # ceil((56 - 3) / 2) + 1 = 28 (floor would give 27); PyTorch's MaxPool2d(3, 2, ceil_mode=True) agrees
    assert str(rows["maxpool"].output) == "8x28x28" == "x".join(map(str, _inferred_dims(model, "p1")[1:]))
    assert str(rows["avgpool"].output) == "8x28x28"


def test_uneven_pads_become_a_pad_layer_and_same_upper_is_same(tmp_path):
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["a"], name="same", strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("Conv", ["a", "w2"], ["y"], name="uneven", pads=[0, 1, 2, 0]),
    ]
    inits = [_w("w1", [8, 3, 3, 3]), _w("w2", [8, 8, 3, 3])]
    model = _model(nodes, [_in("x", [1, 3, 32, 32])], [_in("y", None)], inits)
    path = _save(tmp_path, model)
    layers = {la["name"]: la for la in read_model(path).data["layers"]}
    assert layers["same"]["padding"] == "same"
    assert layers["uneven/pad"] == {"kind": "pad", "name": "uneven/pad", "padding": [1, 0, 0, 2]}  # F.pad order
    cost, rows = _rows(path)
    assert str(rows["same"].output) == "8x16x16" == "x".join(map(str, _inferred_dims(model, "a")[1:]))
    assert str(rows["uneven"].output) == "x".join(map(str, _inferred_dims(model, "y")[1:]))  # 8x16x15
    assert rows["uneven"].cost.macs == 8 * 16 * 15 * 8 * 9


def test_activations_silu_se_gate_and_softmax(tmp_path):
    # EfficientNet's pieces: conv + SiLU (Sigmoid, Mul), SE (pool, conv, SiLU, conv, Sigmoid, Mul), softmax
    c = 8
    nodes = [
        helper.make_node("Conv", ["x", "w0"], ["c0"], name="stem", pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["c0"], ["s0"]),
        helper.make_node("Mul", ["c0", "s0"], ["a0"], name="swish"),
        helper.make_node("GlobalAveragePool", ["a0"], ["p"], name="se.pool"),
        helper.make_node("Conv", ["p", "w1", "b1"], ["r"], name="se.reduce"),
        helper.make_node("Relu", ["r"], ["rr"]),
        helper.make_node("Conv", ["rr", "w2", "b2"], ["e"], name="se.expand"),
        helper.make_node("HardSigmoid", ["e"], ["gate"], alpha=1 / 6, beta=0.5),
        helper.make_node("Mul", ["a0", "gate"], ["scaled"], name="se.scale"),
        helper.make_node("Clip", ["scaled", "lo", "hi"], ["r6"], name="relu6"),
        helper.make_node("HardSwish", ["r6"], ["hs"], name="hswish"),
        helper.make_node("ReduceMean", ["hs"], ["gp"], name="mean", axes=[2, 3], keepdims=0),
        helper.make_node("Gemm", ["gp", "wf", "bf"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["y"], name="softmax", axis=1),
    ]
    inits = [_w("w0", [c, 3, 3, 3]), _w("w1", [2, c, 1, 1]), _w("b1", [2]), _w("w2", [c, 2, 1, 1]), _w("b2", [c]),
             helper.make_tensor("lo", TensorProto.FLOAT, [], [0.0]), helper.make_tensor("hi", TensorProto.FLOAT, [],
                                                                                         [6.0]),
             _w("wf", [10, c]), _w("bf", [10])]
    model = _model(nodes, [_in("x", [1, 3, 16, 16])], [_in("y", None)], inits, opset=17)
    path = _save(tmp_path, model)
    cost, rows = _rows(path)
    assert rows["stem"].activation == "silu"
    assert rows["se.reduce"].activation == "relu"
    assert rows["se.expand"].activation == "hardsigmoid"
    assert rows["se.scale"].kind == "mul"
    assert rows["relu6"].activation == "relu6" and rows["hswish"].activation == "hardswish"
    assert rows["fc"].activation == "softmax"
    assert rows["mean"].kind == "pool"
    assert cost.total.macs == c * 3 * 9 * 256 + 2 * c + 2 * c + c * 10
    assert cost.total.params == c * 27 + (2 * c + 2) + (2 * c + c) + (c * 10 + 10)
    assert read_model(path).file_params == cost.total.params


def test_channel_shuffle_split_and_concat(tmp_path):
    # ShuffleNet's shuffle (Reshape, Transpose, Reshape) is a shuffle row; a Split is listed as unknown
    nodes = [
        helper.make_node("Reshape", ["x", "s1"], ["r1"], name="shuffle"),
        helper.make_node("Transpose", ["r1"], ["t"], perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["t", "s2"], ["r2"]),
        helper.make_node("Conv", ["r2", "w"], ["c"], name="conv"),
        helper.make_node("Concat", ["c", "r2"], ["y"], name="cat", axis=1),
    ]
    inits = [_i64("s1", [1, 2, 8, 4, 4]), _i64("s2", [1, -1, 4, 4]), _w("w", [16, 16, 1, 1])]
    model = _model(nodes, [_in("x", [1, 16, 4, 4])], [_in("y", None)], inits)
    cost, rows = _rows(_save(tmp_path, model))
    assert (rows["shuffle"].kind, rows["shuffle"].groups) == ("shuffle", 2)
    assert str(rows["cat"].output) == "32x4x4"

    split = _model([helper.make_node("Split", ["x", "sp"], ["a", "b"], axis=1, name="split"),
                    helper.make_node("Add", ["a", "b"], ["y"])],
                   [_in("x", [1, 16, 4, 4])], [_in("y", None)], [_i64("sp", [8, 8])])
    with pytest.raises(SpecError, match=r"Split \(of an activation\) \(1\)"):
        read_model(_save(tmp_path, split, "split.onnx"))


def test_resize_upsample_and_pad(tmp_path):
    nodes = [
        helper.make_node("Pad", ["x", "pads"], ["p"], name="pad", mode="reflect"),
        helper.make_node("Resize", ["p", "", "scales"], ["u"], name="up", mode="nearest"),
        helper.make_node("Resize", ["u", "", "", "sizes"], ["y"], name="to", mode="linear",
                         coordinate_transformation_mode="align_corners"),
    ]
    inits = [_i64("pads", [0, 0, 1, 2, 0, 0, 1, 2]), helper.make_tensor("scales", TensorProto.FLOAT, [4],
                                                                         [1, 1, 2, 2]),
             _i64("sizes", [1, 4, 30, 31])]
    model = _model(nodes, [_in("x", [1, 4, 6, 7])], [_in("y", None)], inits)
    path = _save(tmp_path, model)
    layers = {la["name"]: la for la in read_model(path).data["layers"]}
    assert layers["pad"]["padding"] == [2, 2, 1, 1] and layers["pad"]["mode"] == "reflect"
    assert layers["to"]["mode"] == "bilinear" and layers["to"]["align_corners"] is True
    cost, rows = _rows(path)
    for name, tensor in (("pad", "p"), ("up", "u"), ("to", "y")):
        assert str(rows[name].output) == "x".join(map(str, _inferred_dims(model, tensor)[1:]))


def test_shared_weights_are_counted_once(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], name="first", pads=[1, 1, 1, 1]),
             helper.make_node("Conv", ["a", "w"], ["y"], name="again", pads=[1, 1, 1, 1])]
    model = _model(nodes, [_in("x", [1, 8, 10, 10])], [_in("y", None)], [_w("w", [8, 8, 3, 3])])
    path = _save(tmp_path, model)
    assert read_model(path).data["layers"][1]["share"] == "first"
    cost, _ = _rows(path)
    assert cost.total.params == 8 * 8 * 9
    assert cost.total.macs == 2 * 8 * 8 * 9 * 100


def _tiny(x_dims, **kwargs):
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"])]
    return _model(nodes, [_in("x", x_dims)], [_in("y", None)], [_w("w", [4, 3, 3, 3]), _w("b", [4])], **kwargs)


def test_weights_external_present_absent_or_inputs_give_the_same_counts(tmp_path):
    inline = _save(tmp_path, _tiny([1, 3, 8, 8]), "inline.onnx")
    external = tmp_path / "external.onnx"
    onnx.save_model(_tiny([1, 3, 8, 8]), str(external), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="external.onnx.data", size_threshold=0)
    absent = tmp_path / "absent.onnx"
    onnx.save_model(_tiny([1, 3, 8, 8]), str(absent), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="absent.onnx.data", size_threshold=0)
    os.unlink(tmp_path / "absent.onnx.data")
    as_inputs = _tiny([1, 3, 8, 8])
    as_inputs.graph.input.extend([_in("w", [4, 3, 3, 3]), _in("b", [4])])
    del as_inputs.graph.initializer[:]
    graph_inputs = _save(tmp_path, as_inputs, "inputs.onnx")
    totals = {p: walk(load_spec(str(p))).total for p in (inline, external, absent, graph_inputs)}
    assert len(set(totals.values())) == 1
    assert next(iter(totals.values())).params == 4 * 27 + 4


def test_symbolic_dims_are_asked_for_with_input(tmp_path, run):
    dynamic = _save(tmp_path, _tiny(["N", 3, "H", "W"]), "dynamic.onnx")
    result = run("network", dynamic)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: {dynamic}: ") and "--input" in result.stderr
    assert result.stderr.count("\n") == 1
    result = run("network", dynamic, "--input", "3,20,24", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    cost, _ = _rows(dynamic, input_dims={None: [3, 20, 24]})
    assert cost.total.macs == 4 * 27 * 20 * 24
    batch_only = _save(tmp_path, _tiny(["batch", 3, 8, 8]), "batch.onnx")
    assert walk(load_spec(batch_only)).total.macs == 4 * 27 * 64  # a dynamic batch is counted per sample


def test_several_inputs_need_input_for_their_open_dims(tmp_path, run):
    nodes = [helper.make_node("Add", ["a", "b"], ["y"], name="sum")]
    model = _model(nodes, [_in("a", [1, 4, "H", "W"]), _in("b", [1, 4, "H", "W"])], [_in("y", None)])
    path = _save(tmp_path, model)
    result = run("network", path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "2 inputs" in result.stderr and "NAME=C,H,W" in result.stderr and result.stderr.count("\n") == 1
    result = run("network", path, "--input", "a=4,5,6", "--input", "b=4,5,6", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    cost, rows = _rows(path, input_dims={"a": [4, 5, 6], "b": [4, 5, 6]})
    assert str(rows["sum"].output) == "4x5x6"


def test_unknown_ops_are_listed_or_counted_as_identity_rows(tmp_path, run):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Erf", ["c"], ["e1"], name="erf1"),
             helper.make_node("Erf", ["e1"], ["e2"], name="erf2"),
             helper.make_node("Selu", ["e2"], ["y"], name="selu")]
    model = _model(nodes, [_in("x", [1, 3, 8, 8])], [_in("y", None)], [_w("w", [4, 3, 3, 3])])
    path = _save(tmp_path, model)
    result = run("network", path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: {path}: has 3 operations liteconv does not count: Erf (2), Selu (1); "
                             "--allow-unknown counts each as an 'unknown' row with no params or MACs\n")
    result = run("network", path, "--allow-unknown", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    cost, rows = _rows(path, allow_unknown=True)
    assert [rows[n].kind for n in ("erf1", "erf2", "selu")] == ["identity"] * 3
    assert cost.total.macs == 4 * 27 * 64
    notes: list[str] = []
    load_spec(path, allow_unknown=True, notes=notes)
    assert any("Erf (2), Selu (1)" in n for n in notes)
    table = run("network", path, "--allow-unknown")
    assert "Erf (2), Selu (1)" in table.stdout


# ------------------------------------------------------------------ bad files


def _error(run, path):
    result = run("network", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: {path}: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_truncated_corrupt_and_foreign_files(tmp_path, run):
    good = (DATA / "tiny_cnn.onnx").read_bytes()
    cases = {"truncated.onnx": good[: len(good) // 2], "corrupt.onnx": bytes([0xFF] * 64) + good[64:],
             "text.onnx": b"name: a spec\ninput: [3, 8, 8]\n", "empty.onnx": b"", "zeros.onnx": bytes(4096)}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        message = _error(run, tmp_path / name)
        assert "ONNX" in message, (name, message)


@pytest.mark.parametrize("opset", [5, 99])
def test_an_opset_outside_the_supported_range_is_refused(tmp_path, run, opset):
    path = _save(tmp_path, _tiny([1, 3, 8, 8], opset=opset))
    assert f"opset {opset}" in _error(run, path)


def test_without_onnx_installed_the_error_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['onnx'] = None; from liteconv_cli.cli import main; "
            f"main(['network', {str(DATA / 'tiny_cnn.onnx')!r}])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr.count("\n") == 1 and "pip install 'liteconv[onnx]'" in proc.stderr


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)


def _field(number: int, payload_len: int) -> bytes:
    return _varint(number << 3 | 2) + _varint(payload_len)


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))


@pytest.mark.skipif(sys.platform == "win32", reason="sparse files and resource limits are POSIX")
def test_a_2gb_model_is_counted_without_reading_its_weights(tmp_path):
    """A model whose one initializer holds 2 GiB inline (a sparse file): the graph is read, the
    weight bytes are skipped, in a child limited to 1 GiB of address space."""
    model = _tiny([1, 3, 8, 8])
    big = int(2.1 * 1024**3)
    head = model.SerializeToString()
    # the same model, then one more initializer of 2.1 GiB raw data: a repeated field merges
    huge = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[big // 4])
    tensor_head = huge.SerializeToString() + _field(9, big)  # raw_data: 2.1 GiB of zeros, never written
    init_field = _field(5, len(tensor_head) + big)
    graph_field = _field(7, len(init_field) + len(tensor_head) + big)
    path = tmp_path / "big.onnx"
    with open(path, "wb") as f:
        f.write(head + graph_field + init_field + tensor_head)
        f.truncate(f.tell() + big)
    assert path.stat().st_size > 2 * 1024**3
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", str(path), "--summary", "--format", "csv"],
                          capture_output=True, text=True, timeout=60, preexec_fn=_limit)
    assert proc.returncode == 0, proc.stderr
    assert time.perf_counter() - start < 30
    assert ",4,27," not in proc.stdout  # sanity: the row below is parsed from the CSV, not matched
    row = dict(zip(*[line.split(",") for line in proc.stdout.splitlines()[:2]], strict=True))
    assert (row["params"], row["macs"]) == (str(4 * 27 + 4), str(4 * 27 * 64))


@pytest.mark.skipif(sys.platform == "win32", reason="sparse files are POSIX")
def test_a_2gb_file_of_zeros_is_refused_at_once(tmp_path, run):
    path = tmp_path / "zeros.onnx"
    with open(path, "wb") as f:
        f.truncate(2 * 1024**3 + 1)
    start = time.perf_counter()
    assert "truncated or corrupt" in _error(run, path)
    assert time.perf_counter() - start < 5
