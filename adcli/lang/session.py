"""An interactive session: inputs run one after another on shared variables.

One responsibility: the state of a REPL session, without any terminal I/O. Each
`Session.run(text)` parses one input (a statement, or a block of them) and runs it
on the session's globals and `def` functions, so that a later input can use and
differentiate what an earlier input assigned: `x = ones(2, 2)`, `y = sum(x)`,
`z = y * y`, then `grad(z, x)`.

Recording on demand. An input runs as a one-shot `adcli eval` does: nothing is
recorded but what the input differentiates itself, so a loop of 300,000 steps costs
what it costs in `adcli eval` and leaves no records behind. A derivative across
inputs (`grad(z, x)` of an earlier `x`, `:grad`, `:diff`'s dependence check) is
answered by replaying, on a fresh tape, the inputs since the source variable got
its value, from the variables as they were then: the binding that left the source
its value is watched (bindings are counted per name, so a loop's last one), and an
input that reads nothing computed from a source is not run again but takes the
values it left. Answers are those of a tape that had recorded everything; the cost
of recording is paid by the question that needs it. `:tape` replays the last input
with every float variable watched, as it was shown before. Programs are
deterministic (the language has no randomness and no I/O), so a replay computes
the values the first run did.

What is kept: for each input, its program and the values it replaced, as far back
as the oldest input that bound a variable still alive; older inputs are forgotten.

An input either completes or leaves no trace: when it fails (an AdcliError, or a
KeyboardInterrupt from Ctrl-C in a long loop) the globals are put back as they
were before it.

Imports adcli.lang's own modules, adcli.engine, adcli.errors and adcli.records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any

from adcli.engine.lazy_numpy import np
from adcli.engine.tape import GradientTape
from adcli.engine.tensor import Tensor
from adcli.errors import AdcliError, AdcliValueError
from adcli.lang import ast, parse
from adcli.lang.interpreter import (
    Limits,
    RunResult,
    UserFunction,
    default_limits,
    differentiated_names,
    execute,
    mentioned_names,
    session_state,
)
from adcli.records import Record, field

__all__ = ["Recording", "Session", "Step"]

_ABSENT = object()


class Step(Record):
    """What one input did: the value to show (None for an assignment, a def or a loop),
    the value the tape view differentiates (the shown value, else the variable the
    input assigned last, by name), and the warnings."""

    text: str
    value: Any
    result: Any
    result_name: str | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_value(self) -> bool:
        return self.value is not None


class Recording(Record):
    """One input run again on a fresh tape with every float variable watched (`:tape`):
    the tape, where the input's own operations sit on it, the variables after it, and
    the value whose adjoints the view shows (None when it is not a float tensor)."""

    step: Step
    tape: GradientTape
    records: range  # the input's own operations on the tape
    variables: Mapping[str, Any]
    result: Any


class _Input(Record, frozen=False):
    """What the session keeps of one completed input, to replay it."""

    program: ast.Program
    text: str
    before: dict[str, Any]     # each name it changed: its value before (or _ABSENT)
    bindings: dict[str, int]   # top-level bindings per name; the last left the value
    reads: frozenset[str]      # every name its text mentions
    calls: bool                # whether it calls a function defined with def
    aliased: bool              # whether it bound one new value to two names


class Session:
    """Variables and functions shared by the inputs of a REPL; derivatives across inputs
    are recorded on demand (see the module docstring)."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or default_limits()
        self.reset()

    def reset(self) -> None:
        """Forget every variable, function and input."""
        self._state = session_state(self.limits, GradientTape(persistent=True))
        self._inputs: dict[int, _Input] = {}
        self._count = 0
        # variable -> (name, input): where its value was bound first (by that input's
        # last binding of that name)
        self._origin: dict[str, tuple[str, int]] = {}
        self._differentiated: set[str] = set()  # names any input passed as grad's x
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

    @property
    def kept_inputs(self) -> int:
        """How many earlier inputs the session keeps for replays (the rest are gone)."""
        return len(self._inputs)

    # -- running ---------------------------------------------------------------------
    def run(self, text: str) -> Step:
        """Run one input on the session; raise AdcliError (or KeyboardInterrupt) with
        the session exactly as it was before the input."""
        program = self._parse(text)
        globals_ = self._state.globals
        before = dict(globals_)
        reads, differentiated = mentioned_names(program), differentiated_names(program)
        sources = self._sources_of(reads, differentiated)
        try:
            if sources:
                # It differentiates earlier variables: run it on their recording.
                with self._isolated():
                    self._replay_for({self._origin[n] for n in sources})
                    start = dict(globals_)
                    value, st = self._execute(program, text)
                    after, bindings = dict(globals_), dict(st.bindings)
                    last_assigned = st.last_assigned
                changed = {n: after[n] for n in after
                           if n in bindings or (isinstance(after[n], UserFunction)
                                                and start.get(n) is not after[n])}
                globals_.update(changed)
            else:
                # A one-shot run: a fresh tape holds what the input differentiates
                # itself, and goes when the input is done.
                self._state.tape = GradientTape(persistent=True)
                value, st = self._execute(program, text)
                bindings, last_assigned = dict(st.bindings), st.last_assigned
                changed = {n: v for n, v in globals_.items()
                           if n in bindings or before.get(n, _ABSENT) is not v}
        except BaseException:
            # All or nothing: a failed or interrupted input must not leave a
            # half-assigned state behind.
            globals_.clear()
            globals_.update(before)
            raise
        self._remember(program, text, before, changed, bindings, reads, differentiated)
        step = self._step(text, value, last_assigned)
        self.last = step
        return step

    def _execute(self, program: ast.Program, text: str) -> tuple[Any, Any]:
        try:
            value, _name, st, _inputs = execute(
                program, {}, {}, of=None, limits=self.limits, source=text,
                watch=frozenset(), check=False, session=self._state,
            )
        except AdcliError as error:
            raise error.with_source(text) from None
        return value, st

    def _step(self, text: str, value: Any, last_assigned: str | None) -> Step:
        if isinstance(value, UserFunction):
            value = None  # naming a function shows nothing, as a def does
        result, result_name = value, None
        if result is None and last_assigned is not None:
            result_name = last_assigned
            result = self._state.globals.get(result_name)
        warnings: tuple[str, ...] = ()
        if value is not None and not _finite(value):
            warnings = (f"the value is {_nonfinite(value)}",)
        return Step(text, value, result, result_name, warnings)

    def _remember(self, program: ast.Program, text: str, before: dict[str, Any],
                  changed: dict[str, Any], bindings: dict[str, int], reads: frozenset[str],
                  differentiated: frozenset[str]) -> None:
        index = self._count
        self._count += 1
        globals_ = self._state.globals
        functions = {k for k, v in globals_.items() if isinstance(v, UserFunction)}
        # Where each variable's value was bound first: a value that an earlier variable
        # held (x = c) is that variable, and replays watch it where it began. Names
        # this input bound to one new value (c = x = 3.0) make it replay as a whole.
        earlier = {id(v): n for n, v in before.items() if n in self._origin}
        fresh: dict[int, str] = {}
        aliased = False
        origins = dict(self._origin)
        for name in bindings:
            value = globals_.get(name)
            if name not in changed or isinstance(value, UserFunction):
                continue
            if id(value) in earlier:
                origins[name] = self._origin[earlier[id(value)]]
            else:
                origins[name] = (name, index)
                aliased = aliased or id(value) in fresh
                fresh[id(value)] = name
        self._origin = origins
        self._inputs[index] = _Input(
            program, text, {n: before.get(n, _ABSENT) for n in changed},
            {n: c for n, c in bindings.items() if n in changed}, reads,
            calls=bool(reads & functions), aliased=aliased)
        self._differentiated |= differentiated
        # Forget the inputs older than every live value's first binding: no replay
        # starts before that (the last input stays, for the tape view).
        alive = {n for n, v in globals_.items() if not isinstance(v, UserFunction)}
        self._origin = {n: o for n, o in self._origin.items() if n in alive}
        oldest = min((i for _n, i in self._origin.values()), default=index)
        for old in [k for k in self._inputs if k < min(oldest, index)]:
            del self._inputs[old]

    def _sources_of(self, reads: frozenset[str], differentiated: frozenset[str]) -> set[str]:
        """The earlier variables an input differentiates with respect to, directly or
        through a function an earlier input defined, from the names its text mentions
        (`reads`) and passes to grad, jacobian or hessian (`differentiated`)."""
        names = set(differentiated)
        functions = {k for k, v in self._state.globals.items() if isinstance(v, UserFunction)}
        if reads & functions:
            names |= self._differentiated
        return {n for n in names if n in self._origin and n in self._state.globals
                and not isinstance(self._state.globals[n], UserFunction)}

    # -- recording on demand ---------------------------------------------------------
    @contextmanager
    def _isolated(self) -> Iterator[GradientTape]:
        """Within: a fresh tape on which replays run; on the way out the
        session's variables and settings are put back as they were."""
        st = self._state
        saved = dict(st.globals)
        saved_tape, saved_watch = st.tape, st.watch
        tape = GradientTape(persistent=True)
        st.tape = tape
        try:
            yield tape  # each run in it enters the tape (adcli.lang.interpreter.execute)
        finally:
            st.tape, st.watch = saved_tape, saved_watch
            st.sources_at, st.watch_globals = {}, False
            st.globals.clear()
            st.globals.update(saved)

    def _snapshot_before(self, first: int, current: dict[str, Any]
                         ) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
        """The globals before input `first`, and what each later input left (its
        changed names' values after it)."""
        snapshot = dict(current)
        left: dict[int, dict[str, Any]] = {}
        for index in sorted((k for k in self._inputs if k >= first), reverse=True):
            entry = self._inputs[index]
            left[index] = {n: snapshot.get(n, _ABSENT) for n in entry.before}
            for name, value in entry.before.items():
                if value is _ABSENT:
                    snapshot.pop(name, None)
                else:
                    snapshot[name] = value
        return snapshot, left

    def _replay_for(self, bound: dict[str, int] | set[tuple[str, int | None]],
                    stop: int | None = None) -> None:
        """Make the globals those that the kept inputs before `stop` (all of them by
        default) leave when they run again with each source watched where it got its
        value (`bound`: (source, the input whose last binding of it counts, or None for
        a value bound before every kept input) pairs); an input that reads nothing
        computed from a source is not run but takes the values it left. Only the inputs
        from the first source's on are replayed."""
        st = self._state
        globals_ = st.globals
        current = dict(globals_)
        pairs = set(bound.items()) if isinstance(bound, dict) else set(bound)
        stop = self._count if stop is None else stop
        # A source bound by an input no longer kept is watched where the replay starts.
        leaves = {name for name, index in pairs if index is None}
        pairs -= {(name, None) for name in leaves}
        first = min((index for _name, index in pairs), default=stop)
        if leaves:
            first = min([first, *self._inputs])
        kept = sorted(k for k in self._inputs if first <= k < stop)
        bound_since = {n for k in kept for n in self._inputs[k].bindings if n in current}
        sources = {name for name, _index in pairs}
        alone = len(pairs) == 1 and all(self._origin.get(n) == (n, i) for n, i in pairs)
        if alone and not leaves and stop == self._count and bound_since <= sources:
            # Nothing else got a value since the source did: nothing can depend on it.
            for name in sources:
                globals_[name] = st.watch_source(globals_[name])
            return
        snapshot, left = self._snapshot_before(first, current)
        globals_.clear()
        globals_.update(snapshot)
        for name in sorted(leaves & set(globals_)):
            globals_[name] = st.watch_source(globals_[name])
        watched_in: dict[int, dict[str, int]] = {}
        for name, index in pairs:
            watched_in.setdefault(index, {})[name] = self._inputs[index].bindings[name]
        tainted = sources | leaves
        for index in kept:
            entry = self._inputs[index]
            if index in watched_in or entry.calls or entry.reads & tainted:
                st.sources_at = watched_in.get(index, {})
                # Names bound to one value in a source's input: watch every binding, so
                # that they are one variable, as they were.
                st.watch_globals = entry.aliased and index in watched_in
                self._execute(entry.program, entry.text)
                st.sources_at, st.watch_globals = {}, False
                tainted |= set(entry.before)
            else:
                for name, value in left[index].items():
                    if value is _ABSENT:
                        globals_.pop(name, None)
                    else:
                        globals_[name] = value

    def recording(self) -> Recording | None:
        """The last input run again on a fresh tape with every float variable watched,
        for the tape view (`:tape`). The variables it reads are recorded from where they
        got their values, so that their adjoints are total derivatives, as on a tape that
        had recorded every input. None before the first input."""
        if self.last is None or not self._inputs:
            return None
        st = self._state
        last = max(self._inputs)
        entry = self._inputs[last]
        with self._isolated() as tape:
            self._replay_for(self._feeding(last), stop=last)
            st.globals.update({name: value if isinstance(value, UserFunction)
                               else st.watch_global(value)
                               for name, value in st.globals.items()})
            st.watch_globals = True
            start = tape.mark()
            value, run = self._execute(entry.program, entry.text)
            if value is None and run.last_assigned is not None:
                value = st.globals.get(run.last_assigned)
            variables = {k: v for k, v in st.globals.items()
                         if not isinstance(v, UserFunction) and v is not None}
        if isinstance(value, UserFunction):
            value = None
        return Recording(self.last, tape, range(start, tape.mark()),
                         MappingProxyType(variables), value)

    def _feeding(self, index: int) -> set[tuple[str, int | None]]:
        """The bindings that input `index` can read through any chain of kept inputs:
        (name, binding input) pairs, the input None for a value bound before every kept
        input (a call of a def function reads every variable)."""
        values = {n for n, v in self._state.globals.items() if not isinstance(v, UserFunction)}
        pairs: set[tuple[str, int | None]] = set()
        work = [index]
        seen: set[int] = set()
        while work:
            reader = work.pop()
            if reader in seen:
                continue
            seen.add(reader)
            entry = self._inputs[reader]
            names = (values | set(entry.reads)) if entry.calls else set(entry.reads)
            for name in names:
                earlier = [k for k in self._inputs
                           if k < reader and name in self._inputs[k].bindings]
                if earlier:
                    pairs.add((name, max(earlier)))
                    work.append(max(earlier))
                elif name in values:
                    pairs.add((name, None))
        return pairs

    def computed_from(self, source: str) -> set[str]:
        """The variables whose values were computed from variable `source` (through any
        operations), by a replay; empty when `source` is not a variable."""
        if source not in self._origin or source not in self.variables:
            return set()
        with self._isolated() as tape:
            self._replay_for({self._origin[source]})
            variables = dict(self._state.globals)
            origin = variables[source]
            return {name for name, value in variables.items()
                    if name != source and not isinstance(value, UserFunction)
                    and tape.depends(value, origin)}

    def value_of(self, expression: str, wrt: tuple[str, ...] | list[str] = ()) -> RunResult:
        """The value of one expression in the session, as a RunResult whose tape
        recorded it from the variables `wrt` (watched where they got their values),
        for adcli.api to differentiate; no variable changes."""
        program = self._parse(expression)
        if len(program.body) != 1 or not isinstance(program.body[0], ast.ExprStmt):
            raise AdcliValueError("expected one expression, such as z or f(x) * 2",
                                  program.span, expression)
        sources = {n for n in wrt if n in self._origin and n in self.variables} \
            | self._sources_of(mentioned_names(program), differentiated_names(program))
        with self._isolated() as tape:
            if sources:
                self._replay_for({self._origin[n] for n in sources})
            value, _st = self._execute(program, expression)
            replayed = {k: v for k, v in self._state.globals.items()
                        if not isinstance(v, UserFunction) and v is not None}
        warnings: tuple[str, ...] = ()
        if value is None or isinstance(value, UserFunction):
            raise AdcliValueError("the expression has no value", program.span, expression)
        if not _finite(value):
            warnings = (f"the value is {_nonfinite(value)}",)
        if not isinstance(value, Tensor):
            value = Tensor(np.asarray(value, dtype=np.float64))
        variables = {k: v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=np.float64))
                     for k, v in replayed.items()}
        return RunResult(value=value, value_name=None, variables=MappingProxyType(variables),
                         inputs=MappingProxyType({}), warnings=warnings, tape=tape,
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
