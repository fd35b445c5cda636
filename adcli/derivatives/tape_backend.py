"""The tape backend: derivatives of any order by differentiating gradient tapes again.

One responsibility: execute a `Plan` on adcli.engine's GradientTape. The program
runs once on a persistent tape watching its inputs (and the variables in `wrt`);
each order-k partial is the gradient (a Jacobian for a tensor) of the order-(k-1)
partial below it, recorded on the same tape so that it can be differentiated again.
A Jacobian is one pass with a batch of seeds, forward or reverse by shape or as the
plan's `mode` says; a Hessian is forward-over-reverse. `Result.mode` says which ran.
A first derivative by a vector input that comes out diagonal carries a "diagonal"
note: the user most likely wanted the derivative at each of many points.
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
passes alike, with a running error bound (`lost_digits`), and a result that may have
lost more than 16 - KEPT_DIGITS digits carries a "lost-digits" warning
(adcli.derivatives.compute then recomputes it).

Imports adcli.derivatives.program and .results, and adcli.engine.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from adcli.derivatives import request_size
from adcli.derivatives.plan import Plan, check_named_once, check_order
from adcli.derivatives.program import as_array, as_value, execute
from adcli.derivatives.results import (
    Batch,
    Derivative,
    Note,
    Result,
    combinations,
    unused_input_warnings,
)
from adcli.engine import ops
from adcli.engine.lazy_numpy import float_errors_ignored, np
from adcli.engine.primitives import TooMuchMemory, memory_limit
from adcli.engine.tape import GradientTape, choose_mode
from adcli.engine.tensor import Tensor
from adcli.errors import AdcliUsageError
from adcli.lang import default_limits
from adcli.lang.interpreter import memory_error
from adcli.lang.time_limit import doing

ZERO_TIMES_INFINITY_NOTE = Note(
    "a derivative went through a zero local derivative times an infinite incoming one "
    "(as d/dx of 1/x^2 at 0 does); adcli takes that as 0, and the true derivative there "
    "may be infinite or undefined", "convention")
KEPT_DIGITS = 12  # float64 may lose 4 of its ~16 digits before a result is recomputed


def point(plan: Plan, inputs: Mapping[str, np.ndarray]) -> Result:
    """The value and every distinct partial up to `plan.order` at one point."""
    outcome = _run(plan, inputs)
    _check_size(plan, outcome, inputs)
    modes: list[str] = []
    results: list[Any] = [outcome.value]
    limits = plan.limits or default_limits()
    try:
        with doing("computing the derivatives on the tape"), \
                memory_limit(limits.max_memory_mb << 20):
            derivatives = derive(outcome, plan.wrt, plan.order, plan.unconnected,
                                 pointwise=False, mode=plan.mode, modes=modes,
                                 results=results)
    except TooMuchMemory as error:
        raise memory_error(error) from None
    warnings = _warnings(outcome, derivatives, inputs)
    if plan.verify:
        lost = lost_digits(outcome.tape, results)
        if lost is not None:
            warnings.append(lost)
    warnings.extend(diagonal_hints(derivatives, inputs))
    return Result(inputs=dict(inputs), value=as_value(outcome.value),
                  derivatives=tuple(derivatives), warnings=tuple(warnings), engine="tape",
                  variables={k: as_value(v) for k, v in outcome.variables.items()},
                  mode=describe_modes(modes))


def vectorized(plan: Plan, columns: Mapping[str, np.ndarray]) -> Batch | None:
    """Every point at once, the inputs as vectors (points along axis 0), when the value
    and every derivative come out with one number per point; else None."""
    inputs = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in columns.items()}
    n = len(next(iter(inputs.values())))
    outcome = _run(plan, inputs)
    _check_size(plan, outcome, inputs, points=n)
    if np.shape(as_array(outcome.value)) != (n,):
        return None
    # The points do not interact (the caller checks), so the gradient of the sum is
    # the derivative at every point.
    modes: list[str] = []
    results: list[Any] = [outcome.value]
    derivatives = derive(outcome, plan.wrt, plan.order, plan.unconnected, pointwise=True,
                         modes=modes, results=results)
    if any(d.value is not None and np.shape(d.value) != (n,) for d in derivatives):
        return None
    warnings = _warnings(outcome, derivatives, inputs)
    lost = lost_digits(outcome.tape, results)
    if lost is not None:
        warnings.append(Note(f"{lost} at some points; those values are not recomputed "
                             "(run a single point for verified digits)", "precision"))
    return Batch(inputs=inputs, value=as_array(outcome.value), derivatives=tuple(derivatives),
                 warnings=tuple(warnings), mode=describe_modes(modes))


def _check_size(plan: Plan, outcome: Any, inputs: Mapping[str, Any],
                points: int = 1) -> None:
    """Refuse, before any backward pass, derivatives that would hold too many numbers
    for the value the run made, or nested passes that would record too many operations
    (adcli/derivatives/request_size.py)."""
    _check_outcome(outcome, inputs, plan.wrt, plan.order, plan.limits or default_limits(),
                   points)


def _check_outcome(outcome: Any, inputs: Mapping[str, Any], wrt: Sequence[str], order: int,
                   limits: Any, points: int = 1) -> None:
    """`_check_size` for a run's outcome, its inputs and the variables `wrt`."""
    value = outcome.value
    shape = () if not isinstance(value, Tensor) or type(value._v) in (float, bool) \
        else tuple(np.shape(value._v))[1 if points > 1 else 0:]
    skip = 1 if points > 1 else 0  # a batch's points run along axis 0
    shapes = {name: () if isinstance(v, (float, bool)) else tuple(np.shape(v))[skip:]
              for name, v in inputs.items()}
    for name in wrt:
        variable = outcome.variables.get(name)
        if name not in shapes and isinstance(variable, Tensor):
            stored = variable._v
            shapes[name] = () if isinstance(stored, (float, bool)) else \
                tuple(np.shape(stored))[skip:]
    request_size.check_request(wrt, shapes, order, limits, value_shape=shape)
    request_size.check_tape(len(outcome.tape.operations()), wrt, order, limits)


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
    stored = value._v if isinstance(value, Tensor) else value
    if (type(stored) is float and stored == stored) or type(stored) is bool:
        return None  # a number (the scalar path: no numpy)
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


