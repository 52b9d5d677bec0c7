"""``liteconv network``: a whole network from a YAML spec, layer by layer and by category.

Each spec is read and walked on its own: a bad file prints its own ``Error: ...`` line and
the others are still shown (exit status 1 if any failed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import click

from ..engine.network import KINDS, NetworkCost, walk
from ..errors import LiteconvError
from ..formats import Column, Report, Table
from . import emit, output_options

LAYER_COLUMNS = [
    Column("index", "#", "text"),
    Column("name", "name", "text"),
    Column("kind", "kind", "text"),
    Column("op", "op", "text", show="machine"),
    Column("category", "category", "text"),
    Column("input", "input", "text", show="machine"),
    Column("output", "output", "text"),
    Column("out_c", "out_c", show="machine"),
    Column("out_h", "out_h", show="machine"),
    Column("out_w", "out_w", show="machine"),
    Column("kernel", "kernel", "text", show="machine"),
    Column("stride", "stride", "text", show="machine"),
    Column("groups", "groups", show="machine"),
    Column("activation", "activation", "text", show="machine"),
    Column("weights", "weights", show="machine"),
    Column("bias", "bias", show="machine"),
    Column("bn", "bn", show="machine"),
    Column("params", "params"),
    Column("macs", "MACs"),
    Column("bias_adds", "bias_adds", show="machine"),
    Column("bn_elements", "bn_elements", show="machine"),
    Column("elementwise", "elementwise", show="machine"),
    Column("flops", "FLOPs", show="machine"),
    Column("macs_share", "MACs %", "percent"),
]

BREAKDOWN_COLUMNS = [
    Column("category", "category", "text"),
    Column("layers", "layers"),
    Column("weights", "weights"),
    Column("weights_share", "weights %", "percent"),
    Column("params", "params"),
    Column("params_share", "params %", "percent"),
    Column("macs", "MACs"),
    Column("macs_share", "MACs %", "percent"),
]

SUMMARY_COLUMNS = [
    Column("network", "network", "text"),
    Column("file", "file", "text", show="machine"),
    Column("input", "input", "text"),
    Column("output", "output", "text", show="machine"),
    Column("width", "width", "ratio", show="machine"),
    Column("weights", "weights", show="machine"),
    Column("bias", "bias", show="machine"),
    Column("bn", "bn", show="machine"),
    Column("params", "params"),
    Column("macs", "MACs"),
    Column("flops", "FLOPs"),
    Column("layers", "layers"),
]

NETWORK_COLUMN = Column("network", "network", "text")

NOTE = (
    "MACs: multiply-accumulates of convolutions and FC layers, bias excluded (the papers' Mult-Adds). "
    "params: weights + bias + BatchNorm; a convolution's BatchNorm and activation are in its row. "
    "See docs/spec.md."
)
BREAKDOWN_NOTE = (
    "weights % leaves BatchNorm and bias out, as Table 2 of the MobileNet paper; params % includes them."
)


def _share(part: int, whole: int) -> float | None:
    """part / whole for display (a float: importing fractions would cost every run start-up time)."""
    return part / whole if whole else None


def _pair(p: tuple[int, int] | None) -> str | None:
    if p is None:
        return None
    return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"


def _layer_rows(result: NetworkCost, network: str | None) -> Iterator[dict[str, object]]:
    total = result.total.macs
    for r in result.rows:
        row: dict[str, object] = {
            "index": r.position, "name": r.name, "kind": r.kind, "op": r.op, "category": r.category,
            "input": str(r.input), "output": str(r.output), "out_c": r.output.c, "out_h": r.output.h,
            "out_w": r.output.w, "kernel": _pair(r.kernel), "stride": _pair(r.stride), "groups": r.groups,
            "activation": r.activation, **r.cost.as_dict(), "macs_share": _share(r.cost.macs, total),
        }
        if network is not None:
            row["network"] = network
        yield row


def _breakdown_rows(result: NetworkCost, network: str | None, with_total: bool) -> list[dict[str, object]]:
    t = result.total
    rows: list[dict[str, object]] = []
    parts = [(b.category, b.layers, b.cost) for b in result.breakdown()]
    if with_total:
        parts.append(("total", len(result.rows), t))
    for category, layers, c in parts:
        row: dict[str, object] = {
            "category": category, "layers": layers,
            "weights": c.weights, "weights_share": _share(c.weights, t.weights),
            "params": c.params, "params_share": _share(c.params, t.params),
            "macs": c.macs, "macs_share": _share(c.macs, t.macs),
        }
        if network is not None:
            row["network"] = network
        if category == "total":
            row["_style"] = "bold"
        rows.append(row)
    return rows


def _summary_row(path: str, result: NetworkCost) -> dict[str, object]:
    c = result.total
    return {
        "network": result.network.name, "file": path, "input": str(result.input), "output": str(result.output),
        "width": result.network.width, "weights": c.weights, "bias": c.bias, "bn": c.bn, "params": c.params,
        "macs": c.macs, "flops": c.flops, "layers": result.weighted_layers,
    }


def _meta(path: str, result: NetworkCost) -> dict[str, object]:
    net = result.network
    return {
        "name": net.name, "file": path, "input": [result.input.c, result.input.h, result.input.w],
        "output": [result.output.c, result.output.h, result.output.w], "width": net.width,
        "channel_rounding": net.channel_rounding, "resolution": net.resolution,
        "layers": result.weighted_layers, "total": result.total.as_dict(),
    }


def _title(result: NetworkCost) -> str:
    net, t = result.network, result.total
    return (f"{net.name}: input {result.input}, width {net.width:g} -> {result.output}; "
            f"{t.params:,} params, {t.macs:,} MACs")


def _report(results: Sequence[tuple[str, NetworkCost]], summary: bool) -> Report:
    meta: dict[str, object] = {"command": "network", "networks": [_meta(p, r) for p, r in results]}
    if summary:
        rows = [_summary_row(p, r) for p, r in results]
        return Report([Table("summary", "networks", SUMMARY_COLUMNS, rows, notes=[NOTE])], meta)
    if len(results) == 1:
        ((_, r),) = results
        totals = {"name": "total", **r.total.as_dict(), "macs_share": 1.0 if r.total.macs else None,
                  "output": str(r.output)}
        layers = Table("layers", _title(r), LAYER_COLUMNS, _layer_rows(r, None), totals=totals, notes=[NOTE])
        *brows, btotal = _breakdown_rows(r, None, with_total=True)
        breakdown = Table("breakdown", f"{r.network.name}: by category", BREAKDOWN_COLUMNS, brows,
                          totals=btotal, notes=[BREAKDOWN_NOTE])
        return Report([layers, breakdown], meta)

    def all_rows() -> Iterator[dict[str, object]]:
        for _, r in results:
            yield from _layer_rows(r, r.network.name)

    titles = ", ".join(r.network.name for _, r in results)
    layers = Table("layers", f"layers of {titles}", [NETWORK_COLUMN, *LAYER_COLUMNS], all_rows(), notes=[NOTE])
    brows = [row for _, r in results for row in _breakdown_rows(r, r.network.name, with_total=True)]
    breakdown = Table("breakdown", "by category", [NETWORK_COLUMN, *BREAKDOWN_COLUMNS], brows, notes=[BREAKDOWN_NOTE])
    return Report([layers, breakdown], meta)


def _kinds_help() -> str:
    return "\n".join(f"  {kind:<18} {(cls.__doc__ or '').strip().splitlines()[0]}" for kind, cls in KINDS.items())


@click.command(
    epilog="\b\nLayer kinds (the format: docs/spec.md; schema: liteconv_cli/spec.schema.json):\n" + _kinds_help() + """

