"""``liteconv sweep``: params and MACs of a network over a grid of width and resolution multipliers.

One row per (width, resolution), as the MobileNet papers' Tables 6 and 7, with the ratio to
the network at width 1.0 and its own resolution. Each grid point is the spec walked with
``width`` and ``resolution`` replaced, exactly as ``liteconv network --width-mult --resolution``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import click

from ..engine.network import Network, NetworkCost, walk
from ..errors import LiteconvError, UsageProblem
from ..formats import Column, Report, Table
from . import emit, output_options
from .params import INTS, width_mult_option, width_mult_value

#: most grid points one run computes (a typo such as --resolution 1:100000 is an error, not a hang)
MAX_GRID = 10_000

COLUMNS = [
    Column("network", "network", "text"),
    Column("width", "width", "ratio", show="machine"),
    Column("_width", "width", "text", show="human"),
    Column("resolution", "resolution"),
    Column("input", "input", "text", show="machine"),
    Column("params", "params"),
    Column("params_without_bn", "params w/o BN"),
    Column("macs", "MACs"),
    Column("params_ratio", "params ratio", "ratio"),
    Column("macs_ratio", "MACs ratio", "ratio"),
    Column("_mult_adds_m", "Mult-Adds (M)", show="human"),
    Column("_params_m", "params w/o BN (M)", "text", show="human"),
]

NOTE = (
    "MACs: multiply-accumulates of convolutions and FC layers, bias excluded (the papers' Mult-Adds). "
    "params_without_bn: weights + bias, BatchNorm's gamma and beta left out, as the MobileNet papers count. "
    "Ratios are to width 1.0 at the spec's own resolution. Mult-Adds (M) and params (M) are rounded half up "
    "to the digits the papers print."
)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round_half_up(n: int, unit: int) -> int:
    """n / unit rounded half up, in integers."""
    return (2 * n + unit) // (2 * unit)


def grid(net: Network, widths: Sequence[float | None], resolutions: Sequence[int | None],
         ) -> Iterator[tuple[float, int | None, NetworkCost]]:
    """Every (width, resolution) of the grid, widths outer; None keeps the spec's own value."""
    for w in widths:
        for r in resolutions:
            point = net._replace(width=w if w is not None else net.width,
                                 resolution=r if r is not None else net.resolution)
            try:
                yield point.width, point.resolution, walk(point)
            except LiteconvError as e:
                at = f"resolution {r}" if r is not None else "the spec's resolution"
                raise LiteconvError(f"at width {point.width:g}, {at}: {e}") from None


def _rows(net: Network, widths: Sequence[float | None], resolutions: Sequence[int | None],
          ) -> tuple[NetworkCost, list[dict[str, object]]]:
    base = walk(net._replace(width=1.0))
    B = base.total
    rows: list[dict[str, object]] = []
    for w, _, result in grid(net, widths, resolutions):
        t, shape = result.total, result.input
        rows.append({
            "network": net.name, "width": w, "_width": f"{w:g}",
            "resolution": shape.h if shape.h == shape.w else None, "input": str(shape),
            "params": t.params, "params_without_bn": t.params - t.bn, "macs": t.macs,
            "params_ratio": _share(t.params, B.params), "macs_ratio": _share(t.macs, B.macs),
            "_mult_adds_m": _round_half_up(t.macs, 10**6),
            "_params_m": f"{_round_half_up(t.params - t.bn, 10**5) / 10:.1f}",
        })
    return base, rows


