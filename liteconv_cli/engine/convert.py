"""Rewrite a network with a cheaper convolution: a pure transformation of layer records.

:func:`convert` replaces standard convolutions of a :class:`~.network.Network` (``conv``
layers with groups 1 and a kernel larger than 1x1, wherever they are nested) by a variant
written with the existing spec kinds, so the result is an ordinary network that
:func:`~.network.walk` costs and ``liteconv_cli.spec_dump`` writes back as YAML:

========================  ==========================================================================
target                    replacement (same out, kernel, stride, padding, dilation, bias, scale)
========================  ==========================================================================
``separable``             ``separable``: depthwise KxK then pointwise 1x1, the conv's BatchNorm and
                          activation after each (MobileNetV1)
``lite``                  ``lite``: pointwise 1x1 then depthwise KxK (OSNet's LightConv3x3)
``grouped:G``             ``conv`` with ``groups: G`` (G must divide the layer's channels)
``spatial``               a ``block`` of two convs, ``vertical`` Kx1 (vertical stride) and
                          ``horizontal`` 1xK (horizontal stride), each with the conv's BatchNorm
                          and activation (as Inception-v3 factorises 7x7)
``inverted_residual:T``   ``inverted_residual`` with expansion T (default 6; MobileNetV2's rules)
========================  ==========================================================================

``basic`` and ``bottleneck`` blocks hold standard KxK convolutions too. When one of those is
selected, the block is first expanded into the equivalent ``block`` of ``conv``/``pointwise``
layers with the same shortcut (:func:`expand`; it costs exactly what the block costs, row for
row), and its convolutions are converted inside it. A repeated layer whose replacement is a
``block`` is written as one block per repetition (named ``1``, ``2``, ...), so that the stride
stays on the first repetition and every row keeps its name (``layer2.3.conv2``).

Layers are named as the walk names them: ``<name>`` or ``<kind><index>``; nested names are
joined with dots (``layer3.conv2``, ``inception.2.conv1`` for branch 2), without the repeat
index. The first layer of the network, when it is a standard convolution, is the *stem*: it
reads the input image and is kept unless a pattern names it, as every MobileNet keeps its
first layer a full convolution.
"""

from collections.abc import Callable, Sequence
from fnmatch import fnmatchcase
from typing import Any, NamedTuple

from ..errors import InvalidValue
from .cost import Cost
from .network import (
    CONV_KINDS,
    Basic,
    Block,
    Bottleneck,
    Branches,
    ConvLayer,
    InvertedResidual,
    Layer,
    Lite,
    Network,
    NetworkCost,
    Pointwise,
    Separable,
    kind_of,
    sum_costs,
)
from .shapes import Padding, pair

# ------------------------------------------------------------------ targets


class Target(NamedTuple):
    """A parsed ``--to`` value: the target's name and its integer parameter (G, T), if any."""

    name: str
    parameter: int | None = None

    def __str__(self) -> str:
        return self.name if self.parameter is None else f"{self.name}:{self.parameter}"


def _common(L: ConvLayer, name: str) -> dict[str, Any]:
    """The keys a conv shares with every convolution kind, and its name."""
    return {
        "out": L.out, "kernel": L.kernel, "stride": L.stride, "padding": L.padding, "dilation": L.dilation,
        "bias": L.bias, "batchnorm": L.batchnorm, "activation": L.activation, "scale": L.scale,
        "name": name, "repeat": L.repeat, "origin": L.origin,
        # the graph and training marks stay with the layer: what it reads, how the model calls it, frozen
        "from_": L.from_, "functional": L.functional, "frozen": L.frozen,
    }


def to_separable(L: ConvLayer, name: str, parameter: int | None) -> Layer:
    """Depthwise KxK then pointwise 1x1, BatchNorm and activation after each (MobileNetV1)."""
    return Separable(**_common(L, name))


def to_lite(L: ConvLayer, name: str, parameter: int | None) -> Layer:
    """Pointwise 1x1 then depthwise KxK, BatchNorm and activation after the depthwise (OSNet)."""
    return Lite(**_common(L, name))


def to_grouped(L: ConvLayer, name: str, parameter: int | None) -> Layer:
    """The same conv with G groups (grouped:G; G must divide its input and output channels)."""
    assert parameter is not None  # parse_target requires it
    return L._replace(groups=parameter, name=name)


def to_inverted_residual(L: ConvLayer, name: str, parameter: int | None) -> Layer:
    """MobileNetV2 block with expansion T (inverted_residual:T, default 6): expand, depthwise, project."""
    return InvertedResidual(expansion=parameter or 6, **_common(L, name))


