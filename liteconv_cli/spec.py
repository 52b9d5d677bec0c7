"""Network specs: YAML text -> a validated :class:`~liteconv_cli.engine.network.Network`.

The format is ``docs/spec.md``; ``liteconv_cli/spec.schema.json`` describes the same keys.
YAML is read with PyYAML's safe loader (libyaml's ``CSafeLoader`` when present) as a node
tree, never as Python objects, so every error can name the file, the line, the layer and the
key, and no tag can build anything. ``yaml`` is imported inside :func:`parse_spec` only, so
importing this module (or the engine) stays free of it.

Limits, so that no input hangs or exhausts memory: a spec file is at most
:data:`MAX_SPEC_BYTES`, with at most :data:`MAX_SPEC_MARKS` of the YAML marks that open a
key or an item (``:`` ``,`` ``-`` ``[`` ``{`` ``?``), counted before PyYAML builds anything
(it needs about 1 KB and 8 us per node); ``repeat`` at most ``MAX_REPEAT``; the network at most
``MAX_LAYERS`` layers once repeats are expanded; ``block``/``branches`` nested at most
``MAX_DEPTH`` levels (see ``liteconv_cli.engine.network``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from .engine.cost import MAX_DIGITS
from .engine.network import (
    ACTIVATIONS,
    KINDS,
    MAX_DEPTH,
    MAX_LAYERS,
    MAX_REPEAT,
    SHORTCUTS,
    Layer,
    Network,
    Origin,
    layer_label,
)
from .engine.shapes import Shape
from .errors import SpecError

#: largest spec file read (bytes)
MAX_SPEC_BYTES = 16 * 1024 * 1024
#: most YAML marks (: , - [ { ?) a spec may have: a bound on the keys and items PyYAML would
#: build, checked first (200,000 is about 40,000 layers written out; repeat: writes more)
MAX_SPEC_MARKS = 200_000
#: YAML nesting beyond which the text is depth-checked event by event before composing
#: (libyaml's composer recurses in C and would crash on absurd nesting)
_DEPTH_PRECHECK = 2_000
_MAX_YAML_DEPTH = 4 * MAX_DEPTH + 16
#: longest plain list accepted as a value (kernel, input, split, ...)
_MAX_LIST = 1_000

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class _Bad(Exception):
    """A value is wrong; the caller knows the file, line, layer and key."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


# ------------------------------------------------------------------ value checks


def _show(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v)
    return str(v)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _pos_int(v: Any) -> int:
    if not _is_int(v) or v < 1:
        raise _Bad("is not a positive integer")
    return int(v)


def _repeat(v: Any) -> int:
    if not _is_int(v) or not 1 <= v <= MAX_REPEAT:
        raise _Bad(f"is not an integer from 1 to {MAX_REPEAT:,}")
    return int(v)


def _int_or_pair(v: Any) -> int | tuple[int, int]:
    if isinstance(v, list):
        if len(v) != 2 or not all(_is_int(x) and x >= 1 for x in v):
            raise _Bad("is not a positive integer or a pair [h, w] of them")
        return (v[0], v[1])
    if not _is_int(v) or v < 1:
        raise _Bad("is not a positive integer or a pair [h, w] of them")
    return int(v)


def _pair(v: Any) -> tuple[int, int]:
    p = _int_or_pair(v)
    return p if isinstance(p, tuple) else (p, p)


def _padding(v: Any) -> str | int | tuple[int, int]:
    if v in ("same", "valid"):
        return str(v)
    if isinstance(v, list):
        if len(v) != 2 or not all(_is_int(x) and x >= 0 for x in v):
            raise _Bad("is not same, valid, a non-negative integer or a pair [h, w] of them")
        return (v[0], v[1])
    if not _is_int(v) or v < 0:
        raise _Bad("is not same, valid, a non-negative integer or a pair [h, w] of them")
    return int(v)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Bad("is not true or false")
    return v


