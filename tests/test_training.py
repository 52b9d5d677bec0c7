"""Training cost (engine.training): backward MACs, kept activations, optimizer state.

Expected values come from PyTorch 2.13 (tests/data/training-oracle.json: autograd's own
choices of which gradients to compute, FlopCounterMode's counts, the tensors autograd
saves) and from hand arithmetic on small specs, written as products.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liteconv_cli.engine.network import walk
from liteconv_cli.engine.training import OPTIMIZERS, freezer, training, unmatched
from liteconv_cli.errors import InvalidValue
from liteconv_cli.spec import load_spec, parse_spec

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parent / "configs"
ORACLE = json.loads((HERE / "data" / "training-oracle.json").read_text())

# the oracle's two small models, as specs (their torch definitions are in the oracle file)
SPECS = {
    "DW_NET": """
input: [32, 112, 112]
defaults: {bias: false}
layers:
  - {kind: pointwise, out: 32}
  - {kind: depthwise, kernel: 3}
""",
    "GROUPED_NET": """
input: [16, 32, 32]
layers:
  - {kind: conv, out: 32, kernel: 3, batchnorm: true, activation: relu, name: conv1}
  - {kind: conv, out: 64, kernel: 3, stride: 2, groups: 4, bias: false, batchnorm: true, activation: silu}
  - {kind: pool, mode: max, kernel: 2}
  - {kind: pool, mode: avg, global: true}
  - {kind: fc, out: 10}
""",
}


def _walk(spec: str):
    if spec in SPECS:
        return walk(parse_spec(SPECS[spec]))
    if not spec.endswith(".yaml"):  # a built-in network, by name
        return walk(load_spec(spec))
    return walk(load_spec(str(CONFIGS / spec)))


def _cpu_only_bytes(result, batch: int, spec: str) -> int:
    """What PyTorch on the CPU keeps beyond liteconv's model (see the oracle file's notes)."""
    dropout = sum(r.output.elements for r in result.rows if r.op == "dropout")
    extra = dropout * batch * (4 - 1)  # a float32 mask where CUDA (and liteconv) keep one byte
    adds = sum(1 for r in result.rows if r.op == "add")
    # stochastic depth: one float32 per example per residual block whose drop probability is not 0
    blocks = {"efficientnet_b0.yaml": adds, "convnext_tiny": adds - 1}.get(spec, 0)
    extra += blocks * batch * 4
    return extra


@pytest.mark.parametrize("case", ORACLE["cases"], ids=lambda c: f"{c['model']}-b{c['batch']}"
                         + ("-frozen" if c["liteconv_freeze"] else ""))
def test_a_step_matches_pytorch(case):
    result = _walk(case["spec"])
    t = training(result, batch=case["batch"], frozen=freezer(case["liteconv_freeze"]))
    assert t.forward_macs == case["forward_macs"]
    assert t.input_grad_macs == case["input_grad_macs"]
    assert t.weight_grad_macs == case["weight_grad_macs"]
    assert 2 * t.forward_macs == case["flop_counter_forward_flops"]
    assert 2 * t.tool_backward_macs == case["flop_counter_backward_flops"]
    assert t.saved_bytes == case["saved_bytes"] - _cpu_only_bytes(result, case["batch"], case["spec"])
    assert t.trainable_params == case["trainable_params"]
    for opt, elements in case["optimizer_state_elements"].items():
        assert training(result, optimizer=opt, frozen=freezer(case["liteconv_freeze"])).optimizer_bytes == 4 * elements


def test_resnet18_step_is_twice_the_forward_less_the_first_input_gradient():
    # the measurement: 1,814,073,344 forward, 3,510,132,736 backward MACs at batch 1
    t = training(_walk("resnet18.yaml"))
    first_conv = 64 * 112 * 112 * 3 * 7 * 7
    assert (t.forward_macs, t.backward_macs) == (1_814_073_344, 3_510_132_736)
    assert t.backward_macs == 2 * t.forward_macs - first_conv


def test_depthwise_backward_is_twice_its_forward_where_flop_counter_counts_groups_times_more():
    # the example: a 32-channel depthwise 3x3 on 112x112
    t = training(_walk("DW_NET"))
    dw = t.rows[1]
    assert dw.forward_macs == 32 * 112 * 112 * 1 * 3 * 3 == 3_612_672
    assert dw.backward_macs == 2 * 3_612_672 == 7_225_344
    assert dw.tool_backward_macs == 3_612_672 + 32 * 3_612_672 == 119_218_176


def test_mobilenet_v2_flop_counter_step_is_about_ten_times_the_truth():
    t = training(_walk("mobilenet_v2.yaml"))
    assert 9 < t.tool_backward_macs / t.backward_macs < 11


def test_small_network_by_hand():
    # conv 3->8 3x3 (bias, BN, relu) on 3x8x8, then fc 8*8*8 -> 10
    result = walk(parse_spec("""
