"""The Taylor-mode options through click's CliRunner: exact output in every format."""

from __future__ import annotations

import json

from click.testing import CliRunner

from adcli.cli.main import cli

BENCH = "sin(x)*exp(x)/(1+x*x)"


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_grad_order_1000_runs_in_taylor_mode() -> None:
    lines = _run("grad", "exp(x)", "--at", "x=0", "--order", "1000", "--format", "plain",
                 "-q").split()
    assert len(lines) == 1001
    assert set(lines) == {"1.0"} or all(abs(float(v) - 1) < 1e-12 for v in lines)


def test_grad_precision_carries_every_digit_into_json() -> None:
    obj = json.loads(_run("grad", BENCH, "--at", "x=0.5", "--order", "8", "--precision", "30",
                          "--format", "json"), parse_float=str)
    assert obj["derivatives"][-1]["value"] == "-541.657761485939386577680788336"
    assert obj["value"] == "0.632351266570891929474610053638"


def test_precision_in_csv_and_plain() -> None:
    csv = _run("eval", "exp(1)", "--precision", "40", "--format", "csv")
    assert csv == "f\n2.718281828459045235360287471352662497757\n"
    plain = _run("grad", "x*x*x", "--at", "x=1/3", "--order", "1", "--precision", "25",
                 "--format", "plain")
    assert plain == "0.03703703703703703703703704\n0.3333333333333333333333333\n"


def test_engine_option_and_the_table_says_which_ran() -> None:
    assert "engine: tape" in _run("grad", "x*x", "--at", "x=1", "--order", "3",
                                  "--engine", "tape")
    assert "engine: taylor" in _run("grad", "x*x", "--at", "x=1", "--order", "3")
    assert "engine: tape" in _run("grad", "x*x", "--at", "x=1", "--order", "2")


def test_dir_gives_directional_derivatives() -> None:
    out = _run("grad", "x*y*y", "--at", "x=1", "--at", "y=2", "--dir", "x=1", "--dir", "y=1",
               "--order", "3", "--format", "csv")
    assert out == "x,y,f,df/dv,d2f/dv2,d3f/dv3\n1.0,2.0,4.0,8.0,10.0,6.0\n"


def test_taylor_command_formats() -> None:
    assert _run("taylor", "1/(1-x)", "--at", "x=0", "--order", "3", "--format", "csv") == (
        "k,coefficient,derivative\n0,1.0,1.0\n1,1.0,1.0\n2,1.0,2.0\n3,1.0,6.0\n")
    assert _run("taylor", "x*x", "--at", "x=2", "--order", "3", "--format", "plain") == (
        "4.0 4.0\n4.0 4.0\n1.0 2.0\n0.0 0.0\n")
    obj = json.loads(_run("taylor", "exp(x)", "--at", "x=0", "--order", "2", "--format", "json"))
    assert obj["coefficients"] == [1.0, 1.0, 0.5]
    assert obj["derivatives"] == [1.0, 1.0, 1.0]
    assert obj["polynomial"] == "1.0 + x + 0.5*x^2"
    assert obj["precision"] is None and obj["engine"] == "taylor"


def test_taylor_command_table_shows_the_polynomial() -> None:
    out = _run("taylor", "x*x*x", "--at", "x=1", "--order", "3", "--precision", "20")
    assert "f ≈ 1.0 + 3.0*(x - 1.0) + 3.0*(x - 1.0)^2 + (x - 1.0)^3" in out \
        or "f ~ 1.0 + 3.0*(x - 1.0) + 3.0*(x - 1.0)^2 + (x - 1.0)^3" in out
    assert "precision: 20" in out


def test_float64_at_high_order_warns_when_it_lost_digits() -> None:
    result = CliRunner().invoke(cli, ["taylor", "(exp(10*x) + 1e-12*sin(x)) - exp(10*x)",
                                      "--at", "x=0", "--order", "25", "--format", "plain"])
    assert result.exit_code == 0
    assert "float64 lost" in result.stderr


def test_an_infinite_coefficient_above_order_170_is_a_warning_not_an_internal_error():
    # inf * 171! once converted 171! to a float, which overflows.
    run = CliRunner().invoke(cli, ["grad", "exp(x)", "--at", "x=710", "--order", "171",
                                   "--format", "plain"])
    assert run.exit_code == 0
    assert "internal error" not in run.output
    assert "is not finite" in run.stderr
