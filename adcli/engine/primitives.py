"""The primitive registry and `bind`, the one place where an operation runs and is recorded.

A primitive is a name with one rule per interpretation, as in JAX's autodidax. Where
each interpretation of a primitive lives:

- `impl` (numpy forward) and the gradient rules (`vjps`, or `vjp_any` for variadic
  primitives): on the `Primitive` itself, given to `defprim` where the primitive is
  defined, in adcli/engine/ops.py. A gradient rule `vjp(g, ans, *args, **params)`
  gives the gradient with respect to one argument, written with adcli's own
  differentiable operations so that the backward pass can itself be recorded
  (higher order). `arity` (the number of positional array arguments; None for
  variadic ones) is given there too, and nothing else hard-codes it. An argument
  whose gradient is zeros rather than None (TensorFlow's Sign) has the rule
  `zero_gradient(k)`; a primitive with only such rules counts as zero-derivative.
- `scalar` (the scalar forward): on the `Primitive` too, given to `defprim` beside
  `impl` in adcli/engine/ops.py. The same function on Python floats (ints and bools
  where the primitive takes them), built on the `math` module, returning what `impl`
  returns for 0-d float64 inputs as a Python float (a bool for comparisons and
  logical operations), IEEE values included: it never raises or warns on a float
  where the math module would (log(0.0) is -inf, sqrt(-1.0) nan, exp(1000.0) inf).
  None for a primitive without one: tensor-shaped operations (reductions, reshape,
  matmul, indexing, ...) and the gamma family, whose numbers are scipy's (math.gamma
  and math.lgamma differ from them by several ulps); tests/test_scalar_forms.py names
  them and compares every scalar form with `impl`.
- the Taylor rule and the mpmath forward: in tables keyed by the `Primitive` object,
  `TAYLOR_RULES` and `MP_FORWARD` of adcli/engine/series.py, filled by its
  `def_taylor`, `def_comp`, `def_constant` and `def_mp`.
- the formula: `SYMBOLIC_RULES` of adcli/engine/symbolic.py.
- the forward-mode rule (a Jacobian-vector product, from the gradient rules
  transposed): `JVP_RULES` of adcli/engine/forward.py.
- the batch rule (the primitive on arguments with a leading batch axis, for Jacobians
  in one pass): `BATCH_RULES` of adcli/engine/batching.py.

To add a primitive: define it in ops.py with `defprim` (or `_unary`, `_binary`,
`_nondiff`), with its scalar form where it has one, then register its Taylor rule and
mp forward in series.py, its formula in symbolic.py, its forward rule in forward.py
and its batch rule in batching.py.
`adcli.engine.series.missing_rules()` lists what any primitive lacks, and
tests/engine/test_registry.py fails, by primitive name, until nothing does. Static
parameters (an axis, an integer exponent) travel in `params`, never as traced inputs.

`bind` runs a primitive, by its scalar form when every argument is a Python scalar (a
float64 or bool scalar Tensor holds a Python float or bool; see adcli/engine/tensor.py)
and at least one is a float, and the form gives the same numbers (`scalar_ulps` 0); by
its numpy form otherwise (arrays, float32, integers, a scalar beside an array). The
gradient rules are adcli operations, so a backward pass over scalars takes the same
path. When a tape is recording, it lets each recording tape
that follows one of the inputs add the call to its records, and each active forward
accumulator push its tangents through it (one list, RECORDING_TAPES, in the order the
contexts were entered). While an interpreter is active (Taylor mode, a symbolic run, a
batched pass) it first offers the call to it (TAYLOR_DISPATCH), which answers calls
with its own kind of argument. Imports numpy, the tensor module and adcli.records.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from adcli.engine.lazy_numpy import np
from adcli.engine.tensor import Tensor, scalar_tensor
from adcli.records import Record, field

VjpRule = Callable[..., Any]


def zero_gradient(argnum: int) -> VjpRule:
    """The gradient rule of an argument whose gradient is registered as zeros of its
    shape, not None: TensorFlow's choice for Sign (and for the features argument of
    ReluGrad), so that the Hessian of abs(x) or relu(x) is a tensor of zeros. A
    primitive whose every rule is a zero rule has zero derivative: `differentiable` is
    False for it, and series.py registers it with def_constant."""
    def rule(g: Any, ans: Any, *args: Any, **params: Any) -> Tensor:
        arg = args[argnum]
        value = arg._v if isinstance(arg, Tensor) else arg
        if type(value) is float:
            return scalar_tensor(0.0)
        return Tensor._wrap(np.zeros(np.shape(value), np.result_type(value)))

    rule.zero = True  # type: ignore[attr-defined]
    return rule


class Primitive(Record, eq=False, frozen=False):
    """One operation: its numpy forward, its scalar forward and its gradient rule(s).
    Its other interpretations (Taylor rule, mpmath forward) are in adcli.engine.series'
    tables, keyed by this object (compared and hashed by identity)."""

    name: str
    # The numpy forward, or the name of a numpy function (looked up on first use, so
    # that defining a primitive does not import numpy): read it as `impl`.
    _impl: Callable[..., Any] | str
    # vjps[k](g, ans, *args, **params) -> gradient for argument k, or None when
    # argument k is not differentiable. `vjp_any` replaces them for variadic
    # primitives (concat, stack): vjp_any(k, g, ans, *args, **params).
    vjps: tuple[VjpRule | None, ...] = ()
    vjp_any: VjpRule | None = None
    doc: str = ""
    nondiff_args: frozenset[int] = field(default_factory=frozenset)
    # The number of positional array arguments; None for a variadic primitive.
    arity: int | None = None
    # Where a real function is defined, in words ("x > 0"), when it is not defined
    # everywhere: outside it the value is nan and derivatives there mean nothing.
    domain: str | None = None
    # The forward on Python floats (and ints and bools where the primitive takes
    # them), with the static parameters as keywords, as `impl` takes them: what `impl`
    # gives for 0-d float64 inputs, as a Python float (a bool for comparisons), and it
    # never raises or warns on a float. None where there is no such form.
    scalar: Callable[..., Any] | None = None
    # How many units in the last place `scalar` may differ from `impl` by (0: the same
    # numbers; ops.SCALAR_LAST_BIT names the others). `bind` runs only a scalar form of
    # the same numbers, so that a value never depends on which form computed it.
    scalar_ulps: int = 0
    # The number of entries the numpy forward would make, from the raw arguments and
    # the static parameters, found without making them, for a primitive whose output
    # can be larger than its largest input (a broadcast, a stack, a tile): `bind`
    # refuses an output over the active `element_limit` before it is allocated. None:
    # never larger than an input.
    size: Callable[..., int] | None = None

    @property
    def impl(self) -> Callable[..., Any]:
        """The numpy forward: on arrays (and numpy scalars), with the static parameters
        as keywords."""
        impl = self._impl
        if type(impl) is str:
            impl = self._impl = getattr(np, impl)
        return impl

    @property
    def differentiable(self) -> bool:
        """Whether some argument has a gradient rule that is not a `zero_gradient`."""
        return self.vjp_any is not None or any(
            rule is not None and not getattr(rule, "zero", False) for rule in self.vjps)

    def has_vjp(self, argnum: int) -> bool:
        if self.vjp_any is not None:
            return argnum not in self.nondiff_args
        return argnum < len(self.vjps) and self.vjps[argnum] is not None

    def vjp(self, argnum: int, g: Any, ans: Any, args: tuple, params: dict) -> Any:
        if self.vjp_any is not None:
            return self.vjp_any(argnum, g, ans, *args, **params)
        return self.vjps[argnum](g, ans, *args, **params)  # type: ignore[misc]


PRIMITIVES: dict[str, Primitive] = {}

# Tapes that are recording now, and forward accumulators (their `_forward` is True),
# innermost last. A paused tape (stop_recording, or a non-persistent tape during its
# own backward pass) is taken out of this list, so `bind` only pays for tapes that may
# record.
RECORDING_TAPES: list[Any] = []

# The active interpreter's dispatcher (adcli.engine.series.dispatch for Taylor mode,
# symbolic.dispatch, batching.dispatch), present only while it runs, so that the
# ordinary path pays one truth test of an empty list.
TAYLOR_DISPATCH: list[Callable[..., Any]] = []


@contextmanager
def dispatching(dispatch: Callable[..., Any]) -> Iterator[None]:
    """Inside, `bind` offers every call to `dispatch` first. Entered again while
    `dispatch` is already the innermost (a rule written with adcli operations), it adds
    nothing."""
    if TAYLOR_DISPATCH and TAYLOR_DISPATCH[-1] is dispatch:
        yield
        return
    TAYLOR_DISPATCH.append(dispatch)
    try:
        yield
    finally:
        TAYLOR_DISPATCH.pop()

_EMPTY: dict[str, Any] = {}


class TooLarge(MemoryError):
    """A tensor of `count` entries refused before it was made: more than the active
    `element_limit` (`limit`). A MemoryError, which it prevents."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(f"a tensor of {count:,} entries is more than the limit of {limit:,}")
        self.count, self.limit = count, limit


