"""Keras models as spec data, from the config alone: ``.keras`` files and ``model.to_json()``.

Standard library only (json, zipfile): no TensorFlow, no Keras. A ``.keras`` file is a zip
holding ``config.json`` (the model's config, the same as ``model.to_json()``),
``metadata.json`` (the Keras version) and the weights, which are never opened. Sequential and
Functional models of Keras 2 and 3 are read, nested models inlined; each layer call becomes a
spec layer (``docs/importers.md`` has the table). Shapes are channels last, as Keras'
default: a Keras ``(H, W, C)`` tensor is the spec's ``C x H x W``.

Two Keras conventions differ from PyTorch's and are followed, or shown apart:

- ``padding='same'`` is TensorFlow's: output ``ceil(in / stride)``, the odd pixel of padding
  at the bottom and right. The spec's ``same`` gives the same output size, so shapes and
  counts follow Keras exactly.
- ``count_params()`` counts BatchNormalization's moving mean and variance (4C per layer, 2C
  of them non-trainable); the spec counts what PyTorch does (2C, scale and shift). The
  reader computes Keras' own total, trainable and non-trainable, and says both in a note.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from ..errors import SpecError, reading
from ._graph import INPUT, Builder, Imported, TShape, View, compact, conv_keys, same_pads, shape_of

#: largest config.json / JSON file read (bytes)
MAX_CONFIG_BYTES = 64 * 1024 * 1024
#: Keras major versions whose config format this reader knows
KERAS_VERSIONS = (2, 3)

MODEL_CLASSES = ("Sequential", "Functional", "Model")
#: Keras activation names -> the spec's activation function (None: no op)
ACTIVATIONS: dict[str, str | None] = {
    "linear": None, "relu": "relu", "relu6": "relu6", "sigmoid": "sigmoid", "hard_sigmoid": "hardsigmoid",
    "swish": "silu", "silu": "silu", "hard_swish": "hardswish", "hard_silu": "hardswish", "gelu": "gelu",
    "tanh": "tanh", "softmax": "softmax", "leaky_relu": "leaky_relu", "elu": "elu", "mish": "mish",
    "softplus": "softplus", "log_softmax": "softmax",
}
#: layers that pass data on unchanged at inference
PASS_LAYERS = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
               "GaussianDropout", "AlphaDropout", "ActivityRegularization")


class _Call(NamedTuple):
    """One call of a layer: the layer's config entry, its call index, and its input tensor references."""

    layer: dict[str, Any]
    call: int
    inputs: list[tuple[str, int, int]]


class _Unknown(NamedTuple):
    cls: str


def _tuple(v: Any, n: int) -> list[int]:
    if isinstance(v, int):
        return [v] * n
    vals = list(v)
    if len(vals) == 1 and n > 1:
        vals = vals * n
    if len(vals) != n or not all(isinstance(x, int) for x in vals):
        raise ValueError(f"{v!r} is not {n} integers")
    return [int(x) for x in vals]


def _history(t: Any) -> Iterator[tuple[str, int, int]]:
    """Tensor references (layer, node index, tensor index) in a Keras 3 call's args/kwargs."""
    if isinstance(t, dict):
        if t.get("class_name") == "__keras_tensor__":
            h = t.get("config", {}).get("keras_history")
            if isinstance(h, list) and len(h) >= 3:
                yield (str(h[0]), int(h[1]), int(h[2]))
            return
        for v in t.values():
            yield from _history(v)
    elif isinstance(t, list | tuple):
        for v in t:
            yield from _history(v)


def _calls_of(layer: dict[str, Any]) -> list[list[tuple[str, int, int]]]:
    """The input references of each call of a Functional layer (Keras 2 and 3 forms)."""
    out = []
    for node in layer.get("inbound_nodes") or []:
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            refs = list(_history(node.get("args", []))) + list(_history(node.get("kwargs", {})))
        elif isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
            refs = [(str(e[0]), int(e[1]), int(e[2])) for e in node if isinstance(e, list) and len(e) >= 3]
        else:
            raise ValueError(f"layer {layer.get('name')!r} has an inbound node of an unknown form")
        out.append(refs)
    return out


def _refs(v: Any) -> list[tuple[str, int, int]]:
    """input_layers / output_layers: [name, node, tensor] or a list of them."""
    if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str):
        return [(v[0], int(v[1]), int(v[2]))]
    if isinstance(v, list):
        return [(str(e[0]), int(e[1]), int(e[2])) for e in v]
    if isinstance(v, dict):  # Keras 3 allows a dict of named inputs
        return [r for e in v.values() for r in _refs(e)]
    raise ValueError("input_layers / output_layers is not a list of [layer, node, tensor]")


class _Counts:
    """Keras' own parameter count (``count_params()``), trainable and not, per layer."""

    def __init__(self) -> None:
        self.trainable = 0
        self.non_trainable = 0
        self.bn_moving = 0
        self.normalization = 0
        self.frozen = 0
        self.bn_partial: list[tuple[str, int]] = []  # BatchNorm with only a scale or only a shift: (layer, C)
        self.per_layer: dict[str, tuple[int, int]] = {}

    def add(self, name: str, trainable_params: int, non_trainable: int, frozen: bool) -> None:
        name = name.split("#", 1)[0]  # "layer#1": the layer's second call
        if name in self.per_layer:  # a shared layer's weights count once
            return
        if frozen:
            non_trainable += trainable_params
            self.frozen += trainable_params
            trainable_params = 0
        self.per_layer[name] = (trainable_params + non_trainable, non_trainable)
        self.trainable += trainable_params
        self.non_trainable += non_trainable


