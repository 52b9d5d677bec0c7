"""The built-in zoo specs (liteconv_cli/configs, issue 10) against PyTorch, variant by variant.

Truth: tests/data/zoo-counts.json (a copy of the reference measured with torch 2.13 and
torchvision 0.28, ``weights=None``, eval mode, batch 1, at each model's own input size; see
tests/data/README.md). For every variant of every family file listed in ``FAMILIES``:

- ``params.total`` (``sum(p.numel())``: weights, biases, BatchNorm gamma and beta) equals
  liteconv's params, and ``params.bn`` its BatchNorm share;
- ``macs_analytic.conv_plus_linear`` (conv + linear multiply-accumulates, bias excluded) equals
  liteconv's MACs;
- the split by kind: liteconv's categories standard / pointwise / depthwise / grouped against
  ``macs_analytic.conv_by_kind`` (MACs), ``params_conv_by_kind`` (weights + bias) and
  ``layer_counts.conv_by_kind`` (layers); liteconv's ``fc`` against ``macs_analytic.linear``,
  ``params.linear`` and ``layer_counts.linear``;
- the input is the record's ``input_shape`` and the output its 1000 classes.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from liteconv_cli import load_spec, walk, zoo
from liteconv_cli.engine.network import NetworkCost

ROOT = Path(__file__).resolve().parent
CONFIGS = ROOT.parent / "liteconv_cli" / "configs"
TRUTH = ROOT / "data" / "zoo-counts.json"

#: family file -> the torchvision names it defines (each must be a record of zoo-counts.json)
FAMILIES: dict[str, tuple[str, ...]] = {
    "vgg.yaml": ("vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"),
    "resnet.yaml": ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152"),
    "resnext.yaml": ("resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d"),
    "wide_resnet.yaml": ("wide_resnet50_2", "wide_resnet101_2"),
    "alexnet.yaml": ("alexnet",),
    "densenet.yaml": ("densenet121", "densenet161", "densenet169", "densenet201"),
    "shufflenet_v2.yaml": ("shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"),
    "mnasnet.yaml": ("mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"),
    "inception_v3.yaml": ("inception_v3",),
    "regnet_x.yaml": ("regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf",
                      "regnet_x_16gf", "regnet_x_32gf"),
    "regnet_y.yaml": ("regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf",
                      "regnet_y_16gf", "regnet_y_32gf"),
}
CATEGORIES = ("standard", "pointwise", "depthwise", "grouped")


@lru_cache(maxsize=1)
def truth() -> dict[str, Any]:
    with TRUTH.open(encoding="utf-8") as f:
        return json.load(f)["models"]


@cache
def family(file: str) -> dict[str, Any]:
    with (CONFIGS / file).open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def names_in(file: str) -> tuple[str, ...]:
    """The names a spec file defines: its variants, or its stem for a file without."""
    doc = family(file)
    return tuple(doc["variants"]) if "variants" in doc else (Path(file).stem,)


def evaluate(name: str) -> NetworkCost:
    """Walk one network through the library by its built-in name, as a user loads it."""
    return walk(load_spec(name))


CASES = [(file, name) for file, names in FAMILIES.items() for name in names]


@pytest.mark.parametrize("file", sorted(FAMILIES))
def test_each_family_defines_exactly_its_variants(file):
    assert names_in(file) == FAMILIES[file]
    assert family(file).get("source"), "every zoo spec cites its source"
    assert set(FAMILIES[file]) <= set(truth())


@pytest.mark.parametrize(("file", "name"), CASES)
def test_names_resolve_to_their_file(file, name):
    # the catalogue (configs/index.json) maps the name to this file and variant, with the
    # same counts as the truth, and the file read directly (FILE#VARIANT) agrees with the name
    e = zoo.entry(name)
    assert e is not None, f"{name} is not in the catalogue: python -m liteconv_cli.zoo --write-index"
    assert (e["file"], e["variant"]) == (file, name if "variants" in family(file) else None)
    t = truth()[name]
    assert (e["params"], e["macs"]) == (t["params"]["total"], t["macs_analytic"]["conv_plus_linear"])
    path = str(CONFIGS / file)
    direct = walk(load_spec(f"{path}#{name}" if e["variant"] else path))
    assert (direct.total, direct.rows) == (evaluate(name).total, evaluate(name).rows)


@pytest.mark.parametrize(("file", "name"), CASES)
def test_totals_equal_pytorch(file, name):
    t = truth()[name]
    r = evaluate(name)
    assert r.total.params == t["params"]["total"]
    assert r.total.macs == t["macs_analytic"]["conv_plus_linear"]
    assert r.total.bn == t["params"]["bn"]
    assert [r.input.c, r.input.h, r.input.w] == t["input_shape"][1:]
    assert (r.output.c, r.output.h, r.output.w) == (t["output_shape"][1], 1, 1)


def split_by_kind(r: NetworkCost) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """MACs, weights + bias and rows per category of a walked network."""
    macs = {k: 0 for k in (*CATEGORIES, "fc", "other")}
    params = dict.fromkeys(macs, 0)
    layers = dict.fromkeys(macs, 0)
    for row in r.rows:
        macs[row.category] += row.cost.macs
        params[row.category] += row.cost.weights + row.cost.bias
        layers[row.category] += 1
    return macs, params, layers


def assert_conv_split_is_pytorch(r: NetworkCost, t: dict) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """The convolutions' MACs, params and layer count by kind equal zoo-counts.json's record ``t``."""
    macs, params, layers = split_by_kind(r)
    assert {k: macs[k] for k in CATEGORIES} == {k: t["macs_analytic"]["conv_by_kind"][k] for k in CATEGORIES}
    assert {k: params[k] for k in CATEGORIES} == {k: t["params_conv_by_kind"][k] for k in CATEGORIES}
    assert {k: layers[k] for k in CATEGORIES} == {k: t["layer_counts"]["conv_by_kind"][k] for k in CATEGORIES}
    return macs, params, layers


@pytest.mark.parametrize(("file", "name"), CASES)
def test_split_by_kind_equals_pytorch(file, name):
    t = truth()[name]
    macs, params, layers = assert_conv_split_is_pytorch(evaluate(name), t)
    assert (macs["fc"], params["fc"], layers["fc"]) == (
        t["macs_analytic"]["linear"], t["params"]["linear"], t["layer_counts"]["linear"])
    # rows outside the conv and FC categories (pools, adds, a standalone BatchNorm) carry no
    # MACs and no weights
    assert (macs["other"], params["other"]) == (0, 0)