class BadShape(ValueError):
    """A shape argument that no tensor can have: a negative size, or more entries than
    any tensor can hold. A ValueError about the value given, not a mismatch of shapes."""


class TooMuchMemory(MemoryError):
    """An operation refused before it allocated `needed` bytes: the process already holds
    `held` bytes, and together they would pass the active `memory_limit` (`limit`)."""

    def __init__(self, needed: int, held: int, limit: int) -> None:
        super().__init__(f"{needed >> 20:,} MiB more on the {held >> 20:,} MiB held would "
                         f"pass the limit of {limit >> 20:,} MiB")
        self.needed, self.held, self.limit = needed, held, limit


# The largest number of entries an operation may make, innermost last (empty: any).
# The language sets it for a program's run (Limits.max_tensor_elements).
ELEMENT_LIMIT: list[int] = []
# The most bytes the process may hold (resident) after an operation, innermost last
# (empty: any); looked at only for operations of at least BIG_ENTRIES entries.
MEMORY_LIMIT: list[int] = []
BIG_ENTRIES = 1 << 20


@contextmanager
def memory_limit(max_bytes: int) -> Iterator[None]:
    """Inside, an operation of BIG_ENTRIES entries or more that would take the process's
    resident memory past `max_bytes` raises TooMuchMemory before it allocates: tensors
    each within the element limit, kept together (on a tape), cannot take the machine's
    memory."""
    MEMORY_LIMIT.append(max_bytes)
    try:
        yield
    finally:
        MEMORY_LIMIT.pop()


