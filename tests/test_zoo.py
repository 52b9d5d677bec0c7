"""Built-in networks (issue 10): names, the catalogue, families, `liteconv models` and `show`,
and the EfficientNet B0-B7 family against PyTorch.

Truth for EfficientNet: tests/data/zoo-counts.json (torch 2.13, torchvision 0.28,
``weights=None``, eval, batch 1; see tests/data/README.md), each model at the crop size of its
weights (``efficientnet_bN``) and at 224 (``efficientnet_bN@224``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from test_zoo_specs import assert_conv_split_is_pytorch

from liteconv_cli import load_spec, walk, zoo
from liteconv_cli.errors import SpecError
from liteconv_cli.spec import parse_spec

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "liteconv_cli" / "configs"
TRUTH = Path(__file__).resolve().parent / "data" / "zoo-counts.json"
CATEGORIES = ("standard", "pointwise", "depthwise", "grouped")
#: torchvision's (width, depth) per model: efficientnet.py, efficientnet_b0 ... _b7
EFFICIENTNET = {0: (1.0, 1.0), 1: (1.0, 1.1), 2: (1.1, 1.2), 3: (1.2, 1.4), 4: (1.4, 1.8), 5: (1.6, 2.2),
                6: (1.8, 2.6), 7: (2.0, 3.1)}


@lru_cache(maxsize=1)
def truth() -> dict[str, Any]:
    with TRUTH.open(encoding="utf-8") as f:
        return json.load(f)["models"]


# ------------------------------------------------------------------ the catalogue


def test_the_committed_catalogue_and_zoo_table_are_current():
    # regenerating configs/index.json from the specs gives the committed file byte for byte,
    # and docs/networks.md's zoo table is the one generated from it
    index = zoo.build_index()
    committed = (CONFIGS / "index.json").read_text(encoding="utf-8")
    assert zoo.index_text(index) == committed, "configs/index.json is stale: python -m liteconv_cli.zoo --write-index"
    docs = (ROOT / "docs" / "networks.md").read_text(encoding="utf-8")
    assert zoo.docs_text(index, docs) == docs, "docs/networks.md is stale: python -m liteconv_cli.zoo --write-index"
    for e in zoo.catalogue():
        assert f"| `{e['name']}` |" in docs


def test_the_catalogue_lists_every_spec_file_and_unique_names():
    cat = zoo.catalogue()
    names = [e["name"] for e in cat]
    assert len(names) == len(set(names))
    examples = json.loads((CONFIGS / "index.json").read_text(encoding="utf-8"))["examples"]
    files = {e["file"] for e in cat} | {x["file"] for x in examples}
    assert files == {p.name for p in CONFIGS.glob("*.yaml")}
    for x in examples:  # a written-out example stands for a family member it equals
        assert x["same_as"] in names and x["file"] != zoo.entry(x["same_as"])["file"]


def test_every_entry_cites_a_source_and_names_a_family():
    for e in zoo.catalogue():
        assert e["source"].strip() and e["family"].strip(), e["name"]


def test_catalogue_counts_equal_pytorch_wherever_pytorch_measured_the_name():
    measured = [e for e in zoo.catalogue() if e["name"] in truth()]
    assert {f"efficientnet_b{i}" for i in range(8)} <= {e["name"] for e in measured}
    for e in measured:
        t = truth()[e["name"]]
        assert (e["params"], e["macs"]) == (t["params"]["total"], t["macs_analytic"]["conv_plus_linear"]), e["name"]
        assert e["input"] == "x".join(map(str, t["input_shape"][1:])), e["name"]


@pytest.mark.parametrize("name", ["mobilenet_v1", "efficientnet_b3", "seed003_5x5"])
def test_a_name_loads_from_any_folder_as_its_catalogue_entry_says(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    e = zoo.entry(name)
    result = walk(load_spec(name))
    assert (result.network.name, str(result.input), result.total.params, result.total.macs) == (
        e["title"], e["input"], e["params"], e["macs"])
    assert result.network.origin.file == str(CONFIGS / e["file"])


def test_every_name_resolves_to_its_file_and_variant():
    for e in zoo.catalogue():
        assert zoo.locate(e["name"]) == (os.path.join(zoo.CONFIGS, e["file"]), e["variant"])


# ------------------------------------------------------------------ resolution


def test_a_path_that_exists_wins_over_a_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("mobilenet_v2").write_text("input: [3, 8, 8]\nlayers: [{kind: conv, out: 4, kernel: 1}]\n")
    assert walk(load_spec("mobilenet_v2")).total.params == 3 * 4 + 4  # (bias: the default)
    Path("mobilenet_v2").unlink()
    assert walk(load_spec("mobilenet_v2")).total.params == zoo.entry("mobilenet_v2")["params"]


@pytest.mark.parametrize(("arg", "message"), [
    ("mobilenet_v3", "mobilenet_v3: no such file or built-in network (did you mean 'mobilenet_v"),
    ("efficientnet_b9", "efficientnet_b9: no such file or built-in network (did you mean 'efficientnet_b"),
    ("no/such/mobilenet_v1.yaml", "no/such/mobilenet_v1.yaml: no such file (did you mean 'mobilenet_v1'"),
    ("qqqqqqqq", "qqqqqqqq: no such file or built-in network; `liteconv models` lists the built-ins"),
])
def test_unknown_names_get_did_you_mean(arg, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as e:
        load_spec(arg)
    assert str(e.value).startswith(message)


def test_file_hash_variant_loads_a_member_of_ones_own_family(tmp_path):
    f = tmp_path / "fam.yaml"
    f.write_text(FAMILY)
    assert walk(load_spec(f"{f}#wide")).total.weights == 3 * 9 * 16 + 2 * 16 * 9 * 16
    assert load_spec(f"{f}#wide").name == "wide"
    with pytest.raises(SpecError, match=r"fam\.yaml:\d+: no variant 'wid' \(did you mean 'wide'\?\)"):
        load_spec(f"{f}#wid")


# ------------------------------------------------------------------ families

FAMILY = """\
name: Fam
family: fam
source: "a test"
input: [3, 8, 8]
defaults: {bias: false, batchnorm: false, activation: relu}
layers:
  - {kind: conv, out: 8, kernel: 3, stride: 2, name: stem}
  - kind: block
    name: body
    layers:
      - {kind: conv, out: 8, kernel: 3, repeat: 2, scale_depth: true, name: inner}
  - {kind: pool, mode: avg, global: true, name: pool}
