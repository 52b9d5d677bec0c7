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
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InvalidValue
from .cost import Cost
from .records import dataclass_api
from .shapes import Padding, Pair, Shape
from .shapes import _cached_output_hw as _output_hw  # a Conv's fields are hashable: no fallback needed

if TYPE_CHECKING:
    from fractions import Fraction


def _positive(name: str, value: object) -> None:
    if type(value) is not int or value < 1:  # bool is not an int here
        raise InvalidValue(name, value, "is not a positive integer")


def _positive_pair(name: str, value: object) -> tuple[int, int]:
    """``value`` as a pair of positive integers (an int n stands for (n, n))."""
    if type(value) is int:
        value = (value, value)
    if type(value) is not tuple or len(value) != 2:
        raise InvalidValue(name, value, "is not an integer or a pair of integers")
    _positive(name, value[0])
    _positive(name, value[1])
    return value


class _ConvFields(NamedTuple):
    in_channels: int
    out_channels: int
    kernel_size: Pair = (3, 3)
    size: Pair | None = None
    stride: Pair = (1, 1)
    padding: Padding = "same"
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    batchnorm: bool = False
    expansion: int = 6
    depth_multiplier: int = 1


#: makes a record from a tuple of all its fields, skipping the NamedTuple's __new__ (a Python
#: function that only fills in defaults): the hot path of a sweep makes five per row with it
_record = tuple.__new__
_make_conv = _ConvFields.__new__  # fills in the defaults, checks nothing


def _pair_fast(name: str, value: Any) -> tuple[int, int]:
    # the common cases inline; anything else goes to _positive_pair for its exact error
    if type(value) is tuple and len(value) == 2:
        a, b = value
        if type(a) is int and type(b) is int and a >= 1 and b >= 1:
            return value
    elif type(value) is int and value >= 1:
        return (value, value)
    return _positive_pair(name, value)


@dataclass_api
class Conv(_ConvFields):
    """One convolution layer as torch.nn.Conv2d describes it, plus BatchNorm and variant knobs.

    ``size`` is the input (H, W); None costs one output position. Defaults follow
    torch.nn.Conv2d (bias on, stride 1, dilation 1, groups 1) except padding, which is
    ``same`` so that a layer keeps its size at stride 1. Integers stand for square pairs;
    every value is checked (:class:`~liteconv_cli.errors.InvalidValue`). Immutable: derive a
    layer with ``dataclasses.replace(conv, stride=2)`` (or ``conv._replace(stride=2)``).
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> "Conv":
        (in_channels, out_channels, kernel_size, size, stride, padding, dilation, groups, bias, batchnorm, expansion,
         depth_multiplier) = _make_conv(cls, *args, **kwargs)
        kernel_size = _pair_fast("kernel_size", kernel_size)
        stride = _pair_fast("stride", stride)
        dilation = _pair_fast("dilation", dilation)
        if size is not None:
            size = _pair_fast("size", size)
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups),
                            ("expansion", expansion), ("depth_multiplier", depth_multiplier)):
            if type(value) is not int or value < 1:  # bool is not an int here
                raise InvalidValue(name, value, "is not a positive integer")
        p = padding
        if isinstance(p, str):
            if p != "same" and p != "valid":
                raise InvalidValue("padding", p, "is not 'same', 'valid' or a non-negative integer")
        elif isinstance(p, tuple):
            if len(p) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in p):
                raise InvalidValue("padding", p, "is not a pair of non-negative integers")
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

    __replace__ = _replace  # copy.replace (Python 3.13)

    @property
    def input(self) -> Shape:
        """The input feature map."""
        size = self.size
        return _record(Shape, (self.in_channels, None, None) if size is None else (self.in_channels, *size))


def conv_kind(c: Conv) -> str:
    """standard, pointwise, depthwise or grouped, by groups and kernel.

    depthwise: groups = C_in > 1 (the shared/reference tools also require C_out = C_in, and so
    call a depthwise layer with a depth multiplier "grouped"; no shipped network has one).
    """
    if c.groups > 1:
        return "depthwise" if c.groups == c.in_channels else "grouped"
    return "pointwise" if c.kernel_size == (1, 1) else "standard"


@dataclass_api
class Stage(NamedTuple):
    """One step of a variant: a convolution (or a residual add) with its shapes and cost."""

    name: str
    kind: str
    input: Shape
    output: Shape
    cost: Cost
    kernel: Pair = (1, 1)
    stride: Pair = (1, 1)
    groups: int = 1


def conv2d(c: Conv, name: str = "conv") -> Stage:
    """Cost of one torch.nn.Conv2d (+ BatchNorm when ``c.batchnorm``): the base formula."""
    in_c, out_c, kernel, size, stride, padding, dilation, groups, has_bias, has_bn, _, _ = c
    if size is None:  # one output position
        out_h = out_w = None
        positions = 1
    else:
        out_h, out_w = _output_hw(size, kernel, stride, padding, dilation)
        positions = out_h * out_w
    elements = out_c * positions
    weights = out_c * (in_c // groups) * kernel[0] * kernel[1]
    bias = out_c if has_bias else 0
    bn = 2 * out_c if has_bn else 0
    macs = weights * positions
    bias_adds = elements if has_bias else 0
    bn_elements = elements if has_bn else 0
    elementwise = 0
    cost = _record(Cost, (weights, bias, bn, macs, bias_adds, bn_elements, elementwise))
    out = _record(Shape, (out_c, out_h, out_w))
    return _record(Stage, (name, conv_kind(c), c.input, out, cost, kernel, stride, groups))


def residual_add(shape: Shape, name: str = "shortcut") -> Stage:
    """The identity shortcut: one add per output element, no parameters."""
    return Stage(name, "add", shape, shape, Cost(elementwise=shape.elements))


def after(c: Conv, stage: Stage, **changes: object) -> Conv:
    """The layer ``c`` re-described to take ``stage``'s output as its input."""
    return c._replace(in_channels=stage.output.c, size=stage.output.hw, **changes)


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
    """Grouped convolution: G groups, each mapping C_in/G input channels to C_out/G outputs."""
    return (conv2d(c, f"conv g={c.groups}"),)


