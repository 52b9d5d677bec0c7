"""Whole networks: the layer-kind registry and the walk that propagates shapes through a graph.

A :class:`Network` is one or more named inputs (a :class:`~liteconv_cli.engine.shapes.Shape`
each, of any rank: ``[C, L]``, ``[C, H, W]``, ``[C, D, H, W]``) and a tuple of layers.
:func:`walk` runs the layers in order; by default a layer reads the previous layer's output,
and ``from:`` makes it read any earlier tensor by name (merges such as ``add`` and ``concat``
read several), so a network is a graph of named tensors. The walk returns one :class:`Row` per
operation (a convolution, a linear layer, a pooling, a merge, ...) with the tensors it reads and
writes, and the total :class:`~liteconv_cli.engine.cost.Cost`.

**One registry row per layer kind.** :data:`REGISTRY` maps each ``kind`` of ``docs/spec.md`` to
a :class:`Kind`: its record class (an immutable NamedTuple made from the key table), its keys
with their checks, defaults and docs, which ``defaults:`` apply, the handler that turns it into
rows, and its help text. The spec loader, ``spec_dump``, the generated JSON Schema, the kind
table of ``docs/spec.md``, ``--help`` and the fuzz tests all read this table.

Every convolution is costed by :func:`~liteconv_cli.engine.variants.conv` (any rank) or
:func:`~liteconv_cli.engine.variants.conv_transpose`; nothing here re-types those formulas.
BatchNorm and the activation after a convolution are counted in that convolution's row.

The width multiplier (alpha) scales the ``out`` (and ``mid``, ``squeeze``, ``split``) channel
counts of layers whose ``scale`` is on. Rounding is ``floor`` (``int(c * alpha)``,
MobileNetV1) or a divisor ``d`` such as 8 (torchvision's ``_make_divisible``). An
:class:`~liteconv_cli.errors.InvalidValue` raised while a layer is costed is re-raised as a
:class:`~liteconv_cli.errors.SpecError` naming the layer's file, line, position and name.
"""

import gc
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from ..errors import InvalidValue, SpecError
from . import keys as K
from .cost import ZERO, Cost
from .shapes import Dims, Shape, dims_of, pads, window_output
from .variants import Conv, Stage, conv, conv_transpose, residual_add

#: activation functions a layer may name (each costs 1 elementwise FLOP per output element)
ACTIVATIONS = ("none", "relu", "relu6", "leaky_relu", "elu", "silu", "sigmoid", "hardsigmoid", "hardswish", "gelu",
               "tanh", "mish", "softplus", "hardtanh", "softmax")
#: categories of the breakdown, in the order tables show them
CATEGORIES = ("standard", "depthwise", "pointwise", "grouped", "transposed", "fc", "attention", "other")
SHORTCUTS = ("none", "identity", "projection")
UPSAMPLE_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear")
#: interpolation taps per output element, by mode and rank (nearest reads one value and computes nothing)
_TAPS = {"nearest": 0, "linear": 2, "bilinear": 4, "bicubic": 16, "trilinear": 8}

#: guards against runaway specs: a clear error instead of a hang or a MemoryError
MAX_REPEAT = 10_000
MAX_LAYERS = 100_000  # layers after every repeat is expanded, nested layers included
MAX_DEPTH = 32  # nesting of block / branches

Scale = bool | str  # True, False or "up"


class Origin(NamedTuple):
    """Where a layer was written: file and line (for error messages)."""

    file: str
    line: int | None = None


# ------------------------------------------------------------------ the key tables

REQUIRED = object()  # the default of a key that must be given


class Key(NamedTuple):
    """One key of a layer kind: its check, its default (REQUIRED if none) and its doc."""

    check: K.Check
    default: Any = REQUIRED
    doc: str = ""


#: keys every layer has (besides ``kind``); the record's last fields, in this order
COMMON: dict[str, Key] = {
    "name": Key(K.NAME, None, "unique in the network; default `<kind><index>`"),
    "repeat": Key(K.repeat_check(MAX_REPEAT), 1, "run the layer N times in a row"),
    "from": Key(K.NAMES, None, "the tensor(s) read: earlier layer names or input names (default: the previous "
                               "layer's output)"),
    "share": Key(K.NAME, None, "reuse the weights of the earlier layer of that name (params counted once)"),
    "functional": Key(K.FUNCTIONAL, False, "true: the model calls this op as a function (F.relu, "
                                           "F.adaptive_avg_pool2d), not a module; activation: only the activation "
                                           "after this layer is a call (Inception's F.relu); method: a tensor method "
                                           "(x.mean), which no counting tool hooks"),
    "frozen": Key(K.BOOL, False, "the layer's weights are not trained (requires_grad=False): --training counts no "
                                 "weight gradient or optimizer state for it; a frozen block freezes its layers"),
}
#: record field names of the common keys (``from`` is a Python keyword)
_FIELD = {"from": "from_", "global": "global_"}

ACT = K.enum(*ACTIVATIONS)
_OUT = {"out": Key(K.POS_INT, REQUIRED, "output channels (scaled by the width multiplier)")}
_CONV = {
    "kernel": Key(K.DIMS, 3, "kernel size, an integer or one per spatial dim"),
    "stride": Key(K.DIMS, 1, "stride (a repeated layer uses it on its first repetition only)"),
    "padding": Key(K.PADDING, "same", "`same` keeps the size at stride 1 (output ceil(L/stride)), `valid`, or "
                                      "pixels per side"),
    "dilation": Key(K.DIMS, 1, "dilation"),
    "bias": Key(K.BOOL, True, "a bias per output channel (default from `defaults:`, else true)"),
    "batchnorm": Key(K.BOOL, False, "BatchNorm after the convolution (default from `defaults:`, else false)"),
    "activation": Key(ACT, "none", "after BatchNorm (default from `defaults:`, else none)"),
    "scale": Key(K.SCALE, True, "scale the stated channels by the width multiplier (`up`: only above 1)"),
}
_SHORTCUT = {"shortcut": Key(K.enum(*SHORTCUTS), "projection", "none, identity or projection")}
_ACT_ONLY = {"activation": Key(ACT, "none", "activation after the layer")}


def _keys(*tables: dict[str, Key], **more: Key) -> dict[str, Key]:
    out: dict[str, Key] = {}
    for t in tables:
        out.update(t)
    out.update(more)
    return out


# ------------------------------------------------------------------ layer records


def _record_class(cls_name: str, doc: str, own: dict[str, Key]) -> type:
    """A NamedTuple class for a kind: its own keys (required ones first), then COMMON, then origin."""
    req = [k for k, key in own.items() if key.default is REQUIRED]
    opt = [k for k, key in own.items() if key.default is not REQUIRED]
    fields = [*(_FIELD.get(k, k) for k in (*req, *opt, *COMMON)), "origin"]
    defaults = [own[k].default for k in opt] + [key.default for key in COMMON.values()] + [None]
    cls = namedtuple(cls_name, fields, defaults=defaults)  # type: ignore[misc]
    cls.__doc__ = doc
    return cls


Handler = Callable[..., "Tensor"]


class Kind(NamedTuple):
    """One registry row: everything liteconv knows about a layer kind.

    ``keys`` are the kind's own keys (COMMON keys are added to every kind); ``defaults`` the
    keys that ``defaults:`` of a spec fills in; ``merge`` kinds read several tensors;
    ``nested`` names the key holding nested layers (``layers`` of a block, ``branches``);
    ``first_stride`` kinds apply ``stride`` to their first repetition only.
    """

    name: str
    cls_name: str
    handler: Handler
    keys: dict[str, Key]
    doc: str
    defaults: tuple[str, ...] = ()
    merge: bool = False
    nested: str | None = None
    first_stride: bool = False
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of keys of which exactly one must be given

    @property
    def record(self) -> type:
        """The kind's record class (a NamedTuple), made on first use: building 36 of them at
        import would cost every command several milliseconds."""
        cls = _RECORDS.get(self.name)
        return cls if cls is not None else _make_record(self)

    @property
    def required(self) -> tuple[str, ...]:
        """The keys that must be given."""
        return tuple(k for k, key in self.keys.items() if key.default is REQUIRED)

    @property
    def all_keys(self) -> dict[str, Key]:
        """Own keys and the common ones."""
        return {**self.keys, **COMMON}


#: kind name -> registry row, in the order of docs/spec.md
REGISTRY: dict[str, Kind] = {}
#: record class -> its kind, for the classes made so far (every layer's class is among them)
KIND_OF: dict[type, str] = {}
_RECORDS: dict[str, type] = {}  # kind -> record class, made on first use (Kind.record)
#: record types with a ``like`` key (a tensor whose size they take), with nested layers (block,
#: branches), and whose rows _Walker.run memoises (one input, no nested layers): filled as made
_HAS_LIKE: set[type] = set()
_NESTED: set[type] = set()
_MEMOISABLE: set[type] = set()
#: class name (ConvLayer, Block, ...) -> kind, for ``from .network import ConvLayer``
_CLASS_KIND: dict[str, str] = {}


def _make_record(k: "Kind") -> type:
    cls = _record_class(k.cls_name, k.doc, k.keys)
    _RECORDS[k.name] = cls
    KIND_OF[cls] = k.name
    if "like" in k.keys:
        _HAS_LIKE.add(cls)
    if k.nested:
        _NESTED.add(cls)
    elif not k.merge:
        _MEMOISABLE.add(cls)
    return cls


