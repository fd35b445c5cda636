"""Scalar tensors on the scalar path (issue 15, second slice): a float64 or bool scalar
Tensor holds a Python float or bool, and an operation on such scalars runs its
primitive's scalar form instead of numpy, on the forward pass and in the gradient
rules. Everything a user sees is what the numpy path gives: the same numbers (to the
bit, against the same program on a shape-(1,) tensor), dtypes, shapes, numpy() types,
texts, IEEE values and warnings."""

from __future__ import annotations

import math

import numpy as np
import pytest

import adcli as tf
from adcli import api
from adcli.engine import ops
from adcli.engine.primitives import PRIMITIVES


def _derivatives(f, x):
    """f(x), f'(x) and f''(x) by nested tapes, as numpy values."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    return y, dy, d2y


PROGRAMS = {
    "polynomial": lambda x: x * x * x - 2.0 * x + 1.0,
    "quotient": lambda x: (x + 1.0) / (x * x + 3.0),
    "sqrt": lambda x: tf.sqrt(x * x + 1.0) + 1.0 / x,
    "trig": lambda x: tf.sin(x) * tf.cos(x) + tf.sin(x * x),
    "exp_log": lambda x: tf.exp(x) * tf.math.log(x + 2.0),
    "power": lambda x: x ** 3 + x ** 2.5,
    "tanh_sigmoid": lambda x: tf.tanh(x) + tf.math.sigmoid(x) * x,
    "branches": lambda x: tf.where(x > 0.5, x * x, -x) + tf.maximum(x, 0.25) * x,
    "abs_mod": lambda x: tf.abs(x - 1.0) * x + (x * 7.0) % 2.0,
    "softplus": lambda x: tf.nn.softplus(x * 3.0) - tf.nn.relu(x - 0.1),
    "square_reciprocal": lambda x: tf.square(x) + tf.math.reciprocal(x + 1.0),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("at", [0.7, -0.3, 2.5])
def test_a_scalar_program_gives_the_numbers_of_the_same_program_on_a_vector(name, at):
    f = PROGRAMS[name]
    with np.errstate(all="ignore"):  # numpy's own notes (power of a negative base)
        scalar = _derivatives(f, tf.constant(at))
        vector = _derivatives(f, tf.constant([at]))
    for ours, theirs in zip(scalar, vector, strict=True):
        assert ours.shape == ()
        assert ours.dtype == np.float64
        assert type(ours.numpy()) is np.float64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy()[0])


def test_known_closed_forms():
    y, dy, d2y = _derivatives(lambda x: x * x * x, tf.constant(2.0))
    assert (float(y), float(dy), float(d2y)) == (8.0, 12.0, 12.0)
    y, dy, d2y = _derivatives(lambda x: 1.0 / x, tf.constant(4.0))
    assert (float(y), float(dy), float(d2y)) == (0.25, -1.0 / 16.0, 2.0 / 64.0)


def test_a_scalar_tensor_reads_as_a_numpy_backed_one_did():
    x = tf.constant(1.5)
    for t in (x, x * 2.0 + 1.0, -x, tf.sqrt(x)):
        assert t.shape == ()
        assert t.ndim == 0
        assert t.size == 1
        assert t.dtype == np.float64
        assert type(t.numpy()) is np.float64
    assert repr(x) == "<adcli.Tensor: shape=(), dtype=float64, numpy=1.5>"
    assert str(x) == "adcli.Tensor(1.5, shape=(), dtype=float64)"
    assert float(x) == 1.5 and int(x) == 1 and bool(x) and f"{x:.2f}" == "1.50"
    assert np.asarray(x).dtype == np.float64 and np.asarray(x).shape == ()
    with pytest.raises(TypeError):
        len(x)
    with pytest.raises(IndexError):
        x[0]
    with pytest.raises(TypeError):
        [0, 1][x]


def test_comparisons_give_bool_scalars():
    x = tf.constant(1.5)
    for t in (x > 1.0, x <= 1.0, tf.logical_not(x > 1.0), (x > 1.0) & (x < 2.0)):
        assert t.dtype == np.bool_
        assert type(t.numpy()) is np.bool_
        assert t.shape == ()
    assert repr(x > 1.0) == "<adcli.Tensor: shape=(), dtype=bool, numpy=True>"
    assert bool(x > 1.0) is True
    # A bool that passes through an arithmetic primitive is numpy's: float64, not bool.
    t = tf.maximum(x > 1.0, 0.5)
    assert t.dtype == np.float64 and float(t) == 1.0
    assert (tf.constant(True) + 1.5).dtype == np.float64


def test_float32_stays_float32():
    for x in (tf.constant(1.5, dtype=tf.float32), tf.random.normal(()),
              tf.Variable(1.5, dtype=tf.float32)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * 2.0 + 1.0
            z = tf.sin(y) / (y + 1e-6)
        assert y.dtype == np.float32 and z.dtype == np.float32
        assert type(z.numpy()) is np.float32
        assert tape.gradient(z, x).dtype == np.float32
    # A float64 scalar Tensor beside a float32 one is float64 (numpy's float64 scalar is
    # a strong type), a Python float literal beside it float32 (a weak one).
    f32 = tf.constant(2.0, dtype=tf.float32)
    assert (tf.constant(1.5) * f32).dtype == np.float64
    assert ((tf.constant(1.5) + 0.0) * f32).dtype == np.float64
    assert (f32 * 1.5).dtype == np.float32


def test_mixed_scalar_and_array_operations_broadcast_through_numpy():
    x = tf.constant(2.0)
    a = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * a + x * x)
    assert (x * a).shape == (3,)
    np.testing.assert_array_equal((x * a).numpy(), [2.0, 4.0, 6.0])
    dx = tape.gradient(y, x)
    assert dx.shape == () and float(dx) == 6.0 + 3 * 4.0
    assert type(dx.numpy()) is np.float64


def test_variables_on_the_scalar_path():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v + 2.0 * v
    assert float(tape.gradient(y, v)) == 8.0
    v.assign(1.0)
    v.assign_add(0.5)
    assert float(v) == 1.5 and type(v.numpy()) is np.float64 and v.shape == ()
    assert repr(v) == "<adcli.Variable 'Variable:0' shape=() dtype=float64, numpy=1.5>"
    assert type(v.read_value().numpy()) is np.float64


def test_ieee_values_at_the_edges():
    zero, one = tf.constant(0.0), tf.constant(1.0)
    with np.errstate(divide="ignore"):  # log runs numpy's form, which notes it
        assert float(tf.math.log(zero)) == -math.inf
    assert float(one / zero) == math.inf
    assert float(-one / zero) == -math.inf
    assert math.isnan(float(zero / zero))
    assert math.isnan(float(tf.sqrt(-one)))
    assert float(tf.constant(1e308) * 10.0) == math.inf
    assert math.copysign(1.0, float(one / -math.inf)) == -1.0
    # sqrt's gradient at 0 is inf; a zero incoming gradient still gives exactly 0.
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(zero)
        root = tf.sqrt(zero)
        chosen = tf.where(zero > 0.0, tf.sqrt(zero), 0.0)
    assert float(tape.gradient(root, zero)) == math.inf
    assert float(tape.gradient(chosen, zero)) == 0.0


def test_warnings_are_those_of_the_numpy_path():
    # The kinds the numpy-backed scalars gave (measured before this change).
    for program, at, kinds in (
        ("log(x)", 0.0, ["program", "nonfinite", "nonfinite"]),
        ("1/x^2", 0.0, ["program", "convention", "nonfinite"]),
        ("sqrt(x)", 0.0, ["nonfinite", "nonfinite"]),
        ("log(x)", -1.0, ["program", "undefined"]),
        ("x*x - x*x + 1/x", 0.0, ["program", "nonfinite", "nonfinite"]),
        ("sqrt(x - 2) * x", 1.0, ["program", "undefined", "nonfinite", "nonfinite"]),
    ):
        result = api.differentiate(program, {"x": at}, order=2)
        assert [api.kind_of(w) for w in result.warnings] == kinds, program
    log0 = api.differentiate("log(x)", {"x": 0.0}, order=2)
    assert float(log0.value) == -math.inf
    assert "log() at 1:1 turned finite inputs into -inf in 'log(x)'" in log0.warnings
    kinds = [api.kind_of(w) for w in api.differentiate("1/x^2", {"x": 0.0},
                                                        engine="tape").warnings]
    assert "convention" in kinds


def test_mul_strong_zero_notes_a_zero_times_infinity_on_the_scalar_path():
    ops.ZERO_TIMES_INFINITY.clear()
    out = ops.mul_strong_zero(tf.constant(0.0), tf.constant(math.inf))
    assert float(out) == 0.0 and type(out.numpy()) is np.float64
    assert len(ops.ZERO_TIMES_INFINITY) == 1
    ops.ZERO_TIMES_INFINITY.clear()


def test_a_scalar_program_runs_no_numpy_form(monkeypatch):
    """The loop of bench/bench_tape.py, record and backward, with the numpy forms of the
    primitives it uses made to fail: only their scalar forms run."""
    def refuse(*args, **params):
        raise AssertionError("a numpy form ran on scalars")

    for name in ("add", "multiply", "mul_strong_zero", "negative", "subtract", "divide"):
        monkeypatch.setattr(PRIMITIVES[name], "_impl", refuse)
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = 1.0
        for i in range(30):
            if i % 3 != 0:
                out = out * x + 1e-6
        out = out / (x - 3.0)
    derivative = tape.gradient(out, x)
    assert type(derivative.numpy()) is np.float64
    # d/dx of p(x) / (x - 3) at 1: (p'(1) (1 - 3) - p(1)) / 4.
    n = 20
    p, dp = 1.0 + 1e-6 * n, n + 1e-6 * sum(range(n))
    assert float(derivative) == pytest.approx((dp * -2.0 - p) / 4.0, rel=1e-12)


def test_the_cli_runner_gives_the_closed_form():
    result = api.differentiate("x*x*x", {"x": 1.0}, order=2)
    assert float(result.value) == 1.0
    assert float(result.derivative("x")) == 3.0
    assert float(result.derivative("x", "x")) == 6.0


def test_the_last_bit_list_names_only_primitives_with_a_scalar_form():
    for name, ulps in ops.SCALAR_LAST_BIT.items():
        assert PRIMITIVES[name].scalar is not None and PRIMITIVES[name].scalar_ulps == ulps
