"""The cost of one training step: forward and backward MACs, kept activations, optimizer state.

Closed forms (docs/analyses.md has them with worked examples; ``tests/test_training.py``
checks them against PyTorch 2.13 autograd on torchvision models):

* **Backward MACs.** A convolution or FC row that does ``M`` MACs forward does ``M`` more
  for the gradient of its input (a transposed convolution of the output gradient with the
  same weights) and ``M`` for the gradient of its weights (a convolution of the input with
  the output gradient), under the same counting convention (every forward multiply-add has
  exactly one partner in each). Grouped and depthwise convolutions included:
  ``C_out x prod(out) x (C_in / groups) x prod(K)`` each. The input gradient is computed
  only when something before the row is trained (never for the first layer's input), the
  weight gradient only when the row is not frozen. A product of two activations (attention)
  does ``M`` per operand that needs a gradient. Other rows (BatchNorm, activations, pooling,
  adds) do no MACs backward.
* **Activations kept for the backward pass**: the tensors PyTorch's autograd saves, each
  counted once however many operations save it: a convolution or FC its input; BatchNorm its
  input and two statistics per channel (mean, inverse std); ReLU, LeakyReLU (in place),
  Sigmoid and Tanh their output; ReLU6, SiLU, Hardswish, Hardsigmoid and GELU their input (a
  copy when in place); max pooling its input and the int64 index of each output; average
  pooling its input (global average pooling nothing: it is a mean); an SE multiply both
  factors; dropout a mask of one byte per element (CUDA's; PyTorch on the CPU keeps a mask
  in the activation dtype); adds, concat, flatten and channel shuffle nothing. A row that
  no gradient passes through (frozen, and nothing trained before it) keeps nothing. A slice
  of a tensor (a ``split`` branch) keeps the whole tensor alive.
* **Memory of the step**: weights (all params), gradients (trainable params), optimizer
  state (SGD none, SGD with momentum one buffer, Adam two per trainable param), and the kept
  activations, in bytes of the dtype (max-pool indices 8 bytes, dropout masks 1).

``batch`` multiplies MACs and activations (never params, gradients, optimizer state or the
per-channel BatchNorm statistics).
"""

from collections.abc import Callable, Hashable, Sequence
from fnmatch import fnmatchcase
from typing import Any, NamedTuple

from ..errors import InvalidValue
from .dataflow import dataflow
from .memory import dtype_bytes

#: optimizer -> state tensors kept per trainable parameter (PyTorch's torch.optim)
OPTIMIZERS: dict[str, int] = {"sgd": 0, "momentum": 1, "adam": 2}

#: activations whose backward reads their output (the rest read their input)
SAVES_OUTPUT = frozenset(("relu", "sigmoid", "tanh"))
#: rows that only re-label their input (no new tensor)
ALIAS_OPS = frozenset(("flatten", "identity", "reshape", "view", "slice"))
#: rows that save nothing
_NOTHING = frozenset(("add", "concat", "shuffle", "channel_shuffle", "pad", "crop", "upsample", "pixel_shuffle",
                      "pixel_unshuffle"))
_NORM_OPS = frozenset(("batchnorm", "layernorm", "groupnorm", "instancenorm"))
INDEX_BYTES = 8  # int64 indices of max pooling
MASK_BYTES = 1  # bool dropout mask

#: profile of counting conventions for a training step
CONVENTIONS = ("paper", "torch-flop-counter")


class RowTraining(NamedTuple):
    """One row of a training step (batch included). MACs are multiply-accumulates; bytes are bytes."""

    forward_macs: int
    input_grad_macs: int
    weight_grad_macs: int
    trainable: bool  # has parameters that are trained (not frozen)
    frozen: bool  # has parameters, all frozen
    trainable_params: int
    saved_bytes: int  # activations kept for the backward pass, first row to keep each tensor
    tool_backward_macs: int  # what torch.utils.flop_counter.FlopCounterMode counts (MACs: its FLOPs / 2)

    @property
    def backward_macs(self) -> int:
        """Input gradient + weight gradient MACs."""
        return self.input_grad_macs + self.weight_grad_macs

    @property
    def step_macs(self) -> int:
        """Forward + backward MACs of the row."""
        return self.forward_macs + self.input_grad_macs + self.weight_grad_macs