class _Kinds(Mapping[str, type]):
    """kind -> record class, each made on first look-up (the loader, --help and tests read it)."""

    def __getitem__(self, name: str) -> type:
        return REGISTRY[name].record

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)

    def __contains__(self, name: object) -> bool:
        return name in REGISTRY


KINDS: Mapping[str, type] = _Kinds()


def kind(name: str, cls_name: str, doc: str, keys: dict[str, Key], *, defaults: tuple[str, ...] = (),
         merge: bool = False, nested: str | None = None, first_stride: bool = False,
         one_of: tuple[tuple[str, ...], ...] = ()) -> Callable[[Handler], Handler]:
    """Register a layer kind: decorates its handler (its record class is made on first use)."""

    def register(handler: Handler) -> Handler:
        REGISTRY[name] = Kind(name, cls_name, handler, keys, doc, defaults, merge, nested, first_stride, one_of)
        _CLASS_KIND[cls_name] = name
        return handler

    return register


def kind_of(layer: Any) -> str:
    """The spec kind of a layer record: ``conv``, ``separable``, ..."""
    return KIND_OF[type(layer)]


Layer = Any  # a record of one of the kinds in REGISTRY


class Network(NamedTuple):
    """A network: name, input shape, layers, width multiplier, channel rounding, resolution override.

    ``inputs`` names several inputs (name -> Shape) when a spec has ``inputs:``; ``input`` is
    then the first. ``outputs`` names the network's output tensors (default: the last layer).
    """

    name: str
    input: Shape
    layers: tuple[Layer, ...]
    width: float = 1.0
    channel_rounding: str | int = "floor"  # "floor", or a divisor such as 8
    resolution: int | None = None  # overrides the input's H and W
    origin: Origin | None = None
    inputs: tuple[tuple[str, Shape], ...] | None = None
    outputs: tuple[str, ...] = ()

    @property
    def input_shapes(self) -> tuple[tuple[str, Shape], ...]:
        """Every named input after the resolution override."""
        named = self.inputs if self.inputs else (("input", self.input),)
        if self.resolution is None:
            return named
        return tuple((n, _at_resolution(s, self.resolution)) for n, s in named)

    @property
    def input_shape(self) -> Shape:
        """The (first) input after the resolution override."""
        return self.input_shapes[0][1]


def with_input(net: Network, dims: Mapping[str | None, Sequence[int]]) -> Network:
    """``net`` with its input(s) replaced: ``{None: [C, *spatial]}`` for the only (or first) input,
    ``{name: [...]}`` for a named one (``--input 3x16x128x171``, ``--input depth=1x224x224``).

    Any rank may replace any other: the layers take their shapes from the input. Raises
    InvalidValue for an input name the network does not have or dims that are not 1 to 4
    positive integers.
    """
    named = dict(net.inputs) if net.inputs else {"input": net.input}
    for name, value in dims.items():
        v = tuple(value)
        if not 1 <= len(v) <= 4 or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in v):
            raise InvalidValue("input", "x".join(map(str, v)), "is not 1 to 4 positive integers [C, *spatial]")
        key = next(iter(named)) if name is None else name
        if key not in named:
            raise InvalidValue("input", name, f"is not an input of the network (inputs: {', '.join(named)})")
        named[key] = Shape.of(v[0], v[1:])
    if net.inputs:
        items = tuple(named.items())
        return net._replace(inputs=items, input=items[0][1])
    return net._replace(input=named["input"])


def _at_resolution(s: Shape, r: int) -> Shape:
    if s.rank < 2:
        raise InvalidValue("resolution", r, f"sets H and W, but the input {s} has {s.rank} spatial dims "
                                            "(give the whole input instead: --input)")
    return Shape.of(s.c, (*s.dims[:-2], r, r))


# ------------------------------------------------------------------ the walk


class Row(NamedTuple):
    """One operation of the walk: a convolution, a linear layer, a pooling, a merge, ...

    ``path`` is the layer's position in the spec (1-based, nested lists add a level);
    ``name`` is unique per row (``<layer name>[.<repeat>][.<stage>]``) and is also the name of
    the tensor it writes (``writes``); ``reads`` names the tensors it reads (``inputs`` of
    them; ``input`` is the first one's shape). ``kind`` is the spec's layer kind; ``op`` what
    this row does (``conv``, ``conv_transpose``, ``fc``, ``linear``, ``add``, ``mul``,
    ``concat``, ``max_pool``, ``avg_pool``, ``adaptive_avg_pool``, ``adaptive_max_pool``,
    ``upsample``, ``batchnorm``, ``layernorm``, ``groupnorm``, ``instancenorm``,
    ``layer_scale``, ``activation``, ``attention_qk``, ``attention_av``, ``softmax``, ...);
    ``category`` the breakdown bucket. ``kernel``, ``stride``, ``dilation`` (one value per
    spatial dim) and ``padding`` (``(before, after)`` per dim) are set for convolutions and
    window pooling; ``activation`` names the function counted in this row. ``shared``: the
    weights belong to another layer (``share:``), so the row adds no params. ``functional``:
    the model calls this op as a function.
    """

    path: tuple[int, ...]
    name: str
    kind: str
    op: str
    category: str
    input: Shape
    output: Shape
    cost: Cost
    kernel: Dims | None = None
    stride: Dims | None = None
    groups: int | None = None
    activation: str = "none"
    inputs: int = 1
    padding: tuple[tuple[int, int], ...] | None = None
    dilation: Dims | None = None
    reads: tuple[str, ...] = ()
    writes: str = ""
    shared: bool = False
    functional: bool | str = False  # True, "activation" or "method": see COMMON
    frozen: bool = False

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
    """The walk's result: every row, the output shape(s) and the total cost."""

    network: Network
    input: Shape
    rows: tuple[Row, ...]
    output: Shape
    total: Cost
    outputs: tuple[tuple[str, Shape], ...] = ()
    inputs: tuple[tuple[str, Shape], ...] = ()

    @property
    def weighted_layers(self) -> int:
        """Convolution and linear rows: the usual 'depth' of a network (28 for MobileNetV1)."""
        return sum(1 for r in self.rows if r.category not in ("other", "attention"))

    def breakdown(self) -> list[Breakdown]:
        """Rows and cost per category (only the categories present), in CATEGORIES order."""
        acc: dict[str, list[Cost]] = {}
        for r in self.rows:
            acc.setdefault(r.category, []).append(r.cost)
        return [Breakdown(k, len(acc[k]), sum_costs(acc[k])) for k in CATEGORIES if k in acc]


def _children(layer: Layer) -> list[tuple[tuple[int, ...], Sequence[Layer]]]:
    """Nested layer lists of a block or branches, with their relative paths."""
    k = REGISTRY[kind_of(layer)]
    if k.nested == "layers":
        return [((), layer.layers)]
    if k.nested == "branches":
        return [((j,), b) for j, b in enumerate(layer.branches, 1)]
    return []


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
        if type(layer) in _NESTED:
            inner = sum(expanded_size(sub, path + rel) for rel, sub in _children(layer))
            n += r * (1 + inner)
        else:
            n += r
        if n > MAX_LAYERS:
            return n
    return n


def walk(net: Network) -> NetworkCost:
    """Propagate shapes from the input(s) through every layer; one Row per operation and the total.

    Raises SpecError (with the layer's file, line and name) for a layer that cannot run on
    its input: a kernel larger than the padded map, groups that do not divide the channels,
    an unknown ``from:`` name, merges of unequal shapes, ...
    """
    # the walk makes only acyclic records (tuples of tuples): the cyclic garbage collector has
    # nothing to find in them, and on a 100,000-layer spec it would take most of the time
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _walk(net)
    finally:
        if enabled:
            gc.enable()


def _walk(net: Network) -> NetworkCost:
    try:
        _check_network(net)
        inputs = net.input_shapes
    except InvalidValue as e:
        raise _located(e, net.origin, "") from None
    size = expanded_size(net.layers)
    if size > MAX_LAYERS:
        raise SpecError(
            f"the network has over {MAX_LAYERS:,} layers once repeats are expanded (the limit)",
            file=net.origin.file if net.origin else None,
        )
    walker = _Walker(net)
    first = None
    for name, shape in inputs:
        t = Tensor(name, shape)
        walker.tensors[name] = t
        first = first or t
    assert first is not None
    last = walker.sequence(net.layers, first, (), "", ("",))
    if net.outputs:
        outs = []
        for name in net.outputs:
            found = walker.tensors.get(name)
            if found is None:
                raise SpecError(f"outputs: no layer or input is named {name!r}{_suggest(name, walker.tensors)}",
                                file=net.origin.file if net.origin else None)
            outs.append((name, found.shape))
        outputs = tuple(outs)
    else:
        outputs = ((last.name, last.shape),)
    rows = tuple(walker.rows)
    return NetworkCost(net, first.shape, rows, outputs[0][1], sum_costs(r.cost for r in rows), outputs, inputs)


