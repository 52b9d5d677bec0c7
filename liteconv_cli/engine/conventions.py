"""Counting conventions: what the popular counters print for a network, term by term.

Every tool starts from the same quantities of the walk's rows (convolution and FC MACs,
bias adds, BatchNorm elements, activation outputs by function, pooling elements by op,
residual adds, ...) and weighs each with its own factor: 0 where the tool ignores it, 2 where
ptflops counts a module twice. A :class:`Profile` is that table of factors, so a profile's
total is ``sum(amount x factor)`` over the quantities and every term can be shown apart.
:data:`PROFILES` holds them all; ``liteconv network SPEC --convention NAME`` prints one.

The factors were reconstructed from each tool's source and checked against what the tools
printed for five real PyTorch models (``tests/test_conventions.py``; docs/conventions.md):

* ``paper``: convolution + FC multiply-accumulates, bias excluded (liteconv's ``macs``, the
  papers' Mult-Adds, torchvision's "GFLOPS").
* ``flops``: liteconv's own FLOPs, ``2 x MACs + bias adds + 2 x BatchNorm elements + 1 per
  activation output, pooling input, residual-add and SE-multiply element``.
* ``fvcore`` (0.1.5): MACs + 2 per BatchNorm element + 1 per adaptive-average-pool input.
* ``ptflops`` (0.7.5, default ``pytorch`` backend): MACs + bias adds + 2 per BatchNorm
  element + activation outputs (ReLU and GELU twice: module hook and patched functional;
  ReLU6 and LeakyReLU once by the hook; SiLU once by the patched ``F.silu``; Sigmoid, Tanh,
  Hardswish, Hardsigmoid not at all) + 2 per pooling input element (hook and functional).
* ``ptflops-aten`` (0.7.5, ``aten`` backend): MACs + bias adds.
* ``thop`` (0.1.1): MACs + 4 per BatchNorm element + average-pool outputs + adaptive average
  pooling as ``int((H_in/H_out * W_in/W_out + 1) * output elements)`` in float64; activations
  and max pooling count 0.
* ``torch-flop-counter`` (torch 2.13's ``torch.utils.flop_counter.FlopCounterMode``): 2 x the
  convolution and FC MACs, nothing else. Around a backward pass it counts the input gradient
  and the weight gradient of each convolution, the latter as if ``groups`` were 1 (``groups``
  times the real count: a depthwise layer's weight gradient ``C`` times over), so it puts
  MobileNetV2's training step at about 10x the MACs done (engine.training's
  ``tool_backward_macs``; fixed later upstream, pytorch/pytorch#183405).
* ``torchinfo`` (1.8): convolution MACs + convolution bias adds + the *parameter counts* of
  FC and BatchNorm layers (weights + bias, gamma + beta), not per element.

Each activation and pooling of a spec is taken to be a PyTorch module (``nn.ReLU``,
``nn.AdaptiveAvgPool2d``), as torchvision builds them; residual adds and the SE multiply are
the ``+`` and ``*`` operators, which no hook sees. A layer marked ``functional: true`` is one
the model calls as a function (torchvision's MobileNetV2 ends with ``F.adaptive_avg_pool2d``,
DenseNet with ``F.relu``): its quantities are keyed ``fn:...`` and weighed by the profile's
``functional`` factors. No module hook sees them, so thop and torchinfo count 0; ptflops
counts them once through its patched ``torch.nn.functional`` (``FUNCTIONAL_MAPPING`` of
ptflops/pytorch_ops.py: F.relu, F.elu, F.relu6, F.gelu, F.silu, the pooling functions,
F.softmax, F.interpolate), where a module is counted twice (hook + the functional it calls);
fvcore traces the graph and sees both forms alike.
"""

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .network import Row

POOL_OPS = ("max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool")

#: activation function -> the PyTorch module name the tools see
ACTIVATION_MODULES = {
    "relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "silu": "SiLU", "sigmoid": "Sigmoid",
    "hardsigmoid": "Hardsigmoid", "hardswish": "Hardswish", "gelu": "GELU", "tanh": "Tanh",
}
_POOL_NAMES = {
    "max_pool": "max pool", "avg_pool": "avg pool", "adaptive_avg_pool": "adaptive avg pool",
    "adaptive_max_pool": "adaptive max pool",
}

