"""Tensor and Variable: immutable values that the gradient tape can follow.

One responsibility: the value types of the engine. A `Tensor` holds a numpy array, or
for a float64 or bool scalar a Python float or bool (`_v`; see "scalar storage"
below), and a process-unique integer id by which tapes recognise it; it never changes
after creation. A `Variable` is a Tensor whose value can be assigned
and which tapes watch automatically when it is trainable. Python operators on both
are installed by `adcli.engine.ops` (which imports this module), so that every
operator is a recorded primitive. Imports only numpy.
"""

from __future__ import annotations

import itertools
from typing import Any

from adcli.engine.lazy_numpy import np

_next_id = itertools.count(1).__next__

_DTYPE_ALIASES: dict[Any, Any] = {
    float: "float64",
    int: "int64",
    bool: "bool",
    complex: "complex128",
}


def as_dtype(dtype: Any) -> np.dtype | None:
    """A numpy dtype from what a user may pass: None, `float`, "float32", np.float32, a dtype."""
    if dtype is None:
        return None
    return np.dtype(_DTYPE_ALIASES.get(dtype, dtype))


def to_array(value: Any, dtype: Any = None) -> Any:
    """The numpy value of a Tensor, number, nested list or array; floats default to float64."""
    if isinstance(value, Tensor):
        value = value._value
    elif isinstance(value, (list, tuple)):
        value = np.array([to_array(v) for v in value]) if value and _holds_tensors(value) \
            else np.asarray(value)
    np_dtype = as_dtype(dtype)
    if np_dtype is not None:
        return np.asarray(value, dtype=np_dtype)
    if isinstance(value, (np.ndarray, np.generic)):
        return value
    return np.asarray(value)


# -- scalar storage --------------------------------------------------------------------
#
# A float64 scalar is held as a Python float and a bool scalar as a Python bool (in the
# slot `_v`), so that an operation on such scalars runs the primitive's scalar form
# (`primitives.bind`) instead of numpy, whose operations on 0-d values cost about a
# microsecond each. Every other value (arrays, float32, integers, complex, objects)
# stays numpy. `_value`, which the rest of the engine reads, gives the numpy value as
# before: np.float64 / np.bool_ for a Python scalar (the code that knows about the
# storage reads `_v`). A numpy result that is a float64 or bool scalar (or a 0-d array
# of one) is stored as the Python scalar, so the two storages never coexist for the
# same kind of value.

_SCALAR_STORAGE = (float, bool)
_SCALAR_CHARS = ("d", "?")  # the dtype characters of float64 and bool


def _stored(value: Any) -> Any:
    """The storage of a value: a Python float or bool for a numpy float64 or bool scalar
    (or 0-d array of one), else the value itself."""
    kind = type(value)
    if kind is float or kind is bool:
        return value  # (and the only values there are before numpy is imported)
    if kind is np.float64:
        return float(value)
    if kind is np.ndarray:
        if value.shape == () and value.dtype.char in _SCALAR_CHARS:
            return value.item()
        return value
    if kind is np.bool_:
        return bool(value)
    return value


def scalar_tensor(value: Any) -> Tensor:
    """A Tensor holding a Python float or bool as it is (the scalar path; no numpy)."""
    tensor = object.__new__(Tensor)
    tensor._v = value
    tensor._id = _next_id()
    return tensor


def _holds_tensors(seq: Any) -> bool:
    return any(isinstance(v, Tensor) or isinstance(v, (list, tuple)) and _holds_tensors(v)
               for v in seq)


