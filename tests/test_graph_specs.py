"""The graph specs of issue 9 (segmentation, a detection neck, audio) against PyTorch, at every size.

Specs (liteconv_cli/configs): unet.yaml, fpn_resnet18.yaml, m5.yaml, deeplabv3_resnet50.yaml
(variants deeplabv3_resnet50, deeplabv3_resnet101), fcn_resnet50.yaml (fcn_resnet50,
fcn_resnet101), deeplabv3_mobilenet_v3_large.yaml and lraspp_mobilenet_v3_large.yaml. Each is
written once, at the size its source uses, and walked here at other input sizes by replacing
its input (``load_spec(...)._replace(input=Shape(...))``): nothing in a spec depends on the size.

Truth:
- tests/data/oracle-counts.json: every network at every size, measured with PyTorch (torch
  2.13, torchvision 0.28) by tests/data/oracle/measure.py (forward hooks; the model
  definitions are beside it or torchvision's constructors; see tests/data/README.md);
- tests/data/zoo-counts.json: the torchvision segmentation models at 520x520, measured
  independently (the zoo reference), checked here too.

Compared: params (``sum(p.numel())``) and their BatchNorm share; MACs (conv + linear, bias
excluded); per convolution kind (standard, pointwise, depthwise, grouped, transposed) and for
the linear layers (liteconv's ``fc`` category): MACs, weights + biases and the number of
layers; the (first) output's shape.
"""

from __future__ import annotations

import csv
import io
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pytest

from liteconv_cli import load_spec, walk
from liteconv_cli.engine.network import NetworkCost
from liteconv_cli.engine.shapes import Shape
from liteconv_cli.errors import SpecError
from liteconv_cli.spec import parse_spec

ROOT = Path(__file__).resolve().parent
CONFIGS = ROOT.parent / "liteconv_cli" / "configs"
ORACLE = ROOT / "data" / "oracle-counts.json"
ZOO = ROOT / "data" / "zoo-counts.json"

#: network (a key of oracle-counts.json) -> the spec that writes it (FILE or FILE#VARIANT)
SPECS = {
    "unet": "unet.yaml",
    "fpn_resnet18": "fpn_resnet18.yaml",
    "m5": "m5.yaml",
    "deeplabv3_resnet50": "deeplabv3_resnet50.yaml#deeplabv3_resnet50",
    "deeplabv3_resnet101": "deeplabv3_resnet50.yaml#deeplabv3_resnet101",
    "fcn_resnet50": "fcn_resnet50.yaml#fcn_resnet50",
    "fcn_resnet101": "fcn_resnet50.yaml#fcn_resnet101",
    "deeplabv3_mobilenet_v3_large": "deeplabv3_mobilenet_v3_large.yaml",
    "lraspp_mobilenet_v3_large": "lraspp_mobilenet_v3_large.yaml",
}
#: sizes every network must be measured at (issue 9, "Done when"), beyond its own
REQUIRED_SIZES = {
    "unet": ("3x160x160", "3x256x256", "3x320x320"),
    "fpn_resnet18": ("3x160x160", "3x256x256", "3x320x320", "3x512x512"),
    "m5": ("1x16000", "1x32000", "1x48000"),
    **{n: ("3x160x160", "3x256x256", "3x320x320", "3x520x520") for n in list(SPECS)[3:]},
}
KINDS = ("standard", "pointwise", "depthwise", "grouped", "transposed")


@lru_cache(maxsize=1)
def oracle() -> dict[str, Any]:
    with ORACLE.open(encoding="utf-8") as f:
        return json.load(f)["models"]


@lru_cache(maxsize=1)
def zoo() -> dict[str, Any]:
    with ZOO.open(encoding="utf-8") as f:
        return json.load(f)["models"]


def shape_of(size: str) -> Shape:
    return Shape(*(int(v) for v in size.split("x")))


@cache
def evaluate(name: str, size: str) -> NetworkCost:
    """The spec of ``name`` walked at input ``size`` (``CxL``, ``CxHxW``)."""
    file, _, variant = SPECS[name].partition("#")
    path = str(CONFIGS / file)
    net = load_spec(f"{path}#{variant}" if variant else path)
    return walk(net._replace(input=shape_of(size)))


