"""Invariants over the WRITERS table: every writer handles every kind of table."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import pytest

from liteconv_cli.formats import WRITERS, Column, Report, Table, csv_safe

COLUMNS = [Column("name", "name", "text"), Column("macs", "MACs"), Column("ratio", "ratio", "ratio")]


def report(rows, totals=None):
    return Report([Table("t", "A title", COLUMNS, rows, totals=totals, notes=["a note"])], {"k": 1})


def render(fmt, rep):
    out = io.StringIO()
    WRITERS[fmt](rep, out, False)
    return out.getvalue()


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_writer_handles_an_empty_table(fmt):
    text = render(fmt, report([]))
    if fmt == "csv":
        assert text == "name,macs,ratio\n"
    elif fmt == "json":
        assert json.loads(text)["tables"]["t"]["rows"] == []
    else:
        assert "A title" in text


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_writer_streams_a_generator(fmt):
    rows = ({"name": f"l{i}", "macs": i * 1000, "ratio": Fraction(1, 3)} for i in range(3))
    text = render(fmt, report(rows))
    assert "l2" in text


def test_machine_formats_carry_raw_integers_and_no_markup():
    rows = [{"name": "[bold]x[/bold]", "macs": 1234567, "ratio": Fraction(1, 3)}]
    text = render("csv", report(rows))
    assert list(csv.reader(io.StringIO(text)))[1] == ["[bold]x[/bold]", "1234567", "0.333333"]
    doc = json.loads(render("json", report(rows, totals={"name": "total", "macs": 1234567})))
    assert doc["tables"]["t"]["rows"][0]["macs"] == 1234567
    assert doc["tables"]["t"]["totals"]["macs"] == 1234567
    assert doc["meta"] == {"k": 1}


def test_human_formats_use_separators_and_keep_markup_literal():
    rows = [{"name": "[bold]x[/bold]", "macs": 1234567, "ratio": Fraction(1, 3)}]
    for fmt in ("table", "markdown"):
        text = render(fmt, report(rows))
        assert "1,234,567" in text and "[bold]x[/bold]" in text and "0.3333" in text


@pytest.mark.parametrize(
    "cell, safe",
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("+1", "'+1"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("conv1", "conv1"),
    ],
)
def test_csv_injection_is_neutralised(cell, safe):
    assert csv_safe(cell) == safe
    text = render("csv", report([{"name": cell, "macs": -5, "ratio": None}]))
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[0] == safe.replace("\r", "\n") and row[1] == "-5"  # numbers stay numbers
