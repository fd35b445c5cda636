"""Every Taylor rule at large and tiny inputs, against mpmath: a registry-wide sweep.

For each differentiable primitive of `adcli.engine.primitives.PRIMITIVES` (data
movement aside, which copies numbers and cannot lose a digit), the float64 series of
t -> prim(a + t v) to order 4 is compared with `mpmath.taylor` of the same function
at 50 significant digits, at a = +-1e-300, 1e-8, 1e8, 1e16, 1e300, and at 0.5, 20,
40 and 700, where exp-like functions saturate (sigmoid(40) rounds to 1 in float64
while its derivative is 4e-18); binary primitives at pairs of such points.

Skipped, by design (and counted, so a sweep that skips everything fails):

- a point outside the primitive's domain (log at -1e8, acosh at 0.5, a jump of mod or
  of relu), where there is no true series to compare with;
- a coefficient whose true value overflows float64 (exp at 700 is finite, its series
  at 1e300 is not): float64 cannot hold it, whatever the rule does; and x^y where
  |y log x| > 1e6, whose every coefficient is beyond float64 by 400,000 orders.

A true value below the smallest normal float64 (2.2e-308) must come out at most
1e-300 in size (0, or close to the true value); one below 1e-50 times the largest
coefficient (which the reference would need hundreds of digits to resolve: expm1's 4th
at -700 is 4e-306) at most 1e-15 times the largest. Every other coefficient must
agree to 1e-11 relative: a rule that loses digits where the function does not (tanh's
1 - u^2 at 20, asinh's x^2 at 1e300, logsumexp's 1 + 6e-18, x^2.5's u_0 = 1e-750 at
1e-300) fails here by name. mod is compared with its exact series x - y floor(x/y) on
the piece t > 0 (finite differences at 1e300 / 1.5 would cross its jumps).

The rules as they were before these tests failed at: tanh at +-20 and +-40 (every
derivative 0), sigmoid and softplus at 20, 40 (0 or 8 digits) and near 0 (1e-8: 8
digits), asinh and acosh at +-1e300 (u_1 = 0), x^2.5 at 1e-300 and 1e300, x^3 at
+-1e300 (nan), x^y at (1e-300, 1.5) and (1e-300, 1e-300), atan2 at 1e-300 and 1e300,
logsumexp wherever its entries differ by more than 30 or nearly tie.
"""

from __future__ import annotations

import fractions
import math
import sys
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import adcli as tf
from adcli.engine import series
from adcli.engine.primitives import PRIMITIVES, bind

ORDER = 4
RTOL = 1e-11
MAGNITUDES = (1e-300, 1e-8, 1e8, 1e16, 1e300, 0.5, 20.0, 40.0, 700.0)
DIRECTIONS = (1.0, 0.3)  # the second input's: 0.75 would make pow's z_4 cancel exactly

# Primitives that only move numbers (linear, no arithmetic): exact at any magnitude.
DATA_MOVEMENT = {"transpose", "reshape", "broadcast_to", "concat", "stack", "tile", "scatter",
                 "getitem", "diag", "diag_part", "cast"}

M = mpmath


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + M.exp(-x))


def _softplus(x: Any) -> Any:
    return M.log1p(M.exp(x)) if x < 0 else x + M.log1p(M.exp(-x))


def _erfc(x: Any) -> Any:
    # mpmath.erfc overflows (OverflowError) from |x| = 1.3e154 on: there its asymptotic
    # series, whose third term is below 1e-600 relative.
    if abs(x) < 1e150:
        return M.erfc(x)
    a = abs(x)
    tail = M.exp(-a * a) / (a * M.sqrt(M.pi)) * (1 - 1 / (2 * a * a) + 3 / (4 * a**4))
    return tail if x > 0 else 2 - tail


def _logsumexp(x: Any, y: Any) -> Any:
    peak = max(x, y)
    return peak + M.log(M.exp(x - peak) + M.exp(y - peak))


