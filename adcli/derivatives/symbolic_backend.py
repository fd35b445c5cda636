"""The symbolic backend: derivatives as formulas, and exact Taylor coefficients.

One responsibility: answer `adcli diff` and `adcli taylor --exact` from one run of the
program on formulas (adcli.engine.symbolic), so that the formula is what the program
computes: loops of fixed counts unroll, functions are called, branches on constants
are taken, and `a if c else b` on an input becomes a piecewise formula; an `if` or
`while` on an input is an error that names the branch.

- The run: each input the program reads is a real SymPy symbol (found by running the
  program until no name is missing; `--wrt` names first), each number in its text the
  Rational of its decimal text (`literal_names`: 0.5 is 1/2, 1e-3 is 1/1000), `pi`
  and `e` SymPy's, and each constant (`let`) substituted exactly: a number as the
  Rational of its shortest decimal form, a text ("pi/4") run as a formula.
- Derivatives: SymPy's diff, with DiracDelta taken as 0 (TensorFlow's convention at a
  kink; see adcli/engine/symbolic.py). Every distinct partial of the order asked, in
  the JSON order (`combinations`).
- Simplification, bounded: sympy.simplify runs only on formulas of at most
  SIMPLIFY_MAX_OPS operations (count_ops) without a Piecewise (a where, a kink's
  derivative: simplify's piecewise folding takes seconds there, and the where of the
  program reads better); longer ones, up to REWRITE_MAX_OPS, are only expanded (where
  that does not multiply out exponentially) or put over one denominator; an answer is
  kept only when it is shorter by a quarter (SIMPLIFY_GAIN), else the formula stays as
  differentiated, and a long formula comes with a warning that it was not simplified.
  A bound on size, not on time, so that the same formula prints the same on every
  machine. (`2*x*sin(x) + x^2*cos(x)` stays so:
  simplify's `x*(x*cos(x) + 2*sin(x))` saves one operation of seven.)
- Printing (`text`): adcli's syntax, which `adcli eval` evaluates to the same numbers:
  `^` for powers, adcli's names (abs, ceil, lgamma, digamma, maximum, where, mod, ...),
  Piecewise as nested where(c, a, b), a Heaviside as where(x > 0, 1, ...) with its
  value at 0, `e` for Euler's number, terms in SymPy's "old" order (ascending powers:
  1 + x + x^2/2). A function adcli's language does not know is an error, never a
  formula that does not run. `latex`: sympy.latex.
- Exact Taylor coefficients: the formula along x = a + t v, expanded in t by
  sympy.series (by derivatives at t = 0 where the formula has a kink or series fails),
  each coefficient simplified as above.

A formula may be defined where the program is not: SymPy simplifies sqrt(x)^2 to x and
exp(log(x)) to x, for every real x.

Imports sympy (only this module and adcli.engine.symbolic do, on these paths), adcli.lang,
adcli.engine and the derivative layer's program, plan and results modules.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from adcli.derivatives import request_size
from adcli.derivatives.plan import check_named_once, check_order
from adcli.derivatives.program import MissingInputError, Program, execute, mapping
from adcli.derivatives.results import (
    ExactTaylor,
    Formula,
    Formulas,
    Note,
    combinations,
    label,
)
from adcli.derivatives.taylor_backend import literal_names
from adcli.engine import symbolic
from adcli.engine.lazy_numpy import np
from adcli.engine.tensor import Tensor
from adcli.errors import (
    AdcliError,
    AdcliNameError,
    AdcliUsageError,
    AdcliValueError,
    Setting,
)
from adcli.lang import default_limits
from adcli.records import Record

DEEPEST = 20_000  # Python's recursion limit while SymPy works on a formula
SIMPLIFY_MAX_OPS = 60  # sympy.simplify on formulas up to this many operations
REWRITE_MAX_OPS = 2000  # expand and together up to this many; larger ones as differentiated
SIMPLIFY_GAIN = 0.75  # simplify's answer is kept when at most this share of the operations


class Run(Record):
    """A program run on formulas: its value (an object array of SymPy expressions), the
    inputs it reads, in order, with their symbols, and the variables it assigns."""

    value: np.ndarray
    inputs: tuple[str, ...]
    symbols: dict[str, Any]
    assigned: frozenset[str]


def run(program: Program, let: Mapping[str, Any] | None, of: str | None, limits: Any,
        inputs: Sequence[str] = (), discover: bool = True) -> Run:
    """Run `program` on formulas, with a symbol for every name it reads that has no value
    (found by running it again while one is missing). Without `discover`, the names in
    `inputs` are the symbols, and any other missing name is an error. With it, the names
    in `inputs` are given symbols up front only where the program assigns a name after
    reading it (x = 2*x), which reads as "used before it is assigned" otherwise."""
    tree, texts = literal_names(program.tree, program.source)
    given: list[str] = [] if discover else list(inputs)
    names: list[str] = []
    with symbolic.active():
        constants: dict[str, Any] = {"pi": symbolic.constant(sympy.pi),
                                     "e": symbolic.constant(sympy.E)}
        constants.update({name: symbolic.constant(sympy.Rational(text))
                          for name, text in texts.items()})
        constants.update(_constants(let, limits))
        while True:
            seeds = {name: symbolic.symbol(name) for name in [*given, *names]}
            try:
                outcome = execute(Program(program.source, tree), seeds, constants, of, limits,
                                  tape=symbolic.SymbolicTape(persistent=True),
                                  check_finite=False)
            except MissingInputError as error:
                if not discover or error.name in seeds:
                    raise
                names.append(error.name)
                continue
            except AdcliNameError:
                if not discover or given or not set(inputs) - set(names):
                    raise
                given = [name for name in inputs if name not in names]
                continue
            except ValueError as error:  # the engine's words, without a place
                raise AdcliValueError(str(error), source=program.source) from None
            break
    value = outcome.value
    values = symbolic._exprs(value)
    # A Symbol is a sympy Boolean too (it may stand for one): only truth values and
    # comparisons are booleans here.
    truths = (sympy.logic.boolalg.BooleanAtom, sympy.logic.boolalg.BooleanFunction,
              sympy.core.relational.Relational)
    if isinstance(value, Tensor) and value.dtype.kind == "b" or any(
            isinstance(e, truths) for e in values.flat):
        raise AdcliUsageError("the program's value is a boolean: it has no derivatives",
                              parameter="order")
    assigned = frozenset(name for name, v in outcome.variables.items()
                         if name not in constants and v is not outcome.inputs.get(name))
    return Run(values, tuple(seeds),
               {name: seed.expressions[()] for name, seed in seeds.items()}, assigned)


def _constants(let: Mapping[str, Any] | None, limits: Any) -> dict[str, Any]:
    """The constants as formulas: numbers exactly, texts run as formulas (a text may read
    the constants before it)."""
    with symbolic.active():
        return _constants_now(let, limits)


def _constants_now(let: Mapping[str, Any] | None, limits: Any) -> dict[str, Any]:
    """`_constants`, inside a symbolic run."""
    from adcli.lang import parse

    out: dict[str, Any] = {}
    for name, value in mapping(let, "let").items():
        if isinstance(value, str):
            try:
                tree, texts = literal_names(parse(value, limits), value)
                known = {"pi": symbolic.constant(sympy.pi), "e": symbolic.constant(sympy.E),
                         **out, **{k: symbolic.constant(sympy.Rational(t))
                                   for k, t in texts.items()}}
                outcome = execute(Program(value, tree), {}, known, None, limits,
                                  tape=symbolic.SymbolicTape(persistent=True),
                                  check_finite=False)
            except AdcliError as error:
                raise AdcliUsageError(f"the value of constant '{name}', {value!r}, cannot be "
                                      f"evaluated: {error.message}", parameter="let",
                                      name=name) from None
            out[name] = symbolic.Symbolic._of(symbolic._exprs(outcome.value))
        else:
            try:
                array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
                # Truth values stay as they are (the language's own); numbers become exact.
                out[name] = array if array.dtype.kind == "b" else symbolic.constant(array)
            except (TypeError, ValueError) as error:
                raise AdcliUsageError(f"the value of constant '{name}' must be a number, a "
                                      f"nested list of numbers or an array ({error})",
                                      parameter="let", name=name) from None
    return out


# ---- derivatives -----------------------------------------------------------------------------


def formulas(program: Program, wrt: Sequence[str] | str | None, order: int,
             let: Mapping[str, Any] | None, of: str | None, limits: Any) -> Formulas:
    """Every distinct order-`order` partial of the program by `wrt` (default: every
    input it reads, in order), as formulas."""
    order = check_order(order)
    names = (wrt,) if isinstance(wrt, str) else tuple(wrt or ())
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise AdcliUsageError(f"{name!r} is not a variable name", parameter="wrt")
        if name in (let or {}):
            raise AdcliUsageError(
                f"cannot differentiate with respect to '{name}': it is a constant, and "
                "constants are not differentiated", parameter="wrt", name=name,
                hint="to differentiate with respect to it, do not give it a value")
    check_named_once(names)
    try:
        done = run(program, let, of, limits, names)
    except AdcliError as error:
        raise error.with_source(program.source) from None
    for name in names:
        if name not in done.inputs and name in done.assigned:
            raise AdcliUsageError(
                f"cannot differentiate with respect to '{name}': the program assigns it, and "
                "a formula is differentiated by the inputs it reads", parameter="wrt",
                name=name)
        if name not in done.inputs:
            raise AdcliUsageError(f"the program does not read '{name}': there is nothing to "
                                  "differentiate with respect to", parameter="wrt", name=name,
                                  hint="the inputs it reads are " + (
                                      ", ".join(done.inputs) or "none"))
    variables = names or done.inputs
    if order > 0 and not variables:
        raise AdcliUsageError("the program reads no input: there is nothing to differentiate "
                              "with respect to", parameter="wrt")
    # One formula per entry of each partial: refused at once when too many.
    request_size.check_request(list(variables), {}, order, limits or default_limits(),
                               value_shape=tuple(np.shape(done.value)))
    found = []
    warnings = []
    with _deep():
        for combo in combinations(variables, order):
            symbols = [done.symbols[name] for name in combo]
            raw = _entrywise(functools.partial(_derivative_of, symbols), done.value)
            size = max((sympy.count_ops(e) for e in raw.flat), default=0)
            if size > SIMPLIFY_MAX_OPS:
                warnings.append(Note(
                    f"{label(combo, partial=len(done.inputs) > 1)} is long ({size} "
                    f"operations): it is not simplified (only formulas of up to "
                    f"{SIMPLIFY_MAX_OPS} are), only expanded or put over one denominator "
                    "where that shortens it", "formula"))
            expr = _entrywise(simplest, raw)
            found.append(Formula(combo, expr if expr.shape else expr[()], text(expr),
                                 latex(expr)))
    return Formulas(program.source, variables, order, done.inputs, tuple(found),
                    tuple(warnings))


@contextmanager
def _deep() -> Iterator[None]:
    """SymPy recurses once per level of a formula (sin(sin(...)) from a loop): room for
    that, as the interpreter makes room for deep programs, and an error past it."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, DEEPEST))
    try:
        yield
    except RecursionError:
        raise AdcliValueError("the formula is nested too deeply for SymPy to differentiate "
                              "or print (a loop that applies a function to its own result "
                              "many times?)") from None
    finally:
        sys.setrecursionlimit(old)


