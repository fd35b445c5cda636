"""What the derivative layer answers: results, batches, their labels and their warnings.

One responsibility: the plain values every face renders (`Derivative`, `Result`,
`Batch`, `TaylorResult`, `Formulas`, `ExactTaylor`, `TapeRow`, `CheckRow`), the one
way a derivative is named (`label`), the one order partials come in (`combinations`),
and the one place warnings about derivatives are worded (`nonfinite_warnings`,
`unused_input_warnings`).
Warnings and reasons are strings with a `kind`, so that a face may filter them
without reading their words. No numerics and no text formatting of numbers here.

Derivatives are full derivative tensors: the order-k derivative of a value of shape V
with respect to inputs of shapes S1..Sk has shape V + S1 + ... + Sk (a gradient for a
scalar program, a Jacobian for a vector one, a Hessian at order 2).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any

from adcli.engine.lazy_numpy import np
from adcli.errors import AdcliError, AdcliLimitError
from adcli.records import Record, field, replace

SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class Note(str):
    """A warning or a reason: its words, and a `kind` a face may filter on.

    Kinds: "nonfinite" (a derivative is nan or infinite), "unused-input" (the value
    does not depend on an input), "unconnected" (a derivative is None because the
    value does not depend on the variable), "constant" (the variable is a constant),
    "blocked" (only non-differentiable operations connect them), "precision" (digits
    were recomputed or could not be verified), "program" (the program's own), "formula"
    (a formula of `adcli diff` was too long to simplify), "diagonal" (a derivative by a
    vector input is a diagonal Jacobian: the derivative at many points was likely
    meant)."""

    kind: str

    def __new__(cls, text: str, kind: str = "program") -> Note:
        note = super().__new__(cls, text)
        note.kind = kind
        return note

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (worker processes) keep the kind
        return (Note, (str(self), self.kind))


def kind_of(note: str) -> str:
    """The kind of a warning or reason ("program" for a plain string)."""
    return getattr(note, "kind", "program")


class Derivative(Record):
    """One derivative: d^order f / d wrt[0] ... d wrt[-1], or None with the reason.

    In a `Batch`, `value` has the points along axis 0, and `missing` (when not None)
    marks the points where the derivative is None, each with its `reasons` entry.
    `shape` is the derivative's shape at one point (value shape + each variable's
    shape), known also when it is None, so that outputs give it its columns."""

    wrt: tuple[str, ...]
    order: int
    value: np.ndarray | None
    reason: str | None = None
    missing: np.ndarray | None = None
    reasons: tuple[str | None, ...] | None = None
    shape: tuple[int, ...] | None = None


class Result(Record):
    """A program's value at one point, its derivatives, and what went wrong on the way.

    `engine` says which backend computed it: "tape", "taylor" or "taylor (interpolated)";
    `mode`, for the tape, how: "reverse" (gradients), "forward" or "reverse" (a
    Jacobian), "forward-over-reverse" (a Hessian), ...; None when nothing was
    differentiated or a series backend ran."""

    inputs: dict[str, np.ndarray]
    value: np.ndarray
    derivatives: tuple[Derivative, ...] = ()
    warnings: tuple[str, ...] = ()
    engine: str = "tape"
    variables: dict[str, np.ndarray] = field(default_factory=dict)
    mode: str | None = None

    def with_arrays(self) -> Result:
        """This result with every scalar that is a Python float or bool (the scalar path,
        adcli/engine/lazy_numpy.py) a 0-d numpy array, as the Python API gives them."""
        if not any(_is_scalar(v) for v in (self.value, *self.inputs.values(),
                                           *self.variables.values(),
                                           *(d.value for d in self.derivatives))):
            return self
        return Result(
            inputs={k: _array(v) for k, v in self.inputs.items()}, value=_array(self.value),
            derivatives=tuple(replace(d, value=_array(d.value)) if _is_scalar(d.value) else d
                              for d in self.derivatives),
            warnings=self.warnings, engine=self.engine,
            variables={k: _array(v) for k, v in self.variables.items()}, mode=self.mode)

    def derivative(self, *wrt: str) -> np.ndarray | None:
        """The derivative by these variables in any order (`derivative("x", "y")` is
        d2f/dxdy), or None when it is None (its reason is in `derivatives`).

        Raises KeyError naming the derivatives there are when it was not computed."""
        wanted = sorted(wrt)
        for d in self.derivatives:
            if sorted(d.wrt) == wanted:
                return d.value
        known = ", ".join(label(d.wrt) for d in self.derivatives) or "none"
        raise KeyError(f"no derivative {label(tuple(wrt))} was computed (computed: {known})")


class Batch(Record):
    """Many points at once: every array has the points along axis 0."""

    inputs: dict[str, np.ndarray]
    value: np.ndarray
    derivatives: tuple[Derivative, ...]
    warnings: tuple[str, ...] = ()
    engine: str = "tape"
    mode: str | None = None

    def __len__(self) -> int:
        return len(self.value)

    def point(self, i: int) -> Result:
        """The i-th point as a Result."""
        derivatives = []
        for d in self.derivatives:
            if d.value is None or (d.missing is not None and d.missing[i]):
                reason = d.reasons[i] if d.reasons is not None else d.reason
                shape = d.shape if d.value is None else tuple(np.shape(d.value)[1:])
                derivatives.append(Derivative(d.wrt, d.order, None, reason, shape=shape))
            else:
                derivatives.append(Derivative(d.wrt, d.order, d.value[i]))
        inputs = {k: v[i] for k, v in self.inputs.items()}
        # "does not depend on the input" is said of the points where it holds.
        warnings = (*(w for w in self.warnings if kind_of(w) != "unused-input"),
                    *unused_input_warnings(derivatives, inputs))
        return Result(inputs=inputs, value=self.value[i], derivatives=tuple(derivatives),
                      warnings=warnings, engine=self.engine, mode=self.mode)

    def with_arrays(self) -> Batch:
        """This batch with every list of points (one scalar point, see `_stack`) a numpy
        array, as the Python API gives them."""
        if not any(isinstance(v, list) for v in (self.value, *self.inputs.values(),
                                                 *(d.value for d in self.derivatives))):
            return self
        return Batch(
            inputs={k: np.asarray(v) if isinstance(v, list) else v
                    for k, v in self.inputs.items()},
            value=np.asarray(self.value),
            derivatives=tuple(replace(d, value=np.asarray(d.value))
                              if isinstance(d.value, list) else d for d in self.derivatives),
            warnings=self.warnings, engine=self.engine, mode=self.mode)

    @staticmethod
    def of(results: Sequence[Result]) -> Batch:
        """Stack per-point results (of one program) into a Batch; a derivative that is
        None at some points only is marked missing there, with each point's reason."""
        first = results[0]
        derivatives = []
        for k, d in enumerate(first.derivatives):
            column = [r.derivatives[k] for r in results]
            present = [c.value for c in column if c.value is not None]
            if not present:
                reasons = tuple(c.reason for c in column)
                derivatives.append(Derivative(
                    d.wrt, d.order, None, d.reason, shape=d.shape,
                    reasons=reasons if len(set(reasons)) > 1 else None))
                continue
            if len(present) == len(column):
                derivatives.append(Derivative(d.wrt, d.order, _stack(present)))
                continue
            filler = 0.0 if type(present[0]) is float else np.zeros_like(np.asarray(present[0]))
            missing = np.array([c.value is None for c in column])
            derivatives.append(Derivative(
                d.wrt, d.order, _stack([filler if c.value is None else c.value
                                        for c in column]),
                next(c.reason for c in column if c.value is None), missing,
                tuple(c.reason for c in column)))
        warnings = tuple(dict.fromkeys(w for r in results for w in r.warnings))
        return Batch(inputs={k: _stack([r.inputs[k] for r in results]) for k in first.inputs},
                     value=_stack([r.value for r in results]), derivatives=tuple(derivatives),
                     warnings=warnings, engine=first.engine, mode=first.mode)

    @staticmethod
    def concat(batches: Sequence[Batch]) -> Batch:
        """Join batches of one program (chunks of a grid) into one; at least one batch
        (ValueError otherwise)."""
        if not batches:
            raise ValueError("Batch.concat needs at least one batch to join")
        first = batches[0]
        if len(batches) == 1:
            return first
        derivatives = []
        for k, d in enumerate(first.derivatives):
            column = [b.derivatives[k] for b in batches]
            present = next((c.value for c in column if c.value is not None), None)
            if present is None:
                derivatives.append(Derivative(d.wrt, d.order, None, d.reason, shape=d.shape))
                continue
            values, missing, reasons = [], [], []
            for b, c in zip(batches, column, strict=True):
                n = len(b)
                if c.value is None:
                    values.append(np.zeros((n,) + np.shape(present)[1:], present.dtype))
                    missing.append(np.ones(n, bool))
                    reasons.extend([c.reason] * n)
                else:
                    values.append(c.value)
                    missing.append(c.missing if c.missing is not None else np.zeros(n, bool))
                    reasons.extend(c.reasons if c.reasons is not None else [None] * n)
            mask = np.concatenate(missing)
            derivatives.append(Derivative(
                d.wrt, d.order, np.concatenate(values),
                next((r for r in reasons if r is not None), None),
                mask if mask.any() else None, tuple(reasons) if mask.any() else None))
        return Batch(
            inputs={k: np.concatenate([b.inputs[k] for b in batches]) for k in first.inputs},
            value=np.concatenate([b.value for b in batches]), derivatives=tuple(derivatives),
            warnings=tuple(dict.fromkeys(w for b in batches for w in b.warnings)),
            engine=first.engine, mode=first.mode)


