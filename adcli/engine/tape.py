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

`jacobian` and `batch_jacobian` are one pass with a batch of seeds (the identity):
reverse mode runs the backward pass on a `Batched` cotangent (adcli.engine.batching
gives every primitive a batch rule), forward mode pushes a Batched tangent through
the records (adcli.engine.forward); `choose_mode` picks by shape. The tape sits in
primitives.RECORDING_TAPES beside forward accumulators, in nesting order; a tape
paused for its own backward pass goes back to the same place.

When a gradient is None, `explain` says why. Imports the engine's other modules
(forward mode on first use).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from adcli.engine import batching, ops
from adcli.engine.batching import Batched
from adcli.engine.lazy_numpy import float_errors_ignored, np
from adcli.engine.primitives import RECORDING_TAPES, Primitive, defprim, record
from adcli.engine.tensor import Tensor, Variable, scalar_tensor

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
    value = tensor._v
    kind = type(value)
    if kind is float:
        return True
    if kind is bool:
        return False
    try:
        return value.dtype.kind in _DIFFERENTIABLE_KINDS
    except AttributeError:
        return np.result_type(value).kind in _DIFFERENTIABLE_KINDS


def _accumulate(previous: Tensor, contribution: Tensor, owned: bool) -> Tensor:
    """previous + contribution; a plain numpy sum when no tape could record the addition.

    `owned` says that previous's array was made by an earlier `_accumulate` of this
    backward pass and nothing else has seen it yet, so it may be added to in place.
    Batched adjoints (a Jacobian's batch of cotangents) are summed whole; scalar ones
    held as Python floats (adcli/engine/tensor.py) as floats, without numpy."""
    if RECORDING_TAPES:
        return ops.add(previous, contribution)
    batched = type(previous) is Batched
    if batched or type(contribution) is Batched:
        if not (batched and type(contribution) is Batched):
            return ops.add(previous, contribution)
        total, more = previous._full._value, contribution._full._value
        if np.shape(total) != np.shape(more):
            return ops.add(previous, contribution)
        if owned and isinstance(total, np.ndarray) and total.flags.writeable \
                and total.dtype == np.result_type(total, more):
            np.add(total, more, out=total)
            return previous
        return Batched.of(Tensor._wrap(total + more))
    total, more = previous._v, contribution._v
    if type(total) is float and type(more) is float:
        return scalar_tensor(total + more)
    total, more = previous._value, contribution._value
    if owned and isinstance(total, np.ndarray) and total.shape == np.shape(more) \
            and total.dtype == np.result_type(total, more):
        np.add(total, more, out=total)
        return previous
    return Tensor._wrap(total + more)


def _set_aside(recorder: Any) -> int:
    """Take a tape out of RECORDING_TAPES and say where it was, so that it goes back to
    the same place: the order of tapes and accumulators is their nesting."""
    position = RECORDING_TAPES.index(recorder)
    del RECORDING_TAPES[position]
    return position


def _drain(records: list) -> Iterator[Any]:
    """The records last to first, each let go of (so its tensors can be freed) once read."""
    while records:
        yield records.pop()


