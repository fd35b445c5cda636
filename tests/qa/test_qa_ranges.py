"""QA: `--at START:STOP:COUNT` and `plot --over` ranges at the edges of float64."""

from __future__ import annotations

from click.testing import CliRunner

from adcli.cli.main import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})


def test_a_range_wider_than_float64_can_span_still_has_its_evenly_spaced_points():
    result = run("grad", "x", "--at", "x=-1e308:1e308:3", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "x,f,df/dx\n-1e+308,-1e+308,1.0\n0.0,0.0,1.0\n1e+308,1e+308,1.0\n"
    assert result.stderr == ""


def test_a_range_with_an_infinite_bound_is_a_usage_error():
    result = run("grad", "x", "--at", "x=0:inf:3", "--format", "csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--at x: range bounds must be finite numbers" in result.stderr


def test_a_range_with_more_points_than_memory_is_a_usage_error_not_an_internal_error():
    result = run("grad", "x", "--at", "x=0:1:1e15", "--format", "csv")
    assert result.exit_code == 2
    assert "internal error" not in result.stderr
    # Refused by the element limit before numpy is asked for the memory (issue 16).
    assert ("--at x: 1,000,000,000,000,000 points are more than the limit of 10,000,000 "
            "elements (adcli --max-elements N raises it)") in result.stderr


def test_a_plot_range_wider_than_float64_can_span_is_a_usage_error():
    result = run("plot", "x", "--over", "x=-1e308:1e308", "--no-color")
    assert result.exit_code == 2
    assert "internal error" not in result.stderr
    assert "the range is wider than float64 can span" in result.stderr
