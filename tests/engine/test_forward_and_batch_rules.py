"""Every primitive's forward-mode rule and batch rule, against the tape's row-by-row answers.

A registry-wide check, one case list for both interpretations: each case is a small
function of tensors (argument shapes with broadcasting, axes, indices), and together
they record every primitive of the registry (`test_the_cases_record_every_primitive`
fails by name otherwise, so a new primitive cannot slip in untested):

- the batch rule: a function of Batched arguments (three members stacked) gives what
  it gives for each member alone, to the last bit;
- the forward rule: a ForwardAccumulator's JVP is the Jacobian (one backward pass per
  row, `experimental_use_pfor=False`) times the tangent;
- one pass: `tape.jacobian` in reverse mode (a batch of cotangents through the batch
  rules) is the row-by-row Jacobian to the last bit, and in forward mode (a batch of
  tangents through the forward rules) to rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import adcli as tf
from adcli.engine import batching
from adcli.engine.batching import Batched
from adcli.engine.primitives import PRIMITIVES, bind

Interval = tuple[float, float]
AWAY: list[Interval] = [(-2.0, -0.3), (0.3, 2.0)]
GAMMA: list[Interval] = [(-2.8, -2.2), (-0.8, -0.2), (0.4, 4.0)]


@dataclass(frozen=True)
class Case:
    label: str
    f: Callable[..., Any]
    shapes: tuple[tuple[int, ...], ...]
    domain: Any = (-2.0, 2.0)
    fixed: tuple[Any, ...] | None = None


def _bind(name: str, **params: Any) -> Callable[..., Any]:
    return lambda *xs: bind(PRIMITIVES[name], xs, params)


def unary(name: str, f: Callable[..., Any], domain: Any = (-2.0, 2.0)) -> list[Case]:
    return [Case(f"{name}-{'x'.join(map(str, s)) or 's'}", f, (s,), domain)
            for s in ((2, 3), ())]


BROADCASTS = (((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (3,)))


def binary(name: str, f: Callable[..., Any], domain: Any = (-2.0, 2.0)) -> list[Case]:
    return [Case(f"{name}-{'_'.join('x'.join(map(str, s)) or 's' for s in shapes)}", f,
                 shapes, domain) for shapes in BROADCASTS]


def _where(x: Any, y: Any) -> Any:
    shape = np.broadcast_shapes(x.shape, y.shape)
    return tf.where(tf.constant(np.arange(int(np.prod(shape))).reshape(shape) % 3 != 1), x, y)


CASES: list[Case] = [
    *binary("add", tf.add), *binary("subtract", tf.subtract), *binary("multiply", tf.multiply),
    *binary("divide", tf.divide, ((-2.0, 2.0), AWAY)),
    *binary("mul_strong_zero", _bind("mul_strong_zero")),
    Case("mul_strong_zero-zeros", _bind("mul_strong_zero"), ((4,), (4,)),
         fixed=([1.5, 0.0, 2.0, 0.0], [0.0, 1.2, 0.0, 0.0])),
    *binary("mod", tf.mod, ((-3.0, 3.0), [(-1.5, -0.6), (0.6, 1.5)])),
    *binary("pow", tf.pow, ((0.5, 2.0), (-1.5, 1.5))),
    Case("pow-constant-exponent", lambda x: tf.pow(x, 2.5), ((3,),), (0.5, 2.0)),
    *[Case(f"integer_pow-{n}", lambda x, n=n: x ** n, ((2, 3),), AWAY) for n in (0, 1, 2, 3, -2)],
    *unary("negative", tf.negative), *unary("abs", tf.abs, AWAY),
    *unary("reciprocal", tf.reciprocal, AWAY), *unary("square", tf.square),
    *unary("sqrt", tf.sqrt, (0.3, 3.0)), *unary("cbrt", tf.cbrt, AWAY),
    *unary("exp", tf.exp), *unary("expm1", tf.expm1), *unary("log", tf.log, (0.3, 3.0)),
    *unary("log1p", tf.log1p, (-0.7, 2.0)), *unary("log2", tf.log2, (0.3, 3.0)),
    *unary("log10", tf.log10, (0.3, 3.0)), *unary("sin", tf.sin), *unary("cos", tf.cos),
    *unary("tan", tf.tan, (-1.2, 1.2)), *unary("asin", tf.asin, (-0.9, 0.9)),
    *unary("acos", tf.acos, (-0.9, 0.9)), *unary("atan", tf.atan),
    *binary("atan2", tf.atan2, (AWAY, (-2.0, 2.0))),
    *unary("sinh", tf.sinh), *unary("cosh", tf.cosh), *unary("tanh", tf.tanh),
    *unary("asinh", tf.asinh), *unary("acosh", tf.acosh, (1.2, 3.0)),
    *unary("atanh", tf.atanh, (-0.9, 0.9)), *unary("sigmoid", tf.sigmoid),
    *unary("softplus", tf.softplus), *unary("relu", tf.relu, AWAY),
    *unary("erf", tf.erf), *unary("erfc", tf.erfc),
    *unary("gamma", tf.gamma, GAMMA), *unary("lgamma", tf.lgamma, GAMMA),
    *unary("digamma", tf.digamma, GAMMA),
    Case("polygamma-2", lambda x: tf.polygamma(2, x), ((2, 3),), GAMMA),
    Case("relu_grad", _bind("relu_grad"), ((2, 3), (2, 3)), ((-2.0, 2.0), AWAY)),
    *binary("maximum", tf.maximum), *binary("minimum", tf.minimum), *binary("where", _where),
    Case("cast", lambda x: tf.cast(x, tf.float32), ((2, 3),)),
    Case("stop_gradient", lambda x: tf.stop_gradient(x) * x, ((3,),)),
    # piecewise constant: what their gradient rules are made of (a tangent stops there)
    Case("rounding", lambda x: tf.floor(x) + tf.ceil(x) + tf.round(x) + tf.sign(x) * x,
         ((2, 3),), AWAY),
    Case("floor_divide", lambda x, y: tf.floor_divide(x, y) * x, ((2, 3), (3,)), AWAY),
    Case("comparisons", lambda x, y: tf.where(
        tf.logical_or(tf.logical_and(tf.less(x, y), tf.not_equal(x, y)),
                      tf.logical_not(tf.greater_equal(x, y) | tf.equal(x, y))
                      | tf.less_equal(x, y) | tf.greater(x, 0.0)), x, y * y),
         ((2, 3), (3,))),
    # reductions
    *[Case(f"{name}-{axis}-{keep}", lambda x, op=op, a=axis, k=keep: op(x, axis=a, keepdims=k),
           ((2, 3, 2),), AWAY)
      for name, op in (("reduce_sum", tf.reduce_sum), ("reduce_prod", tf.reduce_prod),
                       ("reduce_max", tf.reduce_max), ("reduce_min", tf.reduce_min),
                       ("reduce_logsumexp", tf.reduce_logsumexp))
      for axis, keep in ((None, False), (1, True), ((0, 2), False))],
    Case("reduce_prod-zeros", lambda x: tf.reduce_prod(x, axis=1), ((2, 3),),
         fixed=([[0.0, 2.0, -1.5], [0.0, 0.0, 3.0]],)),
    # linear algebra and shape
    *[Case(f"matmul-{i}", tf.matmul, s) for i, s in enumerate((
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
        ((2, 3), (2, 3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,))))],
    Case("transpose", tf.transpose, ((2, 3),)),
    Case("transpose-perm", lambda x: tf.transpose(x, (1, 2, 0)), ((2, 3, 2),)),
    Case("reshape", lambda x: tf.reshape(x, (3, -1)), ((2, 3),)),
    Case("reshape-scalar", lambda x: tf.reshape(x, (1, 1)), ((),)),
    Case("broadcast_to", lambda x: tf.broadcast_to(x, (2, 2, 3)), ((1, 3),)),
    Case("broadcast_to-scalar", lambda x: tf.broadcast_to(x, (2, 2)), ((),)),
    Case("concat", lambda x, y: tf.concat([x, y, x], axis=-1), ((2, 1), (2, 2))),
    Case("concat-constant", lambda x: tf.concat([x, tf.ones((1, 3))], axis=0), ((2, 3),)),
    Case("stack", lambda x, y: tf.stack([x, y], axis=1), ((2, 3), (2, 3))),
    Case("stack-scalars", lambda x, y: tf.stack([x, y, x * y]), ((), ())),
    Case("tile", lambda x: tf.tile(x, (2, 2)), ((3,),)),
    Case("tile-scalar", lambda x: tf.tile(x, (3,)), ((),)),
    Case("getitem-int", lambda x: x[1], ((3, 2),)),
    Case("getitem-slices", lambda x: x[:, 1:], ((2, 3),)),
    Case("getitem-reversed", lambda x: x[::-1], ((3,),)),
    Case("getitem-fancy", lambda x: x[[0, 0, 2]], ((3, 2),)),
    Case("getitem-fancy-columns", lambda x: x[:, [2, 0]], ((2, 3),)),
    Case("getitem-fancy-apart", lambda x: x[[0, 1], :, [1, 0]], ((2, 3, 2),)),
    Case("getitem-mask", lambda x: x[np.array([[True, False, True], [False, True, True]])],
         ((2, 3),)),
    Case("getitem-newaxis-ellipsis", lambda x: x[..., None, 0], ((2, 3),)),
    Case("getitem-fancy-ellipsis", lambda x: x[..., [1, 1]], ((2, 3),)),
    Case("scatter-basic", _bind("scatter", index=(slice(1, 3),), shape=(4,)), ((2,),)),
    Case("scatter-repeated", _bind("scatter", index=(np.array([0, 2, 0]),), shape=(3,)),
         ((3,),)),
    Case("scatter-apart", _bind("scatter", index=(np.array([0, 1]), slice(None),
                                                   np.array([1, 0])), shape=(2, 3, 2)),
         ((2, 3),)),
    Case("diag", tf.diag, ((3,),)),
    Case("diag_part", tf.diag_part, ((2, 3),)),
    # compositions, as programs write them
    Case("program", lambda x, y: tf.reduce_sum(tf.sin(x) * tf.exp(y) / (1.0 + x * x), axis=0)
         + tf.norm(x - y) + tf.reduce_mean(tf.matmul(tf.transpose(x), x)), ((3, 2), (3, 2))),
]


def _draw(rng: np.random.Generator, shape: tuple[int, ...], domain: Any) -> np.ndarray:
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
    return [_draw(rng, s, d) for s, d in zip(case.shapes, domains, strict=True)]


def _recorded(case: Case) -> set[str]:
    ts = [tf.constant(x) for x in _inputs(case, np.random.default_rng(0))]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        case.f(*ts)
    return {prim.name for prim, *_ in tape.operations()}


def _rows(f: Callable[..., Any], xs: Sequence[np.ndarray], **options: Any
          ) -> tuple[np.ndarray, list[np.ndarray | None]]:
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(ts)
        y = f(*ts)
    jacobians = tape.jacobian(y, ts, **options)
    return y.numpy(), [None if j is None else j.numpy() for j in jacobians]


IDS = [case.label for case in CASES]


def test_the_cases_record_every_primitive() -> None:
    recorded = set().union(*(_recorded(case) for case in CASES))
    assert set(PRIMITIVES) - recorded == set()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_batch_rules_give_each_member_what_it_gives_alone(case: Case) -> None:
    rng = np.random.default_rng(1)
    members = [_inputs(case, rng) for _ in range(3)]
    alone = [np.asarray(case.f(*[tf.constant(x) for x in xs]).numpy()) for xs in members]
    for batched_args in ([True] * len(case.shapes), [True] + [False] * (len(case.shapes) - 1)):
        args = [Batched.of(tf.constant(np.stack([xs[k] for xs in members])))
                if batched else tf.constant(members[0][k])
                for k, batched in enumerate(batched_args)]
        with batching.active():
            out = case.f(*args)
        if all(batched_args):
            expected = np.stack(alone)
        else:
            expected = np.stack([np.asarray(case.f(*[tf.constant(xs[0])] + [
                tf.constant(x) for x in members[0][1:]]).numpy()) for xs in members])
        np.testing.assert_array_equal(batching.full_of(out, 3).numpy(), expected)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_rules_give_the_jacobian_times_the_tangent(case: Case) -> None:
    rng = np.random.default_rng(2)
    xs = _inputs(case, rng)
    vs = [rng.standard_normal(x.shape) for x in xs]
    y, rows = _rows(case.f, xs, experimental_use_pfor=False, unconnected_gradients="zero")
    ts = [tf.constant(x) for x in xs]
    with tf.autodiff.ForwardAccumulator(ts, [tf.constant(v) for v in vs]) as acc:
        out = case.f(*ts)
    expected = sum(np.tensordot(j, v, axes=v.ndim) for j, v in zip(rows, vs, strict=True))
    got = acc.jvp(out, unconnected_gradients="zero").numpy()
    assert got.shape == y.shape and got.dtype == y.dtype
    tolerance = 1e-12 if got.dtype == np.float64 else 1e-6  # cast to float32
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_one_pass_jacobians_equal_the_rows(case: Case) -> None:
    xs = _inputs(case, np.random.default_rng(3))
    _, rows = _rows(case.f, xs, experimental_use_pfor=False)
    _, reverse = _rows(case.f, xs, mode="reverse")
    _, forward = _rows(case.f, xs, mode="forward")
    for row, rev, fwd in zip(rows, reverse, forward, strict=True):
        assert (row is None) == (rev is None) == (fwd is None)
        if row is not None:
            np.testing.assert_array_equal(rev, row)
            np.testing.assert_allclose(fwd, row, rtol=1e-13, atol=1e-14)


def test_a_primitive_without_a_batch_rule_runs_once_per_member() -> None:
    from adcli.engine.primitives import Primitive

    cube = Primitive("cube_without_rules", lambda x, k: x ** 3 + k, arity=1)
    members = np.array([[0.5, -1.5], [2.0, 3.0], [1.0, 0.0]])
    with batching.active():
        out = bind(cube, (Batched.of(tf.constant(members)),), {"k": 1.0})
    np.testing.assert_array_equal(out.numpy(), members ** 3 + 1.0)
    with pytest.raises(TypeError, match="batch of values"):
        bool(out)
