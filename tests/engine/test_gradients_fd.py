"""Every differentiable primitive's gradient rules against finite differences, to third order.

A registry-wide check in the manner of HIPS autograd's `check_grads`: for a case
`f(*xs)` the tape's vector-Jacobian product along a random output vector `u` is
compared, in a random input direction `v`, with a Richardson-extrapolated central
difference of `sum(u * f(xs + t v))` (error O(h^4)). For order k > 1 the function
checked next is the directional derivative of that VJP, computed with a nested
tape, so the gradient rules' own gradients are checked too (second order
everywhere, third order on small inputs).

`test_every_differentiable_primitive_has_a_case` fails when a differentiable
primitive of `adcli.engine.primitives.PRIMITIVES` has no case here, so that a new
primitive cannot slip in untested; each case also asserts that it really records
the primitive it claims to cover.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import adcli as tf
from adcli.engine.primitives import PRIMITIVES, bind
from adcli.lang import builtins

H = 1e-3
RTOL = {1: 1e-6, 2: 1e-6, 3: 1e-5}
ATOL = 1e-8

Interval = tuple[float, float]
Domain = Interval | list[Interval]

# Operations written as compositions of primitives, covered like the primitives.
COMPOSED = ("reduce_mean", "norm", "clip", "linspace", "squeeze", "expand_dims", "trace",
            "dot", "fill", "sec", "csc", "cot", "sech", "csch", "coth", "asec", "acsc", "acot",
            "logaddexp", "hypot", "log_base", "factorial")

AWAY_FROM_0: list[Interval] = [(-2.0, -0.3), (0.3, 2.0)]
# Between the poles 0, -1, -2, ... of gamma, digamma and polygamma, 0.2 away from them.
GAMMA_DOMAIN: list[Interval] = [(-2.8, -2.2), (-0.8, -0.2), (0.4, 4.0)]


@dataclass(frozen=True)
class Case:
    """One function to check: what it covers, its argument shapes and their domain."""

    covers: str
    label: str
    f: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...]
    domain: Domain | tuple[Domain, ...] = (-2.0, 2.0)
    ok: Callable[..., bool] | None = None
    fixed: tuple[Any, ...] | None = None
    order: int | None = None

    @property
    def id(self) -> str:
        return f"{self.covers}-{self.label}"


def _draw(rng: np.random.Generator, shape: tuple[int, ...], domain: Domain) -> np.ndarray:
    intervals = domain if isinstance(domain, list) else [domain]
    which = rng.integers(len(intervals), size=shape)
    lo = np.array([a for a, _ in intervals])[which]
    hi = np.array([b for _, b in intervals])[which]
    return np.asarray(lo + (hi - lo) * rng.random(shape), dtype=np.float64)


def _inputs(case: Case, rng: np.random.Generator) -> list[np.ndarray]:
    if case.fixed is not None:
        return [np.asarray(a, dtype=np.float64) for a in case.fixed]
    multi = isinstance(case.domain, tuple) and isinstance(case.domain[0], (tuple, list))
    domains = case.domain if multi else (case.domain,) * len(case.shapes)
    for _ in range(1000):
        xs = [_draw(rng, s, d) for s, d in zip(case.shapes, domains, strict=True)]
        if case.ok is None or case.ok(*xs):
            return xs
    raise AssertionError(f"no valid inputs found for {case.id}")


# -- the checker ---------------------------------------------------------------

def _richardson(phi: Callable[[float], float], h: float = H) -> float:
    def central(s: float) -> float:
        return (phi(s) - phi(-s)) / (2.0 * s)

    return (4.0 * central(h / 2.0) - central(h)) / 3.0


def _values(f: Callable[..., Any], xs: Sequence[np.ndarray]) -> np.ndarray:
    return np.asarray(f(*[tf.constant(x) for x in xs]).numpy(), dtype=np.float64)


def check_vjp(f: Callable[..., Any], xs: Sequence[np.ndarray], rng: np.random.Generator,
              rtol: float) -> None:
    """The tape's u-weighted gradient, along a random v, equals a central difference."""
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    u = rng.standard_normal(y.shape)
    vs = [rng.standard_normal(x.shape) for x in xs]
    grads = tape.gradient(y, ts, output_gradients=tf.constant(u), unconnected_gradients="zero")
    for g, x in zip(grads, xs, strict=True):
        assert g.shape == x.shape, "a gradient must have its source's shape"
    ad = sum(float(np.sum(g.numpy() * v)) for g, v in zip(grads, vs, strict=True))

    def phi(t: float) -> float:
        return float(np.sum(u * _values(f, [x + t * v for x, v in zip(xs, vs, strict=True)])))

    fd = _richardson(phi)
    assert ad == pytest.approx(fd, rel=rtol, abs=ATOL)


