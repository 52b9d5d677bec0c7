"""YAML specs (liteconv_cli.spec): every key checked, every error one line naming file, line,
layer and key; the JSON Schema and docs/spec.md agree with the loader."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from liteconv_cli.engine.network import KINDS, ConvLayer, Separable, walk
from liteconv_cli.engine.shapes import Shape
from liteconv_cli.errors import SpecError
from liteconv_cli.spec import COMMON, KEYS, TOP_KEYS, load_spec, parse_spec

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
SCHEMA = ROOT / "liteconv_cli" / "spec.schema.json"
HEAD = "input: [3, 32, 32]\nlayers:\n"


def error(text: str | bytes, name: str = "net.yaml") -> str:
    with pytest.raises(SpecError) as e:
        walk(parse_spec(text, source_name=name))
    return str(e.value)


# ------------------------------------------------------------------ reading a spec


def test_a_spec_becomes_layer_records():
    net = parse_spec(
        "name: n\ninput: [3, 224, 224]\nwidth: 0.5\nchannel_rounding: 8\nresolution: 160\n"
        "defaults: {bias: false, batchnorm: true, activation: relu6}\n"
        "layers:\n  - {kind: conv, out: 32, stride: 2, name: stem}\n  - {kind: separable, out: 64, kernel: [3, 5]}\n"
        "  - {kind: fc, out: 10}\n",
        source_name="n.yaml",
    )
    assert (net.name, net.input, net.width, net.channel_rounding, net.resolution) == (
        "n", Shape(3, 224, 224), 0.5, 8, 160)
    stem, sep, fc = net.layers
    assert stem._replace(origin=None) == ConvLayer(out=32, stride=2, name="stem", bias=False, batchnorm=True,
                                                   activation="relu6")
    assert sep._replace(origin=None) == Separable(out=64, kernel=(3, 5), bias=False, batchnorm=True,
                                                  activation="relu6")
    assert (fc.bias, fc.activation, fc.scale) == (True, "none", False)  # defaults: does not reach fc
    assert (stem.origin.file, stem.origin.line, fc.origin.line) == ("n.yaml", 8, 10)


def test_yaml_features_anchors_and_merge_keys():
    # (YAML 1.1's words and numbers, bias: no and out: 0x10, are refused: tests/test_yaml_scalars.py)
    text = HEAD + (
        "  - &dw {kind: depthwise, bias: false, stride: 2}\n"
        "  - *dw\n"
        "  - {<<: *dw, stride: 1, name: third}\n"
        "  - {kind: conv, out: 16}\n"
    )
    a, b, c, d = parse_spec(text).layers
    assert a[:-1] == b[:-1] and (a.bias, a.stride) == (False, 2)
    assert (c.stride, c.bias, c.name) == (1, False, "third")
    assert d.out == 16


def test_bom_and_bytes_are_read_as_utf8():
    net = parse_spec(("\ufeff" + HEAD + "  - {kind: conv, out: 8, name: café}\n").encode())
    assert net.layers[0].name == "café"


def test_default_name_is_the_file_stem(tmp_path):
    p = tmp_path / "my_net.yaml"
    p.write_text(HEAD + "  - {kind: identity}\n")
    assert load_spec(str(p)).name == "my_net"


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((HEAD + "  - {kind: conv, out: 4}\n").encode())))
    net = load_spec("-")
    assert net.name == "stdin" and net.layers[0].origin.file == "<stdin>"


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_every_config_loads_and_walks(name):
    result = walk(load_spec(str(CONFIGS / name)))
    assert result.rows and result.total.params > 0


# ------------------------------------------------------------------ errors: one line, file:line, layer, key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEAD + "  - {kind: conv, out: 64, strde: 2}\n",
         "net.yaml:3: layer 1 'conv1': unknown key 'strde' for kind conv (did you mean 'stride'?)"),
        (HEAD + "  - {kind: seperable, out: 64}\n",
         "net.yaml:3: layer 1: kind='seperable' is not a layer kind (did you mean 'separable'?)"),
        (HEAD + "  - {out: 64}\n", "net.yaml:3: layer 1: missing 'kind' (one of conv, "),
        (HEAD + "  - {kind: conv, out: 8, name: a}\n  - kind: conv\n    out: sixty\n",
         "net.yaml:5: layer 2 'conv2': out='sixty' is not a positive integer"),
        (HEAD + "  - {kind: conv, out: true}\n", "net.yaml:3: layer 1 'conv1': out=true is not a positive integer"),
        (HEAD + "  - {kind: conv, out: 8}\n  - {kind: bottleneck, out: 8}\n",
         "net.yaml:4: layer 2 'bottleneck2': missing 'mid' (kind bottleneck needs it)"),
        (HEAD + "  - {kind: depthwise, out: 8}\n", "unknown key 'out' for kind depthwise (kinds with 'out': conv,"),
        (HEAD + "  - {kind: conv, out: 8, in: 3}\n", "never write them"),
        (HEAD + "  - {kind: conv, out: 8, out: 9}\n", "net.yaml:3: layer 1: duplicate key 'out'"),
        (HEAD + "  - {kind: conv, out: 8, activation: swish}\n", "activation='swish' is not one of none, relu,"),
        (HEAD + "  - {kind: conv, out: 8, padding: -1}\n", "padding=-1 is not same, valid, a non-negative integer"),
        (HEAD + "  - {kind: conv, out: 8, kernel: [3, 3, 3]}\n",
         "kernel=3x3x3 has 3 values for 2 spatial dims"),
        (HEAD + "  - {kind: conv, out: 8, kernel: [[3]]}\n", "kernel: expected a number or a word here, not a nested"),
        (HEAD + "  - {kind: conv, out: 8, scale: maybe}\n", "scale='maybe' is not true, false or up"),
        (HEAD + "  - {kind: pool, mode: max, scale: false}\n", "unknown key 'scale' for kind pool"),
        (HEAD + "  - {kind: pool, mode: max}\n", "pool: kernel, global: true or output: [h, w] is missing"),
        (HEAD + "  - {kind: pool, mode: max, kernel: 2, global: true}\n", "exclude each other"),
        (HEAD + "  - {kind: pool, mode: max, output: 2, stride: 2}\n", "stride and padding apply to a kernel window"),
        (HEAD + "  - {kind: conv, out: 8, repeat: 0}\n", "repeat=0 is not an integer from 1 to 10,000"),
        (HEAD + "  - {kind: conv, out: !!python/object:os.system x}\n", "out: unsupported YAML type"),
        (HEAD + "  - {kind: inverted_residual, out: 8, se: 1.5}\n", "se=1.5 is not a number in (0, 1]"),
        (HEAD + "  - kind: block\n    layers:\n      - {kind: conv, out: 8}\n      - {kind: conv, out: 8, stirde: 1}\n",
         "net.yaml:6: layer 1.2 'conv2': unknown key 'stirde'"),
        (HEAD + "  - kind: branches\n    branches:\n      - []\n      - [{kind: pointwise}]\n",
         "net.yaml:6: layer 1.2.1 'pointwise1': missing 'out'"),
        (HEAD + "  - {kind: block, layers: {kind: conv}}\n", "layers must be a list of layers"),
        (HEAD + "  - kind: conv\n    out: 64\n  - {kind: conv, out: 64, groups: 3, name: conv3}\n",
         "net.yaml:5: layer 2 'conv3': groups=3 does not divide in_channels=64"),
        ("input: [3, 4, 4]\nlayers:\n  - {kind: conv, out: 8, kernel: 7, padding: valid, name: big}\n",
         "net.yaml:3: layer 1 'big': kernel=7 is larger than the padded input (4 + 0 padding = 4)"),
        ("input: [3, 32, 32]\nwidth: 0.01\nlayers:\n  - {kind: conv, out: 8}\n",
         "layer 1 'conv1': out=8 times width 0.01 rounds to 0 channels"),
        # the document
        ("input: [3, 32, 32]\nlayer:\n  - {kind: conv, out: 8}\n",
         "net.yaml:2: unknown key 'layer' (did you mean 'layers'?)"),
        ("layers:\n  - {kind: conv, out: 8}\n", "net.yaml:1: missing 'input: [C, H, W]'"),
        ("input: [3, 32, 32]\n", "net.yaml:1: missing 'layers:'"),
        ("input: [3, 32, 32]\nlayers: []\n", "net.yaml:2: layers: is empty"),
        ("input: [3, 32, 32, 32, 32]\nlayers: []\n", "net.yaml:1: input=[3, 32, 32, 32, 32] is not [C], [C, L], [C, H, W] or [C, D, H, W]"),
        ("input: [3, 32, 32]\nwidth: -1\nlayers: [{kind: identity}]\n",
         "net.yaml:2: width=-1 is not a width multiplier: a number above 0 and at most 1,000"),
        ("input: [3, 32, 32]\nwidth: .inf\nlayers: [{kind: identity}]\n",
         "width='.inf' is not a width multiplier: a number above 0 and at most 1,000; .inf is YAML for infinity"),
        ("input: [3, 32, 32]\nchannel_rounding: ceil\nlayers: [{kind: identity}]\n",
         "channel_rounding='ceil' is not floor or a positive integer divisor"),
        ("input: [3, 32, 32]\ndefaults: {bias: false, batchnrom: true}\nlayers: [{kind: identity}]\n",
         "net.yaml:2: defaults: unknown key 'batchnrom' (did you mean 'batchnorm'?)"),
        ("input: [3, 32, 32]\ndefaults: {activation: 1}\nlayers: [{kind: identity}]\n",
         "net.yaml:2: defaults: activation=1 is not one of"),
        ("- a\n- b\n", "net.yaml:1: a spec must be a mapping (key: value), not a sequence"),
        ("just text\n", "a spec must be a mapping (key: value), not a scalar"),
        ("", "net.yaml: is empty"),
        ("# only a comment\n", "net.yaml: is empty"),
        ("key: [\n", "net.yaml:2:1: invalid YAML: did not find expected node content"),
        ("a: b\n  c: d\n", "net.yaml:2:4: invalid YAML: mapping values are not allowed"),
        ("a: 1\n---\nb: 2\n", "invalid YAML: but found another document"),
        ("a: *nope\n", "net.yaml:1:4: invalid YAML: found undefined alias"),
        ("input: [3, 4, 4]\nx: \x00\n", "net.yaml:2: invalid YAML: character #x0000"),
        (b"input: [3, 4, 4]\n\xff\xfe\n", "net.yaml:2: is not UTF-8 text (byte 0xff)"),
    ],
)
def test_errors(text, message):
    assert message in error(text)


def test_error_names_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"input: [3, 4, 4]\nlayers: [{kind: conv}]\n")))
    with pytest.raises(SpecError, match=r"^<stdin>:2: layer 1 'conv1': missing 'out'"):
        load_spec("-")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(str(tmp_path / "nope.yaml"))
    with pytest.raises(SpecError, match="is a directory"):
        load_spec(str(tmp_path))


def test_deep_yaml_nesting_is_refused_not_crashed():
    # libyaml's composer recurses in C: nesting this deep would crash the interpreter. Who stops
    # it (our event walk, or PyYAML >= 6.0.4's own depth limit) and in what words is not the
    # contract: one SpecError, one line, naming the source, and no crash
    with pytest.raises(SpecError) as caught:
        parse_spec("[" * 100_000 + "]" * 100_000, source_name="deep.yaml")
    assert caught.value.file == "deep.yaml"
    assert str(caught.value).startswith("deep.yaml") and "\n" not in str(caught.value)


def test_alias_bombs_stop_at_the_layer_limit():
    # each block holds two copies of the one before: 2^21 layers without the limit
    lines = ["input: [3, 4, 4]", "layers:", "  - &l0 {kind: block, layers: [{kind: identity}, {kind: identity}]}"]
    lines += [f"  - &l{i} {{kind: block, layers: [*l{i - 1}, *l{i - 1}]}}" for i in range(1, 21)]
    start = time.perf_counter()
    with pytest.raises(SpecError, match="over 100,000 layers"):
        parse_spec("\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5


# ------------------------------------------------------------------ the schema, the docs, the loader agree


def _schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_schema_describes_the_loaders_keys():
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == set(TOP_KEYS)
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in schema["$defs"]["layer"]["oneOf"]] == list(KINDS)
    for kind in KINDS:
        assert set(schema["$defs"][kind]["properties"]) == {"kind", *COMMON, *KEYS[kind]}, kind


def test_committed_schema_and_docs_are_generated_from_the_registry():
    from liteconv_cli import schema as gen

    assert SCHEMA.read_text(encoding="utf-8") == gen.schema_text(), "run python -m liteconv_cli.schema --write"
    doc = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    assert gen.docs_text(doc) == doc, "run python -m liteconv_cli.schema --write"


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_every_shipped_spec_validates_against_the_schema(name):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    doc = yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(_schema()).validate(doc)


def test_the_schema_rejects_what_the_loader_rejects():
    jsonschema = pytest.importorskip("jsonschema")
    v = jsonschema.Draft202012Validator(_schema())
    good = {"input": [3, 8, 8], "layers": [{"kind": "conv", "out": 4}]}
    assert v.is_valid(good)
    for bad in ({"input": [3, 8, 8], "layers": [{"kind": "conv"}]},
                {"input": [3, 8, 8], "layers": [{"kind": "conv", "out": 4, "strde": 2}]},
                {"input": [3, 8, 8], "layers": [{"kind": "activation", "function": "relu7"}]},
                {"layers": [{"kind": "conv", "out": 4}]}):
        assert not v.is_valid(bad), bad


def test_docs_reference_every_kind_and_the_worked_example_is_right():
    doc = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"| `{kind}` |" in doc, kind
    example = re.search(r"## A worked example\n\n```yaml\n(.*?)```", doc, re.S)
    assert example
    t = walk(parse_spec(example.group(1))).total
    # the doc's hand computation: weights 432 + 144 + 512 + 2,048 + 576 + 2,048 + 320, the FC's
    # 10 biases, BatchNorm 2 x (16 + 16 + 32 + 64 + 64 + 32); MACs = conv weights x 16 x 16 + 32 x 10
    assert t.weights == 432 + 144 + 512 + 2048 + 576 + 2048 + 320 == 6080
    assert (t.bias, t.bn) == (10, 2 * (16 + 16 + 32 + 64 + 64 + 32))
    assert t.params == 6538
    assert t.macs == (432 + 144 + 512 + 2048 + 576 + 2048) * 16 * 16 + 32 * 10 == 1_474_880


def test_importing_the_spec_module_does_not_import_yaml():
    code = "import sys, liteconv_cli.spec, liteconv_cli.engine.network; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_docs_graph_example_walks_as_described():
    doc = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    example = re.search(r"## Graphs: `from`, merges and outputs\n.*?```yaml\n(.*?)```", doc, re.S)
    assert example
    r = walk(parse_spec(example.group(1)))
    by_name = {row.name: row for row in r.rows}
    assert by_name["cat1"].reads == ("enc1", "up1") and by_name["cat1"].output == Shape(128, 256, 256)
    assert by_name["side"].reads == ("enc2",)
    assert [name for name, _ in r.outputs] == ["dec1", "side"]
    # up1: ConvTranspose2d(128, 64, 2, stride=2) on 128x128: MACs on the input grid, C_in x 128^2 x 64 x 2^2
    assert by_name["up1"].cost.macs == 128 * 128 * 128 * 64 * 4
    assert r.total.macs == (3 * 64 * 9 * 256 * 256 + 64 * 128 * 9 * 128 * 128 + 128 * 128 * 128 * 64 * 4
                            + 128 * 64 * 9 * 256 * 256)


def test_docs_worked_example_console_output_is_real(tmp_path, run, monkeypatch):
    doc = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    example = re.search(r"## A worked example\n\n```yaml\n(.*?)```", doc, re.S).group(1)
    block = re.search(r"```console\n\$ liteconv network tiny.yaml --summary --format csv\n(.*?)```", doc, re.S)
    (tmp_path / "tiny.yaml").write_text(example, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run("network", "tiny.yaml", "--summary", "--format", "csv").stdout == block.group(1)