def _prim(name: str, **params: Any) -> Callable[..., Any]:
    return lambda *xs: bind(PRIMITIVES[name], xs, params)


def _pair(f: Callable[..., Any]) -> Callable[..., Any]:
    return lambda x, y: f(tf.stack([x, y]))


def _between_poles(a: float) -> bool:
    return not (a <= 0 and a == math.floor(a))


def _to_pole(a: float) -> float:
    # The distance to the nearest pole 0, -1, -2, ... of the gamma family.
    return a if a > 0 else min(a - math.floor(a), math.ceil(a) - a)


# Near 0 (+-1e-300), mpmath.taylor differentiates at some 2300 digits, where mpmath's
# gamma functions take minutes; their Laurent series at 0 take milliseconds there (each
# term 1e-300 times the one before):
# psi(x) = -1/x - euler + sum_{k>=1} (-1)^(k+1) zeta(k+1) x^k, differentiated n times
# for polygamma(n, x), and log|gamma(x)| = -log|x| - euler x + sum_{k>=2} (-1)^k
# zeta(k) x^k / k, the integral of psi.
def _laurent(lead: Any, term: Callable[[int], Any], first: int) -> Any:
    total, k = lead, first
    while True:
        step = term(k)
        total += step
        if abs(step) <= M.eps * abs(total):
            return total
        k += 1


def _polygamma(n: int) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        if abs(x) > 1e-100:
            return M.polygamma(n, x)
        lead = (-1) ** (n + 1) * M.factorial(n) / x ** (n + 1) - (M.euler if n == 0 else 0)
        return _laurent(lead, lambda k: (-1) ** (k + 1) * M.zeta(k + 1) * M.ff(k, n)
                        * x ** (k - n), max(n, 1))
    return f


def _lgamma(x: Any) -> Any:
    if abs(x) > 1e-100:
        return M.re(M.loggamma(x))  # log|gamma(x)|
    return _laurent(-M.log(abs(x)) - M.euler * x,
                    lambda k: (-1) ** k * M.zeta(k) * x ** k / k, 2)


def _gamma(x: Any) -> Any:
    return M.gamma(x) if abs(x) > 1e-100 else M.sign(x) * M.exp(_lgamma(x))


def _whole_ratio(a: float, b: float) -> bool:
    return (fractions.Fraction(a) / fractions.Fraction(b)).denominator == 1


# name -> cases; a case: (label, adcli function, mpmath function, domain(*point) or None
# for everywhere, scale(*point) or None for 1). The scale is a distance within which the
# function is analytic around the point (how far its nearest singularity or kink is, at
# most 1): the reference's step is far below it, so that its finite differences neither
# cross a singularity (log at 1e-300) nor cancel for want of digits (sin at 1e-300).
Case = tuple[str, Callable[..., Any], Any, Any, Any]


def _to_zero(*point: float) -> float:
    return min(abs(p) for p in point)


def _to_one(a: float) -> float:
    return abs(1 - abs(a))


def _apart(a: float, b: float) -> float:
    return abs(a - b)