def sum_costs(costs: Iterable[Cost]) -> Cost:
    """The sum of many costs, term by term (each column summed in C: the walk's hot path)."""
    seq = costs if isinstance(costs, list | tuple) else list(costs)
    if not seq:
        return ZERO
    if len(seq) < 1000:  # a network's rows: transposed in one call
        return _new(Cost, [sum(col) for col in zip(*seq, strict=True)])
    return _new(Cost, [sum(map(field, seq)) for field in _COST_FIELDS])  # many: zip(*) would copy them all


def _check_network(net: Network) -> None:
    w = net.width
    if isinstance(w, bool) or not isinstance(w, int | float) or not 0 < w <= K.MAX_MULTIPLIER:
        raise InvalidValue("width", w, f"is not a positive number up to {K.MAX_MULTIPLIER:g}")
    r = net.channel_rounding
    if r != "floor" and (isinstance(r, bool) or not isinstance(r, int) or r < 1):
        raise InvalidValue("channel_rounding", r, "is not 'floor' or a positive integer such as 8")
    if net.resolution is not None and (
        isinstance(net.resolution, bool) or not isinstance(net.resolution, int) or net.resolution < 1
    ):
        raise InvalidValue("resolution", net.resolution, "is not a positive integer")
    for _, s in net.inputs or (("input", net.input),):
        if not isinstance(s, tuple) or not 1 <= len(s) <= 4 or any(
                isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in s):
            raise InvalidValue("input", "x".join(map(str, s)) if isinstance(s, tuple) else s,
                               "is not [C], [C, L], [C, H, W] or [C, D, H, W] of positive integers")


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


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Tensor(NamedTuple):
    """A tensor of the walk: the name of the row (or input) that wrote it, and its shape."""

    name: str
    shape: Shape


#: one getter per Cost field, for sum_costs
_COST_FIELDS = tuple(itemgetter(i) for i in range(len(Cost._fields)))
#: a record from a tuple of all its fields, without the NamedTuple's __new__ (the walk's hot path)
_new = tuple.__new__

#: (layer, input shape, width, rounding) -> the rows it gives, names relative (see _Walker.run): per row
#: (name suffix, the fields kind..dilation, reads (None: the layer's input only), writes suffix, shared/functional)
_MEMO: dict[tuple[object, ...], tuple[tuple[Any, ...], ...]] = {}
#: (id of a layer record, input shape, width, rounding) -> (the record, its _MEMO entry)
_SEEN: dict[tuple[object, ...], tuple[Any, tuple[tuple[Any, ...], ...]]] = {}
_MEMO_SIZE = 4096


class _Walker:
    """Carries the width settings and the named tensors, and collects rows while layers run."""

    def __init__(self, net: Network) -> None:
        self.width = net.width
        self.rounding = net.channel_rounding
        self.rows: list[Row] = []
        self.tensors: dict[str, Tensor] = {}  # every name a layer may read -> the tensor
        self.layer_kinds: dict[str, str] = {}  # layer name -> kind (for share:)
        self.share = False
        self.functional = False
        self.frozen = False  # inside a layer marked frozen: its weights get no gradient (--training)
        # the memo entry of the last layer run, for the repetitions of a repeated layer
        self.last_layer: Any = None
        self.last_shape: Shape | None = None
        self.last_hit: Any = None
        self.like: Tensor | None = None  # the tensor named by the running layer's like: (upsample, pad)

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
            scaled = make_divisible(c * alpha, int(self.rounding))
        if scaled < 1:
            raise InvalidValue(key, c, f"times width {self.width} rounds to {scaled} channels")
        return scaled

    def row(self, L: Layer, path: tuple[int, ...], name: str, op: str, category: str, reads: Sequence[Tensor],
            out: Shape, cost: Cost = ZERO, **extra: Any) -> Tensor:
        """Append a row reading ``reads`` and writing the tensor ``name``; return that tensor."""
        if self.share and (cost.weights or cost.bias or cost.bn or cost.other):
            cost = cost._replace(weights=0, bias=0, bn=0, other=0)
            extra["shared"] = True
        if self.functional:
            extra["functional"] = self.functional
        if self.frozen:
            extra["frozen"] = True
        if extra:
            self.rows.append(Row(path, name, KIND_OF[type(L)], op, category, reads[0].shape, out, cost,
                                 inputs=len(reads), reads=tuple(t.name for t in reads), writes=name, **extra))
        else:  # the hot path: every field in order, without the NamedTuple's keyword handling
            self.rows.append(_new(Row, (path, name, KIND_OF[type(L)], op, category, reads[0].shape, out, cost, None,
                                        None, None, "none", len(reads), None, None, tuple(t.name for t in reads),
                                        name, False, False, False)))
        return _new(Tensor, (name, out))

    def stage(self, stage: Stage, L: Layer, path: tuple[int, ...], name: str, x: Tensor | Sequence[Tensor],
              activation: str = "none", category: str | None = None, op: str = "conv",
              padding: Any = "same") -> Tensor:
        """A Row from an engine Stage, with the activation's elementwise cost added."""
        cost = stage.cost
        if activation != "none":
            cost = cost + Cost(elementwise=stage.output.elements)
        reads = (x,) if isinstance(x, Tensor) else tuple(x)
        if stage.kind == "add":
            return self.row(L, path, name, "add", "other", reads, stage.output, cost, activation=activation)
        pad = stage.padding
        if pad is None and stage.dilation is not None:
            pad = pads(padding, stage.kernel, stage.dilation)
        if self.share or self.functional or self.frozen:
            return self.row(L, path, name, op, category or stage.kind, reads, stage.output, cost,
                            kernel=stage.kernel, stride=stage.stride, groups=stage.groups, activation=activation,
                            padding=pad, dilation=stage.dilation)
        self.rows.append(_new(Row, (path, name, KIND_OF[type(L)], op, category or stage.kind, reads[0].shape,
                                    stage.output, cost, stage.kernel, stage.stride, stage.groups, activation,
                                    len(reads), pad, stage.dilation, tuple(t.name for t in reads), name, False,
                                    False, False)))
        return _new(Tensor, (name, stage.output))

    def conv(self, L: Any, shape: Shape, out: int, **changes: Any) -> Conv:
        """The engine's Conv for ``L`` on input ``shape`` (``changes`` override fields)."""
        kw: dict[str, Any] = {
            "kernel_size": getattr(L, "kernel", 3),
            "stride": getattr(L, "stride", 1),
            "padding": getattr(L, "padding", "same"),
            "dilation": getattr(L, "dilation", 1),
            "bias": L.bias,
            "batchnorm": L.batchnorm,
        }
        kw.update(changes)
        size = shape.size
        if size is None and shape.rank == 0 and not isinstance(kw["kernel_size"], tuple):
            pass  # per output position: the rank comes from the kernel (2 by default)
        return Conv(shape.c, out, size=size, **kw)

    def activation_row(self, L: Layer, path: tuple[int, ...], name: str, x: Tensor, activation: str) -> Tensor:
        if activation == "none":
            return x
        return self.row(L, path, name, "activation", "other", (x,), x.shape, Cost(elementwise=x.shape.elements),
                        activation=activation)

    def shortcut(self, mode: str, L: Any, x: Tensor, out: Tensor, path: tuple[int, ...], name: str,
                 activation: str, stride: Any = None) -> Tensor:
        """The residual: identity when shapes match, a 1x1 projection (+ BN) for ``projection``."""
        if mode == "none":
            return self.activation_row(L, path, f"{name}.activation", out, activation)
        if mode not in SHORTCUTS:
            raise InvalidValue("shortcut", mode, f"is not one of {', '.join(SHORTCUTS)}")
        skip = x
        if out.shape != x.shape:
            if mode == "identity":  # MobileNetV2's rule: add only when the shapes match
                return self.activation_row(L, path, f"{name}.activation", out, activation)
            s = _projection_stride(x.shape, out.shape)
            rank = max(1, x.shape.rank)
            ones = (1,) * rank
            c = self.conv(L, x.shape, out.shape.c, kernel_size=ones, stride=s, padding=0, dilation=ones, groups=1)
            proj = conv(c, "projection")
            if proj.output != out.shape:
                raise InvalidValue("shortcut", mode, f"gives {proj.output} but the block gives {out.shape}")
            skip = self.stage(proj, L, path, f"{name}.shortcut", x, padding=0)
        return self.stage(residual_add(out.shape, "add"), L, path, f"{name}.add", (out, skip), activation)

    # --------------------------------------------------------------- sequences

    def resolve(self, name: str, scopes: tuple[str, ...], key: str = "from") -> Tensor:
        """The tensor a ``from:`` (or ``like:``) name means: looked up in the innermost scope first."""
        for scope in reversed(scopes):
            t = self.tensors.get(scope + name)
            if t is not None:
                return t
        raise InvalidValue(key, name, f"names no earlier layer or input{_suggest(name, self.tensors)}")

    def publish(self, name: str, t: Tensor, origin: Any, path: tuple[int, ...], base: str) -> None:
        """Make ``t`` readable as ``name``; a name given twice is an error."""
        old = self.tensors.get(name)
        if old is not None and old != t:
            raise _located(InvalidValue("name", repr(name), "is used by two layers: names must be unique"), origin,
                           layer_label(path, base))
        self.tensors[name] = t

    def run(self, layer: Layer, k: Kind, x: Any, path: tuple[int, ...], name: str,
            scopes: tuple[str, ...]) -> Tensor:
        """One layer on ``x``: its rows are appended, its output tensor returned.

        The rows of a single-input kind without nested layers depend only on the layer, the
        input shape and the width settings, so they are memoised (names made relative):
        repeated blocks and many specs sharing layers cost one dictionary look-up per layer.
        """
        # share and functional are fields of the layer (in the key); frozen may come from an enclosing
        # block and like from another tensor, which the key does not hold: those are not memoised
        if type(layer) not in _MEMOISABLE or self.frozen or self.like is not None:
            if k.nested:
                return k.handler(self, layer, x, path, name, scopes)
            return k.handler(self, layer, x, path, name)
        if layer is self.last_layer and self.last_hit is not None and x.shape == self.last_shape:
            # a repetition: the same layer on the same shape
            hit = self.last_hit
        else:
            # first by the layer object itself (a network walked again: no field hashed), then by its fields
            ident = (id(layer), x.shape, self.width, self.rounding)
            seen = _SEEN.get(ident)
            if seen is not None and seen[0] is layer:
                hit = seen[1]
            else:
                key = (type(layer), layer[:-1], x.shape, self.width, self.rounding)  # origin left out
                try:
                    hit = _MEMO.get(key)
                except TypeError:  # an unhashable field (a list given by a library caller): no memo
                    return k.handler(self, layer, x, path, name)
                if hit is not None:
                    if len(_SEEN) >= _MEMO_SIZE:
                        _SEEN.clear()
                    _SEEN[ident] = (layer, hit)  # the layer is kept, so its id is not reused meanwhile
            self.last_layer, self.last_shape, self.last_hit = layer, x.shape, hit
        if hit is not None:
            xn = x.name
            append = self.rows.append
            for rel, mid, reads, writes, tail in hit:
                if reads is None:  # reads the layer's input only (the common case)
                    reads = (xn,)
                elif type(reads) is str:  # reads one tensor of its own
                    reads = (name + reads,)
                else:
                    reads = tuple(xn if r is None else name + r for r in reads)
                append(_new(Row, (path, name + rel, *mid, reads, name + writes, *tail)))
            return _new(Tensor, (name + hit[-1][3], hit[-1][1][4]))
        start = len(self.rows)
        out = k.handler(self, layer, x, path, name)
        new = self.rows[start:]
        if new and new[-1].writes == out.name:
            if len(_MEMO) >= _MEMO_SIZE:
                _MEMO.clear()
            cut = len(name)
            memo = []
            for r in new:
                reads = tuple(None if n == x.name else n[cut:] if n.startswith(name) else "\0" for n in r.reads)
                if "\0" in reads:
                    return out  # reads a tensor outside the layer: not memoised
                short = None if reads == (None,) else reads[0] if len(reads) == 1 else reads
                memo.append((r[1][cut:], r[2:15], short, r[16][cut:], r[17:]))
            _MEMO[key] = tuple(memo)
        return out

    def sequence(self, layers: Sequence[Layer], x: Tensor, prefix: tuple[int, ...], name_prefix: str,
                 scopes: tuple[str, ...]) -> Tensor:
        tensors = self.tensors
        for i, layer in enumerate(layers, 1):
            path = prefix + (i,)
            kname = KIND_OF[type(layer)]
            k = REGISTRY[kname]
            base = layer.name or f"{kname}{i}"
            full = name_prefix + base
            try:
                src: Any = x
                if layer.from_ is not None:
                    srcs = [self.resolve(n, scopes) for n in layer.from_]
                    if not k.merge and len(srcs) != 1:
                        raise InvalidValue("from", ", ".join(layer.from_), f"names {len(srcs)} tensors; kind {kname} "
                                                                           "reads one")
                    src = tuple(srcs) if k.merge else srcs[0]
                elif k.merge:
                    src = (x,)
                if layer.share is not None:
                    other = next((self.layer_kinds[sc + layer.share] for sc in reversed(scopes)
                                  if sc + layer.share in self.layer_kinds), None)
                    if other is None:
                        raise InvalidValue("share", repr(layer.share), "names no earlier layer")
                    if other != kname:
                        raise InvalidValue("share", repr(layer.share), f"is a {other}, not a {kname}")
                    self.share = True
                if layer.functional:
                    self.functional = layer.functional
                frozen_outside = self.frozen
                if layer.frozen:  # a frozen block freezes every layer in it
                    self.frozen = True
                # like: names a tensor whose size the layer takes (set for every layer; read by run and the handler)
                like = layer.like if type(layer) in _HAS_LIKE else None
                self.like = self.resolve(like, scopes, "like") if like is not None else None
                n = layer.repeat  # checked by expanded_size
                out = self.run(layer, k, src, path, full if n == 1 else f"{full}.1", scopes)
                if n > 1:
                    self.publish(f"{full}.1", out, layer.origin, path, base)
                    rest = _stride_one(layer) if k.first_stride else layer
                    for r in range(2, n + 1):
                        each = f"{full}.{r}"
                        out = self.run(rest, k, out, path, each, scopes)
                        if each in tensors:
                            self.publish(each, out, layer.origin, path, base)  # raises if another layer has it
                        tensors[each] = out
                self.share = self.functional = False
                self.frozen = frozen_outside
                old = tensors.get(full)
                if old is not None and old != out:
                    self.publish(full, out, layer.origin, path, base)  # raises: a name used twice
                tensors[full] = out
                self.layer_kinds[full] = kname
                x = out
            except InvalidValue as e:
                self.share = self.functional = False
                raise _located(e, layer.origin, layer_label(path, base)) from None
        return x


