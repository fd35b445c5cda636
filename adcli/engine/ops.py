"""Every engine operation, each defined once: its primitive (numpy and scalar forwards +
gradient rules).

This module holds three interpretations of each primitive, given to `defprim` (or to
the `_unary`, `_binary`, `_nondiff` and `_reduction` shorthands) where the
primitive is defined: its numpy forward (`impl`), its scalar forward (`scalar`, on
Python floats with the math module; see "the scalar forms" below) and its gradient
rules, with its `arity`. Its Taylor rule and its mpmath forward are registered
beside each other in adcli/engine/series.py, keyed by the primitive object (`series.P.<name>`); see
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
operators on Tensor. Imports the tensor and primitives modules and numpy only (and
the standard library's math, operator and, for the scalar tanh, decimal).
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from typing import Any

from adcli.engine.lazy_numpy import np
from adcli.engine.primitives import (
    PRIMITIVES,
    BadShape,
    bind,
    check_count,
    defprim,
    zero_gradient,
)
from adcli.engine.tensor import Tensor, Variable, as_dtype, scalar_tensor, to_array

_brange = builtins.range
_babs = builtins.abs


# -- helpers ------------------------------------------------------------------

def _raw(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


def _shape(x: Any) -> tuple[int, ...]:
    value = x._v if isinstance(x, Tensor) else x
    kind = type(value)
    if kind is float or kind is bool or kind is int:
        return ()
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


def _unary(name: str, impl: Any, vjp: Any, doc: str, domain: str | None = None, *,
           scalar: Any) -> Any:
    prim = defprim(name, impl, vjp, arity=1, doc=doc, domain=domain, scalar=scalar)

    def op(x: Any, name: str | None = None) -> Tensor:
        return bind(prim, (x,))

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


def _binary(name: str, impl: Any, vjp_x: Any, vjp_y: Any, doc: str,
            domain: str | None = None, *, scalar: Any) -> Any:
    def unbroadcasting(rule: Any, argnum: int) -> Any:
        if rule is None:
            return None

        def vjp(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
            grad = rule(g, ans, x, y)
            if type(grad) is Tensor and type(grad._v) is float:
                # A scalar gradient (the scalar path): nothing to sum for a scalar argument.
                arg = y if argnum else x
                value = arg._v if isinstance(arg, Tensor) else arg
                kind = type(value)
                if kind is float or kind is bool or kind is int:
                    return grad
            return _unbroadcast(grad, _shape((x, y)[argnum]))

        return vjp

    prim = defprim(name, impl, unbroadcasting(vjp_x, 0), unbroadcasting(vjp_y, 1), arity=2,
                   doc=doc, domain=domain, scalar=scalar)

    def op(x: Any, y: Any, name: str | None = None) -> Tensor:
        return bind(prim, (x, y))

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


def _nondiff(name: str, impl: Any, nargs: int, doc: str, zero: bool = False, *,
             scalar: Any) -> Any:
    """A piecewise-constant primitive: its gradient is None (TensorFlow's choice for
    Floor, Round, comparisons), or with `zero` zeros of each argument's shape (its
    choice for Sign)."""
    rules = [zero_gradient(k) for k in _brange(nargs)] if zero else []
    prim = defprim(name, impl, *rules, arity=nargs, doc=doc, scalar=scalar)

    def op(*args: Any, name: str | None = None) -> Tensor:
        if len(args) != nargs:
            raise TypeError(f"{prim.name}() takes {nargs} argument(s), got {len(args)}")
        return bind(prim, args)

    op.__name__ = op.__qualname__ = prim.name
    op.__doc__ = doc
    return op


# -- the scalar forms ------------------------------------------------------------------
#
# A primitive's scalar form (`scalar=`, defined beside its numpy forward) is the same
# function on Python floats (ints and bools where the primitive takes them), built on
# the math module: it returns what the numpy form returns for 0-d float64 inputs, as a
# Python float (a bool for comparisons and logical operations), with IEEE values and
# signed zeros kept. The math module raises where numpy returns inf or nan
# (math.log(0.0), math.sqrt(-1.0), math.exp(1000.0), 1.0 / 0.0, math.pow(0.0, -1.0)):
# each form catches that (the try costs nothing when nothing is raised) and returns
# numpy's value, so that no form raises or warns on a float. Where libm and numpy's
# vectorized loops round differently the two may differ in the last bit (at most one
# unit, two for sigmoid, which divides by 1 + exp(-|x|); tests/test_scalar_forms.py
# names those primitives); where glibc is off by more (cbrt, tanh), the form is
# correctly rounded instead. Tensor-shaped primitives (reductions, reshape, matmul,
# indexing, ...) and the gamma family (scipy's numbers) have none.


def _divide_scalar(x: float, y: float) -> float:
    """x / y with IEEE 754's division by zero (numpy's true_divide): an infinity with
    the sign of x times the sign of the zero (1 / -0.0 is -inf), nan for 0 / 0."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)


