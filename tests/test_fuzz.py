"""Property and fuzz tests over the command line and the spec loader.

The contract, for any arguments and any input: either a correct result (exit 0), or exactly
one line ``Error: ...`` on stderr with exit 1 (bad input) or 2 (bad usage) and nothing on
stdout; never a traceback, never a hang. Hypothesis runs derandomized (the same examples on
every run, so CI is reproducible) and the whole module takes well under a minute.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable
from fractions import Fraction

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from liteconv_cli import LiteconvError, SpecError, parse_spec, walk
from liteconv_cli.cli import cli
from liteconv_cli.formats import Column, Report, Table, _machine, write_csv

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def invoke(args: list[str], input: bytes | None = None):
    return CliRunner().invoke(cli, args, input=input, catch_exceptions=True)


def assert_contract(result, args) -> None:
    """A result, or one Error: line and exit 1/2 with stdout empty; never an unexpected exception."""
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (args, repr(exc))
    assert "Traceback" not in result.stderr, (args, result.stderr)
    if result.exit_code == 0:
        assert result.stdout, args
    else:
        assert result.exit_code in (1, 2), (args, result.exit_code)
        lines = result.stderr.splitlines()
        assert lines and all(line.startswith("Error: ") for line in lines), (args, result.stderr)
        if args[0] == "compare" or len(lines) == 1:
            assert len(lines) == 1, (args, result.stderr)
        if args[0] == "compare":
            assert result.stdout == "", (args, result.stdout)


# ------------------------------------------------------------------ compare: random arguments

NUMBERS = ["0", "1", "2", "3", "7", "8", "16", "64", "-1", "1.5", "x", "", " ", "1e3", "0x10", "10" * 15,
           "1:4", "2:8:2", "4:1", "1:4:0", "1:2:3:4", "3x5", "3x", "x3", "1,3", "1,,3", "3:5x3", "1,2:6:2",
           "99999999999999999999999999999999"]
OPTIONS = {
    "--cin": NUMBERS, "--cout": NUMBERS, "-k": NUMBERS, "--size": NUMBERS, "-H": NUMBERS, "-W": NUMBERS,
    "-s": NUMBERS, "-d": NUMBERS, "-g": NUMBERS, "-t": NUMBERS, "--depth-multiplier": NUMBERS,
    "-p": ["same", "valid", "SAME", "0", "1", "2x1", "-1", "x", "1x2x3", ""],
    "-v": ["standard", "grouped", "depthwise", "separable", "lite", "inverted_residual", "spatial", "nope"],
    "--dtype": ["fp32", "int8", "bf16", "fp64"],
    "--format": ["table", "csv", "json", "markdown", "xml"],
}
FLAGS = ["--bias", "--no-bias", "--bn", "--no-bn", "--stages", "--frobnicate", "-h"]


@st.composite
def compare_args(draw) -> list[str]:
    args = ["compare"]
    for name in draw(st.lists(st.sampled_from(sorted(OPTIONS) + FLAGS), max_size=8)):
        args.append(name)
        if name in OPTIONS:
            args.append(draw(st.sampled_from(OPTIONS[name])))
    # usually a complete layer, so that most examples get past the usage errors
    if draw(st.booleans()):
        args += ["--cin", draw(st.sampled_from(["8", "16", "1:3"])), "--cout", draw(st.sampled_from(["8", "24"]))]
    return args


@FUZZ
@given(compare_args())
def test_compare_with_random_arguments(args):
    assert_contract(invoke(args), args)


@FUZZ
@given(st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12), max_size=6))
def test_any_command_line_at_all(words):
    args = words if words and words[0] in ("compare", "network", "--help") else ["compare", *words]
    assert_contract(invoke(args), args)


@FUZZ
@given(st.integers(1, 10**40), st.integers(1, 10**40), st.sampled_from(["1", "3", "5", "1x7"]))
def test_compare_is_exact_for_any_channel_count(cin, cout, kernel):
    result = invoke(["compare", "--cin", str(cin), "--cout", str(cout), "-k", kernel, "-v", "standard",
                     "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    row = dict(zip(*[line.split(",") for line in result.stdout.splitlines()], strict=True))
    kh, _, kw = kernel.partition("x")
    assert int(row["weights"]) == cout * cin * int(kh) * int(kw or kh)
    assert int(row["params"]) == cout * cin * int(kh) * int(kw or kh) + cout


# ------------------------------------------------------------------ the spec loader: random documents

KEYS = ["name", "input", "layers", "kind", "out", "kernel", "stride", "padding", "repeat", "groups", "width",
        "resolution", "defaults", "bias", "batchnorm", "activation", "expansion", "se", "shortcut", "mid",
        "branches", "function", "mode", "global", "channel_rounding", "<<", "squeeze", "ratio", "output"]
KINDS = ["conv", "depthwise", "pointwise", "separable", "lite", "inverted_residual", "basic", "bottleneck", "fc",
         "pool", "se", "batchnorm", "activation", "flatten", "dropout", "shuffle", "identity", "block", "branches",
         "relu", "Conv"]
SCALARS = st.one_of(
    st.integers(-3, 300), st.sampled_from([0, 1, 3, 224, 10**30, -(10**30)]), st.floats(allow_nan=True),
    st.booleans(), st.none(), st.sampled_from(KINDS + ["same", "valid", "relu6", "floor", "identity", "max"]),
    st.text(max_size=8),
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=40,
)


@st.composite
def specs(draw) -> object:
    """Documents shaped like a spec (input + layers of known kinds) with random holes."""
    layer = st.fixed_dictionaries({"kind": st.sampled_from(KINDS)},
                                  optional={k: DOCS for k in KEYS[4:14] + ["layers", "branches"]})
    doc = draw(st.fixed_dictionaries(
        {"input": st.one_of(st.just([3, 32, 32]), DOCS), "layers": st.one_of(st.lists(layer, max_size=6), DOCS)},
        optional={k: DOCS for k in ("name", "width", "resolution", "defaults", "channel_rounding")},
    ))
    return doc


def _check_spec_text(text: str | bytes) -> None:
    try:
        net = parse_spec(text, source_name="fuzz.yaml")
    except SpecError as e:
        assert str(e).startswith("fuzz.yaml") and "\n" not in str(e).strip("\n"), str(e)
        return
    try:
        result = walk(net)
    except LiteconvError:
        return
    assert result.total.macs >= 0 and result.total.params >= 0


@FUZZ
@given(specs())
@example(doc={"input": [3, 32, 32], "layers": [{"kind": []}]})  # found by this test: was a TypeError
def test_spec_shaped_documents_load_or_fail_cleanly(doc):
    _check_spec_text(yaml.safe_dump(doc, sort_keys=False))


@FUZZ
@given(DOCS)
def test_any_yaml_document_loads_or_fails_cleanly(doc):
    _check_spec_text(yaml.safe_dump(doc))


YAMLISH = st.lists(st.sampled_from(list("abc-:[]{},&*!|>'\"#%@`?\n\t 0123456789.")
                                   + ["<<", "!!python/", "\u00e9", "\ufeff", "\x00", "input: ", "layers:\n"]),
                   max_size=60).map("".join)


@FUZZ
@given(st.one_of(YAMLISH, st.binary(max_size=200)))
def test_malformed_yaml_and_bytes_fail_cleanly(text):
    _check_spec_text(text)


@FUZZ
@given(st.one_of(YAMLISH, st.binary(max_size=100), specs().map(yaml.safe_dump)))
def test_network_command_on_random_stdin(data):
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    for fmt in ("csv", "table"):
        args = ["network", "-", "--format", fmt]
        result = invoke(args, input=raw)
        assert_contract(result, args)
        if result.exit_code != 0:
            assert result.stdout == ""


# ------------------------------------------------------------------ csv: fast path = csv.writer


CELLS = st.one_of(
    st.integers(), st.integers(-(10**40), 10**40), st.floats(), st.none(), st.booleans(),
    st.fractions(max_denominator=1000),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10),
    st.sampled_from(["=1+1", "+1", "-1", "@x", "\tx", "\rx", "a,b", 'a"b', "a\nb", "a\r\nb", "", " ", "'x"]),
)


@FUZZ
@given(st.integers(1, 6).flatmap(lambda n: st.lists(st.lists(CELLS, min_size=n, max_size=n), max_size=20)))
def test_csv_writer_writes_exactly_what_csv_writer_would(rows):
    n = len(rows[0]) if rows else 3
    keys = [f"c{i}" for i in range(n)]
    report = Report([Table("t", "t", [Column(k, k) for k in keys], [dict(zip(keys, r, strict=True)) for r in rows])])
    out = io.StringIO()
    write_csv(report, out)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(keys)
    for r in rows:
        writer.writerow([_machine(v) for v in r])
    assert out.getvalue() == expected.getvalue()
    # and what a spreadsheet reads back: no cell starts a formula, numbers stay numbers
    for line in list(csv.reader(io.StringIO(out.getvalue())))[1:]:
        for cell in line:
            assert cell[:1] not in ("=", "+", "@", "\t", "\r"), cell
            if cell.startswith("-"):
                float(cell)  # a negative number, not text


@FUZZ
@given(st.lists(st.integers(), max_size=30))
def test_csv_keeps_integers_raw(values):
    report = Report([Table("t", "t", [Column("a", "a"), Column("b", "b")], [{"a": v, "b": -v} for v in values])])
    out = io.StringIO()
    write_csv(report, out)
    assert out.getvalue().splitlines()[1:] == [f"{v},{-v}" for v in values]


def test_float_cells_match_six_significant_digits():
    for v in (0.1, 1 / 3, 1e-300, 1e300, math.inf, -math.inf, math.nan, -0.0, 123456789.0, Fraction(1, 3)):
        assert _machine(v) == f"{float(v):.6g}"


# ------------------------------------------------------------------ table: given widths = rich's own


def _rich_reference(report: Report, encoding: str = "utf-8", terminal: bool = False) -> str:
    """write_table as it was before it gave rich the column widths: rich measures every cell
    (the texts a table shows: non-printable characters escaped), on a console as wide as needed."""
    from rich.console import Console
    from rich.table import Table as RichTable

    from liteconv_cli.formats import _columns, _human, visible

    out = _Encoded(encoding)
    console = Console(file=out, color_system="standard" if terminal else None, no_color=None if terminal else True,
                      force_terminal=terminal or None, width=100_000, highlight=False, emoji=False, markup=False)
    for i, table in enumerate(report.tables):
        if i:
            console.print()
        columns = _columns(table, "human")
        console.print(visible(table.title))
        rt = RichTable(show_footer=table.totals is not None)
        for c in columns:
            footer = visible(_human(table.totals.get(c.key), c.kind)) if table.totals else ""
            rt.add_column(visible(c.header), justify="left" if c.kind == "text" else "right", footer=footer)
        for row in table.rows:
            rt.add_row(*(visible(_human(row.get(c.key), c.kind)) for c in columns), style=row.get("_style"))
        console.print(rt)
        for note in table.notes:
            console.print(visible(note), soft_wrap=True)
    return out.getvalue()


TEXT_CELLS = st.one_of(
    st.text(max_size=12), st.sampled_from(["", " ", "a\tb", "a\nb", "\u4e2d\u6587", "\U0001f600", "x" * 150]),
)


BY_KIND = {"text": st.one_of(TEXT_CELLS, st.none()), "int": st.one_of(st.integers(), st.none()),
           "ratio": st.one_of(st.floats(allow_nan=False), st.fractions(), st.none())}


class _Encoded(io.StringIO):
    """A text stream that declares an encoding, as sys.stdout does (rich and write_table read it)."""

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


@st.composite
def tables(draw) -> tuple[list[str], list[list[object]], bool]:
    kinds = draw(st.lists(st.sampled_from(sorted(BY_KIND)), min_size=1, max_size=5))
    rows = draw(st.lists(st.tuples(*(BY_KIND[k] for k in kinds)).map(list), max_size=8))
    return kinds, rows, draw(st.booleans())


@FUZZ
@given(tables(), st.booleans(), st.sampled_from(["utf-8", "ascii", "cp1252"]),
       st.sampled_from(["pipe", "rich", "terminal", "rich on a terminal"]), st.sampled_from([None, "bold", "dim"]))
def test_table_with_given_widths_is_the_table_rich_measures(spec, generator, encoding, path, style):
    """Every drawer (the direct one to a pipe and on a terminal with rich's styles, and rich
    given measured widths) writes what rich writes when it measures every cell itself; rows
    given as a generator are drawn all the same (they are read once), and an output that is
    not UTF gets rich's ASCII box."""
    from unittest import mock

    from liteconv_cli.formats import _prepare, _rich_table, write_table

    kinds, rows, with_totals = spec
    keys = [f"c{i}" for i in range(len(kinds))]
    columns = [Column(k, f"h{k}", kind) for k, kind in zip(keys, kinds, strict=True)]
    dict_rows = [{**dict(zip(keys, r, strict=True)), "_style": style if i % 2 else None} for i, r in enumerate(rows)]
    totals = dict(zip(keys, rows[0], strict=True)) if with_totals and rows else None

    def report(rows_given: Iterable[dict[str, object]]) -> Report:
        return Report([Table("t", "a title", columns, rows_given, totals=totals, notes=["a note"])])

    terminal = path in ("terminal", "rich on a terminal")
    out = _Encoded(encoding)
    drawn = report(iter(dict_rows) if generator else dict_rows)
    with mock.patch.dict(os.environ, {"COLUMNS": "100000", "TERM": "xterm-256color"}):
        if path.startswith("rich"):
            _rich_table([_prepare(t) for t in drawn.tables], out, terminal)
        else:
            write_table(drawn, out, terminal)
        expected = _rich_reference(report(dict_rows), encoding, terminal)
    assert out.getvalue() == expected
