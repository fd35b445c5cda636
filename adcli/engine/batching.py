"""The batching interpretation: every primitive applied to a batch of arguments at once.

One responsibility: run adcli operations on values that carry an extra leading batch
axis, as JAX's vmap does, so that a Jacobian is one backward (or forward) pass with a
batch of seeds (the rows of the identity) instead of one pass per row. Beside the numpy
forward with its gradient rules (adcli/engine/ops.py), the Taylor rule with its mpmath
forward (adcli/engine/series.py), the formula (adcli/engine/symbolic.py) and the
forward-mode rule (adcli/engine/forward.py), this module gives every primitive of the
registry one more interpretation, in a table keyed by the `Primitive` object:

- `BATCH_RULES[prim](args, params, size)` computes the primitive on arguments of which
  some are `Batched` (the same operation `size` times, once per batch member) and
  returns a `Batched` result. A rule is written with `bind` on ordinary tensors that
  hold the whole batch along axis 0 (its "full" tensors): elementwise primitives
  broadcast (a batched argument gains length-1 axes after the batch axis, so that
  numpy aligns it with the unbatched ones); reductions, reshape, transpose,
  broadcast_to, tile, concat and stack shift their axes by one; getitem and scatter
  prepend a full slice to a basic index and move the batch axis last for an advanced
  one; matmul aligns its operands' stacking axes; diag and diag_part index the
  diagonal of every member.

Because a rule binds ordinary primitives on ordinary tensors, what a batched pass does
is recorded, like any other computation, by the tapes and forward accumulators that
are active: a batched backward pass inside a persistent tape can be differentiated
again. `Batched` values themselves are never recorded: `bind` hands every call with a
Batched argument to `dispatch` (through the interpreter hook that Taylor mode and the
symbolic run use) while `active()`, and only then.

A primitive without a batch rule (a `custom_gradient`'s, or a new one not registered
yet) falls back to a loop over the batch for that one operation (`per_example`), so a
missing rule costs time, never a wrong answer; `missing_rules()` in
adcli/engine/series.py names it and tests/engine/test_registry.py fails by name
(`test_has_a_batch_rule[name]`). The gradient rules of registered primitives are made
of adcli operations, so a backward pass runs on batched cotangents through this
interpretation; a custom gradient's rule is user code and runs per member.

Imports numpy and the engine's tensor, primitives and ops modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from adcli.engine import ops
from adcli.engine.lazy_numpy import np
from adcli.engine.ops import _index_is_basic, _shape
from adcli.engine.primitives import PRIMITIVES, Primitive, bind, dispatching
from adcli.engine.tensor import Tensor, _next_id

__all__ = ["BATCH_RULES", "Batched", "active", "def_batch", "dispatch", "full_of",
           "per_example", "vjp_is_batchable"]

P = SimpleNamespace(**PRIMITIVES)
BatchRule = Callable[[tuple, dict, int], "Batched"]
BATCH_RULES: dict[Primitive, BatchRule] = {}


class Batched(Tensor):
    """`size` values of one shape, held as one tensor with the batch along axis 0.

    `_full` is that ordinary Tensor (shape (size,) + shape); `_value` is its first
    member (a view), so that shapes and dtypes read as those of one member and the
    rules of every other interpretation work unchanged. It has no single number:
    Python control flow on it is a TypeError."""

    __slots__ = ("_full",)

    @classmethod
    def of(cls, full: Tensor) -> Batched:
        batched = object.__new__(cls)
        batched._full = full
        batched._value = full._value[0]
        batched._id = _next_id()
        return batched

    @property
    def size_of_batch(self) -> int:
        return int(np.shape(self._full._value)[0])

    def _scalar(self, what: str) -> Any:
        raise TypeError(f"{what}() of a batch of values (one per seed of a Jacobian): a rule "
                        "read a batched value as one number")

    def numpy(self) -> Any:
        """Every member's value, the batch along axis 0."""
        return self._full.numpy()

    def __repr__(self) -> str:
        return f"<adcli.Batched: size={self.size_of_batch}, shape={self.shape}>"


def def_batch(prim: Primitive, rule: BatchRule) -> None:
    """Register `rule(args, params, size) -> Batched` as the batch rule of `prim`."""
    if prim in BATCH_RULES:
        raise ValueError(f"the primitive '{prim.name}' has a batch rule already")
    BATCH_RULES[prim] = rule


def dispatch(prim: Primitive, args: tuple, params: dict[str, Any]) -> Tensor | None:
    """The batch rule's answer when an argument is Batched; None otherwise (the ordinary
    path then runs). A primitive without a rule runs once per member."""
    for a in args:
        if type(a) is Batched:
            size = a.size_of_batch
            break
    else:
        return None
    rule = BATCH_RULES.get(prim)
    if rule is None:
        return per_example(lambda *xs: bind(prim, xs, params), args, size)
    return rule(args, params, size)


