"""The Taylor backend: derivatives of any order along a direction, with trusted digits.

One responsibility: execute a `Plan` whose backend is "taylor": run the program on
truncated Taylor series (adcli.engine.series) seeded x = a + t v, and turn the
coefficients into results (`point`, `vectorized` for a batch, `polynomial` for the
coefficients themselves), with an error guarantee:

- a precision of D digits (mpmath): the program runs twice, at W and W + 20 digits (W = D +
  10 + K/4 guard digits, since the recurrences lose digits as the order K grows);
  where the two runs differ in the first D digits, W is raised and both run again
  (up to four times), and a warning says which derivatives could not be verified.
  Numbers in the program text (`0.1`, `pi`) are taken as exact decimals at that
  precision, not as float64 values; results are `decimal.Decimal`s with D digits.
- float64 above order 20: the result is compared with an mpmath run at 26 + K/4
  digits; where float64 lost more than 4 of its 16 digits, the values shown are the
  higher-precision ones (rounded to float64) and a warning says so. Up to order 20
  the float64 recurrences are accurate (measured: relative error below 1e-12 on the
  benchmark function), and nothing is re-run.

`run_series` is one run, shared with adcli.derivatives.interpolated.

Imports adcli.lang, adcli.engine, adcli.errors, adcli.records and the derivative
layer's plan and results; mpmath only when a precision is asked for (or a float64 check runs).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from adcli.derivatives import request_size
from adcli.derivatives.plan import DIRECTION_LABEL, Plan
from adcli.derivatives.program import Program, execute
from adcli.derivatives.results import (
    Batch,
    Derivative,
    Note,
    Result,
    TaylorResult,
    nonfinite_coefficient_warnings,
)
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliUsageError
from adcli.lang import ast, default_limits
from adcli.records import Record, fields, replace

CHECKED_ABOVE_ORDER = 20  # float64 results above this order are checked against mpmath
FLOAT_DIGITS_KEPT = 12  # float64 may lose 4 of its ~16 digits before values are replaced
MAX_ESCALATIONS = 4


class Coefficients(Record):
    """The series of a program's value: u_k = f^(k)(a)[v..v]/k! along axis 0."""

    coefficients: np.ndarray  # float64, or Decimal objects with `precision` digits
    derivatives: np.ndarray  # k! u_k
    inputs: dict[str, np.ndarray]
    warnings: tuple[str, ...]
    precision: int | None


def verify_digits(run: Any, precision: int, digits: int) -> tuple[Any, Any, int, list[str]]:
    """Run at `digits` and at `digits + 20` working digits until the two runs agree to
    `precision` significant digits, raising the working precision as needed.

    `run(working_digits)` returns (its result, an object array of mpf values to compare).
    Returns the lower and the higher run's results, the working digits of the lower
    run, and a warning when the runs never agreed."""
    import mpmath

    worst = math.inf
    vanished: np.ndarray | None = None
    for _attempt in range(MAX_ESCALATIONS):
        low, low_values = run(digits)
        high, high_values = run(digits + 20)
        with mpmath.workdps(digits + 20):
            now = _vanishing(low_values, high_values)
            # A value that shrank by VANISHING orders in two escalations running is an
            # exact 0; shrinking once may be a lower run that was all noise.
            zero = now & vanished if vanished is not None and vanished.shape == now.shape \
                else np.zeros_like(now)
            vanished = now
            gaps = _relative_gap(low_values, high_values, zero)
        worst = float(np.max(gaps)) if gaps.size else 0.0
        if worst <= 10.0 ** -(precision + 1) or not math.isfinite(worst):
            break
        # The lower run kept about `correct` digits: raise the working precision by what
        # it lacked, and a margin.
        correct = -math.log10(worst) if worst < 1 else 0.0
        digits += int(math.ceil(precision + 1 - correct)) + 10
    warnings = []
    if math.isfinite(worst) and worst > 10.0 ** -(precision + 1):
        trusted = int(-math.log10(worst)) if worst < 1 else 0
        warnings.append(Note(f"only about {trusted} of the {precision} digits could be verified "
                        f"(two runs at {digits} and {digits + 20} digits differ by "
                        f"{worst:.1e})", "precision"))
    return low, high, digits, warnings