def counts(r: NetworkCost) -> dict[str, Any]:
    """liteconv's figures in the oracle's form."""
    macs = dict.fromkeys((*KINDS, "linear", "other"), 0)
    params = dict(macs)
    layers = dict(macs)
    for row in r.rows:
        k = "linear" if row.category == "fc" else row.category
        macs[k] += row.cost.macs
        params[k] += row.cost.weights + row.cost.bias
        layers[k] += 1
    # rows outside the conv and linear categories (pools, merges, upsampling) carry no MACs or weights
    assert (macs["other"], params["other"]) == (0, 0)
    for d in (macs, params, layers):
        del d["other"]
    name, shape = r.outputs[0]
    last = next(row for row in reversed(r.rows) if row.writes == name)
    output = [1, shape.c] if last.op == "fc" else [1, *shape]  # nn.Linear after flatten: N x out
    return {"params": r.total.params, "params_batchnorm": r.total.bn, "macs": r.total.macs, "macs_by_kind": macs,
            "params_by_kind": params, "layers_by_kind": layers, "output": output}


CASES = [(name, size) for name in SPECS for size in oracle()[name]["sizes"]]


def test_every_network_is_measured_at_the_required_sizes():
    assert set(oracle()) == set(SPECS)
    for name, sizes in REQUIRED_SIZES.items():
        assert set(sizes) <= set(oracle()[name]["sizes"]), name


@pytest.mark.parametrize("file", sorted({s.partition("#")[0] for s in SPECS.values()}))
def test_each_spec_cites_its_source(file):
    import yaml

    doc = yaml.safe_load((CONFIGS / file).read_text(encoding="utf-8"))
    assert doc.get("source"), f"{file} has no source:"


@pytest.mark.parametrize(("name", "size"), CASES)
def test_spec_equals_pytorch(name, size):
    truth = oracle()[name]["sizes"][size]
    got = counts(evaluate(name, size))
    assert got == {k: truth[k] for k in got}


ZOO_NAMES = [n for n in SPECS if n in zoo()]


@pytest.mark.parametrize("name", ZOO_NAMES)
def test_segmentation_specs_equal_the_zoo_reference(name):
    # a second, independent measurement at the models' own size (520x520)
    t = zoo()[name]
    size = "x".join(map(str, t["input_shape"][1:]))
    got = counts(evaluate(name, size))
    assert got["params"] == t["params"]["total"]
    assert got["params_batchnorm"] == t["params"]["bn"]
    assert got["macs"] == t["macs_analytic"]["conv_plus_linear"]
    assert {k: got["macs_by_kind"][k] for k in KINDS} == t["macs_analytic"]["conv_by_kind"]
    assert {k: got["params_by_kind"][k] for k in KINDS} == t["params_conv_by_kind"]
    assert {k: got["layers_by_kind"][k] for k in KINDS} == t["layer_counts"]["conv_by_kind"]
    assert got["output"] == t["output_shape"]["out"]
    assert oracle()[name]["sizes"][size]["macs"] == t["macs_analytic"]["conv_plus_linear"]


#: what each tool printed (zoo-counts.json) -> liteconv's convention profile of that name
TOOLS = {"thop": ("thop", "macs"), "torchinfo": ("torchinfo", "total_mult_adds"),
         "ptflops_aten": ("ptflops", "aten", "macs"), "ptflops": ("ptflops", "default", "macs"),
         "fvcore": ("fvcore", "total")}
@pytest.mark.parametrize("tool", list(TOOLS))
@pytest.mark.parametrize("name", ZOO_NAMES)
def test_convention_profiles_equal_what_the_tools_printed(run, name, tool):
    # the functional: marks (F.interpolate, F.pad) and the merges as operators make each tool's
    # profile what it printed, upsampling included (fvcore 4 per bilinear output element, ptflops 1)
    res = run("network", name, "--convention", tool.replace("_", "-"), "--summary", "--format", "csv")
    assert res.exit_code == 0, res.stderr
    row = next(csv.DictReader(io.StringIO(res.stdout)))
    want: Any = zoo()[name]
    for key in TOOLS[tool]:
        want = want[key]
    assert int(row[f"convention_{tool}"]) == want


def test_the_zoo_reference_covers_the_four_resnet_heads_and_both_mobilenet_heads():
    assert set(ZOO_NAMES) == set(list(SPECS)[3:])