def directional_gradient(f: Callable[..., Any], xs: Sequence[np.ndarray],
                         rng: np.random.Generator) -> Callable[..., Any]:
    """x -> sum_i <d(sum(u * f))/dx_i, w_i>: a scalar function made of f's gradient rules."""
    u = tf.constant(rng.standard_normal(_values(f, xs).shape))
    ws = [tf.constant(rng.standard_normal(x.shape)) for x in xs]

    def g(*ts: Any) -> Any:
        with tf.GradientTape() as inner:
            inner.watch(list(ts))
            y = f(*ts)
        grads = inner.gradient(y, list(ts), output_gradients=u, unconnected_gradients="zero")
        total = tf.constant(0.0)
        for grad, w in zip(grads, ws, strict=True):
            total = total + tf.reduce_sum(grad * w)
        return total

    return g


def check_grads(f: Callable[..., Any], xs: Sequence[np.ndarray], order: int,
                rng: np.random.Generator) -> None:
    """Derivatives of orders 1..order of f at xs against finite differences."""
    for k in _range(1, order + 1):
        check_vjp(f, xs, rng, RTOL[k])
        if k < order:
            f = directional_gradient(f, xs, rng)


_range = range


# -- the cases -----------------------------------------------------------------

UNARY_SHAPES = ((), (3,), (2, 3))
BINARY_SHAPES = (((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)),
                 ((2, 3), ()))


def _shape_label(shapes: Sequence[tuple[int, ...]]) -> str:
    return "_".join("x".join(map(str, s)) or "s" for s in shapes)


def unary(name: str, f: Callable[..., Any], domain: Domain = (-2.0, 2.0),
          shapes: Sequence[tuple[int, ...]] = UNARY_SHAPES, label: str = "") -> list[Case]:
    return [Case(name, label + _shape_label([s]), f, (s,), domain) for s in shapes]


def binary(name: str, f: Callable[..., Any], domain: Any = (-2.0, 2.0),
           ok: Callable[..., bool] | None = None,
           shapes: Sequence[tuple[tuple[int, ...], ...]] = BINARY_SHAPES,
           label: str = "") -> list[Case]:
    return [Case(name, label + _shape_label(s), f, s, domain, ok) for s in shapes]


def _gaps_at_least(gap: float) -> Callable[..., bool]:
    """Entries of x and y (broadcast) differ by at least `gap`."""
    def ok(x: np.ndarray, y: np.ndarray) -> bool:
        return bool(np.all(np.abs(np.subtract(x, y)) > gap))
    return ok


def _distinct(x: np.ndarray) -> bool:
    flat = np.sort(x.reshape(-1))
    return bool(np.all(np.diff(flat) > 0.1)) and bool(np.all(np.abs(flat) > 0.1))


def _mod_ok(x: np.ndarray, y: np.ndarray) -> bool:
    frac = np.mod(np.divide(x, y), 1.0)
    return bool(np.all((frac > 0.1) & (frac < 0.9)))


def _where_f(x: Any, y: Any) -> Any:
    shape = np.broadcast_shapes(x.shape, y.shape)
    cond = (np.arange(int(np.prod(shape))).reshape(shape) % 3) != 1
    return tf.where(tf.constant(cond), x, y)


def _bind(name: str, **params: Any) -> Callable[..., Any]:
    return lambda *xs: bind(PRIMITIVES[name], xs, params)


REDUCTION_AXES: list[tuple[tuple[int, ...], Any, bool]] = [
    ((), None, False), ((3,), None, False), ((3,), 0, True), ((2, 3), None, False),
    ((2, 3), 0, False), ((2, 3), -1, True), ((2, 3, 2), (0, 2), False), ((2, 3, 2), 1, True),
]


def reductions(name: str, op: Callable[..., Any], domain: Domain = (-2.0, 2.0),
               ok: Callable[..., bool] | None = None) -> list[Case]:
    return [Case(name, f"{_shape_label([s])}-axis{axis}-keep{int(keep)}",
                 lambda x, a=axis, k=keep: op(x, axis=a, keepdims=k), (s,), domain, ok)
            for s, axis, keep in REDUCTION_AXES]


