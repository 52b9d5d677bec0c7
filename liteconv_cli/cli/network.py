"""``liteconv network``: a whole network from a YAML spec, layer by layer and by category.

Each spec is read and walked on its own: a bad file prints its own ``Error: ...`` line and
the others are still shown (exit status 1 if any failed). ``--memory``, ``--convention`` and
``--chart`` add columns, tables and a bar chart; their engine modules
(``engine.activations``, ``engine.conventions``) and rich are imported only when asked for.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from ..engine.network import REGISTRY, NetworkCost, walk
from ..errors import LiteconvError, UsageProblem
from ..formats import Column, Report, Table, cost_columns
from . import analyses, emit, open_output, output_options
from .analyses import analysis_options
from .params import POSITIVE, width_mult_option, width_mult_value

if TYPE_CHECKING:
    from ..engine.activations import NetworkMemory
    from ..engine.conventions import Profile

#: the --convention choices: the keys of engine.conventions.PROFILES (a test keeps them equal),
#: spelled out here so that the command starts without importing that module
CONVENTIONS = ("paper", "flops", "fvcore", "ptflops", "ptflops-aten", "thop", "torch-flop-counter", "torchinfo")
DTYPES = ("fp32", "fp16", "bf16", "int8")

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
    *cost_columns(flops="machine"),
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
    Column("other", "other", show="machine"),
    Column("params", "params"),
    Column("macs", "MACs"),
    Column("flops", "FLOPs"),
    Column("layers", "layers"),
]

NETWORK_COLUMN = Column("network", "network", "text")

NOTE = (
    "MACs: multiply-accumulates of convolutions, linear layers and attention, bias excluded (the papers' "
    "Mult-Adds). params: weights + bias + BatchNorm + other (LayerNorm/GroupNorm affine, layer scale); a "
    "convolution's BatchNorm and activation are in its row. "
    "See docs/spec.md."
)
BREAKDOWN_NOTE = (
    "weights % leaves BatchNorm and bias out, as Table 2 of the MobileNet paper; params % includes them."
)


def per_value(n: int) -> str:
    """``1 byte per value``, ``4 bytes per value``."""
    return f"{n} byte{'' if n == 1 else 's'} per value"


def _share(part: int, whole: int) -> float | None:
    """part / whole for display (a float: importing fractions would cost every run start-up time)."""
    return part / whole if whole else None


def _pair(p: tuple[int, ...] | None) -> str | None:
    """A kernel/stride of any rank as text: ``3`` when every dim agrees, else ``1x3x3``."""
    if p is None:
        return None
    return str(p[0]) if len(set(p)) == 1 else "x".join(map(str, p))


MEMORY_LAYER_COLUMNS = [
    Column("dtype", "dtype", "text", show="machine"),
    Column("param_bytes", "param bytes", show="machine"),
    Column("read_bytes", "read bytes", show="machine"),
    Column("activation_bytes", "out bytes"),
    Column("moved_bytes", "moved bytes"),
    Column("intensity", "MACs/byte", "ratio"),
    Column("live_bytes", "live bytes"),
]

MEMORY_COLUMNS = [
    Column("dtype", "dtype", "text"),
    Column("param_bytes", "param bytes"),
    Column("input_bytes", "input bytes"),
    Column("output_bytes", "output bytes", show="machine"),
    Column("largest_tensor_bytes", "largest tensor"),
    Column("peak_bytes", "peak activations"),
    Column("peak_at", "peak at", "text"),
    Column("moved_bytes", "bytes moved"),
    Column("intensity", "MACs/byte", "ratio"),
]

SUMMARY_MEMORY_COLUMNS = [
    Column("dtype", "dtype", "text", show="machine"),
    Column("param_bytes", "param bytes"),
    Column("peak_bytes", "peak activations"),
    Column("moved_bytes", "bytes moved"),
    Column("intensity", "MACs/byte", "ratio"),
]

TERM_COLUMNS = [
    Column("term", "term", "text"),
    Column("key", "key", "text", show="machine"),
    Column("count", "count"),
    Column("factor", "x"),
    Column("value", "counted"),
    Column("share", "share", "percent"),
]
CONVENTION_COLUMN = Column("convention", "convention", "text")

MEMORY_NOTE = (
    "Memory as {dtype} ({per}): out bytes = the row's output tensor; moved bytes = (tensors read + "
    "params + output) x {n}, ShuffleNet V2's memory access cost; MACs/byte = arithmetic intensity; live bytes = "
    "activation memory in use while the row runs, layer by layer, its peak at the foot (model: docs/design-tools.md)."
)
TERMS_NOTE = (
    "count x factor = counted. Activations and poolings are taken to be nn.Module layers as torchvision builds them; "
    "residual adds and the SE multiply are the + and * operators. Why the tools differ: docs/conventions.md."
)


class Result(NamedTuple):
    """One walked spec and what the options asked for on top of it."""

    path: str
    cost: NetworkCost
    memory: NetworkMemory | None = None
    conventions: tuple[Profile, ...] = ()
    notes: tuple[str, ...] = ()  # what a model file's reader says (docs/importers.md)


def _conv_key(name: str) -> str:
    return "convention_" + name.replace("-", "_")


def _layer_rows(res: Result, network: str | None) -> Iterator[dict[str, object]]:
    result = res.cost
    total = result.total.macs
    mem = res.memory.rows if res.memory is not None else None
    for i, r in enumerate(result.rows):
        row: dict[str, object] = {
            "index": r.position, "name": r.name, "kind": r.kind, "op": r.op, "category": r.category,
            "input": str(r.input), "output": str(r.output), "out_c": r.output.c, "out_h": r.output.h,
            "out_w": r.output.w, "kernel": _pair(r.kernel), "stride": _pair(r.stride), "groups": r.groups,
            "activation": r.activation, **r.cost.as_dict(), "macs_share": _share(r.cost.macs, total),
        }
        if mem is not None:
            row.update(mem[i]._asdict())
            row["dtype"] = res.memory.dtype  # type: ignore[union-attr]
        for p in res.conventions:
            row[_conv_key(p.name)] = p.row_total(r)
        if network is not None:
            row["network"] = network
        yield row


def _layer_totals(res: Result) -> dict[str, object]:
    r = res.cost
    totals: dict[str, object] = {"name": "total", **r.total.as_dict(), "macs_share": 1.0 if r.total.macs else None,
                                 "output": str(r.output)}
    m = res.memory
    if m is not None:
        totals |= {"param_bytes": m.param_bytes, "moved_bytes": m.moved_bytes, "intensity": m.intensity,
                   "live_bytes": m.peak_bytes}
    for p in res.conventions:
        totals[_conv_key(p.name)] = p.total(r.rows)
    return totals


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


def _memory_row(res: Result) -> dict[str, object]:
    m = res.memory
    assert m is not None
    return {
        "network": res.cost.network.name, "dtype": m.dtype, "param_bytes": m.param_bytes,
        "input_bytes": m.input_bytes, "output_bytes": m.output_bytes, "largest_tensor_bytes": m.largest_tensor_bytes,
        "peak_bytes": m.peak_bytes, "peak_at": "input" if m.peak_row is None else res.cost.rows[m.peak_row].name,
        "moved_bytes": m.moved_bytes, "intensity": m.intensity,
    }


def _term_rows(res: Result, p: Profile, network: str | None, convention: str | None) -> list[dict[str, object]]:
    terms = p.terms(res.cost.rows)
    total = sum(t.value for t in terms)
    extra = {k: v for k, v in (("network", network), ("convention", convention)) if v is not None}
    rows: list[dict[str, object]] = [
        {**extra, "term": t.label, "key": t.key, "count": t.amount, "factor": t.factor, "value": t.value,
         "share": _share(t.value, total), **({"_style": "dim"} if t.factor == 0 else {})}
        for t in terms
    ]
    rows.append({**extra, "term": "total", "key": "total", "value": total, "share": 1.0 if total else None,
                 "_style": "bold"})
    return rows


def _summary_row(res: Result) -> dict[str, object]:
    result = res.cost
    c = result.total
    row: dict[str, object] = {
        "network": result.network.name, "file": res.path, "input": _shapes(result.inputs, result.input),
        "output": _shapes(result.outputs, result.output),
        "width": result.network.width, "weights": c.weights, "bias": c.bias, "bn": c.bn, "other": c.other,
        "params": c.params,
        "macs": c.macs, "flops": c.flops, "layers": result.weighted_layers,
    }
    if res.memory is not None:
        row |= _memory_row(res)
    for p in res.conventions:
        row[_conv_key(p.name)] = p.total(result.rows)
    return row


def _meta(res: Result) -> dict[str, object]:
    result = res.cost
    net = result.network
    meta: dict[str, object] = {
        "name": net.name, "file": res.path, "input": list(result.input), "output": list(result.output),
        "inputs": {n: list(s) for n, s in result.inputs}, "outputs": {n: list(s) for n, s in result.outputs},
        "width": net.width,
        "channel_rounding": net.channel_rounding, "resolution": net.resolution,
        "layers": result.weighted_layers, "total": result.total.as_dict(),
    }
    if res.memory is not None:
        mem = _memory_row(res)
        del mem["network"]
        meta["memory"] = {"bytes_per_value": res.memory.bytes_per_value, **mem}
    if res.conventions:
        meta["conventions"] = {
            p.name: {"tool": p.tool, "total": p.total(result.rows),
                     "terms": [{"key": t.key, "label": t.label, "count": t.amount, "factor": t.factor, "value": t.value}
                               for t in p.terms(result.rows)]}
            for p in res.conventions
        }
    return meta


def _shapes(named: Sequence[tuple[str, Any]], first: Any) -> str:
    """One shape (``3x224x224``), or each named one when a network has several (``p2 256x128x128, ...``)."""
    if len(named) <= 1:
        return str(first)
    return ", ".join(f"{name} {shape}" for name, shape in named)


def _title(result: NetworkCost) -> str:
    net, t = result.network, result.total
    return (f"{net.name}: input {_shapes(result.inputs, result.input)}, width {net.width:g} -> "
            f"{_shapes(result.outputs, result.output)}; {t.params:,} params, {t.macs:,} MACs")


def _extra_layer_columns(results: Sequence[Result]) -> list[Column]:
    first = results[0]
    columns = list(MEMORY_LAYER_COLUMNS) if first.memory is not None else []
    columns += [Column(_conv_key(p.name), p.name) for p in first.conventions]
    return columns


def _memory_note(results: Sequence[Result]) -> list[str]:
    m = results[0].memory
    return [MEMORY_NOTE.format(dtype=m.dtype, n=m.bytes_per_value, per=per_value(m.bytes_per_value))] if m is not None \
        else []


def _model_notes(results: Sequence[Result]) -> list[str]:
    """The notes of model files (ONNX, Keras), each named by its network when there are several."""
    if len(results) == 1:
        return list(results[0].notes)
    return [f"{r.cost.network.name}: {n}" for r in results for n in r.notes]


def _report(results: Sequence[Result], summary: bool) -> Report:
    meta: dict[str, object] = {"command": "network", "networks": [_meta(r) for r in results]}
    first = results[0]
    if summary:
        columns = list(SUMMARY_COLUMNS)
        if first.memory is not None:
            columns += SUMMARY_MEMORY_COLUMNS
        columns += [Column(_conv_key(p.name), p.name) for p in first.conventions]
        rows = [_summary_row(r) for r in results]
        notes = [NOTE, *(["peak activations: layer by layer, see docs/design-tools.md."] if first.memory else []),
                 *_model_notes(results)]
        return Report([Table("summary", "networks", columns, rows, notes=notes)], meta)

    layer_columns = [*LAYER_COLUMNS, *_extra_layer_columns(results)]
    several = len(results) > 1
    tables: list[Table] = []
    if not several:
        r = first
        layers = Table("layers", _title(r.cost), layer_columns, _layer_rows(r, None), totals=_layer_totals(r),
                       notes=[NOTE, *_model_notes(results)])
        *brows, btotal = _breakdown_rows(r.cost, None, with_total=True)
        breakdown = Table("breakdown", f"{r.cost.network.name}: by category", BREAKDOWN_COLUMNS, brows,
                          totals=btotal, notes=[BREAKDOWN_NOTE])
        tables += [layers, breakdown]
    else:
        def all_rows() -> Iterator[dict[str, object]]:
            for r in results:
                yield from _layer_rows(r, r.cost.network.name)

        titles = ", ".join(r.cost.network.name for r in results)
        tables.append(Table("layers", f"layers of {titles}", [NETWORK_COLUMN, *layer_columns], all_rows(),
                            notes=[NOTE, *_model_notes(results)]))
        brows = [row for r in results for row in _breakdown_rows(r.cost, r.cost.network.name, with_total=True)]
        tables.append(Table("breakdown", "by category", [NETWORK_COLUMN, *BREAKDOWN_COLUMNS], brows,
                            notes=[BREAKDOWN_NOTE]))
    if first.memory is not None:
        m = first.memory
        title = f"memory as {m.dtype} ({per_value(m.bytes_per_value)}), layer by layer"
        mcols = [NETWORK_COLUMN, *MEMORY_COLUMNS] if several else MEMORY_COLUMNS
        tables.append(Table("memory", f"{first.cost.network.name}: {title}" if not several else title, mcols,
                            [_memory_row(r) for r in results], notes=_memory_note(results)))
    if first.conventions:
        many = len(first.conventions) > 1
        tcols = [*([NETWORK_COLUMN] if several else []), *([CONVENTION_COLUMN] if many else []), *TERM_COLUMNS]
        trows = [row for r in results for p in r.conventions
                 for row in _term_rows(r, p, r.cost.network.name if several else None, p.name if many else None)]
        if several or many:
            title = "counting conventions, term by term"
        else:
            p = first.conventions[0]
            title = f"{first.cost.network.name}: {p.name} convention ({p.tool}): {p.summary}"
        tables.append(Table("conventions", title, tcols, trows, notes=[TERMS_NOTE]))
    return Report(tables, meta)


# ------------------------------------------------------------------ --chart

#: eighths of a block, for bars with sub-character resolution
_EIGHTHS = " ▏▎▍▌▋▊▉"
CHART_WIDTH = 30


def bar(fraction: float, width: int = CHART_WIDTH) -> str:
    """A horizontal bar ``fraction`` (0..1) of ``width`` cells, to an eighth of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def chart_rows(result: NetworkCost) -> list[tuple[str, str, float, float]]:
    """(position, name, MACs share, params share) of every row with MACs or params."""
    t = result.total
    return [
        (r.position, r.name, r.cost.macs / t.macs if t.macs else 0.0, r.cost.params / t.params if t.params else 0.0)
        for r in result.rows if r.cost.macs or r.cost.params
    ]


