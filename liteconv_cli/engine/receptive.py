"""Receptive fields: which input pixels each row's output depends on, per spatial dimension.

Following Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural
Networks", Distill 2019 (doi:10.23915/distill.00021). Along one spatial dimension, a row
with kernel ``k``, stride ``s``, dilation ``d`` and ``p`` pixels of padding before the first
input maps the field of its input (size ``r``, jump ``j``, centre ``c`` of the first
position's field) to its output's::

    k' = d (k - 1) + 1                # the kernel's span
    r_out = r_in + (k' - 1) j_in      # receptive field size, in input pixels
    j_out = j_in s                    # effective stride (jump): input pixels between outputs
    c_out = c_in + ((k' - 1) / 2 - p) j_in   # centre of the first output's field

starting from ``r = 1, j = 1, c = 0`` at the network's input (pixel ``i`` is at ``i``). Over a
chain this is the article's closed form ``r = 1 + sum (k'_l - 1) prod_{i<l} s_i``; its
"effective padding" is ``P = (r - 1) / 2 - c`` for a symmetric field, and the first output's
field spans input pixels ``c - (r - 1)/2 .. c + (r - 1)/2`` (negative: padding).

Other rows: elementwise rows (activation, BatchNorm, add, multiply, concat, channel shuffle,
flatten to a vector) keep the field; a fully connected layer, global pooling and attention
see every position: ``r_out = r_in + (n - 1) j_in`` over the ``n`` input positions. Adaptive
pooling whose output divides its input is a window ``k = s = n_in / n_out``; otherwise its
largest window is used (``ceil((i+1) n / m) - floor(i n / m)``) with the mean stride ``n / m``,
and the row is marked ``approximate``. Transposed convolutions, upsampling and pixel
shuffle divide the jump (``j / s``): the field of one output then spans
``ceil(k' / s)`` inputs at most, the largest over output positions.

On a graph (a residual add, a concat, ``from:``), a row's field along each dimension is the
largest over the tensors it reads: the largest over every path into it (the article's
"arbitrary computation graphs", where aligned paths share jump and centre).

Sizes, jumps and centres are integers, or exact fractions after a transposed convolution or
an upsampling (halves for centres of even kernels).
"""

from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

from .dataflow import dataflow

Number = Any  # an int, or a fractions.Fraction once a jump is fractional

#: elementwise rows: the field passes through unchanged
PASS_OPS = frozenset((
    "activation", "batchnorm", "layernorm", "groupnorm", "instancenorm", "layer_scale", "add", "mul", "concat",
    "shuffle", "identity", "dropout", "linear", "softmax", "channel_shuffle",
))
#: rows that see every input position
GLOBAL_OPS = frozenset(("fc", "attention", "qk", "av", "matmul"))
#: rows that turn positions into channels or back
_UPSCALE_OPS = ("upsample", "pixel_shuffle", "conv_transpose")


class Field(NamedTuple):
    """The receptive field along one spatial dimension of the input, in input pixels.

    ``size`` (r): how many input pixels one output position depends on; ``jump`` (j): input
    pixels between two adjacent output positions (the effective stride); ``centre`` (c): the
    centre of the first output position's field (0 = the centre of the first input pixel;
    negative = in the padding). Source: Araujo et al., Distill 2019.
    """

    size: Number
    jump: Number
    centre: Number

    @property
    def start(self) -> Number:
        """The first input pixel of the first output's field (negative: in the padding)."""
        if _is_fraction(self.size, self.centre):
            from fractions import Fraction

            return Fraction(self.centre) - Fraction(self.size - 1) / 2
        return _half(2 * self.centre - (self.size - 1))

    @property
    def padding(self) -> Number:
        """The article's effective padding P = -start: pixels of padding the first field reaches."""
        return -self.start


class RowField(NamedTuple):
    """The receptive field of one row's output: one :class:`Field` per spatial dim of the input."""

    fields: tuple[Field, ...]
    approximate: bool = False  # an adaptive pooling with uneven windows, upsampling: the largest window
    global_context: bool = False  # a broadcast gate (SE) or pooled branch reaches it: every pixel counts
    inputs: tuple[Field, ...] = ()  # the field of the input the row was folded from (the largest path)

    @property
    def size(self) -> tuple[Number, ...]:
        """The field size per dimension."""
        return tuple(f.size for f in self.fields)

    @property
    def jump(self) -> tuple[Number, ...]:
        """The effective stride per dimension."""
        return tuple(f.jump for f in self.fields)

    @property
    def centre(self) -> tuple[Number, ...]:
        """The first output's field centre per dimension."""
        return tuple(f.centre for f in self.fields)


