"""The pure formula engine: integer arithmetic, no click, rich or yaml."""

from .cost import Cost, total
from .shapes import Shape, conv_output_hw
from .variants import VARIANTS, Conv, Estimate, Stage, Variant, conv2d, conv_kind, evaluate

__all__ = [
    "VARIANTS",
    "Conv",
    "Cost",
    "Estimate",
    "Shape",
    "Stage",
    "Variant",
    "conv2d",
    "conv_kind",
    "conv_output_hw",
    "evaluate",
    "total",
]
