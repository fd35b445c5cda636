"""TensorFlow's tf.autodiff namespace: `ForwardAccumulator` (forward mode, Jacobian-vector
products) and `GradientTape` (reverse mode), as `import adcli as tf` spells them."""

from adcli.engine.forward import ForwardAccumulator
from adcli.engine.tape import GradientTape

__all__ = ["ForwardAccumulator", "GradientTape"]
