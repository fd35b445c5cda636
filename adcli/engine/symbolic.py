"""The symbolic interpretation: every primitive as the formula it computes, with SymPy.

One responsibility: run adcli operations on formulas. Beside the numpy forward with its
gradient rules (adcli/engine/ops.py) and the Taylor rule with its mpmath forward
(adcli/engine/series.py), this module gives every primitive of the registry a third
interpretation, in a table keyed by the `Primitive` object as theirs are:

- `SYMBOLIC_RULES[prim]` maps numpy object arrays of SymPy expressions (one entry per
  tensor entry, shape () for a scalar) to the result's, or is None: the numpy impl is
  right as it is on object arrays (data movement, sums and products: reshape, getitem,
  concat, stack, transpose, reduce_sum, matmul, ...), as MP_FORWARD's None declares for
  mpmath.

It is filled by `def_symbolic` (an array rule, or None), `def_elementwise` (a function
of the entries, mapped over broadcast arrays) and `def_unary` (a function of one entry),
at the end of this module, one primitive after another. `missing_rules()` in
adcli/engine/series.py names a primitive without a symbolic rule, and
tests/engine/test_registry.py fails by name (`test_has_a_symbolic_rule[name]`).

The value. `Symbolic` is a Tensor whose `_value` is that object array, so that the
language's interpreter runs a program on formulas unchanged: shapes, indexing, loops.
Python control flow asks a value's truth (`bool`, `float`, `int` through `_scalar`): a
formula that is a number (a loop count, a constant, `1 < 2`) answers as that number; one
that depends on an input raises a ValueError, and its `unknowns` (the inputs it depends
on; () for every plain Tensor) let the interpreter say which branch needs it, or choose
elementwise (`a if x > 0 else b` becomes Piecewise, as `where(x > 0, a, b)` does).
`bind` hands a call with a Symbolic argument to `dispatch` while a symbolic run is
`active()`, through the same hook as Taylor mode (TAYLOR_DISPATCH), and only then.

The forms. Elementary functions are SymPy's (sin, exp, log, sqrt, atan2, erf, ...).
Where SymPy's own function would mean something else for real numbers or have a
different derivative, the primitive is a function of its own, named as the adcli
builtin so that a printed formula is adcli syntax (all in `functions()`):

- cbrt (the real root), expm1, log1p, log2, log10, sigmoid, softplus, lgamma
  (log|gamma(x)|; SymPy's loggamma is complex below 0): their derivatives are cbrt's
  1/(3 cbrt(x)^2), exp, 1/(1 + x), ..., sigmoid(x) (1 - sigmoid(x)), sigmoid(x),
  digamma(x);
- the kinks take TensorFlow's derivative at the kink, as the tape does (README,
  "Conventions at the edges"): abs' = sign (sign(0) = 0); sign, floor, ceil, round,
  stop_gradient and floor_divide (floor(x/y)) have derivative 0; relu' = where(x > 0,
  1, 0); maximum(x, y) sends the derivative to x where x >= y, minimum where x <= y;
  mod(x, y) has d/dx 1 and d/dy -floor(x/y); reduce_max and reduce_min share it
  equally among tied entries; where(c, x, y) with a condition on an input is
  Piecewise((x, c), (y, True)). SymPy's DiracDelta, which its sign gives as a
  derivative, is 0 here (`without_impulses`), TensorFlow's SignGrad.

Numbers. A number in the program text is exact: adcli.derivatives.symbolic_backend
gives each literal as the Rational of its decimal text (0.5 is 1/2, 1e-3 is 1/1000,
so `x^2/2` stays `x^2/2`), `pi` and `e` as sympy.pi and sympy.E. Any other float
(a loop counter, a value computed outside a formula) becomes the Rational of its
shortest decimal form (`exact`): 2.0 is 2, 0.1 is 1/10; inf and nan are oo and nan.
Comparisons of numbers are exact where SymPy decides them, else made on floats.

SymPy is imported on first use (a run, or `functions()`), never by importing this
module, so that registering the rules costs nothing at start-up. Imports numpy and the
engine's tensor, primitives, ops and tape modules.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import adcli.engine.ops  # noqa: F401 - defines every primitive before rules attach
from adcli.engine.lazy_numpy import np
from adcli.engine.primitives import PRIMITIVES, Primitive, dispatching
from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor, _next_id

__all__ = [
    "SYMBOLIC_RULES", "Symbolic", "SymbolicTape", "active", "constant", "def_elementwise",
    "def_symbolic", "def_unary", "dispatch", "exact", "functions", "symbol",
    "without_impulses",
]

P = SimpleNamespace(**PRIMITIVES)


class _LazySympy:
    """Stands for the sympy module until first used (as series.py's `mpmath` does)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_load_sympy(), name)


sympy: Any = _LazySympy()


def _load_sympy() -> Any:
    global sympy
    import sympy as module

    sympy = module
    return module


# ---- the value ------------------------------------------------------------------------


class Symbolic(Tensor):
    """A tensor of formulas: `_value` is a numpy object array of SymPy expressions (shape
    () for a scalar), in the program's inputs as real SymPy symbols."""

    __slots__ = ()

    @classmethod
    def _of(cls, exprs: Any) -> Symbolic:
        value = object.__new__(cls)
        value._value = _object_array(exprs)
        value._id = _next_id()
        return value

    @property
    def expressions(self) -> np.ndarray:
        """The formulas, one per entry (a numpy object array)."""
        return self._value

    @property
    def unknowns(self) -> tuple[str, ...]:  # type: ignore[override]
        """The inputs the formulas depend on, by name; () when every entry is a number."""
        names: set[str] = set()
        for expr in self._value.flat:
            names.update(s.name for s in getattr(expr, "free_symbols", ()))
        return tuple(sorted(names))

    def _scalar(self, what: str) -> Any:
        # Python control flow (if, while, range bounds, indices) needs a number here.
        if self._value.size != 1:
            raise ValueError(f"{what}() needs a one-element tensor, not one of shape {self.shape}")
        expr = self._value.reshape(-1)[0]
        unknowns = self.unknowns
        if unknowns:
            listed = " and ".join(f"'{n}'" for n in unknowns)
            raise ValueError(f"{what}() needs a number, but this value is a formula in "
                             f"{listed}")
        return number(expr)

    def __repr__(self) -> str:
        text = str(self._value.reshape(-1)[0]) if self._value.ndim == 0 else str(self._value)
        return f"<adcli.Symbolic: shape={self.shape}, {text}>"


def number(expr: Any) -> Any:
    """A formula without inputs as a Python number: a bool for a truth value, else a float
    (nan where it is not real: sqrt(-1), 1/0 as SymPy's complex infinity)."""
    if isinstance(expr, (bool, np.bool_)) or expr in (sympy.true, sympy.false):
        return bool(expr)
    try:
        return float(expr)
    except (TypeError, ValueError):
        return math.nan


class SymbolicTape(GradientTape):
    """The tape a program runs on symbolically: records nothing. `grad(y, x)` inside the
    program is the formula's derivative with respect to the input x (SymPy's diff),
    so derivatives inside programs work as on the tape; by a variable the program
    computes, it is a ValueError (a formula has no variable to differentiate by there)."""

    def __enter__(self) -> SymbolicTape:
        self._active = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self._active = False

    def watch(self, tensor: Any) -> None:
        pass

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = "none") -> Any:
        variable = _variable_of(sources)
        entries = _exprs(target).reshape(-1)
        total = sympy.Add(*[without_impulses(sympy.diff(e, variable)) for e in entries])
        return _result(_object_array(total))

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: Any = "none",
                 **kwargs: Any) -> Any:
        variable = _variable_of(sources)
        return _result(_map(lambda e: without_impulses(sympy.diff(e, variable)),
                            _exprs(target)))

    batch_jacobian = jacobian


