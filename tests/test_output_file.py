"""``-o FILE`` never harms, and every failure to write is one clean line (issue 8, sections 3 and 7).

Each case runs ``python -m liteconv_cli`` in a child process, as a person's shell would, and
checks the files afterwards: devices, FIFOs and descriptors are written through, never
replaced; a symlink keeps pointing where it did; an input is never overwritten; a run that
fails (a bad spec among several, a full disk, a signal) leaves the old output as it was and no
temporary file behind; a closed, full or broken stdout gives one ``Error:`` line or, for a
reader that went away, a quiet non-zero exit.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from liteconv_cli.errors import LiteconvError
from liteconv_cli.formats import Column, Report, Table

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="devices, FIFOs, signals and /dev/fd are POSIX")

ROOT = Path(__file__).resolve().parent.parent
V1 = str(ROOT / "configs" / "mobilenet_v1.yaml")
V2 = str(ROOT / "configs" / "mobilenet_v2.yaml")
COMPARE = ["compare", "--cin", "8", "--cout", "16", "-k", "3", "--format", "csv"]
TIMEOUT_S = 60


def liteconv(*args: str, cwd: Path, **popen: object) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child; stdout and stderr captured as text unless given."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "liteconv_cli", *args], cwd=cwd, text=True, timeout=TIMEOUT_S,
                          **popen)  # type: ignore[call-overload]


@functools.cache
def expected_csv(*args: str) -> str:
    """What the command writes to a pipe: the reference for what a file must receive."""
    done = liteconv(*args, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == ""
    return done.stdout


def one_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """stderr is one ``Error:`` line (no traceback) containing ``words``; stdout is empty."""
    assert done.stdout in ("", None)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    for word in words:
        assert word in lines[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".liteconv-"))


# ------------------------------------------------------------------ written through, never replaced


def device(folder: Path, name: str, minor: int) -> Path:
    """A private copy of a memory device (1, 3: null; 1, 7: full), made with mknod in ``folder``.

    Tests write to private nodes and links, never to /dev itself: a regression would otherwise
    replace /dev/null or /dev/full with a regular file for the whole machine, as HEAD 291ef2d did
    when run as root. Where mknod is not permitted, the shared device is used only by a user
    other than root (who cannot replace it); root skips.
    """
    node = folder / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        return node
    except OSError as e:
        shared = Path("/dev") / name
        if os.geteuid() != 0 and shared.exists():
            return shared
        pytest.skip(f"cannot make a device node here ({e.strerror}), and as root /dev/{name} is not risked")


def test_a_character_device_is_written_through_not_replaced(tmp_path):
    """-o onto a character device (a copy of /dev/null) keeps the device: HEAD 291ef2d, as root,
    renamed a regular file over it, breaking `> /dev/null` for the whole machine."""
    node = device(tmp_path, "null", 3)
    done = liteconv(*COMPARE, "-o", str(node), cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert stat.S_ISCHR(os.stat(node).st_mode)
    assert leftovers(tmp_path) == []


def test_dev_null_and_descriptors_resolve_to_write_through():
    from liteconv_cli.output import destination

    assert destination("/dev/null").kind == "through"
    assert destination("/dev/stdout")[::3] == ("fd", 1)
    assert destination("/dev/fd/7").fd == 7 and destination("/proc/self/fd/3").fd == 3
    assert destination("/dev/stderr").fd == 2
    assert destination("-").kind == "stdout"


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    done = liteconv(*COMPARE, "-o", str(fifo), cwd=tmp_path)
    reader.join(TIMEOUT_S)
    assert (done.returncode, done.stderr) == (0, "")
    assert got == [expected_csv(*COMPARE)]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("link_to", ["/dev/stdout", "/proc/self/fd/1", "/dev/fd/1"])
def test_dev_stdout_writes_to_the_callers_stdout_keeping_append_mode(tmp_path, link_to):
    """-o /dev/stdout with stdout appended to a file (>>): the old lines stay, the file is the same.

    Written through a private symlink to /dev/stdout (the resolution follows it as it follows
    the literal path, tested by test_dev_null_and_descriptors_resolve_to_write_through): a
    regression then replaces the link in tmp_path, not the machine's /dev/stdout."""
    (tmp_path / "stdout").symlink_to(link_to)
    log = tmp_path / "log.txt"
    log.write_text("an earlier line\n")
    inode = log.stat().st_ino
    with log.open("a") as out:
        done = liteconv(*COMPARE, "-o", "stdout", cwd=tmp_path, stdout=out)
    assert (done.returncode, done.stderr) == (0, "")
    assert log.read_text() == "an earlier line\n" + expected_csv(*COMPARE)
    assert log.stat().st_ino == inode
    assert (tmp_path / "stdout").is_symlink() and leftovers(tmp_path) == []


