"""TensorFlow's tf.nn namespace: activations, softmax and the losses built on them.

Every function here is composed of the engine's primitives (adcli/engine/ops.py), so
it needs no rules of its own: gradients of any order, forward mode, Jacobians in one
pass and Taylor series follow from those of the primitives. Each is written in a form
that is smooth where the function is (no kink of |x| or max(x, 0) inside a smooth
function, which would give a wrong derivative at the kink) and keeps its digits where
the naive formula would overflow or cancel: softmax and log_softmax subtract
reduce_logsumexp, sigmoid_cross_entropy_with_logits uses softplus on whichever side
does not cancel. Imports the engine only.
"""

from __future__ import annotations

import math
from typing import Any

from adcli.engine import ops
from adcli.engine.lazy_numpy import np
from adcli.engine.ops import relu, sigmoid, softplus, tanh
from adcli.engine.tensor import Tensor

__all__ = [
    "bias_add", "dropout", "elu", "gelu", "l2_loss", "l2_normalize", "leaky_relu",
    "log_softmax", "moments", "relu", "relu6", "selu", "sigmoid",
    "sigmoid_cross_entropy_with_logits", "silu", "softmax", "softmax_cross_entropy_with_logits",
    "softplus", "softsign", "sparse_softmax_cross_entropy_with_logits", "swish", "tanh",
]

# selu's constants (Klambauer et al. 2017), as TensorFlow's.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _axis(logits: Any, axis: Any) -> int:
    return -1 if axis is None else int(axis)


def _t(x: Any) -> Tensor:
    """x as a tensor (itself when it is one, so that tapes follow it)."""
    return ops.convert_to_tensor(x)


def _negative_part(x: Any) -> Tensor:
    """min(x, 0): the argument of expm1 in elu and selu, which then never overflows."""
    return ops.minimum(x, 0.0)


def relu6(features: Any, name: str | None = None) -> Tensor:
    """min(max(x, 0), 6); its derivative is 1 strictly between 0 and 6, else 0."""
    features = _t(features)
    return ops.where(ops.greater_equal(features, 6.0), ops.zeros_like(features) + 6.0,
                     relu(features))


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """x for x > 0, alpha * x otherwise."""
    features = _t(features)
    return ops.where(ops.greater(features, 0.0), features, features * alpha)


def elu(features: Any, name: str | None = None) -> Tensor:
    """x for x > 0, exp(x) - 1 otherwise (derivative 1 at 0, as TensorFlow's)."""
    features = _t(features)
    return ops.where(ops.greater(features, 0.0), features, ops.expm1(_negative_part(features)))


def selu(features: Any, name: str | None = None) -> Tensor:
    """scale * elu with alpha: scale * x for x > 0, scale * alpha * (exp(x) - 1) otherwise."""
    features = _t(features)
    negative = ops.expm1(_negative_part(features)) * _SELU_ALPHA
    return ops.where(ops.greater(features, 0.0), features, negative) * _SELU_SCALE


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """x * Phi(x), Phi the standard normal distribution function, written
    x * erfc(-x / sqrt 2) / 2 (no cancellation for negative x); `approximate=True` is the
    tanh form x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2."""
    features = _t(features)
    if approximate:
        inner = (features + ops.integer_pow(features, 3) * 0.044715) * math.sqrt(2.0 / math.pi)
        return features * (tanh(inner) + 1.0) * 0.5
    out = features * ops.erfc(features * -math.sqrt(0.5)) * 0.5
    # (The engine's erfc computes in float64: back to the input's float dtype.)
    return out if out.dtype == features.dtype or features.dtype.kind != "f" \
        else ops.cast(out, features.dtype)


def silu(features: Any, beta: float = 1.0, name: str | None = None) -> Tensor:
    """x * sigmoid(beta * x) (swish)."""
    features = _t(features)
    return features * sigmoid(features * beta if beta != 1.0 else features)


swish = silu


