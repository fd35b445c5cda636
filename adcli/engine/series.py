"""Taylor mode: truncated univariate Taylor series pushed through every primitive.

The math. Seed the inputs on a line, x(t) = a + t v (v the direction). For a
function u = f(x(t)), the Taylor coefficients

    u_k = (1/k!) d^k/dt^k f(a + t v) |_{t=0},    k = 0..K,

are the directional derivatives of every order at once: f^(k)(a)[v,...,v] = k! u_k
(for one scalar input and v = 1, the ordinary k-th derivative). A series is the
array (u_0, ..., u_K) along axis 0 (axis 0 is the order, the other axes the
primal shape, so a grid of points costs what one point does per coefficient).

Where the rules live. This module adds two interpretations to every primitive of
the registry (adcli/engine/primitives.py; numpy forward and gradient rules are in
adcli/engine/ops.py), in tables keyed by the `Primitive` object, as in JAX's
autodidax and jax.experimental.jet:

- `TAYLOR_RULES[prim]` maps series to series (the "Taylor rule");
- `MP_FORWARD[prim]` is the forward value with mpmath at a set precision (None
  declares the numpy forward right as it is on object arrays of mpmath.mpf).

They are filled by `def_taylor` (a rule on coefficient arrays), `def_comp` (a rule
composed of other adcli operations, run on Series, like jet's def_comp),
`def_constant` (zero derivative) and `def_mp`, at the end of this module, one
primitive after another: every rule of a primitive sits in one place, beside its
name (`P.tan` is `PRIMITIVES["tan"]`). To add a primitive, define it in ops.py,
then register a Taylor rule and an mp forward here; `missing_rules()` names any
primitive lacking an interpretation, and tests/engine/test_registry.py fails by
name until none does (and checks the mp forward against numpy's); a differentiable
one also needs a case in tests/engine/test_gradients_fd.py and
tests/taylor/test_taylor_rules.py.

Rules come in kinds:

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
      tan:   u' = (1 + u^2) x';  tanh: (1 - u^2) x', or for |x_0| > 1/2 its
             complement E = 1 - |u|: E' = -E (2 - E) |x|';  sigmoid = (1 + tanh(x/2))/2
      x / y: u_k = (x_k - sum_{j=1..k} y_j u_{k-j}) / y_0
      sqrt:  u_k = (x_k - sum_{j=1..k-1} u_j u_{k-j}) / (2 u_0)
      x^r:   u_k = sum_{j=1..k} ((r + 1) j - k) x_j u_{k-j} / (k x_0)   (x_0 != 0)
      x^n:   repeated squaring with Cauchy products (exact for polynomials, fine at 0;
             a whole exponent in a tensor takes it too, each point its own)

  and the rest by integration, u_k = [t^(k-1)] u' / k, where u' is a product or
  quotient of known series: log (x'/x), atan (x'/(1+x^2)), asin, acos, asinh,
  acosh, atanh, erf ((2/sqrt(pi)) exp(-x^2) x'), softplus (sigmoid(x) x'), atan2
  ((x y' - y x')/(x^2 + y^2)), lgamma (digamma(x) x'), digamma and polygamma(n, x)
  (polygamma(n + 1, x) x', its series computed the same way one order shorter);
  gamma by exp's recurrence on lgamma's series, from u_0 = gamma(x_0);
- compositions (def_comp): expm1 = exp(x) - 1, log1p = log(1 + x), log2 and
  log10 = log(x) / log(base), reciprocal = 1 / x; reduce_prod, reduce_logsumexp
  (pairwise, hi + softplus(lo - hi)) and pow with a series exponent are written with
  the helpers of the others.

The constant term u_0 is always the primitive's own forward value, so Taylor mode
and the tape agree on the value to the last bit; the one exception is the limit at a
removable singularity (below), where the forward value is 0/0 = nan.

Where a leading coefficient vanishes. The recurrences of x / y, x^r and sqrt divide
by y_0, x_0 or u_0; where that is 0 they have rules of their own:

- x / y with y_0 = 0: write y = t^my y~, x = t^mx x~ (y~_0, x~_0 != 0). If mx >= my the
  singularity is removable, u = t^(mx-my) x~ / y~ (sin(x)/x at 0: 1, 0, -1/6, ...);
  its u_0 is that limit. Otherwise it is a pole, and the recurrence gives inf or nan
  as it always did (1/x at 0: inf, -inf, nan, ...).
- x^r (and sqrt, r = 1/2) with x_0 = 0: x^r = t^(m r) x~^r, seen from t > 0 (the side
  the direction points to). A whole p = m r >= 0 shifts x~^r by p (sqrt(x^2) at 0: 0,
  1, 0, ...); otherwise the derivatives do not exist at 0 and the coefficients are
  their one-sided limits: 0 below p, +-inf above it, the sign that of x~_0^r
  p (p-1) ... (p-k+1) (x^1.875 at 0: 0, 0, +inf, -inf); nan where x~_0 < 0.

Dropping t^my costs my coefficients: x[my:] / y[my:] knows K + 1 - my of them, and
the others are nan. A series remembers how many of its last coefficients are not
known (`Series._lost`: the most its arguments lack, plus what its rule dropped) and
how it was computed (`_Node`: the primitive, its parameters and arguments; the seeds
their point and direction). When the value a run returns knows fewer than the K + 1
coefficients asked for, `coefficients` computes its graph again from seeds that many
coefficients longer (`_replay`, which calls the same rules; the first coefficients of
a series do not depend on its length, so they come out the same to the last bit),
and longer again while that is not enough (x^5/x^5 at order 2 finds my = 5 only
with 6 coefficients), up to MAX_EXTRA_ORDER more. A division by a series zero in every
coefficient ((x - x)/(x - x)) never resolves and gives nan. A seed has at least two
coefficients, also at order 0, so that one is never taken for a constant.

Keeping digits at large and tiny inputs (tests/taylor/test_series_magnitudes.py sweeps
every rule at 1e-300 ... 1e300 against mpmath): tanh and sigmoid use the complement
where u_0 rounds to +-1 (sigmoid(40) is 1 in float64, its derivative 4e-18), and
tanh(x/2) near 0 (where 1 - 2 sigmoid(x) cancels); softplus integrates that sigmoid;
logsumexp subtracts the larger series whole, not its value (at [40, 1.5] the sum
1 + 6e-18 rounds to 1); asinh, acosh and atan scale x^2 +- 1 by a power of two
(x^2 overflows from 1e154), atan2 scales x and y alike; x^r, x^n and x^y with
a series exponent are computed again, in float64, where their coefficients over- or
underflow although x does not (x^2.5 at 1e-300: u_0 = 1e-750 is 0, u_2 = 1.9e-150
is not), from x(t)/x_0 in a time scaled by x_0's power of two (`_rescaled_power`).

`Series` is a Tensor whose `_value` is the float64 primal u_0, so every piece of
code that looks at values (shapes, Python `if` and `while` through bool/float,
which read u_0) works unchanged; its `_coeffs` hold the whole series. A constant
among the arguments of a rule is a series of length 1. `bind` hands a call to
`dispatch` while a Taylor run is active (`active()`), and only then.

Precision: `active(precision=D)` computes with mpmath at D decimal digits: the
coefficients are numpy object arrays of mpmath.mpf and the constant terms come
from `MP_FORWARD`. mpmath is imported only then. Where mpmath raises, goes complex
or answers otherwise, the mp forwards give numpy's IEEE answers (log(0) = -inf,
0^-1 = inf, (-1)^inf = 1, mod(1, -inf) = -inf, nan in, nan out), and the rules divide
with `_quotient`, which gives inf or nan for x / 0 as float64 does instead of
mpmath's ZeroDivisionError; so log(x) at 0 gives -inf, inf at every precision.
mpmath has no signed zero, so -0.0 is 0 there. Imports numpy and the engine's
tensor, primitives, ops and tape modules.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from adcli.engine import ops  # defines every primitive before rules attach
from adcli.engine.lazy_numpy import np
from adcli.engine.primitives import PRIMITIVES, Primitive, dispatching
from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor, _next_id

__all__ = [
    "INTERPRETATIONS", "MP_FORWARD", "P", "TAYLOR_RULES", "Series", "TaylorTape", "active",
    "coefficients", "constant", "def_comp", "def_constant", "def_mp", "def_taylor", "dispatch",
    "missing_rules", "seed", "series_of", "to_mp",
]

# The registry by attribute, for the rules and registrations below: P.tan is
# PRIMITIVES["tan"].
P = SimpleNamespace(**PRIMITIVES)


# ---- the series value -------------------------------------------------------------


class Series(Tensor):
    """A truncated Taylor series: `coefficients[k]` is u_k; its value is u_0 (float64).

    `_node` is how it was computed (None for a constant or a series made by hand), so
    that it can be computed again from longer seeds (`_replay`); `_lost` is how many of
    its last coefficients are not known (a division that drops a common power t^m of
    numerator and denominator knows m fewer; they hold nan)."""

    __slots__ = ("_coeffs", "_node", "_lost")

    @classmethod
    def _of(cls, coeffs: np.ndarray, node: _Node | None = None, lost: int = 0) -> Series:
        series = object.__new__(cls)
        series._coeffs = coeffs
        series._node = node
        series._lost = lost
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
                         "engine, not Taylor mode")

    gradient = jacobian = batch_jacobian = _refuse


# ---- the rule tables, keyed by the Primitive object ----------------------------------

# prim -> rule(*coeffs, **params): each argument's coefficients (u_0..u_K along axis 0;
# a constant argument has one row) to the result's (or to a Tensor, for a boolean
# constant). Read by `dispatch`.
TAYLOR_RULES: dict[Primitive, Callable[..., Any]] = {}

# prim -> forward(*object_arrays, **params): the forward value at the active mpmath
# precision, or None: the numpy impl is right as it is on object arrays of mpf.
MP_FORWARD: dict[Primitive, Callable[..., Any] | None] = {}

# Primitives registered with def_constant: zero derivative, so no gradient rule.
ZERO_DERIVATIVE: set[Primitive] = set()

# What `missing_rules` checks, in its words ("symbolic": adcli/engine/symbolic.py;
# "jvp": adcli/engine/forward.py; "batch": adcli/engine/batching.py).
INTERPRETATIONS = ("vjp", "taylor", "mp", "symbolic", "jvp", "batch")


def _register(table: dict[Primitive, Any], prim: Primitive, rule: Any, what: str) -> None:
    if prim in table:
        raise ValueError(f"the primitive '{prim.name}' has {what} already")
    table[prim] = rule


def def_taylor(prim: Primitive, rule: Callable[..., Any]) -> None:
    """Register `rule` as the Taylor rule of `prim`.

    rule(*coeffs, **params) receives each argument's coefficient array (u_0..u_K along
    axis 0; a constant argument has one row) and the primitive's static parameters,
    and returns the result's coefficients (a Tensor for a non-numeric constant, as
    comparisons give). Write it with the helpers of this module (_mul, _div, _recur,
    _integrate, ...), whose arithmetic is the active backend's (float64, or mpmath
    object arrays), and put the primitive's own forward value in u_0
    (`_with_primal(u, _primal(prim, ...))`) so that Taylor mode and the tape agree
    on values to the last bit."""
    _register(TAYLOR_RULES, prim, rule, "a Taylor rule")


def def_comp(prim: Primitive, comp: Callable[..., Any], *, mp_forward: bool = False) -> None:
    """Register a Taylor rule for `prim` written as a composition of other adcli
    operations (as jax.experimental.jet's def_comp): comp(*args, **params) receives
    the arguments as Series and computes with adcli.engine.ops, so each operation runs
    through `bind` and its own Taylor rule. Constants it needs at the run's precision
    come from `constant(...)` (log(constant(2.0)) is log 2 to every digit). The
    result's u_0 is then replaced by the primitive's own forward value (its numpy
    impl, or its mp forward at a precision), so the value agrees with the tape's.

    With mp_forward=True the composition is also the primitive's mpmath forward (for
    a primitive that is not elementwise and whose numpy impl is float64 only, such as
    reduce_logsumexp): at a precision the composition's own u_0 is kept."""
    def rule(*xs: np.ndarray, **params: Any) -> np.ndarray:
        u = _coeffs_of(comp(*[Series._of(x) for x in xs], **params))
        if mp_forward and _backend().mp:
            return u
        return _with_primal(u, _primal(prim, *[x[0] for x in xs], **params))

    rule.__name__ = rule.__qualname__ = f"comp_{prim.name}"
    def_taylor(prim, rule)
    if mp_forward:
        def forward(*xs: Any, **params: Any) -> np.ndarray:
            # Inside its own mpmath run, so that it works from anywhere.
            with active(precision=_load_mpmath().mp.dps):
                return np.asarray(_coeffs_of(comp(*[constant(x) for x in xs], **params))[0])

        _register(MP_FORWARD, prim, forward, "an mp forward")