#: quantity families shown in every profile (factor 0 when the tool ignores them); the
#: others (parameter counts, pooling outputs, thop's adaptive-pool formula) only where used
_SHOWN = ("conv_macs", "fc_macs", "conv_bias_adds", "fc_bias_adds", "bn_elements", "act", "pool_in", "add", "mul",
          "other")
_ORDER = ("conv_macs", "fc_macs", "conv_bias_adds", "fc_bias_adds", "fc_params", "bn_elements", "bn_params", "act",
          "pool_in", "pool_out", "thop_adaptive_avg_pool", "add", "mul", "other")


def label(key: str) -> str:
    """What a quantity key counts, for people: ``act:relu`` -> ``ReLU outputs``."""
    if key.startswith(FN):
        return "functional " + label(key[len(FN):])
    family, _, arg = key.partition(":")
    if family == "act":
        return f"{ACTIVATION_MODULES.get(arg, arg)} outputs"
    if family == "pool_in":
        return f"{_POOL_NAMES.get(arg, arg)} inputs"
    if family == "pool_out":
        return f"{_POOL_NAMES.get(arg, arg)} outputs"
    return _LABELS[family]


_LABELS = {
    "conv_macs": "convolution MACs",
    "fc_macs": "FC MACs",
    "conv_bias_adds": "convolution bias adds",
    "fc_bias_adds": "FC bias adds",
    "fc_params": "FC parameters (weights + bias)",
    "bn_elements": "BatchNorm elements",
    "bn_params": "BatchNorm parameters (gamma + beta)",
    "thop_adaptive_avg_pool": "adaptive avg pool: int((H_in/H_out * W_in/W_out + 1) * outputs)",
    "add": "residual-add elements ((n - 1) per output)",
    "mul": "SE multiply elements",
    "other": "other elementwise operations",
}


#: the prefix of a quantity of a ``functional: true`` row (a call, not a module: docstring above)
FN = "fn:"
#: quantity families a module hook sees (a functional row's are keyed FN + key)
_HOOKED = ("act", "pool_in", "pool_out", "thop_adaptive_avg_pool")


def quantities(row: Row) -> dict[str, int]:
    """The countable quantities of one row, by key (zeros left out)."""
    q = _quantities(row)
    if getattr(row, "functional", False):
        return {(FN + k if k.partition(":")[0] in _HOOKED else k): v for k, v in q.items()}
    return q


def _quantities(row: Row) -> dict[str, int]:
    c = row.cost
    q: dict[str, int] = {}
    if row.op == "fc":
        q["fc_macs"], q["fc_bias_adds"], q["fc_params"] = c.macs, c.bias_adds, c.params
    elif row.op == "linear":  # nn.Linear at every position: torchinfo counts its params once per position
        q["fc_macs"], q["fc_bias_adds"] = c.macs, c.bias_adds
        q["fc_params"] = (c.weights + c.bias) * row.output.positions
    else:
        q["conv_macs"], q["conv_bias_adds"] = c.macs, c.bias_adds
    q["bn_elements"], q["bn_params"] = c.bn_elements, c.bn
    rest = c.elementwise
    if row.activation != "none":
        q["act:" + row.activation] = row.output.elements
        rest -= row.output.elements
    if row.op in POOL_OPS:
        q["pool_in:" + row.op] = row.input.elements
        q["pool_out:" + row.op] = row.output.elements
        rest -= row.input.elements
        if row.op == "adaptive_avg_pool":
            q["thop_adaptive_avg_pool"] = _thop_adaptive_avg_pool(row)
    q["add" if row.op == "add" else "mul" if row.op == "mul" else "other"] = rest
    return {k: v for k, v in q.items() if v}


