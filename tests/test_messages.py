"""Names, numbers and words (issue 8, sections 6, 7 and 10): each error one clean line.

- Layer names are unique (docs/spec.md "Names"), printable, never empty.
- An unreadable spec is an input error like a missing one (exit 1, the others still counted).
- The engine and the CLI apply one rule to the grouped variant: G > 1.
- Every number option is range-checked at parse time (exit 2): nan, inf, 1e308, huge integers.
- A json sweep streams: its header writes ranges, not every value (peak memory measured).
- The width multiplier is --width-mult (torchvision's name); messages carry no Python None.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from liteconv_cli import Conv, evaluate
from liteconv_cli.cli import cli
from liteconv_cli.errors import InvalidValue, SpecError
from liteconv_cli.spec import parse_spec

ROOT = Path(__file__).resolve().parent.parent
V1 = str(ROOT / "configs" / "mobilenet_v1.yaml")
SEED = str(ROOT / "configs" / "seed003_5x5.yaml")
HEAD = "input: [3, 32, 32]\nlayers:\n"


def spec_error(text: str) -> str:
    with pytest.raises(SpecError) as e:
        parse_spec(text, source_name="net.yaml")
    assert "\n" not in str(e.value)
    return str(e.value)


def one_error_line(r, code: int) -> str:
    assert r.exit_code == code, r.stderr
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    return lines[0]


# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ("  - {kind: conv, out: 8, name: a}\n  - {kind: conv, out: 8, name: a}\n",
         "net.yaml:4: layer 2 'a': the name 'a' is also the name of layer 1 (line 3)"),
        ("  - {kind: conv, out: 8, name: a, repeat: 2}\n  - {kind: conv, out: 8, name: a.1}\n",
         "net.yaml:4: layer 2 'a.1': the name 'a.1' extends the name 'a' of layer 1 (line 3), whose rows are named "
         "a.1, a.2, ..."),
        ("  - {kind: conv, out: 8, name: a.1}\n  - {kind: conv, out: 8, name: a, repeat: 2}\n",
         "net.yaml:4: layer 2 'a': the name 'a' is the front of the name 'a.1' of layer 1 (line 3)"),
        ("  - {kind: conv, out: 8}\n  - {kind: conv, out: 8, name: conv1}\n",
         "net.yaml:4: layer 2 'conv1': the name 'conv1' is also the default name of layer 1 (line 3)"),
        ("  - {kind: conv, out: 8, name: conv2}\n  - {kind: conv, out: 8}\n",
         "net.yaml:4: layer 2 'conv2': the default name 'conv2' is also the name of layer 1 (line 3)"),
        ("  - kind: block\n    layers:\n      - {kind: conv, out: 8, name: x}\n      - {kind: conv, out: 8, name: x}\n",
         "net.yaml:6: layer 1.2 'x': the name 'x' is also the name of layer 1.1 (line 5)"),
        ("  - {kind: separable, out: 8, name: s}\n  - {kind: conv, out: 8, name: s.depthwise}\n",
         "the name 's.depthwise' extends the name 's' of layer 1 (line 3)"),
    ],
)
def test_two_layers_whose_rows_would_share_a_name_are_refused_naming_both_lines(layers, message):
    assert message in spec_error(HEAD + layers)


def test_names_that_cannot_clash_are_fine():
    net = parse_spec(HEAD + (
        "  - {kind: conv, out: 8, name: a.b}\n"
        "  - {kind: conv, out: 8, name: a.c}\n"
        "  - {kind: block, name: b1, layers: [{kind: conv, out: 8, name: x}]}\n"
        "  - {kind: block, name: b2, layers: [{kind: conv, out: 8, name: x}]}\n"
        "  - {kind: conv, out: 8, name: ab}\n"
    ))
    assert [layer.name for layer in net.layers] == ["a.b", "a.c", "b1", "b2", "ab"]


def test_convert_only_can_no_longer_hit_two_layers_of_one_name(run, tmp_path):
    spec = tmp_path / "twice.yaml"
    spec.write_text(HEAD + "  - {kind: conv, out: 8, name: a}\n  - {kind: conv, out: 8, name: a}\n")
    line = one_error_line(run("convert", str(spec), "--to", "separable", "--only", "a"), 1)
    assert "the name 'a' is also the name of layer 1 (line 3)" in line


@pytest.mark.parametrize("char", ["\\e", "\\0", "\\r", "\\n", "\\t", "\\x7f", "\\x85", "\\u202e"])
@pytest.mark.parametrize("where", ["layer", "network"])
def test_a_control_character_in_a_name_is_refused(char, where):
    if where == "layer":
        text = HEAD + f'  - {{kind: conv, out: 8, name: "a{char}b"}}\n'
    else:
        text = f'name: "net{char}"\n' + HEAD + "  - {kind: conv, out: 8}\n"
    message = spec_error(text)
    assert "name=" in message and "has the unprintable character U+" in message
    assert all(c.isprintable() for c in message)  # the error itself carries no raw control character


@pytest.mark.parametrize("value", ['""', "''", "' '", "~", ""])
def test_an_empty_name_is_an_error(value):
    assert "name=" in spec_error(HEAD + f"  - kind: conv\n    out: 8\n    name: {value}\n")
    assert "name=" in spec_error(f"name: {value}\n" + HEAD + "  - {kind: conv, out: 8}\n")


def _as_nobody() -> dict:
    """Run a child as an unprivileged user when we are root (root reads any file)."""
    return {"user": 65534, "group": 65534, "extra_groups": []} if os.geteuid() == 0 else {}


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "geteuid"), reason="POSIX permissions")
@pytest.mark.parametrize("command", [["network", "--summary"], ["sweep"], ["convert", "--to", "separable"]])
def test_an_unreadable_spec_is_an_input_error_and_the_others_are_counted(tmp_path, command):
    tmp_path.chmod(0o755)
    good, locked = tmp_path / "good.yaml", tmp_path / "locked.yaml"
    good.write_text(Path(SEED).read_text())
    locked.write_text(Path(SEED).read_text())
    good.chmod(0o644)
    locked.chmod(0o000)
    specs = [str(locked)] if command[0] == "convert" else [str(good), str(locked)]
    args = [sys.executable, "-m", "liteconv_cli", command[0], *specs, *command[1:], "--format", "csv"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, **_as_nobody())
    except PermissionError:
        pytest.skip("cannot run a child as another user here")
    if done.returncode != 0 and "No module named" in done.stderr:
        pytest.skip("the unprivileged user cannot read the checkout")
    assert done.returncode == 1, done.stderr
    assert done.stderr == f"Error: {locked}: permission denied\n"
    if command[0] != "convert":
        assert len(list(csv.DictReader(io.StringIO(done.stdout)))) == 1  # the readable one is counted


@pytest.mark.parametrize("command", [["network", "--summary"], ["sweep"], ["convert", "--to", "separable"]])
def test_an_unreadable_spec_as_a_user_sees_it(run, tmp_path, monkeypatch, command):
    """The same, in-process, with the file unreadable as it is to a user (root reads any file, and
    CI runs as root): os.access says no, and opening it fails with EACCES."""
    import builtins

    good, locked = tmp_path / "good.yaml", tmp_path / "locked.yaml"
    good.write_text(Path(SEED).read_text())
    locked.write_text(Path(SEED).read_text())
    real_open, real_access = builtins.open, os.access

    def refuse(path, *args, **kwargs):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: str(path) != str(locked) and real_access(path, mode))
    specs = [str(locked)] if command[0] == "convert" else [str(good), str(locked)]
    r = run(command[0], *specs, *command[1:], "--format", "csv")
    assert r.exit_code == 1
    assert r.stderr == f"Error: {locked}: permission denied\n"
    if command[0] != "convert":
        assert len(list(csv.DictReader(io.StringIO(r.stdout)))) == 1


# ------------------------------------------------------------------ one rule for the grouped variant


def test_the_engine_refuses_the_grouped_variant_with_one_group_as_the_cli_does(run):
    with pytest.raises(InvalidValue) as e:
        evaluate(Conv(64, 128, 3), "grouped")
    assert e.value.field == "groups"
    assert evaluate(Conv(64, 128, 3, groups=4), "grouped").cost.weights == 128 * (64 // 4) * 3 * 3
    one_error_line(run("compare", "--cin", "64", "--cout", "128", "-v", "grouped"), 2)


# ------------------------------------------------------------------ numbers: every option range-checked


def _number_options() -> list[tuple[str, str]]:
    """(command, option) for every option of compare, network, sweep and convert that takes numbers."""
    ctx = click.Context(cli)
    found = []
    for name in ("compare", "network", "sweep", "convert"):
        for p in cli.get_command(ctx, name).params:
            if isinstance(p, click.Option) and not p.is_flag and not p.hidden and \
                    not isinstance(p.type, click.Choice | click.Path) and p.type is not click.STRING:
                found.append((name, p.opts[-1]))
    return found


NUMBER_OPTIONS = _number_options()


def _args(command: str, option: str, value: str) -> list[str]:
    if command == "compare":
        base = {"--cin": "8", "--cout": "8", **({"--size": "8"} if option == "--batch" else {})}
        # -H and -W go together (-W alone no longer sets H), and -D with both
        companions = {"--height": {"--width": "2"}, "--width": {"--height": "2"},
                      "--depth": {"--height": "2", "--width": "2"}}
        base.update(companions.get(option, {}))
        base[option] = value
        return ["compare", *(x for kv in base.items() for x in kv), "--format", "csv"]
    if command == "convert":
        return ["convert", SEED, option, value if option != "--to" else f"grouped:{value}", "--format", "csv"]
    return [command, SEED, option, value, "--format", "csv"]


def test_the_number_options_are_found():
    assert {("compare", "--cin"), ("compare", "--padding"), ("network", "--width-mult"), ("network", "--resolution"),
            ("sweep", "--width-mult"), ("sweep", "--resolution"), ("convert", "--to")} <= set(NUMBER_OPTIONS)


@pytest.mark.parametrize(("command", "option"), NUMBER_OPTIONS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1", "9" * 5000, "1_0x"])
def test_a_number_out_of_range_is_a_usage_error_at_parse_time(run, command, option, value):
    if option in ("--to",) and value == "-1":
        value = "-2"
    line = one_error_line(run(*_args(command, option, value)), 2)
    assert option in line or option.lstrip("-") in line


@pytest.mark.parametrize(("command", "option"), NUMBER_OPTIONS)
def test_the_same_options_take_a_sane_value(run, command, option):
    value = "2" if option != "--padding" else "1"
    r = run(*_args(command, option, value))
    assert r.exit_code in (0, 1), r.stderr  # 1: a value the layer cannot take (grouped:2 on 3 channels)


def test_a_width_multiplier_of_1e308_in_a_spec_is_one_spec_error(run, tmp_path):
    spec = tmp_path / "wide.yaml"
    spec.write_text("input: [3, 32, 32]\nwidth: 1e308\nlayers: [{kind: conv, out: 8}]\n")
    line = one_error_line(run("network", str(spec)), 1)
    assert line.startswith(f"Error: {spec}:2: width=") and "at most 1,000" in line


def test_the_widest_multiplier_still_walks(run):
    r = run("network", SEED, "--width-mult", "1000", "--summary", "--format", "csv")
    assert r.exit_code == 0
    (row,) = csv.DictReader(io.StringIO(r.stdout))
    assert int(row["params"]) == 1000 * 1200  # 16 -> 16,000 channels: 16,000 x 3 x 5 x 5 weights, no bias


# ------------------------------------------------------------------ a json sweep streams


PEAK = """
import resource, subprocess, sys
p = subprocess.Popen([sys.executable, "-m", "liteconv_cli", *sys.argv[1:]], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL)
head = p.stdout.read(1 << 16)
p.stdout.close()
p.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
sys.stdout.write(head.decode())
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource is POSIX")
def test_a_json_sweep_over_ten_million_channel_counts_streams_in_little_memory():
    # (HEAD 291ef2d built a 1.27 GB header of every swept value before its first byte)
    done = subprocess.run([sys.executable, "-c", PEAK, "compare", "--cin", "1:10000000", "--cout", "1:10000000",
                           "--format", "json"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    peak_mb, _, head = done.stdout.partition("\n")
    assert int(peak_mb) < 150, f"peak {peak_mb} MB"
    meta = head[head.index('"meta": ') + 8: head.index(', "tables"')]
    layer = json.loads(meta)["layer"]
    assert layer["in_channels"] == layer["out_channels"] == {"start": 1, "stop": 10_000_000, "step": 1}
    assert '"rows": [' in head  # rows follow the header as they come


def test_json_header_ranges_as_written(run):
    r = run("compare", "--cin", "1,3:9:3", "--cout", "8:12:4", "-k", "1,3", "--format", "json")
    layer = json.loads(r.stdout)["meta"]["layer"]
    assert layer["in_channels"] == [1, 3, 6, 9]
    assert layer["out_channels"] == {"start": 8, "stop": 12, "step": 4}
    assert layer["kernel_size"] == [[1, 1], [3, 3]]
    rows = json.loads(r.stdout)["tables"]["variants"]["rows"]
    assert {(row["cin"], row["cout"]) for row in rows} == {(a, b) for a in (1, 3, 6, 9) for b in (8, 12)}


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_sweep_too_large_for_a_table_is_refused_up_front(run, fmt):
    line = one_error_line(run("compare", "--cin", "1:10000000", "--cout", "8", "--format", fmt), 2)
    assert "use --format csv or json" in line


def test_a_list_of_sizes_too_long_to_check_is_refused_up_front(run):
    assert "100,000" in one_error_line(run("compare", "--cin", "3", "--cout", "3", "--size", "1:10000000"), 2)
    line = one_error_line(run("compare", "--cin", "3", "--cout", "3", "--size", "1:2000", "-k", "1:1000"), 2)
    assert "2,000,000 combinations" in line


# ------------------------------------------------------------------ words


def test_width_mult_is_the_multiplier_and_width_still_works_with_a_note(run):
    new = run("network", V1, "--width-mult", "0.5", "--summary", "--format", "csv")
    old = run("network", V1, "--width", "0.5", "--summary", "--format", "csv")
    assert new.exit_code == old.exit_code == 0 and new.stdout == old.stdout and new.stderr == ""
    assert len(old.stderr.splitlines()) == 1 and "--width-mult" in old.stderr
    swept = run("sweep", V1, "--width", "1,0.5", "--format", "csv")
    assert swept.stdout == run("sweep", V1, "--width-mult", "1,0.5", "--format", "csv").stdout
    one_error_line(run("sweep", V1, "--width", "1", "--width-mult", "1"), 2)
    assert "--width-mult" in run("network", "--help").stdout
    assert "--width " not in run("network", "--help").stdout  # the old name is hidden


@pytest.mark.parametrize(
    ("layers", "good", "bad"),
    [
        ("{kind: se, squeeze: 8, ratio: 0.25}", "not both", ["None", "squeeze=8 or ratio"]),
        ("{kind: se}", "missing squeeze", ["None"]),
        ("{kind: deconv, out: 8}", "conv_transpose", ["did you mean 'conv'"]),
    ],
)
def test_messages_say_what_to_write(layers, good, bad):
    message = spec_error("input: [8, 8, 8]\nlayers:\n  - " + layers + "\n")
    assert good in message
    assert not any(b in message for b in bad)


def test_linear_and_ceil_mode_are_read_not_misread():
    # HEAD 291ef2d: "did you mean 'lite'" and "did you mean 'mode'"
    net = parse_spec("input: [8, 8, 8]\nlayers:\n  - {kind: pool, mode: max, kernel: 3, stride: 2, ceil_mode: true}\n"
                     "  - {kind: linear, out: 4}\n")
    assert [layer.kind if hasattr(layer, "kind") else type(layer).__name__ for layer in net.layers]


def test_one_byte_per_value(run):
    r = run("network", V1, "--memory", "--dtype", "int8")
    assert r.exit_code == 0
    assert "1 byte per value" in r.stdout and "1 bytes" not in r.stdout


def test_dtype_without_a_map_is_a_usage_error(run):
    assert "--size" in one_error_line(run("compare", "--cin", "8", "--cout", "8", "--dtype", "int8"), 2)


@pytest.mark.parametrize("dtype", ["fp16", "int8"])
def test_memory_csv_names_its_dtype(run, dtype):
    net = run("network", V1, "--memory", "--dtype", dtype, "--format", "csv")
    assert {row["dtype"] for row in csv.DictReader(io.StringIO(net.stdout))} == {dtype}
    layer = run("compare", "--cin", "8", "--cout", "8", "--size", "8", "--dtype", dtype, "--format", "csv")
    assert {row["dtype"] for row in csv.DictReader(io.StringIO(layer.stdout))} == {dtype}


def test_a_default_name_from_a_file_name_is_escaped(tmp_path):
    from liteconv_cli.spec import load_spec

    spec = tmp_path / "net\x1b[31m.yaml"
    spec.write_text(HEAD + "  - {kind: conv, out: 8}\n")
    name = load_spec(str(spec)).name
    assert name == "net\\x1b[31m" and name.isprintable()
