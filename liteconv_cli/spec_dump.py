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

from .engine.network import COMMON, REGISTRY, Block, Branches, Layer, Network, kind_of

#: keys where an integer n stands for one value per spatial dim
_DIMS = frozenset(("kernel", "stride", "dilation", "padding", "output_padding", "size"))
#: the values a layer takes when neither it nor ``defaults:`` states them (torch.nn.Conv2d's)
BUILTIN_DEFAULTS: dict[str, Any] = {"bias": True, "batchnorm": False, "activation": "none"}
_FIELD = {"from": "from_", "global": "global_"}


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
    convs = [layer for layer in _walk(net.layers) if "bias" in REGISTRY[kind_of(layer)].defaults
             and not isinstance(layer, Block)]
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
    if field in _DIMS and value is not None and default is not None and not isinstance(value, str):
        v = value if isinstance(value, tuple) else None
        d = default if isinstance(default, tuple) else None
        if v is not None and d is None and not isinstance(default, str):
            return all(x == default for x in v)
        if d is not None and v is None:
            return all(x == value for x in d)
    return bool(value == default)


def layer_data(layer: Layer, defaults: dict[str, Any]) -> dict[str, Any]:
    """One layer as a spec mapping: kind, name, then the keys that differ from their defaults."""
    kind = kind_of(layer)
    spec = REGISTRY[kind]
    data: dict[str, Any] = {"kind": kind}
    if layer.name is not None:
        data["name"] = layer.name
    for key, info in spec.keys.items():
        value = getattr(layer, _FIELD.get(key, key))
        if key == spec.nested == "layers":
            data["layers"] = [layer_data(child, defaults) for child in value]
            continue
        if key == spec.nested == "branches":
            data["branches"] = [[layer_data(child, defaults) for child in branch] for branch in value]
            continue
        # for a key defaults: fills in, what the spec loader gives; else the key's own default
        default = defaults[key] if key in spec.defaults and key in BUILTIN_DEFAULTS else info.default
        if key in spec.required or not _same(key, value, default):
            data[key] = _plain(value)
    for key, info in COMMON.items():
        if key == "name":
            continue
        value = getattr(layer, _FIELD.get(key, key))
        if value != info.default:
            data[key] = _plain(value[0] if key == "from" and len(value) == 1 else value)
    return data


def to_data(net: Network, description: str | None = None) -> dict[str, Any]:
    """The network as spec data: name, description, input, width, resolution, rounding, defaults, layers."""
    defaults = infer_defaults(net)
    data: dict[str, Any] = {"name": net.name}
    if description:
        data["description"] = description
    if net.inputs:
        data["inputs"] = {n: list(shape) for n, shape in net.inputs}
    else:
        data["input"] = list(net.input)
    if net.width != 1:
        data["width"] = net.width
    if net.resolution is not None:
        data["resolution"] = net.resolution
    if net.channel_rounding != "floor":
        data["channel_rounding"] = net.channel_rounding
    if defaults != BUILTIN_DEFAULTS:
        data["defaults"] = defaults
    data["layers"] = [layer_data(layer, defaults) for layer in net.layers]
    if net.outputs:
        data["outputs"] = list(net.outputs)
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