def _thop_adaptive_avg_pool(row: Row) -> int:
    """thop 0.1.1's count_adap_avgpool, in float64 as it computes it: int((kh * kw + 1) * outputs)."""
    i, o = row.input, row.output
    kernel = 1.0
    for a, b in zip(i.dims, o.dims, strict=True):  # thop: prod(in / out) per spatial dim, in float64
        kernel *= a / b
    return int((kernel + 1) * o.elements)


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

    def factor(self, key: str) -> int | None:
        """The factor of a quantity key: exact key, else its family (``act``), else 0 or hidden.

        A functional row's key (``fn:act:relu``) takes the ``functional`` table's factor
        (exact, then family, else 0), or the module's when the profile has no such table.
        """
        if key.startswith(FN):
            base = key[len(FN):]
            if self.functional is None:
                return self.factor(base)
            if self.factor(base) is None:
                return None
            if base in self.functional:
                return self.functional[base]
            return self.functional.get(base.partition(":")[0], 0)
        if key in self.factors:
            return self.factors[key]
        family = key.partition(":")[0]
        if family in self.factors:
            return self.factors[family]
        return 0 if family in _SHOWN else None

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
        return sorted(out, key=lambda t: (_ORDER.index(t.key.removeprefix(FN).partition(":")[0]), t.key))

    def total(self, rows: Iterable[Row]) -> int:
        """The number the tool prints for these rows."""
        return sum(t.value for t in self.terms(rows))


_MACS = {"conv_macs": 1, "fc_macs": 1}
_BIAS = {"conv_bias_adds": 1, "fc_bias_adds": 1}

#: name -> profile; the CLI's --convention choices, --help and docs read this table
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("paper", "the papers' Mult-Adds, torchvision's GFLOPS, liteconv's MACs",
                "convolution + FC multiply-accumulates, bias excluded", _MACS),
        Profile("flops", "liteconv's FLOPs",
                "2 x MACs + bias adds + 2 x BatchNorm elements + 1 per activation, pooling input, add, multiply",
                {"conv_macs": 2, "fc_macs": 2, **_BIAS, "bn_elements": 2, "act": 1, "pool_in": 1, "add": 1,
                 "mul": 1, "other": 1}),
        Profile("fvcore", "fvcore 0.1.5 FlopCountAnalysis(model, x).total()",
                "MACs + 2 per BatchNorm element + 1 per adaptive-average-pool input",
                {**_MACS, "bn_elements": 2, "pool_in:adaptive_avg_pool": 1}),
        Profile("ptflops", "ptflops 0.7.5 get_model_complexity_info(backend='pytorch'), its default",
                "MACs + bias adds + 2 per BatchNorm element + activation outputs (ReLU, GELU twice; ReLU6, "
                "LeakyReLU, SiLU once) + 2 per pooling input element",
                {**_MACS, **_BIAS, "bn_elements": 2, "act:relu": 2, "act:gelu": 2, "act:relu6": 1,
                 "act:leaky_relu": 1, "act:silu": 1, "pool_in": 2},
                {"act:relu": 1, "act:gelu": 1, "act:relu6": 1, "act:elu": 1, "act:silu": 1, "pool_in": 1}),
        Profile("ptflops-aten", "ptflops 0.7.5 get_model_complexity_info(backend='aten')",
                "MACs + bias adds", {**_MACS, **_BIAS}),
        Profile("thop", "thop 0.1.1 profile(model, inputs=(x,))",
                "MACs + 4 per BatchNorm element + average-pool outputs + adaptive average pooling "
                "(H_in/H_out * W_in/W_out + 1 per output)",
                {**_MACS, "bn_elements": 4, "pool_in:adaptive_avg_pool": None, "pool_out:avg_pool": 1,
                 "thop_adaptive_avg_pool": 1}, {}),
        Profile("torch-flop-counter", "torch.utils.flop_counter.FlopCounterMode (torch 2.13), get_total_flops()",
                "2 x convolution and FC MACs (bias, BatchNorm, activations, pooling not counted); its backward "
                "counts a grouped convolution's weight gradient groups times over: see liteconv network --training",
                {"conv_macs": 2, "fc_macs": 2}),
        Profile("torchinfo", "torchinfo 1.8 summary(model, input_size).total_mult_adds",
                "convolution MACs + convolution bias adds + FC and BatchNorm parameter counts",
                {"conv_macs": 1, "conv_bias_adds": 1, "fc_params": 1, "bn_params": 1}, {}),
    )
}