def _variable_of(source: Any) -> Any:
    expr = _exprs(source)
    if expr.shape == () and isinstance(expr[()], sympy.Symbol):
        return expr[()]
    raise ValueError("a formula can be differentiated by an input of the program only, not "
                     "by a value it computes")


def without_impulses(expr: Any) -> Any:
    """expr with SymPy's DiracDelta taken as 0: the derivative of sign (and of abs') is 0,
    as TensorFlow's SignGrad has it, not an impulse."""
    if isinstance(expr, sympy.Basic) and expr.has(sympy.DiracDelta):
        return expr.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    return expr


# ---- numbers and arrays ------------------------------------------------------------------


def exact(value: Any) -> Any:
    """A number as an exact SymPy number: a float as the Rational of its shortest decimal
    form (0.1 -> 1/10, 2.0 -> 2), a bool as a SymPy truth value, inf and nan as oo and nan."""
    if isinstance(value, np.ndarray):  # an array stored as one entry (numpy's scatter)
        return exact(value[()]) if value.ndim == 0 else value
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, (bool, np.bool_)):
        return sympy.true if value else sympy.false
    if isinstance(value, (int, np.integer)):
        return sympy.Integer(int(value))
    value = float(value)
    if value != value:
        return sympy.nan
    if math.isinf(value):
        return sympy.oo if value > 0 else -sympy.oo
    if value.is_integer():
        return sympy.Integer(int(value))
    return sympy.Rational(repr(value))


