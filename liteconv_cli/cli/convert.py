"""``liteconv convert``: a network with its standard convolutions replaced by a cheaper variant.

The transformation is ``liteconv_cli.engine.convert`` (pure); this module parses the options,
walks the network before and after, reports the saving per changed layer and for the whole
network, and with ``-o FILE`` writes the converted spec as YAML (``liteconv_cli.spec_dump``).
"""

from __future__ import annotations

from typing import Any

import click

from ..engine.convert import TARGETS, Change, Conversion, Target, change_costs, convert, parse_target
from ..engine.cost import MAX_DIGITS, Cost
from ..engine.network import Basic, Block, Bottleneck, ConvLayer, Layer, NetworkCost, kind_of, sum_costs, walk
from ..errors import InvalidValue, LiteconvError
from ..formats import Column, Report, Table
from . import FORMATS, emit, open_output

LAYER_COLUMNS = [
    Column("index", "#", "text"),
    Column("name", "name", "text"),
    Column("before", "before", "text"),
    Column("after", "after", "text"),
    Column("output", "output", "text"),
    Column("params_before", "params before"),
    Column("params_after", "params after"),
    Column("params_saved", "params saved"),
    Column("params_ratio", "params ratio", "ratio"),
    Column("macs_before", "MACs before"),
    Column("macs_after", "MACs after"),
    Column("macs_saved", "MACs saved"),
    Column("macs_ratio", "MACs ratio", "ratio"),
]

NETWORK_COLUMNS = [
    Column("network", "network", "text"),
    Column("spec", "spec", "text"),
    Column("params", "params"),
    Column("params_without_bn", "params w/o BN"),
    Column("params_saved", "params saved"),
    Column("params_ratio", "params ratio", "ratio"),
    Column("macs", "MACs"),
    Column("macs_saved", "MACs saved"),
    Column("macs_ratio", "MACs ratio", "ratio"),
]

NOTE = (
    "Costs of a layer sum its rows over every repetition; ratio = after / before. "
    "MACs: multiply-accumulates, bias excluded (the papers' Mult-Adds); params include BatchNorm."
)


class TargetType(click.ParamType):
    """A --to value: a key of TARGETS, with its :G / :T where it takes one."""

    name = "VARIANT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Target:
        if isinstance(value, Target):
            return value
        if len(str(value).partition(":")[2].strip().lstrip("+-")) > MAX_DIGITS:
            self.fail(f"{str(value)[:30]!r}... has a number of more than {MAX_DIGITS} digits", param, ctx)
        try:
            return parse_target(value)
        except InvalidValue as e:
            self.fail(f"{value!r} {e.reason}", param, ctx)


def _ratio(after: int, before: int) -> float | None:
    return after / before if before else None


def _kernel(layer: Any) -> str:
    k = layer.kernel
    return "x".join(map(str, k)) if isinstance(k, tuple) else f"{k}x{k}"


def _describe(layer: Layer) -> str:
    """A layer in a few words: ``conv 3x3``, ``separable 3x3``, ``conv 3x3 g=4``, ``block: spatial 3x1 + 1x3``."""
    if isinstance(layer, ConvLayer):
        return f"conv {_kernel(layer)}" + (f" g={layer.groups}" if layer.groups != 1 else "")
    if isinstance(layer, Basic | Bottleneck):
        return f"{kind_of(layer)} {_kernel(layer)}"
    if isinstance(layer, Block):
        names = [c.name for c in layer.layers]
        if names == ["vertical", "horizontal"]:
            return "spatial " + " + ".join(_kernel(c) for c in layer.layers)
        return "block"
    text = f"{kind_of(layer)} {_kernel(layer)}"
    expansion = getattr(layer, "expansion", None)
    return text + (f" t={expansion}" if expansion is not None else "")


def _after_text(change: Change, target: Target) -> str:
    if isinstance(change.before, Basic | Bottleneck):
        inner = ", ".join(n[len(change.name) + 1:] for n in change.converted)
        return f"block ({inner} -> {target})"
    if isinstance(change.after, Block) and not isinstance(change.before, Block) and change.after.layers and all(
            isinstance(u, Block) and u.name and u.name.isdigit() for u in change.after.layers):
        return _describe(change.after.layers[0])  # one block per repetition
    return _describe(change.after)


def _savings(before: Cost, after: Cost) -> dict[str, object]:
    return {
        "params_before": before.params, "params_after": after.params, "params_saved": before.params - after.params,
        "params_ratio": _ratio(after.params, before.params),
        "macs_before": before.macs, "macs_after": after.macs, "macs_saved": before.macs - after.macs,
        "macs_ratio": _ratio(after.macs, before.macs),
    }


def _output_of(change: Change, result: NetworkCost) -> str:
    rows = [r for r in result.rows if r.path[:len(change.path)] == change.path]
    return str(rows[-1].output) if rows else ""


