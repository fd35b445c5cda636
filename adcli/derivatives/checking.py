"""Automatic derivatives beside finite differences: `adcli check`.

One responsibility: estimate each derivative numerically and compare. The order-k
derivative is compared with the central difference, with Richardson extrapolation,
of the automatic order-(k-1) derivative (order 1: of the value itself), one input
entry at a time, so that every order is checked against the one below it. The step
is h = 1e-3 max(1, |x|): D(h) = (g(x+h) - g(x-h)) / 2h has error O(h^2), and
(4 D(h/2) - D(h)) / 3 cancels that term, leaving O(h^4) (Richardson 1911).

Imports the derivative layer's compute, plan, program and results.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from adcli.derivatives import compute
from adcli.derivatives.plan import Plan
from adcli.derivatives.results import CheckRow, Result
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliUsageError, Setting


def check(plan: Plan, inputs: Mapping[str, np.ndarray],
          tolerance: float) -> tuple[Result, list[CheckRow]]:
    """The plan's derivatives at `inputs`, each with its numeric estimate and whether they
    agree to `tolerance` (relative to the larger magnitude, at least 1). The plan's
    variables must be inputs (a difference moves an input)."""
    for name in plan.wrt:
        if name not in inputs:
            raise AdcliUsageError(f"check differentiates inputs only; '{name}' is not an input",
                                  parameter="wrt", name=name)
    if not plan.wrt or plan.order < 1:
        raise AdcliUsageError("there is nothing to check: check compares derivatives by "
                              "inputs, and this request has none", parameter="at",
                              hint="give an input the program reads, with", settings=(
                                  Setting("at", name="x"),))
    base = compute.at_point(plan, inputs).with_arrays()
    rows = []
    for d in base.derivatives:
        numeric = _difference_quotient(plan, inputs, d.wrt)
        error = _relative_error(d.value, numeric)
        rows.append(CheckRow(d.wrt, d.order, d.value, numeric, error, error <= tolerance))
    return base, rows


def _lower(plan: Plan, inputs: Mapping[str, np.ndarray], lower: tuple[str, ...]) -> np.ndarray:
    """The automatic derivative by `lower` (the value when empty) at `inputs`."""
    result = compute.at_point(plan.at_order(len(lower)), inputs, verify=False).with_arrays()
    if not lower:
        return result.value
    return next(d.value for d in result.derivatives if d.wrt == lower)


def _difference_quotient(plan: Plan, inputs: Mapping[str, np.ndarray],
                         wrt: tuple[str, ...]) -> np.ndarray:
    lower, last = wrt[:-1], wrt[-1]
    point = inputs[last]
    columns = []

    def shifted(flat: int, step: float) -> np.ndarray:
        moved = dict(inputs)
        entry = point.astype(np.float64).copy()
        entry.reshape(-1)[flat] += step
        moved[last] = entry.reshape(point.shape)
        return _lower(plan, moved, lower)

    for flat in range(max(point.size, 1)):
        h = 1e-3 * max(1.0, abs(float(point.reshape(-1)[flat])))
        coarse = (shifted(flat, h) - shifted(flat, -h)) / (2 * h)
        fine = (shifted(flat, h / 2) - shifted(flat, -h / 2)) / h
        columns.append((4 * fine - coarse) / 3)
    stacked = np.stack(columns, axis=-1)
    return stacked.reshape(stacked.shape[:-1] + point.shape)


def _relative_error(automatic: np.ndarray | None, numeric: np.ndarray) -> float:
    if automatic is None:
        return math.inf
    a, n = np.asarray(automatic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        return math.inf
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(n))):
        same = np.array_equal(np.isnan(a), np.isnan(n)) and np.array_equal(
            np.where(np.isnan(a), 0, a) == np.where(np.isnan(n), 0, n), np.ones(a.shape, bool))
        return 0.0 if same else math.inf
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(n), initial=0.0)), 1.0)
    return float(np.max(np.abs(a - n), initial=0.0)) / scale


def hessian_matrix(result: Result, names: list[str]) -> tuple[np.ndarray,
                                                              list[tuple[str, int | None]]]:
    """The second partials of a scalar result as one symmetric matrix over every entry of
    the `names` variables, and its row labels (name, flat index; None for a scalar)."""
    shapes = {n: tuple(result.inputs[n].shape) if n in result.inputs
              else tuple(np.shape(result.variables.get(n, np.zeros(())))) for n in names}
    sizes = {n: math.prod(shapes[n]) for n in names}
    offsets, total = {}, 0
    for n in names:
        offsets[n], total = total, total + sizes[n]
    matrix = np.zeros((total, total))
    for d in result.derivatives:
        if d.order != 2:
            continue
        a, b = d.wrt
        block = np.zeros((sizes[a], sizes[b])) if d.value is None \
            else np.asarray(d.value).reshape(sizes[a], sizes[b])
        matrix[offsets[a]:offsets[a] + sizes[a], offsets[b]:offsets[b] + sizes[b]] = block
        matrix[offsets[b]:offsets[b] + sizes[b], offsets[a]:offsets[a] + sizes[a]] = block.T
    labels = [(n, None if shapes[n] == () else i) for n in names for i in range(sizes[n])]
    return matrix, labels
