"""A program may start with a minus sign: it is the program, with options before or after
it, and after `--` too; a mistyped option is still a usage error with a suggestion."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("args,expected", [
    (["eval", "-1"], "-1.0\n"),
    (["grad", "-x^2", "--at", "x=3"], "-9.0\n-6.0\n"),
    (["grad", "--at", "x=3", "-x^2"], "-9.0\n-6.0\n"),
    (["eval", "--", "-x^2", "--let", "x=3"], "-9.0\n"),
    (["grad", "-q", "-(x + 1)*x", "--at", "x=2"], "-6.0\n-5.0\n"),
    (["taylor", "-x", "--at", "x=1", "--order", "1"], "-1.0 -1.0\n-1.0 -1.0\n"),
])
def test_a_program_may_start_with_a_minus_sign(adcli, args, expected):
    run = adcli(*args, "--format", "plain")
    assert (run.exit_code, run.stdout) == (0, expected)


def test_an_option_value_that_starts_with_a_minus_sign_stays_a_value(adcli):
    run = adcli("check", "x*x", "--at", "x=-2", "--tolerance", "1e-6", "--format", "plain")
    assert run.exit_code == 0
    run = adcli("eval", "x", "--at", "x=1", "--digits", "5", "--format", "plain")
    assert run.stdout == "1.0\n"


@pytest.mark.parametrize("typo,suggestion", [("--atx", "--at"), ("--ordr", "--order")])
def test_a_mistyped_option_is_still_a_usage_error_with_a_suggestion(adcli, typo, suggestion):
    run = adcli("grad", "x", typo, "x=1")
    assert run.exit_code == 2
    assert f"No such option '{typo}'" in run.stderr
    assert suggestion in run.stderr


def test_a_program_starting_like_a_short_option_with_an_expression_is_the_program():
    from click.testing import CliRunner

    from adcli.cli.main import cli

    run = CliRunner().invoke(cli, ["grad", "-floor(x)*x", "--at", "x=1.5", "--format", "plain"])
    assert run.exit_code == 0, run.output
    assert run.stdout.split() == ["-1.5", "-1.0"]
    run = CliRunner().invoke(cli, ["eval", "-factorial(3)", "--format", "plain"])
    assert (run.exit_code, run.stdout.strip()) == (0, "-6.0")


@pytest.mark.parametrize("command", ["eval", "grad", "hessian", "taylor", "diff"])
def test_h_after_a_command_is_its_help_not_a_program(adcli, command):
    # Found by QA: `adcli grad -h` said "missing input 'h'".
    run = adcli(command, "-h")
    assert run.exit_code == 0
    assert run.stdout.startswith(f"Usage: adcli {command} [OPTIONS]")


def test_a_program_h_is_given_after_two_dashes(adcli):
    run = adcli("eval", "--", "-h", "--let", "h=2", "--format", "plain")
    assert (run.exit_code, run.stdout) == (0, "-2.0\n")
