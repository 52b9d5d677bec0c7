"""The analyses of issue 12 on ``network`` and ``compare``: options, and what they add to a report.

``--training`` (with ``--optimizer``, ``--freeze``), ``--receptive-field``, ``--device``,
``--explain ROW``, ``--batch N`` and ``--units`` are declared here once; the commands pass
their report through :func:`extend_network` / :func:`extend_compare`, which add columns,
tables and metadata. The engine modules (engine.training, receptive, roofline, explain,
batch) are imported only when their option is given, so a plain run starts as fast as before.
"""


from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import click

from ..formats import Column, Report, Table

OPTIMIZERS = ("sgd", "momentum", "adam")  # engine.training.OPTIMIZERS (a test keeps them equal)


class Options(NamedTuple):
    """The analysis options of one run."""

    training: bool = False
    batch: int = 1
    optimizer: str | None = None
    freeze: tuple[str, ...] = ()
    receptive_field: bool = False
    device: str | None = None
    explain: str | None = None
    units: bool = False

    @property
    def wants_training(self) -> bool:
        """--training, or an option that only makes sense with it."""
        return self.training or self.optimizer is not None or bool(self.freeze)

    @property
    def any(self) -> bool:
        """Whether any analysis option was given."""
        return self != Options()


def analysis_options(f: Callable[..., Any], network: bool = True) -> Callable[..., Any]:
    """Add the options to a command (``network=False``: the ones ``compare`` takes)."""
    opts: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("--batch", type=click.IntRange(min=1, max=10**9), default=1, show_default=True,
                     help="Examples per batch: MACs, FLOPs and activation bytes scale with it, params do not."),
        click.option("--device", metavar="NAME|FILE",
                     help="Add a roofline on this device (a shipped table: rpi4, jetson-orin-nano, rtx4090, "
                          "apple-m4-ane; or a YAML file): compute and memory time of each row, which binds, and "
                          "a lower bound on latency (never a prediction)."),
        click.option("--units", is_flag=True,
                     help="Tables for people show counts with K/M/G suffixes (csv and json stay raw integers)."),
    ]
    if network:
        opts += [
            click.option("--training", is_flag=True,
                         help="Add one training step: forward and backward MACs (input and weight gradients), "
                              "activations kept for the backward pass, gradients and optimizer state."),
            click.option("--optimizer", type=click.Choice(OPTIMIZERS), default=None,
                         help="Optimizer state for --training: sgd (none), momentum (1 per param), adam (2)."),
            click.option("--freeze", multiple=True, metavar="PATTERN",
                         help="Rows whose params are not trained (a name, a prefix such as layer1, or a glob "
                              "such as '*.depthwise'; repeatable); turns --training on."),
            click.option("--receptive-field", "receptive_field", is_flag=True,
                         help="Add each row's receptive field, effective stride (jump) and first centre, per "
                              "spatial dimension (Araujo et al., Distill 2019)."),
            click.option("--explain", metavar="ROW",
                         help="Show the formula of every figure of one row (a name or number) with its numbers."),
        ]
    for o in reversed(opts):
        f = o(f)
    return f


def compare_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``compare`` takes: --batch, --device, --units."""
    return analysis_options(f, network=False)


def options(kwargs: Mapping[str, Any]) -> Options:
    """The Options from a command's keyword arguments (missing ones take their defaults)."""
    fields = {k: kwargs[k] for k in Options._fields if k in kwargs and kwargs[k] is not None}
    if "freeze" in fields:
        fields["freeze"] = tuple(fields["freeze"])
    return Options(**fields)


# ------------------------------------------------------------------ --units


def amount(v: int) -> str:
    """``1.814G``: an integer with an SI suffix, four significant digits."""
    from ..engine.fit import amount_text

    return amount_text(v)


def with_units(report: Report) -> Report:
    """The report with every integer column people read shown with K/M/G (raw values kept for html sorting)."""

    def convert(table: Table) -> Table:
        keys = [c.key for c in table.columns if c.kind == "int" and c.show != "machine"]
        if not keys:
            return table

        def row_units(row: Mapping[str, Any]) -> dict[str, Any]:
            new = dict(row)
            for k in keys:
                v = new.get(k)
                if isinstance(v, int) and not isinstance(v, bool):
                    new["_raw_" + k] = v
                    new[k] = amount(v)
            return new

        rows = (row_units(r) for r in table.rows)
        return table._replace(rows=rows, totals=row_units(table.totals) if table.totals else None)

    return report._replace(tables=[convert(t) for t in report.tables])


