"""The elementary functions added on top of the primitives: values against mpmath and
derivatives to order 4 (Taylor mode) against mpmath.diff at 50 digits.

Composed (no rules of their own): sec csc cot sech csch coth asec acsc acot logaddexp
hypot factorial and the language's log(x, base). Primitives: cbrt, erfc and the gamma
family gamma lgamma digamma polygamma (their rules are
checked registry-wide by test_gradients_fd.py, test_taylor_rules.py, test_edge_sweep.py
and test_series_magnitudes.py); here their values and conventions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import adcli as tf
from adcli import api
from adcli.lang import run

M = mpmath


def _mp_cbrt(x: Any) -> Any:
    return -M.cbrt(-x) if x < 0 else M.cbrt(x)


def _mp_logaddexp(x: Any, y: Any) -> Any:
    peak = max(x, y)
    return peak + M.log(M.exp(x - peak) + M.exp(y - peak))


# name -> (the language's expression in x, the mpmath function of x, points)
UNARY: dict[str, tuple[str, Callable[[Any], Any], tuple[float, ...]]] = {
    "sec": ("sec(x)", M.sec, (0.3, -1.2, 2.0)),
    "csc": ("csc(x)", M.csc, (0.3, -1.2, 2.0)),
    "cot": ("cot(x)", M.cot, (0.3, -1.2, 2.0)),
    "sech": ("sech(x)", M.sech, (0.3, -1.2, 2.0)),
    "csch": ("csch(x)", M.csch, (0.3, -1.2, 2.0)),
    "coth": ("coth(x)", M.coth, (0.3, -1.2, 2.0)),
    "asec": ("asec(x)", M.asec, (1.3, -1.7, 3.0)),
    "acsc": ("acsc(x)", M.acsc, (1.3, -1.7, 3.0)),
    "acot": ("acot(x)", M.acot, (0.3, -0.7, 3.0, -5.0)),
    "cbrt": ("cbrt(x)", _mp_cbrt, (0.3, -8.0, 2.5)),
    "erfc": ("erfc(x)", M.erfc, (0.3, -1.2, 3.0)),
    "gamma": ("gamma(x)", M.gamma, (2.5, -0.7, 0.3)),
    "lgamma": ("lgamma(x)", lambda x: M.re(M.loggamma(x)), (3.0, -2.5, 0.3)),
    "digamma": ("digamma(x)", M.digamma, (2.5, -0.7, 1.0)),
    "polygamma": ("polygamma(2, x)", lambda x: M.polygamma(2, x), (2.0, -1.5, 0.4)),
    "factorial": ("factorial(x)", lambda x: M.gamma(x + 1), (5.0, 0.5, -0.5)),
    "logaddexp": ("logaddexp(x, 1 - x)", lambda x: _mp_logaddexp(x, 1 - x), (0.3, 0.5, -2.0)),
    "hypot": ("hypot(x, 2 - x*x)", lambda x: M.hypot(x, 2 - x * x), (0.3, -1.2, 2.0)),
    "log_base": ("log(x, 3)", lambda x: M.log(x, 3), (0.3, 2.0, 9.0)),
    "log_base_variable": ("log(3, x)", lambda x: M.log(3, x), (0.3, 2.0, 9.0)),
}
CASES = [(name, point) for name, (_, _, points) in UNARY.items() for point in points]


@pytest.mark.parametrize(("name", "point"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_taylor_mode_matches_mpmath_to_order_4(name: str, point: float) -> None:
    expression, reference, _ = UNARY[name]
    result = api.differentiate(expression, {"x": point}, order=4)
    got = [float(result.value)] + [float(d.value) for d in result.derivatives]
    with M.workdps(50):
        expected = M.diffs(reference, M.mpf(point), 4)
        expected = [float(e) for e in expected]
    assert result.engine == "taylor"
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(("name", "point"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_tape_matches_mpmath_to_order_2(name: str, point: float) -> None:
    expression, reference, _ = UNARY[name]
    result = api.differentiate(expression, {"x": point}, order=2, engine="tape")
    got = [float(result.value)] + [float(d.value) for d in result.derivatives]
    with M.workdps(50):
        expected = [float(e) for e in M.diffs(reference, M.mpf(point), 2)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", ["sec", "acot", "cbrt", "erfc", "logaddexp", "hypot",
                                  "log_base", "gamma", "lgamma", "polygamma", "factorial"])
def test_precision_mode_matches_mpmath(name: str) -> None:
    expression, reference, points = UNARY[name]
    point = points[0]
    result = api.differentiate(expression, {"x": point}, order=3, precision=30)
    with M.workdps(50):
        expected = [float(e) for e in M.diffs(reference, M.mpf(point), 3)]
    got = [float(result.value)] + [float(d.value) for d in result.derivatives]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


def _value(source: str) -> float:
    return float(np.asarray(run(source, {}, {}).value.numpy()))


def test_conventions() -> None:
    assert _value("cbrt(-8)") == -2.0
    assert _value("acot(0)") == math.pi / 2
    assert _value("acot(-0)") == math.pi / 2  # mpmath.acot(0) = pi/2, from either side
    assert _value("acot(-1)") == -math.pi / 4  # the range is (-pi/2, pi/2], as mpmath's
    assert _value("asec(-1)") == math.pi
    assert _value("acsc(-1)") == -math.pi / 2
    assert _value("log(8, 2)") == 3.0
    assert _value("log(x=100, base=10)") == pytest.approx(2.0, rel=1e-15)
    assert _value("ln(e)") == 1.0


def test_edges_of_range() -> None:
    # erfc keeps its digits where 1 - erf(x) has none.
    assert _value("erfc(10)") == pytest.approx(float(M.erfc(10)), rel=1e-15)
    assert _value("erfc(-30)") == 2.0
    # hypot neither overflows nor underflows.
    assert _value("hypot(3e200, 4e200)") == pytest.approx(5e200, rel=1e-15)
    assert _value("hypot(3e-200, 4e-200)") == pytest.approx(5e-200, rel=1e-15)
    # logaddexp does not overflow, and is exact at a large gap.
    assert _value("logaddexp(1000, 1000)") == pytest.approx(1000 + math.log(2), rel=1e-15)
    assert _value("logaddexp(-1e20, 1)") == 1.0
    assert _value("coth(800)") == 1.0
    assert _value("sech(800)") == 0.0
    # acot keeps its digits and derivative at tiny and huge x.
    assert _value("acot(1e-300)") == math.pi / 2
    assert _value("acot(1e300)") == 1e-300
    d = api.differentiate("acot(x)", {"x": 1e-200}, order=1)
    assert float(d.derivatives[0].value) == -1.0


def test_logaddexp_at_a_tie_shares_the_gradient() -> None:
    x, y = tf.Variable(0.5), tf.Variable(0.5)
    with tf.GradientTape(persistent=True) as tape:
        z = tf.logaddexp(x, y)
    assert [float(tape.gradient(z, v)) for v in (x, y)] == [0.5, 0.5]


def test_hypot_gradient_at_large_magnitudes() -> None:
    x, y = tf.Variable(3e200), tf.Variable(4e200)
    with tf.GradientTape() as tape:
        z = tf.hypot(x, y)
    gx, gy = tape.gradient(z, [x, y])
    assert float(gx) == pytest.approx(0.6, rel=1e-15)
    assert float(gy) == pytest.approx(0.8, rel=1e-15)


def test_one_argument_log_is_the_primitive() -> None:
    result = run("log(x)", {"x": 2.0}, {})
    assert [prim.name for prim, *_ in result.tape._records] == ["log"]


def test_the_gamma_family_at_whole_numbers() -> None:
    assert _value("factorial(5)") == 120.0
    assert _value("factorial(0)") == 1.0
    assert _value("gamma(5)") == 24.0
    assert _value("factorial(0.5)") == _value("gamma(1.5)") == pytest.approx(
        math.sqrt(math.pi) / 2, rel=1e-15)
    assert _value("factorial(170)") == pytest.approx(float(M.factorial(170)), rel=1e-14)
    assert _value("digamma(1)") == pytest.approx(-float(M.euler), rel=1e-15)
    assert _value("polygamma(1, 2)") == pytest.approx(math.pi ** 2 / 6 - 1, rel=1e-15)
    assert _value("polygamma(0, 2.5)") == _value("digamma(2.5)")
    assert _value("lgamma(-2.5)") == pytest.approx(math.log(abs(math.gamma(-2.5))), rel=1e-14)
    # scipy's gammaln is inf where 1/x overflows; log|gamma(x)| is -log|x| there.
    assert _value("lgamma(5e-324)") == pytest.approx(-math.log(5e-324), rel=1e-15)


def test_the_gamma_family_at_its_poles() -> None:
    # gamma as C's tgamma (scipy): +-inf at +-0, nan at -1, -2, ...; lgamma inf at every
    # pole (tf.math.lgamma); digamma nan at every pole (tf.math.digamma); polygamma(n, x)
    # inf for an odd n, nan for an even n (tf.math.polygamma: the sides agree or not).
    inf, nan = math.inf, math.nan
    got = [_value(s) for s in ("gamma(0)", "gamma(-0)", "gamma(-1)", "lgamma(0)",
                               "lgamma(-3)", "digamma(0)", "digamma(-2)", "polygamma(1, 0)",
                               "polygamma(3, -1)", "polygamma(2, 0)", "polygamma(2, -1)",
                               "polygamma(1, -inf)", "factorial(-1)", "factorial(-2)")]
    expected = [inf, -inf, nan, inf, inf, nan, nan, inf, inf, nan, nan, inf, inf, nan]
    assert all(g == e or (math.isnan(g) and math.isnan(e))
               for g, e in zip(got, expected, strict=True)), got


def test_polygamma_needs_a_whole_order_and_has_no_gradient_in_it() -> None:
    from adcli.errors import AdcliValueError

    with pytest.raises(AdcliValueError, match="argument 'n' needs a whole number, not 1.5"):
        run("polygamma(1.5, x)", {"x": 2.0}, {})
    with pytest.raises(AdcliValueError, match="whole number n >= 0, not -1"):
        run("polygamma(-1, x)", {"x": 2.0}, {})
    with pytest.raises(ValueError, match="whole number n >= 0"):
        tf.polygamma(0.5, 2.0)
    # TensorFlow's PolygammaGrad gives None for the order.
    result = api.differentiate("polygamma(n, x)", {"n": 1.0, "x": 2.0}, order=1)
    by_name = {d.wrt: d for d in result.derivatives}
    assert by_name[("n",)].value is None
    assert float(by_name[("x",)].value) == pytest.approx(float(M.polygamma(2, 2)), rel=1e-15)


@pytest.mark.parametrize("engine", ["tape", "taylor"])
def test_the_gamma_family_to_order_4_on_either_engine(engine: str) -> None:
    # Higher tape orders differentiate the gradient rules (built from adcli operations).
    for program, reference, point in (("gamma(x)", M.gamma, 2.5),
                                      ("lgamma(x)", M.loggamma, 3.0),
                                      ("factorial(x)", lambda x: M.gamma(x + 1), 5.0)):
        result = api.differentiate(program, {"x": point}, order=4, engine=engine)
        got = [float(result.value)] + [float(d.value) for d in result.derivatives]
        with M.workdps(50):
            expected = [float(e) for e in M.diffs(reference, M.mpf(point), 4)]
        np.testing.assert_allclose(got, expected, rtol=1e-13, err_msg=program)


def test_the_gamma_family_at_a_set_precision() -> None:
    result = api.differentiate("lgamma(x)", {"x": "3"}, order=3, precision=30)
    with M.workdps(40):
        expected = M.diffs(M.loggamma, 3, 3)
        assert all(abs(M.mpf(str(d.value)) - e) < M.mpf(10) ** -29
                   for d, e in zip(result.derivatives, list(expected)[1:], strict=True))
    # At a pole, float64's answers, never an error.
    result = api.differentiate("gamma(x)", {"x": "-1"}, order=1, precision=20)
    assert math.isnan(float(result.value))
