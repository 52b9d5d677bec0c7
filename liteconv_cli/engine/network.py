"""Whole networks: the layer kinds of a network spec and the walk that propagates shapes.

A :class:`Network` is an input :class:`~liteconv_cli.engine.shapes.Shape` and a tuple of
layers, each an immutable record below (one class per ``kind`` of ``docs/spec.md``; the
table :data:`KINDS` maps kinds to classes). :func:`walk`
runs them in order from the input, so no layer ever states its input channels or size, and
returns one :class:`Row` per operation (a convolution, a fully connected layer, a pooling,
a residual add, ...) and the total :class:`~liteconv_cli.engine.cost.Cost`.

Every convolution, the fully connected layers included (a 1x1 convolution on a 1x1 map),
is costed by the engine's :func:`~liteconv_cli.engine.variants.conv2d` or a variant built on
it; nothing here re-types a formula. BatchNorm and the activation after a convolution are
counted in that convolution's row: BatchNorm in the ``bn`` and ``bn_elements`` terms, the
activation as one elementwise operation per output element.

The width multiplier (alpha) scales the ``out`` (and ``mid``, ``squeeze``, ``split``)
channel counts of layers whose ``scale`` is on; input channels are never typed, so they
follow. Rounding is ``floor`` (``int(c * alpha)``, MobileNetV1) or a divisor ``d`` such as 8
(torchvision's ``_make_divisible``). An :class:`~liteconv_cli.errors.InvalidValue` raised
while a layer is costed is re-raised as a :class:`~liteconv_cli.errors.SpecError` naming the
layer's file, line, position and name.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from ..errors import InvalidValue, SpecError
from .cost import ZERO, Cost
from .shapes import Padding, Pair, Shape, conv_output_hw, pair
from .variants import Conv, Stage, after, conv2d, depthwise, inverted_residual, pointwise, residual_add, separable

#: activation functions a layer may name (each costs 1 elementwise FLOP per output element)
ACTIVATIONS = ("none", "relu", "relu6", "leaky_relu", "silu", "sigmoid", "hardsigmoid", "hardswish", "gelu", "tanh")
#: categories of the breakdown, in the order tables show them
CATEGORIES = ("standard", "depthwise", "pointwise", "grouped", "fc", "other")
SHORTCUTS = ("none", "identity", "projection")

#: guards against runaway specs: a clear error instead of a hang or a MemoryError
MAX_REPEAT = 10_000
MAX_LAYERS = 100_000  # layers after every repeat is expanded, nested layers included
MAX_DEPTH = 32  # nesting of block / branches

Scale = bool | str  # True, False or "up"


class Origin(NamedTuple):
    """Where a layer was written: file and line (for error messages)."""

    file: str
    line: int | None = None


# ------------------------------------------------------------------ layer kinds
#
# One immutable record per kind of docs/spec.md. Every kind ends with the keys every layer
# has: ``name`` (default ``<kind><index>``), ``repeat`` and ``origin`` (where it was written,
# for error messages; always the last field, and no part of what a layer costs). The
# convolution kinds share the keys kernel .. scale, with torch.nn.Conv2d's defaults and
# ``same`` padding. They are NamedTuples, not dataclasses, and this module does without
# ``from __future__ import annotations`` (which makes typing compile every annotation
# string): either would add 20 ms to the start-up of every command.


class ConvLayer(NamedTuple):
    """torch.nn.Conv2d (+ BatchNorm + activation)."""

    out: int
    groups: int = 1
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Depthwise(NamedTuple):
    """KxK convolution with groups = C_in; out = C_in x multiplier."""

    multiplier: int = 1
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Pointwise(NamedTuple):
    """1x1 convolution (kernel, padding and dilation are not used)."""

    out: int
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Separable(NamedTuple):
    """Depthwise KxK (BN, act) then pointwise 1x1 (BN, act): MobileNetV1."""

    out: int
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Lite(NamedTuple):
    """Pointwise 1x1 to out (no BN, no act), then depthwise KxK (BN, act): OSNet's LightConv3x3."""

    out: int
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class InvertedResidual(NamedTuple):
    """MobileNetV2/EfficientNet block: expand, depthwise, optional SE, linear project, shortcut."""

    out: int
    expansion: int = 6
    se: float | None = None
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Basic(NamedTuple):
    """ResNet basic block: KxK stride s (BN, act), KxK (BN), shortcut, add, act."""

    out: int
    shortcut: str = "projection"
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Bottleneck(NamedTuple):
    """ResNet v1.5 bottleneck: 1x1 to mid, KxK stride s groups g, 1x1 to out, shortcut, add, act."""

    mid: int
    out: int
    groups: int = 1
    shortcut: str = "projection"
    kernel: int | Pair = 3
    stride: int | Pair = 1
    padding: Padding = "same"
    dilation: int | Pair = 1
    bias: bool = True
    batchnorm: bool = False
    activation: str = "none"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class FC(NamedTuple):
    """Fully connected layer on the flattened input (in_features = C x H x W)."""

    out: int
    bias: bool = True
    activation: str = "none"
    scale: Scale = False
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Pool(NamedTuple):
    """Max or average pooling: a KxK window, or adaptive to output (global = 1x1)."""

    mode: str = "max"
    kernel: int | Pair | None = None
    stride: int | Pair | None = None  # default: the kernel
    padding: Padding = 0
    output: int | Pair | None = None  # adaptive pooling to this size
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class SE(NamedTuple):
    """Squeeze-and-excitation: avg pool, 1x1 C->S (bias, act), 1x1 S->C (bias, sigmoid), scale."""

    squeeze: int | None = None
    ratio: float | None = None
    activation: str = "relu"
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class BatchNorm(NamedTuple):
    """BatchNorm2d on its own: 2C parameters."""

    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Activation(NamedTuple):
    """An activation function on its own: 1 FLOP per element."""

    function: str = "relu"
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Flatten(NamedTuple):
    """C x H x W -> (C*H*W) x 1 x 1, free."""

    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Dropout(NamedTuple):
    """Dropout: free at inference."""

    p: float | None = None
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Shuffle(NamedTuple):
    """Channel shuffle (ShuffleNet): free; groups must divide the channels."""

    groups: int | None = None
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Identity(NamedTuple):
    """Does nothing, costs nothing."""

    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Block(NamedTuple):
    """Layers in sequence, then an optional shortcut add and activation."""

    layers: "tuple[Layer, ...]" = ()
    shortcut: str = "none"
    activation: str = "none"
    bias: bool = True  # of the projection shortcut's 1x1 convolution
    batchnorm: bool = False  # ditto
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