def _object_array(values: Any) -> np.ndarray:
    """values (an array, or one expression) as a numpy object array of SymPy objects."""
    if isinstance(values, np.ndarray):
        array = values if values.dtype == object else values.astype(object)
    else:
        array = np.empty((), dtype=object)
        array[()] = values
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        out[index] = exact(array[index])
    return out


def _exprs(value: Any) -> np.ndarray:
    """An argument of a primitive as an object array of SymPy objects."""
    if type(value) is Symbolic:
        return value._value
    raw = value._value if isinstance(value, Tensor) else value
    return _object_array(np.asarray(raw) if not isinstance(raw, np.ndarray) else raw)


def _result(out: Any) -> Tensor:
    """A rule's result: a plain boolean tensor where every entry is a decided truth value,
    else a Symbolic."""
    array = out if isinstance(out, np.ndarray) else _object_array(out)
    if array.dtype.kind == "b":
        return Tensor._wrap(array)
    array = _object_array(array)
    if array.size and all(e is sympy.true or e is sympy.false for e in array.flat):
        return Tensor._wrap(np.asarray(array == sympy.true, dtype=bool))
    return Symbolic._of(array)


def _map(fn: Callable[..., Any], *arrays: np.ndarray) -> np.ndarray:
    """fn applied to the entries of broadcast object arrays."""
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    spread = [np.broadcast_to(a, shape) for a in arrays]
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        out[index] = fn(*(a[index] for a in spread))
    return out


def symbol(name: str) -> Symbolic:
    """The input `name` as a formula: a real SymPy symbol."""
    return Symbolic._of(sympy.Symbol(name, real=True))


def constant(value: Any) -> Symbolic:
    """A constant (a number, an array, or a SymPy expression such as sympy.pi) as a formula."""
    return Symbolic._of(value if isinstance(value, np.ndarray) else
                        _object_array(np.asarray(value)) if isinstance(value, (list, tuple))
                        else value)


# ---- the functions of adcli's own ------------------------------------------------------


