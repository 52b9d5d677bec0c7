"""``liteconv compare``: every convolution variant's cost for one layer, side by side.

Given lists or ranges (``--cout 32:512:32 -k 1,3,5``) it sweeps every combination, one row
per configuration and variant, streamed: rows are written as they are computed, so a
million rows need no more memory than one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import click

from ..engine import VARIANTS, Conv, Estimate, evaluate
from ..engine.memory import dtype_bytes, intensity, traffic
from ..engine.shapes import conv_output_hw
from ..errors import InvalidValue
from ..formats import Column, Report, Table, cost_columns
from . import analyses, emit, output_options
from .analyses import compare_options
from .params import DIMS, INTS, PADDING, POSITIVE, values_json

#: engine field -> the option a user typed, so an engine error names the option
OPTION_OF = {
    "in_channels": "--cin",
    "out_channels": "--cout",
    "kernel_size": "--kernel",
    "size": "--size/-L/-D/-H/-W",
    "stride": "--stride",
    "padding": "--padding",
    "dilation": "--dilation",
    "groups": "--groups",
    "expansion": "--expansion",
    "depth_multiplier": "--depth-multiplier",
}

#: a sweep's configuration columns (shown only when sweeping)
SWEEP_COLUMNS = [
    Column("cin", "C_in"),
    Column("cout", "C_out"),
    Column("kernel", "kernel", "text"),
    Column("size", "input", "text"),
    Column("stride", "stride", "text"),
    Column("groups", "G"),
    Column("expansion", "t"),
    Column("dilation", "dilation", "text"),
]

COLUMNS = [
    Column("variant", "variant", "text"),
    Column("stage", "stage", "text"),
    Column("stages", "stages", "text", show="human"),
    Column("output", "output", "text", show="human"),
    Column("out_c", "out_c", show="machine"),
    Column("out_d", "out_d", show="machine"),
    Column("out_h", "out_h", show="machine"),
    Column("out_w", "out_w", show="machine"),
    *cost_columns(),
    Column("params_ratio", "params / std", "ratio"),
    Column("macs_ratio", "MACs / std", "ratio"),
    Column("closed_form", "closed_form", "ratio", show="machine"),
    Column("closed_form_formula", "closed_form_formula", "text", show="machine"),
    Column("closed_form_text", "closed form", "text", show="human"),
]

MEMORY_COLUMNS = [
    Column("dtype", "dtype", "text", show="machine"),
    Column("param_bytes", "param bytes"),
    Column("activation_bytes", "activation bytes", show="machine"),
    Column("traffic_bytes", "bytes moved"),
    Column("intensity", "MACs/byte", "ratio"),
]

#: most rows a table for people may have; a sweep beyond it wants csv or json
MAX_TABLE_ROWS = 10_000
#: most combinations of kernel, size, stride and dilation a sweep may have: each is checked
#: before the first row is written
MAX_SPATIAL = 1_000_000


def _hw(p: tuple[int, ...]) -> str:
    """A stride, dilation or padding: one number when every dim has it, else AxB[xC]."""
    return f"{p[0]}" if len(set(p)) == 1 else "x".join(map(str, p))


def _dims(p: tuple[int, ...]) -> str:
    """A kernel or size, every dim written: 3x3, 16x112x112."""
    return "x".join(map(str, p))


def _variants_help() -> str:
    return "\n".join(f"  {name:<18} {v.help}" for name, v in VARIANTS.items())


def _cells(variant: str, stage: str, out: Any, cost: Any, human: bool = True) -> dict[str, object]:
    """A row's output shape and cost terms (the ``output`` text only when people will read it)."""
    # one dict display (no merge, no resize): this runs for every row of a sweep
    out_c = out[0]
    # a 3-D map's D, H, W; a 2-D map's H, W; a 1-D signal's length as its width
    out_d = out[1] if len(out) == 4 else None
    out_h = out[-2] if len(out) >= 3 else None
    out_w = out[-1] if len(out) >= 2 else None
    weights, bias, bn, macs, bias_adds, bn_elements, elementwise, other = cost
    return {"variant": variant, "stage": stage, "output": str(out) if human else None, "out_c": out_c,
            "out_d": out_d, "out_h": out_h, "out_w": out_w, "weights": weights, "bias": bias, "bn": bn, "other": other,
            "macs": macs,
            "bias_adds": bias_adds, "bn_elements": bn_elements, "elementwise": elementwise, "params": cost.params,
            "flops": cost.flops}


