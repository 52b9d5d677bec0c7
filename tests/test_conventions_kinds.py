"""Every convention profile, layer kind by layer kind, against what each tool printed.

Truth: ``tests/data/layer-cases.json`` (a copy of ``shared/reference/layer-cases.json``; torch
2.13 CPU, fvcore 0.1.5, ptflops 0.7.5, thop 0.1.1, torchinfo 1.8, each run on one PyTorch module
at batch 1; see test_layer_cases.py). For each of its 76 single-layer cases it holds the number
each tool printed. ``test_layer_cases.spec_of`` turns a case into a one-layer spec; walked, every
profile's total must equal the printed number, or differ from it by exactly the amount listed in
EXPECTED_DIFFERENCES, for the reason given there. The rules, with the tools' source files and
functions they come from, are in docs/conventions.md ("Every layer kind, tool by tool").
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_layer_cases import CASES, spec_of

from liteconv_cli import parse_spec, walk
from liteconv_cli.engine.conventions import PROFILES, label, quantities
from liteconv_cli.engine.network import REGISTRY

#: profile -> where a case holds what the tool printed
PRINTED: dict[str, tuple[str, ...]] = {
    "paper": ("macs", "total"),  # PyTorch forward hooks: conv, conv-transpose, linear and attention MACs
    "fvcore": ("tools", "fvcore", "total"),  # FlopCountAnalysis(m, x).total()
    "ptflops": ("tools", "ptflops_default", "macs"),  # get_model_complexity_info(backend='pytorch')
    "ptflops-aten": ("tools", "ptflops_aten", "macs"),  # get_model_complexity_info(backend='aten')
    "thop": ("tools", "thop", "macs"),  # thop.profile(m, inputs=(x,))
    "torchinfo": ("tools", "torchinfo", "total_mult_adds"),  # summary(m, input_size).total_mult_adds
    "torch-flop-counter": ("torch_flop_counter", "flops"),  # FlopCounterMode().get_total_flops()
}

# (case, profile) -> (printed - profile total, why). Every entry is a case the profile cannot
# reproduce from what a spec's rows carry; everything else must be exact. Each amount is also
# rebuilt from the tool's own formula and the case's PyTorch config in the tests below.
EXPECTED_DIFFERENCES: dict[tuple[str, str], tuple[int, str]] = {
    # ptflops' patched F.interpolate counts input elements x scale ** rank in floating point and
    # truncates the total (pytorch_ops._interpolate_functional_flops_hook); nn.Upsample's hook adds
    # the output elements. An upsample row carries its output size, floor(in x scale), not the
    # scale, so the profile counts output elements for the call: exact for a size and for any
    # scale that gives whole sizes, short by the rounding otherwise.
    ("interpolate_01", "ptflops"): (10, "2x5x7 x 1.3**2 = 118.3 -> 118; output 2x6x9 = 108"),
    ("interpolate_03", "ptflops"): (5, "3x10x13 x 1.7**2 = 1127.1 -> 1127; output 3x17x22 = 1122"),
    ("upsample_05", "ptflops"): (39, "hook 3x16x10 = 480 + 3x11x7 x 1.5**2 = 519.75 -> 999; 480 + 480"),
    ("upsample_09", "ptflops"): (22, "hook 2x28x5 = 280 + 2x50x9 x 0.58**2 = 302.76 -> 582; 280 + 280"),
    # ptflops' multihead_attention_counter_hook counts the K and V projections as S x kdim**2 and
    # S x vdim**2 (not S x kdim x E), AV per head with vdim // heads, the output projection as
    # L x vdim x (vdim + 1); the rows carry kdim + vdim (in the in-projection's weights), not each,
    # so the profile's share of the hook is the self-attention one (kdim = vdim = E, S = L)
    ("multiheadattention_09", "ptflops"): (-211_022, "cross-attention kdim 32, vdim 48, S 50 != E 64, L 49"),
}


def _printed(case: dict[str, Any], profile: str) -> int:
    v: Any = case
    for k in PRINTED[profile]:
        v = v[k]
    return int(v)


_WALKS: dict[str, Any] = {}


def walked(case_id: str) -> Any:
    if case_id not in _WALKS:
        text = yaml.safe_dump(spec_of(CASES[case_id]), sort_keys=False)
        _WALKS[case_id] = walk(parse_spec(text, source_name=case_id))
    return _WALKS[case_id]


@pytest.mark.parametrize("profile", list(PRINTED))
@pytest.mark.parametrize("case_id", sorted(CASES))
def test_each_profile_prints_what_the_tool_printed_for_one_layer(case_id, profile):
    printed = _printed(CASES[case_id], profile)
    difference, _why = EXPECTED_DIFFERENCES.get((case_id, profile), (0, ""))
    assert PROFILES[profile].total(walked(case_id).rows) == printed - difference


def test_the_expected_differences_name_real_cases_and_amounts():
    assert len(CASES) == 76
    for (case_id, profile), (amount, why) in EXPECTED_DIFFERENCES.items():
        assert case_id in CASES and profile in PRINTED
        assert amount != 0 and why


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_each_case_keeps_the_profiles_invariants(case_id):
    result = walked(case_id)
    rows = result.rows
    assert PROFILES["flops"].total(rows) == result.total.flops
    assert PROFILES["paper"].total(rows) == result.total.macs
    assert PROFILES["ptflops-aten"].total(rows) == result.total.macs + result.total.bias_adds
    for p in PROFILES.values():
        assert sum(p.row_total(r) for r in rows) == p.total(rows)
    for r in rows:
        for key in quantities(r):
            assert label(key)


# ------------------------------------------------------------------ ptflops' upsample, from its source


def _ptflops_interpolate(case: dict[str, Any]) -> float:
    """pytorch_ops._interpolate_functional_flops_hook of ptflops 0.7.5 on the case's call."""
    cfg, shape = case["config"], case["input_shape"]
    numel, rank = math.prod(shape), len(shape) - 2
    if cfg.get("size"):
        size = cfg["size"]
        return (math.prod(size) if isinstance(size, list) else size ** rank) * shape[0] * shape[1]
    scale = cfg["scale_factor"]
    if isinstance(scale, list) and len(scale) == rank:  # nn.Upsample keeps a tuple: int(np.prod(...))
        return numel * int(math.prod(scale))
    return numel * scale ** rank


