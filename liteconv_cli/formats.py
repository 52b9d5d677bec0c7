"""Output writers: one signature, one table of writers.

A :class:`Report` is a list of :class:`Table` values (columns + rows of plain values) and
a dict of metadata. Every writer takes ``(report, out, color)`` and writes text to ``out``.
csv and json are written with the standard library only, so no colour, markup, wrapping or
thousands separators can reach a spreadsheet or a script; rich is imported inside the
table writer alone, so ``--format csv`` never pays for it.
"""


import csv
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, NamedTuple, TextIO

from .errors import LiteconvError

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
        Column("other", "other", show="machine"),  # LayerNorm/GroupNorm/InstanceNorm affine, layer scale
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


# ------------------------------------------------------------------ tables for people

#: rich's HEAVY_HEAD box (its Table's default) and its ASCII box, in rich's own layout: the lines
#: top, head, head row, mid, row, foot row, foot, bottom; on each: left, fill, divider, right
_HEAVY_HEAD = ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "├─┼┤", "│ ││", "└─┴┘")
_ASCII = ("+--+", "| ||", "|-+|", "| ||", "|-+|", "|-+|", "| ||", "+--+")


def _ascii_only(out: TextIO) -> bool:
    """Whether ``out`` cannot take box drawing characters; rich's rule (an encoding not utf-*)."""
    return not (getattr(out, "encoding", None) or "utf-8").lower().startswith("utf")


class _Drawn(NamedTuple):
    """A table ready to draw: every cell as the text shown, every row read (once)."""

    title: str
    keys: list[str]
    headers: list[str]
    justify: list[str]
    rows: list[list[str]]
    styles: list[Any]
    footers: list[str] | None
    notes: list[str]


def visible(text: str) -> str:
    """``text`` as a table for people shows it: each character that is not printable (ESC, NUL,
    CR, LF, TAB, ...) written as its Python escape (``\\x1b``), so that no cell can move the
    cursor, recolour the terminal or break the table's lines. Printable text is returned as is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _prepare(table: Table) -> _Drawn:
    """Read a table's rows, once (they may be a generator), into the texts a table shows."""
    columns = _columns(table, "human")
    rows: list[list[str]] = []
    styles: list[Any] = []
    for row in table.rows:
        cells = [_human(row.get(c.key), c.kind) for c in columns]
        if not "".join(cells).isprintable():
            cells = [visible(cell) for cell in cells]
        rows.append(cells)
        styles.append(row.get("_style"))
    footers = [visible(_human(table.totals.get(c.key), c.kind)) for c in columns] if table.totals else None
    return _Drawn(visible(table.title), [c.key for c in columns], [visible(c.header) for c in columns],
                  ["left" if c.kind == "text" else "right" for c in columns], rows, styles, footers,
                  [visible(note) for note in table.notes])


#: SGR codes of the row styles a table may carry; rich draws headers and footers bold
_SGR: dict[Any, str] = {None: "", "bold": "1", "dim": "2"}


