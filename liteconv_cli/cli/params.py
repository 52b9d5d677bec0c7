"""click parameter types shared by the commands: sizes written ``3`` or ``3x5``, padding."""

from __future__ import annotations

from typing import Any

import click


class PairType(click.ParamType):
    """A positive integer, or two written ``AxB`` (height x width)."""

    name = "N|HxW"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        text = str(value).strip().lower()
        parts = text.split("x")
        try:
            nums = [int(p) for p in parts]
        except ValueError:
            self.fail(f"{value!r} is not an integer or HxW (for example 3 or 1x7)", param, ctx)
        if len(nums) not in (1, 2) or any(n < 1 for n in nums):
            self.fail(f"{value!r} is not a positive integer or HxW of positive integers", param, ctx)
        return (nums[0], nums[-1])


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
            nums = [int(p) for p in text.split("x")]
        except ValueError:
            self.fail(f"{value!r} is not 'same', 'valid', an integer or HxW", param, ctx)
        if len(nums) not in (1, 2) or any(n < 0 for n in nums):
            self.fail(f"{value!r} is not 'same', 'valid' or a non-negative integer", param, ctx)
        return nums[0] if len(nums) == 1 else (nums[0], nums[1])


PAIR = PairType()
PADDING = PaddingType()