def _resident() -> int:
    """The process's resident memory in bytes (Linux's /proc; elsewhere its peak)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _check_memory(count: int) -> None:
    if count >= BIG_ENTRIES:
        needed = count * 8
        held = _resident()
        if held + needed > MEMORY_LIMIT[-1]:
            raise TooMuchMemory(needed, held, MEMORY_LIMIT[-1])


@contextmanager
def element_limit(limit: int) -> Iterator[None]:
    """Inside, every operation that would make a tensor of more than `limit` entries
    raises TooLarge before allocating it (`Primitive.size`, `check_count`)."""
    ELEMENT_LIMIT.append(limit)
    try:
        yield
    finally:
        ELEMENT_LIMIT.pop()


def check_count(count: int) -> None:
    """Raise TooLarge when `count` entries are more than the active element limit (or
    TooMuchMemory past the memory limit): for code that makes a tensor outside `bind`
    (ones, zeros, range, ...), before it does."""
    if ELEMENT_LIMIT and count > ELEMENT_LIMIT[-1]:
        raise TooLarge(count, ELEMENT_LIMIT[-1])
    if MEMORY_LIMIT:
        _check_memory(count)


def _entries(value: Any) -> int:
    kind = type(value)
    if kind is float or kind is int or kind is bool:
        return 1
    size = getattr(value, "size", None)
    return size if type(size) is int else int(np.size(value))


def broadcast_size(*args: Any, **params: Any) -> int:
    """The entries of the arguments broadcast together (an elementwise result); 0 when
    their shapes do not broadcast (the forward then says so)."""
    if ELEMENT_LIMIT:
        product = 1
        for a in args:
            product *= _entries(a)
        if product <= ELEMENT_LIMIT[-1]:
            return product  # the broadcast has no more entries than the product
    try:
        return math.prod(np.broadcast_shapes(*(np.shape(a) for a in args)))
    except ValueError:
        return 0


def defprim(
    name: str,
    impl: Callable[..., Any] | str,
    *vjps: VjpRule | None,
    arity: int | None,
    vjp_any: VjpRule | None = None,
    nondiff_args: tuple[int, ...] = (),
    doc: str = "",
    domain: str | None = None,
    scalar: Callable[..., Any] | None = None,
    size: Callable[..., int] | None = None,
) -> Primitive:
    """Define and register a primitive; each name is defined exactly once.

    `arity` is the number of positional array arguments (None for a variadic
    primitive, whose gradient is then `vjp_any`); when per-argument `vjps` are given
    there is one per argument (None for an argument without a gradient). `impl` is the
    numpy forward, or a numpy function's name (`"add"` for np.add). `scalar` is
    the forward on Python floats (see `Primitive.scalar`), None where there is none.
    `size` counts the output's entries before it is made (`Primitive.size`); a
    primitive of two or more arguments broadcasts them unless it gives its own."""
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is defined twice")
    if vjps and len(vjps) != arity:
        raise ValueError(f"primitive {name!r} has arity {arity} but {len(vjps)} gradient rules")
    prim = Primitive(name, impl, tuple(vjps), vjp_any, doc, frozenset(nondiff_args), arity,
                     domain, scalar, size=size if size is not None or not arity or arity < 2
                     else broadcast_size)
    PRIMITIVES[name] = prim
    return prim


def _check_size(prim: Primitive, raw: list, params: dict[str, Any]) -> None:
    """Raise TooLarge when `prim` would make more entries than the element limit allows
    (its `size` rule; a primitive without one makes no more than its largest argument),
    or TooMuchMemory when that many entries would pass the memory limit, from the
    arguments' values (a Taylor series' is its first coefficient). Arguments whose size
    cannot be told (a batched interpreter's) are left to the forward. Scalar operations
    (the scalar path) make one entry and are not checked. Callers test the limits first
    (`ELEMENT_LIMIT and prim.size is not None or MEMORY_LIMIT`), so that a run without
    them pays nothing."""
    try:
        count = prim.size(*raw, **params) if prim.size is not None \
            else max(map(_entries, raw), default=1)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return
    if ELEMENT_LIMIT and count > ELEMENT_LIMIT[-1]:
        raise TooLarge(count, ELEMENT_LIMIT[-1])
    if MEMORY_LIMIT:
        _check_memory(count)


def bind(prim: Primitive, args: tuple, params: dict[str, Any] | None = None) -> Tensor:
    """Run `prim` on `args` (Tensors or plain values) and record it on following tapes."""
    params = params or _EMPTY
    if TAYLOR_DISPATCH:
        if ELEMENT_LIMIT and prim.size is not None or MEMORY_LIMIT:
            _check_size(prim, [a._value if isinstance(a, Tensor) else a for a in args],
                        params)
        series = TAYLOR_DISPATCH[-1](prim, args, params)
        if series is not None:
            return series
    scalar = prim.scalar
    if scalar is not None and not prim.scalar_ulps:
        # The scalar path: every argument a Python float, bool or int (a float64 or bool
        # scalar Tensor holds one), at least one a float, so that numpy's result is a
        # float64 (or a bool, for a comparison). The scalar form gives that value
        # without numpy, and a Tensor holds it as it is. Where it cannot (it raised, or
        # gave neither a float nor a bool: an integer, a float32 cast; a bool where a
        # bool argument may have passed through, as maximum(True, 0.5)), the numpy form
        # decides.
        raw = []
        floats = bools = False
        for a in args:
            value = a._v if isinstance(a, Tensor) else a
            kind = type(value)
            if kind is float:
                floats = True
            elif kind is bool:
                bools = True
            elif kind is not int:
                floats = False
                break
            raw.append(value)
        if floats:
            try:
                value = scalar(*raw, **params)
            except Exception:
                value = None
            kind = type(value)
            if kind is float or kind is bool and not bools:
                out = scalar_tensor(value)
                if RECORDING_TAPES:
                    record(prim, args, params, out)
                return out
    # The numpy form takes a scalar Tensor's value as numpy's (np.float64, np.bool_:
    # strong types, where a Python float literal beside a float32 array is weak).
    raw = [a._value if isinstance(a, Tensor) else a for a in args]
    if ELEMENT_LIMIT and prim.size is not None or MEMORY_LIMIT:
        _check_size(prim, raw, params)
    out = Tensor._wrap(prim.impl(*raw, **params))
    if RECORDING_TAPES:
        record(prim, args, params, out)
    return out


def record(prim: Primitive, args: tuple, params: dict[str, Any], out: Tensor) -> None:
    """Add the call `out = prim(*args, **params)` to every recording tape that follows an
    input, and hand it to every active forward accumulator, outermost first."""
    for tape in RECORDING_TAPES:
        if tape._forward:
            tape._push(prim, args, params, out)
            continue
        tracked = tape._tracked
        follows = False
        for a in args:
            if isinstance(a, Tensor):
                if a._id in tracked:
                    follows = True
                elif a._trainable and tape._watch_accessed_variables:
                    # Every trainable variable an operation reads is watched, not
                    # only the first, so the scan does not stop at a tracked input.
                    tape._watch_one(a)
                    follows = True
        if follows:
            tape._records.append((prim, args, params, out))
            tracked.add(out._id)