UPSAMPLE_CASES = sorted(k for k, c in CASES.items() if c["kind"] in ("Upsample", "interpolate"))


@pytest.mark.parametrize("case_id", UPSAMPLE_CASES)
def test_ptflops_upsample_is_its_hook_plus_the_patched_interpolate(case_id):
    # nn.Upsample: upsample_flops_counter_hook (output elements) + F.interpolate, which its
    # forward calls; F.interpolate alone: the patched function only. int() of the float total.
    case = CASES[case_id]
    hook = case["output_elements"] if case["kind"] == "Upsample" else 0
    assert int(hook + _ptflops_interpolate(case)) == _printed(case, "ptflops")
    # what the profile counts for the call instead is the output elements: the listed difference
    difference, _ = EXPECTED_DIFFERENCES.get((case_id, "ptflops"), (0, ""))
    assert int(hook + _ptflops_interpolate(case)) - (hook + case["output_elements"]) == difference


# ------------------------------------------------------------------ ptflops' attention, from its source


def _ptflops_mha(cfg: dict[str, Any], L: int, S: int, kdim: int, vdim: int) -> int:
    """ptflops 0.7.5's multihead_attention_counter_hook plus the patched torch.bmm and F.softmax."""
    E, h = cfg["embed_dim"], cfg["num_heads"]
    hook = L * E + L * E * E + S * kdim * kdim + S * vdim * vdim + (L + 2 * S) * E * cfg["bias"]
    hook += h * (L * S * (E // h) + L * S + L * S * (vdim // h)) + L * vdim * (vdim + 1)
    s2 = S + cfg["add_bias_kv"] + cfg["add_zero_attn"]  # the key rows the bmm and softmax really see
    calls = L * s2 * E + h * L * s2 + L * s2 * E  # QK^T, softmax, AV (E = heads x head_dim)
    return hook + calls


MHA_CASES = sorted(k for k, c in CASES.items() if c["kind"] == "MultiheadAttention")


@pytest.mark.parametrize("case_id", MHA_CASES)
def test_ptflops_attention_is_its_hook_plus_the_patched_bmm_and_softmax(case_id):
    case = CASES[case_id]
    cfg, L = case["config"], case["input_shape"][1]
    S, kdim, vdim = cfg.get("source_len", L), cfg["kdim"], cfg["vdim"]
    assert _ptflops_mha(cfg, L, S, kdim, vdim) == _printed(case, "ptflops")
    # the profile: the hook as for self-attention (S = L, kdim = vdim = E) but with the real
    # in-projection, plus the real calls; the same as the hook whenever S = L and kdim = vdim = E
    E, h, b = cfg["embed_dim"], cfg["num_heads"], cfg["bias"]
    s2 = S + cfg["add_bias_kv"] + cfg["add_zero_attn"]
    profile = (L * E + L * E * E + S * kdim * E + S * vdim * E + (L + 2 * S) * E * b + 2 * L * L * E + h * L * L
               + L * E * (E + 1) + 2 * L * s2 * E + h * L * s2)
    assert PROFILES["ptflops"].total(walked(case_id).rows) == profile
    difference, _ = EXPECTED_DIFFERENCES.get((case_id, "ptflops"), (0, ""))
    assert _ptflops_mha(cfg, L, S, kdim, vdim) - profile == difference
    assert (difference == 0) == (S == L and kdim == vdim == E)


# ------------------------------------------------------------------ rules shown on specs


def _fvcore(text: str) -> tuple[int, int]:
    result = walk(parse_spec(text))
    return PROFILES["fvcore"].total(result.rows), result.total.macs


def test_fvcore_counts_no_convolution_written_with_padding_same():
    # nn.Conv2d(padding='same') traces as aten::_convolution_mode, which fvcore 0.1.5 has no
    # handle for (layer-cases.json conv2d_09: unsupported_ops). A stride-1 convolution padded
    # unevenly (an even kernel) can only be that; an odd kernel pads evenly, as torchvision
    # writes it with an integer, and strided 'same' PyTorch refuses (layer-cases.json probes).
    assert _fvcore("input: [4, 9, 9]\nlayers:\n  - {kind: conv, out: 8, kernel: 4, padding: same}\n")[0] == 0
    counted, macs = _fvcore("input: [4, 9, 9]\nlayers:\n  - {kind: conv, out: 8, kernel: 3, padding: same}\n")
    assert counted == macs == 8 * 81 * 4 * 9
    counted, macs = _fvcore("input: [4, 9, 9]\nlayers:\n  - {kind: conv, out: 8, kernel: 4, stride: 2}\n")
    assert counted == macs > 0


def test_thop_and_torchinfo_count_a_transposed_convolution_on_its_output_grid():
    # thop's count_convNd: output elements x C_in/groups x prod(K); torchinfo: weights x output
    # positions. The real count runs over the input grid (ptflops, fvcore, PyTorch's hooks).
    result = walk(parse_spec("input: [8, 5, 5]\nlayers:\n  - {kind: conv_transpose, out: 4, kernel: 3, stride: 2,"
                             " bias: false}\n"))
    (row,) = result.rows
    assert row.output == (4, 11, 11)
    assert result.total.macs == 8 * 25 * 4 * 9
    assert PROFILES["thop"].total(result.rows) == PROFILES["torchinfo"].total(result.rows) == 4 * 121 * 8 * 9


# ------------------------------------------------------------------ a whole network: ConvNeXt's LayerNorm2d


@pytest.mark.parametrize(("profile", "factor"), [("ptflops", 1), ("thop", 4)])
def test_ptflops_and_thop_skip_convnext_layernorm2d(profile, factor):
    # torchvision's ConvNeXt normalises the stem, the three downsamplings and the head with
    # LayerNorm2d, a subclass of nn.LayerNorm; ptflops (MODULES_MAPPING) and thop
    # (register_hooks) look hooks up by exact type, so they count those five not at all and the
    # blocks' nn.LayerNorm at 1 (ptflops: no `affine` attribute) and 4 (thop) per element
    import test_zoo_more

    rows = test_zoo_more.evaluate("convnext_tiny").rows
    norm2d = [r for r in rows if r.op == "layernorm" and not r.name.startswith("stage")]
    assert len(norm2d) == 5
    skipped = factor * sum(r.output.elements for r in norm2d)
    assert PROFILES[profile].total(rows) - skipped == test_zoo_more._printed("convnext_tiny", profile)


# ------------------------------------------------------------------ the docs


def test_the_docs_table_has_every_layer_kind():
    text = (Path(__file__).resolve().parent.parent / "docs" / "conventions.md").read_text(encoding="utf-8")
    section = text.split("## Every layer kind, tool by tool", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", section, flags=re.M)
    documented = {k for cell in first_cells if cell.startswith("`") for k in re.findall(r"`([a-z_]+)`", cell)}
    assert set(REGISTRY) <= documented
