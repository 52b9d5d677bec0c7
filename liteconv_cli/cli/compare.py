"""``liteconv compare``: every convolution variant's cost for one layer, side by side."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import click

from ..engine import VARIANTS, Conv, Estimate, evaluate
from ..errors import InvalidValue
from ..formats import Column, Report, Table
from . import emit, output_options
from .params import PADDING, PAIR

#: engine field -> the option a user typed, so an engine error names the option
OPTION_OF = {
    "in_channels": "--cin",
    "out_channels": "--cout",
    "kernel_size": "--kernel",
    "size": "--size/-H/-W",
    "stride": "--stride",
    "padding": "--padding",
    "dilation": "--dilation",
    "groups": "--groups",
    "expansion": "--expansion",
    "depth_multiplier": "--depth-multiplier",
}

COLUMNS = [
    Column("variant", "variant", "text"),
    Column("stage", "stage", "text"),
    Column("stages", "stages", "text", show="human"),
    Column("output", "output", "text", show="human"),
    Column("out_c", "out_c", show="machine"),
    Column("out_h", "out_h", show="machine"),
    Column("out_w", "out_w", show="machine"),
    Column("weights", "weights", show="machine"),
    Column("bias", "bias", show="machine"),
    Column("bn", "bn", show="machine"),
    Column("params", "params"),
    Column("macs", "MACs"),
    Column("bias_adds", "bias_adds", show="machine"),
    Column("bn_elements", "bn_elements", show="machine"),
    Column("elementwise", "elementwise", show="machine"),
    Column("flops", "FLOPs"),
    Column("params_ratio", "params / std", "ratio"),
    Column("macs_ratio", "MACs / std", "ratio"),
    Column("closed_form", "closed_form", "ratio", show="machine"),
    Column("closed_form_formula", "closed_form_formula", "text", show="machine"),
    Column("closed_form_text", "closed form", "text", show="human"),
]


def _hw(p: tuple[int, int]) -> str:
    return f"{p[0]}" if p[0] == p[1] else f"{p[0]}x{p[1]}"


def _variants_help() -> str:
    return "\n".join(f"  {name:<18} {v.help}" for name, v in VARIANTS.items())


def _cells(variant: str, stage: str, estimate_output: Any, cost: Any) -> dict[str, object]:
    out = estimate_output
    return {
        "variant": variant,
        "stage": stage,
        "output": str(out),
        "out_c": out.c,
        "out_h": out.h,
        "out_w": out.w,
        **cost.as_dict(),
    }


def _row(e: Estimate, std: Estimate) -> dict[str, object]:
    row = _cells(e.variant, "", e.output, e.cost)
    v = VARIANTS[e.variant]
    closed = v.closed_form(e.layer)
    row.update(
        stages=" + ".join(s.name if s.kind == "add" else f"{s.name} {s.kernel[0]}x{s.kernel[1]}" for s in e.stages),
        params_ratio=Fraction(e.cost.params, std.cost.params),
        macs_ratio=Fraction(e.cost.macs, std.cost.macs),
        closed_form=closed,
        closed_form_formula=v.ratio_text if closed is not None else "",
        closed_form_text=f"{v.ratio_text} = {float(closed):.4f}" if closed is not None else "",
    )
    row["stage_list"] = [
        {"name": s.name, "kind": s.kind, "input": str(s.input), **_cells(e.variant, s.name, s.output, s.cost)}
        for s in e.stages
    ]
    return row


@click.command(
    epilog="\b\nVariants:\n" + _variants_help() + """

\b
Examples:
  liteconv compare --cin 64 --cout 128 -k 3
  liteconv compare --cin 32 --cout 64 -k 3 --size 112 --stride 2 --no-bias --bn
  liteconv compare --cin 8 --cout 16 -k 3 --size 28 --padding valid -v standard -v separable
  liteconv compare --cin 64 --cout 128 -k 3 --groups 4 --format csv > layer.csv

