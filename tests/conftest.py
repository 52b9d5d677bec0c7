"""Shared fixtures: a CliRunner that keeps stdout and stderr apart."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from liteconv_cli.cli import cli


@pytest.fixture
def run():
    """Invoke the CLI in-process; returns click's Result with .stdout, .stderr, .exit_code."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        return runner.invoke(cli, list(args), input=input, env=env, catch_exceptions=False)

    return invoke
