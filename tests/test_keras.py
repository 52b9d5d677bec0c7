"""Keras models read as specs (standard library only): fixtures' truth, hand-built configs, bad files.

Truth: ``tests/data/keras/truth.json`` (see tests/data/README.md): keras.applications models
saved by Keras 3.15.1, with Keras' own parameter counts (BatchNorm as 4C, 2C non-trainable),
MACs per layer and by kind (checked there against torch's FlopCounterMode). Hand-built configs
below follow the formats Keras 2 and 3 write (``model.to_json()``), and their expected figures
are arithmetic in the test: PyTorch's formulas, and TensorFlow's ``same`` padding
(output ``ceil(in / stride)``, the odd pixel at the bottom and right).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from liteconv_cli.engine.network import walk
from liteconv_cli.errors import SpecError
from liteconv_cli.importers import read_model
from liteconv_cli.spec import load_spec

DATA = Path(__file__).parent / "data" / "keras"
TRUTH = json.loads((DATA / "truth.json").read_text())["models"]
MODELS = sorted(TRUTH)
FILES = [f"{m}.{ext}" for m in MODELS for ext in ("json", "keras")]
CATEGORY = {"conv_standard": "standard", "conv_pointwise": "pointwise", "depthwise": "depthwise", "dense": "fc"}


def _truth(name: str) -> dict[str, Any]:
    return TRUTH[name.rsplit(".", 1)[0]]


# ------------------------------------------------------------------ the fixtures


@pytest.mark.parametrize("name", FILES)
def test_reader_reproduces_keras_counts_layer_by_layer(name):
    t = _truth(name)
    imported = read_model(str(DATA / name))
    assert imported.file_params == t["params"]["total"]
    assert imported.counts["trainable"] == t["params"]["trainable"]
    assert imported.counts["non_trainable"] == t["params"]["non_trainable"]
    assert imported.counts["bn_moving"] == t["params"]["bn"]["moving_mean_variance"]
    per_layer = imported.counts["per_layer"]
    for layer in t["layers"]:
        if layer["params"]:
            assert per_layer[layer["name"]] == (layer["params"], layer["non_trainable_params"]), layer["name"]
    assert len(per_layer) == sum(1 for la in t["layers"] if la["params"])


@pytest.mark.parametrize("name", FILES)
def test_counted_as_a_spec_the_model_gives_its_truth(name):
    t = _truth(name)
    cost = walk(load_spec(str(DATA / name)))
    assert cost.total.params == t["params"]["trainable"]  # BatchNorm as PyTorch counts it: 2C
    assert cost.total.bn == t["params"]["bn"]["trainable_gamma_beta"]
    assert cost.total.macs == t["macs"]["total"]
    assert cost.total.bias_adds == t["macs"]["bias_adds"]
    by_category = {CATEGORY[k]: v for k, v in t["macs"]["by_kind"].items()}
    assert {b.category: b.cost.macs for b in cost.breakdown() if b.cost.macs} == by_category
    macs = {r.name: r.cost.macs for r in cost.rows if r.cost.macs}
    assert macs == {la["name"]: la["macs"] for la in t["layers"] if la["macs"]}
    shapes = {r.name: r.output for r in cost.rows}
    for la in t["layers"]:
        if la["name"] in shapes and la["class"] in ("Conv2D", "DepthwiseConv2D", "ZeroPadding2D", "MaxPooling2D"):
            h, w, c = la["output_shape"][1:]
            assert str(shapes[la["name"]]) == f"{c}x{h}x{w}", la["name"]


@pytest.mark.parametrize("name", FILES)
def test_import_round_trips(name, run, tmp_path):
    out = tmp_path / "spec.yaml"
    result = run("import", str(DATA / name), "-o", str(out))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    direct, written = walk(load_spec(str(DATA / name))), walk(load_spec(str(out)))
    assert written.total == direct.total
    assert [(r.name, r.kind, r.output, r.cost) for r in written.rows] == [
        (r.name, r.kind, r.output, r.cost) for r in direct.rows]


def test_keras_parameter_count_is_shown_apart_and_explained(run):
    t = TRUTH["efficientnet_b0"]["params"]
    result = run("network", str(DATA / "efficientnet_b0.keras"), "--summary", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert (f"Keras counts {t['total']:,} params (count_params()): {t['trainable']:,} trainable and "
            f"{t['non_trainable']:,} non-trainable") in text
    assert f"moving mean and variance, {t['bn']['moving_mean_variance']:,}" in text
    assert f"Normalization's mean, variance and count, {t['non_trainable_by_class']['Normalization']}" in text


def test_json_and_keras_files_give_the_same_spec():
    for m in MODELS:
        assert read_model(str(DATA / f"{m}.json")).data == read_model(str(DATA / f"{m}.keras")).data


# ------------------------------------------------------------------ hand-built configs

_PAD_CASES = [(7, 3, 2), (8, 3, 2), (224, 3, 2), (9, 4, 3)]


def _tensor(name: str, shape: list[Any] | None = None) -> dict[str, Any]:
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32",
                                                         "keras_history": [name, 0, 0]}}


def k3(cls: str, name: str, config: dict[str, Any], *inputs: str, shapes: dict[str, list[Any]] | None = None
       ) -> dict[str, Any]:
    """A layer as Keras 3 writes it in a Functional config."""
    shapes = shapes or {}
    args: list[Any] = [_tensor(i, shapes.get(i)) for i in inputs]
    if len(args) > 1:
        args = [args]
    return {"module": "keras.layers", "class_name": cls, "config": {"name": name, "trainable": True, **config},
            "registered_name": None, "name": name, "inbound_nodes": [{"args": args, "kwargs": {}}] if inputs else []}


def k3_input(name: str, shape: list[Any]) -> dict[str, Any]:
    return {"module": "keras.layers", "class_name": "InputLayer",
            "config": {"batch_shape": [None, *shape], "dtype": "float32", "name": name}, "name": name,
            "inbound_nodes": []}


def k3_model(layers: list[dict[str, Any]], inputs: list[str], outputs: list[str]) -> dict[str, Any]:
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": "model", "trainable": True, "layers": layers,
                       "input_layers": [[i, 0, 0] for i in inputs], "output_layers": [[o, 0, 0] for o in outputs]}}


def _write(tmp_path: Path, config: dict[str, Any], name: str = "model.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return str(path)


def _rows(path: str, **options: Any):
    cost = walk(load_spec(path, **options))
    return cost, {r.name: r for r in cost.rows}


def conv(filters, k, s=1, padding="valid", **extra):
    return {"filters": filters, "kernel_size": [k, k], "strides": [s, s], "padding": padding,
            "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": "linear",
            "use_bias": True, **extra}


@pytest.mark.parametrize("size,k,s", _PAD_CASES)
def test_tensorflow_same_padding_gives_ceil_in_over_stride(tmp_path, size, k, s):
    layers = [k3_input("x", [size, size, 3]),
              k3("Conv2D", "conv", conv(8, k, s, "same"), "x"),
              k3("MaxPooling2D", "max", {"pool_size": [k, k], "strides": [s, s], "padding": "same",
                                         "data_format": "channels_last"}, "conv"),
              k3("AveragePooling2D", "avg", {"pool_size": [k, k], "strides": [1, 1], "padding": "same",
                                             "data_format": "channels_last"}, "max")]
    cost, rows = _rows(_write(tmp_path, k3_model(layers, ["x"], ["avg"])))
    out = -(-size // s)
    pooled = -(-out // s)
    assert str(rows["conv"].output) == f"8x{out}x{out}"
    assert rows["conv"].cost.macs == out * out * 8 * 3 * k * k
    assert str(rows["max"].output) == f"8x{pooled}x{pooled}"
    assert str(rows["avg"].output) == f"8x{pooled}x{pooled}"
    # TensorFlow's padding is max((out - 1) * s + k - in, 0), the odd pixel after: an uneven total is a pad row
    total = max((pooled - 1) * s + k - out, 0)
    assert ("max/pad" in rows) == (total % 2 == 1)
    if total % 2:
        assert rows["max/pad"].padding == ((total // 2, total - total // 2),) * 2


def test_keras2_sequential_and_functional_configs(tmp_path):
    lenet = [
        {"class_name": "Conv2D", "config": {"name": "c1", "trainable": True, "batch_input_shape": [None, 28, 28, 1],
                                            **conv(6, 5, activation="relu")}},
        {"class_name": "MaxPooling2D", "config": {"name": "p1", "pool_size": [2, 2], "padding": "valid",
                                                  "strides": [2, 2], "data_format": "channels_last"}},
        {"class_name": "Conv2D", "config": {"name": "c2", **conv(16, 5, activation="relu")}},
        {"class_name": "MaxPooling2D", "config": {"name": "p2", "pool_size": [2, 2], "padding": "valid",
                                                  "strides": [2, 2], "data_format": "channels_last"}},
        {"class_name": "Flatten", "config": {"name": "flat", "data_format": "channels_last"}},
        {"class_name": "Dense", "config": {"name": "fc1", "units": 120, "activation": "relu", "use_bias": True}},
        {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.5}},
        {"class_name": "Dense", "config": {"name": "fc2", "units": 10, "activation": "softmax", "use_bias": True}},
    ]
    params = (6 * 25 + 6) + (16 * 6 * 25 + 16) + (16 * 4 * 4 * 120 + 120) + (120 * 10 + 10)
    macs = 6 * 25 * 24 * 24 + 16 * 6 * 25 * 8 * 8 + 256 * 120 + 120 * 10
    keras22 = {"class_name": "Sequential", "config": lenet, "keras_version": "2.2.4", "backend": "tensorflow"}
    keras2 = {"class_name": "Sequential", "config": {"name": "lenet", "layers": lenet}, "keras_version": "2.13.1",
              "backend": "tensorflow"}
    functional = {"class_name": "Functional", "keras_version": "2.13.1", "config": {
        "name": "lenet", "layers": [
            {"class_name": "InputLayer", "name": "in", "config": {"batch_input_shape": [None, 28, 28, 1],
                                                                  "name": "in"}, "inbound_nodes": []},
            *[{**la, "name": la["config"]["name"], "inbound_nodes": [[[prev, 0, 0, {}]]]}
              for la, prev in zip(lenet, ["in"] + [la["config"]["name"] for la in lenet], strict=False)]],
        "input_layers": [["in", 0, 0]], "output_layers": [["fc2", 0, 0]]}}
    for i, config in enumerate((keras22, keras2, functional)):
        cost, rows = _rows(_write(tmp_path, config, f"m{i}.json"))
        assert (cost.total.params, cost.total.macs) == (params, macs)
        assert rows["fc2"].activation == "softmax" and rows["c1"].activation == "relu"
        assert read_model(str(tmp_path / f"m{i}.json")).file_params == params


def test_keras3_sequential_with_an_input_layer(tmp_path):
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, 16, 3], "name": "i"}},
        {"module": "keras.layers", "class_name": "Conv1D", "config": {
            "name": "causal", "filters": 4, "kernel_size": [3], "strides": [1], "padding": "causal",
            "data_format": "channels_last", "dilation_rate": [2], "groups": 1, "activation": "relu",
            "use_bias": False}},
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "per_step", "units": 5,
                                                                     "activation": "linear", "use_bias": True}}]}}
    cost, rows = _rows(_write(tmp_path, config))
    # causal: pad (k-1)*d = 4 on the left, then a valid conv: 16 steps out
    assert rows["causal/pad"].padding == ((4, 0),)
    assert str(rows["causal"].output) == "4x16"
    assert rows["per_step"].kind == "linear" and rows["per_step"].cost.macs == 16 * 4 * 5
    assert cost.total.params == 4 * 3 * 3 + (4 * 5 + 5)


def test_mobile_blocks_transposed_convs_and_merges(tmp_path):
    shapes = {"x": [None, 16, 16, 8]}
    layers = [
        k3_input("x", [16, 16, 8]),
        k3("DepthwiseConv2D", "dw", {"depth_multiplier": 2, "kernel_size": [3, 3], "strides": [1, 1],
                                     "padding": "same", "data_format": "channels_last", "dilation_rate": [1, 1],
                                     "activation": "relu6", "use_bias": False}, "x", shapes=shapes),
        k3("SeparableConv2D", "sep", {**conv(24, 3, 2, "same"), "depth_multiplier": 1}, "dw"),
        k3("BatchNormalization", "bn", {"axis": -1, "center": True, "scale": True}, "sep"),
        k3("Conv2DTranspose", "up_same", {**conv(8, 3, 2, "same"), "output_padding": None}, "bn"),
        k3("Conv2DTranspose", "up_valid", {**conv(8, 2, 2, "valid"), "output_padding": None}, "bn"),
        k3("Add", "sum", {}, "up_same", "up_valid"),
        k3("UpSampling2D", "ups", {"size": [2, 2], "interpolation": "bilinear", "data_format": "channels_last"},
           "bn"),
        k3("Cropping2D", "crop", {"cropping": [[2, 2], [4, 4]], "data_format": "channels_last"}, "ups"),
        k3("ZeroPadding2D", "zp", {"padding": [[0, 0], [4, 4]], "data_format": "channels_last"}, "crop"),
        k3("Concatenate", "cat", {"axis": -1}, "sum", "x"),
        k3("GlobalAveragePooling2D", "gap", {"data_format": "channels_last", "keepdims": False}, "cat"),
        k3("Reshape", "unflat", {"target_shape": [1, 1, 16]}, "gap"),
        k3("Conv2D", "se", conv(16, 1), "unflat"),
        k3("Multiply", "gate", {}, "cat", "se"),
    ]
    path = _write(tmp_path, k3_model(layers, ["x"], ["gate", "zp"]))
    cost, rows = _rows(path)
    assert rows["dw"].groups == 8 and str(rows["dw"].output) == "16x16x16"
    assert rows["dw"].cost.macs == 16 * 16 * 16 * 9
    assert rows["sep/depthwise"].cost.macs == 8 * 8 * 16 * 9 and rows["sep"].cost.macs == 8 * 8 * 16 * 24
    assert str(rows["up_same"].output) == "8x16x16"  # Keras: in * stride
    assert str(rows["up_valid"].output) == "8x16x16"  # Keras: in * stride + max(k - stride, 0)
    assert rows["up_same"].cost.macs == 8 * 8 * 24 * 8 * 9  # on the input grid
    assert [str(rows[n].output) for n in ("ups", "crop", "zp")] == ["24x16x16", "24x12x8", "24x12x16"]
    assert str(rows["cat"].output) == "16x16x16"
    assert str(rows["gate"].output) == "16x16x16"
    imported = read_model(path)
    k = imported.counts
    bn = 2 * 24
    assert k["bn_moving"] == bn and k["non_trainable"] == bn
    assert k["trainable"] == cost.total.params
    assert imported.file_params == cost.total.params + bn


def test_shared_layers_frozen_layers_and_nested_models(tmp_path):
    base = k3_model([k3_input("bi", [8, 8, 3]), k3("Conv2D", "bc", conv(4, 3, padding="same"), "bi")], ["bi"],
                    ["bc"])
    base["config"]["name"] = "base"
    base["name"] = "base"
    base["inbound_nodes"] = [{"args": [_tensor("x")], "kwargs": {}}]
    frozen = k3("Conv2D", "frozen", conv(4, 1), "base")
    frozen["config"]["trainable"] = False
    shared = k3("Conv2D", "shared", conv(4, 1), "frozen")
    shared["inbound_nodes"].append({"args": [{"class_name": "__keras_tensor__", "config": {
        "keras_history": ["shared", 0, 0]}}], "kwargs": {}})
    out = k3("Activation", "out", {"activation": "relu"}, "shared")
    out["inbound_nodes"][0]["args"] = [{"class_name": "__keras_tensor__", "config": {
        "keras_history": ["shared", 1, 0]}}]
    path = _write(tmp_path, k3_model([k3_input("x", [8, 8, 3]), base, frozen, shared, out], ["x"], ["out"]))
    cost, rows = _rows(path)
    assert "base/bc" in rows
    assert rows["shared#1"].shared and not rows["shared"].shared
    assert cost.total.params == (4 * 27 + 4) + (16 + 4) + (16 + 4)  # the shared layer's weights once
    assert cost.total.macs == 64 * (4 * 27 + 16 + 16 + 16)
    counts = read_model(path).counts
    assert (counts["frozen"], counts["non_trainable"], counts["trainable"]) == (20, 20, 112 + 20)


def test_open_input_dims_are_asked_for_with_input(tmp_path, run):
    layers = [k3_input("x", [None, None, 3]), k3("Conv2D", "c", conv(4, 3), "x")]
    path = _write(tmp_path, k3_model(layers, ["x"], ["c"]))
    result = run("network", path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "--input" in result.stderr and result.stderr.count("\n") == 1
    cost, rows = _rows(path, input_dims={None: [3, 10, 12]})  # C, H, W as a spec writes it
    assert str(rows["c"].output) == "4x8x10"
    two = [k3_input("a", [None, None, 3]), k3_input("b", [None, None, 3]), k3("Add", "s", {}, "a", "b")]
    path2 = _write(tmp_path, k3_model(two, ["a", "b"], ["s"]), "two.json")
    result = run("network", path2)
    assert (result.exit_code, result.stdout) == (1, "")
    result = run("network", path2, "--input", "a=3,5,5", "--input", "b=3,5,5", "--format", "csv")
    assert result.exit_code == 0, result.stderr


def test_unknown_layers_are_listed_or_counted_as_unknown_rows(tmp_path, run):
    layers = [k3_input("x", [8, 8, 3]), k3("Lambda", "l1", {}, "x"), k3("Lambda", "l2", {}, "l1"),
              k3("Conv2D", "c", conv(4, 3), "l2", shapes={"l2": [None, 8, 8, 3]}),
              k3("PReLU", "p", {}, "c", shapes={"c": [None, 6, 6, 4]})]
    layers[2]["inbound_nodes"][0]["args"] = [_tensor("l1", [None, 8, 8, 3])]
    path = _write(tmp_path, k3_model(layers, ["x"], ["p"]))
    result = run("network", path)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "has 3 layers liteconv does not count: Lambda (2), PReLU (1)" in result.stderr
    path_ok = _write(tmp_path, k3_model(layers[:4], ["x"], ["c"]), "ok.json")
    cost, rows = _rows(path_ok, allow_unknown=True)
    assert (rows["l1"].kind, str(rows["l1"].output)) == ("unknown", "3x8x8") and cost.total.macs == 36 * 4 * 27
    assert cost.total.params == 4 * 27 + 4


def test_an_unknown_layer_that_changes_the_shape_is_counted_through(tmp_path, run):
    """A Lambda that halves the image (Keras 3 records the 4x4x3 its reader gets), then a conv:
    with --allow-unknown the unknown row has that shape and the conv counts on it. PReLU, the
    model's output, has no reader to record its shape: its input's shape, and a note."""
    layers = [k3_input("x", [8, 8, 3]), k3("Lambda", "half", {}, "x"),
              k3("Conv2D", "c", conv(4, 3, padding="same"), "half", shapes={"half": [None, 4, 4, 3]}),
              k3("PReLU", "p", {}, "c", shapes={"c": [None, 4, 4, 4]})]
    path = _write(tmp_path, k3_model(layers, ["x"], ["p"]))
    assert "Lambda (1), PReLU (1)" in _error(run, path)
    notes: list[str] = []
    cost = walk(load_spec(path, allow_unknown=True, notes=notes))
    rows = {r.name: r for r in cost.rows}
    assert (rows["half"].kind, str(rows["half"].output)) == ("unknown", "3x4x4")
    assert rows["c"].cost.macs == 4 * 4 * 4 * 3 * 9
    assert (rows["p"].kind, str(rows["p"].output)) == ("unknown", "4x4x4")
    assert [n for n in notes if "taken as the input's (p)" in n]
    assert [n for n in notes if "Lambda (1), PReLU (1)" in n and "'unknown' rows" in n]
    layer = next(la for la in read_model(path, allow_unknown=True).data["layers"] if la["name"] == "half")
    assert layer == {"kind": "unknown", "name": "half", "op": "Lambda", "output": [3, 4, 4]}


def test_norms_with_center_or_scale_off(tmp_path):
    """Keras' BatchNormalization/LayerNormalization/GroupNormalization(center=..., scale=...): the
    spec counts what it can express exactly (neither: affine false; LayerNorm scale only:
    bias false), and says what it cannot (BatchNorm with one of the two: 2C counted)."""
    c = 8

    def norm(cls, name, center, scale, **extra):
        return {"class_name": cls, "config": {"name": name, "center": center, "scale": scale, "axis": -1, **extra}}

    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 6, 6, 3], "name": "x"}},
              {"class_name": "Conv2D", "config": {"name": "c1", **conv(c, 3, padding="same", use_bias=False)}},
              norm("BatchNormalization", "bn_none", False, False),
              norm("BatchNormalization", "bn_shift", True, False),
              norm("LayerNormalization", "ln_scale", False, True),
              norm("LayerNormalization", "ln_none", False, False),
              norm("GroupNormalization", "gn_none", False, False, groups=2),
              norm("GroupNormalization", "gn_full", True, True, groups=2)]
    path = _write(tmp_path, {"class_name": "Sequential", "config": {"name": "m", "layers": layers}})
    imported = read_model(path)
    per_layer = imported.counts["per_layer"]
    cost = walk(load_spec(path))
    rows = {r.name: r for r in cost.rows}
    assert rows["c1"].kind == "conv" and rows["bn_none"].kind == "batchnorm"  # not folded: the conv's would be 2C
    assert rows["bn_none"].cost.params == 0 == per_layer["bn_none"][0] - per_layer["bn_none"][1]
    assert rows["ln_scale"].cost.params == c == per_layer["ln_scale"][0]
    assert rows["ln_none"].cost.params == 0 == per_layer["ln_none"][0]
    assert rows["gn_none"].cost.params == 0 and rows["gn_full"].cost.params == 2 * c == per_layer["gn_full"][0]
    # the one Keras layer the spec cannot say exactly: BatchNorm with a shift and no scale (C trainable, 2C counted)
    assert rows["bn_shift"].cost.params == 2 * c and per_layer["bn_shift"] == (c + 2 * c, 2 * c)
    assert cost.total.params == imported.counts["trainable"] + c
    assert [n for n in imported.notes if f"liteconv's params are {c:,} more than Keras' trainable ones" in n]


# ------------------------------------------------------------------ spec data loaded as data, not as YAML text


def test_a_model_file_is_loaded_as_data_not_bound_by_the_text_limit(monkeypatch):
    """The reader's spec data goes to the spec loader as PyYAML nodes (spec.parse_data): the limit
    on the YAML marks of a spec's text (which bounds what PyYAML would build from text) does not
    apply, so a model of any number of layers up to MAX_LAYERS loads; its rows are those of the
    YAML that liteconv import writes."""
    from liteconv_cli import spec
    from liteconv_cli.importers import dump

    path = str(DATA / "mobilenet_v1.json")
    text = dump(read_model(path).data)
    expected = [(r.name, r.kind, r.output, r.cost, r.reads) for r in walk(spec.parse_spec(text)).rows]
    monkeypatch.setattr(spec, "MAX_SPEC_MARKS", 100)
    with pytest.raises(SpecError, match="too many keys and list items"):
        spec.parse_spec(text)
    assert [(r.name, r.kind, r.output, r.cost, r.reads) for r in walk(load_spec(path)).rows] == expected


def test_names_that_yaml_reads_as_numbers_or_booleans_stay_names(tmp_path, run):
    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 3], "name": "x"}},
              {"class_name": "Conv2D", "config": {"name": "1", "filters": 4, "kernel_size": 3}},
              {"class_name": "Conv2D", "config": {"name": "true", "filters": 4, "kernel_size": 1}},
              {"class_name": "Conv2D", "config": {"name": "null", "filters": 4, "kernel_size": 1}},
              {"class_name": "Flatten", "config": {"name": "0x10"}}]
    path = _write(tmp_path, {"class_name": "Sequential", "config": {"name": "007", "layers": layers}})
    cost = walk(load_spec(path))
    assert [r.name for r in cost.rows] == ["1", "true", "null", "0x10"]
    out = tmp_path / "spec.yaml"
    assert run("import", path, "-o", str(out)).exit_code == 0
    net = load_spec(str(out))
    assert net.name == "007" and [r.name for r in walk(net).rows] == ["1", "true", "null", "0x10"]


def test_a_value_the_spec_loader_refuses_is_one_line_naming_the_file_and_layer(tmp_path, run):
    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 3], "name": "x"}},
              {"class_name": "Conv2D", "config": {"name": "empty", "filters": 0, "kernel_size": 3}}]
    path = _write(tmp_path, {"class_name": "Sequential", "config": {"name": "m", "layers": layers}})
    message = _error(run, path)  # "Error: PATH: " then the layer and the key, one line
    assert message.startswith(f"Error: {path}: layer 1 'empty': out=0 ")  # no :line (the file has no lines)


# ------------------------------------------------------------------ bad files


def _error(run, path) -> str:
    result = run("network", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: {path}: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def test_bad_keras_files(tmp_path, run):
    not_zip = tmp_path / "a.keras"
    not_zip.write_text("hello")
    assert "zip archive" in _error(run, not_zip)
    other_zip = tmp_path / "b.keras"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("readme.txt", "not a model")
    assert "without config.json" in _error(run, other_zip)
    bad_json = tmp_path / "c.keras"
    with zipfile.ZipFile(bad_json, "w") as z:
        z.writestr("config.json", "{not json")
    assert "not valid JSON" in _error(run, bad_json)
    other = tmp_path / "package.json"
    other.write_text(json.dumps({"name": "x", "version": "1.0", "dependencies": {}}))
    assert "JSON of another kind" in _error(run, other)
    h5 = tmp_path / "model.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert "HDF5" in _error(run, h5)


def test_unsupported_keras_versions_and_subclassed_models(tmp_path, run):
    cfg = json.loads((DATA / "mobilenet_v1.json").read_text())
    for version in ("1.2.2", "4.0.0"):
        path = tmp_path / f"v{version[0]}.keras"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("config.json", json.dumps(cfg))
            z.writestr("metadata.json", json.dumps({"keras_version": version}))
        assert f"Keras {version}" in _error(run, path)
    keras1 = {"class_name": "Sequential", "config": [{"class_name": "Convolution2D", "config": {
        "name": "c", "nb_filter": 8, "nb_row": 3, "nb_col": 3, "border_mode": "same",
        "batch_input_shape": [None, 3, 32, 32]}}]}
    assert "Keras 1" in _error(run, _write(tmp_path, keras1, "k1.json"))
    sub = {"module": "my_models", "class_name": "MyNet", "config": {"units": 3}, "registered_name": "MyNet"}
    assert "subclassed" in _error(run, _write(tmp_path, sub, "sub.json"))


def test_read_errors_name_the_file_and_the_layer(tmp_path):
    layers = [k3_input("x", [8, 8, 3]), k3("Conv2D", "big", conv(4, 9), "x")]
    with pytest.raises(SpecError, match=r"model\.json: .*big"):
        walk(load_spec(_write(tmp_path, k3_model(layers, ["x"], ["big"]))))


def test_sweep_and_convert_read_model_files(run):
    result = run("sweep", str(DATA / "mobilenet_v2.keras"), "--width-mult", "1,0.5", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = [dict(zip(result.stdout.splitlines()[0].split(","), line.split(","), strict=True))
            for line in result.stdout.splitlines()[1:]]
    assert rows[0]["params"] == str(TRUTH["mobilenet_v2"]["params"]["trainable"])
    assert int(rows[1]["macs"]) < int(rows[0]["macs"])  # the depthwise layers follow the halved channels
    result = run("convert", str(DATA / "resnet50.json"), "--to", "separable", "--format", "csv")
    assert result.exit_code == 0, result.stderr


def test_tensorflow_js_and_h5_attribute_wrappers(tmp_path):
    config = json.loads((DATA / "mobilenet_v1.json").read_text())
    tfjs = {"format": "layers-model", "modelTopology": {"keras_version": "3.15.1", "model_config": config},
            "weightsManifest": []}
    attribute = {"keras_version": "2.13.1", "backend": "tensorflow", "model_config": json.dumps(config)}
    direct = read_model(str(DATA / "mobilenet_v1.json")).data
    assert read_model(_write(tmp_path, tfjs, "model.json")).data == direct
    assert read_model(_write(tmp_path, attribute, "attr.json")).data == direct


def test_import_writes_a_commented_spec_and_refuses_other_files(run, tmp_path):
    result = run("import", str(DATA / "mobilenet_v2.json"))
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.startswith(f"# Read from {DATA / 'mobilenet_v2.json'} by liteconv import")
    assert "# Keras counts 3,538,984 params" in result.stdout
    spec = tmp_path / "net.yaml"
    spec.write_text("input: [3, 8, 8]\nlayers:\n  - {kind: conv, out: 4}\n")
    result = run("import", str(spec))
    assert (result.exit_code, result.stdout) == (1, "") and result.stderr.startswith("Error: ")