variants:
  base: {}
  wide:
    layers: {stem: {out: 16}, inner: {out: 16, repeat: 2}}
  deep: {depth: 2.2, layers: {inner: {repeat: 25}}}
  renamed: {name: Fam-R, input: [3, 16, 16], defaults: {batchnorm: true}}
  nostride: {layers: {stem: {stride: null}}}
"""


def family(variant: str | None, text: str = FAMILY):
    return parse_spec(text, source_name="fam.yaml", variant=variant)


def test_the_file_alone_is_the_base_spec_and_family_keys_are_dropped():
    base = family(None)
    assert base.name == "Fam" and base == family("base")._replace(name="Fam")


def test_layer_overrides_reach_nested_layers_by_name():
    net = family("wide")
    stem, body, _ = net.layers
    assert stem.out == 16 and body.layers[0].out == 16 and body.layers[0].repeat == 2


def test_depth_rounds_up_in_floating_point_as_torchvision():
    inner = family("deep").layers[1].layers[0]
    # torchvision: int(math.ceil(num_layers * depth_mult)) in floating point, where 25 * 2.2 is
    # 55.00000000000001, not 55
    assert inner.repeat == int(math.ceil(25 * 2.2)) == 56


def test_top_level_overrides_and_mapping_merges():
    net = family("renamed")
    assert net.name == "Fam-R" and (net.input.h, net.input.w) == (16, 16)
    stem = net.layers[0]
    assert (stem.batchnorm, stem.bias, stem.activation) == (True, False, "relu")  # defaults merged key by key


def test_null_removes_a_key():
    assert family(None).layers[0].stride == 2
    assert family("nostride").layers[0].stride == 1  # the default of a conv's stride


def test_an_aliased_layer_is_scaled_once():
    text = ("input: [3, 8, 8]\ndepth: 2\nlayers:\n"
            "  - &a {kind: conv, out: 4, kernel: 1, repeat: 3, scale_depth: true}\n  - *a\n")
    assert [layer.repeat for layer in parse_spec(text).layers] == [6, 6]


@pytest.mark.parametrize(("text", "variant", "message"), [
    (FAMILY, "huge", r"fam\.yaml:13: no variant 'huge'"),
    (FAMILY.replace("inner: {out: 16, repeat: 2}", "innr: {out: 16}"), "wide",
     r"fam\.yaml:16: variant wide: no layer named 'innr' \(did you mean 'inner'\?\)"),
    (FAMILY.replace("depth: 2.2", "depth: -1"), "deep", r"fam\.yaml:17: depth=-1 is not a positive number"),
    (FAMILY.replace("depth: 2.2", "depth: fast"), "deep", r"fam\.yaml:17: depth=fast is not a positive number"),
    (FAMILY.replace("scale_depth: true", "scale_depth: 2"), None, r"fam\.yaml:11: scale_depth=2 is not true or false"),
    ("input: [3, 8, 8]\nlayers: [{kind: identity}]\n", "x", r"fam\.yaml:1: has no variants"),
    (FAMILY.replace("depth: 2.2", "depth: 1000"), "deep", r"fam\.yaml:11: depth 1000 makes repeat 25 into 25,000"),
])
def test_family_errors_name_the_file_and_line(text, variant, message):
    with pytest.raises(SpecError, match=message):
        family(variant, text)


# ------------------------------------------------------------------ EfficientNet B0-B7


def efficientnet(i: int, at224: bool):
    net = load_spec(f"efficientnet_b{i}")
    return walk(net._replace(resolution=224) if at224 else net)


@pytest.mark.parametrize("at224", [False, True], ids=["native", "224"])
@pytest.mark.parametrize("i", range(8))
def test_efficientnet_equals_pytorch(i, at224):
    t = truth()[f"efficientnet_b{i}" + ("@224" if at224 else "")]
    r = efficientnet(i, at224)
    assert [r.input.c, r.input.h, r.input.w] == t["input_shape"][1:]
    assert (r.total.params, r.total.macs, r.total.bn) == (
        t["params"]["total"], t["macs_analytic"]["conv_plus_linear"], t["params"]["bn"])
    macs, params, _ = assert_conv_split_is_pytorch(r, t)
    assert (macs["fc"], params["fc"]) == (t["macs_analytic"]["linear"], t["params"]["linear"])
    assert (macs["other"], params["other"]) == (0, 0)


def test_efficientnet_family_spells_torchvisions_multipliers():
    # the family file's (width, depth) per variant are torchvision's; the MBConv count follows
    # adjust_depth (base repeats 1, 2, 2, 3, 3, 4, 1)
    for i, (width, depth) in EFFICIENTNET.items():
        net = load_spec(f"efficientnet_b{i}")
        assert net.width == width
        repeats = [layer.repeat for layer in net.layers if type(layer).__name__ == "InvertedResidual"]
        assert repeats == [int(math.ceil(n * depth)) for n in (1, 2, 2, 3, 3, 4, 1)]


def test_the_written_out_b0_equals_the_family_member():
    a, b = walk(load_spec(str(CONFIGS / "efficientnet_b0.yaml"))), efficientnet(0, False)
    assert (a.total, [r.cost for r in a.rows]) == (b.total, [r.cost for r in b.rows])


# ------------------------------------------------------------------ the commands


def test_models_reads_the_catalogue_only():
    # listing the zoo parses no spec: neither yaml nor the engine is imported (nor rich for csv)
    import ast
    import subprocess
    import sys

    probe = ("import sys\nfrom liteconv_cli.cli import cli\ncli.main(['models', '--format', 'csv'], "
             "standalone_mode=False)\nprint(sorted(sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    loaded = set(ast.literal_eval(out.stdout.splitlines()[-1]))
    assert "liteconv_cli.zoo" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("yaml", "rich") or m.startswith("liteconv_cli.engine")}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_models_csv_lists_the_catalogue(run):
    r = run("models", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = csv_rows(r.stdout)
    cat = zoo.catalogue()
    assert [row["name"] for row in rows] == [e["name"] for e in cat]
    assert [(int(row["params"]), int(row["macs"])) for row in rows] == [(e["params"], e["macs"]) for e in cat]
    assert {"name", "family", "input", "params", "macs", "source"} <= set(rows[0])


@pytest.mark.parametrize(("pattern", "expected"), [
    ("efficientnet_b", [f"efficientnet_b{i}" for i in range(8)]),
    ("EfficientNet_B", [f"efficientnet_b{i}" for i in range(8)]),
    ("efficientnet_b[67]", ["efficientnet_b6", "efficientnet_b7"]),
    ("seed003_*x*", ["seed003_28x28x8_separable", "seed003_28x28x8_standard", "seed003_5x5", "seed003_two_3x3"]),
])
def test_models_filter(run, pattern, expected):
    r = run("models", pattern, "--format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)["tables"]["models"]["rows"]
    assert [row["name"] for row in rows] == expected


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_models_for_people(run, fmt):
    r = run("models", "mobilenet_v2", "--format", fmt)
    assert r.exit_code == 0 and "mobilenet_v2" in r.stdout and f"{zoo.entry('mobilenet_v2')['params']:,}" in r.stdout


def test_models_with_no_match_is_an_error(run):
    r = run("models", "efficientnet_b9")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr.startswith("Error: no built-in network matches 'efficientnet_b9' (did you mean")
    assert len(r.stderr.splitlines()) == 1


@pytest.mark.parametrize("name", ["mobilenet_v1", "efficientnet_b5"])
def test_show_prints_a_spec_that_loads_as_the_network(run, name):
    # what show prints is that network, as it is: a copy saved and loaded counts the same
    r = run("show", name)
    assert r.exit_code == 0
    e = zoo.entry(name)
    net = parse_spec(r.stdout)
    assert (walk(net).total.params, walk(net).total.macs) == (e["params"], e["macs"])
    if e["variant"]:  # --family shows the family file whole, with a line on loading the member
        fam = run("show", name, "--family").stdout
        assert fam.startswith("#") and f"{e['file']}#{e['variant']}" in fam.splitlines()[0]
        net = parse_spec(fam, variant=e["variant"])
        assert (walk(net).total.params, walk(net).total.macs) == (e["params"], e["macs"])


def test_show_expand_prints_the_member_alone(run):
    r = run("show", "efficientnet_b5", "--expand")
    assert r.exit_code == 0 and "variants" not in r.stdout and "scale_depth" not in r.stdout
    t = walk(parse_spec(r.stdout)).total
    assert (t.params, t.macs) == (zoo.entry("efficientnet_b5")["params"], zoo.entry("efficientnet_b5")["macs"])


def test_show_unknown_name(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("show", "resnet5O")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr.startswith("Error: resnet5O: no such file or built-in network (did you mean")


@pytest.mark.parametrize("args", [
    ("network", "efficientnet_b1", "--summary", "--format", "csv"),
    ("sweep", "mobilenet_v1", "--resolution", "224,160", "--format", "csv"),
    ("convert", "conv_mobilenet", "--to", "separable", "--format", "csv"),
])
def test_names_work_in_every_command(run, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run(*args)
    assert r.exit_code == 0 and r.stderr == "" and csv_rows(r.stdout)
