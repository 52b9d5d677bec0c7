"""The checks of a spec's values, each with the JSON Schema fragment that says the same.

A :class:`Check` turns a plain value read from a spec (an int, float, bool, str, None or a flat
list of those) into what a layer record holds, or raises :class:`Bad` with the reason. The
kind registry (``engine/network.py``) names a check per key; the spec loader, the generated
JSON Schema and the docs' key tables all read them from there. Pure Python: no yaml here.
"""

import math
from collections.abc import Callable
from typing import Any, NamedTuple


class Bad(Exception):
    """A value is wrong; the caller knows the file, line, layer and key."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Check(NamedTuple):
    """A value check: the function, the JSON Schema fragment, and the words for the docs."""

    fn: Callable[[Any], Any]
    schema: dict[str, Any]
    text: str

    def __call__(self, v: Any) -> Any:
        return self.fn(v)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


_POS = {"type": "integer", "minimum": 1}
_NONNEG = {"type": "integer", "minimum": 0}


def _pos_int(v: Any) -> int:
    if not _is_int(v) or v < 1:
        raise Bad("is not a positive integer")
    return int(v)


def _nonneg_int(v: Any) -> int:
    if not _is_int(v) or v < 0:
        raise Bad("is not a non-negative integer")
    return int(v)


POS_INT = Check(_pos_int, _POS, "a positive integer")
NONNEG_INT = Check(_nonneg_int, _NONNEG, "a non-negative integer")


def repeat_check(limit: int) -> Check:
    def fn(v: Any) -> int:
        if not _is_int(v) or not 1 <= v <= limit:
            raise Bad(f"is not an integer from 1 to {limit:,}")
        return int(v)

    return Check(fn, {"type": "integer", "minimum": 1, "maximum": limit}, f"an integer from 1 to {limit:,}")


def _dims(v: Any, minimum: int, what: str) -> int | tuple[int, ...]:
    if isinstance(v, list):
        if not 1 <= len(v) <= 3 or not all(_is_int(x) and x >= minimum for x in v):
            raise Bad(f"is not {what} or a list of 1 to 3 of them (one per spatial dim)")
        return tuple(v)
    if not _is_int(v) or v < minimum:
        raise Bad(f"is not {what} or a list of 1 to 3 of them (one per spatial dim)")
    return int(v)


def _dims_schema(item: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": 3}]}


DIMS = Check(lambda v: _dims(v, 1, "a positive integer"), _dims_schema(_POS),
             "a positive integer, or one per spatial dim `[kh, kw]`")
DIMS0 = Check(lambda v: _dims(v, 0, "a non-negative integer"), _dims_schema(_NONNEG),
              "a non-negative integer, or one per spatial dim")


def _padding(v: Any) -> str | int | tuple[int, ...]:
    if v in ("same", "valid"):
        return str(v)
    try:
        return _dims(v, 0, "same, valid, a non-negative integer")
    except Bad:
        raise Bad("is not same, valid, a non-negative integer or a list of one per spatial dim") from None


PADDING = Check(_padding, {"oneOf": [{"enum": ["same", "valid"]}, *_dims_schema(_NONNEG)["oneOf"]]},
                "`same`, `valid`, a non-negative integer per side, or one per spatial dim")


def _pad_sides(v: Any) -> int | tuple[int, ...]:
    if isinstance(v, list):  # negative values crop, as in torch.nn.functional.pad
        if not 1 <= len(v) <= 6 or not all(_is_int(x) for x in v):
            raise Bad("is not a non-negative integer or a list of 1 to 6 integers")
        return tuple(v)
    if not _is_int(v) or v < 0:
        raise Bad("is not a non-negative integer or a list of 1 to 6 of them")
    return int(v)


PAD_SIDES = Check(_pad_sides, {"oneOf": [_NONNEG, {"type": "array", "items": {"type": "integer"}, "minItems": 1,
                                                     "maxItems": 6}]},
                  "an integer (every side), one per spatial dim (both sides), or torch.nn.functional.pad's "
                  "list `[left, right, top, bottom, front, back]` (last dim first)")


def _output_size(v: Any) -> int | tuple[int | None, ...]:
    if isinstance(v, list):
        if not 1 <= len(v) <= 3 or not all(x is None or (_is_int(x) and x >= 1) for x in v):
            raise Bad("is not a positive integer or a list of 1 to 3 of them (null keeps that dim)")
        return tuple(v)
    if not _is_int(v) or v < 1:
        raise Bad("is not a positive integer or a list of 1 to 3 of them (null keeps that dim)")
    return int(v)


OUTPUT_SIZE = Check(_output_size, {"oneOf": [_POS, {"type": "array", "minItems": 1, "maxItems": 3,
                                                      "items": {"oneOf": [_POS, {"type": "null"}]}}]},
                    "a positive integer, or one per spatial dim (`null` keeps that dim)")


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Bad("is not true or false")
    return v


BOOL = Check(_bool, {"type": "boolean"}, "true or false")


def _functional(v: Any) -> bool | str:
    if isinstance(v, bool) or v in ("activation", "method"):
        return v
    raise Bad("is not true, false, activation or method")


FUNCTIONAL = Check(_functional, {"oneOf": [{"type": "boolean"}, {"enum": ["activation", "method"]}]},
                   "true, false, `activation` or `method`")


def enum(*choices: str) -> Check:
    """One of ``choices`` (case-insensitive; YAML's null reads as ``none`` where that is a choice)."""

    def fn(v: Any) -> str:
        if v is None and "none" in choices:
            return "none"
        if not isinstance(v, str) or v.lower() not in choices:
            raise Bad(f"is not one of {', '.join(choices)}")
        return v.lower()

    return Check(fn, {"enum": list(choices)}, "one of " + ", ".join(f"`{c}`" for c in choices))


def _scale(v: Any) -> bool | str:
    if isinstance(v, bool) or v == "up":
        return v
    raise Bad("is not true, false or up")


SCALE = Check(_scale, {"oneOf": [{"type": "boolean"}, {"const": "up"}]}, "true, false or `up`")


def _fraction(v: Any) -> float:
    if not _number(v) or not 0 < v <= 1:
        raise Bad("is not a number in (0, 1]")
    return float(v)


FRACTION = Check(_fraction, {"type": "number", "exclusiveMinimum": 0, "maximum": 1}, "a number in (0, 1]")


def _probability(v: Any) -> float:
    if not _number(v) or not 0 <= v <= 1:
        raise Bad("is not a number from 0 to 1")
    return float(v)


PROBABILITY = Check(_probability, {"type": "number", "minimum": 0, "maximum": 1}, "a number from 0 to 1")


def _positive_number(v: Any) -> float:
    if not _number(v) or not 0 < v <= 1e6:
        raise Bad("is not a positive number (at most 1,000,000)")
    return v


POSITIVE_NUMBER = Check(_positive_number, {"type": "number", "exclusiveMinimum": 0, "maximum": 1e6},
                        "a positive number")


def _scales(v: Any) -> float | tuple[float, ...]:
    if isinstance(v, list):
        if not 1 <= len(v) <= 3:
            raise Bad("is not a positive number or a list of 1 to 3 of them")
        return tuple(_positive_number(x) for x in v)
    return _positive_number(v)


SCALES = Check(_scales, {"oneOf": [{"type": "number", "exclusiveMinimum": 0},
                                   {"type": "array", "minItems": 1, "maxItems": 3,
                                    "items": {"type": "number", "exclusiveMinimum": 0}}]},
               "a positive number, or one per spatial dim")


def _text(v: Any) -> str:
    if isinstance(v, bool) or v is None or isinstance(v, list):
        raise Bad("is not a text")
    return str(v)


TEXT = Check(_text, {"type": "string"}, "a text")


def _name(v: Any) -> str:
    """A network's or a layer's name: non-empty printable text (no control or format character)."""
    if v is None or isinstance(v, list):
        raise Bad("is not a name (a word such as conv1)")
    text = str(v)
    if not text.strip():
        raise Bad("is empty: give a name, or leave the key out for the default one")
    bad = None if text.isprintable() else next((c for c in text if not c.isprintable() and c != " "), None)
    if bad is not None:
        raise Bad(f"has the unprintable character U+{ord(bad):04X}: a name is printable text")
    return text


NAME = Check(_name, {"type": "string", "minLength": 1, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$"},
             "a text without control characters")


def _names(v: Any) -> tuple[str, ...]:
    if isinstance(v, list):
        if not v:
            raise Bad("is an empty list")
        return tuple(_name(x) for x in v)
    return (_name(v),)


NAMES = Check(_names, {"oneOf": [NAME.schema, {"type": "array", "items": NAME.schema, "minItems": 1}]},
              "a layer name, or a list of them")


def _split(v: Any) -> int | tuple[int, ...]:
    if isinstance(v, list):
        if not v or not all(_is_int(x) and x >= 1 for x in v):
            raise Bad("is not a list of positive channel counts")
        return tuple(v)
    if not _is_int(v) or v < 2:
        raise Bad("is not a list of channel counts or a number of equal parts (2 or more)")
    return int(v)


SPLIT = Check(_split, {"oneOf": [{"type": "integer", "minimum": 2},
                                 {"type": "array", "items": _POS, "minItems": 1}]},
              "a list of channel counts, or a number of equal parts")

#: the largest width or depth multiplier accepted: beyond it channel counts run to absurd sizes
MAX_MULTIPLIER = 1000.0


def _multiplier(v: Any) -> float:
    if not _number(v) or not 0 < v <= MAX_MULTIPLIER:
        raise Bad(f"is not a positive number up to {MAX_MULTIPLIER:g}")
    return v


MULTIPLIER = Check(_multiplier, {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_MULTIPLIER},
                   "a positive number")


def _rounding(v: Any) -> str | int:
    if v == "floor":
        return "floor"
    if _is_int(v) and v >= 1:
        return int(v)
    raise Bad("is not floor or a positive integer divisor such as 8")


ROUNDING = Check(_rounding, {"oneOf": [{"const": "floor"}, _POS]}, "`floor` or a positive integer divisor")


def _input(v: Any) -> tuple[int, ...]:
    if not (isinstance(v, list) and 1 <= len(v) <= 4 and all(_is_int(x) and x >= 1 for x in v)):
        raise Bad("is not [C], [C, L], [C, H, W] or [C, D, H, W]: 1 to 4 positive integers")
    return tuple(v)


INPUT = Check(_input, {"type": "array", "items": _POS, "minItems": 1, "maxItems": 4},
              "`[C]`, `[C, L]`, `[C, H, W]` or `[C, D, H, W]`")


def _nested(v: Any) -> Any:  # a marker: lists of layers and mappings are read by the loader itself
    raise Bad("is not a list of layers")


NESTED = Check(_nested, {}, "a list of layers")
MAPPING = Check(_nested, {"type": "object"}, "a mapping")
