"""liteconv: exact parameter and multiply-accumulate counts for convolution variants.

The public API is the formula engine; it imports none of click, rich or yaml::

    >>> from liteconv_cli import Conv, evaluate
    >>> evaluate(Conv(64, 128, 3), "separable").cost.params
    8960

Whole networks (loaded on first use, so a single-layer command never pays for them)::

    >>> from liteconv_cli import load_spec, walk
    >>> walk(load_spec("configs/mobilenet_v1.yaml")).total.macs  # doctest: +SKIP
    568740352
"""

from typing import Any

from ._version import __version__
from .engine import VARIANTS, Conv, Cost, Estimate, Shape, Stage, conv2d, conv_kind, evaluate
from .errors import InvalidValue, LiteconvError, SpecError

#: names served lazily by __getattr__: name -> module
_LAZY = {
    "Network": "liteconv_cli.engine.network",
    "NetworkCost": "liteconv_cli.engine.network",
    "walk": "liteconv_cli.engine.network",
    "load_spec": "liteconv_cli.spec",
    "parse_spec": "liteconv_cli.spec",
}


def __getattr__(name: str) -> Any:
    """Import the network and spec API on first use (PEP 562)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'liteconv_cli' has no attribute {name!r}")


__all__ = [
    "VARIANTS",
    "Conv",
    "Cost",
    "Estimate",
    "InvalidValue",
    "LiteconvError",
    "Network",
    "NetworkCost",
    "Shape",
    "SpecError",
    "Stage",
    "__version__",
    "conv2d",
    "conv_kind",
    "evaluate",
    "load_spec",
    "parse_spec",
    "walk",
]
