"""`:diff EXPR wrt x[,y] [order N]` in the REPL: the derivative as a formula of the
expression as typed, with the session's other variables as constants."""

from __future__ import annotations

import json

from click.testing import CliRunner

from adcli.cli.main import cli


def repl(text: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["repl"], input=text, prog_name="adcli",
                                env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_diff_prints_the_labelled_formula_with_session_constants_substituted():
    code, out, err = repl("a = 2.0\n:diff a*x^2*sin(x) wrt x\n")
    assert (code, err) == (0, "")
    assert out == "df/dx = 4*x*sin(x) + 2*x^2*cos(x)\n"


def test_diff_with_several_variables_prints_each_partial():
    code, out, _ = repl(":diff x^2*y wrt x,y\n")
    assert code == 0
    assert out == "∂f/∂x = 2*x*y\n∂f/∂y = x^2\n"


def test_diff_of_order_two_and_plain_and_json_formats():
    code, out, _ = repl(":diff x^3 wrt x order 2\n:format plain\n:diff exp(2x) wrt x\n"
                        ":format json\n:diff sin(x) wrt x\n")
    first, second, third = out.splitlines()
    assert first == "d²f/dx² = 6*x"
    assert second == "2*exp(2*x)"
    assert json.loads(third) == {"df/dx": "cos(x)"}


def test_diff_refuses_a_variable_computed_from_the_wrt_name_and_points_to_grad():
    code, out, err = repl("x = 3.0\nz = x*x\n:diff z*x wrt x\n")
    assert code == 1
    assert "'z' was computed from 'x'" in err
    assert ":grad z*x wrt x" in err


def test_diff_without_wrt_says_how_to_write_it():
    code, _, err = repl(":diff x^2\n")
    assert code == 1
    assert "usage error: :diff needs an expression and the variables" in err
    assert err.count("usage") == 1
