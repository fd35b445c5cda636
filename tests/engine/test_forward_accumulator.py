"""tf.autodiff.ForwardAccumulator: Jacobian-vector products, alone and nested with tapes.

TensorFlow's documented examples (tensorflow/python/eager/forwardprop.py) with their
printed values, then Hessian-vector products both ways (forward-over-backward and
backward-over-forward) against the tape's Hessian and finite differences, and the
accumulator's edges: structures, unconnected tensors, errors, custom gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import adcli as tf


def test_forward_over_backward_is_tensorflows_hessian_vector_product() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(v, tf.constant([1.0, 0.0])) as acc:
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(v ** 3.0)
        backward = tape.gradient(y, v)
    np.testing.assert_array_equal(backward.numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(acc.jvp(backward).numpy(), [6.0, 0.0])


def test_nested_accumulators_take_higher_order_jvps_from_the_outer_one() -> None:
    primal = tf.constant(1.1)
    with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.0)) as outer:
        with tf.autodiff.ForwardAccumulator(primal, tf.constant(1.0)) as inner:
            primal_out = primal ** tf.constant(3.5)
    inner_jvp = inner.jvp(primal_out)
    assert float(inner_jvp) == pytest.approx(3.5 * 1.1 ** 2.5, rel=1e-15)  # 4.4417057
    assert float(outer.jvp(inner_jvp)) == pytest.approx(3.5 * 2.5 * 1.1 ** 1.5, rel=1e-15)
    # The inner accumulator does not see the outer one's tangents.
    assert inner.jvp(outer.jvp(primal_out)) is None


def test_forward_jvps_are_the_columns_of_the_gradient_of_a_linear_regression() -> None:
    x = tf.constant([[2.0, 3.0], [1.0, 4.0]])
    targets = tf.constant([[1.0], [-1.0]])
    kernel = tf.Variable([[0.5], [-0.3]])
    bias = tf.Variable([0.1])

    def loss_fn() -> Any:
        return tf.reduce_sum((tf.matmul(x, kernel) + bias - targets) ** 2.0)

    kernel_fprop = []
    for column in ([[1.0], [0.0]], [[0.0], [1.0]]):
        with tf.autodiff.ForwardAccumulator(kernel, tf.constant(column)) as acc:
            kernel_fprop.append(acc.jvp(loss_fn()))
    with tf.autodiff.ForwardAccumulator(bias, tf.constant([1.0])) as acc:
        bias_fprop = acc.jvp(loss_fn())
    with tf.GradientTape() as tape:
        loss = loss_fn()
    kernel_grad, bias_grad = tape.gradient(loss, (kernel, bias))
    np.testing.assert_allclose(kernel_grad.numpy(), tf.stack(kernel_fprop).numpy()[:, None])
    np.testing.assert_allclose(bias_grad.numpy(), bias_fprop.numpy()[None])


def _f(x: Any) -> Any:
    return tf.reduce_sum(tf.sin(x) * x) + tf.reduce_sum(x) ** 2 + tf.reduce_logsumexp(x * x)


X = np.array([0.3, -1.2, 0.8])
V = np.array([1.0, -0.5, 2.0])


def _tape_hessian() -> np.ndarray:
    x = tf.constant(X)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = _f(x)
        g = inner.gradient(y, x)
    return outer.jacobian(g, x, experimental_use_pfor=False).numpy()


def _gradient_at(point: np.ndarray) -> np.ndarray:
    x = tf.constant(point)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = _f(x)
    return tape.gradient(y, x).numpy()


def test_forward_over_backward_agrees_with_the_tape_hessian_and_differences() -> None:
    x = tf.constant(X)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(V)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = _f(x)
        g = tape.gradient(y, x)
    hvp = acc.jvp(g).numpy()
    np.testing.assert_allclose(hvp, _tape_hessian() @ V, rtol=1e-13)
    h = 1e-5
    difference = (_gradient_at(X + h * V) - _gradient_at(X - h * V)) / (2 * h)
    np.testing.assert_allclose(hvp, difference, rtol=1e-7)


def test_backward_over_forward_agrees_with_the_tape_hessian() -> None:
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.autodiff.ForwardAccumulator(x, tf.constant(V)) as acc:
            y = _f(x)
        jvp = acc.jvp(y)
    np.testing.assert_allclose(float(jvp), _gradient_at(X) @ V, rtol=1e-14)
    np.testing.assert_allclose(tape.gradient(jvp, x).numpy(), _tape_hessian() @ V, rtol=1e-13)


def test_a_tape_inside_an_accumulator_ignores_its_tangents() -> None:
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = x * x * x
    assert float(acc.jvp(y)) == 12.0
    assert tape.gradient(acc.jvp(y), x) is None


def test_jvps_follow_the_structure_of_primals_and_of_the_request() -> None:
    a, b = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator({"a": a, "b": [b]},
                                        {"a": [1.0, 1.0], "b": [2.0]}) as acc:
        y = a * b
        z = tf.reduce_sum(a) + b
    out = acc.jvp({"y": y, "rest": (z, a)})
    np.testing.assert_array_equal(out["y"].numpy(), [1.0 * 3.0 + 1.0 * 2.0, 3.0 + 2.0 * 2.0])
    assert float(out["rest"][0]) == 4.0
    np.testing.assert_array_equal(out["rest"][1].numpy(), [1.0, 1.0])  # a primal's tangent


def test_a_tensor_no_tangent_reached_has_none_or_zeros() -> None:
    x, other = tf.constant([1.0, 2.0]), tf.constant([[3.0]])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0])) as acc:
        unrelated = other * 2.0
        through_floor = tf.floor(x) * 3.0
        through_sign = tf.sign(x) * 3.0
    after = x * 2.0  # outside the context: not computed
    assert acc.jvp(unrelated) is None and acc.jvp(after) is None
    assert acc.jvp(through_floor) is None
    np.testing.assert_array_equal(acc.jvp(through_sign).numpy(), [0.0, 0.0])
    zeros = acc.jvp(unrelated, unconnected_gradients="zero")
    assert zeros.shape == (1, 1) and float(zeros[0, 0]) == 0.0


def test_bad_primals_and_tangents_are_value_errors() -> None:
    x = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="twice"):
        tf.autodiff.ForwardAccumulator([x, x], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="shape"):
        tf.autodiff.ForwardAccumulator(x, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="structure"):
        tf.autodiff.ForwardAccumulator([x], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="tensors or variables"):
        tf.autodiff.ForwardAccumulator(1.0, 1.0)
    with pytest.raises(ValueError, match="'none' or 'zero'"):
        tf.autodiff.ForwardAccumulator(x, [1.0, 0.0]).jvp(x, unconnected_gradients="sum")


def test_tangents_go_through_a_custom_gradient_transposed() -> None:
    @tf.custom_gradient
    def log1pexp(x: Any) -> Any:
        e = tf.exp(x)

        def grad(upstream: Any) -> Any:
            return upstream * (1 - 1 / (1 + e))

        return tf.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(2.0)) as acc:
        y = log1pexp(x)
    assert float(acc.jvp(y)) == 2.0


def test_a_batch_of_tangents_gives_a_batch_of_jvps() -> None:
    x = tf.constant([0.5, 1.5])
    with tf.autodiff.ForwardAccumulator._batch_accumulator(x, tf.eye(2)) as acc:
        y = tf.stack([x[0] * x[1], tf.sin(x[1])])
    np.testing.assert_allclose(acc.jvp(y).numpy(),
                               np.array([[1.5, 0.5], [0.0, np.cos(1.5)]]).T, rtol=1e-15)