def def_mp(prim: Primitive, scalar_fn: Callable[..., Any] | None) -> None:
    """Register the forward of `prim` at a set precision (used for u_0 by its Taylor
    rule, and by the rules of others that need its value).

    scalar_fn(*mpfs, **params) -> mpf is applied elementwise to object arrays (numpy's
    frompyfunc with prim.arity inputs). It should give numpy's IEEE answers where
    mpmath raises or goes complex (wrap it in `_real`: nan). Write it with this
    module's `mpmath`, which imports mpmath on first use, inside a lambda or def
    (lambda x: mpmath.exp(x)), never as mpmath.exp, which would import it now.

    scalar_fn=None declares instead that the numpy impl is right as it is on object
    arrays of mpmath.mpf: data movement (reshape, getitem, concat, ...), mpmath's own
    arithmetic through Python's operators (add, multiply, matmul, reduce_sum, ...) or
    no numbers out (comparisons). The declaration is explicit, so `missing_rules`
    tells a forgotten mp forward from one not needed."""
    if scalar_fn is None:
        _register(MP_FORWARD, prim, None, "an mp forward")
        return
    arity = prim.arity
    if arity is None:
        raise ValueError(f"the variadic primitive '{prim.name}' cannot have an "
                         "elementwise mp forward")
    ufunc = np.frompyfunc(scalar_fn, arity, 1)

    def forward(*xs: Any, **params: Any) -> np.ndarray:
        u = np.frompyfunc(functools.partial(scalar_fn, **params), arity, 1) if params \
            else ufunc
        return np.asarray(u(*xs), dtype=object)

    _register(MP_FORWARD, prim, forward, "an mp forward")


def def_constant(prim: Primitive) -> None:
    """Register `prim` as having zero derivative (floor, sign, comparisons, ...): its
    Taylor rule is its forward value on the constant terms, as a constant (booleans
    as a plain tensor; numbers as a length-1 series, keeping their precision). Such a
    primitive has no gradient rule and needs none."""
    if prim.differentiable:
        raise ValueError(f"the primitive '{prim.name}' has a gradient rule, so its "
                         "derivative is not zero")
    ZERO_DERIVATIVE.add(prim)

    def rule(*xs: np.ndarray, **params: Any) -> Any:
        out = np.asarray(_primal(prim, *[x[0] for x in xs], **params))
        if out.dtype == object and out.size and isinstance(out.reshape(-1)[0], (bool, np.bool_)):
            out = out.astype(bool)
        if out.dtype.kind == "b":
            return Tensor._wrap(out)
        return out[np.newaxis]

    rule.__name__ = rule.__qualname__ = f"constant_{prim.name}"
    def_taylor(prim, rule)


def missing_rules() -> dict[str, list[str]]:
    """For every primitive name, the interpretations it lacks (an empty list when none),
    among INTERPRETATIONS:

    - "vjp": a gradient rule (defprim in ops.py), unless registered with def_constant;
    - "taylor": a Taylor rule (def_taylor, def_comp or def_constant);
    - "mp": an mpmath forward, or the declaration def_mp(prim, None) that the numpy
      impl is right on mpf object arrays;
    - "symbolic": a formula (adcli/engine/symbolic.py's SYMBOLIC_RULES);
    - "jvp": a forward-mode rule (adcli/engine/forward.py's JVP_RULES), for a
      differentiable primitive;
    - "batch": a batch rule (adcli/engine/batching.py's BATCH_RULES).

    tests/engine/test_registry.py requires every list to be empty."""
    from adcli.engine.batching import BATCH_RULES
    from adcli.engine.forward import JVP_RULES
    from adcli.engine.symbolic import SYMBOLIC_RULES  # registers its rules, without SymPy

    missing: dict[str, list[str]] = {}
    for name, prim in PRIMITIVES.items():
        lacks = []
        if not prim.differentiable and prim not in ZERO_DERIVATIVE:
            lacks.append("vjp")
        if prim not in TAYLOR_RULES:
            lacks.append("taylor")
        if prim not in MP_FORWARD:
            lacks.append("mp")
        if prim not in SYMBOLIC_RULES:
            lacks.append("symbolic")
        if prim.differentiable and prim not in JVP_RULES:
            lacks.append("jvp")
        if prim not in BATCH_RULES:
            lacks.append("batch")
        missing[name] = lacks
    return missing


# ---- arithmetic backends: float64, or mpmath at a precision ------------------------


class _LazyMpmath:
    """Stands for the mpmath module until first used: then imports it and puts the
    module itself in its place (the global `mpmath`), so that registering mp forwards
    costs nothing and mpmath is imported only for a run at a set precision."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load_mpmath(), name)


mpmath: Any = _LazyMpmath()


def _load_mpmath() -> Any:
    global mpmath
    import mpmath as module

    mpmath = module
    return module


class _Backend:
    """float64: numpy and each primitive's own impl."""

    mp = False
    dtype: Any = np.float64

    def primal(self, prim: Primitive, *args: Any, **params: Any) -> Any:
        return np.asarray(prim.impl(*args, **params))

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
    """mpmath numbers in numpy object arrays; constant terms from MP_FORWARD."""

    mp = True
    dtype = object

    def __init__(self) -> None:
        self.mpmath = _load_mpmath()
        self._convert = np.frompyfunc(self.mpmath.mpf, 1, 1)

    def primal(self, prim: Primitive, *args: Any, **params: Any) -> Any:
        forward = MP_FORWARD.get(prim)
        if forward is None:
            return np.asarray(prim.impl(*args, **params))
        return forward(*args, **params)

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
    try:
        with dispatching(dispatch), np.errstate(all="ignore"):
            yield
    finally:
        _STATE.pop()
        if restore is not None:
            backend.mpmath.mp.dps = restore


def to_mp(value: Any) -> np.ndarray:
    """value as an object array of mpmath.mpf at the active precision."""
    return _MpBackend().convert(value)


def seed(point: Any, direction: Any, order: int) -> Series:
    """The input x(t) = point + t direction, as a series of order `order` (inside `active`).

    It has at least two coefficients (order 1), also for order 0: a series of one
    coefficient would be taken for a constant, and sin(x)/x at 0 needs x_1 to find
    its value. `coefficients` gives the K+1 asked for."""
    backend = _backend()
    a = backend.convert(point) if not isinstance(point, np.ndarray) or point.dtype != object \
        else point
    v = backend.convert(direction) if not isinstance(direction, np.ndarray) \
        or direction.dtype != object else direction
    a, v = np.broadcast_arrays(a, v)
    return Series._of(_seed_coeffs(a, v, max(order, 1) + 1),
                      _Node(None, {"point": a, "direction": v}, ()))


def _seed_coeffs(a: np.ndarray, v: np.ndarray, length: int) -> np.ndarray:
    coeffs = _backend().zeros((length,) + a.shape)
    # `[k, ...] =` copies elements: plain `[k] =` would store a 0-d object array whole.
    coeffs[0, ...] = a
    if length > 1:
        coeffs[1, ...] = v
    return coeffs


def constant(value: Any) -> Series:
    """A constant (a series of length 1) at the active precision, e.g. a decimal literal."""
    backend = _backend()
    array = value if isinstance(value, np.ndarray) and value.dtype == object \
        else backend.convert(value)
    return Series._of(np.asarray(array)[np.newaxis])