def _odd_whole(y: float) -> bool:
    """Whether a finite y is an odd whole number (the sign of a negative base survives)."""
    return math.fmod(y, 2.0) in (1.0, -1.0)


def _pow_scalar(x: float, y: float) -> float:
    """x ** y as numpy's power gives it for one exponent. Its fast paths first (numpy/
    _core/src/umath/loops_umath_fp.dispatch.c.src, POWER_FAST_PATH, taken when the
    exponent is a single number): 1 / x, 1, sqrt(x), x and x * x for y = -1, 0, 0.5, 1
    and 2, where sqrt(-0.0) is -0.0 and sqrt(-inf) nan (pow gives 0.0 and inf). Then
    C99's pow, which math.pow is, except that it raises for (+-0) ** (y < 0), which is
    +-inf (the sign kept for an odd whole y), for a finite x < 0 to a finite non-whole
    y, which is nan, and on overflow, which is +-inf (-inf for a negative base to an
    odd whole y) (C99 F.9.4.4)."""
    if y == 2.0:
        return x * x
    if y == 0.5:
        return _sqrt_scalar(x)
    if y == -1.0:
        return _divide_scalar(1.0, x)
    if y == 1.0:
        return x
    try:
        return math.pow(x, y)
    except ValueError:
        if x == 0:
            return math.copysign(math.inf, x) if _odd_whole(y) else math.inf
        return math.nan
    except OverflowError:
        return -math.inf if x < 0 and _odd_whole(y) else math.inf


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


def _mul_strong_zero_scalar(x: float, y: float) -> float:
    """_mul_strong_zero_impl on floats: x * y, but +0.0 where a zero factor met an
    infinite or nan one, noted in ZERO_TIMES_INFINITY when the zero was x."""
    out = x * y
    if out == out:
        return out
    if x == 0 or y == 0:
        if x == 0:
            ZERO_TIMES_INFINITY.append(1)
        return 0.0
    return out


def _relu_grad_impl(g: Any, x: Any) -> Any:
    return np.where(np.greater(x, 0), g, np.zeros((), np.result_type(g)))


def _relu_grad_scalar(g: float, x: float) -> float:
    return g if x > 0 else 0.0


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

# Python's +, - and * on floats are IEEE's (overflow is inf, inf - inf nan): they never
# raise, so they are the scalar forms as they are.
add = _binary("add", "add", lambda g, ans, x, y: g, lambda g, ans, x, y: g, "x + y",
              scalar=operator.add)
subtract = _binary(
    "subtract", "subtract", lambda g, ans, x, y: g, lambda g, ans, x, y: negative(g), "x - y",
    scalar=operator.sub,
)
mul_strong_zero = _binary(
    "mul_strong_zero", _mul_strong_zero_impl,
    lambda g, ans, x, y: mul_strong_zero(y, g),
    lambda g, ans, x, y: mul_strong_zero(x, g),
    "x * y, but 0 where x or y is 0, even if the other is inf or nan",
    scalar=_mul_strong_zero_scalar,
)
_multiply = _binary(
    "multiply", "multiply",
    lambda g, ans, x, y: mul_strong_zero(y, g),
    lambda g, ans, x, y: mul_strong_zero(x, g),
    "x * y",
    scalar=operator.mul,
)

_MULTIPLY = PRIMITIVES["multiply"]


