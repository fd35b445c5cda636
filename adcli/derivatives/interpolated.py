"""Every mixed partial of a scalar program in several variables, from univariate series.

One responsibility: execute a `Plan` whose backend is "taylor (interpolated)" (`point`):
the distinct partials d^|i| f / dx^i, 0 < |i| <= d,
of a scalar program f of n scalar inputs, by Griewank, Utke and Walther's
interpolation ("Evaluating higher derivative tensors by forward propagation of
univariate Taylor series", Math. Comp. 69 (2000), 1117-1130).

The math. i, j, k are multi-indices in N^n, |i| = i_1 + ... + i_n, i! = prod i_m!,
z^i = prod z_m^(i_m), C(a, b) = prod C(a_m, b_m) (generalised binomials
C(a, m) = a (a - 1) ... (a - m + 1) / m! for rational a). Along a direction z the
univariate Taylor coefficient of order K of t -> f(x + t z) is

    f_K(z) = (1/K!) d^K/dt^K f(x + t z) |_{t=0} = sum_{|m| = K} (D^m f / m!) z^m,

a homogeneous polynomial p_K of degree K in z whose coefficients are the partials.
All C(n + d - 1, d) directions j with |j| = d run as ONE Taylor pass of order d (a
trailing batch axis of the seeds, as a grid of points does); then for |i| = K <= d

    D^i f = sum_{|j| = d} gamma(i, j) f_K(j),
    gamma(i, j) = sum_{0 < k <= i} (-1)^{|i - k|} C(i, k) (|k|/d)^K C(d k / |k|, j).

Why: (1) the i-th forward difference at 0 picks one coefficient out of a homogeneous
polynomial of degree |i|: sum_{0 <= k <= i} (-1)^{|i-k|} C(i, k) p_K(k) = i! c_i =
D^i f (the term k = 0 is p_K(0) = 0). (2) Homogeneity moves every k onto the simplex
|z| = d: p_K(k) = (|k|/d)^K p_K(d k/|k|). (3) On that simplex p_K is a polynomial of
degree K <= d, so Lagrange interpolation on its lattice points {|j| = d} is exact,
and the Lagrange basis there is C(z, j) (it is 1 at z = j, 0 at every other lattice
point, and of degree d). So the lower orders come from the same directions, with
their own coefficients f_K. (Written with d^K/dt^K f(x + t j) = K! f_K(j) instead,
the weights are gamma / K!.) The weights are exact rationals, computed once per
(n, d) with integers and cached; tests check sum_j gamma(i, j) j^m = i! [i = m].

Digits. The sum cancels: its rounding error is about eps * sum_j |gamma(i, j) f_K(j)|.
In float64, where that bound says a partial kept fewer than 12 digits (above order 20
always, as in adcli.derivatives.taylor_backend), the partials are recomputed with mpmath to 17
verified digits (two runs 20 digits apart, as a set precision does) and a warning
says so; whenever those verified values exist, every partial shown is one of them.
A partial smaller than the rounding bound of its own sum at the working precision is
indistinguishable from 0 and is given as 0 (a polynomial's vanishing partials:
y/x has d3f/dxdy2 = 0 exactly). With a precision of D digits the same two-run check
runs at D digits, the weights entering as exact mpf quotients.

Imports adcli.derivatives.taylor_backend (and through it adcli.lang and
adcli.engine), the layer's plan and results, and adcli.errors; mpmath only at a
precision or when float64 lost digits.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from adcli.derivatives import taylor_backend, vectorize
from adcli.derivatives.plan import INTERPOLATED, Plan
from adcli.derivatives.results import Derivative, Note, Result, label
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliUsageError
from adcli.records import Record

FLOAT_DIGITS_KEPT = taylor_backend.FLOAT_DIGITS_KEPT
EPS = float(np.finfo(np.float64).eps)


class TensorValuedError(AdcliUsageError):
    """The program's value is not a scalar: its derivatives are Jacobians, the tape's job."""


class MixedPartials(Record):
    """f(a) and its partials of orders 1..order, in contract order (xx, xy, yy)."""

    names: tuple[str, ...]
    order: int
    value: Any  # float64, or a Decimal with `precision` digits
    partials: tuple[tuple[tuple[str, ...], Any], ...]  # (names of the partial, value)
    inputs: dict[str, np.ndarray]
    warnings: tuple[str, ...]
    precision: int | None
    directions: int  # how many directional series ran (in one vectorized pass)


# ---- the weights -------------------------------------------------------------------


def multi_indices(n: int, total: int) -> list[tuple[int, ...]]:
    """Every j in N^n with |j| = total, in the contract order of the partials they name:
    combinations_with_replacement of the variables, counted (xx, xy, yy for n = 2)."""
    out = []
    for combo in itertools.combinations_with_replacement(range(n), total):
        counts = [0] * n
        for m in combo:
            counts[m] += 1
        out.append(tuple(counts))
    return out


@functools.lru_cache(maxsize=32)
def weights(n: int, d: int) -> tuple[tuple[tuple[Fraction, ...], ...], ...]:
    """gamma(i, j) as exact fractions: entry [K - 1][row][column] for |i| = K (rows in
    `multi_indices(n, K)` order) and the directions j of `multi_indices(n, d)`."""
    directions = multi_indices(n, d)
    # C(d k/|k|, j) = N(k, j) / (s^d j!) with s = |k| and the integer
    # N(k, j) = prod_m prod_{t < j_m} (d k_m - t s); integers keep the (n, d) = (3, 8)
    # table to milliseconds where Fractions throughout take a second.
    numerators: dict[tuple[int, ...], list[int]] = {}
    for s in range(1, d + 1):
        for k in multi_indices(n, s):
            row = []
            for j in directions:
                product = 1
                for km, jm in zip(k, j, strict=True):
                    for t in range(jm):
                        product *= d * km - t * s
                row.append(product)
            numerators[k] = row
    j_factorials = [math.prod(math.factorial(jm) for jm in j) for j in directions]
    lcm = math.lcm(*range(1, d + 1))
    table = []
    for order in range(1, d + 1):
        # gamma = sum_k sign C(i,k) s^K/d^K N/(s^d j!) = sum_k sign C(i,k) N (M/s^(d-K))
        # / (d^K j! M), with M = lcm(1..d)^(d-K) a common multiple of every s^(d-K).
        common = lcm ** (d - order)
        rows = []
        for i in multi_indices(n, order):
            totals = [0] * len(directions)
            for k in itertools.product(*(range(im + 1) for im in i)):
                s = sum(k)
                if s == 0:
                    continue
                factor = (-1) ** (order - s) * math.prod(
                    math.comb(im, km) for im, km in zip(i, k, strict=True)) \
                    * (common // s ** (d - order))
                row = numerators[k]
                for c in range(len(directions)):
                    totals[c] += factor * row[c]
            rows.append(tuple(Fraction(total, d ** order * jf * common)
                              for total, jf in zip(totals, j_factorials, strict=True)))
        table.append(tuple(rows))
    return tuple(table)


@functools.lru_cache(maxsize=32)
def float_weights(n: int, d: int) -> tuple[np.ndarray, ...]:
    """`weights` rounded once to float64, one (rows, directions) array per order."""
    return tuple(np.array([[float(g) for g in row] for row in rows]).reshape(len(rows), -1)
                 for rows in weights(n, d))


# ---- the directional series --------------------------------------------------------


def _directional(tree: Any, source: str | None, inputs: Mapping[str, Any],
                 names: Sequence[str], order: int, digits: int | None, let: Any, of: Any,
                 limits: Any) -> tuple[np.ndarray, tuple[str, ...], dict[str, np.ndarray]]:
    """The coefficients (order + 1, D) along every direction |j| = order, and the warnings.

    One vectorized pass when the program treats its inputs elementwise; a program that
    mixes the batch axis (a reduction, a matmul on a vector built from the inputs)
    changes the value's shape or disagrees with single-direction runs at both ends,
    and then each direction runs on its own."""
    directions = multi_indices(len(names), order)
    columns = {name: np.array([float(j[m]) for j in directions]) for m, name in
               enumerate(names)}
    run = taylor_backend.run_series
    count = len(directions)

    def whole() -> Any:
        out = run(tree, source, inputs, columns, order, digits, let, of, limits)
        return out if np.shape(out[0]) == (order + 1, count) else None

    def single(e: int) -> Any:
        return run(tree, source, inputs, {n: c[e] for n, c in columns.items()}, order,
                   digits, let, of, limits)

    batch = vectorize.checked(whole, single, count,
                              lambda out, e, one: vectorize.same(out[0][:, e], one[0]))
    if batch is not None:
        return batch
    singles = [single(e) for e in range(count)]
    for coeffs, _w, _p in singles:
        if np.size(coeffs) != order + 1:
            raise TensorValuedError(
                f"mixed partials need a scalar program, but its value has shape "
                f"{np.shape(coeffs)[1:]}",
                hint="the tape engine gives the derivatives of tensor values",
                parameter="engine")
    stacked = np.stack([np.asarray(c).reshape(order + 1) for c, _w, _p in singles], axis=1)
    return stacked, singles[0][1], singles[0][2]


# ---- combining them ----------------------------------------------------------------


def _combine_float(coeffs: np.ndarray, n: int, order: int) -> tuple[list[np.ndarray],
                                                                       list[np.ndarray]]:
    """The partials of each order, and the scale sum_j |gamma f_K(j)| of each."""
    values, scales = [], []
    with np.errstate(all="ignore"):  # nan and inf are the partials' own, and warned of
        for k, gamma in enumerate(float_weights(n, order), start=1):
            values.append(gamma @ coeffs[k])
            scales.append(np.abs(gamma) @ np.abs(coeffs[k]))
    return values, scales


def _combine_mp(coeffs: np.ndarray, n: int, order: int, digits: int) -> list[np.ndarray]:
    """The partials at `digits` digits, those below their sum's rounding bound set to 0."""
    import mpmath

    out = []
    with mpmath.workdps(digits):
        floor = mpmath.mpf(10) ** -(digits - 4)
        for k, rows in enumerate(weights(n, order), start=1):
            column = [mpmath.mpf(c) for c in np.asarray(coeffs[k], dtype=object)]
            values = np.empty(len(rows), dtype=object)
            for r, row in enumerate(rows):
                terms = [mpmath.mpf(g.numerator) / g.denominator * c
                         for g, c in zip(row, column, strict=True)]
                total = mpmath.fsum(terms)
                scale = mpmath.fsum(abs(t) for t in terms)
                values[r] = mpmath.mpf(0) if abs(total) <= floor * scale else total
            out.append(values)
    return out