def _derivative_of(symbols: Sequence[Any], expr: Any) -> Any:
    return derivative(expr, symbols)


def derivative(expr: Any, symbols: Sequence[Any]) -> Any:
    """d expr / d symbols[0] ... d symbols[-1], with TensorFlow's conventions at kinks
    (DiracDelta and its derivatives are 0). In one call: SymPy's repeated derivative of
    tan, for one, is far shorter than differentiating its derivative again."""
    expr = symbolic.without_impulses(sympy.diff(expr, *symbols)) if symbols else expr
    if isinstance(expr, sympy.Basic) and expr.has(sympy.Derivative):
        inner = next(iter(expr.atoms(sympy.Derivative)))
        raise AdcliValueError(f"SymPy has no formula for {inner}")
    return expr


def simplest(expr: Any) -> Any:
    """`expr` simplified where that is bounded and worth it (a quarter fewer operations),
    else `expr` as it is: sympy.simplify up to SIMPLIFY_MAX_OPS operations; above, up to
    REWRITE_MAX_OPS, only the cheap rewritings (expanded, or over one denominator with
    common factors taken out)."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom or expr.has(sympy.Piecewise):
        return expr
    before = sympy.count_ops(expr)
    try:
        if before <= SIMPLIFY_MAX_OPS:
            candidate = sympy.simplify(expr)
        elif before <= REWRITE_MAX_OPS:
            candidates = [sympy.factor_terms(sympy.together(expr))]
            if _expanded_terms(expr) <= REWRITE_MAX_OPS:
                candidates.append(sympy.expand(expr))
            candidate = min(candidates, key=sympy.count_ops)
        else:
            return expr
    except Exception:  # noqa: BLE001 - SymPy fails in its own ways; the formula stands
        return expr
    return candidate if sympy.count_ops(candidate) <= SIMPLIFY_GAIN * before else expr


def _expanded_terms(expr: Any) -> int:
    """How many terms `expr` would have expanded (an upper bound): expand() is quick, but
    a product of many sums multiplies out exponentially."""
    if expr.is_Add:
        return sum(_expanded_terms(a) for a in expr.args)
    if expr.is_Mul:
        return math.prod(_expanded_terms(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0 and expr.base.is_Add:
        k = _expanded_terms(expr.base)
        return math.comb(int(expr.exp) + k - 1, k - 1)
    return 1


def _entrywise(fn: Any, array: np.ndarray) -> np.ndarray:
    out = np.empty(array.shape, dtype=object)
    for index in np.ndindex(array.shape):
        out[index] = fn(array[index])
    return out


# ---- printing ---------------------------------------------------------------------------------


class _LeadingTerm:
    """SymPy's order of terms ("old": ascending powers, 1 + x + x^2/2), except that a sum
    starts with a term that is not negated where it has one: x - 2, not -2 + x."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        terms = list(super()._as_ordered_terms(expr, order=order))  # type: ignore[misc]
        first = next((k for k, t in enumerate(terms) if not t.could_extract_minus_sign()), 0)
        terms.insert(0, terms.pop(first))
        return terms


