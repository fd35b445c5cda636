"""A request for derivatives, validated and resolved once into a `Plan`.

One responsibility: every decision about a request that does not need its numbers.
Program, point or points, `wrt`, order, engine, precision, direction and
`unconnected` are checked here, in the library's words (errors carry the parameter
and name they are about), and the backend is chosen here and nowhere else:

- "tape": nested gradient tapes (adcli.derivatives.tape_backend): any program, any
  input shape, derivatives with respect to variables of the program too;
- "taylor": one Taylor series (adcli.derivatives.taylor_backend): one scalar
  variable, or every input along a `direction`, any order, any `precision`;
- "taylor (interpolated)": several scalar variables' mixed partials from directional
  series (adcli.derivatives.interpolated).

With engine "auto" the tape runs below order `TAYLOR_FROM_ORDER` and Taylor mode
from there on where it applies (measured in bench/bench_taylor.py and
bench/bench_mixed.py: from order 3 one series pass beats nested tapes, for one
variable and for several), and the tape otherwise. Every face (grad, taylor, plot,
check, the REPL) plans through `resolve`.

Imports adcli.derivatives.program, adcli.errors and adcli.records; the language only to ask whether
a program calls grad/jacobian/hessian (which need the tape), and only when a series
backend is in question.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adcli.derivatives import request_size
from adcli.derivatives.program import Program, as_array
from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliUsageError, Setting
from adcli.lang import default_limits
from adcli.records import Record, field, replace

ENGINES = ("auto", "tape", "taylor")
UNCONNECTED = ("none", "zero")
# How the tape computes a Jacobian (adcli.engine.tape.choose_mode): "auto" by shape.
MODES = ("auto", "forward", "reverse")
TAPE, TAYLOR, INTERPOLATED = "tape", "taylor", "taylor (interpolated)"
TAYLOR_FROM_ORDER = 3
DIRECTION_LABEL = "v"  # derivatives along a direction are labelled d2f/dv2, ...


class Plan(Record):
    """A resolved request: what to compute and which backend computes it.

    `wrt` are the variables (inputs, or variables of the program on the tape); `let`
    the constants (arrays, or at a precision the texts they are evaluated from);
    `direction` maps inputs to their seed direction for the "taylor" backend (a
    user's direction, or 1 for the one variable); `directional` says the derivatives
    are along a user's direction (labelled v). `exact` maps inputs to the text they
    are evaluated from at `precision` digits (one text, or one per point of a batch).
    `fallback` is the backend to use when the chosen one finds it does not apply to the
    program's value (auto only).
    `verify` asks the backend to check float64's digits at every order (a single
    point: adcli.derivatives.compute sets it). `mode` is how the tape computes a
    Jacobian (a derivative of a tensor, or of a gradient): "forward", "reverse", or
    "auto" by shape."""

    program: Program
    wrt: tuple[str, ...]
    order: int
    let: dict[str, Any]
    of: str | None
    unconnected: str
    limits: Any
    backend: str
    precision: int | None = None
    direction: dict[str, np.ndarray] | None = None
    directional: bool = False
    exact: dict[str, str | Sequence[str]] = field(default_factory=dict)
    fallback: str | None = None
    verify: bool = False
    mode: str = "auto"
    request: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def marks_unconnected(self) -> bool:
        """Whether a series backend must mark variables the value ignores as None (the
        tape knows by itself; series give 0 there)."""
        return self.backend != TAPE and self.unconnected == "none" and not self.directional \
            and self.order > 0

    def on(self, backend: str) -> Plan:
        """The same request on another backend."""
        return replace(self, backend=backend, fallback=None)

    def at_order(self, order: int) -> Plan:
        """The same request at another order, resolved again (the backend may change)."""
        return resolve(**{**self.request, "order": order})


def resolve(program: Program, shapes: Mapping[str, tuple[int, ...]],
            wrt: Sequence[str] | None = None, order: int = 1,
            let: Mapping[str, Any] | None = None, of: str | None = None,
            unconnected: str = "none", limits: Any = None, engine: str = "auto",
            precision: int | None = None, direction: Mapping[str, Any] | None = None,
            exact: Mapping[str, str | Sequence[str]] | None = None, mode: str = "auto") -> Plan:
    """Check a request and choose its backend. `shapes` are the inputs' shapes at one
    point; everything else as in `adcli.api.differentiate`. Raises AdcliUsageError with
    the offending `parameter` (and `name`)."""
    if unconnected not in UNCONNECTED:
        raise AdcliUsageError(f"unconnected must be 'none' or 'zero', not {unconnected!r}",
                              parameter="unconnected")
    order = check_order(order)
    if mode not in MODES:
        raise AdcliUsageError(f"the mode must be one of {', '.join(MODES)}, not {mode!r}",
                              parameter="mode")
    if engine not in ENGINES:
        raise AdcliUsageError(f"the engine must be one of {', '.join(ENGINES)}, not {engine!r}",
                              parameter="engine")
    if precision is not None and (isinstance(precision, bool) or int(precision) != precision
                                  or precision < 1):
        raise AdcliUsageError(f"the precision must be a whole number of digits, 1 or more, "
                              f"not {precision!r}", parameter="precision")
    let = dict(let or {})
    names = _variables(wrt, shapes)
    for name in let:
        if name in shapes:
            raise AdcliUsageError(f"'{name}' is given both as an input and as a constant",
                                  parameter="let", name=name)
    if direction and wrt:
        raise AdcliUsageError("derivatives along a direction are by every input at once: "
                              "give a direction or the variables to differentiate by, not "
                              "both", parameter="wrt")
    for name in names:
        if name in let and name not in shapes:
            raise AdcliUsageError(
                f"cannot differentiate with respect to '{name}': it is a constant, and "
                "constants are not differentiated", parameter="wrt", name=name,
                hint="to differentiate with respect to it, give it as an input",
                settings=(Setting("at", name=name),))
    directions = _user_direction(direction, shapes)
    request_size.check_request(names, dict(shapes), order, limits or default_limits(),
                               directional=directions is not None)
    uses_series = engine == "taylor" or precision is not None or directions is not None or (
        engine == "auto" and order >= TAYLOR_FROM_ORDER)
    if engine == "tape" and (precision is not None or directions is not None):
        raise AdcliUsageError(
            "a precision and a direction need Taylor mode, not the tape engine",
            parameter="engine", hint="use", settings=(Setting("engine", "taylor"),
                                                      Setting("engine", "auto")))
    request = {"program": program, "shapes": dict(shapes), "wrt": wrt, "order": order,
               "let": let, "of": of, "unconnected": unconnected, "limits": limits,
               "engine": engine, "precision": precision, "direction": direction,
               "exact": exact, "mode": mode}
    plan = Plan(program, names, order, let, of, unconnected, limits, TAPE, precision,
                exact=dict(exact or {}), mode=mode, request=request)
    if not uses_series:
        return plan
    forced = engine == "taylor" or precision is not None or directions is not None
    reason = _series_refusal(program, names, shapes, order, directions is not None)
    if reason is not None:
        if forced:
            raise AdcliUsageError(reason, parameter="engine",
                                  hint=None if precision is not None else "use",
                                  settings=() if precision is not None
                                  else (Setting("engine", "tape"),))
        return plan
    if directions is not None:
        return replace(plan, backend=TAYLOR, direction=directions, directional=True)
    if order > 0 and len(names) > 1:
        return replace(plan, backend=INTERPOLATED,
                                   fallback=None if forced else TAPE)
    seeds = {names[0]: np.ones(())} if order > 0 else {}
    return replace(plan, backend=TAYLOR, direction=seeds)


def _variables(wrt: Sequence[str] | str | None,
               shapes: Mapping[str, tuple[int, ...]]) -> tuple[str, ...]:
    """The variables to differentiate by: `wrt` (one name may be a plain string), each
    once, or every input when `wrt` is None or empty."""
    if isinstance(wrt, str):
        wrt = (wrt,)
    names = tuple(wrt) if wrt else tuple(shapes)
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise AdcliUsageError(f"{name!r} is not a variable name", parameter="wrt")
    check_named_once(names)
    return names


def check_named_once(names: Sequence[str]) -> None:
    """A usage error when `wrt` names a variable twice (the order asks for repeats)."""
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise AdcliUsageError(f"'{twice}' is named twice; each variable is named once, and "
                              "the order asks for the repeated derivatives", parameter="wrt",
                              name=twice)


def check_order(order: Any) -> int:
    """The order as an int; a usage error unless it is a whole number, 0 or more."""
    if isinstance(order, bool) or order is None or (
            not isinstance(order, int) and not isinstance(order, np.integer)) or order < 0:
        raise AdcliUsageError(f"the order must be a whole number, 0 or more, not {order!r}",
                              parameter="order")
    return int(order)


def _user_direction(direction: Mapping[str, Any] | None,
                    shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray] | None:
    if not direction:
        return None
    out = {}
    for name, value in direction.items():
        if name not in shapes:
            raise AdcliUsageError(f"the direction names '{name}', which is not an input",
                                  parameter="direction", name=name)
        out[name] = as_array(value)
        if out[name].shape not in ((), tuple(shapes[name])):
            raise AdcliUsageError(
                f"the direction of '{name}' has shape {out[name].shape}, but the input has "
                f"shape {tuple(shapes[name])}: give one number, or one per entry",
                parameter="direction", name=name)
        if out[name].dtype.kind not in "fb" or not np.all(np.isfinite(out[name])):
            raise AdcliUsageError(f"the direction of '{name}' must be finite real numbers",
                                  parameter="direction", name=name)
    return out


def _series_refusal(program: Program, names: Sequence[str],
                    shapes: Mapping[str, tuple[int, ...]], order: int,
                    directional: bool) -> str | None:
    """Why Taylor mode cannot give this request, or None when it can."""
    from adcli.lang.interpreter import differentiated_names

    if differentiated_names(program.tree):
        return "the program calls grad, jacobian or hessian, which need the tape engine"
    if directional or order == 0:
        return None
    if not names or any(name not in shapes or tuple(shapes[name]) != () for name in names):
        return ("Taylor mode gives the derivatives of scalar inputs (mixed partials of "
                "several by interpolating directional series), or derivatives along a "
                "direction; derivatives with respect to tensors or variables of the program "
                "use the tape engine")
    return None


def shapes_of(values: Mapping[str, Any], batch: bool = False) -> dict[str, tuple[int, ...]]:
    """The shape of each input at one point (texts are scalars; a batch's points run along
    axis 0)."""
    out = {}
    for name, value in values.items():
        shape = () if isinstance(value, (str, float, bool)) else tuple(np.shape(value))
        out[name] = shape[1:] if batch else shape
    return out