def _is_fraction(*values: object) -> bool:
    return any(type(v) is not int for v in values)


def _half(twice: int) -> Number:
    """twice / 2 as an int when even, else an exact Fraction."""
    if twice % 2 == 0:
        return twice // 2
    from fractions import Fraction

    return Fraction(twice, 2)


def _frac(a: int, b: int) -> Number:
    """a / b exactly: an int when b divides a."""
    if a % b == 0:
        return a // b
    from fractions import Fraction

    return Fraction(a, b)


def dims(shape: Any) -> tuple[int, ...] | None:
    """The spatial dims of a Shape (``Shape(c, size)`` or the older ``Shape(c, h, w)``); None if unknown."""
    size = getattr(shape, "size", None)
    if isinstance(size, tuple) or size is None and "size" in getattr(shape, "_fields", ()):
        return size
    h, w = getattr(shape, "h", None), getattr(shape, "w", None)
    return None if h is None or w is None else (h, w)


def _per_dim(value: Any, rank: int) -> tuple[Any, ...]:
    if isinstance(value, tuple | list):
        if len(value) == rank:
            return tuple(value)
        if len(value) == 1:
            return tuple(value) * rank
    return (value,) * rank


# ------------------------------------------------------------------ padding of a row


def _layer_at(network: Any, path: Sequence[int]) -> Any:
    """The spec layer a row's path points at (older engines: rows carry no padding)."""
    layers = getattr(network, "layers", ())
    layer = None
    i = 0
    while i < len(path):
        idx = path[i] - 1
        if not 0 <= idx < len(layers):
            return layer
        layer = layers[idx]
        i += 1
        if hasattr(layer, "branches") and i + 1 < len(path):
            j = path[i] - 1
            if not 0 <= j < len(layer.branches):
                return layer
            layers = layer.branches[j]
            i += 1
        elif hasattr(layer, "layers"):
            layers = layer.layers
        else:
            break
    return layer


def _pad_before(padding: Any, dim: int, rank: int, span: int) -> int | None:
    """Pixels padded before the input along ``dim`` for a spec padding value, or None if unknown."""
    if padding == "same":
        return (span - 1) // 2
    if padding == "valid":
        return 0
    if isinstance(padding, bool):
        return None
    if isinstance(padding, int):
        return padding
    if isinstance(padding, tuple | list) and len(padding) == rank:
        v = padding[dim]
        if isinstance(v, tuple | list):  # (before, after)
            return int(v[0])
        return int(v) if isinstance(v, int) else None
    return None