\b
Exit status: 0 success, 1 a problem with the input, 2 a usage error.""",
)
@click.option("--cin", type=click.IntRange(min=1), required=True, help="Input channels C_in.")
@click.option("--cout", type=click.IntRange(min=1), required=True, help="Output channels C_out.")
@click.option("-k", "--kernel", type=PAIR, default="3", show_default=True, help="Kernel size K, or KhxKw (1x7).")
@click.option("--size", type=PAIR, help="Input feature map N (square) or HxW: MACs become totals for that map.")
@click.option("-H", "--height", type=click.IntRange(min=1), help="Input height (with -W; -W defaults to -H).")
@click.option("-W", "--width", type=click.IntRange(min=1), help="Input width.")
@click.option("-s", "--stride", type=PAIR, default="1", show_default=True, help="Stride S or SHxSW.")
@click.option(
    "-p", "--padding", type=PADDING, default="same", show_default=True,
    help="same (keeps the size at stride 1; output ceil(H/S)), valid (none), N pixels a side, or PHxPW.",
)
@click.option("-d", "--dilation", type=PAIR, default="1", show_default=True, help="Dilation D or DHxDW.")
@click.option("-g", "--groups", type=click.IntRange(min=1), default=1, show_default=True,
              help="Groups G for the grouped variant (shown when G > 1).")
@click.option("-t", "--expansion", type=click.IntRange(min=1), default=6, show_default=True,
              help="Expansion factor t of the inverted residual.")
@click.option("--depth-multiplier", type=click.IntRange(min=1), default=1, show_default=True,
              help="Depthwise channel multiplier (depthwise variant).")
@click.option("--bias/--no-bias", default=True, show_default=True, help="Bias on every convolution (torch default: on).")
@click.option("--bn/--no-bn", "batchnorm", default=False, show_default=True, help="BatchNorm after every convolution.")
@click.option("-v", "--variant", "variants", multiple=True, type=click.Choice(list(VARIANTS)),
              help="Show only this variant (repeatable). Default: all.")
@click.option("--stages", is_flag=True, help="Also show each stage of the composite variants.")
@output_options
def compare(
    cin: int, cout: int, kernel: tuple[int, int], size: tuple[int, int] | None, height: int | None,
    width: int | None, stride: tuple[int, int], padding: Any, dilation: tuple[int, int], groups: int,
    expansion: int, depth_multiplier: int, bias: bool, batchnorm: bool, variants: tuple[str, ...],
    stages: bool, fmt: str, output: str,
) -> None:
    """Compare the cost of every convolution variant for one layer.

    Defaults follow torch.nn.Conv2d (bias on, stride 1, dilation 1), with `same` padding so
    a layer keeps its size at stride 1. Without --size or -H/-W, MACs and FLOPs are per
    output position; with them, totals for that feature map.
    """
    if size is not None and (height or width):
        raise click.UsageError("give either --size or -H/-W, not both")
    if size is None and (height or width):
        size = (height or width, width or height)  # type: ignore[assignment]
    names = list(variants) or [n for n in VARIANTS if n != "grouped" or groups > 1]
    if "grouped" in names and groups == 1:
        raise click.BadParameter("the grouped variant needs --groups G with G > 1", param_hint="'--variant'")
    try:
        layer = Conv(cin, cout, kernel, size, stride, padding, dilation, groups, bias, batchnorm, expansion,
                     depth_multiplier)
        std = evaluate(replace(layer, groups=1), "standard")
        estimates = [evaluate(layer, n) for n in names]
    except InvalidValue as e:
        option = OPTION_OF.get(e.field, e.field)
        raise click.BadParameter(f"{e.value} {e.reason}", param_hint=f"'{option}'") from None

    rows: list[dict[str, object]] = []
    for e in estimates:
        row = _row(e, std)
        rows.append(row)
        if stages and len(e.stages) > 1:
            rows.extend({**s, "_style": "dim"} for s in row["stage_list"])  # type: ignore[attr-defined]

    where = f"input {size[0]}x{size[1]}" if size else "per output position"
    pad = _hw(padding) if isinstance(padding, tuple) else padding
    title = (
        f"{cin} -> {cout} channels, kernel {kernel[0]}x{kernel[1]}, stride {_hw(stride)}, padding {pad}"
        f"{'' if dilation == (1, 1) else f', dilation {_hw(dilation)}'}, {'bias' if bias else 'no bias'}, "
        f"{'BatchNorm' if batchnorm else 'no BatchNorm'}, {where}"
    )
    notes = [
        "MACs and FLOPs are totals for the input map."
        if size
        else "MACs and FLOPs are per output position (no --size or -H/-W given); stride plays no part.",
        "MAC = one multiply-accumulate (bias excluded); FLOPs = 2 x MACs + bias adds + 2 per BatchNorm element "
        "+ 1 per residual add. Ratios are to the standard convolution; 'closed form' is the papers' MACs ratio, "
        "shown where it holds exactly.",
    ]
    meta = {
        "command": "compare",
        "layer": {
            "in_channels": cin, "out_channels": cout, "kernel_size": list(kernel),
            "size": list(size) if size else None, "stride": list(stride),
            "padding": list(padding) if isinstance(padding, tuple) else padding, "dilation": list(dilation),
            "groups": groups, "bias": bias, "batchnorm": batchnorm, "expansion": expansion,
            "depth_multiplier": depth_multiplier,
        },
        "macs_unit": "total" if size else "per output position",
    }
    columns = COLUMNS if stages else [c for c in COLUMNS if c.key != "stage"]
    report = Report([Table("variants", title, columns, rows, notes=notes)], meta)
    emit(report, fmt, output)

