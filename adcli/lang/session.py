"""An interactive session: inputs run one after another on shared variables and one tape.

One responsibility: the state of a REPL session, without any terminal I/O. Each
`Session.run(text)` parses one input (a statement, or a block of them) and runs it
on the session's globals, `def` functions and persistent `GradientTape`, so that
a later input can differentiate a value with respect to a variable an earlier
input assigned: `x = ones(2, 2)`, `y = sum(x)`, `z = y * y`, then `grad(z, x)`.
Every top-level float variable is watched as it is assigned, for that reason.

An input either completes or leaves no trace: when it fails (an AdcliError, or a
KeyboardInterrupt from Ctrl-C in a long loop) the globals are put back as they
were before it, and the operations it recorded are dropped from the tape.

Imports adcli.lang's own modules, adcli.engine and adcli.errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor
from adcli.errors import AdcliError, AdcliValueError
from adcli.lang import ast, parse
from adcli.lang.interpreter import (
    Limits,
    RunResult,
    UserFunction,
    default_limits,
    execute,
    session_state,
)

__all__ = ["Session", "Step"]


@dataclass(frozen=True)
class Step:
    """What one input did: the value to show (None for an assignment, a def or a loop),
    the value the tape view differentiates (the shown value, else the variable the
    input assigned last), and where the input's operations sit on the session tape."""

    text: str
    value: Any
    result: Any
    result_name: str | None
    records: range
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_value(self) -> bool:
        return self.value is not None


class Session:
    """Variables, functions and one persistent tape, shared by the inputs of a REPL."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or default_limits()
        self.reset()

    def reset(self) -> None:
        """Forget every variable, function and recorded operation."""
        self.tape = GradientTape(persistent=True)
        self._state = session_state(self.limits, self.tape)
        self.last: Step | None = None

    # -- what the session holds ------------------------------------------------------
    @property
    def variables(self) -> Mapping[str, Any]:
        """Every variable (Tensors, floats or truth values), in the order first assigned."""
        return MappingProxyType({k: v for k, v in self._state.globals.items()
                                 if not isinstance(v, UserFunction) and v is not None})

    @property
    def functions(self) -> Mapping[str, UserFunction]:
        """The functions defined with `def`."""
        return MappingProxyType({k: v for k, v in self._state.globals.items()
                                 if isinstance(v, UserFunction)})

    def names(self) -> list[str]:
        """Variable and function names, for completion."""
        return sorted(self._state.globals)

    # -- running ---------------------------------------------------------------------
    def run(self, text: str) -> Step:
        """Run one input on the session; raise AdcliError (or KeyboardInterrupt) with
        the session exactly as it was before the input."""
        step = self._run(text)
        self.last = step
        return step

    def _run(self, text: str) -> Step:
        program = self._parse(text)
        globals_before = dict(self._state.globals)
        start = self.tape.mark()
        try:
            value, _name, st, _inputs = execute(
                program, {}, {}, of=None, limits=self.limits, source=text,
                watch=frozenset(), check=False, session=self._state,
            )
        except BaseException as error:
            # All or nothing: a failed or interrupted input must not leave a
            # half-assigned state behind (nor millions of records of a cut loop).
            self._state.globals.clear()
            self._state.globals.update(globals_before)
            self.tape.truncate(start)
            if isinstance(error, AdcliError):
                raise error.with_source(text) from None
            raise
        if isinstance(value, UserFunction):
            value = None  # naming a function shows nothing, as a def does
        result, result_name = value, None
        if result is None and st.last_assigned is not None:
            result_name = st.last_assigned
            result = self._state.globals.get(result_name)
        warnings = ()
        if value is not None and not _finite(value):
            warnings = (f"the value is {_nonfinite(value)}",)
        return Step(text, value, result, result_name, range(start, self.tape.mark()),
                    warnings)

    def value_of(self, expression: str) -> RunResult:
        """The value of one expression in the session, as a RunResult whose tape is the
        session's (for adcli.api to differentiate); no variable changes."""
        program = self._parse(expression)
        if len(program.body) != 1 or not isinstance(program.body[0], ast.ExprStmt):
            raise AdcliValueError("expected one expression, such as z or f(x) * 2",
                                  program.span, expression)
        step = self._run(expression)  # not `last`: the tape view stays on the user's input
        value = step.value
        if value is None:
            raise AdcliValueError("the expression has no value", program.span, expression)
        if not isinstance(value, Tensor):
            value = Tensor(np.asarray(value, dtype=np.float64))
        variables = {k: v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=np.float64))
                     for k, v in self.variables.items()}
        return RunResult(value=value, value_name=None, variables=MappingProxyType(variables),
                         inputs=MappingProxyType({}), warnings=step.warnings, tape=self.tape,
                         program=program)

    def _parse(self, text: str) -> ast.Program:
        # The grammar's indenter needs a final newline.
        source = text if text.endswith("\n") else text + "\n"
        try:
            return parse(source, self.limits)
        except AdcliError as error:
            raise error.with_source(text) from None


def _finite(value: Any) -> bool:
    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    return array.dtype.kind not in "fc" or bool(np.all(np.isfinite(array)))


def _nonfinite(value: Any) -> str:
    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value, dtype=float)
    return "nan" if np.any(np.isnan(array)) else "infinite"
