"""Every built-in network the peer tools measured: each convention profile equals what the tool printed.

tests/data/zoo-counts.json holds, for every torchvision record under 60M params, what fvcore
0.1.5, ptflops 0.7.5 (both backends), thop 0.1.1 and torchinfo 1.8 printed on the real PyTorch
model (torch 2.13, torchvision 0.28). liteconv's profiles (engine/conventions.py) must give the
same number from the spec alone, which needs the specs to say how torchvision calls each op
(`functional: true | activation | method`: F.adaptive_avg_pool2d, Inception's F.relu, x.mean).
Two tool behaviours no spec can say are listed below with the exact amount, taken from the
reference itself: the tools look modules up by exact class and skip subclasses.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from liteconv_cli import load_spec, walk
from liteconv_cli.engine.conventions import PROFILES

TRUTH = json.loads((Path(__file__).parent / "data" / "zoo-counts.json").read_text(encoding="utf-8"))["models"]
#: the tool -> where zoo-counts.json keeps what it printed
PRINTED = {"fvcore": ("fvcore", "total"), "ptflops": ("ptflops", "default", "macs"),
           "ptflops-aten": ("ptflops", "aten", "macs"), "thop": ("thop", "macs"),
           "torchinfo": ("torchinfo", "total_mult_adds")}
MEASURED = sorted(n for n, r in TRUTH.items() if "fvcore" in r and "@" not in n)


@cache
def rows(name: str):
    return walk(load_spec(name)).rows


def printed(name: str, tool: str) -> int:
    v = TRUTH[name]
    for k in PRINTED[tool]:
        v = v[k]
    return int(v)


def skipped_by_the_tool(name: str, tool: str) -> int:
    """What a tool leaves out because it looks hooks up by exact class (0 for most)."""
    if name.startswith("convnext") and tool in ("ptflops", "thop"):
        # torchvision's LayerNorm2d subclasses nn.LayerNorm: ptflops (1 per element) and thop
        # (4 per element) skip it; its input elements are in the reference
        elements = TRUTH[name]["elementwise_counts"]["other_norm_input_elements"]["LayerNorm2d"]
        return elements * (1 if tool == "ptflops" else 4)
    if name in ("r3d_18", "mc3_18") and tool in ("ptflops", "thop"):
        # Conv3DSimple / Conv3DNoTemporal subclass nn.Conv3d: the blocks' convolutions are skipped
        return sum(r.cost.macs for r in rows(name) if r.name.endswith((".conv1", ".conv2")))
    return 0


def test_the_reference_covers_the_families():
    assert len(MEASURED) >= 40
    assert {"inception_v3", "densenet121", "mnasnet1_0", "shufflenet_v2_x1_0", "googlenet", "mobilenet_v2",
            "convnext_tiny", "r3d_18"} <= set(MEASURED)


@pytest.mark.parametrize("tool", sorted(PRINTED))
@pytest.mark.parametrize("name", MEASURED)
def test_each_profile_equals_what_the_tool_printed(name, tool):
    assert PROFILES[tool].total(rows(name)) - skipped_by_the_tool(name, tool) == printed(name, tool)


@pytest.mark.parametrize(("name", "mode"), [("mnasnet1_0", "method"), ("shufflenet_v2_x1_0", "method"),
                                            ("densenet121", True), ("inception_v3", "activation")])
def test_the_calls_are_marked_as_torchvision_makes_them(name, mode):
    assert any(r.functional == mode for r in rows(name))