class Branches(NamedTuple):
    """Branches side by side on the same input (or a channel slice each), concatenated or added."""

    branches: "tuple[tuple[Layer, ...], ...]" = ()
    merge: str = "concat"
    split: tuple[int, ...] | int | None = None  # channel counts, or N equal parts
    scale: Scale = True
    name: str | None = None
    repeat: int = 1
    origin: Origin | None = None


Layer = (
    ConvLayer | Depthwise | Pointwise | Separable | Lite | InvertedResidual | Basic | Bottleneck | FC | Pool | SE
    | BatchNorm | Activation | Flatten | Dropout | Shuffle | Identity | Block | Branches
)
#: the kinds whose ``stride`` applies to the first repetition only
CONV_KINDS = (ConvLayer, Depthwise, Pointwise, Separable, Lite, InvertedResidual, Basic, Bottleneck)

#: kind -> layer class: the spec loader, the schema, the docs and --help read this table
KINDS: dict[str, type[Layer]] = {
    "conv": ConvLayer,
    "depthwise": Depthwise,
    "pointwise": Pointwise,
    "separable": Separable,
    "lite": Lite,
    "inverted_residual": InvertedResidual,
    "basic": Basic,
    "bottleneck": Bottleneck,
    "fc": FC,
    "pool": Pool,
    "se": SE,
    "batchnorm": BatchNorm,
    "activation": Activation,
    "flatten": Flatten,
    "dropout": Dropout,
    "shuffle": Shuffle,
    "identity": Identity,
    "block": Block,
    "branches": Branches,
}
#: layer class -> its kind
KIND_OF: dict[type, str] = {cls: kind for kind, cls in KINDS.items()}


def kind_of(layer: Layer) -> str:
    """The spec kind of a layer record: ``conv``, ``separable``, ..."""
    return KIND_OF[type(layer)]


