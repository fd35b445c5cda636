"""Every primitive's Taylor rule against nested gradient tapes, to order 6.

For a case f(*xs) and random directions v_i and output weights w, the Taylor
coefficients of s(t) = sum(w * f(xs + t v)) times k! must equal the k-th
derivative of s at t = 0 computed by differentiating a persistent tape again
and again with respect to t. `test_every_differentiable_primitive_has_a_case` fails
when a differentiable primitive of the registry is not checked here; that every
primitive has a Taylor rule (and its other interpretations) is checked, by name, in
tests/engine/test_registry.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import adcli as tf
from adcli.engine import series as taylor
from adcli.engine.primitives import PRIMITIVES, bind

ORDER = 6
Case = tuple[str, str, Callable[..., Any], tuple[tuple[int, ...], ...], Any]

AWAY = [(-2.0, -0.4), (0.4, 2.0)]
# Between the poles 0, -1, -2, ... of the gamma family.
GAMMA = [(-2.8, -2.2), (-0.8, -0.2), (0.4, 3.0)]


def _prim(name: str, **params: Any) -> Callable[..., Any]:
    return lambda *xs: bind(PRIMITIVES[name], xs, params)


def _where(x: Any, y: Any) -> Any:
    shape = np.broadcast_shapes(x.shape, y.shape)
    return tf.where(tf.constant(np.arange(int(np.prod(shape))).reshape(shape) % 3 != 1), x, y)


UNARY = {
    "negative": (-2, 2), "abs": AWAY, "reciprocal": AWAY, "square": (-2, 2), "sqrt": (0.3, 3),
    "exp": (-2, 2), "expm1": (-2, 2), "log": (0.3, 3), "log1p": (-0.6, 2), "log2": (0.3, 3),
    "log10": (0.3, 3), "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2), "asin": (-0.8, 0.8),
    "acos": (-0.8, 0.8), "atan": (-3, 3), "sinh": (-2, 2), "cosh": (-2, 2), "tanh": (-2, 2),
    "asinh": (-3, 3), "acosh": (1.3, 3), "atanh": (-0.8, 0.8), "sigmoid": (-4, 4),
    "softplus": (-4, 4), "relu": AWAY, "erf": (-2, 2),
    "erfc": (-2, 2), "cbrt": AWAY, "gamma": GAMMA, "lgamma": GAMMA, "digamma": GAMMA,
    "factorial": [(-1.8, -1.2), (-0.8, 3)],
}

CASES: list[Case] = []
for _name, _domain in UNARY.items():
    for _shape in ((), (3,)):
        CASES.append((_name, str(_shape), getattr(tf, _name), (_shape,), _domain))
CASES += [
    ("add", "bcast", tf.add, ((2, 3), (3,)), (-2, 2)),
    ("subtract", "bcast", tf.subtract, ((3,), ()), (-2, 2)),
    ("multiply", "bcast", tf.multiply, ((2, 1), (1, 3)), (-2, 2)),
    ("divide", "s", tf.divide, ((), ()), ((-2, 2), AWAY)),
    ("divide", "bcast", tf.divide, ((3,), (2, 3)), ((-2, 2), AWAY)),
    ("pow", "series-exponent", tf.pow, ((3,), (3,)), ((0.5, 2), (-1.5, 1.5))),
    ("pow", "real-exponent", lambda x: tf.pow(x, tf.constant(2.5)), ((3,),), (0.5, 2)),
    ("pow", "series-base-const", lambda y: tf.pow(tf.constant(1.7), y), ((3,),), (-2, 2)),
    ("pow", "whole-tensor-exponent", lambda x: tf.pow(x, tf.constant(3.0)), ((3,),), (-2, 2)),
    ("integer_pow", "n3", lambda x: x ** 3, ((3,),), (-2, 2)),
    ("integer_pow", "n5", lambda x: x ** 5, ((),), (-2, 2)),
    ("integer_pow", "n-2", lambda x: x ** -2, ((3,),), AWAY),
    ("integer_pow", "n0", lambda x: x ** 0, ((),), (-2, 2)),
    *[("polygamma", f"n{n}", lambda x, n=n: tf.polygamma(n, x), ((3,),), GAMMA)
      for n in (0, 1, 2, 3)],
    ("atan2", "s", tf.atan2, ((3,), (3,)), ((-2, 2), AWAY)),
    ("maximum", "s", tf.maximum, ((3,), (3,)), (-2, 2)),
    ("minimum", "s", tf.minimum, ((3,), (3,)), (-2, 2)),
    ("mod", "s", tf.mod, ((3,), ()), ((0.1, 0.9), (1.0, 1.0))),
    ("where", "bcast", _where, ((2, 3), (3,)), (-2, 2)),
    ("mul_strong_zero", "bcast", _prim("mul_strong_zero"), ((2, 3), (3,)), (-2, 2)),
    ("relu_grad", "s", _prim("relu_grad"), ((3,), (3,)), ((-2, 2), AWAY)),
    ("cast", "f64", lambda x: tf.cast(x, tf.float64), ((3,),), (-2, 2)),
    ("reduce_sum", "axis", lambda x: tf.reduce_sum(x, axis=1), ((2, 3),), (-2, 2)),
    ("reduce_sum", "all-keep", lambda x: tf.reduce_sum(x, keepdims=True), ((2, 3),), (-2, 2)),
    ("reduce_prod", "axis0", lambda x: tf.reduce_prod(x, axis=0), ((3, 2),), (-2, 2)),
    ("reduce_prod", "all", tf.reduce_prod, ((4,),), (-2, 2)),
    ("reduce_max", "axis", lambda x: tf.reduce_max(x, axis=1), ((2, 3),), (-2, 2)),
    ("reduce_min", "all", tf.reduce_min, ((4,),), (-2, 2)),
    ("reduce_logsumexp", "axis", lambda x: tf.reduce_logsumexp(x, axis=0, keepdims=True),
     ((3, 2),), (-2, 2)),
    ("matmul", "mm", tf.matmul, ((2, 3), (3, 2)), (-2, 2)),
    ("matmul", "mv", tf.matmul, ((2, 3), (3,)), (-2, 2)),
    ("matmul", "vv", tf.matmul, ((3,), (3,)), (-2, 2)),
    ("transpose", "perm", lambda x: tf.transpose(x, (1, 0)), ((2, 3),), (-2, 2)),
    ("reshape", "s", lambda x: tf.reshape(x, (3, 2)), ((2, 3),), (-2, 2)),
    ("broadcast_to", "s", lambda x: tf.broadcast_to(x, (2, 3)), ((3,),), (-2, 2)),
    ("concat", "s", lambda a, b: tf.concat([a, b], axis=0), ((2,), (3,)), (-2, 2)),
    ("stack", "s", lambda a, b: tf.stack([a, b], axis=1), ((3,), (3,)), (-2, 2)),
    ("tile", "s", lambda x: tf.tile(x, (2, 2)), ((3,),), (-2, 2)),
    ("getitem", "slice", lambda x: x[:, 1:], ((2, 3),), (-2, 2)),
    ("getitem", "fancy", lambda x: x[[0, 0, 2]], ((3,),), (-2, 2)),
    ("scatter", "s", _prim("scatter", index=(np.array([0, 2, 0]),), shape=(3,)), ((3,),),
     (-2, 2)),
    ("diag", "s", tf.diag, ((3,),), (-2, 2)),
    ("diag_part", "s", tf.diag_part, ((3, 3),), (-2, 2)),
    ("sign", "s", lambda x: tf.sign(x) * x, ((3,),), AWAY),
    ("floor", "s", lambda x: tf.floor(x) + x * x, ((3,),), (-2, 2)),
    ("stop_gradient", "s", lambda x: tf.stop_gradient(x) * x, ((3,),), (-2, 2)),
]


def _draw(rng: np.random.Generator, shape: tuple[int, ...], domain: Any) -> np.ndarray:
    intervals = domain if isinstance(domain, list) else [domain]
    which = rng.integers(len(intervals), size=shape)
    lo = np.array([a for a, _ in intervals], dtype=float)[which]
    hi = np.array([b for _, b in intervals], dtype=float)[which]
    return lo + (hi - lo) * rng.random(shape)


def _inputs(case: Case, rng: np.random.Generator) -> list[np.ndarray]:
    _, _, _, shapes, domain = case
    multi = isinstance(domain, tuple) and isinstance(domain[0], (tuple, list))
    domains = domain if multi else (domain,) * len(shapes)
    return [_draw(rng, s, d) for s, d in zip(shapes, domains, strict=True)]


def tape_derivatives(f: Callable[..., Any], xs: list[np.ndarray], vs: list[np.ndarray],
                     w: np.ndarray, order: int) -> list[float]:
    """d^k/dt^k sum(w * f(xs + t vs)) at t = 0, k = 0..order, by repeated tape gradients."""
    t = tf.constant(0.0)
    tape = tf.GradientTape(persistent=True)
    out = []
    with tape:
        tape.watch(t)
        s = tf.reduce_sum(tf.constant(w) * f(*[tf.constant(x) + t * tf.constant(v)
                                                for x, v in zip(xs, vs, strict=True)]))
        out.append(float(s))
        for _ in range(order):
            s = tape.gradient(s, t, unconnected_gradients="zero")
            out.append(float(s))
    return out


def taylor_derivatives(f: Callable[..., Any], xs: list[np.ndarray], vs: list[np.ndarray],
                       w: np.ndarray, order: int) -> list[float]:
    coeffs = taylor.series_of(f, xs, vs, order)
    return [float(np.sum(w * coeffs[k])) * math.factorial(k) for k in range(order + 1)]


def test_every_differentiable_primitive_has_a_case() -> None:
    differentiable = {name for name, prim in PRIMITIVES.items() if prim.differentiable}
    assert differentiable - {case[0] for case in CASES} == set()


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_taylor_matches_nested_tapes(case: Case) -> None:
    rng = np.random.default_rng(list(f"{case[0]}-{case[1]}".encode()))
    xs = _inputs(case, rng)
    f = case[2]
    vs = [rng.standard_normal(x.shape) for x in xs]
    w = rng.standard_normal(np.shape(f(*[tf.constant(x) for x in xs]).numpy()))
    expected = tape_derivatives(f, xs, vs, w, ORDER)
    got = taylor_derivatives(f, xs, vs, w, ORDER)
    scale = max(1.0, max(abs(e) for e in expected))
    for k, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g == pytest.approx(e, rel=1e-8, abs=1e-9 * scale), f"order {k}"


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_mpmath_precision_agrees_with_float64(case: Case) -> None:
    rng = np.random.default_rng(list(f"mp-{case[0]}-{case[1]}".encode()))
    xs = _inputs(case, rng)
    vs = [rng.standard_normal(x.shape) for x in xs]
    exact = taylor.series_of(case[2], xs, vs, 4, precision=30)
    assert exact.dtype == object
    np.testing.assert_allclose(exact.astype(np.float64), taylor.series_of(case[2], xs, vs, 4),
                               rtol=1e-10, atol=1e-12)