def _enum(*choices: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v is None and "none" in choices:
            return "none"
        if not isinstance(v, str) or v.lower() not in choices:
            raise _Bad(f"is not one of {', '.join(choices)}")
        return v.lower()

    return check


def _scale(v: Any) -> bool | str:
    if isinstance(v, bool) or v == "up":
        return v
    raise _Bad("is not true, false or up")


def _fraction(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
        raise _Bad("is not a number in (0, 1]")
    return float(v)


def _probability(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        raise _Bad("is not a number from 0 to 1")
    return float(v)


def _text(v: Any) -> str:
    if isinstance(v, bool) or v is None or isinstance(v, list):
        raise _Bad("is not a text")
    return str(v)


def _split(v: Any) -> int | tuple[int, ...]:
    if isinstance(v, list):
        if not v or not all(_is_int(x) and x >= 1 for x in v):
            raise _Bad("is not a list of positive channel counts")
        return tuple(v)
    if not _is_int(v) or v < 2:
        raise _Bad("is not a list of channel counts or a number of equal parts (2 or more)")
    return int(v)


def _width(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < math.inf:
        raise _Bad("is not a positive number")
    return v


def _rounding(v: Any) -> str | int:
    if v == "floor":
        return "floor"
    if _is_int(v) and v >= 1:
        return int(v)
    raise _Bad("is not floor or a positive integer divisor such as 8")


def _nested(v: Any) -> Any:  # a marker: lists of layers are read by _Parser.layers
    raise _Bad("is not a list of layers")


def _input(v: Any) -> Shape:
    if not (isinstance(v, list) and len(v) == 3 and all(_is_int(x) and x >= 1 for x in v)):
        raise _Bad("is not [C, H, W], three positive integers")
    return Shape(v[0], v[1], v[2])


# ------------------------------------------------------------------ the keys of each kind

Check = Callable[[Any], Any]
_ACT = _enum(*ACTIVATIONS)

#: keys every layer takes (``kind`` is read first)
COMMON: dict[str, Check] = {"name": _text, "repeat": _repeat, "scale_depth": _bool}  # scale_depth: zoo.expand
#: keys of the convolution kinds (bias, batchnorm and activation default from ``defaults:``)
_CONV: dict[str, Check] = {
    "kernel": _int_or_pair, "stride": _int_or_pair, "padding": _padding, "dilation": _int_or_pair,
    "bias": _bool, "batchnorm": _bool, "activation": _ACT, "scale": _scale,
}
_OUT: dict[str, Check] = {"out": _pos_int}

#: kind -> its own keys (besides COMMON) and their checks
KEYS: dict[str, dict[str, Check]] = {
    "conv": {**_OUT, **_CONV, "groups": _pos_int},
    "depthwise": {**_CONV, "multiplier": _pos_int},
    "pointwise": {**_OUT, "stride": _int_or_pair, "bias": _bool, "batchnorm": _bool, "activation": _ACT,
                  "scale": _scale},
    "separable": {**_OUT, **_CONV},
    "lite": {**_OUT, **_CONV},
    "inverted_residual": {**_OUT, **_CONV, "expansion": _pos_int, "se": _fraction},
    "basic": {**_OUT, **_CONV, "shortcut": _enum(*SHORTCUTS)},
    "bottleneck": {"mid": _pos_int, **_OUT, **_CONV, "groups": _pos_int, "shortcut": _enum(*SHORTCUTS)},
    "fc": {**_OUT, "bias": _bool, "activation": _ACT, "scale": _scale},
    "pool": {"mode": _enum("max", "avg"), "kernel": _int_or_pair, "stride": _int_or_pair, "padding": _padding,
             "global": _bool, "output": _pair},
    "se": {"squeeze": _pos_int, "ratio": _fraction, "activation": _ACT, "scale": _scale},
    "batchnorm": {},
    "activation": {"function": _ACT},
    "flatten": {},
    "dropout": {"p": _probability},
    "shuffle": {"groups": _pos_int},
    "identity": {},
    "block": {"layers": _nested, "shortcut": _enum(*SHORTCUTS), "activation": _ACT, "bias": _bool,
              "batchnorm": _bool},
    "branches": {"branches": _nested, "merge": _enum("concat", "add"), "split": _split, "scale": _scale},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "conv": ("out",), "pointwise": ("out",), "separable": ("out",), "lite": ("out",),
    "inverted_residual": ("out",), "basic": ("out",), "bottleneck": ("mid", "out"), "fc": ("out",),
    "pool": ("mode",), "activation": ("function",), "block": ("layers",), "branches": ("branches",),
}
#: kinds whose convolutions take bias / batchnorm / activation from ``defaults:``
_TAKES_DEFAULTS = ("conv", "depthwise", "pointwise", "separable", "lite", "inverted_residual", "basic", "bottleneck")
TOP_KEYS: dict[str, Check] = {
    "name": _text, "description": _text, "input": _input, "width": _width, "resolution": _pos_int,
    "channel_rounding": _rounding, "defaults": _nested, "layers": _nested,
    "family": _text, "source": _text, "depth": _width, "variants": _nested,  # families: read by zoo.expand
}
DEFAULT_KEYS: dict[str, Check] = {"bias": _bool, "batchnorm": _bool, "activation": _ACT}

assert set(KEYS) == set(KINDS)


def _suggest(word: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ------------------------------------------------------------------ reading


def load_spec(path: str, **model_options: Any) -> Network:
    """Read and validate the spec at ``path`` (``-`` reads stdin) or the built-in network of that
    name (``load_spec("resnet50")``; a path that exists wins); SpecError on any problem.

    A model file (``.onnx``, ``.keras``, a Keras ``.json`` config) is read by
    :func:`liteconv_cli.importers.load_network`, which ``model_options`` are passed to."""
    if path.lower().endswith((".onnx", ".keras", ".h5", ".hdf5", ".json")):  # docs/importers.md
        from .importers import is_model_file, load_network

        if is_model_file(path):
            return load_network(path, **model_options)
    variant = None
    if path == "-":
        import sys

        name = "<stdin>"
        try:
            data = sys.stdin.buffer.read(MAX_SPEC_BYTES + 1)
        except (OSError, AttributeError) as e:
            raise SpecError(f"cannot read standard input: {e}", file=name) from None
        default_name = "stdin"
    else:
        from .zoo import locate

        path, variant = locate(path)  # a path that exists, FILE#VARIANT, or a built-in name (docs/spec.md)
        name = path
        try:
            with open(path, "rb") as f:
                data = _read_at_most(f, MAX_SPEC_BYTES + 1)
        except FileNotFoundError:
            raise SpecError("no such file", file=name) from None
        except IsADirectoryError:
            raise SpecError("is a directory, not a spec file", file=name) from None
        except PermissionError:
            raise SpecError("permission denied", file=name) from None
        except OSError as e:
            raise SpecError(f"cannot read: {e.strerror or e}", file=name) from None
        base = os.path.basename(path)
        default_name = base.rsplit(".", 1)[0] if base.lower().endswith((".yaml", ".yml")) else base
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(f"is larger than the {MAX_SPEC_BYTES // (1024 * 1024)} MiB limit for a spec", file=name)
    return parse_spec(data, source_name=name, default_name=default_name, variant=variant)


def _read_at_most(f: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``f``, with a buffer the file's size (f.read(limit) would
    allocate ``limit`` bytes up front: 50 MiB, mapped and unmapped for every spec)."""
    try:
        size = os.fstat(f.fileno()).st_size
    except (OSError, AttributeError):
        size = 0
    data = f.read(min(size + 1, limit)) if size else b""
    if size == 0 or len(data) > size:  # a pipe, /proc, or a file that grew: read on, to the limit
        data += f.read(limit - len(data))
    return data


def parse_spec(text: str | bytes, *, source_name: str = "<string>", default_name: str = "network",
               variant: str | None = None) -> Network:
    """Parse spec text (YAML) into a Network; errors name ``source_name``, the line and the key.
    ``variant`` picks a variant of a family spec (docs/spec.md "Families"; zoo.expand)."""
    import yaml

    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise SpecError(f"is not UTF-8 text (byte 0x{data[e.start]:02x})", file=source_name, line=line) from None
    elif text.startswith("\ufeff"):
        text = text[1:]
    loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    try:
        marks = sum(text.count(c) for c in "[{-:?")
        if marks + text.count(",") > MAX_SPEC_MARKS:
            raise SpecError(
                f"has too many keys and list items for a spec (over {MAX_SPEC_MARKS:,} of the YAML marks "
                "':' ',' '-' '[' '{' '?'): write long runs of layers with repeat:", file=source_name)
        if marks > _DEPTH_PRECHECK:
            _check_depth(text, loader, source_name)
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or "malformed YAML"
        if e.context:
            problem += f" ({e.context})"
        raise SpecError(
            f"invalid YAML: {problem}", file=source_name,
            line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
        ) from None
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1
        raise SpecError(f"invalid YAML: character #x{e.character:04x}: {e.reason}", file=source_name,
                        line=line) from None
    except yaml.YAMLError as e:
        raise SpecError(f"invalid YAML: {e}", file=source_name) from None
    except RecursionError:
        raise SpecError("invalid YAML: nested too deeply", file=source_name) from None
    if root is None:
        raise SpecError("is empty: a spec is a mapping with input: and layers:", file=source_name)
    from .zoo import expand

    root = expand(root, file=source_name, variant=variant)  # families: variant, depth; family keys removed
    return _Parser(source_name, yaml.constructor.SafeConstructor()).network(root, default_name)


def _check_depth(text: str, loader: Any, source_name: str) -> None:
    """Walk the YAML events (iteratively) and refuse absurd nesting before composing."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_YAML_DEPTH:
                m = event.start_mark
                raise SpecError(f"invalid YAML: nested more than {_MAX_YAML_DEPTH} levels deep", file=source_name,
                                line=m.line + 1 if m else None, column=m.column + 1 if m else None)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


#: how an error names a layer: text, or (path, name) made into text only when an error is raised
Label = str | tuple[tuple[int, ...], str | None] | None


class _Parser:
    """Turns the composed node tree into layer dataclasses, checking every key on the way."""

    def __init__(self, file: str, constructor: Any) -> None:
        self.file = file
        self.constructor = constructor
        self.count = 0
        self.defaults: dict[str, Any] = {}

    # --------------------------------------------------------------- errors

    def error(self, node: Any, message: str, layer: Label = None) -> SpecError:
        mark = node.start_mark if node is not None else None
        if isinstance(layer, tuple):
            layer = layer_label(*layer)
        return SpecError(message, file=self.file, line=mark.line + 1 if mark else None, layer=layer)

    # --------------------------------------------------------------- nodes

    def scalar(self, node: Any, key: str, layer: Label) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _INT:
            # (past 4,300 digits Python refuses to read an int, and past MAX_DIGITS the counts
            # could not be printed)
            if len(node.value) > MAX_DIGITS:
                raise self.error(node, f"{key}: a number longer than {MAX_DIGITS} digits", layer)
            try:
                return int(node.value)
            except ValueError:
                return self.constructor.construct_yaml_int(node)
        if tag == _FLOAT:
            return self.constructor.construct_yaml_float(node)
        if tag == _BOOL:
            return self.constructor.bool_values[node.value.lower()]
        if tag == _NULL:
            return None
        raise self.error(node, f"{key}: unsupported YAML type {tag!r}", layer)

    def plain(self, node: Any, what: str, layer: Label) -> None:
        """Refuse a list or mapping with a tag (!!python/object/apply:..., say): a spec is plain YAML."""
        if node.tag != (_SEQ if node.id == "sequence" else _MAP):
            raise self.error(node, f"{what}: unsupported YAML type {node.tag!r}", layer)

    def value(self, node: Any, key: str, layer: Label) -> Any:
        """A plain value: a scalar, or a flat list of scalars."""
        if node.id == "scalar":
            return self.scalar(node, key, layer)
        if node.id == "sequence":
            self.plain(node, key, layer)
            if len(node.value) > _MAX_LIST:
                raise self.error(node, f"{key}: a list of {len(node.value):,} items is too long here", layer)
            items = []
            for item in node.value:
                if item.id != "scalar":
                    raise self.error(item, f"{key}: expected a number or a word here, not a nested {item.id}", layer)
                items.append(self.scalar(item, key, layer))
            return items
        raise self.error(node, f"{key}: expected a value, got a mapping", layer)

    def mapping(self, node: Any, what: str, layer: Label) -> dict[str, tuple[Any, Any]]:
        """A mapping node as {key: (key node, value node)}; merge keys (<<) applied, duplicates refused."""
        if node.id != "mapping":
            raise self.error(node, f"{what} must be a mapping (key: value), not a {node.id}", layer)
        self.plain(node, what, layer)
        out: dict[str, tuple[Any, Any]] = {}
        merged: dict[str, tuple[Any, Any]] = {}
        for k, v in node.value:
            if k.tag == _MERGE:
                sources = v.value if v.id == "sequence" else [v]
                for src in sources:
                    for mk, mv in self.mapping(src, "a merged value (<<)", layer).items():
                        merged.setdefault(mk, mv)
                continue
            if k.id != "scalar":
                raise self.error(k, f"{what}: a key must be a word, not a {k.id}", layer)
            key = str(self.scalar(k, "key", layer))
            if key in out:
                raise self.error(k, f"duplicate key {key!r}", layer)
            out[key] = (k, v)
        for mk, mv in merged.items():
            out.setdefault(mk, mv)
        return out

    def check(self, key: str, knode: Any, vnode: Any, check: Check, layer: Label) -> Any:
        v = self.value(vnode, key, layer)
        try:
            return check(v)
        except _Bad as e:
            raise self.error(knode, f"{key}={_show(v)} {e.reason}", layer) from None

    # --------------------------------------------------------------- the document

    def network(self, root: Any, default_name: str) -> Network:
        top = self.mapping(root, "a spec", None)
        for key, (k, _) in top.items():
            if key not in TOP_KEYS:
                raise self.error(k, f"unknown key {key!r}{_suggest(key, list(TOP_KEYS))}; a spec has "
                                 f"{', '.join(TOP_KEYS)}")
        values: dict[str, Any] = {}
        for key in ("name", "input", "width", "resolution", "channel_rounding"):
            if key in top:
                k, v = top[key]
                values[key] = self.check(key, k, v, TOP_KEYS[key], None)
        if "input" not in values:
            raise self.error(root, "missing 'input: [C, H, W]' (the input image, e.g. [3, 224, 224])")
        if "defaults" in top:
            k, v = top["defaults"]
            for key, (dk, dv) in self.mapping(v, "defaults", None).items():
                if key not in DEFAULT_KEYS:
                    raise self.error(dk, f"defaults: unknown key {key!r}{_suggest(key, list(DEFAULT_KEYS))}; "
                                     f"defaults has {', '.join(DEFAULT_KEYS)}")
                self.defaults[key] = self.check(key, dk, dv, DEFAULT_KEYS[key], "defaults")
        if "layers" not in top:
            raise self.error(root, "missing 'layers:' (the list of layers)")
        k, v = top["layers"]
        layers = self.layers(v, (), "layers")
        if not layers:
            raise self.error(v, "layers: is empty; give at least one layer")
        return Network(
            name=values.get("name", default_name),
            input=values["input"],
            layers=layers,
            width=values.get("width", 1.0),
            channel_rounding=values.get("channel_rounding", "floor"),
            resolution=values.get("resolution"),
            origin=Origin(self.file, root.start_mark.line + 1),
        )

    def layers(self, node: Any, prefix: tuple[int, ...], what: str, label: Label = None) -> tuple[Layer, ...]:
        if node.id != "sequence":
            if node.id == "scalar" and node.tag == _NULL:
                return ()
            raise self.error(node, f"{what} must be a list of layers (- {{kind: ...}}), not a {node.id}", label)
        self.plain(node, what, label)
        if len(prefix) > MAX_DEPTH:
            raise self.error(node, f"layers are nested more than {MAX_DEPTH} levels deep", label)
        return tuple(self.layer(item, prefix + (i,)) for i, item in enumerate(node.value, 1))

    def layer(self, node: Any, path: tuple[int, ...]) -> Layer:
        self.count += 1
        if self.count > MAX_LAYERS:
            raise self.error(node, f"the spec has over {MAX_LAYERS:,} layers (the limit)")
        label: Label = (path, None)
        keys = self.mapping(node, "a layer", label)
        if "kind" not in keys:
            raise self.error(node, f"missing 'kind' (one of {', '.join(KINDS)})", label)
        knode, vnode = keys["kind"]
        kind = self.value(vnode, "kind", label)
        if not isinstance(kind, str) or kind not in KINDS:  # a list is no kind (and no dict key)
            raise self.error(knode, f"kind={_show(kind)} is not a layer kind{_suggest(str(kind), list(KINDS))}; "
                             f"kinds: {', '.join(KINDS)}", label)
        name = None
        if "name" in keys:
            name = self.check("name", *keys["name"], _text, label)
        label = (path, name or f"{kind}{path[-1]}")
        own = KEYS[kind]
        args: dict[str, Any] = {}
        if name is not None:
            args["name"] = name
        for key, (k, v) in keys.items():
            if key in ("kind", "name"):
                continue
            check = COMMON.get(key) or own.get(key)
            if check is None:
                raise self.error(k, self._unknown(key, kind), label)
            if key == "layers" and kind == "block":
                args["layers"] = self.layers(v, path, "layers", label)
            elif key == "branches" and kind == "branches":
                if v.id != "sequence":
                    raise self.error(v, "branches must be a list of layer lists", label)
                self.plain(v, "branches", label)
                args["branches"] = tuple(
                    self.layers(b, path + (j,), f"branch {j}", label) for j, b in enumerate(v.value, 1)
                )
            else:
                args[key] = self.check(key, k, v, check, label)
        for key in REQUIRED.get(kind, ()):
            if key not in args:
                raise self.error(node, f"missing {key!r} (kind {kind} needs it)", label)
        if kind in _TAKES_DEFAULTS or kind == "block":
            for key in ("bias", "batchnorm", "activation") if kind != "block" else ("bias", "batchnorm"):
                if key not in args and key in self.defaults:
                    args[key] = self.defaults[key]
        if kind == "pool":
            self._pool(args, node, label)
        args["origin"] = Origin(self.file, node.start_mark.line + 1)
        return KINDS[kind](**args)

    def _pool(self, args: dict[str, Any], node: Any, label: Label) -> None:
        glob = args.pop("global", False)
        given = [k for k in ("kernel", "output") if k in args] + (["global"] if glob else [])
        if len(given) != 1:
            why = "exclude each other" if given else "is missing"
            raise self.error(node, f"pool: kernel, global: true or output: [h, w] {why} (give exactly one)", label)
        if glob:
            args["output"] = (1, 1)
        elif "output" in args and ("stride" in args or "padding" in args):
            raise self.error(node, "pool: stride and padding apply to a kernel window, not to output: [h, w]", label)

    def _unknown(self, key: str, kind: str) -> str:
        allowed = [*COMMON, *KEYS[kind]]
        hint = _suggest(key, allowed)
        others = [k for k, keys in KEYS.items() if key in keys]
        if not hint and others:
            hint = f" (kinds with {key!r}: {', '.join(others)})"
        if key in ("in", "in_channels", "input"):
            hint = " (input channels come from the previous layer; never write them)"
        return f"unknown key {key!r} for kind {kind}{hint}; it takes {', '.join(k for k in allowed)}"