\b
Examples:
  liteconv network configs/mobilenet_v1.yaml
  liteconv network configs/mobilenet_v1.yaml --width 0.5 --resolution 160
  liteconv network configs/*.yaml --summary --format csv > nets.csv
  liteconv network configs/resnet50.yaml --format csv | sort -t, -k19 -n
  cat net.yaml | liteconv network -

\b
Exit status: 0 success, 1 a problem with a spec (each bad file prints its own Error: line;
the others are still shown), 2 a usage error.""",
)
@click.argument("specs", nargs=-1, required=True, type=click.Path(allow_dash=True), metavar="SPEC...")
@click.option("--summary", is_flag=True, help="One row per network: input, params, MACs, FLOPs, layers.")
@click.option("--width", type=click.FloatRange(min=0, min_open=True),
              help="Width multiplier alpha (overrides the spec's width:), e.g. 0.75.")
@click.option("--resolution", type=click.IntRange(min=1),
              help="Input height = width in pixels (overrides the spec's input and resolution:), e.g. 160.")
@output_options
@click.pass_context
def network(ctx: click.Context, specs: tuple[str, ...], summary: bool, width: float | None,
            resolution: int | None, fmt: str, output: str) -> None:
    """Count the params and MACs of whole networks described in YAML.

    SPEC is a YAML file (`-` reads stdin). Prints every layer (one row per convolution,
    FC, pooling or add), the totals, and the split by category (standard, depthwise,
    pointwise, grouped, fc, other) as Table 2 of the MobileNet paper. With several specs,
    one table with a `network` column; --summary gives one row per network.
    """
    from ..spec import load_spec

    results: list[tuple[str, NetworkCost]] = []
    failed = False
    for path in specs:
        try:
            net = load_spec(path)
            if width is not None:
                net = net._replace(width=width)
            if resolution is not None:
                net = net._replace(resolution=resolution)
            results.append((path, walk(net)))
        except LiteconvError as e:
            click.echo(f"Error: {e}", err=True)
            failed = True
    if results:
        emit(_report(results, summary), fmt, output)
    if failed:
        ctx.exit(1)
