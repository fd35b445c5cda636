"""Executing a `Plan`: at one point, or over a batch of points, on the backend it chose.

One responsibility: what happens between a plan and its answer, the same for every
backend and written once:

- the backend runs (tape, Taylor series, interpolated mixed partials); "auto" goes
  back to the tape when interpolation finds a tensor-valued program (`Plan.fallback`);
- a series backend's derivative by a variable the value does not depend on becomes
  None with the reason, as on the tape (one tape run at the point says which);
- a batch runs as one vector where that is trusted (adcli.derivatives.vectorize),
  else point by point, so that every point gets exactly what a single run there
  gives, None and reasons included;
- a single point is verified: its float64 digits are checked (the tape's cancelling
  sums; Taylor mode and interpolation against mpmath), and a result that lost digits
  is recomputed in Taylor mode with mpmath to VERIFIED_DIGITS digits and rounded to
  float64, with a warning that says so (or, where Taylor mode cannot run the program,
  a warning that the last digits may be wrong). Batches of several points are not:
  there float64 is checked against mpmath above order 20 only;
- with engine "auto", a single point whose tape numbers are nan (0/0 at a removable
  singularity) is computed again in Taylor mode, which takes the limit;
- the warnings about derivatives are added once, at the end.

Imports the derivative layer's backends, plan, program, results and vectorize.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from adcli.derivatives import tape_backend, vectorize
from adcli.derivatives.plan import INTERPOLATED, TAPE, TAYLOR, Plan, resolve
from adcli.derivatives.program import input_values
from adcli.derivatives.results import (
    Batch,
    Derivative,
    Note,
    Result,
    kind_of,
    nonfinite_warnings,
    unused_input_warnings,
)
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliError, AdcliLimitError
from adcli.lang import default_limits
from adcli.lang.interpreter import MAX_RANK, RANK_MESSAGES
from adcli.lang.time_limit import doing, time_limit
from adcli.records import replace

R = TypeVar("R", Result, Batch)
VERIFIED_DIGITS = 17  # enough to round to float64 correctly


def at_point(plan: Plan, inputs: Mapping[str, Any], verify: bool = True) -> Result:
    """The plan's value and derivatives at one point (`inputs`: name -> value, or an
    expression's text taken at `plan.precision` digits), float64 digits verified unless
    `verify` is False."""
    with time_limit(_seconds(plan), "computing the derivatives"), _numpy_rank():
        _plan, result = _compute(replace(plan, verify=verify), inputs)
    return _finish(result)


@contextlib.contextmanager
def _numpy_rank() -> Iterator[None]:
    """numpy's own error for a tensor of more than 64 axes, made in a derivative pass (a
    Jacobian's batch axis on a value of many axes), as a limit error in words."""
    try:
        yield
    except (ValueError, IndexError, RuntimeError) as error:
        if not RANK_MESSAGES.search(str(error)):
            raise
        raise AdcliLimitError("the derivatives' passes would make a tensor of more axes "
                              f"than numpy allows (numpy: {error}; its tensors have at most "
                              f"{MAX_RANK})", hint="ask for a lower order, or differentiate "
                                                   "by fewer axes") from None


def _seconds(plan: Plan) -> float | None:
    """The plan's time limit (Limits.time_seconds), None for none."""
    return (plan.limits or default_limits()).time_seconds


def over_batch(plan: Plan, columns: Mapping[str, np.ndarray]) -> Batch:
    """The plan at every point of `columns` (each input's points along axis 0): what
    `at_point` gives at each point, in one vectorized run where that is trusted."""
    with time_limit(_seconds(plan), "computing the derivatives"), _numpy_rank():
        return _over_batch(plan, columns)


def _over_batch(plan: Plan, columns: Mapping[str, np.ndarray]) -> Batch:
    count = len(next(iter(columns.values()))) if columns else 1
    plan = replace(plan, verify=count == 1)

    def point(i: int) -> dict[str, Any]:
        values = {}
        for k, v in columns.items():
            text = plan.exact.get(k)
            values[k] = v[i] if text is None else text if isinstance(text, str) else text[i]
        return values

    vectorized = _vectorized(plan.backend)
    if count > 1 and vectorized is not None and plan.precision is None \
            and all(np.ndim(v) == 1 for v in columns.values()):

        def whole() -> Batch | None:
            batch = vectorized(plan, columns)
            if batch is not None and plan.marks_unconnected:
                # One vector run has one graph: what it depends on holds at every point.
                batch = _marked(batch, tape_backend.reasons(plan.on(TAPE), point(0)))
            return batch

        batch = vectorize.checked(whole, lambda i: _compute(plan, point(i))[1], count,
                                  _agrees)
        if batch is not None:
            return _finish(batch)
    results = []
    for i in range(count):
        plan, result = _compute(plan, point(i))  # a fallback holds for every point
        results.append(result)
    return _finish(Batch.of(results).with_arrays())


