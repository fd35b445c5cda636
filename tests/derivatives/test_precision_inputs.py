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
