"""The tape backend: derivatives of any order by differentiating gradient tapes again.

One responsibility: execute a `Plan` on adcli.engine's GradientTape. The program
runs once on a persistent tape watching its inputs (and the variables in `wrt`);
each order-k partial is the gradient (a Jacobian for a tensor) of the order-(k-1)
partial below it, recorded on the same tape so that it can be differentiated again.
A derivative is None, with the reason, when the value does not depend on the
variable (unless the plan says `unconnected="zero"`); `reasons` tells the series
backends the same thing at a point.

`point` runs one point; `vectorized` runs every point of a batch as one vector
(the caller checks it against single points); `session` differentiates an
expression on a REPL session's tape.

Digits. A sum of two numbers that are themselves rounded loses as many digits as
it cancels (|a| + |b| over |a + b|); a sum of exact operands (inputs, constants)
is exact however much it cancels (Sterbenz's lemma). When a plan asks to `verify`
(a single point), `point` reads the tape's sums after the run, forward and backward
passes alike, and a result whose sums cancelled more than 16 - KEPT_DIGITS digits
carries a "lost-digits" warning (adcli.derivatives.compute then recomputes it).

Imports adcli.derivatives.program and .results, and adcli.engine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from adcli.derivatives.plan import Plan, check_named_once, check_order
from adcli.derivatives.program import as_array, execute
from adcli.derivatives.results import (
    Batch,
    Derivative,
    Note,
    Result,
    combinations,
    unused_input_warnings,
)
from adcli.engine import ops
from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor
from adcli.errors import AdcliUsageError

ZERO_TIMES_INFINITY_NOTE = Note(
    "a derivative went through a zero local derivative times an infinite incoming one "
    "(as d/dx of 1/x^2 at 0 does); adcli takes that as 0, and the true derivative there "
    "may be infinite or undefined", "convention")
KEPT_DIGITS = 12  # float64 may lose 4 of its ~16 digits before a result is recomputed
CANCELLING = frozenset({"add", "subtract", "reduce_sum"})


def point(plan: Plan, inputs: Mapping[str, np.ndarray]) -> Result:
    """The value and every distinct partial up to `plan.order` at one point."""
    outcome = _run(plan, inputs)
    derivatives = derive(outcome, plan.wrt, plan.order, plan.unconnected, pointwise=False)
    warnings = _warnings(outcome, derivatives, inputs)
    if plan.verify:
        lost = lost_digits(outcome.tape)
        if lost is not None:
            warnings.append(lost)
    return Result(inputs=dict(inputs), value=as_array(outcome.value),
                  derivatives=tuple(derivatives), warnings=tuple(warnings), engine="tape",
                  variables={k: as_array(v) for k, v in outcome.variables.items()})


def vectorized(plan: Plan, columns: Mapping[str, np.ndarray]) -> Batch | None:
    """Every point at once, the inputs as vectors (points along axis 0), when the value
    and every derivative come out with one number per point; else None."""
    inputs = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in columns.items()}
    n = len(next(iter(inputs.values())))
    outcome = _run(plan, inputs)
    if np.shape(as_array(outcome.value)) != (n,):
        return None
    # The points do not interact (the caller checks), so the gradient of the sum is
    # the derivative at every point.
    derivatives = derive(outcome, plan.wrt, plan.order, plan.unconnected, pointwise=True)
    if any(d.value is not None and d.value.shape != (n,) for d in derivatives):
        return None
    warnings = _warnings(outcome, derivatives, inputs)
    lost = lost_digits(outcome.tape)
    if lost is not None:
        warnings.append(Note(f"{lost} at some points; those values are not recomputed "
                             "(run a single point for verified digits)", "precision"))
    return Batch(inputs=inputs, value=as_array(outcome.value), derivatives=tuple(derivatives),
                 warnings=tuple(warnings))


def _run(plan: Plan, inputs: Mapping[str, Any]) -> Any:
    """One run of the plan's program on a fresh tape, the 0-times-infinity record emptied."""
    ops.ZERO_TIMES_INFINITY.clear()
    return execute(plan.program, inputs, plan.let, plan.of, plan.limits, plan.wrt)


