"""``liteconv models``: the built-in networks, from the catalogue (``configs/index.json``).

Reads the catalogue only: no spec is parsed and the engine is not imported, so listing the
zoo costs one small JSON file (docs/spec.md, "Built-in networks").
"""

from __future__ import annotations

import fnmatch

import click

from ..errors import LiteconvError
from ..formats import Column, Report, Table
from . import emit, output_options

COLUMNS = [
    Column("name", "name", "text"),
    Column("family", "family", "text"),
    Column("title", "network", "text", show="machine"),
    Column("input", "input", "text"),
    Column("output", "output", "text", show="machine"),
    Column("params", "params"),
    Column("macs", "MACs"),
    Column("source", "source", "text"),
    Column("file", "file", "text", show="machine"),
    Column("variant", "variant", "text", show="machine"),
]

NOTE = (
    "params (weights + bias + BatchNorm) and MACs (convolutions and FC, bias excluded) at each network's own input. "
    "Use a name wherever a spec file goes: liteconv network NAME; liteconv show NAME prints its spec."
)


def matches(entry: dict[str, object], pattern: str) -> bool:
    """Whether a catalogue entry matches FILTER: a shell pattern (``resnet*``, ``*_bn``) when it
    has ``*?[``, else a case-insensitive substring of the name, the family or the title."""
    p = pattern.lower()
    fields = [str(entry.get(k) or "").lower() for k in ("name", "family", "title")]
    if any(c in p for c in "*?["):
        return any(fnmatch.fnmatchcase(f, p) for f in fields)
    return any(p in f for f in fields)


@click.command(
    "models",
    epilog="""\b
Examples:
  liteconv models
  liteconv models resnet
  liteconv models 'efficientnet_b*' --format csv
  liteconv models --format json -o zoo.json

\b
Exit status: 0 success, 1 no built-in network matches FILTER, 2 a usage error.""",
)
@click.argument("pattern", required=False, metavar="[FILTER]")
@output_options
def models(pattern: str | None, fmt: str, output: str) -> None:
    """List the built-in networks: name, family, input, params, MACs and source.

    Every name works where a spec file does (liteconv network resnet50, sweep, convert,
    load_spec("resnet50") in Python); `liteconv show NAME` prints the spec to copy and edit.
    FILTER keeps the networks whose name, family or title contains it (case-insensitive), or
    matches it as a shell pattern when it has * ? or [.
    """
    from .. import zoo

    entries = zoo.catalogue()
    if pattern is not None:
        entries = [e for e in entries if matches(e, pattern)]
        if not entries:
            raise LiteconvError(f"no built-in network matches {pattern!r}{zoo.suggest(pattern)}; "
                                "`liteconv models` lists them all")
    title = f"{len(entries)} built-in networks" + (f" matching {pattern!r}" if pattern is not None else "")
    table = Table("models", title, COLUMNS, entries, notes=[NOTE])
    emit(Report([table], {"command": "models", "filter": pattern, "count": len(entries)}), fmt, output)
