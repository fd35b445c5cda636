"""Evaluate a parsed program on the engine's gradient tape.

One responsibility: run an `adcli.lang.ast.Program`. Each AST node is compiled once
into a Python closure and the closures run the program, so per-node dispatch costs
nothing at run time (the speed target is a loop iteration in well under 15 us,
engine included). Values are Python floats and bools while no tensor is involved
(loop counters, `i % 3`), done directly in Python with numpy's IEEE results for
division by zero and overflow; anything touching a Tensor is an engine operation,
so the tape records it.

The whole program runs inside one persistent `GradientTape` that watches the
program's inputs (and any variable that the program or the caller differentiates
with respect to), so `grad(y, x)` is `tape.gradient(y, x)` on a recording tape and
is itself differentiable. Limits (loop iterations, call depth, tensor size) are
checked as the program runs; every failure is an `AdcliError` with the span of the
node that caused it.

Imports adcli.engine, adcli.errors, adcli.records, adcli.lang.ast and
adcli.lang.builtins.
"""

from __future__ import annotations

import math
import operator
import re
import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from adcli.engine import ops
from adcli.engine.lazy_numpy import float_errors_ignored, np
from adcli.engine.primitives import (
    BadShape,
    TooLarge,
    TooMuchMemory,
    element_limit,
    memory_limit,
)
from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor, scalar_tensor
from adcli.errors import (
    AdcliCallerNameError,
    AdcliError,
    AdcliLimitError,
    AdcliNameError,
    AdcliShapeError,
    AdcliSyntaxError,
    AdcliTypeError,
    AdcliUsageError,
    AdcliValueError,
    Setting,
    Span,
)
from adcli.lang import ast, time_limit
from adcli.lang import builtins as B
from adcli.records import Record, field


class Limits(Record):
    """What a program may use; each limit, when reached, is an AdcliLimitError. A limit
    that is not a whole number of 1 or more (time_seconds: a number of seconds above 0,
    at most 10^9), or a call depth above MAX_CALL_DEPTH, is an AdcliUsageError."""

    max_iterations: int = 10**6  # loop iterations plus function calls, in total
    max_call_depth: int = 200
    max_tensor_elements: int = 10**7
    max_source_chars: int = 1_000_000
    max_nesting: int = 100  # brackets and indented blocks
    # Distinct partial derivatives one request may ask for, and the operations the
    # tape's nested passes may record for them (estimated before they start; see
    # adcli/derivatives/request_size.py).
    max_partials: int = 1_000
    max_tape_operations: int = 1_000_000
    # Resident memory (MiB) the process may reach by an operation of a million entries
    # or more, in a run and in its derivative passes (adcli/engine/primitives.py).
    max_memory_mb: int = 2048
    # Seconds a command, an API call or one REPL input may take in all (None: no limit);
    # see adcli/lang/time_limit.py.
    time_seconds: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_iterations", "max_call_depth", "max_tensor_elements",
                     "max_source_chars", "max_nesting", "max_partials",
                     "max_tape_operations", "max_memory_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise AdcliUsageError(f"Limits({name}=...) must be a whole number of 1 or "
                                      f"more, not {value!r}", parameter=name)
        if self.max_call_depth > MAX_CALL_DEPTH:
            # Each level is a few Python frames: deeper, and a recursion takes gigabytes
            # before it is stopped.
            raise AdcliUsageError(f"Limits(max_call_depth=...) can be at most "
                                  f"{MAX_CALL_DEPTH:,}, not {self.max_call_depth:,}",
                                  parameter="max_call_depth")
        seconds = self.time_seconds
        if seconds is not None and (isinstance(seconds, bool)
                                    or not isinstance(seconds, (int, float))
                                    or not 0 < seconds <= 1e9):
            raise AdcliUsageError(f"Limits(time_seconds=...) must be a number of seconds "
                                  f"above 0 and at most 10^9, or None, not {seconds!r}",
                                  parameter="time_seconds")


MAX_CALL_DEPTH = 100_000


def memory_error(error: TooMuchMemory, span: Span | None = None) -> AdcliLimitError:
    """The limit error of an operation refused by the memory limit."""
    return AdcliLimitError(
        f"an operation needs {error.needed >> 20:,} MiB more on the {error.held >> 20:,} "
        f"MiB held, more than the limit of {error.limit >> 20:,} MiB (its tensors are "
        "each within the element limit, but not together)", span,
        hint="keep fewer large tensors, or raise the limit", limit="max_memory_mb",
        settings=(Setting("max_memory_mb", limit=True),))


# The limits a run gets when its caller names none. The CLI sets them once per
# process from --max-iterations, --max-elements and --max-depth.
_default_limits = [Limits()]


def default_limits() -> Limits:
    """The limits used when a caller passes none."""
    return _default_limits[0]


def set_default_limits(limits: Limits) -> None:
    """Make `limits` the default of every later run in this process."""
    _default_limits[0] = limits


class RunResult(Record):
    """What a run leaves: the value, the variables, the inputs, the live tape, warnings.

    `tape` is persistent and has exited; call `tape.gradient(value, source)` for first
    derivatives, or re-enter it (`with result.tape:`) so that gradients are recorded
    and can be differentiated again. `inputs` holds the watched input Tensors and
    `variables` the last value of every top-level variable (numbers as Tensors).
    """

    value: Tensor
    value_name: str | None
    variables: Mapping[str, Tensor]
    inputs: Mapping[str, Tensor]
    warnings: tuple[str, ...]
    tape: GradientTape
    program: ast.Program = field(repr=False)


class _Return:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_BREAK = object()
_CONTINUE = object()
_NO_VALUE = object()


class UserFunction:
    """A function defined with `def` in the program."""

    __slots__ = ("name", "params", "defaults", "body", "span", "source")

    def __init__(self, name: str, params: tuple[str, ...], defaults: tuple[Any, ...],
                 body: Callable[[dict], Any], span: Span, source: str | None = None) -> None:
        self.name = name
        self.params = params
        self.defaults = defaults  # values for the trailing params that have defaults
        self.body = body
        self.span = span
        # The text that defined the function: its body's spans point into it, and in a
        # session (adcli.lang.session) that is an earlier input than the one running.
        self.source = source

    def __repr__(self) -> str:
        return f"<function {self.name}({', '.join(self.params)})>"


# ---- values --------------------------------------------------------------------

_PY_BINOPS: dict[str, Callable[[float, float], Any]] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "floor_divide": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
}
_NP_BINOPS = {  # numpy's names (numpy is imported when one is first needed)
    "add": "add", "subtract": "subtract", "multiply": "multiply", "divide": "true_divide",
    "floor_divide": "floor_divide", "mod": "mod", "pow": "power",
}
_SYMBOLS = {
    "add": "+", "subtract": "-", "multiply": "*", "divide": "/", "floor_divide": "//",
    "mod": "%", "pow": "**", "matmul": "@", "negative": "-", "positive": "+",
    "logical_not": "not", "less": "<", "less_equal": "<=", "equal": "==", "not_equal": "!=",
    "greater": ">", "greater_equal": ">=",
}
_PY_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "less": operator.lt, "less_equal": operator.le, "equal": operator.eq,
    "not_equal": operator.ne, "greater": operator.gt, "greater_equal": operator.ge,
}


# numpy's words for a tensor of too many axes (it allows MAX_RANK), for errors in adcli's.
MAX_RANK = 64
RANK_MESSAGES = re.compile(r"dimensions must be within \[0, 64\]|maximum supported "
                            r"dimension for an ndarray is|only supports up to \d+ dimensions")


def _ieee(op: str, a: float, b: float) -> float:
    """numpy's float64 result where Python raises (1/0, 0/0, x % 0, overflow in **)."""
    with np.errstate(all="ignore"):
        return float(getattr(np, _NP_BINOPS[op])(np.float64(a), np.float64(b)))


