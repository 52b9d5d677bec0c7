"""Every single-layer case measured with PyTorch, reproduced by a one-layer spec.

The truth is ``tests/data/layer-cases.json``, a copy of ``shared/reference/layer-cases.json``
(torch 2.13 CPU: modules built from the ``module`` text, batch 1, eval mode; params =
``sum(p.numel())``, MACs from forward hooks, output shape from the real forward). Each case's
PyTorch ``config`` (the module's attributes) is turned into a spec below, table-driven by the
module's kind, and loaded and walked like any spec. PyTorch's layouts are channels-first for
convolutions, pooling and norms of images; ``Linear``, ``LayerNorm`` and ``MultiheadAttention``
cases run on channels-last (or batch-first sequence) tensors, which a spec writes channels-first
(``input: [C, *positions]``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from liteconv_cli import parse_spec, walk

CASES = json.loads((Path(__file__).parent / "data" / "layer-cases.json").read_text(encoding="utf-8"))["cases"]


def _conv(cfg: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    layer = {"kind": "conv", "out": cfg["out_channels"], "kernel": cfg["kernel_size"], "stride": cfg["stride"],
             "padding": cfg["padding"], "dilation": cfg["dilation"], "groups": cfg["groups"], "bias": cfg["bias"]}
    return layer


def _conv_transpose(cfg: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    op = case.get("conv", {}).get("effective_output_padding") or cfg["output_padding"]
    return {"kind": "conv_transpose", "out": cfg["out_channels"], "kernel": cfg["kernel_size"],
            "stride": cfg["stride"], "padding": cfg["padding"], "output_padding": op, "dilation": cfg["dilation"],
            "groups": cfg["groups"], "bias": cfg["bias"]}


def _pool(mode: str):
    def make(cfg: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
        layer = {"kind": "pool", "mode": mode, "kernel": cfg["kernel_size"], "stride": cfg["stride"],
                 "padding": cfg["padding"], "ceil_mode": cfg["ceil_mode"]}
        if mode == "avg":
            layer["count_include_pad"] = cfg["count_include_pad"]
        elif cfg.get("dilation", 1) != 1:
            layer["dilation"] = cfg["dilation"]
        return layer

    return make


def _adaptive(mode: str):
    return lambda cfg, case: {"kind": "pool", "mode": mode, "output": cfg["output_size"]}


def _upsample(cfg: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    layer: dict[str, Any] = {"kind": "upsample", "mode": cfg["mode"]}
    if cfg.get("size"):
        layer["size"] = cfg["size"]
    else:
        layer["scale"] = cfg["scale_factor"]
    if cfg.get("align_corners"):
        layer["align_corners"] = True
    if case["kind"] == "interpolate":
        layer["functional"] = True
    return layer


def _mha(cfg: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "attention", "heads": cfg["num_heads"], "bias": cfg["bias"], "add_bias_kv": cfg["add_bias_kv"],
            "add_zero_attn": cfg["add_zero_attn"]}


LAYER = {
    "Conv1d": _conv, "Conv2d": _conv, "Conv3d": _conv,
    "ConvTranspose1d": _conv_transpose, "ConvTranspose2d": _conv_transpose, "ConvTranspose3d": _conv_transpose,
    "MaxPool1d": _pool("max"), "MaxPool2d": _pool("max"), "MaxPool3d": _pool("max"),
    "AvgPool1d": _pool("avg"), "AvgPool2d": _pool("avg"), "AvgPool3d": _pool("avg"),
    "AdaptiveAvgPool1d": _adaptive("avg"), "AdaptiveAvgPool2d": _adaptive("avg"), "AdaptiveAvgPool3d": _adaptive("avg"),
    "AdaptiveMaxPool2d": _adaptive("max"),
    "BatchNorm1d": lambda cfg, case: {"kind": "batchnorm", "affine": cfg["affine"]},
    "BatchNorm3d": lambda cfg, case: {"kind": "batchnorm", "affine": cfg["affine"]},
    "GroupNorm": lambda cfg, case: {"kind": "groupnorm", "groups": cfg["num_groups"], "affine": cfg["affine"]},
    "InstanceNorm2d": lambda cfg, case: {"kind": "instancenorm", "affine": cfg["affine"]},
    "LayerNorm": lambda cfg, case: {"kind": "layernorm", "affine": cfg["elementwise_affine"],
                                    "bias": any(n.endswith("bias") for n in case["params"]["tensors"])},
    "Linear": lambda cfg, case: {"kind": "linear", "out": cfg["out_features"], "bias": cfg["bias"]},
    "Upsample": _upsample, "interpolate": _upsample,
    "PixelShuffle": lambda cfg, case: {"kind": "pixel_shuffle", "factor": cfg["upscale_factor"]},
    "PixelUnshuffle": lambda cfg, case: {"kind": "pixel_unshuffle", "factor": cfg["downscale_factor"]},
    "ChannelShuffle": lambda cfg, case: {"kind": "shuffle", "groups": cfg["groups"]},
    "ConstantPad": lambda cfg, case: {"kind": "pad", "padding": cfg["padding"]},
    "ReflectionPad": lambda cfg, case: {"kind": "pad", "padding": cfg["padding"], "mode": "reflect"},
    "ZeroPad2d": lambda cfg, case: {"kind": "pad", "padding": cfg["padding"]},
    "MultiheadAttention": _mha,
}
#: kinds whose PyTorch tensors are channels-last (or batch-first sequences): C is the last dim
CHANNELS_LAST = {"Linear", "LayerNorm", "MultiheadAttention"}


def spec_of(case: dict[str, Any]) -> dict[str, Any]:
    """A one-layer spec (as YAML data) for a case."""
    kind, cfg = case["kind"], case["config"]
    shape = case["input_shape"][1:]
    if kind in CHANNELS_LAST or case["module_class"] in CHANNELS_LAST:
        shape = [shape[-1], *shape[:-1]]
    if kind == "SharedModule":
        inner = _conv(cfg, case) if case["module_class"] == "Conv2d" else LAYER["Linear"](cfg, case)
        return {"input": shape, "layers": [{**inner, "name": "first"}, {**inner, "name": "again", "share": "first"}]}
    if kind == "MultiheadAttention" and not cfg["qkv_same_embed_dim"]:
        src = cfg["source_len"]
        return {"inputs": {"query": shape, "key": [cfg["kdim"], src], "value": [cfg["vdim"], src]},
                "layers": [{**_mha(cfg, case), "from": ["query", "key", "value"]}]}
    return {"input": shape, "layers": [LAYER[kind](cfg, case)]}


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_layer_case_matches_pytorch(case_id):
    case = CASES[case_id]
    spec = spec_of(case)
    result = walk(parse_spec(yaml.safe_dump(spec, sort_keys=False), source_name=case_id))
    expected_out = case["output_shape"][1:]
    if case["kind"] in CHANNELS_LAST or case["module_class"] in CHANNELS_LAST:
        expected_out = [expected_out[-1], *expected_out[:-1]]
    assert list(result.output) == expected_out
    assert result.total.params == case["params"]["total"]
    assert result.total.macs == case["macs"]["total"]
    assert result.total.bias_adds == case["bias_adds"]


def test_every_kind_of_the_reference_is_covered():
    kinds = {c["kind"] for c in CASES.values()}
    assert kinds <= set(LAYER) | {"SharedModule"}
    assert len(CASES) == 76
