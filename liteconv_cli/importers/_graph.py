"""The shared half of the model readers: a graph of layers written as spec data.

A reader (ONNX, Keras) walks its file's nodes in order and calls :class:`Builder` once per
operation that becomes a row (``add``), or binds a name to a tensor it already has (a view,
a dropout at inference). The builder names layers uniquely, records the shape of every
tensor (channels and spatial dims, no batch: ``(c, size)``), folds a convolution's
BatchNorm and activation into its layer when nothing else reads them (so an imported
network has the rows a hand-written spec would), and writes the result as the plain dicts
of ``docs/spec.md``: ``name``, ``input``/``inputs``, ``layers`` (each with ``kind``, its
keys and ``from:`` where its input is not the previous layer's output) and ``outputs``.

The output-size rules here are PyTorch's (``docs/importers.md`` gives each); the readers
need them to decide what a node is (a Reshape that flattens, a MatMul per position), and
the engine computes the same sizes again when it walks the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ..errors import SpecError

#: the name of the single input tensor of a spec (``input: [C, H, W]``)
INPUT = "input"


class TShape(NamedTuple):
    """A tensor as the spec sees it: channels and spatial dims (no batch); ``()`` is a vector."""

    c: int
    size: tuple[int, ...]

    @property
    def positions(self) -> int:
        p = 1
        for s in self.size:
            p *= s
        return p

    @property
    def elements(self) -> int:
        return self.c * self.positions

    def dims(self) -> list[int]:
        """``[C, *size]``, as a spec's ``input:`` writes it."""
        return [self.c, *self.size]

    def __str__(self) -> str:
        return "x".join(str(d) for d in self.dims())


class Tensor(NamedTuple):
    """A tensor of the network: the layer (or input) that writes it, and its shape."""

    source: str
    shape: TShape


class LayerInfo(NamedTuple):
    """What a reader knows about one written layer (for tests and notes, not part of the spec)."""

    inputs: tuple[TShape, ...]
    output: TShape
    nodes: tuple[str, ...]  # the file's nodes/layers folded into it, first the one it is named after


class Imported(NamedTuple):
    """A model file read as spec data.

    ``data`` is what a YAML spec holds (``docs/spec.md``); ``notes`` are sentences for the
    person reading the counts (BatchNorm folded by the exporter, Keras' parameter count, ...);
    ``layers`` maps each layer name to its :class:`LayerInfo`; ``file_params`` is the number of
    parameters the file holds by its own format's count: an ONNX file's weight tensors
    (initializers and weight inputs, not BatchNorm's running statistics or shape constants), a
    Keras model's ``count_params()`` (BatchNorm as 4C). ``unknown`` counts the ops liteconv
    does not know, by type; ``counts`` has the format's own split (Keras: ``trainable``,
    ``non_trainable``, ``bn_moving``, ``per_layer`` {name: (params, non-trainable)}).
    """

    data: dict[str, Any]
    notes: tuple[str, ...]
    layers: dict[str, LayerInfo]
    file_params: int | None = None
    unknown: dict[str, int] = {}
    counts: dict[str, Any] = {}


# ------------------------------------------------------------------ output sizes (PyTorch's rules)


