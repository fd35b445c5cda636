"""TensorFlow's tf.math namespace: every engine operation, and TensorFlow's math-only names.

`tf.math.sin`, `tf.math.reduce_sum` and every other operation of adcli/engine/ops.py
under its TensorFlow name, plus the names TensorFlow keeps under tf.math (log_sigmoid,
reduce_std, reduce_variance, squared_difference, xlogy, divide_no_nan, is_nan, ...).
Those are composed of the primitives, so they need no rules of their own; the ones
that answer a question about values (argmax, is_nan, reduce_any, ...) return tensors
with no gradient, as TensorFlow's do. (Inside the package, `import math` still means
Python's: imports are absolute.) Imports the engine only.
"""

from __future__ import annotations

from typing import Any

from adcli.engine import ops as _ops
from adcli.engine.lazy_numpy import np
from adcli.engine.ops import *  # noqa: F403 - tf.math holds every operation
from adcli.engine.tensor import Tensor as _Tensor
from adcli.nn import log_softmax, softmax

__all__ = [
    *_ops.__all__, "add_n", "argmax", "argmin", "count_nonzero", "divide_no_nan", "floordiv",
    "floormod", "is_finite", "is_inf", "is_nan", "log_sigmoid", "log_softmax",
    "multiply_no_nan", "reduce_all", "reduce_any", "reduce_euclidean_norm", "reduce_std",
    "reduce_variance", "rsqrt", "scalar_mul", "softmax", "squared_difference", "truediv",
    "xlogy",
]

truediv = _ops.divide
floordiv = _ops.floor_divide
floormod = _ops.mod


def _t(x: Any) -> _Tensor:
    return _ops.convert_to_tensor(x)


def _raw(x: Any) -> np.ndarray:
    return np.asarray(x._value if isinstance(x, _Tensor) else _ops.constant(x)._value)


def _no_gradient(value: Any) -> _Tensor:
    return _Tensor._wrap(np.asarray(value) if np.ndim(value) else np.asarray(value)[()])


def add_n(inputs: Any, name: str | None = None) -> _Tensor:
    """The elementwise sum of a list of tensors of one shape."""
    values = [_t(x) for x in inputs]
    if not values:
        raise ValueError("add_n needs at least one tensor")
    total = values[0]
    for value in values[1:]:
        if tuple(value.shape) != tuple(total.shape):
            raise ValueError(f"add_n needs tensors of one shape, not {tuple(total.shape)} "
                             f"and {tuple(value.shape)}")
        total = total + value
    return total


def log_sigmoid(x: Any, name: str | None = None) -> _Tensor:
    """log(sigmoid(x)) = -softplus(-x), without overflow or loss of digits."""
    return _ops.negative(_ops.softplus(_ops.negative(x)))


def rsqrt(x: Any, name: str | None = None) -> _Tensor:
    """1 / sqrt(x)."""
    return _ops.reciprocal(_ops.sqrt(x))


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> _Tensor:
    """scalar * x."""
    return _ops.multiply(scalar, x)


def squared_difference(x: Any, y: Any, name: str | None = None) -> _Tensor:
    """(x - y) ** 2."""
    return _ops.square(_ops.subtract(x, y))


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                    name: str | None = None) -> _Tensor:
    """The (population) variance over `axis` (all entries by default)."""
    x = _t(input_tensor)
    mean = _ops.reduce_mean(x, axis=axis, keepdims=True)
    return _ops.reduce_mean(_ops.square(x - mean), axis=axis, keepdims=keepdims)


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> _Tensor:
    """The (population) standard deviation over `axis` (all entries by default)."""
    return _ops.sqrt(reduce_variance(input_tensor, axis, keepdims))


def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: str | None = None) -> _Tensor:
    """sqrt(sum(x ** 2)) over `axis`, without overflow."""
    return _ops.norm(input_tensor, axis=axis, keepdims=keepdims)


def xlogy(x: Any, y: Any, name: str | None = None) -> _Tensor:
    """x * log(y), and 0 where x is 0 (also where y is 0)."""
    x, y = _t(x), _t(y)
    zero = _ops.equal(x, 0.0)
    safe = _ops.where(zero, _ops.ones_like(y), y)
    return _ops.where(zero, _ops.zeros_like(x * safe), x * _ops.log(safe))


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> _Tensor:
    """x / y, and 0 where y is 0."""
    x, y = _t(x), _t(y)
    zero = _ops.equal(y, 0.0)
    safe = _ops.where(zero, _ops.ones_like(y), y)
    return _ops.where(zero, _ops.zeros_like(x / safe), x / safe)


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> _Tensor:
    """x * y, and 0 where y is 0 (even where x is inf or nan)."""
    x, y = _t(x), _t(y)
    zero = _ops.equal(y, 0.0)
    safe = _ops.where(_ops.logical_and(zero, _ops.logical_not(is_finite(x))),
                      _ops.zeros_like(x), x)
    return _ops.where(zero, _ops.zeros_like(safe * y), safe * y)


def is_nan(x: Any, name: str | None = None) -> _Tensor:
    """True where x is nan (no gradient)."""
    return _no_gradient(np.isnan(_raw(x)))


def is_inf(x: Any, name: str | None = None) -> _Tensor:
    """True where x is +inf or -inf (no gradient)."""
    return _no_gradient(np.isinf(_raw(x)))


def is_finite(x: Any, name: str | None = None) -> _Tensor:
    """True where x is neither inf nor nan (no gradient)."""
    return _no_gradient(np.isfinite(_raw(x)))


def argmax(input: Any, axis: Any = None, output_type: Any = "int64",  # noqa: A002
           name: str | None = None) -> _Tensor:
    """The index of the largest entry along `axis` (TensorFlow's default: axis 0)."""
    return _no_gradient(np.argmax(_raw(input), axis=0 if axis is None else int(axis))
                        .astype(output_type))


def argmin(input: Any, axis: Any = None, output_type: Any = "int64",  # noqa: A002
           name: str | None = None) -> _Tensor:
    """The index of the smallest entry along `axis` (TensorFlow's default: axis 0)."""
    return _no_gradient(np.argmin(_raw(input), axis=0 if axis is None else int(axis))
                        .astype(output_type))


def _axes(axis: Any) -> Any:
    if axis is None:
        return None
    return tuple(int(a) for a in np.atleast_1d(_raw(axis) if isinstance(axis, _Tensor) else axis))


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> _Tensor:
    """True where every entry along `axis` is true."""
    return _no_gradient(np.all(_raw(input_tensor), axis=_axes(axis), keepdims=keepdims))


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> _Tensor:
    """True where some entry along `axis` is true."""
    return _no_gradient(np.any(_raw(input_tensor), axis=_axes(axis), keepdims=keepdims))


def count_nonzero(input: Any, axis: Any = None, keepdims: bool = False,  # noqa: A002
                  dtype: Any = "int64", name: str | None = None) -> _Tensor:
    """How many entries along `axis` are not zero."""
    counts = np.count_nonzero(_raw(input), axis=_axes(axis), keepdims=keepdims)
    return _no_gradient(np.asarray(counts).astype(dtype))
