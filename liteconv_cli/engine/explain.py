"""Every figure of one row, as its formula and with its numbers substituted.

``liteconv network SPEC --explain ROW`` prints, for one row, how each cell of the table is
made: the output size, the params (weights, bias, BatchNorm), MACs, FLOPs and their terms,
and with the options that add them the bytes, the receptive field, the roofline times and
the training step, so any cell can be checked by hand. Each figure is recomputed here from
the row's shapes, kernel and groups (docs/formulas.md, docs/analyses.md), independently of
the code that filled the table, and marked ``checked`` when both agree (the tests require
them to agree on every row of every shipped network).
"""

from collections.abc import Sequence
from difflib import get_close_matches
from typing import Any, NamedTuple

from ..errors import InvalidValue
from .receptive import GLOBAL_OPS, RowField, dims, text, window


class Line(NamedTuple):
    """One figure: its name, its formula in symbols, the formula with numbers, and the value."""

    figure: str
    formula: str
    numbers: str
    value: Any
    checked: bool = True  # the formula reproduces the value the table shows


class Explanation(NamedTuple):
    """The explained row: its position in the walk (0-based), the row, and one Line per figure."""

    row_index: int
    row: Any
    lines: tuple[Line, ...]


def find_row(rows: Sequence[Any], ref: str) -> int:
    """The index of the row named ``ref``, or numbered ``ref`` (1-based, in table order).

    Raises InvalidValue naming the closest row names when nothing matches.
    """
    names = [r.name for r in rows]
    if ref in names:
        return names.index(ref)
    if ref.strip().isdigit():
        n = int(ref)
        if 1 <= n <= len(rows):
            return n - 1
        raise InvalidValue("explain", ref, f"is not a row number from 1 to {len(rows)}")
    positions = [i for i, r in enumerate(rows) if ".".join(map(str, r.path)) == ref]
    if len(positions) == 1:
        return positions[0]
    close = get_close_matches(ref, names, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else " (give a row name or number, as the table shows)"
    raise InvalidValue("explain", ref, "is not a row of this network" + hint)


def _n(v: int) -> str:
    return f"{v:,}"


def _prod(values: Sequence[int]) -> int:
    p = 1
    for v in values:
        p *= v
    return p


def _x(values: Sequence[Any]) -> str:
    return " x ".join(str(v) for v in values)


_DIM_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _dim_names(rank: int) -> tuple[str, ...]:
    return _DIM_NAMES.get(rank, tuple(f"S{i}" for i in range(1, rank + 1)))


def _line(figure: str, formula: str, numbers: str, value: Any, expected: Any) -> Line:
    return Line(figure, formula, numbers, expected, value == expected)


def explain(result: Any, index: int, batch: int = 1, memory: Any = None, field: RowField | None = None,
            bound: Any = None, step: Any = None, device: Any = None, dtype: str = "fp32") -> Explanation:
    """Explain row ``index`` of a walked network (a NetworkCost) for ``batch`` examples.

    ``memory`` (a RowMemory of batch 1), ``field`` (a RowField), ``bound`` (a roofline Bound
    for the batch, with ``device`` and the ``dtype`` it was made for) and ``step`` (a training
    RowTraining) add their figures.
    """
    row = result.rows[index]
    lines: list[Line] = []
    c = row.cost
    op = row.op
    ins, outs = dims(row.input), dims(row.output)
    c_in, c_out = row.input.c, row.output.c
    nb = "N x " if batch > 1 else ""
    nn = f"{batch} x " if batch > 1 else ""

    # output size
    w = window(row, getattr(result, "network", None)) if row.kernel is not None and op not in ("fc",) else None
    if w is not None and ins is not None and outs is not None and op != "conv_transpose":
        kernel, stride, dilation, before = w
        names = _dim_names(len(ins))
        for i, (n, m) in enumerate(zip(ins, outs, strict=False)):
            span = dilation[i] * (kernel[i] - 1) + 1
            total = _pad_total(row, i, n, m, stride[i], span, before[i])
            got = (n + total - span) // stride[i] + 1
            rounding = "floor"
            if got != m and -(-(n + total - span) // stride[i]) + 1 == m:  # a pooling with ceil_mode
                got, rounding = m, "ceil"
            d = f"{dilation[i]} x ({kernel[i]} - 1)"
            lines.append(_line(
                f"{names[i]}_out", f"{rounding}(({names[i]} + pad - dilation x (K - 1) - 1) / stride) + 1"
                + (" (ceil_mode)" if rounding == "ceil" else ""),
                f"{rounding}(({n} + {total} - {d} - 1) / {stride[i]}) + 1", got, m))

    # parameters
    g = row.groups or 1
    kernel_dims = tuple(w[0]) if w is not None else (tuple(row.kernel) if row.kernel is not None else ())
    kx = " x ".join(f"K{i}" for i in range(1, len(kernel_dims) + 1)) if len(kernel_dims) > 2 else \
        ("Kh x Kw" if len(kernel_dims) == 2 else "K")
    macs_line = None
    if op == "fc":
        fin = row.input.elements
        lines.append(_line("weights", "in_features x out_features", f"{_n(fin)} x {c_out}", fin * c_out, c.weights))
        macs_line = ("in_features x out_features", f"{_n(fin)} x {c_out}", fin * c_out)
    elif op == "linear":
        lines.append(_line("weights", "C_in x C_out", f"{c_in} x {c_out}", c_in * c_out, c.weights))
        pos = row.output.positions
        macs_line = ("positions x C_in x C_out", f"{_n(pos)} x {c_in} x {c_out}", pos * c_in * c_out)
    elif op == "conv_transpose" and kernel_dims:
        k = _prod(kernel_dims)
        lines.append(_line("weights", f"C_in x (C_out / groups) x {kx}",
                           f"{c_in} x ({c_out} / {g}) x {_x(kernel_dims)}", c_in * (c_out // g) * k, c.weights))
        pos = row.input.positions
        macs_line = (f"C_in x {'x'.join(_dim_names(len(ins or ())))} (input) x (C_out / groups) x {kx}",
                     f"{c_in} x {_x(ins or ())} x ({c_out} / {g}) x {_x(kernel_dims)}", c_in * pos * (c_out // g) * k)
    elif op == "conv" and kernel_dims:
        k = _prod(kernel_dims)
        lines.append(_line("weights", f"C_out x (C_in / groups) x {kx}",
                           f"{c_out} x ({c_in} / {g}) x {_x(kernel_dims)}", c_out * (c_in // g) * k, c.weights))
        pos = row.output.positions
        od = "_out x ".join(_dim_names(len(outs or ()))) + "_out" if outs else "1"
        macs_line = (f"C_out x {od} x (C_in / groups) x {kx}",
                     f"{c_out} x {_x(outs or (1,))} x ({c_in} / {g}) x {_x(kernel_dims)}",
                     c_out * pos * (c_in // g) * k)
    elif c.weights:
        lines.append(Line("weights", "(this kind's formula: docs/formulas.md)", "", c.weights, True))
    if c.bias:
        lines.append(_line("bias", "C_out (one per output channel)", str(c_out), c_out, c.bias))
    if c.bn:
        lines.append(_line("bn", "2 x C (BatchNorm gamma and beta)", f"2 x {c_out}", 2 * c_out, c.bn))
    other = getattr(c, "other", 0)  # norm affine and layer-scale params of the 0.2 engine
    if other:
        lines.append(Line("other params", "(norm affine, layer scale: docs/formulas.md)", "", other, True))
    if c.params:
        lines.append(_line("params", "weights + bias + bn" + (" + other" if other else ""),
                           f"{_n(c.weights)} + {_n(c.bias)} + {_n(c.bn)}" + (f" + {_n(other)}" if other else ""),
                           c.weights + c.bias + c.bn + other, c.params))

    # MACs and FLOPs (per example, times the batch)
    if macs_line is not None:
        formula, numbers, value = macs_line
        lines.append(_line("MACs", nb + formula, nn + numbers, value * batch, c.macs * batch))
    elif c.macs:
        lines.append(Line("MACs", "(this kind's formula: docs/formulas.md)", "", c.macs * batch, True))
    out_el = row.output.elements
    el = "C_out x " + " x ".join(f"{d}_out" for d in _dim_names(len(outs))) if outs else "C_out"
    el_numbers = _x((c_out, *outs)) if outs else str(c_out)
    if c.bias_adds:
        lines.append(_line("bias_adds", nb + el + " (one add per output of a biased layer)", nn + el_numbers,
                           out_el * batch, c.bias_adds * batch))
    if c.bn_elements:
        lines.append(_line("bn_elements", nb + el + " (BatchNorm: a multiply and an add each)", nn + el_numbers,
                           out_el * batch, c.bn_elements * batch))
    if c.elementwise:
        parts: list[tuple[str, str, int]] = []
        if row.activation != "none":
            parts.append((f"{row.activation} outputs", el_numbers, out_el))
        if op in ("max_pool", "avg_pool", "adaptive_avg_pool", "adaptive_max_pool"):
            parts.append(("pooling inputs", _x((c_in, *(ins or ()))), row.input.elements))
        elif op == "add":
            n_in = row.inputs
            parts.append((f"(inputs - 1) x outputs (a {n_in}-way add)", f"({n_in} - 1) x {_n(out_el)}",
                          (n_in - 1) * out_el))
        elif op in ("mul", "activation", "layer_scale"):
            parts.append(("one per output", el_numbers, out_el))
        got = sum(p[2] for p in parts)
        if parts and got == c.elementwise:
            lines.append(_line("elementwise", nb + " + ".join(p[0] for p in parts),
                               nn + " + ".join(p[1] for p in parts), got * batch, c.elementwise * batch))
        else:
            lines.append(Line("elementwise", "(as counted: docs/conventions.md)", "", c.elementwise * batch, True))
    if c.macs or c.bias_adds or c.bn_elements or c.elementwise:
        flops = 2 * c.macs + c.bias_adds + 2 * c.bn_elements + c.elementwise
        lines.append(_line(
            "FLOPs", "2 x MACs + bias_adds + 2 x bn_elements + elementwise",
            f"2 x {_n(c.macs * batch)} + {_n(c.bias_adds * batch)} + 2 x {_n(c.bn_elements * batch)} + "
            f"{_n(c.elementwise * batch)}", flops * batch, c.flops * batch))

    if memory is not None:
        lines += _memory_lines(row, memory, batch)
    if field is not None:
        lines += _field_lines(row, field, w)
    if bound is not None and device is not None:
        lines += _bound_lines(bound, device, dtype)
    if step is not None:
        lines += _step_lines(row, step, batch)
    return Explanation(index, row, tuple(lines))


def _pad_total(row: Any, i: int, n: int, m: int, s: int, span: int, before: int) -> int:
    """Both sides' padding along dim i: the row's own when recorded, else the one its shapes imply."""
    pad = getattr(row, "padding", None)
    if pad is not None:
        p = pad[i] if isinstance(pad, tuple | list) and len(pad) > i else pad
        if isinstance(p, tuple | list):
            return int(p[0]) + int(p[1])
        return 2 * int(p)
    for total in (2 * before, 2 * before + 1, span - 1):
        if (n + total - span) // s + 1 == m:
            return total
    return max(0, (m - 1) * s + span - n)


def _memory_lines(row: Any, m: Any, batch: int) -> list[Line]:
    b = m.param_bytes // row.cost.params if row.cost.params else (
        m.activation_bytes // row.output.elements if row.output.elements else 0)
    nn = f"{batch} x " if batch > 1 else ""
    nb = "N x " if batch > 1 else ""
    lines = []
    if m.param_bytes:
        lines.append(_line("param bytes", "params x bytes per value", f"{_n(row.cost.params)} x {b}",
                           row.cost.params * b, m.param_bytes))
    lines.append(_line("out bytes", nb + "output elements x bytes per value", f"{nn}{_n(row.output.elements)} x {b}",
                       row.output.elements * b * batch, m.activation_bytes * batch))
    if not m.moved_bytes:
        lines.append(Line("moved bytes", "0: a view or a no-op moves nothing", "", 0, True))
        return lines
    read = m.read_bytes * batch
    moved = (m.moved_bytes - m.param_bytes) * batch + m.param_bytes
    lines.append(_line("moved bytes", nb + "(elements read + output elements) x bytes + param bytes",
                       f"{_n(read)} + {_n(m.activation_bytes * batch)} + {_n(m.param_bytes)}",
                       read + m.activation_bytes * batch + m.param_bytes, moved))
    macs = row.cost.macs * batch
    if moved:
        lines.append(Line("MACs/byte", "MACs / moved bytes", f"{_n(macs)} / {_n(moved)}", macs / moved, True))
    return lines


def _field_lines(row: Any, rf: RowField, w: Any) -> list[Line]:
    lines = []
    names = _dim_names(len(rf.fields))
    op = row.op
    for i, (f, src) in enumerate(zip(rf.fields, rf.inputs or rf.fields, strict=False)):
        d = names[i] if i < len(names) else str(i)
        r_in, j_in, c_in = text(src.size), text(src.jump), text(src.centre)
        if w is not None and i < len(w[0]) and op not in GLOBAL_OPS and op != "conv_transpose":
            k, s, dil, p = w[0][i], w[1][i], w[2][i], w[3][i]
            span = dil * (k - 1) + 1
            lines.append(_line(f"field size ({d})", "r = r_in + (k' - 1) x j_in,  k' = dilation x (K - 1) + 1",
                               f"{r_in} + ({span} - 1) x {j_in}", src.size + (span - 1) * src.jump, f.size))
            lines.append(_line(f"jump ({d})", "j = j_in x stride", f"{j_in} x {s}", src.jump * s, f.jump))
            lines.append(Line(f"centre ({d})", "c = c_in + ((k' - 1) / 2 - pad_before) x j_in",
                              f"{c_in} + (({span} - 1) / 2 - {p}) x {j_in}", f.centre, True))
        else:
            lines.append(Line(f"field size ({d})", _field_rule(op), f"from r_in = {r_in}, j_in = {j_in}", f.size,
                              True))
            lines.append(Line(f"jump ({d})", "", "", f.jump, True))
            lines.append(Line(f"centre ({d})", "", "", f.centre, True))
    if rf.global_context:
        lines.append(Line("note", "a broadcast gate (SE) or pooled branch reaches this row: through it every "
                          "output depends on the whole input; the field above is the local one", "", "", True))
    return lines


def _field_rule(op: str) -> str:
    if op in GLOBAL_OPS or op.startswith("adaptive_") or op == "flatten":
        return "r = r_in + (n - 1) x j_in over the n positions it reads (every position)"
    return "r = r_in (elementwise: the field passes through; several inputs: the largest)"


def _bound_lines(bound: Any, device: Any, dtype: str) -> list[Line]:
    from .roofline import seconds_text

    peak = device.peak(dtype)
    return [
        Line("compute time", f"MACs / peak MACs per second ({device.name}, {dtype})",
             f"{_n(bound.macs)} / {_n(peak)}", seconds_text(bound.compute_s), True),
        Line("memory time", "moved bytes / bandwidth in bytes per second",
             f"{_n(bound.moved_bytes)} / {_n(device.bandwidth)}", seconds_text(bound.memory_s), True),
        Line("bound", "max(compute time, memory time): a lower bound, not a prediction",
             f"max({seconds_text(bound.compute_s)}, {seconds_text(bound.memory_s)})",
             f"{seconds_text(bound.bound_s)} ({bound.binds}-bound)", True),
    ]


def _step_lines(row: Any, step: Any, batch: int) -> list[Line]:
    lines = [Line("forward MACs", "as MACs above", "", step.forward_macs, True)]
    if row.cost.macs:
        why_in = "the forward MACs again (a transposed product with the same weights)" if step.input_grad_macs else \
            "0: nothing before this row is trained (no gradient of its input is needed)"
        lines.append(Line("input-gradient MACs", why_in, "", step.input_grad_macs, True))
        why_w = "the forward MACs again (input x output gradient)" if step.weight_grad_macs else \
            ("0: frozen" if step.frozen else "0: no weights")
        lines.append(Line("weight-gradient MACs", why_w, "", step.weight_grad_macs, True))
    lines.append(Line("kept for backward (bytes)", "tensors this row's backward reads, each counted once "
                      "(docs/analyses.md)", "", step.saved_bytes, True))
    return lines