def _memory(stages: Sequence[Any], macs: int, bytes_per_value: int, row: dict[str, object], dtype: str = ""
            ) -> dict[str, object]:
    """Add the memory columns of ``stages`` to ``row``."""
    moved = traffic(stages, bytes_per_value)
    row["dtype"] = dtype
    row["param_bytes"] = moved.param_bytes
    # what the last stage writes (with one stage, what the traffic counted as its output)
    row["activation_bytes"] = moved.output_bytes if len(stages) == 1 else stages[-1].output.elements * bytes_per_value
    row["traffic_bytes"] = moved.total
    row["intensity"] = intensity(macs, moved)
    return row


def _row(e: Estimate, std: Estimate, detail: bool, bytes_per_value: int | None, human: bool = True,
         dtype: str = "") -> dict[str, object]:
    stages = e.stages
    cost = stages[0].cost if len(stages) == 1 else e.cost
    row = _cells(e.variant, "", stages[-1].output, cost, human)
    if e is std:  # the standard convolution against itself (params and MACs are never 0)
        row["params_ratio"] = row["macs_ratio"] = 1.0
    else:
        std_cost = std.cost
        row["params_ratio"] = cost.params / std_cost.params
        row["macs_ratio"] = cost.macs / std_cost.macs
    if bytes_per_value:
        _memory(stages, cost.macs, bytes_per_value, row, dtype)
    if detail:
        v = VARIANTS[e.variant]
        closed = v.closed_form_value(e.layer)
        formula = _ratio_text(v.ratio_text, e.layer) if closed is not None else ""
        row.update(
            stages=" + ".join(s.name if s.kind == "add" else f"{s.name} {_dims(s.kernel)}" for s in e.stages),
            closed_form=closed,
            closed_form_formula=formula,
            closed_form_text=f"{formula} = {float(closed):.4f}" if closed is not None else "",
            stage_list=[
                {"name": s.name, "kind": s.kind, "input": str(s.input), **_cells(e.variant, s.name, s.output, s.cost),
                 **(_memory([s], s.cost.macs, bytes_per_value, {}, dtype) if bytes_per_value else {})}
                for s in e.stages
            ],
        )
    return row


def _rank(*values: Any) -> int:
    """Spatial dims of the layer: 1 with -L, 3 with -D, else the longest AxB[xC] written, else 2."""
    *lists, padding, length, depth = values
    if length:
        return 1
    if depth:
        return 3
    written = [len(v) for vals in lists for v in vals if isinstance(v, tuple)]
    if isinstance(padding, tuple):
        written.append(len(padding))
    return max(written, default=2)


def _per_dim(values: Sequence[Any], rank: int, option: str) -> Sequence[Any]:
    """Every value as one per spatial dim (a bare N stands for all); ValueError for a wrong length."""
    if isinstance(values, range | list) or type(values).__name__ == "Chain":
        return tuple((v,) * rank for v in values)
    out = []
    for v in values:
        if isinstance(v, int):
            out.append((v,) * rank)
        elif len(v) != rank:
            raise ValueError(f"{option} {_dims(v)} has {len(v)} values, the layer {rank} spatial dims "
                             f"(from the longest AxB[xC] given, -L or -D)")
        else:
            out.append(v)
    return tuple(out)


def _ratio_text(text: str, layer: Conv) -> str:
    """The papers' closed form as written for images (K^2), or with prod(K) for another rank."""
    return text if len(layer.kernel_size) == 2 else text.replace("K^2", "prod(K)")


def _usage(e: InvalidValue) -> click.BadParameter:
    return click.BadParameter(f"{e.value} {e.reason}", param_hint=f"'{OPTION_OF.get(e.field, e.field)}'")


def _check_grid(cins: Sequence[int], couts: Sequence[int], kernels: Sequence[tuple[int, int]],
                sizes: Sequence[Any], strides: Sequence[tuple[int, int]], padding: Any,
                dilations: Sequence[tuple[int, int]], groups: Sequence[int]) -> None:
    """Every cross-field rule of a sweep, checked before the first row is written."""
    for g in groups:
        for name, values in (("in_channels", cins), ("out_channels", couts)):
            bad = next((c for c in values if c % g), None)
            if bad is not None:
                raise InvalidValue("groups", g, f"does not divide {name}={bad}")
    for k, size, s, d in itertools.product(kernels, sizes, strides, dilations):
        if size is not None:
            Conv(1, 1, k, size, s, padding, d)  # raises InvalidValue for a bad padding
            conv_output_hw(size, k, s, padding, d)