UNARY: dict[str, list[Case]] = {
    "negative": [("", tf.negative, lambda x: -x, None, None)],
    "abs": [("", tf.abs, abs, lambda a: a != 0, _to_zero)],
    "reciprocal": [("", tf.reciprocal, lambda x: 1 / x, lambda a: a != 0, _to_zero)],
    "square": [("", tf.square, lambda x: x * x, None, None)],
    "sqrt": [("", tf.sqrt, M.sqrt, lambda a: a > 0, _to_zero)],
    "exp": [("", tf.exp, M.exp, None, None)],
    "expm1": [("", tf.expm1, M.expm1, None, None)],
    "log": [("", tf.log, M.log, lambda a: a > 0, _to_zero)],
    "log1p": [("", tf.log1p, M.log1p, lambda a: a > -1, lambda a: abs(1 + a))],
    "log2": [("", tf.log2, lambda x: M.log(x, 2), lambda a: a > 0, _to_zero)],
    "log10": [("", tf.log10, M.log10, lambda a: a > 0, _to_zero)],
    "sin": [("", tf.sin, M.sin, None, None)],
    "cos": [("", tf.cos, M.cos, None, None)],
    "tan": [("", tf.tan, M.tan, None, lambda a: abs(M.cos(M.mpf(a))))],
    "asin": [("", tf.asin, M.asin, lambda a: abs(a) < 1, _to_one)],
    "acos": [("", tf.acos, M.acos, lambda a: abs(a) < 1, _to_one)],
    "atan": [("", tf.atan, M.atan, None, None)],
    "sinh": [("", tf.sinh, M.sinh, None, None)],
    "cosh": [("", tf.cosh, M.cosh, None, None)],
    "tanh": [("", tf.tanh, M.tanh, None, None)],
    "asinh": [("", tf.asinh, M.asinh, None, None)],
    "acosh": [("", tf.acosh, M.acosh, lambda a: a > 1, _to_one)],
    "atanh": [("", tf.atanh, M.atanh, lambda a: abs(a) < 1, _to_one)],
    "sigmoid": [("", tf.sigmoid, _sigmoid, None, None)],
    "softplus": [("", tf.softplus, _softplus, None, None)],
    "relu": [("", tf.relu, lambda x: x if x > 0 else 0 * x, lambda a: a != 0, _to_zero)],
    "erf": [("", tf.erf, M.erf, None, None)],
    # erfc(a + t) falls as exp(-2 a t): analytic, but its scale is 1 / (2|a|).
    "erfc": [("", tf.erfc, _erfc, None, lambda a: 1 / max(1.0, 2 * abs(a)))],
    "cbrt": [("", tf.cbrt, lambda x: -M.cbrt(-x) if x < 0 else M.cbrt(x), lambda a: a != 0,
              _to_zero)],
    "gamma": [("", tf.gamma, _gamma, _between_poles, _to_pole)],
    "lgamma": [("", tf.lgamma, _lgamma, _between_poles, _to_pole)],
    "digamma": [("", tf.digamma, _polygamma(0), _between_poles, _to_pole)],
    # polygamma(0, x) is digamma(x), swept above (mpmath's digamma takes seconds).
    "polygamma": [(f"n{n}", lambda x, n=n: tf.polygamma(n, x), _polygamma(n), _between_poles,
                   _to_pole) for n in (1, 3)],
    "integer_pow": [("n3", lambda x: x ** 3, lambda x: x ** 3, None, None),
                    ("n-2", lambda x: x ** -2, lambda x: x ** -2, lambda a: a != 0, _to_zero)],
    "pow": [
        ("r2.5", lambda x: tf.pow(x, tf.constant(2.5)), lambda x: x ** M.mpf(2.5),
         lambda a: a > 0, _to_zero),
        ("r-0.7", lambda x: tf.pow(x, tf.constant(-0.7)), lambda x: x ** M.mpf(-0.7),
         lambda a: a > 0, _to_zero),
        ("r3-tensor", lambda x: tf.pow(x, tf.constant(3.0)), lambda x: x ** 3, None, None),
        ("base1.7", lambda y: tf.pow(tf.constant(1.7), y), lambda y: M.mpf(1.7) ** y, None,
         None),
    ],
}
BINARY: dict[str, list[Case]] = {
    "add": [("", tf.add, lambda x, y: x + y, None, None)],
    "subtract": [("", tf.subtract, lambda x, y: x - y, None, None)],
    "multiply": [("", tf.multiply, lambda x, y: x * y, None, None)],
    "divide": [("", tf.divide, lambda x, y: x / y, lambda a, b: b != 0, lambda a, b: abs(b))],
    # x^y varies on a scale 1/y; where |y log x| > 1e6 (1.5^1e300) its whole series is
    # 10^(+-434294) or beyond: nothing a float64 could show.
    "pow": [("series-exponent", tf.pow, lambda x, y: x ** y,
             lambda a, b: a > 0 and abs(b * math.log(a)) < 1e6,
             lambda a, b: min(a, 1 / (1 + abs(b))))],
    "atan2": [("", tf.atan2, M.atan2, None, lambda a, b: M.hypot(a, b))],
    "maximum": [("", tf.maximum, max, lambda a, b: a != b, _apart)],
    "minimum": [("", tf.minimum, min, lambda a, b: a != b, _apart)],
    "mod": [("", tf.mod, None, lambda a, b: b != 0 and not _whole_ratio(a, b), None)],
    "where": [
        ("true", lambda x, y: tf.where(tf.constant(True), x, y), lambda x, y: x, None, None),
        ("false", lambda x, y: tf.where(tf.constant(False), x, y), lambda x, y: y, None, None),
    ],
    "reduce_sum": [("", _pair(tf.reduce_sum), lambda x, y: x + y, None, None)],
    "reduce_prod": [("", _pair(tf.reduce_prod), lambda x, y: x * y, None, None)],
    "reduce_max": [("", _pair(tf.reduce_max), max, lambda a, b: a != b, _apart)],
    "reduce_min": [("", _pair(tf.reduce_min), min, lambda a, b: a != b, _apart)],
    "reduce_logsumexp": [("", _pair(tf.reduce_logsumexp), _logsumexp, None, None)],
    "matmul": [("", lambda x, y: tf.matmul(tf.stack([x, y]), tf.stack([y, x])),
                lambda x, y: 2 * x * y, None, None)],
    # Helpers of the gradient rules (adcli/engine/ops.py), where they are primitives.
    "mul_no_nan": [("", _prim("mul_no_nan"), lambda x, y: x * y, None, None)],
    "mul_strong_zero": [("", _prim("mul_strong_zero"), lambda x, y: x * y, None, None)],
    "relu_grad": [("", _prim("relu_grad"), lambda g, x: g if x > 0 else 0 * g,
                   lambda g, x: x != 0, lambda g, x: abs(x))],
}


