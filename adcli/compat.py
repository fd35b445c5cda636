"""TensorFlow's top-level names beyond the engine's operations, for `import adcli as tf`.

- `UnconnectedGradients`: the enum whose members `NONE` and `ZERO` work wherever the
  strings "none" and "zero" do (they are those strings).
- `clip_by_norm`, `clip_by_global_norm`, `pad`: composed of the engine's primitives,
  so they need no rules of their own.
- `Module`, `function`, `TensorSpec`: enough of TensorFlow's for tape code written
  around them to run eagerly: `Module` collects the variables of its attributes (and of
  its submodules, lists and dicts), `function` returns the function itself (adcli has
  no graphs to trace) and `TensorSpec` records a shape and a dtype.

Imports the engine only.
"""

from __future__ import annotations

import enum
import re
from typing import Any

from adcli.engine import ops
from adcli.engine.lazy_numpy import np
from adcli.engine.tensor import Tensor, Variable, as_dtype

__all__ = ["Module", "TensorSpec", "UnconnectedGradients", "clip_by_global_norm",
           "clip_by_norm", "function", "pad"]


class UnconnectedGradients(enum.StrEnum):
    """What `gradient`, `jacobian` and `jvp` give for a source the target does not depend
    on: `NONE` (None) or `ZERO` (zeros of the source's shape). The members are the
    strings "none" and "zero", so either spelling works."""

    NONE = "none"
    ZERO = "zero"


# -- clipping and padding ----------------------------------------------------------------

def _t(x: Any) -> Tensor:
    return ops.convert_to_tensor(x)


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """t scaled down so that its euclidean norm (over `axes`, all entries by default) is
    at most clip_norm: t * clip_norm / max(norm(t), clip_norm). (The norm is the
    engine's, without overflow; its derivative at t = 0 is taken as 0, so the gradient
    of clip_by_norm there is clip_norm / clip_norm = 1, not nan.)"""
    t = _t(t)
    norm = ops.norm(t, axis=axes, keepdims=True)
    return t * clip_norm / ops.maximum(norm, clip_norm)


def clip_by_global_norm(t_list: Any, clip_norm: Any, use_norm: Any = None,
                        name: str | None = None) -> tuple[list[Any], Tensor]:
    """Every tensor of t_list scaled by clip_norm / max(global_norm, clip_norm), the
    global norm being that of all their entries together; returns (the list, the global
    norm). None entries stay None."""
    from adcli.linalg import global_norm

    values = list(t_list)
    norm = global_norm(values) if use_norm is None else _t(use_norm)
    scale = clip_norm / ops.maximum(norm, clip_norm)
    return [None if v is None else _t(v) * scale for v in values], norm


def _pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    shift = 1 if mode == "REFLECT" else 0
    limit = n - shift
    if before > limit or after > limit:
        raise ValueError(f"pad: {mode} padding of an axis of length {n} can add at most "
                         f"{limit} entries on each side, not {max(before, after)}")
    head = np.arange(before, 0, -1) - 1 + shift
    tail = n - 1 - shift - np.arange(after)
    return np.concatenate([head, np.arange(n), tail]).astype(np.intp)


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: str | None = None) -> Tensor:
    """tensor with paddings[i] = [before, after] entries added along each axis i: the
    value constant_values ("CONSTANT"), or a mirror image without the edge entry
    ("REFLECT") or with it ("SYMMETRIC")."""
    x = _t(tensor)
    raw = paddings._value if isinstance(paddings, Tensor) else paddings
    widths = np.asarray(raw, dtype=np.int64).reshape(-1, 2)
    if widths.shape[0] != x.ndim or np.any(widths < 0):
        raise ValueError(f"pad needs one non-negative [before, after] pair per axis of a "
                         f"tensor of rank {x.ndim}, not {widths.tolist()}")
    mode = mode.upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"pad mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', not {mode!r}")
    fill = ops.cast(_t(constant_values), x.dtype) if mode == "CONSTANT" else None
    for axis, (before, after) in enumerate(widths.tolist()):
        if not before and not after:
            continue
        if mode == "CONSTANT":
            parts = []
            for count in (before, after):
                shape = list(x.shape)
                shape[axis] = count
                parts.append(ops.broadcast_to(fill, tuple(shape)) if count else None)
            x = ops.concat([p for p in (parts[0], x, parts[1]) if p is not None], axis=axis)
        else:
            index = _pad_index(x.shape[axis], before, after, mode)
            x = ops.gather_index(x, (slice(None),) * axis + (index,))
    return x


# -- modules, functions and specs ------------------------------------------------------

def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Module:
    """A container of variables, as tf.Module: `variables` and `trainable_variables` are
    the variables found in its attributes, directly or inside lists, tuples, dicts and
    other Modules (each once, in the order of the attribute names)."""

    def __init__(self, name: str | None = None) -> None:
        self._module_name = name or _snake_case(type(self).__name__)

    @property
    def name(self) -> str:
        return getattr(self, "_module_name", None) or _snake_case(type(self).__name__)

    def _flatten(self, want: Any) -> tuple[Any, ...]:
        found: list[Any] = []
        seen: set[int] = {id(self)}

        def walk(value: Any) -> None:
            if id(value) in seen:
                return
            if isinstance(value, Variable):
                seen.add(id(value))
                if want(value):
                    found.append(value)
            elif isinstance(value, Module):
                seen.add(id(value))
                if want(value):
                    found.append(value)
                for key in sorted(vars(value)):
                    walk(vars(value)[key])
            elif isinstance(value, dict):
                for key in sorted(value, key=str):
                    walk(value[key])
            elif isinstance(value, (list, tuple)):
                for item in value:
                    walk(item)

        for key in sorted(vars(self)):
            walk(vars(self)[key])
        return tuple(found)

    @property
    def variables(self) -> tuple[Variable, ...]:
        """Every variable of this module and its submodules."""
        return self._flatten(lambda v: isinstance(v, Variable))

    @property
    def trainable_variables(self) -> tuple[Variable, ...]:
        """The trainable variables of this module and its submodules."""
        return self._flatten(lambda v: isinstance(v, Variable) and v.trainable)

    @property
    def submodules(self) -> tuple[Module, ...]:
        """The modules among its attributes, at any depth."""
        return self._flatten(lambda v: isinstance(v, Module))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class TensorSpec:
    """The shape and dtype a function's argument is expected to have (recorded only)."""

    def __init__(self, shape: Any = None, dtype: Any = "float32", name: str | None = None):
        self.shape = None if shape is None else tuple(None if s is None else int(s)
                                                      for s in shape)
        self.dtype = as_dtype(dtype)
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (
            other.shape, other.dtype, other.name)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        dtype = None if self.dtype is None else self.dtype.name
        return f"TensorSpec(shape={self.shape}, dtype={dtype}, name={self.name!r})"


def function(func: Any = None, input_signature: Any = None, autograph: bool = True,
             jit_compile: Any = None, reduce_retracing: bool = False,
             experimental_implements: Any = None, experimental_autograph_options: Any = None,
             experimental_attributes: Any = None, experimental_relax_shapes: Any = None,
             experimental_compile: Any = None, experimental_follow_type_hints: Any = None
             ) -> Any:
    """tf.function, as a decorator with or without arguments: adcli runs eagerly and has
    no graphs to trace, so it returns the function itself (methods stay methods)."""
    if func is None:
        return lambda f: f
    return func
