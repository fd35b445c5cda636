"""`adcli.api.diff`: the derivative as a formula, which evaluates to what the tape gives.

The formula is what the program computes (adcli/engine/symbolic.py runs the program on
SymPy expressions), printed in adcli's syntax, so `evaluate(formula.text, let=point)`
must give the tape's derivative at every point: one case per primitive the language
reaches (`test_every_primitive_has_a_formula_case` names one without), each at three
seeded random points of its domain. Golden formulas pin the printing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from adcli import api
from adcli.engine.primitives import PRIMITIVES

Interval = tuple[float, float]
WIDE: Interval = (-2.0, 2.0)
POSITIVE: Interval = (0.2, 3.0)
UNIT: Interval = (-0.9, 0.9)
AWAY: list[Interval] = [(-2.0, -0.3), (0.3, 2.0)]
GAMMA: list[Interval] = [(-2.8, -2.2), (-0.8, -0.2), (0.4, 4.0)]


@dataclass(frozen=True)
class Case:
    """A program reaching `covers`, differentiated by its inputs (x, and y if it reads
    one), each drawn from its domain."""

    covers: str
    program: str
    x: Interval | list[Interval] = WIDE
    y: Interval | list[Interval] | None = None


CASES = [
    Case("abs", "abs(x)^3 + abs(x)", AWAY),
    Case("acos", "acos(x)", UNIT),
    Case("acosh", "acosh(x)", (1.2, 3.0)),
    Case("add", "x + y", WIDE, WIDE),
    Case("asin", "asin(x)", UNIT),
    Case("asinh", "asinh(x)"),
    Case("atan", "atan(x)"),
    Case("atan2", "atan2(y, x)", AWAY, WIDE),
    Case("atanh", "atanh(x)", UNIT),
    Case("broadcast_to", "sum(broadcast_to(x, [3]) * [1, y, 3])", WIDE, WIDE),
    Case("cbrt", "cbrt(x)", AWAY),
    Case("ceil", "x*ceil(x)", AWAY),
    Case("concat", "sum(concat([[x, y], [x*y]], 0) * [1, 2, 3])", WIDE, WIDE),
    Case("cos", "cos(x)"),
    Case("cosh", "cosh(x)"),
    Case("diag", "sum(diag([x, y]) @ [y, 1])", WIDE, WIDE),
    Case("diag_part", "sum(diag_part([[x, y], [1, x*y]]))", WIDE, WIDE),
    Case("digamma", "digamma(x)", GAMMA),
    Case("divide", "x / y", WIDE, AWAY),
    Case("equal", "where(x == y, 1, x*y)", WIDE, WIDE),
    Case("erf", "erf(x)"),
    Case("erfc", "erfc(x)"),
    Case("exp", "exp(x)"),
    Case("expm1", "expm1(x)"),
    Case("floor", "x*floor(x)", AWAY),
    Case("floor_divide", "x*(x // y)", WIDE, (0.5, 2.0)),
    Case("gamma", "gamma(x)", GAMMA),
    Case("getitem", "[x, y, x*y][2] + [[x, y]][0, 0]", WIDE, WIDE),
    Case("greater", "x if x > y else x*y", WIDE, WIDE),
    Case("greater_equal", "where(x >= y, sin(x), x*y)", WIDE, WIDE),
    Case("integer_pow", "x^3 + x^-2", AWAY),
    Case("less", "where(x < y, x^2, y)", WIDE, WIDE),
    Case("less_equal", "where(x <= 0.5, x^2, 1/x)", AWAY),
    Case("lgamma", "lgamma(x)", GAMMA),
    Case("log", "log(x)", POSITIVE),
    Case("log10", "log10(x)", POSITIVE),
    Case("log1p", "log1p(x)", (-0.8, 2.0)),
    Case("log2", "log2(x)", POSITIVE),
    Case("logical_and", "where(logical_and(x > 0, y > 0), x*y, x + y)", WIDE, WIDE),
    Case("logical_not", "x if not x > y else 2*x", WIDE, WIDE),
    Case("logical_or", "x*y if x > 1 or y < 0 else x - y", WIDE, WIDE),
    Case("matmul", "[x, y] @ [[x, 1], [y, 2]]", WIDE, WIDE),
    Case("maximum", "max(x, y) + max(x^2, 1)", WIDE, WIDE),
    Case("minimum", "min(x, y) * min(x, 0.5)", WIDE, WIDE),
    Case("mod", "x % y + y % 0.7", WIDE, (0.5, 2.0)),
    Case("multiply", "x * y", WIDE, WIDE),
    Case("negative", "-x^2"),
    Case("not_equal", "where(x != y, x*y, 0)", WIDE, WIDE),
    Case("polygamma", "polygamma(2, x) + polygamma(1, x)", GAMMA),
    Case("pow", "x^y + 2^x", POSITIVE, WIDE),
    Case("reciprocal", "reciprocal(x)", AWAY),
    Case("reduce_logsumexp", "logsumexp([x, y, 1])", WIDE, WIDE),
    Case("reduce_max", "max([x, y, 2*x])", WIDE, WIDE),
    Case("reduce_min", "min([x, y*y])", WIDE, WIDE),
    Case("reduce_prod", "prod([x, y, x])", WIDE, WIDE),
    Case("reduce_sum", "sum([x, x*y]) + sum([[x, y], [1, 2]], axis=0)[1]", WIDE, WIDE),
    Case("relu", "relu(x)^2 + relu(x)", AWAY),
    Case("reshape", "sum(reshape([x, y, x*y, 1], [2, 2]) @ [x, y])", WIDE, WIDE),
    Case("round", "x*round(x)", [(-2.0, -1.6), (-1.4, -0.6), (-0.4, 0.4), (0.6, 1.4)]),
    Case("sigmoid", "sigmoid(x)"),
    Case("sign", "x*sign(x) + sign(x)", AWAY),
    Case("sin", "sin(x)"),
    Case("sinh", "sinh(x)"),
    Case("softplus", "softplus(x)"),
    Case("sqrt", "sqrt(x)", POSITIVE),
    Case("square", "square(x)"),
    Case("stack", "sum([x, y] * [y, 3])", WIDE, WIDE),
    Case("stop_gradient", "x*stop_gradient(x^2)"),
    Case("subtract", "x - y", WIDE, WIDE),
    Case("tan", "tan(x)", (-1.2, 1.2)),
    Case("tanh", "tanh(x)"),
    Case("tile", "sum(tile([x, y], [2]) * [1, 2, 3, 4])", WIDE, WIDE),
    Case("transpose", "sum(transpose([[x, y], [1, 2]]) @ [x, y])", WIDE, WIDE),
    Case("where", "where(x > 0.5, x^2, sin(x))"),
    # Compositions the language offers, whose formulas go through their primitives.
    Case("acot", "acot(x)", AWAY),
    Case("hypot", "hypot(x, y)", AWAY, AWAY),
    Case("norm", "norm([x, y, 1])", WIDE, WIDE),
    Case("logaddexp", "logaddexp(x, y)", WIDE, WIDE),
    Case("factorial", "factorial(x)", (0.2, 4.0)),
    Case("sec", "sec(x) + csc(x) + cot(x)", (0.3, 1.2)),
]

# Primitives only the engine's own rules reach: no program text can call them, so their
# symbolic rules are checked in tests/engine/test_symbolic_rules.py.
UNREACHABLE = {"cast", "mul_strong_zero", "relu_grad", "scatter"}


def _draw(rng: np.random.Generator, domain: Interval | list[Interval]) -> float:
    intervals = domain if isinstance(domain, list) else [domain]
    lo, hi = intervals[rng.integers(len(intervals))]
    return float(lo + (hi - lo) * rng.random())


def test_every_primitive_has_a_formula_case() -> None:
    assert set(PRIMITIVES) - UNREACHABLE - {case.covers for case in CASES} == set()


@pytest.mark.parametrize("case", CASES, ids=[case.covers for case in CASES])
def test_the_formula_evaluates_to_the_tapes_derivative(case: Case) -> None:
    wrt = ["x"] if case.y is None else ["x", "y"]
    formulas = api.diff(case.program, wrt=wrt)
    rng = np.random.default_rng(list(case.covers.encode()))
    for _ in range(3):
        point = {"x": _draw(rng, case.x)}
        if case.y is not None:
            point["y"] = _draw(rng, case.y)
        tape = api.differentiate(case.program, at=point, wrt=wrt, unconnected="zero")
        for name in wrt:
            formula = formulas.formula(name)
            value = api.evaluate(formula.text, let=point).value
            np.testing.assert_allclose(
                value, tape.derivative(name), rtol=1e-9, atol=1e-12,
                err_msg=f"d/d{name} of {case.program} at {point}: {formula.text}")


# ---- golden formulas --------------------------------------------------------------------


@pytest.mark.parametrize(("program", "formula"), [
    ("x^2*sin(x)", "2*x*sin(x) + x^2*cos(x)"),
    ("x^3/6", "x^2/2"),
    ("0.5*x^2 + 1e-3*x", "1/1000 + x"),
    ("sin(pi*x)", "pi*cos(pi*x)"),
    ("e^x", "exp(x)"),
    ("|x - 2|", "sign(x - 2)"),
    ("relu(x)", "where(x > 0, 1, 0)"),
    ("max(x, 0)", "where(x >= 0, 1, 0)"),
    ("cbrt(x)", "1/(3*cbrt(x)^2)"),
    ("softplus(x)", "sigmoid(x)"),
    ("lgamma(x)", "digamma(x)"),
    ("log1p(x)", "1/(1 + x)"),
])
def test_golden_formulas(program: str, formula: str) -> None:
    assert api.diff(program).text == formula


def test_a_loop_of_fixed_count_unrolls() -> None:
    assert api.diff("y = x; for i in range(3): y = y*x").text == "4*x^3"


def test_a_loop_count_from_a_constant_unrolls() -> None:
    assert api.diff("y = 1; for i in range(n): y = y*x", let={"n": 5}).text == "5*x^4"


def test_functions_are_called() -> None:
    program = "def f(t):\n    return t*t\nf(x) + f(2*x)"
    assert api.diff(program).text == "10*x"


def test_a_branch_on_a_constant_is_taken() -> None:
    program = "if k > 2:\n    y = x^k\nelse:\n    y = sin(x)"
    assert api.diff(program, let={"k": 3}).text == "3*x^2"
    assert api.diff(program, let={"k": 1}).text == "cos(x)"


def test_a_choice_on_an_input_is_a_piecewise_formula() -> None:
    assert api.diff("x^2 if x > 0 else -x").text == "where(x > 0, 2*x, -1)"


def test_an_if_on_an_input_is_an_error_naming_the_branch() -> None:
    with pytest.raises(api.AdcliError) as raised:
        api.diff("y = 0\nif x > 0:\n    y = x\ny")
    error = raised.value
    assert error.kind == "value" and error.exit_code == 1
    assert error.span.line == 2
    assert "the condition of 'if' depends on the input 'x'" in error.message
    assert "where(c, a, b)" in error.render()


def test_a_loop_count_from_an_input_is_an_error() -> None:
    words = "range\\(\\) needs a whole number, but this value depends on the input 'n'"
    with pytest.raises(api.AdcliError, match=words):
        api.diff("y = 1; for i in range(n): y = y*x", wrt="x")


def test_several_variables_give_every_partial_labelled() -> None:
    result = api.diff("x*y + sin(x)", wrt=["x", "y"])
    assert [(f.label(), f.text) for f in result.formulas] == [
        ("df/dx", "y + cos(x)"), ("df/dy", "x")]
    assert result.formula("y").label(unicode=True) == "∂f/∂y"


def test_the_order_gives_every_distinct_partial_of_it() -> None:
    result = api.diff("x^2*y^3", order=2)
    assert [(f.wrt, f.text) for f in result.formulas] == [
        (("x", "x"), "2*y^3"), (("x", "y"), "6*x*y^2"), (("y", "y"), "6*y*x^2")]
    assert api.diff("x^2*y^3", order=0).text == "x^2*y^3"


def test_the_result_has_text_latex_and_sympy_expressions() -> None:
    import sympy

    result = api.diff("exp(-x^2/2)", order=2)
    x = sympy.Symbol("x", real=True)
    assert sympy.simplify(result.expr - (x**2 - 1) * sympy.exp(-x**2 / 2)) == 0
    assert result.latex == r"\left(x^{2} - 1\right) e^{- \frac{x^{2}}{2}}"
    assert result.text == "(x^2 - 1)*exp(-x^2/2)"


def test_a_tensor_value_gives_a_tensor_formula() -> None:
    assert api.diff("[x*y, x + y, sin(x)]", wrt="x").text == "[y, 1, cos(x)]"


def test_constants_are_substituted_exactly() -> None:
    assert api.diff("a*x^2", let={"a": "pi/4"}).text == "pi*x/2"
    assert api.diff("a*x", let={"a": 0.1}).text == "1/10"


def test_an_input_the_program_assigns_again_is_differentiated_as_given() -> None:
    assert api.diff("y = x*x; x = 2*x; y + x", wrt="x").text == "2 + 2*x"


def test_grad_inside_the_program_is_differentiated_again() -> None:
    assert api.diff("grad(x^3, x)").text == "6*x"


@pytest.mark.parametrize(("wrt", "words"), [
    ("y", "the program does not read 'y'"),
    ("z", "the program assigns it"),
    ("k", "it is a constant"),
])
def test_bad_variables_are_usage_errors(wrt: str, words: str) -> None:
    with pytest.raises(api.AdcliError) as raised:
        api.diff("z = x*k; z + 1", wrt=wrt, let={"k": 2})
    assert raised.value.exit_code == 2 and raised.value.parameter == "wrt"
    assert words in raised.value.message


# ---- exact Taylor coefficients ---------------------------------------------------------------


def test_exact_taylor_coefficients_are_rationals() -> None:
    result = api.exact_taylor("exp(x)", {"x": 0}, 4)
    assert result.polynomial == "1 + x + x^2/2 + x^3/6 + x^4/24"
    assert result.coefficient_texts == ("1", "1", "1/2", "1/6", "1/24")
    assert result.derivative_texts == ("1", "1", "1", "1", "1")


def test_exact_taylor_is_in_powers_of_x_minus_a() -> None:
    assert api.exact_taylor("x^3", {"x": 1}, 3).polynomial == \
        "1 + 3*(x - 1) + 3*(x - 1)^2 + (x - 1)^3"
    assert api.exact_taylor("sin(x)", {"x": "pi/2"}, 2).polynomial == "1 - (x - pi/2)^2/2"


def test_exact_taylor_at_a_pole_is_an_error() -> None:
    with pytest.raises(api.AdcliError, match="no Taylor polynomial at x = 0"):
        api.exact_taylor("log(x)", {"x": 0}, 2)
