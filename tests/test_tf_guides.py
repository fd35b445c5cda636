"""The APIs of TensorFlow's autodiff guides, exercised on `import adcli as tf` in our own tests.

TensorFlow's guides "Introduction to gradients and automatic differentiation" and
"Advanced automatic differentiation" use a set of calls through `import tensorflow as
tf`: GradientTape and its options (persistent, watch_accessed_variables), watch,
watched_variables, stop_recording, reset, gradients of targets and sources in nested
structures, unconnected_gradients and tf.UnconnectedGradients, Python control flow on
tensors, custom_gradient with clip_by_norm (also through tf.Module, tf.function and
tf.saved_model), nested tapes, Hessians and a Newton step with tf.linalg, jacobian and
batch_jacobian (with their keywords), and names from tf.nn, tf.random, tf.math and
tf.linalg. The tests below check each of those behaviours with scenarios of our own;
every expected value comes from a closed form (or numpy) worked out in the test, and
printed tensors are compared with adcli's own repr (`adcli.Tensor`, float64 by default).

Keras, plotting, tf.data and tf.image are outside adcli; a small tf.Module (`Affine`)
plays the part of a trainable layer. The forward-mode Hessian-vector product
(tf.autodiff.ForwardAccumulator over a GradientTape) is checked at the end.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import adcli as tf


@pytest.fixture(autouse=True)
def _fixed_seed() -> None:
    tf.random.set_seed(20250101)


def _sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


class Affine(tf.Module):
    """act(inputs @ weights + offset), its variables drawn with tf.random.uniform."""

    def __init__(self, n_in: int, n_out: int, act: Any = None, dtype: Any = tf.float64) -> None:
        super().__init__(name="affine")
        bound = 1.0 / math.sqrt(n_in)
        self.weights = tf.Variable(tf.random.uniform((n_in, n_out), -bound, bound, dtype=dtype),
                                   name="affine/weights")
        self.offset = tf.Variable(tf.zeros(n_out, dtype=dtype), name="affine/offset")
        self.act = act

    def __call__(self, inputs: Any) -> Any:
        z = tf.convert_to_tensor(inputs) @ self.weights + self.offset
        return z if self.act is None else self.act(z)


# == first derivatives with one tape ======================================================

def test_gradient_of_a_polynomial_at_a_variable() -> None:
    t = tf.Variable(-2.0)
    with tf.GradientTape() as tape:
        p = t**3 - 4.0 * t + 1.0
    slope = tape.gradient(p, t)
    assert float(slope) == 3 * (-2.0) ** 2 - 4.0  # p' = 3t^2 - 4
    assert isinstance(slope, tf.Tensor) and slope.shape == ()


def test_gradients_print_with_adcli_reprs() -> None:
    t = tf.Variable(1.5, name="t")
    with tf.GradientTape() as tape:
        q = 4.0 * t
    slope = tape.gradient(q, t)
    assert str(slope) == "adcli.Tensor(4.0, shape=(), dtype=float64)"
    assert repr(slope) == "<adcli.Tensor: shape=(), dtype=float64, numpy=4.0>"
    assert repr(t) == "<adcli.Variable 't:0' shape=() dtype=float64, numpy=1.5>"


def test_watching_a_constant_makes_it_differentiable() -> None:
    c = tf.constant(0.25)
    with tf.GradientTape() as tape:
        tape.watch(c)
        e = tf.math.exp(4.0 * c)
    assert float(tape.gradient(e, c)) == pytest.approx(4.0 * math.e, rel=1e-15)

    with tf.GradientTape() as unwatched:
        e = tf.math.exp(4.0 * c)
    assert unwatched.gradient(e, c) is None


def test_sources_in_lists_and_dicts_get_gradients_in_the_same_structure() -> None:
    # float32 parameters from tf.random, inputs as a plain nested list.
    coef = tf.Variable(tf.random.normal((4, 3)), name="coef")
    shift = tf.Variable(tf.zeros(3, dtype=tf.float32), name="shift")
    rows = [[0.5, -1.0, 2.0, 0.0], [1.0, 1.0, -0.5, 3.0]]
    with tf.GradientTape(persistent=True) as tape:
        pred = rows @ coef + shift
        cost = tf.reduce_mean(pred**2)

    as_list = tape.gradient(cost, [coef, shift])
    as_dict = tape.gradient(cost, {"coef": coef, "shift": shift})
    nested = tape.gradient(cost, {"params": [coef, (shift,)]})

    # cost = sum(pred^2) / 6, so d cost / d pred = pred / 3.
    d_pred = pred.numpy() / 3.0
    np.testing.assert_allclose(as_list[0].numpy(), np.array(rows).T @ d_pred, rtol=1e-5)
    np.testing.assert_allclose(as_list[1].numpy(), d_pred.sum(axis=0), rtol=1e-5)
    assert as_list[0].shape == coef.shape == (4, 3) and as_list[1].shape == (3,)
    assert set(as_dict) == {"coef", "shift"}
    np.testing.assert_array_equal(as_dict["coef"].numpy(), as_list[0].numpy())
    np.testing.assert_array_equal(nested["params"][1][0].numpy(), as_list[1].numpy())
    assert coef.dtype == np.float32 and shift.dtype == np.float32


def test_module_trainable_variables_get_matching_gradients() -> None:
    layer = Affine(3, 2, act=tf.nn.relu)
    batch = tf.constant([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]])
    with tf.GradientTape() as tape:
        cost = tf.reduce_sum(layer(batch) ** 2)
    variables = layer.trainable_variables
    grads = tape.gradient(cost, variables)

    z = batch.numpy() @ layer.weights.numpy()
    d_z = 2.0 * np.maximum(z, 0.0) * (z > 0)
    expected = {"affine/weights:0": batch.numpy().T @ d_z, "affine/offset:0": d_z.sum(axis=0)}
    assert sorted(v.name for v in variables) == sorted(expected)
    for var, g in zip(variables, grads, strict=True):
        assert g.shape == var.shape
        np.testing.assert_allclose(g.numpy(), expected[var.name], rtol=1e-12)


def test_tape_skips_frozen_variables_derived_tensors_and_constants() -> None:
    live = tf.Variable(1.5, name="live")
    frozen = tf.Variable(-2.0, name="frozen", trainable=False)
    derived = tf.Variable(0.5, name="base") * 2.0  # arithmetic on a Variable gives a Tensor
    fixed = tf.constant(4.0, name="fixed")
    with tf.GradientTape() as tape:
        out = live * frozen + derived**2 + fixed * live

    d_live, d_frozen, d_derived, d_fixed = tape.gradient(out, [live, frozen, derived, fixed])
    assert float(d_live) == -2.0 + 4.0
    assert d_frozen is None and d_derived is None and d_fixed is None
    assert type(derived).__name__ == "Tensor"
    assert [v.name for v in tape.watched_variables()] == ["live:0"]


def test_watch_accessed_variables_false_tracks_only_explicit_watches() -> None:
    ignored = tf.Variable(0.3)
    chosen = tf.Variable(-1.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(chosen)
        total = tf.reduce_sum(tf.math.cos(ignored) + tf.nn.softplus(chosen))
    got = tape.gradient(total, {"ignored": ignored, "chosen": chosen})
    assert got["ignored"] is None
    assert float(got["chosen"]) == pytest.approx(_sigmoid(-1.0), rel=1e-14)  # softplus' = sigmoid
    assert tape.watched_variables() == (chosen,)


def test_gradient_with_respect_to_an_intermediate_tensor() -> None:
    u = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(u)
        v = u + 1.0
        w = v**3
    assert float(tape.gradient(w, v)) == 3 * 3.0**2  # dw/dv = 3 v^2 at v = 3


def test_persistent_tape_answers_repeated_queries_and_plain_tape_refuses() -> None:
    pts = tf.constant([0.5, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(pts)
        grown = tf.math.exp(pts)
        weighted = grown * pts
    np.testing.assert_allclose(tape.gradient(weighted, pts).numpy(),
                               np.exp([0.5, 2.0]) * (1 + np.array([0.5, 2.0])), rtol=1e-15)
    np.testing.assert_allclose(tape.gradient(grown, pts).numpy(), np.exp([0.5, 2.0]), rtol=1e-15)
    del tape

    with tf.GradientTape() as once:
        once.watch(pts)
        grown = tf.math.exp(pts)
    once.gradient(grown, pts)
    with pytest.raises(RuntimeError, match="persistent"):
        once.gradient(grown, pts)


def test_several_targets_and_non_scalar_targets_are_summed() -> None:
    s = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        square = s * s
        inverse = 1.0 / s
        scaled = s * [1.0, -2.0, 5.0]
    assert float(tape.gradient(square, s)) == 6.0
    assert float(tape.gradient(inverse, s)) == pytest.approx(-1.0 / 9.0, rel=1e-15)
    both = tape.gradient({"square": square, "inverse": inverse}, s)
    assert float(both) == pytest.approx(6.0 - 1.0 / 9.0, rel=1e-15)
    assert float(tape.gradient([square, inverse], s)) == float(both)
    assert float(tape.gradient(scaled, s)) == 1.0 - 2.0 + 5.0


def test_elementwise_function_has_its_derivative_as_the_gradient() -> None:
    grid = tf.linspace(-3.0, 3.0, 13)
    with tf.GradientTape() as tape:
        tape.watch(grid)
        curve = tf.nn.tanh(grid)
    slope = tape.gradient(curve, grid)
    np.testing.assert_allclose(slope.numpy(), 1.0 - np.tanh(np.linspace(-3, 3, 13)) ** 2,
                               rtol=1e-13)
    assert float(tf.reduce_max(slope)) == 1.0  # at 0, a point of the grid


# == what the tape does not see ===========================================================

def test_python_branch_records_only_the_path_taken() -> None:
    switch = tf.constant(-0.5)
    left = tf.Variable(4.0)
    right = tf.Variable(4.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(switch)
        chosen = left * 3.0 if switch > 0.0 else right**2
    d_left, d_right = tape.gradient(chosen, [left, right])
    assert d_left is None and float(d_right) == 8.0
    assert tape.gradient(chosen, switch) is None  # the comparison has no gradient


def test_source_the_target_never_used_gets_none() -> None:
    used = tf.Variable(1.0)
    unused = tf.Variable(5.0)
    with tf.GradientTape() as tape:
        out = tf.math.sin(used)
    assert tape.gradient(out, unused) is None


def test_rebinding_a_variable_name_to_a_tensor_loses_the_gradient() -> None:
    counter = tf.Variable(0.0)
    seen = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            out = 2.0 * counter
        seen.append((type(counter).__name__, tape.gradient(out, counter)))
        counter = counter + 1.0  # a Tensor from now on; assign_add would keep the Variable
    assert seen[0][0] == "Variable" and float(seen[0][1]) == 2.0
    assert seen[1] == ("Tensor", None)

    kept = tf.Variable(0.0)
    for _ in range(2):
        with tf.GradientTape() as tape:
            out = 2.0 * kept
        assert float(tape.gradient(out, kept)) == 2.0
        kept.assign_add(1.0)
    assert float(kept) == 2.0


def test_a_detour_through_numpy_disconnects_the_tape() -> None:
    grid = tf.Variable([[1.0, -1.0], [2.0, 0.5]], dtype=tf.float32)
    with tf.GradientTape() as tape:
        cubed = grid**3
        row_means = np.mean(cubed, axis=1)  # numpy computes this: the tape cannot follow it
        out = tf.reduce_sum(row_means)
    assert grid.dtype == np.float32 and isinstance(row_means, np.ndarray)
    assert float(out) == (1.0 - 1.0) / 2 + (8.0 + 0.125) / 2
    assert tape.gradient(out, grid) is None


def test_integer_tensors_warn_when_watched_and_have_no_gradient() -> None:
    count = tf.constant(7)
    with pytest.warns(UserWarning, match="not a float"):
        with tf.GradientTape() as tape:
            tape.watch(count)
            doubled = count + count
    assert tape.gradient(doubled, count) is None


def test_assignment_inside_the_tape_is_not_differentiated() -> None:
    step = tf.Variable(2.0)
    acc = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        acc.assign_add(step)
        out = acc * acc
    assert float(acc) == 3.0
    assert tape.gradient(out, step) is None
    assert float(tape.gradient(out, acc)) == 6.0


def test_unconnected_gradients_zero_gives_zeros_of_the_source_shape() -> None:
    target_of = tf.Variable(2.0)
    other = tf.Variable([1.0, -1.0, 0.0])
    with tf.GradientTape() as tape:
        out = target_of**2
    filled = tape.gradient(out, other, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert str(filled) == "adcli.Tensor([0. 0. 0.], shape=(3,), dtype=float64)"


# == steering the recording ===============================================================

def test_stop_recording_hides_the_operations_inside_it() -> None:
    a = tf.Variable(3.0)
    b = tf.Variable(-1.0)
    with tf.GradientTape() as tape:
        a_part = 5.0 * a
        with tape.stop_recording():
            b_part = b**3
        out = a_part * b_part
    got = tape.gradient(out, {"a": a, "b": b})
    assert float(got["a"]) == 5.0 * (-1.0) ** 3  # b_part is a constant to the tape
    assert got["b"] is None


def test_reset_forgets_what_was_recorded_before_it() -> None:
    a = tf.Variable(3.0)
    b = tf.Variable(-1.0)
    with tf.GradientTape() as tape:
        early = b * 10.0
        tape.reset()
        out = a * a + early
    got = tape.gradient(out, {"a": a, "b": b})
    assert float(got["a"]) == 6.0 and got["b"] is None


def test_stop_gradient_treats_its_input_as_a_constant() -> None:
    a = tf.Variable(3.0)
    b = tf.Variable(-1.0)
    with tf.GradientTape() as tape:
        out = a * tf.stop_gradient(a * b) + b
    got = tape.gradient(out, [a, b])
    assert float(got[0]) == 3.0 * -1.0  # d/da of a * const, const = a b
    assert float(got[1]) == 1.0


# == custom gradients =====================================================================

@tf.custom_gradient
def bounded_backward(values: Any) -> Any:
    """Identity going forward; going back, the incoming gradient is scaled to norm <= 1."""

    def backward(upstream: Any) -> Any:
        return tf.clip_by_norm(upstream, 1.0)

    return values, backward


class BoundedGradient(tf.Module):
    """A module whose one traced method applies bounded_backward (module level, so that
    tf.saved_model can save it by reference)."""

    @tf.function(input_signature=[tf.TensorSpec(None)])
    def apply(self, values: Any) -> Any:
        return bounded_backward(values)


def test_custom_gradient_clips_the_backward_pass_only() -> None:
    v = tf.Variable([3.0, 4.0])
    with tf.GradientTape() as tape:
        passed = bounded_backward(2.0 * v)
        out = tf.reduce_sum(passed * tf.constant([3.0, 4.0]))
    np.testing.assert_array_equal(passed.numpy(), [6.0, 8.0])  # unchanged going forward
    # upstream [3, 4] has norm 5: clipped to [0.6, 0.8], then times d(2v)/dv = 2.
    np.testing.assert_allclose(tape.gradient(out, v).numpy(), [1.2, 1.6], rtol=1e-15)

    small = tf.Variable(0.25)
    with tf.GradientTape() as tape:
        out = bounded_backward(small * small)
    assert float(tape.gradient(out, small)) == 0.5  # |upstream| = 1: nothing to clip


def test_custom_gradient_survives_a_saved_model_round_trip(tmp_path: Any) -> None:
    where = str(tmp_path / "bounded")
    tf.saved_model.save(BoundedGradient(), where,
                        options=tf.saved_model.SaveOptions(experimental_custom_gradients=True))
    restored = tf.saved_model.load(where)
    assert isinstance(restored, BoundedGradient)

    r = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        out = restored.apply(r**2) * 7.0
    # upstream 7 clipped to 1, times d(r^2)/dr = 6.
    assert float(tape.gradient(out, r)) == 6.0


# == several tapes ========================================================================

def test_concurrent_tapes_each_see_only_their_watched_tensors() -> None:
    angle = tf.constant(math.pi / 3)
    logit = tf.constant(0.0)
    with tf.GradientTape(persistent=True) as by_angle, \
            tf.GradientTape(persistent=True) as by_logit:
        by_angle.watch(angle)
        by_logit.watch(logit)
        total = tf.reduce_sum(tf.math.sin(angle) + tf.nn.sigmoid(logit))
    assert float(by_angle.gradient(total, angle)) == pytest.approx(0.5, rel=1e-15)
    assert float(by_logit.gradient(total, logit)) == 0.25
    assert by_angle.gradient(total, logit) is None
    assert by_logit.gradient(total, angle) is None


def test_nested_tapes_give_second_and_third_derivatives() -> None:
    r = tf.Variable(2.0)
    with tf.GradientTape() as third:
        with tf.GradientTape() as second:
            with tf.GradientTape() as first:
                quartic = r**4
            d1 = first.gradient(quartic, r)
        d2 = second.gradient(d1, r)
    d3 = third.gradient(d2, r)
    assert (float(d1), float(d2), float(d3)) == (4 * 2.0**3, 12 * 2.0**2, 24 * 2.0)


def test_gradient_of_an_input_gradient_norm_with_respect_to_parameters() -> None:
    layer = Affine(3, 4, act=tf.nn.tanh)
    layer.offset.assign([0.1, -0.2, 0.3, 0.0])
    inputs = tf.constant([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])

    def penalty(w: np.ndarray, c: np.ndarray) -> float:
        h = np.tanh(inputs.numpy() @ w + c)
        return float(np.linalg.norm((2 * h * (1 - h**2)) @ w.T))

    with tf.GradientTape() as outer:
        with tf.GradientTape(watch_accessed_variables=False) as inner:
            inner.watch(inputs)
            energy = tf.reduce_sum(layer(inputs) ** 2)
        input_grad = inner.gradient(energy, inputs)
        size = tf.norm(input_grad)
    assert inner.watched_variables() == ()
    grads = outer.gradient(size, layer.trainable_variables)

    w0, c0 = layer.weights.numpy(), layer.offset.numpy()
    assert float(size) == pytest.approx(penalty(w0, c0), rel=1e-12)
    h = 1e-6
    for var, g in zip(layer.trainable_variables, grads, strict=True):
        assert g.shape == var.shape
        numeric = np.zeros(var.shape)
        for idx in np.ndindex(var.shape):
            bump = np.zeros(var.shape)
            bump[idx] = h
            if var is layer.weights:
                hi, lo = penalty(w0 + bump, c0), penalty(w0 - bump, c0)
            else:
                hi, lo = penalty(w0, c0 + bump), penalty(w0, c0 - bump)
            numeric[idx] = (hi - lo) / (2 * h)
        np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-6, atol=1e-8)


# == Jacobians and Hessians ===============================================================

def test_jacobian_of_a_vector_by_a_scalar_variable() -> None:
    grid = tf.linspace(-2.0, 2.0, 9)
    gain = tf.Variable(1.5)
    with tf.GradientTape() as tape:
        response = tf.nn.sigmoid(grid * gain)
    jac = tape.jacobian(response, gain)
    assert response.shape == jac.shape == (9,)
    s = _sigmoid(1.5 * grid.numpy())
    np.testing.assert_allclose(jac.numpy(), s * (1 - s) * grid.numpy(), rtol=1e-13, atol=1e-16)


def test_jacobian_by_a_matrix_source_has_both_shapes_and_sums_to_the_gradient() -> None:
    feats = tf.constant([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0], [0.0, 0.0, 1.0], [2.0, 1.0, 1.0]])
    mix = tf.Variable(tf.random.uniform((3, 2), -1.0, 1.0, dtype=tf.float64))
    with tf.GradientTape(persistent=True) as tape:
        mixed = feats @ mix
    jac = tape.jacobian(mixed, mix)
    assert jac.shape == (4, 2, 3, 2)
    # d mixed[i, j] / d mix[k, l] = feats[i, k] when j == l.
    np.testing.assert_array_equal(jac.numpy(), np.einsum("ik,jl->ijkl", feats.numpy(), np.eye(2)))
    summed = tf.reduce_sum(jac, axis=[0, 1])
    grad = tape.gradient(mixed, mix)
    assert grad.shape == mix.shape
    assert float(tf.reduce_max(abs(grad - summed))) == 0.0


def test_hessian_from_nested_tapes_and_one_newton_step_to_the_ridge_solution() -> None:
    design = tf.constant([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0], [1.0, 1.0, 1.0], [2.0, -1.0, 0.0],
                          [0.5, 0.5, 0.5]])
    goal = tf.constant([[1.0, 0.0], [2.0, -1.0], [0.0, 1.0], [1.0, 1.0], [3.0, 0.0]])
    ridge = 0.1
    coef = tf.Variable(tf.random.normal((3, 2), dtype=tf.float64))

    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            resid = design @ coef - goal
            cost = 0.5 * tf.reduce_sum(resid**2) + 0.5 * ridge * tf.reduce_sum(coef**2)
        g = inner.gradient(cost, coef)
    hess = outer.jacobian(g, coef)
    assert hess.shape == (3, 2, 3, 2)

    size = tf.reduce_prod(coef.shape)
    assert int(size) == 6
    h_mat = tf.reshape(hess, [size, size])
    g_vec = tf.reshape(g, [size, 1])
    # The cost is quadratic: Hessian = (X^T X + ridge I) (x) I, on row-major flattening.
    gram = design.numpy().T @ design.numpy() + ridge * np.eye(3)
    np.testing.assert_allclose(h_mat.numpy(), np.kron(gram, tf.eye(2).numpy()), rtol=1e-12,
                               atol=1e-12)
    assert tf.linalg.det(h_mat).numpy() > 0

    step = tf.linalg.solve(h_mat, g_vec)
    coef.assign_sub(tf.reshape(step, coef.shape))
    # One Newton step on a quadratic lands on its minimum, the ridge regression solution.
    exact = np.linalg.solve(gram, design.numpy().T @ goal.numpy())
    np.testing.assert_allclose(coef.numpy(), exact, rtol=1e-10, atol=1e-12)


def _second_difference_net(width: int) -> tuple[Any, Any, Any]:
    """A row-wise network: each row is zero-padded, second-differenced and passed through
    elu, so rows never mix."""
    batch = tf.random.normal([3, width], dtype=tf.float64)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(batch)
        padded = tf.pad(batch, [[0, 0], [1, 1]], constant_values=0.0)
        curvature = padded[:, :-2] - 2.0 * padded[:, 1:-1] + padded[:, 2:]
        out = tf.nn.elu(curvature)
    return tape, batch, out


def test_batch_jacobian_is_the_diagonal_of_the_full_jacobian_when_rows_are_independent() -> None:
    tape, batch, out = _second_difference_net(5)
    full = tape.jacobian(out, batch)
    assert full.shape == (3, 5, 3, 5)
    # Rows do not mix: every block (b, :, b', :) with b != b' is zero.
    blocks = tf.transpose(full, [0, 2, 1, 3]).numpy()
    assert np.all(blocks[~np.eye(3, dtype=bool)] == 0.0)

    per_row = tape.batch_jacobian(out, batch)
    assert per_row.shape == (3, 5, 5)
    np.testing.assert_array_equal(per_row.numpy(), tf.einsum("bxby->bxy", full).numpy())
    np.testing.assert_array_equal(per_row.numpy(), tf.reduce_sum(full, axis=2).numpy())
    # Closed form: diag(elu'(curvature)) @ tridiag(1, -2, 1).
    padded = np.pad(batch.numpy(), [[0, 0], [1, 1]])
    pre = padded[:, :-2] - 2 * padded[:, 1:-1] + padded[:, 2:]
    elu_slope = np.where(pre > 0, 1.0, np.exp(np.minimum(pre, 0)))
    stencil = -2 * np.eye(5) + np.eye(5, k=1) + np.eye(5, k=-1)
    np.testing.assert_allclose(per_row.numpy(), elu_slope[:, :, None] * stencil[None],
                               rtol=1e-14)


def test_batch_jacobian_keeps_its_shape_when_normalizing_over_the_batch_mixes_rows() -> None:
    rows = tf.random.normal([4, 3], dtype=tf.float64)
    layer = Affine(3, 2, act=tf.nn.elu)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(rows)
        hidden = layer(rows)
        mean, var = tf.nn.moments(hidden, axes=[0])
        normed = (hidden - mean) / tf.sqrt(var + 1e-3)
    full = tape.jacobian(normed, rows)
    blocks = tf.transpose(full, [0, 2, 1, 3]).numpy()
    assert np.any(blocks[~np.eye(4, dtype=bool)] != 0.0)  # the rows now depend on each other
    per_row = tape.batch_jacobian(normed, rows)
    assert per_row.shape == (4, 2, 3)
    assert not np.allclose(per_row.numpy(), tf.einsum("bxby->bxy", full).numpy())


def test_jacobian_keywords_do_not_change_the_result() -> None:
    tape, batch, out = _second_difference_net(4)
    full = tape.jacobian(out, batch)
    for keywords in ({"experimental_use_pfor": False}, {"parallel_iterations": 2},
                     {"unconnected_gradients": tf.UnconnectedGradients.ZERO}):
        np.testing.assert_allclose(tape.jacobian(out, batch, **keywords).numpy(), full.numpy(),
                                   rtol=1e-14, atol=0)
    per_row = tape.batch_jacobian(out, batch)
    for keywords in ({"experimental_use_pfor": False}, {"parallel_iterations": 2},
                     {"unconnected_gradients": tf.UnconnectedGradients.NONE}):
        np.testing.assert_allclose(tape.batch_jacobian(out, batch, **keywords).numpy(),
                                   per_row.numpy(), rtol=1e-14, atol=0)


def test_unconnected_gradients_enum_and_strings_are_interchangeable() -> None:
    lonely = tf.Variable([1.0, 2.0, 3.0])
    busy = tf.Variable(-4.0)
    with tf.GradientTape(persistent=True) as tape:
        out = tf.math.abs(busy)
    assert tape.gradient(out, lonely, unconnected_gradients=tf.UnconnectedGradients.NONE) is None
    assert tape.gradient(out, lonely, unconnected_gradients="none") is None
    zero_jac = tape.jacobian(out, lonely, unconnected_gradients="zero")
    np.testing.assert_array_equal(zero_jac.numpy(), np.zeros(3))
    assert tf.UnconnectedGradients.ZERO == "zero" and tf.UnconnectedGradients.NONE == "none"
    assert tf.UnconnectedGradients("zero") is tf.UnconnectedGradients.ZERO
    assert repr(tf.UnconnectedGradients.NONE) == "<UnconnectedGradients.NONE: 'none'>"


@pytest.mark.skipif(not hasattr(getattr(tf, "autodiff", None), "ForwardAccumulator"),
                    reason="tf.autodiff.ForwardAccumulator is not there")
def test_forward_over_reverse_hessian_vector_product() -> None:
    # f(x) = x^T M x / 2 + sum(x^4) / 4, so Hessian(x) = (M + M^T) / 2 + diag(3 x^2).
    m = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, -1.0], [1.0, 0.0, 1.0]])
    point = tf.Variable([1.0, -0.5, 2.0])
    direction = tf.constant([0.5, 1.0, -1.0])
    with tf.autodiff.ForwardAccumulator(point, direction) as acc:
        with tf.GradientTape() as tape:
            quad = 0.5 * tf.reduce_sum(point * tf.linalg.matvec(tf.constant(m), point))
            f = quad + 0.25 * tf.reduce_sum(point**4)
        g = tape.gradient(f, point)
    x, v = point.numpy(), direction.numpy()
    hessian = 0.5 * (m + m.T) + np.diag(3 * x**2)
    np.testing.assert_allclose(acc.jvp(g).numpy(), hessian @ v, rtol=1e-14)
