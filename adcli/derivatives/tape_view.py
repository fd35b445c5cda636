"""The recorded tape as rows a person can read: `adcli tape` and the REPL's `:tape`.

One responsibility: one row per input and recorded operation, with the row numbers of
its arguments, its forward value and its adjoint (the gradient of the result with
respect to that row after the backward pass). Reads the tape through its public
methods (`operations`, `tracks`, `gradient`).

Imports the derivative layer's program and results, and adcli.engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adcli.derivatives.program import Program, as_array, execute, input_values
from adcli.derivatives.results import Result, TapeRow
from adcli.engine.lazy_numpy import np
from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor


def program_rows(program: Program, at: Mapping[str, Any], let: Mapping[str, Any] | None = None,
                 of: str | None = None, limits: Any = None) -> tuple[Result, list[TapeRow]]:
    """The tape of one run: a row per watched input, then a row per operation."""
    inputs = input_values(at, let)
    outcome = execute(program, inputs, let, of, limits)
    inputs_on_tape = [(name, t) for name, t in outcome.inputs.items() if isinstance(t, Tensor)]
    names: dict[int, str] = {}
    for name, v in outcome.variables.items():
        if isinstance(v, Tensor):
            names.setdefault(id(v), name)
    names.update({id(t): name for name, t in inputs_on_tape})
    rows = _rows(outcome.tape, [t for _, t in inputs_on_tape], outcome.tape.operations(),
                 outcome.value, names)
    result = Result(inputs=inputs, value=as_array(outcome.value),
                    warnings=tuple(outcome.warnings))
    return result, rows


def session_rows(session: Any) -> list[TapeRow]:
    """The operations the session's last input records, after one input row per earlier
    tensor they read; adjoints are gradients of that input's value (else of the variable
    it assigned). The session records the input again for this (Session.recording)."""
    recording = session.recording()
    if recording is None:
        return []
    tape: GradientTape = recording.tape
    records = tape.operations(recording.records.start, recording.records.stop)
    made = {id(out) for *_, out in records}
    earlier: dict[int, Tensor] = {}
    for _prim, args, _params, _out in records:
        for arg in args:
            if isinstance(arg, Tensor) and id(arg) not in made and tape.tracks(arg):
                earlier.setdefault(id(arg), arg)
    names = {id(v): name for name, v in recording.variables.items() if isinstance(v, Tensor)}
    value = recording.result
    if not (isinstance(value, Tensor) and value.dtype.kind == "f"):
        value = None
    return _rows(tape, list(earlier.values()), records, value, names)


def _rows(tape: GradientTape, inputs: Sequence[Tensor], records: Sequence[tuple], value: Any,
          names: Mapping[int, str]) -> list[TapeRow]:
    everything = list(inputs) + [out for *_, out in records]
    adjoints: list[Any] = [None] * len(everything)
    if isinstance(value, Tensor) and everything:
        with np.errstate(all="ignore"):
            adjoints = tape.gradient(value, everything)
    row_of: dict[int, int] = {}
    rows: list[TapeRow] = []
    for index, t in enumerate(everything):
        row_of[id(t)] = index
        adjoint = None if adjoints[index] is None else as_array(adjoints[index])
        if index < len(inputs):
            rows.append(TapeRow(index, "input", (), as_array(t), adjoint, names.get(id(t))))
            continue
        prim, args, params, _out = records[index - len(inputs)]
        described = tuple(_describe(a, row_of) for a in args)
        described += tuple(f"{k}={_short(v)}" for k, v in params.items() if v is not None)
        rows.append(TapeRow(index, prim.name, described, as_array(t), adjoint,
                            names.get(id(t))))
    return rows


def _describe(arg: Any, row_of: Mapping[int, int]) -> str:
    if isinstance(arg, Tensor) and id(arg) in row_of:
        return f"#{row_of[id(arg)]}"
    return _short(np.asarray(arg) if isinstance(arg, Tensor) else arg)


def _short(value: Any) -> str:
    array = np.asarray(value) if not isinstance(value, (tuple, str, np.dtype)) else None
    if array is None:
        return str(value)
    if array.size == 1:
        return f"{array.reshape(()).item():.6g}" if array.dtype.kind in "fiu" else str(array)
    return f"tensor{tuple(array.shape)}"
