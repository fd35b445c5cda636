"""Gradient rules at the edges: the kinds of fault where a tape prints wrong numbers
silently (bug reports against TensorFlow, PyTorch and JAX), each fixed as a kind and
checked for every rule it can touch, through the public API (`import adcli as tf`,
`tf.GradientTape`, `adcli.api.differentiate`).

1. A zero incoming gradient times an infinite (or nan) local derivative: the rules
   write g * local as mul_strong_zero(local, g), a product in which a zero factor
   wins, so such a product is exactly 0, at every order (the branch a `where` does
   not take, `norm(x)^2` at 0).
2. A whole exponent held in a tensor, at a zero base: as the literal exponent's
   integer_pow path, at every order.
3. Digits at large and tiny inputs: `logsumexp` at 1e16 here; every rule against
   mpmath in tests/engine/test_edge_sweep.py.
4. Zeros or None, as TensorFlow registers them: the Hessian of abs and relu is zeros
   (SignGrad, ReluGradGrad); floor, round, ceil, comparisons and the selections of
   maximum, minimum, clip_by_value, where, mod and reduce_max/min give None.

The tests named `test_convention_*` back the rows of the README's table "Conventions
at the edges", one test (or one parametrized test) per row.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import adcli as tf
from adcli import api

INF, NAN = math.inf, math.nan


def derivatives(f: Callable[[Any], Any], x: Any, order: int,
                unconnected: str = "zero") -> list[Any]:
    """[f'(x), ..., f^(order)(x)] as numpy values (None where the tape gives None), by a
    persistent tape that records its own backward passes (as adcli grad --order N)."""
    x = tf.constant(x)
    out = []
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
        for _ in range(order):
            y = tape.gradient(y, x, unconnected_gradients=unconnected)
            out.append(None if y is None else y.numpy())
            if y is None:
                break
    return out


def nested_second(f: Callable[..., Any], *xs: Any) -> list[Any]:
    """d/dx_j of (df/dx_i) by two nested tapes, as TensorFlow's tutorials write a
    Hessian; None where the outer tape gives None (no unconnected zeros)."""
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(ts)
        with tf.GradientTape() as inner:
            inner.watch(ts)
            y = f(*ts)
        grads = inner.gradient(y, ts)
    return [[None if g is None else outer.gradient(g, t) for t in ts] for g in grads]


def value_of(result: Any, *wrt: str) -> np.ndarray:
    return np.asarray(result.derivative(*wrt))


# -- 1. a zero incoming gradient times an infinite local derivative -----------------

def test_the_gradient_of_norm_squared_at_zero_is_zero() -> None:
    result = api.differentiate("norm(x)^2", at={"x": [0, 0]}, engine="tape")
    np.testing.assert_array_equal(value_of(result, "x"), [0.0, 0.0])


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_where_does_not_leak_nan_from_the_branch_not_taken(x: float) -> None:
    result = api.differentiate("where(x > 0, sqrt(x), x)", at={"x": x}, order=2,
                               engine="tape")
    assert float(value_of(result, "x")) == 1.0
    assert float(value_of(result, "x", "x")) == 0.0


def test_a_masked_x_log_x_has_the_gradient_of_its_other_branch() -> None:
    # The entropy term: where(p > 0, p log p, 0) at p = 0, where p log p is nan.
    result = api.differentiate("sum(where(p > 0, p * log(p), 0))", at={"p": [0.0, 0.5]},
                               order=2, engine="tape")
    np.testing.assert_allclose(value_of(result, "p"), [0.0, math.log(0.5) + 1.0])
    np.testing.assert_allclose(value_of(result, "p", "p"), [[0.0, 0.0], [0.0, 2.0]])


def _ln(x: Any) -> Any:
    return tf.log(x)


# Every rule whose local derivative can be infinite or nan, at such a point: (label,
# function of x, x). Each sits in the branch of a `where` that is not taken, so its
# incoming gradient is exactly 0 at every order.
SINGULAR: list[tuple[str, Callable[[Any], Any], float]] = [
    ("sqrt-at-0", tf.sqrt, 0.0),
    ("sqrt-below-0", tf.sqrt, -1.0),
    ("reciprocal-at-0", tf.reciprocal, 0.0),
    ("divide-by-0", lambda x: 1.0 / x, 0.0),
    ("divide-0-by-0", lambda x: x / x, 0.0),
    ("log-at-0", tf.log, 0.0),
    ("log-below-0", tf.log, -1.0),
    ("log1p-at-minus-1", tf.log1p, -1.0),
    ("log2-at-0", tf.log2, 0.0),
    ("log10-at-0", tf.log10, 0.0),
    ("asin-at-1", tf.asin, 1.0),
    ("asin-at-2", tf.asin, 2.0),
    ("acos-at-minus-1", tf.acos, -1.0),
    ("atanh-at-1", tf.atanh, 1.0),
    ("acosh-at-1", tf.acosh, 1.0),
    ("acosh-at-0", tf.acosh, 0.0),
    ("atan2-at-origin", lambda x: tf.atan2(x, x), 0.0),
    ("pow-half-at-0", lambda x: tf.pow(x, tf.constant(0.5)), 0.0),
    ("pow-tensor-minus-1-at-0", lambda x: tf.pow(x, tf.constant(-1.0)), 0.0),
    ("pow-x-to-x-at-0", lambda x: tf.pow(x, x), 0.0),
    ("pow-of-0-base-exponent", lambda x: tf.pow(tf.constant(0.0), x), -1.0),
    ("integer-pow-minus-1-at-0", lambda x: x ** -1, 0.0),
    ("integer-pow-minus-2-at-0", lambda x: x ** -2, 0.0),
    ("integer-pow-3-overflow", lambda x: x ** 3, 1e200),
    ("square-overflow", tf.square, 1e308),
    ("mod-by-0", lambda x: tf.mod(1.0, x), 0.0),
    ("exp-overflow", tf.exp, 1000.0),
    ("expm1-overflow", tf.expm1, 1000.0),
    ("sinh-overflow", tf.sinh, 1000.0),
    ("cosh-overflow", tf.cosh, 1000.0),
    ("sin-at-inf", tf.sin, INF),
    ("cos-at-inf", tf.cos, INF),
    ("tan-at-inf", tf.tan, INF),
    ("x-times-log-x-at-0", lambda x: x * _ln(x), 0.0),
    ("x-times-inf", lambda x: x * tf.constant(INF), 0.0),
    ("abs-at-nan", tf.abs, NAN),
    ("relu-at-nan", tf.relu, NAN),
    ("erf-at-nan", tf.erf, NAN),
    ("sigmoid-at-nan", tf.sigmoid, NAN),
    ("tanh-at-nan", tf.tanh, NAN),
    ("atan-at-nan", tf.atan, NAN),
    ("asinh-at-nan", tf.asinh, NAN),
    ("softplus-at-nan", tf.softplus, NAN),
    ("prod-beside-inf", lambda x: tf.reduce_prod(tf.stack([x, tf.constant(INF)])), 0.0),
    ("dot-with-inf", lambda x: tf.matmul(tf.stack([x, x]), tf.constant([INF, 1.0])), 0.0),
    ("logsumexp-of-inf", lambda x: tf.reduce_logsumexp(tf.stack([x, tf.constant(INF)])), 0.0),
]


@pytest.mark.parametrize("f, x", [(f, x) for _, f, x in SINGULAR],
                         ids=[label for label, _, _ in SINGULAR])
def test_convention_a_zero_incoming_gradient_contributes_zero(f: Callable, x: float) -> None:
    # The branch taken is x itself: derivatives 1, 0, 0 exactly, whatever the other
    # branch's rules meet.
    with np.errstate(all="ignore"):
        got = derivatives(lambda t: tf.where(tf.constant(False), f(t), t), x, order=3)
    assert [float(d) for d in got] == [1.0, 0.0, 0.0]


def test_a_zero_incoming_gradient_contributes_zero_through_mul_strong_zero_at_every_order() -> None:
    # The helper itself: mul_strong_zero(inf, 0) is 0, and so are its derivatives in x
    # where one factor is 0.
    from adcli.engine.ops import mul_strong_zero
    with np.errstate(all="ignore"):
        got = derivatives(lambda x: mul_strong_zero(tf.reciprocal(x), x * 0.0) + x, 0.0, order=3)
    assert [float(d) for d in got] == [1.0, 0.0, 0.0]


def test_where_masks_sqrt_in_a_vector_at_every_order() -> None:
    # Some points take sqrt, the others x: to the fourth order, each point gets the
    # derivatives of its own branch (of sqrt at 4: 1/4, -1/32, 3/256, -15/2048).
    with np.errstate(all="ignore"):
        got = derivatives(lambda x: tf.reduce_sum(tf.where(x > 0.0, tf.sqrt(x), x)),
                          [-1.0, 0.0, 4.0], order=4)
    expected = [[1.0, 1.0, 0.25], [0.0, 0.0, -1 / 32], [0.0, 0.0, 3 / 256],
                [0.0, 0.0, -15 / 2048]]
    for d, e in zip(got, expected, strict=True):
        np.testing.assert_array_equal(d, e)


@pytest.mark.parametrize("program, x, expected", [
    ("sqrt(x)", 0.0, INF),
    ("log(x)", 0.0, INF),
    ("1/x", 0.0, -INF),
    ("reciprocal(x)", 0.0, -INF),
    ("x^0.5", 0.0, INF),
], ids=["sqrt", "log", "one-over-x", "reciprocal", "pow-half"])
def test_convention_singular_points_with_a_nonzero_incoming_gradient(program: str, x: float,
                                                                     expected: float) -> None:
    # A nonzero incoming gradient keeps the limit: SqrtGrad 0.5 dy / y,
    # ReciprocalGrad -dy y^2, LogGrad dy / x.
    result = api.differentiate(program, at={"x": x}, engine="tape")
    assert float(value_of(result, "x")) == expected


@pytest.mark.parametrize("program, at, expected", [
    ("norm(x)", {"x": [0.0, 0.0]}, [0.0, 0.0]),
    ("sqrt(x^2)", {"x": 0.0}, 0.0),
    ("abs(x)", {"x": 0.0}, 0.0),
], ids=["norm", "sqrt-of-square", "abs"])
def test_convention_a_zero_local_derivative_contributes_zero(program: str, at: dict,
                                                            expected: Any) -> None:
    # norm(x) at 0: the square's local derivative 2x = 0 meets sqrt's inf, and a zero
    # factor wins, so the gradient is 0, as abs'(0) is (AbsGrad: sign(0) = 0); the
    # norm of one entry is |x|.
    result = api.differentiate(program, at=at, engine="tape")
    np.testing.assert_array_equal(value_of(result, *at), expected)


def test_convention_atan2_at_the_origin_is_nan() -> None:
    result = api.differentiate("atan2(y, x)", at={"y": 0.0, "x": 0.0}, engine="tape")
    assert math.isnan(float(value_of(result, "y")))
    assert math.isnan(float(value_of(result, "x")))


def test_convention_the_hessian_through_sqrt_at_zero_is_zero() -> None:
    # The chain rule through sqrt at 0 is 0 * inf; with a zero incoming gradient
    # giving 0, the Hessian of norm(x)^2 at 0 comes out 0, not the 2 I of sum(x^2).
    result = api.differentiate("norm(x)^2", at={"x": [0, 0]}, order=2, engine="tape")
    np.testing.assert_array_equal(value_of(result, "x", "x"), np.zeros((2, 2)))
    result = api.differentiate("sum(x^2)", at={"x": [0, 0]}, order=2, engine="tape")
    np.testing.assert_array_equal(value_of(result, "x", "x"), 2.0 * np.eye(2))


# -- 2. a whole exponent held in a tensor, at a zero base ---------------------------

def test_x_to_a_tensor_k_of_1_has_a_zero_second_derivative_at_zero() -> None:
    result = api.differentiate("x^k", at={"x": 0}, let={"k": 1}, order=2, engine="tape")
    assert float(value_of(result, "x")) == 1.0
    assert float(value_of(result, "x", "x")) == 0.0


TRUE_AT_ZERO = {  # d^n/dx^n x^k at x = 0, n = 1..4
    0: [0.0, 0.0, 0.0, 0.0],
    1: [1.0, 0.0, 0.0, 0.0],
    2: [0.0, 2.0, 0.0, 0.0],
    3: [0.0, 0.0, 6.0, 0.0],
}


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_convention_x_to_a_whole_tensor_k_at_zero_is_right_at_every_order(k: int) -> None:
    tensor = api.differentiate("x^k", at={"x": 0}, let={"k": k}, order=4, engine="tape")
    literal = api.differentiate(f"x^{k}", at={"x": 0}, order=4, engine="tape")
    for n, expected in enumerate(TRUE_AT_ZERO[k], start=1):
        assert float(value_of(tensor, *["x"] * n)) == expected, n
        assert float(value_of(literal, *["x"] * n)) == expected, n


@pytest.mark.parametrize("k", [-1, -2, -3])
def test_x_to_a_negative_whole_tensor_k_at_zero_is_as_the_function(k: int) -> None:
    # inf or nan, as the function itself is, and as the literal path gives.
    tensor = api.differentiate("x^k", at={"x": 0}, let={"k": k}, order=3, engine="tape")
    literal = api.differentiate(f"x^({k})", at={"x": 0}, order=3, engine="tape")
    assert math.isinf(float(tensor.value))
    for n in (1, 2, 3):
        got, want = float(value_of(tensor, *["x"] * n)), float(value_of(literal, *["x"] * n))
        assert not math.isfinite(got)
        assert got == want or (math.isnan(got) and math.isnan(want)), n


@pytest.mark.parametrize("x, k", [(-2.0, 3), (-1.5, 2), (2.0, 4), (0.5, -2)])
def test_x_to_a_whole_tensor_k_away_from_zero_matches_the_literal_path(x: float, k: int) -> None:
    tensor = api.differentiate("x^k", at={"x": x}, let={"k": k}, order=4, engine="tape")
    literal = api.differentiate(f"x^({k})", at={"x": x}, order=4, engine="tape")
    for n in (1, 2, 3, 4):
        np.testing.assert_allclose(value_of(tensor, *["x"] * n), value_of(literal, *["x"] * n),
                                   rtol=1e-14)


def test_convention_the_exponent_derivative_at_a_non_positive_base_is_zero() -> None:
    # PowGrad: log_x = where(x > 0, log(x), 0).
    for x in (0.0, -2.0):
        result = api.differentiate("x^k", at={"x": x, "k": 2.0}, engine="tape")
        assert float(value_of(result, "k")) == 0.0
    result = api.differentiate("x^k", at={"x": 2.0, "k": 3.0}, engine="tape")
    assert float(value_of(result, "k")) == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


# -- 3. digits at large inputs (the sweep is tests/engine/test_edge_sweep.py) -------

def test_the_gradient_of_logsumexp_at_1e16_is_the_softmax() -> None:
    result = api.differentiate("logsumexp(x)", at={"x": [1e16, 1e16]}, order=2, engine="tape")
    np.testing.assert_array_equal(value_of(result, "x"), [0.5, 0.5])
    np.testing.assert_array_equal(value_of(result, "x", "x"), [[0.25, -0.25], [-0.25, 0.25]])


# -- 4. zeros or None, as TensorFlow registers them ---------------------------------

@pytest.mark.parametrize("f, x, first", [
    (tf.abs, 1.5, 1.0), (tf.abs, -1.5, -1.0), (tf.abs, 0.0, 0.0),
    (tf.relu, 1.5, 1.0), (tf.relu, -1.5, 0.0), (tf.relu, 0.0, 0.0),
    (tf.sign, 1.5, 0.0), (tf.sign, 0.0, 0.0),
], ids=["abs-pos", "abs-neg", "abs-0", "relu-pos", "relu-neg", "relu-0", "sign-pos", "sign-0"])
def test_convention_abs_relu_sign_first_derivatives(f: Callable, x: float, first: float) -> None:
    # AbsGrad: grad * sign(x); ReluGrad: grad where features > 0; SignGrad: zeros.
    (got,) = derivatives(f, x, order=1, unconnected="none")
    assert got is not None and float(got) == first


@pytest.mark.parametrize("f", [tf.abs, tf.relu, lambda x: tf.abs(x) * 3.0 + tf.relu(x)],
                         ids=["abs", "relu", "abs-and-relu"])
@pytest.mark.parametrize("x", [-1.5, 0.0, 2.0])
def test_convention_the_hessian_of_abs_and_relu_is_zeros_not_none(f: Callable, x: float) -> None:
    ((h,),) = nested_second(f, x)
    assert h is not None
    assert float(h) == 0.0


def test_the_hessian_of_a_program_with_abs_and_relu_is_a_tensor_of_zeros() -> None:
    x = tf.constant([1.0, -2.0, 3.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.abs(x) + tf.relu(x) * 2.0)
        g = inner.gradient(y, x)
    hessian = outer.jacobian(g, x)
    assert hessian is not None
    np.testing.assert_array_equal(hessian.numpy(), np.zeros((3, 3)))


def test_the_gradient_of_sign_is_zero_not_none() -> None:
    x = tf.constant([-1.0, 0.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sign(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.0, 0.0])
    result = api.differentiate("sign(x)", at={"x": 2.0}, engine="tape")
    assert float(value_of(result, "x")) == 0.0


@pytest.mark.parametrize("f", [
    tf.floor, tf.ceil, tf.round,
    lambda x: tf.cast(tf.less(x, 1.0), tf.float64),
    lambda x: tf.cast(tf.greater_equal(x, 1.0), tf.float64),
    lambda x: tf.cast(tf.equal(x, 1.0), tf.float64),
    lambda x: tf.floor_divide(x, 0.7),
], ids=["floor", "ceil", "round", "less", "greater-equal", "equal", "floor-divide"])
def test_convention_piecewise_constant_operations_have_no_gradient(f: Callable) -> None:
    # FloorGrad, CeilGrad, RoundGrad and FloorDivGrad return None; comparisons are
    # NotDifferentiable.
    (got,) = derivatives(f, 1.3, order=1, unconnected="none")
    assert got is None


@pytest.mark.parametrize("op, x, y, dx, dy", [
    (tf.maximum, 1.0, 1.0, 1.0, 0.0), (tf.minimum, 1.0, 1.0, 1.0, 0.0),
    (tf.maximum, 2.0, 1.0, 1.0, 0.0), (tf.maximum, 1.0, 2.0, 0.0, 1.0),
    (tf.minimum, 2.0, 1.0, 0.0, 1.0), (tf.minimum, 1.0, 2.0, 1.0, 0.0),
    (tf.maximum, NAN, 1.0, 0.0, 1.0), (tf.minimum, NAN, 1.0, 0.0, 1.0),
], ids=["maximum-tie", "minimum-tie", "maximum-x", "maximum-y", "minimum-y", "minimum-x",
        "maximum-nan", "minimum-nan"])
def test_convention_maximum_and_minimum_send_ties_to_x(op: Callable, x: float, y: float,
                                                       dx: float, dy: float) -> None:
    # MaximumGrad / MinimumGrad: one mask, greater_equal / less_equal; g to x where it
    # holds, to y elsewhere (so a nan x, where the mask is false, sends it to y).
    a, b = tf.constant(x), tf.constant(y)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        out = op(a, b)
    ga, gb = tape.gradient(out, [a, b])
    assert (float(ga), float(gb)) == (dx, dy)


@pytest.mark.parametrize("t, dt", [(-1.0, 1.0), (1.0, 1.0), (0.3, 1.0), (-2.0, 0.0), (2.0, 0.0)],
                         ids=["at-min", "at-max", "inside", "below", "above"])
def test_convention_clip_by_value_at_its_bounds_sends_the_gradient_to_t(t: float,
                                                                         dt: float) -> None:
    # tf.clip_by_value is maximum(minimum(t, hi), lo): at either bound the ties of
    # MinimumGrad and MaximumGrad send the gradient to t.
    x, lo, hi = tf.constant(t), tf.constant(-1.0), tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch([x, lo, hi])
        y = tf.clip_by_value(x, lo, hi)
    gx, glo, ghi = tape.gradient(y, [x, lo, hi], unconnected_gradients="zero")
    assert float(gx) == dt
    assert float(glo) == (1.0 if t < -1.0 else 0.0)
    assert float(ghi) == (1.0 if t > 1.0 else 0.0)


def test_convention_reduce_max_and_min_share_ties_equally() -> None:
    # _MinOrMaxGrad: indicators / num_selected.
    x = tf.constant([3.0, 1.0, 3.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        top, bottom = tf.reduce_max(x), tf.reduce_min(-x)
    np.testing.assert_array_equal(tape.gradient(top, x).numpy(), [1 / 3, 0.0, 1 / 3, 1 / 3])
    np.testing.assert_array_equal(tape.gradient(bottom, x).numpy(),
                                  [-1 / 3, 0.0, -1 / 3, -1 / 3])


@pytest.mark.parametrize("x, y, dy", [(7.0, 3.0, -2.0), (6.0, 3.0, -2.0), (-7.0, 3.0, 3.0),
                                      (7.0, -3.0, 3.0)],
                         ids=["inside", "at-a-jump", "negative-x", "negative-y"])
def test_convention_mod_derivatives(x: float, y: float, dy: float) -> None:
    # FloorModGrad: (grad, -grad * floor_div(x, y)), at the jumps too.
    a, b = tf.constant(x), tf.constant(y)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        out = tf.mod(a, b)
    ga, gb = tape.gradient(out, [a, b])
    assert (float(ga), float(gb)) == (1.0, dy)


def _where_of(x: Any, y: Any) -> Any:
    return tf.where(tf.greater(x, y), x * y, y)


@pytest.mark.parametrize("f, xs", [
    (tf.maximum, (1.0, 2.0)), (tf.minimum, (1.0, 2.0)), (tf.maximum, (1.0, 1.0)),
    (lambda t, lo: tf.clip_by_value(t, lo, 3.0), (1.0, 0.0)),
    (tf.mod, (7.0, 3.0)),
    (lambda x, y: tf.reduce_max(tf.stack([x, y])), (1.0, 2.0)),
    (lambda x, y: tf.reduce_min(tf.stack([x, y])), (1.0, 2.0)),
], ids=["maximum", "minimum", "maximum-tie", "clip_by_value", "mod", "reduce_max",
        "reduce_min"])
def test_convention_second_derivatives_of_selections_are_none(f: Callable, xs: tuple) -> None:
    # Their gradients select by comparisons (NotDifferentiable in TensorFlow: Greater,
    # GreaterEqual, LessEqual, Equal) or by FloorDiv (FloorDivGrad: None), so nested
    # tapes give None, as TensorFlow's do; the derivative layer reports 0.
    hessian = nested_second(f, *xs)
    assert all(h is None for row in hessian for h in row)


def test_second_derivatives_of_selections_are_zero_through_the_derivative_layer() -> None:
    result = api.differentiate("maximum(x, y) + mod(x, y)", at={"x": 7.0, "y": 3.0}, order=2,
                               engine="tape")
    for wrt in (("x", "x"), ("x", "y"), ("y", "y")):
        assert float(value_of(result, *wrt)) == 0.0


def test_convention_where_gives_the_branch_not_taken_zero_and_the_condition_none() -> None:
    # SelectV2Grad: (None, where(c, grad, 0), where(c, 0, grad)).
    x, y = tf.constant([1.0, 5.0]), tf.constant([2.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        out = tf.where(tf.greater(x, 3.0), x * 2.0, y * 3.0)
    gx, gy = tape.gradient(out, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(gy.numpy(), [3.0, 0.0])
    # The selected branch x*y is differentiated on: d/dy of its x-gradient y is 1.
    ((_hxx, hxy), _) = nested_second(_where_of, 5.0, 2.0)
    assert hxy is not None and float(hxy) == 1.0
