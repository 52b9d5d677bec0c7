"""``liteconv fit``: the largest width, resolution or depth of a network that meets a budget."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import click

from ..formats import Column, Report, Table
from . import emit, output_options

DTYPES = ("fp32", "fp16", "bf16", "int8")
DEFAULT_WIDTHS = "0.1:3:0.01"
DEFAULT_GRID = {"width": "0.25:2:0.05", "resolution": "96:320:16", "depth": "0.5:3:0.1"}
DEFAULT_ALONE = {"width": DEFAULT_WIDTHS, "resolution": "32:1024:8", "depth": "0.1:4:0.1"}

AXIS_COLUMNS = {
    "width": Column("width", "width", "ratio"),
    "resolution": Column("resolution", "resolution"),
    "depth": Column("depth", "depth", "ratio"),
}
FIGURE_COLUMNS = [
    Column("params", "params"),
    Column("macs", "MACs"),
    Column("peak_memory", "peak memory B"),
    Column("latency_s", "latency_s", "ratio", show="machine"),
    Column("latency", "latency >=", "text", show="human"),
]


@click.command(epilog="""\b
Examples:
  liteconv fit mobilenet_v2 --macs 300M                               # the widest under 300M MACs
  liteconv fit mobilenet_v2 --macs 300M --resolution 96:320:8
  liteconv fit mobilenet_v1 --macs 300M --width 0.25:1.5:0.05 --resolution 128:256:32
  liteconv fit resnet18 --params 8M --depth 0.5:2:0.25
  liteconv fit mobilenet_v2 --latency 2ms --device rpi4 --width 0.25:1.4:0.05
  liteconv fit mobilenet_v2 --peak-memory 8MiB --dtype int8

