"""What the CLI and the REPL share: evaluate a program, and differentiate it to order N.

One responsibility: turn (program text, input values, what to differentiate) into
plain results (`Result`, `Derivative`, `TapeRow`, `CheckRow`) holding numpy
values, ready to render. No text formatting happens here and no CLI library is
imported. Imports adcli.lang (which runs programs on the tape) and adcli.engine.

Derivatives are full derivative tensors: the order-k derivative of a value of
shape V with respect to inputs of shapes S1..Sk has shape V + S1 + ... + Sk (a
gradient for a scalar program, a Jacobian for a vector one, a Hessian at order 2).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor
from adcli.errors import AdcliError, AdcliNameError, AdcliUsageError

UNCONNECTED = ("none", "zero")


@dataclass(frozen=True)
class Derivative:
    """One derivative: d^order f / d wrt[0] ... d wrt[-1], or None with the reason."""

    wrt: tuple[str, ...]
    order: int
    value: np.ndarray | None
    reason: str | None = None


@dataclass(frozen=True)
class Result:
    """A program's value at one point, its derivatives, and what went wrong on the way."""

    inputs: dict[str, np.ndarray]
    value: np.ndarray
    derivatives: tuple[Derivative, ...] = ()
    warnings: tuple[str, ...] = ()
    engine: str = "tape"
    variables: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class TapeRow:
    """One recorded operation, or an input, as `adcli tape` shows it."""

    index: int
    operation: str
    inputs: tuple[str, ...]
    value: np.ndarray
    adjoint: np.ndarray | None
    name: str | None = None


@dataclass(frozen=True)
class CheckRow:
    """An automatic derivative beside its finite-difference estimate."""

    wrt: tuple[str, ...]
    order: int
    automatic: np.ndarray | None
    numeric: np.ndarray | None
    relative_error: float
    ok: bool


def _as_array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        value = value._value
    return np.asarray(value, dtype=np.float64) if np.result_type(value).kind in "iu" \
        else np.asarray(value)


def _inputs(at: Mapping[str, Any] | None, let: Mapping[str, Any] | None = None,
            ) -> dict[str, np.ndarray]:
    """Input values as arrays: numbers, nested lists, arrays, tensors, or expression
    texts such as "pi/4" (evaluated); anything else is a usage error naming the input."""
    arrays = {}
    for name, value in (at or {}).items():
        try:
            if isinstance(value, str):
                arrays[name] = parse_value(value, let)
                continue
            array = _as_array(value)
        except AdcliError as error:
            raise AdcliUsageError(f"the value of input '{name}', {value!r}, cannot be "
                                  f"evaluated: {error.message}") from None
        except (TypeError, ValueError) as error:
            raise AdcliUsageError(f"the value of input '{name}' must be a number, a nested "
                                  f"list of numbers or an array ({error})") from None
        if array.dtype.kind not in "fcb":
            raise AdcliUsageError(f"the value of input '{name}' must be numbers, not "
                                  f"{array.dtype.name} ({value!r})")
        arrays[name] = array
    return arrays


@dataclass(frozen=True)
class Program:
    """A parsed program with its text, so that errors can show the offending line."""

    source: str
    tree: Any


def parse_program(text: str, limits: Any = None) -> Program:
    """Parse program text once, to run it many times (raises AdcliSyntaxError)."""
    from adcli.lang import parse

    try:
        return Program(text, parse(text, limits))
    except AdcliError as error:
        raise error.with_source(text) from None


def _program(program: str | Program) -> Program:
    return parse_program(program) if isinstance(program, str) else program


def _run(program: str | Program, inputs: Mapping[str, Any], let: Mapping[str, Any] | None,
         of: str | None, limits: Any, watch: Sequence[str] = ()) -> Any:
    from adcli.lang import run

    parsed = _program(program)
    try:
        return run(parsed.tree, inputs=inputs, constants=dict(let or {}), of=of, limits=limits,
                   watch=tuple(watch), source=parsed.source)
    except AdcliNameError as error:
        if error.unknown is None:
            raise
        raise MissingInputError(error.unknown, error) from None


class MissingInputError(AdcliUsageError):
    """The program reads a name that is neither assigned, a builtin, an input nor a
    constant: the caller forgot to give it (a usage error, not an evaluation error)."""

    def __init__(self, name: str, error: AdcliError) -> None:
        close = error.message.partition(";")[2].strip()
        super().__init__(
            f"missing input '{name}': the program reads it, but it has no value"
            + (f" ({close})" if close else ""),
            error.span, error.source,
            hint=f"give it with --at {name}=VALUE (an input to differentiate) "
                 f"or --let {name}=VALUE (a constant)")
        self.name = name
        self.original = error


def combinations(names: Sequence[str], order: int) -> list[tuple[str, ...]]:
    """The distinct order-k partials in contract order: x before y gives xx, xy, yy."""
    return [tuple(names[i] for i in combo)
            for combo in itertools.combinations_with_replacement(range(len(names)), order)]


