"""click parameter types shared by the commands: sizes, padding, and sweep ranges.

A value list is written ``64``, ``3x5`` (height x width), ``1,3,5`` or ``32:512:32``
(start:stop:step, stop included); items combine: ``1,3:7:2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from ..engine.cost import MAX_DIGITS

#: most values one range may expand to (a typo like 1:10**12 is an error, not a hang)
MAX_RANGE_VALUES = 10_000_000


def _int(text: str) -> int:
    """int(text), refusing more than MAX_DIGITS digits (ValueError, as int() does for junk)."""
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise ValueError(text)
    return int(text)


class ValuesType(click.ParamType):
    """One or more positive integers, or HxW pairs when ``pairs`` (ranges and lists allowed)."""

    def __init__(self, pairs: bool = False, minimum: int = 1) -> None:
        self.pairs = pairs
        self.minimum = minimum
        self.name = "N|HxW|A:B[:STEP]|LIST" if pairs else "N|A:B[:STEP]|LIST"

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
                self.fail(f"{value!r} is not an integer, a range A:B[:STEP] or a list", param, ctx)
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
        for item in text.split(","):
            if self.pairs and "x" in item:
                halves = item.split("x")
                if len(halves) != 2:
                    self.fail(f"{value!r}: {item!r} is not HxW", param, ctx)
                h, w = (self._ints(x, str(value), param, ctx) for x in halves)
                if len(h) != 1 or len(w) != 1:
                    self.fail(f"{value!r}: a range cannot be used inside HxW", param, ctx)
                values.append((h[0], w[0]))
            else:
                nums = self._ints(item, str(value), param, ctx)
                values.extend([(n, n) for n in nums] if self.pairs else nums)
        return tuple(values)


class PaddingType(click.ParamType):
    """``same``, ``valid``, a non-negative integer, or ``PHxPW``."""

    name = "same|valid|N|HxW"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip().lower()
        if text in ("same", "valid"):
            return text
        try:
            nums = [_int(p) for p in text.split("x")]
        except ValueError:
            self.fail(f"{value!r} is not 'same', 'valid', an integer or HxW", param, ctx)
        if len(nums) not in (1, 2) or any(n < 0 for n in nums):
            self.fail(f"{value!r} is not 'same', 'valid' or a non-negative integer", param, ctx)
        return nums[0] if len(nums) == 1 else (nums[0], nums[1])


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
PADDING = PaddingType()
