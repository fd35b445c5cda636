"""Taylor rules at the edges of their recurrences: a zero base, 0/0, singular points.

1. Powers at a zero base. The x^r recurrence divides by x_0; where x_0 = 0 the rule
   factors x = t^m x~ (x~_0 != 0) and x^r = t^(m r) x~^r. Where m r is not whole the
   derivatives do not exist at 0 and the coefficients are their one-sided limits
   (t -> 0+, along the direction), checked against mpmath's derivatives at t = 1e-20,
   1e-40 and 1e-60. A whole exponent held in a tensor takes the integer path, exactly.
2. Removable singularities. A division whose numerator and denominator both vanish
   drops the common power of t; the series then knows fewer coefficients, and the
   value's graph is run again from longer seeds until the K+1 asked for are known.
3. Singular points at a set precision: every mp forward gives numpy's IEEE answer at
   0, +-1, +-inf, nan, ..., and no series rule raises where mpmath would (x / 0): at
   each singular point, and for every elementwise primitive at every pair of edge
   points, the series at a set precision is the float64 one.

Throughout: asking a higher order never changes a lower coefficient.
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
from adcli.engine import series
from adcli.engine.primitives import PRIMITIVES, bind

INF, NAN = math.inf, math.nan


def taylor_coefficients(program: str, at: float | str, order: int,
                        precision: int | None = None, **let: Any) -> list[float]:
    result = api.taylor(program, at={"x": at}, order=order, precision=precision,
                        let=let or None)
    return [float(c) for c in result.coefficients]


def derivatives(program: str, at: float | str, order: int, precision: int | None = None,
                **let: Any) -> list[float]:
    result = api.differentiate(program, at={"x": at}, order=order, engine="taylor",
                               precision=precision, let=let or None)
    return [float(result.value)] + [float(d.value) for d in result.derivatives]


def same(a: list[float], b: list[float]) -> bool:
    """Equal, nan equal to nan."""
    return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y))
                                    for x, y in zip(a, b, strict=True))


def assert_order_independent(program: str, at: float, top: int = 6, **let: Any) -> None:
    # From order 1: at order 0, api.taylor seeds no direction (x(t) = a), and 0/0 is nan.
    longest = taylor_coefficients(program, at, top, **let)
    for order in range(1, top):
        assert same(taylor_coefficients(program, at, order, **let), longest[:order + 1]), \
            f"{program} at order {order}"


def one_sided(f: Callable[[Any], Any], k: int) -> float:
    """The limit t -> 0+ of f^(k)(t), from mpmath's derivatives at t = 1e-20, 1e-40 and
    1e-60 (150 digits): +-inf where they grow by more than 10 each time (t^-0.125
    grows by 300), else their value at 1e-60 (0 below 1e-30)."""
    with mpmath.workdps(150):
        d = [mpmath.diff(f, mpmath.mpf(10) ** -e, k, h=mpmath.mpf(10) ** -(e + 40))
             for e in (20, 40, 60)]
        if abs(d[2]) > 10 * abs(d[1]) > 100 * abs(d[0]) and d[2] * d[1] > 0:
            return math.copysign(INF, d[2])
        return float(d[2]) if abs(d[2]) > 1e-30 else 0.0


# ---- 1. powers at a zero base ----------------------------------------------------------


def test_a_real_power_at_zero_gives_the_one_sided_limits() -> None:
    # f' = 1.875 x^0.875 -> 0, f'' = 1.875 * 0.875 x^-0.125 -> +inf, f''' -> -inf.
    assert derivatives("x^1.875", 0, 3) == [0.0, 0.0, INF, -INF]
    assert derivatives("x^1.875", "0", 3, precision=20) == [0.0, 0.0, INF, -INF]


def test_a_higher_order_never_changes_a_lower_derivative_at_a_zero_base() -> None:
    assert derivatives("x^1.875", 0, 1) == [0.0, 0.0]
    for program in ("x^1.875", "x^0.5", "sqrt(x)", "x^(-0.5)", "(x^2)^1.25", "sqrt(x^2)",
                    "sin(x)^1.5", "(x^3 + x^4)^(1/3)", "x^2.5"):
        assert_order_independent(program, 0.0)


ZERO_BASE = [  # program, the same function of t > 0 in mpmath
    ("x^1.875", lambda t: t ** mpmath.mpf(1.875)),
    ("x^0.5", lambda t: mpmath.sqrt(t)),
    ("sqrt(x)", lambda t: mpmath.sqrt(t)),
    ("x^(-0.5)", lambda t: 1 / mpmath.sqrt(t)),
    ("(x^2)^1.25", lambda t: t ** mpmath.mpf(2.5)),
    ("sqrt(x^2)", lambda t: t),
    ("sin(x)^1.5", lambda t: mpmath.sin(t) ** mpmath.mpf(1.5)),
    ("(x^2 + x^3)^0.75", lambda t: (t ** 2 + t ** 3) ** mpmath.mpf(0.75)),
    ("(x^3 + x^4)^(1/3)", lambda t: mpmath.cbrt(t ** 3 + t ** 4)),
    ("(x - x^2)^2.5", lambda t: (t - t ** 2) ** mpmath.mpf(2.5)),
]


@pytest.mark.parametrize("program, f", ZERO_BASE, ids=[p for p, _ in ZERO_BASE])
def test_zero_base_derivatives_are_mpmath_one_sided_limits(program: str, f: Callable) -> None:
    got = derivatives(program, 0, 4)
    for k in range(1, 5):
        limit = one_sided(f, k)
        if math.isinf(limit):
            assert got[k] == limit, f"f^({k})"
        else:
            assert got[k] == pytest.approx(limit, rel=1e-12, abs=1e-12), f"f^({k})"
    precise = derivatives(program, "0", 4, precision=25)
    assert [math.isinf(v) or math.isnan(v) for v in precise] == \
        [math.isinf(v) or math.isnan(v) for v in got]
    assert precise == pytest.approx(got, rel=1e-15, nan_ok=True)


def test_the_one_sided_limit_is_taken_along_the_direction() -> None:
    # Along -1, x = -t < 0 and x^1.875 has no real value for t > 0.
    got = series.series_of(lambda x: tf.pow(x, tf.constant(1.875)), [np.array(0.0)],
                           [np.array(-1.0)], 3)
    assert same(list(got), [0.0, NAN, NAN, NAN])


@pytest.mark.parametrize("k, expected", [(1, [0.0, 1.0, 0.0, 0.0]), (2, [0.0, 0.0, 2.0, 0.0]),
                                         (3, [0.0, 0.0, 0.0, 6.0])])
def test_a_whole_exponent_from_a_constant_is_exact_at_zero(k: int, expected: list) -> None:
    assert derivatives("x^k", 0, 3, k=k) == expected
    assert derivatives("x^k", "0", 3, precision=20, k=k) == expected


@pytest.mark.parametrize("precision", [None, 20])
def test_a_tensor_of_whole_exponents_takes_the_integer_path_at_every_point(
        precision: int | None) -> None:
    def f(x: Any) -> Any:
        return tf.pow(x, tf.constant([1.0, 2.0, 3.0, 0.0, -1.0]))

    got = series.series_of(f, [np.zeros(5)], [np.ones(5)], 3, precision)
    expected = [[0, 0, 0, 1, INF], [1, 0, 0, 0, -INF], [0, 1, 0, 0, NAN], [0, 0, 1, 0, NAN]]
    np.testing.assert_array_equal(np.asarray(got, dtype=np.float64), expected)
    # Away from zero, the same as the real power's recurrence.
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(
        series.series_of(lambda x: tf.pow(x, tf.constant([1.0, 2.0, 3.0])), [x], [np.ones(3)], 4),
        np.stack([series.series_of(lambda x, n=n: x ** n, [x[i]], [1.0], 4)
                  for i, n in enumerate((1, 2, 3))], axis=1), rtol=1e-15)


def test_whole_and_real_exponents_mixed_in_one_tensor() -> None:
    got = series.series_of(lambda x: tf.pow(x, tf.constant([1.0, 2.5, 3.0])), [np.zeros(3)],
                           [np.ones(3)], 3)
    np.testing.assert_array_equal(got, [[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, INF, 1]])


# ---- 2. removable singularities ---------------------------------------------------------


def test_sin_x_over_x_at_zero() -> None:
    assert derivatives("sin(x)/x", 0, 2) == pytest.approx([1.0, 0.0, -1 / 3], abs=1e-16)
    assert derivatives("sin(x)/x", "0", 2, precision=20) == pytest.approx([1.0, 0.0, -1 / 3],
                                                                         abs=1e-16)


REMOVABLE = [  # program, the function in mpmath (evaluated off 0)
    ("sin(x)/x", lambda t: mpmath.sin(t) / t),
    ("(1-cos(x))/x^2", lambda t: (1 - mpmath.cos(t)) / t ** 2),
    ("(exp(x)-1)/x", lambda t: mpmath.expm1(t) / t),
    ("expm1(x)/x", lambda t: mpmath.expm1(t) / t),
    ("x/sin(x)", lambda t: t / mpmath.sin(t)),
    ("log(1+x)/x", lambda t: mpmath.log1p(t) / t),
    ("log1p(x)/x", lambda t: mpmath.log1p(t) / t),
    ("(x - sin(x))/x^3", lambda t: (t - mpmath.sin(t)) / t ** 3),
    ("(sin(x)/x - 1)/x^2", lambda t: (mpmath.sin(t) / t - 1) / t ** 2),
    ("sin(x)^3/x^3", lambda t: (mpmath.sin(t) / t) ** 3),
    ("atan(x)/x", lambda t: mpmath.atan(t) / t),
    ("tanh(x)/sinh(x)", lambda t: mpmath.tanh(t) / mpmath.sinh(t)),
    ("x^5/x^5", lambda t: mpmath.mpf(1)),
    ("x^3/x", lambda t: t ** 2),
    ("(x + x^2)/(2*x - x^3)", lambda t: (1 + t) / (2 - t ** 2)),
]


@pytest.mark.parametrize("program, f", REMOVABLE, ids=[p for p, _ in REMOVABLE])
def test_removable_singularities_give_the_limits(program: str, f: Callable) -> None:
    with mpmath.workdps(200):  # at t = 1e-30, off the 0/0 (an error of order 1e-30)
        exact = [float(c) for c in mpmath.taylor(f, mpmath.mpf(10) ** -30, 6)]
    got = taylor_coefficients(program, 0, 6)
    assert got == pytest.approx(exact, rel=1e-12, abs=1e-14)
    assert taylor_coefficients(program, "0", 6, precision=30) == pytest.approx(exact, rel=1e-14,
                                                                               abs=1e-16)
    assert_order_independent(program, 0.0)


def test_order_zero_knows_the_limit_too() -> None:
    # A seed has two coefficients even at order 0 (one would be taken for a constant).
    got = series.series_of(lambda x: tf.sin(x) / x, [np.array(0.0)], [np.array(1.0)], 0)
    np.testing.assert_array_equal(got, [1.0])


def test_a_pole_still_gives_inf_and_nan() -> None:
    assert same(taylor_coefficients("1/x", 0, 3), [INF, -INF, NAN, NAN])
    assert same(taylor_coefficients("1/x", "0", 3, precision=20), [INF, -INF, NAN, NAN])
    assert same(taylor_coefficients("x/x^2", 0, 3), [NAN, NAN, NAN, NAN])
    assert same(taylor_coefficients("log(x)", 0, 3), [-INF, INF, -INF, NAN])


def test_zero_over_zero_everywhere_is_nan_and_stops() -> None:
    assert same(taylor_coefficients("(x - x)/(x - x)", 0, 4), [NAN] * 5)
    assert same(taylor_coefficients("(x - x)/(x - x)", "0", 4, precision=20), [NAN] * 5)


def test_the_limit_replaces_the_forward_value_only_at_the_singularity() -> None:
    # Elsewhere u_0 is the division's own forward value, to the last bit.
    x = np.array([0.0, 0.5, -1e-300, 3.0])
    got = series.series_of(lambda x: tf.sin(x) / x, [x], [np.ones(4)], 3)
    with np.errstate(all="ignore"):
        forward = np.sin(x) / x
    assert got[0, 0] == 1.0
    np.testing.assert_array_equal(got[0, 1:], forward[1:])
    for i, point in enumerate(x):
        np.testing.assert_array_equal(got[:, i], series.series_of(
            lambda x: tf.sin(x) / x, [np.array(point)], [np.array(1.0)], 3))


def test_a_batch_through_a_removable_singularity() -> None:
    # Every point gets what a single run gives there (the vectorized run is checked
    # against single runs at its first and last points: 0 is both).
    for points in ([0.0, -1.0, 1.0], [1.0, 0.0], [0.0]):
        batch = api.differentiate_batch("sin(x)/x", {"x": points}, order=3, engine="taylor")
        for i, point in enumerate(points):
            got = batch.point(i)
            assert [float(got.value)] + [float(d.value) for d in got.derivatives] == \
                derivatives("sin(x)/x", point, 3)


def test_the_longer_run_goes_through_loops_branches_and_functions() -> None:
    program = """
