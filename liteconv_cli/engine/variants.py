"""One pure function per convolution variant, and the VARIANTS table that lists them.

Every variant maps a frozen :class:`Conv` description to a frozen :class:`Estimate`: the
stages it runs (each a plain convolution costed by :func:`conv2d`, or a residual add) and
their summed :class:`~liteconv_cli.engine.cost.Cost`. Composite variants are built from
the simple ones with ``_replace`` (the records' ``dataclasses.replace``, which works on them
too); no formula is typed twice. The counting convention (what a MAC, a parameter and a FLOP
are) is stated in ``cost.py``.

Without an input size (``size=None``) every stage is costed for one output position of
its own output map: MACs are then "per output position" and stride plays no part.
"""

from collections.abc import Callable
from math import prod
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InvalidValue
from .cost import Cost
from .records import dataclass_api
from .shapes import Dims, Padding, Pair, Shape, dims_of, transposed_output
from .shapes import _cached_output as _output  # a Conv's fields are hashable: no fallback needed

if TYPE_CHECKING:
    from fractions import Fraction


def _positive(name: str, value: object) -> None:
    if type(value) is not int or value < 1:  # bool is not an int here
        raise InvalidValue(name, value, "is not a positive integer")


class _ConvFields(NamedTuple):
    in_channels: int
    out_channels: int
    kernel_size: Dims = 3  # type: ignore[assignment]  # made a tuple by Conv.__new__
    size: Dims | None = None
    stride: Dims = 1  # type: ignore[assignment]
    padding: Padding = "same"
    dilation: Dims = 1  # type: ignore[assignment]
    groups: int = 1
    bias: bool = True
    batchnorm: bool = False
    expansion: int = 6
    depth_multiplier: int = 1


#: makes a record from a tuple of all its fields, skipping the NamedTuple's __new__ (a Python
#: function that only fills in defaults): the hot path of a sweep makes five per row with it
_record = tuple.__new__
_make_conv = _ConvFields.__new__  # fills in the defaults, checks nothing


def _dims_fast(name: str, value: Any, rank: int) -> Dims:
    # the common cases inline; anything else goes to dims_of for its exact error
    if type(value) is tuple and len(value) == rank:
        for v in value:
            if type(v) is not int or v < 1:
                break
        else:
            return value
    elif type(value) is int and value >= 1:
        return (value,) * rank
    return dims_of(value, rank, name)


def _rank(size: Any, *values: Any) -> int:
    """The number of spatial dims: the size's if a tuple, else the first tuple's, else 2."""
    if isinstance(size, tuple | list):
        return len(size)
    for v in values:
        if isinstance(v, tuple | list):
            return len(v)
    return 2


