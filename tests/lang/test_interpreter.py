"""The interpreter: the seeds' numbers, semantics, errors with spans, limits, the run API."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adcli.errors import (
    AdcliError,
    AdcliLimitError,
    AdcliNameError,
    AdcliShapeError,
    AdcliSyntaxError,
    AdcliTypeError,
    AdcliValueError,
)
from adcli.lang import Limits, parse, run


def value(source: str, **inputs: object) -> object:
    return run(source, inputs).value.numpy().tolist()


# ---- the seeds, with their exact numbers ---------------------------------------------

def test_seed_sum_then_square_of_ones() -> None:
    result = run("y = sum(x); z = y * y", {"x": np.ones((2, 2))})
    assert float(result.value) == 16.0
    assert result.value_name == "z"
    dz_dx = result.tape.gradient(result.value, result.inputs["x"])
    assert dz_dx.numpy().tolist() == [[8.0, 8.0], [8.0, 8.0]]
    assert float(result.tape.gradient(result.value, result.variables["y"])) == 8.0


def test_seed_sum_then_square_with_x_made_in_the_language() -> None:
    assert value("x = ones(2, 2); y = sum(x); z = y * y; grad(z, x)") == [[8.0, 8.0], [8.0, 8.0]]
    assert value("x = ones(2, 2); y = sum(x); z = y * y; grad(z, y)") == 8.0


SEED_F = """
def f(x, y):
    output = 1.0
    for i in range(y):
        if i > 1 and i < 5:
            output = multiply(output, x)
    return output
