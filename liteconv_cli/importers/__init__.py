"""Model files read as network specs: ONNX (``.onnx``) and Keras (``.keras``, ``model.to_json()``).

Each reader turns a file into the data a YAML spec holds (``docs/spec.md``): ``name``,
``input``/``inputs``, ``layers`` with ``kind``, their keys and ``from:``, ``outputs``. The spec
loader and the walk then count it as any spec, so every table, format and analysis works on
a model file, and ``liteconv import`` writes the same data as YAML. How each op is counted,
and what is refused: ``docs/importers.md``.

Nothing here is imported until a model file is named; the ONNX reader needs the ``onnx``
package (``pip install 'liteconv[onnx]'``), the Keras reader only the standard library.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import SpecError, UsageProblem
from ._graph import Imported

if TYPE_CHECKING:
    from ..engine.network import Network

__all__ = ["MODEL_SUFFIXES", "Imported", "dump", "is_model_file", "load_network", "parse_input_dims", "read_model",
           "unknown_note"]

#: file name endings that may be a model file (a .json may also be a spec: its content decides)
MODEL_SUFFIXES = (".onnx", ".keras", ".h5", ".hdf5", ".json")

#: largest Keras JSON config read (bytes); keras.applications' largest is under 2 MiB
MAX_JSON_BYTES = 64 * 1024 * 1024


def _sniff_json(path: str) -> str | None:
    """"keras" for a Keras model config, None for a liteconv spec, "json" for other JSON
    (from the first 64 KiB: a Keras config names class_name early, a spec has layers:)."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError:
        return None  # the spec loader says why
    text = head.decode("utf-8", "replace")
    if '"class_name"' in text or '"keras_version"' in text:
        return "keras"
    if "layers" in text or not text.lstrip().startswith(("{", "[")):
        return None
    return "json"


def is_model_file(path: str) -> str | None:
    """The format of a model file at ``path`` ("onnx" or "keras"), or None for anything else
    (a YAML or JSON spec): by extension, and for ``.json`` by its first bytes."""
    if path == "-":
        return None
    low = path.lower()
    if low.endswith(".onnx"):
        return "onnx"
    if low.endswith(".keras") or low.endswith(".h5") or low.endswith(".hdf5"):
        return "keras"
    if low.endswith(".json"):
        return _sniff_json(path)
    return None


def parse_input_dims(values: Sequence[str] | str | None) -> dict[str | None, list[int]]:
    """``--input`` values as {input name or None: [C, H, W]}.

    Each value is ``C,H,W`` (or ``CxHxW``) for the model's only input, or ``NAME=C,H,W``.

    Raises:
        SpecError: a value that is not positive integers.
    """
    if values is None:
        return {}
    if isinstance(values, str):
        values = [values]
    out: dict[str | None, list[int]] = {}
    for value in values:
        name: str | None = None
        dims_text = value.strip()
        if "=" in dims_text:
            name, dims_text = (s.strip() for s in dims_text.split("=", 1))
        parts = [p for p in dims_text.replace("x", ",").replace(" ", ",").strip("[]()").split(",") if p]
        try:
            dims = [int(p) for p in parts]
        except ValueError:
            dims = []
        if not dims or any(d < 1 for d in dims) or len(dims) > 4:
            raise UsageProblem(f"--input {value!r} is not CxHxW (1 to 4 positive integers, optionally NAME=...)")
        out[name] = dims
    return out


def read_model(path: str, input_dims: dict[str | None, list[int]] | None = None,
               allow_unknown: bool = False) -> Imported:
    """Read the model file at ``path`` (ONNX or Keras) as spec data.

    ``input_dims``: dims after the batch for inputs the file leaves symbolic, by input name
    (None for the only input); see :func:`parse_input_dims`. ``allow_unknown``: an ONNX op
    liteconv does not count becomes an ``unknown`` row instead of an error.

    Raises:
        SpecError: the file cannot be read as a model (one line naming the file and why).
    """
    kind = is_model_file(path)
    if kind == "onnx":
        from .onnx_reader import read_onnx

        return read_onnx(path, input_dims, allow_unknown)
    if kind == "keras":
        from .keras_reader import read_keras

        return read_keras(path, input_dims, allow_unknown)
    if kind == "json":
        raise SpecError("is JSON of another kind: neither a Keras model config (model.to_json(): class_name and "
                        "config) nor a liteconv spec (input and layers)", file=path)
    if not os.path.exists(path):
        raise SpecError("no such file", file=path)
    raise SpecError("is not a model file liteconv reads (.onnx, .keras, or a Keras .json config)", file=path)



def unknown_note(imported: Imported) -> str:
    """The sentence under the totals (and in ``liteconv import``'s header) listing the ops of an
    ``--allow-unknown`` read, by type with their counts: they are ``unknown`` rows, counted as 0."""
    listing = ", ".join(f"{op} ({n})" for op, n in sorted(imported.unknown.items()))
    return (f"Counted as 0 (--allow-unknown): ops liteconv does not know, kept as 'unknown' rows with their output "
            f"shape and no params or MACs: {listing}.")


def dump(data: dict[str, Any], header: str | None = None) -> str:
    """Spec data as YAML text: top-level keys in block style, each layer on one line.

    ``header`` is written first as ``#`` comment lines. Reading the text back (``liteconv
    network``) gives the layers ``data`` holds.
    """
    import yaml

    style: dict[str, Any] = {"default_flow_style": None}  # lists of scalars in flow style (typeshed says bool)
    root = yaml.representer.SafeRepresenter(sort_keys=False, **style).represent_data(data)
    for key, value in root.value:
        if key.value == "layers":
            for layer in value.value:
                layer.flow_style = True  # one line each, lists (an unknown op's output:) included
    text = yaml.serialize(root, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), width=1_000_000,
                          allow_unicode=False)
    if header:
        text = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()) + text
    return text


def load_network(path: str, input_dims: dict[str | None, list[int]] | None = None, allow_unknown: bool = False,
                 notes: list[str] | None = None) -> Network:
    """The model file at ``path`` as a :class:`~liteconv_cli.engine.network.Network`, read
    through the spec loader (so it is checked as any spec is). ``notes``, when given, receives
    the reader's notes (BatchNorm folded by the exporter, Keras' own parameter count, ...).

    Raises:
        SpecError: as :func:`read_model`; or the spec loader's error for a layer (naming the file
            and the layer, with no line: the file has none).
    """
    from ..spec import parse_data

    imported = read_model(path, input_dims, allow_unknown)
    net = parse_data(imported.data, source_name=path, default_name=str(imported.data.get("name")))
    if notes is not None:
        notes.extend(imported.notes)
        if imported.unknown:
            notes.append(unknown_note(imported))
    return net