def _plain_lines(table: _Drawn, box: tuple[str, ...], styled: bool = False) -> list[str] | None:
    """The lines rich draws for this table at its natural width (one space of padding), or None
    when rich must draw it: a cell that is not ASCII (rich measures wide characters). ``styled``:
    as rich draws them on a terminal, header and footer bold and each row in its style (each
    cell's padding and text wrapped in SGR codes as rich writes them); None for a style other
    than bold or dim. tests/test_fuzz.py checks that the two draw the same characters.
    """
    headers, justify, rows, footers = table.headers, table.justify, table.rows, table.footers
    cells = [headers, *rows, *([footers] if footers is not None else [])]
    if not all(cell.isascii() for line in cells for cell in line):
        return None
    widths = [max(map(len, column)) for column in zip(*cells, strict=True)]
    if styled and (0 in widths or not all(style in _SGR for style in table.styles)):
        return None

    def rule(edge: str) -> str:
        left, fill, mid, right = edge[0], edge[1], edge[2], edge[3]
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def line(values: list[str], edge: str, sgr: str = "") -> str:
        left, mid, right = edge[0], edge[2], edge[3]
        padded = (v.ljust(w) if j == "left" else v.rjust(w) for v, w, j in zip(values, widths, justify, strict=True))
        if not sgr:
            return left + mid.join(f" {v} " for v in padded) + right
        on, off = f"\x1b[{sgr}m", "\x1b[0m"
        return left + mid.join(f"{on} {off}{on}{v}{off}{on} {off}" for v in padded) + right

    bold = "1" if styled else ""
    top, head, head_row, mid, _, foot_row, foot, bottom = box
    lines = [rule(top), line(headers, head, bold), rule(head_row)]
    if styled:
        lines += [line(r, mid, _SGR[style]) for r, style in zip(rows, table.styles, strict=True)]
    else:
        lines += [line(r, mid) for r in rows]
    if footers is not None:
        lines += [rule(foot_row), line(footers, foot, bold)]
    lines.append(rule(bottom))
    return lines


def _drawn_directly(tables: list[_Drawn], box: tuple[str, ...], room: int | None) -> str | None:
    """The text rich would write for these tables, drawn here (``room``: on a terminal that
    wide, styled as rich styles it and cut into the same groups of columns; None: a file or a
    pipe), or None when rich must draw them: a cell, title or note that is not ASCII, a title
    rich would wrap, a column to fold. Raises TableTooWide as _rich_table does."""
    parts: list[str] = []
    for i, table in enumerate(tables):
        if not _plain_text(table.title, _WIDTH if room is None else room) or not all(
            note.isascii() for note in table.notes
        ):
            return None
        groups: list[tuple[list[int], int | None]] = [(list(range(len(table.headers))), None)]
        if room is not None:
            lines = [table.headers, *table.rows, *([table.footers] if table.footers is not None else [])]
            if not all(cell.isascii() for line in lines for cell in line):
                return None
            groups = _column_groups(table, [max(map(len, column)) for column in zip(*lines, strict=True)], room)
        parts.append(("\n" if i else "") + table.title + "\n")
        for g, (columns, fold) in enumerate(groups):
            drawn = _plain_lines(_subset(table, columns) if len(groups) > 1 else table, box, room is not None)
            if drawn is None or fold is not None:
                return None
            parts.append(("\n" if g else "") + "\n".join(drawn) + "\n")
        parts += [note + "\n" for note in table.notes]  # printed by rich with soft_wrap: as it is
    return "".join(parts)


def _subset(table: _Drawn, columns: list[int]) -> _Drawn:
    """The table with only these columns (a group of columns of a table wider than the terminal)."""
    def pick(cells: list[str]) -> list[str]:
        return [cells[j] for j in columns]

    return table._replace(keys=pick(table.keys), headers=pick(table.headers), justify=pick(table.justify),
                          rows=[pick(r) for r in table.rows],
                          footers=pick(table.footers) if table.footers is not None else None)


def _terminal_width() -> int:
    """The terminal's width in cells, as rich finds it: the first of stdin, stdout and stderr
    that is a terminal, COLUMNS when set, else 80."""
    width = 0
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
            break
        except (AttributeError, ValueError, OSError):
            continue
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else width or 80


def _plain_text(text: str, room: int) -> bool:
    """Whether rich would print ``text`` as it is (no wide characters, fits in ``room``)."""
    return text.isascii() and len(text) <= room


def _for_people(out: TextIO) -> None:
    """Let a stream whose encoding is not UTF (PYTHONIOENCODING=ascii, cp1252) replace with '?'
    the characters it cannot write, instead of failing: tables and charts are for reading."""
    if _ascii_only(out) and hasattr(out, "reconfigure"):
        out.reconfigure(errors="replace")