class Tensor:
    """An immutable value. Create one with `adcli.constant`, not directly."""

    __slots__ = ("_v", "_id")
    # A plain Tensor is never auto-watched; Variable overrides this with a slot.
    _trainable = False
    # The inputs a value depends on without being a number yet: none for a Tensor; a
    # formula (adcli.engine.symbolic.Symbolic) names them, so that Python control flow
    # on it can say which branch needs a number.
    unknowns: tuple[str, ...] = ()
    # Make numpy defer to Tensor's reflected operators (`ndarray * tensor` -> Tensor).
    __array_ufunc__ = None
    __array_priority__ = 100

    def __init__(self, value: Any, dtype: Any = None) -> None:
        self._v = value if dtype is None and type(value) is float \
            else _stored(to_array(value, dtype))
        self._id = _next_id()

    @classmethod
    def _wrap(cls, value: Any) -> Tensor:
        """Wrap a numpy result without copying it (the hot path); a float64 or bool
        scalar is stored as a Python float or bool."""
        tensor = object.__new__(Tensor)
        tensor._v = _stored(value)
        tensor._id = _next_id()
        return tensor

    @property
    def _value(self) -> Any:
        """The numpy value (np.float64 / np.bool_ for a scalar held as a Python one)."""
        value = self._v
        kind = type(value)
        if kind is float:
            return np.float64(value)
        if kind is bool:
            return np.bool_(value)
        return value

    @_value.setter
    def _value(self, value: Any) -> None:
        self._v = _stored(value)

    # -- numpy-like attributes -------------------------------------------------
    def numpy(self) -> Any:
        """The value as a numpy array (a numpy scalar for shape ())."""
        value = self._value
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return value[()]
        return value.copy() if isinstance(value, np.ndarray) else value

    @property
    def shape(self) -> tuple[int, ...]:
        value = self._v
        if type(value) in _SCALAR_STORAGE:
            return ()
        try:
            return value.shape
        except AttributeError:
            return np.shape(value)

    @property
    def dtype(self) -> np.dtype:
        return np.result_type(self._value)

    @property
    def ndim(self) -> int:
        if type(self._v) in _SCALAR_STORAGE:
            return 0
        return np.ndim(self._v)

    @property
    def size(self) -> int:
        if type(self._v) in _SCALAR_STORAGE:
            return 1
        return int(np.size(self._v))

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a scalar tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a scalar tensor")
        return (self[i] for i in range(self.shape[0]))

    # -- conversions for Python control flow -----------------------------------
    def _scalar(self, what: str) -> Any:
        value = self._v
        if type(value) in _SCALAR_STORAGE:
            return value
        if np.size(self._value) != 1:
            raise ValueError(
                f"{what}() needs a one-element tensor, not one of shape {self.shape}"
            )
        return np.asarray(self._value).reshape(())[()]

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __bool__(self) -> bool:
        return bool(self._scalar("bool"))

    def __index__(self) -> int:
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self._scalar("index"))

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        return format(self._scalar("format"), spec)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self._value, dtype=dtype)

    # Tensors compare elementwise, as in TensorFlow, so they cannot be hashed.
    __hash__ = None  # type: ignore[assignment]

    # -- text -------------------------------------------------------------------
    def _numpy_text(self, is_repr: bool) -> str:
        value = np.asarray(self._value)
        text = repr(value) if is_repr and value.ndim else str(value)
        return "\n" + text if "\n" in text else text

    def __str__(self) -> str:
        return (
            f"adcli.Tensor({self._numpy_text(False)}, shape={self.shape}, "
            f"dtype={self.dtype.name})"
        )

    def __repr__(self) -> str:
        return (
            f"<adcli.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
            f"numpy={self._numpy_text(True)}>"
        )


class Variable(Tensor):
    """A Tensor with an assignable value; tapes watch it automatically when trainable."""

    __slots__ = ("_trainable", "name")

    def __init__(
        self, initial_value: Any, trainable: bool = True, name: str | None = None,
        dtype: Any = None,
    ) -> None:
        value = to_array(initial_value, dtype)
        if dtype is None and value.dtype.kind in "iub":
            value = value.astype(np.float64) if trainable else value
        super().__init__(np.array(value, copy=True))
        self._trainable = bool(trainable)
        # TensorFlow names a variable's value after its first output: "Variable:0".
        self.name = f"{name or 'Variable'}:0"

    @property
    def trainable(self) -> bool:
        return self._trainable

    def assign(self, value: Any) -> Variable:
        new = to_array(value, self.dtype)
        if new.shape != self.shape:
            raise ValueError(f"cannot assign a value of shape {new.shape} to a variable of "
                             f"shape {self.shape}")
        self._value = np.array(new, copy=True)
        return self

    def assign_add(self, delta: Any) -> Variable:
        return self.assign(self._value + to_array(delta))

    def assign_sub(self, delta: Any) -> Variable:
        return self.assign(self._value - to_array(delta))

    def read_value(self) -> Tensor:
        return Tensor._wrap(np.array(self._value, copy=True))

    def __repr__(self) -> str:
        return (
            f"<adcli.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
            f"numpy={self._numpy_text(True)}>"
        )


def is_tensor(value: Any) -> bool:
    """True for Tensors and Variables."""
    return isinstance(value, Tensor)
