"""Output sizes of convolution and pooling windows, as torch.nn.Conv2d computes them.

``same`` padding pads ``dilation * (K - 1)`` in total along an axis, the extra pixel of an
even kernel going to the bottom/right as PyTorch does, so the output is ``ceil(H / stride)``;
for odd K this equals torchvision's usual ``padding = dilation * (K - 1) // 2``.
``valid`` pads nothing. An integer pads that many pixels on each side.
"""

from functools import lru_cache
from typing import NamedTuple

from ..errors import InvalidValue
from .records import dataclass_api

Pair = tuple[int, int]
Padding = str | int | tuple[int, int]


@dataclass_api
class Shape(NamedTuple):
    """A feature map: channels, height and width (height/width None = per output position)."""

    c: int
    h: int | None = None
    w: int | None = None

    @property
    def hw(self) -> Pair | None:
        """(height, width), or None when the size is not known."""
        return None if self.h is None or self.w is None else (self.h, self.w)

    @property
    def positions(self) -> int:
        """Number of spatial positions (1 when the size is not known)."""
        _, h, w = self
        return 1 if h is None or w is None else h * w

    @property
    def elements(self) -> int:
        """Number of values in the map: C x H x W."""
        c, h, w = self
        return c if h is None or w is None else c * h * w

    def __str__(self) -> str:
        if self.h is None or self.w is None:
            return f"{self.c}"
        return f"{self.c}x{self.h}x{self.w}"


def pair(value: int | Pair) -> Pair:
    """(v, v) for an integer, the pair itself otherwise."""
    if isinstance(value, tuple):
        return value
    return (value, value)


def pad_total(padding: Padding, axis: int, kernel: int, dilation: int) -> int:
    """Total padding along one axis (0 = height, 1 = width), both sides added."""
    if padding == "same":
        return dilation * (kernel - 1)
    if padding == "valid":
        return 0
    if isinstance(padding, tuple):
        return 2 * padding[axis]
    if isinstance(padding, int) and not isinstance(padding, bool):
        return 2 * padding
    raise InvalidValue("padding", padding, "is not 'same', 'valid' or a non-negative integer")


def window_output(
    size: int, kernel: int, stride: int, total_pad: int, dilation: int, field: str = "kernel_size"
) -> int:
    """floor((size + pad - dilation*(kernel-1) - 1) / stride) + 1, or InvalidValue if empty."""
    span = dilation * (kernel - 1) + 1
    if size + total_pad < span:
        raise InvalidValue(
            field,
            kernel if dilation == 1 else f"{kernel} (dilation {dilation}, span {span})",
            f"is larger than the padded input ({size} + {total_pad} padding = {size + total_pad})",
        )
    return (size + total_pad - span) // stride + 1


def conv_output_hw(
    hw: Pair, kernel: Pair, stride: Pair, padding: Padding, dilation: Pair
) -> Pair:
    """Output (H, W) of a convolution or pooling window."""
    try:
        return _cached_output_hw(hw, kernel, stride, padding, dilation)
    except TypeError:  # an unhashable argument (a list): no cache
        return _output_hw(hw, kernel, stride, padding, dilation)


def _output_hw(hw: Pair, kernel: Pair, stride: Pair, padding: Padding, dilation: Pair) -> Pair:
    return (
        window_output(hw[0], kernel[0], stride[0], pad_total(padding, 0, kernel[0], dilation[0]), dilation[0]),
        window_output(hw[1], kernel[1], stride[1], pad_total(padding, 1, kernel[1], dilation[1]), dilation[1]),
    )


# a sweep asks for the same few grids over and over (an InvalidValue is raised each time, never cached)
_cached_output_hw = lru_cache(maxsize=4096)(_output_hw)