def test_dev_fd_n_writes_to_that_descriptor(tmp_path):
    read, write = os.pipe()
    proc = subprocess.Popen([sys.executable, "-m", "liteconv_cli", *COMPARE, "-o", f"/dev/fd/{write}"],
                            cwd=tmp_path, pass_fds=(write,), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    os.close(write)
    with os.fdopen(read) as r:
        received = r.read()
    out, err = proc.communicate(timeout=TIMEOUT_S)
    assert (proc.returncode, out, err) == (0, "", "")
    assert received == expected_csv(*COMPARE)


def test_a_symlink_is_followed_and_kept(tmp_path):
    target = tmp_path / "data" / "real.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(Path("data") / "real.csv")
    done = liteconv(*COMPARE, "-o", "link.csv", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert link.is_symlink() and os.readlink(link) == str(Path("data") / "real.csv")
    assert target.read_text() == expected_csv(*COMPARE)
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to("new.csv")
    done = liteconv(*COMPARE, "-o", "link.csv", cwd=tmp_path)
    assert done.returncode == 0
    assert link.is_symlink() and (tmp_path / "new.csv").read_text() == expected_csv(*COMPARE)


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    assert liteconv(*COMPARE, "-o", "out.csv", cwd=tmp_path).returncode == 0
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text() == expected_csv(*COMPARE)


def test_a_folder_is_one_error_line(tmp_path):
    one_error(liteconv(*COMPARE, "-o", str(tmp_path), cwd=tmp_path), "folder")


# ------------------------------------------------------------------ an input is never overwritten


@pytest.mark.parametrize("command", [
    ["network", "net.yaml", "--format", "csv"],
    ["sweep", "net.yaml", "--resolution", "224,160"],
    ["convert", "net.yaml", "--to", "separable"],
])
@pytest.mark.parametrize("spelling", ["net.yaml", "./net.yaml", "link.yaml", "hard.yaml"])
def test_output_naming_an_input_is_refused_before_writing(tmp_path, command, spelling):
    spec = tmp_path / "net.yaml"
    spec.write_bytes(Path(V1).read_bytes())
    (tmp_path / "link.yaml").symlink_to("net.yaml")
    os.link(spec, tmp_path / "hard.yaml")
    done = liteconv(*command, "-o", spelling, cwd=tmp_path)
    assert done.returncode == 2
    one_error(done, spelling, "input")
    assert spec.read_bytes() == Path(V1).read_bytes()
    assert leftovers(tmp_path) == []


def test_output_naming_the_file_on_stdin_is_refused(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_bytes(Path(V1).read_bytes())
    with spec.open() as stdin:
        done = liteconv("network", "-", "--format", "csv", "-o", "net.yaml", cwd=tmp_path, stdin=stdin)
    assert done.returncode == 2
    one_error(done, "stdin")
    assert spec.read_bytes() == Path(V1).read_bytes()


def test_output_next_to_an_input_is_fine(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_bytes(Path(V1).read_bytes())
    assert liteconv("network", "net.yaml", "--format", "csv", "-o", "out.csv", cwd=tmp_path).returncode == 0
    assert (tmp_path / "out.csv").read_text() == expected_csv("network", str(spec), "--format", "csv").replace(
        str(spec), "net.yaml")


# ------------------------------------------------------------------ a failed run leaves the output as it was


@pytest.mark.parametrize("command", [
    ["network", V1, "bad.yaml", "--format", "csv"],
    ["network", V1, "bad.yaml", V2, "--summary"],
    ["sweep", V1, "bad.yaml", "--resolution", "224,160", "--format", "csv"],
])
def test_a_run_where_one_spec_fails_leaves_the_output_as_it_was(tmp_path, command):
    (tmp_path / "bad.yaml").write_text("input: [3, 224, 224]\nlayers: [{kind: conv}]\n")  # conv needs out
    target = tmp_path / "out.csv"
    target.write_text("the old contents\n")
    done = liteconv(*command, "-o", "out.csv", cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith("Error: bad.yaml") and lines[-1].startswith("Error: out.csv not written")
    assert target.read_text() == "the old contents\n"
    assert leftovers(tmp_path) == []
    target.unlink()  # and a new file is not made
    assert liteconv(*command, "-o", "out.csv", cwd=tmp_path).returncode == 1
    assert not target.exists() and leftovers(tmp_path) == []


def _failing_rows(n: int):
    for i in range(n):
        yield {"name": f"layer{i}", "macs": i}
    raise LiteconvError("the generator failed half way")


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "table"])
def test_emit_in_a_run_renames_only_when_the_run_succeeds(tmp_path, fmt):
    from liteconv_cli.cli import emit
    from liteconv_cli.output import finish, run

    report = Report([Table("t", "t", [Column("name", "name", "text"), Column("macs", "macs")],
                           [{"name": "a", "macs": 1}])])
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with run() as state:
        emit(report, fmt, str(target))
        assert target.read_text() == "old\n" and len(leftovers(tmp_path)) == 1  # written, not yet renamed
        finish(state, ok=False)
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []
    with run() as state:
        emit(report, fmt, str(target))
        finish(state, ok=True)
    assert target.read_text() != "old\n" and leftovers(tmp_path) == []
    with run(), pytest.raises(LiteconvError, match="half way"):  # an exception: the run ends, nothing renamed
        emit(Report([report.tables[0]._replace(rows=_failing_rows(3000))]), fmt, str(target))
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ signals


def _start_long_write(tmp_path: Path) -> subprocess.Popen[bytes]:
    """A streamed sweep of 3,000,000 rows to out.csv (about 10 s), once its temporary file exists."""
    proc = subprocess.Popen([sys.executable, "-m", "liteconv_cli", "compare", "--cin", "1:3000000", "--cout", "8",
                             "-v", "standard", "--format", "csv", "-o", "out.csv"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + TIMEOUT_S
    while not leftovers(tmp_path):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.2)  # rows are being written
    return proc


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_removes_the_temporary_file(tmp_path, signum):
    target = tmp_path / "out.csv"
    target.write_text("the old contents\n")
    proc = _start_long_write(tmp_path)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=TIMEOUT_S)
    # SIGTERM and SIGHUP end the process as the signal would (after the clean-up); Ctrl-C: 130
    assert proc.returncode == (130 if signum == signal.SIGINT else -signum)
    assert (out, b"Traceback" in err) == (b"", False)
    assert target.read_text() == "the old contents\n"
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ write errors


def test_output_onto_a_full_device_is_one_error_line(tmp_path):
    full = device(tmp_path, "full", 7)
    done = liteconv(*COMPARE, "-o", str(full), cwd=tmp_path)
    assert done.returncode == 1
    one_error(done, str(full), os.strerror(28))
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_stdout_onto_a_full_device_is_one_error_line(tmp_path):
    with open(device(tmp_path, "full", 7), "w") as full:
        for command in (COMPARE, ["compare", "--cin", "64", "--cout", "128", "-k", "3"],
                        ["network", V1, "--format", "json"]):
            done = liteconv(*command, cwd=tmp_path, stdout=full)
            assert done.returncode == 1
            one_error(done, "stdout", os.strerror(28))


@pytest.mark.parametrize("command", [COMPARE, ["compare", "--cin", "64", "--cout", "128", "-k", "3"],
                                     ["network", V1]])
def test_a_closed_stdout_is_one_error_line(tmp_path, command):
    """`liteconv ... >&-`: fd 1 closed before the program starts."""
    proc = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "liteconv_cli", *command],
                          cwd=tmp_path, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 1
    assert proc.stderr == "Error: cannot write to stdout: it is closed\n"


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path):
    """`liteconv compare ... | head -1`: no traceback, no message, a non-zero status."""
    proc = subprocess.Popen([sys.executable, "-m", "liteconv_cli", "compare", "--cin", "1:3000", "--cout", "1:30",
                             "--format", "csv"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"cin,cout,")
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(TIMEOUT_S) != 0
    assert err == b""


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (needs root and permission to mount; skipped otherwise)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True, text=True) if os.geteuid() == 0 else None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root and a mount permission, which this run has not: "
                    + (mounted.stderr.strip() if mounted else "not root"))
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_output_onto_a_full_disk_is_one_error_line_and_no_partial_file(small_disk):
    target = small_disk / "out.csv"
    target.write_text("the old contents\n")
    done = liteconv("compare", "--cin", "1:5000", "--cout", "8", "--format", "csv", "-o", str(target),
                    cwd=small_disk.parent)
    assert done.returncode == 1
    one_error(done, str(target), os.strerror(28))
    assert target.read_text() == "the old contents\n"
    assert leftovers(small_disk) == []


