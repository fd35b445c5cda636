"""Every gradient rule at large and tiny inputs, against mpmath: first and second
derivatives of every primitive with a gradient rule, registry-wide.

Bug reports against TensorFlow, PyTorch and JAX show rules that lose every digit at
magnitudes where the function itself is fine: logsumexp at 1e16 (exp(x - ans) with
ans rounded), asinh at 1e300 (x*x overflows in 1/sqrt(x*x + 1)), tanh at 30 (1 -
tanh^2 is 0), atan2 at 1e200 or 1e-200 (x^2 + y^2 overflows or underflows). Here each
scalar primitive runs on nested `tf.GradientTape`s at +-1e-300, 1e-8, 1e8, 1e16 and
1e300, and at a few more magnitudes where forms fail (`EXTRA_MAGNITUDES`), and its
first and second derivatives are compared with closed forms evaluated by mpmath at
60 digits; binary primitives and reductions of two entries run on every pair.

What is compared, and what is skipped (each skip is written where it is made):

- a point outside the primitive's domain (sqrt(-1), acosh(0.5), log(0)) is skipped:
  the function has no real value there (`DOMAIN`);
- a true value that overflows float64 (beyond 1.8e308) is skipped: no float64
  derivative can be right there;
- a true value below the normal range (under 2.2e-308) is compared absolutely, to
  2.2e-308: float64 keeps fewer digits there, down to none at 5e-324;
- otherwise the relative error must be at most `RTOL` (2e-15, about 9 units in the
  last place), relative to the largest entry of the same gradient or Hessian (its
  entries are sums of terms as large as that: atan2's Hessian entry (y^2 - x^2)/r^4
  at x = y is 0 from terms of 1/(2 r^2)); `TOLERANCE` and `SKIP` list the
  exceptions with their reasons.

Second derivatives are taken with unconnected gradients as zeros: a rule that does
not read its input (negative, add) has a second derivative of 0. Whether the tape
gives None or zeros there is TensorFlow's choice, checked in test_edges.py.
`test_every_primitive_with_a_gradient_rule_is_swept_or_excused` fails by name for a
new primitive until it is swept here or excused with a reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest

import adcli as tf
from adcli.engine.primitives import PRIMITIVES, bind

mpf = mpmath.mpf
DIGITS = 60  # the closed forms run at this precision (mpmath.workdps), inputs are exact

DBL_MAX = mpf(np.finfo(np.float64).max)
DBL_MIN = mpf(np.finfo(np.float64).tiny)  # the smallest normal number, 2.2e-308
RTOL = 2e-15

# The brief's magnitudes, both signs.
MAGNITUDES = (1e-300, 1e-8, 1e8, 1e16, 1e300)
# Where forms that pass at the magnitudes above fail: 0.5 and 3 (ordinary points, so
# that a rule is right at all), 30 (1 - tanh^2 and sigmoid (1 - sigmoid) are 0 there),
# 700 (exp(-x) and sech^3 underflow before sigmoid' does), 1e100 and 1e200 (x*x and
# x^4 overflow while 1/(1 + x^2) and its derivative are normal numbers), 1e-100 and
# 1e-200 (x*x underflows).
EXTRA_MAGNITUDES = (0.5, 3.0, 30.0, 700.0, 1e100, 1e200, 1e-100, 1e-200)
POINTS = tuple(sorted({s * m for m in MAGNITUDES + EXTRA_MAGNITUDES for s in (1.0, -1.0)}))
# Points next to the edge of a domain, where 1 - x*x or x*x - 1 cancels.
NEAR_ONE = (1 - 2.0**-30, -(1 - 2.0**-30), 1 - 2.0**-52, 0.9)
EDGE_POINTS: dict[str, tuple[float, ...]] = {
    "asin": NEAR_ONE, "acos": NEAR_ONE, "atanh": NEAR_ONE,
    "acosh": (1 + 2.0**-30, 1 + 2.0**-52, 1.5),
    "log1p": (-1 + 2.0**-30, -0.5),
}
# The binary grid: every pair of these (a subset, so the grid stays 16 x 16).
PAIR_VALUES = tuple(sorted({s * m for m in MAGNITUDES + (0.5, 3.0, 1e200)
                            for s in (1.0, -1.0)}))


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + mpmath.exp(-x))


def _c() -> Any:
    return 2 / mpmath.sqrt(mpmath.pi)


# name -> (first derivative, second derivative), closed forms written so that mpmath
# itself does not cancel (sigmoid'' with -tanh(x/2) for sigmoid(-x) - sigmoid(x)).
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "negative": (lambda x: -1, lambda x: 0),
    "abs": (lambda x: mpmath.sign(x), lambda x: 0),
    "sign": (lambda x: 0, lambda x: 0),
    "reciprocal": (lambda x: -1 / x**2, lambda x: 2 / x**3),
    "square": (lambda x: 2 * x, lambda x: 2),
    "sqrt": (lambda x: 1 / (2 * mpmath.sqrt(x)), lambda x: -1 / (4 * x * mpmath.sqrt(x))),
    "exp": (mpmath.exp, mpmath.exp),
    "expm1": (mpmath.exp, mpmath.exp),
    "log": (lambda x: 1 / x, lambda x: -1 / x**2),
    "log1p": (lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2),
    "log2": (lambda x: 1 / (x * mpmath.log(2)), lambda x: -1 / (x**2 * mpmath.log(2))),
    "log10": (lambda x: 1 / (x * mpmath.log(10)), lambda x: -1 / (x**2 * mpmath.log(10))),
    "sin": (mpmath.cos, lambda x: -mpmath.sin(x)),
    "cos": (lambda x: -mpmath.sin(x), lambda x: -mpmath.cos(x)),
    "tan": (lambda x: mpmath.sec(x) ** 2, lambda x: 2 * mpmath.sec(x) ** 2 * mpmath.tan(x)),
    "asin": (lambda x: 1 / mpmath.sqrt((1 - x) * (1 + x)),
             lambda x: x / ((1 - x) * (1 + x)) ** 1.5),
    "acos": (lambda x: -1 / mpmath.sqrt((1 - x) * (1 + x)),
             lambda x: -x / ((1 - x) * (1 + x)) ** 1.5),
    "atan": (lambda x: 1 / (1 + x**2), lambda x: -2 * x / (1 + x**2) ** 2),
    "sinh": (mpmath.cosh, mpmath.sinh),
    "cosh": (mpmath.sinh, mpmath.cosh),
    "tanh": (lambda x: mpmath.sech(x) ** 2, lambda x: -2 * mpmath.sech(x) ** 2 * mpmath.tanh(x)),
    "asinh": (lambda x: 1 / mpmath.sqrt(x**2 + 1), lambda x: -x / (x**2 + 1) ** 1.5),
    "acosh": (lambda x: 1 / mpmath.sqrt((x - 1) * (x + 1)),
              lambda x: -x / ((x - 1) * (x + 1)) ** 1.5),
    "atanh": (lambda x: 1 / ((1 - x) * (1 + x)), lambda x: 2 * x / ((1 - x) * (1 + x)) ** 2),
    "sigmoid": (lambda x: _sigmoid(x) * _sigmoid(-x),
                lambda x: -_sigmoid(x) * _sigmoid(-x) * mpmath.tanh(x / 2)),
    "softplus": (_sigmoid, lambda x: _sigmoid(x) * _sigmoid(-x)),
    "relu": (lambda x: 1 if x > 0 else 0, lambda x: 0),
    "erf": (lambda x: _c() * mpmath.exp(-x**2), lambda x: -2 * x * _c() * mpmath.exp(-x**2)),
    "erfc": (lambda x: -_c() * mpmath.exp(-x**2), lambda x: 2 * x * _c() * mpmath.exp(-x**2)),
    "cbrt": (lambda x: 1 / (3 * mpmath.cbrt(abs(x)) ** 2),
             lambda x: -2 * mpmath.sign(x) / (9 * mpmath.cbrt(abs(x)) ** 5)),
    "cast": (lambda x: 1, lambda x: 0),
    "gamma": (lambda x: mpmath.gamma(x) * mpmath.digamma(x),
              lambda x: mpmath.gamma(x) * (mpmath.digamma(x) ** 2 + mpmath.polygamma(1, x))),
    "lgamma": (mpmath.digamma, lambda x: mpmath.polygamma(1, x)),
    "digamma": (lambda x: mpmath.polygamma(1, x), lambda x: mpmath.polygamma(2, x)),
}
INTEGER_POWERS = (-3, -2, -1, 0, 1, 2, 3, 5)
POLYGAMMA_ORDERS = (0, 1, 2, 3)


def _between_poles(x: Any) -> bool:
    # The gamma family has its poles at 0, -1, -2, ... (every float below -2^52 is one).
    return not (x <= 0 and x == mpmath.floor(x))


# Where each function has a real value (and a derivative): points outside are skipped.
DOMAIN: dict[str, Callable[..., bool]] = {
    "abs": lambda x: x != 0,             # the kink: test_edges.py
    "sign": lambda x: x != 0,
    "relu": lambda x: x != 0,
    "reciprocal": lambda x: x != 0,
    "cbrt": lambda x: x != 0,            # cbrt'(0) = inf
    "sqrt": lambda x: x > 0,
    "log": lambda x: x > 0, "log2": lambda x: x > 0, "log10": lambda x: x > 0,
    "log1p": lambda x: x > -1,
    "asin": lambda x: abs(x) < 1, "acos": lambda x: abs(x) < 1, "atanh": lambda x: abs(x) < 1,
    "acosh": lambda x: x > 1,
    "integer_pow": lambda x: x != 0,     # x^n at 0: test_edges.py
    "divide": lambda x, y: y != 0,
    "pow": lambda x, y: x > 0,           # a real power of a negative base is nan
    "atan2": lambda y, x: x != 0 or y != 0,
    "maximum": lambda x, y: x != y, "minimum": lambda x, y: x != y,  # ties: test_edges.py
    "mod": lambda x, y: y != 0,
    "relu_grad": lambda g, x: x != 0,
    "reduce_max": lambda x, y: x != y, "reduce_min": lambda x, y: x != y,
    "gamma": _between_poles, "lgamma": _between_poles, "digamma": _between_poles,
    "polygamma": _between_poles,
}


def _pow_hessian(x: Any, y: Any) -> list[list[Any]]:
    log = mpmath.log(x)
    cross = x ** (y - 1) * (1 + y * log)
    return [[y * (y - 1) * x ** (y - 2), cross], [cross, x**y * log**2]]


def _atan2_hessian(y: Any, x: Any) -> list[list[Any]]:
    r4 = (x**2 + y**2) ** 2
    return [[-2 * x * y / r4, (y**2 - x**2) / r4], [(y**2 - x**2) / r4, 2 * x * y / r4]]


def _softmax2(a: Any, b: Any) -> tuple[Any, Any]:
    return 1 / (1 + mpmath.exp(b - a)), 1 / (1 + mpmath.exp(a - b))


def _logsumexp_hessian(a: Any, b: Any) -> list[list[Any]]:
    p, q = _softmax2(a, b)
    return [[p * q, -p * q], [-p * q, p * q]]


ZERO2 = [[0, 0], [0, 0]]

# Functions of two scalars: a binary primitive, or a reduction (or matmul, or where)
# of two entries. name -> (f, gradient, Hessian).
BINARY: dict[str, tuple[Callable[..., Any], Callable[..., list], Callable[..., list]]] = {
    "add": (tf.add, lambda x, y: [1, 1], lambda x, y: ZERO2),
    "subtract": (tf.subtract, lambda x, y: [1, -1], lambda x, y: ZERO2),
    "multiply": (tf.multiply, lambda x, y: [y, x], lambda x, y: [[0, 1], [1, 0]]),
    "mul_strong_zero": (lambda x, y: bind(PRIMITIVES["mul_strong_zero"], (x, y)),
                        lambda x, y: [y, x], lambda x, y: [[0, 1], [1, 0]]),
    "divide": (tf.divide, lambda x, y: [1 / y, -x / y**2],
               lambda x, y: [[0, -1 / y**2], [-1 / y**2, 2 * x / y**3]]),
    "pow": (lambda x, y: tf.pow(x, y), lambda x, y: [y * x ** (y - 1), x**y * mpmath.log(x)],
            _pow_hessian),
    "atan2": (tf.atan2, lambda y, x: [x / (x**2 + y**2), -y / (x**2 + y**2)], _atan2_hessian),
    "maximum": (tf.maximum, lambda x, y: [1, 0] if x > y else [0, 1], lambda x, y: ZERO2),
    "minimum": (tf.minimum, lambda x, y: [1, 0] if x < y else [0, 1], lambda x, y: ZERO2),
    "mod": (tf.mod, lambda x, y: [1, -mpmath.floor(x / y)], lambda x, y: ZERO2),
    "relu_grad": (lambda g, x: bind(PRIMITIVES["relu_grad"], (g, x)),
                  lambda g, x: [1 if x > 0 else 0, 0], lambda g, x: ZERO2),
    "where": (lambda x, y: tf.where(tf.constant(True), x, y), lambda x, y: [1, 0],
              lambda x, y: ZERO2),
    "matmul": (lambda x, y: tf.matmul(tf.stack([x]), tf.stack([y])), lambda x, y: [y, x],
               lambda x, y: [[0, 1], [1, 0]]),
    "reduce_sum": (lambda x, y: tf.reduce_sum(tf.stack([x, y])), lambda x, y: [1, 1],
                   lambda x, y: ZERO2),
    "reduce_prod": (lambda x, y: tf.reduce_prod(tf.stack([x, y])), lambda x, y: [y, x],
                    lambda x, y: [[0, 1], [1, 0]]),
    "reduce_max": (lambda x, y: tf.reduce_max(tf.stack([x, y])),
                   lambda x, y: [1, 0] if x > y else [0, 1], lambda x, y: ZERO2),
    "reduce_min": (lambda x, y: tf.reduce_min(tf.stack([x, y])),
                   lambda x, y: [1, 0] if x < y else [0, 1], lambda x, y: ZERO2),
    "reduce_logsumexp": (lambda x, y: tf.reduce_logsumexp(tf.stack([x, y])),
                         lambda x, y: list(_softmax2(x, y)), _logsumexp_hessian),
}

# Primitives not swept, each with its reason.
NOT_SWEPT = {
    name: "moves values without arithmetic on them (a linear map of 0s and 1s): its "
          "derivatives are exact at every magnitude; checked by test_gradients_fd.py"
    for name in ("reshape", "transpose", "broadcast_to", "concat", "stack", "tile", "getitem",
                 "scatter", "diag", "diag_part")
}

# Looser tolerances, with their reasons.
TOLERANCE = {
    # y x^(y - 1) is computed with y - 1 rounded: x^(y - 1) then has a relative error
    # up to |log(x^(y - 1))| 2^-53, at most 709 * 2^-53 = 7.9e-14 for a finite result
    # (the forward x^y, whose exponent is exact, has none).
    "pow": 2e-13,
}


def _skip_pair(name: str, x: float, y: float, reason_out: list[str]) -> bool:
    """Pairs whose second derivatives pass through an intermediate that overflows
    although no entry of the true Hessian does (asked only then; each is listed)."""
    with np.errstate(all="ignore"):
        overflows = np.power(np.float64(abs(x)), y - 2.0) == np.inf
    if name == "pow" and overflows and abs(x) < 1.0:
        # y (y - 1) x^(y - 2) at a tiny base: x^(y - 2) overflows before it is
        # multiplied by a tiny y (1e-300^(1e-300 - 2) is 1e600).
        reason_out.append(f"pow at ({x}, {y}): x^(y - 2) overflows")
        return True
    return False


# -- the comparison -----------------------------------------------------------------

def _close(got: float, true: Any, scale: Any, rtol: float) -> bool:
    # Relative to the largest entry (scale), and never finer than the normal range.
    if not math.isfinite(got):
        return False
    true = mpf(true)
    return abs(mpf(got) - true) <= max(rtol * max(abs(true), scale), DBL_MIN)


def _check(name: str, point: Any, got: list[float], true: list[Any], rtol: float) -> None:
    """Entries of one gradient or Hessian (flattened) against their true values."""
    finite = [mpf(t) for t in true if abs(mpf(t)) <= DBL_MAX]
    if len(finite) < len(true):
        # Skipped: a true value overflows float64. For a gradient or Hessian, so may
        # any entry computed from terms that large, so the whole of it is skipped.
        return
    scale = max((abs(t) for t in finite), default=mpf(0))
    for g, t in zip(got, true, strict=True):
        assert _close(g, t, scale, rtol), (
            f"{name} at {point}: got {g!r}, true {mpmath.nstr(mpf(t), 17)} "
            f"(all: {got} vs {[mpmath.nstr(mpf(v), 17) for v in true]})")


def _unary_derivatives(f: Callable[[Any], Any], x: float) -> tuple[float, float]:
    t = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(t)
        with tf.GradientTape() as inner:
            inner.watch(t)
            y = f(t)
        g = inner.gradient(y, t, unconnected_gradients="zero")
    h = outer.gradient(g, t, unconnected_gradients="zero")
    return float(g), float(h)


def _binary_derivatives(f: Callable[..., Any], x: float, y: float
                        ) -> tuple[list[float], list[float]]:
    a, b = tf.constant(x), tf.constant(y)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([a, b])
        with tf.GradientTape() as inner:
            inner.watch([a, b])
            out = f(a, b)
        grads = inner.gradient(out, [a, b], unconnected_gradients="zero")
    hessian = [float(h) for g in grads
               for h in outer.gradient(g, [a, b], unconnected_gradients="zero")]
    return [float(g) for g in grads], hessian


# -- the cases ------------------------------------------------------------------------

def _unary_cases() -> list[tuple[str, Callable[[Any], Any], tuple, tuple]]:
    cases = []
    for name, (d1, d2) in UNARY.items():
        f = (lambda x: tf.cast(x, tf.float64)) if name == "cast" else \
            (lambda x, p=PRIMITIVES[name]: bind(p, (x,)))
        cases.append((name, f, (d1, d2), POINTS + EDGE_POINTS.get(name, ())))
    for n in INTEGER_POWERS:
        cases.append((f"integer_pow-n{n}", lambda x, n=n: x ** n,
                      (lambda x, n=n: n * x ** (n - 1), lambda x, n=n: n * (n - 1) * x ** (n - 2)),
                      POINTS))
    for n in POLYGAMMA_ORDERS:
        cases.append((f"polygamma-n{n}", lambda x, n=n: tf.polygamma(n, x),
                      (lambda x, n=n: mpmath.polygamma(n + 1, x),
                       lambda x, n=n: mpmath.polygamma(n + 2, x)), POINTS))
    return cases


UNARY_CASES = _unary_cases()


@pytest.mark.parametrize("name, f, closed, points", UNARY_CASES,
                         ids=[case[0] for case in UNARY_CASES])
def test_unary_derivatives_match_mpmath_at_every_magnitude(name: str, f: Callable,
                                                           closed: tuple, points: tuple) -> None:
    base = name.split("-")[0]
    domain = DOMAIN.get(base)
    checked = 0
    for x in points:
        if domain is not None and not domain(mpf(x)):
            continue  # skipped: outside the domain
        with np.errstate(all="ignore"):
            first, second = _unary_derivatives(f, x)
        with mpmath.workdps(DIGITS):
            _check(name, x, [first], [closed[0](mpf(x))], TOLERANCE.get(base, RTOL))
            _check(name, x, [second], [closed[1](mpf(x))], TOLERANCE.get(base, RTOL))
        checked += 1
    assert checked >= 6, f"{name}: only {checked} points in the domain"


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_derivatives_match_mpmath_on_every_pair_of_magnitudes(name: str) -> None:
    f, gradient, hessian = BINARY[name]
    domain = DOMAIN.get(name)
    rtol = TOLERANCE.get(name, RTOL)
    checked, skipped = 0, []
    for x, y in itertools.product(PAIR_VALUES, repeat=2):
        if domain is not None and not domain(mpf(x), mpf(y)):
            continue  # skipped: outside the domain
        with np.errstate(all="ignore"):
            got_gradient, got_hessian = _binary_derivatives(f, x, y)
        with mpmath.workdps(DIGITS):
            _check(name, (x, y), got_gradient, gradient(mpf(x), mpf(y)), rtol)
            true_hessian = sum(hessian(mpf(x), mpf(y)), [])
            if all(abs(mpf(h)) <= DBL_MAX for h in true_hessian) \
                    and _skip_pair(name, x, y, skipped):
                continue
            _check(name, (x, y), got_hessian, true_hessian, rtol)
        checked += 1
    assert checked >= 50, f"{name}: only {checked} pairs checked"
    assert len(skipped) <= 2, skipped  # pow at (1e-300, +-1e-300) only


def _norm_hessian(x: Any, y: Any) -> list[list[Any]]:
    r3 = (x**2 + y**2) ** 1.5
    return [[y**2 / r3, -x * y / r3], [-x * y / r3, x**2 / r3]]


# Compositions written with primitives whose forms matter at the edges: norm scales
# by a power of two (as hypot does) so that x^2 + y^2 neither overflows nor underflows.
COMPOSED: dict[str, tuple[Callable[..., Any], Callable[..., list], Callable[..., list]]] = {
    "norm": (lambda x, y: tf.norm(tf.stack([x, y])),
             lambda x, y: [x / mpmath.hypot(x, y), y / mpmath.hypot(x, y)], _norm_hessian),
}


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_composed_derivatives_match_mpmath_on_every_pair_of_magnitudes(name: str) -> None:
    f, gradient, hessian = COMPOSED[name]
    for x, y in itertools.product(PAIR_VALUES, repeat=2):
        with np.errstate(all="ignore"):
            got_gradient, got_hessian = _binary_derivatives(f, x, y)
        with mpmath.workdps(DIGITS):
            _check(name, (x, y), got_gradient, gradient(mpf(x), mpf(y)), RTOL)
            _check(name, (x, y), got_hessian, sum(hessian(mpf(x), mpf(y)), []), RTOL)


def test_every_primitive_with_a_gradient_rule_is_swept_or_excused() -> None:
    with_rules = {name for name, prim in PRIMITIVES.items()
                  if prim.vjp_any is not None or any(r is not None for r in prim.vjps)}
    swept = set(UNARY) | set(BINARY) | {"integer_pow", "polygamma"}
    assert with_rules - swept - set(NOT_SWEPT) == set()
    assert (swept | set(NOT_SWEPT)) - with_rules == set()


def test_the_sweep_covers_the_magnitudes_of_the_brief() -> None:
    for m in MAGNITUDES:
        assert m in POINTS and -m in POINTS and m in PAIR_VALUES and -m in PAIR_VALUES
