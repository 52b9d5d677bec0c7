"""Memory traffic and arithmetic intensity: why a layer with few MACs can still be slow.

For each stage, the bytes a naive layer-by-layer execution moves: it reads its input
activations and its parameters and writes its output activations (a residual add reads two
inputs). For a bias-free 1x1 convolution this is ShuffleNet V2's memory access cost,
``h*w*(c1 + c2) + c1*c2`` elements. Arithmetic intensity is MACs per byte moved: a
depthwise layer has few MACs and a poor intensity, so it is bound by memory, not compute.
"""


from collections.abc import Sequence
from typing import NamedTuple

from ..errors import InvalidValue
from .variants import Stage

_record = tuple.__new__  # a Traffic from all its fields, without the NamedTuple's __new__ (hot path)

#: bytes per value of each supported data type
DTYPE_BYTES: dict[str, int] = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}


def dtype_bytes(dtype: str) -> int:
    """Bytes per value of ``dtype`` (fp32, fp16, bf16, int8)."""
    try:
        return DTYPE_BYTES[dtype]
    except KeyError:
        raise InvalidValue("dtype", dtype, f"is not one of {', '.join(DTYPE_BYTES)}") from None


class Traffic(NamedTuple):
    """Bytes a layer reads (input activations, parameters) and writes (output activations)."""

    input_bytes: int = 0
    param_bytes: int = 0
    output_bytes: int = 0

    @property
    def total(self) -> int:
        """All bytes moved: read plus written."""
        return self.input_bytes + self.param_bytes + self.output_bytes

    def plus(self, other: "Traffic") -> "Traffic":
        """The sum of two traffics, term by term."""
        return Traffic(
            self.input_bytes + other.input_bytes,
            self.param_bytes + other.param_bytes,
            self.output_bytes + other.output_bytes,
        )


def stage_traffic(stage: Stage, bytes_per_value: int) -> Traffic:
    """Bytes one stage moves: input (twice for a residual add), parameters, output."""
    reads = 2 if stage.kind == "add" else 1
    return _record(Traffic, (
        reads * stage.input.elements * bytes_per_value,
        stage.cost.params * bytes_per_value,
        stage.output.elements * bytes_per_value,
    ))


def traffic(stages: Sequence[Stage], bytes_per_value: int) -> Traffic:
    """Bytes moved by stages run one after another (each intermediate written, then read)."""
    if len(stages) == 1:  # (a sweep's usual case: no sum to make)
        return stage_traffic(stages[0], bytes_per_value)
    acc = None
    for s in stages:
        moved = stage_traffic(s, bytes_per_value)
        acc = moved if acc is None else acc.plus(moved)
    return Traffic() if acc is None else acc


def intensity(macs: int, moved: Traffic) -> float | None:
    """Arithmetic intensity: MACs per byte moved (None when nothing moves)."""
    total = moved.total
    return macs / total if total else None