# ------------------------------------------------------------------ encodings


def _spec_with_a_non_ascii_name(folder: Path) -> Path:
    spec = folder / "net.yaml"
    spec.write_text("name: Café net\ninput: [3, 8, 8]\nlayers:\n  - {kind: conv, out: 4, kernel: 3}\n"
                    "  - {kind: conv, out: 8, kernel: 3}\n", encoding="utf-8")
    return spec


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_table_on_a_stdout_that_is_not_utf_has_ascii_boxes_and_every_row(tmp_path, encoding):
    _spec_with_a_non_ascii_name(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    for command in (["network", "net.yaml"], ["compare", "--cin", "64", "--cout", "128", "-k", "3"]):
        done = subprocess.run([sys.executable, "-m", "liteconv_cli", *command], cwd=tmp_path, env=env,
                              capture_output=True, timeout=TIMEOUT_S)
        assert (done.returncode, done.stderr) == (0, b"")
        text = done.stdout.decode(encoding)
        machine = liteconv(*command, "--format", "csv", cwd=tmp_path).stdout
        label = "name" if command[0] == "network" else "variant"
        rows = list(csv.DictReader(io.StringIO(machine)))
        drawn = [line for line in text.splitlines() if line.startswith("| ")]
        for row in rows:
            assert any(f"| {row[label]} " in line and f" {int(row['params']):,} |" in line for line in drawn), row
        assert "+-" in text and not any(ch in text for ch in "┏━│└")


def test_csv_on_a_stdout_that_cannot_encode_a_name_is_one_error_line(tmp_path):
    _spec_with_a_non_ascii_name(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", "net.yaml", "--summary",
                           "--format", "csv"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "ascii" in lines[0] and "-o" in lines[0]
    # json escapes what it cannot write (\u00e9), so it always can; -o FILE is UTF-8
    done = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", "net.yaml", "--format", "json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert (done.returncode, done.stderr) == (0, "") and "Caf\\u00e9 net" in done.stdout
    done = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", "net.yaml", "--summary",
                           "--format", "csv", "-o", "out.csv"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    assert done.returncode == 0 and "Café net" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_output_naming_any_input_is_refused(tmp_path):
    # not only a click.Path argument: fit's SPEC, a family FILE#member, a --device file
    import subprocess
    import sys

    spec = tmp_path / "fam.yaml"
    spec.write_text(subprocess.run([sys.executable, "-m", "liteconv_cli", "show", "resnet"], capture_output=True,
                                   text=True, check=True).stdout)
    device = tmp_path / "dev.yaml"
    device.write_text("name: d\npeak_macs_per_s: {fp32: 1e9}\nmemory_bandwidth_bytes_per_s: 1e9\n")
    before = {p: p.read_bytes() for p in (spec, device)}
    cases = [["fit", str(spec), "--macs", "1G", "-o", str(spec)],
             ["network", f"{spec}#resnet50", "--summary", "-o", str(spec)],
             ["compare", "--cin", "8", "--cout", "8", "--size", "8", "--device", str(device), "-o", str(device)]]
    for args in cases:
        r = subprocess.run([sys.executable, "-m", "liteconv_cli", *args], capture_output=True, text=True)
        assert r.returncode == 2 and r.stdout == "", args
        assert r.stderr.startswith("Error: -o ") and "is the input" in r.stderr, args
    assert {p: p.read_bytes() for p in (spec, device)} == before


@pytest.mark.parametrize(("suffix", "first"), [(".csv", "network,"), (".json", "{"), (".md", "### "),
                                               (".txt", "networks")])
def test_the_format_follows_the_files_extension(tmp_path, suffix, first):
    import subprocess
    import sys

    out = tmp_path / f"nets{suffix}"
    r = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", "mobilenet_v1", "--summary", "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").lstrip().startswith(first)
    # --format, when given, wins over the extension
    r = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", "mobilenet_v1", "--summary", "--format",
                        "csv", "-o", str(tmp_path / "x.json")], capture_output=True, text=True)
    assert (tmp_path / "x.json").read_text(encoding="utf-8").startswith("network,")
    html = tmp_path / "report.html"
    r = subprocess.run([sys.executable, "-m", "liteconv_cli", "network", "mobilenet_v1", "-o", str(html)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and html.read_text(encoding="utf-8").lower().startswith("<!doctype html>")
