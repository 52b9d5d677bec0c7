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
from operator import itemgetter
from typing import Any, NamedTuple, TextIO

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


def cost_columns(flops: str = "both") -> list[Column]:
    """Columns for every term of a Cost (keys of ``Cost.as_dict``): people see params and MACs."""
    return [
        Column("weights", "weights", show="machine"),
        Column("bias", "bias", show="machine"),
        Column("bn", "bn", show="machine"),
        Column("params", "params"),
        Column("macs", "MACs"),
        Column("bias_adds", "bias_adds", show="machine"),
        Column("bn_elements", "bn_elements", show="machine"),
        Column("elementwise", "elementwise", show="machine"),
        Column("flops", "FLOPs", show=flops),
    ]


def _columns(table: Table, audience: str) -> list[Column]:
    return [c for c in table.columns if c.show in ("both", audience)]


# ------------------------------------------------------------------ cell values

#: OWASP's list: a cell starting with one of these is run as a formula by some spreadsheet
_FORMULA_START = frozenset("=+-@\t\r")


def csv_safe(text: str) -> str:
    """Neutralise a text cell a spreadsheet would run as a formula (OWASP: prefix a quote)."""
    return "'" + text if text[:1] in _FORMULA_START else text


def _ratio_text(value: object, digits: int = 4) -> str:
    if value is None:
        return ""
    return f"{float(value):.{digits}f}"  # type: ignore[arg-type]


#: a ratio's csv cell: six significant digits
_RATIO_FORMAT = "%.6g"
_ratio_cell = _RATIO_FORMAT.__mod__


def _machine(value: object) -> object:
    """A cell for csv: raw integers, ratios as decimals, empty for missing, text made safe."""
    kind = type(value)
    if kind is int:
        return value
    if kind is str:
        text = csv_safe(value)  # type: ignore[arg-type]
        # a lone CR would go out unquoted (the line ends are "\n"): normalise it to a quoted newline
        return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    if value is None:
        return ""
    if kind is float:
        return _ratio_cell(value)
    if kind.__name__ == "Fraction":
        return _ratio_cell(float(value))  # type: ignore[arg-type]
    if isinstance(value, int):  # bool and other int subclasses
        return value
    return _machine(str(value))


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


#: rows gathered before one write: stdout may be unbuffered (PYTHONUNBUFFERED), a write per row is slow
_BATCH = 512


def _quote(text: str) -> str:
    """A csv field as csv.writer writes it (QUOTE_MINIMAL, ',' and '"', line end '\\n')."""
    if "," in text or '"' in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_field(value: object) -> object:
    """_machine's cell, quoted when it is text; formatted with %s it is what csv.writer writes."""
    cell = _machine(value)
    return _quote(cell) if type(cell) is str else cell


class _TextFields(dict[str, object]):
    """The csv fields of text cells already seen (a sweep repeats a few labels), each made once."""

    def __missing__(self, text: str) -> object:
        field = _csv_field(text)
        if len(self) < 4096:
            self[text] = field
        return field


class _CsvPlan(NamedTuple):
    """How to write a row whose cells have given types: one %-format, and the cells to convert first."""

    line: str  # "%.6g" for a float, "%s" for the rest
    convert: list[tuple[int, Callable[[object], object]]]  # (position, to a field) of every cell but numbers


def _csv_plan(types: tuple[type, ...], text_field: Callable[[Any], object]) -> _CsvPlan:
    fields: list[str] = []
    convert: list[tuple[int, Callable[[object], object]]] = []
    for i, kind in enumerate(types):
        fields.append(_RATIO_FORMAT if kind is float else "%s")
        if kind is str:
            convert.append((i, text_field))
        elif kind is type(None):  # missing: an empty field ("".format(None) is "", a C call)
            convert.append((i, "".format))
        elif kind is not int and kind is not float:
            convert.append((i, _csv_field))
    return _CsvPlan(",".join(fields) + "\n", convert)


def write_csv(report: Report, out: TextIO, color: bool = False) -> None:
    """CSV of the first table: a header row, then raw integers (streams the rows)."""
    table = report.tables[0]
    keys = [c.key for c in _columns(table, "machine")]
    if len(keys) < 2:  # csv.writer's own rules for a one-cell row (an empty cell is written "")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(keys)
        for row in table.rows:
            writer.writerow([_machine(row.get(k)) for k in keys])
        return
    # The hot loop of a streamed sweep. A row is written as one %-format, planned once for each
    # combination of cell types (a sweep has one or two): integers and floats are formatted by
    # it, every other cell is converted first, text once per distinct value. The line is exactly
    # what csv.writer would write from _machine's cells (tests/test_fuzz.py checks it), in
    # half the time.
    out.write(",".join(map(_quote, keys)) + "\n")
    cells = itemgetter(*keys)
    text_field = _TextFields().__getitem__
    plans: dict[tuple[type, ...], _CsvPlan] = {}
    batch: list[str] = []
    for row in table.rows:
        try:
            values = cells(row)
        except KeyError:  # a row that lacks a key
            values = tuple(map(row.get, keys))
        types = tuple(map(type, values))
        plan = plans.get(types)
        if plan is None:
            plan = _csv_plan(types, text_field)
            if len(plans) < 256:
                plans[types] = plan
        line, convert = plan
        if convert:
            fields = list(values)
            for i, to_field in convert:
                fields[i] = to_field(fields[i])
            values = tuple(fields)
        batch.append(line % values)
        if len(batch) == _BATCH:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))