def _unary_points() -> list[tuple[float, ...]]:
    return [(s * m,) for m in MAGNITUDES for s in (1.0, -1.0)]


def _binary_points() -> list[tuple[float, ...]]:
    points = []
    for m in MAGNITUDES:
        points += [(m, 1.5), (-m, 1.5), (1.5, m), (1.5, -m), (m, m), (m, 2 * m), (-m, -m / 2)]
    return points


def reference(f: Callable[..., Any], points: tuple[float, ...], order: int,
              scale: Any = None) -> list[Any]:
    """The Taylor coefficients of t -> f(points + t DIRECTIONS) at 50 digits:
    mpmath.taylor with a step far below the case's scale (at most 1), at a working
    precision that also holds points + step exactly, raised until two runs
    30 digits apart agree to 25 digits on every coefficient that is not below
    1e-50 times the largest. Such a coefficient would need hundreds of digits (expm1's
    4th at -700 is 4e-306 times its value) and is returned as None: the float64 one
    must then be below 1e-15 times the largest (`compare`)."""
    with M.workdps(60):
        scale = min(M.mpf(1), M.mpf(scale(*points)) if scale is not None else M.mpf(1))
    size = max([1.0] + [abs(p) for p in points])
    extra = max(0, int(M.log10(size / scale)) + 1)
    directions = DIRECTIONS[:len(points)]

    def at(digits: int) -> list[Any]:
        with M.workdps(digits + extra):
            a = [M.mpf(p) for p in points]
            step = M.mpf(scale) * M.mpf(2) ** -int((digits + 5) * 3.33)
            return M.taylor(lambda t: f(*[x + t * v for x, v in zip(a, directions,
                                                                    strict=True)]),
                            0, order, h=step, chop=False)

    digits = 50
    low = at(digits)
    for _attempt in range(4):
        high = at(digits + 30)
        with M.workdps(digits + 30):
            biggest = max(abs(x) for x in high)
            floor = biggest * M.mpf(10) ** -digits
            agree = [abs(x - y) <= M.mpf(10) ** -25 * abs(y)
                     for x, y in zip(low, high, strict=True)]
            if all(a or abs(y) <= floor for a, y in zip(agree, high, strict=True)):
                return [y if a else None for a, y in zip(agree, high, strict=True)]
        digits, low = digits * 2, high
    raise AssertionError(f"no reference at {points}")