def _axis_padding(padding: Padding, axis: int) -> Padding:
    """The padding of one axis of a factorised conv (variants.spatial's rule)."""
    if isinstance(padding, str):
        return padding
    p = padding[axis] if isinstance(padding, tuple) else padding
    return (p, 0) if axis == 0 else (0, p)


def to_spatial(L: ConvLayer, name: str, parameter: int | None) -> Layer:
    """Kx1 conv (vertical stride) then 1xK conv (horizontal stride), BatchNorm and activation after each."""
    (kh, kw), (sh, sw), (dh, dw) = pair(L.kernel), pair(L.stride), pair(L.dilation)
    keys: dict[str, Any] = {"out": L.out, "bias": L.bias, "batchnorm": L.batchnorm, "activation": L.activation,
                            "scale": L.scale, "origin": L.origin}
    vertical = ConvLayer(kernel=(kh, 1), stride=(sh, 1), dilation=(dh, 1), padding=_axis_padding(L.padding, 0),
                         name="vertical", **keys)
    horizontal = ConvLayer(kernel=(1, kw), stride=(1, sw), dilation=(1, dw), padding=_axis_padding(L.padding, 1),
                           name="horizontal", **keys)
    # no shortcut, so the block's own bias and batchnorm (of a projection) play no part
    return Block(layers=(vertical, horizontal), bias=L.bias, batchnorm=L.batchnorm, name=name, origin=L.origin)


class TargetKind(NamedTuple):
    """A row of TARGETS: the replacement function, its parameter and what a conv must be to take it."""

    replace: Callable[[ConvLayer, str, int | None], Layer]
    parameter: str | None = None  # the parameter's letter, e.g. "G"
    required: bool = False  # the parameter must be given
    both_axes: bool = False  # only kernels larger than 1 on both axes (spatial)

    @property
    def help(self) -> str:
        """The first line of the replacement function's docstring: the text users see."""
        return (self.replace.__doc__ or "").strip().splitlines()[0]

    def usage(self, name: str) -> str:
        """How the target is written: ``separable``, ``grouped:G``, ``inverted_residual[:T]``."""
        if self.parameter is None:
            return name
        return f"{name}:{self.parameter}" if self.required else f"{name}[:{self.parameter}]"


#: target name -> how a standard convolution becomes it; --to, --help and the docs read this table
TARGETS: dict[str, TargetKind] = {
    "separable": TargetKind(to_separable),
    "lite": TargetKind(to_lite),
    "grouped": TargetKind(to_grouped, "G", required=True),
    "spatial": TargetKind(to_spatial, both_axes=True),
    "inverted_residual": TargetKind(to_inverted_residual, "T"),
}


def parse_target(text: str) -> Target:
    """``separable``, ``grouped:4``, ``inverted_residual:6``, ... as a Target (InvalidValue if not)."""
    name, sep, arg = str(text).strip().partition(":")
    choices = ", ".join(k.usage(n) for n, k in TARGETS.items())
    kind = TARGETS.get(name)
    if kind is None:
        raise InvalidValue("to", text, f"is not one of {choices}")
    if not sep:
        if kind.required:
            raise InvalidValue("to", text, f"needs its {kind.parameter}: {kind.usage(name)}, e.g. {name}:4")
        return Target(name)
    if kind.parameter is None:
        raise InvalidValue("to", text, f"takes no parameter: write {name}")
    try:
        value = int(arg)
    except ValueError:
        value = 0
    lowest = 2 if name == "grouped" else 1
    if value < lowest:
        raise InvalidValue("to", text, f"needs an integer {kind.parameter} of at least {lowest} after the colon")
    return Target(name, value)


# ------------------------------------------------------------------ basic and bottleneck as blocks


def _unit(L: Basic | Bottleneck, stride: Any) -> Block:
    """One repetition of a basic/bottleneck block as the equivalent block of conv layers."""
    keys: dict[str, Any] = {"bias": L.bias, "batchnorm": L.batchnorm, "scale": L.scale, "origin": L.origin}
    spatial: dict[str, Any] = {"kernel": L.kernel, "padding": L.padding, "dilation": L.dilation}
    layers: tuple[Layer, ...]
    if isinstance(L, Basic):
        layers = (
            ConvLayer(L.out, stride=stride, activation=L.activation, name="conv1", **spatial, **keys),
            ConvLayer(L.out, stride=1, name="conv2", **spatial, **keys),
        )
    else:
        layers = (
            Pointwise(L.mid, activation=L.activation, name="conv1", **keys),
            ConvLayer(L.mid, groups=L.groups, stride=stride, activation=L.activation, name="conv2", **spatial,
                      **keys),
            Pointwise(L.out, name="conv3", **keys),
        )
    return Block(layers, shortcut=L.shortcut, activation=L.activation, bias=L.bias, batchnorm=L.batchnorm,
                 origin=L.origin)