def _is_scalar(value: Any) -> bool:
    return type(value) is float or type(value) is bool


def _array(value: Any) -> Any:
    return np.asarray(value) if _is_scalar(value) else value


def _stack(values: Sequence[Any]) -> Any:
    """The points' values along axis 0: an array; a list for one point that is a Python
    float or bool, so that one scalar point needs no numpy (`Batch.with_arrays`)."""
    if len(values) == 1 and _is_scalar(values[0]):
        return [values[0]]
    if values and np.ndim(values[0]) >= 64:
        raise AdcliLimitError(f"a value of {np.ndim(values[0])} axes cannot be listed by "
                              "points, which take one more axis; numpy's tensors have at "
                              "most 64")
    shapes = {np.shape(v) for v in values}
    if len(shapes) != 1:
        raise AdcliError(f"the program's results have different shapes at different points: "
                         f"{sorted(shapes)}")
    return np.stack([np.asarray(v) for v in values])


class TaylorResult(Record):
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


class Formula(Record):
    """One derivative as a formula: d^order f / d wrt[0] ... d wrt[-1] (order 0: f).

    `expr` is the SymPy expression (a numpy object array of them for a tensor value),
    `text` the formula in adcli's syntax, which `adcli eval` evaluates again (a tensor
    as a nested list), and `latex` the same in LaTeX."""

    wrt: tuple[str, ...]
    expr: Any
    text: str
    latex: str

    @property
    def order(self) -> int:
        return len(self.wrt)

    def label(self, unicode: bool = False, partial: bool = True) -> str:
        return label(self.wrt, unicode, partial)


