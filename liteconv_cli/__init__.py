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

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import InvalidValue, LiteconvError, SpecError

if TYPE_CHECKING:
    from .engine import VARIANTS, Conv, Cost, Estimate, Shape, Stage, conv2d, conv_kind, evaluate
    from .engine.network import Network, NetworkCost, walk
    from .spec import load_spec, parse_spec

#: names served lazily by __getattr__: name -> module. Even the engine is loaded on first use:
#: ``liteconv --help`` imports this package and needs none of it.
_LAZY = {
    "VARIANTS": "liteconv_cli.engine",
    "Conv": "liteconv_cli.engine",
    "Cost": "liteconv_cli.engine",
    "Estimate": "liteconv_cli.engine",
    "Shape": "liteconv_cli.engine",
    "Stage": "liteconv_cli.engine",
    "conv2d": "liteconv_cli.engine",
    "conv_kind": "liteconv_cli.engine",
    "evaluate": "liteconv_cli.engine",
    "Network": "liteconv_cli.engine.network",
    "NetworkCost": "liteconv_cli.engine.network",
    "walk": "liteconv_cli.engine.network",
    "load_spec": "liteconv_cli.spec",
    "parse_spec": "liteconv_cli.spec",
}


def __getattr__(name: str) -> Any:
    """Import the engine, network and spec API on first use (PEP 562)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'liteconv_cli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
