"""Property tests: random expressions agree with numpy, derivatives with central
differences; fuzzed text only ever gives a value or an AdcliError."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adcli.errors import AdcliError
from adcli.lang import Limits, run

NUMPY = {
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "atan": np.arctan, "softplus": lambda v: np.log1p(np.exp(v)),
}


def _leaf() -> st.SearchStrategy[tuple[str, str]]:
    number = st.floats(-2, 2, allow_nan=False).map(lambda v: (repr(round(v, 3)),) * 2)
    return st.one_of(st.just(("x", "x")), number)


def _extend(children: st.SearchStrategy[tuple[str, str]]) -> st.SearchStrategy[tuple[str, str]]:
    unary = st.tuples(st.sampled_from(sorted(NUMPY)), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", f"{t[0]}({t[1][1]})"))
    negate = children.map(lambda c: (f"-({c[0]})", f"-({c[1]})"))
    binary = st.tuples(st.sampled_from(["+", "-", "*"]), children, children).map(
        lambda t: (f"({t[1][0]} {t[0]} {t[2][0]})", f"({t[1][1]} {t[0]} {t[2][1]})"))
    # Division by something that is never zero, and whole powers (with ^ as power).
    divide = st.tuples(children, children).map(
        lambda t: (f"({t[0][0]}) / (1 + ({t[1][0]}) ** 2)",
                   f"({t[0][1]}) / (1 + ({t[1][1]}) ** 2)"))
    power = st.tuples(children, st.sampled_from(["2", "3"])).map(
        lambda t: (f"({t[0][0]}) ^ {t[1]}", f"({t[0][1]}) ** {t[1]}"))
    return st.one_of(unary, negate, binary, divide, power)


EXPRESSIONS = st.recursive(_leaf(), _extend, max_leaves=8)
POINTS = st.floats(-1.5, 1.5, allow_nan=False)


def _numpy_value(formula: str, x: float) -> float:
    return float(eval(formula, {"__builtins__": {}}, {**NUMPY, "x": np.float64(x)}))  # noqa: S307


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(EXPRESSIONS, POINTS)
def test_random_expressions_evaluate_like_numpy(expression: tuple[str, str], x: float) -> None:
    source, formula = expression
    expected = _numpy_value(formula, x)
    got = float(run(source, {"x": x}).value)
    assert _close(got, expected, 1e-12, 1e-12), (source, got, expected)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, POINTS)
def test_first_and_second_derivatives_agree_with_central_differences(
    expression: tuple[str, str], x: float
) -> None:
    source, formula = expression
    h = 1e-4
    first = float(run(f"grad({source}, x)", {"x": x}).value)
    second = float(run(f"grad(grad({source}, x), x)", {"x": x}).value)
    f = [_numpy_value(formula, x + k * h) for k in (-1, 1)]
    assert _close(first, (f[1] - f[0]) / (2 * h), 1e-5, 1e-5), (source, first)
    g = [float(run(f"grad({source}, x)", {"x": x + k * h}).value) for k in (-1, 1)]
    assert _close(second, (g[1] - g[0]) / (2 * h), 1e-5, 1e-5), (source, second)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=6), POINTS)
def test_horner_loop_program_matches_numpy_polyval_and_polyder(
    coefficients: list[int], x: float
) -> None:
    program = (f"c = {coefficients}\np = 0\nfor k in range(len(c)):\n    p = p * x + c[k]\n"
               "d = grad(p, x)")
    result = run(program, {"x": x})
    assert _close(float(result.variables["p"]), float(np.polyval(coefficients, x)), 1e-12, 1e-12)
    assert _close(float(result.value), float(np.polyval(np.polyder(coefficients), x)),
                  1e-12, 1e-12)


FUZZ_LIMITS = Limits(max_iterations=2_000, max_call_depth=30, max_tensor_elements=10_000,
                     max_source_chars=2_000)
SAMPLES = [
    "out = 1; for i in range(n): if i > 1 and i < 5: out = out * x",
    "def f(x, y):\n    output = 1.0\n    for i in range(y):\n        if i > 1 and i < 5:\n"
    "            output = multiply(output, x)\n    return output\ngrad(f(x, 6), x)",
    "y = sum(x); z = y * y\nw = [[1, 2], [3, 4]] @ [x, x][:, 0]\nhessian(z, x) if z > 0 else -z",
    "i = 0\nwhile i < 10:\n  i += 1\n  if i % 2: continue\nx[-1] ^ i // 3 % 2",
]


def _run_fuzzed(source: str) -> None:
    try:
        run(source, {"x": 2.0}, {"n": 6}, limits=FUZZ_LIMITS)
    except AdcliError as error:
        error.render()  # rendering never fails either


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet="xyf0123.+-*/%^@<>=!()[],:;# \n\tabdefinorstw_'", max_size=60))
def test_random_text_gives_a_value_or_an_adcli_error(source: str) -> None:
    _run_fuzzed(source)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.sampled_from(SAMPLES), st.integers(0, 400))
def test_truncated_programs_give_a_value_or_an_adcli_error(sample: str, cut: int) -> None:
    _run_fuzzed(sample[:cut])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.sampled_from(SAMPLES), st.lists(
    st.tuples(st.sampled_from(["delete", "insert", "replace"]), st.integers(0, 400),
              st.sampled_from(list("x1():[],=+*- \n\t#.^<ifor"))),
    min_size=1, max_size=4))
def test_mutated_programs_give_a_value_or_an_adcli_error(
    sample: str, edits: list[tuple[str, int, str]]
) -> None:
    source = sample
    for kind, position, char in edits:
        k = position % (len(source) + 1)
        if kind == "delete":
            source = source[:k] + source[k + 1:]
        elif kind == "insert":
            source = source[:k] + char + source[k:]
        else:
            source = source[:k] + char + source[k + 1:]
    _run_fuzzed(source)