class Network(NamedTuple):
    """A network: name, input shape, layers, width multiplier, channel rounding, resolution override."""

    name: str
    input: Shape
    layers: tuple[Layer, ...]
    width: float = 1.0
    channel_rounding: str | int = "floor"  # "floor", or a divisor such as 8
    resolution: int | None = None  # overrides the input's H and W
    origin: Origin | None = None

    @property
    def input_shape(self) -> Shape:
        """The input after the resolution override."""
        if self.resolution is None:
            return self.input
        return Shape(self.input.c, self.resolution, self.resolution)


# ------------------------------------------------------------------ the walk


class Row(NamedTuple):
    """One operation of the walk: a convolution, an FC, a pooling, an add, ...

    ``path`` is the layer's position in the spec (1-based, nested lists add a level);
    ``name`` is unique per row (``<layer name>[.<repeat>][.<stage>]``); ``kind`` is the
    spec's layer kind; ``op`` what this row does (``conv``, ``fc``, ``add``, ``concat``,
    ``max_pool``, ``avg_pool``, ``adaptive_avg_pool``, ``adaptive_max_pool``,
    ``batchnorm``, ``activation``, ``mul``, ``flatten``, ``dropout``, ``shuffle``,
    ``identity``); ``category`` the breakdown bucket; ``inputs`` how many tensors of
    shape ``input`` it reads (2 for a residual add). ``kernel``, ``stride`` and ``groups``
    are set for convolutions and window pooling; ``activation`` names the function counted
    in this row (``none`` if none).
    """

    path: tuple[int, ...]
    name: str
    kind: str
    op: str
    category: str
    input: Shape
    output: Shape
    cost: Cost
    kernel: Pair | None = None
    stride: Pair | None = None
    groups: int | None = None
    activation: str = "none"
    inputs: int = 1

    @property
    def position(self) -> str:
        """The path as text: ``3``, ``4.2``."""
        return ".".join(map(str, self.path))


class Breakdown(NamedTuple):
    """One category's share of a network: how many rows and their summed cost."""

    category: str
    layers: int
    cost: Cost


class NetworkCost(NamedTuple):
    """The walk's result: every row, the output shape and the total cost."""

    network: Network
    input: Shape
    rows: tuple[Row, ...]
    output: Shape
    total: Cost

    @property
    def weighted_layers(self) -> int:
        """Convolution and FC rows: the usual 'depth' of a network (28 for MobileNetV1)."""
        return sum(1 for r in self.rows if r.category != "other")

    def breakdown(self) -> list[Breakdown]:
        """Rows and cost per category (only the categories present), in CATEGORIES order."""
        acc: dict[str, list[Cost]] = {}
        for r in self.rows:
            acc.setdefault(r.category, []).append(r.cost)
        return [Breakdown(k, len(acc[k]), sum_costs(acc[k])) for k in CATEGORIES if k in acc]


def expanded_size(layers: Sequence[Layer], prefix: tuple[int, ...] = ()) -> int:
    """How many layers a walk visits once every repeat is expanded (stops counting past MAX_LAYERS).

    Also checks each ``repeat`` and the nesting depth, so the walk never starts on a runaway spec.
    """
    if len(prefix) > MAX_DEPTH:
        raise SpecError(f"layers are nested more than {MAX_DEPTH} levels deep", layer=layer_label(prefix, None))
    n = 0
    for i, layer in enumerate(layers, 1):
        path = prefix + (i,)
        r = layer.repeat
        if isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= MAX_REPEAT:
            raise _located(InvalidValue("repeat", r, f"is not an integer from 1 to {MAX_REPEAT:,}"),
                           layer.origin, layer_label(path, layer.name))
        if isinstance(layer, Block):
            inner = expanded_size(layer.layers, path)
        elif isinstance(layer, Branches):
            inner = sum(expanded_size(b, path + (j,)) for j, b in enumerate(layer.branches, 1))
        else:
            inner = 0
        n += r * (1 + inner)
        if n > MAX_LAYERS:
            return n
    return n


