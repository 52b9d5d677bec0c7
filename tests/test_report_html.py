"""--format html (report_html): one self-contained file with tables, charts and a roofline.

Checked twice: parsed with the standard library (always), and rendered by headless
Chromium (Debian's ``chromium``; .ci/run installs it), whose DOM after load must hold every
layer row, the bar charts and the roofline points. Without a browser the rendering test is
skipped, and says why.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from liteconv_cli.engine.network import walk
from liteconv_cli.spec import load_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
V2 = str(CONFIGS / "mobilenet_v2.yaml")


class Census(HTMLParser):
    """Counts what matters in a page: rows per table, bars per chart, roofline points, external references."""

    def __init__(self) -> None:
        super().__init__()
        self.table: str | None = None
        self.section = ""
        self.rows: dict[str, int] = {}
        self.bars: dict[str, int] = {}
        self.points = 0
        self.external: list[str] = []
        self.scripts = self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("data-table") or ""
            self.rows.setdefault(self.table, 0)
        elif tag in ("thead", "tbody", "tfoot"):
            self.section = tag[1:]
        elif tag == "tr" and self.table is not None and self.section == "body":
            self.rows[self.table] += 1
        elif tag == "rect" and "bar" in (a.get("class") or ""):
            kind = (a.get("class") or "").split()[-1]
            self.bars[kind] = self.bars.get(kind, 0) + 1
        elif tag == "circle" and "point" in (a.get("class") or ""):
            self.points += 1
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key] or "")
        self.scripts += tag == "script"
        self.styles += tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.table, self.section = None, ""


def census(text: str) -> Census:
    c = Census()
    c.feed(text)
    return c


def test_report_is_self_contained_and_complete(run, tmp_path):
    out = tmp_path / "v2.html"
    r = run("network", V2, "--format", "html", "-o", str(out), "--device", "rpi4")
    assert r.exit_code == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    c = census(text)
    rows = walk(load_spec(V2)).rows
    assert c.rows["layers"] == len(rows)
    assert c.rows["breakdown"] == len({r.category for r in rows})
    with_values = [r for r in rows if r.cost.macs or r.cost.params or r.output.elements]
    assert c.bars["macs"] >= len(with_values) and c.bars["params"] == c.bars["memory"] == len(with_values)
    assert c.points == sum(1 for r in rows if r.cost.macs)  # every row that computes is on the roofline
    assert c.external == [] and c.scripts == 1 and c.styles == 1  # nothing fetched from elsewhere
    assert "http://" not in text and "https://" not in text


def test_compare_html_and_units_keep_raw_values_for_sorting(run, tmp_path):
    out = tmp_path / "layer.html"
    r = run("compare", "--cin", "64", "--cout", "128", "-k", "3", "--size", "56", "--format", "html", "-o", str(out),
            "--units")
    assert r.exit_code == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert census(text).rows["variants"] == 7
    # the standard variant: 128 x 56 x 56 x 64 x 9 MACs, shown as 231.2M, sorted by its raw value
    assert 'data-value="231211008">231.2M<' in text


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_mobilenet_v2_report_renders_in_headless_chromium(run, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no headless Chromium here (Debian: apt-get install -y chromium; .ci/run installs it)")
    out = tmp_path / "v2.html"
    assert run("network", V2, "--format", "html", "-o", str(out), "--device", "jetson-orin-nano",
               "--dtype", "fp16").exit_code == 0
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", out.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = census(done.stdout)
    rows = walk(load_spec(V2)).rows
    assert dom.rows["layers"] == len(rows)
    assert dom.bars["macs"] > 0 and dom.bars["params"] > 0 and dom.bars["memory"] > 0
    assert dom.points == sum(1 for r in rows if r.cost.macs)
    # the sorting script ran without breaking the page: the table is still whole after load
    assert done.stdout.count("<th") >= 10


def test_units_on_tables_for_people_only(run):
    t = run("network", V2, "--units")
    title, rest = t.stdout.split("\n", 1)
    assert t.exit_code == 0 and "300.8M" in rest and "300,774,272" not in rest
    csv = run("network", V2, "--units", "--format", "csv", "--summary")
    assert "300774272" in csv.stdout and "300.8M" not in csv.stdout
