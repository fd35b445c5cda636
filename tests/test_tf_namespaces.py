"""TensorFlow's namespaces on `import adcli as tf`: tf.random, tf.nn, tf.math, tf.linalg,
and the top-level names of adcli/compat.py (UnconnectedGradients, clip_by_norm, pad,
einsum, Module, function, TensorSpec) and tf.saved_model.

Values are checked against numpy (and closed forms), derivatives against closed forms
and finite differences, at the points where a naive formula breaks: large logits,
kinks, zeros, singular matrices."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import adcli as tf


def grad(f: Any, x: Any) -> np.ndarray:
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


def second(f: Any, x: float) -> float:
    x = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy = inner.gradient(y, x)
    return float(outer.gradient(dy, x))


def central(f: Any, x: float, h: float = 1e-5) -> float:
    return (float(f(tf.constant(x + h))) - float(f(tf.constant(x - h)))) / (2 * h)


# -- tf.random ---------------------------------------------------------------------

def test_random_is_float32_by_default_and_takes_a_dtype() -> None:
    assert tf.random.normal((3, 2)).dtype == np.float32
    assert tf.random.uniform([4]).dtype == np.float32
    assert tf.random.truncated_normal([4]).dtype == np.float32
    assert tf.random.normal((2,), dtype=tf.float64).dtype == np.float64
    assert tf.random.uniform((2,), maxval=10, dtype=tf.int32).dtype == np.int32
    assert tf.random.normal(3).shape == (3,)
    assert tf.random.normal(tf.constant([2, 3])).shape == (2, 3)
    assert tf.random.normal([]).shape == ()
    with pytest.raises(ValueError):
        tf.random.normal((2,), dtype=tf.int32)
    with pytest.raises(ValueError):
        tf.random.uniform((2,), dtype=tf.int64)


def test_set_seed_makes_the_sequence_reproducible() -> None:
    tf.random.set_seed(7)
    first = [tf.random.normal((3,)).numpy(), tf.random.uniform((2, 2)).numpy()]
    tf.random.set_seed(7)
    again = [tf.random.normal((3,)).numpy(), tf.random.uniform((2, 2)).numpy()]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], tf.random.normal((3,)).numpy())
    tf.random.set_seed(8)
    assert not np.array_equal(first[0], tf.random.normal((3,)).numpy())


def test_operation_seeds_are_reproducible_and_differ_between_calls() -> None:
    tf.random.set_seed(1)
    a1, a2 = tf.random.uniform([3], seed=5).numpy(), tf.random.uniform([3], seed=5).numpy()
    assert not np.array_equal(a1, a2)
    tf.random.set_seed(1)
    np.testing.assert_array_equal(tf.random.uniform([3], seed=5).numpy(), a1)
    np.testing.assert_array_equal(tf.random.uniform([3], seed=5).numpy(), a2)
    tf.random.set_seed(None)
    b1 = tf.random.normal([3]).numpy()
    assert not np.array_equal(b1, tf.random.normal([3]).numpy())


def test_random_distributions() -> None:
    tf.random.set_seed(3)
    normal = tf.random.normal([200_000], mean=2.0, stddev=3.0, dtype=tf.float64).numpy()
    assert abs(normal.mean() - 2.0) < 0.03 and abs(normal.std() - 3.0) < 0.03
    uniform = tf.random.uniform([200_000], minval=-1.0, maxval=3.0).numpy()
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and abs(uniform.mean() - 1.0) < 0.02
    truncated = tf.random.truncated_normal([100_000], stddev=2.0).numpy()
    assert np.abs(truncated).max() <= 4.0 and truncated.std() > 1.5
    integers = tf.random.uniform([10_000], minval=-2, maxval=3, dtype=tf.int64).numpy()
    assert set(np.unique(integers)) == {-2, -1, 0, 1, 2}
    narrow = tf.random.uniform([100_000], minval=1.0, maxval=np.nextafter(np.float32(1),
                                                                         np.float32(2)))
    assert np.all(narrow.numpy() == 1.0)  # [min, max) holds after rounding to float32


# -- tf.nn -----------------------------------------------------------------------------

POINTS = np.array([-1000.0, -30.0, -2.5, -1e-3, 0.0, 1e-3, 0.7, 6.0, 30.0, 1000.0])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def _erfc(x: np.ndarray) -> np.ndarray:
    import math

    return np.array([math.erfc(v) for v in np.ravel(x)]).reshape(np.shape(x))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772
                                                    * np.expm1(np.minimum(x, 0))),
    "gelu": lambda x: 0.5 * x * _erfc(-x / np.sqrt(2.0)),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": lambda x: np.logaddexp(0.0, x),
    "softsign": lambda x: x / (1 + np.abs(x)),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_values(name: str) -> None:
    # (gelu at -30: erfc's steepness turns the rounding of x / sqrt 2 into 1e-13.)
    np.testing.assert_allclose(getattr(tf.nn, name)(POINTS).numpy(), REFERENCES[name](POINTS),
                               rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_gradients_against_finite_differences(name: str) -> None:
    f = getattr(tf.nn, name)
    for x in (-2.5, -0.3, 0.7, 3.0):
        assert grad(f, x) == pytest.approx(central(f, x), rel=1e-7, abs=1e-9)


def test_activation_derivatives_at_the_kinks_are_tensorflows() -> None:
    assert grad(tf.nn.relu, 0.0) == 0.0
    assert grad(tf.nn.relu6, 6.0) == 0.0 and grad(tf.nn.relu6, 5.5) == 1.0
    assert grad(tf.nn.elu, 0.0) == 1.0
    assert grad(tf.nn.leaky_relu, 0.0) == pytest.approx(0.2)
    assert grad(tf.nn.gelu, 0.0) == 0.5
    # Large inputs: the untaken branch's overflow leaves no nan behind.
    assert np.all(np.isfinite(grad(tf.nn.elu, POINTS)))
    assert np.all(np.isfinite(grad(tf.nn.selu, POINTS)))
    assert np.all(np.isfinite(grad(tf.nn.gelu, POINTS)))


def test_gelu_second_derivative_and_approximate_form() -> None:
    # d2/dx2 x Phi(x) = (2 - x^2) phi(x)
    for x in (-1.5, 0.0, 0.8):
        phi = np.exp(-x * x / 2) / np.sqrt(2 * np.pi)
        assert second(tf.nn.gelu, x) == pytest.approx((2 - x * x) * phi, rel=1e-12, abs=1e-15)
    approx = tf.nn.gelu(POINTS[2:-2], approximate=True).numpy()
    np.testing.assert_allclose(approx, REFERENCES["gelu"](POINTS[2:-2]), atol=2e-3)


def test_softmax_and_log_softmax_at_large_logits() -> None:
    logits = tf.constant([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    soft = tf.nn.softmax(logits).numpy()
    np.testing.assert_allclose(soft.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(soft[1], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum(), rtol=1e-15)
    log_soft = tf.nn.log_softmax(logits).numpy()
    np.testing.assert_allclose(log_soft[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(tf.nn.softmax(logits, axis=0).numpy().sum(axis=0), 1.0)
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax


def test_softmax_jacobian_in_both_modes() -> None:
    z = tf.constant([0.5, -1.0, 2.0, 0.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(z)
        s = tf.nn.softmax(z)
    p = s.numpy()
    expected = np.diag(p) - np.outer(p, p)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(tape.jacobian(s, z, mode=mode).numpy(), expected,
                                   rtol=1e-12, atol=1e-15)


def test_cross_entropies() -> None:
    logits = tf.constant([[2.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    labels = np.array([0, 2])
    dense = tf.nn.softmax_cross_entropy_with_logits(labels=np.eye(3)[labels], logits=logits)
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    expected = -np.log(np.exp(logits.numpy())[np.arange(2), labels]
                       / np.exp(logits.numpy()).sum(axis=1))
    np.testing.assert_allclose(dense.numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(sparse.numpy(), expected, rtol=1e-14)
    with pytest.raises(ValueError):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0.5, 1.0], logits=logits)


def test_sigmoid_cross_entropy_keeps_its_digits_and_its_derivative_at_zero() -> None:
    z = np.array([1.0, 0.0, 1.0, 0.3, 0.0])
    x = np.array([30.0, -30.0, -2.0, 0.0, 1000.0])
    loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x).numpy()
    np.testing.assert_allclose(loss[:2], np.log1p(np.exp(-30.0)), rtol=1e-14)
    np.testing.assert_allclose(loss[2:], [np.log1p(np.exp(2.0)), np.log(2.0), 1000.0],
                               rtol=1e-14)
    gradients = grad(lambda t: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=t), x)
    # sigmoid(x) - z, written without cancellation where z = 1 (the reference's own digits).
    expected = np.where(z == 1.0, -_sigmoid(-x), _sigmoid(x) - z)
    np.testing.assert_allclose(gradients, expected, rtol=1e-12, atol=1e-300)


def test_moments_l2_and_bias_add() -> None:
    x = np.array([[1.0, 2.0], [3.0, 5.0], [-1.0, 0.5]])
    mean, variance = tf.nn.moments(tf.constant(x), axes=[0])
    np.testing.assert_allclose(mean.numpy(), x.mean(axis=0))
    np.testing.assert_allclose(variance.numpy(), x.var(axis=0))
    mean, variance = tf.nn.moments(tf.constant(x), axes=[0, 1], keepdims=True)
    assert mean.shape == (1, 1) and variance.shape == (1, 1)
    assert float(tf.nn.l2_loss(x)) == pytest.approx((x ** 2).sum() / 2)
    normalized = tf.nn.l2_normalize(x, axis=1).numpy()
    np.testing.assert_allclose(np.linalg.norm(normalized, axis=1), 1.0)
    np.testing.assert_array_equal(tf.nn.bias_add(x, [1.0, -1.0]).numpy(), x + [1.0, -1.0])
    # The variance's Hessian is 2/N (I - 1/N): the mean is differentiated too.
    v = tf.constant([1.0, 4.0, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(v)
        with tf.GradientTape() as inner:
            inner.watch(v)
            var = tf.nn.moments(v, axes=[0])[1]
        g = inner.gradient(var, v)
    np.testing.assert_allclose(outer.jacobian(g, v).numpy(), 2 / 3 * (np.eye(3) - 1 / 3),
                               atol=1e-15)


def test_dropout_keeps_the_expected_value() -> None:
    tf.random.set_seed(0)
    x = tf.ones([100_000])
    dropped = tf.nn.dropout(x, rate=0.25).numpy()
    values = np.unique(dropped)
    assert len(values) == 2 and values[0] == 0.0 and values[1] == pytest.approx(1 / 0.75)
    assert abs(dropped.mean() - 1.0) < 0.02


# -- tf.math ---------------------------------------------------------------------------

def test_math_holds_every_operation_and_tensorflows_math_names() -> None:
    from adcli.engine import ops

    for name in ops.__all__:
        assert getattr(tf.math, name) is getattr(ops, name)
    assert tf.math.sin is tf.sin and tf.math.reduce_sum is tf.reduce_sum
    np.testing.assert_allclose(tf.math.log_sigmoid([-1000.0, 0.0, 1000.0]).numpy(),
                               [-1000.0, -np.log(2.0), 0.0])
    x = np.array([[1.0, 2.0, 4.0], [0.5, -3.0, 2.0]])
    np.testing.assert_allclose(tf.math.reduce_variance(x, axis=1).numpy(), x.var(axis=1))
    np.testing.assert_allclose(tf.math.reduce_std(x).numpy(), x.std())
    np.testing.assert_allclose(tf.math.reduce_euclidean_norm(x, axis=0).numpy(),
                               np.linalg.norm(x, axis=0))
    np.testing.assert_allclose(tf.math.squared_difference(x, 1.0).numpy(), (x - 1) ** 2)
    np.testing.assert_allclose(tf.math.rsqrt(4.0).numpy(), 0.5)
    np.testing.assert_array_equal(tf.math.argmax(x).numpy(), [0, 0, 0])  # axis 0
    np.testing.assert_array_equal(tf.argmax(x, axis=1).numpy(), [2, 2])
    np.testing.assert_array_equal(tf.argmin(x, axis=1).numpy(), [0, 1])
    assert tf.add_n([x, x, x]).numpy().tolist() == (3 * x).tolist()
    assert bool(tf.reduce_all(x > -5)) and not bool(tf.reduce_any(x > 5))
    assert int(tf.math.count_nonzero([0.0, 1.0, 2.0])) == 2
    flags = [np.nan, np.inf, 1.0]
    assert tf.math.is_nan(flags).numpy().tolist() == [True, False, False]
    assert tf.math.is_inf(flags).numpy().tolist() == [False, True, False]
    assert tf.math.is_finite(flags).numpy().tolist() == [False, False, True]


def test_math_no_nan_forms_and_their_gradients() -> None:
    assert tf.math.xlogy([0.0, 2.0], [0.0, np.e]).numpy().tolist() == [0.0, 2.0]
    assert tf.math.divide_no_nan([1.0, 3.0], [0.0, 2.0]).numpy().tolist() == [0.0, 1.5]
    assert tf.math.multiply_no_nan([np.inf, 3.0], [0.0, 2.0]).numpy().tolist() == [0.0, 6.0]
    y = tf.constant([0.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(y)
        out = tf.reduce_sum(tf.math.divide_no_nan(tf.constant([1.0, 3.0]), y))
    np.testing.assert_array_equal(tape.gradient(out, y).numpy(), [0.0, -0.75])
    x = tf.constant([0.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(tf.math.xlogy(x, tf.constant([0.0, 3.0])))
    np.testing.assert_allclose(tape.gradient(out, x).numpy(), [0.0, np.log(3.0)])


# -- tf.linalg -------------------------------------------------------------------------

RNG = np.random.default_rng(20240611)


@pytest.mark.parametrize("n", [1, 2, 3, 6, 12])
def test_det_inv_solve_against_numpy(n: int) -> None:
    a = RNG.standard_normal((n, n))
    b = RNG.standard_normal((n, 2))
    assert float(tf.linalg.det(a)) == pytest.approx(np.linalg.det(a), rel=1e-12)
    np.testing.assert_allclose(tf.linalg.inv(a).numpy(), np.linalg.inv(a), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(tf.linalg.solve(a, b).numpy(), np.linalg.solve(a, b),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tf.linalg.solve(a, b, adjoint=True).numpy(),
                               np.linalg.solve(a.T, b), rtol=1e-10, atol=1e-12)
    sign, logabs = tf.linalg.slogdet(a)
    expected_sign, expected_log = np.linalg.slogdet(a)
    assert float(sign) == expected_sign
    assert float(logabs) == pytest.approx(expected_log, rel=1e-12, abs=1e-13)


def test_linalg_batches_and_broadcasts() -> None:
    a = RNG.standard_normal((2, 3, 4, 4))
    np.testing.assert_allclose(tf.linalg.det(a).numpy(), np.linalg.det(a), rtol=1e-12)
    np.testing.assert_allclose(tf.linalg.inv(a).numpy(), np.linalg.inv(a), rtol=1e-10,
                               atol=1e-12)
    rhs = RNG.standard_normal((4, 5))
    np.testing.assert_allclose(tf.linalg.solve(a, rhs).numpy(), np.linalg.solve(a, rhs),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tf.linalg.trace(a).numpy(), np.trace(a, axis1=-2, axis2=-1))
    np.testing.assert_allclose(tf.linalg.diag_part(a).numpy(),
                               np.diagonal(a, axis1=-2, axis2=-1))
    v = RNG.standard_normal((3, 4))
    np.testing.assert_array_equal(tf.linalg.diag(v).numpy(), np.stack([np.diag(r) for r in v]))
    np.testing.assert_allclose(tf.linalg.matvec(a[0, 0], v[0]).numpy(), a[0, 0] @ v[0])
    np.testing.assert_array_equal(tf.linalg.matrix_transpose(a).numpy(),
                                  np.swapaxes(a, -1, -2))
    assert tf.linalg.trace(np.eye(3)).numpy() == 3.0 and tf.trace(np.eye(3)).numpy() == 3.0
    assert tf.linalg.eye(2, batch_shape=[3]).numpy().tolist() == [np.eye(2).tolist()] * 3


def test_linalg_gradients_are_the_closed_forms() -> None:
    a = RNG.standard_normal((4, 4))
    w = RNG.standard_normal((4, 4))
    inverse = np.linalg.inv(a)
    np.testing.assert_allclose(grad(tf.linalg.det, a), np.linalg.det(a) * inverse.T,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad(tf.linalg.logdet, a), inverse.T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad(lambda m: tf.reduce_sum(tf.linalg.inv(m) * w), a),
                               -inverse.T @ w @ inverse.T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grad(tf.linalg.trace, a), np.eye(4))
    # The Hessian of log|det| is -(A^-T)_{il} (A^-T)_{kj}, one pass, both modes.
    m = tf.constant(a)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(m)
        with tf.GradientTape() as inner:
            inner.watch(m)
            y = tf.linalg.logdet(m)
        g = inner.gradient(y, m)
    expected = -np.einsum("li,jk->ijkl", inverse, inverse)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(outer.jacobian(g, m, mode=mode).numpy(), expected,
                                   rtol=1e-9, atol=1e-10)


def test_linalg_at_singular_matrices() -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert float(tf.linalg.det(singular)) == 0.0
    # Exact where the zero pivot is the last one: d det = adj(A)^T.
    np.testing.assert_allclose(grad(tf.linalg.det, singular), [[4.0, -2.0], [-2.0, 1.0]])
    with pytest.raises(ValueError, match="inv: the input matrix is not invertible"):
        tf.linalg.inv(singular)
    with pytest.raises(ValueError, match="solve"):
        tf.linalg.solve(np.zeros((3, 3)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="square"):
        tf.linalg.det(np.ones((2, 3)))


EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("bxby->bxy", [(3, 2, 3, 4)]),
    ("ii->", [(4, 4)]), ("ii->i", [(4, 4)]), ("ij->ji", [(2, 3)]), ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(2,), (3,)]), ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("abc,cd->abd", [(2, 3, 4), (4, 2)]),
    ("ijk->", [(2, 3, 4)]), ("ij,kj->ik", [(3, 4), (2, 4)]), ("bij,bjk->bik", [(2, 3, 4),
                                                                              (2, 4, 2)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUMS)
def test_einsum_against_numpy_with_gradients(equation: str, shapes: list) -> None:
    operands = [RNG.standard_normal(shape) for shape in shapes]
    np.testing.assert_allclose(tf.einsum(equation, *operands).numpy(),
                               np.einsum(equation, *operands), rtol=1e-12, atol=1e-12)
    weights = RNG.standard_normal(np.einsum(equation, *operands).shape)
    first = tf.constant(operands[0])
    with tf.GradientTape() as tape:
        tape.watch(first)
        out = tf.reduce_sum(tf.linalg.einsum(equation, first, *operands[1:]) * weights)
    h = 1e-6
    numeric = np.zeros_like(operands[0])
    for index in np.ndindex(operands[0].shape):
        bump = np.zeros_like(operands[0])
        bump[index] = h
        numeric[index] = (np.sum(np.einsum(equation, operands[0] + bump, *operands[1:]) * weights)
                          - np.sum(np.einsum(equation, operands[0] - bump, *operands[1:])
                                   * weights)) / (2 * h)
    np.testing.assert_allclose(tape.gradient(out, first).numpy(), numeric, rtol=1e-6,
                               atol=1e-8)


def test_tensordot_and_global_norm() -> None:
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((3, 4, 5))
    np.testing.assert_allclose(tf.tensordot(a, b, 2).numpy(), np.tensordot(a, b, 2))
    np.testing.assert_allclose(tf.tensordot(a, b, [[1], [0]]).numpy(),
                               np.tensordot(a, b, [[1], [0]]))
    assert float(tf.linalg.global_norm([np.ones(3), None, 2 * np.ones(2)])) == pytest.approx(
        np.sqrt(11.0))


# -- clip_by_norm, clip_by_global_norm, pad ------------------------------------------------

def test_clip_by_norm() -> None:
    t = tf.constant([3.0, 4.0])
    np.testing.assert_allclose(tf.clip_by_norm(t, 1.0).numpy(), [0.6, 0.8])
    np.testing.assert_array_equal(tf.clip_by_norm(t, 10.0).numpy(), [3.0, 4.0])
    rows = tf.clip_by_norm(tf.constant([[3.0, 4.0], [0.3, 0.4]]), 1.0, axes=[1]).numpy()
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.3, 0.4]])
    # Differentiable everywhere, 0 included.
    np.testing.assert_array_equal(grad(lambda x: tf.reduce_sum(tf.clip_by_norm(x, 1.0)),
                                       [0.0, 0.0]), [1.0, 1.0])
    clipped, norm = tf.clip_by_global_norm([t, None, tf.constant([12.0])], 6.5)
    assert float(norm) == 13.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 2.0])


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_against_numpy(mode: str) -> None:
    x = RNG.standard_normal((3, 4))
    widths = [[1, 2], [2, 1]]
    numpy_mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}[mode]
    expected = np.pad(x, widths, mode=numpy_mode, **({"constant_values": -2.0}
                                                     if mode == "CONSTANT" else {}))
    np.testing.assert_array_equal(
        tf.pad(x, widths, mode=mode, constant_values=-2.0).numpy(), expected)
    # The gradient counts how often each entry appears.
    counts = np.zeros_like(x)
    index = np.pad(np.arange(12.0).reshape(3, 4), widths, mode=numpy_mode,
                   **({"constant_values": -1} if mode == "CONSTANT" else {}))
    for i in index.ravel():
        if i >= 0:
            counts.flat[int(i)] += 1
    np.testing.assert_array_equal(grad(lambda t: tf.reduce_sum(tf.pad(t, widths, mode=mode)),
                                       x), counts)
    with pytest.raises(ValueError):
        tf.pad(x, [[1, 1]])


# -- Module, function, TensorSpec, saved_model ------------------------------------------------

class Inner(tf.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = tf.Variable([1.0, 2.0], name="w")
        self.frozen = tf.Variable(0.5, trainable=False, name="frozen")


class Outer(tf.Module):
    def __init__(self) -> None:
        super().__init__(name="outer")
        self.layers = [Inner(), Inner()]
        self.b = tf.Variable(0.0, name="b")

    @tf.function
    def __call__(self, x: Any) -> Any:
        return tf.reduce_sum(self.layers[0].w * x) + self.b


def test_module_collects_its_variables() -> None:
    model = Outer()
    assert model.name == "outer" and Inner().name == "inner"
    assert len(model.variables) == 5 and len(model.trainable_variables) == 3
    assert model.trainable_variables[0] is model.b
    assert len(model.submodules) == 2
    with tf.GradientTape() as tape:
        y = model(tf.constant([3.0, 4.0]))
    grads = tape.gradient(y, model.trainable_variables)
    assert float(grads[0]) == 1.0 and grads[1].numpy().tolist() == [3.0, 4.0]
    assert grads[2] is None


def test_function_and_tensorspec() -> None:
    def f(x: Any) -> Any:
        return x * 2

    assert tf.function(f) is f
    assert tf.function(input_signature=[tf.TensorSpec([None, 3])])(f) is f
    spec = tf.TensorSpec([None, 3], tf.float64, name="x")
    assert spec.shape == (None, 3) and spec.dtype == np.float64 and spec.name == "x"
    assert spec == tf.TensorSpec((None, 3), "float64", "x")
    assert tf.TensorSpec(None).shape is None


def test_saved_model_round_trip(tmp_path: Any) -> None:
    model = Outer()
    model.b.assign(1.5)
    tf.saved_model.save(model, str(tmp_path / "m"))
    loaded = tf.saved_model.load(str(tmp_path / "m"))
    assert isinstance(loaded, Outer) and loaded.b is not model.b
    assert float(loaded.b) == 1.5 and loaded.b.name == "b:0"
    assert loaded.b._id != model.b._id  # a new variable, which tapes tell apart
    assert not loaded.layers[0].frozen.trainable
    with tf.GradientTape() as tape:
        y = loaded(tf.constant([1.0, 1.0]))
    assert float(y) == 4.5 and float(tape.gradient(y, loaded.b)) == 1.0
    with pytest.raises(OSError):
        tf.saved_model.load(str(tmp_path / "nothing"))


# -- import adcli stays light and polite ---------------------------------------------------

def test_namespaces_keep_import_light_and_star_import_polite() -> None:
    code = ("import sys, math, random\n"
            "import adcli as tf\n"
            "print('adcli.saved_model' in sys.modules)\n"
            "from adcli import *\n"
            "print(math.pi > 3, random.random() < 1, nn.relu is tf.nn.relu)\n"
            "tf.saved_model\n"
            "print('adcli.saved_model' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "True", "True", "True"]


def test_the_language_does_not_gain_the_namespaces_names() -> None:
    from adcli.lang import builtins

    names = set(builtins.all_names())
    for name in ("einsum", "pad", "clip_by_norm", "softmax", "det", "normal"):
        assert name not in names
