"""The engine's semantic rules (issue 2, section 2), one test each, with exact values.

Tensor basics, constants and variables, and every behaviour of GradientTape that
TensorFlow's tape has: watching, nested sources, output gradients, unconnected
gradients, Jacobians, stop_recording, reset, automatic watching of trainable
variables, persistence, re-entry, higher order by nesting, custom gradients, and
the reasons `explain` gives for a None gradient.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import adcli as tf


def grad_of(f, x, **tape_args):
    """d f(x) / dx for a watched constant x."""
    x = tf.constant(x)
    with tf.GradientTape(**tape_args) as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x)


# -- Tensor --------------------------------------------------------------------

def test_floats_default_to_float64() -> None:
    assert tf.constant(1.5).dtype == np.float64
    assert tf.constant([1.0, 2.0]).dtype == np.float64
    assert tf.ones((2,)).dtype == np.float64


def test_float32_integer_and_bool_dtypes_are_kept() -> None:
    assert tf.constant(1.5, dtype=tf.float32).dtype == np.float32
    assert (tf.constant(1.5, dtype=tf.float32) * 2.0).dtype == np.float32
    assert tf.constant([1, 2]).dtype == np.int64
    assert tf.constant(3, dtype=tf.int32).dtype == np.int32
    assert tf.constant(True).dtype == np.bool_


def test_numpy_shape_dtype_and_ndim() -> None:
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(t.numpy(), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.dtype == np.float64
    assert tf.constant(4.0).numpy() == 4.0
    assert tf.constant(4.0).shape == ()


def test_tensors_are_immutable_and_numpy_returns_a_copy() -> None:
    t = tf.constant([1.0, 2.0])
    t.numpy()[0] = 99.0
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    with pytest.raises(TypeError):
        t[0] = 5.0  # type: ignore[index]


def test_indexing_and_slicing_take_numpy_values() -> None:
    t = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t[1, 2].numpy() == 6.0
    np.testing.assert_array_equal(t[:, 1:].numpy(), [[2.0, 3.0], [5.0, 6.0]])
    np.testing.assert_array_equal(t[::-1, 0].numpy(), [4.0, 1.0])
    np.testing.assert_array_equal(t[0][[2, 2]].numpy(), [3.0, 3.0])


def test_indexing_and_slicing_are_differentiable() -> None:
    m = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape() as tape:
        tape.watch(m)
        y = m[0, 1] * m[1, 0] + tf.reduce_sum(m[:, 2:] * 10.0) + tf.reduce_sum(m[1][[0, 0]])
    np.testing.assert_array_equal(tape.gradient(y, m).numpy(),
                                  [[0.0, 4.0, 10.0], [2.0 + 2.0, 0.0, 10.0]])


@pytest.mark.parametrize("expression, expected", [
    (lambda a, b: a + b, 9.0), (lambda a, b: a - b, 5.0), (lambda a, b: a * b, 14.0),
    (lambda a, b: a / b, 3.5), (lambda a, b: a // b, 3.0), (lambda a, b: a % b, 1.0),
    (lambda a, b: a ** b, 49.0), (lambda a, b: -a, -7.0), (lambda a, b: abs(-a), 7.0),
    (lambda a, b: +a, 7.0), (lambda a, b: 2.0 - a, -5.0), (lambda a, b: 2.0 ** b, 4.0),
    (lambda a, b: 9.0 // a, 1.0), (lambda a, b: 9.0 % a, 2.0), (lambda a, b: 14.0 / a, 2.0),
    (lambda a, b: -7.0 % b, 1.0), (lambda a, b: a % -2.0, -1.0),
], ids=["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "neg", "abs", "pos",
        "rsub", "rpow", "rfloordiv", "rmod", "rtruediv", "mod-sign-of-divisor",
        "mod-negative-divisor"])
def test_python_operators_on_scalars(expression, expected) -> None:
    result = expression(tf.constant(7.0), tf.constant(2.0))
    assert isinstance(result, tf.Tensor)
    assert result.numpy() == expected


def test_matmul_operator_and_numpy_on_the_left() -> None:
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal((m @ m).numpy(), [[7.0, 10.0], [15.0, 22.0]])
    np.testing.assert_array_equal(([[1.0, 0.0], [0.0, 2.0]] @ m).numpy(),
                                  [[1.0, 2.0], [6.0, 8.0]])
    left = np.ones(2) * tf.constant(3.0)
    assert isinstance(left, tf.Tensor)
    np.testing.assert_array_equal(left.numpy(), [3.0, 3.0])


def test_comparisons_give_boolean_tensors() -> None:
    a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant(2.0)
    cases = {
        "<": (a < b, [True, False, False]), "<=": (a <= b, [True, True, False]),
        ">": (a > b, [False, False, True]), ">=": (a >= b, [False, True, True]),
        "==": (a == b, [False, True, False]), "!=": (a != b, [True, False, True]),
    }
    for result, expected in cases.values():
        assert isinstance(result, tf.Tensor)
        assert result.dtype == np.bool_
        np.testing.assert_array_equal(result.numpy(), expected)


def test_one_element_tensors_drive_python_control_flow() -> None:
    assert float(tf.constant(2.5)) == 2.5
    assert int(tf.constant(3.7)) == 3
    assert bool(tf.constant(0.0)) is False
    assert bool(tf.constant([[1.0]])) is True
    assert float(tf.constant([4.0])) == 4.0
    assert f"{tf.constant(math.pi):.3f}" == "3.142"
    x, steps = tf.constant(1.0), 0
    while x < 10.0:
        x, steps = x * 2.0, steps + 1
    assert steps == 4


@pytest.mark.parametrize("convert", [float, int, bool, lambda t: format(t, ".2f")],
                         ids=["float", "int", "bool", "format"])
def test_converting_a_bigger_tensor_to_a_python_value_raises_value_error(convert) -> None:
    with pytest.raises(ValueError, match="one-element"):
        convert(tf.constant([1.0, 2.0]))


def test_str_and_repr_follow_tensorflow_with_adclis_name() -> None:
    assert str(tf.constant(4.0)) == "adcli.Tensor(4.0, shape=(), dtype=float64)"
    assert repr(tf.constant(4.0)) == "<adcli.Tensor: shape=(), dtype=float64, numpy=4.0>"
    assert str(tf.constant([1.0, 2.0])) == "adcli.Tensor([1. 2.], shape=(2,), dtype=float64)"
    assert repr(tf.constant([1.0, 2.0])) == (
        "<adcli.Tensor: shape=(2,), dtype=float64, numpy=array([1., 2.])>")
    assert str(tf.constant([[1.0, 2.0], [3.0, 4.0]])) == (
        "adcli.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float64)")
    assert repr(tf.constant([1, 2], dtype=tf.int32)) == (
        "<adcli.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>")
    assert str(tf.constant(True)) == "adcli.Tensor(True, shape=(), dtype=bool)"
    assert format(tf.constant(4.0)) == "adcli.Tensor(4.0, shape=(), dtype=float64)"
    assert repr(tf.Variable(1.0)) == (
        "<adcli.Variable 'Variable:0' shape=() dtype=float64, numpy=1.0>")


# -- constant, convert_to_tensor, Variable, stop_gradient --------------------------

def test_constant_takes_dtype_and_shape() -> None:
    np.testing.assert_array_equal(tf.constant(2.0, shape=(2, 2)).numpy(), [[2.0, 2.0]] * 2)
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=(2, 2)).numpy(),
                                  [[1, 2], [3, 4]])
    assert tf.constant(1, dtype=tf.float32).numpy() == np.float32(1.0)


def test_convert_to_tensor_returns_a_tensor_unchanged() -> None:
    t = tf.constant(2.0)
    assert tf.convert_to_tensor(t) is t
    converted = tf.convert_to_tensor([1.0, 2.0])
    assert isinstance(converted, tf.Tensor)
    np.testing.assert_array_equal(converted.numpy(), [1.0, 2.0])
    assert tf.convert_to_tensor(t, dtype=tf.float32).dtype == np.float32


def test_variable_is_trainable_and_assignable() -> None:
    v = tf.Variable(1.0)
    assert v.trainable is True
    assert v.assign(5.0) is v
    assert v.numpy() == 5.0
    v.assign_add(2.0)
    assert v.numpy() == 7.0
    v.assign_sub(10.0)
    assert v.numpy() == -3.0
    with pytest.raises(ValueError):
        v.assign([1.0, 2.0])


def test_assigning_a_variable_does_not_change_tensors_read_from_it() -> None:
    v = tf.Variable([1.0, 2.0])
    read = v * 1.0
    v.assign([5.0, 6.0])
    np.testing.assert_array_equal(read.numpy(), [1.0, 2.0])


def test_non_trainable_variable_is_not_watched_automatically() -> None:
    frozen, live = tf.Variable(2.0, trainable=False), tf.Variable(3.0)
    assert frozen.trainable is False
    with tf.GradientTape() as tape:
        y = frozen * live
    assert tape.watched_variables() == (live,)
    d_frozen, d_live = tape.gradient(y, [frozen, live])
    assert d_frozen is None
    assert d_live.numpy() == 2.0


def test_stop_gradient_passes_the_value_and_blocks_the_gradient() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x * x)
    assert y.numpy() == 27.0
    assert tape.gradient(y, x).numpy() == 9.0


def test_enable_eager_execution_is_a_harmless_no_op() -> None:
    assert tf.enable_eager_execution() is None
    assert tf.executing_eagerly() is True
    assert grad_of(lambda x: x * x, 3.0).numpy() == 6.0


# -- GradientTape: watching ------------------------------------------------------

def test_unwatched_constant_has_no_gradient() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None


def test_watch_takes_tensors_variables_and_nested_structures() -> None:
    a, b, c, v = (tf.constant(1.0), tf.constant(2.0), tf.constant(3.0),
                  tf.Variable(4.0, trainable=False))
    with tf.GradientTape() as tape:
        tape.watch({"pair": (a, [b]), "c": c})
        tape.watch(v)
        y = a * b * c * v
    grads = tape.gradient(y, [a, b, c, v])
    assert [g.numpy() for g in grads] == [24.0, 12.0, 8.0, 6.0]


def test_watching_an_integer_tensor_warns_and_gives_none() -> None:
    i = tf.constant(3)
    with tf.GradientTape() as tape:
        with pytest.warns(UserWarning, match="int64"):
            tape.watch(i)
        y = i * 2
    assert tape.gradient(y, i) is None


def test_watching_a_non_tensor_raises_value_error() -> None:
    with tf.GradientTape() as tape:
        with pytest.raises(ValueError):
            tape.watch(3.0)
        with pytest.raises(ValueError):
            tape.watch([tf.constant(1.0), "x"])


def test_trainable_variables_are_watched_automatically() -> None:
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v).numpy() == 6.0


def test_trainable_variable_as_second_operand_is_watched() -> None:
    v, c = tf.Variable(3.0), tf.constant(4.0)
    with tf.GradientTape() as tape:
        y = c * v
    assert tape.gradient(y, v).numpy() == 4.0
    with tf.GradientTape() as tape:
        y = 5.0 * v
    assert tape.gradient(y, v).numpy() == 5.0


def test_every_trainable_variable_an_operation_reads_is_watched() -> None:
    v1, v2 = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape() as tape:
        y = v1 * v2
    assert tape.watched_variables() == (v1, v2)
    assert [g.numpy() for g in tape.gradient(y, [v1, v2])] == [5.0, 2.0]


def test_watch_accessed_variables_false_watches_only_what_is_watched() -> None:
    v1, v2 = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v2)
        y = v1 * v2
    assert tape.watched_variables() == (v2,)
    d1, d2 = tape.gradient(y, [v1, v2])
    assert d1 is None
    assert d2.numpy() == 2.0


def test_watched_variables_lists_variables_in_order_but_not_tensors() -> None:
    v1, v2, c = tf.Variable(1.0), tf.Variable(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(c)
        tape.watch(v2)
        _ = v1 + v2 + c
    assert tape.watched_variables() == (v2, v1)


# -- GradientTape: gradient ---------------------------------------------------------

def test_gradient_returns_the_structure_of_its_sources() -> None:
    a, b, c = tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b, c])
        y = a * 10.0 + b * 100.0 + c * 1000.0
    grads = tape.gradient(y, {"a": a, "rest": (b, [c])})
    assert set(grads) == {"a", "rest"}
    assert isinstance(grads["rest"], tuple) and isinstance(grads["rest"][1], list)
    assert grads["a"].numpy() == 10.0
    assert grads["rest"][0].numpy() == 100.0
    assert grads["rest"][1][0].numpy() == 1000.0


def test_output_gradients_weight_the_target() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(g.numpy(), [2.0, 40.0, 600.0])


def test_unconnected_gradients_none_or_zero() -> None:
    x, unused = tf.constant([1.0, 2.0]), tf.constant([[3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, unused])
        y = tf.reduce_sum(x * 2.0)
    assert tape.gradient(y, unused) is None
    assert tape.gradient(y, unused, unconnected_gradients="none") is None
    zero = tape.gradient(y, unused, unconnected_gradients="zero")
    np.testing.assert_array_equal(zero.numpy(), [[0.0, 0.0]])
    with pytest.raises(ValueError):
        tape.gradient(y, x, unconnected_gradients="nan")


def test_gradient_with_respect_to_an_intermediate_tensor() -> None:
    x = tf.ones((2, 2))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x)
        z = y * y
    assert tape.gradient(z, y).numpy() == 8.0
    np.testing.assert_array_equal(tape.gradient(z, x).numpy(), [[8.0, 8.0], [8.0, 8.0]])


def test_non_scalar_target_gives_the_gradient_of_its_sum() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0, 6.0])


def test_list_of_targets_gives_the_gradient_of_their_sum() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y1, y2 = x * x, x * x * x
    assert tape.gradient([y1, y2], x).numpy() == 6.0 + 27.0


def test_second_gradient_on_a_non_persistent_tape_raises_runtime_error() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, x).numpy() == 6.0
    with pytest.raises(RuntimeError):
        tape.gradient(y, x)


def test_persistent_tape_computes_many_gradients() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert tape.gradient(z, x).numpy() == 108.0
    assert tape.gradient(y, x).numpy() == 6.0
    assert tape.gradient(z, x).numpy() == 108.0


def test_re_entering_an_active_tape_raises_value_error() -> None:
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(ValueError):
            tape.__enter__()


def test_gradient_needs_a_target() -> None:
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
    with pytest.raises(TypeError):
        tape.gradient(None, x)


def test_accumulated_gradients_are_not_changed_by_later_contributions() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        a = x + 0.0                      # add hands its gradient on unchanged
        y = a + a * 2.0 + x * 5.0
    da, dx = tape.gradient(y, [a, x])
    np.testing.assert_array_equal(da.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(dx.numpy(), [8.0, 8.0])


def test_gradient_of_a_target_with_respect_to_itself_is_ones() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 3.0
    g = tape.gradient(y, y)
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])
    writable = g.numpy()
    writable[0] = 5.0
    assert writable[0] == 5.0


def test_a_tensor_times_itself_is_recorded_as_square() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert [prim.name for prim, *_ in tape._records] == ["square"]
    assert tape.gradient(y, x).numpy() == 6.0


def test_gradients_of_broadcasting_are_summed_to_each_input_shape() -> None:
    a = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b, s, col = tf.constant([10.0, 20.0, 30.0]), tf.constant(2.0), tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as tape:
        tape.watch([a, b, s, col])
        y = a * b * s + col
    da, db, ds, dcol = tape.gradient(y, [a, b, s, col])
    np.testing.assert_array_equal(da.numpy(), [[20.0, 40.0, 60.0]] * 2)
    np.testing.assert_array_equal(db.numpy(), [10.0, 14.0, 18.0])
    assert ds.numpy() == 460.0
    np.testing.assert_array_equal(dcol.numpy(), [[3.0], [3.0]])


def test_square_of_a_negative_number_never_takes_a_log() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            assert grad_of(lambda x: x ** 2, -1.0).numpy() == -2.0
            assert grad_of(lambda x: x ** 2.0, -1.0).numpy() == -2.0
            assert grad_of(lambda x: tf.pow(x, tf.constant(2.0)), -1.0).numpy() == -2.0


def test_pow_gradient_in_the_exponent_at_a_negative_base_is_zero_not_nan() -> None:
    x, y = tf.constant(-2.0), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = tf.pow(x, y)
    dx, dy = tape.gradient(z, [x, y])
    assert (dx.numpy(), dy.numpy()) == (-4.0, 0.0)


# -- GradientTape: jacobians, stop_recording, reset ------------------------------------

def test_jacobian_has_shape_target_by_source() -> None:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.stack([x[0] * x[1], x[2] * x[2]])
    j = tape.jacobian(y, x)
    assert j.shape == (2, 3)
    np.testing.assert_array_equal(j.numpy(), [[2.0, 1.0, 0.0], [0.0, 0.0, 6.0]])
    unused = tf.constant([1.0])
    tape.watch(unused)
    assert tape.jacobian(y, unused) is None
    np.testing.assert_array_equal(
        tape.jacobian(y, unused, unconnected_gradients="zero").numpy(), [[0.0], [0.0]])


def test_batch_jacobian_differentiates_each_batch_entry() -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stack([x[:, 0] * x[:, 1], x[:, 1] * x[:, 1], x[:, 0]], axis=1)
    j = tape.batch_jacobian(y, x)
    assert j.shape == (2, 3, 2)
    np.testing.assert_array_equal(j.numpy(), [[[2.0, 1.0], [0.0, 4.0], [1.0, 0.0]],
                                              [[4.0, 3.0], [0.0, 8.0], [1.0, 0.0]]])


def test_stop_recording_leaves_operations_off_the_tape() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            hidden = y * x
        shown = y * 2.0
    assert hidden.numpy() == 27.0
    assert tape.gradient(hidden, x) is None
    assert tape.gradient(shown, x).numpy() == 12.0


def test_stop_recording_outside_the_context_raises() -> None:
    tape = tf.GradientTape()
    with pytest.raises(ValueError):
        with tape.stop_recording():
            pass


def test_reset_forgets_what_was_recorded() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        before = x * x
        tape.reset()
        tape.watch(x)
        after = x * x * x
    assert tape.gradient(before, x) is None
    assert tape.gradient(after, x).numpy() == 27.0


def test_reset_forgets_watched_tensors() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        tape.reset()
        y = x * x
    assert tape.gradient(y, x) is None


# -- higher order ------------------------------------------------------------------------

def test_nested_tapes_to_depth_four_give_the_fourth_derivative_of_x_to_the_fifth() -> None:
    x = tf.constant(1.5)
    with tf.GradientTape() as t4:
        t4.watch(x)
        with tf.GradientTape() as t3:
            t3.watch(x)
            with tf.GradientTape() as t2:
                t2.watch(x)
                with tf.GradientTape() as t1:
                    t1.watch(x)
                    y = x ** 5
                d1 = t1.gradient(y, x)
            d2 = t2.gradient(d1, x)
        d3 = t3.gradient(d2, x)
    d4 = t4.gradient(d3, x)
    assert [d.numpy() for d in (d1, d2, d3, d4)] == [5 * 1.5 ** 4, 20 * 1.5 ** 3,
                                                     60 * 1.5 ** 2, 120 * 1.5]


def test_nested_tapes_give_the_fourth_derivative_of_sin() -> None:
    x = tf.constant(0.7)
    tapes = [tf.GradientTape() for _ in range(4)]
    for tape in tapes:
        tape.__enter__()
        tape.watch(x)
    d = tf.sin(x)
    derivatives = []
    for tape in reversed(tapes):
        tape.__exit__(None, None, None)
        d = tape.gradient(d, x)
        derivatives.append(d.numpy())
    assert derivatives == [math.cos(0.7), -math.sin(0.7), -math.cos(0.7), math.sin(0.7)]


def test_persistent_tape_records_its_own_backward_pass() -> None:
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x ** 3
        dy = tape.gradient(y, x)
        d2y = tape.gradient(dy, x)
    assert (dy.numpy(), d2y.numpy()) == (12.0, 12.0)
    assert tape.gradient(d2y, x).numpy() == 6.0


def test_gradient_outside_an_inner_tape_is_recorded_by_the_outer_tape() -> None:
    x = tf.Variable(1.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        dy = inner.gradient(y, x)
    assert (dy.numpy(), outer.gradient(dy, x).numpy()) == (3.0, 6.0)


def test_custom_gradient_replaces_the_rule() -> None:
    @tf.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return tf.clip_by_value(upstream, -1.0, 1.0)
        return tf.identity(x), grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = clipped_identity(x) * 5.0
    assert y.numpy() == 15.0
    assert tape.gradient(y, x).numpy() == 1.0


def test_custom_gradient_with_several_arguments() -> None:
    @tf.custom_gradient
    def product(a, b):
        def grad(upstream):
            return upstream * b * 10.0, upstream * a * 100.0
        return a * b, grad

    a, b = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = product(a, b)
    assert [g.numpy() for g in tape.gradient(y, [a, b])] == [30.0, 200.0]


def test_custom_gradient_can_be_differentiated_again() -> None:
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1.0 - 1.0 / (1.0 + tf.exp(x)))
        return tf.log(1.0 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = log1pexp(x)
        dy = inner.gradient(y, x)
    assert dy.numpy() == 1.0
    assert outer.gradient(dy, x).numpy() == pytest.approx(math.exp(-100.0), rel=1e-12)


# -- explain -------------------------------------------------------------------------

def test_explain_is_none_when_the_gradient_exists() -> None:
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.explain(y, x) is None


def test_explain_says_the_result_does_not_depend_on_the_source() -> None:
    x, z = tf.constant(2.0), tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch([x, z])
        y = z * 3.0
        _ = x * 2.0
    assert tape.explain(y, x) == "the result does not depend on it"


def test_explain_says_the_source_was_never_watched() -> None:
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.explain(y, x) == "the source was never watched by the tape"


@pytest.mark.parametrize("f, blocker", [
    (lambda x: tf.cast(x < 3.0, tf.float64), "less"),
    (lambda x: tf.floor(x) * 2.0, "floor"),
    (lambda x: tf.round(x), "round"),
    (lambda x: tf.cast(tf.cast(x, tf.int32), tf.float64), "cast"),
    (lambda x: tf.stop_gradient(x) * 2.0, "stop_gradient"),
    (lambda x: tf.where(x > 0.0, 1.0, -1.0), "greater"),
], ids=["comparison", "floor", "round", "integer-cast", "stop_gradient", "where-condition"])
def test_explain_names_the_non_differentiable_operation_in_between(f, blocker) -> None:
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        _ = tf.ceil(x) + tf.sign(x)          # other blockers elsewhere are not blamed
        y = f(x)
    assert tape.gradient(y, x) is None
    assert tape.explain(y, x) == (
        f"the result depends on it only through non-differentiable operations ({blocker})")


def test_a_variable_as_the_target_is_read_inside_the_tape_as_in_tensorflow():
    # TensorFlow's "Introduction to gradients" guide, control flow: the target is the
    # variable chosen by a Python `if`; its gradient with respect to itself is 1.
    x = tf.constant(1.0)
    v0, v1 = tf.Variable(2.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        result = v0 if x > 0.0 else v1 ** 2
    dv0, dv1 = tape.gradient(result, [v0, v1])
    assert float(dv0) == 1.0
    assert dv1 is None


def test_a_variable_target_is_not_watched_when_the_tape_watches_nothing_by_itself():
    v0 = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        result = v0
    assert tape.gradient(result, v0) is None