def _backend(name: str) -> Callable[[Plan, Mapping[str, Any]], Result]:
    """A backend's single-point run (series backends are imported when first used)."""
    if name == TAPE:
        return tape_backend.point
    if name == TAYLOR:
        from adcli.derivatives import taylor_backend

        return taylor_backend.point
    from adcli.derivatives import interpolated

    return interpolated.point


def _vectorized(name: str) -> Callable[[Plan, Mapping[str, np.ndarray]], Batch | None] | None:
    """A backend's run of every point as one vector, where it has one (interpolation is
    vectorized over its directions already)."""
    if name == TAPE:
        return tape_backend.vectorized
    if name == TAYLOR:
        from adcli.derivatives import taylor_backend

        return taylor_backend.vectorized
    return None


def _compute(plan: Plan, inputs: Mapping[str, Any]) -> tuple[Plan, Result]:
    """The backend's result at one point, with unconnected variables marked, and the
    plan that ran (the fallback's, when the chosen backend did not apply)."""
    try:
        result = _backend(plan.backend)(plan, inputs)
    except AdcliError as error:
        from adcli.derivatives.interpolated import TensorValuedError

        if plan.backend != INTERPOLATED or plan.fallback is None \
                or not isinstance(error, TensorValuedError):
            raise error.with_source(plan.program.source) from None
        plan = plan.on(plan.fallback)
        result = _backend(plan.backend)(plan, inputs)
    if plan.backend != TAPE and _nan_count(result) and not any(
            kind_of(w) == "undefined" for w in result.warnings):
        result = _named_nan(plan, inputs, result)
    if plan.marks_unconnected:
        try:
            reasons = tape_backend.reasons(*_on_tape(plan, inputs))
        except AdcliError:
            return plan, result  # the tape cannot run it: the series' zeros stand
        result = _marked(result, reasons)
    lost = next((w for w in result.warnings if kind_of(w) == "lost-digits"), None)
    if lost is not None and plan.precision is None:
        result = _recomputed(plan, inputs, result, lost)
    if plan.verify and plan.backend == TAPE and plan.request.get("engine") == "auto" \
            and _nan_count(result):
        result = _as_limit(plan, inputs, result)
    return plan, result


def _on_tape(plan: Plan, inputs: Mapping[str, Any]) -> tuple[Plan, dict[str, np.ndarray]]:
    """The plan on the float64 tape, and the point as numbers: the constants and inputs a
    precision run holds as texts, evaluated (the tape runs that check a series result)."""
    let = input_values(plan.let, parameter="let")
    return replace(plan.on(TAPE), let=let), input_values(inputs, let)


def _named_nan(plan: Plan, inputs: Mapping[str, Any], result: R) -> R:
    """A series result whose value is nan, with the warning the tape gives: which
    operation left its domain (one float64 tape run finds it)."""
    try:
        note = tape_backend.undefined_note(*_on_tape(plan, inputs))
    except AdcliError:
        return result
    if note is None:
        return result
    return replace(result, warnings=(*result.warnings, note))


def _as_limit(plan: Plan, inputs: Mapping[str, Any], result: Result) -> Result:
    """A tape result with nan (0/0 at a removable singularity such as sin(x)/x at 0) again
    in Taylor mode, whose series arithmetic divides out the common power of the step;
    kept when it has fewer nan, with a note."""
    try:
        _plan, series = _compute(resolve(**{**plan.request, "engine": "taylor"}), inputs)
    except AdcliError:
        return result
    if _nan_count(series) >= _nan_count(result):
        return result
    if not _is_limit(plan, inputs, series):
        note = Note("the value is 0/0 here and has no limit (nearby values differ by "
                    "direction or side), so it and its derivatives are undefined (nan)",
                    "undefined")
        return replace(result, warnings=(*result.warnings, note))
    note = Note("the tape's numbers here were nan (0/0 at a removable singularity); the "
                "values shown are the limits Taylor mode computes", "limit")
    return replace(series, warnings=(note, *series.warnings))


LIMIT_STEP = 1e-6  # relative to the point: where neighbours test a limit


