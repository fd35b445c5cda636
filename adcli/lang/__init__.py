"""The adcli language: parse program text and run it on the gradient tape.

The public surface of the language, for adcli.api and the CLI:

- `parse(source, limits=Limits()) -> Program` turns text into an AST (or raises
  AdcliSyntaxError / AdcliLimitError).
- `run(source_or_program, inputs={}, constants={}, of=None, limits=Limits(), watch=(),
  check_finite=None, tape=None) -> RunResult` runs a program on a persistent
  GradientTape that watches the inputs, and returns its value, its variables, the
  input Tensors, the live tape and warnings.

Imports adcli.lang's own modules (and through them adcli.engine and adcli.errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from adcli.engine.tape import GradientTape
from adcli.errors import AdcliError
from adcli.lang import ast
from adcli.lang.interpreter import (
    Limits,
    RunResult,
    UserFunction,
    default_limits,
    run_program,
    set_default_limits,
)

__all__ = ["Limits", "Program", "RunResult", "UserFunction", "ast", "default_limits", "parse",
           "run", "set_default_limits"]

Program = ast.Program


def parse(source: str, limits: Limits | None = None) -> ast.Program:
    """Parse program text into its AST; raise AdcliSyntaxError or AdcliLimitError."""
    from adcli.lang import ast_cache

    limits = limits or default_limits()
    # Text the parser would refuse for its size never reaches the cache.
    if isinstance(source, str) and len(source) <= limits.max_source_chars:
        directory, grammar = ast_cache.cache_directory(), ast_cache.grammar_file()
        program = ast_cache.load(directory, grammar, source, limits.max_nesting)
        if program is not None:
            return program
    from adcli.lang.parser import parse as _parse  # lark is imported on a cache miss only

    program = _parse(source, max_chars=limits.max_source_chars, max_nesting=limits.max_nesting)
    if isinstance(source, str):
        ast_cache.store(directory, grammar, source, limits.max_nesting, program)
    return program


def run(
    source_or_program: str | ast.Program,
    inputs: Mapping[str, Any] | None = None,
    constants: Mapping[str, Any] | None = None,
    of: str | None = None,
    limits: Limits | None = None,
    *,
    watch: Iterable[str] = (),
    check_finite: bool | None = None,
    tape: GradientTape | None = None,
    source: str | None = None,
) -> RunResult:
    """Run a program and return its RunResult.

    inputs: name -> number, nested list, numpy array (a 1-D array is a batch of points
        for elementwise programs) or Tensor; each becomes a float64 Tensor watched by
        the tape (a float64 Tensor is used as it is, so the caller can differentiate
        with respect to its own object).
    constants: name -> value, available to the program but not watched.
    of: the variable whose value is the program's value; otherwise the final
        expression statement, else a top-level `return`, else the variable assigned last.
    watch: more names to watch whenever they are bound (variables the caller will
        differentiate with respect to, e.g. `a` in `a = 2; y = a * x`).
    check_finite: None (default) re-runs in a checking mode only when the value is
        nan or inf, to name the first operation that made it; True always checks;
        False never does.
    tape: a persistent GradientTape to record on (a new one by default).
    source: the program text, for error excerpts, when a parsed Program is given.
    """
    limits = limits or default_limits()
    if isinstance(source_or_program, ast.Program):
        program = source_or_program
    else:
        source = source_or_program
        program = parse(source_or_program, limits)
    try:
        return run_program(
            program, inputs, constants, of=of, limits=limits, source=source,
            watch=frozenset(watch), check_finite=check_finite, tape=tape,
        )
    except AdcliError as error:
        raise error.with_source(source) from None