CASES: list[Case] = [
    # arithmetic
    *binary("add", tf.add),
    *binary("subtract", tf.subtract),
    *binary("multiply", tf.multiply),
    *binary("divide", tf.divide, ((-2.0, 2.0), AWAY_FROM_0)),
    *binary("mod", tf.mod, ((-3.0, 3.0), [(-1.5, -0.5), (0.5, 1.5)]), _mod_ok,
            shapes=(((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), ()), ((), (3,)))),
    *binary("pow", tf.pow, ((0.5, 2.0), (-1.5, 1.5))),
    *unary("pow", lambda x: tf.pow(x, 2.5), (0.5, 2.0), label="x^2.5-"),
    *unary("pow", lambda x: tf.pow(1.7, x), label="1.7^x-"),
    *[case for n in (0, 1, 2, 3, 5, -1, -2, -3)
      for case in unary("integer_pow", lambda x, n=n: x ** n,
                        AWAY_FROM_0 if n < 0 else (-2.0, 2.0), label=f"n{n}-")],
    *unary("negative", tf.negative),
    *unary("abs", tf.abs, AWAY_FROM_0),
    *unary("reciprocal", tf.reciprocal, AWAY_FROM_0),
    *unary("square", tf.square),
    *unary("square", lambda x: x * x, label="x-times-x-"),
    *unary("sqrt", tf.sqrt, (0.3, 3.0)),
    # exponentials, logarithms, trigonometry
    *unary("exp", tf.exp),
    *unary("expm1", tf.expm1),
    *unary("log", tf.log, (0.3, 3.0)),
    *unary("log1p", tf.log1p, (-0.7, 2.0)),
    *unary("log2", tf.log2, (0.3, 3.0)),
    *unary("log10", tf.log10, (0.3, 3.0)),
    *unary("sin", tf.sin, (-3.0, 3.0)),
    *unary("cos", tf.cos, (-3.0, 3.0)),
    *unary("tan", tf.tan, (-1.2, 1.2)),
    *unary("asin", tf.asin, (-0.9, 0.9)),
    *unary("acos", tf.acos, (-0.9, 0.9)),
    *unary("atan", tf.atan, (-3.0, 3.0)),
    *binary("atan2", tf.atan2, (AWAY_FROM_0, (-2.0, 2.0))),
    *unary("sinh", tf.sinh),
    *unary("cosh", tf.cosh),
    *unary("tanh", tf.tanh),
    *unary("asinh", tf.asinh, (-3.0, 3.0)),
    *unary("acosh", tf.acosh, (1.2, 3.0)),
    *unary("atanh", tf.atanh, (-0.9, 0.9)),
    *unary("sigmoid", tf.sigmoid, (-4.0, 4.0)),
    *unary("softplus", tf.softplus, (-4.0, 4.0)),
    *unary("relu", tf.relu, AWAY_FROM_0),
    *unary("erf", tf.erf),
    *unary("erfc", tf.erfc),
    *unary("cbrt", tf.cbrt, AWAY_FROM_0),
    # the gamma family, between its poles 0, -1, -2, ...
    *unary("gamma", tf.gamma, GAMMA_DOMAIN),
    *unary("lgamma", tf.lgamma, GAMMA_DOMAIN),
    *unary("digamma", tf.digamma, GAMMA_DOMAIN),
    *[case for n in (0, 1, 2, 3)
      for case in unary("polygamma", lambda x, n=n: tf.polygamma(n, x), GAMMA_DOMAIN,
                        label=f"n{n}-")],
    *binary("maximum", tf.maximum, ok=_gaps_at_least(0.1)),
    *binary("minimum", tf.minimum, ok=_gaps_at_least(0.1)),
    *binary("where", _where_f),
    # the helpers of the gradient rules at the edges (adcli.engine.ops)
    *binary("mul_strong_zero", _bind("mul_strong_zero")),
    Case("mul_strong_zero", "zeros", _bind("mul_strong_zero"), ((4,), (4,)),
         fixed=([1.5, 0.0, 2.0, 0.0], [0.0, 1.2, 0.0, 0.0])),
    *[Case("relu_grad", _shape_label(s), _bind("relu_grad"), s, ((-2.0, 2.0), AWAY_FROM_0))
      for s in (((), ()), ((3,), (3,)), ((2, 3), (2, 3)))],
    *unary("cast", lambda x: tf.cast(x, tf.float64), label="f64-"),
    # reductions
    *reductions("reduce_sum", tf.reduce_sum),
    *reductions("reduce_prod", tf.reduce_prod, AWAY_FROM_0),
    Case("reduce_prod", "one-zero", tf.reduce_prod, ((3,),), fixed=([1.5, 0.0, -2.0],)),
    Case("reduce_prod", "two-zeros", tf.reduce_prod, ((4,),), fixed=([0.0, 1.5, 0.0, -2.0],)),
    Case("reduce_prod", "zeros-axis1",
         lambda x: tf.reduce_prod(x, axis=1), ((2, 3),),
         fixed=([[0.0, 2.0, -1.5], [0.0, 0.0, 3.0]],)),
    Case("reduce_prod", "zeros-axis0-keep",
         lambda x: tf.reduce_prod(x, axis=0, keepdims=True), ((3, 2),),
         fixed=([[0.0, 2.0], [1.5, 0.0], [-1.0, 0.0]],)),
    Case("reduce_prod", "scalar-zero", tf.reduce_prod, ((),), fixed=(0.0,)),
    *reductions("reduce_max", tf.reduce_max, ok=_distinct),
    *reductions("reduce_min", tf.reduce_min, ok=_distinct),
    *reductions("reduce_logsumexp", tf.reduce_logsumexp),
    # linear algebra and shape
    *[Case("matmul", _shape_label(s), tf.matmul, s) for s in (
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
        ((2, 3), (2, 3, 2)), ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,)))],
    Case("transpose", "2x3", tf.transpose, ((2, 3),)),
    Case("transpose", "2x3x2-perm120", lambda x: tf.transpose(x, (1, 2, 0)), ((2, 3, 2),)),
    Case("reshape", "2x3-to-3x2", lambda x: tf.reshape(x, (3, 2)), ((2, 3),)),
    Case("reshape", "6-to-2x-1", lambda x: tf.reshape(x, (2, -1)), ((6,),)),
    Case("reshape", "s-to-1x1", lambda x: tf.reshape(x, (1, 1)), ((),)),
    Case("broadcast_to", "3-to-2x3", lambda x: tf.broadcast_to(x, (2, 3)), ((3,),)),
    Case("broadcast_to", "2x1-to-2x3", lambda x: tf.broadcast_to(x, (2, 3)), ((2, 1),)),
    Case("broadcast_to", "s-to-2x2", lambda x: tf.broadcast_to(x, (2, 2)), ((),)),
    Case("broadcast_to", "1x3-to-2x2x3", lambda x: tf.broadcast_to(x, (2, 2, 3)), ((1, 3),)),
    Case("concat", "axis0", lambda *xs: tf.concat(xs, axis=0), ((2, 3), (1, 3), (2, 3))),
    Case("concat", "axis-1", lambda *xs: tf.concat(xs, axis=-1), ((2, 1), (2, 2))),
    Case("concat", "vectors", lambda *xs: tf.concat(xs, axis=0), ((1,), (3,))),
    Case("stack", "scalars", lambda *xs: tf.stack(xs), ((), (), ())),
    Case("stack", "axis0", lambda *xs: tf.stack(xs, axis=0), ((3,), (3,))),
    Case("stack", "axis1", lambda *xs: tf.stack(xs, axis=1), ((2, 3), (2, 3), (2, 3))),
    Case("tile", "2x3-by-2x1", lambda x: tf.tile(x, (2, 1)), ((2, 3),)),
    Case("tile", "3-by-2x2", lambda x: tf.tile(x, (2, 2)), ((3,),)),
    Case("tile", "s-by-3", lambda x: tf.tile(x, (3,)), ((),)),
    Case("getitem", "int", lambda x: x[1], ((3,),)),
    Case("getitem", "slice", lambda x: x[:, 1:], ((2, 3),)),
    Case("getitem", "reversed", lambda x: x[::-1], ((3,),)),
    Case("getitem", "repeated-fancy", lambda x: x[[0, 0, 2]], ((3,),)),
    Case("getitem", "mask", lambda x: x[np.array([[True, False, True], [False, True, True]])],
         ((2, 3),)),
    Case("getitem", "newaxis-ellipsis", lambda x: x[..., None, 0], ((2, 3),)),
    Case("getitem", "scalar-index-tensor", lambda x: x[tf.constant(2)], ((3,),)),
    Case("scatter", "basic", _bind("scatter", index=(slice(1, 3),), shape=(4,)), ((2,),)),
    Case("scatter", "repeated",
         _bind("scatter", index=(np.array([0, 2, 0]),), shape=(3,)), ((3,),)),
    Case("diag", "3", tf.diag, ((3,),)),
    Case("diag_part", "3x3", tf.diag, ((3, 3),)),
    Case("diag_part", "2x3", tf.diag_part, ((2, 3),)),
    # composed operations
    *reductions("reduce_mean", tf.reduce_mean),
    Case("norm", "euclidean", tf.norm, ((3,),), AWAY_FROM_0),
    Case("norm", "euclidean-axis1", lambda x: tf.norm(x, axis=1), ((2, 3),), AWAY_FROM_0),
    Case("norm", "ord1", lambda x: tf.norm(x, ord=1), ((2, 3),), AWAY_FROM_0),
    Case("norm", "inf", lambda x: tf.norm(x, ord=np.inf), ((3,),), AWAY_FROM_0,
         ok=lambda x: _distinct(np.abs(x))),
    Case("clip", "constant-bounds", lambda x: tf.clip_by_value(x, -1.0, 1.0), ((2, 3),),
         [(-2.0, -1.1), (-0.9, 0.9), (1.1, 2.0)]),
    Case("clip", "tensor-bounds", lambda x, lo, hi: tf.clip_by_value(x, lo, hi),
         ((3,), (3,), (3,)), fixed=([-2.0, 0.3, 1.5], [-1.0, -1.0, -1.0], [1.0, 1.0, 1.0])),
    Case("linspace", "5", lambda a, b: tf.linspace(a, b, 5), ((), ())),
    Case("squeeze", "all", tf.squeeze, ((1, 3, 1),)),
    Case("squeeze", "axis0", lambda x: tf.squeeze(x, axis=0), ((1, 3, 1),)),
    Case("expand_dims", "0", lambda x: tf.expand_dims(x, 0), ((3,),)),
    Case("expand_dims", "-1", lambda x: tf.expand_dims(x, -1), ((2, 3),)),
    Case("trace", "3x3", tf.trace, ((3, 3),)),
    Case("trace", "2x2", tf.trace, ((2, 2),)),
    Case("dot", "vectors", tf.dot, ((3,), (3,))),
    Case("dot", "matrix-vector", tf.dot, ((2, 3), (3,))),
    Case("dot", "scalars", tf.dot, ((), ())),
    Case("fill", "2x3", lambda v: tf.fill((2, 3), v), ((),)),
    # composed elementary functions
    *unary("sec", tf.sec, (-1.2, 1.2)),
    *unary("csc", tf.csc, [(-2.8, -0.4), (0.4, 2.8)]),
    *unary("cot", tf.cot, [(-2.8, -0.4), (0.4, 2.8)]),
    *unary("sech", tf.sech),
    *unary("csch", tf.csch, AWAY_FROM_0),
    *unary("coth", tf.coth, AWAY_FROM_0),
    *unary("asec", tf.asec, [(-3.0, -1.2), (1.2, 3.0)]),
    *unary("acsc", tf.acsc, [(-3.0, -1.2), (1.2, 3.0)]),
    *unary("acot", tf.acot, AWAY_FROM_0),
    *binary("logaddexp", tf.logaddexp, ok=_gaps_at_least(0.1)),
    Case("logaddexp", "tie", tf.logaddexp, ((3,), (3,)), fixed=([0.5, -1.0, 2.0],) * 2),
    *binary("hypot", tf.hypot, AWAY_FROM_0),
    *unary("factorial", tf.factorial, [(-1.8, -1.2), (-0.8, 3.0)]),
    # the language's log(x, base), log(x) / log(base)
    Case("log_base", "s", lambda x, b: builtins.lookup("log").function(x, b), ((), ()),
         ((0.3, 3.0), (1.5, 3.0))),
]