def write_json(report: Report, out: TextIO, color: bool = False) -> None:
    """JSON: {"meta": ..., "tables": {name: {"title", "rows", "totals", "notes"}}}, rows streamed."""
    import json
    out.write('{"meta": ' + json.dumps(_json_value(report.meta)) + ', "tables": {')
    for i, table in enumerate(report.tables):
        out.write(("" if i == 0 else ", ") + json.dumps(table.name) + ': {"title": ' + json.dumps(table.title))
        out.write(', "rows": [')
        batch: list[str] = []
        for j, row in enumerate(table.rows):
            cells = {k: v for k, v in row.items() if not k.startswith("_")}
            batch.append(("\n  " if j == 0 else ",\n  ") + json.dumps(_json_value(cells)))
            if len(batch) == _BATCH:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
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


def _plain_lines(headers: list[str], justify: list[str], rows: list[list[str]], footers: list[str] | None,
                 room: int) -> list[str] | None:
    """The lines rich draws for this table without colour (box HEAVY_HEAD, one space of
    padding), or None when rich must draw it: a cell that is not printable ASCII (rich
    measures wide characters, expands tabs, wraps lines), or a table wider than ``room``.
    tests/test_fuzz.py checks that the two draw the same characters.
    """
    cells = [headers, *rows, *([footers] if footers is not None else [])]
    if not all(cell.isascii() and cell.isprintable() for line in cells for cell in line):
        return None
    widths = [max(map(len, column)) for column in zip(*cells, strict=True)]
    if sum(widths) + 3 * len(widths) + 1 > room:
        return None

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def line(values: list[str], bar: str) -> str:
        padded = (v.ljust(w) if j == "left" else v.rjust(w) for v, w, j in zip(values, widths, justify, strict=True))
        return bar + bar.join(f" {v} " for v in padded) + bar

    lines = [rule("┏", "━", "┳", "┓"), line(headers, "┃"), rule("┡", "━", "╇", "┩")]
    lines += [line(r, "│") for r in rows]
    if footers is not None:
        lines += [rule("├", "─", "┼", "┤"), line(footers, "│")]
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _plain_text(text: str, room: int) -> bool:
    """Whether rich would print ``text`` as it is (no markup, emoji or highlighting: printable, fits)."""
    return text.isascii() and text.isprintable() and len(text) <= room


def write_table(report: Report, out: TextIO, color: bool = False) -> None:
    """Tables for people, drawn by rich (imported here, and only here).

    Without colour (output to a file or a pipe) and when every cell is printable ASCII, the
    characters rich would draw are written directly (``_plain_lines``): a long table then
    takes a millisecond instead of 40, and rich is not even imported.
    """
    plain: list[tuple[str, list[str], list[str]]] = []  # each table: title, its lines, notes
    for table in report.tables:
        columns = _columns(table, "human")
        rows = [[_human(row.get(c.key), c.kind) for c in columns] for row in table.rows]
        footers = [_human(table.totals.get(c.key), c.kind) for c in columns] if table.totals else None
        justify = ["left" if c.kind == "text" else "right" for c in columns]
        lines = None if color else _plain_lines([c.header for c in columns], justify, rows, footers, _WIDTH)
        if lines is None or not _plain_text(table.title, _WIDTH) or not all(
            _plain_text(note, len(note)) for note in table.notes
        ):
            return _rich_table(report, out, color)
        plain.append((table.title, lines, list(table.notes)))
    for i, (title, lines, notes) in enumerate(plain):
        out.write(("\n" if i else "") + title + "\n" + "\n".join(lines) + "\n")
        for note in notes:  # printed by rich with soft_wrap: as it is
            out.write(note + "\n")


def _rich_table(report: Report, out: TextIO, color: bool) -> None:
    """Tables drawn by rich (imported here, and only here)."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(
        file=out,
        color_system="auto" if color else None,
        no_color=None if color else True,  # None: rich honours NO_COLOR
        force_terminal=color or None,
        width=None if color else _WIDTH,
        highlight=False,
        emoji=False,
        markup=False,
    )
    for i, table in enumerate(report.tables):
        if i:
            console.print()
        columns = _columns(table, "human")
        console.print(table.title)
        rows = [([_human(row.get(c.key), c.kind) for c in columns], row.get("_style")) for row in table.rows]
        footers = [_human(table.totals.get(c.key), c.kind) if table.totals else "" for c in columns]
        # Each column's width, measured once here: rich would measure every cell again. Given
        # only when the table fits, so that a narrow terminal still gets rich's wrapping.
        widths: list[int | None] = [
            max(cell_len(c.header), cell_len(f), *(cell_len(r[j]) for r, _ in rows))
            for j, (c, f) in enumerate(zip(columns, footers, strict=True))
        ]
        printable = all(cell.isprintable() for r, _ in rows for cell in r) and all(f.isprintable() for f in footers)
        if not printable or sum(widths) + 3 * len(widths) + 1 > console.width:  # type: ignore[arg-type]
            widths = [None] * len(columns)  # control characters, wrapping: rich's own measure
        rt = RichTable(show_footer=table.totals is not None)
        for c, footer, width in zip(columns, footers, widths, strict=True):
            rt.add_column(c.header, justify="left" if c.kind == "text" else "right", footer=footer, width=width)
        for cells, style in rows:
            rt.add_row(*cells, style=style)  # type: ignore[arg-type]
        console.print(rt)
        for note in table.notes:
            console.print(note, soft_wrap=True)


#: the width rich is given for output that is not a terminal
_WIDTH = 400


Writer = Callable[[Report, TextIO, bool], None]

WRITERS: dict[str, Writer] = {
    "table": write_table,
    "csv": write_csv,
    "json": write_json,
    "markdown": write_markdown,
}
