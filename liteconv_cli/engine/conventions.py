"""Counting conventions: what the popular counters print for a network, term by term.

Every tool starts from the same quantities of the walk's rows (convolution, FC and attention
MACs, bias adds, BatchNorm and other norm elements, activation outputs by function, pooling
elements by op and rank, upsample outputs by mode, residual adds, ...) and weighs each with its
own factor: 0 where the tool ignores it, 2 where ptflops counts a module twice. A
:class:`Profile` is that table of factors, so a profile's total is ``sum(amount x factor)`` over
the quantities and every term can be shown apart. :data:`PROFILES` holds them all;
``liteconv network SPEC --convention NAME`` prints one.

A quantity key is ``family[:kind[:detail]]`` (``conv_macs``, ``act:relu``,
``norm:layernorm:no_affine``, ``pool_in:adaptive_avg_pool:3d``; a detail ``1d``/``3d`` marks an
op of that rank, the key without it is the 2-D op) and a profile's factor is that of the
longest listed prefix. Where a tool's rule is not the real count, the quantity it uses is its
own key (``conv_transpose_output_grid``: thop and torchinfo count a transposed convolution on
its output grid; ``fc_params``: torchinfo's "Mult-Adds" of a Linear are its parameters;
``ptflops_mha``, ``thop_softmax``, ``thop_adaptive_avg_pool``: those tools' formulas).

The factors were reconstructed from each tool's source, kind by kind, and are listed with the
file and function each comes from in docs/conventions.md ("Every layer kind, tool by tool"):

* ``paper``: convolution + FC + attention multiply-accumulates, bias excluded (liteconv's
  ``macs``, the papers' Mult-Adds, torchvision's "GFLOPS").
* ``flops``: liteconv's own FLOPs (``Cost.flops``), term by term.
* ``fvcore`` (0.1.5): MACs (not of ``padding='same'`` convolutions) + BatchNorm 2 per element
  (1 without affine) + other norms 5 (4) + 2-D adaptive-average-pool inputs + 2-D nearest (1)
  and bilinear (4) upsample outputs.
* ``ptflops`` (0.7.5, default ``pytorch`` backend): MACs + bias adds + norms (2 per element, 1
  without affine or for LayerNorm) + activations (ReLU, GELU, ELU twice: module hook and
  patched functional; ReLU6, LeakyReLU, SiLU, Softmax once; the rest not at all) + 2 per
  pooling input + 2 per upsample output + its MultiheadAttention hook formula.
* ``ptflops-aten`` (0.7.5, ``aten`` backend): MACs + bias adds.
* ``thop`` (0.1.1): MACs (transposed convolutions on the output grid, attention 0) + 4 per
  BatchNorm, LayerNorm, InstanceNorm element (2 without affine; GroupNorm 0) + average-pool
  outputs + adaptive average pooling as ``int((H_in/H_out * W_in/W_out + 1) * outputs)`` in
  float64 + upsample outputs x 1, 5, 11 or 259 by mode.
* ``torch-flop-counter`` (torch 2.13's ``torch.utils.flop_counter.FlopCounterMode``): 2 x the
  convolution, FC and attention MACs, nothing else. Around a backward pass it counts the input
  gradient and the weight gradient of each convolution, the latter as if ``groups`` were 1
  (``groups`` times the real count: a depthwise layer's weight gradient ``C`` times over), so
  it puts MobileNetV2's training step at about 10x the MACs done (engine.training's
  ``tool_backward_macs``; fixed later upstream, pytorch/pytorch#183405).
* ``torchinfo`` (1.8): convolution MACs (transposed: on the output grid) + convolution bias
  adds + the *parameter counts* of FC/Linear, BatchNorm and other norm layers, not per element;
  attention 0.

Each layer of a spec is taken to be a PyTorch module (``nn.ReLU``, ``nn.AdaptiveAvgPool2d``),
as torchvision builds them; residual adds, the SE multiply and layer scale are the ``+`` and
``*`` operators, which no hook sees. A layer marked ``functional: true`` is one the model calls
as a function (torchvision's MobileNetV2 ends with ``F.adaptive_avg_pool2d``, DenseNet with
``F.relu``): its quantities are keyed ``fn:...`` and weighed by the profile's ``functional``
factors. No module hook sees them, so thop and torchinfo count 0; ptflops counts those it
patches once (``FUNCTIONAL_MAPPING`` of ptflops/pytorch_ops.py: F.relu, F.elu, F.relu6, F.gelu,
F.silu, F.softmax, the pooling functions, F.interpolate, torch.bmm), where a module is counted
twice (hook + the functional it calls); fvcore, ptflops-aten and FlopCounterMode trace or
dispatch below both and see them alike.

Checked against what the tools printed for 76 one-layer PyTorch cases
(tests/test_conventions_kinds.py) and whole networks (tests/test_conventions.py,
tests/test_zoo_more.py).
"""

