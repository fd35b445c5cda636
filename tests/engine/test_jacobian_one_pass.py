"""GradientTape.jacobian and batch_jacobian in one vectorized pass, equal to the rows.

`tape.jacobian` seeds a batch (the identity) and runs one pass through the batch
rules, forward or reverse by shape; `experimental_use_pfor=False` is TensorFlow's
loop, one backward pass per target entry, and the reference here. Every primitive is
compared registry-wide in test_forward_and_batch_rules.py; these are the tape's cases:
structures of sources, unconnected sources, nested tapes for Hessians, chunks of seeds,
custom gradients, and a pass recorded so that it can be differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import adcli as tf
from adcli.engine import tape as tape_module

MODES = ("forward", "reverse")


def _program(x: Any, w: Any) -> Any:
    h = tf.tanh(tf.matmul(w, x[:, None]))[:, 0]
    return tf.concat([h * x[0], tf.reduce_logsumexp(h)[None], x[::-1] ** 3], axis=0)


def _rows_and_passes(f: Any, *values: np.ndarray, **options: Any) -> list[list[Any]]:
    answers = []
    for kind in ({"experimental_use_pfor": False}, *({"mode": m} for m in MODES)):
        ts = [tf.constant(v) for v in values]
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(ts)
            y = f(*ts)
        answers.append([None if j is None else j.numpy()
                        for j in tape.jacobian(y, ts, **kind, **options)])
    return answers


def test_one_pass_equals_the_rows_on_a_program_with_matmul_indexing_and_concat() -> None:
    rng = np.random.default_rng(5)
    rows, forward, reverse = _rows_and_passes(_program, rng.standard_normal(3),
                                              rng.standard_normal((4, 3)))
    for r, f, b in zip(rows, forward, reverse, strict=True):
        assert r.shape == (4 + 1 + 3,) + f.shape[1:]
        np.testing.assert_array_equal(b, r)
        np.testing.assert_allclose(f, r, rtol=1e-13, atol=1e-15)


def test_a_jacobian_records_as_many_operations_for_many_rows_as_for_few() -> None:
    recorded = []
    for n in (4, 40):
        x = tf.constant(np.linspace(0.1, 1.0, n))
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = tf.sin(x) * tf.exp(x) / (1.0 + x * x)
            before = len(tape.operations())
            tape.jacobian(y, x)
            recorded.append(len(tape.operations()) - before)
    assert recorded[0] == recorded[1] > 0


@pytest.mark.parametrize("mode", MODES)
def test_unconnected_sources_are_none_or_zeros_in_the_structure_given(mode: str) -> None:
    x, unused, blocked = tf.constant([1.0, 2.0]), tf.constant([[3.0]]), tf.constant(0.5)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, unused, blocked])
        y = x * x + tf.floor(blocked)
    out = tape.jacobian(y, {"x": x, "rest": [unused, blocked]}, mode=mode)
    np.testing.assert_array_equal(out["x"].numpy(), [[2.0, 0.0], [0.0, 4.0]])
    assert out["rest"] == [None, None]
    zeros = tape.jacobian(y, [unused, blocked], unconnected_gradients="zero", mode=mode)
    assert zeros[0].shape == (2, 1, 1) and zeros[1].shape == (2,)
    assert not np.any(zeros[0].numpy()) and not np.any(zeros[1].numpy())


@pytest.mark.parametrize("mode", MODES)
def test_the_jacobian_of_a_source_by_itself_is_the_identity(mode: str) -> None:
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
    j = tape.jacobian(x, x, mode=mode).numpy()
    np.testing.assert_array_equal(j.reshape(4, 4), np.eye(4))


def test_a_hessian_from_nested_tapes_equals_the_rows_and_the_formula() -> None:
    values = np.linspace(-1.0, 2.0, 7)
    hessians = []
    for kind in ({"experimental_use_pfor": False}, *({"mode": m} for m in MODES)):
        x = tf.constant(values)
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(tf.sin(x) * x) + tf.reduce_sum(x) ** 2
            g = inner.gradient(y, x)
        hessians.append(outer.jacobian(g, x, **kind).numpy())
    exact = np.diag(2 * np.cos(values) - values * np.sin(values)) + 2.0
    for h in hessians:
        np.testing.assert_allclose(h, exact, rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(hessians[2], hessians[0])


@pytest.mark.parametrize("mode", MODES)
def test_a_jacobian_recorded_on_a_persistent_tape_is_differentiated_again(mode: str) -> None:
    values = np.array([0.4, -0.7, 1.1])
    x = tf.constant(values)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.exp(x) * x[0]
        j = tape.jacobian(y, x, mode=mode)
        total = tf.reduce_sum(j * j)
    second = tape.gradient(total, x).numpy()
    with tf.GradientTape(persistent=True) as rows_tape:
        rows_tape.watch(x)
        y = tf.exp(x) * x[0]
        total = tf.reduce_sum(rows_tape.jacobian(y, x, experimental_use_pfor=False) ** 2)
    np.testing.assert_allclose(second, rows_tape.gradient(total, x).numpy(), rtol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_a_third_derivative_by_nested_jacobians(mode: str) -> None:
    x = tf.constant([0.3, 0.9])
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.reduce_sum(x ** 4) * x[1]
            g = t1.gradient(y, x)
        h = t2.jacobian(g, x, mode=mode)
    third = t3.jacobian(h, x, mode=mode).numpy()
    a, b = 0.3, 0.9
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0] = 24 * a * b
    expected[0, 0, 1] = expected[0, 1, 0] = expected[1, 0, 0] = 12 * a * a
    expected[1, 1, 1] = 60 * b * b
    np.testing.assert_allclose(third, expected, rtol=1e-13)


@pytest.mark.parametrize("mode", MODES)
def test_batch_jacobian_equals_its_rows(mode: str) -> None:
    rng = np.random.default_rng(7)
    values, w = rng.standard_normal((5, 3)), tf.constant(rng.standard_normal((3, 2)))
    answers = []
    for kind in ({"experimental_use_pfor": False}, {"mode": mode}):
        x = tf.constant(values)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.sigmoid(tf.matmul(x, w)) * x[:, :1]
        answers.append(tape.batch_jacobian(y, x, **kind).numpy())
    assert answers[1].shape == (5, 2, 3)
    np.testing.assert_allclose(answers[1], answers[0], rtol=1e-14, atol=1e-16)


def test_batch_jacobian_of_an_unconnected_source_is_none_or_zeros() -> None:
    x, unused = tf.constant([[1.0, 2.0]]), tf.constant([[3.0, 4.0, 5.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, unused])
        y = x * 2.0
    assert tape.batch_jacobian(y, unused) is None
    zeros = tape.batch_jacobian(y, unused, unconnected_gradients="zero")
    assert zeros.shape == (1, 2, 3) and not np.any(zeros.numpy())


@pytest.mark.parametrize("mode", MODES)
def test_seeds_go_in_chunks_where_the_batch_would_be_too_large(
        mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(9)
    x_values, w_values = rng.standard_normal(3), rng.standard_normal((4, 3))
    rows, *_ = _rows_and_passes(_program, x_values, w_values)
    monkeypatch.setattr(tape_module, "JACOBIAN_BATCH_ELEMENTS", 20)  # 20 // 12 = 1 seed
    _, forward, reverse = _rows_and_passes(_program, x_values, w_values)
    chunked = forward if mode == "forward" else reverse
    for r, c in zip(rows, chunked, strict=True):
        np.testing.assert_allclose(c, r, rtol=1e-13, atol=1e-15)


def test_tensorflows_keywords_are_accepted_and_a_bad_mode_is_refused() -> None:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        column = x[:, None]
        z = column * column
    j = tape.jacobian(y, x, parallel_iterations=4, experimental_use_pfor=True)
    np.testing.assert_array_equal(j.numpy(), [[2.0, 0.0], [0.0, 4.0]])
    bj = tape.batch_jacobian(z, column, parallel_iterations=None, experimental_use_pfor=False)
    np.testing.assert_array_equal(bj.numpy(), [[[2.0]], [[4.0]]])
    with pytest.raises(ValueError, match="mode must be"):
        tape.jacobian(y, x, mode="sideways")


@pytest.mark.parametrize("mode", ("auto", "reverse"))
def test_a_custom_gradient_runs_once_per_seed_and_may_read_numbers(mode: str) -> None:
    # Its rule need not be linear (this one clips), so "auto" takes reverse mode, as
    # TensorFlow's jacobian does; forward mode transposes a rule, as below.
    @tf.custom_gradient
    def clip_gradients(y: Any) -> Any:
        def backward(dy: Any) -> Any:
            scale = min(1.0, 0.5 / max(float(np.linalg.norm(dy.numpy())), 1e-30))
            return dy * scale

        return y, backward

    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = clip_gradients(x * x)
    expected = tape.jacobian(y, x, experimental_use_pfor=False).numpy()
    np.testing.assert_allclose(tape.jacobian(y, x, mode=mode).numpy(), expected, rtol=1e-15)
    np.testing.assert_allclose(np.diag(expected), [1.0, 2.0, 3.0])  # each row clipped to 0.5


def test_forward_mode_transposes_a_linear_custom_gradient() -> None:
    @tf.custom_gradient
    def log1pexp(x: Any) -> Any:
        e = tf.exp(x)

        def grad(upstream: Any) -> Any:
            return upstream * (1 - 1 / (1 + e))

        return tf.log(1 + e), grad

    x = tf.constant([0.5, 100.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = log1pexp(x) * x[0]
    np.testing.assert_allclose(tape.jacobian(y, x, mode="forward").numpy(),
                               tape.jacobian(y, x, experimental_use_pfor=False).numpy(),
                               rtol=1e-15)


def test_a_jacobian_inside_a_forward_accumulator_has_a_tangent() -> None:
    values = np.array([0.2, 0.5])
    tangents = []
    for kind in ({"experimental_use_pfor": False}, {"mode": "reverse"}, {"mode": "forward"}):
        x = tf.constant(values)
        with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, -1.0])) as acc:
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.sin(x) * x[0]
            j = tape.jacobian(y, x, **kind)
        tangents.append(acc.jvp(j).numpy())
    for t in tangents[1:]:
        np.testing.assert_allclose(t, tangents[0], rtol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_a_primitive_of_no_table_runs_its_rules_once_per_member(mode: str) -> None:
    from adcli.engine.primitives import Primitive, bind

    cube = Primitive("cube_without_rules", lambda x: x ** 3,
                     (lambda g, ans, x: g * 3.0 * x * x,), arity=1)
    x = tf.constant([0.5, -1.5, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = bind(cube, (x * x[0],))  # a primitive of no table: no batch rule, no JVP
        inner = tape.jacobian(y, x, mode=mode)  # recorded: its pass binds `cube` batched
        z = tf.reduce_sum(inner * inner)
    rows = tape.jacobian(y, x, experimental_use_pfor=False).numpy()
    np.testing.assert_allclose(inner.numpy(), rows, rtol=1e-15)
    np.testing.assert_allclose(tape.jacobian(y, x, mode=mode).numpy(), rows, rtol=1e-15)
    assert tape.gradient(z, x) is not None


def test_batch_jacobian_refuses_batch_axes_of_different_sizes():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.transpose(x)
    with pytest.raises(ValueError, match="same batch size"):
        tape.batch_jacobian(y, x)
