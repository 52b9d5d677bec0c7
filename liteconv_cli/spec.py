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

import os
import re
from typing import Any

from .engine import keys as K
from .engine.cost import MAX_DIGITS, MAX_WIDTH_MULT
from .engine.network import (
    ACTIVATIONS,
    KINDS,
    MAX_DEPTH,
    MAX_LAYERS,
    REGISTRY,
    Layer,
    Network,
    Origin,
    kind_of,
    layer_label,
)
from .engine.network import (
    COMMON as KIND_COMMON,
)
from .engine.shapes import Shape
from .errors import SpecError, reading

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


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_VALUE = "tag:yaml.org,2002:value"
#: the tags PyYAML gives plain scalars: their meaning is read from the text (read_scalar)
_SCALAR_TAGS = frozenset((_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _VALUE))
#: a plain (unquoted) scalar's style: None from PyYAML, "" from libyaml
_PLAIN = (None, "")

# ------------------------------------------------------------------ scalars as the user means them
#
# PyYAML follows YAML 1.1, where 1:7 is the base-60 number 67, 017 is octal 15, 0x10, 0b1000,
# 1_000 and +5 are integers, and yes/no/on/off are booleans. A spec is read by these rules
# instead (docs/spec.md, "How values are read"): a plain scalar is an integer when it is written
# in decimal digits, a number when it also has a decimal point or an exponent, true/false,
# null/~/empty, and otherwise text, which a key that wants a number refuses, with a hint
# (yaml_hint) saying what YAML 1.1 would have made of it and how to write what was meant.

