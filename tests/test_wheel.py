"""A new user away from the clone (issue 10): the built wheel, installed in a fresh venv, runs
every example of the README and of every ``--help`` from an empty folder.

The wheel is built from a copy of the project's packaging inputs (pyproject.toml, README.md,
liteconv_cli/) by pip, as ``pip install .`` would build it; it is installed into a new venv
(``--without-pip``, then this interpreter's pip with ``--python``, ``--no-deps --no-index``).
The venv finds its dependencies (click, rich, PyYAML) through a ``.pth`` file naming this
environment's site-packages, appended after its own, so liteconv itself comes from the wheel
only (a test checks where it is imported from) and nothing is downloaded but pip's build
backend when build isolation needs it.

Examples: every console block of README.md whose first line starts ``$ liteconv`` (the command
on that line), and every line starting ``liteconv `` in the help of ``liteconv`` and of each
command. Each runs through ``bash`` (pipes and redirections as written) in a folder of its own
and must exit 0 and write something: to stdout, or to the file it redirects to or names with -o.
The folder is empty but for the user's own files an example is about (``liteconv import
model.onnx``): :data:`USER_FILES` gives each such name a file of tests/data to stand for it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 60
#: a file an example names as the user's own (a model to import, a spec of one's own) -> the
#: file that stands for it; "onnx:dynamic" is a one-conv ONNX model with symbolic N, H and W
USER_FILES = {
    "model.onnx": "tests/data/onnx/mobilenet_v2.onnx",
    "model.keras": "tests/data/keras/mobilenet_v2.keras",
    "mobilenet.json": "tests/data/keras/mobilenet_v1.json",
    "model.yaml": "liteconv_cli/configs/mobilenet_v2.yaml",
    "net.yaml": "liteconv_cli/configs/mobilenet_v2.yaml",
    "dynamic.onnx": "onnx:dynamic",
    "tests/data/onnx/mobilenet_v2.onnx": "tests/data/onnx/mobilenet_v2.onnx",
    "tests/data/keras/efficientnet_b0.keras": "tests/data/keras/efficientnet_b0.keras",
}


def _has_bdist_wheel() -> bool:
    """Whether this environment's setuptools can build a wheel without build isolation."""
    if importlib.util.find_spec("wheel") is not None:
        return True
    try:
        import setuptools

        major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
        return (major, minor) >= (70, 1)  # bdist_wheel moved into setuptools in 70.1
    except (ImportError, ValueError):
        return False


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel built from this tree installed; returns its bin folder."""
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run the examples as written")
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "liteconv_cli", src / "liteconv_cli",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.tmp"))
    dist = work / "dist"
    build = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-w", str(dist), "-q"]
    if _has_bdist_wheel():
        build.append("--no-build-isolation")
    subprocess.run(build, check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = dist.glob("liteconv-*.whl")
    env_dir = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True, text=True, timeout=300)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                          *site.getsitepackages()])
    Path(purelib, "outer-deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return bindir


def _env(bindir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = str(bindir) + os.pathsep + env.get("PATH", "")
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "120"
    return env


def readme_examples() -> list[str]:
    """The command of every README console block starting ``$ liteconv``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [block.split("\n", 1)[0][2:] for block in text.split("```console\n")[1:]
            if block.startswith("$ liteconv ")]


def help_examples(bindir: Path) -> list[str]:
    """Every line starting ``liteconv `` in the help of liteconv and of each of its commands."""
    from liteconv_cli.cli import COMMANDS

    lines: list[str] = []
    for args in ([], *([name] for name in sorted(COMMANDS))):
        out = subprocess.run([str(bindir / "liteconv"), *args, "--help"], capture_output=True, text=True,
                             env=_env(bindir), timeout=TIMEOUT_S)
        assert out.returncode == 0, (args, out.stderr)
        lines += [line.strip() for line in out.stdout.splitlines() if line.strip().startswith("liteconv ")]
    return list(dict.fromkeys(lines))


def _written_file(command: str) -> str | None:
    """The file a command writes (``> FILE`` or ``-o FILE``), or None for stdout."""
    m = re.search(r"(?:^|\s)(?:>|-o|--output)\s+(\S+)", command.split("#", 1)[0])
    return m.group(1) if m and m.group(1) != "-" else None