def working_digits(precision: int, order: int) -> int:
    """The first working precision for D digits at order K."""
    return precision + 10 + order // 4


def literal_names(program: ast.Program, source: str | None) -> tuple[Any, dict[str, str]]:
    """The program with each number literal replaced by a name, and the literal's text:
    at a set precision, 0.1 must mean the decimal 0.1, not the float64 nearest it (and
    in a formula the Rational 1/10; adcli.derivatives.symbolic_backend)."""
    texts: dict[str, str] = {}

    def children(node: Any) -> list[Any]:
        if isinstance(node, tuple):
            return list(node)
        if isinstance(node, Record) and type(node).__name__ != "Span":
            return [getattr(node, name) for name in fields(node) if name != "span"]
        return []

    def rebuild(node: Any) -> Any:
        if isinstance(node, ast.Number):
            name = f"_adcli_literal_{len(texts)}"
            text = source[node.span.start:node.span.end] if source is not None else ""
            texts[name] = text if _is_decimal(text) else repr(node.value)
            return ast.Name(name, node.span)
        if isinstance(node, tuple):
            return tuple(done[id(item)] for item in node)
        if isinstance(node, Record) and type(node).__name__ != "Span":
            return replace(node, **{name: done[id(getattr(node, name))]
                                    for name in fields(node) if name != "span"})
        return node

    # Post-order with a stack of its own: a program of 20,000 terms nests 20,000 deep.
    done: dict[int, Any] = {}
    stack: list[tuple[Any, bool]] = [(program, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        below = [] if ready or isinstance(node, ast.Number) else children(node)
        if below:
            stack.append((node, True))
            stack.extend((child, False) for child in below if id(child) not in done)
            continue
        done[id(node)] = rebuild(node)
    return done[id(program)], texts


def _is_decimal(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "_" not in text


def run_series(tree: Any, source: str | None, inputs: Mapping[str, Any],
                directions: Mapping[str, Any], order: int, precision: int | None,
                let: Mapping[str, Any] | None, of: str | None, limits: Any
                ) -> tuple[np.ndarray, tuple[str, ...], dict[str, np.ndarray]]:
    """One run: the value's coefficients (K+1, ...), the warnings, the input points."""
    from adcli.engine import series as taylor

    with taylor.active(precision):
        constants: dict[str, Any] = {}
        if precision is not None:
            import mpmath

            tree, texts = literal_names(tree, source)
            constants.update({"pi": taylor.constant(np.asarray(mpmath.pi, dtype=object)),
                              "e": taylor.constant(np.asarray(mpmath.e, dtype=object))})
            constants.update({name: taylor.constant(np.asarray(mpmath.mpf(text), dtype=object))
                              for name, text in texts.items()})
        earlier: dict[str, Any] = {}  # a constant's text may read the ones before it
        for name, value in (let or {}).items():
            constants[name] = taylor.constant(_point(value, precision, earlier, limits))
            earlier[name] = value
        points = {name: _point(value, precision, let, limits) for name, value in inputs.items()}
        seeds = {name: taylor.seed(points[name], directions.get(name, 0.0), order)
                 for name in inputs}
        outcome = execute(Program(source, tree), seeds, constants, of, limits,
                          tape=taylor.TaylorTape(persistent=True), check_finite=False)
        value = outcome.value
        if not isinstance(value, taylor.Series) and value.dtype.kind == "b":
            raise AdcliUsageError("the program's value is a boolean: it has no derivatives",
                                  parameter="order")
        # The value's size is known now: its series' numbers, and mpmath's recheck of
        # them, are refused before they are computed when too many.
        request_size.check_request(list(inputs), {}, order, limits or default_limits(),
                                   directional=True, value_shape=tuple(np.shape(value._value)))
        coeffs = taylor.coefficients(value, order)
    return coeffs, tuple(outcome.warnings), points


def _point(value: Any, precision: int | None, let: Any, limits: Any) -> np.ndarray:
    """An input value: a number or array, or (at a precision) an expression's text such as
    "pi/4" or "a/3", evaluated at that precision with the constants `let`."""
    if isinstance(value, str):
        from adcli.lang import parse

        tree = parse(value, limits)
        coeffs, _w, _p = run_series(tree, value, {}, {}, 0, precision, let, None, limits)
        return coeffs[0]
    if isinstance(value, np.ndarray) and value.dtype == object:
        return value
    return np.asarray(value, dtype=np.float64)


def _relative_gap(a: np.ndarray, b: np.ndarray, zero: np.ndarray | None = None) -> np.ndarray:
    """max over entries of |a - b| / max(|a|, |b|) for each order (0 where both are 0),
    leaving out the entries `zero` marks (same shape as a). Call it at a working
    precision that holds the numbers (mpmath.workdps)."""
    import mpmath

    gaps = np.zeros(a.shape[0])
    _gaps(a, b, gaps, mpmath, zero)
    return gaps


def _vanishing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which entries of a lower run `a` shrink by VANISHING orders in a finer run `b`."""
    flat = [bool(_finite_mp(x) and _finite_mp(y) and _vanishes(x, y))
            for x, y in zip(np.asarray(a, dtype=object).reshape(-1),
                            np.asarray(b, dtype=object).reshape(-1), strict=True)]
    return np.array(flat, dtype=bool).reshape(np.shape(a))


def _plain(value: Any) -> Any:
    """A numpy integer or bool as a Python int, which mpmath takes (an integer value's
    series, such as the sum of an empty integer tensor, has integer coefficients)."""
    return int(value) if isinstance(value, (np.integer, np.bool_)) else value


def _gaps(a: np.ndarray, b: np.ndarray, gaps: np.ndarray, mpmath: Any,
          zero: np.ndarray | None = None) -> None:
    for k in range(a.shape[0]):
        worst = 0.0
        skip = np.zeros(np.shape(a[k]), bool).reshape(-1) if zero is None \
            else np.asarray(zero[k]).reshape(-1)
        for x, y, left_out in zip(np.asarray(a[k]).reshape(-1), np.asarray(b[k]).reshape(-1),
                                  skip, strict=True):
            x, y = mpmath.mpf(_plain(x)), mpmath.mpf(_plain(y))
            if mpmath.isnan(x) or mpmath.isnan(y) or mpmath.isinf(x) or mpmath.isinf(y):
                if not (x == y or (mpmath.isnan(x) and mpmath.isnan(y))):
                    worst = math.inf
                continue
            if left_out:
                continue  # zero to the working precision: two escalations say so
            scale = max(abs(x), abs(y))
            if scale:
                worst = max(worst, float(abs(x - y) / scale))
        gaps[k] = worst


VANISHING = 10  # a value that shrinks this many digits in a run 20 digits finer is zero


def _vanishes(low: Any, high: Any) -> bool:
    """Whether a value is rounding noise of an exact 0 (cos(pi/2) at a set precision):
    computed again with 20 more digits it shrinks by about 20 orders of magnitude,
    where a true value, however tiny, stays what it is."""
    return bool(low) and abs(high) <= abs(low) * 10.0 ** -VANISHING


def _zero_vanishing(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """`high` with the entries that vanish (see `_vanishes`) set to an exact 0."""
    out = np.array(high, dtype=object, copy=True)
    flat_low, flat_out = np.asarray(low, dtype=object).reshape(-1), out.reshape(-1)
    for i, (x, y) in enumerate(zip(flat_low, flat_out, strict=True)):
        if _finite_mp(x) and _finite_mp(y) and _vanishes(x, y):
            flat_out[i] = type(y)(0)
    return out


def _finite_mp(value: Any) -> bool:
    import mpmath

    return bool(mpmath.isfinite(mpmath.mpf(value)))


def series(tree: Any, source: str | None, inputs: Mapping[str, Any],
           directions: Mapping[str, Any], order: int, precision: int | None = None,
           let: Mapping[str, Any] | None = None, of: str | None = None,
           limits: Any = None, verify: bool = False) -> Coefficients:
    """The value's Taylor coefficients and derivatives, checked as the module says; with
    `verify`, float64 results are checked against mpmath at every order."""
    if precision is not None:
        return _precise(tree, source, inputs, directions, order, precision, let, of, limits)
    coeffs, warnings, points = run_series(tree, source, inputs, directions, order, None, let,
                                           of, limits)
    warnings = list(warnings)
    if (verify or order > CHECKED_ABOVE_ORDER) and order > 0 and np.all(np.isfinite(coeffs)):
        # Against 17 digits verified by two mpmath runs 20 digits apart (one run can agree
        # with float64 where both lost the same digits: sin(x)/x at 1e-20).
        exact = _precise(tree, source, inputs, directions, order, 17, let, of, limits)
        import mpmath

        with mpmath.workdps(40):
            gaps = _relative_gap(coeffs, _mpf_array(exact.coefficients))
        bad = np.nonzero(gaps > 10.0 ** -FLOAT_DIGITS_KEPT)[0]
        if bad.size:
            lost = min(16, max(0, round(16 + math.log10(max(float(gaps.max()), 1e-300)))))
            # k! u_k comes from the verified run too, since u_k may underflow float64
            # (1/1000!) where the derivative does not.
            warnings.append(Note(
                f"float64 lost up to {lost} of its 16 digits from order {int(bad[0])} on "
                f"(relative error {gaps.max():.1e}); the values shown were recomputed with "
                f"mpmath and rounded to float64 (a set precision gives more digits)",
                "precision"))
            return Coefficients(_to_float(exact.coefficients), _to_float(exact.derivatives),
                                points, tuple(warnings) + exact.warnings, None)
    return Coefficients(coeffs, _derivatives(coeffs, None), points, tuple(warnings), None)


def _precise(tree: Any, source: str | None, inputs: Mapping[str, Any],
             directions: Mapping[str, Any], order: int, precision: int, let: Any, of: Any,
             limits: Any) -> Coefficients:
    import mpmath

    def run(working: int) -> tuple[Any, Any]:
        result = run_series(tree, source, inputs, directions, order, working, let, of, limits)
        return result, result[0]

    (low, warnings, points), (high, _w, _p), digits, unverified = verify_digits(
        run, precision, working_digits(precision, order))
    warnings = list(warnings) + unverified
    if not unverified:
        high = _zero_vanishing(low, high)  # verified: what still vanishes is an exact 0
    # Every conversion at the working precision: mpmath's default 15 digits would round.
    with mpmath.workdps(digits + 20):
        return Coefficients(decimals(high, precision), _derivatives(high, precision),
                            decimal_points(points, precision), tuple(warnings), precision)


def _mpf_array(values: np.ndarray) -> np.ndarray:
    """Decimals (or anything mpmath reads) as an object array of mpf."""
    import mpmath

    return np.frompyfunc(lambda v: mpmath.mpf(str(v)), 1, 1)(np.asarray(values, dtype=object))


def _to_float(coeffs: np.ndarray) -> np.ndarray:
    return np.asarray(coeffs, dtype=object).astype(np.float64)


def _scaled(coeffs: np.ndarray) -> np.ndarray:
    """k! u_k for mpmath coefficients (at the caller's working precision)."""
    out = np.empty(coeffs.shape, dtype=object)
    for k in range(coeffs.shape[0]):
        out[k, ...] = np.asarray(coeffs[k], dtype=object) * math.factorial(k)
    return out


def _derivatives(coeffs: np.ndarray, precision: int | None) -> np.ndarray:
    """k! u_k: in float64 exactly rounded once, even where k! itself overflows."""
    if precision is not None:
        return decimals(_scaled(coeffs), precision)
    out = np.empty(coeffs.shape)
    for k in range(coeffs.shape[0]):
        if k <= 170:
            out[k, ...] = coeffs[k] * float(math.factorial(k))
            continue
        flat = np.asarray(coeffs[k], dtype=np.float64).reshape(-1)
        out[k, ...] = np.array([_exact_scaled(c, math.factorial(k)) for c in flat]).reshape(
            np.shape(coeffs[k]))
    return out


def _exact_scaled(c: float, factor: int) -> float:
    if not math.isfinite(c):
        # inf * k! without converting k! (which may exceed any float) to a float.
        if c != c or factor > 0:
            return c
        return math.nan if factor == 0 else -c
    try:
        return float(Fraction(c) * factor)
    except OverflowError:
        return math.copysign(math.inf, c)


def _decimal(value: Any, precision: int) -> Decimal:
    """An mpf as a Decimal of `precision` digits; one whose exponent lies beyond what a
    Decimal holds (mpmath's exponents are unbounded: 1e-(10^300)) is 0 or an infinity."""
    import decimal

    import mpmath

    number = mpmath.mpf(value)
    try:
        with decimal.localcontext() as context:
            context.Emax, context.Emin = decimal.MAX_EMAX, decimal.MIN_EMIN
            return Decimal(mpmath.nstr(number, precision, min_fixed=-6, max_fixed=precision))
    except decimal.InvalidOperation:
        negative = number < 0
        if abs(number) < 1:
            return Decimal("-0") if negative else Decimal(0)
        return Decimal("-Infinity") if negative else Decimal("Infinity")


def decimals(values: np.ndarray, precision: int) -> np.ndarray:
    out = np.empty(np.shape(values), dtype=object)
    flat_in = np.asarray(values, dtype=object).reshape(-1)
    flat_out = out.reshape(-1)
    for i, v in enumerate(flat_in):
        flat_out[i] = _decimal(v, precision)
    return out


def decimal_points(points: Mapping[str, np.ndarray], precision: int) -> dict[str, np.ndarray]:
    return {name: decimals(value, precision) if np.asarray(value).dtype == object
            else np.asarray(value) for name, value in points.items()}


def cell(value: Any) -> np.ndarray:
    """A coefficient as an array: float64, or an object array of Decimals."""
    if isinstance(value, np.ndarray):
        return value
    return np.asarray(value, dtype=object if not isinstance(value, (float, np.floating))
                      else np.float64)


def point(plan: Plan, inputs: Mapping[str, Any]) -> Result:
    """The value and f^(k)(a)[v, ..., v], k = 1..order, along `plan.direction` (the one
    variable's unit direction, or the user's, labelled v). `inputs` may hold texts, taken
    at `plan.precision` digits."""
    out = series(plan.program.tree, plan.program.source, inputs, plan.direction or {},
                 plan.order, plan.precision, plan.let, plan.of, plan.limits, plan.verify)
    variable = (DIRECTION_LABEL,) if plan.directional else plan.wrt[:1]
    derivatives = tuple(Derivative(variable * k, k, cell(out.derivatives[k]))
                        for k in range(1, plan.order + 1))
    return Result(inputs=dict(out.inputs), value=cell(out.coefficients[0]),
                  derivatives=derivatives, warnings=out.warnings, engine="taylor")


def vectorized(plan: Plan, columns: Mapping[str, np.ndarray]) -> Batch | None:
    """Every point of a float64 batch at once, one series per point, when the value has
    one number per point; else None (the caller checks it against single points)."""
    n = len(next(iter(columns.values())))
    whole = point(plan, {k: np.ascontiguousarray(v, dtype=np.float64)
                         for k, v in columns.items()})
    if np.shape(whole.value) != (n,):
        return None
    return Batch(inputs={k: np.asarray(v) for k, v in columns.items()}, value=whole.value,
                 derivatives=whole.derivatives, warnings=whole.warnings, engine="taylor")


def polynomial(plan: Plan, inputs: Mapping[str, Any]) -> TaylorResult:
    """The Taylor coefficients f^(k)(a)[v..v]/k! and derivatives, k = 0..order."""
    out = series(plan.program.tree, plan.program.source, inputs, plan.direction or {},
                 plan.order, plan.precision, plan.let, plan.of, plan.limits)
    warnings = (*out.warnings, *nonfinite_coefficient_warnings(out.coefficients))
    return TaylorResult(inputs=out.inputs, direction=dict(plan.direction or {}),
                        order=plan.order, coefficients=out.coefficients,
                        derivatives=out.derivatives, precision=plan.precision,
                        warnings=warnings)


__all__ = ["Coefficients", "cell", "decimal_points", "decimals", "point", "polynomial",
           "run_series", "series", "vectorized", "verify_digits", "working_digits"]