def softsign(features: Any, name: str | None = None) -> Tensor:
    """x / (1 + |x|)."""
    features = _t(features)
    return features / (ops.abs(features) + 1.0)


def log_softmax(logits: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """logits - log(sum(exp(logits))) along `axis` (the last by default), without
    overflow."""
    logits = _t(logits)
    return logits - ops.reduce_logsumexp(logits, axis=_axis(logits, axis), keepdims=True)


def softmax(logits: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """exp(logits) / sum(exp(logits)) along `axis` (the last by default): exp of
    log_softmax, so no exponent is ever positive."""
    return ops.exp(log_softmax(logits, axis))


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1,
                                      name: str | None = None) -> Tensor:
    """-sum(labels * log_softmax(logits)) along `axis`: one loss per row."""
    labels = _t(labels)
    return ops.negative(ops.reduce_sum(labels * log_softmax(logits, axis), axis=axis))


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any,
                                             name: str | None = None) -> Tensor:
    """-log_softmax(logits)[..., label]: `labels` holds class indices, one per row of
    logits (its shape is logits' without the last axis)."""
    index = np.asarray(labels._value if isinstance(labels, Tensor) else labels)
    if index.dtype.kind not in "iu":
        raise ValueError("sparse_softmax_cross_entropy_with_logits needs integer labels")
    logp = log_softmax(logits, -1)
    classes = logp.shape[-1]
    if index.shape != tuple(logp.shape[:-1]):
        raise ValueError(f"labels of shape {index.shape} do not match logits of shape "
                         f"{tuple(logp.shape)}")
    flat = ops.reshape(logp, (-1, classes))
    rows = np.arange(flat.shape[0])
    picked = ops.gather_index(flat, (rows, index.reshape(-1)))
    return ops.negative(ops.reshape(picked, index.shape))


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> Tensor:
    """The logistic loss of logits x against labels z in [0, 1]:
    softplus(x) - x z = softplus(-x) + x (1 - z), the second form for x > 0, so that
    neither overflows nor cancels; its derivative sigmoid(x) - z holds at x = 0 too."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits needs labels and logits")
    labels, logits = _t(labels), _t(logits)
    positive = softplus(ops.negative(logits)) + logits * (1.0 - labels)
    negative = softplus(logits) - logits * labels
    return ops.where(ops.greater(logits, 0.0), positive, negative)


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """sum(t ** 2) / 2."""
    return ops.reduce_sum(ops.square(t)) * 0.5


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12,
                 name: str | None = None) -> Tensor:
    """x / sqrt(max(sum(x ** 2), epsilon)) along `axis` (all entries by default)."""
    x = _t(x)
    total = ops.reduce_sum(ops.square(x), axis=axis, keepdims=True)
    return x * ops.reciprocal(ops.sqrt(ops.maximum(total, epsilon)))


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple[Tensor, Tensor]:
    """The mean and the variance of x over `axes`. (The variance is differentiated
    through the mean too, so its second derivatives are right.)"""
    x = _t(x)
    mean = ops.reduce_mean(x, axis=axes, keepdims=True)
    variance = ops.reduce_mean(ops.square(x - mean), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = ops.reduce_mean(x, axis=axes)
    return mean, variance


def bias_add(value: Any, bias: Any, data_format: Any = None, name: str | None = None) -> Tensor:
    """value + bias, the bias along the last axis."""
    return ops.add(value, bias)


def dropout(x: Any, rate: float, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None) -> Tensor:
    """Each entry zeroed with probability `rate`, the others scaled by 1 / (1 - rate)."""
    from adcli import random

    x = _t(x)
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1), not {rate}")
    shape = tuple(np.shape(x._value if isinstance(x, Tensor) else x)) \
        if noise_shape is None else noise_shape
    keep = random.uniform(shape, dtype=np.float64, seed=seed)._value >= rate
    return ops.where(keep, x * (1.0 / (1.0 - rate)), ops.zeros_like(x))