def draw_chart(result: NetworkCost, out: Any, color: bool) -> None:
    """A terminal bar chart of each row's share of the MACs and of the params (rich, imported here)."""
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table as RichTable
    from rich.text import Text

    console = Console(file=out, color_system="auto" if color else None, no_color=None if color else True,
                      force_terminal=color or None, width=None if color else 400, highlight=False, emoji=False,
                      markup=False)
    rows = chart_rows(result)
    top_macs = max((m for _, _, m, _ in rows), default=0.0) or 1.0
    top_params = max((p for _, _, _, p in rows), default=0.0) or 1.0
    table = RichTable(box=None, padding=(0, 1), show_edge=False)
    for header, justify in (("#", "left"), ("name", "left"), ("MACs %", "right"), ("", "left"),
                            ("params %", "right"), ("", "left")):
        table.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for position, name, macs, params in rows:
        table.add_row(position, name, f"{macs * 100:.2f}%", Text(bar(macs / top_macs), style="cyan" if color else ""),
                      f"{params * 100:.2f}%", Text(bar(params / top_params), style="magenta" if color else ""))
    # never squeeze the chart into a narrow terminal (it would cut names and numbers): let it wrap
    natural = Measurement.get(console, console.options.update_width(100_000), table).maximum
    console.width = max(console.width, natural)
    console.print()
    console.print(f"{result.network.name}: each layer's share of the MACs and of the params")
    console.print(table)
    console.print(f"Bars are scaled to the largest row ({top_macs * 100:.2f}% of the MACs, {top_params * 100:.2f}% "
                  "of the params); rows with neither (pooling, adds, ...) are left out.", soft_wrap=True)


