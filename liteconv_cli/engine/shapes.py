"""Feature-map shapes and window output sizes of any rank, as PyTorch computes them.

A feature map is a channel count and 0 to 3 spatial dims (``Conv1d``: ``(L,)``, ``Conv2d``:
``(H, W)``, ``Conv3d``: ``(D, H, W)``). Every window rule here takes one value per spatial
dim, so one formula serves every rank (fvcore's conv handle does the same).

Padding: ``same`` pads ``dilation * (K - 1)`` in total along a dim, the extra pixel of an even
kernel going to the end (bottom/right) as PyTorch does, so the output is ``ceil(L / stride)``;
for odd K this equals torchvision's usual ``padding = dilation * (K - 1) // 2``. ``valid``
pads nothing. An integer pads that many on each side of every dim; a tuple gives one value per
dim (both sides), as ``torch.nn.Conv2d(padding=(1, 2))``.
"""

from functools import lru_cache
from math import prod

from ..errors import InvalidValue

Dims = tuple[int, ...]
Pair = tuple[int, int]  # kept for the 2-D callers
Padding = str | int | tuple[int, ...]


class Shape(tuple):
    """A feature map: ``Shape(c, *dims)``, channels then 0 to 3 spatial dims.

    ``Shape(64, 56, 56)`` is a 2-D map, ``Shape(1, 32000)`` a 1-D signal, ``Shape(3, 16, 112,
    112)`` a clip; ``Shape(64)`` has no spatial dims (a vector, or a layer costed per output
    position). Immutable and hashable (a tuple). ``None`` dims are dropped, so
    ``Shape(64, None, None) == Shape(64)``.
    """

    __slots__ = ()

    def __new__(cls, c: int, *dims: int | None) -> "Shape":
        if None in dims:
            dims = ()
        return tuple.__new__(cls, (c, *dims))

    @classmethod
    def of(cls, c: int, dims: Dims | None) -> "Shape":
        """The shape with ``c`` channels and spatial ``dims`` (None: no spatial dims)."""
        return tuple.__new__(cls, (c,) if dims is None else (c, *dims))

    def __getnewargs__(self) -> tuple[int, ...]:  # pickling and copy
        return tuple(self)

    @property
    def c(self) -> int:
        """Channels."""
        return self[0]

    @property
    def dims(self) -> Dims:
        """The spatial dims, ``()`` for none."""
        return tuple(self[1:])

    @property
    def rank(self) -> int:
        """How many spatial dims (0 to 3)."""
        return len(self) - 1

    @property
    def size(self) -> Dims | None:
        """The spatial dims, or None when there are none (per output position)."""
        return tuple(self[1:]) if len(self) > 1 else None

    @property
    def h(self) -> int | None:
        """Height: the second-last spatial dim of a map of rank >= 2 (None otherwise)."""
        return self[-2] if len(self) >= 3 else None

    @property
    def w(self) -> int | None:
        """Width: the last spatial dim of a map of rank >= 2 (None otherwise)."""
        return self[-1] if len(self) >= 3 else None

    @property
    def hw(self) -> Pair | None:
        """(height, width) of a 2-D map, or None for any other rank."""
        return (self[1], self[2]) if len(self) == 3 else None

    @property
    def positions(self) -> int:
        """Number of spatial positions: the product of the dims (1 with none)."""
        return prod(self[1:])

    @property
    def elements(self) -> int:
        """Number of values in the map: C x prod(dims)."""
        return prod(self)

    def __str__(self) -> str:
        return "x".join(map(str, self))

    def __repr__(self) -> str:
        return f"Shape({', '.join(map(repr, self))})"

    def _replace(self, **changes: object) -> "Shape":
        """A copy with ``c`` or ``dims`` changed."""
        c = changes.pop("c", self[0])
        dims = changes.pop("dims", self[1:])
        if changes:
            raise TypeError(f"unexpected fields {', '.join(changes)}")
        return Shape.of(c, tuple(dims))  # type: ignore[arg-type]


def dims_of(value: int | Dims, rank: int, field: str = "kernel_size") -> Dims:
    """``value`` as one positive integer per spatial dim (an integer stands for all).

    Raises InvalidValue if a value is not a positive integer or a tuple has the wrong length.
    """
    if type(value) is int:
        if value < 1:
            raise InvalidValue(field, value, "is not a positive integer")
        return (value,) * rank
    if isinstance(value, list):
        value = tuple(value)
    if type(value) is not tuple:
        raise InvalidValue(field, value, "is not an integer or a list of integers")
    if len(value) != rank:
        raise InvalidValue(field, _text(value), f"has {len(value)} values for {rank} spatial dims")
    for v in value:
        if type(v) is not int or v < 1:
            raise InvalidValue(field, _text(value), "is not a list of positive integers")
    return value


def pair(value: int | Pair) -> Pair:
    """(v, v) for an integer, the pair itself otherwise."""
    if isinstance(value, tuple):
        return value
    return (value, value)