def _warnings(outcome: Any, derivatives: Sequence[Derivative],
              inputs: Mapping[str, Any]) -> list[str]:
    """The program's warnings, then what the run itself shows: inputs the value ignores,
    a 0 taken for zero times infinity, and where a nan value began."""
    warnings = [*outcome.warnings, *unused_input_warnings(derivatives, inputs)]
    if ops.ZERO_TIMES_INFINITY:
        warnings.append(ZERO_TIMES_INFINITY_NOTE)
    undefined = undefined_value(outcome.tape, outcome.value)
    if undefined is not None:
        warnings.append(undefined)
    return warnings


def undefined_note(plan: Plan, inputs: Mapping[str, Any]) -> Note | None:
    """The "undefined" warning of `undefined_value` for one tape run of the plan."""
    outcome = _run(plan, inputs)
    note = undefined_value(outcome.tape, outcome.value)
    if note is None and outcome.warnings:
        # Nothing recorded (constants only): the run's own word on where nan began.
        note = Note(str(outcome.warnings[0]), "undefined")
    return note


def undefined_value(tape: GradientTape, value: Any) -> Note | None:
    """An "undefined" warning when the value is nan: the first recorded operation that made
    nan of numbers, and where it is defined (its primitive's `domain`)."""
    array = np.asarray(value)
    if array.dtype.kind != "f" or not np.any(np.isnan(array)):
        return None
    for prim, args, _params, out in tape.operations():
        made = np.asarray(out)
        if made.dtype.kind != "f" or not np.any(np.isnan(made)):
            continue
        if any(np.any(np.isnan(np.asarray(a))) for a in args
               if np.asarray(a).dtype.kind == "f"):
            continue  # nan in, nan out: not where it started
        domain = f" (it is defined for {prim.domain})" if prim.domain else ""
        return Note(f"the value is undefined (nan) where {prim.name}() is outside its "
                    f"domain{domain}; derivatives there are gradient rules evaluated outside "
                    "the domain and mean nothing", "undefined")
    return None


def lost_digits(tape: GradientTape) -> Note | None:
    """A "lost-digits" warning when a sum on the tape of rounded operands cancelled more
    than 16 - KEPT_DIGITS digits; None otherwise."""
    records = tape.operations()
    made = {id(out) for *_, out in records}
    worst, which = 0.0, ""
    with np.errstate(all="ignore"):
        for prim, args, params, out in records:
            if prim.name not in CANCELLING or not any(
                    isinstance(a, Tensor) and id(a) in made for a in args):
                continue  # exact operands: the sum is exact, however much it cancels
            values = [np.asarray(a) for a in args]
            if any(v.dtype.kind != "f" for v in values):
                continue
            magnitude = prim.impl(np.abs(values[0]), **params) if prim.name == "reduce_sum" \
                else np.abs(values[0]) + np.abs(values[1])
            result = np.abs(np.asarray(out))
            usable = np.isfinite(magnitude) & (magnitude > 0) & np.isfinite(result)
            if not np.any(usable):
                continue
            ratio = np.where(usable, result, 1.0) / np.where(usable, magnitude, 1.0)
            lost = float(np.max(np.where(ratio > 0, -np.log10(np.maximum(ratio, 1e-300)),
                                         16.0)))
            if lost > worst:
                worst, which = lost, prim.name
    if worst <= 16 - KEPT_DIGITS:
        return None
    digits = min(16, int(math.ceil(worst)))
    return Note(f"float64 lost up to {digits} of its 16 digits in a sum that cancelled "
                f"({which})", "lost-digits")