def coefficients(value: Any, order: int) -> np.ndarray:
    """The K+1 coefficients of a program's value, whether a series or a constant.

    Where a division dropped common powers of t on the way (sin(x)/x at 0), the value
    knows fewer than K+1 coefficients: it is then computed again from longer seeds
    (`_extend`), so that u_0..u_K are all known."""
    backend = _backend()
    if isinstance(value, Series):
        coeffs = value._coeffs
        if value._lost and coeffs.shape[0] - value._lost < order + 1:
            coeffs = _extend(value, order + 1)
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


class _Node:
    """How a Series was computed: `prim` with `params` on `parents`, each a _Node, a
    constant argument (as it was given, or as a Series of one coefficient) or the
    `_Fixed` coefficients of a longer series made by hand; a seed has prim None and its
    point and direction in `params`. Ids grow with creation, so sorting by id orders a
    graph for `_replay`. A run keeps the graph of its live series, without their
    coefficients: about 150 bytes an operation (45 MiB for 100,000 iterations of a loop
    of three operations, where the tape engine keeps 290 MiB of records for the same
    loop)."""

    __slots__ = ("id", "prim", "params", "parents")

    def __init__(self, prim: Primitive | None, params: dict[str, Any], parents: tuple) -> None:
        self.id = _next_node_id()
        self.prim = prim
        self.params = params
        self.parents = parents


_next_node_id = itertools.count().__next__


class _Fixed:
    """The coefficients of a series without a graph (made by hand): they cannot be made
    longer, so a graph that holds one is not run again."""

    __slots__ = ("coeffs",)

    def __init__(self, coeffs: np.ndarray) -> None:
        self.coeffs = coeffs


# Coefficients dropped so far: each division (or power) that drops a common power t^m
# adds m, so `dispatch` learns how many coefficients the rule it ran could not know.
_DROPPED = [0]

# The most coefficients `_extend` adds to the seeds to recover what divisions dropped
# (a division by an identically zero series never recovers: it stops there).
MAX_EXTRA_ORDER = 64


def _dropped(m: int) -> None:
    if m > 0:
        _DROPPED[0] += m


def _at_precision(prim: Primitive, args: tuple, params: dict[str, Any]) -> Tensor | None:
    """At a set precision, a call on plain numbers whose float64 result would lose the
    precision (exp(i) of a loop counter, 0.1 * n) runs on constant series instead; a
    call that stays whole (i + 1, an index) keeps its plain numbers. None otherwise."""
    if not _backend().mp or not callable(MP_FORWARD.get(prim)):
        return None
    raws = [np.asarray(a._value if isinstance(a, Tensor) else a) for a in args]
    if any(r.dtype.kind not in "iuf" for r in raws):
        return None
    if np.asarray(prim.impl(*raws, **params)).dtype.kind != "f":
        return None
    return dispatch(prim, tuple(constant(r) for r in raws), params)


def dispatch(prim: Primitive, args: tuple, params: dict[str, Any]) -> Tensor | None:
    """The Taylor rule's answer when an argument is a Series; None otherwise (the
    ordinary path then runs). A primitive without a Taylor rule is a ValueError
    naming it. The result remembers how it was computed (`_Node`) and how many of its
    last coefficients are unknown: the most any argument lacks, plus what the rule
    dropped."""
    for a in args:
        if type(a) is Series:
            break
    else:
        return _at_precision(prim, args, params)
    rule = TAYLOR_RULES.get(prim)
    if rule is None:
        raise ValueError(f"the primitive '{prim.name}' has no Taylor rule")
    backend = _backend()
    xs = []
    parents = []
    lost = 0
    for a in args:
        if type(a) is Series:
            xs.append(a._coeffs)
            node = a._node
            parents.append(node if node is not None else a if a._coeffs.shape[0] == 1
                           else _Fixed(a._coeffs))
            if a._lost > lost:
                lost = a._lost
        else:
            raw = a._value if isinstance(a, Tensor) else a
            xs.append(backend.convert(raw)[np.newaxis])
            parents.append(raw)
    before = _DROPPED[0]
    out = rule(*xs, **params)
    if isinstance(out, Tensor):
        return out
    return Series._of(out, _Node(prim, params, tuple(parents)), lost + _DROPPED[0] - before)


def _extend(value: Series, needed: int) -> np.ndarray:
    """The coefficients of `value` with at least `needed` of them known: its graph run
    again from seeds longer by the number of coefficients lost, and longer still while
    that is not enough (a zero series may turn out to start later), up to
    MAX_EXTRA_ORDER more. Where that fails, the coefficients as they are (nan where
    unknown)."""
    extra = value._lost
    while value._node is not None and extra <= MAX_EXTRA_ORDER:
        replayed = _replay(value._node, max(needed, 2) + extra)
        if replayed is None:
            break
        coeffs, lost = replayed
        if coeffs.shape[0] - lost >= needed:
            return coeffs
        extra = max(lost, extra + 1)
    return value._coeffs


def _replay(node: _Node, length: int) -> tuple[np.ndarray, int] | None:
    """The coefficients of `node` and how many are unknown, computed again with seeds of
    `length` coefficients; None when its graph holds a series made by hand (no node),
    which cannot be made longer."""
    graph: dict[int, _Node] = {}
    children: dict[int, int] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in graph:
            continue
        graph[id(current)] = current
        for parent in current.parents:
            if type(parent) is _Node:
                children[id(parent)] = children.get(id(parent), 0) + 1
                stack.append(parent)
            elif type(parent) is _Fixed:
                return None
    backend = _backend()
    values: dict[int, tuple[np.ndarray, int]] = {}
    with _dispatching():
        for current in sorted(graph.values(), key=lambda n: n.id):
            if current.prim is None:
                values[id(current)] = (_seed_coeffs(current.params["point"],
                                                    current.params["direction"], length), 0)
                continue
            xs, lost = [], 0
            for parent in current.parents:
                if type(parent) is _Node:
                    coeffs, parent_lost = values[id(parent)]
                    xs.append(coeffs)
                    lost = max(lost, parent_lost)
                    children[id(parent)] -= 1
                    if not children[id(parent)]:
                        del values[id(parent)]  # its last child has it
                elif type(parent) is Series:  # a constant (one coefficient)
                    xs.append(parent._coeffs)
                else:
                    xs.append(backend.convert(parent)[np.newaxis])
            before = _DROPPED[0]
            out = TAYLOR_RULES[current.prim](*xs, **current.params)
            if isinstance(out, Tensor):
                return None
            values[id(current)] = (out, lost + _DROPPED[0] - before)
    return values[id(node)]


@contextmanager
def _dispatching() -> Iterator[None]:
    """Rules written with adcli operations (def_comp) need `dispatch` on the stack."""
    with dispatching(dispatch):
        yield


def _coeffs_of(value: Any) -> np.ndarray:
    """The coefficients of an operation's result: a Series' own, or a constant's one row."""
    if type(value) is Series:
        return value._coeffs
    return _backend().convert(value._value if isinstance(value, Tensor) else value)[np.newaxis]


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


def _div(x: np.ndarray, y: np.ndarray, length: int | None = None) -> np.ndarray:
    """u = x / y: u_k = (x_k - sum_{j=1..k} y_j u_{k-j}) / y_0 (see `_div_limits` where
    y_0 = 0)."""
    return _div_limits(x, y, length)[0]


def _div_limits(x: np.ndarray, y: np.ndarray, length: int | None = None
                ) -> tuple[np.ndarray, Any]:
    """x / y, and where a common power of t was dropped (None: nowhere).

    Where y_0 = 0, let y = t^my y~ and x = t^mx x~ (y~_0 finite and not 0). mx >= my
    is a removable singularity: u = t^(mx-my) x~ / y~, from x[my:] / y[my:], whose last
    my coefficients are not known (nan; `_dropped` tells dispatch, and
    `coefficients` gets them from longer seeds). mx < my is a pole: the recurrence as
    it is, inf or nan (1/x at 0: inf, -inf, nan, ...). A y zero in every coefficient
    known is a removable singularity of unknown order when x is too (every coefficient
    lost), a pole otherwise; so is a y whose first coefficient not 0 is nan (not
    known yet)."""
    x, y = _align(x, y)
    n = _length(x, y) if length is None else length
    if y.shape[0] == 1:
        return _quotient(x[:n], y[0]), None
    shape = np.broadcast_shapes(x.shape[1:], y.shape[1:])
    xf = _pad(np.broadcast_to(x, (x.shape[0],) + shape), n)[:n].reshape(n, -1)
    yf = np.broadcast_to(y, (y.shape[0],) + shape)[:n].reshape(min(y.shape[0], n), -1)
    zero = np.asarray(yf[0] == 0, dtype=bool)
    if not zero.any():
        return _div_recur(xf, yf, n).reshape((n,) + shape), None
    u = _div_recur(xf, yf, n)
    shift = np.zeros(zero.shape, dtype=int)
    my = _leading_zeros(yf[:, zero])
    mx = _leading_zeros(xf[:, zero]) if x.shape[0] > 1 \
        else np.where(np.asarray(xf[0, zero] == 0, dtype=bool), n, 0)
    ny = yf.shape[0]
    at = np.nonzero(zero)[0]
    lost = 0
    for i, col in enumerate(at):
        if my[i] >= ny:  # y is zero as far as it is known
            if mx[i] >= n:
                u[1:, col] = _c(math.nan)
                lost = n
            continue
        if not _is_finite_nonzero(yf[my[i], col]):
            if _is_nan(yf[my[i], col]):  # not known yet: an unknown coefficient
                u[1:, col] = _c(math.nan)
                lost = n
            continue
        if mx[i] < my[i]:  # a pole
            continue
        shift[col] = s = int(my[i])
        known = n - s
        u[:known, col] = _div_recur(xf[s:, col:col + 1], yf[s:, col:col + 1], known)[:, 0]
        u[known:, col] = _c(math.nan)
        lost = max(lost, s)
    _dropped(lost)
    return u.reshape((n,) + shape), (shift > 0).reshape(shape)


def _div_recur(xf: np.ndarray, yf: np.ndarray, n: int) -> np.ndarray:
    """The quotient recurrence on 2-D arrays (coefficients, points)."""
    backend = _backend()
    u = _empty(n, xf.shape[1])
    y0 = yf[0]
    u[0] = _quotient(xf[0], y0)
    for k in range(1, n):
        top = min(k, yf.shape[0] - 1)
        acc = backend.sumprod(yf[1:top + 1], u[k - 1:k - top - 1 if k - top - 1 >= 0 else None:-1])
        u[k] = _quotient(xf[k] - acc, y0)
    return u


