"""The device roofline (engine.roofline) and the shipped device tables (liteconv_cli/devices).

Expected values are arithmetic: t_compute = MACs / peak, t_memory = bytes moved / bandwidth,
the bound their maximum, a network's bound the sum of its rows' (Williams, Waterman and
Patterson, "Roofline", CACM 2009). Bytes moved per row are engine.activations' (tested in
tests/test_memory.py).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from liteconv_cli.devices import load_device, names
from liteconv_cli.engine.activations import memory
from liteconv_cli.engine.network import walk
from liteconv_cli.engine.roofline import Device, bound, device_from_mapping, roofline, seconds_text
from liteconv_cli.errors import InvalidValue, LiteconvError, SpecError
from liteconv_cli.spec import load_spec, parse_spec

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
TOY = Device("toy", {"fp32": 2 * 10**9, "int8": 8 * 10**9}, 10**9)  # 2 GMAC/s, 1 GB/s: ridge 2 MACs/byte


def test_bound_is_the_larger_of_compute_and_memory_time():
    b = bound(6 * 10**9, 10**9, TOY, "fp32")
    assert (b.compute_s, b.memory_s, b.bound_s, b.binds) == (3, 1, 3, "compute")
    b = bound(10**6, 8 * 10**6, TOY, "fp32")
    assert (b.compute_s, b.memory_s, b.bound_s, b.binds) == (Fraction(1, 2000), Fraction(8, 1000),
                                                              Fraction(8, 1000), "memory")
    assert b.intensity == Fraction(1, 8) and TOY.ridge("fp32") == 2
    assert bound(10**6, 0, TOY, "int8").compute_s == Fraction(10**6, 8 * 10**9)


def test_a_conv_layer_by_hand_and_the_network_is_the_sum():
    result = walk(parse_spec("""
input: [64, 56, 56]
defaults: {bias: false}
layers:
  - {kind: conv, out: 64, kernel: 3}
  - {kind: depthwise, kernel: 3}
