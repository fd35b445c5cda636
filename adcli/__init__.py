"""adcli's Python API: a gradient tape with TensorFlow's names (`import adcli as tf`).

Exports the engine's Tensor, Variable, GradientTape, custom_gradient and every
operation under its TensorFlow name, plus dtypes. Imports only the engine, so that
`import adcli` stays light; the language and the CLI are imported on demand.
"""

from __future__ import annotations

import numpy as _np

from adcli.engine import ops as _ops
from adcli.engine.ops import *  # noqa: F403 - the operations are the API
from adcli.engine.tape import GradientTape, custom_gradient
from adcli.engine.tensor import Tensor, Variable, is_tensor

__version__ = "0.1.0"

float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64
bool = _np.bool_  # noqa: A001 - TensorFlow's name for the boolean dtype

# TensorFlow's short names and namespaces that tutorial code uses.
multiply = _ops.multiply
math = _ops
linalg = _ops


def enable_eager_execution() -> None:
    """A no-op: adcli always runs eagerly. It exists so that TF 1.x tutorial code runs."""


def executing_eagerly() -> bool:
    """Always True: adcli has no graph mode."""
    return True


__all__ = [*_ops.__all__, "GradientTape", "Tensor", "Variable", "custom_gradient",
           "enable_eager_execution", "executing_eagerly", "is_tensor", "float16", "float32",
           "float64", "int32", "int64", "bool"]