class Training(NamedTuple):
    """One training step of a network: per row and totals (see the module docstring)."""

    rows: tuple[RowTraining, ...]
    batch: int
    optimizer: str
    dtype: str
    bytes_per_value: int
    forward_macs: int
    input_grad_macs: int
    weight_grad_macs: int
    params: int
    trainable_params: int
    saved_bytes: int
    tool_backward_macs: int

    @property
    def backward_macs(self) -> int:
        """Input gradient + weight gradient MACs of the step."""
        return self.input_grad_macs + self.weight_grad_macs

    @property
    def step_macs(self) -> int:
        """Forward + backward MACs of the step."""
        return self.forward_macs + self.backward_macs

    @property
    def weight_bytes(self) -> int:
        """Every parameter, in the dtype."""
        return self.params * self.bytes_per_value

    @property
    def grad_bytes(self) -> int:
        """One gradient per trainable parameter."""
        return self.trainable_params * self.bytes_per_value

    @property
    def optimizer_bytes(self) -> int:
        """The optimizer's state: OPTIMIZERS[optimizer] values per trainable parameter."""
        return OPTIMIZERS[self.optimizer] * self.trainable_params * self.bytes_per_value

    @property
    def memory_bytes(self) -> int:
        """Weights + gradients + optimizer state + kept activations: the step's memory at its peak, at least."""
        return self.weight_bytes + self.grad_bytes + self.optimizer_bytes + self.saved_bytes


def freezer(patterns: Sequence[str]) -> Callable[[Any], bool]:
    """A predicate on rows: frozen when the spec marks it (``frozen``) or a pattern matches its name.

    A pattern matches a row name as a shell glob (``layer1.*``, ``*.depthwise``) or as a
    prefix of dotted parts (``layer1`` freezes ``layer1.1.conv1``).
    """
    pats = tuple(patterns)

    def frozen(row: Any) -> bool:
        if getattr(row, "frozen", False):
            return True
        name = row.name
        return any(fnmatchcase(name, p) or name.startswith(p + ".") for p in pats)

    return frozen


def unmatched(rows: Sequence[Any], patterns: Sequence[str]) -> list[str]:
    """The patterns that match no row (a typo the user should hear about)."""
    return [p for p in patterns if not any(freezer([p])(r) for r in rows)]


def _activation_saves_output(act: str) -> bool:
    return act in SAVES_OUTPUT


def _kept(row: Any, i: int, reads: Sequence[Hashable], writes: Hashable, has_weights: bool,
          key: Callable[[Hashable], Hashable], size: dict[Hashable, int], nbytes: int,
          batch: int) -> list[tuple[Hashable, int]]:
    """(tensor key, bytes) of every tensor row ``i``'s backward reads (the module docstring's rules)."""
    new: list[tuple[Hashable, int]] = []

    def tensor(t: Hashable) -> None:
        k = key(t)
        new.append((k, size.get(k, row.input.elements) * nbytes * batch))

    def internal(tag: str, elements: int, per_value: int = nbytes, scaled: bool = True) -> None:
        new.append((("row", i, tag), elements * per_value * (batch if scaled else 1)))

    cost, op = row.cost, row.op
    out_elements = row.output.elements
    if cost.macs and has_weights:
        if reads:
            tensor(reads[0])
        if cost.bn:  # BatchNorm after the convolution: its input, and mean and invstd per channel
            internal("pre_bn", out_elements)
            internal("bn_stats", cost.bn, scaled=False)
    elif cost.macs:
        for t in reads:
            tensor(t)
    elif op in _NORM_OPS:
        if reads:
            tensor(reads[0])
        stats = {"batchnorm": 2 * row.output.c, "instancenorm": 2 * row.output.c,
                 "layernorm": 2 * row.output.positions}.get(op, 2 * (row.groups or 1))
        internal("stats", stats, scaled=op != "batchnorm")
    elif op == "activation":
        if _activation_saves_output(row.activation):
            tensor(writes)
        elif reads:
            tensor(reads[0])
    elif op in ("max_pool", "adaptive_max_pool"):
        if reads:
            tensor(reads[0])
        internal("indices", out_elements, INDEX_BYTES)
    elif op == "avg_pool" or op == "adaptive_avg_pool" and row.output.positions > 1:
        if reads:
            tensor(reads[0])
    elif op == "mul":
        for t in reads:
            tensor(t)
    elif op == "dropout":
        internal("mask", out_elements, MASK_BYTES)
    elif op == "softmax":
        tensor(writes)
    elif op in _NOTHING or op in ALIAS_OPS or op == "adaptive_avg_pool":
        pass
    elif reads:  # an operation this model does not know: taken to keep its input
        tensor(reads[0])
    act = row.activation if op != "activation" else "none"
    if act != "none":
        if _activation_saves_output(act):
            tensor(writes)
        else:
            internal("pre_act", out_elements)
    return new


