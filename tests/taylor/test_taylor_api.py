"""Taylor mode through the language and the API: closed forms, mpmath references at high
order, precision, engine choice, control flow, and random programs against nested tapes."""

from __future__ import annotations

import math
from decimal import Decimal

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adcli import api
from adcli.errors import AdcliUsageError

BENCH = "sin(x)*exp(x)/(1+x*x)"


def test_every_derivative_of_exp_at_0_is_1() -> None:
    # float64 rounds 1/k! in the coefficients, so k! u_k is 1 to the last bit or two...
    floats = api.taylor("exp(x)", {"x": 0.0}, 25)
    np.testing.assert_allclose(floats.derivatives, np.ones(26), rtol=4e-16, atol=0)
    # ...and exactly 1 at a set precision.
    exact = api.taylor("exp(x)", {"x": "0"}, 25, precision=20)
    assert [str(d) for d in exact.derivatives] == ["1.0"] * 26


def test_sin_derivatives_cycle_0_1_0_minus_1() -> None:
    floats = api.taylor("sin(x)", {"x": 0.0}, 16)
    np.testing.assert_allclose(floats.derivatives, [0.0, 1.0, 0.0, -1.0] * 4 + [0.0],
                               rtol=4e-16, atol=0)
    assert floats.derivatives[::2].tolist() == [0.0] * 9  # even ones exactly
    exact = api.taylor("sin(x)", {"x": "0"}, 16, precision=20)
    assert [str(d) for d in exact.derivatives] == ["0.0", "1.0", "0.0", "-1.0"] * 4 + ["0.0"]


def test_kth_derivative_of_geometric_series_is_k_factorial() -> None:
    result = api.taylor("1/(1-x)", {"x": 0.0}, 20)
    assert result.coefficients.tolist() == [1.0] * 21
    assert result.derivatives.tolist() == [float(math.factorial(k)) for k in range(21)]


def test_polynomial_derivatives_beyond_its_degree_are_exactly_zero() -> None:
    result = api.taylor("3*x**4 - 2*x**3 + x - 7", {"x": 1.5}, 12)
    assert result.derivatives[5:].tolist() == [0.0] * 8
    assert result.derivatives[4] == 72.0
    assert result.derivatives[:4].tolist() == [3 * 1.5**4 - 2 * 1.5**3 + 1.5 - 7,
                                               12 * 1.5**3 - 6 * 1.5**2 + 1,
                                               36 * 1.5**2 - 12 * 1.5, 72 * 1.5 - 12]


def test_eighth_derivative_of_the_benchmark_function_in_float64() -> None:
    result = api.differentiate(BENCH, {"x": 0.5}, order=8)
    assert result.engine == "taylor"
    assert result.derivatives[-1].value == pytest.approx(-541.65776148593939, rel=1e-13)


def _mp_reference(f, point: str, order: int, dps: int = 50) -> list:
    with mpmath.workdps(dps):
        return mpmath.taylor(f, mpmath.mpf(point), order)


@pytest.mark.parametrize("program,f", [
    (BENCH, lambda x: mpmath.sin(x) * mpmath.exp(x) / (1 + x * x)),
    ("atan(x) + sqrt(1 + x) * log(2 + x)", lambda x: mpmath.atan(x) + mpmath.sqrt(1 + x)
     * mpmath.log(2 + x)),
    ("tanh(x) / (2 + cos(3*x))", lambda x: mpmath.tanh(x) / (2 + mpmath.cos(3 * x))),
])
def test_order_40_at_40_digits_matches_mpmath_at_50(program: str, f) -> None:
    result = api.taylor(program, {"x": "0.5"}, 40, precision=40)
    reference = _mp_reference(f, "0.5", 40)
    assert result.warnings == ()
    with mpmath.workdps(50):
        for k in (0, 1, 7, 30, 40):
            got = mpmath.mpf(str(result.coefficients[k]))
            assert abs(got - reference[k]) <= mpmath.mpf(10) ** -38 * abs(reference[k]), k