def _order(case: Case) -> int:
    if case.order is not None:
        return case.order
    return 3 if sum(int(np.prod(s)) for s in case.shapes) <= 6 else 2


def _recorded(case: Case, xs: Sequence[np.ndarray]) -> set[str]:
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        case.f(*ts)
    return {prim.name for prim, *_ in tape._records}


def test_every_differentiable_primitive_has_a_case() -> None:
    differentiable = {name for name, prim in PRIMITIVES.items() if prim.differentiable}
    covered = {case.covers for case in CASES}
    assert differentiable - covered == set()


def test_every_composed_operation_has_a_case() -> None:
    covered = {case.covers for case in CASES}
    assert set(COMPOSED) - covered == set()


def test_every_case_covers_a_known_operation() -> None:
    known = set(PRIMITIVES) | set(COMPOSED)
    assert {case.covers for case in CASES} - known == set()


def test_every_primitive_is_checked_to_third_order_somewhere() -> None:
    third = {case.covers for case in CASES if _order(case) >= 3}
    assert {case.covers for case in CASES} - third == set()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_derivatives_match_finite_differences(case: Case) -> None:
    rng = np.random.default_rng(list(case.id.encode()))
    xs = _inputs(case, rng)
    if case.covers in PRIMITIVES:
        assert case.covers in _recorded(case, xs)
    check_grads(case.f, xs, _order(case), rng)