class AdcliPrinter(_LeadingTerm, StrPrinter):
    """A SymPy expression in adcli's syntax: what `adcli eval` runs again."""

    printmethod = "_adcli"
    _default_settings = {**StrPrinter._default_settings, "order": "old"}

    def _print_Function(self, expr: Any) -> str:
        from adcli.lang import builtins

        name = expr.func.__name__
        if not builtins.is_builtin(name):
            raise AdcliValueError(f"the formula needs {name}(), which adcli's language "
                                  "does not have")
        return f"{name}({self.stringify(expr.args, ', ')})"

    def _print_EulerGamma(self, expr: Any) -> str:
        # Euler's constant is -digamma(1): adcli has no name for it.
        return "(-digamma(1))"

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_ceiling(self, expr: Any) -> str:
        return f"ceil({self._print(expr.args[0])})"

    def _print_floor(self, expr: Any) -> str:
        return f"floor({self._print(expr.args[0])})"

    def _print_sign(self, expr: Any) -> str:
        return f"sign({self._print(expr.args[0])})"

    def _print_Mod(self, expr: Any) -> str:
        return f"mod({self.stringify(expr.args, ', ')})"

    def _print_loggamma(self, expr: Any) -> str:
        return f"lgamma({self._print(expr.args[0])})"

    def _print_polygamma(self, expr: Any) -> str:
        n, x = expr.args
        if n == 0:
            return f"digamma({self._print(x)})"
        return f"polygamma({self._print(n)}, {self._print(x)})"

    def _fold(self, name: str, args: Sequence[Any]) -> str:
        text = self._print(args[-1])
        for arg in reversed(args[:-1]):
            text = f"{name}({self._print(arg)}, {text})"
        return text

    def _print_Max(self, expr: Any) -> str:
        return self._fold("maximum", expr.args)

    def _print_Min(self, expr: Any) -> str:
        return self._fold("minimum", expr.args)

    def _print_reduce_max(self, expr: Any) -> str:
        return f"max([{self.stringify(expr.args, ', ')}])"

    def _print_reduce_min(self, expr: Any) -> str:
        return f"min([{self.stringify(expr.args, ', ')}])"

    def _print_Piecewise(self, expr: Any) -> str:
        text = "nan"
        for piece, condition in reversed(expr.args):
            if condition is sympy.true:
                text = self._print(piece)
            else:
                text = f"where({self._print(condition)}, {self._print(piece)}, {text})"
        return text

    def _print_Heaviside(self, expr: Any) -> str:
        # H(z) with its value at z = 0 (SymPy's default 1/2).
        z = self._print(expr.args[0])
        at_zero = expr.args[1] if len(expr.args) > 1 else sympy.S.Half
        if at_zero == 0:
            return f"where({z} > 0, 1, 0)"
        if at_zero == 1:
            return f"where({z} >= 0, 1, 0)"
        return f"where({z} > 0, 1, where({z} < 0, 0, {self._print(at_zero)}))"

    def _print_Equality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} == {self._print(expr.rhs)}"

    def _print_Unequality(self, expr: Any) -> str:
        return f"{self._print(expr.lhs)} != {self._print(expr.rhs)}"

    def _print_And(self, expr: Any) -> str:
        return self._fold("logical_and", expr.args)

    def _print_Or(self, expr: Any) -> str:
        return self._fold("logical_or", expr.args)

    def _print_Not(self, expr: Any) -> str:
        return f"logical_not({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "True"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "False"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Infinity(self, expr: Any) -> str:
        return "inf"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-inf"

    def _print_NaN(self, expr: Any) -> str:
        return "nan"

    # adcli computes with real numbers: where SymPy's answer is complex, adcli's is nan.
    def _print_ComplexInfinity(self, expr: Any) -> str:
        return "nan"

    def _print_ImaginaryUnit(self, expr: Any) -> str:
        return "nan"

    def _print_Float(self, expr: Any) -> str:
        return repr(float(expr))

    def _print_Derivative(self, expr: Any) -> str:
        raise AdcliValueError(f"SymPy has no formula for {sympy.sstr(expr)}")

    _print_Subs = _print_Integral = _print_Derivative


