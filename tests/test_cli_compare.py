"""``liteconv compare`` through click's CliRunner: exit code, stdout and stderr checked apart."""

from __future__ import annotations

import csv
import io
import json

import pytest

from liteconv_cli import VARIANTS


def rows_of(stdout: str) -> dict[str, dict[str, str]]:
    return {r["variant"]: r for r in csv.DictReader(io.StringIO(stdout))}


def test_readme_command_csv_has_the_seed_numbers(run):
    # seed 000: 64 -> 128, K = 3, bias on
    r = run("compare", "--cin", "64", "--cout", "128", "-k", "3", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = rows_of(r.stdout)
    assert int(rows["standard"]["params"]) == (64 * 3 * 3 + 1) * 128 == 73_856
    assert int(rows["depthwise"]["params"]) == (3 * 3 + 1) * 64 == 640
    assert int(rows["pointwise"]["params"]) == (64 + 1) * 128 == 8_320
    assert int(rows["separable"]["params"]) == (3 * 3 + 1) * 64 + (64 + 1) * 128 == 8_960
    assert int(rows["lite"]["params"]) == (64 + 1) * 128 + (3 * 3 + 1) * 128 == 9_600
    # per output position: MACs = weights
    assert int(rows["standard"]["macs"]) == 64 * 3 * 3 * 128
    assert "grouped" not in rows  # only with --groups > 1
    assert set(rows) == set(VARIANTS) - {"grouped"}


def test_csv_cells_are_raw_numbers(run):
    r = run("compare", "--cin", "256", "--cout", "256", "--size", "56", "--format", "csv")
    for row in csv.DictReader(io.StringIO(r.stdout)):
        for key in ("params", "macs", "flops", "weights"):
            assert row[key].isdigit(), (key, row[key])
        float(row["macs_ratio"])


def test_totals_with_a_size_seed_003(run):
    # seed 003: 28x28x8 input, 3x3 conv to 16 channels, no padding, no bias
    r = run("compare", "--cin", "8", "--cout", "16", "-k", "3", "--size", "28", "--padding", "valid",
            "--no-bias", "-v", "standard", "-v", "separable", "--stages", "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    by = {(x["variant"], x["stage"]): x for x in rows}
    assert int(by["standard", ""]["macs"]) == 26 * 26 * 3 * 3 * 8 * 16 == 778_752
    assert int(by["separable", "depthwise"]["macs"]) == 26 * 26 * 3 * 3 * 8 == 48_672
    assert int(by["separable", "pointwise"]["macs"]) == 26 * 26 * 8 * 16 == 86_528
    assert int(by["separable", ""]["macs"]) == 48_672 + 86_528
    assert (by["separable", ""]["out_h"], by["separable", ""]["out_w"]) == ("26", "26")
    assert float(by["separable", ""]["closed_form"]) == pytest.approx(1 / 16 + 1 / 9)


def test_height_and_width_and_stride(run):
    # torch: floor((H + 2p - K) / s) + 1 with p = 1: 112 -> 56, 100 -> 50
    r = run("compare", "--cin", "32", "--cout", "64", "-H", "112", "-W", "100", "--stride", "2", "--no-bias",
            "-v", "standard", "--format", "json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    (row,) = doc["tables"]["variants"]["rows"]
    assert (row["out_h"], row["out_w"]) == (56, 50)
    assert row["macs"] == 56 * 50 * 32 * 3 * 3 * 64
    assert doc["meta"]["macs_unit"] == "total"


def test_groups_shows_grouped(run):
    r = run("compare", "--cin", "64", "--cout", "128", "--groups", "4", "--no-bias", "--format", "csv")
    rows = rows_of(r.stdout)
    assert int(rows["grouped"]["params"]) == 128 * (64 // 4) * 3 * 3
    assert float(rows["grouped"]["macs_ratio"]) == pytest.approx(1 / 4)


def test_batchnorm_and_flops(run):
    r = run("compare", "--cin", "16", "--cout", "32", "--size", "10", "--bn", "-v", "standard", "--format", "json")
    (row,) = json.loads(r.stdout)["tables"]["variants"]["rows"]
    macs = 10 * 10 * 16 * 9 * 32
    assert row["bn"] == 2 * 32
    assert row["params"] == 16 * 9 * 32 + 32 + 2 * 32
    assert row["flops"] == 2 * macs + 32 * 10 * 10 + 2 * 32 * 10 * 10


def test_json_carries_every_stage(run):
    r = run("compare", "--cin", "24", "--cout", "24", "--size", "56", "-v", "inverted_residual", "--no-bias",
            "--format", "json")
    (row,) = json.loads(r.stdout)["tables"]["variants"]["rows"]
    names = [s["name"] for s in row["stage_list"]]
    assert names == ["expand", "depthwise", "project", "shortcut"]
    hidden = 24 * 6
    assert row["macs"] == 56 * 56 * (24 * hidden + 9 * hidden + hidden * 24)
    assert row["elementwise"] == 24 * 56 * 56  # the identity shortcut's adds


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_human_formats_show_separators(run, fmt):
    r = run("compare", "--cin", "64", "--cout", "128", "-k", "3", "--format", fmt)
    assert r.exit_code == 0 and r.stderr == ""
    assert "73,856" in r.stdout and "8,960" in r.stdout
    assert "\x1b[" not in r.stdout  # not a terminal: no colour codes


def test_table_says_what_macs_mean(run):
    assert "per output position" in run("compare", "--cin", "8", "--cout", "8").stdout
    assert "totals" in run("compare", "--cin", "8", "--cout", "8", "--size", "4").stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--cin", "-1", "--cout", "128"], "'--cin'"),
        (["--cin", "0", "--cout", "128"], "'--cin'"),
        (["--cin", "abc", "--cout", "128"], "'--cin'"),
        (["--cin", "64", "--cout", "128", "-k", "0"], "--kernel"),
        (["--cin", "3", "--cout", "128", "--groups", "2"], "2 does not divide in_channels=3"),
        (["--cin", "64", "--cout", "6", "--groups", "4"], "4 does not divide out_channels=6"),
        (["--cin", "3", "--cout", "3", "-k", "7", "--size", "3", "--padding", "valid"], "larger than the padded input"),
        (["--cin", "3", "--cout", "3", "--stride", "0"], "--stride"),
        (["--cin", "3", "--cout", "3", "--variant", "nope"], "'nope' is not one of"),
        (["--cin", "3", "--cout", "3", "--variant", "grouped"], "--groups"),
        (["--cin", "3", "--cout", "3", "--size", "4", "-H", "4"], "either --size or -H"),
        (["--cin", "3", "--cout", "3", "-W", "4"], "give -H and -W together"),
        (["--cin", "3", "--cout", "3", "-L", "40", "-H", "4"], "-L is the length of a 1-D signal"),
        (["--cin", "3", "--cout", "3", "-k", "3x3x3", "--size", "8x8"], "--size 8x8 has 2 values, the layer 3"),
        (["--cin", "3", "--cout", "3", "-k", "3x3x3", "-v", "spatial"], "the spatial variant splits a 2-D kernel"),
        (["--cin", "3", "--cout", "3", "--padding", "wide"], "--padding"),
        (["--cout", "3"], "Missing option '--cin'"),
    ],
)
def test_bad_input_is_one_line_on_stderr(run, args, needle):
    r = run("compare", *args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_output_file_is_written_whole(run, tmp_path):
    target = tmp_path / "out.csv"
    r = run("compare", "--cin", "64", "--cout", "128", "--format", "csv", "-o", str(target))
    assert r.exit_code == 0 and r.stdout == ""
    assert target.read_text().startswith("variant,")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left


def test_failed_run_keeps_an_existing_output_file(run, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("precious\n")
    r = run("compare", "--cin", "3", "--cout", "128", "--groups", "2", "-o", str(target))
    assert r.exit_code == 2
    assert target.read_text() == "precious\n"


def test_unwritable_output_is_an_error_line(run, tmp_path):
    r = run("compare", "--cin", "3", "--cout", "8", "-o", str(tmp_path / "missing" / "x.csv"))
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith("Error: cannot write")


def test_version_and_help(run):
    from liteconv_cli import __version__

    assert run("--version").stdout == f"liteconv {__version__}\n"
    top = run("--help")
    assert top.exit_code == 0 and "Examples:" in top.stdout and "compare" in top.stdout
    sub = run("compare", "--help")
    assert sub.exit_code == 0 and "Examples:" in sub.stdout
    for name, variant in VARIANTS.items():  # the help lists every variant with its docstring line
        assert name in sub.stdout and variant.help[:40] in sub.stdout.replace("\n", " ")


def test_a_groups_sweep_shows_grouped_rows_only_where_g_is_above_one(run):
    r = run("compare", "--cin", "64", "--cout", "64", "-g", "1,2", "--no-bias", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    grouped = [row for row in csv.DictReader(io.StringIO(r.stdout)) if row["variant"] == "grouped"]
    assert [(row["groups"], int(row["params"])) for row in grouped] == [("2", 64 * (64 // 2) * 3 * 3)]


def test_a_dilation_sweep_labels_each_row(run):
    r = run("compare", "--cin", "8", "--cout", "8", "-d", "1,2", "--size", "16", "--padding", "valid",
            "-v", "standard", "--no-bias", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = {row["dilation"]: row for row in csv.DictReader(io.StringIO(r.stdout))}
    # valid padding: H_out = H - d(K - 1) = 14 at d = 1, 12 at d = 2
    assert int(rows["1"]["macs"]) == 14 * 14 * 8 * 9 * 8
    assert int(rows["2"]["macs"]) == 12 * 12 * 8 * 9 * 8


# ---------------------------------------------------------------- any rank (issue 9)


def test_compare_conv3d_counts_as_pytorch(run):
    # nn.Conv3d(3, 64, (3, 7, 7), stride=(1, 2, 2), padding='same'-as-liteconv) on 3x16x112x112:
    # out 16 x 56 x 56; weights 64 x 3 x 3 x 7 x 7; MACs weights x 16 x 56 x 56
    r = run("compare", "--cin", "3", "--cout", "64", "--size", "16x112x112", "-k", "3x7x7", "-s", "1x2x2",
            "-v", "standard", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    (row,) = list(csv.DictReader(io.StringIO(r.stdout)))
    assert (int(row["out_d"]), int(row["out_h"]), int(row["out_w"])) == (16, 56, 56)
    assert int(row["weights"]) == 64 * 3 * 3 * 7 * 7
    assert int(row["macs"]) == 64 * 3 * 3 * 7 * 7 * 16 * 56 * 56


def test_compare_conv1d_with_length(run):
    # M5's first layer: nn.Conv1d(1, 128, 80, stride=4) on 32,000 samples, padding 'same' in liteconv's sense
    r = run("compare", "--cin", "1", "--cout", "128", "-L", "32000", "-k", "80", "-s", "4", "--padding", "valid",
            "-v", "standard", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    (row,) = list(csv.DictReader(io.StringIO(r.stdout)))
    out = (32000 - 80) // 4 + 1
    assert int(row["out_w"]) == out == 7981 and row["out_h"] == ""
    assert int(row["macs"]) == 128 * 80 * out
    assert "spatial" not in r.stdout  # the spatial variant is 2-D only: left out of the default list