class _Pattern:
    """A regular expression compiled on first use: most runs read only plain numbers and words,
    which read_scalar takes before any pattern, and compiling them all costs start-up time."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:  # fullmatch, match, ...: the compiled pattern's
        if self.compiled is None:
            self.compiled = re.compile(self.pattern)
        return getattr(self.compiled, name)


_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_DECIMAL_INT = _Pattern(r"-?(?:0|[1-9][0-9]*)")
_DECIMAL = _Pattern(r"-?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)")
#: anything made of digits and number punctuation (for the length limit)
_NUMBER = _Pattern(r"[-+]?[0-9_.:eExXoObB]+")
_YAML11_BOOLS = {w: w.lower() in ("yes", "on") for b in ("yes", "no", "on", "off") for w in (b, b.title(), b.upper())}
_SEXAGESIMAL = _Pattern(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_PAIR_TEXT = _Pattern(r"([0-9]+)\s*[xX]\s*([0-9]+)")
_COLON_PAIR = _Pattern(r"([0-9]+)\s*:\s*([0-9]+)")
_BASES = {"0x": (16, "hexadecimal"), "0o": (8, "octal"), "0b": (2, "binary")}


def read_scalar(text: str) -> None | bool | int | float | str:
    """A plain scalar's value: None, a bool, a decimal int, a decimal float, else the text itself.

    ``true``/``false`` (also ``True``, ``TRUE``...) are booleans and ``null``, ``~`` or nothing is
    None, as YAML 1.2; integers are decimal digits with an optional ``-`` and no leading zero;
    numbers also have a decimal point or an exponent (``0.75``, ``.5``, ``1e-3``). Everything
    else (``1:7``, ``0x10``, ``017``, ``1_000``, ``+5``, ``yes``, ``.inf``) stays text.
    """
    if text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1):
        return int(text)  # the common case first: a plain decimal integer
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text[0].isalpha():
        return text  # a word (no number starts with a letter)
    if _DECIMAL_INT.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return text


def _yaml11_number(text: str) -> tuple[int | float, str] | None:
    """What YAML 1.1 (PyYAML) reads a text as, when it is a number we refuse: (value, how)."""
    sign = -1 if text[:1] == "-" else 1
    body = text.lstrip("+-").replace("_", "")
    if not body:
        return None
    base = _BASES.get(body[:2].lower())
    if base is not None:
        try:
            return sign * int(body[2:], base[0]), f"the {base[1]} number"
        except ValueError:
            return None
    if len(body) > 1 and body[0] == "0" and body.isdigit():
        try:
            return sign * int(body, 8), "the octal number"
        except ValueError:
            return None
    if ":" in body and _SEXAGESIMAL.fullmatch(text):
        whole, _, frac = body.partition(".")
        n = 0
        for part in whole.split(":"):
            n = n * 60 + int(part)
        return (sign * (n + float("0." + frac)) if frac else sign * n), "the base-60 number"
    return None


def yaml_hint(node: Any, in_list: bool = False) -> str:
    """A hint for a refused value whose text YAML 1.1 reads otherwise, or the user wrote otherwise.

    ``kernel: 1:7`` -> ``YAML 1.1 reads 1:7 as the base-60 number 67: a pair is written [1, 7]``.
    ``node`` is a scalar node or a sequence of them; "" when no hint applies.
    """
    if node.id == "sequence":
        hints = (yaml_hint(item, True) for item in node.value if item.id == "scalar")
        return next((h for h in hints if h), "")
    text = node.value
    if node.style not in _PLAIN:
        if node.tag == _STR and (_DECIMAL_INT.fullmatch(text) or _DECIMAL.fullmatch(text) or text in _BOOLS):
            return f"{text!r} is quoted, so it is text: write {text} without quotes"
        return ""
    if text in _YAML11_BOOLS:
        return f"YAML 1.1 reads {text} as {str(_YAML11_BOOLS[text]).lower()}; a spec's booleans are true and false"
    if text.lower().lstrip("+-") in (".inf", ".nan"):
        return f"{text} is YAML for {'not a number' if 'nan' in text.lower() else 'infinity'}: give a finite number"
    read = _yaml11_number(text)
    if read is not None:
        value, how = read
        hint = f"YAML 1.1 reads {text} as {how} {value:g}" if isinstance(value, float) else \
            f"YAML 1.1 reads {text} as {how} {value}"
        if how == "the base-60 number":
            parts = text.split(":")
            written = f"[{', '.join(p.strip('+') for p in parts)}]"
            return hint + (f": a pair is written {written}" if len(parts) == 2 and not in_list else "")
        if how == "the octal number" and text.lstrip("+-")[:2].isdigit():
            return hint + ": write decimal numbers without a leading zero"
        return hint + f": write {value} in decimal"
    pair = _PAIR_TEXT.fullmatch(text)
    if pair:
        return f"a pair is written [{pair[1]}, {pair[2]}] in a spec ({text} is the command line's spelling)"
    pair = _COLON_PAIR.fullmatch(text)
    if pair and not in_list:
        return f"a pair is written [{pair[1]}, {pair[2]}]"
    if "_" in text and _DECIMAL_INT.fullmatch(text.replace("_", "").lstrip("+")):
        return f"write {text.replace('_', '').lstrip('+')} without underscores"
    if text[:1] == "+" and (_DECIMAL_INT.fullmatch(text[1:]) or _DECIMAL.fullmatch(text[1:])):
        return f"write {text[1:]} without the plus sign"
    return ""


#: keys of unique_names' tree: the layer a name ends at, and a layer at or below a node
_END, _BELOW = object(), object()


#: a value is wrong; the caller knows the file, line, layer and key (the registry's checks raise it)
_Bad = K.Bad


# ------------------------------------------------------------------ value checks


def _show(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return repr(v)
    return str(v)


def _printable(text: str) -> str:
    """``text`` with every unprintable character escaped (``\\x1b``): a default name from a file name."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


#: a network's or a layer's name: non-empty printable text (engine/keys.py)
_name = K.NAME


#: checks that take a scalar's text as it is written (read with raw=True)
_TEXT_CHECKS = (K.TEXT, K.NAME, K.NAMES)