# ------------------------------------------------------------------ network


class Extra(NamedTuple):
    """What the analyses computed for one network (per example where the engine takes a batch)."""

    cost: Any  # the NetworkCost of one example
    memory: Any  # its NetworkMemory (one example) or None
    training: Any  # engine.training.Training (batch included) or None
    fields: Any  # list of RowField or None
    roofline: Any  # engine.roofline.Roofline (batch included) or None
    device: Any  # engine.roofline.Device or None


def prepare(results: Sequence[Any], opts: Options, fmt: str, dtype: str | None, summary: bool,
            conventions: bool, ctx: click.Context) -> tuple[list[Any], list[Extra]]:
    """Run the analyses on every walked spec; return the results scaled to the batch, and the extras.

    Raises click.UsageError for options that exclude each other, LiteconvError for a bad
    device or --freeze/--explain that match nothing.
    """
    if opts.batch > 1 and conventions:
        raise click.UsageError("--convention counts one example, as the tools print it: leave out --batch.", ctx)
    if opts.explain is not None and (summary or len(results) > 1):
        raise click.UsageError("--explain explains a row of one network: give one SPEC and no --summary.", ctx)
    if fmt == "html" and summary:
        raise click.UsageError("--format html reports the layers of a network: leave out --summary.", ctx)
    dt = dtype or "fp32"
    device = None
    if opts.device is not None:
        from ..devices import load_device

        device = load_device(opts.device)
        device.peak(dt)  # an InvalidValue now, before any work: the table gives no peak for this dtype
    need_memory = device is not None or fmt == "html" or opts.explain is not None
    scaled, extras = [], []
    for res in results:
        cost, mem = res.cost, res.memory
        if mem is None and need_memory:
            from ..engine.activations import memory

            mem = memory(cost, dt)
        step = fields = roof = None
        if opts.wants_training:
            from ..engine.training import freezer, training, unmatched

            missing = unmatched(cost.rows, opts.freeze)
            if missing:
                from ..errors import UsageProblem

                raise UsageProblem(f"--freeze {missing[0]!r} matches no row of {cost.network.name}")
            step = training(cost, batch=opts.batch, optimizer=opts.optimizer or "sgd", dtype=dt,
                            frozen=freezer(opts.freeze))
        if opts.receptive_field or opts.explain is not None:
            from ..engine.receptive import receptive_fields

            fields = receptive_fields(cost)
        if device is not None:
            from ..engine.roofline import roofline

            roof = roofline(cost, mem, device, batch=opts.batch)
        extras.append(Extra(cost, mem, step, fields, roof, device))
        new = res
        if fmt == "html" and res.memory is None:
            new = new._replace(memory=mem)
        if opts.batch > 1:
            from ..engine.batch import scale_memory, scale_result

            new = new._replace(cost=scale_result(cost, opts.batch),
                               memory=scale_memory(new.memory, cost, opts.batch) if new.memory is not None else None)
        scaled.append(new)
    return scaled, extras


TRAINING_COLUMNS = [
    Column("input_grad_macs", "input-grad MACs", show="machine"),
    Column("weight_grad_macs", "weight-grad MACs", show="machine"),
    Column("backward_macs", "backward MACs"),
    Column("saved_bytes", "kept bytes"),
    Column("trainable", "trainable", "text", show="machine"),
]
FIELD_COLUMNS = [
    Column("rf", "RF", "text"),
    Column("rf_jump", "jump", "text"),
    Column("rf_centre", "centre", "text"),
]
ROOFLINE_COLUMNS = [
    Column("rl_moved_bytes", "rl_moved_bytes", show="machine"),
    Column("rl_compute_s", "rl_compute_s", "ratio", show="machine"),
    Column("rl_memory_s", "rl_memory_s", "ratio", show="machine"),
    Column("rl_bound_s", "rl_bound_s", "ratio", show="machine"),
    Column("rl_bound", "bound", "text", show="human"),
    Column("rl_binds", "binds", "text"),
]
TRAINING_SUMMARY_COLUMNS = [
    Column("batch", "batch"),
    Column("optimizer", "optimizer", "text"),
    Column("forward_macs", "forward MACs"),
    Column("backward_macs", "backward MACs"),
    Column("step_macs", "step MACs"),
    Column("flop_counter_backward_flops", "FlopCounterMode backward", show="machine"),
    Column("trainable_params", "trainable params"),
    Column("weight_bytes", "weights B"),
    Column("grad_bytes", "grads B"),
    Column("optimizer_bytes", "optimizer B"),
    Column("saved_bytes", "kept activations B"),
    Column("memory_bytes", "step memory B"),
]
ROOFLINE_SUMMARY_COLUMNS = [
    Column("device", "device", "text"),
    Column("dtype", "dtype", "text"),
    Column("batch", "batch"),
    Column("bound_s", "bound_s", "ratio", show="machine"),
    Column("bound", "latency >=", "text", show="human"),
    Column("compute_s", "compute_s", "ratio", show="machine"),
    Column("memory_s", "memory_s", "ratio", show="machine"),
    Column("memory_share", "memory-bound share", "percent"),
]
NETWORK = Column("network", "network", "text")

