"""Every engine operation, each defined once: its primitive (numpy forward + gradient rules).

This module holds two interpretations of each primitive, given to `defprim` (or to
the `_unary`, `_binary`, `_nondiff` and `_reduction` shorthands) where the
primitive is defined: its numpy forward (`impl`) and its gradient rules, with its
`arity`. Its Taylor rule and its mpmath forward are registered beside each other in
adcli/engine/series.py, keyed by the primitive object (`series.P.<name>`); see
adcli/engine/primitives.py for the whole map and for how to add a primitive.

Gradient rules are written with the operations of this module, never with numpy
on primal values, so a backward pass is itself made of recorded operations and can
be differentiated again, to any order. (The one exception is a constant a rule takes
from primal values, a power-of-two scale or a rounding correction, of which the rule
is the same function for every value; see "the helpers of the gradient rules at the
edges".) A rule receives the incoming gradient `g`, the primal output `ans`, the
inputs and the static parameters, and is run only for arguments that need a gradient
(so `x**2` at x = -1 never evaluates `log(-1)`). It multiplies `g` by its local
derivative with `mul_strong_zero(local, g)`, so that a zero `g` contributes exactly 0
even where the local derivative is infinite, and writes the local derivative in a
form that keeps its digits at large and tiny inputs (tests/engine/test_edge_sweep.py).

Operations that are compositions of others (mean, norm, clip, linspace, squeeze,
...) are written as such and are not primitives: their derivatives (and Taylor
series) follow. Names are TensorFlow's. This module also installs the Python
operators on Tensor. Imports the tensor and primitives modules and numpy only.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from adcli.engine.primitives import bind, defprim, zero_gradient
from adcli.engine.tensor import Tensor, Variable, as_dtype, to_array

_brange = builtins.range
_babs = builtins.abs


# -- helpers ------------------------------------------------------------------

def _raw(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


def _shape(x: Any) -> tuple[int, ...]:
    value = x._value if isinstance(x, Tensor) else x
    try:
        return value.shape
    except AttributeError:
        return np.shape(value)


def _dtype(x: Any) -> np.dtype:
    return np.result_type(_raw(x))


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back to the shape of the input it belongs to."""
    gshape = _shape(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(_brange(lead)) + tuple(
        i + lead for i, size in enumerate(shape) if size == 1 and gshape[i + lead] != 1
    )
    if axes:
        g = reduce_sum(g, axis=axes)
    return reshape(g, shape)


def _norm_axis(axis: Any, ndim: int) -> tuple[int, ...] | None:
    if axis is None:
        return None
    axes = tuple(int(a) for a in (axis if isinstance(axis, (list, tuple)) else (axis,)))
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
    return tuple(sorted(a % ndim if ndim else 0 for a in axes))


def _kept_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _expand_reduced(g: Tensor, x: Any, axis: tuple[int, ...] | None, keepdims: bool) -> Tensor:
    """Bring a reduction's gradient (or output) back to a shape that broadcasts against x."""
    if keepdims:
        return g
    return reshape(g, _kept_shape(_shape(x), axis))


def _unary(name: str, impl: Any, vjp: Any, doc: str, domain: str | None = None) -> Any:
    prim = defprim(name, impl, vjp, arity=1, doc=doc, domain=domain)

    def op(x: Any, name: str | None = None) -> Tensor:
        return bind(prim, (x,))

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


def _binary(name: str, impl: Any, vjp_x: Any, vjp_y: Any, doc: str,
            domain: str | None = None) -> Any:
    def unbroadcasting(rule: Any, argnum: int) -> Any:
        if rule is None:
            return None

        def vjp(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
            return _unbroadcast(rule(g, ans, x, y), _shape((x, y)[argnum]))

        return vjp

    prim = defprim(name, impl, unbroadcasting(vjp_x, 0), unbroadcasting(vjp_y, 1), arity=2,
                   doc=doc, domain=domain)

    def op(x: Any, y: Any, name: str | None = None) -> Tensor:
        return bind(prim, (x, y))

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


def _nondiff(name: str, impl: Any, nargs: int, doc: str, zero: bool = False) -> Any:
    """A piecewise-constant primitive: its gradient is None (TensorFlow's choice for
    Floor, Round, comparisons), or with `zero` zeros of each argument's shape (its
    choice for Sign)."""
    rules = [zero_gradient(k) for k in _brange(nargs)] if zero else []
    prim = defprim(name, impl, *rules, arity=nargs, doc=doc)

    def op(*args: Any, name: str | None = None) -> Tensor:
        if len(args) != nargs:
            raise TypeError(f"{prim.name}() takes {nargs} argument(s), got {len(args)}")
        return bind(prim, args)

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


# -- the helpers of the gradient rules at the edges ------------------------------
#
# A rule multiplies the incoming gradient g by a local derivative. Where g is 0 (the
# branch a `where` did not take, a flat stretch upstream) its contribution must be 0,
# also where the local derivative is infinite or nan (sqrt, log, 1/x at 0; exp past
# overflow; cos(inf)); 0 * inf would be nan. So the rules write g * local as
# mul_strong_zero(local, g): the product in which a zero factor wins, as TensorFlow's
# SqrtGrad, RsqrtGrad and ReciprocalGrad kernels return 0 for a zero incoming gradient
# and its MulNoNan returns 0 for a zero y. Its own gradient rules are mul_strong_zero
# again, with the incoming gradient as a factor, so the property holds when a backward
# pass is differentiated, at every order (a zero adjoint meeting an infinite factor
# there too). On finite numbers it is multiplication.

def _mul_strong_zero_impl(x: Any, y: Any) -> Any:
    out = np.multiply(x, y)
    # Is there a nan? For an array, the minimum (which propagates nan) is one pass with
    # no temporary; for a scalar, out != out (whose .any() would cost more than the
    # product).
    if isinstance(out, np.ndarray):
        least = np.minimum.reduce(out, axis=None) if out.size else out.dtype.type(0)
        if least == least:
            return out
    elif out == out:
        return out
    zero = np.logical_or(np.equal(x, 0), np.equal(y, 0))
    if np.any(np.equal(x, 0) & ~np.isfinite(y)):
        # A zero local derivative met an infinite or nan incoming gradient (d/dx of
        # 1/x^2 at 0 runs through 2x = 0 times -1/x^4 = -inf): 0 is a convention there,
        # and the true derivative may be infinite. Say so to whoever asks.
        ZERO_TIMES_INFINITY.append(1)
    return np.where(zero, np.zeros((), out.dtype), out)


# Each time mul_strong_zero took a zero local derivative times an infinite or nan
# gradient as 0, an entry; the derivative layer empties it before a run and warns after.
ZERO_TIMES_INFINITY: list[int] = []


def _relu_grad_impl(g: Any, x: Any) -> Any:
    return np.where(np.greater(x, 0), g, np.zeros((), np.result_type(g)))


def _inverse_scale(*xs: Any, at_least: float = 0.0) -> Tensor:
    """A constant power of two c with c * max(|x|, at_least) in [0.5, 1) (1 where that
    is 0 or not finite): the rules of atan, atan2, asinh and acosh scale by it so that
    squares neither overflow nor underflow. Being a constant, it leaves the rule's
    derivatives exact: the scaled form is the same function for every c."""
    if any(_dtype(x).kind == "O" for x in xs):  # formulas (adcli.engine.symbolic): no scale
        return Tensor._wrap(np.float64(1.0))
    raws = [np.abs(_raw(x)) for x in xs]
    top = raws[0] if len(raws) == 1 else np.maximum(*raws)
    if at_least:
        top = np.maximum(top, at_least)
    top = np.where(np.isfinite(top) & (top > 0), top, 1.0)
    exponent = np.frexp(top)[1]
    dtype = np.result_type(*raws)
    dtype = dtype if dtype.kind == "f" else np.dtype(np.float64)
    return Tensor._wrap(np.ldexp(np.ones((), dtype), np.clip(-exponent, -1074, 1023))
                        .astype(dtype))


# -- arithmetic ---------------------------------------------------------------

add = _binary("add", np.add, lambda g, ans, x, y: g, lambda g, ans, x, y: g, "x + y")
subtract = _binary(
    "subtract", np.subtract, lambda g, ans, x, y: g, lambda g, ans, x, y: negative(g), "x - y"
)
mul_strong_zero = _binary(
    "mul_strong_zero", _mul_strong_zero_impl,
    lambda g, ans, x, y: mul_strong_zero(y, g),
    lambda g, ans, x, y: mul_strong_zero(x, g),
    "x * y, but 0 where x or y is 0, even if the other is inf or nan",
)
_multiply = _binary(
    "multiply", np.multiply,
    lambda g, ans, x, y: mul_strong_zero(y, g),
    lambda g, ans, x, y: mul_strong_zero(x, g),
    "x * y",
)


def multiply(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x * y; a tensor times itself is recorded as square(x), whose one rule does the
    work of multiply's two rules and their accumulation."""
    if x is y and isinstance(x, Tensor):
        return square(x)
    return _multiply(x, y)


def _divide_dx(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
    return mul_strong_zero(reciprocal(y), g)


def _divide_dy(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
    # d(x/y)/dy = -x/y^2 = -ans/y, written with the output so no square is formed.
    return mul_strong_zero(negative(ans / y), g)


divide = _binary("divide", np.true_divide, _divide_dx, _divide_dy, "x / y",
                 domain="all x, y except x = y = 0")
floor_divide = _nondiff("floor_divide", np.floor_divide, 2, "x // y (piecewise constant)")
mod = _binary(
    "mod", np.mod,
    lambda g, ans, x, y: g,
    lambda g, ans, x, y: mul_strong_zero(negative(floor_divide(x, y)), g),
    "x % y with the sign of y, as in Python and numpy",
)


def _pow_dx(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
    # y * x**(y - 1), with y = 0 contributing exactly 0 where x**(y - 1) is infinite
    # (a zero base): so x**k with a whole tensor k is right at x = 0 at every order, as
    # the integer_pow fast path is (the exponent y - 1 of the next order is 0 there).
    return mul_strong_zero(mul_strong_zero(pow(x, y - 1), y), g)


def _pow_dy(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
    # d/dy x**y = x**y log x, taken as 0 where x <= 0 (as TensorFlow does); the log
    # of a safe base keeps nan out of the unselected branch and its gradient.
    positive = greater(x, 0)
    safe_log = log(where(positive, x, 1.0))
    return mul_strong_zero(where(positive, ans * safe_log, 0.0), g)


_pow = defprim("pow", np.power, None, None, arity=2, doc="x ** y",
               domain="x >= 0, or y a whole number")
_pow.vjps = (
    lambda g, ans, x, y: _unbroadcast(_pow_dx(g, ans, x, y), _shape(x)),
    lambda g, ans, x, y: _unbroadcast(_pow_dy(g, ans, x, y), _shape(y)),
)


def _integer_pow_impl(x: Any, n: int) -> Any:
    if n == 2:
        return np.multiply(x, x)
    if n < 0 and np.result_type(x).kind in "iub":
        x = np.asarray(x, dtype=np.float64)
    return np.power(x, n)


def _integer_pow_vjp(g: Tensor, ans: Tensor, x: Any, n: int) -> Tensor:
    if n == 0:
        return zeros_like(x)
    if n == 1:
        return g
    if n == 2:
        return mul_strong_zero(x * 2.0, g)
    return mul_strong_zero(integer_pow(x, n - 1) * float(n), g)


_integer_pow = defprim("integer_pow", _integer_pow_impl, _integer_pow_vjp, arity=1,
                       doc="x ** n for a static integer n (the fast path of pow)")


def integer_pow(x: Any, n: int) -> Tensor:
    """x ** n for a Python integer n; no log is ever taken, so negative x is fine."""
    return bind(_integer_pow, (x,), {"n": int(n)})


def pow(x: Any, y: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TensorFlow's name
    """x ** y; a whole-valued plain-number exponent takes the integer fast path."""
    if not isinstance(y, Tensor) and isinstance(y, (int, float, np.integer, np.floating)) \
            and float(y).is_integer() and _babs(y) <= 64:
        return integer_pow(x, int(y))
    return bind(_pow, (x, y))


negative = _unary("negative", np.negative, lambda g, ans, x: negative(g), "-x")
abs = _unary("abs", np.abs, lambda g, ans, x: mul_strong_zero(sign(x), g), "|x|")  # noqa: A001
# Its gradient is zeros, not None, as TensorFlow registers it (SignGrad), so that the
# Hessian of abs(x) is zeros.
sign = _nondiff("sign", np.sign, 1, "the sign of x (piecewise constant)", zero=True)
reciprocal = _unary(
    "reciprocal", np.reciprocal, lambda g, ans, x: mul_strong_zero(negative(square(ans)), g),
    "1 / x",
)
square = _unary("square", np.square, lambda g, ans, x: mul_strong_zero(x * 2.0, g), "x * x")
sqrt = _unary("sqrt", np.sqrt, lambda g, ans, x: mul_strong_zero(0.5 / ans, g), "the square root",
              domain="x >= 0")
# cbrt'(x) = 1 / (3 cbrt(x)^2), written as (1/cbrt(x))^2 / 3 so that neither it nor
# its own derivatives overflow or underflow before the true values do.
cbrt = _unary("cbrt", np.cbrt,
              lambda g, ans, x: mul_strong_zero(square(reciprocal(ans)) / 3.0, g),
              "the real cube root (cbrt(-8) = -2)")


# -- exponentials, logarithms, trigonometry ------------------------------------

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# Local derivatives in forms that keep their digits at large and tiny inputs, and
# whose own derivatives (the next order, through these same rules) keep them too.


def _one_minus_square(x: Any) -> Tensor:
    """1 - x^2: (1 - x)(1 + x) near |x| = 1, where 1 - x*x would cancel; 1 - x*x near
    0, where the product rule on (1 - x)(1 + x) would cancel in the next order."""
    return where(less(abs(x), 0.5), 1.0 - square(x), (1.0 - x) * (1.0 + x))


def _atan_dx(g: Tensor, ans: Tensor, x: Any) -> Tensor:
    # 1 / (1 + x^2) as c^2 / ((c x)^2 + c^2): no overflow of x^2, and no underflow of
    # the next order's -2x / (1 + x^2)^2 where it is a normal number.
    c = _inverse_scale(x, at_least=1.0)
    return mul_strong_zero((c / (square(x * c) + square(c))) * c, g)


def _atan2_parts(y: Any, x: Any) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    c = _inverse_scale(y, x)
    ys, xs = y * c, x * c
    return ys, xs, square(xs) + square(ys), c


def _atan2_dy(g: Tensor, ans: Tensor, y: Any, x: Any) -> Tensor:
    # x / (x^2 + y^2), scaled: no overflow at 1e200, no underflow at 1e-200.
    _ys, xs, q, c = _atan2_parts(y, x)
    return mul_strong_zero((xs / q) * c, g)


def _atan2_dx(g: Tensor, ans: Tensor, y: Any, x: Any) -> Tensor:
    ys, _xs, q, c = _atan2_parts(y, x)
    return mul_strong_zero(negative(ys / q) * c, g)


def _asinh_dx(g: Tensor, ans: Tensor, x: Any) -> Tensor:
    # 1 / sqrt(x^2 + 1) as c / sqrt((c x)^2 + c^2): x*x overflows from 1.4e154 on.
    c = _inverse_scale(x, at_least=1.0)
    return mul_strong_zero(c / sqrt(square(x * c) + square(c)), g)


def _acosh_dx(g: Tensor, ans: Tensor, x: Any) -> Tensor:
    # 1 / sqrt((x - 1)(x + 1)), scaled: exact near 1 (x*x - 1 cancels there), no
    # overflow at 1e300.
    c = _inverse_scale(x, at_least=1.0)
    return mul_strong_zero(c / sqrt(((x - 1.0) * c) * ((x + 1.0) * c)), g)


def _sech_squared(x: Any) -> Tensor:
    """sech(x)^2 = 1 - tanh(x)^2, which is 0 in float64 from |x| = 19.1 on, where
    sech(x)^2 is still 1e-16. Near 0 as 1 / cosh(x)^2; from |x| = 1 on as 4t / (1 + t)^2
    with t = exp(-2|x|), whose derivative -2 sech^2 tanh then never passes through
    sech^3 (which underflows from |x| = 236 on, long before sech^2 tanh does)."""
    t = exp(abs(x) * -2.0)
    return where(less(abs(x), 1.0), square(reciprocal(cosh(x))), (t * 4.0) / square(t + 1.0))


exp = _unary("exp", np.exp, lambda g, ans, x: mul_strong_zero(ans, g), "e ** x")
expm1 = _unary(
    "expm1", np.expm1, lambda g, ans, x: mul_strong_zero(exp(x), g), "exp(x) - 1, exact near 0"
)
log = _unary("log", np.log, lambda g, ans, x: mul_strong_zero(reciprocal(x), g),
             "the natural logarithm", domain="x > 0")
log1p = _unary("log1p", np.log1p, lambda g, ans, x: mul_strong_zero(reciprocal(x + 1.0), g),
               "log(1 + x), exact near 0", domain="x > -1")
log2 = _unary("log2", np.log2, lambda g, ans, x: mul_strong_zero(reciprocal(x * _LN2), g),
              "the base-2 logarithm", domain="x > 0")
log10 = _unary("log10", np.log10, lambda g, ans, x: mul_strong_zero(reciprocal(x * _LN10), g),
               "the base-10 logarithm", domain="x > 0")
sin = _unary("sin", np.sin, lambda g, ans, x: mul_strong_zero(cos(x), g), "the sine")
cos = _unary("cos", np.cos, lambda g, ans, x: mul_strong_zero(negative(sin(x)), g), "the cosine")
tan = _unary("tan", np.tan, lambda g, ans, x: mul_strong_zero(square(ans) + 1.0, g), "the tangent")
asin = _unary(
    "asin", np.arcsin,
    lambda g, ans, x: mul_strong_zero(reciprocal(sqrt(_one_minus_square(x))), g), "the arcsine",
    domain="-1 <= x <= 1",
)
acos = _unary(
    "acos", np.arccos,
    lambda g, ans, x: mul_strong_zero(negative(reciprocal(sqrt(_one_minus_square(x)))), g),
    "the arccosine", domain="-1 <= x <= 1",
)
atan = _unary("atan", np.arctan, _atan_dx, "the arctangent")
atan2 = _binary(
    "atan2", np.arctan2, _atan2_dy, _atan2_dx, "the angle of the point (x, y): atan2(y, x)",
)
sinh = _unary("sinh", np.sinh, lambda g, ans, x: mul_strong_zero(cosh(x), g), "the hyperbolic sine")
cosh = _unary("cosh", np.cosh, lambda g, ans, x: mul_strong_zero(sinh(x), g),
              "the hyperbolic cosine")
tanh = _unary("tanh", np.tanh, lambda g, ans, x: mul_strong_zero(_sech_squared(x), g),
              "the hyperbolic tangent")
asinh = _unary("asinh", np.arcsinh, _asinh_dx, "inverse sinh")
acosh = _unary("acosh", np.arccosh, _acosh_dx, "inverse cosh", domain="x >= 1")
atanh = _unary(
    "atanh", np.arctanh,
    lambda g, ans, x: mul_strong_zero(reciprocal(_one_minus_square(x)), g), "inverse tanh",
    domain="-1 <= x <= 1",
)


def _sigmoid_impl(x: Any) -> Any:
    # 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below: no overflow for either sign,
    # and every digit (exp(-log(1 + e^-x)) lost |x| ulps).
    t = np.exp(-np.abs(x))
    return np.where(np.greater_equal(x, 0), 1.0 / (1.0 + t), t / (1.0 + t))


# sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)) is 0 in float64 from x = 36.7 on; as
# sech(x/2)^2 / 4 it keeps its digits, and so does its derivative near 0.
sigmoid = _unary(
    "sigmoid", _sigmoid_impl,
    lambda g, ans, x: mul_strong_zero(_sech_squared(x * 0.5) * 0.25, g), "1 / (1 + e ** -x)",
)
softplus = _unary(
    "softplus", lambda x: np.logaddexp(0.0, x), lambda g, ans, x: mul_strong_zero(sigmoid(x), g),
    "log(1 + e ** x)",
)
# relu's gradient is TensorFlow's ReluGrad: g where x > 0, with a zero gradient with
# respect to x (ReluGradGrad), so that the Hessian of relu(x) is zeros, not None.
_relu_grad = defprim(
    "relu_grad", _relu_grad_impl,
    lambda h, ans, g, x: relu_grad(h, x), zero_gradient(1), arity=2,
    doc="g where x > 0, else 0: relu's gradient (TensorFlow's ReluGrad)",
)


def relu_grad(g: Any, x: Any) -> Tensor:
    """g where x > 0, else 0 (g and x of one shape): the gradient of relu."""
    return bind(_relu_grad, (g, x))


relu = _unary(
    "relu", lambda x: np.maximum(x, 0), lambda g, ans, x: relu_grad(g, x),
    "max(x, 0); its derivative at 0 is taken as 0",
)

_erf_ufunc = np.frompyfunc(math.erf, 1, 1)


def _erf_impl(x: Any) -> Any:
    if np.ndim(x) == 0:
        return np.float64(math.erf(float(x)))
    return _erf_ufunc(x).astype(np.result_type(x, np.float64))


def _exp_minus_square(x: Any) -> Tensor:
    """exp(-x^2) with every digit: x*x rounds by up to x^2/2^53 (75 ulps of the result
    at x = 26), so the rounding error e = x^2 - fl(x*x), found exactly by Dekker's split,
    enters as the constant factor exp(-e). A constant, it leaves the derivatives those
    of exp(-x*x), right to the same digits."""
    raw = np.asarray(_raw(x), dtype=np.float64)
    with np.errstate(all="ignore"):
        high = raw * raw
        split = raw * 134217729.0  # 2^27 + 1
        head = split - (split - raw)
        tail = raw - head
        error = ((head * head - high) + 2.0 * head * tail) + tail * tail
        factor = np.exp(-np.where(np.abs(raw) < 30.0, error, 0.0))
    dtype = _dtype(x) if _dtype(x).kind == "f" else np.dtype(np.float64)
    return exp(negative(square(x))) * Tensor._wrap(factor.astype(dtype))


erf = _unary(
    "erf", _erf_impl,
    lambda g, ans, x: mul_strong_zero(_exp_minus_square(x) * _TWO_OVER_SQRT_PI, g),
    "the error function",
)

_erfc_ufunc = np.frompyfunc(math.erfc, 1, 1)


def _erfc_impl(x: Any) -> Any:
    # math.erfc keeps every digit where 1 - erf(x) keeps none (erfc(10) = 2.1e-45).
    if np.ndim(x) == 0:
        return np.float64(math.erfc(float(x)))
    return _erfc_ufunc(x).astype(np.result_type(x, np.float64))


erfc = _unary(
    "erfc", _erfc_impl,
    lambda g, ans, x: mul_strong_zero(_exp_minus_square(x) * -_TWO_OVER_SQRT_PI, g),
    "the complementary error function 1 - erf(x), accurate where erf(x) rounds to 1",
)

# -- the gamma family ------------------------------------------------------------------
#
# numpy has no gamma functions: their numbers are scipy.special's, imported on first use
# (so that `import adcli` and the command line start without it). The gradient rules
# are TensorFlow's (LgammaGrad, DigammaGrad, PolygammaGrad): d lgamma = digamma,
# d digamma = polygamma(1, x), d polygamma(n, x)/dx = polygamma(n + 1, x), and
# d gamma = gamma digamma; the order n of polygamma is a static whole number, so its
# gradient is None, as PolygammaGrad's for `a`.

_POLES = "every x but the poles 0, -1, -2, ..."


def _special() -> Any:
    import scipy.special

    return scipy.special


def _out(value: Any) -> Any:
    # A scalar result as a numpy scalar, as numpy's ufuncs give it.
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _gamma_impl(x: Any) -> Any:
    # scipy's (C99's tgamma's) answers at the poles: +-inf at +-0, nan at -1, -2, ...
    return _out(_special().gamma(x))


def _lgamma_impl(x: Any) -> Any:
    # log|gamma(x)|, as tf.math.lgamma: inf at every pole. scipy's is inf also below
    # 5.6e-309 (where its 1/x overflows); there -log|x| is the value to every digit (the
    # next term, euler x, is below 1e-300 of it).
    out = _special().gammaln(x)
    tiny = np.less(np.abs(x), 1e-300) & np.not_equal(x, 0)
    if np.any(tiny):
        with np.errstate(divide="ignore"):
            out = np.where(tiny, -np.log(np.abs(x)), out)
    return _out(out)


def _digamma_impl(x: Any) -> Any:
    # nan at every pole, 0 included, as tf.math.digamma (Eigen's psi); scipy's gives
    # -inf at +0 and inf at -0.
    out = _special().digamma(x)
    zero = np.equal(x, 0)
    if np.any(zero):
        out = np.where(zero, np.nan, out)
    return _out(out)


def _polygamma_impl(x: Any, n: int) -> Any:
    if n == 0:
        return _digamma_impl(x)
    # (-1)^(n+1) n! zeta(n + 1, x). At the poles (and -inf), as tf.math.polygamma: inf
    # for an odd n (the limit from both sides), nan for an even n (whose two sides are
    # +-inf; scipy's is -inf).
    out = _special().polygamma(n, x)
    if n % 2 == 0:
        with np.errstate(invalid="ignore"):
            pole = np.less_equal(x, 0) & np.equal(np.floor(x), x)
        if np.any(pole):
            out = np.where(pole, np.nan, out)
    return _out(out)


def _whole_order(n: Any) -> int:
    """polygamma's order as a Python int: a whole number >= 0 (a one-element tensor
    holding one too), else a ValueError."""
    raw = _raw(n)
    if isinstance(raw, np.ndarray) and raw.size == 1:
        raw = raw.reshape(())[()]
    if isinstance(raw, (bool, np.bool_)) or not isinstance(
            raw, (int, float, np.integer, np.floating)) or not float(raw).is_integer() \
            or raw < 0:
        raise ValueError(f"polygamma() needs a whole number n >= 0, not {raw!r}")
    return int(raw)


gamma = _unary(
    "gamma", _gamma_impl,
    lambda g, ans, x: mul_strong_zero(ans * digamma(x), g),
    "the gamma function (gamma(n) = (n - 1)! for whole n > 0)", domain=_POLES,
)
lgamma = _unary(
    "lgamma", _lgamma_impl, lambda g, ans, x: mul_strong_zero(digamma(x), g),
    "log|gamma(x)| (inf at the poles 0, -1, -2, ...)",
)
digamma = _unary(
    "digamma", _digamma_impl, lambda g, ans, x: mul_strong_zero(polygamma(1, x), g),
    "the digamma function, d/dx log|gamma(x)| (nan at the poles)", domain=_POLES,
)
_polygamma = defprim(
    "polygamma", _polygamma_impl,
    lambda g, ans, x, n: mul_strong_zero(polygamma(n + 1, x), g), arity=1,
    doc="the n-th derivative of digamma, for a static whole n >= 0", domain=_POLES,
)


def polygamma(n: Any, x: Any, name: str | None = None) -> Tensor:
    """the n-th derivative of digamma (n a whole number >= 0; no gradient in n)"""
    return bind(_polygamma, (x,), {"n": _whole_order(n)})


def factorial(x: Any, name: str | None = None) -> Tensor:
    """x! = gamma(x + 1), for every real x (factorial(0.5) = gamma(1.5))"""
    return gamma(add(x, 1.0))


# As TensorFlow's MaximumGrad and MinimumGrad: one mask (x >= y, x <= y) sends g to x
# where it holds and to y elsewhere, so ties send it to x.
maximum = _binary(
    "maximum", np.maximum,
    lambda g, ans, x, y: where(greater_equal(x, y), g, 0.0),
    lambda g, ans, x, y: where(greater_equal(x, y), 0.0, g),
    "the elementwise larger of x and y (ties send the gradient to x)",
)
minimum = _binary(
    "minimum", np.minimum,
    lambda g, ans, x, y: where(less_equal(x, y), g, 0.0),
    lambda g, ans, x, y: where(less_equal(x, y), 0.0, g),
    "the elementwise smaller of x and y (ties send the gradient to x)",
)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: str | None = None) -> Tensor:
    """t limited to [clip_value_min, clip_value_max]: maximum(minimum(t, max), min), in
    TensorFlow's order, so at either bound the gradient goes to t."""
    return maximum(minimum(t, clip_value_max), clip_value_min)


clip = clip_by_value

_where = defprim(
    "where",
    np.where,
    None,
    lambda g, ans, c, x, y: _unbroadcast(where(c, g, 0.0), _shape(x)),
    lambda g, ans, c, x, y: _unbroadcast(where(c, 0.0, g), _shape(y)),
    arity=3,
    doc="x where cond is true, else y",
)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """x where condition holds, else y (broadcasting all three)."""
    if x is None or y is None:
        raise TypeError("where() needs a condition, x and y")
    return bind(_where, (condition, x, y))


floor = _nondiff("floor", np.floor, 1, "rounds down (piecewise constant)")
ceil = _nondiff("ceil", np.ceil, 1, "rounds up (piecewise constant)")
round = _nondiff("round", np.round, 1, "rounds half to even (piecewise constant)")  # noqa: A001

equal = _nondiff("equal", np.equal, 2, "x == y")
not_equal = _nondiff("not_equal", np.not_equal, 2, "x != y")
less = _nondiff("less", np.less, 2, "x < y")
less_equal = _nondiff("less_equal", np.less_equal, 2, "x <= y")
greater = _nondiff("greater", np.greater, 2, "x > y")
greater_equal = _nondiff("greater_equal", np.greater_equal, 2, "x >= y")
logical_and = _nondiff("logical_and", np.logical_and, 2, "x and y, elementwise")
logical_or = _nondiff("logical_or", np.logical_or, 2, "x or y, elementwise")
logical_not = _nondiff("logical_not", np.logical_not, 1, "not x, elementwise")

# -- composed elementary functions -----------------------------------------------
# Written with the primitives above and no rules of their own: their derivatives and
# Taylor series (at any order and precision) follow from those of the primitives.

def sec(x: Any, name: str | None = None) -> Tensor:
    """the secant 1 / cos(x)"""
    return reciprocal(cos(x))


def csc(x: Any, name: str | None = None) -> Tensor:
    """the cosecant 1 / sin(x)"""
    return reciprocal(sin(x))


def cot(x: Any, name: str | None = None) -> Tensor:
    """the cotangent cos(x) / sin(x)"""
    return cos(x) / sin(x)


def sech(x: Any, name: str | None = None) -> Tensor:
    """the hyperbolic secant 1 / cosh(x)"""
    return reciprocal(cosh(x))


def csch(x: Any, name: str | None = None) -> Tensor:
    """the hyperbolic cosecant 1 / sinh(x)"""
    return reciprocal(sinh(x))


def coth(x: Any, name: str | None = None) -> Tensor:
    """the hyperbolic cotangent cosh(x) / sinh(x)"""
    # As 1 / tanh(x): cosh(x) / sinh(x) is inf / inf = nan from |x| = 710 on.
    return reciprocal(tanh(x))


def asec(x: Any, name: str | None = None) -> Tensor:
    """the arcsecant acos(1 / x), for |x| >= 1, in [0, pi]"""
    return acos(reciprocal(x))


def acsc(x: Any, name: str | None = None) -> Tensor:
    """the arccosecant asin(1 / x), for |x| >= 1, in [-pi/2, pi/2]"""
    return asin(reciprocal(x))


def acot(x: Any, name: str | None = None) -> Tensor:
    """the arccotangent atan(1 / x), in (-pi/2, pi/2], acot(0) = pi/2 (as mpmath.acot)"""
    # atan(1/x) = atan2(s, s x) with s = -1 for x < 0 and 1 elsewhere (at -0 too, so
    # acot(-0) = pi/2): no 1/x to overflow at tiny x, whose derivative would be
    # 0 * inf there, and the derivative is -1 / (1 + x^2) to every digit.
    s = where(less(x, 0.0), -1.0, 1.0)
    return atan2(s, s * x)


def logaddexp(x: Any, y: Any, name: str | None = None) -> Tensor:
    """log(exp(x) + exp(y)) without overflow: max(x, y) + log1p(exp(-|x - y|))"""
    # max + softplus(-|x - y|) written per branch, so that a tie (x = y) sends half the
    # gradient to each (1/2, not the whole of it to x) and every order is smooth there.
    return where(greater_equal(x, y), x + softplus(y - x), y + softplus(x - y))


def hypot(x: Any, y: Any, name: str | None = None) -> Tensor:
    """sqrt(x^2 + y^2) without overflow or underflow (at 1e200 or 1e-200)"""
    # Scaled by a constant power of two per element, as norm is; the same bits where the
    # squares are normal numbers.
    c = _inverse_scale(x, y)
    return sqrt(square(x * c) + square(y * c)) / c


_stop_gradient = defprim("stop_gradient", lambda x: x, arity=1,
                         doc="x, with no gradient through it")


def stop_gradient(x: Any, name: str | None = None) -> Tensor:
    """x itself, but gradients do not flow through it."""
    return bind(_stop_gradient, (x,))


def _cast_vjp(g: Tensor, ans: Tensor, x: Any, dtype: np.dtype) -> Tensor:
    return cast(g, _dtype(x))


_cast = defprim("cast", lambda x, dtype: np.asarray(x).astype(dtype), _cast_vjp, arity=1,
                doc="x converted to another dtype")


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """x as `dtype`; gradients flow between float dtypes only."""
    return bind(_cast, (x,), {"dtype": as_dtype(dtype)})


# -- reductions ---------------------------------------------------------------

def _reduction(name: str, impl: Any, vjp: Any, doc: str) -> Any:
    prim = defprim(name, impl, vjp, arity=1, doc=doc)

    def op(input_tensor: Any, axis: Any = None, keepdims: bool = False,
           name: str | None = None) -> Tensor:
        axes = _norm_axis(axis, len(_shape(input_tensor)))
        return bind(prim, (input_tensor,), {"axis": axes, "keepdims": bool(keepdims)})

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


def _sum_vjp(g: Tensor, ans: Tensor, x: Any, axis: Any, keepdims: bool) -> Tensor:
    return broadcast_to(_expand_reduced(g, x, axis, keepdims), _shape(x))


def _prod_vjp(g: Tensor, ans: Tensor, x: Any, axis: Any, keepdims: bool) -> Tensor:
    # d prod / d x_i is the product of the other entries. g * ans / x would be nan
    # where x has a zero, so the exclusive products are taken from a binary tree of
    # products instead (as JAX does): each leaf's is the product of the sibling
    # subtrees on its path to the root. Only multiplications and reshapes, so the
    # rule is exact with zeros, costs O(n) and differentiates again to any order.
    shape = _shape(x)
    ndim = len(shape)
    if ndim == 0:
        return reshape(g, ())
    axes = tuple(_brange(ndim)) if axis is None else axis
    kept = tuple(i for i in _brange(ndim) if i not in axes)
    perm = axes + kept
    n = math.prod(shape[a] for a in axes)
    m = math.prod(shape[k] for k in kept)
    moved = x if perm == tuple(_brange(ndim)) else transpose(x, perm)
    level = reshape(moved, (n, m))
    width = 1
    while width < n:
        width *= 2
    if width > n:
        level = concat([level, ones((width - n, m), _dtype(x))], axis=0)
    levels = [level]
    while width > 1:
        level = level[0::2] * level[1::2]
        levels.append(level)
        width //= 2
    exclusive = reshape(g, (1, m))
    for level in reversed(levels[:-1]):
        left, right = level[0::2], level[1::2]
        # mul_strong_zero: a zero g contributes 0 even beside an infinite entry.
        pair = [mul_strong_zero(right, exclusive), mul_strong_zero(left, exclusive)]
        exclusive = reshape(stack(pair, axis=1), (2 * _shape(left)[0], m))
    if _shape(exclusive)[0] > n:
        exclusive = exclusive[:n]
    exclusive = reshape(exclusive, tuple(shape[p] for p in perm))
    if perm == tuple(_brange(ndim)):
        return exclusive
    return transpose(exclusive, tuple(np.argsort(perm)))


def _extremum_vjp(g: Tensor, ans: Tensor, x: Any, axis: Any, keepdims: bool) -> Tensor:
    # Ties share the gradient equally, as in TensorFlow.
    hit = cast(equal(x, _expand_reduced(ans, x, axis, keepdims)), _dtype(g))
    count = reduce_sum(hit, axis=axis, keepdims=True)
    return hit * _expand_reduced(g, x, axis, keepdims) / count


def _logsumexp_impl(x: Any, axis: Any, keepdims: bool) -> Any:
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.reshape(out, np.shape(np.sum(x, axis=axis)))


def _logsumexp_vjp(g: Tensor, ans: Tensor, x: Any, axis: Any, keepdims: bool) -> Tensor:
    # The softmax, from exponentials shifted by the peak as the forward takes them:
    # exp(x - ans) loses every digit of ans - x where x is large (at [1e16, 1e16] ans
    # rounds to 1e16, giving [1, 1] for [0.5, 0.5]). The softmax does not depend on
    # the shift, so the peak may be differentiated through (reduce_max): then the next
    # order's p (1 - p) at the dominant entry comes out as p times the sum of the
    # others, not as p - p^2, which cancels where p is near 1.
    peak = reduce_max(x, axis=axis, keepdims=True)
    finite = Tensor._wrap(np.isfinite(_raw(peak)))
    shifted = exp(x - where(finite, peak, 0.0))
    softmax = shifted / reduce_sum(shifted, axis=axis, keepdims=True)
    return mul_strong_zero(softmax, _expand_reduced(g, x, axis, keepdims))


reduce_sum = _reduction("reduce_sum", lambda x, axis, keepdims: np.sum(x, axis, keepdims=keepdims),
                        _sum_vjp, "the sum over `axis` (all axes by default)")
reduce_prod = _reduction(
    "reduce_prod", lambda x, axis, keepdims: np.prod(x, axis, keepdims=keepdims),
    _prod_vjp, "the product over `axis`",
)
reduce_max = _reduction("reduce_max", lambda x, axis, keepdims: np.max(x, axis, keepdims=keepdims),
                        _extremum_vjp, "the largest entry over `axis`")
reduce_min = _reduction("reduce_min", lambda x, axis, keepdims: np.min(x, axis, keepdims=keepdims),
                        _extremum_vjp, "the smallest entry over `axis`")
reduce_logsumexp = _reduction("reduce_logsumexp", _logsumexp_impl, _logsumexp_vjp,
                              "log(sum(exp(x))) over `axis`, without overflow")


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                name: str | None = None) -> Tensor:
    """The mean over `axis` (all axes by default)."""
    shape = _shape(input_tensor)
    axes = _norm_axis(axis, len(shape))
    count = math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)
    total = reduce_sum(input_tensor, axis=axes, keepdims=keepdims)
    return total / float(count) if _dtype(total).kind == "f" else total / count


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: bool = False,
         name: str | None = None) -> Tensor:
    """The euclidean (default), 1 or inf norm over `axis` (all entries by default)."""
    if ord in ("euclidean", "fro", 2, 2.0):
        # Scaled by a constant power of two per norm, as hypot is: the same bits where
        # squares are normal numbers, and no overflow at 1e200 or underflow at 1e-200
        # (of the value or of its derivatives).
        raw = _raw(tensor)
        if not np.size(raw) or _dtype(tensor).kind == "O":  # empty, or formulas: no scale
            return sqrt(reduce_sum(square(tensor), axis=axis, keepdims=keepdims))
        axes = _norm_axis(axis, len(_shape(tensor)))
        c = _inverse_scale(np.max(np.abs(raw), axis=axes, keepdims=True))
        total = reduce_sum(square(tensor * c), axis=axes, keepdims=keepdims)
        return sqrt(total) / Tensor._wrap(np.reshape(c._value, _shape(total)))
    if ord in (1, 1.0):
        return reduce_sum(abs(tensor), axis=axis, keepdims=keepdims)
    if ord in (np.inf, "inf"):
        return reduce_max(abs(tensor), axis=axis, keepdims=keepdims)
    raise ValueError(f"norm ord must be 'euclidean', 1 or inf, not {ord!r}")


# -- linear algebra and shape ---------------------------------------------------

def _matrix_t(x: Any) -> Tensor:
    nd = len(_shape(x))
    return transpose(x, tuple(_brange(nd - 2)) + (nd - 1, nd - 2))


# The products of g with single entries (outer products) are mul_strong_zero, as in the
# elementwise rules; the sums of products of matmul itself are left to IEEE.
def _matmul_da(g: Tensor, ans: Tensor, a: Any, b: Any) -> Tensor:
    ash, bsh = _shape(a), _shape(b)
    if len(ash) == 1 and len(bsh) == 1:
        return mul_strong_zero(b, g)
    if len(ash) == 1:                           # (k,) @ (..., k, n) -> (..., n)
        return _unbroadcast(matmul(b, expand_dims(g, -1))[..., 0], ash)
    if len(bsh) == 1:                           # (..., m, k) @ (k,) -> (..., m)
        return _unbroadcast(mul_strong_zero(b, expand_dims(g, -1)), ash)
    return _unbroadcast(matmul(g, _matrix_t(b)), ash)


def _matmul_db(g: Tensor, ans: Tensor, a: Any, b: Any) -> Tensor:
    ash, bsh = _shape(a), _shape(b)
    if len(ash) == 1 and len(bsh) == 1:
        return mul_strong_zero(a, g)
    if len(ash) == 1:
        return _unbroadcast(mul_strong_zero(expand_dims(a, -1), expand_dims(g, -2)), bsh)
    if len(bsh) == 1:
        return _unbroadcast(matmul(_matrix_t(a), expand_dims(g, -1))[..., 0], bsh)
    return _unbroadcast(matmul(_matrix_t(a), g), bsh)


_matmul = defprim("matmul", np.matmul, _matmul_da, _matmul_db, arity=2,
                  doc="the matrix product a @ b")


def matmul(a: Any, b: Any, name: str | None = None) -> Tensor:
    """The matrix product a @ b, with numpy's rules for vectors and batches."""
    if len(_shape(a)) == 0 or len(_shape(b)) == 0:
        raise ValueError("matmul needs tensors of rank 1 or more; use multiply for scalars")
    return bind(_matmul, (a, b))


def _transpose_vjp(g: Tensor, ans: Tensor, x: Any, perm: Any) -> Tensor:
    return transpose(g, None if perm is None else tuple(np.argsort(perm)))


_transpose = defprim("transpose", lambda x, perm: np.transpose(x, perm), _transpose_vjp,
                     arity=1,
                     doc="x with its axes permuted (reversed by default)")


def transpose(a: Any, perm: Any = None, name: str | None = None) -> Tensor:
    """a with its axes permuted by `perm` (reversed by default)."""
    return bind(_transpose, (a,), {"perm": None if perm is None else tuple(int(p) for p in perm)})


_reshape = defprim("reshape", lambda x, shape: np.reshape(x, shape),
                   lambda g, ans, x, shape: reshape(g, _shape(x)), arity=1,
                   doc="x with a new shape of the same size")


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """tensor with a new shape (one entry may be -1)."""
    return bind(_reshape, (tensor,), {"shape": tuple(int(s) for s in _as_shape(shape))})


_broadcast_to = defprim(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    lambda g, ans, x, shape: _unbroadcast(g, _shape(x)),
    arity=1,
    doc="x repeated along new or length-1 axes to `shape`",
)


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """input broadcast to `shape`, as numpy broadcasts."""
    return bind(_broadcast_to, (input,), {"shape": tuple(int(s) for s in _as_shape(shape))})


def _as_shape(shape: Any) -> tuple:
    raw = _raw(shape)
    if isinstance(raw, (int, np.integer)):
        return (int(raw),)
    return tuple(np.asarray(raw).reshape(-1).tolist()) if not isinstance(raw, tuple) else raw


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """input without its length-1 axes (or only those in `axis`)."""
    shape = _shape(input)
    axes = _norm_axis(axis, len(shape))
    if axes is not None and any(shape[a] != 1 for a in axes):
        raise ValueError(f"cannot squeeze an axis whose length is not 1 (shape {shape})")
    keep = [s for i, s in enumerate(shape) if not (s == 1 and (axes is None or i in axes))]
    return reshape(input, keep)


def expand_dims(input: Any, axis: int, name: str | None = None) -> Tensor:  # noqa: A002
    """input with a new length-1 axis at `axis`."""
    shape = list(_shape(input))
    position = int(axis) if axis >= 0 else len(shape) + 1 + int(axis)
    if not 0 <= position <= len(shape):
        raise ValueError(f"axis {axis} is out of range for a tensor of rank {len(shape)}")
    shape.insert(position, 1)
    return reshape(input, shape)


def _concat_vjp(k: int, g: Tensor, ans: Tensor, *xs: Any, axis: int) -> Tensor:
    start = sum(_shape(x)[axis] for x in xs[:k])
    index = (slice(None),) * axis + (slice(start, start + _shape(xs[k])[axis]),)
    return g[index]


_concat = defprim("concat", lambda *xs, axis: np.concatenate(xs, axis), arity=None,
                  vjp_any=_concat_vjp,
                  doc="tensors joined along an existing axis")


def concat(values: Any, axis: int, name: str | None = None) -> Tensor:
    """The tensors in `values` joined along the existing axis `axis`."""
    values = tuple(values)
    if not values:
        raise ValueError("concat needs at least one tensor")
    ndim = len(_shape(values[0]))
    if ndim == 0:
        raise ValueError("concat needs tensors of rank 1 or more; use stack for scalars")
    return bind(_concat, values, {"axis": _norm_axis(axis, ndim)[0]})


def _stack_vjp(k: int, g: Tensor, ans: Tensor, *xs: Any, axis: int) -> Tensor:
    return g[(slice(None),) * axis + (k,)]


_stack = defprim("stack", lambda *xs, axis: np.stack(xs, axis), arity=None,
                 vjp_any=_stack_vjp,
                 doc="tensors of one shape joined along a new axis")


def stack(values: Any, axis: int = 0, name: str | None = None) -> Tensor:
    """The tensors in `values` (all of one shape) joined along a new axis."""
    values = tuple(values)
    if not values:
        raise ValueError("stack needs at least one tensor")
    return bind(_stack, values, {"axis": _norm_axis(axis, len(_shape(values[0])) + 1)[0]})


def _tile_vjp(g: Tensor, ans: Tensor, x: Any, multiples: tuple[int, ...]) -> Tensor:
    shape = _shape(x)
    shape = (1,) * (len(multiples) - len(shape)) + shape
    interleaved = tuple(v for pair in zip(multiples, shape, strict=True) for v in pair)
    summed = reduce_sum(reshape(g, interleaved), axis=tuple(_brange(0, 2 * len(shape), 2)))
    return reshape(summed, _shape(x))


_tile = defprim("tile", lambda x, multiples: np.tile(x, multiples), _tile_vjp, arity=1,
                doc="x repeated `multiples[i]` times along axis i")


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """input repeated `multiples[i]` times along each axis i."""
    multiples = tuple(int(m) for m in _as_shape(multiples))
    if len(multiples) < len(_shape(input)):
        raise ValueError("tile needs one multiple per axis")
    return bind(_tile, (input,), {"multiples": multiples})


def _index_is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


def _scatter_impl(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    out = np.zeros(shape, dtype=np.result_type(g))
    if _index_is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


_scatter = defprim("scatter", _scatter_impl,
                   lambda g, ans, v, index, shape: g[index], arity=1,
                   doc="zeros of `shape` with v added at `index` (the gradient of indexing)")
_getitem = defprim("getitem", lambda x, index: x[index],
                   lambda g, ans, x, index: bind(_scatter, (g,), {"index": index,
                                                                  "shape": _shape(x)}),
                   arity=1,
                   doc="x[index]")


def _static_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_static_index(i) for i in index)
    if isinstance(index, Tensor):
        value = index._value
        return value if np.ndim(value) else value[()] if isinstance(value, np.ndarray) else value
    if isinstance(index, list):
        return np.asarray(index)
    return index


def gather_index(x: Any, index: Any) -> Tensor:
    """x[index] with numpy's indexing rules; differentiable with respect to x."""
    return bind(_getitem, (x,), {"index": _static_index(index)})


def _diag_vjp(g: Tensor, ans: Tensor, v: Any) -> Tensor:
    return diag_part(g)


_diag = defprim("diag", lambda v: np.diag(v), _diag_vjp, arity=1,
                doc="the square matrix with v on its diagonal")


def _diag_part_vjp(g: Tensor, ans: Tensor, m: Any) -> Tensor:
    k = _shape(ans)[0]
    return bind(_scatter, (g,), {"index": (np.arange(k), np.arange(k)), "shape": _shape(m)})


_diag_part = defprim("diag_part", lambda m: np.diagonal(m).copy(), _diag_part_vjp, arity=1,
                     doc="the main diagonal of a matrix")


def diag(v: Any, name: str | None = None) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal (numpy's diag)."""
    ndim = len(_shape(v))
    if ndim == 1:
        return bind(_diag, (v,))
    if ndim == 2:
        return bind(_diag_part, (v,))
    raise ValueError(f"diag needs a vector or a matrix, not a tensor of rank {ndim}")


def diag_part(m: Any, name: str | None = None) -> Tensor:
    """The main diagonal of a matrix."""
    return bind(_diag_part, (m,))


def trace(x: Any, name: str | None = None) -> Tensor:
    """The sum of a matrix's diagonal."""
    return reduce_sum(diag_part(x))


def dot(a: Any, b: Any) -> Tensor:
    """The inner product of vectors, or the matrix product (numpy's dot for rank <= 2)."""
    if len(_shape(a)) == 1 and len(_shape(b)) == 1:
        if _shape(a) != _shape(b):
            raise ValueError(f"dot of vectors of shapes {_shape(a)} and {_shape(b)}")
        return reduce_sum(multiply(a, b))
    if len(_shape(a)) == 0 or len(_shape(b)) == 0:
        return multiply(a, b)
    return matmul(a, b)


# -- creation -------------------------------------------------------------------

def _creation_dtype(dtype: Any) -> np.dtype:
    return as_dtype(dtype) or np.dtype(np.float64)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None) -> Tensor:
    """A tensor holding `value` (a number, nested list or array); floats are float64."""
    array = to_array(value, dtype)
    if dtype is None and array.dtype.kind == "f" and array.dtype != np.float64 \
            and not isinstance(_raw(value), (np.ndarray, np.generic)):
        array = array.astype(np.float64)
    if shape is not None:
        array = np.broadcast_to(array, _as_shape(shape)) if array.size == 1 \
            else np.reshape(array, _as_shape(shape))
        array = np.array(array)
    return Tensor._wrap(array)


def convert_to_tensor(value: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """value itself if it is a tensor of the right dtype, else a new constant."""
    if isinstance(value, Tensor) and (dtype is None or as_dtype(dtype) == value.dtype):
        return value
    return constant(value, dtype)


def ones(shape: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of ones (float64 by default)."""
    return Tensor._wrap(np.ones(_as_shape(shape), _creation_dtype(dtype)))


def zeros(shape: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of zeros (float64 by default)."""
    return Tensor._wrap(np.zeros(_as_shape(shape), _creation_dtype(dtype)))


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape `dims` filled with `value` (differentiable in value)."""
    shape = _as_shape(dims)
    if isinstance(value, Tensor):
        return broadcast_to(value, shape)
    return Tensor._wrap(np.full(shape, value, dtype=np.result_type(value, np.float64)
                                if isinstance(value, float) else None))


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Ones of input's shape (and dtype unless given)."""
    return Tensor._wrap(np.ones(_shape(input), as_dtype(dtype) or _dtype(input)))


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Zeros of input's shape (and dtype unless given)."""
    return Tensor._wrap(np.zeros(_shape(input), as_dtype(dtype) or _dtype(input)))


def eye(num_rows: int, num_columns: int | None = None, dtype: Any = None,
        name: str | None = None) -> Tensor:
    """The identity matrix (num_rows x num_columns)."""
    return Tensor._wrap(np.eye(int(num_rows), None if num_columns is None else int(num_columns),
                               dtype=_creation_dtype(dtype)))


def linspace(start: Any, stop: Any, num: int, name: str | None = None) -> Tensor:
    """`num` evenly spaced values from start to stop, both included."""
    num = int(num)
    if isinstance(start, Tensor) or isinstance(stop, Tensor):
        steps = np.arange(num, dtype=np.float64) / max(num - 1, 1)
        return start + (stop - start) * steps
    return Tensor._wrap(np.linspace(float(start), float(stop), num))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str | None = None) -> Tensor:
    """start, start + delta, ... below limit (TensorFlow's tf.range)."""
    if limit is None:
        start, limit = 0, start
    values = np.arange(_raw(start), _raw(limit), _raw(delta))
    return Tensor._wrap(values.astype(as_dtype(dtype)) if dtype is not None else values)


def size(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The number of entries, as an integer tensor."""
    return Tensor._wrap(np.int64(np.size(_raw(input))))


def shape(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The shape, as an integer vector tensor."""
    return Tensor._wrap(np.array(_shape(input), dtype=np.int64))


def identity(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """input itself, recorded (a differentiable copy)."""
    return reshape(input, _shape(input))


# -- Python operators on tensors ----------------------------------------------------

def _install_operators() -> None:
    def reflected(op: Any) -> Any:
        return lambda self, other: op(other, self)

    def eq(self: Tensor, other: Any) -> Any:
        return False if other is None else equal(self, other)

    def ne(self: Tensor, other: Any) -> Any:
        return True if other is None else not_equal(self, other)

    def logical(op: Any) -> Any:
        def method(self: Tensor, other: Any) -> Tensor:
            if _dtype(self).kind != "b":
                raise TypeError("& and | need boolean tensors")
            return op(self, other)
        return method

    def invert(self: Tensor) -> Tensor:
        if _dtype(self).kind != "b":
            raise TypeError("~ needs a boolean tensor")
        return logical_not(self)

    table = {
        "__add__": add, "__radd__": reflected(add),
        "__sub__": subtract, "__rsub__": reflected(subtract),
        "__mul__": multiply, "__rmul__": reflected(multiply),
        "__truediv__": divide, "__rtruediv__": reflected(divide),
        "__floordiv__": floor_divide, "__rfloordiv__": reflected(floor_divide),
        "__mod__": mod, "__rmod__": reflected(mod),
        "__pow__": pow, "__rpow__": reflected(pow),
        "__matmul__": matmul, "__rmatmul__": reflected(matmul),
        "__neg__": negative, "__pos__": lambda self: self, "__abs__": abs,
        "__lt__": less, "__le__": less_equal, "__gt__": greater, "__ge__": greater_equal,
        "__eq__": eq, "__ne__": ne, "__getitem__": gather_index,
        "__and__": logical(logical_and), "__or__": logical(logical_or),
        "__invert__": invert,
    }
    for method_name, function in table.items():
        setattr(Tensor, method_name, function)
    Tensor.__hash__ = None  # type: ignore[assignment]
    Variable.__hash__ = None  # type: ignore[assignment]


_install_operators()

__all__ = [
    "abs", "acos", "acosh", "acot", "acsc", "add", "asec", "asin", "asinh", "atan", "atan2",
    "atanh", "broadcast_to", "cast", "cbrt", "ceil", "clip", "clip_by_value", "concat", "constant",
    "convert_to_tensor", "cos", "cosh", "cot", "coth", "csc", "csch", "diag", "diag_part",
    "digamma", "divide", "dot", "equal", "erf", "erfc", "exp", "expand_dims", "expm1", "eye",
    "factorial", "fill", "floor", "floor_divide", "gamma", "gather_index", "greater",
    "greater_equal", "hypot", "identity", "integer_pow", "less", "less_equal", "lgamma",
    "linspace", "log", "log10", "log1p", "log2", "logaddexp", "logical_and", "logical_not",
    "logical_or", "matmul", "maximum", "minimum", "mod", "multiply", "negative", "norm",
    "not_equal", "ones", "ones_like", "polygamma", "pow", "range", "reciprocal", "reduce_logsumexp",
    "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "relu", "reshape",
    "round", "sec", "sech", "shape", "sigmoid", "sign", "sin", "sinh", "size", "softplus", "sqrt",
    "square", "squeeze", "stack", "stop_gradient", "subtract", "tan", "tanh", "tile", "trace",
    "transpose", "where", "zeros", "zeros_like",
]
