"""GradientTape: recording operations and the reverse (backward) pass, as tf.GradientTape.

A tape follows the tensors it watches: every primitive call with a followed input
is appended to its records (see `primitives.record`) and its output is followed
too. Records are kept in execution order, so walking them backwards is a valid
reverse topological order and the backward pass needs no graph sort.

`gradient` first finds, walking forwards, which records lie on a differentiable
path from the sources; only their rules run, and only for the arguments on such a
path. Each rule is made of recorded operations, so when another tape is recording
(nested tapes), or when a persistent tape computes a gradient inside its own
context, the backward pass is recorded too and can be differentiated again.

When a gradient is None, `explain` says why. Imports the engine's other modules.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from adcli.engine import ops
from adcli.engine.primitives import RECORDING_TAPES, Primitive, defprim, record
from adcli.engine.tensor import Tensor, Variable

_DIFFERENTIABLE_KINDS = "fc"


def _flatten(structure: Any) -> list[Any]:
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _unflatten(structure: Any, leaves: Iterator[Any]) -> Any:
    if isinstance(structure, dict):
        return {key: _unflatten(structure[key], leaves) for key in structure}
    if isinstance(structure, (list, tuple)):
        items = [_unflatten(item, leaves) for item in structure]
        return type(structure)(items) if isinstance(structure, tuple) else items
    return next(leaves)


def _is_float(tensor: Tensor) -> bool:
    value = tensor._value
    try:
        return value.dtype.kind in _DIFFERENTIABLE_KINDS
    except AttributeError:
        return np.result_type(value).kind in _DIFFERENTIABLE_KINDS


def _accumulate(previous: Tensor, contribution: Tensor, owned: bool) -> Tensor:
    """previous + contribution; a plain numpy sum when no tape could record the addition.

    `owned` says that previous's array was made by an earlier `_accumulate` of this
    backward pass and nothing else has seen it yet, so it may be added to in place."""
    if RECORDING_TAPES:
        return ops.add(previous, contribution)
    total, more = previous._value, contribution._value
    if owned and isinstance(total, np.ndarray) and total.shape == np.shape(more) \
            and total.dtype == np.result_type(total, more):
        np.add(total, more, out=total)
        return previous
    return Tensor._wrap(total + more)


def _drain(records: list) -> Iterator[Any]:
    """The records last to first, each let go of (so its tensors can be freed) once read."""
    while records:
        yield records.pop()


def _ones_seed(target: Tensor) -> Tensor:
    """The default output gradient: ones of the target's shape, as one broadcast value
    (no memory to fill; every rule that reads it makes a new array)."""
    shape = target.shape
    if not shape:
        return ops.ones_like(target)
    return Tensor._wrap(np.broadcast_to(np.ones((), target.dtype), shape))


class GradientTape:
    """Records operations on watched tensors for automatic differentiation.

    Use it as a context manager. Trainable variables read inside the context are
    watched automatically (unless `watch_accessed_variables=False`); other tensors
    only once passed to `watch`. A non-persistent tape computes one set of
    gradients; a persistent one any number.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._records: list[tuple[Primitive, tuple, dict, Tensor]] = []
        self._tracked: set[int] = set()
        self._watched: dict[int, Tensor] = {}
        self._active = False
        self._used = False

    # -- context ---------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        if self._active:
            raise ValueError(
                "this GradientTape is still recording: a tape cannot be entered again "
                "while it is active"
            )
        self._check_usable()
        self._active = True
        RECORDING_TAPES.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._active = False
        if self in RECORDING_TAPES:
            RECORDING_TAPES.remove(self)

    @contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Operations inside this context are not recorded by this tape."""
        if not self._active:
            raise ValueError("stop_recording() needs the tape to be recording (inside its `with`)")
        paused = self in RECORDING_TAPES
        if paused:
            RECORDING_TAPES.remove(self)
        try:
            yield
        finally:
            if paused and self._active:
                RECORDING_TAPES.append(self)

    def reset(self) -> None:
        """Forget everything recorded and watched; recording goes on if the tape is active."""
        self._records = []
        self._tracked = set()
        self._watched = {}
        self._used = False

    # -- watching --------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Follow a tensor, a variable, or a nested list/tuple/dict of them."""
        for leaf in _flatten(tensor):
            if not isinstance(leaf, Tensor):
                raise ValueError(
                    f"watch() needs tensors or variables, not {type(leaf).__name__}: "
                    "convert the value with adcli.constant first"
                )
            if not _is_float(leaf):
                warnings.warn(
                    f"the watched tensor has dtype {leaf.dtype.name}, which is not a float: "
                    "its gradient will be None", stacklevel=2,
                )
            self._watch_one(leaf)

    def _watch_one(self, tensor: Tensor) -> None:
        self._watched[tensor._id] = tensor
        self._tracked.add(tensor._id)

    def watched_variables(self) -> tuple[Variable, ...]:
        """The variables this tape watches, in the order they were first watched."""
        return tuple(t for t in self._watched.values() if isinstance(t, Variable))

    # -- gradients -------------------------------------------------------------
    def _check_usable(self) -> None:
        if self._used and not self._persistent:
            raise RuntimeError(
                "a non-persistent GradientTape can only compute one set of gradients: "
                "use GradientTape(persistent=True) to call gradient() more than once"
            )

    @contextmanager
    def _backward_context(self) -> Iterator[None]:
        """Pause this tape during its own backward pass, unless it is persistent and
        active: then the backward pass is recorded on it, for gradients of gradients."""
        self._check_usable()
        pause = self in RECORDING_TAPES and not self._persistent
        if pause:
            RECORDING_TAPES.remove(self)
        try:
            with np.errstate(all="ignore"):
                yield
        finally:
            if pause and self._active:
                RECORDING_TAPES.append(self)
            if not self._persistent:
                self._used = True
                self._records = []

    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: str = "none",
    ) -> Any:
        """d(sum of target)/d(source) for each source, in the structure of `sources`."""
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError("unconnected_gradients must be 'none' or 'zero'")
        if target is None:
            raise TypeError("gradient() needs a target tensor, not None")
        with self._backward_context():
            flat_sources = _flatten(sources)
            grads = self._gradient(target, flat_sources, output_gradients,
                                   consume=not self._persistent)
        if unconnected_gradients == "zero":
            grads = [ops.zeros_like(s) if g is None else g for s, g in zip(flat_sources, grads,
                                                                            strict=True)]
        return _unflatten(sources, iter(grads))

    def _gradient(self, target: Any, flat_sources: list[Any], output_gradients: Any,
                  consume: bool = False) -> list:
        """The backward pass. With `consume` (a non-persistent tape's one gradient call)
        each record and adjoint is dropped once used, so that memory is reused early."""
        for source in flat_sources:
            if not isinstance(source, Tensor):
                raise ValueError(
                    f"gradient() sources must be tensors or variables, not "
                    f"{type(source).__name__}"
                )
        targets = _flatten(target)
        seeds = [None] * len(targets) if output_gradients is None else _flatten(output_gradients)
        if len(seeds) != len(targets):
            raise ValueError("output_gradients must match the structure of target")
        adjoints: dict[int, Tensor] = {}
        for t, seed in zip(targets, seeds, strict=True):
            if not isinstance(t, Tensor):
                continue
            if t._trainable and self._watch_accessed_variables:
                # TensorFlow reads a variable target inside the tape, which watches it:
                # `result = v0` under a Python `if` has d result/d v0 = 1.
                self._watch_one(t)
            seed = _ones_seed(t) if seed is None else ops.convert_to_tensor(seed, t.dtype)
            previous = adjoints.get(t._id)
            adjoints[t._id] = seed if previous is None else ops.add(previous, seed)
        # A source the tape never followed has no gradient, even when a recorded
        # operation read it (an unwatched constant beside a watched variable).
        tracked = self._tracked
        source_ids = {s._id for s in flat_sources if _is_float(s) and s._id in tracked}
        if consume:
            records, self._records = self._records, []
        else:
            # Snapshot: a recorded backward pass appends to the same list as it runs.
            records = self._records[: len(self._records)]
        reach = self._reach(records, source_ids)
        keep = {s._id for s in flat_sources if isinstance(s, Tensor)}
        # Ids whose adjoint is an array this pass made by accumulation and no rule
        # has read yet. Every contribution to a tensor arrives before its own record
        # is reached (records are in execution order), so adding in place is safe.
        owned: set[int] = set()
        for prim, args, params, out in _drain(records) if consume else reversed(records):
            g = adjoints.get(out._id)
            if g is None or out._id not in reach:
                continue
            owned.discard(out._id)
            for argnum, arg in enumerate(args):
                if isinstance(arg, Tensor) and arg._id in reach and prim.has_vjp(argnum):
                    contribution = prim.vjp(argnum, g, out, args, params)
                    previous = adjoints.get(arg._id)
                    if previous is None:
                        adjoints[arg._id] = contribution
                    else:
                        adjoints[arg._id] = _accumulate(previous, contribution,
                                                        arg._id in owned)
                        owned.add(arg._id)
            if consume and out._id not in keep:
                del adjoints[out._id]
        return [adjoints.get(s._id) if s._id in source_ids else None for s in flat_sources]

    @staticmethod
    def _reach(records: list, source_ids: set[int], differentiable_only: bool = True) -> set[int]:
        """Ids of tensors that depend on a source (through differentiable steps only)."""
        reach = set(source_ids)
        for prim, args, _params, out in records:
            if out._id in reach:
                continue
            for argnum, arg in enumerate(args):
                if isinstance(arg, Tensor) and arg._id in reach and (
                    not differentiable_only or (prim.has_vjp(argnum) and _is_float(out))
                ):
                    reach.add(out._id)
                    break
        return reach

    def operations(self, start: int = 0, stop: int | None = None) -> list[tuple]:
        """The recorded operations [start:stop], oldest first, each as
        (primitive, arguments, static parameters, output Tensor)."""
        return self._records[start:stop]

    def mark(self) -> int:
        """A position in the records, for `truncate`: the number recorded so far."""
        return len(self._records)

    def truncate(self, mark: int) -> None:
        """Forget the operations recorded after `mark` (an input that failed)."""
        del self._records[mark:]

    def tracks(self, tensor: Any) -> bool:
        """Whether the tape follows `tensor` (watched, or computed from a watched one)."""
        return isinstance(tensor, Tensor) and tensor._id in self._tracked

    def depends(self, target: Any, source: Any) -> bool:
        """Whether this tape recorded `target` as computed from `source` (through any
        operations, differentiable or not), or `target` is `source`. False for a source
        the tape never watched."""
        if not isinstance(source, Tensor) or not isinstance(target, Tensor):
            return False
        if target._id == source._id:
            return True
        if source._id not in self._tracked:
            return False
        return target._id in self._reach(self._records, {source._id}, differentiable_only=False)

    def explain(self, target: Any, source: Any) -> str | None:
        """Why d(target)/d(source) is None, in words; None when the gradient exists."""
        if not isinstance(source, Tensor) or not isinstance(target, Tensor):
            return "only tensors and variables have gradients"
        if not _is_float(source):
            return f"the source has dtype {source.dtype.name}, which is not differentiable"
        if source._id not in self._tracked:
            return "the source was never watched by the tape"
        if target._id == source._id:
            return None
        records = self._records
        if target._id in self._reach(records, {source._id}):
            return None
        connected = self._reach(records, {source._id}, differentiable_only=False)
        if target._id not in connected:
            return "the result does not depend on it"
        # Only the operations between source and target are to blame: those whose
        # output the source reaches and the target depends on.
        ancestors = {target._id}
        for _prim, args, _p, out in reversed(records):
            if out._id in ancestors:
                ancestors.update(a._id for a in args if isinstance(a, Tensor))
        # A primitive with a zero gradient (sign) passes a gradient on: not a blocker.
        blockers = sorted({prim.name for prim, args, _p, out in records
                           if out._id in connected and out._id in ancestors
                           and (not any(prim.has_vjp(k) for k in range(len(args)))
                                or not _is_float(out))})
        return ("the result depends on it only through non-differentiable operations ("
                + ", ".join(blockers) + ")")

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: str = "none") -> Any:
        """d(target[i...])/d(source[j...]) with shape target.shape + source.shape."""
        target = ops.convert_to_tensor(target)
        flat_sources = _flatten(sources)
        rows: list[list[Any]] = [[] for _ in flat_sources]
        with self._backward_context():
            for index in np.ndindex(*target.shape):
                onehot = np.zeros(target.shape, dtype=target.dtype)
                onehot[index] = 1
                for k, g in enumerate(self._gradient(target, flat_sources, onehot)):
                    rows[k].append(g)
        results = []
        for source, row in zip(flat_sources, rows, strict=True):
            if all(g is None for g in row):
                results.append(ops.zeros(target.shape + source.shape, source.dtype)
                               if unconnected_gradients == "zero" else None)
                continue
            filled = [ops.zeros_like(source) if g is None else g for g in row]
            results.append(ops.reshape(ops.stack(filled), target.shape + source.shape))
        return _unflatten(sources, iter(results))

    def batch_jacobian(self, target: Any, source: Any,
                       unconnected_gradients: str = "none") -> Any:
        """For batch b: d(target[b, i...])/d(source[b, j...]), shape (B,) + i... + j...

        Assumes, as TensorFlow does, that batch entries do not depend on each other."""
        target = ops.convert_to_tensor(target)
        batch, inner = target.shape[0], target.shape[1:]
        rows = []
        with self._backward_context():
            for index in np.ndindex(*inner):
                onehot = np.zeros(target.shape, dtype=target.dtype)
                onehot[(slice(None),) + index] = 1
                rows.append(self._gradient(target, [source], onehot)[0])
        if all(g is None for g in rows):
            return (ops.zeros((batch,) + inner + source.shape[1:], source.dtype)
                    if unconnected_gradients == "zero" else None)
        filled = [ops.zeros_like(source) if g is None else g for g in rows]
        stacked = ops.stack(filled, axis=1)
        return ops.reshape(stacked, (batch,) + inner + source.shape[1:])


