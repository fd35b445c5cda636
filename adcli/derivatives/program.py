"""Programs and their inputs as the derivative layer takes them from Python.

One responsibility: turn what callers pass into what the language runs, once. A
program is text or a parsed `Program`; an input or constant value is a number, a
bool, a list or tuple (nested to any depth), a numpy array, an adcli Tensor, or an
expression's text such as "pi/4" (evaluated). `execute` runs a program on a fresh
persistent tape and turns "this name has no value" into a `MissingInputError` that
names the input, so that every face can say how to give it.

Imports adcli.lang (lazily, to parse and run), adcli.engine and adcli.records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adcli.engine.lazy_numpy import np
from adcli.engine.tensor import Tensor
from adcli.errors import AdcliError, AdcliNameError, AdcliUsageError, Setting
from adcli.records import Record


class Program(Record):
    """A parsed program with its text, so that errors can show the offending line."""

    source: str | None  # None for a tree made without text
    tree: Any


def parse_program(text: str, limits: Any = None) -> Program:
    """Parse program text once, to run it many times (raises AdcliSyntaxError)."""
    from adcli.lang import parse

    try:
        return Program(text, parse(text, limits))
    except AdcliError as error:
        raise error.with_source(text) from None


def as_program(program: str | Program, limits: Any = None) -> Program:
    """A Program from text or a Program."""
    return program if isinstance(program, Program) else parse_program(program, limits)


def as_array(value: Any) -> np.ndarray:
    """A value as a numpy array: integers become float64, so that they differentiate."""
    array = np.asarray(value)  # a Tensor gives its own array (Tensor.__array__)
    return array.astype(np.float64) if array.dtype.kind in "iu" else array


def as_value(value: Any) -> np.ndarray | float | bool:
    """`as_array`, but a scalar is a Python float (or bool), which needs no numpy
    (adcli/engine/lazy_numpy.py): the one-point path (`api.point_result`) takes one
    wherever it takes a 0-d float64 (or bool) array."""
    if isinstance(value, Tensor):
        value = value._v
    kind = type(value)
    if kind is float or kind is bool:
        return value
    if kind is int and -2**63 <= value < 2**63:  # what numpy takes as an int64
        return float(value)
    return as_array(value)


def input_values(values: Mapping[str, Any] | None, let: Mapping[str, Any] | None = None,
                 parameter: str = "at", scalars: bool = False) -> dict[str, np.ndarray]:
    """Input or constant values as arrays (with `scalars`, a scalar as a Python float or
    bool: see `as_value`). Texts are evaluated in float64 with the constants `let` (a
    constant's text, with the constants before it); anything that is not numbers is a
    usage error naming the value and `parameter`."""
    arrays: dict[str, np.ndarray] = {}
    word = "input" if parameter == "at" else "constant"
    for name, value in mapping(values, parameter).items():
        if not isinstance(name, str) or not name.isidentifier():
            raise AdcliUsageError(f"{name!r} is not a name an input or constant can have",
                                  parameter=parameter)
        try:
            context = arrays if parameter == "let" else let
            array = parse_value(value, context, scalars) if isinstance(value, str) \
                else as_value(value) if scalars else as_array(value)
        except AdcliError as error:
            raise AdcliUsageError(f"the value of {word} '{name}', {value!r}, cannot be evaluated: "
                                  f"{error.message}", parameter=parameter, name=name) from None
        except (TypeError, ValueError) as error:
            raise AdcliUsageError(f"the value of {word} '{name}' must be a number, a nested "
                                  f"list of numbers or an array ({error})",
                                  parameter=parameter, name=name) from None
        if type(array) is float or type(array) is bool:
            arrays[name] = array
            continue
        if array.dtype.kind == "c":
            raise AdcliUsageError(f"the value of {word} '{name}' is complex; adcli works with "
                                  "real numbers", parameter=parameter, name=name)
        if array.dtype.kind not in "fb":
            wanted = "numbers" if isinstance(value, np.ndarray) \
                else "a number, a nested list of numbers or an array"
            raise AdcliUsageError(f"the value of {word} '{name}' must be {wanted}, not "
                                  f"{array.dtype.name} ({value!r})", parameter=parameter,
                                  name=name)
        arrays[name] = array
    return arrays


def mapping(values: Any, parameter: str) -> Mapping[str, Any]:
    """`values` when it maps names to values ({} for None); a usage error otherwise."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise AdcliUsageError(f"{parameter} must map names to values, e.g. {{'x': 1.0}}, not "
                              f"{type(values).__name__}", parameter=parameter)
    return values


def parse_value(text: str, let: Mapping[str, Any] | None = None,
                scalars: bool = False) -> np.ndarray:
    """The value of an adcli expression such as `pi/4`, `[1, 2]` or `ones(2, 2)`: an
    array (with `scalars`, a scalar as a Python float or bool: see `as_value`)."""
    program = parse_program(text)
    try:
        outcome = execute(program, {}, input_values(let, parameter="let", scalars=scalars),
                          None, None)
    except MissingInputError as error:
        raise error.original from None
    return as_value(outcome.value) if scalars else as_array(outcome.value)


class MissingInputError(AdcliUsageError):
    """The program reads a name that is neither assigned, a builtin, an input nor a
    constant: the caller forgot to give it (a usage error, not an evaluation error).
    `name` is the input; its settings say how to give it."""

    def __init__(self, name: str, error: AdcliError) -> None:
        close = error.message.partition(";")[2].strip()
        super().__init__(
            f"missing input '{name}': the program reads it, but it has no value"
            + (f" ({close})" if close else ""),
            error.span, error.source, hint="give it with", parameter="at", name=name,
            settings=(Setting("at", name=name, note="an input to differentiate"),
                      Setting("let", name=name, note="a constant")))
        self.original = error


def execute(program: Program, inputs: Mapping[str, Any], let: Mapping[str, Any] | None,
            of: str | None, limits: Any, watch: Sequence[str] = (), **options: Any) -> Any:
    """Run `program` on a fresh persistent tape watching `inputs`, or on the `tape=` given
    in `options` (adcli.lang.run's keywords), and return its RunResult; a name without a
    value is a MissingInputError."""
    from adcli.lang import run

    try:
        return run(program.tree, inputs=inputs, constants=dict(let or {}), of=of,
                   limits=limits, watch=tuple(watch), source=program.source, **options)
    except AdcliNameError as error:
        if error.unknown is None:
            raise
        raise MissingInputError(error.unknown, error) from None
