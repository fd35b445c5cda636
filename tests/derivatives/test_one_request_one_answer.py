"""The derivative layer resolves each request once: the same answer whichever face asks,
whichever engine runs it, and at each point of a batch what a single run there gives.

Each test is one defect of the layer before it was redesigned, with its right value."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from adcli import api
from adcli.cli.main import cli
from adcli.errors import AdcliUsageError


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input, prog_name="adcli",
                                env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert "Traceback" not in result.stdout + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def default_limits_restored():
    from adcli.lang import default_limits, set_default_limits

    before = default_limits()
    yield
    set_default_limits(before)


# -- --wrt picks the direction of Taylor mode ---------------------------------------

@pytest.mark.parametrize("engine", ["auto", "taylor", "tape"])
def test_one_wrt_input_among_several_gives_its_derivatives_on_every_engine(engine):
    # f = x^3 y at (1, 2): f = 2, f_x = 3x^2 y = 6, f_xx = 6xy = 12, f_xxx = 6y = 12.
    code, out, err = run("grad", "x^3*y", "--at", "x=1", "--at", "y=2", "--wrt", "x",
                         "--order", "3", "--engine", engine, "--format", "plain")
    assert (code, err) == (0, "")
    assert out.split() == ["2.0", "6.0", "12.0", "12.0"]
    result = api.differentiate("x^3*y", {"x": 1, "y": 2}, wrt=["x"], order=3, engine=engine)
    assert [float(result.derivative(*"x" * k)) for k in (1, 2, 3)] == [6.0, 12.0, 12.0]
    assert result.engine == ("tape" if engine == "tape" else "taylor")


def test_the_installed_adcli_gives_the_wrt_derivatives_in_taylor_mode():
    script = shutil.which("adcli") or str(__import__("pathlib").Path(sys.executable).parent
                                          / "adcli")
    done = subprocess.run([script, "grad", "x^3*y", "--at", "x=1", "--at", "y=2", "--wrt", "x",
                           "--order", "3", "--format", "json"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [d["value"] for d in answer["derivatives"]] == [6.0, 12.0, 12.0]


# -- the global limits hold in the REPL -----------------------------------------------

def test_the_repl_enforces_limits_given_before_the_command():
    from adcli.lang import Limits, set_default_limits

    program = "def f(n): return 1 if n == 0 else f(n - 1)\nf(10)\n"
    code, out, err = run("--max-depth", "5", "repl", "--format", "plain", input=program)
    assert code == 1
    assert "calls are nested more than 5 deep" in err
    assert "hint: to allow deeper recursion: adcli --max-depth N" in err
    set_default_limits(Limits())  # the option holds for its process; this test runs on
    code, out, err = run("repl", "--format", "plain", input=program)
    assert (code, out, err) == (0, "1.0\n", "")


# -- Python values as inputs --------------------------------------------------------

@pytest.mark.parametrize("value", [[1.0, 2.0, 3.0], (1, 2, 3), np.array([1.0, 2.0, 3.0]),
                                   [1, 2.0, 3]])
def test_the_api_takes_lists_tuples_and_arrays_as_inputs(value):
    result = api.differentiate("sum(x*x)", at={"x": value})
    assert float(result.value) == 14.0
    np.testing.assert_array_equal(result.derivative("x"), [2.0, 4.0, 6.0])


def test_the_api_takes_nested_lists_as_inputs_and_constants():
    result = api.differentiate("sum(a * x)", at={"x": [[1, 2], [3, 4]]}, let={"a": [[1, 0],
                                                                                 [0, 2]]})
    assert float(result.value) == 9.0
    np.testing.assert_array_equal(result.derivative("x"), [[1.0, 0.0], [0.0, 2.0]])


def test_the_api_takes_lists_and_tuples_as_batch_columns():
    batch = api.differentiate_batch("x * y", {"x": [1, 2], "y": (3.0, 4.0)})
    np.testing.assert_array_equal(batch.value, [3.0, 8.0])
    np.testing.assert_array_equal(batch.derivatives[0].value, [3.0, 4.0])
    np.testing.assert_array_equal(batch.derivatives[1].value, [1.0, 2.0])


def test_batch_columns_of_different_lengths_are_a_usage_error():
    with pytest.raises(AdcliUsageError, match="same number of points") as caught:
        api.differentiate_batch("x * y", {"x": [1, 2], "y": [3.0]})
    assert caught.value.parameter == "at"


# -- a constant is not differentiated -------------------------------------------------

def test_wrt_a_let_constant_is_a_usage_error_that_says_how_to_make_it_an_input():
    code, out, err = run("grad", "x*y", "--at", "x=1", "--let", "y=2", "--wrt", "y")
    assert (code, out) == (2, "")
    assert err == ("usage error: cannot differentiate with respect to 'y': it is a constant, "
                   "and constants are not differentiated\n"
                   "hint: to differentiate with respect to it, give it as an input: "
                   "--at y=VALUE\n")
    with pytest.raises(AdcliUsageError) as caught:
        api.differentiate("x*y", {"x": 1}, wrt=["y"], let={"y": 2})
    assert (caught.value.parameter, caught.value.name) == ("wrt", "y")
    assert "--" not in str(caught.value)
    assert "at={'y': VALUE}" in str(caught.value)


# -- every point of a batch is what a single run there gives -----------------------------

@pytest.mark.parametrize("engine,order", [("auto", 1), ("tape", 3), ("taylor", 3)])
@pytest.mark.parametrize("points", [[-1.0, 0.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0]])
def test_a_batch_gives_at_each_point_what_a_single_run_gives(engine, order, points):
    program = "y if y < 0 else 1"
    batch = api.differentiate_batch(program, {"y": points}, order=order, engine=engine)
    for i, y in enumerate(points):
        single = api.differentiate(program, {"y": y}, order=order, engine=engine)
        got = batch.point(i)
        assert float(got.value) == float(single.value)
        for d, s in zip(got.derivatives, single.derivatives, strict=True):
            assert (d.value is None) == (s.value is None), (y, d, s)
            assert d.reason == s.reason
            if s.value is not None:
                assert float(d.value) == float(s.value)
        assert ("the result does not depend on the input 'y'" in got.warnings) == (y >= 0)


def test_a_grid_prints_none_only_where_the_value_ignores_the_input():
    code, out, err = run("grad", "y if y < 0 else 1", "--at", "y=-1:1:3", "--format", "csv")
    assert code == 0
    assert out == "y,f,df/dy\n-1.0,-1.0,1.0\n0.0,1.0,none\n1.0,1.0,none\n"
    code, out, err = run("grad", "y if y < 0 else 1", "--at", "y=1:-1:3", "--engine", "taylor",
                         "--order", "3", "--format", "csv")
    assert out == ("y,f,df/dy,d2f/dy2,d3f/dy3\n1.0,1.0,none,none,none\n"
                   "0.0,1.0,none,none,none\n-1.0,-1.0,1.0,0.0,0.0\n")
    code, out, err = run("grad", "y if y < 0 else 1", "--at", "y=-1:1:2", "--format", "jsonl")
    first, last = (json.loads(line) for line in out.splitlines())
    assert first["derivatives"][0]["value"] == 1.0 and first["warnings"] == []
    assert last["derivatives"][0]["value"] is None
    assert last["derivatives"][0]["reason"] == "the result does not depend on 'y'"


# -- interpolated mixed partials that are exactly zero -----------------------------------

def test_interpolated_mixed_partials_keep_no_float64_noise():
    # f = y/x at (-0.5, -0.5): f_xxx = -6y/x^4 = 48, f_xxy = 2/x^3 = -16, f_xyy = f_yyy = 0.
    result = api.differentiate("y / x", {"x": -0.5, "y": -0.5}, order=3)
    assert result.engine == "taylor (interpolated)"
    third = {d.wrt: float(d.value) for d in result.derivatives if d.order == 3}
    assert third == {("x", "x", "x"): 48.0, ("x", "x", "y"): -16.0, ("x", "y", "y"): 0.0,
                     ("y", "y", "y"): 0.0}
    tape = api.differentiate("y / x", {"x": -0.5, "y": -0.5}, order=3, engine="tape")
    assert {d.wrt: float(d.value) for d in tape.derivatives if d.order == 3} == third
    assert result.warnings == ()


# -- the library speaks its own words ---------------------------------------------------

@pytest.mark.parametrize("call,parameter", [
    (lambda: api.differentiate("x*y", {"x": 1, "y": 2}, direction={"z": 1}), "direction"),
    (lambda: api.differentiate("x", {"x": 1}, engine="tape", precision=10), "engine"),
    (lambda: api.differentiate("x", {"x": 1}, engine="fast"), "engine"),
    (lambda: api.differentiate("x", {"x": 1}, order=-1), "order"),
    (lambda: api.differentiate("x", {"x": 1}, unconnected="maybe"), "unconnected"),
    (lambda: api.differentiate("grad(x*x, x)", {"x": 1}, engine="taylor"), "engine"),
    (lambda: api.differentiate("x*y", {"x": 1}), "at"),
    (lambda: api.taylor("x*y", {"x": 1, "y": 2}, 3), "direction"),
    (lambda: api.differentiate("sum(x)", {"x": [1, 2]}, order=3, engine="taylor"), "engine"),
])
def test_library_errors_name_their_parameter_and_no_command_line_flag(call, parameter):
    with pytest.raises(AdcliUsageError) as caught:
        call()
    assert caught.value.parameter == parameter
    assert "--" not in caught.value.render()


def test_a_limit_error_names_its_limit_field_in_python_words():
    from adcli.errors import AdcliLimitError
    from adcli.lang import Limits

    with pytest.raises(AdcliLimitError) as caught:
        api.evaluate("n = 0\nwhile True: n += 1", limits=Limits(max_iterations=100))
    assert caught.value.limit == "max_iterations"
    assert caught.value.render().endswith(
        "hint: if it is meant to run longer, raise the limit: Limits(max_iterations=N)")
    code, out, err = run("--max-iterations", "100", "eval", "n = 0\nwhile True: n += 1")
    assert code == 1
    assert err.endswith("hint: if it is meant to run longer, raise the limit: adcli "
                        "--max-iterations N (Python: Limits(max_iterations=N))\n")


def test_a_missing_input_is_phrased_for_python_and_for_the_command_line():
    with pytest.raises(AdcliUsageError) as caught:
        api.differentiate("x * y", {"x": 1.0})
    assert (caught.value.parameter, caught.value.name) == ("at", "y")
    assert caught.value.render().endswith(
        "hint: give it with at={'y': VALUE} (an input to differentiate) or "
        "let={'y': VALUE} (a constant)")


# -- one derivative by its variables ------------------------------------------------------

def test_result_derivative_reads_one_partial_by_its_variables_in_any_order():
    result = api.differentiate("x^2 * y^3", {"x": 1.0, "y": 2.0}, order=2)
    assert float(result.derivative("x")) == 16.0
    assert float(result.derivative("x", "y")) == float(result.derivative("y", "x")) == 24.0
    assert float(result.derivative("y", "y")) == 12.0
    with pytest.raises(KeyError, match=r"no derivative d3f/dx3 was computed"):
        result.derivative("x", "x", "x")
    unused = api.differentiate("x * x", {"x": 1.0, "y": 2.0})
    assert unused.derivative("y") is None


# -- the plot chooses its engine as every request does --------------------------------------

def test_plot_and_grad_choose_the_same_engine():
    from adcli import plotting

    for order, engine in ((1, "tape"), (2, "tape"), (3, "taylor")):
        grid = np.linspace(-1.0, 1.0, 5)
        assert plotting.curves("sin(x)", "x", grid, order).engine == engine
        assert api.differentiate_batch("sin(x)", {"x": grid}, order=order).engine == engine