def _is_limit(plan: Plan, inputs: Mapping[str, Any], series: Result) -> bool:
    """Whether the series' value is the limit of the program at the point, judged by its
    float64 values at neighbours on both sides along every input and the diagonals
    (sin(x)/x passes; abs(x)/x, whose sides differ, and x*y/(x*x+y*y), whose directions
    differ, do not). A series follows one line through the point; a limit holds on
    all of them. Tensor inputs are not judged."""
    if any(np.ndim(v) != 0 for v in inputs.values()):
        return True
    limit = float(np.asarray(series.value, dtype=object).astype(float).reshape(-1)[0])
    if not np.isfinite(limit):
        return True
    tape_plan, numbers = _on_tape(plan, inputs)
    point = {k: float(v) for k, v in numbers.items()}
    steps = {k: LIMIT_STEP * max(1.0, abs(v)) for k, v in point.items()}
    slope = sum(abs(float(np.asarray(d.value, dtype=object).astype(float)))
                for d in series.derivatives if d.order == 1 and d.value is not None)
    lines = [{k: 1.0 if k == name else 0.0 for k in point} for name in point]
    if len(point) > 1:
        lines += [{k: 1.0 for k in point}, {k: (-1.0) ** i for i, k in enumerate(point)}]
    value_plan = replace(tape_plan, order=0, wrt=(), verify=False)
    tolerance = 1e-4 * max(1.0, abs(limit)) + 10 * max(steps.values(), default=0) * slope
    for line in lines:
        for side in (1.0, -1.0):
            near = {k: point[k] + side * line[k] * steps[k] for k in point}
            try:
                value = tape_backend.point(value_plan, {k: np.float64(v)
                                                        for k, v in near.items()}).value
            except AdcliError:
                return False
            value = float(np.asarray(value, dtype=float).reshape(-1)[0])
            if not abs(value - limit) <= tolerance:
                return False
    return True


def _nan_count(result: Result) -> int:
    values = [result.value, *(d.value for d in result.derivatives if d.value is not None)]
    return sum(v != v if type(v) is float  # a scalar (no numpy)
               else 0 if type(v) is bool
               else int(np.count_nonzero(np.isnan(np.asarray(v, dtype=object).astype(float))))
               if np.asarray(v).dtype.kind in "fO" else 0 for v in values)


def _recomputed(plan: Plan, inputs: Mapping[str, Any], result: Result, lost: str) -> Result:
    """The result again in Taylor mode at VERIFIED_DIGITS digits, rounded to float64; or
    the float64 result with a warning when Taylor mode cannot run this request."""
    others = tuple(w for w in result.warnings if w is not lost)
    try:
        precise = resolve(**{**plan.request, "engine": "taylor",
                             "precision": VERIFIED_DIGITS})
        with doing("recomputing lost digits in Taylor mode with mpmath"):
            _plan, exact = _compute(precise, inputs)
    except AdcliError as error:
        why = error.message
        return replace(result, warnings=(*others, Note(
            f"{lost}; the last digits shown may be wrong (Taylor mode could not recompute "
            f"them: {why})", "precision")))
    derivatives = tuple(replace(d, value=None if d.value is None
                                            else _float64(d.value))
                        for d in exact.derivatives)
    note = Note(f"{lost}; the values shown were recomputed with mpmath to "
                f"{VERIFIED_DIGITS} verified digits and rounded to float64", "precision")
    # The answer is the recomputed one: its warnings, not float64's (whose nan may be gone).
    return replace(result, value=_float64(exact.value), derivatives=derivatives,
                               warnings=(note, *exact.warnings), engine=exact.engine,
                               mode=exact.mode)


def _float64(value: Any) -> np.ndarray:
    return np.asarray(np.asarray(value, dtype=object).astype(np.float64))


def _marked(result: R, reasons: Mapping[str, str | None]) -> R:
    """None, with the reason, for every derivative by a variable the value ignores."""
    if not any(reasons.values()):
        return result
    derivatives = []
    skip = 1 if isinstance(result, Batch) else 0  # a batch's values lead with the points
    for d in result.derivatives:
        reason = next((reasons[n] for n in d.wrt if reasons.get(n)), None)
        shape = None if d.value is None else tuple(np.shape(d.value)[skip:])
        derivatives.append(Derivative(d.wrt, d.order, None, reason, shape=shape)
                           if reason else d)
    warnings = (*result.warnings, *unused_input_warnings(derivatives, result.inputs))
    return replace(result, derivatives=tuple(derivatives), warnings=warnings)


def _agrees(batch: Batch, i: int, single: Result) -> bool:
    """Whether point i of a vectorized batch is what a single run there gave."""
    if not vectorize.same(batch.value[i], single.value):
        return False
    for d, s in zip(batch.derivatives, single.derivatives, strict=True):
        if (d.value is None) != (s.value is None):
            return False
        if d.value is not None and not vectorize.same(d.value[i], s.value):
            return False
    return True


def _finish(result: R) -> R:
    """The warnings about the derivatives, added once."""
    warnings = tuple(dict.fromkeys((*result.warnings, *nonfinite_warnings(result.derivatives))))
    if warnings == result.warnings:
        return result
    return replace(result, warnings=warnings)