@contextmanager
def active() -> Iterator[None]:
    """Batched values may flow through `bind` inside."""
    with dispatching(dispatch):
        yield


def full_of(value: Tensor, size: int) -> Tensor:
    """An ordinary tensor of shape (size,) + value's shape: a Batched value's full
    tensor, or an unbatched value repeated (a broadcast view)."""
    if type(value) is Batched:
        return value._full
    return ops.broadcast_to(value, (size,) + tuple(_shape(value)))


def per_example(fn: Callable[..., Any], args: Sequence[Any], size: int) -> Any:
    """fn on each member in turn (unbatched arguments as they are), the results stacked
    into Batched values: a Tensor, None, or a tuple/list of those (None where every
    member gives None; zeros stand for a member's None beside others' tensors)."""
    outs = []
    for i in range(size):
        member = tuple(bind(P.getitem, (a._full,), {"index": i}) if type(a) is Batched else a
                       for a in args)
        outs.append(fn(*member))
    if isinstance(outs[0], (tuple, list)):
        return type(outs[0])(_stacked([o[k] for o in outs]) for k in range(len(outs[0])))
    return _stacked(outs)


def _stacked(values: list[Any]) -> Batched | None:
    present = next((v for v in values if v is not None), None)
    if present is None:
        return None
    filled = [ops.zeros_like(present) if v is None else ops.convert_to_tensor(v)
              for v in values]
    return Batched.of(bind(P.stack, tuple(filled), {"axis": 0}))


def vjp_is_batchable(prim: Primitive) -> bool:
    """Whether `prim`'s gradient rules may receive Batched values: those of registered
    primitives are made of adcli operations; a custom gradient's are user code."""
    return PRIMITIVES.get(prim.name) is prim


# ---- the rules ---------------------------------------------------------------------


def _lift(a: Batched, ndim: int) -> Tensor:
    """a's full tensor with length-1 axes after the batch axis up to `ndim` member axes,
    so that numpy's right-aligned broadcasting meets the unbatched arguments."""
    shape = tuple(_shape(a))
    full = a._full
    if len(shape) < ndim:
        full = ops.reshape(full, (a.size_of_batch,) + (1,) * (ndim - len(shape)) + shape)
    return full


def _elementwise(prim: Primitive) -> None:
    def rule(args: tuple, params: dict, size: int) -> Batched:
        ndim = max(len(_shape(a)) for a in args)
        plain = tuple(_lift(a, ndim) if type(a) is Batched else a for a in args)
        return Batched.of(bind(prim, plain, params))

    def_batch(prim, rule)


def _reduction(prim: Primitive) -> None:
    def rule(args: tuple, params: dict, size: int) -> Batched:
        (x,) = args
        axis = params["axis"]
        shifted = tuple(range(1, len(_shape(x)) + 1)) if axis is None \
            else tuple(a + 1 for a in axis)
        return Batched.of(bind(prim, (x._full,), {**params, "axis": shifted}))

    def_batch(prim, rule)


def _reshape(args: tuple, params: dict, size: int) -> Batched:
    (x,) = args
    return Batched.of(bind(P.reshape, (x._full,), {"shape": (size,) + tuple(params["shape"])}))


def _broadcast_to(args: tuple, params: dict, size: int) -> Batched:
    (x,) = args
    shape = tuple(params["shape"])
    return Batched.of(bind(P.broadcast_to, (_lift(x, len(shape)),), {"shape": (size,) + shape}))


def _transpose(args: tuple, params: dict, size: int) -> Batched:
    (x,) = args
    perm = params["perm"]
    ndim = len(_shape(x))
    moved = tuple(range(ndim, 0, -1)) if perm is None else tuple(int(p) % max(ndim, 1) + 1
                                                                 for p in perm)
    return Batched.of(bind(P.transpose, (x._full,), {"perm": (0,) + moved}))


def _tile(args: tuple, params: dict, size: int) -> Batched:
    (x,) = args
    multiples = tuple(params["multiples"])
    return Batched.of(bind(P.tile, (_lift(x, len(multiples)),),
                           {"multiples": (1,) + multiples}))


def _joined(prim: Primitive) -> None:
    def rule(args: tuple, params: dict, size: int) -> Batched:
        fulls = tuple(full_of(a, size) for a in args)
        return Batched.of(bind(prim, fulls, {**params, "axis": params["axis"] + 1}))

    def_batch(prim, rule)


def _items(index: Any) -> tuple:
    return index if isinstance(index, tuple) else (index,)