def window_out(size: int, kernel: int, stride: int, before: int, after: int, dilation: int = 1,
               ceil_mode: bool = False) -> int:
    """Output length of a convolution or pooling window along one axis.

    ``floor((size + before + after - dilation*(kernel-1) - 1) / stride) + 1`` (torch.nn.Conv2d);
    with ``ceil_mode`` the ceiling, less one when the last window would start in the right
    padding (torch.nn.MaxPool2d). ValueError when the window is larger than the padded input.
    """
    span = dilation * (kernel - 1) + 1
    total = size + before + after
    if total < span:
        raise ValueError(f"the window ({span}) is larger than the padded input ({total})")
    if not ceil_mode:
        return (total - span) // stride + 1
    out = -(-(total - span) // stride) + 1
    if (out - 1) * stride >= size + before:
        out -= 1
    return out


def transpose_out(size: int, kernel: int, stride: int, before: int, after: int, dilation: int = 1,
                  output_padding: int = 0) -> int:
    """Output length of a transposed convolution: ``(size-1)*stride - before - after + dilation*(k-1) + op + 1``."""
    return (size - 1) * stride - before - after + dilation * (kernel - 1) + output_padding + 1


def same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's (and ONNX SAME_UPPER's) ``same`` padding: output ``ceil(size / stride)``,
    total ``max((out-1)*stride + dilation*(k-1) + 1 - size, 0)``, the odd pixel after (bottom/right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def compact(values: Sequence[int]) -> int | list[int]:
    """One integer when every dim has the same value, else the list (the spec takes either)."""
    vals = [int(v) for v in values]
    return vals[0] if vals and all(v == vals[0] for v in vals) else vals


# ------------------------------------------------------------------ the builder

#: layer kinds whose ``batchnorm:`` key can take a following BatchNorm into the layer's row
_TAKES_BN = ("conv", "depthwise", "conv_transpose")
#: layer kinds whose ``activation:`` key can take a following activation into the layer's row
_TAKES_ACT = ("conv", "depthwise", "conv_transpose", "linear", "fc")


def conv_keys(c_in: int, out: int, groups: int, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The kind and keys of a convolution: ``depthwise`` (with ``multiplier``) when groups = C_in > 1,
    so that a width multiplier scales it with its input, else ``conv`` with ``out`` and ``groups``."""
    if groups == c_in > 1 and out % c_in == 0:
        head = {"multiplier": out // c_in} if out != c_in else {}
        return "depthwise", {**head, **keys}
    head = {"out": out}
    tail = {"groups": groups} if groups != 1 else {}
    return "conv", {**head, **keys, **tail}


class Builder:
    """Collects layers in order; :meth:`finish` folds and writes the spec data."""

    def __init__(self, file: str, name: str) -> None:
        self.file = file
        self.name = name
        self.inputs: dict[str, TShape] = {}
        self.layers: list[dict[str, Any]] = []
        self.by_name: dict[str, dict[str, Any]] = {}
        self.info: dict[str, LayerInfo] = {}
        self.used: set[str] = {INPUT}
        self.notes: list[str] = []
        self.free: list[str] = []  # elementwise ops with no params or MACs written as identity rows

    def error(self, message: str, node: str | None = None) -> SpecError:
        return SpecError(message, file=self.file, layer=node)

    def unique(self, hint: str) -> str:
        """A layer name from ``hint``: printable ASCII, not empty, not yet used."""
        text = "".join(ch if 32 < ord(ch) < 127 else "_" for ch in hint.strip()).strip("/") or "layer"
        name, k = text, 2
        while name in self.used:
            name = f"{text}_{k}"
            k += 1
        self.used.add(name)
        return name

    def add_input(self, name: str, shape: TShape) -> Tensor:
        self.inputs[name] = shape
        self.used.add(name)
        return Tensor(name, shape)

    def add(self, kind: str, hint: str, inputs: Sequence[Tensor], shape: TShape, /, *, nodes: Iterable[str] = (),
            **keys: Any) -> Tensor:
        """Append a layer reading ``inputs`` and writing a tensor of ``shape``; ``keys`` are the
        layer's spec keys (None values left out)."""
        name = self.unique(hint)
        layer: dict[str, Any] = {"kind": kind, "name": name, **{k: v for k, v in keys.items() if v is not None}}
        layer["from"] = [t.source for t in inputs]
        self.layers.append(layer)
        self.by_name[name] = layer
        self.info[name] = LayerInfo(tuple(t.shape for t in inputs), shape, tuple(nodes) or (hint,))
        return Tensor(name, shape)

    def last(self, tensor: Tensor) -> dict[str, Any] | None:
        """The layer that writes ``tensor``, if it is a layer."""
        return self.by_name.get(tensor.source)

    # --------------------------------------------------------------- folding

    def _fold(self, outputs: Sequence[str]) -> None:
        """Take BatchNorm and activation layers into the convolution (or FC) before them.

        A conv whose only reader is a ``batchnorm`` gets ``batchnorm: true``; a conv, FC or
        linear layer (or such a layer with its BatchNorm folded) whose only reader is an
        ``activation`` gets its ``function``. The folded layer's readers then read the conv.
        """
        readers: dict[str, int] = {}
        for layer in self.layers:
            for read in layer["from"]:
                readers[read] = readers.get(read, 0) + 1
        for out in outputs:
            readers[out] = readers.get(out, 0) + 1
        by_name = {layer["name"]: layer for layer in self.layers}
        rename: dict[str, str] = {}
        kept: list[dict[str, Any]] = []
        for layer in self.layers:
            layer["from"] = [rename.get(s, s) for s in layer["from"]]
            src: str = layer["from"][0] if len(layer["from"]) == 1 else ""
            prev = by_name.get(src)
            if prev is not None and readers.get(src, 0) == 1:
                kind = layer["kind"]
                if (kind == "batchnorm" and prev["kind"] in _TAKES_BN and not prev.get("batchnorm")
                        and prev.get("activation", "none") == "none" and layer.keys() == {"kind", "name", "from"}):
                    prev["batchnorm"] = True
                elif (kind == "activation" and prev["kind"] in _TAKES_ACT
                      and prev.get("activation", "none") == "none"):
                    prev["activation"] = layer["function"]
                else:
                    kept.append(layer)
                    continue
                rename[layer["name"]] = prev["name"]
                readers[prev["name"]] = readers.get(layer["name"], 0)
                old = self.info.pop(layer["name"])
                info = self.info[prev["name"]]
                self.info[prev["name"]] = info._replace(output=old.output, nodes=info.nodes + old.nodes)
                continue
            kept.append(layer)
        self.layers = kept
        self._renamed = rename

    # --------------------------------------------------------------- writing

    def finish(self, outputs: Sequence[Tensor]) -> dict[str, Any]:
        """The spec data: folds, then writes ``from:`` only where a layer does not read the previous one."""
        if not self.layers:
            raise self.error("has no layer that liteconv counts (the graph is empty or only passes its input on)")
        out_names = [t.source for t in outputs]
        if self.free:
            shown = ", ".join(self.free[:5]) + (f" and {len(self.free) - 5} more" if len(self.free) > 5 else "")
            self.notes.append(f"Scalings with no MACs and no trainable params are identity rows: {shown}.")
        self._fold(out_names)
        out_names = [self._renamed.get(n, n) for n in out_names]
        data: dict[str, Any] = {"name": self.name}
        if list(self.inputs) == [INPUT]:
            data["input"] = self.inputs[INPUT].dims()
        else:
            data["inputs"] = {k: v.dims() for k, v in self.inputs.items()}
        first = next(iter(self.inputs))
        previous = first if len(self.inputs) == 1 else None
        layers = []
        for layer in self.layers:
            srcs = layer.pop("from")
            written = {"kind": layer.pop("kind"), "name": layer.pop("name")}
            if not (len(srcs) == 1 and srcs[0] == previous):
                written["from"] = srcs[0] if len(srcs) == 1 else srcs
            written.update(layer)
            layers.append(written)
            previous = written["name"]
        data["layers"] = layers
        if out_names != [layers[-1]["name"]]:
            data["outputs"] = out_names
        return data


class View(NamedTuple):
    """A data tensor as the file sees it: the builder's tensor, the file's dims (batch left out)
    and which of them is the channel axis. Views of one tensor (a Transpose, a Reshape that
    only adds or drops 1s) share the builder tensor."""

    t: Tensor
    dims: tuple[int, ...]
    caxis: int


def shape_of(dims: Sequence[int], caxis: int) -> TShape:
    """The spec shape of dims with channel axis ``caxis``: channels, and the other dims in order."""
    return TShape(int(dims[caxis]), tuple(int(d) for i, d in enumerate(dims) if i != caxis))