class Formulas(Record):
    """`adcli diff`: every distinct order-`order` partial of a program by `wrt`, as
    formulas, in the JSON order (`combinations`). `inputs` are the names the program
    reads (each a real symbol in the formulas), in the order it reads them."""

    program: str | None
    wrt: tuple[str, ...]
    order: int
    inputs: tuple[str, ...]
    formulas: tuple[Formula, ...]
    warnings: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        """Whether the formulas are partial derivatives (the program has several inputs)."""
        return len(self.inputs) > 1

    @property
    def text(self) -> str:
        """The formulas in adcli's syntax, one per line."""
        return "\n".join(f.text for f in self.formulas)

    @property
    def latex(self) -> str:
        """The formulas in LaTeX, one per line."""
        return "\n".join(f.latex for f in self.formulas)

    @property
    def expr(self) -> Any:
        """The SymPy expression of the one formula; a tuple of them when there are several."""
        if len(self.formulas) == 1:
            return self.formulas[0].expr
        return tuple(f.expr for f in self.formulas)

    def formula(self, *wrt: str) -> Formula:
        """The formula by its variables, in any order (a KeyError naming those computed)."""
        for f in self.formulas:
            if sorted(f.wrt) == sorted(wrt):
                return f
        computed = ", ".join(label(f.wrt) for f in self.formulas)
        raise KeyError(f"no formula by {', '.join(wrt)}; computed: {computed}")