def lost_digits(tape: GradientTape, results: Sequence[Any] | None = None) -> Note | None:
    """A "lost-digits" warning when a result on the tape may have lost more than
    16 - KEPT_DIGITS of its digits; None otherwise.

    A running error bound (Wilkinson's running error analysis; Higham, "Accuracy and
    Stability of Numerical Algorithms", sec. 3.3), to first order: every recorded tensor
    carries a bound E on its absolute error, made of its operands' bounds carried through
    the operation and one rounding of its own, u |out| (u = 2^-53). A long sum is caught
    too: 10^5 additions of sin(1) lose 4 real digits, which a bound of n u sees. Scalars,
    the common case, take plain floats (numpy per operation would cost more than the
    run). Inputs and constants
    are exact (E = 0), so a sum of exact operands is exact however much it cancels
    (Sterbenz's lemma). Sums, products and quotients carry bounds exactly to first order;
    linear rearrangements (reshape, indexing, reduce_sum, matmul, ...) carry them through
    themselves; any other operation carries its operands' largest relative error (a
    condition number of 1). A result r lost log10(E / (u |r|)) digits: so a sum that
    cancels matters by how large the result is, not by how small the sum is (sin(x)e^x/2
    minus itself on the way to e cos(x)/2 loses nothing). `results` are the tensors to
    judge (the value and the derivatives); None judges every tensor no record reads."""
    records = tape.operations()
    bound: dict[int, np.ndarray] = {}
    read: set[int] = set()
    local = 0.0  # digits lost by the sums of tensors too large to carry bounds
    made = {id(out) for *_, out in records}
    with float_errors_ignored():
        for prim, args, params, out in records:
            for a in args:
                read.add(id(a))
            errors = [bound.get(id(a)) for a in args]
            raw = out._v
            if type(raw) is float:
                scalar = _scalar_carried(prim.name, args, errors, raw)
                if scalar is not None:
                    rounding = _scalar_rounding(prim.name, args, raw)
                    if rounding is None:
                        rounding = _rounding(prim.name, args, raw)
                    bound[id(out)] = scalar + rounding
                    continue
                raw = out._value
            if type(raw) is np.ndarray and raw.shape == () and raw.dtype.kind == "f":
                scalar = _scalar_carried(prim.name, args, errors, float(raw))
                if scalar is not None:
                    bound[id(out)] = scalar + _rounding(prim.name, args, float(raw))
                    continue
            value = np.asarray(out)
            if value.dtype.kind != "f":
                continue
            if value.size > _LARGE:
                # Too large to carry bounds through at a tolerable cost (a batched
                # Jacobian pass): a sum is judged by itself, as it cancels.
                rounded = any(isinstance(a, Tensor) and id(a) in made for a in args)
                local = max(local, _cancelled(prim.name, args, value, rounded))
                continue
            if all(e is None for e in errors):
                carried = 0.0  # exact operands
            else:
                carried = _carried(prim.name, args, errors, value, params)
            bound[id(out)] = carried + _rounding(prim.name, args, value)
        judged = [r for r in results if isinstance(r, Tensor)] if results is not None else \
            [out for *_, out in records if id(out) not in read]
        worst = local
        for tensor in judged:
            error = bound.get(id(tensor))
            if error is None:
                continue
            if type(tensor._v) is float and type(error) is float:
                # A scalar, in plain floats (the scalar path: no numpy).
                magnitude = abs(tensor._v)
                if math.isfinite(error) and math.isfinite(magnitude) and error > 0:
                    lost = 16.0 if magnitude == 0 else \
                        math.log10(max(error / (_UNIT * magnitude), 1.0))
                    worst = max(worst, lost)
                continue
            magnitude = np.abs(np.asarray(tensor))
            error = np.broadcast_to(error, magnitude.shape)
            usable = np.isfinite(error) & np.isfinite(magnitude) & (error > 0)
            if not np.any(usable):
                continue
            relative = error[usable] / (_UNIT * magnitude[usable])
            lost = 16.0 if np.any(magnitude[usable] == 0) else \
                math.log10(max(float(relative.max()), 1.0))
            worst = max(worst, lost)
    if worst <= 16 - KEPT_DIGITS:
        return None
    digits = min(16, int(math.ceil(worst)))
    return Note(f"float64 lost up to {digits} of its 16 digits to rounding (a sum that "
                "cancelled)", "lost-digits")


