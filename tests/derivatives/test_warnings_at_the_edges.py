"""Every number that is not finite comes with a warning: derivatives, float64 or at a set
precision, and every Taylor coefficient that `adcli taylor` prints."""

from __future__ import annotations

from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli


def test_taylor_names_every_coefficient_that_is_not_finite():
    result = api.taylor("log(x)", {"x": 0.0}, 2)
    assert [float(c) for c in result.coefficients] == [float("-inf"), float("inf"),
                                                      float("-inf")]
    assert result.warnings == ("the coefficients of orders 0, 1, 2 are not finite (infinite)",)
    assert api.kind_of(result.warnings[0]) == "nonfinite"


def test_taylor_on_the_command_line_warns_about_nan_and_infinite_coefficients_apart():
    run = CliRunner().invoke(cli, ["taylor", "sqrt(x) + 1/(x - 1)", "--at", "x=1", "--order",
                                   "1", "--format", "plain"], prog_name="adcli")
    assert run.exit_code == 0
    assert "warning: the coefficients of orders 0, 1 are not finite (infinite)" in run.stderr


def test_a_finite_series_has_no_warning():
    assert api.taylor("exp(x)", {"x": 0.0}, 4).warnings == ()


def test_derivatives_at_a_set_precision_that_are_not_finite_are_named():
    result = api.differentiate("1/x", {"x": "0"}, order=1, precision=20)
    assert "df/dx is not finite (infinite)" in result.warnings


def test_derivatives_where_the_value_is_undefined_come_with_a_warning_naming_the_domain():
    # TensorFlow's rule 1/x, evaluated anyway: the number stays, a warning says it is void.
    result = api.differentiate("log(x)", {"x": -1.0})
    assert float(result.derivative("x")) == -1.0
    undefined = [w for w in result.warnings if api.kind_of(w) == "undefined"]
    assert undefined == ["the value is undefined (nan) where log() is outside its domain (it "
                         "is defined for x > 0); derivatives there are gradient rules "
                         "evaluated outside the domain and mean nothing"]
    run = CliRunner().invoke(cli, ["grad", "asin(x)", "--at", "x=-2:0:3", "--format", "csv"],
                             prog_name="adcli")
    assert run.exit_code == 0
    assert "asin() is outside its domain (it is defined for -1 <= x <= 1)" in run.stderr


def test_a_defined_value_says_nothing_of_domains():
    result = api.differentiate("log(x)", {"x": 2.0})
    assert result.warnings == ()


def test_a_zero_times_an_infinite_derivative_taken_as_zero_is_warned_about():
    # d/dx of 1/x^2 at 0 runs through 2x = 0 times -1/x^4 = -inf: the 0 is a convention.
    for program in ("1/x^2", "sqrt(abs(x))"):
        result = api.differentiate(program, {"x": 0.0}, engine="tape")
        assert "convention" in [api.kind_of(w) for w in result.warnings], program
    # A zero incoming gradient meeting an infinite local one is exact: no such warning.
    masked = api.differentiate("where(x > 0, sqrt(x), x)", {"x": 0.0}, order=2)
    assert "convention" not in [api.kind_of(w) for w in masked.warnings]
    assert [float(d.value) for d in masked.derivatives] == [1.0, 0.0]


def test_taylor_mode_and_precision_name_the_operation_that_made_nan():
    result = api.differentiate("log(x)", {"x": -1.0}, order=3)
    assert result.engine == "taylor"
    assert any("log() is outside its domain" in w for w in result.warnings)
    run = CliRunner().invoke(cli, ["eval", "log(-1)", "--precision", "30"], prog_name="adcli")
    assert "log()" in run.stderr and "nan" in run.stderr