@functools.cache
def functions() -> SimpleNamespace:
    """The SymPy functions that stand for adcli primitives whose SymPy form would mean
    something else for real numbers or differentiate otherwise, each named as the adcli
    builtin (so a printed formula reads as adcli), each evaluating numbers exactly."""
    sp = _load_sympy()
    zero = sp.S.Zero

    def make(name: str, nargs: int, evaluate: Callable[..., Any] | None,
             derivative: Callable[..., Any], real: bool = True, base: Any = None,
             symbolic: Callable[..., Any] | None = None,
             chain: Callable[..., Any] | None = None) -> Any:
        def eval_(cls: Any, *args: Any) -> Any:
            if evaluate is not None and all(a.is_number for a in args):
                if any(a is sp.nan for a in args):
                    return sp.nan
                return evaluate(*args)
            if symbolic is not None:
                return symbolic(*args)
            return None

        def fdiff(self: Any, argindex: int = 1) -> Any:
            return derivative(argindex, *self.args)

        def is_real(self: Any) -> Any:
            if all(a.is_extended_real for a in self.args):
                return True
            return None

        namespace: dict[str, Any] = {"fdiff": fdiff}
        if chain is not None:
            # The whole derivative by s at once (a choice of the arguments' derivatives),
            # instead of SymPy's sum of fdiff(i) * d arg_i / ds.
            namespace["_eval_derivative"] = lambda self, s: chain(s, *self.args)
        if base is None:
            namespace["eval"] = classmethod(eval_)
            if nargs:
                namespace["nargs"] = nargs
        if real:
            namespace["_eval_is_extended_real"] = is_real
        return type(name, (base or sp.Function,), namespace)

    def cube_root(u: Any) -> Any:
        return -sp.Pow(-u, sp.Rational(1, 3)) if u.is_extended_negative \
            else sp.Pow(u, sp.Rational(1, 3))

    def round_half_even(u: Any) -> Any:
        down = sp.floor(u)
        rest = u - down
        if bool(rest > sp.S.Half) or (rest == sp.S.Half and down % 2 == 1):
            return down + 1
        return down

    def step(condition: Any) -> Any:
        return sp.Piecewise((sp.S.One, condition), (zero, True))

    f = SimpleNamespace()
    f.sign = make("sign", 1, sp.sign, lambda i, u: zero,
                  symbolic=lambda u: sp.sign(u) if u.is_extended_real else None)
    f.abs = make("abs", 1, sp.Abs, lambda i, u: f.sign(u),
                 symbolic=lambda u: sp.Abs(u) if u.is_extended_real else None)
    f.cbrt = make("cbrt", 1, cube_root, lambda i, u: 1 / (3 * f.cbrt(u) ** 2))
    f.expm1 = make("expm1", 1, lambda u: sp.exp(u) - 1, lambda i, u: sp.exp(u))
    f.log1p = make("log1p", 1, lambda u: sp.log(1 + u), lambda i, u: 1 / (1 + u), real=False)
    f.log2 = make("log2", 1, lambda u: sp.log(u) / sp.log(2),
                  lambda i, u: 1 / (u * sp.log(2)), real=False)
    f.log10 = make("log10", 1, lambda u: sp.log(u) / sp.log(10),
                   lambda i, u: 1 / (u * sp.log(10)), real=False)
    f.sigmoid = make("sigmoid", 1, lambda u: 1 / (1 + sp.exp(-u)),
                     lambda i, u: f.sigmoid(u) * (1 - f.sigmoid(u)))
    f.softplus = make("softplus", 1, lambda u: sp.log(1 + sp.exp(u)),
                      lambda i, u: f.sigmoid(u))

    def choice(condition: Any, s: Any, a: Any, b: Any) -> Any:
        return sp.Piecewise((sp.diff(a, s), condition), (sp.diff(b, s), True))

    f.relu = make("relu", 1, lambda u: sp.Max(u, 0), lambda i, u: step(u > 0),
                  chain=lambda s, u: choice(u > 0, s, u, zero))
    f.maximum = make("maximum", 2, sp.Max,
                     lambda i, a, b: step(a >= b) if i == 1 else 1 - step(a >= b),
                     chain=lambda s, a, b: choice(a >= b, s, a, b))
    f.minimum = make("minimum", 2, sp.Min,
                     lambda i, a, b: step(a <= b) if i == 1 else 1 - step(a <= b),
                     chain=lambda s, a, b: choice(a <= b, s, a, b))
    f.floor = make("floor", 1, None, lambda i, u: zero, base=sp.floor)
    f.ceil = make("ceil", 1, None, lambda i, u: zero, base=sp.ceiling)
    f.round = make("round", 1, round_half_even, lambda i, u: zero)
    f.lgamma = make("lgamma", 1, lambda u: sp.log(sp.Abs(sp.gamma(u))),
                    lambda i, u: sp.polygamma(0, u))
    f.stop_gradient = make("stop_gradient", 1, lambda u: u, lambda i, u: zero, real=False)
    f.mod = make("mod", 2, lambda a, b: sp.nan if b == 0 else sp.Mod(a, b),
                 lambda i, a, b: sp.S.One if i == 1 else -f.floor(a / b))

    def extremum(name: str, best: Any, wins: Callable[[Any, Any], Any]) -> Any:
        # d/dx_i of the largest (smallest) entry: 1/count where x_i is one of the `count`
        # entries that reach it, else 0 (TensorFlow's _MinOrMaxGrad shares ties equally).
        def derivative(i: int, *args: Any) -> Any:
            whole = cls(*args)
            hits = [step(wins(a, whole)) for a in args]
            return hits[i - 1] / sp.Add(*hits)

        def evaluate(*args: Any) -> Any:
            return best(*args)

        cls = make(name, 0, evaluate, derivative, symbolic=lambda *a: a[0] if len(a) == 1
                   else None)
        return cls

    f.reduce_max = extremum("reduce_max", sp.Max, lambda a, m: a >= m)
    f.reduce_min = extremum("reduce_min", sp.Min, lambda a, m: a <= m)
    return f