def write_table(report: Report, out: TextIO, color: bool = False) -> None:
    """Tables for people. ``color`` means ``out`` is a terminal: tables are drawn there at the
    terminal's width (a wider table is split into groups of columns, see _column_groups), in
    colour unless NO_COLOR is set. Elsewhere (a file, a pipe) a table is drawn at its natural
    width, never wrapped. When every cell is ASCII and the tables fit, the characters (and on a
    terminal the styles) rich would write are written directly (_drawn_directly): a
    millisecond instead of 40 to 70, and rich is not imported.

    Each table's rows are read once, before anything is drawn. On an output whose encoding is
    not UTF the boxes are ASCII (as rich draws them) and unwritable characters become '?'.
    Raises TableTooWide (nothing written) when a column cannot fit the terminal.
    """
    _for_people(out)
    tables = [_prepare(t) for t in report.tables]
    box = _ASCII if _ascii_only(out) else _HEAVY_HEAD
    room = None
    if color:
        if os.environ.get("TERM", "").lower() in ("dumb", "unknown"):  # rich writes no styles there
            return _rich_table(tables, out, color)
        room = _terminal_width()
    text = _drawn_directly(tables, box, room)
    if text is None:
        return _rich_table(tables, out, color)
    out.write(text)
    return None


class TableTooWide(LiteconvError):
    """A column of a table is wider than the terminal: nothing is drawn (exit status 1)."""


def _column_groups(table: _Drawn, widths: list[int], room: int | None) -> list[tuple[list[int], int | None]]:
    """How to draw ``table``, whose columns have natural ``widths``, within ``room`` cells (None:
    any width): groups of column indices, each drawn as one table, and the width to fold the
    group's last column to (a text column too wide for the room; None: no folding).

    A table that fits is one group. A wider one is cut into groups of consecutive columns, as
    many as fit, each repeating the row's labels (_labels: network, # and name, or variant), so
    that every row is drawn whole in each group and can be followed across groups. A text
    column too wide even alone is folded by rich; a number column never is (TableTooWide).
    """
    total = sum(widths) + 3 * len(widths) + 1
    if room is None or total <= room:
        return [(list(range(len(widths))), None)]
    labels = _labels(table, widths, room)
    used = 1 + sum(widths[k] + 3 for k in labels)
    groups: list[list[int]] = []
    current: list[int] = []
    for j in range(len(labels), len(widths)):
        if current and used + sum(widths[k] + 3 for k in current) + widths[j] + 3 > room:
            groups.append(labels + current)
            current = []
        current.append(j)
    groups.append(labels + current)
    drawn: list[tuple[list[int], int | None]] = []
    for columns in groups:
        if sum(widths[k] + 3 for k in columns) + 1 <= room:
            drawn.append((columns, None))
            continue
        j = columns[-1]  # alone after the labels, and too wide with them
        beside = room - sum(widths[k] + 3 for k in columns[:-1]) - 4  # what the labels leave it
        if table.justify[j] == "left" and len(columns) > 1 and beside >= _MIN_FOLD * 2:
            drawn.append((columns, beside))  # a text column folds beside the labels, so rows stay labelled
        elif widths[j] + 4 <= room:
            drawn.append(([j], None))
        elif table.justify[j] == "left" and room >= 4 + _MIN_FOLD:
            drawn.append(([j], room - 4))
        else:
            raise TableTooWide(
                f"the terminal is {room} columns wide, and the column {table.headers[j]!r} of "
                f"{table.title!r} needs {widths[j] + 4}: widen the terminal, or use --format csv or markdown")
    return drawn


#: keys of the column that names a row, best first: a wide table repeats the columns up to it
_ROW_NAMES = ("stage", "name", "variant", "resolution", "network", "convention", "category", "spec", "figure",
              "term")


