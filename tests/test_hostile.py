"""Hostile and degenerate inputs: each gets its exact error, in bounded time and memory.

Every case runs ``python -m liteconv_cli`` in a child process with a wall-clock timeout and
an address-space limit (resource.setrlimit), and checks the exit status, the one ``Error:``
line on stderr, an empty stdout, the time taken and the child's own peak memory (read in a
fresh wrapper process, see ``liteconv``). The bounds are
generous (this is not a benchmark): they catch a hang or a blow-up, not a slow machine.
The limits that stop runaway input are documented in docs/performance.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from liteconv_cli.errors import LiteconvError
from liteconv_cli.formats import Column, Report, Table

TIMEOUT_S = 20  # wall clock for one child
ADDRESS_SPACE = 2 * 1024**3  # RLIMIT_AS of the child: a blow-up dies instead of swapping
PEAK_MB = 400  # the most resident memory any hostile case may use

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="resource limits are POSIX")


#: runs the CLI as its only child, under the limits, and writes that child's peak RSS (KiB) to the
#: descriptor named by argv[1]. A fresh process, so RUSAGE_CHILDREN there is this case's own peak:
#: a child forked from this grown test process would carry the test's high-water mark across exec,
#: and this process's RUSAGE_CHILDREN is the largest of every case run so far.
_WRAPPER = f"""\
import os, resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))
status = subprocess.call(sys.argv[2:])
os.write(int(sys.argv[1]), str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss).encode())
sys.exit(status)
"""


def liteconv(*args: str, cwd: Path, stdin: bytes | None = None) -> tuple[int, str, str, float, float]:
    """Run the CLI in a limited child: (exit status, stdout, stderr, seconds, peak MB)."""
    report_r, report_w = os.pipe()
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(report_w), sys.executable, "-m", "liteconv_cli",
                             *args], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            pass_fds=(report_w,), start_new_session=True)
    os.close(report_w)
    try:
        out, err = proc.communicate(stdin, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)  # the wrapper and the CLI
        proc.communicate()
        os.close(report_r)
        pytest.fail(f"liteconv {' '.join(args)} ran over {TIMEOUT_S} s")
    elapsed = time.perf_counter() - t
    with os.fdopen(report_r, "rb") as f:
        peak = int(f.read() or 0) / 1024
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), elapsed, peak


def assert_error(result: tuple[int, str, str, float, float], code: int, message: str) -> None:
    status, out, err, elapsed, peak = result
    assert (status, out, err) == (code, "", message + "\n")
    assert elapsed < TIMEOUT_S
    assert peak < PEAK_MB, f"peak memory {peak:.0f} MB"


def bomb(levels: int = 9, fan: int = 10) -> str:
    """An alias bomb ("billion laughs") of layers: fan**levels identity layers from a few lines."""
    first = "  - &a0 {kind: block, layers: [" + ", ".join(["{kind: identity}"] * fan) + "]}"
    lines = ["input: [3, 8, 8]", "layers:", first]
    for i in range(1, levels):
        lines.append(f"  - &a{i} {{kind: block, layers: [" + ", ".join([f"*a{i - 1}"] * fan) + "]}")
    return "\n".join(lines) + "\n"


def laughs() -> str:
    """The classic billion laughs: nested lists of aliases, used as a value."""
    lines = ["layers:", "  - kind: block", "    layers: []", "    name: &l0 [" + ", ".join(["lol"] * 9) + "]"]
    for i in range(1, 9):
        lines.append(f"  - {{kind: identity, name: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]}")
    lines.append("input: *l8")
    return "\n".join(lines) + "\n"


def test_alias_bomb_of_layers(tmp_path):
    (tmp_path / "bomb.yaml").write_text(bomb())
    assert_error(liteconv("network", "bomb.yaml", cwd=tmp_path), 1,
                 "Error: bomb.yaml:3: the spec has over 100,000 layers (the limit)")


def test_billion_laughs_as_a_value(tmp_path):
    (tmp_path / "laughs.yaml").write_text(laughs())
    assert_error(liteconv("network", "laughs.yaml", cwd=tmp_path), 1,
                 "Error: laughs.yaml:11: input: expected a number or a word here, not a nested sequence")


def test_a_50_mb_spec(tmp_path):
    with open(tmp_path / "big.yaml", "wb") as f:
        f.write(b"input: [3, 8, 8]\nlayers: [{kind: identity}]\n")
        f.write(b"# padding\n" * (5 * 1024 * 1024))
    assert_error(liteconv("network", "big.yaml", cwd=tmp_path), 1,
                 "Error: big.yaml: is larger than the 16 MiB limit for a spec")


def test_binary_junk(tmp_path):
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 64)
    # the first byte that is not UTF-8 is 0x80, after one newline (0x0a)
    assert_error(liteconv("network", "junk.bin", cwd=tmp_path), 1, "Error: junk.bin:2: is not UTF-8 text (byte 0x80)")


def test_binary_junk_on_stdin(tmp_path):
    assert_error(liteconv("network", "-", cwd=tmp_path, stdin=bytes(range(256)) * 64), 1,
                 "Error: <stdin>:2: is not UTF-8 text (byte 0x80)")


def test_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\ninput: [3, 8, 8]\nlayers: []\n".encode("latin-1"))
    assert_error(liteconv("network", "latin1.yaml", cwd=tmp_path), 1,
                 "Error: latin1.yaml:1: is not UTF-8 text (byte 0xe9)")


def test_an_empty_file(tmp_path):
    (tmp_path / "empty.yaml").write_bytes(b"")
    assert_error(liteconv("network", "empty.yaml", cwd=tmp_path), 1,
                 "Error: empty.yaml: is empty: a spec is a mapping with input: and layers:")


def test_a_directory_given_as_a_file(tmp_path):
    (tmp_path / "specs.yaml").mkdir()
    assert_error(liteconv("network", "specs.yaml", cwd=tmp_path), 1,
                 "Error: specs.yaml: is a directory, not a spec file")


def test_absurd_yaml_nesting_is_one_error_line_naming_the_file(tmp_path):
    # the contract, whoever stops it (our event walk or PyYAML >= 6.0.4) and in whatever words
    (tmp_path / "deep.yaml").write_text("input: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    status, out, err, elapsed, peak = liteconv("network", "deep.yaml", cwd=tmp_path)
    assert (status, out) == (1, "")
    assert err.startswith("Error: deep.yaml") and err.count("\n") == 1 and "Traceback" not in err
    assert elapsed < TIMEOUT_S and peak < PEAK_MB


def test_peak_memory_is_each_cases_own(tmp_path):
    # this process grows by 300 MB first: a child forked from it would report that much
    grown = bytearray(300 * 2**20)
    grown[::4096] = b"x" * len(grown[::4096])
    status, out, _, _, peak = liteconv("--version", cwd=tmp_path)
    del grown
    assert status == 0 and out.startswith("liteconv ")
    assert 0 < peak < 100, f"{peak:.0f} MB for --version"


def test_a_million_layers_written_out(tmp_path):
    # a million layers in 4 MB (as "{kind: identity}" they would pass the 16 MiB limit): refused
    # before PyYAML builds a million nodes (30 s and 1.2 GB before the limit)
    (tmp_path / "million.yaml").write_text("input: [3, 8, 8]\nlayers: [" + ", ".join(["{}"] * 10**6) + "]\n")
    assert_error(liteconv("network", "million.yaml", cwd=tmp_path), 1,
                 "Error: million.yaml: has too many keys and list items for a spec (over 200,000 of the YAML marks "
                 "':' ',' '-' '[' '{' '?'): write long runs of layers with repeat:")


def test_a_million_layers_by_repeat(tmp_path):
    (tmp_path / "million.yaml").write_text(
        "input: [3, 8, 8]\nlayers:\n  - {kind: block, repeat: 100, layers: [{kind: identity, repeat: 10000}]}\n")
    assert_error(liteconv("network", "million.yaml", cwd=tmp_path), 1,
                 "Error: million.yaml: the network has over 100,000 layers once repeats are expanded (the limit)")


def test_repeat_a_billion_times(tmp_path):
    (tmp_path / "repeat.yaml").write_text("input: [3, 8, 8]\nlayers:\n  - {kind: conv, out: 8, repeat: 1000000000}\n")
    assert_error(liteconv("network", "repeat.yaml", cwd=tmp_path), 1,
                 "Error: repeat.yaml:3: layer 1 'conv1': repeat=1000000000 is not an integer from 1 to 10,000")


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        pytest.param('input: !!python/object/apply:os.system ["touch pwned"]\nlayers: []\n',
                     "tag.yaml:1: input: unsupported YAML type 'tag:yaml.org,2002:python/object/apply:os.system'",
                     id="apply-as-value"),
        pytest.param("input: [3, 8, 8]\nlayers:\n  - !!python/name:os.system {}\n",
                     "tag.yaml:3: layer 1: a layer: unsupported YAML type 'tag:yaml.org,2002:python/name:os.system'",
                     id="name-as-layer"),
        pytest.param('input: [3, 8, 8]\nlayers: !!python/object/new:os.system ["touch pwned"]\n',
                     "tag.yaml:2: layers: unsupported YAML type 'tag:yaml.org,2002:python/object/new:os.system'",
                     id="new-as-layers"),
        pytest.param('!!python/object/apply:os.system ["touch pwned"]\n',
                     "tag.yaml:1: a spec must be a mapping (key: value), not a sequence", id="apply-as-document"),
        pytest.param("input: !!python/bytes 'AAAA'\nlayers: []\n",
                     "tag.yaml:1: input: unsupported YAML type 'tag:yaml.org,2002:python/bytes'", id="scalar-tag"),
    ],
)
def test_yaml_tags_build_nothing(tmp_path, yaml_text, message):
    (tmp_path / "tag.yaml").write_text(yaml_text)
    assert_error(liteconv("network", "tag.yaml", cwd=tmp_path), 1, "Error: " + message)
    assert not (tmp_path / "pwned").exists()


HUGE = 10**30


def test_channel_counts_of_10_to_the_30_in_a_spec(tmp_path):
    (tmp_path / "huge.yaml").write_text(f"input: [{HUGE}, 8, 8]\nlayers:\n  - {{kind: conv, out: {HUGE}}}\n")
    status, out, err, elapsed, peak = liteconv("network", "huge.yaml", "--format", "csv", cwd=tmp_path)
    assert (status, err) == (0, "") and elapsed < TIMEOUT_S and peak < PEAK_MB
    header, row = out.splitlines()
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    weights = HUGE * HUGE * 3 * 3  # exact: Python integers, no float anywhere
    assert int(cells["weights"]) == weights
    assert int(cells["params"]) == weights + HUGE
    assert int(cells["macs"]) == weights * 8 * 8


def test_channel_counts_of_10_to_the_30_in_compare(tmp_path):
    status, out, err, elapsed, peak = liteconv(
        "compare", "--cin", str(HUGE), "--cout", str(HUGE), "-k", "3", "--size", str(HUGE), "-v", "standard",
        "-v", "separable", "--format", "csv", cwd=tmp_path)
    assert (status, err) == (0, "") and elapsed < TIMEOUT_S and peak < PEAK_MB
    rows = [dict(zip(out.splitlines()[0].split(","), line.split(","), strict=True)) for line in out.splitlines()[1:]]
    standard, separable = rows
    assert int(standard["weights"]) == HUGE * HUGE * 9
    assert int(standard["macs"]) == HUGE * HUGE * 9 * HUGE * HUGE
    assert int(separable["weights"]) == HUGE * 9 + HUGE * HUGE
    assert separable["macs_ratio"] == "0.111111"  # 1/C_out + 1/K^2, C_out = 10**30


def test_a_sweep_range_too_long(tmp_path):
    assert_error(liteconv("compare", "--cin", "64", "--cout", "1:10000000000", "--format", "csv", cwd=tmp_path), 2,
                 "Error: Invalid value for '--cout': '1:10000000000': the range '1:10000000000' has over "
                 "10,000,000 values")


def test_a_sweep_too_long_for_a_table(tmp_path):
    assert_error(liteconv("compare", "--cin", "64", "--cout", "1:100000", cwd=tmp_path), 2,
                 "Error: the sweep has 700,000 rows; a table holds at most 10,000: use --format csv or json")


# ------------------------------------------------------------------ -o FILE is atomic


def _failing_rows(n: int):
    for i in range(n):
        yield {"name": f"layer{i}", "macs": i}
    raise LiteconvError("the generator failed half way")


def _report(rows) -> Report:
    return Report([Table("t", "t", [Column("name", "name", "text"), Column("macs", "macs")], rows)])


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "table"])
def test_output_file_is_untouched_when_a_stream_fails_half_way(tmp_path, fmt):
    from liteconv_cli.cli import emit

    target = tmp_path / "out.txt"
    target.write_text("the old contents\n")
    with pytest.raises(LiteconvError, match="half way"):
        emit(_report(_failing_rows(5000)), fmt, str(target))
    assert target.read_text() == "the old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no temporary file left behind


def test_output_file_is_written_whole_with_a_new_files_permissions(tmp_path):
    from liteconv_cli.cli import emit

    target = tmp_path / "new.csv"
    emit(_report({"name": f"l{i}", "macs": i} for i in range(3000)), "csv", str(target))
    lines = target.read_text().splitlines()
    assert lines[0] == "name,macs" and lines[-1] == "l2999,2999" and len(lines) == 3001
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv"]


def test_output_into_a_missing_folder_is_one_error_line(tmp_path):
    status, out, err, _, _ = liteconv("compare", "--cin", "8", "--cout", "16", "-o", "nowhere/out.csv",
                                      cwd=tmp_path)
    assert (status, out) == (1, "")
    assert err == "Error: cannot write nowhere/out.csv: No such file or directory\n"


# ------------------------------------------------------------------ numbers too long to print

# Python refuses to print an int of over 4,300 digits (and to read one): liteconv takes numbers
# of at most 100 digits (liteconv_cli.engine.cost.MAX_DIGITS), so no count it makes is too long


def test_a_3000_digit_channel_count_in_compare(tmp_path):
    assert_error(liteconv("compare", "--cin", "1" + "0" * 3000, "--cout", "8", cwd=tmp_path), 2,
                 f"Error: Invalid value for '--cin': '1{'0' * 3000}' is not an integer, a range A:B[:STEP] or a list")


def test_a_200_digit_height_in_compare(tmp_path):
    assert_error(liteconv("compare", "--cin", "8", "--cout", "8", "-H", "9" * 200, cwd=tmp_path), 2,
                 "Error: Invalid value for '-H' / '--height': '99999999999999999999'... has more than 100 digits")


def test_a_5000_digit_channel_count_in_a_spec(tmp_path):
    (tmp_path / "big.yaml").write_text("input: [3, 8, 8]\nlayers: [{kind: conv, out: 1" + "0" * 5000 + "}]\n")
    assert_error(liteconv("network", "big.yaml", cwd=tmp_path), 1,
                 "Error: big.yaml:2: layer 1 'conv1': out: a number longer than 100 digits")


def test_100_digit_channel_counts_are_exact(tmp_path):
    c = 10**99
    status, out, err, elapsed, peak = liteconv("compare", "--cin", str(c), "--cout", str(c), "-k", "7",
                                               "--size", str(c), "-v", "standard", "--format", "csv", cwd=tmp_path)
    assert (status, err) == (0, "") and elapsed < TIMEOUT_S
    row = dict(zip(*[line.split(",") for line in out.splitlines()], strict=True))
    assert int(row["macs"]) == c * c * 49 * c * c