def evaluate(program: Any, at: Mapping[str, Any] | None = None,
             let: Mapping[str, Any] | None = None, of: str | None = None,
             limits: Any = None) -> Result:
    """The value of `program` with inputs `at` and constants `let` (nothing is watched)."""
    inputs = _inputs(at, let)
    outcome = _run(program, inputs, let, of, limits)
    return Result(inputs=inputs, value=_as_array(outcome.value),
                  warnings=tuple(outcome.warnings),
                  variables={k: _as_array(v) for k, v in outcome.variables.items()})


def differentiate(
    program: Any,
    at: Mapping[str, Any],
    wrt: Sequence[str] | None = None,
    order: int = 1,
    let: Mapping[str, Any] | None = None,
    of: str | None = None,
    unconnected: str = "none",
    limits: Any = None,
    engine: str = "auto",
    precision: int | None = None,
    direction: Mapping[str, Any] | None = None,
) -> Result:
    """The value and every distinct partial derivative up to `order`.

    `wrt` names inputs or intermediate variables (default: every input, in order).
    A derivative is None only when the value does not depend on one of its
    variables at all (then `reason` says why), unless `unconnected="zero"`.
    `engine`: "tape" (nested tape passes), "taylor" (Taylor mode: scalar inputs, or
    derivatives along `direction`, a mapping input -> direction; mixed partials of
    several inputs by interpolating directional series, engine "taylor (interpolated)"),
    or "auto": the tape for orders 1 and 2, Taylor mode above where it applies;
    `Result.engine` says which ran. `precision` (decimal digits, Taylor mode with
    mpmath) gives Decimal values; then `at` values may be expression texts such as
    "pi/4", taken at that precision.
    """

    if unconnected not in UNCONNECTED:
        raise AdcliUsageError(f"unconnected must be 'none' or 'zero', not {unconnected!r}")
    if order < 0:
        raise AdcliUsageError(f"the order must be 0 or more, not {order}")
    if engine != "tape" or precision is not None or direction:
        parsed = _program(program)
        names = list(wrt) if wrt else list(at)
        if choose_engine(parsed, engine, order, precision, direction, names, at) == "taylor":
            try:
                result = _taylor_result(parsed, at, names, order, let, of, limits, precision,
                                        direction)
                if unconnected == "none" and not direction:
                    result = _mark_unconnected(result, parsed, at, names, let, of, limits)
                return result
            except AdcliUsageError as error:
                if not _tape_instead(error, engine, precision):
                    raise
        program = parsed
    inputs = _inputs(at, let)
    names = list(wrt) if wrt else list(inputs)
    outcome = _run(program, inputs, let, of, limits, names)
    derivatives = _derive(outcome, names, order, unconnected, pointwise=False)
    value = outcome.value
    warnings = list(outcome.warnings) + _unused_inputs(derivatives, inputs)
    for d in derivatives:
        if d.value is not None and not np.all(np.isfinite(d.value)):
            warnings.append(f"{label(d.wrt)} is not finite ({_nonfinite_word(d.value)})")
    return Result(inputs=inputs, value=_as_array(value), derivatives=tuple(derivatives),
                  warnings=tuple(warnings), engine="tape",
                  variables={k: _as_array(v) for k, v in outcome.variables.items()})


def _derive(outcome: Any, names: Sequence[str], order: int, unconnected: str,
            pointwise: bool) -> list[Derivative]:
    """Every distinct partial up to `order`, each the derivative of the one below it.

    `pointwise` takes gradients of sums (one entry per point of a batch run);
    otherwise each derivative is the full tensor (a Jacobian when non-scalar)."""
    tape: GradientTape = outcome.tape
    value = outcome.value
    sources = {name: _source(outcome, name) for name in names}
    reasons = {name: _reason(tape, value, sources[name], name) for name in names}
    derivatives: list[Derivative] = []
    current: dict[tuple[str, ...], Any] = {(): value}
    with tape, np.errstate(all="ignore"):
        for k in range(1, order + 1):
            for combo in combinations(names, k):
                missing = next((reasons[n] for n in combo if reasons[n]), None)
                if missing and unconnected == "none":
                    derivatives.append(Derivative(combo, k, None, missing))
                    continue
                prefix, source = current.get(combo[:-1]), sources[combo[-1]]
                result = None
                if isinstance(prefix, Tensor) and isinstance(source, Tensor):
                    # In a batch run the points do not interact (the caller checks),
                    # so the gradient of the sum is the derivative at every point.
                    result = tape.gradient(prefix, source) if pointwise or prefix.shape == () \
                        else tape.jacobian(prefix, source)
                if result is None:
                    shape = np.shape(_as_array(value)) if pointwise else \
                        _derivative_shape(value, [sources[n] for n in combo])
                    result = Tensor(np.zeros(shape))
                current[combo] = result
                derivatives.append(Derivative(combo, k, _as_array(result)))
    return derivatives


def _unused_inputs(derivatives: Sequence[Derivative], inputs: Mapping[str, Any]) -> list[str]:
    return [f"the result does not depend on the input '{d.wrt[0]}'" for d in derivatives
            if d.order == 1 and d.value is None and d.wrt[0] in inputs
            and d.reason and "does not depend" in d.reason]


SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def label(wrt: Sequence[str], unicode: bool = False, partial: bool = True,
          function: str = "f") -> str:
    """The name of a derivative, as the warnings, CSV headers, tables and plots show it:
    `df/dx`, `d2f/dxdy`, `d3f/dx2dy`; with unicode `∂²f/∂x∂y` (or `d²f/dx²` when not
    partial, i.e. when there is one variable)."""
    order = len(wrt)
    if order == 0:
        return function
    groups: list[tuple[str, int]] = []
    for name in wrt:
        if groups and groups[-1][0] == name:
            groups[-1] = (name, groups[-1][1] + 1)
        else:
            groups.append((name, 1))
    if unicode:
        d = "∂" if partial else "d"
        power = str(order).translate(SUPERSCRIPTS) if order > 1 else ""
        below = "".join(f"{d}{n}" + (str(c).translate(SUPERSCRIPTS) if c > 1 else "")
                        for n, c in groups)
        return f"{d}{power}{function}/{below}"
    power = str(order) if order > 1 else ""
    below = "".join(f"d{n}" + (str(c) if c > 1 else "") for n, c in groups)
    return f"d{power}{function}/{below}"


def _nonfinite_word(value: np.ndarray) -> str:
    return "nan" if np.any(np.isnan(value)) else "infinite"


def _derivative_shape(value: Any, sources: Iterable[Any]) -> tuple[int, ...]:
    shape = tuple(np.shape(_as_array(value)))
    for s in sources:
        shape += tuple(np.shape(_as_array(s)))
    return shape


def _source(outcome: Any, name: str) -> Any:
    if name in outcome.inputs:
        return outcome.inputs[name]
    if name in outcome.variables:
        return outcome.variables[name]
    known = sorted(set(outcome.inputs) | set(outcome.variables))
    raise AdcliUsageError(
        f"cannot differentiate with respect to '{name}': it is neither an input nor a "
        "variable of the program",
        hint=f"known names: {', '.join(known) or '(none)'}",
    )


def _reason(tape: GradientTape, value: Any, source: Any, name: str) -> str | None:
    if not isinstance(source, Tensor):
        return (f"'{name}' does not depend on any input, so the tape never recorded it "
                "(it is a constant)")
    if not isinstance(value, Tensor):
        return f"the result does not depend on '{name}'"
    reason = tape.explain(value, source)
    if reason == "the result does not depend on it":
        return f"the result does not depend on '{name}'"
    return reason


def jacobian(program: Any, at: Mapping[str, Any], wrt: Sequence[str] | None = None,
             let: Mapping[str, Any] | None = None, of: str | None = None,
             unconnected: str = "none", limits: Any = None) -> Result:
    """The value and its Jacobian with respect to each `wrt` variable."""
    return differentiate(program, at, wrt, 1, let, of, unconnected, limits)


def hessian(program: Any, at: Mapping[str, Any], wrt: Sequence[str] | None = None,
            let: Mapping[str, Any] | None = None, of: str | None = None,
            limits: Any = None) -> tuple[Result, np.ndarray, list[tuple[str, int | None]]]:
    """The Hessian of a scalar program as one matrix over all entries of the `wrt` inputs.

    Returns the result (value, gradient, second partials) and the assembled
    matrix with one row/column per scalar entry, labelled (name, flat index)."""
    result = differentiate(program, at, wrt, 2, let, of, "zero", limits)
    if result.value.size != 1:
        raise AdcliUsageError(
            f"hessian needs a scalar program, but its value has shape {result.value.shape}",
            hint="use `adcli jacobian` for vector-valued programs",
        )
    names = list(wrt) if wrt else list(result.inputs)
    sizes = {n: int(np.prod(_wrt_shape(result, n))) for n in names}
    offsets = dict(zip(names, itertools.accumulate([0] + [sizes[n] for n in names]),
                       strict=False))
    total = sum(sizes.values())
    matrix = np.zeros((total, total))
    for d in result.derivatives:
        if d.order != 2:
            continue
        a, b = d.wrt
        block = np.asarray(d.value).reshape(sizes[a], sizes[b])
        matrix[offsets[a]:offsets[a] + sizes[a], offsets[b]:offsets[b] + sizes[b]] = block
        matrix[offsets[b]:offsets[b] + sizes[b], offsets[a]:offsets[a] + sizes[a]] = block.T
    labels = [(n, None if sizes[n] == 1 and _wrt_shape(result, n) == () else i)
              for n in names for i in range(sizes[n])]
    return result, matrix, labels


def _wrt_shape(result: Result, name: str) -> tuple[int, ...]:
    if name in result.inputs:
        return result.inputs[name].shape
    return np.shape(result.variables.get(name, np.zeros(())))


