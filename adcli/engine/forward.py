"""Forward mode: Jacobian-vector products, as tf.autodiff.ForwardAccumulator computes them.

One responsibility: push tangents forward through primitives. Beside the gradient
rules (adcli/engine/ops.py), the Taylor rules (adcli/engine/series.py), the formulas
(adcli/engine/symbolic.py) and the batch rules (adcli/engine/batching.py), this module
gives every differentiable primitive one more interpretation, in a table keyed by the
`Primitive` object:

- `JVP_RULES[prim](tangents, ans, *args, **params)` is the tangent of the output,
  given one tangent per argument (None for an argument that has none), the output
  and the arguments; None when no tangent flows. Rules are written with adcli's
  operations, so a tangent is itself recorded by the tapes (and seen by the
  accumulators) entered before the accumulator that computes it: backward-over-forward
  and forward-over-forward work, to any depth.

Every rule is a transposition of the gradient rules, in one of four kinds:

- elementwise (`def_elementwise`): the Jacobian of an elementwise primitive with
  respect to an argument of the output's shape is diagonal, so it is its own
  transpose and the gradient rule applied to the tangent is the JVP (sin: cos(x) t,
  with the gradient rule's care for zeros and magnitudes). An argument broadcast to
  the output is first broadcast, with its tangent, so that its rule sums nothing.
- linear (`def_linear`): the primitive applied to the tangents (reshape, transpose,
  getitem, reduce_sum, concat, ...; missing tangents of concat and stack are zeros).
- `def_jvp`: a rule of its own (matmul: ta @ b + a @ tb).
- transposed (`def_transposed`): any primitive, from its gradient rules by the
  double-VJP trick: the gradient rule is linear in the cotangent g, vjp(g) = J^T g, so
  J t = d/dg <vjp(g), t>, one gradient on a tape inside (reduce_prod, reduce_max,
  reduce_min, reduce_logsumexp; and a custom_gradient, which has no entry).

`missing_rules()` in adcli/engine/series.py names a differentiable primitive without
a forward rule, and tests/engine/test_registry.py fails by name
(`test_has_a_forward_rule[name]`). A primitive without a gradient rule (floor,
comparisons, stop_gradient) passes no tangent.

Tangents may be `Batched` (adcli.engine.batching): a batch of tangents at once, as a
forward-mode Jacobian seeds the identity. `push_forward` runs a tape's records forward
that way; `ForwardAccumulator` computes JVPs as a program runs, hooked into `bind` as
a recording tape is (primitives.RECORDING_TAPES), in the order the contexts were
entered: an accumulator sees what tapes and accumulators inside it compute, and they
do not see its tangents (TensorFlow's strict nesting).

Imports numpy and the engine's tensor, primitives, ops, batching and tape modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

from adcli.engine import batching, ops
from adcli.engine.batching import Batched
from adcli.engine.lazy_numpy import np
from adcli.engine.ops import _shape
from adcli.engine.primitives import PRIMITIVES, RECORDING_TAPES, Primitive, bind
from adcli.engine.tape import GradientTape, _flatten, _is_float, _unflatten
from adcli.engine.tensor import Tensor

__all__ = ["JVP_RULES", "ForwardAccumulator", "def_elementwise", "def_jvp", "def_linear",
           "def_transposed", "jvp", "push_forward"]

P = SimpleNamespace(**PRIMITIVES)
JvpRule = Callable[..., Any]
JVP_RULES: dict[Primitive, JvpRule] = {}


def def_jvp(prim: Primitive, rule: JvpRule) -> None:
    """Register `rule(tangents, ans, *args, **params) -> Tensor | None` for `prim`."""
    if prim in JVP_RULES:
        raise ValueError(f"the primitive '{prim.name}' has a forward rule already")
    JVP_RULES[prim] = rule


def _spread(value: Any, shape: tuple[int, ...]) -> Any:
    """value broadcast to `shape` (a recorded broadcast_to for a tensor)."""
    if tuple(_shape(value)) == shape:
        return value
    if isinstance(value, Tensor):
        return ops.broadcast_to(value, shape)
    return np.broadcast_to(value, shape)


def _add(total: Tensor | None, term: Tensor | None) -> Tensor | None:
    if term is None:
        return total
    return term if total is None else ops.add(total, term)


def _of_shape(tangent: Tensor | None, ans: Tensor) -> Tensor | None:
    shape = tuple(_shape(ans))
    return tangent if tangent is None else _spread(tangent, shape)


def def_elementwise(prim: Primitive) -> None:
    """The JVP of an elementwise primitive: its gradient rules applied to the tangents."""
    def rule(tangents: tuple, ans: Tensor, *args: Any, **params: Any) -> Tensor | None:
        shape = tuple(_shape(ans))
        total = None
        spread = None
        for k, t in enumerate(tangents):
            if t is None or not prim.has_vjp(k):
                continue
            if tuple(_shape(args[k])) == shape:
                term = prim.vjp(k, t, ans, args, params)
            else:
                if spread is None:
                    spread = tuple(_spread(a, shape) for a in args)
                term = prim.vjp(k, _spread(t, shape), ans, spread, params)
            total = _add(total, term)
        return _of_shape(total, ans)

    def_jvp(prim, rule)


def def_linear(prim: Primitive) -> None:
    """The JVP of a primitive linear in its arguments: itself on the tangents (zeros
    for an argument without one)."""
    def rule(tangents: tuple, ans: Tensor, *args: Any, **params: Any) -> Tensor | None:
        filled = tuple(ops.zeros_like(a) if t is None or not prim.has_vjp(k) else t
                       for k, (a, t) in enumerate(zip(args, tangents, strict=True)))
        return bind(prim, filled, params)

    def_jvp(prim, rule)


def transposed(prim: Primitive, tangents: tuple, ans: Tensor, args: tuple,
               params: dict[str, Any]) -> Tensor | None:
    """J t from the gradient rules: d/dg <vjp(g), t> at g = 0, on a tape inside."""
    size = next((t.size_of_batch for t in tangents if type(t) is Batched), None)
    if size is not None and not batching.vjp_is_batchable(prim):
        # A custom gradient is user code: one member at a time.
        return batching.per_example(lambda *ts: transposed(prim, ts, ans, args, params),
                                    tangents, size)
    shape = tuple(_shape(ans))
    dtype = ans.dtype if ans.dtype.kind in "fc" else np.dtype(np.float64)
    seed = Tensor._wrap(np.zeros(shape if size is None else (size,) + shape, dtype))
    g = seed if size is None else Batched.of(seed)
    with GradientTape() as inner:
        inner.watch(seed)
        total = None
        for k, t in enumerate(tangents):
            if t is None or not prim.has_vjp(k):
                continue
            v = prim.vjp(k, g, ans, args, params)
            if v is None:
                continue
            total = _add(total, ops.reduce_sum(ops.multiply(v, t)))
        if total is None:
            return None
        if type(total) is Batched:
            total = ops.reduce_sum(total._full)
    out = inner.gradient(total, seed, unconnected_gradients="zero")
    return out if size is None else Batched.of(out)


def def_transposed(prim: Primitive) -> None:
    """The JVP of `prim` by transposing its gradient rules (see `transposed`)."""
    def_jvp(prim, lambda tangents, ans, *args, **params: transposed(prim, tangents, ans,
                                                                      args, params))


def _matmul_jvp(tangents: tuple, ans: Tensor, a: Any, b: Any) -> Tensor | None:
    ta, tb = tangents
    total = None if ta is None else ops.matmul(ta, b)
    return _add(total, None if tb is None else ops.matmul(a, tb))


def jvp(prim: Primitive, args: tuple, params: dict[str, Any], out: Tensor,
        tangents: tuple) -> Tensor | None:
    """The tangent of `out = prim(*args, **params)` given the arguments' tangents (None
    for none); None when none flows (no gradient rule, or an output that is not a
    float)."""
    if not _is_float(out):
        return None
    rule = JVP_RULES.get(prim)
    if rule is not None:
        return rule(tangents, out, *args, **params)
    if not any(t is not None and prim.has_vjp(k) for k, t in enumerate(tangents)):
        return None
    return transposed(prim, tangents, out, args, params)


def push_forward(records: list, seeds: dict[int, Tensor], target_ids: Iterable[int]
                 ) -> dict[int, Tensor]:
    """The tangents of the `target_ids` (those that get one), from the `seeds` (tensor id
    -> tangent, Batched or not), pushed through `records` (a tape's, in execution order).
    Only records the targets depend on run; a tangent is let go after its last use."""
    wanted = set(target_ids)
    needed = set(wanted)
    for _prim, args, _params, out in reversed(records):
        if out._id in needed:
            needed.update(a._id for a in args if isinstance(a, Tensor))
    steps = [r for r in records if r[3]._id in needed and r[3]._id not in seeds]
    last: dict[int, int] = {}
    for i, (_prim, args, _params, _out) in enumerate(steps):
        for a in args:
            if isinstance(a, Tensor):
                last[a._id] = i
    tangents = dict(seeds)
    with batching.active():
        for i, (prim, args, params, out) in enumerate(steps):
            ts = _argument_tangents(args, tangents)
            if ts is not None:
                t_out = jvp(prim, args, params, out, tuple(ts))
                if t_out is not None:
                    tangents[out._id] = t_out
            for a in args:
                if isinstance(a, Tensor) and last.get(a._id) == i and a._id not in wanted:
                    tangents.pop(a._id, None)
    return {i: tangents[i] for i in wanted if i in tangents}


def _leaves_like(structure: Any, values: Any) -> list[Any]:
    """The values matching each leaf of `structure` (a nested dict, list or tuple), so
    that a leaf's value may itself be a nested list (a tangent written as numbers)."""
    if isinstance(structure, dict):
        if not isinstance(values, dict) or set(values) != set(structure):
            raise ValueError("tangents must have the structure of primals (the same keys)")
        return [leaf for key in structure for leaf in _leaves_like(structure[key], values[key])]
    if isinstance(structure, (list, tuple)):
        if not isinstance(values, (list, tuple)) or len(values) != len(structure):
            raise ValueError("tangents must have the structure of primals: "
                             f"{len(structure)} primals here")
        return [leaf for s, v in zip(structure, values, strict=True)
                for leaf in _leaves_like(s, v)]
    return [values]


def _unconnected(value: Any) -> str:
    value = getattr(value, "value", value)
    if value not in ("none", "zero"):
        raise ValueError("unconnected_gradients must be 'none' or 'zero'")
    return value



def _argument_tangents(args: tuple, tangents: dict[int, Any]) -> list[Any] | None:
    """The tangent of each argument of one operation (None for an argument without one),
    or None when no argument has a tangent."""
    ts = None
    for k, a in enumerate(args):
        if isinstance(a, Tensor):
            t = tangents.get(a._id)
            if t is not None:
                if ts is None:
                    ts = [None] * len(args)
                ts[k] = t
    return ts

class ForwardAccumulator:
    """Computes Jacobian-vector products with forward-mode autodiff, as
    tf.autodiff.ForwardAccumulator: `primals` (a tensor, variable or nested structure of
    them) are watched with `tangents` of the same structure and shapes, and every
    operation run inside the context pushes their tangents forward; `jvp(x)` reads the
    tangent of any tensor computed there.

    Accumulators and GradientTapes nest strictly: each sees what those entered inside it
    compute (their tangents and backward passes), and none sees the tangents of one
    entered around it. So `acc.jvp(tape.gradient(y, x))` with the tape inside is a
    Hessian-vector product (forward-over-backward), and `tape.gradient(acc.jvp(y), x)`
    with the tape around is one too (backward-over-forward)."""

    _forward = True  # primitives.record hands operations to `_push`

    def __init__(self, primals: Any, tangents: Any) -> None:
        flat_primals = _flatten(primals)
        flat_tangents = _leaves_like(primals, tangents)
        self._tangents: dict[int, Tensor] = {}
        self._batch: int | None = None
        for primal, tangent in zip(flat_primals, flat_tangents, strict=True):
            if not isinstance(primal, Tensor):
                raise ValueError(f"primals must be tensors or variables, not "
                                 f"{type(primal).__name__}: convert the value with "
                                 "adcli.constant first")
            if primal._id in self._tangents:
                raise ValueError("a tensor was given as a primal twice; if that was meant, "
                                 "sum its tangents")
            self._tangents[primal._id] = self._tangent_of(primal, tangent)
        self._active = False

    def _tangent_of(self, primal: Tensor, tangent: Any) -> Tensor:
        dtype = primal.dtype if primal.dtype.kind in "fc" else np.dtype(np.float64)
        tangent = ops.convert_to_tensor(tangent, dtype)
        if tuple(tangent.shape) != tuple(primal.shape):
            raise ValueError(f"a tangent has shape {tuple(tangent.shape)}, but its primal "
                             f"has shape {tuple(primal.shape)}")
        return tangent

    @classmethod
    def _batch_accumulator(cls, primals: Any, tangents: Any) -> ForwardAccumulator:
        """An accumulator of a batch of tangents at once (TensorFlow's name): each tangent
        has shape [B] + its primal's shape, and each JVP [B] + the tensor's shape."""
        flat_tangents = [ops.convert_to_tensor(t) for t in _leaves_like(primals, tangents)]
        sizes = {int(t.shape[0]) for t in flat_tangents if t.ndim}
        if len(sizes) != 1 or any(t.ndim == 0 for t in flat_tangents):
            raise ValueError("batched tangents need one leading batch axis of one length")
        acc = object.__new__(cls)
        acc._batch = sizes.pop()
        acc._active = False
        acc._tangents = {}
        for primal, tangent in zip(_flatten(primals), flat_tangents, strict=True):
            if not isinstance(primal, Tensor):
                raise ValueError("primals must be tensors or variables")
            if primal._id in acc._tangents:
                raise ValueError("a tensor was given as a primal twice")
            if tuple(tangent.shape[1:]) != tuple(primal.shape):
                raise ValueError(f"a batched tangent has shape {tuple(tangent.shape)}, but "
                                 f"its primal has shape {tuple(primal.shape)}")
            acc._tangents[primal._id] = Batched.of(tangent)
        return acc

    def __enter__(self) -> ForwardAccumulator:
        if self._active:
            raise ValueError("this ForwardAccumulator is already recording")
        self._active = True
        RECORDING_TAPES.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._active = False
        if self in RECORDING_TAPES:
            RECORDING_TAPES.remove(self)

    def _push(self, prim: Primitive, args: tuple, params: dict[str, Any], out: Tensor) -> None:
        """The tangent of one operation run inside the context, computed with this
        accumulator and every tape and accumulator entered after it set aside."""
        ts = _argument_tangents(args, self._tangents)
        if ts is None:
            return
        position = RECORDING_TAPES.index(self)
        inner = RECORDING_TAPES[position:]
        del RECORDING_TAPES[position:]
        try:
            if self._batch is None:
                t_out = jvp(prim, args, params, out, tuple(ts))
            else:
                with batching.active():
                    t_out = jvp(prim, args, params, out, tuple(ts))
        finally:
            RECORDING_TAPES.extend(inner)
        if t_out is not None:
            self._tangents[out._id] = t_out

    def jvp(self, primals: Any, unconnected_gradients: Any = "none") -> Any:
        """The tangent of each tensor in `primals` (a nested structure): None for one no
        tangent reached, or zeros with unconnected_gradients="zero"."""
        unconnected = _unconnected(unconnected_gradients)

        def fetch(tensor: Any) -> Any:
            t = self._tangents.get(tensor._id) if isinstance(tensor, Tensor) else None
            if t is None:
                if unconnected != "zero":
                    return None
                shape = tuple(np.shape(tensor._value if isinstance(tensor, Tensor)
                                       else tensor))
                if self._batch is not None:
                    shape = (self._batch,) + shape
                dtype = np.result_type(tensor._value if isinstance(tensor, Tensor) else tensor)
                return ops.zeros(shape, dtype if dtype.kind in "fc" else np.float64)
            if self._batch is not None:
                return batching.full_of(t, self._batch)
            return t

        return _unflatten(primals, iter([fetch(p) for p in _flatten(primals)]))


# ---- the rules, one primitive after another --------------------------------------------

for _name in (
    "add", "subtract", "mul_strong_zero", "multiply", "divide", "mod", "pow", "integer_pow",
    "abs", "sign", "reciprocal", "square", "sqrt", "cbrt", "exp", "expm1", "log", "log1p",
    "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
    "tanh", "asinh", "acosh", "atanh", "sigmoid", "softplus", "relu_grad", "relu", "erf",
    "erfc", "gamma", "lgamma", "digamma", "polygamma", "maximum", "minimum", "where",
):
    def_elementwise(PRIMITIVES[_name])
for _name in (
    "negative", "cast", "reduce_sum", "transpose", "reshape", "broadcast_to", "concat", "stack",
    "tile", "scatter", "getitem", "diag", "diag_part",
):
    def_linear(PRIMITIVES[_name])
def_jvp(P.matmul, _matmul_jvp)
for _name in ("reduce_prod", "reduce_max", "reduce_min", "reduce_logsumexp"):
    def_transposed(PRIMITIVES[_name])