@dataclass_api
class Conv(_ConvFields):
    """One convolution layer as torch.nn.ConvNd describes it, plus BatchNorm and variant knobs.

    ``size`` is the input's spatial dims (``(H, W)``; ``(L,)`` for Conv1d, ``(D, H, W)`` for
    Conv3d); None costs one output position. ``kernel_size``, ``stride`` and ``dilation``
    have one value per spatial dim (an integer stands for all); the rank comes from
    ``size``, else from the first of them given as a tuple, else 2. Defaults follow
    torch.nn.Conv2d (bias on, stride 1, dilation 1, groups 1) except padding, which is
    ``same`` so that a layer keeps its size at stride 1. Every value is checked
    (:class:`~liteconv_cli.errors.InvalidValue`). Immutable: derive a layer with
    ``dataclasses.replace(conv, stride=2)`` (or ``conv._replace(stride=2)``).
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> "Conv":
        (in_channels, out_channels, kernel_size, size, stride, padding, dilation, groups, bias, batchnorm, expansion,
         depth_multiplier) = _make_conv(cls, *args, **kwargs)
        rank = _rank(size, kernel_size, stride, dilation, padding)
        if size is not None:
            size = _dims_fast("size", size, rank)
        kernel_size = _dims_fast("kernel_size", kernel_size, rank)
        stride = _dims_fast("stride", stride, rank)
        dilation = _dims_fast("dilation", dilation, rank)
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups),
                            ("expansion", expansion), ("depth_multiplier", depth_multiplier)):
            if type(value) is not int or value < 1:  # bool is not an int here
                raise InvalidValue(name, value, "is not a positive integer")
        p = padding
        if isinstance(p, str):
            if p != "same" and p != "valid":
                raise InvalidValue("padding", p, "is not 'same', 'valid' or a non-negative integer")
        elif isinstance(p, tuple | list):
            p = padding = tuple(p)
            if len(p) != rank or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in p):
                raise InvalidValue("padding", "x".join(map(str, p)),
                                   f"is not {rank} non-negative integers (one per spatial dim)")
        elif isinstance(p, bool) or not isinstance(p, int) or p < 0:
            raise InvalidValue("padding", p, "is not 'same', 'valid' or a non-negative integer")
        if in_channels % groups:
            raise InvalidValue("groups", groups, f"does not divide in_channels={in_channels}")
        if out_channels % groups:
            raise InvalidValue("groups", groups, f"does not divide out_channels={out_channels}")
        return _record(cls, (in_channels, out_channels, kernel_size, size, stride, padding, dilation, groups, bias,
                             batchnorm, expansion, depth_multiplier))

    def _replace(self, /, **changes: Any) -> "Conv":
        """A copy with ``changes``, checked like a new layer (a NamedTuple's own checks nothing)."""
        values = [changes.pop(name, value) for name, value in zip(self._fields, self, strict=True)]
        return type(self)(*values, **changes)  # a key left in changes is not a field: TypeError

    @property
    def rank(self) -> int:
        """Spatial dims: 1 (Conv1d), 2 (Conv2d) or 3 (Conv3d)."""
        return len(self.kernel_size)

    __replace__ = _replace  # copy.replace (Python 3.13)

    @property
    def input(self) -> Shape:
        """The input feature map."""
        size = self.size
        return _record(Shape, (self.in_channels,) if size is None else (self.in_channels, *size))


def conv_kind(c: Conv) -> str:
    """standard, pointwise, depthwise or grouped, by groups and kernel.

    depthwise: groups = C_in > 1 (the shared/reference tools also require C_out = C_in, and so
    call a depthwise layer with a depth multiplier "grouped"; no shipped network has one).
    """
    if c.groups > 1:
        return "depthwise" if c.groups == c.in_channels else "grouped"
    k = c.kernel_size
    return "pointwise" if k.count(1) == len(k) else "standard"


@dataclass_api
class Stage(NamedTuple):
    """One step of a variant: a convolution (or a residual add) with its shapes and cost."""

    name: str
    kind: str
    input: Shape
    output: Shape
    cost: Cost
    kernel: Dims = (1, 1)
    stride: Dims = (1, 1)
    groups: int = 1
    padding: tuple[Pair, ...] | None = None  # (before, after) per spatial dim
    dilation: Dims | None = None


def conv(c: Conv, name: str = "conv") -> Stage:
    """Cost of one torch.nn.ConvNd (+ BatchNorm when ``c.batchnorm``): the base formula.

    ``weights = C_out * (C_in / groups) * prod(K)``; ``MACs = weights * prod(out dims)``;
    bias: ``C_out`` params and one add per output element; BatchNorm: ``2 * C_out`` params and
    its elements. The same for every rank (fvcore's conv handle). Shapes follow PyTorch.
    """
    in_c, out_c, kernel, size, stride, padding, dilation, groups, _, _, _, _ = c
    weights = out_c * (in_c // groups) * prod(kernel)
    out_dims = None if size is None else _output(size, kernel, stride, padding, dilation)
    return _stage(c, name, conv_kind(c), weights, out_dims, None, None)


def _stage(c: Conv, name: str, kind: str, weights: int, out_dims: Dims | None, mac_positions: int | None,
           padding: tuple[Pair, ...] | None) -> Stage:
    """The Stage of a convolution with ``weights`` and output dims (None: one output position).

    MACs are ``weights`` times the output positions, or times ``mac_positions`` (a transposed
    convolution's input positions); bias and BatchNorm add ``C_out`` and ``2 C_out`` params and
    one element per output value.
    """
    out_c, has_bias, has_bn = c.out_channels, c.bias, c.batchnorm
    if out_dims is None:  # one output position
        positions = 1
        out = _record(Shape, (out_c,))
    else:
        positions = prod(out_dims)
        out = _record(Shape, (out_c, *out_dims))
    elements = out_c * positions
    macs = weights * (positions if mac_positions is None else mac_positions)
    cost = _record(Cost, (weights, out_c if has_bias else 0, 2 * out_c if has_bn else 0, macs,
                          elements if has_bias else 0, elements if has_bn else 0, 0, 0))
    return _record(Stage, (name, kind, c.input, out, cost, c.kernel_size, c.stride, c.groups, padding, c.dilation))


#: the name this formula had when every map was 2-D
conv2d = conv


def conv_transpose(c: Conv, output_padding: int | Dims = 0, name: str = "conv_transpose") -> Stage:
    """Cost of one torch.nn.ConvTransposeNd (+ BatchNorm): MACs on the input grid.

    ``weights = C_in * (C_out / groups) * prod(K)``; ``MACs = weights * prod(input dims)``
    (every input element scatters a ``C_out/groups x K`` block: PyTorch's and fvcore's
    definition); output ``(L - 1) * s - 2p + d(K - 1) + output_padding + 1`` per dim.
    ``c.padding`` must be an integer or one per dim (not same/valid). Raises InvalidValue.
    """
    in_c, out_c, kernel, size, stride, padding, dilation, groups, _, _, _, _ = c
    rank = len(kernel)
    if isinstance(padding, str):
        raise InvalidValue("padding", padding, "is not an integer (a transposed convolution has no same/valid)")
    pad = (padding,) * rank if isinstance(padding, int) else tuple(padding)
    op = (output_padding,) * rank if isinstance(output_padding, int) else tuple(output_padding)
    if len(op) != rank or any(type(v) is not int or v < 0 for v in op):
        raise InvalidValue("output_padding", output_padding, f"is not {rank} non-negative integers")
    weights = in_c * (out_c // groups)
    for k in kernel:
        weights *= k
    in_positions = 1
    for d in size or ():
        in_positions *= d
    out_dims = None if size is None else transposed_output(size, kernel, stride, pad, op, dilation)
    return _stage(c, name, "transposed", weights, out_dims, in_positions, tuple((p, p) for p in pad))


def residual_add(shape: Shape, name: str = "shortcut") -> Stage:
    """The identity shortcut: one add per output element, no parameters."""
    return Stage(name, "add", shape, shape, Cost(elementwise=shape.elements))


def after(c: Conv, stage: Stage, **changes: object) -> Conv:
    """The layer ``c`` re-described to take ``stage``'s output as its input."""
    return c._replace(in_channels=stage.output.c, size=stage.output.size, **changes)


@dataclass_api
class Estimate(NamedTuple):
    """What one variant costs for one layer description: its stages and their sum."""

    variant: str
    layer: Conv
    stages: tuple[Stage, ...]

    @property
    def output(self) -> Shape:
        """The output feature map of the last stage."""
        return self.stages[-1].output

    @property
    def cost(self) -> Cost:
        """The summed cost of all stages."""
        stages = self.stages
        acc = stages[0].cost
        for i in range(1, len(stages)):
            acc = acc + stages[i].cost
        return acc


# ---------------------------------------------------------------- the variants


def standard(c: Conv) -> tuple[Stage, ...]:
    """Standard convolution: every output channel sees every input channel (groups = 1)."""
    return (conv2d(c if c.groups == 1 else c._replace(groups=1), "conv"),)


def grouped(c: Conv) -> tuple[Stage, ...]:
    """Grouped convolution: G groups, each mapping C_in/G input channels to C_out/G outputs.

    Raises InvalidValue for groups < 2: one group is the standard convolution, and a "grouped"
    row for it would be a second name for the same layer (the CLI refuses it for the same reason).
    """
    if c.groups < 2:
        raise InvalidValue("groups", c.groups, "is not 2 or more: the grouped variant needs G > 1 groups "
                           "(groups=1 is the standard convolution)")
    return (conv2d(c, f"conv g={c.groups}"),)


def depthwise(c: Conv) -> tuple[Stage, ...]:
    """Depthwise convolution: one KxK filter per input channel (C_out = C_in x multiplier)."""
    dw = c._replace(out_channels=c.in_channels * c.depth_multiplier, groups=c.in_channels)
    return (conv2d(dw, "depthwise"),)


def pointwise(c: Conv) -> tuple[Stage, ...]:
    """Pointwise convolution: a 1x1 convolution that mixes channels at each position."""
    ones = (1,) * len(c.kernel_size)
    return (conv2d(c._replace(kernel_size=ones, padding=0, dilation=ones, groups=1), "pointwise"),)


def separable(c: Conv) -> tuple[Stage, ...]:
    """Depthwise separable (MobileNet): depthwise KxK, then pointwise 1x1."""
    (dw,) = depthwise(c)
    (pw,) = pointwise(after(c, dw, stride=1))
    return (dw, pw)


def lite(c: Conv) -> tuple[Stage, ...]:
    """Lite (OSNet): pointwise 1x1 to C_out, then depthwise KxK."""
    (pw,) = pointwise(c._replace(stride=1, depth_multiplier=1))
    (dw,) = depthwise(after(c, pw, out_channels=c.out_channels, depth_multiplier=1))
    return (pw, dw)


def inverted_residual(c: Conv) -> tuple[Stage, ...]:
    """Inverted residual (MobileNetV2): 1x1 expand by t, depthwise KxK, linear 1x1 project."""
    stages: list[Stage] = []
    hidden = c.in_channels * c.expansion
    if c.expansion != 1:  # torchvision omits the expansion when t = 1
        (expand,) = pointwise(c._replace(out_channels=hidden, stride=1))
        stages.append(expand._replace(name="expand"))
        dw_in = after(c, expand, out_channels=hidden, depth_multiplier=1)
    else:
        dw_in = c._replace(out_channels=hidden, depth_multiplier=1)
    (dw,) = depthwise(dw_in)
    (project,) = pointwise(after(c, dw, stride=1))
    stages += [dw, project._replace(name="project")]
    # the identity shortcut needs equal shapes: stride 1 and C_in = C_out (torchvision's rule),
    # and, with a size, a padding that keeps the size
    if all(s == 1 for s in c.stride) and c.in_channels == c.out_channels and project.output == c.input:
        stages.append(residual_add(project.output))
    return tuple(stages)


def _axis_padding(padding: Padding, axis: int) -> Padding:
    if isinstance(padding, str):
        return padding
    p = padding[axis] if isinstance(padding, tuple) else padding
    return (p, 0) if axis == 0 else (0, p)


def spatial(c: Conv) -> tuple[Stage, ...]:
    """Spatially separable: Kx1 convolution to C_out, then 1xK convolution."""
    if len(c.kernel_size) != 2:
        raise InvalidValue("kernel_size", "x".join(map(str, c.kernel_size)), "is not 2-D: the spatial variant "
                           "splits a KhxKw kernel into Kh x 1 and 1 x Kw")
    (kh, kw), (sh, sw), (dh, dw) = c.kernel_size, c.stride, c.dilation
    vertical = c._replace(kernel_size=(kh, 1), stride=(sh, 1), dilation=(dh, 1), groups=1,
                       padding=_axis_padding(c.padding, 0))
    col = conv2d(vertical, "vertical")
    horizontal = after(c, col, kernel_size=(1, kw), stride=(1, sw), dilation=(1, dw), groups=1,
                       padding=_axis_padding(c.padding, 1))
    row = conv2d(horizontal, "horizontal")
    return (col, row)


# ------------------------------------------------------- closed-form MAC ratios


def _k2(c: Conv) -> int:
    """prod(K): K^2 for a square 2-D kernel, the kernel volume for any rank."""
    n = 1
    for k in c.kernel_size:
        n *= k
    return n


class Ratio(NamedTuple):
    """An exact ratio of two integers: what the closed forms are written with.

    fractions.Fraction would do, but importing it costs every ``liteconv compare`` 1.5 ms;
    :meth:`Variant.closed_form` still returns a Fraction, made from this.
    """

    numerator: int
    denominator: int = 1

    def __add__(self, other: "Ratio") -> "Ratio":  # type: ignore[override]
        return Ratio(self.numerator * other.denominator + other.numerator * self.denominator,
                     self.denominator * other.denominator)

    def __float__(self) -> float:
        return self.numerator / self.denominator  # correctly rounded, as float(Fraction) is


_frac = Ratio


class Variant(NamedTuple):
    """A row of the VARIANTS table: the function, and its closed-form MAC ratio to standard."""

    stages: Callable[[Conv], tuple[Stage, ...]]
    ratio_text: str = ""
    ratio: Callable[[Conv], Ratio] | None = None

    @property
    def help(self) -> str:
        """The first line of the function's docstring: the text users see."""
        return (self.stages.__doc__ or "").strip().splitlines()[0]

    def closed_form(self, c: Conv) -> "Fraction | None":
        """The closed-form MACs ratio to standard where it holds exactly, else None.

        The closed forms assume every stage runs on the standard convolution's output grid
        (and no depth multiplier); where a stage does not (a pointwise stage before a strided
        or unpadded depthwise, say), the measured ratio is the only honest one.
        """
        exact = self.exact_closed_form(c)
        if exact is None:
            return None
        from fractions import Fraction  # imported on use: it costs start-up time

        return Fraction(*exact)

    def closed_form_value(self, c: Conv) -> float | None:
        """:meth:`closed_form` as a float (what the CLI shows), without importing fractions."""
        exact = self.exact_closed_form(c)
        return None if exact is None else float(exact)

    def exact_closed_form(self, c: Conv) -> Ratio | None:
        """:meth:`closed_form` as a :class:`Ratio` (not reduced)."""
        if self.ratio is None or c.depth_multiplier != 1:
            return None
        probe = c
        if c.size is None:  # per position: probe the grids on a map the stride and kernel fit
            spans = zip(c.stride, c.dilation, c.kernel_size, strict=True)
            probe = c._replace(size=tuple(2 * s * (d * (k - 1) + 1) for s, d, k in spans))
        grid = standard(probe)[0].output.size
        if any(s.output.size != grid for s in self.stages(probe) if s.kind != "add"):
            return None
        return self.ratio(c)


VARIANTS: dict[str, Variant] = {
    "standard": Variant(standard),
    "grouped": Variant(grouped, "1/G", lambda c: _frac(1, c.groups)),
    "depthwise": Variant(depthwise, "1/C_out", lambda c: _frac(1, c.out_channels)),
    "pointwise": Variant(pointwise, "1/K^2", lambda c: _frac(1, _k2(c))),
    "separable": Variant(separable, "1/C_out + 1/K^2", lambda c: _frac(1, c.out_channels) + _frac(1, _k2(c))),
    "lite": Variant(lite, "1/C_in + 1/K^2", lambda c: _frac(1, c.in_channels) + _frac(1, _k2(c))),
    "inverted_residual": Variant(
        inverted_residual,
        "t(C_in + K^2 + C_out)/(K^2 C_out)",
        # with t = 1 there is no expansion: (K^2 + C_out) / (K^2 C_out)
        lambda c: _frac(
            c.expansion * (c.in_channels + _k2(c) + c.out_channels) - (c.in_channels if c.expansion == 1 else 0),
            _k2(c) * c.out_channels,
        ),
    ),
    "spatial": Variant(
        spatial,
        "(Kh C_in + Kw C_out)/(Kh Kw C_in)",
        lambda c: _frac(c.kernel_size[0] * c.in_channels + c.kernel_size[1] * c.out_channels, _k2(c) * c.in_channels),
    ),
}


def evaluate(c: Conv, variant: str = "standard") -> Estimate:
    """Cost ``c`` as the named variant (a key of VARIANTS)."""
    try:
        row = VARIANTS[variant]
    except KeyError:
        raise InvalidValue("variant", variant, f"is not one of {', '.join(VARIANTS)}") from None
    return _record(Estimate, (variant, c, row.stages(c)))