def walk(net: Network) -> NetworkCost:
    """Propagate shapes from the input through every layer; one Row per operation and the total."""
    try:
        _check_network(net)
    except InvalidValue as e:
        raise _located(e, net.origin, "") from None
    size = expanded_size(net.layers)
    if size > MAX_LAYERS:
        raise SpecError(
            f"the network has over {MAX_LAYERS:,} layers once repeats are expanded (the limit)",
            file=net.origin.file if net.origin else None,
        )
    walker = _Walker(net)
    start = net.input_shape
    out = walker.sequence(net.layers, start, (), "")
    return NetworkCost(net, start, tuple(walker.rows), out, sum_costs(r.cost for r in walker.rows))


def sum_costs(costs: Iterable[Cost]) -> Cost:
    """The sum of many costs (term by term in plain integers: the walk's hot path)."""
    w = b = bn = macs = ba = be = ew = 0
    for c in costs:
        w += c.weights
        b += c.bias
        bn += c.bn
        macs += c.macs
        ba += c.bias_adds
        be += c.bn_elements
        ew += c.elementwise
    return Cost(w, b, bn, macs, ba, be, ew)


def _check_network(net: Network) -> None:
    w = net.width
    if isinstance(w, bool) or not isinstance(w, int | float) or not w > 0 or w == float("inf"):
        raise InvalidValue("width", w, "is not a positive number")
    r = net.channel_rounding
    if r != "floor" and (isinstance(r, bool) or not isinstance(r, int) or r < 1):
        raise InvalidValue("channel_rounding", r, "is not 'floor' or a positive integer such as 8")
    if net.resolution is not None and (
        isinstance(net.resolution, bool) or not isinstance(net.resolution, int) or net.resolution < 1
    ):
        raise InvalidValue("resolution", net.resolution, "is not a positive integer")
    s = net.input_shape
    for v in (s.c, s.h, s.w):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InvalidValue("input", f"[{s.c}, {s.h}, {s.w}]", "is not three positive integers [C, H, W]")


#: engine (torch) field names -> the spec's keys, so an error names what the user typed
_SPEC_KEY = {"kernel_size": "kernel", "out_channels": "out", "depth_multiplier": "multiplier"}


def _located(e: InvalidValue, origin: Origin | None, layer: str) -> SpecError:
    key = _SPEC_KEY.get(e.field, e.field)
    return SpecError(
        f"{key}={e.value} {e.reason}",
        file=origin.file if origin else None,
        line=origin.line if origin else None,
        layer=layer or None,
    )


def layer_label(path: Sequence[int], name: str | None) -> str:
    """How errors name a layer: ``layer 4.2 'conv1'``."""
    label = "layer " + ".".join(map(str, path))
    return f"{label} {name!r}" if name else label


Handler = Callable[["_Walker", Layer, Shape, tuple[int, ...], str], Shape]

#: (layer, input shape, width, rounding) -> the rows it gives, names relative (see _Walker.run)
_MEMO: dict[tuple[object, ...], tuple[Row, ...]] = {}
_MEMO_SIZE = 4096


