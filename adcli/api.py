"""adcli's Python API for programs: values and derivatives of program text, at a point
or at many, as plain results. A façade over the derivative layer (adcli.derivatives):
each function resolves its request into a plan once and has it computed.

Inputs (`at`, `let`, `direction` and batch columns) may be numbers, bools, lists or
tuples nested to any depth, numpy arrays, adcli Tensors, or expression texts such as
"pi/4". Errors are `AdcliError`s that name the parameter (and input) they are about,
in Python's words; the CLI and the REPL phrase the same errors in theirs.

Derivatives are full derivative tensors: the order-k derivative of a value of shape V
with respect to inputs of shapes S1..Sk has shape V + S1 + ... + Sk (a gradient for
a scalar program, a Jacobian for a vector one, a Hessian at order 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from adcli.derivatives import compute, plan
from adcli.derivatives.plan import DIRECTION_LABEL, ENGINES, INTERPOLATED, UNCONNECTED
from adcli.derivatives.program import (
    MissingInputError,
    Program,
    as_array,
    as_program,
    input_values,
    mapping,
    parse_program,
    parse_value,
)
from adcli.derivatives.results import (
    Batch,
    CheckRow,
    Derivative,
    ExactTaylor,
    Formula,
    Formulas,
    Note,
    Result,
    TapeRow,
    TaylorResult,
    combinations,
    kind_of,
    label,
)
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliError, AdcliUsageError, Setting

if TYPE_CHECKING:
    from adcli.derivatives.results import (
        CheckRow,
        ExactTaylor,
        Formula,
        Formulas,
        TapeRow,
        TaylorResult,
    )

MIXED_ENGINE = INTERPOLATED


def evaluate(program: str | Program, at: Mapping[str, Any] | None = None,
             let: Mapping[str, Any] | None = None, of: str | None = None,
             limits: Any = None) -> Result:
    """The value of `program` with inputs `at` and constants `let` (nothing is
    differentiated); `of` names the variable whose value is the result."""
    return differentiate(program, at or {}, (), 0, let, of, limits=limits, engine="tape")


def differentiate(
    program: str | Program,
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
    mode: str = "auto",
) -> Result:
    """The value and every distinct partial derivative up to `order`.

    `wrt` names inputs or intermediate variables (default: every input, in order); a
    name given in `let` is a constant and a usage error there. A derivative is None
    only when the value does not depend on one of its variables at all (then
    `reason` says why), unless `unconnected="zero"`. `engine`: "tape" (nested tape
    passes), "taylor" (Taylor mode: scalar inputs, or derivatives along `direction`,
    a mapping input -> direction, labelled v; mixed partials of several inputs by
    interpolating directional series, engine "taylor (interpolated)"), or "auto":
    the tape for orders 1 and 2, Taylor mode above where it applies; `Result.engine`
    says which ran. `precision` (decimal digits, Taylor mode with mpmath) gives
    Decimal values; then `at` values may be expression texts such as "pi/4", taken at
    that precision. `mode` is how the tape computes a Jacobian (a derivative of a tensor,
    or a Hessian's second order): "forward", "reverse", or "auto" by shape, in one pass
    with a batch of seeds; `Result.mode` says which ran. Read one derivative with
    `result.derivative("x", "y")`."""
    return point_result(program, at, wrt, order, let, of, unconnected, limits, engine,
                        precision, direction, mode).with_arrays()


def point_result(
    program: str | Program,
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
    mode: str = "auto",
) -> Result:
    """`differentiate`'s result with each scalar (value, input, derivative) a Python float
    or bool instead of a 0-d numpy array: what the command line prints, so that a scalar
    program runs without importing numpy (adcli/engine/lazy_numpy.py)."""
    parsed = as_program(program, limits)
    at = mapping(at, "at")
    values = input_values(let, parameter="let", scalars=True)
    exact = {k: v for k, v in at.items() if isinstance(v, str)} if precision is not None \
        else {}
    inputs = {**input_values({k: v for k, v in at.items() if k not in exact}, values,
                             scalars=True), **exact}
    resolved = plan.resolve(parsed, plan.shapes_of(inputs), wrt, order,
                            _constants(let, values, precision), of, unconnected, limits,
                            engine, precision, direction, exact, mode)
    return compute.at_point(resolved, inputs)


def differentiate_batch(
    program: str | Program,
    columns: Mapping[str, Any],
    wrt: Sequence[str] | None = None,
    order: int = 1,
    let: Mapping[str, Any] | None = None,
    of: str | None = None,
    unconnected: str = "none",
    limits: Any = None,
    engine: str = "auto",
    precision: int | None = None,
    direction: Mapping[str, Any] | None = None,
    exact: Mapping[str, str | Sequence[str]] | None = None,
    mode: str = "auto",
) -> Batch:
    """`differentiate` at many points: each input's points along axis 0 (a list of
    numbers, or of nested lists for tensor inputs, or an array).

    Each point gets exactly what `differentiate` gives there. Scalar inputs of an
    elementwise program run once as vectors, checked at the first and last points
    against single-point runs; anything else runs point by point. At a `precision`,
    `exact` maps inputs to the text they are evaluated from at that many digits: one
    text for an input that is the same at every point, or one text per point."""
    parsed = as_program(program, limits)
    values = input_values(let, parameter="let")
    arrays = input_values(columns, values)
    for name, array in arrays.items():
        if array.ndim == 0:
            raise AdcliUsageError(f"the points of input '{name}' must be a list or an array "
                                  "with the points along axis 0", parameter="at", name=name)
    counts = {len(a) for a in arrays.values()}
    if counts == {0}:
        raise AdcliUsageError("the batch has no points", parameter="at")
    if len(counts) > 1:
        raise AdcliUsageError(f"every input needs the same number of points, not "
                              f"{sorted(counts)}", parameter="at")
    resolved = plan.resolve(parsed, plan.shapes_of(arrays, batch=True), wrt, order,
                            _constants(let, values, precision), of, unconnected, limits,
                            engine, precision, direction, exact, mode)
    return compute.over_batch(resolved, arrays)


def jacobian(program: str | Program, at: Mapping[str, Any], wrt: Sequence[str] | None = None,
             let: Mapping[str, Any] | None = None, of: str | None = None,
             unconnected: str = "none", limits: Any = None, mode: str = "auto") -> Result:
    """The value and its Jacobian with respect to each `wrt` variable (shape
    value.shape + variable.shape), each in one pass with a batch of seeds: forward mode
    when the variable has no more entries than the value, else reverse (`mode` chooses
    otherwise; `Result.mode` says which ran)."""
    return differentiate(program, at, wrt, 1, let, of, unconnected, limits, engine="tape",
                         mode=mode)


def hessian(program: str | Program, at: Mapping[str, Any], wrt: Sequence[str] | None = None,
            let: Mapping[str, Any] | None = None, of: str | None = None,
            limits: Any = None, mode: str = "auto"
            ) -> tuple[Result, np.ndarray, list[tuple[str, int | None]]]:
    """The Hessian of a scalar program as one matrix over all entries of the `wrt`
    variables: the result (value, gradient, second partials), the symmetric matrix,
    and one label (name, flat index; None for a scalar) per row and column. The
    gradient is reverse mode, and its Jacobian one pass with a batch of seeds, forward
    mode by default (forward-over-reverse; `mode="reverse"` for reverse-over-reverse)."""
    from adcli.derivatives.checking import hessian_matrix

    result = differentiate(program, at, wrt, 2, let, of, "zero", limits, engine="tape",
                           mode=mode)
    if result.value.size != 1:
        raise AdcliUsageError(
            f"hessian needs a scalar program, but its value has shape {result.value.shape}",
            hint="use `adcli jacobian` for vector-valued programs")
    names = list(wrt) if wrt else list(result.inputs)
    if not names:
        raise _nothing_to_differentiate()
    matrix, labels = hessian_matrix(result, names)
    return result, matrix, labels


def tape_rows(program: str | Program, at: Mapping[str, Any],
              let: Mapping[str, Any] | None = None, of: str | None = None,
              limits: Any = None) -> tuple[Result, list[TapeRow]]:
    """The recorded tape of one run, one row per input and operation, with adjoints.
    Raises AdcliUsageError when there is no input (the tape then records nothing)."""
    from adcli.derivatives.tape_view import program_rows

    if not mapping(at, "at"):
        raise _nothing_to_differentiate()
    return program_rows(as_program(program, limits), at, input_values(let, parameter="let"),
                        of, limits)


def check(program: str | Program, at: Mapping[str, Any], wrt: Sequence[str] | None = None,
          order: int = 1, let: Mapping[str, Any] | None = None, of: str | None = None,
          tolerance: float = 1e-6, limits: Any = None) -> tuple[Result, list[CheckRow]]:
    """Automatic derivatives beside central differences with Richardson extrapolation
    (adcli.derivatives.checking), each order checked against the one below it."""
    from adcli.derivatives.checking import check as run_check

    if not (isinstance(tolerance, (int, float)) and 0 <= tolerance < float("inf")):
        raise AdcliUsageError(f"the tolerance must be a finite number, 0 or more, not "
                              f"{tolerance!r}", parameter="tolerance")
    if plan.check_order(order) < 1:
        raise AdcliUsageError("check compares derivatives: the order must be 1 or more",
                              parameter="order")
    parsed = as_program(program, limits)
    let = input_values(let, parameter="let")
    inputs = input_values(at, let)
    resolved = plan.resolve(parsed, plan.shapes_of(inputs), wrt, order, let, of, "zero",
                            limits)
    return run_check(resolved, inputs, tolerance)


def taylor(program: str | Program, at: Mapping[str, Any], order: int,
           direction: Mapping[str, Any] | None = None, precision: int | None = None,
           let: Mapping[str, Any] | None = None, of: str | None = None,
           limits: Any = None) -> TaylorResult:
    """The Taylor coefficients f^(k)(a)[v..v]/k! and derivatives f^(k)(a)[v..v],
    k = 0..order, of a program at the point `at` along `direction` (default: 1 for a
    single input, in every entry of a tensor one).

    With `precision`, mpmath computes with that many significant digits (verified by
    a second run with more), `at` values may be texts ("pi/4"), and numbers in the
    program are exact decimals. Above order 20, float64 results are checked against
    mpmath and replaced, with a warning, where float64 lost digits."""
    from adcli.derivatives import taylor_backend

    parsed = as_program(program, limits)
    at = mapping(at, "at")
    values = input_values(let, parameter="let")
    inputs = {k: v if isinstance(v, str) and precision is not None else None
              for k, v in at.items()}
    inputs.update(input_values({k: v for k, v in at.items() if inputs[k] is None}, values))
    shapes = plan.shapes_of(inputs)
    if not direction and shapes and (order > 0 or len(shapes) == 1):
        if len(shapes) > 1:
            first = next(iter(shapes))
            raise AdcliUsageError(
                "with several inputs, the series needs a direction: one value per input",
                parameter="direction", hint="for example",
                settings=(Setting("direction", "1", name=first),))
        name, shape = next(iter(shapes.items()))
        direction = {name: np.ones(shape)}
    resolved = plan.resolve(parsed, shapes, None, order, _constants(let, values, precision),
                            of, "zero", limits, "taylor", precision, direction or None)
    try:
        return taylor_backend.polynomial(resolved, inputs)
    except AdcliError as error:
        raise error.with_source(parsed.source) from None


def diff(program: str | Program, wrt: Sequence[str] | str | None = None, order: int = 1,
         let: Mapping[str, Any] | None = None, of: str | None = None,
         limits: Any = None) -> Formulas:
    """The derivative as a formula: every distinct order-`order` partial of `program` by
    `wrt` (inputs it reads; default every input, in the order it reads them), in
    adcli's syntax (`.text`, which `evaluate` runs again), LaTeX (`.latex`) and as
    SymPy expressions (`.expr`); `.formula("x", "y")` reads one. Every name the program
    reads without a value is an input (a real symbol); constants (`let`: numbers, or
    texts such as "pi/4") are substituted exactly. SymPy is imported by this call.

    diff("x^2*sin(x)").text is "2*x*sin(x) + x^2*cos(x)". Loops of fixed counts,
    functions and branches on constants run; `a if c else b` on an input is a
    piecewise formula, and an `if` or `while` on an input an AdcliValueError naming it."""
    from adcli.derivatives import symbolic_backend

    return symbolic_backend.formulas(as_program(program, limits), wrt, order, let, of, limits)


def exact_taylor(program: str | Program, at: Mapping[str, Any], order: int,
                 direction: Mapping[str, Any] | None = None,
                 let: Mapping[str, Any] | None = None, of: str | None = None,
                 limits: Any = None) -> ExactTaylor:
    """`taylor` with exact coefficients (SymPy numbers such as 1/6 or E/2): the Taylor
    polynomial of a single-valued program at `at` (numbers, or texts such as "pi/4",
    taken exactly) along `direction` (default 1 for one input), written out in (x - a)
    for one input (`.polynomial`: "1 + x + x^2/2 + x^3/6" for exp at 0), else in t."""
    from adcli.derivatives import symbolic_backend

    return symbolic_backend.exact_taylor(as_program(program, limits), at, order, direction,
                                         let, of, limits)


def _nothing_to_differentiate() -> AdcliUsageError:
    return AdcliUsageError("there is no input: nothing is differentiated, and nothing is "
                           "recorded", parameter="at",
                           hint="give an input the program reads, with",
                           settings=(Setting("at", name="x"),))


def _constants(let: Mapping[str, Any] | None, values: dict[str, np.ndarray],
               precision: int | None) -> dict[str, Any]:
    """The constants a plan runs with: their values, or at a precision the texts given
    for them (evaluated at that precision, so that 0.1 is the decimal 0.1)."""
    if precision is None:
        return values
    return {k: v if isinstance(v, str) else values[k] for k, v in (let or {}).items()}


def differentiate_session(session: Any, expression: str, wrt: Sequence[str], order: int = 1,
                          unconnected: str = "none") -> Result:
    """The REPL's `:grad`: an expression's value and its partials up to `order` with
    respect to variables of an `adcli.lang.session.Session`, on the session's tape."""
    from adcli.derivatives import tape_backend

    return tape_backend.session(session, expression, wrt, order, unconnected)


def session_tape_rows(session: Any) -> list[TapeRow]:
    """The REPL's `:tape`: the operations the session's last input recorded, as
    `tape_rows` shows a program's, after one input row per earlier tensor they read."""
    from adcli.derivatives.tape_view import session_rows

    return session_rows(session)


__all__ = [
    "DIRECTION_LABEL", "ENGINES", "MIXED_ENGINE", "UNCONNECTED", "AdcliError", "Batch",
    "CheckRow", "Derivative", "ExactTaylor", "Formula", "Formulas", "MissingInputError", "Note",
    "Program", "Result", "TapeRow", "TaylorResult", "as_array", "check", "combinations", "diff",
    "differentiate", "kind_of",
    "differentiate_batch", "differentiate_session", "evaluate", "exact_taylor", "hessian",
    "jacobian", "label", "parse_program", "parse_value", "point_result", "session_tape_rows",
    "tape_rows",
    "taylor",
]