def depthwise(c: Conv) -> tuple[Stage, ...]:
    """Depthwise convolution: one KxK filter per input channel (C_out = C_in x multiplier)."""
    dw = c._replace(out_channels=c.in_channels * c.depth_multiplier, groups=c.in_channels)
    return (conv2d(dw, "depthwise"),)


def pointwise(c: Conv) -> tuple[Stage, ...]:
    """Pointwise convolution: a 1x1 convolution that mixes channels at each position."""
    return (conv2d(c._replace(kernel_size=(1, 1), padding=0, dilation=(1, 1), groups=1), "pointwise"),)


def separable(c: Conv) -> tuple[Stage, ...]:
    """Depthwise separable (MobileNet): depthwise KxK, then pointwise 1x1."""
    (dw,) = depthwise(c)
    (pw,) = pointwise(after(c, dw, stride=(1, 1)))
    return (dw, pw)


def lite(c: Conv) -> tuple[Stage, ...]:
    """Lite (OSNet): pointwise 1x1 to C_out, then depthwise KxK."""
    (pw,) = pointwise(c._replace(stride=(1, 1), depth_multiplier=1))
    (dw,) = depthwise(after(c, pw, out_channels=c.out_channels, depth_multiplier=1))
    return (pw, dw)


def inverted_residual(c: Conv) -> tuple[Stage, ...]:
    """Inverted residual (MobileNetV2): 1x1 expand by t, depthwise KxK, linear 1x1 project."""
    stages: list[Stage] = []
    hidden = c.in_channels * c.expansion
    if c.expansion != 1:  # torchvision omits the expansion when t = 1
        (expand,) = pointwise(c._replace(out_channels=hidden, stride=(1, 1)))
        stages.append(expand._replace(name="expand"))
        dw_in = after(c, expand, out_channels=hidden, depth_multiplier=1)
    else:
        dw_in = c._replace(out_channels=hidden, depth_multiplier=1)
    (dw,) = depthwise(dw_in)
    (project,) = pointwise(after(c, dw, stride=(1, 1)))
    stages += [dw, project._replace(name="project")]
    # the identity shortcut needs equal shapes: stride 1 and C_in = C_out (torchvision's rule),
    # and, with a size, a padding that keeps the size
    if c.stride == (1, 1) and c.in_channels == c.out_channels and project.output == c.input:
        stages.append(residual_add(project.output))
    return tuple(stages)


def _axis_padding(padding: Padding, axis: int) -> Padding:
    if isinstance(padding, str):
        return padding
    p = padding[axis] if isinstance(padding, tuple) else padding
    return (p, 0) if axis == 0 else (0, p)


def spatial(c: Conv) -> tuple[Stage, ...]:
    """Spatially separable: Kx1 convolution to C_out, then 1xK convolution."""
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
    return c.kernel_size[0] * c.kernel_size[1]


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
        grid = standard(probe)[0].output.hw
        if any(s.output.hw != grid for s in self.stages(probe) if s.kind != "add"):
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
