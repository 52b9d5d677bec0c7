"""Output writers: one signature, one table of writers.

A :class:`Report` is a list of :class:`Table` values (columns + rows of plain values) and
a dict of metadata. Every writer takes ``(report, out, color)`` and writes text to ``out``.
csv and json are written with the standard library only, so no colour, markup, wrapping or
thousands separators can reach a spreadsheet or a script; rich is imported inside the
table writer alone, so ``--format csv`` never pays for it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple, TextIO

if TYPE_CHECKING:
    from fractions import Fraction

Row = Mapping[str, object]


class Column(NamedTuple):
    """A column: the row key it shows, its header, and its kind (int, text, ratio or percent)."""

    key: str
    header: str
    kind: str = "int"
    #: "both", or only "human" (table, markdown) or only "machine" (csv)
    show: str = "both"


class Table(NamedTuple):
    """One table of a report. ``rows`` may be a generator: csv and json stream it."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Iterable[Row]
    totals: Row | None = None
    notes: Sequence[str] = ()


class Report(NamedTuple):
    """What a command shows: its tables, and metadata for the json writer."""

    tables: list[Table]
    meta: Mapping[str, object] = {}


def _columns(table: Table, audience: str) -> list[Column]:
    return [c for c in table.columns if c.show in ("both", audience)]


# ------------------------------------------------------------------ cell values

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP: prefix a quote)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _ratio_text(value: object, digits: int = 4) -> str:
    if value is None:
        return ""
    return f"{float(value):.{digits}f}"  # type: ignore[arg-type]


def _machine(value: object) -> object:
    """A cell for csv: raw integers, ratios as decimals, empty for missing, text made safe."""
    if type(value) is int:
        return value
    if value is None:
        return ""
    if isinstance(value, float) or type(value).__name__ == "Fraction":
        return f"{float(value):.6g}"  # type: ignore[arg-type]
    if isinstance(value, bool) or isinstance(value, int):
        return value
    # a lone CR would go out unquoted (the line ends are "\n"): normalise it to a quoted newline
    return csv_safe(str(value)).replace("\r\n", "\n").replace("\r", "\n")


def _human(value: object, kind: str) -> str:
    """A cell for people: thousands separators, ratios to four places."""
    if value is None:
        return ""
    if kind == "percent":
        return f"{float(value) * 100:.2f}%"  # type: ignore[arg-type]
    if kind == "ratio" or isinstance(value, float) or type(value).__name__ == "Fraction":
        return _ratio_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _json_value(value: object) -> object:
    if type(value).__name__ == "Fraction":
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


# ------------------------------------------------------------------ the writers


def write_csv(report: Report, out: TextIO, color: bool = False) -> None:
    """CSV of the first table: a header row, then raw integers (streams the rows)."""
    table = report.tables[0]
    columns = _columns(table, "machine")
    writer = csv.writer(out, lineterminator="\n")
    keys = [c.key for c in columns]
    writer.writerow(keys)
    for row in table.rows:
        writer.writerow([v if type(v) is int else _machine(v) for v in map(row.get, keys)])


def write_json(report: Report, out: TextIO, color: bool = False) -> None:
    """JSON: {"meta": ..., "tables": {name: {"title", "rows", "totals", "notes"}}}, rows streamed."""
    import json
    out.write('{"meta": ' + json.dumps(_json_value(report.meta)) + ', "tables": {')
    for i, table in enumerate(report.tables):
        out.write(("" if i == 0 else ", ") + json.dumps(table.name) + ': {"title": ' + json.dumps(table.title))
        out.write(', "rows": [')
        for j, row in enumerate(table.rows):
            cells = {k: v for k, v in row.items() if not k.startswith("_")}
            out.write(("\n  " if j == 0 else ",\n  ") + json.dumps(_json_value(cells)))
        out.write('], "totals": ' + json.dumps(_json_value(dict(table.totals)) if table.totals else None))
        out.write(', "notes": ' + json.dumps(list(table.notes)) + "}")
    out.write("}}\n")


def write_markdown(report: Report, out: TextIO, color: bool = False) -> None:
    """GitHub-flavoured markdown tables, numbers right-aligned."""
    for i, table in enumerate(report.tables):
        if i:
            out.write("\n")
        columns = _columns(table, "human")
        out.write(f"### {table.title}\n\n")
        out.write("| " + " | ".join(c.header for c in columns) + " |\n")
        out.write("|" + "|".join("---" if c.kind == "text" else "---:" for c in columns) + "|\n")
        rows = list(table.rows) + ([table.totals] if table.totals else [])
        for row in rows:
            cells = [_human(row.get(c.key), c.kind).replace("|", "\\|") for c in columns]
            out.write("| " + " | ".join(cells) + " |\n")
        for note in table.notes:
            out.write(f"\n{note}\n")


def write_table(report: Report, out: TextIO, color: bool = False) -> None:
    """Tables for people, drawn by rich (imported here, and only here)."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(
        file=out,
        color_system="auto" if color else None,
        no_color=not color,
        force_terminal=color or None,
        width=None if color else 400,
        highlight=False,
        emoji=False,
        markup=False,
    )
    for i, table in enumerate(report.tables):
        if i:
            console.print()
        columns = _columns(table, "human")
        console.print(table.title)
        rt = RichTable(show_footer=table.totals is not None)
        for c in columns:
            footer = _human(table.totals.get(c.key), c.kind) if table.totals else ""
            rt.add_column(c.header, justify="left" if c.kind == "text" else "right", footer=footer)
        for row in table.rows:
            rt.add_row(*(_human(row.get(c.key), c.kind) for c in columns), style=row.get("_style"))  # type: ignore[arg-type]
        console.print(rt)
        for note in table.notes:
            console.print(note, soft_wrap=True)


Writer = Callable[[Report, TextIO, bool], None]

WRITERS: dict[str, Writer] = {
    "table": write_table,
    "csv": write_csv,
    "json": write_json,
    "markdown": write_markdown,
}