def _emit_with_charts(report: Report, results: Sequence[Result], output: str) -> None:
    from ..formats import WRITERS

    with open_output(output) as out:
        color = out is sys.stdout and out.isatty()  # NO_COLOR: rich draws without colour
        WRITERS["table"](report, out, color)
        for r in results:
            draw_chart(r.cost, out, color)


# ------------------------------------------------------------------ the command


def _model_options(path: str, input_dims: tuple[str, ...], allow_unknown: bool, notes: list[str]) -> dict[str, Any]:
    """load_spec's options for a model file (ONNX, Keras: docs/importers.md); none for a YAML spec."""
    if not path.lower().endswith((".onnx", ".keras", ".h5", ".hdf5", ".json")):  # not a model: no importers
        if allow_unknown:
            raise LiteconvError(f"{path}: --allow-unknown applies to model files (ONNX, Keras), not to a YAML spec")
        return {}
    from ..importers import is_model_file, parse_input_dims

    if not is_model_file(path):
        if allow_unknown:
            raise LiteconvError(f"{path}: --allow-unknown applies to model files (ONNX, Keras), not to a YAML spec")
        return {}
    return {"input_dims": parse_input_dims(input_dims), "allow_unknown": allow_unknown, "notes": notes}


def _with_input(net: Any, input_dims: tuple[str, ...], path: str) -> Any:
    """``--input`` on a spec: the network with its input replaced (UsageProblem naming the file: a
    shape that is none, or an input name the network does not have, is a usage error, exit 2)."""
    from ..engine.network import with_input
    from ..errors import InvalidValue, UsageProblem
    from ..importers import parse_input_dims

    try:
        return with_input(net, parse_input_dims(input_dims))
    except InvalidValue as e:
        raise UsageProblem(f"{path}: --input: {e}") from None