def _mod_reference(points: tuple[float, ...], order: int) -> list[Any]:
    # mod(x, y) = x - y q with q = floor(x / y), constant on the piece t > 0.
    a, b = (fractions.Fraction(p) for p in points)
    q = math.floor(a / b)
    with M.workdps(400):
        coeffs = [M.mpf(a.numerator) / a.denominator - q * M.mpf(b.numerator) / b.denominator,
                  M.mpf(DIRECTIONS[0]) - q * M.mpf(DIRECTIONS[1])]
    return coeffs + [M.mpf(0)] * (order - 1)


def compare(got: np.ndarray, expected: list[Any]) -> tuple[list[str], int]:
    """The coefficients that differ, and how many were skipped for overflowing."""
    errors, skipped = [], 0
    biggest = max(abs(r) for r in expected if r is not None)
    for k, (g, r) in enumerate(zip(got, expected, strict=True)):
        g = float(g)
        if r is None:  # below 1e-50 times the largest (`reference`)
            ok = abs(g) <= 1e-15 * biggest
        elif abs(r) > sys.float_info.max:
            skipped += 1
            continue
        elif abs(r) < sys.float_info.min:
            ok = abs(g) <= 1e-300
        else:
            ok = math.isfinite(g) and abs(g - float(r)) <= RTOL * abs(r)
        if not ok:
            errors.append(f"u_{k} = {g!r}, mpmath {r if r is None else mpmath.nstr(r, 17)}")
    return errors, skipped


SWEEP = [(name, label, f, F, domain, scale, 1) for name, cases in UNARY.items()
         for label, f, F, domain, scale in cases]
SWEEP += [(name, label, f, F, domain, scale, 2) for name, cases in BINARY.items()
          for label, f, F, domain, scale in cases if name in PRIMITIVES]
IDS = [f"{name}-{label}" if label else name for name, label, *_ in SWEEP]


def test_every_differentiable_primitive_is_swept() -> None:
    differentiable = {name for name, prim in PRIMITIVES.items() if prim.differentiable}
    swept = {case[0] for case in SWEEP}
    assert differentiable - swept - DATA_MOVEMENT == set(), \
        "add a case to UNARY or BINARY (or, if it only moves numbers, to DATA_MOVEMENT)"


@pytest.mark.parametrize("case", SWEEP, ids=IDS)
def test_float64_series_keeps_its_digits_at_every_magnitude(case: tuple) -> None:
    name, _label, f, F, domain, scale, arity = case
    points = _unary_points() if arity == 1 else _binary_points()
    failures, compared = [], 0
    for point in points:
        if domain is not None and not domain(*point):
            continue
        got = series.series_of(f, [np.array(p) for p in point],
                               [np.array(v) for v in DIRECTIONS[:arity]], ORDER)
        expected = _mod_reference(point, ORDER) if name == "mod" \
            else reference(F, point, ORDER, scale)
        errors, skipped = compare(got, expected)
        compared += ORDER + 1 - skipped
        failures += [f"at {point}: {error}" for error in errors]
    assert compared > 0
    assert not failures, "\n".join(failures)


def test_u0_is_the_forward_value_at_every_magnitude() -> None:
    # The constant term is the primitive's own forward value, bit for bit (nan too).
    for name, _label, f, _F, _domain, _scale, arity in SWEEP:
        points = _unary_points() if arity == 1 else _binary_points()
        for point in points:
            args = [np.array(p) for p in point]
            with np.errstate(all="ignore"):
                forward = np.asarray(f(*[tf.constant(a) for a in args]).numpy())
            got = series.series_of(f, args, [np.array(v) for v in DIRECTIONS[:arity]], 2)[0]
            np.testing.assert_array_equal(got, forward, err_msg=f"{name} at {point}")
