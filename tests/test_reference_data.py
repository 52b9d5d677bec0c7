"""The tests verify themselves from a clone: reference figures come from tests/data, nowhere else.

The network tests carry PyTorch's figures as literals, each citing its JSON path in
``tests/data/peer-counts.json`` (a copy of the project's shared reference measurements; origin
and tool versions in tests/data/README.md). Here every table of those literals is checked
against that file, so a typo in a copied number, or a copy that drifted from its source, fails
in any clone. And no test may read a file outside the repository.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import test_configs
import test_conventions
import test_network

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
PEER = json.loads((DATA / "peer-counts.json").read_text(encoding="utf-8"))


def record(network: str) -> dict:
    """The peer-counts record of a network: ``mobilenet_v1`` or a torchvision name."""
    if network == "mobilenet_v1":
        return PEER["mobilenet_v1"]["alpha_1.0_res_224"]
    return PEER["models"][network]


def test_the_copy_says_what_measured_it():
    assert PEER["meta"]["default_input"] == [1, 3, 224, 224]
    assert {"torch", "torchvision", "fvcore", "ptflops", "thop", "torchinfo"} <= set(PEER["meta"]["packages"])


@pytest.mark.parametrize("file", sorted(set(test_configs.EXPECTED) & {"mobilenet_v1.yaml", "mobilenet_v2.yaml",
                                                                    "resnet50.yaml", "vgg16.yaml",
                                                                    "efficientnet_b0.yaml"}))
def test_config_totals_are_the_reference(file):
    rec = record(file.removesuffix(".yaml"))
    assert test_configs.EXPECTED[file] == (rec["params"]["total"], rec["macs_analytic"]["conv_plus_linear"])


@pytest.mark.parametrize("file", sorted(test_configs.BY_CATEGORY))
def test_config_categories_are_the_reference(file):
    rec = record(file.removesuffix(".yaml"))
    table = test_configs.BY_CATEGORY[file]
    kinds = ("standard", "pointwise", "depthwise", "grouped")
    assert {k: table["macs"][k] for k in kinds} == {k: rec["macs_analytic"]["conv_by_kind"][k] for k in kinds}
    assert table["macs"]["fc"] == rec["macs_analytic"]["linear"]
    assert {k: table["weights_bias"][k] for k in kinds} == {k: rec["params_conv_by_kind"][k] for k in kinds}
    assert table["weights_bias"]["fc"] == rec["params"]["linear"]
    assert {k: table["layers"][k] for k in kinds} == {k: rec["layer_counts"]["conv_by_kind"][k] for k in kinds}
    assert table["layers"]["fc"] == rec["layer_counts"]["linear"]
    assert table["bn"]["total"] == rec["params"]["bn"]
    assert table["conv_bias"]["total"] == rec["params"]["conv_bias"]


# liteconv's profile name -> the JSON path of what the tool printed
PRINTED_PATHS = {
    "paper": ("macs_analytic", "conv_plus_linear"),
    "fvcore": ("fvcore", "total"),
    "ptflops": ("ptflops", "default", "macs"),
    "ptflops-aten": ("ptflops", "aten", "macs"),
    "thop": ("thop", "macs"),
    "torchinfo": ("torchinfo", "total_mult_adds"),
}


def _at(rec: dict, path: tuple[str, ...]) -> object:
    for key in path:
        rec = rec[key]
    return rec


@pytest.mark.parametrize("network", sorted(test_conventions.PRINTED))
def test_what_each_tool_printed_is_the_reference(network):
    printed = test_conventions.PRINTED[network]
    assert set(printed) == set(PRINTED_PATHS)
    assert printed == {p: _at(record(network), path) for p, path in PRINTED_PATHS.items()}


# liteconv's quantity -> where peer-counts.json keeps it
ELEMENT_PATHS = {
    "bn_elements": ("bn_input_elements",),
    "act:relu": ("activation_output_elements", "ReLU"),
    "act:relu6": ("activation_output_elements", "ReLU6"),
    "act:silu": ("activation_output_elements", "SiLU"),
    "act:sigmoid": ("activation_output_elements", "Sigmoid"),
    "pool_in:adaptive_avg_pool": ("pool_input_elements", "AdaptiveAvgPool2d"),
    "pool_out:adaptive_avg_pool": ("pool_output_elements", "AdaptiveAvgPool2d"),
    "pool_in:max_pool": ("pool_input_elements", "MaxPool2d"),
    "pool_out:max_pool": ("pool_output_elements", "MaxPool2d"),
}


@pytest.mark.parametrize("network", sorted(test_conventions.ELEMENTWISE))
def test_element_counts_are_the_reference(network):
    counts = record(network)["elementwise_counts"]
    for key, value in test_conventions.ELEMENTWISE[network].items():
        group, *name = ELEMENT_PATHS[key.removeprefix("fn:")]
        if key.startswith("fn:"):
            # a functional call (torchvision's MobileNetV2 pools with F.adaptive_avg_pool2d): no module,
            # so the reference, which counts modules, has no entry for it
            assert counts[group] == {}, key
            continue
        assert value == (counts[group][name[0]] if name else counts[group]), key


def _as_row(layer: dict) -> tuple:
    """A peer-counts layer as test_network's row: (name, in, out, k, s, groups, H in, H out, params, MACs)."""
    if layer["type"] == "linear":
        return (layer["name"], layer["in_features"], layer["out_features"], 1, 1, 1, 1, 1, layer["params"],
                layer["macs"])
    (k, kw), (s, sw) = layer["kernel"], layer["stride"]
    assert (k, s, layer["input_hw"][0], layer["output_hw"][0]) == (kw, sw, layer["input_hw"][1], layer["output_hw"][1])
    return (layer["name"], layer["in_channels"], layer["out_channels"], k, s, layer["groups"], layer["input_hw"][0],
            layer["output_hw"][0], layer["params"], layer["macs"])


@pytest.mark.parametrize(("table", "network"), [("V1_LAYERS", "mobilenet_v1"), ("V2_LAYERS", "mobilenet_v2")])
def test_layer_tables_are_the_reference(table, network):
    assert [tuple(row) for row in getattr(test_network, table)] == [_as_row(x) for x in record(network)["layers"]]


def test_the_whole_reference_files_are_here():
    zoo = json.loads((DATA / "zoo-counts.json").read_text(encoding="utf-8"))
    cases = json.loads((DATA / "layer-cases.json").read_text(encoding="utf-8"))
    assert len(zoo["models"]) == 84
    assert len(cases["cases"]) == cases["meta"]["case_count"] == 76
    for folder in ("onnx", "keras"):
        truth = json.loads((DATA / folder / "truth.json").read_text(encoding="utf-8"))
        named = truth["files"] if folder == "onnx" else {f"{m}.json": m for m in truth["models"]}
        assert all((DATA / folder / name).is_file() for name in named), folder


def _strings_in_code(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings (what code could open)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda p: p.name)
def test_no_test_reads_outside_the_repository(path):
    outside = ("/" + "work/", ".." + "/shared", "shared/" + "reference", "shared/" + "fixtures", "shared/" + "seeds",
               "shared/" + "oracle")
    found = [(line, s) for line, s in _strings_in_code(path) if any(o in s for o in outside)]
    assert not found, f"{path.name} names files outside the repository: {found}"