# ---- the rule table ----------------------------------------------------------------------

# prim -> rule(*object_arrays, **params) -> object array (or a boolean array), or None:
# the numpy impl is right as it is on object arrays of SymPy expressions.
SYMBOLIC_RULES: dict[Primitive, Callable[..., Any] | None] = {}


def def_symbolic(prim: Primitive, rule: Callable[..., Any] | None) -> None:
    """Register the symbolic rule of `prim`: rule(*args, **params) receives each argument
    as a numpy object array of SymPy expressions and the primitive's static parameters,
    and returns the result's array. rule=None declares that the numpy impl is right as it
    is on object arrays (data movement, sums, products), so that `missing_rules` tells a
    forgotten rule from one not needed."""
    if prim in SYMBOLIC_RULES:
        raise ValueError(f"the primitive '{prim.name}' has a symbolic rule already")
    SYMBOLIC_RULES[prim] = rule


def def_elementwise(prim: Primitive, fn: Callable[..., Any]) -> None:
    """Register fn(*entries, **params) -> entry as the rule of an elementwise `prim`."""
    def rule(*xs: np.ndarray, **params: Any) -> np.ndarray:
        call = functools.partial(fn, **params) if params else fn
        return _map(call, *xs)

    rule.__name__ = rule.__qualname__ = f"symbolic_{prim.name}"
    def_symbolic(prim, rule)


def def_unary(prim: Primitive, name: str) -> None:
    """Register SymPy's function `name` (or adcli's own of `functions()`, tried first)
    as the rule of an elementwise one-argument `prim`; looked up at the first call, so
    that SymPy is imported only then."""
    def fn(u: Any) -> Any:
        own = getattr(functions(), name, None)
        return (own or getattr(sympy, name))(u)

    def_elementwise(prim, fn)


# ---- dispatch ------------------------------------------------------------------------------


def dispatch(prim: Primitive, args: tuple, params: dict[str, Any]) -> Tensor | None:
    """The symbolic rule's answer when an argument is a Symbolic; None otherwise (the
    ordinary path then runs). A primitive without a symbolic rule, or one with no
    formula for its arguments, is a ValueError naming it."""
    for a in args:
        if type(a) is Symbolic:
            break
    else:
        return None
    if prim not in SYMBOLIC_RULES:
        raise ValueError(f"the primitive '{prim.name}' has no symbolic rule")
    rule = SYMBOLIC_RULES[prim]
    xs = [_exprs(a) for a in args]
    try:
        out = prim.impl(*xs, **params) if rule is None else rule(*xs, **params)
    except (ValueError, TypeError, ArithmeticError, IndexError):
        raise
    except RecursionError:
        raise ValueError(f"{prim.name}(): the formula is nested too deeply for SymPy (a loop "
                         "that applies a function to its own result many times?)") from None
    except Exception as error:  # noqa: BLE001 - SymPy's own exception classes
        raise ValueError(f"{prim.name}(): {error}") from None
    return _result(out)