#: id of a repeated layer -> (the layer, the same with stride 1): its later repetitions, made once
_REST: dict[int, tuple[Any, Any]] = {}


def _stride_one(layer: Any) -> Any:
    """``layer`` with stride 1 (the repetitions after the first), the same record every walk."""
    seen = _REST.get(id(layer))
    if seen is not None and seen[0] is layer:
        return seen[1]
    if len(_REST) >= _MEMO_SIZE:
        _REST.clear()
    rest = layer._replace(stride=1)
    _REST[id(layer)] = (layer, rest)  # the layer is kept, so its id is not reused meanwhile
    return rest


def _projection_stride(shape: Shape, out: Shape) -> Dims:
    """The stride s with ceil(L / s) = L_out (a 1x1 window, no padding), per spatial dim."""
    strides = []
    if shape.rank != out.rank:
        raise InvalidValue("shortcut", "projection", f"cannot map {shape} to {out}")
    for a, b in zip(shape.dims, out.dims, strict=True):
        s = -(-a // b)
        if b > a or (a - 1) // s + 1 != b:
            raise InvalidValue("shortcut", "projection", f"cannot map {shape} to {out} with a strided 1x1 conv")
        strides.append(s)
    return tuple(strides) or (1, 1)


def make_divisible(v: float, divisor: int) -> int:
    """torchvision's ``_make_divisible``: the nearest multiple of ``divisor``, at least ``divisor``,
    never more than 10% below ``v``."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new < 0.9 * v:
        new += divisor
    return new


def _check_act(name: str, key: str = "activation") -> None:
    if name not in ACTIVATIONS:
        raise InvalidValue(key, name, f"is not one of {', '.join(ACTIVATIONS)}")


def _spatial(value: Any, shape: Shape, field: str) -> Dims:
    """A kernel/stride/... value as one per spatial dim of ``shape`` (2 when it has none)."""
    return dims_of(value, shape.rank or (len(value) if isinstance(value, tuple) else 2), field)


# ------------------------------------------------------------------ the kinds: one registry row each
#
# Each handler takes (walker, layer, input tensor, path, name) and returns its output tensor;
# merges take a tuple of tensors; block and branches also get the name scopes.

_CONV_DEFAULTS = ("bias", "batchnorm", "activation")


_OUT_OR_MULT = {
    "out": Key(K.POS_INT, None, "output channels (scaled by the width multiplier); or give multiplier"),
    "multiplier": Key(K.POS_INT, None, "or out = C_in x multiplier, following the input's channels "
                                       "(torchvision MobileNetV3's last conv: 6 x the last block's)"),
}


def _out_channels(w: "_Walker", L: Any, cin: int) -> int:
    """A conv's stated ``out`` under the width multiplier, or ``C_in x multiplier``."""
    if (L.out is None) == (L.multiplier is None):
        raise InvalidValue("out", L.out if L.out is not None else "(missing)",
                           "or multiplier: give exactly one (output channels, or a multiple of the input's)")
    return w.channels(L.out, L.scale) if L.out is not None else cin * L.multiplier


@kind("conv", "ConvLayer", "torch.nn.Conv1d/2d/3d by the input's rank (+ BatchNorm + activation)",
      _keys(_OUT_OR_MULT, _CONV, groups=Key(K.POS_INT, 1, "must divide the input and output channels")),
      defaults=_CONV_DEFAULTS, first_stride=True, one_of=(("out", "multiplier"),))
def _conv(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    c = w.conv(L, x.shape, _out_channels(w, L, x.shape.c), groups=L.groups)
    return w.stage(conv(c, name), L, path, name, x, L.activation, padding=L.padding)


@kind("conv_transpose", "ConvTransposeLayer",
      "torch.nn.ConvTranspose1d/2d/3d (+ BatchNorm + activation); MACs on the input grid",
      _keys(_OUT, {k: v for k, v in _CONV.items() if k != "padding"},
            padding=Key(K.DIMS0, 0, "pixels removed from each side (PyTorch's padding)"),
            output_padding=Key(K.DIMS0, 0, "extra size on one side of the output (smaller than stride)"),
            groups=Key(K.POS_INT, 1, "must divide the input and output channels")),
      defaults=_CONV_DEFAULTS)
def _conv_transpose(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    rank = x.shape.rank or 2
    pad = (L.padding,) * rank if isinstance(L.padding, int) else tuple(L.padding)
    if len(pad) != rank:
        raise InvalidValue("padding", "x".join(map(str, pad)), f"has {len(pad)} values for {rank} spatial dims")
    c = w.conv(L, x.shape, w.channels(L.out, L.scale), groups=L.groups, padding=pad)
    st = conv_transpose(c, L.output_padding if L.output_padding != 0 else 0, name)
    return w.stage(st, L, path, name, x, L.activation, op="conv_transpose")


@kind("depthwise", "Depthwise", "KxK convolution with groups = C_in; out = C_in x multiplier",
      _keys({k: v for k, v in _CONV.items()}, multiplier=Key(K.POS_INT, 1, "output channels per input channel")),
      defaults=_CONV_DEFAULTS, first_stride=True)
def _depthwise(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    c = w.conv(L, x.shape, x.shape.c * L.multiplier, groups=x.shape.c)
    return w.stage(conv(c, name), L, path, name, x, L.activation, padding=L.padding)


@kind("pointwise", "Pointwise", "1x1 convolution (kernel, padding and dilation are not used)",
      _keys(_OUT_OR_MULT, _CONV), defaults=_CONV_DEFAULTS, first_stride=True, one_of=(("out", "multiplier"),))
def _pointwise(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    ones = (1,) * (x.shape.rank or 2)
    c = w.conv(L, x.shape, _out_channels(w, L, x.shape.c), kernel_size=ones, padding=0, dilation=ones)
    return w.stage(conv(c, name), L, path, name, x, L.activation, padding=0)


@kind("separable", "Separable", "depthwise KxK (BN, act) then pointwise 1x1 (BN, act): MobileNetV1",
      _keys(_OUT, _CONV), defaults=_CONV_DEFAULTS, first_stride=True)
def _separable(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    c = w.conv(L, x.shape, x.shape.c, groups=x.shape.c)
    dw = w.stage(conv(c, "depthwise"), L, path, f"{name}.depthwise", x, L.activation, padding=L.padding)
    ones = (1,) * len(c.kernel_size)
    pc = w.conv(L, dw.shape, w.channels(L.out, L.scale), kernel_size=ones, stride=1, padding=0, dilation=ones)
    return w.stage(conv(pc, "pointwise"), L, path, f"{name}.pointwise", dw, L.activation, padding=0)


@kind("lite", "Lite", "pointwise 1x1 to out (no BN, no act), then depthwise KxK (BN, act): OSNet's LightConv3x3",
      _keys(_OUT, _CONV), defaults=_CONV_DEFAULTS, first_stride=True)
def _lite(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    out = w.channels(L.out, L.scale)
    ones = (1,) * (x.shape.rank or 2)
    pc = w.conv(L, x.shape, out, kernel_size=ones, stride=1, padding=0, dilation=ones, batchnorm=False)
    pw = w.stage(conv(pc, "pointwise"), L, path, f"{name}.pointwise", x, padding=0)
    dc = w.conv(L, pw.shape, out, groups=out)
    return w.stage(conv(dc, "depthwise"), L, path, f"{name}.depthwise", pw, L.activation, padding=L.padding)


_SE_KEYS = {
    "squeeze": Key(K.POS_INT, None, "squeeze channels S (scaled by width)"),
    "ratio": Key(K.FRACTION, None, "or S = int(C x ratio), rounded by divisor if given"),
    "divisor": Key(K.POS_INT, None, "round S with torchvision's _make_divisible(S, divisor) (MobileNetV3: 8)"),
    "gate": Key(K.enum("sigmoid", "hardsigmoid"), "sigmoid", "the gate's function (MobileNetV3: hardsigmoid)"),
}


@kind("inverted_residual", "InvertedResidual",
      "MobileNetV2/V3, EfficientNet block: expand, depthwise, optional SE, linear project, shortcut",
      _keys(_OUT, _CONV,
            expansion=Key(K.POS_INT, 6, "expanded channels = C_in x expansion (no expand conv when 1)"),
            mid=Key(K.POS_INT, None, "or the expanded channels themselves (MobileNetV3; scaled by width)"),
            se=Key(K.FRACTION, None, "squeeze-and-excitation: S = max(1, int(C x se)) of se_base channels"),
            se_base=Key(K.enum("input", "expanded"), "input",
                        "the channels se multiplies: the block input (EfficientNet) or expanded (MobileNetV3)"),
            se_divisor=Key(K.POS_INT, None, "round S with _make_divisible(S, divisor) (MobileNetV3: 8)"),
            se_gate=Key(K.enum("sigmoid", "hardsigmoid"), "sigmoid", "the SE gate"),
            se_activation=Key(ACT, None, "the SE's inner activation (default: the block's)")),
      defaults=_CONV_DEFAULTS, first_stride=True)
def _inverted_residual(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    out_c = w.channels(L.out, L.scale)
    cin = x.shape.c
    hidden = w.channels(L.mid, L.scale, "mid") if L.mid is not None else cin * L.expansion
    ones = (1,) * (x.shape.rank or 2)
    h = x
    if hidden != cin:  # torchvision omits the expansion when it would not change the channels
        ec = w.conv(L, x.shape, hidden, kernel_size=ones, stride=1, padding=0, dilation=ones)
        h = w.stage(conv(ec, "expand"), L, path, f"{name}.expand", x, L.activation, padding=0)
    dc = w.conv(L, h.shape, hidden, groups=hidden)
    h = w.stage(conv(dc, "depthwise"), L, path, f"{name}.depthwise", h, L.activation, padding=L.padding)
    if L.se is not None:
        base = cin if L.se_base == "input" else hidden
        s = max(1, int(base * L.se))
        if L.se_divisor is not None:
            s = make_divisible(s, L.se_divisor)
        act = L.se_activation if L.se_activation is not None else L.activation
        h = _squeeze_excite(w, L, h, s, act, L.se_gate, path, f"{name}.se")
    pc = w.conv(L, h.shape, out_c, kernel_size=ones, stride=1, padding=0, dilation=ones)
    y = w.stage(conv(pc, "project"), L, path, f"{name}.project", h, padding=0)
    if all(s == 1 for s in dims_of(L.stride, x.shape.rank or 2, "stride")) and y.shape == x.shape:
        return w.stage(residual_add(y.shape), L, path, f"{name}.add", (y, x))
    return y


def _squeeze_excite(w: _Walker, L: Layer, x: Tensor, squeeze: int, act: str, gate: str, path: tuple[int, ...],
                    name: str) -> Tensor:
    """SE rows: adaptive avg pool, 1x1 C->S (bias, act), 1x1 S->C (bias, gate), channel-wise scale."""
    _check_act(act)
    rank = x.shape.rank
    pooled = Shape.of(x.shape.c, (1,) * rank)
    p = w.row(L, path, f"{name}.pool", "adaptive_avg_pool", "other", (x,), pooled, Cost(elementwise=x.shape.elements))
    ones = (1,) * (rank or 2)
    size = (1,) * rank if rank else None
    r = w.stage(conv(Conv(x.shape.c, squeeze, ones, size=size, padding=0), f"{name}.reduce"), L, path,
                f"{name}.reduce", p, act, padding=0)
    e = w.stage(conv(Conv(squeeze, x.shape.c, ones, size=size, padding=0), f"{name}.expand"), L, path,
                f"{name}.expand", r, gate, padding=0)
    return w.row(L, path, f"{name}.scale", "mul", "other", (x, e), x.shape, Cost(elementwise=x.shape.elements))


@kind("basic", "Basic", "ResNet basic block: KxK stride s (BN, act), KxK (BN), shortcut, add, act",
      _keys(_OUT, _CONV, _SHORTCUT), defaults=_CONV_DEFAULTS, first_stride=True)
def _basic(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    out = w.channels(L.out, L.scale)
    h = w.stage(conv(w.conv(L, x.shape, out), "conv1"), L, path, f"{name}.conv1", x, L.activation,
                padding=L.padding)
    h = w.stage(conv(w.conv(L, h.shape, out, stride=1), "conv2"), L, path, f"{name}.conv2", h, padding=L.padding)
    return w.shortcut(L.shortcut, L, x, h, path, name, L.activation)


@kind("bottleneck", "Bottleneck",
      "ResNet v1.5 bottleneck: 1x1 to mid, KxK stride s groups g, 1x1 to out, shortcut, add, act",
      _keys({"mid": Key(K.POS_INT, REQUIRED, "bottleneck channels (scaled by width)")}, _OUT, _CONV,
            groups=Key(K.POS_INT, 1, "groups of the KxK convolution (ResNeXt)"), **_SHORTCUT),
      defaults=_CONV_DEFAULTS, first_stride=True)
def _bottleneck(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    mid, out = w.channels(L.mid, L.scale, "mid"), w.channels(L.out, L.scale)
    ones = (1,) * (x.shape.rank or 2)
    h = w.stage(conv(w.conv(L, x.shape, mid, kernel_size=ones, stride=1, padding=0, dilation=ones), "conv1"),
                L, path, f"{name}.conv1", x, L.activation, padding=0)
    h = w.stage(conv(w.conv(L, h.shape, mid, groups=L.groups), "conv2"), L, path, f"{name}.conv2", h,
                L.activation, padding=L.padding)
    h = w.stage(conv(w.conv(L, h.shape, out, kernel_size=ones, stride=1, padding=0, dilation=ones), "conv3"),
                L, path, f"{name}.conv3", h, padding=0)
    return w.shortcut(L.shortcut, L, x, h, path, name, L.activation)


@kind("fc", "FC", "fully connected layer on the flattened input (in_features = C x prod(dims))",
      _keys(_OUT, bias=Key(K.BOOL, True, "a bias per output (default true; defaults: does not apply)"),
            activation=Key(ACT, "none", "after the layer"),
            scale=Key(K.SCALE, False, "scale out by the width multiplier (default false: 1000 classes stay 1000)")))
def _fc(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    out = w.channels(L.out, L.scale)
    cin = x.shape.elements
    elements = out
    cost = Cost(weights=cin * out, bias=out if L.bias else 0, macs=cin * out, bias_adds=elements if L.bias else 0,
                elementwise=elements if L.activation != "none" else 0)
    ones = (1,) * x.shape.rank
    return w.row(L, path, name, "fc", "fc", (x,), Shape.of(out, ones), cost, activation=L.activation, kernel=ones,
                 stride=ones, groups=1)


@kind("linear", "Linear", "torch.nn.Linear applied at every position (channels-last), as ConvNeXt's MLP",
      _keys(_OUT, bias=Key(K.BOOL, True, "a bias per output"), activation=Key(ACT, "none", "after the layer"),
            scale=Key(K.SCALE, True, "scale out by the width multiplier")))
def _linear(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.activation)
    out = w.channels(L.out, L.scale)
    n = x.shape.positions
    elements = out * n
    weights = x.shape.c * out
    cost = Cost(weights=weights, bias=out if L.bias else 0, macs=weights * n, bias_adds=elements if L.bias else 0,
                elementwise=elements if L.activation != "none" else 0)
    return w.row(L, path, name, "linear", "fc", (x,), Shape.of(out, x.shape.dims), cost, activation=L.activation)


@kind("pool", "Pool", "max or average pooling of any rank: a window (with ceil_mode), or adaptive to output",
      _keys({"mode": Key(K.enum("max", "avg"), REQUIRED, "max or avg")},
            kernel=Key(K.DIMS, None, "the window"), stride=Key(K.DIMS, None, "default: the kernel"),
            padding=Key(K.DIMS0, 0, "per side, at most half the kernel (PyTorch)"),
            dilation=Key(K.DIMS, 1, "max pooling only"),
            ceil_mode=Key(K.BOOL, False, "round the output size up (PyTorch's ceil_mode)"),
            count_include_pad=Key(K.BOOL, True, "avg: divide by the whole window, padding included"),
            output=Key(K.OUTPUT_SIZE, None, "adaptive pooling to this size"),
            **{"global": Key(K.BOOL, False, "adaptive pooling to 1 per dim")}))
def _pool(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    shape = x.shape
    cost = Cost(elementwise=shape.elements)
    given = [k for k, v in (("kernel", L.kernel), ("output", L.output), ("global", L.global_ or None))
             if v is not None]
    if len(given) != 1:
        raise InvalidValue("kernel", L.kernel if L.kernel is not None else "(missing)",
                           "of a pool: give exactly one of kernel, global: true or output: [h, w]"
                           + (f" (given: {', '.join(given)})" if given else ""))
    if L.kernel is None:
        if L.stride is not None or L.padding != 0:
            raise InvalidValue("output", L.output, "is adaptive pooling: stride and padding apply to a kernel window")
        rank = shape.rank
        if L.global_:
            dims = (1,) * rank
        else:
            o = L.output
            vals = (o,) * rank if isinstance(o, int) else tuple(o)
            if len(vals) != rank:
                raise InvalidValue("output", L.output, f"has {len(vals)} values for {rank} spatial dims")
            dims = tuple(d if v is None else v for v, d in zip(vals, shape.dims, strict=True))
        return w.row(L, path, name, f"adaptive_{L.mode}_pool", "other", (x,), Shape.of(shape.c, dims), cost)
    rank = shape.rank
    if rank == 0:
        raise InvalidValue("kernel", L.kernel, "needs an input with spatial dims")
    k = dims_of(L.kernel, rank, "kernel")
    s = dims_of(L.stride, rank, "stride") if L.stride is not None else k
    d = dims_of(L.dilation, rank, "dilation")
    if L.mode == "avg" and any(v != 1 for v in d):
        raise InvalidValue("dilation", L.dilation, "applies to max pooling only (torch.nn.AvgPool has none)")
    p = (L.padding,) * rank if isinstance(L.padding, int) else tuple(L.padding)
    if len(p) != rank:
        raise InvalidValue("padding", L.padding, f"has {len(p)} values for {rank} spatial dims")
    if any(2 * pi > ki for pi, ki in zip(p, k, strict=True)):
        raise InvalidValue("padding", L.padding, f"is more than half the kernel {'x'.join(map(str, k))} (PyTorch)")
    out = tuple(window_output(n, ki, si, 2 * pi, di, "kernel", L.ceil_mode, pi)
                for n, ki, si, pi, di in zip(shape.dims, k, s, p, d, strict=True))
    return w.row(L, path, name, f"{L.mode}_pool", "other", (x,), Shape.of(shape.c, out), cost, kernel=k, stride=s,
                 padding=tuple((pi, pi) for pi in p), dilation=d)


@kind("upsample", "Upsample", "torch.nn.Upsample / F.interpolate: nearest or (bi/tri)linear, by scale or size",
      _keys(mode=Key(K.enum(*UPSAMPLE_MODES), "nearest", "interpolation"),
            scale=Key(K.SCALES, None, "scale factor (output = floor(L x scale))"),
            size=Key(K.DIMS, None, "or the output size"),
            align_corners=Key(K.BOOL, False, "align corners (linear modes; no effect on counts)"),
            like=Key(K.NAME, None, "or the size of this tensor (a layer or input name): "
                                   "F.interpolate(x, size=t.shape[2:])")))
def _upsample(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    shape = x.shape
    rank = shape.rank
    if sum(v is not None for v in (L.scale, L.size, L.like)) != 1:
        raise InvalidValue("scale", L.scale, "or size or like: give exactly one of them")
    if rank == 0:
        raise InvalidValue("mode", L.mode, "needs an input with spatial dims")
    if L.like is not None:
        dims = _like_dims(w, L, shape)
    elif L.size is not None:
        dims = dims_of(L.size, rank, "size")
    else:
        sc = (L.scale,) * rank if not isinstance(L.scale, tuple) else L.scale
        if len(sc) != rank:
            raise InvalidValue("scale", L.scale, f"has {len(sc)} values for {rank} spatial dims")
        dims = tuple(int(n * f) for n, f in zip(shape.dims, sc, strict=True))  # PyTorch: floor(in * scale)
        if min(dims) < 1:
            raise InvalidValue("scale", L.scale, f"leaves an empty output for {shape}")
    out = Shape.of(shape.c, dims)
    taps = _TAPS[L.mode]
    return w.row(L, path, name, "upsample", "other", (x,), out, Cost(elementwise=2 * taps * out.elements if taps
                                                                      else 0))


@kind("pixel_shuffle", "PixelShuffle", "torch.nn.PixelShuffle(r): C x H x W -> C/r^2 x Hr x Wr, free",
      _keys(factor=Key(K.POS_INT, REQUIRED, "the upscale factor r")))
def _pixel_shuffle(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    r, s = L.factor, x.shape
    if s.rank != 2 or s.c % (r * r):
        raise InvalidValue("factor", r, f"needs a 2-D input with channels divisible by {r * r}, got {s}")
    return w.row(L, path, name, "pixel_shuffle", "other", (x,), Shape(s.c // (r * r), s.dims[0] * r, s.dims[1] * r))


@kind("pixel_unshuffle", "PixelUnshuffle", "torch.nn.PixelUnshuffle(r): C x H x W -> Cr^2 x H/r x W/r, free",
      _keys(factor=Key(K.POS_INT, REQUIRED, "the downscale factor r")))
def _pixel_unshuffle(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    r, s = L.factor, x.shape
    if s.rank != 2 or s.dims[0] % r or s.dims[1] % r:
        raise InvalidValue("factor", r, f"needs a 2-D input with H and W divisible by {r}, got {s}")
    return w.row(L, path, name, "pixel_unshuffle", "other", (x,), Shape(s.c * r * r, s.dims[0] // r, s.dims[1] // r))


@kind("se", "SE", "squeeze-and-excitation: avg pool, 1x1 C->S (bias, act), 1x1 S->C (bias, gate), scale",
      _keys(_SE_KEYS, activation=Key(ACT, "relu", "the inner activation"),
            scale=Key(K.SCALE, True, "scale squeeze by the width multiplier")))
def _se(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    if L.squeeze is not None and L.ratio is not None:
        raise InvalidValue("squeeze", L.squeeze, "and ratio exclude each other: give one of them")
    if L.squeeze is None and L.ratio is None:
        raise InvalidValue("squeeze", "(missing)", "or ratio is needed: give one of them")
    if L.squeeze is not None:
        squeeze = w.channels(L.squeeze, L.scale, "squeeze")
    else:
        squeeze = max(1, int(x.shape.c * L.ratio))
        if L.divisor is not None:
            squeeze = make_divisible(squeeze, L.divisor)
    return _squeeze_excite(w, L, x, squeeze, L.activation, L.gate, path, name)


def _norm_cost(shape: Shape, params: int, affine: bool) -> Cost:
    # fvcore's norm handle: 5 FLOPs per element with an affine transform, 4 without
    return Cost(other=params, elementwise=(5 if affine else 4) * shape.elements)


@kind("batchnorm", "BatchNorm", "BatchNorm1d/2d/3d on its own: 2C parameters (gamma, beta)",
      _keys(affine=Key(K.BOOL, True, "a weight and bias per channel (PyTorch's default: true)")))
def _batchnorm(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    return w.row(L, path, name, "batchnorm", "other", (x,), s,
                 Cost(bn=2 * s.c if L.affine else 0, bn_elements=s.elements))


@kind("layernorm", "LayerNorm", "LayerNorm over the channels at each position (ConvNeXt): 2C parameters",
      _keys(affine=Key(K.BOOL, True, "elementwise_affine: a weight (and bias) per channel"),
            bias=Key(K.BOOL, True, "the affine bias (PyTorch's LayerNorm(bias=False) has none)")))
def _layernorm(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    params = (2 if L.bias else 1) * s.c if L.affine else 0
    return w.row(L, path, name, "layernorm", "other", (x,), s, _norm_cost(s, params, L.affine))


@kind("groupnorm", "GroupNorm", "torch.nn.GroupNorm(groups, C): 2C parameters",
      _keys(groups=Key(K.POS_INT, REQUIRED, "must divide the channels"),
            affine=Key(K.BOOL, True, "a weight and bias per channel")))
def _groupnorm(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    if s.c % L.groups:
        raise InvalidValue("groups", L.groups, f"does not divide the {s.c} channels")
    return w.row(L, path, name, "groupnorm", "other", (x,), s, _norm_cost(s, 2 * s.c if L.affine else 0, L.affine),
                 groups=L.groups)


@kind("instancenorm", "InstanceNorm", "torch.nn.InstanceNorm1d/2d/3d: 2C parameters with affine (default off)",
      _keys(affine=Key(K.BOOL, False, "a weight and bias per channel (PyTorch's default: false)")))
def _instancenorm(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    return w.row(L, path, name, "instancenorm", "other", (x,), s,
                 _norm_cost(s, 2 * s.c if L.affine else 0, L.affine))


@kind("layer_scale", "LayerScale", "a learned scale per channel (ConvNeXt's layer scale): C params, a multiply",
      {})
def _layer_scale(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    return w.row(L, path, name, "layer_scale", "other", (x,), s, Cost(other=s.c, elementwise=s.elements))


@kind("activation", "Activation", "an activation function on its own: 1 FLOP per element",
      _keys(function=Key(ACT, REQUIRED, "the function")))
def _activation(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    _check_act(L.function, "function")
    cost = Cost(elementwise=x.shape.elements) if L.function != "none" else ZERO
    return w.row(L, path, name, "activation", "other", (x,), x.shape, cost, activation=L.function)


@kind("flatten", "Flatten", "C x dims -> (C x prod(dims)) x 1.., free", {})
def _flatten(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    return w.row(L, path, name, "flatten", "other", (x,), Shape.of(x.shape.elements, (1,) * x.shape.rank))


@kind("dropout", "Dropout", "dropout: free at inference", _keys(p=Key(K.PROBABILITY, None, "ignored")))
def _dropout(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    return w.row(L, path, name, "dropout", "other", (x,), x.shape)


@kind("shuffle", "Shuffle", "channel shuffle (ShuffleNet): free; groups must divide the channels",
      _keys(groups=Key(K.POS_INT, None, "groups")))
def _shuffle(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    if L.groups is not None and x.shape.c % L.groups:
        raise InvalidValue("groups", L.groups, f"does not divide the {x.shape.c} input channels")
    return w.row(L, path, name, "shuffle", "other", (x,), x.shape, groups=L.groups)


@kind("identity", "Identity", "does nothing, costs nothing", {})
def _identity(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    return w.row(L, path, name, "identity", "other", (x,), x.shape)


@kind("pad", "Pad", "zero (or reflect, replicate, circular) padding: free",
      _keys(padding=Key(K.PAD_SIDES, None, "pixels per side"),
            mode=Key(K.enum("constant", "reflect", "replicate", "circular"), "constant", "padding mode"),
            like=Key(K.NAME, None, "or pad to the size of this tensor, centred: d // 2 before, d - d // 2 after "
                                   "(U-Net's F.pad to the skip's size)")))
def _pad(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    if (L.padding is None) == (L.like is None):
        raise InvalidValue("padding", L.padding if L.padding is not None else "(missing)",
                           "or like: give exactly one of them")
    if L.like is not None:
        diffs = (b - a for a, b in zip(s.dims, _like_dims(w, L, s), strict=True))
        sides = tuple((d // 2, d - d // 2) for d in diffs)
    else:
        sides = _sides(L.padding, s.rank)
    dims = tuple(n + a + b for n, (a, b) in zip(s.dims, sides, strict=True))
    if min(dims, default=1) < 1:
        raise InvalidValue("padding", L.padding, f"crops {s} to nothing")
    return w.row(L, path, name, "pad", "other", (x,), Shape.of(s.c, dims), padding=sides)


def _like_dims(w: _Walker, L: Any, shape: Shape) -> Dims:
    """The spatial size of the tensor ``like:`` names, which must have the rank of ``shape``."""
    assert w.like is not None
    ref = w.like.shape
    if ref.rank != shape.rank:
        raise InvalidValue("like", repr(L.like), f"is {ref}: {ref.rank} spatial dims, the input {shape} has "
                                                 f"{shape.rank}")
    return ref.dims


def _sides(padding: Any, rank: int) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial dim from an int, one per dim, or F.pad's last-dim-first list."""
    if isinstance(padding, int):
        return ((padding, padding),) * rank
    p = tuple(padding)
    if len(p) == rank:
        return tuple((v, v) for v in p)
    if len(p) % 2 == 0 and len(p) // 2 <= rank:
        given = [(p[i], p[i + 1]) for i in range(0, len(p), 2)][::-1]  # F.pad starts at the last dim
        return ((0, 0),) * (rank - len(given)) + tuple(given)
    raise InvalidValue("padding", list(p), f"is not one value per spatial dim ({rank}) or F.pad's pairs")


@kind("crop", "Crop", "centre crop to size (U-Net's skip crop): free",
      _keys(size=Key(K.DIMS, REQUIRED, "the output size")))
def _crop(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    dims = dims_of(L.size, s.rank, "size")
    if any(a > b for a, b in zip(dims, s.dims, strict=True)):
        raise InvalidValue("size", "x".join(map(str, dims)), f"is larger than the input {s}")
    return w.row(L, path, name, "crop", "other", (x,), Shape.of(s.c, dims))


@kind("slice", "Slice", "a range of channels, start:stop (torch.chunk, ONNX Split/Slice on channels): a view, free",
      _keys(start=Key(K.NONNEG_INT, 0, "the first channel kept (0-based)"),
            stop=Key(K.POS_INT, None, "one past the last channel kept (default: all the rest)")))
def _slice(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str) -> Tensor:
    s = x.shape
    stop = s.c if L.stop is None else L.stop
    if not L.start < stop <= s.c:
        raise InvalidValue("stop", stop, f"with start={L.start} is not a channel range of the {s.c} input channels")
    return w.row(L, path, name, "slice", "other", (x,), Shape.of(stop - L.start, s.dims))


@kind("unknown", "Unknown", "an operation liteconv does not count (a model file's op, kept with --allow-unknown): "
      "no params, no MACs, its output shape as given",
      _keys(op=Key(K.TEXT, "unknown", "what the operation is (an ONNX op type, a Keras class)"),
            output=Key(K.INPUT, None, "its output [C, *spatial] (default: the first input's shape)")),
      merge=True)
def _unknown(w: _Walker, L: Any, xs: tuple[Tensor, ...], path: tuple[int, ...], name: str) -> Tensor:
    # it may read several tensors (from: [a, b]): the memory model then keeps each alive until it runs
    out = xs[0].shape if L.output is None else Shape.of(L.output[0], tuple(L.output[1:]))
    return w.row(L, path, name, "unknown", "other", xs, out)


@kind("add", "Add", "elementwise sum of the tensors in from: ((n - 1) adds per element)", {}, merge=True)
def _add(w: _Walker, L: Any, xs: tuple[Tensor, ...], path: tuple[int, ...], name: str) -> Tensor:
    out = _broadcast(xs, "add")
    return w.row(L, path, name, "add", "other", xs, out, Cost(elementwise=(len(xs) - 1) * out.elements))


@kind("mul", "Mul", "elementwise product of the tensors in from: (broadcast, as an SE gate)", {}, merge=True)
def _mul(w: _Walker, L: Any, xs: tuple[Tensor, ...], path: tuple[int, ...], name: str) -> Tensor:
    out = _broadcast(xs, "mul")
    return w.row(L, path, name, "mul", "other", xs, out, Cost(elementwise=(len(xs) - 1) * out.elements))


def _broadcast(xs: tuple[Tensor, ...], op: str) -> Shape:
    shapes = [t.shape for t in xs]
    if len(shapes) < 2:
        raise InvalidValue("from", xs[0].name, f"names one tensor: {op} needs two or more (from: [a, b])")
    out = max(shapes, key=lambda s: s.elements)
    for s in shapes:
        ok = s.rank == out.rank and all(a == b or a == 1 for a, b in zip(s, out, strict=True))
        if not ok:
            raise InvalidValue("from", ", ".join(t.name for t in xs),
                               f"gives shapes {', '.join(map(str, shapes))} that do not broadcast")
    return out


@kind("concat", "Concat", "concatenation of the tensors in from: along the channels, free", {}, merge=True)
def _concat(w: _Walker, L: Any, xs: tuple[Tensor, ...], path: tuple[int, ...], name: str) -> Tensor:
    if len(xs) < 2:
        raise InvalidValue("from", xs[0].name, "names one tensor: concat needs two or more")
    dims = xs[0].shape.dims
    if any(t.shape.dims != dims for t in xs):
        raise InvalidValue("from", ", ".join(t.name for t in xs),
                           f"needs equal sizes to concatenate, got {', '.join(str(t.shape) for t in xs)}")
    out = Shape.of(sum(t.shape.c for t in xs), dims)
    return w.row(L, path, name, "concat", "other", xs, out)


@kind("attention", "Attention",
      "multi-head attention over the positions (nn.MultiheadAttention, embed E = C): q/k/v projections, "
      "QK^T, softmax, AV, output projection; from: [query, key, value] for cross-attention",
      _keys(heads=Key(K.POS_INT, REQUIRED, "number of heads h (must divide C)"),
            bias=Key(K.BOOL, True, "biases of the projections"),
            add_bias_kv=Key(K.BOOL, False, "a learned key and value row (2E params; one more source position)"),
            add_zero_attn=Key(K.BOOL, False, "a zero key and value row (one more source position)")),
      merge=True)
def _attention(w: _Walker, L: Any, xs: tuple[Tensor, ...], path: tuple[int, ...], name: str) -> Tensor:
    if len(xs) > 3:
        raise InvalidValue("from", ", ".join(t.name for t in xs), "names more than query, key and value")
    q = xs[0]
    k = xs[1] if len(xs) > 1 else q
    v = xs[2] if len(xs) > 2 else k
    e, n = q.shape.c, q.shape.positions
    kdim, vdim, src = k.shape.c, v.shape.c, k.shape.positions
    if v.shape.positions != src:
        raise InvalidValue("from", v.name, f"has {v.shape.positions} positions, the key {src}")
    if e % L.heads:
        raise InvalidValue("heads", L.heads, f"does not divide the {e} channels")
    b = 1 if L.bias else 0
    s2 = src + L.add_bias_kv + L.add_zero_attn  # S': the source positions the scores cover
    # Q, K and V projections (PyTorch's in_proj): E x E, kdim x E, vdim x E weights, 3E biases
    proj = Cost(weights=e * e + kdim * e + vdim * e, bias=3 * e * b, other=2 * e if L.add_bias_kv else 0,
                macs=n * e * e + src * kdim * e + src * vdim * e, bias_adds=(n + 2 * src) * e * b)
    t = w.row(L, path, f"{name}.qkv", "linear", "fc", (q, k, v)[:len(xs)], Shape.of(e, q.shape.dims), proj)
    scores = Shape.of(L.heads * s2, q.shape.dims)  # h x L x S': the attention map
    qk = w.row(L, path, f"{name}.qk", "attention_qk", "attention", (t,), scores, Cost(macs=n * s2 * e))
    sm = w.row(L, path, f"{name}.softmax", "softmax", "other", (qk,), scores,
               Cost(elementwise=L.heads * n * s2), activation="softmax")
    av = w.row(L, path, f"{name}.av", "attention_av", "attention", (sm, t), q.shape, Cost(macs=n * s2 * e))
    return w.row(L, path, f"{name}.proj", "linear", "fc", (av,), q.shape,
                 Cost(weights=e * e, bias=e * b, macs=e * e * n, bias_adds=e * n * b))


@kind("block", "Block", "layers in sequence, then an optional shortcut add and activation",
      _keys({"layers": Key(K.NESTED, REQUIRED, "the layers")},
            shortcut=Key(K.enum(*SHORTCUTS), "none", "none, identity or projection"),
            activation=Key(ACT, "none", "after the add"),
            bias=Key(K.BOOL, True, "of a projection shortcut's 1x1 convolution"),
            batchnorm=Key(K.BOOL, False, "of a projection shortcut")),
      defaults=("bias", "batchnorm"), nested="layers")
def _block(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str, scopes: tuple[str, ...]) -> Tensor:
    _check_act(L.activation)
    out = w.sequence(L.layers, x, path, f"{name}.", (*scopes, f"{name}."))
    mode = L.shortcut
    return w.shortcut(mode, L, x, out, path, name, L.activation)


@kind("branches", "Branches",
      "branches side by side on the same input (or a channel slice each), concatenated or added",
      _keys({"branches": Key(K.NESTED, REQUIRED, "a list of layer lists")},
            merge=Key(K.enum("concat", "add"), "concat", "how the branch outputs meet"),
            split=Key(K.SPLIT, None, "channel counts per branch, or N equal parts"),
            scale=Key(K.SCALE, True, "scale split by the width multiplier")),
      nested="branches")
def _branches(w: _Walker, L: Any, x: Tensor, path: tuple[int, ...], name: str, scopes: tuple[str, ...]) -> Tensor:
    n = len(L.branches)
    shape = x.shape
    if n == 0:
        raise InvalidValue("branches", "[]", "is empty: give at least one branch (a list of layers)")
    inputs = [x] * n
    if L.split is not None:
        if isinstance(L.split, int):
            if L.split != n or shape.c % n:
                raise InvalidValue("split", L.split, f"does not cut {shape.c} channels into {n} equal branches")
            parts = [shape.c // n] * n
        else:
            parts = [w.channels(c, L.scale, "split") for c in L.split]
            if len(parts) != n or sum(parts) != shape.c:
                raise InvalidValue("split", list(parts), f"is not {n} channel counts summing to the input's {shape.c}")
        # a slice is a view of the input: it is named by the input, with its own shape
        inputs = [Tensor(x.name, Shape.of(c, shape.dims)) for c in parts]
    outs = [w.sequence(b, t, path + (j,), f"{name}.{j}.", (*scopes, f"{name}.{j}."))
            for j, (b, t) in enumerate(zip(L.branches, inputs, strict=True), 1)]
    if L.merge == "add":
        if any(o.shape != outs[0].shape for o in outs):
            got = ", ".join(str(o.shape) for o in outs)
            raise InvalidValue("merge", "add", f"needs equal branch outputs, got {got}")
        out = outs[0].shape
        return w.row(L, path, f"{name}.add", "add", "other", outs, out, Cost(elementwise=(n - 1) * out.elements))
    if any(o.shape.dims != outs[0].shape.dims for o in outs):
        raise InvalidValue("merge", "concat", f"needs equal branch sizes, got {', '.join(str(o.shape) for o in outs)}")
    out = Shape.of(sum(o.shape.c for o in outs), outs[0].shape.dims)
    return w.row(L, path, f"{name}.concat", "concat", "other", outs, out)




def __getattr__(name: str) -> Any:
    """Record classes by name (``ConvLayer``, ``Block``, ...), ``CONV_KINDS`` (the kinds whose
    stride applies to the first repetition only) and ``HANDLERS``: made on first use (PEP 562)."""
    if name in _CLASS_KIND:
        return REGISTRY[_CLASS_KIND[name]].record
    if name == "CONV_KINDS":
        return tuple(k.record for k in REGISTRY.values() if k.first_stride)
    if name == "HANDLERS":
        return {k.record: k.handler for k in REGISTRY.values()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


ConvLayer: Any
ConvTransposeLayer: Any
Depthwise: Any
Pointwise: Any
Separable: Any
Lite: Any
InvertedResidual: Any
Basic: Any
Bottleneck: Any
FC: Any
Linear: Any
Pool: Any
Upsample: Any
PixelShuffle: Any
PixelUnshuffle: Any
SE: Any
BatchNorm: Any
LayerNorm: Any
GroupNorm: Any
InstanceNorm: Any
LayerScale: Any
Activation: Any
Flatten: Any
Dropout: Any
Shuffle: Any
Identity: Any
Pad: Any
Crop: Any
Add: Any
Mul: Any
Concat: Any
Attention: Any
Block: Any
Branches: Any