def tape_rows(program: Any, at: Mapping[str, Any], let: Mapping[str, Any] | None = None,
              of: str | None = None, limits: Any = None) -> tuple[Result, list[TapeRow]]:
    """The recorded tape of one run, one row per input and operation, with adjoints."""
    inputs = _inputs(at, let)
    outcome = _run(program, inputs, let, of, limits)
    tape: GradientTape = outcome.tape
    records = list(tape._records)
    value = outcome.value
    input_tensors = [(name, t) for name, t in outcome.inputs.items() if isinstance(t, Tensor)]
    everything = [t for _, t in input_tensors] + [out for *_, out in records]
    adjoints: list[Any] = [None] * len(everything)
    if isinstance(value, Tensor) and everything:
        with np.errstate(all="ignore"):
            adjoints = tape.gradient(value, everything)
    names = {}
    for name, v in outcome.variables.items():
        if isinstance(v, Tensor):
            names.setdefault(v._id, name)
    row_of: dict[int, int] = {}
    rows: list[TapeRow] = []
    for index, (name, t) in enumerate(input_tensors):
        row_of[t._id] = index
        rows.append(TapeRow(index, "input", (), _as_array(t),
                            None if adjoints[index] is None else _as_array(adjoints[index]),
                            name))
    for offset, (prim, args, params, out) in enumerate(records):
        index = len(input_tensors) + offset
        row_of[out._id] = index
        described = tuple(_describe_arg(a, row_of) for a in args)
        described += tuple(f"{k}={_short(v)}" for k, v in params.items() if v is not None)
        adjoint = adjoints[index]
        rows.append(TapeRow(index, prim.name, described, _as_array(out),
                            None if adjoint is None else _as_array(adjoint),
                            names.get(out._id)))
    result = Result(inputs=inputs, value=_as_array(value), warnings=tuple(outcome.warnings))
    return result, rows


def _describe_arg(arg: Any, row_of: dict[int, int]) -> str:
    if isinstance(arg, Tensor) and arg._id in row_of:
        return f"#{row_of[arg._id]}"
    return _short(arg._value if isinstance(arg, Tensor) else arg)


def _short(value: Any) -> str:
    array = np.asarray(value) if not isinstance(value, (tuple, str, np.dtype)) else None
    if array is None:
        return str(value)
    if array.size == 1:
        return f"{array.reshape(()).item():.6g}" if array.dtype.kind in "fiu" else str(array)
    return f"tensor{tuple(array.shape)}"


def check(program: Any, at: Mapping[str, Any], wrt: Sequence[str] | None = None,
          order: int = 1, let: Mapping[str, Any] | None = None, of: str | None = None,
          tolerance: float = 1e-6, limits: Any = None) -> tuple[Result, list[CheckRow]]:
    """Automatic derivatives beside central differences with Richardson extrapolation.

    The order-k derivative is compared with the difference quotient of the
    automatic order-(k-1) derivative (order 1: of the value itself), one input
    entry at a time, so that every order is checked against the one below it."""
    program = _program(program)
    inputs = _inputs(at, let)
    names = list(wrt) if wrt else list(inputs)
    for name in names:
        if name not in inputs:
            raise AdcliUsageError(
                f"check differentiates inputs only; '{name}' is not an --at input")
    base = differentiate(program, inputs, names, order, let, of, "zero", limits)
    rows = []
    for d in base.derivatives:
        numeric = _difference_quotient(program, inputs, names, d.wrt, let, of, limits)
        automatic = d.value
        error = _relative_error(automatic, numeric)
        rows.append(CheckRow(d.wrt, d.order, automatic, numeric, error, error <= tolerance))
    return base, rows


def _lower(program: Any, inputs: dict[str, np.ndarray], names: list[str],
           lower: tuple[str, ...], let: Any, of: Any, limits: Any) -> np.ndarray:
    if not lower:
        return evaluate(program, inputs, let, of, limits).value
    result = differentiate(program, inputs, names, len(lower), let, of, "zero", limits)
    return next(d.value for d in result.derivatives if d.wrt == lower)


def _difference_quotient(program: Any, inputs: dict[str, np.ndarray], names: list[str],
                         wrt: tuple[str, ...], let: Any, of: Any, limits: Any) -> np.ndarray:
    lower, last = wrt[:-1], wrt[-1]
    point = inputs[last]
    columns = []

    def shifted(flat: int, step: float) -> np.ndarray:
        moved = dict(inputs)
        entry = point.astype(np.float64).copy()
        entry.reshape(-1)[flat] += step
        moved[last] = entry.reshape(point.shape)
        return _lower(program, moved, names, lower, let, of, limits)

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