def test_float64_order_30_is_checked_and_accurate() -> None:
    result = api.taylor(BENCH, {"x": 0.5}, 30)
    reference = _mp_reference(lambda x: mpmath.sin(x) * mpmath.exp(x) / (1 + x * x), "0.5", 30)
    for k in (10, 20, 30):
        assert float(result.coefficients[k]) == pytest.approx(float(reference[k]), rel=1e-12)


def test_float64_that_lost_digits_is_recomputed_and_says_so() -> None:
    # Huge terms that cancel leave float64 nothing of the small one that remains.
    result = api.taylor("(exp(10*x) + 1e-12*sin(x)) - exp(10*x)", {"x": 0.0}, 30)
    assert any("float64 lost" in w for w in result.warnings)
    reference = [mpmath.mpf("1e-12") * v for v in mpmath.taylor(mpmath.sin, 0, 30)]
    for k in (1, 3, 29):
        assert float(result.coefficients[k]) == pytest.approx(float(reference[k]), rel=1e-9)


def test_precision_results_are_decimals_with_the_digits_asked_for() -> None:
    result = api.differentiate("exp(x)", {"x": "1"}, order=2, precision=50)
    assert isinstance(result.value.reshape(())[()], Decimal)
    assert str(result.value.reshape(())[()]) == \
        "2.7182818284590452353602874713526624977572470937"[:51]
    assert result.engine == "taylor"


def test_precision_takes_program_literals_as_exact_decimals() -> None:
    result = api.differentiate("x*0.1 + pi/4", {"x": "0.2"}, order=0,
                                                      precision=30)
    with mpmath.workdps(40):
        expected = mpmath.mpf("0.02") + mpmath.pi / 4
        assert abs(mpmath.mpf(str(result.value.reshape(())[()])) - expected) < mpmath.mpf(
            10) ** -29


def test_order_1000_in_float64_is_checked_where_coefficients_underflow() -> None:
    result = api.taylor("exp(x)", {"x": 0.0}, 1000)
    # 1/1000! underflows float64, so the derivative comes from the mpmath check.
    assert result.coefficients[1000] == 0.0
    assert result.derivatives[1000] == 1.0
    assert any("float64 lost" in w for w in result.warnings)


def test_auto_uses_the_tape_for_orders_1_and_2_and_taylor_above() -> None:
    assert api.differentiate("x*x", {"x": 1.0}, order=2).engine == "tape"
    assert api.differentiate("x*x", {"x": 1.0}, order=3).engine == "taylor"
    assert api.differentiate("x*y", {"x": 1.0, "y": 2.0}, order=2).engine == "tape"
    assert api.differentiate("x*y", {"x": 1.0, "y": 2.0}, order=3).engine == \
        "taylor (interpolated)"
    assert api.differentiate("y = grad(x*x, x); y*x", {"x": 1.0}, order=3).engine == "tape"
    assert api.differentiate("x*x", {"x": 1.0}, order=1, engine="taylor").engine == "taylor"


def test_taylor_engine_refuses_what_it_cannot_do() -> None:
    with pytest.raises(AdcliUsageError, match="scalar input"):
        api.differentiate("sum(x)*y", {"x": np.array([1.0, 2.0]), "y": 2.0}, order=3,
                          engine="taylor")
    with pytest.raises(AdcliUsageError, match="Taylor mode"):
        api.differentiate("x*x", {"x": 1.0}, order=3, engine="tape", precision=20)


def test_directional_derivatives_of_several_inputs() -> None:
    result = api.differentiate("x*y*y", {"x": 1.0, "y": 2.0}, order=3,
                               direction={"x": 1.0, "y": 1.0})
    # f(1 + t, 2 + t) = (1 + t)(2 + t)^2 = 4 + 8t + 5t^2 + t^3
    assert [d.value.tolist() for d in result.derivatives] == [8.0, 10.0, 6.0]
    assert result.derivatives[0].wrt == ("v",)