def _quotient(a: Any, b: Any) -> Any:
    """a / b elementwise, with IEEE's answers where b is 0 also at a set precision (mpmath
    raises ZeroDivisionError there): inf with a's sign, nan for 0/0."""
    if not _backend().mp:
        return a / b
    if not np.any(np.asarray(np.asarray(b, dtype=object) == 0, dtype=bool)):
        return a / b
    return np.frompyfunc(_mp_divide, 2, 1)(a, b)


def _leading_zeros(a: np.ndarray) -> np.ndarray:
    """For each column of a 2-D array (coefficients, points): the index of its first
    coefficient that is not 0 (nan is not 0), or its length when all are 0."""
    nonzero = np.asarray(a != 0, dtype=bool)
    return np.where(nonzero.any(axis=0), nonzero.argmax(axis=0), a.shape[0])


def _is_finite_nonzero(value: Any) -> bool:
    if isinstance(value, (float, np.floating)):
        return value != 0 and math.isfinite(value)
    return value != 0 and bool(mpmath.isfinite(value))


def _is_nan(value: Any) -> bool:
    return value != value


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


def _primal(prim: Primitive, *xs: Any, **params: Any) -> np.ndarray:
    """The forward value of `prim` in the active backend (numpy's, or MP_FORWARD's)."""
    return _backend().primal(prim, *xs, **params)


def _with_primal(u: np.ndarray, u0: Any) -> np.ndarray:
    """Put the primitive's own forward value in u_0 (so Taylor mode and the tape agree)."""
    u = np.array(u)  # never write into an input's coefficients
    u[0, ...] = np.broadcast_to(u0, u.shape[1:])
    return u


def _one(x: np.ndarray) -> np.ndarray:
    return _backend().convert(np.ones(x.shape[1:]))[np.newaxis]


def _sq(x: np.ndarray, n: int | None = None) -> np.ndarray:
    return _mul(x, x, n)


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


