"""adcli's Python API: a gradient tape with TensorFlow's names (`import adcli as tf`).

Exports the engine's Tensor, Variable, GradientTape, custom_gradient, the `autodiff`
namespace (ForwardAccumulator) and every operation under its TensorFlow name, plus
dtypes, and TensorFlow's namespaces `nn`, `math`, `linalg` and `random` (modules of
this package, composed of the engine's operations) and `saved_model` (imported on first
use), and the top-level names of adcli/compat.py (UnconnectedGradients, clip_by_norm,
einsum, pad, Module, function, ...). Imports only the engine, so that `import adcli`
stays light: the namespaces and the names taken from them are imported on first use (the
command line needs none of them), numpy too (adcli/engine/lazy_numpy.py), the language
and the CLI on demand.
"""

from __future__ import annotations

from adcli.engine import ops as _ops
from adcli.engine.ops import *  # noqa: F403 - the operations are the API
from adcli.engine.tape import GradientTape, custom_gradient
from adcli.engine.tensor import Tensor, Variable, is_tensor

__version__ = "0.1.0"

# TensorFlow's dtype names, numpy's types (looked up on first use: see __getattr__).
_DTYPES = {"float16": "float16", "float32": "float32", "float64": "float64",
           "int32": "int32", "int64": "int64", "bool": "bool_"}

# TensorFlow's short names that tutorial code uses.
multiply = _ops.multiply


def enable_eager_execution() -> None:
    """A no-op: adcli always runs eagerly. It exists so that TF 1.x tutorial code runs."""


def executing_eagerly() -> bool:
    """Always True: adcli has no graph mode."""
    return True


# TensorFlow's namespaces (modules of this package) and the names taken from them,
# imported on first use: the command line needs none of them (see __getattr__).
_NAMESPACES = ("autodiff", "linalg", "nn", "math", "random")
_FROM = {
    **dict.fromkeys(("Module", "TensorSpec", "UnconnectedGradients", "clip_by_global_norm",
                     "clip_by_norm", "function", "pad"), "compat"),
    **dict.fromkeys(("einsum", "tensordot"), "linalg"),
    **dict.fromkeys(("add_n", "argmax", "argmin", "reduce_all", "reduce_any", "truediv"),
                    "math"),
}


def __getattr__(name: str) -> object:
    import importlib

    if name in _NAMESPACES:
        return importlib.import_module(f"adcli.{name}")
    if name in _FROM:
        value = getattr(importlib.import_module(f"adcli.{_FROM[name]}"), name)
        globals()[name] = value  # looked up once
        return value
    # A dtype needs numpy: `import adcli` does not import it until then.
    if name in _DTYPES:
        from adcli.engine.lazy_numpy import np

        return getattr(np, _DTYPES[name])
    # tf.saved_model imports pickle: only when a program uses it.
    if name == "saved_model":
        return importlib.import_module("adcli.saved_model")
    raise AttributeError(f"module 'adcli' has no attribute {name!r}")


# The namespaces `math` and `random` are left out of __all__: `from adcli import *` must
# not replace Python's modules of those names. The dtypes come from
# __getattr__.
def __dir__() -> list[str]:
    return sorted({*globals(), *_NAMESPACES, *_FROM, *_DTYPES, "saved_model"})


__all__ = [*_ops.__all__, "GradientTape", "Tensor", "Variable", "custom_gradient",
           "enable_eager_execution", "executing_eagerly", "is_tensor",
           *_NAMESPACES[:3], *_FROM, *_DTYPES]