input: [3, 8, 8]
layers:
  - {kind: conv, out: 8, kernel: 3, batchnorm: true, activation: relu, name: c}
  - {kind: fc, out: 10, name: f}
"""))
    t = training(result, batch=2, optimizer="adam", dtype="fp16")
    conv = 8 * 8 * 8 * 3 * 3 * 3
    fc = 8 * 8 * 8 * 10
    assert [r.forward_macs for r in t.rows] == [2 * conv, 2 * fc]
    assert [r.input_grad_macs for r in t.rows] == [0, 2 * fc]  # no gradient for the image
    assert [r.weight_grad_macs for r in t.rows] == [2 * conv, 2 * fc]
    # kept: the image (conv input), BN's input, relu's output (= the fc input), BN's 2 x 8 statistics
    assert t.saved_bytes == 2 * (3 * 8 * 8 + 8 * 8 * 8 + 8 * 8 * 8) * 2 + 2 * 8 * 2
    params = (8 * 3 * 3 * 3 + 8 + 16) + (8 * 8 * 8 * 10 + 10)
    assert (t.params, t.trainable_params) == (params, params)
    assert (t.weight_bytes, t.grad_bytes, t.optimizer_bytes) == (2 * params, 2 * params, 2 * 2 * params)
    assert t.memory_bytes == t.weight_bytes + t.grad_bytes + t.optimizer_bytes + t.saved_bytes


def test_frozen_rows_compute_no_weight_gradient_and_upstream_no_input_gradient():
    result = _walk("resnet18.yaml")
    t = training(result, frozen=freezer(["conv1", "layer1.*"]))
    by_name = {r.name: s for r, s in zip(result.rows, t.rows, strict=True)}
    assert by_name["conv1"].weight_grad_macs == 0 and by_name["conv1"].frozen
    assert by_name["layer1.1.conv1"].input_grad_macs == 0 and by_name["layer1.1.conv1"].weight_grad_macs == 0
    assert by_name["layer1.1.conv1"].saved_bytes == 0  # no gradient passes through: autograd records nothing
    # the first trained row needs no input gradient either; the ones after it do
    assert by_name["layer2.1.conv1"].input_grad_macs == 0 and by_name["layer2.1.conv1"].weight_grad_macs > 0
    assert by_name["layer2.1.conv2"].input_grad_macs == by_name["layer2.1.conv2"].forward_macs
    assert t.optimizer_bytes == 0  # sgd


def test_freezer_patterns_and_unmatched():
    result = _walk("resnet18.yaml")
    assert unmatched(result.rows, ["layer1", "nope*", "layer4.2.conv2"]) == ["nope*"]
    f = freezer(["*.shortcut"])
    assert [r.name for r in result.rows if f(r)] == ["layer2.1.shortcut", "layer3.1.shortcut", "layer4.1.shortcut"]


def test_batch_scales_macs_and_activations_but_not_params_or_statistics():
    result = _walk("resnet18.yaml")
    one, four = training(result, optimizer="momentum"), training(result, batch=4, optimizer="momentum")
    assert four.step_macs == 4 * one.step_macs
    assert (four.grad_bytes, four.optimizer_bytes) == (one.grad_bytes, one.optimizer_bytes)
    bn_stats = 2 * sum(r.cost.bn // 2 for r in result.rows) * 4  # mean and invstd per BatchNorm channel, fp32
    assert four.saved_bytes - bn_stats == 4 * (one.saved_bytes - bn_stats)


@pytest.mark.parametrize("kwargs", [{"batch": 0}, {"batch": True}, {"optimizer": "lbfgs"}, {"dtype": "fp64"}])
def test_bad_arguments_are_invalid_values(kwargs):
    with pytest.raises(InvalidValue):
        training(_walk("DW_NET"), **kwargs)


def test_optimizer_table_matches_torch_optim_state():
    # one buffer for momentum, exp_avg and exp_avg_sq for Adam (the oracle's resnet18 counts)
    case = ORACLE["cases"][0]
    assert {k: v * case["trainable_params"] for k, v in OPTIMIZERS.items()} == case["optimizer_state_elements"]


@pytest.mark.parametrize("case", [c for c in ORACLE["cases"] if c["batch"] == 1 and not c["liteconv_freeze"]],
                         ids=lambda c: c["model"])
def test_torch_flop_counter_convention_is_what_flop_counter_mode_prints_forward(case):
    from liteconv_cli.engine.conventions import PROFILES

    assert PROFILES["torch-flop-counter"].total(_walk(case["spec"]).rows) == case["flop_counter_forward_flops"]


# ------------------------------------------------------------------ the CLI


def test_cli_training_columns_and_table(run):
    import csv
    import io

    r = run("network", str(CONFIGS / "resnet18.yaml"), "--training", "--optimizer", "adam", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    t = training(_walk("resnet18.yaml"), optimizer="adam")
    assert sum(int(row["backward_macs"]) for row in rows) == t.backward_macs == 3_510_132_736
    assert sum(int(row["saved_bytes"]) for row in rows) == t.saved_bytes
    j = run("network", str(CONFIGS / "resnet18.yaml"), "--training", "--optimizer", "adam", "--format", "json")
    import json as _json

    (step,) = _json.loads(j.stdout)["meta"]["training"]
    assert step["optimizer_bytes"] == 2 * 4 * 11_689_512 and step["step_macs"] == 1_814_073_344 + 3_510_132_736


def test_cli_freeze_and_batch(run):
    r = run("network", str(CONFIGS / "resnet18.yaml"), "--freeze", "conv1", "--freeze", "layer1", "--batch", "2",
            "--format", "json")
    import json as _json

    (step,) = _json.loads(r.stdout)["meta"]["training"]
    case = next(c for c in ORACLE["cases"] if c["liteconv_freeze"] and c["spec"] == "resnet18.yaml")
    assert step["backward_macs"] == 2 * (case["input_grad_macs"] + case["weight_grad_macs"])


def test_cli_freeze_that_matches_nothing_is_an_error(run):
    r = run("network", str(CONFIGS / "resnet18.yaml"), "--freeze", "layer9")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("Error:") and "layer9" in r.stderr


def test_cli_batch_with_a_convention_is_a_usage_error(run):
    r = run("network", str(CONFIGS / "resnet18.yaml"), "--batch", "2", "--convention", "fvcore")
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.startswith("Error:")


def test_cli_batch_scales_the_table_but_not_params(run):
    import json as _json

    one = _json.loads(run("network", str(CONFIGS / "resnet18.yaml"), "--summary", "--format", "json").stdout)
    four = _json.loads(run("network", str(CONFIGS / "resnet18.yaml"), "--summary", "--batch", "4", "--format",
                           "json").stdout)
    a, b = one["tables"]["summary"]["rows"][0], four["tables"]["summary"]["rows"][0]
    assert (b["macs"], b["flops"], b["params"]) == (4 * a["macs"], 4 * a["flops"], a["params"])


def test_cli_optimizer_choices_are_the_engine_table():
    from liteconv_cli.cli.analyses import OPTIMIZERS as CLI_OPTIMIZERS

    assert CLI_OPTIMIZERS == tuple(OPTIMIZERS)  # spelled out in the CLI so that it starts without the engine module