def window(row: Any, network: Any = None) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...],
                                                  tuple[int, ...]] | None:
    """(kernel, stride, dilation, padding before) per spatial dim of a windowed row, or None.

    Reads ``Row.padding`` and ``Row.dilation`` where the engine records them; for older rows
    the padding and dilation of the spec layer at the row's path (1x1 convolutions pad
    nothing). When neither gives a padding consistent with the row's shapes, the smallest
    padding that gives its output size is taken, split as PyTorch splits ``same`` padding.
    """
    if row.kernel is None:
        return None
    ins, outs = dims(row.input), dims(row.output)
    rank = len(ins) if ins is not None else len(row.kernel)
    kernel = _per_dim(row.kernel, rank)
    stride = _per_dim(row.stride if row.stride is not None else 1, rank)
    dilation_field = getattr(row, "dilation", None)
    padding_field = getattr(row, "padding", None)
    layer = None
    if dilation_field is None or padding_field is None:
        layer = _layer_at(network, row.path) if network is not None else None
    if dilation_field is not None:
        dilation = _per_dim(dilation_field, rank)
    elif all(k == 1 for k in kernel) or layer is None or row.op not in ("conv",):
        dilation = (1,) * rank
    else:
        dilation = _per_dim(getattr(layer, "dilation", 1) or 1, rank)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    before: list[int | None] = []
    for i in range(rank):
        if padding_field is not None:
            p = padding_field[i] if isinstance(padding_field, tuple | list) and len(padding_field) == rank \
                else padding_field
            before.append(int(p[0]) if isinstance(p, tuple | list) else int(p))
        elif all(k == 1 for k in kernel) and row.op != "max_pool" and row.op != "avg_pool":
            before.append(0)
        else:
            pad = getattr(layer, "padding", None) if layer is not None else None
            before.append(_pad_before(pad, i, rank, spans[i]) if pad is not None else None)
    # check against the shapes; infer where unknown or inconsistent
    out_pad: list[int] = []
    for i in range(rank):
        b = before[i]
        if ins is None or outs is None or len(outs) != rank:
            out_pad.append(b or 0)
            continue
        n, m, s, span = ins[i], outs[i], stride[i], spans[i]
        if padding_field is not None and b is not None:  # the engine's own record: trusted
            out_pad.append(b)
            continue
        if b is not None and (n + 2 * b - span) // s + 1 in (m, m - 1, m + 1):  # ceil_mode and asymmetric same
            out_pad.append(b)
            continue
        total = max(0, (m - 1) * s + span - n)
        out_pad.append(total // 2)
    return kernel, stride, dilation, tuple(out_pad)


# ------------------------------------------------------------------ the fold


def _global(f: Field, n: int) -> Field:
    """A row that reads all ``n`` positions of its input (FC, global pooling, attention)."""
    return Field(f.size + (n - 1) * f.jump, f.jump * n, f.centre + _frac(n - 1, 2) * f.jump)


def _through(row: Any, fields: tuple[Field, ...], network: Any) -> tuple[tuple[Field, ...], bool]:
    """The output fields of a row from the fields of the input it reads."""
    op = row.op
    ins, outs = dims(row.input), dims(row.output)
    if op in GLOBAL_OPS or op == "flatten" and ins is not None and any(n > 1 for n in ins):
        if ins is None:
            return fields, False
        return tuple(_global(f, n) for f, n in zip(fields, _spatial(ins, fields), strict=True)), False
    if op.startswith("adaptive_") and ins is not None and outs is not None:
        out_fields = []
        approx = False
        for f, n, m in zip(fields, _spatial(ins, fields), _spatial(outs, fields), strict=True):
            if m >= 1 and n % m == 0:
                k = n // m
                out_fields.append(Field(f.size + (k - 1) * f.jump, f.jump * k, f.centre + _frac(k - 1, 2) * f.jump))
            else:
                k = max(-(-(i + 1) * n // m) - (i * n // m) for i in range(m))
                first = -(-n // m)
                out_fields.append(Field(f.size + (k - 1) * f.jump, f.jump * _frac(n, m),
                                        f.centre + _frac(first - 1, 2) * f.jump))
                approx = True
        return tuple(out_fields), approx
    if op in _UPSCALE_OPS or op == "pixel_shuffle":
        return _upscale(row, fields, ins, outs, network)
    if op == "pixel_unshuffle" and ins is not None and outs is not None:
        out_fields = []
        for f, n, m in zip(fields, _spatial(ins, fields), _spatial(outs, fields), strict=True):
            k = n // m if m else 1
            out_fields.append(Field(f.size + (k - 1) * f.jump, f.jump * k, f.centre + _frac(k - 1, 2) * f.jump))
        return tuple(out_fields), False
    w = window(row, network) if row.kernel is not None and op != "fc" else None
    if w is not None:
        kernel, stride, dilation, before = w
        if len(kernel) != len(fields):
            return fields, False
        out = []
        for f, k, s, d, p in zip(fields, kernel, stride, dilation, before, strict=True):
            span = d * (k - 1) + 1
            out.append(Field(f.size + (span - 1) * f.jump, f.jump * s, f.centre + (_frac(span - 1, 2) - p) * f.jump))
        return tuple(out), False
    pad = getattr(row, "padding", None)
    if op in ("pad", "crop") and pad is not None:
        return tuple(Field(f.size, f.jump, f.centre - int(p[0] if isinstance(p, tuple | list) else p) * f.jump)
                     for f, p in zip(fields, _per_dim(pad, len(fields)), strict=False)), False
    return fields, False


def _spatial(size: tuple[int, ...], fields: tuple[Field, ...]) -> tuple[int, ...]:
    """Spatial dims aligned with the fields (a vector or a rank change: every position as one dim)."""
    if len(size) == len(fields):
        return size
    if not size:
        return (1,) * len(fields)
    return tuple(size[-len(fields):]) if len(size) > len(fields) else (1,) * (len(fields) - len(size)) + size


def _upscale(row: Any, fields: tuple[Field, ...], ins: tuple[int, ...] | None, outs: tuple[int, ...] | None,
             network: Any) -> tuple[tuple[Field, ...], bool]:
    """Transposed convolution, upsampling, pixel shuffle: the jump is divided by the scale."""
    if ins is None or outs is None:
        return fields, True
    out = []
    w = window(row, network) if row.kernel is not None else None
    for i, (f, n, m) in enumerate(zip(fields, _spatial(ins, fields), _spatial(outs, fields), strict=True)):
        if w is not None and row.op == "conv_transpose":
            k, s, d, p = w[0][i], w[1][i], w[2][i], w[3][i]
            span = d * (k - 1) + 1
            reach = -(-span // s)  # inputs one output reads, at most
            jump = f.jump / s if _is_fraction(f.jump) else _frac(f.jump, s)
            # output o sits at input coordinate (o + p - (span - 1) / 2) / s
            offset = (p - _frac(span - 1, 2))
            offset = offset / s if _is_fraction(offset) else _frac(offset, s)
            out.append(Field(f.size + (reach - 1) * f.jump, jump, f.centre + offset * f.jump))
        else:
            scale = _frac(m, n) if n else 1
            jump = f.jump / scale if _is_fraction(f.jump, scale) else _frac(f.jump, scale)
            extra = 0 if row.op == "pixel_shuffle" else f.jump  # interpolation reads two neighbours
            out.append(Field(f.size + extra, jump, f.centre))
    return tuple(out), row.op == "upsample"


def _largest(candidates: Sequence[tuple[Field, ...]]) -> tuple[Field, ...]:
    """Per dimension, the field of the largest size among several paths (ties: the larger jump)."""
    if len(candidates) == 1:
        return candidates[0]
    rank = min(len(c) for c in candidates)
    return tuple(max((c[i] for c in candidates), key=lambda f: (f.size, f.jump)) for i in range(rank))


def receptive_fields(result: Any) -> list[RowField]:
    """The receptive field of every row's output (a list parallel to ``result.rows``).

    ``result`` is a walked :class:`~liteconv_cli.engine.network.NetworkCost`. Fields are per
    spatial dimension of the network's input (its first input when it has several). A row
    that reads several tensors takes, per dimension, the largest field among the tensors
    that keep its positions; a tensor broadcast over them (one position: an SE gate, an
    image-pooling branch) is left out and the row marked ``global_context``: through it,
    every output depends on the whole input, and the field shown is the local one.
    Raises nothing for a well-formed walk; a row whose input the dataflow cannot place keeps
    the input's field.
    """
    flow = dataflow(result)
    in_dims = dims(result.input) or ()
    start = tuple(Field(1, 1, 0) for _ in in_dims)
    first: _Known = (start, False, False, in_dims)
    known: dict[Hashable, _Known] = {s: first for s in flow.sources}
    network = getattr(result, "network", None)
    out: list[RowField] = []
    for row, reads, writes in zip(result.rows, flow.reads, flow.writes, strict=True):
        got = [known.get(t) or known.get(flow.root(t)) or first for t in reads] or [first]
        positions = _positions(dims(row.input))
        local = [g for g in got if _positions(g[3]) == positions or positions is None] if len(got) > 1 else got
        context = any(g[2] for g in got) or len(local) < len(got)
        fields = _largest([g[0] for g in (local or got)])
        approx = any(g[1] for g in local or got)
        new, a = _through(row, fields, network)
        known[writes] = (new, approx or a, context, dims(row.output))
        out.append(RowField(new, approx or a, context, fields))
    return out


_Known = tuple[tuple[Field, ...], bool, bool, "tuple[int, ...] | None"]


def _positions(size: tuple[int, ...] | None) -> int | None:
    if size is None:
        return None
    n = 1
    for v in size:
        n *= v
    return n


def text(value: Number) -> str:
    """A size, jump or centre for people: ``7``, ``-1.5``, ``0.25``."""
    if type(value) is int:
        return str(value)
    f = float(value)
    return f"{f:g}"


def field_text(rf: RowField, attr: str) -> str:
    """One attribute (size, jump, centre) of every dimension: ``7x7``, or ``7`` when all equal."""
    values = [text(getattr(f, attr)) for f in rf.fields]
    if not values:
        return ""
    return values[0] if all(v == values[0] for v in values) else "x".join(values)