class _Reader:
    def __init__(self, path: str, config: dict[str, Any], version: str | None,
                 input_dims: dict[str | None, list[int]] | None, allow_unknown: bool) -> None:
        self.path = path
        self.config = config
        self.version = version
        self.input_dims = dict(input_dims or {})
        self.allow_unknown = allow_unknown
        name = config.get("config", {}).get("name") if isinstance(config.get("config"), dict) else None
        base = os.path.basename(path).rsplit(".", 1)[0]
        self.b = Builder(path, str(name or base))
        self.unknown: dict[str, int] = {}
        self.counts = _Counts()
        self.layer_name = ""
        self.first_call: dict[str, str] = {}
        self.recorded: dict[tuple[str, int, int], list[Any]] = {}
        self.assumed: list[str] = []  # unknown layers whose output shape is taken as their input's

    def error(self, message: str) -> SpecError:
        layer = f"layer {self.layer_name!r}" if self.layer_name else None
        return SpecError(message, file=self.path, layer=layer)

    # --------------------------------------------------------------- models

    def read(self) -> Imported:
        cls = self.config.get("class_name")
        if cls not in MODEL_CLASSES:
            raise self.error(f"is a Keras {cls!r}, not a Sequential or Functional model: a subclassed model's config "
                             "has no layer graph; liteconv reads Sequential and Functional models")
        self.check_keras1(self.config)
        outputs = self.model(self.config, None, "")
        if self.unknown and not self.allow_unknown:
            listing = ", ".join(f"{c} ({n})" for c, n in sorted(self.unknown.items(), key=lambda kv: (-kv[1], kv[0])))
            total = sum(self.unknown.values())
            raise SpecError(f"has {total} layer{'s' if total > 1 else ''} liteconv does not count: {listing}; "
                            "--allow-unknown counts each as an 'unknown' row with no params or MACs", file=self.path)
        views = [v.t for v in outputs if isinstance(v, View)]
        if not views:
            raise SpecError("has no output computed from its input", file=self.path)
        data = self.b.finish(views)
        k = self.counts
        counts = {"trainable": k.trainable, "non_trainable": k.non_trainable, "bn_moving": k.bn_moving,
                  "normalization": k.normalization, "frozen": k.frozen, "per_layer": dict(k.per_layer)}
        notes = self.keras_note()
        if self.assumed:
            n = len(self.assumed)
            shown = ", ".join(self.assumed[:5]) + (f" and {n - 5} more" if n > 5 else "")
            notes.append(f"The output shape of {n} unknown layer{'s' if n > 1 else ''} is not in the config (Keras 3 "
                         f"records it only where another layer reads it): taken as the input's ({shown}).")
        return Imported(data, tuple(notes + self.b.notes), self.b.info, k.trainable + k.non_trainable,
                        dict(self.unknown), counts)

    def check_keras1(self, config: Any) -> None:
        cfg = config.get("config")
        layers = cfg if isinstance(cfg, list) else cfg.get("layers") if isinstance(cfg, dict) else None
        keys = {k for layer in layers or [] if isinstance(layer, dict) for k in (layer.get("config") or {})}
        if keys & {"nb_filter", "border_mode", "output_dim", "nb_row"}:
            raise SpecError("is a Keras 1 config (nb_filter, border_mode): liteconv reads Keras 2 and 3; load and "
                            "re-save it with Keras 2 or 3", file=self.path)

    def model(self, model: dict[str, Any], inputs: list[View | _Unknown] | None, prefix: str) -> list[Any]:
        """Run a (possibly nested) model's layers on ``inputs`` (None: the top model, from its InputLayers)."""
        cls = model.get("class_name")
        cfg = model.get("config")
        if cls == "Sequential" or isinstance(cfg, list):
            layers = cfg if isinstance(cfg, list) else (cfg or {}).get("layers")
            if not isinstance(layers, list) or not layers:
                raise SpecError("a Sequential model with no layers", file=self.path)
            return self.sequential(cfg if isinstance(cfg, dict) else {}, layers, inputs, prefix)
        if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list):
            raise SpecError(f"a {cls} model whose config has no layers", file=self.path)
        return self.functional(cfg, inputs, prefix)

    def input_view(self, name: str, shape: Any, data_format: str = "channels_last") -> View:
        """A model input from its Keras shape (batch first, None for unknown)."""
        if not isinstance(shape, list) or len(shape) < 2:
            raise SpecError(f"input {name!r} has shape {shape!r}: liteconv needs the batch and at least one more "
                            "dim", file=self.path)
        dims = shape[1:]
        single = not self.b.inputs and len(self.input_dims) <= 1
        want = self.input_dims.pop(name, None)
        if want is None and single:
            want = self.input_dims.pop(None, None)
        caxis = len(dims) - 1 if data_format == "channels_last" else 0
        if want is not None:
            if len(want) != len(dims):
                raise SpecError(f"--input gives {len(want)} dims for {name!r}, whose shape is {shape}", file=self.path)
            # --input is C first; Keras is channels last
            dims = want[1:] + want[:1] if caxis else list(want)
        if not all(isinstance(d, int) and d > 0 for d in dims):
            shown = "x".join("?" if d is None else str(d) for d in shape[1:])
            raise SpecError(f"input {name!r} has shape {shown} (after the batch), not all fixed: give the dims with "
                            "--input C,H,W", file=self.path)
        t = self.b.add_input(name, shape_of(dims, caxis))
        return View(t, tuple(dims), caxis)

    def sequential(self, cfg: dict[str, Any], layers: list[Any], inputs: list[Any] | None, prefix: str) -> list[Any]:
        x: Any
        start = 0
        if inputs is None:
            first = layers[0]
            fc = first.get("config", {})
            shape = fc.get("batch_shape") or fc.get("batch_input_shape")
            if shape is None:
                shape = cfg.get("build_input_shape") or (first.get("build_config") or {}).get("input_shape")
            if shape is None:
                raise SpecError("a Sequential model that states no input shape (no InputLayer, batch_input_shape or "
                                "build_input_shape)", file=self.path)
            x = self.input_view(INPUT, list(shape), fc.get("data_format", "channels_last"))
            if first.get("class_name") == "InputLayer":
                start = 1
        else:
            x = inputs[0]
        for layer in layers[start:]:
            x = self.call(layer, 0, [x], prefix)[0]
        return [x]

    def functional(self, cfg: dict[str, Any], inputs: list[Any] | None, prefix: str) -> list[Any]:
        layers = cfg["layers"]
        by_name: dict[str, dict[str, Any]] = {}
        for layer in layers:
            name = layer.get("name") or (layer.get("config") or {}).get("name")
            if not isinstance(name, str):
                raise SpecError("a layer without a name", file=self.path)
            by_name[name] = layer
        try:
            in_refs = _refs(cfg.get("input_layers", []))
            out_refs = _refs(cfg.get("output_layers", []))
        except (ValueError, TypeError, IndexError) as e:
            raise SpecError(f"the model's inputs or outputs are malformed ({e})", file=self.path) from None
        env: dict[tuple[str, int, int], Any] = {}
        for k, ref in enumerate(in_refs):
            layer = by_name.get(ref[0])
            if layer is None:
                raise SpecError(f"the input layer {ref[0]!r} is not among the layers", file=self.path)
            if inputs is None:
                c = layer.get("config", {})
                shape = c.get("batch_shape") or c.get("batch_input_shape")
                name = INPUT if len(in_refs) == 1 else ref[0]
                if len(in_refs) > 1:
                    self.input_dims.setdefault(ref[0], self.input_dims.pop(None, None))  # type: ignore[arg-type]
                    if self.input_dims.get(ref[0]) is None:
                        self.input_dims.pop(ref[0])
                env[ref] = self.input_view(name, list(shape) if shape else shape, c.get("data_format",
                                                                                          "channels_last"))
            else:
                if k >= len(inputs):
                    raise SpecError(f"a nested model with {len(in_refs)} inputs is called with {len(inputs)}",
                                    file=self.path)
                env[ref] = inputs[k]
        if inputs is None and len(in_refs) > 1 and self.input_dims:
            raise SpecError(f"--input names {', '.join(repr(k) for k in self.input_dims)}, not an input of the "
                            f"model (its inputs: {', '.join(repr(r[0]) for r in in_refs)})", file=self.path)
        pending: list[_Call] = []
        for layer in layers:
            if layer.get("class_name") == "InputLayer":
                continue
            try:
                calls = _calls_of(layer)
            except (ValueError, TypeError, IndexError) as e:
                raise SpecError(f"a malformed inbound node ({e})", file=self.path) from None
            for idx, refs in enumerate(calls):
                pending.append(_Call(layer, idx, refs))
            for node in layer.get("inbound_nodes") or []:
                self.record_shapes(node)
        # layers are listed in call order; a few passes settle any that are not
        while pending:
            waiting = []
            for call in pending:
                if all(r in env for r in call.inputs):
                    outs = self.call(call.layer, call.call, [env[r] for r in call.inputs], prefix)
                    name = call.layer.get("name") or call.layer["config"]["name"]
                    for t, v in enumerate(outs):
                        env[(name, call.call, t)] = v
                else:
                    waiting.append(call)
            if len(waiting) == len(pending):
                missing = sorted({r[0] for c in waiting for r in c.inputs if r not in env})
                raise SpecError(f"layers read tensors no layer writes: {', '.join(missing[:5])}", file=self.path)
            pending = waiting
        out = []
        for ref in out_refs:
            if ref not in env:
                raise SpecError(f"the output {ref[0]!r} is not computed by any layer", file=self.path)
            out.append(env[ref])
        return out

    def record_shapes(self, t: Any) -> None:
        """Keras 3 writes the shape of every tensor a layer reads: remember them by their writer."""
        if isinstance(t, dict):
            if t.get("class_name") == "__keras_tensor__":
                c = t.get("config", {})
                h, shape = c.get("keras_history"), c.get("shape")
                if isinstance(h, list) and len(h) >= 3 and isinstance(shape, list):
                    self.recorded[(str(h[0]), int(h[1]), int(h[2]))] = shape
                return
            for v in t.values():
                self.record_shapes(v)
        elif isinstance(t, list):
            for v in t:
                self.record_shapes(v)

    # --------------------------------------------------------------- one layer call

    def call(self, layer: dict[str, Any], index: int, inputs: list[Any], prefix: str) -> list[Any]:
        cls = str(layer.get("class_name"))
        cfg = layer.get("config") or {}
        lname = str(layer.get("name") or cfg.get("name") or cls)
        self.layer_name = prefix + lname
        if cls in MODEL_CLASSES:
            return self.model(layer, inputs, prefix + lname + "/")
        if any(isinstance(v, _Unknown) for v in inputs):  # after an unknown layer: list this one too if unknown
            if cls not in PASS_LAYERS and not hasattr(self, "l_" + cls):
                self.unknown[cls] = self.unknown.get(cls, 0) + 1
            return [_Unknown(cls)]
        hint = prefix + lname if index == 0 else f"{prefix}{lname}#{index}"
        handler = getattr(self, "l_" + cls, None)
        if cls in PASS_LAYERS:
            return [inputs[0]]
        if handler is None:
            return [self.unknown_layer(cls, hint, inputs)]
        try:
            out = handler(cfg, hint, inputs, prefix + lname)
        except (ValueError, TypeError, KeyError, IndexError) as e:
            raise self.error(f"{cls}: {e}") from None
        self.layer_name = ""
        return out if isinstance(out, list) else [out]

    def unknown_layer(self, cls: str, hint: str, inputs: list[Any]) -> Any:
        """A layer liteconv does not count: listed in the error, or with allow_unknown an ``unknown``
        row with its output shape where the config records it (Keras 3 writes the shape of every
        tensor a layer reads), else its input's shape (and a note says so)."""
        self.unknown[cls] = self.unknown.get(cls, 0) + 1
        x = inputs[0] if inputs else None
        if not self.allow_unknown or not isinstance(x, View):
            return _Unknown(cls)
        name = hint.split("#", 1)[0].rsplit("/", 1)[-1]
        index = int(hint.split("#", 1)[1]) if "#" in hint else 0
        seen = self.recorded.get((name, index, 0))
        dims, caxis = x.dims, x.caxis
        if seen is not None and len(seen) >= 2 and all(isinstance(d, int) and d > 0 for d in seen[1:]):
            dims = tuple(int(d) for d in seen[1:])
            if len(dims) != len(x.dims):  # channels stay where they were: last (Keras' default) or first
                caxis = 0 if x.caxis == 0 else len(dims) - 1
        else:
            self.assumed.append(hint)
        keys: dict[str, Any] = {"op": cls}
        if (dims, caxis) != (x.dims, x.caxis):
            keys["output"] = shape_of(dims, caxis).dims()
        return self.add("unknown", hint, [x], dims, caxis, **keys)

    def add(self, kind: str, hint: str, inputs: Sequence[View], dims: Sequence[int], caxis: int,
            **keys: Any) -> View:
        out = self.b.add(kind, hint, [v.t for v in inputs], shape_of(dims, caxis), nodes=(hint,), **keys)
        return View(out, tuple(dims), caxis)

    def count(self, key: str, trainable: int, non_trainable: int, cfg: dict[str, Any]) -> None:
        self.counts.add(key, trainable, non_trainable, cfg.get("trainable") is False)

    # --------------------------------------------------------------- helpers

    def spatial(self, x: View, cfg: dict[str, Any], n: int) -> tuple[list[int], int]:
        """The spatial dims of a conv/pool input and its channel count, checking data_format."""
        fmt = cfg.get("data_format") or "channels_last"
        want = len(x.dims) - 1 if fmt == "channels_last" else 0
        if len(x.dims) != n + 1 or x.caxis != want:
            raise ValueError(f"expects {n} spatial dims with {fmt}, the input has dims {list(x.dims)}")
        sp = [d for i, d in enumerate(x.dims) if i != x.caxis]
        return sp, x.dims[x.caxis]

    def out_dims(self, x: View, sp: Sequence[int], c: int) -> tuple[int, ...]:
        return (*sp, c) if x.caxis else (c, *sp)

    def window(self, sp: Sequence[int], k: Sequence[int], s: Sequence[int], d: Sequence[int],
               padding: str) -> list[int]:
        if padding == "same":
            return [-(-i // st) for i, st in zip(sp, s, strict=True)]
        if padding == "valid":
            out = [(i - dd * (kk - 1) - 1) // st + 1 for i, kk, st, dd in zip(sp, k, s, d, strict=True)]
            if any(o < 1 for o in out):
                raise ValueError(f"the window {list(k)} is larger than the input {list(sp)}")
            return out
        raise ValueError(f"padding={padding!r} is not valid or same")

    def activation_after(self, v: View, act: Any, hint: str) -> View:
        """A layer's own ``activation`` argument, as an activation row (folded into it when it can be)."""
        fn = self.act_name(act)
        if fn is None:
            return v
        return self.add("activation", hint + "/activation", [v], v.dims, v.caxis, function=fn)

    def act_name(self, act: Any) -> str | None:
        if isinstance(act, dict):  # a serialized function or layer
            act = act.get("config", {}).get("name") if act.get("class_name") != "function" else act.get("config")
        if act is None:
            return None
        name = str(act).lower()
        if name not in ACTIVATIONS:
            raise ValueError(f"activation {act!r} is not one liteconv counts ({', '.join(ACTIVATIONS)})")
        return ACTIVATIONS[name]

    # --------------------------------------------------------------- convolutions

    def conv(self, cfg: dict[str, Any], hint: str, x: View, n: int, kind: str) -> View:
        sp, c = self.spatial(x, cfg, n)
        k = _tuple(cfg["kernel_size"], n)
        s = _tuple(cfg.get("strides", 1), n)
        d = _tuple(cfg.get("dilation_rate", 1), n)
        padding = str(cfg.get("padding", "valid")).lower()
        bias = bool(cfg.get("use_bias", True))
        src = x
        if padding == "causal":
            src = self.pad(x, [[d[0] * (k[0] - 1), 0]], hint + "/pad")
            sp = [sp[0] + d[0] * (k[0] - 1)]
            padding = "valid"
        if kind == "depthwise":
            groups, out, wparams = c, c * int(cfg.get("depth_multiplier", 1)), math.prod(k) * c * int(
                cfg.get("depth_multiplier", 1))
        else:
            groups = int(cfg.get("groups", 1))
            out = int(cfg["filters"])
            if c % groups or out % groups:
                raise ValueError(f"groups={groups} does not divide {c} input and {out} output channels")
            wparams = math.prod(k) * (c // groups) * out
        osp = self.window(sp, k, s, d, padding)
        keys: dict[str, Any] = {"kernel": compact(k)}
        if any(v != 1 for v in s):
            keys["stride"] = compact(s)
        keys["padding"] = "same" if padding == "same" else 0
        if any(v != 1 for v in d):
            keys["dilation"] = compact(d)
        if not bias:
            keys["bias"] = False
        self.count(hint, wparams + (out if bias else 0), 0, cfg)
        kind, keys = conv_keys(c, out, groups, keys)
        y = self.add(kind, hint, [src], self.out_dims(x, osp, out), x.caxis, **self.shared(hint, keys))
        return self.activation_after(y, cfg.get("activation"), hint)

    def shared(self, hint: str, keys: dict[str, Any]) -> dict[str, Any]:
        """A second call of a layer reuses the first call's weights: ``share:`` it."""
        base = hint.split("#", 1)[0]
        if "#" in hint and base in self.first_call:
            keys["share"] = self.first_call[base]
        else:
            self.first_call.setdefault(base, hint)
        return keys

    def pad(self, x: View, pads: list[list[int]], hint: str) -> View:
        """Zero padding: ``pads`` is [before, after] per spatial dim, first dim first."""
        sp = [d for i, d in enumerate(x.dims) if i != x.caxis]
        per_side: list[int] = []
        for before, after in reversed(pads):
            per_side += [int(before), int(after)]
        new = [d + b + a for d, (b, a) in zip(sp, pads, strict=True)]
        return self.add("pad", hint, [x], self.out_dims(x, new, x.dims[x.caxis]), x.caxis, padding=per_side)

    def l_Conv1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.conv(cfg, hint, inputs[0], 1, "conv")

    def l_Conv2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.conv(cfg, hint, inputs[0], 2, "conv")

    def l_Conv3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.conv(cfg, hint, inputs[0], 3, "conv")

    def l_DepthwiseConv1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.conv(cfg, hint, inputs[0], 1, "depthwise")

    def l_DepthwiseConv2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.conv(cfg, hint, inputs[0], 2, "depthwise")

    def separable(self, cfg: dict[str, Any], hint: str, x: View, n: int) -> View:
        """Depthwise (no bias, no activation) then a 1x1 convolution to ``filters``: two rows."""
        self.spatial(x, cfg, n)
        frozen = cfg.get("trainable", True)
        dw_cfg = {**cfg, "use_bias": False, "activation": None, "trainable": frozen}
        dw = self.conv(dw_cfg, hint + "/depthwise", x, n, "depthwise")
        pw_cfg = {"filters": cfg["filters"], "kernel_size": 1, "strides": 1, "padding": "valid",
                  "use_bias": cfg.get("use_bias", True), "activation": cfg.get("activation"),
                  "data_format": cfg.get("data_format"), "trainable": frozen}
        y = self.conv(pw_cfg, hint, dw, n, "conv")
        dw_params = self.counts.per_layer.pop(hint + "/depthwise")
        pw_params = self.counts.per_layer[hint]
        self.counts.per_layer[hint] = (dw_params[0] + pw_params[0], dw_params[1] + pw_params[1])
        return y

    def l_SeparableConv1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.separable(cfg, hint, inputs[0], 1)

    def l_SeparableConv2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.separable(cfg, hint, inputs[0], 2)

    def transpose(self, cfg: dict[str, Any], hint: str, x: View, n: int) -> View:
        sp, c = self.spatial(x, cfg, n)
        k = _tuple(cfg["kernel_size"], n)
        s = _tuple(cfg.get("strides", 1), n)
        d = _tuple(cfg.get("dilation_rate", 1), n)
        op = cfg.get("output_padding")
        ops = _tuple(op, n) if op is not None else None
        padding = str(cfg.get("padding", "valid")).lower()
        out = int(cfg["filters"])
        osp = []
        pads, opads = [], []
        for i in range(n):
            kk = k[i] + (k[i] - 1) * (d[i] - 1)
            if ops is None:
                length = {"valid": sp[i] * s[i] + max(kk - s[i], 0), "same": sp[i] * s[i]}.get(padding)
            else:
                pad = {"same": kk // 2, "valid": 0}.get(padding)
                length = None if pad is None else (sp[i] - 1) * s[i] + kk - 2 * pad + ops[i]
            if length is None:
                raise ValueError(f"padding={padding!r} is not valid or same")
            osp.append(length)
            # the same length with PyTorch's symmetric padding p and output_padding
            t = (sp[i] - 1) * s[i] + kk - length
            p = max(0, -(-t // 2))
            pads.append(p)
            opads.append(2 * p - t)
        bias = bool(cfg.get("use_bias", True))
        keys: dict[str, Any] = {"out": out, "kernel": compact(k), "stride": compact(s), "padding": compact(pads)}
        if any(opads):
            keys["output_padding"] = compact(opads)
        if any(v != 1 for v in d):
            keys["dilation"] = compact(d)
        if not bias:
            keys["bias"] = False
        self.count(hint, math.prod(k) * c * out + (out if bias else 0), 0, cfg)
        y = self.add("conv_transpose", hint, [x], self.out_dims(x, osp, out), x.caxis, **self.shared(hint, keys))
        return self.activation_after(y, cfg.get("activation"), hint)

    def l_Conv1DTranspose(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.transpose(cfg, hint, inputs[0], 1)

    def l_Conv2DTranspose(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.transpose(cfg, hint, inputs[0], 2)

    def l_Conv3DTranspose(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.transpose(cfg, hint, inputs[0], 3)

    def l_Dense(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        if x.caxis != len(x.dims) - 1:
            raise ValueError(f"Dense acts on the last axis; the input's channels are axis {x.caxis + 1} of "
                             f"{list(x.dims)}")
        units = int(cfg["units"])
        bias = bool(cfg.get("use_bias", True))
        keys: dict[str, Any] = {"out": units}
        if not bias:
            keys["bias"] = False
        self.count(hint, x.dims[-1] * units + (units if bias else 0), 0, cfg)
        if len(x.dims) == 1:  # fc: the spec keeps the input's rank with 1s (units x 1 x 1)
            out = self.b.add("fc", hint, [x.t], TShape(units, (1,) * len(x.t.shape.size)), nodes=(hint,),
                             **self.shared(hint, keys))
            y = View(out, (units,), 0)
        else:
            y = self.add("linear", hint, [x], (*x.dims[:-1], units), len(x.dims) - 1, **self.shared(hint, keys))
        return self.activation_after(y, cfg.get("activation"), hint)

    # --------------------------------------------------------------- normalisation and activations

    def norm_axis(self, x: View, cfg: dict[str, Any], what: str) -> int:
        axis = cfg.get("axis", -1)
        if isinstance(axis, list):
            if len(axis) != 1:
                raise ValueError(f"axis={axis}: {what} over several axes")
            axis = axis[0]
        rank = len(x.dims) + 1
        axis = int(axis) + rank if int(axis) < 0 else int(axis)
        if axis - 1 != x.caxis:
            raise ValueError(f"axis={cfg.get('axis')} is not the channel axis of {list(x.dims)}")
        return x.dims[x.caxis]

    def l_BatchNormalization(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        c = self.norm_axis(x, cfg, "BatchNormalization")
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        self.count(hint, c * (center + scale), 2 * c, cfg)
        self.counts.bn_moving += 2 * c
        if center != scale:  # the spec's batchnorm has both or neither (affine)
            self.counts.bn_partial.append((hint, c))
        keys = {} if center or scale else {"affine": False}
        return self.add("batchnorm", hint, [x], x.dims, x.caxis, **keys)

    def l_LayerNormalization(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        c = self.norm_axis(x, cfg, "LayerNormalization")
        if x.caxis != len(x.dims) - 1:
            raise ValueError("liteconv's layernorm normalises the channels at each position (channels last)")
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        keys: dict[str, Any] = {}
        if not (center or scale):
            keys["affine"] = False
        elif not center:
            keys["bias"] = False  # a scale per channel only: LayerNorm(bias=False)
        elif not scale:  # a shift only: the spec's layernorm has no such form
            self.b.notes.append(f"{hint}: LayerNormalization with scale off has {c} params; the layernorm row "
                                f"counts {2 * c} (scale and bias).")
        self.count(hint, (center + scale) * c, 0, cfg)
        return self.add("layernorm", hint, [x], x.dims, x.caxis, **keys)

    def l_GroupNormalization(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        c = self.norm_axis(x, cfg, "GroupNormalization")
        center, scale = bool(cfg.get("center", True)), bool(cfg.get("scale", True))
        if center != scale:
            self.b.notes.append(f"{hint}: GroupNormalization with center or scale off has {c} params; the groupnorm "
                                f"row counts {2 * c}.")
        self.count(hint, (center + scale) * c, 0, cfg)
        keys = {} if center or scale else {"affine": False}
        return self.add("groupnorm", hint, [x], x.dims, x.caxis, groups=int(cfg.get("groups", 32)), **keys)

    def l_Activation(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        fn = self.act_name(cfg.get("activation"))
        if fn is None:
            return x
        return self.add("activation", hint, [x], x.dims, x.caxis, function=fn)

    def l_ReLU(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        mx, slope, thr = cfg.get("max_value"), cfg.get("negative_slope", 0) or 0, cfg.get("threshold", 0) or 0
        if thr:
            return self.unknown_layer("ReLU (threshold)", hint, inputs)
        if slope:
            fn = "leaky_relu" if mx is None else None
        else:
            fn = "relu" if mx is None else ("relu6" if float(mx) == 6.0 else None)
        if fn is None:
            return self.unknown_layer(f"ReLU (max_value={mx}, negative_slope={slope})", hint, inputs)
        return self.add("activation", hint, [x], x.dims, x.caxis, function=fn)

    def l_LeakyReLU(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        return self.add("activation", hint, [x], x.dims, x.caxis, function="leaky_relu")

    def l_Softmax(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        return self.add("activation", hint, [x], x.dims, x.caxis, function="softmax")

    # --------------------------------------------------------------- pooling, resizing, padding

    def pool(self, cfg: dict[str, Any], hint: str, x: View, n: int, mode: str) -> View:
        sp, c = self.spatial(x, cfg, n)
        k = _tuple(cfg.get("pool_size", 2), n)
        strides = cfg.get("strides")
        s = _tuple(strides, n) if strides is not None else list(k)
        padding = str(cfg.get("padding", "valid")).lower()
        osp = self.window(sp, k, s, [1] * n, padding)
        keys: dict[str, Any] = {"mode": mode, "kernel": compact(k), "stride": compact(s), "padding": 0}
        src = x
        if padding == "same":
            pads = [same_pads(i, kk, st) for i, kk, st in zip(sp, k, s, strict=True)]
            if all(b == e and 2 * b <= kk for (b, e), kk in zip(pads, k, strict=True)):
                keys["padding"] = compact([b for b, _ in pads])
            elif any(b or e for b, e in pads):  # TensorFlow's odd pixel at the end: a pad layer first
                src = self.pad(x, [[b, e] for b, e in pads], hint + "/pad")
            if mode == "avg" and any(b or e for b, e in pads):
                keys["count_include_pad"] = False  # TensorFlow averages over the real pixels only
        return self.add("pool", hint, [src], self.out_dims(x, osp, c), x.caxis, **keys)

    def l_MaxPooling1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.pool(cfg, hint, inputs[0], 1, "max")

    def l_MaxPooling2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.pool(cfg, hint, inputs[0], 2, "max")

    def l_MaxPooling3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.pool(cfg, hint, inputs[0], 3, "max")

    def l_AveragePooling1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.pool(cfg, hint, inputs[0], 1, "avg")

    def l_AveragePooling2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.pool(cfg, hint, inputs[0], 2, "avg")

    def l_AveragePooling3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.pool(cfg, hint, inputs[0], 3, "avg")

    def global_pool(self, cfg: dict[str, Any], hint: str, x: View, n: int, mode: str) -> View:
        sp, c = self.spatial(x, cfg, n)
        v = self.add("pool", hint, [x], self.out_dims(x, [1] * n, c), x.caxis, mode=mode, **{"global": True})
        if cfg.get("keepdims"):
            return v
        # Keras gives (C,); the spec keeps C x 1 x 1, which every later layer reads alike
        return View(v.t, (c,), 0)

    def l_GlobalAveragePooling1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.global_pool(cfg, hint, inputs[0], 1, "avg")

    def l_GlobalAveragePooling2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.global_pool(cfg, hint, inputs[0], 2, "avg")

    def l_GlobalAveragePooling3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.global_pool(cfg, hint, inputs[0], 3, "avg")

    def l_GlobalMaxPooling1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.global_pool(cfg, hint, inputs[0], 1, "max")

    def l_GlobalMaxPooling2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.global_pool(cfg, hint, inputs[0], 2, "max")

    def l_GlobalMaxPooling3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.global_pool(cfg, hint, inputs[0], 3, "max")

    def upsample(self, cfg: dict[str, Any], hint: str, x: View, n: int) -> View:
        sp, c = self.spatial(x, cfg, n)
        size = _tuple(cfg.get("size", 2), n)
        interp = str(cfg.get("interpolation", "nearest"))
        mode = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}.get(interp)
        if mode is None:
            raise ValueError(f"interpolation={interp!r} is not nearest, bilinear or bicubic")
        osp = [d * f for d, f in zip(sp, size, strict=True)]
        return self.add("upsample", hint, [x], self.out_dims(x, osp, c), x.caxis, mode=mode, scale=compact(size))

    def l_UpSampling1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.upsample(cfg, hint, inputs[0], 1)

    def l_UpSampling2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.upsample(cfg, hint, inputs[0], 2)

    def l_UpSampling3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.upsample(cfg, hint, inputs[0], 3)

    def side_pairs(self, v: Any, n: int) -> list[list[int]]:
        """Keras' padding/cropping argument as [before, after] per spatial dim."""
        if isinstance(v, int):
            return [[v, v]] * n
        vals = list(v)
        if n == 1 and len(vals) == 2 and all(isinstance(e, int) for e in vals):
            return [[vals[0], vals[1]]]
        if len(vals) != n:
            raise ValueError(f"{v!r} does not give {n} spatial dims")
        return [[e, e] if isinstance(e, int) else [int(e[0]), int(e[1])] for e in vals]

    def zero_pad(self, cfg: dict[str, Any], hint: str, x: View, n: int) -> View:
        self.spatial(x, cfg, n)
        return self.pad(x, self.side_pairs(cfg.get("padding", 1), n), hint)

    def l_ZeroPadding1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.zero_pad(cfg, hint, inputs[0], 1)

    def l_ZeroPadding2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.zero_pad(cfg, hint, inputs[0], 2)

    def l_ZeroPadding3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.zero_pad(cfg, hint, inputs[0], 3)

    def crop(self, cfg: dict[str, Any], hint: str, x: View, n: int) -> View:
        sp, c = self.spatial(x, cfg, n)
        pairs = self.side_pairs(cfg.get("cropping", 1 if n > 1 else (1, 1)), n)
        osp = [d - b - a for d, (b, a) in zip(sp, pairs, strict=True)]
        if any(o < 1 for o in osp):
            raise ValueError(f"crops {sp} to nothing")
        return self.add("crop", hint, [x], self.out_dims(x, osp, c), x.caxis, size=compact(osp))

    def l_Cropping1D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.crop(cfg, hint, inputs[0], 1)

    def l_Cropping2D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.crop(cfg, hint, inputs[0], 2)

    def l_Cropping3D(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.crop(cfg, hint, inputs[0], 3)

    # --------------------------------------------------------------- merges

    def merge(self, kind: str, hint: str, inputs: list[View]) -> View:
        if len(inputs) < 2:
            raise ValueError(f"merges {len(inputs)} tensor(s)")
        dims = max((v.dims for v in inputs), key=math.prod)
        for v in inputs:
            if v.t.shape != inputs[0].t.shape and (kind != "mul" or v.t.shape.c != inputs[0].t.shape.c):
                raise ValueError(f"merges tensors of shapes {' and '.join(str(w.t.shape) for w in inputs)}")
        caxis = next(v.caxis for v in inputs if v.dims == dims)
        ordered = sorted(inputs, key=lambda v: -v.t.shape.elements) if kind == "mul" else inputs
        return self.add(kind, hint, ordered, dims, caxis)

    def l_Add(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.merge("add", hint, inputs)

    def l_Multiply(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        return self.merge("mul", hint, inputs)

    def l_Concatenate(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        rank = len(x.dims) + 1
        axis = int(cfg.get("axis", -1))
        axis = axis + rank if axis < 0 else axis
        if any(v.caxis != axis - 1 for v in inputs):
            raise ValueError(f"axis={cfg.get('axis')} is not the channel axis")
        if len({v.t.shape.size for v in inputs}) != 1:
            raise ValueError(f"concatenates tensors of sizes {', '.join(str(v.t.shape) for v in inputs)}")
        dims = list(x.dims)
        dims[x.caxis] = sum(v.dims[v.caxis] for v in inputs)
        return self.add("concat", hint, inputs, dims, x.caxis)

    # --------------------------------------------------------------- reshapes and the rest

    def restructure(self, hint: str, x: View, new: tuple[int, ...]) -> View:
        if new == x.dims:
            return x
        if len(new) == 1:
            if x.t.shape.positions == 1 and new[0] == x.t.shape.c:
                return View(x.t, new, 0)
            # the spec's flatten keeps the rank with 1s: (C x H x W) x 1 x 1
            out = self.b.add("flatten", hint, [x.t], TShape(new[0], (1,) * len(x.t.shape.size)), nodes=(hint,))
            return View(out, new, 0)
        old_core = [d for d in x.dims if d != 1]
        new_core = [d for d in new if d != 1]
        c = x.dims[x.caxis]
        if old_core == new_core and c != 1 and new[-1] == c and len(new) - 1 == len(x.t.shape.size):
            return View(x.t, new, len(new) - 1)
        raise ValueError(f"reshapes {list(x.dims)} to {list(new)}: liteconv reads reshapes that flatten, or add or "
                         "drop 1s around the channels")

    def l_Reshape(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        target = [int(v) for v in cfg["target_shape"]]
        total = math.prod(x.dims)
        if target.count(-1) == 1:
            known = math.prod(v for v in target if v != -1)
            target[target.index(-1)] = total // known if known else 0
        if math.prod(target) != total:
            raise ValueError(f"cannot reshape {list(x.dims)} to {cfg['target_shape']}")
        return self.restructure(hint, x, tuple(target))

    def l_Flatten(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        return self.restructure(hint, x, (math.prod(x.dims),))

    def l_Permute(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        perm = [int(p) for p in cfg["dims"]]  # 1-based, batch excluded
        if sorted(perm) != list(range(1, len(x.dims) + 1)):
            raise ValueError(f"dims={perm} is not a permutation of the axes")
        return View(x.t, tuple(x.dims[p - 1] for p in perm), perm.index(x.caxis + 1))

    def l_Rescaling(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        self.b.free.append(f"{hint} (Rescaling)")
        return self.add("identity", hint, [x], x.dims, x.caxis)

    def l_Normalization(self, cfg: dict[str, Any], hint: str, inputs: list[View], key: str) -> View:
        x = inputs[0]
        if cfg.get("mean") is None:  # adapted statistics: Keras weights mean, variance and count
            c = x.dims[x.caxis]
            self.count(hint, 0, 2 * c + 1, cfg)
            self.counts.normalization += 2 * c + 1
        self.b.free.append(f"{hint} (Normalization)")
        return self.add("identity", hint, [x], x.dims, x.caxis)

    # --------------------------------------------------------------- the note

    def keras_note(self) -> list[str]:
        k = self.counts
        total = k.trainable + k.non_trainable
        parts = []
        if k.bn_moving:
            parts.append(f"BatchNormalization's moving mean and variance, {k.bn_moving:,}")
        if k.normalization:
            parts.append(f"Normalization's mean, variance and count, {k.normalization:,}")
        if k.frozen:
            parts.append(f"the weights of frozen layers (trainable: false), {k.frozen:,}")
        if not k.non_trainable:
            return []
        notes = [f"Keras counts {total:,} params (count_params()): {k.trainable:,} trainable and {k.non_trainable:,} "
                 f"non-trainable ({'; '.join(parts)}). liteconv's params are those PyTorch counts: BatchNorm's scale "
                 "and shift (2 per channel), not its running statistics (Keras: 4 per channel)."]
        if k.bn_partial:
            n, extra = len(k.bn_partial), sum(c for _, c in k.bn_partial)
            notes.append(f"{n} BatchNormalization layer{'s have' if n > 1 else ' has'} only a scale or only a shift "
                         f"(center or scale off): Keras has 1 trainable param per channel where liteconv's batchnorm "
                         f"counts 2, so liteconv's params are {extra:,} more than Keras' trainable ones.")
        return notes


# ------------------------------------------------------------------ files


def _load(path: str) -> tuple[dict[str, Any], str | None]:
    """(model config, Keras version or None) from a .keras zip or a JSON file."""
    low = path.lower()
    if low.endswith((".h5", ".hdf5")):
        raise SpecError("is an HDF5 Keras file: liteconv reads .keras files and model.to_json() configs (re-save with "
                        "model.save('model.keras'))", file=path)
    with reading(path, "a model file"):
        if low.endswith(".keras"):
            return _load_zip(path)
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_CONFIG_BYTES:
                raise SpecError(f"is larger than the {MAX_CONFIG_BYTES >> 20} MiB limit for a Keras config", file=path)
            raw = f.read()
    config = _parse(raw, path, "")
    version = config.get("keras_version") if isinstance(config, dict) else None
    return config, str(version) if version is not None else None


def _load_zip(path: str) -> tuple[dict[str, Any], str | None]:
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SpecError("is not a Keras file: a .keras file is a zip archive, and this is not one", file=path) from None
    with z:
        names = set(z.namelist())
        if "config.json" not in names:
            raise SpecError("is a zip archive without config.json: not a Keras model file", file=path)
        info = z.getinfo("config.json")
        if info.file_size > MAX_CONFIG_BYTES:
            raise SpecError(f"has a config.json over the {MAX_CONFIG_BYTES >> 20} MiB limit", file=path)
        try:
            with z.open(info) as f:
                raw = f.read(MAX_CONFIG_BYTES + 1)
            meta_raw = None
            if "metadata.json" in names and z.getinfo("metadata.json").file_size < 1 << 20:
                meta_raw = z.read("metadata.json")
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as e:
            raise SpecError(f"is a damaged zip archive ({e})", file=path) from None
    config = _parse(raw, path, "config.json: ")
    version = None
    if meta_raw is not None:
        try:
            meta = json.loads(meta_raw)
            version = meta.get("keras_version") if isinstance(meta, dict) else None
        except (ValueError, UnicodeDecodeError):
            version = None
    return config, str(version) if version is not None else None


def _parse(raw: bytes, path: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise SpecError(f"{where}is not UTF-8 text", file=path) from None
    except ValueError as e:
        raise SpecError(f"{where}is not valid JSON ({e})", file=path) from None
    except RecursionError:
        raise SpecError(f"{where}is JSON nested too deeply", file=path) from None
    if isinstance(data, dict) and "modelTopology" in data:  # TensorFlow.js model.json
        data = data["modelTopology"]
    if isinstance(data, dict) and "model_config" in data and "class_name" not in data:  # an .h5 file's attribute
        version = data.get("keras_version")
        data = data["model_config"]
        if isinstance(data, str):
            return _parse(data.encode(), path, where)
        if isinstance(data, dict) and version is not None:
            data.setdefault("keras_version", version)
    if not isinstance(data, dict) or "class_name" not in data or "config" not in data:
        raise SpecError(f"{where}is JSON of another kind: not a Keras model config (model.to_json() gives "
                        "class_name and config)", file=path)
    return data


def read_keras(path: str, input_dims: dict[str | None, list[int]] | None = None,
               allow_unknown: bool = False) -> Imported:
    """Read a Keras model (``.keras`` file or ``model.to_json()`` text) as spec data.

    ``input_dims`` gives [C, H, W] (channels first, as specs write them) for inputs whose shape
    the config leaves open (None), keyed by input layer name (None: the only input).

    Raises:
        SpecError: not a zip / no config.json / not JSON / JSON of another kind; a Keras
            version other than 2 or 3; a subclassed model; open input dims without
            ``input_dims``; layers liteconv does not count (listed) unless ``allow_unknown``.
    """
    config, version = _load(path)
    if version is not None:
        try:
            major = int(version.split(".")[0])
        except ValueError:
            major = -1
        if major not in KERAS_VERSIONS:
            raise SpecError(f"was saved by Keras {version}; liteconv reads the configs of Keras 2 and 3", file=path)
    return _Reader(path, config, version, input_dims, allow_unknown).read()
