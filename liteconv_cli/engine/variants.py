"""One pure function per convolution variant, and the VARIANTS table that lists them.

Every variant maps a frozen :class:`Conv` description to a frozen :class:`Estimate`: the
stages it runs (each a plain convolution costed by :func:`conv2d`, or a residual add) and
their summed :class:`~liteconv_cli.engine.cost.Cost`. Composite variants are built from
the simple ones with ``dataclasses.replace``; no formula is typed twice. The counting
convention (what a MAC, a parameter and a FLOP are) is stated in ``cost.py``.

Without an input size (``size=None``) every stage is costed for one output position of
its own output map: MACs are then "per output position" and stride plays no part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InvalidValue
from .cost import Cost, total
from .shapes import Padding, Pair, Shape, conv_output_hw

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


@dataclass(frozen=True, slots=True)
class Conv:
    """One convolution layer as torch.nn.Conv2d describes it, plus BatchNorm and variant knobs.

    ``size`` is the input (H, W); None costs one output position. Defaults follow
    torch.nn.Conv2d (bias on, stride 1, dilation 1, groups 1) except padding, which is
    ``same`` so that a layer keeps its size at stride 1.
    """

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

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "kernel_size", _positive_pair("kernel_size", self.kernel_size))
        setattr_(self, "stride", _positive_pair("stride", self.stride))
        setattr_(self, "dilation", _positive_pair("dilation", self.dilation))
        if self.size is not None:
            setattr_(self, "size", _positive_pair("size", self.size))
        _positive("in_channels", self.in_channels)
        _positive("out_channels", self.out_channels)
        _positive("groups", self.groups)
        _positive("expansion", self.expansion)
        _positive("depth_multiplier", self.depth_multiplier)
        p = self.padding
        if isinstance(p, tuple):
            if len(p) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in p):
                raise InvalidValue("padding", p, "is not a pair of non-negative integers")
        elif p not in ("same", "valid") and (isinstance(p, bool) or not isinstance(p, int) or p < 0):
            raise InvalidValue("padding", p, "is not 'same', 'valid' or a non-negative integer")
        if self.in_channels % self.groups:
            raise InvalidValue("groups", self.groups, f"does not divide in_channels={self.in_channels}")
        if self.out_channels % self.groups:
            raise InvalidValue("groups", self.groups, f"does not divide out_channels={self.out_channels}")

    @property
    def input(self) -> Shape:
        """The input feature map."""
        return Shape(self.in_channels, *self.size) if self.size else Shape(self.in_channels)


def conv_kind(c: Conv) -> str:
    """standard, pointwise, depthwise or grouped, by groups and kernel.

    depthwise: groups = C_in > 1 (the shared/reference tools also require C_out = C_in, and so
    call a depthwise layer with a depth multiplier "grouped"; no shipped network has one).
    """
    if c.groups > 1:
        return "depthwise" if c.groups == c.in_channels else "grouped"
    return "pointwise" if c.kernel_size == (1, 1) else "standard"


@dataclass(frozen=True, slots=True)
class Stage:
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
    kh, kw = c.kernel_size
    if c.size is None:
        out = Shape(c.out_channels)
    else:
        out = Shape(c.out_channels, *conv_output_hw(c.size, c.kernel_size, c.stride, c.padding, c.dilation))
    weights = c.out_channels * (c.in_channels // c.groups) * kh * kw
    cost = Cost(
        weights=weights,
        bias=c.out_channels if c.bias else 0,
        bn=2 * c.out_channels if c.batchnorm else 0,
        macs=weights * out.positions,
        bias_adds=out.elements if c.bias else 0,
        bn_elements=out.elements if c.batchnorm else 0,
    )
    return Stage(name, conv_kind(c), c.input, out, cost, c.kernel_size, c.stride, c.groups)


def residual_add(shape: Shape, name: str = "shortcut") -> Stage:
    """The identity shortcut: one add per output element, no parameters."""
    return Stage(name, "add", shape, shape, Cost(elementwise=shape.elements))


def after(c: Conv, stage: Stage, **changes: object) -> Conv:
    """The layer ``c`` re-described to take ``stage``'s output as its input."""
    return replace(c, in_channels=stage.output.c, size=stage.output.hw, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Estimate:
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
        return total(s.cost for s in self.stages)


# ---------------------------------------------------------------- the variants


def standard(c: Conv) -> tuple[Stage, ...]:
    """Standard convolution: every output channel sees every input channel (groups = 1)."""
    return (conv2d(c if c.groups == 1 else replace(c, groups=1), "conv"),)


def grouped(c: Conv) -> tuple[Stage, ...]:
    """Grouped convolution: G groups, each mapping C_in/G input channels to C_out/G outputs."""
    return (conv2d(c, f"conv g={c.groups}"),)


def depthwise(c: Conv) -> tuple[Stage, ...]:
    """Depthwise convolution: one KxK filter per input channel (C_out = C_in x multiplier)."""
    dw = replace(c, out_channels=c.in_channels * c.depth_multiplier, groups=c.in_channels)
    return (conv2d(dw, "depthwise"),)


def pointwise(c: Conv) -> tuple[Stage, ...]:
    """Pointwise convolution: a 1x1 convolution that mixes channels at each position."""
    return (conv2d(replace(c, kernel_size=(1, 1), padding=0, dilation=(1, 1), groups=1), "pointwise"),)


def separable(c: Conv) -> tuple[Stage, ...]:
    """Depthwise separable (MobileNet): depthwise KxK, then pointwise 1x1."""
    (dw,) = depthwise(c)
    (pw,) = pointwise(after(c, dw, stride=(1, 1)))
    return (dw, pw)


def lite(c: Conv) -> tuple[Stage, ...]:
    """Lite (OSNet): pointwise 1x1 to C_out, then depthwise KxK."""
    (pw,) = pointwise(replace(c, stride=(1, 1), depth_multiplier=1))
    (dw,) = depthwise(after(c, pw, out_channels=c.out_channels, depth_multiplier=1))
    return (pw, dw)


def inverted_residual(c: Conv) -> tuple[Stage, ...]:
    """Inverted residual (MobileNetV2): 1x1 expand by t, depthwise KxK, linear 1x1 project."""
    stages: list[Stage] = []
    hidden = c.in_channels * c.expansion
    if c.expansion != 1:  # torchvision omits the expansion when t = 1
        (expand,) = pointwise(replace(c, out_channels=hidden, stride=(1, 1)))
        stages.append(replace(expand, name="expand"))
        dw_in = after(c, expand, out_channels=hidden, depth_multiplier=1)
    else:
        dw_in = replace(c, out_channels=hidden, depth_multiplier=1)
    (dw,) = depthwise(dw_in)
    (project,) = pointwise(after(c, dw, stride=(1, 1)))
    stages += [dw, replace(project, name="project")]
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
    vertical = replace(c, kernel_size=(kh, 1), stride=(sh, 1), dilation=(dh, 1), groups=1,
                       padding=_axis_padding(c.padding, 0))
    col = conv2d(vertical, "vertical")
    horizontal = after(c, col, kernel_size=(1, kw), stride=(1, sw), dilation=(1, dw), groups=1,
                       padding=_axis_padding(c.padding, 1))
    row = conv2d(horizontal, "horizontal")
    return (col, row)


# ------------------------------------------------------- closed-form MAC ratios


def _k2(c: Conv) -> int:
    return c.kernel_size[0] * c.kernel_size[1]


def _frac(numerator: int, denominator: int = 1) -> Fraction:
    from fractions import Fraction  # imported on use: it costs start-up time every command would pay

    return Fraction(numerator, denominator)


class Variant(NamedTuple):
    """A row of the VARIANTS table: the function, and its closed-form MAC ratio to standard."""

    stages: Callable[[Conv], tuple[Stage, ...]]
    ratio_text: str = ""
    ratio: Callable[[Conv], Fraction] | None = None

    @property
    def help(self) -> str:
        """The first line of the function's docstring: the text users see."""
        return (self.stages.__doc__ or "").strip().splitlines()[0]

    def closed_form(self, c: Conv) -> Fraction | None:
        """The closed-form MACs ratio to standard where it holds exactly, else None.

        The closed forms assume every stage runs on the standard convolution's output grid
        (and no depth multiplier); where a stage does not (a pointwise stage before a strided
        or unpadded depthwise, say), the measured ratio is the only honest one.
        """
        if self.ratio is None or c.depth_multiplier != 1:
            return None
        probe = c
        if c.size is None:  # per position: probe the grids on a map the stride and kernel fit
            spans = zip(c.stride, c.dilation, c.kernel_size, strict=True)
            probe = replace(c, size=tuple(2 * s * (d * (k - 1) + 1) for s, d, k in spans))
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
    return Estimate(variant, c, row.stages(c))
