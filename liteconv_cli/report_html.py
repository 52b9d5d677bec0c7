"""``--format html``: one self-contained report file, to open in a browser or attach to a pull request.

Everything is inline (CSS, SVG charts, a few lines of script to sort the tables): the file
needs no network access. It shows every table of the report (the per-layer table sortable by
any column: click a header), and, from the per-layer table, bar charts of each layer's MACs,
params and output memory, a bar of the breakdown by category, and the roofline plot when the
report was made for a device (``--device``). Values are written twice: as people read them in
the cell, and raw in ``data-value`` for sorting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, TextIO

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em;color:#1d1d1f;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #d0d0d7;padding:.2em .5em;white-space:nowrap}
th{background:#f0f0f5;cursor:pointer;user-select:none}th.sorted-asc::after{content:" \\25B2"}
th.sorted-desc::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:bold;background:#fafafa}
p.note{color:#555;font-size:.85em;max-width:60em}
.charts{display:flex;flex-wrap:wrap;gap:2em}
svg text{font-size:11px;fill:#333}svg .bar{fill:#4a7bd0}svg .bar.params{fill:#c0508a}
svg .bar.memory{fill:#3a9a6a}svg .roof{stroke:#c03030;stroke-width:2;fill:none}
svg .point{fill:#4a7bd0;fill-opacity:.7}svg .point.memory{fill:#e08a1e}svg .axis{stroke:#888}
svg .grid{stroke:#eee}
"""

SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = !th.classList.contains("sorted-asc");
      table.querySelectorAll("thead th").forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
      th.classList.add(asc ? "sorted-asc" : "sorted-desc");
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-value"), y = b.cells[col].getAttribute("data-value");
        var nx = parseFloat(x), ny = parseFloat(y), r;
        if (!isNaN(nx) && !isNaN(ny)) { r = nx - ny; } else { r = String(x).localeCompare(String(y)); }
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _cell(value: Any, kind: str) -> str:
    """A value for people (the table writers' conventions)."""
    if value is None:
        return ""
    if kind == "percent" and isinstance(value, int | float):
        return f"{float(value) * 100:.2f}%"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float) or type(value).__name__ == "Fraction":
        return f"{float(value):.4f}"
    return str(value)


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float) or type(value).__name__ == "Fraction":
        return repr(float(value)) if not isinstance(value, int) else str(value)
    return str(value)


def _human_columns(table: Any) -> list[Any]:
    return [c for c in table.columns if getattr(c, "show", "both") in ("both", "human")]


def _table_html(table: Any, rows: Sequence[Mapping[str, Any]]) -> str:
    columns = _human_columns(table)
    parts = [f'<section id="{escape(table.name)}"><h2>{escape(table.title)}</h2>',
             f'<table class="sortable" data-table="{escape(table.name)}"><thead><tr>']
    parts += [f'<th data-key="{escape(c.key)}">{escape(c.header)}</th>' for c in columns]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for c in columns:
            v = row.get(c.key)
            cls = ' class="num"' if c.kind != "text" else ""
            raw = row.get("_raw_" + c.key, v)
            cells.append(f'<td{cls} data-value="{escape(_raw(raw))}">{escape(_cell(v, c.kind))}</td>')
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody>")
    if table.totals:
        parts.append("<tfoot><tr>" + "".join(
            f'<td{" class=num" if c.kind != "text" else ""}>{escape(_cell(table.totals.get(c.key), c.kind))}</td>'
            for c in columns) + "</tr></tfoot>")
    parts.append("</table>")
    parts += [f'<p class="note">{escape(n)}</p>' for n in table.notes]
    parts.append("</section>")
    return "".join(parts)