_UNIT = 2.0 ** -53  # the unit roundoff of float64
_LARGE = 1 << 16  # entries above which a tensor's sums are judged by themselves


def _cancelled(name: str, args: Sequence[Any], value: np.ndarray, rounded: bool) -> float:
    """Digits a large sum of rounded operands lost by cancelling: -log10 of the least
    |a + b| / (|a| + |b|) over its nonzero entries (a batched pass is mostly zeros);
    0 for any other operation, or for exact operands (`rounded` False)."""
    if name not in ("add", "subtract") or len(args) != 2 or not rounded:
        return 0.0
    magnitude = np.abs(np.asarray(args[0])) + np.abs(np.asarray(args[1]))
    nonzero = magnitude > 0
    if not np.any(nonzero):
        return 0.0
    ratio = np.abs(value)[nonzero] / magnitude[nonzero] if magnitude.shape == value.shape \
        else np.abs(value) / np.where(nonzero, magnitude, 1.0)
    ratio = ratio[np.isfinite(ratio)]
    if not ratio.size:
        return 0.0
    least = float(ratio.min())
    return 16.0 if least == 0 else -math.log10(least)


def _rounding(name: str, args: Sequence[Any], value: Any) -> Any:
    """The rounding error of one operation: for a sum or difference exactly, by Knuth's
    TwoSum (s = a + b; b' = s - a; err = (a - (s - b')) + (b - b')), so that sums that
    round nothing (x + x + ... of whole numbers) add nothing; else u |value|."""
    if name in ("add", "subtract") and len(args) == 2:
        a = np.asarray(args[0]) if not isinstance(args[0], Tensor) else args[0]._value
        b = np.asarray(args[1]) if not isinstance(args[1], Tensor) else args[1]._value
        if name == "subtract":
            b = -b
        if np.shape(a) == np.shape(b) == np.shape(value) or np.ndim(value) == 0:
            with float_errors_ignored():
                b_virtual = value - a
                error = np.abs((a - (value - b_virtual)) + (b - b_virtual))
            if np.all(np.isfinite(error)):
                return float(error) if np.ndim(error) == 0 else error
    return _UNIT * np.abs(value)
# Operations that rearrange or sum their one float operand: its error bound goes
# through the operation itself.
_LINEAR = frozenset({
    "reshape", "transpose", "getitem", "gather_index", "expand_dims", "squeeze",
    "broadcast_to", "tile", "reduce_sum", "reduce_mean", "identity", "positive",
    "negative", "diag", "diag_part", "trace",
})


def _scalar_rounding(name: str, args: Sequence[Any], value: float) -> float | None:
    """`_rounding` for a float result of float operands, in plain floats (the same
    numbers); None where an operand is not a Python float."""
    if name in ("add", "subtract") and len(args) == 2:
        a = args[0]._v if isinstance(args[0], Tensor) else args[0]
        b = args[1]._v if isinstance(args[1], Tensor) else args[1]
        if type(a) is not float or type(b) is not float:
            return None
        if name == "subtract":
            b = -b
        b_virtual = value - a
        error = abs((a - (value - b_virtual)) + (b - b_virtual))
        if math.isfinite(error):
            return error
    return _UNIT * abs(value)