def text(expr: Any) -> str:
    """A formula (or an object array of them) in adcli's syntax; a tensor as a nested list."""
    if isinstance(expr, np.ndarray):
        if expr.ndim == 0:
            return text(expr[()])
        return "[" + ", ".join(text(e) for e in expr) + "]"
    return AdcliPrinter().doprint(expr).replace("**", "^")


class _LatexPrinter(_LeadingTerm, LatexPrinter):
    """SymPy's LaTeX, with the terms in the order of the adcli text."""

    _default_settings = {**LatexPrinter._default_settings, "order": "old"}


def latex(expr: Any) -> str:
    """A formula (or an object array of them) in LaTeX."""
    if isinstance(expr, np.ndarray):
        if expr.ndim == 0:
            return latex(expr[()])
        return r"\left[" + ", ".join(latex(e) for e in expr) + r"\right]"
    return _LatexPrinter().doprint(expr)


# ---- exact Taylor coefficients ---------------------------------------------------------------

# Functions with a kink, whose series SymPy would take from the wrong side or not at all:
# their coefficients come from derivatives at t = 0, with TensorFlow's conventions there.
_KINKS = ("Piecewise", "Heaviside", "Abs", "sign", "Max", "Min", "floor", "ceiling", "relu",
          "maximum", "minimum", "round", "mod", "reduce_max", "reduce_min")