"""))
    mem = memory(result, "fp32")
    r = roofline(result, mem, TOY)
    conv, dw = r.rows
    assert conv.macs == 64 * 56 * 56 * 64 * 3 * 3
    assert conv.moved_bytes == (64 * 56 * 56 + 64 * 64 * 9 + 64 * 56 * 56) * 4
    assert conv.compute_s == Fraction(64 * 56 * 56 * 64 * 9, 2 * 10**9) and conv.binds == "compute"
    assert dw.macs == 64 * 56 * 56 * 9 and dw.moved_bytes == (2 * 64 * 56 * 56 + 64 * 9) * 4
    assert dw.binds == "memory"  # about 9 MACs per 8 bytes: below the ridge of 2 MACs/byte
    assert r.bound_s == conv.bound_s + dw.bound_s
    assert r.compute_s == conv.compute_s + dw.compute_s and r.memory_s == conv.memory_s + dw.memory_s
    assert r.share("memory") == dw.bound_s / r.bound_s


def test_batch_scales_activations_but_reads_weights_once():
    result = walk(load_spec(str(CONFIGS / "mobilenet_v2.yaml")))
    mem = memory(result, "fp32")
    one, eight = roofline(result, mem, TOY), roofline(result, mem, TOY, batch=8)
    for a, b, m in zip(one.rows, eight.rows, mem.rows, strict=True):
        assert b.macs == 8 * a.macs
        if m.moved_bytes:
            assert b.moved_bytes == 8 * (a.moved_bytes - m.param_bytes) + m.param_bytes
    assert eight.bound_s <= 8 * one.bound_s


def test_onchip_fit_is_the_working_set():
    small = TOY._replace(onchip_bytes=100_000)
    result = walk(parse_spec("input: [4, 10, 10]\nlayers:\n  - {kind: conv, out: 4, kernel: 1, bias: false}\n"))
    (b,) = roofline(result, memory(result), small).rows
    assert b.fits_onchip == ((4 * 100 + 16 + 4 * 100) * 4 <= 100_000)
    assert roofline(result, memory(result), TOY).rows[0].fits_onchip is None


def test_a_dtype_the_device_does_not_give_is_refused():
    result = walk(load_spec(str(CONFIGS / "seed003_5x5.yaml")))
    with pytest.raises(InvalidValue, match="fp16"):
        roofline(result, memory(result, "fp16"), TOY)


def test_seconds_text():
    assert [seconds_text(v) for v in (Fraction(3, 2), Fraction(123, 10**5), Fraction(5, 10**7), 0)] == \
        ["1.5 s", "1.23 ms", "0.5 us", "0"][:2] + ["500 ns", "0"]


# ------------------------------------------------------------------ device tables


def test_every_shipped_device_loads_and_cites_each_number():
    assert len(names()) >= 4
    for name in names():
        d = load_device(name)
        assert d.key == name and d.peak_macs and d.bandwidth > 0
        for key in ("peak_macs_per_s", "memory_bandwidth_bytes_per_s") + (("onchip_bytes",) if d.onchip_bytes else ()):
            assert len(d.sources.get(key, "")) > 20, (name, key)


def test_rtx4090_numbers_are_the_whitepaper_figures_in_macs():
    d = load_device("rtx4090")
    assert d.peak("fp32") == 16_384 * 2_520_000_000  # 82.6 TFLOPS / 2
    assert round(2 * d.peak("int8") / 1e12, 1) == 660.6 and round(2 * d.peak("fp16") / 1e12, 1) == 165.2
    assert d.bandwidth == 384 // 8 * 21 * 10**9  # 384-bit bus at 21 Gbps
    assert d.peak("bf16") == d.peak("fp16") == 512 * 2_520_000_000 * 64  # 512 Tensor Cores x 64 MACs a cycle
    assert d.onchip_bytes == 73_728 * 1024  # L2 73,728 KB


def test_rpi4_numbers_are_its_parts_multiplied():
    d = load_device("rpi4")
    # 4 Cortex-A72 cores x 1.5 GHz x one 128-bit FMLA a cycle (both 64-bit FP/ASIMD pipes) x 4 fp32 lanes
    assert d.peak("fp32") == 4 * 1_500_000_000 * 1 * 4
    assert set(d.peak_macs) == {"fp32"}  # Armv8.0-A: no fp16 arithmetic, no int8 dot product
    assert d.bandwidth == 3_200_000_000 * 32 // 8  # LPDDR4-3200 on a 32-bit bus
    assert d.onchip_bytes == 1024 * 1024  # 1 MB L2


def test_vendor_tops_are_halved_into_dense_macs():
    orin = load_device("jetson-orin-nano")
    assert orin.peak("int8") == 40 * 10**12 // 2 // 2  # 40 TOPS sparse -> 20 dense -> MACs
    assert orin.peak("fp16") == orin.peak("bf16") == orin.peak("int8") // 2  # Ampere: FP16 312 vs INT8 624 (A100)
    assert orin.peak("fp32") == 1024 * 625_000_000  # CUDA cores x clock x 1 FMA
    assert orin.bandwidth == 68 * 10**9
    m4 = load_device("apple-m4-ane")
    assert set(m4.peak_macs) == {"int8"} and m4.peak("int8") == 38 * 10**12 // 2
    assert m4.bandwidth == 120 * 10**9
    for name, dev in (("rpi4", load_device("rpi4")), ("jetson-orin-nano", orin), ("apple-m4-ane", m4)):
        assert "derived" in dev.sources["peak_macs_per_s"], name  # no derived peak passes as quoted


def test_a_user_device_file(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("name: mine\npeak_macs_per_s: {fp32: 2e9}\nmemory_bandwidth_bytes_per_s: 1000000000\n")
    d = load_device(str(f))
    assert (d.name, d.peak("fp32"), d.bandwidth, d.key) == ("mine", 2 * 10**9, 10**9, "mine")


@pytest.mark.parametrize("data", [
    [], {"name": "x"}, {"peak_macs_per_s": {"fp64": 1}, "memory_bandwidth_bytes_per_s": 1},
    {"peak_macs_per_s": {"fp32": -1}, "memory_bandwidth_bytes_per_s": 1},
    {"peak_macs_per_s": {"fp32": 1}}, {"peak_macs_per_s": {"fp32": 1}, "memory_bandwidth_bytes_per_s": 1.5},
    {"peak_macs_per_s": {"fp32": 1}, "memory_bandwidth_bytes_per_s": 1, "colour": "red"},
])
def test_malformed_tables_are_spec_errors(data):
    with pytest.raises(SpecError):
        device_from_mapping(data, file="d.yaml")


def test_unknown_device_names_the_shipped_ones():
    with pytest.raises(LiteconvError, match="rpi4"):
        load_device("rpi5")


# ------------------------------------------------------------------ the CLI


def test_cli_network_device_bound_is_the_sum_of_rows(run):
    import json

    r = run("network", str(CONFIGS / "mobilenet_v2.yaml"), "--device", "rpi4", "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    rows = doc["tables"]["layers"]["rows"]
    (net,) = doc["meta"]["roofline"]
    assert abs(sum(row["rl_bound_s"] for row in rows) - net["bound_s"]) < 1e-12
    dev = load_device("rpi4")
    assert doc["meta"]["device"]["peak_macs_per_s"] == dev.peak("fp32")
    for row in rows:
        if row["macs"]:
            assert row["rl_compute_s"] == pytest.approx(row["macs"] / dev.peak("fp32"))
            assert row["rl_memory_s"] == pytest.approx(row["rl_moved_bytes"] / dev.bandwidth)
            assert row["rl_bound_s"] == max(row["rl_compute_s"], row["rl_memory_s"])


def test_cli_compare_says_which_variant_is_fastest_on_the_device(run):
    import json

    r = run("compare", "--cin", "256", "--cout", "256", "-k", "3", "--size", "14", "--device", "rtx4090",
            "--format", "json")
    doc = json.loads(r.stdout)
    ranked = doc["tables"]["device"]["rows"]
    assert ranked == sorted(ranked, key=lambda row: (row["rl_bound_s"], row["macs"]))
    assert doc["meta"]["fastest"] == ranked[0]["variant"]
    assert doc["meta"]["cheapest"] == min(ranked, key=lambda row: row["macs"])["variant"]
    assert "Fastest on NVIDIA GeForce RTX 4090" in run("compare", "--cin", "256", "--cout", "256", "-k", "3",
                                                       "--size", "14", "--device", "rtx4090").stdout


@pytest.mark.parametrize(("args", "code"), [
    (("network", "mobilenet_v2", "--device", "rpi5"), 2),  # an unknown device name: a usage error
    (("network", "mobilenet_v2", "--device", "apple-m4-ane"), 1),  # no fp32 peak: ask with --dtype int8
    (("compare", "--cin", "8", "--cout", "8", "--device", "rpi4"), 2),  # no size, no bytes
])
def test_cli_device_errors(run, args, code):
    r = run(*args)
    assert r.exit_code == code and r.stdout == "" and r.stderr.startswith("Error:")