@click.command(
    "sweep",
    epilog="""\b
Examples:
  liteconv sweep mobilenet_v1 --width-mult 1,0.75,0.5,0.25                  # Table 6
  liteconv sweep mobilenet_v1 --resolution 224,192,160,128                  # Table 7
  liteconv sweep mobilenet_v1 --width-mult 1,0.75,0.5,0.25 --resolution 224,192,160,128 -f csv
  liteconv sweep mobilenet_v2 --width-mult 1.4,1,0.75,0.5,0.35 --resolution 96:224:32 -f json

\b
The layer sweep (one convolution over ranges of channels and kernels) is `liteconv compare`:
  liteconv compare --cin 64 --cout 32:512:32 -k 1,3,5 --size 56 --format csv

\b
Exit status: 0 success, 1 a problem with a spec (or a grid point it cannot take, such as
channels that round to 0), 2 a usage error (an empty or malformed list, a value not positive).""",
)
# readable=False: an unreadable spec is a problem with that input (exit 1, the others still shown), not usage
@click.argument("specs", nargs=-1, required=True, type=click.Path(allow_dash=True, readable=False), metavar="SPEC...")
@width_mult_option(True, "Width multipliers alpha, comma-separated, e.g. 1,0.75,0.5,0.25 (default: the spec's "
                         "width); each above 0 and at most 1,000.")
@click.option("--resolution", "resolutions", type=INTS, default=None,
              help="Input resolutions in pixels (H = W): a list 224,192,160,128 or a range 128:224:32 "
                   "(default: the spec's input).")
@click.option("--input", "input_dims", multiple=True, metavar="CxHxW",
              help="Replace the spec's input, any rank: 3x256x256, 1x48000, 3x16x128x171 (NAME=... for one of "
                   "several inputs); --resolution then sets its H and W.")
@output_options
@click.pass_context
def sweep(ctx: click.Context, specs: tuple[str, ...], width_mult: tuple[float, ...] | None,
          width: tuple[float, ...] | None, resolutions: tuple[int, ...] | None, input_dims: tuple[str, ...],
          fmt: str, output: str) -> None:
    """Params and MACs over a grid of width and resolution multipliers.

    One row per (width, resolution), every combination, widths outer, as the MobileNet
    papers' Tables 6 and 7: params (BatchNorm included), params without BatchNorm (the
    papers' count), MACs (the papers' Mult-Adds) and the ratios to width 1.0 at the spec's
    own resolution. SPEC is a YAML network spec (`-` reads stdin); several specs give one
    table with a `network` column. CSV and JSON are for plotting.
    """
    from ..spec import load_spec

    widths = width_mult_value(width_mult, width)
    w_list: Sequence[float | None] = widths or (None,)
    r_list: Sequence[int | None] = resolutions or (None,)
    if len(w_list) * len(r_list) * len(specs) > MAX_GRID:
        raise click.UsageError(f"--width-mult x --resolution gives {len(w_list) * len(r_list) * len(specs):,} grid "
                               f"points, over the limit of {MAX_GRID:,}")
    rows: list[dict[str, object]] = []
    meta: list[dict[str, object]] = []
    failed = False
    for path in specs:
        try:
            net = load_spec(path)
            if input_dims:
                from .network import _with_input

                net = _with_input(net, input_dims, path)
            base, net_rows = _rows(net, w_list, r_list)
        except UsageProblem:
            raise  # an option's value, not this spec: a usage error for the whole run
        except LiteconvError as e:
            click.echo(f"Error: {e}", err=True)
            failed = True
            continue
        rows += net_rows
        meta.append({"name": net.name, "file": path, "baseline": {
            "width": 1.0, "input": list(base.input),
            "params": base.total.params, "params_without_bn": base.total.params - base.total.bn,
            "macs": base.total.macs}})
    if meta:
        names = ", ".join(str(m["name"]) for m in meta)
        title = f"{names}: params and MACs by width and resolution"
        if len(meta) == 1:
            b = meta[0]["baseline"]
            assert isinstance(b, dict)
            shape = "x".join(map(str, b["input"]))
            title += f" (ratios to width 1, {shape}: {b['params']:,} params, {b['macs']:,} MACs)"
        table = Table("sweep", title, COLUMNS, rows, notes=[NOTE])
        emit(Report([table], {"command": "sweep", "networks": meta}), fmt, output)
    if failed:
        ctx.exit(1)