def _labels(table: _Drawn, widths: list[int], room: int) -> list[int]:
    """The columns a wide table repeats in each group of columns: the leading ones up to the
    column that names the row (_ROW_NAMES) if they take at most 3/5 of the room, else the
    leading text columns that fit in a third of it."""
    keys = table.keys
    end = next((keys.index(k) for k in _ROW_NAMES if k in keys), None)
    if end is not None and end < len(keys) - 1 and sum(w + 3 for w in widths[:end + 1]) + 1 <= room * 3 // 5:
        return list(range(end + 1))
    labels: list[int] = []
    used = 1
    for j, w in enumerate(widths[:-1]):
        if table.justify[j] != "left" or used + w + 3 > room // 3:
            break
        labels.append(j)
        used += w + 3
    return labels


#: the narrowest a text column is folded to (below it, the table is not drawn)
_MIN_FOLD = 6


def _rich_table(tables: list[_Drawn], out: TextIO, color: bool) -> None:
    """Tables drawn by rich (imported here, and only here); see write_table."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table as RichTable

    measured = []
    for t in tables:
        lines = [t.headers, *t.rows, *([t.footers] if t.footers is not None else [])]
        # each column's width, measured once here: rich would measure every cell again
        measured.append([max(map(cell_len, column)) for column in zip(*lines, strict=True)])
    natural = max((sum(w) + 3 * len(w) + 1 for w in measured), default=0)
    console = Console(
        file=out,
        color_system="auto" if color else None,
        no_color=None if color else True,  # None: rich honours NO_COLOR
        force_terminal=color or None,
        width=None if color else max(_WIDTH, natural),  # not a terminal: never squeezed
        highlight=False,
        emoji=False,
        markup=False,
    )
    room = console.width if color else None
    # every table laid out before the first is drawn: one that cannot be drawn leaves no output
    layouts = [_column_groups(t, w, room) for t, w in zip(tables, measured, strict=True)]
    for i, (table, widths, groups) in enumerate(zip(tables, measured, layouts, strict=True)):
        if i:
            console.print()
        console.print(table.title)
        for g, (columns, fold) in enumerate(groups):
            if g:
                console.print()
            rt = RichTable(show_footer=table.footers is not None)
            for j in columns:
                rt.add_column(table.headers[j], justify=table.justify[j],  # type: ignore[arg-type]
                              footer=table.footers[j] if table.footers is not None else "",
                              width=fold if fold and j == columns[-1] else widths[j],
                              overflow="fold" if fold and j == columns[-1] else "ellipsis",
                              no_wrap=not (fold and j == columns[-1]))
            for cells, style in zip(table.rows, table.styles, strict=True):
                rt.add_row(*(cells[j] for j in columns), style=style)
            console.print(rt)
        for note in table.notes:
            console.print(note, soft_wrap=True)


#: the narrowest rich is given for output that is not a terminal (titles and notes wrap there)
_WIDTH = 400


@contextmanager
def check_encodable(out: TextIO) -> Iterator[None]:
    """Turn a character the output's encoding cannot write (csv or markdown on a stdout with
    PYTHONIOENCODING=ascii, or cp1252 on Windows) into one LiteconvError naming it."""
    try:
        yield
    except UnicodeEncodeError as e:
        bad = e.object[e.start:e.end]
        raise LiteconvError(f"the output's encoding ({getattr(out, 'encoding', e.encoding)}) cannot write {bad!r}: "
                            "set PYTHONIOENCODING=utf-8, or write a UTF-8 file with -o FILE") from None


Writer = Callable[[Report, TextIO, bool], None]

def _write_html(report: Report, out: TextIO, color: bool = False) -> None:
    """The self-contained HTML report (liteconv_cli/report_html.py, imported only when asked for)."""
    from .report_html import write_html

    write_html(report, out, color)


WRITERS: dict[str, Writer] = {
    "table": write_table,
    "csv": write_csv,
    "json": write_json,
    "markdown": write_markdown,
    "html": _write_html,
}