@contextmanager
def active() -> Iterator[None]:
    """Run symbolically inside: `bind` hands calls with a Symbolic argument to `dispatch`."""
    _load_sympy()
    with dispatching(dispatch):
        yield


# ---- helpers of the rules -------------------------------------------------------------------


def _comparison(name: str, test: Callable[[float, float], bool]) -> Callable[[Any, Any], Any]:
    def compare(a: Any, b: Any) -> Any:
        try:
            out = getattr(sympy, name)(a, b)
        except TypeError:  # nan, or a complex number
            out = None
        if out is sympy.true or out is sympy.false:
            return out
        if a.is_number and b.is_number:
            return sympy.true if test(number(a), number(b)) else sympy.false
        if out is None:
            raise ValueError(f"cannot compare {a} and {b}")
        return out

    return compare


def _truth_value(value: Any) -> Any:
    """An entry as a truth value: a condition as it is, a number by being nonzero."""
    if isinstance(value, sympy.logic.boolalg.Boolean):
        return value
    if value.is_number:
        return sympy.true if number(value) != 0 else sympy.false
    raise ValueError(f"{value} is a number, not a condition")


def _logical(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *values: fn(*[_truth_value(v) for v in values])


def _choose(condition: Any, x: Any, y: Any) -> Any:
    condition = _truth_value(condition)
    if condition is sympy.true:
        return x
    if condition is sympy.false:
        return y
    return sympy.Piecewise((x, condition), (y, True))


def _reduce(x: np.ndarray, axis: Any, keepdims: bool, fn: Callable[[list], Any]) -> np.ndarray:
    """fn of the entries reduced over `axis` (all axes for None), for each kept entry."""
    axes = tuple(range(x.ndim)) if axis is None else tuple(axis)
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = np.transpose(x, kept + list(axes))
    kept_shape = tuple(x.shape[i] for i in kept)
    moved = moved.reshape(kept_shape + (math.prod(x.shape[i] for i in axes),))
    out = np.empty(kept_shape, dtype=object)
    for index in np.ndindex(kept_shape):
        out[index] = fn(list(moved[index]))
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else s for i, s in enumerate(x.shape)))
    return out


def _cast(x: np.ndarray, dtype: Any) -> Any:
    kind = np.dtype(dtype).kind
    if kind in "fc":
        return x  # a float cast keeps the formula
    if any(getattr(e, "free_symbols", None) for e in x.flat):
        raise ValueError("a formula that depends on an input cannot become a whole number or "
                         "a truth value")
    numbers = np.asarray(np.frompyfunc(number, 1, 1)(x), dtype=np.float64)
    return Tensor._wrap(numbers.astype(dtype))