def _by_integration(prim: Primitive, du: Callable[[np.ndarray, np.ndarray, int], np.ndarray]
                    ) -> Callable[..., np.ndarray]:
    """A rule u_k = [t^(k-1)] du / k, with du built from x and dx/dt (length K)."""
    def rule(x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        u0 = _primal(prim, x[0])
        if n == 1:
            return u0[np.newaxis]
        return _integrate(u0, du(x, _deriv(x), n - 1), n)

    rule.__name__ = rule.__qualname__ = f"integrate_{prim.name}"
    return rule


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


def _per_coefficient(prim: Primitive) -> Callable[..., np.ndarray]:
    """The rule of a linear primitive: its impl applied to each coefficient."""
    impl = prim.impl

    def rule(*xs: np.ndarray, **params: Any) -> np.ndarray:
        n = _length(*xs)
        zero = [None if x.shape[0] == n else _backend().zeros(x.shape[1:]) for x in xs]
        rows = [impl(*[x[k] if x.shape[0] > k else z for x, z in zip(xs, zero, strict=True)],
                     **params) for k in range(n)]
        return np.stack([np.asarray(r) for r in rows])

    rule.__name__ = rule.__qualname__ = f"linear_{prim.name}"
    return rule


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


def _real(f: Callable[..., Any]) -> Callable[..., Any]:
    """An mpmath function with numpy's IEEE answer, nan, where mpmath would raise or go
    complex (log(-1), sqrt(-1), acosh(0))."""
    def g(*xs: Any) -> Any:
        if any(mpmath.isnan(x) for x in xs):
            return mpmath.nan
        try:
            r = f(*xs)
        except (ZeroDivisionError, ValueError):
            return mpmath.nan
        return r if isinstance(r, mpmath.mpf) else mpmath.nan

    return g


# ---- the primitives: each one's Taylor rule and mp forward, side by side --------------
#
# In the order of adcli/engine/ops.py. Rules used by one primitive are written right
# above its registration; rules shared by several (sin/cos, reductions, the linear
# ones) are registered together.

# -- arithmetic

def_taylor(P.add, _add)
def_mp(P.add, None)  # mpmath's arithmetic through numpy's object loops

def_taylor(P.subtract, lambda x, y: _add(x, -y))
def_mp(P.subtract, None)

def_taylor(P.multiply, _mul)  # the Cauchy product
def_mp(P.multiply, None)


def _divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # u_0 is the forward value, except at a removable singularity (sin(x)/x at 0, where
    # the forward gives 0/0 = nan): there the limit, as the other coefficients are.
    x, y = _align(x, y)
    u, dropped = _div_limits(x, y)
    u0 = _primal(P.divide, x[0], y[0])
    if dropped is not None:
        u0 = np.where(dropped, u[0], u0)
    return _with_primal(u, u0)


def _mp_divide(x: Any, y: Any) -> Any:
    if y == 0:
        return mpmath.nan if x == 0 or mpmath.isnan(x) else (mpmath.inf if x > 0 else -mpmath.inf)
    return x / y


def_taylor(P.divide, _divide)
def_mp(P.divide, _mp_divide)


def _mp_divmod(x: Any, y: Any) -> tuple[Any, Any]:
    """numpy's floor_divide and mod (npy_divmod), with mpmath's exact fmod: the same
    answers at 0, inf and nan (mod(1, -inf) = -inf, floor_divide(-1, inf) = -1)."""
    if mpmath.isnan(x) or mpmath.isnan(y) or mpmath.isinf(x) or y == 0:
        mod = mpmath.nan
    elif mpmath.isinf(y):
        mod = x
    else:
        mod = mpmath.fmod(x, y)
    if y == 0:
        return _mp_divide(x, y), mod
    div = (x - mod) / y
    if mod != 0 and (y < 0) != (mod < 0):
        mod += y
        div -= 1
    if div == 0 or mpmath.isnan(div):
        return div, mod
    floor = mpmath.floor(div)
    if div - floor > 0.5:
        floor += 1
    return floor, mod


def _mp_floor_divide(x: Any, y: Any) -> Any:
    return _mp_divmod(x, y)[0]


def_constant(P.floor_divide)
def_mp(P.floor_divide, _mp_floor_divide)


def _mod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # x - y floor(x / y), the quotient constant (chosen on the primal).
    x, y = _align(x, y)
    quotient = _primal(P.floor_divide, x[0], y[0])
    return _with_primal(_add(x, -(y * quotient)), _primal(P.mod, x[0], y[0]))


def _mp_mod(x: Any, y: Any) -> Any:
    return _mp_divmod(x, y)[1]


def_taylor(P.mod, _mod)
def_mp(P.mod, _mp_mod)


def _exp(x: np.ndarray) -> np.ndarray:
    return _recur(_primal(P.exp, x[0]), x, lambda u, v, m: u[m])


def _log_series(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    u0 = _primal(P.log, x[0])
    if n == 1:
        return np.asarray(u0)[np.newaxis]
    return _integrate(u0, _div(_deriv(x), x[: n - 1], n - 1), n)


def _real_pow(x: np.ndarray, r: Any, u0: Any) -> np.ndarray:
    """x^r for a constant r: u_k = sum_{j=1..k} ((r+1) j - k) x_j u_{k-j} / (k x_0), and
    where x_0 = 0 the one-sided limits of `_power_at_zero`."""
    n = x.shape[0]
    shape = np.broadcast_shapes(x.shape[1:], np.shape(r))
    xf = np.broadcast_to(x, (n,) + shape).reshape(n, -1)
    rf = np.broadcast_to(r, shape).reshape(-1)
    u = _real_pow_recur(xf, rf, np.broadcast_to(u0, shape).reshape(-1))
    _power_at_zero(u, xf, rf)
    return u.reshape((n,) + shape)


def _real_pow_recur(xf: np.ndarray, rf: Any, u0f: Any) -> np.ndarray:
    """The x^r recurrence on 2-D arrays (coefficients, points), from u_0 = u0f."""
    n = xf.shape[0]
    u = _empty(n, xf.shape[1])
    u[0] = u0f
    backend = _backend()
    x0 = xf[0]
    for k in range(1, n):
        j = np.arange(1, k + 1).reshape(k, 1)
        weights = (rf + 1) * j - k
        u[k] = _quotient(backend.sumprod(weights * xf[1:k + 1], u[k - 1::-1]), k * x0)
    return u


def _power_at_zero(u: np.ndarray, xf: np.ndarray, rf: Any) -> None:
    """Where x_0 = 0, replace the x^r recurrence (which divides by x_0) in u (2-D, u_0
    kept): x = t^m x~ with x~_0 != 0, so x^r = t^p x~^r with p = m r, seen from t > 0
    (the side of the direction).

    - p a whole number >= 0: the series of x~^r shifted by p (u_k = 0 below p); the last
      m - p coefficients are then not known (sqrt(x^2) at 0 needs x_1..x_K+1).
    - otherwise the true derivatives do not exist at 0, and u_k are their one-sided
      limits: 0 for k < p, and for k > p the sign of x~_0^r p (p-1) ... (p-k+1) times
      inf (x^1.875 at 0: 0, 0, +inf, -inf). nan where x~_0 < 0 (no real power).
    - x zero in every known coefficient: u_k = 0 for k < K r (0 < r), unknown beyond."""
    zero = np.asarray(xf[0] == 0, dtype=bool)
    if not zero.any():
        return
    n = xf.shape[0]
    columns = np.nonzero(zero)[0]
    leading = _leading_zeros(xf[:, columns])
    nan, nought = _c(math.nan), _c(0.0)
    lost = 0
    for m, col in zip(leading.tolist(), columns.tolist(), strict=True):
        r = rf[col]
        rr = float(r)
        if not math.isfinite(rr):  # 0^inf, 0^nan: the recurrence's inf and nan
            continue
        if m >= n:
            known = min(n, math.ceil(n * rr)) if rr > 0 else 1
            u[1:known, col] = nought
            u[known:, col] = nan
            lost = max(lost, n - known)
            continue
        lead = xf[m, col]
        if not _is_finite_nonzero(lead):
            if _is_nan(lead):
                u[1:, col] = nan
                lost = n
            continue
        p = m * rr
        if p >= 0 and p == round(p):
            shift = int(round(p))
            known = min(n, shift + n - m)
            u[1:, col] = nought
            if known > shift:
                w = _real_pow_recur(xf[m:m + known - shift, col:col + 1], rf[col:col + 1],
                                    _primal(P.pow, lead, r).reshape(1))
                u[shift:known, col] = w[:, 0]
            u[known:, col] = nan
            lost = max(lost, n - known)
            continue
        scale = _primal(P.pow, lead, r)
        if not scale > 0 and not scale < 0:  # x~_0 < 0: no real power for t > 0
            u[1:, col] = nan
            continue
        falling = 1.0
        for k in range(1, n):
            falling *= p - (k - 1)
            u[k, col] = nought if k < p else _c(math.copysign(math.inf, falling)
                                                * (1.0 if scale > 0 else -1.0))
    _dropped(lost)


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


def _int_pow_each(x: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """x^n with a whole n for each point (broadcast against x's shape): repeated
    squaring, each point taking the products its own bits ask for."""
    n = x.shape[0]
    shape = np.broadcast_shapes(x.shape[1:], np.shape(exponents))
    x = np.broadcast_to(x, (n,) + shape)
    exponents = np.broadcast_to(np.asarray(exponents, dtype=np.int64), shape)
    bits = np.abs(exponents)
    result = _backend().convert(np.ones(shape))[np.newaxis]
    base = x
    while bits.any():
        odd = (bits & 1).astype(bool)
        if odd.any():
            result = _where_c(odd, _mul(result, base, n), result)
        bits = bits >> 1
        if bits.any():
            base = _mul(base, base)
    result = _pad(result, n)
    negative = exponents < 0
    if negative.any():
        result = _where_c(negative, _div(_one(result), result, n), result)
    return result


def _whole(r: Any) -> np.ndarray:
    """Where the exponent r is a whole number that the integer path takes (|r| <= 1024)."""
    try:
        values = np.asarray(r, dtype=np.float64)
    except (TypeError, ValueError):
        return np.zeros(np.shape(r), dtype=bool)
    return np.isfinite(values) & (values == np.round(values)) & (np.abs(values) <= 1024)


def _pow_const(x: np.ndarray, r: Any, u0: Any) -> np.ndarray:
    """x^r for a constant exponent r (an array broadcast against x's points): whole
    values by repeated products (exact, and right where x_0 = 0), each point its own
    exponent; the others by the x^r recurrence. u_0 is the forward value u0."""
    n = x.shape[0]
    whole = _whole(r)
    if not whole.any():  # _real_pow starts from u0 itself
        return _rescaled_power(x, r, _real_pow(x, r, u0))
    if whole.all():
        values = np.asarray(r, dtype=np.float64)
        if values.size == 0 or np.all(values == values.reshape(-1)[0]):
            u = _int_pow(x, int(values.reshape(-1)[0]) if values.size else 0)
        else:
            u = _int_pow_each(x, values.astype(np.int64))
    else:
        exponents = np.where(whole, np.asarray(r, dtype=np.float64), 0).astype(np.int64)
        u = _where_c(whole, _int_pow_each(x, exponents), _real_pow(x, r, u0))
    u = np.broadcast_to(_pad(u, n), (n,) + np.broadcast_shapes(x.shape[1:], np.shape(r)))
    return _with_primal(_rescaled_power(x, r, u), u0)


_TINY = np.finfo(np.float64).tiny


def _lost_range(u: np.ndarray) -> bool:
    """float64: whether some coefficient is not finite, or some u_0 below the normal
    range (0 included), so that `_rescaled_power` has something to look at."""
    return not (np.isfinite(u).all() and (np.abs(u[0]) >= _TINY).all())


def _rescaled_power(x: np.ndarray, r: Any, u: np.ndarray) -> np.ndarray:
    """float64: x^r again where its coefficients over- or underflowed although x did not
    (x^2.5 at 1e-300: u_0 = 1e-750 is 0 and the recurrence, linear in u_0, gives 0 for
    u_2 = 1.875e-150). With |x_0| = f 2^e (f in [1/2, 1)) and t = 2^e s, the series
    x(t)/x_0 = 1 + O(s) has coefficients of order 1, its power g too, and
    u_k = x_0^r g_k 2^(-e k) = f^r g_k 2^(e (r - k)), scaled by ldexp."""
    if _backend().mp or not _lost_range(u):
        return u
    n, shape, uf, (xf,) = _columns_of(u, x)
    rf = np.broadcast_to(np.asarray(r, dtype=np.float64), shape).reshape(-1)
    x0 = xf[0]
    bad = np.isfinite(x0) & (x0 != 0) & np.isfinite(rf) & np.isfinite(xf).all(axis=0) \
        & ((x0 > 0) | _whole(rf)) & (~np.isfinite(uf).all(axis=0) | (np.abs(uf[0]) < _TINY))
    if not bad.any():
        return u
    columns = np.nonzero(bad)[0]
    a = xf[:, columns]
    rho = rf[columns]
    mantissa, e, s = _unit_step(a)
    whole = _whole(rho)
    if whole.all():
        g = _int_pow_each(s, rho.astype(np.int64))
    else:
        g = _real_pow_recur(s, rho, np.ones(len(columns)))
        if whole.any():
            g = np.where(whole, _int_pow_each(s, np.where(whole, rho, 0).astype(np.int64)), g)
    sign = np.where(a[0] < 0, np.where(np.abs(rho) % 2 == 1, -1.0, 1.0), 1.0)
    _keep_finite(uf, columns, _scale_exponent(sign * g, mantissa, e, rho))
    return uf.reshape((n,) + shape)


def _columns_of(u: np.ndarray, *series: np.ndarray
                ) -> tuple[int, tuple[int, ...], np.ndarray, list[np.ndarray]]:
    """The result series u as a writable (n, points) array, and each argument series
    padded to n coefficients and broadcast to u's points, as (n, points) too."""
    n, shape = u.shape[0], u.shape[1:]
    flat = [np.broadcast_to(_pad(x, n), (n,) + shape).reshape(n, -1) for x in series]
    return n, shape, np.array(u).reshape(n, -1), flat


def _unit_step(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For series a (n, points) with |a_0| = f 2^e (f in [1/2, 1)): f, e, and the series
    in s = t / 2^e divided by a_0, whose coefficients are of order 1 (s_0 = 1)."""
    mantissa, e = np.frexp(np.abs(a[0]))
    k = np.arange(a.shape[0]).reshape(-1, 1)
    return mantissa, e, np.ldexp(a, e * k) / a[0]


def _scale_exponent(g: np.ndarray, mantissa: np.ndarray, e: np.ndarray, rho: np.ndarray
                    ) -> np.ndarray:
    """g_k (f 2^e)^rho 2^(-e k) = g_k 2^(rho log2 f + e (rho - k)), the power of two
    applied by ldexp (f^rho and 2^(e rho) may each overflow where their product does
    not)."""
    k = np.arange(g.shape[0]).reshape(-1, 1)
    power = np.clip(rho * np.log2(mantissa) + e * (rho - k), -1e4, 1e4)
    whole = np.floor(power)
    return np.ldexp(g * np.exp2(power - whole), whole.astype(np.int64))


def _keep_finite(uf: np.ndarray, columns: np.ndarray, scaled: np.ndarray) -> None:
    """Put the rescaled u_1.. in `columns` of uf: all of them where u_0 under- or
    overflowed (so the recurrence, linear in u_0, lost them all), only those that are
    not finite elsewhere (so that a coefficient is the same whatever the order asked
    for), and never a value that is not finite over one that is (the scaled series
    itself overflowed: x^y with y_0 = -1e300)."""
    old = uf[1:, columns]
    abnormal = ~(np.abs(uf[0, columns]) >= _TINY) | ~np.isfinite(uf[0, columns])
    take = (abnormal | ~np.isfinite(old)) & ~(~np.isfinite(scaled[1:]) & np.isfinite(old))
    uf[1:, columns] = np.where(take, scaled[1:], old)


def _pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    n = _length(x, y)
    u0 = _primal(P.pow, x[0], y[0])
    if y.shape[0] == 1:
        return _pow_const(x, y[0], u0)
    # A series exponent: u = exp(y log x), so u' = u (y log x)' and exp's recurrence
    # (linear in u_0) runs from u_0 = x_0^y_0. Where x_0 <= 0 the y-part is taken as 0, as
    # the tape's gradient rule does, and x^y_0 remains.
    positive = np.asarray(np.greater(x[0], 0), dtype=bool)
    log_x = _log_series(_where_c(positive, x, _one(x)))
    z = _pad(_mul(y, log_x, n), n)
    u = _rescaled_exp_pow(x, y, _recur(u0, z, lambda u, v, m: u[m]))
    if np.all(positive):
        return _with_primal(u, u0)
    fallback = _pow_const(_pad(x, n), y[0], u0) if x.shape[0] > 1 \
        else np.asarray(u0)[np.newaxis]
    return _with_primal(_where_c(positive, u, fallback), u0)


def _rescaled_exp_pow(x: np.ndarray, y: np.ndarray, u: np.ndarray) -> np.ndarray:
    """float64: x^y with a series exponent again where its coefficients, or those of
    y log x, over- or underflowed although x and y did not (x^y at (1e-300, 1.5), or
    at (1e-300, 1e-300) where log x has u_2 = -5e599): as `_rescaled_power`, with
    t = 2^e s and g = exp(y log x - y_0 log x_0) in s, u_k = f^y_0 g_k 2^(e (y_0 - k))."""
    if _backend().mp or not _lost_range(u):
        return u
    n, shape, uf, (xf, yf) = _columns_of(u, x, y)
    x0 = xf[0]
    bad = np.isfinite(x0) & (x0 > 0) & np.isfinite(xf).all(axis=0) \
        & np.isfinite(yf).all(axis=0) \
        & (~np.isfinite(uf).all(axis=0) | (np.abs(uf[0]) < _TINY))
    if not bad.any():
        return u
    columns = np.nonzero(bad)[0]
    a, b = xf[:, columns], yf[:, columns]
    mantissa, e, s = _unit_step(a)  # x in s, over x_0 (> 0 here)
    log_x = _log_series(s)
    log_x[0] = np.log(a[0])
    z = _mul(np.ldexp(b, e * np.arange(n).reshape(n, 1)), log_x, n)
    z[0] = 0.0
    g = _recur(np.ones(len(columns)), z, lambda u, v, m: u[m])
    _keep_finite(uf, columns, _scale_exponent(g, mantissa, e, b[0]))
    return uf.reshape((n,) + shape)


def _mp_power(x: Any, y: Any) -> Any:
    """x^y with numpy's (C99's) answers at the special values, where mpmath raises, goes
    complex or answers otherwise: x^0 = 1^y = 1 (even for nan), (-1)^+-inf = 1, 0^y<0 =
    inf, (-inf)^y, x^+-inf by |x| against 1, and nan for x < 0 with y not whole."""
    if y == 0 or x == 1:
        return mpmath.mpf(1)
    if mpmath.isnan(x) or mpmath.isnan(y):
        return mpmath.nan
    if mpmath.isinf(y):
        size = abs(x)
        if size == 1:
            return mpmath.mpf(1)
        return mpmath.inf if (size > 1) == (y > 0) else mpmath.mpf(0)
    whole = y == mpmath.floor(y)
    odd = whole and mpmath.floor(y) % 2 == 1
    if mpmath.isinf(x):
        if y < 0:
            return mpmath.mpf(0)
        return -mpmath.inf if x < 0 and odd else mpmath.inf
    if x == 0:
        return mpmath.inf if y < 0 else mpmath.mpf(0)
    if x < 0 and not whole:
        return mpmath.nan
    return _real(mpmath.power)(x, y)


def_taylor(P.pow, _pow)
def_mp(P.pow, _mp_power)

def_taylor(P.integer_pow, lambda x, n: _with_primal(
    _rescaled_power(x, np.float64(n), _int_pow(x, n)) if n != 0 else _one(x),
    _primal(P.integer_pow, x[0], n=n)))
def_mp(P.integer_pow, lambda x, n: _mp_power(x, mpmath.mpf(n)))

def_taylor(P.negative, lambda x: -x)
def_mp(P.negative, None)


def _abs(x: np.ndarray) -> np.ndarray:
    sign = _primal(P.sign, x[0])
    return _with_primal(x * sign, np.abs(x[0]))


def_taylor(P.abs, _abs)
def_mp(P.abs, None)


def _mp_sign(x: Any) -> Any:
    if mpmath.isnan(x):
        return mpmath.nan
    return mpmath.mpf(0) if x == 0 else (mpmath.mpf(1) if x > 0 else mpmath.mpf(-1))


def_constant(P.sign)
def_mp(P.sign, _mp_sign)

def_comp(P.reciprocal, lambda x: ops.divide(1.0, x))
def_mp(P.reciprocal, lambda x: _mp_divide(mpmath.mpf(1), x))

def_taylor(P.square, lambda x: _with_primal(_sq(x), _primal(P.square, x[0])))
def_mp(P.square, None)


def _sqrt(x: np.ndarray) -> np.ndarray:
    # u_k = (x_k - sum_{j=1..k-1} u_j u_{k-j}) / (2 u_0); where x_0 = 0, x^(1/2) at a zero
    # base (sqrt(x) at 0: 0, +inf, -inf, ...; sqrt(x^2) at 0: 0, 1, 0, ...).
    n = x.shape[0]
    shape = x.shape[1:]
    xf = x.reshape(n, -1)
    u = _empty(n, xf.shape[1])
    u[0] = _primal(P.sqrt, x[0]).reshape(-1)
    backend = _backend()
    two_u0 = u[0] * 2
    for k in range(1, n):
        acc = backend.sumprod(u[1:k], u[k - 1:0:-1]) if k > 1 else 0
        u[k] = _quotient(xf[k] - acc, two_u0)
    _power_at_zero(u, xf, np.full(xf.shape[1], _c(0.5), dtype=object if _backend().mp
                                  else np.float64))
    return u.reshape((n,) + shape)


def_taylor(P.sqrt, _sqrt)
def_mp(P.sqrt, _real(lambda x: mpmath.sqrt(x)))

# cbrt is x^r with r = 1/3 (`_c` keeps 1/3 exact at a set precision); mpmath.cbrt alone
# gives the complex root of a negative x, so the real root is -cbrt(-x) there.
def_taylor(P.cbrt, lambda x: _real_pow(x, _c(1.0) / 3, _primal(P.cbrt, x[0])))
def_mp(P.cbrt, lambda x: -mpmath.cbrt(-x) if x < 0 else mpmath.cbrt(x))

# -- exponentials, logarithms, trigonometry

def_taylor(P.exp, _exp)
def_mp(P.exp, lambda x: mpmath.exp(x))

def_comp(P.expm1, lambda x: ops.subtract(ops.exp(x), 1.0))
def_mp(P.expm1, lambda x: mpmath.expm1(x))

def_taylor(P.log, _by_integration(P.log, lambda x, dx, m: _div(dx, x[:m], m)))
def_mp(P.log, _real(lambda x: mpmath.log(x)))

def_comp(P.log1p, lambda x: ops.log(ops.add(x, 1.0)))
def_mp(P.log1p, _real(lambda x: mpmath.log1p(x)))

def_comp(P.log2, lambda x: ops.divide(ops.log(x), ops.log(constant(2.0))))
def_mp(P.log2, _real(lambda x: mpmath.log(x, 2)))

def_comp(P.log10, lambda x: ops.divide(ops.log(x), ops.log(constant(10.0))))
def_mp(P.log10, _real(lambda x: mpmath.log10(x)))


def _sin_cos(x: np.ndarray, hyperbolic: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """s' = c x' and c' = -s x' (+ s x' for sinh, cosh), computed together."""
    n = x.shape[0]
    shape = x.shape[1:]
    xf = x.reshape(n, -1)
    s, c = _empty(n, xf.shape[1]), _empty(n, xf.shape[1])
    s[0] = _primal(P.sinh if hyperbolic else P.sin, x[0]).reshape(-1)
    c[0] = _primal(P.cosh if hyperbolic else P.cos, x[0]).reshape(-1)
    if n > 1:
        jx = _jx(xf)
        backend = _backend()
        for k in range(1, n):
            s[k] = backend.sumprod(jx[:k], c[k - 1::-1]) / k
            dc = backend.sumprod(jx[:k], s[k - 1::-1]) / k
            c[k] = dc if hyperbolic else -dc
    return s.reshape((n,) + shape), c.reshape((n,) + shape)


def_taylor(P.sin, lambda x: _sin_cos(x)[0])
def_mp(P.sin, lambda x: mpmath.sin(x))

def_taylor(P.cos, lambda x: _sin_cos(x)[1])
def_mp(P.cos, lambda x: mpmath.cos(x))


def _tan(x: np.ndarray) -> np.ndarray:
    # u' = (1 + u^2) x'
    one = _c(1.0)
    return _recur(_primal(P.tan, x[0]), x,
                  lambda u, v, m: _self_sq(u, m) + (one if m == 0 else 0))


def_taylor(P.tan, _tan)
def_mp(P.tan, lambda x: mpmath.tan(x))

def_taylor(P.asin, _by_integration(
    P.asin, lambda x, dx, m: _div(dx, _sqrt(_add(_one(x), -_sq(x[:m]))), m)))
def_mp(P.asin, _real(lambda x: mpmath.asin(x)))

def_taylor(P.acos, _by_integration(
    P.acos, lambda x, dx, m: -_div(dx, _sqrt(_add(_one(x), -_sq(x[:m]))), m)))
def_mp(P.acos, _real(lambda x: mpmath.acos(x)))

def _atan_du(x: np.ndarray, dx: np.ndarray, m: int) -> np.ndarray:
    # u' = x' / (x^2 + 1), as (x' / c^2) / ((x / c)^2 + c^-2) where |x_0| is large (x^2
    # overflows from 1e154 on): `_scale_down`.
    inv = _scale_down(x[0])
    if inv is None:
        return _div(dx, _add(_sq(x[:m]), _one(x)), m)
    q = x[:m] * inv
    return _div(dx * (inv * inv), _add(_sq(q), (inv * inv)[np.newaxis]), m)


def_taylor(P.atan, _by_integration(P.atan, _atan_du))
def_mp(P.atan, lambda x: mpmath.atan(x))


def _atan2(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    # u' = (x y' - y x') / (x^2 + y^2), with x and y scaled by the same power of two
    # where x^2 + y^2 would over- or underflow (atan2 at (1e-300, 1e-300)).
    y, x = _align(y, x)
    n = _length(x, y)
    u0 = _primal(P.atan2, y[0], x[0])
    if n == 1:
        return np.asarray(u0)[np.newaxis]
    x, y = _pad(x, n), _pad(y, n)
    if not _backend().mp:
        size = np.maximum(np.abs(x[0]), np.abs(y[0]))
        if np.any((size > 2.0 ** 32) | ((size < 2.0 ** -32) & (size > 0))):
            _, e = np.frexp(np.where(np.isfinite(size), size, 1.0))
            inv = np.ldexp(1.0, -e)
            x, y = x * inv, y * inv
    m = n - 1
    top = _add(_mul(x, _deriv(y), m), -_mul(y, _deriv(x), m))
    bottom = _add(_sq(x, m), _sq(y, m))
    return _integrate(u0, _div(top, bottom, m), n)


def_taylor(P.atan2, _atan2)
def _mp_atan2(y: Any, x: Any) -> Any:
    # numpy's answers with both infinite (+-pi/4, +-3pi/4), which mpmath 1.3 gives as nan
    # (1.4 as numpy; sympy, for adcli diff, requires mpmath < 1.4).
    if mpmath.isinf(y) and mpmath.isinf(x):
        quarter = mpmath.pi / 4
        return (quarter if x > 0 else 3 * quarter) * (1 if y > 0 else -1)
    return mpmath.atan2(y, x)


def_mp(P.atan2, _real(_mp_atan2))

def_taylor(P.sinh, lambda x: _sin_cos(x, True)[0])
def_mp(P.sinh, lambda x: mpmath.sinh(x))

def_taylor(P.cosh, lambda x: _sin_cos(x, True)[1])
def_mp(P.cosh, lambda x: mpmath.cosh(x))


# Where |z_0| > 1/2, tanh's recurrence u' = (1 - u^2) z' loses the digits of 1 - u^2 (at
# z_0 = 20, u_0 rounds to 1 and every derivative to 0, for 1.7e-17). There its
# complement E = 1 - |tanh z| = 2 / (1 + exp(2|z|)), small and exact, runs instead:
# E' = -E (2 - E) |z|', and tanh_k = -sign(z_0) E_k. Near 0 the first keeps its digits
# (E would lose them: at z_0 = 1e-300, E_0 rounds to 1).
_TANH_SPLIT = 0.5


def _tanh_series(z: np.ndarray, u0: Any) -> np.ndarray:
    """The series of tanh(z) from u_0 = u0 on, each point by the recurrence that keeps
    its digits."""
    one = _c(1.0)
    near = np.asarray(np.abs(z[0]) <= _TANH_SPLIT, dtype=bool)
    if near.all():
        return _recur(u0, z, lambda u, v, m: -_self_sq(u, m) + (one if m == 0 else 0))
    sign = _primal(P.sign, z[0])
    e0 = _quotient(_c(2.0), _primal(P.exp, np.abs(z[0]) * 2) + one)
    far = -_recur(e0, z * sign, lambda u, v, m: _self_sq(u, m) - u[m] * 2) * sign
    far = _with_primal(far, u0)
    if not near.any():
        return far
    return _where_c(near, _recur(u0, z, lambda u, v, m: -_self_sq(u, m)
                                 + (one if m == 0 else 0)), far)


def _tanh(x: np.ndarray) -> np.ndarray:
    return _tanh_series(x, _primal(P.tanh, x[0]))


def_taylor(P.tanh, _tanh)
def_mp(P.tanh, lambda x: mpmath.tanh(x))

def _scale_down(x0: Any) -> np.ndarray | None:
    """float64, where some |x_0| > 2^32: 2^-e with 2^e about |x_0| (1 where |x_0| <= 1),
    to write x^2 +- 1 as c^2 ((x/c)^2 +- c^-2) without overflow. None otherwise (and at
    a set precision, which does not overflow)."""
    if _backend().mp:
        return None
    size = np.abs(np.asarray(x0, dtype=np.float64))
    if not np.any(np.isfinite(size) & (size > 2.0 ** 32)):
        return None
    _, e = np.frexp(np.where(np.isfinite(size), size, 1.0))
    return np.ldexp(1.0, -np.maximum(e, 0))


def _hyperbolic_du(sign: float) -> Callable[..., np.ndarray]:
    # asinh (sign 1): u' = x' / sqrt(x^2 + 1); acosh (sign -1): x' / sqrt(x^2 - 1); where
    # |x_0| is large, (x' / c) / sqrt((x / c)^2 +- c^-2).
    def du(x: np.ndarray, dx: np.ndarray, m: int) -> np.ndarray:
        inv = _scale_down(x[0])
        if inv is None:
            one = _one(x)
            return _div(dx, _sqrt(_add(_sq(x[:m]), one if sign > 0 else -one)), m)
        q = x[:m] * inv
        return _div(dx * inv, _sqrt(_add(_sq(q), (sign * inv * inv)[np.newaxis])), m)

    return du


def_taylor(P.asinh, _by_integration(P.asinh, _hyperbolic_du(1.0)))
def_mp(P.asinh, lambda x: mpmath.asinh(x))

def_taylor(P.acosh, _by_integration(P.acosh, _hyperbolic_du(-1.0)))
def_mp(P.acosh, _real(lambda x: mpmath.acosh(x)))

def_taylor(P.atanh, _by_integration(
    P.atanh, lambda x, dx, m: _div(dx, _add(_one(x), -_sq(x[:m])), m)))
def_mp(P.atanh, _real(lambda x: mpmath.atanh(x)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # sigmoid(x) = (1 + tanh(x/2)) / 2: u_k = tanh(x/2)_k / 2, whose digits
    # `_tanh_series` keeps at every x (u' = u (1 - u) x' loses those of 1 - u for large
    # x, and those of 1 - 2u near 0).
    half = _c(0.5)
    z = x * half
    return _with_primal(_tanh_series(z, _primal(P.tanh, z[0])) * half,
                        _primal(P.sigmoid, x[0]))


def_taylor(P.sigmoid, _sigmoid)
def_mp(P.sigmoid, lambda x: 1 / (1 + mpmath.exp(-x)))


def _mp_softplus(x: Any) -> Any:
    return x + mpmath.log1p(mpmath.exp(-x)) if x > 0 else mpmath.log1p(mpmath.exp(x))


# u' = sigmoid(x) x', integrated. Not the composition log1p(exp(x)), whose series
# overflows for large x where this one stays finite; and sigmoid's series keeps its
# digits at every x (`_sigmoid`), so this one does too.
_softplus = _by_integration(P.softplus, lambda x, dx, m: _mul(dx, _sigmoid(x[:m]), m))
def_taylor(P.softplus, _softplus)
def_mp(P.softplus, _mp_softplus)


def _relu(x: np.ndarray) -> np.ndarray:
    zero = _backend().convert(np.zeros(x.shape[1:]))[np.newaxis]
    return _where_c(_primal_bool(np.greater(x[0], 0)), x, zero)


def_taylor(P.relu, _relu)
def_mp(P.relu, None)


def _erf_du(x: np.ndarray, dx: np.ndarray, m: int) -> np.ndarray:
    # u' = (2 / sqrt(pi)) exp(-x^2) x'
    scale = 2 / _backend().mpmath.sqrt(_backend().mpmath.pi) if _backend().mp \
        else 2.0 / math.sqrt(math.pi)
    return _mul(dx, _exp(-_sq(x[:m])) * scale, m)


def_taylor(P.erf, _by_integration(P.erf, _erf_du))
def_mp(P.erf, lambda x: mpmath.erf(x))

def _mp_erfc(x: Any) -> Any:
    # mpmath.erfc raises OverflowError from |x| = 1.3e154 on (its series check squares
    # x as a float); there erfc(x) = exp(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2)), whose next
    # term is below 1e-600 relative.
    if mpmath.isfinite(x) and abs(x) > 1e150:
        a = abs(x)
        tail = mpmath.exp(-a * a) / (a * mpmath.sqrt(mpmath.pi)) * (1 - 1 / (2 * a * a))
        return tail if x > 0 else 2 - tail
    return mpmath.erfc(x)


# erfc' = -erf': the same integral, negated; u_0 is math.erfc's (or mpmath.erfc's)
# value, so the series keeps its digits where 1 - erf(x) has none.
def_taylor(P.erfc, _by_integration(P.erfc, lambda x, dx, m: -_erf_du(x, dx, m)))
def_mp(P.erfc, lambda x: _mp_erfc(x))


# -- the gamma family
#
# By integration: polygamma(n, x)' = polygamma(n + 1, x) x', so the series of
# polygamma(n, x) to order K integrates that of polygamma(n + 1, x) to order K - 1,
# and so on down to polygamma(n + K, x) at order 0, its value. `_polygamma_series`
# builds them from the bottom up (no recursion depth): K Cauchy products, O(K^3) in all.
# lgamma' = digamma(x) x' and digamma' = polygamma(1, x) x' integrate the same way, and
# gamma = sign * exp(lgamma) runs exp's recurrence u' = u lgamma(x)' from u_0 = gamma(a)
# (linear in u_0, so the sign comes with it). The values are scipy's (ops.py), and at a
# set precision mpmath's, with ops.py's answers at the poles (mpmath raises there).

def _polygamma_series(x: np.ndarray, n: int) -> np.ndarray:
    """The series of polygamma(n, x(t)), as many coefficients as x has."""
    length = x.shape[0]
    dx = _deriv(x)
    u = np.asarray(_primal(P.polygamma, x[0], n=n + length - 1))[np.newaxis]
    for j in range(length - 2, -1, -1):  # polygamma(n + j): length - j coefficients
        m = length - 1 - j
        u = _integrate(_primal(P.polygamma, x[0], n=n + j), _mul(dx[:m], u, m), m + 1)
    return u


def _gamma(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    u0 = _primal(P.gamma, x[0])
    if n == 1:
        return np.asarray(u0)[np.newaxis]
    log_abs = _integrate(_c(0.0), _mul(_deriv(x), _polygamma_series(x[:n - 1], 0), n - 1), n)
    return _recur(u0, log_abs, lambda u, v, m: u[m])


def _is_pole(x: Any) -> bool:
    return x <= 0 and x == mpmath.floor(x)


def _mp_gamma(x: Any) -> Any:
    # scipy's answers where mpmath raises or differs: inf at 0 (mpmath has no -0), nan
    # at -1, -2, ... and at -inf.
    if mpmath.isnan(x) or x == -mpmath.inf:
        return mpmath.nan
    if _is_pole(x):
        return mpmath.inf if x == 0 else mpmath.nan
    return mpmath.gamma(x)


def _mp_lgamma(x: Any) -> Any:
    # log|gamma(x)|: the real part of mpmath's loggamma (its imaginary part is a multiple
    # of pi where gamma(x) < 0); inf at the poles, and scipy's -inf at -inf.
    if mpmath.isnan(x) or mpmath.isinf(x):
        return x
    if _is_pole(x):
        return mpmath.inf
    return mpmath.re(mpmath.loggamma(x))


def _mp_polygamma(x: Any, n: int) -> Any:
    # At the poles and at -inf, as ops.py: inf for an odd n, nan for an even n (digamma
    # too); at inf, 0 for n >= 1.
    if mpmath.isnan(x):
        return mpmath.nan
    if x == mpmath.inf:
        return mpmath.inf if n == 0 else mpmath.mpf(0)
    if x == -mpmath.inf or _is_pole(x):
        return mpmath.inf if n % 2 else mpmath.nan
    return mpmath.digamma(x) if n == 0 else mpmath.polygamma(n, x)


def_taylor(P.gamma, _gamma)
def_mp(P.gamma, _mp_gamma)

def_taylor(P.lgamma, _by_integration(
    P.lgamma, lambda x, dx, m: _mul(dx, _polygamma_series(x[:m], 0), m)))
def_mp(P.lgamma, _mp_lgamma)

def_taylor(P.digamma, _by_integration(
    P.digamma, lambda x, dx, m: _mul(dx, _polygamma_series(x[:m], 1), m)))
def_mp(P.digamma, lambda x: _mp_polygamma(x, 0))

def_taylor(P.polygamma, _polygamma_series)
def_mp(P.polygamma, _mp_polygamma)


def _maximum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    return _where_c(_primal_bool(np.greater_equal(x[0], y[0])), x, y)


def_taylor(P.maximum, _maximum)
def_mp(P.maximum, None)


def _minimum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = _align(x, y)
    return _where_c(_primal_bool(np.less_equal(x[0], y[0])), x, y)


def_taylor(P.minimum, _minimum)
def_mp(P.minimum, None)

def_taylor(P.where, lambda c, x, y: _where_c(_primal_bool(c[0]), x, y))
def_mp(P.where, None)

# -- zero derivative: rounding, comparisons, logic, stop_gradient

def_constant(P.floor)
def_mp(P.floor, lambda x: mpmath.floor(x))

def_constant(P.ceil)
def_mp(P.ceil, lambda x: mpmath.ceil(x))


def _mp_round_half_even(x: Any) -> Any:
    floor = mpmath.floor(x)
    diff = x - floor
    if diff > 0.5 or (diff == 0.5 and int(floor) % 2 == 1):
        return floor + 1
    return floor


def_constant(P.round)
def_mp(P.round, _mp_round_half_even)

for _prim in (P.equal, P.not_equal, P.less, P.less_equal, P.greater, P.greater_equal,
              P.logical_and, P.logical_or, P.logical_not):
    def_constant(_prim)
    def_mp(_prim, None)  # booleans out

def_constant(P.stop_gradient)  # the constant term only
def_mp(P.stop_gradient, None)

# -- cast


def _cast(x: np.ndarray, dtype: Any) -> Any:
    if np.dtype(dtype).kind in "fc":
        return x  # a float cast keeps the series (and its precision)
    return Tensor._wrap(np.asarray(x[0]).astype(np.float64).astype(dtype))


def_taylor(P.cast, _cast)
def_mp(P.cast, None)  # a conversion is what cast means; floats keep their series above

# -- reductions


def _shift_axes(axis: Any, nd: int) -> tuple[int, ...]:
    axes = tuple(range(nd)) if axis is None else tuple(axis)
    return tuple(a + 1 for a in axes)


def_taylor(P.reduce_sum, lambda x, axis, keepdims: np.sum(
    x, axis=_shift_axes(axis, x.ndim - 1), keepdims=keepdims))
def_mp(P.reduce_sum, None)


def _reduce_prod(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    # Cauchy products of the reduced entries, one after another.
    moved, kept_shape = _move_reduced(x, axis)
    out = moved[:, 0] if moved.shape[1] else _backend().convert(
        np.ones(moved.shape[2]))[np.newaxis]
    for i in range(1, moved.shape[1]):
        out = _mul(out, moved[:, i])
    out = _finish_reduced(out, x, axis, keepdims, kept_shape)
    return _with_primal(out, _primal(P.reduce_prod, x[0], axis=axis, keepdims=keepdims))


def_taylor(P.reduce_prod, _reduce_prod)
def_mp(P.reduce_prod, None)


def _extremum(prim: Primitive, best_of: Callable[..., Any]) -> Callable[..., np.ndarray]:
    def rule(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
        # The series of the entries that reach the extremum in u_0; ties share
        # equally, as the tape's gradient rule does.
        moved, kept_shape = _move_reduced(x, axis)
        primal = moved[0]
        hit = np.asarray(primal == best_of(primal, axis=0), dtype=bool)
        count = hit.sum(axis=0)
        out = (moved * hit[np.newaxis]).sum(axis=1) / count
        out = _finish_reduced(out, x, axis, keepdims, kept_shape)
        return _with_primal(out, _primal(prim, x[0], axis=axis, keepdims=keepdims))

    return rule


def_taylor(P.reduce_max, _extremum(P.reduce_max, np.max))
def_mp(P.reduce_max, None)

def_taylor(P.reduce_min, _extremum(P.reduce_min, np.min))
def_mp(P.reduce_min, None)


def _logsumexp(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    # Pairwise, as a tree: logsumexp(a, b) = hi + softplus(lo - hi), hi the one with the
    # larger u_0, its whole series subtracted; softplus's series keeps its digits both
    # where lo - hi is far below 0 (at [40, 1.5] the composition log(sum(exp(x - peak)))
    # rounds 1 + 6e-18 to 1 and loses every derivative from the second on) and near 0
    # (near ties, where log(1 + exp(d)) loses those of tanh(d/2)).
    moved, kept_shape = _move_reduced(x, axis)
    n, count, points = moved.shape
    if count == 0:
        out = _backend().zeros((n, points))
    else:
        level = moved
        while level.shape[1] > 1:
            half = level.shape[1] // 2
            pairs = _logaddexp(level[:, 0:2 * half:2].reshape(n, -1),
                               level[:, 1:2 * half:2].reshape(n, -1)).reshape(n, half, points)
            if level.shape[1] % 2:
                pairs = np.concatenate([pairs, level[:, -1:]], axis=1)
            level = pairs
        out = level[:, 0]
    out = _finish_reduced(out, x, axis, keepdims, kept_shape)
    return _with_primal(out, _primal(P.reduce_logsumexp, x[0], axis=axis, keepdims=keepdims))


def _logaddexp(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(exp(a) + exp(b)) for 2-D arrays (coefficients, points): hi + softplus(lo - hi)."""
    first = np.asarray(a[0] >= b[0], dtype=bool)
    hi = np.where(first, a, b)
    return hi + _softplus(np.where(first, b, a) - hi)


def _mp_logsumexp(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    """numpy's forward (adcli/engine/ops.py) with mpmath: max + log(sum(exp(x - max))),
    an infinite max taken as 0 (so +inf gives inf and all -inf gives -inf)."""
    moved, kept_shape = _move_reduced(np.asarray(x, dtype=object)[np.newaxis], axis)
    out = np.empty((1, moved.shape[2]), dtype=object)
    for q in range(moved.shape[2]):
        values = list(moved[0, :, q])
        if any(mpmath.isnan(v) for v in values):
            out[0, q] = mpmath.nan
            continue
        peak = max(values, default=mpmath.mpf(0))
        if not mpmath.isfinite(peak):
            peak = mpmath.mpf(0)
        total = mpmath.fsum(mpmath.exp(v - peak) for v in values)
        out[0, q] = (mpmath.log(total) if total else -mpmath.inf) + peak
    return np.asarray(_finish_reduced(out, x[np.newaxis], axis, keepdims, kept_shape)[0],
                      dtype=object)


def_taylor(P.reduce_logsumexp, _logsumexp)
_register(MP_FORWARD, P.reduce_logsumexp, _mp_logsumexp, "an mp forward")


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # The Cauchy product with matrix products.
    n = _length(a, b)
    backend = _backend()
    first = np.matmul(a[0], b[0])
    out = backend.zeros((n,) + np.shape(first)) if backend.mp \
        else np.zeros((n,) + np.shape(first), np.result_type(a, b))
    for i in range(a.shape[0]):
        for j in range(min(b.shape[0], n - i)):
            out[i + j, ...] = out[i + j] + np.matmul(a[i], b[j])
    return out


def_taylor(P.matmul, _matmul)
def_mp(P.matmul, None)

# -- shape: linear, exact on any dtype


def _transpose(x: np.ndarray, perm: Any) -> np.ndarray:
    nd = x.ndim - 1
    order = tuple(reversed(range(nd))) if perm is None else tuple(perm)
    return np.transpose(x, (0,) + tuple(p % nd + 1 for p in order))


def_taylor(P.transpose, _transpose)
def_mp(P.transpose, None)

def_taylor(P.reshape, lambda x, shape: np.reshape(x, (x.shape[0],) + tuple(shape)))
def_mp(P.reshape, None)


def _broadcast_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    (x,) = _align(x, np.zeros((1,) + tuple(shape)))[:1]
    return np.broadcast_to(x, (x.shape[0],) + tuple(shape))


def_taylor(P.broadcast_to, _broadcast_to)
def_mp(P.broadcast_to, None)

for _prim in (P.concat, P.stack, P.tile, P.scatter, P.getitem, P.diag, P.diag_part):
    def_taylor(_prim, _per_coefficient(_prim))
    def_mp(_prim, None)
del _prim

# -- primitives of the edge rules (gradient side)
#
# mul_strong_zero (a product in which a zero factor wins) and relu_grad (TensorFlow's
# ReluGrad) are the helpers with which the gradient rules of ops.py give a zero
# incoming gradient a zero contribution and relu a Hessian of zeros; their series
# follow their forwards.


def _mul_strong_zero(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # The Cauchy product, each term x_j y_{k-j} taken as 0 where either factor is 0
    # (even where the other is inf or nan), as the forward takes its product.
    x, y = _align(x, y)
    n = _length(x, y)
    shape = np.broadcast_shapes(x.shape[1:], y.shape[1:])
    backend = _backend()
    zero = backend.zeros(shape)
    out = backend.zeros((n,) + shape)
    for j in range(min(x.shape[0], n)):
        for k in range(j, min(n, j + y.shape[0])):
            term = y[k - j]
            either = np.logical_or(np.equal(x[j], 0), np.equal(term, 0))
            out[k, ...] = out[k] + np.where(either, zero, x[j] * term)
    return _with_primal(out, _primal(P.mul_strong_zero, x[0], y[0]))


def_taylor(P.mul_strong_zero, _mul_strong_zero)
def_mp(P.mul_strong_zero, lambda x, y: mpmath.mpf(0) if x == 0 or y == 0 else x * y)


def _relu_grad(g: np.ndarray, x: np.ndarray) -> np.ndarray:
    # g's series where x_0 > 0, else 0: constant in x, as the forward is piecewise.
    g, x = _align(g, x)
    zero = _backend().zeros(np.broadcast_shapes(g.shape[1:], x.shape[1:]))[np.newaxis]
    return _where_c(_primal_bool(np.greater(x[0], 0)), g, zero)


def_taylor(P.relu_grad, _relu_grad)
def_mp(P.relu_grad, lambda g, x: g if x > 0 else mpmath.mpf(0))