@dataclass(frozen=True)
class Batch:
    """Many points at once: every array has the points along axis 0."""

    inputs: dict[str, np.ndarray]
    value: np.ndarray
    derivatives: tuple[Derivative, ...]
    warnings: tuple[str, ...] = ()
    engine: str = "tape"

    def __len__(self) -> int:
        return int(self.value.shape[0])

    def point(self, i: int) -> Result:
        """The i-th point as a Result."""
        return Result(
            inputs={k: v[i] for k, v in self.inputs.items()},
            value=self.value[i],
            derivatives=tuple(Derivative(d.wrt, d.order, None if d.value is None else d.value[i],
                                         d.reason) for d in self.derivatives),
            warnings=self.warnings, engine=self.engine,
        )

    @staticmethod
    def of(results: Sequence[Result]) -> Batch:
        """Stack per-point results (of one program) into a Batch."""
        first = results[0]
        derivatives = []
        for k, d in enumerate(first.derivatives):
            values = [r.derivatives[k].value for r in results]
            stacked = None if any(v is None for v in values) else _stack(values)
            derivatives.append(Derivative(d.wrt, d.order, stacked, d.reason))
        warnings = list(dict.fromkeys(w for r in results for w in r.warnings))
        return Batch(
            inputs={k: _stack([r.inputs[k] for r in results]) for k in first.inputs},
            value=_stack([r.value for r in results]),
            derivatives=tuple(derivatives), warnings=tuple(warnings), engine=first.engine,
        )


def _stack(values: Sequence[np.ndarray]) -> np.ndarray:
    shapes = {np.shape(v) for v in values}
    if len(shapes) != 1:
        raise AdcliError(f"the program's results have different shapes at different points: "
                         f"{sorted(shapes)}")
    return np.stack([np.asarray(v) for v in values])


def differentiate_batch(
    program: Any,
    columns: Mapping[str, np.ndarray],
    wrt: Sequence[str] | None = None,
    order: int = 1,
    let: Mapping[str, Any] | None = None,
    of: str | None = None,
    unconnected: str = "none",
    limits: Any = None,
    engine: str = "auto",
    precision: int | None = None,
    direction: Mapping[str, Any] | None = None,
    exact: Mapping[str, str] | None = None,
) -> Batch:
    """`differentiate` at many points (each input's points along axis 0).

    Scalar inputs are run once as vectors when the program is elementwise: the
    value and every derivative come out with one entry per point, and the first
    and last points are checked against single-point runs. Anything else (control
    flow on the inputs, reductions, tensor inputs) runs point by point. `engine`,
    `precision` and `direction` as in `differentiate`; `exact` maps inputs that are
    the same at every point to their text, evaluated at `precision` digits."""
    program = _program(program)
    n = len(next(iter(columns.values()))) if columns else 1
    if engine != "tape" or precision is not None or direction:
        names = list(wrt) if wrt else list(columns)
        first = {k: v[0] for k, v in columns.items()} if n else {}
        if choose_engine(program, engine, order, precision, direction, names, first) \
                == "taylor":
            try:
                batch = _taylor_batch(program, columns, names, order, let, of, limits,
                                      precision, direction, exact or {})
                if unconnected == "none" and not direction and n:
                    batch = _mark_unconnected(batch, program, first, names, let, of, limits)
                return batch
            except AdcliUsageError as error:
                if not _tape_instead(error, engine, precision):
                    raise
    if n > 1 and all(np.ndim(v) == 1 for v in columns.values()):
        batch = _vectorized(program, columns, wrt, order, let, of, unconnected, limits)
        if batch is not None:
            return batch
    # The tape was chosen above: each point must not choose again.
    results = [differentiate(program, {k: v[i] for k, v in columns.items()}, wrt, order, let,
                             of, unconnected, limits, engine="tape") for i in range(n)]
    return Batch.of(results)


def _vectorized(program: Any, columns: Mapping[str, np.ndarray], wrt: Sequence[str] | None,
                order: int, let: Any, of: Any, unconnected: str, limits: Any) -> Batch | None:
    n = len(next(iter(columns.values())))
    ends = [differentiate(program, {k: v[i] for k, v in columns.items()}, wrt, order, let, of,
                          unconnected, limits, engine="tape") for i in (0, n - 1)]
    if ends[0].value.shape != () or any(
            d.value is not None and np.shape(d.value) != () for d in ends[0].derivatives):
        return None
    try:
        batch = _vectorized_run(program, columns, wrt, order, let, of, unconnected, limits)
    except AdcliError:
        return None
    if batch is None:
        return None
    for i, single in zip((0, n - 1), ends, strict=True):
        if not _same(batch.value[i], single.value):
            return None
        for d_batch, d_single in zip(batch.derivatives, single.derivatives, strict=True):
            if (d_batch.value is None) != (d_single.value is None):
                return None
            if d_batch.value is not None and not _same(d_batch.value[i], d_single.value):
                return None
    return batch


def _same(a: Any, b: Any) -> bool:
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


def _vectorized_run(program: Any, columns: Mapping[str, np.ndarray], wrt: Sequence[str] | None,
                    order: int, let: Any, of: Any, unconnected: str, limits: Any) -> Batch | None:
    inputs = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in columns.items()}
    n = len(next(iter(inputs.values())))
    names = list(wrt) if wrt else list(inputs)
    outcome = _run(program, inputs, let, of, limits, names)
    value = outcome.value
    if np.shape(_as_array(value)) != (n,):
        return None
    derivatives = _derive(outcome, names, order, unconnected, pointwise=True)
    if any(d.value is not None and d.value.shape != (n,) for d in derivatives):
        return None
    warnings = list(outcome.warnings)
    return Batch(inputs=dict(inputs), value=_as_array(value), derivatives=tuple(derivatives),
                 warnings=tuple(warnings))