def _scalar_carried(name: str, args: Sequence[Any], errors: list[Any],
                    value: float) -> float | None:
    """`_carried` for operands that are all scalars with scalar bounds, in plain floats
    (the same numbers); None where it does not apply."""
    if all(e is None for e in errors):
        return 0.0
    if any(x is not None and type(x) is not float for x in errors):
        return None
    try:
        e = [0.0 if x is None else x for x in errors]
        v = [abs(float(a._v if isinstance(a, Tensor) else a)) for a in args]
    except (TypeError, ValueError):
        return None
    if name in ("add", "subtract"):
        return e[0] + e[1]
    if name == "multiply":
        return v[1] * e[0] + v[0] * e[1]
    if name == "divide":
        return e[0] / v[1] + v[0] * e[1] / (v[1] * v[1]) if v[1] else math.inf
    if name in ("negative", "positive", "identity"):
        return e[0]
    if name in _LINEAR or name in ("matmul", "concat", "stack"):
        return None
    # Any other operation: `_carried`'s rule, its first bounded operand's relative error.
    k = next(k for k, x in enumerate(errors) if x is not None)
    if v[k] > 0:
        return abs(value) * (e[k] / v[k])
    return abs(value) * 0.0 + (e[k] if e[k] > 0 else 0.0)


def _carried(name: str, args: Sequence[Any], errors: list[Any], value: np.ndarray,
             params: Mapping[str, Any]) -> Any:
    """The operands' error bounds carried through one operation, to first order."""
    def e(k: int) -> Any:
        return 0.0 if errors[k] is None else errors[k]

    def v(k: int) -> np.ndarray:
        return np.abs(np.asarray(args[k]))

    try:
        if name in ("add", "subtract"):
            return e(0) + e(1)
        if name == "multiply":
            return v(1) * e(0) + v(0) * e(1)
        if name == "divide":
            return e(0) / v(1) + v(0) * e(1) / (v(1) * v(1))
        if name == "matmul":
            return np.matmul(v(0), np.broadcast_to(e(1), np.shape(args[1]))) + \
                np.matmul(np.broadcast_to(e(0), np.shape(args[0])), v(1))
        if name in _LINEAR and errors[0] is not None and len(args) >= 1:
            from adcli.engine.primitives import PRIMITIVES

            rest = [np.asarray(a) for a in args[1:]]
            carried = PRIMITIVES[name].impl(np.broadcast_to(e(0), np.shape(args[0])),
                                            *rest, **params)
            return np.abs(np.asarray(carried))
        if name in ("concat", "stack") and len(args) == len(errors):
            from adcli.engine.primitives import PRIMITIVES

            parts = [np.broadcast_to(e(k), np.shape(args[k])) for k in range(len(args))]
            return PRIMITIVES[name].impl(*parts, **params)
    except (ValueError, TypeError, KeyError):
        pass
    # Any other operation: its operands' largest relative error, as if well conditioned.
    relative = 0.0
    for k, error in enumerate(errors):
        if error is None:
            continue
        magnitude = v(k)
        if np.shape(error) == magnitude.shape and magnitude.shape == value.shape:
            ratio = np.where(magnitude > 0, np.asarray(error) / np.where(magnitude > 0,
                                                                         magnitude, 1.0), 0.0)
            zero = (magnitude == 0) & (np.asarray(error) > 0)
            return np.abs(value) * ratio + np.where(zero, error, 0.0)
        finite = np.asarray(error)[np.isfinite(np.asarray(error))]
        big = np.broadcast_to(magnitude, np.shape(error))[np.isfinite(np.asarray(error))] \
            if np.shape(error) else magnitude
        with float_errors_ignored():
            ratios = finite / np.where(big > 0, big, np.inf) if np.size(finite) else [0.0]
        relative = max(relative, float(np.max(ratios)) if np.size(ratios) else 0.0)
    return np.abs(value) * relative


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
    # As for a program: the partials are counted before the run, and what they hold and
    # the operations of their nested passes after it, before any backward pass.
    request_size.check_request(list(wrt), {}, order, session.limits)
    outcome = session.value_of(expression, list(wrt))
    _check_outcome(outcome, {}, list(wrt), order, session.limits)
    derivatives = derive(outcome, list(wrt), order, unconnected, pointwise=False)
    return Result(inputs={}, value=as_array(outcome.value), derivatives=tuple(derivatives),
                  warnings=tuple(outcome.warnings)).with_arrays()