\b
Budgets take SI suffixes: 300M, 1.5G, 3.5M; bytes also 8MB or 8MiB; times 5ms, 250us.
Exit status: 0 success (also when nothing fits: the table says so), 1 a problem with the
spec or a device table, 2 a usage error.""")
@click.argument("spec", metavar="SPEC")
@click.option("--macs", help="Most MACs (e.g. 300M).")
@click.option("--params", "params_budget", help="Most parameters (e.g. 3.5M).")
@click.option("--peak-memory", help="Most peak activation memory, layer by layer (e.g. 8MB, 8MiB).")
@click.option("--latency", help="Most roofline latency bound on --device (e.g. 5ms).")
@click.option("--device", metavar="NAME|FILE", help="Device for --latency (rpi4, jetson-orin-nano, rtx4090, ...).")
@click.option("--dtype", type=click.Choice(DTYPES), default="fp32", show_default=True,
              help="Data type for --peak-memory and --latency.")
@click.option("--batch", type=click.IntRange(min=1, max=10**9), default=1, show_default=True,
              help="Examples per batch (MACs, memory and latency scale; params do not).")
@click.option("--width", "widths", metavar="VALUES",
              help=f"Width multipliers to try: a,b,c or start:stop:step (alone, default {DEFAULT_WIDTHS}).")
@click.option("--resolution", "resolutions", metavar="VALUES", help="Input resolutions to try (e.g. 96:320:8).")
@click.option("--depth", "depths", metavar="VALUES",
              help="Depth multipliers to try: each repeated layer's repeat x d, rounded up (e.g. 0.5:2:0.1).")
@click.option("--all", "show_all", is_flag=True, help="List every configuration tried, not only the front.")
@output_options
@click.pass_context
def fit(ctx: click.Context, spec: str, macs: str | None, params_budget: str | None, peak_memory: str | None,
        latency: str | None, device: str | None, dtype: str, batch: int, widths: str | None, resolutions: str | None,
        depths: str | None, show_all: bool, fmt: str, output: str) -> None:
    """Find the largest width, resolution or depth that meets a budget of MACs, params, memory or latency.

    Walks SPEC at every value given (--width, --resolution, --depth: one alone, or the grid
    of several; default: widths 0.1 to 3 by 0.01) and keeps those within every budget. Prints
    the Pareto front (the largest configurations that fit: one along one axis, the
    trade-offs on a grid) and marks the one that uses most of the budget; --all lists
    everything tried.
    """
    from ..engine.fit import Budget, candidates, parse_amount, parse_seconds
    from ..engine.fit import fit as run_fit
    from ..errors import InvalidValue
    from ..spec import load_spec

    def usage(e: InvalidValue) -> click.BadParameter:
        return click.BadParameter(f"{e.value} {e.reason}", param_hint=f"'--{e.field.replace('_', '-')}'"
                                  if not e.field.startswith("--") else f"'{e.field}'")

    try:
        budget = Budget(
            macs=parse_amount(macs, "macs") if macs is not None else None,
            params=parse_amount(params_budget, "params") if params_budget is not None else None,
            peak_memory=parse_amount(peak_memory, "peak_memory", unit="B") if peak_memory is not None else None,
            latency=parse_seconds(latency) if latency is not None else None,
        )
    except InvalidValue as e:
        raise usage(e) from None
    if not budget.given():
        raise click.UsageError("give a budget: --macs, --params, --peak-memory or --latency (with --device).", ctx)
    if (budget.latency is None) != (device is None):
        raise click.UsageError("--latency and --device go together: a latency bound needs a device.", ctx)
    given = {"width": widths, "resolution": resolutions, "depth": depths}
    several = sum(v is not None for v in given.values()) > 1
    if not any(v is not None for v in given.values()):
        given["width"] = DEFAULT_WIDTHS
    grid: dict[str, Any] = {}
    try:
        for axis, text in given.items():
            if text is not None:
                grid[axis] = candidates(text, axis)
    except InvalidValue as e:
        raise usage(e) from None
    count = 1
    for values in grid.values():
        count *= len(values)
    from ..engine.fit import MAX_TRIALS

    if count > MAX_TRIALS:
        raise click.UsageError(f"{count:,} configurations to try, more than {MAX_TRIALS:,}: use coarser steps.", ctx)

    net = load_spec(spec)
    dev = None
    if device is not None:
        from ..devices import load_device

        dev = load_device(device)
        dev.peak(dtype)
    evaluate = _evaluator(budget, dtype, batch, dev)
    result = run_fit(net, budget, grid, evaluate)
    report = _report(result, net.name, spec, dtype, batch, dev, show_all, several, budget)
    emit(report, fmt, output)


def _evaluator(budget: Any, dtype: str, batch: int, device: Any) -> Any:
    from ..engine.network import walk

    def evaluate(net: Any) -> tuple[int, int, int | None, Fraction | None]:
        r = walk(net)
        peak = latency = None
        if budget.peak_memory is not None or budget.latency is not None:
            from ..engine.activations import memory

            mem = memory(r, dtype)
            peak = mem.peak_bytes * batch
            if device is not None:
                from ..engine.roofline import roofline

                latency = roofline(r, mem, device, batch=batch).bound_s
        return r.total.params, r.total.macs * batch, peak, latency

    return evaluate


def _report(result: Any, name: str, spec: str, dtype: str, batch: int, device: Any, show_all: bool, several: bool,
            budget: Any) -> Report:
    from ..engine.fit import amount_text
    from ..engine.roofline import seconds_text

    axes = result.axes
    metrics = budget.given()
    figure_cols = [c for c in FIGURE_COLUMNS if c.key in ("params", "macs") or
                   (c.key == "peak_memory" and "peak_memory" in metrics) or
                   (c.key.startswith("latency") and "latency" in metrics)]
    columns = [AXIS_COLUMNS[a] for a in axes] + figure_cols

    def row(t: Any) -> dict[str, Any]:
        d: dict[str, Any] = {a: getattr(t, a) for a in axes}
        d.update(params=t.params, macs=t.macs, peak_memory=t.peak_memory,
                 latency_s=float(t.latency) if t.latency is not None else None,
                 latency=seconds_text(t.latency) if t.latency is not None else None,
                 fits="yes" if t.fits else "no", front="yes" if t.front else "", answer="yes" if t.answer else "")
        if t.answer:
            d["_style"] = "bold"
        return d

    limits = []
    for m in metrics:
        v = getattr(budget, m)
        limits.append(f"{m.replace('_', ' ')} <= " + (seconds_text(v) if m == "latency" else
                                                        amount_text(v, "B" if m == "peak_memory" else "")))
    where = f" on {device.name} ({dtype})" if device is not None else ""
    batch_text = f", batch {batch}" if batch > 1 else ""
    budget_text = ", ".join(limits) + where + batch_text
    answer = result.answer
    if answer is None:
        verdict = f"Nothing tried fits {budget_text}: widen the ranges or raise the budget."
    elif len(axes) == 1 and not several:
        a = axes[0]
        verdict = (f"Largest {a} within {budget_text}: {getattr(answer, a):g} "
                   f"({amount_text(answer.params)} params, {amount_text(answer.macs)} MACs).")
    else:
        verdict = (f"{len(result.front)} configurations on the front within {budget_text}; the closest to the "
                   f"budget: " + ", ".join(f"{a} {getattr(answer, a):g}" for a in axes) +
                   f" ({amount_text(answer.macs)} MACs).")
    notes = [verdict, "The front: the configurations that fit and that no other fitting one matches or beats on "
             "every axis varied (docs/analyses.md)."]
    if result.skipped:
        config, why = result.skipped[0]
        shown = ", ".join(f"{a} {v:g}" for a, v in config.items())
        notes.append(f"{len(result.skipped):,} configurations the network cannot take were skipped (the first, "
                     f"{shown}: {why}).")
    front = Table("front", f"{name}: the largest configurations within {budget_text}", columns,
                  [row(t) for t in result.trials if t.front], notes=notes)
    tables = [front]
    if show_all:
        all_cols = [*columns, Column("fits", "fits", "text"), Column("front", "front", "text")]
        tables.insert(0, Table("trials", f"{name}: every configuration tried ({len(result.trials):,})", all_cols,
                               [row(t) for t in result.trials], notes=[verdict]))
    meta = {"command": "fit", "network": name, "file": spec, "axes": list(axes), "dtype": dtype, "batch": batch,
            "budget": {m: (float(getattr(budget, m)) if m == "latency" else getattr(budget, m)) for m in metrics},
            "device": device.name if device is not None else None,
            "answer": row(answer) if answer is not None else None, "tried": len(result.trials)}
    return Report(tables, meta)