def concat_batches(batches: Sequence[Batch]) -> Batch:
    """Join batches of one program (chunks of a grid) into one."""
    first = batches[0]
    derivatives = tuple(
        Derivative(d.wrt, d.order,
                   None if any(b.derivatives[k].value is None for b in batches)
                   else np.concatenate([b.derivatives[k].value for b in batches]), d.reason)
        for k, d in enumerate(first.derivatives))
    return Batch(
        inputs={k: np.concatenate([b.inputs[k] for b in batches]) for k in first.inputs},
        value=np.concatenate([b.value for b in batches]), derivatives=derivatives,
        warnings=tuple(dict.fromkeys(w for b in batches for w in b.warnings)),
        engine=first.engine)


def parse_value(text: str, let: Mapping[str, Any] | None = None) -> np.ndarray:
    """The value of an adcli expression such as `pi/4`, `[1, 2]` or `ones(2, 2)`."""
    try:
        return evaluate(text, let=let).value
    except MissingInputError as error:
        raise error.original from None


def differentiate_session(session: Any, expression: str, wrt: Sequence[str], order: int = 1,
                          unconnected: str = "none") -> Result:
    """The REPL's `:grad`: an expression's value and its partials up to `order` with
    respect to variables of an `adcli.lang.session.Session`, on the session's tape."""
    if order < 0:
        raise AdcliUsageError(f"the order must be 0 or more, not {order}")
    known = session.variables
    for name in wrt:
        if name not in known:
            raise AdcliUsageError(f"the session has no variable '{name}'",
                                  hint=f"its variables: {', '.join(known) or '(none)'}")
    outcome = session.evaluate(expression)
    derivatives = _derive(outcome, list(wrt), order, unconnected, pointwise=False)
    return Result(inputs={}, value=_as_array(outcome.value), derivatives=tuple(derivatives),
                  warnings=tuple(outcome.warnings))


def session_tape_rows(session: Any) -> list[TapeRow]:
    """The REPL's `:tape`: the operations the session's last input recorded, as
    `tape_rows` shows a program's, after one input row per earlier tensor they read;
    adjoints are gradients of that input's value (else of the variable it assigned)."""
    step = session.last
    if step is None:
        return []
    tape: GradientTape = session.tape
    records = tape._records[step.records.start:step.records.stop]
    made = {out._id for *_, out in records}
    earlier: dict[int, Tensor] = {}
    for _prim, args, _params, _out in records:
        for arg in args:
            if isinstance(arg, Tensor) and arg._id not in made and arg._id in tape._tracked:
                earlier.setdefault(arg._id, arg)
    everything = list(earlier.values()) + [out for *_, out in records]
    value = step.result
    adjoints: list[Any] = [None] * len(everything)
    if isinstance(value, Tensor) and everything and value.dtype.kind == "f":
        with np.errstate(all="ignore"):
            adjoints = tape.gradient(value, everything)
    names: dict[int, str] = {}
    for name, v in session.variables.items():
        if isinstance(v, Tensor):
            names[v._id] = name  # the latest name wins, as the session sees it now
    row_of: dict[int, int] = {}
    rows: list[TapeRow] = []
    for index, t in enumerate(everything):
        row_of[t._id] = index
        adjoint = None if adjoints[index] is None else _as_array(adjoints[index])
        if index < len(earlier):
            rows.append(TapeRow(index, "input", (), _as_array(t), adjoint, names.get(t._id)))
            continue
        prim, args, params, _out = records[index - len(earlier)]
        described = tuple(_describe_arg(a, row_of) for a in args)
        described += tuple(f"{k}={_short(v)}" for k, v in params.items() if v is not None)
        rows.append(TapeRow(index, prim.name, described, _as_array(t), adjoint,
                            names.get(t._id)))
    return rows


# ---- Taylor mode: derivatives of any order (the work is in adcli.taylor_mode) ----------

ENGINES = ("auto", "tape", "taylor")
DIRECTION_LABEL = "v"  # directional derivatives are labelled d2f/dv2, ...


@dataclass(frozen=True)
class TaylorResult:
    """A program's Taylor polynomial at a point along a direction.

    coefficients[k] = f^(k)(a)[v, ..., v] / k! and derivatives[k] = f^(k)(a)[v, ..., v]
    (k = 0..order, each of the value's shape): float64 arrays, or object arrays of
    decimal.Decimal with `precision` significant digits."""

    inputs: dict[str, np.ndarray]
    direction: dict[str, np.ndarray]
    order: int
    coefficients: np.ndarray
    derivatives: np.ndarray
    precision: int | None = None
    warnings: tuple[str, ...] = ()
    engine: str = "taylor"


