"""ONNX model files as spec data: every node a layer of ``docs/spec.md``, exactly counted.

:func:`read_onnx` reads the file's graph (never its weight bytes: see ``_onnx_file``), infers
every tensor's shape by the rules of ``docs/importers.md`` (PyTorch's; the file needs no
``value_info``), and writes one spec layer per node that costs something or reshapes
something, joined by ``from:``. A weight's dims are all that is read of it, so weights inline,
external (present or not) or given as graph inputs give the same counts.

Nodes and how they are written (the full table with the formulas is ``docs/importers.md``):
Conv -> ``conv``; ConvTranspose -> ``conv_transpose``; Gemm -> ``fc``; MatMul by a weight ->
``fc`` on a vector, ``linear`` per position otherwise (a following Add of a bias folds in);
BatchNormalization -> ``batchnorm`` (folded into the conv before it); Relu, Clip(0, 6),
Sigmoid, HardSigmoid, HardSwish, LeakyRelu, Tanh, Gelu, Softmax and x * Sigmoid(x) (SiLU) ->
``activation`` (folded into the conv or FC before it); Add, Mul, Concat of two activations ->
``add``, ``mul``, ``concat``; MaxPool/AveragePool -> ``pool`` (ceil_mode, count_include_pad);
GlobalAveragePool/GlobalMaxPool and a ReduceMean over every spatial axis -> global ``pool``;
Resize/Upsample -> ``upsample``; Pad -> ``pad``; Flatten and flattening Reshapes ->
``flatten``; Reshape-Transpose-Reshape channel shuffles -> ``shuffle``; LayerNormalization,
InstanceNormalization, GroupNormalization -> ``layernorm``, ``instancenorm``, ``groupnorm``;
Identity, Dropout, Cast, Transpose and Reshapes that only add or drop 1s change no data and
make no row; Constant, Shape, Gather, Concat, ... on constants are evaluated (shape
arithmetic). Any other op is unknown: the read fails listing every unknown op type with its
count, or with ``allow_unknown`` each becomes an ``unknown`` row.
"""

from __future__ import annotations

import math
import os
import struct
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..errors import SpecError
from ._graph import (
    INPUT,
    Builder,
    Imported,
    TShape,
    View,
    compact,
    conv_keys,
    same_pads,
    shape_of,
    transpose_out,
    window_out,
)
from ._onnx_file import load_model

#: ai.onnx opsets whose semantics this reader follows (the ops above changed no counted
#: meaning between 7 and 24; older files use BatchNormalization's spatial flag and
#: Upsample's attributes differently, newer are untested)
MIN_OPSET, MAX_OPSET = 7, 24
_DEFAULT_DOMAINS = ("", "ai.onnx")

#: op -> input positions that hold parameters (weights), not activations
PARAM_SLOTS: dict[str, tuple[int, ...]] = {
    "Conv": (1, 2), "ConvTranspose": (1, 2), "Gemm": (1, 2), "MatMul": (1,), "BatchNormalization": (1, 2, 3, 4),
    "LayerNormalization": (1, 2), "InstanceNormalization": (1, 2), "GroupNormalization": (1, 2), "PRelu": (1,),
}

#: activation ops -> the spec's activation function
ACTIVATION_OPS = {
    "Relu": "relu", "Sigmoid": "sigmoid", "HardSigmoid": "hardsigmoid", "HardSwish": "hardswish",
    "LeakyRelu": "leaky_relu", "Tanh": "tanh", "Gelu": "gelu", "Softmax": "softmax", "LogSoftmax": "softmax",
    "Elu": "elu", "Mish": "mish", "Softplus": "softplus",
}
#: ops that pass data on unchanged (at inference)
PASS_OPS = ("Identity", "Dropout", "Cast", "QuantizeLinear", "DequantizeLinear", "CastLike")
#: ops evaluated when every input is a constant (shape arithmetic)
CONST_OPS = ("Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Add", "Sub", "Mul", "Div", "Floor",
             "Ceil", "Slice", "Identity", "Reshape", "ConstantOfShape", "Neg", "Sqrt", "Flatten")

# AttributeProto.type
_A_FLOAT, _A_INT, _A_STRING, _A_TENSOR, _A_GRAPH, _A_FLOATS, _A_INTS, _A_STRINGS = 1, 2, 3, 4, 5, 6, 7, 8
# TensorProto.data_type -> struct format of raw_data
_RAW = {1: "f", 2: "B", 3: "b", 4: "H", 5: "h", 6: "i", 7: "q", 9: "?", 11: "d", 12: "I", 13: "Q"}
_FLOAT_TYPES = frozenset((1, 10, 11, 16, 17, 18, 19, 20, 23))
_INT_TYPES = frozenset((2, 3, 4, 5, 6, 7, 9, 12, 13))
_EXTERNAL = 1  # TensorProto.DataLocation.EXTERNAL


class Const(NamedTuple):
    """A tensor known before running: an initializer, a weight input or a computed constant.

    ``values`` is the flat list of numbers, or None when the bytes are not in the file
    (external data) or were skipped (a large weight); ``param`` marks initializers and weight
    inputs (the file's parameters), ``floating`` a float type.
    """

    dims: tuple[int, ...]
    values: list[Any] | None
    name: str
    param: bool
    floating: bool

    @property
    def numel(self) -> int:
        return math.prod(self.dims)


class _Unknown(NamedTuple):
    """The output of a node that could not be read (its readers are skipped, not reported)."""

    op: str