@click.command(
    epilog="\b\nVariants:\n" + _variants_help() + """

\b
Examples:
  liteconv compare --cin 64 --cout 128 -k 3
  liteconv compare --cin 32 --cout 64 -k 3 --size 112 --stride 2 --no-bias --bn
  liteconv compare --cin 8 --cout 16 -k 3 --size 28 --padding valid -v standard -v separable
  liteconv compare --cin 64 --cout 128 -k 3 --size 56 --dtype int8     # memory traffic
  liteconv compare --cin 64 --cout 32:512:32 -k 1,3,5 --size 56 --format csv > sweep.csv

\b
Exit status: 0 success, 1 a problem with the input, 2 a usage error.""",
)
@click.option("--cin", type=INTS, required=True, help="Input channels C_in (or a list/range to sweep).")
@click.option("--cout", type=INTS, required=True, help="Output channels C_out (or a list/range).")
@click.option("-k", "--kernel", type=DIMS, default="3", show_default=True,
              help="Kernel size K (every dim), or one per dim: KhxKw (1x7), KdxKhxKw (3x7x7).")
@click.option("--size", type=DIMS, help="Input map: N (square), HxW, or DxHxW (a clip): MACs become totals for it.")
@click.option("-L", "--length", type=POSITIVE, help="Input length of a 1-D signal (Conv1d): --size for one dim.")
@click.option("-D", "--depth", type=POSITIVE, help="Input depth (frames) of a 3-D map, with -H and -W (Conv3d).")
@click.option("-H", "--height", type=POSITIVE, help="Input height (with -W).")
@click.option("-W", "--width", type=POSITIVE, help="Input width (with -H).")
@click.option("-s", "--stride", type=DIMS, default="1", show_default=True, help="Stride S, or one per dim (1x2x2).")
@click.option(
    "-p", "--padding", type=PADDING, default="same", show_default=True,
    help="same (keeps the size at stride 1; output ceil(H/S)), valid (none), N pixels a side, or PHxPW.",
)
@click.option("-d", "--dilation", type=DIMS, default="1", show_default=True, help="Dilation, or one per dim.")
@click.option("-g", "--groups", type=INTS, default="1", show_default=True,
              help="Groups G for the grouped variant (shown when G > 1).")
@click.option("-t", "--expansion", type=INTS, default="6", show_default=True,
              help="Expansion factor t of the inverted residual.")
@click.option("--depth-multiplier", type=POSITIVE, default=1, show_default=True,
              help="Depthwise channel multiplier (depthwise variant).")
@click.option("--bias/--no-bias", default=True, show_default=True,
              help="Bias on every convolution (torch default: on).")
@click.option("--bn/--no-bn", "batchnorm", default=False, show_default=True, help="BatchNorm after every convolution.")
@click.option("-v", "--variant", "variants", multiple=True, type=click.Choice(list(VARIANTS)),
              help="Show only this variant (repeatable). Default: all.")
@click.option("--stages", is_flag=True, help="Also show each stage of the composite variants.")
@click.option("--dtype", type=click.Choice(["fp32", "fp16", "bf16", "int8"]), default=None,
              help="Data type for memory traffic and arithmetic intensity (default fp32; needs --size or -H/-W).")