def sinc(t):
    return sin(t) / t
y = sinc(x)
for i in range(3):
    if y > 0.5:
        y = y * 2
    else:
        y = y - 1
"""
    assert taylor_coefficients(program, 0, 4) == pytest.approx(
        [8.0, 0.0, -8 / 6, 0.0, 8 / 120], rel=1e-14)


def test_atan2_along_a_ray_from_the_origin() -> None:
    # atan2(t, t) is constant for t > 0: its derivatives are 0 (u_0 stays atan2(0, 0)).
    assert taylor_coefficients("atan2(x, x)", 0, 4) == [0.0] * 5
    # atan2(2t, t + t^2) = atan(2 / (1 + t)) for t > 0; u_0 = atan2(0, 0) = 0.
    with mpmath.workdps(30):
        exact = [float(c) for c in mpmath.taylor(lambda t: mpmath.atan(2 / (1 + t)), 0, 4)]
    assert taylor_coefficients("atan2(2*x, x + x^2)", 0, 4) == pytest.approx(
        [0.0] + exact[1:], rel=1e-14)


def test_series_of_recovers_the_dropped_coefficients_too() -> None:
    got = series.series_of(lambda x: (1 - tf.cos(x)) / (x * x), [np.array(0.0)],
                           [np.array(1.0)], 4)
    np.testing.assert_allclose(got, [0.5, 0.0, -1 / 24, 0.0, 1 / 720], rtol=1e-14, atol=1e-17)


def test_a_series_made_by_hand_is_not_run_again() -> None:
    # series.Series._of without a graph: the unknown coefficients stay nan.
    with series.active():
        x = series.Series._of(np.array([0.0, 1.0, 0.0]))
        got = series.coefficients(tf.sin(x) / x, 2)
    assert same(list(got), [1.0, 0.0, NAN])


# ---- 3. singular points at a set precision ---------------------------------------------

SPECIAL = np.array([0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, INF, -INF, NAN, 5e-324, 1e-300,
                    1e308, -1e308, math.pi / 2, 1e16 + 2])
PARAMS: dict[str, list[dict[str, Any]]] = {
    "integer_pow": [{"n": n} for n in (3, -2, 0, -1, 2)],
    "polygamma": [{"n": n} for n in (0, 1, 2, 3)]}
ELEMENTWISE_MP = sorted(name for name, prim in PRIMITIVES.items()
                        if series.MP_FORWARD.get(prim) is not None and prim.arity in (1, 2)
                        and not name.startswith("reduce_"))


@pytest.mark.parametrize("name", ELEMENTWISE_MP)
def test_mp_forward_gives_numpy_ieee_answers_at_special_points(name: str) -> None:
    # Every pair of special points (numpy's array path: its scalar path differs at
    # (-inf)^0.5). -0.0 is not among them: mpmath has no signed zero.
    prim = PRIMITIVES[name]
    grids = np.meshgrid(*([SPECIAL] * prim.arity), indexing="ij")
    for params in PARAMS.get(name, [{}]):
        with np.errstate(all="ignore"):
            expected = np.asarray(prim.impl(*grids, **params))
        if expected.dtype.kind != "f":
            continue
        with series.active(precision=30):
            got = series.MP_FORWARD[prim](*[series.to_mp(g) for g in grids], **params)
        got = np.asarray(got, dtype=object).astype(np.float64)
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0, equal_nan=True,
                                   err_msg=f"{name} {params}")


def test_logsumexp_mp_forward_at_infinities_and_nan() -> None:
    rows = np.array([[INF, 1.0], [-INF, -INF], [-INF, 2.0], [NAN, 1.0], [1e308, 1e308],
                     [INF, -INF]])
    with np.errstate(all="ignore"):
        expected = PRIMITIVES["reduce_logsumexp"].impl(rows, axis=(1,), keepdims=False)
    with series.active(precision=30):
        got = series.MP_FORWARD[PRIMITIVES["reduce_logsumexp"]](series.to_mp(rows), axis=(1,),
                                                                 keepdims=False)
    np.testing.assert_allclose(np.asarray(got, dtype=object).astype(np.float64), expected,
                               rtol=1e-14, equal_nan=True)


def test_log_at_zero_at_a_set_precision() -> None:
    # Before: "value error at 1:1: log(): " (mpmath's ZeroDivisionError has no message).
    result = api.differentiate("log(x)", at={"x": "0"}, precision=20)
    assert [float(result.value), float(result.derivatives[0].value)] == [-INF, INF]
    assert "df/dx is not finite (infinite)" in result.warnings


SINGULAR = [  # program, point (decimal text at a set precision)
    ("log(x)", "0"), ("log2(x)", "0"), ("log10(x)", "0"), ("log1p(x)", "-1"),
    ("1/x", "0"), ("reciprocal(x)", "0"), ("x/0", "1"), ("0/x", "0"), ("x/(x*x)", "0"),
    ("sqrt(x)", "0"), ("sqrt(x)", "-1"), ("x^1.5", "-2"), ("x^(-0.5)", "0"), ("x^x", "0"),
    ("(-2)^x", "0.5"), ("x^x", "-2"), ("x^-2", "0"), ("x^(-1.5)", "0"), ("x^1.875", "0"),
    ("atanh(x)", "1"), ("atanh(x)", "-1"),
    ("acosh(x)", "1"), ("acosh(x)", "0.5"), ("asin(x)", "1"), ("asin(x)", "-1"),
    ("acos(x)", "1"), ("acos(x)", "-1"), ("atan2(x, 0*x)", "0"), ("atan2(0*x, x)", "0"),
    ("mod(1, x)", "0"), ("mod(x, 0*x)", "1"), ("floor_divide(1, x) + x", "0"),
    ("log(abs(x))", "0"), ("sigmoid(x)", "inf"), ("softplus(x)", "-inf"), ("tanh(x)", "inf"),
    ("exp(x)", "-inf"), ("erf(x)", "inf"), ("atan(x)", "inf"), ("abs(x)", "nan"),
    ("logsumexp([x, log(0*x)])", "0"), ("logsumexp([x, 2*x])", "-inf"),
    # the poles of the gamma family, and its values at -inf and inf
    ("gamma(x)", "0"), ("gamma(x)", "-2"), ("gamma(x)", "inf"), ("gamma(x)", "-inf"),
    ("lgamma(x)", "0"), ("lgamma(x)", "-3"), ("lgamma(x)", "-inf"), ("digamma(x)", "0"),
    ("digamma(x)", "-1"), ("polygamma(1, x)", "0"), ("polygamma(2, x)", "-1"),
    ("polygamma(3, x)", "inf"), ("factorial(x)", "-1"), ("factorial(x)", "-2"),
]


@pytest.mark.parametrize("program, point", SINGULAR, ids=[f"{p}@{a}" for p, a in SINGULAR])
def test_series_at_singular_points_agree_at_a_set_precision(program: str, point: str) -> None:
    floats = taylor_coefficients(program, float(point), 3)
    precise = taylor_coefficients(program, point, 3, precision=20)
    assert len(precise) == 4
    for f, p in zip(floats, precise, strict=True):
        assert (math.isnan(f) and math.isnan(p)) or f == p or \
            abs(f - p) <= 1e-14 * abs(f), (floats, precise)


# Every elementwise differentiable primitive (and any one added later) at every pair of
# these points: the series at a set precision is the float64 one (nan for nan, the same
# infinities), and nothing raises.
EDGE_POINTS = [0.0, 1.0, -1.0, 2.0, -2.0, INF, -INF, NAN]
NOT_ELEMENTWISE = {"transpose", "reshape", "broadcast_to", "tile", "scatter", "getitem", "diag",
                   "diag_part", "cast", "matmul"}
ELEMENTWISE = sorted(name for name, prim in PRIMITIVES.items()
                     if prim.differentiable and prim.arity in (1, 2)
                     and name not in NOT_ELEMENTWISE and not name.startswith("reduce_"))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_every_rule_at_edge_points_agrees_at_a_set_precision(name: str) -> None:
    prim = PRIMITIVES[name]
    if name == "integer_pow":
        def f(x: Any) -> Any:
            return x ** -3
    elif name == "polygamma":
        def f(x: Any) -> Any:
            return tf.polygamma(2, x)
    else:
        def f(*xs: Any) -> Any:
            return bind(prim, xs, {})
    points = [(a,) for a in EDGE_POINTS] if prim.arity == 1 \
        else [(a, b) for a in EDGE_POINTS for b in EDGE_POINTS]
    for point in points:
        args = [np.array(p) for p in point]
        directions = [np.array(1.0), np.array(0.5)][:len(point)]
        floats = series.series_of(f, args, directions, 3)
        precise = series.series_of(f, args, directions, 3, precision=20).astype(np.float64)
        np.testing.assert_allclose(precise, floats, rtol=1e-12, atol=0, equal_nan=True,
                                   err_msg=f"{name} at {point}")