def _kinds_help() -> str:
    # the registry's docs: reading them makes no record class (those are made on first use)
    return "\n".join(f"  {name:<18} {k.doc.splitlines()[0]}" for name, k in REGISTRY.items())


@click.command(
    epilog="\b\nLayer kinds (the format: docs/spec.md; schema: liteconv_cli/spec.schema.json):\n" + _kinds_help() + """

\b
Examples:
  liteconv network mobilenet_v1
  liteconv network mobilenet_v1 --width-mult 0.5 --resolution 160
  liteconv network mobilenet_v1 mobilenet_v2 resnet50 --summary --format csv > nets.csv
  liteconv network resnet50 --format csv | sort -t, -k19 -n
  cat net.yaml | liteconv network -

\b
Memory, conventions and charts (docs/design-tools.md):
  liteconv network mobilenet_v2 --memory                            # bytes per layer, peak
  liteconv network mobilenet_v2 --memory --dtype int8
  liteconv network mobilenet_v1 mobilenet_v2 resnet50 --summary --memory --format csv
  liteconv network resnet50 --convention fvcore                     # what fvcore prints, term by term
  liteconv network mobilenet_v1 mobilenet_v2 resnet50 --summary --convention all  # every tool's number
  liteconv network mobilenet_v1 --chart                             # bars: share of MACs and params

\b
Exit status: 0 success, 1 a problem with a spec (each bad file prints its own Error: line;
the others are still shown), 2 a usage error.""",
)
# readable=False: an unreadable spec is a problem with that input (exit 1, the others still shown), not usage
@click.argument("specs", nargs=-1, required=True, type=click.Path(allow_dash=True, readable=False), metavar="SPEC...")
@click.option("--summary", is_flag=True, help="One row per network: input, params, MACs, FLOPs, layers.")
@width_mult_option(False, "Width multiplier alpha (overrides the spec's width:), e.g. 0.75; above 0, at most 1,000.")
@click.option("--resolution", type=POSITIVE,
              help="Input height = width in pixels (overrides the spec's input and resolution:), e.g. 160.")
