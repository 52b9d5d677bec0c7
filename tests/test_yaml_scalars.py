"""YAML read as the user means it (issue 8, section 4; docs/spec.md "How values are read").

PyYAML follows YAML 1.1: ``kernel: 1:7`` would be the base-60 number 67, ``017`` octal 15,
``0x10``, ``0b1000``, ``1_000`` and ``+5`` integers, ``yes``/``no``/``on``/``off`` booleans. A spec
takes decimal integers, decimal numbers where a fraction belongs, ``true``/``false`` and
``null``; every other spelling stays text, which a number key refuses with a hint. A pair is a
YAML list in a spec (``kernel: [1, 7]``) and ``HxW`` on the command line (``-k 1x7``).
"""

from __future__ import annotations

import csv
import io

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from liteconv_cli.engine.network import walk
from liteconv_cli.errors import SpecError
from liteconv_cli.spec import parse_spec, read_scalar

HEAD = "input: [3, 32, 32]\nlayers:\n"


def error(text: str) -> str:
    with pytest.raises(SpecError) as e:
        walk(parse_spec(text, source_name="net.yaml"))
    message = str(e.value)
    assert "\n" not in message
    return message


def layer(yaml_layer: str):
    (only,) = parse_spec(HEAD + f"  - {yaml_layer}\n", source_name="net.yaml").layers
    return only


# ------------------------------------------------------------------ refused, with a hint


@pytest.mark.parametrize(
    ("value", "yaml11", "hint"),
    [
        ("kernel: 1:7", 67, "a pair is written [1, 7]"),
        ("stride: 2:1", 121, "a pair is written [2, 1]"),
        ("out: 0x10", 16, "write 16 in decimal"),
        ("out: 0b1000", 8, "write 8 in decimal"),
        ("out: 017", 15, "without a leading zero"),
        ("out: 1_000", 1000, "write 1000 without underscores"),
        ("out: +5", 5, "write 5 without the plus sign"),
        ("bias: yes", True, "true and false"),
        ("bias: no", False, "true and false"),
        ("batchnorm: on", True, "true and false"),
        ("batchnorm: Off", False, "true and false"),
    ],
)
def test_yaml_1_1_spellings_are_refused_with_a_hint(value, yaml11, hint):
    key, _, text = value.partition(": ")
    # what PyYAML alone would have read silently (the bug): a number or a boolean
    assert yaml.safe_load(value)[key] == yaml11
    keys = value if key == "out" else f"out: 8, {value}"
    message = error(HEAD + f"  - {{kind: conv, {keys}}}\n")
    assert message.startswith("net.yaml:3: layer 1 'conv1': ")
    assert f"{key}={text!r}" in message
    assert hint in message


def test_the_hint_says_what_yaml_1_1_would_have_read():
    assert "base-60 number 67" in error(HEAD + "  - {kind: conv, out: 8, kernel: 1:7}\n")
    assert "octal number 15" in error(HEAD + "  - {kind: conv, out: 017}\n")


def test_0o17_and_a_1x7_pair_are_refused_too():
    assert "write 15 in decimal" in error(HEAD + "  - {kind: conv, out: 0o17}\n")
    message = error(HEAD + "  - {kind: conv, out: 8, kernel: 1x7}\n")
    assert "kernel='1x7'" in message and "a pair is written [1, 7] in a spec" in message


def test_a_quoted_number_is_text():
    assert "write 16 without quotes" in error(HEAD + '  - {kind: conv, out: "16"}\n')


def test_infinity_and_nan_are_not_numbers_here():
    assert "is YAML for infinity" in error("input: [3, 8, 8]\nwidth: .inf\nlayers: [{kind: identity}]\n")
    assert "width='.nan'" in error("input: [3, 8, 8]\nwidth: .nan\nlayers: [{kind: identity}]\n")


def test_a_hint_inside_a_list_names_the_item():
    message = error(HEAD + "  - {kind: conv, out: 8, kernel: [1:7, 3]}\n")
    assert "kernel=['1:7', 3]" in message and "base-60 number 67" in message


# ------------------------------------------------------------------ accepted


def test_decimal_numbers_booleans_and_lists_are_read():
    conv = layer("{kind: conv, out: 16, kernel: [1, 7], stride: 2, bias: false, batchnorm: TRUE}")
    assert (conv.out, tuple(conv.kernel), conv.bias, conv.batchnorm) == (16, (1, 7), False, True)
    net = parse_spec("input: [3, 32, 32]\nwidth: .5\nlayers: [{kind: dropout, p: 1e-1}]\n")
    assert net.width == 0.5 and net.layers[0].p == pytest.approx(0.1)


def test_a_name_is_the_text_as_written():
    # words YAML 1.1 would turn into a boolean or a number are names as they are written
    names = [layer(f"{{kind: identity, name: {n}}}").name for n in ("yes", "off", "1:30", "0x10", "017", "1e3")]
    assert names == ["yes", "off", "1:30", "0x10", "017", "1e3"]


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("-3", -3), ("224", 224), ("0.75", 0.75), (".5", 0.5), ("1.", 1.0), ("1e-3", 0.001),
     ("2.5E+2", 250.0), ("true", True), ("False", False), ("~", None), ("null", None), ("", None),
     ("1:7", "1:7"), ("0x10", "0x10"), ("017", "017"), ("+5", "+5"), ("1_000", "1_000"), ("yes", "yes"),
     (".inf", ".inf"), ("same", "same")],
)
def test_read_scalar(text, value):
    got = read_scalar(text)
    assert got == value and type(got) is type(value)


@given(st.integers(-10**30, 10**30))
def test_every_decimal_integer_is_itself(n):
    assert read_scalar(str(n)) == n
    assert layer(f"{{kind: conv, out: {abs(n) + 1}}}").out == abs(n) + 1


# ------------------------------------------------------------------ one spelling of a pair per medium


def test_the_cli_pair_and_the_spec_pair_give_the_same_layer(run, tmp_path):
    spec = tmp_path / "one.yaml"
    spec.write_text("input: [8, 20, 20]\nlayers:\n  - {kind: conv, out: 16, kernel: [1, 7], name: c}\n")
    net = run("network", str(spec), "--format", "csv")
    cli = run("compare", "--cin", "8", "--cout", "16", "-k", "1x7", "--size", "20", "-v", "standard", "--format", "csv")
    assert net.exit_code == cli.exit_code == 0
    (spec_row,) = csv.DictReader(io.StringIO(net.stdout))
    (cli_row,) = csv.DictReader(io.StringIO(cli.stdout))
    assert (spec_row["params"], spec_row["macs"]) == (cli_row["params"], cli_row["macs"])


def test_the_cli_refuses_the_spec_spelling_of_a_pair_with_a_hint(run):
    r = run("compare", "--cin", "8", "--cout", "16", "-k", "[1,7]")
    assert r.exit_code == 2 and r.stdout == ""
    assert "a pair is written HxW, such as 1x7" in r.stderr and len(r.stderr.splitlines()) == 1