def exact_taylor(program: Program, at: Mapping[str, Any], order: int,
                 direction: Mapping[str, Any] | None, let: Mapping[str, Any] | None,
                 of: str | None, limits: Any) -> ExactTaylor:
    """The Taylor polynomial of a single-valued program at `at` along `direction`
    (default 1 for one input), with exact coefficients."""
    order = check_order(order)
    # One coefficient per order: refused at once past the limit on partials.
    request_size.check_request(["direction"], {}, order, limits or default_limits(),
                               directional=True)
    at = mapping(at, "at")
    for name in at:
        if name in (let or {}):
            raise AdcliUsageError(f"'{name}' is given both as an input and as a constant",
                                  parameter="let", name=name)
    try:
        done = run(program, let, of, limits, tuple(at), discover=False)
        point = {name: _number(name, value, let, limits, "at") for name, value in at.items()}
        given = mapping(direction, "direction")
        for name in given:
            if name not in at:
                raise AdcliUsageError(f"the direction names '{name}', which is not an input",
                                      parameter="direction", name=name)
        if not given and len(at) > 1:
            first = next(iter(at))
            raise AdcliUsageError(
                "with several inputs, the series needs a direction: one value per input",
                parameter="direction", hint="for example",
                settings=(Setting("direction", "1", name=first),))
        steps = {name: _number(name, given[name], let, limits, "direction") if name in given
                 else (sympy.S.One if not given else sympy.S.Zero) for name in at}
    except AdcliError as error:
        raise error.with_source(program.source) from None
    if done.value.shape != ():
        raise AdcliUsageError("an exact Taylor polynomial is of a single-valued program, but "
                              f"the value has shape {done.value.shape}", parameter="order")
    t = sympy.Dummy("t", real=True)
    with _deep():
        along = done.value[()].subs({done.symbols[n]: point[n] + steps[n] * t for n in at},
                                    simultaneous=True)
        coefficients = [simplest(c) for c in _series(along, t, order)]
    for k, c in enumerate(coefficients):
        if c.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo, sympy.I):
            where = ", ".join(f"{n} = {text(point[n])}" for n in at)
            what = "value" if k == 0 else f"derivative of order {k}"
            raise AdcliValueError(f"the program has no Taylor polynomial at {where}: its "
                                  f"{what} is not a finite number there")
    with _deep():
        derivatives = [simplest(c * math.factorial(k)) for k, c in enumerate(coefficients)]
        variable = _variable(at, point, steps, given)
        polynomial, tex = _polynomial(coefficients, variable)
        return ExactTaylor({n: text(point[n]) for n in at}, {n: text(steps[n]) for n in at},
                           order, text(variable), tuple(coefficients), tuple(derivatives),
                           tuple(text(c) for c in coefficients),
                           tuple(text(d) for d in derivatives), polynomial, tex)