def _repeated(make: Callable[[Any], Block], stride: Any, repeat: int, name: str, origin: Any) -> Block:
    """A block built by ``make(stride)`` repeated ``repeat`` times, the stride on the first repetition only.

    A ``block`` repeats its contents unchanged, so a strided repeated layer becomes one block
    per repetition, named ``1``, ``2``, ...: the rows keep the names the layer gave them.
    """
    if repeat == 1 or all(v == 1 for v in (stride if isinstance(stride, tuple) else (stride,))):
        return make(stride)._replace(name=name, repeat=repeat)
    first, rest = make(stride), make(1)
    units = (first._replace(name="1"),) + tuple(rest._replace(name=str(r)) for r in range(2, repeat + 1))
    return Block(units, name=name, origin=origin)


def expand(L: Basic | Bottleneck, name: str) -> Block:
    """A basic or bottleneck block as the equivalent block of conv layers: the same rows and cost."""
    return _repeated(lambda s: _unit(L, s), L.stride, L.repeat, name, L.origin)


def expand_residual(net: Network) -> Network:
    """The network with every basic and bottleneck block expanded (see :func:`expand`); costs unchanged."""

    def go(layers: Sequence[Layer]) -> tuple[Layer, ...]:
        out: list[Layer] = []
        for i, L in enumerate(layers, 1):
            if isinstance(L, Basic | Bottleneck):
                L = expand(L, L.name or f"{kind_of(L)}{i}")
            elif isinstance(L, Block):
                L = L._replace(layers=go(L.layers))
            elif isinstance(L, Branches):
                L = L._replace(branches=tuple(go(b) for b in L.branches))
            out.append(L)
        return tuple(out)

    return net._replace(layers=go(net.layers))


# ------------------------------------------------------------------ the conversion


class Candidate(NamedTuple):
    """A standard convolution the target can replace: where it is and what it is called."""

    path: tuple[int, ...]  # position of the layer (or of its basic/bottleneck) in the spec
    name: str  # full name: nested names joined with dots, no repeat index
    own: str  # its own name
    stem: bool  # the network's first layer (kept unless a pattern names it)


class Change(NamedTuple):
    """One replaced layer: a conv, or a basic/bottleneck expanded with some convs converted."""

    path: tuple[int, ...]
    name: str
    before: Layer
    after: Layer
    converted: tuple[str, ...]  # full names of the convolutions replaced in it


class Conversion(NamedTuple):
    """The converted network and what changed; ``kept_stem`` names the stem left as it was."""

    network: Network
    target: Target
    changes: tuple[Change, ...]
    candidates: tuple[Candidate, ...]
    kept_stem: str | None


def is_candidate(L: Layer, target: Target) -> bool:
    """A conv layer with groups 1 and a kernel larger than 1x1 (larger than 1 on both axes for spatial)."""
    if not isinstance(L, ConvLayer) or L.groups != 1 or L.out is None or L.share is not None:
        return False  # out = C_in x multiplier, or shared weights: left as they are
    kernel = L.kernel if isinstance(L.kernel, tuple) else (L.kernel,) * 2
    if TARGETS[target.name].both_axes:  # the spatial split is 2-D: Kh x 1 then 1 x Kw
        return len(kernel) == 2 and kernel[0] > 1 and kernel[1] > 1
    n = 1
    for k in kernel:
        n *= k
    return n > 1


