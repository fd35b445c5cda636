"""Shared helpers for the CLI tests: run `adcli` in-process through click's CliRunner.

Tables are rendered at a pinned width (COLUMNS=100); `ascii=True` sets ADCLI_ASCII
for `df/dx` labels instead of `∂f/∂x`. click 8.2+ mixes stderr into `output`, so
the helpers always read `stdout` and `stderr` separately.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from adcli.cli.main import cli


@dataclass(frozen=True)
class Run:
    """What one call of `adcli` produced."""

    exit_code: int
    stdout: str
    stderr: str

    def table(self) -> str:
        """stdout without the trailing spaces rich pads lines with."""
        return "\n".join(line.rstrip() for line in self.stdout.splitlines()) + "\n"


@pytest.fixture
def adcli() -> Callable[..., Run]:
    """`adcli(*args, input=None, ascii=False, env=None)` -> Run; never a traceback."""

    def invoke(*args: str, input: str | None = None, ascii: bool = False,
               env: dict[str, str] | None = None) -> Run:
        environment = {"COLUMNS": "100", "NO_COLOR": "1"}
        if ascii:
            environment["ADCLI_ASCII"] = "1"
        environment.update(env or {})
        result = CliRunner().invoke(cli, list(args), input=input, env=environment,
                                    prog_name="adcli")
        assert "Traceback" not in result.stderr
        assert "Traceback" not in result.stdout
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture(autouse=True)
def default_limits_restored():
    """--max-iterations and friends set process-wide defaults; undo them per test."""
    from adcli.lang import default_limits, set_default_limits

    before = default_limits()
    yield
    set_default_limits(before)
