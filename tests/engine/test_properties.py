"""Property tests of the gradient tape with hypothesis (deterministic: derandomized).

Properties that hold for any input: the gradient of random elementwise
compositions agrees with finite differences; the gradient is linear in
output_gradients; each Jacobian row is the gradient with a one-hot output gradient;
an elementwise operation's Jacobian is diagonal; broadcasting gradients have their
input's shape and sum the broadcast gradient; a second derivative by nested tapes
equals the one a persistent tape computes inside its own context.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import adcli as tf

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True, database=None)

# Smooth elementwise functions defined on all of [-2, 2], with their derivatives.
ELEMENTWISE = {
    "sin": (tf.sin, np.cos),
    "cos": (tf.cos, lambda x: -np.sin(x)),
    "exp": (tf.exp, np.exp),
    "tanh": (tf.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
    "sigmoid": (tf.sigmoid, lambda x: np.exp(-x) / (1.0 + np.exp(-x)) ** 2),
    "softplus": (tf.softplus, lambda x: 1.0 / (1.0 + np.exp(-x))),
    "atan": (tf.atan, lambda x: 1.0 / (1.0 + x * x)),
    "asinh": (tf.asinh, lambda x: 1.0 / np.sqrt(1.0 + x * x)),
    "square": (tf.square, lambda x: 2.0 * x),
    "cube": (lambda x: x ** 3, lambda x: 3.0 * x * x),
    "erf": (tf.erf, lambda x: 2.0 / np.sqrt(np.pi) * np.exp(-x * x)),
}
NAMES = sorted(ELEMENTWISE)
# Bounded functions with bounded derivatives: compositions of them cannot overflow.
BOUNDED = ["asinh", "atan", "cos", "erf", "sigmoid", "sin", "softplus", "tanh"]

floats = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4)


def arrays(shape):
    return hnp.arrays(np.float64, shape, elements=floats)


def vectors(min_size=1, max_size=5):
    return st.integers(min_size, max_size).flatmap(lambda n: arrays((n,)))


def compose(names, x):
    for name in names:
        x = ELEMENTWISE[name][0](x)
    return x


def compose_derivative(names, x):
    """The chain rule on numpy values: d/dx f_k(...f_1(x))."""
    derivative = np.ones_like(x)
    for name in names:
        derivative = derivative * ELEMENTWISE[name][1](x)
        x = ELEMENTWISE[name][0](tf.constant(x)).numpy()
    return derivative


# Any function first (its values stay below 8 on [-2, 2]), then bounded ones.
compositions = st.builds(lambda first, rest: [first, *rest], st.sampled_from(NAMES),
                         st.lists(st.sampled_from(BOUNDED), max_size=3))


def gradient(f, x, output_gradients=None):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x, output_gradients=output_gradients).numpy()


@SETTINGS
@given(compositions, shapes.flatmap(arrays))
def test_gradient_of_the_sum_of_a_composition_matches_finite_differences(names, x) -> None:
    ad = gradient(lambda t: tf.reduce_sum(compose(names, t)), x)

    def central(h):
        return (compose(names, tf.constant(x + h)).numpy()
                - compose(names, tf.constant(x - h)).numpy()) / (2 * h)

    fd = (4.0 * central(5e-4) - central(1e-3)) / 3.0      # Richardson: error O(h^4)
    np.testing.assert_allclose(ad, fd, rtol=1e-6, atol=1e-8)


@SETTINGS
@given(compositions, shapes.flatmap(arrays))
def test_gradient_of_a_composition_is_the_chain_rule(names, x) -> None:
    np.testing.assert_allclose(gradient(lambda t: compose(names, t), x),
                               compose_derivative(names, x), rtol=1e-12, atol=1e-14)


@SETTINGS
@given(st.sampled_from(NAMES), vectors(2, 5).flatmap(
    lambda x: st.tuples(st.just(x), arrays(x.shape), arrays(x.shape), floats)))
def test_gradient_is_linear_in_output_gradients(name, data) -> None:
    x, u, v, a = data
    f = ELEMENTWISE[name][0]
    combined = gradient(f, x, tf.constant(a * u + v))
    separate = a * gradient(f, x, tf.constant(u)) + gradient(f, x, tf.constant(v))
    np.testing.assert_allclose(combined, separate, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(vectors(1, 4), st.sampled_from(NAMES))
def test_jacobian_rows_are_gradients_with_one_hot_output_gradients(x, name) -> None:
    f = ELEMENTWISE[name][0]

    def mixed(t):
        return tf.stack([tf.reduce_sum(f(t) * t), tf.reduce_prod(t), f(t)[0] * t[-1]])

    xt = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        y = mixed(xt)
    jacobian = tape.jacobian(y, xt).numpy()
    assert jacobian.shape == (3, x.size)
    for row in range(3):
        onehot = tf.constant(np.eye(3)[row])
        np.testing.assert_array_equal(jacobian[row],
                                      tape.gradient(y, xt, output_gradients=onehot).numpy())


@SETTINGS
@given(vectors(1, 5), st.sampled_from(NAMES))
def test_jacobian_of_an_elementwise_operation_is_diagonal(x, name) -> None:
    f, derivative = ELEMENTWISE[name]
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = f(xt)
    jacobian = tape.jacobian(y, xt).numpy()
    np.testing.assert_array_equal(jacobian, np.diag(np.diag(jacobian)))
    np.testing.assert_allclose(np.diag(jacobian), derivative(x), rtol=1e-12, atol=1e-14)


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3).flatmap(
    lambda s: st.tuples(arrays(s.input_shapes[0]), arrays(s.input_shapes[1]))))
def test_broadcast_gradients_have_their_inputs_shapes_and_sum_the_broadcast(pair) -> None:
    a, b = tf.constant(pair[0]), tf.constant(pair[1])
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = a * b
    da, db = tape.gradient(y, [a, b])
    assert (da.shape, db.shape) == (a.shape, b.shape)
    full_a, full_b = np.broadcast_arrays(pair[0], pair[1])
    np.testing.assert_allclose(np.sum(da.numpy()), np.sum(full_b), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.sum(db.numpy()), np.sum(full_a), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(st.sampled_from(NAMES), floats)
def test_nested_tapes_and_a_persistent_tape_agree_on_second_derivatives(name, x0) -> None:
    f = ELEMENTWISE[name][0]
    x = tf.constant(x0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy = inner.gradient(y, x)
    nested = outer.gradient(dy, x).numpy()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = f(x)
        dy = tape.gradient(y, x)
    assert tape.gradient(dy, x).numpy() == nested
