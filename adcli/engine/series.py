"""Taylor mode: truncated univariate Taylor series pushed through every primitive.

The math. Seed the inputs on a line, x(t) = a + t v (v the direction). For a
function u = f(x(t)), the Taylor coefficients

    u_k = (1/k!) d^k/dt^k f(a + t v) |_{t=0},    k = 0..K,

are the directional derivatives of every order at once: f^(k)(a)[v,...,v] = k! u_k
(for one scalar input and v = 1, the ordinary k-th derivative). A series is the
array (u_0, ..., u_K) along axis 0 (axis 0 is the order, the other axes the
primal shape, so a grid of points costs what one point does per coefficient).

Every primitive maps series to series (its "Taylor rule", in the registry beside
its forward and gradient rules, `PRIMITIVES[name].taylor`). Rules come in kinds,
as in JAX's jet:

- linear (add, negative, reshape, reduce_sum, transpose, getitem, concat, stack,
  broadcast_to, tile, ...): applied coefficient by coefficient;
- bilinear (multiply, matmul): the Cauchy product w_k = sum_{j<=k} u_j v_{k-j};
- piecewise linear with a primal choice (abs, relu, maximum, minimum, where,
  reduce_max, mod): the choice is made on u_0 and the series chosen whole;
- zero derivative (floor, sign, comparisons, ...): act on u_0, give a constant;
- nonlinear, by the O(K^2) recurrences that follow from an ODE the function
  satisfies (Griewank & Walther, "Evaluating Derivatives", ch. 13). With
  x' = dx/dt, the series of u' is sum_k k u_k t^(k-1), and from u' = g x':

      exp:   u' = u x'           u_k = (1/k) sum_{j=1..k} j x_j u_{k-j}
      sin,cos: s' = c x', c' = -s x' (computed together; sinh, cosh with +)
      tan:   u' = (1 + u^2) x';  tanh: (1 - u^2) x';  sigmoid: u (1 - u) x'
      x / y: u_k = (x_k - sum_{j=1..k} y_j u_{k-j}) / y_0
      sqrt:  u_k = (x_k - sum_{j=1..k-1} u_j u_{k-j}) / (2 u_0)
      x^r:   u_k = sum_{j=1..k} ((r + 1) j - k) x_j u_{k-j} / (k x_0)   (x_0 != 0)
      x^n:   repeated squaring with Cauchy products (exact for polynomials, fine at 0)

  and the rest by integration, u_k = [t^(k-1)] u' / k, where u' is a product or
  quotient of known series: log (x'/x), log1p, log2, log10, atan (x'/(1+x^2)),
  asin, acos, asinh, acosh, atanh, erf ((2/sqrt(pi)) exp(-x^2) x'), softplus
  (sigmoid(x) x'), atan2 ((x y' - y x')/(x^2 + y^2)). Composite primitives
  (reduce_logsumexp, reduce_prod, pow with a series exponent) are written with
  these. The constant term u_0 is always the primitive's own forward value, so
  Taylor mode and the tape agree on the value to the last bit.

`Series` is a Tensor whose `_value` is the float64 primal u_0, so every piece of
code that looks at values (shapes, Python `if` and `while` through bool/float,
which read u_0) works unchanged; its `_coeffs` hold the whole series. A constant
among the arguments of a rule is a series of length 1. `bind` hands a call to
`dispatch` while a Taylor run is active (`active()`), and only then.

Precision: `active(precision=D)` computes with mpmath at D decimal digits: the
coefficients are numpy object arrays of mpmath.mpf and the constant terms come
from mpmath's functions. mpmath is imported only then. Imports numpy and the
engine's tensor, primitives and tape modules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from adcli.engine import ops  # noqa: F401 - defines every primitive before rules attach
from adcli.engine.primitives import PRIMITIVES, TAYLOR_DISPATCH, Primitive
from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor, _next_id

__all__ = [
    "Series", "TaylorTape", "active", "coefficients", "constant", "dispatch", "missing_rules",
    "seed", "series_of", "to_mp",
]


# ---- the series value -------------------------------------------------------------


class Series(Tensor):
    """A truncated Taylor series: `coefficients[k]` is u_k; its value is u_0 (float64)."""

    __slots__ = ("_coeffs",)

    @classmethod
    def _of(cls, coeffs: np.ndarray) -> Series:
        series = object.__new__(cls)
        series._coeffs = coeffs
        first = coeffs[0]
        series._value = np.asarray(first, dtype=object).astype(np.float64) \
            if coeffs.dtype == object else first
        series._id = _next_id()
        return series

    @property
    def coefficients(self) -> np.ndarray:
        """u_0..u_K along axis 0 (float64, or mpmath.mpf objects at a set precision)."""
        return self._coeffs

    @property
    def order(self) -> int:
        return self._coeffs.shape[0] - 1

    def _scalar(self, what: str) -> Any:
        # Python control flow branches on the primal u_0, at full precision.
        first = self._coeffs[0]
        if np.size(first) != 1:
            raise ValueError(f"{what}() needs a one-element tensor, not one of shape {self.shape}")
        return np.asarray(first).reshape(())[()]

    def __repr__(self) -> str:
        return f"<adcli.Series: order={self.order}, shape={self.shape}, u_0={self._value!r}>"


class TaylorTape(GradientTape):
    """The tape a program runs on in Taylor mode: records nothing, and refuses gradients
    (grad() inside a program needs the tape engine)."""

    def __enter__(self) -> TaylorTape:
        self._active = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self._active = False

    def watch(self, tensor: Any) -> None:
        pass

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("grad(), jacobian() and hessian() inside a program need the tape "
                         "engine, not Taylor mode (use --engine tape)")

    gradient = jacobian = batch_jacobian = _refuse


# ---- arithmetic backends: float64, or mpmath at a precision ------------------------

_MP_FUNCS: dict[str, Callable[..., Any]] = {}


class _Backend:
    """float64: numpy and each primitive's own impl."""

    mp = False
    dtype: Any = np.float64

    def primal(self, name: str, *args: Any, **params: Any) -> Any:
        return np.asarray(PRIMITIVES[name].impl(*args, **params))

    def convert(self, value: Any) -> np.ndarray:
        array = np.asarray(value)
        if array.dtype.kind in "iuf" and array.dtype != np.float64:
            return array.astype(np.float64)
        if array.dtype == object:
            return array.astype(np.float64)
        return array

    def number(self, value: float) -> Any:
        return float(value)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape)

    def sumprod(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        """sum over axis 0 of p * q, for 2-D arrays (terms, points)."""
        if p.shape[1] == 1:
            return np.dot(p[:, 0], q[:, 0]).reshape(1)
        return np.einsum("ij,ij->j", p, q)


class _MpBackend(_Backend):
    """mpmath numbers in numpy object arrays; constant terms from mpmath's functions."""

    mp = True
    dtype = object

    def __init__(self) -> None:
        import mpmath

        self.mpmath = mpmath
        self._convert = np.frompyfunc(mpmath.mpf, 1, 1)
        if not _MP_FUNCS:
            _MP_FUNCS.update(_mp_functions(mpmath))

    def primal(self, name: str, *args: Any, **params: Any) -> Any:
        function = _MP_FUNCS.get(name)
        if function is None:
            return np.asarray(PRIMITIVES[name].impl(*args, **params))
        return function(*args, **params)

    def convert(self, value: Any) -> np.ndarray:
        array = np.asarray(value)
        if array.dtype.kind in "iuf":
            # A float is exactly its binary value: decimal literals arrive as mpf already.
            return np.asarray(self._convert(array), dtype=object)
        if array.dtype == object:
            return np.asarray(self._convert(array), dtype=object)
        return array

    def number(self, value: float) -> Any:
        return self.mpmath.mpf(value)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.full(shape, self.mpmath.mpf(0), dtype=object)

    def sumprod(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        if p.shape[1] == 1:
            out = np.empty(1, dtype=object)
            out[0] = self.mpmath.fdot(p[:, 0], q[:, 0])
            return out
        return (p * q).sum(axis=0)


def _mp_functions(mpmath: Any) -> dict[str, Callable[..., Any]]:
    """Each primitive's forward value with mpmath, with numpy's IEEE answers where
    mpmath would raise or go complex (log(-1) is nan, 1/0 is inf)."""
    mpf = mpmath.mpf
    nan, inf = mpmath.nan, mpmath.inf

    def real(f: Callable[..., Any]) -> Callable[..., Any]:
        def g(*xs: Any) -> Any:
            if any(mpmath.isnan(x) for x in xs):
                return nan
            try:
                r = f(*xs)
            except (ZeroDivisionError, ValueError):
                return nan
            return r if isinstance(r, mpf) else nan
        return g

    def divide(x: Any, y: Any) -> Any:
        if y == 0:
            return nan if x == 0 or mpmath.isnan(x) else (inf if x > 0 else -inf)
        return x / y

    def power(x: Any, y: Any) -> Any:
        if x == 0 and y < 0:
            return inf
        return real(mpmath.power)(x, y)

    def sigmoid(x: Any) -> Any:
        return 1 / (1 + mpmath.exp(-x))

    def softplus(x: Any) -> Any:
        return x + mpmath.log1p(mpmath.exp(-x)) if x > 0 else mpmath.log1p(mpmath.exp(x))

    def round_half_even(x: Any) -> Any:
        floor = mpmath.floor(x)
        diff = x - floor
        if diff > 0.5 or (diff == 0.5 and int(floor) % 2 == 1):
            return floor + 1
        return floor

    def sign(x: Any) -> Any:
        return mpf(0) if x == 0 else (mpf(1) if x > 0 else mpf(-1))

    def floor_divide(x: Any, y: Any) -> Any:
        q = divide(x, y)
        return q if not mpmath.isfinite(q) else mpmath.floor(q)

    def mod(x: Any, y: Any) -> Any:
        if y == 0:
            return nan
        return x - mpmath.floor(x / y) * y

    scalar = {
        "exp": mpmath.exp, "expm1": mpmath.expm1, "log": real(mpmath.log),
        "log1p": real(mpmath.log1p), "log2": real(lambda x: mpmath.log(x, 2)),
        "log10": real(mpmath.log10), "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan,
        "asin": real(mpmath.asin), "acos": real(mpmath.acos), "atan": mpmath.atan,
        "atan2": mpmath.atan2, "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh,
        "asinh": mpmath.asinh, "acosh": real(mpmath.acosh), "atanh": real(mpmath.atanh),
        "erf": mpmath.erf, "sqrt": real(mpmath.sqrt), "sigmoid": sigmoid,
        "softplus": softplus, "pow": power, "divide": divide,
        "reciprocal": lambda x: divide(mpf(1), x), "floor": mpmath.floor, "ceil": mpmath.ceil,
        "round": round_half_even, "sign": sign, "floor_divide": floor_divide, "mod": mod,
    }
    table: dict[str, Callable[..., Any]] = {}
    for name, f in scalar.items():
        ufunc = np.frompyfunc(f, 2 if name in ("atan2", "pow", "divide", "floor_divide", "mod")
                              else 1, 1)
        table[name] = lambda *xs, u=ufunc: np.asarray(u(*xs), dtype=object)
    table["integer_pow"] = lambda x, n: table["pow"](x, mpf(n))
    return table


_FLOAT = _Backend()
_STATE: list[_Backend] = [_FLOAT]  # the backend of the active run, innermost last


def _backend() -> _Backend:
    return _STATE[-1]


@contextmanager
def active(precision: int | None = None) -> Iterator[None]:
    """Run Taylor mode inside: `bind` hands calls with a Series argument to `dispatch`.
    With `precision`, arithmetic is mpmath's at that many decimal digits."""
    backend: _Backend = _FLOAT
    restore = None
    if precision is not None:
        backend = _MpBackend()
        restore = backend.mpmath.mp.dps
        backend.mpmath.mp.dps = int(precision)
    _STATE.append(backend)
    TAYLOR_DISPATCH.append(dispatch)
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        TAYLOR_DISPATCH.pop()
        _STATE.pop()
        if restore is not None:
            backend.mpmath.mp.dps = restore


def to_mp(value: Any) -> np.ndarray:
    """value as an object array of mpmath.mpf at the active precision."""
    return _MpBackend().convert(value)


def seed(point: Any, direction: Any, order: int) -> Series:
    """The input x(t) = point + t direction, as a series of order `order` (inside `active`)."""
    backend = _backend()
    a = backend.convert(point) if not isinstance(point, np.ndarray) or point.dtype != object \
        else point
    v = backend.convert(direction) if not isinstance(direction, np.ndarray) \
        or direction.dtype != object else direction
    a, v = np.broadcast_arrays(a, v)
    coeffs = backend.zeros((order + 1,) + a.shape)
    # `[k, ...] =` copies elements: plain `[k] =` would store a 0-d object array whole.
    coeffs[0, ...] = a
    if order >= 1:
        coeffs[1, ...] = v
    return Series._of(coeffs)


def constant(value: Any) -> Series:
    """A constant (a series of length 1) at the active precision, e.g. a decimal literal."""
    backend = _backend()
    array = value if isinstance(value, np.ndarray) and value.dtype == object \
        else backend.convert(value)
    return Series._of(np.asarray(array)[np.newaxis])


def coefficients(value: Any, order: int) -> np.ndarray:
    """The K+1 coefficients of a program's value, whether a series or a constant."""
    backend = _backend()
    if isinstance(value, Series):
        coeffs = value._coeffs
    else:
        raw = value._value if isinstance(value, Tensor) else value
        coeffs = backend.convert(raw)[np.newaxis]
    if coeffs.shape[0] < order + 1:
        coeffs = _pad(coeffs, order + 1)
    return coeffs[: order + 1]


def series_of(f: Callable[..., Any], points: list[Any], directions: list[Any], order: int,
              precision: int | None = None) -> np.ndarray:
    """The coefficients of t -> f(points + t directions), f written with adcli operations."""
    with active(precision):
        xs = [seed(p, d, order) for p, d in zip(points, directions, strict=True)]
        return coefficients(f(*xs), order)


# ---- dispatch ------------------------------------------------------------------------


def dispatch(prim: Primitive, args: tuple, params: dict[str, Any]) -> Tensor | None:
    """The Taylor rule's answer when an argument is a Series; None otherwise (the
    ordinary path then runs)."""
    for a in args:
        if type(a) is Series:
            break
    else:
        return None
    rule = prim.taylor
    if rule is None:
        raise NotImplementedError(f"the primitive '{prim.name}' has no Taylor rule")
    backend = _backend()
    xs = [a._coeffs if type(a) is Series
          else backend.convert(a._value if isinstance(a, Tensor) else a)[np.newaxis]
          for a in args]
    out = rule(*xs, **params)
    if isinstance(out, Tensor):
        return out
    return Series._of(out)


def missing_rules() -> list[str]:
    """Primitives without a Taylor rule (the tests require none)."""
    return sorted(name for name, prim in PRIMITIVES.items() if prim.taylor is None)


# ---- helpers on coefficient arrays ----------------------------------------------------


def _pad(x: np.ndarray, length: int) -> np.ndarray:
    if x.shape[0] >= length:
        return x
    zeros = _backend().zeros((length - x.shape[0],) + x.shape[1:]) if x.dtype == object \
        or _backend().mp else np.zeros((length - x.shape[0],) + x.shape[1:], x.dtype)
    return np.concatenate([x, zeros.astype(x.dtype, copy=False)])


def _align(*xs: np.ndarray) -> list[np.ndarray]:
    """Give series the same number of axes after axis 0, so elementwise ops broadcast."""
    nd = max(x.ndim for x in xs)
    return [x.reshape((x.shape[0],) + (1,) * (nd - x.ndim) + x.shape[1:]) for x in xs]


def _full(x: np.ndarray, length: int) -> np.ndarray:
    return _pad(x, length)


def _length(*xs: np.ndarray) -> int:
    return max(x.shape[0] for x in xs)


def _add(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    if x.shape[0] == y.shape[0]:
        return x + y
    if x.shape[0] < y.shape[0]:
        x, y = y, x
    shape = np.broadcast_shapes(x.shape[1:], y.shape[1:])
    out = np.array(np.broadcast_to(x, (x.shape[0],) + shape))
    out[: y.shape[0]] = out[: y.shape[0]] + y
    return out


def _neg(x: np.ndarray) -> np.ndarray:
    return -x


def _scale(x: np.ndarray, c: Any) -> np.ndarray:
    return x * c


def _mul(x: np.ndarray, y: np.ndarray, length: int | None = None) -> np.ndarray:
    """The Cauchy product, truncated to `length` coefficients."""
    x, y = _align(x, y)
    n = _length(x, y) if length is None else length
    # The array on the left: mpf * ndarray would go through mpmath's slow conversion.
    if x.shape[0] == 1:
        return y[:n] * x[0]
    if y.shape[0] == 1:
        return x[:n] * y[0]
    x, y = x[:n], y[:n]
    shape = np.broadcast_shapes(x.shape[1:], y.shape[1:])
    if _backend().mp:
        # mpmath.fdot per coefficient is ~3x faster than object-array products.
        xf = _pad(np.broadcast_to(x, (x.shape[0],) + shape), n).reshape(n, -1)
        yf = _pad(np.broadcast_to(y, (y.shape[0],) + shape), n).reshape(n, -1)
        u = _empty(n, xf.shape[1])
        for k in range(n):
            u[k] = _backend().sumprod(xf[: k + 1], yf[k::-1])
        return u.reshape((n,) + shape)
    out = _backend().zeros((n,) + shape) if _backend().mp else np.zeros((n,) + shape,
                                                                       np.result_type(x, y))
    ny = y.shape[0]
    for j in range(min(x.shape[0], n)):
        m = min(n - j, ny)
        if m <= 0:
            break
        out[j:j + m] = out[j:j + m] + y[:m] * x[j]
    return out


def _flat(x: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    return x.reshape(x.shape[0], -1), x.shape[1:]


def _div(x: np.ndarray, y: np.ndarray, length: int | None = None) -> np.ndarray:
    """u = x / y: u_k = (x_k - sum_{j=1..k} y_j u_{k-j}) / y_0."""
    x, y = _align(x, y)
    n = _length(x, y) if length is None else length
    if y.shape[0] == 1:
        return x[:n] / y[0]
    shape = np.broadcast_shapes(x.shape[1:], y.shape[1:])
    backend = _backend()
    xf = _pad(np.broadcast_to(x, (x.shape[0],) + shape), n)[:n].reshape(n, -1)
    yf = np.broadcast_to(y, (y.shape[0],) + shape)[:n].reshape(min(y.shape[0], n), -1)
    u = _empty(n, xf.shape[1])
    y0 = yf[0]
    u[0] = xf[0] / y0
    for k in range(1, n):
        top = min(k, yf.shape[0] - 1)
        acc = backend.sumprod(yf[1:top + 1], u[k - 1:k - top - 1 if k - top - 1 >= 0 else None:-1])
        u[k] = (xf[k] - acc) / y0
    return u.reshape((n,) + shape)


def _empty(n: int, m: int) -> np.ndarray:
    return np.empty((n, m), dtype=object) if _backend().mp else np.empty((n, m))


def _deriv(x: np.ndarray) -> np.ndarray:
    """The series of dx/dt: (1 x_1, 2 x_2, ..., K x_K) (length K, at least 1)."""
    n = x.shape[0]
    if n == 1:
        return x * 0
    k = np.arange(1, n).reshape((n - 1,) + (1,) * (x.ndim - 1))
    return x[1:] * k


def _integrate(u0: np.ndarray, du: np.ndarray, n: int) -> np.ndarray:
    """The series u with u_0 = u0 and du/dt = du: u_k = du_{k-1} / k."""
    u0 = np.asarray(u0)
    shape = np.broadcast_shapes(u0.shape, du.shape[1:])
    out = _backend().zeros((n,) + shape) if _backend().mp else np.zeros((n,) + shape)
    out[0, ...] = u0
    if n > 1:
        k = np.arange(1, n).reshape((n - 1,) + (1,) * len(shape))
        out[1:] = du[: n - 1] / k
    return out


def _c(value: float) -> Any:
    """A constant at the backend's precision."""
    return _backend().number(value)


def _primal(name: str, *xs: Any, **params: Any) -> np.ndarray:
    return _backend().primal(name, *xs, **params)


def _jx(xf: np.ndarray) -> np.ndarray:
    n = xf.shape[0]
    return xf[1:] * np.arange(1, n).reshape(n - 1, 1)


def _recur(u0: np.ndarray, x: np.ndarray, coupled: Callable[..., Any]) -> np.ndarray:
    """u_k = (1/k) sum_{j=1..k} j x_j v_{k-j}, where v = coupled(u_0..u_{k-1}) is the
    series of g in u' = g x' (for exp, v = u)."""
    n = x.shape[0]
    shape = x.shape[1:]
    xf = x.reshape(n, -1)
    u = _empty(n, xf.shape[1])
    u[0] = np.broadcast_to(np.asarray(u0), shape).reshape(-1)
    if n == 1:
        return u.reshape((1,) + shape)
    jx = _jx(xf)
    backend = _backend()
    v = _empty(n, xf.shape[1])
    for k in range(1, n):
        v[k - 1] = coupled(u, v, k - 1)
        u[k] = backend.sumprod(jx[:k], v[k - 1::-1]) / k
    return u.reshape((n,) + shape)


def _self_sq(u: np.ndarray, m: int) -> np.ndarray:
    """[t^m] of u*u, from u_0..u_m."""
    return _backend().sumprod(u[: m + 1], u[m::-1])


# ---- the rules ---------------------------------------------------------------------------


def _exp(x: np.ndarray) -> np.ndarray:
    return _recur(_primal("exp", x[0]), x, lambda u, v, m: u[m])


def _sin_cos(x: np.ndarray, hyperbolic: bool = False) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[0]
    shape = x.shape[1:]
    xf = x.reshape(n, -1)
    s, c = _empty(n, xf.shape[1]), _empty(n, xf.shape[1])
    s[0] = _primal("sinh" if hyperbolic else "sin", x[0]).reshape(-1)
    c[0] = _primal("cosh" if hyperbolic else "cos", x[0]).reshape(-1)
    if n > 1:
        jx = _jx(xf)
        backend = _backend()
        for k in range(1, n):
            s[k] = backend.sumprod(jx[:k], c[k - 1::-1]) / k
            dc = backend.sumprod(jx[:k], s[k - 1::-1]) / k
            c[k] = dc if hyperbolic else -dc
    return s.reshape((n,) + shape), c.reshape((n,) + shape)


def _sqrt(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    shape = x.shape[1:]
    xf = x.reshape(n, -1)
    u = _empty(n, xf.shape[1])
    u[0] = _primal("sqrt", x[0]).reshape(-1)
    backend = _backend()
    two_u0 = u[0] * 2
    for k in range(1, n):
        acc = backend.sumprod(u[1:k], u[k - 1:0:-1]) if k > 1 else 0
        u[k] = (xf[k] - acc) / two_u0
    return u.reshape((n,) + shape)


def _real_pow(x: np.ndarray, r: np.ndarray, u0: np.ndarray) -> np.ndarray:
    """x^r for a constant r: u_k = sum_{j=1..k} ((r+1) j - k) x_j u_{k-j} / (k x_0)."""
    n = x.shape[0]
    shape = np.broadcast_shapes(x.shape[1:], np.shape(r))
    xf = np.broadcast_to(x, (n,) + shape).reshape(n, -1)
    rf = np.broadcast_to(r, shape).reshape(-1)
    u = _empty(n, xf.shape[1])
    u[0] = np.broadcast_to(u0, shape).reshape(-1)
    backend = _backend()
    x0 = xf[0]
    for k in range(1, n):
        j = np.arange(1, k + 1).reshape(k, 1)
        weights = (rf + 1) * j - k
        u[k] = backend.sumprod(weights * xf[1:k + 1], u[k - 1::-1]) / (k * x0)
    return u.reshape((n,) + shape)


def _int_pow(x: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return _backend().convert(np.ones(x.shape[1:]))[np.newaxis]
    if n < 0:
        return _div(_backend().convert(np.ones(x.shape[1:]))[np.newaxis], _int_pow(x, -n),
                    x.shape[0])
    result = None
    base = x
    while n:
        if n & 1:
            result = base if result is None else _mul(result, base)
        n >>= 1
        if n:
            base = _mul(base, base)
    assert result is not None
    return result


def _with_primal(u: np.ndarray, u0: Any) -> np.ndarray:
    """Put the primitive's own forward value in u_0 (so Taylor mode and the tape agree)."""
    u = np.array(u)  # never write into an input's coefficients
    u[0, ...] = np.broadcast_to(u0, u.shape[1:])
    return u


def _one(x: np.ndarray) -> np.ndarray:
    return _backend().convert(np.ones(x.shape[1:]))[np.newaxis]


def _sq(x: np.ndarray, n: int | None = None) -> np.ndarray:
    return _mul(x, x, n)


def _by_integration(name: str, du: Callable[[np.ndarray, np.ndarray, int], np.ndarray]
                    ) -> Callable[..., np.ndarray]:
    """A rule u_k = [t^(k-1)] du / k, with du built from x and dx/dt (length K)."""
    def rule(x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        u0 = _primal(name, x[0])
        if n == 1:
            return u0[np.newaxis]
        return _integrate(u0, du(x, _deriv(x), n - 1), n)

    return rule


def _unary_rules() -> dict[str, Callable[..., np.ndarray]]:
    def log_base(base: float) -> Callable[..., np.ndarray]:
        def du(x: np.ndarray, dx: np.ndarray, m: int) -> np.ndarray:
            scale = _backend().mpmath.log(base) if _backend().mp else math.log(base)
            return _div(dx, x[:m] * scale, m)
        return du

    def tan(x: np.ndarray) -> np.ndarray:
        one = _c(1.0)
        return _recur(_primal("tan", x[0]), x,
                      lambda u, v, m: _self_sq(u, m) + (one if m == 0 else 0))

    def tanh(x: np.ndarray) -> np.ndarray:
        one = _c(1.0)
        return _recur(_primal("tanh", x[0]), x,
                      lambda u, v, m: -_self_sq(u, m) + (one if m == 0 else 0))

    def sigmoid(x: np.ndarray) -> np.ndarray:
        return _recur(_primal("sigmoid", x[0]), x, lambda u, v, m: u[m] - _self_sq(u, m))

    def expm1(x: np.ndarray) -> np.ndarray:
        u = _recur(_primal("exp", x[0]), x, lambda u, v, m: u[m])
        return _with_primal(u, _primal("expm1", x[0]))

    def erf_du(x: np.ndarray, dx: np.ndarray, m: int) -> np.ndarray:
        scale = 2 / _backend().mpmath.sqrt(_backend().mpmath.pi) if _backend().mp \
            else 2.0 / math.sqrt(math.pi)
        return _mul(dx, _exp(-_sq(x[:m])) * scale, m)

    def softplus_du(x: np.ndarray, dx: np.ndarray, m: int) -> np.ndarray:
        return _mul(dx, sigmoid(x[:m]), m)

    def sqrt_rule(x: np.ndarray) -> np.ndarray:
        return _sqrt(x)

    def reciprocal(x: np.ndarray) -> np.ndarray:
        return _with_primal(_div(_one(x), x, x.shape[0]), _primal("reciprocal", x[0]))

    return {
        "exp": _exp,
        "expm1": expm1,
        "sin": lambda x: _sin_cos(x)[0],
        "cos": lambda x: _sin_cos(x)[1],
        "sinh": lambda x: _sin_cos(x, True)[0],
        "cosh": lambda x: _sin_cos(x, True)[1],
        "tan": tan,
        "tanh": tanh,
        "sigmoid": sigmoid,
        "sqrt": sqrt_rule,
        "reciprocal": reciprocal,
        "square": lambda x: _with_primal(_sq(x), _primal("square", x[0])),
        "negative": _neg,
        "log": _by_integration("log", lambda x, dx, m: _div(dx, x[:m], m)),
        "log1p": _by_integration("log1p", lambda x, dx, m: _div(dx, _add(x[:m], _one(x)), m)),
        "log2": _by_integration("log2", log_base(2.0)),
        "log10": _by_integration("log10", log_base(10.0)),
        "atan": _by_integration(
            "atan", lambda x, dx, m: _div(dx, _add(_sq(x[:m]), _one(x)), m)),
        "asin": _by_integration(
            "asin", lambda x, dx, m: _div(dx, _sqrt(_add(_one(x), -_sq(x[:m]))), m)),
        "acos": _by_integration(
            "acos", lambda x, dx, m: -_div(dx, _sqrt(_add(_one(x), -_sq(x[:m]))), m)),
        "asinh": _by_integration(
            "asinh", lambda x, dx, m: _div(dx, _sqrt(_add(_sq(x[:m]), _one(x))), m)),
        "acosh": _by_integration(
            "acosh", lambda x, dx, m: _div(dx, _sqrt(_add(_sq(x[:m]), -_one(x))), m)),
        "atanh": _by_integration(
            "atanh", lambda x, dx, m: _div(dx, _add(_one(x), -_sq(x[:m])), m)),
        "erf": _by_integration("erf", erf_du),
        "softplus": _by_integration("softplus", softplus_du),
    }


# -- binary and piecewise rules

def _subtract(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _add(x, -y)


def _multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _mul(x, y)


def _divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    return _with_primal(_div(x, y), _primal("divide", x[0], y[0]))


def _is_whole(r: np.ndarray) -> bool:
    try:
        values = np.asarray(r, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values))
                and (values.size == 0 or np.all(values == values.reshape(-1)[0]))
                and np.all(np.abs(values) <= 1024))


def _pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    n = _length(x, y)
    u0 = _primal("pow", x[0], y[0])
    if y.shape[0] == 1:
        r = y[0]
        if _is_whole(r):
            exponent = int(np.asarray(r, dtype=np.float64).reshape(-1)[0]) if np.size(r) else 0
            u = _int_pow(x, exponent)
            u = np.broadcast_to(u, (u.shape[0],) + np.broadcast_shapes(u.shape[1:], np.shape(r)))
            return _with_primal(u, u0)
        return _real_pow(x, r, u0)
    # A series exponent: u = exp(y log x), so u' = u (y log x)' and exp's recurrence
    # (linear in u_0) runs from u_0 = x_0^y_0. Where x_0 <= 0 the y-part is taken as 0, as
    # the tape's gradient rule does, and x^y_0 remains.
    positive = np.asarray(np.greater(x[0], 0), dtype=bool)
    log_x = _log_series(_where_c(positive, x, _one(x)))
    z = _pad(_mul(y, log_x, n), n)
    u = _recur(u0, z, lambda u, v, m: u[m])
    if np.all(positive):
        return _with_primal(u, u0)
    fallback = _real_pow(_pad(x, n), y[0], u0) if x.shape[0] > 1 \
        else np.asarray(u0)[np.newaxis]
    return _with_primal(_where_c(positive, u, fallback), u0)


def _log_series(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    u0 = _primal("log", x[0])
    if n == 1:
        return np.asarray(u0)[np.newaxis]
    return _integrate(u0, _div(_deriv(x), x[: n - 1], n - 1), n)


def _where_c(cond: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Choose whole series by a constant condition on the primal."""
    x, y = _align(x, y)
    n = _length(x, y)
    x, y = _pad(x, n), _pad(y, n)
    cond = np.asarray(cond, dtype=bool)
    nd = x.ndim - 1
    cond = cond.reshape((1,) * (nd - cond.ndim) + cond.shape) if cond.ndim <= nd else cond
    return np.where(cond[np.newaxis], x, y)


def _primal_bool(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=bool)


def _where(c: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _where_c(_primal_bool(c[0]), x, y)


def _maximum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    return _where_c(_primal_bool(np.greater_equal(x[0], y[0])), x, y)


def _minimum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    return _where_c(_primal_bool(np.less_equal(x[0], y[0])), x, y)


def _relu(x: np.ndarray) -> np.ndarray:
    zero = _backend().convert(np.zeros(x.shape[1:]))[np.newaxis]
    return _where_c(_primal_bool(np.greater(x[0], 0)), x, zero)


def _abs(x: np.ndarray) -> np.ndarray:
    sign = _primal("sign", x[0])
    return _with_primal(x * sign, np.abs(x[0]))


def _mod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    quotient = _primal("floor_divide", x[0], y[0])
    return _with_primal(_add(x, -(y * quotient)), _primal("mod", x[0], y[0]))


def _atan2(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    y, x = _align(y, x)
    n = _length(x, y)
    u0 = _primal("atan2", y[0], x[0])
    if n == 1:
        return np.asarray(u0)[np.newaxis]
    x, y = _pad(x, n), _pad(y, n)
    m = n - 1
    top = _add(_mul(x, _deriv(y), m), -_mul(y, _deriv(x), m))
    bottom = _add(_sq(x, m), _sq(y, m))
    return _integrate(u0, _div(top, bottom, m), n)


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = _length(a, b)
    backend = _backend()
    first = np.matmul(a[0], b[0])
    out = backend.zeros((n,) + np.shape(first)) if backend.mp \
        else np.zeros((n,) + np.shape(first), np.result_type(a, b))
    for i in range(a.shape[0]):
        for j in range(min(b.shape[0], n - i)):
            out[i + j, ...] = out[i + j] + np.matmul(a[i], b[j])
    return out


# -- linear rules: the primitive applied to each coefficient

def _per_coefficient(name: str) -> Callable[..., np.ndarray]:
    impl = PRIMITIVES[name].impl

    def rule(*xs: np.ndarray, **params: Any) -> np.ndarray:
        n = _length(*xs)
        zero = [None if x.shape[0] == n else _backend().zeros(x.shape[1:]) for x in xs]
        rows = [impl(*[x[k] if x.shape[0] > k else z for x, z in zip(xs, zero, strict=True)],
                     **params) for k in range(n)]
        return np.stack([np.asarray(r) for r in rows])

    return rule


def _reshape(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return np.reshape(x, (x.shape[0],) + tuple(shape))


def _broadcast_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    (x,) = _align(x, np.zeros((1,) + tuple(shape)))[:1]
    return np.broadcast_to(x, (x.shape[0],) + tuple(shape))


def _transpose(x: np.ndarray, perm: Any) -> np.ndarray:
    nd = x.ndim - 1
    order = tuple(reversed(range(nd))) if perm is None else tuple(perm)
    return np.transpose(x, (0,) + tuple(p % nd + 1 for p in order))


def _shift_axes(axis: Any, nd: int) -> tuple[int, ...]:
    axes = tuple(range(nd)) if axis is None else tuple(axis)
    return tuple(a + 1 for a in axes)


def _reduce_sum(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.sum(x, axis=_shift_axes(axis, x.ndim - 1), keepdims=keepdims)


def _move_reduced(x: np.ndarray, axis: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    """x as (K+1, n, m): the reduced entries on axis 1, the kept ones on axis 2."""
    nd = x.ndim - 1
    axes = tuple(range(nd)) if axis is None else tuple(axis)
    kept = tuple(i for i in range(nd) if i not in axes)
    moved = np.transpose(x, (0,) + tuple(a + 1 for a in axes) + tuple(k + 1 for k in kept))
    kept_shape = tuple(x.shape[k + 1] for k in kept)
    return moved.reshape(x.shape[0], -1, math.prod(kept_shape)), kept_shape


def _finish_reduced(out: np.ndarray, x: np.ndarray, axis: Any, keepdims: bool,
                    kept_shape: tuple[int, ...]) -> np.ndarray:
    out = out.reshape((out.shape[0],) + kept_shape)
    if keepdims:
        nd = x.ndim - 1
        axes = tuple(range(nd)) if axis is None else tuple(axis)
        out = out.reshape((out.shape[0],) + tuple(1 if i in axes else x.shape[i + 1]
                                                  for i in range(nd)))
    return out


def _reduce_prod(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    moved, kept_shape = _move_reduced(x, axis)
    out = moved[:, 0] if moved.shape[1] else _backend().convert(
        np.ones(moved.shape[2]))[np.newaxis]
    for i in range(1, moved.shape[1]):
        out = _mul(out, moved[:, i])
    out = _finish_reduced(out, x, axis, keepdims, kept_shape)
    return _with_primal(out, _primal("reduce_prod", x[0], axis=axis, keepdims=keepdims))


def _extremum(name: str) -> Callable[..., np.ndarray]:
    def rule(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
        # Ties share equally, as the tape's gradient rule does.
        moved, kept_shape = _move_reduced(x, axis)
        primal = moved[0]
        best = np.max(primal, axis=0) if name == "reduce_max" else np.min(primal, axis=0)
        hit = np.asarray(primal == best, dtype=bool)
        count = hit.sum(axis=0)
        out = (moved * hit[np.newaxis]).sum(axis=1) / count
        out = _finish_reduced(out, x, axis, keepdims, kept_shape)
        return _with_primal(out, _primal(name, x[0], axis=axis, keepdims=keepdims))

    return rule


def _logsumexp(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    moved, kept_shape = _move_reduced(x, axis)
    peak = np.max(moved[0], axis=0) if moved.shape[1] else 0
    e = _exp(_add(moved, -np.asarray(peak)[np.newaxis, np.newaxis]))
    total = e.sum(axis=1)
    out = _add(_log_series(total), np.asarray(peak)[np.newaxis])
    out = _finish_reduced(out, x, axis, keepdims, kept_shape)
    if _backend().mp:
        return out  # the series' own u_0 is exact at the precision; numpy's impl is float
    return _with_primal(out, _primal("reduce_logsumexp", x[0], axis=axis, keepdims=keepdims))


def _cast(x: np.ndarray, dtype: Any) -> Any:
    if np.dtype(dtype).kind in "fc":
        return x  # a float cast keeps the series (and its precision)
    return Tensor._wrap(np.asarray(x[0]).astype(np.float64).astype(dtype))


def _stop_gradient(x: np.ndarray) -> np.ndarray:
    return x[:1]


def _constant_rule(name: str) -> Callable[..., Any]:
    """A zero-derivative primitive: the primal of the constant terms, as a constant
    (booleans as a plain tensor; numbers as a length-1 series, keeping their precision)."""
    def rule(*xs: np.ndarray, **params: Any) -> Any:
        out = _primal(name, *[x[0] for x in xs], **params)
        out = np.asarray(out)
        if out.dtype == object and out.size and isinstance(out.reshape(-1)[0], (bool, np.bool_)):
            out = out.astype(bool)
        if out.dtype.kind == "b":
            return Tensor._wrap(out)
        return out[np.newaxis]

    return rule


def _register() -> None:
    rules: dict[str, Callable[..., Any]] = dict(_unary_rules())
    rules.update({
        "add": _add, "subtract": _subtract, "multiply": _multiply, "divide": _divide,
        "pow": _pow, "integer_pow": lambda x, n: _with_primal(
            _int_pow(x, n) if n != 0 else _one(x), _primal("integer_pow", x[0], n=n)),
        "abs": _abs, "relu": _relu, "maximum": _maximum, "minimum": _minimum,
        "where": _where, "mod": _mod, "atan2": _atan2, "matmul": _matmul,
        "reshape": _reshape, "broadcast_to": _broadcast_to, "transpose": _transpose,
        "reduce_sum": _reduce_sum, "reduce_prod": _reduce_prod,
        "reduce_max": _extremum("reduce_max"), "reduce_min": _extremum("reduce_min"),
        "reduce_logsumexp": _logsumexp, "cast": _cast, "stop_gradient": _stop_gradient,
    })
    for name in ("getitem", "scatter", "tile", "concat", "stack", "diag", "diag_part"):
        rules[name] = _per_coefficient(name)
    for name, prim in PRIMITIVES.items():
        if name in rules:
            prim.taylor = rules[name]
        elif not prim.differentiable:
            prim.taylor = _constant_rule(name)
        # A differentiable primitive left without a rule fails loudly in `dispatch` and
        # in the registry-wide test (missing_rules()).


_register()