def _advanced_items(items: tuple, ndim: int) -> tuple | None:
    """An advanced index written out for a value with one more axis at the end (the batch):
    its Ellipsis replaced by the slices it stands for, so that the trailing batch axis is
    never indexed. None for an index this cannot handle (a scalar boolean)."""
    consumed = 0
    for item in items:
        if item is None or item is Ellipsis:
            continue
        if isinstance(item, np.ndarray) and item.dtype.kind == "b":
            if item.ndim == 0:
                return None
            consumed += item.ndim
        elif isinstance(item, (int, np.integer, slice)) or (
                isinstance(item, np.ndarray) and item.dtype.kind in "iu"):
            consumed += 1
        else:
            return None
    at = next((k for k, item in enumerate(items) if item is Ellipsis), None)
    if at is None:
        return items
    return items[:at] + (slice(None),) * (ndim - consumed) + items[at + 1:]


def _last_to_first(x: Tensor) -> Tensor:
    nd = len(_shape(x))
    return ops.transpose(x, (nd - 1,) + tuple(range(nd - 1)))


def _first_to_last(x: Tensor) -> Tensor:
    nd = len(_shape(x))
    return ops.transpose(x, tuple(range(1, nd)) + (0,))


def _getitem(args: tuple, params: dict, size: int) -> Batched:
    (x,) = args
    index = params["index"]
    items = _items(index)
    if _index_is_basic(index):
        return Batched.of(bind(P.getitem, (x._full,), {"index": (slice(None),) + items}))
    written = _advanced_items(items, len(_shape(x)))
    if written is None:
        return per_example(lambda v: bind(P.getitem, (v,), params), args, size)
    # The batch axis last: numpy keeps trailing axes an index does not reach in place.
    out = bind(P.getitem, (_first_to_last(x._full),), {"index": written})
    return Batched.of(_last_to_first(out))


def _scatter(args: tuple, params: dict, size: int) -> Batched:
    (g,) = args
    index, shape = params["index"], tuple(params["shape"])
    items = _items(index)
    if _index_is_basic(index):
        return Batched.of(bind(P.scatter, (g._full,), {"index": (slice(None),) + items,
                                                        "shape": (size,) + shape}))
    written = _advanced_items(items, len(shape))
    if written is None:
        return per_example(lambda v: bind(P.scatter, (v,), params), args, size)
    out = bind(P.scatter, (_first_to_last(g._full),), {"index": written,
                                                        "shape": shape + (size,)})
    return Batched.of(_last_to_first(out))


def _diagonal(shape: tuple[int, ...]) -> tuple:
    k = np.arange(min(shape))
    return (slice(None), k, k)


def _diag(args: tuple, params: dict, size: int) -> Batched:
    (v,) = args
    (k,) = _shape(v)
    return Batched.of(bind(P.scatter, (v._full,), {"index": _diagonal((k, k)),
                                                    "shape": (size, k, k)}))


def _diag_part(args: tuple, params: dict, size: int) -> Batched:
    (m,) = args
    return Batched.of(bind(P.getitem, (m._full,), {"index": _diagonal(tuple(_shape(m)))}))


def _matmul(args: tuple, params: dict, size: int) -> Batched:
    # Each operand as a stack of matrices (a vector a as one row, b as one column), the
    # batched ones with length-1 stacking axes so that numpy aligns the stacks.
    a, b = args
    sa, sb = tuple(_shape(a)), tuple(_shape(b))
    ma = (1,) + sa if len(sa) == 1 else sa
    mb = sb + (1,) if len(sb) == 1 else sb
    stacks = np.broadcast_shapes(ma[:-2], mb[:-2])
    ndim = len(stacks) + 2

    def matrices(x: Any, shape: tuple[int, ...], matrix: tuple[int, ...]) -> Any:
        if type(x) is Batched:
            return ops.reshape(x._full, (size,) + (1,) * (ndim - len(matrix)) + matrix)
        return x if shape == matrix else ops.reshape(x, matrix)

    out = bind(P.matmul, (matrices(a, sa, ma), matrices(b, sb, mb)))
    shape = stacks + (ma[-2], mb[-1])
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(sb) == 1:
        shape = shape[:-1]
    return Batched.of(ops.reshape(out, (size,) + shape))


for _name in (
    "add", "subtract", "mul_strong_zero", "multiply", "divide", "floor_divide", "mod", "pow",
    "integer_pow", "negative", "abs", "sign", "reciprocal", "square", "sqrt", "cbrt", "exp",
    "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan",
    "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "softplus",
    "relu_grad", "relu", "erf", "erfc", "gamma", "lgamma", "digamma", "polygamma", "maximum",
    "minimum", "where", "floor", "ceil", "round", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_not", "stop_gradient",
    "cast",
):
    _elementwise(PRIMITIVES[_name])
for _name in ("reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_logsumexp"):
    _reduction(PRIMITIVES[_name])
def_batch(P.reshape, _reshape)
def_batch(P.broadcast_to, _broadcast_to)
def_batch(P.transpose, _transpose)
def_batch(P.tile, _tile)
_joined(P.concat)
_joined(P.stack)
def_batch(P.getitem, _getitem)
def_batch(P.scatter, _scatter)
def_batch(P.diag, _diag)
def_batch(P.diag_part, _diag_part)
def_batch(P.matmul, _matmul)