def _number(name: str, value: Any, let: Mapping[str, Any] | None, limits: Any,
            parameter: str) -> Any:
    """A point's or a direction's value: a number exactly, a text ("pi/4") as a formula."""
    value = _constants({**dict(let or {}), name: value}, limits)[name].expressions
    if value.shape != () or value[()].free_symbols:
        raise AdcliUsageError(f"the {'point' if parameter == 'at' else 'direction'} of "
                              f"'{name}' must be a single number", parameter=parameter,
                              name=name)
    return value[()]


def _series(expr: Any, t: Any, order: int) -> list[Any]:
    """The coefficients of t^0 .. t^order of expr's expansion at t = 0."""
    kinked = any(isinstance(f, sympy.Piecewise) or type(f).__name__ in _KINKS
                 or any(c.__name__ in _KINKS for c in type(f).__mro__)
                 for f in expr.atoms(sympy.Function, sympy.Piecewise))
    if not kinked:
        try:
            expansion = sympy.expand(sympy.series(expr, t, 0, order + 1).removeO())
            if expansion.is_polynomial(t):  # not log(t), 1/t or sqrt(t): see below
                return [expansion.coeff(t, k) for k in range(order + 1)]
        except Exception:  # noqa: BLE001 - SymPy's series fails in its own ways
            pass
    out = []
    current = expr
    for k in range(order + 1):
        out.append(current.subs(t, 0) / math.factorial(k))
        current = symbolic.without_impulses(sympy.diff(current, t))
    return out


def _variable(at: Mapping[str, Any], point: dict[str, Any], steps: dict[str, Any],
              given: Mapping[str, Any]) -> Any:
    """What the polynomial is in: x, or (x - a), for one input along 1; else t."""
    if len(at) == 1 and not given or len(at) == 1 and steps[next(iter(at))] == 1:
        name = next(iter(at))
        a = point[name]
        if a == 0:
            return sympy.Symbol(name)
        shown = f"({name} + {text(-a)})" if a.could_extract_minus_sign() else \
            f"({name} - {text(a)})"
        return sympy.Symbol(shown)
    return sympy.Symbol("t")


def _polynomial(coefficients: Sequence[Any], variable: Any) -> tuple[str, str]:
    """sum c_k variable^k, in ascending powers, in adcli's syntax and in LaTeX."""
    terms: list[str] = []
    tex: list[str] = []
    for k, c in enumerate(coefficients):
        if c == 0:
            continue
        term = c * variable ** k
        terms.append(text(term))
        tex.append(latex(term))
    if not terms:
        return "0", "0"
    return _join(terms), _join(tex)


def _join(terms: list[str]) -> str:
    out = terms[0]
    for term in terms[1:]:
        out += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return out
