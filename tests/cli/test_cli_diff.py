"""`adcli diff` and `adcli taylor --exact`: formulas on the command line.

The plain formula is adcli syntax, so piping it into `adcli eval -` gives the number
`adcli grad` gives (run through the installed `adcli`, as a user would); SymPy is
imported by these two paths only, never by `adcli grad` or the float `adcli taylor`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from adcli import api

BIN = Path(sys.executable).parent


def test_diff_prints_the_simplified_formula(adcli) -> None:
    run = adcli("diff", "x^2*sin(x)")
    assert (run.exit_code, run.stdout) == (0, "2*x*sin(x) + x^2*cos(x)\n")


def test_diff_by_several_variables_labels_each_partial(adcli) -> None:
    assert adcli("diff", "x*y + sin(x)", "--wrt", "x,y").stdout == \
        "∂f/∂x = y + cos(x)\n∂f/∂y = x\n"
    assert adcli("diff", "x*y + sin(x)", "--wrt", "x,y", ascii=True).stdout == \
        "df/dx = y + cos(x)\ndf/dy = x\n"
    assert adcli("diff", "x*y + sin(x)", "--wrt", "x,y", "--format", "plain").stdout == \
        "y + cos(x)\nx\n"


def test_diff_order_and_latex(adcli) -> None:
    assert adcli("diff", "x^4", "--order", "3").stdout == "24*x\n"
    assert adcli("diff", "sin(x)/x", "--format", "latex").stdout == \
        r"\frac{\cos{\left(x \right)}}{x} - \frac{\sin{\left(x \right)}}{x^{2}}" + "\n"


def test_diff_json_schema(adcli) -> None:
    run = adcli("diff", "a*x^k", "--let", "k=3", "--format", "json")
    assert json.loads(run.stdout) == {
        "program": "a*x^k", "wrt": ["a", "x"], "order": 1, "inputs": ["a", "x"],
        "formulas": {"df/da": {"plain": "x^3", "latex": "x^{3}"},
                     "df/dx": {"plain": "3*a*x^2", "latex": "3 a x^{2}"}}}


def test_diff_of_a_branch_on_an_input_is_an_evaluation_error(adcli) -> None:
    run = adcli("diff", "y = 1\nwhile y < x:\n    y = 2*y\ny")
    assert run.exit_code == 1 and run.stdout == ""
    assert run.stderr.startswith("value error at 2:7: the condition of 'while' depends on "
                                 "the input 'x'")
    assert "^^^^^" in run.stderr


def test_diff_by_a_constant_is_a_usage_error(adcli) -> None:
    run = adcli("diff", "x^k", "--let", "k=3", "--wrt", "k")
    assert run.exit_code == 2
    assert "cannot differentiate with respect to 'k': it is a constant" in run.stderr


def test_taylor_exact_prints_rational_coefficients(adcli) -> None:
    run = adcli("taylor", "exp(x)", "--at", "x=0", "--order", "4", "--exact")
    assert (run.exit_code, run.stdout) == (0, "1 + x + x^2/2 + x^3/6 + x^4/24\n")
    plain = adcli("taylor", "exp(x)", "--at", "x=0", "--order", "2", "--exact", "--format",
                  "csv")
    assert plain.stdout == "k,coefficient,derivative\n0,1,1\n1,1,1\n2,1/2,1\n"


def test_taylor_exact_json_has_each_coefficient_as_a_string(adcli) -> None:
    run = adcli("taylor", "x*y + y*y", "--at", "x=1", "--at", "y=2", "--dir", "x=1",
                "--dir", "y=1/2", "--order", "2", "--exact", "--format", "json")
    obj = json.loads(run.stdout)
    assert obj["coefficients"] == ["6", "9/2", "3/4"] and obj["exact"] is True
    assert obj["polynomial"] == "6 + 9*t/2 + 3*t^2/4"
    assert obj["inputs"] == {"x": "1", "y": "2"} and obj["direction"] == {"x": "1", "y": "1/2"}


def test_taylor_exact_and_precision_together_are_a_usage_error(adcli) -> None:
    run = adcli("taylor", "exp(x)", "--at", "x=0", "--exact", "--precision", "30")
    assert run.exit_code == 2 and "--exact or --precision, not both" in run.stderr


def test_the_plain_formula_evaluates_to_what_grad_gives() -> None:
    program = "sin(x)*exp(-x^2/2) + log1p(x^2)"
    shell = (f'{BIN / "adcli"} diff "{program}" --format plain '
             f'| {BIN / "adcli"} eval - --let x=1.3 --format plain')
    via_formula = subprocess.run(["bash", "-c", "set -o pipefail; " + shell],
                                 capture_output=True, text=True, check=True).stdout
    grad = api.differentiate(program, at={"x": 1.3}).derivative("x")
    assert float(via_formula) == pytest.approx(float(grad), rel=1e-13)


def test_grad_does_not_import_sympy() -> None:
    code = ("import sys; from click.testing import CliRunner; from adcli.cli.main import cli; "
            "CliRunner().invoke(cli, ['grad', 'x*x', '--at', 'x=1', '--format', 'plain']); "
            "CliRunner().invoke(cli, ['taylor', 'exp(x)', '--at', 'x=0']); "
            "print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False"]


def test_the_formula_of_a_bare_variable_is_its_derivative_not_a_boolean_error():
    from adcli import api

    assert api.diff("x").text == "1"
    assert api.diff("2x - x").text == "1"
    assert api.exact_taylor("x", {"x": 0}, 2).polynomial == "x"


def test_an_exact_taylor_polynomial_with_eulers_constant_evaluates_again():
    from adcli import api

    poly = api.exact_taylor("gamma(x)", {"x": 1}, 2).polynomial
    assert "EulerGamma" not in poly
    value = float(api.evaluate(poly, {"x": 1.1}).value)
    assert value == pytest.approx(0.9521689934631263, rel=1e-12)