@compare_options
@output_options
def compare(
    cin: tuple[int, ...], cout: tuple[int, ...], kernel: Sequence[Any],
    size: tuple[Any, ...] | None, length: int | None, depth: int | None, height: int | None, width: int | None,
    stride: Sequence[Any], padding: Any, dilation: Sequence[Any],
    groups: tuple[int, ...], expansion: tuple[int, ...], depth_multiplier: int, bias: bool, batchnorm: bool,
    variants: tuple[str, ...], stages: bool, dtype: str | None, fmt: str, output: str, **analysis: Any,
) -> None:
    """Compare the cost of every convolution variant for one layer.

    Defaults follow torch.nn.Conv2d (bias on, stride 1, dilation 1), with `same` padding so
    a layer keeps its size at stride 1. Without --size or -H/-W, MACs and FLOPs are per
    output position; with them, totals for that feature map, plus memory traffic and
    arithmetic intensity (MACs per byte moved) for --dtype.

    Any number option takes a list or range (1,3,5 or 32:512:32): every combination is
    evaluated, one row per configuration and variant, streamed to csv or json.
    """
    given = [o for o, v in (("-L", length), ("-D", depth), ("-H", height), ("-W", width)) if v]
    if size is not None and given:
        raise click.UsageError(f"give either --size or {'/'.join(given)}, not both")
    if length and (depth or height or width):
        raise click.UsageError("-L is the length of a 1-D signal: it goes without -D, -H and -W")
    if (height or width or depth) and not (height and width):
        raise click.UsageError("give -H and -W together (and -D for a 3-D map), or --size")
    rank = _rank(kernel, size or (), stride, dilation, padding, length, depth)
    try:
        kernel, stride, dilation = (_per_dim(v, rank, o) for v, o in ((kernel, "--kernel"), (stride, "--stride"),
                                                                        (dilation, "--dilation")))
        sizes: Sequence[Any] = _per_dim(size, rank, "--size") if size is not None else [None]
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    if isinstance(padding, tuple) and len(padding) != rank:
        raise click.UsageError(f"--padding has {len(padding)} values for {rank} spatial dims")
    if length:
        sizes = [(length,)]
    elif height and width:
        sizes = [(depth, height, width) if depth else (height, width)]
    if "spatial" in variants and rank != 2:
        raise click.BadParameter(f"the spatial variant splits a 2-D kernel (KhxKw); this layer has {rank} spatial "
                                 "dims", param_hint="'--variant'")
    if dtype is not None and sizes[0] is None:
        raise click.UsageError("--dtype sets the bytes of the memory columns, which need a feature map: give --size "
                               "or -H/-W")
    dtype = dtype or "fp32"
    spatial = len(kernel) * len(sizes) * len(stride) * len(dilation)
    if spatial > MAX_SPATIAL:
        raise click.UsageError(f"--kernel x --size x --stride x --dilation gives {spatial:,} combinations, over the "
                               f"limit of {MAX_SPATIAL:,}")
    names = list(variants) or [n for n in VARIANTS if (n != "grouped" or max(groups) > 1)
                               and (n != "spatial" or rank == 2)]
    if "grouped" in names and max(groups) == 1:
        raise click.BadParameter("the grouped variant needs --groups G with G > 1", param_hint="'--variant'")
    dilations = dilation
    grid = (cin, cout, kernel, sizes, stride, groups, expansion, dilations)
    count = 1
    for values in grid:
        count *= len(values)
    sweep = count > 1
    if sweep and fmt in ("table", "markdown") and count * len(names) > MAX_TABLE_ROWS:
        raise click.UsageError(
            f"the sweep has {count * len(names):,} rows; a {fmt} holds at most {MAX_TABLE_ROWS:,}: "
            "use --format csv or json"
        )
    with_size = sizes[0] is not None
    bytes_per_value = dtype_bytes(dtype) if with_size else None
    try:
        _check_grid(cin, cout, kernel, sizes, stride, padding, dilations, groups)
        Conv(cin[0], cout[0], kernel[0], sizes[0], stride[0], padding, dilations[0], groups[0], bias, batchnorm,
             expansion[0], depth_multiplier)
    except InvalidValue as e:
        raise _usage(e) from None

    human = fmt != "csv"  # csv leaves out the cells only people read
    # the labels of a sweep's configuration columns, formatted once
    kernel_label = {k: _dims(k) for k in kernel}
    size_label = {sz: _dims(sz) if sz else "" for sz in sizes}
    stride_label = {st: _hw(st) for st in stride}
    dilation_label = {d: _hw(d) for d in dilations}

    # every combination, in itertools.product's order; C_in and C_out are iterated, not copied
    # (a range of a million channel counts stays a range object), the other values are few
    inner = [tuple(values) for values in (kernel, sizes, stride, groups, expansion)]

    def configurations() -> Iterator[tuple[Any, ...]]:
        for ci in cin:
            for co in cout:
                for k, sz, st, g, t in itertools.product(*inner):
                    yield ci, co, k, sz, st, g, t

    def rows() -> Iterator[dict[str, object]]:
        for d in dilations:
            for ci, co, k, sz, st, g, t in configurations():
                # every value and combination was checked above (click's types and _check_grid), so the
                # layer is made without checking it again: Conv._make is the NamedTuple's unchecked constructor
                layer = Conv._make((ci, co, k, sz, st, padding, d, g, bias, batchnorm, t, depth_multiplier))
                std = evaluate(layer if g == 1 else layer._replace(groups=1), "standard")
                config = {"cin": ci, "cout": co, "kernel": kernel_label[k], "size": size_label[sz],
                          "stride": stride_label[st], "groups": g, "expansion": t,
                          "dilation": dilation_label[d]} if sweep else {}
                for name in names:
                    if name == "grouped" and g == 1:
                        continue
                    e = std if name == "standard" else evaluate(layer, name)
                    row = _row(e, std, not sweep, bytes_per_value, human, dtype)
                    if config:
                        row.update(config)
                    yield row
                    if stages and len(e.stages) > 1:
                        detail = row if "stage_list" in row else _row(e, std, True, bytes_per_value, True, dtype)
                        for s in detail["stage_list"]:  # type: ignore[attr-defined]
                            yield {**s, **config, "_style": "dim"}

    columns = [c for c in COLUMNS if (stages or c.key != "stage") and (rank == 3 or c.key != "out_d")]
    if sweep:
        swept = [len(v) > 1 for v in grid]
        config_columns = [c if on else c._replace(show="machine") for c, on in zip(SWEEP_COLUMNS, swept, strict=True)]
        columns = config_columns + [c for c in columns if not c.key.startswith("closed_form") and c.key != "stages"]
    if with_size:
        columns += MEMORY_COLUMNS
    if sweep:
        title = f"sweep of {count:,} configurations x {len(names)} variants"
    else:
        (k0,) = kernel
        pad = _hw(padding) if isinstance(padding, tuple) else padding
        dims = "" if rank == 2 else f"{rank}-D, "
        title = (
            f"{cin[0]} -> {cout[0]} channels, {dims}kernel {_dims(k0)}, stride {_hw(stride[0])}, padding {pad}"
            f"{'' if set(dilation[0]) == {1} else f', dilation {_hw(dilation[0])}'}, "
            f"{'bias' if bias else 'no bias'}, {'BatchNorm' if batchnorm else 'no BatchNorm'}, "
            + (f"input {_dims(sizes[0])}" if sizes[0] else "per output position")
        )
    notes = [
        f"MACs and FLOPs are totals for the input map; bytes moved = input + parameters + output, as {dtype}."
        if with_size
        else "MACs and FLOPs are per output position (no --size or -H/-W given); stride plays no part.",
        "MAC = one multiply-accumulate (bias excluded); FLOPs = 2 x MACs + bias adds + 2 per BatchNorm element "
        "+ 1 per residual add. Ratios are to the standard convolution; 'closed form' is the papers' MACs ratio, "
        "shown where it holds exactly.",
    ]
    if rank != 2 and not variants:
        notes.append(f"The spatial variant (Kh x 1, then 1 x Kw) splits a 2-D kernel: left out for {rank}-D layers.")
    meta = {} if fmt != "json" else {  # only json writes it (and a sweep's lists can be long)
        "command": "compare",
        "layer": {
            # a sweep's values as written: a range is {start, stop, step} (stop included), never every value
            "in_channels": values_json(cin) if sweep else cin[0],
            "out_channels": values_json(cout) if sweep else cout[0],
            "kernel_size": values_json(kernel) if sweep else list(kernel[0]),
            "size": (values_json(sizes) if sizes[0] else None) if sweep else (list(sizes[0]) if sizes[0] else None),
            "stride": values_json(stride) if sweep else list(stride[0]),
            "padding": list(padding) if isinstance(padding, tuple) else padding,
            "dilation": values_json(dilation) if sweep else list(dilation[0]),
            "groups": values_json(groups) if sweep else groups[0], "bias": bias, "batchnorm": batchnorm,
            "expansion": values_json(expansion) if sweep else expansion[0], "depth_multiplier": depth_multiplier,
        },
        "macs_unit": "total" if with_size else "per output position",
        "dtype": dtype if with_size else None,
    }
    report = Report([Table("variants", title, columns, rows(), notes=notes)], meta)
    opts = analyses.options(analysis)
    if opts.any or fmt == "html":  # --batch, --device, --units: cli/analyses.py (issue 12)
        report = analyses.extend_compare(report, opts, fmt, dtype, sweep, with_size)
    emit(report, fmt, output)
