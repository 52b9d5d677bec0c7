"""The dependency versions liteconv declares are the ones it tests.

.ci/run runs the suite twice: with the newest releases (the README's test command) and with
the lowest versions in constraints/lowest.txt. Each lower bound in pyproject.toml must be the
version pinned there, so what is declared is what was tested, on both sides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
tomllib = pytest.importorskip("tomllib")  # Python 3.11+

_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*(?:;.*)?$")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lower_bounds(requirements: list[str]) -> dict[str, str | None]:
    """name -> the version after ``>=`` (None when a requirement has no lower bound)."""
    bounds: dict[str, str | None] = {}
    for req in requirements:
        m = _REQ.match(req)
        assert m, req
        low = re.search(r">=\s*([0-9][^,\s]*)", m.group(2))
        bounds[_name(m.group(1))] = low.group(1) if low else None
    return bounds


def pins() -> dict[str, str]:
    pinned = {}
    for line in (ROOT / "constraints" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints/lowest.txt: {line!r} is not NAME==VERSION"
            pinned[_name(name)] = version.strip()
    return pinned


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_runtime_and_test_dependency_has_its_lowest_version_pinned(project):
    declared = {**lower_bounds(project["dependencies"]), **lower_bounds(project["optional-dependencies"]["test"])}
    assert declared == pins()


def test_the_other_extras_declare_the_same_lower_bounds(project):
    pinned = pins()
    for extra, requirements in project["optional-dependencies"].items():
        for name, low in lower_bounds(requirements).items():
            if name in pinned:
                assert low == pinned[name], f"[{extra}] {name}>={low}, tested from {pinned[name]}"


def test_ci_runs_the_readme_test_command_first_then_the_lowest_versions():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("```sh", 1)[1].split("```", 1)[0].strip().splitlines()
    commands = [line for line in ci.splitlines() if line and not line.lstrip().startswith(("#", "echo"))]
    positions = [next((i for i, line in enumerate(commands) if line.strip() == command), None)
                 for command in quick_start]
    assert None not in positions, "CI must run the README's quick-start commands exactly as written"
    assert positions == sorted(positions)
    lowest = next((i for i, line in enumerate(commands) if "-c constraints/lowest.txt" in line), None)
    assert lowest is not None and lowest > positions[-1], "then install with the lowest versions"
    assert any("python -m pytest" in line for line in commands[lowest:])