def _text(value: object) -> str:
    if isinstance(value, tuple | list):
        return "x".join(map(str, value))
    return str(value)


def pads(padding: Padding, kernel: Dims, dilation: Dims) -> tuple[Pair, ...]:
    """The (before, after) padding of every spatial dim.

    ``same``: ``d(K-1)`` in total, ``floor`` of half before and the rest after (PyTorch);
    ``valid``: none; an integer: that many on both sides of every dim; a tuple: one value per
    dim, both sides. Raises InvalidValue for anything else.
    """
    rank = len(kernel)
    if padding == "same":
        out = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            out.append((total // 2, total - total // 2))
        return tuple(out)
    if padding == "valid":
        return ((0, 0),) * rank
    if type(padding) is int and padding >= 0:
        return ((padding, padding),) * rank
    if isinstance(padding, tuple) and len(padding) == rank and all(type(p) is int and p >= 0 for p in padding):
        return tuple((p, p) for p in padding)
    if isinstance(padding, tuple) and len(padding) != rank:
        raise InvalidValue("padding", _text(padding), f"has {len(padding)} values for {rank} spatial dims")
    raise InvalidValue("padding", padding, "is not 'same', 'valid' or a non-negative integer (or one per dim)")


def pad_total(padding: Padding, axis: int, kernel: int, dilation: int) -> int:
    """Total padding along one axis, both sides added (the 2-D callers' helper)."""
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
    size: int, kernel: int, stride: int, total_pad: int, dilation: int, field: str = "kernel_size",
    ceil_mode: bool = False, pad_before: int | None = None,
) -> int:
    """Output length of a sliding window along one dim (torch.nn.Conv/MaxPool/AvgPool).

    ``floor((size + pad - dilation*(kernel-1) - 1) / stride) + 1``; with ``ceil_mode``
    (pooling only) the division rounds up, and a last window that would start in the right
    padding is dropped (PyTorch's rule: ``(out - 1) * stride >= size + pad_before`` drops it).
    Raises InvalidValue if the window does not fit the padded input.
    """
    span = dilation * (kernel - 1) + 1
    if size + total_pad < span:
        raise InvalidValue(
            field,
            kernel if dilation == 1 else f"{kernel} (dilation {dilation}, span {span})",
            f"is larger than the padded input ({size} + {total_pad} padding = {size + total_pad})",
        )
    if not ceil_mode:
        return (size + total_pad - span) // stride + 1
    out = -(-(size + total_pad - span) // stride) + 1
    before = total_pad // 2 if pad_before is None else pad_before
    if (out - 1) * stride >= size + before:
        out -= 1
    return out


def conv_output(size: Dims, kernel: Dims, stride: Dims, padding: Padding, dilation: Dims) -> Dims:
    """Output spatial dims of a convolution or pooling window (any rank; cached)."""
    try:
        return _cached_output(size, kernel, stride, padding, dilation)
    except TypeError:  # an unhashable argument (a list): no cache
        return _output(size, kernel, stride, padding, dilation)


def _output(size: Dims, kernel: Dims, stride: Dims, padding: Padding, dilation: Dims) -> Dims:
    if len(size) != len(kernel):
        raise InvalidValue("kernel_size", _text(kernel), f"has {len(kernel)} values for {len(size)} spatial dims")
    if padding == "same" or padding == "valid":
        return tuple(
            window_output(n, k, s, d * (k - 1) if padding == "same" else 0, d)
            for n, k, s, d in zip(size, kernel, stride, dilation, strict=True)
        )
    if type(padding) is int:
        return tuple(window_output(n, k, s, 2 * padding, d) for n, k, s, d in zip(size, kernel, stride, dilation,
                                                                                    strict=True))
    p = pads(padding, kernel, dilation)
    return tuple(window_output(n, k, s, a + b, d) for n, k, s, (a, b), d in zip(size, kernel, stride, p, dilation,
                                                                                   strict=True))


# a sweep asks for the same few grids over and over (an InvalidValue is raised each time, never cached)
_cached_output = lru_cache(maxsize=4096)(_output)

#: the 2-D names kept for callers written before ranks: the same functions
conv_output_hw = conv_output
_cached_output_hw = _cached_output


def transposed_output(size: Dims, kernel: Dims, stride: Dims, padding: Dims, output_padding: Dims,
                      dilation: Dims) -> Dims:
    """Output dims of torch.nn.ConvTransposeNd:
    ``(L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1``.

    Raises InvalidValue if an output_padding is not smaller than its stride or dilation
    (PyTorch's rule) or an output would be empty.
    """
    out = []
    for n, k, s, p, op, d in zip(size, kernel, stride, padding, output_padding, dilation, strict=True):
        if op >= s and op >= d:
            raise InvalidValue("output_padding", _text(output_padding),
                               "must be smaller than the stride or the dilation (PyTorch's rule)")
        o = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        if o < 1:
            raise InvalidValue("padding", _text(padding), f"leaves an empty output ({o}) for input {n}")
        out.append(o)
    return tuple(out)