def _attrs(node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in node.attribute:
        t = a.type
        if t == _A_INT:
            out[a.name] = a.i
        elif t == _A_INTS:
            out[a.name] = list(a.ints)
        elif t == _A_FLOAT:
            out[a.name] = a.f
        elif t == _A_FLOATS:
            out[a.name] = list(a.floats)
        elif t == _A_STRING:
            out[a.name] = a.s.decode("utf-8", "replace")
        elif t == _A_STRINGS:
            out[a.name] = [s.decode("utf-8", "replace") for s in a.strings]
        elif t == _A_TENSOR:
            out[a.name] = a.t
        elif t == _A_GRAPH:
            out[a.name] = a.g
    return out


def _tensor_values(t: Any) -> list[Any] | None:
    """The numbers of a TensorProto, or None when they are not in the file."""
    if t.data_location == _EXTERNAL:
        return None
    n = math.prod(t.dims)
    if t.raw_data:
        fmt = _RAW.get(t.data_type)
        if fmt is None or len(t.raw_data) != n * struct.calcsize(fmt):
            return None
        return list(struct.unpack(f"<{n}{fmt}", t.raw_data))
    dt = t.data_type
    if dt == 1:
        vals: list[Any] = list(t.float_data)
    elif dt == 7:
        vals = list(t.int64_data)
    elif dt == 11:
        vals = list(t.double_data)
    elif dt in (12, 13):
        vals = list(t.uint64_data)
    elif dt in (2, 3, 4, 5, 6, 9):
        vals = list(t.int32_data)
    else:
        return None
    return vals if len(vals) == n else None


def _values_of(c: Const | None) -> list[Any] | None:
    return c.values if c is not None else None


def _value_dims(vi: Any) -> list[int | str | None] | None:
    """The dims of a graph input/output ValueInfo: ints, symbolic names, or None (unknown)."""
    tt = vi.type.tensor_type
    if not tt.HasField("shape"):
        return None
    dims: list[int | str | None] = []
    for d in tt.shape.dim:
        if d.HasField("dim_value"):
            dims.append(d.dim_value)
        elif d.dim_param:
            dims.append(d.dim_param)
        else:
            dims.append(None)
    return dims


def _show_dims(dims: Sequence[Any]) -> str:
    return "x".join("?" if d is None else str(d) for d in dims)


class _Reader:
    """One pass over a graph's nodes, in the file's (topological) order."""

    def __init__(self, model: Any, path: str, input_dims: dict[str | None, list[int]] | None,
                 allow_unknown: bool) -> None:
        self.model = model
        self.path = path
        self.graph = model.graph
        self.input_dims = input_dims or {}
        self.allow_unknown = allow_unknown
        base = os.path.basename(path)
        self.b = Builder(path, base[:-5] if base.lower().endswith(".onnx") else base)
        self.env: dict[str, View | Const | _Unknown] = {}
        self.readers: dict[str, list[int]] = {}
        self.skip: set[int] = set()
        self.unknown: dict[str, int] = {}
        self.weights_of: dict[str, str] = {}
        self.counted: dict[str, int] = {}
        self.notes: list[str] = []
        self.opset = 0
        self.node: Any = None
        self.resolved: dict[str, list[int]] = {}  # data input -> its dims after the batch
        self.assumed: list[str] = []  # unknown ops whose output shape is taken as their input's
        self.shuffle_ends: dict[int, tuple[View, list[int]]] = {}  # node index -> (the shuffle, dims it reads)

    # --------------------------------------------------------------- errors and lookups

    def where(self, node: Any = None) -> str:
        node = node if node is not None else self.node
        if node is None:
            return ""
        return f"node {(node.name or '(unnamed)')!r} ({node.op_type})"

    def error(self, message: str, node: Any = None) -> SpecError:
        return SpecError(message, file=self.path, layer=self.where(node) or None)

    def data(self, node: Any, i: int = 0) -> View:
        name = node.input[i] if i < len(node.input) else ""
        v = self.env.get(name)
        if isinstance(v, View):
            return v
        if v is None:
            raise self.error(f"input {i} ({name!r}) is not written by any earlier node")
        raise self.error(f"input {i} ({name!r}) is a constant where liteconv expects an activation")

    def const(self, node: Any, i: int) -> Const | None:
        """Input i as a constant; None when the input is absent (optional inputs are '')."""
        if i >= len(node.input) or not node.input[i]:
            return None
        v = self.env.get(node.input[i])
        if isinstance(v, Const):
            return v
        if v is None:
            raise self.error(f"input {i} ({node.input[i]!r}) is not written by any earlier node")
        raise self.error(f"input {i} ({node.input[i]!r}) is computed at run time; liteconv needs it in the file")

    def values(self, node: Any, i: int, what: str) -> list[Any] | None:
        c = self.const(node, i)
        if c is None:
            return None
        if c.values is None:
            raise self.error(f"its {what} ({node.input[i]!r}) is stored outside the file; liteconv needs its values")
        return c.values

    def count(self, c: Const | None) -> None:
        """Count a constant as parameters of the file (once, however many nodes read it)."""
        if c is not None and c.param and c.floating:
            self.counted[c.name] = c.numel

    def set(self, node: Any, value: View | Const | _Unknown, k: int = 0) -> None:
        if k < len(node.output) and node.output[k]:
            self.env[node.output[k]] = value

    def hint(self, node: Any) -> str:
        return node.name or node.op_type

    def add(self, node: Any, kind: str, inputs: Sequence[View], dims: Sequence[int], caxis: int,
            **keys: Any) -> View:
        out = self.b.add(kind, self.hint(node), [v.t for v in inputs], shape_of(dims, caxis),
                         nodes=(self.hint(node),), **keys)
        view = View(out, tuple(dims), caxis)
        self.set(node, view)
        return view

    # --------------------------------------------------------------- the pass

    def read(self) -> Imported:
        m, g = self.model, self.graph
        if not m.HasField("graph") or not len(g.node):
            raise self.error("is not an ONNX model: it has no graph of nodes")
        for o in m.opset_import:
            if o.domain in _DEFAULT_DOMAINS:
                self.opset = o.version
        if not self.opset:
            raise self.error("is not an ONNX model: it names no ai.onnx opset")
        if not MIN_OPSET <= self.opset <= MAX_OPSET:
            raise self.error(f"uses ai.onnx opset {self.opset}; liteconv reads opsets {MIN_OPSET} to {MAX_OPSET} "
                             "(convert it with onnx.version_converter)")
        for i, node in enumerate(g.node):
            for name in node.input:
                if name:
                    self.readers.setdefault(name, []).append(i)
        for o in g.output:
            self.readers.setdefault(o.name, []).append(-1)
        self.inputs()
        for i, node in enumerate(g.node):
            if i in self.skip:
                continue
            self.node = node
            self.visit(i, node)
        self.node = None
        if self.unknown and not self.allow_unknown:
            listing = ", ".join(f"{op} ({n})" for op, n in sorted(self.unknown.items(), key=lambda kv: (-kv[1], kv[0])))
            total = sum(self.unknown.values())
            raise self.error(f"has {total} operation{'s' if total > 1 else ''} liteconv does not count: {listing}; "
                             "--allow-unknown counts each as an 'unknown' row with no params or MACs")
        outputs = []
        for o in g.output:
            v = self.env.get(o.name)
            if isinstance(v, View):
                outputs.append(v.t)
        if not outputs:
            raise self.error("has no graph output computed from its input")
        self.folded_bn_note()
        if self.assumed:
            n = len(self.assumed)
            shown = ", ".join(self.assumed[:5]) + (f" and {n - 5} more" if n > 5 else "")
            self.notes.append(f"The output shape of {n} unknown op{'s' if n > 1 else ''} is in neither the file nor "
                              f"onnx's shape inference: taken as the input's ({shown}).")
        data = self.b.finish(outputs)
        return Imported(data, tuple(self.notes + self.b.notes), self.b.info, sum(self.counted.values()),
                        dict(self.unknown))

    def inputs(self) -> None:
        g = self.graph
        for t in g.initializer:
            self.env[t.name] = Const(tuple(t.dims), _tensor_values(t), t.name, True, t.data_type in _FLOAT_TYPES)
        for t in g.sparse_initializer:
            v = t.values
            self.env[v.name] = Const(tuple(t.dims), None, v.name, True, v.data_type in _FLOAT_TYPES)
        data_inputs = []
        for vi in g.input:
            if vi.name in self.env:
                continue  # IR < 4 lists initializers as inputs too
            uses = [(g.node[i].op_type, list(g.node[i].input).index(vi.name)) for i in self.readers.get(vi.name, [])
                    if i >= 0]
            if uses and all(slot in PARAM_SLOTS.get(op, ()) for op, slot in uses):
                dims: Any = _value_dims(vi) or []
                if not all(isinstance(d, int) for d in dims):
                    raise self.error(f"the weight input {vi.name!r} has dims {_show_dims(dims)}, not all known")
                elem = vi.type.tensor_type.elem_type
                self.env[vi.name] = Const(tuple(dims), None, vi.name, True, elem in _FLOAT_TYPES)
            elif uses or vi.name in self.readers:
                data_inputs.append(vi)
        if not data_inputs:
            raise self.error("has no data input (every graph input is a weight)")
        single = len(data_inputs) == 1
        given = dict(self.input_dims)
        if single and None not in given and len(given) == 1 and data_inputs[0].name not in given:
            raise self.error(f"--input names {next(iter(given))!r}, but the model's input is {data_inputs[0].name!r}")
        missing = []
        resolved: list[tuple[Any, list[int]]] = []
        for vi in data_inputs:
            dims = _value_dims(vi)
            want = given.pop(vi.name, None)
            if want is None and single:
                want = given.pop(None, None)
            if dims is None or len(dims) < 2:
                if want is None:
                    missing.append(f"{vi.name!r} ({'rank unknown' if dims is None else _show_dims(dims)})")
                    continue
                dims = [1, *want]
            batch = dims[0]
            rest = dims[1:]
            if want is not None:
                if len(want) != len(rest):
                    raise self.error(f"--input gives {len(want)} dims for {vi.name!r}, whose dims are "
                                     f"{_show_dims(dims)} (batch, then {len(rest)})")
                rest = list(want)
            if not all(isinstance(d, int) and d > 0 for d in rest):
                missing.append(f"{vi.name!r} ({_show_dims(dims)})")
                continue
            if isinstance(batch, int) and batch > 1:
                self.notes.append(f"The file's batch is {batch}; counts are per sample (batch 1).")
            resolved.append((vi, [int(d) for d in rest]))
        if given:
            raise self.error(f"--input names {', '.join(repr(k) for k in given)}, not an input of the model "
                             f"(its inputs: {', '.join(repr(v.name) for v in data_inputs)})")
        if missing:
            how = ("--input C,H,W (the dims after the batch)" if single else
                   "--input NAME=C,H,W for each input")
            raise self.error(f"input {' and '.join(missing)} has dims that are not fixed in the file: give them "
                             f"with {how}" if single else
                             f"has {len(data_inputs)} inputs and {', '.join(missing)} have dims that are not fixed in "
                             f"the file: give them with {how}")
        for vi, rest in resolved:
            self.resolved[vi.name] = rest
            name = INPUT if single else self.b.unique(vi.name)
            t = self.b.add_input(name, shape_of(rest, 0))
            self.env[vi.name] = View(t, tuple(rest), 0)

    def visit(self, i: int, node: Any) -> None:
        op = node.op_type
        ins = [self.env.get(n) for n in node.input if n]
        if any(isinstance(v, _Unknown) for v in ins):  # after an unknown op: list this one too if unknown
            if not self.known(node):
                self.unknown[self.unknown_name(node)] = self.unknown.get(self.unknown_name(node), 0) + 1
            for k in range(len(node.output)):
                self.set(node, _Unknown(op), k)
            return
        if node.domain not in _DEFAULT_DOMAINS:
            self.unknown_op(node, f"{node.domain}.{op}")
            return
        if op == "Constant":
            self.op_Constant(node)
            return
        if ins and all(isinstance(v, Const) for v in ins) and op in CONST_OPS:
            self.fold_const(node)
            return
        if op in PASS_OPS:
            v = self.env.get(node.input[0]) if node.input else None
            if v is None:
                raise self.error("input 0 is not written by any earlier node")
            self.set(node, v)
            return
        if op in ACTIVATION_OPS:
            self.activation(node, ACTIVATION_OPS[op])
            return
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            self.unknown_op(node, op)
            return
        try:
            handler(node, _attrs(node), i)
        except ValueError as e:
            raise self.error(str(e)) from None

    def known(self, node: Any) -> bool:
        op = node.op_type
        return node.domain in _DEFAULT_DOMAINS and (
            op in PASS_OPS or op in ACTIVATION_OPS or op in CONST_OPS or op == "Constant" or hasattr(self, "op_" + op))

    def unknown_name(self, node: Any) -> str:
        return node.op_type if node.domain in _DEFAULT_DOMAINS else f"{node.domain}.{node.op_type}"

    def unknown_op(self, node: Any, op: str, outputs: Sequence[tuple[int, ...]] | None = None) -> None:
        """An op liteconv does not count: listed (``op`` is how the error names it), or with
        ``allow_unknown`` an ``unknown`` row per output, with its output shape: ``outputs`` (dims
        after the batch) when the reader works them out, else onnx's shape inference, else the
        input's shape (and a note says so)."""
        self.unknown[op] = self.unknown.get(op, 0) + 1
        if not self.allow_unknown:
            for k in range(len(node.output)):
                self.set(node, _Unknown(op), k)
            return
        views = [v for n in node.input if n and isinstance(v := self.env.get(n), View)]
        if not views:
            raise self.error(f"{op} is not an op liteconv knows, and it reads no activation (only constants): it "
                             "cannot stand in the network as an 'unknown' row")
        x = views[0]
        names = [(k, n) for k, n in enumerate(node.output) if n]
        read = [(k, n) for k, n in names if n in self.readers]
        for k, name in read or names[:1]:
            hint = self.hint(node) if len(names) == 1 else f"{self.hint(node)}/{k}"
            if outputs is not None:
                dims, caxis = tuple(outputs[k]), x.caxis
            else:
                got = self.infer_unknown(node, k, x)
                if got is None:
                    self.assumed.append(hint)
                    got = (x.dims, x.caxis)
                dims, caxis = got
            keys: dict[str, Any] = {"op": self.unknown_name(node)}
            if dims == x.dims and caxis == x.caxis:
                shape = x.t.shape
            else:
                shape = shape_of(dims, caxis)
                keys["output"] = shape.dims()
            out = self.b.add("unknown", hint, [x.t], shape, nodes=(self.hint(node),), **keys)
            self.env[name] = View(out, dims, caxis)

    def infer_unknown(self, node: Any, k: int, x: View) -> tuple[tuple[int, ...], int] | None:
        """The dims (after the batch) and channel axis of output ``k`` of an unknown op, from onnx's
        own shape inference (imported only here) on the model with its inputs' dims fixed; None
        when it does not give them."""
        if not hasattr(self, "_inferred"):
            self._inferred: dict[str, Any] = {}
            try:
                import onnx
                import onnx.shape_inference

                model = onnx.ModelProto()
                model.ParseFromString(self.model.SerializeToString())
                for vi in model.graph.input:
                    if vi.name in self.resolved:
                        shape = vi.type.tensor_type.shape
                        shape.Clear()
                        for d in [1, *self.resolved[vi.name]]:
                            shape.dim.add().dim_value = d
                inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
                self._inferred = {vi.name: _value_dims(vi) for vi in inferred.graph.value_info}
                self._inferred.update({vi.name: _value_dims(vi) for vi in inferred.graph.output})
            except Exception:  # any failure of inference leaves the input's shape (and a note)
                pass
        dims = self._inferred.get(node.output[k])
        if not dims or len(dims) < 2 or not all(isinstance(d, int) and d > 0 for d in dims[1:]):
            return None
        rest = tuple(int(d) for d in dims[1:])
        if len(rest) == len(x.dims):
            return rest, x.caxis
        return rest, (0 if x.caxis == 0 else len(rest) - 1)

    # --------------------------------------------------------------- constants

    def op_Constant(self, node: Any) -> None:
        a = _attrs(node)
        if "value" in a:
            t = a["value"]
            self.set(node, Const(tuple(t.dims), _tensor_values(t), node.output[0], False, t.data_type in _FLOAT_TYPES))
        elif "value_float" in a:
            self.set(node, Const((), [a["value_float"]], node.output[0], False, True))
        elif "value_floats" in a:
            self.set(node, Const((len(a["value_floats"]),), a["value_floats"], node.output[0], False, True))
        elif "value_int" in a:
            self.set(node, Const((), [a["value_int"]], node.output[0], False, False))
        elif "value_ints" in a:
            self.set(node, Const((len(a["value_ints"]),), a["value_ints"], node.output[0], False, False))
        else:
            self.unknown_op(node, "Constant (sparse or string)")

    def fold_const(self, node: Any) -> None:
        """Evaluate shape arithmetic on constants (1-D integer lists, as exporters write them)."""
        op, a = node.op_type, _attrs(node)
        ins = [self.env.get(n) if n else None for n in node.input]
        cs: list[Const | None] = [c if isinstance(c, Const) else None for c in ins]
        x = cs[0]
        assert x is not None
        vals = x.values
        out_dims: tuple[int, ...] = x.dims
        result: list[Any] | None = None
        floating = x.floating
        try:
            if op == "Shape":
                full = [1, *x.dims]
                result = list(x.dims)
                start, end = a.get("start", 0), a.get("end", len(x.dims))
                result = list(x.dims)[start:end]
                out_dims = (len(result),)
                floating = False
                del full
            elif vals is None:
                result = None
            elif op in ("Identity", "Cast"):
                to = a.get("to")
                floating = to in _FLOAT_TYPES if to is not None else floating
                result = [float(v) if floating else int(v) for v in vals]
            elif op in ("Add", "Sub", "Mul", "Div"):
                y = cs[1]
                if y is None or y.values is None:
                    result = None
                else:
                    yv = y.values
                    n = max(len(vals), len(yv))
                    av = vals * n if len(vals) == 1 else vals
                    bv = yv * n if len(yv) == 1 else yv
                    if len(av) != len(bv):
                        raise ValueError("broadcast beyond 1-D")
                    f = {"Add": lambda p, q: p + q, "Sub": lambda p, q: p - q, "Mul": lambda p, q: p * q,
                         "Div": (lambda p, q: p / q) if floating else (lambda p, q: int(p / q))}[op]
                    result = [f(p, q) for p, q in zip(av, bv, strict=True)]
                    out_dims = x.dims if len(vals) >= len(yv) else y.dims
            elif op in ("Floor", "Ceil", "Neg", "Sqrt"):
                f1 = {"Floor": math.floor, "Ceil": math.ceil, "Neg": lambda v: -v, "Sqrt": math.sqrt}[op]
                result = [f1(v) for v in vals]
            elif op == "Gather":
                where = cs[1]
                if where is None or where.values is None or a.get("axis", 0) != 0 or len(x.dims) > 1:
                    result = None
                else:
                    result = [vals[int(i)] for i in where.values]
                    out_dims = where.dims
            elif op == "Unsqueeze" or op == "Squeeze" or op == "Reshape" or op == "Flatten":
                result = vals
                out_dims = (len(vals),) if vals is not None and len(vals) != 1 else ((1,) if op == "Unsqueeze"
                                                                                      else ())
            elif op == "Concat":
                parts = [c.values for c in cs if c is not None]
                result = None if any(p is None for p in parts) else [v for p in parts for v in p]  # type: ignore
                out_dims = (len(result),) if result is not None else (sum(c.numel for c in cs if c is not None),)
            elif op == "Slice":
                if self.opset < 10:
                    starts, ends, axes, steps = a.get("starts"), a.get("ends"), a.get("axes"), None
                else:
                    starts, ends, axes, steps = (_values_of(cs[i]) if i < len(cs) else None for i in (1, 2, 3, 4))
                if starts is None or ends is None or (axes not in (None, [0])) or len(x.dims) != 1:
                    result = None
                else:
                    step = steps[0] if steps else 1
                    s, e = int(starts[0]), int(ends[0])
                    result = vals[slice(s, max(min(e, len(vals)), -len(vals) - 1), step)]
                    out_dims = (len(result),)
            elif op == "ConstantOfShape":
                n = math.prod(vals)
                fill = a.get("value")
                fv = (_tensor_values(fill) or [0])[0] if fill is not None else 0.0
                result = [fv] * n if n <= 65536 else None
                out_dims = tuple(int(v) for v in vals)
                floating = fill is None or fill.data_type in _FLOAT_TYPES
        except (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError):
            result = None
        self.set(node, Const(out_dims, result, node.output[0], False, floating))

    # --------------------------------------------------------------- padding

    def pads(self, a: dict[str, Any], spatial: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
             dil: Sequence[int]) -> tuple[list[int], list[int], bool]:
        """(before, after, same): the pads of a window op; ``same`` when auto_pad asks for it."""
        n = len(spatial)
        auto = a.get("auto_pad", "NOTSET")
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            sp = [same_pads(spatial[i], kernel[i], strides[i], dil[i]) for i in range(n)]
            if auto == "SAME_LOWER":
                sp = [(q, p) for p, q in sp]
            return [p for p, _ in sp], [q for _, q in sp], auto == "SAME_UPPER"
        if auto == "VALID":
            return [0] * n, [0] * n, False
        pads = a.get("pads", [0] * (2 * n))
        if len(pads) != 2 * n or any(p < 0 for p in pads):
            raise ValueError(f"pads={pads} is not {2 * n} non-negative integers")
        return list(pads[:n]), list(pads[n:]), False

    def padded(self, node: Any, x: View, before: list[int], after: list[int], kernel: Sequence[int],
               strides: Sequence[int], dil: Sequence[int], same: bool, pool: bool = False) -> tuple[View, Any]:
        """The input to read and the spec ``padding`` of a window op.

        Equal pads on both sides are the spec's padding (for a pooling, at most half the
        kernel, as PyTorch allows); a convolution's TensorFlow-style ``same`` (the odd pixel at
        the end) is ``same``; any other padding becomes a ``pad`` layer before the op.
        """
        spatial = x.dims[1:]
        if before == after and not (pool and any(2 * p > k for p, k in zip(before, kernel, strict=True))):
            return x, compact(before) if before else 0
        if not pool:
            upper = [same_pads(spatial[i], kernel[i], strides[i], dil[i]) for i in range(len(spatial))]
            if same or [(b, e) for b, e in zip(before, after, strict=True)] == upper:
                return x, "same"
        return self.pad_layer(node, x, before, after), 0

    def pad_layer(self, node: Any, x: View, before: Sequence[int], after: Sequence[int]) -> View:
        """A zero ``pad`` layer (torch.nn.functional.pad's order: last dim first) before a window op."""
        per_side: list[int] = []
        for b, e in zip(reversed(before), reversed(after), strict=True):
            per_side += [b, e]
        dims = (x.dims[0], *(s + b + e for s, b, e in zip(x.dims[1:], before, after, strict=True)))
        out = self.b.add("pad", self.hint(node) + "/pad", [x.t], shape_of(dims, 0), nodes=(self.hint(node),),
                         padding=per_side)
        return View(out, dims, 0)

    def spatial_input(self, x: View, what: str) -> None:
        if x.caxis != 0 or len(x.dims) < 2:
            raise self.error(f"{what} reads a tensor of dims {_show_dims(x.dims)} (after the batch) with channels at "
                             f"axis {x.caxis + 1}; liteconv reads it with channels at axis 1 and 1 to 3 spatial axes")
        if len(x.t.shape.size) != len(x.dims) - 1:
            raise self.error(f"{what} reads a vector reshaped to {_show_dims(x.dims)}: the spec format has no kind "
                             "that turns a vector back into a feature map")

    # --------------------------------------------------------------- convolutions and linear layers

    def weight(self, node: Any, i: int, what: str) -> Const:
        c = self.const(node, i)
        if c is None:
            raise self.error(f"has no {what}")
        return c

    def shared(self, w: Const, layer: View) -> None:
        """Remember the first layer that holds weight ``w``; later readers of it say ``share:``."""
        self.weights_of.setdefault(w.name, layer.t.source)

    def op_Conv(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        self.spatial_input(x, "Conv")
        w = self.weight(node, 1, "weight")
        bias = self.const(node, 2)
        n = len(x.dims) - 1
        if len(w.dims) != n + 2:
            raise ValueError(f"the weight's dims {_show_dims(w.dims)} do not fit an input with {n} spatial axes")
        group = int(a.get("group", 1))
        m, cg, kernel = w.dims[0], w.dims[1], list(w.dims[2:])
        if "kernel_shape" in a and list(a["kernel_shape"]) != kernel:
            raise ValueError(f"kernel_shape={a['kernel_shape']} differs from the weight's dims {list(w.dims)}")
        if cg * group != x.dims[0] or m % group:
            raise ValueError(f"the weight ({_show_dims(w.dims)}, group {group}) does not fit {x.dims[0]} input "
                             "channels")
        strides = list(a.get("strides", [1] * n))
        dil = list(a.get("dilations", [1] * n))
        before, after, same = self.pads(a, x.dims[1:], kernel, strides, dil)
        out_sp = [window_out(x.dims[1 + k], kernel[k], strides[k], before[k], after[k], dil[k]) for k in range(n)]
        src, padding = self.padded(node, x, before, after, kernel, strides, dil, same)
        keys: dict[str, Any] = {"kernel": compact(kernel)}
        if any(v != 1 for v in strides):
            keys["stride"] = compact(strides)
        keys["padding"] = padding
        if any(d != 1 for d in dil):
            keys["dilation"] = compact(dil)
        if bias is None:
            keys["bias"] = False
        keys["share"] = self.weights_of.get(w.name)
        self.count(w)
        self.count(bias)
        kind, keys = conv_keys(x.dims[0], m, group, keys)
        self.shared(w, self.add(node, kind, [src], (m, *out_sp), 0, **keys))

    def op_ConvTranspose(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        self.spatial_input(x, "ConvTranspose")
        w = self.weight(node, 1, "weight")
        bias = self.const(node, 2)
        n = len(x.dims) - 1
        group = int(a.get("group", 1))
        if len(w.dims) != n + 2 or w.dims[0] != x.dims[0] or x.dims[0] % group:
            raise ValueError(f"the weight's dims {_show_dims(w.dims)} (group {group}) do not fit the input "
                             f"{_show_dims(x.dims)}")
        m, kernel = w.dims[1] * group, list(w.dims[2:])
        strides = list(a.get("strides", [1] * n))
        dil = list(a.get("dilations", [1] * n))
        outpad = list(a.get("output_padding", [0] * n))
        spatial = x.dims[1:]
        auto = a.get("auto_pad", "NOTSET")
        if "output_shape" in a or auto in ("SAME_UPPER", "SAME_LOWER"):
            want = list(a["output_shape"])[-n:] if "output_shape" in a else [s * st for s, st in zip(spatial, strides,
                                                                                                      strict=True)]
            total = [st * (s - 1) + op + (k - 1) * d + 1 - o
                     for s, st, op, k, d, o in zip(spatial, strides, outpad, kernel, dil, want, strict=True)]
            if any(t < 0 for t in total):
                raise ValueError(f"output_shape={want} is larger than the transposed convolution gives")
            if auto == "SAME_UPPER":
                before, after = [t // 2 for t in total], [t - t // 2 for t in total]
            else:
                before, after = [t - t // 2 for t in total], [t // 2 for t in total]
        elif auto == "VALID":
            before, after = [0] * n, [0] * n
        else:
            pads = list(a.get("pads", [0] * (2 * n)))
            before, after = pads[:n], pads[n:]
        out_sp = [transpose_out(spatial[k], kernel[k], strides[k], before[k], after[k], dil[k], outpad[k])
                  for k in range(n)]
        # PyTorch pads both sides alike: pad max(before, after) and give the difference back as output_padding
        pad = [max(b, e) for b, e in zip(before, after, strict=True)]
        opad = [op + abs(b - e) for op, b, e in zip(outpad, before, after, strict=True)]
        if any(op >= max(st, d) for op, st, d in zip(opad, strides, dil, strict=True)):
            raise ValueError(f"pads {before}/{after} with output_padding {outpad} have no PyTorch equivalent "
                             "(output_padding must stay below the stride or dilation)")
        if any(o < 1 for o in out_sp):
            raise ValueError(f"the output would be empty ({out_sp})")
        keys: dict[str, Any] = {"out": m, "kernel": compact(kernel), "stride": compact(strides),
                                "padding": compact(pad)}
        if any(opad):
            keys["output_padding"] = compact(opad)
        if any(d != 1 for d in dil):
            keys["dilation"] = compact(dil)
        if group != 1:
            keys["groups"] = group
        if bias is None:
            keys["bias"] = False
        keys["share"] = self.weights_of.get(w.name)
        self.count(w)
        self.count(bias)
        self.shared(w, self.add(node, "conv_transpose", [x], (m, *out_sp), 0, **keys))

    def linear(self, node: Any, x: View, k: int, n: int, w: Const, bias: Const | None) -> None:
        if x.dims[x.caxis] != k:
            raise ValueError(f"the weight ({_show_dims(w.dims)}) expects {k} input features, the input has "
                             f"{x.dims[x.caxis]} (dims {_show_dims(x.dims)})")
        if x.caxis != len(x.dims) - 1:
            raise ValueError(f"multiplies axis {len(x.dims)} of a tensor whose channels are axis {x.caxis + 1} "
                             f"(dims {_show_dims(x.dims)}): not a per-position linear layer")
        keys: dict[str, Any] = {"out": n, "share": self.weights_of.get(w.name)}
        if bias is None:
            keys["bias"] = False
        self.count(w)
        self.count(bias)
        if len(x.dims) == 1:  # fc: the spec keeps the input's rank with 1s (n x 1 x 1)
            out = self.b.add("fc", self.hint(node), [x.t], TShape(n, (1,) * len(x.t.shape.size)),
                             nodes=(self.hint(node),), **keys)
            view = View(out, (n,), 0)
            self.set(node, view)
        else:
            view = self.add(node, "linear", [x], (*x.dims[:-1], n), len(x.dims) - 1, **keys)
        self.shared(w, view)

    def op_Gemm(self, node: Any, a: dict[str, Any], i: int) -> None:
        if isinstance(self.env.get(node.input[0]), Const):
            self.unknown_op(node, "Gemm (weight times activation)")
            return
        x = self.data(node, 0)
        if a.get("transA", 0):
            raise ValueError("transA=1 (the activation transposed) is not a fully connected layer")
        w = self.const(node, 1)
        if w is None or len(w.dims) != 2:
            self.unknown_op(node, "Gemm (of two activations)")
            return
        k, n = (w.dims[1], w.dims[0]) if a.get("transB", 0) else (w.dims[0], w.dims[1])
        bias = self.const(node, 2)
        if bias is not None and bias.numel not in (n, 1):
            raise ValueError(f"the bias has {bias.numel} values for {n} outputs")
        if len(x.dims) != 1:
            raise ValueError(f"reads a tensor of dims {_show_dims(x.dims)}; Gemm takes a vector per sample")
        self.linear(node, x, k, n, w, bias)

    def op_MatMul(self, node: Any, a: dict[str, Any], i: int) -> None:
        first, second = (self.env.get(n) for n in node.input[:2])
        if isinstance(first, View) and isinstance(second, Const) and len(second.dims) == 2:
            self.linear(node, first, second.dims[0], second.dims[1], second, None)
        else:
            self.unknown_op(node, "MatMul (of two activations)" if isinstance(second, View) else "MatMul")

    # --------------------------------------------------------------- normalisation and activations

    def op_BatchNormalization(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        if len([o for o in node.output if o]) > 1 or a.get("training_mode", 0):
            raise ValueError("is in training mode (it outputs running statistics); export the model in eval mode")
        if self.opset < 9 and a.get("spatial", 1) == 0:
            raise ValueError("spatial=0 (a statistic per position) is not BatchNorm over channels")
        if x.caxis != 0:
            raise ValueError(f"normalises axis 1 of dims {_show_dims(x.dims)}, which are not channels first")
        scale, bias = self.const(node, 1), self.const(node, 2)
        for c in (scale, bias):
            if c is not None and c.numel != x.dims[0]:
                raise ValueError(f"has {c.numel} values for {x.dims[0]} channels")
        self.count(scale)
        self.count(bias)
        self.add(node, "batchnorm", [x], x.dims, x.caxis)

    def op_LayerNormalization(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        axis = a.get("axis", -1)
        rank = len(x.dims) + 1
        if axis < 0:
            axis += rank
        if axis != rank - 1 or x.caxis != len(x.dims) - 1:
            raise ValueError(f"normalises axes {axis}.. of dims {_show_dims(x.dims)}; liteconv's layernorm "
                             "normalises the channels at each position (the last axis, channels last)")
        scale, bias = self.const(node, 1), self.const(node, 2)
        self.count(scale)
        self.count(bias)
        keys = {"bias": False} if bias is None else {}  # a scale per channel only: LayerNorm(bias=False)
        self.add(node, "layernorm", [x], x.dims, x.caxis, **keys)

    def op_InstanceNormalization(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        self.spatial_input(x, "InstanceNormalization")
        self.count(self.const(node, 1))
        self.count(self.const(node, 2))
        self.add(node, "instancenorm", [x], x.dims, 0, affine=True)

    def op_GroupNormalization(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        self.spatial_input(x, "GroupNormalization")
        groups = int(a.get("num_groups", 1))
        scale = self.const(node, 1)
        if scale is not None and scale.numel != x.dims[0]:
            self.b.notes.append(f"{self.hint(node)}: GroupNormalization of opset {self.opset} has a scale per group "
                                f"({scale.numel}); the groupnorm row counts one per channel ({x.dims[0]}).")
        self.count(scale)
        self.count(self.const(node, 2))
        self.add(node, "groupnorm", [x], x.dims, 0, groups=groups)

    def activation(self, node: Any, function: str) -> None:
        x = self.data(node, 0)
        self.add(node, "activation", [x], x.dims, x.caxis, function=function)

    def op_Clip(self, node: Any, a: dict[str, Any], i: int) -> None:
        if self.opset < 11:
            lo, hi = a.get("min"), a.get("max")
        else:
            lo_v, hi_v = self.values(node, 1, "min"), self.values(node, 2, "max")
            lo = lo_v[0] if lo_v else None
            hi = hi_v[0] if hi_v else None
        if lo == 0 and hi == 6:
            self.activation(node, "relu6")
        elif lo == 0 and (hi is None or hi >= 3.4e38):
            self.activation(node, "relu")
        else:
            self.activation(node, "hardtanh")  # clamp(x, min, max): nn.Hardtanh

    # --------------------------------------------------------------- merges and elementwise ops

    def producer(self, v: View) -> dict[str, Any] | None:
        return self.b.last(v.t)

    def op_Mul(self, node: Any, a: dict[str, Any], i: int) -> None:
        p, q = (self.env.get(n) for n in node.input[:2])
        if isinstance(p, View) and isinstance(q, View):
            for x, s, s_name in ((p, q, node.input[1]), (q, p, node.input[0])):  # noqa: B007
                layer = self.producer(s)
                if (layer is not None and layer["kind"] == "activation" and layer["from"] == [x.t.source]
                        and layer["function"] in ("sigmoid", "hardsigmoid") and s.dims == x.dims
                        and len(self.readers.get(s_name, [])) == 1):
                    # x * sigmoid(x) is SiLU (PyTorch exports nn.SiLU so), x * hardsigmoid(x) HardSwish
                    layer["function"] = "silu" if layer["function"] == "sigmoid" else "hardswish"
                    self.b.info[layer["name"]] = self.b.info[layer["name"]]._replace(
                        nodes=self.b.info[layer["name"]].nodes + (self.hint(node),))
                    self.set(node, s)
                    return
            self.merge(node, "mul", [p, q])
            return
        xv, cv = (p, q) if isinstance(p, View) else (q, p)
        if not isinstance(xv, View) or not isinstance(cv, Const):
            raise self.error("multiplies nothing liteconv can read")
        self.constant_operand(node, xv, cv, "Mul")

    def op_Add(self, node: Any, a: dict[str, Any], i: int) -> None:
        p, q = (self.env.get(n) for n in node.input[:2])
        if isinstance(p, View) and isinstance(q, View):
            self.merge(node, "add", [p, q])
            return
        x, c = (p, q) if isinstance(p, View) else (q, p)
        if not isinstance(x, View) or not isinstance(c, Const):
            raise self.error("adds nothing liteconv can read")
        layer = self.producer(x)
        src = node.input[0] if x is p else node.input[1]
        if (layer is not None and layer["kind"] in ("linear", "fc", "conv", "conv_transpose")
                and layer.get("bias") is False and c.numel == x.dims[x.caxis]
                and len(self.readers.get(src, [])) == 1):
            del layer["bias"]  # MatMul + Add is nn.Linear with its bias
            self.count(c)
            self.b.info[layer["name"]] = self.b.info[layer["name"]]._replace(
                nodes=self.b.info[layer["name"]].nodes + (self.hint(node),))
            self.set(node, x)
            return
        self.constant_operand(node, x, c, "Add")

    def op_Sub(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.scalar_op(node, "Sub")

    def op_Div(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.scalar_op(node, "Div")

    def scalar_op(self, node: Any, op: str) -> None:
        p, q = (self.env.get(n) for n in node.input[:2])
        if isinstance(p, View) and isinstance(q, Const):
            self.constant_operand(node, p, q, op)
        else:
            self.unknown_op(node, f"{op} (of two activations)" if isinstance(q, View) else op)

    def constant_operand(self, node: Any, x: View, c: Const, op: str) -> None:
        """An elementwise op with a constant: a per-channel Mul is a ``layer_scale``; a scalar
        (input scaling, say) changes no count and makes an ``identity`` row; anything else is unknown."""
        if c.numel == 1:
            self.b.free.append(f"{self.hint(node)} ({op} by a constant)")
            self.count(c)
            self.add(node, "identity", [x], x.dims, x.caxis)
        elif op == "Mul" and c.numel == x.dims[x.caxis]:
            self.count(c)
            self.add(node, "layer_scale", [x], x.dims, x.caxis)
        else:
            self.unknown_op(node, f"{op} (by a constant tensor of dims {_show_dims(c.dims)})")

    def merge(self, node: Any, kind: str, views: list[View]) -> None:
        dims = max((v.dims for v in views), key=math.prod)
        for v in views:
            if v.t.shape != views[0].t.shape and (kind != "mul" or v.t.shape.c != views[0].t.shape.c):
                raise ValueError(f"{kind}s tensors of shapes {' and '.join(str(w.t.shape) for w in views)}")
        caxis = next(v.caxis for v in views if v.dims == dims)
        ordered = sorted(views, key=lambda v: -v.t.shape.elements) if kind == "mul" else views
        self.add(node, kind, ordered, dims, caxis)

    def op_Concat(self, node: Any, a: dict[str, Any], i: int) -> None:
        views = [self.env.get(n) for n in node.input if n]
        if not all(isinstance(v, View) for v in views):
            raise ValueError("concatenates activations with constants")
        vs: list[View] = views  # type: ignore[assignment]
        axis = a.get("axis", 1)
        rank = len(vs[0].dims) + 1
        if axis < 0:
            axis += rank
        if axis == 0:
            raise ValueError("concatenates along the batch axis")
        if any(v.caxis != axis - 1 for v in vs):
            raise ValueError(f"concatenates along axis {axis}, which is not the channel axis")
        if len({v.t.shape.size for v in vs}) != 1:
            raise ValueError(f"concatenates tensors of sizes {', '.join(str(v.t.shape) for v in vs)}")
        dims = list(vs[0].dims)
        dims[axis - 1] = sum(v.dims[axis - 1] for v in vs)
        if len(vs) == 1:
            self.set(node, vs[0])
            return
        self.add(node, "concat", vs, dims, axis - 1)

    # --------------------------------------------------------------- pooling

    def pool(self, node: Any, a: dict[str, Any], mode: str) -> None:
        x = self.data(node, 0)
        self.spatial_input(x, node.op_type)
        if len([o for o in node.output if o]) > 1:
            raise ValueError("also outputs indices (MaxPool with Indices), which liteconv does not count")
        n = len(x.dims) - 1
        kernel = list(a.get("kernel_shape", []))
        if len(kernel) != n:
            raise ValueError(f"kernel_shape={kernel} does not fit {n} spatial axes")
        strides = list(a.get("strides", [1] * n))
        dil = list(a.get("dilations", [1] * n))
        ceil = bool(a.get("ceil_mode", 0))
        before, after, same = self.pads(a, x.dims[1:], kernel, strides, dil)
        out_sp = [window_out(x.dims[1 + k], kernel[k], strides[k], before[k], after[k], dil[k], ceil) for k in range(n)]
        src, padding = self.padded(node, x, before, after, kernel, strides, dil, same, pool=True)
        if ceil and padding == 0 and any(before + after):
            raise ValueError("ceil_mode with uneven pads has no PyTorch equivalent")
        keys: dict[str, Any] = {"mode": mode, "kernel": compact(kernel), "stride": compact(strides),
                                "padding": padding}
        if any(d != 1 for d in dil):
            keys["dilation"] = compact(dil)
        if ceil:
            keys["ceil_mode"] = True
        if mode == "avg" and not a.get("count_include_pad", 0) and padding != 0:
            keys["count_include_pad"] = False
        self.add(node, "pool", [src], (x.dims[0], *out_sp), 0, **keys)

    def op_MaxPool(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.pool(node, a, "max")

    def op_AveragePool(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.pool(node, a, "avg")

    def global_pool(self, node: Any, mode: str, keepdims: bool = True) -> None:
        x = self.data(node, 0)
        self.spatial_input(x, node.op_type)
        dims = (x.dims[0], *[1] * (len(x.dims) - 1))
        v = self.add(node, "pool", [x], dims, 0, mode=mode, **{"global": True})
        if not keepdims:  # (C,) in the file; C x 1 x 1 for the spec, which every later layer reads alike
            self.set(node, View(v.t, (x.dims[0],), 0))

    def op_GlobalAveragePool(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.global_pool(node, "avg")

    def op_GlobalMaxPool(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.global_pool(node, "max")

    def reduce(self, node: Any, a: dict[str, Any], mode: str) -> None:
        x = self.data(node, 0)
        axes = a.get("axes") if self.opset < 18 else self.values(node, 1, "axes")
        rank = len(x.dims) + 1
        axes = sorted(ax + rank if ax < 0 else ax for ax in (axes or []))
        if x.caxis == 0 and len(x.dims) >= 2 and axes == list(range(2, rank)):
            self.global_pool(node, mode, bool(a.get("keepdims", 1)))
        else:
            self.unknown_op(node, f"{node.op_type} (over axes {axes})")

    def op_ReduceMean(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.reduce(node, a, "avg")

    def op_ReduceMax(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.reduce(node, a, "max")

    # --------------------------------------------------------------- shapes: flatten, reshape, transpose

    def op_Flatten(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        axis = a.get("axis", 1)
        if axis < 0:
            axis += len(x.dims) + 1
        if axis != 1:
            raise ValueError(f"axis={axis}: only flattening everything after the batch (axis 1) is a spec flatten")
        self.restructure(node, x, (math.prod(x.dims),))

    def reshape_target(self, node: Any, a: dict[str, Any], full: Sequence[int]) -> list[int]:
        """The dims (batch first) a Reshape of a tensor of dims ``full`` (batch first) writes:
        its ``shape`` input with 0 (copy the input's dim, unless allowzero) and -1 (the rest) resolved."""
        target = self.values(node, 1, "shape")
        if target is None:
            raise ValueError("has no target shape")
        out = [int(v) for v in target]
        if not a.get("allowzero", 0):
            out = [full[k] if v == 0 and k < len(full) else v for k, v in enumerate(out)]
        if out.count(-1) > 1:
            raise ValueError(f"shape={target} has more than one -1")
        if -1 in out:
            known = math.prod(v for v in out if v != -1)
            if known == 0 or math.prod(full) % known:
                raise ValueError(f"cannot reshape {_show_dims(full)} to {target}")
            out[out.index(-1)] = math.prod(full) // known
        if math.prod(out) != math.prod(full):
            raise ValueError(f"cannot reshape {_show_dims(full)} ({math.prod(full)} values) to {_show_dims(out)}")
        return out

    def op_Reshape(self, node: Any, a: dict[str, Any], i: int) -> None:
        pending = self.shuffle_ends.pop(i, None)
        if pending is not None:  # the Reshape that ends a channel shuffle whose target was not known at its start
            view, grouped = pending
            out = self.reshape_target(node, a, grouped)
            if out != [1, *view.dims]:
                raise ValueError(f"ends a channel shuffle with dims {_show_dims(out)}, not its input's "
                                 f"{_show_dims([1, *view.dims])}")
            self.set(node, view)
            return
        x = self.data(node, 0)
        full = [1, *x.dims]
        out = self.reshape_target(node, a, full)
        if not out or out[0] != 1:
            raise ValueError(f"reshapes {_show_dims(full)} to {_show_dims(out)}, which moves the batch axis")
        if self.shuffle(node, i, x, tuple(out[1:])):
            return
        self.restructure(node, x, tuple(out[1:]))

    def squeeze(self, node: Any, a: dict[str, Any], unsqueeze: bool) -> None:
        x = self.data(node, 0)
        axes = a.get("axes") if self.opset < 13 else self.values(node, 1, "axes")
        full = [1, *x.dims]
        if unsqueeze:
            rank = len(full) + len(axes or [])
            axes_n = sorted(ax + rank if ax < 0 else ax for ax in (axes or []))
            out = list(full)
            for ax in axes_n:
                out.insert(ax, 1)
        else:
            rank = len(full)
            drop = {ax + rank if ax < 0 else ax for ax in axes} if axes else {k for k, d in enumerate(full) if d == 1}
            out = [d for k, d in enumerate(full) if k not in drop]
        if not out or out[0] != 1 or 0 in (axes or []) and unsqueeze:
            raise ValueError("adds or drops the batch axis")
        self.restructure(node, x, tuple(out[1:]))

    def op_Squeeze(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.squeeze(node, a, False)

    def op_Unsqueeze(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.squeeze(node, a, True)

    def restructure(self, node: Any, x: View, new: tuple[int, ...]) -> None:
        """A Reshape, Flatten or (Un)Squeeze to ``new`` dims (batch left out)."""
        if new == x.dims:
            self.set(node, x)
            return
        c = x.dims[x.caxis]
        if len(new) == 1:
            if x.t.shape.positions == 1 and x.t.shape.c == new[0]:  # already C x 1 x 1 for the spec
                self.set(node, View(x.t, new, 0))
            else:  # the spec's flatten keeps the rank with 1s: (C x H x W) x 1 x 1
                out = self.b.add("flatten", self.hint(node), [x.t], TShape(new[0], (1,) * len(x.t.shape.size)),
                                 nodes=(self.hint(node),))
                self.set(node, View(out, new, 0))
            return
        old_core = [d for d in x.dims if d != 1]
        new_core = [d for d in new if d != 1]
        if old_core == new_core and c != 1:
            # only 1s added or dropped: find the channel dim among the non-1 dims
            rank_of_c = sum(1 for d in x.dims[:x.caxis] if d != 1)
            k = -1
            for pos, d in enumerate(new):
                if d != 1:
                    k += 1
                    if k == rank_of_c:
                        self.set(node, View(x.t, new, pos))
                        return
        raise ValueError(f"reshapes {_show_dims(x.dims)} to {_show_dims(new)} (after the batch): liteconv reads "
                         "reshapes that flatten, add or drop 1s, or shuffle channels")

    def shuffle(self, node: Any, i: int, x: View, new: tuple[int, ...]) -> bool:
        """Reshape (C -> g, C/g) + Transpose(swap them) + Reshape back: ShuffleNet's channel shuffle."""
        if x.caxis != 0 or len(new) != len(x.dims) + 1 or new[2:] != x.dims[1:] or new[0] * new[1] != x.dims[0]:
            return False
        g = self.graph
        r1 = self.readers.get(node.output[0], [])
        if len(r1) != 1 or r1[0] < 0 or g.node[r1[0]].op_type != "Transpose":
            return False
        t = g.node[r1[0]]
        perm = _attrs(t).get("perm")
        rank = len(new) + 1
        if perm != [0, 2, 1, *range(3, rank)]:
            return False
        r2 = self.readers.get(t.output[0], [])
        if len(r2) != 1 or r2[0] < 0 or g.node[r2[0]].op_type != "Reshape":
            return False
        back = g.node[r2[0]]
        grouped = [1, new[1], new[0], *new[2:]]  # the back Reshape's input: (g, C/g) transposed
        if len(back.input) < 2:
            return False
        known = isinstance(self.env.get(back.input[1]), Const)
        if known:
            try:
                if self.reshape_target(back, _attrs(back), grouped) != [1, *x.dims]:
                    return False
            except (ValueError, SpecError):
                return False
        out = self.b.add("shuffle", self.hint(node), [x.t], x.t.shape, nodes=(self.hint(node), self.hint(t),
                                                                              self.hint(back)), groups=new[0])
        view = View(out, x.dims, 0)
        self.skip.add(r1[0])
        if known:
            self.env[back.output[0]] = view
            self.skip.add(r2[0])
        else:  # its target is computed by nodes after this one (an export without constant folding)
            self.shuffle_ends[r2[0]] = (view, grouped)
        return True

    def op_Transpose(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        rank = len(x.dims) + 1
        perm = list(a.get("perm", list(range(rank - 1, -1, -1))))
        if sorted(perm) != list(range(rank)) or perm[0] != 0:
            raise ValueError(f"perm={perm} moves the batch axis")
        full = [1, *x.dims]
        dims = tuple(full[p] for p in perm[1:])
        self.set(node, View(x.t, dims, perm.index(x.caxis + 1) - 1))

    # --------------------------------------------------------------- resizing and padding

    def op_Resize(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.resize(node, a)

    def op_Upsample(self, node: Any, a: dict[str, Any], i: int) -> None:
        self.resize(node, a)

    def resize(self, node: Any, a: dict[str, Any]) -> None:
        x = self.data(node, 0)
        self.spatial_input(x, node.op_type)
        n = len(x.dims) - 1
        if node.op_type == "Upsample" and self.opset < 9:
            scales, sizes = a.get("scales"), None
        elif node.op_type == "Upsample" or self.opset < 11:
            scales, sizes = self.values(node, 1, "scales"), None
        else:
            scales, sizes = self.values(node, 2, "scales"), self.values(node, 3, "sizes")
        if a.get("axes") is not None:
            raise ValueError("axes= (resizing some axes only) is not read")
        mode = a.get("mode", "nearest")
        spec_mode = {"nearest": "nearest", "cubic": "bicubic"}.get(mode)
        if mode in ("linear", "bilinear"):
            spec_mode = {1: "linear", 2: "bilinear", 3: "trilinear"}[n]
        if spec_mode is None:
            raise ValueError(f"mode={mode!r} is not nearest, linear or cubic")
        keys: dict[str, Any] = {"mode": spec_mode}
        if sizes:
            if len(sizes) != n + 2 or list(sizes[:2]) != [1, x.dims[0]]:
                raise ValueError(f"sizes={sizes} resizes the batch or channel axis")
            out_sp = [int(s) for s in sizes[2:]]
            keys["size"] = compact(out_sp)
        elif scales:
            if len(scales) != n + 2 or list(scales[:2]) != [1, 1]:
                raise ValueError(f"scales={scales} resizes the batch or channel axis")
            sp = [float(s) for s in scales[2:]]
            out_sp = [int(math.floor(d * s)) for d, s in zip(x.dims[1:], sp, strict=True)]
            vals = [int(s) if s == int(s) else s for s in sp]
            keys["scale"] = vals[0] if all(v == vals[0] for v in vals) else vals
        else:
            raise ValueError("has neither scales nor sizes")
        if a.get("coordinate_transformation_mode") == "align_corners":
            keys["align_corners"] = True
        self.add(node, "upsample", [x], (x.dims[0], *out_sp), 0, **keys)

    def op_Pad(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        rank = len(x.dims) + 1
        if self.opset < 11:
            pads = a.get("pads") or a.get("paddings")
        else:
            pads = self.values(node, 1, "pads")
            axes = self.values(node, 3, "axes")
            if axes is not None:
                full = [0] * (2 * rank)
                norm = [ax + rank if ax < 0 else ax for ax in axes]
                for k, ax in enumerate(norm):
                    full[ax], full[rank + ax] = pads[k], pads[len(norm) + k]  # type: ignore[index]
                pads = full
        if pads is None or len(pads) != 2 * rank:
            raise ValueError(f"pads={pads} is not {2 * rank} integers")
        pads = [int(p) for p in pads]
        before, after = pads[:rank], pads[rank:]
        if any(p < 0 for p in pads):
            raise ValueError(f"pads={pads} crops (negative pads)")
        if before[0] or after[0] or before[x.caxis + 1] or after[x.caxis + 1]:
            raise ValueError(f"pads={pads} pads the batch or channel axis")
        mode = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}.get(
            a.get("mode", "constant"))
        if mode is None:
            raise ValueError(f"mode={a.get('mode')!r} is not constant, reflect, edge or wrap")
        if x.caxis != 0:
            raise ValueError("pads a tensor whose channels are not first")
        per_side: list[int] = []  # torch.nn.functional.pad's order: last axis first
        for k in range(rank - 1, 1, -1):
            per_side += [before[k], after[k]]
        dims = tuple(d + before[k + 1] + after[k + 1] for k, d in enumerate(x.dims))
        keys: dict[str, Any] = {"padding": per_side}
        if mode != "constant":
            keys["mode"] = mode
        if dims == x.dims:
            self.set(node, x)
            return
        self.add(node, "pad", [x], dims, 0, **keys)

    # --------------------------------------------------------------- shapes of activations, slices, splits

    def op_Shape(self, node: Any, a: dict[str, Any], i: int) -> None:
        """The dims of an activation as a constant, the batch as 1 (counts are per sample): an
        exporter's shape arithmetic (ShuffleNet's chunk, a flatten by x.size(0)) is then evaluated."""
        x = self.data(node, 0)
        full = [1, *x.dims]
        vals = full[a.get("start", 0):a.get("end", len(full))]  # ONNX clamps start and end as Python slices do
        self.set(node, Const((len(vals),), vals, node.output[0], False, False))

    def op_Size(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        self.set(node, Const((), [math.prod(x.dims)], node.output[0], False, False))

    def channel_slices(self, node: Any, x: View, axis: int, parts: Sequence[tuple[int, int]], what: str) -> None:
        """``slice`` rows for the (start, stop) ``parts`` of axis ``axis`` (batch = 0) written to the
        node's outputs in order: a range of the channels is a ``slice`` (a view, no row when it is
        every channel); a range of any other axis is an unknown op."""
        full = [1, *x.dims]
        outs = [tuple(stop - start if ax == axis else d for ax, d in enumerate(full))[1:] for start, stop in parts]
        if axis != x.caxis + 1:
            self.unknown_op(node, f"{what} (of an axis other than the channels)", outs)
            return
        names = [n for n in node.output[:len(parts)]]
        for k, ((start, stop), dims) in enumerate(zip(parts, outs, strict=True)):
            name = names[k] if k < len(names) else ""
            if not name or (name not in self.readers and len(parts) > 1):
                continue
            if stop - start == full[axis]:
                self.env[name] = x
                continue
            if stop <= start:
                raise ValueError(f"output {k} ({name!r}) is empty (channels {start}:{stop})")
            hint = self.hint(node) if len(parts) == 1 else f"{self.hint(node)}/{k}"
            keys = {"start": start} if start else {}
            out = self.b.add("slice", hint, [x.t], shape_of(dims, x.caxis), nodes=(self.hint(node),), **keys,
                             stop=stop)
            self.env[name] = View(out, dims, x.caxis)

    def op_Split(self, node: Any, a: dict[str, Any], i: int) -> None:
        if isinstance(self.env.get(node.input[0]), Const):
            self.unknown_op(node, "Split (of a constant)")
            return
        x = self.data(node, 0)
        rank = len(x.dims) + 1
        axis = int(a.get("axis", 0))
        axis = axis + rank if axis < 0 else axis
        if not 0 < axis < rank:
            raise ValueError(f"axis={a.get('axis', 0)} is the batch axis or outside the {rank} axes")
        d, n = ([1, *x.dims])[axis], len(node.output)
        split = a.get("split") if self.opset < 13 else self.values(node, 1, "split")
        if split:
            sizes = [int(v) for v in split]
            if len(sizes) != n or sum(sizes) != d or any(v < 0 for v in sizes):
                raise ValueError(f"split={sizes} does not divide the {d} of axis {axis} into {n} outputs")
        elif self.opset >= 18 and "num_outputs" in a:  # chunks of ceil(d / n), the last one smaller
            if int(a["num_outputs"]) != n:
                raise ValueError(f"num_outputs={a['num_outputs']} but the node has {n} outputs")
            chunk = -(-d // n)
            sizes = [min(chunk, max(d - k * chunk, 0)) for k in range(n)]
        else:
            if d % n:
                raise ValueError(f"splits the {d} of axis {axis} into {n} equal parts")
            sizes = [d // n] * n
        starts = [sum(sizes[:k]) for k in range(n)]
        self.channel_slices(node, x, axis, [(s0, s0 + size) for s0, size in zip(starts, sizes, strict=True)], "Split")

    def op_Slice(self, node: Any, a: dict[str, Any], i: int) -> None:
        x = self.data(node, 0)
        full = [1, *x.dims]
        rank = len(full)
        if self.opset < 10:
            starts, ends, axes, steps = a.get("starts"), a.get("ends"), a.get("axes"), None
        else:
            starts, ends = self.values(node, 1, "starts"), self.values(node, 2, "ends")
            axes, steps = self.values(node, 3, "axes"), self.values(node, 4, "steps")
        if starts is None or ends is None or len(starts) != len(ends):
            raise ValueError(f"starts={starts} and ends={ends} are not two lists of one length")
        axes_n = [int(ax) + rank if int(ax) < 0 else int(ax) for ax in (axes if axes is not None else
                                                                          range(len(starts)))]
        steps_n = [int(st) for st in steps] if steps is not None else [1] * len(starts)
        if len(axes_n) != len(starts) or len(steps_n) != len(starts) or len(set(axes_n)) != len(axes_n) or \
                not all(0 <= ax < rank for ax in axes_n) or 0 in steps_n:
            raise ValueError(f"axes={axes} and steps={steps} do not fit starts={starts} on {rank} axes")
        sliced: list[tuple[int, int, int, int]] = []  # axis, start, stop, step of every axis not kept whole
        out = list(full)
        for ax, s0, e0, st in zip(axes_n, starts, ends, steps_n, strict=True):
            d, s0, e0 = full[ax], int(s0), int(e0)
            s0, e0 = s0 + d if s0 < 0 else s0, e0 + d if e0 < 0 else e0
            if st > 0:  # ONNX clamps start to [0, d] and end to [0, d] (steps < 0: [0, d-1] and [-1, d-1])
                s0, e0 = min(max(s0, 0), d), min(max(e0, 0), d)
                length = max(0, -(-(e0 - s0) // st))
            else:
                s0, e0 = min(max(s0, 0), d - 1), min(max(e0, -1), d - 1)
                length = max(0, -(-(s0 - e0) // -st))
            if length == 0:
                raise ValueError(f"the slice of axis {ax} is empty (starts={starts}, ends={ends})")
            out[ax] = length
            if length != d or st != 1:
                sliced.append((ax, s0, s0 + length, st))
        if not sliced:  # every axis kept whole: a view
            self.set(node, x)
            return
        if len(sliced) == 1 and sliced[0][0] == x.caxis + 1 and sliced[0][3] == 1:
            _, s0, e0, _ = sliced[0]
            self.channel_slices(node, x, x.caxis + 1, [(s0, e0)], "Slice")
        elif any(ax != x.caxis + 1 for ax, *_ in sliced):
            self.unknown_op(node, "Slice (of an axis other than the channels)", [tuple(out[1:])])
        else:
            self.unknown_op(node, "Slice (of the channels with a step other than 1)", [tuple(out[1:])])

    # --------------------------------------------------------------- notes

    def folded_bn_note(self) -> None:
        """PyTorch's exporter folds BatchNorm into the conv before it and names the new tensors onnx::Conv_*."""
        g = self.graph
        if any(n.op_type == "BatchNormalization" for n in g.node):
            return
        folded = [n for n in g.node if n.op_type == "Conv" and len(n.input) > 2 and n.input[2]
                  and n.input[1].startswith("onnx::") and n.input[2].startswith("onnx::")]
        if folded:
            self.notes.append(
                f"BatchNorm folded by the exporter: {len(folded)} of the {sum(n.op_type == 'Conv' for n in g.node)} "
                "convolutions have a weight and bias the exporter made (onnx::Conv_*): PyTorch's exporter folded the "
                "BatchNorm after them into them (do_constant_folding=True). Each counts a bias (C_out params) where "
                "the trained model had BatchNorm's scale and shift (2 x C_out); the MACs are the same. Export with "
                "do_constant_folding=False to count the BatchNorm layers.")


def read_onnx(path: str, input_dims: dict[str | None, list[int]] | None = None,
              allow_unknown: bool = False) -> Imported:
    """Read the ONNX model at ``path`` as spec data (:class:`~liteconv_cli.importers._graph.Imported`).

    ``input_dims`` gives the dims after the batch ([C, H, W]) of inputs whose dims the file
    leaves symbolic, keyed by input name (None: the model's only input). With
    ``allow_unknown`` an op liteconv does not count becomes an ``unknown`` row instead of an error.

    Raises:
        SpecError: onnx not installed; not an ONNX file (truncated, corrupt, another format);
            an opset outside MIN_OPSET..MAX_OPSET; symbolic input dims without ``input_dims``;
            ops liteconv does not count (listed with their counts) unless ``allow_unknown``;
            a node whose shapes do not fit (named in the message).
    """
    model = load_model(path)
    return _Reader(model, path, input_dims, allow_unknown).read()
