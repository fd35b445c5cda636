"""A request that cannot mean one thing is a usage error (exit 2) naming what to change,
whichever engine would have run it; from Python the error carries the parameter."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli
from adcli.errors import AdcliUsageError


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, prog_name="adcli")
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("call,parameter", [
    (lambda: api.differentiate("x*x*y", {"x": 1.0, "y": 2.0}, wrt=["x", "x"], order=3),
     "wrt"),
    (lambda: api.differentiate("x*y", {"x": 1.0}, let={"x": 2.0}), "let"),
    (lambda: api.differentiate("x", {"x": 1 + 2j}), "at"),
    (lambda: api.differentiate("x", {"1x": 1.0}), "at"),
    (lambda: api.differentiate("x", None), "at"),
    (lambda: api.differentiate("x", {"x": 1.0}, of="q"), "of"),
    (lambda: api.differentiate("sum(x)", {"x": [1.0, 2.0]}, direction={"x": [1, 2, 3]},
                               order=3), "direction"),
    (lambda: api.differentiate("x*y", {"x": 1.0, "y": 2.0}, direction={"x": 1}, wrt=["x"]),
     "wrt"),
    (lambda: api.differentiate_batch("x", {"x": []}), "at"),
    (lambda: api.check("x*x", {"x": 1.0}, tolerance=-1), "tolerance"),
    (lambda: api.check("x*x", {"x": 1.0}, order=0), "order"),
])
def test_an_ambiguous_request_is_a_usage_error_with_its_parameter(call, parameter):
    with pytest.raises(AdcliUsageError) as caught:
        call()
    assert caught.value.parameter == parameter


def test_a_single_name_may_be_given_as_a_string():
    result = api.differentiate("x*y", {"x": 1.0, "y": 2.0}, wrt="y")
    assert [d.wrt for d in result.derivatives] == [("y",)]


@pytest.mark.parametrize("extra", [[], ["--engine", "taylor"], ["--precision", "20"],
                                   ["--order", "3"]])
def test_a_missing_input_is_the_same_usage_error_on_every_engine(extra):
    code, out, err = run("grad", "x*y", "--at", "x=1", *extra)
    assert code == 2
    assert "missing input 'y'" in err
    assert "hint: give it with --at y=VALUE (an input to differentiate) or --let y=VALUE" in err


def test_an_unknown_of_name_is_a_usage_error():
    code, out, err = run("grad", "x*x", "--at", "x=1", "--of", "nope")
    assert code == 2
    assert err.startswith("usage error: the program has no variable 'nope'")


@pytest.mark.parametrize("args,message", [
    (["--dir", "x=1", "--dir", "x=5"], "--dir x is given twice"),
    (["--dir", "x=[1, 2]"], "the direction of 'x' has shape (2,)"),
    (["--dir", "x=1", "--wrt", "x"], "give a direction or the variables"),
])
def test_a_direction_that_cannot_mean_one_thing_is_refused(args, message):
    code, out, err = run("grad", "x*y", "--at", "x=1", "--at", "y=2", "--order", "3", *args)
    assert code == 2
    assert message in err


@pytest.mark.parametrize("points,args,message", [
    ("x,x\n1,2\n", [], "the header names 'x' twice"),
    ("x,y\n1,2\n", ["--at", "x=5"], "x is given by both --points and --at"),
    ("x,y\n1,2\n", ["--let", "y=5"], "y is given by both --points and --let"),
])
def test_a_points_file_may_not_give_a_name_twice(points, args, message):
    code, out, err = run("grad", "x*y", "--points", "-", *args, input=points)
    assert code == 2
    assert message in err


def test_text_that_is_not_utf8_is_a_usage_error(tmp_path):
    program = tmp_path / "bin.ad"
    program.write_bytes(b"\xff\xfe")
    code, out, err = run("grad", "-f", str(program), "--at", "x=1")
    assert code == 2
    assert err.startswith("usage error: the input is not UTF-8 text")


def test_a_tensor_derivative_that_is_none_keeps_its_columns():
    code, out, err = run("grad", "[x*x*x, x]", "--at", "x=1", "--at", "y=[1, 2]",
                         "--format", "csv")
    header, row = out.splitlines()
    assert header.endswith("df/dy[0,0],df/dy[0,1],df/dy[1,0],df/dy[1,1]")
    assert row.endswith("none,none,none,none")


def test_a_grid_row_has_the_columns_and_words_of_a_single_run():
    program = "sum(x)*y if y > 0.5 else 1"
    code, grid, err = run("grad", program, "--at", "x=[1, 2]", "--at", "y=0:1:2",
                          "--format", "plain")
    assert grid.splitlines() == ["1.0 none none none", "3.0 1.0 1.0 3.0"]
    code, single, err = run("grad", program, "--at", "x=[1, 2]", "--at", "y=0", "--format",
                            "csv")
    assert single.splitlines()[0] == "x[0],x[1],y,f,df/dx[0],df/dx[1],df/dy"


def test_each_grid_point_keeps_its_own_reason():
    program = "x if x > 0 else 0*y"
    code, out, err = run("grad", program, "--at", "x=-1:1:3", "--at", "y=3", "--order", "2",
                         "--format", "jsonl")
    last = json.loads(out.splitlines()[-1])
    single = api.differentiate(program, {"x": 1.0, "y": 3.0}, order=2)
    assert [d.get("reason") for d in last["derivatives"]] == [d.reason for d in
                                                              single.derivatives]


def test_the_repl_refuses_a_variable_named_twice():
    code, out, err = run("repl", "--format", "plain", input="x = 1\ny = 2\n:grad x*x*y wrt x,x\n")
    assert code == 1
    assert "'x' is named twice" in err


def test_plot_names_only_the_options_plot_has():
    code, out, err = run("plot", "x*y", "--over", "x=-2:2")
    assert code == 2
    assert "hint: give it with --let y=VALUE (a constant)" in err
    assert "--at" not in err
