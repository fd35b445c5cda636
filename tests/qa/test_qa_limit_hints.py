"""QA: a limit error's hint says how to raise the limit in the place the user is: the
command line has --max-depth; the nesting limit can be raised only from Python."""

from __future__ import annotations

from click.testing import CliRunner

from adcli.cli.main import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "100", "NO_COLOR": "1"})


def test_a_very_long_expression_names_the_cli_option_that_lets_it_run():
    program = "+".join(["x"] * 20000)
    result = run("eval", program, "--at", "x=1", "--format", "plain")
    assert result.exit_code == 1
    assert "limit error: the program is nested too deeply" in result.stderr
    assert "adcli --max-depth N (Python: Limits(max_call_depth=N))" in result.stderr
    assert run("--max-depth", "100000", "eval", program, "--at", "x=1",
               "--format", "plain").stdout == "20000.0\n"


def test_brackets_nested_too_deep_do_not_send_a_cli_user_to_an_attribute():
    result = run("eval", "(" * 150 + "1" + ")" * 150, "--format", "plain")
    assert result.exit_code == 1
    assert "brackets are nested more than 100 deep" in result.stderr
    assert "hint: split the program into smaller parts (from Python, " \
           "Limits(max_nesting=N) raises the limit)" in result.stderr