class ExactTaylor(Record):
    """A program's Taylor polynomial with exact coefficients (`adcli taylor --exact`).

    `coefficients[k]` = f^(k)(a)[v, ..., v] / k! and `derivatives[k]` = f^(k)(a)[v, ..., v]
    are SymPy numbers (1/6, E/2, sqrt(2)/4), `coefficient_texts` and `derivative_texts`
    them in adcli's syntax; `polynomial` is the sum written out in `variable`: x, or
    (x - a) for one input along 1, else t for f(a + t v). `inputs` and `direction` are
    the point and the direction, as formulas' texts."""

    inputs: dict[str, str]
    direction: dict[str, str]
    order: int
    variable: str
    coefficients: tuple[Any, ...]
    derivatives: tuple[Any, ...]
    coefficient_texts: tuple[str, ...]
    derivative_texts: tuple[str, ...]
    polynomial: str
    latex: str


class TapeRow(Record):
    """One recorded operation, or an input, as `adcli tape` shows it."""

    index: int
    operation: str
    inputs: tuple[str, ...]
    value: np.ndarray
    adjoint: np.ndarray | None
    name: str | None = None


class CheckRow(Record):
    """An automatic derivative beside its finite-difference estimate."""

    wrt: tuple[str, ...]
    order: int
    automatic: np.ndarray | None
    numeric: np.ndarray | None
    relative_error: float
    ok: bool


def combinations(names: Sequence[str], order: int) -> list[tuple[str, ...]]:
    """The distinct order-k partials in contract order: x before y gives xx, xy, yy."""
    return [tuple(names[i] for i in combo)
            for combo in itertools.combinations_with_replacement(range(len(names)), order)]


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


def _floats(value: Any) -> np.ndarray:
    """float64 values of a float64 array (no copy) or of an object array of Decimals."""
    array = np.asarray(value)
    return array.astype(np.float64) if array.dtype == object else array


def nonfinite_warnings(derivatives: Iterable[Derivative]) -> list[Note]:
    """One warning per derivative (float64 or Decimal) that holds nan or an infinity."""
    warnings = []
    for d in derivatives:
        if d.value is None:
            continue  # None has its reason
        if type(d.value) is float:
            if not math.isfinite(d.value):
                word = "nan" if d.value != d.value else "infinite"
                warnings.append(Note(f"{label(d.wrt)} is not finite ({word})", "nonfinite"))
            continue
        value = _floats(d.value)
        if d.missing is not None:
            value = value[~d.missing]
        if not np.all(np.isfinite(value)):
            word = "nan" if np.any(np.isnan(value)) else "infinite"
            warnings.append(Note(f"{label(d.wrt)} is not finite ({word})", "nonfinite"))
    return warnings


def nonfinite_coefficient_warnings(coefficients: np.ndarray) -> list[Note]:
    """One warning naming every Taylor coefficient (axis 0: the order) that holds nan or
    an infinity, float64 or Decimal."""
    bad: dict[str, list[int]] = {"nan": [], "infinite": []}
    for k in range(np.shape(coefficients)[0]):
        values = _floats(coefficients[k])
        if np.any(np.isnan(values)):
            bad["nan"].append(k)
        elif not np.all(np.isfinite(values)):
            bad["infinite"].append(k)
    return [Note(f"the coefficient{'s' if len(ks) > 1 else ''} of order"
                 f"{'s' if len(ks) > 1 else ''} {', '.join(map(str, ks))} "
                 f"{'are' if len(ks) > 1 else 'is'} not finite ({word})", "nonfinite")
            for word, ks in bad.items() if ks]


def unused_input_warnings(derivatives: Iterable[Derivative],
                          inputs: Iterable[str]) -> list[Note]:
    """One warning per input the value does not depend on (at any point)."""
    inputs = set(inputs)
    warnings = []
    for d in derivatives:
        if d.order != 1 or d.wrt[0] not in inputs:
            continue
        reasons = d.reasons if d.reasons is not None else (d.reason,) if d.value is None \
            else ()
        if any(r is not None and kind_of(r) == "unconnected" for r in reasons):
            warnings.append(Note(f"the result does not depend on the input '{d.wrt[0]}'",
                                 "unused-input"))
    return warnings