from collections.abc import Iterable, Mapping
from math import prod
from typing import NamedTuple

from .network import _TAPS, Row

POOL_OPS = ("max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool")
#: the norms other than BatchNorm (their rows count elementwise 5 per element with affine, 4 without)
NORM_OPS = ("layernorm", "groupnorm", "instancenorm")

#: activation function -> the PyTorch module name the tools see
ACTIVATION_MODULES = {
    "relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "elu": "ELU", "silu": "SiLU", "sigmoid": "Sigmoid",
    "hardsigmoid": "Hardsigmoid", "hardswish": "Hardswish", "gelu": "GELU", "tanh": "Tanh", "mish": "Mish",
    "softplus": "Softplus", "hardtanh": "Hardtanh", "softmax": "Softmax",
}
_POOL_NAMES = {
    "max_pool": "max pool", "avg_pool": "avg pool", "adaptive_avg_pool": "adaptive avg pool",
    "adaptive_max_pool": "adaptive max pool",
}
_NORM_NAMES = {"layernorm": "LayerNorm", "groupnorm": "GroupNorm", "instancenorm": "InstanceNorm"}
#: interpolation taps per output element -> upsample mode: an upsample row carries 2 x taps
#: elementwise operations per output element (network._TAPS), not its mode
_UPSAMPLE_MODE = {taps: mode for mode, taps in _TAPS.items()}
_ATTENTION_PARTS = {
    "in_proj": "attention Q/K/V projection MACs", "qk": "attention QK^T MACs", "av": "attention AV MACs",
    "out_proj": "attention output projection MACs",
}

#: quantity families shown in every profile (factor 0 when the tool ignores them); the
#: others (parameter counts, pooling outputs, one tool's own formula) only where used
_SHOWN = ("conv_macs", "fc_macs", "attention_macs", "conv_bias_adds", "fc_bias_adds", "attention_bias_adds",
          "bn_elements", "norm", "act", "attention_softmax", "pool_in", "upsample", "add", "mul", "other")
_ORDER = ("conv_macs", "conv_transpose_output_grid", "fc_macs", "attention_macs", "conv_bias_adds", "fc_bias_adds",
          "attention_bias_adds", "fc_params", "bn_elements", "bn_params", "norm", "norm_params", "act",
          "thop_softmax", "attention_softmax", "ptflops_mha", "pool_in", "pool_out", "thop_adaptive_avg_pool",
          "upsample", "add", "mul", "other")
#: families of the Python operators ``+`` and ``*``: no hook sees them, module or function alike
_OPERATORS = ("add", "mul", "other")


def label(key: str) -> str:
    """What a quantity key counts, for people: ``act:relu`` -> ``ReLU outputs``.

    A key is ``family[:kind[:detail]]``; a detail ``1d`` or ``3d`` names an op of that rank
    (the key without it is the 2-D op), ``no_affine`` a norm without its scale and shift.
    """
    if key.startswith(METHOD):
        return "tensor-method " + label(key[len(METHOD):])
    if key.startswith(FN):
        return "functional " + label(key[len(FN):])
    if key in _LABELS:
        return _LABELS[key]
    family, _, arg = key.partition(":")
    arg, _, detail = arg.partition(":")
    rank = f" ({detail[0]}-D)" if detail in ("1d", "3d") else ""
    if family == "act":
        return f"{ACTIVATION_MODULES.get(arg, arg)} outputs"
    if family == "pool_in":
        return f"{_POOL_NAMES.get(arg, arg)}{rank} inputs"
    if family == "pool_out":
        return f"{_POOL_NAMES.get(arg, arg)}{rank} outputs"
    if family == "upsample":
        return f"{arg} upsample{rank} outputs"
    if family == "norm":
        return f"{_NORM_NAMES.get(arg, arg)} elements" + (" (no affine)" if detail == "no_affine" else "")
    if family == "attention_macs":
        return _ATTENTION_PARTS.get(arg, arg)
    return _LABELS[family]


