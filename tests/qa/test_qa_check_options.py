"""QA: `adcli check` options."""

from __future__ import annotations

from click.testing import CliRunner

from adcli.cli.main import cli


def test_a_negative_tolerance_is_a_usage_error_not_a_failed_check():
    result = CliRunner().invoke(cli, ["check", "x", "--at", "x=1", "--tolerance", "-1"],
                                env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--tolerance': -1.0 is not in the range x>=0." in result.stderr


def test_a_zero_tolerance_is_allowed():
    result = CliRunner().invoke(cli, ["check", "2*x", "--at", "x=1", "--tolerance", "0",
                                      "--format", "json"])
    assert result.exit_code in (0, 1)
    assert '"checks"' in result.stdout
