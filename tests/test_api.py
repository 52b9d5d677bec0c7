"""The library API: what `import liteconv_cli` loads, and the lazily served network API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import liteconv_cli

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def test_import_loads_no_cli_and_no_network_code():
    code = (
        "import sys, liteconv_cli; "
        "print(sorted(m for m in ('click', 'rich', 'yaml', 'liteconv_cli.spec', 'liteconv_cli.engine.network') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_name_in_all_resolves():
    for name in liteconv_cli.__all__:
        assert getattr(liteconv_cli, name) is not None, name


def test_network_api_through_the_package():
    # tests/data/peer-counts.json mobilenet_v1.alpha_1.0_res_224: params.total, macs_analytic.conv_plus_linear
    result = liteconv_cli.walk(liteconv_cli.load_spec(str(CONFIGS / "mobilenet_v1.yaml")))
    assert (result.total.params, result.total.macs) == (4_231_976, 568_740_352)


def test_unknown_attribute_is_an_attribute_error():
    try:
        liteconv_cli.no_such_thing  # noqa: B018
    except AttributeError as e:
        assert "no_such_thing" in str(e)
    else:
        raise AssertionError("expected AttributeError")