@click.option("--memory", is_flag=True,
              help="Add memory: parameter and activation bytes, bytes moved and MACs/byte per layer, and the "
                   "peak activation memory of running the network layer by layer.")
@click.option("--dtype", type=click.Choice(DTYPES), default=None,
              help="Bytes per value for --memory (default fp32); giving it turns --memory on.")
@click.option("--convention", "conventions", multiple=True, type=click.Choice([*CONVENTIONS, "all"]),
              help="Count as a tool does and show its terms apart: paper (MACs), flops (liteconv's FLOPs), "
                   "fvcore, ptflops, ptflops-aten, thop, torchinfo; repeat it, or 'all'.")
@click.option("--input", "input_dims", multiple=True, metavar="CxHxW",
              help="The input, of any rank: 3x224x224, 1x32000 (1-D), 3x16x128x171 (a clip); NAME=CxHxW for one "
                   "of several inputs. For a spec it replaces the input; for a model file (ONNX, Keras) it gives the "
                   "dims the file leaves open (a dynamic size).")
@click.option("--allow-unknown", is_flag=True,
              help="Model files: count an op liteconv does not know as a row with no params or MACs (and say so) "
                   "instead of failing.")
@click.option("--chart", is_flag=True,
              help="Draw a bar chart of each layer's share of MACs and params after the tables "
                   "(--format table only).")