@pytest.mark.parametrize("name", list(SPECS))
def test_the_cli_by_name_with_input_equals_pytorch(run, name):
    # as a user runs it: the built-in name and --input at the last size measured
    size = list(oracle()[name]["sizes"])[-1]
    res = run("network", name, "--input", size, "--summary", "--format", "csv")
    assert res.exit_code == 0, res.stderr
    row = next(csv.DictReader(io.StringIO(res.stdout)))
    truth = oracle()[name]["sizes"][size]
    assert (row["input"], int(row["params"]), int(row["macs"])) == (size, truth["params"], truth["macs"])


def test_fpn_outputs_are_p2_to_p5():
    r = evaluate("fpn_resnet18", "3x512x512")
    assert [(n, str(s)) for n, s in r.outputs] == [(f"p{i}", f"256x{512 >> i}x{512 >> i}") for i in (2, 3, 4, 5)]


# ------------------------------------------------------------------ like: (size of another tensor)


@pytest.mark.parametrize(("size", "padded"), [
    # 250: the encoder gives 125, 62, 31, 15; up1 gives 30 (skip 31) and up3 124 (skip 125)
    ("3x250x250", {"up1": ((0, 1), (0, 1)), "up3": ((0, 1), (0, 1))}),
    # 161x193: 80x96, 40x48, 20x24, 10x12; only up4 pads, 160x192 to 161x193
    ("3x161x193", {"up4": ((0, 1), (0, 1))}),
])
def test_unet_pads_the_upsampled_map_to_the_skip_as_f_pad_does(size, padded):
    # Up.forward: F.pad(x1, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2]), then cat [x2, x1]
    rows = {row.name: row for row in evaluate("unet", size).rows}
    encoder = {"up1": "down3.conv.2", "up2": "down2.conv.2", "up3": "down1.conv.2", "up4": "inc.2"}
    for up, skip in encoder.items():
        target, x1 = rows[skip].output, rows[f"{up}.up"].output
        assert rows[f"{up}.pad"].output == target._replace(c=x1.c)
        diffs = [b - a for a, b in zip(x1.dims, target.dims, strict=True)]
        assert rows[f"{up}.pad"].padding == tuple((d // 2, d - d // 2) for d in diffs)
        assert rows[f"{up}.pad"].padding == padded.get(up, ((0, 0), (0, 0)))


def test_upsample_like_follows_the_named_tensor_at_every_size():
    for size in ("3x520x520", "3x333x333", "3x160x160"):
        r = evaluate("lraspp_mobilenet_v3_large", size)
        rows = {row.name: row for row in r.rows}
        assert rows["classifier.up"].output.dims == rows["features.4.project"].output.dims
        assert r.output == shape_of(size)._replace(c=21)


SPEC = "input: [3, 9, 11]\nlayers:\n  - {kind: conv, out: 4, name: a}\n  - {kind: pool, mode: max, kernel: 2}\n"


@pytest.mark.parametrize("layer", [
    "{kind: upsample, like: a, scale: 2}",          # like excludes scale and size
    "{kind: upsample, like: a, size: 3}",
    "{kind: pad}",                                  # padding or like is needed
    "{kind: pad, padding: 1, like: a}",
    "{kind: pad, like: nowhere}",                   # an unknown name
    "{kind: upsample, like: b, from: a}",           # a later layer
])
def test_bad_like_is_a_spec_error(layer):
    text = SPEC + f"  - {layer}\n  - {{kind: identity, name: b}}\n"
    with pytest.raises(SpecError):
        walk(parse_spec(text))


def test_like_of_another_rank_is_a_spec_error():
    text = "inputs: {x: [3, 8], y: [3, 4, 4]}\nlayers:\n  - {kind: upsample, like: x, from: y}\n"
    with pytest.raises(SpecError):
        walk(parse_spec(text))


def test_equal_like_layers_in_two_blocks_read_their_own_tensors():
    # the walk memoises a layer's rows by (layer, input shape); a like: layer also depends on the
    # tensor it names: here two identical upsample records on equal inputs name different r's
    block = ("  - kind: block\n    name: {b}\n    layers:\n"
             "      - {{kind: pool, mode: max, kernel: {k}, from: input, name: r}}\n"
             "      - {{kind: pool, mode: max, kernel: 3, from: input, name: x}}\n"
             "      - {{kind: upsample, like: r, name: up}}\n")
    text = "input: [4, 12, 12]\nlayers:\n" + block.format(b="b1", k=2) + block.format(b="b2", k=1)
    r = walk(parse_spec(text))
    assert [row.output for row in r.rows if row.op == "upsample"] == [Shape(4, 6, 6), Shape(4, 12, 12)]