def _number(v: Any) -> float:
    try:
        return float(v) if v is not None and v != "" else 0.0
    except (TypeError, ValueError):
        return 0.0


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float], css: str, unit: str = "") -> str:
    """A horizontal bar chart as inline SVG: one bar per label, scaled to the largest value."""
    top = max(values, default=0.0) or 1.0
    label_w, bar_w, h = 210, 260, 14
    height = 24 + h * len(labels) + 6
    parts = [f'<svg class="chart" data-chart="{escape(css)}" width="{label_w + bar_w + 90}" height="{height}" '
             f'role="img" aria-label="{escape(title)}"><text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        y = 22 + i * h
        w = bar_w * v / top
        short = label if len(label) <= 32 else label[:31] + "\u2026"
        parts.append(f'<text x="{label_w - 4}" y="{y + 10}" text-anchor="end">{escape(short)}</text>'
                     f'<rect class="bar {escape(css)}" x="{label_w}" y="{y + 1}" width="{w:.2f}" height="{h - 3}">'
                     f"<title>{escape(label)}: {v:,.0f}{escape(unit)}</title></rect>"
                     f'<text x="{label_w + w + 4:.2f}" y="{y + 10}">{_si(v)}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _si(v: float) -> str:
    for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(v) >= scale:
            return f"{v / scale:.3g}{suffix}"
    return f"{v:.3g}"


def roofline_plot(device: Mapping[str, Any], points: Sequence[tuple[str, float, float, str]]) -> str:
    """A log-log roofline as inline SVG: the roof min(peak, bandwidth x intensity) and one point per row.

    ``points`` are (label, intensity in MACs per byte, attained MACs per second, binds).
    """
    peak, bw = float(device["peak_macs_per_s"]), float(device["bandwidth_bytes_per_s"])
    ridge = peak / bw
    xs = [p[1] for p in points if p[1] > 0] + [ridge]
    ys = [p[2] for p in points if p[2] > 0] + [peak]
    x0, x1 = math.log10(min(xs)) - 0.5, math.log10(max(xs)) + 0.5
    y0, y1 = math.log10(min(ys)) - 0.5, math.log10(peak) + 0.3
    w, h, ml, mb = 560, 360, 70, 40

    def px(x: float) -> float:
        return ml + (math.log10(x) - x0) / (x1 - x0) * (w - ml - 10)

    def py(y: float) -> float:
        return h - mb - (math.log10(y) - y0) / (y1 - y0) * (h - mb - 20)

    parts = [f'<svg class="roofline" width="{w}" height="{h}" role="img" aria-label="roofline">',
             f'<text x="{ml}" y="14" font-weight="bold">Roofline: {escape(str(device["name"]))} '
             f'({escape(str(device["dtype"]))}), a bound on each row, not a prediction</text>']
    for k in range(math.ceil(x0), math.floor(x1) + 1):
        parts.append(f'<line class="grid" x1="{px(10**k):.1f}" y1="20" x2="{px(10**k):.1f}" y2="{h - mb}"/>'
                     f'<text x="{px(10**k):.1f}" y="{h - mb + 14}" text-anchor="middle">1e{k}</text>')
    for k in range(math.ceil(y0), math.floor(y1) + 1):
        parts.append(f'<line class="grid" x1="{ml}" y1="{py(10**k):.1f}" x2="{w - 10}" y2="{py(10**k):.1f}"/>'
                     f'<text x="{ml - 4}" y="{py(10**k) + 4:.1f}" text-anchor="end">1e{k}</text>')
    parts.append(f'<line class="axis" x1="{ml}" y1="{h - mb}" x2="{w - 10}" y2="{h - mb}"/>'
                 f'<line class="axis" x1="{ml}" y1="20" x2="{ml}" y2="{h - mb}"/>'
                 f'<text x="{(ml + w) / 2}" y="{h - 6}" text-anchor="middle">'
                 "arithmetic intensity (MACs per byte)</text>"
                 f'<text x="14" y="{h / 2}" transform="rotate(-90 14 {h / 2})" text-anchor="middle">MACs per second'
                 f"</text>")
    lo = 10**x0
    parts.append(f'<polyline class="roof" points="{px(lo):.1f},{py(max(bw * lo, 10**y0)):.1f} '
                 f'{px(ridge):.1f},{py(peak):.1f} {px(10**x1):.1f},{py(peak):.1f}"><title>peak {peak:,.0f} MACs/s, '
                 f"bandwidth {bw:,.0f} B/s, ridge {ridge:.3g} MACs/byte</title></polyline>")
    for label, x, y, binds in points:
        if x > 0 and y > 0:
            parts.append(f'<circle class="point {escape(binds)}" cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5">'
                         f"<title>{escape(label)}: {x:.3g} MACs/byte, {binds}-bound</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


def _charts(rows: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    by_net: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_net.setdefault(str(r.get("network", "")), []).append(r)
    parts = []
    for net, rs in by_net.items():
        shown = [r for r in rs if _number(r.get("macs")) or _number(r.get("params"))
                 or _number(r.get("activation_bytes"))]
        if not shown:
            continue
        labels = [str(r.get("name", "")) for r in shown]
        head = f"<h2>{escape(net)}: per layer</h2>" if net else "<h2>Per layer</h2>"
        charts = [bar_chart("MACs", labels, [_number(r.get("macs")) for r in shown], "macs"),
                  bar_chart("params", labels, [_number(r.get("params")) for r in shown], "params")]
        if any("activation_bytes" in r for r in shown):
            charts.append(bar_chart("output memory (bytes)", labels,
                                    [_number(r.get("activation_bytes")) for r in shown], "memory", "B"))
        parts.append(head + '<div class="charts">' + "".join(charts) + "</div>")
    device = meta.get("device") if isinstance(meta, Mapping) else None
    if isinstance(device, Mapping):
        points = [(str(r.get("name", "")), _number(r.get("macs")) / _number(r.get("rl_moved_bytes")),
                   _number(r.get("macs")) / _number(r.get("rl_bound_s")), str(r.get("rl_binds", "")))
                  for r in rows if _number(r.get("macs")) and _number(r.get("rl_moved_bytes"))
                  and _number(r.get("rl_bound_s"))]
        if points:
            parts.append('<h2>Roofline</h2><div class="charts">' + roofline_plot(device, points) + "</div>")
    return "".join(parts)


def _breakdown_chart(rows: Sequence[Mapping[str, Any]]) -> str:
    cats = [r for r in rows if r.get("category") not in (None, "total")]
    if not cats:
        return ""
    label = [(f"{r.get('network')}: " if r.get("network") else "") + str(r.get("category")) for r in cats]
    return '<div class="charts">' + bar_chart("MACs by category", label, [_number(r.get("macs")) for r in cats],
                                              "macs") + "</div>"


def write_html(report: Any, out: TextIO, color: bool = False) -> None:
    """The report as one self-contained HTML page (tables, charts, roofline): see the module docstring."""
    tables = [(t, list(t.rows)) for t in report.tables]
    title = tables[0][0].title if tables else "liteconv report"
    meta = report.meta if isinstance(report.meta, Mapping) else {}
    out.write('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
              '<meta name="generator" content="liteconv">'
              f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n")
    out.write(f"<h1>{escape(title)}</h1>\n")
    for table, rows in tables:
        out.write(_table_html(table, rows) + "\n")
        if table.name == "layers":
            out.write(_charts(rows, meta) + "\n")
        elif table.name == "breakdown":
            out.write(_breakdown_chart(rows) + "\n")
    out.write(f"<script>{SCRIPT}</script>\n</body></html>\n")
