"""Immutable records: NamedTuples that ``dataclasses.replace``, ``fields`` and ``asdict`` accept.

The engine's values (Cost, Shape, Conv, Stage, Estimate) are made by the million in a sweep.
In CPython 3.11 a frozen dataclass takes about 0.7 ms to define (it compiles its methods at
import time, which every command would pay) and about 0.9 us to construct (its ``__init__``
sets each field through ``object.__setattr__``); a NamedTuple takes about 0.05 ms and 0.25 us.
:func:`dataclass_api` gives a NamedTuple the field metadata the ``dataclasses`` functions read,
so ``dataclasses.replace(conv, stride=2)`` keeps working. The metadata is made on first use,
so a command that never asks for it does not import ``dataclasses`` either.

Modules that define these records do without ``from __future__ import annotations``: with it
``typing.NamedTuple`` compiles every annotation string, which costs start-up time too.
"""

from typing import Any, TypeVar

T = TypeVar("T")

_FIELDS = "__dataclass_fields__"
_PARAMS = "__dataclass_params__"


def _dataclass_metadata(cls: type) -> None:
    """Set ``cls``'s dataclass fields and params, from a dataclass with the same fields."""
    import dataclasses

    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        hints.update(vars(klass).get("__annotations__", {}))
    defaults: dict[str, Any] = cls._field_defaults  # type: ignore[attr-defined]
    spec = dataclasses.make_dataclass(
        cls.__name__,
        [
            (name, hints.get(name, Any), dataclasses.field(default=defaults[name]))
            if name in defaults
            else (name, hints.get(name, Any))
            for name in cls._fields  # type: ignore[attr-defined]
        ],
        # no __init__, __repr__ or __eq__ is generated (the NamedTuple has its own), so no code
        init=False,
        repr=False,
        eq=False,
        match_args=False,
        namespace={"__doc__": cls.__doc__},  # without one, dataclass builds it with inspect.signature
    )
    setattr(cls, _FIELDS, getattr(spec, _FIELDS))
    setattr(cls, _PARAMS, getattr(spec, _PARAMS))


class _OnFirstUse:
    """A class attribute that makes the dataclass metadata when first read, then steps aside."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, cls: type) -> Any:
        _dataclass_metadata(cls)
        return vars(cls)[self.name]


def dataclass_api(cls: type[T]) -> type[T]:
    """Let dataclasses.replace/fields/asdict/is_dataclass work on the NamedTuple class ``cls``."""
    setattr(cls, _FIELDS, _OnFirstUse(_FIELDS))
    setattr(cls, _PARAMS, _OnFirstUse(_PARAMS))
    return cls