class _Walker:
    """Carries the width settings and collects rows while layers are run."""

    def __init__(self, net: Network) -> None:
        self.width = net.width
        self.rounding = net.channel_rounding
        self.rows: list[Row] = []

    # --------------------------------------------------------------- helpers

    def channels(self, c: int, scale: Scale, key: str = "out") -> int:
        """``c`` under the width multiplier and the channel rounding, if ``scale`` says so."""
        if scale is False:
            return c
        alpha = max(1.0, self.width) if scale == "up" else self.width
        if self.rounding == "floor":
            if alpha == 1:
                return c
            scaled = int(c * alpha)
        else:
            d = int(self.rounding)
            v = c * alpha
            scaled = max(d, int(v + d / 2) // d * d)
            if scaled < 0.9 * v:
                scaled += d
        if scaled < 1:
            raise InvalidValue(key, c, f"times width {self.width} rounds to {scaled} channels")
        return scaled

    def add(self, row: Row) -> Shape:
        self.rows.append(row)
        return row.output

    def stage(
        self, stage: Stage, layer: Layer, path: tuple[int, ...], name: str, activation: str = "none",
        category: str | None = None, op: str = "conv",
    ) -> Shape:
        """A Row from an engine Stage, with the activation's elementwise cost added."""
        cost = stage.cost
        if activation != "none":
            cost = cost + Cost(elementwise=stage.output.elements)
        if stage.kind == "add":
            return self.add(Row(path, name, KIND_OF[type(layer)], "add", "other", stage.input, stage.output, cost,
                                activation=activation, inputs=2))
        return self.add(Row(path, name, KIND_OF[type(layer)], op, category or stage.kind, stage.input, stage.output,
                            cost, stage.kernel, stage.stride, stage.groups, activation))

    def simple(self, layer: Layer, path: tuple[int, ...], name: str, op: str, shape: Shape, out: Shape,
               cost: Cost = ZERO, **extra: object) -> Shape:
        return self.add(Row(path, name, KIND_OF[type(layer)], op, "other", shape, out, cost, **extra))  # type: ignore[arg-type]

    def conv(self, layer: Any, shape: Shape, out: int, **changes: object) -> Conv:
        """The engine's Conv for ``layer`` on input ``shape`` (``changes`` override fields)."""
        kw: dict[str, object] = {
            "kernel_size": getattr(layer, "kernel", 3),
            "stride": getattr(layer, "stride", 1),
            "padding": getattr(layer, "padding", "same"),
            "dilation": getattr(layer, "dilation", 1),
            "bias": layer.bias,
            "batchnorm": layer.batchnorm,
        }
        kw.update(changes)
        return Conv(shape.c, out, size=shape.hw, **kw)

    def shortcut(self, mode: str, layer: Any, shape: Shape, out: Shape, path: tuple[int, ...],
                 name: str, activation: str, stride: Pair | None) -> Shape:
        """The residual: identity when shapes match, a 1x1 projection (+ BN) for ``projection``."""
        if mode == "none":
            if activation != "none":
                return self.simple(layer, path, f"{name}.activation", "activation", out, out,
                                   Cost(elementwise=out.elements), activation=activation)
            return out
        if mode not in SHORTCUTS:
            raise InvalidValue("shortcut", mode, f"is not one of {', '.join(SHORTCUTS)}")
        if out != shape:
            if mode == "identity":  # MobileNetV2's rule: add only when the shapes match
                if activation != "none":
                    return self.simple(layer, path, f"{name}.activation", "activation", out, out,
                                       Cost(elementwise=out.elements), activation=activation)
                return out
            if stride is None:
                stride = _projection_stride(shape, out)
            c = self.conv(layer, shape, out.c, kernel_size=(1, 1), stride=stride, padding=0, dilation=1, groups=1)
            proj = conv2d(c, "projection")
            if proj.output != out:
                raise InvalidValue("shortcut", mode, f"gives {proj.output} but the block gives {out}")
            self.stage(proj, layer, path, f"{name}.shortcut")
        return self.stage(residual_add(out, "add"), layer, path, f"{name}.add", activation)

    # --------------------------------------------------------------- sequences

    def run(self, layer: Layer, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
        """One layer on ``shape``: its rows are appended, its output shape returned.

        The rows of a layer kind without nested layers depend only on the layer, the input
        shape and the width settings, so they are memoised (names made relative): repeated
        blocks and many specs sharing layers cost one dictionary look-up per layer.
        """
        handler = HANDLERS[type(layer)]
        if isinstance(layer, Block | Branches):  # nested layers: their own rows are memoised
            return handler(self, layer, shape, path, name)
        key = (type(layer), layer[:-1], shape, self.width, self.rounding)  # origin (the last field) left out
        try:
            hit = _MEMO.get(key)
        except TypeError:  # an unhashable field (a list given by a library caller): no memo
            return handler(self, layer, shape, path, name)
        if hit is not None:
            self.rows.extend(Row(path, name + t[1], *t[2:]) for t in hit)
            return hit[-1].output
        start = len(self.rows)
        out = handler(self, layer, shape, path, name)
        new = self.rows[start:]
        if new and new[-1].output == out:
            if len(_MEMO) >= _MEMO_SIZE:
                _MEMO.clear()
            cut = len(name)
            _MEMO[key] = tuple(Row((), r.name[cut:], *r[2:]) for r in new)
        return out

    def sequence(self, layers: Sequence[Layer], shape: Shape, prefix: tuple[int, ...], name_prefix: str) -> Shape:
        for i, layer in enumerate(layers, 1):
            path = prefix + (i,)
            base = layer.name or f"{KIND_OF[type(layer)]}{i}"
            try:
                n = layer.repeat  # checked by expanded_size
                shape = self.run(layer, shape, path, name_prefix + base if n == 1 else f"{name_prefix}{base}.1")
                if n > 1:
                    rest = layer._replace(stride=1) if isinstance(layer, CONV_KINDS) else layer
                    for r in range(2, n + 1):
                        shape = self.run(rest, shape, path, f"{name_prefix}{base}.{r}")
            except InvalidValue as e:
                raise _located(e, layer.origin, layer_label(path, base)) from None
        return shape


def _projection_stride(shape: Shape, out: Shape) -> Pair:
    """The stride s with ceil(H / s) = H_out (a 1x1 window, no padding), per axis."""
    strides = []
    for a, b in ((shape.h, out.h), (shape.w, out.w)):
        assert a is not None and b is not None
        s = -(-a // b)
        if b > a or (a - 1) // s + 1 != b:
            raise InvalidValue("shortcut", "projection", f"cannot map {shape} to {out} with a strided 1x1 conv")
        strides.append(s)
    return (strides[0], strides[1])


def _check_act(name: str, key: str = "activation") -> None:
    if name not in ACTIVATIONS:
        raise InvalidValue(key, name, f"is not one of {', '.join(ACTIVATIONS)}")


# ------------------------------------------------------------------ one handler per kind


def _conv(w: _Walker, L: ConvLayer, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    c = w.conv(L, shape, w.channels(L.out, L.scale), groups=L.groups)
    return w.stage(conv2d(c, name), L, path, name, L.activation)


def _depthwise(w: _Walker, L: Depthwise, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    (dw,) = depthwise(w.conv(L, shape, shape.c, depth_multiplier=L.multiplier))
    return w.stage(dw, L, path, name, L.activation)


def _pointwise(w: _Walker, L: Pointwise, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    (pw,) = pointwise(w.conv(L, shape, w.channels(L.out, L.scale)))
    return w.stage(pw, L, path, name, L.activation)


def _separable(w: _Walker, L: Separable, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    dw, pw = separable(w.conv(L, shape, w.channels(L.out, L.scale)))
    w.stage(dw, L, path, f"{name}.depthwise", L.activation)
    return w.stage(pw, L, path, f"{name}.pointwise", L.activation)


def _lite(w: _Walker, L: Lite, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    c = w.conv(L, shape, w.channels(L.out, L.scale))
    # variants.lite with OSNet's detail: the 1x1 has neither BatchNorm nor activation
    (pw,) = pointwise(c._replace(stride=(1, 1), batchnorm=False))
    (dw,) = depthwise(after(c, pw, out_channels=pw.output.c))
    w.stage(pw, L, path, f"{name}.pointwise")
    return w.stage(dw, L, path, f"{name}.depthwise", L.activation)


def _inverted_residual(w: _Walker, L: InvertedResidual, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    c = w.conv(L, shape, w.channels(L.out, L.scale), expansion=L.expansion)
    out = shape
    for stage in inverted_residual(c):
        if stage.name == "project" and L.se is not None:
            if not (isinstance(L.se, int | float) and not isinstance(L.se, bool) and 0 < L.se <= 1):
                raise InvalidValue("se", L.se, "is not a fraction in (0, 1]")
            _squeeze_excite(w, L, out, max(1, int(shape.c * L.se)), L.activation, path, f"{name}.se")
        act = L.activation if stage.name in ("expand", "depthwise") else "none"
        label = "add" if stage.kind == "add" else stage.name
        out = w.stage(stage, L, path, f"{name}.{label}", act)
    return out


def _squeeze_excite(w: _Walker, L: Layer, shape: Shape, squeeze: int, act: str, path: tuple[int, ...],
                    name: str) -> Shape:
    """SE rows: adaptive avg pool, 1x1 C->S (bias, act), 1x1 S->C (bias, sigmoid), channel-wise scale."""
    _check_act(act)
    pooled = Shape(shape.c, 1, 1)
    w.simple(L, path, f"{name}.pool", "adaptive_avg_pool", shape, pooled, Cost(elementwise=shape.elements))
    reduce = conv2d(Conv(shape.c, squeeze, (1, 1), size=(1, 1), padding=0), f"{name}.reduce")
    w.stage(reduce, L, path, f"{name}.reduce", act)
    expand = conv2d(Conv(squeeze, shape.c, (1, 1), size=(1, 1), padding=0), f"{name}.expand")
    w.stage(expand, L, path, f"{name}.expand", "sigmoid")
    return w.simple(L, path, f"{name}.scale", "mul", shape, shape, Cost(elementwise=shape.elements), inputs=2)


def _basic(w: _Walker, L: Basic, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    out = w.channels(L.out, L.scale)
    c1 = conv2d(w.conv(L, shape, out), "conv1")
    w.stage(c1, L, path, f"{name}.conv1", L.activation)
    c2 = conv2d(after(w.conv(L, shape, out), c1, stride=(1, 1)), "conv2")
    w.stage(c2, L, path, f"{name}.conv2")
    return w.shortcut(L.shortcut, L, shape, c2.output, path, name, L.activation, pair(L.stride))


def _bottleneck(w: _Walker, L: Bottleneck, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    mid, out = w.channels(L.mid, L.scale, "mid"), w.channels(L.out, L.scale)
    base = w.conv(L, shape, mid)
    (c1,) = pointwise(base._replace(stride=(1, 1)))
    w.stage(c1, L, path, f"{name}.conv1", L.activation)
    c2 = conv2d(after(base, c1, groups=L.groups), "conv2")
    w.stage(c2, L, path, f"{name}.conv2", L.activation)
    (c3,) = pointwise(after(base, c2, out_channels=out, stride=(1, 1)))
    w.stage(c3, L, path, f"{name}.conv3")
    return w.shortcut(L.shortcut, L, shape, c3.output, path, name, L.activation, pair(L.stride))


def _fc(w: _Walker, L: FC, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    # a fully connected layer is a 1x1 convolution of the flattened input on a 1x1 map
    c = Conv(shape.elements, w.channels(L.out, L.scale), (1, 1), size=(1, 1), padding=0, bias=L.bias)
    st = conv2d(c, name)
    return w.stage(st._replace(input=shape), L, path, name, L.activation, category="fc", op="fc")


def _pool(w: _Walker, L: Pool, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    if L.mode not in ("max", "avg"):
        raise InvalidValue("mode", L.mode, "is not max or avg")
    cost = Cost(elementwise=shape.elements)
    if L.output is not None:
        oh, ow = pair(L.output)
        if L.kernel is not None:
            raise InvalidValue("output", L.output, "and kernel exclude each other (adaptive or windowed pooling)")
        for v in (oh, ow):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidValue("output", L.output, "is not a positive integer or pair")
        return w.simple(L, path, name, f"adaptive_{L.mode}_pool", shape, Shape(shape.c, oh, ow), cost)
    if L.kernel is None:
        raise InvalidValue("kernel", None, "is missing: give kernel, global: true or output: [h, w]")
    k = pair(L.kernel)
    s = pair(L.stride) if L.stride is not None else k
    if k[0] < 1 or k[1] < 1 or s[0] < 1 or s[1] < 1:
        raise InvalidValue("kernel" if min(k) < 1 else "stride", k if min(k) < 1 else s, "is not positive")
    p = L.padding
    if isinstance(p, int | tuple):
        pp = pair(p)
        if pp[0] < 0 or pp[1] < 0 or 2 * pp[0] > k[0] or 2 * pp[1] > k[1]:
            raise InvalidValue("padding", p, f"is not between 0 and half the kernel {k[0]}x{k[1]} (as PyTorch)")
    assert shape.hw is not None
    hw = conv_output_hw(shape.hw, k, s, p, (1, 1))
    return w.simple(L, path, name, f"{L.mode}_pool", shape, Shape(shape.c, *hw), cost, kernel=k, stride=s)


def _se(w: _Walker, L: SE, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    if (L.squeeze is None) == (L.ratio is None):
        raise InvalidValue("squeeze", L.squeeze, "or ratio: give exactly one of them")
    if L.squeeze is not None:
        squeeze = w.channels(L.squeeze, L.scale, "squeeze")
    else:
        assert L.ratio is not None
        if not 0 < L.ratio <= 1:
            raise InvalidValue("ratio", L.ratio, "is not a fraction in (0, 1]")
        squeeze = max(1, int(shape.c * L.ratio))
    return _squeeze_excite(w, L, shape, squeeze, L.activation, path, name)


def _batchnorm(w: _Walker, L: BatchNorm, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    return w.simple(L, path, name, "batchnorm", shape, shape, Cost(bn=2 * shape.c, bn_elements=shape.elements))


def _activation(w: _Walker, L: Activation, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.function, "function")
    cost = Cost(elementwise=shape.elements) if L.function != "none" else ZERO
    return w.simple(L, path, name, "activation", shape, shape, cost, activation=L.function)


def _flatten(w: _Walker, L: Flatten, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    return w.simple(L, path, name, "flatten", shape, Shape(shape.elements, 1, 1))


def _free(w: _Walker, L: Layer, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    return w.simple(L, path, name, KIND_OF[type(L)], shape, shape)


def _shuffle(w: _Walker, L: Shuffle, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    if L.groups is not None and (L.groups < 1 or shape.c % L.groups):
        raise InvalidValue("groups", L.groups, f"does not divide the {shape.c} input channels")
    return w.simple(L, path, name, "shuffle", shape, shape, groups=L.groups)


def _block(w: _Walker, L: Block, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    _check_act(L.activation)
    out = w.sequence(L.layers, shape, path, f"{name}.")
    return w.shortcut(L.shortcut, L, shape, out, path, name, L.activation, None)


def _branches(w: _Walker, L: Branches, shape: Shape, path: tuple[int, ...], name: str) -> Shape:
    n = len(L.branches)
    if n == 0:
        raise InvalidValue("branches", "[]", "is empty: give at least one branch (a list of layers)")
    if L.merge not in ("concat", "add"):
        raise InvalidValue("merge", L.merge, "is not concat or add")
    inputs = [shape] * n
    if L.split is not None:
        if isinstance(L.split, int):
            if L.split != n or shape.c % n:
                raise InvalidValue("split", L.split, f"does not cut {shape.c} channels into {n} equal branches")
            parts = [shape.c // n] * n
        else:
            parts = [w.channels(c, L.scale, "split") for c in L.split]
            if len(parts) != n or sum(parts) != shape.c:
                raise InvalidValue("split", list(parts), f"is not {n} channel counts summing to the input's {shape.c}")
        inputs = [Shape(c, shape.h, shape.w) for c in parts]
    pairs = enumerate(zip(L.branches, inputs, strict=True), 1)
    outs = [w.sequence(b, s, path + (j,), f"{name}.{j}.") for j, (b, s) in pairs]
    if L.merge == "add":
        if any(o != outs[0] for o in outs):
            raise InvalidValue("merge", "add", f"needs equal branch outputs, got {', '.join(map(str, outs))}")
        out = outs[0]
        cost = Cost(elementwise=(n - 1) * out.elements)
        return w.simple(L, path, f"{name}.add", "add", out, out, cost, inputs=n)
    if any(o.hw != outs[0].hw for o in outs):
        raise InvalidValue("merge", "concat", f"needs equal branch sizes, got {', '.join(map(str, outs))}")
    out = Shape(sum(o.c for o in outs), outs[0].h, outs[0].w)
    return w.simple(L, path, f"{name}.concat", "concat", outs[0], out, inputs=n)


HANDLERS: dict[type[Layer], Handler] = {
    ConvLayer: _conv,  # type: ignore[dict-item]
    Depthwise: _depthwise,  # type: ignore[dict-item]
    Pointwise: _pointwise,  # type: ignore[dict-item]
    Separable: _separable,  # type: ignore[dict-item]
    Lite: _lite,  # type: ignore[dict-item]
    InvertedResidual: _inverted_residual,  # type: ignore[dict-item]
    Basic: _basic,  # type: ignore[dict-item]
    Bottleneck: _bottleneck,  # type: ignore[dict-item]
    FC: _fc,  # type: ignore[dict-item]
    Pool: _pool,  # type: ignore[dict-item]
    SE: _se,  # type: ignore[dict-item]
    BatchNorm: _batchnorm,  # type: ignore[dict-item]
    Activation: _activation,  # type: ignore[dict-item]
    Flatten: _flatten,  # type: ignore[dict-item]
    Dropout: _free,
    Shuffle: _shuffle,  # type: ignore[dict-item]
    Identity: _free,
    Block: _block,  # type: ignore[dict-item]
    Branches: _branches,  # type: ignore[dict-item]
}