"""


@pytest.mark.parametrize(("y", "expected"), [(6, 12.0), (5, 12.0), (4, 4.0)])
def test_seed_control_flow_is_recorded(y: int, expected: float) -> None:
    assert value(SEED_F + f"grad(f(x, {y}), x)", x=2.0) == expected


def test_seed_control_flow_derivative_through_the_run_api() -> None:
    result = run(SEED_F + "out = f(x, 6)", {"x": 2.0})
    assert float(result.tape.gradient(result.value, result.inputs["x"])) == 12.0


def test_seed_cube_value_first_and_second_derivative() -> None:
    assert value("x*x*x", x=1.0) == 1.0
    assert value("grad(x*x*x, x)", x=1.0) == 3.0
    assert value("grad(grad(x*x*x, x), x)", x=1.0) == 6.0


def test_seed_second_derivative_through_the_live_tape() -> None:
    result = run("x*x*x", {"x": 1.0})
    x = result.inputs["x"]
    with result.tape:  # re-entered: the first gradient is recorded, so it can be differentiated
        first = result.tape.gradient(result.value, x)
        second = result.tape.gradient(first, x)
    assert (float(first), float(second)) == (3.0, 6.0)


def test_seed_derivatives_with_respect_to_an_intermediate_variable() -> None:
    result = run("y = x*x; z = y*y", {"x": 3.0})
    assert float(result.tape.gradient(result.value, result.inputs["x"])) == 108.0
    assert float(result.tape.gradient(result.variables["y"], result.inputs["x"])) == 6.0
    assert value("y = x*x; z = y*y; [grad(z, x), grad(y, x)]", x=3.0) == [108.0, 6.0]


# ---- semantics -------------------------------------------------------------------------

SEMANTICS = [
    ("2 + 3 * 4 ** 2 / 8", 8.0),
    ("2 ^ 3 ^ 2", 512.0),
    ("-2 ** 2", -4.0),
    ("7 // 2 + 7 % 3 + (-7) % 3", 6.0),
    ("1 < 2 < 3", True),
    ("1 < 3 < 2", False),
    ("True + True", 2.0),
    ("0 or 5", 5.0),
    ("2 and 0", 0.0),
    ("not 0", True),
    ("3 if 1 > 2 else 4", 4.0),
    ("x = 1; x += 2; x *= 3; x", 9.0),
    ("pi", math.pi),
    ("e", math.e),
    ("1 / 0", math.inf),
    ("-1 / 0", -math.inf),
    ("2 ** 2000", math.inf),
    ("mean([1, 2, 3]) + max([1, 5]) + min([4, 2]) + prod([2, 3])", 15.0),
    ("[[1, 2], [3, 4]] @ [1, 1]", [3.0, 7.0]),
    ("x = [[1, 2], [3, 4]]; x[1, 0] + x[-1, -1] + x[:, 1][0]", 9.0),
    ("x = [1, 2, 3, 4]; x[1:3]", [2.0, 3.0]),
    ("x = [1, 2, 3, 4]; x[::2]", [1.0, 3.0]),
    ("ones(2, 3).shape", [2.0, 3.0]),
    ("len(ones(4, 2))", 4.0),
    ("reshape(linspace(0, 1, 4), [2, 2])", [[0.0, 1 / 3], [2 / 3, 1.0]]),
    ("sum(ones([2, 3]), axis=1)", [3.0, 3.0]),
    ("concat([[1], [2, 3]], 0)", [1.0, 2.0, 3.0]),
    ("where([True, False], [1, 2], [3, 4])", [1.0, 4.0]),
    ("eye(2)", [[1.0, 0.0], [0.0, 1.0]]),
    ("range(3)", [0.0, 1.0, 2.0]),
    ("s = 0; for i in range(1, 10, 2): s += i\ns", 25.0),
    ("s = 0; for row in [[1, 2], [3, 4]]: s += row[1]\ns", 6.0),
    ("i = 0; while True:\n  i += 1\n  if i >= 5: break\ni", 5.0),
    ("s = 0\nfor i in range(5):\n  if i % 2 == 0: continue\n  s += i\ns", 4.0),
    ("def fact(n): return 1 if n <= 1 else n * fact(n - 1)\nfact(10)", 3628800.0),
    ("def g(a, b=2): return a ** b\ng(3) + g(2, b=3) + g(b=1, a=5)", 22.0),
    ("a = 10\ndef h(): return a + 1\nh()", 11.0),
    ("def k():\n  a = 5\n  return a\na = 1; k(); a", 1.0),
    ("x = 5\nreturn x * 2\nx = 7", 10.0),
    ("out = 1; for i in range(6): if i > 1 and i < 5: out = out * 2", 8.0),
]


@pytest.mark.parametrize(("source", "expected"), SEMANTICS)
def test_programs_evaluate_like_python_with_float64_numbers(source: str, expected: object) -> None:
    result = value(source)
    if isinstance(expected, float):
        assert result == pytest.approx(expected, rel=1e-15)
    else:
        assert result == expected


def test_nan_results_follow_ieee() -> None:
    assert math.isnan(value("log(-1)"))
    assert math.isnan(value("0 / 0"))
    assert math.isnan(value("5 % 0"))
    assert math.isnan(value("(-8) ** (1/3)"))


def test_program_value_rule() -> None:
    assert run("a = 1; b = 2").value_name == "b"
    assert run("a = 1; b = 2", of="a").value.numpy() == 1.0
    assert run("a = 1; a + 5").value.numpy() == 6.0
    assert run("a = 1\nif a > 0: b = 3\nelse: c = 4").value_name == "b"


def test_grad_where_y_does_not_depend_on_x_is_zero() -> None:
    assert value("grad(3 * 2, x)", x=[1.0, 2.0]) == [0.0, 0.0]
    assert value("y = 2; grad(y, x)", x=1.0) == 0.0


def test_grad_of_a_vector_is_the_gradient_of_its_sum() -> None:
    assert value("grad(x * x, x)", x=[1.0, 2.0]) == [2.0, 4.0]


def test_jacobian_hessian_and_stop_gradient() -> None:
    assert value("jacobian(x * x, x)", x=[1.0, 2.0]) == [[2.0, 0.0], [0.0, 4.0]]
    assert value("hessian(sum(x ** 3), x)", x=[1.0, 2.0]) == [[6.0, 0.0], [0.0, 12.0]]
    assert value("grad(x * stop_gradient(x), x)", x=3.0) == 3.0


def test_grad_with_respect_to_a_loop_variable_and_a_parameter() -> None:
    assert value("s = 0; for t in range(3): s += grad(t * t, t)\ns") == 6.0
    assert value("def d(u): return grad(sin(u), u)\nd(0)") == 1.0


def test_batch_inputs_evaluate_elementwise() -> None:
    result = run("sin(x) * x if x > 0 else -x", {"x": np.array([1.0, -2.0])})
    assert result.value.numpy().tolist() == [math.sin(1.0), 2.0]
    gradient = result.tape.gradient(result.value, result.inputs["x"]).numpy().tolist()
    assert gradient == [math.sin(1.0) + math.cos(1.0), -1.0]


def test_watch_makes_a_constant_variable_a_source() -> None:
    result = run("a = 2; y = a * x", {"x": 5.0}, watch=["a"])
    assert float(result.tape.gradient(result.value, result.variables["a"])) == 5.0


def test_constants_are_available_but_not_watched() -> None:
    result = run("x * n", {"x": 2.0}, {"n": 4})
    assert float(result.value) == 8.0
    assert result.tape.gradient(result.value, result.variables["n"]) is None


def test_run_result_exposes_inputs_variables_and_the_tape() -> None:
    result = run("y = x * 2; z = y + 1", {"x": 1.0})
    assert set(result.variables) == {"x", "y", "z"}
    assert result.inputs["x"] is result.variables["x"]
    assert result.value is result.variables["z"]
    assert float(result.tape.gradient(result.value, result.inputs["x"])) == 2.0


# ---- warnings ---------------------------------------------------------------------

def test_nan_warning_names_the_first_operation_and_its_position() -> None:
    result = run("a = 1\nb = log(a - 2) * 3")
    assert result.warnings == ("log() at 2:5 turned finite inputs into nan in 'log(a - 2)'",)


def test_inf_warning_for_division_by_zero() -> None:
    result = run("x / 0 + 1", {"x": 1.0})
    assert result.warnings == ("'/' at 1:1 turned finite inputs into inf in 'x / 0'",)


def test_finite_results_have_no_warnings() -> None:
    assert run("x * 2", {"x": 1.0}).warnings == ()


def test_nan_input_is_not_blamed_on_an_operation() -> None:
    assert run("x + 1", {"x": math.nan}).warnings == ("the value is nan",)


# ---- errors: kind, exact message, span -------------------------------------------

ERRORS = [
    ("sine(x)", AdcliNameError, "unknown function 'sine'; did you mean 'sin' or 'size' or 'sinh'?",
     1, 1),
    ("y = 1; z = yy + 1", AdcliNameError, "unknown name 'yy'; did you mean 'y'?", 1, 12),
    ("z = w\nw = 1", AdcliNameError, "variable 'w' is used before it is assigned", 1, 5),
    ("sin(1, 2)", AdcliTypeError, "sin() takes 1 argument (x), got 2", 1, 1),
    ("sum(ones(2), axes=0)", AdcliTypeError,
     "sum() has no parameter 'axes'; did you mean 'axis'?", 1, 14),
    ("where(1)", AdcliTypeError, "where() needs a condition, x and y", 1, 1),
    ("sin(1, 2, 3)", AdcliTypeError, "sin() takes 1 argument (x), got 3", 1, 1),
    ("ones(2) + ones(3)", AdcliShapeError, "'+': shapes (2,) and (3,) do not fit together", 1, 1),
    ("ones(2, 2) @ ones(3)", AdcliShapeError, "'@': shapes (2, 2) and (3,) do not fit together",
     1, 1),
    ("for i in range(2.5): pass", AdcliValueError, "range() needs a whole number, not 2.5", 1, 16),
    ("range(2.5)", AdcliValueError, "range() argument 'start' needs a whole number, not 2.5", 1, 7),
    ("ones(1.5)", AdcliValueError, "ones() argument 'shape' needs a whole number, not 1.5", 1, 6),
    ("[1, 2][0.5]", AdcliValueError, "an index needs a whole number, not 0.5", 1, 8),
    ("[1, 2][5]", AdcliValueError, "indexing: index 5 is out of range for axis 0 with size 2",
     1, 1),
    ("if ones(2) > 0: pass", AdcliValueError,
     "the condition of 'if' has shape (2,); it must be a single value", 1, 4),
    ("break", AdcliSyntaxError, "'break' outside a loop", 1, 1),
    ("f = 3; f(2)", AdcliTypeError, "'f' is a number, not a function", 1, 8),
    ("def f(a): return a\nf()", AdcliTypeError, "f() is missing its argument 'a'", 2, 1),
    ("grad(x * x, 2)", AdcliTypeError,
     "the second argument of grad() must be a variable name, the x in d/dx", 1, 13),
    ("hessian(x * x, x)", AdcliShapeError,
     "hessian() needs a single-valued y, not a tensor of shape (2,)", 1, 1),
    ("def f(): pass\nf() + 1", AdcliTypeError,
     "'+' cannot use no value (a function call without 'return')", 2, 1),
    ("sin", AdcliNameError, "'sin' is a function; call it like sin(...)", 1, 1),
    ("def f():\n  def g(): pass", AdcliSyntaxError,
     "function 'g' is defined inside function 'f'; define functions at the top level", 2, 3),
    ("def f(): pass", AdcliValueError,
     "the program has no value: end it with an expression, or assign a variable", 1, 1),
]


@pytest.mark.parametrize(("source", "kind", "message", "line", "column"), ERRORS)
def test_errors_have_a_kind_an_exact_message_and_a_span(
    source: str, kind: type, message: str, line: int, column: int
) -> None:
    with pytest.raises(kind) as caught:
        run(source, {"x": [1.0, 2.0]})
    error = caught.value
    assert error.message == message
    assert (error.span.line, error.span.column) == (line, column)
    assert error.source == source


def test_runtime_error_renders_with_a_caret_under_the_call() -> None:
    with pytest.raises(AdcliShapeError) as caught:
        run("y = 1\nz = ones(2) + ones(3)")
    assert caught.value.render() == (
        "shape error at 2:5: '+': shapes (2,) and (3,) do not fit together\n"
        "  z = ones(2) + ones(3)\n"
        "      ^^^^^^^^^^^^^^^^^"
    )


def test_unknown_of_names_the_variables() -> None:
    with pytest.raises(AdcliNameError) as caught:
        run("a = 1; b = 2", of="c")
    assert caught.value.message == "the program has no variable 'c'; its variables are a, b"


# ---- limits ---------------------------------------------------------------------------

def test_endless_loop_stops_at_the_iteration_limit() -> None:
    with pytest.raises(AdcliLimitError) as caught:
        run("while True: pass", limits=Limits(max_iterations=1000))
    assert caught.value.message == "the program ran more than 1,000 loop iterations and calls"
    assert (caught.value.span.line, caught.value.span.column) == (1, 1)


def test_endless_recursion_stops_at_the_call_depth_limit() -> None:
    with pytest.raises(AdcliLimitError) as caught:
        run("def f(n): return f(n - 1)\nf(1)")
    assert caught.value.message == (
        "calls are nested more than 200 deep (a recursion without an end?)"
    )


def test_recursion_within_the_depth_limit_runs() -> None:
    assert value("def f(n): return 0 if n == 0 else 1 + f(n - 1)\nf(190)") == 190.0


def test_huge_tensors_are_refused_before_allocation() -> None:
    for source in ("ones(100000, 100000)", "eye(10**5)", "range(10**9)",
                   "ones(10**4, 1) * ones(1, 10**4)", "tile(ones(10), [10**7])"):
        with pytest.raises(AdcliLimitError) as caught:
            run(source)
        assert "more than the limit of 10,000,000" in caught.value.message


def test_very_long_expressions_give_an_error_not_a_traceback() -> None:
    try:
        result = run("1" + " + 1" * 20_000)
    except AdcliLimitError as error:
        assert error.message == "the program is nested too deeply (expressions or calls)"
    else:
        assert float(result.value) == 20_001.0


def test_parse_then_run_a_program_object() -> None:
    program = parse("x * 3")
    assert float(run(program, {"x": 2.0}).value) == 6.0


def test_every_failure_is_an_adcli_error() -> None:
    for source in ("x[0][0][0]", "transpose(x, [5, 0])", "reshape(x, [3])", "diag(ones(2, 2, 2))",
                   "concat([], 0)", "sum(x, axis=4)", "norm(x, ord=3)", "x @ x @ x"):
        with pytest.raises(AdcliError):
            run(source, {"x": [1.0, 2.0]})


def test_max_and_min_of_several_arguments_are_elementwise_and_of_one_reduce() -> None:
    from adcli import api

    # max(x, 0) at -1 is 0 with derivative 0; min(x^2, 2x) at 3 is 2x = 6, derivative 2.
    assert float(api.differentiate("max(x, 0)", {"x": -1.0}).derivative("x")) == 0.0
    result = api.differentiate("min(x^2, 2*x)", {"x": 3.0})
    assert (float(result.value), float(result.derivative("x"))) == (6.0, 2.0)
    assert float(api.evaluate("max(1, 5, 3)").value) == 5.0
    assert float(api.evaluate("max([1, 5, 3])").value) == 5.0
    assert api.evaluate("max(x, axis=0)", {"x": [[1.0, 2.0], [3.0, 0.0]]}).value.tolist() \
        == [3.0, 2.0]
