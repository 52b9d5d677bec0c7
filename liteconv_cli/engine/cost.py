"""The Cost value: what one layer or a whole network costs, term by term.

Counting convention (the same everywhere in liteconv):

* A MAC is one multiply-accumulate: one multiplication and one addition. A KxK
  convolution computes ``C_out * H_out * W_out * (C_in / groups) * K * K`` of them; a fully
  connected layer ``in_features * out_features``. Bias is not part of the MACs. This is
  what the MobileNet papers call Mult-Adds and what torchvision publishes as "GFLOPS".
* Parameters are counted apart: ``weights``, ``bias`` (one per output channel of a layer
  with bias), ``bn`` (BatchNorm's gamma and beta, 2 per channel; its running mean and
  variance are buffers, not parameters, as in PyTorch) and ``other`` (the affine weight and
  bias of LayerNorm, GroupNorm and InstanceNorm, and layer scale: PyTorch's ``other``).
* FLOPs here are ``2 * MACs + bias_adds + 2 * bn_elements + elementwise``: a multiply and
  an add per MAC, one add per output element of a biased layer, a multiply and an add per
  BatchNorm element (its inference form, scale and shift), and one operation per element
  of an activation, pooling window input or residual add.
"""

from collections.abc import Iterable
from typing import NamedTuple

from .records import dataclass_api

#: the most digits a number given to liteconv (a channel count, a size, ...) may have: the
#: products of a few stay far below the 4,300 digits Python will print of an int
MAX_DIGITS = 100
#: the largest width multiplier alpha accepted (specs and options): far above any published
#: network's (torchvision's widest is 2.0), and small enough that ``c * alpha`` stays a finite
#: float for every channel count of MAX_DIGITS digits
MAX_WIDTH_MULT = 1000


@dataclass_api
class Cost(NamedTuple):
    """Exact integer costs of a layer, stage or network."""

    weights: int = 0
    bias: int = 0
    bn: int = 0
    macs: int = 0
    bias_adds: int = 0
    bn_elements: int = 0
    elementwise: int = 0
    other: int = 0  # other parameters: LayerNorm/GroupNorm/InstanceNorm affine, layer scale

    @property
    def params(self) -> int:
        """All trainable parameters: weights + bias + BatchNorm + other."""
        return self.weights + self.bias + self.bn + self.other

    @property
    def flops(self) -> int:
        """FLOPs under liteconv's convention (see the module docstring)."""
        return 2 * self.macs + self.bias_adds + 2 * self.bn_elements + self.elementwise

    # term by term (a tuple's own + would concatenate, its * repeat)
    def __add__(self, other: "Cost") -> "Cost":  # type: ignore[override]
        return _record(
            Cost,
            (
                self.weights + other.weights,
                self.bias + other.bias,
                self.bn + other.bn,
                self.macs + other.macs,
                self.bias_adds + other.bias_adds,
                self.bn_elements + other.bn_elements,
                self.elementwise + other.elementwise,
                self.other + other.other,
            ),
        )

    def __mul__(self, times: int) -> "Cost":  # type: ignore[override]
        return _record(Cost, [v * times for v in self])

    def __rmul__(self, times: int) -> "Cost":  # type: ignore[override]
        return self.__mul__(times)

    def as_dict(self) -> dict[str, int]:
        """Every term and the derived params and flops, as plain integers."""
        weights, bias, bn, macs, bias_adds, bn_elements, elementwise, other = self
        return {
            "weights": weights,
            "bias": bias,
            "bn": bn,
            "macs": macs,
            "bias_adds": bias_adds,
            "bn_elements": bn_elements,
            "elementwise": elementwise,
            "other": other,
            "params": self.params,
            "flops": self.flops,
        }


_record = tuple.__new__

ZERO = Cost()


def total(costs: Iterable[Cost]) -> Cost:
    """The sum of many costs."""
    it = iter(costs)
    acc = next(it, ZERO)
    for c in it:
        acc = acc + c
    return acc