def _extremum(name: str) -> Callable[..., np.ndarray]:
    def rule(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
        return _reduce(x, axis, keepdims, lambda entries: getattr(functions(), name)(*entries))

    return rule


# ---- every primitive's rule, one after another --------------------------------------------

# -- arithmetic
def_elementwise(P.add, lambda a, b: a + b)
def_elementwise(P.subtract, lambda a, b: a - b)
def_elementwise(P.multiply, lambda a, b: a * b)
def_elementwise(P.mul_strong_zero, lambda a, b: a * b)  # the product, on formulas
def_elementwise(P.divide, lambda a, b: a / b)
def_elementwise(P.negative, lambda a: -a)
def_elementwise(P.reciprocal, lambda a: 1 / a)
def_elementwise(P.square, lambda a: a ** 2)
def_elementwise(P.integer_pow, lambda a, n: a ** n)
def_elementwise(P.pow, lambda a, b: a ** b)
def_elementwise(P.floor_divide, lambda a, b: functions().floor(a / b))
def_elementwise(P.mod, lambda a, b: functions().mod(a, b))

# -- roots, exponentials, logarithms, trigonometry
for _prim, _name in (
        (P.sqrt, "sqrt"), (P.cbrt, "cbrt"), (P.exp, "exp"), (P.expm1, "expm1"),
        (P.log, "log"), (P.log1p, "log1p"), (P.log2, "log2"), (P.log10, "log10"),
        (P.sin, "sin"), (P.cos, "cos"), (P.tan, "tan"), (P.asin, "asin"), (P.acos, "acos"),
        (P.atan, "atan"), (P.sinh, "sinh"), (P.cosh, "cosh"), (P.tanh, "tanh"),
        (P.asinh, "asinh"), (P.acosh, "acosh"), (P.atanh, "atanh"), (P.erf, "erf"),
        (P.erfc, "erfc"), (P.sigmoid, "sigmoid"), (P.softplus, "softplus")):
    def_unary(_prim, _name)
def_elementwise(P.atan2, lambda y, x: sympy.atan2(y, x))

# -- the gamma family: lgamma is log|gamma(x)| (SymPy's loggamma is complex below 0);
# digamma and polygamma are SymPy's polygamma(n, x), printed digamma(x) for n = 0
def_unary(P.gamma, "gamma")
def_unary(P.lgamma, "lgamma")
def_elementwise(P.digamma, lambda x: sympy.polygamma(0, x))
def_elementwise(P.polygamma, lambda x, n: sympy.polygamma(n, x))

# -- kinks: TensorFlow's derivative at the kink (see the module docstring)
for _prim, _name in ((P.abs, "abs"), (P.sign, "sign"), (P.relu, "relu"), (P.floor, "floor"),
                     (P.ceil, "ceil"), (P.round, "round"),
                     (P.stop_gradient, "stop_gradient")):
    def_unary(_prim, _name)
def_elementwise(P.maximum, lambda a, b: functions().maximum(a, b))
def_elementwise(P.minimum, lambda a, b: functions().minimum(a, b))
def_elementwise(P.where, _choose)
def_elementwise(P.relu_grad, lambda g, x: _choose(x > 0, g, sympy.S.Zero))

# -- comparisons and logic: decided on numbers, conditions (for where) on formulas
for _prim, _name, _test in (
        (P.equal, "Eq", lambda a, b: a == b), (P.not_equal, "Ne", lambda a, b: a != b),
        (P.less, "Lt", lambda a, b: a < b), (P.less_equal, "Le", lambda a, b: a <= b),
        (P.greater, "Gt", lambda a, b: a > b), (P.greater_equal, "Ge", lambda a, b: a >= b)):
    def_elementwise(_prim, _comparison(_name, _test))
def_elementwise(P.logical_and, _logical(lambda a, b: sympy.And(a, b)))
def_elementwise(P.logical_or, _logical(lambda a, b: sympy.Or(a, b)))
def_elementwise(P.logical_not, _logical(lambda a: sympy.Not(a)))

# -- cast: a float cast keeps the formula
def_symbolic(P.cast, _cast)

# -- reductions
def_symbolic(P.reduce_sum, None)
def_symbolic(P.reduce_prod, None)
def_symbolic(P.reduce_max, _extremum("reduce_max"))
def_symbolic(P.reduce_min, _extremum("reduce_min"))
def_symbolic(P.reduce_logsumexp, lambda x, axis, keepdims: _reduce(
    x, axis, keepdims, lambda entries: sympy.log(sympy.Add(*[sympy.exp(e) for e in entries]))))
def_symbolic(P.matmul, None)

# -- shape and data movement: the numpy impl on object arrays
for _prim in (P.transpose, P.reshape, P.broadcast_to, P.concat, P.stack, P.tile, P.scatter,
              P.getitem, P.diag, P.diag_part):
    def_symbolic(_prim, None)
del _prim, _name, _test