def custom_gradient(f: Any) -> Any:
    """Decorator: `f(*args)` returns `(value, grad_fn)`; `grad_fn(upstream)` returns one
    gradient per argument. The forward computation inside `f` is not recorded; the
    call is recorded as one operation whose gradient is `grad_fn`, written with adcli
    operations so that it can be differentiated again."""

    def wrapped(*args: Any) -> Tensor:
        paused = list(RECORDING_TAPES)
        RECORDING_TAPES.clear()
        try:
            value, grad_fn = f(*args)
        finally:
            RECORDING_TAPES.extend(paused)
        cache: dict[int, tuple] = {}

        def vjp_any(argnum: int, g: Tensor, ans: Tensor, *inputs: Any) -> Any:
            if id(g) not in cache:
                grads = grad_fn(g)
                cache.clear()
                cache[id(g)] = (g, tuple(grads) if isinstance(grads, (list, tuple)) else (grads,))
            return ops.convert_to_tensor(cache[id(g)][1][argnum])

        prim = Primitive(getattr(f, "__name__", "custom_gradient"), lambda *a: None,
                         vjp_any=vjp_any)
        out = Tensor._wrap(value._value if isinstance(value, Tensor) else np.asarray(value))
        if RECORDING_TAPES:
            record(prim, args, {}, out)
        return out

    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = f.__doc__
    return wrapped


__all__ = ["GradientTape", "custom_gradient", "defprim"]