def derive(outcome: Any, names: Sequence[str], order: int, unconnected: str,
           pointwise: bool, mode: str = "auto", modes: list[str] | None = None,
           results: list[Any] | None = None) -> list[Derivative]:
    """Every distinct partial up to `order`, each the derivative of the one below it.

    `pointwise` takes gradients of sums (one entry per point of a batch run);
    otherwise each derivative is the full tensor: a gradient (reverse mode) of a
    single value, else a Jacobian in one pass, in forward or reverse mode as `mode`
    says ("auto": by shape, adcli.engine.tape.choose_mode; so a Hessian is
    forward-over-reverse). `modes`, when given, gets the mode of each order, in order
    ("forward and reverse" when its partials took both). `mode` is for the last order
    (the Jacobian asked for); lower orders go by shape. `results`, when given, gets
    each derivative's tensor (for `lost_digits`)."""
    tape: GradientTape = outcome.tape
    value = outcome.value
    sources = {name: _source(outcome, name) for name in names}
    why = {name: _reason(tape, value, sources[name], name) for name in names}
    derivatives: list[Derivative] = []
    current: dict[tuple[str, ...], Any] = {(): value}
    with tape, float_errors_ignored():
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
                    # `mode` is for the derivative asked for, the last order (a Hessian's
                    # Jacobian of the gradient); the orders below it go by shape.
                    wanted = mode if k == order else "auto"
                    used = "reverse" if pointwise else choose_mode(prefix.size, source.size,
                                                                    wanted)
                    if pointwise or (prefix.shape == () and wanted != "forward"):
                        # A single value's derivative is its gradient: one seed.
                        used = "reverse"
                        result = tape.gradient(prefix, source)
                    else:
                        result = tape.jacobian(prefix, source, mode=used)
                    if modes is not None:
                        _note_mode(modes, k, used)
                if result is None:
                    shape = np.shape(as_array(value)) if pointwise else \
                        _derivative_shape(value, [sources[n] for n in combo])
                    result = Tensor(np.zeros(shape))
                current[combo] = result
                if results is not None:
                    results.append(result)
                derivatives.append(Derivative(combo, k, as_value(result)))
    return derivatives


def _note_mode(modes: list[str], order: int, used: str) -> None:
    while len(modes) < order:
        modes.append("")
    seen = modes[order - 1]
    if not seen:
        modes[order - 1] = used
    elif used not in seen.split(" and "):
        modes[order - 1] = "forward and reverse"


def describe_modes(modes: Sequence[str]) -> str | None:
    """The modes of the orders, highest first: "forward" or "reverse" for a gradient or
    a Jacobian, "forward-over-reverse" for a Hessian whose second order ran forward;
    None when nothing was differentiated."""
    used = [m for m in modes if m]
    if not used:
        return None
    return "-over-".join(reversed(used))


def diagonal_hints(derivatives: Sequence[Derivative], inputs: Mapping[str, Any]) -> list[Note]:
    """A "hint" note for each first derivative by a vector input of two or more entries
    that is a diagonal Jacobian (each entry of the value depends on the same entry of
    the input only, as in an elementwise program): the derivative at each of many
    points is its diagonal, which a range of points gives directly."""
    hints = []
    for d in derivatives:
        if d.order != 1 or d.value is None or d.wrt[0] not in inputs \
                or isinstance(inputs[d.wrt[0]], (float, bool)):
            continue
        point = np.asarray(inputs[d.wrt[0]])
        jacobian = np.asarray(d.value)
        n = point.size
        if point.ndim != 1 or n < 2 or jacobian.shape != (n, n) \
                or jacobian.dtype.kind not in "fc":
            continue
        if np.count_nonzero(jacobian) != np.count_nonzero(np.diagonal(jacobian)):
            continue
        name = d.wrt[0]
        hints.append(Note(
            f"the derivative by '{name}' is a diagonal {n}x{n} Jacobian: each entry of the "
            f"value depends only on the same entry of {name}. For the derivative at "
            f"each of {n} points, give them as points, not as one vector (on the command "
            f"line {_range_hint(name, point)}; in Python, differentiate_batch)",
            "diagonal"))
    return hints


def _range_hint(name: str, point: np.ndarray) -> str:
    """`--at x=0:1:2000` when the entries are evenly spaced, else the general form."""
    n = point.size
    start, stop = float(point[0]), float(point[-1])
    if point.dtype.kind in "fi" and np.allclose(point, np.linspace(start, stop, n),
                                                rtol=1e-12, atol=1e-12 * max(1.0, abs(stop))):
        return f"--at {name}={_short(start)}:{_short(stop)}:{n}"
    return f"--at {name}=START:STOP:COUNT or --points FILE"


def _short(value: float) -> str:
    text = f"{value:g}"
    return text if float(text) == value else repr(value)


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