TRAINING_NOTE = (
    "One training step: backward MACs = input gradient (none for the first layer's input, nor before the "
    "first trained row) + weight gradient (none for frozen rows), each equal to the forward MACs of the row; "
    "kept = activations autograd saves for the backward pass, each tensor once (docs/analyses.md). "
    "FlopCounterMode backward: what torch.utils.flop_counter prints, a grouped weight gradient counted groups "
    "times over."
)
ROOFLINE_NOTE = (
    "Roofline on {device} ({dtype}): bound = max(MACs / peak, bytes moved / bandwidth) per row (per stage of a "
    "composite variant), summed over rows run one after another: a lower bound on latency, never a prediction; "
    "binds = what binds most of it (docs/analyses.md)."
)
FIELD_NOTE = (
    "RF: receptive field in input pixels per spatial dimension; jump: input pixels between adjacent outputs; "
    "centre: centre of the first output's field (pixel 0 at 0, negative = padding). * = a global gate (SE) "
    "or pooled branch also reaches the row. Araujo et al., Distill 2019."
)


def _row_extras(x: Extra) -> Iterator[dict[str, Any]]:
    from ..engine.receptive import field_text
    from ..engine.roofline import seconds_text

    for i, _ in enumerate(x.cost.rows):
        d: dict[str, Any] = {}
        if x.training is not None:
            t = x.training.rows[i]
            d.update(input_grad_macs=t.input_grad_macs, weight_grad_macs=t.weight_grad_macs,
                     backward_macs=t.backward_macs, saved_bytes=t.saved_bytes,
                     trainable="frozen" if t.frozen else ("yes" if t.trainable else ""))
        if x.fields is not None:
            f = x.fields[i]
            mark = "*" if f.global_context else ("~" if f.approximate else "")
            d.update(rf=field_text(f, "size") + mark, rf_jump=field_text(f, "jump"), rf_centre=field_text(f, "centre"))
        if x.roofline is not None:
            b = x.roofline.rows[i]
            d.update(rl_moved_bytes=b.moved_bytes, rl_compute_s=float(b.compute_s), rl_memory_s=float(b.memory_s),
                     rl_bound_s=float(b.bound_s), rl_bound=seconds_text(b.bound_s), rl_binds=b.binds)
        yield d


def _training_row(x: Extra, network: str | None) -> dict[str, Any]:
    t = x.training
    row: dict[str, Any] = {
        "batch": t.batch, "optimizer": t.optimizer, "forward_macs": t.forward_macs, "backward_macs": t.backward_macs,
        "step_macs": t.step_macs, "flop_counter_backward_flops": 2 * t.tool_backward_macs,
        "trainable_params": t.trainable_params, "weight_bytes": t.weight_bytes, "grad_bytes": t.grad_bytes,
        "optimizer_bytes": t.optimizer_bytes, "saved_bytes": t.saved_bytes, "memory_bytes": t.memory_bytes,
    }
    if network is not None:
        row["network"] = network
    return row


def _roofline_row(x: Extra, network: str | None) -> dict[str, Any]:
    from ..engine.roofline import seconds_text

    r = x.roofline
    row: dict[str, Any] = {
        "device": r.device.name, "dtype": r.dtype, "batch": r.batch, "bound_s": float(r.bound_s),
        "bound": seconds_text(r.bound_s), "compute_s": float(r.compute_s), "memory_s": float(r.memory_s),
        "memory_share": float(r.share("memory")),
    }
    if network is not None:
        row["network"] = network
    return row