def training(result: Any, batch: int = 1, optimizer: str = "sgd", dtype: str = "fp32",
             frozen: Callable[[Any], bool] | None = None) -> Training:
    """The cost of one training step of a walked network (see the module docstring).

    ``result`` is a :class:`~liteconv_cli.engine.network.NetworkCost`; ``batch`` the number
    of examples (>= 1); ``optimizer`` one of :data:`OPTIMIZERS`; ``dtype`` the activation
    and parameter type (fp32, fp16, bf16, int8); ``frozen(row)`` says which rows' params
    are not trained (:func:`freezer`). Raises InvalidValue for a bad batch, optimizer or dtype.
    """
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InvalidValue("batch", batch, "is not a positive integer")
    if optimizer not in OPTIMIZERS:
        raise InvalidValue("optimizer", optimizer, f"is not one of {', '.join(OPTIMIZERS)}")
    nbytes = dtype_bytes(dtype)
    is_frozen = frozen or (lambda row: False)
    flow = dataflow(result)

    size: dict[Hashable, int] = {s: result.input.elements for s in flow.sources}
    alias: dict[Hashable, Hashable] = {}
    needs: dict[Hashable, bool] = {s: False for s in flow.sources}
    kept: set[Hashable] = set()

    def key(t: Hashable) -> Hashable:
        t = flow.root(t)
        seen = 0
        while t in alias and seen < 1000:
            t = flow.root(alias[t])
            seen += 1
        return t

    rows_out: list[RowTraining] = []
    totals = [0, 0, 0, 0, 0]  # forward, input grad, weight grad, saved bytes, tool backward
    trainable_params = 0
    for i, (row, reads, writes) in enumerate(zip(result.rows, flow.reads, flow.writes, strict=True)):
        cost = row.cost
        has_weights = cost.weights > 0 or bool(getattr(row, "shared", False))
        has_params = cost.params > 0 or has_weights
        frozen_row = has_params and is_frozen(row)
        trainable = has_params and not frozen_row
        if trainable:
            trainable_params += cost.params
        in_needs = any(needs.get(key(t), False) for t in reads)
        out_needs = trainable or in_needs
        if row.op in ALIAS_OPS and reads:
            alias[writes] = reads[0]
        else:
            size[writes] = row.output.elements
        needs[writes] = out_needs

        macs = cost.macs * batch
        ig = wg = 0
        if macs:
            if has_weights:
                ig = macs if in_needs else 0
                wg = macs if trainable else 0
            elif in_needs:  # a product of two activations: one gradient per operand
                ig = 2 * macs
        tool = ig + (wg * (row.groups or 1) if row.op in ("conv", "conv_transpose") else wg)

        saved = 0
        if out_needs:
            for k, b in _kept(row, i, reads, writes, has_weights, key, size, nbytes, batch):
                if k not in kept:
                    kept.add(k)
                    saved += b

        totals[0] += macs
        totals[1] += ig
        totals[2] += wg
        totals[3] += saved
        totals[4] += tool
        rows_out.append(RowTraining(macs, ig, wg, trainable, frozen_row, cost.params if trainable else 0, saved, tool))
    return Training(tuple(rows_out), batch, optimizer, dtype, nbytes, totals[0], totals[1], totals[2],
                    result.total.params, trainable_params, totals[3], totals[4])