_LABELS = {
    "conv_macs": "convolution MACs",
    "conv_macs:same": "convolution MACs, padding='same' (stride 1, uneven padding)",
    "conv_macs:transposed": "transposed convolution MACs (on the input grid)",
    "conv_transpose_output_grid": "transposed convolution on the output grid (C_out x out positions x C_in/g "
                                  "x prod K)",
    "fc_macs": "FC MACs",
    "fc_macs:linear": "per-position Linear MACs",
    "attention_macs": "attention MACs",
    "conv_bias_adds": "convolution bias adds",
    "fc_bias_adds": "FC bias adds",
    "attention_bias_adds": "attention projection bias adds",
    "fc_params": "FC parameters (weights + bias)",
    "bn_elements": "BatchNorm elements",
    "bn_elements:no_affine": "BatchNorm elements (affine=False)",
    "bn_params": "BatchNorm parameters (gamma + beta)",
    "norm": "norm elements",
    "norm_params": "LayerNorm, GroupNorm, InstanceNorm parameters",
    "thop_softmax": "softmax as thop counts it: 3 x elements - positions",
    "attention_softmax": "attention softmax elements",
    "ptflops_mha": "ptflops' MultiheadAttention hook formula",
    "thop_adaptive_avg_pool": "adaptive avg pool: int((H_in/H_out * W_in/W_out + 1) * outputs)",
    "add": "residual-add elements ((n - 1) per output)",
    "mul": "SE multiply elements",
    "other": "other elementwise operations",
}


#: the prefix of a quantity of a ``functional: true`` row (a call, not a module: docstring above)
FN = "fn:"
#: the prefix of a quantity of a ``functional: method`` row (``x.mean``): no tool hooks a tensor method
METHOD = "fnm:"


def quantities(row: Row) -> dict[str, int]:
    """The countable quantities of one row, by key (zeros left out).

    A ``functional: true`` row's keys are prefixed ``fn:``, except the operators' (add, mul,
    other), which no tool tells apart from a call.
    """
    q = _quantities(row)
    mode = getattr(row, "functional", False)
    if not mode:
        return q
    if mode == "activation":  # only the activation counted in this row is a call
        return {(FN + k if k.startswith("act:") else k): v for k, v in q.items()}
    prefix = METHOD if mode == "method" else FN
    return {(k if k.partition(":")[0] in _OPERATORS else prefix + k): v for k, v in q.items()}


def _rank(shape: tuple[int, ...]) -> str:
    """The key detail of an op's rank: ``""`` for 2-D (the default), else ``":1d"``, ``":3d"``."""
    r = len(shape) - 1
    return "" if r == 2 else f":{r}d"


def _padding_same(row: Row) -> bool:
    """A stride-1 convolution padded unevenly, which PyTorch can only write as ``padding='same'``.

    An even effective kernel ``d(K-1) + 1`` pads ``floor`` of half before and the rest after
    (torch.nn.Conv*d(padding='same')); a module with integer padding pads both sides alike.
    """
    return (row.op == "conv" and row.padding is not None and row.stride is not None
            and all(s == 1 for s in row.stride) and any(a != b for a, b in row.padding))