def _py_pow(a: float, b: float) -> float:
    try:
        result = a**b
    except (ZeroDivisionError, OverflowError):
        return _ieee("pow", a, b)
    # A negative base with a fractional exponent is complex in Python, nan in numpy.
    return math.nan if type(result) is complex else result


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    if isinstance(value, UserFunction):
        return f"the function '{value.name}'"
    if value is None:
        return "no value (a function call without 'return')"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(value.shape) if isinstance(value, Tensor) else ()


def _size(value: Any) -> int:
    return value.size if isinstance(value, Tensor) else 1


def _is_finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Tensor):
        stored = value._v
        if type(stored) is float:
            return math.isfinite(stored)
        if type(stored) is bool:
            return True
        array = np.asarray(value.numpy())
        return array.dtype.kind in "biu" or bool(np.all(np.isfinite(array)))
    return True


def _nonfinite_word(value: Any) -> str:
    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value, dtype=float)
    if np.any(np.isnan(array)):
        return "nan"
    return "-inf" if np.any(array == -np.inf) and not np.any(array == np.inf) else "inf"


def _to_tensor(value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    kind = type(value)
    if kind is float or kind is bool:
        return scalar_tensor(value)
    if kind is int:
        return scalar_tensor(float(value))
    if isinstance(value, bool):
        return Tensor(np.bool_(value))
    return Tensor(np.float64(value))


def _float_tensor(value: Any) -> Any:
    """Bool tensors become float64 before arithmetic (True + True is 2, as in Python)."""
    if isinstance(value, Tensor) and type(value._v) is not float and (
            type(value._v) is bool or value.dtype.kind == "b"):
        return ops.cast(value, np.float64)
    if type(value) is bool:
        return float(value)
    return value


def convert_input(name: str, value: Any) -> Tensor:
    """An input value (number, nested list, numpy array, Tensor) as a float64 Tensor."""
    if isinstance(value, Tensor):
        if type(value._v) is float:
            return value
        return value if value.dtype == np.float64 else ops.cast(value, np.float64)
    kind = type(value)
    if kind is float or kind is int or kind is bool:
        return scalar_tensor(float(value))
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise AdcliUsageError(f"input '{name}' is not a number or an array: {error}") from None
    return Tensor(array)


# ---- the run state ---------------------------------------------------------------


class _State:
    """What one run shares between its closures."""

    def __init__(self, limits: Limits, tape: GradientTape, source: str | None,
                 watch: frozenset[str], check: bool) -> None:
        self.limits = limits
        self.max_iterations = limits.max_iterations
        self.max_elements = limits.max_tensor_elements
        self.tape = tape
        self.source = source
        self.watch = watch
        self.check = check
        self.steps = 0
        self.at: Span | None = None  # the loop or call that stepped last
        self.depth = 0
        self.globals: dict[str, Any] = {}
        self.last_assigned: str | None = None
        self.last_expr: Any = _NO_VALUE
        self.returned: Any = _NO_VALUE
        self.warning: str | None = None
        # Session hooks (adcli.lang.session). `session`: top-level bindings go through
        # `bind_global`, which counts them per name (`bindings`, per run). A run then
        # watches the names it differentiates itself (`watch_now`), and, when the
        # session replays an earlier input to record it, the binding that left a source
        # variable its value (`sources_at`: name -> binding number), or every float
        # binding (`watch_globals`, for the tape view of one input).
        self.session = False
        self.bindings: dict[str, int] = {}
        self.watch_now: frozenset[str] = frozenset()
        self.sources_at: dict[str, int] = {}
        self.watch_globals = False
        self.watching = False  # any of the three above: set by `begin`

    def begin(self, source: str | None, watch: frozenset[str], check: bool) -> None:
        """Session hook: start the next run on this state. Its globals, tape and the
        closures compiled by earlier runs (functions) carry over; the per-run counters
        start afresh, and the watched names only grow, because functions compiled
        earlier test them as they run."""
        self.source = source
        self.watch = self.watch | watch
        self.watch_now = watch
        self.bindings = {}
        self.watching = bool(watch or self.watch_globals or self.sources_at)
        self.check = check
        self.steps = 0
        self.depth = 0
        self.last_assigned = None
        self.last_expr = _NO_VALUE
        self.returned = _NO_VALUE
        self.warning = None

    def watch_global(self, value: Any) -> Any:
        """A session's top-level value as a watched Tensor when it is a float number or
        tensor (truth values and functions stay as they are: no derivative there)."""
        if type(value) is float or (isinstance(value, Tensor) and value.dtype == np.float64):
            value = _to_tensor(value)
            self.tape.watch(value)
        return value

    def bind_global(self, name: str, value: Any) -> Any:
        """Session hook: the value a top-level binding stores (counted per name)."""
        counts = self.bindings
        number = counts[name] = counts.get(name, 0) + 1
        if not self.watching:
            return value
        if name in self.watch_now:
            return self.bind_watched(name, value)
        if self.watch_globals:
            return self.watch_global(value)
        if number == self.sources_at.get(name):
            return self.watch_source(value)
        return value

    def watch_source(self, value: Any) -> Any:
        """Session hook: `watch_global`, and every global bound to that same value is
        rebound to the watched Tensor, for they are one variable (x = c)."""
        watched = self.watch_global(value)
        if watched is not value:
            for other, bound in self.globals.items():
                if bound is value:
                    self.globals[other] = watched
        return watched

    def step(self, span: Span) -> None:
        self.steps += 1
        self.tick(span)

    def tick(self, span: Span) -> None:
        """After a step at `span` was counted: the limits on steps and, every 1024 steps,
        on time (off the main thread no alarm interrupts a loop)."""
        self.at = span
        if not self.steps & 1023 and time_limit.active():
            time_limit.check()
        if self.steps > self.max_iterations:
            raise AdcliLimitError(
                f"the program ran more than {self.max_iterations:,} loop iterations and calls",
                span, hint="if it is meant to run longer, raise the limit",
                limit="max_iterations", settings=(Setting("max_iterations", limit=True),),
            )

    def bind_watched(self, name: str, value: Any) -> Any:
        """A value bound to a name the program differentiates with respect to: a watched
        Tensor, so that `x = 1; grad(x*x, x)` is 2."""
        if name in self.watch and not isinstance(value, UserFunction) and value is not None:
            value = _to_tensor(_float_tensor(value))
            self.tape.watch(value)
        return value

    def note(self, label: str, span: Span, result: Any, inputs: tuple) -> None:
        """In checking mode: remember the first operation that made nan/inf of finite inputs."""
        if self.warning is not None or _is_finite(result):
            return
        if all(_is_finite(v) for v in inputs):
            snippet = ""
            if self.source is not None and span.end > span.start:
                snippet = " in '" + self.source[span.start:span.end].replace("\n", " ") + "'"
            self.warning = (
                f"{label} at {span} turned finite inputs into {_nonfinite_word(result)}{snippet}"
            )


# ---- scopes ----------------------------------------------------------------------


class _Scope:
    """Compile-time knowledge of where a name lives."""

    def __init__(self, function: str | None, local_names: frozenset[str],
                 global_names: frozenset[str], function_names: frozenset[str],
                 loop_depth: int = 0) -> None:
        self.function = function  # None at top level
        self.local_names = local_names
        self.global_names = global_names
        self.function_names = function_names
        self.loop_depth = loop_depth

    def in_loop(self) -> _Scope:
        return _Scope(self.function, self.local_names, self.global_names, self.function_names,
                      self.loop_depth + 1)


# The walks below tell nodes by their class's name, not by isinstance: a node class is
# made on first use (adcli/lang/ast.py, about 1 ms each), and a program that has no
# loop must not pay for making the For class only to learn that.


def _assigned_names(body: tuple[ast.Stmt, ...]) -> set[str]:
    """Names bound in a block (not inside nested defs): assignments, loop targets, defs."""
    names: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        kind = type(node).__name__
        if kind == "Assign" or kind == "AugAssign":
            names.add(node.target.id)
        elif kind == "For":
            names.add(node.target.id)
            stack.extend(node.body)
        elif kind == "If":
            stack.extend(node.body)
            stack.extend(node.orelse)
        elif kind == "While":
            stack.extend(node.body)
        elif kind == "FunctionDef":
            names.add(node.name)
    return names


def _walk(node: Any):  # type: ignore[no-untyped-def]
    """Every AST node under `node` (iteratively, so deep programs cannot overflow)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
            continue
        if item is None or not hasattr(item, "__slots__"):
            continue
        yield item
        for slot in item.__slots__:
            if slot != "span":
                child = getattr(item, slot)
                if isinstance(child, tuple) or hasattr(child, "__slots__"):
                    stack.append(child)


def differentiated_names(program: ast.Program) -> frozenset[str]:
    """Names used as the `x` of grad/jacobian/hessian anywhere in the program."""
    names = set()
    for node in _walk(program):
        if type(node).__name__ == "Call" and node.func.id in ("grad", "jacobian", "hessian"):
            if len(node.args) >= 2 and type(node.args[1]).__name__ == "Name":
                names.add(node.args[1].id)
            for keyword in node.keywords:
                if keyword.name == "x" and type(keyword.value).__name__ == "Name":
                    names.add(keyword.value.id)
    return frozenset(names)


def mentioned_names(program: ast.Program) -> frozenset[str]:
    """Every name the program's text reads or calls, in any scope."""
    return frozenset(node.id for node in _walk(program) if type(node).__name__ == "Name")


# ---- the compiler ----------------------------------------------------------------


class _Compiler:
    def __init__(self, state: _State, program: ast.Program) -> None:
        self.st = state
        self.program = program
        self.global_names = frozenset(_assigned_names(program.body))
        self.function_names = frozenset(
            n.name for n in _walk(program) if type(n).__name__ == "FunctionDef"
        ) | frozenset(  # functions an earlier input of a session defined
            k for k, v in state.globals.items() if isinstance(v, UserFunction)
        )

    # -- errors
    def suggest(self, name: str, candidates: list[str]) -> str:
        import difflib  # only an error needs it

        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
        if not close:
            return ""
        return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"

    def unknown_name(self, name: str, span: Span, scope: _Scope) -> AdcliNameError:
        if name in self.global_names or name in scope.local_names:
            return AdcliNameError(f"variable '{name}' is used before it is assigned", span)
        if B.is_builtin(name) or name in B.LANGUAGE_FUNCTIONS:
            return AdcliNameError(f"'{name}' is a function; call it like {name}(...)", span)
        candidates = sorted(set(self.st.globals) | self.global_names | scope.local_names
                            | set(B.CONSTANTS))
        return AdcliNameError(f"unknown name '{name}'{self.suggest(name, candidates)}", span,
                              unknown=name)

    def unknown_function(self, name: str, span: Span, product: bool = False) -> AdcliNameError:
        """`product`: the call has one argument and `name` is a value (an input, a
        constant, a variable), so `x(x+1)` was likely meant as a product."""
        candidates = sorted(set(B.all_names()) | self.function_names)
        hint = f"for a product write '{name}*(...)'" if product else None
        return AdcliNameError(f"unknown function '{name}'{self.suggest(name, candidates)}", span,
                              hint=hint)

    def _looks_like_a_product(self, node: ast.Call) -> bool:
        return len(node.args) == 1 and not node.keywords and (
            node.func.id in B.CONSTANTS or node.func.id in self.st.watch
            or node.func.id in self.global_names)

    # -- blocks
    def block(self, body: tuple[ast.Stmt, ...], scope: _Scope) -> Callable[[dict], Any]:
        stmts = tuple(self.stmt(s, scope) for s in body)
        if len(stmts) == 1:
            return stmts[0]

        def run_block(frame: dict) -> Any:
            for stmt in stmts:
                signal = stmt(frame)
                if signal is not None:
                    return signal
            return None

        return run_block

    # -- statements
    def stmt(self, node: ast.Stmt, scope: _Scope) -> Callable[[dict], Any]:
        method = getattr(self, "stmt_" + type(node).__name__)
        return method(node, scope)

    def stmt_Assign(self, node: ast.Assign, scope: _Scope) -> Callable[[dict], Any]:
        return self._store(node.target.id, self.expr(node.value, scope), scope)

    def _store(self, name: str, value: Callable, scope: _Scope) -> Callable[[dict], Any]:
        st = self.st
        if scope.function is None and st.session:
            def store_global(frame: dict) -> None:
                if st.watching:
                    frame[name] = st.bind_global(name, value(frame))
                else:  # bind_global's count, inline: a loop's every step stores
                    result = value(frame)
                    counts = st.bindings
                    counts[name] = counts.get(name, 0) + 1
                    frame[name] = result
                st.last_assigned = name

            return store_global
        if name in st.watch:
            def store_watched(frame: dict) -> None:
                frame[name] = st.bind_watched(name, value(frame))
                if top:
                    st.last_assigned = name

            top = scope.function is None
            return store_watched
        if scope.function is None:
            def store_top(frame: dict) -> None:
                frame[name] = value(frame)
                st.last_assigned = name

            return store_top

        def store(frame: dict) -> None:
            frame[name] = value(frame)

        return store

    def stmt_AugAssign(self, node: ast.AugAssign, scope: _Scope) -> Callable[[dict], Any]:
        combined = ast.BinOp(node.op, node.target, node.value, node.span)
        return self._store(node.target.id, self.expr(combined, scope), scope)

    def stmt_ExprStmt(self, node: ast.ExprStmt, scope: _Scope) -> Callable[[dict], Any]:
        value = self.expr(node.value, scope)
        if scope.function is not None:
            def run_expr(frame: dict) -> None:
                value(frame)

            return run_expr
        st = self.st

        def run_top_expr(frame: dict) -> None:
            st.last_expr = value(frame)

        return run_top_expr

    def stmt_Pass(self, node: ast.Pass, scope: _Scope) -> Callable[[dict], Any]:
        return lambda frame: None

    def stmt_Break(self, node: ast.Break, scope: _Scope) -> Callable[[dict], Any]:
        if not scope.loop_depth:
            raise AdcliSyntaxError("'break' outside a loop", node.span)
        return lambda frame: _BREAK

    def stmt_Continue(self, node: ast.Continue, scope: _Scope) -> Callable[[dict], Any]:
        if not scope.loop_depth:
            raise AdcliSyntaxError("'continue' outside a loop", node.span)
        return lambda frame: _CONTINUE

    def stmt_Return(self, node: ast.Return, scope: _Scope) -> Callable[[dict], Any]:
        value = self.expr(node.value, scope) if node.value is not None else None
        if value is None:
            return lambda frame: _Return(None)
        return lambda frame: _Return(value(frame))

    def _condition(self, test: Callable, what: str, span: Span) -> Callable[[dict], bool]:
        def condition(frame: dict) -> bool:
            value = test(frame)
            if type(value) is bool:
                return value
            if type(value) is float:
                return value != 0.0
            return self.truth(value, what, span)

        return condition

    def truth(self, value: Any, what: str, span: Span) -> bool:
        if isinstance(value, Tensor):
            if value.size != 1:
                raise AdcliValueError(
                    f"the condition of '{what}' has shape {tuple(value.shape)}; it must be a "
                    "single value", span,
                    hint="use where(condition, a, b) to choose elementwise",
                )
            if value.unknowns:
                raise self.undecided(value, f"the condition of '{what}'", span, what)
            return bool(value)
        if isinstance(value, (float, bool, int)):
            return bool(value)
        raise AdcliTypeError(f"the condition of '{what}' is {_describe(value)}", span)

    def undecided(self, value: Tensor, what: str, span: Span, keyword: str = "") -> AdcliError:
        """A formula (a symbolic run: adcli diff) where Python control flow needs a
        number: the branch it would take depends on the inputs it names."""
        names = " and ".join(f"'{n}'" for n in value.unknowns)
        plural = "s" if len(value.unknowns) > 1 else ""
        hint = None
        if keyword in ("if", "elif", "and", "or"):
            hint = ("for a piecewise formula, choose with an expression: `a if c else b` "
                    "or where(c, a, b)")
        return AdcliValueError(
            f"{what} depends on the input{plural} {names}, so the program has no single "
            "formula here", span, hint=hint)

    def stmt_If(self, node: ast.If, scope: _Scope) -> Callable[[dict], Any]:
        test = self._condition(self.expr(node.test, scope), "if", node.test.span)
        body = self.block(node.body, scope)
        orelse = self.block(node.orelse, scope) if node.orelse else None

        if orelse is None:
            def run_if(frame: dict) -> Any:
                if test(frame):
                    return body(frame)
                return None

            return run_if

        def run_if_else(frame: dict) -> Any:
            if test(frame):
                return body(frame)
            return orelse(frame)

        return run_if_else

    def stmt_While(self, node: ast.While, scope: _Scope) -> Callable[[dict], Any]:
        test = self._condition(self.expr(node.test, scope), "while", node.test.span)
        body = self.block(node.body, scope.in_loop())
        st = self.st
        span = node.span

        def run_while(frame: dict) -> Any:
            st.at = span
            while test(frame):
                st.steps += 1
                if not st.steps & 1023 or st.steps > st.max_iterations:
                    st.tick(span)
                signal = body(frame)
                if signal is not None:
                    if signal is _BREAK:
                        break
                    if signal is _CONTINUE:
                        continue
                    return signal
            return None

        return run_while

    def stmt_For(self, node: ast.For, scope: _Scope) -> Callable[[dict], Any]:
        st = self.st
        name = node.target.id
        body = self.block(node.body, scope.in_loop())
        span = node.span
        iterable = self._for_iterable(node.iter, scope)
        watched = name in st.watch
        session = scope.function is None and st.session

        def run_for(frame: dict) -> Any:
            st.at = span
            for value in iterable(frame):
                st.steps += 1
                if not st.steps & 1023 or st.steps > st.max_iterations:
                    st.tick(span)
                if session:
                    frame[name] = st.bind_global(name, value)
                else:
                    frame[name] = st.bind_watched(name, value) if watched else value
                signal = body(frame)
                if signal is not None:
                    if signal is _BREAK:
                        break
                    if signal is _CONTINUE:
                        continue
                    return signal
            return None

        return run_for

    def _for_iterable(self, node: ast.Expr, scope: _Scope) -> Callable[[dict], Any]:
        if (isinstance(node, ast.Call) and node.func.id == "range"
                and "range" not in self.function_names and not node.keywords):
            # Counting loops count with plain Python floats: no tensors, no tape.
            args = tuple(self.expr(a, scope) for a in node.args)
            arg_spans = tuple(a.span for a in node.args)
            if not 1 <= len(args) <= 3:
                raise AdcliTypeError(
                    f"range() takes 1 to 3 arguments (start, limit, delta), got {len(args)}",
                    node.span,
                )

            def counting(frame: dict) -> Any:
                bounds = [self.whole(f(frame), "range()", s)
                          for f, s in zip(args, arg_spans, strict=True)]
                if len(bounds) == 3 and bounds[2] == 0:
                    raise AdcliValueError("range() step must not be zero", arg_spans[2])
                return map(float, range(*bounds))

            return counting
        value = self.expr(node, scope)

        def over_first_axis(frame: dict) -> Any:
            items = value(frame)
            if isinstance(items, Tensor) and items.ndim >= 1:
                return (items[k] for k in range(items.shape[0]))
            raise AdcliTypeError(
                f"cannot loop over {_describe(items)}; loop over range(n) or a tensor",
                node.span,
            )

        return over_first_axis

    def stmt_FunctionDef(self, node: ast.FunctionDef, scope: _Scope) -> Callable[[dict], Any]:
        if scope.function is not None:
            raise AdcliSyntaxError(
                f"function '{node.name}' is defined inside function '{scope.function}'; "
                "define functions at the top level", node.span,
            )
        params = tuple(p.name for p in node.params)
        local_names = frozenset(_assigned_names(node.body)) | frozenset(params)
        inner = _Scope(node.name, local_names, self.global_names, self.function_names)
        body = self.block(node.body, inner)
        defaults = tuple(self.expr(p.default, scope) for p in node.params if p.default)
        name = node.name
        span = node.span
        st = self.st

        def define(frame: dict) -> None:
            values = tuple(d(frame) for d in defaults)
            st.globals[name] = UserFunction(name, params, values, body, span, st.source)

        return define

    # -- expressions
    def expr(self, node: ast.Expr, scope: _Scope) -> Callable[[dict], Any]:
        method = getattr(self, "expr_" + type(node).__name__)
        return method(node, scope)

    def expr_Number(self, node: ast.Number, scope: _Scope) -> Callable[[dict], Any]:
        value = node.value
        return lambda frame: value

    def expr_Bool(self, node: ast.Bool, scope: _Scope) -> Callable[[dict], Any]:
        value = node.value
        return lambda frame: value

    def expr_Name(self, node: ast.Name, scope: _Scope) -> Callable[[dict], Any]:
        name = node.id
        st = self.st
        span = node.span
        if scope.function is not None and name in scope.local_names:
            def load_local(frame: dict) -> Any:
                try:
                    return frame[name]
                except KeyError:
                    raise self.unknown_name(name, span, scope) from None

            return load_local
        globals_ = st.globals
        if name in B.CONSTANTS and name not in self.global_names and name not in globals_:
            constant = B.CONSTANTS[name]
            return lambda frame: constant

        def load_global(frame: dict) -> Any:
            try:
                return globals_[name]
            except KeyError:
                if name in B.CONSTANTS:
                    return B.CONSTANTS[name]
                raise self.unknown_name(name, span, scope) from None

        return load_global

    def expr_TensorLiteral(self, node: ast.TensorLiteral, scope: _Scope) -> Callable:
        elements = tuple(self.expr(e, scope) for e in node.elements)
        span = node.span
        limit = self.st.max_elements

        def literal(frame: dict) -> Any:
            values = [e(frame) for e in elements]
            if all(type(v) is float or type(v) is bool for v in values):
                if len(values) > limit:
                    raise self.too_big(len(values), span)
                return Tensor(np.array(values, dtype=np.float64))
            values = [_float_tensor(v) for v in values]
            for v in values:
                if not isinstance(v, (Tensor, float)):
                    raise AdcliTypeError(f"a tensor cannot hold {_describe(v)}", span)
            shapes = {_shape(v) for v in values}
            if len(shapes) > 1:
                listed = " and ".join(str(s) for s in sorted(shapes))
                raise AdcliShapeError(
                    f"the rows of a tensor must have one shape, not {listed}", span
                )
            if len(values) * _size(values[0]) > limit:
                raise self.too_big(len(values) * _size(values[0]), span)
            try:
                return ops.stack(values)
            except (ValueError, IndexError, MemoryError) as error:
                raise self.engine_error(error, span, "a tensor", tuple(values)) from None

        return literal

    def too_big(self, count: int, span: Span) -> AdcliLimitError:
        return AdcliLimitError(
            f"a tensor of {count:,} elements is more than the limit of "
            f"{self.st.max_elements:,}", span,
            hint="to allow bigger tensors", limit="max_tensor_elements",
            settings=(Setting("max_tensor_elements", limit=True),),
        )

    def engine_error(self, error: Exception, span: Span, what: str, args: tuple) -> AdcliError:
        """An engine or numpy exception, in words, at the node that caused it."""
        for value in args:
            if isinstance(value, UserFunction) or value is None:
                return AdcliTypeError(f"{what} cannot use {_describe(value)}", span)
        if isinstance(error, TooLarge):
            return self.too_big(error.count, span)
        if isinstance(error, TooMuchMemory):
            return memory_error(error, span)
        if RANK_MESSAGES.search(str(error)):
            return AdcliLimitError(f"{what} would have more than {MAX_RANK} axes; numpy's "
                                   f"tensors have at most {MAX_RANK}", span)
        if isinstance(error, MemoryError):
            return AdcliLimitError(f"{what} needs more memory than there is", span)
        if isinstance(error, BadShape):
            return AdcliValueError(str(error), span)  # as the interpreter's own shape check
        text = str(error)
        if text.startswith(what.rstrip("()") + "("):
            what = ""  # the engine's message already names the operation
        else:
            what = what + ": "
        shapes = [tuple(v.shape) for v in args if isinstance(v, Tensor)]
        if "broadcast" in text or "shape" in text or "mismatch" in text or "dimension" in text:
            if len(shapes) >= 2:
                listed = " and ".join(str(s) for s in shapes)
                return AdcliShapeError(f"{what}shapes {listed} do not fit together", span)
            return AdcliShapeError(f"{what}{text}", span)
        if isinstance(error, IndexError):
            return AdcliValueError(f"{what}{text.replace('out of bounds', 'out of range')}", span)
        if isinstance(error, TypeError):
            return AdcliTypeError(f"{what}{text}", span)
        return AdcliValueError(f"{what}{text}", span)

    def expr_BinOp(self, node: ast.BinOp, scope: _Scope) -> Callable[[dict], Any]:
        op = node.op
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        span = node.span
        engine = getattr(ops, op)
        label = f"'{_SYMBOLS[op]}'"
        st = self.st
        check = st.check

        def slow(a: Any, b: Any) -> Any:
            a = _float_tensor(a)
            b = _float_tensor(b)
            if type(a) is float and type(b) is float and op in _PY_BINOPS:
                return fast(a, b)
            if op == "matmul" and (not isinstance(a, Tensor) or not isinstance(b, Tensor)
                                   or a.ndim == 0 or b.ndim == 0):
                raise AdcliShapeError(
                    f"'@' needs tensors of rank 1 or more, not {_describe(a)} and "
                    f"{_describe(b)}; use '*' for numbers", span,
                )
            try:
                return engine(a, b)  # a broadcast over the element limit: TooLarge
            except (ValueError, TypeError, IndexError, ArithmeticError, MemoryError,
                    RuntimeError) as error:
                raise self.engine_error(error, span, label, (a, b)) from None

        if op == "pow":
            fast = _py_pow
        elif op == "matmul":
            fast = None  # type: ignore[assignment]
        else:
            pyop = _PY_BINOPS[op]

            def fast(a: float, b: float) -> Any:
                try:
                    return pyop(a, b)
                except (ZeroDivisionError, OverflowError):
                    return _ieee(op, a, b)

        if check:
            def checked(frame: dict) -> Any:
                a = left(frame)
                b = right(frame)
                result = fast(a, b) if type(a) is float and type(b) is float else slow(a, b)
                st.note(label, span, result, (a, b))
                return result

            return checked

        if op in ("add", "subtract", "multiply"):
            # The hot path: no exception handling is needed on two floats.
            pyop2 = _PY_BINOPS[op]

            def arith(frame: dict) -> Any:
                a = left(frame)
                b = right(frame)
                if type(a) is float and type(b) is float:
                    return pyop2(a, b)
                return slow(a, b)

            return arith

        def binop(frame: dict) -> Any:
            a = left(frame)
            b = right(frame)
            if type(a) is float and type(b) is float:
                return fast(a, b)
            return slow(a, b)

        return binop

    def expr_UnaryOp(self, node: ast.UnaryOp, scope: _Scope) -> Callable[[dict], Any]:
        operand = self.expr(node.operand, scope)
        span = node.span
        op = node.op
        if op == "logical_not":
            def logical_not(frame: dict) -> Any:
                value = operand(frame)
                if type(value) is float or type(value) is bool:
                    return not value
                if isinstance(value, Tensor):
                    if value.size == 1 and not value.unknowns:
                        return not bool(value)
                    return ops.logical_not(value)
                raise AdcliTypeError(f"'not' cannot use {_describe(value)}", span)

            return logical_not

        def unary(frame: dict) -> Any:
            value = operand(frame)
            if type(value) is float:
                return -value if op == "negative" else value
            value = _float_tensor(value)
            if type(value) is float:
                return -value if op == "negative" else value
            if not isinstance(value, Tensor):
                raise AdcliTypeError(f"'{_SYMBOLS[op]}' cannot use {_describe(value)}", span)
            return ops.negative(value) if op == "negative" else value

        return unary

    def expr_Compare(self, node: ast.Compare, scope: _Scope) -> Callable[[dict], Any]:
        operands = tuple(self.expr(o, scope) for o in node.operands)
        ops_ = tuple(node.ops)
        span = node.span
        py = tuple(_PY_COMPARE[o] for o in ops_)
        engine = tuple(getattr(ops, o) for o in ops_)

        def compare_pair(k: int, a: Any, b: Any) -> Any:
            if (type(a) is float or type(a) is bool) and (type(b) is float or type(b) is bool):
                return py[k](a, b)
            try:
                return engine[k](a, b)
            except (ValueError, TypeError) as error:
                raise self.engine_error(error, span, f"'{_SYMBOLS[ops_[k]]}'", (a, b)) from None

        if len(ops_) == 1:
            first, second = operands
            compare0 = py[0]

            def compare(frame: dict) -> Any:
                a = first(frame)
                b = second(frame)
                if type(a) is float and type(b) is float:
                    return compare0(a, b)
                return compare_pair(0, a, b)

            return compare

        def chain(frame: dict) -> Any:
            # Python's chain: each middle operand evaluated once; stops at a False scalar.
            a = operands[0](frame)
            result: Any = True
            for k in range(len(ops_)):
                b = operands[k + 1](frame)
                part = compare_pair(k, a, b)
                if type(part) is bool:
                    if not part:
                        return False
                    result = result if result is not True else part
                else:
                    result = part if result is True else ops.logical_and(result, part)
                a = b
            return result

        return chain

    def expr_BoolOp(self, node: ast.BoolOp, scope: _Scope) -> Callable[[dict], Any]:
        values = tuple(self.expr(v, scope) for v in node.values)
        is_and = node.op == "and"
        span = node.span

        def boolop(frame: dict) -> Any:
            # Python's short circuit on single values; elementwise on bigger tensors.
            value = values[0](frame)
            for k in range(1, len(values) + 1):
                if isinstance(value, Tensor) and (value.size != 1 or value.unknowns):
                    rest = [values[j](frame) for j in range(k, len(values))]
                    combine = ops.logical_and if is_and else ops.logical_or
                    out = value
                    for other in rest:
                        out = combine(out, other)
                    return out
                truth = self.truth(value, node.op, span)
                if truth != is_and or k == len(values):
                    return value
                value = values[k](frame)
            return value

        return boolop

    def expr_IfExp(self, node: ast.IfExp, scope: _Scope) -> Callable[[dict], Any]:
        test = self.expr(node.test, scope)
        body = self.expr(node.body, scope)
        orelse = self.expr(node.orelse, scope)
        span = node.span

        def ifexp(frame: dict) -> Any:
            condition = test(frame)
            if type(condition) is bool or type(condition) is float:
                return body(frame) if condition else orelse(frame)
            if isinstance(condition, Tensor) and (condition.size != 1 or condition.unknowns):
                # Elementwise choice, so that batch evaluation of `a if c else b` works
                # (and a formula's choice is piecewise: a condition on an input).
                try:
                    return ops.where(condition, body(frame), orelse(frame))
                except (ValueError, TypeError) as error:
                    raise self.engine_error(error, span, "'if ... else'", ()) from None
            return body(frame) if self.truth(condition, "if", span) else orelse(frame)

        return ifexp

    def expr_Attribute(self, node: ast.Attribute, scope: _Scope) -> Callable[[dict], Any]:
        value = self.expr(node.value, scope)

        def shape(frame: dict) -> Any:
            v = value(frame)
            return Tensor(np.array(_shape(v), dtype=np.float64))

        return shape

    def whole(self, value: Any, what: str, span: Span) -> int:
        """A whole number as a Python int, or an AdcliValueError at the argument."""
        if isinstance(value, Tensor):
            if value.size != 1:
                raise AdcliValueError(
                    f"{what} needs a whole number, not {_describe(value)}", span
                )
            if value.unknowns:
                raise self.undecided(value, f"{what} needs a whole number, but this value",
                                     span)
            value = float(value)
        if type(value) is bool:
            return int(value)
        if type(value) is float:
            if value.is_integer():
                if abs(value) >= 2**63:
                    raise AdcliValueError(f"{what} is out of range: {value!r}", span)
                return int(value)
            raise AdcliValueError(f"{what} needs a whole number, not {value!r}", span)
        raise AdcliTypeError(f"{what} needs a whole number, not {_describe(value)}", span)

    def wholes(self, value: Any, what: str, span: Span) -> Any:
        """A whole number, or a list of them (a shape, an axis list) from a tensor."""
        if isinstance(value, Tensor) and value.ndim == 1:
            array = np.asarray(value.numpy(), dtype=float)
            if not np.all(np.mod(array, 1) == 0):
                raise AdcliValueError(f"{what} needs whole numbers, not {array.tolist()}", span)
            return tuple(int(v) for v in array)
        return self.whole(value, what, span)

    def expr_Index(self, node: ast.Index, scope: _Scope) -> Callable[[dict], Any]:
        value = self.expr(node.value, scope)
        parts: list[Callable[[dict], Any]] = []
        for item in node.index:
            parts.append(self._index_part(item, scope))
        span = node.span
        single = parts[0] if len(parts) == 1 else None

        def index(frame: dict) -> Any:
            v = value(frame)
            if not isinstance(v, Tensor):
                raise AdcliTypeError(f"cannot index {_describe(v)}", span)
            key = single(frame) if single is not None else tuple(p(frame) for p in parts)
            try:
                return v[key]
            except (IndexError, ValueError, TypeError) as error:
                raise self.engine_error(error, span, "indexing", (v,)) from None

        return index

    def _index_part(self, item: ast.Expr | ast.Slice, scope: _Scope) -> Callable[[dict], Any]:
        if isinstance(item, ast.Slice):
            bounds = [self.expr(b, scope) if b is not None else None
                      for b in (item.lower, item.upper, item.step)]
            spans = [b.span if b is not None else item.span
                     for b in (item.lower, item.upper, item.step)]

            def make_slice(frame: dict) -> slice:
                values = [None if b is None else self.whole(b(frame), "a slice", s)
                          for b, s in zip(bounds, spans, strict=False)]
                if values[2] == 0:
                    raise AdcliValueError("a slice step must not be zero", spans[2])
                return slice(*values)

            return make_slice
        value = self.expr(item, scope)
        span = item.span

        def make_index(frame: dict) -> Any:
            v = value(frame)
            if isinstance(v, Tensor) and v.ndim == 1:
                array = np.asarray(v.numpy(), dtype=float)
                if not np.all(np.mod(array, 1) == 0):
                    raise AdcliValueError("an index needs whole numbers", span)
                return array.astype(np.int64)
            return self.whole(v, "an index", span)

        return make_index

    # -- calls
    def expr_Call(self, node: ast.Call, scope: _Scope) -> Callable[[dict], Any]:
        name = node.func.id
        args = tuple(self._argument(name, k, a, scope) for k, a in enumerate(node.args))
        keywords = tuple((k.name, self.expr(k.value, scope), k.span) for k in node.keywords)
        user_defined = (
            name in self.function_names or name in self.global_names
            or name in scope.local_names
        )
        static = self._static_call(node, name, args, keywords, scope)
        if not user_defined:
            if static is None:
                raise self.unknown_function(name, node.func.span,
                                            self._looks_like_a_product(node))
            return static
        load = self.expr_Name(node.func, scope) if name in scope.local_names else None
        st = self.st
        span = node.span

        def dynamic_call(frame: dict) -> Any:
            function = load(frame) if load is not None else st.globals.get(name)
            if isinstance(function, UserFunction):
                return self.call_user(function, frame, args, keywords, span)
            if function is None and static is not None:
                return static(frame)
            if function is None:
                raise self.unknown_function(name, node.func.span)
            raise AdcliTypeError(f"'{name}' is {_describe(function)}, not a function",
                                 node.func.span,
                                 hint=f"for a product write '{name}*(...)'"
                                 if len(node.args) == 1 and not node.keywords else None)

        return dynamic_call

    def _argument(self, name: str, k: int, node: ast.Expr, scope: _Scope) -> Callable:
        if k == 0 and isinstance(node, ast.TensorLiteral) and B.ALIASES.get(name, name) in (
                "concat", "stack"):
            # concat([a, b], 0): the list is the operation's list of values, not a tensor.
            elements = tuple(self.expr(e, scope) for e in node.elements)
            return lambda frame: [_float_tensor(e(frame)) for e in elements]
        return self.expr(node, scope)

    def call_user(self, function: UserFunction, frame: dict, args: tuple, keywords: tuple,
                  span: Span) -> Any:
        st = self.st
        params = function.params
        if len(args) > len(params):
            raise AdcliTypeError(
                f"{function.name}() takes {len(params)} argument"
                f"{'' if len(params) == 1 else 's'} ({', '.join(params)}), got {len(args)}",
                span,
            )
        local: dict[str, Any] = {}
        for param, arg in zip(params, args, strict=False):
            local[param] = arg(frame)
        for key, value, key_span in keywords:
            if key not in params:
                raise AdcliTypeError(
                    f"{function.name}() has no parameter '{key}'"
                    f"{self.suggest(key, list(params))}", key_span,
                )
            if key in local:
                raise AdcliTypeError(f"{function.name}() got two values for '{key}'", key_span)
            local[key] = value(frame)
        first_default = len(params) - len(function.defaults)
        for k, param in enumerate(params):
            if param not in local:
                if k < first_default:
                    raise AdcliTypeError(
                        f"{function.name}() is missing its argument '{param}'", span
                    )
                local[param] = function.defaults[k - first_default]
        if st.watch:
            for param in params:
                if param in st.watch:
                    local[param] = st.bind_watched(param, local[param])
        st.step(span)
        st.depth += 1
        if st.depth > st.limits.max_call_depth:
            st.depth = 0
            raise AdcliLimitError(
                f"calls are nested more than {st.limits.max_call_depth} deep "
                "(a recursion without an end?)", span,
                hint="to allow deeper recursion", limit="max_call_depth",
                settings=(Setting("max_call_depth", limit=True),),
            )
        try:
            signal = function.body(local)
        except AdcliError as error:
            # The innermost source wins: the text that defined this function.
            raise error.with_source(function.source) from None
        finally:
            st.depth -= 1
        if isinstance(signal, _Return):
            return signal.value
        return None

    def _static_call(self, node: ast.Call, name: str, args: tuple, keywords: tuple,
                     scope: _Scope) -> Callable[[dict], Any] | None:
        if name in B.LANGUAGE_FUNCTIONS:
            return self._language_call(node, name, args, keywords)
        if name in B.ELEMENTWISE_OF_SEVERAL and len(args) >= 2 and not keywords:
            # max(a, b, ...) and min(a, b, ...) are elementwise, as in Python; max(x) and
            # max(x, axis=0) reduce.
            pairwise = B.lookup(B.ELEMENTWISE_OF_SEVERAL[name])
            assert pairwise is not None
            folded = args[0]
            for arg in args[1:]:
                folded = self._builtin_call(node, pairwise, (folded, arg), ())
            return folded
        entry = B.lookup(name)
        if entry is None:
            return None
        return self._builtin_call(node, entry, args, keywords)

    def _bind(self, node: ast.Call, name: str, params: tuple[str, ...], required: int,
              args: tuple, keywords: tuple, arg_spans: tuple) -> tuple[list, dict, dict]:
        """Check counts and names at compile time; return positional closures, keyword
        closures and the span of each parameter's argument."""
        if len(args) > len(params):
            raise AdcliTypeError(
                f"{name}() takes {'at most ' if required < len(params) else ''}{len(params)} "
                f"argument{'' if len(params) == 1 else 's'} ({', '.join(params)}), "
                f"got {len(args)}", node.span,
            )
        spans = {p: s for p, s in zip(params, arg_spans, strict=False)}
        kw: dict[str, Callable] = {}
        for key, value, key_span in keywords:
            if key not in params:
                raise AdcliTypeError(
                    f"{name}() has no parameter '{key}'{self.suggest(key, list(params))}",
                    key_span,
                )
            if key in spans:
                raise AdcliTypeError(f"{name}() got two values for '{key}'", key_span)
            kw[key] = value
            spans[key] = key_span
        for param in params[:required]:
            if param not in spans:
                raise AdcliTypeError(f"{name}() is missing its argument '{param}'", node.span)
        return list(args), kw, spans

    def _builtin_call(self, node: ast.Call, entry: B.Builtin, args: tuple,
                      keywords: tuple) -> Callable[[dict], Any]:
        name = entry.name
        span = node.span
        arg_spans = tuple(a.span for a in node.args)
        if entry.op_name in ("ones", "zeros") and len(args) > 1 and not keywords:
            # ones(2, 2) as well as TensorFlow's ones([2, 2])
            dims = args
            dim_spans = arg_spans
            function = entry.function
            st = self.st

            def ones_zeros(frame: dict) -> Any:
                shape = tuple(self.whole(d(frame), f"{name}()", s)
                              for d, s in zip(dims, dim_spans, strict=False))
                self.check_shape(shape, span)
                try:
                    return function(shape)
                except (ValueError, MemoryError) as error:
                    raise self.engine_error(error, span, f"{name}()", shape) from None

            return ones_zeros
        positional, kw, spans = self._bind(node, name, entry.params, entry.required, args,
                                           keywords, arg_spans)
        whole = entry.whole
        function = entry.function
        params = entry.params
        st = self.st
        label = f"{name}()"
        float_result = entry.float_result
        pos_whole = tuple(params[k] in whole for k in range(len(positional)))
        kw_whole = {k: k in whole for k in kw}
        makes_shape = entry.op_name in ("ones", "zeros", "fill", "broadcast_to", "reshape")
        check = st.check

        def prepare(frame: dict) -> tuple[list, dict]:
            values = []
            for k, arg in enumerate(positional):
                v = arg(frame)
                if pos_whole[k]:
                    v = self.wholes(v, f"{label} argument '{params[k]}'", spans[params[k]])
                else:
                    v = _float_tensor(v)
                values.append(v)
            kwargs = {}
            for key, arg in kw.items():
                v = arg(frame)
                if kw_whole[key]:
                    v = self.wholes(v, f"{label} argument '{key}'", spans[key])
                elif key == "keepdims":
                    v = self.truth(v, key, spans[key])
                else:
                    v = _float_tensor(v)
                kwargs[key] = v
            return values, kwargs

        def call(frame: dict) -> Any:
            values, kwargs = prepare(frame)
            for v in values:
                if isinstance(v, UserFunction) or v is None:
                    raise AdcliTypeError(f"{label} cannot use {_describe(v)}", span)
            if makes_shape:
                shape = values[0] if entry.op_name in ("ones", "zeros", "fill") else (
                    values[1] if len(values) > 1 else kwargs.get("shape"))
                if shape is not None:
                    self.check_shape(shape if isinstance(shape, tuple) else (shape,), span)
            try:
                result = function(*values, **kwargs)
            except (ValueError, TypeError, IndexError, ArithmeticError, MemoryError,
                    RuntimeError) as error:
                raise self.engine_error(error, span, label, tuple(values)) from None
            if float_result:
                result = ops.cast(result, np.float64)
            if check:
                st.note(label, span, result, tuple(values))
            return result

        return call

    def check_shape(self, shape: Any, span: Span) -> None:
        dims = shape if isinstance(shape, tuple) else (shape,)
        if any(d < 0 for d in dims if d != -1):
            raise AdcliValueError(f"a shape cannot have negative sizes: {dims}", span)
        count = math.prod(d for d in dims if d != -1)
        if count > self.st.max_elements:
            raise self.too_big(count, span)

    def _language_call(self, node: ast.Call, name: str, args: tuple,
                       keywords: tuple) -> Callable[[dict], Any]:
        params, _doc = B.LANGUAGE_FUNCTIONS[name]
        arg_spans = tuple(a.span for a in node.args)
        positional, kw, spans = self._bind(node, name, params, len(params), args, keywords,
                                           arg_spans)
        closures = dict(zip(params, positional, strict=False))
        closures.update(kw)
        span = node.span
        st = self.st
        if name == "len":
            x = closures["x"]

            def length(frame: dict) -> Any:
                v = x(frame)
                if isinstance(v, Tensor) and v.ndim >= 1:
                    return float(v.shape[0])
                raise AdcliTypeError(f"len() needs a tensor of rank 1 or more, not "
                                     f"{_describe(v)}", span)

            return length
        source_node = node.args[1] if len(node.args) > 1 else next(
            k.value for k in node.keywords if k.name == "x")
        if not isinstance(source_node, ast.Name):
            raise AdcliTypeError(
                f"the second argument of {name}() must be a variable name, the x in d/dx",
                source_node.span,
            )
        y = closures["y"]
        x = closures["x"]
        source_name = source_node.id

        def differentiate(frame: dict) -> Any:
            target = y(frame)
            source = x(frame)
            if not isinstance(source, Tensor):
                raise AdcliTypeError(
                    f"{name}() cannot differentiate with respect to '{source_name}', which is "
                    f"{_describe(source)}", source_node.span,
                )
            target = _float_tensor(target)
            if not isinstance(target, (Tensor, float)):
                raise AdcliTypeError(f"{name}() cannot differentiate {_describe(target)}", span)
            try:
                if name == "grad":
                    if not isinstance(target, Tensor):
                        return ops.zeros_like(source)
                    return st.tape.gradient(target, source, unconnected_gradients="zero")
                if name == "jacobian":
                    if not isinstance(target, Tensor):
                        return ops.zeros(tuple(source.shape))
                    return st.tape.jacobian(target, source, unconnected_gradients="zero")
                # hessian
                if isinstance(target, Tensor) and target.size != 1:
                    raise AdcliShapeError(
                        f"hessian() needs a single-valued y, not {_describe(target)}", span
                    )
                if not isinstance(target, Tensor):
                    return ops.zeros(tuple(source.shape) * 2)
                first = st.tape.gradient(target, source, unconnected_gradients="zero")
                return st.tape.jacobian(first, source, unconnected_gradients="zero")
            except AdcliError:
                raise
            except (ValueError, TypeError, IndexError, ArithmeticError, MemoryError,
                    RuntimeError) as error:
                raise self.engine_error(error, span, f"{name}()", (target, source)) from None

        return differentiate


# ---- running a program -----------------------------------------------------------


def _program_value(program: ast.Program, st: _State, of: str | None) -> tuple[Any, str | None]:
    if of is not None:
        if of not in st.globals or isinstance(st.globals[of], UserFunction):
            names = sorted(k for k, v in st.globals.items() if not isinstance(v, UserFunction))
            import difflib

            close = difflib.get_close_matches(of, names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else (
                f"; its variables are {', '.join(names)}" if names else "")
            raise AdcliCallerNameError(f"the program has no variable '{of}'{hint}",
                                       parameter="of", name=of)
        return st.globals[of], of
    final = program.body[-1] if program.body else None
    if isinstance(final, ast.ExprStmt) and st.last_expr is not _NO_VALUE \
            and st.returned is _NO_VALUE:
        return st.last_expr, None
    if st.returned is not _NO_VALUE:
        return st.returned, None
    if st.last_assigned is not None:
        return st.globals[st.last_assigned], st.last_assigned
    if st.last_expr is not _NO_VALUE:
        return st.last_expr, None
    raise AdcliValueError(
        "the program has no value: end it with an expression, or assign a variable",
        program.span,
    )


def _execute(program: ast.Program, st: _State) -> None:
    compiler = _Compiler(st, program)
    scope = _Scope(None, frozenset(), compiler.global_names, compiler.function_names)
    body = compiler.block(program.body, scope) if program.body else (lambda frame: None)
    signal = body(st.globals)
    if isinstance(signal, _Return):
        st.returned = signal.value


def execute(
    program: ast.Program,
    inputs: Mapping[str, Any],
    constants: Mapping[str, Any],
    *,
    of: str | None,
    limits: Limits,
    source: str | None,
    watch: frozenset[str],
    check: bool,
    tape: GradientTape | None = None,
    session: _State | None = None,
) -> tuple[Any, str | None, _State, dict[str, Tensor]]:
    """Run once; return the program's value, its name, the run state and the inputs.

    `session` (a state from `session_state`) runs the program as the next input of an
    interactive session, on that state's globals and tape; the value is then that of
    a final expression statement, or None (an assignment or a def has none to show).
    """
    names = differentiated_names(program) | watch
    if session is not None:
        st = session
        st.begin(source, frozenset(names), check)
        tape = st.tape
    else:
        tape = tape if tape is not None else GradientTape(persistent=True)
        st = _State(limits, tape, source, frozenset(names), check)
    input_tensors: dict[str, Tensor] = {}
    for name, value in constants.items():
        _check_identifier(name)
        if isinstance(value, (bool, int, float)) or type(value).__module__ == "numpy" \
                and isinstance(value, (np.integer, np.floating)):
            st.globals[name] = float(value)
        else:
            st.globals[name] = convert_input(name, value)
    for name, value in inputs.items():
        _check_identifier(name)
        tensor = convert_input(name, value)
        input_tensors[name] = tensor
        st.globals[name] = tensor
    old_limit = sys.getrecursionlimit()
    # Each call level of the program is a handful of Python frames; the call-depth
    # limit, not Python's, must be what stops a deep recursion.
    sys.setrecursionlimit(max(old_limit, 40 * limits.max_call_depth + 20 * limits.max_nesting
                              + 2000))
    try:
        with float_errors_ignored(), tape, time_limit.doing("running the program"), \
                element_limit(limits.max_tensor_elements), \
                memory_limit(limits.max_memory_mb << 20):
            for tensor in input_tensors.values():
                tape.watch(tensor)
            for name in names & set(st.globals):
                st.globals[name] = st.bind_watched(name, st.globals[name])
                if name in input_tensors:
                    input_tensors[name] = st.globals[name]
            _execute(program, st)
            if session is not None:
                final = program.body[-1] if program.body else None
                shown = isinstance(final, ast.ExprStmt) and st.last_expr is not _NO_VALUE
                value, value_name = (st.last_expr if shown else None), None
            else:
                value, value_name = _program_value(program, st, of)
    except RecursionError:
        raise AdcliLimitError(
            "the program is nested too deeply (expressions or calls)", None,
            hint="split long expressions, or raise the limit", limit="max_call_depth",
            settings=(Setting("max_call_depth", limit=True),),
        ) from None
    except TooMuchMemory as error:
        raise memory_error(error, st.at) from None
    except MemoryError:
        raise AdcliLimitError("the program needs more memory than there is") from None
    except time_limit.TimeLimitReached as reached:
        if reached.span is None:  # the innermost run says where it was
            reached.span, reached.source = st.at, source
        raise
    finally:
        sys.setrecursionlimit(old_limit)
    return value, value_name, st, input_tensors


def session_state(limits: Limits, tape: GradientTape) -> _State:
    """A run state that outlives its runs, for adcli.lang.session: pass it to `execute`
    as `session=` once per input. It keeps the globals (variables and functions) and
    the tape, and counts every top-level binding (`bind_global`)."""
    st = _State(limits, tape, None, frozenset(), False)
    st.session = True
    return st


def _check_identifier(name: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise AdcliUsageError(f"{name!r} is not a valid variable name")


def run_program(
    program: ast.Program,
    inputs: Mapping[str, Any] | None = None,
    constants: Mapping[str, Any] | None = None,
    *,
    of: str | None = None,
    limits: Limits | None = None,
    source: str | None = None,
    watch: tuple[str, ...] | frozenset[str] = (),
    check_finite: bool | None = None,
    tape: GradientTape | None = None,
) -> RunResult:
    """Run a parsed program; see `adcli.lang.run` for the meaning of each argument."""
    limits = limits or default_limits()
    with time_limit.time_limit(limits.time_seconds, "running the program"):
        return _run_program(program, inputs, constants, of, limits, source, watch,
                            check_finite, tape)


def _run_program(program: ast.Program, inputs: Mapping[str, Any] | None,
                 constants: Mapping[str, Any] | None, of: str | None, limits: Limits,
                 source: str | None, watch: tuple[str, ...] | frozenset[str],
                 check_finite: bool | None, tape: GradientTape | None) -> RunResult:
    inputs = dict(inputs or {})
    constants = dict(constants or {})
    watch_set = frozenset(watch)
    try:
        value, value_name, st, input_tensors = execute(
            program, inputs, constants, of=of, limits=limits, source=source,
            watch=watch_set, check=bool(check_finite), tape=tape,
        )
        warning = st.warning
        value = _to_tensor(value) if not isinstance(value, UserFunction) else value
        if isinstance(value, UserFunction):
            raise AdcliTypeError(f"the program's value is {_describe(value)}", program.span)
        if warning is None and check_finite is None and not _is_finite(value):
            # Find the first operation that made nan/inf, in a second, checking run.
            _v, _n, checking, _i = execute(
                program, inputs, constants, of=of, limits=limits, source=source,
                watch=watch_set, check=True,
            )
            warning = checking.warning
            if warning is None:
                warning = f"the value is {_nonfinite_word(value)}"
    except AdcliError as error:
        raise error.with_source(source) from None
    variables = {
        k: _to_tensor(v) for k, v in st.globals.items()
        if not isinstance(v, UserFunction) and v is not None
    }
    if value_name is not None:
        variables[value_name] = value
    return RunResult(
        value=value,
        value_name=value_name,
        variables=MappingProxyType(variables),
        inputs=MappingProxyType(input_tensors),
        warnings=(warning,) if warning else (),
        tape=st.tape,
        program=program,
    )