def _dynamic_onnx(path: Path) -> None:
    """A one-conv ONNX model whose input is [N, 3, H, W], symbolic (what --input is for)."""
    onnx = pytest.importorskip("onnx")
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.zeros((4, 3, 3, 3), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])], "dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def _user_files(folder: Path, command: str) -> None:
    """Put in ``folder`` the user's own files the example names (USER_FILES)."""
    words = set(command.split("#", 1)[0].split())
    for name, source in USER_FILES.items():
        if name in words:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source == "onnx:dynamic":
                _dynamic_onnx(target)
            else:
                shutil.copy2(ROOT / source, target)


def run_example(bindir: Path, folder: Path, command: str) -> str | None:
    """Run one example in a folder of its own; a description of the failure, or None."""
    folder.mkdir()
    _user_files(folder, command)
    try:
        r = subprocess.run(["bash", "-c", "set -o pipefail; " + command], cwd=folder, capture_output=True,
                           text=True, env=_env(bindir), timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"{command}: ran over {TIMEOUT_S} s"
    if r.returncode != 0:
        return f"{command}: exit {r.returncode}: {r.stderr.strip()[-300:]}"
    target = _written_file(command)
    if target is not None:
        path = folder / target
        if not path.is_file() or path.stat().st_size == 0:
            return f"{command}: wrote nothing to {target}"
    elif not r.stdout.strip():
        return f"{command}: printed nothing"
    return None


def test_the_wheel_ships_the_specs_and_is_what_runs(venv):
    code = ("import liteconv_cli, liteconv_cli.zoo as z, os; print(liteconv_cli.__file__); "
            "print(len(z.catalogue()), all(os.path.isfile(os.path.join(z.CONFIGS, e['file'])) for e in z.catalogue()))")
    out = subprocess.run([str(venv / "python"), "-c", code], capture_output=True, text=True, env=_env(venv),
                         cwd=venv, check=True).stdout.split()
    assert Path(out[0]).is_relative_to(venv.parent), "liteconv must come from the installed wheel"
    from liteconv_cli import zoo

    assert out[1:] == [str(len(zoo.catalogue())), "True"]


def test_the_wheel_holds_every_module_and_data_file_of_the_package(venv):
    # what pip installed is the package's tree: every .py module, every spec, the catalogue,
    # the schema and the device tables (a package missing from pyproject would be left out)
    code = "import liteconv_cli, os; print(os.path.dirname(liteconv_cli.__file__))"
    out = subprocess.run([str(venv / "python"), "-c", code], capture_output=True, text=True, env=_env(venv), cwd=venv,
                         check=True).stdout.strip()
    installed, source = Path(out), ROOT / "liteconv_cli"

    def files(top: Path) -> set[str]:
        return {p.relative_to(top).as_posix() for p in top.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".yaml", ".json")}

    assert files(installed) == files(source)


def test_every_name_resolves_from_the_wheel_and_equals_its_truth(venv, tmp_path):
    # issue 10's "done when": from an empty folder, every built-in name loads from the installed
    # wheel; its params and MACs equal PyTorch's (tests/data/zoo-counts.json) where PyTorch
    # measured it, and the catalogue's everywhere; `liteconv models --format csv` lists them all
    import csv
    import io
    import json

    from liteconv_cli import zoo

    names = [e["name"] for e in zoo.catalogue()]
    run = {"capture_output": True, "text": True, "env": _env(venv), "cwd": tmp_path, "timeout": TIMEOUT_S}
    r = subprocess.run([str(venv / "liteconv"), "network", *names, "--summary", "--format", "csv"], **run)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["file"] for row in rows] == names
    truth = json.loads((ROOT / "tests" / "data" / "zoo-counts.json").read_text(encoding="utf-8"))["models"]
    assert {k for k in truth if "@" not in k} <= set(names), "every model PyTorch measured is built in"
    for row, e in zip(rows, zoo.catalogue(), strict=True):
        counts = (int(row["params"]), int(row["macs"]))
        assert counts == (e["params"], e["macs"]), e["name"]
        if e["name"] in truth:
            t = truth[e["name"]]
            assert counts == (t["params"]["total"], t["macs_analytic"]["conv_plus_linear"]), e["name"]
    listed = subprocess.run([str(venv / "liteconv"), "models", "--format", "csv"], **run)
    assert [row["name"] for row in csv.DictReader(io.StringIO(listed.stdout))] == names


def test_every_readme_and_help_example_runs_from_an_empty_folder(venv, tmp_path):
    examples = list(dict.fromkeys([*readme_examples(), *help_examples(venv)]))
    assert len(examples) >= 20, examples
    with ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2))) as pool:
        failures = [f for f in pool.map(lambda ic: run_example(venv, tmp_path / f"ex{ic[0]}", ic[1]),
                                        enumerate(examples)) if f]
    assert failures == []