class _Converter:
    """Walks the layer tree once, replacing the selected convolutions; collects candidates and changes."""

    def __init__(self, target: Target, only: Sequence[str]) -> None:
        self.target = target
        self.kind = TARGETS[target.name]
        self.only = tuple(only)
        self.matched = dict.fromkeys(self.only, False)
        self.candidates: dict[str, Candidate] = {}  # by full name: a repeated unit is listed once
        self.changes: list[Change] = []
        self.kept_stem: str | None = None

    def selected(self, c: Candidate) -> bool:
        self.candidates.setdefault(c.name, c)
        if not self.only:
            if c.stem:
                self.kept_stem = c.name
            return not c.stem
        hit = False
        for pattern in self.only:
            if fnmatchcase(c.name, pattern) or fnmatchcase(c.own, pattern):
                self.matched[pattern] = hit = True
        return hit

    def layers(self, layers: Sequence[Layer], path: tuple[int, ...], prefix: str, record: list[str] | None,
               ) -> tuple[Layer, ...]:
        """Convert a list of layers; ``record`` collects converted names instead of Change entries."""
        out = []
        for i, L in enumerate(layers, 1):
            own = L.name or f"{kind_of(L)}{i}"
            out.append(self.layer(L, path + (i,), own, prefix + own, record))
        return tuple(out)

    def changed(self, path: tuple[int, ...], name: str, before: Layer, after: Layer, converted: Sequence[str],
                record: list[str] | None) -> Layer:
        if record is None:
            self.changes.append(Change(path, name, before, after, tuple(dict.fromkeys(converted))))
        else:
            record.extend(converted)
        return after

    def layer(self, L: Layer, path: tuple[int, ...], own: str, name: str, record: list[str] | None) -> Layer:
        if isinstance(L, ConvLayer):
            if not is_candidate(L, self.target):
                return L
            if not self.selected(Candidate(path, name, own, stem=path == (1,) and name == own)):
                return L
            conv = L

            def make(stride: Any) -> Any:
                return self.kind.replace(conv._replace(stride=stride, repeat=1), own, self.target.parameter)

            new: Any = make(L.stride)
            if type(new) in CONV_KINDS:  # the walk keeps the stride on the first repetition
                new = new._replace(repeat=L.repeat)
            else:
                new = _repeated(make, L.stride, L.repeat, own, L.origin)
            return self.changed(path, name, L, new, (name,), record)
        if isinstance(L, Basic | Bottleneck):
            inner: list[str] = []
            block = L

            def unit(stride: Any) -> Block:
                u = _unit(block, stride)
                return u._replace(layers=self.layers(u.layers, path, name + ".", inner))

            new = _repeated(unit, L.stride, L.repeat, own, L.origin)
            return self.changed(path, name, L, new, inner, record) if inner else L
        if isinstance(L, Block):
            layers = self.layers(L.layers, path, name + ".", record)
            return L if layers == L.layers else L._replace(layers=layers)
        if isinstance(L, Branches):
            branches = tuple(self.layers(b, path + (j,), f"{name}.{j}.", record) for j, b in enumerate(L.branches, 1))
            return L if branches == L.branches else L._replace(branches=branches)
        return L


def convert(net: Network, target: Target | str, only: Sequence[str] = ()) -> Conversion:
    """Replace the standard convolutions of ``net`` (or those whose names match ``only``) by ``target``.

    ``only`` holds fnmatch patterns, matched against each convolution's full name
    (``layer3.conv2``) and its own name (``conv2``); every pattern must match at least one
    convertible convolution (InvalidValue on field ``only`` otherwise). Without ``only``
    every standard convolution but the stem is converted.
    """
    if isinstance(target, str):
        target = parse_target(target)
    conv = _Converter(target, only)
    layers = conv.layers(net.layers, (), "", None)
    for pattern, hit in conv.matched.items():
        if not hit:
            raise InvalidValue("only", pattern,
                               f"matches no convertible layer: {_listing(list(conv.candidates.values()), target)}")
    converted = net._replace(layers=layers, name=f"{net.name} ({target})")
    return Conversion(converted, target, tuple(conv.changes), tuple(conv.candidates.values()), conv.kept_stem)


def _listing(candidates: Sequence[Candidate], target: Target) -> str:
    if not candidates:
        what = "larger than 1 on both axes" if TARGETS[target.name].both_axes else "larger than 1x1"
        return f"the network has no standard convolution (kind conv, groups 1, kernel {what})"
    names = [c.name for c in candidates]
    shown = ", ".join(names[:8]) + (f", ... ({len(names)} in all)" if len(names) > 8 else "")
    return f"the convertible ones are {shown}"


def change_costs(changes: Sequence[Change], before: NetworkCost, after: NetworkCost) -> list[tuple[Cost, Cost]]:
    """Each change's cost in the network before and after (its rows, every repetition included)."""
    index = {c.path: i for i, c in enumerate(changes)}
    depth = {len(p) for p in index}

    def sums(result: NetworkCost) -> list[Cost]:
        acc: list[list[Cost]] = [[] for _ in changes]
        for row in result.rows:
            for d in depth:
                i = index.get(row.path[:d])
                if i is not None:
                    acc[i].append(row.cost)
        return [sum_costs(a) for a in acc]

    return list(zip(sums(before), sums(after), strict=True))
