"""TensorFlow's tf.saved_model namespace, for tape code that saves and loads a Module.

`save(obj, export_dir)` writes `obj` (a `tf.Module` or any picklable object, with its
variables' values) to `export_dir/adcli_object.pickle`, and `load(export_dir)` reads it
back as a new object with new variables. It is Python's pickle, not TensorFlow's
SavedModel format: the object's class and the functions it calls (a custom gradient
included) are saved by reference, so loading needs them importable, as in the program
that saved them. Loading a pickle runs code: load only directories you trust.
Imports pickle and the engine's tensor module (only when `tf.saved_model` is used).
"""

from __future__ import annotations

import os
import pickle
from typing import Any

from adcli.engine.lazy_numpy import np
from adcli.engine.tensor import Tensor, Variable

__all__ = ["SaveOptions", "load", "save"]

FILENAME = "adcli_object.pickle"


class SaveOptions:
    """Accepted for TensorFlow's code; adcli's pickle saves every option's worth
    (custom gradients are saved by reference, as the functions they are)."""

    def __init__(self, **options: Any) -> None:
        self.options = options


def _tensor(value: np.ndarray) -> Tensor:
    return Tensor(value)


def _variable(value: np.ndarray, trainable: bool, name: str) -> Variable:
    var = Variable(value, trainable=trainable, dtype=value.dtype)
    var.name = name
    return var


class _Pickler(pickle.Pickler):
    # A tensor is saved as its value: the loaded one gets an id of its own, so that a tape
    # never takes it for the saved one.
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Variable):
            return _variable, (np.array(obj._value), obj.trainable, obj.name)
        if isinstance(obj, Tensor):
            return _tensor, (np.array(obj._value),)
        return NotImplemented


def save(obj: Any, export_dir: Any, signatures: Any = None, options: Any = None) -> None:
    """Write obj to export_dir (created if needed)."""
    os.makedirs(export_dir, exist_ok=True)
    with open(os.path.join(export_dir, FILENAME), "wb") as file:
        _Pickler(file, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)


def load(export_dir: Any, tags: Any = None, options: Any = None) -> Any:
    """The object saved in export_dir, with new variables holding the saved values."""
    path = os.path.join(export_dir, FILENAME)
    if not os.path.exists(path):
        raise OSError(f"{export_dir} holds no object saved by adcli (no {FILENAME})")
    with open(path, "rb") as file:
        return pickle.load(file)
