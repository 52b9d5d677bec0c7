"""liteconv: exact parameter and multiply-accumulate counts for convolution variants.

The public API is the formula engine; it imports none of click, rich or yaml::

    >>> from liteconv_cli import Conv, evaluate
    >>> evaluate(Conv(64, 128, 3), "separable").cost.params
    8960
"""

from ._version import __version__
from .engine import VARIANTS, Conv, Cost, Estimate, Shape, Stage, conv2d, conv_kind, evaluate
from .errors import InvalidValue, LiteconvError, SpecError

__all__ = [
    "VARIANTS",
    "Conv",
    "Cost",
    "Estimate",
    "InvalidValue",
    "LiteconvError",
    "Shape",
    "SpecError",
    "Stage",
    "__version__",
    "conv2d",
    "conv_kind",
    "evaluate",
]