def _report(path: str, conv: Conversion, before: NetworkCost, after: NetworkCost) -> Report:
    net, t = before.network, conv.target
    costs = change_costs(conv.changes, before, after)
    rows: list[dict[str, object]] = []
    for change, (b, a) in zip(conv.changes, costs, strict=True):
        rows.append({"index": ".".join(map(str, change.path)), "name": change.name, "before": _describe(change.before),
                     "after": _after_text(change, t), "output": _output_of(change, after), **_savings(b, a)})
    changed = _savings(sum_costs(b for b, _ in costs), sum_costs(a for _, a in costs))
    totals = {"name": f"{len(rows)} changed", **changed} if rows else None
    B, A = before.total, after.total
    notes = [NOTE]
    if conv.kept_stem:
        notes.append(f"The stem {conv.kept_stem!r} (the first layer, on the input image) is kept, as MobileNet keeps "
                     f"it; --only {conv.kept_stem} (or --only '*') converts it too.")
    if not rows:
        notes.append("Nothing to convert: the network has no other standard convolution (kind conv, groups 1, "
                     "kernel larger than 1x1).")
    factor = f" ({B.macs / A.macs:.2f}x fewer MACs)" if A.macs and A.macs < B.macs else ""
    changed_text = f"{len(rows)} layer{'' if len(rows) == 1 else 's'} changed"
    title = (f"{net.name} -> {t}: {changed_text}; params {B.params:,} -> {A.params:,}, "
             f"MACs {B.macs:,} -> {A.macs:,}{factor}")
    layers = Table("layers", title, LAYER_COLUMNS, rows, totals=totals, notes=notes)
    network_rows = [
        {"network": net.name, "spec": path, "params": B.params, "params_without_bn": B.params - B.bn, "macs": B.macs},
        {"network": after.network.name, "spec": f"--to {t}", "params": A.params, "params_without_bn": A.params - A.bn,
         "macs": A.macs, "params_saved": B.params - A.params, "params_ratio": _ratio(A.params, B.params),
         "macs_saved": B.macs - A.macs, "macs_ratio": _ratio(A.macs, B.macs)},
    ]
    network = Table("network", "whole network, before and after", NETWORK_COLUMNS, network_rows)
    meta = {
        "command": "convert", "file": path, "to": str(t), "kept_stem": conv.kept_stem,
        "converted": [n for c in conv.changes for n in c.converted],
        "before": {"name": net.name, **B.as_dict()}, "after": {"name": after.network.name, **A.as_dict()},
    }
    return Report([layers, network], meta)


def _targets_help() -> str:
    return "\n".join(f"  {kind.usage(name):<22} {kind.help}" for name, kind in TARGETS.items())


@click.command(
    "convert",
    epilog="\b\nVariants (--to):\n" + _targets_help() + """

\b
Examples:
  liteconv convert conv_mobilenet --to separable                   # = MobileNetV1
  liteconv convert vgg16 --to grouped:4 --only 'conv[45]'
  liteconv convert resnet50 --to separable --only 'layer4.*'
  liteconv convert resnet50 --to spatial -o resnet50_spatial.yaml
  liteconv convert net.yaml --to lite -o - | liteconv network -

\b
Exit status: 0 success, 1 a problem with the spec or a layer the variant cannot take
(grouped:G where G does not divide its channels), 2 a usage error (an unknown variant,
a pattern that matches no convertible layer).""",
)
# readable=False: an unreadable spec is a problem with the input (exit 1), as a missing one is, not usage
@click.argument("spec", type=click.Path(allow_dash=True, readable=False), metavar="SPEC")
@click.option("--to", "target", type=TargetType(), required=True,
              help="The variant to use: " + ", ".join(k.usage(n) for n, k in TARGETS.items()) + ".")
@click.option("--only", multiple=True, metavar="PATTERN",
              help="Convert only the convolutions whose name matches this fnmatch pattern (full dotted name such "
                   "as layer3.conv2, or own name such as conv2); repeatable. Each pattern must match one.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None, metavar="FILE",
              help="Write the converted spec as YAML to FILE (atomically; `-` writes it to stdout instead of the "
                   "report).")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Format of the report: table, csv (the changed layers), json, markdown.")
def convert_command(spec: str, target: Target, only: tuple[str, ...], output: str | None, fmt: str) -> None:
    """Replace the standard convolutions of a network by a cheaper variant, and show the saving.

    SPEC is a YAML network spec (`-` reads stdin). Every `conv` layer with groups 1 and a
    kernel larger than 1x1 is replaced, nested in `block` and `branches` too; a `basic` or
    `bottleneck` block is expanded into the equivalent `block` of conv layers (same cost) so
    its KxK convolutions can be replaced. The first layer (the stem, on the input image) is
    kept unless --only names it. The report shows each changed layer and the whole network
    before and after; -o FILE writes the converted spec, which `liteconv network` reads.
    """
    from ..spec import load_spec

    net = load_spec(spec)
    before = walk(net)
    try:
        conversion = convert(net, target, only)
    except InvalidValue as e:
        if e.field == "only":
            raise click.BadParameter(f"{e.value!r} {e.reason}", param_hint="'--only'") from None
        raise
    try:
        after = walk(conversion.network)
    except LiteconvError as e:
        raise LiteconvError(f"cannot convert to {target}: {e}") from None
    if output is not None:
        from ..spec_dump import dump

        command = f"liteconv convert {spec} --to {target}" + "".join(f" --only '{p}'" for p in only)
        header = (f"Converted by `{command}`.\n"
                  f"params {before.total.params:,} -> {after.total.params:,}; "
                  f"MACs {before.total.macs:,} -> {after.total.macs:,}")
        text = dump(conversion.network, header=header)
        with open_output(output) as out:
            out.write(text)
        if output == "-":
            return
    emit(_report(spec, conversion, before, after), fmt, "-")