def _verified(tree: Any, source: str | None, inputs: Mapping[str, Any], names: Sequence[str],
              order: int, precision: int, let: Any, of: Any, limits: Any
              ) -> tuple[Any, list[np.ndarray], list[str], dict[str, np.ndarray]]:
    """f(a) and the partials (mpf) agreeing to `precision` digits between two runs 20
    digits apart, raising the working precision as the Taylor backend does."""
    n = len(names)
    # Guard digits for the cancellation: log10 of the largest weight sum.
    largest = max(sum(abs(g) for g in row) for rows in weights(n, order) for row in rows)
    digits = taylor_backend.working_digits(precision, order) + int(math.log10(largest)) + 1

    def run(working: int) -> tuple[Any, Any]:
        raw, warnings, points = _directional(tree, source, inputs, names, order, working, let,
                                             of, limits)
        partials = _combine_mp(raw, n, order, working)
        values = np.concatenate([np.asarray(raw[0][:1], dtype=object)] + partials)
        return (raw, partials, warnings, points), values

    (_low, _lp, warnings, points), (high, high_partials, _w, _p), _d, unverified = \
        taylor_backend.verify_digits(run, precision, digits)
    return high[0][0], high_partials, list(warnings) + unverified, points


def partials(tree: Any, source: str | None, inputs: Mapping[str, Any], names: Sequence[str],
             order: int, precision: int | None = None, let: Mapping[str, Any] | None = None,
             of: str | None = None, limits: Any = None, verify: bool = False) -> MixedPartials:
    """f(a) and every distinct partial of orders 1..order with respect to `names` (scalar
    inputs; the other inputs stay fixed), by interpolation of directional series; with
    `verify`, float64 partials are checked against mpmath whatever the order."""
    n = len(names)
    if n == 0 or order < 1:
        raise AdcliUsageError("mixed partials need at least one variable and order 1 or more")
    for name in names:
        if name not in inputs or np.ndim(inputs[name]) != 0:
            raise AdcliUsageError(f"mixed partials by interpolation need scalar inputs, and "
                                  f"'{name}' is not one", parameter="wrt", name=name)
    labels = [tuple(names[m] for m in combo) for k in range(1, order + 1)
              for combo in itertools.combinations_with_replacement(range(n), k)]
    if precision is not None:
        value, parts, warnings, points = _verified(tree, source, inputs, names, order,
                                                   precision, let, of, limits)
        import mpmath

        with mpmath.workdps(precision + 40):
            flat = taylor_backend.decimals(np.concatenate(parts), precision)
            value = taylor_backend.decimals(np.asarray([value], dtype=object), precision)[0]
            points = taylor_backend.decimal_points(points, precision)
        return MixedPartials(tuple(names), order, value, tuple(zip(labels, flat, strict=True)),
                             points, tuple(warnings), precision,
                             len(multi_indices(n, order)))
    coeffs, warnings, points = _directional(tree, source, inputs, names, order, None, let, of,
                                            limits)
    coeffs = np.asarray(coeffs, dtype=np.float64)
    values, scales = _combine_float(coeffs, n, order)
    flat, scale = np.concatenate(values), np.concatenate(scales)
    warnings = list(warnings)
    with np.errstate(all="ignore"):
        # Rounding error of each sum relative to its value: digits lost to cancellation.
        relative = np.where(scale > 0, 4 * EPS * scale / np.abs(flat), 0.0)
    finite = bool(np.all(np.isfinite(coeffs)))
    lost = relative > 10.0 ** -FLOAT_DIGITS_KEPT
    if finite and (verify or order > taylor_backend.CHECKED_ABOVE_ORDER or np.any(lost)):
        value, parts, more, _p = _verified(tree, source, inputs, names, order, 17, let, of,
                                           limits)
        exact = np.asarray(np.concatenate(parts), dtype=object).astype(np.float64)
        replaced = ~np.isclose(flat, exact, rtol=10.0 ** -FLOAT_DIGITS_KEPT, atol=0.0)
        # Every partial shown is the verified one, rounded once to float64. A partial
        # that is 0 to 17 digits replaces float64 rounding noise without a warning: the
        # sum's own bound said the noise was no digit at all.
        changed = replaced & (exact != 0)
        if np.any(changed):
            first = labels[int(np.nonzero(changed)[0][0])]
            warnings.append(Note(
                f"float64 lost digits in {int(changed.sum())} of the {len(labels)} partials "
                f"(first {label(first)}) when combining directional series; the values "
                "shown were recomputed "
                "with mpmath and rounded to float64 (a set precision gives more digits)",
                "precision"))
            warnings += more
        flat = exact
    return MixedPartials(tuple(names), order, coeffs[0, 0],
                         tuple((label, flat[i]) for i, label in enumerate(labels)),
                         dict(points), tuple(warnings), None, coeffs.shape[1])


def point(plan: Plan, inputs: Mapping[str, Any]) -> Result:
    """The value and every distinct partial of `plan.wrt` (scalar inputs) up to
    `plan.order` at one point; TensorValuedError for a tensor-valued program."""
    out = partials(plan.program.tree, plan.program.source, inputs, plan.wrt, plan.order,
                   plan.precision, plan.let, plan.of, plan.limits, plan.verify)
    derivatives = tuple(Derivative(wrt, len(wrt), taylor_backend.cell(value))
                        for wrt, value in out.partials)
    return Result(inputs=dict(out.inputs), value=taylor_backend.cell(out.value),
                  derivatives=derivatives, warnings=out.warnings, engine=INTERPOLATED)


__all__ = ["MixedPartials", "TensorValuedError", "float_weights", "multi_indices", "partials",
           "point", "weights"]
