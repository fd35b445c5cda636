"""The engine: Tensor, the primitive registry, the operations and the gradient tape.

Knows nothing of the language, the API or the CLI above it.
"""

from adcli.engine import ops
from adcli.engine.primitives import PRIMITIVES, Primitive, bind
from adcli.engine.tape import GradientTape, custom_gradient
from adcli.engine.tensor import Tensor, Variable, is_tensor

__all__ = [
    "PRIMITIVES", "GradientTape", "Primitive", "Tensor", "Variable", "bind", "custom_gradient",
    "is_tensor", "ops",
]
