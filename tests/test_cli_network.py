"""``liteconv network`` through click's CliRunner: exit code, stdout and stderr apart.

Expected figures come from tests/data/peer-counts.json (PyTorch) and the MobileNet
paper (arXiv:1704.04861), copied here as literals.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from liteconv_cli.engine.network import KINDS

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
V1 = str(CONFIGS / "mobilenet_v1.yaml")
V2 = str(CONFIGS / "mobilenet_v2.yaml")
TINY = "input: [3, 8, 8]\nlayers:\n  - {kind: conv, out: 4, bias: false}\n"


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_table_shows_rows_totals_and_the_breakdown(run):
    r = run("network", V1)
    assert r.exit_code == 0 and r.stderr == ""
    out = r.stdout
    # peer-counts.json mobilenet_v1.alpha_1.0_res_224: params.total, macs_analytic.conv_plus_linear
    assert "4,231,976" in out and "568,740,352" in out
    assert "sep7.5.pointwise" in out and "by category" in out
    # arXiv:1704.04861 Table 2, Mult-Adds of Conv 1x1 and parameters of FC (BatchNorm and bias left out)
    assert "94.86%" in out and "24.33%" in out


def test_csv_has_one_row_per_operation_with_raw_integers(run):
    r = run("network", V1, "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = csv_rows(r.stdout)
    assert len(rows) == 2 * 13 + 1 + 1 + 1  # conv1, 13 separable pairs, avg pool, fc
    assert sum(int(row["macs"]) for row in rows) == 568_740_352  # peer-counts.json
    assert sum(int(row["params"]) for row in rows) == 4_231_976
    assert sum(int(row["bn"]) for row in rows) == 21_888
    first = rows[0]
    assert (first["index"], first["name"], first["category"], first["input"], first["output"]) == (
        "1", "conv1", "standard", "3x224x224", "32x112x112")
    assert (first["kernel"], first["stride"], first["groups"], first["activation"]) == ("3", "2", "1", "relu")
    assert "," not in first["macs"] and float(rows[-1]["macs_share"]) == pytest.approx(1_024_000 / 568_740_352, 1e-5)


def test_json_has_both_tables_and_the_totals(run):
    r = run("network", V2, "--format", "json")
    assert r.exit_code == 0 and r.stderr == ""
    data = json.loads(r.stdout)
    (meta,) = data["meta"]["networks"]
    # peer-counts.json models.mobilenet_v2
    assert (meta["total"]["params"], meta["total"]["macs"], meta["total"]["bn"]) == (3_504_872, 300_774_272, 34_112)
    assert meta["layers"] == 53 and meta["input"] == [3, 224, 224] and meta["output"] == [1000, 1, 1]
    assert set(data["tables"]) == {"layers", "breakdown"}
    cats = {row["category"]: row for row in data["tables"]["breakdown"]["rows"]}
    assert cats["depthwise"]["macs"] == 20_716_416 and cats["pointwise"]["macs"] == 267_939_840


def test_markdown(run):
    r = run("network", V1, "--format", "markdown")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.startswith("### MobileNetV1") and "| 94.86% |" in r.stdout


def test_summary_of_several_specs_is_one_csv(run):
    r = run("network", V1, V2, "--summary", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = csv_rows(r.stdout)
    assert [(row["network"], int(row["params"]), int(row["macs"]), int(row["layers"])) for row in rows] == [
        ("MobileNetV1", 4_231_976, 568_740_352, 28),
        ("MobileNetV2", 3_504_872, 300_774_272, 53),
    ]
    assert rows[0]["input"] == "3x224x224" and int(rows[0]["flops"]) > 2 * 568_740_352


def test_several_specs_without_summary_get_a_network_column(run):
    r = run("network", V1, V2, "--format", "csv")
    assert r.exit_code == 0
    rows = csv_rows(r.stdout)
    assert {row["network"] for row in rows} == {"MobileNetV1", "MobileNetV2"}
    assert sum(int(row["macs"]) for row in rows) == 568_740_352 + 300_774_272


def test_a_bad_file_among_good_ones(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [3, 32, 32]\nlayers:\n  - {kind: conv, out: 64, strde: 2}\n")
    r = run("network", V1, str(bad), V2, "--summary", "--format", "csv")
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"Error: {bad}:3: layer 1 'conv1': unknown key 'strde' for kind conv (did you mean 'stride'?); it takes "
        "out, multiplier, kernel, stride, padding, dilation, bias, batchnorm, activation, scale, groups, name, repeat, "
        "from, share, "
        "functional, frozen"
    ]
    assert [row["network"] for row in csv_rows(r.stdout)] == ["MobileNetV1", "MobileNetV2"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.yaml", None, "no such file"),
        ("", None, "is a directory"),
        ("broken.yaml", b"key: [\n", "invalid YAML"),
        ("empty.yaml", b"", "is empty"),
        ("latin1.yaml", b"\xff\xfe", "is not UTF-8 text"),
    ],
)
def test_unreadable_specs_give_one_error_line(run, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    r = run("network", str(path))
    assert r.exit_code == 1 and r.stdout == ""
    (line,) = r.stderr.splitlines()
    assert line.startswith(f"Error: {path}") and message in line and "Traceback" not in r.stderr


def test_stdin(run):
    r = run("network", "-", "--summary", "--format", "csv", input=TINY)
    assert r.exit_code == 0 and r.stderr == ""
    (row,) = csv_rows(r.stdout)
    assert (row["network"], int(row["params"]), int(row["macs"])) == ("stdin", 4 * 3 * 9, 4 * 3 * 9 * 8 * 8)


def test_stdin_errors_name_stdin(run):
    r = run("network", "-", input="input: [3, 8, 8]\nlayers:\n  - {kind: conv}\n")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == "Error: <stdin>:3: layer 1 'conv1': missing 'out' (kind conv needs it, or multiplier)\n"


@pytest.mark.parametrize(
    ("args", "mult_adds_m"),
    [
        # arXiv:1704.04861 Tables 6 and 7, millions of Mult-Adds as printed
        (("--width", "0.75"), 325),
        (("--width", "0.5"), 149),
        (("--width", "0.25"), 41),
        (("--resolution", "192"), 418),
        (("--resolution", "128"), 186),
    ],
)
def test_width_and_resolution_override_the_spec(run, args, mult_adds_m):
    r = run("network", V1, *args, "--summary", "--format", "csv")
    assert r.exit_code == 0
    (row,) = csv_rows(r.stdout)
    assert round(int(row["macs"]) / 1e6) == mult_adds_m


@pytest.mark.parametrize("args", [("--width", "0"), ("--width", "-1"), ("--resolution", "0"), ()])
def test_usage_errors_exit_2(run, args):
    r = run("network", *args, *((V1,) if args else ()))
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("Error: ")


def test_output_file(run, tmp_path):
    out = tmp_path / "v1.csv"
    r = run("network", V1, "--format", "csv", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    assert out.read_text() == run("network", V1, "--format", "csv").stdout


def test_help_lists_every_kind_and_points_to_the_docs(run):
    r = run("network", "--help")
    assert r.exit_code == 0
    assert "docs/spec.md" in r.stdout and "Examples:" in r.stdout
    for kind in KINDS:
        assert f"  {kind} " in r.stdout, kind


def test_network_is_listed_in_the_main_help(run):
    assert "network" in run("--help").stdout


def test_input_replaces_a_specs_input_of_any_rank(run):
    # M5 at 16,000 samples instead of 32,000; R3D-18 at 8 frames: the same layers, other shapes
    r = run("network", "m5", "--input", "1x16000", "--summary", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    (row,) = csv_rows(r.stdout)
    assert row["input"] == "1x16000" and int(row["params"]) == 559_114
    r = run("network", "m5", "--input", "1x16000", "--input", "foo=1x8", "--summary", "--format", "csv")
    assert r.exit_code == 2 and r.stderr.startswith("Error: m5: --input: input=foo is not an input")


def test_a_frozen_layer_is_marked_on_its_rows(tmp_path):
    from liteconv_cli import parse_spec, walk

    net = parse_spec("input: [3, 8, 8]\nlayers:\n  - {kind: block, frozen: true, name: stem, layers: "
                     "[{kind: conv, out: 4}, {kind: separable, out: 8}]}\n  - {kind: conv, out: 8, name: head}\n")
    rows = walk(net).rows
    assert [r.frozen for r in rows] == [True, True, True, False]
