"""liteconv fit's engine (engine.fit): budgets with SI suffixes, the search, the front.

Expected values: the networks' own counts at the answer and one step beyond it (walked
here), and arithmetic for the suffixes.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from liteconv_cli.engine.fit import Budget, amount_text, candidates, depth_scaled, fit, parse_amount, parse_seconds
from liteconv_cli.engine.network import walk
from liteconv_cli.errors import InvalidValue
from liteconv_cli.spec import load_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
V2 = load_spec(str(CONFIGS / "mobilenet_v2.yaml"))


def counts(net):
    r = walk(net)
    return r.total.params, r.total.macs, None, None


@pytest.mark.parametrize(("text", "unit", "value"), [
    ("300M", "", 300 * 10**6), ("1.5G", "", 15 * 10**8), ("3.5M", "", 3_500_000), ("2k", "", 2000),
    ("1e9", "", 10**9), ("123456", "", 123456), ("8MB", "B", 8 * 10**6), ("8MiB", "B", 8 * 2**20),
    ("512 KiB", "B", 512 * 1024), ("1_000", "", 1000), ("2T", "", 2 * 10**12),
])
def test_amounts(text, unit, value):
    assert parse_amount(text, unit=unit) == value


@pytest.mark.parametrize("text", ["", "M", "300m", "lots", "-5M", "1/0"])
def test_bad_amounts(text):
    with pytest.raises(InvalidValue):
        parse_amount(text)


def test_seconds():
    assert parse_seconds("5ms") == Fraction(5, 1000)
    assert parse_seconds("250us") == Fraction(250, 10**6) and parse_seconds("0.01") == Fraction(1, 100)
    with pytest.raises(InvalidValue):
        parse_seconds("0ms")


def test_amount_text():
    assert [amount_text(v) for v in (300_774_272, 3_504_872, 999, 1_500_000_000)] == ["300.8M", "3.505M", "999", "1.5G"]


def test_candidates():
    assert candidates("0.5:1:0.25", "width") == [0.5, 0.75, 1.0]
    assert candidates("224,160,192", "resolution") == [160, 192, 224]
    for bad in ("1:0:0.1", "0.5:1", "0,1", "160.5", "x"):
        with pytest.raises(InvalidValue):
            candidates(bad, "resolution" if bad == "160.5" else "width")


def test_widest_mobilenet_v2_under_300m_macs():
    # MobileNetV2 at width 1.0 does 300,774,272 MACs: just over 300M
    f = fit(V2, Budget(macs=parse_amount("300M")), {"width": candidates("0.9:1.1:0.01", "width")}, counts)
    best = f.answer
    assert best is not None and f.front == [best]
    assert best.macs == walk(V2._replace(width=best.width)).total.macs <= 300 * 10**6
    wider = [t for t in f.trials if t.width > best.width]
    assert wider and all(t.macs > 300 * 10**6 for t in wider)
    assert not any(t.fits for t in wider)


def test_a_grid_gives_a_front_of_trade_offs():
    grid = {"width": candidates("0.5:1.5:0.25", "width"), "resolution": candidates("128:224:32", "resolution")}
    f = fit(V2, Budget(macs=parse_amount("300M"), params=parse_amount("5M")), grid, counts)
    assert len(f.trials) == 5 * 4
    front = f.front
    for t in front:
        assert t.fits
        # nothing tried that fits is at least as wide and at least as large
        assert not any(o.fits and o is not t and o.width >= t.width and o.resolution >= t.resolution
                       for o in f.trials)
    for t in f.trials:
        if t.fits and t not in front:
            assert any(o.width >= t.width and o.resolution >= t.resolution for o in front)
    assert f.answer in front and f.answer.macs == max(t.macs for t in front)


def test_depth_multiplies_repeats_rounding_up():
    layers = depth_scaled(V2.layers, 1.5)
    assert [getattr(a, "repeat", 1) for a in layers] == [
        -(-3 * r // 2) if r > 1 else r for r in (getattr(b, "repeat", 1) for b in V2.layers)]
    f = fit(V2, Budget(params=parse_amount("4M")), {"depth": candidates("1:2:0.5", "depth")}, counts)
    assert all(t.params == walk(V2._replace(layers=depth_scaled(V2.layers, t.depth))).total.params
               for t in f.trials)


def test_nothing_fits_gives_no_answer_and_an_empty_budget_is_refused():
    f = fit(V2, Budget(macs=1000), {"width": [0.5, 1.0]}, counts)
    assert f.answer is None and f.front == [] and not any(t.fits for t in f.trials)
    with pytest.raises(InvalidValue):
        fit(V2, Budget(), {"width": [1.0]}, counts)


# ------------------------------------------------------------------ the CLI


def test_cli_fit_widest_under_a_budget(run):
    import json

    r = run("fit", str(CONFIGS / "mobilenet_v2.yaml"), "--macs", "300M", "--width", "0.9:1.1:0.01", "--format", "json")
    assert r.exit_code == 0, r.stderr
    answer = json.loads(r.stdout)["meta"]["answer"]
    assert answer["macs"] <= 300 * 10**6 < walk(V2._replace(width=round(answer["width"] + 0.01, 2))).total.macs
    table = run("fit", str(CONFIGS / "mobilenet_v2.yaml"), "--macs", "300M", "--width", "0.9:1.1:0.01")
    assert f"Largest width within macs <= 300M: {answer['width']:g}" in table.stdout


def test_cli_fit_latency_on_a_device_and_all_trials(run):
    import csv
    import io

    r = run("fit", str(CONFIGS / "mobilenet_v2.yaml"), "--latency", "5ms", "--device", "rtx4090", "--width",
            "0.5,1,2", "--resolution", "160,224", "--all", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 6 and all(float(row["latency_s"]) <= 0.005 for row in rows if row["fits"] == "yes")


@pytest.mark.parametrize(("args", "word"), [
    (("--macs", "300m"), "--macs"),
    ((), "budget"),
    (("--latency", "5ms"), "--device"),
    (("--macs", "1G", "--width", "1:0:1"), "--width"),
])
def test_cli_fit_usage_errors(run, args, word):
    r = run("fit", str(CONFIGS / "mobilenet_v2.yaml"), *args)
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("Error:") and word in r.stderr


def test_configurations_a_network_cannot_take_are_skipped_not_fatal():
    # regnet_y_400mf's group widths stop dividing at small widths: fit skips those, says so, and answers
    from liteconv_cli import load_spec
    from liteconv_cli.engine.fit import Budget, candidates, fit

    def evaluate(n):
        t = walk(n).total
        return t.params, t.macs, None, None

    result = fit(load_spec("regnet_y_400mf"), Budget(macs=10**9), {"width": candidates("0.1:1.5:0.1", "width")},
                 evaluate)
    assert result.skipped and result.answer is not None
    assert all(t.macs <= 10**9 for t in result.trials if t.fits)
    tried = {round(t.width, 6) for t in result.trials} | {round(c["width"], 6) for c, _ in result.skipped}
    assert len(tried) == 15