def test_control_flow_branches_on_the_primal() -> None:
    program = "def f(x):\n    if x > 1:\n        return x**3\n    return sin(x)\nf(x)\n"
    high = api.taylor(program, {"x": 2.0}, 4)
    low = api.taylor(program, {"x": 0.0}, 4)
    assert high.derivatives.tolist() == [8.0, 12.0, 12.0, 6.0, 0.0]
    assert low.derivatives.tolist() == [0.0, 1.0, 0.0, -1.0, 0.0]
    looped = api.taylor("out = 1\nwhile out < 100:\n    out = out * x\nout\n", {"x": 3.0}, 5)
    assert looped.derivatives.tolist() == [243.0, 405.0, 540.0, 540.0, 360.0, 120.0]


def test_grids_run_as_one_series_per_point() -> None:
    xs = np.linspace(-1.0, 1.0, 7)
    batch = api.differentiate_batch("exp(2*x)", {"x": xs}, order=5)
    assert batch.engine == "taylor"
    np.testing.assert_allclose(batch.derivatives[4].value, 32 * np.exp(2 * xs), rtol=1e-14)


UNARY = ["sin", "cos", "exp", "tanh", "atan", "sigmoid", "softplus", "erf", "sinh"]
BINARY = ["+", "-", "*"]


@st.composite
def programs(draw, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["x", "x", "0.5", "1.5"]))
    kind = draw(st.sampled_from(["unary", "binary", "div", "pow"]))
    if kind == "unary":
        return f"{draw(st.sampled_from(UNARY))}({draw(programs(depth - 1))})"
    if kind == "div":
        return f"({draw(programs(depth - 1))}) / (2 + sin({draw(programs(depth - 1))}))"
    if kind == "pow":
        return f"({draw(programs(depth - 1))})**{draw(st.integers(0, 4))}"
    op = draw(st.sampled_from(BINARY))
    return f"({draw(programs(depth - 1))} {op} {draw(programs(depth - 1))})"


@settings(derandomize=True, max_examples=40, deadline=None)
@given(programs(), st.floats(-1.5, 1.5))
def test_random_programs_taylor_matches_nested_tapes(program: str, x: float) -> None:
    taylor = api.differentiate(program, {"x": x}, order=5, engine="taylor", unconnected="zero")
    tape = api.differentiate(program, {"x": x}, order=5, engine="tape", unconnected="zero")
    assert taylor.value == pytest.approx(tape.value, rel=1e-12, abs=1e-12)
    for got, expected in zip(taylor.derivatives, tape.derivatives, strict=True):
        scale = max(1.0, float(np.abs(expected.value)))
        assert float(got.value) == pytest.approx(float(expected.value), rel=1e-8,
                                                 abs=1e-9 * scale)


def test_non_finite_taylor_derivatives_are_warnings_not_a_crash():
    from click.testing import CliRunner

    from adcli.cli.main import cli

    run = CliRunner().invoke(cli, ["grad", "1/x", "--at", "x=0", "--order", "3",
                                   "--format", "plain"])
    assert run.exit_code == 0
    assert run.stdout.split("\n")[:2] == ["inf", "-inf"]
    assert "warning: df/dx is not finite (infinite)" in run.stderr
    assert "warning: d3f/dx3 is not finite (nan)" in run.stderr


def test_taylor_mode_keeps_the_none_contract_for_unused_inputs():
    # Taylor mode and interpolated mixed partials give the same None-with-a-reason
    # as the tape for a variable the value does not depend on.
    for engine in ("taylor", "tape"):
        result = api.differentiate("x^3", {"x": 1.0, "y": 2.0}, order=3, engine=engine)
        by_wrt = {d.wrt: d for d in result.derivatives}
        assert float(by_wrt[("x", "x", "x")].value) == 6.0
        assert by_wrt[("x", "y")].value is None
        assert by_wrt[("y", "y", "y")].reason == "the result does not depend on 'y'"
        assert "the result does not depend on the input 'y'" in result.warnings
    zero = api.differentiate("x^3", {"x": 1.0, "y": 2.0}, order=3, engine="taylor",
                             unconnected="zero")
    assert all(d.value is not None for d in zero.derivatives)
