"""A :class:`~liteconv_cli.engine.network.Network` back to spec data (the inverse of ``spec.py``).

:func:`to_data` gives the plain dicts and lists of ``docs/spec.md``; :func:`dump` writes them
as YAML (``yaml`` is imported there only). Reading the text back with
:func:`liteconv_cli.spec.parse_spec` gives the same layers, so the same rows and cost.

The text is kept short: ``bias``, ``batchnorm`` and ``activation`` go into a ``defaults:``
block (the most common value among the convolution layers) and a layer states only the
keys whose value differs from what it would get without them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from .engine.network import CONV_KINDS, Block, Branches, Layer, Network, Pool, kind_of
from .engine.shapes import pair
from .spec import KEYS, REQUIRED

#: keys where an integer n stands for the pair [n, n]
_PAIRS = frozenset(("kernel", "stride", "dilation"))
#: the values a layer takes when neither it nor ``defaults:`` states them (torch.nn.Conv2d's)
BUILTIN_DEFAULTS: dict[str, Any] = {"bias": True, "batchnorm": False, "activation": "none"}


def _walk(layers: Sequence[Layer]) -> Iterator[Layer]:
    for layer in layers:
        yield layer
        if isinstance(layer, Block):
            yield from _walk(layer.layers)
        elif isinstance(layer, Branches):
            for branch in layer.branches:
                yield from _walk(branch)


def infer_defaults(net: Network) -> dict[str, Any]:
    """The most common bias, batchnorm and activation among the convolution layers (ties: the built-in value)."""
    convs = [layer for layer in _walk(net.layers) if isinstance(layer, CONV_KINDS)]
    out: dict[str, Any] = {}
    for key, builtin in BUILTIN_DEFAULTS.items():
        counts = Counter(getattr(layer, key) for layer in convs)
        if counts:
            top = max(counts.values())
            out[key] = builtin if counts[builtin] == top else counts.most_common(1)[0][0]
        else:
            out[key] = builtin
    return out


def _plain(value: Any) -> Any:
    """Tuples (pairs, split lists) as lists; everything else as it is."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _same(field: str, value: Any, default: Any) -> bool:
    """``value`` is what the layer gets without the key (``1`` and ``[1, 1]`` are the same stride)."""
    if field in _PAIRS and value is not None and default is not None:
        return bool(pair(value) == pair(default))
    return bool(value == default)


def layer_data(layer: Layer, defaults: dict[str, Any]) -> dict[str, Any]:
    """One layer as a spec mapping: kind, name, then the keys that differ from their defaults."""
    kind = kind_of(layer)
    data: dict[str, Any] = {"kind": kind}
    if layer.name is not None:
        data["name"] = layer.name
    keys, required = KEYS[kind], REQUIRED.get(kind, ())
    field_defaults = type(layer)._field_defaults
    for field in layer._fields:
        if field not in keys:
            continue  # name, repeat and origin are handled apart; a field the spec has no key for is unused
        value = getattr(layer, field)
        if field == "layers":
            data["layers"] = [layer_data(child, defaults) for child in value]
            continue
        if field == "branches":
            data["branches"] = [[layer_data(child, defaults) for child in branch] for branch in value]
            continue
        if isinstance(layer, Pool) and field == "output" and value == (1, 1) and layer.kernel is None:
            data["global"] = True
            continue
        if field in BUILTIN_DEFAULTS and (isinstance(layer, CONV_KINDS) or (
                isinstance(layer, Block) and field != "activation")):
            default = defaults[field]  # what the spec loader fills in from defaults:
        else:
            default = field_defaults.get(field)
        if field in required or not _same(field, value, default):
            data[field] = _plain(value)
    if layer.repeat != 1:
        data["repeat"] = layer.repeat
    return data


def to_data(net: Network, description: str | None = None) -> dict[str, Any]:
    """The network as spec data: name, description, input, width, resolution, rounding, defaults, layers."""
    defaults = infer_defaults(net)
    data: dict[str, Any] = {"name": net.name}
    if description:
        data["description"] = description
    data["input"] = [net.input.c, net.input.h, net.input.w]
    if net.width != 1:
        data["width"] = net.width
    if net.resolution is not None:
        data["resolution"] = net.resolution
    if net.channel_rounding != "floor":
        data["channel_rounding"] = net.channel_rounding
    if defaults != BUILTIN_DEFAULTS:
        data["defaults"] = defaults
    data["layers"] = [layer_data(layer, defaults) for layer in net.layers]
    return data


def dump(net: Network, header: str | None = None, description: str | None = None) -> str:
    """The network as YAML text that ``liteconv network`` reads back to the same rows and cost.

    ``header`` is written first as ``#`` comment lines.
    """
    import yaml

    text = yaml.safe_dump(to_data(net, description), sort_keys=False, default_flow_style=None, width=110,
                          allow_unicode=True)
    if header:
        text = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()) + text
    return text