def _ones_seed(target: Tensor) -> Tensor:
    """The default output gradient: ones of the target's shape, as one broadcast value
    (no memory to fill; every rule that reads it makes a new array)."""
    if type(target._v) is float:
        return scalar_tensor(1.0)
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

    _forward = False  # a recorder of operations, not a ForwardAccumulator (primitives.record)

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
            position = _set_aside(self)
        try:
            yield
        finally:
            if paused and self._active:
                RECORDING_TAPES.insert(min(position, len(RECORDING_TAPES)), self)

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
            position = _set_aside(self)
        try:
            with float_errors_ignored():
                yield
        finally:
            if pause and self._active:
                RECORDING_TAPES.insert(min(position, len(RECORDING_TAPES)), self)
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
        unconnected_gradients = _unconnected(unconnected_gradients)
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
            vjp_any = prim.vjp_any
            vjps = prim.vjps
            for argnum, arg in enumerate(args):
                if isinstance(arg, Tensor) and arg._id in reach:
                    # prim.has_vjp(argnum) and prim.vjp(...), inline (the hot loop).
                    if vjp_any is None:
                        rule = vjps[argnum] if argnum < len(vjps) else None
                        if rule is None:
                            continue
                    elif argnum in prim.nondiff_args:
                        continue
                    if type(g) is Batched and not batching.vjp_is_batchable(prim):
                        # A custom gradient is user code: one cotangent at a time.
                        contribution = batching.per_example(
                            functools.partial(_one_vjp, prim, argnum, out=out, args=args,
                                              params=params), (g,), g.size_of_batch)
                    elif vjp_any is None:
                        contribution = rule(g, out, *args, **params)
                    else:
                        contribution = vjp_any(argnum, g, out, *args, **params)
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

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: Any = "none",
                 parallel_iterations: int | None = None, experimental_use_pfor: bool = True,
                 mode: str = "auto") -> Any:
        """d(target[i...])/d(source[j...]), of shape target.shape + source.shape, for each
        source in the structure of `sources`.

        One pass with a batch of seeds, the rows of the identity, as TensorFlow's pfor
        does: forward mode (a tangent per source entry, pushed through the records)
        when the sources have no more entries than the target, reverse mode (a
        cotangent per target entry, one backward pass) when they have more; `mode`
        "forward" or "reverse" chooses instead (`choose_mode`). Where the batch times
        the largest recorded tensor would pass JACOBIAN_BATCH_ELEMENTS, the seeds go in
        chunks of rows, as many as fit. `experimental_use_pfor=False` runs one backward
        pass per target entry (TensorFlow's while loop); `parallel_iterations` is
        accepted and ignored. A persistent tape inside its own context records the pass,
        so a Jacobian can be differentiated again."""
        unconnected = _unconnected(unconnected_gradients)
        mode = _mode(mode)
        target = ops.convert_to_tensor(target)
        flat_sources = _flatten(sources)
        _check_sources(flat_sources)
        with self._backward_context():
            if experimental_use_pfor:
                results = self._jacobians(target, flat_sources, 0, mode)
            else:
                results = self._jacobian_rows(target, flat_sources)
        if unconnected == "zero":
            results = [ops.zeros(target.shape + source.shape, source.dtype) if r is None else r
                       for source, r in zip(flat_sources, results, strict=True)]
        return _unflatten(sources, iter(results))

    def batch_jacobian(self, target: Any, source: Any, unconnected_gradients: Any = "none",
                       parallel_iterations: int | None = None,
                       experimental_use_pfor: bool = True, mode: str = "auto") -> Any:
        """For batch b: d(target[b, i...])/d(source[b, j...]), shape (B,) + i... + j...

        Assumes, as TensorFlow does, that batch entries do not depend on each other. One
        pass, as `jacobian`: a seed per entry of target[0] (reverse) or of source[0]
        (forward), at every batch entry at once. "auto" is reverse here, as TensorFlow's
        pfor of the gradient of target[:, i]: where entries do depend on each other
        (which the assumption rules out), the two modes sum over different batch axes,
        and reverse gives TensorFlow's numbers."""
        unconnected = _unconnected(unconnected_gradients)
        mode = _mode(mode)
        if mode == "auto":
            mode = "reverse"
        target = ops.convert_to_tensor(target)
        _check_sources([source])
        if target.ndim == 0 or source.ndim == 0:
            raise ValueError("batch_jacobian needs a target and a source with a batch axis "
                             "(rank 1 or more)")
        if target.shape[0] != source.shape[0]:
            raise ValueError(f"batch_jacobian needs the same batch size in target and source "
                             f"(their first axes), not {target.shape[0]} and {source.shape[0]}")
        with self._backward_context():
            if experimental_use_pfor:
                result = self._jacobians(target, [source], 1, mode)[0]
            else:
                result = self._batch_jacobian_rows(target, source)
        if result is None and unconnected == "zero":
            return ops.zeros(target.shape + source.shape[1:], source.dtype)
        return result

    def _jacobians(self, target: Tensor, flat_sources: list[Tensor], lead: int,
                   mode: str) -> list[Tensor | None]:
        """The Jacobian of target by each source (None where unconnected), the first
        `lead` axes of both being batch axes that are not differentiated across."""
        outer, inner = tuple(target.shape[:lead]), tuple(target.shape[lead:])
        inners = [tuple(s.shape[lead:]) for s in flat_sources]
        n_out, n_ins = math.prod(inner), [math.prod(s) for s in inners]
        if n_out == 0 or 0 in n_ins:
            return self._jacobian_rows(target, flat_sources) if lead == 0 \
                else [self._batch_jacobian_rows(target, flat_sources[0])]
        records = self._records[: len(self._records)]
        largest = max([np.size(out._value) for *_, out in records]
                      + [target.size] + [s.size for s in flat_sources])
        chunk = max(1, JACOBIAN_BATCH_ELEMENTS // max(largest, 1))
        if mode == "auto" and not all(batching.vjp_is_batchable(r[0]) for r in records):
            # A custom gradient's rule may not be linear (it may clip): only reverse mode
            # runs it as it is written, once per row, as TensorFlow's jacobian does.
            mode = "reverse"
        if choose_mode(n_out, sum(n_ins), mode) == "reverse":
            parts: list[list[Any]] = [[] for _ in flat_sources]
            for start in range(0, n_out, chunk):
                count = min(chunk, n_out - start)
                seed = Batched.of(_one_hot(start, count, n_out, outer, inner, target.dtype))
                with batching.active():
                    grads = self._gradient(target, flat_sources, seed)
                for k, g in enumerate(grads):
                    parts[k].append(_part(g, count, flat_sources[k]))
            return [None if all(isinstance(p, tuple) for p in ps) else _rows_to_jacobian(
                _joined(ps), lead, inner, inners[k]) for k, ps in enumerate(parts)]
        from adcli.engine import forward

        results: list[Tensor | None] = []
        for source, n_in, inner_s in zip(flat_sources, n_ins, inners, strict=True):
            if source._id not in self._tracked or not _is_float(source):
                results.append(None)
                continue
            columns: list[Any] = []
            for start in range(0, n_in, chunk):
                count = min(chunk, n_in - start)
                seed = Batched.of(_one_hot(start, count, n_in, outer, inner_s, source.dtype))
                tangent = forward.push_forward(records, {source._id: seed},
                                               [target._id]).get(target._id)
                columns.append(_part(tangent, count, target))
            results.append(None if all(isinstance(c, tuple) for c in columns)
                           else _columns_to_jacobian(_joined(columns), lead, inner, inner_s))
        return results

    def _jacobian_rows(self, target: Tensor, flat_sources: list[Any]) -> list[Tensor | None]:
        """The Jacobians one backward pass per target entry (None where unconnected)."""
        rows: list[list[Any]] = [[] for _ in flat_sources]
        for index in np.ndindex(*target.shape):
            onehot = np.zeros(target.shape, dtype=target.dtype)
            onehot[index] = 1
            for k, g in enumerate(self._gradient(target, flat_sources, onehot)):
                rows[k].append(g)
        results: list[Tensor | None] = []
        for source, row in zip(flat_sources, rows, strict=True):
            if all(g is None for g in row):
                results.append(None)
                continue
            filled = [ops.zeros_like(source) if g is None else g for g in row]
            results.append(ops.reshape(ops.stack(filled), target.shape + source.shape))
        return results

    def _batch_jacobian_rows(self, target: Tensor, source: Tensor) -> Tensor | None:
        """The batch Jacobian one backward pass per entry of target[0]."""
        batch, inner = target.shape[0], target.shape[1:]
        rows = []
        for index in np.ndindex(*inner):
            onehot = np.zeros(target.shape, dtype=target.dtype)
            onehot[(slice(None),) + index] = 1
            rows.append(self._gradient(target, [source], onehot)[0])
        if all(g is None for g in rows):
            return None
        filled = [ops.zeros_like(source) if g is None else g for g in rows]
        stacked = ops.stack(filled, axis=1)
        return ops.reshape(stacked, (batch,) + inner + source.shape[1:])


JACOBIAN_MODES = ("auto", "forward", "reverse")
# The most entries a tensor of a batched Jacobian pass may hold (batch x entries of the
# largest recorded tensor): 2^24, 128 MiB of float64. Beyond it the seeds go in chunks.
JACOBIAN_BATCH_ELEMENTS = 2 ** 24


def choose_mode(outputs: int, inputs: int, mode: str = "auto") -> str:
    """The mode of a Jacobian with `outputs` target entries and `inputs` source entries:
    `mode` itself when it is "forward" or "reverse"; for "auto", forward mode (one seed
    per input) when the inputs are no more than the outputs, as for a square Jacobian
    (a Hessian, forward-over-reverse), reverse mode (one seed per output) otherwise."""
    mode = _mode(mode)
    if mode != "auto":
        return mode
    return "forward" if inputs <= outputs else "reverse"


def _mode(mode: Any) -> str:
    if mode not in JACOBIAN_MODES:
        raise ValueError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    return mode


def _unconnected(value: Any) -> str:
    """'none' or 'zero', from a string or tf.UnconnectedGradients."""
    value = getattr(value, "value", value)
    if value not in ("none", "zero"):
        raise ValueError("unconnected_gradients must be 'none' or 'zero'")
    return value


def _check_sources(flat_sources: list[Any]) -> None:
    for source in flat_sources:
        if not isinstance(source, Tensor):
            raise ValueError(
                f"gradient() sources must be tensors or variables, not {type(source).__name__}"
            )


def _one_hot(start: int, count: int, n: int, outer: tuple[int, ...], inner: tuple[int, ...],
             dtype: Any) -> Tensor:
    """Rows start..start+count of the n x n identity, each shaped `inner`, repeated over the
    `outer` batch axes: shape (count,) + outer + inner."""
    dtype = np.dtype(dtype)
    rows = np.eye(count, n, k=start, dtype=dtype if dtype.kind in "fc" else np.float64)
    value = rows.reshape((count,) + (1,) * len(outer) + inner)
    if outer:
        value = np.broadcast_to(value, (count,) + outer + inner)
    return Tensor._wrap(value)


def _one_vjp(prim: Primitive, argnum: int, g: Tensor, out: Tensor, args: tuple,
             params: dict) -> Any:
    return prim.vjp(argnum, g, out, args, params)


def _part(value: Tensor | None, count: int, like: Tensor) -> Any:
    """One chunk's result as an ordinary tensor with the chunk along axis 0, or for None
    (count, like): the shape of the zeros it stands for if other chunks have a result."""
    if value is None:
        return (count, like)
    return batching.full_of(value, count)


def _joined(parts: list[Any]) -> Tensor:
    """The chunks of a batched pass joined along axis 0 (zeros for a chunk that had none:
    every chunk has the same graph, so this is for safety)."""
    filled = [ops.zeros((p[0],) + tuple(p[1].shape), p[1].dtype) if isinstance(p, tuple)
              else p for p in parts]
    return filled[0] if len(filled) == 1 else ops.concat(filled, axis=0)


def _rows_to_jacobian(full: Tensor, lead: int, inner_t: tuple[int, ...],
                      inner_s: tuple[int, ...]) -> Tensor:
    """(n_out,) + outer + inner_s, one row per target entry -> outer + inner_t + inner_s."""
    if lead:
        nd = len(full.shape)
        full = ops.transpose(full, (1, 0) + tuple(range(2, nd)))
    return ops.reshape(full, tuple(full.shape[:lead]) + inner_t + inner_s)


def _columns_to_jacobian(full: Tensor, lead: int, inner_t: tuple[int, ...],
                         inner_s: tuple[int, ...]) -> Tensor:
    """(n_in,) + outer + inner_t, one column per source entry -> outer + inner_t + inner_s."""
    nd = len(full.shape)
    moved = ops.transpose(full, tuple(range(1, nd)) + (0,))
    return ops.reshape(moved, tuple(moved.shape[:lead]) + inner_t + inner_s)


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