def _quantities(row: Row) -> dict[str, int]:
    c = row.cost
    if row.kind == "attention":
        return _attention(row)
    q: dict[str, int] = {}
    op = row.op
    if op in ("fc", "linear"):
        q["fc_macs" if op == "fc" else "fc_macs:linear"], q["fc_bias_adds"] = c.macs, c.bias_adds
        # the weights and bias, read from the MACs so that a shared layer has them too
        q["fc_params"] = (c.macs + c.bias_adds) // row.output.positions
    elif op == "conv_transpose":
        q["conv_macs:transposed"], q["conv_bias_adds"] = c.macs, c.bias_adds
        assert row.kernel is not None and row.groups is not None
        q["conv_transpose_output_grid"] = row.output.elements * (row.input.c // row.groups) * prod(row.kernel)
    else:
        q["conv_macs:same" if _padding_same(row) else "conv_macs"], q["conv_bias_adds"] = c.macs, c.bias_adds
    if c.bn_elements:
        if c.bn or row.shared:  # affine (a shared layer's gamma and beta belong to the other layer)
            q["bn_elements"], q["bn_params"] = c.bn_elements, c.bn or 2 * row.output.c
        else:
            q["bn_elements:no_affine"] = c.bn_elements
    rest = c.elementwise
    if op in NORM_OPS:
        n = row.output.elements
        affine = c.elementwise == 5 * n
        q[f"norm:{op}" + ("" if affine else ":no_affine")] = n
        q["norm_params"] = c.other or (2 * row.output.c if affine and row.shared else 0)
        rest -= c.elementwise
    if row.activation != "none":
        n = row.output.elements
        q["act:" + row.activation] = n
        if row.activation == "softmax":  # thop's count_softmax, over the channels (dim=1)
            q["thop_softmax"] = 3 * n - row.output.positions
        rest -= n
    if op in POOL_OPS:
        r = _rank(row.input)
        q["pool_in:" + op + r] = row.input.elements
        q["pool_out:" + op + r] = row.output.elements
        rest -= row.input.elements
        if op == "adaptive_avg_pool":
            q["thop_adaptive_avg_pool"] = _thop_adaptive_avg_pool(row)
    if op == "upsample":
        n = row.output.elements
        q[f"upsample:{_UPSAMPLE_MODE[c.elementwise // (2 * n)]}{_rank(row.input)}"] = n
        rest -= c.elementwise
    q["add" if op == "add" else "mul" if op == "mul" else "other"] = rest
    return {k: v for k, v in q.items() if v}


def _attention(row: Row) -> dict[str, int]:
    """The quantities of one row of an ``attention`` layer (nn.MultiheadAttention).

    Besides the real counts, ``ptflops_mha`` is this row's share of ptflops 0.7.5's
    ``multihead_attention_counter_hook``, computed as for self-attention (kdim = vdim = E,
    key positions S = query positions L): Q scaling ``L*E`` + the in-projection as the row
    counts it + ``L*S*E`` (QK^T) + ``heads*L*S`` (softmax) + ``L*S*E`` (AV) + ``L*E*(E+1)``
    (the output projection, its bias always counted).
    """
    c = row.cost
    if row.op == "linear":
        n, e = row.output.positions, row.output.c
        if row.name.endswith(".proj"):
            return _nonzero({"attention_macs:out_proj": c.macs, "attention_bias_adds": c.bias_adds,
                             "ptflops_mha": n * e * (e + 1)})
        return _nonzero({"attention_macs:in_proj": c.macs, "attention_bias_adds": c.bias_adds,
                         "ptflops_mha": n * e + c.macs + c.bias_adds})
    if row.op == "attention_qk":
        e, n = row.input.c, row.input.positions
        heads = row.output.c // (c.macs // (n * e))  # the scores are heads x S' channels, S' = macs / (L E)
        return _nonzero({"attention_macs:qk": c.macs, "ptflops_mha": n * n * e + heads * n * n})
    if row.op == "attention_av":
        e, n = row.output.c, row.output.positions
        return _nonzero({"attention_macs:av": c.macs, "ptflops_mha": n * n * e})
    if row.op == "softmax":
        return _nonzero({"attention_softmax": c.elementwise})
    return _nonzero({"other": c.elementwise})


def _nonzero(q: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in q.items() if v}


def _thop_adaptive_avg_pool(row: Row) -> int:
    """thop 0.1.1's count_adap_avgpool, in float64 as it computes it: int((kh * kw + 1) * outputs)."""
    i, o = row.input, row.output
    kernel = 1.0
    for a, b in zip(i.dims, o.dims, strict=True):  # thop: prod(in / out) per spatial dim, in float64
        kernel *= a / b
    return int((kernel + 1) * o.elements)


def _term_order(t: "Term") -> tuple[int, int, str]:
    """Terms by family (_ORDER), attention parts in their order (_ATTENTION_PARTS), then by key."""
    family, _, arg = t.key.removeprefix(METHOD).removeprefix(FN).partition(":")
    parts = list(_ATTENTION_PARTS)
    return _ORDER.index(family), parts.index(arg) if family == "attention_macs" and arg in parts else 0, t.key


def _lookup(table: Mapping[str, int | None], key: str) -> tuple[bool, int | None]:
    """The factor of the longest prefix of ``key`` (``a:b:c``, ``a:b``, ``a``) in ``table``."""
    while True:
        if key in table:
            return True, table[key]
        if ":" not in key:
            return False, None
        key = key.rpartition(":")[0]


class Term(NamedTuple):
    """One term of a profile: a quantity, how many times the tool counts it, and the product."""

    key: str
    label: str
    amount: int  # how many (elements, MACs, parameters); not ``count``, a tuple method
    factor: int

    @property
    def value(self) -> int:
        """amount x factor: what this term adds to the tool's total."""
        return self.amount * self.factor


class Profile(NamedTuple):
    """A counting convention: a factor per quantity (None hides it), and where it comes from."""

    name: str
    tool: str
    summary: str
    factors: Mapping[str, int | None]
    functional: Mapping[str, int | None] | None = None  # factors of ``fn:`` keys; None: as the modules'
    method: Mapping[str, int | None] | None = None  # factors of ``fnm:`` keys (x.mean); None: as the modules'

    def factor(self, key: str) -> int | None:
        """The factor of a quantity key: its longest listed prefix (``norm:layernorm:no_affine``,
        ``norm:layernorm``, ``norm``), else 0 for a shown family or None (hidden).

        A functional row's key (``fn:act:relu``) takes the ``functional`` table's factor
        (longest prefix, else 0), or the module's when the profile has no such table.
        """
        if key.startswith(METHOD):  # a tensor method (x.mean): the tools' tables give 0, liteconv's own count it
            base = key[len(METHOD):]
            if self.method is None or self.factor(base) is None:
                return self.factor(base)
            found, value = _lookup(self.method, base)
            return value if found else 0
        if key.startswith(FN):
            base = key[len(FN):]
            if self.functional is None:
                return self.factor(base)
            if self.factor(base) is None:
                return None
            found, value = _lookup(self.functional, base)
            return value if found else 0
        found, value = _lookup(self.factors, key)
        if found:
            return value
        return 0 if key.partition(":")[0] in _SHOWN else None

    def row_total(self, row: Row) -> int:
        """What the tool counts for one row."""
        return sum(v * (self.factor(k) or 0) for k, v in quantities(row).items())

    def terms(self, rows: Iterable[Row]) -> list[Term]:
        """The profile's terms over many rows, in a fixed order (hidden quantities left out)."""
        acc: dict[str, int] = {}
        for row in rows:
            for k, v in quantities(row).items():
                acc[k] = acc.get(k, 0) + v
        out = [Term(k, label(k), v, f) for k, v in acc.items() if (f := self.factor(k)) is not None]
        return sorted(out, key=_term_order)

    def total(self, rows: Iterable[Row]) -> int:
        """The number the tool prints for these rows."""
        return sum(t.value for t in self.terms(rows))


_MACS = {"conv_macs": 1, "fc_macs": 1, "attention_macs": 1}
_BIAS = {"conv_bias_adds": 1, "fc_bias_adds": 1, "attention_bias_adds": 1}
#: LayerNorm, GroupNorm, InstanceNorm without affine: 4 per element where the affine ones cost 5
_NORM_5_4 = {"norm": 5, "norm:layernorm:no_affine": 4, "norm:groupnorm:no_affine": 4,
             "norm:instancenorm:no_affine": 4}

#: name -> profile; the CLI's --convention choices, --help and docs read this table. Every
#: factor's source (file and function of the tool) is in docs/conventions.md, "Every layer
#: kind, tool by tool"; tests/test_conventions_kinds.py checks each on one-layer PyTorch cases.
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("paper", "the papers' Mult-Adds, torchvision's GFLOPS, liteconv's MACs",
                "convolution, FC and attention multiply-accumulates, bias excluded", _MACS),
        Profile("flops", "liteconv's FLOPs",
                "2 x MACs + bias adds + 2 x BatchNorm elements + 5 (4 without affine) per norm element + 1 per "
                "activation, pooling input, add, multiply + 2 per interpolation tap",
                {"conv_macs": 2, "fc_macs": 2, "attention_macs": 2, **_BIAS, "bn_elements": 2, **_NORM_5_4, "act": 1,
                 "attention_softmax": 1, "pool_in": 1, **{f"upsample:{m}": 2 * t for m, t in _TAPS.items()},
                 "add": 1, "mul": 1, "other": 1}),
        Profile("fvcore", "fvcore 0.1.5 FlopCountAnalysis(model, x).total()",
                "MACs (not padding='same' convolutions) + 2 per BatchNorm element (1 without affine) + 5 per "
                "LayerNorm/GroupNorm/InstanceNorm element (4 without) + 1 per 2-D adaptive-average-pool input + "
                "1 per 2-D nearest, 4 per bilinear upsample output",
                {**_MACS, "conv_macs:same": 0, "bn_elements": 2, "bn_elements:no_affine": 1, **_NORM_5_4,
                 "pool_in:adaptive_avg_pool": 1, "pool_in:adaptive_avg_pool:1d": 0, "pool_in:adaptive_avg_pool:3d": 0,
                 "upsample:nearest": 1, "upsample:nearest:1d": 0, "upsample:nearest:3d": 0,
                 "upsample:bilinear": 4}),
        Profile("ptflops", "ptflops 0.7.5 get_model_complexity_info(backend='pytorch'), its default",
                "MACs + bias adds + 2 per BatchNorm, GroupNorm, InstanceNorm element (1 without affine, "
                "LayerNorm 1) + activation outputs (ReLU, GELU, ELU twice; ReLU6, LeakyReLU, SiLU, Softmax once) "
                "+ 2 per pooling input element + 2 per upsample output + MultiheadAttention's hook formula",
                {**_MACS, **_BIAS, "attention_macs:in_proj": 0, "attention_macs:out_proj": 0,
                 "attention_bias_adds": 0, "ptflops_mha": 1, "attention_softmax": 1,
                 "bn_elements": 2, "bn_elements:no_affine": 1, "norm": 2, "norm:layernorm": 1,
                 "norm:groupnorm:no_affine": 1, "norm:instancenorm:no_affine": 1,
                 "act:relu": 2, "act:gelu": 2, "act:elu": 2, "act:relu6": 1, "act:leaky_relu": 1, "act:silu": 1,
                 "act:softmax": 1, "pool_in": 2, "upsample": 2},
                {"act:relu": 1, "act:gelu": 1, "act:relu6": 1, "act:elu": 1, "act:silu": 1, "act:softmax": 1,
                 "pool_in": 1, "upsample": 1, "attention_macs:qk": 1, "attention_macs:av": 1,
                 "attention_softmax": 1}),
        Profile("ptflops-aten", "ptflops 0.7.5 get_model_complexity_info(backend='aten')",
                "MACs + bias adds", {**_MACS, **_BIAS}),
        Profile("thop", "thop 0.1.1 profile(model, inputs=(x,))",
                "MACs (transposed convolutions on the output grid, attention 0) + 4 per BatchNorm, LayerNorm, "
                "InstanceNorm element (2 without affine) + average-pool outputs + adaptive average pooling "
                "(H_in/H_out * W_in/W_out + 1 per output) + upsample outputs x 1, 5, 11 or 259 by mode",
                {**_MACS, "conv_macs:transposed": 0, "conv_transpose_output_grid": 1, "attention_macs": 0,
                 "bn_elements": 4, "bn_elements:no_affine": 2, "norm:layernorm": 4, "norm:layernorm:no_affine": 2,
                 "norm:instancenorm": 4, "norm:instancenorm:no_affine": 2, "thop_softmax": 1,
                 "pool_in:adaptive_avg_pool": None, "pool_out:avg_pool": 1, "thop_adaptive_avg_pool": 1,
                 "upsample:nearest": 1, "upsample:linear": 5, "upsample:bilinear": 11, "upsample:bicubic": 259},
                {}),
        Profile("torch-flop-counter", "torch.utils.flop_counter.FlopCounterMode (torch 2.13), get_total_flops()",
                "2 x convolution, FC and attention MACs (bias, norms, activations, pooling not counted); its "
                "backward counts a grouped convolution's weight gradient groups times over: see liteconv network "
                "--training",
                {"conv_macs": 2, "fc_macs": 2, "attention_macs": 2}),
        Profile("torchinfo", "torchinfo 1.8 summary(model, input_size).total_mult_adds",
                "convolution MACs (transposed: on the output grid) + convolution bias adds + the parameter counts "
                "of FC/Linear, BatchNorm and other norm layers (attention 0)",
                {"conv_macs": 1, "conv_macs:transposed": 0, "conv_transpose_output_grid": 1, "conv_bias_adds": 1,
                 "fc_params": 1, "bn_params": 1, "norm_params": 1}, {}),
    )
}
#: a tensor method (``functional: method``, ``x.mean``) is seen by no tool: fvcore has no handle for
#: aten::mean, ptflops patches torch.nn.functional only, thop/torchinfo hook modules; liteconv's own
#: profiles (paper, flops) count it as the module it stands for
PROFILES = {n: p if n in ("paper", "flops") else p._replace(method={}) for n, p in PROFILES.items()}