def _width_fn(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= MAX_WIDTH_MULT:
        raise _Bad(f"is not a width multiplier: a number above 0 and at most {MAX_WIDTH_MULT:,}")
    return v


_width = K.Check(_width_fn, {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_WIDTH_MULT},
                 "a positive number")
_text = K.TEXT


# ------------------------------------------------------------------ the keys of each kind

Check = K.Check
_ACT = K.enum(*ACTIVATIONS)
#: the record field of a key where the key is a Python keyword
_FIELD = {"from": "from_", "global": "global_"}

#: keys every layer takes (``kind`` is read first): the registry's, and scale_depth (read by zoo.expand)
COMMON: dict[str, Check] = {**{k: key.check for k, key in KIND_COMMON.items()}, "name": _name,
                            "scale_depth": K.BOOL}
#: kind -> its own keys (besides COMMON) and their checks: read from the kind registry
KEYS: dict[str, dict[str, Check]] = {name: {k: key.check for k, key in kind.keys.items()}
                                     for name, kind in REGISTRY.items()}
REQUIRED: dict[str, tuple[str, ...]] = {name: kind.required for name, kind in REGISTRY.items() if kind.required}
TOP_KEYS: dict[str, Check] = {
    "name": _name, "description": _text, "input": K.INPUT, "inputs": K.MAPPING, "outputs": K.NAMES,
    "width": _width, "resolution": K.POS_INT, "channel_rounding": K.ROUNDING, "defaults": K.MAPPING,
    "layers": K.NESTED,
    "family": _text, "source": _text, "depth": _width, "variants": K.MAPPING,  # families: read by zoo.expand
}
DEFAULT_KEYS: dict[str, Check] = {"bias": K.BOOL, "batchnorm": K.BOOL, "activation": _ACT,
                                  "functional": K.FUNCTIONAL}

assert set(KEYS) == set(KINDS)


#: kinds of the engine being written (issue 9): named, they are said to be coming, not "did you
#: mean" a kind that only looks alike (linear is not lite); the registry of kinds replaces this
_KINDS_NOT_YET: tuple[str, ...] = ()
#: other names of a kind, for the hint
_KIND_SYNONYMS = {
    "deconv": "conv_transpose", "deconvolution": "conv_transpose", "transposed_conv": "conv_transpose",
    "convtranspose": "conv_transpose", "convtranspose2d": "conv_transpose", "conv_transpose2d": "conv_transpose",
    "interpolate": "upsample", "resize": "upsample", "layer_norm": "layernorm", "group_norm":
    "groupnorm", "instance_norm": "instancenorm", "mha": "attention", "multihead_attention": "attention",
    "cat": "concat", "sum": "add", "multiply": "mul", "zeropad": "pad",
    "conv2d": "conv", "convolution": "conv", "dense": "fc", "fully_connected": "fc", "maxpool": "pool",
    "avgpool": "pool", "max_pool": "pool", "avg_pool": "pool", "bn": "batchnorm", "batchnorm2d": "batchnorm",
}
#: keys of the engine being written, by kind ("*": every kind), with what to say meanwhile
_KEYS_NOT_YET: dict[str, dict[str, str]] = {"*": {}}


def _kind_hint(kind: object) -> str:
    """What to say after "kind=... is not a layer kind": coming soon, another name for, or did you mean."""
    word = str(kind)
    key = word.lower().replace("-", "_")
    if key in _KINDS_NOT_YET:
        return " yet (it comes with the next engine)"
    if key in _KIND_SYNONYMS:
        target = _KIND_SYNONYMS[key]
        return f" (another name for kind {target}, which is not supported yet)" if target in _KINDS_NOT_YET else \
            f" (write kind: {target})"
    return _suggest(word, list(KINDS))


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
        with reading(name), open(path, "rb") as f:
            data = _read_at_most(f, MAX_SPEC_BYTES + 1)
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
    if variant is not None or "variants" in text or "depth" in text:  # a family (or may be): zoo's pass
        from .zoo import expand

        root = expand(root, file=source_name, variant=variant)  # families: variant, depth; family keys removed
    return _Parser(source_name, yaml.constructor.SafeConstructor()).network(root, default_name)


def parse_data(data: dict[str, Any], *, source_name: str = "<data>", default_name: str = "network") -> Network:
    """Parse spec data (the dicts, lists and scalars a YAML spec holds, as a model reader writes
    them) into a Network, with every check :func:`parse_spec` makes.

    The data is turned into PyYAML's node tree by PyYAML's own representer (nothing is written
    out or parsed as text, so no size or mark limit applies beyond ``MAX_LAYERS``); a string that
    YAML would read as another type (``"3"``, ``"null"``) stays text, as the dumped YAML would
    quote it. Errors name ``source_name`` and the layer, never a line (there is no text).

    Raises:
        SpecError: as parse_spec: a key, kind, value or layer name the spec format refuses.
    """
    import yaml

    representer = _data_representer()(sort_keys=False)
    root = representer.represent_data(data)
    from .zoo import expand

    root = expand(root, file=source_name)
    return _Parser(source_name, yaml.constructor.SafeConstructor()).network(root, default_name)


_REPRESENTER: Any = None


def _data_representer() -> Any:
    """PyYAML's SafeRepresenter, with a string that reads as another type as a plain scalar quoted."""
    global _REPRESENTER
    if _REPRESENTER is None:
        import yaml

        class Representer(yaml.representer.SafeRepresenter):
            def represent_str(self, data: str) -> Any:
                plain = isinstance(read_scalar(data), str)  # else _Parser.scalar would read a number, bool, null
                return self.represent_scalar(_STR, data, style=None if plain else "'")

        Representer.add_representer(str, Representer.represent_str)
        _REPRESENTER = Representer
    return _REPRESENTER


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

    def scalar(self, node: Any, key: str, layer: Label, raw: bool = False) -> Any:
        """A scalar as the user means it (see :func:`read_scalar`); ``raw``: its text, for a name."""
        if node.tag not in _SCALAR_TAGS:
            raise self.error(node, f"{key}: unsupported YAML type {node.tag!r}", layer)
        text = node.value
        if raw:
            return None if node.style in _PLAIN and text in _NULLS else text
        if node.style not in _PLAIN and node.tag == _STR:
            return text  # quoted or a block: text, whatever it spells
        if len(text) > MAX_DIGITS + 8 and _NUMBER.fullmatch(text):
            # (past 4,300 digits Python refuses to read an int, and past MAX_DIGITS the counts
            # could not be printed)
            raise self.error(node, f"{key}: a number longer than {MAX_DIGITS} digits", layer)
        value = read_scalar(text)
        if _is_int(value) and len(text.lstrip("-")) > MAX_DIGITS:
            raise self.error(node, f"{key}: a number longer than {MAX_DIGITS} digits", layer)
        return value

    def plain(self, node: Any, what: str, layer: Label) -> None:
        """Refuse a list or mapping with a tag (!!python/object/apply:..., say): a spec is plain YAML."""
        if node.tag != (_SEQ if node.id == "sequence" else _MAP):
            raise self.error(node, f"{what}: unsupported YAML type {node.tag!r}", layer)

    def value(self, node: Any, key: str, layer: Label, raw: bool = False) -> Any:
        """A plain value: a scalar, or a flat list of scalars."""
        if node.id == "scalar":
            return self.scalar(node, key, layer, raw)
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
            if k.tag not in _SCALAR_TAGS:  # a tagged key (!!python/...): refused as scalar() refuses it
                self.scalar(k, "key", layer, raw=True)
            key = k.value
            if key in out:
                raise self.error(k, f"duplicate key {key!r}", layer)
            out[key] = (k, v)
        for mk, mv in merged.items():
            out.setdefault(mk, mv)
        return out

    def check(self, key: str, knode: Any, vnode: Any, check: Check, layer: Label) -> Any:
        text = vnode.value
        if vnode.id == "scalar" and vnode.style in _PLAIN and vnode.tag in _SCALAR_TAGS and check not in _TEXT_CHECKS \
                and type(text) is str and text.isdigit() and text.isascii() and (text[0] != "0" or len(text) == 1) \
                and len(text) <= MAX_DIGITS:
            v: Any = int(text)  # the common case, read at once: a plain decimal integer (read_scalar's rule)
        else:
            v = self.value(vnode, key, layer, raw=check in _TEXT_CHECKS)
        try:
            return check.fn(v) if type(check) is K.Check else check(v)
        except _Bad as e:
            hint = yaml_hint(vnode)
            raise self.error(knode, f"{key}={_show(v)} {e.reason}{'; ' + hint if hint else ''}", layer) from None

    # --------------------------------------------------------------- the document

    def network(self, root: Any, default_name: str) -> Network:
        top = self.mapping(root, "a spec", None)
        for key, (k, _) in top.items():
            if key not in TOP_KEYS:
                raise self.error(k, f"unknown key {key!r}{_suggest(key, list(TOP_KEYS))}; a spec has "
                                 f"{', '.join(TOP_KEYS)}")
        values: dict[str, Any] = {}
        for key in ("name", "input", "width", "resolution", "channel_rounding", "outputs"):
            if key in top:
                k, v = top[key]
                values[key] = self.check(key, k, v, TOP_KEYS[key], None)
        inputs = None
        if "inputs" in top:
            if "input" in values:
                raise self.error(top["inputs"][0], "input and inputs exclude each other: give one")
            k, v = top["inputs"]
            named = self.mapping(v, "inputs", None)
            if not named:
                raise self.error(v, "inputs: is empty; give name: [C, H, W] for each input")
            inputs = tuple((self.check("inputs", kn, kn, _name, None),
                            _shape(self.check(key, kn, vn, K.INPUT, None)))
                           for key, (kn, vn) in named.items())
            values["input"] = inputs[0][1]
        elif "input" in values:
            values["input"] = _shape(values["input"])
        if "input" not in values:
            raise self.error(root, "missing 'input: [C, H, W]' (the input, e.g. [3, 224, 224]; [C, L] for 1-D, "
                                   "[C, D, H, W] for 3-D)")
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
            name=values.get("name") or _printable(default_name),
            input=values["input"],
            layers=layers,
            width=values.get("width", 1.0),
            channel_rounding=values.get("channel_rounding", "floor"),
            resolution=values.get("resolution"),
            origin=Origin(self.file, _line(root)),
            inputs=inputs,
            outputs=values.get("outputs", ()),
        )

    def layers(self, node: Any, prefix: tuple[int, ...], what: str, label: Label = None) -> tuple[Layer, ...]:
        if node.id != "sequence":
            if node.id == "scalar" and node.tag == _NULL:
                return ()
            raise self.error(node, f"{what} must be a list of layers (- {{kind: ...}}), not a {node.id}", label)
        self.plain(node, what, label)
        if len(prefix) > MAX_DEPTH:
            raise self.error(node, f"layers are nested more than {MAX_DEPTH} levels deep", label)
        layers = tuple(self.layer(item, prefix + (i,)) for i, item in enumerate(node.value, 1))
        self.unique_names(layers, prefix)
        return layers

    def unique_names(self, layers: tuple[Layer, ...], prefix: tuple[int, ...]) -> None:
        """Refuse two layers of one list whose rows would share a name (docs/spec.md, "Names").

        A layer named ``a`` has rows ``a`` or ``a.<part>`` (``a.1``, ``a.2`` when repeated;
        ``a.depthwise``; ``a.inner`` in a block), so beside it no layer may be named ``a``, nor
        ``a.<anything>``. Lists of different parents cannot clash: their names differ in front.
        The names are kept in a tree of their dot-separated parts, so the check is linear.
        """
        tree: dict[object, Any] = {}
        for i, layer in enumerate(layers, 1):
            base = layer.name or f"{kind_of(layer)}{i}"
            node, clash, how = tree, None, ""
            for part in base.split("."):
                if _END in node:
                    clash, how = node[_END], "extends"
                    break
                node.setdefault(_BELOW, i)
                node = node.setdefault(part, {})
            else:
                if _END in node:
                    clash, how = node[_END], "is also"
                elif len(node) > 0:
                    clash, how = node[_BELOW], "is the front of"
            if clash is not None:
                raise self._name_clash(layers, prefix, i, base, clash, how)
            node[_END] = i
            node.setdefault(_BELOW, i)

    def _name_clash(self, layers: tuple[Layer, ...], prefix: tuple[int, ...], i: int, base: str, j: int,
                    how: str) -> SpecError:
        layer, other = layers[i - 1], layers[j - 1]
        theirs = other.name or f"{kind_of(other)}{j}"
        where = f"layer {'.'.join(map(str, prefix + (j,)))} (line {other.origin.line if other.origin else '?'})"
        mine = "name" if layer.name is not None else "default name"
        if how == "is also":
            their = "name" if other.name is not None else "default name"
            text = f"the {mine} {base!r} is also the {their} of {where}: layer names must be unique"
        else:
            front, repeated = (theirs, other) if how == "extends" else (base, layer)
            rows = f"{front}.1, {front}.2, ..." if getattr(repeated, "repeat", 1) > 1 else f"{front}.<part>"
            text = (f"the {mine} {base!r} {how} the name {theirs!r} of {where}, whose rows are named "
                    f"{rows}: rename one of them")
            if how != "extends":
                text = text.replace(f"of {where}, whose rows", f"of {where}; this layer's rows")
        return SpecError(text, file=self.file, line=layer.origin.line if layer.origin else None,
                         layer=layer_label(prefix + (i,), base))

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
        if not isinstance(kind, str) or kind not in REGISTRY:  # a list is no kind (and no dict key)
            raise self.error(knode, f"kind={_show(kind)} is not a layer kind{_kind_hint(kind)}; "
                             f"kinds: {', '.join(KINDS)}", label)
        name = None
        if "name" in keys:
            name = self.check("name", *keys["name"], _name, label)
        label = (path, name or f"{kind}{path[-1]}")
        spec = REGISTRY[kind]
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
            if key == spec.nested == "layers":
                args["layers"] = self.layers(v, path, "layers", label)
            elif key == spec.nested == "branches":
                if v.id != "sequence":
                    raise self.error(v, "branches must be a list of layer lists", label)
                self.plain(v, "branches", label)
                args["branches"] = tuple(
                    self.layers(b, path + (j,), f"branch {j}", label) for j, b in enumerate(v.value, 1)
                )
            else:
                args[_FIELD.get(key, key)] = self.check(key, k, v, check, label)
        for key in REQUIRED.get(kind, ()):
            if _FIELD.get(key, key) not in args:
                raise self.error(node, f"missing {key!r} (kind {kind} needs it)", label)
        for group in spec.one_of:
            given = [key for key in group if key in args]
            if not given:
                raise self.error(node, f"missing {group[0]!r} (kind {kind} needs it, or {' or '.join(group[1:])})",
                                 label)
            if len(given) > 1:
                raise self.error(node, f"{' and '.join(given)} exclude each other: give one", label)
        for key in spec.defaults:
            if key not in args and key in self.defaults:
                args[key] = self.defaults[key]
        # defaults: functional applies with the activation, to the kinds that take one from defaults:
        if "activation" in spec.defaults and "functional" not in args and "functional" in self.defaults:
            args["functional"] = self.defaults["functional"]
        if kind == "se" and ("squeeze" in args) == ("ratio" in args):
            what = "squeeze (channels) or ratio (of the input channels)"
            text = f"se: give {what}, not both" if "squeeze" in args else f"se: missing {what}: give one"
            raise self.error(node, text, label)
        if kind == "pool":
            given = [g for g in ("kernel", "output", "global_") if args.get(g)]
            if len(given) != 1:
                why = "exclude each other" if given else "is missing"
                raise self.error(node, f"pool: kernel, global: true or output: [h, w] {why} (give exactly one)", label)
            if "output" in args and ("stride" in args or "padding" in args):
                raise self.error(node, "pool: stride and padding apply to a kernel window, not to output: [h, w]",
                                 label)
        args["origin"] = _new_origin((self.file, _line(node)))
        return spec.record(**args)

    def _unknown(self, key: str, kind: str) -> str:
        allowed = [*KEYS[kind], *(k for k in COMMON if k != "scale_depth")]
        hint = _suggest(key, allowed)
        others = [k for k, keys in KEYS.items() if key in keys]
        if not hint and others:
            hint = f" (kinds with {key!r}: {', '.join(others)})"
        if key in ("in", "in_channels", "input"):
            hint = " (input channels come from the previous layer; never write them)"
        if key in _KEYS_NOT_YET.get(kind, ()) or key in _KEYS_NOT_YET["*"]:
            hint = f" (not supported yet{_KEYS_NOT_YET.get(kind, {}).get(key, '')})"
        return f"unknown key {key!r} for kind {kind}{hint}; it takes {', '.join(k for k in allowed)}"


def _line(node: Any) -> int | None:
    """A node's line (1-based), or None for a node built from data (parse_data)."""
    return node.start_mark.line + 1 if node.start_mark is not None else None


#: an Origin from (file, line), without the NamedTuple's __new__ (one per layer read)
def _new_origin(fields: tuple[str, int | None]) -> Origin:
    return tuple.__new__(Origin, fields)


def _shape(v: tuple[int, ...]) -> Shape:
    return Shape.of(v[0], tuple(v[1:]))
