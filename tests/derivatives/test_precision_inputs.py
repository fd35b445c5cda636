"""At a set precision every number given is taken at that precision from its text: --at
values and ranges, --let constants (which may read the ones before them) and the values
of a points file; 0.1 is the decimal 0.1, not the float64 nearest it."""

from __future__ import annotations

from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli


def run(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=input, prog_name="adcli")
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_range_at_a_precision_holds_exact_decimals():
    out = run("grad", "x*x", "--at", "x=0:1:11", "--precision", "30", "--format", "csv")
    rows = out.splitlines()
    assert rows[0] == "x,f,df/dx"
    assert rows[4] == "0.3,0.09,0.6"  # float64 would print 0.09000000000000000333...


def test_a_constant_at_a_precision_is_its_decimal():
    assert run("eval", "a * 3", "--let", "a=0.1", "--precision", "30",
               "--format", "plain") == "0.3\n"


def test_a_constant_may_read_the_constants_before_it_at_a_precision():
    assert run("eval", "b", "--let", "a=1", "--let", "b=a/3", "--precision", "25",
               "--format", "plain") == "0.3333333333333333333333333\n"


def test_the_values_of_a_points_file_at_a_precision_are_their_decimals():
    out = run("grad", "x*x", "--points", "-", "--precision", "25", "--format", "csv",
              input="x\n0.1\n0.3\n")
    assert out == "x,f,df/dx\n0.1,0.01,0.2\n0.3,0.09,0.6\n"


def test_the_api_takes_constant_texts_at_a_precision():
    result = api.differentiate("a * x", {"x": "0.1"}, let={"a": "0.3"}, precision=20)
    assert str(result.value) == "0.03"
    assert str(result.derivative("x")) == "0.3"


def test_numbers_made_in_the_program_carry_the_working_precision():
    # exp(i) of a loop counter: float64's e was 2.71828182845904509...
    assert run("eval", "for i in range(2): a = exp(i)", "--precision", "30",
               "--format", "plain") == "2.71828182845904523536028747135\n"
    assert run("eval", "s = 0; for i in range(3): s = s + 0.1 * i", "--precision", "30",
               "--format", "plain") == "0.3\n"
    # Whole numbers stay whole, so they still index and count.
    assert run("eval", "x = [1, 2, 3]; n = 1; x[n + 1] * exp(n)", "--precision", "30",
               "--format", "plain") == "8.15484548537713570608086241406\n"


def test_a_value_that_is_zero_to_the_working_precision_is_zero():
    result = api.differentiate("sin(x)", {"x": "pi/2"}, order=2, precision=20)
    assert [str(result.value), str(result.derivative("x")),
            str(result.derivative("x", "x"))] == ["1.0", "0.0", "-1.0"]
    assert result.warnings == ()
    # A true value however tiny is kept: exp(-400) at 20 digits.
    tiny = api.evaluate("exp(-x)", {"x": 400.0})
    exact = api.differentiate("exp(-x)", {"x": "400"}, order=0, precision=20)
    assert float(exact.value) == float(tiny.value) > 0


def test_log_at_zero_at_a_precision_gives_what_float64_gives():
    result = api.differentiate("log(x)", {"x": "0"}, order=1, precision=20)
    assert float(result.value) == float("-inf")
    assert float(result.derivative("x")) == float("inf")