def multiply(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x * y; a tensor times itself is recorded as square(x), whose one rule does the
    work of multiply's two rules and their accumulation."""
    if x is y and isinstance(x, Tensor):
        return square(x)
    return bind(_MULTIPLY, (x, y))


def _divide_dx(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
    return mul_strong_zero(reciprocal(y), g)


def _divide_dy(g: Tensor, ans: Tensor, x: Any, y: Any) -> Tensor:
    # d(x/y)/dy = -x/y^2 = -ans/y, written with the output so no square is formed.
    return mul_strong_zero(negative(ans / y), g)


def _floor_divide_scalar(x: float, y: float) -> float:
    # Python's float // is numpy's npy_divmod (fmod, then the quotient snapped to a
    # whole number, the same steps); by a zero, numpy's npy_floor_divide gives x / y
    # (inf, -inf or nan) for floats and 0 for integers, where Python raises.
    try:
        return x // y
    except ZeroDivisionError:
        if isinstance(x, int) and isinstance(y, int):
            return 0
        return _divide_scalar(x, y)


def _mod_scalar(x: float, y: float) -> float:
    # Python's float % is numpy's npy_divmod remainder (the sign of y); by a zero,
    # numpy's npy_remainder gives fmod(x, 0), nan for floats, and 0 for integers.
    try:
        return x % y
    except ZeroDivisionError:
        if isinstance(x, int) and isinstance(y, int):
            return 0
        return math.nan


divide = _binary("divide", "true_divide", _divide_dx, _divide_dy, "x / y",
                 domain="all x, y except x = y = 0", scalar=_divide_scalar)
floor_divide = _nondiff("floor_divide", "floor_divide", 2, "x // y (piecewise constant)",
                        scalar=_floor_divide_scalar)
mod = _binary(
    "mod", "mod",
    lambda g, ans, x, y: g,
    lambda g, ans, x, y: mul_strong_zero(negative(floor_divide(x, y)), g),
    "x % y with the sign of y, as in Python and numpy",
    scalar=_mod_scalar,
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


_pow = defprim("pow", "power", None, None, arity=2, doc="x ** y",
               domain="x >= 0, or y a whole number", scalar=_pow_scalar)
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


def _integer_pow_scalar(x: float, n: int) -> float:
    # As _integer_pow_impl: numpy's power of the float x to the number n.
    return _pow_scalar(x, n)


def _integer_pow_vjp(g: Tensor, ans: Tensor, x: Any, n: int) -> Tensor:
    if n == 0:
        return zeros_like(x)
    if n == 1:
        return g
    if n == 2:
        return mul_strong_zero(x * 2.0, g)
    return mul_strong_zero(integer_pow(x, n - 1) * float(n), g)


_integer_pow = defprim("integer_pow", _integer_pow_impl, _integer_pow_vjp, arity=1,
                       doc="x ** n for a static integer n (the fast path of pow)",
                       scalar=_integer_pow_scalar)


def integer_pow(x: Any, n: int) -> Tensor:
    """x ** n for a Python integer n; no log is ever taken, so negative x is fine."""
    return bind(_integer_pow, (x,), {"n": int(n)})


def pow(x: Any, y: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TensorFlow's name
    """x ** y; a whole-valued plain-number exponent takes the integer fast path."""
    if not isinstance(y, Tensor) and (isinstance(y, (int, float)) or isinstance(
            y, (np.integer, np.floating))) and float(y).is_integer() and _babs(y) <= 64:
        return integer_pow(x, int(y))
    return bind(_pow, (x, y))


def _sign_scalar(x: float) -> float:
    # numpy's sign: 1, -1, +0.0 at either zero, nan at nan.
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else x


def _reciprocal_scalar(x: float) -> float:
    return _divide_scalar(1.0, x)


def _square_scalar(x: float) -> float:
    return x * x


def _sqrt_scalar(x: float) -> float:
    try:
        return math.sqrt(x)  # sqrt(-0.0) is -0.0, as in numpy
    except ValueError:
        return math.nan


_TWO_TO_THE_53 = 9007199254740992.0


def _cbrt_scalar(x: float) -> float:
    """The real cube root, correctly rounded. glibc's cbrt (math.cbrt) is off by up to
    3 ulps, numpy's (SVML where AVX-512 is there) by at most 0.53, so math.cbrt's
    answer is moved to the nearest float: the float y is the rounded cube root of x
    exactly when x lies strictly between the cubes of the midpoints between y and its
    neighbours, compared here in integers (no cube of a midpoint, 54 significant bits,
    is a float, so there are no ties); one step for each ulp math.cbrt is off."""
    y = math.cbrt(x)
    if y == 0 or not math.isfinite(y):  # +-0, +-inf, nan
        return y
    mantissa, exponent = math.frexp(_babs(x))
    big, low = int(mantissa * _TWO_TO_THE_53), exponent - 53  # |x| = big * 2**low
    y = _babs(y)
    while True:
        mantissa, exponent = math.frexp(y)
        whole, shift = int(mantissa * _TWO_TO_THE_53), exponent - 53  # y = whole * 2**shift
        # The midpoint above y is (2 whole + 1) 2**(shift - 1); below it, where y is a
        # power of two, the gap is half as wide.
        if _cube_exceeds(big, low, 2 * whole + 1, shift - 1):
            y = math.nextafter(y, math.inf)
        elif whole == 4503599627370496:  # 2**52: y is a power of two
            if _cube_exceeds(big, low, 4 * whole - 1, shift - 2):
                return math.copysign(y, x)
            y = math.nextafter(y, 0.0)
        elif _cube_exceeds(big, low, 2 * whole - 1, shift - 1):
            return math.copysign(y, x)
        else:
            y = math.nextafter(y, 0.0)


def _cube_exceeds(big: int, low: int, odd: int, scale: int) -> bool:
    """Whether big * 2**low > (odd * 2**scale)**3, in integers."""
    cube, shift = odd ** 3, 3 * scale - low
    return big > (cube << shift) if shift >= 0 else big << -shift > cube


negative = _unary("negative", "negative", lambda g, ans, x: negative(g), "-x",
                  scalar=operator.neg)
abs = _unary("abs", "abs", lambda g, ans, x: mul_strong_zero(sign(x), g), "|x|",  # noqa: A001
             scalar=_babs)
# Its gradient is zeros, not None, as TensorFlow registers it (SignGrad), so that the
# Hessian of abs(x) is zeros.
sign = _nondiff("sign", "sign", 1, "the sign of x (piecewise constant)", zero=True,
                scalar=_sign_scalar)
reciprocal = _unary(
    "reciprocal", "reciprocal", lambda g, ans, x: mul_strong_zero(negative(square(ans)), g),
    "1 / x", scalar=_reciprocal_scalar,
)
square = _unary("square", "square", lambda g, ans, x: mul_strong_zero(x * 2.0, g), "x * x",
                scalar=_square_scalar)
sqrt = _unary("sqrt", "sqrt", lambda g, ans, x: mul_strong_zero(0.5 / ans, g), "the square root",
              domain="x >= 0", scalar=_sqrt_scalar)
# cbrt'(x) = 1 / (3 cbrt(x)^2), written as (1/cbrt(x))^2 / 3 so that neither it nor
# its own derivatives overflow or underflow before the true values do.
cbrt = _unary("cbrt", "cbrt",
              lambda g, ans, x: mul_strong_zero(square(reciprocal(ans)) / 3.0, g),
              "the real cube root (cbrt(-8) = -2)", scalar=_cbrt_scalar)


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


# The scalar forms of this section are math's functions, with numpy's value where math
# raises: outside the domain (ValueError: nan, or -inf at a logarithm's pole) and on
# overflow (OverflowError: an infinity). math.atan, atan2, asinh, erf and erfc never
# raise on a float: they are the scalar forms as they are.

def _nan_outside(function: Callable[[float], float]) -> Callable[[float], float]:
    """math's function, nan where it raises ValueError: outside its domain (asin(2),
    acosh(0.5)) and, for sin, cos and tan, at +-inf; numpy's value there is nan."""
    def scalar(x: float) -> float:
        try:
            return function(x)
        except ValueError:
            return math.nan

    return scalar


def _logarithm(function: Callable[[float], float], pole: float) -> Callable[[float], float]:
    """math's logarithm, with numpy's -inf at its pole (0, of either sign, or -1 for
    log1p) and nan below it, where math raises ValueError."""
    def scalar(x: float) -> float:
        try:
            return function(x)
        except ValueError:
            return -math.inf if x == pole else math.nan

    return scalar


def _overflowing(function: Callable[[float], float], odd: bool) -> Callable[[float], float]:
    """math's function, with an infinity where it raises OverflowError (exp(710)): of
    x's sign for an odd function (sinh), positive otherwise (exp, expm1, cosh)."""
    def scalar(x: float) -> float:
        try:
            return function(x)
        except OverflowError:
            return math.copysign(math.inf, x) if odd else math.inf

    return scalar


def _atanh_scalar(x: float) -> float:
    try:
        return math.atanh(x)
    except ValueError:  # +-inf at +-1, nan beyond
        return math.copysign(math.inf, x) if _babs(x) == 1 else math.nan


# decimal's Decimal and a 40-digit context, made on the first tanh of a float.
_DECIMAL: list[Any] = []


def _tanh_scalar(x: float) -> float:
    """tanh, correctly rounded. glibc's tanh (math.tanh) is off by up to 2 ulps and
    numpy's (its own vectorized loop) by up to 1.13, so the two differ by up to 3;
    the correctly rounded value is within one of numpy's. It is (e - 1) / (e + 1),
    e = exp(2|x|), in 40 decimal digits (decimal's exp is correctly rounded), which
    keep over 30 digits after the cancellation in e - 1 from |x| = 2**-27 on. Below,
    tanh(x) rounds to x (x - tanh(x) is x**3 / 3 at most, under half an ulp of x), and
    from |x| = 20 on to +-1 (1 - tanh(20) = 8.5e-18 is under half an ulp of 1)."""
    a = _babs(x)
    if a < 7.450580596923828e-09:  # 2**-27 (and +-0)
        return x
    if not a < 20.0:
        return math.copysign(1.0, x) if a == a else x
    if not _DECIMAL:
        import decimal

        _DECIMAL.extend((decimal.Decimal, decimal.Context(prec=40)))
    to_decimal, context = _DECIMAL
    e = context.exp(to_decimal(a + a))
    return math.copysign(float(context.divide(context.subtract(e, 1), context.add(e, 1))), x)


exp = _unary("exp", "exp", lambda g, ans, x: mul_strong_zero(ans, g), "e ** x",
             scalar=_overflowing(math.exp, odd=False))
expm1 = _unary(
    "expm1", "expm1", lambda g, ans, x: mul_strong_zero(exp(x), g), "exp(x) - 1, exact near 0",
    scalar=_overflowing(math.expm1, odd=False),
)
log = _unary("log", "log", lambda g, ans, x: mul_strong_zero(reciprocal(x), g),
             "the natural logarithm", domain="x > 0", scalar=_logarithm(math.log, 0.0))
log1p = _unary("log1p", "log1p", lambda g, ans, x: mul_strong_zero(reciprocal(x + 1.0), g),
               "log(1 + x), exact near 0", domain="x > -1", scalar=_logarithm(math.log1p, -1.0))
log2 = _unary("log2", "log2", lambda g, ans, x: mul_strong_zero(reciprocal(x * _LN2), g),
              "the base-2 logarithm", domain="x > 0", scalar=_logarithm(math.log2, 0.0))
log10 = _unary("log10", "log10", lambda g, ans, x: mul_strong_zero(reciprocal(x * _LN10), g),
               "the base-10 logarithm", domain="x > 0", scalar=_logarithm(math.log10, 0.0))
sin = _unary("sin", "sin", lambda g, ans, x: mul_strong_zero(cos(x), g), "the sine",
             scalar=_nan_outside(math.sin))
cos = _unary("cos", "cos", lambda g, ans, x: mul_strong_zero(negative(sin(x)), g), "the cosine",
             scalar=_nan_outside(math.cos))
tan = _unary("tan", "tan", lambda g, ans, x: mul_strong_zero(square(ans) + 1.0, g), "the tangent",
             scalar=_nan_outside(math.tan))
asin = _unary(
    "asin", "arcsin",
    lambda g, ans, x: mul_strong_zero(reciprocal(sqrt(_one_minus_square(x))), g), "the arcsine",
    domain="-1 <= x <= 1", scalar=_nan_outside(math.asin),
)
acos = _unary(
    "acos", "arccos",
    lambda g, ans, x: mul_strong_zero(negative(reciprocal(sqrt(_one_minus_square(x)))), g),
    "the arccosine", domain="-1 <= x <= 1", scalar=_nan_outside(math.acos),
)
atan = _unary("atan", "arctan", _atan_dx, "the arctangent", scalar=math.atan)
atan2 = _binary(
    "atan2", "arctan2", _atan2_dy, _atan2_dx, "the angle of the point (x, y): atan2(y, x)",
    scalar=math.atan2,
)
sinh = _unary("sinh", "sinh", lambda g, ans, x: mul_strong_zero(cosh(x), g), "the hyperbolic sine",
              scalar=_overflowing(math.sinh, odd=True))
cosh = _unary("cosh", "cosh", lambda g, ans, x: mul_strong_zero(sinh(x), g),
              "the hyperbolic cosine", scalar=_overflowing(math.cosh, odd=False))
tanh = _unary("tanh", "tanh", lambda g, ans, x: mul_strong_zero(_sech_squared(x), g),
              "the hyperbolic tangent", scalar=_tanh_scalar)
asinh = _unary("asinh", "arcsinh", _asinh_dx, "inverse sinh", scalar=math.asinh)
acosh = _unary("acosh", "arccosh", _acosh_dx, "inverse cosh", domain="x >= 1",
               scalar=_nan_outside(math.acosh))
atanh = _unary(
    "atanh", "arctanh",
    lambda g, ans, x: mul_strong_zero(reciprocal(_one_minus_square(x)), g), "inverse tanh",
    domain="-1 <= x <= 1", scalar=_atanh_scalar,
)


def _sigmoid_impl(x: Any) -> Any:
    # 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below: no overflow for either sign,
    # and every digit (exp(-log(1 + e^-x)) lost |x| ulps).
    t = np.exp(-np.abs(x))
    return np.where(np.greater_equal(x, 0), 1.0 / (1.0 + t), t / (1.0 + t))


def _sigmoid_scalar(x: float) -> float:
    # As _sigmoid_impl (exp of -|x| never overflows).
    t = math.exp(-_babs(x))
    return 1.0 / (1.0 + t) if x >= 0 else t / (1.0 + t)


def _softplus_scalar(x: float) -> float:
    # numpy's logaddexp(0, x), step by step (npy_logaddexp, numpy/_core/src/npymath/
    # npy_math_internal.h.src): log 2 at a tie, the larger argument plus
    # log1p(exp(-|difference|)), and the difference itself (nan) at a nan.
    if x == 0:
        return _LN2
    if x > 0:
        return x + math.log1p(math.exp(-x))
    if x < 0:
        return math.log1p(math.exp(x))
    return x


# sigmoid'(x) = sigmoid(x) (1 - sigmoid(x)) is 0 in float64 from x = 36.7 on; as
# sech(x/2)^2 / 4 it keeps its digits, and so does its derivative near 0.
sigmoid = _unary(
    "sigmoid", _sigmoid_impl,
    lambda g, ans, x: mul_strong_zero(_sech_squared(x * 0.5) * 0.25, g), "1 / (1 + e ** -x)",
    scalar=_sigmoid_scalar,
)
softplus = _unary(
    "softplus", lambda x: np.logaddexp(0.0, x), lambda g, ans, x: mul_strong_zero(sigmoid(x), g),
    "log(1 + e ** x)", scalar=_softplus_scalar,
)
# relu's gradient is TensorFlow's ReluGrad: g where x > 0, with a zero gradient with
# respect to x (ReluGradGrad), so that the Hessian of relu(x) is zeros, not None.
_relu_grad = defprim(
    "relu_grad", _relu_grad_impl,
    lambda h, ans, g, x: relu_grad(h, x), zero_gradient(1), arity=2,
    doc="g where x > 0, else 0: relu's gradient (TensorFlow's ReluGrad)",
    scalar=_relu_grad_scalar,
)


def relu_grad(g: Any, x: Any) -> Tensor:
    """g where x > 0, else 0 (g and x of one shape): the gradient of relu."""
    return bind(_relu_grad, (g, x))


def _relu_scalar(x: float) -> float:
    # maximum(x, 0) (see _maximum_scalar): nan at nan, +0.0 at -0.0.
    return x if x > 0 or x != x else 0.0


relu = _unary(
    "relu", lambda x: np.maximum(x, 0), lambda g, ans, x: relu_grad(g, x),
    "max(x, 0); its derivative at 0 is taken as 0", scalar=_relu_scalar,
)

def _erf_impl(x: Any) -> Any:
    if np.ndim(x) == 0:
        return np.float64(math.erf(float(x)))
    return np.frompyfunc(math.erf, 1, 1)(x).astype(np.result_type(x, np.float64))


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
    "the error function", scalar=math.erf,
)

def _erfc_impl(x: Any) -> Any:
    # math.erfc keeps every digit where 1 - erf(x) keeps none (erfc(10) = 2.1e-45).
    if np.ndim(x) == 0:
        return np.float64(math.erfc(float(x)))
    return np.frompyfunc(math.erfc, 1, 1)(x).astype(np.result_type(x, np.float64))


erfc = _unary(
    "erfc", _erfc_impl,
    lambda g, ans, x: mul_strong_zero(_exp_minus_square(x) * -_TWO_OVER_SQRT_PI, g),
    "the complementary error function 1 - erf(x), accurate where erf(x) rounds to 1",
    scalar=math.erfc,
)

# -- the gamma family ------------------------------------------------------------------
#
# numpy has no gamma functions: their numbers are scipy.special's, imported on first use
# (so that `import adcli` and the command line start without it). The gradient rules
# are TensorFlow's (LgammaGrad, DigammaGrad, PolygammaGrad): d lgamma = digamma,
# d digamma = polygamma(1, x), d polygamma(n, x)/dx = polygamma(n + 1, x), and
# d gamma = gamma digamma; the order n of polygamma is a static whole number, so its
# gradient is None, as PolygammaGrad's for `a`.
#
# They have no scalar forms (scalar=None): math.gamma and math.lgamma are not scipy's
# numbers (they differ from gamma and gammaln by up to 8 ulps at ordinary points, and
# lgamma by far more, relatively, near its zeros at 1, 2, -2.457...), and math has no
# digamma or polygamma.

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
    scalar=None,
)
lgamma = _unary(
    "lgamma", _lgamma_impl, lambda g, ans, x: mul_strong_zero(digamma(x), g),
    "log|gamma(x)| (inf at the poles 0, -1, -2, ...)", scalar=None,
)
digamma = _unary(
    "digamma", _digamma_impl, lambda g, ans, x: mul_strong_zero(polygamma(1, x), g),
    "the digamma function, d/dx log|gamma(x)| (nan at the poles)", domain=_POLES,
    scalar=None,
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


def _maximum_scalar(x: float, y: float) -> float:
    # numpy's maximum: nan if either is; on a tie, y (maximum(0.0, -0.0) is -0.0 in
    # numpy's vectorized loop, as in x86's maxpd).
    return x if x > y or x != x else y


def _minimum_scalar(x: float, y: float) -> float:
    # numpy's minimum: nan if either is; on a tie, y (minimum(-0.0, 0.0) is 0.0).
    return x if x < y or x != x else y


# As TensorFlow's MaximumGrad and MinimumGrad: one mask (x >= y, x <= y) sends g to x
# where it holds and to y elsewhere, so ties send it to x.
maximum = _binary(
    "maximum", "maximum",
    lambda g, ans, x, y: where(greater_equal(x, y), g, 0.0),
    lambda g, ans, x, y: where(greater_equal(x, y), 0.0, g),
    "the elementwise larger of x and y (ties send the gradient to x)",
    scalar=_maximum_scalar,
)
minimum = _binary(
    "minimum", "minimum",
    lambda g, ans, x, y: where(less_equal(x, y), g, 0.0),
    lambda g, ans, x, y: where(less_equal(x, y), 0.0, g),
    "the elementwise smaller of x and y (ties send the gradient to x)",
    scalar=_minimum_scalar,
)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: str | None = None) -> Tensor:
    """t limited to [clip_value_min, clip_value_max]: maximum(minimum(t, max), min), in
    TensorFlow's order, so at either bound the gradient goes to t."""
    return maximum(minimum(t, clip_value_max), clip_value_min)


clip = clip_by_value


def _where_scalar(condition: Any, x: float, y: float) -> float:
    return x if condition else y  # a nan condition holds, as in numpy (nan != 0)


_where = defprim(
    "where",
    "where",
    None,
    lambda g, ans, c, x, y: _unbroadcast(where(c, g, 0.0), _shape(x)),
    lambda g, ans, c, x, y: _unbroadcast(where(c, 0.0, g), _shape(y)),
    arity=3,
    doc="x where cond is true, else y",
    scalar=_where_scalar,
)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """x where condition holds, else y (broadcasting all three)."""
    if x is None or y is None:
        raise TypeError("where() needs a condition, x and y")
    return bind(_where, (condition, x, y))


# Every float from 2**52 on is a whole number (and floor, ceil and round keep it).
_WHOLE_FROM = 4503599627370496.0


def _rounding(function: Callable[[float], int]) -> Callable[[float], float]:
    """math.floor, math.ceil or round as numpy's floor, ceil and round (rint) give them:
    a float, x itself where it is whole already, inf or nan (where math raises), and
    a zero with x's sign (ceil(-0.5) and round(-0.4) are -0.0; math gives the int 0).
    Python's round of a float is half to even, as rint."""
    def scalar(x: float) -> float:
        if not _babs(x) < _WHOLE_FROM:
            return x
        out = float(function(x))
        return out if out else math.copysign(0.0, x)

    return scalar


def _logical_and_scalar(x: Any, y: Any) -> bool:
    return bool(x) and bool(y)


def _logical_or_scalar(x: Any, y: Any) -> bool:
    return bool(x) or bool(y)


floor = _nondiff("floor", "floor", 1, "rounds down (piecewise constant)",
                 scalar=_rounding(math.floor))
ceil = _nondiff("ceil", "ceil", 1, "rounds up (piecewise constant)",
                scalar=_rounding(math.ceil))
round = _nondiff("round", "round", 1, "rounds half to even (piecewise constant)",  # noqa: A001
                 scalar=_rounding(builtins.round))

# Python's comparisons of floats are IEEE's (nan is unequal to everything), as numpy's.
equal = _nondiff("equal", "equal", 2, "x == y", scalar=operator.eq)
not_equal = _nondiff("not_equal", "not_equal", 2, "x != y", scalar=operator.ne)
less = _nondiff("less", "less", 2, "x < y", scalar=operator.lt)
less_equal = _nondiff("less_equal", "less_equal", 2, "x <= y", scalar=operator.le)
greater = _nondiff("greater", "greater", 2, "x > y", scalar=operator.gt)
greater_equal = _nondiff("greater_equal", "greater_equal", 2, "x >= y", scalar=operator.ge)
# A number is true where it is not 0 (nan too), in Python as in numpy.
logical_and = _nondiff("logical_and", "logical_and", 2, "x and y, elementwise",
                       scalar=_logical_and_scalar)
logical_or = _nondiff("logical_or", "logical_or", 2, "x or y, elementwise",
                      scalar=_logical_or_scalar)
logical_not = _nondiff("logical_not", "logical_not", 1, "not x, elementwise",
                       scalar=operator.not_)

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
                         doc="x, with no gradient through it", scalar=lambda x: x)


def stop_gradient(x: Any, name: str | None = None) -> Tensor:
    """x itself, but gradients do not flow through it."""
    return bind(_stop_gradient, (x,))


def _cast_vjp(g: Tensor, ans: Tensor, x: Any, dtype: np.dtype) -> Tensor:
    return cast(g, _dtype(x))


def _cast_impl(x: Any, dtype: np.dtype) -> Any:
    return np.asarray(x).astype(dtype)


def _cast_scalar(x: Any, dtype: np.dtype) -> Any:
    """x as float64 (a Python float) or bool (a Python bool), the dtypes Python's
    scalars stand for. Any other dtype (float32, int64, ...) has no Python scalar of its
    own, so its value is the numpy form's (numpy is loaded: the dtype is numpy's)."""
    if dtype.kind == "f" and dtype.itemsize == 8:
        return float(x)
    if dtype.kind == "b":
        return bool(x)
    return _cast_impl(x, dtype)


_cast = defprim("cast", _cast_impl, _cast_vjp, arity=1,
                doc="x converted to another dtype", scalar=_cast_scalar)


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


def _matmul_size(a: Any, b: Any) -> int:
    sa, sb = np.shape(a), np.shape(b)
    if len(sa) < 2 or len(sb) < 2:
        return max(np.size(a), np.size(b))  # a vector product is no larger than its inputs
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return 0
    return math.prod(batch) * sa[-2] * sb[-1]


_matmul = defprim("matmul", "matmul", _matmul_da, _matmul_db, arity=2,
                  doc="the matrix product a @ b", size=_matmul_size)


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
    arity=1, size=lambda x, shape: math.prod(_as_shape(shape)),
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
                  vjp_any=_concat_vjp, size=lambda *xs, axis: sum(map(np.size, xs)),
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
                 vjp_any=_stack_vjp, size=lambda *xs, axis: sum(map(np.size, xs)),
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
                size=lambda x, multiples: np.size(x) * math.prod(
                    max(int(m), 0) for m in np.ravel(multiples)),
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
                   size=lambda v, index, shape: math.prod(shape),
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
                size=lambda v: np.size(v) ** 2,
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
    if type(value) is float and dtype is None and shape is None:
        return scalar_tensor(value)  # the scalar path: no numpy
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


def _made(shape: tuple) -> tuple:
    """`shape`, after checking it: sizes that are whole numbers, 0 or more and below
    2^63 (BadShape, a ValueError in words, not numpy's), and its entries against the
    active element limit (TooLarge)."""
    dims = tuple(int(d) for d in shape)
    if any(d < 0 for d in dims):
        raise BadShape(f"a shape cannot have negative sizes: {dims}")
    if any(d >= 2**63 for d in dims) or math.prod(dims) >= 2**63:
        raise BadShape(f"the shape {dims} has more entries than any tensor can hold")
    check_count(math.prod(dims))
    return dims


def ones(shape: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of ones (float64 by default)."""
    return Tensor._wrap(np.ones(_made(_as_shape(shape)), _creation_dtype(dtype)))


def zeros(shape: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """A tensor of zeros (float64 by default)."""
    return Tensor._wrap(np.zeros(_made(_as_shape(shape)), _creation_dtype(dtype)))


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape `dims` filled with `value` (differentiable in value)."""
    shape = _made(_as_shape(dims))
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
    _made((int(num_rows), int(num_rows if num_columns is None else num_columns)))
    return Tensor._wrap(np.eye(int(num_rows), None if num_columns is None else int(num_columns),
                               dtype=_creation_dtype(dtype)))


def linspace(start: Any, stop: Any, num: int, name: str | None = None) -> Tensor:
    """`num` evenly spaced values from start to stop, both included."""
    num = int(num)
    _made((num,))
    if isinstance(start, Tensor) or isinstance(stop, Tensor):
        steps = np.arange(num, dtype=np.float64) / max(num - 1, 1)
        return start + (stop - start) * steps
    return Tensor._wrap(np.linspace(float(start), float(stop), num))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str | None = None) -> Tensor:
    """start, start + delta, ... below limit (TensorFlow's tf.range)."""
    if limit is None:
        start, limit = 0, start
    first, last, step = _raw(start), _raw(limit), _raw(delta)
    if not step:
        raise ValueError("range() step must not be zero")
    if math.isfinite(float(first)) and math.isfinite(float(last)):
        _made((max(math.ceil((float(last) - float(first)) / float(step)), 0),))
    values = np.arange(first, last, step)
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

# The scalar forms that may differ from the numpy forms in the last bit, with the most
# units in the last place (the allow-list of tests/test_scalar_forms.py, where the reasons
# are): `bind` does not run them on scalar Tensors, so that a scalar's value and its
# derivatives are the numbers a tensor of any shape holding it gets (batched and single
# runs agree to the bit).
SCALAR_LAST_BIT = {
    "exp": 1, "expm1": 1, "log": 1, "log1p": 1, "log2": 1, "log10": 1,
    "tan": 1, "asin": 1, "acos": 1, "atan": 1, "atan2": 1,
    "sinh": 1, "cosh": 1, "tanh": 1, "asinh": 1, "acosh": 1, "atanh": 1,
    "cbrt": 1, "pow": 1, "integer_pow": 1, "sigmoid": 2,
}
for _name, _ulps in SCALAR_LAST_BIT.items():
    PRIMITIVES[_name].scalar_ulps = _ulps

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