@analysis_options
@output_options
@click.pass_context
def network(ctx: click.Context, specs: tuple[str, ...], summary: bool, width_mult: float | None,
            width: float | None, resolution: int | None, memory: bool, dtype: str | None,
            conventions: tuple[str, ...], input_dims: tuple[str, ...], allow_unknown: bool, chart: bool, fmt: str,
            output: str, **analysis: Any) -> None:
    """Count the params and MACs of whole networks: built-in names, YAML specs, ONNX or Keras files.

    SPEC is a built-in name (see liteconv models), a YAML spec (`-` reads stdin),
    an ONNX file or a Keras file. Prints every layer (one row per operation), the
    totals, and the split by category (standard, depthwise, pointwise, grouped,
    transposed, fc, attention, other) as Table 2 of the MobileNet paper. With several
    specs, one table with a `network` column; --summary gives one row per network.

    --memory adds bytes per layer and the peak activation memory, --convention what
    fvcore, ptflops, thop or torchinfo would print (term by term), --chart a bar chart.
    """
    from ..spec import load_spec

    width = width_mult_value(width_mult, width)
    if chart and fmt != "table":
        raise click.UsageError(f"--chart draws for people: use it with --format table, not {fmt}.", ctx)
    if chart and summary:
        raise click.UsageError("--chart draws the layers of a network: leave out --summary.", ctx)
    names = CONVENTIONS if "all" in conventions else tuple(dict.fromkeys(conventions))
    profiles: tuple[Profile, ...] = ()
    if names:
        from ..engine.conventions import PROFILES

        profiles = tuple(PROFILES[n] for n in names)
    if dtype is not None or memory:
        from ..engine.activations import memory as network_memory
    results: list[Result] = []
    failed = False
    for path in specs:
        try:
            model_notes: list[str] = []
            options = _model_options(path, input_dims, allow_unknown, model_notes)
            net = load_spec(path, **options)
            if input_dims and not options:  # a spec: --input replaces its input (any rank)
                net = _with_input(net, input_dims, path)
            if width is not None:
                net = net._replace(width=width)
            if resolution is not None:
                net = net._replace(resolution=resolution)
            cost = walk(net)
            mem = network_memory(cost, dtype or "fp32") if dtype is not None or memory else None
            results.append(Result("<stdin>" if path == "-" else path, cost, mem, profiles, tuple(model_notes)))
        except UsageProblem:
            raise  # an option's value, not this spec: a usage error for the whole run
        except LiteconvError as e:
            click.echo(f"Error: {e}", err=True)
            failed = True
    if results:
        opts, extras = analyses.options(analysis), None
        if opts.any or fmt == "html":  # issue 12's analyses: cli/analyses.py
            results, extras = analyses.prepare(results, opts, fmt, dtype, summary, bool(profiles), ctx)
        report = _report(results, summary)
        if extras is not None:
            report = analyses.extend_network(report, extras, opts, fmt, dtype, summary)
        if chart:
            _emit_with_charts(report, results, output)
        else:
            emit(report, fmt, output)
    if failed:
        ctx.exit(1)