def reasons(plan: Plan, inputs: Mapping[str, Any]) -> dict[str, str | None]:
    """For each variable of the plan, why the value does not depend on it at this point
    (None where it does), from one tape run."""
    outcome = _run(plan, inputs)
    return {name: _reason(outcome.tape, outcome.value, _source(outcome, name), name)
            for name in plan.wrt}


def session(session: Any, expression: str, wrt: Sequence[str], order: int = 1,
            unconnected: str = "none") -> Result:
    """An expression's value and its partials up to `order` with respect to variables of
    an adcli.lang.session.Session, on the session's tape."""
    order = check_order(order)
    check_named_once(wrt)
    known = session.variables
    for name in wrt:
        if name not in known:
            raise AdcliUsageError(f"the session has no variable '{name}'", parameter="wrt",
                                  name=name,
                                  hint=f"its variables: {', '.join(known) or '(none)'}")
    outcome = session.value_of(expression)
    derivatives = derive(outcome, list(wrt), order, unconnected, pointwise=False)
    return Result(inputs={}, value=as_array(outcome.value), derivatives=tuple(derivatives),
                  warnings=tuple(outcome.warnings))


def derive(outcome: Any, names: Sequence[str], order: int, unconnected: str,
           pointwise: bool) -> list[Derivative]:
    """Every distinct partial up to `order`, each the derivative of the one below it.

    `pointwise` takes gradients of sums (one entry per point of a batch run);
    otherwise each derivative is the full tensor (a Jacobian when non-scalar)."""
    tape: GradientTape = outcome.tape
    value = outcome.value
    sources = {name: _source(outcome, name) for name in names}
    why = {name: _reason(tape, value, sources[name], name) for name in names}
    derivatives: list[Derivative] = []
    current: dict[tuple[str, ...], Any] = {(): value}
    with tape, np.errstate(all="ignore"):
        for k in range(1, order + 1):
            for combo in combinations(names, k):
                missing = next((why[n] for n in combo if why[n]), None)
                if missing and unconnected == "none":
                    shape = () if pointwise else \
                        _derivative_shape(value, [sources[n] for n in combo])
                    derivatives.append(Derivative(combo, k, None, missing, shape=shape))
                    continue
                prefix, source = current.get(combo[:-1]), sources[combo[-1]]
                result = None
                if isinstance(prefix, Tensor) and isinstance(source, Tensor):
                    result = tape.gradient(prefix, source) if pointwise or prefix.shape == () \
                        else tape.jacobian(prefix, source)
                if result is None:
                    shape = np.shape(as_array(value)) if pointwise else \
                        _derivative_shape(value, [sources[n] for n in combo])
                    result = Tensor(np.zeros(shape))
                current[combo] = result
                derivatives.append(Derivative(combo, k, as_array(result)))
    return derivatives


def _derivative_shape(value: Any, sources: Sequence[Any]) -> tuple[int, ...]:
    shape = tuple(np.shape(as_array(value)))
    for s in sources:
        shape += tuple(np.shape(as_array(s)))
    return shape


def _source(outcome: Any, name: str) -> Any:
    if name in outcome.inputs:
        return outcome.inputs[name]
    if name in outcome.variables:
        return outcome.variables[name]
    known = sorted(set(outcome.inputs) | set(outcome.variables))
    raise AdcliUsageError(
        f"cannot differentiate with respect to '{name}': it is neither an input nor a "
        "variable of the program", parameter="wrt", name=name,
        hint=f"known names: {', '.join(known) or '(none)'}",
    )


def _reason(tape: GradientTape, value: Any, source: Any, name: str) -> Note | None:
    if not isinstance(source, Tensor):
        return Note(f"'{name}' does not depend on any input, so the tape never recorded it "
                    "(it is a constant)", "constant")
    if not isinstance(value, Tensor) or not tape.depends(value, source):
        return Note(f"the result does not depend on '{name}'", "unconnected")
    reason = tape.explain(value, source)
    return None if reason is None else Note(reason, "blocked")
