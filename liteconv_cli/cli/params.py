"""click parameter types shared by the commands: sizes, padding, and sweep ranges.

A value list is written ``64``, ``3x5`` (height x width), ``1,3,5`` or ``32:512:32``
(start:stop:step, stop included); items combine: ``1,3:7:2``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click

from ..engine.cost import MAX_DIGITS, MAX_WIDTH_MULT

#: most values one range may expand to (a typo like 1:10**12 is an error, not a hang)
MAX_RANGE_VALUES = 10_000_000
#: most HxW values (kernels, sizes, strides, dilations) one option may list: each is a pair kept in
#: memory, and every combination of them is checked before the first row
MAX_PAIR_VALUES = 100_000
#: a comma-separated list whose ranges hold more values than this is kept as its ranges (Chain)
_EXPAND_AT_MOST = 10_000


class Chain(Sequence[int]):
    """The integers of several ranges in a row (``1,3:7:2`` -> 1, 3, 5, 7), never expanded in memory.

    ``pieces`` are the ranges as written (a single value is a range of one), for the json header.
    """

    def __init__(self, pieces: Sequence[range]) -> None:
        self.pieces = tuple(pieces)
        self._len = sum(map(len, self.pieces))

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[int]:
        for piece in self.pieces:
            yield from piece

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        for piece in self.pieces:
            if index < len(piece):
                return piece[index]
            index -= len(piece)
        raise IndexError(index)


def values_json(values: Sequence[Any]) -> Any:
    """A value list for a json header, as compact as it was written: a range (stop included, the
    last value reached) is ``{"start", "stop", "step"}``; pairs are ``[h, w]``; a Chain is the
    list of its pieces (numbers and ranges)."""
    if isinstance(values, range):
        return {"start": values.start, "stop": values[-1], "step": values.step}
    if isinstance(values, Chain):
        return [p[0] if len(p) == 1 else values_json(p) for p in values.pieces]
    return [list(v) if isinstance(v, tuple) else v for v in values]


def _int(text: str) -> int:
    """int(text), refusing more than MAX_DIGITS digits (ValueError, as int() does for junk)."""
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise ValueError(text)
    return int(text)


class ValuesType(click.ParamType):
    """One or more positive integers, or HxW pairs when ``pairs`` (ranges and lists allowed)."""

    def __init__(self, pairs: bool = False, minimum: int = 1, dims: bool = False) -> None:
        self.pairs = pairs or dims
        self.dims = dims  # 1 to 3 values AxBxC; a bare N stays an int (N in every spatial dim)
        self.minimum = minimum
        self.name = "N|AxB[xC]|A:B[:STEP]|LIST" if dims else "N|HxW|A:B[:STEP]|LIST" if pairs else "N|A:B[:STEP]|LIST"

    def _ints(self, item: str, value: str, param: Any, ctx: Any) -> Sequence[int]:
        if ":" in item:
            parts = item.split(":")
            try:
                nums = [_int(p) for p in parts]
            except ValueError:
                self.fail(f"{value!r}: {item!r} is not a range A:B or A:B:STEP of integers", param, ctx)
            if len(nums) not in (2, 3):
                self.fail(f"{value!r}: {item!r} is not a range A:B or A:B:STEP", param, ctx)
            start, stop, step = nums[0], nums[1], nums[2] if len(nums) == 3 else 1
            if step < 1:
                self.fail(f"{value!r}: the step of {item!r} must be a positive integer", param, ctx)
            if stop < start:
                self.fail(f"{value!r}: the range {item!r} is empty (stop < start)", param, ctx)
            if (stop - start) // step + 1 > MAX_RANGE_VALUES:
                self.fail(f"{value!r}: the range {item!r} has over {MAX_RANGE_VALUES:,} values", param, ctx)
            out: Sequence[int] = range(start, stop + 1, step)
        else:
            try:
                out = [_int(item)]
            except ValueError:
                hint = "; a pair is written HxW, such as 1x7" if self.pairs and value.lstrip().startswith(("[", "(")) \
                    else ""
                self.fail(f"{value!r} is not an integer, a range A:B[:STEP] or a list{hint}", param, ctx)
        if out[0] < self.minimum:
            self.fail(f"{value!r}: {out[0]} is below the minimum {self.minimum}", param, ctx)
        return out

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple | range):
            return value
        text = str(value).strip().lower().replace(" ", "")
        if not text or any(not item for item in text.split(",")):
            self.fail(f"{value!r} is empty or has an empty item", param, ctx)
        if not self.pairs and "," not in text and ":" in text:
            return self._ints(text, str(value), param, ctx)  # one range: a range object, never a list
        values: list[Any] = []
        pieces: list[range] = []
        for item in text.split(","):
            if self.pairs and "x" in item:
                parts = item.split("x")
                if len(parts) not in ((2, 3) if self.dims else (2,)):
                    self.fail(f"{value!r}: {item!r} is not {'AxB or AxBxC' if self.dims else 'HxW'}", param, ctx)
                nums = [self._ints(x, str(value), param, ctx) for x in parts]
                if any(len(n) != 1 for n in nums):
                    self.fail(f"{value!r}: a range cannot be used inside {'AxB' if self.dims else 'HxW'}", param, ctx)
                values.append(tuple(n[0] for n in nums))
            else:
                ints = self._ints(item, str(value), param, ctx)
                if self.pairs:
                    if len(values) + len(ints) > MAX_PAIR_VALUES:
                        self.fail(f"{value!r} has over {MAX_PAIR_VALUES:,} values (the most a size, kernel, stride "
                                  "or dilation list may have)", param, ctx)
                    values.extend(ints if self.dims else ((n, n) for n in ints))
                else:
                    pieces.append(ints if isinstance(ints, range) else range(ints[0], ints[0] + 1))
        if not self.pairs:
            if sum(map(len, pieces)) > _EXPAND_AT_MOST:
                return Chain(pieces)
            return tuple(n for piece in pieces for n in piece)
        return tuple(values)


class PaddingType(click.ParamType):
    """``same``, ``valid``, a non-negative integer, or ``PHxPW``."""

    name = "same|valid|N|AxB[xC]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip().lower()
        if text in ("same", "valid"):
            return text
        try:
            nums = [_int(p) for p in text.split("x")]
        except ValueError:
            self.fail(f"{value!r} is not 'same', 'valid', an integer or AxB[xC]", param, ctx)
        if len(nums) not in (1, 2, 3) or any(n < 0 for n in nums):
            self.fail(f"{value!r} is not 'same', 'valid' or a non-negative integer (or one per dim, AxB[xC])",
                      param, ctx)
        return nums[0] if len(nums) == 1 else tuple(nums)


class PositiveInt(click.IntRange):
    """click.IntRange(min=1), refusing more than MAX_DIGITS digits."""

    def __init__(self) -> None:
        super().__init__(min=1)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and len(value.strip().lstrip("+-")) > MAX_DIGITS:
            self.fail(f"{value[:20]!r}... has more than {MAX_DIGITS} digits", param, ctx)
        return super().convert(value, param, ctx)


INTS = ValuesType()
POSITIVE = PositiveInt()
PAIRS = ValuesType(pairs=True)
DIMS = ValuesType(dims=True)
PADDING = PaddingType()


#: most values one --width-mult list may hold
MAX_WIDTHS = 1_000


class WidthMultType(click.ParamType):
    """The width multiplier alpha: a number above 0 and at most MAX_WIDTH_MULT (nan and inf refused);
    with ``many``, a comma-separated list of them (``1,0.75,0.5``), returned as a tuple."""

    def __init__(self, many: bool = False) -> None:
        self.many = many
        self.name = "A[,A...]" if many else "A"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple | float):
            return value
        items = str(value).replace(" ", "").split(",") if self.many else [str(value).strip()]
        if not any(items) or not all(items):
            self.fail(f"{value!r} is empty or has an empty item; give numbers such as 1,0.75,0.5", param, ctx)
        if len(items) > MAX_WIDTHS:
            self.fail(f"{len(items):,} values is more than the {MAX_WIDTHS:,} a list may hold", param, ctx)
        out = []
        where = f" (in {value!r})" if len(items) > 1 else ""
        for item in items:
            try:
                v = float(item) if len(item) <= MAX_DIGITS else float("nan")
            except ValueError:
                self.fail(f"{item!r} is not a number{where}", param, ctx)
            if not 0 < v <= MAX_WIDTH_MULT:  # nan compares false
                self.fail(f"{item!r} is not a width multiplier: a number above 0 and at most {MAX_WIDTH_MULT:,}"
                          f"{where}", param, ctx)
            out.append(v)
        return tuple(out) if self.many else out[0]


def width_mult_option(many: bool, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--width-mult`` (torchvision's name for alpha), and ``--width``, its deprecated hidden alias.

    The command receives ``width_mult`` and ``width`` and calls :func:`width_mult_value`.
    """

    def add(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--width", "width", type=WidthMultType(many), default=None, hidden=True,
                         help="Deprecated: --width-mult.")(f)
        return click.option("--width-mult", "width_mult", type=WidthMultType(many), default=None, help=help)(f)

    return add


def width_mult_value(width_mult: Any, width: Any) -> Any:
    """The --width-mult value, or the deprecated --width's with a note on stderr (both: a usage error)."""
    if width is None:
        return width_mult
    if width_mult is not None:
        raise click.UsageError("give --width-mult alone (--width is its old name)")
    click.echo("Note: --width is now --width-mult (the width multiplier alpha); --width will be removed.", err=True)
    return width
