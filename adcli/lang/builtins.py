"""The language's builtin functions and constants, derived from the engine's operations.

One responsibility: the table from a name the language knows (`sin`, `sum`,
`reduce_sum`, `ones`, ...) to the engine operation it calls, with the operation's
parameters, which of them must be whole numbers (axes, shapes, counts) and which
results are made float64 (every number in the language is float64). Each
primitive is defined once, in the engine; this module only describes how the
language calls it. Entries are built on first use (inspecting a signature costs
time at start-up). The differentiation functions (`grad`, `jacobian`, `hessian`)
and `len` are the interpreter's own; they are listed here so that name lookup,
suggestions and the docs see one table.

Imports adcli.engine.ops, adcli.records and the standard library.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from adcli.engine import ops
from adcli.records import Record

# Engine operations the language does not offer: dtypes and strings do not exist in
# the language, indexing is written x[i], and `constant` is what a literal is.
_EXCLUDED = frozenset({"cast", "constant", "convert_to_tensor", "gather_index", "identity"})

# Short names a calculator user expects, beside TensorFlow's.
ALIASES: dict[str, str] = {
    "sum": "reduce_sum",
    "mean": "reduce_mean",
    "prod": "reduce_prod",
    "max": "reduce_max",
    "min": "reduce_min",
    "logsumexp": "reduce_logsumexp",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arctan2": "atan2",
    "ln": "log",
}

# With two or more positional arguments these are elementwise, as Python's are:
# max(x, 0) is maximum(x, 0); with one (max(x), max(x, axis=0)) they reduce.
ELEMENTWISE_OF_SEVERAL: dict[str, str] = {"max": "maximum", "min": "minimum"}



def _log(x: Any, base: Any = None) -> Any:
    """the natural logarithm; log(x, base) is log(x) / log(base)"""
    if base is None:
        return ops.log(x)
    return ops.divide(ops.log(x), ops.log(base))


# Where the language's form of an operation takes more than the engine's: `log(x, b)`
# (the one-argument log is the engine's primitive itself).
_LANGUAGE_FORMS: dict[str, Callable[..., Any]] = {"log": _log}

# Parameters that take whole numbers (or lists of them): they become Python ints.
_WHOLE = frozenset({
    "axis", "perm", "shape", "dims", "multiples", "num", "num_rows", "num_columns", "n",
})
# Operations that count rather than compute: their whole-number results become float64.
_FLOAT_RESULT = frozenset({"range", "size", "shape"})
# `range` counts, so its bounds are whole numbers too.
_WHOLE_BY_OP = {"range": frozenset({"start", "limit", "delta"})}
# The engine's non-differentiable wrappers take *args; their arity, by name.
_UNARY_VARARGS = frozenset({"ceil", "floor", "round", "sign", "logical_not"})
# Parameters the language never passes (no dtypes, no op names).
_HIDDEN_PARAMS = frozenset({"name", "dtype"})

# Functions the interpreter implements itself (they need the tape or the AST).
LANGUAGE_FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "grad": (("y", "x"), "d(sum of y)/dx, itself differentiable; 0 where y does not depend on x"),
    "jacobian": (("y", "x"), "dy[i...]/dx[j...], shape y.shape + x.shape"),
    "hessian": (("y", "x"), "the matrix of second derivatives of a single-valued y"),
    "len": (("x",), "the length of the first axis"),
}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan}


class Builtin(Record):
    """How the language calls one engine operation."""

    name: str  # the name the program used (an alias or the TensorFlow name)
    op_name: str  # the engine's name
    function: Callable[..., Any]
    params: tuple[str, ...]
    required: int  # how many leading params have no default
    whole: frozenset[str]
    positional_only: bool  # the engine takes *args (no keywords)
    float_result: bool
    doc: str


def engine_names() -> tuple[str, ...]:
    """Every engine operation the language offers, by its TensorFlow name."""
    return tuple(n for n in ops.__all__ if n not in _EXCLUDED)


def all_names() -> tuple[str, ...]:
    """Every function name the language knows (operations, aliases, its own functions)."""
    return engine_names() + tuple(ALIASES) + tuple(LANGUAGE_FUNCTIONS)


_NAMES = frozenset(engine_names()) | frozenset(ALIASES)
_CACHE: dict[str, Builtin] = {}


def is_builtin(name: str) -> bool:
    """True when `name` is an engine operation or an alias of one."""
    return name in _NAMES


def lookup(name: str) -> Builtin | None:
    """The builtin called `name`, or None."""
    cached = _CACHE.get(name)
    if cached is not None or name not in _NAMES:
        return cached
    op_name = ALIASES.get(name, name)
    function = _LANGUAGE_FORMS.get(op_name) or getattr(ops, op_name)
    signature = inspect.signature(function)
    params: list[str] = []
    required = 0
    positional_only = False
    for param in signature.parameters.values():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            positional_only = True
            params = ["x"] if op_name in _UNARY_VARARGS else ["x", "y"]
            required = len(params)
            continue
        if param.name in _HIDDEN_PARAMS or param.kind is inspect.Parameter.KEYWORD_ONLY:
            continue
        params.append(param.name)
        if param.default is inspect.Parameter.empty:
            required = len(params)
    doc = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
    entry = Builtin(
        name=name,
        op_name=op_name,
        function=function,
        params=tuple(params),
        required=required,
        whole=(_WHOLE | _WHOLE_BY_OP.get(op_name, frozenset())) & frozenset(params),
        positional_only=positional_only,
        float_result=op_name in _FLOAT_RESULT,
        doc=doc,
    )
    _CACHE[name] = entry
    return entry
