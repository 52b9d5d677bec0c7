"""``liteconv sweep``: the width x resolution grid, against the MobileNet paper's Tables 6 and 7.

Independent figures: the paper's printed digits (arXiv:1704.04861 Tables 6 and 7), the PyTorch
measurements of tests/data/peer-counts.json (width 1.0, 224), and MobileNetV1's
cost written out below from the paper's Table 1 in plain arithmetic (no liteconv code).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
V1 = str(CONFIGS / "mobilenet_v1.yaml")
V2 = str(CONFIGS / "mobilenet_v2.yaml")

# peer-counts.json mobilenet_v1.alpha_1.0_res_224: params.total, params.bn, macs_analytic.conv_plus_linear
V1_PARAMS, V1_BN, V1_MACS = 4_231_976, 21_888, 568_740_352
FC_MACS = 1024 * 1000

# arXiv:1704.04861 Table 1: (output channels, stride) of the 13 depthwise separable layers
# (the 13th with stride 1: errata item 10)
SEPARABLE = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


def mobilenet_v1(alpha: float, resolution: int) -> tuple[int, int, int]:
    """(params with BatchNorm, params without, MACs) of MobileNetV1, by hand from Table 1.

    Channels int(c * alpha) (the paper's width multiplier); 'same' padding, so a stride-2
    layer gives ceil(h / 2); bias-free convs with BatchNorm; FC to 1000 with bias.
    """
    def ch(c: int) -> int:
        return int(c * alpha)

    h = -(-resolution // 2)
    c_in = ch(32)
    weights, macs, bn = 3 * 3 * 3 * c_in, 3 * 3 * 3 * c_in * h * h, 2 * c_in
    for out, stride in SEPARABLE:
        h = -(-h // stride)
        c_out = ch(out)
        weights += 3 * 3 * c_in + c_in * c_out  # depthwise + pointwise
        macs += (3 * 3 * c_in + c_in * c_out) * h * h
        bn += 2 * c_in + 2 * c_out
        c_in = c_out
    weights += c_in * 1000 + 1000  # FC weights + bias after global pooling
    macs += c_in * 1000
    return weights + bn, weights, macs


# arXiv:1704.04861 Table 6: width -> (million Mult-Adds, million parameters), at 224
TABLE_6 = {1.0: (569, 4.2), 0.75: (325, 2.6), 0.5: (149, 1.3), 0.25: (41, 0.5)}
# arXiv:1704.04861 Table 7: resolution -> million Mult-Adds, at width 1.0 (4.2 million parameters)
TABLE_7 = {224: 569, 192: 418, 160: 290, 128: 186}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def millions(n: int) -> int:
    """n in millions, rounded half up."""
    return (2 * n + 10**6) // (2 * 10**6)


def tenths_of_millions(n: int) -> float:
    return ((2 * n + 10**5) // (2 * 10**5)) / 10


def test_the_hand_count_is_the_reference_at_width_1():
    assert mobilenet_v1(1.0, 224) == (V1_PARAMS, V1_PARAMS - V1_BN, V1_MACS)


def sweep_csv(run, *args: str) -> list[dict[str, str]]:
    r = run("sweep", V1, *args, "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    return csv_rows(r.stdout)


def test_table_6_width_multiplier(run):
    rows = sweep_csv(run, "--width-mult", "1,0.75,0.5,0.25")
    assert [float(r["width"]) for r in rows] == [1.0, 0.75, 0.5, 0.25]
    for row in rows:
        alpha = float(row["width"])
        params, params_without_bn, macs = mobilenet_v1(alpha, 224)
        assert (int(row["params"]), int(row["params_without_bn"]), int(row["macs"])) == (
            params, params_without_bn, macs)
        assert int(row["resolution"]) == 224
        # the paper's digits: Mult-Adds to the million, parameters (BatchNorm left out) to 0.1 million
        assert (millions(macs), tenths_of_millions(params_without_bn)) == TABLE_6[alpha]


def test_table_7_resolution_multiplier(run):
    rows = sweep_csv(run, "--resolution", "224,192,160,128")
    assert [int(r["resolution"]) for r in rows] == [224, 192, 160, 128]
    for row in rows:
        r = int(row["resolution"])
        params, params_without_bn, macs = mobilenet_v1(1.0, r)
        assert (int(row["params"]), int(row["params_without_bn"]), int(row["macs"])) == (
            params, params_without_bn, macs)
        assert tenths_of_millions(int(row["params_without_bn"])) == 4.2
        assert float(row["macs_ratio"]) == pytest.approx(macs / V1_MACS, rel=1e-5)
    exact = {int(r["resolution"]): int(r["macs"]) for r in rows}
    # exact counts round to the printed digits, except at 160: 290,675,200 is 291 million, printed 290
    assert exact[160] == 290_675_200
    assert {r: millions(m) for r, m in exact.items()} == {**TABLE_7, 160: 291}
    # the paper's rule: the whole 224 total scaled by (r / 224)^2 gives every printed digit
    assert {r: round(V1_MACS * r * r / (224 * 224) / 1e6) for r in TABLE_7} == TABLE_7
    # why: the convolutions scale exactly by (r / 224)^2 (every stride-2 layer halves r exactly),
    # but the FC's 1,024,000 MACs do not depend on the resolution
    for r, m in exact.items():
        assert (m - FC_MACS) * 224 * 224 == (V1_MACS - FC_MACS) * r * r


def test_the_grid_has_every_combination_widths_outer(run):
    widths, resolutions = [1.0, 0.75, 0.5, 0.25], [224, 192, 160, 128]
    rows = sweep_csv(run, "--width-mult", "1,0.75,0.5,0.25", "--resolution", "224,192,160,128")
    assert [(float(r["width"]), int(r["resolution"])) for r in rows] == [(w, r) for w in widths for r in resolutions]
    assert list(rows[0]) == ["network", "width", "resolution", "input", "params", "params_without_bn", "macs",
                             "params_ratio", "macs_ratio"]
    for row in rows:
        params, params_without_bn, macs = mobilenet_v1(float(row["width"]), int(row["resolution"]))
        assert (int(row["params"]), int(row["params_without_bn"]), int(row["macs"])) == (
            params, params_without_bn, macs)
        assert row["network"] == "MobileNetV1"
        assert float(row["params_ratio"]) == pytest.approx(params / V1_PARAMS, rel=1e-5)
        assert float(row["macs_ratio"]) == pytest.approx(macs / V1_MACS, rel=1e-5)


def test_json_for_plotting(run):
    r = run("sweep", V1, "--width-mult", "0.5", "--resolution", "128:224:32", "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    data = json.loads(r.stdout)
    rows = data["tables"]["sweep"]["rows"]
    assert [(row["width"], row["resolution"]) for row in rows] == [(0.5, 128), (0.5, 160), (0.5, 192), (0.5, 224)]
    assert all(isinstance(row[k], int) for row in rows for k in ("params", "params_without_bn", "macs"))
    assert [row["macs"] for row in rows] == [mobilenet_v1(0.5, res)[2] for res in (128, 160, 192, 224)]
    (meta,) = data["meta"]["networks"]
    assert meta["baseline"] == {"width": 1.0, "input": [3, 224, 224], "params": V1_PARAMS,
                                "params_without_bn": V1_PARAMS - V1_BN, "macs": V1_MACS}


def test_table_shows_the_papers_digits(run):
    r = run("sweep", V1, "--width-mult", "1,0.75,0.5,0.25")
    assert r.exit_code == 0 and r.stderr == ""
    lines = {line.split("│")[2].strip(): line for line in r.stdout.splitlines() if line.count("│") > 5}
    for alpha, (mult_adds, params) in TABLE_6.items():
        cells = [c.strip() for c in lines[f"{alpha:g}"].split("│")]
        assert str(mult_adds) in cells and f"{params:.1f}" in cells


def test_markdown(run):
    r = run("sweep", V1, "--resolution", "160", "--format", "markdown")
    assert r.exit_code == 0 and r.stderr == ""
    assert "| 290,675,200 |" in r.stdout and "| 291 |" in r.stdout


def test_defaults_are_the_specs_own_width_and_resolution(run):
    rows = sweep_csv(run)
    assert [(float(r["width"]), int(r["resolution"]), int(r["macs"])) for r in rows] == [(1.0, 224, V1_MACS)]


def test_ratios_are_to_width_1_even_when_the_spec_says_otherwise(run):
    spec = (CONFIGS / "mobilenet_v1.yaml").read_text().replace("width: 1.0", "width: 0.5")
    r = run("sweep", "-", "--format", "csv", input=spec)
    assert r.exit_code == 0 and r.stderr == ""
    (row,) = csv_rows(r.stdout)
    macs = mobilenet_v1(0.5, 224)[2]
    assert (float(row["width"]), int(row["macs"])) == (0.5, macs)
    assert float(row["macs_ratio"]) == pytest.approx(macs / V1_MACS, rel=1e-5)


def test_several_specs_give_one_table(run):
    r = run("sweep", V1, V2, "--width-mult", "1,0.5", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = csv_rows(r.stdout)
    assert [(row["network"], float(row["width"])) for row in rows] == [
        ("MobileNetV1", 1.0), ("MobileNetV1", 0.5), ("MobileNetV2", 1.0), ("MobileNetV2", 0.5)]
    # peer-counts.json models.mobilenet_v2 (torchvision), at width 1.0
    assert (int(rows[2]["params"]), int(rows[2]["macs"])) == (3_504_872, 300_774_272)
    assert float(rows[2]["macs_ratio"]) == 1.0


def test_output_file(tmp_path, run):
    out = tmp_path / "grid.csv"
    r = run("sweep", V1, "--width-mult", "1,0.25", "--format", "csv", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""
    rows = csv_rows(out.read_text())
    assert [int(row["macs"]) for row in rows] == [V1_MACS, mobilenet_v1(0.25, 224)[2]]


# ---------------------------------------------------------------- errors


def one_error_line(r, *words: str) -> None:
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize(("option", "value"), [
    ("--width-mult", ","), ("--width-mult", ""), ("--width-mult", "abc"), ("--width-mult", "0"),
    ("--width-mult", "-0.5"), ("--width-mult", "1,,0.5"), ("--width-mult", "inf"), ("--width-mult", "nan"),
    ("--width-mult", "1e308"), ("--width-mult", "1,1001"),
    ("--resolution", "-5"), ("--resolution", ","), ("--resolution", "abc"), ("--resolution", "0"),
    ("--resolution", "224,-5"), ("--resolution", "1.5"),
])
def test_a_bad_list_is_one_line_naming_the_option_exit_2(tmp_path, run, option, value):
    out = tmp_path / "grid.csv"
    r = run("sweep", V1, option, value, "-o", str(out))
    assert r.exit_code == 2
    one_error_line(r, f"'{option}'")
    assert list(tmp_path.iterdir()) == []


def test_too_large_a_grid_is_a_usage_error(run):
    r = run("sweep", V1, "--resolution", "1:20000")
    assert r.exit_code == 2
    one_error_line(r, "10,000")


def test_a_grid_point_the_network_cannot_take_is_exit_1(tmp_path, run):
    out = tmp_path / "grid.csv"
    r = run("sweep", V1, "--width-mult", "1,0.001", "-o", str(out))
    assert r.exit_code == 1
    one_error_line(r, "width 0.001", "conv1", "rounds to 0")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_spec_is_exit_1(run):
    r = run("sweep", str(CONFIGS / "nope.yaml"), "--width-mult", "1")
    assert r.exit_code == 1
    one_error_line(r, "nope.yaml", "no such file")


def test_help_has_examples_and_points_to_the_layer_sweep(run):
    r = run("sweep", "--help")
    assert r.exit_code == 0 and r.stderr == ""
    assert "Examples:" in r.stdout and "liteconv compare --cin 64 --cout 32:512:32 -k 1,3,5" in r.stdout