def _explain_report(x: Extra, ref: str, opts: Options, dtype: str) -> Report:
    from ..engine.explain import explain, find_row

    rows = x.cost.rows
    from ..errors import InvalidValue, UsageProblem

    try:
        i = find_row(rows, ref)
    except InvalidValue as missing:  # a row the network does not have: a usage error, as an option out of range
        raise UsageProblem(f"--explain: {missing}") from None
    e = explain(x.cost, i, batch=opts.batch, memory=x.memory.rows[i] if x.memory is not None else None,
                field=x.fields[i] if x.fields is not None else None,
                bound=x.roofline.rows[i] if x.roofline is not None else None,
                step=x.training.rows[i] if x.training is not None else None, device=x.device, dtype=dtype)
    row = rows[i]
    columns = [Column("figure", "figure", "text"), Column("formula", "formula", "text"),
               Column("numbers", "with numbers", "text"), Column("value", "value", "text"),
               Column("checked", "checked", "text")]

    def value(v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            return f"{v:,}"
        if isinstance(v, float):
            return f"{v:.4f}"
        if type(v).__name__ == "Fraction":
            from ..engine.receptive import text

            return text(v)
        return str(v)

    out = [{"figure": line.figure, "formula": line.formula, "numbers": line.numbers, "value": value(line.value),
            "raw_value": line.value if isinstance(line.value, int | float) else str(line.value),
            "checked": "yes" if line.checked else "NO"} for line in e.lines]
    title = (f"{x.cost.network.name}, row {i + 1} {row.name!r} ({row.kind} {row.op}, {row.input} -> {row.output})"
             + (f", batch {opts.batch}" if opts.batch > 1 else ""))
    notes = ["Each figure recomputed from the row's shapes, kernel and groups (docs/formulas.md, docs/analyses.md); "
             "'checked' says it equals the table's number."]
    if not all(line.checked for line in e.lines):
        notes.append("A figure marked NO differs from the table: please report it as a bug.")
    return Report([Table("explain", title, columns, out, notes=notes)],
                  {"command": "network", "explain": {"network": x.cost.network.name, "row": i + 1, "name": row.name}})


def extend_network(report: Report, extras: Sequence[Extra], opts: Options, fmt: str, dtype: str | None,
                   summary: bool) -> Report:
    """Add the analyses' columns, tables and metadata to a ``network`` report (see the module docstring)."""
    dt = dtype or "fp32"
    if opts.explain is not None:
        report = _explain_report(extras[0], opts.explain, opts, dt)
        return with_units(report) if opts.units and fmt != "csv" and fmt != "json" else report
    several = len(extras) > 1
    names = [x.cost.network.name for x in extras]
    meta = dict(report.meta)
    tables = list(report.tables)
    has_training = extras[0].training is not None
    has_fields = extras[0].fields is not None
    has_roof = extras[0].roofline is not None
    new_cols = ([*TRAINING_COLUMNS] if has_training else []) + ([*FIELD_COLUMNS] if has_fields else []) + \
        ([*ROOFLINE_COLUMNS] if has_roof else [])
    for k, table in enumerate(tables):
        if table.name == "layers" and new_cols:
            def rows(t: Table = table) -> Iterator[dict[str, Any]]:
                chained = (d for x in extras for d in _row_extras(x))
                for row, extra in zip(t.rows, chained, strict=False):
                    row = dict(row)
                    row.update(extra)
                    yield row

            totals = dict(table.totals) if table.totals else None
            if totals is not None:
                x = extras[0]
                if x.training is not None:
                    totals.update(input_grad_macs=x.training.input_grad_macs,
                                  weight_grad_macs=x.training.weight_grad_macs,
                                  backward_macs=x.training.backward_macs, saved_bytes=x.training.saved_bytes)
                if x.roofline is not None:
                    from ..engine.roofline import seconds_text

                    totals.update(rl_moved_bytes=x.roofline.moved_bytes, rl_bound_s=float(x.roofline.bound_s),
                                  rl_compute_s=float(x.roofline.compute_s), rl_memory_s=float(x.roofline.memory_s),
                                  rl_bound=seconds_text(x.roofline.bound_s))
            notes = list(table.notes)
            if has_fields:
                notes.append(FIELD_NOTE)
            tables[k] = table._replace(columns=[*table.columns, *new_cols], rows=rows(), totals=totals, notes=notes)
        elif table.name == "summary":
            cols = list(table.columns)
            if has_training:
                cols += [Column("backward_macs", "backward MACs"), Column("saved_bytes", "kept bytes")]
            if has_roof:
                cols += [Column("bound_s", "bound_s", "ratio", show="machine"),
                         Column("bound", "latency >=", "text", show="human")]
            if has_fields:
                cols += [Column("rf", "RF", "text")]

            def srows(t: Table = table) -> Iterator[dict[str, Any]]:
                from ..engine.receptive import field_text
                from ..engine.roofline import seconds_text

                for row, x in zip(t.rows, extras, strict=False):
                    row = dict(row)
                    if x.training is not None:
                        row.update(backward_macs=x.training.backward_macs, saved_bytes=x.training.saved_bytes)
                    if x.roofline is not None:
                        row.update(bound_s=float(x.roofline.bound_s), bound=seconds_text(x.roofline.bound_s))
                    if x.fields:
                        row["rf"] = field_text(x.fields[-1], "size")
                    yield row

            tables[k] = table._replace(columns=cols, rows=srows())
    if not summary:
        if has_training:
            tcols = [*([NETWORK] if several else []), *TRAINING_SUMMARY_COLUMNS]
            trows = [_training_row(x, n if several else None) for x, n in zip(extras, names, strict=True)]
            title = "one training step" + ("" if several else f" of {names[0]}") + \
                f" ({extras[0].training.dtype}, batch {opts.batch})"
            tables.append(Table("training", title, tcols, trows, notes=[TRAINING_NOTE]))
        if has_roof:
            rcols = [*([NETWORK] if several else []), *ROOFLINE_SUMMARY_COLUMNS]
            rrows = [_roofline_row(x, n if several else None) for x, n in zip(extras, names, strict=True)]
            dev = extras[0].device
            tables.append(Table("roofline", f"lower bound on latency, {dev.name}", rcols, rrows,
                                notes=[ROOFLINE_NOTE.format(device=dev.name, dtype=dt)]))
    if opts.batch > 1:
        meta["batch"] = opts.batch
        first = tables[0]
        tables[0] = first._replace(notes=[*first.notes, f"Figures for a batch of {opts.batch} examples: MACs, FLOPs "
                                          "and activation bytes scale with it; params do not."])
    if has_training:
        meta["training"] = [_training_row(x, n) for x, n in zip(extras, names, strict=True)]
    if has_roof:
        dev = extras[0].device
        meta["device"] = {"name": dev.name, "key": dev.key, "dtype": dt, "peak_macs_per_s": dev.peak(dt),
                          "bandwidth_bytes_per_s": dev.bandwidth, "onchip_bytes": dev.onchip_bytes,
                          "sources": dict(dev.sources)}
        meta["roofline"] = [_roofline_row(x, n) for x, n in zip(extras, names, strict=True)]
    report = Report(tables, meta)
    return with_units(report) if opts.units and fmt not in ("csv", "json") else report


# ------------------------------------------------------------------ compare


_SCALED = ("macs", "flops", "bias_adds", "bn_elements", "elementwise", "activation_bytes")


def _scale_compare_row(row: Mapping[str, Any], batch: int) -> dict[str, Any]:
    new = dict(row)
    for k in _SCALED:
        if isinstance(new.get(k), int):
            new[k] *= batch
    if isinstance(new.get("traffic_bytes"), int):
        params = new.get("param_bytes") or 0
        new["traffic_bytes"] = (new["traffic_bytes"] - params) * batch + params
        new["intensity"] = new["macs"] / new["traffic_bytes"] if new["traffic_bytes"] else None
    if isinstance(new.get("stage_list"), list):
        new["stage_list"] = [_scale_compare_row(s, batch) for s in new["stage_list"]]
    return new


def extend_compare(report: Report, opts: Options, fmt: str, dtype: str, sweep: bool, with_size: bool) -> Report:
    """Add --batch, --device and --units to a ``compare`` report.

    Raises click.UsageError for --device without a feature-map size (no bytes to move).
    """
    if opts.device is not None and not with_size:
        raise click.UsageError("--device needs a feature-map size (--size or -H/-W): a roofline needs bytes moved.")
    if opts.batch > 1 and not with_size:
        raise click.UsageError("--batch scales totals: give a feature-map size (--size or -H/-W).")
    if fmt == "html" and sweep:
        raise click.UsageError("--format html reports one layer: a sweep wants csv or json.")
    device = None
    if opts.device is not None:
        from ..devices import load_device

        device = load_device(opts.device)
        device.peak(dtype)
    (table, *rest) = report.tables
    rows: Iterable[Mapping[str, Any]] = table.rows
    batch = opts.batch
    if batch > 1:
        rows = (_scale_compare_row(r, batch) for r in rows)
    columns = list(table.columns)
    notes = list(table.notes)
    meta = dict(report.meta)
    if batch > 1:
        notes.append(f"Figures for a batch of {batch} examples: MACs, FLOPs and activation bytes scale with it; "
                     "params (and their bytes) do not.")
        meta["batch"] = batch
    tables = [table]
    if device is not None:
        from ..engine.roofline import bound, seconds_text

        def with_bound(r: Mapping[str, Any]) -> Mapping[str, Any]:
            if isinstance(r.get("macs"), int) and isinstance(r.get("traffic_bytes"), int):
                # each stage of a composite variant is its own kernel: the sum of the stages' bounds
                stages = [bound(st["macs"], st["traffic_bytes"], device, dtype) for st in r.get("stage_list") or ()
                          if isinstance(st.get("traffic_bytes"), int)] or [bound(r["macs"], r["traffic_bytes"],
                                                                                 device, dtype)]
                compute = sum(b.compute_s for b in stages)
                memory = sum(b.memory_s for b in stages)
                total = sum(b.bound_s for b in stages)
                binds = "compute" if sum(b.bound_s for b in stages if b.binds == "compute") * 2 >= total else "memory"
                r = {**r, "rl_moved_bytes": r["traffic_bytes"], "rl_compute_s": float(compute),
                     "rl_memory_s": float(memory), "rl_bound_s": float(total), "rl_bound": seconds_text(total),
                     "rl_binds": binds}
            return r

        rows = (with_bound(r) for r in rows)
        columns += ROOFLINE_COLUMNS[1:]
        notes.append(ROOFLINE_NOTE.format(device=device.name, dtype=dtype))
        meta["device"] = {"name": device.name, "key": device.key, "dtype": dtype,
                          "peak_macs_per_s": device.peak(dtype), "bandwidth_bytes_per_s": device.bandwidth}
        if not sweep:
            rows = list(rows)
            ranked = sorted((r for r in rows if "rl_bound_s" in r and r.get("_style") != "dim"),
                            key=lambda r: (r["rl_bound_s"], r["macs"]))
            if ranked:
                cheapest = min(ranked, key=lambda r: r["macs"])
                fastest = ranked[0]
                rank_rows = [{"rank": i, "variant": r["variant"], "macs": r["macs"],
                              "traffic_bytes": r["traffic_bytes"], "intensity": r.get("intensity"),
                              "rl_bound": r["rl_bound"], "rl_bound_s": r["rl_bound_s"], "rl_binds": r["rl_binds"]}
                             for i, r in enumerate(ranked, 1)]
                verdict = (f"Fastest on {device.name} ({dtype}): {fastest['variant']} (at least {fastest['rl_bound']}, "
                           f"{fastest['rl_binds']}-bound); cheapest in MACs: {cheapest['variant']}.")
                meta["fastest"] = fastest["variant"]
                meta["cheapest"] = cheapest["variant"]
                tables.append(Table("device", f"variants on {device.name}, fastest first (a lower bound each)", [
                    Column("rank", "rank"), Column("variant", "variant", "text"), Column("macs", "MACs"),
                    Column("traffic_bytes", "bytes moved"), Column("intensity", "MACs/byte", "ratio"),
                    Column("rl_bound_s", "bound_s", "ratio", show="machine"),
                    Column("rl_bound", "latency >=", "text", show="human"), Column("rl_binds", "binds", "text"),
                ], rank_rows, notes=[verdict]))
    tables[0] = table._replace(columns=columns, rows=rows, notes=notes)
    out = Report([*tables, *rest], meta)
    return with_units(out) if opts.units and fmt not in ("csv", "json") else out