def choose_engine(program: Program, engine: str, order: int, precision: int | None,
                  direction: Mapping[str, Any] | None, names: Sequence[str],
                  inputs: Mapping[str, Any]) -> str:
    """"tape" or "taylor" for this job (see `differentiate`), or a usage error saying why
    the engine asked for cannot run it."""
    if engine not in ENGINES:
        raise AdcliUsageError(f"the engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "auto" and precision is None and not direction and order <= 2:
        return "tape"  # the common case, decided without importing Taylor mode
    from adcli import taylor_mode

    reason = None
    if taylor_mode.uses_tape_functions(program.tree):
        reason = "the program calls grad, jacobian or hessian, which need the tape engine"
    elif direction:
        unknown = [name for name in direction if name not in inputs]
        if unknown:
            reason = f"--dir names '{unknown[0]}', which is not an --at input"
    elif order > 0 and (not names or any(name not in inputs for name in names)
                        or any(np.ndim(_as_input(inputs[name])) != 0 for name in names)):
        reason = ("Taylor mode gives the derivatives of scalar inputs (mixed partials of "
                  "several by interpolating directional series), or derivatives along a "
                  "direction (--dir); derivatives with respect to tensors or variables of "
                  "the program use the tape engine")
    if engine == "tape":
        if precision is not None or direction:
            raise AdcliUsageError("--precision and --dir need Taylor mode: use --engine "
                                  "taylor or auto")
        return "tape"
    if engine == "taylor" or precision is not None or direction:
        if reason:
            raise AdcliUsageError(reason)
        return "taylor"
    # Measured (bench/bench_mixed.py): from order 3 on, interpolating directional series
    # beats nested tapes for several inputs too, as one series beats them for one.
    return "tape" if order <= 2 or reason else "taylor"


def _tape_instead(error: AdcliUsageError, engine: str, precision: int | None) -> bool:
    """True when "auto" chose interpolated mixed partials for a tensor-valued program:
    the tape gives its Jacobians instead."""
    from adcli.mixed_partials import TensorValuedError

    return isinstance(error, TensorValuedError) and engine == "auto" and precision is None


def _as_input(value: Any) -> Any:
    return value if isinstance(value, str) else _as_array(value)


def taylor(program: Any, at: Mapping[str, Any], order: int,
           direction: Mapping[str, Any] | None = None, precision: int | None = None,
           let: Mapping[str, Any] | None = None, of: str | None = None,
           limits: Any = None) -> TaylorResult:
    """The Taylor coefficients f^(k)(a)/k! and derivatives f^(k)(a), k = 0..order, of a
    program at the point `at` along `direction` (default: 1 for a single scalar input).

    With `precision`, mpmath computes with that many significant digits (verified by
    a second run with more), `at` values may be texts ("pi/4"), and numbers in the
    program are exact decimals. Above order 20, float64 results are checked against
    mpmath and replaced, with a warning, where float64 lost digits."""
    from adcli import taylor_mode

    if order < 0:
        raise AdcliUsageError(f"the order must be 0 or more, not {order}")
    parsed = _program(program)
    if taylor_mode.uses_tape_functions(parsed.tree):
        raise AdcliUsageError("the program calls grad, jacobian or hessian, which need the "
                              "tape engine: use adcli grad --engine tape")
    inputs = {k: _as_input(v) for k, v in at.items()}
    directions = _directions(inputs, direction, order)
    try:
        out = taylor_mode.series(parsed.tree, parsed.source, inputs, directions, order,
                                 precision, let, of, limits)
    except AdcliError as error:
        raise error.with_source(parsed.source) from None
    return TaylorResult(inputs=out.inputs, direction=directions, order=order,
                        coefficients=out.coefficients, derivatives=out.derivatives,
                        precision=precision, warnings=out.warnings)


def _directions(inputs: Mapping[str, Any], direction: Mapping[str, Any] | None,
                order: int) -> dict[str, np.ndarray]:
    if direction:
        for name in direction:
            if name not in inputs:
                raise AdcliUsageError(f"--dir names '{name}', which is not an --at input")
        return {name: _as_array(v) for name, v in direction.items()}
    if order == 0 or not inputs:
        return {}
    if len(inputs) == 1:
        name = next(iter(inputs))
        return {name: np.ones(np.shape(_point_shape(inputs[name])))}
    raise AdcliUsageError("with several inputs, give the direction of the derivatives with "
                          "--dir, e.g. --dir x=1 --dir y=0")


def _point_shape(value: Any) -> Any:
    return np.zeros(()) if isinstance(value, str) else value


def _mark_unconnected(result: Any, program: Program, at: Mapping[str, Any],
                      names: Sequence[str], let: Any, of: Any, limits: Any) -> Any:
    """A Taylor-mode Result or Batch with None (and the reason, and the unused-input
    warning) for a variable the value does not depend on, as the tape gives; the
    series give 0 there. One float64 tape run at `at` finds such variables."""
    try:
        point = {k: parse_value(v, let) if isinstance(v, str) else _as_array(v)
                 for k, v in at.items()}
        outcome = _run(program, point, let, of, limits, names)
        reasons = {n: _reason(outcome.tape, outcome.value, _source(outcome, n), n)
                   for n in names}
    except AdcliError:
        return result
    marked = []
    for d in result.derivatives:
        reason = next((reasons[n] for n in d.wrt if reasons.get(n)), None)
        marked.append(Derivative(d.wrt, d.order, None, reason) if reason else d)
    return dataclasses.replace(result, derivatives=tuple(marked), warnings=(
        *result.warnings, *_unused_inputs(marked, result.inputs)))


def _taylor_result(parsed: Program, at: Mapping[str, Any], names: Sequence[str], order: int,
                   let: Any, of: Any, limits: Any, precision: int | None,
                   direction: Mapping[str, Any] | None) -> Result:
    from adcli import taylor_mode

    if len(names) > 1 and not direction and order > 0:
        return _mixed_result(parsed, at, names, order, let, of, limits, precision)
    inputs = {k: _as_input(v) for k, v in at.items()}
    directions = _directions(inputs, direction, order) if direction or order else {}
    variable = (DIRECTION_LABEL,) if direction else tuple(names[:1])
    try:
        out = taylor_mode.series(parsed.tree, parsed.source, inputs, directions, order,
                                 precision, let, of, limits)
    except AdcliError as error:
        raise error.with_source(parsed.source) from None
    derivatives = tuple(Derivative(variable * k, k, _cell(out.derivatives[k]))
                        for k in range(1, order + 1))
    warnings = list(out.warnings)
    if precision is None:
        warnings += [f"{label(d.wrt)} is not finite ({_nonfinite_word(d.value)})"
                     for d in derivatives if not np.all(np.isfinite(d.value))]
    return Result(inputs=dict(out.inputs), value=_cell(out.coefficients[0]),
                  derivatives=derivatives, warnings=tuple(warnings), engine="taylor")


MIXED_ENGINE = "taylor (interpolated)"


def _mixed_result(parsed: Program, at: Mapping[str, Any], names: Sequence[str], order: int,
                  let: Any, of: Any, limits: Any, precision: int | None) -> Result:
    """Every distinct partial of several scalar inputs from directional Taylor series,
    combined by Griewank-Utke-Walther interpolation (adcli.mixed_partials)."""
    from adcli import mixed_partials

    inputs = {k: _as_input(v) for k, v in at.items()}
    try:
        out = mixed_partials.partials(parsed.tree, parsed.source, inputs, names, order,
                                      precision, let, of, limits)
    except AdcliError as error:
        raise error.with_source(parsed.source) from None
    derivatives = tuple(Derivative(wrt, len(wrt), _cell(value)) for wrt, value in out.partials)
    warnings = list(out.warnings)
    if precision is None:
        warnings += [f"{label(d.wrt)} is not finite ({_nonfinite_word(d.value)})"
                     for d in derivatives if not np.all(np.isfinite(d.value))]
    return Result(inputs=dict(out.inputs), value=_cell(out.value), derivatives=derivatives,
                  warnings=tuple(warnings), engine=MIXED_ENGINE)


def _cell(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    return np.asarray(value, dtype=object if not isinstance(value, (float, np.floating))
                      else np.float64)


def _taylor_batch(program: Program, columns: Mapping[str, np.ndarray], names: Sequence[str],
                  order: int, let: Any, of: Any, limits: Any, precision: int | None,
                  direction: Mapping[str, Any] | None, exact: Mapping[str, str]) -> Batch:
    n = len(next(iter(columns.values()))) if columns else 1
    mixed = len(names) > 1 and not direction and order > 0  # already one batched pass
    if n > 1 and precision is None and not mixed \
            and all(np.ndim(v) == 1 for v in columns.values()):
        # Elementwise programs: every point at once, one series per point; checked at
        # the ends against single-point runs, as the tape path does.
        try:
            whole = _taylor_result(program, {k: np.ascontiguousarray(v, dtype=np.float64)
                                             for k, v in columns.items()},
                                   names, order, let, of, limits, None, direction)
        except AdcliError:
            whole = None
        if whole is not None and np.shape(whole.value) == (n,):
            ends = [_taylor_result(program, {k: v[i] for k, v in columns.items()}, names,
                                   order, let, of, limits, None, direction) for i in (0, n - 1)]
            if all(_same(whole.value[i], end.value) and all(
                    _same(d.value[i], e.value) for d, e in zip(whole.derivatives,
                                                                end.derivatives, strict=True))
                   for i, end in zip((0, n - 1), ends, strict=True)):
                return Batch(inputs={k: np.asarray(v) for k, v in columns.items()},
                             value=whole.value, derivatives=whole.derivatives,
                             warnings=whole.warnings, engine="taylor")
    results = [_taylor_result(program, {k: exact.get(k, v[i]) for k, v in columns.items()},
                              names, order, let, of, limits, precision, direction)
               for i in range(n)]
    return Batch.of(results)


__all__ = [
    "CheckRow", "Derivative", "MissingInputError", "Result", "TapeRow", "AdcliError", "check",
    "combinations", "differentiate", "differentiate_session", "evaluate", "hessian", "jacobian",
    "parse_value", "session_tape_rows", "tape_rows", "taylor", "TaylorResult", "choose_engine",
]
